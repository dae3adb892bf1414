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
- ``Boehm_JProteomeRes2014``: EPO in BaF3-EPOR cells (J Proteome Res 13:5685,
  doi:10.1021/pr5006923), context ``baf3_epor``: the antibody-corrected STAT5A/B
  phosphorylation and dimer fractions, all 48 rows.
- ``Bachmann_MSB2011``: EPO in CFU-E progenitors (Mol Syst Biol 7:516,
  doi:10.1038/msb.2011.50), context ``erythroid``. Dropped: actinomycin D, and the
  CIS/SOCS3/SHP-1 overexpression cells, which the copy's condition table does not
  encode. mRNA fold changes are 1 + scale x the induced mRNA, as published.

Offsets and scales convert our nM into each blot's units, so the published ones
(fitted with another model) do not apply: they start at their optimum given our
model's current simulation and the published noise levels, as hierarchical
optimisation computes it (:func:`jakstat_sbml.calibration.likelihood.profile`). Our model
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

import os
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import ExportError, InputError, UnknownNameError
from ..model import Condition, Model
from ..optional import require
from .datasets import DEFAULT_DATASET, Dataset, Observable, data_folder
from .datasets import dataset as dataset_by_name
from .likelihood import Observations, profile
from .measurements import draft_tables, is_number, parameter_ids, select_measurements, split_tokens
from .simulator import Simulator, model_parameter_values

PREEQUILIBRATION = "unstimulated"


def observable_formula(obs_id: str, o: Observable) -> str:
    """PEtab formula of an observable (placeholders for offset and scale)."""
    if o.form == "offset+scale":
        return f"observableParameter1_{obs_id} + observableParameter2_{obs_id} * ({o.quantity})"
    if o.form == "scale":
        return f"observableParameter1_{obs_id} * ({o.quantity})"
    if o.form == "offset":
        return f"observableParameter1_{obs_id} + ({o.quantity})"
    if o.form == "fold":  # fold over unstimulated: 1 + scale x the induced part
        return f"1 + observableParameter1_{obs_id} * ({o.quantity})"
    return o.quantity


def petab_problem(model: Model, dataset: str = DEFAULT_DATASET, *, data_dir: str | os.PathLike | None = None,
                  estimate: Iterable[str] = ()):
    """The PEtab problem of ``model`` against ``dataset`` (a ``petab.v1.Problem``).

    ``model`` must be in the dataset's context (hepatocyte for Sobotta 2017,
    lymphoma for Raia 2011, baf3_epor for Boehm 2014, erythroid for Bachmann 2011). ``estimate`` lists model parameters (ids of
    models/parameters.tsv) to add to the parameter table as estimated (log10
    scale, bounds 1/1000x to 1000x of the current value); by default only the
    observables' offsets and scales are estimated (noise levels are the
    published ones, fixed). The module docstring says what of the data is kept.
    """
    Problem = require("petab.v1", "a PEtab problem").Problem
    SbmlModel = require("petab.v1.models.sbml_model", "a PEtab problem").SbmlModel

    ds = dataset_by_name(dataset)
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
              for o, p in zip(kept["observableId"], kept["observableParameters"].astype(object).fillna(""))]
    measurement_df = pd.DataFrame({
        "observableId": kept["observableId"],
        "preequilibrationConditionId": PREEQUILIBRATION,
        "simulationConditionId": kept["simulationConditionId"],
        "measurement": kept["measurement"].astype(float),
        "time": kept["time"].astype(float),
        "observableParameters": tokens,
        "noiseParameters": _noise_tokens(kept["noiseParameters"].astype(str), ds),
        "datasetId": kept["datasetId"],
    }).reset_index(drop=True)

    draft_parameters = draft_tables(ds, folder)["parameter"]
    own = sorted({ds.observables[o].scale_token(o) for o in formulas if ds.observables[o].own_scale})
    parameter_df = _parameter_table(draft_parameters, measurement_df, to_estimate, own)
    problem = Problem(model=SbmlModel(sbml_model=doc.getModel(), sbml_document=doc,
                                      model_id=doc.getModel().getId()),
                      condition_df=condition_df, measurement_df=measurement_df,
                      observable_df=observable_df, parameter_df=parameter_df)
    _start_offsets_and_scales(problem, model, ds)
    return problem


def _noise_tokens(tokens: pd.Series, ds: Dataset) -> pd.Series:
    """The rows' noiseParameters as the noise formula takes them. Under constant noise the
    formula has one placeholder; Bachmann 2011's pSTAT5_au rows give 'sd_STAT5_au;0', a
    relative term of 0, which the likelihood reads as constant noise but petab's linter
    rejected (so the PEtab export of that dataset failed). A non-zero second term cannot be
    written under constant noise: an ExportError."""
    if ds.noise != "constant":
        return tokens

    def constant(field: str) -> str:
        parts = split_tokens(field)
        extra = parts[1:]
        if any(not (is_number(t) and float(t) == 0) for t in extra):
            raise ExportError(f"{ds.name}: noise parameters {field!r} have a relative term, but the dataset's "
                              "noise is constant")
        return parts[0] if parts else field

    return tokens.map(constant)


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


def _parameter_table(draft: pd.DataFrame, measurement_df: pd.DataFrame, model_parameters: dict[str, float],
                     own_scales: list[str]):
    needed = parameter_ids(measurement_df["observableParameters"]) | parameter_ids(measurement_df["noiseParameters"])
    needed -= set(own_scales)
    draft = draft.set_index("parameterId")
    missing = sorted(needed - set(draft.index))
    if missing:
        raise ExportError(f"the draft's parameter table lacks {', '.join(missing[:5])}")
    table = draft.loc[sorted(needed), ["parameterName", "parameterScale", "lowerBound", "upperBound",
                                       "nominalValue"]].copy()
    noise = parameter_ids(measurement_df["noiseParameters"])
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
    """The :class:`~jakstat_sbml.calibration.likelihood.Observations` of a problem made here:
    measurements, transformation, published noise levels, offset/scale tokens."""
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
        elif placeholders == ["1"] and formula.startswith(f"observableParameter1_{row['observableId']} + ("):
            ids = [tokens[0], ""]  # offset only
        elif placeholders == ["1"] and formula.startswith("1 + observableParameter1_"):
            ids = ["1", tokens[0]]  # fold change: offset fixed at 1
        elif placeholders == ["1"]:
            ids = ["", tokens[0]]
        else:
            ids = ["", ""]
        for what, token, default in (("offset", ids[0], 0.0), ("scale", ids[1], 1.0)):
            if token and is_number(token):
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


def _start_offsets_and_scales(problem, model: Model, ds: Dataset) -> None:
    """Start each blot's offset and scale at their joint optimum given the current
    simulation and the published noise levels (as hierarchical optimisation does)."""
    obs = observations(problem)
    quantities = {o: ds.observables[o].quantity for o in problem.observable_df.index}
    q = Simulator(model, problem.measurement_df, problem.condition_df, quantities).values(
        model_parameter_values(problem, model))
    fit = profile(obs, q)
    par = problem.parameter_df
    for token, value in fit.nuisance.items():
        lo, hi = par.loc[token, ["lowerBound", "upperBound"]].astype(float)
        par.loc[token, "nominalValue"] = float(np.clip(value, lo, hi)) if value > 0 else float(lo)

