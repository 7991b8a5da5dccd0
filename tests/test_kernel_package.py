"""The compiled kernels are a package of their own, and declare what they compute."""

import ast
from pathlib import Path

import sklearn_adam._kernels as kernels
from sklearn_adam import AdamLinearRegressor


def test_the_kernels_import_nothing_else_from_sklearn_adam():
    # Kernel files only: a numba cache entry is keyed by their sources, and
    # nothing outside them may change what they compile.
    for path in Path(kernels.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, (path.name, node.module)
                names = [] if node.level else [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(name.split(".")[0] == "sklearn_adam" for name in names), path.name


def test_the_kernels_serve_the_estimators_own_objective():
    datafit, penalty = AdamLinearRegressor(alpha=0.5)._objective_parts()
    # The names the datafit and penalty classes declare for themselves.
    assert vars(type(datafit))["name"] in kernels.SERVES["datafits"]
    assert vars(type(penalty))["name"] in kernels.SERVES["penalties"]
    assert set(kernels.SERVES) == {"datafits", "penalties"}
