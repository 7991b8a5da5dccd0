"""AdamLinearRegressor against closed-form solvers and scikit-learn tooling."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_adam import Adam, AdamLinearRegressor, LearningRateSchedule
from sklearn_adam._fit_state import FitState
from sklearn_adam._objective import Standardization, least_squares
from sklearn_adam._progress import Progress
from sklearn_adam._training import Batching, TrainingPlan, train

# Settings that run the fit to convergence, for comparisons with closed forms.
PRECISE = dict(
    tol=1e-10, max_iter=3000, n_iter_no_change=50, random_state=0, schedule="plateau"
)


def make_data(n_samples=600, n_features=5, n_targets=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * [1, 10, 0.1, 3, 1][:n_features]
    X += [0, 5, -2, 0, 1][:n_features]
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    coef = rng.randn(*shape)
    y = X @ coef + 3 + 0.5 * rng.randn(*((n_samples,) + shape[1:]))
    return X, y


def relative_error(actual, expected):
    return np.max(np.abs(actual - expected)) / np.max(np.abs(expected))


def test_defaults_match_linear_regression_on_raw_diabetes():
    X, y = load_diabetes(return_X_y=True)
    model = AdamLinearRegressor(random_state=0).fit(X, y)
    exact = LinearRegression().fit(X, y)
    assert exact.score(X, y) - model.score(X, y) < 1e-3


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_converges_to_linear_regression(container):
    X, y = make_data()
    model = AdamLinearRegressor(**PRECISE).fit(container(X), y)
    exact = LinearRegression().fit(X, y)
    assert relative_error(model.coef_, exact.coef_) < 1e-4
    assert abs(model.intercept_ - exact.intercept_) < 1e-3
    assert model.coef_.shape == (5,)
    assert isinstance(model.intercept_, float)


def test_sparse_input_is_never_densified(monkeypatch):
    X, y = make_data()
    X_sparse = sp.csr_matrix(X)

    def refuse(*args, **kwargs):
        raise AssertionError("sparse input was densified")

    monkeypatch.setattr(sp.csr_matrix, "toarray", refuse)
    monkeypatch.setattr(sp.csr_matrix, "todense", refuse)
    model = AdamLinearRegressor(random_state=0).fit(X_sparse, y)
    dense = AdamLinearRegressor(random_state=0).fit(X, y)
    assert_allclose(model.coef_, dense.coef_, rtol=1e-8)
    assert_allclose(model.predict(X_sparse), dense.predict(X), rtol=1e-8)


def test_float32_stays_float32_and_converges():
    X, y = make_data()
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    model = AdamLinearRegressor(**PRECISE).fit(X32, y32)
    assert model.coef_.dtype == np.float32
    assert model.predict(X32).dtype == np.float32
    exact = LinearRegression().fit(X, y)
    assert relative_error(model.coef_, exact.coef_) < 1e-3


def test_other_input_types_train_in_float64():
    X, y = make_data()
    model = AdamLinearRegressor(random_state=0).fit(np.round(X).astype(int), y)
    assert model.coef_.dtype == np.float64


def test_multi_output_matches_linear_regression():
    X, y = make_data(n_targets=3)
    model = AdamLinearRegressor(**PRECISE).fit(X, y)
    exact = LinearRegression().fit(X, y)
    assert model.coef_.shape == (3, 5)
    assert model.intercept_.shape == (3,)
    assert model.predict(X).shape == (600, 3)
    assert relative_error(model.coef_, exact.coef_) < 1e-4


@pytest.mark.parametrize("alpha", [0.1, 100.0, 10_000.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_alpha_has_ridge_meaning(alpha, weighted):
    X, y = make_data()
    weight = np.random.RandomState(1).uniform(0.5, 3, len(y)) if weighted else None
    model = AdamLinearRegressor(
        alpha=alpha, batch_size=None, tol=0, max_iter=3000, schedule="plateau",
        n_iter_no_change=50,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=weight)
    exact = Ridge(alpha=alpha).fit(X, y, sample_weight=weight)
    assert relative_error(model.coef_, exact.coef_) < 1e-4
    assert abs(model.intercept_ - exact.intercept_) < 1e-3


def test_alpha_without_intercept_or_standardization_matches_ridge():
    X, y = make_data(n_features=3)
    model = AdamLinearRegressor(
        alpha=50.0, fit_intercept=False, standardize=False, learning_rate=0.05, **PRECISE
    ).fit(X, y)
    exact = Ridge(alpha=50.0, fit_intercept=False).fit(X, y)
    assert relative_error(model.coef_, exact.coef_) < 1e-4
    assert model.intercept_ == 0.0


def test_integer_weights_equal_repetition():
    X, y = make_data(n_samples=80)
    weight = np.random.RandomState(3).randint(0, 4, len(y))
    repeated = AdamLinearRegressor(random_state=0).fit(
        np.repeat(X, weight, axis=0), np.repeat(y, weight)
    )
    weighted = AdamLinearRegressor(random_state=0).fit(X, y, sample_weight=weight)
    # Full batches (fewer than 200 rows): the same trajectory up to rounding.
    assert weighted.n_iter_ == repeated.n_iter_
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9)
    assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-8)
    exact = LinearRegression().fit(X, y, sample_weight=weight)
    assert relative_error(weighted.coef_, exact.coef_) < 1e-2


def test_weights_change_the_fit_like_linear_regression():
    X, y = make_data()
    weight = np.random.RandomState(2).uniform(0, 5, len(y))
    model = AdamLinearRegressor(**PRECISE).fit(X, y, sample_weight=weight)
    exact = LinearRegression().fit(X, y, sample_weight=weight)
    unweighted = LinearRegression().fit(X, y)
    assert relative_error(model.coef_, exact.coef_) < 1e-4
    assert relative_error(model.coef_, unweighted.coef_) > 1e-3


def test_same_seed_same_coefficients_bit_for_bit():
    X, y = make_data()
    first = AdamLinearRegressor(random_state=7, early_stopping=True).fit(X, y)
    second = AdamLinearRegressor(random_state=7, early_stopping=True).fit(X, y)
    other = AdamLinearRegressor(random_state=8, early_stopping=True).fit(X, y)
    assert_array_equal(first.coef_, second.coef_)
    assert first.intercept_ == second.intercept_
    assert not np.array_equal(first.coef_, other.coef_)


def test_inputs_are_not_modified():
    X, y = make_data()
    weight = np.ones(len(y))
    copies = X.copy(), y.copy(), weight.copy()
    model = AdamLinearRegressor(early_stopping=True, random_state=0)
    model.fit(X, y, sample_weight=weight)
    model.partial_fit(X, y, sample_weight=weight)
    model.predict(X)
    for original, copy in zip((X, y, weight), copies):
        assert_array_equal(original, copy)


def test_fit_reads_read_only_inputs():
    X, y = make_data()
    X.setflags(write=False)
    y.setflags(write=False)
    AdamLinearRegressor(random_state=0).fit(X, y).predict(X)


def test_mini_batch_loop_does_not_copy_contiguous_batches():
    # Without shuffling, batches are slices of X: a view, not a copy.
    X, y = make_data()
    model = AdamLinearRegressor(shuffle=False, random_state=0).fit(X, y)
    assert model.n_iter_ > 0


def test_attributes_after_fit():
    X, y = make_data()
    model = AdamLinearRegressor(random_state=0, batch_size=100, batch_growth=1.0).fit(X, y)
    assert model.n_features_in_ == 5
    assert len(model.loss_curve_) == model.n_iter_
    assert len(model.learning_rate_curve_) == model.n_iter_
    assert model.batch_size_curve_ == [100] * model.n_iter_
    assert model.n_steps_ == model.n_iter_ * 6  # 600 rows in batches of 100
    assert model.t_ == model.n_iter_ * 600  # samples seen, as in MLPRegressor
    assert model.solver_state_.step == model.n_steps_
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.validation_scores_ is None
    assert model.validation_loss_curve_ is None
    assert model.best_validation_score_ is None
    assert len(model.gradient_norm_curve_) == model.n_iter_


def test_full_batch_gradient_norm_is_that_of_the_standardized_objective():
    # The second epoch's record is the exact gradient at the coefficients
    # the first epoch left, derived here from the closed-form expression:
    # with Z, u the weighted-standardized features and target, w, b the
    # standardized coefficients and r = u - Z w - b, the objective is
    # [sum s r^2 / 2 + alpha sum (w / x_scale)^2 / 2] / S.
    X, y = make_data()
    weight = np.random.RandomState(0).uniform(0.5, 2, len(y))
    alpha = 30.0
    model = AdamLinearRegressor(batch_size=None, max_iter=1, alpha=alpha, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=weight)
        coef, intercept = model.coef_.copy(), model.intercept_
        model.fit(X, y, sample_weight=weight)
    total = weight.sum()
    mean, y_mean = weight @ X / total, weight @ y / total
    scale = np.sqrt(weight @ (X - mean) ** 2 / total)
    y_scale = np.sqrt(weight @ (y - y_mean) ** 2 / total)
    Z, u = (X - mean) / scale, (y - y_mean) / y_scale
    w = coef * scale / y_scale
    b = (intercept - y_mean + mean @ coef) / y_scale
    r = u - Z @ w - b
    gradient = np.r_[(-Z.T @ (weight * r) + alpha * w / scale**2) / total, -weight @ r / total]
    assert_allclose(model.gradient_norm_curve_[1], np.linalg.norm(gradient), rtol=1e-8)


def test_pandas_feature_names_are_kept():
    pd = pytest.importorskip("pandas")
    X, y = make_data()
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    model = AdamLinearRegressor(random_state=0).fit(frame, pd.Series(y))
    assert list(model.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        assert_allclose(model.predict(frame), model.predict(X))


def test_early_stopping_records_scores_and_keeps_best():
    X, y = make_data()
    model = AdamLinearRegressor(early_stopping=True, random_state=0).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    # The kept epoch is the one that predicted the held-out rows best, before
    # the weakest coefficient is fully fitted: it predicts the training rows
    # about as well as the closed form.
    exact = LinearRegression().fit(X, y)
    assert model.score(X, y) > exact.score(X, y) - 1e-3
    assert relative_error(model.coef_, exact.coef_) < 0.1


def test_training_loop_keeps_the_best_epoch():
    # A validation score that peaks at the third epoch: the parameters of
    # that epoch must be the ones kept, the last ones stay for resuming.
    X, y = make_data()
    objective = least_squares(
        X, y.reshape(-1, 1), np.ones(len(y)), alpha=0.0,
        standardization=Standardization.fit(X, y.reshape(-1, 1), np.ones(len(y)),
                                            center=True, scale=True),
        rows=None,
    )
    scores = iter([0.1, 0.2, 0.9, 0.5, 0.4, 0.3, 0.2, 0.1])
    seen = []

    def validation(params):
        seen.append([p.copy() for p in params])
        return 0.0, next(scores)

    params = [np.zeros((1, 5)), np.zeros(1)]
    solver = Adam()
    progress = Progress(tol=0.0, target=0.0, patience=3)
    progress.watch(validation=True, full_batch=False)
    state = FitState((True, True), objective.standardization, params, np.random.RandomState(0),
                     y_ndim=1, solver_state=solver.init(params), progress=progress)
    history = train(state, TrainingPlan(
        objective, solver, LearningRateSchedule("constant", 0.01), Batching(600, 600, 1.0),
        max_iter=8, shuffle=False, validation=validation,
    ))
    assert history.converged
    assert len(seen) == 6  # stopped after three epochs without progress
    for kept, best in zip(progress.best_params, seen[2]):
        assert_array_equal(kept, best)
    for last, final in zip(params, seen[-1]):
        assert_array_equal(last, final)
    assert progress.monitor.best == 0.9


def test_partial_fit_equals_fit_epoch_by_epoch():
    X, y = make_data()
    settings = dict(shuffle=False, schedule="constant", batch_growth=1.0, batch_size=64)
    fitted = AdamLinearRegressor(max_iter=5, tol=0, n_iter_no_change=100, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(X, y)
    streamed = AdamLinearRegressor(**settings)
    for _ in range(5):
        streamed.partial_fit(X, y)
    assert_array_equal(streamed.coef_, fitted.coef_)
    assert streamed.n_iter_ == fitted.n_iter_ == 5
    assert streamed.n_steps_ == fitted.n_steps_ == 50
    assert streamed.t_ == fitted.t_ == 5 * len(y)
    assert_allclose(streamed.loss_curve_, fitted.loss_curve_)


def test_partial_fit_streams_chunks_towards_the_solution():
    X, y = make_data(n_samples=3000)
    model = AdamLinearRegressor(random_state=0)
    for _ in range(20):
        for chunk in np.array_split(np.arange(3000), 10):
            model.partial_fit(X[chunk], y[chunk])
    exact = LinearRegression().fit(X, y)
    # A constant rate leaves mini-batch noise; the fit is close in R^2.
    assert exact.score(X, y) - model.score(X, y) < 1e-3
    assert model.n_iter_ == 200


def test_warm_start_continues_from_previous_fit():
    X, y = make_data()
    settings = dict(max_iter=3, random_state=0, schedule="constant", batch_growth=1.0)
    model = AdamLinearRegressor(warm_start=True, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        steps, loss = model.n_steps_, model.loss_curve_[-1]
        model.fit(X, y)
    assert model.n_iter_ == 6
    assert model.n_steps_ == 2 * steps and model.t_ == 6 * len(y)
    assert model.solver_state_.step == 2 * steps
    assert model.loss_curve_[3] < loss
    cold = AdamLinearRegressor(warm_start=False, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold.fit(X, y)
        cold.fit(X, y)
    assert cold.n_iter_ == 3


def test_partial_fit_reshuffles_each_call_reproducibly():
    X, y = make_data()

    def stream(seed):
        model = AdamLinearRegressor(random_state=seed, batch_size=32)
        for _ in range(3):
            model.partial_fit(X, y)
        return model.coef_

    assert_array_equal(stream(0), stream(0))
    fixed_order = AdamLinearRegressor(batch_size=32, shuffle=False)
    for _ in range(3):
        fixed_order.partial_fit(X, y)
    assert not np.array_equal(stream(0), fixed_order.coef_)


def test_warm_start_can_switch_early_stopping_on():
    X, y = make_data()
    model = AdamLinearRegressor(warm_start=True, random_state=0).fit(X, y)
    model.set_params(early_stopping=True).fit(X, y)
    assert model.best_validation_score_ == max(model.validation_scores_)


@pytest.mark.parametrize("offset", [0.0, 123456789.123])
def test_constant_column_gets_zero_coefficient(offset):
    X, y = load_diabetes(return_X_y=True)
    X = np.c_[X, np.full(len(y), offset)]
    model = AdamLinearRegressor(random_state=0).fit(X, y)
    # The constant column only duplicates the intercept: compare with the fit
    # without it (LinearRegression itself loses digits on the large offset).
    exact = LinearRegression().fit(X[:, :-1], y)
    assert model.coef_[-1] == 0.0
    assert abs(model.intercept_ - exact.intercept_) < 1.0
    assert exact.score(X[:, :-1], y) - model.score(X, y) < 1e-3


@pytest.mark.parametrize("solver", ["adam", "amsgrad", "adamw", "nadam", "adamax"])
def test_zero_epsilon_trains_past_a_constant_column(solver):
    # The constant column's gradients are all zero, so epsilon=0 leaves its
    # step 0 / 0; the rules take no step there instead of diverging.
    X, y = load_diabetes(return_X_y=True)
    X = np.c_[X, np.full(len(y), 2.0)]
    model = AdamLinearRegressor(epsilon=0.0, solver=solver, random_state=0).fit(X, y)
    assert model.coef_[-1] == 0.0
    assert LinearRegression().fit(X, y).score(X, y) - model.score(X, y) < 1e-3


def test_float32_column_with_large_mean_keeps_its_scale():
    rng = np.random.RandomState(0)
    X = np.c_[3000 + rng.randn(500), rng.randn(500)].astype(np.float32)
    y = (X[:, 0] - 3000) * 2 + X[:, 1]
    model = AdamLinearRegressor(random_state=0).fit(X, y)
    assert_allclose(model._fit_state.standardization.x_scale[0], 1.0, rtol=0.1)
    assert_allclose(model.coef_, [2.0, 1.0], rtol=1e-2)


def test_convergence_warning_at_max_iter():
    X, y = make_data()
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        AdamLinearRegressor(max_iter=2).fit(X, y)


def test_verbose_prints_the_first_and_last_epochs_at_a_human_pace(capsys):
    X, y = make_data()
    model = AdamLinearRegressor(verbose=True, early_stopping=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    # Over a thousand epochs in a fraction of a second: a handful of lines.
    assert model.n_iter_ > 1000 and len(lines) < 50
    assert lines[0].startswith(f"Epoch 1, loss={model.loss_curve_[0]:.6g}, ")
    last = lines[-1]
    assert last.startswith(f"Epoch {model.n_iter_}, loss={model.loss_curve_[-1]:.6g}, ")
    assert last.endswith("; stalled with no batch growth or rate reduction left: training stops")
    for name, value in [
        ("validation loss", model.validation_loss_curve_[-1]),
        ("validation score", model.validation_scores_[-1]),
        ("learning_rate", model.learning_rate_curve_[-1]),
        ("gradient norm", model.gradient_norm_curve_[-1]),
    ]:
        precision = ".3g" if name in ("learning_rate", "gradient norm") else ".6g"
        assert f"{name}={value:{precision}}" in last
    assert "batch_size=" in last and "elapsed=" in last


class PlainGradientDescent:
    """A user-written solver following the documented protocol."""

    def __init__(self):
        self.calls = 0

    def init(self, params):
        return {"steps": 0}

    def update(self, grads, state, learning_rate):
        self.calls += 1
        return [-learning_rate * g for g in grads], {"steps": state["steps"] + 1}


def test_custom_solver_is_used_and_left_untouched():
    X, y = make_data()
    solver = PlainGradientDescent()
    model = AdamLinearRegressor(
        solver=solver, learning_rate=0.5, batch_size=None, **PRECISE
    ).fit(X, y)
    assert solver.calls == 0
    assert model.solver_.calls == model.n_steps_
    assert model.solver_state_ == {"steps": model.n_steps_}
    exact = LinearRegression().fit(X, y)
    assert relative_error(model.coef_, exact.coef_) < 1e-4


class DecayingGradientDescent:
    """A solver written to the protocol of version 0.2: update receives params."""

    def __init__(self, decay):
        self.decay = decay
        self.seen = []

    def init(self, params):
        return None

    def update(self, grads, state, learning_rate, params):
        self.seen.append([None if p is None else p.copy() for p in params])
        updates = [-learning_rate * g for g in grads]
        updates[0] -= learning_rate * self.decay * params[0]
        return updates, state


class KeywordDecayingGradientDescent(DecayingGradientDescent):
    """The same rule with ``params`` keyword-only, as version 0.1 allowed."""

    def update(self, grads, state, learning_rate, *, params=None):
        return super().update(grads, state, learning_rate, params)


@pytest.mark.parametrize("rule", [DecayingGradientDescent, KeywordDecayingGradientDescent])
def test_protocol_solver_receives_the_current_coefficients_and_no_intercept(rule):
    from sklearn_adam import Solver

    X, y = make_data()
    solver = rule(decay=0.1)
    assert isinstance(solver, Solver) and isinstance(PlainGradientDescent(), Solver)
    model = AdamLinearRegressor(
        solver=solver, learning_rate=0.5, batch_size=None, max_iter=5, tol=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    seen = model.solver_.seen
    assert len(seen) == model.n_steps_ == 5
    assert all(params[1] is None for params in seen)
    # Each step sees the coefficients the previous step left: zeros first.
    assert np.all(seen[0][0] == 0) and not np.all(seen[-1][0] == 0)
    undecayed = AdamLinearRegressor(
        solver=rule(decay=0.0), learning_rate=0.5, batch_size=None,
        max_iter=5, tol=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        undecayed.fit(X, y)
    # The decay the solver applied through params shrank the coefficients.
    assert np.linalg.norm(seen[-1][0]) < np.linalg.norm(undecayed.solver_.seen[-1][0])


def test_pipeline_grid_search_and_cross_validation():
    X, y = load_diabetes(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(), AdamLinearRegressor(random_state=0))
    grid = GridSearchCV(
        pipeline,
        {
            "adamlinearregressor__beta_1": [0.8, 0.9],
            "adamlinearregressor__beta_2": [0.99, 0.999],
            "adamlinearregressor__learning_rate": [0.001, 0.01],
        },
        cv=3,
    ).fit(X, y)
    assert grid.best_score_ > 0.4
    scores = cross_val_score(AdamLinearRegressor(random_state=0), X, y, cv=3)
    assert scores.mean() > 0.4


def test_clone_and_pickle_round_trip():
    X, y = make_data()
    model = AdamLinearRegressor(random_state=0, early_stopping=True).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X), model.predict(X))
    restored.partial_fit(X, y)
    unfitted = clone(model)
    assert not hasattr(unfitted, "coef_")
    assert unfitted.get_params() == model.get_params()


def test_raw_adam_without_standardization_is_available():
    X, y = load_diabetes(return_X_y=True)
    model = AdamLinearRegressor(standardize=False, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # The first step of raw Adam moves every parameter by learning_rate, so
    # five epochs of three steps cannot get far from zero on these units.
    assert np.max(np.abs(model.coef_)) <= 15 * 0.01 + 1e-12
    assert model.score(X, y) < 0.1


def test_shuffled_batches_keep_their_rows_and_change_their_order():
    from sklearn_adam._training import _visiting_order

    rng = np.random.RandomState(0)
    first, second = (_visiting_order(rng, 23, 5, "batches") for _ in range(2))
    for order in (first, second):
        assert sorted(order) == list(range(23))
        blocks = [tuple(order[i : i + 5]) for i in range(0, 20, 5)]
        assert sorted(blocks) == [tuple(range(s, s + 5)) for s in range(0, 20, 5)]
        assert list(order[20:]) == [20, 21, 22]  # the short batch stays last
    assert not np.array_equal(first, second)
    X, y = make_data()
    model = AdamLinearRegressor(shuffle="batches", **PRECISE).fit(X, y)
    exact = LinearRegression().fit(X, y)
    assert relative_error(model.coef_, exact.coef_) < 1e-4


def test_verbose_says_what_each_stall_did_and_why_training_ended(capsys):
    rng = np.random.RandomState(0)
    X = rng.randn(500, 3)
    y = X @ [1.0, 2.0, 3.0] + rng.randn(500)

    def events(**params):
        model = AdamLinearRegressor(verbose=1, random_state=0, n_iter_no_change=3, **params)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y)
        lines = capsys.readouterr().out.strip().splitlines()
        assert len(lines) < 50 < model.n_iter_
        assert lines[0].startswith("Epoch 1, ")
        assert lines[-1].startswith(f"Epoch {model.n_iter_}, ")
        said = [line.split("; ", 1)[1] for line in lines if "; " in line]
        assert lines[-1].endswith(said[-1])
        return said, caught

    said, caught = events(batch_size=100)
    # From the average of the mini-batch steps, full-batch Adam settles
    # after one lower rate.
    assert said == [
        "stalled: batch_size grows to 200",
        "stalled: batch_size grows to 400",
        "stalled: batch_size grows to 500",
        "stalled: learning_rate falls to 0.001",
        "converged: the gradient norm is within tol",
    ]
    assert not caught
    # tol=0 asks for rounding's floor: Adam's steps burst before they get there.
    said, caught = events(batch_size=None, tol=0)
    assert "stalled: learning_rate falls to 0.001" in said
    assert said[-1] == "converged: the gradient norm is within tol" and not caught
    said, caught = events(batch_size=None, tol=0, schedule="constant")
    assert said == ["stalled with no batch growth or rate reduction left: training stops"]
    assert "stopped making progress" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AdamLinearRegressor(verbose=True, max_iter=2).fit(X, y)
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("; max_iter=2 reached")


@pytest.mark.parametrize("params", [{}, {"batch_size": 64}, {"solver": "nadam"}])
def test_verbose_output_is_a_few_lines_and_changes_nothing_learned(capsys, params):
    X, y = load_diabetes(return_X_y=True)
    quiet = AdamLinearRegressor(random_state=0, **params).fit(X, y)
    capsys.readouterr()
    loud = AdamLinearRegressor(verbose=1, random_state=0, **params).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert loud.n_iter_ == quiet.n_iter_ > 1000
    assert len(lines) < 50
    assert lines[0].startswith("Epoch 1, ")
    assert lines[-1].startswith(f"Epoch {loud.n_iter_}, ")
    assert lines[-1].endswith("; converged: the gradient norm is within tol")
    assert_array_equal(loud.coef_, quiet.coef_)
    assert loud.intercept_ == quiet.intercept_
    assert loud.loss_curve_ == quiet.loss_curve_


def test_verbose_prints_a_line_every_half_second_of_a_slow_fit(capsys):
    import time

    class SlowGradientDescent:
        def init(self, params):
            return None

        def update(self, grads, state, learning_rate, params):
            time.sleep(0.02)
            return [-learning_rate * g for g in grads], state

    X, y = make_data()
    model = AdamLinearRegressor(solver=SlowGradientDescent(), max_iter=60, verbose=1)
    start = time.perf_counter()
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    elapsed = time.perf_counter() - start
    lines = capsys.readouterr().out.strip().splitlines()
    epochs = [int(line.split(",")[0].removeprefix("Epoch ")) for line in lines]
    # The first epoch, one at least every half second, and the last.
    assert epochs[0] == 1 and epochs[-1] == 60 and epochs == sorted(set(epochs))
    assert 3 <= len(lines) <= 3 + elapsed / 0.5
    assert lines[-1].endswith("; max_iter=60 reached")


def test_a_convergence_warning_says_how_far_the_fit_fell_short_and_what_to_do():
    X, y = make_data()
    with pytest.warns(ConvergenceWarning, match=r"reached max_iter=3 epochs with a gradient "
                                                r"norm of .*, short of tol=1e-10; increase"):
        AdamLinearRegressor(max_iter=3).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"stopped making progress .* lower "
                                                r"learning_rate, raise n_iter_no_change"):
        AdamLinearRegressor(schedule="constant", tol=0, n_iter_no_change=1).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"reached max_iter=3 epochs before the "
                                                r"validation score stopped improving"):
        AdamLinearRegressor(early_stopping=True, max_iter=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        AdamLinearRegressor().fit(X, y)
