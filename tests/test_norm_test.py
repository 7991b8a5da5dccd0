"""The spread of an epoch's batch gradients, and the norm test that reads it.

Each mini-batch epoch reports how far its batch gradients spread about their
mean; the training loop grows the batch to every row once that spread
exceeds the mean's norm. The spread is computed from two sums every epoch
driver keeps: the batch gradients' sum and their squared norms' sum.
"""

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from sklearn_adam import Adam
from sklearn_adam._engine import CompiledEpochs, NumpyEpochs
from sklearn_adam._objective import Standardization, least_squares
from sklearn_adam._objective._problem import batch_spread
from sklearn_adam._progress import noise_dominates


def test_the_spread_is_the_root_mean_squared_distance_from_the_mean():
    rng = np.random.RandomState(0)
    batches = [[rng.randn(2, 3), rng.randn(2)] for _ in range(4)]
    sums = [sum(batch[i] for batch in batches) for i in range(2)]
    squares = sum(sum(np.sum(part**2) for part in batch) for batch in batches)
    mean = [total / 4 for total in sums]
    expected = np.sqrt(np.mean([
        sum(np.sum((part - centre) ** 2) for part, centre in zip(batch, mean))
        for batch in batches
    ]))
    # Four batches of 25 rows out of 100: each counts for a quarter.
    assert_allclose(batch_spread(sums, squares, 25, 100), expected, rtol=1e-12)
    # Identical batch gradients do not spread (up to the rounding of a
    # difference of squares, under the root).
    same = [batches[0][0] * 4, batches[0][1] * 4]
    same_squares = 4 * sum(np.sum(part**2) for part in batches[0])
    assert batch_spread(same, same_squares, 25, 100) < 1e-6 * np.sqrt(same_squares / 4)


def problem(container, n_targets):
    rng = np.random.RandomState(0)
    X = rng.randn(230, 5) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 0, 1]
    X[rng.rand(*X.shape) < 0.3] = 0.0
    y = X @ rng.randn(5, n_targets) + 0.5 * rng.randn(230, n_targets)
    weight = rng.uniform(0.2, 3, 230)
    X = container(X)
    standardization = Standardization.fit(X, y, weight, center=True, scale=True)
    return least_squares(X, y, weight, alpha=0.5, standardization=standardization)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("n_targets", [1, 2])
def test_the_compiled_epoch_reports_the_spread_of_the_numpy_epoch(container, n_targets):
    # 230 rows in batches of 50: a short last batch of 30.
    objective = problem(container, n_targets)
    solver = Adam()
    params = [np.zeros((n_targets, 5)), np.zeros(n_targets)]
    order = np.random.RandomState(1).permutation(230)
    results = []
    for driver in (NumpyEpochs(objective, solver), CompiledEpochs.for_fit(objective, solver)):
        assert driver is not None
        own = [p.copy() for p in params]
        state = copy.deepcopy(solver.init(own))
        results.append(driver.run(own, state, 0.01, 50, order))
    numpy_result, compiled_result = results
    assert numpy_result.spread > 0
    assert_allclose(compiled_result.spread, numpy_result.spread, rtol=1e-12)


def test_noise_dominates_once_the_steps_only_jitter_about_the_optimum():
    objective = problem(np.asarray, 1)
    solver = Adam()
    driver = NumpyEpochs(objective, solver)
    params = [np.zeros((1, 5)), np.zeros(1)]
    state = solver.init(params)
    rng = np.random.RandomState(0)
    # From zero, the batch gradients agree on the way down.
    first = driver.run(params, state, 0.01, 50, rng.permutation(230))
    assert not noise_dominates(first.gradient_norm, first.spread)
    state = first.state
    for _ in range(300):
        result = driver.run(params, state, 0.01, 50, rng.permutation(230))
        state = result.state
    # Near the optimum, their mean is smaller than their spread.
    assert noise_dominates(result.gradient_norm, result.spread)
