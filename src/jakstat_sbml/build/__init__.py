"""Antimony -> SBML: compile models/jakstat.ant, annotate it, validate it.

``python -m jakstat_sbml.build`` (or ``jakstat build``) regenerates
``models/parameters.ant`` from ``models/parameters.tsv`` and the regular network,
``models/generated/*.ant``, from ``models/tables/*.tsv`` (:mod:`.network`), and
writes the flat SBML Level 3 Version 2 file ``models/jakstat.xml``, annotated by
:mod:`.annotate` and checked by :mod:`.validation`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import antimony
import libsbml

from .. import catalog
from ..errors import ModelFileError
from . import network
from .annotate import FIGURE_DOI, MODEL_ID, annotate, sources_as_uris, species_genes
from .validation import ValidationReport, validate

# ----------------------------------------------------------------------------- paths


def source_paths(models: Path | None = None) -> dict[str, Path]:
    m = Path(models) if models else catalog.models_dir()
    return {
        "antimony": m / "jakstat.ant",
        "parameters_tsv": m / "parameters.tsv",
        "parameters_ant": m / "parameters.ant",
        "sbml": m / "jakstat.xml",
        "tables": m / network.TABLES_DIR,
        "generated": m / network.GENERATED_DIR,
    }


# ----------------------------------------------------------------------------- steps


def read_parameter_rows(tsv: Path) -> list[dict[str, str]]:
    with Path(tsv).open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    required = {"id", "value", "unit", "source", "description"}
    for i, row in enumerate(rows, start=2):
        missing = [k for k in required if not (row.get(k) or "").strip()]
        if missing:
            raise ModelFileError(f"{tsv}:{i}: parameter row {row.get('id')!r} lacks {', '.join(sorted(missing))}")
    return rows


def parameters_antimony(rows: list[dict[str, str]]) -> str:
    """The Antimony fragment that declares every tabulated parameter."""
    lines = [
        "// Generated from parameters.tsv by jakstat_sbml.build: edit the table, not this file.",
        "// Values are the default context (ctcl); contexts.tsv overrides some of them.",
    ]
    for row in rows:
        value = float(row["value"])
        text = repr(value) if value != int(value) or abs(value) >= 1e15 else str(int(value))
        lines.append(f"{row['id']} = {text}; {row['id']} has {row['unit']}")
    return "\n".join(lines) + "\n"


def compile_antimony(path: Path) -> str:
    """Flat SBML L3V2 string from an Antimony file (imports resolved relative to it)."""
    antimony.clearPreviousLoads()
    # Antimony 3.3 keeps the folders of earlier loads and resolves a relative import
    # there first, even after clearPreviousLoads: a second models/ folder (a test's
    # copy) would compile the first one's modules. Absolute imports avoid that.
    folder = Path(path).resolve().parent
    text = re.sub(r'^(\s*import\s+")([^"/][^"]*)"', lambda m: f'{m.group(1)}{folder / m.group(2)}"',
                  Path(path).read_text(), flags=re.M)
    if antimony.loadAntimonyString(text) < 0:
        raise ModelFileError(f"Antimony failed on {path}: {antimony.getLastError()}")
    sbml = antimony.getSBMLString(antimony.getMainModuleName())
    if not sbml:
        raise ModelFileError(f"Antimony produced no SBML for {path}: {antimony.getLastError()}")
    return sbml


def provenance_counts(rows: list[dict[str, str]]) -> dict[str, int]:
    """How many tabulated values come from literature, data, derivation or assumption."""
    counts = {"literature": 0, "data (calibrated)": 0, "derived": 0, "assumed": 0}
    for r in rows:
        s = r["source"]
        key = ("data (calibrated)" if s.startswith("calibrated:") else "derived" if s.startswith("derived:")
               else "assumed" if s.startswith("assumed:") else "literature")
        counts[key] += 1
    return counts


# ----------------------------------------------------------------------------- entry


def generated_sources(models: Path | None = None) -> dict[Path, str]:
    """Every generated Antimony file (path -> the text its tables give now)."""
    paths = source_paths(models)
    out = {paths["parameters_ant"]: parameters_antimony(read_parameter_rows(paths["parameters_tsv"]))}
    for name, text in network.generate(paths["antimony"].parent).items():
        out[paths["generated"] / name] = text
    return out


def build_sbml(models: Path | None = None, *, write: bool = True) -> str:
    """Regenerate parameters.ant, generated/*.ant and the annotated SBML; return the SBML
    text. With ``write=False`` nothing is written and a stale generated file raises."""
    if write and models is None:
        catalog.writable_models_dir()  # never write into an installed package
    paths = source_paths(models)
    rows = read_parameter_rows(paths["parameters_tsv"])
    for path, text in generated_sources(models).items():
        if write:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            raise ModelFileError(f"{path} is stale (its tables changed): run `jakstat build`")
    folder = paths["antimony"].parent
    sbml = annotate(compile_antimony(paths["antimony"]), rows, network.table_sources(folder),
                    catalog.read_model_tables(folder))
    if write:
        paths["sbml"].write_text(sbml)
    return sbml


def main() -> None:
    paths = source_paths()
    sbml = build_sbml()
    report = validate(sbml)
    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    print(
        f"wrote {paths['sbml']}: {m.getNumSpecies()} species, {m.getNumReactions()} reactions, "
        f"{m.getNumParameters()} parameters; libsbml: {report.errors.__len__()} errors, "
        f"{len(report.warnings)} warnings"
    )
    print("parameter sources: " + ", ".join(f"{k} {v}" for k, v in provenance_counts(read_parameter_rows(paths["parameters_tsv"])).items()))
    if not report.ok:
        print(report)
        raise SystemExit(1)



__all__ = [
    "FIGURE_DOI", "MODEL_ID", "ValidationReport", "annotate", "build_sbml", "compile_antimony",
    "generated_sources", "main", "network", "parameters_antimony", "provenance_counts", "read_parameter_rows",
    "source_paths", "sources_as_uris", "species_genes", "validate",
]
