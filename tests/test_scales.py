"""Data of any scale are fitted, not silently reduced to an intercept.

Features or targets whose squares overflow or underflow (1e-300 to 1e300, and
far narrower in float32) once made the standardization take a column for
constant (its coefficient pinned at zero) or a target's spread for zero. Each
case here must give the training R^2 of LinearRegression to 1e-3, on both
epoch drivers, dense and sparse.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

import sklearn_adam._kernels as kernels
from sklearn_adam import AdamLinearRegressor

PATHS = ["compiled", "numpy"]


def problem(dtype):
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4)
    y = X @ [1.0, -2.0, 3.0, 0.5] + 5 + 0.1 * rng.randn(200)
    return X.astype(dtype), y.astype(dtype)


def scaled_r2(model, X, y, scale):
    # R^2 of the data in their own units would overflow for y near 1e300.
    return r2_score(y / scale, model.predict(X) / scale)


CASES = [
    (np.float64, x_scale, 1.0) for x_scale in (1e-300, 1e-170, 1e-30, 1e30, 1e155, 1e300)
] + [
    (np.float64, 1.0, y_scale) for y_scale in (1e-300, 1e-30, 1e19, 1e154, 1e300)
] + [
    (np.float32, x_scale, 1.0) for x_scale in (1e-30, 1e-15, 1e15, 1e30)
] + [
    (np.float32, 1.0, y_scale) for y_scale in (1e-30, 1e19, 1e30)
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype, x_scale, y_scale", CASES,
                         ids=[f"{np.dtype(d).name}-X{x:g}-y{s:g}" for d, x, s in CASES])
def test_any_scale_is_fitted_like_the_closed_form(monkeypatch, path, container, dtype,
                                                  x_scale, y_scale):
    monkeypatch.setattr(kernels, "ENABLED", path == "compiled")
    X, y = problem(dtype)
    X, y = (X * dtype(x_scale)).astype(dtype), (y * dtype(y_scale)).astype(dtype)
    X = container(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AdamLinearRegressor(random_state=0).fit(X, y)
    assert np.isfinite(model.coef_).all() and np.all(model.coef_ != 0)
    X_64 = X.astype(np.float64) / x_scale
    exact = r2_score(y / y_scale, LinearRegression().fit(X_64, y / y_scale).predict(X_64))
    assert scaled_r2(model, X, y, y_scale) > exact - 1e-3


@pytest.mark.parametrize("weight_scale", [1e-320, 1e-200, 1e200, 1e307])
def test_weights_of_any_scale_give_the_unweighted_fit(weight_scale):
    # Only the weights' ratios matter; their sum once overflowed or lost
    # its digits ("Training diverged").
    X, y = problem(np.float64)
    weight = np.full(len(y), weight_scale)
    before = weight.copy()
    weighted = AdamLinearRegressor(random_state=0).fit(X, y, sample_weight=weight)
    plain = AdamLinearRegressor(random_state=0).fit(X, y)
    np.testing.assert_allclose(weighted.coef_, plain.coef_, rtol=1e-6)
    np.testing.assert_array_equal(weight, before)


@pytest.mark.parametrize("weight_scale", [1e-100, 1e-30, 1e30, 1e58])
def test_large_weights_on_large_columns_are_fitted_without_warnings(weight_scale):
    # Weights that were left as they were (up to 2**480) times squares of
    # columns near 1e125 overflowed the spread: the column was refused as
    # varying "by only inf around inf", with a RuntimeWarning.
    X, y = problem(np.float64)
    X = X * 1e125
    weight = np.random.RandomState(1).uniform(0.5, 2, len(y)) * weight_scale
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        weighted = AdamLinearRegressor(random_state=0).fit(X, y, sample_weight=weight)
    unit_weights = AdamLinearRegressor(random_state=0).fit(
        X, y, sample_weight=weight / weight_scale
    )
    np.testing.assert_allclose(weighted.coef_, unit_weights.coef_, rtol=1e-10)


@pytest.mark.parametrize("weight", [6e4, 7e4, 1e9])
def test_large_weights_keep_ridges_meaning_of_alpha(weight):
    # alpha is measured against the weights' sum, as in Ridge: weights that
    # were brought near one by a power of two made the penalty that much
    # stronger (coefficients 1e-4 where Ridge gives 0.8 to 2.5).
    from sklearn.linear_model import Ridge

    X, y = problem(np.float64)
    weights = np.full(len(y), weight)
    alpha = 5e5 * weight / 7e4
    model = AdamLinearRegressor(alpha=alpha, random_state=0, tol=1e-12).fit(
        X, y, sample_weight=weights
    )
    ridge = Ridge(alpha=alpha).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=1e-6)


@pytest.mark.parametrize("value", [0.0, 3.0, 1e200, -1e-200])
def test_a_constant_target_is_predicted(value):
    X, _ = problem(np.float64)
    y = np.full(len(X), value)
    model = AdamLinearRegressor(random_state=0).fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, rtol=1e-3)


@pytest.mark.parametrize("dtype, offset, spread", [(np.float64, 1e14, 1.0),
                                                    (np.float32, 1e3, 1e-3)])
def test_a_column_too_offset_to_resolve_is_refused_not_dropped(dtype, offset, spread):
    # It once looked constant and was pinned at zero without a word.
    X, y = problem(np.float64)
    X[:, 2] = offset + spread * X[:, 2]
    X, y = X.astype(dtype), y.astype(dtype)
    with pytest.raises(ValueError, match=r"column 2 of X vary by only .* Center X before"):
        AdamLinearRegressor(random_state=0).fit(X, y)


def test_a_truly_constant_column_is_still_pinned_at_zero():
    X, y = problem(np.float64)
    X[:, 2] = 1e14
    model = AdamLinearRegressor(random_state=0).fit(X, y)
    assert model.coef_[2] == 0


def test_coefficients_beyond_the_dtype_are_refused():
    # X near 1e23 and y near 1e-300: each coefficient would be about 1e-323,
    # subnormal, with a digit or two left.
    X, y = problem(np.float64)
    with pytest.raises(ValueError, match=r"Column 0 of X and y differ in scale .* outside "
                                         r"the range of float64"):
        AdamLinearRegressor(random_state=0).fit(X * 1e23, y * 1e-300)
