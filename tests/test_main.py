"""The command-line demo: `python -m sklearn_adam`."""

import re
import subprocess
import sys

from sklearn_adam.__main__ import main


def test_demo_table_shows_agreement_with_linear_regression(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for label in ("train R^2", "test R^2", "train MSE", "epochs", "fit time (s)"):
        assert label in out
    gap = float(re.search(r"train R\^2 gap \(closed form minus Adam\): (\S+)", out).group(1))
    assert gap < 1e-3


def test_demo_runs_as_a_module_on_multi_output_data():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam", "--data", "linnerud"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Dataset: linnerud" in result.stdout


def test_unknown_dataset_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam", "--data", "nope"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
