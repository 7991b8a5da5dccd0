"""What a full-batch step by a pass over X costs, in reads of X.

Where the normal equations do not pay off (sparse X with more squared
columns than twice its non-zeros, dense X with more than 2,048 columns), each
full-batch step of ``AdamLinearRegressor`` is a compiled pass over X. On
CSR 100,000 x 2,000 at 0.5% and dense 20,000 x 4,000 float64 data, this
prints, measured in the same run:

- one read of X: the median time of ``X @ v`` (scipy's CSR product; numpy's
  BLAS product, on one thread, for dense X), a pass that reads every stored
  value once;
- one step: the time of a fit's compiled runs of full-batch steps
  (``CompiledEpochs.run_steps``, timed around each call) divided by the steps
  they took, at default settings but ``max_iter``;
- their ratio (the target: at most 2).

Times are CPU seconds of the calling thread (``time.thread_time``), where
both run alone: on a shared machine, wall time also counts the other
tenants' turns (the wall-clock ratio is printed beside). Run from the
repository root::

    python -m benchmarks.step_cost              # about a minute on 2 cores
    python -m benchmarks.step_cost --max-iter 400
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import sklearn_adam._engine._compiled as compiled_module
from benchmarks.datasets import large_dense, large_sparse
from benchmarks.speed import format_table, number
from sklearn_adam import AdamLinearRegressor

PROBLEMS = {
    "CSR 100,000 x 2,000 at 0.5%": lambda: large_sparse(100_000, 2_000, density=0.005),
    "dense 20,000 x 4,000": lambda: large_dense(20_000, 4_000),
}


def read_seconds(X, repeats):
    """Median CPU and wall seconds of ``X @ v``: one read of X."""
    v = np.random.default_rng(0).standard_normal(X.shape[1])
    cpu, wall = [], []
    for _ in range(repeats):
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        X @ v
        cpu.append(time.thread_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return statistics.median(cpu), statistics.median(wall)


def step_seconds(X, y, max_iter):
    """CPU and wall seconds per full-batch step of a fit's compiled runs, and the steps."""
    runs = []
    run_steps = compiled_module.CompiledEpochs.run_steps

    def timed_run_steps(self, *args, **kwargs):
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        result = run_steps(self, *args, **kwargs)
        runs.append((time.thread_time() - cpu_start, time.perf_counter() - wall_start,
                     len(result[0])))
        return result

    compiled_module.CompiledEpochs.run_steps = timed_run_steps
    try:
        AdamLinearRegressor(max_iter=max_iter).fit(X, y)
    finally:
        compiled_module.CompiledEpochs.run_steps = run_steps
    steps = sum(run[2] for run in runs)
    if steps == 0:
        raise RuntimeError("the fit took no full-batch step by a pass over X")
    return sum(run[0] for run in runs) / steps, sum(run[1] for run in runs) / steps, steps


def row(name, make, max_iter, repeats):
    """The table's row of one problem."""
    X, y = make()
    # Compile the kernels for this kind of X on a slice of it.
    AdamLinearRegressor(max_iter=3).fit(X[:200], y[:200])
    read_cpu, read_wall = read_seconds(X, repeats)
    step_cpu, step_wall, steps = step_seconds(X, y, max_iter)
    return [name, number(1e3 * read_cpu), number(1e3 * step_cpu), str(steps),
            number(step_cpu / read_cpu), number(step_wall / read_wall)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=200, help="steps of each fit (200)")
    parser.add_argument("--repeats", type=int, default=21, help="reads of X per median (21)")
    args = parser.parse_args(argv)
    rows = []
    with warnings.catch_warnings(), threadpool_limits(1, "blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, make in PROBLEMS.items():
            rows.append(row(name, make, args.max_iter, args.repeats))
    print(format_table(
        ["X", "read ms", "step ms", "steps", "step / read", "wall step / read"], rows
    ))


if __name__ == "__main__":
    main()
