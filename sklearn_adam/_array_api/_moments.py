"""The column moments of the standardization, measured where the data live.

:func:`measure` is :func:`sklearn_adam._objective._standardization.measure`
for arrays of any namespace: the same moments (weighted means, variances
and mean squares, the ranges of near-constant columns, the units of columns
whose squares would overflow or underflow), each pass over ``X`` run on its
device, in blocks, with spreads summed in float64 where the device has it.
Only vectors of one value per column come back, as the NumPy
:class:`~sklearn_adam._objective._column_moments.ColumnMoments` from which
the standardization is decided on the host, by the same code as for NumPy
data.
"""

import numpy as np

from .._namespace import to_numpy
from .._objective._column_moments import ColumnMoments
from .._objective._standardization import _noise_level, _units

# Elements of X per block of a pass on the device: 128 MiB of float64
# temporaries, large enough that a block's few kernel launches are
# negligible next to its reading.
BLOCK_ELEMENTS = 2**24


def rows_per_block(X, n_columns=None):
    """How many rows of ``X`` a pass reads at a time.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    n_columns : int or None, default=None
        Columns of the widest temporary per row; ``n_features`` when None.

    Returns
    -------
    n_rows : int
    """
    return max(1, BLOCK_ELEMENTS // max(1, n_columns or X.shape[1]))


def measure(namespace, X, y, sample_weight, *, center, scale):
    """The moments of the columns of ``X`` and of ``y``, from which to standardize.

    Parameters
    ----------
    namespace : ArrayNamespace
    X : array of shape (n_samples, n_features)
    y : array of shape (n_samples, n_targets)
    sample_weight : array of shape (n_samples,)
    center, scale : bool
        As for :meth:`~sklearn_adam._objective.Standardization.fit`.

    Returns
    -------
    x_moments, y_moments : ColumnMoments
        Of NumPy arrays, on the host.
    """
    xp = namespace.xp
    dtype = namespace.numpy_dtype(X.dtype)
    weight_sum = float(xp.sum(sample_weight))
    y_unit = _units(*_column_range(namespace, y), dtype)
    if y_unit is not None:
        y = y / namespace.from_numpy(y_unit)
    # Overflow and underflow are looked for just below, as for NumPy data.
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        x_center, x_variance, x_mean_square = _moments(
            namespace, X, sample_weight, weight_sum, center, scale
        )
    x_unit = None
    if scale:
        doubtful = np.flatnonzero(
            ~np.isfinite(x_mean_square) | ~np.isfinite(x_center)
            | (x_mean_square < 2.0 ** (np.finfo(dtype).minexp + 64))
        )
        units = None
        if doubtful.size:
            units = _units(*_column_range(namespace, X, doubtful), dtype)
        if units is not None:
            x_unit = np.ones(X.shape[1], dtype=dtype)
            x_unit[doubtful] = units
            X = X / namespace.from_numpy(x_unit)
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                x_center, x_variance, x_mean_square = _moments(
                    namespace, X, sample_weight, weight_sum, center, scale
                )
    y_center = np.zeros(y.shape[1], dtype=dtype)
    if center:
        y_center = to_numpy((sample_weight @ y) / weight_sum)
    x_moments = ColumnMoments(weight_sum, x_center, x_variance, x_mean_square, None, None,
                              x_unit)
    y_moments = ColumnMoments(weight_sum, y_center, None, None, None, None, y_unit)
    if scale:
        x_moments.low, x_moments.high = _near_ranges(
            namespace, X, sample_weight, x_variance, x_mean_square, _noise_level(dtype)
        )
        deviation = y - namespace.from_numpy(y_center)
        y_moments.variance = to_numpy((sample_weight @ (deviation * deviation)) / weight_sum)
        y_moments.mean_square = to_numpy((sample_weight @ (y * y)) / weight_sum)
        y_moments.low, y_moments.high = _near_ranges(
            namespace, y, sample_weight, y_moments.variance, y_moments.mean_square,
            _noise_level(dtype),
        )
    return x_moments, y_moments


def _moments(namespace, X, sample_weight, weight_sum, center, scale):
    """Weighted centers, and with ``scale`` variances and mean squares, of each column.

    NumPy arrays of the dtype of ``X``; without ``scale`` the last two are
    None. The spreads are summed from the centered values, block by block.
    """
    xp = namespace.xp
    if center:
        centers = (sample_weight @ X) / weight_sum
    else:
        centers = xp.zeros(X.shape[1], dtype=X.dtype, device=namespace.device)
    if not scale:
        return to_numpy(centers), None, None
    wide = namespace.sum_dtype
    wide_centers = xp.astype(centers, wide)
    variance = xp.zeros(X.shape[1], dtype=wide, device=namespace.device)
    mean_square = xp.zeros(X.shape[1], dtype=wide, device=namespace.device)
    block = rows_per_block(X)
    n_rows = X.shape[0]
    for start in range(0, n_rows, block):
        # Slices end within the array: the array API leaves the rest unspecified.
        stop = min(start + block, n_rows)
        values = xp.astype(X[start:stop, :], wide)
        weight = xp.astype(sample_weight[start:stop], wide)
        deviation = values - wide_centers
        variance = variance + weight @ (deviation * deviation)
        mean_square = mean_square + weight @ (values * values)
    return (
        to_numpy(centers),
        to_numpy(xp.astype(variance / weight_sum, X.dtype)),
        to_numpy(xp.astype(mean_square / weight_sum, X.dtype)),
    )


def _column_range(namespace, values, columns=None, rows=None):
    """The smallest and largest value of each column (of ``columns``, over ``rows``), in NumPy.

    ``rows`` is a boolean array of the rows to read; None reads all.
    """
    xp = namespace.xp
    if columns is not None:
        values = xp.take(values, namespace.from_numpy(columns), axis=1)
    low, high = values, values
    if rows is not None:
        # Rows left out read as values that neither bound can take.
        kept = rows[:, None]
        infinity = xp.asarray(np.inf, dtype=values.dtype, device=namespace.device)
        low = xp.where(kept, values, infinity)
        high = xp.where(kept, values, -infinity)
    return to_numpy(xp.min(low, axis=0)), to_numpy(xp.max(high, axis=0))


def _near_ranges(namespace, values, sample_weight, variance, mean_square, noise):
    """The range of each column whose variance is within rounding noise of nothing.

    As for NumPy data: ``(low, high)`` over the rows of positive weight for
    those columns, NaN for the others, which are known to vary.
    """
    low = np.full(values.shape[1], np.nan)
    high = np.full(values.shape[1], np.nan)
    near = np.flatnonzero(variance <= noise * mean_square)
    if near.size:
        positive = sample_weight > 0
        rows = None if bool(namespace.xp.all(positive)) else positive
        low[near], high[near] = _column_range(namespace, values, near, rows)
    return low, high
