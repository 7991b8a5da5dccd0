"""Fits on a memory-mapped X: a ``.npy`` file on disk opened with ``mmap_mode="r"``.

Such a fit reads X in parts and hands each part's pages back to the
operating system (:mod:`sklearn_adam._mapped`). It must learn exactly what a
fit of the same data in memory learns, refuse NaN and infinity with the same
message, and leave the process's peak resident memory far below the file's
size.
"""

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._mapped import PART_BYTES

# About 1.2 parts of X: every pass over it is cut once, a full batch inside
# the batch, and a shuffled epoch into two parts of whole batches.
MAPPED_BYTES = PART_BYTES * 6 // 5
N_FEATURES = 100


def write_npy(path, X):
    np.save(path, X)
    return np.load(path, mmap_mode="r")


@pytest.fixture(scope="module", params=[np.float64, np.float32], ids=["float64", "float32"])
def mapped_problem(request, tmp_path_factory):
    """A memory-mapped X of MAPPED_BYTES, its targets and weights."""
    dtype = request.param
    n_samples = MAPPED_BYTES // (N_FEATURES * np.dtype(dtype).itemsize)
    rng = np.random.RandomState(0)
    X = (rng.standard_normal((n_samples, N_FEATURES)) * rng.uniform(0.5, 3, N_FEATURES)
         + rng.uniform(-2, 2, N_FEATURES)).astype(dtype)
    y = (X @ rng.standard_normal(N_FEATURES) + 1 + 0.3 * rng.standard_normal(n_samples))
    weight = rng.uniform(0.5, 2, n_samples).astype(dtype)
    mapped = write_npy(tmp_path_factory.mktemp("mapped") / "X.npy", X)
    return mapped, y.astype(dtype), weight


FITS = {
    "defaults": ({}, {}),
    "mini-batches, weighted": ({"batch_size": 256, "max_iter": 2}, {"weighted": True}),
    # NAdam's product of momenta carries from one part of an epoch to the next.
    "mini-batches, nadam": ({"batch_size": 256, "max_iter": 1, "solver": "nadam"}, {}),
    "mini-batches, early stopping": (
        {"batch_size": 1000, "max_iter": 2, "early_stopping": True, "n_iter_no_change": 5}, {}
    ),
}


def fitted(model):
    """Everything a fit learned, to be compared bit for bit."""
    return (np.atleast_1d(model.coef_), np.atleast_1d(model.intercept_),
            np.array(model.loss_curve_), np.array(model.gradient_norm_curve_))


def assert_same_fit(mapped_model, memory_model):
    for mapped_part, memory_part in zip(fitted(mapped_model), fitted(memory_model)):
        assert mapped_part.dtype == memory_part.dtype
        np.testing.assert_array_equal(mapped_part, memory_part)


@pytest.mark.parametrize("name", list(FITS))
def test_mapped_fit_equals_in_memory_fit(mapped_problem, name):
    X, y, weight = mapped_problem
    params, options = FITS[name]
    fit_params = {"sample_weight": weight} if options.get("weighted") else {}
    models = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for data in (X, np.array(X)):
            models.append(AdamLinearRegressor(random_state=0, **params).fit(data, y, **fit_params))
    assert models[0].n_iter_ > 0
    assert_same_fit(*models)


def test_mapped_full_batch_pass_equals_in_memory(mapped_problem):
    # partial_fit takes its full batch by a pass over X (no normal
    # equations), which the parts cut inside the batch.
    X, y, _ = mapped_problem
    models = [AdamLinearRegressor(batch_size="full", random_state=0).partial_fit(data, y)
              for data in (X, np.array(X))]
    assert_same_fit(*models)


def nonfinite_message(X, y):
    with pytest.raises(ValueError) as raised:
        AdamLinearRegressor().fit(X, y)
    return str(raised.value)


@pytest.mark.parametrize(
    "dtype, flaws, n_samples",
    [
        (np.float64, {7: np.nan}, 50),
        (np.float32, {7: np.inf}, 50),
        (np.float32, {3: -np.inf}, 50),
        # Infinity in the first part and NaN in the second: NaN is named, as
        # a check of the whole array names it.
        (np.float64, {3: np.inf, -3: np.nan}, MAPPED_BYTES // (8 * N_FEATURES)),
    ],
    ids=["NaN", "infinity", "minus infinity", "infinity, then NaN in a later part"],
)
def test_nonfinite_mapped_x_is_refused_as_in_memory(tmp_path, dtype, flaws, n_samples):
    X = np.ones((n_samples, N_FEATURES), dtype=dtype)
    X[:, 0] = np.arange(n_samples)
    for row, value in flaws.items():
        X[row, 5] = value
    y = np.arange(n_samples, dtype=dtype)
    message = nonfinite_message(X, y)
    assert message.startswith("Input X contains")
    assert nonfinite_message(write_npy(tmp_path / "X.npy", X), y) == message


# Fits in a fresh process, which reports the growth of its peak resident
# memory (VmHWM) over its resident memory before the fit, and the file's size.
PEAK_SCRIPT = textwrap.dedent("""
    import os, sys
    import numpy as np
    from sklearn_adam import AdamLinearRegressor

    def status(field):
        with open("/proc/self/status") as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024

    X = np.load(sys.argv[1], mmap_mode="r")
    y = np.load(sys.argv[2])
    # Loads the compiled code and warms numpy before the measure.
    AdamLinearRegressor().fit(np.array(X[:1000]), y[:1000])
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # the peak starts again from the present
    except OSError:
        pass
    before = status("VmRSS")
    # Some rows weigh nothing, so the constant column's range is read over
    # the others.
    weight = np.ones(len(y))
    weight[::7] = 0.0
    AdamLinearRegressor(random_state=0).fit(X, y, sample_weight=weight)
    print(status("VmHWM") - before, os.path.getsize(sys.argv[1]))
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(),
                    reason="resident memory is read from /proc/self/status")
def test_mapped_fit_peak_memory_is_a_fraction_of_the_file(tmp_path):
    # At the defaults: the columns' centers, their spreads, the range of a
    # constant column, the normal equations, each read in parts whose pages
    # are released.
    n_samples, n_features = 600_000, 100
    path = tmp_path / "X.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64,
                                  shape=(n_samples, n_features))
    rng = np.random.RandomState(0)
    coef = rng.standard_normal(n_features)
    y = np.empty(n_samples)
    for start in range(0, n_samples, 50_000):
        block = rng.standard_normal((50_000, n_features))
        block[:, 0] = 1.0
        X[start:start + 50_000] = block
        y[start:start + 50_000] = block @ coef + 0.1 * rng.standard_normal(50_000)
    X.flush()
    del X
    np.save(tmp_path / "y.npy", y)
    run = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(path), str(tmp_path / "y.npy")],
        capture_output=True, text=True, check=True,
    )
    growth, file_size = map(int, run.stdout.split())
    assert file_size > 400 * 2**20
    assert growth < file_size / 4, f"peak grew by {growth / 2**20:.0f} MiB"
