r"""The exact minimizer of the pinball loss from a smoothed one, and its certificate.

The solver trains a loss with a kink (:mod:`._robust`) on its smoothing of
width :math:`h`. Near the minimizer of the smoothed objective, the rows split
into those clearly above their target (slope ``high``), clearly below (slope
``low``), and those in the band where the smoothing acts: the candidates to
sit exactly at the kink. Given that split, the exact minimizer solves a
small problem (:mod:`._finish_solve`): a linear program where the penalty
has no quadratic part (none, or the lasso's), else the optimality
conditions of the objective restricted to the split,

.. math::

    g + \Lambda \beta + \lambda \odot \operatorname{sign} \beta
        + \tfrac1S \hat X_Z^\top (s_Z \odot v) = 0, \qquad
    \hat X_Z \beta = \tilde y_Z

for the standardized parameters :math:`\beta` (coefficients and intercept,
rows :math:`\hat x_i = (\tilde x_i, 1)`; those held at zero left out) and
the subgradients :math:`v` of the rows at the kink, with :math:`g` the
gradient of the rows off it, :math:`\Lambda` the quadratic part's weights
and :math:`\lambda` the absolute part's.

Whatever the split, the candidate is judged exactly: by the distance of zero
to the objective's subdifferential there,

.. math::

    \min_{v \in [\text{low}, \text{high}]^K,\ t \in [-\lambda_J, \lambda_J]}
        \Big\lVert g + \Lambda \beta + \lambda \odot \operatorname{sign} \beta
        + \tfrac1S \hat X_K^\top (s_K \odot v) + E_J t \Big\rVert

over the rows :math:`K` whose residual is zero (within :data:`AT_KINK` of
the targets' scale) and the coefficients :math:`J` that are zero (the
lasso's subgradient there is any of :math:`[-\lambda_j, \lambda_j]`),
:math:`g` now the gradient of all other rows: a bounded least squares. It
is zero exactly at a minimizer, and it is the measure that ``tol`` bounds
for these losses, in the same standardized units as the gradient norm of
the smooth ones.

The finish serves the penalties of :data:`SERVES`, and no other.
"""

from typing import NamedTuple

import numpy as np
from scipy.optimize import lsq_linear

from ._finish_solve import AT_KINK, solve_active_set, solve_linear_program

# How the weights of each penalty the finish serves (by the name its class
# declares) split into the quadratic part's, on half each squared
# coefficient, and the absolute part's, on each coefficient's size: the
# ridge penalty's are all quadratic, the elastic net's (and the lasso's) are
# stacked, the quadratic part's first (see ._elastic_net).
_PENALTY_PARTS = {
    "l2": lambda weights: (weights, np.zeros_like(weights)),
    "l1": lambda weights: (weights[0], weights[1]),
    "elasticnet": lambda weights: (weights[0], weights[1]),
}

# The penalties the finish serves, by their declared names.
SERVES = frozenset(_PENALTY_PARTS)


def serves(penalty):
    """Whether the finish solves for ``penalty``: by the name its own class declares.

    Parameters
    ----------
    penalty : object

    Returns
    -------
    bool
        Whether the name is one of :data:`SERVES`.
    """
    return _declared_name(penalty) in SERVES


def _declared_name(penalty):
    # A subclass that changes the penalty must declare a name of its own.
    return vars(type(penalty)).get("name")

# The linear program frees the rows nearest to the kink, this many per
# parameter and at most MAX_BAND_ROWS: at a minimizer as many rows as there
# are parameters sit at the kink, and near one they are among the nearest.
BAND_ROWS_PER_PARAMETER = 40
MAX_BAND_ROWS = 4000

# Candidates tried per finish, each from the split of the rows at the last.
REFINEMENTS = 3


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
        if not rows.has_quadratic:
            beta = solve_linear_program(rows, target, beta, _nearest(residual, beta.size),
                                        residual, slopes)
        else:
            band = (residual > low * width) & (residual < high * width)
            beta = solve_active_set(rows, target, beta, band, residual, slopes)
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
        # The lasso's subgradient at a zero coefficient is any of [-lambda, lambda].
        box = rows.absolute_weights(target)
        at_zero = np.flatnonzero((beta == 0) & (box > 0))
        if at_kink.size or at_zero.size:
            columns = np.zeros((beta.size, at_kink.size + at_zero.size))
            columns[:, :at_kink.size] = (rows.gathered(at_kink).T
                                         * (rows.weight[at_kink] / rows.weight_sum))
            columns[at_zero, at_kink.size + np.arange(at_zero.size)] = 1.0
            lower = np.concatenate([np.full(at_kink.size, low), -box[at_zero]])
            upper = np.concatenate([np.full(at_kink.size, high), box[at_zero]])
            fit = lsq_linear(columns, -gradient, bounds=(lower, upper), method="bvls")
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
        self.penalized = bool(objective.penalty.active)
        parts = _PENALTY_PARTS[_declared_name(objective.penalty)](
            np.asarray(objective.penalty_weights, dtype=np.float64))
        shape = (self.y.shape[1], self.center.shape[0])
        self.quadratic, self.absolute = (np.broadcast_to(part, shape) for part in parts)
        self.has_quadratic = self.penalized and bool(np.any(self.quadratic != 0))
        self.has_absolute = self.penalized and bool(np.any(self.absolute != 0))

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
        """The quadratic part's weight on each stacked parameter (zero on the intercept)."""
        return self._stacked(self.quadratic, target)

    def absolute_weights(self, target):
        """The absolute part's weight on each stacked parameter (zero on the intercept)."""
        return self._stacked(self.absolute, target)

    def penalty_gradient(self, beta, target):
        """The penalty's gradient at the stacked parameters, the absolute part's zero at zero."""
        gradient = self.penalty_diagonal(target) * beta
        if self.has_absolute:
            gradient = gradient + self.absolute_weights(target) * np.sign(beta)
        return gradient

    def penalty_value(self, beta, target):
        """The penalty at the stacked parameters."""
        value = 0.5 * float(beta @ (self.penalty_diagonal(target) * beta))
        if self.has_absolute:
            value += float(self.absolute_weights(target) @ np.abs(beta))
        return value

    def _stacked(self, weights, target):
        weights = weights[target] if self.penalized else np.zeros_like(self.center)
        return np.append(weights, 0.0) if self.intercept_fitted else weights.copy()
