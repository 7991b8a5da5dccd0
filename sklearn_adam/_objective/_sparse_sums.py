r"""Weighted sums of centered sparse columns, without cancelling their offsets.

A sparse column stays sparse only if its center is never subtracted from it:
the implicit zeros would all become :math:`-c`. Expanding
:math:`\sum_i s_i (x_i - c)^2` as :math:`\sum_i s_i x_i^2 - 2c \sum_i s_i x_i
+ c^2 \sum_i s_i` keeps it sparse, but where the column lies far from zero
(a price, a sensor reading among one-hot columns: stored in every row) the
three terms are about :math:`c^2` times as large as their difference, which
keeps only a relative ``eps * c**2 / variance`` of it: at an offset of 1e6
with a spread of 1, a few digits, and at 1e7 none.

The sums here keep the digits of dense arithmetic instead, and the matrix
sparse (no dense copy of any of its columns):

- a column's spread is summed over its stored values centered one by one,
  and its implicit zeros, which all deviate by :math:`-c`, add
  :math:`c^2` times their weight in closed form (:func:`column_moments`);
- in the products of the normal equations (:func:`centered_products`), the
  columns stored in most of the weight, the only ones whose center can be
  large next to their spread, have their stored values centered, and the
  rows where they store nothing, a few, are summed apart; the others keep
  the expansion, whose terms are then within a small factor of the result:
  with at least half the weight on implicit zeros, each deviating by
  :math:`-c`, the sum of squared deviations is at least :math:`c^2` times
  half the weight.

In both, the weight of a column's implicit zeros is summed over those rows
where they are few, never taken as the total less the stored weight: that
difference's rounding, times :math:`c^2`, could outweigh the spread.
"""

import numpy as np
import scipy.sparse as sp

from .._fast import compiled_kernels


def column_sums(X, sample_weight):
    """The weighted sum of each column of a sparse matrix, ``X.T @ sample_weight``, in float64.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)

    Returns
    -------
    sums : ndarray of shape (n_features,)
    """
    return np.asarray(X.T @ sample_weight.astype(np.float64, copy=False)).ravel()


def column_moments(X, sample_weight, center):
    """Weighted means (with ``center``), variances and mean squares of each column.

    The implicit zeros count as values. The means are corrected by the mean
    deviation from a first estimate, and the variances are summed about
    that estimate less the correction's square (the corrected two-pass
    algorithm of Chan, Golub & LeVeque, 1983): far from zero the first
    estimate can be a few units of its last place off, the spread's size.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)
    center : bool
        Whether to center on the mean; if False, about zero.

    Returns
    -------
    mean, variance, mean_square : ndarray of shape (n_features,)
        float64; ``mean`` is zero without ``center``.
    """
    X = _canonical(X)
    total = float(np.sum(sample_weight, dtype=np.float64))
    estimate = column_sums(X, sample_weight) / total if center else np.zeros(X.shape[1])
    values = X.data.astype(np.float64, copy=False)
    squares = column_sums(_with_values(X, np.square(values)), sample_weight)
    deviations = values - estimate[_entry_columns(X)]
    implicit_weight = _implicit_weights(X, sample_weight, total)
    deviation_sums = (column_sums(_with_values(X, deviations), sample_weight)
                      - implicit_weight * estimate)
    np.square(deviations, out=deviations)
    deviation_squares = (column_sums(_with_values(X, deviations), sample_weight)
                         + implicit_weight * np.square(estimate))
    correction = deviation_sums / total if center else np.zeros(X.shape[1])
    variance = np.maximum(deviation_squares / total - np.square(correction), 0.0)
    return estimate + correction, variance, squares / total


def _implicit_weights(X, sample_weight, total):
    """The weight of each column's implicit zeros.

    The total less the stored weight, except where the implicit zeros are
    few: that difference's rounding, times a large center's square, could
    outweigh the spread, and their weight is summed over their rows instead.
    """
    stored_weight = _stored_weights(X, sample_weight)
    implicit_weight = np.maximum(total - stored_weight, 0.0)
    mostly_stored = np.flatnonzero(stored_weight > 0.5 * total)
    if mostly_stored.size:
        _, weighted = _missing_entries(X, mostly_stored, np.ones(mostly_stored.size),
                                       sample_weight)
        implicit_weight[mostly_stored] = np.asarray(weighted.sum(axis=0)).ravel()
    return implicit_weight


def centered_products(X_block, y_tilde, weight, center, block_scale):
    r"""Weighted sums of products of ``[X_block - center, y_tilde, 1]``, the block kept sparse.

    What :func:`sklearn_adam._objective._normal_equations.block_sums` gives
    for a sparse block. Each centered column is written
    :math:`d_j = b_j - e_j`: for a column stored in most of the block's
    weight (an *offset* column), :math:`b_j` holds its stored values
    centered and :math:`e_j` is :math:`c_j` on the rows where it is not
    stored, a sparse column too; for the others :math:`b_j` holds the stored
    values and :math:`e_j = c_j` on every row. The products of
    :math:`b - e` then expand into sums over parts of the rows, none of
    them much larger than the result (see the module's description).

    Parameters
    ----------
    X_block : sparse matrix of shape (n_rows, n_features)
    y_tilde : ndarray of shape (n_rows, n_targets)
        The standardized targets, float64.
    weight : ndarray of shape (n_rows,)
        float64.
    center : ndarray of shape (n_features,)
        float64.
    block_scale : ndarray of shape (n_features,) or None
        Divides each column (and its center) before its products are taken.

    Returns
    -------
    sums : ndarray of shape (n_features + n_targets + 1,) * 2
    """
    n_features, n_targets = X_block.shape[1], y_tilde.shape[1]
    X_block = _canonical(X_block)
    values = X_block.data.astype(np.float64)
    columns = _entry_columns(X_block)
    if block_scale is not None:
        values *= (1.0 / block_scale)[columns]
        center = center / block_scale
    total = weight.sum()
    stored_weight = _stored_weights(X_block, weight)
    offset = (center != 0) & (stored_weight > 0.5 * total)
    # b: the offset columns' stored values centered; the other columns'
    # centers, subtracted from every row, are spread_center.
    values -= np.where(offset, center, 0.0)[columns]
    stored = _with_values(X_block, values)
    spread_center = np.where(offset, 0.0, center)
    weighted = stored.multiply(weight[:, None]).tocsr()
    stored_sums = np.asarray(weighted.sum(axis=0)).ravel()
    target_sums = weight @ y_tilde
    x = slice(0, n_features)
    t = slice(n_features, n_features + n_targets)
    sums = np.empty((n_features + n_targets + 1,) * 2)
    # In place, in the order of the expression written out: no temporaries
    # of its size but the outer products.
    products = _weighted_products(stored, weighted, weight)
    products -= np.outer(stored_sums, spread_center)
    products -= np.outer(spread_center, stored_sums)
    products += total * np.outer(spread_center, spread_center)
    sums[x, x] = products
    sums[t, x] = np.asarray(weighted.T @ y_tilde).T - np.outer(target_sums, spread_center)
    sums[-1, x] = stored_sums - total * spread_center
    if offset.any():
        _subtract_missing(sums, stored, y_tilde, weight, center, spread_center,
                          np.flatnonzero(offset))
    sums[t, t] = (y_tilde.T * weight) @ y_tilde
    sums[-1, t] = target_sums
    sums[-1, -1] = total
    sums[x, t], sums[x, -1], sums[t, -1] = sums[t, x].T, sums[-1, x], sums[-1, t]
    return sums


# Below this many stored values per row on average, scipy's product is the
# faster (measured on 2,048 columns: 3 per row, 0.065 s against the kernel's
# 0.105 s; 10 per row, 0.10 s against 0.08 s).
KERNEL_VALUES_PER_ROW = 8


def _weighted_products(stored, weighted, weight):
    """``stored.T @ weighted``, dense, where ``weighted`` is ``stored``'s rows times ``weight``.

    By the compiled kernel where there is one.

    scipy's sparse product, the reference, holds the pairs of every row in a
    sparse intermediate before they are added into the dense result; the
    kernel adds them straight in, each pair once.
    """
    kernels = compiled_kernels()
    if kernels is None or stored.nnz < KERNEL_VALUES_PER_ROW * stored.shape[0]:
        return np.asarray((stored.T @ weighted).todense())
    rows = stored.tocsr()
    if not rows.has_sorted_indices:
        rows = rows.sorted_indices()
    products = np.zeros((stored.shape[1],) * 2)
    kernels.row_products(rows.indptr, rows.indices, rows.data, weight, products)
    return products


def _subtract_missing(sums, stored, y_tilde, weight, center, spread_center, offset):
    """Add to ``sums`` the terms of the rows where the ``offset`` columns are not stored.

    There each of those columns deviates by ``-center``: with ``e`` those
    deviations' negatives (a sparse matrix) and ``b`` the columns of
    ``stored``, the products gain ``-b'We - e'Wb + e'We`` and the products
    of ``e`` with the other columns' ``spread_center``; the sums of the
    columns and their products with the targets lose those of ``e``.
    """
    missing, weighted = _missing_entries(stored, offset, center[offset], weight)
    if missing.nnz == 0:
        return
    n_features, n_targets = stored.shape[1], y_tilde.shape[1]
    x = slice(0, n_features)
    t = slice(n_features, n_features + n_targets)
    missing_sums = np.zeros(n_features)
    missing_sums[offset] = np.asarray(weighted.sum(axis=0)).ravel()
    with_stored = np.asarray((stored.T @ weighted).todense())
    sums[x, offset] -= with_stored
    sums[offset, x] -= with_stored.T
    sums[np.ix_(offset, offset)] += np.asarray((missing.T.tocsc() @ weighted).todense())
    sums[x, x] += (np.outer(missing_sums, spread_center)
                   + np.outer(spread_center, missing_sums))
    sums[t, offset] -= np.asarray(weighted.T @ y_tilde).T
    sums[-1, x] -= missing_sums


def _missing_entries(matrix, columns, values, weight):
    """``values`` where ``columns`` of ``matrix`` store nothing, unweighted and weighted.

    Parameters
    ----------
    matrix : CSR or CSC matrix of shape (n_rows, n_columns)
    columns : ndarray of int
    values : ndarray of shape (len(columns),)
    weight : ndarray of shape (n_rows,)

    Returns
    -------
    missing, weighted : csc_matrix of shape (n_rows, len(columns))
        ``weighted`` holds each row's entries times its weight.
    """
    n_rows = matrix.shape[0]
    shape = (n_rows, len(columns))
    if np.all(_stored_counts(matrix)[columns] == n_rows):  # nothing is missing
        empty = sp.csc_matrix(shape)
        return empty, empty
    selected = matrix[:, columns].tocsc()
    rows = []
    for position in range(len(columns)):
        is_stored = np.zeros(n_rows, dtype=bool)
        is_stored[selected.indices[selected.indptr[position]:selected.indptr[position + 1]]] = True
        rows.append(np.flatnonzero(~is_stored))
    lengths = [len(part) for part in rows]
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    rows = np.concatenate(rows)
    entries = np.repeat(values, lengths)
    return (sp.csc_matrix((entries, rows, indptr), shape=shape),
            sp.csc_matrix((entries * weight[rows].astype(np.float64), rows, indptr), shape=shape))


def _stored_weights(X, sample_weight):
    """The weight of the rows where each column of a CSR or CSC matrix stores a value."""
    return column_sums(_with_values(X, np.ones(X.data.shape[0])), sample_weight)


def _with_values(X, values):
    """A CSR or CSC matrix of ``X``'s pattern (its index arrays shared) holding ``values``."""
    return type(X)((values, X.indices, X.indptr), shape=X.shape)


def _canonical(X):
    """``X`` as CSR or CSC with each value stored once: itself, or a copy.

    A value stored twice stands for their sum, whose square is not the sum
    of theirs.
    """
    if X.format not in ("csr", "csc"):
        X = sp.csr_matrix(X)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def _stored_counts(X):
    """How many values each column of a CSR or CSC matrix stores."""
    if X.format == "csc":
        return np.diff(X.indptr)
    return np.bincount(X.indices, minlength=X.shape[1])


def _entry_columns(X):
    """The column of each stored value of a CSR or CSC matrix."""
    if X.format == "csr":
        return X.indices
    return np.repeat(np.arange(X.shape[1]), np.diff(X.indptr))
