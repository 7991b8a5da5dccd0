"""The command-line demo: `python -m sklearn_adam`."""

import re
import subprocess
import sys

import pytest

from sklearn_adam.__main__ import main


def test_demo_table_shows_agreement_with_linear_regression(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for label in ("train R^2", "test R^2", "train MSE", "epochs", "fit time (s)"):
        assert label in out
    gap = float(re.search(r"train R\^2 gap \(closed form minus Adam\): (\S+)", out).group(1))
    assert gap < 1e-3


def test_demo_times_the_start_up_of_a_process_apart_from_the_fit():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam"], capture_output=True, text=True, check=True
    )
    rows = {
        label: [float(value) for value in re.findall(r"\S+", rest)]
        for label, rest in re.findall(r"^(fit time \(s\)|start-up \(s\))(.*)$",
                                      result.stdout, flags=re.MULTILINE)
    }
    assert sorted(rows) == ["fit time (s)", "start-up (s)"]
    assert all(len(values) == 2 and min(values) > 0 for values in rows.values())


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


CSV_ROWS = [(x1, x2, 3.0 * x1 - 2.0 * x2 + 1.0) for x1, x2 in
            [(1, 2), (2, 1), (3, 5), (4, 4), (5, 0), (6, 2), (7, 7), (8, 1), (9, 3), (0, 6)]]


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "data.csv"
    lines = ["size,age,price"] + [",".join(str(v) for v in row) for row in CSV_ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_main(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_csv_round_trip_fits_the_target_column(capsys, csv_file):
    status, out, err = run_main(capsys, "--data", str(csv_file), "--target", "price",
                                "--test-size", "0.3", "--batch-size", "full")
    assert status == 0, err
    assert f"Dataset: {csv_file} (target 'price'), 7 training and 3 test rows, 2 features" in out
    # The target is an exact linear function of the two feature columns.
    test_r2 = re.search(r"test R\^2\s+(\S+)\s+(\S+)", out)
    assert float(test_r2.group(2)) == pytest.approx(1.0)
    assert float(test_r2.group(1)) > 0.99


def test_solver_and_batch_size_reach_the_estimator(capsys):
    status, out, _ = run_main(capsys, "--solver", "adamw", "--batch-size", "16",
                              "--learning-rate", "0.02", "--max-iter", "50")
    assert status == 0
    assert ("AdamLinearRegressor(solver='adamw', batch_size=16, learning_rate=0.02, "
            "max_iter=50, early_stopping=False)") in out
    status, out, _ = run_main(capsys, "--solver", "nadam", "--batch-size", "full")
    assert status == 0
    assert "solver='nadam', batch_size=None" in out


def test_early_stopping_reports_the_kept_epoch(capsys):
    status, out, _ = run_main(capsys, "--data", "friedman1", "--early-stopping")
    assert status == 0
    assert "early_stopping=True" in out
    assert re.search(r"kept epoch\s+\d+\s+-", out)


def test_max_iter_is_a_note_not_a_warning(capsys):
    status, out, err = run_main(capsys, "--max-iter", "3")
    assert status == 0
    assert "note: Adam ran all 3 epochs of --max-iter" in out
    assert "ConvergenceWarning" not in err


def test_help_describes_options_and_examples(capsys):
    status, out, _ = run_main(capsys, "--help")
    assert status == 0
    for text in ("--data", "--target", "--solver", "--batch-size", "--learning-rate",
                 "--max-iter", "--early-stopping", "--plot", "(default: 0.01)", "examples:"):
        assert text in out


BAD_INPUTS = {
    "missing file": (["--data", "{dir}/missing.csv", "--target", "price"], "missing.csv"),
    "unknown column": (["--data", "{csv}", "--target", "cost"], "'cost' is not a column"),
    "non-numeric cell": (["--data", "{bad}", "--target", "price"], "'abc' is not a number"),
    "no target for a file": (["--data", "{csv}"], "--target is required"),
    "unknown dataset": (["--data", "housing"], "invalid choice"),
    "target with a bundled dataset": (["--target", "price"], "only to a CSV file"),
    "negative learning rate": (["--learning-rate", "-1"], "learning_rate"),
    "zero batch size": (["--batch-size", "0"], "batch_size"),
    "unparsable batch size": (["--batch-size", "half"], "--batch-size"),
    "zero max iter": (["--max-iter", "0"], "max_iter"),
    "bad test size": (["--test-size", "2.5"], "test_size"),
    "unknown solver": (["--solver", "sgd"], "--solver"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_error_line(capsys, tmp_path, csv_file, case):
    bad = tmp_path / "bad.csv"
    bad.write_text("size,age,price\n1,2,3\n4,abc,6\n")
    argv, expected = BAD_INPUTS[case]
    argv = [a.format(dir=tmp_path, csv=csv_file, bad=bad) for a in argv]
    status, out, err = run_main(capsys, *argv)
    assert status != 0
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err
    assert "Traceback" not in err
    assert out == ""


def test_bad_input_as_a_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam", "--data", str(tmp_path / "no.csv"),
         "--target", "y"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot read")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_plot_writes_a_png(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    for flags, name in (([], "loss.png"), (["--early-stopping"], "both.png")):
        path = tmp_path / name
        status, out, err = run_main(capsys, "--plot", str(path), *flags)
        assert status == 0, err
        assert f"plot saved to {path}" in out
        assert path.read_bytes().startswith(b"\x89PNG")


def test_plot_without_matplotlib_is_a_clear_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    path = tmp_path / "loss.png"
    status, out, err = run_main(capsys, "--plot", str(path))
    assert status == 2
    assert err == ("error: --plot needs matplotlib, which is not installed "
                   "(pip install matplotlib)\n")
    assert out == ""
    assert not path.exists()


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--learning-rate", "-0.01"],
         "error: --learning-rate must be a finite real number (int or float) in (0, inf); "
         "got -0.01 (AdamLinearRegressor's learning_rate)\n"),
        (["--max-iter", "0"], "error: --max-iter must be an integer in [1, "),
        (["--batch-size", "0"], "error: --batch-size must be an integer in [1, inf); got 0"),
        (["--test-size", "1.5"], "error: --test-size must be a fraction in (0, 1); got 1.5"),
    ],
)
def test_out_of_range_options_are_usage_errors_naming_the_flag(capsys, argv, expected):
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert err.startswith(expected)
    assert out == ""


def test_plot_to_a_missing_folder_fails_before_the_fit(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    status, out, err = run_main(capsys, "--plot", str(tmp_path / "nowhere" / "loss.png"))
    assert status == 2 and "does not exist" in err and out == ""


def test_plot_reports_the_file_it_wrote(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    status, out, err = run_main(capsys, "--plot", str(tmp_path / "curves"))
    assert status == 0, err
    assert f"plot saved to {tmp_path / 'curves.png'}" in out
    assert (tmp_path / "curves.png").read_bytes().startswith(b"\x89PNG")


def test_csv_written_by_pandas_does_not_train_on_its_index(capsys, tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(CSV_ROWS, columns=["size", "age", "price"])
    path = tmp_path / "frame.csv"
    frame.to_csv(path)  # the row index first, under an empty name
    status, out, err = run_main(capsys, "--data", str(path), "--target", "price")
    assert status == 0, err
    assert ", 2 features" in out


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a,a,price\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n", "names several columns 'a'"),
        ("size,age,price\n1,2,3\n4,inf,6\n7,8,9\n", "data row 2, column 'age': 'inf' is not "
                                                    "a finite number"),
        ("size,age,price\n1,2,3\n4,5,6\n", "R^2 needs at least 2 in each"),
    ],
)
def test_csv_problems_are_named(capsys, tmp_path, text, expected):
    path = tmp_path / "data.csv"
    path.write_text(text)
    status, out, err = run_main(capsys, "--data", str(path), "--target", "price")
    assert status == 1 and expected in err and out == ""
