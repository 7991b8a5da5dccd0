"""Newton epochs for the smooth losses that give their curvature (huber, poisson, gamma).

A full-batch ``fit`` of these losses on at least ``SMALLEST_PROBLEM`` values
of ``X`` takes Newton steps on the local quadratic model
(:mod:`sklearn_adam._engine._newton`): tens of epochs where Adam's take
hundreds, to the same certificate, the exact gradient norm within ``tol``.
The references are the peers at their tightest (Huber's polished to the
optimum of its objective, as in test_huber.py) and the gradient written out
here in the data's units.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from loss_data import targets_for
from numpy.testing import assert_allclose
from sklearn.linear_model import GammaRegressor, PoissonRegressor
from test_huber import huber_objective, make_data, reference

from sklearn_adam import Adam, AdamLinearRegressor
from sklearn_adam._engine import NumpyEpochs, epoch_driver
from sklearn_adam._engine._newton import SMALLEST_PROBLEM, NewtonEpochs, newton_driver
from sklearn_adam._objective import L2, Objective, SquaredError, Standardization, TrainingRows
from sklearn_adam._objective._counts import PoissonDeviance
from sklearn_adam._objective._curvature import hessians
from sklearn_adam._objective._elastic_net import L1
from sklearn_adam._objective._huber import HuberLoss

PEERS = {"poisson": PoissonRegressor, "gamma": GammaRegressor}
# Rows of the four features of the test data that Newton's epochs serve.
N_SAMPLES = SMALLEST_PROBLEM // 4


def fit_quietly(model, X, y, **kwargs):
    """Fit with every warning an error: these fits must converge without one."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return model.fit(X, y, **kwargs)


def objective_of(datafit, penalty, X, y, weight=None):
    """The in-memory training objective of ``datafit`` and ``penalty`` on standardized rows."""
    y = y.reshape(len(y), -1)
    weight = np.ones(len(y)) if weight is None else weight
    standardization = Standardization.fit(X, y, weight, center=True, scale=True)
    return Objective(datafit, penalty, TrainingRows(X, y, weight), standardization)


@pytest.mark.parametrize("loss", ["poisson", "gamma"])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_counts_agree_with_the_peer_at_its_tightest_in_tens_of_epochs(loss, alpha):
    X, y = targets_for(loss, n_samples=N_SAMPLES)
    peer = PEERS[loss](alpha=alpha, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(X, y)
    model = fit_quietly(AdamLinearRegressor(loss=loss, alpha=alpha, tol=1e-12), X, y)
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-9)
    assert_allclose(model.intercept_, peer.intercept_, rtol=0, atol=1e-9)
    # Adam's epochs take hundreds here.
    assert model.n_iter_ <= 30


@pytest.mark.parametrize("alpha", [0.0, 3.0])
def test_huber_reaches_the_optimum_of_its_objective(alpha):
    X, y = make_data(n_samples=N_SAMPLES)
    _, (coef, intercept, scale) = reference(X, y, alpha)
    model = fit_quietly(AdamLinearRegressor(loss="huber", alpha=alpha, tol=1e-12), X, y)
    # The reference itself stops about 1e-8 (relative) from the optimum:
    # ours is as close, and no higher.
    assert_allclose(model.coef_, coef, rtol=1e-6)
    assert_allclose(model.intercept_, intercept, rtol=1e-6)
    assert_allclose(model.scale_, scale, rtol=1e-6)
    ours = huber_objective(X, y, model.coef_, model.intercept_, model.scale_, alpha)
    assert ours <= huber_objective(X, y, coef, intercept, scale, alpha) * (1 + 1e-13)
    assert model.n_iter_ <= 40


def poisson_standardized_gradient(model, X, y, weight, alpha):
    """The gradient of the fit's objective in its standardized parameters, written out.

    Half the mean Poisson deviance plus ``alpha / 2 ||w||^2`` in the data's
    units, by the chain rule through ``w = w~ / sigma`` and ``b = b~ - mu w``
    (the targets of a log link are centered, not scaled).
    """
    mean = np.exp(X @ model.coef_ + model.intercept_)
    by_prediction = weight * (mean - y) / weight.sum()
    coef_gradient = X.T @ by_prediction + alpha * model.coef_
    center = weight @ X / weight.sum()
    scale = np.sqrt(weight @ (X - center) ** 2 / weight.sum())
    intercept_gradient = by_prediction.sum()
    return np.r_[(coef_gradient - center * intercept_gradient) / scale, intercept_gradient]


@pytest.mark.parametrize("tol", [1e-6, 1e-10])
def test_the_certificate_is_the_exact_gradient_norm_within_tol(tol):
    X, y = targets_for("poisson", n_samples=N_SAMPLES)
    weight = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    model = fit_quietly(AdamLinearRegressor(loss="poisson", alpha=0.05, tol=tol), X, y,
                        sample_weight=weight)
    recorded = model.gradient_norm_curve_[-1]
    assert recorded <= tol
    gradient = poisson_standardized_gradient(model, X, y, weight, 0.05)
    assert np.linalg.norm(gradient) <= tol
    assert_allclose(np.linalg.norm(gradient), recorded, rtol=1e-6, atol=1e-14)


def test_the_hessian_is_the_gradients_derivative():
    # Central differences of the exact gradient, for the Huber loss and its
    # scale (the jointly fitted parameter), on sparse rows with an L2 penalty.
    X, y = make_data(n_samples=300)
    X = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    objective = objective_of(HuberLoss(), L2(2.0), X, y)
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(1, 4)) * 0.3, rng.normal(size=1) * 0.1, np.array([0.8])]
    exact = hessians(objective, params)[0]
    step = 1e-6
    numeric = np.empty_like(exact)
    for column in range(exact.shape[1]):
        gradients = []
        for sign in (1, -1):
            moved = [p.copy() for p in params]
            flat = np.concatenate([p.ravel() for p in moved])
            flat[column] += sign * step
            moved = [flat[:4].reshape(1, 4), flat[4:5], flat[5:6]]
            grads = [np.empty_like(p) for p in moved]
            objective.batch_gradient(moved, slice(None), objective.n_samples, grads)
            gradients.append(np.concatenate([g.ravel() for g in grads]))
        numeric[:, column] = (gradients[0] - gradients[1]) / (2 * step)
    assert_allclose(exact, numeric, rtol=1e-5, atol=1e-7)


class PoissonWithoutCurvature(PoissonDeviance):
    """A user's Poisson datafit: the loss and its derivative, no second derivative declared."""

    def pointwise(self, xp, prediction, y, y_scale):
        return super().pointwise(xp, prediction, y, y_scale)


class PartsRegressor(AdamLinearRegressor):
    """The estimator with a given datafit and penalty."""

    parts = (PoissonWithoutCurvature(), L2(0.0))

    def _objective_parts(self):
        return self.parts


def test_a_user_datafit_without_curvature_keeps_the_first_order_epochs():
    X, y = targets_for("poisson", n_samples=N_SAMPLES)
    user = fit_quietly(PartsRegressor(tol=1e-7, max_iter=20_000, random_state=0), X, y)
    builtin = fit_quietly(AdamLinearRegressor(loss="poisson", tol=1e-7, random_state=0), X, y)
    # The same minimizer, by Adam's epochs against a few Newton steps.
    assert_allclose(user.coef_, builtin.coef_, rtol=0, atol=1e-5)
    assert user.n_iter_ > 5 * builtin.n_iter_


def test_only_large_float64_smooth_losses_with_their_curvature_and_a_ridge_are_served():
    X, y = targets_for("poisson", n_samples=N_SAMPLES)

    def fallback():
        raise AssertionError("not built until Newton's steps fail")

    served = newton_driver(objective_of(PoissonDeviance(), L2(1.0), X, y), fallback)
    assert isinstance(served, NewtonEpochs)
    declined = [
        objective_of(PoissonWithoutCurvature(), L2(1.0), X, y),
        objective_of(PoissonDeviance(), L1(1.0), X, y),
        objective_of(SquaredError(), L2(1.0), X, y),
        objective_of(PoissonDeviance(), L2(1.0), X.astype(np.float32), y.astype(np.float32)),
        objective_of(PoissonDeviance(), L2(1.0), X[: N_SAMPLES // 2], y[: N_SAMPLES // 2]),
    ]
    for objective in declined:
        assert newton_driver(objective, fallback) is None
    # A datafit without the method is trained as before, by the solver's epochs.
    plain = epoch_driver(declined[0], Adam(), full_batch=True)
    assert isinstance(plain, NumpyEpochs)


@pytest.mark.parametrize("loss", ["poisson", "gamma", "huber"])
def test_several_targets_converge_each_as_alone_without_warnings(loss):
    X, y = targets_for(loss, n_samples=N_SAMPLES, n_targets=2)
    model = fit_quietly(AdamLinearRegressor(loss=loss), X, y)
    assert model.n_iter_ <= 40
    for target in range(2):
        alone = fit_quietly(AdamLinearRegressor(loss=loss), X, y[:, target])
        assert_allclose(model.coef_[target], alone.coef_, rtol=0, atol=1e-7)
