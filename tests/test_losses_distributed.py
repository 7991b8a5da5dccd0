"""Every loss on dask arrays, on a real two-worker ``distributed`` cluster.

A fit on blocks takes the in-memory fit's full-batch steps, each gradient
summed over the blocks where they live: the same number of epochs gives the
same model. One round trip per epoch makes a fit to ``tol`` slow on a
cluster of two processes, so the fits here are held to the in-memory fit of
the same number of epochs; the in-memory fits are held to the peers in
``tests/test_losses_paths.py``.
"""

import warnings

import numpy as np
import pytest
from loss_data import targets_for
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sklearn_adam import AdamLinearRegressor

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

LOSSES = ["poisson", "gamma", "quantile", "absolute_error"]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def _fit(X, y, loss, max_iter, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return AdamLinearRegressor(loss=loss, quantile=0.8, max_iter=max_iter,
                                   random_state=0).fit(X, y, **fit_params)


@pytest.mark.parametrize("loss", LOSSES)
def test_blocks_take_the_in_memory_steps_and_predict_the_same(client, loss):
    X, y = targets_for(loss)
    weight = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    X_dask, y_dask, weight_dask = (da.from_array(a, chunks=(300,) + a.shape[1:])
                                   for a in (X, y, weight))
    model = _fit(X_dask, y_dask, loss, 30, sample_weight=weight_dask)
    in_memory = _fit(X, y, loss, 30, sample_weight=weight)
    assert model.n_iter_ == in_memory.n_iter_ == 30
    assert_allclose(model.coef_, in_memory.coef_, rtol=1e-10, atol=1e-13)
    assert_allclose(model.intercept_, in_memory.intercept_, rtol=1e-10)
    predicted = model.predict(X_dask)
    assert isinstance(predicted, da.Array)
    # For a log link, predict returns the mean exp(X @ coef_ + intercept_).
    assert_allclose(predicted.compute(), in_memory.predict(X), rtol=1e-10)


def test_several_targets_on_blocks(client):
    X, y = targets_for("poisson", n_targets=2)
    model = _fit(da.from_array(X, chunks=(300, 4)), da.from_array(y, chunks=(300, 2)),
                 "poisson", 20)
    assert model.coef_.shape == (2, 4)
    assert_allclose(model.coef_, _fit(X, y, "poisson", 20).coef_, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("loss, bad, requirement", [
    ("poisson", -1.0, "non-negative"), ("gamma", 0.0, "positive"),
])
@pytest.mark.parametrize("targets_on_blocks", [True, False])
def test_targets_the_loss_refuses_are_named_by_row_before_training(
        client, loss, bad, requirement, targets_on_blocks):
    X, y = targets_for(loss)
    y[[5, 412, 899]] = bad  # in the first, second and last block
    y_before = y.copy()
    y_passed = da.from_array(y, chunks=300) if targets_on_blocks else y
    model = AdamLinearRegressor(loss=loss)
    with pytest.raises(ValueError, match=rf"y of loss='{loss}' must be {requirement}; "
                                         r"rows 5, 412, 899 are not"):
        model.fit(da.from_array(X, chunks=(300, 4)), y_passed)
    assert not hasattr(model, "coef_")
    assert_allclose(y, y_before, rtol=0)


def test_a_failed_fit_on_blocks_keeps_the_previous_model(client):
    X, y = targets_for("gamma")
    X_dask = da.from_array(X, chunks=(300, 4))
    model = _fit(X_dask, da.from_array(y, chunks=300), "gamma", 10)
    coef = model.coef_.copy()
    y[7] = -2.0
    with pytest.raises(ValueError, match="rows 7 are not"):
        model.fit(X_dask, da.from_array(y, chunks=300))
    assert_allclose(model.coef_, coef, rtol=0)
