"""Bad input for the lasso and elastic-net penalties: a clear error before any work.

Each refusal names the parameter, the value and what was expected; nothing
the caller passed in is modified, and a model fitted before keeps its
attributes.
"""

import copy
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._rules import Adam


class PlainDescent:
    """Gradient descent with a step count in its state, and no ``step_sizes``."""

    def __init__(self):
        self.calls = 0

    def init(self, params):
        return {"step": 0}

    def update(self, grads, state, learning_rate, params):
        self.calls += 1
        return [-learning_rate * g for g in grads], {"step": state["step"] + 1}


class PlainDescentWithSteps(PlainDescent):
    """The same, declaring the step it takes on every coordinate."""

    def step_sizes(self, state, learning_rate):
        return [np.full(1, learning_rate), np.full(1, learning_rate)]


class AdamOfItsOwn(Adam):
    """A subclass of Adam that inherits ``step_sizes`` without declaring it."""


@pytest.fixture
def data():
    X, y = load_diabetes(return_X_y=True)
    return X[:200], y[:200]


def _fitted(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return AdamLinearRegressor(random_state=0, **params).fit(X, y)


@pytest.mark.parametrize("params, message", [
    ({"penalty": "elasticnet", "l1_ratio": 1.5},
     r"l1_ratio must be a finite real number \(int or float\) in \[0, 1\]; got 1.5"),
    ({"penalty": "elasticnet", "l1_ratio": -0.1}, r"l1_ratio must be .* in \[0, 1\]; got -0.1"),
    ({"penalty": "elasticnet", "l1_ratio": np.nan}, r"l1_ratio must be .* got nan"),
    ({"penalty": "l2", "l1_ratio": 0.5},
     r"l1_ratio=0.5 is given with penalty='l2', which has no L1 part: .* Set "
     r"penalty='elasticnet', or leave l1_ratio=None"),
    ({"penalty": "l1", "l1_ratio": 0.5},
     r"l1_ratio=0.5 is given with penalty='l1', which is all L1 \(l1_ratio=1\)"),
    ({"l1_ratio": 0.0}, r"l1_ratio=0.0 is given with penalty='l2'"),
    ({"penalty": "lasso"}, r"penalty must be one of 'l2', 'l1', 'elasticnet'; got 'lasso'"),
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_penalty_parameters_are_refused_and_the_previous_model_kept(
        data, params, message, method):
    X, y = data
    X_before, y_before = X.copy(), y.copy()
    model = _fitted(X, y, max_iter=20)
    coef, intercept, n_iter = model.coef_.copy(), model.intercept_, model.n_iter_
    model.set_params(**params)
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(X, y)
    assert_array_equal(model.coef_, coef)
    assert model.intercept_ == intercept and model.n_iter_ == n_iter
    assert_array_equal(X, X_before)
    assert_array_equal(y, y_before)


@pytest.mark.parametrize("solver, inherited", [(PlainDescent, False), (AdamOfItsOwn, True)])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_solver_without_its_own_step_sizes_is_refused_before_any_work(
        data, solver, inherited, penalty, method):
    X, y = data
    X_before, y_before = X.copy(), y.copy()
    user_solver = solver()
    # The same solver trains with the smooth penalty: the previous model.
    model = _fitted(X, y, solver=user_solver, max_iter=20, learning_rate=1e-3)
    coef, state = model.coef_.copy(), copy.deepcopy(model.solver_state_)
    solver_before = copy.deepcopy(user_solver.__dict__)
    model.set_params(penalty=penalty, alpha=0.1)
    message = (rf"{solver.__name__} needs a step_sizes\(state, learning_rate\) method for a "
               r"penalty that is not smooth")
    if inherited:
        message += rf".* {solver.__name__} inherits one, but declares none on its own class"
    with pytest.raises(TypeError, match=message):
        getattr(model, method)(X, y)
    assert_array_equal(model.coef_, coef)
    assert repr(model.solver_state_) == repr(state)
    assert user_solver.__dict__ == solver_before
    assert_array_equal(X, X_before)
    assert_array_equal(y, y_before)


def test_a_solver_declaring_its_step_sizes_trains_to_the_lasso(data):
    X, y = data
    model = AdamLinearRegressor(solver=PlainDescentWithSteps(), penalty="l1", alpha=1.0,
                                learning_rate=0.5, max_iter=20_000, tol=1e-9).fit(X, y)
    lasso = Lasso(alpha=1.0, tol=1e-12, max_iter=100_000).fit(X, y)
    assert_array_equal(model.coef_ == 0, lasso.coef_ == 0)
    np.testing.assert_allclose(model.coef_, lasso.coef_, atol=1e-4 * np.abs(lasso.coef_).max())
