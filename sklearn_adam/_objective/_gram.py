"""The normal equations' square matrix of sums, built and scaled in its own memory.

With many features the matrix of sums (``8 * n_sums**2`` bytes) is the
largest thing a fit holds: 34 MB for 2,048 features, against 18 MB for
1,100 rows of ``X`` itself. Each copy of it (a block's product before it is
added, the scaled Gram matrix beside the unscaled sums, the outer product of
the scales) would double that. The helpers here keep one: a block's
products are added into the sums by a symmetric rank-k update, which writes
one triangle, mirrored once at the end; the Gram matrix is scaled row by row
and moved to the front of the same buffer.
"""

import numpy as np
from scipy.linalg.blas import dsyrk

# Rows mirrored per step of mirror_lower: small bands, small temporaries.
BAND_ROWS = 256


def adds_in_place(block_rows, n_sums):
    """Whether blocks' products are added into the sums in place (see :func:`add_products`).

    Where the product of a block with itself is larger than the block, the
    temporary product would cost more memory than the block; smaller ones
    are taken by numpy, whose rounding earlier versions kept.

    Parameters
    ----------
    block_rows : int
        Rows of the largest block.
    n_sums : int
        Columns of the block, and rows of the sums.

    Returns
    -------
    bool
    """
    return n_sums > block_rows


def add_products(sums, columns):
    """Add ``columns.T @ columns`` into the lower triangle of ``sums``, without a temporary.

    Only the lower triangle (row >= column) of ``sums`` is updated; call
    :func:`mirror_lower` once all blocks are in.

    Parameters
    ----------
    sums : ndarray of shape (n_sums, n_sums)
        C-contiguous float64; updated in place.
    columns : ndarray of shape (n_rows, n_sums)
        C-contiguous float64.
    """
    # sums.T is the same memory in Fortran order, whose upper triangle is
    # sums' lower one; columns.T in Fortran order is columns without a copy.
    result = dsyrk(1.0, columns.T, beta=1.0, c=sums.T, trans=0, lower=0, overwrite_c=1)
    if not np.may_share_memory(result, sums):
        sums[...] = result.T


def mirror_lower(square):
    """Copy the lower triangle of a square matrix onto its upper one, in place.

    Parameters
    ----------
    square : ndarray of shape (n, n)
    """
    n = square.shape[0]
    for start in range(0, n, BAND_ROWS):
        stop = min(start + BAND_ROWS, n)
        square[start:stop, stop:] = square[stop:, start:stop].T
        band = square[start:stop, start:stop]
        upper = np.triu_indices(stop - start, 1)
        band[upper] = band.T[upper]


def scaled_leading_block(sums, scale):
    """The leading ``(p, p)`` block of ``sums`` over ``outer(scale, scale)``, in ``sums``' memory.

    Each row is divided and moved to the front of the buffer, so that the
    block comes out C-contiguous: ``sums`` is overwritten, except its rows
    from ``p`` on, which keep their values. Each entry is
    ``sums[i, j] / (scale[i] * scale[j])``, as with the outer product.

    Parameters
    ----------
    sums : ndarray of shape (n_sums, n_sums)
        Overwritten where C-contiguous (else copied first).
    scale : ndarray of shape (p,)
        ``p <= n_sums``.

    Returns
    -------
    block : ndarray of shape (p, p)
        A C-contiguous view of ``sums``' memory.
    """
    p, n_sums = scale.shape[0], sums.shape[0]
    # A view of sums' memory, unless sums is not contiguous: then of a copy.
    flat = np.ascontiguousarray(sums).reshape(-1)
    for i in range(p):
        # Row i moves back by i * (n_sums - p) entries; numpy buffers the
        # rows whose source and destination overlap.
        np.divide(flat[i * n_sums : i * n_sums + p], scale[i] * scale,
                  out=flat[i * p : (i + 1) * p])
    return flat[: p * p].reshape(p, p)
