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

from sklearn_adam._rules import (
    SOLVERS,
    Adam,
    Adamax,
    AdamaxState,
    AdamState,
    AdamW,
    AMSGrad,
    AMSGradState,
    NAdam,
    NAdamState,
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


def _amsgrad_scalar(gradients, lr, b1, b2, eps, max_of_corrected=False, raw=False):
    theta, m, v, v_max, v_hat_max = 0.0, 0.0, 0.0, 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = max(v_max, v)
        v_hat_max = max(v_hat_max, v / (1 - b2**t))
        if raw:
            # The paper's "efficient" form: epsilon on the raw root.
            theta -= lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (math.sqrt(v_max) + eps)
            continue
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


def test_amsgrad_raw_epsilon_placement_matches_formula():
    solver = AMSGrad(
        learning_rate=0.01, beta_1=0.5, beta_2=0.75, epsilon=0.1, epsilon_placement="raw"
    )
    coordinates, _ = _run_on_arrays(solver)
    for got, sequence in zip(coordinates, COORDINATE_SEQUENCES):
        expected = _amsgrad_scalar(sequence, 0.01, 0.5, 0.75, 0.1, raw=True)
        corrected = _amsgrad_scalar(sequence, 0.01, 0.5, 0.75, 0.1)
        assert abs(expected - corrected) > 1e-3 * abs(expected)
        assert_allclose(got, expected, rtol=1e-13)


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


def test_adamw_leaves_arrays_passed_as_none_undecayed():
    # The regressor passes [coef, None]: the intercept gets Adam's step only.
    solver = AdamW(learning_rate=0.1, weight_decay=0.5)
    adam = Adam(learning_rate=0.1)
    params = [np.array([1.0, -2.0]), np.array(3.0)]
    grads = [np.array([0.5, 0.25]), np.array(-1.0)]
    s_w, s_a = solver.init(params), adam.init(params)
    for _ in range(3):
        u_w, s_w = solver.update(grads, s_w, params=[params[0], None])
        u_a, s_a = adam.update(grads, s_a)
        assert_array_equal(u_w[1], u_a[1])
        assert_allclose(u_w[0], u_a[0] - 0.1 * 0.5 * params[0], rtol=1e-14)
        for p, u in zip(params, u_w):
            p += u


def test_adamw_rejects_params_of_wrong_length():
    solver = AdamW()
    grads = [np.zeros(2), np.zeros(())]
    with pytest.raises(ValueError, match="params"):
        solver.update(grads, solver.init(grads), params=[np.zeros(2)])


# --- NAdam ---------------------------------------------------------------------


def _nadam_scalar(gradients, lr, b1, b2, eps, psi, raw=False):
    theta, m, v, product = 0.0, 0.0, 0.0, 1.0
    for t, g in enumerate(gradients, start=1):
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        product *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_bar = (1 - mu) / (1 - product) * g + mu_next / (1 - product * mu_next) * m
        if raw:
            denominator = (math.sqrt(v) + eps) / math.sqrt(1 - b2**t)
        else:
            denominator = math.sqrt(v / (1 - b2**t)) + eps
        theta -= lr * m_bar / denominator
    return theta


@pytest.mark.parametrize("psi", [4e-3, 0.5])
@pytest.mark.parametrize("placement", ["corrected", "raw"])
def test_nadam_three_steps_match_formula(psi, placement):
    solver = NAdam(
        learning_rate=0.01,
        beta_1=0.5,
        beta_2=0.75,
        epsilon=0.1,
        momentum_decay=psi,
        epsilon_placement=placement,
    )
    coordinates, state = _run_on_arrays(solver)
    raw = placement == "raw"
    for got, sequence in zip(coordinates, COORDINATE_SEQUENCES):
        expected = _nadam_scalar(sequence, 0.01, 0.5, 0.75, 0.1, psi, raw=raw)
        assert_allclose(got, expected, rtol=1e-13)
    assert isinstance(state, NAdamState)
    schedule = [0.5 * (1 - 0.5 * 0.96 ** (t * psi)) for t in (1, 2, 3)]
    assert_allclose(state.momentum_product, math.prod(schedule), rtol=1e-15)


def test_nadam_first_two_steps_by_hand():
    # Defaults beta_1 = 0.9, momentum_decay = 0.004: the schedule
    # mu_t = 0.9 (1 - 0.5 * 0.96**(0.004 t)) starts near beta_1 / 2:
    mu_1 = 0.9 * (1 - 0.5 * 0.96**0.004)
    mu_2 = 0.9 * (1 - 0.5 * 0.96**0.008)
    mu_3 = 0.9 * (1 - 0.5 * 0.96**0.012)
    assert_allclose([mu_1, mu_2, mu_3], [0.4500735, 0.4501469, 0.4502204], rtol=1e-6)
    solver = NAdam(learning_rate=0.1, epsilon=0.0)
    theta = np.array([0.0])
    state = solver.init([theta])

    # Step 1, g = 2: m_1 = 0.2, v_hat_1 = 4 (root 2); the gradient weight
    # (1 - mu_1) / (1 - mu_1) is 1, the momentum weight mu_2 / (1 - mu_1 mu_2).
    updates, state = solver.update([np.array([2.0])], state)
    theta += updates[0]
    step_1 = 0.1 * (1.0 * 2.0 + mu_2 / (1 - mu_1 * mu_2) * 0.2) / 2.0
    assert_allclose(theta, [-step_1], rtol=1e-14)
    assert_allclose(state.momentum_product, mu_1, rtol=1e-15)

    # Step 2, g = -1: m_2 = 0.08, v_hat_2 = 0.004996 / 0.001999.
    updates, state = solver.update([np.array([-1.0])], state)
    theta += updates[0]
    m_bar = (1 - mu_2) / (1 - mu_1 * mu_2) * -1.0 + mu_3 / (1 - mu_1 * mu_2 * mu_3) * 0.08
    step_2 = 0.1 * m_bar / math.sqrt(0.004996 / 0.001999)
    assert_allclose(theta, [-step_1 - step_2], rtol=1e-14)
    assert_allclose(state.momentum_product, mu_1 * mu_2, rtol=1e-15)
    assert_allclose(state.first_moment[0], [0.08], rtol=1e-15)


def test_nadam_bad_momentum_decay_is_named():
    with pytest.raises(ValueError, match="momentum_decay"):
        NAdam(momentum_decay=-1e-3)
    assert "momentum_decay=0.5" in repr(NAdam(momentum_decay=0.5))


# --- Adamax --------------------------------------------------------------------


def _adamax_scalar(gradients, lr, b1, b2, eps):
    theta, m, u = 0.0, 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, abs(g) + eps)
        theta -= (lr / (1 - b1**t)) * m / u
    return theta


def test_adamax_three_steps_match_formula():
    solver = Adamax(learning_rate=0.01, beta_1=0.5, beta_2=0.75, epsilon=0.1)
    coordinates, state = _run_on_arrays(solver)
    for got, sequence in zip(coordinates, COORDINATE_SEQUENCES):
        assert_allclose(got, _adamax_scalar(sequence, 0.01, 0.5, 0.75, 0.1), rtol=1e-13)
    assert isinstance(state, AdamaxState)
    # u after the three steps, coordinate by coordinate: max(0.75 u, |g| + 0.1).
    # First coordinate, g = 1, 3, -2: u = 1.1, 3.1, max(2.325, 2.1) = 2.325.
    # Second, g = -4, 2, 0.5: u = 4.1, max(3.075, 2.1), max(2.30625, 0.6).
    # Third, g = 3, -1, 1: u = 3.1, max(2.325, 1.1), max(1.74375, 1.1).
    assert_allclose(state.infinity_norm[0], [2.325, 2.30625], rtol=1e-15)
    assert_allclose(state.infinity_norm[1], 1.74375, rtol=1e-15)


def test_adamax_epsilon_inside_the_maximum():
    # A gradient of 0.05 after one of 1: u_2 = max(0.5 * 1.1, 0.15) = 0.55,
    # while epsilon on the denominator would give 0.5 + 0.1.
    solver = Adamax(learning_rate=1.0, beta_1=0.0, beta_2=0.5, epsilon=0.1)
    state = solver.init([np.zeros(1)])
    updates, state = solver.update([np.array([1.0])], state)
    assert_allclose(updates[0], [-1.0 / 1.1], rtol=1e-15)
    updates, state = solver.update([np.array([0.05])], state)
    assert_allclose(updates[0], [-0.05 / 0.55], rtol=1e-15)


def test_adamax_first_step_is_learning_rate_and_zero_gradient_is_safe():
    solver = Adamax(epsilon=0.0)
    assert solver.learning_rate == 2e-3
    grad = np.array([5.0, -1e-4])
    updates, _ = solver.update([grad], solver.init([grad]))
    assert_allclose(updates[0], [-2e-3, 2e-3], rtol=1e-14)
    # Without epsilon, a coordinate whose gradients have all been zero gets a
    # zero step, not 0/0, also after other coordinates have moved.
    state = solver.init([np.zeros(2)])
    for grad in ([0.0, 0.0], [0.0, 0.0], [0.0, 3.0]):
        with np.errstate(all="raise"):
            updates, state = solver.update([np.array(grad)], state)
    assert_array_equal(updates[0][0], 0.0)
    assert updates[0][1] < 0


def test_adamax_epsilon_placement_changes_nothing():
    rng = np.random.RandomState(0)
    corrected = Adamax(epsilon=0.1)
    raw = Adamax(epsilon=0.1, epsilon_placement="raw")
    s_c, s_r = corrected.init([np.zeros(4)]), raw.init([np.zeros(4)])
    for _ in range(5):
        grads = [rng.randn(4)]
        u_c, s_c = corrected.update(grads, s_c)
        u_r, s_r = raw.update(grads, s_r)
        assert_array_equal(u_r[0], u_c[0])


# --- The whole family ----------------------------------------------------------

FAMILY = [pytest.param(solver, id=name) for name, solver in SOLVERS.items()]


def test_registry_names_the_whole_family():
    assert SOLVERS == {
        "adam": Adam,
        "amsgrad": AMSGrad,
        "adamw": AdamW,
        "nadam": NAdam,
        "adamax": Adamax,
    }


def _state_arrays(state):
    """Every array held by a state dataclass."""
    return [
        a
        for field in dataclasses.fields(state)
        if isinstance(getattr(state, field.name), list)
        for a in getattr(state, field.name)
    ]


@pytest.mark.parametrize("placement", ["corrected", "raw"])
@pytest.mark.parametrize("make", FAMILY)
def test_zero_epsilon_leaves_coordinates_without_gradient_still(make, placement):
    # With epsilon=0 a coordinate whose gradients have all been zero has a
    # zero denominator; it takes no step, rather than 0 / 0 = NaN.
    solver = make(epsilon=0.0, epsilon_placement=placement)
    params = [np.zeros(3)]
    state = solver.init(params)
    for _ in range(3):
        (update,), state = _step(solver, [np.array([0.5, 0.0, -2.0])], state, params)
        assert np.all(np.isfinite(update))
        assert update[1] == 0.0
        assert update[0] < 0 < update[2]


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
    solver = make(
        learning_rate=0.5, beta_1=0.25, beta_2=0.75, epsilon=1e-6, epsilon_placement="raw"
    )
    text = repr(solver)
    assert text.startswith(type(solver).__name__ + "(")
    for value in ("0.5", "0.25", "0.75", "1e-06", "epsilon_placement='raw'"):
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
        ({"epsilon_placement": "sqrt"}, "epsilon_placement"),
        ({"epsilon_placement": None}, "epsilon_placement"),
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
def test_placements_differ_only_through_epsilon(make):
    # Without epsilon both placements are the same rule; with a large one
    # they differ, except for Adamax whose norm has no bias correction.
    rng = np.random.RandomState(0)
    gradients = [[rng.randn(3), np.asarray(rng.randn())] for _ in range(4)]
    for epsilon in (0.0, 0.5):
        runs = []
        for placement in ("corrected", "raw"):
            solver = make(learning_rate=0.1, epsilon=epsilon, epsilon_placement=placement)
            params = [np.ones(3), np.array(-1.0)]
            state = solver.init(params)
            for grads in gradients:
                updates, state = _step(solver, grads, state, params)
                for p, u in zip(params, updates):
                    p += u
            runs.append(params[0])
        if epsilon == 0.0 or make is Adamax:
            assert_allclose(runs[1], runs[0], rtol=1e-13)
        else:
            assert not np.allclose(runs[1], runs[0], rtol=1e-3)


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
