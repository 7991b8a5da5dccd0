"""Estimators pickled by version 0.1 load, predict and resume as 0.1 did, to rounding.

``tests/data/fitted_by_0.1.pkl`` was written by version 0.1 (commit 555582f,
with numba): four estimators after 5 epochs with ``warm_start=True``, and
what 0.1 itself gave when each was unpickled and trained on by one more
``fit`` and by one ``partial_fit``.
"""

import pickle
import warnings
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

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
    assert not hasattr(model, "_params") and model._carried.params[0].shape == (1, 4)
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
