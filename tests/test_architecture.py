"""The package's shape (issue 14): modules grouped by job, imports in one direction.

Every import counts, including those inside functions: a lazy import delays a
cycle, it does not remove it.
"""

import ast
import re
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


# --------------------------------------------------------------------------- docs/architecture.md

ARCHITECTURE_PAGE = PACKAGE.parents[1] / "docs" / "architecture.md"


def _unit_graph() -> dict[str, set[str]]:
    """The code's imports between subpackages and top-level modules (``cli``, ``model``),
    the package's front door aside: what docs/architecture.md lists."""
    graph: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        if module == "jakstat_sbml":
            continue
        unit = _package_of(module).removeprefix("jakstat_sbml.")
        graph.setdefault(unit, set()).update(
            _package_of(t).removeprefix("jakstat_sbml.") for t in targets
            if t != "jakstat_sbml" and _package_of(t) != _package_of(module))
    return graph


def _documented_graph(text: str) -> list[tuple[str, set[str]]]:
    """The rows of the page's import-graph table, in page order: (unit, what it imports)."""
    section = text.split("<!-- import graph", 1)[1]
    rows = []
    for line in section.splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[1] in ("unit", "---"):
            continue
        names = lambda cell: [n.rstrip("/") for n in re.findall(r"`([^`]+)`", cell)]  # noqa: E731
        rows.append((names(cells[1])[0], set(names(cells[2]))))
    return rows


def _graph_differences(documented: list[tuple[str, set[str]]], code: dict[str, set[str]]) -> list[str]:
    """What the page says that the code does not, and the other way round; empty when they agree."""
    listed = dict(documented)
    problems = [f"{unit} has no row on the page" for unit in sorted(set(code) - set(listed))]
    problems += [f"the page has a row for {unit}, which the package does not have"
                 for unit in sorted(set(listed) - set(code))]
    for unit in sorted(set(code) & set(listed)):
        problems += [f"the code has {unit} -> {t}, the page does not" for t in sorted(code[unit] - listed[unit])]
        problems += [f"the page lists {unit} -> {t}, the code has no such import" for t in sorted(listed[unit] - code[unit])]
    order = [unit for unit, _ in documented]
    problems += [f"{unit} imports {t}, a row above it (the table must go one way, downwards)"
                 for i, (unit, targets) in enumerate(documented) for t in sorted(targets) if t in order[:i]]
    return problems


def test_the_architecture_page_lists_the_import_graph_of_the_code():
    """Issue 25: the page once drew edges the code did not have and missed four it had."""
    documented = _documented_graph(ARCHITECTURE_PAGE.read_text(encoding="utf-8"))
    assert len(documented) > 10
    assert _graph_differences(documented, _unit_graph()) == []


def test_the_architecture_check_finds_a_missing_an_extra_and_an_upward_edge():
    """The comparison above could not fail if it never found a difference."""
    page = [("cli", {"model", "catalog"}), ("model", {"catalog"}), ("catalog", set())]
    assert _graph_differences(page, {"cli": {"model", "catalog"}, "model": {"catalog"}, "catalog": set()}) == []
    found = _graph_differences(page, {"cli": {"model"}, "model": {"catalog", "errors"}, "catalog": set(),
                                      "errors": set()})
    assert found == ["errors has no row on the page", "the page lists cli -> catalog, the code has no such import",
                     "the code has model -> errors, the page does not"]
    upward = [("model", {"catalog"}), ("catalog", {"model"})]
    assert _graph_differences(upward, {"model": {"catalog"}, "catalog": {"model"}}) == [
        "catalog imports model, a row above it (the table must go one way, downwards)"]
    text = "intro\n<!-- import graph -->\n| role | unit | imports |\n|---|---|---|\n| x | `cli/` | `model` |\n\nafter | `y` |"
    assert _documented_graph(text) == [("cli", {"model"})]
