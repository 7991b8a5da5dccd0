"""The lasso and elastic-net penalties on every path that takes the general steps.

Array-API namespaces (array_api_strict, torch on the CPU) take the same
proximal steps on the device as NumPy on the host: a fit there is held to
the NumPy fit with the same ``random_state`` (1e-8 relative in float64, as
``tests/test_array_api.py`` holds the smooth penalty; 1e-13 measured), with
the same exact zeros. The NumPy path, with sample weights, several targets,
CSR/CSC input, float32, warm starts and early stopping, is held to
:class:`~sklearn.linear_model.Lasso` / :class:`~sklearn.linear_model.ElasticNet`
at ``tol=1e-12``: 1e-7 relative (5.8e-10 the largest measured, at alphas
where the features are not collinear enough to need an exact finish), the
same zero pattern; float32 to 1e-4 (1.3e-5 measured). A memory-mapped ``X``
learns bit for bit what the same ``X`` in memory learns.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._mapped import PART_BYTES
from sklearn_adam._namespace import to_numpy

PENALTIES = [
    pytest.param("l1", None, id="l1"),
    pytest.param("elasticnet", 0.7, id="elasticnet-0.7"),
]


def _peer(l1_ratio, alpha):
    if l1_ratio is None:
        return Lasso(alpha=alpha, tol=1e-12, max_iter=100_000)
    return ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)


def _adam(penalty, l1_ratio, **params):
    return AdamLinearRegressor(penalty=penalty, l1_ratio=l1_ratio, **params)


def _relative(actual, expected):
    return np.abs(np.asarray(actual, dtype=np.float64) - expected).max() / np.abs(expected).max()


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def _namespace(name):
    if name == "torch":
        torch = pytest.importorskip("torch")
        return lambda a: torch.asarray(a, device="cpu")
    strict = pytest.importorskip("array_api_strict")
    return lambda a: strict.asarray(a, device=strict.Device("CPU_DEVICE"))


@pytest.mark.parametrize("name", ["array_api_strict", "torch"])
@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
@pytest.mark.parametrize("batch_size, n_targets", [("auto", 1), (64, 1), ("auto", 2)])
def test_array_api_fits_take_the_numpy_steps_and_zeros(diabetes, name, penalty, l1_ratio,
                                                       batch_size, n_targets):
    X, y = diabetes
    y = y if n_targets == 1 else np.c_[y, 0.5 * y + 80 * X[:, 3]]
    convert = _namespace(name)
    params = dict(alpha=0.5, batch_size=batch_size, random_state=0, max_iter=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_numpy = _adam(penalty, l1_ratio, **params).fit(X, y)
        with sklearn.config_context(array_api_dispatch=True):
            model = _adam(penalty, l1_ratio, **params).fit(convert(X), convert(y))
            coef = to_numpy(model.coef_)
    assert type(model.coef_) is type(convert(X))
    assert model.n_iter_ == in_numpy.n_iter_
    assert _relative(coef, in_numpy.coef_) < 1e-8
    # The soft threshold's zeros are exact on the device too.
    assert_array_equal(coef == 0, in_numpy.coef_ == 0)
    assert (coef == 0).any()


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
def test_a_converged_array_api_fit_is_the_lasso(diabetes, penalty, l1_ratio):
    X, y = diabetes
    convert = _namespace("array_api_strict")
    with sklearn.config_context(array_api_dispatch=True):
        model = _adam(penalty, l1_ratio, alpha=0.5).fit(convert(X), convert(y))
        coef = to_numpy(model.coef_)
    peer = _peer(l1_ratio, 0.5).fit(X, y)
    assert_array_equal(coef == 0, peer.coef_ == 0)
    assert _relative(coef, peer.coef_) < 1e-7


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
def test_sample_weight_is_row_repetition_and_the_peers_weights(diabetes, penalty, l1_ratio):
    X, y = diabetes
    counts = np.random.default_rng(0).integers(1, 4, len(y))
    weighted = _adam(penalty, l1_ratio, alpha=0.5).fit(X, y, sample_weight=counts)
    repeated = _adam(penalty, l1_ratio, alpha=0.5).fit(np.repeat(X, counts, 0),
                                                        np.repeat(y, counts))
    peer = _peer(l1_ratio, 0.5).fit(X, y, sample_weight=counts)
    for model in (weighted, repeated):
        assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
        assert _relative(model.coef_, peer.coef_) < 1e-7
        assert abs(model.intercept_ - peer.intercept_) < 1e-7 * abs(peer.intercept_)


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
def test_several_targets_are_the_peers_per_target_fits(diabetes, penalty, l1_ratio):
    X, y = diabetes
    Y = np.c_[y, 0.5 * y + 100 * X[:, 0]]
    model = _adam(penalty, l1_ratio, alpha=0.5).fit(X, Y)
    peer = _peer(l1_ratio, 0.5).fit(X, Y)
    assert model.coef_.shape == (2, X.shape[1])
    assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert _relative(model.coef_, peer.coef_) < 1e-7


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
def test_sparse_input_is_the_peers_fit_and_the_dense_fit(penalty, l1_ratio, sparse_format):
    rng = np.random.default_rng(0)
    X = sp.random(300, 40, density=0.1, random_state=0, format=sparse_format)
    y = X @ np.r_[np.arange(1.0, 6.0), np.zeros(35)] + 0.01 * rng.normal(size=300)
    model = _adam(penalty, l1_ratio, alpha=0.01, random_state=0).fit(X, y)
    peer = _peer(l1_ratio, 0.01).fit(X, y)
    assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert (model.coef_[5:] == 0).sum() >= 30
    assert _relative(model.coef_, peer.coef_) < 1e-7
    dense = _adam(penalty, l1_ratio, alpha=0.01, random_state=0).fit(X.toarray(), y)
    assert _relative(model.coef_, dense.coef_) < 1e-9


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
def test_float32_stays_float32_near_the_peer(diabetes, penalty, l1_ratio):
    X, y = diabetes
    model = _adam(penalty, l1_ratio, alpha=0.5).fit(X.astype(np.float32), y.astype(np.float32))
    peer = _peer(l1_ratio, 0.5).fit(X, y)
    assert model.coef_.dtype == np.float32
    assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert _relative(model.coef_, peer.coef_) < 1e-4


def test_a_warm_started_elastic_net_path_follows_the_peer(diabetes):
    X, y = diabetes
    model = _adam("elasticnet", 0.7, warm_start=True)
    for alpha in [2.0, 1.0, 0.5, 0.2]:
        model.set_params(alpha=alpha).fit(X, y)
        peer = _peer(0.7, alpha).fit(X, y)
        assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
        assert _relative(model.coef_, peer.coef_) < 1e-7


def test_a_warm_started_lasso_path_follows_the_lasso(diabetes):
    # The first alpha's fit lowers the plateau schedule's rate once; a
    # lowered rate carried to the next alphas crept and was lowered twice
    # more, leaving alpha=0.5 at 7% from the lasso after 20,000 epochs.
    X, y = diabetes
    model = _adam("l1", None, warm_start=True, max_iter=5000)
    for alpha in [2.0, 1.0, 0.5]:
        n_iter = getattr(model, "n_iter_", 0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model.set_params(alpha=alpha).fit(X, y)
        assert model.n_iter_ - n_iter < 2500
        peer = _peer(None, alpha).fit(X, y)
        assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
        assert _relative(model.coef_, peer.coef_) < 1e-7


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
def test_a_warm_start_at_the_same_alpha_resumes_from_the_optimum(diabetes, penalty, l1_ratio):
    X, y = diabetes
    model = _adam(penalty, l1_ratio, alpha=0.5, warm_start=True).fit(X, y)
    coef, n_iter = model.coef_.copy(), model.n_iter_
    model.fit(X, y)
    # Stationary by the subdifferential distance already: one epoch checks it.
    assert model.n_iter_ == n_iter + 1
    assert_array_equal(model.coef_ == 0, coef == 0)
    assert _relative(model.coef_, coef) < 1e-9


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
def test_early_stopping_keeps_exact_zeros_on_the_null_features(penalty, l1_ratio):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 30))
    y = X[:, :5] @ np.arange(1.0, 6.0) + 0.5 * rng.normal(size=3000)
    model = _adam(penalty, l1_ratio, alpha=0.1, early_stopping=True, batch_size=128,
                  random_state=0).fit(X, y)
    assert model.n_iter_ < model.max_iter
    assert len(model.validation_scores_) > 0
    # The kept epoch's coefficients come from a proximal step: exact zeros.
    assert (model.coef_[5:] == 0).sum() >= 20
    assert np.all(model.coef_[:5] != 0)


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES[:1])
@pytest.mark.parametrize("params", [{"max_iter": 3}, {"batch_size": 4096, "max_iter": 1}],
                         ids=["full-batch", "mini-batches"])
def test_a_memory_mapped_X_learns_bit_for_bit_what_memory_does(tmp_path, penalty, l1_ratio,
                                                               params):
    # A little over one part of X: the passes over it are cut.
    n_samples = PART_BYTES * 6 // 5 // (50 * 8)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 50)) * rng.uniform(0.5, 3, 50)
    y = X[:, :10] @ rng.normal(size=10) + 0.3 * rng.normal(size=n_samples)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from_disk = _adam(penalty, l1_ratio, alpha=0.2, random_state=0, **params).fit(mapped, y)
        in_memory = _adam(penalty, l1_ratio, alpha=0.2, random_state=0, **params).fit(X, y)
    assert_array_equal(from_disk.coef_, in_memory.coef_)
    assert from_disk.intercept_ == in_memory.intercept_
    assert (from_disk.coef_ == 0).any()
