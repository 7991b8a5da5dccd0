"""A datafit and a penalty written here, not in the package, trained by the estimator.

The objective is data: a datafit (the loss of one prediction) and a penalty
(with its proximal operator) that the package has never seen train through
the numpy epochs, mini-batches and full batches, and reach the minimizer
that scipy finds for the same objective; the fast paths that implement only
the squared error and the ridge penalty refuse them, and the general path
takes over. The other backends' twins of these tests are in
``test_objective_backends.py``.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._engine import CompiledEpochs, NormalEquationSteps, NumpyEpochs, epoch_driver
from sklearn_adam._objective import L2, Objective, SquaredError, Standardization, TrainingRows
from sklearn_adam._objective._datafits import IdentityLink
from sklearn_adam._rules import Adam


class PseudoHuber:
    """delta**2 * (sqrt(1 + (r / delta)**2) - 1) of the residual r, in the data's units."""

    name = "pseudo_huber"
    centers_y = False
    scales_y = False
    link = IdentityLink()
    default_scoring = "d2"

    def __init__(self, delta=1.0):
        self.delta = delta

    def pointwise(self, xp, prediction, y, y_scale):
        residual = prediction - y
        root = xp.sqrt(1 + (residual / self.delta) ** 2)
        return self.delta**2 * (root - 1), residual / root


class L1:
    """The lasso's alpha * ||w||_1 next to the squared error: alpha / (S scale_j scale_y) each."""

    name = "l1"
    smooth = False

    def __init__(self, alpha):
        self.alpha = alpha

    @property
    def active(self):
        return self.alpha > 0

    def weights(self, standardization, weight_sum, weight_unit=1.0):
        # Standardized coefficients are w_j * scale_j / scale_y, and the
        # squared error is divided by scale_y**2: the weight that leaves
        # alpha * ||w||_1 next to half the weighted sum of squares.
        scales = standardization.x_scale * standardization.y_scale[:, None]
        return self.alpha / (weight_unit * weight_sum * scales)

    def value(self, xp, coef, weights):
        return xp.sum(weights * xp.abs(coef))

    def gradient(self, xp, coef, weights):
        raise AssertionError("a penalty that is not smooth is never asked for a gradient")

    def prox(self, xp, coef, steps, weights):
        threshold = steps * weights
        return xp.sign(coef) * xp.maximum(xp.abs(coef) - threshold, 0.0)

    def subdiff_distance(self, xp, coef, gradient, weights):
        at_zero = xp.maximum(xp.abs(gradient) - weights, 0.0)
        away = xp.abs(gradient + weights * xp.sign(coef))
        return xp.where(coef == 0, at_zero, away)


class PartsRegressor(AdamLinearRegressor):
    """The estimator with the datafit and penalty of this module."""

    parts = (PseudoHuber(), L2(0.0))

    def _objective_parts(self):
        return self.parts


def make_data(n_samples=400, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 4) * [1.0, 3.0, 0.5, 2.0] + [0.0, 5.0, -1.0, 2.0]
    y = X @ [1.5, -0.3, 0.0, 0.4] + 2.0 + rng.standard_t(2, n_samples)
    weight = rng.uniform(0.5, 2.0, n_samples)
    return X, y, weight


def scipy_minimizer(X, y, weight, data_loss, l2=0.0, l1=0.0):
    """(coef, intercept) minimizing sum(weight * loss(residual)) + l2/2 |w|^2 + l1 |w|_1.

    L-BFGS-B on the coefficients split in positive and negative parts
    (bounded below by zero), which makes the L1 term smooth.
    """
    n_features = X.shape[1]

    def objective(z):
        positive, negative, intercept = z[:n_features], z[n_features:-1], z[-1]
        coef = positive - negative
        value, derivative = data_loss(X @ coef + intercept - y)
        grad_coef = X.T @ (weight * derivative) + l2 * coef
        total = weight @ value + 0.5 * l2 * coef @ coef + l1 * (positive + negative).sum()
        grad = np.concatenate([grad_coef + l1, -grad_coef + l1, [weight @ derivative]])
        return total, grad

    bounds = [(0, None)] * (2 * n_features) + [(None, None)]
    result = minimize(objective, np.zeros(2 * n_features + 1), jac=True, method="L-BFGS-B",
                      bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 50_000})
    z = result.x
    return z[:n_features] - z[n_features:-1], z[-1]


def pseudo_huber_loss(residual):
    root = np.sqrt(1 + residual**2)
    return root - 1, residual / root


def squared_loss(residual):
    return 0.5 * residual**2, residual


@pytest.mark.parametrize("batch_size", [32, None], ids=["mini-batches", "full batch"])
def test_a_datafit_of_the_tests_trains_to_scipys_minimizer(batch_size):
    X, y, weight = make_data()
    alpha = 5.0
    model = PartsRegressor(batch_size=batch_size, max_iter=20_000, tol=1e-10, random_state=0)
    model.parts = (PseudoHuber(), L2(alpha))
    model.fit(X, y, sample_weight=weight)
    coef, intercept = scipy_minimizer(X, y, weight, pseudo_huber_loss, l2=alpha)
    assert_allclose(model.coef_, coef, atol=1e-6)
    assert_allclose(model.intercept_, intercept, atol=1e-6)
    if batch_size is not None:
        assert model.batch_size_curve_[0] == batch_size
        assert model.batch_size_curve_[-1] == X.shape[0]


@pytest.mark.parametrize("batch_size", [32, None], ids=["mini-batches", "full batch"])
@pytest.mark.parametrize("solver", ["adam", "amsgrad", "adamax"])
def test_a_penalty_of_the_tests_takes_proximal_steps_to_scipys_minimizer(batch_size, solver):
    X, y, weight = make_data(seed=1)
    alpha = 40.0
    model = PartsRegressor(solver=solver, batch_size=batch_size, max_iter=20_000, tol=1e-10,
                           random_state=0)
    model.parts = (SquaredError(), L1(alpha))
    model.fit(X, y, sample_weight=weight)
    coef, intercept = scipy_minimizer(X, y, weight, squared_loss, l1=alpha)
    assert_allclose(model.coef_, coef, atol=1e-6)
    assert_allclose(model.intercept_, intercept, atol=1e-6)
    # The proximal steps give exact zeros where the lasso has them.
    assert (coef == 0).any()
    assert_allclose(model.coef_ == 0, coef == 0)


def training_objective(datafit, penalty, X, y, weight):
    standardization = Standardization.fit(X, y[:, None], weight, center=True, scale=True)
    data = TrainingRows(X, y[:, None], weight)
    return Objective(datafit, penalty, data, standardization)


@pytest.mark.parametrize("parts", [(PseudoHuber(), L2(1.0)), (SquaredError(), L1(1.0))],
                         ids=["datafit", "penalty"])
def test_the_fast_paths_refuse_what_they_do_not_implement(parts):
    X, y, weight = make_data()
    objective = training_objective(*parts, X, y, weight)
    assert not NormalEquationSteps.serves(objective)
    assert CompiledEpochs.for_fit(objective, Adam(), full_batch=True) is None
    for full_batch in (True, False):
        assert isinstance(epoch_driver(objective, Adam(), full_batch=full_batch), NumpyEpochs)


def test_a_subclass_of_the_squared_error_is_not_served_as_its_parent():
    class ScaledSquares(SquaredError):
        def pointwise(self, xp, prediction, y, y_scale):
            loss, derivative = super().pointwise(xp, prediction, y, y_scale)
            return 2 * loss, 2 * derivative

    X, y, weight = make_data()
    objective = training_objective(ScaledSquares(), L2(1.0), X, y, weight)
    assert isinstance(epoch_driver(objective, Adam(), full_batch=True), NumpyEpochs)
    # Its own objective, not the parent's, is what the fit minimizes.
    builtin = training_objective(SquaredError(), L2(1.0), X, y, weight)
    assert not isinstance(epoch_driver(builtin, Adam(), full_batch=True), NumpyEpochs)
    # Nor is its loss trusted to take the targets' center and scale as its
    # parent's does: it gets the targets as they are, so that alpha means
    # the same on y and on 10 * y (the ridge solution scales with y).
    fits = []
    for scale in (1.0, 10.0):
        model = PartsRegressor(alpha=5.0, tol=1e-12, max_iter=20_000, random_state=0)
        model.parts = (ScaledSquares(), L2(5.0))
        fits.append(model.fit(X, scale * y, sample_weight=weight))
    assert fits[0]._fit_state.standardization.y_scale == 1
    assert fits[0]._fit_state.standardization.y_center == 0
    assert_allclose(fits[1].coef_, 10 * fits[0].coef_, rtol=1e-7)


def test_a_solver_without_step_sizes_is_refused_for_a_proximal_penalty_before_any_work():
    class PlainDescent:
        def init(self, params):
            return None

        def update(self, grads, state, learning_rate, params):
            return [-learning_rate * g for g in grads], state

    X, y, weight = make_data()
    model = PartsRegressor(solver=PlainDescent())
    model.parts = (SquaredError(), L1(1.0))
    with pytest.raises(TypeError, match="step_sizes"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


def test_a_penalty_whose_weights_differ_between_targets_fits_each_as_scipy_does():
    # The L1 weights hold each target's scale: two targets of other spreads
    # are two lassos with the same alpha.
    X, y, weight = make_data(seed=2)
    targets = np.column_stack([y, 10.0 * y[::-1] + 3.0])
    model = PartsRegressor(max_iter=20_000, tol=1e-10, random_state=0)
    model.parts = (SquaredError(), L1(40.0))
    model.fit(X, targets, sample_weight=weight)
    for column in range(2):
        coef, intercept = scipy_minimizer(X, targets[:, column], weight, squared_loss, l1=40.0)
        assert_allclose(model.coef_[column], coef, atol=1e-6 * max(1, np.abs(coef).max()))
        assert_allclose(model.intercept_[column], intercept, atol=1e-5)
        assert_allclose(model.coef_[column] == 0, coef == 0)


class LogLink:
    """The prediction is the exponential of the linear predictor."""

    def inverse(self, xp, linear_predictor):
        return xp.exp(linear_predictor)


class PoissonLoss:
    """Poisson's half deviance of the mean exp(eta), up to terms of y alone: exp(eta) - y eta."""

    name = "poisson_of_the_tests"
    centers_y = False
    scales_y = False
    link = LogLink()
    default_scoring = "d2"

    def pointwise(self, xp, linear_predictor, y, y_scale):
        mean = xp.exp(linear_predictor)
        return mean - y * linear_predictor, mean - y


def test_a_datafit_with_its_own_link_trains_and_predicts_as_poisson_regression():
    from sklearn.linear_model import PoissonRegressor

    rng = np.random.RandomState(3)
    X = rng.randn(500, 3) * [1.0, 0.5, 2.0] + [0.0, 1.0, -1.0]
    y = rng.poisson(np.exp(X @ [0.3, -0.4, 0.2] + 0.5)).astype(float)
    weight = rng.uniform(0.5, 2.0, 500)
    model = PartsRegressor(max_iter=20_000, tol=1e-10, random_state=0)
    model.parts = (PoissonLoss(), L2(0.0))
    model.fit(X, y, sample_weight=weight)
    peer = PoissonRegressor(alpha=0.0, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    peer.fit(X, y, sample_weight=weight)
    assert_allclose(model.coef_, peer.coef_, atol=1e-6)
    assert_allclose(model.intercept_, peer.intercept_, atol=1e-6)
    # predict returns the mean through the datafit's link, as the peer's does.
    assert_allclose(model.predict(X), peer.predict(X), rtol=1e-5)
    assert_allclose(model.predict(X), np.exp(X @ model.coef_ + model.intercept_), rtol=1e-12)


def test_warm_starts_with_a_datafit_and_a_penalty_of_the_tests_resume_exactly():
    # Two warm fits of k epochs are one fit of 2k, bit for bit: the proximal
    # steps and mini-batches resume from the one fit state.
    X, y, weight = make_data(seed=4)
    settings = dict(batch_size=64, batch_growth=1.0, random_state=0)
    once = PartsRegressor(max_iter=10, **settings)
    once.parts = (PseudoHuber(), L1(20.0))
    with pytest.warns(ConvergenceWarning):
        once.fit(X, y, sample_weight=weight)
    twice = PartsRegressor(max_iter=5, warm_start=True, **settings)
    twice.parts = (PseudoHuber(), L1(20.0))
    with pytest.warns(ConvergenceWarning):
        twice.fit(X, y, sample_weight=weight).fit(X, y, sample_weight=weight)
    assert_array_equal(twice.coef_, once.coef_)
    assert_array_equal(twice.loss_curve_, once.loss_curve_)
    assert (once.coef_ == 0).any()


def test_a_stream_of_chunks_trains_a_datafit_and_a_penalty_of_the_tests():
    X, y, weight = make_data(n_samples=800, seed=5)
    model = PartsRegressor(batch_size=50, random_state=0)
    model.parts = (PseudoHuber(), L1(20.0))
    for _ in range(40):
        for rows in np.array_split(np.arange(800), 4):
            model.partial_fit(X[rows], y[rows], sample_weight=weight[rows])
    # Each chunk weighs alpha against its own rows, as the ridge penalty
    # does in a stream: four chunks of the same weight minimize the loss of
    # all rows with four times alpha. Constant-rate steps of 50 rows end
    # near that optimum, not on it.
    coef, intercept = scipy_minimizer(X, y, weight, pseudo_huber_loss, l1=4 * 20.0)
    assert_allclose(model.coef_, coef, atol=0.01)
    assert_allclose(model.intercept_, intercept, atol=0.01)


def test_early_stopping_scores_a_datafit_of_the_tests_by_its_own_loss():
    # Without a scoring, the held-out score is the share of the loss of
    # predicting the mean that the model explains, by the datafit's loss.
    X, y, weight = make_data(seed=6)
    X_val, y_val, weight_val = make_data(n_samples=150, seed=7)
    model = PartsRegressor(early_stopping=True, batch_size=32, max_iter=30, random_state=0)
    model.parts = (PseudoHuber(), L2(1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=weight, X_val=X_val, y_val=y_val,
                  sample_weight_val=weight_val)
    loss, _ = pseudo_huber_loss(X_val @ model.coef_ + model.intercept_ - y_val)
    mean = weight_val @ y_val / weight_val.sum()
    null, _ = pseudo_huber_loss(mean - y_val)
    expected = 1 - (weight_val @ loss) / (weight_val @ null)
    assert_allclose(model.best_validation_score_, expected, rtol=1e-10)
    assert 0 < expected < 1
