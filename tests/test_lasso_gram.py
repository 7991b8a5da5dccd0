"""The lasso and the elastic net on the normal equations: proximal Adam, then an exact finish.

Full-batch fits of the squared error with ``penalty="l1"`` or
``"elasticnet"`` take their steps on the normal equations, the proximal
step after each in the rule's metric (compiled and in numpy alike), and end
with the exact solution on the support Adam found. They are held to
Lasso/ElasticNet(tol=1e-12): the same zeros, the same coefficients to 1e-6,
no warning; a warm-started path reuses the normal equations of the same
data only.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso

import sklearn_adam._engine as engine
import sklearn_adam._kernels as kernels
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._engine import NormalEquationSteps
from sklearn_adam._objective import NormalEquations
from sklearn_adam._objective._datafits import SquaredError
from sklearn_adam._objective._elastic_net import L1
from sklearn_adam._objective._elastic_net import ElasticNet as ElasticNetPenalty
from sklearn_adam._objective._normal_equations import pays_off, serves
from sklearn_adam._objective._support_finish import support_finish


def diabetes():
    return load_diabetes(return_X_y=True)


def tall_problem(n_samples=20_000, n_features=50, n_informative=10, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * rng.uniform(0.5, 3, n_features) + rng.randn(n_features)
    coef = np.zeros(n_features)
    coef[:n_informative] = rng.uniform(1, 3, n_informative) * rng.choice([-1, 1], n_informative)
    y = X @ coef + 2.0 + rng.randn(n_samples)
    return X, y


def alpha_max(X, y):
    centered = X - X.mean(axis=0)
    return np.max(np.abs(centered.T @ (y - y.mean()))) / X.shape[0]


def reference(penalty, alpha, l1_ratio, X, y):
    if penalty == "l1":
        return Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(X, y)
    return ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=10**6).fit(X, y)


def fit_quietly(**params):
    """An estimator whose fit turns every warning into an error."""
    model = AdamLinearRegressor(**params)
    original = model.fit

    def fit(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return original(*args, **kwargs)

    model.fit = fit
    return model


PENALTIES = {"lasso": ("l1", None), "elastic net": ("elasticnet", 0.5),
             "mostly lasso": ("elasticnet", 0.9)}


@pytest.mark.parametrize("fraction", [1e-3, 1e-2, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES.values(), ids=PENALTIES)
def test_diabetes_has_lasso_zeros_and_coefficients(penalty, l1_ratio, fraction):
    # Collinear columns: before the finish, alpha=0.01 ended 1.3e-5 away.
    X, y = diabetes()
    alpha = fraction * alpha_max(X, y) / (l1_ratio or 1.0)
    peer = reference(penalty, alpha, l1_ratio, X, y)
    model = fit_quietly(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio).fit(X, y)
    assert np.array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-6)
    assert abs(model.intercept_ - peer.intercept_) < 1e-6
    # The certificate: the subdifferential distance of the fit it ends with.
    assert model.gradient_norm_curve_[-1] < 1e-13


def test_diabetes_at_alpha_001_is_exact():
    X, y = diabetes()
    peer = reference("l1", 0.01, None, X, y)
    model = fit_quietly(penalty="l1", alpha=0.01).fit(X, y)
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("fraction", [1e-3, 1e-2, 0.1, 0.5])
@pytest.mark.parametrize("penalty, l1_ratio", [("l1", None), ("elasticnet", 0.5)])
def test_tall_problem_has_peer_zeros_and_coefficients(penalty, l1_ratio, fraction):
    X, y = tall_problem()
    alpha = fraction * alpha_max(X, y) / (l1_ratio or 1.0)
    peer = reference(penalty, alpha, l1_ratio, X, y)
    model = fit_quietly(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio).fit(X, y)
    assert np.array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert (model.coef_[10:] == 0).all() or fraction < 0.01
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-6)


def test_sparse_rows_take_the_normal_equations_and_match_lasso():
    # 2,000 columns at 0.5%: a step on the normal equations costs two passes,
    # which the finish pays for; the sums are taken in blocks large enough.
    rng = np.random.RandomState(0)
    X = sp.random(5_000, 400, density=0.01, format="csr", random_state=rng)
    coef = np.zeros(400)
    coef[:8] = rng.uniform(1, 3, 8)
    y = X @ coef + 0.1 * rng.randn(5_000)
    assert not pays_off(X, X.shape[0]) and pays_off(X, X.shape[0], proximal=True)
    alpha = 0.1 * alpha_max(X.toarray(), y)
    peer = reference("l1", alpha, None, X, y)
    model = fit_quietly(penalty="l1", alpha=alpha).fit(X, y)
    assert np.array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-6)


def test_normal_equations_serve_the_lasso_and_the_elastic_net_on_their_own_word():
    class Unnamed(ElasticNetPenalty):
        # A subclass that does not declare its name is not taken for its parent.
        pass

    def holder(penalty):
        return type("Holder", (), {"datafit": SquaredError(), "penalty": penalty})()

    assert serves(holder(ElasticNetPenalty(0.1, 0.5))) and serves(holder(L1(0.1)))
    assert not serves(holder(Unnamed(0.1)))


# Compiled and numpy steps: every rule's arithmetic, with and without an
# intercept, several targets, the proximal step after each update.
SETTINGS = {
    "adam": {},
    "amsgrad": dict(solver="amsgrad"),
    "adamw": dict(solver="adamw", weight_decay=0.3),
    "nadam": dict(solver="nadam"),
    "adamax": dict(solver="adamax"),
    "raw epsilon": dict(epsilon_placement="raw", epsilon=1e-3),
    "no intercept": dict(fit_intercept=False),
    "elastic net": dict(penalty="elasticnet", l1_ratio=0.3),
    "to convergence": dict(max_iter=3000),
}


def fit_both_ways(monkeypatch, X, y, **params):
    settings = dict(penalty="l1", alpha=0.05, max_iter=40, random_state=0) | params
    fits = []
    for enabled in (True, False):
        monkeypatch.setattr(kernels, "ENABLED", enabled)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(AdamLinearRegressor(**settings).fit(X, y))
    return fits


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS)
def test_compiled_steps_agree_with_numpy(monkeypatch, settings):
    X, y = tall_problem(600, 8, 4, seed=3)
    fast, slow = fit_both_ways(monkeypatch, X, y, **settings)
    assert_allclose(fast.coef_, slow.coef_, rtol=1e-10, atol=1e-10 * np.abs(slow.coef_).max())
    assert np.array_equal(fast.coef_ == 0, slow.coef_ == 0)
    assert fast.n_iter_ == slow.n_iter_
    losses = np.asarray(slow.loss_curve_)
    assert_allclose(fast.loss_curve_, losses, rtol=1e-10)
    norms = np.asarray(slow.gradient_norm_curve_)
    assert_allclose(fast.gradient_norm_curve_, norms, rtol=1e-8, atol=1e-10 * norms.max())


def test_compiled_steps_agree_with_numpy_on_several_targets(monkeypatch):
    X, y = tall_problem(600, 8, 4, seed=4)
    Y = np.column_stack([y, 3 * y[::-1] + 1])
    fast, slow = fit_both_ways(monkeypatch, X, Y, penalty="elasticnet")
    assert_allclose(fast.coef_, slow.coef_, rtol=1e-10, atol=1e-10 * np.abs(slow.coef_).max())
    assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=1e-10)


def test_several_targets_are_finished_each_to_its_peer():
    X, y = diabetes()
    Y = np.column_stack([y, np.log(y) * 50])
    peer = reference("l1", 0.05, None, X, Y)
    model = fit_quietly(penalty="l1", alpha=0.05).fit(X, Y)
    assert np.array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-6)


def test_the_finish_is_the_exact_optimum_of_a_known_support():
    X, y = diabetes()
    model = AdamLinearRegressor(penalty="l1", alpha=0.01, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    objective = _objective(model, X, y)
    equations = NormalEquations.build(objective)
    peer = reference("l1", 0.01, None, X, y)
    standardization = model._fit_state.standardization
    # Start from the optimum's signs, far from its values: one solve lands on it.
    start = np.sign(peer.coef_)[None, :] * 0.5
    candidate, _ = support_finish(equations, [start, np.zeros(1)])
    coef, _ = standardization.to_original(candidate[0], candidate[1])
    assert_allclose(coef[0], peer.coef_, rtol=0, atol=1e-6)
    # A support missing a coefficient is corrected by adding it.
    short = start.copy()
    short[0, np.flatnonzero(peer.coef_)[0]] = 0
    corrected, _ = support_finish(equations, [short, np.zeros(1)])
    assert_allclose(corrected[0], candidate[0], rtol=0, atol=1e-12)


def _objective(model, X, y):
    from sklearn_adam._objective import Objective, TrainingRows

    datafit, penalty = model._objective_parts()
    weight = np.ones(X.shape[0])
    return Objective(datafit, penalty, TrainingRows(X, y[:, None], weight),
                     model._fit_state.standardization)


@pytest.mark.parametrize("batch_size", ["auto", 64], ids=["full batch", "mini-batches"])
def test_coef_holds_no_negative_zero(batch_size):
    X, y = diabetes()
    model = AdamLinearRegressor(penalty="l1", alpha=0.5, batch_size=batch_size,
                                max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, -y)
    zeros = model.coef_ == 0
    assert zeros.any()
    assert not np.signbit(model.coef_[zeros]).any()
    # A zero standardized coefficient is a zero in the data's units.
    standardized = model._fit_state.params[0][0]
    assert np.array_equal(zeros, standardized == 0)


def count_builds(monkeypatch):
    calls = []
    original = NormalEquations.summed.__func__

    def summed(cls, objective):
        calls.append(objective)
        return original(cls, objective)

    monkeypatch.setattr(NormalEquations, "summed", classmethod(summed))
    return calls


def wide_problem(seed=0):
    # Wide enough rows (100 columns) that the kept equations pay for their digest.
    return tall_problem(3_000, 100, 10, seed=seed)


def test_a_warm_started_path_sums_the_normal_equations_once(monkeypatch):
    X, y = wide_problem()
    calls = count_builds(monkeypatch)
    alphas = alpha_max(X, y) * np.geomspace(0.9, 1e-3, 6)
    model = AdamLinearRegressor(penalty="l1", warm_start=True)
    for alpha in alphas:
        model.set_params(alpha=alpha).fit(X, y)
        peer = reference("l1", alpha, None, X, y)
        assert np.array_equal(model.coef_ == 0, peer.coef_ == 0)
        assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-6)
    assert len(calls) == 1


def test_the_kept_equations_are_never_used_for_other_data(monkeypatch):
    X, y = wide_problem()
    calls = count_builds(monkeypatch)
    model = AdamLinearRegressor(penalty="l1", alpha=0.05, warm_start=True).fit(X, y)
    # The same values in a new array: reused.
    model.fit(X.copy(), y.copy())
    assert len(calls) == 1
    # Changed in place, by one value in its last bit: summed afresh, and the
    # fit is that of the new data.
    X[17, 3] = np.nextafter(X[17, 3], np.inf)
    model.fit(X, y)
    assert len(calls) == 2
    X[5, 40] += 3.0
    model.fit(X, y)
    fresh = AdamLinearRegressor(penalty="l1", alpha=0.05).fit(X, y)
    assert len(calls) == 4
    assert_allclose(model.coef_, fresh.coef_, rtol=0, atol=1e-9)
    # Other targets, other weights, a column-major copy of the same X.
    model.fit(X, y + 1.0)
    model.fit(X, y, sample_weight=np.linspace(1, 2, X.shape[0]))
    assert len(calls) == 6
    model.fit(np.asfortranarray(X), y)
    assert len(calls) == 7


def test_kept_equations_are_not_pickled_and_need_warm_start(monkeypatch):
    X, y = wide_problem()
    calls = count_builds(monkeypatch)
    model = AdamLinearRegressor(penalty="l1", alpha=0.05, warm_start=True).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    assert len(pickle.dumps(model)) < X.shape[1] ** 2 * 8
    loaded.fit(X, y)
    assert len(calls) == 2
    cold = AdamLinearRegressor(penalty="l1", alpha=0.05).fit(X, y)
    cold.fit(X, y)
    assert len(calls) == 4


def test_proximal_penalties_fall_back_when_the_equations_do_not_pay(monkeypatch):
    # Where the normal equations cost too much, the numpy epochs take the
    # penalty: the same optimum, never the penalty ignored.
    X, y = tall_problem(800, 12, 4, seed=5)
    monkeypatch.setattr(engine, "normal_equations_pay_off", lambda *args, **kwargs: False)
    model = AdamLinearRegressor(penalty="l1", alpha=0.1, max_iter=20000).fit(X, y)
    peer = reference("l1", 0.1, None, X, y)
    assert np.array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert_allclose(model.coef_, peer.coef_, rtol=0, atol=1e-4)


def test_the_driver_is_the_normal_equations_for_the_lasso():
    X, y = tall_problem(800, 12, 4, seed=5)
    model = AdamLinearRegressor(penalty="elasticnet", alpha=0.1, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    driver = engine.epoch_driver(_objective(model, X, y), model.solver_, full_batch=True)
    assert isinstance(driver, NormalEquationSteps)
    assert driver.equations.proximal and not driver.equations.penalized


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_no_weight_at_alpha_zero_is_least_squares(monkeypatch, penalty, compiled):
    # At the default alpha=0 the penalty has no weight: its stacked weights
    # must still reach the equations' kernels in the right field.
    monkeypatch.setattr(kernels, "ENABLED", compiled)
    X, y = diabetes()
    model = fit_quietly(penalty=penalty).fit(X, y)
    ridge = fit_quietly().fit(X, y)
    assert_allclose(model.coef_, ridge.coef_, rtol=1e-12)
    assert model.n_iter_ == ridge.n_iter_
