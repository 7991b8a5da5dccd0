r"""The exact minimizer of the pinball loss from a smoothed one, and its certificate.

The solver trains a loss with a kink (:mod:`._robust`) on its smoothing of
width :math:`h`. Near the minimizer of the smoothed objective, the rows split
into those clearly above their target (slope ``high``), clearly below (slope
``low``), and those in the band where the smoothing acts: the candidates to
sit exactly at the kink. Given that split, the exact minimizer solves a
small linear system (the optimality conditions of the objective restricted
to it):

.. math::

    g + \Lambda \beta + \tfrac1S \hat X_Z^\top (s_Z \odot v) = 0, \qquad
    \hat X_Z \beta = \tilde y_Z

for the standardized parameters :math:`\beta` (coefficients and intercept,
rows :math:`\hat x_i = (\tilde x_i, 1)`) and the subgradients :math:`v` of
the rows at the kink, with :math:`g` the gradient of the rows off it and
:math:`\Lambda` the ridge penalty's weights. Where a subgradient leaves its
interval :math:`[\text{low}, \text{high}]` or a row off the kink changes
side, the split is corrected and the system solved again (a primal-dual
active set), a few times at most.

Whatever the split, the candidate is judged exactly: by the distance of zero
to the objective's subdifferential there,

.. math::

    \min_{v \in [\text{low}, \text{high}]^K} \Big\lVert g + \Lambda \beta
        + \tfrac1S \hat X_K^\top (s_K \odot v) \Big\rVert

over the rows :math:`K` whose residual is zero (within :data:`AT_KINK` of
the targets' scale), :math:`g` now the gradient of all others. It is zero
exactly at a minimizer, and it is the measure that ``tol`` bounds for these
losses, in the same standardized units as the gradient norm of the smooth
ones.
"""

from typing import NamedTuple

import numpy as np
from scipy.optimize import linprog, lsq_linear

# Residuals within this many units of the targets' scale count as zero: at
# the kink. Solving for the candidate leaves its zero residuals at rounding
# error of this size times the rows' norms, far below it.
AT_KINK = 1e-9

# Residuals of a linear program's solution that count as its zeros: above
# the solver's feasibility tolerance.
_LP_TOLERANCE = 1e-6

# The linear program frees the rows nearest to the kink, this many per
# parameter and at most MAX_BAND_ROWS: at a minimizer as many rows as there
# are parameters sit at the kink, and near one they are among the nearest.
BAND_ROWS_PER_PARAMETER = 40
MAX_BAND_ROWS = 4000

# Candidates tried per finish, each from the split of the rows at the last.
REFINEMENTS = 3

# Corrections of the split before the candidate is judged as it stands.
MAX_CORRECTIONS = 20


class Finish(NamedTuple):
    """A candidate minimizer and how far it is from one.

    Parameters
    ----------
    params : list of ndarray
        Standardized coefficients (and intercept).
    distance : float
        The distance of zero to the subdifferential at ``params``, joint over
        targets.
    loss : float
        The exact objective there, averaged over targets.
    """

    params: list
    distance: float
    loss: float


def finish(objective, params, width, target=0.0):
    """The exact minimizer suggested by the split of the rows at ``params``.

    Parameters
    ----------
    objective : Objective
        Of the exact (unsmoothed) pinball loss or absolute error, on the host.
    params : list of ndarray
        Standardized parameters near the minimizer of the loss smoothed over
        ``width``.
    width : float
        The smoothing width those parameters were trained with.
    target : float, default=0.0
        The distance at which a candidate is taken without trying another.

    Returns
    -------
    finish : Finish
        The best of the candidates tried: the nearest to a minimizer.
    """
    rows = StandardizedRows(objective, len(params) > 1)
    best = None
    for _ in range(REFINEMENTS):
        candidate = _candidate(rows, params, width, objective.datafit.slopes)
        distance, loss = certify(rows, candidate, objective.datafit.slopes)
        if best is None or distance < best.distance:
            best = Finish(candidate, distance, loss)
        if distance <= target or all(
                np.array_equal(new, old) for new, old in zip(candidate, params)):
            break
        # The split at the candidate is nearer the minimizer's than the one it came from.
        params = candidate
    return best


def _candidate(rows, params, width, slopes):
    """The minimizer that the split of the rows at ``params`` suggests, per target."""
    low, high = slopes
    coef, intercept = params[0], (params[1] if len(params) > 1 else None)
    residuals = rows.residuals(coef, intercept)
    # In float64 whatever the parameters' dtype: the candidate is certified
    # as it is, and rounded to that dtype only where it is taken.
    new_coef = coef.astype(np.float64)
    new_intercept = None if intercept is None else intercept.astype(np.float64)
    for target in range(coef.shape[0]):
        beta = rows.stack(coef, intercept, target)
        residual = residuals[:, target]
        if not rows.penalized:
            beta = _solve_reduced(rows, target, beta, _nearest(residual, beta.size), residual,
                                  slopes)
        else:
            band = (residual > low * width) & (residual < high * width)
            beta = _solve_split(rows, target, beta, band, residual, slopes)
        new_coef[target] = beta[: coef.shape[1]]
        if intercept is not None:
            new_intercept[target] = beta[-1]
    return [new_coef] + ([] if intercept is None else [new_intercept])


def distance_at(objective, params):
    """The distance of zero to the subdifferential at ``params`` (see :func:`certify`).

    Parameters
    ----------
    objective : object
        Of the exact pinball loss or absolute error.
    params : list of ndarray

    Returns
    -------
    distance : float
    """
    rows = StandardizedRows(objective, len(params) > 1)
    return certify(rows, params, objective.datafit.slopes)[0]


def certify(rows, params, slopes):
    """The distance of zero to the subdifferential at ``params``, and the objective there.

    Parameters
    ----------
    rows : StandardizedRows
    params : list of ndarray
    slopes : tuple of float
        The loss's slopes below and above a zero residual.

    Returns
    -------
    distance : float
        Joint over targets.
    loss : float
        The objective averaged over targets.
    """
    low, high = slopes
    coef, intercept = params[0], (params[1] if len(params) > 1 else None)
    residuals = rows.residuals(coef, intercept)
    squared, losses = 0.0, 0.0
    for target in range(coef.shape[0]):
        u = residuals[:, target]
        kink = np.abs(u) <= AT_KINK
        slope = np.where(u > 0, high, low)
        slope[kink] = 0.0
        beta = rows.stack(coef, intercept, target)
        gradient = rows.gradient(slope) + rows.penalty_gradient(beta, target)
        at_kink = np.flatnonzero(kink)
        if at_kink.size:
            columns = rows.gathered(at_kink).T * (rows.weight[at_kink] / rows.weight_sum)
            fit = lsq_linear(columns, -gradient, bounds=(low, high), method="bvls")
            gradient = gradient + columns @ fit.x
        squared += float(gradient @ gradient)
        loss = rows.weight @ np.maximum(high * u, low * u) / rows.weight_sum
        losses += float(loss) + rows.penalty_value(beta, target)
    return float(np.sqrt(squared)), losses / coef.shape[0]


def _nearest(residual, n_params):
    """The rows nearest to the kink, as many as the linear program takes: a mask."""
    count = min(residual.shape[0], BAND_ROWS_PER_PARAMETER * n_params, MAX_BAND_ROWS)
    nearest = np.argpartition(np.abs(residual), count - 1)[:count]
    band = np.zeros(residual.shape[0], dtype=bool)
    band[nearest] = True
    return band


def _solve_reduced(rows, target, beta, band, residual, slopes):
    """The exact minimizer, by the linear program on the band's rows, the others' slopes fixed.

    Unpenalized only. The program solved is the dual one (Koenker's):
    one bounded subgradient per row of the band, and one equality per
    parameter, that the subgradients balance the fixed rows' gradient,

    .. math::

        \\min_{v \\in [\\text{low}, \\text{high}]^Z} \\sum_i c_i \\tilde y_i v_i
        \\quad \\text{s.t.} \\quad \\hat X_Z^\\top (c \\odot v) = -g,

    with :math:`c_i` the rows' shares of the weight; its multipliers are
    the parameters. Far smaller than the primal program (as many
    equalities as parameters), it is solved many times faster. The
    solution is then polished: as many rows as there are parameters, those
    nearest the kink, are interpolated exactly. Where the program has no
    solution (the split was wrong: no subgradients can balance it),
    ``beta`` is returned.
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
    result = linprog(shares * targets, A_eq=band_rows.T * shares, b_eq=-gradient * unit,
                     bounds=(low, high), method="highs")
    if result.status != 0:
        return beta
    candidate = np.asarray(result.eqlin.marginals, dtype=np.float64)
    residual_band = band_rows @ candidate - targets
    basis = np.argsort(np.abs(residual_band), kind="stable")[: candidate.size]
    basis = basis[np.abs(residual_band[basis]) <= _LP_TOLERANCE]
    if basis.size:
        correction = np.linalg.lstsq(band_rows[basis], -residual_band[basis], rcond=None)[0]
        candidate = candidate + correction
    return candidate


def _solve_split(rows, target, beta, band, residual, slopes):
    """Correct the split of the rows until its candidate is consistent, or give up."""
    low, high = slopes
    n_params = beta.shape[0]
    at_kink = _fewest(np.flatnonzero(band), residual, n_params)
    side = residual > 0
    for _ in range(MAX_CORRECTIONS):
        slope = np.where(side, high, low)
        slope[at_kink] = 0.0
        candidate, subgradients = _kkt(rows, target, slope, at_kink)
        new_residual = rows.residual_of(candidate, target)
        off = np.ones(residual.shape[0], dtype=bool)
        off[at_kink] = False
        crossed = np.flatnonzero(off & ((side & (new_residual < -AT_KINK))
                                        | (~side & (new_residual > AT_KINK))))
        above = subgradients > high * (1 + 1e-12)
        below = subgradients < low * (1 + 1e-12)
        if not crossed.size and not above.any() and not below.any():
            return candidate
        side[at_kink[above]] = True
        side[at_kink[below]] = False
        side[crossed] = new_residual[crossed] > 0
        at_kink = _fewest(np.union1d(at_kink[~(above | below)], crossed), new_residual,
                          n_params)
        beta = candidate
    return beta


def _fewest(positions, residual, count):
    """Of ``positions``, the ``count`` with the smallest residuals: no more rows than
    parameters can sit at the kink of a penalized minimizer in general position."""
    if positions.size <= count:
        return positions
    return np.sort(positions[np.argsort(np.abs(residual[positions]), kind="stable")[:count]])


def _kkt(rows, target, slope, at_kink):
    """The split's optimality conditions, solved for the parameters and the kink's subgradients."""
    gradient = rows.gradient(slope)
    penalty = rows.penalty_diagonal(target)
    n_params = gradient.shape[0]
    kink_rows = rows.gathered(at_kink)
    scaled = kink_rows.T * (rows.weight[at_kink] / rows.weight_sum)
    size = n_params + at_kink.size
    system = np.zeros((size, size))
    system[:n_params, :n_params] = np.diag(penalty)
    system[:n_params, n_params:] = scaled
    system[n_params:, :n_params] = kink_rows
    right = np.concatenate([-gradient, rows.targets_of(at_kink, target)])
    solution = np.linalg.lstsq(system, right, rcond=None)[0]
    return solution[:n_params], solution[n_params:]


class BlockRows:
    """What the finish reads of training rows that come in blocks (in memory, or of any namespace).

    Parameters
    ----------
    rows : TrainingRows or NamespaceRows
        With ``blocks(batch)`` and ``targets()``.
    to_host : callable
        Turns one of their arrays into a NumPy array.
    to_device : callable
        Turns a NumPy array of positions into one their ``blocks`` take.
    """

    def __init__(self, rows, to_host, to_device):
        self.rows = rows
        self.to_host = to_host
        self.to_device = to_device

    def targets(self):
        """The targets and weights, on the host."""
        y, weight = self.rows.targets()
        return self.to_host(y), self.to_host(weight)

    def predictions(self, raw_coef, raw_intercept):
        """``X @ raw_coef.T + raw_intercept`` of every row, on the host."""
        parts = [np.asarray(self._host(X_block) @ raw_coef.T, dtype=np.float64) + raw_intercept
                 for X_block, _, _ in self.rows.blocks()]
        return np.concatenate(parts)

    def column_products(self, vector):
        """``X.T @ vector``, on the host."""
        products, start = 0.0, 0
        for X_block, _, _ in self.rows.blocks():
            stop = start + X_block.shape[0]
            products = products + np.asarray(self._host(X_block).T @ vector[start:stop]).ravel()
            start = stop
        return products

    def rows_at(self, positions):
        """The rows at ``positions``, dense, on the host."""
        parts = [self._host(X_block)
                 for X_block, _, _ in self.rows.blocks(self.to_device(positions))]
        return np.concatenate([p.toarray() if hasattr(p, "toarray") else p for p in parts])

    def _host(self, block):
        return block if hasattr(block, "toarray") else self.to_host(block)


class StandardizedRows:
    """The training rows of an objective in standardized coordinates, for the finish.

    Parameters
    ----------
    objective : object
        With ``standardization``, ``penalty``, ``penalty_weights`` and
        ``finish_rows()``, which gives what the finish reads of the rows
        (see :class:`BlockRows`), wherever they live.
    intercept_fitted : bool
    """

    def __init__(self, objective, intercept_fitted):
        self.objective = objective
        self.access = objective.finish_rows()
        self.intercept_fitted = intercept_fitted
        standardization = objective.standardization
        self.center = standardization.x_center.astype(np.float64)
        scale = standardization.x_scale.astype(np.float64)
        self.inverse_scale = np.where(np.isinf(scale), 0.0, 1.0 / scale)
        self.y_center = standardization.y_center.astype(np.float64)
        self.y_scale = standardization.y_scale.astype(np.float64)
        y, weight = self.access.targets()
        self.y = np.asarray(y, dtype=np.float64).reshape(weight.shape[0], -1)
        self.weight = np.asarray(weight, dtype=np.float64)
        self.weight_sum = float(self.weight.sum())
        self.penalty_weights = np.broadcast_to(
            np.asarray(objective.penalty_weights, dtype=np.float64),
            (self.y.shape[1], self.center.shape[0]),
        )
        self.penalized = bool(objective.penalty.active)

    def stack(self, coef, intercept, target):
        """One target's parameters as one vector: coefficients, then the intercept."""
        if intercept is None:
            return coef[target].astype(np.float64)
        return np.append(coef[target].astype(np.float64), float(intercept[target]))

    def residuals(self, coef, intercept):
        """Scaled residuals ``(prediction - y) / y_scale`` of every row, per target."""
        # In float64 whatever the data's dtype: the candidate's kink rows are
        # interpolated in float64, and must be seen at the kink.
        raw_coef = coef.astype(np.float64) * self.y_scale[:, None] * self.inverse_scale
        raw_intercept = self.y_center - raw_coef @ self.center
        if intercept is not None:
            raw_intercept = raw_intercept + self.y_scale * intercept.astype(np.float64)
        prediction = self.access.predictions(raw_coef, raw_intercept)
        return (prediction - self.y) / self.y_scale

    def residual_of(self, beta, target):
        """One target's scaled residuals at the stacked parameters ``beta``."""
        n_features = self.center.shape[0]
        coef = np.zeros((self.y.shape[1], n_features))
        coef[target] = beta[:n_features]
        intercept = None
        if beta.shape[0] > n_features:
            intercept = np.zeros(self.y.shape[1])
            intercept[target] = beta[-1]
        return self.residuals(coef, intercept)[:, target]

    def gradient(self, slope):
        """The objective's data gradient of rows with these slopes (zero: left out), stacked."""
        weighted = slope * self.weight
        products = self.access.column_products(weighted)
        total = float(weighted.sum())
        coef_part = (products - total * self.center) * self.inverse_scale / self.weight_sum
        if self.intercept_fitted:
            return np.append(coef_part, total / self.weight_sum)
        return coef_part

    def gathered(self, positions):
        """The standardized rows (with a column of ones for the intercept) at ``positions``."""
        n_params = self.center.shape[0] + int(self.intercept_fitted)
        if not positions.size:
            return np.zeros((0, n_params))
        dense = self.access.rows_at(np.sort(positions))
        order = np.argsort(np.argsort(positions))
        standardized = (dense[order].astype(np.float64) - self.center) * self.inverse_scale
        if self.intercept_fitted:
            standardized = np.hstack([standardized, np.ones((standardized.shape[0], 1))])
        return standardized

    def targets_of(self, positions, target):
        """The standardized targets of ``positions``."""
        return (self.y[positions, target] - self.y_center[target]) / self.y_scale[target]

    def penalty_diagonal(self, target):
        """The ridge penalty's weight on each stacked parameter (zero on the intercept)."""
        weights = self.penalty_weights[target] if self.penalized else np.zeros_like(self.center)
        return np.append(weights, 0.0) if self.intercept_fitted else weights.copy()

    def penalty_gradient(self, beta, target):
        """The ridge penalty's gradient at the stacked parameters."""
        return self.penalty_diagonal(target) * beta

    def penalty_value(self, beta, target):
        """The ridge penalty at the stacked parameters."""
        return 0.5 * float(beta @ (self.penalty_diagonal(target) * beta))
