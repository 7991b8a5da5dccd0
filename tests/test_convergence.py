"""With ``tol=1e-12`` and every other setting at its default, every solver reaches
the closed-form answer to scikit-learn's own precision.

Relative coefficient error ``||w - w*|| / ||w*||`` against LinearRegression
(alpha=0) and Ridge, in float64: 1e-7 on well-conditioned problems, dense and
sparse, weighted or not, under every schedule; 1e-4 on a problem whose
standardized Hessian has condition number 1e6, which needs heavier momentum
(and would need more than ``max_iter`` for more).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge

from benchmarks.datasets import (
    DATASETS,
    gaussian,
    ill_conditioned,
    standardized_condition_number,
)
from sklearn_adam import AdamLinearRegressor

# The promise: tol alone sets the precision.
UNTIL_CONVERGED = dict(tol=1e-12, random_state=0)


def relative_error(actual, expected):
    return np.linalg.norm(actual - expected) / np.linalg.norm(expected)


def closed_form(X, y, alpha, sample_weight):
    dense = X.toarray() if sp.issparse(X) else X
    exact = LinearRegression() if alpha == 0 else Ridge(alpha=alpha)
    return exact.fit(dense, y, sample_weight=sample_weight)


@pytest.mark.parametrize("schedule", ["constant", "plateau"])
@pytest.mark.parametrize("alpha", [0.0, 10.0])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dataset", DATASETS)
def test_agrees_with_closed_form_to_1e_7(dataset, weighted, alpha, schedule):
    X, y = DATASETS[dataset]()
    weight = np.random.RandomState(1).uniform(0.2, 3, X.shape[0]) if weighted else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(alpha=alpha, schedule=schedule, **UNTIL_CONVERGED).fit(
            X, y, sample_weight=weight
        )
    exact = closed_form(X, y, alpha, weight)
    assert relative_error(model.coef_, exact.coef_) < 1e-7
    assert abs(model.intercept_ - exact.intercept_) < 1e-7 * abs(exact.intercept_)


@pytest.mark.parametrize(
    "schedule",
    [
        # Full-batch epochs are single steps: decays over thousands of them.
        dict(schedule="cosine", decay_epochs=3000, decay_factor=1e-3),
        dict(schedule="step", decay_epochs=1000, decay_factor=0.5),
        dict(schedule="inverse_time", decay_epochs=1000),
        dict(schedule="constant", warmup_epochs=20),
    ],
    ids=lambda settings: "-".join(map(str, settings.values())),
)
@pytest.mark.parametrize("dataset", ["gaussian", "sparse"])
def test_time_based_schedules_agree_with_closed_form_to_1e_7(dataset, schedule):
    X, y = DATASETS[dataset]()
    weight = np.random.RandomState(1).uniform(0.2, 3, X.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(alpha=1.0, **schedule, **UNTIL_CONVERGED).fit(
            X, y, sample_weight=weight
        )
    exact = closed_form(X, y, 1.0, weight)
    assert relative_error(model.coef_, exact.coef_) < 1e-7


@pytest.mark.parametrize("solver", ["amsgrad", "nadam", "adamax"])
@pytest.mark.parametrize("alpha", [0.0, 10.0])
def test_every_variant_agrees_with_closed_form_to_1e_7(solver, alpha):
    X, y = gaussian(seed=3)
    weight = np.random.RandomState(2).uniform(0.2, 3, X.shape[0])
    model = AdamLinearRegressor(solver=solver, alpha=alpha, schedule="plateau",
                                **UNTIL_CONVERGED).fit(X, y, sample_weight=weight)
    exact = closed_form(X, y, alpha, weight)
    assert relative_error(model.coef_, exact.coef_) < 1e-7


def test_adamw_without_decay_is_adam():
    X, y = gaussian()
    adam = AdamLinearRegressor(max_iter=30, random_state=0).fit(X, y)
    adamw = AdamLinearRegressor(solver="adamw", weight_decay=0.0, max_iter=30,
                                random_state=0).fit(X, y)
    np.testing.assert_array_equal(adamw.coef_, adam.coef_)


@pytest.mark.parametrize("weight_decay", [2.0, 5.0])
def test_adamw_decay_bounds_standardized_coefficients_but_not_the_intercept(weight_decay):
    # Run to its fixed point, full-batch AdamW keeps every standardized
    # coefficient within 1 / weight_decay (the decay balances a normalized
    # step of size at most about one).
    X, y = gaussian()
    bound = 1 / weight_decay

    def standardized(model):
        return model.coef_ * X.std(axis=0) / y.std()

    plain = AdamLinearRegressor(**UNTIL_CONVERGED).fit(X, y)
    assert np.abs(standardized(plain)).max() > 1.5 * bound
    decayed = AdamLinearRegressor(
        solver="adamw", weight_decay=weight_decay, batch_size=None, **UNTIL_CONVERGED
    ).fit(X, y)
    assert np.abs(standardized(decayed)).max() < 1.01 * bound
    assert np.abs(standardized(decayed)).max() > 0.9 * bound
    # The intercept is not decayed: it still centers the residuals.
    residual_mean = np.mean(y - decayed.predict(X))
    assert abs(residual_mean) < 1e-6 * y.std()


def test_ill_conditioned_problem_to_1e_4():
    X, y = ill_conditioned()
    assert standardized_condition_number(X) > 0.9e6
    with pytest.warns(ConvergenceWarning, match="reached max_iter"):
        model = AdamLinearRegressor(beta_1=0.99, **UNTIL_CONVERGED).fit(X, y)
    exact = LinearRegression().fit(X, y)
    assert relative_error(model.coef_, exact.coef_) < 1e-4
