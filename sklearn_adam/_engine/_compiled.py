"""The compiled epoch: a whole epoch of an Adam-family rule in one kernel call.

The numpy epoch spends most of a small batch's time in the interpreter, a
dozen numpy calls per step. Here the rule's declaration (its kernel spec,
such as :class:`~sklearn_adam._rules.AdamKernelSpec`) and the objective's
arrays are gathered into the kernels' named groups once per fit (the
datafit's loss, whose smoothing may change between calls, at every call),
and each epoch, gradients and steps of every batch, is one call of
:func:`sklearn_adam._kernels.epoch`, which reads each row of ``X`` in place
(no batch copies); over a memory-mapped ``X``, one call per part of the
epoch, whose pages are released in between (:mod:`sklearn_adam._mapped`).
A penalty that is not smooth (the elastic net) takes its proximal step after
each of the rule's steps, in the kernel, as the numpy epoch does; its
full-batch epochs are run one per call (the runs of full-batch steps take
no proximal step).
"""

import numpy as np
import scipy.sparse as sp

from .._averaging import AVERAGING_POWER
from .._fast import compiled_kernels
from .._mapped import MappedPages, epoch_parts
from .._objective._datafits import declares, served_by
from .._objective._problem import batch_spread
from .._rules import kernel_spec
from .._stopping import CONVERGED, Standing, reached
from ._result import EpochResult


class CompiledEpochs:
    """Epochs of an Adam-family rule on dense or CSR data, as compiled code.

    Parameters
    ----------
    objective : Objective
    spec : AdamKernelSpec, NAdamKernelSpec or AdamaxKernelSpec
        What the rule's kernel needs, from the solver's ``kernel_spec()``.
    """

    def __init__(self, objective, spec, full_batch=False):
        self.objective = objective
        self._spec = spec
        self._full_batch = full_batch
        self._kernels = kernels = compiled_kernels()
        standardization = objective.standardization
        self._data = kernel_data(kernels, objective)
        self._scaling = kernels.Scaling(
            standardization.x_center, standardization.x_scale,
            standardization.y_center, standardization.y_scale,
        )
        self._rule = spec.kernel_rule(kernels)
        self._penalty = kernel_penalty(kernels, objective)

    @classmethod
    def for_fit(cls, objective, solver, full_batch=False):
        """The compiled driver, or None where it does not apply.

        It applies when numba is installed, the solver's own class declares
        a kernel spec, the kernels implement the objective's datafit and
        penalty (:func:`serves`) and ``X`` is a dense array or CSR.

        Parameters
        ----------
        objective : Objective
        solver : object following the solver protocol
        full_batch : bool, default=False
            Whether every epoch is one batch of all training rows: then
            :meth:`run_steps` takes many of them in one call.

        Returns
        -------
        driver : CompiledEpochs or None
        """
        kernels = compiled_kernels()
        if kernels is None or not served_by(objective, kernels.SERVES):
            return None
        # A proximal penalty says itself how the kernels read its weights.
        if not (objective.penalty.smooth or declares(objective.penalty, "kernel_weights")):
            return None
        X = objective.data.X
        if not (isinstance(X, np.ndarray) or (sp.issparse(X) and X.format == "csr")):
            return None
        spec = kernel_spec(solver)
        return None if spec is None else cls(objective, spec, full_batch)

    @property
    def runs_many(self):
        """bool : Whether :meth:`run_steps` can take many full-batch epochs in one call.

        Not over a memory-mapped ``X``, whose epochs release its pages part
        by part, nor with a penalty that takes proximal steps.
        """
        return (self._full_batch and not self._penalty.active
                and MappedPages.of(self.objective.data.X) is None)

    def run_steps(self, params, state, rates, *, target, patience, standing=None):
        """Full-batch epochs, one pass over ``X`` each, in one compiled call.

        Only where :attr:`runs_many`; see
        :meth:`~sklearn_adam._engine.NormalEquationSteps.run_steps`, whose
        arguments and results these are. Each epoch's gradient and step are
        those of :meth:`run` with one batch of every row.
        """
        return full_batch_steps(
            self._kernels, self._spec, params, state, rates, target, patience, standing,
            lambda arrays, plan, losses, norms: self._kernels.data_full_batch_steps(
                self._data, self._scaling, kernel_loss(self._kernels, self.objective.datafit),
                self._rule, arrays, plan, losses, norms,
            ),
        )

    def run(self, params, state, learning_rate, batch_size, order, target=-1.0, average=None):
        """One epoch; see :meth:`sklearn_adam._engine.EpochDriver.run`."""
        arrays, steps_before = kernel_state(self._kernels, self._spec, params, state)
        averaged = kernel_average(self._kernels, average, arrays, self._penalty.active)
        # Where a full batch's gradient is taken, for a proximal penalty's
        # stopping measure.
        coef_at_start = params[0].copy() if self._penalty.active else None
        # The kernel steps as it goes: a full-batch epoch that converges is
        # undone from copies.
        judged = target >= 0 and batch_size >= self.objective.n_samples
        advanced = [array for array in arrays if isinstance(array, np.ndarray)]
        kept = [array.copy() for array in advanced] if judged else None
        sums = self._kernels.EpochSums(
            np.zeros(3), np.empty(arrays.coef.shape), np.empty(arrays.coef.shape[0]),
            np.zeros_like(arrays.coef), np.zeros_like(arrays.intercept),
        )
        visits = np.zeros(0, dtype=np.intp) if order is None else order.astype(np.intp, copy=False)
        loss = kernel_loss(self._kernels, self.objective.datafit)
        steps = 0
        # One part unless X is memory-mapped: then parts of it, released in turn.
        for first, stop, rows in epoch_parts(self.objective.data, order, batch_size,
                                             split_batches=True):
            data = self._data if rows is self.objective.data else kernel_data(
                self._kernels, self.objective.reading(rows)
            )
            plan = self._kernels.Epoch(
                visits, batch_size, float(learning_rate), steps_before + steps, first, stop
            )
            weighted_loss, penalty, part_steps, coef_sum, intercept_sum = self._kernels.epoch(
                data, self._scaling, loss, self._rule, arrays, plan, sums, averaged,
                self._penalty,
            )
            steps += part_steps
        if average is not None:
            average.n_averaged = int(averaged.count[0])
        gradient_sums = [coef_sum] + ([intercept_sum] if len(params) > 1 else [])
        loss, gradient_norm = self.objective.epoch_summary(
            weighted_loss, penalty, gradient_sums, batch_size, coef_at_start
        )
        if judged and reached(gradient_norm, target):
            for array, before in zip(advanced, kept, strict=True):
                array[...] = before
            return EpochResult(loss, gradient_norm, state)
        spread = batch_spread(gradient_sums, sums.totals[2], batch_size, self.objective.n_samples)
        return EpochResult(loss, gradient_norm, self._spec.advance(state, steps, arrays), spread)


def kernel_data(kernels, objective):
    """The kernels' :data:`~sklearn_adam._kernels.Data` of an objective.

    ``kernels`` is the module :mod:`sklearn_adam._kernels`.
    """
    X, rows = objective.data.X, objective.data.rows
    if isinstance(X, np.ndarray):
        no_index = np.zeros(0, dtype=np.int32)
        dense, values, indices, indptr = X, X[:0, 0], no_index, no_index
    else:
        dense = np.zeros((0, 0), dtype=X.dtype)
        values, indices, indptr = X.data, X.indices, X.indptr
    rows = rows if rows is not None else np.zeros(0, dtype=np.intp)
    y = objective.data.y
    # A row of weights per target: a datafit whose penalty factor differs
    # between targets (the pinball loss's, their scales) weighs each its own.
    # Unread without a penalty gradient (a proximal penalty's weights are in
    # kernel_penalty).
    weights = objective.penalty_weights
    if not objective.adds_penalty_gradient:
        weights = np.zeros(1, dtype=objective.standardization.x_scale.dtype)
    penalty_weights = np.broadcast_to(weights, (y.shape[1], X.shape[1]))
    return kernels.Data(
        dense, values, indices, indptr, y, objective.data.sample_weight,
        rows.astype(np.intp, copy=False), objective.n_samples, objective.weight_sum,
        penalty_weights, objective.adds_penalty_gradient,
    )


def kernel_loss(kernels, datafit):
    """The kernels' :data:`~sklearn_adam._kernels.Loss` of a datafit, as it is now.

    Gathered at every call: the datafit's numbers (the pinball loss's
    smoothing width) may change between them.

    Parameters
    ----------
    kernels : module
        :mod:`sklearn_adam._kernels`.
    datafit : object
        A datafit the kernels serve: it declares ``kernel_loss`` and, where
        its loss has numbers, ``kernel_numbers()``.

    Returns
    -------
    loss : Loss or None
        None for the squared error.
    """
    # A loss without numbers (squared error, the deviances) declares none.
    numbers = getattr(datafit, "kernel_numbers", tuple)()
    return kernels.loss_group(datafit.kernel_loss, *numbers)


def kernel_state(kernels, spec, params, state):
    """The parameters and the rule's moments as the kernels' ``State``, and the step count.

    The kernels advance the arrays in place. Without an intercept or a
    running maximum they get scratch arrays in their place, left unread;
    NAdam's momentum product goes in as an array of one element, which the
    spec's ``advance`` reads back.

    Parameters
    ----------
    kernels : module
        :mod:`sklearn_adam._kernels`.
    spec : AdamKernelSpec, NAdamKernelSpec or AdamaxKernelSpec
    params : list of ndarray
    state : object
        The rule's state.

    Returns
    -------
    arrays : State
    steps_before : int
    """
    steps_before, first, second, maximum, momentum_product = spec.unpack(state)
    coef = params[0]
    has_intercept = len(params) > 1
    empty = np.zeros(coef.shape[0], dtype=coef.dtype)
    if maximum is None:
        maximum = [np.zeros_like(coef), empty]
    intercept_arrays = (
        (params[1], first[1], second[1], maximum[1]) if has_intercept else (empty,) * 4
    )
    arrays = kernels.State(
        coef, intercept_arrays[0], has_intercept, first[0], second[0], maximum[0],
        *intercept_arrays[1:], np.array([momentum_product], dtype=np.float64),
    )
    return arrays, steps_before


def kernel_average(kernels, average, arrays, proximal=False):
    """The averaged iterate as the kernels' ``Average``, advanced in place; inactive for None.

    Parameters
    ----------
    kernels : module
        :mod:`sklearn_adam._kernels`.
    average : AveragedIterate or None
    arrays : State
        The kernels' state of the parameters: the dtype and, without an
        intercept, the shape of the scratch intercept.
    proximal : bool, default=False
        Whether the steps are proximal: the average then keeps the
        averages of what their thresholds clipped, and of the thresholds
        (see :meth:`~sklearn_adam._averaging.AveragedIterate.add`); one
        that kept them from earlier proximal steps goes on averaging them.

    Returns
    -------
    average : Average
        Its count, an array of one element, is read back after the epoch.
    """
    dtype = arrays.coef.dtype
    scratch = np.zeros((0, 0), dtype=dtype)
    if average is None:
        return kernels.Average(scratch, np.zeros(0, dtype=dtype), np.zeros(1, dtype=np.int64),
                               float(AVERAGING_POWER), False, scratch, scratch)
    intercept = average.params[1] if len(average.params) > 1 else arrays.intercept.copy()
    kept = proximal or average.clipped is not None
    clipped, thresholds = average.proximal_parts() if kept else (scratch, scratch)
    return kernels.Average(average.params[0], intercept,
                           np.array([average.n_averaged], dtype=np.int64),
                           float(AVERAGING_POWER), True, clipped, thresholds)


def kernel_penalty(kernels, objective):
    """The kernels' :data:`~sklearn_adam._kernels.Penalty` of an objective.

    Active for a penalty that is not smooth (the elastic net and the lasso,
    the kernels' only such penalties), whose weights it holds one row per
    target; inactive, with scratch arrays, for a smooth one.

    Parameters
    ----------
    kernels : module
        :mod:`sklearn_adam._kernels`.
    objective : Objective

    Returns
    -------
    penalty : Penalty
    """
    coef_shape = (objective.data.y.shape[1], objective.data.X.shape[1])
    dtype = objective.standardization.x_scale.dtype
    if objective.penalty.smooth:
        scratch = np.zeros((0, 0), dtype=dtype)
        return kernels.Penalty(scratch, scratch, scratch, scratch, False)
    quadratic, absolute = (np.ascontiguousarray(np.broadcast_to(weights, coef_shape))
                           for weights in objective.penalty.kernel_weights(
                               objective.penalty_weights))
    return kernels.Penalty(quadratic, absolute, np.zeros(coef_shape, dtype=dtype),
                           np.zeros(coef_shape, dtype=dtype), True)


def full_batch_steps(kernels, spec, params, state, rates, target, patience, standing,
                     run_kernel):
    """Full-batch epochs in one compiled call, judged as single epochs would be.

    What both compiled full-batch drivers share: the kernels' state and plan
    around ``run_kernel``, and the stopping rule's standing passed in and
    handed back as plain values (:class:`~sklearn_adam._stopping.Standing`).

    Parameters
    ----------
    kernels : module
        :mod:`sklearn_adam._kernels`.
    spec : AdamKernelSpec, NAdamKernelSpec or AdamaxKernelSpec
    params, state, rates, target, patience, standing
        As :meth:`~sklearn_adam._engine.NormalEquationSteps.run_steps` takes them.
    run_kernel : callable
        ``run_kernel(arrays, plan, losses, norms)`` runs the steps (a kernel
        such as :func:`sklearn_adam._kernels.full_batch_steps`) and returns
        what it does.

    Returns
    -------
    losses, gradient_norms, outcome, standing, state
        As :meth:`~sklearn_adam._engine.NormalEquationSteps.run_steps` returns them.
    """
    arrays, steps_before = kernel_state(kernels, spec, params, state)
    plan = kernels.Steps(
        np.ascontiguousarray(rates, dtype=np.float64), steps_before, float(target), patience,
        *(Standing() if standing is None else standing),
    )
    losses = np.empty(rates.shape[0])
    norms = np.empty(rates.shape[0])
    epochs, code, *standing = run_kernel(arrays, plan, losses, norms)
    outcome = kernels.OUTCOME_NAMES[code]
    # A converged epoch takes no step.
    state = spec.advance(state, epochs - (outcome == CONVERGED), arrays)
    return losses[:epochs], norms[:epochs], outcome, Standing(*standing), state
