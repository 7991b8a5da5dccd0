"""``python -m sklearn_adam --loss ...``: Adam against scikit-learn's estimator of the loss."""

import re
import subprocess
import sys

import pytest


def run(*argv):
    return subprocess.run([sys.executable, "-m", "sklearn_adam", *argv],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("loss, peer", [("poisson", "PoissonRegressor"),
                                        ("gamma", "GammaRegressor")])
def test_a_log_link_loss_is_compared_with_its_peer(loss, peer):
    result = run("--loss", loss, "--alpha", "0.1")
    assert result.returncode == 0, result.stderr
    assert f"loss='{loss}'" in result.stdout and "alpha=0.1" in result.stdout
    assert re.search(rf"AdamLinearRegressor +{peer}\n", result.stdout)
    difference = re.search(rf"\(Adam vs {peer}\): (\S+)", result.stdout).group(1)
    assert float(difference) < 1e-6
    assert result.stderr == ""


def test_quantile_reaches_the_estimator_and_is_compared_with_quantile_regressor():
    result = run("--loss", "quantile", "--quantile", "0.25", "--max-iter", "300")
    assert result.returncode == 0, result.stderr
    assert "loss='quantile', quantile=0.25" in result.stdout
    assert "QuantileRegressor" in result.stdout


@pytest.mark.parametrize("argv, expected", [
    (["--loss", "quantile", "--quantile", "1.5"],
     r"error: --quantile must be .* in \(0, 1\); got 1.5 \(AdamLinearRegressor's quantile\)"),
    (["--loss", "tweedie"], r"error: argument --loss: invalid choice: 'tweedie'"),
    (["--loss", "absolute_error", "--alpha", "1"],
     r"error: --alpha with --loss absolute_error has no estimator to compare with"),
])
def test_bad_loss_options_are_usage_errors(argv, expected):
    result = run(*argv)
    assert result.returncode == 2
    assert re.match(expected, result.stderr), result.stderr
    assert result.stdout == ""


def test_several_targets_with_a_peer_of_one_target_are_refused():
    result = run("--data", "linnerud", "--loss", "poisson")
    assert result.returncode == 1
    assert "PoissonRegressor, which fits one target; linnerud has 3" in result.stderr


def test_huber_is_compared_with_huber_regressor():
    result = run("--loss", "huber", "--alpha", "0.1")
    assert result.returncode == 0, result.stderr
    assert re.search(r"AdamLinearRegressor +HuberRegressor\n", result.stdout)
    difference = re.search(r"\(Adam vs HuberRegressor\): (\S+)", result.stdout).group(1)
    # HuberRegressor's L-BFGS stops on its relative decrease about 1e-5 short.
    assert float(difference) < 1e-3
