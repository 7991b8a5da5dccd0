"""The compiled epochs of the losses beyond squared error agree with the numpy epochs.

Absolute error, quantile (exact and smoothed), Poisson and Gamma, on dense
and CSR rows, mini-batch epochs and runs of full-batch steps, with sample
weights, several targets and the averaged iterate: trained both ways, the
compiled path switched off for the second, the models, the solver state and
every per-epoch record agree to 1e-12 (see tests/test_compiled.py, whose
comparison this takes).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from test_compiled import assert_same, assert_same_average, fit_both_ways, stream_both_ways

import sklearn_adam._kernels as compiled
from sklearn_adam import Adam, AdamLinearRegressor
from sklearn_adam._engine import CompiledEpochs, NumpyEpochs, epoch_driver
from sklearn_adam._engine._compiled import kernel_loss
from sklearn_adam._objective import L2, Objective, SquaredError, Standardization, TrainingRows
from sklearn_adam._objective._counts import _LARGEST_EXPONENT, GammaDeviance, PoissonDeviance
from sklearn_adam._objective._robust import AbsoluteError, Pinball

LOSSES = ["absolute_error", "quantile", "poisson", "gamma"]


def make_data(loss, n_targets=None, seed=0):
    """700 weighted rows of 6 features (one constant) and targets ``loss`` can take."""
    rng = np.random.RandomState(seed)
    X = rng.randn(700, 6) * [1, 10, 0.1, 3, 1, 2] + [0, 5, -2, 0, 1, 0]
    X[:, 5] = 1.5
    shape = (700,) if n_targets is None else (700, n_targets)
    coef = rng.randn(*((6,) if n_targets is None else (6, n_targets)))
    standardized = (X[:, :5] - X[:, :5].mean(axis=0)) / X[:, :5].std(axis=0)
    signal = standardized @ coef[:5]
    if loss == "poisson":
        y = rng.poisson(np.exp(0.4 * signal + 1.0)).astype(float)
    elif loss == "gamma":
        y = rng.gamma(2.0, np.exp(0.4 * signal + 1.0) / 2.0)
    else:  # heavy tails, where the robust losses matter
        y = signal + 3 + rng.standard_t(2, shape)
    weight = rng.uniform(0.2, 3, 700)
    return X, y, weight


@pytest.fixture
def compiled_calls(monkeypatch):
    """A list that gets an entry at every compiled epoch or run of full-batch passes."""
    calls = []

    def spy(original):
        def counted(*args):
            calls.append(True)
            return original(*args)

        return counted

    for name in ("epoch", "data_full_batch_steps"):
        monkeypatch.setattr(compiled, name, spy(getattr(compiled, name)))
    return calls


CONTAINERS = {"dense": np.asarray, "csr": sp.csr_matrix}
SETTINGS = {
    "mini-batch": dict(batch_size=64),
    "ridge, no shuffle, last batch short": dict(alpha=0.05, shuffle=False, batch_size=100),
    "no intercept": dict(fit_intercept=False),
    "validation split": dict(early_stopping=True),
    "nadam": dict(solver="nadam"),
    "adamax": dict(solver="adamax", alpha=0.05),
    # Runs of full-batch steps, each a compiled pass over X.
    "full batch": dict(batch_size=None, max_iter=40, learning_rate=0.05),
    "full batch, nadam, ridge": dict(batch_size=None, max_iter=40, solver="nadam", alpha=0.05),
    # The lasso and the elastic net, weighed in each loss's units: a proximal
    # step after each step.
    "lasso": dict(penalty="l1", alpha=0.01, batch_size=64),
    "elastic net, adamax, no shuffle": dict(penalty="elasticnet", alpha=0.02, solver="adamax",
                                            shuffle=False, batch_size=100),
    # Without an intercept: the first full-batch step moves a centered
    # intercept by the rate in the direction of its gradient's rounding
    # noise (a few 1e-11 apart between the paths), which the gamma fit's
    # intercept, crossing zero at the fortieth step, shows at 1e-9.
    "lasso, full batch": dict(penalty="l1", alpha=0.01, batch_size=None, max_iter=40,
                              learning_rate=0.05, fit_intercept=False),
}


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS)
@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS)
@pytest.mark.parametrize("loss", LOSSES)
def test_compiled_epochs_of_each_loss_agree_with_numpy(monkeypatch, compiled_calls, loss, container,
                                                      settings):
    X, y, weight = make_data(loss)
    fast, slow = fit_both_ways(monkeypatch, container(X), y, fit_params=dict(sample_weight=weight),
                               loss=loss, quantile=0.8, **settings)
    assert compiled_calls
    # Forty full-batch steps at a high rate carry the sums' different order
    # of addition further than mini-batch epochs do, most in the moments of
    # the intercept, whose gradient is rounding: the model and the last
    # epoch's record are compared there.
    full_batch = "batch_size" in settings and settings["batch_size"] is None
    assert_same(fast, slow, rtol=1e-9 if full_batch else 1e-12, whole_history=not full_batch)
    assert_same_average(fast, slow)


@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
@pytest.mark.parametrize("batch_size", [64, None], ids=["mini-batch", "full batch"])
@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS)
@pytest.mark.parametrize("loss", LOSSES)
def test_several_targets(monkeypatch, compiled_calls, loss, container, batch_size, penalty):
    # The quantile's penalty weighs each target by its own scale.
    X, y, weight = make_data(loss, n_targets=3)
    fast, slow = fit_both_ways(monkeypatch, container(X), y, fit_params=dict(sample_weight=weight),
                               loss=loss, quantile=0.3, alpha=0.05, batch_size=batch_size,
                               max_iter=10, penalty=penalty)
    assert fast.coef_.shape == (3, 6) and compiled_calls
    assert_same(fast, slow, rtol=1e-12)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS)
@pytest.mark.parametrize("loss", LOSSES)
def test_partial_fit_and_its_averaged_iterate_agree_with_numpy(monkeypatch, compiled_calls, loss,
                                                               container, penalty):
    # Every step of partial_fit is averaged; chunks of several batches and
    # of one, the standardization changing between them.
    X, y, weight = make_data(loss)
    models = stream_both_ways(monkeypatch, container(X), y, weight,
                              [(0, 350), (350, 400), (400, 700)], loss=loss, batch_size=50,
                              penalty=penalty, alpha=0.01 if penalty == "l1" else 0.0)
    assert models[1]._fit_state.average.n_averaged > 0 and compiled_calls
    assert_same(*models, rtol=1e-12)
    assert_same_average(*models)


class SmoothedRegressor(AdamLinearRegressor):
    """The estimator, its non-smooth loss smoothed over ``width`` (set on the instance)."""

    width = 0.0

    def _objective_parts(self):
        datafit, penalty = super()._objective_parts()
        return datafit.with_smoothing(self.width), penalty


@pytest.mark.parametrize("width", [0.01, 0.5])
@pytest.mark.parametrize("batch_size", [64, None], ids=["mini-batch", "full batch"])
@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS)
@pytest.mark.parametrize("loss", ["absolute_error", "quantile"])
def test_smoothed_losses_agree_with_numpy(monkeypatch, compiled_calls, loss, container,
                                          batch_size, width):
    X, y, weight = make_data(loss)
    models = []
    for enabled in (True, False):
        monkeypatch.setattr(compiled, "ENABLED", enabled)
        model = SmoothedRegressor(loss=loss, quantile=0.2, batch_size=batch_size, max_iter=30,
                                  random_state=0)
        model.width = width
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            models.append(model.fit(container(X), y, sample_weight=weight))
    assert models[0]._objective_parts()[0].smoothing == width and compiled_calls
    # A full batch's intercept gradient is a sum of derivatives in [-1, 1]
    # that nearly cancel: its moments are rounding noise of their size (the
    # CSR pass adds in its own order), so the model is compared there.
    assert_same(*models, rtol=1e-12, whole_history=batch_size is not None)


def smoothed_objective(container, width):
    X, y, weight = make_data("quantile")
    standardization = Standardization.fit(X, y[:, None], weight, center=True, scale=True)
    data = TrainingRows(container(X), y[:, None], weight)
    return Objective(Pinball(0.7, width), L2(1.0), data, standardization)


@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS)
def test_a_smoothing_width_changed_between_calls_is_read(container):
    # The continuation lowers the width between runs on the same driver:
    # each compiled call must take the width the datafit has then.
    objective = smoothed_objective(container, 0.5)
    solver = Adam(learning_rate=0.05)
    compiled_driver = CompiledEpochs.for_fit(objective, solver, full_batch=True)
    numpy_driver = NumpyEpochs(objective, solver)
    params = {name: [np.zeros((1, 6)), np.zeros(1)] for name in ("compiled", "numpy")}
    states = {name: solver.init(params[name]) for name in params}
    for width in (0.5, 0.05, 0.0):
        objective.datafit = objective.datafit.with_smoothing(width)
        # A mini-batch epoch, then a run of full-batch steps.
        for name, driver in (("compiled", compiled_driver), ("numpy", numpy_driver)):
            states[name] = driver.run(params[name], states[name], 0.05, 100, None).state
        *_, states["compiled"] = compiled_driver.run_steps(
            params["compiled"], states["compiled"], np.full(5, 0.05), target=0.0, patience=10)
        for _ in range(5):
            states["numpy"] = numpy_driver.run(params["numpy"], states["numpy"], 0.05, 700,
                                               None).state
        for fast, slow in zip(params["compiled"], params["numpy"]):
            assert_allclose(fast, slow, rtol=1e-12, atol=1e-14)
    # The width mattered: a driver that kept the first one ends elsewhere.
    kept = smoothed_objective(container, 0.5)
    kept_params = [np.zeros((1, 6)), np.zeros(1)]
    kept_state = solver.init(kept_params)
    kept_driver = CompiledEpochs.for_fit(kept, solver, full_batch=True)
    for _ in range(3):
        kept_state = kept_driver.run(kept_params, kept_state, 0.05, 100, None).state
        kept_driver.run_steps(kept_params, kept_state, np.full(5, 0.05), target=0.0, patience=10)
    assert np.abs(kept_params[0] - params["compiled"][0]).max() > 1e-6


@pytest.mark.parametrize("batch_size", [64, None], ids=["mini-batch", "full batch"])
@pytest.mark.parametrize("loss", LOSSES)
def test_each_loss_takes_the_compiled_path(compiled_calls, loss, batch_size):
    X, y, weight = make_data(loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AdamLinearRegressor(loss=loss, max_iter=2, batch_size=batch_size).fit(X, y)
    assert compiled_calls


class ScaledPinball(Pinball):
    """A user's variant of the pinball loss: its own loss, under its parent's name."""

    def pointwise(self, xp, prediction, y, y_scale):
        loss, derivative = super().pointwise(xp, prediction, y, y_scale)
        return 3 * loss, 3 * derivative


@pytest.mark.parametrize("datafit", [ScaledPinball(0.3), Pinball(0.3)], ids=["subclass", "own"])
def test_only_a_datafit_whose_class_names_itself_is_compiled(datafit):
    X, y, weight = make_data("quantile")
    standardization = Standardization.fit(X, y[:, None], weight, center=True, scale=True)
    objective = Objective(datafit, L2(1.0), TrainingRows(X, y[:, None], weight), standardization)
    driver = epoch_driver(objective, Adam(), full_batch=False)
    assert isinstance(driver, CompiledEpochs) == (type(datafit) is Pinball)
    assert "huber" not in compiled.SERVES["datafits"]


DATAFITS = {
    "squared error": SquaredError(),
    "pinball, exact": Pinball(0.2),
    "pinball, smoothed": Pinball(0.2, 0.3),
    "absolute error, smoothed": AbsoluteError(0.1),
    "poisson": PoissonDeviance(),
    "gamma": GammaDeviance(),
}


@pytest.mark.parametrize("datafit", DATAFITS.values(), ids=DATAFITS)
def test_the_compiled_loss_of_one_row_is_the_datafits(datafit):
    # Every branch: both sides of the smoothing band and of zero, a zero
    # Poisson target, linear predictors beyond the cap of exp.
    rng = np.random.RandomState(0)
    predictions = np.concatenate([rng.randn(40) * 2, [0.0, 0.03, -0.03, 750.0, -750.0]])
    targets = np.abs(rng.randn(predictions.size)) + 0.1
    targets[:5] = [0.0, 0.0, 0.0, 0.0, 0.0] if datafit.name == "poisson" else targets[:5]
    if datafit.link.name == "identity":
        predictions[-2:] = targets[-2:]  # a zero residual
    y_scale = np.array([1.0 if datafit.link.name == "log" else 1.7])
    expected_loss, expected_derivative = datafit.pointwise(
        np, predictions[:, None], targets[:, None], y_scale)
    group = kernel_loss(compiled, datafit)
    for i, (prediction, target) in enumerate(zip(predictions, targets)):
        total, derivative = compiled.loss_and_derivative(
            group, 0.5, prediction, target, (prediction - target) / y_scale[0], 1.0)
        assert_allclose(total, 1.0 + 0.5 * expected_loss[i, 0], rtol=1e-14)
        assert_allclose(derivative, 0.5 * expected_derivative[i, 0], rtol=1e-14, atol=1e-300)


def test_the_kernels_cap_the_linear_predictor_where_the_datafits_do():
    assert compiled.LARGEST_EXPONENT == _LARGEST_EXPONENT
