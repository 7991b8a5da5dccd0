"""Loading estimators pickled by version 0.1, so that they predict and resume.

Version 0.1 kept its classes in modules that have since moved, and what a warm
start resumes from in seven private attributes. Here each moved class is
found again under its old module name, and :func:`upgrade_state` gathers the
attributes into one :class:`~sklearn_adam._fit.Carried`; the estimator's
``__setstate__`` calls it.
"""

import sys
from types import ModuleType

from . import _objective, _progress, _rules, _training
from ._fit import Carried

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

# The private attributes of a fitted 0.1 estimator, and the field of Carried
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


def upgrade_state(state):
    """The ``__dict__`` of an estimator, with 0.1's private attributes made one ``_carried``.

    Parameters
    ----------
    state : dict
        As unpickled; returned unchanged unless written by version 0.1.

    Returns
    -------
    state : dict
    """
    if "_params" not in state:
        return state
    state = dict(state)
    fields = {field: state.pop(old) for old, field in _CARRIED_FIELDS.items() if old in state}
    state["_carried"] = Carried(**fields)
    return state
