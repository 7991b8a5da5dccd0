"""The averaged iterate's compiled update.

The twin of :func:`sklearn_adam._averaging.add_to_average`, after each step
of a mini-batch epoch.
"""

from ._compile import kernel


@kernel
def add_to_average(state, average):
    # After a step: one more averaged step, whose parameters join the average
    # with the polynomial-decay weight (power + 1) / (count + power), element
    # by element as the numpy update computes it; the first is taken as it is.
    count = average.count[0] + 1
    average.count[0] = count
    weight = (average.power + 1.0) / (count + average.power)
    n_targets, n_features = state.coef.shape
    for target in range(n_targets):
        for feature in range(n_features):
            mean = average.coef[target, feature]
            value = state.coef[target, feature]
            average.coef[target, feature] = value if count == 1 else mean + (value - mean) * weight
        if state.has_intercept:
            mean = average.intercept[target]
            value = state.intercept[target]
            average.intercept[target] = value if count == 1 else mean + (value - mean) * weight
