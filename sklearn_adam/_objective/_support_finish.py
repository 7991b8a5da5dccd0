r"""The exact finish of the squared error with an L1 part, on the normal equations.

Adam's proximal steps find the lasso's zeros, but on collinear columns they
close in on the optimum's non-zero values slowly. Once the support and the
signs are known, the optimum is the solution of a linear system: with
:math:`S` the non-zero coefficients and :math:`s` their signs, the
stationarity of the elastic net's objective on the standardized
coefficients (:mod:`._normal_equations`, :mod:`._elastic_net`) reads

.. math::

    (G_{SS} + \operatorname{diag}(\kappa_S)) \tilde w_S + \tilde b \, m_S
        = B_S - \lambda_S \odot s, \qquad
    m_S^\top \tilde w_S + \tilde b = \bar y,

(the second row only where an intercept is fitted), and every other
coefficient is exactly zero. Its solution is the optimum exactly when its
signs are :math:`s` and every zero coefficient's data gradient is within
its weight, :math:`\lvert g_j \rvert \le \lambda_j`: the conditions that the
subdifferential distance (``subdiff_distance``) measures.

:func:`support_finish` solves it in float64 from the support and signs of
the parameters trained so far, and corrects the support where the solution
says it is wrong: the coefficients whose signs flip leave the support, and
the zero coefficients whose gradient exceeds their weight the most (by at
least :data:`JOIN_SHARE` of the largest excess) join it, signed against
their gradient (a few rounds of an active-set method; one at a time,
the supports that Adam's early epochs leave a few dozen coefficients short
took more rounds than the looks allow), until those that joined leave at
once or a support comes back: on collinear columns all at once overshoots
and can cycle, and from there the worst violator alone joins. A correction borders the system
first factored rather than factoring its own (:mod:`._restricted_system`),
unless the bordered solution's residual says that system was too
ill-conditioned to border, and the support the corrections settle on is
solved afresh. The caller
accepts the candidate only if its own stationarity, at the parameters as
stored, is below that of the parameters it would replace
(:class:`SupportFinish`).
"""

import numpy as np

from ._restricted_system import RestrictedSystem

# Solves of the support's system, first and corrected, before a candidate is given up.
MAX_ROUNDS = 20

# A finish is tried again, on a support that has not changed, only once
# the stationarity has fallen this many times below that of the last try.
RETRY_FACTOR = 0.1

# Epochs before the first scheduled look at the support.
FIRST_LOOK = 16

# How many times faster a solve's multiply-adds run than a step's: a step
# on the normal equations reads each entry of the Gram matrix from memory
# for one multiply-add, a blocked LAPACK factorization reuses them from the
# cache. Measured with one thread: a step of 2,000 features, 2.2e9 per
# second; solves of 500 to 1,500 unknowns, 1.3e10 to 1.8e10 (6 to 8 times).
# A step is counted as n_features**2 of them, though the lasso's reads only
# the rows of its non-zero coefficients: the budget errs towards looking.
SOLVE_SPEEDUP = 6


def support_finish(equations, params, budget=np.inf):
    """The exact optimum on the support and signs of ``params``, corrected where wrong.

    Parameters
    ----------
    equations : NormalEquations
        Of the squared error with the elastic net (weights stacked on a
        first axis of two).
    params : list of ndarray
        Standardized coefficients, shape (n_targets, n_features), then the
        intercept, shape (n_targets,), where fitted.
    budget : float, default=inf
        Multiply-adds the corrections of each target's support may take
        (:meth:`RestrictedSystem.cost`): a correction that would exceed it
        is not made. The first solve is always made and not counted.

    Returns
    -------
    candidate : list of ndarray
        float64, shaped as ``params``: each target's solution where one
        with consistent signs was found, else its parameters as they were.
    spent : float
        The most multiply-adds the corrections of any target took.
    """
    coef = params[0].astype(np.float64)
    intercept = params[1].astype(np.float64) if len(params) > 1 else None
    weights = equations.penalty_weights
    quadratic = np.broadcast_to(weights[0], coef.shape)
    absolute = np.broadcast_to(weights[1], coef.shape)
    new_coef = coef.copy()
    new_intercept = None if intercept is None else intercept.copy()
    most_spent = 0.0
    for t in range(coef.shape[0]):
        solved, spent = _target_finish(equations, t, coef[t], quadratic[t], absolute[t],
                                       intercept is not None, budget)
        most_spent = max(most_spent, spent)
        if solved is not None:
            new_coef[t] = solved[0]
            if new_intercept is not None:
                new_intercept[t] = solved[1]
    return [new_coef] + ([] if new_intercept is None else [new_intercept]), most_spent


def _target_finish(equations, t, coef, quadratic, absolute, has_intercept, budget):
    """One target's solution from the support of ``coef`` (None where none is consistent),
    and the multiply-adds its corrections took."""
    system = RestrictedSystem(equations, t, quadratic, absolute, has_intercept)
    support = np.flatnonzero(coef)
    signs = np.sign(coef[support])
    best, best_excess = None, np.inf
    spent, afresh = 0.0, True
    consistent_supports, one_at_a_time = set(), False
    joined = np.zeros(0, dtype=support.dtype)
    for round_number in range(MAX_ROUNDS):
        if round_number:
            cost = system.cost(support, signs, afresh)
            if spent + cost > budget:
                break
            spent += cost
        solved = system.solve(support, signs, afresh)
        if solved is None:
            break
        if not afresh and system.residual(support, signs, *solved) > BORDERED_RESIDUAL:
            # The system first factored is too ill-conditioned to border.
            afresh = True
            continue
        values, intercept = solved
        agree = np.sign(values) == signs
        if not agree.all():
            # Coefficients that have just joined and leave at once: adding
            # every violator overshoots here (collinear columns push each
            # other's signs over), and would cycle; one at a time from here,
            # as the classic active-set step does.
            one_at_a_time = one_at_a_time or bool(np.isin(joined, support[~agree]).any())
            support, signs, afresh = support[agree], signs[agree], False
            joined = joined[:0]
            continue
        full = np.zeros_like(coef)
        full[support] = values
        gradient = equations.gram @ full - equations.moments[t]
        if has_intercept:
            gradient += intercept * equations.feature_means
        excess = np.abs(gradient) - absolute
        excess[support] = -np.inf
        largest = excess.max(initial=-np.inf)
        if largest < best_excess or (largest <= 0 and afresh):
            best, best_excess = (full, intercept), largest
        if largest <= 0 and afresh:
            break
        # A support reached by corrections is solved afresh before it is given.
        afresh = largest <= 0
        key = np.sort(support).tobytes()
        one_at_a_time = one_at_a_time or key in consistent_supports
        consistent_supports.add(key)
        joined = np.flatnonzero(excess > JOIN_SHARE * largest)
        if one_at_a_time and joined.size:
            joined = joined[[np.argmax(excess[joined])]]
        support = np.append(support, joined)
        signs = np.append(signs, -np.sign(gradient[joined]))
    return best, spent


# A bordered solution whose equations' residual exceeds this share of their
# terms' size is solved afresh: a fresh LU solve leaves about 1e-16; a
# border of an ill-conditioned first system (condition 1e14 on low-rank
# columns) left 1e-4, enough to flip the signs it decides.
BORDERED_RESIDUAL = 1e-10

# The zero coefficients that join the support in one round: those whose
# gradient exceeds their weight by at least this share of the largest
# excess. Every violator at once overshot on collinear columns (a lasso on
# rank-8 columns went from 17 epochs to 500-4,000); the largest half kept 17
# to 49 there, and a CSR lasso missing ~90 coefficients still joins them in
# a few rounds.
JOIN_SHARE = 0.5


class SupportFinish:
    """When to try :func:`support_finish` during a fit, and whether to keep its candidate.

    Looked at where the fit has converged to its target, and at the start
    of epochs :data:`FIRST_LOOK`, then after twice as many epochs each time
    (16, 48, 112, ... counted by :attr:`epochs`), on a fixed schedule so
    that one epoch at a time and many per compiled call look at the same
    epochs. A scheduled look tries a finish where the signs of the
    coefficients are not those of the last try, or the stationarity has
    fallen :data:`RETRY_FACTOR` below that of the last try. Beyond their
    first solves, the looks' corrections may in all cost as much time as
    the epochs before them (counted in multiply-adds, a solve's
    :data:`SOLVE_SPEEDUP` times faster than a step's): what a look leaves
    unspent, a later one may spend.

    Parameters
    ----------
    equations : NormalEquations
        Of a penalty taken by proximal steps (``equations.proximal``).

    Attributes
    ----------
    epochs : int
        Epochs recorded so far; the driver counts them.
    """

    def __init__(self, equations):
        self.equations = equations
        self.epochs = 0
        self._interval = FIRST_LOOK
        self._next_look = FIRST_LOOK
        self._budget = 0.0
        self._signs = None
        self._tried_at = np.inf

    @property
    def epochs_to_look(self):
        """int : Epochs to run before the next scheduled look (zero: look now)."""
        return max(self._next_look - self.epochs, 0)

    def look(self, params, target):
        """At the start of an epoch: keep a finish's candidate in ``params`` where it is better.

        Tried where the parameters have converged (stationarity within
        ``target``) or the look is scheduled (see the class).

        Parameters
        ----------
        params : list of ndarray
            Updated in place when a candidate is kept.
        target : float
            The stationarity at which the fit has converged.

        Returns
        -------
        kept : tuple of (float, float) or None
            The objective and stationarity of the candidate kept, as
            stored in ``params``' dtype; None when none was.
        """
        scheduled = self.epochs >= self._next_look
        if scheduled:
            self._budget += (SOLVE_SPEEDUP * self._interval
                             * float(self.equations.gram.shape[0]) ** 2)
            self._interval *= 2
            self._next_look = self.epochs + self._interval
        grads = [np.empty_like(p) for p in params]
        self.equations.gradient(params, grads)
        norm = self.equations.stationarity(params, grads)
        converged = norm <= target
        if not (scheduled or converged):
            return None
        signs = np.sign(params[0])
        new_signs = self._signs is None or not np.array_equal(signs, self._signs)
        if converged and norm > 0 or new_signs or norm <= RETRY_FACTOR * self._tried_at:
            self._signs, self._tried_at = signs, norm
            return self._improve(params, norm, np.inf if converged else self._budget)
        return None

    def _improve(self, params, norm, budget):
        """Put the finish's candidate into ``params`` where its stationarity is below ``norm``."""
        candidate, spent = support_finish(self.equations, params, budget)
        self._budget = max(self._budget - spent, 0.0)
        candidate = [value.astype(param.dtype) for value, param in zip(candidate, params)]
        grads = [np.empty_like(value) for value in candidate]
        loss = self.equations.gradient(candidate, grads)
        certificate = self.equations.stationarity(candidate, grads)
        if not (np.isfinite(loss) and certificate < norm):
            return None
        for param, value in zip(params, candidate):
            param[...] = value
        return loss, certificate

