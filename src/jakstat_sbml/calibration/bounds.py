"""Physiological ranges of the calibrated parameters (models/parameter_bounds.tsv)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import catalog
from ..errors import InputError

BOUNDS_FILE = "parameter_bounds.tsv"  # in models/: id, lower, upper, unit, reason


def parameter_bounds(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The physiological range of every calibrated parameter (models/parameter_bounds.tsv),
    indexed by parameter id: lower, upper (models/parameters.tsv units), unit, and the
    reason (a source or an explicit assumption). Fits are confined to these ranges,
    which are biology, not numerical boxes: a fit that ends at one is a finding
    (docs/calibration.md, "Parameters at their physiological bounds")."""
    path = Path(path) if path is not None else catalog.models_dir() / BOUNDS_FILE
    if not path.exists():
        raise InputError(f"no parameter bounds table at {path}")
    table = pd.read_csv(path, sep="\t", dtype={"id": str, "unit": str, "reason": str}, keep_default_na=False)
    missing = {"id", "lower", "upper", "unit", "reason"} - set(table.columns)
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    duplicated = table["id"][table["id"].duplicated()].tolist()
    if duplicated:
        raise InputError(f"{path} has more than one row for {', '.join(duplicated)}")
    table = table.set_index("id")
    table["lower"] = pd.to_numeric(table["lower"], errors="coerce")
    table["upper"] = pd.to_numeric(table["upper"], errors="coerce")
    bad = table.index[~((table["lower"] > 0) & (table["upper"] > table["lower"]))].tolist()
    if bad:
        raise InputError(f"{path}: bounds must satisfy 0 < lower < upper (fits are on log10 scale); "
                         f"not so for {', '.join(bad)}")
    return table


def bounds_for(parameters: Sequence[str], path: str | os.PathLike | None = None) -> dict[str, tuple[float, float]]:
    """(lower, upper) of each of ``parameters`` from models/parameter_bounds.tsv;
    an InputError names every parameter without a row there (or without a reason)."""
    table = parameter_bounds(path)
    missing = [p for p in parameters if p not in table.index]
    if missing:
        raise InputError(f"no physiological bounds for the fitted parameter(s) {', '.join(missing)}: add a row "
                         f"(id, lower, upper, unit, reason with a source or an explicit assumption) to "
                         f"models/{BOUNDS_FILE}")
    unexplained = [p for p in parameters if not str(table.loc[p, "reason"]).strip()]
    if unexplained:
        raise InputError(f"models/{BOUNDS_FILE} gives no reason for the bounds of {', '.join(unexplained)}")
    return {p: (float(table.loc[p, "lower"]), float(table.loc[p, "upper"])) for p in parameters}

