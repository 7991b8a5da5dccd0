"""The datafit's gradient from the rows of ``X``, as epochs and full-batch steps take it.

A pass adds each row's weighted derivative (the datafit's, at the row's
prediction: :func:`~._losses.loss_and_derivative`; the scaled residual for
squared error) times the row into the batch's sums
(:func:`add_residual_products`), reading ``X`` in place, dense or CSR, in the
order given; a full batch in the order the rows lie takes
:func:`add_full_batch_products`, a faster pass of its own for CSR rows
(:func:`add_sparse_row_products`) and for dense ones
(:func:`add_dense_row_products`); :func:`batch_gradient`
turns those sums into the standardized gradient (``Objective.batch_gradient``),
with the penalty's.

A column index read from ``X`` is turned into an unsigned integer before it
indexes: numba adds the length to a negative (signed) index, a test and a
select per stored value that took more time than the arithmetic.
"""

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

from ._compile import kernel
from ._losses import loss_and_derivative

# The stored values of a CSR row that add_sparse_row_products takes at a time.
CHUNK = 4

# The dense rows whose products add_dense_row_products adds into the
# gradient together: eight rows of 4,096 float64 values fill half the
# processor's second-level cache.
ROW_BLOCK = 8

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
def batch_gradient(data, scaling, coef, coef_gradient, derivative_sum, gradient_sum,
                   intercept_gradient_sum, n_batch, batch_size):
    # The batch's sums turned into its gradient in their place, the
    # intercept's in place of the derivatives' sums, and added to the epoch's
    # totals; returns the penalty as step() does.
    n_targets, n_features = coef.shape
    scaling_factor = data.n_samples / (batch_size * data.weight_sum)
    penalty = 0.0
    if data.penalized:
        for t in range(n_targets):
            for j in range(n_features):
                penalty += data.penalty_weights[t, j] * coef[t, j] * coef[t, j]
        penalty = 0.5 * penalty / n_targets * n_batch / data.n_samples
    for t in range(n_targets):
        for j in range(n_features):
            g = (coef_gradient[t, j] - derivative_sum[t] * scaling.x_center[j]) * (
                scaling_factor / scaling.x_scale[j]
            )
            if data.penalized:
                g += (n_batch / batch_size) * data.penalty_weights[t, j] * coef[t, j]
            gradient_sum[t, j] += g
            coef_gradient[t, j] = g
        # The intercept's gradient, in place of the derivatives' sum it comes from.
        derivative_sum[t] *= scaling_factor
        intercept_gradient_sum[t] += derivative_sum[t]
    return penalty


@kernel
def add_residual_products(data, scaling, loss, raw_coef, raw_intercept, order, first, stop,
                          coef_gradient, derivative_sum, weighted_loss):
    # The rows at positions first to stop of order (as they lie when order
    # is empty): each row's weighted derivative times the row added into
    # coef_gradient, the derivatives into derivative_sum; returns
    # weighted_loss plus their weighted loss.
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
                for k in range(numba.uint64(indptr[row]), numba.uint64(indptr[row + 1])):
                    prediction += values[k] * raw_coef[t, numba.uint64(indices[k])]
            else:
                for j in range(n_features):
                    prediction += X[row, j] * raw_coef[t, j]
            target = data.y[row, t]
            weighted_loss, derivative = loss_and_derivative(
                loss, weight, prediction, target, (prediction - target) / scaling.y_scale[t],
                weighted_loss,
            )
            derivative_sum[t] += derivative
            if sparse:
                for k in range(numba.uint64(indptr[row]), numba.uint64(indptr[row + 1])):
                    coef_gradient[t, numba.uint64(indices[k])] += values[k] * derivative
            else:
                for j in range(n_features):
                    coef_gradient[t, j] += X[row, j] * derivative
    return weighted_loss


@kernel
def add_full_batch_products(data, scaling, loss, raw_coef, raw_intercept, first, stop,
                            coef_gradient, derivative_sum, weighted_loss):
    # What add_residual_products adds for the training rows at positions
    # first to stop in the order they lie (a full batch, or a part of one),
    # by add_sparse_row_products or add_dense_row_products.
    if data.indptr.size:
        return add_sparse_row_products(data, scaling, loss, raw_coef, raw_intercept, first,
                                       stop, coef_gradient, derivative_sum, weighted_loss)
    return add_dense_row_products(data, scaling, loss, raw_coef, raw_intercept, first, stop,
                                  coef_gradient, derivative_sum, weighted_loss)


@kernel(in_order=True)
def add_dense_row_products(data, scaling, loss, raw_coef, raw_intercept, first, stop,
                           coef_gradient, derivative_sum, weighted_loss):
    # What add_residual_products does for the dense rows at positions first
    # to stop in the order they lie, ROW_BLOCK rows at a time: each row's
    # prediction (row_dot) and derivative, then the block's products added
    # into the gradient a column at a time, the column's sum held across the
    # block's rows instead of read and written once a row; added in the
    # order of the rows, as one row at a time would (a last, shorter block
    # and rows picked by data.rows are), so that a pass cut into parts adds
    # the same.
    X, rows = data.X, data.rows
    n_targets, n_features = raw_coef.shape
    derivatives = np.empty((n_targets, ROW_BLOCK))
    for block in range(first, stop, ROW_BLOCK):
        size = min(ROW_BLOCK, stop - block)
        for i in range(size):
            row = rows[block + i] if rows.size else block + i
            weight = data.sample_weight[row]
            for t in range(n_targets):
                prediction = raw_intercept[t] + row_dot(X, row, raw_coef[t])
                target = data.y[row, t]
                weighted_loss, derivative = loss_and_derivative(
                    loss, weight, prediction, target,
                    (prediction - target) / scaling.y_scale[t], weighted_loss,
                )
                derivative_sum[t] += derivative
                derivatives[t, i] = derivative
        for t in range(n_targets):
            if size == ROW_BLOCK and not rows.size:
                for j in range(n_features):
                    total = coef_gradient[t, j]
                    for i in range(ROW_BLOCK):  # a constant count, unrolled
                        total += X[block + i, j] * derivatives[t, i]
                    coef_gradient[t, j] = total
            else:
                for i in range(size):
                    row = rows[block + i] if rows.size else block + i
                    for j in range(n_features):
                        coef_gradient[t, j] += X[row, j] * derivatives[t, i]
    return weighted_loss


@kernel
def row_dot(X, row, coef):
    # The product of a dense row and the coefficients, its sum reassociated
    # (vectorized) by the compiler.
    total = 0.0
    for j in range(coef.size):
        total += X[row, j] * coef[j]
    return total


@kernel(in_order=True)
def add_sparse_row_products(data, scaling, loss, raw_coef, raw_intercept, first, stop,
                            coef_gradient, derivative_sum, weighted_loss):
    # What add_residual_products does for the CSR rows at positions first to
    # stop in the order they lie (a full batch), faster: one pass over the
    # rows per target (sparse_target_pass), which reads each row from memory
    # once. Adds in an order of its own: a target's sums over the rows, then
    # those into the totals (a CSR X, never memory-mapped, is not cut into
    # parts, whose sums would be added otherwise).
    rows = data.rows[first:stop] if data.rows.size else data.rows
    for t in range(raw_coef.shape[0]):
        target_loss, derivatives = sparse_target_pass(
            data.values, data.indices, data.indptr, rows, data.sample_weight, data.y[:, t],
            (first, stop), raw_coef[t], coef_gradient[t], raw_intercept[t],
            1.0 / scaling.y_scale[t], loss,
        )
        weighted_loss += target_loss
        derivative_sum[t] += derivatives
    return weighted_loss


@kernel(in_order=True)
def sparse_target_pass(values, indices, indptr, rows, weights, targets, span, coef, gradient,
                       intercept, inverse_scale, loss):
    # For each CSR row at positions span = (first, stop): its prediction and
    # its derivative for one target, and the row's products with the
    # derivative added into gradient while the row is in cache; returns the
    # weighted loss and the sum of the weighted derivatives. The prediction
    # takes CHUNK stored values at a time into as many sums, those past the
    # row's end (the next rows') times zero, so that its loop ends after a
    # number of turns the processor predicts more often than the row's
    # length; the last rows, with too few values after them, one at a time.
    # Its own function, of arrays rather than of the Data group: the
    # compiler kept more of the loop's pointers in registers (a tenth less
    # time).
    n_stored = numba.uint64(values.size)
    one, two, three = numba.uint64(1), numba.uint64(2), numba.uint64(3)
    chunk = numba.uint64(CHUNK)
    first, stop = span
    weighted_loss = 0.0
    derivatives = 0.0
    for position in range(stop - first):
        row = numba.uint64(rows[position] if rows.size else first + position)
        start, end = numba.uint64(indptr[row]), numba.uint64(indptr[row + one])
        sum0, sum1, sum2, sum3 = intercept, 0.0, 0.0, 0.0
        if end + chunk <= n_stored:
            for k in range(start, end, chunk):
                sum0 += values[k] * coef[numba.uint64(indices[k])]
                sum1 += (values[k + one] if k + one < end else 0.0) * coef[
                    numba.uint64(indices[k + one])]
                sum2 += (values[k + two] if k + two < end else 0.0) * coef[
                    numba.uint64(indices[k + two])]
                sum3 += (values[k + three] if k + three < end else 0.0) * coef[
                    numba.uint64(indices[k + three])]
        else:
            for k in range(start, end):
                sum0 += values[k] * coef[numba.uint64(indices[k])]
        prediction = (sum0 + sum1) + (sum2 + sum3)
        target = targets[row]
        weighted_loss, derivative = loss_and_derivative(
            loss, weights[row], prediction, target, (prediction - target) * inverse_scale,
            weighted_loss,
        )
        derivatives += derivative
        for k in range(start, end):
            gradient[numba.uint64(indices[k])] += values[k] * derivative
    return weighted_loss, derivatives
