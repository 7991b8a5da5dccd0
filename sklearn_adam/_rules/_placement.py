"""Where a rule runs and where its state lives: NumPy on the host, or a namespace on a device.

A rule runs on arrays of any array-API namespace where its own class
declares ``placement = "any_namespace"``, as each built-in rule does (their
arithmetic is :mod:`sklearn_adam._rules._arithmetic`'s). Any other solver,
a subclass of a built-in rule included (a subclass may change ``update``;
see :func:`~sklearn_adam._rules.kernel_spec`), is given NumPy arrays, as
the solver protocol promises, unless its own class declares otherwise.

A state declares itself ``movable`` (a class attribute) when it is plain
data whose lists hold one array per parameter, as the built-in rules'
states are; :func:`moved_state` moves those as a whole, and leaves any
other state where its rule made it. Unlike a rule's declarations, a state
class's is inherited: a subclass of a state keeps its fields, and so its
layout.
"""

import dataclasses

from ._registry import own_declaration


def runs_in_any_namespace(solver):
    """Whether ``solver.update`` takes arrays of any namespace, as its own class declares.

    Parameters
    ----------
    solver : object following the solver protocol

    Returns
    -------
    bool
        True where the solver's class itself declares
        ``placement = "any_namespace"``; False for ``"host"`` and where it
        declares nothing.
    """
    return own_declaration(solver, "placement") == "any_namespace"


def moved_state(state, move):
    """A movable state with each of its arrays passed through ``move``.

    Parameters
    ----------
    state : object
        A solver's state; left as it was.
    move : callable
        ``move(array) -> array``, e.g. to another namespace or device.

    Returns
    -------
    state : object
        A new state of the same class, its other fields (the step count,
        NAdam's momentum product) kept; a state whose class does not
        declare ``movable = True`` is returned as it is.
    """
    if getattr(type(state), "movable", False) is not True:
        return state
    arrays = {
        field.name: [move(array) for array in getattr(state, field.name)]
        for field in dataclasses.fields(state)
        if isinstance(getattr(state, field.name), list)
    }
    return dataclasses.replace(state, **arrays)
