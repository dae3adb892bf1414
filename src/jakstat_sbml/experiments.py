"""The experiments people run on the model, each a small object with its data and a ``.plot()``.

- :func:`dose_response` - one inhibitor over doses on a cytokine/readout pair -> Hill fit (IC50)
- :func:`cytokine_response` - one cytokine over doses -> Hill fit (EC50)
- :func:`knockout_screen` - every gene knocked out under each cytokine -> log2 fold changes
- :func:`combination` - two drugs on a dose grid -> Bliss, Loewe and HSA excess

Single perturbations (knockouts, overexpression, mutations, drugs, pre-incubation)
are keywords of :meth:`Model.simulate`; the experiments take the same keywords as a
background applied to every simulation. Every input is validated before the first
simulation, and all simulations go through :func:`jakstat_sbml.run`, so
``n_jobs=``, ``client=`` and ``progress=`` work the same way everywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError, UnknownNameError
from .fitting import HillFit, bliss_excess, fit_hill, hsa_excess, loewe_excess
from .model import Condition, Model
from .parallel import run
from .units import PlasmaDose, to_nM

DEFAULT_DRUG_DOSES = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000)  # nM free, JAK inhibitors
# Pimozide acts at 5-20 uM (Nelson et al., Blood 2011), so its default range is higher.
DEFAULT_DOSES = {"pimozide": (300, 1000, 3000, 10000, 30000, 100000)}
DEFAULT_TIME = 20.0  # min: early response, before most feedback (as in DESIGN 2.5.9)
MIN_EFFECT = 0.05  # a curve is fitted only when the agent moves the response by >= 5%
BACKGROUND_KEYS = ("cytokines", "drugs", "knockouts", "overexpress", "mutations", "parameters")


# ----------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class Measure:
    """How a time course becomes one number: the value at ``time`` or the AUC over ``window``."""

    time: float | None = None
    window: tuple[float, float] | None = None

    @classmethod
    def make(cls, time=None, window=None, default_time: float | None = DEFAULT_TIME) -> Measure:
        if time is not None and window is not None:
            raise InputError("give time= (a time point) or window= (an AUC window), not both")
        if window is not None:
            try:
                a, b = (float(w) for w in window)
            except (TypeError, ValueError):
                raise InputError(f"window must be two numbers (start, end) in min, got {window!r}") from None
            if not (math.isfinite(a) and math.isfinite(b) and 0 <= a < b):
                raise InputError(f"window must satisfy 0 <= start < end (min), got {window!r}")
            return cls(window=(a, b))
        if time is None:
            if default_time is None:
                raise InputError("give time= or window=")
            time = default_time
        if isinstance(time, bool) or not isinstance(time, numbers.Real) or not math.isfinite(time) or time <= 0:
            raise InputError(f"time must be a number of minutes > 0, got {time!r}")
        return cls(time=float(time))

    @property
    def t_end(self) -> float:
        return self.window[1] if self.window else self.time

    @property
    def points(self) -> int | None:
        # A time point needs only the end of the simulation; an AUC the default
        # one-per-minute grid.
        return 2 if self.window is None else None

    @property
    def label(self) -> str:
        return f"AUC {self.window[0]:g}-{self.window[1]:g} min" if self.window else f"at {self.time:g} min"

    def unit(self, readout: str) -> str:
        unit = catalog.readout(readout).unit
        if self.window is None:
            return "0-1" if unit == "1" else unit
        return "min" if unit == "1" else f"{unit}*min"

    def of(self, df: pd.DataFrame, readout: str) -> float:
        """The measure of one time course."""
        return response(df, readout, self.time, self.window)

    def of_arrays(self, t: np.ndarray, y: np.ndarray) -> float:
        return _measure(t, y, self.time, self.window)


def response(df: pd.DataFrame, readout: str, time: float | None = None,
             window: tuple[float, float] | None = None) -> float:
    """One number from a time course: the value at ``time`` or the AUC over ``window``
    (readout unit x min, trapezoidal rule on the simulated points)."""
    if (time is None) == (window is None):
        raise InputError("give exactly one of time= or window=")
    return _measure(df["time"].to_numpy(), df[readout].to_numpy(), time, window)


def _measure(t: np.ndarray, y: np.ndarray, time: float | None, window: tuple[float, float] | None) -> float:
    if time is not None:
        if not t[0] <= time <= t[-1]:
            raise InputError(f"time {time} min is outside the simulated {t[0]:g}-{t[-1]:g} min")
        return float(np.interp(time, t, y))
    a, b = window
    if not (t[0] <= a < b <= t[-1]):
        raise InputError(f"window {window} must lie within {t[0]:g}-{t[-1]:g} min with start < end")
    grid = np.union1d(t[(t > a) & (t < b)], [a, b])
    return float(np.trapezoid(np.interp(grid, t, y), grid))


def _measures(df: pd.DataFrame, n: int, readouts: Sequence[str], measure: Measure) -> dict[str, np.ndarray]:
    """Measure of each readout for each of the ``n`` conditions of a :func:`run` result."""
    # Plain arrays: slicing the DataFrame would deep-copy its attrs for every condition.
    cond = df["condition"].to_numpy()
    t = df["time"].to_numpy(dtype=float)
    order = np.lexsort((t, cond))
    cond, t = cond[order], t[order]
    ys = {r: df[r].to_numpy(dtype=float)[order] for r in readouts}
    ids, starts = np.unique(cond, return_index=True)
    if len(ids) != n or not np.array_equal(ids, np.arange(n)):
        raise RuntimeError(f"expected results for conditions 0..{n - 1}, got {len(ids)} conditions")
    ends = np.append(starts[1:], len(cond))
    out = {r: np.empty(n) for r in readouts}
    for i, a, b in zip(ids, starts, ends):
        for r in readouts:
            out[r][i] = measure.of_arrays(t[a:b], ys[r][a:b])
    return out


# ----------------------------------------------------------------------------- input checks


def default_doses(drug: str) -> tuple:
    """Default dose series (nM, free) of a drug for dose-responses."""
    return DEFAULT_DOSES.get(catalog.drug(drug).name, DEFAULT_DRUG_DOSES)


def _doses(doses, what: str, mass_kda: float | None = None) -> np.ndarray:
    """Doses in nM from a list of numbers (nM) or unit strings; fails on empty or bad input."""
    if doses is None or isinstance(doses, (str, bytes, Mapping)) or not isinstance(doses, Iterable):
        raise InputError(f"{what}: doses must be a list of concentrations, got {doses!r}")
    doses = list(doses)
    if not doses:
        raise InputError(f"{what}: the dose list is empty")
    return np.array([to_nM(x, what=what, mass_kda=mass_kda) for x in doses], dtype=float)


def _background(condition: Mapping) -> dict:
    for key in condition:
        if key not in BACKGROUND_KEYS:
            raise UnknownNameError("condition keyword", key, list(BACKGROUND_KEYS))
    bg = dict(condition)
    for key in ("cytokines", "drugs"):
        if bg.get(key) is not None and not isinstance(bg[key], Mapping):
            raise InputError(f"{key} must be a mapping of name to dose, got {type(bg[key]).__name__}")
    return bg


def _with(mapping: Mapping | None, extra: Mapping) -> dict:
    out = dict(mapping or {})
    out.update(extra)
    return out


def _check_not_in(name: str, mapping: Mapping | None, what: str) -> None:
    if mapping and any(k == name for k in mapping):
        raise InputError(f"{name} is the {what} being varied; remove it from the background {what}s")


def _stimulus(background: Mapping, cytokine: catalog.Cytokine, dose) -> dict:
    """Background cytokines plus ``cytokine`` at ``dose`` (catalog standard dose if None), in nM."""
    dose = cytokine.standard_dose if dose is None else dose
    return _with(background.get("cytokines"),
                 {cytokine.name: to_nM(dose, what=f"dose of {cytokine.name}", mass_kda=cytokine.mass_kda)})


# ----------------------------------------------------------------------------- dose-response


@dataclass(frozen=True)
class DoseResponse:
    """An inhibitor's dose-response on one cytokine/readout pair.

    ``doses`` are free (medium) concentrations in nM, ``responses`` the readout's
    measure at each dose (``measure``: value at a time, or AUC), ``baseline`` the
    measure with cytokine and no drug, ``unstimulated`` without either.
    """

    drug: str
    cytokine: str
    readout: str
    doses: np.ndarray
    responses: np.ndarray
    baseline: float
    unstimulated: float
    fit: HillFit | None
    measure: Measure
    context: str
    fraction_unbound: float
    background: dict = field(default_factory=dict)

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def ic50(self) -> float:
        """Fitted IC50 in nM of free drug: the dose halfway between the no-drug response
        and the fitted floor (relative IC50). NaN when the drug moves the response by
        less than 5% (nothing to fit)."""
        return self.fit.ic50 if self.fit else float("nan")

    @property
    def ic50_ci(self) -> tuple[float, float]:
        """95% confidence interval of the IC50 (nM, free)."""
        return self.fit.ic50_ci if self.fit else (float("nan"), float("nan"))

    @property
    def ic50_plasma(self) -> float:
        """The IC50 as a total plasma concentration (nM): free IC50 / fraction unbound."""
        return self.ic50 / self.fraction_unbound

    @property
    def slope(self) -> float:
        return self.fit.slope if self.fit else float("nan")

    @property
    def max_effect(self) -> float:
        """Fraction of the no-drug response removed at saturation (fitted; observed at
        the highest dose when there is no fit)."""
        if self.fit:
            return self.fit.max_effect
        return float(1 - self.responses.min() / self.baseline) if self.baseline else float("nan")

    @property
    def inhibition(self) -> np.ndarray:
        """Fraction of the no-drug response removed at each dose."""
        return 1 - self.responses / self.baseline if self.baseline else np.full(self.doses.shape, np.nan)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"dose_nM": self.doses, "dose_plasma_nM": self.doses / self.fraction_unbound,
                             self.readout: self.responses, "inhibition": self.inhibition})

    def summary(self) -> dict:
        lo, hi = self.ic50_ci
        return {"drug": self.drug, "cytokine": self.cytokine, "readout": self.readout, "measure": self.metric,
                "ic50_nM": self.ic50, "ic50_ci_low_nM": lo, "ic50_ci_high_nM": hi,
                "ic50_plasma_nM": self.ic50_plasma, "slope": self.slope, "max_effect": self.max_effect,
                "baseline": self.baseline, "unstimulated": self.unstimulated,
                "max_dose_nM": float(self.doses.max()), "context": self.context}

    def plot(self, ax=None):
        from . import plots

        return plots.dose_curve(self, ax=ax)


def dose_response(model: Model, drug: str, cytokine: str, readout: str | None = None,
                  doses: Sequence | None = None, *, time: float | None = None,
                  window: tuple[float, float] | None = None, cytokine_dose=None,
                  preincubation: float = 30.0, plasma: bool = False, n_jobs: int = 1, client=None,
                  progress: bool = False, **condition) -> DoseResponse:
    """Inhibitor dose-response on one cytokine/readout pair, with a Hill fit.

    ``doses`` are nM of free drug (numbers) or strings with units (default:
    :func:`default_doses`); with ``plasma=True`` they are total plasma concentrations, converted with the drug's
    fraction unbound. The drug is added ``preincubation`` min before the cytokine
    (at its catalog standard dose unless ``cytokine_dose`` is given). The readout
    (default: the cytokine's main readout) is taken at ``time`` min (default 20) or
    as AUC over ``window=(start, end)``. Extra keywords (``knockouts``,
    ``mutations``, ``overexpress``, ``drugs``, ``cytokines``, ``parameters``) are a
    background applied to every simulation.

    The fit fixes the zero-dose response at the simulated no-drug value, so
    ``ic50``, ``slope`` and ``max_effect`` come from the doses alone.
    """
    d = catalog.drug(drug)
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    doses_nM = _doses(default_doses(d.name) if doses is None else doses, f"doses of {d.name}")
    if plasma:
        doses_nM = doses_nM * d.fraction_unbound
    bg = _background(condition)
    _check_not_in(d.name, bg.get("drugs"), "drug")
    stimulus = _stimulus(bg, c, cytokine_dose)
    common = dict(bg, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = [
        Condition.make(**_with(common, {"cytokines": stimulus})),  # no drug
        Condition.make(**_with(common, {"cytokines": bg.get("cytokines")})),  # no cytokine either
        *(Condition.make(**_with(common, {"cytokines": stimulus, "drugs": _with(bg.get("drugs"), {d.name: x})}))
          for x in doses_nM),
    ]
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress)
    values = _measures(df, len(conditions), [readout], measure)[readout]
    baseline, unstimulated, resp = float(values[0]), float(values[1]), values[2:]
    fit = _fit(doses_nM, resp, baseline, falling=True)
    return DoseResponse(d.name, c.name, readout, doses_nM, resp, baseline, unstimulated, fit, measure,
                        model.context, d.fraction_unbound, bg)


def _fit(doses: np.ndarray, resp: np.ndarray, zero: float, *, falling: bool) -> HillFit | None:
    """Hill fit with the zero-dose response fixed, or None when there is nothing to fit."""
    positive = doses > 0
    if positive.sum() < 3:
        return None
    change = (zero - resp[positive].min()) if falling else (resp[positive].max() - zero)
    if change <= MIN_EFFECT * max(abs(zero), float(np.abs(resp).max()), 1e-300):
        return None
    try:
        return fit_hill(doses[positive], resp[positive], zero=zero)
    except InputError:
        return None


# ----------------------------------------------------------------------------- cytokine dose-response


@dataclass(frozen=True)
class CytokineResponse:
    """A cytokine's dose-response on one readout: ``doses`` in nM, ``responses`` the
    readout's measure, ``unstimulated`` the measure without this cytokine."""

    cytokine: str
    readout: str
    doses: np.ndarray
    responses: np.ndarray
    unstimulated: float
    fit: HillFit | None
    measure: Measure
    context: str
    background: dict = field(default_factory=dict)

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def ec50(self) -> float:
        """Fitted EC50 in nM: the dose halfway between the unstimulated and the
        saturating response. NaN when the cytokine moves the readout by < 5%."""
        return self.fit.ec50 if self.fit else float("nan")

    @property
    def ec50_ci(self) -> tuple[float, float]:
        return self.fit.ec50_ci if self.fit else (float("nan"), float("nan"))

    @property
    def ec50_ng_per_mL(self) -> float:
        # nM x kDa = ng/mL
        return self.ec50 * catalog.CYTOKINES[self.cytokine].mass_kda

    @property
    def slope(self) -> float:
        return self.fit.slope if self.fit else float("nan")

    @property
    def emax(self) -> float:
        """Fitted response at saturating cytokine (observed maximum without a fit)."""
        return self.fit.saturation if self.fit else float(self.responses.max())

    def to_frame(self) -> pd.DataFrame:
        mass = catalog.CYTOKINES[self.cytokine].mass_kda
        return pd.DataFrame({"dose_nM": self.doses, "dose_ng_per_mL": self.doses * mass,
                             self.readout: self.responses})

    def summary(self) -> dict:
        lo, hi = self.ec50_ci
        return {"cytokine": self.cytokine, "readout": self.readout, "measure": self.metric,
                "ec50_nM": self.ec50, "ec50_ci_low_nM": lo, "ec50_ci_high_nM": hi,
                "ec50_ng_per_mL": self.ec50_ng_per_mL, "slope": self.slope, "emax": self.emax,
                "unstimulated": self.unstimulated, "context": self.context}

    def plot(self, ax=None):
        from . import plots

        return plots.dose_curve(self, ax=ax)


def cytokine_response(model: Model, cytokine: str, readout: str | None = None, doses: Sequence | None = None,
                      *, time: float | None = None, window: tuple[float, float] | None = None,
                      preincubation: float = 0.0, n_jobs: int = 1, client=None, progress: bool = False,
                      **condition) -> CytokineResponse:
    """Cytokine dose-response (EC50) on one readout, with a Hill fit.

    ``doses`` are nM (numbers) or strings with units ("1 ng/mL"); by default 11
    half-log steps from 1/1000 to 100x the catalog's standard dose. The readout
    (default: the cytokine's main readout) is taken at ``time`` min (default 20)
    or as AUC over ``window``. Extra keywords are a background applied to every
    simulation (``preincubation`` applies to background drugs).
    """
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    if doses is None:
        standard = to_nM(c.standard_dose, what=c.name, mass_kda=c.mass_kda)
        doses = standard * 10.0 ** np.arange(-3, 2.01, 0.5)
    doses_nM = _doses(doses, f"doses of {c.name}", mass_kda=c.mass_kda)
    bg = _background(condition)
    _check_not_in(c.name, bg.get("cytokines"), "cytokine")
    common = dict(bg, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = [Condition.make(**common)]
    conditions += [Condition.make(**_with(common, {"cytokines": _with(bg.get("cytokines"), {c.name: x})}))
                   for x in doses_nM]
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress)
    values = _measures(df, len(conditions), [readout], measure)[readout]
    unstimulated, resp = float(values[0]), values[1:]
    fit = _fit(doses_nM, resp, unstimulated, falling=False)
    return CytokineResponse(c.name, readout, doses_nM, resp, unstimulated, fit, measure, model.context, bg)


# ----------------------------------------------------------------------------- knockout screen


@dataclass(frozen=True)
class KnockoutScreen:
    """Effect of knocking out each gene on each (cytokine, readout) pair.

    ``effects`` is long: one row per gene x cytokine x readout with the AUC of the
    wild type and of the knockout (readout unit x min over ``window``) and
    ``log2_fold_change`` = log2((AUC_ko + f) / (AUC_wt + f)), where the floor f is
    1% of the wild-type AUC (at least 1e-9): a response that disappears reads
    log2(0.01 / 1.01) = -6.66 instead of minus infinity, and solver noise around
    zero reads 0.
    """

    effects: pd.DataFrame
    window: tuple[float, float]
    context: str
    background: dict = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """Genes (rows, catalog order) x (cytokine, readout) columns of log2 fold changes."""
        wide = self.effects.pivot_table(index="gene", columns=["cytokine", "readout"],
                                        values="log2_fold_change", sort=False)
        return wide.reindex(pd.unique(self.effects["gene"]))

    def hits(self, threshold: float = 1.0) -> pd.DataFrame:
        """Rows whose |log2 fold change| is at least ``threshold`` (default: 2-fold)."""
        return self.effects[self.effects["log2_fold_change"].abs() >= threshold]

    def plot(self, ax=None):
        from . import plots

        return plots.knockout_heatmap(self, ax=ax)


FLOOR_FRACTION = 0.01


def log2_fold_change(knockout, wild_type, floor_fraction: float = FLOOR_FRACTION):
    """log2((ko + f) / (wt + f)) with f = ``floor_fraction`` x |wt| (at least 1e-9)."""
    ko, wt = np.asarray(knockout, dtype=float), np.asarray(wild_type, dtype=float)
    f = np.maximum(floor_fraction * np.abs(wt), 1e-9)
    return np.log2((ko + f) / (wt + f))


def knockout_screen(model: Model, cytokines: Sequence[str] | Mapping | None = None,
                    readouts: Sequence[str] | None = None, *, genes: Sequence[str] | None = None,
                    window: tuple[float, float] = (0.0, 120.0), preincubation: float = 0.0,
                    n_jobs: int = 1, client=None, progress: bool = False, **condition) -> KnockoutScreen:
    """Knock out every gene of the model (DESIGN 2.1; ``genes=`` for a subset) under
    each cytokine and compare the AUC of each readout with the wild type.

    ``cytokines``: names (standard doses) or a mapping name -> dose; default all.
    ``readouts``: measured for every cytokine; default each cytokine's main
    readout. Extra keywords are a background applied to wild type and knockouts
    alike (e.g. ``knockouts=["IL13RA1"]`` screens in IL13RA1-null cells;
    background ``drugs=`` are added ``preincubation`` min before the cytokine).
    """
    if cytokines is None:
        cytokines = list(catalog.CYTOKINES)
    if isinstance(cytokines, str):
        cytokines = [cytokines]
    if not isinstance(cytokines, Mapping):
        cytokines = {k: None for k in cytokines}
    stimuli = {catalog.cytokine(k).name: v for k, v in cytokines.items()}
    if not stimuli:
        raise InputError("knockout_screen needs at least one cytokine")
    if isinstance(readouts, str):
        readouts = [readouts]
    if readouts is not None:
        readouts = [catalog.readout(r).name for r in readouts]
        if not readouts:
            raise InputError("readouts must not be empty (None means each cytokine's main readout)")
    pairs = [(c, r) for c in stimuli for r in (readouts or [catalog.CYTOKINES[c].main_readout])]
    if isinstance(genes, str):
        genes = [genes]
    genes = [catalog.gene(g).symbol for g in (genes if genes is not None else catalog.GENES)]
    if not genes:
        raise InputError("genes must not be empty (None means every gene)")
    measure = Measure.make(window=window)
    bg = _background(condition)
    background_ko = bg.pop("knockouts", None) or []
    background_ko = [background_ko] if isinstance(background_ko, str) else list(background_ko)
    conditions, keys = [], []
    for c, dose in stimuli.items():
        common = dict(bg, cytokines=_stimulus(bg, catalog.CYTOKINES[c], dose), preincubation=preincubation,
                      t_end=measure.t_end, points=measure.points)
        for gene in [None, *genes]:
            ko = background_ko + ([gene] if gene else [])
            conditions.append(Condition.make(**common, knockouts=ko))
            keys.append((c, gene))
    measured = sorted({r for _, r in pairs})
    df = run(model, conditions, readouts=measured, n_jobs=n_jobs, client=client, progress=progress)
    auc = _measures(df, len(conditions), measured, measure)
    index = {k: i for i, k in enumerate(keys)}
    rows = []
    for gene in genes:
        for c, r in pairs:
            wt = auc[r][index[(c, None)]]
            ko = auc[r][index[(c, gene)]]
            rows.append({"gene": gene, "module": catalog.GENES[gene].module, "cytokine": c, "readout": r,
                         "auc_wild_type": wt, "auc_knockout": ko,
                         "log2_fold_change": float(log2_fold_change(ko, wt))})
    if background_ko:
        bg["knockouts"] = background_ko
    return KnockoutScreen(pd.DataFrame(rows), measure.window, model.context, bg)


# ----------------------------------------------------------------------------- combinations


@dataclass(frozen=True)
class Combination:
    """Two drugs on a dose grid, on one cytokine/readout pair.

    ``responses[i, j]`` is the readout's measure at ``doses_a[i]`` of drug A and
    ``doses_b[j]`` of drug B (free nM; both axes start at 0). ``effect`` is the
    fractional inhibition 1 - response / response(no drug). The three synergy
    scores are matrices of observed minus expected effect (positive = synergy,
    NaN on the single-agent row and column):

    - **Bliss** (independent action): expected E_A + E_B - E_A*E_B.
    - **Loewe** (dose additivity): expected E solving a/D_A(E) + b/D_B(E) = 1, with
      D_X(E) the single-agent dose giving E from a Hill fit of each drug alone
      (NaN when a drug has fewer than 3 non-zero doses to fit).
    - **HSA** (highest single agent): expected max(E_A, E_B).
    """

    drug_a: str
    drug_b: str
    cytokine: str
    readout: str
    doses_a: np.ndarray
    doses_b: np.ndarray
    responses: np.ndarray
    measure: Measure
    context: str
    fit_a: HillFit | None
    fit_b: HillFit | None
    bliss: np.ndarray
    loewe: np.ndarray
    hsa: np.ndarray
    background: dict = field(default_factory=dict)

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def baseline(self) -> float:
        return float(self.responses[0, 0])

    @property
    def effect(self) -> np.ndarray:
        return _effect(self.responses)

    def scores(self) -> dict[str, float]:
        """Mean excess over the combination cells (both doses > 0), per model."""
        return {name: float(np.nanmean(m)) if np.isfinite(m).any() else float("nan")
                for name, m in (("bliss", self.bliss), ("loewe", self.loewe), ("hsa", self.hsa))}

    def to_frame(self) -> pd.DataFrame:
        ia, ib = np.meshgrid(np.arange(self.doses_a.size), np.arange(self.doses_b.size), indexing="ij")
        ia, ib = ia.ravel(), ib.ravel()
        return pd.DataFrame({
            f"{self.drug_a}_nM": self.doses_a[ia], f"{self.drug_b}_nM": self.doses_b[ib],
            self.readout: self.responses[ia, ib], "effect": self.effect[ia, ib],
            "bliss": self.bliss[ia, ib], "loewe": self.loewe[ia, ib], "hsa": self.hsa[ia, ib],
        })

    def plot(self, axes=None):
        from . import plots

        return plots.combination_maps(self, axes=axes)


def _effect(responses: np.ndarray) -> np.ndarray:
    r0 = responses[0, 0]
    return 1 - responses / r0 if r0 else np.full(responses.shape, np.nan)


def _grid_doses(doses, what: str, plasma: bool, fu: float) -> np.ndarray:
    x = _doses(doses, what)
    if plasma:
        x = x * fu
    return np.unique(np.concatenate([[0.0], x]))


def combination(model: Model, drug_a: str, drug_b: str, cytokine: str, readout: str | None = None,
                doses_a: Sequence = (10, 100, 1000, 10000), doses_b: Sequence = (10, 100, 1000, 10000), *,
                time: float | None = None, window: tuple[float, float] | None = None, cytokine_dose=None,
                preincubation: float = 30.0, plasma: bool = False, n_jobs: int = 1, client=None,
                progress: bool = False, **condition) -> Combination:
    """Two drugs on a dose grid -> response matrix and Bliss, Loewe and HSA synergy.

    Doses are nM of free drug (``plasma=True``: total plasma, converted with each
    drug's fraction unbound); dose 0 is added to both axes. Timing, readout and
    background keywords as in :func:`dose_response`. See :class:`Combination` for
    the definitions of the scores (positive = synergy).
    """
    a, b = catalog.drug(drug_a), catalog.drug(drug_b)
    if a.name == b.name:
        raise InputError(f"a combination needs two different drugs, got {a.name} twice")
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    xa = _grid_doses(doses_a, f"doses of {a.name}", plasma, a.fraction_unbound)
    xb = _grid_doses(doses_b, f"doses of {b.name}", plasma, b.fraction_unbound)
    bg = _background(condition)
    for name in (a.name, b.name):
        _check_not_in(name, bg.get("drugs"), "drug")
    stimulus = _stimulus(bg, c, cytokine_dose)
    common = dict(bg, cytokines=stimulus, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = []
    for da in xa:
        for db in xb:
            drugs = {k: v for k, v in ((a.name, da), (b.name, db)) if v > 0}
            conditions.append(Condition.make(**_with(common, {"drugs": _with(bg.get("drugs"), drugs)})))
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress)
    resp = _measures(df, len(conditions), [readout], measure)[readout].reshape(xa.size, xb.size)
    effect = _effect(resp)
    fit_a = _effect_fit(xa, effect[:, 0])
    fit_b = _effect_fit(xb, effect[0, :])
    if min(xa.size, xb.size) - 1 < 3:  # too few single-agent doses to read D_X(E) off a fit
        loewe = np.full(effect.shape, np.nan)
    else:
        loewe = loewe_excess(xa, xb, effect, fit_a, fit_b)
    return Combination(a.name, b.name, c.name, readout, xa, xb, resp, measure, model.context, fit_a, fit_b,
                       bliss_excess(effect), loewe, hsa_excess(effect), bg)


MIN_SINGLE_AGENT_EFFECT = 0.02  # below this a drug counts as inactive for Loewe


def _effect_fit(doses: np.ndarray, effect: np.ndarray) -> HillFit | None:
    """Hill fit of a single agent's fractional effect (0 without drug), or None if inactive."""
    positive = doses > 0
    if positive.sum() < 3 or effect[positive].max() < MIN_SINGLE_AGENT_EFFECT:
        return None
    try:
        return fit_hill(doses[positive], effect[positive], zero=0.0)
    except InputError:
        return None


__all__ = [
    "Combination", "CytokineResponse", "DoseResponse", "KnockoutScreen", "Measure", "PlasmaDose",
    "combination", "cytokine_response", "default_doses", "dose_response", "knockout_screen", "log2_fold_change",
    "response",
]
