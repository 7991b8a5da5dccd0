"""Fits of dask arrays on a local cluster of 1 and 2 workers, next to the in-memory fit and dask-ml.

The data are generated on the workers (``dask.array.random``, seeded) and
persisted there, so that no timing includes making them and the client never
holds them; only the in-memory rows compute them into this process. For each
cluster size, in the same run:

- ``AdamLinearRegressor().fit`` at the defaults on the dask arrays: the
  statistics pass, the normal-equations pass, then every step here (no
  message per step); seconds, epochs, seconds per epoch;
- the same with the normal equations switched off, as for more than 2048
  features: one round trip to every block per step (``max_iter`` of a few
  steps, timed per step);
- ``dask_ml.wrappers.Incremental(SGDRegressor())``: one pass of
  ``partial_fit`` over the blocks;
- ``dask_ml.linear_model.LinearRegression()`` (its default ADMM solver);

and once, in memory: ``AdamLinearRegressor().fit`` and ``LinearRegression``
on the computed arrays. Each line gives the median of ``--repeats`` fits,
the relative error of its coefficients against ``LinearRegression`` on the
computed data (on the standardized scale: each coefficient times its
feature's standard deviation, divided by the norm) and the training R^2.
Run from the repository root::

    python -m benchmarks.distributed                     # 2,000,000 x 20: about 3 minutes
    python -m benchmarks.distributed --rows 400000 --repeats 1
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, SGDRegressor
from sklearn.metrics import r2_score

from sklearn_adam import AdamLinearRegressor

# Steps the per-step mode is timed over.
ROUND_TRIP_STEPS = 10


def make_data(n_rows, n_features, chunk_rows):
    """X and y generated and persisted on the cluster's workers."""
    import dask.array as da

    random = da.random.RandomState(0)
    X = random.standard_normal((n_rows, n_features), chunks=(chunk_rows, n_features))
    coef = np.linspace(-2, 3, n_features)
    y = X @ coef + 5 + random.standard_normal(n_rows, chunks=chunk_rows)
    return X.persist(), y.persist()


def timed(make, X, y, repeats):
    """Median seconds of ``repeats`` fits of ``make()`` after one untimed fit, and the model.

    The untimed fit pays what a process (or a worker) loads once: numba's
    kernels, the modules a task imports on a fresh worker.
    """
    model = make().fit(X, y)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        model = make().fit(X, y)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), model


def per_step_mode(X, y):
    """A fit of a few round-trip steps: seconds per step."""
    from sklearn_adam._distributed import _training

    # The switch a fit with more than 2048 features would take by itself.
    pays_off = _training.normal_equations_pay_off
    _training.normal_equations_pay_off = lambda *arguments: False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            AdamLinearRegressor(max_iter=ROUND_TRIP_STEPS).fit(X, y)
            whole = time.perf_counter() - start
    finally:
        _training.normal_equations_pay_off = pays_off
    return whole / ROUND_TRIP_STEPS


def processor():
    """The processor's model name, where the system says it."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown processor"


def in_memory(X, y, repeats):
    """Rows of the table for the fits of the computed arrays."""
    seconds, exact = timed(LinearRegression, X, y, repeats)
    rows = [("LinearRegression, in memory", "-", seconds, "-", exact.coef_, exact.predict(X))]
    seconds, adam = timed(AdamLinearRegressor, X, y, repeats)
    rows.append(("AdamLinearRegressor, in memory", "-", seconds, adam.n_iter_, adam.coef_,
                 adam.predict(X)))
    return rows


def on_cluster(X, y, workers, X_memory, repeats):
    """Rows of the table for the fits of the dask arrays on the current cluster."""
    from dask_ml.linear_model import LinearRegression as DaskLinearRegression
    from dask_ml.wrappers import Incremental

    seconds, adam = timed(AdamLinearRegressor, X, y, repeats)
    rows = [("AdamLinearRegressor, dask", workers, seconds, adam.n_iter_, adam.coef_,
             adam.predict(X_memory))]
    rows.append(("  one round trip per step", workers, per_step_mode(X, y), 1, None, None))
    seconds, sgd = timed(
        lambda: Incremental(SGDRegressor(penalty=None, random_state=0)), X, y, repeats
    )
    rows.append(("Incremental(SGDRegressor), 1 pass", workers, seconds, 1,
                 sgd.estimator_.coef_, sgd.estimator_.predict(X_memory)))
    seconds, admm = timed(DaskLinearRegression, X, y, repeats)
    rows.append(("dask_ml LinearRegression (admm)", workers, seconds, "-", admm.coef_,
                 np.asarray(X_memory @ admm.coef_ + admm.intercept_)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import dask
    import dask_ml
    import distributed

    size_mb = args.rows * args.features * 8 / 2**20
    print(f"X: {args.rows:,} x {args.features} float64 ({size_mb:.0f} MiB), blocks of "
          f"{args.chunk_rows:,} rows; {os.cpu_count()} cores, {processor()}; "
          f"dask {dask.__version__}, distributed {distributed.__version__}, "
          f"dask-ml {dask_ml.__version__}; medians of {args.repeats}\n")
    rows, reference = [], None
    for n_workers in (1, 2):
        with distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster, distributed.Client(cluster):
            X, y = make_data(args.rows, args.features, args.chunk_rows)
            if reference is None:
                reference = (X.compute(), y.compute())
                rows += in_memory(*reference, args.repeats)
            rows += on_cluster(X, y, str(n_workers), reference[0], args.repeats)

    X_memory, y_memory = reference
    scale = X_memory.std(axis=0)
    reference_coef = rows[0][4] * scale
    norm = np.linalg.norm(reference_coef)
    print(f"{'':36s} {'workers':>7s} {'seconds':>8s} {'epochs':>7s} {'s/epoch':>8s} "
          f"{'coef error':>10s} {'train R^2':>10s}")
    for name, workers, seconds, epochs, coef, prediction in rows:
        error = "-" if coef is None else (
            f"{np.linalg.norm(np.ravel(coef) * scale - reference_coef) / norm:.1e}"
        )
        r2 = "-" if prediction is None else f"{r2_score(y_memory, prediction):.6f}"
        per_epoch = f"{seconds / epochs:.4f}" if isinstance(epochs, int) else "-"
        print(f"{name:36s} {workers:>7s} {seconds:>8.3f} {epochs!s:>7s} {per_epoch:>8s} "
              f"{error:>10s} {r2:>10s}")


if __name__ == "__main__":
    main()
