"""What a user gets at the default settings, next to the closed form and the peers' defaults.

For each problem, ``LinearRegression().fit`` and then
``AdamLinearRegressor(random_state=0)``, ``SGDRegressor`` and ``MLPRegressor``
(Adam, no hidden layer), each at its defaults, are measured in the same run:

- seconds to a training MSE within 1% of the optimum (the median of three
  runs where the first got there within the budget). AdamLinearRegressor:
  the fresh ``fit`` with the fewest epochs (``max_iter`` of 1, 2, 4, ...) that
  ends there, all of that fit timed, its gathering of the normal equations
  included. The peers: ``partial_fit`` epoch by epoch, only the epochs timed.
  LinearRegression: its fit;
- seconds of one plain ``fit`` to the estimator's own idea of convergence
  (the median of three for LinearRegression and AdamLinearRegressor);
  on a shared virtual machine, whose hypervisor may take half of the
  processor's time (``st`` in ``top``), medians of one run still move by
  tens of percent from run to run;
- the relative error of that fit's coefficients against a precise
  reference, on the standardized scale (each coefficient times its feature's
  standard deviation), and its epochs. The reference is
  ``LinearRegression``'s answer, on sparse data with ``tol=1e-12`` (its
  default ``tol=1e-6`` stops its sparse solver at about that precision);
- whether that fit warned that it did not converge.

Run from the repository root::

    python -m benchmarks.defaults                # 200,000 x 50, sparse and small: 2 min
    python -m benchmarks.defaults --size all     # adds 1,000,000 x 100 (float64, float32)
"""

import argparse
import inspect
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, SGDRegressor
from sklearn.neural_network import MLPRegressor

from benchmarks.datasets import ill_conditioned, large_dense, large_sparse
from benchmarks.speed import format_table, machine, number, print_machine, timed
from sklearn_adam import AdamLinearRegressor

# Training MSE to reach: within this fraction of the optimum above it.
EXCESS = 0.01
# Seconds each time-to-target run may take, per size of problem.
BUDGETS = {"small": 10.0, "tall": 60.0}


def exact_weighted():
    """6 weighted rows, 5 features and an intercept: fitted exactly by the closed form."""
    rng = np.random.RandomState(0)
    X = rng.randn(6, 5) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 0, 1]
    y = X @ rng.randn(5) + 3
    return X, y, rng.uniform(0.5, 2, 6)


def problems(size):
    """(name, kind, X, y, sample_weight) of each problem; kind is "tall" or "small"."""
    tall = [(200_000, 50)] + ([(1_000_000, 100)] if size == "all" else [])
    for n_samples, n_features in tall:
        for dtype in (np.float64, np.float32):
            X, y = large_dense(n_samples, n_features, dtype=dtype)
            yield (f"dense {np.dtype(dtype).name}, {n_samples:,} x {n_features}", "tall", X, y,
                   None)
    for n_samples, n_features, density in ((200_000, 50, 0.01), (100_000, 2_000, 0.005)):
        X, y = large_sparse(n_samples, n_features, density=density)
        yield (f"CSR, {n_samples:,} x {n_features:,} at {density:.1%}", "tall", X, y, None)
    yield from small_problems()


def small_problems():
    """(name, "small", X, y, sample_weight) of the problems a closed form fits in microseconds."""
    X, y = load_diabetes(return_X_y=True, scaled=False)
    yield "raw diabetes, 442 x 10", "small", X, y, None
    X, y, weight = exact_weighted()
    yield "exact fit, weighted, 6 x 5", "small", X, y, weight
    # The standardized condition number comes out at 104 (the construction's
    # 150 is that of the Gram matrix before the columns are rescaled).
    X, y = ill_conditioned(condition=150, n_samples=16, n_features=6)
    yield "correlated, 16 x 6, standardized condition 104", "small", X, y, None


def peers(n_samples):
    """(name, make, make for time to target, how) of each estimator at its defaults.

    ``how`` is "fits" for fresh fits of ``max_iter`` epochs (the maker takes
    it), "partial_fit" for epochs one call at a time.
    """
    yield ("AdamLinearRegressor", lambda: AdamLinearRegressor(random_state=0),
           lambda max_iter: AdamLinearRegressor(random_state=0, max_iter=max_iter), "fits")
    yield ("SGDRegressor", lambda: SGDRegressor(random_state=0),
           lambda: SGDRegressor(random_state=0), "partial_fit")
    # No hidden layer: a linear model. Its default batch is min(200, n_samples).
    yield ("MLPRegressor", lambda: MLPRegressor(hidden_layer_sizes=(), random_state=0),
           lambda: MLPRegressor(hidden_layer_sizes=(), random_state=0), "partial_fit")


def mse(model, X, y, sample_weight):
    """Weighted mean squared error of ``model`` on the training data, in float64."""
    residual = np.subtract(y, model.predict(X), dtype=np.float64)
    return float(np.average(np.square(residual), weights=sample_weight))


def coefficients(model):
    """The fitted coefficients, whatever the estimator."""
    if hasattr(model, "coefs_"):
        return np.ravel(model.coefs_[0])
    return np.ravel(model.coef_)


def column_std(X):
    """Standard deviation of each column, dense or sparse, in float64."""
    if sp.issparse(X):
        mean = np.asarray(X.mean(axis=0)).ravel()
        return np.sqrt(np.maximum(np.asarray(X.multiply(X).mean(axis=0)).ravel() - mean**2, 0))
    return X.std(axis=0, dtype=np.float64)


def seconds_to_target(make, how, X, y, sample_weight, target, budget):
    """(seconds, epochs) until the training MSE is at most ``target``; None past the budget."""
    fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if how == "fits":
            max_iter, spent = 1, 0.0
            while spent < budget:
                model = make(max_iter)
                seconds = timed(model.fit, X, y, *([sample_weight] if fit_params else []))
                if mse(model, X, y, sample_weight) <= target:
                    return seconds, model.n_iter_
                spent += seconds
                max_iter *= 2
            return None, max_iter // 2
        model, seconds, epochs = make(), 0.0, 0
        while seconds < budget:
            seconds += timed(lambda: model.partial_fit(X, y, **fit_params))
            epochs += 1
            if mse(model, X, y, sample_weight) <= target:
                return seconds, epochs
    return None, epochs


def reference_fit(X, y, sample_weight):
    """LinearRegression's answer, precise on sparse data too."""
    precise = {"tol": 1e-12} if sp.issparse(X) and "tol" in LinearRegression().get_params() else {}
    return LinearRegression(**precise).fit(X, y, sample_weight)


def run_problem(name, kind, X, y, sample_weight):
    fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    closed_seconds = float(np.median([
        timed(LinearRegression().fit, X, y, sample_weight) for _ in range(3)
    ]))
    closed = LinearRegression().fit(X, y, sample_weight)
    exact = reference_fit(X, y, sample_weight)
    optimum = mse(exact, X, y, sample_weight)
    # An exact fit has an optimum of zero: measure 1% of a tiny floor instead.
    target = optimum + EXCESS * max(optimum, 1e-12 * float(np.var(y)))
    scale = column_std(X)
    reference = np.ravel(exact.coef_) * scale

    def error(model):
        difference = coefficients(model) * scale - reference
        return number(np.linalg.norm(difference) / np.linalg.norm(reference), 2)

    rows = [["LinearRegression", number(closed_seconds), "-", number(closed_seconds),
             error(closed), "-", "no"]]
    for peer, make, make_for_target, how in peers(X.shape[0]):
        if sample_weight is not None and not _takes_sample_weight(make()):
            rows.append([peer, "no sample_weight in this scikit-learn", *["-"] * 5])
            continue
        # A first fit on a few rows compiles or loads whatever the estimator caches.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            make().fit(X[:50], y[:50])
        to_target, epochs_to_target = seconds_to_target(
            make_for_target, how, X, y, sample_weight, target, BUDGETS[kind]
        )
        if to_target is not None:
            # Reached: the median of three runs, like the fits below.
            repeats = [
                seconds_to_target(make_for_target, how, X, y, sample_weight, target,
                                  BUDGETS[kind])[0]
                for _ in range(2)
            ]
            to_target = float(np.median([to_target] + [r for r in repeats if r is not None]))
        repeats = 3 if peer == "AdamLinearRegressor" else 1
        fit_seconds = []
        for _ in range(repeats):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                model = make().fit(X, y, **fit_params)
                fit_seconds.append(time.perf_counter() - start)
        warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        rows.append([
            peer,
            "-" if to_target is None else number(to_target),
            str(epochs_to_target) if to_target is not None else f">{epochs_to_target}",
            number(float(np.median(fit_seconds))),
            error(model),
            str(model.n_iter_),
            "yes" if warned else "no",
        ])
    return closed_seconds, rows


def _takes_sample_weight(model):
    return "sample_weight" in inspect.signature(model.fit).parameters


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.defaults",
        description="Estimators at their default settings against the closed form.",
    )
    parser.add_argument("--size", choices=("small", "all"), default="small",
                        help="'all' adds 1,000,000 x 100 dense problems (several minutes)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    print_machine(machine())
    print(f"Targets: training MSE within {EXCESS:.0%} of the optimum; coefficient error "
          "relative to a precise reference (LinearRegression's; tol=1e-12 on sparse data), "
          "on coefficients times feature standard deviations.")
    header = ["estimator", "s to 1%", "epochs to 1%", "s to converge", "coef error",
              "epochs", "warned"]
    start = time.perf_counter()
    for name, kind, X, y, sample_weight in problems(args.size):
        closed_seconds, rows = run_problem(name, kind, X, y, sample_weight)
        print(f"\n== {name}: LinearRegression().fit takes {number(closed_seconds)} s\n")
        print(format_table(header, rows), flush=True)
    print(f"\nTotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
