"""One compiled model, many experiments.

:func:`load_model` compiles the SBML once into a RoadRunner instance. Every
experiment is a :class:`Condition` (cytokines, drugs, knockouts, overexpression,
mutations, timing) that becomes parameter values only: no recompilation, no
events, no ``init()`` setters. Each simulation starts from the steady state of the
context without cytokine (cached per genotype), so one condition never leaks
into the next.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError, ModelFileError, SimulationError, UnknownNameError
from .units import PlasmaDose, to_nM

# Solver settings. Absolute tolerance is per species amount (zmol = nM x pL), the
# same for every species: RoadRunner otherwise scales it by each species' initial
# value, which makes species that start at zero force thousands of tiny steps.
# tests/test_solver.py checks that tightening both 100x changes results by < 1e-4.
RELATIVE_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 1e-10
PREEQUILIBRATION_TIME = 1e5  # min; slowest basal process is receptor turnover (~4 h)
STEADY_STATE_RATE = 1e-9  # nM/min; largest rate of change accepted as steady


@dataclass(frozen=True)
class Condition:
    """A fully specified, validated experiment (doses in nM, times in min)."""

    cytokines: tuple[tuple[str, float], ...] = ()
    drugs: tuple[tuple[str, float], ...] = ()  # free (medium) concentrations
    knockouts: tuple[str, ...] = ()
    overexpress: tuple[tuple[str, float], ...] = ()  # fold over the context's level
    mutations: tuple[tuple[str, float], ...] = ()  # mutant fraction of the protein
    parameters: tuple[tuple[str, float], ...] = ()  # raw parameter overrides (advanced)
    preincubation: float = 0.0
    t_end: float = 120.0
    points: int = 121

    @classmethod
    def make(
        cls,
        cytokines: Mapping[str, object] | None = None,
        drugs: Mapping[str, object] | None = None,
        knockouts: Iterable[str] | str | None = None,
        overexpress: Mapping[str, float] | None = None,
        mutations: Mapping[str, float] | Iterable[str] | None = None,
        parameters: Mapping[str, float] | None = None,
        preincubation: float = 0.0,
        t_end: float = 120.0,
        points: int | None = None,
    ) -> Condition:
        """Validate user input and return the normalised condition (raises InputError)."""
        cyt = tuple(sorted((catalog.cytokine(k).name, _dose(v, k, catalog.cytokine(k).mass_kda))
                           for k, v in _mapping(cytokines, "cytokines").items()))
        drg = []
        for k, v in _mapping(drugs, "drugs").items():
            d = catalog.drug(k)
            if isinstance(v, PlasmaDose):
                drg.append((d.name, _dose(v.dose, k) * d.fraction_unbound))
            else:
                drg.append((d.name, _dose(v, k)))
        if isinstance(knockouts, str):
            knockouts = [knockouts]
        ko = tuple(sorted({catalog.gene(g).symbol for g in (knockouts or [])}))
        ox = []
        for g, fold in _mapping(overexpress, "overexpress").items():
            sym = catalog.gene(g).symbol
            fold = _number(fold, f"overexpress[{g!r}]")
            if fold < 0:
                raise InputError(f"overexpress[{g!r}]: fold must not be negative, got {fold}")
            if sym in ko:
                raise InputError(f"{sym} is both knocked out and overexpressed")
            ox.append((sym, fold))
        if isinstance(mutations, str):
            mutations = [mutations]
        if mutations is not None and not isinstance(mutations, Mapping):
            mutations = {m: 1.0 for m in mutations}
        mut = []
        for m, frac in _mapping(mutations, "mutations").items():
            name = catalog.mutation(m).name
            frac = _number(frac, f"mutations[{m!r}]")
            if not 0 <= frac <= 1:
                raise InputError(f"mutations[{m!r}]: mutant fraction must be in [0, 1], got {frac}")
            mut.append((name, frac))
        par = []
        known = catalog.parameter_table()
        for p, v in _mapping(parameters, "parameters").items():
            if p not in known or known[p].unit == "pL":
                raise UnknownNameError("parameter", p, [k for k, r in known.items() if r.unit != "pL"])
            v = _number(v, f"parameters[{p!r}]")
            if v < 0:
                raise InputError(f"parameters[{p!r}]: must not be negative, got {v}")
            par.append((p, v))
        pre = _number(preincubation, "preincubation")
        if pre < 0:
            raise InputError(f"preincubation must be >= 0 min, got {preincubation!r}")
        t_end = _number(t_end, "t_end")
        if t_end <= 0:
            raise InputError(f"t_end must be > 0 min, got {t_end!r}")
        if points is None:
            points = int(min(max(round(t_end), 1), 1000)) + 1
        if isinstance(points, bool) or not isinstance(points, numbers.Integral) or points < 2:
            raise InputError(f"points must be an integer >= 2, got {points!r}")
        return cls(cyt, tuple(sorted(drg)), ko, tuple(sorted(ox)), tuple(sorted(mut)),
                   tuple(sorted(par)), pre, t_end, int(points))

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("cytokines", "drugs", "overexpress", "mutations", "parameters"):
            d[k] = dict(d[k])
        d["knockouts"] = list(d["knockouts"])
        return d

    def label(self) -> str:
        parts = [f"{k} {v:g} nM" for k, v in self.cytokines] or ["no cytokine"]
        parts += [f"{k} {v:g} nM" for k, v in self.drugs]
        parts += [f"{g} KO" for g in self.knockouts]
        parts += [f"{g} x{f:g}" for g, f in self.overexpress]
        parts += [f"{m} ({f:g})" for m, f in self.mutations]
        parts += [f"{p}={v:g}" for p, v in self.parameters]
        return ", ".join(parts)

    def genotype(self) -> tuple:
        """Everything that shapes the pre-stimulation steady state."""
        return (self.knockouts, self.overexpress, self.mutations, self.parameters)


def _mapping(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{what} must be a mapping of name to value, got {type(value).__name__}")
    return dict(value)


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise InputError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _dose(value, name: str, mass_kda: float | None = None) -> float:
    return to_nM(value, what=f"dose of {name}", mass_kda=mass_kda)


class Model:
    """The JAK/STAT model compiled once, in one cell context."""

    def __init__(self, sbml: str | Path | None = None, context: str = catalog.DEFAULT_CONTEXT):
        import roadrunner

        path = Path(sbml) if sbml is not None else catalog.bundled_sbml_path()
        self._ctx = catalog.context(context)
        self.path = path
        text = _read_sbml(path)
        try:
            self._rr = roadrunner.RoadRunner(text)
        except Exception as exc:  # RoadRunner raises RuntimeError with libsbml's message
            raise ModelFileError(f"{path}: RoadRunner could not load the model: {exc}") from None
        self._check_catalog_names()
        rr = self._rr
        rr.integrator.relative_tolerance = RELATIVE_TOLERANCE
        for sid in rr.model.getFloatingSpeciesIds():
            rr.integrator.setIndividualTolerance(sid, ABSOLUTE_TOLERANCE)
        ids = list(rr.model.getGlobalParameterIds())
        self._param_index = {p: i for i, p in enumerate(ids)}
        table = catalog.parameter_table()
        # Parameters an experiment may change: every tabulated constant of the model.
        self._tunable = [p for p in table if p in self._param_index]
        defaults = {p: float(rr.model.getGlobalParameterValues([self._param_index[p]])[0]) for p in self._tunable}
        for p, v in self._ctx.overrides.items():
            if p not in defaults:
                raise ModelFileError(f"context {self._ctx.name!r} sets {p!r}, which the model lacks")
            defaults[p] = v
        self._context_values = defaults
        self._tunable_idx = np.array([self._param_index[p] for p in self._tunable], dtype=np.int32)
        self._steady: dict[tuple, np.ndarray] = {}
        self._readout_selection = {r: _selector(rr, r) for r in catalog.READOUTS}

    # ------------------------------------------------------------------ info
    @property
    def context(self) -> str:
        return self._ctx.name

    @property
    def roadrunner(self):
        """The underlying RoadRunner (shared: changing it by hand voids the guarantees)."""
        return self._rr

    def parameter_values(self) -> dict[str, float]:
        """Tabulated parameter values in this context (before any perturbation)."""
        return dict(self._context_values)

    def __repr__(self) -> str:
        m = self._rr.model
        return (f"<jakstat Model context={self.context!r} species={m.getNumFloatingSpecies()} "
                f"reactions={m.getNumReactions()} file={self.path.name!r}>")

    # ------------------------------------------------------------------ run
    def condition(self, **kwargs) -> Condition:
        return Condition.make(**kwargs)

    def simulate(self, cytokines=None, drugs=None, knockouts=None, overexpress=None,
                 mutations=None, parameters=None, preincubation=0.0, t_end=120.0,
                 points=None, readouts=None) -> pd.DataFrame:
        """Time course of the named readouts.

        Doses: floats are nM, strings carry units ("40 ng/mL", "1 uM");
        ``js.plasma("1 uM")`` marks a drug dose as total plasma concentration.
        Drugs are added ``preincubation`` minutes before the cytokines (time 0).
        Returns a DataFrame with ``time`` (min) and one column per readout (nM,
        ``tx_*`` 0-1); ``df.attrs["condition"]`` holds the condition.
        """
        cond = Condition.make(cytokines=cytokines, drugs=drugs, knockouts=knockouts,
                              overexpress=overexpress, mutations=mutations, parameters=parameters,
                              preincubation=preincubation, t_end=t_end, points=points)
        return self.run(cond, readouts=readouts)

    def run(self, cond: Condition, readouts: Iterable[str] | None = None) -> pd.DataFrame:
        names = list(readouts) if readouts is not None else list(catalog.READOUTS)
        for r in names:
            catalog.readout(r)
        sel = ["time"] + [self._readout_selection[r] for r in names]
        data = self._simulate_array(cond, sel)
        df = pd.DataFrame(data, columns=["time"] + names)
        df.attrs["condition"] = cond.as_dict()
        df.attrs["context"] = self.context
        df.attrs["units"] = {"time": "min", **{r: catalog.READOUTS[r].unit for r in names}}
        return df

    def steady_state(self, cond: Condition | None = None) -> dict[str, float]:
        """Readouts of the unstimulated steady state for a genotype (nM)."""
        cond = cond or Condition()
        rr = self._rr
        self._set_parameters(self._genotype_values(cond))
        rr.model.setFloatingSpeciesAmounts(self._steady_state(cond))
        return {r: float(rr[self._readout_selection[r]]) for r in catalog.READOUTS}

    # ------------------------------------------------------------------ internals
    def _genotype_values(self, cond: Condition) -> np.ndarray:
        values = dict(self._context_values)
        for p in values:
            if p.startswith("dose_"):
                values[p] = 0.0
        for g in cond.knockouts:
            values[catalog.GENES[g].parameter] = 0.0
        for g, fold in cond.overexpress:
            p = catalog.GENES[g].parameter
            values[p] = self._context_values[p] * fold
        for m, frac in cond.mutations:
            values[catalog.MUTATIONS[m].parameter] = frac
        for p, v in cond.parameters:
            values[p] = v
        return np.array([values[p] for p in self._tunable])

    def _set_parameters(self, vector: np.ndarray) -> None:
        self._rr.model.setGlobalParameterValues(self._tunable_idx, vector)

    def _steady_state(self, cond: Condition) -> np.ndarray:
        key = cond.genotype()
        cached = self._steady.get(key)
        if cached is not None:
            return cached
        rr = self._rr
        rr.reset()  # initial assignments from the (already set) totals
        rr.model.setTime(0.0)
        try:
            for _ in range(3):
                rr.simulate(rr.model.getTime(), rr.model.getTime() + PREEQUILIBRATION_TIME, 2, ["time"])
                rate = np.max(np.abs(rr.model.getFloatingSpeciesConcentrationRates()))
                if rate < STEADY_STATE_RATE:
                    break
            else:
                raise SimulationError(
                    f"no steady state without cytokine for genotype [{cond.label() or 'wild type'}] "
                    f"(largest rate {rate:.3g} nM/min after {3 * PREEQUILIBRATION_TIME:g} min)"
                )
        except RuntimeError as exc:
            raise SimulationError(f"pre-equilibration failed for [{cond.label()}]: {exc}") from None
        state = rr.model.getFloatingSpeciesAmounts().copy()
        self._steady[key] = state
        return state

    def _stimulation_values(self, cond: Condition, genotype: np.ndarray, with_cytokines: bool) -> np.ndarray:
        values = dict(zip(self._tunable, genotype))
        for name, nM in cond.drugs:
            values[catalog.DRUGS[name].dose_parameter] = nM
        if with_cytokines:
            for name, nM in cond.cytokines:
                values[catalog.CYTOKINES[name].dose_parameter] = nM
        return np.array([values[p] for p in self._tunable])

    def _start(self, cond: Condition) -> None:
        """Put the RoadRunner at time 0 of ``cond``: genotype steady state, drug
        pre-incubation done, cytokine doses set."""
        rr = self._rr
        genotype = self._genotype_values(cond)
        self._set_parameters(genotype)
        start = self._steady_state(cond)
        rr.model.setFloatingSpeciesAmounts(start)
        if cond.preincubation > 0 and cond.drugs:
            rr.model.setTime(-cond.preincubation)
            self._set_parameters(self._stimulation_values(cond, genotype, with_cytokines=False))
            rr.simulate(-cond.preincubation, 0.0, 2, ["time"])
        rr.model.setTime(0.0)
        self._set_parameters(self._stimulation_values(cond, genotype, with_cytokines=True))

    def _simulate_array(self, cond: Condition, selections: list[str]) -> np.ndarray:
        rr = self._rr
        try:
            self._start(cond)
            out = rr.simulate(0.0, cond.t_end, cond.points, selections)
        except RuntimeError as exc:
            raise SimulationError(
                f"the solver failed for [{cond.label()}] in context {self.context!r}: {exc}. "
                "Try a shorter t_end, lower doses, or tighter tolerances "
                "(jakstat_sbml.model.RELATIVE_TOLERANCE / ABSOLUTE_TOLERANCE)."
            ) from None
        data = np.array(out)
        if not np.all(np.isfinite(data)):
            raise SimulationError(f"non-finite values in the simulation of [{cond.label()}]")
        return data

    # ------------------------------------------------------------------ for exporters
    def parameters_for(self, cond: Condition) -> dict[str, float]:
        """Every tabulated parameter's value while ``cond`` runs (after time 0):
        context, genotype, drug and cytokine doses."""
        genotype = self._genotype_values(cond)
        return dict(zip(self._tunable, self._stimulation_values(cond, genotype, with_cytokines=True).tolist()))

    def initial_concentrations(self, cond: Condition) -> dict[str, float]:
        """Concentration (nM) of every integrated species at time 0 of ``cond``:
        the unstimulated steady state of its genotype, after any drug pre-incubation."""
        try:
            self._start(cond)
        except RuntimeError as exc:
            raise SimulationError(f"the solver failed preparing [{cond.label()}]: {exc}") from None
        m = self._rr.model
        return dict(zip(m.getFloatingSpeciesIds(), np.array(m.getFloatingSpeciesConcentrations()).tolist()))

    def _check_catalog_names(self) -> None:
        m = self._rr.model
        present = set(m.getFloatingSpeciesIds()) | set(m.getBoundarySpeciesIds()) | set(m.getGlobalParameterIds())
        needed = set(catalog.READOUTS)
        needed |= {g.parameter for g in catalog.GENES.values()}
        needed |= {c.dose_parameter for c in catalog.CYTOKINES.values()}
        needed |= {d.dose_parameter for d in catalog.DRUGS.values()}
        needed |= {mu.parameter for mu in catalog.MUTATIONS.values()}
        missing = sorted(needed - present)
        if missing:
            raise ModelFileError(
                f"{self.path}: the model lacks {len(missing)} element(s) the catalog needs: "
                f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}"
            )


def _read_sbml(path: Path) -> str:
    import libsbml

    if not path.exists():
        raise ModelFileError(f"model file not found: {path}")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"cannot read {path}: {exc}") from None
    # Parse with libsbml first: it never executes anything from the file and gives
    # clear messages for XML that is not SBML.
    doc = libsbml.readSBMLFromString(text)
    fatal = [doc.getError(i) for i in range(doc.getNumErrors())
             if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if doc.getModel() is None or fatal:
        why = fatal[0].getMessage().strip().splitlines()[0] if fatal else "no <model> element"
        raise ModelFileError(f"{path} is not a valid SBML model: {why}")
    return text


def _selector(rr, name: str) -> str:
    """RoadRunner selection giving a readout as a concentration."""
    if name in rr.model.getFloatingSpeciesIds():
        return f"[{name}]"
    return name


def load_model(path: str | Path | None = None, context: str = catalog.DEFAULT_CONTEXT) -> Model:
    """Load the bundled model (or the SBML at ``path``) in a cell context.

    ``js.contexts()`` lists the contexts; the default is the malignant T cell ("ctcl").
    """
    catalog.context(context)  # fail early on an unknown context
    return Model(path, context=context)
