"""Linear regression trained by the Adam optimizer, as a scikit-learn estimator.

The package has three public pieces that can be used apart:

- :class:`AdamLinearRegressor`, the estimator;
- the update rules :class:`Adam`, :class:`AMSGrad`, :class:`AdamW`,
  :class:`NAdam` and :class:`Adamax`, with their states, usable on plain numpy
  arrays. Any object with the same two methods can be the estimator's
  ``solver``;
- :class:`LearningRateSchedule`, the rate of each epoch.

The solver protocol
-------------------
``init(params) -> state``
    ``params`` is a list of numpy arrays (for the estimator: the coefficients,
    shape (n_targets, n_features), then the intercept, shape (n_targets,),
    when one is fitted). Returns a fresh state for arrays of those shapes and
    dtypes, without modifying ``params``.

``update(grads, state, learning_rate) -> (updates, state)``
    ``grads`` holds one gradient array per parameter; ``learning_rate`` is the
    step size of this step, chosen by the training loop. Returns one update
    array per parameter, which the caller *adds* to it, and the advanced
    state. The state may be advanced in place; ``grads`` must not be modified
    and the update arrays are only read before the next call. A rule whose
    ``update`` also takes a keyword ``params`` (as :class:`AdamW` does) is
    handed the current parameters it may decay, with None in place of the
    intercept.

A state should be picklable, so that a fitted estimator is, and a solver
should hold only its configuration: the estimator keeps the state in
``solver_state_`` and hands it back to continue training.
"""

from ._linear_model import AdamLinearRegressor
from ._rules import (
    Adam,
    Adamax,
    AdamaxState,
    AdamState,
    AdamW,
    AMSGrad,
    AMSGradState,
    NAdam,
    NAdamState,
    Solver,
)
from ._schedules import LearningRateSchedule

__all__ = [
    "AMSGrad",
    "AMSGradState",
    "Adam",
    "AdamLinearRegressor",
    "AdamState",
    "AdamW",
    "Adamax",
    "AdamaxState",
    "LearningRateSchedule",
    "NAdam",
    "NAdamState",
    "Solver",
]
__version__ = "0.1.0"
