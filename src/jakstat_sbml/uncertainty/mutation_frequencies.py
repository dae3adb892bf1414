"""How often CTCL patients carry the model's mutations: data/ctcl/mutation_frequencies.tsv.

Each row counts, in one sequencing cohort, the patients carrying one of the model's
gain-of-function variants (carriers of patients), with the study and the data file the
count was made on (data/ctcl/SOURCE.md says what was seen and what was not). The virtual
trial draws these frequencies with ``mutation_frequencies="cited"``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from .. import catalog

TABLE = "mutation_frequencies.tsv"
COLUMNS = ("mutation", "gene", "protein_change", "cohort", "carriers", "patients", "frequency", "match", "method",
           "study", "doi", "data", "seen", "notes")


def _folder() -> Path:
    """data/ctcl, inside the package in a wheel, else the repository's."""
    packaged = catalog.models_dir().parent / "data" / "ctcl"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "ctcl"


@cache
def _table() -> pd.DataFrame:
    table = catalog.read_data_table(_folder() / TABLE, COLUMNS, "the CTCL mutation frequencies")
    for column in ("carriers", "patients"):
        table[column] = table[column].astype(int)
    table["frequency"] = table["frequency"].astype(float)
    return table


def ctcl_mutation_frequencies() -> pd.DataFrame:
    """The model's mutations in CTCL sequencing cohorts: one row per mutation and cohort,
    with carriers, patients, frequency (carriers / patients), whether the count is of the
    exact variant, the method, study, DOI, the data file counted and what was seen of the
    source (data/ctcl/SOURCE.md). A mutation with no sourced count has no row."""
    return _table().copy()


def cited_mutation_frequencies() -> tuple[dict[str, float], str]:
    """{mutation: frequency} of the table, by name, and a flag naming the counts and studies."""
    table = _table()
    frequencies = {catalog.mutation(r.mutation).name: float(r.frequency) for r in table.itertuples()}
    counts = ", ".join(f"{r.mutation} {r.carriers}/{r.patients}" for r in table.sort_values("mutation").itertuples())
    studies = "; ".join(f"{s} (doi:{d})" for s, d in dict.fromkeys(zip(table.study, table.doi)))
    untabulated = [m for m in catalog.mutations() if m not in frequencies]
    flag = (f"mutations: drawn at their frequency in CTCL sequencing (data/ctcl/mutation_frequencies.tsv): "
            f"{counts}, from {studies}; a variant the cohort did not carry is drawn at 0, not at its unknown "
            "true frequency")
    if untabulated:
        flag += f"; not drawn (no sourced frequency): {', '.join(untabulated)}"
    return dict(sorted(frequencies.items())), flag


__all__ = ["cited_mutation_frequencies", "ctcl_mutation_frequencies"]
