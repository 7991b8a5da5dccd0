"""The least-squares gradient from the rows of ``X``, as epochs and full-batch steps take it.

A pass adds each row's weighted residual times the row into the batch's sums
(:func:`add_residual_products`), reading ``X`` in place, dense or CSR, in the
order given; :func:`batch_gradient` turns those sums into the standardized
gradient (``Objective.batch_gradient`` of the squared error), with the penalty's.
"""

import numba
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

from ._compile import kernel

# How many rows ahead of the one in hand the epoch asks the processor to
# fetch: a shuffled order visits rows where its prefetcher cannot guess, and
# waiting for each from memory would take most of an epoch's time.
PREFETCH_DISTANCE = 8


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


@kernel
def original_units(state, scaling, raw_coef, raw_intercept):
    # The coefficients in the units of the data (Standardization.to_original).
    n_targets, n_features = state.coef.shape
    for t in range(n_targets):
        offset = 0.0
        for j in range(n_features):
            raw_coef[t, j] = state.coef[t, j] * (scaling.y_scale[t] / scaling.x_scale[j])
            offset += raw_coef[t, j] * scaling.x_center[j]
        raw_intercept[t] = scaling.y_center[t] - offset
        if state.has_intercept:
            raw_intercept[t] += scaling.y_scale[t] * state.intercept[t]


@kernel(in_order=True)
def batch_gradient(data, scaling, coef, coef_gradient, residual_sum, gradient_sum,
                   intercept_gradient_sum, n_batch, batch_size):
    # The batch's sums turned into its gradient in their place, the
    # intercept's in place of the residual sums, and added to the epoch's
    # totals; returns the penalty as step() does.
    n_targets, n_features = coef.shape
    scaling_factor = data.n_samples / (batch_size * data.weight_sum)
    penalty = 0.0
    if data.penalized:
        for t in range(n_targets):
            for j in range(n_features):
                penalty += data.penalty_weights[j] * coef[t, j] * coef[t, j]
        penalty = 0.5 * penalty / n_targets * n_batch / data.n_samples
    for t in range(n_targets):
        for j in range(n_features):
            g = (coef_gradient[t, j] - residual_sum[t] * scaling.x_center[j]) * (
                scaling_factor / scaling.x_scale[j]
            )
            if data.penalized:
                g += (n_batch / batch_size) * data.penalty_weights[j] * coef[t, j]
            gradient_sum[t, j] += g
            coef_gradient[t, j] = g
        # The intercept's gradient, in place of the residual sum it comes from.
        residual_sum[t] *= scaling_factor
        intercept_gradient_sum[t] += residual_sum[t]
    return penalty


@kernel
def add_residual_products(data, scaling, raw_coef, raw_intercept, order, first, stop,
                          coef_gradient, residual_sum, weighted_squares):
    # The rows at positions first to stop of order (as they lie when order
    # is empty): each row's weighted residual times the row added into
    # coef_gradient, the residuals into residual_sum; returns weighted_squares
    # plus half their weighted squares.
    X, values, indices, indptr = data.X, data.values, data.indices, data.indptr
    rows = data.rows
    sparse = indptr.size > 0
    n_samples = data.n_samples
    n_targets, n_features = raw_coef.shape
    for position in range(first, stop):
        if order.size and position + PREFETCH_DISTANCE < n_samples:
            ahead = order[position + PREFETCH_DISTANCE]
            if rows.size:
                ahead = rows[ahead]
            if sparse:
                for k in range(indptr[ahead], indptr[ahead + 1], 8):
                    _prefetch(values, k)
                    _prefetch(indices, k)
            else:
                for j in range(0, n_features, 8):
                    _prefetch(X[ahead], j)
        row = order[position] if order.size else position
        if rows.size:
            row = rows[row]
        weight = data.sample_weight[row]
        for t in range(n_targets):
            prediction = raw_intercept[t]
            if sparse:
                for k in range(indptr[row], indptr[row + 1]):
                    prediction += values[k] * raw_coef[t, indices[k]]
            else:
                for j in range(n_features):
                    prediction += X[row, j] * raw_coef[t, j]
            residual = (prediction - data.y[row, t]) / scaling.y_scale[t]
            weighted_squares += 0.5 * weight * residual * residual
            residual *= weight
            residual_sum[t] += residual
            if sparse:
                for k in range(indptr[row], indptr[row + 1]):
                    coef_gradient[t, indices[k]] += values[k] * residual
            else:
                for j in range(n_features):
                    coef_gradient[t, j] += X[row, j] * residual
    return weighted_squares
