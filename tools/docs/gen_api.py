"""Writes the API reference pages while `mkdocs build` runs (mkdocs-gen-files).

One page per module of the source tree, src/jakstat_sbml, rendered by mkdocstrings
from the docstrings: a new module gets its page without editing anything. Entry points
(`__main__`) are left out; a package's page is its `__init__`. The package's own page
lists every name of `jakstat_sbml.__all__` (what `js.` offers), linked to where its
module's page documents it: several functions share their name with the module that
defines them (`experiments.dose_response.dose_response`), and read statically the
package would show the module instead.
"""

import importlib
import re
from pathlib import Path

import mkdocs_gen_files

SRC = Path(__file__).resolve().parents[2] / "src"
# a Sphinx role in a summary, shown as code (the module pages link them: sphinx_roles.py)
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|data|mod|attr|exc|obj|const):`(~?)([^`]+?)`")



def front_door() -> str:
    """The package's page: its docstring (its ``>>>`` lines as a code block), then a table
    of the public names, each linked to where its module's page documents it."""
    import inspect

    package = importlib.import_module("jakstat_sbml")
    text = [line.strip() for line in package.__doc__.strip().splitlines()]
    prose = [line for line in text if not line.startswith(">>>")]
    example = [line.removeprefix(">>> ") for line in text if line.startswith(">>>")]
    lines = ["# `jakstat_sbml`", "", *prose, "", "```python", *example, "```", "",
             "## What `js.` offers", "",
             "Every name of `jakstat_sbml.__all__`, linked to where it is documented.", "",
             "| name | what it is |", "|---|---|"]
    for name in sorted(package.__all__, key=str.lower):
        obj = getattr(package, name)
        summary = (inspect.getdoc(obj) or "").split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
        summary = ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", summary)
        lines.append(f"| [`{name}`][{obj.__module__}.{obj.__qualname__}] | {summary} |")
    return "\n".join(lines) + "\n"


nav = mkdocs_gen_files.Nav()
for path in sorted((SRC / "jakstat_sbml").rglob("*.py")):
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__main__":
        continue
    doc = Path("api", *parts).with_suffix(".md")
    if parts[-1] == "__init__":
        parts = parts[:-1]
        doc = doc.with_name("index.md")
    nav[tuple(parts)] = doc.relative_to("api").as_posix()
    with mkdocs_gen_files.open(doc, "w") as page:
        if parts == ["jakstat_sbml"]:
            page.write(front_door())
        else:
            page.write(f"# `{'.'.join(parts)}`\n\n::: {'.'.join(parts)}\n")
    mkdocs_gen_files.set_edit_path(doc, path.relative_to(SRC.parent))

with mkdocs_gen_files.open("api/SUMMARY.md", "w") as summary:
    summary.writelines(nav.build_literate_nav())
