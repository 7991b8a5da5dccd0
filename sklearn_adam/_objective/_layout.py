"""What each position of a fit's parameter list holds: :class:`ParameterLayout`.

A fit's parameters are a list of arrays in standardized coordinates: the
coefficients, of shape (n_targets, n_features), then the intercept, of
shape (n_targets,), where one is fitted, then one array of shape
(n_targets,) per parameter the datafit itself declares in its
``extra_parameters`` (``("scale",)`` for the Huber loss, whose scale is
estimated with the coefficients). The penalty and the weight decay touch
the coefficients only. Every part of the engine that takes the list apart
asks this object, rather than counting the arrays.
"""

from typing import NamedTuple


def extra_parameters(datafit):
    """The names of the parameters ``datafit`` adds after the intercept.

    Parameters
    ----------
    datafit : object or None

    Returns
    -------
    names : tuple of str
        Empty for a datafit of the predictions alone.
    """
    return tuple(getattr(datafit, "extra_parameters", ()))


class ParameterLayout(NamedTuple):
    """The parts of a parameter list: coefficients, intercept or not, a datafit's own.

    Parameters
    ----------
    intercept : bool
        Whether the list holds an intercept, second.
    extra : tuple of str, default=()
        The names of the datafit's own parameters, last, in this order.
    """

    intercept: bool
    extra: tuple = ()

    @classmethod
    def of(cls, datafit, intercept):
        """The layout of a fit of ``datafit``, with or without an intercept.

        Parameters
        ----------
        datafit : object
        intercept : bool

        Returns
        -------
        layout : ParameterLayout
        """
        return cls(bool(intercept), extra_parameters(datafit))

    @classmethod
    def of_params(cls, params, datafit=None):
        """The layout of ``params``, a parameter list of a fit of ``datafit``.

        Parameters
        ----------
        params : list of array
        datafit : object or None, default=None
            None for a datafit without parameters of its own.

        Returns
        -------
        layout : ParameterLayout
        """
        extra = extra_parameters(datafit)
        return cls(len(params) > 1 + len(extra), extra)

    @property
    def n_params(self):
        """int : The length of a parameter list of this layout."""
        return 1 + int(self.intercept) + len(self.extra)

    def split(self, params):
        """The coefficients, the intercept (or None) and the datafit's own parameters.

        Parameters
        ----------
        params : list of array
            Of this layout; gradients and solver moments are laid out alike.

        Returns
        -------
        coef : array
        intercept : array or None
        extras : dict
            Each name of ``extra`` to its array, in order.
        """
        start = 1 + int(self.intercept)
        return (params[0], params[1] if self.intercept else None,
                dict(zip(self.extra, params[start:])))


def split_parameters(params, datafit):
    """:meth:`ParameterLayout.split` of ``params``, a list of a fit of ``datafit``.

    Parameters
    ----------
    params : list of array
    datafit : object

    Returns
    -------
    coef, intercept, extras
        As :meth:`ParameterLayout.split` gives them.
    """
    return ParameterLayout.of_params(params, datafit).split(params)


def pointwise_with_extras(datafit, xp, prediction, y, y_scale, extras):
    """A datafit's losses, derivatives, and derivatives by each of its own parameters.

    Parameters
    ----------
    datafit : object
    xp : array namespace
    prediction, y : array of shape (n_rows, n_targets)
    y_scale : array of shape (n_targets,)
    extras : dict
        The datafit's own parameters by name (empty for most datafits,
        which are then called exactly as they always are).

    Returns
    -------
    loss, derivative : array of shape (n_rows, n_targets)
        As the datafit's ``pointwise`` gives them.
    extra_derivatives : tuple of array of shape (n_rows, n_targets)
        The derivative of each row's loss by each of the datafit's own
        parameters, in the order of ``extras``; empty without them.
    """
    if not extras:
        loss, derivative = datafit.pointwise(xp, prediction, y, y_scale)
        return loss, derivative, ()
    loss, derivative = datafit.pointwise(xp, prediction, y, y_scale, **extras)
    return loss, derivative, datafit.extra_derivatives(xp, prediction, y, y_scale, **extras)
