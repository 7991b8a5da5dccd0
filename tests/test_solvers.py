"""The Adam update rule, checked against values worked out from the paper's formulas."""

import copy
import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_adam._rules import Adam, AdamState


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


# --- epsilon_placement ---------------------------------------------------------


def _adam_scalar(gradients, lr, b1, b2, eps, placement):
    """Plain-float Adam on one coordinate, starting at 0, either placement."""
    theta, m, v = 0.0, 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if placement == "corrected":
            theta -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        else:
            theta -= lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (math.sqrt(v) + eps)
    return theta


def test_raw_placement_first_two_steps_by_hand():
    # epsilon = 1e-3 is large enough for the placements to differ by ~1.5%.
    solver = Adam(learning_rate=0.1, epsilon=1e-3, epsilon_placement="raw")
    theta = np.array([0.0])
    state = solver.init([theta])
    # Step 1, g = 2: m = 0.2, v = 0.004; the step is
    # lr * sqrt(1 - 0.999) / (1 - 0.9) * m / (sqrt(v) + eps).
    updates, state = solver.update([np.array([2.0])], state)
    theta += updates[0]
    step_1 = 0.1 * math.sqrt(0.001) / 0.1 * 0.2 / (math.sqrt(0.004) + 1e-3)
    assert_allclose(theta, [-step_1], rtol=1e-14)
    corrected_1 = 0.1 * 2 / (2 + 1e-3)
    assert abs(step_1 - corrected_1) > 1e-2 * corrected_1
    # Step 2, g = -1: m = 0.08, v = 0.004996, corrections 0.19 and 0.001999.
    updates, state = solver.update([np.array([-1.0])], state)
    theta += updates[0]
    step_2 = 0.1 * math.sqrt(0.001999) / 0.19 * 0.08 / (math.sqrt(0.004996) + 1e-3)
    assert_allclose(theta, [-step_1 - step_2], rtol=1e-14)


@pytest.mark.parametrize("placement", ["corrected", "raw"])
def test_placements_match_their_transcriptions_over_several_steps(placement):
    sequence = [1.0, -3.0, 0.5, 0.5, 2.0]
    solver = Adam(
        learning_rate=0.05, beta_1=0.6, beta_2=0.9, epsilon=0.1, epsilon_placement=placement
    )
    theta = np.zeros(1)
    state = solver.init([theta])
    for g in sequence:
        updates, state = solver.update([np.array([g])], state)
        theta += updates[0]
    expected = _adam_scalar(sequence, 0.05, 0.6, 0.9, 0.1, placement)
    other_placement = "raw" if placement == "corrected" else "corrected"
    other = _adam_scalar(sequence, 0.05, 0.6, 0.9, 0.1, other_placement)
    assert abs(expected - other) > 1e-3 * abs(expected)
    assert_allclose(theta, [expected], rtol=1e-14)


def test_placements_agree_without_epsilon():
    rng = np.random.RandomState(1)
    corrected = Adam(learning_rate=0.1, epsilon=0.0)
    raw = Adam(learning_rate=0.1, epsilon=0.0, epsilon_placement="raw")
    s_c, s_r = corrected.init([np.zeros(5)]), raw.init([np.zeros(5)])
    for _ in range(10):
        grads = [rng.randn(5)]
        u_c, s_c = corrected.update(grads, s_c)
        u_r, s_r = raw.update(grads, s_r)
        assert_allclose(u_r[0], u_c[0], rtol=1e-13)


def test_bad_epsilon_placement_is_named():
    with pytest.raises(ValueError, match="epsilon_placement must be one of 'corrected', 'raw'"):
        Adam(epsilon_placement="inside")
    assert "epsilon_placement='raw'" in repr(Adam(epsilon_placement="raw"))


def _sklearn_adam_optimizer():
    """scikit-learn's private MLP optimizer, or a skip if it moved."""
    module = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    optimizer = getattr(module, "AdamOptimizer", None)
    if optimizer is None:
        pytest.skip("scikit-learn no longer has _stochastic_optimizers.AdamOptimizer")
    return optimizer


@pytest.mark.parametrize("epsilon", [1e-8, 1e-2])
def test_raw_placement_reproduces_scikit_learn_mlp_optimizer(epsilon):
    # MLPRegressor(solver="adam") steps with this optimizer: Adam with
    # epsilon_placement="raw" follows the same trajectory.
    AdamOptimizer = _sklearn_adam_optimizer()
    rng = np.random.RandomState(0)
    start = [rng.randn(3, 4), rng.randn(3)]
    theirs = [p.copy() for p in start]
    reference = AdamOptimizer(
        theirs, learning_rate_init=0.01, beta_1=0.8, beta_2=0.99, epsilon=epsilon
    )
    hyperparameters = dict(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=epsilon)
    raw, corrected = Adam(**hyperparameters, epsilon_placement="raw"), Adam(**hyperparameters)
    ours, other = [p.copy() for p in start], [p.copy() for p in start]
    state, other_state = raw.init(ours), corrected.init(other)
    for _ in range(300):
        grads = [rng.randn(3, 4) * rng.uniform(0.01, 3.0), rng.randn(3)]
        reference.update_params(theirs, [g.copy() for g in grads])
        updates, state = raw.update(grads, state)
        other_updates, other_state = corrected.update(grads, other_state)
        for p, u, q, w in zip(ours, updates, other, other_updates):
            p += u
            q += w
    for a, b in zip(ours, theirs):
        assert_allclose(a, b, rtol=1e-12)
    if epsilon > 1e-3:
        # With a large epsilon the default placement takes another path.
        assert not np.allclose(other[0], theirs[0], rtol=1e-6)
