"""A custom solver that breaks the solver protocol is named before it trains.

The estimator reads ``update``'s signature before any work and checks what
the first ``update`` returns, before its step is kept: each error names the
rule broken, the solver's class and what it received, and the estimator is
left as it was.
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning

from sklearn_adam import AdamLinearRegressor


class ReturnsNoState:
    """Returns the updates alone, forgetting the state."""

    def init(self, params):
        return {"steps": 0}

    def update(self, grads, state, learning_rate, params):
        return [-learning_rate * g for g in grads]


class DropsTheState:
    """Returns None as the state it was given a dict for."""

    def init(self, params):
        return {"steps": 0}

    def update(self, grads, state, learning_rate, params):
        return [-learning_rate * g for g in grads], None


class FlattensTheUpdates:
    """Returns updates of the wrong shapes."""

    def init(self, params):
        return None

    def update(self, grads, state, learning_rate, params):
        return [-learning_rate * g.ravel() for g in grads], state


class ChangesTheDtype:
    """Returns float32 updates for float64 parameters."""

    def init(self, params):
        return None

    def update(self, grads, state, learning_rate, params):
        return [(-learning_rate * g).astype(np.float32) for g in grads], state


class NamesParamsOtherwise:
    """A fourth argument that is not called ``params``."""

    def init(self, params):
        return None

    def update(self, grads, state, learning_rate, weights):
        return [-learning_rate * g for g in grads], state


class Stateless:
    """Plain gradient descent: init returns None, and so may update."""

    def init(self, params):
        return None

    def update(self, grads, state, learning_rate, params):
        return [-learning_rate * g for g in grads], state


BROKEN = [
    (ReturnsNoState, r"update must return a pair \(updates, state\), updates a list of 2 "
     r"arrays, one per parameter; ReturnsNoState.update returned a list of 2 \(an array "
     r"of shape \(1, 10\)"),
    (DropsTheState, r"update must return the advanced state with the updates \(None only "
     r"for a rule whose init returned None\); DropsTheState.update returned None as the "
     r"state, given a dict"),
    (FlattensTheUpdates, r"updates of the parameters' shapes and dtypes \(parameter 0: an "
     r"array of shape \(1, 10\) and dtype float64\); FlattensTheUpdates.update returned an "
     r"array of shape \(10,\) and dtype float64 for parameter 0"),
    (ChangesTheDtype, r"ChangesTheDtype.update returned an array of shape \(1, 10\) and "
     r"dtype float32 for parameter 0"),
    (NamesParamsOtherwise, r"passes params by name: update\(grads, state, learning_rate, "
     r"params=...\).*NamesParamsOtherwise.update\(grads, state, learning_rate, weights\) "
     r"can be called neither way"),
]


@pytest.mark.parametrize("solver_class, message", BROKEN)
@pytest.mark.parametrize("params", [{}, {"batch_size": 32}, {"early_stopping": True}])
def test_a_solver_breaking_the_protocol_is_named_and_the_fit_left_as_it_was(
    solver_class, message, params
):
    X, y = load_diabetes(return_X_y=True)
    fitted = AdamLinearRegressor(solver=Stateless(), learning_rate=0.1, random_state=0,
                                 max_iter=5, **params)
    with pytest.warns(ConvergenceWarning):
        fitted.fit(X, y)
    before = {name: value for name, value in vars(fitted).items() if name.endswith("_")}
    fitted.set_params(solver=solver_class())
    with pytest.raises(TypeError, match=f"{solver_class.__name__} does not follow the solver "
                       "protocol.*" + message):
        fitted.fit(X, y)
    assert_array_equal(fitted.coef_, before["coef_"])
    assert fitted.n_iter_ == before["n_iter_"] and fitted.solver_state_ is None
    assert type(fitted.solver_) is Stateless

    fresh = AdamLinearRegressor(solver=solver_class(), **params)
    with pytest.raises(TypeError, match=message):
        fresh.partial_fit(X, y) if params.get("batch_size") else fresh.fit(X, y)
    assert not hasattr(fresh, "coef_")


def test_a_stateless_solver_and_a_solver_of_the_first_protocol_still_train():
    X, y = load_diabetes(return_X_y=True)

    class FirstProtocol(Stateless):
        def update(self, grads, state, learning_rate):
            return [-learning_rate * g for g in grads], state

    for solver in (Stateless(), FirstProtocol()):
        model = AdamLinearRegressor(solver=solver, learning_rate=0.1, max_iter=5,
                                    random_state=0)
        with pytest.warns(ConvergenceWarning):
            model.fit(X, y)
        assert np.isfinite(model.coef_).all() and model.n_iter_ == 5


@pytest.mark.parametrize("solver_class, message", BROKEN[:2])
def test_the_first_update_is_checked_on_array_api_and_dask_data(solver_class, message):
    X, y = load_diabetes(return_X_y=True)
    xp = pytest.importorskip("array_api_strict")
    with sklearn.config_context(array_api_dispatch=True):
        model = AdamLinearRegressor(solver=solver_class(), batch_size=32)
        with pytest.raises(TypeError, match=message):
            model.fit(xp.asarray(X), xp.asarray(y))
    assert not hasattr(model, "coef_")
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="synchronous"):
        model = AdamLinearRegressor(solver=solver_class())
        with pytest.raises(TypeError, match=message):
            model.fit(da.from_array(X, chunks=(100, 10)), da.from_array(y, chunks=100))
    assert not hasattr(model, "coef_")
