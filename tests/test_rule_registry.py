"""Rules register once: what each declares on its own class, and what reads it."""

import ast
import dataclasses
import pathlib
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

import sklearn_adam
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._rules import (
    SOLVERS,
    Adam,
    AdamState,
    moved_state,
    register,
    rule_from_parameters,
    runs_in_any_namespace,
)
from sklearn_adam._rules._registry import DECLARATIONS, check_declarations

REGISTERED = [pytest.param(rule, id=name) for name, rule in SOLVERS.items()]


@pytest.mark.parametrize("rule", REGISTERED)
def test_each_registered_rule_declares_everything_on_its_own_class(rule):
    own = vars(rule)
    for item in DECLARATIONS:
        assert item in own, f"{rule.__name__} does not declare {item} itself"
    assert SOLVERS[own["name"]] is rule
    # Every built-in rule takes its steps in any namespace, maps its state,
    # has a compiled kernel and step sizes: none of them declared None.
    assert own["placement"] == "any_namespace"
    assert all(own[item] is not None for item in DECLARATIONS)
    state = rule().init([np.zeros((1, 3)), np.zeros(1)])
    assert vars(type(state)).get("movable") is True


def test_the_family_is_registered():
    assert set(SOLVERS) == {"adam", "amsgrad", "adamw", "nadam", "adamax"}


@pytest.mark.parametrize("rule", REGISTERED)
def test_a_rule_is_built_from_the_estimator_parameters_it_declares(rule):
    estimator = AdamLinearRegressor(
        learning_rate=0.05, beta_1=0.5, beta_2=0.75, epsilon=1e-4, epsilon_placement="raw",
        weight_decay=0.125, momentum_decay=0.25,
    )
    solver = rule_from_parameters(rule.name, estimator.get_params(deep=False))
    assert type(solver) is rule
    for name in rule.hyperparameters:
        assert getattr(solver, name) == getattr(estimator, name)
    # Only its own: AdamW alone takes weight_decay, NAdam alone momentum_decay.
    assert hasattr(solver, "weight_decay") == (rule.name == "adamw")
    assert hasattr(solver, "momentum_decay") == (rule.name == "nadam")


def _complete_rule(**changes):
    """A class declaring all a registered rule must, with ``changes`` to its body."""
    body = {
        "name": "test_rule",
        "hyperparameters": ("learning_rate",),
        "placement": "host",
        "change_coordinates": None,
        "kernel_spec": None,
        "step_sizes": None,
        "__init__": lambda self, learning_rate=0.1: setattr(self, "learning_rate", learning_rate),
        "init": lambda self, params: None,
        "update": lambda self, grads, state, learning_rate, params=None: (grads, state),
    }
    body.update(changes)
    return type("TestRule", (), {key: value for key, value in body.items() if value is not ...})


@pytest.mark.parametrize("item", DECLARATIONS)
def test_a_rule_that_leaves_a_declaration_out_is_refused(item):
    before = dict(SOLVERS)
    with pytest.raises(TypeError, match=f"TestRule cannot be registered.*does not declare {item}"):
        register(_complete_rule(**{item: ...}))
    assert SOLVERS == before


def test_a_subclass_inherits_no_declaration():
    class Quiet(Adam):
        name = "quiet"

    with pytest.raises(TypeError, match="Quiet cannot be registered.*does not declare "
                       "hyperparameters, placement, change_coordinates, kernel_spec, step_sizes"):
        register(Quiet)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"placement": "device"}, r"TestRule declares placement='device'; a rule's placement "
         r"is one of 'host', 'any_namespace'"),
        ({"hyperparameters": ("learning_rate", "beta_3")},
         "hyperparameter 'beta_3', which the estimator has no constraint for"),
        ({"hyperparameters": ("learning_rate", "beta_1")},
         "hyperparameter 'beta_1', which its constructor does not take"),
        ({"name": "adam"}, "TestRule cannot be registered as 'adam': Adam is registered"),
    ],
)
def test_wrong_declarations_are_refused(changes, match):
    before = dict(SOLVERS)
    with pytest.raises(TypeError, match=match):
        register(_complete_rule(**changes))
    assert SOLVERS == before


def test_a_complete_rule_registers_and_is_built_by_name():
    rule = _complete_rule()
    check_declarations(rule)
    try:
        assert register(rule) is rule
        solver = rule_from_parameters("test_rule", {"learning_rate": 0.5, "beta_1": 0.9})
        assert type(solver) is rule and solver.learning_rate == 0.5
        assert not runs_in_any_namespace(solver)
    finally:
        del SOLVERS["test_rule"]


class HostAdam(Adam):
    """A user's subclass that declares nothing: its update is given NumPy arrays."""

    def update(self, grads, state, learning_rate=None, params=None):
        self.__dict__.setdefault("seen", set()).update(type(g).__module__ for g in grads)
        return super().update(grads, state, learning_rate, params)


class DeviceAdam(HostAdam):
    """A user's subclass that declares its update runs in any namespace."""

    placement = "any_namespace"


@pytest.mark.parametrize(("solver_class", "on_device"), [(HostAdam, False), (DeviceAdam, True)])
def test_a_subclass_runs_on_the_host_unless_it_declares_otherwise(solver_class, on_device):
    xp = pytest.importorskip("array_api_strict")
    rng = np.random.RandomState(0)
    X = rng.randn(120, 4)
    y = X @ rng.randn(4) + 1.0
    settings = dict(solver=solver_class(learning_rate=0.05), batch_size=32, max_iter=5,
                    random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = AdamLinearRegressor(**settings).fit(X, y)
        with sklearn.config_context(array_api_dispatch=True):
            model = AdamLinearRegressor(**settings).fit(xp.asarray(X), xp.asarray(y))
    namespace = "array_api_strict" if on_device else "numpy"
    assert {module.split(".")[0] for module in model.solver_.seen} == {namespace}
    moment = model.solver_state_.first_moment[0]
    assert type(moment).__module__.split(".")[0] == namespace
    assert_allclose(np.asarray(model.coef_), expected.coef_, rtol=1e-10)


def test_states_declare_themselves_movable():
    @dataclasses.dataclass
    class Counted:
        steps: int
        sums: list

    @dataclasses.dataclass
    class Tracked(AdamState):
        extra: list

    moved = moved_state(Counted(1, [np.zeros(2)]), lambda array: array + 1)
    assert moved.sums[0].tolist() == [0.0, 0.0]
    # A state's layout is inherited with its fields: a subclass is moved whole.
    state = Tracked(3, [np.zeros(2)], [np.ones(2)], [np.zeros(1)])
    moved = moved_state(state, lambda array: array + 1)
    assert moved is not state and moved.step == 3
    assert [m.tolist() for m in (moved.first_moment[0], moved.second_moment[0], moved.extra[0])] \
        == [[1.0, 1.0], [2.0, 2.0], [1.0]]
    assert state.first_moment[0].tolist() == [0.0, 0.0]


RULE_CLASS_NAMES = {rule.__name__ for rule in SOLVERS.values()} | {
    type(rule().init([np.zeros(1)])).__name__ for rule in SOLVERS.values()
}


def _names(node):
    nodes = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return {n.id if isinstance(n, ast.Name) else getattr(n, "attr", None) for n in nodes}


def _class_dispatch(tree):
    """Lines of ``isinstance(x, C)`` or ``type(x) in/is C`` naming a rule or state class.

    ``C`` may be a class, a tuple of them, or a module's name for such a tuple.
    """
    classes = set(RULE_CLASS_NAMES)
    for node in tree.body:
        if isinstance(node, ast.Assign) and _names(node.value) & RULE_CLASS_NAMES:
            classes |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance"
                and len(node.args) == 2 and _names(node.args[1]) & classes):
            found.append(node.lineno)
        if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
                and getattr(node.left.func, "id", None) == "type"
                and any(_names(c) & classes for c in node.comparators)):
            found.append(node.lineno)
    return found


def test_the_dispatch_scan_finds_what_it_looks_for():
    source = (
        "_BUILT_IN = (Adam, AdamW)\n"
        "isinstance(s, (AdamState, int))\n"
        "type(r) in (Adam, AMSGrad)\n"
        "type(r) is _rules.NAdam\n"
        "type(r) in _BUILT_IN\n"
        "isinstance(r, str) or type(r) is type(s)\n"
    )
    assert _class_dispatch(ast.parse(source)) == [2, 3, 4, 5]


def test_no_dispatch_on_rule_or_state_classes_in_the_package():
    package = pathlib.Path(sklearn_adam.__file__).parent
    found = {
        str(path.relative_to(package)): lines
        for path in sorted(package.rglob("*.py"))
        if (lines := _class_dispatch(ast.parse(path.read_text())))
    }
    assert found == {}
