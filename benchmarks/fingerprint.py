"""Fingerprints of fitted models, to show that a change kept every bit.

Fits the estimator in a range of configurations (each update rule, dense,
CSR and CSC data, float32, sample weights, early stopping, warm starts,
``partial_fit``, a user's solver), once with the compiled epoch and once
with the numpy epoch, and prints a SHA-256 digest of everything each fit
learned: coefficients, intercept, every per-epoch curve, the solver state
and the step and epoch counts. Two commits that print the same digests fit
the same models bit for bit (for a commit before the compiled kernels moved
to ``sklearn_adam._kernels``, set :data:`COMPILED_MODULE` to
``sklearn_adam._compiled``). Run from the repository root::

    python -m benchmarks.fingerprint            # about 20 seconds on 2 cores
    python -m benchmarks.fingerprint > after.txt && diff before.txt after.txt
"""

import dataclasses
import hashlib
import importlib
import importlib.util
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from sklearn_adam import AdamLinearRegressor

# Where the switch between the compiled and the numpy epoch lives.
COMPILED_MODULE = "sklearn_adam._kernels"


class HalvingGradientDescent:
    """A user's solver with the three-argument ``update`` of version 0.1."""

    def init(self, params):
        return {"steps": 0}

    def update(self, grads, state, learning_rate):
        return [-0.5 * learning_rate * g for g in grads], {"steps": state["steps"] + 1}


def make_data(n_samples=600, n_features=7, n_targets=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * rng.uniform(0.1, 10, n_features)
    X += rng.uniform(-3, 3, n_features)
    X[:, 3] = X[:, 2] + 0.1 * rng.randn(n_samples)  # correlated columns
    X[:, -1] = 2.5  # a constant column
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    noise = rng.randn(*((n_samples,) if n_targets is None else (n_samples, n_targets)))
    y = X @ rng.randn(*shape) + 4 + 0.3 * noise
    weight = rng.uniform(0.1, 3, n_samples)
    return X, y, weight


def fit(params, X, y, fit_params=None):
    settings = {"random_state": 0, "max_iter": 40} | params
    return AdamLinearRegressor(**settings).fit(X, y, **(fit_params or {}))


def configurations():
    X, y, weight = make_data()
    X_val, y_val, _ = make_data(200, seed=1)
    X_multi, y_multi, _ = make_data(n_targets=3, seed=2)

    def warm_start(**params):
        model = AdamLinearRegressor(random_state=0, max_iter=7, warm_start=True, **params)
        for _ in range(3):
            model.fit(X, y, sample_weight=weight)
        return model

    def chunks(container=np.asarray, **params):
        model = AdamLinearRegressor(random_state=0, batch_size=50, **params)
        for start in range(0, 600, 150):
            rows = slice(start, start + 150)
            model.partial_fit(container(X[rows]), y[rows], sample_weight=weight[rows])
        return model

    return {
        "adam, dense": lambda: fit({}, X, y),
        "amsgrad, dense": lambda: fit({"solver": "amsgrad"}, X, y),
        "adamw, dense": lambda: fit({"solver": "adamw", "weight_decay": 0.3}, X, y),
        "nadam, dense": lambda: fit({"solver": "nadam"}, X, y),
        "adamax, dense": lambda: fit({"solver": "adamax"}, X, y),
        "adam, CSR": lambda: fit({}, sp.csr_matrix(X), y),
        "amsgrad, CSR": lambda: fit({"solver": "amsgrad"}, sp.csr_matrix(X), y),
        "adam, CSC": lambda: fit({}, sp.csc_matrix(X), y),
        "adam, float32": lambda: fit({}, X.astype(np.float32), y.astype(np.float32)),
        "adamw, float32 CSR": lambda: fit(
            {"solver": "adamw"}, sp.csr_matrix(X.astype(np.float32)), y
        ),
        "weights and ridge": lambda: fit(
            {"alpha": 25.0}, X, y, {"sample_weight": weight}
        ),
        "raw epsilon, zero epsilon": lambda: fit(
            {"epsilon_placement": "raw", "epsilon": 0.0}, X, y
        ),
        "full batch to convergence": lambda: fit(
            {"batch_size": None, "max_iter": 400, "tol": 1e-9}, X, y
        ),
        "no intercept, no standardization, 3 targets": lambda: fit(
            {"fit_intercept": False, "standardize": False}, X_multi, y_multi
        ),
        "shuffled batches, step schedule, warm-up": lambda: fit(
            {"shuffle": "batches", "schedule": "step", "decay_epochs": 10,
             "warmup_epochs": 3, "batch_size": 64}, X, y
        ),
        "no shuffle, cosine": lambda: fit(
            {"shuffle": False, "schedule": "cosine", "decay_epochs": 20}, X, y
        ),
        "early stopping, split": lambda: fit(
            {"early_stopping": True, "n_iter_no_change": 5}, X, y, {"sample_weight": weight}
        ),
        "early stopping, X_val and a scorer": lambda: fit(
            {"early_stopping": True, "scoring": "neg_mean_absolute_error"},
            X, y, {"X_val": X_val, "y_val": y_val},
        ),
        "warm start x3": lambda: warm_start(),
        "warm start x3, early stopping": lambda: warm_start(early_stopping=True),
        "partial_fit, 4 chunks": lambda: chunks(),
        "partial_fit, 4 CSR chunks, adamw": lambda: chunks(sp.csr_matrix, solver="adamw"),
        "user's solver": lambda: fit({"solver": HalvingGradientDescent()}, X, y),
    }


def digest(model):
    """SHA-256 of every array and count the fit produced."""
    hasher = hashlib.sha256()

    def add(value):
        if isinstance(value, (list, tuple)):
            for item in value:
                add(item)
        elif isinstance(value, dict):
            for key in sorted(value):
                add(key)
                add(value[key])
        elif dataclasses.is_dataclass(value):
            for field in dataclasses.fields(value):
                add(field.name)
                add(getattr(value, field.name))
        else:
            array = np.asarray(value)
            hasher.update(str(array.dtype).encode())
            hasher.update(np.ascontiguousarray(array).tobytes())

    for name in (
        "coef_", "intercept_", "n_iter_", "t_", "n_steps_", "loss_curve_", "gradient_norm_curve_",
        "learning_rate_curve_", "batch_size_curve_", "validation_loss_curve_",
        "validation_scores_", "best_validation_score_", "solver_state_",
    ):
        value = getattr(model, name)
        add(name)
        add(-1.0 if value is None else value)
    return hasher.hexdigest()[:16]


def main():
    compiled = None
    if importlib.util.find_spec("numba") is None:
        print("compiled: numba is not installed; only the numpy path is fingerprinted")
    else:
        compiled = importlib.import_module(COMPILED_MODULE)
    for path in ("compiled", "numpy"):
        if compiled is None and path == "compiled":
            continue
        if compiled is not None:
            compiled.ENABLED = path == "compiled"
        for name, run in configurations().items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = run()
            print(f"{path:8s}  {digest(model)}  {name}")
    if compiled is not None:
        compiled.ENABLED = True


if __name__ == "__main__":
    main()
