"""Epochs whose batches and steps run on the data's device.

:class:`NamespaceEpochs` is the :class:`~sklearn_adam._engine.EpochDriver`
of a :class:`~sklearn_adam._array_api._objective.NamespaceObjective`
wherever its epochs do not go through the normal equations: mini-batches,
and full batches by passes over ``X``. The parameters and the rule's state
go to the device at the start of an epoch and come back at its end, so
that the epoch loop, the stopping rule and everything that reads the
parameters between epochs are those of any fit; within the epoch each batch
takes its gradient and its step on the device, and nothing comes back
until the epoch's sums do (a full batch's gradient norm excepted, which the
stopping rule reads before the step).
"""

import numpy as np

from .._engine._result import EpochResult
from .._namespace import to_numpy
from .._objective._penalties import stationarity
from .._objective._problem import batch_spread
from .._rules import (
    UpdateCalls,
    check_proximal,
    moved_state,
    proximal_steps,
    runs_in_any_namespace,
)
from .._stopping import reached


class NamespaceEpochs:
    """Epochs of ``solver`` on ``objective``, on the device of its data.

    A built-in rule takes its steps there; any other solver is given NumPy
    arrays, on the host, and its updates are moved to the device. After each
    update, a penalty that is not smooth takes its proximal step, in the
    rule's step sizes (:func:`~sklearn_adam._rules.proximal_steps`) times
    the batch's share of the penalty.

    Parameters
    ----------
    objective : NamespaceObjective
    solver : object following the solver protocol
    """

    def __init__(self, objective, solver):
        self.objective = objective
        self.solver = solver
        self._on_device = runs_in_any_namespace(solver)
        self._update = UpdateCalls(solver)
        if not objective.penalty.smooth:
            check_proximal(solver)

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0, average=None):
        """One epoch; see :meth:`sklearn_adam._engine.EpochDriver.run`.

        ``params`` (NumPy arrays) and ``average`` are updated in place at
        the end of the epoch, and the state comes back on the host.
        """
        objective, namespace = self.objective, self.objective.namespace
        n_samples = objective.n_samples
        device_params = [namespace.from_numpy(p) for p in params]
        if self._on_device:
            state = moved_state(state, namespace.from_numpy)
        averaged = None if average is None else average.moved(namespace.from_numpy)
        visits = None if order is None else namespace.from_numpy(order)
        weighted_losses = penalty = gradient_squares = namespace.zeros()
        gradient_sums = [namespace.xp.zeros_like(p) for p in device_params]
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            batch = slice(start, stop) if visits is None else visits[start:stop]
            losses, grads = objective.batch_gradient(device_params, batch, batch_size)
            weighted_losses = weighted_losses + losses
            # The penalty at the same point as the batch's data term, as in NumPy.
            penalty = penalty + (objective.penalty_value(device_params[0])
                                 * ((stop - start) / n_samples))
            gradient_sums = [total + grad for total, grad in zip(gradient_sums, grads)]
            for grad in grads:
                gradient_squares = gradient_squares + namespace.xp.sum(grad * grad)
            if batch_size >= n_samples and target >= 0 and reached(stationarity(
                objective.penalty, params[0], [to_numpy(g) for g in grads],
                objective.penalty_weights,
            ), target):
                break
            device_params, state = self._step(grads, state, learning_rate, device_params)
            clipped = thresholds = None
            if not objective.penalty.smooth:
                device_params[0], clipped, thresholds = self._proximal_step(
                    device_params[0], state, learning_rate, (stop - start) / batch_size,
                    averaged is not None,
                )
            if averaged is not None:
                averaged.add(device_params, clipped, thresholds)
        # Summed up while params still hold the coefficients the epoch started from.
        host_sums = [to_numpy(s) for s in gradient_sums]
        loss, gradient_norm = objective.epoch_summary(
            float(weighted_losses), float(penalty), host_sums, batch_size, params[0],
        )
        spread = batch_spread(host_sums, float(gradient_squares), batch_size, n_samples)
        for param, device_param in zip(params, device_params):
            param[...] = to_numpy(device_param)
        if average is not None:
            average.take(averaged, to_numpy)
        if self._on_device:
            state = moved_state(state, to_numpy)
        return EpochResult(loss, gradient_norm, state, spread)

    def _step(self, grads, state, learning_rate, params):
        """One ``update`` of the solver, added to ``params``: the new parameters and state."""
        namespace = self.objective.namespace
        decayed = self.objective.penalized(params)
        if not self._on_device:
            # The solver protocol promises NumPy arrays.
            grads = [to_numpy(grad) for grad in grads]
            decayed = [None if param is None else to_numpy(param) for param in decayed]
        updates, state = self._update(grads, state, learning_rate, decayed)
        if not self._on_device:
            updates = [namespace.from_numpy(np.asarray(update)) for update in updates]
        # In the parameter's dtype, as NumPy's "param += update" keeps it.
        params = [namespace.xp.astype(param + update, param.dtype, copy=False)
                  for param, update in zip(params, updates)]
        return params, state

    def _proximal_step(self, coef, state, learning_rate, share, averaging):
        """``coef`` through the penalty's proximal operator in the rule's metric.

        Also, where ``averaging`` and the penalty gives its thresholds, the
        part of ``coef`` the soft threshold takes and the threshold, for
        the averaged iterate's model (as the NumPy epoch does); else None.
        """
        objective = self.objective
        xp = objective.namespace.xp
        steps = proximal_steps(self.solver, state, learning_rate)[0]
        if not self._on_device:
            steps = objective.namespace.from_numpy(np.asarray(steps))
        steps = share * steps
        clipped = thresholds = None
        if averaging and hasattr(objective.penalty, "thresholds"):
            thresholds = xp.astype(
                objective.penalty.thresholds(xp, steps, objective.device_weights),
                coef.dtype, copy=False,
            )
            clipped = xp.minimum(xp.maximum(coef, -thresholds), thresholds)
        coef_out = objective.penalty.prox(xp, coef, steps, objective.device_weights)
        return xp.astype(coef_out, coef.dtype, copy=False), clipped, thresholds
