"""The columns' sums of squares, for the features' spreads (:mod:`sklearn_adam._objective`)."""

from ._compile import kernel


@kernel
def column_sums(X, sample_weight, center, variance, mean_square):
    # Weighted sums of squared deviations from center and of squares of each
    # dense column, added into variance and mean_square, in one pass over
    # the rows and without temporaries.
    n_samples, n_features = X.shape
    for i in range(n_samples):
        weight = sample_weight[i]
        for j in range(n_features):
            value = X[i, j]
            deviation = value - center[j]
            variance[j] += weight * deviation * deviation
            mean_square[j] += weight * value * value
