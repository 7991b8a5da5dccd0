"""The training loop: epochs of mini-batch steps, monitoring and stopping."""

import inspect
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._compiled import compiled_epoch
from ._monitor import PlateauMonitor

# Under the "plateau" schedule the rate is lowered at most this many times;
# the next stall ends training.
MAX_PLATEAU_REDUCTIONS = 3


@dataclass
class History:
    """What happened in each epoch of one call to :func:`train`.

    Parameters
    ----------
    losses : list of float
        Training objective per epoch, averaged over the epoch's batches, each
        taken before its step.
    gradient_norms : list of float
        Norm of the epoch's gradient: the batch gradients averaged over the
        epoch (with one full batch, the exact gradient before the step).
    learning_rates : list of float
        Learning rate used in each epoch.
    batch_sizes : list of int
        Batch size used in each epoch.
    n_steps : list of int
        Solver steps (batches) taken in each epoch.
    validation_losses : list of float
        Validation loss after each epoch (empty without a validation set).
    validation_scores : list of float
        Validation score after each epoch (empty without a validation set).
    converged : bool
        Whether training stopped on its own (stopping rule or a callback)
        rather than at ``max_iter``.
    """

    losses: list = field(default_factory=list)
    gradient_norms: list = field(default_factory=list)
    learning_rates: list = field(default_factory=list)
    batch_sizes: list = field(default_factory=list)
    n_steps: list = field(default_factory=list)
    validation_losses: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    converged: bool = False


@dataclass
class Progress:
    """Where training stands, carried over warm starts and ``partial_fit``.

    Together with the parameters, the solver state, the random generator and
    the data (its standardization and validation split, which the estimator
    keeps), this decides the next epoch, so that resuming from it continues
    exactly as one longer run would.

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


@dataclass(frozen=True)
class Batching:
    """Batch sizes: a base size that grows at each stall, up to all rows.

    Parameters
    ----------
    n_samples : int
        Number of training rows.
    base_size : int
        Batch size before any growth, at most ``n_samples``.
    growth : float
        Factor applied per growth, >= 1.
    """

    n_samples: int
    base_size: int
    growth: float

    def size(self, n_growths):
        """Batch size after ``n_growths`` growths."""
        return min(self.n_samples, math.ceil(self.base_size * self.growth**n_growths))

    def can_grow(self, n_growths):
        """Whether another growth would change the batch size."""
        return self.growth > 1 and self.size(n_growths) < self.n_samples


def train(objective, solver, state, params, progress, *, schedule, batching, max_iter, rng,
          shuffle, validation=None, act_on_stalls=True, callbacks=None, verbose=False):
    """Run epochs until the stopping rule, a callback or ``max_iter`` ends training.

    After each epoch the monitored value (the validation score when
    ``validation`` is given, else the training loss) is handed to
    ``progress.monitor``. When it has stalled, the first of these that
    applies is done: grow the batch, lower the rate (schedule "plateau", at
    most :data:`MAX_PLATEAU_REDUCTIONS` times), stop.

    Parameters
    ----------
    objective : LeastSquares
        The training objective.
    solver : object following the solver protocol
    state : object
        The solver's state; advanced.
    params : list of ndarray
        Standardized parameters; updated in place. They stay those of the
        last epoch, so that training can resume from them; with a validation
        set, ``progress.best_params`` holds those of the best epoch.
    progress : Progress
        Advanced in place.
    schedule : LearningRateSchedule
    batching : Batching
    max_iter : int
        Number of epochs after which this call stops in any case.
    rng : numpy.random.RandomState
        Drives the shuffles.
    shuffle : bool or "batches"
        Whether to visit the rows in a new random order each epoch; "batches"
        keeps each batch's rows contiguous and shuffles the batches.
    validation : callable or None
        ``validation(params) -> (loss, score)`` on held-out rows.
    act_on_stalls : bool, default=True
        False runs ``max_iter`` epochs whatever the monitor says.
    callbacks : EpochCallbacks or None
        Told where each epoch begins and ends; a callback may ask to stop.
    verbose : bool
        Print one line per epoch.

    Returns
    -------
    state : object
        The solver's final state.
    history : History
    """
    history = History()
    if progress.monitor.n_stalled >= progress.monitor.patience:
        # The last call stopped at a stall: resuming gets a fresh patience.
        progress.monitor.restart_patience()
    start = time.perf_counter()
    passes_params = _takes_params(solver)
    for _ in range(max_iter):
        if callbacks is not None:
            callbacks.begin()
        learning_rate = schedule.rate(progress.epoch, progress.n_reductions)
        batch_size = batching.size(progress.n_growths)
        # One full batch gives the same step in any order: no shuffle needed.
        mini_batches = batch_size < objective.n_samples
        order = None
        if mini_batches:
            order = _visiting_order(rng, objective.n_samples, batch_size, shuffle)
        loss, gradient_norm, state = run_epoch(
            objective, solver, state, params, learning_rate, batch_size, order, passes_params
        )
        check_finite(loss, params, learning_rate)
        history.losses.append(loss)
        history.gradient_norms.append(gradient_norm)
        history.learning_rates.append(learning_rate)
        history.batch_sizes.append(batch_size)
        history.n_steps.append(math.ceil(objective.n_samples / batch_size))
        progress.epoch += 1
        if validation is None:
            is_best, stalled = progress.monitor.update(loss)
        else:
            validation_loss, score = validation(params)
            history.validation_losses.append(validation_loss)
            history.validation_scores.append(score)
            is_best, stalled = progress.monitor.update(score)
            if is_best:
                progress.best_params = [p.copy() for p in params]
        if verbose:
            _report(progress.epoch, history, time.perf_counter() - start)
        if callbacks is not None and callbacks.end(params):
            history.converged = True
            break
        if act_on_stalls and stalled and not _relieve_stall(progress, schedule, batching):
            history.converged = True
            break
    return state, history


def _visiting_order(rng, n_samples, batch_size, shuffle):
    """The order of an epoch's rows, or None to visit them as they lie."""
    if shuffle == "batches":
        # Reading contiguous rows lets the processor stream them from memory,
        # which a row-by-row shuffle of a large X cannot. The short batch of
        # the last rows stays last, so that every batch is one block of rows.
        n_full = n_samples // batch_size
        starts = rng.permutation(n_full) * batch_size
        blocks = (starts[:, None] + np.arange(batch_size)).ravel()
        return np.concatenate([blocks, np.arange(n_full * batch_size, n_samples)])
    return rng.permutation(n_samples) if shuffle else None


def _takes_params(solver):
    # A rule that declares a ``params`` keyword (AdamW) is handed the arrays
    # it may decay; see the solver protocol in sklearn_adam/__init__.py.
    try:
        return "params" in inspect.signature(solver.update).parameters
    except (TypeError, ValueError):  # no readable signature: the basic protocol
        return False


def _relieve_stall(progress, schedule, batching):
    """Grow the batch or lower the rate; False when neither is left to do."""
    if batching.can_grow(progress.n_growths):
        progress.n_growths += 1
    elif schedule.reduces_on_plateau and progress.n_reductions < MAX_PLATEAU_REDUCTIONS:
        progress.n_reductions += 1
    else:
        return False
    progress.monitor.restart_patience()
    return True


def run_epoch(objective, solver, state, params, learning_rate, batch_size, order=None,
              passes_params=False):
    """One pass over the training rows, one solver step per batch.

    Parameters
    ----------
    objective : LeastSquares
    solver : object following the solver protocol
    state : object
        The solver's state.
    params : list of ndarray
        Updated in place.
    learning_rate : float
    batch_size : int
        Rows per step; the last batch may be shorter.
    order : ndarray of int or None
        Order in which to visit the rows; None visits them in turn.
    passes_params : bool, default=False
        Whether to hand the solver the parameters it may decay, as
        ``update(..., params=...)`` (AdamW).

    Returns
    -------
    loss : float
        The objective averaged over the epoch, each batch's share taken
        before its step.
    gradient_norm : float
        Norm of the batch gradients averaged over the epoch.
    state : object
        The advanced solver state.
    """
    compiled = compiled_epoch(objective, solver, state, params, learning_rate, batch_size, order)
    if compiled is not None:
        return compiled
    grads = [np.empty_like(p) for p in params]
    gradient_sum = [np.zeros_like(p) for p in params]
    # The arrays are updated in place, so this list stays current.
    decayed = objective.penalized(params) if passes_params else None
    weighted_squares = penalty = 0.0
    for start in range(0, objective.n_samples, batch_size):
        if order is None:
            batch = slice(start, start + batch_size)
        else:
            batch = order[start : start + batch_size]
        weighted_squares += objective.batch_gradient(params, batch, batch_size, grads)
        # The penalty at the same point as the batch's data term, so that
        # with one full batch the loss is the objective before the step.
        n_batch = min(batch_size, objective.n_samples - start)
        penalty += objective.penalty_value(params) * n_batch / objective.n_samples
        for total, grad in zip(gradient_sum, grads):
            total += grad
        if passes_params:
            updates, state = solver.update(grads, state, learning_rate, params=decayed)
        else:
            updates, state = solver.update(grads, state, learning_rate)
        for param, update in zip(params, updates):
            param += update
    loss, gradient_norm = objective.epoch_summary(
        weighted_squares, penalty, gradient_sum, batch_size
    )
    return loss, gradient_norm, state


def check_finite(loss, params, learning_rate):
    """Raise if training diverged: a non-finite loss or parameter.

    Parameters
    ----------
    loss : float
    params : list of ndarray
    learning_rate : float
        The rate in use, quoted in the message.

    Raises
    ------
    FloatingPointError
        If anything is NaN or infinite.
    """
    if np.isfinite(loss) and all(np.isfinite(p).all() for p in params):
        return
    raise FloatingPointError(
        f"Training diverged: the loss became {loss} with learning_rate="
        f"{learning_rate:g}. Try a smaller learning_rate (or keep "
        "standardize=True so that one rate suits every scale of data)."
    )


def _report(epoch, history, elapsed):
    parts = [f"Epoch {epoch}", f"loss={history.losses[-1]:.6g}"]
    if history.validation_scores:
        parts.append(f"validation loss={history.validation_losses[-1]:.6g}")
        parts.append(f"validation score={history.validation_scores[-1]:.6g}")
    parts += [
        f"learning_rate={history.learning_rates[-1]:.3g}",
        f"gradient norm={history.gradient_norms[-1]:.3g}",
        f"batch_size={history.batch_sizes[-1]}",
        f"elapsed={elapsed:.3f}s",
    ]
    print(", ".join(parts))
