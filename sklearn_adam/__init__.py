"""Linear regression trained by the Adam optimizer, as a scikit-learn estimator.

The package has two public pieces that can be used apart:

- :class:`AdamLinearRegressor`, the estimator;
- :class:`Adam` and :class:`AdamState`, the update rule and its state, usable
  on plain numpy arrays. Any object with the same two methods can replace
  :class:`Adam` as the estimator's ``solver``.

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
    and the update arrays are only read before the next call.

A state should be picklable, so that a fitted estimator is, and a solver
should hold only its configuration: the estimator keeps the state in
``solver_state_`` and hands it back to continue training.
"""

from ._linear_model import AdamLinearRegressor
from ._solvers import Adam, AdamState

__all__ = ["Adam", "AdamLinearRegressor", "AdamState"]
__version__ = "0.1.0"
