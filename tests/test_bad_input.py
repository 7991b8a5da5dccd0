"""Bad input gets a clear error naming what is wrong, before any work is done."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression

from sklearn_adam import AdamLinearRegressor


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(50, 3)
    return X, X @ [1.0, -2.0, 0.5] + 0.1 * rng.randn(50)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"learning_rate": 0.0}, r"learning_rate must be .* \(0, inf\); got 0.0"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"learning_rate": np.nan}, "learning_rate"),
        ({"beta_1": 1.0}, r"beta_1 must be .* \[0, 1\); got 1.0"),
        ({"beta_1": -0.1}, "beta_1"),
        ({"beta_2": 1.0}, "beta_2"),
        ({"beta_2": 1.5}, "beta_2"),
        ({"epsilon": -1e-8}, "epsilon"),
        ({"alpha": -1.0}, "alpha"),
        ({"batch_size": 0}, r"batch_size must be an integer in \[1, inf\); got 0"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"batch_size": "big"}, "batch_size must be one of 'auto'"),
        ({"validation_fraction": 0.0, "early_stopping": True}, "validation_fraction"),
        ({"validation_fraction": 1.0, "early_stopping": True}, "validation_fraction"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"schedule": "exponential"}, "schedule must be one of"),
        ({"batch_growth": 0.5}, "batch_growth"),
        ({"solver": "sgd"}, "solver must be one of 'adam'"),
        ({"solver": object()}, r"or an object with methods init\(params\)"),
        ({"fit_intercept": "yes"}, "fit_intercept must be a bool"),
        ({"shuffle": "rows"}, "shuffle must be True, False or 'batches'; got 'rows'"),
        ({"epsilon_placement": "inside"}, "epsilon_placement must be one of"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"momentum_decay": -1.0}, "momentum_decay"),
        ({"decay_factor": 0.0}, "decay_factor"),
        ({"decay_epochs": 0}, "decay_epochs"),
        ({"warmup_epochs": -1}, "warmup_epochs"),
        ({"random_state": "seed"}, r"random_state must be None, an integer in \[0, 4294967295\], "
                                   r"a RandomState or numpy.random; got 'seed'"),
        ({"random_state": -1}, r"random_state must be an integer in \[0, 4294967295\]; got -1"),
        ({"verbose": "loud"}, r"verbose must be a bool or an integer in \[0, inf\); got 'loud'"),
        ({"scoring": 3}, "scoring must be None, a scorer name or a callable; got 3"),
    ],
)
def test_bad_parameters_are_named(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        AdamLinearRegressor(**params).fit(X, y)


def test_validation_fraction_leaving_too_few_rows(data):
    X, y = data
    model = AdamLinearRegressor(early_stopping=True, validation_fraction=0.01)
    with pytest.raises(ValueError, match=r"validation_fraction=0.01 leaves 1 validation"):
        model.fit(X, y)


@pytest.mark.parametrize(
    "weight, match",
    [
        (-np.ones(50), "sample_weight must be non-negative"),
        (np.zeros(50), "sample_weight must have a positive sum"),
        (np.r_[np.nan, np.ones(49)], "sample_weight contains NaN"),
        (np.r_[np.inf, np.ones(49)], "sample_weight contains infinity"),
        (np.ones(49), r"sample_weight must have shape \(50,\)"),
    ],
)
def test_bad_sample_weight(data, weight, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        AdamLinearRegressor().fit(X, y, sample_weight=weight)


def test_nan_and_inf_in_data(data):
    X, y = data
    X_nan, y_inf = X.copy(), y.copy()
    X_nan[3, 1] = np.nan
    y_inf[5] = np.inf
    with pytest.raises(ValueError, match="Input X contains NaN"):
        AdamLinearRegressor().fit(X_nan, y)
    with pytest.raises(ValueError, match="Input y contains infinity"):
        AdamLinearRegressor().fit(X, y_inf)


def test_partial_fit_with_other_number_of_features(data):
    X, y = data
    model = AdamLinearRegressor().partial_fit(X, y)
    message = "X has 2 features, but AdamLinearRegressor is expecting 3"
    with pytest.raises(ValueError, match=message):
        model.partial_fit(X[:, :2], y)
    with pytest.raises(ValueError, match="y has 2 targets"):
        model.partial_fit(X, np.c_[y, y])
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="y has 2 targets"):
        model.fit(X, np.c_[y, y])


def test_failed_refit_leaves_the_fitted_model_alone(data):
    X, y = data
    model = AdamLinearRegressor(random_state=0).fit(X, y)
    coef, n_iter = model.coef_.copy(), model.n_iter_
    model.set_params(beta_1=1.0)
    with pytest.raises(ValueError, match="beta_1"):
        model.fit(X, y)
    assert_array_equal(model.coef_, coef)
    assert model.n_iter_ == n_iter


def test_divergence_raises_and_leaves_no_nan(data):
    X, y = data
    model = AdamLinearRegressor(standardize=False, learning_rate=1e300, random_state=0)
    with pytest.raises(FloatingPointError, match="diverged.*smaller learning_rate"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model.fit(X * 1e10, y)
    assert not hasattr(model, "coef_")


def test_divergence_in_partial_fit_keeps_previous_coefficients(data):
    X, y = data
    model = AdamLinearRegressor(standardize=False, random_state=0).partial_fit(X, y)
    coef = model.coef_.copy()
    model.set_params(learning_rate=1e300)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model.partial_fit(X * 1e10, y)
    assert_array_equal(model.coef_, coef)
    assert np.isfinite(model.coef_).all()


def test_predict_before_fit_raises(data):
    X, _ = data
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        AdamLinearRegressor().predict(X)


def test_max_iter_reached_warns_but_keeps_finite_coefficients(data):
    X, y = data
    with pytest.warns(ConvergenceWarning):
        model = AdamLinearRegressor(max_iter=1).fit(X, y)
    assert np.isfinite(model.coef_).all()


def _continue_one_epoch(model, X, y):
    """Pickle a copy and run one partial_fit epoch on it: its whole state shows."""
    copy = pickle.loads(pickle.dumps(model))
    copy.partial_fit(X, y)
    return copy


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(
            lambda model, X, y: model.set_params(learning_rate=1e300, standardize=False).fit(
                X * 1e10, y
            ),
            id="diverging warm refit",
        ),
        pytest.param(
            lambda model, X, y: model.set_params(warm_start=False, early_stopping=True).fit(
                X[:, :2], y, X_val=X[:10], y_val=y[:10]
            ),
            id="refit whose X_val has other columns",
        ),
        pytest.param(
            lambda model, X, y: model.set_params(learning_rate=1e300, standardize=False)
            and model.partial_fit(X * 1e10, y),
            id="partial_fit after changing standardize",
        ),
    ],
)
def test_a_failed_fit_leaves_the_whole_fitted_state_as_it_was(data, break_it):
    X, y = data
    model = AdamLinearRegressor(random_state=0, warm_start=True, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = _continue_one_epoch(model, X, y)
    params = model.get_params()
    with pytest.raises((FloatingPointError, ValueError)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            break_it(model, X, y)
    model.set_params(**params)
    assert model.n_features_in_ == X.shape[1]
    after = _continue_one_epoch(model, X, y)
    # Same coefficients, curves, solver state and random stream as before.
    assert_array_equal(after.coef_, before.coef_)
    assert after.loss_curve_ == before.loss_curve_
    assert after.t_ == before.t_


def test_every_parameter_has_its_constraints():
    from sklearn_adam._parameters import PARAMETER_CONSTRAINTS

    assert sorted(PARAMETER_CONSTRAINTS) == sorted(AdamLinearRegressor().get_params())


def test_conventions_of_other_estimators_are_understood(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full = AdamLinearRegressor(batch_size="full", max_iter=3, random_state=0).fit(X, y)
        none = AdamLinearRegressor(batch_size=None, max_iter=3, random_state=0).fit(X, y)
        assert_array_equal(full.coef_, none.coef_)
        # An integer verbosity, as SGDRegressor and MLPRegressor take.
        AdamLinearRegressor(verbose=0, max_iter=1).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"learning_rate": "constant"}, r"got 'constant'\. .*chosen by schedule"),
        ({"learning_rate": "adaptive"}, "chosen by schedule"),
        ({"solver": __import__("sklearn_adam").Adam}, r"Pass an instance, Adam\(\), not the class"),
        ({"learning_rate": __import__("fractions").Fraction(1, 100)},
         r"learning_rate must be a finite real number \(int or float\)"),
        ({"warmup_epochs": 10**309}, r"warmup_epochs must be an integer in \[0, "),
        ({"max_iter": 10**100}, r"max_iter must be an integer in \[1, "),
    ],
)
def test_likely_mistakes_are_named_with_what_to_do(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        AdamLinearRegressor(**params).fit(X, y)


def test_a_scorer_returning_nan_is_refused(data):
    X, y = data
    model = AdamLinearRegressor(early_stopping=True, scoring=lambda est, X, y: float("nan"),
                                max_iter=5)
    with pytest.raises(ValueError, match=r"returned nan .*needs a finite score"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize("solver", ["adam", "nadam", "adamax"])
def test_a_rate_so_large_that_the_fit_runs_away_is_an_error(data, solver):
    # Every number stays finite, but the fit ends far worse than it began. A
    # constant schedule keeps the rate (the default "plateau" would lower it
    # until the steps settle).
    X, y = data
    model = AdamLinearRegressor(learning_rate=1e6, batch_size=None, solver=solver,
                                schedule="constant", random_state=0)
    with pytest.raises(FloatingPointError, match=r"objective ended at .* centers, at learning "
                                                 r"rates up to 1e\+06\. Try a smaller"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize("schedule", ["constant", "plateau"])
def test_amsgrad_settles_after_a_rate_so_large_that_adam_runs_away(data, schedule):
    # AMSGrad divides by the largest second moment seen: after the first
    # huge steps its steps stay small, and the fit converges.
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(learning_rate=1e6, batch_size=None, solver="amsgrad",
                                    schedule=schedule, random_state=0).fit(X, y)
    assert_allclose(model.coef_, LinearRegression().fit(X, y).coef_, rtol=1e-8)


def test_plateau_lowers_a_rate_so_large_that_the_fit_would_run_away(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(learning_rate=1e6, batch_size=None, random_state=0).fit(X, y)
    assert min(model.learning_rate_curve_) < 1e6
    assert_allclose(model.coef_, LinearRegression().fit(X, y).coef_, rtol=1e-8)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_sparse_targets_are_refused_by_name(data, method):
    import scipy.sparse as sp

    X, y = data
    model = AdamLinearRegressor()
    with pytest.raises(TypeError, match=r"y is a sparse matrix, but targets must be dense; "
                                        r"pass y\.toarray\(\)"):
        getattr(model, method)(X, sp.csr_matrix(y.reshape(-1, 1)))
    assert not hasattr(model, "coef_")
