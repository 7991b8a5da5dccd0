"""The kernels' disk cache is renewed when any kernel file changes, not only a kernel's own.

numba renews a cached function when its own source file changes; a kernel
has the code of the kernels it calls in other files compiled into it. The
package keys every cache entry also by the digest of all its sources
(:mod:`sklearn_adam._kernels`): proved here on a copy of the package, run as
a package of its own in fresh processes, as a user's processes load it.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import sklearn_adam._kernels as kernels

# A run of full-batch steps (in _full_batch.py) on a quadratic whose first
# gradient is within the target: judge (in _stopping.py) ends it as
# converged. Prints the outcome and the run's cache hits and misses.
SCRIPT = """
import json
import numpy as np
import copied_kernels as kernels

quadratic = kernels.Quadratic(
    np.eye(1), np.zeros(1), np.ones((1, 1)), np.zeros(1), np.ones(1), np.ones(1), False
)
rule = kernels.AdamRule(0.9, 0.999, 1e-8, False, False, 0.0)
matrix, vector = (lambda: np.zeros((1, 1))), (lambda: np.zeros(1))
state = kernels.State(matrix(), vector(), True, matrix(), matrix(), matrix(), vector(),
                      vector(), vector(), np.ones(1))
plan = kernels.Steps(np.full(3, 0.1), 0, 10.0, 5, np.inf, np.inf, 0)
epochs, outcome, *_ = kernels.full_batch_steps(
    quadratic, rule, state, plan, np.empty(3), np.empty(3)
)
stats = kernels.full_batch_steps.stats
print(json.dumps({"outcome": outcome, "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values())}))
"""


def run_in_fresh_process(directory, cache):
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    environment.pop("NUMBA_DISABLE_JIT", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=directory, env=environment,
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


def index_times(cache):
    return {path: path.stat().st_mtime_ns for path in cache.rglob("*.nbi")}


def test_editing_a_called_kernel_file_renews_its_callers_cache(tmp_path):
    copy = tmp_path / "copied_kernels"
    shutil.copytree(Path(kernels.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "numba-cache"

    first = run_in_fresh_process(tmp_path, cache)
    assert first == {"outcome": kernels.CONVERGED, "hits": 0, "misses": 1}
    written = index_times(cache)
    assert any("full_batch_steps" in path.name for path in written)

    # Unchanged sources: loaded from the cache, which is left as it was.
    again = run_in_fresh_process(tmp_path, cache)
    assert again == {"outcome": kernels.CONVERGED, "hits": 1, "misses": 0}
    assert index_times(cache) == written

    # A constant of the callee's file changes; the caller's file does not.
    stopping = copy / "_stopping.py"
    source = stopping.read_text()
    assert source.count("\nCONVERGED = 1\n") == 1
    stopping.write_text(source.replace("\nCONVERGED = 1\n", "\nCONVERGED = 7\n"))
    edited = run_in_fresh_process(tmp_path, cache)
    assert edited == {"outcome": 7, "hits": 0, "misses": 1}
    assert run_in_fresh_process(tmp_path, cache) == {"outcome": 7, "hits": 1, "misses": 0}


# Fits of a wide problem, whose full-batch epochs run many to a compiled call
# (data_full_batch_steps) or one to a call (epoch), in the order given; prints
# a digest of each fit's coefficients and loss curve.
FITS_SCRIPT = """
import hashlib, json, sys, warnings
import numpy as np
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._engine import _compiled

rng = np.random.RandomState(0)
X = rng.randn(40, 150) * rng.uniform(0.5, 5, 150) + rng.uniform(-3, 3, 150)
y = X @ rng.randn(150) + 2 + 0.3 * rng.randn(40)
digests = {}
for kind in sys.argv[1:]:
    _compiled.CompiledEpochs.runs_many = property(lambda self, many=kind == "many": (
        many and self._full_batch))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AdamLinearRegressor(alpha=1.0, max_iter=600, random_state=0).fit(X, y)
    digests[kind] = hashlib.sha256(
        model.coef_.tobytes() + np.asarray(model.loss_curve_).tobytes()
    ).hexdigest()
print(json.dumps(digests))
"""


def fits_in_fresh_process(cache, *kinds):
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    environment.pop("NUMBA_DISABLE_JIT", None)
    result = subprocess.run(
        [sys.executable, "-c", FITS_SCRIPT, *kinds], cwd=Path(__file__).parents[1],
        env=environment, capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


def test_a_fit_has_the_same_bits_whichever_kernels_came_from_the_cache(tmp_path):
    # numba compiles a copy of each called kernel into its callers, and
    # optimizes that copy again with the caller; a process that loads one
    # caller from the cache and compiles another afresh runs both copies.
    # Reassociated sums could come out differently in the two, so that the
    # same fit gave other bits after another fit had filled the cache: the
    # kernels whose copies differed add their sums in the order written.
    first = fits_in_fresh_process(tmp_path, "many")
    # Now the many-steps kernel comes from the cache, the single epoch not.
    second = fits_in_fresh_process(tmp_path, "many", "single")
    assert second["single"] == second["many"] == first["many"]
