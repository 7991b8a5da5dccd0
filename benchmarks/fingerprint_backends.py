"""Fingerprints of fits on array-API namespaces and dask arrays: did a change keep every bit?

The companion of :mod:`benchmarks.fingerprint` for the other backends: fits
on ``array_api_strict`` and torch (CPU) arrays with scikit-learn's array API
dispatch on (full batch, mini-batches, early stopping, weights, two
targets, wide data, NAdam, ``partial_fit``) and on dask arrays under the
synchronous scheduler (through the normal equations and through a round
trip per step), each printed as a SHA-256 digest of its coefficients,
intercept, curves and counts. Two commits that print the same digests fit
the same models bit for bit. Run from the repository root, with SciPy's
array API support on, as scikit-learn requires::

    SCIPY_ARRAY_API=1 python -m benchmarks.fingerprint_backends    # about 5 seconds

Compare runs with a warm numba cache (run it twice): the penalized fits
through the normal equations (``full_alpha``, ``two_targets_full``,
``full_alpha_w_2t``) still differ in their last bits between a process that
compiles the full-batch kernel afresh and one that loads it from the cache,
as the batch gradient did before it added its sums in the order written.
"""

import hashlib
import importlib.util
import warnings

import numpy as np
import sklearn

from sklearn_adam import AdamLinearRegressor

# name: (estimator settings, weighted, data shape (rows, columns, targets)).
NAMESPACE_FITS = {
    "full": (dict(max_iter=300), False, (300, 6, None)),
    "full_alpha": (dict(max_iter=300, alpha=3.0), False, (300, 6, None)),
    "mini": (dict(batch_size=32, max_iter=30), False, (300, 6, None)),
    "mini_alpha_w": (dict(batch_size=50, max_iter=20, alpha=2.0), True, (300, 6, None)),
    "early": (dict(batch_size=64, max_iter=40, early_stopping=True), False, (300, 6, None)),
    "early_full_w": (dict(max_iter=60, early_stopping=True, solver="amsgrad"), True,
                     (300, 6, None)),
    "two_targets": (dict(batch_size=40, max_iter=20, alpha=0.5), True, (300, 6, 2)),
    "two_targets_full": (dict(max_iter=200, alpha=0.5), False, (300, 6, 2)),
    "wide_full": (dict(max_iter=50, alpha=1.0), False, (30, 80, None)),
    "nadam_mini": (dict(batch_size=25, max_iter=15, solver="nadam"), True, (300, 6, None)),
}
DASK_FITS = {
    "full": (dict(max_iter=300), False, (1200, 6, None)),
    "full_alpha_w_2t": (dict(max_iter=300, alpha=2.0), True, (1200, 6, 2)),
    "wide_roundtrip": (dict(max_iter=25, alpha=0.5), False, (40, 100, None)),
    "wide_roundtrip_w_2t": (dict(max_iter=25, fit_intercept=False, solver="adamax"), True,
                            (40, 100, 2)),
    "many_features": (dict(max_iter=6), False, (3000, 2100, None)),
}


def make_data(n_samples, n_features, n_targets, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * rng.uniform(0.1, 10, n_features)
    X += rng.uniform(-3, 3, n_features)
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    noise = rng.randn(*((n_samples,) if n_targets is None else (n_samples, n_targets)))
    y = X @ rng.randn(*shape) + 4 + 0.3 * noise
    return X, y, rng.uniform(0.1, 3, n_samples)


def digest(model, to_numpy):
    """SHA-256 of the coefficients, intercept, curves and counts of ``model``."""
    hasher = hashlib.sha256()
    for name in ("coef_", "intercept_"):
        hasher.update(np.ascontiguousarray(to_numpy(getattr(model, name))).tobytes())
    for name in ("loss_curve_", "gradient_norm_curve_", "validation_loss_curve_",
                 "validation_scores_"):
        value = getattr(model, name, None)
        if value is not None:
            hasher.update(np.asarray(value, dtype=np.float64).tobytes())
    hasher.update(str((model.n_iter_, model.n_steps_)).encode())
    return hasher.hexdigest()[:16]


def namespace_digests(name):
    """The digests of :data:`NAMESPACE_FITS` and of ``partial_fit`` on ``name``'s arrays."""
    if name == "torch":
        import torch

        def move(array):
            return torch.asarray(array, device="cpu")

        def to_numpy(array):
            return array.cpu().numpy() if hasattr(array, "cpu") else np.asarray(array)
    else:
        import array_api_strict

        move = array_api_strict.asarray

        def to_numpy(array):
            return np.asarray(array) if isinstance(array, float) else np.from_dlpack(array)
    digests = {}
    with sklearn.config_context(array_api_dispatch=True):
        for key, (settings, weighted, shape) in NAMESPACE_FITS.items():
            X, y, weight = make_data(*shape)
            extra = {"sample_weight": move(weight)} if weighted else {}
            model = AdamLinearRegressor(random_state=0, **settings)
            digests[f"{name}/{key}"] = digest(model.fit(move(X), move(y), **extra), to_numpy)
        X, y, weight = make_data(300, 6, None)
        model = AdamLinearRegressor(random_state=0, batch_size=50)
        for _ in range(3):
            model.partial_fit(move(X), move(y), sample_weight=move(weight))
        digests[f"{name}/partial"] = digest(model, to_numpy)
    return digests


def dask_digests():
    """The digests of :data:`DASK_FITS`, under dask's synchronous scheduler."""
    import dask
    import dask.array as da

    digests = {}
    with dask.config.set(scheduler="sync"):
        for key, (settings, weighted, shape) in DASK_FITS.items():
            X, y, weight = make_data(*shape)
            rows = max(10, X.shape[0] // 4)
            extra = {"sample_weight": da.from_array(weight, chunks=rows)} if weighted else {}
            model = AdamLinearRegressor(**settings).fit(
                da.from_array(X, chunks=(rows, X.shape[1])),
                da.from_array(y, chunks=(rows,) + y.shape[1:]), **extra,
            )
            digests[f"dask/{key}"] = digest(model, np.asarray)
    return digests


def main():
    warnings.simplefilter("ignore")
    digests = {}
    for name in ("array_api_strict", "torch"):
        if importlib.util.find_spec(name) is None:
            print(f"{name}: not installed, not fingerprinted")
        else:
            digests.update(namespace_digests(name))
    if importlib.util.find_spec("dask") is None:
        print("dask: not installed, not fingerprinted")
    else:
        digests.update(dask_digests())
    for name, value in digests.items():
        print(f"{value}  {name}")


if __name__ == "__main__":
    main()
