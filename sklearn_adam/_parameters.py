"""The estimator's parameters: what each accepts, and the pieces built from them.

:data:`PARAMETER_CONSTRAINTS` is the one table of what every parameter of
:class:`~sklearn_adam.AdamLinearRegressor` accepts; :func:`checked_components`
checks it in one pass at the start of every ``fit`` and ``partial_fit``,
before any work, and builds the solver, the schedule and the scorer once.
"""

import copy
import difflib
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names

from ._objective._losses import LOSSES, PENALTIES
from ._rules import SOLVERS, check_proximal, check_update_signature, rule_from_parameters
from ._rules._family import HYPERPARAMETER_CONSTRAINTS
from ._schedules import CONSTRAINTS as SCHEDULE_CONSTRAINTS
from ._schedules import SCHEDULES, LearningRateSchedule
from ._validation import (
    BOOLEAN,
    CALLABLE,
    LARGEST_COUNT,
    NON_NEGATIVE_REAL,
    SCORER_NAME,
    HasMethods,
    InstanceOf,
    Interval,
    Is,
    Options,
    check_parameters,
)

# In the constructor's order, which is the order of the checks. The update
# rules' and the schedule's constraints come from their own modules.
PARAMETER_CONSTRAINTS = {
    "learning_rate": HYPERPARAMETER_CONSTRAINTS["learning_rate"],
    "solver": [
        Options(*SOLVERS),
        HasMethods(
            "init",
            "update",
            description="an object with methods init(params) and "
            "update(grads, state, learning_rate, params)",
        ),
    ],
    **{
        name: HYPERPARAMETER_CONSTRAINTS[name]
        for name in (
            "beta_1", "beta_2", "epsilon", "epsilon_placement", "weight_decay", "momentum_decay"
        )
    },
    "loss": [Options(*LOSSES)],
    "quantile": [Interval("real", 0, 1, closed="neither")],
    "huber_epsilon": [Interval("real", 1)],
    "alpha": [NON_NEGATIVE_REAL],
    "penalty": [Options(*PENALTIES)],
    "l1_ratio": [Interval("real", 0, 1, closed="both"), None],
    "fit_intercept": [BOOLEAN],
    "standardize": [BOOLEAN],
    "batch_size": [Options("auto", "full"), Interval("int", 1), None],
    "shuffle": [Options(True, False, "batches")],
    "max_iter": [Interval("int", 1, LARGEST_COUNT)],
    "tol": [NON_NEGATIVE_REAL],
    "n_iter_no_change": [Interval("int", 1, LARGEST_COUNT)],
    "schedule": [*SCHEDULE_CONSTRAINTS["schedule"], InstanceOf(LearningRateSchedule)],
    **{
        name: SCHEDULE_CONSTRAINTS[name]
        for name in ("decay_factor", "decay_epochs", "warmup_epochs")
    },
    "batch_growth": [Interval("real", 1)],
    "average": [BOOLEAN],
    "early_stopping": [BOOLEAN],
    "validation_fraction": [Interval("real", 0, 1, closed="neither")],
    "validation_tol": [NON_NEGATIVE_REAL],
    "scoring": [None, SCORER_NAME, CALLABLE],
    "warm_start": [BOOLEAN],
    # What sklearn.utils.check_random_state accepts.
    "random_state": [
        None,
        Interval("int", 0, 2**32 - 1),
        InstanceOf(np.random.RandomState),
        Is(np.random, "numpy.random"),
    ],
    "verbose": [BOOLEAN, Interval("int", 0)],
}


def _check_l1_ratio(penalty, l1_ratio):
    # A ratio that the penalty would ignore is a mistake, not a default.
    if l1_ratio is None or penalty == "elasticnet":
        return
    share = "has no L1 part" if penalty == "l2" else "is all L1 (l1_ratio=1)"
    raise ValueError(
        f"l1_ratio={l1_ratio!r} is given with penalty={penalty!r}, which {share}: "
        "l1_ratio is the share of the L1 part of penalty='elasticnet'. Set "
        "penalty='elasticnet', or leave l1_ratio=None."
    )


def _rate_hint(value):
    # SGDRegressor and MLPRegressor name their schedules learning_rate.
    if isinstance(value, str):
        return (
            "learning_rate is the base step size; how it changes over the epochs "
            f"is chosen by schedule (one of {', '.join(map(repr, SCHEDULES))})."
        )
    return None


def _solver_hint(value):
    if isinstance(value, type):
        return f"Pass an instance, {value.__name__}(), not the class."
    return None


def _scoring_hint(value):
    if not isinstance(value, str):
        return None
    close = difflib.get_close_matches(value, _regression_scorer_names(), n=3, cutoff=0.5)
    if close:
        return f"The closest regression scorers: {', '.join(map(repr, close))}."
    return ("Regression scorers include 'r2', 'neg_mean_squared_error' and "
            "'neg_mean_absolute_error' (sklearn.metrics.get_scorer_names() lists all).")


def _regression_scorer_names():
    """The names of scikit-learn's scorers of regression metrics, sorted."""
    names = []
    for name in get_scorer_names():
        score_function = getattr(get_scorer(name), "_score_func", None)
        if getattr(score_function, "__module__", "").endswith("._regression"):
            names.append(name)
    return names


_HINTS = {"learning_rate": _rate_hint, "solver": _solver_hint, "scoring": _scoring_hint}


@dataclass(frozen=True)
class Components:
    """The pieces a fit is assembled from, built once per call from the parameters.

    Parameters
    ----------
    solver : object following the solver protocol
        Built from the hyperparameters, or a copy of the estimator's.
    schedule : LearningRateSchedule
    scorer : callable or None
        The validation scorer of ``scoring``; None for the datafit's default.
    datafit : object
        The loss of each prediction (see :mod:`sklearn_adam._objective._datafits`).
    penalty : object
        The penalty on the coefficients (see :mod:`sklearn_adam._objective._penalties`).
    """

    solver: object
    schedule: LearningRateSchedule
    scorer: object
    datafit: object
    penalty: object


def checked_components(estimator):
    """Check every parameter of ``estimator``, then build the components of its fit.

    Parameters
    ----------
    estimator : AdamLinearRegressor

    Returns
    -------
    components : Components

    Raises
    ------
    ValueError
        Naming the first parameter whose value is not accepted, the value
        and what was expected (for a scorer name that does not exist, the
        closest names of regression scorers).
    TypeError
        For a solver whose ``update`` cannot be called as the solver
        protocol says.
    """
    parameters = estimator.get_params(deep=False)
    check_parameters(parameters, PARAMETER_CONSTRAINTS, _HINTS)
    _check_l1_ratio(parameters["penalty"], parameters["l1_ratio"])
    if isinstance(estimator.solver, str):
        # The rule takes the estimator's parameters it declares, by name.
        solver = rule_from_parameters(estimator.solver, parameters)
    else:
        check_update_signature(estimator.solver)
        # The user's object is never trained on directly, so never modified.
        solver = copy.deepcopy(estimator.solver)
    schedule = estimator.schedule
    if isinstance(schedule, str):
        schedule = LearningRateSchedule(
            schedule, estimator.learning_rate, estimator.decay_factor,
            estimator.decay_epochs, estimator.warmup_epochs,
        )
    scorer = None
    if estimator.scoring is not None:
        scorer = check_scoring(estimator, scoring=estimator.scoring)
    datafit, penalty = estimator._objective_parts()
    if not penalty.smooth:
        check_proximal(solver)
    return Components(solver, schedule, scorer, datafit, penalty)
