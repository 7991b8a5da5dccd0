"""Data for the tests of every loss: features of various scales, targets each loss takes."""

import numpy as np


def targets_for(loss, n_samples=900, n_targets=None, seed=0):
    """Features of various offsets and scales, and targets the loss takes."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 4)) * [0.5, 1.0, 2.0, 3.0] + [1.0, -2.0, 0.0, 5.0]
    shape = (n_samples,) if n_targets is None else (n_samples, n_targets)
    linear = ((X - X.mean(0)) / X.std(0)) @ rng.normal(scale=0.4, size=(4,) + shape[1:]) + 0.5
    if loss == "poisson":
        return X, rng.poisson(np.exp(linear)).astype(float)
    if loss == "gamma":
        return X, rng.gamma(2.0, np.exp(linear) / 2.0)
    return X, 3 * linear + rng.standard_t(3, size=shape)
