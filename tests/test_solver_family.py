"""AMSGrad, AdamW, NAdam and Adamax, checked against their papers' formulas.

Each rule is compared with a plain-float transcription of its formula, written
out here independently of the implementation, and all five rules of the family
(with Adam) go through the same protocol checks and a convergence run.
"""

import copy
import dataclasses
import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_adam import Adam, AdamState
from sklearn_adam._adam_variants import (
    Adamax,
    AdamaxState,
    AdamW,
    AMSGrad,
    AMSGradState,
    NAdam,
)

# Gradient sequences for two parameter arrays, shapes (2,) and (): one tuple
# per step, like tests/test_solvers.py.
GRADIENTS = [([1.0, -4.0], 3.0), ([3.0, 2.0], -1.0), ([-2.0, 0.5], 1.0)]
# The same sequences read per scalar coordinate.
COORDINATE_SEQUENCES = [[1.0, 3.0, -2.0], [-4.0, 2.0, 0.5], [3.0, -1.0, 1.0]]


def _step(solver, grads, state, params, learning_rate=None):
    """One update; AdamW is also handed the current parameters."""
    if isinstance(solver, AdamW):
        return solver.update(grads, state, learning_rate, params=params)
    return solver.update(grads, state, learning_rate)


def _run_on_arrays(solver, initial=(0.0, 0.0, 0.0)):
    """Apply GRADIENTS to params [array of 2, 0-d array]; return the 3 coordinates."""
    params = [np.array(initial[:2]), np.array(initial[2])]
    state = solver.init(params)
    for coef_grad, bias_grad in GRADIENTS:
        grads = [np.array(coef_grad), np.array(bias_grad)]
        updates, state = _step(solver, grads, state, params)
        for p, u in zip(params, updates):
            p += u
    return [params[0][0], params[0][1], params[1][()]], state


# --- AMSGrad -------------------------------------------------------------------


def _amsgrad_scalar(gradients, lr, b1, b2, eps, max_of_corrected=False):
    theta, m, v, v_max, v_hat_max = 0.0, 0.0, 0.0, 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = max(v_max, v)
        v_hat_max = max(v_hat_max, v / (1 - b2**t))
        root = math.sqrt(v_hat_max) if max_of_corrected else math.sqrt(v_max / (1 - b2**t))
        theta -= lr * (m / (1 - b1**t)) / (root + eps)
    return theta


def test_amsgrad_three_steps_match_formula():
    solver = AMSGrad(learning_rate=0.01, beta_1=0.5, beta_2=0.75, epsilon=1e-3)
    coordinates, state = _run_on_arrays(solver)
    for got, sequence in zip(coordinates, COORDINATE_SEQUENCES):
        assert_allclose(got, _amsgrad_scalar(sequence, 0.01, 0.5, 0.75, 1e-3), rtol=1e-13)
    assert isinstance(state, AMSGradState)
    assert state.step == 3


def test_amsgrad_takes_max_of_raw_second_moment_then_corrects():
    # A large gradient followed by small ones: v_t falls, so the maximum keeps
    # v_1 = 0.5 * 9 = 4.5. Bias-correcting that maximum (4.5 / (1 - 0.5**t))
    # differs from the maximum of the corrected v_hat (v_hat_1 = 9).
    sequence = [3.0, 0.1, 0.1]
    solver = AMSGrad(learning_rate=0.1, beta_1=0.9, beta_2=0.5, epsilon=0.0)
    theta = np.zeros(1)
    state = solver.init([theta])
    for g in sequence:
        updates, state = solver.update([np.array([g])], state)
        theta += updates[0]
    assert_allclose(state.max_second_moment[0], [4.5], rtol=1e-15)
    assert_allclose(state.second_moment[0], [0.25 * 4.5 + 0.25 * 0.01 + 0.5 * 0.01], rtol=1e-14)
    raw = _amsgrad_scalar(sequence, 0.1, 0.9, 0.5, 0.0)
    corrected = _amsgrad_scalar(sequence, 0.1, 0.9, 0.5, 0.0, max_of_corrected=True)
    assert abs(raw - corrected) > 1e-3 * abs(raw)
    assert_allclose(theta, [raw], rtol=1e-14)


def test_amsgrad_is_adam_while_second_moment_grows():
    # With growing gradient magnitudes v_t never falls, so the max is v_t itself.
    amsgrad, adam = AMSGrad(learning_rate=0.1), Adam(learning_rate=0.1)
    params = [np.zeros(2)]
    s_ams, s_adam = amsgrad.init(params), adam.init(params)
    for scale in (1.0, 2.0, 4.0):
        grads = [scale * np.array([1.0, -3.0])]
        u_ams, s_ams = amsgrad.update(grads, s_ams)
        u_adam, s_adam = adam.update(grads, s_adam)
        assert_array_equal(u_ams[0], u_adam[0])


def test_amsgrad_differs_from_adam_when_second_moment_falls():
    # beta_2 = 0.5 lets v_t fall fast: by step 3 it is about v_1 / 4, so
    # AMSGrad's denominator is about twice Adam's.
    amsgrad = AMSGrad(learning_rate=0.1, beta_2=0.5)
    adam = Adam(learning_rate=0.1, beta_2=0.5)
    s_ams, s_adam = amsgrad.init([np.zeros(1)]), adam.init([np.zeros(1)])
    for g in (10.0, 0.1, 0.1):
        u_ams, s_ams = amsgrad.update([np.array([g])], s_ams)
        u_adam, s_adam = adam.update([np.array([g])], s_adam)
    assert abs(u_ams[0][0]) < 0.6 * abs(u_adam[0][0])


# --- AdamW ---------------------------------------------------------------------


def _adamw_scalar(gradients, theta, lr, b1, b2, eps, wd):
    m, v = 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * (m_hat / (math.sqrt(v_hat) + eps) + wd * theta)
    return theta


def test_adamw_three_steps_match_formula():
    solver = AdamW(learning_rate=0.05, beta_1=0.5, beta_2=0.75, epsilon=1e-3, weight_decay=0.3)
    initial = (1.0, -2.0, 0.5)
    coordinates, state = _run_on_arrays(solver, initial)
    for got, sequence, start in zip(coordinates, COORDINATE_SEQUENCES, initial):
        expected = _adamw_scalar(sequence, start, 0.05, 0.5, 0.75, 1e-3, 0.3)
        assert_allclose(got, expected, rtol=1e-13)
    assert isinstance(state, AdamState)


def test_adamw_without_decay_is_adam_exactly():
    rng = np.random.RandomState(0)
    adamw, adam = AdamW(learning_rate=0.1, weight_decay=0.0), Adam(learning_rate=0.1)
    params = [rng.randn(3), rng.randn(2, 2)]
    s_w, s_a = adamw.init(params), adam.init(params)
    for _ in range(5):
        grads = [rng.randn(3), rng.randn(2, 2)]
        u_w, s_w = adamw.update(grads, s_w, params=params)
        u_a, s_a = adam.update(grads, s_a)
        for x, y, p in zip(u_w, u_a, params):
            assert_array_equal(x, y)
            p += x


def test_adamw_without_params_skips_decay():
    adamw, adam = AdamW(learning_rate=0.1, weight_decay=0.5), Adam(learning_rate=0.1)
    grads = [np.array([1.0, -2.0])]
    u_w, _ = adamw.update(grads, adamw.init(grads))
    u_a, _ = adam.update(grads, adam.init(grads))
    assert_array_equal(u_w[0], u_a[0])


def test_adamw_decay_term_is_proportional_to_params():
    solver = AdamW(learning_rate=0.2, weight_decay=0.05)
    grads = [np.array([0.3, -1.0, 2.0])]
    params = np.array([1.0, -4.0, 0.0])

    def decay_part(p):
        with_decay, _ = solver.update(grads, solver.init([p]), params=[p])
        without, _ = solver.update(grads, solver.init([p]))
        return with_decay[0] - without[0]

    assert_allclose(decay_part(params), -0.2 * 0.05 * params, rtol=1e-12, atol=1e-17)
    assert_allclose(decay_part(3 * params), 3 * decay_part(params), rtol=1e-12, atol=1e-17)
    # The learning rate passed to update scales the decay too.
    with_decay, _ = solver.update(grads, solver.init([params]), 0.02, params=[params])
    without, _ = solver.update(grads, solver.init([params]), 0.02)
    assert_allclose(with_decay[0] - without[0], -0.02 * 0.05 * params, rtol=1e-12, atol=1e-17)


def test_adamw_rejects_params_of_wrong_length():
    solver = AdamW()
    grads = [np.zeros(2), np.zeros(())]
    with pytest.raises(ValueError, match="params"):
        solver.update(grads, solver.init(grads), params=[np.zeros(2)])


# --- NAdam ---------------------------------------------------------------------


def _nadam_scalar(gradients, lr, b1, b2, eps):
    theta, m, v = 0.0, 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
        theta -= lr * m_bar / (math.sqrt(v / (1 - b2**t)) + eps)
    return theta


def test_nadam_three_steps_match_formula():
    solver = NAdam(learning_rate=0.01, beta_1=0.5, beta_2=0.75, epsilon=1e-3)
    coordinates, state = _run_on_arrays(solver)
    for got, sequence in zip(coordinates, COORDINATE_SEQUENCES):
        assert_allclose(got, _nadam_scalar(sequence, 0.01, 0.5, 0.75, 1e-3), rtol=1e-13)
    assert isinstance(state, AdamState)


def test_nadam_first_step_by_hand():
    # m_1 = 0.1 g, so m_bar = 0.9 * 0.1 g / 0.19 + 0.1 g / 0.1 = g (1 + 0.9 / 1.9),
    # and v_hat_1 = g^2: the first step is lr * (1 + 0.9 / 1.9) against the sign of g.
    solver = NAdam(learning_rate=0.1, epsilon=0.0)
    grad = np.array([2.0, -0.001])
    updates, _ = solver.update([grad], solver.init([grad]))
    step = 0.1 * (1 + 0.9 / 1.9)
    assert_allclose(updates[0], [-step, step], rtol=1e-14)


# --- Adamax --------------------------------------------------------------------


def _adamax_scalar(gradients, lr, b1, b2, eps):
    theta, m, u = 0.0, 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, abs(g))
        theta -= (lr / (1 - b1**t)) * m / (u + eps)
    return theta


def test_adamax_three_steps_match_formula():
    solver = Adamax(learning_rate=0.01, beta_1=0.5, beta_2=0.75, epsilon=1e-3)
    coordinates, state = _run_on_arrays(solver)
    for got, sequence in zip(coordinates, COORDINATE_SEQUENCES):
        assert_allclose(got, _adamax_scalar(sequence, 0.01, 0.5, 0.75, 1e-3), rtol=1e-13)
    assert isinstance(state, AdamaxState)
    # u after the three steps, coordinate by coordinate: max(0.75 u, |g|).
    assert_allclose(state.infinity_norm[0], [2.25, 0.75 * 0.75 * 4.0], rtol=1e-15)
    assert_allclose(state.infinity_norm[1], 0.75 * 0.75 * 3.0, rtol=1e-15)


def test_adamax_first_step_is_learning_rate_and_zero_gradient_is_safe():
    solver = Adamax(epsilon=0.0)
    assert solver.learning_rate == 2e-3
    grad = np.array([5.0, -1e-4])
    updates, _ = solver.update([grad], solver.init([grad]))
    assert_allclose(updates[0], [-2e-3, 2e-3], rtol=1e-14)
    # With the default epsilon an all-zero gradient gives a zero step, not nan.
    solver = Adamax()
    updates, _ = solver.update([np.zeros(2)], solver.init([np.zeros(2)]))
    assert_array_equal(updates[0], [0.0, 0.0])


# --- The whole family ----------------------------------------------------------

FAMILY = [
    pytest.param(Adam, id="Adam"),
    pytest.param(AMSGrad, id="AMSGrad"),
    pytest.param(AdamW, id="AdamW"),
    pytest.param(NAdam, id="NAdam"),
    pytest.param(Adamax, id="Adamax"),
]


def _state_arrays(state):
    """Every array held by a state dataclass."""
    return [
        a
        for field in dataclasses.fields(state)
        if isinstance(getattr(state, field.name), list)
        for a in getattr(state, field.name)
    ]


@pytest.mark.parametrize("make", FAMILY)
def test_init_leaves_params_alone_and_shares_no_memory(make):
    solver = make()
    params = [np.arange(3.0), np.array(1.5)]
    before = copy.deepcopy(params)
    state = solver.init(params)
    assert state.step == 0
    for p, b in zip(params, before):
        assert_array_equal(p, b)
    for a in _state_arrays(state):
        assert not any(np.shares_memory(a, p) for p in params)


@pytest.mark.parametrize("make", FAMILY)
def test_update_leaves_grads_and_params_alone(make):
    solver = make()
    params = [np.arange(3.0), np.array(1.5)]
    grads = [np.array([0.5, -1.0, 2.0]), np.array(-0.25)]
    params_before, grads_before = copy.deepcopy(params), copy.deepcopy(grads)
    state = solver.init(params)
    for _ in range(2):
        updates, state = _step(solver, grads, state, params)
        for u, g, p in zip(updates, grads, params):
            assert not np.shares_memory(u, g)
            assert not np.shares_memory(u, p)
    assert state.step == 2
    for p, b in zip(params, params_before):
        assert_array_equal(p, b)
    for g, b in zip(grads, grads_before):
        assert_array_equal(g, b)


@pytest.mark.parametrize("make", FAMILY)
def test_pickled_state_resumes_bit_identically(make):
    solver = make(learning_rate=0.1)
    rng = np.random.RandomState(0)
    gradients = [[rng.randn(4), rng.randn()] for _ in range(6)]

    def run(state, gradient_list, params):
        params = [np.array(p, copy=True) for p in params]
        for g in gradient_list:
            updates, state = _step(solver, [np.asarray(x) for x in g], state, params)
            for p, u in zip(params, updates):
                p += u
        return state, params

    start = [np.zeros(4), np.array(0.5)]
    state, params = run(solver.init(start), gradients[:3], start)
    resumed = pickle.loads(pickle.dumps(state))
    assert type(resumed) is type(state)
    restored_solver = pickle.loads(pickle.dumps(solver))
    assert repr(restored_solver) == repr(solver)
    _, params_resumed = run(resumed, gradients[3:], params)
    _, params_straight = run(solver.init(start), gradients, start)
    for a, b in zip(params_resumed, params_straight):
        assert_array_equal(a, b)


@pytest.mark.parametrize("make", FAMILY)
def test_float32_params_stay_float32(make):
    solver = make(learning_rate=0.01)
    params = [np.ones(3, dtype=np.float32), np.array(0.5, dtype=np.float32)]
    state = solver.init(params)
    for _ in range(3):
        grads = [np.array([1.0, -2.0, 0.0], dtype=np.float32), np.array(3.0, dtype=np.float32)]
        updates, state = _step(solver, grads, state, params, learning_rate=0.05)
        for p, u in zip(params, updates):
            assert u.dtype == np.float32
            p += u
    assert all(a.dtype == np.float32 for a in _state_arrays(state))


@pytest.mark.parametrize("make", FAMILY)
def test_learning_rate_argument_overrides_the_default(make):
    grads = [np.array([1.0, -3.0])]
    solver, other = make(learning_rate=1.0), make(learning_rate=0.25)
    overridden, _ = solver.update(grads, solver.init(grads), learning_rate=0.25)
    default, _ = other.update(grads, other.init(grads))
    assert_array_equal(overridden[0], default[0])


@pytest.mark.parametrize("make", FAMILY)
def test_repr_lists_hyperparameters_and_round_trips(make):
    solver = make(learning_rate=0.5, beta_1=0.25, beta_2=0.75, epsilon=1e-6)
    text = repr(solver)
    assert text.startswith(type(solver).__name__ + "(")
    for value in ("0.5", "0.25", "0.75", "1e-06"):
        assert value in text
    namespace = {c.__name__: c for c in (Adam, AMSGrad, AdamW, NAdam, Adamax)}
    assert repr(eval(text, namespace)) == text


@pytest.mark.parametrize("make", FAMILY)
@pytest.mark.parametrize(
    "params, match",
    [
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"beta_1": 1.0}, "beta_1"),
        ({"beta_2": -0.1}, "beta_2"),
        ({"epsilon": -1e-8}, "epsilon"),
    ],
)
def test_bad_hyperparameters_are_named(make, params, match):
    with pytest.raises(ValueError, match=match):
        make(**params)


def test_adamw_bad_weight_decay_is_named():
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(weight_decay=-0.1)
    assert "weight_decay=0.5" in repr(AdamW(weight_decay=0.5))


@pytest.mark.parametrize("make", FAMILY)
def test_minimizes_a_well_conditioned_least_squares_problem(make):
    # 0.5 ||A w - b||^2 with A (10 x 3) of singular values 1, 1.5, 2 and an
    # exact solution w_star; step size lr0 / sqrt(t).
    rng = np.random.RandomState(0)
    left, _ = np.linalg.qr(rng.randn(10, 3))
    right, _ = np.linalg.qr(rng.randn(3, 3))
    A = left @ np.diag([1.0, 1.5, 2.0]) @ right
    w_star = np.array([1.0, -2.0, 0.5])
    b = A @ w_star
    # AdamW's decay would move the minimizer, so it runs without it here.
    solver = make(weight_decay=0.0) if make is AdamW else make()
    w = np.zeros(3)
    state = solver.init([w])
    for t in range(1, 3001):
        grad = A.T @ (A @ w - b)
        updates, state = _step(solver, [grad], state, [w], learning_rate=0.3 / math.sqrt(t))
        w += updates[0]
    assert_allclose(w, w_star, rtol=0, atol=1e-6)
    assert 0.5 * np.sum((A @ w - b) ** 2) < 1e-12
