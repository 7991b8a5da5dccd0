"""The numpy epoch: any solver, any data, one ``update`` call per batch."""

import numpy as np

from .._mapped import batch_starts
from .._objective._penalties import joint_norm
from .._objective._problem import batch_spread
from .._rules import UpdateCalls, proximal_steps
from .._stopping import reached
from ._result import EpochResult


class NumpyEpochs:
    """Epochs of ``solver`` on ``objective``, in numpy.

    Serves every objective: its datafit and penalty are only asked for
    their arithmetic. A penalty that is not smooth takes its proximal step
    after each of the rule's steps, in the rule's own metric.

    Parameters
    ----------
    objective : Objective
        Computes each batch's gradient.
    solver : object following the solver protocol
    """

    def __init__(self, objective, solver):
        self.objective = objective
        self.solver = solver
        self._update = UpdateCalls(solver)
        self._proximal = not objective.penalty.smooth

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0, average=None):
        """One epoch; see :meth:`sklearn_adam._engine.EpochDriver.run`."""
        objective = self.objective
        n_samples = objective.n_samples
        grads = [np.empty_like(p) for p in params]
        gradient_sum = [np.zeros_like(p) for p in params]
        # The arrays are updated in place, so this list stays current.
        decayed = objective.penalized(params)
        weighted_loss = penalty = gradient_squares = 0.0
        # Where a full batch's gradient is taken, for the stopping measure of
        # a penalty that is not smooth.
        coef_at_start = params[0].copy() if self._proximal else None
        # Read from a copy of the rows where X is memory-mapped and shuffled.
        for start, rows in batch_starts(objective.data, order, batch_size):
            reader = objective if rows is objective.data else objective.reading(rows)
            if order is None:
                batch = slice(start, start + batch_size)
            else:
                batch = order[start : start + batch_size]
            weighted_loss += reader.batch_gradient(params, batch, batch_size, grads)
            # The penalty at the same point as the batch's data term, so that
            # with one full batch the loss is the objective before the step.
            n_batch = min(batch_size, n_samples - start)
            penalty += objective.penalty_value(params) * n_batch / n_samples
            for total, grad in zip(gradient_sum, grads):
                total += grad
            gradient_squares += joint_norm(grads) ** 2
            if batch_size >= n_samples and reached(objective.stationarity(params, grads), target):
                break
            state = solver_step(self._update, grads, state, learning_rate, params, decayed)
            clipped = thresholds = None
            if self._proximal:
                steps = proximal_steps(self.solver, state, learning_rate)
                share = n_batch / batch_size
                # What the soft threshold takes, for the averaged iterate's
                # model; a penalty that gives no thresholds is averaged plainly.
                if average is not None and hasattr(objective.penalty, "thresholds"):
                    thresholds = objective.penalty.thresholds(
                        np, share * steps[0], objective.penalty_weights)
                    clipped = np.clip(params[0], -thresholds, thresholds)
                objective.proximal_step(params[0], steps[0], share)
            if average is not None:
                average.add(params, clipped, thresholds)
        loss, gradient_norm = objective.epoch_summary(
            weighted_loss, penalty, gradient_sum, batch_size, coef_at_start
        )
        spread = batch_spread(gradient_sum, gradient_squares, batch_size, n_samples)
        return EpochResult(loss, gradient_norm, state, spread)


def solver_step(update, grads, state, learning_rate, params, decayed):
    """One ``update`` of the solver, added to ``params`` in place; the new state.

    Parameters
    ----------
    update : UpdateCalls
        Calls the solver's ``update`` as the protocol says.
    grads : list of ndarray
    state : object
    learning_rate : float
    params : list of ndarray
        Updated in place.
    decayed : list of (ndarray or None)
        What ``update`` is given as ``params``: the coefficients, None for
        the intercept.

    Returns
    -------
    state : object
    """
    updates, state = update(grads, state, learning_rate, decayed)
    for param, update in zip(params, updates):
        param += update
    return state
