"""Iterate averaging (``average=True``): its formula, where it applies, and how it resumes.

The averaged iterate is the polynomial-decay average of the iterates of
stochastic steps (:mod:`sklearn_adam._averaging`). Its compiled twin is held
to the numpy update in ``tests/test_compiled.py``.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

import sklearn_adam._kernels as kernels
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._averaging import AVERAGING_POWER, AveragedIterate, continue_from_average
from sklearn_adam._fit import _measure, _standardizing

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def make_data(n_samples=600, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 4) * [1, 10, 0.1, 3] + [0, 5, -2, 0]
    y = X @ rng.randn(4) + 3 + 0.5 * rng.randn(n_samples)
    return X, y


def test_the_average_is_the_mean_of_the_iterates_weighted_by_rising_products():
    # Unrolled, the update (p + 1) / (k + p) weighs the k-th of K iterates by
    # k (k + 1) ... (k + p - 1), normalized: for p = 3, k (k + 1) (k + 2).
    assert AVERAGING_POWER == 3
    rng = np.random.RandomState(0)
    iterates = [[rng.randn(2, 3), rng.randn(2)] for _ in range(60)]
    average = AveragedIterate.starting_at([np.full((2, 3), np.nan), np.full(2, np.nan)])
    for k, params in enumerate(iterates, start=1):
        average.add(params)
        weights = np.array([j * (j + 1) * (j + 2) for j in range(1, k + 1)], dtype=float)
        weights /= weights.sum()
        for mean, part in zip(average.params, zip(*iterates[:k])):
            assert_allclose(mean, np.tensordot(weights, np.stack(part), axes=1), rtol=1e-12,
                            atol=1e-14)
    assert average.n_averaged == 60


def fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return AdamLinearRegressor(random_state=0, **params).fit(X, y)


def test_mini_batch_coefficients_are_the_average_and_training_goes_on_from_the_last_step():
    X, y = make_data()
    model = fit(X, y, batch_size=32, max_iter=3)
    state = model._fit_state
    # 19 batches of 32 rows (the last short) in each of three epochs.
    assert state.average.n_averaged == model.n_steps_ == 3 * 19
    expected = state.fitted_attributes(state.average.params)
    assert_array_equal(model.coef_, expected["coef_"])
    assert not np.array_equal(state.params[0], state.average.params[0])
    raw = fit(X, y, batch_size=32, max_iter=3, average=False)
    # The same steps: only what the model stands for differs.
    assert_array_equal(raw._fit_state.params[0], state.params[0])
    assert raw._fit_state.average is None
    assert_array_equal(raw.coef_, state.fitted_attributes(state.params)["coef_"])


def test_full_batch_steps_of_fit_are_not_averaged():
    X, y = make_data()
    model = fit(X, y, batch_size="full", max_iter=50)
    assert model._fit_state.average is None
    assert_array_equal(model.coef_, fit(X, y, batch_size="full", max_iter=50,
                                        average=False).coef_)


def test_every_step_of_partial_fit_is_averaged_even_a_chunk_of_one_batch():
    X, y = make_data()
    model = AdamLinearRegressor(random_state=0)
    for start in range(0, 600, 100):  # 100 rows: one batch of its own rows
        model.partial_fit(X[start:start + 100], y[start:start + 100])
    assert model._fit_state.average.n_averaged == model.n_steps_ == 6


def test_a_batch_grown_to_every_row_continues_from_the_average_and_stops_averaging():
    X, y = make_data()
    # At the first stall the batch of 300 rows grows to all 600.
    settings = dict(batch_size=300, n_iter_no_change=1, max_iter=200)
    grown = fit(X, y, **settings).batch_size_curve_.index(600)
    assert grown > 0
    switched = fit(X, y, **settings | {"max_iter": grown})
    # The same epochs, whose stall lowers the rate instead: nothing switches.
    kept = fit(X, y, **settings | {"max_iter": grown, "batch_growth": 1.0})
    assert switched._fit_state.average is None
    assert kept._fit_state.average.n_averaged == 2 * grown
    for param, mean in zip(switched._fit_state.params, kept._fit_state.average.params):
        assert_array_equal(param, mean)
    assert_array_equal(switched.coef_, kept.coef_)
    # Full-batch epochs from there on are not averaged.
    assert fit(X, y, **settings)._fit_state.average is None


def test_continuing_from_the_average_takes_its_values_in_place():
    class State:
        params = [np.zeros((1, 2)), np.zeros(1)]
        average = AveragedIterate([np.ones((1, 2)), np.full(1, 2.0)], n_averaged=4)

    state = State()
    params = state.params
    continue_from_average(state)
    assert state.average is None and state.params is params
    assert_array_equal(params[0], [[1.0, 1.0]]) and assert_array_equal(params[1], [2.0])


def assert_same_fit(first, second):
    for name in ("coef_", "intercept_", "loss_curve_"):
        assert_array_equal(getattr(first, name), getattr(second, name), err_msg=name)
    for a, b in zip(first._fit_state.params, second._fit_state.params, strict=True):
        assert_array_equal(a, b)
    averages = first._fit_state.average, second._fit_state.average
    assert averages[0].n_averaged == averages[1].n_averaged > 0
    for a, b in zip(averages[0].params, averages[1].params, strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("solver", ["adam", "nadam"])
def test_warm_starts_and_pickles_resume_the_average_bit_for_bit(solver):
    X, y = make_data()
    once = fit(X, y, batch_size=50, max_iter=6, solver=solver)
    twice = fit(X, y, batch_size=50, max_iter=3, solver=solver, warm_start=True)
    twice = pickle.loads(pickle.dumps(twice))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        twice.fit(X, y)
    assert_same_fit(once, twice)


def test_partial_fit_resumes_the_average_bit_for_bit_across_pickles():
    X, y = make_data()
    X[300:] = X[300:] * 3 + 1  # later chunks change the standardization
    chunks = [slice(start, start + 120) for start in range(0, 600, 120)]
    straight, pickled = AdamLinearRegressor(random_state=0), AdamLinearRegressor(random_state=0)
    for rows in chunks:
        straight.partial_fit(X[rows], y[rows])
        pickled = pickle.loads(pickle.dumps(pickled.partial_fit(X[rows], y[rows])))
    assert_same_fit(straight, pickled)


def test_a_new_standardization_maps_the_average_as_it_maps_the_parameters():
    X, y = make_data()
    model = AdamLinearRegressor(random_state=0).partial_fit(X[:100], y[:100])
    state = model._fit_state.resumed(model.solver_, 1)
    state.average = AveragedIterate([p.copy() for p in state.params], n_averaged=7)
    standardization = state.standardization
    rows = slice(100, 400)
    state.add_rows(_measure(model, _Data(X[rows] * 5 - 2, y[rows] + 10), np.ones(300)),
                   _standardizing(model), model.solver_)
    assert state.standardization is not standardization
    assert state.average.n_averaged == 7
    for mean, param in zip(state.average.params, state.params, strict=True):
        assert_array_equal(mean, param)


class _Data:
    """What _measure reads of validated data: in-memory X and 2-d y."""

    namespace = None

    def __init__(self, X, y):
        self.X, self.y = X, y[:, None]


# Streams -----------------------------------------------------------------
# 20,000 rows and 5 features, R^2 0.2: Adam's travel from zero to the
# standardized optimum (about |coefficient| / learning_rate steps) is a small
# share of one pass's steps for any chunking of 50 rows or more. Shorter
# streams are ruled by that travel, not by the noise, and no average of
# their iterates is near the optimum after one pass.
N_SAMPLES, N_FEATURES = 20_000, 5
# The excess training MSE over the optimum's, relative to it, in units of
# the statistical limit p / n, within which a stream ends. Over the chunkings
# tried, one pass ended within 2.4 p/n and three within 0.4 p/n, where the
# last iterate's excess was 1.5 to 18 p/n.
ONE_PASS_LIMIT, THREE_PASSES_LIMIT = 5.0, 1.5


def stream_problem():
    rng = np.random.RandomState(0)
    scales = rng.uniform(0.5, 3, N_FEATURES)
    X = rng.randn(N_SAMPLES, N_FEATURES) * scales + rng.randn(N_FEATURES)
    signal = X @ (rng.uniform(-1, 1, N_FEATURES) / scales)
    signal = 0.5 * (signal - signal.mean()) / signal.std()
    return X, signal + 2 + rng.randn(N_SAMPLES)


STREAM_X, STREAM_Y = stream_problem()


def excess(model, X, y, weight, optimum):
    mse = np.average((model.predict(X) - y) ** 2, weights=weight)
    return (mse / optimum - 1) / (N_FEATURES / N_SAMPLES)


@pytest.mark.parametrize("path", ["compiled", "numpy"])
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(50, N_SAMPLES), min_size=1, max_size=40),
       weighted=st.booleans(), sparse=st.booleans())
def test_any_chunking_of_a_stream_ends_near_the_statistical_limit(path, sizes, weighted,
                                                                   sparse):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(kernels, "ENABLED", path == "compiled")
        stream_near_the_limit(sizes, weighted, sparse)


def stream_near_the_limit(sizes, weighted, sparse):
    X, y = STREAM_X, STREAM_Y
    weight = np.random.RandomState(1).uniform(0.2, 3, N_SAMPLES) if weighted else np.ones(
        N_SAMPLES)
    bounds = np.minimum(np.cumsum([0, *sizes]), N_SAMPLES)
    bounds = np.unique(np.append(bounds, N_SAMPLES))
    design = np.column_stack([X, np.ones(N_SAMPLES)]) * np.sqrt(weight)[:, None]
    solution = np.linalg.lstsq(design, y * np.sqrt(weight), rcond=None)[0]
    optimum = np.average((design / np.sqrt(weight)[:, None] @ solution - y) ** 2,
                         weights=weight)
    averaged = AdamLinearRegressor(random_state=0)
    last = AdamLinearRegressor(random_state=0, average=False)
    chunks = sp.csr_matrix(X) if sparse else X
    for passes in (1, 2, 3):
        for start, stop in zip(bounds[:-1], bounds[1:]):
            for model in (averaged, last):
                model.partial_fit(chunks[start:stop], y[start:stop],
                                  sample_weight=weight[start:stop])
        if passes == 2:
            continue
        limit = ONE_PASS_LIMIT if passes == 1 else THREE_PASSES_LIMIT
        nearer = excess(averaged, X, y, weight, optimum)
        assert nearer < limit, (passes, nearer)
    # After one pass the last iterate may happen to be as near; after three,
    # the average is nearer than the noise of the last iterate lets it be.
    assert nearer < excess(last, X, y, weight, optimum)
