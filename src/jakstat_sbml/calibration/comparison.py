"""Our calibrated model beside the published one on the same measurements, noise
model and profiled offsets/scales (:func:`compare`), and the curves of both fits
for the figures (:func:`fit_curves`)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import UnknownNameError
from .datasets import ALL_DATASETS, DATASETS
from .datasets import dataset as dataset_by_name
from .likelihood import Fit, observe, profile
from .measurements import select_measurements
from .objective import Objective
from .problem import observations
from .published import PublishedModel
from .simulator import Simulator


@dataclass
class Comparison:
    """Our best fit and the published model's on the same measurements."""

    dataset: str
    table: pd.DataFrame  # model, nllh, chi2, n (+ prior_nllh for the published reference)
    measurements: pd.DataFrame  # the measurements compared (the published problem's rows)
    ours: Fit | None
    published: Fit  # offsets/scales profiled, like ours
    published_nominal: Fit

    @property
    def chi2_ratio(self) -> float:
        """Our chi2 over the published model's (offsets and scales profiled for both)."""
        return self.ours.chi2 / self.published.chi2 if self.ours is not None else math.nan


def compare(dataset: str, *, objective: Objective | None = None, values: Mapping[str, float] | None = None,
            data_dir: str | os.PathLike | None = None) -> Comparison:
    """-log L, chi2 and n of our model (at ``values``, default: the context's
    current ones) beside the published model on the same measurements and noise.
    """
    if dataset not in ALL_DATASETS:
        raise UnknownNameError("dataset", dataset, list(ALL_DATASETS))
    published = PublishedModel(dataset, data_dir)
    rows = []
    ours = None
    if dataset in DATASETS:
        objective = objective or Objective(dataset, data_dir=data_dir)
        ours = objective.fit(values)
        kept = select_measurements(dataset, data_dir)
        measurements = published.problem.measurement_df.loc[kept.index[kept["reason"] == ""]]
        prior = 0.0
    else:
        measurements = published.problem.measurement_df
        prior = published.prior_nllh()
    nominal = published.nominal_fit(measurements)
    obs, q = published.observations(measurements)
    profiled = profile(obs, q)
    if ours is not None:
        rows.append({"model": "ours (calibrated)", "nllh": ours.nllh, "chi2": ours.chi2, "n": ours.n,
                     "prior_nllh": 0.0})
    rows.append({"model": "published, offsets/scales profiled", "nllh": profiled.nllh, "chi2": profiled.chi2,
                 "n": profiled.n, "prior_nllh": 0.0})
    rows.append({"model": "published, as published", "nllh": nominal.nllh + prior, "chi2": nominal.chi2,
                 "n": nominal.n, "prior_nllh": prior})
    table = pd.DataFrame(rows)
    table["chi2_over_published"] = table["chi2"] / profiled.chi2
    return Comparison(dataset, table, measurements, ours, profiled, nominal)


# ----------------------------------------------------------------------------- curves for plots

CURVE_POINTS = 121


def _series_labels(dataset: str, data_dir) -> dict[str, str]:
    """Condition id -> legend label (dose)."""
    if dataset in DATASETS:
        ds = dataset_by_name(dataset)
        rows = select_measurements(dataset, data_dir)
        doses = rows.drop_duplicates("simulationConditionId").set_index("simulationConditionId")["dose_ng_per_mL"]
        return {cid: f"{ds.cytokine} {d:g} ng/mL" for cid, d in doses.items()}
    cond = PublishedModel(dataset, data_dir).problem.condition_df
    labels = {}
    for cid, row in cond.iterrows():
        name = row.get("conditionName")
        epo = row.get("Epo")
        label = str(name) if isinstance(name, str) and name else str(cid)
        labels[cid] = f"{label}, Epo {epo:g}" if epo is not None and not pd.isna(epo) else label
    return labels


def _dense(rows: pd.DataFrame, keys: list[str], points: int) -> pd.DataFrame:
    """For each group of ``rows`` sharing ``keys``: the same row at ``points`` times from 0 to its last time."""
    out = []
    for _, g in rows.groupby(keys, sort=False, dropna=False):
        t_end = float(g["time"].max()) or 1.0
        times = np.linspace(0.0, t_end, points)
        d = pd.DataFrame({k: g[k].iloc[0] for k in rows.columns}, index=range(points))
        d["time"] = times
        d["measurement"] = 1.0
        out.append(d)
    return pd.concat(out, ignore_index=True) if out else rows.iloc[:0]


def fit_curves(comparison: Comparison, *, objective: Objective | None = None,
               values: Mapping[str, float] | None = None, data_dir=None,
               points: int = CURVE_POINTS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy data points and model curves (ours at ``values``, the published model with
    its profiled offsets/scales) for :func:`jakstat_sbml.plots.calibration_fits`."""
    from types import SimpleNamespace

    dataset = comparison.dataset
    labels = _series_labels(dataset, data_dir)
    published = PublishedModel(dataset, data_dir)
    m = comparison.measurements.copy()
    if objective is not None:
        m["panel"] = objective.problem.measurement_df["datasetId"].to_numpy()
    elif "datasetId" in m and m["datasetId"].notna().all():
        m["panel"] = m["datasetId"]
    else:
        m["panel"] = m["simulationConditionId"].map(labels)
    m["series"] = m["simulationConditionId"].map(labels)
    data = m[["observableId", "panel", "series", "time", "measurement"]].reset_index(drop=True)

    curves = []
    keys = ["observableId", "simulationConditionId", "observableParameters", "panel"]
    pub_rows = m.copy()
    pub_rows["observableParameters"] = pub_rows["observableParameters"].astype(object).fillna("") \
        if "observableParameters" in pub_rows else ""
    dense = _dense(pub_rows, keys, points)
    obs, q = published.observations(dense.drop(columns=["panel", "series"]))
    h = observe(obs, q, comparison.published.nuisance)
    curves.append(pd.DataFrame({"observableId": dense["observableId"], "panel": dense["panel"],
                                "series": dense["simulationConditionId"].map(labels), "model": "published",
                                "time": dense["time"], "value": h}))
    if objective is not None and comparison.ours is not None:
        ours = objective.problem.measurement_df.copy()
        ours["panel"] = ours["datasetId"]
        dense = _dense(ours, keys, points)
        quantities = {o: objective.dataset.observables[o].quantity for o in objective.problem.observable_df.index}
        sim = Simulator(objective.model, dense, objective.problem.condition_df, quantities)
        q = sim.values(values or {})
        shaped = SimpleNamespace(measurement_df=dense, parameter_df=objective.problem.parameter_df,
                                 observable_df=objective.problem.observable_df)
        h = observe(observations(shaped), q, comparison.ours.nuisance)
        curves.insert(0, pd.DataFrame({"observableId": dense["observableId"], "panel": dense["panel"],
                                       "series": dense["simulationConditionId"].map(labels), "model": "ours",
                                       "time": dense["time"], "value": h}))
    return data, pd.concat(curves, ignore_index=True)


# ----------------------------------------------------------------------------- results

def observable_labels(dataset: str, observable: str) -> tuple[str, str]:
    """(figure title, y axis label with unit) of an observable."""
    if dataset in DATASETS and observable in dataset_by_name(dataset).observables:
        o = dataset_by_name(dataset).observables[observable]
        if o.form == "absolute":
            unit = "% of STAT3" if "100 *" in o.quantity else "nuclear/cytoplasmic"
        else:
            unit = "a.u."
        return f"{dataset}: {o.meaning}", f"{observable} ({unit})"
    return f"{dataset}: {observable}", f"{observable} (units of the data)"
