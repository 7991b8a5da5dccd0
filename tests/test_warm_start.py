"""Warm starts and partial_fit continue training exactly where it stopped."""

import dataclasses
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from sklearn_adam import AdamLinearRegressor, AdamState, AMSGradState


def make_data(n_samples=500, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 6) * [1, 5, 0.2, 1, 3, 1] + [0, 2, 0, -1, 0, 4]
    y = X @ rng.randn(6) + 0.3 * rng.randn(n_samples)
    return X, y


def fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def assert_same_state(a, b):
    for field in dataclasses.fields(a):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if isinstance(left, list):
            for x, y in zip(left, right, strict=True):
                assert_array_equal(x, y)
        else:
            assert left == right


def assert_same_fit(a, b):
    assert_array_equal(a.coef_, b.coef_)
    assert a.intercept_ == b.intercept_
    assert_same_state(a.solver_state_, b.solver_state_)
    for name in ("n_iter_", "t_", "n_steps_", "loss_curve_", "gradient_norm_curve_",
                 "learning_rate_curve_", "batch_size_curve_", "validation_scores_",
                 "validation_loss_curve_", "validation_epochs_",
                 "best_validation_score_"):
        assert getattr(a, name) == getattr(b, name), name


# Each configuration makes something happen within 2 * K epochs that a
# restart would get wrong: batch growth, rate reductions, a schedule's
# position, a validation split, a solver's extra state.
K = 12
CONFIGURATIONS = {
    "default": {},
    "batch growth": dict(batch_size=50, n_iter_no_change=1, learning_rate=1.0),
    # A rate too large to settle: the full-batch steps burst and stall.
    "plateau reductions": dict(
        batch_size=None, n_iter_no_change=1, learning_rate=3.0, decay_factor=0.5
    ),
    "cosine with warm-up": dict(schedule="cosine", decay_epochs=10, warmup_epochs=4),
    "step decay": dict(schedule="step", decay_epochs=5, decay_factor=0.3),
    "inverse time": dict(schedule="inverse_time", decay_epochs=2),
    "early stopping": dict(early_stopping=True, n_iter_no_change=100),
    "early stopping, plateau": dict(
        early_stopping=True, schedule="plateau", tol=0.5, n_iter_no_change=2
    ),
    "amsgrad": dict(solver="amsgrad"),
    "adamw": dict(solver="adamw", weight_decay=0.5),
    "nadam": dict(solver="nadam"),
    "adamax": dict(solver="adamax"),
    "raw epsilon": dict(epsilon_placement="raw", epsilon=1e-3),
}


@pytest.mark.parametrize("settings", CONFIGURATIONS.values(), ids=CONFIGURATIONS)
def test_two_warm_fits_of_k_epochs_equal_one_of_2k(settings):
    X, y = make_data()
    settings = dict(random_state=0, tol=0, n_iter_no_change=1000) | settings
    one = fit_quietly(AdamLinearRegressor(max_iter=2 * K, **settings), X, y)
    two = AdamLinearRegressor(max_iter=K, warm_start=True, **settings)
    fit_quietly(two, X, y)
    fit_quietly(two, X, y)
    assert one.n_iter_ > K  # the second warm fit had something to do
    assert_same_fit(one, two)


def test_something_happens_in_the_configurations():
    # Guards the test above: growth and reductions do occur within 2 K epochs.
    X, y = make_data()

    def progress(name):
        settings = dict(random_state=0, tol=0) | CONFIGURATIONS[name]
        model = fit_quietly(AdamLinearRegressor(max_iter=2 * K, **settings), X, y)
        return model._fit_state.progress

    assert progress("batch growth").n_growths == 4  # 50 -> 100 -> 200 -> 400 -> 500
    assert progress("plateau reductions").n_reductions >= 1


def test_warm_fits_scored_every_few_epochs_stop_where_one_long_fit_stops():
    # Full-batch steps through the normal equations are scored every second
    # epoch here (patience 40); warm fits of 7 epochs cut across that
    # rhythm, and a score stands for the epochs since the last, whichever
    # call ran them. No rise counts (validation_tol=1): the fit stops 40
    # epochs after its first score.
    X, y = make_data()
    settings = dict(random_state=0, early_stopping=True, validation_tol=1.0,
                    n_iter_no_change=4)
    one = fit_quietly(AdamLinearRegressor(max_iter=100, **settings), X, y)
    assert one.validation_epochs_[:3] == [1, 2, 4] and one.n_iter_ < 100
    warm = AdamLinearRegressor(max_iter=7, warm_start=True, **settings)
    for _ in range(one.n_iter_ // 7 + 1):
        fit_quietly(warm, X, y)
        if warm.n_iter_ >= one.n_iter_:
            break
    assert_same_fit(one, warm)


def test_warm_fits_after_the_batch_grew_keep_early_stoppings_patience():
    # Batches of 64 grow to every row within the first warm fit; the score's
    # patience stays that of the start (n_iter_no_change epochs), as in the
    # one long fit.
    X, y = make_regression(3000, 20, noise=1.0, random_state=0)
    settings = dict(random_state=0, early_stopping=True, batch_size=64)
    one = fit_quietly(AdamLinearRegressor(max_iter=2000, **settings), X, y)
    warm = AdamLinearRegressor(max_iter=4, warm_start=True, **settings)
    fit_quietly(warm, X, y)
    assert warm._fit_state.progress.n_growths > 0
    fit_quietly(warm.set_params(max_iter=2000), X, y)
    assert one.n_iter_ < 2000
    assert_same_fit(one, warm)


def test_warm_fit_with_given_validation_set_equals_one_long_fit():
    X, y = make_data(seed=1)
    X_val, y_val = make_data(n_samples=100, seed=2)
    settings = dict(random_state=0, early_stopping=True, tol=0, n_iter_no_change=1000)
    one = fit_quietly(AdamLinearRegressor(max_iter=2 * K, **settings), X, y,
                      X_val=X_val, y_val=y_val)
    two = AdamLinearRegressor(max_iter=K, warm_start=True, **settings)
    fit_quietly(two, X, y, X_val=X_val, y_val=y_val)
    fit_quietly(two, X, y, X_val=X_val, y_val=y_val)
    assert_same_fit(one, two)


def test_partial_fit_calls_equal_fit_epochs_under_a_schedule():
    X, y = make_data()
    settings = dict(
        random_state=0, schedule="step", decay_epochs=2, decay_factor=0.5, warmup_epochs=1,
        batch_size=64, batch_growth=1.0,
    )
    fitted = fit_quietly(
        AdamLinearRegressor(max_iter=6, tol=0, n_iter_no_change=100, **settings), X, y
    )
    streamed = AdamLinearRegressor(**settings)
    for _ in range(6):
        streamed.partial_fit(X, y)
    assert_array_equal(streamed.coef_, fitted.coef_)
    assert streamed.learning_rate_curve_ == fitted.learning_rate_curve_
    assert streamed.learning_rate_curve_ == [0.005, 0.01, 0.01, 0.005, 0.005, 0.0025]


def test_partial_fit_after_fit_continues_the_schedule_and_the_moments():
    X, y = make_data()
    # An explicit batch size: "auto" is a full batch in fit and mini-batches
    # of 200 rows in partial_fit.
    settings = dict(random_state=0, schedule="step", decay_epochs=3, decay_factor=0.5,
                    batch_size=200, batch_growth=1.0, tol=0, n_iter_no_change=100)
    fitted = fit_quietly(AdamLinearRegressor(max_iter=4, **settings), X, y)
    continued = fit_quietly(AdamLinearRegressor(max_iter=3, **settings), X, y)
    continued.partial_fit(X, y)
    assert_same_fit(fitted, continued)


def test_warm_start_after_convergence_takes_one_step_and_stays_converged():
    X, y = make_data()
    model = AdamLinearRegressor(warm_start=True, random_state=0)
    model.fit(X, y)
    first, coef = model.n_iter_, model.coef_.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    # The gradient is already within tol: one epoch, which moves nothing
    # that matters, and training ends converged again.
    assert model.n_iter_ == first + 1
    assert len(model.loss_curve_) == model.n_iter_
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-9)


def test_warm_start_after_a_stall_runs_until_the_next_stall():
    X, y = make_data()
    model = AdamLinearRegressor(warm_start=True, random_state=0, n_iter_no_change=5,
                                batch_size=100, batch_growth=1.0)
    fit_quietly(model, X, y)
    first = model.n_iter_
    fit_quietly(model, X, y)
    # Patience starts afresh: at least n_iter_no_change more epochs.
    assert model.n_iter_ >= first + 5
    assert len(model.loss_curve_) == model.n_iter_


def test_warm_start_with_another_solver_keeps_coefficients_and_starts_its_state():
    X, y = make_data()
    model = fit_quietly(AdamLinearRegressor(max_iter=5, warm_start=True, random_state=0), X, y)
    coef = model.coef_.copy()
    assert isinstance(model.solver_state_, AdamState)
    model.set_params(solver="amsgrad", max_iter=1)
    fit_quietly(model, X, y)
    assert isinstance(model.solver_state_, AMSGradState)
    assert model.solver_state_.step == model.n_steps_ - 5  # full-batch epochs: one step each
    # One epoch from the kept coefficients, not from zero.
    fresh = fit_quietly(AdamLinearRegressor(solver="amsgrad", max_iter=1, random_state=0), X, y)
    assert np.abs(model.coef_ - coef).max() < np.abs(fresh.coef_ - coef).max() / 2


def test_warm_start_uses_changed_hyperparameters():
    X, y = make_data()
    model = fit_quietly(AdamLinearRegressor(max_iter=2, warm_start=True, random_state=0), X, y)
    model.set_params(learning_rate=0.05)
    fit_quietly(model, X, y)
    assert model.learning_rate_curve_ == [0.01, 0.01, 0.05, 0.05]
    assert model.solver_.learning_rate == 0.05


def test_warm_start_on_new_validation_data_rescores_the_kept_epoch():
    # The second fit's validation targets are shifted: the first fit's best
    # score no longer describes anything, so the kept coefficients must be
    # those that score best on the new data.
    X, y = make_data()
    model = AdamLinearRegressor(random_state=0, early_stopping=True, warm_start=True,
                                max_iter=30)
    fit_quietly(model, X, y, X_val=X[:50], y_val=y[:50])
    fit_quietly(model, X, y + 50, X_val=X[:50], y_val=y[:50] + 50)
    second = [score for score, epoch in zip(model.validation_scores_, model.validation_epochs_)
              if epoch > 30]
    assert model.best_validation_score_ >= max(second)
    assert model.score(X[:50], y[:50] + 50) == pytest.approx(
        model.best_validation_score_, abs=1e-12
    )


@pytest.mark.parametrize("change", [dict(fit_intercept=False), dict(standardize=False)])
def test_changing_what_the_parameters_are_starts_afresh(change):
    X, y = make_data()
    model = fit_quietly(AdamLinearRegressor(random_state=0, warm_start=True, max_iter=5), X, y)
    model.set_params(**change)
    fit_quietly(model, X, y)
    cold = fit_quietly(AdamLinearRegressor(random_state=0, max_iter=5, **change), X, y)
    assert_same_fit(model, cold)
    with pytest.raises(ValueError, match="must stay as they were"):
        model.set_params(fit_intercept=True, standardize=True).partial_fit(X, y)


def test_warm_start_follows_the_shape_of_y():
    X, y = make_data()
    model = fit_quietly(AdamLinearRegressor(random_state=0, warm_start=True, max_iter=2), X, y)
    assert model.coef_.shape == (6,)
    fit_quietly(model, X, y[:, None])
    assert model.coef_.shape == (1, 6)
    assert model.intercept_.shape == (1,)


def test_partial_fit_after_early_stopping_drops_the_stale_best_score():
    X, y = make_data()
    model = fit_quietly(
        AdamLinearRegressor(random_state=0, early_stopping=True, max_iter=5), X, y
    )
    assert model.best_validation_score_ is not None
    model.partial_fit(X, y)
    # coef_ is now the last epoch's, which no validation score picked.
    assert model.best_validation_score_ is None
    # Full-batch steps through the normal equations: the first and every
    # fifth are scored.
    assert model.validation_epochs_ == [1, 5] and len(model.validation_scores_) == 2


# The data of the last fit, changed: warm_start only initializes, and the
# fit must solve the problem of the data it is given.
NEW_DATA = {
    "y * 1e-9": lambda X, y: (X, y * 1e-9),
    "y + 1e4": lambda X, y: (X, y + 1e4),
    "-y": lambda X, y: (X, -y),
    "X + 100": lambda X, y: (X + 100, y),
    "X * 1e3": lambda X, y: (X * 1e3, y),
}


@pytest.mark.parametrize("change", NEW_DATA.values(), ids=NEW_DATA)
def test_a_warm_fit_on_new_data_is_as_precise_as_a_cold_one(change):
    # Once the first fit's standardization was kept: y * 1e-9 stopped
    # "converged" 9% off, y + 1e4 ran 100,000 epochs to an R^2 of -3.9e6.
    from sklearn.linear_model import LinearRegression

    X, y = make_data()
    X_new, y_new = change(X, y)
    model = AdamLinearRegressor(warm_start=True, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_new, y_new)
    cold = AdamLinearRegressor(random_state=0).fit(X_new, y_new)
    exact = LinearRegression().fit(X_new, y_new)

    def error(fitted):
        return np.abs(fitted.coef_ - exact.coef_).max() / np.abs(exact.coef_).max()

    assert error(model) < max(10 * error(cold), 1e-9)
    assert model.intercept_ == pytest.approx(exact.intercept_, rel=1e-8, abs=1e-8 * np.std(y_new))
    # The standardization is the new data's, as a cold fit's.
    for name in ("x_center", "x_scale", "y_center", "y_scale"):
        assert_array_equal(getattr(model._fit_state.standardization, name),
                           getattr(cold._fit_state.standardization, name))


def test_partial_fit_after_a_warm_fit_on_new_data_merges_with_its_rows():
    from sklearn_adam._objective import Standardization

    X, y = make_data()
    model = AdamLinearRegressor(warm_start=True, random_state=0, max_iter=5)
    fit_quietly(model, X, y)
    fit_quietly(model, X[:300] + 10, y[:300])
    model.partial_fit(X[300:] + 10, y[300:])
    whole = Standardization.fit(X + 10, y[:, None], np.ones(500), center=True, scale=True)
    for name in ("x_center", "x_scale", "y_center", "y_scale"):
        np.testing.assert_allclose(getattr(model._fit_state.standardization, name),
                                   getattr(whole, name), rtol=1e-12)
