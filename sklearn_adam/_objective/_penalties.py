r"""Penalties on the coefficients, written once for every array backend.

A penalty acts on the standardized coefficients through one weight per
coordinate (``weights``, of shape ``(n_features,)``, or ``(n_targets,
n_features)`` where targets differ): the strength the user asked for, mapped
exactly to the standardized coordinates and divided by the weight sum, as
its ``weights(standardization, weight_sum, weight_unit)`` computes it. The intercept is never
penalized. As for datafits, each method takes the array namespace ``xp``
first and uses only the array API's operations.

What a penalty provides:

- ``value``, ``gradient``: for a smooth penalty, added to the data's;
- ``prox``: its proximal operator in a diagonal metric, applied after each
  step of the rule for a penalty that is not smooth (and usable for any);
- ``subdiff_distance``: how far the negative data gradient is from the
  penalty's subdifferential, coordinate by coordinate: zero exactly at the
  optimum, and the measure that a full-batch fit stops on;

and what it declares: ``name``, ``smooth``, and ``quadratic`` (whether the
normal equations may carry it, as for datafits only on the class's own
word).
"""

import math

import numpy as np

from ._penalty import penalty_weights


class L2:
    r"""The ridge penalty, with Ridge's meaning of ``alpha``.

    .. math::

        \Omega(\tilde w) = \tfrac12 \sum_j \lambda_j \tilde w_j^2, \qquad
        \lambda_j = \frac{\alpha}{S \sigma_j^2}

    on the standardized coefficients :math:`\tilde w`, with :math:`S` the
    weight sum and :math:`\sigma_j` the features' scales: next to the
    squared-error datafit, exactly Ridge's :math:`\alpha \lVert w \rVert^2`.

    Parameters
    ----------
    alpha : float
        Strength, >= 0.
    """

    name = "l2"
    smooth = True
    quadratic = True

    def __init__(self, alpha):
        self.alpha = alpha

    @property
    def active(self):
        """bool : Whether the penalty has any weight at all."""
        return self.alpha > 0

    def weights(self, standardization, weight_sum, weight_unit=1.0):
        """The penalty's weight on each standardized coefficient (NumPy, on the host).

        Parameters
        ----------
        standardization : Standardization
            The centers and scales of the features and targets: a penalty's
            strength on the standardized coefficients follows from those of
            the data's units (for ridge, the targets' scales cancel out with
            the squared error's).
        weight_sum : float
            The sum of the sample weights as the objective holds them.
        weight_unit : float, default=1.0
            The power of two those weights were divided by.

        Returns
        -------
        weights : ndarray of shape (n_features,)
            Or of shape (n_targets, n_features), for a penalty whose weights
            differ between targets.
        """
        return penalty_weights(self.alpha, standardization.x_scale, weight_sum, weight_unit)

    def value(self, xp, coef, weights):
        """The penalty at ``coef``, summed over targets.

        Parameters
        ----------
        xp : array namespace
        coef : array of shape (n_targets, n_features)
        weights : array of shape (n_features,)

        Returns
        -------
        value : array of shape ()
        """
        return 0.5 * xp.sum(weights * (coef * coef))

    def gradient(self, xp, coef, weights):
        """The penalty's gradient at ``coef``.

        Parameters
        ----------
        xp : array namespace
        coef : array of shape (n_targets, n_features)
        weights : array of shape (n_features,)

        Returns
        -------
        gradient : array of shape (n_targets, n_features)
        """
        return weights * coef

    def prox(self, xp, coef, steps, weights):
        r"""The proximal operator in the diagonal metric of ``steps``.

        :math:`\arg\min_x \sum_j (x_j - c_j)^2 / (2 t_j) + \Omega(x)`, for
        :math:`c` = ``coef`` and :math:`t` = ``steps``:
        :math:`c_j / (1 + t_j \lambda_j)`.

        Parameters
        ----------
        xp : array namespace
        coef : array of shape (n_targets, n_features)
        steps : array of shape (n_targets, n_features)
            Positive step sizes, one per coordinate.
        weights : array of shape (n_features,)

        Returns
        -------
        coef : array of shape (n_targets, n_features)
        """
        return coef / (1 + steps * weights)

    def subdiff_distance(self, xp, coef, gradient, weights):
        """Distance of ``-gradient`` to the penalty's subdifferential at ``coef``.

        For a smooth penalty, the size of the full gradient.

        Parameters
        ----------
        xp : array namespace
        coef : array of shape (n_targets, n_features)
        gradient : array of shape (n_targets, n_features)
            The data part of the gradient.
        weights : array of shape (n_features,)

        Returns
        -------
        distance : array of shape (n_targets, n_features)
        """
        return xp.abs(gradient + weights * coef)

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha!r})"


PENALTIES = {L2.name: L2}
"""The built-in penalties by the estimator's name for them."""


def stationarity(penalty, coef, grads, weights):
    """How far parameters are from a stationary point: the norm a full-batch fit stops on.

    For a smooth penalty, whose gradient ``grads`` already holds, the norm
    of the whole gradient. Otherwise ``grads[0]`` is the data's gradient
    only, and the coefficients' part is the distance of its negative to
    the penalty's subdifferential (zero at the optimum, where the norm of
    a gradient would not be).

    Parameters
    ----------
    penalty : object
        A penalty, such as :class:`L2`.
    coef : ndarray of shape (n_targets, n_features)
        The coefficients at which ``grads`` was taken, on the host.
    grads : list of ndarray
        The gradient, coefficients first, on the host.
    weights : ndarray of shape (n_features,)

    Returns
    -------
    norm : float
    """
    if penalty.smooth:
        return joint_norm(grads)
    distance = penalty.subdiff_distance(np, coef, grads[0], weights)
    return joint_norm([distance, *grads[1:]])


def joint_norm(arrays):
    """The Euclidean norm of several arrays taken together (a gradient's parts).

    Parameters
    ----------
    arrays : list of ndarray

    Returns
    -------
    norm : float
    """
    return math.sqrt(sum(float(np.vdot(a, a)) for a in arrays))
