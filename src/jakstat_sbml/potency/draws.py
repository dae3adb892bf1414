"""The draws behind every predictive interval: one keyword, ``uncertainty=``, for every
experiment that involves a drug.

A draw is a parameter set for the network plus a potency for each drug. What varies
depends on the mode:

- ``"potency"``: the drug-potency posterior (:mod:`.posterior`) *and* the
  between-assay variability (a new source's random effect and residual), with the
  matching fraction unbound for total-plasma terms. Where the posterior has system
  terms, the effect of the (context, cytokine) system: the fitted system's own draws,
  or a new system's when no fit row was read in it (or no cytokine is given). The network keeps the context's
  values. Drugs without measured rows (pimozide) vary over the plausible range of
  their potency constant instead, and the result says so.
- ``"calibration"``: the calibration ensemble of a calibrated context
  (models/ensembles/); potency fixed. The interval is the envelope over the members.
- ``"parameters"``: in a context *not* calibrated to data, parameter sets drawn
  log-uniformly from the plausible ranges (models/parameters.tsv), with the drug layer
  refitted for each: each drug's potency factor moves so that the set reproduces, on
  average, the measured rows the drug was fitted to. What those rows constrain stays
  constrained; what they do not (how the context's cytokines differ from the measured
  ones) shows.
- ``"all"`` (or ``True``): potency, plus the calibration ensemble where the context has
  one and the parameter ranges where it has none.

The experiments simulate each distinct parameter set once at the model's potency and
move the dose axis for each draw's potency: a JAK inhibitor acts only through
``[drug] / K_cell``, so a potency f times the model's acts like the dose divided by f,
exactly (:mod:`.reference`). Whatever the mode, the result states what its interval
covers (:meth:`DrawPlan.covers`).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd

from .. import catalog
from ..engines import DEFAULT_ENGINE
from ..ensemble import ensemble_contexts, load_ensemble
from ..errors import InputError
from ..model import Condition, Model, load_model
from ..parallel import map_on_model
from ..parameter_ranges import uncertain_parameters
from .crossval import TrackRecord, records_clause, system_track_record, track_record
from .free_drug import drug_priors
from .measurements import measurements
from .posterior import STUDENT_T_DF, load_posterior, system_name
from .reference import condition_key, factor_parameter, reference_ic50s, row_ic50

MODES = ("potency", "calibration", "parameters", "all")
DEFAULT_DRAWS = 200
MIN_DRAWS = 20  # fewer cannot place a 90% interval's ends (5% of 20 is one draw)
MAX_DRAWS = 10_000  # the 5th percentile's rank: sd sqrt(n p (1 - p)) = 22 of 10^4, x 1.645 = 0.36 points
DEFAULT_PARAMETER_SETS = 40
DEFAULT_LEVEL = 0.90


@dataclass(frozen=True)
class Uncertainty:
    """What a predictive interval draws over (module docstring): ``mode``, the number of
    ``draws``, their ``seed``, the interval's ``level`` and, in ``parameters`` mode, how
    many parameter sets (``parameter_sets``) the draws cycle through."""

    mode: str = "all"
    draws: int = DEFAULT_DRAWS
    seed: int = 0
    level: float = DEFAULT_LEVEL
    parameter_sets: int = DEFAULT_PARAMETER_SETS

    def __post_init__(self):
        if isinstance(self.mode, str):  # "Potency" ran through uncertainty= and failed here (an audit)
            object.__setattr__(self, "mode", self.mode.strip().lower())
        if self.mode not in MODES:
            raise InputError(f"unknown uncertainty mode {self.mode!r}; choose one of {', '.join(MODES)} (in "
                             "Python, uncertainty=True means all)")
        if isinstance(self.draws, bool) or not isinstance(self.draws, (int, np.integer)):
            raise InputError(f"draws must be a whole number (at least {MIN_DRAWS}), got {self.draws!r}")
        if self.draws > MAX_DRAWS:  # 10^8 once ran for over 10 minutes before it was stopped
            raise InputError(f"too many draws ({self.draws!r}): at most {MAX_DRAWS}, which place a 90% interval's "
                             "ends within about 0.4 percentile points (90% confidence)")
        if self.draws < MIN_DRAWS and self.mode != "calibration":  # that envelope spans the members, not draws
            raise InputError(f"too few draws ({self.draws!r}): a {self.level:.0%} interval needs at least "
                             f"{MIN_DRAWS}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise InputError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not 0.5 <= self.level < 1:
            raise InputError(f"interval level must be in [0.5, 1), got {self.level!r}")
        if isinstance(self.parameter_sets, bool) or not isinstance(self.parameter_sets, (int, np.integer)) \
                or self.parameter_sets < 2:
            raise InputError(f"parameter_sets must be an integer >= 2, got {self.parameter_sets!r}")
        if self.mode == "parameters" and self.parameter_sets < MIN_DRAWS:  # each set is one draw (plan_draws)
            raise InputError(f"parameters mode draws one value per parameter set: a {self.level:.0%} interval "
                             f"needs at least {MIN_DRAWS} sets, got parameter_sets={self.parameter_sets}")


def recorded_seed(unc: Uncertainty | None) -> int | None:
    """The seed a result records for its interval: None without an interval and for the
    calibration envelope, which draws nothing (a seed there would say draws were made)."""
    return None if unc is None or unc.mode == "calibration" else int(unc.seed)


def as_uncertainty(value, *, draws: int | None = None, seed: int | None = None,
                   context: str | None = None) -> Uncertainty | None:
    """The ``uncertainty=`` keyword of the experiments: None or False (no interval),
    True (``"all"``), a mode name, or an :class:`Uncertainty`; ``draws``/``seed``
    override its defaults. Given the ``context`` of the prediction, a mode the context
    cannot have is refused too (:func:`check_context`), before any simulation."""
    if value is None or value is False:
        if draws is not None:
            raise InputError("draws= is given but uncertainty= is not: say which uncertainty to draw over")
        if seed is not None:  # as the command line refuses --seed without --uncertainty
            raise InputError("seed= is given but uncertainty= is not: say which uncertainty to draw over")
        return None
    if value is True:
        unc = Uncertainty("all")
    elif isinstance(value, Uncertainty):
        unc = value
        # two numbers for one setting: the keyword silently won (an audit)
        clash = [f"{k}={v!r} and the Uncertainty's {k}={getattr(value, k)!r}"
                 for k, v in (("draws", draws), ("seed", seed)) if v is not None and v != getattr(value, k)]
        if clash:
            raise InputError(f"{'; '.join(clash)} differ: set it in one place")
    elif isinstance(value, str):
        unc = Uncertainty(value)
    else:
        raise InputError(f"uncertainty must be True, False, None, one of {', '.join(MODES)} or an Uncertainty, "
                         f"got {value!r}")
    if unc.mode == "calibration" and (draws is not None or seed is not None):
        given = " and ".join(f"{k}=" for k, v in (("draws", draws), ("seed", seed)) if v is not None)
        raise InputError(f"{given} does not apply to calibration uncertainty: its interval is the envelope over "
                         "the calibration ensemble's members, one run each, not random draws")
    changes = {k: v for k, v in (("draws", draws), ("seed", seed)) if v is not None}
    unc = replace(unc, **changes) if changes else unc
    if context is not None:
        check_context(unc, context)
    return unc


def check_context(unc: Uncertainty, context: str) -> None:
    """InputError for calibration uncertainty in a context without a calibration ensemble
    and for parameter-range uncertainty in a calibrated one (its parameter uncertainty is
    the ensemble)."""
    calibrated = context in ensemble_contexts()
    if unc.mode == "calibration" and not calibrated:
        raise InputError(f"context {context!r} is not calibrated to data, so it has no calibration "
                         f"uncertainty (calibrated: {', '.join(ensemble_contexts())}); use the potency or parameters "
                         "mode, or all")
    if unc.mode == "parameters" and calibrated:
        raise InputError(f"context {context!r} is calibrated to data: its parameter uncertainty is the "
                         "calibration ensemble (the calibration mode, or all), not the plausible ranges")


@dataclass(frozen=True)
class DrawPlan:
    """The draws of one prediction: ``parameter_sets`` (overrides of the context's values,
    ``{}`` = the context as it is), ``set_index`` (which set each draw uses), and per drug
    the draw's potency constant over the model's, split into ``potency_scale`` (per draw:
    the potency posterior and assay variability) and ``set_scale`` (per set: the drug
    layer refitted to it), ``fraction_unbound`` and ``blood_to_plasma`` per draw for
    total-plasma and whole-blood terms. ``set_valid`` marks sets that could be used.
    ``components`` name what varies; ``notes`` say what each covers; ``track_records``
    how the drugs' potency intervals, and those of rows read in the prediction's assay
    system, fared with their sources held out (the stored cross-validation; only where
    the draws include the potency posterior)."""

    context: str
    uncertainty: Uncertainty
    components: tuple[str, ...]
    parameter_sets: tuple[dict, ...]
    set_index: np.ndarray
    potency_scale: dict[str, np.ndarray]
    set_scale: dict[str, np.ndarray]
    fraction_unbound: dict[str, np.ndarray]
    blood_to_plasma: dict[str, np.ndarray]
    set_valid: np.ndarray
    notes: tuple[str, ...] = ()
    track_records: tuple[TrackRecord, ...] = ()

    @property
    def flags(self) -> tuple[str, ...]:
        """What a prediction from these draws cannot support: a drug or an assay system
        whose held-out coverage says its intervals are too narrow."""
        return tuple(w for w in (t.warning() for t in self.track_records) if w)

    @property
    def dose_scale(self) -> dict[str, np.ndarray]:
        """Per drug and draw: a free dose D acts in that draw like D / scale at the model's potency."""
        return {d: self.potency_scale[d] * self.set_scale[d][self.set_index] for d in self.potency_scale}

    @property
    def draws(self) -> int:
        return len(self.set_index)

    @property
    def envelope(self) -> bool:
        """Calibration alone: the interval is the members' envelope, not a percentile range."""
        return self.components == ("calibration ensemble",)

    def covers(self) -> str:
        what = ", ".join(self.components)
        if self.envelope:
            return f"envelope over the {len(self.parameter_sets)} members of the calibration ensemble (fit of the " \
                   "calibration data only; drug potency fixed)"
        # the cross-validation draws potency alone: its record says nothing of the parameter sets' part (an audit)
        potency_only = "; the held-out records that follow are of potency intervals alone, without parameter sets" \
            if self.track_records and len(self.parameter_sets) > 1 else ""
        return (f"{self.uncertainty.level:.0%} predictive interval over {self.draws} draws of: {what}"
                + potency_only + records_clause(self.track_records))


# ----------------------------------------------------------------------------- potency


UNFITTED_POTENCY = "plausible potency range (a declared assumption: no measured row)"


def potency_fitted(drug: str) -> bool:
    """Whether the drug's potency is drawn from the posterior (it has measured rows), not
    from the plausible range of its constant."""
    return bool(catalog.drug(drug).cellular_factor) and drug in load_posterior().drugs


def drug_stream(seed: int, drug: str) -> np.random.Generator:
    """The random stream of one drug's own draws: the same for a drug at a seed whatever
    other drugs a prediction holds and in whichever order they are given."""
    return np.random.default_rng([int(seed), zlib.crc32(drug.encode())])


def _potency(drugs: Sequence[str], unc: Uncertainty, model_values: Mapping[str, float], system: str | None = None):
    """Per drug: (dose scale, fraction unbound, blood-to-plasma) draws and a note;
    ``system`` (:func:`~.posterior.system_name`) is where the prediction is read.

    What the drugs share (the posterior draw, the new assay's source and system effects)
    comes from the seed's stream; what is a drug's own (its residual, and for a drug without
    rows its potency range and binding) from the drug's stream (:func:`drug_stream`). So
    ``combination(a, b)`` and ``combination(b, a)`` draw alike, and a drug draws as it does
    alone (they drew from one stream in the order given)."""
    rng = np.random.default_rng(unc.seed)
    posterior, n, pick, source_effect, system_effect = _new_source(rng, unc)
    robust = posterior.info.get("robust")
    scale, fu, bp, notes = {}, {}, {}, []
    unfitted = []
    for drug in drugs:
        d = catalog.drug(drug)
        own = drug_stream(unc.seed, drug)
        if not potency_fitted(drug):  # no fitted potency row: the plausible range of its potency constant
            constant = d.cellular_factor or d.constants[d.targets[0]]
            r = uncertain_parameters([constant]).iloc[0]
            low, high = math.log10(r["lower"] / r["value"]), math.log10(r["upper"] / r["value"])
            prior = drug_priors(drug)
            fu[drug] = 10.0 ** own.normal(prior["fu_plasma"].mean, prior["fu_plasma"].sd, unc.draws)
            bp[drug] = 10.0 ** own.normal(prior["blood_to_plasma"].mean, prior["blood_to_plasma"].sd, unc.draws)
            # what a new assay adds, as fitted on the drugs with rows (tau, sigma): an assumed range alone
            # gave a drug without rows an interval narrower than those of the drugs with rows
            # (deucravacitinib's IL-12 IC50 7x wide beside ruxolitinib's 500x)
            tau, sigma = (posterior.draws[c].to_numpy()[pick] for c in ("tau", "sigma"))
            residual = own.standard_t(STUDENT_T_DF, unc.draws) if robust else own.standard_normal(unc.draws)
            scale[drug] = 10.0 ** (own.uniform(low, high, unc.draws) + tau * source_effect[pick] + sigma * residual)
            unit = "" if str(r.get("unit", "")) in ("", "dimensionless", "1") else f" {r['unit']}"
            notes.append(f"{drug}: no fitted measured row; its potency varies log-uniformly over the plausible "
                         f"range of {constant} ({r['lower']:g}-{r['upper']:g}{unit}, a declared assumption), a new "
                         "assay's between-source and within-source variability is added as fitted for the other "
                         "drugs, and its fraction unbound varies over its assumed range")
            unfitted.append(drug)
            continue
        residual = own.standard_t(STUDENT_T_DF, n) if robust else own.standard_normal(n)
        log_shift = posterior.new_source_draws(drug, source_effect=source_effect, residual=residual, system=system,
                                               system_effect=system_effect)[pick]
        scale[drug] = 10.0 ** log_shift / model_values[factor_parameter(drug)]
        fu[drug] = posterior.draws[f"fu_{drug}"].to_numpy()[pick]
        bp[drug] = posterior.draws[f"bp_{drug}"].to_numpy()[pick]
    if len(unfitted) < len(drugs):
        notes.append(f"drug potency: posterior of the potency model ({posterior.info['rows']} fit rows from "
                     f"{posterior.info['sources']} sources; docs/pharmacology.md) with a new assay's "
                     "between-source and within-source variability, as fitted: what assays differ by and the "
                     "model's own error across assay systems, which the rows cannot tell apart")
        if posterior.system_terms:
            known = system is not None and system in posterior.systems
            notes.append(f"assay system {system or '(no cytokine given)'}: "
                         + ("its fitted effect (measured rows were read in it)" if known else
                            "a new system's effect, drawn from the between-system spread (no fit row was read in it)"))
    return scale, fu, bp, notes


def _new_source(rng: np.random.Generator, unc: Uncertainty):
    """One posterior draw and one new source per draw, shared by every drug: the posterior,
    its size, the picks, the new source's effects and (where the model has system terms)
    the new system's."""
    posterior = load_posterior()
    n = len(posterior.draws)
    pick = rng.choice(n, size=unc.draws, replace=unc.draws > n)
    source_effect = rng.standard_normal(n)
    # a new system's effect, shared by the drugs as the source's; drawn only where the model has
    # system terms, so a posterior without them gives the same draws as before they existed
    system_effect = rng.standard_normal(n) if posterior.system_terms else None
    return posterior, n, pick, source_effect, system_effect


def _fixed_potency(drugs: Sequence[str], n: int):
    scale = {d: np.ones(n) for d in drugs}
    fu = {d: np.full(n, catalog.drug(d).fraction_unbound) for d in drugs}
    bp = {d: np.ones(n) for d in drugs}
    return scale, fu, bp


# ----------------------------------------------------------------------------- parameter sets


def varied_parameters(model: Model) -> pd.DataFrame:
    """The uncertain parameters a ``parameters`` draw varies in ``model``'s context: all
    with a plausible range except the drugs' cellular factors (refitted instead) and
    those the context sets to 0 (absent in these cells)."""
    ranges = uncertain_parameters()
    values = model.parameter_values()
    keep = [p for p in ranges.index if not p.startswith("cellular_factor_") and values.get(p) != 0]
    return ranges.loc[keep]


def parameter_draws(model: Model, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets drawn log-uniformly over :func:`varied_parameters`."""
    ranges = varied_parameters(model)
    rng = np.random.default_rng(seed)
    low, high = np.log10(ranges["lower"].to_numpy()), np.log10(ranges["upper"].to_numpy())
    design = 10.0 ** rng.uniform(low, high, size=(n, len(ranges)))
    return [dict(zip(ranges.index, map(float, row))) for row in design]


@cache
def _context_overrides(context: str) -> frozenset[str]:
    """Parameters a context sets to values of its own (contexts.tsv)."""
    table = pd.read_csv(catalog.models_dir() / "contexts.tsv", sep="\t", dtype=str, keep_default_na=False)
    return frozenset(table.loc[(table["context"] == context) & (table["parameter"] != "description"), "parameter"])


_WORKER_MODELS: dict[str, Model] = {}
# both are built from the tables: a store that rewrites them (calibrate --store) empties them
catalog.on_reload(_context_overrides.cache_clear)
catalog.on_reload(_WORKER_MODELS.clear)


def _row_model(model: Model, context: str) -> Model:
    if model.context == context:
        return model
    if context not in _WORKER_MODELS:
        _WORKER_MODELS[context] = load_model(context=context)
    return _WORKER_MODELS[context]


REFIT_TOLERANCE_LOG10 = 0.01  # a 2% IC50 is ample beside the spread the sets show


def refit_rows(model: Model, parameters: Mapping[str, float], rows: list[dict],
               engine: str = DEFAULT_ENGINE) -> list[float]:
    """Each fit row's IC50 at factor 1 under ``parameters`` (a module-level function, so
    it runs on :func:`~jakstat_sbml.parallel.map_on_model` workers); rows that share a
    condition are simulated once, each search starting from the row's reference IC50
    (``reference_nM``, when the row has it). A row of another context keeps what that
    context sets itself: a draw replaces only the parameters the row's context takes from
    the defaults."""
    out, seen = [], {}
    for row in rows:
        key = condition_key(row)
        if key not in seen:
            m = _row_model(model, row["context"])
            own = _context_overrides(row["context"]) if row["context"] != model.context else frozenset()
            params = {p: v for p, v in parameters.items() if p not in own}
            ic50, status = row_ic50(m, row, parameters=params, tolerance=REFIT_TOLERANCE_LOG10,
                                    guess=row.get("reference_nM"), engine=engine)
            seen[key] = ic50 if status == "ok" else math.nan
        out.append(seen[key])
    return out


def _refitted_scales(model: Model, drugs: Sequence[str], sets: list[dict], *, n_jobs: int, client, engine: str,
                     progress: Callable[[int, int], None] | None):
    """Per drug and set: the potency factor change that refits the drug's fit rows
    (log10 mean of reference over drawn IC50s), and which sets could be refitted."""
    rows = measurements(roles=("fit",))
    rows = rows[rows["drug"].isin(drugs)]
    if rows.empty:
        return {d: np.ones(len(sets)) for d in drugs}, np.ones(len(sets), bool), []
    reference = reference_ic50s(rows, model=model, engine=engine)
    ok = reference["status"].to_numpy() == "ok"
    rows, reference = rows[ok].reset_index(drop=True), reference[ok].reset_index(drop=True)
    records = [{**dict(r), "reference_nM": float(x)} for (_, r), x in zip(rows.iterrows(), reference["reference_nM"])]
    if n_jobs == 1 and client is None:
        results = []
        for i, params in enumerate(sets):
            results.append(refit_rows(model, params, records, engine))
            if progress:
                progress(i + 1, len(sets))
    else:
        results = map_on_model(model, refit_rows, [(p, records, engine) for p in sets], n_jobs=n_jobs,
                               client=client)
        if progress:
            progress(len(sets), len(sets))
    drawn = np.array(results, float)  # sets x rows
    log_ratio = np.log10(drawn) - np.log10(reference["reference_nM"].to_numpy())[None, :]
    scales, valid = {}, np.ones(len(sets), bool)
    for d in drugs:
        mine = (rows["drug"] == d).to_numpy()
        if not mine.any():
            scales[d] = np.ones(len(sets))
            continue
        part = log_ratio[:, mine]
        usable = np.isfinite(part)
        mean = np.where(usable.any(axis=1), np.nansum(np.where(usable, part, 0), axis=1)
                        / np.maximum(usable.sum(axis=1), 1), np.nan)
        valid &= np.isfinite(mean)
        scales[d] = 10.0 ** np.nan_to_num(-mean, nan=0.0)
    note = (f"parameter ranges: {len(sets)} sets drawn log-uniformly over {len(sets[0])} plausible ranges "
            f"(models/parameters.tsv), each drug's potency refitted per set to its {int(len(rows))} measured fit "
            "rows; the spread left is what those rows do not constrain")
    return scales, valid, [note]


# ----------------------------------------------------------------------------- the plan


def uses_parameter_ranges(model: Model, unc: Uncertainty) -> bool:
    """Whether ``unc`` draws parameter sets from the plausible ranges in this context (the
    slow part: the drug layer is refitted for each)."""
    return unc.mode == "parameters" or (unc.mode == "all" and model.context not in ensemble_contexts())


def plan_draws(model: Model, drugs: Sequence[str], unc: Uncertainty, *, cytokine: str | None = None,
               n_jobs: int = 1, client=None, engine: str = DEFAULT_ENGINE,
               progress: Callable[[int, int], None] | None = None) -> DrawPlan:
    """The draws of ``unc`` for a prediction about ``drugs`` in ``model``'s context.

    Raises InputError for calibration uncertainty in a context without a calibration
    ensemble and for parameter-range uncertainty in a calibrated one (its parameter
    uncertainty is the ensemble). ``cytokine``: the stimulus the prediction reads, which
    with the context names its assay system (used where the posterior has system
    terms). ``n_jobs``/``client``/``engine``: where and on what the
    drug layer is refitted per parameter set (parameter-range uncertainty only);
    ``progress(done, total)`` is told as sets finish (the caller shows it)."""
    drugs = [catalog.drug(d).name for d in drugs]
    calibrated = model.context in ensemble_contexts()
    check_context(unc, model.context)
    values = model.parameter_values()
    use_potency = unc.mode in ("potency", "all")
    use_calibration = unc.mode == "calibration" or (unc.mode == "all" and calibrated)
    use_parameters = unc.mode == "parameters" or (unc.mode == "all" and not calibrated)
    components, notes, records = [], [], ()
    if unc.mode == "calibration":
        ens = load_ensemble(model)
        n = len(ens)
        sets = tuple(ens.parameter_sets())
        scale, fu, bp = _fixed_potency(drugs, n)
        return DrawPlan(model.context, unc, ("calibration ensemble",), sets, np.arange(n), scale,
                        {d: np.ones(n) for d in drugs}, fu, bp, np.ones(n, bool),
                        (f"calibration ensemble: {n} parameter sets of {ens.dataset} within the 95% "
                         "likelihood-ratio threshold (docs/uncertainty.md)",))
    n = unc.draws
    if use_potency:
        system = system_name(model.context, catalog.cytokine(cytokine).name) if cytokine else None
        scale, fu, bp, potency_notes = _potency(drugs, unc, values, system)
        # a drug with no measured potency row draws from its plausible range, not from the posterior
        if any(potency_fitted(d) for d in drugs):
            components += ["drug potency posterior", "between-assay variability"]
        if not all(potency_fitted(d) for d in drugs):
            components += [UNFITTED_POTENCY]
            if not any(potency_fitted(d) for d in drugs):  # added to the assumed range as to the posterior
                components += ["between-assay variability"]
        notes += potency_notes
        # what the cross-validation measured for these very intervals, beside what they assume:
        # each drug's held-out rows, and the rows read in the same assay system (every drug)
        measured = [track_record(d) for d in drugs]
        # the assay system's record is of the posterior's intervals: not of a drug drawn from an assumed range
        fitted_drug = any(potency_fitted(d) for d in drugs)
        measured += [system_track_record(model.context, cytokine)] if cytokine and fitted_drug else []
        records = tuple(r for r in measured if r is not None)
    else:
        scale, fu, bp = _fixed_potency(drugs, n)
    sets: tuple[dict, ...] = ({},)
    valid = np.ones(1, bool)
    set_scale = {d: np.ones(1) for d in drugs}
    if use_calibration:
        ens = load_ensemble(model)
        sets = tuple(ens.parameter_sets())
        valid = np.ones(len(sets), bool)
        set_scale = {d: np.ones(len(sets)) for d in drugs}
        components.append("calibration ensemble")
        notes.append(f"calibration ensemble: {len(sets)} parameter sets of {ens.dataset}, drawn in turn")
    if use_parameters:
        drawn = parameter_draws(model, min(unc.parameter_sets, n), unc.seed)
        set_scale, valid, refit_notes = _refitted_scales(model, drugs, drawn, n_jobs=n_jobs, client=client, engine=engine,
                                                         progress=progress)
        sets = tuple(drawn)
        components.append("parameter ranges (drug layer refitted per set)")
        notes += refit_notes
        if not use_potency and not use_calibration:
            # nothing else varies between draws: 200 draws over 40 sets were 40 values repeated, and the
            # ends' precision was computed as if from 200
            if n > len(sets):
                notes.append(f"parameter ranges alone: one draw per parameter set, {len(sets)} in all ({n} draws, "
                             "the number set, would only repeat them)")
            n = len(sets)
            scale, fu, bp = _fixed_potency(drugs, n)
    return DrawPlan(model.context, unc, tuple(components), sets, np.arange(n) % len(sets), scale, set_scale, fu, bp,
                    valid, tuple(notes), records)


def with_parameter_set(conditions: Sequence[Condition], parameters: Mapping[str, float]) -> list[Condition]:
    """``conditions`` with a draw's parameter set underneath their own overrides."""
    if not parameters:
        return list(conditions)
    out = []
    for cond in conditions:
        merged = {**parameters, **dict(cond.parameters)}
        out.append(replace(cond, parameters=tuple(sorted(merged.items()))))
    return out


def order_rank(n: int, level: float) -> int:
    """0-based rank of the lower end of a central ``level`` interval of ``n`` draws; the
    upper end is the same rank from the top (``n - 1 - rank``): the same order statistic
    from each end. numpy's inverted_cdf took the lowest and the 19th of 20 draws,
    lopsided, and covered 18 in 21 new draws for a 90% interval where the symmetric pair
    covers 19 in 21."""
    return max(math.ceil((1 - level) / 2 * n), 1) - 1


def central_interval(values, level: float) -> tuple[float, float, float]:
    """(low, median, high) of the finite draws of a real quantity (an inhibition, an
    excess): the order statistics of :func:`order_rank`, as the IC50 intervals take them
    (they used linear interpolation between draws)."""
    v = np.asarray(values, float)
    v = np.sort(v[np.isfinite(v)])
    if v.size == 0:
        return math.nan, math.nan, math.nan
    k = order_rank(v.size, level)
    return float(v[k]), float(np.median(v)), float(v[v.size - 1 - k])


def end_precision(values: np.ndarray, level: float, confidence: float = 0.90) -> tuple[tuple[float, float], ...]:
    """How well a finite number of draws pins each end of the ``level`` interval down: for
    the low and the high end, the range the true percentile lies in with at least
    ``confidence`` (distribution-free, from the binomial distribution of the order
    statistics; open ends and draws outside the doses as in :func:`interval`). Where the
    draws are too few to bracket a percentile at that confidence (a 5th percentile from 20
    draws: all 20 lie above it 36% of the time), that side of its range is open (NaN), not
    the extreme draw. At 200 draws a 90% interval's upper end moved from 129 to 90 nM with
    the streams alone: the ends are estimates."""
    from scipy.stats import binom

    v = np.asarray(values, float)
    n = v.size
    if n == 0:
        return (math.nan, math.nan), (math.nan, math.nan)
    low_side, high_side = (np.sort(side) for side in _open_sides(v))
    alpha = 1 - confidence
    ends = []
    for p, side in (((1 - level) / 2, low_side), (1 - (1 - level) / 2, high_side)):
        # B, the number of draws below the percentile, is Binomial(n, p); the percentile lies
        # at or above the draw of 0-based rank k exactly when B > k, below rank j when B <= j
        first = int(binom.ppf(alpha / 2, n, p)) - 1  # largest k with P(B <= k) <= alpha/2
        last = int(binom.ppf(1 - alpha / 2, n, p))    # smallest j with P(B <= j) >= 1 - alpha/2
        a = side[first] if first >= 0 else math.nan  # no draw is low enough to bound it
        b = side[last] if last < n else math.nan
        ends.append((float(a) if 0 < a < np.inf else math.nan, float(b) if 0 < b < np.inf else math.nan))
    return tuple(ends)


def _open_sides(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The draws as each end counts them: a NaN (not determined by the doses) could lie at
    either end, so it is 0 for the low end and inf for the high end (both read as open)."""
    return np.where(np.isnan(v), 0.0, v), np.where(np.isnan(v), np.inf, v)


def interval(values: np.ndarray, level: float, envelope: bool = False) -> tuple[float, float]:
    """The central ``level`` interval of draws: ``inf`` marks a draw above the tested
    doses, 0 one below them, NaN one the doses do not determine (counted at whichever
    end it could lie). An end that falls on such a draw is NaN (open). ``envelope``:
    the minimum and maximum instead of percentiles."""
    v = np.asarray(values, float)
    if v.size == 0:
        return math.nan, math.nan
    low_side, high_side = _open_sides(v)
    if envelope:
        lo, hi = low_side.min(), high_side.max()
    else:
        k = order_rank(v.size, level)
        lo, hi = np.sort(low_side)[k], np.sort(high_side)[v.size - 1 - k]
    return (float(lo) if 0 < lo < np.inf else math.nan), (float(hi) if 0 < hi < np.inf else math.nan)
