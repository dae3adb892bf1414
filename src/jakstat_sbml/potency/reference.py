"""The mechanistic model's IC50 for every measured row, at reference potency.

A JAK inhibitor acts in the model only through ``[drug] / K_cell(drug, JAK)``, and
every ``K_cell`` of a drug carries the same ``cellular_factor_<drug>``. A dose D with
factor f therefore acts exactly as the dose D/f with factor 1, so a row's IC50 with
factor f is f times its IC50 with factor 1. The statistical model (:mod:`.posterior`)
uses this: each row's IC50 is simulated once, at factor 1 (the Cheng-Prusoff
hypothesis), and the sampler moves it by the factor without simulating
(:func:`check_scaling` verifies the identity against full simulation).

The reference IC50 is the free dose that removes half of the cytokine-induced signal
(stimulated minus unstimulated) at the end of the row's stimulation, in the row's
context, found by bisection in log dose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..engines import DEFAULT_ENGINE, engine as engine_named
from ..errors import InputError
from ..model import Condition, Model, load_model
from ..parallel import map_on_model
from ..units import to_nM
from .measurements import number

REFERENCE_FACTOR = 1.0
DEFAULT_PREINCUBATION = 30.0  # min, when a source does not state it (equilibrium binding makes it moot)
DEFAULT_STIMULATION = 15.0  # min, when a source does not state it (typical phospho-flow stimulation)
BRACKET_NM = (1e-4, 1e7)  # free doses searched for the half-inhibition
TOLERANCE_LOG10 = 0.002  # bisection stops at this width (0.5% in dose)


def factor_parameter(drug: str) -> str:
    """The parameter that scales every cellular constant of a drug (drugs.tsv, cellular_factor)."""
    d = catalog.drug(drug)
    if not d.cellular_factor:
        raise InputError(f"{d.name} ({d.mechanism}) has no cellular factor: its potency is not fitted to "
                         "measured cellular IC50s")
    return d.cellular_factor


def cytokine_dose_nM(row: Mapping) -> float:
    c = catalog.cytokine(row["cytokine"])
    text = str(row.get("cytokine_dose", "") or "").strip()
    if not text or text.lower().startswith("not"):
        text = c.standard_dose
    return to_nM(text, what=f"dose of {c.name} in row {row['id']}", mass_kda=c.mass_kda)


def timing(row: Mapping) -> tuple[float, float]:
    """(pre-incubation, stimulation) in min: the row's, or the defaults where it states none."""
    return (number(row.get("preincubation_min"), DEFAULT_PREINCUBATION),
            number(row.get("stimulation_min"), DEFAULT_STIMULATION))


def condition_key(row: Mapping) -> tuple:
    """What the model needs to recompute a row: rows with equal keys share one IC50."""
    pre, stim = timing(row)
    return (row["context"], row["drug"], row["cytokine"], round(cytokine_dose_nM(row), 12), row["readout"], pre, stim)


def half_inhibition_dose(model: Model, drug: str, cytokine: str, cytokine_nM: float, readout: str,
                         preincubation: float, stimulation: float, parameters: Mapping[str, float] | None = None,
                         *, background: Mapping | None = None, bracket: tuple[float, float] = BRACKET_NM,
                         tolerance: float = TOLERANCE_LOG10, guess: float | None = None,
                         engine: str = DEFAULT_ENGINE) -> tuple[float, str]:
    """(IC50 in nM free, status): ``ok``, ``above`` (half inhibition not reached at the
    bracket's top), ``below`` (reached at its bottom) or ``no_signal`` (the cytokine does
    not raise the readout in this context). ``background``: knockouts, mutations,
    overexpression, other drugs (nM free) and cytokines (nM) present in every run.
    ``engine``: what simulates each step of the search (:mod:`jakstat_sbml.engines`)."""
    simulator = engine_named(engine)
    params = dict(parameters or {})
    bg = dict(background or {})
    base_cytokines, base_drugs = dict(bg.pop("cytokines", None) or {}), dict(bg.pop("drugs", None) or {})
    bg.pop("parameters", None)
    common = dict(bg, preincubation=preincubation, t_end=stimulation, points=2, parameters=params)

    def value(cytokines, drugs) -> float:
        cond = Condition.make(cytokines={**base_cytokines, **(cytokines or {})} or None,
                              drugs={**base_drugs, **(drugs or {})} or None, **common)
        return float(simulator.simulate(model, cond, [readout])[-1, 1])

    unstimulated = value(None, None)
    stimulated = value({cytokine: cytokine_nM}, None)
    signal = stimulated - unstimulated
    if not signal > 1e-9 * max(abs(stimulated), 1e-12):
        return math.nan, "no_signal"

    def inhibition(log_dose: float) -> float:
        return (stimulated - value({cytokine: cytokine_nM}, {drug: 10 ** log_dose})) / signal

    a, b = math.log10(bracket[0]), math.log10(bracket[1])
    if guess is not None and bracket[0] < guess < bracket[1]:
        # start from a bracket around a guess, widening it a hundredfold while it misses:
        # a few simulations instead of bisecting eleven decades
        lo, hi = max(a, math.log10(guess) - 1.0), min(b, math.log10(guess) + 1.0)
        while hi < b and inhibition(hi) < 0.5:
            lo, hi = hi, min(b, hi + 2.0)
        while lo > a and inhibition(lo) >= 0.5:
            lo, hi = max(a, lo - 2.0), lo
        a, b = lo, hi
    if inhibition(b) < 0.5:
        return math.inf, "above"
    if inhibition(a) >= 0.5:
        return 0.0, "below"
    while b - a > tolerance:
        m = 0.5 * (a + b)
        if inhibition(m) >= 0.5:
            b = m
        else:
            a = m
    return float(10 ** (0.5 * (a + b))), "ok"


def row_ic50(model: Model, row: Mapping, *, factor: float = REFERENCE_FACTOR,
             parameters: Mapping[str, float] | None = None, tolerance: float = TOLERANCE_LOG10,
             guess: float | None = None, engine: str = DEFAULT_ENGINE) -> tuple[float, str]:
    """The model's IC50 (nM free) for one measured row with the drug's cellular factor
    set to ``factor``; ``model`` must be of the row's context; ``guess`` a dose near the
    IC50 to start the search from."""
    if model.context != row["context"]:
        raise InputError(f"row {row['id']} is measured in context {row['context']!r}, the model is "
                         f"{model.context!r}")
    pre, stim = timing(row)
    params = {**dict(parameters or {}), factor_parameter(row["drug"]): factor}
    return half_inhibition_dose(model, row["drug"], row["cytokine"], cytokine_dose_nM(row), row["readout"],
                                pre, stim, params, tolerance=tolerance, guess=guess, engine=engine)


JAKS = tuple(g.symbol for g in catalog.GENES.values() if g.module == "kinases")  # JAK1, JAK2, JAK3, TYK2
ELASTICITY_STEP = 0.25  # log10 of the change in one JAK's constant (a 1.8-fold change)


def biochemical_parameter(drug: str, jak: str) -> str | None:
    """The parameter that sets a drug's constant on one JAK (K_cell is proportional to it;
    drugs.tsv, column targets), None when the drug does not target it."""
    return catalog.drug(drug).constants.get(jak)


def elasticities(model: Model, row: Mapping, reference_nM: float,
                 parameters: Mapping[str, float] | None = None) -> dict[str, float]:
    """d log10 IC50 / d log10 K(drug, JAK) for each JAK, by a one-sided difference of
    :data:`ELASTICITY_STEP` in the drug's constant on that JAK (the biochemical IC50
    parameter, which K_cell is proportional to). They sum to 1 (scaling every constant
    scales the IC50), which says how much of a row's IC50 each JAK carries: the
    statistical model's per-JAK terms act through them."""
    values = {**model.parameter_values(), **dict(parameters or {})}
    out = {}
    for jak in JAKS:
        p = biochemical_parameter(row["drug"], jak)
        if p is None or p not in values:
            out[jak] = 0.0
            continue
        moved, status = row_ic50(model, row, parameters={**dict(parameters or {}),
                                                         p: values[p] * 10 ** ELASTICITY_STEP})
        out[jak] = (math.log10(moved / reference_nM) / ELASTICITY_STEP) if status == "ok" else math.nan
    return out


def context_models(contexts, model: Model | None = None) -> dict[str, Model]:
    return {c: model if model is not None and model.context == c else load_model(context=c)
            for c in dict.fromkeys(contexts)}


def reference_ic50s(rows: pd.DataFrame, *, model: Model | None = None,
                    parameters: Mapping[str, float] | None = None, with_elasticities: bool = False,
                    progress: Callable[[str], None] | None = None, n_jobs: int = 1, client=None,
                    engine: str = DEFAULT_ENGINE) -> pd.DataFrame:
    """Each row's IC50 at reference potency (factor 1): columns id, drug, context,
    ``reference_nM`` (free) and ``status``; with ``with_elasticities`` also
    ``e_JAK1`` ... ``e_TYK2`` (:func:`elasticities`). Rows that share a condition are
    simulated once; the searches of one context run where ``n_jobs``/``client`` say
    (:func:`jakstat_sbml.parallel.map_on_model`), each on ``engine``."""
    models = context_models(rows["context"], model)
    first: dict[tuple, Mapping] = {}  # one row per distinct condition
    for _, r in rows.iterrows():
        first.setdefault(condition_key(r), r)
    cache: dict[tuple, tuple] = {}
    for context in dict.fromkeys(rows["context"]):
        keys = [k for k, r in first.items() if r["context"] == context]
        found = map_on_model(models[context], _reference_task,
                             [(first[k].to_dict(), dict(parameters or {}), with_elasticities, engine) for k in keys],
                             n_jobs=n_jobs, client=client)
        cache.update(zip(keys, found))
    out = []
    for _, r in rows.iterrows():
        ic50, status, e = cache[condition_key(r)]
        out.append({"id": r["id"], "drug": r["drug"], "context": r["context"], "cytokine": r["cytokine"],
                    "readout": r["readout"], "reference_nM": ic50, "status": status,
                    **{f"e_{j}": v for j, v in e.items()}})
        if progress:
            progress(r["id"])
    return pd.DataFrame(out)


def _reference_task(model: Model, row: Mapping, parameters: Mapping[str, float], with_elasticities: bool,
                    engine: str) -> tuple[float, str, dict]:
    """One distinct row condition's reference IC50 (and elasticities): the task a worker runs."""
    ic50, status = row_ic50(model, row, parameters=parameters, engine=engine)
    e = {}
    if with_elasticities:
        e = elasticities(model, row, ic50, {**parameters, factor_parameter(row["drug"]): REFERENCE_FACTOR}) \
            if status == "ok" else {j: math.nan for j in JAKS}
    return ic50, status, e


def check_scaling(model: Model, row: Mapping, factors=(0.1, 10.0)) -> pd.DataFrame:
    """The shortcut the sampler takes, against full simulation: the row's IC50 simulated
    with each factor next to factor x the reference IC50."""
    reference, _ = row_ic50(model, row)
    out = []
    for f in factors:
        simulated, status = row_ic50(model, row, factor=f)
        out.append({"factor": f, "simulated_nM": simulated, "scaled_nM": f * reference, "status": status,
                    "log10_difference": math.log10(simulated / (f * reference)) if status == "ok" else np.nan})
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- storage


def reference_path() -> Path:
    return catalog.models_dir() / "potency" / "reference_ic50.tsv"


def store_reference(table: pd.DataFrame, path: str | Path | None = None) -> Path:
    """Write the reference IC50s (models/potency/reference_ic50.tsv) that the stored
    posterior was fitted with."""
    path = Path(path) if path is not None else catalog.writable_models_dir() / "potency" / "reference_ic50.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, sep="\t", index=False, float_format="%.6g")
    return path


def load_reference() -> pd.DataFrame | None:
    """The stored reference IC50s, or None when none is stored."""
    path = reference_path()
    return pd.read_csv(path, sep="\t") if path.exists() else None
