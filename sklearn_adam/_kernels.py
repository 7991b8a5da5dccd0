"""Compiled kernels: an epoch of mini-batch steps, full-batch steps, the columns' spreads.

Kernels only: numpy arrays and numbers in, numbers out, compiled by numba.
The package imports this module (and numba) at the first fit that runs it
(:mod:`sklearn_adam._fast`); the numpy code that does the same work is the
reference the tests hold it to. It imports nothing from the rest of the
package; the callers (:mod:`sklearn_adam._engine._compiled` and the
standardization) gather the kernels' arguments into the few named groups
below, and a rule's kernel spec picks its compiled step (:func:`rule_step`).
Each kernel repeats, step for step, the arithmetic of the numpy code it
stands for, which the tests hold it to; only sums may be added in another
order, so the two agree to rounding. Everything the kernels call is in this
one file: numba renews its cache of a compiled function when the function's
own file changes, not when a file it calls into does.
"""

import math
from collections import namedtuple

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic, overload

# What the kernels implement, by the names datafits and penalties declare:
# the callers serve no other objective with them.
SERVES = {"datafits": frozenset({"squared_error"}), "penalties": frozenset({"l2"})}

# Whether the callers use the kernels; the tests that compare the compiled
# and the numpy code switch it off for the numpy side.
ENABLED = True

Data = namedtuple(
    "Data",
    ["X", "values", "indices", "indptr", "y", "sample_weight", "rows", "n_samples",
     "weight_sum", "penalty_weights", "penalized"],
)
Data.__doc__ = """The training data and the objective's terms.

X is dense (and values, indices and indptr are empty) or given by its CSR
arrays (and X is empty). rows are the training rows of X, all when empty.
penalty_weights is the penalty's weight on each squared coefficient, used
when penalized.
"""

Scaling = namedtuple("Scaling", ["x_center", "x_scale", "y_center", "y_scale"])
Scaling.__doc__ = "Centers and scales of the features and the targets."

State = namedtuple(
    "State",
    ["coef", "intercept", "has_intercept", "first_coef", "second_coef", "maximum_coef",
     "first_intercept", "second_intercept", "maximum_intercept", "momentum_product"],
)
State.__doc__ = """Standardized parameters and the rule's moments, advanced in place.

first and second hold the first and second moments (Adamax's second is
its infinity norm), maximum AMSGrad's running maximum of the second, and
momentum_product, of one element, NAdam's product of its momenta so far.
Those a rule does not keep, and the intercept's without an intercept, are
scratch space, left unread.
"""

Epoch = namedtuple(
    "Epoch", ["order", "batch_size", "learning_rate", "steps_before", "first", "stop"]
)
Epoch.__doc__ = """One epoch's plan: the order of the rows (as they lie when
empty), rows per step, the rate, the solver steps taken before this call,
and the positions first to stop of the order that this call visits: all of
them, or one part of an epoch run in several calls."""

EpochSums = namedtuple(
    "EpochSums",
    ["totals", "coef_gradient", "residual_sum", "gradient_sum", "intercept_gradient_sum"],
)
EpochSums.__doc__ = """An epoch's running sums, advanced in place from one part
of it to the next: totals holds the half weighted sum of squared residuals
and the penalty so far; coef_gradient and residual_sum the sums of the batch
in progress; gradient_sum and intercept_gradient_sum those of the batch
gradients so far (zero at the start of an epoch)."""

# How many rows ahead of the one in hand the epoch asks the processor to
# fetch: a shuffled order visits rows where its prefetcher cannot guess, and
# waiting for each from memory would take most of an epoch's time.
PREFETCH_DISTANCE = 8


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the processor to bring ``array[index]``'s cache line in, without waiting."""
    if not isinstance(array, numba.types.Array):
        return None
    signature = numba.types.void(array, index)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, view, [args[1]], wraparound=False
        )
        pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        int32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [pointer.type, int32, int32, int32]),
            "llvm.prefetch.p0",
        )
        # A read, to be kept in all cache levels, of data.
        builder.call(function, [pointer, int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return signature, codegen


# error_model="numpy": a division by zero gives inf or nan, as in numpy (the
# training loop checks for those), instead of a check per division that keeps
# loops from being vectorized. The fast-math flags let the compiler reorder
# the sums over features, which changes them in the last bits; all of them
# but "no infinities" and "no NaNs": a constant column's scale is infinite,
# and with those two flags vectorized float32 code turned its 1 / inf into NaN.
_FAST_MATH = {"reassoc", "contract", "nsz", "arcp", "afn"}
_kernel = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FAST_MATH)

# The update rules, the twins of the numpy updates of sklearn_adam._rules. A
# rule's kernel is a named tuple of its constants whose class names two
# functions: factors, what one step shares across coordinates (bias
# corrections, NAdam's momentum weights), and element, the step of one
# coordinate. rule_step compiles, for the class of the tuple it is given, a
# loop over the coordinates that calls that class's two; a rule's kernel
# spec (sklearn_adam._rules.AdamKernelSpec and its siblings) builds its tuple.


@_kernel
def divide_by_root(numerator, root, rule, second_correction):
    # Adam._divide_by_root on one coordinate: numerator over the root of the
    # second moment, epsilon placed as the rule says. As in numpy, with
    # epsilon=0 a coordinate whose gradients have all been zero has a zero
    # denominator and takes no step.
    if rule.raw_epsilon:
        denominator = (math.sqrt(root) + rule.epsilon) / math.sqrt(second_correction)
    else:
        denominator = math.sqrt(root / second_correction) + rule.epsilon
    return numerator / denominator if denominator != 0.0 else 0.0


@_kernel
def adam_factors(rule, state, learning_rate, step_number):
    # What Adam.update computes once per step: the bias corrections of both
    # moments, and the rate (for the decoupled decay).
    return 1.0 - rule.beta_1**step_number, 1.0 - rule.beta_2**step_number, learning_rate


@_kernel
def adam_element(rule, factors, g, m, v, v_max, theta, decays):
    # One coordinate of an Adam, AMSGrad or AdamW step (Adam.update,
    # AMSGrad.update, AdamW.update); decays for a coefficient, not for the
    # intercept. Returns m, v, v_max, theta.
    first_correction, second_correction, learning_rate = factors
    m = m * rule.beta_1 + (1.0 - rule.beta_1) * g
    v = v * rule.beta_2 + (1.0 - rule.beta_2) * (g * g)
    root = v
    if rule.running_maximum:
        v_max = max(v_max, v)
        root = v_max
    update = divide_by_root((-learning_rate / first_correction) * m, root, rule, second_correction)
    if decays and rule.weight_decay != 0.0:
        update = update - (learning_rate * rule.weight_decay) * theta
    return m, v, v_max, theta + update


@_kernel
def nadam_momentum(rule, step_number):
    # NAdam._momentum: the scheduled momentum mu_t of step t.
    return rule.beta_1 * (1.0 - 0.5 * 0.96 ** (step_number * rule.momentum_decay))


@_kernel
def nadam_factors(rule, state, learning_rate, step_number):
    # What NAdam.update computes once per step: the weights of the gradient
    # and of the first moment, and the second moment's bias correction. The
    # product of the momenta so far advances in the state.
    momentum = nadam_momentum(rule, step_number)
    next_momentum = nadam_momentum(rule, step_number + 1)
    product = state.momentum_product[0] * momentum
    state.momentum_product[0] = product
    gradient_weight = -learning_rate * (1.0 - momentum) / (1.0 - product)
    momentum_weight = -learning_rate * next_momentum / (1.0 - product * next_momentum)
    return gradient_weight, momentum_weight, 1.0 - rule.beta_2**step_number


@_kernel
def nadam_element(rule, factors, g, m, v, unused, theta, decays):
    # One coordinate of a NAdam step (NAdam.update). Returns m, v, the
    # unused third moment as it was, and theta.
    gradient_weight, momentum_weight, second_correction = factors
    m = m * rule.beta_1 + (1.0 - rule.beta_1) * g
    v = v * rule.beta_2 + (1.0 - rule.beta_2) * (g * g)
    nesterov = momentum_weight * m + gradient_weight * g
    return m, v, unused, theta + divide_by_root(nesterov, v, rule, second_correction)


@_kernel
def adamax_factors(rule, state, learning_rate, step_number):
    # What Adamax.update computes once per step: the step size.
    return (-learning_rate / (1.0 - rule.beta_1**step_number),)


@_kernel
def adamax_element(rule, factors, g, m, u, unused, theta, decays):
    # One coordinate of an Adamax step (Adamax.update): u is the weighted
    # infinity norm. As in numpy, u = 0 (only with epsilon=0, while the
    # gradients have all been zero) takes no step. Returns m, u, the unused
    # third moment as it was, and theta.
    (step_size,) = factors
    m = m * rule.beta_1 + (1.0 - rule.beta_1) * g
    u = max(u * rule.beta_2, abs(g) + rule.epsilon)
    update = (m / u) * step_size if rule.epsilon > 0.0 or u > 0.0 else 0.0
    return m, u, unused, theta + update


class AdamRule(
    namedtuple(
        "AdamRule",
        ["beta_1", "beta_2", "epsilon", "raw_epsilon", "running_maximum", "weight_decay"],
    )
):
    """The constants of an Adam, AMSGrad or AdamW step."""

    __slots__ = ()
    factors = adam_factors
    element = adam_element


class NAdamRule(
    namedtuple("NAdamRule", ["beta_1", "beta_2", "epsilon", "raw_epsilon", "momentum_decay"])
):
    """The constants of a NAdam step; the product of its momenta is in the state."""

    __slots__ = ()
    factors = nadam_factors
    element = nadam_element


class AdamaxRule(namedtuple("AdamaxRule", ["beta_1", "beta_2", "epsilon"])):
    """The constants of an Adamax step; the state's second moment is its infinity norm."""

    __slots__ = ()
    factors = adamax_factors
    element = adamax_element


# step_factors and element call, in compiled code, the functions that the
# class of the rule's tuple names, chosen when the caller is compiled for
# that class. In Python they are never called.


def step_factors(rule, state, learning_rate, step_number):
    """The ``factors`` kernel of ``rule``'s class, for compiled callers."""
    return type(rule).factors(rule, state, learning_rate, step_number)


def element(rule, factors, g, first, second, third, theta, decays):
    """The ``element`` kernel of ``rule``'s class, for compiled callers."""
    return type(rule).element(rule, factors, g, first, second, third, theta, decays)


@overload(step_factors)
def _compiled_step_factors(rule, state, learning_rate, step_number):
    declared = rule.instance_class.factors

    def call(rule, state, learning_rate, step_number):
        return declared(rule, state, learning_rate, step_number)

    return call


@overload(element)
def _compiled_element(rule, factors, g, first, second, third, theta, decays):
    declared = rule.instance_class.element

    def call(rule, factors, g, first, second, third, theta, decays):
        return declared(rule, factors, g, first, second, third, theta, decays)

    return call


@_kernel
def rule_step(rule, state, coef_gradient, intercept_gradient, learning_rate, step_number):
    # One step of the rule on every coefficient (and the intercept, never
    # decayed) from their gradients.
    n_targets, n_features = state.coef.shape
    factors = step_factors(rule, state, learning_rate, step_number)
    for t in range(n_targets):
        for j in range(n_features):
            (state.first_coef[t, j], state.second_coef[t, j], state.maximum_coef[t, j],
             state.coef[t, j]) = element(
                rule, factors, coef_gradient[t, j], state.first_coef[t, j],
                state.second_coef[t, j], state.maximum_coef[t, j], state.coef[t, j], True,
            )
        if state.has_intercept:
            (state.first_intercept[t], state.second_intercept[t], state.maximum_intercept[t],
             state.intercept[t]) = element(
                rule, factors, intercept_gradient[t], state.first_intercept[t],
                state.second_intercept[t], state.maximum_intercept[t], state.intercept[t], False,
            )


@_kernel
def original_units(state, scaling, raw_coef, raw_intercept):
    # The coefficients in the units of the data (Standardization.to_original).
    n_targets, n_features = state.coef.shape
    for t in range(n_targets):
        offset = 0.0
        for j in range(n_features):
            raw_coef[t, j] = state.coef[t, j] * (scaling.y_scale[t] / scaling.x_scale[j])
            offset += raw_coef[t, j] * scaling.x_center[j]
        raw_intercept[t] = scaling.y_center[t] - offset
        if state.has_intercept:
            raw_intercept[t] += scaling.y_scale[t] * state.intercept[t]


@_kernel
def step(data, scaling, rule, state, sums, n_batch, batch_size, learning_rate, step_number):
    # Turn the batch's sums into the gradient (LeastSquares.batch_gradient),
    # add it to the epoch's totals, take the step, and return the penalty
    # before it, weighted by the batch's share of the rows.
    coef_gradient, residual_sum, gradient_sum, intercept_gradient_sum = sums
    penalty = batch_gradient(data, scaling, state.coef, coef_gradient, residual_sum,
                             gradient_sum, intercept_gradient_sum, n_batch, batch_size)
    rule_step(rule, state, coef_gradient, residual_sum, learning_rate, step_number)
    return penalty


@_kernel
def batch_gradient(data, scaling, coef, coef_gradient, residual_sum, gradient_sum,
                   intercept_gradient_sum, n_batch, batch_size):
    # The batch's sums turned into its gradient in their place, the
    # intercept's in place of the residual sums, and added to the epoch's
    # totals; returns the penalty as step() does.
    n_targets, n_features = coef.shape
    scaling_factor = data.n_samples / (batch_size * data.weight_sum)
    penalty = 0.0
    if data.penalized:
        for t in range(n_targets):
            for j in range(n_features):
                penalty += data.penalty_weights[j] * coef[t, j] * coef[t, j]
        penalty = 0.5 * penalty / n_targets * n_batch / data.n_samples
    for t in range(n_targets):
        for j in range(n_features):
            g = (coef_gradient[t, j] - residual_sum[t] * scaling.x_center[j]) * (
                scaling_factor / scaling.x_scale[j]
            )
            if data.penalized:
                g += (n_batch / batch_size) * data.penalty_weights[j] * coef[t, j]
            gradient_sum[t, j] += g
            coef_gradient[t, j] = g
        # The intercept's gradient, in place of the residual sum it comes from.
        residual_sum[t] *= scaling_factor
        intercept_gradient_sum[t] += residual_sum[t]
    return penalty


@_kernel
def epoch(data, scaling, rule, state, plan, sums):
    # Positions plan.first to plan.stop of an epoch over the training rows,
    # one step per batch that ends among them. The sums carry on from those
    # of the positions before, so that an epoch run in parts adds up exactly
    # as one call over all its positions. Returns the epoch's half weighted
    # sum of squared residuals and penalty so far (each batch's taken before
    # its step), the number of steps this call took, and the sums of the
    # batch gradients of the coefficients and the intercept so far.
    n_samples, batch_size = data.n_samples, plan.batch_size
    n_targets, n_features = state.coef.shape
    raw_coef = np.empty((n_targets, n_features))
    raw_intercept = np.empty(n_targets)
    coef_gradient, residual_sum = sums.coef_gradient, sums.residual_sum
    gradient_sum, intercept_gradient_sum = sums.gradient_sum, sums.intercept_gradient_sum
    batch_sums = (coef_gradient, residual_sum, gradient_sum, intercept_gradient_sum)
    weighted_squares = sums.totals[0]
    penalty = sums.totals[1]
    steps = 0
    for start in range(plan.first - plan.first % batch_size, plan.stop, batch_size):
        stop = min(start + batch_size, n_samples)
        # The state changes only at a step: a batch resumed from an earlier
        # part gets the same coefficients as its start did.
        original_units(state, scaling, raw_coef, raw_intercept)
        if start >= plan.first:
            coef_gradient[:] = 0.0
            residual_sum[:] = 0.0
        weighted_squares = add_residual_products(
            data, scaling, raw_coef, raw_intercept, plan.order, max(start, plan.first),
            min(stop, plan.stop), coef_gradient, residual_sum, weighted_squares,
        )
        if stop > plan.stop:
            break  # the batch goes on in the next part
        steps += 1
        penalty += step(
            data, scaling, rule, state, batch_sums, stop - start, batch_size, plan.learning_rate,
            plan.steps_before + steps,
        )
    sums.totals[0] = weighted_squares
    sums.totals[1] = penalty
    return weighted_squares, penalty, steps, gradient_sum, intercept_gradient_sum


@_kernel
def add_residual_products(data, scaling, raw_coef, raw_intercept, order, first, stop,
                          coef_gradient, residual_sum, weighted_squares):
    # The rows at positions first to stop of order (as they lie when order
    # is empty): each row's weighted residual times the row added into
    # coef_gradient, the residuals into residual_sum; returns weighted_squares
    # plus half their weighted squares.
    X, values, indices, indptr = data.X, data.values, data.indices, data.indptr
    rows = data.rows
    sparse = indptr.size > 0
    n_samples = data.n_samples
    n_targets, n_features = raw_coef.shape
    for position in range(first, stop):
        if order.size and position + PREFETCH_DISTANCE < n_samples:
            ahead = order[position + PREFETCH_DISTANCE]
            if rows.size:
                ahead = rows[ahead]
            if sparse:
                for k in range(indptr[ahead], indptr[ahead + 1], 8):
                    _prefetch(values, k)
                    _prefetch(indices, k)
            else:
                for j in range(0, n_features, 8):
                    _prefetch(X[ahead], j)
        row = order[position] if order.size else position
        if rows.size:
            row = rows[row]
        weight = data.sample_weight[row]
        for t in range(n_targets):
            prediction = raw_intercept[t]
            if sparse:
                for k in range(indptr[row], indptr[row + 1]):
                    prediction += values[k] * raw_coef[t, indices[k]]
            else:
                for j in range(n_features):
                    prediction += X[row, j] * raw_coef[t, j]
            residual = (prediction - data.y[row, t]) / scaling.y_scale[t]
            weighted_squares += 0.5 * weight * residual * residual
            residual *= weight
            residual_sum[t] += residual
            if sparse:
                for k in range(indptr[row], indptr[row + 1]):
                    coef_gradient[t, indices[k]] += values[k] * residual
            else:
                for j in range(n_features):
                    coef_gradient[t, j] += X[row, j] * residual
    return weighted_squares


@_kernel
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


Quadratic = namedtuple(
    "Quadratic",
    ["gram", "feature_means", "moments", "target_means", "target_squares", "penalty_weights",
     "penalized"],
)
Quadratic.__doc__ = """The objective as a quadratic in the standardized parameters:
the normal equations' moments (see sklearn_adam._objective._normal_equations)."""

Steps = namedtuple(
    "Steps",
    ["rates", "steps_before", "target", "patience", "best_loss", "best_gradient", "n_stalled"],
)
Steps.__doc__ = """A run of full-batch epochs: one rate per epoch, the steps taken
before it, and the stopping rule: stop, without a step, at an epoch whose
gradient norm is at most target; stop after a step once neither the loss nor
the gradient norm has beaten its best for patience epochs in a row
(best_loss, best_gradient and n_stalled so far)."""

# What ended a run of full-batch steps; GOING_ON: nothing yet.
RAN_OUT, CONVERGED, STALLED, NOT_FINITE, GOING_ON = 0, 1, 2, 3, -1


@_kernel
def quadratic_gradient(quadratic, state, coef_gradient, intercept_gradient):
    # The exact gradient (NormalEquations.gradient) into the two arrays;
    # returns the objective, averaged over targets, and the gradient's norm.
    n_targets, n_features = state.coef.shape
    total = 0.0
    squares = 0.0
    for t in range(n_targets):
        intercept = state.intercept[t] if state.has_intercept else 0.0
        data = 0.0
        slope = 0.0
        for j in range(n_features):
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


@_kernel
def full_batch_steps(quadratic, rule, state, plan, losses, gradient_norms):
    # Full-batch epochs of the rule on the quadratic,
    # one per rate, each recording the objective and gradient norm at its
    # start. An epoch whose gradient is within the target ends the run
    # without a step, so that the parameters left are those it judged.
    # Returns the epochs run, what ended them, and the stopping rule's best
    # loss, best gradient norm and epochs without progress.
    n_targets, n_features = state.coef.shape
    coef_gradient = np.empty((n_targets, n_features))
    intercept_gradient = np.empty(n_targets)
    best_loss, best_gradient, n_stalled = plan.best_loss, plan.best_gradient, plan.n_stalled
    for i in range(plan.rates.size):
        loss, norm = quadratic_gradient(quadratic, state, coef_gradient, intercept_gradient)
        outcome, best_loss, best_gradient, n_stalled = judged_step(
            rule, state, plan, i, loss, norm, coef_gradient, intercept_gradient, best_loss,
            best_gradient, n_stalled, losses, gradient_norms,
        )
        if outcome != GOING_ON:
            return i + 1, outcome, best_loss, best_gradient, n_stalled
    return plan.rates.size, RAN_OUT, best_loss, best_gradient, n_stalled


@_kernel
def data_full_batch_steps(data, scaling, rule, state, plan, losses, gradient_norms):
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
    best_loss, best_gradient, n_stalled = plan.best_loss, plan.best_gradient, plan.n_stalled
    for i in range(plan.rates.size):
        loss, norm = data_gradient(data, scaling, state, raw_coef, raw_intercept,
                                   coef_gradient, intercept_gradient, totals, intercept_totals)
        outcome, best_loss, best_gradient, n_stalled = judged_step(
            rule, state, plan, i, loss, norm, coef_gradient, intercept_gradient, best_loss,
            best_gradient, n_stalled, losses, gradient_norms,
        )
        if outcome != GOING_ON:
            return i + 1, outcome, best_loss, best_gradient, n_stalled
    return plan.rates.size, RAN_OUT, best_loss, best_gradient, n_stalled


@_kernel
def data_gradient(data, scaling, state, raw_coef, raw_intercept, coef_gradient,
                  intercept_gradient, totals, intercept_totals):
    # The full-batch gradient of epoch() with one batch of every training
    # row, in the same arithmetic, written into the two arrays without a
    # step; returns the objective (LeastSquares.epoch_summary) and the
    # gradient's norm. One batch: its gradient is the epoch's sum, added
    # into totals and intercept_totals, which the caller does not read.
    n_targets = state.coef.shape[0]
    n_samples = data.n_samples
    original_units(state, scaling, raw_coef, raw_intercept)
    coef_gradient[:] = 0.0
    intercept_gradient[:] = 0.0
    weighted_squares = add_residual_products(
        data, scaling, raw_coef, raw_intercept, data.rows[:0], 0, n_samples, coef_gradient,
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
    loss = weighted_squares / (data.weight_sum * n_targets) + penalty
    return loss, math.sqrt(squares)


@_kernel
def judged_step(rule, state, plan, i, loss, norm, coef_gradient, intercept_gradient, best_loss,
                best_gradient, n_stalled, losses, gradient_norms):
    # Record the i-th epoch's objective and gradient norm, judge them, and
    # take its step unless they end the run (converged: no step). Returns
    # what ends the run (GOING_ON for nothing yet; STALLED after the step)
    # and the stopping rule's best loss, best gradient norm and epochs
    # without progress.
    losses[i] = loss
    gradient_norms[i] = norm
    if not (math.isfinite(loss) and math.isfinite(norm)):
        return NOT_FINITE, best_loss, best_gradient, n_stalled
    progress = loss < best_loss or norm < best_gradient
    best_loss = min(best_loss, loss)
    best_gradient = min(best_gradient, norm)
    n_stalled = 0 if progress else n_stalled + 1
    if norm <= plan.target:
        return CONVERGED, best_loss, best_gradient, n_stalled
    rule_step(rule, state, coef_gradient, intercept_gradient, plan.rates[i],
              plan.steps_before + i + 1)
    outcome = STALLED if n_stalled >= plan.patience else GOING_ON
    return outcome, best_loss, best_gradient, n_stalled
