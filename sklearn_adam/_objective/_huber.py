r"""The Huber loss with its scale estimated jointly: HuberRegressor's objective.

:class:`~sklearn.linear_model.HuberRegressor` minimizes, over the
coefficients :math:`w`, the intercept :math:`b` and a scale
:math:`\sigma > 0`,

.. math::

    \sum_i s_i \Big(\sigma + \sigma\, H_\epsilon\big((y_i - x_i w - b) / \sigma\big)\Big)
        + \alpha \lVert w \rVert^2,
    \qquad
    H_\epsilon(z) = \begin{cases} z^2 & |z| < \epsilon \\
                                  2 \epsilon |z| - \epsilon^2 & \text{otherwise,}
                    \end{cases}

with :math:`\epsilon` the estimator's ``huber_epsilon``. Residuals beyond
:math:`\epsilon \sigma` count linearly: they are the outliers.

**The scale's parameter.** The solver trains :math:`s = \sigma / \sigma_y`,
with :math:`\sigma_y` the targets' scale of the standardization (the
parameter ``scale``, one per target, after the intercept; see
:mod:`._layout`): unit-free, as the standardized coefficients are (data
whose targets are multiplied by a constant have the same :math:`s`). In
:math:`(w, b, \sigma)` the objective is jointly convex (:math:`\sigma H(r /
\sigma)` is the perspective of a convex function), and this parameter keeps
that: Adam's iterates move on a convex problem. A log-scale :math:`t =
\log s` would keep the scale positive with no care, but the objective is
not convex in it, and there Adam took five times the epochs (3437 against
654 full-batch epochs to the default ``tol`` on 200 rows with 8% outliers,
where a fixed scale takes 482). The scale is kept positive otherwise: the
loss takes :math:`|s|`, so that it is even in :math:`s`, and a step that
overshoots zero lands on the mirror image of a positive scale, with the
same loss and the mirrored gradient; ``scale_`` is :math:`\sigma_y |s|`.

With :math:`u = (p - y) / \sigma_y` the scaled residual and :math:`z = u /
|s|`, the loss of one prediction in the targets' scaled units is

.. math::

    f(u, s) = |s| \big(1 + H_\epsilon(z)\big), \qquad
    \partial_u f = 2\,\mathrm{clip}(z, -\epsilon, \epsilon), \qquad
    \partial_s f = \mathrm{sign}(s) \big(1 - \mathrm{clip}(z, -\epsilon, \epsilon)^2\big),

which is :math:`1 / \sigma_y` times HuberRegressor's term of that row:
:math:`\tfrac1S \sum_i s_i f_i` plus the ridge penalty weighed by
``penalty_factor`` is :math:`1 / (S \sigma_y)` times its objective, whose
``alpha`` means the same here.

The fit starts :math:`s` at the best scale of the residuals of the starting
model (the targets about their center), and the held-out score's reference
is the weighted median with its best scale (see :meth:`HuberLoss.best_extras`).
"""

import numpy as np

from ._datafits import IdentityLink
from ._robust import weighted_quantile


class HuberLoss:
    """HuberRegressor's loss of one prediction, given the scale.

    Parameters
    ----------
    epsilon : float, default=1.35
        Residuals beyond ``epsilon`` times the scale are outliers; >= 1.
    """

    name = "huber"
    quadratic = False
    centers_y = True
    scales_y = True
    smooth = True
    link = IdentityLink()
    default_scoring = "d2"
    extra_parameters = ("scale",)

    def __init__(self, epsilon=1.35):
        self.epsilon = epsilon

    def pointwise(self, xp, prediction, y, y_scale, scale=None):
        """Loss and its derivative for each prediction, at the scale ``|scale| * y_scale``.

        Parameters
        ----------
        xp : array namespace
        prediction, y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)
        scale : array of shape (n_targets,) or None, default=None
            The scale over ``y_scale``; None for one (the scale of the
            standardization).

        Returns
        -------
        loss, derivative : arrays of shape (n_rows, n_targets)
            The derivative with respect to ``prediction / y_scale``.
        """
        size, residual, z, inlier = self._scaled(xp, prediction, y, y_scale, scale)
        epsilon = self.epsilon
        # size * (1 + H(z)), written so that a scale of zero (where every
        # residual but an exact fit is an outlier) takes its limit.
        loss = xp.where(inlier, size + residual * z,
                        size * (1 - epsilon * epsilon) + (2 * epsilon) * xp.abs(residual))
        return loss, xp.where(inlier, 2 * z, (2 * epsilon) * xp.sign(residual))

    def extra_derivatives(self, xp, prediction, y, y_scale, scale=None):
        """The derivative of each prediction's loss by ``scale``.

        Parameters
        ----------
        xp : array namespace
        prediction, y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)
        scale : array of shape (n_targets,) or None, default=None

        Returns
        -------
        derivatives : tuple of one array of shape (n_rows, n_targets)
        """
        _, _, z, inlier = self._scaled(xp, prediction, y, y_scale, scale)
        epsilon = self.epsilon
        # At a scale of zero, the slope as it leaves zero upwards.
        sign = 1.0 if scale is None else xp.where(scale < 0, -xp.ones_like(scale),
                                                 xp.ones_like(scale))
        return (sign * xp.where(inlier, 1 - z * z, (1 - epsilon * epsilon) * xp.ones_like(z)),)

    def curvature(self, xp, prediction, y, y_scale, scale=None):
        """The second derivative of each prediction's loss by the scaled prediction.

        :math:`2 / |s|` for an inlier, zero for an outlier (the loss is
        linear there).

        Parameters
        ----------
        xp : array namespace
        prediction, y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)
        scale : array of shape (n_targets,) or None, default=None

        Returns
        -------
        second : array of shape (n_rows, n_targets)
        """
        size, _, _, inlier = self._scaled(xp, prediction, y, y_scale, scale)
        divisor = xp.where(size > 0, size, xp.ones_like(size))
        return xp.where(inlier, 2 / divisor * xp.ones_like(y), xp.zeros_like(y))

    def extra_curvature(self, xp, prediction, y, y_scale, scale=None):
        """The second derivatives that involve ``scale``.

        For an inlier, with :math:`z = u / |s|`: :math:`\\partial_u
        \\partial_s f = -2 z \\operatorname{sign}(s) / |s|` and
        :math:`\\partial_s^2 f = 2 z^2 / |s|`; zero for an outlier.

        Parameters
        ----------
        xp : array namespace
        prediction, y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)
        scale : array of shape (n_targets,) or None, default=None

        Returns
        -------
        mixed : tuple of one array of shape (n_rows, n_targets)
            By the scaled prediction and ``scale``.
        second : tuple of one tuple of one array of shape (n_rows, n_targets)
            By ``scale`` twice.
        """
        size, _, z, inlier = self._scaled(xp, prediction, y, y_scale, scale)
        divisor = xp.where(size > 0, size, xp.ones_like(size))
        sign = 1.0 if scale is None else xp.where(scale < 0, -xp.ones_like(scale),
                                                 xp.ones_like(scale))
        zero = xp.zeros_like(z)
        mixed = xp.where(inlier, -2 * z * sign / divisor, zero)
        second = xp.where(inlier, 2 * z * z / divisor, zero)
        return (mixed,), ((second,),)

    def penalty_factor(self, y_scale):
        """``alpha * ||w||^2`` next to the weighted sum of losses in the data's units.

        Parameters
        ----------
        y_scale : ndarray of shape (n_targets,)

        Returns
        -------
        factor : ndarray of shape (n_targets,)
            Twice the targets' scales: the loss here is in units of them, and
            the ridge penalty's weights are those of half the squared error.
        per_weight : bool
            True: HuberRegressor's data term is a sum.
        """
        return 2 * np.asarray(y_scale, dtype=float), True

    def null_prediction(self, y, weight):
        """A robust constant: each target's weighted median.

        The constant that minimizes the loss depends on the scale; the
        median is the limit of a small scale, and what the scale is robust
        to.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_targets)
        weight : ndarray of shape (n_samples,)

        Returns
        -------
        prediction : ndarray of shape (n_targets,)
        """
        return np.array([weighted_quantile(column, weight, 0.5) for column in y.T])

    def best_extras(self, y, weight, prediction, y_scale):
        """The ``scale`` of least loss for these predictions.

        Setting the derivative by the scale to zero, the scale solves
        :math:`\\sum_i s_i \\min(z_i^2, \\epsilon^2) = S` (Huber's "proposal
        2"), which with the rows ordered by residual size is one square root
        per count of inliers (see :func:`best_scale`). Where more than
        :math:`1 - 1 / \\epsilon^2` of the weight is on exact fits, the loss
        falls all the way to a zero scale: the scale is then a small
        fraction (the root of the machine epsilon) of the largest residual.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_targets)
        weight : ndarray of shape (n_samples,)
        prediction : ndarray of shape (n_targets,) or (n_samples, n_targets)
        y_scale : ndarray of shape (n_targets,)

        Returns
        -------
        extras : dict
            ``{"scale": ndarray of shape (n_targets,)}``, over ``y_scale``,
            in ``y``'s dtype.
        """
        residual = (np.asarray(prediction, dtype=np.float64) - y) / y_scale
        weight = np.asarray(weight, dtype=np.float64)
        scales = np.ones(y.shape[1])
        for target, column in enumerate(np.broadcast_to(residual, y.shape).T):
            floor = np.sqrt(np.finfo(np.float64).eps) * np.abs(column).max()
            scale = max(best_scale(column, weight, self.epsilon), floor)
            if scale > 0:
                scales[target] = scale
        return {"scale": scales.astype(y.dtype)}

    def __repr__(self):
        return f"{type(self).__name__}(epsilon={self.epsilon!r})"

    def _scaled(self, xp, prediction, y, y_scale, scale):
        # The scale's size |s|, the scaled residual u, u in units of the
        # scale z = u / |s| (u where the scale is zero, unread there), and
        # which residuals are inliers, |u| < epsilon |s|.
        residual = (prediction - y) / y_scale
        size = xp.ones_like(y_scale) if scale is None else xp.abs(scale)
        divisor = xp.where(size > 0, size, xp.ones_like(size))
        return size, residual, residual / divisor, xp.abs(residual) < self.epsilon * size


def best_scale(residual, weight, epsilon):
    """The scale that minimizes the weighted Huber objective of fixed residuals.

    With the :math:`k` smallest residuals in size the inliers, the scale is
    :math:`\\sigma_k^2 = A_k / (S - \\epsilon^2 (S - W_k))`, :math:`W_k` and
    :math:`A_k` their weight and weighted sum of squares; the solution is the
    :math:`k` whose inliers are those below :math:`\\epsilon \\sigma_k`.

    Parameters
    ----------
    residual : ndarray of shape (n_samples,)
    weight : ndarray of shape (n_samples,)
    epsilon : float

    Returns
    -------
    scale : float
        0.0 where the loss decreases all the way to a zero scale.
    """
    size = np.abs(residual)
    order = np.argsort(size, kind="stable")
    size, weight = size[order], weight[order]
    total = weight.sum()
    inlier_weight = np.concatenate([[0.0], np.cumsum(weight)])
    inlier_squares = np.concatenate([[0.0], np.cumsum(weight * size * size)])
    denominator = total - epsilon * epsilon * (total - inlier_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(inlier_squares / denominator)
    reach = epsilon * scale
    below = np.concatenate([[-np.inf], size])
    above = np.concatenate([size, [np.inf]])
    consistent = (denominator > 0) & (inlier_squares > 0) & (below < reach) & (reach <= above)
    found = np.flatnonzero(consistent)
    return float(scale[found[0]]) if found.size else 0.0
