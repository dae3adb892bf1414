"""Writes the API reference pages while `mkdocs build` runs (mkdocs-gen-files).

One page per module of the installed source tree, src/jakstat_sbml, rendered by
mkdocstrings from the docstrings: a new module gets its page without editing anything.
Entry points (`__main__`) are left out; a package's page is its `__init__`.
"""

from pathlib import Path

import mkdocs_gen_files

SRC = Path(__file__).resolve().parents[2] / "src"

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
        page.write(f"# `{'.'.join(parts)}`\n\n::: {'.'.join(parts)}\n")
    mkdocs_gen_files.set_edit_path(doc, path.relative_to(SRC.parent))

with mkdocs_gen_files.open("api/SUMMARY.md", "w") as summary:
    summary.writelines(nav.build_literate_nav())
