r"""Full-batch epochs as Newton steps, for the smooth losses that give their curvature.

A first-order method needs hundreds of passes over the rows to bring the
gradient of a Poisson or Huber objective to ``tol``; a step on the local
quadratic model needs tens. Here one pass gathers that model's Hessian
(:mod:`sklearn_adam._objective._curvature`), a solve of its small system
gives the step :math:`d = -H^{-1} g` per target, and each epoch tries it on
the true objective: one pass gives the objective and exact gradient at
:math:`x + t d`, accepted on Armijo's sufficient decrease (halving
:math:`t` until it holds), or, where the predicted decrease is below the
objective's rounding, on a smaller gradient norm. The gradient at the
accepted point is the next epoch's, so an epoch costs one pass over the
rows, plus one for a new Hessian. The Hessian is kept for the next steps
while they shrink the gradient norm at least :data:`CONTRACTION` fold
(near the optimum it hardly changes), and gathered afresh otherwise.

An epoch reports, as every driver does, the objective and gradient norm
before its step, and takes none once that norm is at most the target: the
certificate is the same exact full-batch gradient norm the first-order
epochs stop on. Where no step along the model's direction decreases the
objective (a Hessian that misleads, as at a Huber scale collapsing to
zero), the fit goes on with the solver's own epochs from where it stands.
"""

import numpy as np
import scipy.linalg

from .._objective._curvature import has_curvature, hessians
from .._objective._layout import split_parameters
from .._stopping import reached
from ._result import EpochResult

# Armijo's constant: the share of the predicted decrease a step must achieve.
ARMIJO = 1e-4
# Halvings of the step before the model's direction is given up.
MAX_HALVINGS = 30
# Steps that shrink the gradient norm less than this fold gather a new Hessian
# (one on a sample of rows costs a fraction of a pass: see SAMPLE_ROWS).
CONTRACTION = 0.1
# A predicted decrease below this share of the objective is lost in its
# rounding: the gradient norm judges such a step instead.
ROUNDING = 1e-12
# Rows at least of the sample the Hessian is taken on, and per parameter of
# a target: a Hessian of m rows is within about sqrt(p / m) of the whole's,
# and steps on it shrink the gradient about that fold. A sample four times
# larger is taken after a full step on a fresh Hessian that shrank it less
# than POOR_CONTRACTION fold.
SAMPLE_ROWS = 50_000
SAMPLE_ROWS_PER_PARAMETER = 1_000
SAMPLE_GROWTH = 4
POOR_CONTRACTION = 0.5


# Values of X at least for Newton's epochs: below, a pass costs so little
# that Adam's hundreds of epochs take well under a second (0.3 s at 5,000 x
# 20), and the fit keeps the solver's own steps.
SMALLEST_PROBLEM = 1_000_000


def newton_driver(objective, fallback):
    """The Newton epochs of ``objective``, or None where its curvature is not served.

    Parameters
    ----------
    objective : object
        The training objective; only an in-memory
        :class:`~sklearn_adam._objective.Objective` in float64, of at least
        :data:`SMALLEST_PROBLEM` values of ``X``, whose datafit and penalty
        :func:`~sklearn_adam._objective._curvature.has_curvature` accepts, is
        served.
    fallback : callable
        ``fallback()`` builds the solver's own full-batch driver.

    Returns
    -------
    driver : NewtonEpochs or None
    """
    if hasattr(objective, "epoch_driver") or not has_curvature(objective):
        return None
    n_features = objective.standardization.x_scale.shape[0]
    if objective.n_samples * n_features < SMALLEST_PROBLEM:
        return None
    if objective.standardization.x_scale.dtype != np.float64:
        # A float32 gradient is noise well above the steps' precision near
        # the optimum; Adam's epochs reach float32's floor.
        return None
    return NewtonEpochs(objective, fallback)


class NewtonEpochs:
    """Full-batch epochs of Newton steps with a line search (see the module's docstring).

    Parameters
    ----------
    objective : Objective
    fallback : callable
        Builds the driver that takes over where a step cannot be found.
    """

    def __init__(self, objective, fallback):
        self.objective = objective
        self._make_fallback = fallback
        self.fallback = None
        self._factors = None
        # The last point evaluated: (parameters, objective, gradient).
        self._last = None
        n_params = objective.standardization.x_scale.shape[0] + 2
        self._sample_rows = max(SAMPLE_ROWS, SAMPLE_ROWS_PER_PARAMETER * n_params)

    @property
    def runs_many(self):
        """bool : Whether many epochs run to a call: those of the fallback, once it runs."""
        return self.fallback is not None and getattr(self.fallback, "runs_many", False)

    def run_steps(self, *args, **kwargs):
        """The fallback's many epochs to a call (see :attr:`runs_many`)."""
        return self.fallback.run_steps(*args, **kwargs)

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0, average=None):
        """One Newton step; see :meth:`sklearn_adam._engine.EpochDriver.run`.

        The solver's state is handed back as it came, unless the fallback
        takes over.
        """
        if self.fallback is not None:
            return self.fallback.run(params, state, learning_rate, batch_size, order,
                                     target, average)
        loss, grads = self._evaluated(params)
        norm = self.objective.stationarity(params, grads)
        if reached(norm, target) or self._step(params, loss, grads, norm):
            return EpochResult(loss, norm, state)
        self.fallback = self._make_fallback()
        return self.fallback.run(params, state, learning_rate, batch_size, order, target, average)

    def _evaluated(self, params):
        # The objective and gradient at params: kept from the last step's
        # trial where the parameters are still those.
        last = self._last
        if last is not None and all(np.array_equal(p, q) for p, q in zip(params, last[0])):
            return last[1], last[2]
        return self._evaluate(params)

    def _evaluate(self, params):
        objective = self.objective
        grads = [np.empty_like(p) for p in params]
        with np.errstate(over="ignore", invalid="ignore"):
            weighted = objective.batch_gradient(params, slice(None), objective.n_samples, grads)
            loss, _ = objective.epoch_summary(weighted, objective.penalty_value(params), grads,
                                              objective.n_samples, params[0])
        self._last = ([p.copy() for p in params], loss, grads)
        return loss, grads

    def _step(self, params, loss, grads, norm):
        """Move ``params`` along the Newton direction; whether a step was found."""
        fresh = self._factors is None
        if fresh:
            self._factors = _factorized(hessians(self.objective, params, self._hessian_rows()))
        direction = _unflattened(_solved(self._factors, _flattened(grads, self.objective)),
                                 params)
        slope = sum(float(np.sum(g * d)) for g, d in zip(grads, direction))
        if not slope < 0:
            self._factors = None
            # A stale Hessian may mislead; a fresh one that does gives up.
            return not fresh and self._step(params, loss, grads, norm)
        length = 1.0
        for _ in range(MAX_HALVINGS):
            trial = [(p + length * d).astype(p.dtype, copy=False)
                     for p, d in zip(params, direction)]
            if all(np.array_equal(p, q) for p, q in zip(params, trial)):
                break  # the step is below the parameters' precision
            trial_loss, trial_grads = self._evaluate(trial)
            trial_norm = self.objective.stationarity(trial, trial_grads)
            if _accepted(loss, trial_loss, length * slope, norm, trial_norm):
                for param, value in zip(params, trial):
                    param[...] = value
                if length < 1 or trial_norm > CONTRACTION * norm:
                    self._factors = None
                if fresh and length == 1 and trial_norm > POOR_CONTRACTION * norm:
                    # A fresh model's full step that shrank the gradient
                    # little: its sample of rows misled; take more.
                    self._sample_rows *= SAMPLE_GROWTH
                return True
            length /= 2
        self._factors = None
        return not fresh and self._step(params, loss, grads, norm)

    def _hessian_rows(self):
        # Evenly spaced training rows, about _sample_rows of them, or all.
        n_samples = self.objective.n_samples
        if self._sample_rows >= n_samples:
            return slice(None)
        return np.arange(0, n_samples, n_samples // self._sample_rows)


def _accepted(loss, trial_loss, decrease, norm, trial_norm):
    # Armijo's condition, or, where the predicted decrease is below the
    # objective's rounding, a smaller gradient norm.
    if not (np.isfinite(trial_loss) and np.isfinite(trial_norm)):
        return False
    if trial_loss <= loss + ARMIJO * decrease:
        return True
    return -decrease <= ROUNDING * abs(loss) and trial_loss <= loss + ROUNDING * abs(loss) \
        and trial_norm < norm


def _factorized(matrices):
    # Each target's Hessian factored once for the steps that reuse it:
    # Cholesky, or where the matrix is singular (a feature without
    # curvature: constant, or seen only by outliers) its pseudo-inverse.
    factors = []
    for matrix in matrices:
        try:
            factors.append(("cholesky", scipy.linalg.cho_factor(matrix)))
        except (np.linalg.LinAlgError, ValueError):
            factors.append(("pseudo-inverse", np.linalg.pinv(matrix, hermitian=True)))
    return factors


def _solved(factors, gradients):
    # The Newton direction -H^{-1} g of each target.
    directions = []
    for (kind, factor), gradient in zip(factors, gradients):
        if kind == "cholesky":
            directions.append(-scipy.linalg.cho_solve(factor, gradient))
        else:
            directions.append(-factor @ gradient)
    return directions


def _flattened(grads, objective):
    # Each target's gradient as one vector, in the Hessian's order.
    coef, intercept, extras = split_parameters(grads, objective.datafit)
    parts = [coef] + ([] if intercept is None else [intercept[:, None]])
    parts += [value[:, None] for value in extras.values()]
    return np.concatenate([np.asarray(part, dtype=np.float64) for part in parts], axis=1)


def _unflattened(directions, params):
    # The per-target vectors back in the layout of ``params``.
    directions = np.asarray(directions)
    n_features = params[0].shape[1]
    laid_out = [directions[:, :n_features]]
    laid_out += [directions[:, n_features + position] for position in range(len(params) - 1)]
    return laid_out
