"""Fits of a memory-mapped X larger than a process should hold, next to the same fits in memory.

Writes a float64 ``.npy`` file of 2,000,000 x 100 (1.6 GB; ``--rows`` and
``--features`` change it) and its targets, from a known linear model plus
noise, a block at a time. Each fit then runs in a fresh interpreter, on
``np.load(path, mmap_mode="r")`` or on ``np.load(path)`` (all of X read into
memory first), and reports:

- the growth of its peak resident memory (``VmHWM`` in ``/proc/self/status``,
  reset before the fit) over its resident memory just before the fit, and
  that growth over the file's size. The pages of a mapping a process has
  read count as resident until they are released;
- the fit's seconds (the median over ``--runs`` processes) and epochs;
- the largest difference of its coefficients from ``LinearRegression``'s on
  the same data, relative to the largest of those coefficients, and whether
  the mapped fit learned the same bits as the fit in memory.

The fits: the defaults; ``fit_intercept=False``, whose standardization does
not center the columns; and ``batch_size=256`` with
``max_iter=2``, whose epochs visit the rows in a shuffled order. Linux only
(``/proc``). Run from the repository root::

    python -m benchmarks.out_of_core                     # about 4 minutes on 2 cores
    python -m benchmarks.out_of_core --path /data/X.npy  # kept there, and reused
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LinearRegression

from benchmarks.speed import format_table, machine, number, print_machine

FITS = {
    "defaults": {},
    "fit_intercept=False": {"fit_intercept": False},
    "batch_size=256, max_iter=2": {"batch_size": 256, "max_iter": 2},
}
# Rows written (and targets computed) per block.
WRITE_ROWS = 100_000

# Run in each fresh interpreter: argv is the file, its targets, "mapped" or
# "memory", and the fit's parameters as JSON.
_PROCESS = """
import json, sys, time, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn_adam import AdamLinearRegressor

def status(field):
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

path, target_path, storage, params = sys.argv[1:]
params = json.loads(params)
X = np.load(path, mmap_mode="r" if storage == "mapped" else None)
y = np.load(target_path)
warnings.simplefilter("ignore", ConvergenceWarning)
# A fit on a few rows loads the compiled code before the measure.
AdamLinearRegressor(random_state=0, **params).fit(np.array(X[:2000]), y[:2000])
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak starts again from the present
before = status("VmRSS")
start = time.perf_counter()
model = AdamLinearRegressor(random_state=0, **params).fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({
    "peak_growth": status("VmHWM") - before, "rss_growth": status("VmRSS") - before,
    "seconds": seconds, "epochs": model.n_iter_, "coef": model.coef_.tolist(),
    "intercept": float(model.intercept_),
}))
"""


def write_problem(path, n_samples, n_features):
    """Write X (float64, columns of varied scale and offset) and y, a block at a time.

    Returns the path of the targets, ``path`` with ``.y.npy`` appended. An
    existing pair of the same shape is kept: the data are the same every time.
    """
    target_path = Path(str(path) + ".y.npy")
    if path.exists() and target_path.exists():
        existing = np.load(path, mmap_mode="r")
        if existing.shape == (n_samples, n_features) and existing.dtype == np.float64:
            return target_path
    rng = np.random.RandomState(0)
    coef = rng.standard_normal(n_features)
    scale = rng.uniform(0.5, 3, n_features)
    offset = rng.uniform(-2, 2, n_features)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64,
                                  shape=(n_samples, n_features))
    y = np.empty(n_samples)
    for start in range(0, n_samples, WRITE_ROWS):
        block = rng.standard_normal((min(WRITE_ROWS, n_samples - start), n_features))
        block = block * scale + offset
        X[start:start + len(block)] = block
        y[start:start + len(block)] = block @ coef + 1.5 + 0.3 * rng.standard_normal(len(block))
    X.flush()
    del X
    np.save(target_path, y)
    return target_path


def references(path, target_path):
    """LinearRegression's coefficients, with and without an intercept, on X in memory."""
    X, y = np.load(path), np.load(target_path)
    return {intercept: LinearRegression(fit_intercept=intercept).fit(X, y).coef_
            for intercept in (True, False)}


def fit_in_process(path, target_path, storage, params):
    out = subprocess.run(
        [sys.executable, "-c", _PROCESS, str(path), str(target_path), storage,
         json.dumps(params)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)


def measure(path, target_path, runs, reference):
    """One row per fit and storage: the medians of ``runs`` processes."""
    file_size = os.path.getsize(path)
    rows = []
    for name, params in FITS.items():
        coefficients = {}
        for storage in ("mapped", "memory"):
            results = [fit_in_process(path, target_path, storage, params) for _ in range(runs)]
            coef = np.array(results[0]["coef"])
            coefficients[storage] = (coef, results[0]["intercept"])
            expected = reference[params.get("fit_intercept", True)]
            difference = np.max(np.abs(coef - expected)) / np.max(np.abs(expected))
            growth = float(np.median([r["peak_growth"] for r in results]))
            rows.append([
                name, "memory-mapped" if storage == "mapped" else "in memory",
                number(growth / 2**20, 4),
                number(growth / file_size, 3),
                number(float(np.median([r["rss_growth"] for r in results])) / 2**20, 4),
                number(float(np.median([r["seconds"] for r in results]))),
                str(results[0]["epochs"]),
                number(difference, 3),
                "",
            ])
        (mapped_coef, mapped_intercept), (memory_coef, memory_intercept) = coefficients.values()
        same = np.array_equal(mapped_coef, memory_coef) and mapped_intercept == memory_intercept
        rows[-2][-1] = "yes" if same else "NO"
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.out_of_core",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path,
                        help="where to write X (kept, and reused when it has the shape); "
                             "default: a temporary directory, removed at the end")
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3,
                        help="fresh processes per fit and storage (default 3)")
    args = parser.parse_args(argv)
    if not Path("/proc/self/status").exists():
        parser.error("resident memory is read from /proc/self/status, which is missing here")
    print_machine(machine())
    with tempfile.TemporaryDirectory() as directory:
        path = args.path or Path(directory) / "X.npy"
        start = time.perf_counter()
        target_path = write_problem(path, args.rows, args.features)
        file_size = os.path.getsize(path)
        print(f"X: {args.rows:,} x {args.features} float64, {file_size / 1e9:.2f} GB "
              f"({file_size / 2**20:,.0f} MiB) in {path} ({time.perf_counter() - start:.0f} s "
              "to write or find)")
        reference = references(path, target_path)
        rows = measure(path, target_path, args.runs, reference)
    print(f"\nMedians of {args.runs} fresh processes each. Peak growth: VmHWM over VmRSS "
          "before the fit; coef difference: max |coef - LinearRegression's| / max |theirs|; "
          "same bits: the mapped fit's coefficients and intercept against the fit in memory.\n")
    header = ["fit", "X", "peak growth MiB", "/ file size", "RSS growth MiB", "fit s",
              "epochs", "coef difference", "same bits"]
    print(format_table(header, rows, left=2))


if __name__ == "__main__":
    main()
