"""How close AdamLinearRegressor gets to the closed form, and how fast.

Prints one row per (dataset, weights, reference, solver, schedule, tol):
epochs run, relative coefficient error ``||w - w*|| / ||w*||`` against
LinearRegression (alpha=0) or Ridge, fit time, and whether the fit warned
that it ended short of ``tol``. Every setting not named is the default; the
rows come at the default ``tol=1e-10`` and at ``tol=1e-12``. Run from the
repository root::

    python -m benchmarks.convergence            # about 20 seconds on 2 cores
    python -m benchmarks.convergence --markdown
"""

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge

from benchmarks.datasets import DATASETS, gaussian, ill_conditioned
from sklearn_adam import AdamLinearRegressor

TOLERANCES = (1e-10, 1e-12)
SCHEDULES = {
    "constant": dict(schedule="constant"),
    "plateau": dict(schedule="plateau"),
    "cosine (3000 epochs)": dict(schedule="cosine", decay_epochs=3000, decay_factor=1e-3),
}


def cases():
    """(dataset, X, y, weights, alpha, solver, schedule name, estimator settings)."""
    for name, make in DATASETS.items():
        X, y = make()
        weight = np.random.RandomState(1).uniform(0.2, 3, X.shape[0])
        for weights in (None, weight):
            for alpha in (0.0, 10.0):
                for schedule, settings in SCHEDULES.items():
                    yield name, X, y, weights, alpha, "adam", schedule, settings
    X, y = gaussian(seed=3)
    weight = np.random.RandomState(2).uniform(0.2, 3, X.shape[0])
    for solver in ("amsgrad", "nadam", "adamax"):
        for alpha in (0.0, 10.0):
            yield "gaussian", X, y, weight, alpha, solver, "plateau", SCHEDULES["plateau"]
    X, y = ill_conditioned()
    yield "ill-conditioned (1e6)", X, y, None, 0.0, "adam", "plateau", SCHEDULES["plateau"]
    yield ("ill-conditioned (1e6)", X, y, None, 0.0, "adam (beta_1=0.99)", "plateau",
           dict(beta_1=0.99))


def measure(X, y, weights, alpha, solver, settings, tol):
    dense = X.toarray() if sp.issparse(X) else X
    exact = (LinearRegression() if alpha == 0 else Ridge(alpha=alpha)).fit(
        dense, y, sample_weight=weights
    )
    settings = {"random_state": 0, **settings, "alpha": alpha, "tol": tol}
    if not solver.startswith("adam ("):
        settings["solver"] = solver
    model = AdamLinearRegressor(**settings)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y, sample_weight=weights)
    elapsed = time.perf_counter() - start
    error = np.linalg.norm(model.coef_ - exact.coef_) / np.linalg.norm(exact.coef_)
    return model.n_iter_, error, elapsed, bool(caught)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    header = ("dataset", "weights", "reference", "solver", "schedule", "tol", "epochs",
              "rel. error", "time (s)", "warned")
    # A first fit compiles or loads the kernels.
    AdamLinearRegressor().fit(*gaussian(n_samples=50))
    rows = []
    for dataset, X, y, weights, alpha, solver, schedule, settings in cases():
        for tol in TOLERANCES:
            epochs, error, elapsed, warned = measure(X, y, weights, alpha, solver, settings, tol)
            reference = "LinearRegression" if alpha == 0 else f"Ridge({alpha:g})"
            rows.append((dataset, "no" if weights is None else "yes", reference, solver,
                         schedule, f"{tol:g}", str(epochs), f"{error:.1e}", f"{elapsed:.3f}",
                         "yes" if warned else "no"))
            if not args.markdown:
                print("  ".join(rows[-1]), flush=True)
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
