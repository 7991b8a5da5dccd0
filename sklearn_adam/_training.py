"""The training loop: epochs of mini-batch steps, monitoring and stopping."""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._monitor import PlateauMonitor

# Under the "plateau" schedule, each stall once the batch cannot grow
# multiplies the learning rate by PLATEAU_DECAY, at most PLATEAU_MAX_DECAYS
# times; the next stall ends training.
PLATEAU_DECAY = 0.1
PLATEAU_MAX_DECAYS = 3


@dataclass
class History:
    """What happened in each epoch of one call to :func:`train`.

    Parameters
    ----------
    losses : list of float
        Training objective per epoch.
    validation_scores : list of float
        Validation score per epoch (empty without a validation set).
    learning_rates : list of float
        Learning rate used in each epoch.
    batch_sizes : list of int
        Batch size used in each epoch.
    converged : bool
        Whether training stopped on its own rather than at ``max_iter``.
    best_epoch : int or None
        Index of the epoch whose coefficients were kept, with a validation
        set; None otherwise.
    """

    losses: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    learning_rates: list = field(default_factory=list)
    batch_sizes: list = field(default_factory=list)
    converged: bool = False
    best_epoch: int | None = None


@dataclass
class StoppingRule:
    """What to do when the monitored value stalls, and when to stop.

    When the training loss stalls, training first grows the batch (less
    gradient noise), then, with the "plateau" schedule, lowers the learning
    rate; it stops at a stall when neither is left to do. When a validation
    score is monitored (early stopping), the first stall ends training.

    Parameters
    ----------
    max_iter : int
        Maximum number of epochs.
    tol : float
        Smallest improvement that counts as progress: relative for the
        training loss, absolute for a validation score.
    n_iter_no_change : int
        Epochs without progress after which the monitored value has stalled.
    schedule : {"constant", "plateau"}
        "plateau" multiplies the rate by :data:`PLATEAU_DECAY` at a stall
        once the batch cannot grow, up to :data:`PLATEAU_MAX_DECAYS` times.
    batch_growth : float
        Factor by which the batch size grows at a stall, up to every training
        row; 1 keeps it fixed.
    """

    max_iter: int
    tol: float
    n_iter_no_change: int
    schedule: str
    batch_growth: float


def train(objective, solver, state, params, *, learning_rate, batch_size, rule, rng,
          shuffle, validation=None, verbose=False):
    """Run epochs until the stopping rule or ``rule.max_iter`` ends training.

    Parameters
    ----------
    objective : LeastSquares
        The training objective.
    solver : object following the solver protocol
    state : object
        The solver's state; advanced.
    params : list of ndarray
        Standardized parameters; updated in place.
    learning_rate : float
        Learning rate of the first epoch.
    batch_size : int
        Rows per step in the first epoch.
    rule : StoppingRule
    rng : numpy.random.RandomState
        Drives the shuffles.
    shuffle : bool
        Whether to visit the rows in a new random order each epoch.
    validation : callable or None
        ``validation(params) -> score`` (greater is better). When given, the
        score is monitored instead of the training loss and the parameters of
        the best epoch are kept.
    verbose : bool
        Print one line per epoch.

    Returns
    -------
    state : object
        The solver's final state.
    history : History
    """
    history = History()
    # Losses are compared relative to their size, scores (R^2) absolutely.
    monitor = PlateauMonitor(
        rule.tol,
        rule.n_iter_no_change,
        greater_is_better=validation is not None,
        relative=validation is None,
    )
    best_params = [p.copy() for p in params] if validation is not None else None
    n_decays = 0
    start = time.perf_counter()
    for epoch in range(rule.max_iter):
        # One full batch gives the same step in any order: no shuffle needed.
        mini_batches = batch_size < objective.n_samples
        order = rng.permutation(objective.n_samples) if shuffle and mini_batches else None
        loss, state = run_epoch(objective, solver, state, params, learning_rate, batch_size, order)
        check_finite(loss, params, learning_rate)
        history.losses.append(loss)
        history.learning_rates.append(learning_rate)
        history.batch_sizes.append(batch_size)
        if validation is None:
            is_best, stalled = monitor.update(loss)
        else:
            score = validation(params)
            history.validation_scores.append(score)
            is_best, stalled = monitor.update(score)
            if is_best:
                history.best_epoch = epoch
                for best, current in zip(best_params, params):
                    best[...] = current
        if verbose:
            _report(epoch, history, time.perf_counter() - start)
        if not stalled:
            continue
        can_grow = rule.batch_growth > 1 and mini_batches
        can_decay = rule.schedule == "plateau" and n_decays < PLATEAU_MAX_DECAYS
        if validation is not None or not (can_grow or can_decay):
            history.converged = True
            break
        if can_grow:
            batch_size = min(objective.n_samples, math.ceil(batch_size * rule.batch_growth))
        else:
            learning_rate *= PLATEAU_DECAY
            n_decays += 1
        monitor.restart_patience()
    if best_params is not None:
        for best, current in zip(best_params, params):
            current[...] = best
    return state, history


def run_epoch(objective, solver, state, params, learning_rate, batch_size, order=None):
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

    Returns
    -------
    loss : float
        The objective averaged over the epoch: each batch's data term is
        taken before its step, the penalty at the end.
    state : object
        The advanced solver state.
    """
    grads = [np.empty_like(p) for p in params]
    weighted_squares = 0.0
    for start in range(0, objective.n_samples, batch_size):
        if order is None:
            batch = slice(start, start + batch_size)
        else:
            batch = order[start : start + batch_size]
        weighted_squares += objective.batch_gradient(params, batch, batch_size, grads)
        updates, state = solver.update(grads, state, learning_rate)
        for param, update in zip(params, updates):
            param += update
    n_targets = params[0].shape[0]
    loss = weighted_squares / (objective.weight_sum * n_targets)
    return loss + objective.penalty_value(params), state


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
    parts = [f"Epoch {epoch + 1}", f"loss={history.losses[-1]:.6g}"]
    if history.validation_scores:
        parts.append(f"validation score={history.validation_scores[-1]:.6g}")
    parts += [
        f"learning_rate={history.learning_rates[-1]:.3g}",
        f"batch_size={history.batch_sizes[-1]}",
        f"elapsed={elapsed:.3f}s",
    ]
    print(", ".join(parts))
