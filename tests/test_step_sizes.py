"""The built-in rules' step sizes: the diagonal metric a proximal step takes."""

import copy
import math

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose

from sklearn_adam._objective._penalties import L2
from sklearn_adam._rules import (
    SOLVERS,
    Adam,
    check_proximal,
    proximal_steps,
)

# Three steps on a (1, 3) coefficient array and a scalar intercept. The
# gradient shrinks after the first step (so AMSGrad's maximum differs from
# Adam's moment), and the last coefficient's gradient is always zero.
GRADIENTS = [
    ([[4.0, -1.0, 0.0]], 2.0),
    ([[0.5, -3.0, 0.0]], -0.25),
    ([[-0.1, 2.0, 0.0]], 0.125),
]
BETA_1, BETA_2, LEARNING_RATE = 0.8, 0.9, 0.05


def hand_steps(rule, gradients, epsilon, placement):
    """One coordinate's step after ``gradients``, from the rule's formula, in floats."""
    v = v_max = u = 0.0
    for g in gradients:
        v = BETA_2 * v + (1 - BETA_2) * g * g
        v_max = max(v_max, v)
        u = max(BETA_2 * u, abs(g) + epsilon)
    if rule == "adamax":
        return LEARNING_RATE / u if u > 0 else 0.0
    second = v_max if rule == "amsgrad" else v
    correction = 1 - BETA_2 ** len(gradients)
    if placement == "corrected":
        denominator = math.sqrt(second / correction) + epsilon
    else:
        denominator = (math.sqrt(second) + epsilon) / math.sqrt(correction)
    return LEARNING_RATE / denominator if denominator > 0 else 0.0


def expected_steps(rule, epsilon, placement):
    coef = [
        hand_steps(rule, [step[0][0][j] for step in GRADIENTS], epsilon, placement)
        for j in range(3)
    ]
    intercept = hand_steps(rule, [step[1] for step in GRADIENTS], epsilon, placement)
    return [np.array([coef]), np.array(intercept)]


def stepped(rule, epsilon, placement, asarray=np.asarray):
    solver = SOLVERS[rule](
        learning_rate=LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2, epsilon=epsilon,
        epsilon_placement=placement,
    )
    state = solver.init([asarray(np.zeros((1, 3))), asarray(np.zeros(()))])
    for coef_grad, intercept_grad in GRADIENTS:
        grads = [asarray(np.array(coef_grad)), asarray(np.array(intercept_grad))]
        _, state = solver.update(grads, state)
    return solver, state


RULE_CASES = [
    pytest.param(rule, epsilon, placement, id=f"{rule}-{epsilon}-{placement}")
    for rule in SOLVERS
    for epsilon in (0.0, 1e-3)
    for placement in ("corrected", "raw")
]


@pytest.mark.parametrize(("rule", "epsilon", "placement"), RULE_CASES)
def test_step_sizes_are_the_rules_formula(rule, epsilon, placement):
    solver, state = stepped(rule, epsilon, placement)
    before = copy.deepcopy(state)
    steps = solver.step_sizes(state, LEARNING_RATE)

    expected = expected_steps(rule, epsilon, placement)
    assert len(steps) == 2
    for step, want in zip(steps, expected):
        assert step.shape == want.shape and step.dtype == np.float64
        assert_allclose(step, want, rtol=1e-14, atol=0)
    # The coordinate whose gradients were all zero takes no step without epsilon.
    assert (steps[0][0, 2] == 0) == (epsilon == 0)
    # Only read: the state's arrays and counts are as they were, and not shared.
    for name, value in vars(before).items():
        if isinstance(value, list):
            for old, new in zip(value, getattr(state, name)):
                np.testing.assert_array_equal(new, old)
        else:
            assert getattr(state, name) == value
    for step in steps:
        for arrays in vars(state).values():
            if isinstance(arrays, list):
                assert not any(np.shares_memory(step, array) for array in arrays)


@pytest.mark.parametrize("rule", ["adam", "amsgrad", "nadam"])
def test_step_sizes_scale_the_update_of_a_constant_gradient(rule):
    # A constant gradient g makes m_hat = g and v_hat = g**2, and the Adam
    # update is -t * m_hat: the steps are the metric the update used.
    solver = SOLVERS[rule](learning_rate=0.1, epsilon=0.0)
    state = solver.init([np.zeros(2)])
    gradient = np.array([3.0, -0.5])
    for _ in range(5):
        updates, state = solver.update([gradient], state)
    (steps,) = solver.step_sizes(state, 0.1)
    assert_allclose(steps, 0.1 / np.abs(gradient), rtol=1e-12)
    if rule != "nadam":  # NAdam's Nesterov numerator is not m_hat
        assert_allclose(updates[0], -steps * gradient, rtol=1e-12)


def test_a_fresh_state_has_no_step_sizes():
    solver = Adam()
    state = solver.init([np.zeros(2)])
    with pytest.raises(ValueError, match=r"Adam.step_sizes .* has taken none \(step 0\)"):
        solver.step_sizes(state, 0.1)


@pytest.mark.parametrize(("rule", "epsilon", "placement"), RULE_CASES)
def test_step_sizes_in_the_states_namespace(rule, epsilon, placement):
    xp = pytest.importorskip("array_api_strict")
    with sklearn.config_context(array_api_dispatch=True):
        solver, state = stepped(rule, epsilon, placement, asarray=xp.asarray)
        steps = proximal_steps(solver, state, LEARNING_RATE)
    _, numpy_state = stepped(rule, epsilon, placement)
    for step, numpy_step in zip(steps, solver.step_sizes(numpy_state, LEARNING_RATE)):
        assert type(step).__module__.startswith("array_api_strict")
        assert_allclose(np.asarray(step), numpy_step, rtol=1e-15, atol=0)


def test_adam_with_the_l2_prox_is_fixed_at_the_penalized_optimum():
    # f(x) = a (x - b)**2 / 2 with the ridge penalty lam x**2 / 2: the
    # optimum is a b / (a + lam), where the data gradient is -lam x.
    a, b, lam = 2.0, 3.0, 0.5
    penalty, weights = L2(lam), np.array([lam])  # the prox reads lam from weights
    solver = Adam(learning_rate=0.05)

    def step(x, state):
        updates, state = solver.update([a * (x - b)], state)
        steps = proximal_steps(solver, state, 0.05)
        return penalty.prox(np.asarray, x + updates[0], steps[0], weights), state

    optimum = np.array([[a * b / (a + lam)]])
    state = solver.init([optimum])
    for _ in range(20):
        moved, state = step(optimum, state)
        assert_allclose(moved, optimum, rtol=1e-12)

    # The unpenalized optimum b is not fixed, nor is the optimum with the
    # prox taken at the learning rate instead of the rule's steps.
    moved, _ = step(np.array([[b]]), solver.init([optimum]))
    assert abs(moved[0, 0] - b) > 1e-3
    updates, _ = solver.update([a * (optimum - b)], copy.deepcopy(state))
    plain = penalty.prox(np.asarray, optimum + updates[0], np.full((1, 1), 0.05), weights)
    assert abs(plain[0, 0] - optimum[0, 0]) > 1e-3


@pytest.mark.parametrize("rule", sorted(SOLVERS))
def test_built_in_rules_give_step_sizes(rule):
    check_proximal(SOLVERS[rule]())


def test_a_solver_without_step_sizes_is_refused():
    class GradientDescent:
        def init(self, params):
            return None

        def update(self, grads, state, learning_rate, params=None):
            return [-learning_rate * g for g in grads], state

    with pytest.raises(
        TypeError,
        match=r"GradientDescent needs a step_sizes\(state, learning_rate\) method for a "
        "penalty that is not smooth",
    ):
        check_proximal(GradientDescent())
    with pytest.raises(TypeError, match="GradientDescent needs a step_sizes"):
        proximal_steps(GradientDescent(), None, 0.1)


def test_a_subclass_declares_its_step_sizes_itself():
    # A subclass may change update, and with it the metric: inheriting the
    # parent's step sizes is not enough, declaring them is.
    class Logged(Adam):
        pass

    with pytest.raises(TypeError, match="Logged inherits one, but declares none"):
        check_proximal(Logged())

    class Declared(Adam):
        step_sizes = Adam.step_sizes

    check_proximal(Declared())
