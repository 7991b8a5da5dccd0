"""Loading estimators pickled by version 0.1, so that they predict and resume.

Version 0.1 kept its classes in modules that have since moved, and what a warm
start resumes from in seven private attributes. Here each moved class is
found again under its old module name, and :func:`upgrade_state` gathers the
attributes into one :class:`~sklearn_adam._fit_state.FitState` and moves the
step count out of ``t_``, which now counts samples seen; the estimator's
``__setstate__`` calls it. Later models kept the state in a ``_carried``
object without the solver's state, which it now holds too.
"""

import sys
from types import ModuleType

from . import _fit, _objective, _progress, _rules, _training
from ._fit_state import FitState

_MOVED = {
    "sklearn_adam._solvers": {
        "Adam": _rules.Adam, "AdamState": _rules.AdamState, "AdamW": _rules.AdamW,
    },
    "sklearn_adam._adam_variants": {
        "AMSGrad": _rules.AMSGrad, "AMSGradState": _rules.AMSGradState,
        "NAdam": _rules.NAdam, "NAdamState": _rules.NAdamState,
        "Adamax": _rules.Adamax, "AdamaxState": _rules.AdamaxState,
    },
    "sklearn_adam._loss": {"Standardization": _objective.Standardization},
    "sklearn_adam._monitor": {"PlateauMonitor": _progress.PlateauMonitor},
}

for _name, _classes in _MOVED.items():
    _module = ModuleType(_name, "Moved in version 0.2; named here for pickles of 0.1.")
    vars(_module).update(_classes)
    sys.modules.setdefault(_name, _module)

# _training still exists, without the Progress that 0.1's pickles find there.
_training.Progress = _progress.Progress
# _fit still exists, without the Carried that later pickles find there: its
# fields are those of FitState, less the solver state (see upgrade_state).
_fit.Carried = FitState

# The private attributes of a fitted 0.1 estimator, and the field of FitState
# each became.
_CARRIED_FIELDS = {
    "_structure": "structure",
    "_standardization": "standardization",
    "_params": "params",
    "_rng": "rng",
    "_y_ndim": "y_ndim",
    "_progress": "progress",
    "_split": "split",
}


def upgrade_state(state, defaults=None):
    """The ``__dict__`` of an estimator, in the attributes of this version.

    Version 0.1 kept what a warm start resumes from in private attributes,
    later in one ``_carried`` beside the public ``solver_state_``; all of it
    is now one ``_fit_state``, whose solver state is the object that
    ``solver_state_`` shows. Until 0.2, ``t_`` counted solver steps, which
    are now ``n_steps_``, while ``t_`` counts samples seen. Before
    ``validation_epochs_``, every epoch was scored.

    A parameter added to the estimator since the state was written takes
    its default, which keeps the behaviour of the version that wrote it:
    a new parameter needs nothing here.

    Parameters
    ----------
    state : dict
        As unpickled; returned unchanged when written by this version.
    defaults : dict or None, default=None
        The estimator's constructor parameters and their defaults.

    Returns
    -------
    state : dict
    """
    state = dict(defaults or {}) | dict(state)
    if "_params" in state:
        fields = {field: state.pop(old) for old, field in _CARRIED_FIELDS.items() if old in state}
        state["_fit_state"] = FitState(**fields, solver_state=state.get("solver_state_"))
    if "_carried" in state:
        # A FitState (see _fit.Carried above) that lacks only the solver state.
        state["_fit_state"] = state.pop("_carried")
        state["_fit_state"].solver_state = state.get("solver_state_")
    if "t_" in state and "n_steps_" not in state:
        state["n_steps_"] = state["t_"]
        state["t_"] = samples_seen(state.get("batch_size_curve_", []), state["n_steps_"])
    if "validation_scores_" in state and "validation_epochs_" not in state:
        # Written before validation_epochs_: every epoch was scored.
        scores = state["validation_scores_"]
        state["validation_epochs_"] = None if scores is None else list(range(1, len(scores) + 1))
    return state


def samples_seen(batch_sizes, n_steps):
    """The samples seen by epochs of these batch sizes that took ``n_steps`` steps.

    Each epoch saw every training row, and took ``ceil(n_train / batch)``
    steps; ``n_train`` was not kept, so it is taken as the smallest number
    of rows, at least the largest batch, that gives ``n_steps``. That is
    exact when some epoch's batch held every row, which a batch does once
    it has grown to all of them, and for every fit of version 0.1 on up to
    200 rows.

    Parameters
    ----------
    batch_sizes : list of int
        ``batch_size_curve_``.
    n_steps : int

    Returns
    -------
    samples : int
    """
    if not batch_sizes:
        return 0

    def steps(n_train):
        return sum(-(-n_train // size) for size in batch_sizes)

    low, high = max(batch_sizes), max(batch_sizes) * max(n_steps, 1)
    while low < high:  # the smallest n_train whose steps reach n_steps
        middle = (low + high) // 2
        low, high = (middle + 1, high) if steps(middle) < n_steps else (low, middle)
    return low * len(batch_sizes)
