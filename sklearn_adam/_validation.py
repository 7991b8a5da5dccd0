"""Parameter constraints, declared as tables and checked in one pass.

A table maps each parameter's name to the values it accepts: a list of
constraints (:class:`Interval`, :class:`Options`, :class:`HasMethods`,
:class:`InstanceOf`, :class:`Is`, :data:`BOOLEAN`, :data:`SCORER_NAME`,
:data:`CALLABLE`, or None for the value None), any one of which may hold.
:func:`check_parameters` checks a whole table before any work and names the
parameter, the value received and what was expected. scikit-learn's own
declarative constraints (``_parameter_constraints``) are private API, so the
few kinds this package needs are written out here.
"""

import numbers

import numpy as np
from sklearn.metrics import get_scorer_names

# The reals the arithmetic takes as they are: integers, floats and numpy's
# floats (not Fraction or Decimal, which numpy's functions do not take).
_PLAIN_REALS = (numbers.Integral, float, np.floating)


def _describe_interval(kind, low, high, closed):
    noun = "an integer" if kind == "int" else "a finite real number (int or float)"
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


class Interval:
    """Numbers of one kind inside an interval.

    Parameters
    ----------
    kind : {"real", "int"}
        Any finite real number, or integers only. Booleans are never
        accepted.
    low, high : float or None, default=None
        Bounds of the interval; None leaves that side unbounded.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the interval.
    """

    def __init__(self, kind, low=None, high=None, closed="both"):
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def is_of_its_type(self, value):
        # Any number is judged against the interval: 2.5 for an integer
        # parameter is "not an integer in [1, inf)", not "not one of 'auto'".
        return isinstance(value, numbers.Number) and not isinstance(value, bool)

    def holds(self, value):
        kind = numbers.Integral if self.kind == "int" else _PLAIN_REALS
        if isinstance(value, bool) or not isinstance(value, kind):
            return False
        if not isinstance(value, numbers.Integral) and not np.isfinite(value):
            return False
        above_low = self.low is None or value > self.low or (
            value == self.low and self.closed in ("both", "left")
        )
        below_high = self.high is None or value < self.high or (
            value == self.high and self.closed in ("both", "right")
        )
        return above_low and below_high

    def __str__(self):
        return _describe_interval(self.kind, self.low, self.high, self.closed)


class Options:
    """One of a few fixed values: strings, or True and False.

    Parameters
    ----------
    *options : str or bool
    """

    def __init__(self, *options):
        self.options = options

    def is_of_its_type(self, value):
        return isinstance(value, str) or (
            isinstance(value, (bool, np.bool_)) and any(isinstance(o, bool) for o in self.options)
        )

    def holds(self, value):
        if isinstance(value, (bool, np.bool_)):
            return any(isinstance(o, bool) and o == bool(value) for o in self.options)
        return isinstance(value, str) and value in self.options

    def __str__(self):
        if all(isinstance(option, str) for option in self.options):
            return "one of " + ", ".join(repr(option) for option in self.options)
        *first, last = [repr(option) for option in self.options]
        return f"{', '.join(first)} or {last}"


class HasMethods:
    """Any object with the named methods (a duck type).

    Parameters
    ----------
    *methods : str
    description : str
        What such an object is, for the error message.
    """

    def __init__(self, *methods, description):
        self.methods, self.description = methods, description

    def is_of_its_type(self, value):
        # Any object might have been meant as one: a failure names every
        # accepted form.
        return False

    def holds(self, value):
        # A class has the methods too, unbound: an instance is wanted.
        return not isinstance(value, type) and all(
            callable(getattr(value, method, None)) for method in self.methods
        )

    def __str__(self):
        return self.description


class InstanceOf:
    """An instance of one class.

    Parameters
    ----------
    cls : type
    """

    def __init__(self, cls):
        self.cls = cls

    def is_of_its_type(self, value):
        return isinstance(value, self.cls)

    def holds(self, value):
        return isinstance(value, self.cls)

    def __str__(self):
        return f"a {self.cls.__name__}"


class Is:
    """One particular object, such as a module.

    Parameters
    ----------
    obj : object
    description : str
        How the object is named in an error message.
    """

    def __init__(self, obj, description):
        self.obj, self.description = obj, description

    def is_of_its_type(self, value):
        return value is self.obj

    def holds(self, value):
        return value is self.obj

    def __str__(self):
        return self.description


class _Boolean:
    def is_of_its_type(self, value):
        return isinstance(value, (bool, np.bool_))

    holds = is_of_its_type

    def __str__(self):
        return "a bool"


class _ScorerName:
    def is_of_its_type(self, value):
        return isinstance(value, str)

    def holds(self, value):
        return isinstance(value, str) and value in get_scorer_names()

    def __str__(self):
        return "a scorer name"


class _Callable:
    def is_of_its_type(self, value):
        return callable(value)

    holds = is_of_its_type

    def __str__(self):
        return "a callable"


LARGEST_COUNT = 2**53
"""Upper bound of counts (epochs, patience): every count up to it is exact as a
float, so the schedules' arithmetic on it neither overflows nor rounds."""

POSITIVE_REAL = Interval("real", 0, None, closed="neither")
"""Constraint: a finite real number > 0."""

NON_NEGATIVE_REAL = Interval("real", 0)
"""Constraint: a finite real number >= 0."""

BOOLEAN = _Boolean()
"""Constraint: a bool (numpy's included)."""

SCORER_NAME = _ScorerName()
"""Constraint: a name of :func:`sklearn.metrics.get_scorer_names`."""

CALLABLE = _Callable()
"""Constraint: anything callable."""


def check_parameters(values, constraints, hints=None):
    """Check every value against its constraints, in the table's order.

    Parameters
    ----------
    values : dict
        Parameter name -> value.
    constraints : dict
        Parameter name -> list of constraints, any one of which may hold
        (None stands for the value None).
    hints : dict or None, default=None
        Parameter name -> ``hint(value)``, a sentence added to the message
        for a value that a user is likely to have meant as something else,
        or None.

    Raises
    ------
    ValueError
        For the first value that no constraint accepts, naming the
        parameter, the value and what was expected: the constraints of the
        value's type when some are (an integer out of range is told the
        range), else every accepted form.
    """
    for name, accepted in constraints.items():
        value = values[name]
        if any(value is None if c is None else c.holds(value) for c in accepted):
            continue
        forms = [c for c in accepted if c is not None and c.is_of_its_type(value)]
        if not forms:
            forms = accepted
        described = ["None" if c is None else str(c) for c in forms]
        expected = described[0] if len(described) == 1 else (
            f"{', '.join(described[:-1])} or {described[-1]}"
        )
        hint = (hints or {}).get(name, lambda value: None)(value)
        raise ValueError(
            f"{name} must be {expected}; got {value!r}." + ("" if hint is None else f" {hint}")
        )
