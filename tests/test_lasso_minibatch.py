"""The lasso and the elastic net on mini-batches and streams: compiled, exact zeros, the optimum.

The compiled epoch takes the penalty's proximal step after each step, in
the rule's own metric, as the numpy epoch does (their agreement on whole
fits is in tests/test_compiled.py and tests/test_compiled_losses.py; here,
the kernels' pieces and one epoch of each driver). A fit on mini-batches
that grows to full batches ends at Lasso's and ElasticNet's solution, zeros
included; a stream of ``partial_fit`` calls, whose model is the averaged
iterate, ends near the optimum with exact zeros on the features that are
truly zero (:mod:`sklearn_adam._averaging`).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso

import sklearn_adam._kernels as compiled
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._averaging import AveragedIterate
from sklearn_adam._engine import CompiledEpochs, NumpyEpochs
from sklearn_adam._objective import Objective, Standardization, TrainingRows
from sklearn_adam._objective._datafits import SquaredError
from sklearn_adam._objective._elastic_net import L1
from sklearn_adam._objective._elastic_net import ElasticNet as ElasticNetPenalty
from sklearn_adam._rules import SOLVERS, kernel_spec


@pytest.fixture
def epoch_calls(monkeypatch):
    """A list that gets an entry at every call of the compiled epoch."""
    calls = []
    original = compiled.epoch

    def counted(*args):
        calls.append(True)
        return original(*args)

    monkeypatch.setattr(compiled, "epoch", counted)
    return calls


@pytest.mark.parametrize("name", list(SOLVERS))
def test_each_rules_compiled_step_size_is_its_step_sizes(name):
    # The metric of the compiled proximal step: the rule's step_sizes, one
    # coordinate at a time, after a few steps (zero gradients included).
    rng = np.random.RandomState(0)
    solver = SOLVERS[name](learning_rate=0.01)
    params = [np.zeros((2, 5))]
    state = solver.init(params)
    for _ in range(3):
        grads = [rng.randn(2, 5) * [1, 0, 1e-3, 10, 1]]
        _, state = solver.update(grads, state, 0.01, params)
    expected = solver.step_sizes(state, 0.02)[0]
    spec = kernel_spec(solver)
    rule = spec.kernel_rule(compiled)
    _, first, second, maximum, _ = spec.unpack(state)
    third = second if maximum is None else maximum
    for index in np.ndindex(expected.shape):
        size = compiled.coordinate_step_size(rule, 0.02, state.step, second[0][index],
                                             third[0][index])
        assert_allclose(size, expected[index], rtol=1e-15)


def make_objective(penalty, container, n_targets=1):
    rng = np.random.RandomState(0)
    X = rng.randn(500, 8) * [1, 5, 0.2, 1, 1, 3, 1, 1]
    y = X[:, :3] @ rng.randn(3, n_targets) + 0.5 * rng.randn(500, n_targets)
    weight = rng.uniform(0.5, 2, 500)
    standardization = Standardization.fit(X, y, weight, center=True, scale=True)
    return Objective(SquaredError(), penalty, TrainingRows(container(X), y, weight),
                     standardization)


@pytest.mark.parametrize("n_targets", [1, 2])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("penalty", [L1(1.0), ElasticNetPenalty(2.0, 0.6)], ids=repr)
@pytest.mark.parametrize("name", ["adam", "amsgrad", "nadam", "adamax"])
def test_a_compiled_epoch_is_the_numpy_epoch(name, penalty, container, n_targets):
    # Three shuffled epochs of averaged proximal steps by each driver: the
    # parameters, the rule's moments, the average with its clipped parts,
    # the loss and the stationarity measure agree to rounding.
    objective = make_objective(penalty, container, n_targets)
    solver = SOLVERS[name](learning_rate=0.02)
    compiled_driver = CompiledEpochs.for_fit(objective, solver)
    assert compiled_driver is not None and not compiled_driver.runs_many
    results = []
    for driver in (compiled_driver, NumpyEpochs(objective, solver)):
        params = [np.zeros((n_targets, 8)), np.zeros(n_targets)]
        state = solver.init(params)
        average = AveragedIterate.starting_at(params)
        order_rng = np.random.RandomState(1)
        for _ in range(3):
            result = driver.run(params, state, 0.02, 48, order_rng.permutation(500),
                                average=average)
            state = result.state
        results.append((params, state, average, result))
    (fast, fast_state, fast_average, fast_result), (slow, slow_state, slow_average,
                                                     slow_result) = results
    for a, b in zip(fast + fast_average.params + [fast_average.clipped, fast_average.thresholds],
                    slow + slow_average.params + [slow_average.clipped, slow_average.thresholds]):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert_allclose(fast_state.second_moment[0] if name != "adamax" else
                    fast_state.infinity_norm[0],
                    slow_state.second_moment[0] if name != "adamax" else
                    slow_state.infinity_norm[0], rtol=1e-12)
    assert_allclose(fast_result.loss, slow_result.loss, rtol=1e-13)
    assert_allclose(fast_result.gradient_norm, slow_result.gradient_norm, rtol=1e-10)
    # The steps set coefficients exactly to zero, and the model keeps them.
    assert np.any(slow[0] == 0) and np.array_equal(fast[0] == 0, slow[0] == 0)
    assert np.array_equal(fast_average.model()[0] == 0, slow_average.model()[0] == 0)


def test_the_averaged_model_of_proximal_steps():
    # Coefficient 0 kept its sign (clipped at +t every step): the plain
    # average. Coefficient 1 stayed at zero (its forward points within the
    # threshold): exactly zero, where the plain average of its iterates
    # would be zero too but that of a coefficient lifted off zero once
    # (coefficient 2) would not.
    rng = np.random.RandomState(0)
    average = AveragedIterate.starting_at([np.zeros((1, 3)), np.zeros(1)])
    plain = AveragedIterate.starting_at([np.zeros((1, 3)), np.zeros(1)])
    for k in range(200):
        thresholds = rng.uniform(0.01, 0.02, (1, 3))
        forward = np.array([[1.0 + rng.uniform(0.02, 0.1), rng.uniform(-1, 1) * 0.009,
                             0.03 if k == 150 else rng.uniform(-1, 1) * 0.009]])
        coef = np.sign(forward) * np.maximum(np.abs(forward) - thresholds, 0)
        params = [coef, rng.randn(1)]
        average.add(params, np.clip(forward, -thresholds, thresholds), thresholds)
        plain.add(params)
    model = average.model()
    assert_allclose(model[0][0, 0], plain.params[0][0, 0], rtol=1e-14)
    assert model[0][0, 1] == 0 and model[0][0, 2] == 0 and plain.params[0][0, 2] > 0
    assert_array_equal(model[1], plain.params[1])


def test_the_averaged_model_follows_new_scales():
    # partial_fit maps the average to the running standardization: the
    # clipped parts and thresholds map as coefficients, so the model maps
    # as the coefficients do and keeps its zeros.
    rng = np.random.RandomState(0)
    X, y = rng.randn(300, 4), rng.randn(300, 1)
    weight = np.ones(300)
    old = Standardization.fit(X, y, weight, center=True, scale=True)
    new = Standardization.fit(X * [1, 3, 0.5, 2] + 1, y * 4 - 2, weight, center=True,
                              scale=True)
    change = old.change_to(new)
    average = AveragedIterate([np.array([[0.5, 0.0, -0.2, 0.0]]), np.array([0.1])], 10,
                              np.array([[0.01, 0.005, -0.02, -0.003]]),
                              np.array([[0.01, 0.01, 0.02, 0.004]]))
    expected = change.parameters(average.model())
    average.in_new_coordinates(change)
    model = average.model()
    assert_allclose(model[0], expected[0], rtol=1e-14)
    assert_array_equal(model[0] == 0, [[False, True, False, True]])


@pytest.mark.parametrize("penalty, alpha, batch_size", [
    ("l1", 0.1, 32), ("l1", 0.3, 64), ("elasticnet", 0.01, 32),
])
def test_mini_batches_that_end_at_full_batch_reach_the_solution(epoch_calls, penalty, alpha,
                                                                batch_size):
    # Mini-batch epochs (compiled), the batch growing to every row, then
    # full-batch epochs to the default tol: the same zero pattern as Lasso
    # and ElasticNet at tol=1e-12 and coefficients within 1e-6 of theirs
    # (diabetes' coefficients are up to 800), without warnings.
    X, y = load_diabetes(return_X_y=True)
    reference = (Lasso(alpha=alpha, tol=1e-12, max_iter=10**6) if penalty == "l1" else
                 ElasticNet(alpha=alpha, tol=1e-12, max_iter=10**6)).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = AdamLinearRegressor(penalty=penalty, alpha=alpha, batch_size=batch_size,
                                    random_state=0).fit(X, y)
    assert epoch_calls and model.batch_size_curve_[-1] == X.shape[0]
    assert_array_equal(model.coef_ == 0, reference.coef_ == 0)
    assert np.any(reference.coef_ == 0)
    assert_allclose(model.coef_, reference.coef_, rtol=0, atol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, rtol=0, atol=1e-6)


def make_stream(scales=None, seed=0):
    """200,000 rows of 50 features, the first 10 informative, the rest truly zero."""
    rng = np.random.RandomState(seed)
    X = rng.randn(200_000, 50)
    coef = np.zeros(50)
    coef[:10] = rng.uniform(1, 3, 10) * rng.choice([-1, 1], 10)
    y = X @ coef + 2.0 + rng.randn(200_000)
    if scales is not None:  # the same model, in other units of each feature
        X = X * scales
    return X, y


def lasso_objective(X, y, coef, intercept, alpha):
    residual = y - X @ coef - intercept
    return 0.5 * np.mean(residual**2) + alpha * np.abs(coef).sum()


@pytest.mark.parametrize("share, scaled", [(0.01, False), (0.05, False), (0.02, True)],
                         ids=["0.01 alpha_max", "0.05 alpha_max", "0.02 alpha_max, units"])
def test_a_stream_ends_near_the_optimum_with_exact_zeros(epoch_calls, share, scaled):
    # One pass of partial_fit in chunks of 10,000 rows: the objective within
    # 1% of the optimum (Lasso on every row, tol=1e-12) and every truly-zero
    # feature exactly zero, as Lasso has them, the informative ones not. In
    # other units of each feature (Lasso's answer depends on them), the
    # penalty's weights follow the running scales of each call.
    scales = None
    if scaled:
        scales = np.logspace(-0.5, 0.5, 50)[np.random.RandomState(1).permutation(50)]
    X, y = make_stream(scales)
    centered = X - X.mean(axis=0)
    alpha = share * np.abs(centered.T @ (y - y.mean())).max() / X.shape[0]
    reference = Lasso(alpha=alpha, tol=1e-12, max_iter=10**5).fit(X, y)
    assert np.all(reference.coef_[10:] == 0) and np.all(reference.coef_[:10] != 0)
    model = AdamLinearRegressor(penalty="l1", alpha=alpha, random_state=0)
    for start in range(0, X.shape[0], 10_000):
        model.partial_fit(X[start:start + 10_000], y[start:start + 10_000])
    assert epoch_calls
    optimum = lasso_objective(X, y, reference.coef_, reference.intercept_, alpha)
    reached = lasso_objective(X, y, model.coef_, model.intercept_, alpha)
    assert optimum <= reached * (1 + 1e-12) and reached < optimum * 1.01
    assert np.all(model.coef_[10:] == 0) and np.all(model.coef_[:10] != 0)


@pytest.mark.parametrize("enabled", [True, False], ids=["compiled", "numpy"])
def test_a_stream_that_leaves_the_lasso_keeps_no_lasso_zeros(monkeypatch, enabled):
    # The averaged iterate of the lasso's steps soft-thresholds its model;
    # after a switch to least squares, that average is left behind (it
    # used to fade, and kept zeros for many calls).
    monkeypatch.setattr(compiled, "ENABLED", enabled)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2_000, 12))
    y = X[:, :3] @ np.array([2.0, -1.0, 0.5]) + 0.1 * rng.normal(size=2_000)
    model = AdamLinearRegressor(penalty="l1", alpha=0.05, batch_size=64, random_state=0)
    for chunk in np.array_split(np.arange(1_000), 4):
        model.partial_fit(X[chunk], y[chunk])
    assert np.any(model.coef_ == 0)
    model.set_params(penalty="l2", alpha=0.0)
    for chunk in np.array_split(np.arange(1_000, 2_000), 4):
        model.partial_fit(X[chunk], y[chunk])
    assert not np.any(model.coef_ == 0)
    assert model._fit_state.average.clipped is None
