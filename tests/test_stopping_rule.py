"""The full-batch stopping rule, written once (``_stopping.judge``), and who applies it.

The rule is checked on hand-written sequences of (loss, gradient norm); the
monitor and the compiled drivers are held to it: the monitor judges by it,
and a driver that runs many steps in one call hands back the standing and
the outcome that the rule, applied step by step, gives on the same losses
and norms.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_adam import Adam, _kernels
from sklearn_adam._engine import CompiledEpochs, NormalEquationSteps
from sklearn_adam._objective import NormalEquations, Standardization, least_squares
from sklearn_adam._progress import GradientMonitor
from sklearn_adam._stopping import (
    CONVERGED,
    GOING_ON,
    NOT_FINITE,
    RAN_OUT,
    STALLED,
    Standing,
    judge,
)

INF = math.inf


def run_rule(steps, standing, target, patience):
    """Apply the rule to a sequence of (loss, norm); the outcomes and the standings."""
    outcomes, standings = [], []
    for loss, norm in steps:
        outcome, standing = judge(loss, norm, standing, target, patience)
        outcomes.append(outcome)
        standings.append(standing)
    return outcomes, standings


def test_progress_is_a_new_best_loss_or_norm_and_patience_steps_without_it_stall():
    steps = [(5.0, 2.0), (4.0, 3.0), (4.5, 2.5), (4.0, 2.0), (4.2, 1.9), (4.1, 1.95),
             (4.1, 1.95), (4.1, 1.95)]
    outcomes, standings = run_rule(steps, Standing(), target=0.1, patience=2)
    assert standings == [
        (5.0, 2.0, 0),  # the first step beats inf
        (4.0, 2.0, 0),  # a lower loss is progress, though the norm rose
        (4.0, 2.0, 1),
        (4.0, 2.0, 2),  # equal to the bests is no progress
        (4.0, 1.9, 0),  # a lower norm is progress, though the loss rose
        (4.0, 1.9, 1),
        (4.0, 1.9, 2),
        (4.0, 1.9, 3),
    ]
    assert outcomes == [GOING_ON, GOING_ON, GOING_ON, STALLED, GOING_ON, GOING_ON, STALLED,
                        STALLED]


def test_a_norm_within_the_target_converges_even_when_patience_has_run_out():
    outcome, standing = judge(2.0, 0.05, Standing(1.0, 0.01, 5), target=0.1, patience=2)
    assert (outcome, standing) == (CONVERGED, (1.0, 0.01, 6))
    # At the target exactly, too.
    assert judge(3.0, 0.1, Standing(), target=0.1, patience=2)[0] == CONVERGED
    # A negative target never converges, not even at a zero gradient.
    assert judge(3.0, 0.0, Standing(), target=-1.0, patience=2)[0] == GOING_ON


@pytest.mark.parametrize("loss, norm", [(math.nan, 1.0), (1.0, math.nan), (INF, 1.0),
                                        (1.0, INF)])
def test_a_step_that_is_not_finite_leaves_the_standing_as_it_was(loss, norm):
    before = Standing(2.0, 3.0, 1)
    assert judge(loss, norm, before, target=0.1, patience=2) == (NOT_FINITE, before)


def test_the_standing_is_plain_values_in_the_kernels_order():
    assert Standing() == (INF, INF, 0)
    assert Standing._fields == ("best_loss", "best_gradient", "n_stalled")
    # The compiled kernels' outcome codes, by name.
    assert _kernels.OUTCOME_NAMES == {
        _kernels.RAN_OUT: RAN_OUT, _kernels.CONVERGED: CONVERGED, _kernels.STALLED: STALLED,
        _kernels.NOT_FINITE: NOT_FINITE, _kernels.GOING_ON: GOING_ON,
    }


def test_the_monitor_judges_by_the_rule_and_takes_a_standing_reached_elsewhere():
    steps = [(5.0, 2.0), (4.0, 3.0), (4.5, 2.5), (4.0, 2.0), (4.2, 1.9), (3.0, 0.05)]
    expected, standings = run_rule(steps, Standing(), target=0.1, patience=2)
    one_by_one = GradientMonitor(target=0.1, patience=2)
    assert [one_by_one.judge(loss, norm) for loss, norm in steps] == expected
    assert one_by_one.standing == standings[-1]
    assert one_by_one.lowest_gradient == 0.05
    # What a driver that ran the steps in one call hands back.
    at_once = GradientMonitor(target=0.1, patience=2)
    at_once.take(standings[-1], [norm for _, norm in steps])
    assert vars(at_once) == vars(one_by_one)


def make_objective():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4) * [1, 10, 0.1, 3] + [0, 5, -2, 1]
    y = X @ [1.0, -0.5, 2.0, 0.3] + 1 + 0.5 * rng.randn(200)
    y = y.reshape(-1, 1)
    weight = np.ones(200)
    standardization = Standardization.fit(X, y, weight, center=True, scale=True)
    return least_squares(X, y, weight, alpha=0.1, standardization=standardization, rows=None)


def drivers():
    objective = make_objective()
    solver = Adam(learning_rate=0.1)
    return {
        "normal equations": NormalEquationSteps(NormalEquations.build(objective), solver),
        "passes over X": CompiledEpochs.for_fit(objective, solver, full_batch=True),
    }


def start():
    params = [np.zeros((1, 4)), np.zeros(1)]
    return params, Adam(learning_rate=0.1).init([p.copy() for p in params])


@pytest.mark.parametrize("name", ["normal equations", "passes over X"])
@pytest.mark.parametrize("target, patience, rate, n_rates, expected", [
    (1e-4, 1000, 0.1, 2000, CONVERGED),
    (0.0, 3, 2.0, 2000, STALLED),  # a rate far too large
    (0.0, 1000, 0.01, 300, RAN_OUT),
])
def test_a_run_of_compiled_steps_ends_where_the_rule_says(name, target, patience, rate,
                                                          n_rates, expected):
    driver = drivers()[name]
    params, state = start()
    losses, norms, outcome, standing, _ = driver.run_steps(
        params, state, np.full(n_rates, rate), target=target, patience=patience, standing=None
    )
    outcomes, standings = run_rule(zip(losses.tolist(), norms.tolist()), Standing(), target,
                                   patience)
    # Every step but the last went on; the last ended the run, or the rates ran out.
    assert all(o == GOING_ON for o in outcomes[:-1])
    assert outcome == (RAN_OUT if outcomes[-1] == GOING_ON else outcomes[-1]) == expected
    assert standing == standings[-1]


@pytest.mark.parametrize("name", ["normal equations", "passes over X"])
def test_a_run_split_in_two_calls_with_the_standing_handed_over_is_one_run(name):
    rates = np.full(300, 0.05)
    params, state = start()
    losses, norms, outcome, standing, _ = drivers()[name].run_steps(
        params, state, rates, target=0.0, patience=4, standing=Standing()
    )
    assert outcome == STALLED
    # Split where steps without progress are being counted: the second call
    # must know of them to stall where the one run did.
    _, standings = run_rule(zip(losses.tolist(), norms.tolist()), Standing(), 0.0, 4)
    split = next(i for i, s in enumerate(standings) if s.n_stalled > 0) + 1
    split_params, split_state = start()
    driver = drivers()[name]
    first = driver.run_steps(split_params, split_state, rates[:split], target=0.0, patience=4,
                             standing=None)
    assert first[2] == RAN_OUT and first[3].n_stalled > 0
    second = driver.run_steps(split_params, first[4], rates[split:], target=0.0, patience=4,
                              standing=first[3])
    assert_array_equal(np.concatenate([first[0], second[0]]), losses)
    assert_array_equal(np.concatenate([first[1], second[1]]), norms)
    assert (second[2], second[3]) == (outcome, standing)
    for split_param, param in zip(split_params, params):
        assert_array_equal(split_param, param)


@pytest.mark.parametrize("seed", range(20))
def test_the_kernels_judge_every_step_as_the_rule_does(seed):
    # Random runs of losses and norms that rise and fall, with repeats (ties
    # are no progress), a target some of them reach, and non-finite values:
    # the compiled twin gives the same outcome and standing at every step.
    rng = np.random.RandomState(seed)
    values = rng.choice([0.5, 1.0, 2.0, 3.0, 0.05, math.nan, INF], size=(60, 2),
                        p=[0.25, 0.25, 0.2, 0.2, 0.04, 0.03, 0.03])
    target, patience = rng.choice([-1.0, 0.1]), int(rng.randint(1, 5))
    python, compiled = Standing(), (INF, INF, 0)
    for loss, norm in values:
        outcome, python = judge(loss, norm, python, target, patience)
        code, compiled = _kernels.judge(loss, norm, compiled, target, patience)
        assert _kernels.OUTCOME_NAMES[code] == outcome
        assert tuple(compiled) == tuple(python)
