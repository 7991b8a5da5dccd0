"""The registry of built-in rules: each declares what it is on its own class, and registers once.

A rule class says, in its own class body (a subclass inherits none of it, as
a subclass may change the arithmetic the declarations describe):

- ``name``: the estimator's ``solver`` string that builds it;
- ``hyperparameters``: the estimator parameters its constructor takes, by
  the same names, each constrained as the family's table says;
- ``placement``: ``"any_namespace"`` where its ``update`` takes arrays of
  any array-API namespace, ``"host"`` where it needs NumPy arrays;
- ``change_coordinates``: how its state maps to new coordinates of the
  parameters, or None to start afresh;
- ``kernel_spec``: what the compiled epoch needs to take its steps, or None
  for none;
- ``step_sizes``: its diagonal metric for a proximal step, or None for none.

:func:`register` refuses a class that leaves any of them out, so that a
forgotten declaration is an error at import rather than, say, a rule
quietly run on the host; :data:`SOLVERS` is built by it, one registration
per rule. :func:`own_declaration` reads a declaration of any solver, a
user's included, from its own class; the readers (:func:`kernel_spec`,
:func:`runs_in_any_namespace`, ...) fall back to what a user's solver gets
where it declares nothing.
"""

import inspect

from ._family import HYPERPARAMETER_CONSTRAINTS

PLACEMENTS = ("host", "any_namespace")
"""The values ``placement`` takes."""

DECLARATIONS = (
    "name",
    "hyperparameters",
    "placement",
    "change_coordinates",
    "kernel_spec",
    "step_sizes",
)
"""What a registered rule declares in its own class body."""

SOLVERS = {}
"""The registered rules by name: lower-case name -> rule class.

Each class is built from keyword hyperparameters (``SOLVERS["nadam"](beta_1=0.95)``)
and follows the solver protocol, :class:`~sklearn_adam.Solver`.
"""


def own_declaration(solver, item, default=None):
    """What the class of ``solver`` itself declares as ``item``, or ``default``.

    Only the class's own body counts, not a parent's: a subclass may change
    the arithmetic a parent's declaration describes.

    Parameters
    ----------
    solver : object
    item : str
        The name declared, e.g. ``"placement"`` or ``"kernel_spec"``.
    default : object, default=None
        What a class that does not declare ``item`` gets.

    Returns
    -------
    declaration : object
    """
    return vars(type(solver)).get(item, default)


def check_declarations(rule):
    """Raise unless the class ``rule`` declares, in its own body, all a registered rule must.

    Parameters
    ----------
    rule : type

    Raises
    ------
    TypeError
        Naming the class and what it leaves out, or a value of the wrong kind.
    """
    own = vars(rule)
    missing = [item for item in DECLARATIONS if item not in own]
    if missing:
        raise TypeError(
            f"{rule.__name__} cannot be registered as a rule: its class does not declare "
            f"{', '.join(missing)} (a registered rule declares {', '.join(DECLARATIONS)} in "
            "its own body, a subclass inheriting none; None declares no mapping, kernel or "
            "step sizes)."
        )
    if own["placement"] not in PLACEMENTS:
        raise TypeError(
            f"{rule.__name__} declares placement={own['placement']!r}; a rule's placement "
            f"is one of {', '.join(map(repr, PLACEMENTS))}."
        )
    accepted = set(inspect.signature(rule).parameters)
    for name in own["hyperparameters"]:
        if name not in HYPERPARAMETER_CONSTRAINTS or name not in accepted:
            raise TypeError(
                f"{rule.__name__} declares the hyperparameter {name!r}, which "
                + ("its constructor does not take." if name in HYPERPARAMETER_CONSTRAINTS
                   else "the estimator has no constraint for.")
            )


def register(rule):
    """Class decorator: check the declarations of ``rule`` and name it in :data:`SOLVERS`.

    Parameters
    ----------
    rule : type
        A rule class declaring everything :func:`check_declarations` asks.

    Returns
    -------
    rule : type
        The class, unchanged.

    Raises
    ------
    TypeError
        From :func:`check_declarations`, or for a name already registered
        by another class; nothing is registered then.
    """
    check_declarations(rule)
    registered = SOLVERS.get(rule.name)
    if registered is not None and registered is not rule:
        raise TypeError(
            f"{rule.__name__} cannot be registered as {rule.name!r}: "
            f"{registered.__name__} is registered under that name."
        )
    SOLVERS[rule.name] = rule
    return rule


def rule_from_parameters(name, parameters):
    """The registered rule ``name``, built from the estimator's parameters it declares.

    Parameters
    ----------
    name : str
        A key of :data:`SOLVERS`.
    parameters : dict
        The estimator's parameters, by name (``get_params(deep=False)``);
        only those the rule declares in ``hyperparameters`` are read.

    Returns
    -------
    solver : object following the solver protocol
    """
    rule = SOLVERS[name]
    return rule(**{item: parameters[item] for item in rule.hyperparameters})
