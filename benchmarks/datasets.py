"""Regression problems shared by the benchmarks and the convergence tests."""

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_diabetes


def gaussian(seed=0, n_samples=1000, n_features=10):
    """Well-conditioned dense data in arbitrary units (scales 0.5 to 5, offsets)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * rng.uniform(0.5, 5, n_features)
    X += rng.uniform(-3, 3, n_features)
    y = X @ rng.randn(n_features) + 2 + 0.3 * rng.randn(n_samples)
    return X, y


def sparse(seed=0, n_samples=1000, n_features=10):
    """Sparse CSR data, 20% of the entries non-zero."""
    rng = np.random.RandomState(seed)
    X = sp.random(n_samples, n_features, density=0.2, random_state=rng, format="csr") * 3
    y = X @ rng.randn(n_features) + 2 + 0.3 * rng.randn(n_samples)
    return X, y


def diabetes():
    """scikit-learn's diabetes data: 442 rows, 10 correlated features."""
    return load_diabetes(return_X_y=True)


def ill_conditioned(condition=1e6, seed=0, n_samples=2000, n_features=20):
    """Features whose standardized Gram matrix X'X/n has the given condition number."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    X -= X.mean(axis=0)
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    X = U @ np.diag(np.logspace(0, -0.5 * np.log10(condition), n_features)) @ Vt
    X /= X.std(axis=0)
    y = X @ rng.randn(n_features) + 0.5 * rng.randn(n_samples)
    # Arbitrary units: standardization must undo them.
    return X * rng.uniform(0.1, 10, n_features) + rng.uniform(-5, 5, n_features), y


def standardized_condition_number(X):
    """Condition number of the Gram matrix of the standardized columns of dense X."""
    standardized = (X - X.mean(axis=0)) / X.std(axis=0)
    eigenvalues = np.linalg.eigvalsh(standardized.T @ standardized / X.shape[0])
    return eigenvalues[-1] / eigenvalues[0]



def large_dense(n_samples, n_features, seed=0, dtype=np.float64, noise=1 / 3):
    """Standardized Gaussian features and ``y = X @ w + noise``, sized for speed tests.

    Each column has mean 0 and standard deviation 1 exactly; the noise has
    ``noise`` times the standard deviation of ``X @ w`` (R^2 about 0.9 by
    default). float32 data are the float64 data rounded, so both dtypes
    describe the same problem.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X -= X.mean(axis=0)
    X /= X.std(axis=0)
    y = _noisy_target(X, rng, noise)
    return X.astype(dtype, copy=False), y.astype(dtype, copy=False)


def large_sparse(n_samples, n_features, density=0.01, seed=0, noise=1 / 3):
    """CSR float64 features with Gaussian non-zeros and ``y = X @ w + noise``.

    The non-zeros are drawn by ``scipy.sparse.random`` with a fixed seed;
    ``noise`` is relative to the standard deviation of ``X @ w``, as in
    :func:`large_dense`.
    """
    rng = np.random.default_rng(seed)
    X = sp.random(n_samples, n_features, density=density, format="csr", random_state=rng,
                  data_rvs=rng.standard_normal)
    return X, _noisy_target(X, rng, noise)


def _noisy_target(X, rng, noise):
    signal = X @ rng.standard_normal(X.shape[1])
    return signal + noise * signal.std() * rng.standard_normal(X.shape[0])


DATASETS = {"gaussian": gaussian, "sparse": sparse, "diabetes": diabetes}
