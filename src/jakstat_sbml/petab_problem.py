"""PEtab problems of our model against published JAK/STAT data.

``petab_problem(model, dataset)`` returns a ``petab.v1.Problem``: our SBML in the
dataset's cell context, the published measurements (data/petab, see its
SOURCE.md), observables mapped onto our readouts, and the draft's blot offsets,
scales and noise levels as parameters. Every simulation starts from the
unstimulated steady state (PEtab pre-equilibration with the condition
``unstimulated``; the species keep their initial assignments from the totals, so
a calibration that changes a total or a rate gets its own steady state). Doses
are nM in the condition table (ng/mL converted with the catalog's molar masses).

Datasets (:data:`DATASETS`):

- ``Sobotta_Frontiers2017``: IL-6 in primary hepatocytes (Front Physiol 8:775,
  doi:10.3389/fphys.2017.00775), context ``hepatocyte``. Kept: constant IL-6
  from time 0, measured at t >= 0, on observables our model has (phospho-STAT3
  in lysates and nuclei, pJAK1, phospho-gp130, SOCS3 mRNA and protein, % phospho-
  STAT3 by mass spectrometry, nuclear/cytoplasmic STAT3). Dropped, with the
  reason in :func:`select_measurements`: negative times (the draft starts at
  t = -60 min, PEtab v1 at 0); IL-6 pulse, wash-out and repeated-dose protocols
  (*Pulse*, *ThreeDoses*), which a constant-dose condition table cannot
  express; actinomycin D and Stattic, inhibitors our model does not have (the
  ruxolitinib conditions are not in the copy); absolute amounts without units
  (JAK1_gp130_abs, SOCS3_abs, ctSTAT3_abs); the two SOCS3_qpcr rows without
  observable parameters; blots whose scale the draft fixes at 0; and rows where
  the published model, simulated from the draft, does not reproduce the
  repository's own simulation (the draft does not encode their protocol).
- ``Raia_CancerResearch2011``: IL-13 in MedB-1 lymphoma cells (Cancer Res
  71:693, doi:10.1158/0008-5472.CAN-10-2987), context ``lymphoma``. Dropped:
  CD274 (PD-L1) mRNA, a gene outside our network. pSTAT5, SOCS3 protein and
  surface receptor are absolute in the published problem, in its model's own
  units (its initial amounts are fitted); ours are nM, so each gets a scale.

Offsets and scales convert our nM into each blot's units, so the published ones
(fitted with another model) do not apply: they start at their optimum given our
model's current simulation and the published noise levels, as hierarchical
optimisation computes it (:func:`jakstat_sbml.likelihood.profile`). Our model
has no basal phosphorylation, so every offset is estimated and positive (the
Sobotta draft fixes some at 0). Noise levels are the published fits' values and
are fixed, so that both models are judged by one noise model.

Computing the objective: :class:`Simulator` (and :func:`petab_simulations`)
simulates the problem with the Python API (re-equilibrating whenever a model
parameter changes) and ``petab.v1.calculate_llh`` turns that into the
likelihood. pyPESTO 0.7.0's RoadRunner importer cannot evaluate these problems:
its pre-equilibration (RoadRunner's Newton solver with conserved-moiety analysis,
default tolerances) fails with CV_TOO_MUCH_WORK on this model even when started
at the steady state, and replicate measurements at one time point make it ask
RoadRunner for repeated output times (CV_TOO_CLOSE).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache, reduce
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError, UnknownNameError
from .export import ExportError
from .model import Condition, Model
from .optional import require

DEFAULT_DATASET = "Sobotta_Frontiers2017"
PREEQUILIBRATION = "unstimulated"
MAX_GRID_POINTS = 200_000


def data_folder(path: str | os.PathLike | None = None) -> Path:
    """Folder of the PEtab data sets: ``path``, $JAKSTAT_PETAB_DATA, or the copies the
    package carries (data/petab of the repository, inside the package in a wheel)."""
    if path is not None:
        folder = Path(path)
        if not folder.is_dir():
            raise InputError(f"PEtab data folder not found: {folder}")
        return folder
    from .catalog import models_dir

    for candidate in (os.environ.get("JAKSTAT_PETAB_DATA"), models_dir().parent / "data" / "petab",
                      Path(__file__).resolve().parents[2] / "data" / "petab"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise InputError("PEtab data folder not found: pass data_dir= or set $JAKSTAT_PETAB_DATA "
                     "(the folder holding Sobotta_Frontiers2017/)")


# ----------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class Observable:
    """How one of the data's observables reads out of our model."""

    quantity: str  # expression of our readouts and parameters
    form: str  # "offset+scale", "scale" or "absolute": how the data's units relate to the quantity
    transformation: str  # PEtab observableTransformation
    meaning: str
    own_scale: bool = False  # absolute in the published problem (its model's units): we add a scale

    def scale_token(self, observable_id: str) -> str:
        return f"scale_{observable_id}_jakstat"


@dataclass(frozen=True)
class Dataset:
    name: str
    context: str
    cytokine: str
    dose_column: str  # in the draft's condition table, ng/mL
    observables: dict[str, Observable]
    dropped_observables: dict[str, str]  # observable -> reason
    protocol_datasets: dict[str, str] = field(default_factory=dict)  # regex on the data set name -> reason
    inhibitor_columns: dict[str, str] = field(default_factory=dict)  # non-zero value drops a row -> reason
    noise: str = "constant"  # "constant": sd; "abs+rel": sd_abs + sd_rel * observable (lin)
    not_expressed: tuple[str, ...] = ()  # what of the published model ours does not have, for the results


SOBOTTA = Dataset(
    name="Sobotta_Frontiers2017",
    context="hepatocyte",
    cytokine="IL6",
    dose_column="input_il6",
    observables={
        "pSTAT3_wb": Observable("pSTAT3", "offset+scale", "log10", "phospho-STAT3, whole-cell lysate (western blot)"),
        "pSTAT3_lumi": Observable("pSTAT3", "offset+scale", "log10", "phospho-STAT3, whole-cell lysate (Luminex)"),
        "npSTAT3_wb": Observable("nuc_pSTAT3", "offset+scale", "log10", "phospho-STAT3 in the nuclear fraction"),
        "pJAK1_wb": Observable("pJAK1", "offset+scale", "log10", "phospho-JAK1 (receptor-bound, active)"),
        # Our receptor complexes are phosphorylated as one unit (JAK and gp130 together).
        "pgp130_wb": Observable("pIL6ST", "offset+scale", "log10", "phospho-gp130: active IL-6 receptor complexes"),
        "SOCS3_qpcr": Observable("SOCS3_mRNA", "offset+scale", "log10", "SOCS3 mRNA (qRT-PCR)"),
        "SOCS3_wb": Observable("SOCS3_protein", "offset+scale", "log10", "SOCS3 protein (western blot)"),
        "pSTAT3_ms": Observable("100 * pSTAT3 / STAT3_total", "absolute", "lin",
                                "percent of STAT3 phosphorylated (mass spectrometry)"),
        "ntSTAT3_ratio": Observable("STAT3_nuc_total / STAT3_cyt_total", "absolute", "log10",
                                    "nuclear over cytoplasmic STAT3 concentration (imaging)"),
    },
    dropped_observables={
        obs: "absolute amount without units in the draft: cannot be compared with nM"
        for obs in ("JAK1_gp130_abs", "SOCS3_abs", "ctSTAT3_abs")
    },
    protocol_datasets={
        r"Pulse": "IL-6 pulse and wash-out: not a constant dose from time 0",
        r"ThreeDoses": "repeated IL-6 additions: not a constant dose from time 0",
        r"ActD": "actinomycin D protocol: an inhibitor the model does not have",
    },
    inhibitor_columns={
        "input_stattic": "Stattic: an inhibitor the model does not have",
        "input_actd": "actinomycin D: an inhibitor the model does not have",
        "input_ruxolitinib": "ruxolitinib schedule with degradation: not in this problem",
    },
    not_expressed=(
        "IL-6 pulse/wash-out and repeated-dose experiments (the draft's condition table has constant inputs "
        "only; its own simulations of them disagree with the repository's)",
        "actinomycin D and Stattic experiments (inhibitors our model does not have); the ruxolitinib "
        "experiments are not in the copy of the data",
        "absolute amounts without units (JAK1_gp130_abs, SOCS3_abs, ctSTAT3_abs)",
        "measurements before IL-6 (t = -10 min; PEtab v1 starts at 0)",
        "basal (IL-6-independent) receptor activation: the published model has it (jak1_act_basal), ours has "
        "no phospho-STAT3 without cytokine, so blot offsets stand for the basal signal",
    ),
)

RAIA = Dataset(
    name="Raia_CancerResearch2011",
    context="lymphoma",
    cytokine="IL13",
    dose_column="il13_level",
    observables={
        "observable_pJAK2": Observable("pJAK2", "scale", "lin", "phospho-JAK2 (immunoblot)"),
        "observable_pIL4Ra": Observable("pIL4R", "scale", "lin", "phospho-IL-4R alpha (immunoblot)"),
        "observable_pSTAT5": Observable("pSTAT5", "scale", "lin", "phospho-STAT5 (immunoblot)", own_scale=True),
        "observable_SOCS3mRNA": Observable("SOCS3_mRNA", "scale", "lin", "SOCS3 mRNA (qRT-PCR)"),
        "observable_SOCS3": Observable("SOCS3_protein", "scale", "lin", "SOCS3 protein (immunoblot)",
                                       own_scale=True),
        "observable_IL13_cell": Observable("IL13_bound", "scale", "lin", "cell-bound IL-13 (radioligand)"),
        "observable_RecSurf": Observable("IL13RA1_surface", "scale", "lin",
                                         "surface IL-13 receptor (flow cytometry)", own_scale=True),
    },
    dropped_observables={
        "observable_CD274mRNA": "CD274 (PD-L1) mRNA: the gene is not in the network",
    },
    noise="abs+rel",
    not_expressed=(
        "CD274 (PD-L1) mRNA: a STAT5 target gene outside our network",
        "the decoy receptor IL13RA2: the published model binds IL-13 to it (IL13_cell includes it); ours has "
        "no IL13RA2, so cell-bound IL-13 is the signalling receptors' only",
        "an internal receptor pool that recycles to the surface (Rec_i, Rec_recycle): ours makes new chains "
        "at the constitutive turnover rate instead",
    ),
)

DATASETS = {d.name: d for d in (SOBOTTA, RAIA)}


def dataset(name: str) -> Dataset:
    """The dataset mapped onto our model (:data:`DATASETS`), by name."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise UnknownNameError("PEtab dataset", name, list(DATASETS)) from None


_dataset = dataset  # the name the exporter used


def _draft(ds: Dataset, folder: Path) -> dict[str, pd.DataFrame]:
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
    from .published import PublishedModel

    return tuple(bool(v) for v in PublishedModel(name, folder).reproduces_repository())


def select_measurements(dataset: str = DEFAULT_DATASET, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The draft's measurement table with ``datasetId``, the dose (ng/mL) and
    ``reason``: why a row is left out ('' for rows the problem keeps)."""
    ds = _dataset(dataset)
    folder = data_folder(data_dir)
    draft = _draft(ds, folder)
    m = draft["measurement"].copy()
    conditions = draft["condition"].set_index("conditionId")
    m["datasetId"] = [_data_set_name(r) for _, r in m.iterrows()]
    m["dose_ng_per_mL"] = m["simulationConditionId"].map(conditions[ds.dose_column]).astype(float)
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


# ----------------------------------------------------------------------------- problem


def observable_formula(obs_id: str, o: Observable) -> str:
    """PEtab formula of an observable (placeholders for offset and scale)."""
    if o.form == "offset+scale":
        return f"observableParameter1_{obs_id} + observableParameter2_{obs_id} * ({o.quantity})"
    if o.form == "scale":
        return f"observableParameter1_{obs_id} * ({o.quantity})"
    return o.quantity


def petab_problem(model: Model, dataset: str = DEFAULT_DATASET, *, data_dir: str | os.PathLike | None = None,
                  estimate: Iterable[str] = ()):
    """The PEtab problem of ``model`` against ``dataset`` (a ``petab.v1.Problem``).

    ``model`` must be in the dataset's context (hepatocyte for Sobotta 2017,
    lymphoma for Raia 2011). ``estimate`` lists model parameters (ids of
    models/parameters.tsv) to add to the parameter table as estimated (log10
    scale, bounds 1/1000x to 1000x of the current value); by default only the
    observables' offsets and scales are estimated (noise levels are the
    published ones, fixed). The module docstring says what of the data is kept.
    """
    Problem = require("petab.v1", "a PEtab problem").Problem
    SbmlModel = require("petab.v1.models.sbml_model", "a PEtab problem").SbmlModel

    ds = _dataset(dataset)
    if model.context != ds.context:
        raise InputError(f"{ds.name} was measured in context {ds.context!r}, but the model is in "
                         f"{model.context!r}: load it with js.load_model(context={ds.context!r}) "
                         f"(command line: --context {ds.context})")
    to_estimate = _model_parameters_to_estimate(model, estimate)
    folder = data_folder(data_dir)
    rows = select_measurements(ds.name, folder)
    kept = rows[rows["reason"] == ""]

    doc = sbml_with_totals(model)
    formulas = {obs_id: observable_formula(obs_id, ds.observables[obs_id])
                for obs_id in sorted(set(kept["observableId"]))}
    noise = {o: (f"noiseParameter1_{o}" if ds.noise == "constant"
                 else f"noiseParameter1_{o} + noiseParameter2_{o} * ({f})") for o, f in formulas.items()}
    observable_df = pd.DataFrame({
        "observableId": list(formulas),
        "observableName": [ds.observables[o].meaning for o in formulas],
        "observableFormula": list(formulas.values()),
        "observableTransformation": [ds.observables[o].transformation for o in formulas],
        "noiseFormula": [noise[o] for o in formulas],
        "noiseDistribution": "normal",
    }).set_index("observableId")

    # One condition per draft condition (each belongs to one experiment), so that an
    # observable's offset and scale are the same throughout a condition, as PEtab
    # tools (pyPESTO, AMICI) need.
    cytokine = catalog.CYTOKINES[ds.cytokine]
    first = kept.drop_duplicates("simulationConditionId")
    condition_df = pd.DataFrame(
        [{"conditionId": PREEQUILIBRATION, "conditionName": f"no {ds.cytokine} (pre-equilibration)",
          cytokine.dose_parameter: 0.0}]
        + [{"conditionId": r.simulationConditionId, "conditionName": f"{ds.cytokine} {r.dose_ng_per_mL:g} ng/mL "
            f"({r.datasetId})", cytokine.dose_parameter: _nM(ds.cytokine, r.dose_ng_per_mL)}
           for r in first.itertuples()]
    ).set_index("conditionId")

    tokens = [ds.observables[o].scale_token(o) if ds.observables[o].own_scale else p
              for o, p in zip(kept["observableId"], kept["observableParameters"].fillna(""))]
    measurement_df = pd.DataFrame({
        "observableId": kept["observableId"],
        "preequilibrationConditionId": PREEQUILIBRATION,
        "simulationConditionId": kept["simulationConditionId"],
        "measurement": kept["measurement"].astype(float),
        "time": kept["time"].astype(float),
        "observableParameters": tokens,
        "noiseParameters": kept["noiseParameters"].astype(str),
        "datasetId": kept["datasetId"],
    }).reset_index(drop=True)

    draft_parameters = _draft(ds, folder)["parameter"]
    own = sorted({ds.observables[o].scale_token(o) for o in formulas if ds.observables[o].own_scale})
    parameter_df = _parameter_table(draft_parameters, measurement_df, to_estimate, own)
    problem = Problem(model=SbmlModel(sbml_model=doc.getModel(), sbml_document=doc,
                                      model_id=doc.getModel().getId()),
                      condition_df=condition_df, measurement_df=measurement_df,
                      observable_df=observable_df, parameter_df=parameter_df)
    _start_offsets_and_scales(problem, model, ds)
    return problem


def sbml_with_totals(model: Model):
    """libSBML document of ``model`` with its context's values and no doses; the species'
    initial assignments from the totals stay (PEtab pre-equilibrates from them)."""
    import libsbml

    doc = libsbml.readSBMLFromFile(str(model.path))
    m = doc.getModel()
    for pid, value in model.parameters_for(Condition()).items():
        m.getParameter(pid).setValue(value)
    m.setName(f"{m.getName()} [context {model.context!r}]")
    if m.appendNotes(
        '<body xmlns="http://www.w3.org/1999/xhtml"><p>PEtab copy exported by jakstat-sbml: parameters '
        f"carry context {model.context!r}; species start from the totals (initial assignments) and are "
        "pre-equilibrated without cytokine.</p></body>"
    ) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ExportError("libSBML could not add the export notes")
    return doc


def _nM(cytokine: str, ng_per_ml: float) -> float:
    return dict(Condition.make(cytokines={cytokine: f"{float(ng_per_ml)!r} ng/mL"}).cytokines)[cytokine]


def _model_parameters_to_estimate(model: Model, estimate: Iterable[str]) -> dict[str, float]:
    if isinstance(estimate, str):
        estimate = [estimate]
    values = model.parameters_for(Condition())
    allowed = [p for p in values if not p.startswith("dose_")]
    out = {}
    for pid in estimate:
        if pid not in allowed:
            raise UnknownNameError("model parameter to estimate", pid, allowed)
        if not values[pid] > 0:
            raise InputError(f"{pid} is {values[pid]:g} in context {model.context!r}: "
                             "only positive parameters can be estimated on log10 scale")
        out[pid] = values[pid]
    return out


def split_tokens(field) -> list[str]:
    """The entries of an observableParameters / noiseParameters field."""
    if field is None or (isinstance(field, float) and math.isnan(field)):
        return []
    return [t.strip() for t in str(field).split(";") if t.strip()]


def _tokens(column: pd.Series) -> set[str]:
    """Parameter ids (not numbers) in an observableParameters / noiseParameters column."""
    return {t for name in column.dropna() for t in split_tokens(name) if not _is_number(t)}


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _parameter_table(draft: pd.DataFrame, measurement_df: pd.DataFrame, model_parameters: dict[str, float],
                     own_scales: list[str]):
    needed = _tokens(measurement_df["observableParameters"]) | _tokens(measurement_df["noiseParameters"])
    needed -= set(own_scales)
    draft = draft.set_index("parameterId")
    missing = sorted(needed - set(draft.index))
    if missing:
        raise ExportError(f"the draft's parameter table lacks {', '.join(missing[:5])}")
    table = draft.loc[sorted(needed), ["parameterName", "parameterScale", "lowerBound", "upperBound",
                                       "nominalValue"]].copy()
    noise = _tokens(measurement_df["noiseParameters"])
    nuisance = table.index.difference(list(noise))
    # Our model has no basal phosphorylation, so every blot needs a positive
    # background: the draft's offsets fixed at 0 (lin scale) become estimated on
    # log10 scale; offsets and scales get wide bounds (our units are nM, not the
    # published model's).
    table.loc[nuisance, ["parameterScale", "lowerBound", "upperBound"]] = ["log10", 1e-15, 1e15]
    table.loc[table["nominalValue"] <= 0, "nominalValue"] = 1.0  # replaced by the start fit
    table["estimate"] = 1
    table.loc[table.index.isin(list(noise)), "estimate"] = 0  # the published noise levels, fixed
    for pid in own_scales:
        table.loc[pid] = {"parameterName": pid, "parameterScale": "log10", "lowerBound": 1e-15,
                          "upperBound": 1e15, "nominalValue": 1.0, "estimate": 1}
    for pid, value in model_parameters.items():
        table.loc[pid] = {"parameterName": pid, "parameterScale": "log10", "lowerBound": value / 1000,
                          "upperBound": value * 1000, "nominalValue": value, "estimate": 1}
    table.index.name = "parameterId"
    return table


def observations(problem, noise_values: Mapping[str, float] | None = None):
    """The :class:`~jakstat_sbml.likelihood.Observations` of a problem made here:
    measurements, transformation, published noise levels, offset/scale tokens."""
    from .likelihood import Observations

    m = problem.measurement_df
    nominal = problem.parameter_df["nominalValue"].astype(float).to_dict()
    nominal.update(noise_values or {})
    obs_df = problem.observable_df
    cols = {k: [] for k in ("offset_id", "scale_id", "offset", "scale", "noise_abs", "noise_rel")}
    for _, row in m.iterrows():
        formula = obs_df.loc[row["observableId"], "observableFormula"]
        tokens = split_tokens(row["observableParameters"])
        placeholders = sorted(set(re.findall(r"observableParameter(\d)_", formula)))
        if placeholders == ["1", "2"]:
            ids = tokens
        elif placeholders == ["1"]:
            ids = ["", tokens[0]]
        else:
            ids = ["", ""]
        for what, token, default in (("offset", ids[0], 0.0), ("scale", ids[1], 1.0)):
            if token and _is_number(token):
                cols[f"{what}_id"].append("")
                cols[what].append(float(token))
            else:
                cols[f"{what}_id"].append(token)
                cols[what].append(nominal.get(token, default) if token else default)
        noise = [nominal[t] if t in nominal else float(t) for t in split_tokens(row["noiseParameters"])]
        cols["noise_abs"].append(noise[0])
        cols["noise_rel"].append(noise[1] if len(noise) > 1 else 0.0)
    log10 = obs_df.loc[m["observableId"], "observableTransformation"].to_numpy() == "log10"
    return Observations.from_frame(pd.DataFrame({"measurement": m["measurement"].to_numpy(float),
                                                 "log10": log10, **cols}))


def model_parameter_values(problem, model: Model) -> dict[str, float]:
    """The problem's values of model parameters (those in its parameter table)."""
    known = model.parameters_for(Condition())
    return {p: float(v) for p, v in problem.parameter_df["nominalValue"].items() if p in known}


def _start_offsets_and_scales(problem, model: Model, ds: Dataset) -> None:
    """Start each blot's offset and scale at their joint optimum given the current
    simulation and the published noise levels (as hierarchical optimisation does)."""
    from .likelihood import profile

    obs = observations(problem)
    quantities = {o: ds.observables[o].quantity for o in problem.observable_df.index}
    q = Simulator(model, problem.measurement_df, problem.condition_df, quantities).values(
        model_parameter_values(problem, model))
    fit = profile(obs, q)
    par = problem.parameter_df
    for token, value in fit.nuisance.items():
        lo, hi = par.loc[token, ["lowerBound", "upperBound"]].astype(float)
        par.loc[token, "nominalValue"] = float(np.clip(value, lo, hi)) if value > 0 else float(lo)


# ----------------------------------------------------------------------------- simulation


def _grid(times: Iterable[float]) -> tuple[float, int, float]:
    """An evenly spaced grid from 0 through every time: (t_end, points, step)."""
    fr = [Fraction(float(t)).limit_denominator(10**6) for t in times]
    if any(f < 0 for f in fr):
        raise InputError("PEtab times must be >= 0")
    nonzero = [f for f in fr if f > 0]
    if not nonzero:
        return 1.0, 2, 1.0
    step = reduce(lambda a, b: Fraction(math.gcd(a.numerator * b.denominator, b.numerator * a.denominator),
                                        a.denominator * b.denominator), nonzero)
    t_end = max(nonzero)
    points = int(t_end / step) + 1
    if points > MAX_GRID_POINTS:
        raise InputError(f"measurement times need a grid of {points} points (step {float(step):g} min)")
    return float(t_end), points, float(step)


class Simulator:
    """Values of observable formulas for every row of a measurement table, from
    simulations with the Python API.

    ``formulas`` maps observable ids to expressions of our readouts, parameters
    and PEtab placeholders (``observableParameter1_<id>`` ...). Everything that
    does not depend on the parameters (which conditions to simulate, on which
    time grid, which rows read which grid points, the compiled formulas) is
    prepared once, so that :meth:`values` only simulates; a calibration calls it
    for every parameter vector. Conditions that differ only by name (the same
    dose in several experiments) are simulated once.
    """

    def __init__(self, model: Model, measurements: pd.DataFrame, conditions: pd.DataFrame,
                 formulas: Mapping[str, str]):
        sp = require("sympy", "PEtab observables")
        sympify_petab = require("petab.v1.math", "PEtab observables").sympify_petab

        self.model = model
        self.n = len(measurements)
        doses = self._doses(conditions)
        parameters = set(model.parameters_for(Condition()))
        placeholder = re.compile(r"^(observableParameter|noiseParameter)\d+_")
        exprs = {o: sympify_petab(f) for o, f in formulas.items()}
        m = measurements.reset_index(drop=True)
        unknown_obs = sorted(set(m["observableId"]) - set(exprs))
        if unknown_obs:
            raise InputError(f"no formula for observable(s) {', '.join(unknown_obs)}")
        key = m["simulationConditionId"].map(lambda cid: tuple(sorted(doses[cid].items())))
        self._groups = []
        for dose_key, rows in m.groupby(key, sort=False):
            t_end, points, step = _grid(rows["time"])
            index = np.rint(rows["time"].to_numpy(float) / step).astype(int)
            readouts: set[str] = set()
            parts = []
            pars_column = rows["observableParameters"].fillna("").astype(str) if "observableParameters" in rows \
                else pd.Series("", index=rows.index)
            for (obs, pars), sub in rows.groupby([rows["observableId"], pars_column], sort=False):
                e = exprs[obs]
                args = []
                symbols = sorted(e.free_symbols, key=lambda s: s.name)
                tokens = split_tokens(pars)
                for s in symbols:
                    name = s.name
                    if placeholder.match(name):
                        k = int(re.match(r"^\D+(\d+)_", name).group(1))
                        if k > len(tokens):
                            raise InputError(f"observable {obs}: no value for {name}")
                        token = tokens[k - 1]
                        args.append(("number", float(token)) if _is_number(token) else ("token", token))
                    elif name in catalog.READOUTS:
                        readouts.add(name)
                        args.append(("readout", name))
                    elif name in parameters:
                        args.append(("parameter", name))
                    else:
                        raise InputError(f"observable {obs}: {name!r} is no readout or parameter of the model")
                f = sp.lambdify(symbols, e, "numpy")
                at = index[[rows.index.get_loc(i) for i in sub.index]]
                parts.append((f, args, at, sub.index.to_numpy()))
            self._groups.append((dict(dose_key), t_end, points, sorted(readouts), parts))

    def _doses(self, conditions: pd.DataFrame) -> dict[str, dict[str, float]]:
        dose_of = {c.dose_parameter: n for n, c in catalog.CYTOKINES.items()}
        out = {}
        for cid, row in conditions.iterrows():
            d = {}
            for column, v in row.items():
                if column == "conditionName" or pd.isna(v):
                    continue
                if column not in dose_of:
                    raise InputError(f"condition {cid}: column {column!r} is not a cytokine dose")
                d[dose_of[column]] = float(v)
            out[cid] = d
        return out

    def values(self, parameters: Mapping[str, float] | None = None,
               tokens: Mapping[str, float] | None = None) -> np.ndarray:
        """Each row's formula value with model ``parameters`` (overrides of the
        context's values) and placeholder ``tokens`` (offsets, scales)."""
        out = np.full(self.n, np.nan)
        overrides = dict(parameters or {})
        tokens = tokens or {}
        for doses, t_end, points, readouts, parts in self._groups:
            cond = Condition.make(cytokines={k: v for k, v in doses.items() if v}, parameters=overrides,
                                  t_end=t_end, points=points)
            values = {}
            if readouts:
                df = self.model.run(cond, readouts=readouts)
                values = {r: df[r].to_numpy() for r in readouts}
            params = self.model.parameters_for(cond) if any(a[0] == "parameter" for p in parts for a in p[1]) else {}
            for f, args, at, rows in parts:
                vals = []
                for kind, name in args:
                    if kind == "readout":
                        vals.append(values[name][at])
                    elif kind == "parameter":
                        vals.append(params[name])
                    elif kind == "token":
                        vals.append(tokens[name])
                    else:
                        vals.append(name)
                out[rows] = np.broadcast_to(np.asarray(f(*vals), float), len(rows))
        return out


def petab_simulations(model: Model, problem) -> pd.DataFrame:
    """PEtab simulation table of ``problem`` computed with the Python API.

    Each simulation condition becomes a :class:`Condition` (doses from the
    condition table, model parameters of the parameter table at their nominal
    values), run from the unstimulated steady state of the genotype (what PEtab's
    pre-equilibration asks for). Use with ``petab.v1.calculate_llh``.
    """
    formulas = problem.observable_df["observableFormula"].to_dict()
    nominal = problem.parameter_df["nominalValue"].astype(float).to_dict()
    simulator = Simulator(model, problem.measurement_df, problem.condition_df, formulas)
    sim = problem.measurement_df.drop(columns="measurement").copy()
    sim["simulation"] = simulator.values(model_parameter_values(problem, model), nominal)
    return sim


# ----------------------------------------------------------------------------- files


def write_petab(model: Model, folder: Path, *, dataset: str = DEFAULT_DATASET, condition: Condition | None = None,
                data_dir: str | os.PathLike | None = None) -> Path:
    """Write the problem to ``folder`` (problem.yaml, model.xml, the tables and a README)."""
    lint_problem = require("petab.v1.lint", "PEtab export").lint_problem

    if condition is not None and (condition.cytokines or condition.drugs or condition.knockouts
                                  or condition.overexpress or condition.mutations or condition.parameters
                                  or condition.preincubation):
        raise InputError("a PEtab problem takes its conditions from the data (wild type, the data's doses): "
                         f"export it without a condition, not [{condition.label()}]")
    problem = petab_problem(model, dataset, data_dir=data_dir)
    if lint_problem(problem):
        raise ExportError(f"petab's linter rejects the {dataset} problem (see the log)")
    folder.mkdir(parents=True, exist_ok=True)
    yaml = problem.to_files_generic(folder)
    rows = select_measurements(dataset, data_dir)
    counts = rows.groupby("reason").size()
    lines = [f"# PEtab problem: jakstat-sbml against {dataset}", "",
             f"Written by jakstat-sbml (`js.export(model, ..., format=\"petab\")`), context {model.context!r}.",
             "Run `petablint -y problem.yaml`. Doses are nM; time is min.", "",
             f"Measurements kept: {int(counts.get('', 0))} of {len(rows)} in the draft. Left out:", ""]
    lines += [f"- {n}: {reason}" for reason, n in counts.items() if reason]
    lines += ["", "See `jakstat_sbml.petab_problem` for the observable mapping and the reasons."]
    (folder / "README.md").write_text("\n".join(lines) + "\n")
    return Path(yaml)
