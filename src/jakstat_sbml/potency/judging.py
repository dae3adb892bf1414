"""Measured rows against predictive draws: whether each 90% interval covers its row, the
fold error of the median (censored rows count only a miss on their wrong side), and the
figure both the validation and the cross-validation draw."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from .. import catalog
from .measurements import BINDING_FILE, IC50_FILE, MATRIX_FILE, data_dir, table_digest
from .posterior import gmfe

LEVEL = 0.90


@dataclass(frozen=True)
class JudgedTests:
    """Measured quantities of the drugs, each judged against its 90% predictive interval
    (a ``covered`` and a ``fold_error`` column per row of ``table``), counted apart from the
    cross-validation's held-out rows. ``current``: whether a stored run is of the present
    tables. ``COUNTED``: the summary's name for what the rows are."""

    table: pd.DataFrame
    current: bool = True
    COUNTED: ClassVar[str] = "rows"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def for_drug(self, drug: str) -> pd.DataFrame:
        """The rows that test ``drug``."""
        return self.table[self.table["drug"] == drug] if not self.table.empty else self.table

    def summary(self) -> dict:
        t = self.table
        return {self.COUNTED: len(t), "covered": int(t["covered"].sum()) if len(t) else 0,
                "gmfe": gmfe(t["fold_error"]) if len(t) else float("nan"),
                "drugs": sorted(set(t["drug"])) if len(t) else []}


def read_test_table(path: Path, columns, shipped: str, item: str = "row") -> pd.DataFrame:
    """A shipped table of tests, read as text: an InputError where it is missing, lacks one
    of ``columns`` or names an ``id`` twice (``shipped``: what it is, for the message)."""
    from ..errors import InputError

    table = catalog.read_data_table(path, columns, shipped)
    if table["id"].duplicated().any():
        raise InputError(f"{path}: {item} {table['id'][table['id'].duplicated()].iloc[0]!r} appears twice")
    return table


def file_digest(path: Path) -> str:
    """A short hash of a file ("missing" where there is none): what a stored run was made from."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else "missing"


_STORED: dict[tuple, JudgedTests] = {}


def read_stored(kind: type[JudgedTests], path: Path, own_table: Path, own_column: str) -> JudgedTests | None:
    """The judged tests `make pharmacology` stored at ``path`` (None where none are), made
    from the measured tables and ``own_table`` (its digest in ``own_column``), marked
    current when they are of the present files. Every interval's record asks for them, so
    they are read once per version of every file they depend on."""
    if not path.is_file():
        return None
    inputs = (path, own_table, *(data_dir() / name for name in (IC50_FILE, BINDING_FILE, MATRIX_FILE)))
    key = (kind, *(str(p) for p in inputs), *(p.stat().st_mtime_ns if p.exists() else 0 for p in inputs))
    if key not in _STORED:
        if len(_STORED) > 16:  # versions of files seen in one session: a few
            _STORED.clear()
        table = pd.read_csv(path)
        current = bool(len(table)) and all(bool((table[column] == value).all()) for column, value in
                                           (("data_digest", table_digest()), (own_column, file_digest(own_table))))
        _STORED[key] = kind(table, current)
    return _STORED[key]


def interval_ends(predicted: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, median, high) of log10 predictive draws (draws x rows), per row."""
    tail = (1 - level) / 2
    low, mid, high = np.quantile(predicted, [tail, 0.5, 1 - tail], axis=0)
    return low, mid, high


def judge(measured_nM: float, relation: str, low: float, mid: float, high: float) -> tuple[bool, float]:
    """(covered, fold error) of a measured IC50 against a prediction's log10 interval and
    median: for ``<`` the true value lies below the reported one, so only a median or an
    interval above it is a miss; for ``>`` the reverse."""
    y = math.log10(measured_nM)
    if relation == "<":
        return bool(low <= y), 10 ** max(0.0, mid - y)
    if relation == ">":
        return bool(high >= y), 10 ** max(0.0, y - mid)
    return bool(low <= y <= high), 10 ** abs(mid - y)


_COLOURS = ("tab:orange", "tab:blue", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive",
            "tab:cyan", "tab:gray")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


def drug_style(drug: str) -> tuple[str, str]:
    """Colour and marker of a drug in the potency figures, by its place in the catalog
    (drugs.tsv), so every figure draws a drug alike."""
    i = catalog.drugs().index(drug) if drug in catalog.DRUGS else len(catalog.DRUGS)
    return _COLOURS[i % len(_COLOURS)], _MARKERS[i % len(_MARKERS)]


def measured_vs_predicted(table: pd.DataFrame, *, ylabel: str, title: str, bands=(2.0, 5.0), ax=None,
                          held_out: bool = False):
    """Measured against predicted IC50s as added (log-log) with 90% intervals; fit rows
    filled, test rows open, one colour per drug, the fold bands shaded. ``held_out``: every
    row was predicted with its source left out (the legend says so of the fit rows, which
    it called "fit rows" in the cross-validation's figure). Returns the Figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5.5))
    else:
        fig = ax.figure
    lo = 0.3 * min(table["measured_nM"].min(), table["low_90_nM"].min())
    hi = 3 * max(table["measured_nM"].max(), table["high_90_nM"].max())
    x = np.array([lo, hi])
    ax.plot(x, x, color="k", lw=1)
    for f, alpha in zip(bands, (0.25, 0.12)):
        ax.fill_between(x, x / f, x * f, color="tab:gray", alpha=alpha, lw=0, label=f"within {f:g}x")
    for (drug, role), g in table.groupby(["drug", "role"]):
        c, marker = drug_style(drug)
        ax.errorbar(g["measured_nM"], g["predicted_nM"],
                    yerr=[g["predicted_nM"] - g["low_90_nM"], g["high_90_nM"] - g["predicted_nM"]],
                    fmt=marker, mfc=c if role == "fit" else "none", mec=c, ecolor=c,
                    elinewidth=0.8, alpha=0.85,
                    label=f"{drug} ({role} rows{', held out' if held_out and role == 'fit' else ''})")
    ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), xlabel="measured IC50 (nM, as added)",
           ylabel=ylabel, title=title)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig
