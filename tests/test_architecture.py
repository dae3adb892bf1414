"""The package's shape (issue 14): modules grouped by job, imports in one direction.

Every import counts, including those inside functions: a lazy import delays a
cycle, it does not remove it.
"""

import ast
from pathlib import Path

import pytest

import jakstat_sbml

PACKAGE = Path(jakstat_sbml.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["jakstat_sbml", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import of the module at ``path``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("jakstat_sbml")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("jakstat_sbml"):
                target = node.module
            else:
                continue
            names = [a.name for a in node.names]
            # "from . import catalog" imports a module, not a name of the package
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            found += [(m, []) for m in submodules]
            rest = [n for n in names if f"{target}.{n}" not in MODULES]
            if rest:
                found.append((target, rest))
    return found


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        graph[name] = {target for target, _ in _imports(name, path) if target in MODULES and target != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_modules_import_each_other_without_a_cycle():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _package_of(module: str) -> str:
    """The subpackage a module belongs to (jakstat_sbml.calibration.objective ->
    jakstat_sbml.calibration); top-level modules are their own unit."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_the_subpackages_depend_on_each_other_in_one_direction():
    graph: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        if module == "jakstat_sbml":
            continue  # the package's front door re-exports everything
        graph.setdefault(_package_of(module), set()).update(
            _package_of(t) for t in targets if _package_of(t) != _package_of(module) and t != "jakstat_sbml")
    cycle = _cycle(graph)
    assert cycle is None, "subpackages in a cycle: " + " -> ".join(cycle)


def test_no_module_takes_another_modules_private_names():
    taken = [f"{name} takes {target}.{n}" for name, path in MODULES.items()
             for target, names in _imports(name, path) for n in names
             if n.startswith("_") and not n.startswith("__") and target != name]
    assert taken == []


def test_the_cycle_finder_finds_a_cycle():
    """The checks above could not fail if the finder never found anything."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("name", ["interop", "calibration"])
def test_a_subpackage_import_gives_the_module_not_a_function(name):
    """`import jakstat_sbml.export` once gave the function js.export, shadowing the module."""
    import importlib
    import types

    assert isinstance(importlib.import_module(f"jakstat_sbml.{name}"), types.ModuleType)
    assert isinstance(getattr(jakstat_sbml, name, importlib.import_module(f"jakstat_sbml.{name}")),
                      types.ModuleType)


def test_the_largest_module_stays_readable():
    """Issue 14 found modules of 840 and 692 lines doing five jobs each; one module, one job."""
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    largest = max(lines, key=lines.get)
    assert lines[largest] <= 1000, f"{largest} has {lines[largest]} lines"


def test_no_source_file_is_ignored_by_git():
    """A .gitignore pattern once matched the build/ subpackage: its new modules were never
    committed (nor put in the wheel), and only a fresh clone would have noticed."""
    import shutil
    import subprocess

    repo = PACKAGE.parents[1]
    if shutil.which("git") is None or not (repo / ".git").exists():
        pytest.fail("these tests run in a git checkout of the repository")
    paths = [str(p.relative_to(repo)) for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=repo, capture_output=True,
                             text=True).stdout.split()
    assert ignored == []
