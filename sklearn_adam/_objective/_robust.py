r"""Datafits of absolute size: the pinball (quantile) loss and the absolute error.

With :math:`u = (p - y) / \sigma_y` the scaled residual (prediction minus
target), the pinball loss of quantile :math:`q` is

.. math::

    \rho_q(u) = \max\big((1 - q) u, -q u\big),

whose minimizer over a constant is the targets' weighted :math:`q`-quantile;
the absolute error :math:`|u|` is :math:`2 \rho_{1/2}(u)`. Neither has a
derivative at :math:`u = 0`, so the solver trains on their Moreau envelope of
width :math:`h` (``smoothing``): the same slopes outside :math:`[-q h, (1 - q)
h]`, a parabola inside,

.. math::

    \rho_{q, h}(u) = \min_v \; \rho_q(v) + \frac{(u - v)^2}{2 h},

whose derivative :math:`\mathrm{clip}(u / h, -q, 1 - q)` changes at most by
:math:`1 / h` per unit of :math:`u`, and which is within :math:`h \max(q, 1 -
q)^2 / 2` of :math:`\rho_q` everywhere. The exact minimizer is found from the
smoothed one (:mod:`._finish`). With ``smoothing=0`` the loss is exact and
the derivative at zero is taken as zero.

With the ridge penalty the objective, in the data's units, is

.. math::

    \frac1S \sum_i s_i \rho_q(y_i - x_i w - b) + \tfrac\alpha2 \lVert w \rVert^2

(:class:`~sklearn.linear_model.QuantileRegressor`'s data term, and the
ridge half of :class:`~sklearn.linear_model.ElasticNet`'s penalty), and for
the absolute error the same with :math:`|y_i - x_i w - b|`.
"""

import numpy as np

from ._datafits import IdentityLink


class Pinball:
    """The pinball loss of one quantile, smoothed over a width ``smoothing``.

    Parameters
    ----------
    quantile : float
        In (0, 1).
    smoothing : float, default=0.0
        The width :math:`h` of the smoothing, in the targets' scaled units;
        0 for the exact loss.
    """

    name = "quantile"
    quadratic = False
    centers_y = True
    scales_y = True
    smooth = False
    link = IdentityLink()
    default_scoring = "d2"
    kernel_loss = "pinball"

    def __init__(self, quantile=0.5, smoothing=0.0):
        self.quantile = quantile
        self.smoothing = smoothing

    @property
    def slopes(self):
        """tuple of float : The loss's slope below and above a zero residual."""
        return -self.quantile, 1.0 - self.quantile

    def kernel_numbers(self):
        """The numbers of the kernels' pinball loss, as they are now.

        Read at every compiled call: the smoothing may change between them.

        Returns
        -------
        numbers : tuple of float
            The slopes below and above a zero residual, and the smoothing.
        """
        low, high = self.slopes
        return float(low), float(high), float(self.smoothing)

    def with_smoothing(self, smoothing):
        """This loss at another smoothing width.

        Parameters
        ----------
        smoothing : float

        Returns
        -------
        datafit : Pinball
            Of the same class and quantile.
        """
        twin = type(self).__new__(type(self))
        twin.__dict__.update(vars(self))
        twin.smoothing = smoothing
        return twin

    def pointwise(self, xp, prediction, y, y_scale):
        """Smoothed loss and its derivative for each prediction.

        Parameters
        ----------
        xp : array namespace
        prediction : array of shape (n_rows, n_targets)
        y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)

        Returns
        -------
        loss, derivative : arrays of shape (n_rows, n_targets)
            The derivative with respect to ``prediction / y_scale``.
        """
        low, high = self.slopes
        residual = (prediction - y) / y_scale
        width = self.smoothing
        linear = xp.where(residual > 0, high * residual, low * residual)
        if width == 0:
            # Arrays on both sides of where: the array API (and so
            # array_api_strict) refuses two Python scalars there.
            zero = xp.zeros_like(residual)
            derivative = xp.where(residual > 0, zero + high,
                                  xp.where(residual < 0, zero + low, zero))
            return linear, derivative
        derivative = xp.clip(residual / width, low, high)
        # Inside the band the parabola; outside, the line lowered by
        # slope^2 h / 2, which is where the two meet.
        loss = xp.where(
            (residual > low * width) & (residual < high * width),
            residual * residual / (2 * width),
            linear - derivative * derivative * (width / 2),
        )
        return loss, derivative

    def penalty_factor(self, y_scale):
        """``alpha / 2 * ||w||^2`` next to the weighted mean loss in the data's units.

        Parameters
        ----------
        y_scale : ndarray of shape (n_targets,)

        Returns
        -------
        factor : ndarray of shape (n_targets,)
            The targets' scales: the loss here is in units of them.
        per_weight : bool
            False: the data term is a mean already.
        """
        return np.asarray(y_scale, dtype=float).copy(), False

    def null_prediction(self, y, weight):
        """The best constant: each target's weighted quantile.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_targets)
        weight : ndarray of shape (n_samples,)

        Returns
        -------
        prediction : ndarray of shape (n_targets,)
        """
        low, high = self.slopes
        share = -low / (high - low)
        return np.array([weighted_quantile(column, weight, share) for column in y.T])

    def __repr__(self):
        return f"{type(self).__name__}(quantile={self.quantile!r})"


class AbsoluteError(Pinball):
    """The absolute error: twice the pinball loss of the median.

    Parameters
    ----------
    smoothing : float, default=0.0
        As for :class:`Pinball`.
    """

    name = "absolute_error"
    quadratic = False
    centers_y = True
    scales_y = True
    smooth = False

    def __init__(self, smoothing=0.0):
        super().__init__(0.5, smoothing)

    @property
    def slopes(self):
        """tuple of float : -1 and 1."""
        return -1.0, 1.0

    def __repr__(self):
        return f"{type(self).__name__}()"


def weighted_quantile(values, weight, share):
    """The smallest value below or at which lies ``share`` of the weight.

    Parameters
    ----------
    values : ndarray of shape (n,)
    weight : ndarray of shape (n,)
    share : float
        In (0, 1).

    Returns
    -------
    quantile : float
        A minimizer of the weighted pinball loss of a constant.
    """
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weight[order])
    position = np.searchsorted(cumulative, share * cumulative[-1])
    return float(values[order][min(position, len(values) - 1)])
