"""The Adam family's arithmetic per element, twice: in place on NumPy, functional elsewhere.

:class:`InPlace` updates NumPy state arrays in place, so that a step allocates
only temporaries the size of one parameter; :class:`Functional` computes the
same values, operation for operation, as new arrays of any array-API
namespace (torch, CuPy, ``array_api_strict``), which has no ``out=`` or
``where=``. Each method of one has a twin of the same name in the other, and
both return the advanced array, so that a rule's ``update`` is written once:
``m = state.first_moment[i] = arithmetic.accumulate_first_moment(m, grad, beta_1)``
is NumPy's ``m *= beta_1; m += (1 - beta_1) * grad`` on the same object, or
a new array of ``grad``'s namespace. :func:`arithmetic_for` picks the twin
from the gradients.
"""

import math

import numpy as np

from .._namespace import array_namespace


class InPlace:
    """The arithmetic on NumPy arrays, in place where an array is advanced."""

    @staticmethod
    def zeros_like(param):
        """A zero array of the shape and dtype of ``param``."""
        return np.zeros_like(param)

    @staticmethod
    def filled_like(param, value):
        """An array of the shape and dtype of ``param``, every element ``value``."""
        return np.full_like(param, value)

    @staticmethod
    def is_floating(param):
        """Whether ``param`` has a floating-point dtype."""
        return np.issubdtype(np.asarray(param).dtype, np.floating)

    @staticmethod
    def accumulate_first_moment(m, grad, beta_1):
        """``m <- beta_1 m + (1 - beta_1) grad``, in place; returns ``m``."""
        m *= beta_1
        m += (1.0 - beta_1) * grad
        return m

    @staticmethod
    def accumulate_second_moment(v, grad, beta_2):
        """``v <- beta_2 v + (1 - beta_2) grad**2``, in place; returns ``v``."""
        v *= beta_2
        v += (1.0 - beta_2) * np.square(grad)
        return v

    @staticmethod
    def running_maximum(v_max, v):
        """``v_max <- max(v_max, v)`` element-wise, in place; returns ``v_max``."""
        np.maximum(v_max, v, out=v_max)
        return v_max

    @staticmethod
    def accumulate_infinity_norm(u, grad, beta_2, epsilon):
        """``u <- max(beta_2 u, |grad| + epsilon)`` element-wise, in place; returns ``u``."""
        u *= beta_2
        magnitude = np.abs(grad)
        magnitude += epsilon
        np.maximum(u, magnitude, out=u)
        return u

    @staticmethod
    def root_denominator(v, correction, epsilon, placement):
        """The denominator of an Adam step, a new array.

        ``sqrt(v / correction) + epsilon`` for ``placement="corrected"``;
        ``(sqrt(v) + epsilon) / sqrt(correction)`` for ``placement="raw"``.
        """
        if placement == "corrected":
            denominator = np.sqrt(v / correction)
            denominator += epsilon
        else:
            denominator = np.sqrt(v)
            denominator += epsilon
            denominator /= math.sqrt(correction)
        return denominator

    @staticmethod
    def divide_where(numerator, denominator, where):
        """``numerator / denominator`` where ``where`` holds, zero elsewhere; a new array."""
        return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=where)


class Functional:
    """The arithmetic of :class:`InPlace`, as new arrays of the namespace ``xp``.

    Each method performs :class:`InPlace`'s operations in the same order, so
    that on NumPy-backed arrays the two give the same bits.

    Parameters
    ----------
    xp : module
        An array-API namespace, as scikit-learn's ``get_namespace`` gives it.
    """

    def __init__(self, xp):
        self.xp = xp

    def zeros_like(self, param):
        """A zero array of the shape, dtype and device of ``param``."""
        return self.xp.zeros_like(param)

    def filled_like(self, param, value):
        """An array of the shape, dtype and device of ``param``, every element ``value``."""
        return self.xp.full_like(param, value)

    def is_floating(self, param):
        """Whether ``param`` has a floating-point dtype."""
        return self.xp.isdtype(param.dtype, "real floating")

    def accumulate_first_moment(self, m, grad, beta_1):
        """``beta_1 m + (1 - beta_1) grad``."""
        return m * beta_1 + (1.0 - beta_1) * grad

    def accumulate_second_moment(self, v, grad, beta_2):
        """``beta_2 v + (1 - beta_2) grad**2``."""
        return v * beta_2 + (1.0 - beta_2) * (grad * grad)

    def running_maximum(self, v_max, v):
        """``max(v_max, v)`` element-wise."""
        return self.xp.maximum(v_max, v)

    def accumulate_infinity_norm(self, u, grad, beta_2, epsilon):
        """``max(beta_2 u, |grad| + epsilon)`` element-wise."""
        return self.xp.maximum(u * beta_2, self.xp.abs(grad) + epsilon)

    def root_denominator(self, v, correction, epsilon, placement):
        """The denominator of an Adam step; see :meth:`InPlace.root_denominator`."""
        if placement == "corrected":
            return self.xp.sqrt(v / correction) + epsilon
        return (self.xp.sqrt(v) + epsilon) / math.sqrt(correction)

    def divide_where(self, numerator, denominator, where):
        """``numerator / denominator`` where ``where`` holds, zero elsewhere."""
        # Dividing by one where the quotient is discarded: no 0 / 0 to warn of.
        safe = self.xp.where(where, denominator, self.xp.ones_like(denominator))
        return self.xp.where(where, numerator / safe, self.xp.zeros_like(numerator))


def arithmetic_for(arrays):
    """The twin that advances state for ``arrays``: in place for NumPy, else functional.

    Parameters
    ----------
    arrays : list of array
        A step's gradients (or a fresh start's parameters). They are of a
        namespace other than NumPy's only with scikit-learn's array API
        dispatch on; otherwise they are treated as NumPy arrays, as before.

    Returns
    -------
    arithmetic : InPlace or Functional
    """
    xp = array_namespace(*arrays)
    return IN_PLACE if xp is None else Functional(xp)


IN_PLACE = InPlace()
