"""Each epoch driver's time on fixed fits, against another checkout in the same run.

A change of the engine's structure (how the objective, the datafit and the
penalty are written) must not slow the epochs down. This times the same
fits on the numpy reference path (the compiled kernels switched off) and on
the compiled path, mini-batches and full batches by passes over ``X``, and,
given ``--against DIR`` (a checkout of an earlier commit, e.g. made by
``git worktree add``), times them there in a subprocess, alternating, and
prints the ratios. Run from the repository root::

    python -m benchmarks.engine_paths                        # about 1 minute on 2 cores
    python -m benchmarks.engine_paths --against ../base      # and the ratios to ../base
"""

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

FITS = {
    "numpy, 100,000 x 50, batch_size=256, 5 epochs": (
        False, (100_000, 50), dict(batch_size=256, max_iter=5)),
    "numpy, 2,000 x 3,000, 20 full-batch epochs by passes": (
        False, (2_000, 3_000), dict(max_iter=20)),
    "compiled, 200,000 x 50, batch_size=256, 5 epochs": (
        True, (200_000, 50), dict(batch_size=256, max_iter=5)),
    "compiled, 2,000 x 3,000, alpha=1, 100 full-batch epochs": (
        True, (2_000, 3_000), dict(max_iter=100, alpha=1.0)),
}


def time_fits(repeats):
    """Median seconds of each fit of :data:`FITS`, in this process's checkout."""
    import sklearn_adam._kernels as kernels
    from sklearn_adam import AdamLinearRegressor

    warnings.simplefilter("ignore")
    medians = {}
    for name, (compiled, shape, settings) in FITS.items():
        rng = np.random.RandomState(0)
        X = rng.randn(*shape)
        y = X[:, :10].sum(axis=1) + rng.randn(shape[0])
        kernels.ENABLED = compiled
        model = AdamLinearRegressor(random_state=0, **settings)
        model.fit(X, y)  # compiles, or loads the cache
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - start)
        medians[name] = float(np.median(times))
    kernels.ENABLED = True
    return medians


def time_in(checkout, repeats):
    """:func:`time_fits` run in a fresh process on ``checkout``'s package."""
    # This file is loaded by its path: an older checkout may not have it.
    code = ("import importlib.util, json, sys; sys.path.insert(0, sys.argv[1]); "
            "spec = importlib.util.spec_from_file_location('engine_paths', sys.argv[3]); "
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
            "print(json.dumps(module.time_fits(int(sys.argv[2]))))")
    result = subprocess.run(
        [sys.executable, "-c", code, str(checkout), str(repeats), str(Path(__file__).resolve())],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to time alike")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternations with --against (each a fresh process)")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parents[1]
    ours, theirs = [], []
    for _ in range(args.rounds if args.against else 1):
        ours.append(time_in(here, args.repeats))
        if args.against:
            theirs.append(time_in(args.against.resolve(), args.repeats))
    print(f"{'fit':58s} {'this':>9s}" + (f" {'against':>9s} {'ratio':>6s}" if theirs else ""))
    for name in FITS:
        mine = float(np.median([round_[name] for round_ in ours]))
        line = f"{name:58s} {mine:8.3f}s"
        if theirs:
            other = float(np.median([round_[name] for round_ in theirs]))
            line += f" {other:8.3f}s {mine / other:6.2f}"
        print(line)


if __name__ == "__main__":
    main()
