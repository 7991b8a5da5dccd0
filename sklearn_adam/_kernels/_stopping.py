"""The stopping test of a run of full-batch steps, judged after each epoch's gradient.

The compiled twin of the estimator's gradient monitor
(:class:`sklearn_adam._progress.GradientMonitor`): a run stops, without a
step, at an epoch whose gradient norm is at most the target, or whose loss
or gradient norm is not finite; it stops after the step once neither the
loss nor the gradient norm has beaten its best for ``patience`` epochs in a
row. The rule's *standing* is what it carries from one epoch to the next:
``(best_loss, best_gradient, n_stalled)``.
"""

import math

from ._compile import kernel

# What ended a run of full-batch steps: its rates, the target reached, the
# patience spent, a loss or gradient norm not finite; GOING_ON: nothing yet.
RAN_OUT = 0
CONVERGED = 1
STALLED = 2
NOT_FINITE = 3
GOING_ON = -1

OUTCOME_NAMES = {
    RAN_OUT: "ran out",
    CONVERGED: "converged",
    STALLED: "stalled",
    NOT_FINITE: "not finite",
    GOING_ON: "going on",
}


@kernel
def judge(loss, norm, standing, target, patience):
    """Judge an epoch by its loss and gradient norm, taken before its step.

    Parameters
    ----------
    loss, norm : float
        The epoch's objective and gradient norm.
    standing : tuple of (float, float, int)
        The stopping rule's ``(best_loss, best_gradient, n_stalled)`` before
        this epoch: the smallest loss and gradient norm so far (inf at the
        start) and the epochs in a row that beat neither.
    target : float
        The gradient norm at which the run has converged.
    patience : int
        Epochs in a row without progress after which the run has stalled.

    Returns
    -------
    outcome : int
        ``NOT_FINITE`` or ``CONVERGED``: the run ends without the epoch's
        step; ``STALLED``: it ends after the step; ``GOING_ON``: it goes on.
    standing : tuple of (float, float, int)
        The standing after this epoch (as it was when not finite).
    """
    best_loss, best_gradient, n_stalled = standing
    if not (math.isfinite(loss) and math.isfinite(norm)):
        return NOT_FINITE, standing
    progress = loss < best_loss or norm < best_gradient
    standing = (min(best_loss, loss), min(best_gradient, norm), 0 if progress else n_stalled + 1)
    if norm <= target:
        return CONVERGED, standing
    return (STALLED if standing[2] >= patience else GOING_ON), standing
