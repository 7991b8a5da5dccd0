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

and what it declares: ``name``, ``smooth``, ``quadratic`` (whether the
normal equations may carry it, as for datafits only on the class's own
word), and ``mean_form``: whether ``alpha`` weighs the penalty next to the
mean of the datafit's loss, as the elastic net's does for every loss
(:mod:`._elastic_net`), rather than with the meaning the loss's peer
estimator gives it, as the ridge penalty's does.
"""

import math

import numpy as np

from ._datafits import penalty_factor


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
    mean_form = False

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


def weights_for(penalty, datafit, standardization, weight_sum, weight_unit=1.0):
    """The penalty's weights next to ``datafit``: ``alpha`` with the peer estimator's meaning.

    A penalty in the mean form weighs the datafit's mean loss, in the units
    its factor gives. Otherwise the penalty computes its weights for the
    squared error, whose peer (Ridge) sets ``alpha`` next to the weights' sum; a datafit whose peer
    sets it next to a weighted mean, or whose loss is in other units of the
    targets, says so by its ``penalty_factor`` (see
    :mod:`sklearn_adam._objective._datafits`).

    Parameters
    ----------
    penalty : object
    datafit : object
    standardization : Standardization
    weight_sum : float
    weight_unit : float, default=1.0

    Returns
    -------
    weights : ndarray of shape (n_features,) or (n_targets, n_features)
    """
    factor, per_weight = penalty_factor(datafit, standardization.y_scale)
    # An optional declaration: a penalty without it has the ridge's meaning.
    if getattr(penalty, "mean_form", False):
        return penalty.weights(standardization, np.asarray(factor))
    if per_weight and np.all(factor == 1):
        return penalty.weights(standardization, weight_sum, weight_unit)
    if not per_weight:
        weight_sum, weight_unit = 1.0, 1.0
    weights = penalty.weights(standardization, weight_sum, weight_unit)
    factor = np.asarray(factor, dtype=weights.dtype)
    if np.all(factor == factor[0]):
        return weights * factor[0]
    return weights * factor[:, None]


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


def penalty_weights(alpha, x_scale, weight_sum, weight_unit=1.0):
    """``alpha / (weight_unit * weight_sum * x_scale**2)``, exactly in powers of two.

    The ridge penalty's weights, with Ridge's meaning of ``alpha``: Ridge
    minimizes :math:`\\sum_i s_i r_i^2 + \\alpha \\lVert w \\rVert^2`, so
    what matters is ``alpha`` next to the sample weights. Weights of extreme
    size are divided by a power of two when they are checked (see
    :func:`sklearn_adam._data.check_fit_data`), and ``alpha`` by the same
    power of two here (``weight_unit``), whatever the two sizes.

    The penalty's weight on each squared standardized coefficient, in the
    objective averaged over the weights; zero for every coefficient without
    a penalty, also where a scale's square underflows. Computed on the mantissas, in the
    operations' usual order, and then shifted by the exponents: the same
    number as the plain formula wherever that formula neither overflows nor
    underflows, and the right number where it would.

    Parameters
    ----------
    alpha : float
        L2 penalty, >= 0.
    x_scale : ndarray of shape (n_features,)
        The features' scales (infinite for constant columns, whose weight
        is zero).
    weight_sum : float
        The sum of the weights as the objective holds them, > 0.
    weight_unit : float, default=1.0
        The power of two those weights were divided by.

    Returns
    -------
    weights : ndarray of shape (n_features,)
        Of the dtype of ``x_scale``.

    Raises
    ------
    ValueError
        If a coefficient's penalty weight is too large for the solver's
        arithmetic: Ridge's coefficient is then a vanishing fraction of its
        unpenalized size, which no sequence of steps can follow.
    """
    if alpha == 0:
        return np.zeros_like(x_scale)
    dtype = x_scale.dtype
    alpha_mantissa, alpha_exponent = np.frexp(alpha)
    sum_mantissa, sum_exponent = np.frexp(weight_sum)
    unit_exponent = np.frexp(weight_unit)[1] - 1  # weight_unit is 2**unit_exponent
    scale_mantissa, scale_exponent = np.frexp(x_scale)
    mantissa = dtype.type(alpha_mantissa) / np.square(scale_mantissa) / dtype.type(sum_mantissa)
    exponent = alpha_exponent - 2 * scale_exponent - sum_exponent - unit_exponent
    # Beyond the dtype's range ldexp gives infinity or zero, as it should here.
    with np.errstate(over="ignore", under="ignore"):
        weights = np.ldexp(mantissa, exponent.astype(np.int32)).astype(dtype, copy=False)
    _check_strength(weights, alpha, x_scale, weight_sum, weight_unit)
    return weights


def _check_strength(weights, alpha, x_scale, weight_sum, weight_unit):
    """Refuse penalty weights whose gradients' squares would leave the dtype's range."""
    info = np.finfo(weights.dtype)
    limit = info.maxexp // 2 - 32
    too_strong = np.flatnonzero(weights > 2.0**limit)
    if not too_strong.size:
        return
    column = int(too_strong[0])
    with np.errstate(divide="ignore", over="ignore"):
        exponent = (np.log2(alpha) - np.log2(weight_sum) - np.log2(weight_unit)
                    - 2 * np.log2(float(x_scale[column])))
    raise ValueError(
        f"alpha={alpha!r} outweighs the data by a factor of 2**{exponent:.0f} on column "
        f"{column} of X (alpha / (sum(sample_weight) * scale**2), the scale being the "
        "column's spread with standardize=True, else 1): beyond the "
        f"2**{limit} that the solver's arithmetic can take, and Ridge's coefficient of "
        f"that column would be about 2**-{exponent:.0f} of its unpenalized size. Lower "
        "alpha, or scale sample_weight or that column up."
    )
