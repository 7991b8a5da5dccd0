"""The epoch loop: batch sizes, visiting orders and the rate of each epoch, run
until the stopping rule, a callback or ``max_iter`` ends training."""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._engine import epoch_driver
from ._progress import GradientMonitor, relieve_stall
from ._reporting import EpochReporter, StepPacer, stall_event


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
        Solver steps (batches) taken in each epoch: none in a full-batch
        epoch that converged, whose step is not taken.
    validation_losses : list of float
        Validation loss after each epoch (empty without a validation set).
    validation_scores : list of float
        Validation score after each epoch (empty without a validation set).
    converged : bool
        Whether training ended converged: at full batch with the gradient
        norm within the target, on a validation score that stopped
        improving, or because a callback asked to stop.
    stalled : bool
        Whether training stopped at a stall with nothing left to try.
    stall_action : {"batch grown", "rate lowered"} or None
        What the last stall did.
    """

    losses: list = field(default_factory=list)
    gradient_norms: list = field(default_factory=list)
    learning_rates: list = field(default_factory=list)
    batch_sizes: list = field(default_factory=list)
    n_steps: list = field(default_factory=list)
    validation_losses: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    converged: bool = False
    stalled: bool = False
    stall_action: str | None = None

    def record(self, loss, gradient_norm, learning_rate, batch_size, n_steps):
        """Append one epoch's record."""
        self.losses.append(loss)
        self.gradient_norms.append(gradient_norm)
        self.learning_rates.append(learning_rate)
        self.batch_sizes.append(batch_size)
        self.n_steps.append(n_steps)


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

    def is_full(self, n_growths):
        """Whether the batch holds every training row after ``n_growths`` growths."""
        return self.size(n_growths) >= self.n_samples

    def can_grow(self, n_growths):
        """Whether another growth would change the batch size."""
        return self.growth > 1 and self.size(n_growths) < self.n_samples


def train(objective, solver, state, params, progress, *, schedule, batching, max_iter, rng,
          shuffle, validation=None, act_on_stalls=True, callbacks=None, verbose=False,
          streaming=False):
    """Run epochs until the stopping rule, a callback or ``max_iter`` ends training.

    After each epoch the monitor of ``progress`` judges it (see
    :mod:`sklearn_adam._progress`): a full-batch epoch by its exact
    gradient, which ends training as converged once its norm is at most the
    target; a mini-batch epoch by its loss; any epoch by the validation
    score when ``validation`` is given. When the monitored values have
    stalled, the first of these that applies is done: grow the batch, lower
    the rate (schedule "plateau", at most
    :data:`~sklearn_adam._progress.MAX_PLATEAU_REDUCTIONS` times), stop.

    Where nothing watches single epochs (no validation, and no callback
    that may read each epoch's model), full-batch epochs of a compiled rule
    run many to a call, with the same outcome as one at a time; verbose
    output and progress displays are then told between calls, which are
    sized to come back in time for them (:mod:`sklearn_adam._reporting`).

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
        Advanced in place; its monitor is the one for the coming epochs.
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
        Told where each epoch begins and ends, or, where every callback
        only displays progress, of an epoch every
        :data:`~sklearn_adam._reporting.PROGRESS_INTERVAL` seconds and of
        the last; a callback may ask to stop.
    verbose : bool
        Print the first epoch's record, that of every epoch after which the
        stopping rule acted (batch grown, rate lowered, stop, with why
        training ends), and otherwise one at most every
        :data:`~sklearn_adam._reporting.VERBOSE_INTERVAL` seconds.
    streaming : bool, default=False
        Whether this is one epoch of ``partial_fit``, whose full batch is
        then taken by a pass over ``X`` rather than the normal equations.

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
    reporter = EpochReporter(verbose, callbacks)
    pacer = StepPacer(reporter.paces_steps)
    # Callbacks that may read every epoch's model are told of every epoch;
    # those that only display progress are told at the reporter's pace.
    every_epoch = callbacks if callbacks is not None and callbacks.needs_every_epoch else None
    watched = validation is not None or not act_on_stalls or every_epoch is not None
    drivers = {}
    stopped = False
    while len(history.losses) < max_iter and not stopped:
        batch_size = batching.size(progress.n_growths)
        full_batch = batch_size >= objective.n_samples
        if full_batch not in drivers:
            drivers[full_batch] = epoch_driver(
                objective, solver, full_batch, single_epoch=streaming
            )
        driver = drivers[full_batch]
        if not watched and isinstance(progress.monitor, GradientMonitor) and getattr(
            driver, "runs_many", False
        ):
            n_before, began = len(history.losses), time.perf_counter()
            state, outcome = _run_steps(driver, params, state, progress, schedule, history,
                                        batching, pacer.steps(max_iter - n_before))
            pacer.took(len(history.losses) - n_before, time.perf_counter() - began)
            converged, stalled = outcome == "converged", outcome == "stalled"
        else:
            if every_epoch is not None:
                every_epoch.begin(len(history.losses))
            state, converged, stalled = _run_epoch(
                driver, objective, params, state, progress, schedule, history, batch_size,
                rng=rng, shuffle=shuffle, validation=validation, act_on_stalls=act_on_stalls,
            )
        event = None
        if converged:
            history.converged, stopped = True, True
            event = "converged: the gradient norm is within tol"
        if every_epoch is not None and every_epoch.end(params):
            history.converged, stopped = True, True
            event = "a callback asked to stop"
        elif act_on_stalls and stalled and not stopped:
            stopped = _act_on_stall(progress, schedule, batching, history)
            event = stall_event(history.stall_action, progress, schedule, batching)
        if event is None and act_on_stalls and len(history.losses) == max_iter:
            event = f"max_iter={max_iter} reached"
        last = stopped or len(history.losses) >= max_iter
        if reporter.epochs_ended(history, progress.epoch, params, event, last):
            history.converged, stopped = True, True
    if history.stalled and validation is None and not batching.is_full(progress.n_growths):
        # Mini-batch losses cannot tell how close they stopped: one exact
        # gradient can.
        history.converged = objective.gradient_norm(params) <= progress.target
    if act_on_stalls and validation is None:
        loss_at_zero, size = objective.reference_losses()
        check_not_worse(history.losses[-1], loss_at_zero, size, max(history.learning_rates))
    return state, history


def _run_epoch(driver, objective, params, state, progress, schedule, history, batch_size, *,
               rng, shuffle, validation, act_on_stalls):
    """One epoch, judged by the monitor of ``progress``.

    Returns the state, whether the epoch converged (it then took no step)
    and whether the monitored value has stalled.
    """
    learning_rate = schedule.rate(progress.epoch, progress.n_reductions)
    full_batch = batch_size >= objective.n_samples
    # One full batch gives the same step in any order: no shuffle needed.
    order = None
    if not full_batch:
        order = _visiting_order(rng, objective.n_samples, batch_size, shuffle)
    judged = act_on_stalls and isinstance(progress.monitor, GradientMonitor)
    # An epoch that converges takes no step: the parameters left are
    # those whose gradient was judged.
    target = progress.monitor.target if judged else -1.0
    loss, gradient_norm, state = driver.run(
        params, state, learning_rate, batch_size, order, target=target
    )
    check_finite(loss, params, learning_rate)
    history.record(loss, gradient_norm, learning_rate, batch_size,
                   math.ceil(objective.n_samples / batch_size))
    progress.epoch += 1
    monitor = progress.monitor
    converged = False
    if validation is not None:
        validation_loss, score = validation(params)
        history.validation_losses.append(validation_loss)
        history.validation_scores.append(score)
        is_best, stalled = monitor.update(score)
        if is_best:
            progress.best_params = [p.copy() for p in params]
    elif isinstance(monitor, GradientMonitor):
        _, stalled = monitor.update(loss, gradient_norm)
        if judged and monitor.converged(gradient_norm):
            converged = True
            history.n_steps[-1] = 0
    else:
        _, stalled = monitor.update(loss)
    return state, converged, stalled


def _run_steps(driver, params, state, progress, schedule, history, batching, n_steps):
    """Up to ``n_steps`` full-batch steps in one compiled call, judged as single epochs would be.

    Returns the state and what ended the call: "converged" (the last epoch
    took no step), "stalled" or "ran out".
    """
    monitor = progress.monitor
    rates = schedule.rates(progress.epoch, n_steps, progress.n_reductions)
    losses, norms, outcome, state = driver.run_steps(
        params, state, rates, target=monitor.target, patience=monitor.patience, monitor=monitor
    )
    for loss, norm, rate in zip(losses.tolist(), norms.tolist(), rates.tolist()):
        history.record(loss, norm, rate, batching.n_samples, 1)
    progress.epoch += len(losses)
    check_finite(history.losses[-1], params, history.learning_rates[-1])
    if outcome == "converged":
        history.n_steps[-1] = 0
    return state, outcome


def _act_on_stall(progress, schedule, batching, history):
    """Relieve a stall; returns whether training stops (nothing left to try)."""
    history.stall_action = relieve_stall(progress, schedule, batching)
    if history.stall_action is not None:
        return False
    # Out of remedies: a validation score has converged in its own sense; the
    # training loss's rule converges only on the gradient, judged above.
    history.converged = progress.monitors_validation
    history.stalled = True
    return True


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


# A fit whose objective ends this many times above that of all-zero
# standardized parameters (the targets' centers as predictions) has run away
# from the data, even where every number stayed finite.
DIVERGENCE_FACTOR = 10.0


def check_not_worse(loss, loss_at_zero, size, learning_rate):
    """Raise if training ended far worse than predicting the targets' centers.

    With a rate far too large, Adam's steps (about ``learning_rate`` per
    coordinate) throw the coefficients far past the optimum, and the fit can
    end with finite coefficients whose predictions are useless. Early
    stopping is not checked here: it keeps its best epoch.

    Parameters
    ----------
    loss : float
        The objective of the last epoch.
    loss_at_zero : float
        The objective with all standardized parameters at zero, which any
        fit should end below.
    size : float
        The objective of predicting zero. Where ``loss_at_zero`` is below
        the square root of machine epsilon times it, the centers alone
        predict the targets (a constant target): any residual is then
        rounding, or Adam's steps on it, not a runaway rate, and nothing is
        judged.
    learning_rate : float
        The largest rate used, quoted in the message.

    Raises
    ------
    FloatingPointError
        If ``loss`` is over :data:`DIVERGENCE_FACTOR` times ``loss_at_zero``.
    """
    if loss_at_zero <= np.sqrt(np.finfo(float).eps) * size:
        return
    if loss <= DIVERGENCE_FACTOR * loss_at_zero:
        return
    raise FloatingPointError(
        f"Training diverged: the objective ended at {loss:.3g}, over "
        f"{DIVERGENCE_FACTOR:g} times the {loss_at_zero:.3g} of predicting the targets' "
        f"centers, at learning rates up to {learning_rate:g}. Try a smaller learning_rate."
    )
