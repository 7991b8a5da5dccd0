"""``python -m sklearn_adam --penalty ... --l1-ratio ...``: Adam against its peer of the penalty."""

import re
import subprocess
import sys

import pytest
from sklearn.linear_model import ElasticNet, LinearRegression, QuantileRegressor

from sklearn_adam._cli_csv import UsageError
from sklearn_adam._cli_options import check_options, estimator, parser, reference


def run(*argv):
    return subprocess.run([sys.executable, "-m", "sklearn_adam", *argv],
                          capture_output=True, text=True, timeout=300)


def coef_difference(stdout, peer):
    return float(re.search(rf"\(Adam vs {peer}\): (\S+)", stdout).group(1))


@pytest.mark.parametrize("argv, peer, shown", [
    (["--penalty", "l1", "--alpha", "0.5"], "Lasso", "alpha=0.5, penalty='l1')"),
    (["--penalty", "elasticnet", "--l1-ratio", "0.3", "--alpha", "0.1"], "ElasticNet",
     "alpha=0.1, penalty='elasticnet', l1_ratio=0.3)"),
])
def test_a_sparse_penalty_is_compared_with_its_peer(argv, peer, shown):
    result = run(*argv)
    assert result.returncode == 0, result.stderr
    assert shown in result.stdout
    assert re.search(rf"AdamLinearRegressor +{peer}\n", result.stdout)
    assert coef_difference(result.stdout, peer) < 1e-6
    assert result.stderr == ""


@pytest.mark.parametrize("argv, peer, alpha", [
    (["--loss", "quantile", "--penalty", "l1", "--alpha", "0.01"], QuantileRegressor, 0.01),
    (["--loss", "absolute_error", "--penalty", "l1", "--alpha", "0.2"], QuantileRegressor, 0.1),
    (["--penalty", "l1", "--alpha", "0"], LinearRegression, None),
    (["--penalty", "elasticnet", "--alpha", "0.3"], ElasticNet, 0.3),
])
def test_each_penalty_reaches_the_estimator_and_its_peer(argv, peer, alpha):
    # In-process: the parsed options, the estimator they build and the peer
    # that the command (run above by a subprocess) compares with.
    args = parser().parse_args(argv)
    check_options(args)
    adam = estimator(args)
    assert adam.penalty == args.penalty and adam.alpha == float(argv[-1])
    label, reference_model = reference(args)
    assert isinstance(reference_model, peer) and label == peer.__name__
    if alpha is not None:
        assert reference_model.alpha == alpha
    if peer is ElasticNet:
        assert reference_model.l1_ratio == 0.5 and adam.l1_ratio is None


# Two through the command itself; the rest through the same check in-process.
@pytest.mark.parametrize("argv, expected", [
    (["--penalty", "elasticnet", "--l1-ratio", "1.5"],
     r"error: --l1-ratio must be .* in \[0, 1\]; got 1.5 \(AdamLinearRegressor's l1_ratio\)"),
    (["--penalty", "l1", "--loss", "poisson", "--alpha", "0.1"],
     r"error: --penalty l1 with --loss poisson has no estimator to compare with"),
])
def test_bad_penalty_options_are_usage_errors_before_any_data_is_read(argv, expected):
    # A file that does not exist: a refusal of the options comes first.
    result = run("--data", "missing.csv", "--target", "y", *argv)
    assert result.returncode == 2
    assert re.match(expected, result.stderr), result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("argv, expected", [
    (["--l1-ratio", "0.4"], r"--l1-ratio 0.4 is given with penalty='l2', which has no L1 part"),
    (["--penalty", "l1", "--l1-ratio", "0.4"],
     r"--l1-ratio 0.4 is given with penalty='l1', which is all L1"),
    (["--penalty", "elasticnet", "--l1-ratio", "-0.1"], r"--l1-ratio must be .* got -0.1"),
    (["--penalty", "elasticnet", "--loss", "quantile", "--alpha", "0.1"],
     r"--penalty elasticnet with --loss quantile has no estimator to compare with: .* L1 "
     r"penalty only"),
    (["--penalty", "l1", "--loss", "huber", "--alpha", "0.1"],
     r"--penalty l1 with --loss huber has no estimator .* L2 penalty only"),
    (["--loss", "quantile", "--alpha", "0.1"],
     r"--alpha with --loss quantile has no estimator .* \(--penalty l1 is QuantileRegressor's\)"),
])
def test_each_bad_combination_is_refused_by_the_options_check(argv, expected):
    with pytest.raises(UsageError, match=expected):
        check_options(parser().parse_args(argv))
