"""Where a rule runs and where its state lives: NumPy on the host, or a namespace on a device.

The built-in rules' own classes take steps on arrays of any array-API
namespace (:mod:`sklearn_adam._rules._arithmetic`), and their states are
plain data holding one array per parameter, which :func:`moved_state`
moves as a whole. Any other solver, a subclass included (as
:func:`~sklearn_adam._rules.kernel_spec` trusts only the class that
declares a spec), is given NumPy arrays, as the solver protocol promises,
and its state is left where it made it.
"""

import dataclasses

from ._adam import Adam, AdamState, AdamW
from ._variants import Adamax, AdamaxState, AMSGrad, AMSGradState, NAdam, NAdamState

_ANY_NAMESPACE = (Adam, AMSGrad, AdamW, NAdam, Adamax)
_MOVABLE_STATES = (AdamState, AMSGradState, NAdamState, AdamaxState)


def runs_in_any_namespace(solver):
    """Whether ``solver.update`` takes arrays of any namespace: a built-in rule's own class.

    Parameters
    ----------
    solver : object following the solver protocol

    Returns
    -------
    bool
    """
    return type(solver) in _ANY_NAMESPACE


def moved_state(state, move):
    """A built-in rule's state with each of its arrays passed through ``move``.

    Parameters
    ----------
    state : object
        A solver's state; left as it was.
    move : callable
        ``move(array) -> array``, e.g. to another namespace or device.

    Returns
    -------
    state : object
        A new state of the same class, with the step count (and NAdam's
        momentum product) kept; any state other than the built-in rules'
        is returned as it is.
    """
    if not isinstance(state, _MOVABLE_STATES):
        return state
    arrays = {
        field.name: [move(array) for array in getattr(state, field.name)]
        for field in dataclasses.fields(state)
        if isinstance(getattr(state, field.name), list)
    }
    return dataclasses.replace(state, **arrays)
