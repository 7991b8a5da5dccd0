"""Compiled kernels: an epoch of mini-batch steps, full-batch steps, the columns' spreads.

Kernels only: numpy arrays and numbers in, numbers out, compiled by numba.
The package imports these modules (and numba) at the first fit that runs
them (:mod:`sklearn_adam._fast`); the numpy code that does the same work is
the reference the tests hold it to. It imports nothing from the rest of
sklearn_adam; the callers (:mod:`sklearn_adam._engine._compiled` and the
standardization) gather the kernels' arguments into a few named groups
(:mod:`._groups`), and a rule's kernel spec picks its compiled step
(:func:`rule_step`, :mod:`._rules`). Each kernel repeats, step for step, the
arithmetic of the numpy code it stands for; only sums may be added in
another order, so the two agree to rounding.

The modules: ``_groups`` (the named groups), ``_rules`` (the update rules'
steps, one coordinate at a time), ``_losses`` (the datafits' loss of one
prediction and its derivative), ``_gradient`` (the datafit's gradient from
the rows of ``X``), ``_epoch`` (the mini-batch epoch), ``_proximal`` (the
elastic-net penalty's proximal step and value), ``_averaging``
(the averaged iterate's update after each of its steps), ``_full_batch``
(runs of full-batch steps), ``_stopping`` (their stopping test, :func:`judge`),
``_columns`` (the columns' sums of squares), ``_gram`` (the weighted products
of a sparse matrix's columns) and ``_compile`` (how they are
compiled and cached).

The kernels serve the datafits :data:`SERVES` names: the squared error, the
absolute error and the pinball (quantile) loss, smoothed or exact, and the
Poisson and Gamma deviances, with the ridge penalty (penalty ``"l2"``),
whose gradient joins the data's, and, in mini-batch epochs, the lasso and
elastic-net penalties (``"l1"``, ``"elasticnet"``), which add no gradient
but take their proximal step after each of the rule's steps, in its metric
(:data:`Penalty`); the runs of full-batch steps on the normal equations
(``_full_batch``) take the same proximal step. A driver that runs them
checks the objective's components against it and leaves any other
objective to the numpy code; it gathers the datafit's
:data:`Loss` (:func:`loss_group` of its ``kernel_loss`` and its
``kernel_numbers()``; None for the squared error) at every call, so that a
smoothing width that changes between calls is read as it is.

Cache renewal across files
--------------------------
numba caches each compiled kernel on disk, with the code of every kernel it
calls compiled into it, and renews the cache of a function when its own
source file changes, not when a file it calls into does: an edit of
``_rules.py`` alone would leave the epoch of ``_epoch.py`` running the rules
as they were. So every kernel is compiled by :func:`._compile.kernel`, whose
cache adds to numba's key of each entry (signature, processor, the
function's bytecode) the SHA-256 digest of the contents of every source file
of this package, read once at import. An edit of any file changes the digest,
so every kernel's cached entries miss and are compiled afresh, whichever
file they call into; an unchanged package loads them as before. Why this
way: it renews all kernels on any edit, which costs one compilation after an
edit but needs no list of which kernel calls what, which would go stale; it
compares contents, not modification times, so a checkout or a copy that
keeps times and sizes cannot fool it; it works in whichever cache directory
numba picks (``__pycache__`` next to the sources, a user-wide directory,
``NUMBA_CACHE_DIR``), as it changes only the key; and where a numba no
longer keys entries the way it expects, kernels are compiled afresh in each
process rather than loaded stale. Entries of older sources stay in a
kernel's index until its own file changes (numba then starts it anew) or
the cache is cleared; they are never loaded. ``tests/test_kernel_cache.py``
proves it on a copy of the package, in fresh processes.
"""

from ._averaging import add_to_average
from ._columns import column_sums
from ._compile import SOURCES_DIGEST, kernel
from ._epoch import epoch, step
from ._full_batch import (
    data_full_batch_steps,
    data_gradient,
    full_batch_steps,
    judged_step,
    quadratic_gradient,
)
from ._gradient import (
    add_dense_row_products,
    add_full_batch_products,
    add_residual_products,
    add_sparse_row_products,
    batch_gradient,
    original_units,
)
from ._gram import row_products
from ._groups import (
    Average,
    Data,
    Epoch,
    EpochSums,
    Loss,
    Penalty,
    Quadratic,
    Scaling,
    State,
    Steps,
)
from ._losses import LARGEST_EXPONENT, LOSS_CODES, loss_and_derivative, loss_group
from ._proximal import penalty_value, proximal_pass
from ._rules import AdamaxRule, AdamRule, NAdamRule, coordinate_step_size, rule_step
from ._stopping import (
    CONVERGED,
    GOING_ON,
    NOT_FINITE,
    OUTCOME_NAMES,
    RAN_OUT,
    STALLED,
    judge,
)

# Whether the callers use the kernels; the tests that compare the compiled
# and the numpy code switch it off for the numpy side.
ENABLED = True

# The datafits and penalties (by their declared names) whose objective the
# kernels compute; a compiled driver serves no other.
SERVES = {
    "datafits": frozenset({"squared_error", "absolute_error", "quantile", "poisson", "gamma"}),
    "penalties": frozenset({"l2", "l1", "elasticnet"}),
}

__all__ = [
    "CONVERGED",
    "ENABLED",
    "GOING_ON",
    "LARGEST_EXPONENT",
    "LOSS_CODES",
    "NOT_FINITE",
    "OUTCOME_NAMES",
    "RAN_OUT",
    "SERVES",
    "SOURCES_DIGEST",
    "STALLED",
    "AdamRule",
    "Average",
    "AdamaxRule",
    "Data",
    "Epoch",
    "EpochSums",
    "Loss",
    "NAdamRule",
    "Penalty",
    "Quadratic",
    "Scaling",
    "State",
    "Steps",
    "add_dense_row_products",
    "add_full_batch_products",
    "add_residual_products",
    "add_sparse_row_products",
    "add_to_average",
    "batch_gradient",
    "column_sums",
    "coordinate_step_size",
    "data_full_batch_steps",
    "data_gradient",
    "epoch",
    "full_batch_steps",
    "judge",
    "judged_step",
    "kernel",
    "loss_and_derivative",
    "loss_group",
    "original_units",
    "penalty_value",
    "proximal_pass",
    "quadratic_gradient",
    "row_products",
    "rule_step",
    "step",
]
