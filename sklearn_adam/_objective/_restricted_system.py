r"""The lasso's stationarity system on a support, factored once and solved on supports near it.

:mod:`._support_finish` solves the linear system of the elastic net's
stationarity on a support and signs (its equation), then corrects the
support: coefficients leave it, others join it. Each corrected system
differs from the one first factored, :math:`M`, only in a few rows and
columns: with :math:`D` the coefficients that left and :math:`J` those
that joined, its solution is that of the bordered system

.. math::

    \begin{pmatrix} M & U \\ U^\top & T \end{pmatrix}
    \begin{pmatrix} x \\ y \end{pmatrix}
    = \begin{pmatrix} r \\ r' \end{pmatrix}, \qquad
    U = (G_{\cdot J}, E_D), \quad
    T = \begin{pmatrix} G_{JJ} + \operatorname{diag}(\kappa_J) & 0 \\ 0 & 0 \end{pmatrix},
    \quad r' = \begin{pmatrix} B_J - \lambda_J \odot s_J \\ 0 \end{pmatrix},

where :math:`E_D` holds the unit columns of :math:`D` (the last rows hold
:math:`x_D = 0`, and a free multiplier in :math:`y` frees their equations),
and :math:`y` starts with :math:`x_J`. Eliminating :math:`x` through the
factors of :math:`M` leaves a system of the size of the change,
:math:`(T - U^\top M^{-1} U) y = r' - U^\top M^{-1} r`: a correction costs
about :math:`|J \cup D|` solves with the factors, not a factorization.
:mod:`._support_finish` solves the support the corrections settle on afresh
where its budget allows, so that the solution given is that of its own
system, as accurate as one; either way, its caller keeps a candidate only
on its certificate.
"""

import warnings

import numpy as np
import scipy.linalg


class RestrictedSystem:
    """One target's stationarity system, on its first support factored, on others bordered.

    Parameters
    ----------
    equations : NormalEquations
    target : int
    quadratic, absolute : ndarray of shape (n_features,)
        The elastic net's weights on the target's coefficients.
    has_intercept : bool
    """

    def __init__(self, equations, target, quadratic, absolute, has_intercept):
        self.equations = equations
        self.target = target
        self.quadratic = quadratic
        self.absolute = absolute
        self.has_intercept = has_intercept
        self._factored = None

    def cost(self, support, signs, afresh):
        """The multiply-adds :meth:`solve` would take: a third of a cube, or bordered solves."""
        if afresh or self._factored is None:
            return (support.size + self.has_intercept) ** 3 / 3
        changed = self._changes(support, signs)
        n_changed = changed[1].size + changed[2].size
        return n_changed * self._factored[3].size ** 2 + n_changed ** 3 / 3

    def solve(self, support, signs, afresh):
        """The coefficients on ``support`` with ``signs`` and the intercept (0.0 unfitted).

        ``afresh`` factors this support's system, which later calls border;
        otherwise the factored one is bordered (see the module). None where
        the system is singular.
        """
        if afresh or self._factored is None:
            return self._factor(support, signs)
        retained, dropped, joined = self._changes(support, signs)
        base_support, _, factors, solution = self._factored
        size = base_support.size
        n_joined, n_dropped = joined.size, dropped.size
        border = np.zeros((solution.size, n_joined + n_dropped))
        border[:, :n_joined] = self._columns(base_support, support[joined])
        border[dropped, n_joined + np.arange(n_dropped)] = 1.0
        corner = np.zeros((n_joined + n_dropped,) * 2)
        corner[:n_joined, :n_joined] = self._matrix(support[joined])
        right = np.zeros(n_joined + n_dropped)
        right[:n_joined] = self._right(support[joined], signs[joined])
        bordered = scipy.linalg.lu_solve(factors, border, check_finite=False)
        try:
            border_values = np.linalg.solve(corner - border.T @ bordered,
                                            right - border.T @ solution)
        except np.linalg.LinAlgError:
            return None
        base_values = solution - bordered @ border_values
        values = np.empty(support.size)
        values[retained[0]] = base_values[retained[1]]
        values[joined] = border_values[:n_joined]
        return _checked(values, base_values[size] if self.has_intercept else 0.0)

    def residual(self, support, signs, values, intercept):
        """How far ``values`` and ``intercept`` are from solving the system of ``support``.

        A bordered solve is only as accurate as the system first factored is
        well conditioned; the corrected system may be far better. The largest
        residual of its equations, relative to the size of their terms, tells
        whether to trust it or solve that support afresh.

        Parameters
        ----------
        support : ndarray of int
        signs : ndarray of shape (support.size,)
        values : ndarray of shape (support.size,)
        intercept : float
            0.0 where none is fitted.

        Returns
        -------
        relative : float
        """
        matrix = self._matrix(support)
        terms = [matrix @ values, -self._right(support, signs)]
        sizes = [np.abs(matrix) @ np.abs(values), np.abs(terms[1])]
        if self.has_intercept:
            means = self.equations.feature_means[support]
            terms[0] += intercept * means
            sizes[0] += abs(intercept) * np.abs(means)
            terms = [np.append(part, value) for part, value in zip(
                terms, (means @ values + intercept, -self.equations.target_means[self.target]))]
            sizes = [np.append(part, value) for part, value in zip(
                sizes, (np.abs(means) @ np.abs(values) + abs(intercept),
                        abs(self.equations.target_means[self.target])))]
        scale = max(np.max(sizes[0] + sizes[1], initial=0.0), np.finfo(np.float64).tiny)
        return float(np.max(np.abs(terms[0] + terms[1]), initial=0.0) / scale)

    def _factor(self, support, signs):
        """Factor the system of ``support`` and solve it."""
        self._factored = None
        size = support.size
        n_unknowns = size + self.has_intercept
        if n_unknowns == 0:
            return np.zeros(0), 0.0
        matrix = np.empty((n_unknowns, n_unknowns))
        right = np.empty(n_unknowns)
        matrix[:size, :size] = self._matrix(support)
        right[:size] = self._right(support, signs)
        if self.has_intercept:
            means = self.equations.feature_means[support]
            matrix[:size, size] = means
            matrix[size, :size] = means
            matrix[size, size] = 1.0
            right[size] = self.equations.target_means[self.target]
        with warnings.catch_warnings():
            # An exactly singular matrix: its solution is not finite.
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            factors = scipy.linalg.lu_factor(matrix, check_finite=False)
        solution = scipy.linalg.lu_solve(factors, right, check_finite=False)
        solved = _checked(solution[:size], solution[size] if self.has_intercept else 0.0)
        if solved is not None:
            self._factored = (support.copy(), signs.copy(), factors, solution)
        return solved

    def _changes(self, support, signs):
        """Where ``support`` keeps the factored one's coefficients (positions in each),
        the factored positions it dropped, and its positions that joined."""
        base_support, base_signs = self._factored[:2]
        _, in_base, in_support = np.intersect1d(base_support, support, assume_unique=True,
                                                return_indices=True)
        same_sign = base_signs[in_base] == signs[in_support]
        in_base, in_support = in_base[same_sign], in_support[same_sign]
        dropped = np.setdiff1d(np.arange(base_support.size), in_base, assume_unique=True)
        joined = np.setdiff1d(np.arange(support.size), in_support, assume_unique=True)
        return (in_support, in_base), dropped, joined

    def _matrix(self, columns):
        """The Gram matrix's block of ``columns``, with the quadratic weights on its diagonal."""
        block = self.equations.gram[np.ix_(columns, columns)]
        block[np.arange(columns.size), np.arange(columns.size)] += self.quadratic[columns]
        return block

    def _columns(self, rows, columns):
        """The Gram matrix's ``rows`` of ``columns``, and the intercept's row where fitted."""
        block = self.equations.gram[np.ix_(rows, columns)]
        if self.has_intercept:
            block = np.vstack([block, self.equations.feature_means[columns]])
        return block

    def _right(self, support, signs):
        """The right-hand side of the coefficients' equations."""
        return self.equations.moments[self.target, support] - self.absolute[support] * signs


def _checked(values, intercept):
    """``(values, intercept)`` where all are finite, else None."""
    if not (np.all(np.isfinite(values)) and np.isfinite(intercept)):
        return None
    return values, float(intercept)
