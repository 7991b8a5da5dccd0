"""Seconds per epoch, time to a near-optimal fit and peak memory, side by side.

Compares AdamLinearRegressor with MLPRegressor (Adam, no hidden layer),
SGDRegressor, a plain PyTorch loop with torch.optim.Adam (when torch is
installed) and the closed forms LinearRegression and Ridge, on dense float64,
dense float32 and sparse CSR float64 (1% non-zeros) problems. Each epoch time
is also set against the time to read X once, measured in the same run: the
memory-bandwidth bound of one pass over the data. Run from the repository
root::

    python -m benchmarks.speed                 # 200,000 x 50: about 3 minutes on 2 cores
    python -m benchmarks.speed --size all --json speed.json   # adds 1,000,000 x 100: 20 min
"""

import argparse
import importlib.metadata
import json
import os
import platform
import subprocess
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
from sklearn.neural_network import MLPRegressor
from threadpoolctl import threadpool_info

import sklearn_adam
from benchmarks.datasets import large_dense, large_sparse
from sklearn_adam import AdamLinearRegressor

try:
    import torch
except ImportError:  # The PyTorch rows are left out.
    torch = None

SIZES = {"small": (200_000, 50), "large": (1_000_000, 100)}
# Seconds each time-to-target run may take, per size, unless --budget says otherwise.
BUDGETS = {"small": 10.0, "large": 60.0}
PROBLEMS = {
    "dense float64": lambda n, d: large_dense(n, d),
    "dense float32": lambda n, d: large_dense(n, d, dtype=np.float32),
    "CSR float64, 1% non-zero": lambda n, d: large_sparse(n, d, density=0.01),
}
BATCH_SIZES = (32, 256, None)
# Training MSE to reach, relative to the least-squares optimum's.
TARGET_RATIO = 1.01
# The marginal epoch time needs a second fit of 2E epochs; skipped after a
# first fit longer than this many seconds.
MARGINAL_LIMIT = 30.0
# Rows of each problem used to warm up every estimator before it is timed.
WARMUP_ROWS = 2000


class TorchAdamRegressor:
    """The plain PyTorch baseline: ``torch.nn.Linear`` trained by ``torch.optim.Adam``.

    Mean squared error on the data as given (no standardization), shuffled
    mini-batches taken by indexing a fresh permutation each epoch, and
    ``torch.optim.Adam`` at its defaults (learning rate 0.001). Computes in
    the dtype of ``X``. Offers ``fit`` (``max_iter`` epochs from scratch),
    ``partial_fit`` (one more epoch) and ``predict``, like the scikit-learn
    estimators it is timed against.

    Parameters
    ----------
    batch_size : int or None, default=None
        Rows per step; None takes all rows in one step, unshuffled.
    max_iter : int, default=1
        Epochs run by ``fit``.
    random_state : int, default=0
        Seeds the initial weights and the permutations.
    """

    def __init__(self, batch_size=None, max_iter=1, random_state=0):
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y):
        """Start afresh and run ``max_iter`` epochs."""
        X, y = self._tensors(X, y)
        self._start(X.shape[1], X.dtype)
        for _ in range(self.max_iter):
            self._epoch(X, y)
        return self

    def partial_fit(self, X, y):
        """Run one epoch, starting afresh on the first call."""
        X, y = self._tensors(X, y)
        if not hasattr(self, "layer_"):
            self._start(X.shape[1], X.dtype)
        self._epoch(X, y)
        return self

    def predict(self, X):
        """Predictions as a numpy array of X's dtype."""
        with torch.no_grad():
            return self.layer_(torch.from_numpy(X)).numpy().ravel()

    @staticmethod
    def _tensors(X, y):
        # Views of the numpy arrays: nothing is copied.
        y = np.asarray(y, dtype=X.dtype).reshape(-1, 1)
        return torch.from_numpy(X), torch.from_numpy(y)

    def _start(self, n_features, dtype):
        torch.manual_seed(self.random_state)
        self.layer_ = torch.nn.Linear(n_features, 1, dtype=dtype)
        self.optimizer_ = torch.optim.Adam(self.layer_.parameters())
        self.generator_ = torch.Generator().manual_seed(self.random_state)

    def _epoch(self, X, y):
        n_samples = X.shape[0]
        if self.batch_size is None or self.batch_size >= n_samples:
            self._step(X, y)
            return
        order = torch.randperm(n_samples, generator=self.generator_)
        for start in range(0, n_samples, self.batch_size):
            rows = order[start:start + self.batch_size]
            self._step(X[rows], y[rows])

    def _step(self, X, y):
        self.optimizer_.zero_grad()
        loss = torch.nn.functional.mse_loss(self.layer_(X), y)
        loss.backward()
        self.optimizer_.step()


def adam(batch_size, max_iter, n_samples):
    """AdamLinearRegressor at a fixed batch size and rate that runs ``max_iter`` epochs."""
    return AdamLinearRegressor(batch_size=batch_size, batch_growth=1.0, schedule="constant",
                               tol=0, n_iter_no_change=10**6, max_iter=max_iter,
                               random_state=0)


def mlp(batch_size, max_iter, n_samples):
    """MLPRegressor with no hidden layer: a linear model trained by Adam."""
    return MLPRegressor(solver="adam", hidden_layer_sizes=(),
                        batch_size=n_samples if batch_size is None else batch_size,
                        max_iter=max_iter, tol=0, n_iter_no_change=10**6, shuffle=True,
                        random_state=0)


def sgd(batch_size, max_iter, n_samples):
    """SGDRegressor: plain SGD, one row per step."""
    return SGDRegressor(max_iter=max_iter, tol=None, random_state=0)


def torch_adam(batch_size, max_iter, n_samples):
    """The plain PyTorch loop, :class:`TorchAdamRegressor`."""
    return TorchAdamRegressor(batch_size=batch_size, max_iter=max_iter)


@dataclass(frozen=True)
class Contender:
    """An iterative estimator in the speed table.

    Parameters
    ----------
    name : str
    make : callable
        ``make(batch_size, max_iter, n_samples)`` returns an unfitted
        estimator; a batch size of None means all rows.
    batch_sizes : tuple
        Batch sizes it is timed at (1 for per-sample SGD).
    dense_only : bool
        Whether it is left out of the sparse problems.
    traced : bool
        Whether tracemalloc sees its allocations (numpy's, not torch's).
    """

    name: str
    make: Callable
    batch_sizes: tuple
    dense_only: bool = False
    traced: bool = True


def contenders():
    """The iterative estimators, PyTorch's only when torch is installed."""
    found = [
        Contender("AdamLinearRegressor", adam, BATCH_SIZES),
        Contender("MLPRegressor", mlp, BATCH_SIZES),
        Contender("SGDRegressor", sgd, (1,)),
    ]
    if torch is not None:
        found.append(Contender("torch.optim.Adam loop", torch_adam, BATCH_SIZES,
                               dense_only=True, traced=False))
    return found


def target_runs(n_samples):
    """(name, batch, settings, model, method) for the time-to-target runs.

    ``method`` names the call that runs one epoch. AdamLinearRegressor's
    defaults gather the normal equations once per ``fit``, which one-epoch
    calls would repeat: ``benchmarks/defaults.py`` times them as whole fits.
    """
    yield ("AdamLinearRegressor", "256", "constant rate 0.01", adam(256, 1, n_samples),
           "partial_fit")
    yield ("AdamLinearRegressor", "256", "constant rate 0.001",
           adam(256, 1, n_samples).set_params(learning_rate=0.001), "partial_fit")
    yield ("AdamLinearRegressor", "full", "constant rate 0.01", adam(None, 1, n_samples),
           "partial_fit")
    yield "MLPRegressor", "256", "rate 0.001 (default)", mlp(256, 1, n_samples), "partial_fit"
    yield "SGDRegressor", "1", "defaults", sgd(1, 1, n_samples), "partial_fit"
    if torch is not None:
        yield ("torch.optim.Adam loop", "256", "rate 0.001 (default)",
               torch_adam(256, 1, n_samples), "partial_fit")


def batch_label(batch_size):
    """How a batch size is printed."""
    return "full" if batch_size is None else str(batch_size)


def x_nbytes(X):
    """Bytes of X's arrays: data, indices and indptr for CSR."""
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def timed(function, *args):
    """Seconds taken by ``function(*args)``."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def read_seconds(X, repeats=5):
    """Best time of ``repeats`` reads of all of X's arrays: one pass at memory speed."""
    arrays = (X.data, X.indices, X.indptr) if sp.issparse(X) else (X,)

    def read():
        for array in arrays:
            np.add.reduce(array, axis=0)

    return min(timed(read) for _ in range(repeats))


def attempt(function, *args):
    """``(function(*args), None)``, or ``(None, message)`` if it raises."""
    try:
        return function(*args), None
    except Exception as error:  # A peer that rejects the input is reported, not fatal.
        return None, f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Timing:
    """How fits are timed.

    Parameters
    ----------
    epochs : int
        Epochs E of each timed fit.
    repeats : int
        Each time is the least of this many fits of fresh estimators.
    marginal : bool
        Whether fits of 2E epochs are timed too.
    """

    epochs: int
    repeats: int = 1
    marginal: bool = True

    def fit_seconds(self, make, X, y):
        """Least seconds taken by ``make().fit(X, y)`` over the repeats."""
        return min(timed(make().fit, X, y) for _ in range(self.repeats))

    def epoch_seconds(self, make, X, y):
        """Seconds per epoch of ``fit``: ``fit(E) / E`` and ``(fit(2E) - fit(E)) / E``.

        ``make(max_iter)`` returns an unfitted estimator. The first value
        includes the setup (validation, standardization) spread over the
        epochs; the second leaves it out. It is None when not ``marginal`` or
        when the fit of E epochs took over :data:`MARGINAL_LIMIT` seconds.
        """
        first = self.fit_seconds(lambda: make(self.epochs), X, y)
        if not self.marginal or first > MARGINAL_LIMIT:
            return first / self.epochs, None
        second = self.fit_seconds(lambda: make(2 * self.epochs), X, y)
        return first / self.epochs, (second - first) / self.epochs


def peak_bytes(model, X, y):
    """Peak of the memory that tracemalloc traces during ``model.fit(X, y)``."""
    tracemalloc.start()
    try:
        model.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def training_mse(model, X, y):
    """Mean squared error of the model on the training data, in float64."""
    return float(np.mean(np.square(np.subtract(y, model.predict(X), dtype=np.float64))))


def time_to_target(model, method, X, y, target_mse, budget):
    """Run epochs until the training MSE is at most ``target_mse`` or ``budget`` runs out.

    Only the epochs are timed, not the MSE computed after each.

    Returns
    -------
    curve : list of (float, float)
        Seconds spent so far and training MSE after each epoch.
    """
    run_epoch = getattr(model, method)
    seconds, curve = 0.0, []
    while seconds < budget:
        seconds += timed(run_epoch, X, y)
        curve.append((seconds, training_mse(model, X, y)))
        if curve[-1][1] <= target_mse:
            break
    return curve


def measure_speed(contender, batch_size, X, y, timing):
    """One row of the speed table: seconds per epoch and peak memory, or the error."""
    row = {"estimator": contender.name, "batch": batch_label(batch_size)}
    found, error = attempt(_speed_and_memory, contender, batch_size, X, y, timing)
    return {**row, "error": error} if error is not None else {**row, **found}


def _speed_and_memory(contender, batch_size, X, y, timing):
    def make(max_iter, n_samples=X.shape[0]):
        return contender.make(batch_size, max_iter, n_samples)

    # The first fits pay one-time costs (imports, compilation, then the first
    # allocations of X's size): keep them out of the timings.
    warmup = min(WARMUP_ROWS, X.shape[0])
    make(1, warmup).fit(X[:warmup], y[:warmup])
    if contender.traced:
        peak = peak_bytes(make(1), X, y)
    else:
        peak = None
        make(1).fit(X, y)
    per_epoch, per_extra_epoch = timing.epoch_seconds(make, X, y)
    return {
        "seconds_per_epoch": per_epoch,
        "marginal_seconds_per_epoch": per_extra_epoch,
        "peak_bytes": peak,
    }


def speed_cases(sparse, skip_slow):
    """(contender, batch size) in table order: by batch size, then estimator."""
    for batch_size in (*BATCH_SIZES, 1):
        if skip_slow and batch_size == 32:
            continue
        for contender in contenders():
            if batch_size in contender.batch_sizes and not (sparse and contender.dense_only):
                yield contender, batch_size


def measure_closed_forms(X, y, timing):
    """The rows of LinearRegression and Ridge(alpha=1): one whole fit, and its peak memory."""
    rows = []
    for name, make in (("LinearRegression", LinearRegression),
                       ("Ridge(alpha=1)", lambda: Ridge(alpha=1.0))):
        make().fit(X[:WARMUP_ROWS], y[:WARMUP_ROWS])
        peak = peak_bytes(make(), X, y)  # Also the warm-up on all of X.
        rows.append({"estimator": name, "batch": "closed form",
                     "fit_seconds": timing.fit_seconds(make, X, y), "peak_bytes": peak})
    return rows


def add_ratios(rows, read):
    """Add ``vs_adam``, ``vs_adam_batch`` and ``vs_read`` to each timed row.

    ``vs_adam`` divides a row's seconds per epoch by AdamLinearRegressor's at
    batch size ``vs_adam_batch``: the same one; for per-sample SGD, the
    smallest one timed; for the closed forms, whose whole fit is set against
    one epoch, full batch. ``vs_read`` divides the same seconds by ``read``.
    """
    adam_seconds = {row["batch"]: row["seconds_per_epoch"] for row in rows
                    if row["estimator"] == "AdamLinearRegressor" and "error" not in row}
    for row in rows:
        seconds = row.get("seconds_per_epoch", row.get("fit_seconds"))
        if seconds is None:
            continue
        row["vs_read"] = seconds / read
        if row["batch"] in adam_seconds:
            against = row["batch"]
        elif "fit_seconds" in row:
            against = "full"
        else:  # Batch size 1: Adam's smallest, the first timed.
            against = next(iter(adam_seconds), None)
        if against in adam_seconds:
            row.update(vs_adam=seconds / adam_seconds[against], vs_adam_batch=against)
    return rows


def measure_targets(X, y, target_mse, budget):
    """One row per time-to-target run (see :func:`target_runs`)."""
    rows = []
    for name, batch, settings, model, method in target_runs(X.shape[0]):
        if sp.issparse(X) and isinstance(model, TorchAdamRegressor):
            continue
        row = {"estimator": name, "batch": batch, "settings": settings}
        curve, error = attempt(time_to_target, model, method, X, y, target_mse, budget)
        if error is not None:
            rows.append({**row, "error": error})
            continue
        seconds, mse = curve[-1]
        rows.append({**row, "reached": mse <= target_mse, "seconds": seconds,
                     "epochs": len(curve), "final_mse": mse,
                     "best_mse": min(point[1] for point in curve), "curve": curve})
    return rows


def run_problem(name, size, X, y, args):
    """Every measurement on one problem, as a JSON-ready dict."""
    timing = Timing(args.epochs, args.repeats, marginal=not args.skip_slow)
    optimum = training_mse(LinearRegression().fit(X, y), X, y)
    read = read_seconds(X)
    closed_forms = measure_closed_forms(X, y, timing)
    speed = [measure_speed(contender, batch_size, X, y, timing)
             for contender, batch_size in speed_cases(sp.issparse(X), args.skip_slow)]
    budget = BUDGETS[size] if args.budget is None else args.budget
    return {
        "problem": name, "size": size, "n_samples": X.shape[0], "n_features": X.shape[1],
        "x_bytes": x_nbytes(X), "read_seconds": read, "epochs": args.epochs,
        "repeats": args.repeats,
        "optimum_mse": optimum, "target_mse": TARGET_RATIO * optimum, "budget_seconds": budget,
        "speed": add_ratios(speed + closed_forms, read),
        "time_to_target": measure_targets(X, y, TARGET_RATIO * optimum, budget),
    }


def number(value, digits=3):
    """``value`` to ``digits`` significant digits; "-" for None."""
    return "-" if value is None else f"{value:.{digits}g}"


def format_table(header, rows, left=1):
    """Rows of strings as aligned columns; the first ``left`` columns align left."""
    widths = [max(len(line[i]) for line in (header, *rows)) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) if i < left else cell.rjust(width)
                  for i, (cell, width) in enumerate(zip(line, widths)))
        for line in (header, *rows)
    )


def speed_table(result):
    """The seconds-per-epoch and memory table of one problem."""
    header = ("estimator", "batch", "s/epoch", "marginal", "vs Adam", "/ read X",
              "peak MB", "peak / X")
    rows = []
    for row in result["speed"]:
        if "error" in row:
            rows.append((row["estimator"], row["batch"], f"failed: {row['error'][:60]}",
                         *[""] * 5))
            continue
        vs_adam = number(row.get("vs_adam"))
        if row.get("vs_adam_batch", row["batch"]) != row["batch"]:
            vs_adam += f" vs {row['vs_adam_batch']}"
        peak = row["peak_bytes"]
        rows.append((
            row["estimator"], row["batch"],
            number(row.get("seconds_per_epoch", row.get("fit_seconds"))),
            number(row.get("marginal_seconds_per_epoch")), vs_adam, number(row["vs_read"]),
            "n/a" if peak is None else f"{peak / 2**20:.1f}",
            "n/a" if peak is None else f"{peak / result['x_bytes']:.2f}",
        ))
    return format_table(header, rows)


def target_table(result):
    """The time-to-target table of one problem."""
    header = ("estimator", "batch", "settings", "seconds", "epochs", "MSE / optimum", "best")
    rows = []
    for row in result["time_to_target"]:
        if "error" in row:
            rows.append((row["estimator"], row["batch"], row["settings"],
                         f"failed: {row['error'][:60]}", "", "", ""))
            continue
        seconds = number(row["seconds"]) if row["reached"] else f">{result['budget_seconds']:g}"
        rows.append((row["estimator"], row["batch"], row["settings"], seconds,
                     str(row["epochs"]), f"{row['final_mse'] / result['optimum_mse']:.4f}",
                     f"{row['best_mse'] / result['optimum_mse']:.4f}"))
    return format_table(header, rows, left=3)


LEGEND = """\
Speed tables: s/epoch = fit(E epochs) / E, setup (validation, standardization)
included; marginal = (fit(2E) - fit(E)) / E, setup excluded; closed forms: one
whole fit. vs Adam: s/epoch over AdamLinearRegressor's at the same batch size,
or at the one named. / read X: s/epoch over the time to read X once (best of 5
np.add.reduce over X, or over CSR data, indices and indptr). peak: tracemalloc
peak during a 1-epoch fit (numpy allocations; torch's are not traced), in MB
and over the bytes of X (data + indices + indptr for CSR).
Time to target: seconds of training (the epochs are timed, the training MSE
computed after each is not) until the training MSE is within 1% of
LinearRegression's; ">budget" when the budget ran out first. best: the lowest
MSE / optimum seen. Every row calls partial_fit, one epoch at a time; the
defaults of AdamLinearRegressor, which gather the normal equations once per
fit, are timed as whole fits by benchmarks/defaults.py. A full-batch fit of E
epochs gathers them once: its seconds per epoch are mostly that pass over X,
divided by E."""


def print_problem(result):
    """Print the tables of one problem."""
    print(f"\n== {result['problem']}, {result['n_samples']:,} x {result['n_features']}: "
          f"X is {result['x_bytes'] / 2**20:.1f} MB, one read of X takes "
          f"{result['read_seconds'] * 1e3:.3g} ms; E = {result['epochs']} epochs, "
          f"best of {result['repeats']}\n")
    print(speed_table(result))
    print(f"\nTime to MSE <= {TARGET_RATIO:g} x optimum ({result['optimum_mse']:.4g}), "
          f"budget {result['budget_seconds']:g} s:\n")
    print(target_table(result), flush=True)


def machine():
    """The machine and the versions measured."""
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": None if cpus is None else len(cpus),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "thread_pools": sorted({f"{pool['internal_api']} ({pool['num_threads']} threads)"
                                for pool in threadpool_info()}),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": None if torch is None else torch.__version__,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "numba": installed_version("numba"),
        "sklearn_adam": source_state(),
    }


def installed_version(package):
    """The installed version of ``package``, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model():
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def source_state():
    """Where sklearn_adam was imported from, its commit and whether it differs from it."""
    package = Path(sklearn_adam.__file__).resolve().parent

    def git(*command):
        return subprocess.run(["git", *command], cwd=package, check=True,
                              capture_output=True, text=True).stdout.strip()

    try:
        commit, changes = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", ".")
    except (OSError, subprocess.CalledProcessError):
        return f"{package} (not a git checkout)"
    return f"{package} at {commit}" + (" with uncommitted changes" if changes else "")


def print_machine(info):
    """Print :func:`machine`'s answer."""
    print(f"Machine: {info['cpu']}, {info['cpu_count']} CPUs ({info['usable_cpus']} usable), "
          f"load average {number(info['load_average_1min'], 2)}; "
          f"thread pools: {', '.join(info['thread_pools'])}")
    torch_version = ("not installed" if info["torch"] is None
                     else f"{info['torch']} ({info['torch_threads']} threads, the default)")
    print(f"Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
          f"scikit-learn {info['scikit-learn']}, torch {torch_version}, "
          f"numba {info['numba'] or 'not installed'}")
    print(f"sklearn_adam: {info['sklearn_adam']}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed", description=__doc__.splitlines()[0],
        epilog="--size small takes about 3 minutes on 2 cores and 0.8 GiB of memory; "
               "--size all about 20 minutes and 3 GiB (less with --skip-slow).",
    )
    parser.add_argument("--size", choices=(*SIZES, "all"), default="small",
                        help="small: 200,000 x 50 (default); large: 1,000,000 x 100; all: both")
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs E of the timed fits (default 3)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="time each fit this many times and keep the least (default 1; "
                             "3 gives steadier numbers on a busy machine, in about twice the time)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds each time-to-target run may take (default "
                             + ", ".join(f"{budget:g} for {size}" for size, budget in
                                         BUDGETS.items()) + ")")
    parser.add_argument("--skip-slow", action="store_true",
                        help="leave out batch size 32 and the fits of 2E epochs")
    parser.add_argument("--json", metavar="FILE", help="also write all results to FILE")
    args = parser.parse_args(argv)
    for name in ("epochs", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1; got {getattr(args, name)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    info = machine()
    print_machine(info)
    print(f"\n{LEGEND}")
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for size in SIZES if args.size == "all" else (args.size,):
            for name, make in PROBLEMS.items():
                X, y = make(*SIZES[size])
                results.append(run_problem(name, size, X, y, args))
                print_problem(results[-1])
                del X, y
    elapsed = time.perf_counter() - start
    print(f"\nTotal time: {elapsed:.0f} s")
    if args.json:
        document = {"machine": info, "arguments": vars(args), "total_seconds": elapsed,
                    "problems": results}
        Path(args.json).write_text(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
