"""Many features: fit time against Ridge, peak memory against LinearRegression.

Two measurements, each against its closed-form peer in the same run:

- on 250 x 2,100 dense float64 data (more features than twice the rows:
  the normal equations cost more than a pass over X), the seconds of a
  default ``AdamLinearRegressor(alpha=...)`` fit and of ``Ridge(alpha=...)``,
  medians of ``--repeats`` runs, their ratio, the epochs, the seconds per
  epoch and the relative error of the coefficients against Ridge's. The same
  fit with one Python round trip per full-batch epoch (as before its epochs
  ran many to a compiled call) is timed beside it;
- on 1,100 x 2,048 dense float64 data (the normal equations pay off), the
  peak of the memory that tracemalloc traces during a fit, against
  ``LinearRegression``'s. The peak is reached while the normal equations are
  gathered, before the first epoch: the fit is cut at ``max_iter=50``.

BLAS runs on one thread (``--blas-threads``), as the compiled epochs do: on
a shared 2-core virtual machine, Ridge's BLAS on two threads waits for the
other tenants and took 0.3 s instead of 0.02 s. The times still move by tens
of percent from run to run; the ratios, measured side by side, move less.
Run from the repository root::

    python -m benchmarks.wide                # about 3 minutes on 2 cores
    python -m benchmarks.wide --repeats 5 --blas-threads 0   # BLAS's own choice
"""

import argparse
import functools
import statistics
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge
from threadpoolctl import threadpool_limits

import sklearn_adam._engine._compiled as compiled_module
from benchmarks.datasets import large_dense
from benchmarks.speed import format_table, number, peak_bytes, timed
from sklearn_adam import AdamLinearRegressor

TIME_SHAPE = (250, 2100)
MEMORY_SHAPE = (1100, 2048)
ALPHAS = (1.0, 0.1)


def median_fit(make, X, y, repeats):
    """The median seconds of ``make().fit(X, y)`` over ``repeats`` runs, and the last model."""
    seconds = []
    for _ in range(repeats):
        model = make()
        seconds.append(timed(model.fit, X, y))
    return statistics.median(seconds), model


def relative_error(actual, expected):
    """``||actual - expected|| / ||expected||``."""
    return float(np.linalg.norm(actual - expected) / np.linalg.norm(expected))


def one_round_trip_per_epoch(make):
    """``make`` with the compiled driver's full-batch epochs run one call each."""
    def made():
        model = make()
        fit = model.fit

        def fit_epoch_by_epoch(X, y):
            saved = compiled_module.CompiledEpochs.runs_many
            compiled_module.CompiledEpochs.runs_many = False
            try:
                return fit(X, y)
            finally:
                compiled_module.CompiledEpochs.runs_many = saved

        model.fit = fit_epoch_by_epoch
        return model

    return made


def time_rows(repeats):
    """One row per alpha: Ridge and AdamLinearRegressor on 250 x 2,100."""
    X, y = large_dense(*TIME_SHAPE)
    # Compile and warm up on a slice of the same data.
    AdamLinearRegressor(max_iter=5).fit(X[:50], y[:50])
    rows = []
    for alpha in ALPHAS:
        adam = functools.partial(AdamLinearRegressor, alpha=alpha)
        ridge_seconds, ridge = median_fit(functools.partial(Ridge, alpha=alpha), X, y, repeats)
        adam_seconds, model = median_fit(adam, X, y, repeats)
        single_seconds, _ = median_fit(one_round_trip_per_epoch(adam), X, y, repeats)
        rows.append([
            f"{alpha:g}", number(ridge_seconds), number(adam_seconds),
            number(adam_seconds / ridge_seconds), str(model.n_iter_),
            number(1e6 * adam_seconds / model.n_iter_), number(single_seconds),
            f"{relative_error(model.coef_, ridge.coef_):.1e}",
        ])
    return rows


def memory_row():
    """Peak traced bytes of LinearRegression and AdamLinearRegressor on 1,100 x 2,048."""
    X, y = large_dense(*MEMORY_SHAPE)
    AdamLinearRegressor(max_iter=5).fit(X[:50, :40], y[:50])
    reference = peak_bytes(LinearRegression(), X, y)
    peak = peak_bytes(AdamLinearRegressor(max_iter=50), X, y)
    return [f"{MEMORY_SHAPE[0]:,} x {MEMORY_SHAPE[1]:,}", number(reference / 2**20),
            number(peak / 2**20), number(peak / reference), number(X.nbytes / 2**20)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per median (3)")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="threads of BLAS (1); 0 leaves BLAS its own choice")
    args = parser.parse_args(argv)
    with warnings.catch_warnings(), threadpool_limits(args.blas_threads or None, "blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        print(f"Fit time on {TIME_SHAPE[0]:,} x {TIME_SHAPE[1]:,} dense float64, "
              f"medians of {args.repeats}:")
        print(format_table(
            ["alpha", "Ridge s", "Adam s", "Adam / Ridge", "epochs", "us / epoch",
             "1 call/epoch s", "coef error"],
            time_rows(args.repeats),
        ))
        print()
        print("Peak traced memory of a fit:")
        print(format_table(
            ["shape", "LinearRegression MB", "Adam MB", "Adam / LR", "X MB"], [memory_row()],
        ))


if __name__ == "__main__":
    main()
