"""The ridge penalty's weight on each standardized coefficient, with Ridge's meaning of alpha.

Ridge minimizes :math:`\\sum_i s_i r_i^2 + \\alpha \\lVert w \\rVert^2`: what
matters is ``alpha`` next to the sample weights. Weights of extreme size are
divided by a power of two when they are checked (see
:func:`sklearn_adam._data.check_fit_data`), so ``alpha`` is divided by the same
power of two here, exactly, whatever the two sizes.
"""

import numpy as np


def penalty_weights(alpha, x_scale, weight_sum, weight_unit=1.0):
    """``alpha / (weight_unit * weight_sum * x_scale**2)``, exactly in powers of two.

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
