"""The elastic-net penalty's compiled proximal step, after each step of the rule.

The twin of ``Objective.proximal_step`` with the step sizes of the rule's
``step_sizes`` (``sklearn_adam._rules.proximal_steps``), as the numpy epoch
takes them: each coefficient soft-thresholded by its step size times the
absolute part's weight, then divided by one plus its step size times the
quadratic part's weight (``ElasticNet.prox``). The step sizes are the
rule's after its step, one coordinate at a time
(:func:`~._rules.coordinate_step_size`), times the batch's share of a
nominal batch. The part of each coefficient that the threshold took and the
threshold itself are left in the penalty's group, for the averaged iterate
(:func:`~._averaging.add_to_average`).
"""

from ._compile import kernel
from ._rules import coordinate_step_size


@kernel
def sign_of(value):
    # numpy's sign: -1, 0 or 1, and NaN for NaN, which a step must carry on.
    if value > 0.0:
        return 1.0
    if value < 0.0:
        return -1.0
    return value * 0.0


@kernel
def proximal_pass(rule, state, penalty, learning_rate, step_number, share):
    # The penalty's proximal step on every coefficient, in place, after the
    # rule's step number step_number at learning_rate; share weighs the
    # batch's penalty. Leaves each coefficient's clipped part (the forward
    # point less its soft-thresholded value) and threshold in penalty.
    n_targets, n_features = state.coef.shape
    for t in range(n_targets):
        for j in range(n_features):
            step = share * coordinate_step_size(
                rule, learning_rate, step_number, state.second_coef[t, j],
                state.maximum_coef[t, j],
            )
            forward = state.coef[t, j]
            threshold = step * penalty.absolute[t, j]
            size = abs(forward) - threshold
            shrunk = size if size > 0.0 else 0.0
            state.coef[t, j] = sign_of(forward) * shrunk / (1.0 + step * penalty.quadratic[t, j])
            penalty.clipped[t, j] = min(max(forward, -threshold), threshold)
            penalty.thresholds[t, j] = threshold


@kernel
def penalty_value(proximal, coef):
    # The elastic net at coef averaged over targets (Objective.penalty_value).
    quadratic = 0.0
    absolute = 0.0
    n_targets, n_features = coef.shape
    for t in range(n_targets):
        for j in range(n_features):
            quadratic += proximal.quadratic[t, j] * (coef[t, j] * coef[t, j])
            absolute += proximal.absolute[t, j] * abs(coef[t, j])
    return (0.5 * quadratic + absolute) / n_targets
