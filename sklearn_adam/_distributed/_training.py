"""Training on dask arrays: the objective of rows that stay in their blocks, and its epochs.

:func:`training_run` builds the same :class:`~sklearn_adam._fit.TrainingRun`
as an in-memory ``fit`` does, with the standardization measured by one
pass over the blocks and a :class:`DistributedLeastSquares` objective, so
that the epoch loop, the stopping rule and the fitted attributes are those
of any fit. The objective chooses its epochs: through the normal equations,
summed by one more pass (every step is then taken here, with no message to
the cluster), or else :class:`DistributedEpochs`, one round trip per step.
"""

import numpy as np
from sklearn import get_config
from sklearn.utils import check_random_state

from .._engine import NormalEquationSteps
from .._engine._numpy import solver_step
from .._fit import TrainingRun, _standardizing, fresh_state
from .._objective import NormalEquations, normal_equations_pay_off
from .._objective._normal_equations import Centering
from .._objective._penalties import joint_norm
from .._objective._penalty import penalty_weights
from .._rules import UpdateCalls
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
    objective = DistributedLeastSquares(
        data, alpha=estimator.alpha, standardization=state.standardization
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
    """The column moments of ``X`` and ``y``, by one pass over the blocks."""
    center = estimator.fit_intercept and estimator.standardize
    scale = estimator.standardize
    statistics = reduce_blocks(
        data.blocks("X", "y", "sample_weight"), block_statistics, merge_statistics,
        center, scale, not get_config()["assume_finite"],
    )
    name, dtype = type(estimator).__name__, data.X.dtype
    statistics.x_non_finite.check("X", dtype, name)
    statistics.y_non_finite.check("y", dtype, name)
    return statistics.x_moments, statistics.y_moments


class DistributedLeastSquares:
    """The least-squares objective of :class:`~sklearn_adam._objective.LeastSquares`, on blocks.

    Holds what the epoch loop asks of an objective (``n_samples``,
    :meth:`epoch_driver`, :meth:`reference_losses`); every pass over the
    rows runs where their blocks are.

    Parameters
    ----------
    data : DaskData
    alpha : float
        L2 penalty, with Ridge's meaning.
    standardization : Standardization
    """

    def __init__(self, data, *, alpha, standardization):
        self.data = data
        self.standardization = standardization
        self.n_samples = data.n_samples
        self.weight_sum = data.weight_sum
        self.penalty_weights = penalty_weights(
            alpha, standardization.x_scale, self.weight_sum, data.weight_unit
        )
        self.penalized_any = alpha > 0

    def epoch_driver(self, solver, *, full_batch=True, single_epoch=False):
        """Full-batch epochs through the normal equations where they pay, else by round trips.

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
        if normal_equations_pay_off(self.data.X, self.n_samples):
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
            self.penalized_any, self.data.X.dtype,
        )

    def gradient(self, params, data):
        """The objective and its exact full-batch gradient, one round trip to the blocks.

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
        coef = params[0]
        intercept = params[1] if len(params) > 1 else None
        standardization = self.standardization
        raw_coef, raw_intercept = standardization.to_original(coef, intercept)
        parts = compute_each(data.blocks("X", "y", "sample_weight"), block_gradient_sums,
                             raw_coef, raw_intercept, standardization.y_scale)
        weighted_squares, products, residual_sums = add_up(*parts)
        # What LeastSquares.batch_gradient does to the sums of its blocks.
        scaling = self.n_samples / (self.n_samples * self.weight_sum)
        grads = [np.empty_like(p) for p in params]
        coef_grad = grads[0]
        coef_grad[...] = products
        coef_grad -= residual_sums[:, None] * standardization.x_center
        coef_grad *= scaling / standardization.x_scale
        penalty = 0.0
        if self.penalized_any:
            coef_grad += self.penalty_weights * coef
            penalty = 0.5 * float((self.penalty_weights * np.square(coef)).sum()) / coef.shape[0]
        if intercept is not None:
            np.multiply(residual_sums, scaling, out=grads[1])
        loss = weighted_squares / (self.weight_sum * coef.shape[0]) + penalty
        return loss, grads

    def reference_losses(self):
        """The objective at zero standardized parameters, and the targets' size.

        See :meth:`~sklearn_adam._objective.LeastSquares.reference_losses`;
        one pass over the blocks of ``y`` and the weights, not ``X``.

        Returns
        -------
        loss : float
        size : float
        """
        standardization = self.standardization
        squares, magnitude = reduce_blocks(
            self.data.blocks("y", "sample_weight"), block_reference_sums, add_up,
            standardization.y_center, standardization.y_scale,
        )
        total = self.weight_sum * self.data.y.shape[1]
        return 0.5 * float(squares) / total, 0.5 * float(magnitude) / total


class DistributedEpochs:
    """Full-batch epochs whose gradient each block computes where it lives.

    Synchronous data-parallel steps: each epoch sends the coefficients to
    every block, brings back each block's share of the gradient (the size
    of the coefficients), sums them here and takes one solver step. ``X`` is
    persisted in the workers' memory for the length of the fit.

    Parameters
    ----------
    objective : DistributedLeastSquares
    solver : object following the solver protocol
    """

    def __init__(self, objective, solver):
        self.objective = objective
        self.solver = solver
        self._update = UpdateCalls(solver)
        self._data = objective.data.persist()

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0):
        """One full-batch step; see :meth:`sklearn_adam._engine.EpochDriver.run`.

        ``batch_size`` (every row) and ``order`` do not change a full-batch
        step and are not read.
        """
        loss, grads = self.objective.gradient(params, self._data)
        gradient_norm = joint_norm(grads)
        if gradient_norm <= target:
            return loss, gradient_norm, state
        decayed = [params[0]] + [None] * (len(params) - 1)
        state = solver_step(self._update, grads, state, learning_rate, params, decayed)
        return loss, gradient_norm, state
