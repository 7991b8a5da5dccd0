"""The absolute error and the pinball loss: trained smoothed, finished exactly, certified.

The reference is scikit-learn's QuantileRegressor with the HiGHS linear
program solver, compared by the objective (quantile solutions need not be
unique) and, where the solution is unique, by the coefficients.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import QuantileRegressor

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._data import check_fit_data
from sklearn_adam._fit import _objective
from sklearn_adam._objective._finish import StandardizedRows, certify
from sklearn_adam._parameters import checked_components


def _problem(n_samples=400, n_features=4, seed=0, n_targets=None):
    """Heteroscedastic noise, so that the quantiles' planes differ; offsets and scales vary."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 5, n_features) + 3.0
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    noise = rng.standard_t(3, size=(n_samples,) + shape[1:])
    scale = 1 + np.abs(X[:, :1] - 3.0) if n_targets else 1 + np.abs(X[:, 0] - 3.0)
    return X, X @ rng.normal(size=shape) + 5.0 + noise * scale


def _pinball(y, prediction, quantile, weight=None):
    residual = y - prediction
    losses = np.maximum(quantile * residual, (quantile - 1) * residual)
    return np.average(losses, weights=weight)


def _fit_quietly(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(X, y, **kwargs)


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
def test_quantile_reaches_the_linear_programs_optimum(quantile):
    X, y = _problem()
    ours = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=quantile), X, y)
    peer = QuantileRegressor(quantile=quantile, alpha=0, solver="highs").fit(X, y)
    optimum = _pinball(y, peer.predict(X), quantile)
    assert _pinball(y, ours.predict(X), quantile) <= optimum * (1 + 1e-9)
    # With continuous noise the optimum is a unique vertex.
    assert_allclose(ours.coef_, peer.coef_, rtol=1e-7, atol=1e-9)


def test_absolute_error_is_twice_the_median_pinball():
    X, y = _problem(seed=1)
    ours = _fit_quietly(AdamLinearRegressor(loss="absolute_error"), X, y)
    peer = QuantileRegressor(quantile=0.5, alpha=0, solver="highs").fit(X, y)
    ours_loss = np.mean(np.abs(y - ours.predict(X)))
    assert ours_loss <= 2 * _pinball(y, peer.predict(X), 0.5) * (1 + 1e-9)


@pytest.mark.parametrize("fit_intercept, standardize", [(False, True), (True, False)])
def test_without_intercept_or_standardization(fit_intercept, standardize):
    X, y = _problem(seed=2)
    ours = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.7,
                                            fit_intercept=fit_intercept,
                                            standardize=standardize), X, y)
    peer = QuantileRegressor(quantile=0.7, alpha=0, solver="highs",
                             fit_intercept=fit_intercept).fit(X, y)
    assert _pinball(y, ours.predict(X), 0.7) <= _pinball(y, peer.predict(X), 0.7) * (1 + 1e-9)


def test_sample_weights_are_repeated_rows():
    X, y = _problem(n_samples=200, seed=3)
    counts = np.random.default_rng(3).integers(0, 4, size=200)
    weighted = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.3), X, y,
                            sample_weight=counts.astype(float))
    repeated = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.3),
                            np.repeat(X, counts, axis=0), np.repeat(y, counts))
    rows_y, rows_X = np.repeat(y, counts), np.repeat(X, counts, axis=0)
    assert_allclose(_pinball(rows_y, weighted.predict(rows_X), 0.3),
                    _pinball(rows_y, repeated.predict(rows_X), 0.3), rtol=1e-10)


def test_several_targets_are_fitted_as_one_each():
    X, Y = _problem(seed=4, n_targets=2)
    both = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.8), X, Y)
    for target in range(2):
        alone = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.8), X, Y[:, target])
        assert_allclose(both.coef_[target], alone.coef_, rtol=1e-8, atol=1e-10)


def test_mini_batches_reach_the_same_optimum():
    X, y = _problem(n_samples=1000, seed=5)
    full = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.25), X, y)
    batches = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.25, batch_size=64,
                                               random_state=0), X, y)
    assert_allclose(_pinball(y, batches.predict(X), 0.25), _pinball(y, full.predict(X), 0.25),
                    rtol=1e-10)


def test_ridge_penalized_quantile_is_certified_a_minimum():
    """No closed form to compare with: no direction from the fit lowers the objective."""
    X, y = _problem(seed=6)
    alpha = 0.5
    model = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.6, alpha=alpha), X, y)

    def objective(coef, intercept):
        return _pinball(y, X @ coef + intercept, 0.6) + alpha / 2 * coef @ coef

    best = objective(model.coef_, model.intercept_)
    rng = np.random.default_rng(6)
    for _ in range(50):
        step = rng.normal(size=5) * 10.0 ** rng.uniform(-6, -2)
        assert objective(model.coef_ + step[:4], model.intercept_ + step[4]) >= best - 1e-12


def test_the_certificate_is_zero_only_at_a_minimizer():
    X, y = _problem(seed=7)
    model = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.4), X, y)
    params = [p.copy() for p in model._fit_state.params]
    data = check_fit_data(model, X, y, None, reset=False)
    training = _objective(checked_components(model), model._fit_state, data, None)
    rows = StandardizedRows(training, True)
    slopes = training.datafit.slopes
    at_fit, _ = certify(rows, params, slopes)
    params[0] = params[0] + 1e-3
    moved, _ = certify(rows, params, slopes)
    assert at_fit <= 1e-12
    assert moved > 1e-6


def test_array_api_namespace_finishes_exactly():
    xp = pytest.importorskip("array_api_strict")
    import sklearn

    X, y = _problem(seed=8)
    host = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.9), X, y)
    with sklearn.config_context(array_api_dispatch=True):
        device = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.9),
                              xp.asarray(X), xp.asarray(y))
    assert_allclose(np.asarray(device.coef_), host.coef_, rtol=1e-9, atol=1e-11)


def test_dask_cluster_finishes_as_in_memory():
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    X, y = _problem(n_samples=2000, seed=9)
    host = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.9), X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        blocked = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.9),
                               da.from_array(X, chunks=(500, 4)), da.from_array(y, chunks=500))
    assert_allclose(blocked.coef_, host.coef_, rtol=1e-8, atol=1e-10)


def test_partial_fit_trains_the_smoothed_loss_near_the_optimum():
    X, y = _problem(n_samples=20000, seed=10)
    model = AdamLinearRegressor(loss="quantile", quantile=0.75, random_state=0)
    for start in range(0, 20000, 2000):
        model.partial_fit(X[start:start + 2000], y[start:start + 2000])
    # The exact fit, which the tests above hold to the linear program's optimum.
    exact = _fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.75), X, y)
    optimum = _pinball(y, exact.predict(X), 0.75)
    assert _pinball(y, model.predict(X), 0.75) <= optimum * 1.01


def test_huber_whose_best_scale_is_zero_finishes_as_the_absolute_error():
    """Most rows fitted exactly: HuberRegressor's objective falls as the scale shrinks to zero."""
    rng = np.random.RandomState(0)
    X, y = rng.rand(15, 10), rng.randint(0, 3, 15).astype(float)
    counts = rng.randint(0, 3, 15)
    weighted = _fit_quietly(AdamLinearRegressor(loss="huber"), X, y,
                            sample_weight=counts.astype(float))
    repeated = _fit_quietly(AdamLinearRegressor(loss="huber"),
                            np.repeat(X, counts, axis=0), np.repeat(y, counts))
    absolute = _fit_quietly(AdamLinearRegressor(loss="absolute_error"), X, y,
                            sample_weight=counts.astype(float))
    assert weighted.scale_ == 0.0 and repeated.scale_ == 0.0
    assert_allclose(weighted.predict(X), repeated.predict(X), atol=1e-9)
    error = np.average(np.abs(y - weighted.predict(X)), weights=counts)
    assert error <= np.average(np.abs(y - absolute.predict(X)), weights=counts) + 1e-12


@pytest.mark.parametrize("loss", ["quantile", "absolute_error"])
def test_float32_data_are_finished_exactly(loss):
    X, y = _problem(seed=11)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours = _fit_quietly(AdamLinearRegressor(loss=loss, quantile=0.8), X32, y32)
    quantile = 0.8 if loss == "quantile" else 0.5
    peer = QuantileRegressor(quantile=quantile, alpha=0, solver="highs").fit(
        X32.astype(np.float64), y32.astype(np.float64))
    ours_loss = _pinball(y32.astype(np.float64), ours.predict(X32).astype(np.float64), quantile)
    assert ours_loss <= _pinball(y32.astype(np.float64), peer.predict(X32), quantile) * (1 + 1e-6)


def test_huber_fits_go_on_from_a_scale_of_zero():
    rng = np.random.RandomState(0)
    X, y = rng.rand(15, 10), rng.randint(0, 3, 15).astype(float)
    model = _fit_quietly(AdamLinearRegressor(loss="huber", warm_start=True), X, y)
    assert model.scale_ == 0.0
    coef = model.coef_.copy()
    _fit_quietly(model, X, y)
    assert np.all(np.isfinite(model.coef_))
    assert_allclose(model.coef_, coef, atol=1e-8)
    model.partial_fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and np.isfinite(model.scale_)


def test_early_stoppings_smoothing_follows_unscaled_targets():
    """Without standardization, tiny targets get a smoothing of their own size, not 1e-3."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(2000, 2))
    y = (X @ np.array([1.0, 2.0]) + rng.normal(size=2000)) * 1e-5
    model = AdamLinearRegressor(loss="quantile", quantile=0.9, standardize=False,
                                early_stopping=True, learning_rate=1e-8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    assert 0.85 <= np.mean(y <= model.predict(X)) <= 0.95
