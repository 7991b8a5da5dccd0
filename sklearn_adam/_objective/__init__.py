"""The objective: what training minimizes, and how well held-out rows are fitted.

- ``_datafits``: the loss of one prediction (squared error), its
  derivative, link and default score, written once for every backend;
- ``_penalties``: the penalty on the coefficients (ridge), its value,
  gradient, proximal operator and the stopping measure;
- ``_rows``: the training rows of ``X``, read in blocks;
- ``_problem``: the objective a datafit and a penalty make on those rows,
  in standardized coordinates: its batch gradients and per-epoch summary;
- ``_standardization``: the centers and scales of features and targets;
- ``_normal_equations``: a quadratic objective's moments, whose exact
  gradient costs no pass over ``X``;
- ``_sparse_sums``: the centered sums of sparse columns that the
  standardization and the normal equations take, keeping their digits far
  from zero;
- ``_held_out``: loss and score on validation rows, for early stopping.
"""

from ._datafits import SquaredError
from ._held_out import HeldOutEvaluation
from ._normal_equations import NormalEquations
from ._normal_equations import pays_off as normal_equations_pay_off
from ._normal_equations import serves as normal_equations_serve
from ._penalties import L2
from ._problem import Objective
from ._rows import TrainingRows
from ._standardization import Standardization


def least_squares(X, y, sample_weight, *, alpha, standardization, rows=None, weight_unit=1.0):
    """The ridge least-squares objective of in-memory data.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_targets)
    sample_weight : ndarray of shape (n_samples,)
    alpha : float
        L2 penalty, with Ridge's meaning.
    standardization : Standardization
    rows : ndarray of int or None, default=None
        The training rows; None for all.
    weight_unit : float, default=1.0

    Returns
    -------
    objective : Objective
    """
    data = TrainingRows(X, y, sample_weight, rows)
    return Objective(SquaredError(), L2(alpha), data, standardization, weight_unit)


__all__ = [
    "L2", "HeldOutEvaluation", "NormalEquations", "Objective", "SquaredError", "Standardization",
    "TrainingRows", "least_squares", "normal_equations_pay_off", "normal_equations_serve",
]
