"""The measured tables of ``data/pharmacology/``: cellular IC50s, protein binding and
the assay-matrix constants, read and checked.

Every table keeps what a source states apart from what was inferred (columns
``seen`` and ``inferred`` of the IC50 table, ``kind`` of the others); the loaders
here refuse a table that lacks a column the statistical model relies on, so that a
bad edit fails with the file and column named, not deep inside a fit.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError

IC50_FILE = "cellular_ic50.tsv"
BINDING_FILE = "protein_binding.tsv"
MATRIX_FILE = "assay_matrix.tsv"

MATRICES = ("whole_blood", "medium_serum", "medium_serum_free", "not_stated")
ROLES = ("fit", "test", "not_modelled")
RELATIONS = ("=", "<", ">")
REQUIRED_IC50 = ("id", "drug", "cytokine", "readout", "matrix", "ic50_nM", "context", "role", "source_id",
                 "source")


def data_dir() -> Path:
    """Folder of the measured pharmacology tables (inside the package in a wheel)."""
    packaged = catalog.models_dir().parent / "data" / "pharmacology"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "pharmacology"


def _read(name: str, columns) -> pd.DataFrame:
    return catalog.read_data_table(data_dir() / name, columns, "the pharmacology data")


def number(value, default: float = math.nan) -> float:
    """A table cell as a number; ``default`` for an empty or non-numeric cell."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(v) else v


@cache
def _ic50_table() -> pd.DataFrame:
    df = _read(IC50_FILE, REQUIRED_IC50)
    path = data_dir() / IC50_FILE
    for column, allowed in (("role", ROLES), ("matrix", MATRICES)):
        bad = sorted(set(df[column]) - set(allowed))
        if bad:
            raise InputError(f"{path}: column {column} has {bad[0]!r}; allowed: {', '.join(allowed)}")
    if "relation" not in df.columns:
        df["relation"] = "="
    df["relation"] = df["relation"].replace("", "=")
    bad = sorted(set(df["relation"]) - set(RELATIONS))
    if bad:
        raise InputError(f"{path}: column relation has {bad[0]!r}; allowed: {', '.join(RELATIONS)}")
    duplicated = df["id"][df["id"].duplicated()]
    if not duplicated.empty:
        raise InputError(f"{path}: row id {duplicated.iloc[0]!r} appears twice")
    df["ic50_nM"] = pd.to_numeric(df["ic50_nM"], errors="coerce")
    used = df[df["role"] != "not_modelled"]
    if used["ic50_nM"].isna().any() or (used["ic50_nM"] <= 0).any():
        bad = used.loc[used["ic50_nM"].isna() | (used["ic50_nM"] <= 0), "id"].iloc[0]
        raise InputError(f"{path}: row {bad!r} has no positive ic50_nM")
    for column in ("serum_percent", "preincubation_min", "stimulation_min"):
        if column not in df.columns:
            df[column] = ""
    for column in ("serum_type", "assay_kind", "cell_type", "cytokine_dose", "seen", "inferred", "assumptions"):
        if column not in df.columns:
            df[column] = ""
    df["assay_kind"] = df["assay_kind"].replace("", "pSTAT")
    return df


def measurements(*, modelled: bool = True, roles: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The measured IC50 table; ``modelled=True`` keeps the rows the model can recompute
    (its drugs, cytokines and readouts, a context assigned, role fit or test);
    ``roles`` keeps only those roles."""
    df = _ic50_table().copy()
    if modelled:
        ok = (df["drug"].isin(catalog.DRUGS) & df["cytokine"].isin(catalog.CYTOKINES)
              & df["readout"].isin(catalog.READOUTS) & df["context"].isin(catalog.contexts())
              & df["role"].isin(["fit", "test"]))
        df = df[ok]
    if roles is not None:
        df = df[df["role"].isin(roles)]
    return df.reset_index(drop=True)


def table_digest() -> str:
    """A short hash of the three tables: what a stored posterior was fitted to."""
    h = hashlib.sha256()
    for name in (IC50_FILE, BINDING_FILE, MATRIX_FILE):
        path = data_dir() / name
        if path.exists():
            h.update(name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@cache
def protein_binding() -> pd.DataFrame:
    """Plasma fraction unbound, blood-to-plasma ratio and albumin binding per drug, each
    with a plausible range (``low``, ``high``), its ``kind`` (measured, derived,
    assumed) and its source."""
    df = _read(BINDING_FILE, ("drug", "quantity", "value", "low", "high", "kind", "source"))
    for column in ("value", "low", "high"):
        df[column] = pd.to_numeric(df[column].str.extract(r"^\s*([-+0-9.eE]+)")[0], errors="coerce")
    return df


@cache
def assay_matrix() -> pd.DataFrame:
    """Constants of the assay matrices (albumin in human plasma and in fetal bovine
    serum, default serum percentage, ...) with ranges and sources, indexed by quantity."""
    df = _read(MATRIX_FILE, ("quantity", "value", "low", "high", "unit", "source"))
    for column in ("value", "low", "high"):
        df[column] = pd.to_numeric(df[column], errors="coerce")
    return df.set_index("quantity")


def binding_row(drug: str, quantity: str) -> pd.Series:
    pb = protein_binding()
    hit = pb[(pb["drug"] == drug) & (pb["quantity"] == quantity)]
    if hit.empty:
        raise InputError(f"no {quantity} for {drug} in {data_dir() / BINDING_FILE}")
    return hit.iloc[0]


def binding_value(drug: str, quantity: str) -> float:
    return float(binding_row(drug, quantity)["value"])


def binding_range(drug: str, quantity: str) -> tuple[float, float, float]:
    """(value, low, high) of a binding quantity; a missing end of the range is the value."""
    row = binding_row(drug, quantity)
    value = float(row["value"])
    low = float(row["low"]) if np.isfinite(row["low"]) else value
    high = float(row["high"]) if np.isfinite(row["high"]) else value
    if not (0 < low <= value <= high):
        raise InputError(f"{data_dir() / BINDING_FILE}: {drug} {quantity}: need 0 < low <= value <= high, got "
                         f"{low}, {value}, {high}")
    return value, low, high


def matrix_range(quantity: str) -> tuple[float, float, float]:
    table = assay_matrix()
    if quantity not in table.index:
        raise InputError(f"no {quantity} in {data_dir() / MATRIX_FILE}")
    row = table.loc[quantity]
    value = float(row["value"])
    low = float(row["low"]) if np.isfinite(row["low"]) else value
    high = float(row["high"]) if np.isfinite(row["high"]) else value
    return value, low, high


def reload() -> None:
    """Forget the cached tables (after the files changed)."""
    _ic50_table.cache_clear()
    protein_binding.cache_clear()
    assay_matrix.cache_clear()
