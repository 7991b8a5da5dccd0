"""Training a loss with a kink: on its smoothing, narrowed in rounds, then finished exactly.

The absolute error and the pinball loss have no derivative where a residual
is zero (:mod:`sklearn_adam._objective._robust`), and at their minimizer
some residuals are exactly zero: gradient steps on them can only hover
around it. So ``fit`` trains on the loss smoothed over a width ``h``, first
:data:`FIRST_WIDTH` of the targets' spread, until the gradient of that smooth
objective is small, and then asks the exact finish
(:mod:`sklearn_adam._objective._finish`) for the minimizer that the split of
the rows suggests. The finish certifies its candidate by the distance of
zero to the subdifferential; once that is within the target of ``tol``
training has converged, exactly. Otherwise the width shrinks by
:data:`SHRINK` and training goes on where it stood, down to
:data:`SMALLEST_WIDTH`.

``partial_fit`` and early stopping train on the loss smoothed over
:data:`STREAM_WIDTH` of the targets' spread (of the rows at hand), never
finished: neither sees all rows at once, and the
smoothing changes the objective by at most ``h max(q, 1 - q)^2 / 2`` of the
targets' scale per row, a relative change far below their own noise.
"""

import copy
import dataclasses

import numpy as np

from ._averaging import continue_from_average
from ._objective._finish import StandardizedRows, distance_at, finish, serves
from ._objective._robust import AbsoluteError
from ._training import History, train

FIRST_WIDTH = 0.1
SHRINK = 0.1
SMALLEST_WIDTH = 1e-8
STREAM_WIDTH = 1e-3
# A round at width h ends once the smooth objective's gradient norm is at
# most ROUND_TOLERANCE * h (or tol, if larger): enough to split the rows.
ROUND_TOLERANCE = 1e-2
# A Huber scale (over the targets' scale) below this has collapsed: see
# finish_collapsed_scale.
COLLAPSED_SCALE = 1e-3


def has_kink(datafit):
    """Whether ``datafit`` is trained on its smoothing (its own class says it is not smooth).

    Parameters
    ----------
    datafit : object

    Returns
    -------
    bool
    """
    return not vars(type(datafit)).get("smooth", True) and hasattr(datafit, "with_smoothing")


def objective_to_train(objective, sees_every_row):
    """What a run trains, and whether it finishes exactly.

    A loss with a kink is finished exactly where ``fit`` sees every row and
    nothing else decides when to stop (no early stopping); elsewhere it is
    trained smoothed over :data:`STREAM_WIDTH` of the targets' spread. Any
    other loss is trained as it is.

    Parameters
    ----------
    objective : object
    sees_every_row : bool
        Whether the run trains on every row until its own stopping rule.

    Returns
    -------
    objective : object
    exact : bool
        Whether to train it by :func:`train_to_exact`.
    """
    if not has_kink(objective.datafit):
        return objective, False
    if sees_every_row and can_finish(objective):
        return objective, True
    return smoothed(objective, STREAM_WIDTH * targets_spread(objective)), False


def can_finish(objective):
    """Whether the exact finish serves ``objective``: it reads its rows, and its penalty.

    The objective says what the finish reads of its rows (``finish_rows``);
    the finish says which penalties it solves for (its ``SERVES``: the
    ridge, lasso and elastic-net penalties), by the names their own classes
    declare.

    Parameters
    ----------
    objective : object

    Returns
    -------
    bool
    """
    return hasattr(objective, "finish_rows") and serves(objective.penalty)


def smoothed(objective, width):
    """``objective`` with its datafit smoothed over ``width``.

    Parameters
    ----------
    objective : object
        Any objective that holds a ``datafit``.
    width : float

    Returns
    -------
    objective : object
        A shallow copy; ``objective`` is not changed.
    """
    twin = copy.copy(objective)
    twin.datafit = objective.datafit.with_smoothing(width)
    return twin


def train_to_exact(state, plan):
    """Train ``plan``'s objective (of a loss with a kink) to its exact minimizer.

    Parameters
    ----------
    state : FitState
        Advanced in place; its ``params`` end at the certified minimizer
        where the finish certified one.
    plan : TrainingPlan
        Whose objective holds the exact datafit.

    Returns
    -------
    history : History
        The rounds' epochs, one after another; ``converged`` where the last
        finish was certified (or a callback asked to stop, which ends the
        rounds), and ``stationarity`` the distance it reached.
    """
    progress = state.progress
    target = progress.target
    width = FIRST_WIDTH * targets_spread(plan.objective)
    smallest = SMALLEST_WIDTH * width / FIRST_WIDTH
    history = History()
    while True:
        _set_target(progress, max(target, ROUND_TOLERANCE * width))
        train(state, dataclasses.replace(plan, objective=smoothed(plan.objective, width)),
              history)
        continue_from_average(state)
        result = finish(plan.objective, state.params, width, target)
        history.stationarity = result.distance
        if result.distance <= target:
            for param, value in zip(state.params, result.params):
                param[...] = value
            history.converged = True
            break
        if history.stop_requested:
            history.converged = True
            break
        if len(history.losses) >= plan.max_iter or width <= smallest:
            # The warning tells how far the parameters returned are.
            history.stationarity = distance_at(plan.objective, state.params)
            history.converged = False
            break
        width *= SHRINK
        progress.monitor.restart_patience()
    _set_target(progress, target)
    return history


def finish_collapsed_scale(state, objective, history):
    """Where the Huber loss's best scale is zero, its minimizer: that of the absolute error.

    When more than ``1 - 1 / epsilon^2`` of the weight can be fitted
    exactly, HuberRegressor's objective falls as the scale shrinks to zero,
    where its datafit is ``2 epsilon`` times the absolute error of the same
    coefficients: the scale's steps head for zero and the gradient of the
    others never settles. Where a fit ended so, short of its target, with a
    scale near zero, the exact finish of the absolute error (with the
    penalty divided by ``2 epsilon``: every part of it, ridge, lasso or
    elastic net, is linear in its weights) gives the coefficients, and the scale
    is zero: a minimizer, certified by the distance of zero to the joint
    subdifferential (that of the coefficients, and the scale's own
    condition, that the objective does not fall as the scale grows).

    Parameters
    ----------
    state : FitState
        Its parameters become the certified minimizer, if there is one.
    objective : object
        The Huber objective trained.
    history : History
        Marked converged where the finish is certified.

    Returns
    -------
    history : History
    """
    scale = state.params[-1]
    if (history.converged or vars(type(objective.datafit)).get("name") != "huber"
            or not can_finish(objective) or np.any(np.abs(scale) > COLLAPSED_SCALE)):
        return history
    epsilon = objective.datafit.epsilon
    absolute = copy.copy(objective)
    absolute.datafit = AbsoluteError()
    absolute.penalty_weights = objective.penalty_weights / (2 * epsilon)
    continue_from_average(state)
    result = finish(absolute, state.params[:-1], COLLAPSED_SCALE, state.progress.target)
    rows = StandardizedRows(absolute, len(state.params) > 2)
    residuals = rows.residuals(*(list(result.params) + [None])[:2])
    exact = np.abs(residuals) <= 1e-9
    # The objective's slope as the scale leaves zero, per target: the rows
    # fitted exactly count 1, the others 1 - epsilon^2.
    slope = rows.weight @ np.where(exact, 1.0, 1 - epsilon * epsilon) / rows.weight_sum
    distance = float(np.hypot(2 * epsilon * result.distance,
                              np.linalg.norm(np.minimum(slope, 0.0))))
    history.stationarity = distance
    if distance <= state.progress.target:
        for param, value in zip(state.params, result.params):
            param[...] = value
        scale[...] = 0.0
        history.converged = True
    return history


def targets_spread(objective):
    """The targets' spread in the units the widths are in: one where they are scaled.

    Without standardization the residuals are in the targets' own units,
    and the widths follow their spread (the largest of the targets').
    """
    if np.any(objective.standardization.y_scale != 1) or not can_finish(objective):
        return 1.0
    y, weight = objective.finish_rows().targets()
    y = np.asarray(y, dtype=np.float64).reshape(weight.shape[0], -1)
    mean = weight @ y / weight.sum()
    spread = float(np.sqrt((weight @ (y - mean) ** 2 / weight.sum()).max()))
    return spread if spread > 0 else 1.0


def _set_target(progress, target):
    progress.target = target
    if hasattr(progress.monitor, "target"):
        progress.monitor.target = target
