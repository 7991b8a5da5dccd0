"""Streams: partial_fit standardizes on every row seen so far, and no chunk is special."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, SGDRegressor
from sklearn.metrics import r2_score

from sklearn_adam import Adam, Adamax, AdamLinearRegressor, AMSGrad, NAdam
from sklearn_adam._objective import Standardization
from sklearn_adam._objective._standardization import measure


def issue_data(n_samples=500, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, 4))
    y = X @ [1, -2, 3, 0.5] + 5 + rng.standard_normal(n_samples)
    return X, y


def closed_form_r2(X, y):
    return r2_score(y, LinearRegression().fit(X, y).predict(X))


def stream(model, X, y, chunks, passes=3):
    for _ in range(passes):
        for rows in chunks:
            model.partial_fit(X[rows], y[rows])
    return model


def test_one_row_chunks_learn():
    # 1,500 one-row calls once left coef_ exactly zero: every chunk's
    # only row made every column look constant.
    X, y = issue_data()
    model = stream(AdamLinearRegressor(random_state=0), X, y,
                   [np.array([i]) for i in range(len(y))])
    assert r2_score(y, model.predict(X)) > closed_form_r2(X, y) - 0.01


def test_a_first_chunk_of_one_row_is_not_special():
    # Once fixed by its first row, this stream ended at an R^2 of -0.085.
    X, y = issue_data(5001)
    chunks = [np.array([0])] + np.array_split(np.arange(1, 5001), 50)
    model = stream(AdamLinearRegressor(random_state=0), X, y, chunks)
    assert r2_score(y, model.predict(X)) > closed_form_r2(X, y) - 0.01


def test_a_one_row_chunk_first_ends_where_it_does_last_as_for_sgd():
    # The intercept once kept the first row's prediction through every
    # change of coordinates, 1.6 standard deviations of y from the mean,
    # which Adam's steps of about learning_rate each had not undone after
    # 20 passes: R^2 0.951 against 0.9997 with the row's chunk last.
    # Streamed 30 times here: Adam's travel from zero takes about 200 steps
    # (11 a pass), and the average of its iterates lags by about a fifth of
    # the steps taken: after 20 passes it was at an R^2 of 0.9972, after 30
    # at 0.9998 (SGDRegressor, not averaging, is unchanged by the longer stream).
    rng = np.random.RandomState(2)
    X = rng.standard_normal((2001, 4))
    y = X @ [1, -2, 3, 0.5] + 5 + 0.05 * rng.standard_normal(2001)
    chunks = np.array_split(np.arange(1, 2001), 10)
    one_row = [np.array([0])]
    reference = closed_form_r2(X, y)
    for model in (AdamLinearRegressor(random_state=0), SGDRegressor(random_state=0)):
        first, last = (
            r2_score(y, stream(clone(model), X, y, order, passes=30).predict(X))
            for order in (one_row + chunks, chunks + one_row)
        )
        assert abs(first - last) < 1e-3, type(model).__name__
        assert first > reference - 1e-3, type(model).__name__


def test_a_feature_constant_in_the_first_chunks_is_learned():
    X, y = issue_data(5001)
    X[:1001, 2] = 0.0
    y = X @ [1, -2, 3, 0.5] + 5 + np.random.RandomState(1).standard_normal(5001)
    chunks = np.array_split(np.arange(5001), 50)
    # Five passes of 50 steps: the average of Adam's iterates lags their
    # travel from zero by about a fifth of the steps taken, and after three
    # passes its coef_[2] was still 9% short (the last iterate's 2%).
    model = stream(AdamLinearRegressor(random_state=0), X, y, chunks, passes=5)
    exact = LinearRegression().fit(X, y)
    assert r2_score(y, model.predict(X)) > r2_score(y, exact.predict(X)) - 0.01
    assert model.coef_[2] == pytest.approx(exact.coef_[2], rel=0.05)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_standardization_is_that_of_every_row_seen(container, weighted):
    X, y = issue_data(300)
    X[:, 1] = X[:, 1] * 1e3 + 7e3
    X[:40, 3] = 2.0  # constant in the first chunks only
    weight = np.random.RandomState(2).uniform(0.5, 2, 300) if weighted else np.ones(300)
    model = AdamLinearRegressor(random_state=0)
    for rows in np.array_split(np.arange(300), 7):
        model.partial_fit(container(X[rows]), y[rows], sample_weight=weight[rows])
    whole = Standardization.fit(container(X), y[:, None], weight, center=True, scale=True)
    kept = model._fit_state.standardization
    for name in ("x_center", "x_scale", "y_center", "y_scale"):
        assert_allclose(getattr(kept, name), getattr(whole, name), rtol=1e-12, atol=1e-12)


def test_moments_merged_with_equal_moments_are_unchanged_bit_for_bit():
    X, y = issue_data(100)
    x_moments, _ = measure(X, y[:, None], np.ones(100), center=True, scale=True)
    merged = x_moments.merge(x_moments)
    assert_array_equal(merged.center, x_moments.center)
    assert_array_equal(merged.variance, x_moments.variance)
    assert merged.weight_sum == 2 * x_moments.weight_sum


def test_moments_of_blocks_of_extreme_scales_merge_into_those_of_all_rows():
    # The second block needs a unit (its squares overflow), the first not.
    X, y = issue_data(200)
    X[100:, 0] *= 1e160
    parts = [measure(X[rows], y[rows, None], np.ones(100), center=True, scale=True)
             for rows in (slice(0, 100), slice(100, 200))]
    merged = [parts[0][k].merge(parts[1][k]) for k in (0, 1)]
    from_blocks = Standardization.from_moments(*merged, center=True, scale=True,
                                               dtype=np.float64)
    whole = Standardization.fit(X, y[:, None], np.ones(200), center=True, scale=True)
    assert_allclose(from_blocks.x_scale, whole.x_scale, rtol=1e-12)
    assert_allclose(from_blocks.x_center, whole.x_center, rtol=1e-12)


def standardized_gradients(standardization, params, X, y, weight):
    """Gradients of the standardized least squares, written out for the test."""
    z = np.where(np.isinf(standardization.x_scale), 0.0,
                 (X - standardization.x_center) / standardization.x_scale)
    t = (y[:, None] - standardization.y_center) / standardization.y_scale
    residual = t - z @ params[0].T - params[1]
    return [-(weight * residual.T) @ z / weight.sum(), -(weight @ residual) / weight.sum()]


def test_a_change_of_coordinates_keeps_coef_moves_the_intercept_with_the_centers():
    X, y = issue_data(200)
    X[:, 1] += 30
    X[:, 2] = 4.0  # constant in the old coordinates, varying in the new
    old = Standardization.fit(X[:50], y[:50, None], np.ones(50), center=True, scale=True)
    X[50:, 2] += np.random.RandomState(3).standard_normal(150)
    new = Standardization.fit(X, y[:, None], np.ones(200), center=True, scale=True)
    params = [np.array([[0.3, -0.7, 0.0, 0.2]]), np.array([0.1])]
    change = old.change_to(new)
    mapped = change.parameters(params)
    old_coef, old_intercept = old.to_original(*params)
    new_coef, new_intercept = new.to_original(*mapped)
    assert_allclose(new_coef, old_coef, rtol=1e-12)
    # At the center of X the model predicts the center of y plus what
    # training added to it, in the units of y, as before the change.
    at_new_center = new_intercept + new_coef @ new.x_center
    assert_allclose(at_new_center, new.y_center + old.y_scale * params[1], rtol=1e-12)
    # The moments map as the gradients of any batch of the old rows do, at
    # parameters that predict as the old ones did.
    same_predictions = [mapped[0], (old_intercept - new.y_center + old_coef @ new.x_center)
                        / new.y_scale]
    weight = np.random.RandomState(4).uniform(0, 1, 50)
    before = standardized_gradients(old, params, X[:50], y[:50], weight)
    after = standardized_gradients(new, same_predictions, X[:50], y[:50], weight)
    for expected, got in zip(after, change.gradients(before)):
        assert_allclose(got, expected, rtol=1e-10, atol=1e-14)
    # Roots of squares map to a bound, never below the true magnitude.
    bound = change.gradient_magnitudes([np.abs(g) for g in before])
    assert np.all(bound[0] >= np.abs(after[0]) * (1 - 1e-12))


@pytest.mark.parametrize("solver", [Adam(), AMSGrad(), NAdam(), Adamax()])
def test_the_rules_map_their_moments_and_keep_their_step(solver):
    X, y = issue_data(100)
    old = Standardization.fit(X[:30], y[:30, None], np.ones(30), center=True, scale=True)
    new = Standardization.fit(X, y[:, None], np.ones(100), center=True, scale=True)
    params = [np.zeros((1, 4)), np.zeros(1)]
    state = solver.init(params)
    _, state = solver.update([np.ones((1, 4)), np.ones(1)], state, 0.01, params=params)
    change = old.change_to(new)
    mapped = solver.change_coordinates(state, change)
    assert mapped.step == state.step == 1
    assert_allclose(mapped.first_moment[0],
                    change.gradients(state.first_moment)[0])
    # The state passed in is left as it was.
    assert_allclose(state.first_moment[0], 0.1 * np.ones((1, 4)))


def test_a_users_solver_restarts_when_the_coordinates_change():
    class Momentum:
        def init(self, params):
            return {"velocity": [np.zeros_like(p) for p in params], "calls": 0}

        def update(self, grads, state, learning_rate, params):
            state["calls"] += 1
            state["velocity"] = [0.9 * v - learning_rate * g
                                 for v, g in zip(state["velocity"], grads)]
            return state["velocity"], state

    X, y = issue_data(300)
    model = AdamLinearRegressor(solver=Momentum(), random_state=0, batch_size=300)
    model.partial_fit(X[:100], y[:100])
    assert model.solver_state_["calls"] == 1
    model.partial_fit(X[100:], y[100:])
    # Restarted from init by the new rows' statistics, then one step.
    assert model.solver_state_["calls"] == 1


def test_chunks_weigh_by_their_weights_whatever_their_scale():
    # Weights of 1e5 in one chunk and 1 in another: the statistics of the
    # stream are those of all rows with those weights (each chunk's weights
    # once were brought near one separately).
    X, y = issue_data(400)
    X[200:] += 5.0
    weight = np.where(np.arange(400) < 200, 1.0, 1e5)
    model = AdamLinearRegressor(random_state=0)
    model.partial_fit(X[:200], y[:200], sample_weight=weight[:200])
    model.partial_fit(X[200:], y[200:], sample_weight=weight[200:])
    whole = Standardization.fit(X, y[:, None], weight, center=True, scale=True)
    assert_allclose(model._fit_state.standardization.x_center, whole.x_center, rtol=1e-12)
    assert_allclose(model._fit_state.standardization.x_scale, whole.x_scale, rtol=1e-12)


def test_a_float64_chunk_after_float32_ones_keeps_the_models_dtype():
    X, y = issue_data(300)
    model = AdamLinearRegressor(random_state=0)
    model.partial_fit(X[:150].astype(np.float32), y[:150].astype(np.float32))
    model.partial_fit(X[150:], y[150:])
    assert model._fit_state.standardization.x_scale.dtype == np.float32
    assert model.coef_.dtype == np.float32
