"""Where training stands, and the stopping rule that acts on stalls.

:class:`PlateauMonitor` tracks the monitored value (training loss or
validation score) over epochs; :class:`Progress` is what a fit carries over
warm starts and ``partial_fit``; :func:`relieve_stall` is what a stall does.
"""

from dataclasses import dataclass

# Under the "plateau" schedule the rate is lowered at most this many times;
# the next stall ends training.
MAX_PLATEAU_REDUCTIONS = 3


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

    def update(self, value):
        """Record the value of one epoch.

        Parameters
        ----------
        value : float

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
            self.n_stalled += 1
        is_best = sign * (value - self.best) > 0
        if is_best:
            self.best = value
        return is_best, self.n_stalled >= self.patience

    def restart_patience(self):
        """Forget the epochs without progress, e.g. after lowering the rate."""
        self.n_stalled = 0


@dataclass
class Progress:
    """Where training stands, carried over warm starts and ``partial_fit``.

    Together with the parameters, the solver state, the random generator and
    the data's standardization and validation split (all of which the fit
    carries over with it, see :class:`~sklearn_adam._fit.Carried`), this
    decides the next epoch, so that resuming from it continues exactly as one
    longer run would.

    Parameters
    ----------
    monitor : PlateauMonitor
        Tracks the monitored value (training loss or validation score).
    epoch : int, default=0
        Epochs run so far: the position in the learning-rate schedule.
    n_reductions : int, default=0
        Times the "plateau" schedule has lowered the rate.
    n_growths : int, default=0
        Times the batch size has grown.
    best_params : list of ndarray or None, default=None
        With a validation set, a copy of the parameters of the best epoch.
    """

    monitor: PlateauMonitor
    epoch: int = 0
    n_reductions: int = 0
    n_growths: int = 0
    best_params: list | None = None

    @property
    def monitors_validation(self):
        """bool : Whether a validation score is monitored (greater is better)."""
        return self.monitor.greater_is_better

    @staticmethod
    def new_monitor(tol, n_iter_no_change, *, monitors_validation):
        """A monitor for a validation score or for the training loss.

        Parameters
        ----------
        tol : float
            Smallest progress that counts: relative for a training loss,
            absolute for a validation score.
        n_iter_no_change : int
            Epochs without progress after which the monitored value stalls.
        monitors_validation : bool
            Whether a validation score (greater is better) is monitored
            instead of the training loss.

        Returns
        -------
        monitor : PlateauMonitor
        """
        return PlateauMonitor(
            tol,
            n_iter_no_change,
            greater_is_better=monitors_validation,
            relative=not monitors_validation,
        )


def relieve_stall(progress, schedule, batching):
    """Grow the batch or lower the rate.

    Returns
    -------
    action : {"batch grown", "rate lowered"} or None
        What was done; None when neither was left to do (training stops).
    """
    if batching.can_grow(progress.n_growths):
        progress.n_growths += 1
        action = "batch grown"
    elif schedule.reduces_on_plateau and progress.n_reductions < MAX_PLATEAU_REDUCTIONS:
        progress.n_reductions += 1
        action = "rate lowered"
    else:
        return None
    progress.monitor.restart_patience()
    return action
