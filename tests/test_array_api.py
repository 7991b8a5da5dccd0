"""Fits on array-API arrays (array_api_strict, torch, CuPy) against the NumPy fits.

With scikit-learn's array API dispatch on, the data, the fitted attributes,
the solver's state and the predictions stay in the namespace and on the
device of ``X``. These tests run scikit-learn's own ``check_array_api_input``
with its values compared, and hold fits in each namespace to the NumPy fit
with the same ``random_state``: 1e-8 relative in float64 (the largest
difference measured on the CPU is 1.1e-14) and 1e-5 in float32 (6.1e-7
measured); 1e-4 on a GPU, where sums are added in other orders and nothing
was measured yet. CUDA namespaces (torch on
"cuda", CuPy) are skipped where there is no GPU; torch is skipped where it is
not installed, unless SKLEARN_ADAM_REQUIRE_TORCH is set (as in CI's first
track), where a missing torch is an error. ``tests/conftest.py`` sets
``SCIPY_ARRAY_API=1`` before SciPy is imported, which dispatch needs.
"""

import copy
import inspect
import os
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import check_array_api_input

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._namespace import ArrayNamespace
from sklearn_adam._rules import SOLVERS

array_api_strict = pytest.importorskip("array_api_strict")

# (namespace, device) pairs: the CPU ones run everywhere, the CUDA ones skip
# without a GPU.
NAMESPACES = [
    pytest.param("array_api_strict", "CPU_DEVICE", id="array_api_strict"),
    pytest.param("array_api_strict", "device1", id="array_api_strict-device1"),
    pytest.param("torch", "cpu", id="torch-cpu"),
    pytest.param("torch", "cuda", id="torch-cuda"),
    pytest.param("cupy", None, id="cupy"),
]
DTYPES = [np.float64, np.float32]


def rtol(dtype, device):
    """Agreement with the NumPy fit, relative to the largest coefficient."""
    if dtype == np.float64:
        return 1e-8
    return 1e-4 if device == "cuda" else 1e-5


def import_namespace(name, device):
    """The array module ``name`` with a device of it, or a skip where there is none."""
    if name == "torch" and os.environ.get("SKLEARN_ADAM_REQUIRE_TORCH"):
        import torch as module
    else:
        module = pytest.importorskip(name)
    if name == "torch" and device == "cuda" and not module.cuda.is_available():
        pytest.skip("torch has no CUDA device here")
    if name == "cupy":
        try:
            count = module.cuda.runtime.getDeviceCount()
        except Exception:  # no driver at all
            count = 0
        if count == 0:
            pytest.skip("CuPy has no CUDA device here")
    if name == "array_api_strict":
        device = module.Device(device)
    return module, device


class Arrays:
    """Makes arrays of one namespace and device from NumPy ones, and reads them back."""

    def __init__(self, name, device):
        self.name = name
        self.module, self.device = import_namespace(name, device)

    def __call__(self, array):
        if self.name == "cupy":
            return self.module.asarray(array)
        return self.module.asarray(array, device=self.device)

    def read(self, array):
        """A NumPy copy of an array of this namespace (numbers pass through)."""
        if isinstance(array, float):
            return array
        if self.name == "torch":
            return array.cpu().numpy()
        if self.name == "cupy":
            return array.get()
        return np.from_dlpack(array)

    def holds(self, array):
        """Whether ``array`` is of this namespace and on this device."""
        if self.name == "array_api_strict":
            return type(array).__module__.startswith("array_api_strict") and (
                array.device == self.device
            )
        if self.name == "torch":
            return isinstance(array, self.module.Tensor) and array.device.type == self.device
        return isinstance(array, self.module.ndarray)


def make_data(n_samples=240, n_features=5, n_targets=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * rng.uniform(0.1, 10, n_features)
    X += rng.uniform(-3, 3, n_features)
    X[:, -1] = 2.5  # a constant column
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    noise = rng.randn(*((n_samples,) if n_targets is None else (n_samples, n_targets)))
    y = X @ rng.randn(*shape) + 4 + 0.3 * noise
    weight = rng.uniform(0.1, 3, n_samples)
    return X, y, weight


def relative_error(actual, expected):
    expected = np.asarray(expected, dtype=np.float64)
    return np.max(np.abs(np.asarray(actual, dtype=np.float64) - expected)) / np.max(
        np.abs(expected)
    )


def dispatch():
    return sklearn.config_context(array_api_dispatch=True)


# ---------------------------------------------------------------------------
# scikit-learn's own check


def _check_keywords(device):
    """The device keyword of check_array_api_input, renamed after 1.6, and weights where taken."""
    parameters = inspect.signature(check_array_api_input).parameters
    keywords = {"device_name" if "device_name" in parameters else "device": device}
    if "check_sample_weight" in parameters:
        keywords["check_sample_weight"] = True
    return keywords


@pytest.mark.parametrize(
    "namespace, device, dtype",
    [
        ("numpy", None, "float64"),
        ("array_api_strict", None, "float64"),
        ("array_api_strict", None, "float32"),
        ("torch", "cpu", "float64"),
        ("torch", "cpu", "float32"),
        ("torch", "cuda", "float64"),
        ("torch", "cuda", "float32"),
        ("cupy", None, "float64"),
        ("cupy", None, "float32"),
    ],
)
@pytest.mark.parametrize(
    "estimator",
    # Seeded: scikit-learn 1.6's check leaves random_state as it is. Its
    # tolerance on the score is 100 rounding units: fits stopped at tol are
    # compared where the score is flat, at the least-squares optimum.
    [
        AdamLinearRegressor(random_state=0),
        AdamLinearRegressor(batch_size=8, max_iter=20, alpha=1.0, random_state=0),
        AdamLinearRegressor(fit_intercept=False, solver="nadam", random_state=0),
    ],
    ids=["defaults", "mini-batches-ridge", "nadam-no-intercept"],
)
def test_scikit_learn_array_api_check_with_values(namespace, device, dtype, estimator):
    if namespace != "numpy":
        import_namespace(namespace, device or "CPU_DEVICE")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_array_api_input(
            type(estimator).__name__, estimator, namespace, dtype_name=dtype,
            check_values=True, **_check_keywords(device),
        )


# ---------------------------------------------------------------------------
# Agreement with the NumPy fit


def _fit_cases():
    X, y, weight = make_data()
    X_multi, y_multi, _ = make_data(n_targets=3, seed=1)
    X_wide, y_wide, _ = make_data(n_samples=12, n_features=30, seed=2)

    def chunks(model, convert):
        for start in range(0, 240, 60):
            rows = slice(start, start + 60)
            model.partial_fit(convert(X[rows]), convert(y[rows]),
                              sample_weight=convert(weight[rows]))
        return model

    def warm(model, convert):
        for _ in range(3):
            model.fit(convert(X), convert(y))
        return model

    return {
        # Full batch through the normal equations: steps on the host.
        "defaults, weights": (
            {}, lambda m, c: m.fit(c(X), c(y), sample_weight=c(weight))
        ),
        "several targets": ({}, lambda m, c: m.fit(c(X_multi), c(y_multi))),
        # Steps on the device.
        "mini-batches, weights": (
            dict(batch_size=32, max_iter=30),
            lambda m, c: m.fit(c(X), c(y), sample_weight=c(weight)),
        ),
        "mini-batches, adamw, ridge, several targets": (
            dict(batch_size=50, max_iter=20, solver="adamw", alpha=3.0, shuffle="batches"),
            lambda m, c: m.fit(c(X_multi), c(y_multi)),
        ),
        "mini-batches, adamax, no intercept": (
            dict(batch_size=40, max_iter=20, solver="adamax", fit_intercept=False),
            lambda m, c: m.fit(c(X), c(y)),
        ),
        # Without an intercept: a centered intercept's full-batch gradient
        # by passes is the rounding of zero, which Adam scales up to full
        # steps, so that any two ways of summing (the compiled and the NumPy
        # passes too) take different ones; only the normal equations take it
        # as zero.
        "full batch by passes (wide X), amsgrad, no intercept": (
            dict(solver="amsgrad", fit_intercept=False, max_iter=100),
            lambda m, c: m.fit(c(X_wide), c(y_wide)),
        ),
        # Batches smaller than a chunk, for the same reason.
        "partial_fit, weights": (dict(batch_size=20), chunks),
        "warm start x3": (dict(max_iter=25, warm_start=True, batch_size=64), warm),
        "early stopping": (
            dict(early_stopping=True, max_iter=150),
            lambda m, c: m.fit(c(X), c(y), sample_weight=c(weight)),
        ),
        "early stopping, X_val and a scorer": (
            dict(early_stopping=True, max_iter=60, batch_size=48,
                 scoring="neg_mean_absolute_error"),
            lambda m, c: m.fit(c(X[:180]), c(y[:180]), X_val=c(X[180:]), y_val=c(y[180:])),
        ),
    }


FIT_CASES = _fit_cases()


@pytest.mark.parametrize("name, device", NAMESPACES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("case", FIT_CASES)
def test_fit_agrees_with_numpy(name, device, dtype, case):
    arrays = Arrays(name, device)
    params, run = FIT_CASES[case]

    def cast(array):
        return np.asarray(array, dtype=dtype)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = run(AdamLinearRegressor(random_state=0, **params), cast)
        with dispatch():
            model = run(AdamLinearRegressor(random_state=0, **params),
                        lambda array: arrays(cast(array)))
    assert arrays.holds(model.coef_)
    assert model.coef_.shape == expected.coef_.shape
    assert arrays.read(model.coef_).dtype == dtype
    tolerance = rtol(dtype, device)
    assert relative_error(arrays.read(model.coef_), expected.coef_) < tolerance
    if not model.fit_intercept:
        # As scikit-learn's Ridge: no intercept fitted is the number 0.0.
        assert isinstance(model.intercept_, float) and model.intercept_ == 0.0
    else:
        # A single target's is a 0-d array, in the namespace and on the device.
        assert arrays.holds(model.intercept_)
        assert model.intercept_.shape == np.shape(expected.intercept_)
        assert arrays.read(model.intercept_).dtype == dtype
    intercept = arrays.read(model.intercept_)
    scale = np.max(np.abs(expected.coef_)) + np.max(np.abs(expected.intercept_))
    assert np.max(np.abs(intercept - expected.intercept_)) <= tolerance * scale
    if device != "cuda":
        # On a GPU, sums are added in another order: a converged fit may
        # stop an epoch or two apart.
        assert model.n_iter_ == expected.n_iter_
    # Against the first loss: the last can be the rounding of a near-exact fit.
    assert abs(model.loss_curve_[-1] - expected.loss_curve_[-1]) <= (
        tolerance * expected.loss_curve_[0]
    )
    for moment in model.solver_state_.first_moment:
        assert arrays.holds(moment)


# ---------------------------------------------------------------------------
# Predictions, namespaces and devices


@pytest.mark.parametrize("name, device", NAMESPACES)
@pytest.mark.parametrize("n_targets", [None, 2])
def test_predictions_in_the_namespace_and_on_the_device(name, device, n_targets):
    arrays = Arrays(name, device)
    X, y, _ = make_data(n_targets=n_targets)
    expected = AdamLinearRegressor(random_state=0).fit(X, y)
    with dispatch():
        model = AdamLinearRegressor(random_state=0).fit(arrays(X), arrays(y))
        predicted = model.predict(arrays(X))
        score = model.score(arrays(X), arrays(y))
    assert arrays.holds(predicted)
    expected_predictions = expected.predict(X)
    # Two converged fits, each within tol of the optimum.
    assert relative_error(arrays.read(predicted), expected_predictions) < 1e-8
    assert isinstance(score, float)
    assert abs(score - expected.score(X, y)) < 1e-12


@pytest.mark.parametrize("name, device", NAMESPACES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_a_single_targets_intercept_is_what_ridge_gives(name, device, dtype):
    arrays = Arrays(name, device)
    X, y, _ = make_data()
    X, y = X.astype(dtype), y.astype(dtype)
    with dispatch():
        ridge = Ridge(solver="svd").fit(arrays(X), arrays(y))
        model = AdamLinearRegressor(random_state=0).fit(arrays(X), arrays(y))
        no_intercept = AdamLinearRegressor(fit_intercept=False, random_state=0).fit(
            arrays(X), arrays(y)
        )
        ridge_without = Ridge(fit_intercept=False, solver="svd").fit(arrays(X), arrays(y))
    # A 0-d array of X's namespace, on X's device, in the model's dtype.
    assert type(model.intercept_) is type(ridge.intercept_)
    assert arrays.holds(model.intercept_) and model.intercept_.shape == ()
    assert arrays.read(model.intercept_).dtype == arrays.read(ridge.intercept_).dtype == dtype
    assert type(no_intercept.intercept_) is type(ridge_without.intercept_) is float
    expected = AdamLinearRegressor(random_state=0).fit(X, y)
    assert isinstance(expected.intercept_, float)
    assert abs(float(arrays.read(model.intercept_)) - expected.intercept_) <= (
        rtol(dtype, device) * abs(expected.intercept_)
    )

    restored = pickle.loads(pickle.dumps(model))
    assert arrays.holds(restored.intercept_)
    with dispatch():
        predicted = restored.predict(arrays(X))
    assert arrays.holds(predicted) and predicted.shape == (X.shape[0],)
    # On NumPy data once dispatch is off, and lazily on a dask array: NumPy.
    on_host = model.predict(X)
    assert type(on_host) is np.ndarray and on_host.shape == (X.shape[0],)
    assert_allclose(on_host, arrays.read(predicted), rtol=1e-6)
    da = pytest.importorskip("dask.array")
    lazily = model.predict(da.from_array(X, chunks=(60, 5))).compute(scheduler="synchronous")
    assert type(lazily) is np.ndarray
    assert_array_equal(lazily, on_host)


def test_predict_refuses_data_of_another_namespace():
    arrays = Arrays("array_api_strict", "device1")
    X, y, _ = make_data()
    with dispatch():
        model = AdamLinearRegressor(random_state=0).fit(arrays(X), arrays(y))
        with pytest.raises(ValueError, match="same namespace"):
            model.predict(X)
        other = Arrays("array_api_strict", "CPU_DEVICE")
        with pytest.raises(ValueError, match="same namespace"):
            model.predict(other(X))


def test_dispatch_off_fits_and_predicts_in_numpy_as_before():
    arrays = Arrays("torch", "cpu")
    X, y, weight = make_data()
    expected = AdamLinearRegressor(random_state=0, batch_size=32, max_iter=5).fit(
        X, y, sample_weight=weight
    )
    model = AdamLinearRegressor(random_state=0, batch_size=32, max_iter=5).fit(
        arrays(X), arrays(y), sample_weight=arrays(weight)
    )
    assert isinstance(model.coef_, np.ndarray)
    assert_array_equal(model.coef_, expected.coef_)
    # A model fitted on torch predicts NumPy data once dispatch is off.
    with dispatch():
        on_torch = AdamLinearRegressor(random_state=0).fit(arrays(X), arrays(y))
    predicted = on_torch.predict(X)
    assert isinstance(predicted, np.ndarray)
    assert_allclose(predicted,
                    arrays.read(on_torch.coef_) @ X.T + arrays.read(on_torch.intercept_))


def test_targets_and_weights_move_to_the_namespace_of_X():
    torch_arrays = Arrays("torch", "cpu")
    strict = Arrays("array_api_strict", "device1")
    X, y, weight = make_data()
    expected = AdamLinearRegressor(random_state=0, batch_size=32, max_iter=10).fit(
        X, y, sample_weight=weight
    )
    with dispatch():
        model = AdamLinearRegressor(random_state=0, batch_size=32, max_iter=10).fit(
            torch_arrays(X), strict(y), sample_weight=weight
        )
        # And NumPy data with targets of another namespace stay in NumPy.
        numpy_model = AdamLinearRegressor(random_state=0, batch_size=32, max_iter=10).fit(
            X, strict(y), sample_weight=torch_arrays(weight)
        )
    assert torch_arrays.holds(model.coef_)
    assert relative_error(torch_arrays.read(model.coef_), expected.coef_) < 1e-8
    assert isinstance(numpy_model.coef_, np.ndarray)
    assert_array_equal(numpy_model.coef_, expected.coef_)


def test_sparse_data_stay_in_numpy_and_cannot_validate_on_a_device():
    arrays = Arrays("array_api_strict", "device1")
    X, y, _ = make_data()
    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 2, X, 0.0))
    expected = AdamLinearRegressor(random_state=0).fit(X_sparse, y)
    with dispatch():
        model = AdamLinearRegressor(random_state=0).fit(X_sparse, arrays(y))
        assert_array_equal(model.coef_, expected.coef_)
        early = AdamLinearRegressor(early_stopping=True, max_iter=5)
        with pytest.raises(TypeError, match="X_val is a sparse matrix"):
            early.fit(arrays(X), arrays(y), X_val=X_sparse, y_val=y)


def test_dask_arrays_stay_in_numpy_with_targets_of_any_namespace():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    arrays = Arrays("array_api_strict", "device1")
    X, y, weight = make_data()
    expected = AdamLinearRegressor(random_state=0).fit(X, y, sample_weight=weight)
    with dispatch(), dask.config.set(scheduler="synchronous"):
        model = AdamLinearRegressor(random_state=0).fit(
            da.from_array(X, chunks=(60, 5)), arrays(y), sample_weight=arrays(weight)
        )
    assert isinstance(model.coef_, np.ndarray)
    assert relative_error(model.coef_, expected.coef_) < 1e-8


def test_a_users_solver_is_given_numpy_arrays():
    class CheckedGradientDescent:
        def init(self, params):
            return {"steps": 0}

        def update(self, grads, state, learning_rate, params):
            assert all(isinstance(grad, np.ndarray) for grad in grads)
            assert isinstance(params[0], np.ndarray) and params[1] is None
            return [-learning_rate * grad for grad in grads], {"steps": state["steps"] + 1}

    arrays = Arrays("array_api_strict", "device1")
    X, y, _ = make_data()
    settings = dict(solver=CheckedGradientDescent(), learning_rate=0.05, batch_size=32,
                    max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = AdamLinearRegressor(**settings).fit(X, y)
        with dispatch():
            model = AdamLinearRegressor(**settings).fit(arrays(X), arrays(y))
    assert relative_error(arrays.read(model.coef_), expected.coef_) < 1e-12
    assert model.solver_state_ == expected.solver_state_


@pytest.mark.parametrize("name, device", NAMESPACES)
def test_resuming_leaves_the_earlier_state_and_pickles(name, device):
    arrays = Arrays(name, device)
    X, y, _ = make_data()
    with dispatch():
        model = AdamLinearRegressor(random_state=0, batch_size=32)
        model.partial_fit(arrays(X[:120]), arrays(y[:120]))
        state = model.solver_state_
        kept = [arrays.read(moment).copy() for moment in state.first_moment]
        restored = pickle.loads(pickle.dumps(model))
        model.partial_fit(arrays(X[120:]), arrays(y[120:]))
        restored.partial_fit(arrays(X[120:]), arrays(y[120:]))
    for moment, before in zip(state.first_moment, kept):
        assert_array_equal(arrays.read(moment), before)
    assert_array_equal(arrays.read(restored.coef_), arrays.read(model.coef_))


def test_devices_without_float64_sum_in_float32():
    namespace = ArrayNamespace(array_api_strict, array_api_strict.Device("no_float64"))
    if namespace.sum_dtype != array_api_strict.float32:
        pytest.skip("this scikit-learn assumes float64 on every device but Apple's MPS")
    arrays = Arrays("array_api_strict", "no_float64")
    X, y, _ = make_data()
    X, y = X.astype(np.float32), y.astype(np.float32)
    expected = AdamLinearRegressor(random_state=0).fit(X, y)
    with dispatch():
        model = AdamLinearRegressor(random_state=0).fit(arrays(X), arrays(y))
    # Moments summed in float32 rather than float64: float32's precision,
    # the fit then converging to the same optimum.
    assert relative_error(arrays.read(model.coef_), expected.coef_) < 1e-4


# ---------------------------------------------------------------------------
# The update rules on their own


@pytest.mark.parametrize("name, device", NAMESPACES)
@pytest.mark.parametrize("rule", sorted(SOLVERS))
@pytest.mark.parametrize("epsilon, placement", [(1e-3, "corrected"), (1e-3, "raw"), (0.0, "raw")])
def test_rules_take_the_same_steps_in_every_namespace(name, device, rule, epsilon, placement):
    arrays = Arrays(name, device)
    rng = np.random.RandomState(0)
    solver = SOLVERS[rule](learning_rate=0.01, epsilon=epsilon, epsilon_placement=placement)
    params = [rng.randn(3, 4), rng.randn(3)]
    # Gradients with exact zeros, so that epsilon=0 meets a zero denominator.
    gradients = [[rng.randn(3, 4) * (rng.rand(3, 4) > 0.2), rng.randn(3)] for _ in range(50)]
    numpy_params = copy.deepcopy(params)
    numpy_state = solver.init(numpy_params)
    with dispatch():
        device_params = [arrays(p) for p in params]
        state = solver.init(device_params)
        for grads in gradients:
            updates, numpy_state = solver.update(grads, numpy_state, params=numpy_params)
            for param, update in zip(numpy_params, updates):
                param += update
            updates, state = solver.update(
                [arrays(g) for g in grads], state, params=device_params
            )
            device_params = [param + update for param, update in zip(device_params, updates)]
    for device_param, numpy_param in zip(device_params, numpy_params):
        assert arrays.holds(device_param)
        if name == "array_api_strict":
            # NumPy underneath, and the same operations in the same order.
            assert_array_equal(arrays.read(device_param), numpy_param)
        else:
            assert_allclose(arrays.read(device_param), numpy_param, rtol=1e-13, atol=1e-15)
