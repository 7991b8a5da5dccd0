"""Standardization: the centers and scales that make one learning rate fit all data.

The solver works on standardized coefficients: each feature centered and
divided by its scale, and so is the target. Nothing is copied to do this:
:class:`Standardization` holds the centers and scales, and the objective folds
them into the coefficients it multiplies ``X`` by (see
:mod:`sklearn_adam._objective._problem`).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._fast import compiled_kernels
from .._mapped import block_slices, fixed_row_parts, row_parts
from ._column_moments import ColumnMoments
from ._layout import ParameterLayout
from ._rows import rows_per_block
from ._sparse_sums import column_moments


@dataclass
class Standardization:
    """Centers and scales of the features and targets.

    Parameters
    ----------
    x_center : ndarray of shape (n_features,)
    x_scale : ndarray of shape (n_features,)
    y_center : ndarray of shape (n_targets,)
    y_scale : ndarray of shape (n_targets,)
    """

    x_center: np.ndarray
    x_scale: np.ndarray
    y_center: np.ndarray
    y_scale: np.ndarray

    @classmethod
    def fit(cls, X, y, sample_weight, *, center, scale):
        """Weighted centers and scales of ``X`` and ``y``.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        y : ndarray of shape (n_samples, n_targets)
        sample_weight : ndarray of shape (n_samples,)
        center : bool
            Whether to center (on the weighted mean); if False, the centers
            are zero and the scales are root mean squares.
        scale : bool
            Whether to scale at all; if False, the scales are one.

        Returns
        -------
        standardization : Standardization
        """
        moments = measure(X, y, sample_weight, center=center, scale=scale)
        return cls.from_moments(*moments, center=center, scale=scale, dtype=X.dtype)

    @classmethod
    def from_moments(cls, x_moments, y_moments, *, center, scale, dtype, center_y=None,
                     scale_y=None, y_link=None):
        """The standardization of data whose columns have these moments.

        Parameters
        ----------
        x_moments, y_moments : ColumnMoments
            Of the features and of the targets, as :func:`measure` gives
            them, or merged.
        center, scale : bool
            As for :meth:`fit`, and as the moments were measured.
        dtype : numpy dtype
            The data's.
        center_y, scale_y : bool or None, default=None
            Whether the targets are centered and scaled: where the datafit
            does not allow it, their center is zero and their scale one.
            None: as the features are.
        y_link : object or None, default=None
            The datafit's link, whose ``forward`` maps the targets' center to
            the linear predictor's (the identity where None). A log link's
            center is the log of the targets' weighted mean, or of the
            smallest positive number where that mean is zero.

        Returns
        -------
        standardization : Standardization

        Raises
        ------
        ValueError
            If a column varies too little for its offset, or a coefficient
            would fall outside the dtype's range.
        """
        x_center, y_center = x_moments.center, y_moments.center
        if scale:
            # A constant column's coefficient cannot be told from the
            # intercept: an infinite scale pins it at zero (a zero gradient
            # and a zero coefficient).
            x_constant = _constant_columns(x_moments, _noise_level(dtype), "X")
            x_scale = np.sqrt(x_moments.variance)
            x_scale[x_constant] = np.inf
            y_scale = np.ones(y_center.shape[0], dtype=dtype)
            if scale_y is None or scale_y:
                y_constant = _constant_columns(y_moments, _noise_level(dtype), "y")
                y_scale = np.sqrt(y_moments.variance)
                y_scale[y_constant] = 1
        else:
            x_scale = np.ones(x_center.shape[0], dtype=dtype)
            y_scale = np.ones(y_center.shape[0], dtype=dtype)
        if x_moments.unit is not None:
            x_center, x_scale = x_center * x_moments.unit, x_scale * x_moments.unit
        if y_moments.unit is not None:
            y_center, y_scale = y_center * y_moments.unit, y_scale * y_moments.unit
        if center_y is not None and not center_y:
            y_center = np.zeros_like(y_center)
        elif y_link is not None and y_link.name != "identity":
            tiny = np.finfo(dtype).tiny
            y_center = y_link.forward(np, np.maximum(y_center, tiny))
        if scale_y is not None and not scale_y:
            y_scale = np.ones_like(y_scale)
        if scale:
            _check_coefficient_range(x_scale, y_scale, dtype)
        return cls(
            x_center.astype(dtype, copy=False),
            x_scale.astype(dtype, copy=False),
            y_center.astype(dtype, copy=False),
            y_scale.astype(dtype, copy=False),
        )

    def change_to(self, new, layout=None):
        """The change of coordinates from this standardization to ``new``.

        Parameters
        ----------
        new : Standardization
            Of the same columns.
        layout : ParameterLayout or None, default=None
            What the parameters are; None: the coefficients, and the
            intercept where a second array is given.

        Returns
        -------
        change : CoordinateChange
        """
        return CoordinateChange(self, new, layout)

    def to_original(self, coef, intercept):
        """Map standardized coefficients to those of the original data.

        Parameters
        ----------
        coef : ndarray of shape (n_targets, n_features)
        intercept : ndarray of shape (n_targets,) or None
            None when no intercept is fitted.

        Returns
        -------
        coef : ndarray of shape (n_targets, n_features)
        intercept : ndarray of shape (n_targets,)
        """
        original_coef = coef * (self.y_scale[:, None] / self.x_scale)
        original_intercept = self.y_center - original_coef @ self.x_center
        if intercept is not None:
            original_intercept += self.y_scale * intercept
        return original_coef, original_intercept


class CoordinateChange:
    r"""Standardized parameters, and the moments of their gradients, in new coordinates.

    When the centers and scales change (``partial_fit`` updates them with
    every chunk), the coefficients are mapped so that they stay what they
    were in the data's units (``coef_`` does not move), and the intercept so
    that it keeps its offset from the centers: the model's prediction at the
    center of ``X`` stays the center of ``y`` plus what training added to it
    (:math:`s_y b`, with :math:`b` the standardized intercept). The centers
    are running means, the intercept's best estimate, which training need
    not learn again: had the intercept kept the predictions instead, a
    center that moved (the single row of a first chunk, far from the mean)
    would be frozen into it, and Adam, whose steps are about the learning
    rate each, would take hundreds of steps to undo it.

    The gradients of a batch's objective at parameters that predict the same
    map linearly, which is how a solver's moments follow. With feature
    center :math:`c_j` and scale :math:`s_j`, target center :math:`c_y` and
    scale :math:`s_y` becoming primed, they read

    .. math::

        g'_j = k\,(a_j g_j + d_j g_b), \qquad g'_b = k\, g_b, \qquad
        k = s_y / s'_y,\; a_j = s_j / s'_j,\; d_j = (c_j - c'_j) / s'_j,

    where :math:`b` is the intercept (a column that was constant, with an
    infinite scale, had no gradient: :math:`a_j g_j = 0`). Averages of
    gradients map exactly. Averages of squared gradients would need the
    averages of the products :math:`g_j g_b`, which no solver keeps; they
    map exactly where the centers stay, and otherwise to the bound
    :math:`\sqrt{v'_j} \le k(|a_j|\sqrt{v_j} + |d_j|\sqrt{v_b})`
    (Minkowski's inequality), which can only shorten the next steps. The
    penalty's share of a gradient does not map this way; with ``alpha > 0``
    the mapped moments are close, not exact. Where the centers stay, the
    mapped parameters predict exactly as before, and the moments are those
    of their gradients.

    A datafit's own parameter, the Huber loss's scale :math:`r` (over
    :math:`s_y`), keeps its value in the data's units: :math:`r' = k r`; as
    the objective is :math:`k` times what it was, in a parameter :math:`k`
    times as large, its gradient is unchanged: :math:`g'_r = g_r`.

    Parameters
    ----------
    old, new : Standardization
    layout : ParameterLayout or None, default=None
        What the parameters are; None: the coefficients, and the intercept
        where a second array is given.
    """

    def __init__(self, old, new, layout=None):
        self.old, self.new = old, new
        self.layout = layout
        with np.errstate(divide="ignore", invalid="ignore"):
            self.target_ratio = (old.y_scale / new.y_scale).astype(np.float64)
            self.feature_ratio = np.where(
                np.isinf(old.x_scale) | np.isinf(new.x_scale), 0.0, old.x_scale / new.x_scale
            )
            self.shift = np.where(
                np.isinf(new.x_scale), 0.0, (old.x_center - new.x_center) / new.x_scale
            )

    def parameters(self, params):
        """Coefficients as they were in the data's units; the intercept follows the centers.

        Parameters
        ----------
        params : list of ndarray
            Coefficients of shape (n_targets, n_features), then the
            intercept of shape (n_targets,) when fitted.

        Returns
        -------
        params : list of ndarray
            New arrays, of the same dtypes.
        """
        old, new = self.old, self.new
        coef = params[0].astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            original_ratio = np.where(np.isinf(old.x_scale), 0.0, 1.0 / old.x_scale)
            to_new = np.where(np.isinf(new.x_scale), 0.0, new.x_scale)
        mapped = [(coef * self.target_ratio[:, None] * (original_ratio * to_new))
                  .astype(params[0].dtype)]
        _, intercept, extras = self._split(params)
        if intercept is not None:
            # The offset from the centers, s_y * b, in the new units of y.
            mapped.append((self.target_ratio * intercept).astype(intercept.dtype))
        if "scale" in extras:
            scale = extras["scale"]
            mapped.append((self.target_ratio * scale).astype(scale.dtype))
        return mapped

    def gradients(self, arrays):
        """Gradient-like arrays (averages of gradients) in the new coordinates.

        Parameters
        ----------
        arrays : list of ndarray
            One per parameter, shaped like the parameters.

        Returns
        -------
        arrays : list of ndarray
            New arrays, of the same dtypes.
        """
        return self._combine(arrays, self.feature_ratio, self.shift)

    def gradient_magnitudes(self, arrays):
        """Averages of gradients' magnitudes, or roots of averaged squares: their bound.

        Exact where the centers stay; see the class description.

        Parameters
        ----------
        arrays : list of ndarray
            One per parameter, shaped like the parameters, non-negative.

        Returns
        -------
        arrays : list of ndarray
        """
        return self._combine(arrays, np.abs(self.feature_ratio), np.abs(self.shift))

    def _combine(self, arrays, feature_factor, shift_factor):
        """``k (a x_j + d x_b)`` for the coefficients, ``k x_b`` for the intercept.

        The gradient of a datafit's scale is unchanged.
        """
        ratio = self.target_ratio[:, None]
        coef = ratio * feature_factor * arrays[0]
        if len(arrays) == 1:
            return [coef.astype(arrays[0].dtype)]
        _, intercept, extras = self._split(arrays)
        combined = [coef]
        if intercept is not None:
            coef += ratio * shift_factor * intercept[:, None]
            combined.append(self.target_ratio * intercept)
        combined.extend(extras.values())
        return [array.astype(original.dtype) for array, original in zip(combined, arrays)]

    def _split(self, arrays):
        # The parts of a parameter list, or of gradients laid out alike.
        layout = self.layout or ParameterLayout(len(arrays) > 1)
        return layout.split(arrays)

    def squared_gradients(self, arrays):
        """Averages of squared gradients in the new coordinates: exact, or their bound.

        Parameters
        ----------
        arrays : list of ndarray
            One per parameter, shaped like the parameters, non-negative.

        Returns
        -------
        arrays : list of ndarray
        """
        roots = self.gradient_magnitudes([np.sqrt(array) for array in arrays])
        return [np.square(root) for root in roots]


def measure(X, y, sample_weight, *, center, scale):
    """The moments of the columns of ``X`` and of ``y``, from which to standardize.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_targets)
    sample_weight : ndarray of shape (n_samples,)
    center, scale : bool
        As for :meth:`Standardization.fit`.

    Returns
    -------
    x_moments, y_moments : ColumnMoments
    """
    dtype = X.dtype
    weight_sum = sample_weight.sum()
    # Centers and spreads are weighted means, the same for weights scaled by
    # a power of two (exactly): weights near one keep their products with
    # the squares of any column admitted below within range.
    largest = sample_weight.max()
    if largest > 2.0**16 or 0 < largest < 2.0**-16:
        unit = np.exp2(np.round(np.log2(largest)))
        sample_weight = (sample_weight / unit).astype(sample_weight.dtype)
        measured = measure(X, y, sample_weight, center=center, scale=scale)
        for moments in measured:
            moments.weight_sum = weight_sum
        return measured
    # Columns whose squares would overflow or underflow are measured in
    # units of a power of two near their size (exact: no rounding), and
    # their centers and scales put back in the data's units. y is small:
    # its range is read at once. A column of X that needs a unit shows
    # itself in the plain sums, and only its range is read then.
    y_unit = _units(*_column_range(y), dtype)
    if y_unit is not None:
        y = y / y_unit
    # Overflow and underflow here are looked for just below, not warned of.
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        x_center, x_variance, x_mean_square = _moments(X, sample_weight, center, scale)
    x_unit = None
    if scale:
        doubtful = np.flatnonzero(
            ~np.isfinite(x_mean_square) | ~np.isfinite(x_center)
            | (x_mean_square < 2.0 ** (np.finfo(dtype).minexp + 64))
        )
        units = _units(*_column_range(X, doubtful), dtype) if doubtful.size else None
        if units is not None:
            x_unit = np.ones(X.shape[1], dtype=dtype)
            x_unit[doubtful] = units
            X = X.multiply(1 / x_unit).tocsr() if sp.issparse(X) else X / x_unit
            x_center, x_variance, x_mean_square = _moments(X, sample_weight, center, scale)
    if center:
        y_center = (sample_weight @ y) / weight_sum
    else:
        y_center = np.zeros(y.shape[1], dtype=dtype)
    x_moments = ColumnMoments(weight_sum, x_center, x_variance, x_mean_square, None, None,
                              x_unit)
    y_moments = ColumnMoments(weight_sum, y_center, None, None, None, None, y_unit)
    if scale:
        x_moments.low, x_moments.high = _near_ranges(
            X, sample_weight, x_variance, x_mean_square, _noise_level(dtype)
        )
        y_moments.variance = (sample_weight @ np.square(y - y_center)) / weight_sum
        y_moments.mean_square = (sample_weight @ np.square(y)) / weight_sum
        y_moments.low, y_moments.high = _near_ranges(
            y, sample_weight, y_moments.variance, y_moments.mean_square,
            _noise_level(dtype),
        )
    return x_moments, y_moments


def _moments(values, sample_weight, center, scale):
    """Weighted centers, and with ``scale`` variances and mean squares, of each column.

    Returns ``(center, variance, mean_square)``; without ``scale`` the last
    two are None.
    """
    if sp.issparse(values):
        # In float64, the spreads about the unrounded means: those quoted by
        # a refusal are then the data's own.
        centers, variance, mean_square = column_moments(values, sample_weight, center)
        if not scale:
            return centers.astype(values.dtype), None, None
        return (centers.astype(values.dtype), variance.astype(values.dtype),
                mean_square.astype(values.dtype))
    weight_sum = sample_weight.sum()
    if center:
        # In parts of a fixed size: bounded reads of a memory-mapped X, and
        # the same sums for it as for the same rows in memory.
        sums = None
        for rows in fixed_row_parts(values):
            part = values[rows].T @ sample_weight[rows]
            sums = part if sums is None else sums + part
        centers = sums / weight_sum
    else:
        centers = np.zeros(values.shape[1], dtype=values.dtype)
    if not scale:
        return centers, None, None
    return (centers, *_column_spread(values, sample_weight, centers))


def _column_spread(X, sample_weight, center):
    """Weighted variance about ``center`` and mean square of each column.

    Dense input is read in row blocks, so no temporary as large as ``X`` is
    made, and the variance is summed from the centered values, which keeps it
    accurate when a column's mean is large next to its spread (sparse input:
    :func:`~sklearn_adam._objective._sparse_sums.column_moments`).
    """
    weight_sum = sample_weight.sum()
    kernels = compiled_kernels()
    if kernels is not None:
        variance = np.zeros(X.shape[1])
        mean_square = np.zeros(X.shape[1])
        for rows in row_parts(X):  # all rows at once, unless X is memory-mapped
            kernels.column_sums(X[rows], sample_weight[rows], center, variance, mean_square)
        return (
            (variance / weight_sum).astype(X.dtype, copy=False),
            (mean_square / weight_sum).astype(X.dtype, copy=False),
        )
    variance = np.zeros(X.shape[1], dtype=X.dtype)
    mean_square = np.zeros(X.shape[1], dtype=X.dtype)
    block = rows_per_block(X)
    # One scratch block, reused, rather than new temporaries for every block.
    scratch = np.empty((min(block, X.shape[0]), X.shape[1]), dtype=X.dtype)
    for rows in block_slices(X, block):
        squares = scratch[: rows.stop - rows.start]
        np.subtract(X[rows], center, out=squares)
        np.square(squares, out=squares)
        variance += sample_weight[rows] @ squares
        np.square(X[rows], out=squares)
        mean_square += sample_weight[rows] @ squares
    return variance / weight_sum, mean_square / weight_sum


def _column_range(values, columns=None, rows=None):
    """The smallest and largest value of each column, or of ``columns``.

    Over every row, or the rows where the boolean ``rows`` is true. Dense
    values are read in parts (one, unless memory-mapped), each part's
    columns taken before its rows, so that no copy of all of ``values`` is
    made and a mapped file's pages are released as they are read.
    """
    if sp.issparse(values):
        selected = values if rows is None or rows.all() else values[rows]
        if columns is not None:
            selected = selected[:, columns]
        return (selected.min(axis=0).toarray().ravel(),
                selected.max(axis=0).toarray().ravel())
    lows, highs = [], []
    for part in row_parts(values):
        block = values[part] if columns is None else values[part][:, columns]
        if rows is not None and not rows[part].all():
            block = block[rows[part]]
        if block.shape[0]:
            lows.append(np.min(block, axis=0))
            highs.append(np.max(block, axis=0))
    return np.min(lows, axis=0), np.max(highs, axis=0)


def _near_ranges(values, sample_weight, variance, mean_square, noise):
    """The range of each column whose variance is within rounding noise of nothing.

    Such a column either holds one value (constant) or varies by less than
    rounding can resolve at its offset; its range, over the rows of positive
    weight, tells which. Only these columns are read again. Returns
    ``(low, high)``, NaN for the other columns.
    """
    low = np.full(values.shape[1], np.nan)
    high = np.full(values.shape[1], np.nan)
    near = np.flatnonzero(variance <= noise * mean_square)
    if near.size:
        low[near], high[near] = _column_range(values, near, sample_weight > 0)
    return low, high


def _constant_columns(moments, noise, name):
    """Which columns hold one value in every weighted row; refuse the unresolvable.

    A column whose variance is within rounding noise of its size either
    holds one value (constant) or varies by less than the solver's
    arithmetic can follow at its offset: that one is refused, since
    dropping it would be a silent wrong answer.
    """
    variance, mean_square = moments.variance, moments.mean_square
    near = variance <= noise * mean_square
    constant = near & (moments.low == moments.high)
    unresolved = np.flatnonzero(near & ~constant)
    if unresolved.size:
        column = int(unresolved[0])
        factor = 1 if moments.unit is None else moments.unit[column]
        size = np.sqrt(mean_square[column]) * factor
        spread = np.sqrt(variance[column]) * factor
        where = f"column {column} of X" if name == "X" else f"target {column} of y"
        raise ValueError(
            f"The values of {where} vary by only {spread:.3g} around {size:.3g} "
            f"(a fraction {spread / size:.1e} of their size): too little for the "
            f"solver's arithmetic at this offset. Center {name} before fitting (e.g. "
            "subtract its mean, or put a StandardScaler before this estimator), or fit "
            "in float64 if it is float32."
        )
    return constant


def _check_coefficient_range(x_scale, y_scale, dtype):
    """Refuse data whose coefficients, in their units, fall outside the dtype's range.

    A coefficient is about ``y_scale / x_scale`` times its standardized
    value. Where that ratio is near or below the dtype's smallest normal
    number the coefficients lose their digits (subnormal), and near or above
    its largest they overflow; either would be a wrong answer, not a training
    problem.
    """
    info = np.finfo(dtype)
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.log2(np.max(y_scale)) - np.log2(x_scale.astype(np.float64))
    # 16 bits to spare: a standardized coefficient of one then keeps a
    # relative precision of 2**-16 at the edge, far inside what R^2 sees.
    low, high = np.log2(info.tiny) + 16, np.log2(info.max) - 16
    outside = np.isfinite(ratio) & ((ratio < low) | (ratio > high))
    if not outside.any():
        return
    column = int(np.flatnonzero(outside)[0])
    raise ValueError(
        f"Column {column} of X and y differ in scale by a factor of "
        f"2**{ratio[column]:.0f}, so its coefficient in their units would be outside "
        f"the range of {np.dtype(dtype).name}. Rescale X or y (e.g. put a StandardScaler "
        "before this estimator, or divide y by a power of ten) before fitting."
    )


def _units(low, high, dtype):
    """Powers of two to measure each column in, or None when all are in range.

    A column is in range when its largest magnitude lies within a square root
    of the dtype's range, with 2**32 to spare for the sums: its squares and
    their weighted sums then neither overflow nor underflow. Other columns
    get the power of two nearest their largest magnitude; all-zero columns
    get 1.
    """
    info = np.finfo(dtype)
    largest = np.maximum(high, -low).astype(np.float64)
    outside = (largest > 2.0 ** (info.maxexp // 2 - 32)) | (
        (largest < 2.0 ** (info.minexp // 2 + 32)) & (largest > 0)
    )
    if not outside.any():
        return None
    units = np.ones(largest.shape)
    # Never below the smallest normal number, whose reciprocal is finite.
    units[outside] = np.maximum(np.exp2(np.round(np.log2(largest[outside]))), info.tiny)
    return units.astype(dtype)


def _noise_level(dtype):
    # Relative size of the rounding noise in a variance summed from centered
    # values (sparse columns too): the squared relative error of the values.
    return (100 * np.finfo(dtype).eps) ** 2
