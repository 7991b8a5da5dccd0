"""The lasso and elastic-net penalties on dask arrays, on a real two-worker ``distributed`` cluster.

A fit on blocks takes the in-memory fit's full-batch steps, the proximal
step included, each gradient summed over the blocks where they live: the
same number of epochs gives the same model, with the same exact zeros. As
in ``tests/test_losses_distributed.py``, one round trip per epoch makes a
fit to ``tol`` slow on a cluster of processes, so most fits here are held to
the in-memory fit of the same number of epochs (1e-10 relative; 5e-13
measured); one runs to convergence on an ``X`` that only the workers hold,
and is held to :class:`~sklearn.linear_model.Lasso` (1e-7 relative).
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

from sklearn_adam import AdamLinearRegressor

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

PENALTIES = [pytest.param("l1", None, id="l1"),
             pytest.param("elasticnet", 0.3, id="elasticnet-0.3")]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def _problem(n_samples=900, n_features=8, n_targets=None, seed=0):
    """Three informative features of various scales and offsets; the rest are noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 5, n_features) + 3.0
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    coef = np.zeros(shape)
    coef[:3] = rng.uniform(1, 3, (3,) + shape[1:])
    noise = rng.normal(size=(n_samples,) + shape[1:])
    return X, X @ coef + 2.0 + noise


def _fit(X, y, penalty, l1_ratio, max_iter, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return AdamLinearRegressor(penalty=penalty, l1_ratio=l1_ratio, alpha=1.0,
                                   max_iter=max_iter, random_state=0).fit(X, y, **fit_params)


@pytest.mark.parametrize("penalty, l1_ratio", PENALTIES)
def test_blocks_take_the_in_memory_proximal_steps(client, penalty, l1_ratio):
    X, y = _problem()
    weight = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    X_dask, y_dask, weight_dask = (da.from_array(a, chunks=(300,) + a.shape[1:])
                                   for a in (X, y, weight))
    model = _fit(X_dask, y_dask, penalty, l1_ratio, 30, sample_weight=weight_dask)
    in_memory = _fit(X, y, penalty, l1_ratio, 30, sample_weight=weight)
    # Both end on the same epoch: the normal equations' finish, or max_iter.
    assert model.n_iter_ == in_memory.n_iter_
    assert_allclose(model.coef_, in_memory.coef_, rtol=1e-10, atol=1e-13)
    assert_array_equal(model.coef_ == 0, in_memory.coef_ == 0)
    assert (model.coef_[3:] == 0).any()
    # The standardized intercept's gradient starts at zero (the targets are
    # centered), so its first steps are Adam's normalization of rounding
    # noise, which the blocks' sums and the in-memory sums make differently
    # (3e-10 after one step, 1e-5 relative after 40 measured). The smooth
    # penalty's fits share the normal equations' sums and never show it;
    # converged fits agree (the last test).
    assert_allclose(model.intercept_, in_memory.intercept_, rtol=1e-3)


def test_several_targets_on_blocks(client):
    X, y = _problem(n_targets=2)
    model = _fit(da.from_array(X, chunks=(300, 8)), da.from_array(y, chunks=(300, 2)),
                 "l1", None, 30)
    in_memory = _fit(X, y, "l1", None, 30)
    assert model.coef_.shape == (2, 8)
    assert_allclose(model.coef_, in_memory.coef_, rtol=1e-10, atol=1e-13)
    assert_array_equal(model.coef_ == 0, in_memory.coef_ == 0)


def test_a_solver_without_step_sizes_is_refused_before_the_blocks_are_read(client):
    class PlainDescent:
        def init(self, params):
            return None

        def update(self, grads, state, learning_rate, params):
            return [-learning_rate * g for g in grads], state

    X, y = _problem()
    model = _fit(da.from_array(X, chunks=(300, 8)), da.from_array(y, chunks=300), "l1", None, 5)
    coef = model.coef_.copy()
    model.set_params(solver=PlainDescent())
    with pytest.raises(TypeError, match="PlainDescent needs a step_sizes"):
        model.fit(da.from_array(X, chunks=(300, 8)), da.from_array(y, chunks=300))
    assert_array_equal(model.coef_, coef)


def test_a_fit_on_blocks_the_client_never_holds_is_the_lasso(client):
    # X lives only on the workers: each block is drawn there from its seed.
    n_samples, n_features, rows = 200_000, 6, 50_000

    def draw(block, block_info=None):
        start = block_info[None]["array-location"][0][0]
        rng = np.random.default_rng(start)
        return rng.normal(size=block.shape) * np.arange(1, n_features + 1) + 1.0

    X = da.zeros((n_samples, n_features), chunks=(rows, n_features)).map_blocks(
        draw, dtype=np.float64
    )
    y = X @ np.array([2.0, -1.0, 0.5, 0.0, 0.0, 0.0]) + 0.5 + da.sin(X[:, 0])
    workers = set(client.scheduler_info()["workers"])

    def sent_away():
        """Bytes the workers served to anyone but a worker, as dask sizes them."""
        logs = client.run(lambda dask_worker: list(dask_worker.transfer_outgoing_log))
        return sum(entry["total"] for log in logs.values() for entry in log
                   if entry["who"] not in workers)

    before = sent_away()
    model = AdamLinearRegressor(penalty="l1", alpha=0.2).fit(X, y)
    # The coefficients and gradients of each epoch's round trip, counted by
    # dask at full size: 2.9e5 bytes for 4e4 rows (15%), whatever the rows.
    assert sent_away() - before < X.nbytes / 20
    X_here, y_here = X.compute(), y.compute()
    peer = Lasso(alpha=0.2, tol=1e-12, max_iter=100_000).fit(X_here, y_here)
    assert_array_equal(model.coef_ == 0, peer.coef_ == 0)
    assert (model.coef_ == 0).sum() == 3
    assert np.abs(model.coef_ - peer.coef_).max() < 1e-7 * np.abs(peer.coef_).max()


def test_a_path_on_blocks_is_the_in_memory_path(client):
    from sklearn_adam import adam_path

    X, y = _problem()
    X_dask, y_dask = da.from_array(X, chunks=(300, 8)), da.from_array(y, chunks=300)
    estimator = AdamLinearRegressor(penalty="l1", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alphas, coefs, _ = adam_path(X_dask, y_dask, estimator=estimator, alphas=[2.0, 0.5])
        _, in_memory, _ = adam_path(X, y, estimator=estimator, alphas=[2.0, 0.5])
    assert_array_equal(alphas, [2.0, 0.5])
    assert_allclose(coefs, in_memory, rtol=1e-10, atol=1e-13)
    assert_array_equal(coefs == 0, in_memory == 0)
    # Its grid needs the data in memory: asked of blocks, it says so.
    with pytest.raises(ValueError, match="with a dask collection, pass the alphas"):
        adam_path(X_dask, y_dask, estimator=estimator, alphas=5)
