"""Early stopping over problems drawn at random (hypothesis): it stops, keeps its best epoch,
and never trains longer than the same fit without it.

Each problem passes its held-out rows as ``X_val``, so that the fits with and
without early stopping train on the same rows and take the same steps until
early stopping ends its fit. Problems are drawn over sizes, noise, weights,
dense and CSR storage, batch sizes (full and mini), the L2 penalty and both
epoch drivers.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import sklearn_adam._kernels as kernels
from sklearn_adam import AdamLinearRegressor

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw):
    """Training and held-out rows of one problem, its weights and the fit's settings."""
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    n_samples = draw(st.integers(40, 400))
    n_features = draw(st.integers(1, 6))
    noise = draw(st.sampled_from([0.01, 0.3, 1.0, 5.0]))
    coef = rng.randn(n_features) * 10.0 ** rng.uniform(-1, 1, n_features)
    X = rng.randn(n_samples + 60, n_features) * 10.0 ** rng.uniform(-2, 2, n_features)
    y = X @ coef + rng.randn() + noise * rng.randn(n_samples + 60) * np.std(X @ coef)
    weight = rng.uniform(0.2, 3.0, n_samples + 60) if draw(st.booleans()) else None
    if draw(st.booleans()):
        X[rng.rand(*X.shape) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    batch_size = draw(st.sampled_from(["auto", 8, 32, 100]))
    split = [slice(0, n_samples), slice(n_samples, None)]
    train, held_out = ([X[part], y[part], None if weight is None else weight[part]]
                       for part in split)
    params = dict(batch_size=batch_size, random_state=draw(st.integers(0, 9)),
                  n_iter_no_change=draw(st.sampled_from([3, 20])),
                  alpha=draw(st.sampled_from([0.0, 1.0])))
    return train, held_out, params


@pytest.mark.parametrize("path", ["compiled", "numpy"])
@SETTINGS
@given(problem=problems())
def test_early_stopping_stops_keeps_its_best_epoch_and_never_trains_longer(path, problem):
    (X, y, weight), (X_val, y_val, weight_val), params = problem
    with pytest.MonkeyPatch.context() as monkeypatch, warnings.catch_warnings():
        monkeypatch.setattr(kernels, "ENABLED", path == "compiled")
        warnings.simplefilter("error", ConvergenceWarning)
        stopped = AdamLinearRegressor(early_stopping=True, **params).fit(
            X, y, weight, X_val=X_val, y_val=y_val, sample_weight_val=weight_val
        )
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = AdamLinearRegressor(**params).fit(X, y, weight)
    # It stopped, without a warning, before max_iter.
    assert stopped.n_iter_ < stopped.max_iter
    # Never longer than the same fit without early stopping.
    assert stopped.n_iter_ <= plain.n_iter_
    # The kept coefficients are those of the best scored epoch: their score
    # on the held-out rows is the best of the curve.
    scores = stopped.validation_scores_
    assert stopped.best_validation_score_ == max(scores)
    kept = stopped.score(X_val, y_val, weight_val)
    np.testing.assert_allclose(kept, stopped.best_validation_score_, rtol=0, atol=1e-9)
