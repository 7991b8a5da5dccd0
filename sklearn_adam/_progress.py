"""Where training stands, and the stopping rule that acts on stalls.

Two monitors judge progress. :class:`PlateauMonitor` tracks one value over
epochs: the validation score with early stopping, else the training loss of
mini-batch epochs, whose noise hides anything finer. Once every epoch is one
full-batch step, :class:`GradientMonitor` takes over: the exact gradient
tells how far the parameters are from the optimum, and training has
converged when its norm is at most the target. :class:`Progress` is what a
fit carries over warm starts and ``partial_fit``; :func:`relieve_stall` is
what a stall does.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._stopping import Standing, judge

# Under the "plateau" schedule the rate is lowered at most this many times;
# the next stall ends training.
MAX_PLATEAU_REDUCTIONS = 3

# Full-batch steps are judged with this many times the patience of epochs:
# an epoch of one step is short next to the bursts of Adam's momentum and
# moments, which settle over a few hundred steps.
FULL_BATCH_PATIENCE = 10

# A mini-batch epoch makes progress when its loss beats the best one by this
# fraction of it. Mini-batch losses are noisy and only decide when the batch
# grows or the rate falls; convergence is judged at full batch.
MINI_BATCH_PROGRESS = 1e-4


class PlateauMonitor:
    """Track the best value seen and count epochs without enough progress.

    An epoch makes progress when its value beats the best one so far by more
    than ``tol`` (times the best value's size if ``relative``). After
    ``patience`` epochs in a row without progress the value has *stalled*;
    the training loop then grows the batch, lowers the learning rate or stops.

    Parameters
    ----------
    tol : float
        Smallest change that counts as progress.
    patience : int
        Number of epochs in a row without progress after which the value has
        stalled.
    greater_is_better : bool
        True for scores, False for losses.
    relative : bool, default=False
        Whether ``tol`` is relative to the best value. A relative tolerance
        suits losses, which may approach zero on data that can be fitted
        exactly.

    Attributes
    ----------
    best : float or None
        Best value seen so far (None before the first update).
    n_stalled : int
        Number of epochs in a row without progress.
    """

    def __init__(self, tol, patience, greater_is_better, relative=False):
        self.tol = tol
        self.patience = patience
        self.greater_is_better = greater_is_better
        self.relative = relative
        self.best = None
        self.n_stalled = 0

    def update(self, value, epochs=1):
        """Record the value of one epoch.

        Parameters
        ----------
        value : float
        epochs : int, default=1
            The epochs this value stands for: a value taken every few epochs
            counts each of them against the patience.

        Returns
        -------
        is_best : bool
            Whether ``value`` is the best seen so far.
        stalled : bool
            Whether the last ``patience`` epochs made no progress.
        """
        sign = 1.0 if self.greater_is_better else -1.0
        if self.best is None:
            self.best = value
            return True, False
        margin = self.tol * abs(self.best) if self.relative else self.tol
        if sign * (value - self.best) > margin:
            self.n_stalled = 0
        else:
            self.n_stalled += epochs
        is_best = sign * (value - self.best) > 0
        if is_best:
            self.best = value
        return is_best, self.n_stalled >= self.patience

    def restart_patience(self):
        """Forget the epochs without progress, e.g. after lowering the rate."""
        self.n_stalled = 0


class GradientMonitor:
    """Judge full-batch steps by the exact gradient: converged, stalled or progressing.

    Training has converged once the norm of the exact gradient of the
    objective is at most ``target``. A step makes progress when its loss or
    its gradient norm beats the best seen so far, by any amount: near the
    optimum the loss stops changing in floating point long before the
    gradient does, and the gradient norm of Adam's steps is not monotone
    while the loss falls. After ``patience`` steps in a row without progress
    the steps have *stalled*: the rate is too large to settle, or rounding
    stops the gradient short of ``target``. The rule is
    :func:`~sklearn_adam._stopping.judge`; the monitor holds its standing
    between steps and the lowest gradient norm, which the schedule reads.

    Parameters
    ----------
    target : float
        Gradient norm at which training has converged.
    patience : int
        Steps in a row without progress after which training has stalled.

    Attributes
    ----------
    best_loss, best_gradient : float
        The smallest loss and gradient norm since the last restart (inf
        before the first step).
    n_stalled : int
        Steps in a row without progress.
    lowest_gradient : float
        The smallest gradient norm of all steps.
    lowest_at_restart : float
        ``lowest_gradient`` at the last restart.
    """

    greater_is_better = False

    def __init__(self, target, patience):
        self.target = target
        self.patience = patience
        self.best_loss = math.inf
        self.best_gradient = math.inf
        self.n_stalled = 0
        self.lowest_gradient = math.inf
        self.lowest_at_restart = math.inf

    @property
    def gained_since_restart(self):
        """bool : Whether the gradient norm went below all earlier ones since the last restart."""
        return self.lowest_gradient < self.lowest_at_restart

    @property
    def standing(self):
        """Standing : The rule's best loss and gradient norm, and steps without progress."""
        return Standing(self.best_loss, self.best_gradient, self.n_stalled)

    def judge(self, loss, gradient_norm):
        """Judge one step by its loss and gradient norm, both taken before the step.

        The rule is :func:`~sklearn_adam._stopping.judge`, with this
        monitor's target and patience.

        Returns
        -------
        outcome : {"converged", "stalled", "going on", "not finite"}
        """
        outcome, standing = judge(loss, gradient_norm, self.standing, self.target, self.patience)
        self.take(standing, [gradient_norm])
        return outcome

    def take(self, standing, gradient_norms):
        """Take the standing reached by steps judged elsewhere, e.g. in one compiled call.

        Parameters
        ----------
        standing : Standing
            The standing after the last of those steps.
        gradient_norms : sequence of float
            The gradient norms of those steps.
        """
        self.best_loss, self.best_gradient, self.n_stalled = standing
        self.lowest_gradient = min(self.lowest_gradient, float(np.min(gradient_norms)))

    def restart_patience(self):
        """Start judging afresh, e.g. after lowering the rate.

        The bests are forgotten too: a stall is often a burst of unstable
        steps (Adam's steps grow as its second moments forget larger past
        gradients), and the steps that settle after the rate falls should
        count as progress from there, not from before the burst.
        """
        self.best_loss = self.best_gradient = math.inf
        self.lowest_at_restart = self.lowest_gradient
        self.n_stalled = 0


# The rounding floor of a gradient norm, in units of the parameters' machine
# epsilon times the root of their number.
GRADIENT_FLOOR = 8.0


def gradient_target(tol, dtype, n_params):
    """The gradient norm at which full-batch training has converged: ``tol``, or rounding's floor.

    Parameters stored in float32 cannot get their gradient below about
    float32's resolution, however long they are trained; a ``tol`` below
    that floor is raised to it, so that float32 fits converge at float32's
    precision instead of running out of patience.

    Parameters
    ----------
    tol : float
    dtype : numpy dtype
        The parameters' dtype.
    n_params : int
        Number of trained parameters (the floor grows with their root).

    Returns
    -------
    target : float
    """
    floor = GRADIENT_FLOOR * np.finfo(dtype).eps * math.sqrt(n_params)
    return max(tol, floor)



@dataclass
class Progress:
    """Where training stands, carried over warm starts and ``partial_fit``.

    The part of the fit state (:class:`~sklearn_adam._fit_state.FitState`)
    that the stopping rule and the schedule read: with the parameters, the
    solver state, the random generator and the data's standardization and
    validation split, it decides the next epoch, so that resuming from it
    continues exactly as one longer run would.

    Parameters
    ----------
    tol : float
        Smallest rise of a validation score that counts as progress.
    target : float
        Gradient norm at which full-batch training has converged.
    patience : int
        Epochs without progress after which training has stalled
        (:data:`FULL_BATCH_PATIENCE` times as many full-batch steps).
    monitor : PlateauMonitor or GradientMonitor or None, default=None
        Judges the epochs: the validation score, the mini-batch loss, or
        the full-batch gradient; set by :meth:`watch`.
    epoch : int, default=0
        Epochs run so far: the position in the learning-rate schedule.
    n_reductions : int, default=0
        Times the "plateau" schedule has lowered the rate.
    n_fruitless : int, default=0
        Reductions in a row after which the monitored value did not reach a
        new best: at most :data:`MAX_PLATEAU_REDUCTIONS` are made.
    n_growths : int, default=0
        Times the batch size has grown.
    best_params : list of ndarray or None, default=None
        With a validation set, a copy of the parameters of the best epoch.
    scored_epoch : int, default=0
        The last epoch after which the validation set was scored: a score
        stands for the epochs since, however many calls they spanned.
    watched_at_full_batch : bool or None, default=None
        Whether the monitor was started at full batch (:meth:`watch`): a
        validation score's patience stays that of its start. None in models
        pickled before it was kept, whose patience follows the batch.
    penalty : tuple or None, default=None
        ``(penalty, alpha, l1_ratio)`` of the objective the rate was lowered
        on (:meth:`follow_penalty`); None in models pickled before it was kept.
    """

    tol: float
    target: float
    patience: int
    monitor: PlateauMonitor | GradientMonitor | None = None
    epoch: int = 0
    n_reductions: int = 0
    n_fruitless: int = 0
    n_growths: int = 0
    best_params: list | None = None
    scored_epoch: int = 0
    watched_at_full_batch: bool | None = None
    penalty: tuple | None = None
    new_penalty: bool = False

    def follow_penalty(self, penalty):
        """Restart the plateau schedule's rate where a warm start changes the penalty.

        The rate was lowered on the previous objective's plateaus; on a new
        objective (a lasso path's next alpha) a lowered rate would creep,
        and be lowered further on the way, so the new objective starts from
        the base rate, and ``new_penalty`` says so (the averaged iterate of
        the old objective's steps is then left behind). The same penalty
        continues as one longer run.

        Parameters
        ----------
        penalty : tuple
            ``(penalty, alpha, l1_ratio)`` of this call.
        """
        self.new_penalty = self.penalty is not None and self.penalty != penalty
        if self.new_penalty:
            self.n_reductions = self.n_fruitless = 0
        self.penalty = penalty

    @property
    def monitors_validation(self):
        """bool : Whether a validation score is monitored (greater is better)."""
        return self.monitor.greater_is_better

    def watch(self, *, validation, full_batch):
        """Start the monitor for what the coming epochs are judged by.

        Parameters
        ----------
        validation : bool
            Whether a validation score is monitored (greater is better).
        full_batch : bool
            Whether each epoch is one full-batch step: without validation,
            judged by its exact gradient rather than by its loss; with it,
            given :data:`FULL_BATCH_PATIENCE` times the patience.
        """
        patience = self._patience_of(full_batch)
        # A validation score keeps the patience it started with, whatever the
        # batch grows to: growing never postpones early stopping.
        self.watched_at_full_batch = full_batch
        if validation:
            self.monitor = PlateauMonitor(self.tol, patience, greater_is_better=True)
        elif full_batch:
            self.monitor = GradientMonitor(self.target, patience)
        else:
            self.monitor = PlateauMonitor(
                MINI_BATCH_PROGRESS, patience, greater_is_better=False, relative=True
            )

    def configure(self, tol, target, patience, full_batch):
        """Take a new call's settings, for the current monitor too.

        Parameters
        ----------
        tol, target, patience : float, float, int
            As the attributes of the same names.
        full_batch : bool
            Whether each epoch is one full-batch step.
        """
        self.tol, self.target, self.patience = tol, target, patience
        if self.monitors_validation and self.watched_at_full_batch is not None:
            full_batch = self.watched_at_full_batch
        self.monitor.patience = self._patience_of(full_batch)
        if isinstance(self.monitor, GradientMonitor):
            self.monitor.target = target
        elif self.monitors_validation:
            self.monitor.tol = tol

    def _patience_of(self, full_batch):
        return FULL_BATCH_PATIENCE * self.patience if full_batch else self.patience


# A mini-batch epoch's gradients are mostly noise once their spread about
# their mean (the root of their variance) exceeds this many times the norm
# of the mean: Byrd, Chin, Nocedal and Wu's norm test (2012) with theta = 1,
# taken over the epoch.
NOISE_RATIO = 1.0


def noise_dominates(gradient_norm, spread):
    """Whether an epoch's batch gradients were mostly noise: the norm test over an epoch.

    Past that point, Adam's steps on batches of this size only jitter about
    the optimum, at a distance set by the rate; exact steps get nearer.

    Parameters
    ----------
    gradient_norm : float
        Norm of the epoch's batch gradients averaged.
    spread : float
        Root of their variance about that average (0 for one full batch).

    Returns
    -------
    bool
    """
    return spread > NOISE_RATIO * gradient_norm


def grow_to_full(progress, batching):
    """Grow the batch to every training row, where the batch gradients were mostly noise.

    The training loss's monitor becomes the full-batch one; a validation
    score's monitor goes on as it was, so that growing never postpones
    early stopping.

    Returns
    -------
    action : "batch grown"
    """
    progress.n_growths = batching.growths_to_full(progress.n_growths)
    if not progress.monitors_validation:
        progress.watch(validation=False, full_batch=True)
    return "batch grown"


def relieve_stall(progress, schedule, batching):
    """Grow the batch or lower the rate; with a validation score monitored, stop.

    A stalled validation score ends training, as early stopping does in
    scikit-learn: neither a larger batch nor a lower rate postpones it. A
    batch that grows to every training row switches the training loss's
    monitor to the full-batch one (:meth:`Progress.watch`).

    Returns
    -------
    action : {"batch grown", "rate lowered"} or None
        What was done; None when training stops.
    """
    if progress.monitors_validation:
        return None
    if batching.can_grow(progress.n_growths):
        progress.n_growths += 1
        action = "batch grown"
        if batching.is_full(progress.n_growths):
            progress.watch(validation=False, full_batch=True)
            return action
    elif schedule.reduces_on_plateau and progress.n_fruitless < MAX_PLATEAU_REDUCTIONS:
        progress.n_reductions += 1
        # At full batch a rate too large for Adam's shrinking second moments
        # shows as a burst of unstable steps, again and again as the moments
        # forget the bursts: a cut after which the gradient reached a new low
        # has done its work and does not count against the limit.
        monitor = progress.monitor
        gained = isinstance(monitor, GradientMonitor) and monitor.gained_since_restart
        progress.n_fruitless = 0 if gained else progress.n_fruitless + 1
        action = "rate lowered"
    else:
        return None
    progress.monitor.restart_patience()
    return action
