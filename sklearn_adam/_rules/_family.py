"""What the Adam family shares: hyperparameter constraints, fresh states and method docstrings.

The arithmetic per element lives in :mod:`sklearn_adam._rules._arithmetic`.
"""

import numpy as np

from .._validation import NON_NEGATIVE_REAL, POSITIVE_REAL, Interval, Options, check_parameters
from ._arithmetic import arithmetic_for

# The values each hyperparameter of the family accepts; the estimator's
# table of constraints takes them from here.
HYPERPARAMETER_CONSTRAINTS = {
    "learning_rate": [POSITIVE_REAL],
    "beta_1": [Interval("real", 0, 1, closed="left")],
    "beta_2": [Interval("real", 0, 1, closed="left")],
    "epsilon": [NON_NEGATIVE_REAL],
    # Where epsilon goes in the denominator of the step; see Adam.
    "epsilon_placement": [Options("corrected", "raw")],
    "weight_decay": [NON_NEGATIVE_REAL],
    "momentum_decay": [NON_NEGATIVE_REAL],
}


def check_hyperparameters(**values):
    """Check a rule's hyperparameters against the family's constraints.

    Returns
    -------
    values : tuple
        The values, unchanged, in the order given.
    """
    check_parameters(values, {name: HYPERPARAMETER_CONSTRAINTS[name] for name in values})
    return tuple(values.values())


def zeros_like_each(params):
    """One zero array per parameter, of its shape, dtype and namespace (and device)."""
    arithmetic = arithmetic_for(params)
    for index, param in enumerate(params):
        if not arithmetic.is_floating(param):
            dtype = param.dtype if hasattr(param, "dtype") else np.asarray(param).dtype
            raise ValueError(
                f"params[{index}] must be a floating-point array; got dtype {dtype}."
            )
    return [arithmetic.zeros_like(p) for p in params]


def check_stepped(rule, state):
    """Raise unless ``state`` has taken a step: a rule's metric is the one its last update used.

    Raises
    ------
    ValueError
        Naming the rule, for a fresh state (step zero), whose bias
        corrections are zero.
    """
    if state.step < 1:
        raise ValueError(
            f"{type(rule).__name__}.step_sizes gives the steps of the metric of the last "
            "update, and this state has taken none (step 0): call update first."
        )


RAW_NOTE = (
    "With ``epsilon_placement=\"raw\"`` the denominator is "
    ":math:`(\\sqrt{{{moment}}} + \\epsilon) / \\sqrt{{1 - \\beta_2^t}}`, as in the update. "
)


def step_sizes_doc(rule, state_class, formula, note=""):
    """The docstring of a family member's ``step_sizes``, with its formula.

    ``note`` (a sentence or none) follows the formula.
    """
    return rf"""The step of each coordinate in this rule's metric after the last update.

    A proximal step on a penalty that is not smooth takes these steps, so
    that its fixed points are the penalized optimum (see the solver
    protocol, :class:`~sklearn_adam.Solver`). For {rule}:

    .. math::

        {formula}

    where :math:`\eta` is ``learning_rate``. {note}A coordinate whose
    denominator is zero (``epsilon=0``, its gradients all zero so far) has
    step zero: it takes no step, as in :meth:`update`.

    Parameters
    ----------
    state : {state_class}
        The state after at least one :meth:`update`; only read.
    learning_rate : float
        The step size of the last update.

    Returns
    -------
    steps : list of ndarray
        One array per parameter, of its shape and dtype, in the namespace
        (and on the device) of the state's arrays.

    Raises
    ------
    ValueError
        For a state that has taken no step.
    """


def bias_correction(beta, step):
    """``1 - beta**step``, the factor that unbiases a zero-started average."""
    return 1.0 - beta**step


# The family's init and update methods differ in their docstrings only by the
# rule's and the state class's names, so those docstrings are filled in here.


def init_doc(state_class, contents):
    """The docstring of a family member's ``init``, naming its state class."""
    return f"""Create the state for a fresh start on ``params``.

    Parameters
    ----------
    params : list of ndarray
        The parameter arrays to be trained; only their shapes and dtypes
        are read (and with array API dispatch on, their namespace and
        device, which the state's arrays take).

    Returns
    -------
    state : {state_class}
        {contents}
    """


def update_doc(rule, state_class):
    """The docstring of a family member's ``update``, naming rule and state."""
    return f"""Take one {rule} step.

    Parameters
    ----------
    grads : list of ndarray
        Gradient of the objective for each parameter array: NumPy arrays,
        or with scikit-learn's array API dispatch on, arrays of any
        namespace (torch, CuPy, ...), the state's arrays then being of the
        same namespace and device.
    state : {state_class}
        The state from :meth:`init` or the previous call; advanced in place.
    learning_rate : float, default=None
        Step size for this step; None uses ``self.learning_rate``.
    params : list of (ndarray or None), default=None
        The current parameters, as the solver protocol passes them; this
        rule does not use them.

    Returns
    -------
    updates : list of ndarray
        The change to add to each parameter array.
    state : {state_class}
        The advanced state (the same object).
    """


