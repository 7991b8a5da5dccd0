"""Weighted moments of columns, measured on separate blocks of rows and merged.

What the standardization is computed from: each column's weighted mean,
variance and mean square, and where a column may hold a single value, its
range. One block's moments are measured by
:func:`sklearn_adam._objective._standardization.measure`; two blocks'
moments merge into those of their rows together (:meth:`ColumnMoments.merge`),
so a stream of chunks, or the blocks of an array spread over a cluster, give
the statistics of all their rows without holding them at once.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class ColumnMoments:
    """Weighted moments of the columns of some rows.

    Every value is in units of ``unit``: a column's values divided by its
    unit (a power of two, exactly) keep their squares within the range of
    the dtype.

    Parameters
    ----------
    weight_sum : float
        Sum of the rows' weights.
    center : ndarray of shape (n_columns,)
        Weighted means; zeros when the columns are not centered.
    variance : ndarray of shape (n_columns,) or None
        Weighted mean squared deviation from ``center``; None when the
        columns are not scaled.
    mean_square : ndarray of shape (n_columns,) or None
        Weighted mean of the squares; None when not scaled.
    low, high : ndarray of shape (n_columns,) or None
        Smallest and largest value over the rows of positive weight, for the
        columns whose variance is within rounding of nothing; NaN for the
        others, which are known to vary. None when not scaled.
    unit : ndarray of shape (n_columns,) or None
        Each column's unit; None when every unit is one.
    """

    weight_sum: float
    center: np.ndarray
    variance: np.ndarray | None
    mean_square: np.ndarray | None
    low: np.ndarray | None
    high: np.ndarray | None
    unit: np.ndarray | None

    def merge(self, other):
        """The moments of the rows of both, as if measured at once.

        Means and variances combine as in Chan, Golub & LeVeque (1979): the
        variance of the union is the weighted mean of the two variances plus
        the spread of the two means. Written as a correction of ``self``'s
        values, so that merging moments equal to ``self``'s returns them
        unchanged, bit for bit. Arithmetic in float64.

        Parameters
        ----------
        other : ColumnMoments
            Moments of other rows of the same columns, centered and scaled
            alike.

        Returns
        -------
        merged : ColumnMoments
        """
        unit = _common_unit(self.unit, other.unit)
        first, second = self._in_units(unit), other._in_units(unit)
        weight_sum = first.weight_sum + second.weight_sum
        if not weight_sum > 0:
            return first
        share = second.weight_sum / weight_sum
        shift = second.center - first.center
        center = first.center + shift * share
        if first.variance is None:
            return ColumnMoments(weight_sum, center, None, None, None, None, unit)
        variance = (first.variance + (second.variance - first.variance) * share
                    + np.square(shift) * (share * (1.0 - share)))
        mean_square = first.mean_square + (second.mean_square - first.mean_square) * share
        return ColumnMoments(
            weight_sum, center, variance, mean_square,
            # A NaN (a column known to vary) stays NaN.
            np.minimum(first.low, second.low), np.maximum(first.high, second.high),
            unit,
        )

    def _in_units(self, unit):
        """These moments in float64, in units of ``unit`` (None: ones)."""
        def as_float(values):
            return None if values is None else np.asarray(values, dtype=np.float64)

        center, variance, mean_square = (
            as_float(self.center), as_float(self.variance), as_float(self.mean_square)
        )
        low, high = as_float(self.low), as_float(self.high)
        if unit is not None:
            # Powers of two: the conversion is exact.
            ratio = (np.ones_like(unit) if self.unit is None else self.unit) / unit
            center = center * ratio
            if variance is not None:
                variance, mean_square = variance * ratio**2, mean_square * ratio**2
                low, high = low * ratio, high * ratio
        return ColumnMoments(float(self.weight_sum), center, variance, mean_square, low,
                             high, unit)


def _common_unit(first, second):
    """The larger of two columns' units, column by column (None: ones)."""
    if first is None and second is None:
        return None
    first = np.ones_like(second) if first is None else first
    second = np.ones_like(first) if second is None else second
    return np.maximum(first.astype(np.float64), second.astype(np.float64))
