"""Linear regression trained by the Adam optimizer, as a scikit-learn estimator.

The package has four public pieces that can be used apart:

- :class:`AdamLinearRegressor`, the estimator;
- :func:`adam_path`, its fits along a grid of ``alpha`` (a regularization
  path), the data read once;
- the update rules :class:`Adam`, :class:`AMSGrad`, :class:`AdamW`,
  :class:`NAdam` and :class:`Adamax`, with their states, usable on plain numpy
  arrays. Any object that follows the solver protocol, :class:`Solver`, can
  be the estimator's ``solver``;
- :class:`LearningRateSchedule`, the rate of each epoch, which can also be
  the estimator's ``schedule``.
"""

from ._linear_model import AdamLinearRegressor
from ._path import adam_path
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
    "adam_path",
]
__version__ = "0.1.0"
