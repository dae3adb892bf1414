"""A Griffe extension for the API pages: the docstrings' Sphinx roles as links.

The docstrings name other objects the Sphinx way (``:func:`jakstat_sbml.run```,
``:class:`~jakstat_sbml.errors.InputError```), which mkdocstrings renders as they stand:
the API pages showed ":func:" before 424 names (an audit). Once the package is loaded,
every role becomes a mkdocstrings cross-reference where its target is documented (a
public object of a module with a page), searched as Sphinx does: the name as written,
then inside the current class, the current module and the package; a leading ``~``
shows the last part only. A name it cannot find stays code, without the role, so the
strict build never fails on a reference to something undocumented.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(func|class|meth|data|mod|attr|exc|obj|const):`(~?)([^`]+?)`")


def _walk(obj):
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def _documented(path: str, objects: dict) -> bool:
    """Public all the way down, so the API page renders it (filters "!^_")."""
    return path in objects and not any(part.startswith("_") for part in path.split("."))


class SphinxRoles(griffe.Extension):
    def on_package(self, *, pkg, loader, **kwargs) -> None:
        objects = {o.path: o for o in _walk(pkg)}
        aliases = {}  # "jakstat_sbml.run" -> where it is defined, for names re-exported by a package
        for o in objects.values():
            for name, member in o.members.items():
                if member.is_alias:
                    try:
                        aliases[f"{o.path}.{name}"] = member.final_target.path
                    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                        pass
        for obj in objects.values():
            if obj.docstring is None:
                continue
            scopes = [s.path for s in (obj if obj.is_class else obj.parent, obj.module) if s is not None]
            scopes.append(pkg.path)

            def link(match: re.Match, scopes=scopes) -> str:
                role, short, name = match.group(1), match.group(2) == "~", match.group(3).strip().removesuffix("()")
                title = name.rsplit(".", 1)[-1] if short else name
                for candidate in [name, *(f"{scope}.{name}" for scope in scopes)]:
                    target = aliases.get(candidate, candidate)
                    # read statically, `jakstat_sbml.dose_response` is the module experiments/dose_response.py;
                    # a :func: means the function of that name inside it
                    last = target.rsplit(".", 1)[-1]
                    if role != "mod" and target in objects and objects[target].is_module \
                            and f"{target}.{last}" in objects:
                        target = f"{target}.{last}"
                    if _documented(target, objects):
                        return f"[`{title}`][{target}]"
                return f"`{title}`"

            obj.docstring.value = ROLE.sub(link, obj.docstring.value)
