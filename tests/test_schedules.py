"""Learning-rate schedules: each formula by hand, and what the estimator records."""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression

from sklearn_adam import AdamLinearRegressor, LearningRateSchedule
from sklearn_adam._rules import SOLVERS


def rates(schedule, n_epochs, n_reductions=0):
    return [schedule.rate(epoch, n_reductions) for epoch in range(n_epochs)]


def test_constant_rate():
    assert rates(LearningRateSchedule("constant", 0.3), 4) == [0.3] * 4


def test_inverse_time_reaches_decay_factor_after_decay_epochs():
    schedule = LearningRateSchedule("inverse_time", 0.2, decay_factor=0.25, decay_epochs=4)
    # 0.2 / (1 + 3 k / 4): the rate is a quarter after 4 epochs.
    expected = [0.2, 0.2 / 1.75, 0.2 / 2.5, 0.2 / 3.25, 0.05, 0.2 / 13]
    assert_allclose([schedule.rate(k) for k in (0, 1, 2, 3, 4, 16)], expected, rtol=1e-15)


def test_step_decay_drops_every_decay_epochs():
    schedule = LearningRateSchedule("step", 1.0, decay_factor=0.5, decay_epochs=3)
    assert rates(schedule, 8) == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_cosine_decays_to_the_floor_and_stays():
    schedule = LearningRateSchedule("cosine", 2.0, decay_factor=0.1, decay_epochs=4)
    # 2 (0.1 + 0.9 (1 + cos(pi k / 4)) / 2)
    expected = [
        2.0,
        2.0 * (0.1 + 0.45 * (1 + math.sqrt(0.5))),
        2.0 * (0.1 + 0.45),
        2.0 * (0.1 + 0.45 * (1 - math.sqrt(0.5))),
        0.2,
        0.2,
    ]
    assert_allclose(rates(schedule, 6), expected, rtol=1e-14)


def test_plateau_rate_follows_the_reductions_only():
    schedule = LearningRateSchedule("plateau", 0.5, decay_factor=0.1)
    assert rates(schedule, 3) == [0.5] * 3
    assert_allclose([schedule.rate(7, n) for n in range(4)], [0.5, 0.05, 0.005, 0.0005])
    assert schedule.reduces_on_plateau
    assert not LearningRateSchedule("step", 0.5).reduces_on_plateau


def test_reductions_do_not_touch_time_based_schedules():
    schedule = LearningRateSchedule("step", 1.0, decay_factor=0.5, decay_epochs=2)
    assert schedule.rate(3, n_reductions=2) == schedule.rate(3)


def test_warmup_rises_linearly_then_the_decay_starts():
    schedule = LearningRateSchedule(
        "step", 0.8, decay_factor=0.5, decay_epochs=2, warmup_epochs=3
    )
    assert_allclose(rates(schedule, 8), [0.2, 0.4, 0.6, 0.8, 0.8, 0.4, 0.4, 0.2])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(name="linear"), "schedule must be one of"),
        (dict(learning_rate=0.0), "learning_rate must be"),
        (dict(decay_factor=0.0), "decay_factor must be"),
        (dict(decay_factor=1.5), "decay_factor must be"),
        (dict(decay_epochs=0), "decay_epochs must be"),
        (dict(decay_epochs=2.5), "decay_epochs must be"),
        (dict(warmup_epochs=-1), "warmup_epochs must be"),
    ],
)
def test_bad_schedule_parameters_are_named(params, match):
    settings = dict(name="step", learning_rate=0.1) | params
    with pytest.raises(ValueError, match=match):
        LearningRateSchedule(**settings)


def make_data(n_samples=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 4)
    y = X @ [1.0, -2.0, 0.5, 3.0] + 0.1 * rng.randn(n_samples)
    return X, y


@pytest.mark.parametrize("solver", sorted(SOLVERS))
@pytest.mark.parametrize(
    "schedule",
    [
        dict(schedule="constant"),
        dict(schedule="inverse_time", decay_epochs=3),
        dict(schedule="step", decay_epochs=4, decay_factor=0.5),
        dict(schedule="cosine", decay_epochs=6),
        dict(schedule="constant", warmup_epochs=5),
        dict(schedule="plateau", warmup_epochs=2),
    ],
)
def test_every_schedule_drives_every_solver(solver, schedule):
    X, y = make_data()
    settings = dict(max_iter=12, tol=0, n_iter_no_change=100, random_state=0) | schedule
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AdamLinearRegressor(solver=solver, **settings).fit(X, y)
    expected = LearningRateSchedule(
        settings["schedule"],
        model.learning_rate,
        model.decay_factor,
        model.decay_epochs,
        model.warmup_epochs,
    )
    assert model.learning_rate_curve_ == rates(expected, 12)
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_the_rate_actually_used_moves_the_coefficients():
    # Same data and seed: a schedule whose rate is zero-ish after epoch 1 must
    # leave the coefficients where the first epochs put them. The model is
    # the last iterate (average=False): an average of the frozen iterates
    # would still move toward them.
    X, y = make_data()
    settings = dict(max_iter=8, tol=0, n_iter_no_change=100, random_state=0, batch_size=50,
                    average=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        frozen = AdamLinearRegressor(
            schedule="step", decay_epochs=2, decay_factor=1e-12, **settings
        ).fit(X, y)
        two_epochs = AdamLinearRegressor(**settings | dict(max_iter=2)).fit(X, y)
    assert frozen.learning_rate_curve_[2] == pytest.approx(0.01 * 1e-12)
    assert_allclose(frozen.coef_, two_epochs.coef_, rtol=1e-8)


def test_plateau_lowers_the_rate_at_stalls_once_the_batch_is_full():
    X, y = make_data()
    # A rate too large for the steps to settle: each stall halves it, until
    # they do and the gradient falls within tol.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(
            schedule="plateau", batch_size=None, learning_rate=3.0, n_iter_no_change=1,
            decay_factor=0.5,
        ).fit(X, y)
    rates = model.learning_rate_curve_
    assert sorted(set(rates), reverse=True) == [3.0, 1.5, 0.75, 0.375]
    assert rates == sorted(rates, reverse=True)
    assert model.gradient_norm_curve_[-1] <= model.tol
    assert_allclose(model.coef_, LinearRegression().fit(X, y).coef_, rtol=1e-8)


def test_plateau_stops_after_three_reductions_that_gain_nothing():
    X, y = make_data()
    X, y = 10 * X, 10 * y
    # tol=0 asks for a gradient at the rounding floor of standardized data;
    # on raw data ten times larger, rounding stops it above that floor, and
    # the last three reductions find no new low.
    with pytest.warns(ConvergenceWarning, match="stopped making progress"):
        model = AdamLinearRegressor(batch_size=None, tol=0, n_iter_no_change=1,
                                    decay_factor=0.5, standardize=False).fit(X, y)
    progress = model._fit_state.progress
    assert progress.n_fruitless == 3 and progress.n_reductions > 3
    assert_allclose(model.coef_, LinearRegression().fit(X, y).coef_, rtol=1e-10)


def test_time_based_schedule_stops_at_the_first_stall_at_full_batch():
    X, y = make_data()
    with pytest.warns(ConvergenceWarning, match="stopped making progress"):
        model = AdamLinearRegressor(
            schedule="step", decay_epochs=100_000, batch_size=75, batch_growth=2.0, tol=0,
            n_iter_no_change=2, shuffle=False,
        ).fit(X, y)
    # Batches of 75 until their gradients are mostly noise, then all 300
    # rows at once; at full batch, the first stall of the gradient (after 10
    # times the patience) has no remedy left and stops.
    sizes = model.batch_size_curve_
    assert sizes == sorted(sizes) and sorted(set(sizes)) == [75, 300]
    assert model.n_steps_ == 4 * sizes.count(75) + sizes.count(300)
    assert model.t_ == 300 * len(sizes)
    assert set(model.learning_rate_curve_) == {0.01}
    assert sizes.count(300) >= 20


def test_schedule_instance_gives_the_same_fit_as_its_name():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 4)
    y = X @ [1.0, -2.0, 0.5, 3.0] + 0.1 * rng.randn(300)
    by_name = AdamLinearRegressor(
        schedule="step", learning_rate=0.02, decay_factor=0.5, decay_epochs=7,
        warmup_epochs=2, max_iter=30, random_state=0,
    )
    # The instance brings its own rate and decay: the estimator's are ignored.
    by_instance = AdamLinearRegressor(
        schedule=LearningRateSchedule("step", 0.02, decay_factor=0.5, decay_epochs=7,
                                      warmup_epochs=2),
        learning_rate=0.5, decay_factor=0.9, max_iter=30, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        by_name.fit(X, y)
        by_instance.fit(X, y)
    assert by_instance.learning_rate_curve_ == by_name.learning_rate_curve_
    np.testing.assert_array_equal(by_instance.coef_, by_name.coef_)


def test_schedule_instances_are_cloned_and_searched():
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    rng = np.random.RandomState(1)
    X = rng.randn(200, 3)
    y = X @ [1.0, 2.0, -1.0] + 0.1 * rng.randn(200)
    schedules = [
        LearningRateSchedule("cosine", 0.05, decay_epochs=20),
        LearningRateSchedule("inverse_time", 0.01, decay_factor=0.5),
    ]
    model = AdamLinearRegressor(schedule=schedules[0], max_iter=20, random_state=0)
    copy = clone(model)
    assert copy.schedule == schedules[0] and copy.schedule is not schedules[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(model, {"schedule": schedules}, cv=2).fit(X, y)
    assert search.best_params_["schedule"] in schedules
    assert search.best_estimator_.learning_rate_curve_[0] in (0.05, 0.01)


def test_schedule_of_another_type_is_named():
    X = np.random.RandomState(0).randn(20, 2)
    with pytest.raises(ValueError, match="schedule must be one of 'constant'.* or a "
                                         "LearningRateSchedule; got 0.1"):
        AdamLinearRegressor(schedule=0.1).fit(X, X[:, 0])


def test_inverse_time_with_a_subnormal_decay_factor_starts_at_the_rate():
    schedule = LearningRateSchedule("inverse_time", 0.1, decay_factor=1e-310)
    assert schedule.rate(0) == 0.1
    assert 0 <= schedule.rate(5) < 1e-300
