"""Each loss's early stopping, its default score, and the errors of input it cannot take.

The default validation score of every loss is its D^2: one minus the ratio
of the held-out loss to that of the best constant (R^2 for the squared
error), the score of scikit-learn's ``d2_*`` metrics. Where it cannot be
computed on the validation rows, or the loss cannot take the targets, the
fit refuses before any work, naming the argument or the rows; nothing the
caller passed is modified, and a model fitted before keeps its state.
"""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from loss_data import targets_for
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import d2_absolute_error_score, d2_pinball_score, d2_tweedie_score

from sklearn_adam import AdamLinearRegressor

LOSSES = ["poisson", "gamma", "quantile", "absolute_error"]
QUANTILE = 0.8

# Short fits: the scores and the refusals are the point, not convergence.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def d2(loss, y, prediction, sample_weight=None):
    """scikit-learn's D^2 of the loss."""
    if loss == "poisson":
        return d2_tweedie_score(y, prediction, power=1, sample_weight=sample_weight)
    if loss == "gamma":
        return d2_tweedie_score(y, prediction, power=2, sample_weight=sample_weight)
    if loss == "quantile":
        return d2_pinball_score(y, prediction, alpha=QUANTILE, sample_weight=sample_weight)
    return d2_absolute_error_score(y, prediction, sample_weight=sample_weight)


def refused_before_training(model, match, *args, **kwargs):
    passed = copy.deepcopy((args, kwargs))
    with pytest.raises(ValueError, match=match):
        model.fit(*args, **kwargs)
    assert not hasattr(model, "coef_")
    assert not hasattr(model, "n_iter_")
    for before, after in zip(passed[0] + tuple(passed[1].values()),
                             args + tuple(kwargs.values())):
        assert_array_equal(after, before)


@pytest.mark.parametrize("loss", LOSSES)
def test_the_default_validation_score_is_the_losss_d2(loss):
    X, y = targets_for(loss, n_samples=400)
    X_val, y_val = targets_for(loss, n_samples=100, seed=1)
    weight_val = np.random.default_rng(2).uniform(0.5, 2.0, 100)
    model = AdamLinearRegressor(loss=loss, quantile=QUANTILE, early_stopping=True,
                                max_iter=200, random_state=0)
    model.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=weight_val)
    expected = d2(loss, y_val, model.predict(X_val), weight_val)
    assert_allclose(model.best_validation_score_, expected, rtol=1e-9)
    assert model.best_validation_score_ == max(model.validation_scores_)
    if loss in ("poisson", "gamma"):
        # score is D^2 too for a log link, as PoissonRegressor's and GammaRegressor's.
        assert_allclose(model.score(X_val, y_val, sample_weight=weight_val), expected,
                        rtol=1e-9)


@pytest.mark.parametrize("loss", LOSSES)
def test_early_stopping_on_held_out_rows_of_each_loss_keeps_finite_coefficients(loss):
    X, y = targets_for(loss, n_samples=400)
    model = AdamLinearRegressor(loss=loss, quantile=QUANTILE, early_stopping=True,
                                random_state=0).fit(X, y)
    assert np.isfinite(model.coef_).all()
    assert model.best_validation_score_ > 0.1
    assert model.n_iter_ == model.validation_epochs_[-1]


@pytest.mark.parametrize("loss, y_val", [
    ("poisson", np.zeros(10)), ("gamma", np.full(10, 2.5)),
    ("quantile", np.full(10, -1.0)), ("absolute_error", np.full(10, 3.0)),
])
def test_constant_validation_targets_are_refused_as_d2_undefined(loss, y_val):
    X, y = targets_for(loss, n_samples=100)
    model = AdamLinearRegressor(loss=loss, quantile=QUANTILE, early_stopping=True)
    refused_before_training(model, r"y_val is constant .* so D\^2, the validation score",
                            X, y, X_val=X[:10], y_val=y_val)


def test_held_out_rows_of_constant_counts_name_validation_fraction():
    X, _ = targets_for("poisson", n_samples=40)
    y = np.zeros(40)
    y[::2] = 1.0  # the even rows count 1, the odd ones 0
    outcomes = set()
    for seed in range(20):
        drawn = np.random.RandomState(seed).permutation(40)[:4]
        model = AdamLinearRegressor(loss="poisson", early_stopping=True, random_state=seed,
                                    max_iter=5)
        if len(set(drawn % 2)) == 1:
            refused_before_training(
                model, r"y is, over the rows held out by validation_fraction=0.1, constant "
                r".* D\^2", X, y)
            outcomes.add("refused")
        else:
            model.fit(X, y)
            outcomes.add("trained")
    assert outcomes == {"refused", "trained"}


@pytest.mark.parametrize("loss, bad, requirement", [
    ("poisson", -0.5, "non-negative"), ("gamma", 0.0, "positive"), ("gamma", -3.0, "positive"),
])
def test_targets_the_loss_cannot_take_are_named_by_row(loss, bad, requirement):
    X, y = targets_for(loss, n_samples=60)
    y[[4, 17]] = bad
    model = AdamLinearRegressor(loss=loss)
    refused_before_training(
        model, rf"y of loss='{loss}' must be {requirement}; rows 4, 17 are not "
        rf"\(the first has {bad:g}\)", X, y)
    with pytest.raises(ValueError, match="rows 4, 17 are not"):
        model.partial_fit(X, y)
    assert not hasattr(model, "coef_")
    # Several targets: the rows where any target is refused.
    Y = np.c_[targets_for(loss, n_samples=60)[1], y]
    refused_before_training(model, "rows 4, 17 are not", X, Y)


@pytest.mark.parametrize("loss, bad, requirement", [
    ("poisson", -1.0, "non-negative"), ("gamma", 0.0, "positive"),
])
def test_validation_targets_the_loss_cannot_take_are_named_as_y_val(loss, bad, requirement):
    X, y = targets_for(loss, n_samples=60)
    y_val = y[:10].copy()
    y_val[3] = bad
    model = AdamLinearRegressor(loss=loss, early_stopping=True)
    refused_before_training(
        model, rf"y_val of loss='{loss}' must be {requirement}; rows 3 are not", X, y,
        X_val=X[:10], y_val=y_val)


@pytest.mark.parametrize("loss", ["poisson", "gamma"])
def test_a_failed_fit_or_partial_fit_keeps_the_previous_model(loss):
    X, y = targets_for(loss, n_samples=80)
    model = AdamLinearRegressor(loss=loss, warm_start=True, max_iter=20, random_state=0)
    model.fit(X, y)
    fitted = copy.deepcopy(vars(model))
    bad = y.copy()
    bad[11] = -1.0
    for method in (model.fit, model.partial_fit):
        with pytest.raises(ValueError, match="rows 11 are not"):
            method(X, bad)
        assert_array_equal(model.coef_, fitted["coef_"])
        assert model.loss_curve_ == fitted["loss_curve_"]
        assert model.n_iter_ == fitted["n_iter_"]


@pytest.mark.parametrize("loss", ["poisson", "gamma"])
def test_score_refuses_targets_the_loss_cannot_take(loss):
    X, y = targets_for(loss, n_samples=80)
    model = AdamLinearRegressor(loss=loss, max_iter=20).fit(X, y)
    y[[2, 5]] = -1.0
    with pytest.raises(ValueError, match="rows 2, 5 are not"):
        model.score(X, y)


@pytest.mark.parametrize("params, match", [
    ({"loss": "squared"}, r"loss must be one of 'squared_error', 'huber', 'absolute_error', "
                          r"'quantile', 'poisson'.*; got 'squared'"),
    ({"loss": "quantile", "quantile": 0.0}, r"quantile must be .* \(0, 1\); got 0.0"),
    ({"loss": "quantile", "quantile": 1.0}, r"quantile must be .* \(0, 1\); got 1.0"),
    ({"loss": "quantile", "quantile": 1.5}, r"quantile must be .* \(0, 1\); got 1.5"),
    ({"quantile": -0.1}, r"quantile must be .* \(0, 1\); got -0.1"),
    ({"huber_epsilon": 0.5}, r"huber_epsilon must be .* \[1, inf\); got 0.5"),
])
def test_bad_loss_parameters_are_named_before_looking_at_the_data(params, match):
    X, y = targets_for("gamma", n_samples=30)
    model = AdamLinearRegressor(**params)
    refused_before_training(model, match, X, y)
    with pytest.raises(ValueError, match=match):
        model.partial_fit(X, y)
    # Checked before the data: even data the loss could not take is not read.
    with pytest.raises(ValueError, match=match):
        model.fit(X, -y)


def test_warnings_of_a_sound_fit_are_only_about_convergence():
    X, y = targets_for("poisson", n_samples=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        AdamLinearRegressor(loss="poisson", early_stopping=True, random_state=0).fit(X, y)


@pytest.mark.parametrize("loss", ["squared_error", *LOSSES])
def test_early_stopping_on_a_sparse_X_that_stores_nothing(loss):
    # Its epochs read no value of X: the interval between scorings was once
    # a division by zero (found by tests/test_losses_properties.py).
    _, y = targets_for(loss, n_samples=40)
    X = sp.csr_matrix((40, 2))
    model = AdamLinearRegressor(loss=loss, quantile=QUANTILE, early_stopping=True,
                                random_state=0)
    model.fit(X[:30], y[:30], X_val=X[30:], y_val=y[30:])
    assert_array_equal(model.coef_, 0.0)
    assert np.isfinite(model.intercept_)
