"""Estimators pickled by version 0.1 load, predict and resume as 0.1 did, to rounding.

``tests/data/fitted_by_0.1.pkl`` was written by version 0.1 (commit 555582f,
with numba): four estimators after 5 epochs with ``warm_start=True``, and
what 0.1 itself gave when each was unpickled and trained on by one more
``fit`` and by one ``partial_fit``.
"""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_adam import AdamLinearRegressor

# 0.1 took the compiled epoch for the rules it compiled, as these fits do
# (numba is a dependency); the numpy epoch agrees with it only to rounding.

PICKLE = Path(__file__).with_name("data") / "fitted_by_0.1.pkl"


def load():
    with warnings.catch_warnings():
        # Written with another scikit-learn version, perhaps.
        warnings.simplefilter("ignore")
        return pickle.loads(PICKLE.read_bytes())


@pytest.mark.parametrize("case", ["adam", "early stopping", "amsgrad", "nadam"])
def test_a_model_pickled_by_0_1_resumes_as_0_1_did(case):
    saved = load()
    X, y, expected = saved["X"], saved["y"], saved["cases"][case]
    model = expected["model"]
    assert model.predict(X).shape == y.shape
    assert not hasattr(model, "_params") and model._fit_state.params[0].shape == (1, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = load()["cases"][case]["model"].fit(X, y)
        chunk = load()["cases"][case]["model"].partial_fit(X, y)
    # These 120 rows are one full batch, whose steps now go through the
    # normal equations: the same steps as 0.1's passes over X, to rounding.
    assert_allclose(warm.coef_, expected["warm_fit_coef"], rtol=1e-10)
    assert_allclose(warm.loss_curve_, expected["warm_fit_loss_curve"], rtol=1e-10)
    assert_allclose(chunk.coef_, expected["partial_fit_coef"], rtol=1e-10)
    # 0.1's t_ counted steps: they are n_steps_ now, and t_ the samples seen:
    # its training rows (all 120, or 108 beside a validation split) once per
    # full-batch epoch, and partial_fit's 120.
    assert chunk.n_steps_ == expected["partial_fit_t"]
    assert model.n_steps_ == 5 and model.t_ == 5 * model.batch_size_curve_[-1]
    assert chunk.t_ == model.t_ + 120


# Written by commit c349c7b, when what a fit resumes from was a ``_carried``
# object beside the public ``solver_state_``: four models (random_state=0,
# warm_start=True) fitted on X, y (150 rows, 5 columns): adam for 5 full-batch
# epochs; early stopping with batch_size=32; amsgrad with batch_size=16,
# batch_growth=2 and the plateau schedule; nadam by two partial_fit calls;
# and what c349c7b gave when each, unpickled, was trained by one more fit and
# by one more partial_fit on X2, y2 (other rows, shifted and scaled).
CARRIED_PICKLE = Path(__file__).with_name("data") / "fitted_by_c349c7b.pkl"


# Cases whose warm fit runs mini-batches to convergence: since c349c7b a
# mini-batch whose gradients are mostly noise grows at once to every row
# (the norm test), where the batch then doubled at each stall.
CONVERGED_UNDER_A_NEWER_RULE = {"streamed nadam"}


# What c349c7b gave, to the last bits that the compiled batch gradient has
# added in the order written since (the same steps, sums rounded otherwise).
RESUMED = dict(rtol=1e-12, atol=0)


def assert_same_state(state, expected):
    # A rule's state: a dataclass of numbers, arrays and lists of arrays.
    assert type(state) is type(expected)
    for name, value in vars(expected).items():
        if isinstance(value, list):
            for array, expected_array in zip(getattr(state, name), value, strict=True):
                assert_allclose(array, expected_array, **RESUMED)
        else:
            assert_allclose(getattr(state, name), value, **RESUMED)


@pytest.mark.parametrize(
    "case", ["full batch adam", "early stopping", "mini-batch amsgrad", "streamed nadam"]
)
def test_a_model_pickled_with_a_carried_state_resumes_as_it_did(case):
    def load_case():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pickle.loads(CARRIED_PICKLE.read_bytes())

    saved = load_case()
    model, expected = saved["cases"][case]["model"], saved["cases"][case]
    assert not hasattr(model, "_carried")
    # One solver state: the one the public attribute shows.
    assert model._fit_state.solver_state is model.solver_state_
    X2, y2 = saved["X2"], saved["y2"]
    # c349c7b did not average stochastic steps: asked not to, the models
    # resume as it did.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = load_case()["cases"][case]["model"].set_params(average=False).fit(X2, y2)
        chunk = load_case()["cases"][case]["model"].set_params(average=False).partial_fit(
            X2, y2)
    outcomes = [(warm, expected["warm_fit"]), (chunk, expected["partial_fit"])]
    if case in CONVERGED_UNDER_A_NEWER_RULE:
        # The warm fit trains its mini-batches to convergence, under the
        # stopping rule of this version: the same optimum, by another path.
        outcomes = outcomes[1:]
        for name in ("coef_", "intercept_"):
            assert_allclose(getattr(warm, name), expected["warm_fit"][name], rtol=1e-7)
    for resumed, outcome in outcomes:
        for name, value in outcome.items():
            if name == "solver_state_":
                assert_same_state(resumed.solver_state_, value)
            else:
                if value is None:
                    assert getattr(resumed, name) is None, name
                else:
                    assert_allclose(getattr(resumed, name), value, err_msg=name, **RESUMED)


@pytest.mark.parametrize("case", ["mini-batch amsgrad", "streamed nadam"])
def test_a_model_pickled_before_averaging_starts_averaging_afresh(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = pickle.loads(CARRIED_PICKLE.read_bytes())
    model, X2, y2 = saved["cases"][case]["model"], saved["X2"], saved["y2"]
    assert model.get_params()["average"] is True
    assert model._fit_state.average is None
    steps_before = model.n_steps_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.partial_fit(X2, y2)
    state = model._fit_state
    # Every step of this call, and none before it.
    assert state.average.n_averaged == model.n_steps_ - steps_before > 1
    assert_allclose(model.coef_, state.fitted_attributes(state.average.params)["coef_"],
                    rtol=0, atol=0)


def test_a_parameter_added_since_a_model_was_pickled_takes_its_default():
    # A model pickled before a parameter existed loads with the parameter at
    # its default, the behaviour of the version that pickled it.
    X, y = np.random.RandomState(0).randn(40, 3), np.arange(40.0)
    model = AdamLinearRegressor(alpha=2.0, max_iter=5, warm_start=True).fit(X, y)
    state = model.__getstate__()
    del state["alpha"], state["verbose"]
    old = AdamLinearRegressor.__new__(AdamLinearRegressor)
    old.__setstate__(state)
    assert old.get_params()["alpha"] == 0.0 and old.get_params()["verbose"] is False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.fit(X, y)
    assert np.isfinite(old.coef_).all()
