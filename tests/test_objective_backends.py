"""A datafit and a penalty written here only train on array-API and dask data.

The pseudo-Huber datafit and the L1 penalty below are not in the package:
a subclass of the estimator names them in ``_objective_parts``, and the fit
on ``array_api_strict`` and torch arrays, and on a dask array on a real
``distributed`` cluster on loopback, must reach the minimizer that
scipy.optimize finds for the same objective, written out here in the units
of the data. Neither is quadratic: the normal equations must refuse them,
and the general driver of each backend train them.

The objective the engine minimizes, in the data's units: with weights
:math:`s_i` summing to :math:`S`, features' scales :math:`\\sigma_j` and the
targets' scale :math:`\\sigma_y`, the standardized coefficients are
:math:`\\tilde w_j = w_j \\sigma_j / \\sigma_y`, and a penalty's weights
``penalty.weights(standardization, S)`` act on them. The L2 weights
:math:`\\alpha / (S \\sigma_j^2)` give :math:`\\alpha \\lVert w \\rVert^2 /
(2 S \\sigma_y^2)`; the L1 weights here, :math:`\\alpha / (S \\sigma_j)`,
give :math:`\\alpha \\lVert w \\rVert_1 / (S \\sigma_y)`. So

.. math::

    F(w, b) = \\frac1S \\sum_i s_i f\\Big(\\frac{x_i w + b - y_i}{\\sigma_y}\\Big)
        + \\text{penalty}.

The targets here are given a weighted mean of zero and a weighted spread of
one, so that :math:`\\sigma_y = 1` whether or not the fit scales them (the
datafit declares that it may not be scaled).
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._array_api._epochs import NamespaceEpochs
from sklearn_adam._objective._datafits import IdentityLink, SquaredError, declares
from sklearn_adam._objective._penalties import L2
from sklearn_adam._rules import Adam

DELTA = 0.7


class PseudoHuber:
    """``delta**2 * (sqrt(1 + (r / delta)**2) - 1)`` of the residual ``r``, for this test only."""

    name = "pseudo_huber_test"
    centers_y = False
    scales_y = False
    link = IdentityLink()
    default_scoring = "d2"

    def __init__(self, delta):
        self.delta = delta

    def pointwise(self, xp, prediction, y, y_scale):
        residual = (prediction - y) / y_scale
        ratio = residual / self.delta
        root = xp.sqrt(1 + ratio * ratio)
        return self.delta**2 * (root - 1), residual / root


class L1:
    """``alpha * |w|_1`` in the data's units, for this test only.

    Its weight on a standardized coefficient is ``alpha / (S * scale)``,
    as L2's is ``alpha / (S * scale**2)``: the same strength on the
    coefficients in the data's units whatever the features' scales.
    """

    name = "l1_test"
    smooth = False

    def __init__(self, alpha):
        self.alpha = alpha

    @property
    def active(self):
        return self.alpha > 0

    def weights(self, standardization, weight_sum, weight_unit=1.0):
        x_scale = standardization.x_scale
        return (self.alpha / (weight_unit * weight_sum) / x_scale).astype(x_scale.dtype)

    def value(self, xp, coef, weights):
        return xp.sum(weights * xp.abs(coef))

    def prox(self, xp, coef, steps, weights):
        # Soft-thresholding of each coordinate by its step times its weight.
        shrunk = xp.abs(coef) - steps * weights
        return xp.sign(coef) * xp.where(shrunk > 0, shrunk, xp.zeros_like(shrunk))

    def subdiff_distance(self, xp, coef, gradient, weights):
        # As skglm's L1: at zero, how far |gradient| exceeds the weight; elsewhere
        # the size of the gradient of data and penalty together.
        at_zero = xp.abs(gradient) - weights
        at_zero = xp.where(at_zero > 0, at_zero, xp.zeros_like(at_zero))
        away = xp.abs(gradient + weights * xp.sign(coef))
        return xp.where(coef == 0, at_zero, away)


class PseudoHuberRidge(AdamLinearRegressor):
    def _objective_parts(self):
        return PseudoHuber(DELTA), L2(self.alpha)


class PseudoHuberLasso(AdamLinearRegressor):
    def _objective_parts(self):
        return PseudoHuber(DELTA), L1(self.alpha)


def test_the_test_components_are_not_quadratic():
    # What keeps them off the normal equations: nothing they inherit declares it.
    assert not declares(PseudoHuber(DELTA), "quadratic")
    assert not declares(L1(1.0), "quadratic")


def _problem(n_samples=160, n_features=5, seed=0):
    """Features of various offsets and scales; heavy-tailed targets of unit weighted spread."""
    rng = np.random.default_rng(seed)
    scales = np.array([0.3, 1.0, 4.0, 0.8, 2.0])[:n_features]
    X = rng.normal(size=(n_samples, n_features)) * scales + rng.uniform(-2, 2, n_features)
    coef = np.array([1.5, 0.0, -0.4, 0.05, 0.0])[:n_features] / scales
    y = X @ coef + 0.5 * rng.standard_t(2, size=n_samples)
    weight = rng.uniform(0.2, 2.0, n_samples)
    mean = weight @ y / weight.sum()
    y = (y - mean) / np.sqrt(weight @ (y - mean) ** 2 / weight.sum())
    return X, y, weight


def _pseudo_huber(residual):
    root = np.sqrt(1 + (residual / DELTA) ** 2)
    return DELTA**2 * (root - 1), residual / root


def _scipy_minimizer(X, y, weight, alpha, penalty):
    """``(coef, intercept)`` minimizing F, by L-BFGS-B; L1 by ``w = u - v`` with ``u, v >= 0``."""
    n_features, total = X.shape[1], weight.sum()

    def data_term(coef, intercept):
        loss, derivative = _pseudo_huber(X @ coef + intercept - y)
        weighted = weight * derivative / total
        return weight @ loss / total, X.T @ weighted, weighted.sum()

    if penalty == "l2":
        def objective(theta):
            value, coef_grad, intercept_grad = data_term(theta[:-1], theta[-1])
            value += alpha / (2 * total) * theta[:-1] @ theta[:-1]
            return value, np.append(coef_grad + alpha / total * theta[:-1], intercept_grad)

        start, bounds = np.zeros(n_features + 1), None
    else:
        def objective(theta):
            positive, negative = theta[:n_features], theta[n_features:-1]
            value, coef_grad, intercept_grad = data_term(positive - negative, theta[-1])
            value += alpha / total * (positive.sum() + negative.sum())
            step = alpha / total
            return value, np.concatenate([coef_grad + step, -coef_grad + step, [intercept_grad]])

        start = np.zeros(2 * n_features + 1)
        bounds = [(0, None)] * (2 * n_features) + [(None, None)]
    found = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"ftol": 1e-16, "gtol": 1e-13, "maxiter": 20000, "maxcor": 30})
    theta = found.x
    coef = theta[:n_features] if penalty == "l2" else theta[:n_features] - theta[n_features:-1]
    return coef, theta[-1]


class Arrays:
    """Makes arrays of one namespace (on the CPU) from NumPy ones, and reads them back."""

    def __init__(self, name):
        self.module = pytest.importorskip(name)
        self.name = name

    def __call__(self, array):
        return self.module.asarray(array)

    def read(self, array):
        if self.name == "torch":
            return array.cpu().numpy()
        return np.from_dlpack(array)


NAMESPACES = ["array_api_strict", "torch"]
ESTIMATORS = {"l2": (PseudoHuberRidge, 5.0), "l1": (PseudoHuberLasso, 8.0)}


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("batch_size", ["auto", 32], ids=["full-batch", "mini-then-full"])
def test_namespace_fit_reaches_scipys_minimizer(name, penalty, batch_size):
    arrays = Arrays(name)
    X, y, weight = _problem()
    estimator, alpha = ESTIMATORS[penalty]
    coef, intercept = _scipy_minimizer(X, y, weight, alpha, penalty)
    with sklearn.config_context(array_api_dispatch=True):
        model = estimator(alpha=alpha, batch_size=batch_size, random_state=0).fit(
            arrays(X), arrays(y), sample_weight=arrays(weight)
        )
    # Converged on full batches, by the penalty's own stationarity measure.
    assert model.batch_size_curve_[-1] == X.shape[0]
    if batch_size == 32:
        assert model.batch_size_curve_[0] == 32
    assert model.gradient_norm_curve_[-1] <= 1e-10
    assert_allclose(arrays.read(model.coef_), coef, rtol=0, atol=1e-6)
    assert abs(float(model.intercept_) - intercept) <= 1e-6
    if penalty == "l1":
        # The proximal step sets the coefficients of the inactive features to zero exactly.
        assert np.array_equal(arrays.read(model.coef_) == 0, coef == 0)
        assert (coef == 0).sum() >= 2


def _namespace_objective(X, y, weight, datafit, penalty):
    """The objective a fit on these arrays of array_api_strict trains."""
    from sklearn_adam._array_api import NamespaceObjective
    from sklearn_adam._namespace import ArrayNamespace
    from sklearn_adam._objective import Standardization

    arrays = Arrays("array_api_strict")
    standardization = Standardization.fit(X, y[:, None], weight, center=True, scale=True)
    with sklearn.config_context(array_api_dispatch=True):
        namespace = ArrayNamespace.of(arrays(X))
    return NamespaceObjective(
        arrays(X), arrays(y[:, None]), arrays(weight), datafit=datafit, penalty=penalty,
        standardization=standardization, rows=None, namespace=namespace,
    )


class ShiftedSquaredError(SquaredError):
    """Another loss, which inherits SquaredError's declarations but not their truth."""

    def pointwise(self, xp, prediction, y, y_scale):
        return super().pointwise(xp, prediction + 1.0, y, y_scale)


class ShiftedLeastSquares(AdamLinearRegressor):
    def _objective_parts(self):
        return ShiftedSquaredError(), L2(self.alpha)


def test_namespace_normal_equations_serve_only_what_declares_itself_quadratic():
    from sklearn_adam._engine import NormalEquationSteps

    X, y, weight = _problem()
    cases = [
        (SquaredError(), L2(5.0), NormalEquationSteps),
        (PseudoHuber(DELTA), L2(5.0), NamespaceEpochs),
        (SquaredError(), L1(5.0), NamespaceEpochs),
        (ShiftedSquaredError(), L2(5.0), NamespaceEpochs),
    ]
    for datafit, penalty, driver in cases:
        objective = _namespace_objective(X, y, weight, datafit, penalty)
        chosen = objective.epoch_driver(Adam(), full_batch=True, single_epoch=False)
        assert type(chosen) is driver, (datafit, penalty)


class StepWithoutSizes:
    """Plain gradient descent, following the solver protocol, with no step sizes."""

    def init(self, params):
        return None

    def update(self, grads, state, learning_rate, params=None):
        return [-learning_rate * grad for grad in grads], state


def test_a_solver_without_step_sizes_is_refused_a_non_smooth_penalty():
    X, y, weight = _problem()
    arrays = Arrays("array_api_strict")
    with sklearn.config_context(array_api_dispatch=True), pytest.raises(
        TypeError, match="StepWithoutSizes needs a step_sizes"
    ):
        PseudoHuberLasso(alpha=1.0, solver=StepWithoutSizes()).fit(arrays(X), arrays(y))
    # A smooth penalty needs none.
    with sklearn.config_context(array_api_dispatch=True), pytest.warns(ConvergenceWarning):
        model = PseudoHuberRidge(alpha=1.0, solver=StepWithoutSizes(), max_iter=3).fit(
            arrays(X), arrays(y)
        )
    assert model.n_steps_ == 3


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_dask_fit_reaches_scipys_minimizer_by_round_trips(client, penalty):
    import distributed
    from dask import array as da
    from dask.utils import key_split

    X, y, weight = _problem()
    estimator, alpha = ESTIMATORS[penalty]
    coef, intercept = _scipy_minimizer(X, y, weight, alpha, penalty)
    chunks = [da.from_array(a, chunks=(80,) + a.shape[1:]) for a in (X, y, weight)]
    with distributed.get_task_stream(client) as stream:
        model = estimator(alpha=alpha).fit(chunks[0], chunks[1], sample_weight=chunks[2])
    assert_allclose(model.coef_, coef, rtol=0, atol=1e-6)
    assert abs(model.intercept_ - intercept) <= 1e-6
    assert model.gradient_norm_curve_[-1] <= 1e-10
    # Refused by the normal equations (160 rows of 5 columns would pay):
    # one round trip to the two blocks per step, the datafit sent with each.
    counts = {}
    for task in stream.data:
        counts[key_split(task["key"])] = counts.get(key_split(task["key"]), 0) + 1
    assert "block_normal_sums" not in counts
    assert counts["block_gradient_sums"] == 2 * len(model.loss_curve_)
    if penalty == "l1":
        assert np.array_equal(model.coef_ == 0, coef == 0)


def test_dask_normal_equations_refuse_a_subclass_of_squared_error(client):
    import distributed
    from dask import array as da
    from dask.utils import key_split

    X, y, _ = _problem()
    X_dask, y_dask = (da.from_array(a, chunks=(80,) + a.shape[1:]) for a in (X, y))
    with distributed.get_task_stream(client) as stream, pytest.warns(ConvergenceWarning):
        model = ShiftedLeastSquares(max_iter=4).fit(X_dask, y_dask)
    names = [key_split(task["key"]) for task in stream.data]
    assert "block_normal_sums" not in names
    assert names.count("block_gradient_sums") == 2 * 4 == 2 * model.n_steps_


def _standardized(coef, intercept, standardization):
    """Parameters in the data's units as the standardized ones the objectives take."""
    x_center, x_scale = standardization.x_center, standardization.x_scale
    y_center, y_scale = standardization.y_center, standardization.y_scale
    standardized_coef = coef[None, :] * x_scale / y_scale[:, None]
    standardized_intercept = (intercept - y_center + coef @ x_center) / y_scale
    return [standardized_coef, standardized_intercept]


def test_exact_stationarity_of_both_backends_vanishes_at_scipys_minimizer(client):
    # The full pass that judges a fit whose mini-batches stalled (gradient_norm):
    # for L1, the subdifferential distance, zero at the minimizer although
    # the data's gradient is not.
    from dask import array as da

    from sklearn_adam._distributed._inputs import check_dask_data
    from sklearn_adam._distributed._training import DistributedObjective

    X, y, weight = _problem()
    alpha = ESTIMATORS["l1"][1]
    coef, intercept = _scipy_minimizer(X, y, weight, alpha, "l1")
    namespace_objective = _namespace_objective(X, y, weight, PseudoHuber(DELTA), L1(alpha))
    data = check_dask_data(
        PseudoHuberLasso(), *(da.from_array(a, chunks=80) for a in (X, y, weight)), reset=True
    )
    dask_objective = DistributedObjective(
        data, datafit=PseudoHuber(DELTA), penalty=L1(alpha),
        standardization=namespace_objective.standardization,
    )
    at_minimizer = _standardized(coef, intercept, namespace_objective.standardization)
    at_zero = [np.zeros_like(p) for p in at_minimizer]
    for objective in (namespace_objective, dask_objective):
        assert objective.gradient_norm(at_minimizer) < 1e-7
        assert objective.gradient_norm(at_zero) > 1e-2
