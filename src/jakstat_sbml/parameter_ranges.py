"""Plausible ranges of the model's parameters (columns ``lower``, ``upper`` and
``range_source`` of models/parameters.tsv).

Every row has either a range with its reason or source, or is excluded with the
reason why it is not an uncertain quantity (compartment volumes, doses, gene-dosage
and mutation switches, structural zeros of the default context). The calibrated
parameters take their range from models/parameter_bounds.tsv, and a test keeps the two
tables in agreement.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from . import catalog
from .errors import InputError, UnknownNameError

PARAMETERS_FILE = "parameters.tsv"
EXCLUDED_PREFIX = "excluded:"


def parameter_ranges(path: str | os.PathLike | None = None, *, include_excluded: bool = False) -> pd.DataFrame:
    """The plausible range of every uncertain parameter, indexed by id: ``value`` (the
    default, ctcl context), ``lower``, ``upper``, ``unit``, ``range_source``.

    With ``include_excluded=True`` the excluded rows come too (``lower``/``upper`` NaN,
    ``excluded`` True). Raises InputError when a row has neither a full range with a
    reason nor an exclusion with one, or a range that is not 0 < lower < upper.
    """
    path = Path(path) if path is not None else catalog.models_dir() / PARAMETERS_FILE
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = {"id", "value", "unit", "lower", "upper", "range_source"} - set(table.columns)
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    table = table.set_index("id")
    table["excluded"] = table["range_source"].str.startswith(EXCLUDED_PREFIX)
    for column in ("value", "lower", "upper"):
        table[column] = pd.to_numeric(table[column].replace("", "nan"), errors="coerce")
    problems = []
    for pid, row in table.iterrows():
        reason = row["range_source"].removeprefix(EXCLUDED_PREFIX).strip()
        if not reason:
            problems.append(f"{pid}: no reason or source for its range (column range_source)")
        elif row["excluded"]:
            if not (math.isnan(row["lower"]) and math.isnan(row["upper"])):
                problems.append(f"{pid}: excluded but has a range")
        elif not (row["lower"] > 0 and row["upper"] > row["lower"]):
            problems.append(f"{pid}: range must satisfy 0 < lower < upper, got {row['lower']}, {row['upper']}")
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems))
    columns = ["value", "lower", "upper", "unit", "range_source"]
    if include_excluded:
        return table[columns + ["excluded"]]
    return table.loc[~table["excluded"], columns]


def uncertain_parameters(parameters: Iterable[str] | None = None, *, path=None) -> pd.DataFrame:
    """The ranges of ``parameters`` (default: every uncertain parameter); an
    UnknownNameError names the nearest uncertain parameter for a misspelt one, an
    InputError says why an excluded one cannot vary."""
    table = parameter_ranges(path, include_excluded=True)
    if parameters is None:
        return table.loc[~table["excluded"]].drop(columns="excluded")
    if isinstance(parameters, str):
        parameters = [parameters]
    names = list(dict.fromkeys(parameters))
    if not names:
        raise InputError("parameters must not be empty (None means every uncertain parameter)")
    uncertain = table.index[~table["excluded"]].tolist()
    for p in names:
        if p not in table.index:
            raise UnknownNameError("parameter", p, uncertain)
        if table.loc[p, "excluded"]:
            raise InputError(f"{p} is not an uncertain parameter: {table.loc[p, 'range_source']}")
    return table.loc[names].drop(columns="excluded")


__all__ = ["parameter_ranges", "uncertain_parameters"]
