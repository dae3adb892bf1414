"""Which of a dataset's published measurements our model is judged on, and why the
others are left out (:func:`select_measurements`); reading PEtab parameter fields."""

from __future__ import annotations

import math
import os
import re
from functools import cache
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .datasets import DEFAULT_DATASET, Dataset, data_folder
from .datasets import dataset as dataset_by_name


def draft_tables(ds: Dataset, folder: Path) -> dict[str, pd.DataFrame]:
    base = folder / ds.name
    tables = {}
    for key, pattern in (("measurement", "measurementData_{}.tsv"), ("condition", "experimentalCondition_{}.tsv"),
                         ("parameter", "parameters_{}.tsv")):
        path = base / pattern.format(ds.name)
        if not path.exists():
            raise InputError(f"{ds.name}: {path} is missing")
        tables[key] = pd.read_csv(path, sep="\t")
    return tables


def _data_set_name(row: pd.Series) -> str:
    """The experiment a row belongs to: its datasetId, else from its parameter names (the
    Sobotta draft has no datasetId column)."""
    given = row.get("datasetId")
    if isinstance(given, str) and given:
        return given
    for name in (row.get("observableParameters"), row.get("noiseParameters")):
        if isinstance(name, str):
            for token in name.split(";"):
                m = re.match(r"^(?:offset|scale|sd)_[a-z0-9]+_(?:wb|qpcr|lumi|ms|abs|ratio)_(.+)$", token.strip())
                if m:
                    return m.group(1)
    return f"{row['observableId']}_{row['simulationConditionId']}"


@cache
def _reproduced(name: str, folder: str) -> tuple[bool, ...]:
    from .published import PublishedModel  # simulates with RoadRunner: load on demand

    return tuple(bool(v) for v in PublishedModel(name, folder).reproduces_repository())


def select_measurements(dataset: str = DEFAULT_DATASET, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The draft's measurement table with ``datasetId``, the dose (ng/mL) and
    ``reason``: why a row is left out ('' for rows the problem keeps)."""
    ds = dataset_by_name(dataset)
    folder = data_folder(data_dir)
    draft = draft_tables(ds, folder)
    m = draft["measurement"].copy()
    conditions = draft["condition"].set_index("conditionId")
    m["datasetId"] = [_data_set_name(r) for _, r in m.iterrows()]
    published_input = (m["simulationConditionId"].map(conditions[ds.dose_column]).astype(float) if ds.dose_column
                       else pd.Series(ds.fixed_input, index=m.index, dtype=float))
    m["dose_ng_per_mL"] = published_input * ds.input_ng_per_mL
    p = draft["parameter"]
    switched_off = set(p.loc[p["parameterId"].str.startswith("scale_") & (p["estimate"] == 0)
                             & (p["nominalValue"] == 0), "parameterId"])
    reproduced = _reproduced(ds.name, str(folder))
    reasons = []
    for i, (_, row) in enumerate(m.iterrows()):
        reason = ""
        obs = ds.observables.get(row["observableId"])
        has_tokens = isinstance(row.get("observableParameters"), str) and row["observableParameters"].strip()
        if row["observableId"] in ds.dropped_observables:
            reason = ds.dropped_observables[row["observableId"]]
        elif obs is None:
            reason = "observable not mapped onto the model"
        elif row["simulationConditionId"] in ds.dropped_conditions:
            reason = ds.dropped_conditions[row["simulationConditionId"]]
        elif row["time"] < 0:
            reason = "negative time: PEtab simulations start at t = 0"
        elif obs.form != "absolute" and not obs.own_scale and not has_tokens:
            reason = "no observable parameters (offset, scale) given"
        elif has_tokens and any(t.strip() in switched_off for t in str(row["observableParameters"]).split(";")):
            reason = "the draft fixes this blot's scale at 0: the published fit left it out"
        else:
            for pattern, why in ds.protocol_datasets.items():
                if re.search(pattern, row["datasetId"]):
                    reason = why
                    break
            for column, why in ds.inhibitor_columns.items():
                if not reason and column in conditions and conditions.loc[row["simulationConditionId"], column] != 0:
                    reason = why
            if not reason and not reproduced[i]:
                reason = ("the published model, simulated from the draft, does not reproduce the repository's "
                          "simulation here: the draft does not encode this row's protocol")
        reasons.append(reason)
    m["reason"] = reasons
    return m


def split_tokens(field) -> list[str]:
    """The entries of an observableParameters / noiseParameters field."""
    if field is None or (isinstance(field, float) and math.isnan(field)):
        return []
    return [t.strip() for t in str(field).split(";") if t.strip()]


def parameter_ids(column: pd.Series) -> set[str]:
    """Parameter ids (not numbers) in an observableParameters / noiseParameters column."""
    return {t for name in column.dropna() for t in split_tokens(name) if not is_number(t)}


def is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True

