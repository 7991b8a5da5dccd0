"""Full-batch epochs through the normal equations: one exact step per epoch, no pass over ``X``.

Any solver takes its steps here in numpy, one ``update`` per epoch. A rule
that declares a kernel spec (its ``kernel_spec()``) takes them in
compiled code instead, many per call (:meth:`NormalEquationSteps.run_steps`),
with the full-batch stopping rule applied after each, so that thousands of
steps on a small problem take milliseconds.

A penalty that is not smooth (the lasso's, the elastic net's) adds nothing
to the gradient: after each step of the rule, its proximal step is taken in
the rule's own metric, and the stopping rule reads the distance of the
negative data gradient to its subdifferential. Where the fit has converged,
or the signs of the coefficients have settled, the exact solution on their
support is tried (:mod:`sklearn_adam._objective._support_finish`) and kept
where it is closer to the optimum: an epoch without a step.
"""

import numpy as np

from .._fast import compiled_kernels
from .._objective import normal_equations_serve
from .._objective._support_finish import SupportFinish
from .._rules import UpdateCalls, kernel_spec, proximal_steps
from .._stopping import CONVERGED, GOING_ON, RAN_OUT, Standing, judge, reached
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
        self._finish = SupportFinish(equations) if equations.proximal else None
        if self._spec is not None:
            self._quadratic = quadratic_group(kernels, equations)
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
        averaged. An epoch that keeps a finish's candidate takes no step: its
        record is the candidate's.
        """
        if self._finish is not None:
            kept = self._finish.look(params, target)
            self._finish.epochs += 1
            if kept is not None:
                return EpochResult(*kept, state)
        if self._spec is not None:
            # One step, judged by the caller's monitor: no stall can end it.
            losses, norms, _, _, state = self._kernel_steps(
                params, state, np.array([float(learning_rate)]), target, 1, None,
            )
            return EpochResult(float(losses[0]), float(norms[0]), state)
        grads = [np.empty_like(p) for p in params]
        loss = self.equations.gradient(params, grads)
        gradient_norm = self.equations.stationarity(params, grads)
        if reached(gradient_norm, target):
            return EpochResult(loss, gradient_norm, state)
        decayed = [params[0]] + [None] * (len(params) - 1)
        state = solver_step(self._update, grads, state, learning_rate, params, decayed)
        if self.equations.proximal:
            steps = proximal_steps(self.solver, state, learning_rate)
            self.equations.proximal_step(params[0], steps[0])
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
        if self._finish is None:
            return self._kernel_steps(params, state, rates, target, patience, standing)
        return self._steps_with_finish(params, state, rates, target, patience, standing)

    def _kernel_steps(self, params, state, rates, target, patience, standing):
        """:meth:`run_steps` in one compiled call, without a finish."""
        return full_batch_steps(
            self._kernels, self._spec, params, state, rates, target, patience, standing,
            lambda arrays, plan, losses, norms: self._kernels.full_batch_steps(
                self._quadratic, self._rule, arrays, plan, losses, norms
            ),
        )

    def _steps_with_finish(self, params, state, rates, target, patience, standing):
        """:meth:`run_steps` in compiled calls between the finish's looks (see
        :class:`~sklearn_adam._objective._support_finish.SupportFinish`).

        A finish kept is the record of one epoch without a step, which
        takes one of the rates; the stopping rule judges it as any other.
        """
        finish = self._finish
        losses, norms = [], []
        outcome, done = RAN_OUT, 0
        while done < rates.size and outcome == RAN_OUT:
            if finish.epochs_to_look == 0:
                kept = finish.look(params, target)
                if kept is not None:
                    outcome, standing = judge(*kept, Standing() if standing is None else standing,
                                              target, patience)
                    losses.append(np.array([kept[0]]))
                    norms.append(np.array([kept[1]]))
                    finish.epochs += 1
                    done += 1
                    outcome = RAN_OUT if outcome == GOING_ON else outcome
                    continue
            part_losses, part_norms, outcome, standing, state = self._kernel_steps(
                params, state, rates[done:done + max(finish.epochs_to_look, 1)], target,
                patience, standing,
            )
            losses.append(part_losses)
            norms.append(part_norms)
            finish.epochs += part_losses.size
            done += part_losses.size
            if outcome == CONVERGED:
                # The converged epoch took no step: a finish kept is its record.
                kept = finish.look(params, target)
                if kept is not None:
                    losses[-1], norms[-1] = part_losses.copy(), part_norms.copy()
                    losses[-1][-1], norms[-1][-1] = kept
        return np.concatenate(losses), np.concatenate(norms), outcome, standing, state


def quadratic_group(kernels, equations):
    """The kernels' :data:`~sklearn_adam._kernels.Quadratic` of ``equations``.

    Parameters
    ----------
    kernels : module
        :mod:`sklearn_adam._kernels`.
    equations : NormalEquations

    Returns
    -------
    quadratic : Quadratic
        For a penalty that is not smooth, its weights broadcast to one per
        coefficient in a :data:`~sklearn_adam._kernels.Penalty`, read only
        where it is active; for a smooth one, an empty one in its place.
    """
    shape = equations.moments.shape
    weights = equations.penalty_weights
    # By the penalty's kind, not its activity: an elastic net at alpha=0
    # still holds stacked weights, which the ridge's field cannot take.
    if not equations.penalty.smooth:
        ridge = np.zeros(shape[1])
        quadratic, absolute = (np.ascontiguousarray(np.broadcast_to(part, shape))
                               for part in (weights[0], weights[1]))
        # The clipped parts and thresholds a proximal step leaves are for the
        # averaged iterate, which exact steps do not keep: scratch here.
        penalty = kernels.Penalty(quadratic, absolute, np.empty(shape), np.empty(shape), True)
    else:
        ridge = weights
        empty = np.zeros((0, 0))
        penalty = kernels.Penalty(empty, empty, empty, empty, False)
    return kernels.Quadratic(
        equations.gram, equations.feature_means, equations.moments, equations.target_means,
        equations.target_squares, ridge, equations.penalized, penalty, equations.proximal,
    )
