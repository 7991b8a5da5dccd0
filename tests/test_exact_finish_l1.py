"""The pinball loss and the absolute error with a lasso or elastic-net penalty: finished exactly.

With ``penalty="l1"`` the objective is QuantileRegressor's,
``mean pinball + alpha ||w||_1``, and its HiGHS linear program is the
reference: by the objective value and, where the solution is unique (a
vertex, with continuous noise), by the coefficients and their zeros. The
elastic net has no peer in scikit-learn; its reference here is its dual,

    max  sum_i c_i a_i y_i - sum_j (|s_j| - lambda)_+^2 / (2 kappa),
    s = X^T (c a),  a_i in [q - 1, q]  (and sum_i c_i a_i = 0 with an intercept),

solved by scipy's bounded optimizers: any feasible ``a`` bounds the
optimum from below (weak duality), so a fit whose objective meets that
bound is a minimizer, and its coefficients are the dual's soft-thresholded
``s / kappa`` (the objective is strongly convex in them).
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from sklearn.linear_model import QuantileRegressor

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._data import check_fit_data
from sklearn_adam._fit import _objective
from sklearn_adam._objective._elastic_net import L1
from sklearn_adam._objective._finish import distance_at, serves
from sklearn_adam._parameters import checked_components


def _problem(n_samples=400, n_features=6, seed=0, n_targets=None):
    """Heteroscedastic noise; half the features nearly irrelevant, so that the lasso zeros some."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 5, n_features) + 3.0
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    coef = rng.normal(size=shape)
    coef[n_features // 2:] *= 0.05
    noise = rng.standard_t(3, size=(n_samples,) + shape[1:])
    scale = 1 + np.abs(X[:, :1] - 3.0) if n_targets else 1 + np.abs(X[:, 0] - 3.0)
    return X, X @ coef + 5.0 + noise * scale


def _objective_value(X, y, coef, intercept, quantile, alpha, l1_ratio=1.0, weight=None):
    residual = y - X @ coef - intercept
    pinball = np.average(np.maximum(quantile * residual, (quantile - 1) * residual),
                         weights=weight)
    return pinball + alpha * (l1_ratio * np.abs(coef).sum()
                              + (1 - l1_ratio) / 2 * coef @ coef)


def _fit_quietly(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(X, y, **kwargs)


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.3, 1.0])
def test_lasso_quantile_is_quantile_regressors_solution(quantile, alpha):
    X, y = _problem()
    ours = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=quantile, penalty="l1",
                                            alpha=alpha), X, y)
    peer = QuantileRegressor(quantile=quantile, alpha=alpha, solver="highs").fit(X, y)
    optimum = _objective_value(X, y, peer.coef_, peer.intercept_, quantile, alpha)
    reached = _objective_value(X, y, ours.coef_, ours.intercept_, quantile, alpha)
    assert abs(reached - optimum) <= 1e-12 * optimum
    # With continuous noise the optimum is a unique vertex: its zeros too.
    assert_array_equal(ours.coef_ == 0, peer.coef_ == 0)
    assert_allclose(ours.coef_, peer.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.02, 0.2])
def test_lasso_absolute_error_with_weights_is_the_median_regressors(alpha):
    """Mean absolute error + alpha ||w||_1: twice QuantileRegressor(0.5, alpha / 2)'s objective."""
    X, y = _problem(n_samples=300, seed=1)
    weight = np.random.default_rng(1).uniform(0.2, 3.0, 300)
    ours = _fit_quietly(AdamLinearRegressor(loss="absolute_error", penalty="l1", alpha=alpha),
                        X, y, sample_weight=weight)
    peer = QuantileRegressor(quantile=0.5, alpha=alpha / 2, solver="highs").fit(
        X, y, sample_weight=weight)
    optimum = _objective_value(X, y, peer.coef_, peer.intercept_, 0.5, alpha / 2, weight=weight)
    reached = _objective_value(X, y, ours.coef_, ours.intercept_, 0.5, alpha / 2, weight=weight)
    assert abs(reached - optimum) <= 1e-12 * optimum
    assert_array_equal(ours.coef_ == 0, peer.coef_ == 0)
    assert_allclose(ours.coef_, peer.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fit_intercept, standardize", [(False, True), (True, False)])
def test_lasso_without_intercept_or_standardization(fit_intercept, standardize):
    X, y = _problem(seed=2)
    ours = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.7, penalty="l1",
                                            alpha=0.05, fit_intercept=fit_intercept,
                                            standardize=standardize), X, y)
    peer = QuantileRegressor(quantile=0.7, alpha=0.05, solver="highs",
                             fit_intercept=fit_intercept).fit(X, y)
    optimum = _objective_value(X, y, peer.coef_, peer.intercept_, 0.7, 0.05)
    reached = _objective_value(X, y, ours.coef_, ours.intercept_, 0.7, 0.05)
    assert abs(reached - optimum) <= 1e-12 * optimum
    assert_array_equal(ours.coef_ == 0, peer.coef_ == 0)


def test_lasso_sample_weights_are_repeated_rows():
    X, y = _problem(n_samples=200, seed=3)
    counts = np.random.default_rng(3).integers(0, 4, size=200)
    model = AdamLinearRegressor(loss="quantile", quantile=0.3, penalty="l1", alpha=0.05)
    weighted = _fit_quietly(model, X, y, sample_weight=counts.astype(float)).coef_.copy()
    repeated = _fit_quietly(model, np.repeat(X, counts, axis=0), np.repeat(y, counts)).coef_
    assert_array_equal(weighted == 0, repeated == 0)
    assert_allclose(weighted, repeated, rtol=1e-9, atol=1e-12)


def test_lasso_targets_are_fitted_as_one_each():
    X, Y = _problem(seed=4, n_targets=2)
    model = AdamLinearRegressor(loss="quantile", quantile=0.8, penalty="l1", alpha=0.05)
    both = _fit_quietly(model, X, Y).coef_.copy()
    for target in range(2):
        alone = _fit_quietly(model, X, Y[:, target]).coef_
        assert_array_equal(both[target] == 0, alone == 0)
        assert_allclose(both[target], alone, rtol=1e-9, atol=1e-12)


def _elastic_net_dual(X, y, quantile, alpha, l1_ratio, weight):
    """The best dual value that L-BFGS-B finds without an intercept, and its coefficients."""
    lasso, ridge = alpha * l1_ratio, alpha * (1 - l1_ratio)
    shares = weight / weight.sum()

    def negative_dual(a):
        s = X.T @ (shares * a)
        excess = np.maximum(np.abs(s) - lasso, 0.0)
        value = (shares * a) @ y - excess @ excess / (2 * ridge)
        gradient = shares * y - shares * (X @ (np.sign(s) * excess / ridge))
        return -value, -gradient

    result = minimize(negative_dual, np.zeros(y.shape[0]), jac=True, method="L-BFGS-B",
                      bounds=[(quantile - 1, quantile)] * y.shape[0],
                      options={"ftol": 0.0, "gtol": 1e-14, "maxiter": 20000, "maxcor": 30})
    s = X.T @ (shares * result.x)
    return -result.fun, np.sign(s) * np.maximum(np.abs(s) - lasso, 0.0) / ridge


@pytest.mark.parametrize("quantile, alpha, l1_ratio", [(0.1, 0.01, 0.5), (0.5, 0.1, 0.5),
                                                       (0.9, 0.05, 0.8), (0.3, 0.2, 0.2)])
def test_elastic_net_quantile_meets_its_dual_bound(quantile, alpha, l1_ratio):
    X, y = _problem(n_samples=200, seed=5)
    weight = np.random.default_rng(5).uniform(0.5, 2.0, 200)
    ours = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=quantile,
                                            penalty="elasticnet", alpha=alpha,
                                            l1_ratio=l1_ratio, fit_intercept=False),
                        X, y, sample_weight=weight)
    bound, coef = _elastic_net_dual(X, y, quantile, alpha, l1_ratio, weight)
    reached = _objective_value(X, y, ours.coef_, 0.0, quantile, alpha, l1_ratio, weight)
    assert bound - 1e-12 * reached <= reached <= bound + 1e-10 * reached
    assert_array_equal(ours.coef_ == 0, coef == 0)
    assert_allclose(ours.coef_, coef, atol=1e-6)


def test_elastic_net_with_intercept_is_certified_and_meets_its_dual_bound():
    X, y = _problem(n_samples=60, n_features=4, seed=6)
    weight = np.random.default_rng(6).uniform(0.5, 2.0, 60)
    quantile, alpha, l1_ratio = 0.3, 0.2, 0.5
    model = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=quantile,
                                             penalty="elasticnet", alpha=alpha),
                         X, y, sample_weight=weight)
    assert np.any(model.coef_ == 0) and np.any(model.coef_ != 0)
    data = check_fit_data(model, X, y, weight, reset=False)
    training = _objective(checked_components(model), model._fit_state, data, None)
    assert distance_at(training, model._fit_state.params) <= 1e-12

    # The dual with the intercept's equality, sum_i c_i a_i = 0, by SLSQP.
    shares = weight / weight.sum()
    lasso, ridge = alpha * l1_ratio, alpha * (1 - l1_ratio)

    def negative_dual(a):
        s = X.T @ (shares * a)
        excess = np.maximum(np.abs(s) - lasso, 0.0)
        return -((shares * a) @ y - excess @ excess / (2 * ridge))

    result = minimize(negative_dual, np.zeros(60), method="SLSQP",
                      bounds=[(quantile - 1, quantile)] * 60,
                      constraints=[{"type": "eq", "fun": lambda a: shares @ a,
                                    "jac": lambda a: shares}],
                      options={"ftol": 1e-15, "maxiter": 1000})
    reached = _objective_value(X, y, model.coef_, model.intercept_, quantile, alpha, l1_ratio,
                               weight)
    assert abs(shares @ result.x) <= 1e-12
    assert -result.fun - 1e-12 * reached <= reached <= -result.fun + 1e-9 * reached


def test_huber_whose_best_scale_is_zero_finishes_as_the_lasso_absolute_error():
    """At scale zero the Huber objective (half HuberRegressor's rows) is epsilon times the
    absolute error's, with alpha / epsilon."""
    rng = np.random.RandomState(0)
    X, y = rng.rand(15, 10), rng.randint(0, 3, 15).astype(float)
    counts = rng.randint(1, 3, 15)
    huber = AdamLinearRegressor(loss="huber", penalty="l1", alpha=1e-3)
    weighted = _fit_quietly(huber, X, y, sample_weight=counts.astype(float))
    assert weighted.scale_ == 0.0
    coef = weighted.coef_.copy()
    absolute = _fit_quietly(AdamLinearRegressor(loss="absolute_error", penalty="l1",
                                                alpha=1e-3 / 1.35), X, y,
                            sample_weight=counts.astype(float))
    assert_allclose(coef, absolute.coef_, rtol=1e-9, atol=1e-12)
    repeated = _fit_quietly(huber, np.repeat(X, counts, axis=0), np.repeat(y, counts))
    assert repeated.scale_ == 0.0
    assert_allclose(repeated.coef_, coef, rtol=1e-9, atol=1e-12)


def test_the_finish_serves_the_penalties_it_declares_and_no_other():
    class Reweighted(L1):
        """A penalty that changes the lasso without a name of its own."""

    assert serves(L1(0.1))
    assert not serves(Reweighted(0.1))
