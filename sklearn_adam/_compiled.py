"""One epoch of mini-batch Adam as compiled code, when numba is installed.

The numpy training loop (:func:`sklearn_adam._training.run_epoch`) spends
most of a small batch's time in the interpreter: a dozen numpy calls per
step, each with its own overhead. Here a whole epoch, gradients and updates
of every batch, runs as one compiled function, for the rules whose
arithmetic it repeats (:class:`Adam`, :class:`AMSGrad` and :class:`AdamW`)
on dense or CSR data, reading each row of ``X`` in place (no batch copies).
It computes what the numpy path computes, step for step; only sums may be
added in another order, so the two agree to rounding, and the tests hold
them to 1e-12 of each other. Anything else (other rules, a user's solver,
CSC data, or no numba) takes the numpy path. The feature scales of
:class:`~sklearn_adam._loss.Standardization` have a compiled pass too.
"""

import math

import numpy as np
import scipy.sparse as sp

from ._adam_variants import AMSGrad
from ._solvers import Adam, AdamW

try:
    import numba
except ImportError:  # numba is optional: the numpy path does the same work
    numba = None

# Switched off by tests that compare the two paths.
ENABLED = numba is not None

_RULES = (Adam, AMSGrad, AdamW)


def compiled_epoch(objective, solver, state, params, learning_rate, batch_size, order):
    """Run one epoch in compiled code, or return None where that does not apply.

    Takes the arguments of :func:`sklearn_adam._training.run_epoch` and
    returns what it returns: ``(loss, gradient_norm, state)``.
    """
    X = objective.X
    if not (ENABLED and type(solver) in _RULES):
        return None
    if not (isinstance(X, np.ndarray) or (sp.issparse(X) and X.format == "csr")):
        return None
    standardization = objective.standardization
    n_targets, n_features = params[0].shape
    has_intercept = len(params) > 1
    empty = np.zeros(n_targets, dtype=params[0].dtype)
    intercept = params[1] if has_intercept else empty
    first, second = state.first_moment, state.second_moment
    # Rules without a running maximum get scratch arrays for it, left unread.
    maximum = (state.max_second_moment if isinstance(solver, AMSGrad)
               else [np.zeros_like(params[0]), empty])
    rows = objective.rows if objective.rows is not None else np.zeros(0, dtype=np.intp)
    order = order if order is not None else np.zeros(0, dtype=np.intp)
    decay = solver.weight_decay if isinstance(solver, AdamW) else 0.0
    gradient_sum = np.zeros_like(params[0])
    intercept_gradient_sum = np.zeros_like(intercept)
    arguments = (
        objective.y, objective.sample_weight, rows.astype(np.intp, copy=False),
        order.astype(np.intp, copy=False), objective.n_samples, batch_size,
        objective.weight_sum, standardization.x_center, standardization.x_scale,
        standardization.y_center, standardization.y_scale,
        objective.penalty_weights, objective.penalized_any, has_intercept,
        params[0], intercept,
        first[0], second[0], maximum[0],
        first[1] if has_intercept else empty, second[1] if has_intercept else empty,
        maximum[1] if has_intercept else empty,
        state.step, float(learning_rate), solver.beta_1, solver.beta_2, solver.epsilon,
        solver.epsilon_placement == "raw", isinstance(solver, AMSGrad), decay,
        gradient_sum, intercept_gradient_sum,
    )
    if isinstance(X, np.ndarray):
        no_index = np.zeros(0, dtype=np.int32)
        representation = (X, X[:0, 0], no_index, no_index)
    else:
        representation = (np.zeros((0, 0), dtype=X.dtype), X.data, X.indices, X.indptr)
    weighted_squares, penalty, steps = _epoch(*representation, *arguments)
    state.step += steps
    gradient_sums = [gradient_sum] + ([intercept_gradient_sum] if has_intercept else [])
    loss, gradient_norm = objective.epoch_summary(
        weighted_squares, penalty, gradient_sums, batch_size
    )
    return loss, gradient_norm, state


# How many rows ahead of the one in hand the loops ask the processor to
# fetch: a shuffled order visits rows where its prefetcher cannot guess, and
# waiting for each from memory would take most of an epoch's time.
PREFETCH_DISTANCE = 8

if numba is not None:
    from llvmlite import ir
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def _prefetch(typingctx, array, index):
        """Ask the processor to bring ``array[index]``'s cache line in, without waiting."""
        if not isinstance(array, numba.types.Array):
            return None
        signature = numba.types.void(array, index)

        def codegen(context, builder, signature, args):
            array_type = signature.args[0]
            view = context.make_array(array_type)(context, builder, args[0])
            pointer = cgutils.get_item_pointer(
                context, builder, array_type, view, [args[1]], wraparound=False
            )
            pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
            int32 = ir.IntType(32)
            function = cgutils.get_or_insert_function(
                builder.module,
                ir.FunctionType(ir.VoidType(), [pointer.type, int32, int32, int32]),
                "llvm.prefetch.p0",
            )
            # A read, to be kept in all cache levels, of data.
            builder.call(function, [pointer, int32(0), int32(3), int32(1)])
            return context.get_dummy_value()

        return signature, codegen

else:

    def _prefetch(array, index):
        pass


def _numpy_or_compiled(function):
    if numba is None:
        return function
    # error_model="numpy": a division by zero gives inf or nan, as in numpy
    # (the training loop checks for those), instead of a check per division
    # that keeps loops from being vectorized. fastmath lets the compiler
    # reorder the sums over features, which changes them in the last bits.
    return numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=True)(function)


@_numpy_or_compiled
def _adam_element(g, m, v, v_max, theta, first_correction, second_correction, learning_rate,
                  beta_1, beta_2, epsilon, raw, amsgrad, decay):
    # One coordinate of an Adam, AMSGrad or AdamW step, in the order in which
    # the numpy rules (_solvers.py) compute it. Returns m, v, v_max, theta.
    m = m * beta_1 + (1.0 - beta_1) * g
    v = v * beta_2 + (1.0 - beta_2) * (g * g)
    root = v
    if amsgrad:
        v_max = max(v_max, v)
        root = v_max
    if raw:
        denominator = (math.sqrt(root) + epsilon) / math.sqrt(second_correction)
    else:
        denominator = math.sqrt(root / second_correction) + epsilon
    # As in the numpy rules: with epsilon=0 a coordinate whose gradients have
    # all been zero has a zero denominator and takes no step.
    update = ((-learning_rate / first_correction) * m) / denominator if denominator != 0.0 else 0.0
    if decay != 0.0:
        update = update - (learning_rate * decay) * theta
    return m, v, v_max, theta + update


@_numpy_or_compiled
def _prepare_batch(coef, intercept, has_intercept, x_center, x_scale, y_center, y_scale,
                   raw_coef, raw_intercept):
    # The coefficients in the units of the data (Standardization.to_original).
    n_targets, n_features = coef.shape
    for t in range(n_targets):
        offset = 0.0
        for j in range(n_features):
            raw_coef[t, j] = coef[t, j] * (y_scale[t] / x_scale[j])
            offset += raw_coef[t, j] * x_center[j]
        raw_intercept[t] = y_center[t] - offset
        if has_intercept:
            raw_intercept[t] += y_scale[t] * intercept[t]


@_numpy_or_compiled
def _finish_batch(n_batch, batch_size, n_samples, weight_sum, x_center, x_scale,
                  penalty_weights, penalized, has_intercept, coef, intercept,
                  coef_gradient, residual_sum,
                  m_coef, v_coef, max_coef, m_intercept, v_intercept, max_intercept,
                  step, learning_rate, beta_1, beta_2, epsilon, raw, amsgrad, decay,
                  gradient_sum, intercept_gradient_sum):
    # Turn the batch's sums into the gradient (LeastSquares.batch_gradient),
    # take the step, and return the penalty before it, weighted by the batch.
    n_targets, n_features = coef.shape
    scaling = n_samples / (batch_size * weight_sum)
    penalty = 0.0
    if penalized:
        for t in range(n_targets):
            for j in range(n_features):
                penalty += penalty_weights[j] * coef[t, j] * coef[t, j]
        penalty = 0.5 * penalty / n_targets * n_batch / n_samples
    first_correction = 1.0 - beta_1**step
    second_correction = 1.0 - beta_2**step
    for t in range(n_targets):
        for j in range(n_features):
            g = (coef_gradient[t, j] - residual_sum[t] * x_center[j]) * (scaling / x_scale[j])
            if penalized:
                g += (n_batch / batch_size) * penalty_weights[j] * coef[t, j]
            gradient_sum[t, j] += g
            m_coef[t, j], v_coef[t, j], max_coef[t, j], coef[t, j] = _adam_element(
                g, m_coef[t, j], v_coef[t, j], max_coef[t, j], coef[t, j],
                first_correction, second_correction, learning_rate, beta_1, beta_2,
                epsilon, raw, amsgrad, decay,
            )
        if has_intercept:
            g = residual_sum[t] * scaling
            intercept_gradient_sum[t] += g
            m_intercept[t], v_intercept[t], max_intercept[t], intercept[t] = _adam_element(
                g, m_intercept[t], v_intercept[t], max_intercept[t], intercept[t],
                first_correction, second_correction, learning_rate, beta_1, beta_2,
                epsilon, raw, amsgrad, 0.0,
            )
    return penalty


@_numpy_or_compiled
def _epoch(X, data, indices, indptr, y, sample_weight, rows, order, n_samples, batch_size,
           weight_sum, x_center, x_scale, y_center, y_scale, penalty_weights, penalized,
           has_intercept, coef, intercept,
           m_coef, v_coef, max_coef, m_intercept, v_intercept, max_intercept,
           step, learning_rate, beta_1, beta_2, epsilon, raw, amsgrad, decay,
           gradient_sum, intercept_gradient_sum):
    # X is either dense (and data, indices, indptr are empty) or given as
    # CSR arrays (and X is empty).
    sparse = indptr.size > 0
    n_targets, n_features = coef.shape
    raw_coef = np.empty((n_targets, n_features))
    raw_intercept = np.empty(n_targets)
    coef_gradient = np.empty((n_targets, n_features))
    residual_sum = np.empty(n_targets)
    weighted_squares = 0.0
    penalty = 0.0
    steps = 0
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        _prepare_batch(coef, intercept, has_intercept, x_center, x_scale, y_center,
                       y_scale, raw_coef, raw_intercept)
        coef_gradient[:] = 0.0
        residual_sum[:] = 0.0
        for position in range(start, stop):
            if order.size and position + PREFETCH_DISTANCE < n_samples:
                ahead = order[position + PREFETCH_DISTANCE]
                if rows.size:
                    ahead = rows[ahead]
                if sparse:
                    for k in range(indptr[ahead], indptr[ahead + 1], 8):
                        _prefetch(data, k)
                        _prefetch(indices, k)
                else:
                    for j in range(0, n_features, 8):
                        _prefetch(X[ahead], j)
            row = order[position] if order.size else position
            if rows.size:
                row = rows[row]
            weight = sample_weight[row]
            for t in range(n_targets):
                prediction = raw_intercept[t]
                if sparse:
                    for k in range(indptr[row], indptr[row + 1]):
                        prediction += data[k] * raw_coef[t, indices[k]]
                else:
                    for j in range(n_features):
                        prediction += X[row, j] * raw_coef[t, j]
                residual = (prediction - y[row, t]) / y_scale[t]
                weighted_squares += 0.5 * weight * residual * residual
                residual *= weight
                residual_sum[t] += residual
                if sparse:
                    for k in range(indptr[row], indptr[row + 1]):
                        coef_gradient[t, indices[k]] += data[k] * residual
                else:
                    for j in range(n_features):
                        coef_gradient[t, j] += X[row, j] * residual
        steps += 1
        penalty += _finish_batch(
            stop - start, batch_size, n_samples, weight_sum, x_center, x_scale,
            penalty_weights, penalized, has_intercept, coef, intercept, coef_gradient,
            residual_sum, m_coef, v_coef, max_coef, m_intercept, v_intercept, max_intercept,
            step + steps, learning_rate, beta_1, beta_2, epsilon, raw, amsgrad, decay,
            gradient_sum, intercept_gradient_sum,
        )
    return weighted_squares, penalty, steps

def compiled_column_spread(X, sample_weight, center):
    """Weighted variance about ``center`` and mean square of each dense column.

    The compiled counterpart of the dense branch of
    :func:`sklearn_adam._loss._column_spread`, in one pass over the rows and
    without temporaries; None where it does not apply.
    """
    if not (ENABLED and isinstance(X, np.ndarray)):
        return None
    variance = np.zeros(X.shape[1])
    mean_square = np.zeros(X.shape[1])
    _column_sums(X, sample_weight, center, variance, mean_square)
    weight_sum = sample_weight.sum()
    return (
        (variance / weight_sum).astype(X.dtype, copy=False),
        (mean_square / weight_sum).astype(X.dtype, copy=False),
    )


@_numpy_or_compiled
def _column_sums(X, sample_weight, center, variance, mean_square):
    n_samples, n_features = X.shape
    for i in range(n_samples):
        weight = sample_weight[i]
        for j in range(n_features):
            value = X[i, j]
            deviation = value - center[j]
            variance[j] += weight * deviation * deviation
            mean_square[j] += weight * value * value
