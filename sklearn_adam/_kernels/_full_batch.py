"""Runs of full-batch steps in one call, each epoch judged by the stopping test.

Each epoch takes the exact gradient, from the normal equations' quadratic
(:func:`full_batch_steps`) or by a pass over the training rows of ``X``
(:func:`data_full_batch_steps`, where the normal equations cost more than a
pass), records the objective and the gradient norm, and asks
:func:`~sklearn_adam._kernels.judge` whether the run ends before or after
its step.
"""

import math

import numpy as np

from ._compile import kernel
from ._gradient import add_full_batch_products, batch_gradient, original_units
from ._proximal import penalty_value, proximal_pass
from ._rules import rule_step
from ._stopping import CONVERGED, GOING_ON, NOT_FINITE, RAN_OUT, judge


@kernel
def quadratic_gradient(quadratic, state, coef_gradient, intercept_gradient):
    # The exact gradient (NormalEquations.gradient) into the two arrays;
    # returns the objective, averaged over targets, and the gradient's norm.
    # With a penalty taken by proximal steps, where many coefficients are
    # exactly zero, the products are summed over the rows of the (symmetric)
    # Gram matrix of the others only (nonzero_products), as
    # NormalEquations.gradient sums them: a step reads only those rows.
    n_targets, n_features = state.coef.shape
    products = np.empty(n_features if quadratic.proximal else 0)
    total = 0.0
    squares = 0.0
    for t in range(n_targets):
        intercept = state.intercept[t] if state.has_intercept else 0.0
        data = 0.0
        slope = 0.0
        if quadratic.proximal:
            nonzero_products(quadratic.gram, state.coef[t], products)
        for j in range(n_features):
            if quadratic.proximal:
                product = products[j]
            else:
                product = 0.0
                for k in range(n_features):
                    product += quadratic.gram[j, k] * state.coef[t, k]
            g = product - quadratic.moments[t, j] + intercept * quadratic.feature_means[j]
            data += state.coef[t, j] * (0.5 * product - quadratic.moments[t, j])
            slope += state.coef[t, j] * quadratic.feature_means[j]
            if quadratic.penalized:
                g += quadratic.penalty_weights[j] * state.coef[t, j]
                total += 0.5 * quadratic.penalty_weights[j] * state.coef[t, j] ** 2
            coef_gradient[t, j] = g
            squares += g * g
        data += quadratic.target_squares[t]
        if state.has_intercept:
            g = slope + intercept - quadratic.target_means[t]
            intercept_gradient[t] = g
            squares += g * g
            data += intercept * (slope + 0.5 * intercept - quadratic.target_means[t])
        total += max(data, 0.0)
    return total / n_targets, math.sqrt(squares)


@kernel
def nonzero_products(gram, coef, products):
    # coef @ gram into products, adding the rows of gram times the non-zero
    # coefficients only, one row at a time (contiguous).
    products[:] = 0.0
    for k in range(coef.size):
        value = coef[k]
        if value != 0.0:
            for j in range(products.size):
                products[j] += value * gram[k, j]


@kernel
def proximal_terms(penalty, state, coef_gradient, intercept_gradient, data_loss):
    # For a penalty taken by proximal steps, what quadratic_gradient leaves
    # out: the objective with the penalty's value (penalty_value) added, and
    # the stationarity (ElasticNet.subdiff_distance of the data gradient,
    # with the intercept's gradient) in place of the gradient's norm.
    n_targets, n_features = state.coef.shape
    squares = 0.0
    for t in range(n_targets):
        for j in range(n_features):
            coef = state.coef[t, j]
            absolute_weight = penalty.absolute[t, j]
            smooth = coef_gradient[t, j] + penalty.quadratic[t, j] * coef
            if coef == 0.0:
                distance = max(abs(smooth) - absolute_weight, 0.0)
            else:
                distance = abs(smooth + absolute_weight * (1.0 if coef > 0.0 else -1.0))
            squares += distance * distance
        if state.has_intercept:
            squares += intercept_gradient[t] * intercept_gradient[t]
    return data_loss + penalty_value(penalty, state.coef), math.sqrt(squares)


@kernel
def full_batch_steps(quadratic, rule, state, plan, losses, gradient_norms):
    # Full-batch epochs of the rule on the quadratic,
    # one per rate, each recording the objective and gradient norm at its
    # start. An epoch whose gradient is within the target ends the run
    # without a step, so that the parameters left are those it judged.
    # Returns the epochs run, what ended them, and the stopping rule's best
    # loss, best gradient norm and epochs without progress (its standing).
    n_targets, n_features = state.coef.shape
    coef_gradient = np.empty((n_targets, n_features))
    intercept_gradient = np.empty(n_targets)
    standing = (plan.best_loss, plan.best_gradient, plan.n_stalled)
    for i in range(plan.rates.size):
        loss, norm = quadratic_gradient(quadratic, state, coef_gradient, intercept_gradient)
        if quadratic.proximal:
            loss, norm = proximal_terms(quadratic.proximal_penalty, state, coef_gradient,
                                        intercept_gradient, loss)
        outcome, standing = judged_step(
            rule, state, plan, i, loss, norm, coef_gradient, intercept_gradient, standing,
            losses, gradient_norms,
        )
        if quadratic.proximal and outcome != CONVERGED and outcome != NOT_FINITE:
            # The mini-batch epochs' proximal step, for a whole batch (share one).
            proximal_pass(rule, state, quadratic.proximal_penalty, plan.rates[i],
                          plan.steps_before + i + 1, 1.0)
        if outcome != GOING_ON:
            return (i + 1, outcome) + standing
    return (plan.rates.size, RAN_OUT) + standing


@kernel
def data_full_batch_steps(data, scaling, loss, rule, state, plan, losses, gradient_norms):
    # What full_batch_steps does, each gradient taken by a pass over the
    # training rows of X (data_gradient) instead of the quadratic: where the
    # normal equations cost more than a pass, a run of steps in one call.
    # A loop of its own: numba caches no kernel that takes the gradient's
    # function as an argument.
    n_targets, n_features = state.coef.shape
    raw_coef = np.empty((n_targets, n_features))
    raw_intercept = np.empty(n_targets)
    coef_gradient = np.empty((n_targets, n_features))
    intercept_gradient = np.empty(n_targets)
    # batch_gradient adds each gradient into epoch totals, which no one
    # reads here: scratch for every epoch of the run.
    totals = np.zeros((n_targets, n_features))
    intercept_totals = np.zeros(n_targets)
    standing = (plan.best_loss, plan.best_gradient, plan.n_stalled)
    for i in range(plan.rates.size):
        objective, norm = data_gradient(data, scaling, loss, state, raw_coef, raw_intercept,
                                        coef_gradient, intercept_gradient, totals,
                                        intercept_totals)
        outcome, standing = judged_step(
            rule, state, plan, i, objective, norm, coef_gradient, intercept_gradient, standing,
            losses, gradient_norms,
        )
        if outcome != GOING_ON:
            return (i + 1, outcome) + standing
    return (plan.rates.size, RAN_OUT) + standing


@kernel
def data_gradient(data, scaling, loss, state, raw_coef, raw_intercept, coef_gradient,
                  intercept_gradient, totals, intercept_totals):
    # The full-batch gradient of epoch() with one batch of every training
    # row, in the same arithmetic, written into the two arrays without a
    # step; returns the objective (Objective.epoch_summary) and the
    # gradient's norm. One batch: its gradient is the epoch's sum, added
    # into totals and intercept_totals, which the caller does not read.
    n_targets = state.coef.shape[0]
    n_samples = data.n_samples
    original_units(state, scaling, raw_coef, raw_intercept)
    coef_gradient[:] = 0.0
    intercept_gradient[:] = 0.0
    weighted_loss = add_full_batch_products(
        data, scaling, loss, raw_coef, raw_intercept, 0, n_samples, coef_gradient,
        intercept_gradient, 0.0,
    )
    penalty = batch_gradient(data, scaling, state.coef, coef_gradient, intercept_gradient,
                             totals, intercept_totals, n_samples, n_samples)
    squares = 0.0
    for t in range(n_targets):
        for j in range(coef_gradient.shape[1]):
            squares += coef_gradient[t, j] * coef_gradient[t, j]
        if state.has_intercept:
            squares += intercept_gradient[t] * intercept_gradient[t]
    objective = weighted_loss / (data.weight_sum * n_targets) + penalty
    return objective, math.sqrt(squares)


@kernel
def judged_step(rule, state, plan, i, loss, norm, coef_gradient, intercept_gradient, standing,
                losses, gradient_norms):
    # Record the i-th epoch's objective and gradient norm, judge them, and
    # take its step unless they end the run before it (converged, not
    # finite). Returns what ends the run (GOING_ON for nothing yet; STALLED
    # after the step) and the stopping rule's standing after the epoch.
    losses[i] = loss
    gradient_norms[i] = norm
    outcome, standing = judge(loss, norm, standing, plan.target, plan.patience)
    if outcome != CONVERGED and outcome != NOT_FINITE:
        rule_step(rule, state, coef_gradient, intercept_gradient, plan.rates[i],
                  plan.steps_before + i + 1)
    return outcome, standing
