"""The full-batch stopping rule, specified once: :func:`judge`.

A full-batch step is judged by its loss and the norm of its exact gradient,
both taken before the step. The rule's standing between steps is three plain
numbers (:class:`Standing`), so that a driver that runs many steps in one
compiled call takes the standing in and gives it back, and the monitor
(:class:`~sklearn_adam._progress.GradientMonitor`) applies it; nothing below
the monitor holds or changes the monitor itself. The kernels implement the
same rule (their ``judge``), reporting integer codes that their
``OUTCOME_NAMES`` turn into the names below; ``tests/test_stopping_rule.py``
holds the two equal.
"""

import math
from typing import NamedTuple

# What ended a run of full-batch steps, or a step's verdict.
CONVERGED = "converged"
STALLED = "stalled"
GOING_ON = "going on"
NOT_FINITE = "not finite"
RAN_OUT = "ran out"


class Standing(NamedTuple):
    """Where the full-batch stopping rule stands after the steps judged so far.

    Parameters
    ----------
    best_loss : float
        The smallest loss since the last restart (inf before the first step).
    best_gradient : float
        The smallest gradient norm since the last restart (inf before the
        first step).
    n_stalled : int
        Steps in a row without progress.
    """

    best_loss: float = math.inf
    best_gradient: float = math.inf
    n_stalled: int = 0


def reached(norm, target):
    """Whether a full-batch step whose gradient has this norm has converged.

    Such a step is not taken: the parameters left are those judged. Every
    driver asks this before a full-batch step; :func:`judge` asks it too.

    Parameters
    ----------
    norm : float
        The stationarity measure of the exact gradient (its norm, for a
        smooth objective).
    target : float
        A negative target is never reached.

    Returns
    -------
    bool
    """
    return norm <= target


def judge(loss, norm, standing, target, patience):
    """Judge one full-batch step by its loss and gradient norm, taken before the step.

    A step makes progress when its loss or its gradient norm beats the best
    so far, by any amount. The step has converged, and is not taken, when
    the norm is at most ``target``; otherwise, after ``patience`` steps in
    a row without progress, the steps have stalled. A loss or norm that is
    not finite is judged no further: the standing stays as it was.

    Parameters
    ----------
    loss : float
    norm : float
        The stationarity of the exact gradient: its norm, for a smooth
        objective (see :func:`~sklearn_adam._objective._penalties.stationarity`).
    standing : Standing or tuple
        ``(best_loss, best_gradient, n_stalled)`` before this step.
    target : float
        Gradient norm at which the steps have converged; a negative target
        never converges.
    patience : int
        Steps in a row without progress after which the steps have stalled.

    Returns
    -------
    outcome : {"converged", "stalled", "going on", "not finite"}
        :data:`CONVERGED`, :data:`STALLED`, :data:`GOING_ON` or :data:`NOT_FINITE`.
    standing : Standing
        After this step.

    Examples
    --------
    >>> from sklearn_adam._stopping import Standing, judge
    >>> judge(1.0, 0.5, Standing(), target=0.1, patience=2)
    ('going on', Standing(best_loss=1.0, best_gradient=0.5, n_stalled=0))
    >>> judge(1.0, 0.05, Standing(1.0, 0.5, 0), target=0.1, patience=2)
    ('converged', Standing(best_loss=1.0, best_gradient=0.05, n_stalled=0))
    """
    standing = Standing(*standing)
    if not (math.isfinite(loss) and math.isfinite(norm)):
        return NOT_FINITE, standing
    progress = loss < standing.best_loss or norm < standing.best_gradient
    standing = Standing(
        min(standing.best_loss, loss),
        min(standing.best_gradient, norm),
        0 if progress else standing.n_stalled + 1,
    )
    if reached(norm, target):
        return CONVERGED, standing
    return (STALLED if standing.n_stalled >= patience else GOING_ON), standing
