"""Full-batch epochs through the normal equations: one exact step per epoch, no pass over ``X``.

Any solver takes its steps here in numpy, one ``update`` per epoch. A rule
that declares a kernel spec (its ``kernel_spec()``) takes them in
compiled code instead, many per call (:meth:`NormalEquationSteps.run_steps`),
with the full-batch stopping rule applied after each, so that thousands of
steps on a small problem take milliseconds.
"""

import numpy as np

from .._fast import compiled_kernels
from .._objective import normal_equations_serve
from .._objective._penalties import joint_norm
from .._rules import UpdateCalls, kernel_spec
from .._stopping import reached
from ._compiled import full_batch_steps
from ._numpy import solver_step
from ._result import EpochResult


class NormalEquationSteps:
    """Full-batch epochs of ``solver`` on the normal equations of an objective.

    Parameters
    ----------
    equations : NormalEquations
    solver : object following the solver protocol
    """

    def __init__(self, equations, solver):
        self.equations = equations
        self.solver = solver
        self._update = UpdateCalls(solver)
        self._kernels = kernels = compiled_kernels()
        self._spec = kernel_spec(solver) if kernels is not None else None
        if self._spec is not None:
            self._quadratic = kernels.Quadratic(
                equations.gram, equations.feature_means, equations.moments,
                equations.target_means, equations.target_squares, equations.penalty_weights,
                equations.penalized,
            )
            self._rule = self._spec.kernel_rule(kernels)

    @staticmethod
    def serves(objective):
        """Whether the normal equations can stand for ``objective`` (see
        :func:`~sklearn_adam._objective._normal_equations.serves`)."""
        return normal_equations_serve(objective)

    @property
    def epoch_cost(self):
        """float : Multiplications a step takes, per target: the product with the Gram matrix."""
        return float(self.equations.gram.shape[0] ** 2)

    @property
    def runs_many(self):
        """bool : Whether :meth:`run_steps` can take many steps in one call."""
        return self._spec is not None

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0, average=None):
        """One full-batch step; see :meth:`sklearn_adam._engine.EpochDriver.run`.

        ``batch_size`` (every row) and ``order`` do not change a full-batch
        step and are not read; nor is ``average``, as exact steps are not
        averaged.
        """
        if self._spec is not None:
            # One step, judged by the caller's monitor: no stall can end it.
            losses, norms, _, _, state = self.run_steps(
                params, state, np.array([float(learning_rate)]), target=target, patience=1,
            )
            return EpochResult(float(losses[0]), float(norms[0]), state)
        grads = [np.empty_like(p) for p in params]
        loss = self.equations.gradient(params, grads)
        gradient_norm = joint_norm(grads)
        if reached(gradient_norm, target):
            return EpochResult(loss, gradient_norm, state)
        decayed = [params[0]] + [None] * (len(params) - 1)
        state = solver_step(self._update, grads, state, learning_rate, params, decayed)
        return EpochResult(loss, gradient_norm, state)

    def run_steps(self, params, state, rates, *, target, patience, standing=None):
        """Full-batch epochs, one per rate, until converged, stalled or out of rates.

        Only where :attr:`runs_many`. Each epoch is judged by the rule of
        :func:`~sklearn_adam._stopping.judge`; the one that converges takes
        no step.

        Parameters
        ----------
        params : list of ndarray
            Updated in place.
        state : object
            The rule's state; advanced.
        rates : ndarray of float
            The rate of each step.
        target : float
            Gradient norm at which the steps have converged.
        patience : int
            Steps without progress after which they have stalled.
        standing : Standing or None, default=None
            Where the stopping rule stands before these steps; None starts
            afresh.

        Returns
        -------
        losses, gradient_norms : ndarray
            The objective and gradient norm at the start of each epoch run.
        outcome : {"ran out", "converged", "stalled", "not finite"}
        standing : Standing
            Where the stopping rule stands after them, for the monitor to take.
        state : object
        """
        return full_batch_steps(
            self._kernels, self._spec, params, state, rates, target, patience, standing,
            lambda arrays, plan, losses, norms: self._kernels.full_batch_steps(
                self._quadratic, self._rule, arrays, plan, losses, norms
            ),
        )
