"""The update rules: turn a gradient into a change of the parameters.

- ``_protocol``: what any rule provides (:class:`Solver`) and what the
  compiled epoch needs of one (:class:`AdamKernelSpec`, and NAdam's and
  Adamax's);
- ``_family``: what the Adam family shares: constraints, fresh states;
- ``_arithmetic``: the family's arithmetic per element, in place on NumPy
  arrays and functional on any array-API namespace;
- ``_adam``: :class:`Adam` and :class:`AdamW`, which keeps Adam's state;
- ``_variants``: :class:`AMSGrad`, :class:`NAdam` and :class:`Adamax`, which
  keep more;
- ``_placement``: which rules run on any namespace, and moving their state.
"""

from ._adam import Adam, AdamState, AdamW
from ._placement import moved_state, runs_in_any_namespace
from ._protocol import (
    AdamaxKernelSpec,
    AdamKernelSpec,
    NAdamKernelSpec,
    Solver,
    UpdateCalls,
    check_proximal,
    check_update_signature,
    kernel_spec,
    proximal_steps,
    state_in_new_coordinates,
    takes_params,
)
from ._variants import Adamax, AdamaxState, AMSGrad, AMSGradState, NAdam, NAdamState

SOLVERS = {"adam": Adam, "amsgrad": AMSGrad, "adamw": AdamW, "nadam": NAdam, "adamax": Adamax}
"""The Adam family by name: lower-case name -> solver class.

Each class is built from keyword hyperparameters (``SOLVERS["nadam"](beta_1=0.95)``)
and follows the solver protocol, :class:`Solver`.
"""

__all__ = [
    "SOLVERS",
    "AMSGrad",
    "AMSGradState",
    "Adam",
    "AdamKernelSpec",
    "AdamState",
    "AdamW",
    "Adamax",
    "AdamaxKernelSpec",
    "AdamaxState",
    "NAdam",
    "NAdamKernelSpec",
    "NAdamState",
    "Solver",
    "UpdateCalls",
    "check_proximal",
    "check_update_signature",
    "kernel_spec",
    "moved_state",
    "proximal_steps",
    "runs_in_any_namespace",
    "state_in_new_coordinates",
    "takes_params",
]
