"""The compiled epochs of the losses beyond squared error, against the numpy epochs.

Fits ``loss="poisson"`` and ``loss="quantile"`` (quantile 0.9, smoothed over
a width of 0.01 in the targets' scaled units, as the training of a
non-smooth loss does before its exact finish) on 200,000 x 50 dense data,
full batch (``max_iter`` runs of full-batch steps, each a pass over ``X``)
and in batches of 256 (a few epochs), once with the compiled kernels and
once with them switched off, every fit taking the same steps
(``tol=0``, no early end). Prints the CPU seconds of the calling thread of
each (the numpy epochs' products limited to one BLAS thread, as the kernels
take one core) and their ratio. Run from the repository root::

    python -m benchmarks.compiled_losses            # about 4 minutes on 2 busy cores
"""

import argparse
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import sklearn_adam._kernels as kernels
from sklearn_adam import AdamLinearRegressor


class SmoothedRegressor(AdamLinearRegressor):
    """The estimator, its non-smooth loss smoothed over ``width`` (set on the instance)."""

    width = 0.0

    def _objective_parts(self):
        datafit, penalty = super()._objective_parts()
        if datafit.smooth:
            return datafit, penalty
        return datafit.with_smoothing(self.width), penalty


def problem(loss, n_samples=200_000, n_features=50, seed=0):
    """Standard normal features and targets ``loss`` fits: counts, or heavy-tailed values."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    signal = X @ (rng.standard_normal(n_features) / np.sqrt(n_features))
    if loss == "poisson":
        return X, rng.poisson(np.exp(0.5 * signal + 1.0)).astype(float)
    return X, signal + rng.standard_t(3, n_samples)


def seconds(model, X, y, compiled, repeats):
    """The least CPU seconds of the calling thread over ``repeats`` fits."""
    kernels.ENABLED = compiled
    times = []
    try:
        for _ in range(repeats):
            start = time.thread_time()
            model.fit(X, y)
            times.append(time.thread_time() - start)
    finally:
        kernels.ENABLED = True
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-batch-steps", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=2, help="epochs of batches of 256 (2)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"{'fit, 200,000 x 50':46s} {'compiled':>9s} {'numpy':>9s} {'speed-up':>9s}")
    for loss in ("poisson", "quantile"):
        X, y = problem(loss)
        for batch_size, max_iter in ((None, args.full_batch_steps), (256, args.epochs)):
            model = SmoothedRegressor(loss=loss, quantile=0.9, batch_size=batch_size,
                                      max_iter=max_iter, tol=0.0, n_iter_no_change=10**6,
                                      random_state=0)
            model.width = 0.01
            model.fit(X, y)  # compiles, or loads the cache
            with threadpool_limits(1):
                fast = seconds(model, X, y, True, args.repeats)
                slow = seconds(model, X, y, False, args.repeats)
            kind = (f"{max_iter} full-batch steps" if batch_size is None
                    else f"batch_size=256, {max_iter} epochs")
            print(f"{loss + ', ' + kind:46s} {fast:8.2f}s {slow:8.2f}s {slow / fast:8.1f}x")


if __name__ == "__main__":
    main()
