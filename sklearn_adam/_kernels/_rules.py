"""The update rules' compiled steps, the twins of the numpy updates of :mod:`sklearn_adam._rules`.

A rule's kernel is a named tuple of its constants whose class names three
functions: ``factors``, what one step shares across coordinates (bias
corrections, NAdam's momentum weights), ``element``, the step of one
coordinate, and ``step_size``, the size of one coordinate's last step
(the twin of the rule's ``step_sizes``: the metric of a proximal step).
:func:`rule_step` compiles, for the class of the tuple it is given, a loop
over the coordinates that calls that class's functions; a rule's kernel
spec (:class:`sklearn_adam._rules.AdamKernelSpec` and its siblings) builds
its tuple.
"""

import math
from collections import namedtuple

from numba.extending import overload

from ._compile import kernel


@kernel
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


@kernel
def adam_factors(rule, state, learning_rate, step_number):
    # What Adam.update computes once per step: the bias corrections of both
    # moments, and the rate (for the decoupled decay).
    return 1.0 - rule.beta_1**step_number, 1.0 - rule.beta_2**step_number, learning_rate


@kernel
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


@kernel
def adam_step_size(rule, learning_rate, step_number, v, v_max):
    # Adam.step_sizes (AMSGrad's: of the running maximum) on one coordinate
    # after the step_number-th update: the rate over the update's denominator.
    root = v_max if rule.running_maximum else v
    return divide_by_root(learning_rate, root, rule, 1.0 - rule.beta_2**step_number)


@kernel
def nadam_step_size(rule, learning_rate, step_number, v, unused):
    # NAdam's step_sizes, Adam's: the rate over the root of the second moment.
    return divide_by_root(learning_rate, v, rule, 1.0 - rule.beta_2**step_number)


@kernel
def adamax_step_size(rule, learning_rate, step_number, u, unused):
    # Adamax.step_sizes on one coordinate: the rate over the infinity norm,
    # none where u = 0 (epsilon=0, gradients all zero so far).
    return learning_rate / u if rule.epsilon > 0.0 or u > 0.0 else 0.0


@kernel
def nadam_momentum(rule, step_number):
    # NAdam._momentum: the scheduled momentum mu_t of step t.
    return rule.beta_1 * (1.0 - 0.5 * 0.96 ** (step_number * rule.momentum_decay))


@kernel
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


@kernel
def nadam_element(rule, factors, g, m, v, unused, theta, decays):
    # One coordinate of a NAdam step (NAdam.update). Returns m, v, the
    # unused third moment as it was, and theta.
    gradient_weight, momentum_weight, second_correction = factors
    m = m * rule.beta_1 + (1.0 - rule.beta_1) * g
    v = v * rule.beta_2 + (1.0 - rule.beta_2) * (g * g)
    nesterov = momentum_weight * m + gradient_weight * g
    return m, v, unused, theta + divide_by_root(nesterov, v, rule, second_correction)


@kernel
def adamax_factors(rule, state, learning_rate, step_number):
    # What Adamax.update computes once per step: the step size.
    return (-learning_rate / (1.0 - rule.beta_1**step_number),)


@kernel
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
    step_size = adam_step_size


class NAdamRule(
    namedtuple("NAdamRule", ["beta_1", "beta_2", "epsilon", "raw_epsilon", "momentum_decay"])
):
    """The constants of a NAdam step; the product of its momenta is in the state."""

    __slots__ = ()
    factors = nadam_factors
    element = nadam_element
    step_size = nadam_step_size


class AdamaxRule(namedtuple("AdamaxRule", ["beta_1", "beta_2", "epsilon"])):
    """The constants of an Adamax step; the state's second moment is its infinity norm."""

    __slots__ = ()
    factors = adamax_factors
    element = adamax_element
    step_size = adamax_step_size


# step_factors, element and step_size call, in compiled code, the functions that the
# class of the rule's tuple names, chosen when the caller is compiled for
# that class. In Python they are never called.


def step_factors(rule, state, learning_rate, step_number):
    """The ``factors`` kernel of ``rule``'s class, for compiled callers."""
    return type(rule).factors(rule, state, learning_rate, step_number)


def element(rule, factors, g, first, second, third, theta, decays):
    """The ``element`` kernel of ``rule``'s class, for compiled callers."""
    return type(rule).element(rule, factors, g, first, second, third, theta, decays)


def step_size(rule, learning_rate, step_number, second, third):
    """The ``step_size`` kernel of ``rule``'s class, for compiled callers."""
    return type(rule).step_size(rule, learning_rate, step_number, second, third)


@overload(step_size)
def _compiled_step_size(rule, learning_rate, step_number, second, third):
    declared = rule.instance_class.step_size

    def call(rule, learning_rate, step_number, second, third):
        return declared(rule, learning_rate, step_number, second, third)

    return call


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


@kernel
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
