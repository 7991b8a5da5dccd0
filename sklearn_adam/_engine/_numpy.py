"""The numpy epoch: any solver, any data, one ``update`` call per batch."""

import numpy as np

from .._mapped import batch_starts
from .._objective._least_squares import joint_norm
from .._rules import UpdateCalls


class NumpyEpochs:
    """Epochs of ``solver`` on ``objective``, in numpy.

    Parameters
    ----------
    objective : LeastSquares
        Computes each batch's gradient.
    solver : object following the solver protocol
    """

    def __init__(self, objective, solver):
        self.objective = objective
        self.solver = solver
        self._update = UpdateCalls(solver)

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0):
        """One epoch; see :meth:`sklearn_adam._engine.EpochDriver.run`."""
        objective = self.objective
        grads = [np.empty_like(p) for p in params]
        gradient_sum = [np.zeros_like(p) for p in params]
        # The arrays are updated in place, so this list stays current.
        decayed = objective.penalized(params)
        weighted_squares = penalty = 0.0
        # Read from a copy of the rows where X is memory-mapped and shuffled.
        for start, reader in batch_starts(objective, order, batch_size):
            if order is None:
                batch = slice(start, start + batch_size)
            else:
                batch = order[start : start + batch_size]
            weighted_squares += reader.batch_gradient(params, batch, batch_size, grads)
            # The penalty at the same point as the batch's data term, so that
            # with one full batch the loss is the objective before the step.
            n_batch = min(batch_size, objective.n_samples - start)
            penalty += objective.penalty_value(params) * n_batch / objective.n_samples
            for total, grad in zip(gradient_sum, grads):
                total += grad
            if batch_size >= objective.n_samples and joint_norm(grads) <= target:
                break
            state = solver_step(self._update, grads, state, learning_rate, params, decayed)
        loss, gradient_norm = objective.epoch_summary(
            weighted_squares, penalty, gradient_sum, batch_size
        )
        return loss, gradient_norm, state


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
