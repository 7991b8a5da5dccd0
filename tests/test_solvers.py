"""The Adam update rule, checked against values worked out from the paper's formulas."""

import copy
import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_adam import Adam, AdamState


def test_first_two_steps_match_hand_derived_values():
    solver = Adam(learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    theta = np.array([0.0])
    state = solver.init([theta])

    # Step 1, g = 2: m = 0.2, v = 0.004; bias-corrected m_hat = 2, v_hat = 4.
    updates, state = solver.update([np.array([2.0])], state)
    theta += updates[0]
    assert_allclose(theta, [-0.1 * 2 / (2 + 1e-8)], rtol=1e-15)

    # Step 2, g = -1: m = 0.9*0.2 - 0.1 = 0.08, v = 0.999*0.004 + 0.001 = 0.004996,
    # m_hat = 0.08 / 0.19, v_hat = 0.004996 / 0.001999.
    updates, state = solver.update([np.array([-1.0])], state)
    theta += updates[0]
    step_2 = 0.1 * (0.08 / 0.19) / (math.sqrt(0.004996 / 0.001999) + 1e-8)
    assert_allclose(theta, [-0.1 * 2 / (2 + 1e-8) - step_2], rtol=1e-14)
    assert state.step == 2
    assert_allclose(state.first_moment[0], [0.08], rtol=1e-15)
    assert_allclose(state.second_moment[0], [0.004996], rtol=1e-14)


def test_third_step_with_several_arrays():
    # Two parameter arrays move independently, each by its own moments.
    solver = Adam(learning_rate=0.01, beta_1=0.5, beta_2=0.75, epsilon=0.0)
    params = [np.zeros(2), np.zeros(())]
    state = solver.init(params)
    gradients = [([1.0, -4.0], 3.0), ([3.0, 2.0], -1.0), ([-2.0, 0.0], 1.0)]
    for coef_grad, bias_grad in gradients:
        updates, state = solver.update([np.array(coef_grad), np.array(bias_grad)], state)
        for p, u in zip(params, updates):
            p += u

    def expected(sequence):
        theta, m, v = 0.0, 0.0, 0.0
        for t, g in enumerate(sequence, start=1):
            m = 0.5 * m + 0.5 * g
            v = 0.75 * v + 0.25 * g * g
            theta -= 0.01 * (m / (1 - 0.5**t)) / math.sqrt(v / (1 - 0.75**t))
        return theta

    assert_allclose(params[0][0], expected([1.0, 3.0, -2.0]), rtol=1e-14)
    assert_allclose(params[0][1], expected([-4.0, 2.0, 0.0]), rtol=1e-14)
    assert_allclose(params[1], expected([3.0, -1.0, 1.0]), rtol=1e-14)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_bias_correction_makes_first_step_the_learning_rate(scale):
    # Without bias correction the first step would be lr * (1 - b1) / sqrt(1 - b2),
    # about 3.16 lr; with it, the step is lr whatever the gradient's scale.
    solver = Adam(learning_rate=0.05, epsilon=0.0)
    state = solver.init([np.zeros(3)])
    grad = scale * np.array([1.0, -2.0, 0.5])
    updates, _ = solver.update([grad], state)
    assert_allclose(updates[0], [-0.05, 0.05, -0.05], rtol=1e-12)


def test_step_counts_updates_and_learning_rate_argument_overrides():
    solver = Adam(learning_rate=1.0, epsilon=0.0)
    state = solver.init([np.zeros(1)])
    updates, state = solver.update([np.ones(1)], state, learning_rate=0.25)
    assert state.step == 1
    assert_allclose(updates[0], [-0.25])


def test_update_leaves_gradients_and_params_alone():
    solver = Adam()
    params = [np.arange(3.0)]
    grads = [np.array([0.5, -1.0, 2.0])]
    params_before, grads_before = copy.deepcopy(params), copy.deepcopy(grads)
    state = solver.init(params)
    solver.update(grads, state)
    assert_allclose(params[0], params_before[0])
    assert_allclose(grads[0], grads_before[0])


def test_state_is_plain_data_and_resumes_exactly():
    solver = Adam(learning_rate=0.1)
    rng = np.random.RandomState(0)
    grads = [rng.randn(4) for _ in range(6)]

    def run(state, gradient_list, theta):
        for g in gradient_list:
            updates, state = solver.update([g], state)
            theta = theta + updates[0]
        return state, theta

    state, theta = run(solver.init([np.zeros(4)]), grads[:3], np.zeros(4))
    resumed = pickle.loads(pickle.dumps(state))
    assert isinstance(resumed, AdamState)
    _, theta_resumed = run(resumed, grads[3:], theta)
    _, theta_straight = run(solver.init([np.zeros(4)]), grads, np.zeros(4))
    np.testing.assert_array_equal(theta_resumed, theta_straight)


def test_integer_params_are_refused():
    with pytest.raises(ValueError, match=r"params\[0\] must be a floating-point array"):
        Adam().init([np.zeros(3, dtype=int)])
