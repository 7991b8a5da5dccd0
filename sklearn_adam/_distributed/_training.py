"""Training on dask arrays: the objective of rows that stay in their blocks, and its epochs.

:func:`training_run` builds the same :class:`~sklearn_adam._fit.TrainingRun`
as an in-memory ``fit`` does, with the standardization measured by one
pass over the blocks and a :class:`DistributedObjective`, so
that the epoch loop, the stopping rule and the fitted attributes are those
of any fit. The objective chooses its epochs: through the normal equations,
summed by one more pass (every step is then taken here, with no message to
the cluster), or else :class:`DistributedEpochs`, one round trip per step.
"""

import numpy as np
from sklearn import get_config
from sklearn.utils import check_random_state

from .._data import _check_targets
from .._engine import NormalEquationSteps
from .._engine._numpy import solver_step
from .._engine._result import EpochResult
from .._fit import TrainingRun, _standardizing, fresh_state
from .._objective import NormalEquations, normal_equations_pay_off, normal_equations_serve
from .._objective._layout import split_parameters
from .._objective._normal_equations import Centering
from .._objective._penalties import stationarity, weights_for
from .._objective._problem import (
    Frame,
    average_penalty,
    proximal_step,
    standardized_gradient,
)
from .._rules import UpdateCalls, check_proximal, proximal_steps
from .._stopping import reached
from ._finish_rows import DaskRows
from ._inputs import check_dask_data
from ._passes import (
    add_up,
    block_gradient_sums,
    block_normal_sums,
    block_reference_sums,
    block_statistics,
    compute_each,
    merge_statistics,
    reduce_blocks,
)


def training_run(estimator, components, X, y, sample_weight, *, resume):
    """The run of ``fit`` on a dask ``X``: checked data, standardization, objective.

    Parameters
    ----------
    estimator : AdamLinearRegressor
    components : Components
        The checked parameters.
    X, y, sample_weight
        As passed to ``fit``; ``X`` a dask array or DataFrame.
    resume : bool
        Whether to continue the previous fit (``warm_start``): its
        standardized parameters, in the standardization of this data.

    Returns
    -------
    run : TrainingRun
    passed : tuple
        ``(X, y, sample_weight)`` as passed, for callbacks.
    """
    _check_parameters(estimator)
    previous = estimator._fit_state if resume else None
    data = check_dask_data(
        estimator, X, y, sample_weight, reset=not resume,
        n_targets=previous.params[0].shape[0] if resume else None,
    )
    if resume:
        state = previous.resumed(components.solver, data.y_ndim)
        state.restandardize(_measure(estimator, data), _standardizing(estimator))
    else:
        state = fresh_state(estimator, components, _measure(estimator, data), data,
                            check_random_state(estimator.random_state), dtype=data.X.dtype)
        # A later warm start with early stopping keeps the last split, as in memory.
        state.split = estimator._fit_state.split if hasattr(estimator, "_fit_state") else None
    objective = DistributedObjective(
        data, datafit=components.datafit, penalty=components.penalty,
        standardization=state.standardization,
    )
    return TrainingRun(estimator, components, state, objective), data.passed


def _check_parameters(estimator):
    """Refuse the settings a full-batch fit on blocks cannot follow, before any work."""
    batch_size = estimator.batch_size
    if batch_size is not None and not isinstance(batch_size, str):
        raise ValueError(
            f"batch_size={batch_size!r} asks for mini-batches, but a fit on a dask array "
            "takes full-batch steps over its blocks; use batch_size='auto' (the default), "
            "'full' or None, or train on the blocks as a stream with "
            "dask_ml.wrappers.Incremental, which calls partial_fit on each."
        )
    if estimator.early_stopping:
        raise ValueError(
            "early_stopping=True is not supported when X is a dask array: the validation "
            "rows would have to be split off its blocks. Set early_stopping=False, or hold "
            "out a validation set yourself and fit on in-memory data."
        )


def _measure(estimator, data):
    """The column moments of ``X`` and ``y``, by one pass over the blocks.

    The same pass checks the targets against the loss; where some are
    refused, ``y`` alone (never ``X``) is brought here, for the error to
    name their rows as an in-memory fit names them.
    """
    center = estimator.fit_intercept and estimator.standardize
    scale = estimator.standardize
    datafit, _ = estimator._objective_parts()
    statistics = reduce_blocks(
        data.blocks("X", "y", "sample_weight"), block_statistics, merge_statistics,
        center, scale, not get_config()["assume_finite"], datafit,
    )
    name, dtype = type(estimator).__name__, data.X.dtype
    statistics.x_non_finite.check("X", dtype, name)
    statistics.y_non_finite.check("y", dtype, name)
    if statistics.targets_refused:
        _check_targets(estimator, data.y.compute(), "y")
    return statistics.x_moments, statistics.y_moments


class DistributedObjective:
    """A datafit and a penalty on the rows of dask blocks, every pass run where the blocks are.

    Holds what the epoch loop asks of an objective (``n_samples``,
    :meth:`epoch_driver`, :meth:`reference_losses`); the datafit travels to
    the workers with each pass, the penalty stays here.

    Parameters
    ----------
    data : DaskData
    datafit : object
        Such as :class:`~sklearn_adam._objective._datafits.SquaredError`;
        picklable.
    penalty : object
        Such as :class:`~sklearn_adam._objective._penalties.L2`.
    standardization : Standardization
    """

    def __init__(self, data, *, datafit, penalty, standardization):
        self.data = data
        self.datafit = datafit
        self.penalty = penalty
        self.standardization = standardization
        self.n_samples = data.n_samples
        self.weight_sum = data.weight_sum
        self.penalty_weights = weights_for(
            penalty, datafit, standardization, self.weight_sum, data.weight_unit
        )
        self._frame = Frame(standardization.x_center, standardization.x_scale, penalty,
                            self.penalty_weights, self.n_samples, self.weight_sum)

    def epoch_driver(self, solver, *, full_batch=True, single_epoch=False):
        """Full-batch epochs through the normal equations where they serve, else by round trips.

        The normal equations serve a datafit and a penalty that both declare
        themselves quadratic, where they pay off.

        Parameters
        ----------
        solver : object following the solver protocol
        full_batch, single_epoch : bool
            What :func:`~sklearn_adam._engine.epoch_driver` is asked for; a
            fit on blocks is always full batch and runs many epochs.

        Returns
        -------
        driver : NormalEquationSteps or DistributedEpochs
        """
        if (normal_equations_serve(self)
                and normal_equations_pay_off(self.data.X, self.n_samples)):
            equations = self.normal_equations()
            if equations is not None:
                return NormalEquationSteps(equations, solver)
        return DistributedEpochs(self, solver)

    def normal_equations(self):
        """The normal equations, summed by one pass over the blocks.

        Returns
        -------
        equations : NormalEquations or None
            None where a moment is not finite.
        """
        centering = Centering.of(self.standardization)
        sums = reduce_blocks(
            self.data.blocks("X", "y", "sample_weight"), block_normal_sums, add_up,
            centering, self.data.unweighted,
        )
        return NormalEquations.from_sums(
            sums, centering, self.weight_sum, self.n_samples, self.penalty_weights,
            self.penalty, self.data.X.dtype,
        )

    def gradient(self, params, data):
        """The objective and its exact full-batch gradient, one round trip to the blocks.

        A penalty that is not smooth adds its value to the objective but
        nothing to the gradient: its proximal step is the driver's.

        Parameters
        ----------
        params : list of ndarray
            Standardized coefficients (and intercept).
        data : DaskData
            The rows, persisted where they live.

        Returns
        -------
        loss : float
        grads : list of ndarray
            Shaped like ``params``.
        """
        coef, intercept, extras = split_parameters(params, self.datafit)
        standardization = self.standardization
        raw_coef, raw_intercept = standardization.to_original(coef, intercept)
        parts = compute_each(data.blocks("X", "y", "sample_weight"), block_gradient_sums,
                             self.datafit, raw_coef, raw_intercept, standardization.y_scale,
                             extras)
        weighted_losses, products, derivative_sums, extra_sums = add_up(*parts)
        # One full batch, of every row: the blocks' sums are the batch's.
        grads = standardized_gradient(np, self._frame, coef, products,
                                      derivative_sums, self.n_samples, 1.0, intercept is not None,
                                      list(extra_sums))
        penalty_value = average_penalty(self.penalty, coef, self.penalty_weights)
        loss = weighted_losses / (self.weight_sum * coef.shape[0]) + penalty_value
        return loss, grads

    def gradient_norm(self, params):
        """How far ``params`` are from a stationary point: one round trip to the blocks.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        norm : float
            See :func:`~sklearn_adam._objective._penalties.stationarity`.
        """
        _, grads = self.gradient(params, self.data)
        return stationarity(self.penalty, params[0], grads, self.penalty_weights)

    def finish_rows(self):
        """What the exact finish of a loss with a kink reads of the blocks.

        Returns
        -------
        rows : DaskRows
        """
        return DaskRows(self.data)

    def reference_losses(self):
        """The objective at zero standardized parameters, and the targets' size.

        One pass over the blocks of ``y`` and the weights, not ``X``.

        Returns
        -------
        loss : float
            The datafit's mean loss of predicting the targets' centers.
        size : float
            Its mean loss of predicting zero.
        """
        standardization = self.standardization
        at_center, at_zero = reduce_blocks(
            self.data.blocks("y", "sample_weight"), block_reference_sums, add_up,
            self.datafit, standardization.y_center, standardization.y_scale,
        )
        total = self.weight_sum * self.data.y.shape[1]
        return float(at_center) / total, float(at_zero) / total


class DistributedEpochs:
    """Full-batch epochs whose gradient each block computes where it lives.

    Synchronous data-parallel steps: each epoch sends the coefficients to
    every block, brings back each block's share of the gradient (the size
    of the coefficients), sums them here and takes one solver step. ``X`` is
    persisted in the workers' memory for the length of the fit.

    Parameters
    ----------
    objective : DistributedObjective
    solver : object following the solver protocol
    """

    def __init__(self, objective, solver):
        if not objective.penalty.smooth:
            check_proximal(solver)
        self.objective = objective
        self.solver = solver
        self._update = UpdateCalls(solver)
        self._data = objective.data.persist()

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0, average=None):
        """One full-batch step; see :meth:`sklearn_adam._engine.EpochDriver.run`.

        ``batch_size`` (every row) and ``order`` do not change a full-batch
        step and are not read; nor is ``average``, as exact steps are not
        averaged.
        """
        objective = self.objective
        penalty, weights = objective.penalty, objective.penalty_weights
        loss, grads = objective.gradient(params, self._data)
        gradient_norm = stationarity(penalty, params[0], grads, weights)
        if reached(gradient_norm, target):
            return EpochResult(loss, gradient_norm, state)
        decayed = [params[0]] + [None] * (len(params) - 1)
        state = solver_step(self._update, grads, state, learning_rate, params, decayed)
        if not penalty.smooth:
            # A full batch carries the whole penalty: its share is one.
            steps = proximal_steps(self.solver, state, learning_rate)[0]
            proximal_step(penalty, params[0], steps, weights, 1.0)
        return EpochResult(loss, gradient_norm, state)
