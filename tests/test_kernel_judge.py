"""The compiled stopping test of full-batch steps (``judge``) on hand-written epochs.

An epoch is judged by its loss and gradient norm, taken before its step:
converged once the norm is at most the target, ended when either is not
finite, stalled after ``patience`` epochs in a row that beat neither the
best loss nor the best norm; the standing (best loss, best norm, epochs
without progress) is carried from one epoch to the next.
"""

import math

import pytest

from sklearn_adam._kernels import (
    CONVERGED,
    GOING_ON,
    NOT_FINITE,
    OUTCOME_NAMES,
    RAN_OUT,
    STALLED,
    judge,
)

FRESH = (math.inf, math.inf, 0)


def judge_all(epochs, target, patience, standing=FRESH):
    """The outcome of each (loss, norm) in turn, and the standing after the last."""
    outcomes = []
    for loss, norm in epochs:
        outcome, standing = judge(loss, norm, standing, target, patience)
        outcomes.append(outcome)
    return outcomes, standing


def test_converged_once_the_norm_is_at_most_the_target():
    outcomes, standing = judge_all([(5.0, 2.0), (4.0, 1.0 + 1e-12), (3.0, 1.0)],
                                   target=1.0, patience=10)
    assert outcomes == [GOING_ON, GOING_ON, CONVERGED]
    # The converged epoch counts in the standing.
    assert standing == (3.0, 1.0, 0)


@pytest.mark.parametrize("loss, norm", [
    (math.nan, 1.0), (math.inf, 1.0), (1.0, math.nan), (1.0, math.inf), (-math.inf, 0.0),
])
def test_an_epoch_not_finite_ends_the_run_with_the_standing_it_found(loss, norm):
    standing = (2.0, 3.0, 1)
    # A norm within the target does not make an infinite loss converged.
    outcome, after = judge(loss, norm, standing, 10.0, 5)
    assert outcome == NOT_FINITE
    assert after == standing


def test_stalled_after_patience_epochs_without_progress():
    # After the first epoch neither the loss nor the norm beats its best
    # (a tie is no progress).
    epochs = [(1.0, 1.0), (1.0, 1.0), (2.0, 1.5), (1.5, 3.0)]
    outcomes, standing = judge_all(epochs, target=0.0, patience=3)
    assert outcomes == [GOING_ON, GOING_ON, GOING_ON, STALLED]
    assert standing == (1.0, 1.0, 3)


@pytest.mark.parametrize("better", ["loss", "norm"])
def test_progress_in_the_loss_or_the_norm_alone_starts_patience_anew(better):
    progress = (0.5, 2.0) if better == "loss" else (2.0, 0.5)
    epochs = [(1.0, 1.0), (2.0, 2.0), progress, (2.0, 2.0), (2.0, 2.0)]
    outcomes, standing = judge_all(epochs, target=0.0, patience=2)
    assert outcomes == [GOING_ON, GOING_ON, GOING_ON, GOING_ON, STALLED]
    assert standing == ((0.5, 1.0) if better == "loss" else (1.0, 0.5)) + (2,)


def test_the_standing_is_carried_between_runs():
    # A run that ended with two epochs without progress: the next one
    # without progress stalls at a patience of three, as one long run would.
    first, standing = judge_all([(1.0, 1.0), (1.5, 1.2), (1.1, 1.0)], target=0.0, patience=3)
    assert first == [GOING_ON, GOING_ON, GOING_ON] and standing == (1.0, 1.0, 2)
    second, standing = judge_all([(1.0, 1.0)], target=0.0, patience=3, standing=standing)
    assert second == [STALLED] and standing == (1.0, 1.0, 3)
    # Bests carried in are the bar to beat.
    outcome, standing = judge(0.9, 1.0, (0.8, 0.7, 0), 0.0, 3)
    assert outcome == GOING_ON and standing == (0.8, 0.7, 1)


def test_every_outcome_has_a_distinct_name():
    outcomes = [RAN_OUT, CONVERGED, STALLED, NOT_FINITE, GOING_ON]
    assert len(set(outcomes)) == 5
    assert sorted(OUTCOME_NAMES) == sorted(outcomes)
    assert len(set(OUTCOME_NAMES.values())) == 5
    assert OUTCOME_NAMES[CONVERGED] == "converged" and OUTCOME_NAMES[STALLED] == "stalled"
