"""The averaged iterate's compiled update.

The twin of :func:`sklearn_adam._averaging.add_to_average`, after each step
of a mini-batch epoch.
"""

from ._compile import kernel


@kernel
def add_to_average(state, average, penalty):
    # After a step: one more averaged step, whose parameters join the average
    # with the polynomial-decay weight (power + 1) / (count + power), element
    # by element as the numpy update computes it; the first is taken as it is.
    # An average that keeps the averages of what proximal steps clipped and
    # of their thresholds takes those of this step in alike: zeros after a
    # step of a smooth penalty (an inactive one), which clips nothing.
    count = average.count[0] + 1
    average.count[0] = count
    weight = (average.power + 1.0) / (count + average.power)
    n_targets, n_features = state.coef.shape
    for target in range(n_targets):
        for feature in range(n_features):
            average.coef[target, feature] = average_in(
                average.coef[target, feature], state.coef[target, feature], count, weight)
            if average.clipped.size:
                clipped = penalty.clipped[target, feature] if penalty.active else 0.0
                threshold = penalty.thresholds[target, feature] if penalty.active else 0.0
                average.clipped[target, feature] = average_in(
                    average.clipped[target, feature], clipped, count, weight)
                average.thresholds[target, feature] = average_in(
                    average.thresholds[target, feature], threshold, count, weight)
        if state.has_intercept:
            average.intercept[target] = average_in(
                average.intercept[target], state.intercept[target], count, weight)


@kernel
def average_in(mean, value, count, weight):
    # One element's new average: the value itself for the first step.
    return value if count == 1 else mean + (value - mean) * weight
