"""The weighted products of a sparse matrix's columns, for its normal equations
(:func:`sklearn_adam._objective._sparse_sums.centered_products`)."""

from ._compile import kernel

# The bytes of the products one pass over the rows adds into: a band of
# rows of the lower triangle that stays in the processor's cache, where the
# whole triangle (16 MiB at 2,000 columns) does not, and each pair's
# addition would wait on memory. Measured at 2,000 columns and a million
# stored values (100,000 rows): 63 ms in one pass, 42 ms in bands of 2 MiB,
# 32 ms in 4 MiB, 31 ms in 8 MiB.
BAND_BYTES = 4 * 2**20


@kernel
def row_products(indptr, indices, values, weight, products):
    # X.T @ diag(weight) @ X for the CSR matrix X = (values, indices,
    # indptr), each row's column indices sorted and distinct, into products
    # (zeros on entry). Each row adds each pair of its stored values once,
    # into the lower triangle, which is then mirrored: half the
    # multiply-adds of the whole product, and no sparse intermediate. The
    # triangle is filled one band of its rows per pass over X's rows, each
    # entry summed over the rows in their order whatever the bands.
    n_features = products.shape[0]
    first = 0
    while first < n_features:
        stop = first + 1
        while stop < n_features and (stop + 1 - first) * (stop + 1) * 8 <= BAND_BYTES:
            stop += 1
        for i in range(indptr.size - 1):
            start, end = indptr[i], indptr[i + 1]
            for p in range(start, end):
                column = indices[p]
                if column >= stop:
                    break
                if column >= first:
                    weighted = weight[i] * values[p]
                    for q in range(start, p + 1):
                        products[column, indices[q]] += weighted * values[q]
        first = stop
    for row in range(n_features):
        for column in range(row):
            products[column, row] = products[row, column]
