"""The layout limits the package holds itself to, read from its source with ``ast``.

- no module over 300 code lines;
- no function over 60 code lines or 12 parameters, constructors (``__init__``)
  aside, and a method's ``self`` or ``cls`` not counted;
- no import cycle between the package's modules, in the graph of every
  ``import`` and ``from ... import`` statement (relative ones, and those inside
  functions, included; a package's ``__init__.py`` is the package's module);
- no dispatch on the update rules' classes: no ``isinstance``/``issubclass``
  against a class defined in ``sklearn_adam/_rules/``, no ``type(x) in ...``,
  ``type(x) is ...`` or ``type(x) == ...`` against one, no lookup keyed by
  ``type(x)`` in a table of them, no ``case C():`` pattern. A rule says what it
  is by what it declares.

A code line is a line that is not blank, not a comment and not part of a
docstring (of a module, class or function). Nothing of the package is
imported, so a module that fails to import is still measured. Each check first
proves on a small package written here that it finds what it looks for.
"""

import ast
import functools
import pathlib
import textwrap

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "sklearn_adam"
RULES = "_rules"  # the subpackage whose classes no code may dispatch on
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
MAX_PARAMETERS = 12


class Module:
    """One source file of a package: its dotted name, path, text and syntax tree."""

    def __init__(self, name, path, shown_path, is_package):
        self.name = name
        self.shown_path = shown_path  # relative to the folder that holds the package
        self.is_package = is_package
        source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(source, filename=str(path))
        self.lines = source.splitlines()
        self.docstring_lines = _docstring_lines(self.tree)

    def where(self, line):
        """``path:line`` of a line of the module."""
        return f"{self.shown_path}:{line}"

    def code_lines(self, first=1, last=None):
        """Lines first..last (all by default) that are not blank, a comment or a docstring."""
        last = len(self.lines) if last is None else last
        return sum(
            1
            for number in range(first, last + 1)
            if number not in self.docstring_lines
            and self.lines[number - 1].strip()
            and not self.lines[number - 1].strip().startswith("#")
        )


def _docstring_lines(tree):
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def modules_of(package_dir):
    """Every module of the package at ``package_dir``, by dotted name.

    A package's ``__init__.py`` is the module named as the package.
    """
    package_dir = pathlib.Path(package_dir)
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        shown_path = path.relative_to(package_dir.parent)
        parts = shown_path.with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = Module(name, path, shown_path.as_posix(), is_package)
    return modules


# ---------------------------------------------------------------- sizes

def _functions(modules):
    """(module, function node, whether it is a method) for every function but a constructor."""
    for module in modules.values():
        methods = set()
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                methods.update(id(item) for item in node.body
                               if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))
        for node in ast.walk(module.tree):
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and node.name != "__init__"):
                yield module, node, id(node) in methods


def _parameter_count(function, is_method):
    """Parameters of ``function``, a method's ``self`` or ``cls`` not counted."""
    arguments = function.args
    count = (len(arguments.posonlyargs) + len(arguments.args) + len(arguments.kwonlyargs)
             + (arguments.vararg is not None) + (arguments.kwarg is not None))
    positional = arguments.posonlyargs + arguments.args
    static = any(isinstance(decorator, ast.Name) and decorator.id == "staticmethod"
                 for decorator in function.decorator_list)
    if is_method and not static and positional and positional[0].arg in ("self", "cls"):
        count -= 1
    return count


def oversized_modules(modules):
    """One message per module over the limit of code lines."""
    return [f"{module.where(1)} is a module of {count} code lines (at most {MAX_MODULE_LINES})"
            for module in modules.values()
            if (count := module.code_lines()) > MAX_MODULE_LINES]


def oversized_functions(modules):
    """One message per function over the limit of code lines."""
    found = []
    for module, function, _ in _functions(modules):
        lines = module.code_lines(function.lineno, function.end_lineno)
        if lines > MAX_FUNCTION_LINES:
            found.append((module.shown_path, function.lineno,
                          f"{module.where(function.lineno)} {function.name} has {lines} code "
                          f"lines (at most {MAX_FUNCTION_LINES})"))
    return [message for _, _, message in sorted(found)]


def functions_with_many_parameters(modules):
    """One message per function over the limit of parameters."""
    found = []
    for module, function, is_method in _functions(modules):
        count = _parameter_count(function, is_method)
        if count > MAX_PARAMETERS:
            found.append((module.shown_path, function.lineno,
                          f"{module.where(function.lineno)} {function.name} takes {count} "
                          f"parameters (at most {MAX_PARAMETERS})"))
    return [message for _, _, message in sorted(found)]


# ---------------------------------------------------------------- imports

def _imported_base(module, node):
    """The dotted module an ``import from`` statement reads from, made absolute."""
    if not node.level:
        return node.module
    package = module.name.split(".")
    if not module.is_package:
        package = package[:-1]
    package = package[:len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def imports_of(module, modules):
    """(imported module, statement) for each import of another module of the package.

    ``import a.b`` imports ``a.b``; ``from a import b`` imports ``a.b`` where
    that is a module, else ``a``. Imports inside functions count.
    """
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _imported_base(module, node)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target in modules and target != module.name:
                yield target, node


def import_cycles(modules):
    """One message per cycle found: each import of it, with its file and line."""
    graph = {name: {} for name in modules}
    for name, module in modules.items():
        for target, node in imports_of(module, modules):
            first = graph[name].setdefault(target, node)
            if node.lineno < first.lineno:  # name the first import of the module
                graph[name][target] = node
    found = []
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        cycle = _cycle_within(graph, component)
        steps = [f"{modules[a].where(graph[a][b].lineno)} {a} imports {b}"
                 for a, b in zip(cycle, cycle[1:] + cycle[:1])]
        found.append(f"import cycle of {len(cycle)} modules: " + "; ".join(steps))
    return found


def _strongly_connected(graph):
    """Tarjan's strongly connected components of ``graph`` (node -> successors)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _cycle_within(graph, component):
    """A shortest cycle through the first module of a strongly connected component."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node]):
                if successor == start:
                    return paths[node]
                if successor in members and successor not in paths:
                    paths[successor] = paths[node] + [successor]
                    following.append(successor)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a component of 2+ always has one


# ---------------------------------------------------------------- dispatch on rule classes

class RuleNames:
    """Which names stand for rule classes, or for tables of them, in each module.

    A rule class is a class defined in the package's ``_rules`` subpackage. A
    name stands for one where the module defines it there, imports it from a
    module where it does (re-exports followed), or binds it to an expression
    that names rule classes (``(Adam, AdamW)``, ``{Adam: ...}``,
    ``SOLVERS["adam"]``). A module of the package bound to a name by an import
    is followed through attributes (``_rules.Adam``).
    """

    def __init__(self, modules, package):
        rules_package = f"{package}.{RULES}"
        self.modules = modules
        self.names = {name: set() for name in modules}
        self.module_aliases = {name: {} for name in modules}
        for name, module in modules.items():
            if name == rules_package or name.startswith(rules_package + "."):
                self.names[name].update(node.name for node in ast.walk(module.tree)
                                        if isinstance(node, ast.ClassDef))
            for node in ast.walk(module.tree):
                for local, target in _bound_modules(module, node, modules):
                    self.module_aliases[name][local] = target
        while any([self._learn(name) for name in modules]):
            pass  # until no module learns a name: imports of imports, bindings of bindings

    def _learn(self, name):
        """Add the names ``name`` imports or binds to rule classes; whether it found one."""
        module, known = self.modules[name], set(self.names[name])
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                base = _imported_base(module, node)
                known.update(alias.asname or alias.name for alias in node.names
                             if base in self.names and alias.name in self.names[base])
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if self.names_rules(node.value, name):
                    known.update(t.id for t in targets if isinstance(t, ast.Name))
        learned = known != self.names[name]
        self.names[name] = known
        return learned

    def names_rules(self, node, name):
        """Whether expression ``node`` in module ``name`` is a rule class or a table of them."""
        if isinstance(node, ast.Name):
            return node.id in self.names[name]
        if isinstance(node, ast.Attribute):
            module = self._module_named(node.value, name)
            return module is not None and node.attr in self.names[module]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(self.names_rules(element, name) for element in node.elts)
        if isinstance(node, ast.Dict):
            return any(self.names_rules(part, name)
                       for part in node.keys + node.values if part is not None)
        if isinstance(node, (ast.Subscript, ast.Starred)):
            return self.names_rules(node.value, name)
        if isinstance(node, ast.BinOp):
            return self.names_rules(node.left, name) or self.names_rules(node.right, name)
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            return any(self.names_rules(loop.iter, name) for loop in node.generators)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in CONTAINERS:
                return any(self.names_rules(argument, name) for argument in node.args)
            if isinstance(node.func, ast.Attribute) and node.func.attr in VIEWS:
                return self.names_rules(node.func.value, name)
        return False

    def _module_named(self, node, name):
        """The module of the package that ``node`` (a name or a dotted name) is, or None."""
        if isinstance(node, ast.Name):
            return self.module_aliases[name].get(node.id)
        if isinstance(node, ast.Attribute):
            module = self._module_named(node.value, name)
            dotted = None if module is None else f"{module}.{node.attr}"
            return dotted if dotted in self.modules else None
        return None


CONTAINERS = {"tuple", "list", "set", "frozenset", "dict"}
VIEWS = {"values", "keys", "items"}


def _bound_modules(module, node, modules):
    """(local name, module of the package) for each module an import statement binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname and alias.name in modules:
                yield alias.asname, alias.name
            elif not alias.asname and alias.name.split(".")[0] in modules:
                yield alias.name.split(".")[0], alias.name.split(".")[0]
    elif isinstance(node, ast.ImportFrom):
        base = _imported_base(module, node)
        for alias in node.names:
            if f"{base}.{alias.name}" in modules:
                yield alias.asname or alias.name, f"{base}.{alias.name}"


def _is_type_of(node):
    """Whether ``node`` is ``type(x)`` or ``x.__class__``."""
    return ((isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id == "type" and len(node.args) == 1 and not node.keywords)
            or (isinstance(node, ast.Attribute) and node.attr == "__class__"))


def _dispatches(node, names_rules):
    """Whether ``node`` tells classes apart by ones that ``names_rules`` says are rule classes."""
    if isinstance(node, ast.Call):
        func = node.func
        if (isinstance(func, ast.Name) and func.id in ("isinstance", "issubclass")
                and len(node.args) == 2):
            return names_rules(node.args[1])
        if (isinstance(func, ast.Attribute) and func.attr == "get" and node.args
                and _is_type_of(node.args[0])):
            return names_rules(func.value)
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:]):
            if isinstance(op, (ast.In, ast.NotIn)) and _is_type_of(left) and names_rules(right):
                return True
            if (isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq))
                    and ((_is_type_of(left) and names_rules(right))
                         or (_is_type_of(right) and names_rules(left)))):
                return True
    if isinstance(node, ast.Subscript) and _is_type_of(node.slice):
        return names_rules(node.value)
    if isinstance(node, ast.MatchClass):
        return names_rules(node.cls)
    return False


def rule_dispatches(modules, package):
    """One message per place that dispatches on rule classes, in file and line order."""
    rule_names = RuleNames(modules, package)
    found = []
    for name, module in modules.items():
        for node in ast.walk(module.tree):
            if _dispatches(node, functools.partial(rule_names.names_rules, name=name)):
                found.append((module.shown_path, node.lineno,
                              f"{module.where(node.lineno)} dispatches on rule classes: "
                              f"{ast.unparse(node)}"))
    return [message for _, _, message in sorted(found)]


# ---------------------------------------------------------------- the checks proved on a sample

def _write(root, files):
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return modules_of(root / "pkg")


def test_code_lines_leave_out_docstrings_comments_and_blank_lines(tmp_path):
    body = "\n".join(f"    x{k} = {k}" for k in range(MAX_FUNCTION_LINES - 1))
    modules = _write(tmp_path, {"pkg/__init__.py": "", "pkg/m.py": (
        '"""Module docstring\n\nover lines."""\n\n'
        "def long(a, b, c, d, e, f, g, h, i, j, k, l, m):\n"
        '    """Docstring,\n    two lines."""\n'
        "    # a comment\n\n" + body + "\n    return x0\n"
        "\n\nclass C:\n"
        "    def __init__(self, a, b, c, d, e, f, g, h, i, j, k, l, m):\n        pass\n\n"
        "    def method(self, a, b, c, d, e, f, g, h, i, j, k, l):\n        pass\n\n"
        "    @staticmethod\n"
        "    def static(self, a, b, c, d, e, f, g, h, i, j, k, l):\n        pass\n"
    )})
    module = modules["pkg.m"]
    function = module.tree.body[1]
    assert module.code_lines(function.lineno, function.end_lineno) == MAX_FUNCTION_LINES + 1
    assert oversized_functions(modules) == [
        f"pkg/m.py:5 long has {MAX_FUNCTION_LINES + 1} code lines (at most {MAX_FUNCTION_LINES})"]
    assert functions_with_many_parameters(modules) == [
        "pkg/m.py:5 long takes 13 parameters (at most 12)",
        "pkg/m.py:80 static takes 13 parameters (at most 12)"]
    assert oversized_modules(modules) == []
    bigger = _write(tmp_path, {"pkg/m.py": "# c\n" + "x = 1\n" * (MAX_MODULE_LINES + 1)})
    assert oversized_modules(bigger) == [
        f"pkg/m.py:1 is a module of {MAX_MODULE_LINES + 1} code lines (at most 300)"]


def test_an_import_cycle_is_found_through_relative_and_function_level_imports(tmp_path):
    modules = _write(tmp_path, {
        "pkg/__init__.py": "from .a import f\n",
        "pkg/a.py": "import os\n\ndef f():\n    from .sub import g\n    return g\n",
        "pkg/sub/__init__.py": "from . import b\n",
        "pkg/sub/b.py": "from .. import a\n",
        "pkg/c.py": "import pkg.a\nfrom pkg.sub import b\n",
    })
    assert [target for target, _ in imports_of(modules["pkg.c"], modules)] == [
        "pkg.a", "pkg.sub.b"]
    assert import_cycles(modules) == [
        "import cycle of 3 modules: pkg/a.py:4 pkg.a imports pkg.sub; "
        "pkg/sub/__init__.py:1 pkg.sub imports pkg.sub.b; pkg/sub/b.py:1 pkg.sub.b imports pkg.a"]
    acyclic = _write(tmp_path, {"pkg/sub/b.py": "import os\n"})
    assert import_cycles(acyclic) == []


def test_dispatch_on_rule_classes_is_found_through_imports_and_tables(tmp_path):
    modules = _write(tmp_path, {
        "pkg/__init__.py": "from ._rules import Rule\n",
        f"pkg/{RULES}/__init__.py": "from ._rule import Rule, RuleState\n",
        f"pkg/{RULES}/_rule.py": """\
            class Rule:
                pass

            class RuleState:
                pass

            MOVABLE = (RuleState,)

            def movable(state):
                return isinstance(state, MOVABLE)
            """,
        "pkg/use.py": """\
            from pkg import Rule
            from . import _rules
            from ._rules import _rule as r

            class Other:
                pass

            TABLE = {Rule: "spec"}

            def dispatch(solver, state):
                a = type(solver) in (Rule,)
                b = type(solver) is _rules.Rule
                c = TABLE[type(solver)]
                d = TABLE.get(type(solver))
                e = issubclass(type(state), r.RuleState)
                f = solver.__class__ == Rule
                match solver:
                    case Rule():
                        pass
                return isinstance(solver, Other) or type(solver) is Other
            """,
    })
    found = rule_dispatches(modules, "pkg")
    assert [message.split(" dispatches")[0] for message in found] == [
        f"pkg/{RULES}/_rule.py:10", "pkg/use.py:11", "pkg/use.py:12", "pkg/use.py:13",
        "pkg/use.py:14", "pkg/use.py:15", "pkg/use.py:16", "pkg/use.py:18"]
    assert found[0].endswith("isinstance(state, MOVABLE)")


# ---------------------------------------------------------------- the package

@pytest.fixture(scope="module")
def package():
    return modules_of(PACKAGE)


def test_no_module_is_over_300_code_lines(package):
    found = oversized_modules(package)
    assert not found, "\n".join(found)


def test_no_function_is_over_60_code_lines(package):
    found = oversized_functions(package)
    assert not found, "\n".join(found)


def test_no_function_takes_over_12_parameters(package):
    found = functions_with_many_parameters(package)
    assert not found, "\n".join(found)


def test_the_modules_import_one_another_without_a_cycle(package):
    found = import_cycles(package)
    assert not found, "\n".join(found)


def test_no_code_dispatches_on_the_rule_classes(package):
    found = rule_dispatches(package, PACKAGE.name)
    assert not found, "\n".join(found)
