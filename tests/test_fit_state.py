"""What a fit resumes from is one object, saved and restored in one place."""

import dataclasses
import pickle
import warnings

import numpy as np
from numpy.testing import assert_array_equal

from sklearn_adam import Adam, AdamLinearRegressor
from sklearn_adam._fit_state import FitState


def make_data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(120, 3)) * [1, 4, 0.5]
    y = X @ [1.0, -0.5, 2.0] + 3 + rng.normal(scale=0.3, size=120)
    return X, y


def fitted(**settings):
    X, y = make_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AdamLinearRegressor(max_iter=8, warm_start=True, random_state=0,
                                   **settings).fit(X, y)


def test_the_public_solver_state_is_the_fit_states_own_also_after_pickling():
    model = fitted(batch_size=30)
    assert model._fit_state.solver_state is model.solver_state_
    assert model._fit_state.progress.epoch == model.n_iter_
    restored = pickle.loads(pickle.dumps(model))
    assert restored._fit_state.solver_state is restored.solver_state_


def test_a_resumed_copy_shares_nothing_that_training_changes():
    model = fitted(batch_size=30, early_stopping=True)
    state = model._fit_state
    before = pickle.dumps(state)
    resumed = state.resumed(model.solver_, y_ndim=1)
    for name in ("params", "rng", "progress", "solver_state"):
        assert getattr(resumed, name) is not getattr(state, name)
    resumed.params[0] += 1.0
    resumed.solver_state.first_moment[0] += 1.0
    resumed.progress.epoch += 1
    resumed.progress.best_params[0] += 1.0
    resumed.rng.uniform()
    assert pickle.dumps(state) == before
    # A warm start leaves the last state as it was until it succeeds.
    X, y = make_data(seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    assert model._fit_state is not state and pickle.dumps(state) == before


def test_a_solver_of_another_kind_resumes_from_a_fresh_solver_state():
    model = fitted(batch_size=30, solver="amsgrad")
    resumed = model._fit_state.resumed(Adam(), y_ndim=1)
    expected = Adam().init([p.copy() for p in model._fit_state.params])
    assert type(resumed.solver_state) is type(expected)
    assert resumed.solver_state.step == 0


@dataclasses.dataclass
class AveragingState(FitState):
    # The way the docstring says a field is added: declared with a default.
    averaged: list | None = None


def test_a_field_declared_with_a_default_is_resumed_without_other_changes():
    model = fitted(batch_size=30)
    old = model._fit_state
    state = AveragingState(**{field.name: getattr(old, field.name)
                              for field in dataclasses.fields(old)})
    state.averaged = [p + 1.0 for p in state.params]
    resumed = state.resumed(model.solver_, y_ndim=1)
    assert resumed.averaged is not state.averaged
    for copied, kept in zip(resumed.averaged, state.averaged):
        assert_array_equal(copied, kept)
    # A state pickled before the field existed reads the default.
    legacy = pickle.loads(pickle.dumps(old))
    legacy.__class__ = AveragingState
    assert legacy.averaged is None
