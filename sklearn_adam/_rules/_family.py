"""What the Adam family shares: in-place moment arithmetic and method docstrings.

Each piece works in place on one parameter's arrays, so a step allocates only
temporaries the size of that parameter.
"""

import math

import numpy as np

from .._validation import NON_NEGATIVE_REAL, POSITIVE_REAL, Interval, Options, check_parameters

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
    """One zero array per parameter, of its shape and dtype."""
    for index, param in enumerate(params):
        if not np.issubdtype(np.asarray(param).dtype, np.floating):
            raise ValueError(
                f"params[{index}] must be a floating-point array; got dtype "
                f"{np.asarray(param).dtype}."
            )
    return [np.zeros_like(p) for p in params]


def bias_correction(beta, step):
    """``1 - beta**step``, the factor that unbiases a zero-started average."""
    return 1.0 - beta**step


def accumulate_first_moment(m, grad, beta_1):
    """``m <- beta_1 m + (1 - beta_1) grad``, in place."""
    m *= beta_1
    m += (1.0 - beta_1) * grad


def accumulate_second_moment(v, grad, beta_2):
    """``v <- beta_2 v + (1 - beta_2) grad**2``, in place."""
    v *= beta_2
    v += (1.0 - beta_2) * np.square(grad)


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


# The family's init and update methods differ in their docstrings only by the
# rule's and the state class's names, so those docstrings are filled in here.


def init_doc(state_class, contents):
    """The docstring of a family member's ``init``, naming its state class."""
    return f"""Create the state for a fresh start on ``params``.

    Parameters
    ----------
    params : list of ndarray
        The parameter arrays to be trained; only their shapes and dtypes
        are read.

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
        Gradient of the objective for each parameter array.
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


