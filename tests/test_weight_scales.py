"""Sample weights of any scale keep alpha's meaning, and any weight dtype fits quietly.

Weights beyond about 1e+-144 are divided by a power of two when they are
checked; alpha must be divided by the same power of two, or a penalty meant
to be strong next to tiny weights vanishes, and one meant to be negligible
next to huge weights takes over. Each case is compared with Ridge on the same
weights and alpha, dense and sparse, on both epoch drivers.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import Ridge

from sklearn_adam import AdamLinearRegressor

kernels = None
try:
    import sklearn_adam._kernels as kernels
except ImportError:  # without numba there is only the numpy path
    pass

PATHS = ["compiled", "numpy"] if kernels is not None else ["numpy"]

# (weight scale, alpha): a penalty that matters next to the weights, one
# that is negligible, and one that dominates.
CASES = [
    (1e-300, 1e-299), (1e-200, 3e-200), (1e-200, 1e-60), (1.0, 3.0),
    (1e200, 3.0), (1e200, 3e200), (1e300, 1e301),
]


def problem(scale):
    rng = np.random.RandomState(0)
    X = rng.randn(80, 3)
    y = X @ [1.0, 2.0, 3.0] + 4 + 0.1 * rng.randn(80)
    weight = scale * rng.uniform(0.5, 2.0, 80)
    return X, y, weight


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("scale, alpha", CASES, ids=[f"w{s:g}-alpha{a:g}" for s, a in CASES])
def test_alpha_means_what_it_means_to_ridge_at_any_weight_scale(monkeypatch, path, container,
                                                                scale, alpha):
    if kernels is not None:
        monkeypatch.setattr(kernels, "ENABLED", path == "compiled")
    X, y, weight = problem(scale)
    # Ridge on dense X: its sparse solver overflows with weights near 1e200.
    reference = Ridge(alpha=alpha).fit(X, y, sample_weight=weight)
    passed = weight.copy()
    model = AdamLinearRegressor(alpha=alpha, tol=1e-12).fit(container(X), y,
                                                             sample_weight=passed)
    assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6)
    assert_array_equal(passed, weight)


@pytest.mark.parametrize("path", PATHS)
def test_partial_fit_weighs_alpha_against_extreme_weights_as_ridge_does(monkeypatch, path):
    if kernels is not None:
        monkeypatch.setattr(kernels, "ENABLED", path == "compiled")
    X, y, weight = problem(1e200)
    reference = Ridge(alpha=3e200).fit(X, y, sample_weight=weight)
    # Full-batch epochs, as many as fit takes to converge on these data; the
    # last iterate (average=False), as fit's, since partial_fit averages even
    # a chunk of one batch and the average of 500 steps lags their end.
    model = AdamLinearRegressor(alpha=3e200, batch_size=80, average=False)
    for _ in range(500):
        model.partial_fit(X, y, sample_weight=weight)
    assert_allclose(model.coef_, reference.coef_, rtol=1e-6)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
def test_a_penalty_beyond_the_arithmetic_is_refused_naming_alpha(container):
    # alpha=3 against weights summing to 1e-198: Ridge's coefficients are
    # 1e-199, a vanishing fraction of the unpenalized ones.
    X, y, weight = problem(1e-200)
    model = AdamLinearRegressor(alpha=3.0)
    with pytest.raises(ValueError, match=r"alpha=3.0 outweighs the data .* sample_weight"):
        model.fit(container(X), y, sample_weight=weight)
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_float32_weights_with_float64_X_fit_without_a_warning(method):
    X, y, weight = problem(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = getattr(AdamLinearRegressor(), method)(
            X, y, sample_weight=weight.astype(np.float32)
        )
    # The same fit as with the same weights in float64.
    reference = getattr(AdamLinearRegressor(), method)(
        X, y, sample_weight=weight.astype(np.float32).astype(np.float64)
    )
    assert_array_equal(model.coef_, reference.coef_)


@pytest.mark.parametrize("weights_in", ["memory", "dask"])
@pytest.mark.parametrize("scale, alpha", [(1e200, 3e200), (1e-200, 3e-200)])
def test_dask_fits_weigh_alpha_against_extreme_weights_as_ridge_does(weights_in, scale, alpha):
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    X, y, weight = problem(scale)
    reference = Ridge(alpha=alpha).fit(X, y, sample_weight=weight)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        passed = weight if weights_in == "memory" else da.from_array(weight, chunks=20)
        model = AdamLinearRegressor(alpha=alpha, tol=1e-12).fit(
            da.from_array(X, chunks=(20, 3)), da.from_array(y, chunks=20),
            sample_weight=passed,
        )
    assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
