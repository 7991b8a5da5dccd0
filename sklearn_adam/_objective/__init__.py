"""The objective: what training minimizes, and how well held-out rows are fitted.

- ``_standardization``: the centers and scales of features and targets;
- ``_least_squares``: the weighted, penalized least-squares objective, its
  batch gradients and the per-epoch summary;
- ``_normal_equations``: the same objective as a quadratic, whose exact
  gradient costs no pass over ``X``;
- ``_sparse_sums``: the centered sums of sparse columns that the
  standardization and the normal equations take, keeping their digits far
  from zero;
- ``_held_out``: loss and score on validation rows, for early stopping.
"""

from ._held_out import HeldOutEvaluation
from ._least_squares import LeastSquares
from ._normal_equations import NormalEquations
from ._normal_equations import pays_off as normal_equations_pay_off
from ._standardization import Standardization

__all__ = [
    "HeldOutEvaluation", "LeastSquares", "NormalEquations", "Standardization",
    "normal_equations_pay_off",
]
