"""Every loss on every in-memory path: the same solution, by whatever route the rows take.

Poisson and Gamma are held to ``PoissonRegressor`` and ``GammaRegressor``
(run to ``tol=1e-12``) at 1e-6. The absolute error and the pinball loss are
held to ``QuantileRegressor(solver="highs")`` by their objective, since their
solutions need not be unique, at what holds before the exact finish of the
non-smooth losses lands (a relative 1e-6 on these small problems; the lead
tightens it). A path that takes the same steps as another (sparse,
memory-mapped, weighted, array-API) is held to it at rounding.
"""

import copy
import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from loss_data import targets_for
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import GammaRegressor, PoissonRegressor, QuantileRegressor
from sklearn.metrics import mean_gamma_deviance, mean_pinball_loss, mean_poisson_deviance

from sklearn_adam import AdamLinearRegressor

LOSSES = ["poisson", "gamma", "quantile", "absolute_error"]
SMOOTH = ["poisson", "gamma"]
QUANTILE = 0.8


def quiet_fit(model, *args, **kwargs):
    """``model.fit`` without the ConvergenceWarning of fits cut short on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def adam(loss, **params):
    return AdamLinearRegressor(loss=loss, quantile=QUANTILE, random_state=0, **params)


def objective(loss, y, prediction, sample_weight=None):
    """The loss's mean over the rows, as the peers' metrics compute it (no penalty)."""
    if loss == "poisson":
        return mean_poisson_deviance(y, prediction, sample_weight=sample_weight)
    if loss == "gamma":
        return mean_gamma_deviance(y, prediction, sample_weight=sample_weight)
    alpha = QUANTILE if loss == "quantile" else 0.5
    return mean_pinball_loss(y, prediction, alpha=alpha, sample_weight=sample_weight)


def peer(loss, X, y, sample_weight=None, alpha=0.0):
    if loss == "poisson":
        model = PoissonRegressor(alpha=alpha, tol=1e-12, max_iter=1000, solver="newton-cholesky")
    elif loss == "gamma":
        model = GammaRegressor(alpha=alpha, tol=1e-12, max_iter=1000, solver="newton-cholesky")
    else:
        quantile = QUANTILE if loss == "quantile" else 0.5
        model = QuantileRegressor(quantile=quantile, alpha=alpha, solver="highs")
    return model.fit(X, y, sample_weight=sample_weight)


def assert_peer_solution(loss, model, X, y, sample_weight=None, rtol=1e-6):
    reference = peer(loss, X, y, sample_weight)
    if loss in SMOOTH:
        assert_allclose(model.coef_, reference.coef_, rtol=0, atol=rtol * np.abs(
            reference.coef_).max())
        assert_allclose(model.intercept_, reference.intercept_, rtol=rtol)
    else:
        best = objective(loss, y, reference.predict(X), sample_weight)
        reached = objective(loss, y, model.predict(X), sample_weight)
        assert reached <= best * (1 + rtol)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("batch_size", ["auto", 256])
def test_full_and_mini_batch_fits_reach_the_peer(loss, batch_size):
    X, y = targets_for(loss, n_samples=800)
    weight = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    model = quiet_fit(adam(loss, batch_size=batch_size), X, y, sample_weight=weight)
    assert_peer_solution(loss, model, X, y, weight)
    if loss in SMOOTH:
        assert model.score(X, y, sample_weight=weight) == pytest.approx(
            peer(loss, X, y, weight).score(X, y, sample_weight=weight), rel=1e-8)


@pytest.mark.parametrize("loss", SMOOTH)
def test_alpha_means_the_peers_alpha(loss):
    X, y = targets_for(loss, n_samples=500)
    model = adam(loss, alpha=0.05).fit(X, y)
    reference = peer(loss, X, y, alpha=0.05)
    assert_allclose(model.coef_, reference.coef_, atol=1e-6 * np.abs(reference.coef_).max())


@pytest.mark.parametrize("loss", LOSSES)
def test_one_pass_of_partial_fit_over_a_stream_is_within_one_percent(loss):
    X, y = targets_for(loss, n_samples=4000)
    model = adam(loss, batch_size=20)
    for chunk in np.array_split(np.arange(len(y)), 8):
        model.partial_fit(X[chunk], y[chunk])
    best = objective(loss, y, peer(loss, X, y).predict(X))
    assert np.all(np.isfinite(model.coef_))
    assert objective(loss, y, model.predict(X)) <= 1.01 * best


@pytest.mark.parametrize("loss", LOSSES)
def test_two_warm_fits_give_one_long_fit(loss):
    X, y = targets_for(loss, n_samples=300)
    warm = adam(loss, warm_start=True, max_iter=40)
    quiet_fit(warm, X, y)
    quiet_fit(warm, X, y)
    once = quiet_fit(adam(loss, max_iter=80), X, y)
    assert warm.n_iter_ == once.n_iter_ == 80
    assert_allclose(warm.coef_, once.coef_, rtol=1e-12)
    assert_allclose(warm.intercept_, once.intercept_, rtol=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_memory_mapped_sparse_weighted_and_float32_take_the_same_steps(loss, tmp_path):
    X, y = targets_for(loss, n_samples=400)
    dense = quiet_fit(adam(loss, max_iter=60), X, y)
    path = os.path.join(tmp_path, "X.npy")
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    same = [quiet_fit(adam(loss, max_iter=60), mapped, y)]
    same += [quiet_fit(adam(loss, max_iter=60), kind(X), y)
             for kind in (sp.csr_matrix, sp.csc_matrix)]
    # Weights are repeated rows.
    repeats = np.random.default_rng(2).integers(0, 3, len(y))
    same.append(quiet_fit(adam(loss, max_iter=60), X, y, sample_weight=repeats.astype(float)))
    same.append(quiet_fit(adam(loss, max_iter=60), np.repeat(X, repeats, axis=0),
                          np.repeat(y, repeats)))
    # Sums in another order differ by rounding, which sixty steps carry on.
    for model in same[:3]:
        assert_allclose(model.coef_, dense.coef_, rtol=1e-8)
        assert_allclose(model.intercept_, dense.intercept_, rtol=1e-8)
    assert_allclose(same[3].coef_, same[4].coef_, rtol=1e-8)
    # float32's tol is raised to its rounding, which a finished loss with a
    # kink may reach sooner than float64's: both are compared at their end.
    single = quiet_fit(adam(loss), X.astype(np.float32), y)
    double = quiet_fit(adam(loss), X, y)
    assert single.coef_.dtype == np.float32
    assert_allclose(single.coef_, double.coef_, rtol=1e-4, atol=1e-5 * np.abs(double.coef_).max())


@pytest.mark.parametrize("loss", LOSSES)
def test_several_targets_are_the_single_target_fits(loss):
    X, Y = targets_for(loss, n_samples=300, n_targets=2)
    model = quiet_fit(adam(loss, max_iter=60), X, Y)
    assert model.coef_.shape == (2, 4) and model.predict(X).shape == Y.shape
    for target in range(2):
        alone = quiet_fit(adam(loss, max_iter=60), X, Y[:, target])
        assert_allclose(model.coef_[target], alone.coef_, rtol=1e-9)
        assert_allclose(model.intercept_[target], alone.intercept_, rtol=1e-9)


def _namespace(name):
    module = pytest.importorskip(name)
    if name == "torch":
        return module.asarray, lambda a: a.cpu().numpy()
    return module.asarray, np.from_dlpack


@pytest.mark.parametrize("name", ["array_api_strict", "torch"])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("batch_size", ["auto", 64])
def test_array_api_namespaces_take_the_numpy_steps_and_predict_there(name, loss, batch_size):
    convert, read = _namespace(name)
    X, y = targets_for(loss, n_samples=200)
    weight = np.random.default_rng(4).uniform(0.5, 2.0, len(y))
    in_numpy = quiet_fit(adam(loss, max_iter=25, batch_size=batch_size), X, y,
                         sample_weight=weight)
    with sklearn.config_context(array_api_dispatch=True):
        model = quiet_fit(adam(loss, max_iter=25, batch_size=batch_size), convert(X),
                          convert(y), sample_weight=convert(weight))
        predicted = model.predict(convert(X))
        score = model.score(convert(X), convert(y))
        assert type(predicted) is type(convert(X))
    assert_allclose(read(model.coef_), in_numpy.coef_, rtol=1e-8)
    # The log link's mean, exp(X @ coef_ + intercept_), computed in the namespace.
    assert_allclose(read(predicted), in_numpy.predict(X), rtol=1e-8)
    assert score == pytest.approx(in_numpy.score(X, y), rel=1e-8)


def test_a_fit_modifies_nothing_it_was_given():
    for loss in LOSSES:
        X, y = targets_for(loss, n_samples=200)
        weight = np.random.default_rng(5).uniform(0.5, 2.0, len(y))
        passed = copy.deepcopy((X, y, weight))
        model = quiet_fit(adam(loss, max_iter=30, early_stopping=True), X, y,
                          sample_weight=weight)
        model.partial_fit(X, y, sample_weight=weight)
        for before, after in zip(passed, (X, y, weight)):
            assert_allclose(after, before, rtol=0)


def test_counts_of_large_mean_start_from_the_log_of_their_mean():
    """A log link's fit starts at the best constant: large counts converge as small ones do."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = rng.poisson(np.exp(9 + X @ np.array([0.3, 0.1, -0.2]))).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = AdamLinearRegressor(loss="poisson").fit(X, y)
    peer = PoissonRegressor(alpha=0, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(model.coef_, peer.coef_, rtol=1e-6)
    assert model.n_iter_ < 2000
