"""The epoch loop: batch sizes, visiting orders and the rate of each epoch, run
until the stopping rule, a callback or ``max_iter`` ends training."""

import math
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ._averaging import averaged_steps, continue_from_average
from ._engine import epoch_driver
from ._engine._newton import newton_driver
from ._objective._normal_equations import values_per_pass
from ._progress import GradientMonitor, grow_to_full, noise_dominates, relieve_stall
from ._reporting import EpochReporter, StepPacer, stall_event
from ._stopping import CONVERGED, STALLED, reached


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
        Validation loss after each scored epoch (empty without a validation set).
    validation_scores : list of float
        Validation score after each scored epoch (empty without a validation set).
    validation_epochs : list of int
        The epochs (counted as ``Progress.epoch``, from the first fit) after
        which the validation set was scored.
    converged : bool
        Whether training ended converged: at full batch with the gradient
        norm within the target, on a validation score that stopped
        improving, or because a callback asked to stop.
    stalled : bool
        Whether training stopped at a stall with nothing left to try.
    stall_action : {"batch grown", "rate lowered"} or None
        What the last stall did.
    stop_requested : bool
        Whether a callback asked training to stop.
    stationarity : float or None
        For a loss with a kink, the distance of zero to the subdifferential
        at the parameters training ended with (see
        :mod:`sklearn_adam._smoothing`); None otherwise.
    """

    losses: list = field(default_factory=list)
    gradient_norms: list = field(default_factory=list)
    learning_rates: list = field(default_factory=list)
    batch_sizes: list = field(default_factory=list)
    n_steps: list = field(default_factory=list)
    validation_losses: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    validation_epochs: list = field(default_factory=list)
    converged: bool = False
    stalled: bool = False
    stall_action: str | None = None
    stop_requested: bool = False
    stationarity: float | None = None

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

    def growths_to_full(self, n_growths):
        """The fewest growths, at least ``n_growths``, after which the batch holds every row.

        Only where :meth:`can_grow` or :meth:`is_full`.
        """
        while not self.is_full(n_growths):
            n_growths += 1
        return n_growths


@dataclass(frozen=True)
class TrainingPlan:
    """What one call of :func:`train` trains on, and how: everything but the state it advances.

    Parameters
    ----------
    objective : Objective
        The training objective.
    solver : object following the solver protocol
    schedule : LearningRateSchedule
    batching : Batching
    max_iter : int
        Number of epochs after which this call stops in any case.
    shuffle : bool or "batches"
        Whether to visit the rows in a new random order each epoch; "batches"
        keeps each batch's rows contiguous and shuffles the batches.
    validation : callable or None, default=None
        ``validation(params) -> (loss, score)`` on held-out rows; with an
        attribute ``cost`` (as :class:`~sklearn_adam._objective.HeldOutEvaluation`),
        the multiplications it takes, called every few epochs where it
        would take more than :data:`VALIDATION_SHARE` of an epoch's.
    act_on_stalls : bool, default=True
        False runs ``max_iter`` epochs whatever the monitor says.
    callbacks : EpochCallbacks or None, default=None
        Told where each epoch begins and ends, or, where every callback
        only displays progress, of an epoch every
        :data:`~sklearn_adam._reporting.PROGRESS_INTERVAL` seconds and of
        the last; a callback may ask to stop.
    verbose : bool, default=False
        Print the first epoch's record, that of every epoch after which the
        stopping rule acted (batch grown, rate lowered, stop, with why
        training ends), and otherwise one at most every
        :data:`~sklearn_adam._reporting.VERBOSE_INTERVAL` seconds.
    streaming : bool, default=False
        Whether this is one epoch of ``partial_fit``, whose full batch is
        then taken by a pass over ``X`` rather than the normal equations.
    average : bool, default=False
        Whether stochastic steps (mini-batches, and every step of
        ``partial_fit``) are averaged (:mod:`sklearn_adam._averaging`).
    """

    objective: Any
    solver: Any
    schedule: Any
    batching: Batching
    max_iter: int
    shuffle: bool | str
    validation: Any = None
    act_on_stalls: bool = True
    callbacks: Any = None
    verbose: bool = False
    streaming: bool = False
    average: bool = False


# The held-out rows are scored every few epochs where scoring them after each
# would cost more than this share of the epoch's own work.
VALIDATION_SHARE = 0.2

# Scorings at least, where scoring is spread out, in the epochs without
# progress that stop early stopping: its best epoch is one of those scored.
SCORINGS_PER_PATIENCE = 20


def train(state, plan, history=None):
    """Run epochs until the stopping rule, a callback or ``max_iter`` ends training.

    After each epoch the monitor of ``state.progress`` judges it (see
    :mod:`sklearn_adam._progress`): a full-batch epoch by its exact
    gradient, which ends training as converged once its norm is at most the
    target; a mini-batch epoch by its loss; any epoch by the validation
    score when the plan has a validation, which ends training once it
    stalls. When the training loss or gradient has stalled, the first of
    these that applies is done: grow the batch, lower the rate (schedule
    "plateau", at most :data:`~sklearn_adam._progress.MAX_PLATEAU_REDUCTIONS`
    times), stop. A mini-batch epoch whose batch gradients were mostly
    noise grows the batch to every row at once.

    Where nothing watches single epochs (no validation, and no callback
    that may read each epoch's model), full-batch epochs of a compiled rule
    run many to a call, with the same outcome as one at a time, and so do
    those between two scorings of the validation set; verbose output and
    progress displays are then told between calls, which are sized to come
    back in time for them (:mod:`sklearn_adam._reporting`).

    Parameters
    ----------
    state : FitState
        Advanced in place: its standardized ``params`` (those of the last
        epoch, so that training can resume from them; with a validation
        set, ``progress.best_params`` holds those of the best epoch), its
        ``average`` of stochastic steps, its ``solver_state``, its
        ``progress`` (whose monitor is the one for the coming epochs) and
        its random stream ``rng``, which drives the shuffles.
    plan : TrainingPlan
    history : History or None, default=None
        The record of earlier runs of the same fit to go on from (the
        rounds of :func:`sklearn_adam._smoothing.train_to_exact`): epochs
        are counted from its length, ``plan.max_iter`` included, and its
        outcome is judged afresh. None starts a new record.

    Returns
    -------
    history : History
    """
    if history is None:
        history = History()
    history.converged = history.stalled = False
    monitor = state.progress.monitor
    if monitor.n_stalled >= monitor.patience:
        # The last call stopped at a stall: resuming gets a fresh patience.
        monitor.restart_patience()
    listeners = _Listeners.of(plan)
    drivers = {}
    stopped = False
    while len(history.losses) < plan.max_iter and not stopped:
        driver = _driver(drivers, state.progress, plan)
        verdict = _run(driver, state, plan, history, listeners)
        stopped = _act(state, plan, history, listeners, verdict)
    _check_outcome(state, plan, history)
    return history


@dataclass(frozen=True)
class _Listeners:
    """Who hears of epochs: the reporter, its pacer, and callbacks that read every epoch."""

    reporter: EpochReporter
    pacer: StepPacer
    every_epoch: Any
    # Whether single epochs are watched: then none runs many to a call.
    watched: bool

    @classmethod
    def of(cls, plan):
        """Those of ``plan``: its verbosity and callbacks."""
        reporter = EpochReporter(plan.verbose, plan.callbacks)
        callbacks = plan.callbacks
        # Callbacks that may read every epoch's model are told of every epoch;
        # those that only display progress are told at the reporter's pace.
        every_epoch = callbacks if callbacks is not None and callbacks.needs_every_epoch else None
        watched = (plan.validation is not None or not plan.act_on_stalls
                   or every_epoch is not None)
        return cls(reporter, StepPacer(reporter.paces_steps), every_epoch, watched)


def _driver(drivers, progress, plan):
    """The epoch driver for the coming batch size, built once per fit and kind of batch."""
    full_batch = plan.batching.size(progress.n_growths) >= plan.objective.n_samples
    if full_batch not in drivers:
        def solver_epochs():
            return epoch_driver(plan.objective, plan.solver, full_batch,
                                single_epoch=plan.streaming)

        # Full-batch epochs of fit on a smooth loss that gives its curvature
        # take Newton steps (falling back on the solver's where they fail).
        newton = (newton_driver(plan.objective, solver_epochs)
                  if full_batch and not plan.streaming else None)
        drivers[full_batch] = newton or solver_epochs()
    return drivers[full_batch]


class _Verdict(NamedTuple):
    """How the last epochs ended, for :func:`_act`."""

    converged: bool
    stalled: bool
    # A mini-batch epoch whose batch gradients were mostly noise.
    noisy: bool = False


def _run(driver, state, plan, history, listeners):
    """One epoch, or many full-batch epochs in one call; returns their verdict."""
    progress = state.progress
    runs_many = getattr(driver, "runs_many", False)
    if not listeners.watched and isinstance(progress.monitor, GradientMonitor) and runs_many:
        monitor = progress.monitor
        outcome, standing, norms = _run_steps(
            driver, state, plan, history, listeners.pacer, plan.max_iter - len(history.losses),
            monitor.target, monitor.patience, monitor.standing,
        )
        monitor.take(standing, norms)
        return _Verdict(outcome == CONVERGED, outcome == STALLED)
    every = _validation_interval(driver, plan, progress.monitor.patience)
    # The epochs between two validations need no one to watch them.
    n_quiet = min(every - 1 - progress.epoch % every, plan.max_iter - len(history.losses))
    if progress.epoch == 0:
        n_quiet = 0  # the first epoch is scored
    if runs_many and n_quiet > 0 and listeners.every_epoch is None:
        # A patience longer than the run: only convergence ends it early.
        outcome, _, _ = _run_steps(driver, state, plan, history, listeners.pacer, n_quiet,
                                   progress.target, n_quiet + 1, None)
        if outcome == CONVERGED:
            _validate(state, plan, history)
        return _Verdict(outcome == CONVERGED, False)
    if listeners.every_epoch is not None:
        listeners.every_epoch.begin(len(history.losses))
    return _run_epoch(driver, state, plan, history, every)


def _validation_interval(driver, plan, patience):
    """Every how many epochs the held-out rows are scored.

    Every epoch, unless scoring costs more than :data:`VALIDATION_SHARE` of
    an epoch's work; then every few, but at least
    :data:`SCORINGS_PER_PATIENCE` times in ``patience`` epochs.
    """
    cost = getattr(plan.validation, "cost", None)
    if cost is None:
        return 1
    epoch_cost = getattr(driver, "epoch_cost", None)
    if epoch_cost is None:
        epoch_cost = 2 * values_per_pass(plan.objective)
    # A sparse X that stores nothing reads no value, yet an epoch costs a
    # visit per row: at least one multiplication, never a division by zero.
    epoch_cost = max(epoch_cost, 1.0)
    # Early stopping keeps a scored epoch: a patience with fewer scorings
    # than SCORINGS_PER_PATIENCE would keep one far from the best.
    at_most = max(1, patience // SCORINGS_PER_PATIENCE)
    return max(1, min(math.ceil(cost / (VALIDATION_SHARE * epoch_cost)), at_most))


def _validate(state, plan, history):
    """Score the parameters on the held-out rows; returns whether the score has stalled.

    The score stands for every epoch since the last one scored.
    """
    progress = state.progress
    model = state.model_params()
    validation_loss, score = plan.validation(model)
    # The first score of a fit stands for its one epoch (as does the first
    # after loading a model pickled before scored epochs were kept).
    since = progress.epoch - progress.scored_epoch if progress.scored_epoch else 1
    progress.scored_epoch = progress.epoch
    history.validation_losses.append(validation_loss)
    history.validation_scores.append(score)
    history.validation_epochs.append(progress.epoch)
    is_best, stalled = progress.monitor.update(score, since)
    if is_best:
        progress.best_params = [p.copy() for p in model]
    return stalled


def _act(state, plan, history, listeners, verdict):
    """Act on how the last epochs ended, and tell the listeners; returns whether training stops."""
    progress, stopped, event = state.progress, False, None
    if verdict.converged:
        history.converged, stopped = True, True
        event = "converged: the gradient norm is within tol"
    if listeners.every_epoch is not None and listeners.every_epoch.end(state.model_params()):
        history.converged, stopped, history.stop_requested = True, True, True
        event = "a callback asked to stop"
    elif plan.act_on_stalls and verdict.stalled and not stopped:
        stopped = _act_on_stall(progress, plan.schedule, plan.batching, history)
        if history.stall_action == "batch grown" and plan.batching.is_full(progress.n_growths):
            continue_from_average(state)
        event = stall_event(history.stall_action, progress, plan.schedule, plan.batching)
    elif plan.act_on_stalls and verdict.noisy and not stopped:
        history.stall_action = grow_to_full(progress, plan.batching)
        continue_from_average(state)
        event = ("the batch gradients spread more than their mean: batch_size grows to "
                 f"{plan.batching.size(progress.n_growths)}")
    if event is None and plan.act_on_stalls and len(history.losses) == plan.max_iter:
        event = f"max_iter={plan.max_iter} reached"
    last = stopped or len(history.losses) >= plan.max_iter
    if listeners.reporter.epochs_ended(history, progress.epoch, state.model_params(), event,
                                       last):
        history.converged, stopped, history.stop_requested = True, True, True
    return stopped


def _check_outcome(state, plan, history):
    """Settle whether a stalled mini-batch fit converged; refuse a fit that ran away."""
    objective = plan.objective
    if (history.stalled and plan.validation is None
            and not plan.batching.is_full(state.progress.n_growths)):
        # Mini-batch losses cannot tell how close they stopped: one exact
        # gradient can.
        history.converged = objective.gradient_norm(state.model_params()) <= state.progress.target
    if plan.act_on_stalls and plan.validation is None:
        loss_at_zero, size = objective.reference_losses()
        check_not_worse(history.losses[-1], loss_at_zero, size, max(history.learning_rates))


def _run_epoch(driver, state, plan, history, every=1):
    """One epoch, judged by the monitor.

    Returns its verdict: whether the epoch converged (it then took no step),
    whether the monitored value has stalled, and whether its batch
    gradients were mostly noise (:func:`~sklearn_adam._progress.noise_dominates`).
    A full-batch epoch converges once its gradient norm is within the
    target, with a validation score monitored too. The held-out rows are
    scored after every ``every``-th epoch, and after one that converged.
    """
    progress, objective = state.progress, plan.objective
    batch_size = plan.batching.size(progress.n_growths)
    learning_rate = plan.schedule.rate(progress.epoch, progress.n_reductions)
    # One full batch gives the same step in any order: no shuffle needed.
    order = None
    if batch_size < objective.n_samples:
        order = _visiting_order(state.rng, objective.n_samples, batch_size, plan.shuffle)
    full_batch = batch_size >= objective.n_samples
    judged = plan.act_on_stalls and (isinstance(progress.monitor, GradientMonitor)
                                     or (full_batch and plan.validation is not None))
    # An epoch that converges takes no step: the parameters left are
    # those whose gradient was judged.
    target = progress.target if judged else -1.0
    stochastic = plan.streaming or not full_batch
    result = driver.run(
        state.params, state.solver_state, learning_rate, batch_size, order, target=target,
        average=averaged_steps(state, plan.average, stochastic),
    )
    loss, gradient_norm, state.solver_state = result.loss, result.gradient_norm, result.state
    check_finite(loss, state.params, learning_rate)
    # Only a mini-batch epoch has a spread; growing is a stopping rule's act.
    noisy = (plan.act_on_stalls and plan.batching.can_grow(progress.n_growths)
             and noise_dominates(gradient_norm, result.spread))
    history.record(loss, gradient_norm, learning_rate, batch_size,
                   math.ceil(objective.n_samples / batch_size))
    progress.epoch += 1
    monitor = progress.monitor
    if plan.validation is not None:
        converged = judged and reached(gradient_norm, target)
        stalled = False
        # The first epoch is scored, so that a scorer fails before the work.
        if converged or progress.epoch % every == 0 or progress.epoch == 1:
            stalled = _validate(state, plan, history)
        if converged:
            history.n_steps[-1] = 0
            return _Verdict(True, False)
        return _Verdict(False, stalled, noisy)
    if isinstance(monitor, GradientMonitor):
        outcome = monitor.judge(loss, gradient_norm)
        if judged and outcome == CONVERGED:
            history.n_steps[-1] = 0
            return _Verdict(True, False)
        return _Verdict(False, outcome == STALLED)
    return _Verdict(False, monitor.update(loss)[1], noisy)


def _run_steps(driver, state, plan, history, pacer, at_most, target, patience, standing):
    """Full-batch steps in one compiled call, judged as single epochs would be.

    As many as ``pacer`` allows within ``at_most``, sized to come back in
    time for the reporter; the pacer is told how long they took. The driver
    takes the stopping rule's standing (``target``, ``patience`` and
    ``standing`` as :func:`~sklearn_adam._stopping.judge` takes them) and
    hands it back. Returns what ended the call ("converged": the last epoch
    took no step; "stalled", "ran out" or "not finite"), the standing after
    it and the gradient norms of its epochs.
    """
    progress = state.progress
    began = time.perf_counter()
    rates = plan.schedule.rates(progress.epoch, pacer.steps(at_most), progress.n_reductions)
    losses, norms, outcome, standing, state.solver_state = driver.run_steps(
        state.params, state.solver_state, rates, target=target,
        patience=patience, standing=standing,
    )
    pacer.took(len(losses), time.perf_counter() - began)
    for loss, norm, rate in zip(losses.tolist(), norms.tolist(), rates.tolist()):
        history.record(loss, norm, rate, plan.batching.n_samples, 1)
    progress.epoch += len(losses)
    check_finite(history.losses[-1], state.params, history.learning_rates[-1])
    if outcome == CONVERGED:
        history.n_steps[-1] = 0
    return outcome, standing, norms


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
