"""PEtab problems of our model against published JAK/STAT data.

``petab_problem(model, "Sobotta_Frontiers2017")`` returns a ``petab.v1.Problem``:
our SBML (hepatocyte context), the Sobotta et al. 2017 IL-6 measurements in
primary hepatocytes (Front Physiol 8:775, doi:10.3389/fphys.2017.00775; the
draft PEtab encoding in ../shared/data/petab, see its SOURCE.md), observables
mapped onto our readouts, and the draft's per-blot offsets, scales and noise
levels as parameters. Every simulation starts from the unstimulated steady state
(PEtab pre-equilibration with the condition ``unstimulated``; the species keep
their initial assignments from the totals, so a calibration that changes a
total or a rate gets its own steady state). Doses are nM in the condition table
(IL-6 ng/mL converted with the catalog's molar mass, 20.8 kDa).

What of the draft is kept, and why the rest is not (:func:`select_measurements`
gives the reason for every row):

- kept: constant IL-6 from time 0, measured at t >= 0, on observables our model
  has (phospho-STAT3 in lysates and nuclei, pJAK1, phospho-gp130, SOCS3 mRNA and
  protein, % phospho-STAT3 by mass spectrometry, nuclear/cytoplasmic STAT3);
- dropped, negative times: the draft starts simulations at t = -60 min, which a
  PEtab v1 problem cannot (it starts at 0);
- dropped, pulse / repeated-dose protocols (data sets named *Pulse*,
  *ThreeDoses*): IL-6 washed out or added again, which a constant-dose condition
  table cannot express;
- dropped, actinomycin D (data sets named *ActD*) and Stattic (conditions with
  Stattic): inhibitors our model does not have (the draft's ruxolitinib
  conditions were already removed from the copy in ../shared/data);
- dropped, absolute amounts (JAK1_gp130_abs, SOCS3_abs, ctSTAT3_abs): the draft
  gives them no units, so they cannot be compared with nM;
- dropped, rows without observable parameters (the two SOCS3_qpcr rows of
  model1_data375, which also make the draft fail petablint);
- dropped, blots whose scale the draft fixes at 0 (pJAK1 and pSTAT3 of
  bohl_hep_2009_07_07_DRTC): the published fit did not use them.

Parameters: noise levels start at the draft's published estimates (in the
data's log10 units, whatever the model). Offsets and scales convert our nM into
each blot's units, so the published ones (fitted with another model) do not
apply: each blot's pair starts at its joint optimum given our model's current
simulation and those noise levels, as hierarchical optimisation would compute
it. Our model has no basal phosphorylation, so every offset is estimated and
positive (the draft fixes some at 0). All are estimated; ``estimate=`` adds
model parameters.

Computing the objective: ``petab_simulations(model, problem)`` simulates the
problem with the Python API (re-equilibrating whenever a model parameter
changes) and ``petab.v1.calculate_llh`` turns that into the likelihood.
pyPESTO 0.7.0's RoadRunner importer cannot evaluate this problem: its
pre-equilibration (RoadRunner's Newton solver with conserved-moiety analysis,
default tolerances) fails with CV_TOO_MUCH_WORK on this model even when started
at the steady state, and replicate measurements at one time point make it ask
RoadRunner for repeated output times (CV_TOO_CLOSE).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from . import build, catalog
from .errors import InputError, UnknownNameError
from .export import ExportError
from .model import Condition, Model

DEFAULT_DATASET = "Sobotta_Frontiers2017"
PREEQUILIBRATION = "unstimulated"
MAX_GRID_POINTS = 200_000


def data_folder(path: str | os.PathLike | None = None) -> Path:
    """Folder of the PEtab data sets: ``path``, $JAKSTAT_PETAB_DATA, or ../shared/data/petab
    beside the repository."""
    if path is not None:
        folder = Path(path)
        if not folder.is_dir():
            raise InputError(f"PEtab data folder not found: {folder}")
        return folder
    for candidate in (os.environ.get("JAKSTAT_PETAB_DATA"),
                      Path(__file__).resolve().parents[3] / "shared" / "data" / "petab"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise InputError("PEtab data folder not found: pass data_dir= or set $JAKSTAT_PETAB_DATA "
                     "(the folder holding Sobotta_Frontiers2017/)")


# ----------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class Observable:
    """How one of the data's observables reads out of our model."""

    quantity: str  # expression of model symbols: readouts, species (concentration), parameters
    relative: bool  # arbitrary units: offset + scale * quantity (draft's observableParameter1/2)
    transformation: str  # PEtab observableTransformation
    meaning: str


@dataclass(frozen=True)
class Dataset:
    name: str
    context: str
    cytokine: str
    dose_column: str  # in the draft's condition table, ng/mL
    observables: dict[str, Observable]
    dropped_observables: dict[str, str]  # observable -> reason
    protocol_datasets: dict[str, str]  # regex on the data set name -> reason
    inhibitor_columns: dict[str, str]  # condition column whose non-zero value drops a row -> reason


NUCLEAR_OVER_CYTOPLASMIC_STAT3 = "nuclear_over_cytoplasmic_STAT3"  # placeholder, expanded per SBML

SOBOTTA = Dataset(
    name="Sobotta_Frontiers2017",
    context="hepatocyte",
    cytokine="IL6",
    dose_column="input_il6",
    observables={
        "pSTAT3_wb": Observable("pSTAT3", True, "log10", "phospho-STAT3, whole-cell lysate (western blot)"),
        "pSTAT3_lumi": Observable("pSTAT3", True, "log10", "phospho-STAT3, whole-cell lysate (Luminex)"),
        "npSTAT3_wb": Observable("nuc_pSTAT3", True, "log10", "phospho-STAT3 in the nuclear fraction"),
        "pJAK1_wb": Observable("pJAK1", True, "log10", "phospho-JAK1 (receptor-bound, active)"),
        # Our receptor complexes are phosphorylated as one unit (JAK and gp130 together):
        # phospho-gp130 is every active gp130 complex, whichever JAK it carries.
        "pgp130_wb": Observable("pJAK1 + pJAK2 + pTYK2", True, "log10",
                                "phospho-gp130: active IL-6 receptor complexes (only IL-6 is given)"),
        "SOCS3_qpcr": Observable("SOCS3_mRNA", True, "log10", "SOCS3 mRNA (qRT-PCR)"),
        "SOCS3_wb": Observable("SOCS3_protein", True, "log10", "SOCS3 protein (western blot)"),
        "pSTAT3_ms": Observable("100 * pSTAT3 / STAT3_total", False, "lin",
                                "percent of STAT3 phosphorylated (mass spectrometry)"),
        "ntSTAT3_ratio": Observable(NUCLEAR_OVER_CYTOPLASMIC_STAT3, False, "log10",
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
)

DATASETS = {SOBOTTA.name: SOBOTTA}


def _dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise UnknownNameError("PEtab dataset", name, list(DATASETS)) from None


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
    """The experiment a row belongs to, from its parameter names (the draft has no datasetId)."""
    for field in (row.get("observableParameters"), row.get("noiseParameters")):
        if isinstance(field, str):
            for token in field.split(";"):
                m = re.match(r"^(?:offset|scale|sd)_[a-z0-9]+_(?:wb|qpcr|lumi|ms|abs|ratio)_(.+)$", token.strip())
                if m:
                    return m.group(1)
    return f"{row['observableId']}_{row['simulationConditionId']}"


def select_measurements(dataset: str = DEFAULT_DATASET, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The draft's measurement table with ``datasetId``, the IL-6 dose (ng/mL) and
    ``reason``: why a row is left out ('' for rows the problem keeps)."""
    ds = _dataset(dataset)
    draft = _draft(ds, data_folder(data_dir))
    m = draft["measurement"].copy()
    conditions = draft["condition"].set_index("conditionId")
    m["datasetId"] = [_data_set_name(r) for _, r in m.iterrows()]
    m["dose_ng_per_mL"] = m["simulationConditionId"].map(conditions[ds.dose_column]).astype(float)
    p = draft["parameter"]
    switched_off = set(p.loc[p["parameterId"].str.startswith("scale_") & (p["estimate"] == 0)
                             & (p["nominalValue"] == 0), "parameterId"])
    reasons = []
    for _, row in m.iterrows():
        reason = ""
        if row["observableId"] in ds.dropped_observables:
            reason = ds.dropped_observables[row["observableId"]]
        elif row["observableId"] not in ds.observables:
            reason = "observable not mapped onto the model"
        elif row["time"] < 0:
            reason = "negative time: PEtab simulations start at t = 0"
        elif ds.observables[row["observableId"]].relative and not isinstance(row["observableParameters"], str):
            reason = "no observable parameters (offset, scale) given"
        elif any(t.strip() in switched_off for t in str(row["observableParameters"]).split(";")):
            reason = "the draft fixes this blot's scale at 0: the published fit left it out"
        else:
            for pattern, why in ds.protocol_datasets.items():
                if re.search(pattern, row["datasetId"]):
                    reason = why
                    break
            for column, why in ds.inhibitor_columns.items():
                if not reason and column in conditions and conditions.loc[row["simulationConditionId"], column] != 0:
                    reason = why
        reasons.append(reason)
    m["reason"] = reasons
    return m


# ----------------------------------------------------------------------------- problem


def petab_problem(model: Model, dataset: str = DEFAULT_DATASET, *, data_dir: str | os.PathLike | None = None,
                  estimate: Iterable[str] = ()):
    """The PEtab problem of ``model`` against ``dataset`` (a ``petab.v1.Problem``).

    ``model`` must be in the dataset's context (hepatocyte for Sobotta 2017).
    ``estimate`` lists model parameters (ids of models/parameters.tsv) to add to
    the parameter table as estimated (log10 scale, bounds 1/1000x to 1000x of the
    current value); by default only the observables' offsets, scales and noise
    levels are estimated. The module docstring says what of the data is kept.
    """
    from petab.v1 import Problem
    from petab.v1.models.sbml_model import SbmlModel

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
    formulas = {}
    for obs_id in sorted(set(kept["observableId"])):
        o = ds.observables[obs_id]
        q = _species_ratio(doc) if o.quantity == NUCLEAR_OVER_CYTOPLASMIC_STAT3 else o.quantity
        formulas[obs_id] = (f"observableParameter1_{obs_id} + observableParameter2_{obs_id} * ({q})"
                            if o.relative else q)
    observable_df = pd.DataFrame({
        "observableId": list(formulas),
        "observableName": [ds.observables[o].meaning for o in formulas],
        "observableFormula": list(formulas.values()),
        "observableTransformation": [ds.observables[o].transformation for o in formulas],
        "noiseFormula": [f"noiseParameter1_{o}" for o in formulas],
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

    measurement_df = pd.DataFrame({
        "observableId": kept["observableId"],
        "preequilibrationConditionId": PREEQUILIBRATION,
        "simulationConditionId": kept["simulationConditionId"],
        "measurement": kept["measurement"].astype(float),
        "time": kept["time"].astype(float),
        "observableParameters": kept["observableParameters"].fillna(""),
        "noiseParameters": kept["noiseParameters"].astype(str),
        "datasetId": kept["datasetId"],
    }).reset_index(drop=True)

    draft_parameters = _draft(ds, folder)["parameter"]
    parameter_df = _parameter_table(draft_parameters, measurement_df, to_estimate)
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


def _species_ratio(doc, gene: str = "STAT3") -> str:
    """Nuclear over cytoplasmic concentration of all forms of ``gene`` (species ids)."""
    terms: dict[str, list[str]] = {"nucleus": [], "cytoplasm": []}
    for s in doc.getModel().getListOfSpecies():
        n = build.species_genes(s.getId()).count(gene)
        if n and s.getCompartment() in terms:
            terms[s.getCompartment()].append(s.getId() if n == 1 else f"{n} * {s.getId()}")
    if not terms["nucleus"] or not terms["cytoplasm"]:
        raise ExportError(f"the model has no nuclear or no cytoplasmic {gene}")
    return f"({' + '.join(terms['nucleus'])}) / ({' + '.join(terms['cytoplasm'])})"


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


def _tokens(column: pd.Series) -> set[str]:
    """Parameter ids (not numbers) in an observableParameters / noiseParameters column."""
    out = set()
    for field in column.dropna():
        for token in str(field).split(";"):
            token = token.strip()
            if token and not _is_number(token):
                out.add(token)
    return out


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _parameter_table(draft: pd.DataFrame, measurement_df: pd.DataFrame, model_parameters: dict[str, float]):
    needed = _tokens(measurement_df["observableParameters"]) | _tokens(measurement_df["noiseParameters"])
    draft = draft.set_index("parameterId")
    missing = sorted(needed - set(draft.index))
    if missing:
        raise ExportError(f"the draft's parameter table lacks {', '.join(missing[:5])}")
    table = draft.loc[sorted(needed), ["parameterName", "parameterScale", "lowerBound", "upperBound",
                                       "nominalValue"]].copy()
    # Our model has no basal phosphorylation, so every blot needs a positive
    # background: the draft's offsets fixed at 0 (lin scale) become estimated on
    # log10 scale with the bounds of its other offsets and scales.
    lin = table.index[table["parameterScale"] != "log10"]
    table.loc[lin, ["parameterScale", "lowerBound", "upperBound"]] = ["log10", 1e-15, 1e6]
    table.loc[table["nominalValue"] <= 0, "nominalValue"] = 1.0  # replaced by the start fit
    table["estimate"] = 1
    for pid, value in model_parameters.items():
        table.loc[pid] = {"parameterName": pid, "parameterScale": "log10", "lowerBound": value / 1000,
                          "upperBound": value * 1000, "nominalValue": value, "estimate": 1}
    table.index.name = "parameterId"
    return table


def _start_offsets_and_scales(problem, model: Model, ds: Dataset) -> None:
    """Start each blot's offset and scale at their joint optimum given the current
    simulation and the published noise levels (least squares on the observable's
    scale, as hierarchical optimisation does)."""
    from scipy.optimize import minimize

    quantities = {}
    for obs_id, o in ds.observables.items():
        if obs_id in problem.observable_df.index and o.relative:
            formula = problem.observable_df.loc[obs_id, "observableFormula"]
            quantities[obs_id] = formula.split(" * ", 1)[1]  # "offset + scale * (quantity)"
    x = _evaluate(model, problem, quantities)
    m = problem.measurement_df
    par = problem.parameter_df
    nominal = par["nominalValue"].to_dict()

    def value(token: str) -> float:
        return float(token) if _is_number(token) else float(nominal[token])

    groups: dict[str, list[int]] = {}
    for i, field in enumerate(m["observableParameters"]):
        if isinstance(field, str) and field:
            groups.setdefault(field, []).append(i)
    for field, idx in groups.items():
        offset_id, scale_id = (t.strip() for t in field.split(";"))
        rows = m.iloc[idx]
        y = rows["measurement"].to_numpy(float)
        q = np.clip(x[idx], 0.0, None)
        sigma = np.array([value(f) for f in rows["noiseParameters"]])
        log = problem.observable_df.loc[rows["observableId"].iloc[0], "observableTransformation"] != "lin"
        free_offset = not _is_number(offset_id)
        if not np.any(q > 0):
            continue  # no signal in the model: the data cannot place a scale

        def cost(u_offset, u_scale):
            offset = 10.0**u_offset if free_offset else float(offset_id)
            sim = offset + 10.0**u_scale * q[..., :]
            r = (np.log10(y) - np.log10(sim)) if log else (y - sim)
            return np.sum((r / sigma) ** 2, axis=-1)

        lo_s, hi_s = np.log10(par.loc[scale_id, ["lowerBound", "upperBound"]].to_numpy(float))
        u_s = np.arange(lo_s, hi_s + 1e-9, 0.25)
        u_o = np.arange(np.log10(y.min()) - 3, np.log10(y.max()) + 0.25, 0.25) if free_offset else np.zeros(1)
        grid = cost(u_o[:, None, None], u_s[None, :, None])  # offsets x scales
        i_o, i_s = np.unravel_index(int(np.argmin(grid)), grid.shape)
        start = [u_o[i_o], u_s[i_s]] if free_offset else [u_s[i_s]]
        fit = minimize(lambda v: float(cost(v[0], v[1]) if free_offset else cost(0.0, v[0])), start,
                       method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9})
        best = fit.x if fit.fun <= grid.min() else np.array(start)
        par.loc[scale_id, "nominalValue"] = float(10.0 ** np.clip(best[-1], lo_s, hi_s))
        if free_offset:
            lo_o, hi_o = np.log10(par.loc[offset_id, ["lowerBound", "upperBound"]].to_numpy(float))
            par.loc[offset_id, "nominalValue"] = float(10.0 ** np.clip(best[0], lo_o, hi_o))


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


def _conditions(model: Model, problem) -> dict[str, Condition]:
    """Our Condition for each simulation condition of the problem (times excluded)."""
    dose_of = {c.dose_parameter: ("cytokines", n) for n, c in catalog.CYTOKINES.items()}
    dose_of |= {d.dose_parameter: ("drugs", n) for n, d in catalog.DRUGS.items()}
    known = model.parameters_for(Condition())
    overrides = {p: float(v) for p, v in problem.parameter_df["nominalValue"].items() if p in known}
    out = {}
    for cid, row in problem.condition_df.iterrows():
        kw: dict = {"cytokines": {}, "drugs": {}, "parameters": dict(overrides)}
        for column, v in row.items():
            if column == "conditionName" or pd.isna(v):
                continue
            if column in dose_of:
                kind, name = dose_of[column]
                kw[kind][name] = float(v)
            else:
                kw["parameters"][column] = float(v)
        out[cid] = kw
    for cid in set(problem.measurement_df["preequilibrationConditionId"].dropna()):
        kw = out[cid]
        if any(v for v in kw["cytokines"].values()) or any(v for v in kw["drugs"].values()) \
                or kw["parameters"] != overrides:
            raise InputError(f"pre-equilibration condition {cid!r} sets doses or parameters: the Python API "
                             "always pre-equilibrates the genotype without doses")
    return out


def _evaluate(model: Model, problem, formulas: dict[str, str]) -> np.ndarray:
    """Value of ``formulas[observableId]`` for every measurement row (NaN where absent)."""
    import sympy as sp
    from petab.v1.math import sympify_petab

    m = problem.measurement_df
    nominal = problem.parameter_df["nominalValue"].to_dict()
    exprs = {obs: sympify_petab(f) for obs, f in formulas.items()}
    placeholders = re.compile(r"^(observableParameter|noiseParameter)\d+_")
    model_symbols = sorted({s.name for e in exprs.values() for s in e.free_symbols
                            if not placeholders.match(s.name) and s.name not in nominal})
    readouts = [s for s in model_symbols if s in catalog.READOUTS]
    conditions = _conditions(model, problem)
    out = np.full(len(m), np.nan)
    # Conditions that differ only by name (the same dose in several experiments)
    # are simulated once.
    same = m["simulationConditionId"].map(lambda cid: repr(conditions[cid]))
    for key, rows in m.groupby(same):
        t_end, points, step = _grid(rows["time"])
        cond = Condition.make(**conditions[rows["simulationConditionId"].iloc[0]], t_end=t_end, points=points)
        values = {}
        if readouts:
            df = model.run(cond, readouts=readouts)
            values.update({r: df[r].to_numpy() for r in readouts})
        rest = [s for s in model_symbols if s not in values]
        if rest:
            params = model.parameters_for(cond)
            values.update({s: np.full(points, params[s]) for s in rest if s in params})
            rest = [s for s in rest if s not in values]
        if rest:
            species = model.species(cond)
            for s in rest:
                if s not in species.columns:
                    raise InputError(f"observable symbol {s!r} is no readout, parameter or species of the model")
                values[s] = species[s].to_numpy()
        index = np.rint(rows["time"].to_numpy(float) / step).astype(int)
        for (obs, pars), sub in rows.groupby(["observableId", "observableParameters"], dropna=False):
            if obs not in exprs:
                continue
            e = exprs[obs]
            given = {}
            tokens = [] if pd.isna(pars) else [t.strip() for t in str(pars).split(";") if t.strip()]
            for k, token in enumerate(tokens, start=1):
                given[f"observableParameter{k}_{obs}"] = float(token) if _is_number(token) else float(nominal[token])
            # by name: petab's parser gives its symbols assumptions (real=True)
            e = e.subs({s: given[s.name] for s in e.free_symbols if s.name in given})
            syms = sorted(e.free_symbols, key=lambda s: s.name)
            unknown = [s.name for s in syms if s.name not in values]
            if unknown:
                raise InputError(f"observable {obs}: cannot evaluate {', '.join(unknown)}")
            f = sp.lambdify(syms, e, "numpy")
            at = index[[rows.index.get_loc(i) for i in sub.index]]
            result = f(*[values[s.name][at] for s in syms]) if syms else np.full(len(at), float(e))
            out[m.index.get_indexer(sub.index)] = np.broadcast_to(result, len(at))
    return out


def petab_simulations(model: Model, problem) -> pd.DataFrame:
    """PEtab simulation table of ``problem`` computed with the Python API.

    Each simulation condition becomes a :class:`Condition` (doses from the
    condition table, model parameters of the parameter table at their nominal
    values), run from the unstimulated steady state of the genotype (what PEtab's
    pre-equilibration asks for). Use with ``petab.v1.calculate_llh``.
    """
    formulas = problem.observable_df["observableFormula"].to_dict()
    sim = problem.measurement_df.drop(columns="measurement").copy()
    sim["simulation"] = _evaluate(model, problem, formulas)
    return sim


# ----------------------------------------------------------------------------- files


def write_petab(model: Model, folder: Path, *, dataset: str = DEFAULT_DATASET, condition: Condition | None = None,
                data_dir: str | os.PathLike | None = None) -> Path:
    """Write the problem to ``folder`` (problem.yaml, model.xml, the tables and a README)."""
    from petab.v1.lint import lint_problem

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
