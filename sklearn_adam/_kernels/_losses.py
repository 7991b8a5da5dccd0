"""The datafits' loss of one prediction and its derivative, as the kernels compute them.

The compiled twin of the datafits' ``pointwise``
(:mod:`sklearn_adam._objective`): one function, :func:`loss_and_derivative`,
which the passes over ``X`` call where they turn a row's prediction into its
loss and the derivative that multiplies the row. Which loss it computes is
said by the :data:`~sklearn_adam._kernels.Loss` group, built by
:func:`loss_group` from the name a datafit declares as its ``kernel_loss``
and the numbers (the pinball loss's slopes and smoothing width) its
``kernel_numbers()`` gives; the callers gather it at every call, so that a
width that changes between calls is read as it is.

The squared error has no group: the kernels are given None in its place,
and numba, which compiles a kernel for each type of its arguments and drops
a branch on ``is None`` of an argument it knows to be None, compiles them
for it without the branches on the loss. Their squared error's arithmetic
is then the code it always was, bit for bit and as fast; with a branch on a
code in its place, the compiler moved the sum of the row's loss below the
branches, and no longer fused it into a multiply-add (the loss changed in
its last bit).
"""

import math

from ._compile import kernel
from ._groups import Loss

# The codes of the losses that have a group.
PINBALL = 1
POISSON = 2
GAMMA = 3

LOSS_CODES = {"pinball": PINBALL, "poisson": POISSON, "gamma": GAMMA}
"""The code of each ``kernel_loss`` a datafit may declare, but ``"squared_error"``."""

SQUARED_ERROR = "squared_error"
"""The ``kernel_loss`` of the squared error, whose group is None."""

# Where the log-link datafits cap the linear predictor before exp (the
# datafits' own constant, which the tests hold this to: the kernels import
# nothing from the rest of the package).
LARGEST_EXPONENT = 700.0


def loss_group(name, low=0.0, high=0.0, width=0.0):
    """The kernels' group of a loss: None for the squared error.

    Parameters
    ----------
    name : str
        :data:`SQUARED_ERROR` or a key of :data:`LOSS_CODES`.
    low, high : float, default=0.0
        The pinball loss's slopes below and above a zero residual.
    width : float, default=0.0
        The pinball loss's smoothing width; 0 for the exact loss.

    Returns
    -------
    loss : Loss or None
    """
    if name == SQUARED_ERROR:
        return None
    return Loss(LOSS_CODES[name], float(low), float(high), float(width))


@kernel(inline=True)
def loss_and_derivative(loss, weight, prediction, target, residual, loss_sum):
    """A row's weighted loss, added to a running sum, and its weighted derivative for one target.

    Parameters
    ----------
    loss : Loss or None
        The loss's code and numbers; None for the squared error.
    weight : float
        The row's sample weight.
    prediction : float
        The linear predictor, in the units of the data.
    target : float
    residual : float
        ``(prediction - target) / y_scale``, as the caller computed it.
    loss_sum : float
        The weighted loss of the rows before.

    Returns
    -------
    loss_sum : float
        ``loss_sum`` plus ``weight`` times the loss (for the squared error,
        half the squared residual).
    weighted_derivative : float
        ``weight`` times the derivative with respect to ``prediction /
        y_scale`` (the linear predictor for the log-link losses).
    """
    if loss is None:
        return loss_sum + 0.5 * weight * residual * residual, residual * weight
    if loss.code == PINBALL:
        value, derivative = pinball(loss.low, loss.high, loss.width, residual)
    elif loss.code == POISSON:
        mean = math.exp(min(max(prediction, -LARGEST_EXPONENT), LARGEST_EXPONENT))
        y_log_y = target * math.log(target) if target > 0 else 0.0
        value = y_log_y - target * prediction - target + mean
        derivative = mean - target
    else:  # GAMMA
        ratio = target * math.exp(min(max(-prediction, -LARGEST_EXPONENT), LARGEST_EXPONENT))
        value = ratio - math.log(ratio) - 1.0
        derivative = 1.0 - ratio
    return loss_sum + weight * value, weight * derivative


@kernel(inline=True)
def pinball(low, high, width, residual):
    # The pinball loss of slopes low (below zero) and high (above), smoothed
    # over width (Pinball.pointwise): the derivative clipped to the slopes,
    # the parabola inside the band, the lowered lines outside; exact, its
    # derivative zero at zero, for a width of 0.
    linear = high * residual if residual > 0 else low * residual
    if width == 0:
        if residual > 0:
            return linear, high
        return linear, (low if residual < 0 else 0.0)
    derivative = min(max(residual / width, low), high)
    if low * width < residual < high * width:
        return residual * residual / (2 * width), derivative
    return linear - derivative * derivative * (width / 2), derivative
