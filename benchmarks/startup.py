"""What a Python process pays once: importing the package, and its first fit.

Each figure comes from a fresh interpreter, so nothing is loaded before it:
the seconds of ``import sklearn_adam``, of the first
``AdamLinearRegressor(random_state=0).fit`` on the diabetes data, and of a
second, identical fit in the same process, with ``LinearRegression``'s first
and second fits beside them. The compiled path (numba) and the numpy path
are measured in turn; the numpy runs hide numba from the interpreter.
Medians over the runs, with their minimum and maximum.

Run from the repository root::

    python -m benchmarks.startup            # 5 processes per path: about 30 s
    python -m benchmarks.startup --runs 9
"""

import argparse
import json
import subprocess
import sys

import numpy as np

# Run in each fresh interpreter; HIDE is replaced by a line that hides numba.
_PROCESS = """
import json, sys, time
HIDE
start = time.perf_counter()
import sklearn_adam
imported = time.perf_counter() - start
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
X, y = load_diabetes(return_X_y=True)
times = {"import sklearn_adam": imported}
models = {"AdamLinearRegressor": sklearn_adam.AdamLinearRegressor(random_state=0),
          "LinearRegression": LinearRegression()}
for label, model in models.items():
    for fit in ("first", "second"):
        start = time.perf_counter()
        model.fit(X, y)
        times[f"{label} {fit} fit"] = time.perf_counter() - start
times["numba imported"] = sys.modules.get("numba") is not None
print(json.dumps(times))
"""


def measure(compiled, runs):
    """Per figure, the values of ``runs`` fresh processes."""
    hide = "" if compiled else "sys.modules['numba'] = None"
    code = _PROCESS.replace("HIDE", hide)
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        results.append(json.loads(out))
    return {key: [result[key] for result in results] for key in results[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    paths = {"compiled": measure(True, args.runs), "numpy": measure(False, args.runs)}
    print(f"seconds, median [min, max] of {args.runs} fresh processes; diabetes, 442 x 10\n")
    print(f"{'':32}{'compiled (numba)':>26}{'numpy':>26}")
    for key in paths["compiled"]:
        if key == "numba imported":
            continue
        cells = []
        for path in ("compiled", "numpy"):
            values = np.array(paths[path][key])
            cells.append(f"{np.median(values):.4f} [{values.min():.4f}, {values.max():.4f}]")
        print(f"{key:32}{cells[0]:>26}{cells[1]:>26}")
    for path, figures in paths.items():
        first = np.median(figures["AdamLinearRegressor first fit"])
        second = np.median(figures["AdamLinearRegressor second fit"])
        closed = np.median(figures["LinearRegression second fit"])
        print(f"\n{path}: first fit / second fit {first / second:.1f}; "
              f"second fit / LinearRegression's {second / closed:.1f}; "
              f"numba imported: {sorted(set(figures['numba imported']))}")


if __name__ == "__main__":
    main()
