"""The support finish corrects a support in few rounds, each a bordered solve.

:class:`~sklearn_adam._objective._restricted_system.RestrictedSystem`
solves the lasso's stationarity system on a corrected support by bordering
the system it factored first: the solution must be that of the corrected
support's own system. With the worst violating coefficients joining at
once, a CSR lasso whose first look finds a support some dozens of
coefficients short is certified within two looks, not hundreds of epochs
later; on collinear columns, where adding them all overshoots, it neither
cycles nor trusts a border of an ill-conditioned system.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import Lasso

from benchmarks.sparse_problems import alpha_max, csr_problem
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective._restricted_system import RestrictedSystem
from sklearn_adam._objective._support_finish import FIRST_LOOK


def random_equations(n_features, seed):
    """The moments of a random least-squares problem, as the normal equations hold them."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3 * n_features, n_features)) + rng.uniform(-1, 1, n_features)
    y = X @ rng.standard_normal(n_features) + rng.standard_normal(3 * n_features)
    means = X.mean(axis=0)
    centered = X - means
    return SimpleNamespace(gram=centered.T @ centered / X.shape[0] + np.outer(means, means),
                           moments=(X.T @ y / X.shape[0])[None, :], feature_means=means,
                           target_means=np.array([y.mean()]))


@pytest.mark.parametrize("has_intercept", [False, True], ids=["no intercept", "intercept"])
def test_a_bordered_solve_is_the_corrected_supports_own(has_intercept):
    equations = random_equations(40, seed=3)
    rng = np.random.default_rng(4)
    quadratic = rng.uniform(0.0, 0.1, 40)
    absolute = rng.uniform(0.0, 0.2, 40)
    first = np.arange(0, 30)
    first_signs = rng.choice([-1.0, 1.0], first.size)
    # Two coefficients leave, one changes its sign (leaves and joins), three join.
    support = np.concatenate([first[2:], [35, 31, 38]])
    signs = np.concatenate([first_signs[2:], [1.0, -1.0, 1.0]])
    signs[5] = -signs[5]
    bordered = RestrictedSystem(equations, 0, quadratic, absolute, has_intercept)
    bordered.solve(first, first_signs, afresh=True)
    values, intercept = bordered.solve(support, signs, afresh=False)
    afresh = RestrictedSystem(equations, 0, quadratic, absolute, has_intercept)
    expected_values, expected_intercept = afresh.solve(support, signs, afresh=True)
    assert_allclose(values, expected_values, rtol=1e-10, atol=1e-12)
    assert_allclose(intercept, expected_intercept, rtol=1e-10, atol=1e-12)
    assert (intercept != 0.0) == has_intercept
    # What a bordered solve costs: its changes' solves, not a factorization.
    assert bordered.cost(support, signs, afresh=False) < afresh.cost(support, signs, afresh=True)


def test_a_csr_lasso_is_certified_within_two_looks():
    problem = csr_problem(20_000, 500, 0.01, 10)
    alpha = 0.01 * alpha_max(problem.X, problem.y, "l1")
    model = AdamLinearRegressor(penalty="l1", alpha=alpha).fit(problem.X, problem.y)
    peer = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(problem.X, problem.y)
    assert model.n_iter_ <= 3 * FIRST_LOOK + 1  # 241 when one violator joined per round
    assert np.array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-8)
    assert_allclose(model.intercept_, peer.intercept_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("fraction", [0.1, 0.01, 0.001])
def test_collinear_corrections_do_not_cycle(fraction):
    # On diabetes' nearly collinear columns, adding every violator at once
    # cycles between supports (those added push others' signs over); once a
    # support comes back, one violator at a time finds the optimum at the
    # first look.
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    alpha = fraction * np.max(np.abs(X.T @ (y - y.mean()))) / len(y)
    model = AdamLinearRegressor(penalty="l1", alpha=alpha).fit(X, y)
    peer = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    assert model.n_iter_ <= FIRST_LOOK + 1
    np.testing.assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert_allclose(model.coef_, peer.coef_, atol=1e-6 * np.abs(peer.coef_).max())


def low_rank_problem(seed, n_samples=300, n_features=40, rank=8):
    """Columns of rank 8 (up to 1e-6 noise): the restricted systems of many supports are
    nearly singular."""
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n_samples, rank)) @ rng.standard_normal((rank, n_features))
         + 1e-6 * rng.standard_normal((n_samples, n_features)))
    return X, X[:, :5].sum(axis=1) + rng.standard_normal(n_samples)


def test_a_border_of_an_ill_conditioned_system_is_flagged_by_its_residual():
    X, y = low_rank_problem(0)
    means = X.mean(axis=0)
    centered = X - means
    equations = SimpleNamespace(gram=centered.T @ centered / len(y) + np.outer(means, means),
                                moments=(X.T @ y / len(y))[None, :], feature_means=means,
                                target_means=np.array([y.mean()]))
    quadratic, absolute = np.zeros(40), np.full(40, 0.05)
    first = np.arange(30)
    first_signs = np.random.default_rng(1).choice([-1.0, 1.0], 30)
    # 25 coefficients leave: a well-posed 5-column system, bordered on a
    # first one of condition ~1e14.
    support, signs = first[:5], first_signs[:5]
    bordered = RestrictedSystem(equations, 0, quadratic, absolute, True)
    bordered.solve(first, first_signs, afresh=True)
    fresh = RestrictedSystem(equations, 0, quadratic, absolute, True)
    assert fresh.residual(support, signs, *fresh.solve(support, signs, afresh=True)) < 1e-13
    assert bordered.residual(support, signs, *bordered.solve(support, signs, afresh=False)) > 1e-10


@pytest.mark.parametrize("seed", range(6))
def test_corrections_on_low_rank_columns_certify_within_a_few_looks(seed):
    # Every violator joining at once overshot here (the added push the
    # others' signs over) and cycled: 241 to 3,738 epochs.
    X, y = low_rank_problem(seed)
    alpha_max = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / len(y)
    for fraction in (0.1, 0.03):
        alpha = fraction * alpha_max
        model = AdamLinearRegressor(penalty="l1", alpha=alpha).fit(X, y)
        assert model.n_iter_ <= 7 * FIRST_LOOK + 1  # the third look, at the latest
        peer = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
        ours, theirs = (_lasso_objective(X, y, alpha, fit.coef_, fit.intercept_)
                        for fit in (model, peer))
        assert ours <= theirs * (1 + 1e-9)


def _lasso_objective(X, y, alpha, coef, intercept):
    residual = y - X @ coef - intercept
    return residual @ residual / (2 * len(y)) + alpha * np.abs(coef).sum()
