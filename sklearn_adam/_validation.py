"""Small checks for hyperparameters, each naming the parameter it rejects.

scikit-learn's own declarative constraints (``_parameter_constraints``) are
private API, so the few rules this package needs are written out here.
"""

import numbers

import numpy as np


def check_scalar(name, value, *, kind, low=None, high=None, closed="both"):
    """Check that ``value`` is a number of ``kind`` inside an interval.

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : object
        The value to check.
    kind : {"real", "int"}
        Whether any real number or only integers are allowed. Booleans are
        never accepted.
    low, high : float or None, default=None
        Bounds of the interval; None means unbounded on that side.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the interval.

    Returns
    -------
    value : int or float
        The value, unchanged.

    Raises
    ------
    ValueError
        If ``value`` has the wrong type or lies outside the interval.
    """
    types = numbers.Integral if kind == "int" else numbers.Real
    expected = _describe_interval(kind, low, high, closed)
    if isinstance(value, bool) or not isinstance(value, types):
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    if kind == "real" and not np.isfinite(value):
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    below = low is not None and (
        value < low or (value == low and closed in ("right", "neither"))
    )
    above = high is not None and (
        value > high or (value == high and closed in ("left", "neither"))
    )
    if below or above:
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    return value


def check_option(name, value, options):
    """Check that ``value`` is one of the strings in ``options``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : object
        The value to check.
    options : sequence of str
        The accepted values.

    Returns
    -------
    value : str
        The value, unchanged.

    Raises
    ------
    ValueError
        If ``value`` is not one of ``options``.
    """
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(option) for option in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    return value


def _describe_interval(kind, low, high, closed):
    noun = "an integer" if kind == "int" else "a finite real number"
    if low is None and high is None:
        return noun
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    low_text = "-inf" if low is None else repr(low)
    high_text = "inf" if high is None else repr(high)
    if low is None:
        left = "("
    if high is None:
        right = ")"
    return f"{noun} in {left}{low_text}, {high_text}{right}"
