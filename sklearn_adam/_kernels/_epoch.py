"""The mini-batch epoch: every batch's gradient and step in one call.

An epoch over the training rows in the order given, one step of the rule
per batch, reading each row of ``X`` in place (no batch copies); an epoch
over a memory-mapped ``X`` is run in parts, whose sums carry on from one call
to the next (:data:`~sklearn_adam._kernels.EpochSums`). With the elastic-net
penalty, each step is followed by its proximal step
(:func:`~._proximal.proximal_pass`).
"""

import numpy as np

from ._averaging import add_to_average
from ._compile import kernel
from ._gradient import (
    add_full_batch_products,
    add_residual_products,
    batch_gradient,
    original_units,
)
from ._proximal import penalty_value, proximal_pass
from ._rules import rule_step


@kernel
def step(data, scaling, rule, state, sums, n_batch, batch_size, learning_rate, step_number,
         proximal):
    # Turn the batch's sums into the gradient (Objective.batch_gradient),
    # add it to the epoch's totals, take the step (and an active penalty's
    # proximal step), and return the penalty before it, weighted by the
    # batch's share of the rows, and the gradient's squared norm.
    coef_gradient, derivative_sum, gradient_sum, intercept_gradient_sum = sums
    penalty = batch_gradient(data, scaling, state.coef, coef_gradient, derivative_sum,
                             gradient_sum, intercept_gradient_sum, n_batch, batch_size)
    if proximal.active:
        penalty += penalty_value(proximal, state.coef) * n_batch / data.n_samples
    squares = 0.0
    for t in range(coef_gradient.shape[0]):
        for j in range(coef_gradient.shape[1]):
            squares += coef_gradient[t, j] * coef_gradient[t, j]
        if state.has_intercept:
            squares += derivative_sum[t] * derivative_sum[t]
    rule_step(rule, state, coef_gradient, derivative_sum, learning_rate, step_number)
    if proximal.active:
        proximal_pass(rule, state, proximal, learning_rate, step_number, n_batch / batch_size)
    return penalty, squares


@kernel
def epoch(data, scaling, loss, rule, state, plan, sums, average, proximal):
    # Positions plan.first to plan.stop of an epoch over the training rows,
    # one step per batch that ends among them. The sums carry on from those
    # of the positions before, so that an epoch run in parts adds up exactly
    # as one call over all its positions. Returns the epoch's weighted sum
    # of the datafit's loss (loss) and penalty so far (each batch's taken before
    # its step; with the batch gradients' summed squared norms, also left in
    # sums.totals), the number of steps this call took, and the sums of the
    # batch gradients of the coefficients and the intercept so far. After
    # each step, an active average takes the parameters in; an active
    # proximal penalty (the elastic net) takes its proximal step after each.
    n_samples, batch_size = data.n_samples, plan.batch_size
    n_targets, n_features = state.coef.shape
    raw_coef = np.empty((n_targets, n_features))
    raw_intercept = np.empty(n_targets)
    coef_gradient, derivative_sum = sums.coef_gradient, sums.derivative_sum
    gradient_sum, intercept_gradient_sum = sums.gradient_sum, sums.intercept_gradient_sum
    batch_sums = (coef_gradient, derivative_sum, gradient_sum, intercept_gradient_sum)
    weighted_loss = sums.totals[0]
    penalty = sums.totals[1]
    gradient_squares = sums.totals[2]
    steps = 0
    # A full batch of rows as they lie takes the pass of data_full_batch_steps,
    # so that a run of steps and single epochs agree.
    full_batch_as_they_lie = plan.order.size == 0 and batch_size >= n_samples
    for start in range(plan.first - plan.first % batch_size, plan.stop, batch_size):
        stop = min(start + batch_size, n_samples)
        # The state changes only at a step: a batch resumed from an earlier
        # part gets the same coefficients as its start did.
        original_units(state, scaling, raw_coef, raw_intercept)
        if start >= plan.first:
            coef_gradient[:] = 0.0
            derivative_sum[:] = 0.0
        if full_batch_as_they_lie:
            weighted_loss = add_full_batch_products(
                data, scaling, loss, raw_coef, raw_intercept, max(start, plan.first),
                min(stop, plan.stop), coef_gradient, derivative_sum, weighted_loss,
            )
        else:
            weighted_loss = add_residual_products(
                data, scaling, loss, raw_coef, raw_intercept, plan.order, max(start, plan.first),
                min(stop, plan.stop), coef_gradient, derivative_sum, weighted_loss,
            )
        if stop > plan.stop:
            break  # the batch goes on in the next part
        steps += 1
        batch_penalty, squares = step(
            data, scaling, rule, state, batch_sums, stop - start, batch_size, plan.learning_rate,
            plan.steps_before + steps, proximal,
        )
        penalty += batch_penalty
        gradient_squares += squares
        if average.active:
            add_to_average(state, average, proximal)
    sums.totals[0] = weighted_loss
    sums.totals[1] = penalty
    sums.totals[2] = gradient_squares
    return weighted_loss, penalty, steps, gradient_sum, intercept_gradient_sum
