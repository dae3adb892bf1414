"""One compiled model, many experiments.

:func:`load_model` compiles the SBML once into a RoadRunner instance. Every
experiment is a :class:`Condition` (cytokines, drugs, knockouts, overexpression,
mutations, timing) that becomes parameter values only: no recompilation, no
events, no ``init()`` setters. Each simulation starts from the steady state of the
context without cytokine (cached per genotype), so one condition never leaks
into the next.
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalog
from .regimens.pharmacokinetics import molar_mass
from .regimens.regimen import Regimen
from .regimens.simulation import as_regimens, simulate_regimens
from .errors import InputError, ModelFileError, SimulationError, UnknownNameError, refuse_repeats
from .units import as_plasma, drug_nM, to_nM

# Solver settings (defaults; Model.set_solver_options changes them per model).
# Absolute tolerance is per species amount (zmol = nM x pL), the same for every
# species: RoadRunner otherwise scales it by each species' initial value, which
# makes species that start at zero force thousands of tiny steps. 1e-13 zmol is
# ~2.5e-13 nM in the cytoplasm (one molecule per cell is ~0.004 nM).
# Relative 1e-7 because CVODE conserves protein totals only to about its relative
# tolerance: at 1e-6 a TYK2 total drifted by 1.2e-5 (IL-12 on a JAK3 A572V cell),
# at 1e-7 / 1e-13 totals hold to < 2e-8 over random conditions, results are within
# 1.4e-6 of a converged solution (1.5e-5 at 1e-6) and simulations cost 3-18% more.
# tests/test_solver.py has the study and checks that 100x tighter tolerances change
# results by < 1e-4; tests/test_properties.py checks conservation. MAXIMUM_STEPS is
# CVODE's internal-step budget per output interval (RoadRunner's default); the
# 1e5 min pre-equilibration needs a few hundred.
RELATIVE_TOLERANCE = 1e-7
ABSOLUTE_TOLERANCE = 1e-13
MAXIMUM_STEPS = 20000
PREEQUILIBRATION_TIME = 1e5  # min; slowest basal process is receptor turnover (~4 h)
MINIMUM_SPAN = 1e-6  # min; shorter spans are below CVODE's resolution of time
MAXIMUM_POINTS = 100_000  # output rows per simulation
STEADY_STATE_RATE = 1e-9  # nM/min; largest rate of change accepted as steady
# Concentrations are never negative, but CVODE leaves species that should be 0 at
# +-(absolute tolerance): around -1e-13 nM at the default tolerances (worst of 189
# runs over every context, cytokine, 1 pM-100 nM, knockouts, mutations and drugs:
# -9.8e-14 nM). Results handed to users have values above -NEGATIVE_TOLERANCE set to
# 0; a value below it is a wrong result, not noise, and raises SimulationError. The
# bound grows with a loosened absolute tolerance (100 x its nM equivalent in the
# smallest compartment), so noise at the user's own tolerance is never an error.
NEGATIVE_TOLERANCE = 1e-9  # nM
# Rounds of PREEQUILIBRATION_TIME before giving up. Constitutive mutants in slow-phosphatase
# contexts (lymphoma: nuclear pSTAT5 dephosphorylation ~1e-4/min, as in Raia 2011's fit)
# settle on a ~5e4 min time scale and need up to ~7e5 min.
PREEQUILIBRATION_ROUNDS = 12
# Drugs are added this many minutes before the cytokine unless ``preincubation=`` says
# otherwise, in every function that takes a drug (simulate, run, export, the
# experiments, the CLI): inhibitor assays treat cells before stimulating them, and the
# pharmacology validation assumes 30 min where its sources do not state it.
DEFAULT_PREINCUBATION = 30.0  # min
REGIMEN_OUTPUT_STEP = 10.0  # min between output points of a regimen run (days long) by default
# Unstimulated steady states a model keeps, one per genotype (knockouts, overexpression,
# mutations, parameters=), the least recently used evicted first. A state is 161 floats
# and its key up to ~280 (name, value) pairs: <= ~25 kB an entry, <= ~6 MB in all.
# Screens have tens of genotypes (the knockout screen 40), so they never evict; a
# sampling run of random parameter variants has one genotype per variant, and without
# a limit held every state it ever computed.
STEADY_STATES_KEPT = 256


@dataclass(frozen=True)
class Condition:
    """A fully specified, validated experiment (doses in nM, times in min)."""

    cytokines: tuple[tuple[str, float], ...] = ()
    drugs: tuple[tuple[str, float], ...] = ()  # free (medium) concentrations
    knockouts: tuple[str, ...] = ()
    overexpress: tuple[tuple[str, float], ...] = ()  # fold over the context's level
    mutations: tuple[tuple[str, float], ...] = ()  # mutant fraction of the protein
    parameters: tuple[tuple[str, float], ...] = ()  # raw parameter overrides (advanced)
    preincubation: float = DEFAULT_PREINCUBATION  # min of drug before the cytokine; 0 without drugs
    t_end: float = 120.0
    points: int = 121
    regimens: tuple[Regimen, ...] = ()  # oral dosing from time 0 (jakstat_sbml.dosing), one per drug

    def __post_init__(self):
        # Pre-incubation is a property of the constant drugs: a condition without them has
        # none, and under a regimen they start with the first dose (time 0), so conditions
        # that simulate the same thing compare (and export) equal.
        if (not self.drugs or self.regimens) and self.preincubation:
            object.__setattr__(self, "preincubation", 0.0)

    @classmethod
    def make(
        cls,
        cytokines: Mapping[str, object] | None = None,
        drugs: Mapping[str, object] | None = None,
        knockouts: Iterable[str] | str | None = None,
        overexpress: Mapping[str, float] | None = None,
        mutations: Mapping[str, float] | Iterable[str] | None = None,
        parameters: Mapping[str, float] | None = None,
        preincubation: float = DEFAULT_PREINCUBATION,
        t_end: float | None = None,
        points: int | None = None,
        plasma: bool = False,
        regimen=None,
        **unknown,
    ) -> Condition:
        """Validate user input and return the normalised condition (raises InputError).

        Bare-number doses are nM (strings carry units); see :mod:`jakstat_sbml.units`
        for the doses that warn or are refused. A drug dose is free (medium)
        concentration unless marked ``js.plasma(dose)``; ``plasma=True`` marks every
        drug dose as total plasma concentration (converted with the drug's fraction
        unbound). Drugs are added ``preincubation`` min (default
        :data:`DEFAULT_PREINCUBATION`) before the cytokines; a condition without
        drugs has no pre-incubation (stored as 0). A misspelt keyword raises
        UnknownNameError naming the nearest valid one.

        ``regimen=js.regimen(...)`` (or a list, one per drug) doses orally from time 0,
        when the cytokines go on and stay on; ``drugs=`` doses then start at time 0 too
        (no pre-incubation). ``t_end`` (min) defaults to 120, or to the whole regimen
        when there is one; ``points`` (evenly spaced from 0 to ``t_end``) to ``t_end`` rounded
        to whole min plus 1, at most 1001 (one per min when ``t_end`` is whole; one per
        10 min under a regimen).
        """
        _reject_unknown(unknown, CONDITION_KEYWORDS, "Condition.make() keyword")
        cyt = tuple(sorted((catalog.cytokine(k).name, _dose(v, k, catalog.cytokine(k).mass_kda))
                           for k, v in _mapping(cytokines, "cytokines").items()))
        if not isinstance(plasma, bool):
            raise InputError(f"plasma must be True or False, got {plasma!r}")
        if plasma and not _mapping(drugs, "drugs"):
            # it once marked nothing without a word, as --plasma without -d did
            raise InputError("plasma=True marks drug doses as total plasma, but no drug is given (drugs=)")
        drg = []
        for k, v in as_plasma(_mapping(drugs, "drugs"), plasma).items():
            d = catalog.drug(k)
            drg.append((d.name, drug_nM(v, what=f"dose of {k}", fraction_unbound=d.fraction_unbound,
                                        molar_mass=molar_mass(d.name))))
        symbols = [catalog.gene(g).symbol for g in _names(knockouts, "knockouts")]
        refuse_repeats(symbols, "knockouts")  # a gene twice was one knockout without a word (an audit)
        ko = tuple(sorted(set(symbols)))
        ox = []
        for g, fold in _mapping(overexpress, "overexpress").items():
            sym = catalog.gene(g).symbol
            fold = _number(fold, f"overexpress[{g!r}]")
            if fold < 0:
                raise InputError(f"overexpress[{g!r}]: fold must not be negative, got {fold}")
            if sym in ko:
                raise InputError(f"{sym} is both knocked out and overexpressed")
            ox.append((sym, fold))
        if mutations is not None and not isinstance(mutations, Mapping):
            refuse_repeats([catalog.mutation(m).name for m in _names(mutations, "mutations")], "mutations")
            mutations = {m: 1.0 for m in _names(mutations, "mutations")}
        mut = []
        for m, frac in _mapping(mutations, "mutations").items():
            name = catalog.mutation(m).name
            frac = _number(frac, f"mutations[{m!r}]")
            if not 0 <= frac <= 1:
                raise InputError(f"mutations[{m!r}]: mutant fraction must be in [0, 1], got {frac}")
            if catalog.mutation(m).gene in ko and frac > 0:
                raise InputError(f"{catalog.mutation(m).gene} is both knocked out and mutated ({name}): a knocked-out "
                                 "gene has no protein to mutate")
            mut.append((name, frac))
        par = []
        known = catalog.parameter_table()
        for p, v in _mapping(parameters, "parameters").items():
            if p not in known or known[p].unit == "pL":
                raise UnknownNameError("parameter", p, [k for k, r in known.items() if r.unit != "pL"])
            if p.startswith("dose_"):
                # doses in parameters= would also act during pre-equilibration
                raise InputError(f"parameters[{p!r}]: give doses with cytokines= or drugs=, not parameters=")
            v = _number(v, f"parameters[{p!r}]")
            if v < 0:
                raise InputError(f"parameters[{p!r}]: must not be negative, got {v}")
            par.append((p, v))
        pre = _number(preincubation, "preincubation")
        if pre < 0 or 0 < pre < MINIMUM_SPAN:
            raise InputError(f"preincubation must be 0 or >= {MINIMUM_SPAN:g} min, got {preincubation!r}")
        regs = () if regimen is None else tuple(sorted(as_regimens(regimen), key=lambda r: r.drug))
        clash = sorted({r.drug for r in regs} & {d for d, _ in drg})
        if clash:
            raise InputError(f"{', '.join(clash)} given both as a constant dose (drugs=) and as a regimen")
        if t_end is None:
            t_end = max(r.duration_h for r in regs) * 60.0 if regs else 120.0
        t_end = _number(t_end, "t_end")
        if t_end <= 0:
            raise InputError(f"t_end must be > 0 min, got {t_end!r}")
        if t_end < MINIMUM_SPAN:
            raise InputError(f"t_end must be >= {MINIMUM_SPAN:g} min, got {t_end!r}")
        if points is None and regs:
            points = int(round(t_end / REGIMEN_OUTPUT_STEP)) + 1
        elif points is None:
            points = int(min(max(round(t_end), 1), 1000)) + 1
        if isinstance(points, bool) or not isinstance(points, numbers.Integral) or not 2 <= points <= MAXIMUM_POINTS:
            raise InputError(f"points must be an integer from 2 to {MAXIMUM_POINTS}, got {points!r}")
        return cls(cyt, tuple(sorted(drg)), ko, tuple(sorted(ox)), tuple(sorted(mut)),
                   tuple(sorted(par)), pre, t_end, int(points), regs)

    @classmethod
    def of(cls, value: Condition | Mapping) -> Condition:
        """A Condition from a Condition or a mapping of :meth:`Model.simulate` keywords
        (:func:`as_condition` with one argument)."""
        return as_condition(value)

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("cytokines", "drugs", "overexpress", "mutations", "parameters"):
            d[k] = dict(d[k])
        d["knockouts"] = list(d["knockouts"])
        if self.regimens:
            d["regimens"] = [r.as_dict() for r in self.regimens]
        else:
            del d["regimens"]  # as before regimens joined conditions: stored records stay comparable
        return d

    def label(self) -> str:
        parts = [f"{k} {v:g} nM" for k, v in self.cytokines] or ["no cytokine"]
        parts += [f"{k} {v:g} nM" for k, v in self.drugs]
        parts += [f"{g} KO" for g in self.knockouts]
        parts += [f"{g} x{f:g}" for g, f in self.overexpress]
        parts += [f"{m} ({f:g})" for m, f in self.mutations]
        parts += [f"{p}={v:g}" for p, v in self.parameters]
        parts += [str(r) for r in self.regimens]
        return ", ".join(parts)

    def genotype(self) -> tuple:
        """Everything that shapes the pre-stimulation steady state."""
        return (self.knockouts, self.overexpress, self.mutations, self.parameters)


def as_condition(condition: Condition | Mapping | None = None, keywords: Mapping | None = None) -> Condition:
    """The one way to turn what a user gave into a validated :class:`Condition`.

    ``condition``: a Condition (returned as is) or a mapping of :meth:`Model.simulate`'s
    condition keywords; ``keywords``: such a mapping given separately (as
    ``js.export(model, path, **keywords)`` does). Give one of them, not both; with
    neither, the wild type without cytokine. Raises InputError (UnknownNameError for
    a misspelt keyword).
    """
    keywords = dict(keywords or {})
    if condition is not None and keywords:
        raise InputError("give either condition= or the condition keywords "
                         f"({', '.join(sorted(keywords))}), not both")
    value = condition if condition is not None else keywords
    if isinstance(value, Condition):
        return value
    if isinstance(value, Mapping):
        return Condition.make(**_keywords(value))
    raise InputError(f"a condition is a Condition or a mapping of simulate() keywords, got {value!r}")


# The keywords of a condition (Condition.make, a mapping given to run/js.run).
CONDITION_KEYWORDS = [name for name, p in inspect.signature(Condition.make).parameters.items()
                      if name != "cls" and p.kind is not inspect.Parameter.VAR_KEYWORD]


def _reject_unknown(keywords: Iterable, allowed: list[str], kind: str) -> None:
    """UnknownNameError (with the nearest valid name) for the first keyword not allowed."""
    for key in keywords:
        if key not in allowed:
            raise UnknownNameError(kind, key, allowed)


def _keywords(mapping: Mapping) -> dict:
    """Keyword arguments for Condition.make, with unknown keys named."""
    _reject_unknown(mapping, CONDITION_KEYWORDS, "condition keyword")
    return dict(mapping)


def _names(value, what: str) -> list[str]:
    """A list of names from None, one name, or an iterable of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise InputError(f"{what} must be a name or a list of names, got {value!r}")
    names = list(value)
    for n in names:
        if not isinstance(n, str):
            raise InputError(f"{what} must contain names (strings), got {n!r}")
    return names


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


class SteadyStates:
    """The unstimulated steady states a model has computed, by genotype, at most
    ``limit`` of them: a bounded least-recently-used cache (``len()``, ``limit``,
    ``hits``, ``misses``, ``evictions``; ``clear()``)."""

    def __init__(self, limit: int = STEADY_STATES_KEPT):
        self._entries: dict[tuple, np.ndarray] = {}
        self.limit = limit
        self.hits = self.misses = self.evictions = 0

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise InputError(f"the steady-state cache limit must be a positive integer, got {value!r}")
        self._limit = int(value)
        self._evict()

    def get(self, key: tuple) -> np.ndarray | None:
        state = self._entries.pop(key, None)
        if state is None:
            self.misses += 1
            return None
        self._entries[key] = state  # most recently used last
        self.hits += 1
        return state

    def put(self, key: tuple, state: np.ndarray) -> None:
        self._entries.pop(key, None)
        self._entries[key] = state
        self._evict()

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: tuple) -> bool:
        return key in self._entries

    def _evict(self) -> None:
        while len(self._entries) > self._limit:
            del self._entries[next(iter(self._entries))]
            self.evictions += 1

    def __repr__(self) -> str:
        return (f"<SteadyStates {len(self)}/{self.limit} kept, {self.hits} hits, {self.misses} misses, "
                f"{self.evictions} evicted>")


class Model:
    """The JAK/STAT model compiled once, in one cell context."""

    def __init__(self, sbml: str | Path | None = None, context: str = catalog.DEFAULT_CONTEXT):
        from .compiled import load_roadrunner

        path = _model_path(sbml)
        self._ctx = catalog.context(context)
        self.path = path
        text = _read_sbml(path)
        try:
            self._rr = load_roadrunner(text)  # compiled once per machine (compiled.py)
        except Exception as exc:  # RoadRunner raises RuntimeError with libsbml's message
            raise ModelFileError(f"{path}: RoadRunner could not load the model: {exc}") from None
        self._check_catalog_names()
        rr = self._rr
        self._steady = SteadyStates()  # set_solver_options clears it
        self.set_solver_options(relative_tolerance=RELATIVE_TOLERANCE, absolute_tolerance=ABSOLUTE_TOLERANCE,
                                maximum_steps=MAXIMUM_STEPS)
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
        self._readout_selection = {r: _selector(rr, r) for r in catalog.READOUTS}

    # ------------------------------------------------------------------ info
    @property
    def context(self) -> str:
        return self._ctx.name

    @property
    def roadrunner(self):
        """The underlying RoadRunner (shared: changing it by hand voids the guarantees)."""
        return self._rr

    @property
    def steady_states(self) -> SteadyStates:
        """The cache of unstimulated steady states, one per genotype, bounded
        (:data:`STEADY_STATES_KEPT` by default; set ``model.steady_states.limit``)."""
        return self._steady

    @property
    def tunable_parameters(self) -> list[str]:
        """Ids of the parameters a condition sets (every tabulated constant), in the
        order of :meth:`phase_values`."""
        return list(self._tunable)

    def phase_values(self, cond: Condition) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Values of :attr:`tunable_parameters` in the three phases of ``cond``:
        pre-equilibration (the genotype, no drug, no cytokine), drug pre-incubation
        (drugs, no cytokine) and stimulation (drugs and cytokines, from time 0).
        Another engine runs the same phases with these values."""
        genotype = self._genotype_values(cond)
        return (genotype, self._stimulation_values(cond, genotype, with_cytokines=False),
                self._stimulation_values(cond, genotype, with_cytokines=True))

    def remove_solver_noise(self, block: np.ndarray, names: list[str], cond: Condition,
                            times: np.ndarray | None, units: str | list[str] = "nM") -> None:
        """Set values just below zero in ``block`` (rows: times, columns: ``names``,
        concentrations) to 0, in place, as every result of this model is; raise
        SimulationError for a value below solver noise (see :data:`NEGATIVE_TOLERANCE`)."""
        self._nonnegative(block, names, self._negative_tolerance(), cond, times, units)

    def parameter_values(self) -> dict[str, float]:
        """Tabulated parameter values in this context (before any perturbation)."""
        return dict(self._context_values)

    def warn_inert_background(self, knockouts=None, parameters: Mapping[str, float] | None = None,
                              mutations=None) -> None:
        """JakStatWarning for a background that changes nothing in this context, said
        rather than run silently:

        - a knocked-out cytokine gene whose cells make none of that cytokine here (its
          ``<CYTOKINE>_autocrine`` is 0): a cytokine added to the medium still signals
          (``-k IL2`` beside IL-2 was a silent no-op); its receptor chains block the signal;
        - a knockout or a mutation of a gene the context does not express (its total is
          0 here: ``-m JAK3_A572V`` in hepatocytes, which have no JAK3)."""
        import warnings

        from .errors import JakStatWarning

        values = {**self._context_values, **dict(parameters or {})}
        for symbol in _names(knockouts, "knockouts") if knockouts else ():
            gene = catalog.gene(symbol)
            if values.get(gene.parameter, 1.0) == 0:
                warnings.warn(f"{gene.symbol} knockout changes nothing in the {self.context} context: it has no "
                              f"{gene.symbol} ({gene.parameter} = 0)", JakStatWarning, stacklevel=3)
                continue
            for cyt in catalog.CYTOKINES.values():
                if gene.symbol in cyt.genes and values.get(f"{cyt.name}_autocrine", 0.0) == 0:
                    receptors = "/".join(cyt.receptor_chains) or "its receptor"
                    warnings.warn(f"{gene.symbol} knockout changes nothing in the {self.context} context: its cells "
                                  f"make no {cyt.name} of their own ({cyt.name}_autocrine = 0), and {cyt.name} added "
                                  f"to the medium still signals; knock out a receptor chain ({receptors}) to block it",
                                  JakStatWarning, stacklevel=3)
        if isinstance(mutations, Mapping):
            mutations = [m for m, fraction in mutations.items() if not isinstance(fraction, numbers.Real)
                         or fraction > 0]
        for name in _names(mutations, "mutations") if mutations else ():
            mutation = catalog.mutation(name)
            gene = catalog.gene(mutation.gene)
            if values.get(gene.parameter, 1.0) == 0:
                warnings.warn(f"{mutation.name} changes nothing in the {self.context} context: it has no "
                              f"{gene.symbol} ({gene.parameter} = 0)", JakStatWarning, stacklevel=3)

    # ------------------------------------------------------------------ solver
    @property
    def solver_options(self) -> dict[str, float | int]:
        """The ODE solver (CVODE) settings in use: ``relative_tolerance``,
        ``absolute_tolerance`` (per species amount, zmol = nM x pL) and
        ``maximum_steps`` (internal steps allowed per output interval)."""
        return dict(self._solver_options)

    def set_solver_options(self, *, relative_tolerance: float | None = None,
                           absolute_tolerance: float | None = None,
                           maximum_steps: int | None = None) -> None:
        """Change this model's ODE solver settings (``None`` keeps a setting).

        Raise ``maximum_steps`` when a simulation fails with "too much work";
        tighten the tolerances when a result looks noisy or the solver fails to
        converge. The cached unstimulated steady states are dropped, so every
        later result is computed with the new settings. Bad values (a tolerance
        that is not a finite number > 0, a relative tolerance >= 1, a
        ``maximum_steps`` that is not a positive integer) raise InputError and
        change nothing.
        """
        options = dict(getattr(self, "_solver_options", {}))
        for name, value in (("relative_tolerance", relative_tolerance), ("absolute_tolerance", absolute_tolerance)):
            if value is None:
                continue
            value = _number(value, name)
            if value <= 0 or (name == "relative_tolerance" and value >= 1):
                bound = "> 0 and < 1" if name == "relative_tolerance" else "> 0"
                raise InputError(f"{name} must be {bound}, got {value!r}")
            options[name] = value
        if maximum_steps is not None:
            if isinstance(maximum_steps, bool) or not isinstance(maximum_steps, numbers.Integral) or maximum_steps < 1:
                raise InputError(f"maximum_steps must be a positive integer, got {maximum_steps!r}")
            options["maximum_steps"] = int(maximum_steps)
        integrator = self._rr.integrator
        integrator.relative_tolerance = options["relative_tolerance"]
        for sid in self._rr.model.getFloatingSpeciesIds():
            integrator.setIndividualTolerance(sid, options["absolute_tolerance"])
        integrator.setValue("maximum_num_steps", options["maximum_steps"])
        self._solver_options = options
        self._steady.clear()  # steady states computed with the old settings

    def __repr__(self) -> str:
        m = self._rr.model
        # integrated (floating) species, as docs/index.md says them; `jakstat build` gives boundary ones too
        return (f"<jakstat Model context={self.context!r} integrated_species={m.getNumFloatingSpecies()} "
                f"reactions={m.getNumReactions()} file={self.path.name!r}>")

    # ------------------------------------------------------------------ run
    def condition(self, **kwargs) -> Condition:
        return Condition.make(**kwargs)

    def simulate(self, cytokines=None, drugs=None, knockouts=None, overexpress=None,
                 mutations=None, parameters=None, preincubation=DEFAULT_PREINCUBATION, t_end=None,
                 points=None, readouts=None, plasma=False, regimen=None, **unknown) -> pd.DataFrame:
        """Time course of the named readouts.

        Doses: bare numbers are nM, strings carry units ("40 ng/mL", "1 uM"); a bare
        cytokine dose above 100 nM warns (JakStatWarning: probably meant ng/mL), a
        dose above 1 M (cytokine: 1 mM) is refused. Drug doses are free (medium)
        concentrations; ``js.plasma("1 uM")`` marks one as total plasma
        concentration, ``plasma=True`` all of them.
        Drugs are added ``preincubation`` minutes (default 30) before the cytokines
        (time 0); ``preincubation=0`` gives them together. ``t_end`` defaults to 120 min.
        Returns a DataFrame with ``time`` (min) and one column per readout (nM,
        ``tx_*`` 0-1), never negative (see :data:`NEGATIVE_TOLERANCE`);
        ``df.attrs["condition"]`` holds the condition. A misspelt keyword raises
        UnknownNameError naming the nearest valid one.

        ``regimen=js.regimen("ruxolitinib", "20 mg", every="12 h", days=5)`` (or a list,
        one per drug) doses orally from time 0 while the cytokines stay on; the run
        then lasts the whole regimen unless ``t_end`` says otherwise, one point per
        10 min, and the frame gains ``plasma_<drug>`` (total) and ``free_<drug>`` (nM)
        columns (:mod:`jakstat_sbml.dosing`, docs/dosing.md). The regimen is part of the
        condition (:meth:`Condition.make`), so ``js.run`` runs it like any other.
        """
        _reject_unknown(unknown, [*CONDITION_KEYWORDS, "readouts"], "simulate() keyword")
        cond = Condition.make(cytokines=cytokines, drugs=drugs, knockouts=knockouts,
                              overexpress=overexpress, mutations=mutations, parameters=parameters,
                              preincubation=preincubation, t_end=t_end, points=points, plasma=plasma,
                              regimen=regimen)
        self.warn_inert_background(knockouts, parameters, mutations)  # after the input is known to be valid
        return self.run(cond, readouts=readouts)

    def run(self, cond: Condition | Mapping, readouts: Iterable[str] | str | None = None) -> pd.DataFrame:
        """Simulate a :class:`Condition` (or a mapping of :meth:`simulate` keywords)."""
        cond = Condition.of(cond)
        names = _names(readouts, "readouts") if readouts is not None else list(catalog.READOUTS)
        refuse_repeats(names, "readouts")
        if not names:
            raise InputError("readouts must not be empty (None means every readout)")
        for r in names:
            catalog.readout(r)
        if cond.regimens:
            # the regimen model: this model plus PK and dose events, compiled once per drug set
            return simulate_regimens(self, cond, cond.regimens, t_end=cond.t_end, points=cond.points,
                                     readouts=names)
        sel = ["time"] + [self._readout_selection[r] for r in names]
        data = self._simulate_array(cond, sel)
        self._nonnegative(data[:, 1:], names, self._negative_tolerance(), cond, data[:, 0],
                          [catalog.READOUTS[r].unit for r in names])
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
        names = list(catalog.READOUTS)
        values = np.array([[float(rr[self._readout_selection[r]]) for r in names]])
        self._nonnegative(values, names, self._negative_tolerance(), cond, None,
                          [catalog.READOUTS[r].unit for r in names])
        return dict(zip(names, values[0].tolist()))

    def species(self, cond: Condition | Mapping, *, amounts: bool = False) -> pd.DataFrame:
        """Time course of every integrated species under ``cond`` (a Condition, or
        a mapping of :meth:`simulate`'s keywords).

        Columns: ``time`` (min), then one per species id: concentration in nM of
        the species' own compartment, or with ``amounts=True`` amount in zmol
        (nM x pL), which adds up across compartments (e.g. to check that a
        protein's total is conserved). ``df.attrs`` holds the condition, the
        ``unit``, each species' ``compartments`` and the ``volumes`` (pL).
        """
        cond = Condition.of(cond)
        m = self._rr.model
        ids = list(m.getFloatingSpeciesIds())
        sel = ["time"] + (ids if amounts else [f"[{s}]" for s in ids])
        data = self._simulate_array(cond, sel)
        compartments = list(m.getCompartmentIds())
        tolerance = self._negative_tolerance()
        if amounts:  # nM x pL of each species' compartment
            volumes = np.array(m.getCompartmentVolumes())
            tolerance = tolerance * volumes[[m.getCompartmentIndexForFloatingSpecies(i) for i in range(len(ids))]]
        self._nonnegative(data[:, 1:], ids, tolerance, cond, data[:, 0], unit="zmol" if amounts else "nM")
        df = pd.DataFrame(data, columns=["time"] + ids)
        df.attrs["condition"] = cond.as_dict()
        df.attrs["context"] = self.context
        df.attrs["unit"] = "zmol" if amounts else "nM"
        df.attrs["compartments"] = {s: compartments[m.getCompartmentIndexForFloatingSpecies(i)]
                                    for i, s in enumerate(ids)}
        df.attrs["volumes"] = dict(zip(compartments, np.array(m.getCompartmentVolumes()).tolist()))
        return df

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
            for _ in range(PREEQUILIBRATION_ROUNDS):
                rr.simulate(rr.model.getTime(), rr.model.getTime() + PREEQUILIBRATION_TIME, 2, ["time"])
                rate = np.max(np.abs(rr.model.getFloatingSpeciesConcentrationRates()))
                if rate < STEADY_STATE_RATE:
                    break
            else:
                raise SimulationError(
                    f"no steady state without cytokine for genotype [{_genotype_label(cond)}] in context "
                    f"{self.context!r} (largest rate {rate:.3g} nM/min after {PREEQUILIBRATION_ROUNDS * PREEQUILIBRATION_TIME:,.0f} min). "
                    "Check the parameters= overrides of the condition, or tighten the tolerances with "
                    "model.set_solver_options(relative_tolerance=..., absolute_tolerance=...)."
                )
        except RuntimeError as exc:
            raise SimulationError(
                f"the solver failed while pre-equilibrating genotype [{_genotype_label(cond)}] in context "
                f"{self.context!r} (needed for [{cond.label()}]): {_first_line(exc)}. "
                f"{_solver_advice(exc, self._solver_options, cond)}"
            ) from None
        state = self._without_solver_dust(rr.model.getFloatingSpeciesAmounts().copy())
        self._steady.put(key, state)
        return state

    def _without_solver_dust(self, amounts: np.ndarray) -> np.ndarray:
        """``amounts`` (zmol) with every value within the absolute tolerance of zero set to 0.

        Species that nothing makes without a cytokine (ligand-bound receptors, phosphorylated
        STATs) are 0 in exact arithmetic, but the pre-equilibration leaves them at 1e-51 to
        1e-25 nM: rounding leaks through CVODE's linear solves. Our solver ignores that dust
        (its absolute tolerance is 1e-13 zmol), but a tool that scales each species' absolute
        tolerance by its initial amount (RoadRunner opening an exported SBML file) then holds
        those species to ~1e-63 zmol and fails (issue 26: IL-6 on a SOCS3 knockout at relative
        tolerance 1e-8). Values this small are below what the solver resolves, so 0 is as exact.
        """
        amounts[np.abs(amounts) < self._solver_options["absolute_tolerance"]] = 0.0
        return amounts

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
                f"the solver failed for [{_run_label(cond)}] in context {self.context!r}: {_first_line(exc)}. "
                f"{_solver_advice(exc, self._solver_options, cond)}"
            ) from None
        data = np.array(out)
        if not np.all(np.isfinite(data)):
            raise SimulationError(
                f"non-finite values in the simulation of [{_run_label(cond)}] in context {self.context!r}. "
                "Try lower doses or parameter overrides, or tighter tolerances with "
                "model.set_solver_options(relative_tolerance=..., absolute_tolerance=...)."
            )
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
            raise SimulationError(
                f"the solver failed preparing [{_run_label(cond)}] in context {self.context!r}: {_first_line(exc)}. "
                f"{_solver_advice(exc, self._solver_options, cond)}"
            ) from None
        m = self._rr.model
        ids = list(m.getFloatingSpeciesIds())
        amounts = np.array(m.getFloatingSpeciesAmounts(), dtype=float)
        concentrations = np.array(m.getFloatingSpeciesConcentrations(), dtype=float)
        concentrations[self._without_solver_dust(amounts) == 0.0] = 0.0  # the drug pre-incubation makes dust too
        values = concentrations[None, :]
        self._nonnegative(values, ids, self._negative_tolerance(), cond, None)
        return dict(zip(ids, values[0].tolist()))

    def _negative_tolerance(self) -> float:
        """Largest negative concentration (nM, as a positive number) taken for solver noise."""
        smallest = float(np.min(self._rr.model.getCompartmentVolumes()))  # pL
        return max(NEGATIVE_TOLERANCE, 100 * self._solver_options["absolute_tolerance"] / smallest)

    def _nonnegative(self, block: np.ndarray, names: list[str], tolerance, cond: Condition,
                     times: np.ndarray | None, unit: str | list[str] = "nM") -> None:
        """Set solver noise below zero to 0 in ``block`` (rows: times, columns: ``names``;
        in place, vectorised); raise SimulationError for a value further below zero than
        ``tolerance`` (a scalar or one per column), which no result may hide."""
        if block.size == 0:
            return
        negative = block < 0
        if not negative.any():
            block += 0.0  # -0.0 -> 0.0
            return
        bad = block < -np.asarray(tolerance)
        if bad.any():
            row, col = np.argwhere(bad)[np.argmin(block[bad])]
            at = f" at t = {times[row]:g} min" if times is not None else " at time 0"
            limit = np.broadcast_to(np.asarray(tolerance, dtype=float), block.shape[1:])[col]
            u = unit if isinstance(unit, str) else unit[col]
            raise SimulationError(
                f"{names[col]} = {block[row, col]:.3g} {u}{at} for [{_run_label(cond)}] in context "
                f"{self.context!r}: a negative value beyond solver noise (-{limit:.2g} {u}), in "
                f"{int(bad.sum())} value(s). The solver lost accuracy: tighten the tolerances with "
                "model.set_solver_options(relative_tolerance=..., absolute_tolerance=...).")
        block[negative] = 0.0
        block += 0.0

    def _check_catalog_names(self) -> None:
        m = self._rr.model
        present = set(m.getFloatingSpeciesIds()) | set(m.getBoundarySpeciesIds()) | set(m.getGlobalParameterIds())
        needed = set(catalog.READOUTS)
        needed |= {g.parameter for g in catalog.GENES.values()}
        needed |= {c.name for c in catalog.CYTOKINES.values()} | {d.name for d in catalog.DRUGS.values()}
        needed |= {c.dose_parameter for c in catalog.CYTOKINES.values()}
        needed |= {d.dose_parameter for d in catalog.DRUGS.values()}
        needed |= {mu.parameter for mu in catalog.MUTATIONS.values()}
        missing = sorted(needed - present)
        if missing:
            raise ModelFileError(
                f"{self.path}: the model lacks {len(missing)} species/parameter id(s) the catalog needs: "
                f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}. load_model(path) expects "
                "the jakstat-sbml model, or an edited copy that keeps every id the catalog names"
            )


def _read_sbml(path: Path) -> str:
    """The text of the SBML file at ``path``, checked before anything compiles it.

    Nothing in the file is executed or fetched: a DOCTYPE with entity
    declarations or an external DTD (the way XML pulls in other files or URLs,
    "XXE") is refused before any parser reads it, entity references are never
    resolved, processing instructions are ignored. Raises ModelFileError saying
    what is wrong with the file.
    """
    import libsbml

    try:
        if not path.exists():
            raise ModelFileError(f"model file not found: {path} "
                                 "(js.load_model() without a path loads the bundled model)")
        if path.is_dir():
            raise ModelFileError(f"{path} is a folder, not an SBML file")
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file {str(path)[:200]!r}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ModelFileError(f"{path} is empty, not an SBML model")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelFileError(
            f"{path} is not UTF-8 text, so not SBML (SBML files are UTF-8 encoded XML): "
            f"byte {exc.start} is {raw[exc.start:exc.start + 1]!r}"
        ) from None
    _check_xml_prolog(text, path)
    doc = libsbml.readSBMLFromString(text)
    fatal = [doc.getError(i) for i in range(doc.getNumErrors())
             if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if fatal:
        why = "; ".join(f"line {e.getLine()}: {(e.getMessage().strip().splitlines() or ['?'])[0]}"
                        for e in fatal[:3])
        more = f" (and {len(fatal) - 3} more errors)" if len(fatal) > 3 else ""
        raise ModelFileError(f"{path} is not a valid SBML model: {why}{more}")
    if doc.getModel() is None:
        raise ModelFileError(f"{path} is SBML without a <model> element")
    return text


def _model_path(sbml) -> Path:
    """The SBML file to load: the bundled model for None, else the path given."""
    if sbml is None:
        return catalog.bundled_sbml_path()
    if isinstance(sbml, str) and sbml.lstrip().startswith("<"):
        raise ModelFileError("load_model() takes the path of an SBML file, not SBML text; "
                             "write the text to a .xml file and pass its path")
    if not isinstance(sbml, (str, os.PathLike)):
        raise ModelFileError(f"load_model() takes the path of an SBML file (str or Path), got {type(sbml).__name__}")
    return Path(sbml)


class _RootElement(Exception):
    """Stops the XML pre-check at the root element: the prolog is all it reads."""


def _check_xml_prolog(text: str, path: Path) -> None:
    """Refuse DOCTYPE declarations that declare entities or name an external DTD,
    and XML whose root element is not <sbml>, before libsbml or RoadRunner parse it.

    Python's expat reads only the prolog here and stops at the root element, so
    no entity declared in the file is ever expanded or fetched.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    root: list[str] = []

    def doctype(name, system_id, public_id, has_internal_subset):
        if system_id or public_id or has_internal_subset:
            what = f"an external DTD ({system_id or public_id!r})" if system_id or public_id else "entity declarations"
            raise ModelFileError(
                f"{path}: refused to read a DOCTYPE with {what}. SBML needs no DTD, and DTDs and XML entities "
                "can pull other files or URLs into a model (XXE); remove the <!DOCTYPE ...> declaration"
            )

    def start(name, attrs):
        root.append(name)
        raise _RootElement

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    try:
        parser.Parse(text, True)
    except _RootElement:
        pass
    except expat.ExpatError as exc:
        raise ModelFileError(
            f"{path} is not well-formed XML, so not SBML: {expat.ErrorString(exc.code)} at line {exc.lineno}, "
            f"column {exc.offset + 1}"
        ) from None
    if root and root[0].rsplit(":", 1)[-1] != "sbml":
        raise ModelFileError(f"{path} is XML but not SBML: its root element is <{root[0]}>, not <sbml>")


def _genotype_label(cond: Condition) -> str:
    g = Condition(knockouts=cond.knockouts, overexpress=cond.overexpress, mutations=cond.mutations,
                  parameters=cond.parameters).label()
    return g.replace("no cytokine, ", "") if g != "no cytokine" else "wild type"


def _run_label(cond: Condition) -> str:
    pre = f", drugs {cond.preincubation:g} min ahead" if cond.preincubation and cond.drugs else ""
    return f"{cond.label()}; t_end {cond.t_end:g} min, {cond.points} points{pre}"


def _first_line(exc: BaseException) -> str:
    """RoadRunner's message without the C++ function it came from."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return line.split("; In ")[0].rstrip(". ")


def _solver_advice(exc: BaseException, options: Mapping, cond: Condition) -> str:
    """What to try after a CVODE failure, by kind of failure."""
    if "TOO_MUCH_WORK" in str(exc):
        steps = options["maximum_steps"]
        return (f"The solver used up its {steps} internal steps per output interval: allow more with "
                f"model.set_solver_options(maximum_steps={10 * steps}), or ask for more points.")
    overrides = " Check the parameters= overrides (a zero constant can make a rate 0/0)." if cond.parameters else ""
    return ("Try tighter tolerances with model.set_solver_options(relative_tolerance=..., "
            f"absolute_tolerance=...), lower doses, or a shorter t_end.{overrides}")


def _selector(rr, name: str) -> str:
    """RoadRunner selection giving a readout as a concentration."""
    if name in rr.model.getFloatingSpeciesIds():
        return f"[{name}]"
    return name


def check_model(model) -> None:
    """InputError unless ``model`` is a :class:`Model`: an experiment given a context's name
    where the model goes failed with an AttributeError deep inside (an audit)."""
    if not isinstance(model, Model):
        shown = repr(model) if len(repr(model)) <= 40 else f"{type(model).__name__} object"
        hint = f"js.load_model(context={model!r})" if isinstance(model, str) else "js.load_model()"
        raise InputError(f"the model argument must be a jakstat Model, got {shown}: load one with {hint}")


def load_model(path: str | Path | None = None, context: str = catalog.DEFAULT_CONTEXT) -> Model:
    """Load the bundled model (or the SBML at ``path``) in a cell context.

    ``js.contexts()`` lists the contexts; the default is the malignant T cell ("ctcl").
    """
    catalog.context(context)  # fail early on an unknown context
    if isinstance(path, str) and path in catalog.contexts() and not Path(path).exists():
        # js.load_ensemble("hepatocyte") takes a context first; this takes a file first
        raise ModelFileError(f"{path!r} is a cell context, not a model file: js.load_model(context={path!r})")
    return Model(path, context=context)
