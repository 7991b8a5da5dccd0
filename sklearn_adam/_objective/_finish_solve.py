r"""The exact finish's two solves, given a split of the rows: a linear program, or an active set.

The finish (:mod:`._finish`) guesses which rows sit at the kink of the
pinball loss; this module turns that guess into a candidate minimizer of
the standardized objective

.. math::

    \frac1S \sum_i s_i \rho(\hat x_i \beta - \tilde y_i)
    + \sum_j \lambda_j \lvert \beta_j \rvert + \tfrac12 \sum_j \kappa_j \beta_j^2

(:math:`\lambda` the absolute part's weights, :math:`\kappa` the quadratic
part's, both zero on the intercept).

* Without a quadratic part (no penalty, or the lasso's) the objective is
  piecewise linear: :func:`solve_linear_program` solves Koenker's dual
  linear program on the rows nearest the kink, in which the lasso turns
  each coefficient's balance into a box, :math:`\lvert g_j + (\hat X^\top
  (c \odot v))_j \rvert \le \lambda_j`.
* With one (ridge, elastic net) it is a quadratic program:
  :func:`solve_active_set` corrects the split of the rows (at the kink,
  above, below) and of the coefficients (held at zero, or of a known sign)
  until the optimality conditions of the objective restricted to it hold,
  a primal-dual active set.

Either candidate is certified by the finish, whatever the split was.
"""

import numpy as np
from scipy.optimize import linprog

# Residuals within this many units of the targets' scale count as zero.
AT_KINK = 1e-9

# Residuals of a linear program's solution that count as its zeros: above
# the solver's feasibility tolerance.
_LP_TOLERANCE = 1e-6

# A lasso box's variable this far inside its bounds (relative) is off them:
# its coefficient is zero.
_INSIDE_BOX = 1e-9

# Corrections of the split before the candidate is judged as it stands.
MAX_CORRECTIONS = 20


def solve_linear_program(rows, target, beta, band, residual, slopes):
    r"""The exact minimizer without a quadratic part, by the linear program on the band's rows.

    The program solved is the dual one (Koenker's): one bounded subgradient
    per row of the band, one bounded subgradient :math:`t_j \in [-\lambda_j,
    \lambda_j]` of the lasso per coefficient it weighs, and one equality per
    parameter, that they balance the fixed rows' gradient,

    .. math::

        \min_{v \in [\text{low}, \text{high}]^Z,\ t} \sum_i c_i \tilde y_i v_i
        \quad \text{s.t.} \quad \hat X_Z^\top (c \odot v) + t = -g,

    with :math:`c_i` the rows' shares of the weight; its multipliers are
    the parameters, and a coefficient whose :math:`t_j` is inside its box
    is zero. Far smaller than the primal program (as many equalities as
    parameters), it is solved many times faster. The solution is then
    polished: as many rows as there are coefficients off zero, those
    nearest the kink, are interpolated exactly. Where the program has no
    solution (the split was wrong: no subgradients can balance it),
    ``beta`` is returned.

    Parameters
    ----------
    rows : StandardizedRows
    target : int
    beta : ndarray of shape (n_params,)
        The stacked parameters the split was read at.
    band : ndarray of bool, shape (n_rows,)
        The rows free to sit at the kink.
    residual : ndarray of shape (n_rows,)
        The scaled residuals at ``beta``.
    slopes : tuple of float
        The loss's slopes below and above a zero residual.

    Returns
    -------
    beta : ndarray of shape (n_params,)
    """
    low, high = slopes
    at_band = np.flatnonzero(band)
    slope = np.where(residual > 0, high, low)
    slope[at_band] = 0.0
    gradient = rows.gradient(slope)
    band_rows = rows.gathered(at_band)
    targets = rows.targets_of(at_band, target)
    # Shares of the largest weight rather than of the weight sum: numbers of
    # order one, which the solver's absolute tolerances suit; the same
    # program, scaled, with the same multipliers.
    unit = rows.weight_sum / rows.weight[at_band].max()
    shares = rows.weight[at_band] / rows.weight_sum * unit
    absolute = rows.absolute_weights(target)
    boxed = np.flatnonzero(absolute > 0)
    matrix, cost = band_rows.T * shares, shares * targets
    bounds = np.tile([low, high], (at_band.size, 1))
    if boxed.size:
        box_columns = np.zeros((beta.size, boxed.size))
        box_columns[boxed, np.arange(boxed.size)] = unit
        matrix = np.hstack([matrix, box_columns])
        cost = np.concatenate([cost, np.zeros(boxed.size)])
        box = absolute[boxed]
        bounds = np.vstack([bounds, np.column_stack([-box, box])])
    result = linprog(cost, A_eq=matrix, b_eq=-gradient * unit, bounds=bounds, method="highs")
    if result.status != 0:
        return beta
    candidate = np.asarray(result.eqlin.marginals, dtype=np.float64)
    off_zero = np.ones(beta.size, dtype=bool)
    box_values = result.x[at_band.size:]
    off_zero[boxed[np.abs(box_values) < absolute[boxed] * (1 - _INSIDE_BOX)]] = False
    candidate[~off_zero] = 0.0
    residual_band = band_rows @ candidate - targets
    basis = np.argsort(np.abs(residual_band), kind="stable")[: int(off_zero.sum())]
    basis = basis[np.abs(residual_band[basis]) <= _LP_TOLERANCE]
    if basis.size:
        correction = np.linalg.lstsq(band_rows[np.ix_(basis, off_zero)], -residual_band[basis],
                                     rcond=None)[0]
        candidate[off_zero] += correction
    return candidate


def solve_active_set(rows, target, beta, band, residual, slopes):
    """Correct the split of the rows and coefficients until its candidate is consistent.

    The rows in ``band`` start at the kink and the coefficients that are
    zero in ``beta`` (and weighed by the lasso) start held at zero; each
    round solves the optimality conditions of that split
    (:func:`_split_conditions`), then moves each row or coefficient that
    contradicts them: a kink row whose subgradient left its interval, a row
    off the kink that crossed it, a coefficient that changed sign (held at
    zero), a zero coefficient whose balance leaves its box (freed, with the
    sign that lowers the objective).

    Parameters
    ----------
    rows : StandardizedRows
    target : int
    beta : ndarray of shape (n_params,)
    band : ndarray of bool, shape (n_rows,)
    residual : ndarray of shape (n_rows,)
    slopes : tuple of float

    Returns
    -------
    beta : ndarray of shape (n_params,)
        The consistent candidate, or the last one where none was found.
    """
    low, high = slopes
    absolute = rows.absolute_weights(target)
    sign = np.where(absolute > 0, np.sign(beta), 0.0)
    free = (absolute == 0) | (sign != 0)
    at_kink = _fewest(np.flatnonzero(band), residual, int(free.sum()))
    side = residual > 0
    for _ in range(MAX_CORRECTIONS):
        slope = np.where(side, high, low)
        slope[at_kink] = 0.0
        candidate, subgradients, balance = _split_conditions(
            rows, target, slope, at_kink, free, sign * absolute)
        new_residual = rows.residual_of(candidate, target)
        off = np.ones(residual.shape[0], dtype=bool)
        off[at_kink] = False
        crossed = np.flatnonzero(off & ((side & (new_residual < -AT_KINK))
                                        | (~side & (new_residual > AT_KINK))))
        above = subgradients > high * (1 + 1e-12)
        below = subgradients < low * (1 + 1e-12)
        turned = free & (sign != 0) & (candidate * sign <= 0)
        leaving = ~free & (np.abs(balance) > absolute * (1 + 1e-12))
        if not (crossed.size or above.any() or below.any() or turned.any() or leaving.any()):
            return candidate
        side[at_kink[above]] = True
        side[at_kink[below]] = False
        side[crossed] = new_residual[crossed] > 0
        free[turned], sign[turned] = False, 0.0
        free[leaving], sign[leaving] = True, -np.sign(balance[leaving])
        at_kink = _fewest(np.union1d(at_kink[~(above | below)], crossed), new_residual,
                          int(free.sum()))
        beta = candidate
    return beta


def _fewest(positions, residual, count):
    """Of ``positions``, the ``count`` with the smallest residuals: no more rows than free
    parameters can sit at the kink of a penalized minimizer in general position."""
    if positions.size <= count:
        return positions
    return np.sort(positions[np.argsort(np.abs(residual[positions]), kind="stable")[:count]])


def _split_conditions(rows, target, slope, at_kink, free, lasso_slope):
    """The split's optimality conditions, solved for the free parameters and kink subgradients.

    Returns the parameters (zero where not ``free``), the kink rows'
    subgradients, and each parameter's balance without its own penalty
    (what the lasso's subgradient of a coefficient held at zero must offset).
    """
    gradient = rows.gradient(slope)
    if rows.has_absolute:
        gradient = gradient + lasso_slope
    penalty = rows.penalty_diagonal(target)[free]
    kink_rows = rows.gathered(at_kink)
    scaled = kink_rows.T * (rows.weight[at_kink] / rows.weight_sum)
    n_free = penalty.shape[0]
    size = n_free + at_kink.size
    system = np.zeros((size, size))
    system[:n_free, :n_free] = np.diag(penalty)
    system[:n_free, n_free:] = scaled[free]
    system[n_free:, :n_free] = kink_rows[:, free]
    right = np.concatenate([-gradient[free], rows.targets_of(at_kink, target)])
    solution = np.linalg.lstsq(system, right, rcond=None)[0]
    candidate = np.zeros(free.shape[0])
    candidate[free] = solution[:n_free]
    subgradients = solution[n_free:]
    return candidate, subgradients, gradient + scaled @ subgradients
