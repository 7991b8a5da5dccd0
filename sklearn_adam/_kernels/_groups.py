"""The named groups the kernels take their arguments in.

The callers (:mod:`sklearn_adam._engine` and the rules' kernel specs) gather
the arrays and numbers of a fit into these few groups once, instead of
passing tens of positional arguments to each kernel.
"""

from collections import namedtuple

import numpy as np

Data = namedtuple(
    "Data",
    ["X", "values", "indices", "indptr", "y", "sample_weight", "rows", "n_samples",
     "weight_sum", "penalty_weights", "penalized"],
)
Data.__doc__ = """The training data and the objective's terms.

X is dense (and values, indices and indptr are empty) or given by its CSR
arrays (and X is empty). rows are the training rows of X, all when empty.
penalty_weights is the penalty's weight on each squared coefficient, one
row per target (the same row repeated where the targets share it), used
when penalized.
"""

Loss = namedtuple("Loss", ["code", "low", "high", "width"])
Loss.__doc__ = """The datafit's loss, gathered afresh at every call (its width may change):
its code (a value of sklearn_adam._kernels.LOSS_CODES) and, for the pinball
loss, its slopes below and above a zero residual and its smoothing width (0
for the exact loss); the other losses leave those numbers unread. The
squared error has none: the kernels take None in its place (see
sklearn_adam._kernels._losses)."""

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

Average = namedtuple(
    "Average", ["coef", "intercept", "count", "power", "active", "clipped", "thresholds"]
)
Average.__doc__ = """The averaged iterate, advanced in place after each step when active:
the averaged coefficients and intercept (scratch without an intercept), the
count of averaged steps (an array of one element) and the averaging power;
after proximal steps, the averages of the parts they clipped and of their
thresholds, which every later step joins (see sklearn_adam._averaging), else
empty. Inactive, its arrays are scratch space, left unread."""

Penalty = namedtuple("Penalty", ["quadratic", "absolute", "clipped", "thresholds", "active"])
Penalty.__doc__ = """The elastic-net penalty that a proximal step takes after each of the
rule's steps, when active: its weights on each squared coefficient
(quadratic) and on each coefficient's size (absolute), one row per target;
clipped and thresholds, written by each step, are the part of each
coefficient that its soft threshold took and that threshold. Inactive (a
smooth penalty, whose gradient is in the data's), its arrays are scratch
space, left unread."""

Epoch = namedtuple(
    "Epoch", ["order", "batch_size", "learning_rate", "steps_before", "first", "stop"]
)
Epoch.__doc__ = """One epoch's plan: the order of the rows (as they lie when
empty), rows per step, the rate, the solver steps taken before this call,
and the positions first to stop of the order that this call visits: all of
them, or one part of an epoch run in several calls."""

EpochSums = namedtuple(
    "EpochSums",
    ["totals", "coef_gradient", "derivative_sum", "gradient_sum", "intercept_gradient_sum"],
)
EpochSums.__doc__ = """An epoch's running sums, advanced in place from one part
of it to the next: totals holds the weighted sum of the datafit's loss,
the penalty and the batch gradients' squared norms so far; coef_gradient and
derivative_sum the sums of the batch in progress (of the rows' weighted
derivatives times the rows, and of those derivatives); gradient_sum and
intercept_gradient_sum those of the batch gradients so far (zero at the
start of an epoch)."""

Quadratic = namedtuple(
    "Quadratic",
    ["gram", "feature_means", "moments", "target_means", "target_squares", "penalty_weights",
     "penalized", "proximal_penalty", "proximal"],
    # Without a penalty taken by proximal steps, as before those fields existed.
    defaults=(Penalty(*(np.zeros((0, 0)),) * 4, False), False),
)
Quadratic.__doc__ = """The objective as a quadratic in the standardized parameters:
the normal equations' moments (see sklearn_adam._objective._normal_equations),
and the penalty: a ridge penalty's weight on each squared coefficient
(penalty_weights, whose gradient joins the data's when penalized), or, when
proximal, the elastic net's Penalty, taken by a proximal step after each
step of the rule as in the mini-batch epochs (and unread otherwise)."""

Steps = namedtuple(
    "Steps",
    ["rates", "steps_before", "target", "patience", "best_loss", "best_gradient", "n_stalled"],
)
Steps.__doc__ = """A run of full-batch epochs: one rate per epoch, the steps taken
before it, and the stopping rule: stop, without a step, at an epoch whose
gradient norm is at most target; stop after a step once neither the loss nor
the gradient norm has beaten its best for patience epochs in a row
(best_loss, best_gradient and n_stalled so far: the rule's standing)."""
