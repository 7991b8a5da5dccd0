"""loss="huber": HuberRegressor's objective, its scale estimated with the coefficients.

The reference is HuberRegressor run to its tightest tolerance, then taken the
rest of the way to the optimum of the same objective by L-BFGS-B with its
objective test switched off (HuberRegressor passes only ``gtol``, and its
L-BFGS-B stops on the default relative decrease, about 1e-6 short in the
coefficients). Every path (mini-batches, streams, warm starts, memory maps,
array-API namespaces, a dask cluster) is compared with the in-memory fit.
"""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import HuberRegressor

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective import Standardization
from sklearn_adam._objective._huber import HuberLoss, best_scale
from sklearn_adam._objective._layout import ParameterLayout

EPSILON = 1.35


def make_data(n_samples=200, n_targets=None, seed=0):
    """Features of various offsets and scales; targets with heavy outliers."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 4)) * [1.0, 3.0, 0.5, 10.0] + [2.0, -1.0, 0.0, 5.0]
    shape = (4,) if n_targets is None else (4, n_targets)
    y = X @ rng.normal(size=shape) + 4 + rng.normal(size=(n_samples,) + shape[1:])
    outliers = rng.rand(n_samples) < 0.08
    y[outliers] += 30 * rng.normal(size=(outliers.sum(),) + shape[1:])
    return X, y


def huber_objective(X, y, coef, intercept, scale, alpha, weight=None):
    """HuberRegressor's objective, written out."""
    weight = np.ones(len(y)) if weight is None else weight
    z = (y - X @ coef - intercept) / scale
    size = np.abs(z)
    huber = np.where(size < EPSILON, z * z, 2 * EPSILON * size - EPSILON**2)
    return weight @ (scale + scale * huber) + alpha * coef @ coef


def objective_and_gradient(theta, X, y, alpha):
    """The objective in (coef, intercept, scale) and its gradient."""
    coef, intercept, scale = theta[:-2], theta[-2], theta[-1]
    z = (y - X @ coef - intercept) / scale
    clipped = np.clip(z, -EPSILON, EPSILON)
    value = huber_objective(X, y, coef, intercept, scale, alpha)
    by_prediction = -2 * clipped
    gradient = np.r_[X.T @ by_prediction + 2 * alpha * coef, by_prediction.sum(),
                     np.sum(1 - clipped * clipped)]
    return value, gradient


def reference(X, y, alpha):
    """HuberRegressor at its tightest, then polished to the optimum of its objective."""
    peer = HuberRegressor(epsilon=EPSILON, alpha=alpha, tol=1e-15, max_iter=100_000).fit(X, y)
    start = np.r_[peer.coef_, peer.intercept_, peer.scale_]
    result = minimize(objective_and_gradient, start, args=(X, y, alpha), jac=True,
                      method="L-BFGS-B", bounds=[(None, None)] * (X.shape[1] + 1) + [(1e-8, None)],
                      options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 10_000})
    theta = result.x
    return peer, (theta[:-2], theta[-2], theta[-1])


def fit_quietly(model, *args, **kwargs):
    """Fit with every warning an error: default settings must converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def fitted(data):
    return fit_quietly(AdamLinearRegressor(loss="huber"), *data)


@pytest.mark.parametrize("alpha", [0.0, 3.0])
def test_matches_huber_regressor(data, fitted, alpha):
    X, y = data
    model = fitted if alpha == 0 else fit_quietly(AdamLinearRegressor(loss="huber", alpha=alpha),
                                                  X, y)
    peer, (coef, intercept, scale) = reference(X, y, alpha)
    # The polished optimum is HuberRegressor's solution, a little further on.
    assert_allclose(peer.coef_, coef, rtol=1e-3)
    assert_allclose(model.coef_, coef, rtol=1e-6)
    assert_allclose(model.intercept_, intercept, rtol=1e-6)
    assert_allclose(model.scale_, scale, rtol=1e-6)
    ours = huber_objective(X, y, model.coef_, model.intercept_, model.scale_, alpha)
    theirs = huber_objective(X, y, peer.coef_, peer.intercept_, peer.scale_, alpha)
    assert ours <= theirs * (1 + 1e-12)


def test_alpha_changes_the_solution_as_huber_regressors(data):
    # A penalty whose weight were off by any factor would move the
    # coefficients by a different amount.
    X, y = data
    model = fit_quietly(AdamLinearRegressor(loss="huber", alpha=300.0), X, y)
    _, (coef, _, scale) = reference(X, y, 300.0)
    assert_allclose(model.coef_, coef, rtol=1e-6)
    assert_allclose(model.scale_, scale, rtol=1e-6)


def test_sample_weights_are_repeated_rows(data):
    X, y = data
    repeats = np.random.RandomState(1).randint(0, 4, size=len(y))
    weighted = fit_quietly(AdamLinearRegressor(loss="huber"), X, y, sample_weight=repeats)
    repeated = fit_quietly(AdamLinearRegressor(loss="huber"), np.repeat(X, repeats, axis=0),
                           np.repeat(y, repeats))
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-8)
    assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-8)
    assert_allclose(weighted.scale_, repeated.scale_, rtol=1e-8)


def test_one_scale_per_target():
    X, Y = make_data(n_targets=2, seed=3)
    Y[:, 1] *= 100.0
    both = fit_quietly(AdamLinearRegressor(loss="huber"), X, Y)
    assert both.scale_.shape == (2,)
    for target in range(2):
        alone = fit_quietly(AdamLinearRegressor(loss="huber"), X, Y[:, target])
        assert_allclose(both.coef_[target], alone.coef_, rtol=1e-7)
        assert_allclose(both.scale_[target], alone.scale_, rtol=1e-7)


def test_mini_batches_reach_the_same_solution(data, fitted):
    model = fit_quietly(AdamLinearRegressor(loss="huber", batch_size=50, random_state=0), *data)
    assert_allclose(model.coef_, fitted.coef_, rtol=1e-7)
    assert_allclose(model.scale_, fitted.scale_, rtol=1e-7)


def test_warm_start_continues_and_a_new_loss_starts_afresh(data, fitted):
    X, y = data
    model = AdamLinearRegressor(loss="huber", warm_start=True, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    model.set_params(max_iter=10_000)
    fit_quietly(model, X, y)
    assert_allclose(model.coef_, fitted.coef_, rtol=1e-8)
    # A warm start from the squared error has no scale to continue from.
    model = fit_quietly(AdamLinearRegressor(warm_start=True), X, y)
    fit_quietly(model.set_params(loss="huber"), X, y)
    assert_allclose(model.scale_, fitted.scale_, rtol=1e-8)
    # Nor does a squared error fit keep the Huber loss's scale.
    fit_quietly(model.set_params(loss="squared_error"), X, y)
    assert not hasattr(model, "scale_")


def test_partial_fit_keeps_its_loss(data):
    X, y = data
    model = AdamLinearRegressor().partial_fit(X, y)
    with pytest.raises(ValueError, match="loss='huber' trains other parameters"):
        model.set_params(loss="huber").partial_fit(X, y)


def test_pickled_and_memory_mapped(data, fitted, tmp_path):
    X, y = data
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.scale_ == fitted.scale_
    assert_allclose(restored.predict(X), fitted.predict(X), rtol=0)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    model = fit_quietly(AdamLinearRegressor(loss="huber"), mapped, y)
    assert_allclose(model.coef_, fitted.coef_, rtol=1e-10)
    assert_allclose(model.scale_, fitted.scale_, rtol=1e-10)


def test_one_pass_of_a_stream_is_within_one_percent():
    rng = np.random.RandomState(1)
    n_samples, n_features = 60_000, 8
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 5, n_features) + 1.0
    y = X @ rng.normal(size=n_features) + 3 + rng.standard_t(3, size=n_samples)
    y[rng.rand(n_samples) < 0.05] += 50
    peer = HuberRegressor(epsilon=EPSILON, max_iter=1000).fit(X, y)
    best = huber_objective(X, y, peer.coef_, peer.intercept_, peer.scale_, 0.0)
    model = AdamLinearRegressor(loss="huber", random_state=0)
    for start in range(0, n_samples, 10_000):
        model.partial_fit(X[start:start + 10_000], y[start:start + 10_000])
    reached = huber_objective(X, y, model.coef_, model.intercept_, model.scale_, 0.0)
    assert reached < best * 1.01


def test_restandardization_keeps_the_scale_in_the_targets_units():
    old = Standardization(np.zeros(2), np.ones(2), np.array([1.0]), np.array([2.0]))
    new = Standardization(np.zeros(2), np.ones(2), np.array([3.0]), np.array([5.0]))
    layout = ParameterLayout(True, ("scale",))
    params = [np.array([[0.5, -1.0]]), np.array([0.2]), np.array([0.7])]
    mapped = old.change_to(new, layout).parameters(params)
    assert_allclose(new.y_scale * mapped[2], old.y_scale * params[2])
    # The objective is y_scale / y_scale' times what it was, in a scale as
    # much larger: the scale's gradient stays; the intercept's does not.
    gradients = old.change_to(new, layout).gradients([np.zeros((1, 2)), np.ones(1), np.ones(1)])
    assert_allclose(gradients[1], [2.0 / 5.0])
    assert_allclose(gradients[2], [1.0])


def test_best_scale_solves_its_equation():
    rng = np.random.RandomState(0)
    residual, weight = rng.standard_t(2, size=500), rng.uniform(0.5, 2, size=500)
    scale = best_scale(residual, weight, EPSILON)
    z = residual / scale
    assert_allclose(weight @ np.minimum(z * z, EPSILON**2), weight.sum(), rtol=1e-12)
    # Mostly exact fits: the loss falls to a zero scale.
    assert best_scale(np.r_[np.zeros(8), 1.0, -2.0], np.ones(10), EPSILON) == 0.0


def test_default_validation_score_is_the_huber_d2(data):
    X, y = data
    model = AdamLinearRegressor(loss="huber", early_stopping=True, random_state=0).fit(X, y)
    assert HuberLoss().default_scoring == "d2"
    assert 0 < model.best_validation_score_ < 1
    assert np.all(np.isfinite(model.validation_scores_))


def test_huber_epsilon_below_one_is_refused(data):
    with pytest.raises(ValueError, match="huber_epsilon"):
        AdamLinearRegressor(loss="huber", huber_epsilon=0.5).fit(*data)


def fit_briefly(X, y, max_iter=60):
    """A few full-batch epochs: two paths that compute the same steps agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return AdamLinearRegressor(loss="huber", max_iter=max_iter).fit(X, y)


@pytest.mark.parametrize("name", ["array_api_strict", "torch"])
def test_array_api_namespaces_agree(data, name):
    import sklearn

    module = pytest.importorskip(name)
    X, y = data
    with sklearn.config_context(array_api_dispatch=True):
        model = fit_briefly(module.asarray(X), module.asarray(y))
    in_memory = fit_briefly(X, y)
    assert_allclose(np.asarray(model.scale_, dtype=float), in_memory.scale_, rtol=1e-8)
    assert_allclose(np.from_dlpack(model.coef_), in_memory.coef_, rtol=1e-8)
    assert model.loss_curve_ == pytest.approx(in_memory.loss_curve_, rel=1e-10)


def test_dask_cluster_agrees(data):
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    X, y = data
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster, distributed.Client(cluster):
        model = fit_briefly(da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50), 20)
    in_memory = fit_briefly(X, y, 20)
    assert_allclose(model.coef_, in_memory.coef_, rtol=1e-8)
    assert_allclose(model.scale_, in_memory.scale_, rtol=1e-8)
    assert model.loss_curve_ == pytest.approx(in_memory.loss_curve_, rel=1e-10)
