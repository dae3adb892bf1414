"""Oral pharmacokinetics of the model's drugs: one compartment, first-order absorption
or zero-order release.

The parameters come from ``data/pharmacokinetics/pk_parameters.tsv`` (every row
sourced; docs/dosing.md). A drug's formulation ("IR" immediate release, "XR"
extended release) has a bioavailability ``F``, a volume ``V``, a clearance ``CL``
(given, or derived from the half-life as ``CL = ln2 V / t1/2``) and an absorption
rate ``ka`` derived from the published time of the peak (``Tmax = ln(ka/ke) /
(ka - ke)`` with ``ke = CL / V``). Rows of formulation ``all`` (molar mass) and the
IR rows serve every formulation unless the formulation has its own.

A formulation with a ``release_duration`` row (or ``pk={"release_duration_h": T}``)
releases each dose at a constant rate ``F D / T`` into plasma over ``T`` hours (zero
order, as an osmotic tablet does) instead of first-order absorption; released drug is
taken as absorbed at once, and ``ka`` is not used. No tabulated formulation has one:
for tofacitinib XR, zero-order release over its label Tmax contradicts the reported
Cmax equivalence with 5 mg IR (docs/dosing.md 1).

Why one compartment: the labels give volume, clearance and half-life as
mono-exponential summaries; the two-compartment population model of ruxolitinib
(Appeldoorn et al. 2023) has parameters that were not available here. At the
approved 12- and 24-hour intervals a 3-hour half-life leaves the drug-free
trough, not the distribution phase, to shape the pathway's exposure.

:func:`plasma_concentration` is the closed-form total plasma concentration of a
dosing schedule (superposition of single doses); the regimen SBML integrates the
same model with events, and the tests hold the two together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError, UnknownNameError

FORMULATIONS = {"IR": "immediate release", "XR": "extended release"}


def data_dir() -> Path:
    """Folder of the pharmacokinetic tables (inside the package in a wheel)."""
    packaged = catalog.models_dir().parent / "data" / "pharmacokinetics"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "pharmacokinetics"


def _read_table(name: str, numbers: tuple[str, ...]) -> pd.DataFrame:
    """A table of ``data/pharmacokinetics`` with its ``numbers`` columns as floats."""
    table = pd.read_csv(data_dir() / name, sep="\t", keep_default_na=False)
    for column in numbers:
        table[column] = table[column].astype(float)
    return table


@cache
def parameter_table() -> pd.DataFrame:
    """``pk_parameters.tsv``: drug, formulation, parameter, value, unit, source, notes."""
    return _read_table("pk_parameters.tsv", ("value",))


@cache
def molar_mass(drug: str) -> float | None:
    """The drug's molar mass (g/mol, free base, as its doses are stated), or None where the
    table has none: what turns a mass concentration (ng/mL) of the drug into nM."""
    rows = parameter_table()
    found = rows.loc[(rows.drug == drug) & (rows.parameter == "molar_mass"), "value"]
    return float(found.iloc[0]) if len(found) else None


@cache
def observation_table() -> pd.DataFrame:
    """``pk_observations.tsv``: published Cmax, half-life, Tmax... that the PK is checked against."""
    return _read_table("pk_observations.tsv", ("dose_mg", "value", "low", "high"))


@cache
def variability_table() -> pd.DataFrame:
    """``pk_variability.tsv``: between-patient variability of PK parameters (drug, parameter,
    cv_percent, distribution, source, notes)."""
    return _read_table("pk_variability.tsv", ("cv_percent",))


@cache
def covariate_table() -> pd.DataFrame:
    """``pk_covariates.tsv``: one row per drug, patient covariate (a co-medication, an organ
    impairment) and level, with the AUC ratio it causes (``auc_ratio``; blank where no
    number was seen in a source: a stated gap, not "no effect"), its derivation, source,
    what was seen there and whether it was verified."""
    table = pd.read_csv(data_dir() / "pk_covariates.tsv", sep="\t", keep_default_na=False)
    table["auc_ratio"] = [float(v) if str(v).strip() else math.nan for v in table["auc_ratio"]]
    return table


@dataclass(frozen=True)
class PKParameters:
    """One drug in one formulation: what the one-compartment oral model needs."""

    drug: str
    formulation: str  # "IR" or "XR"
    molar_mass: float  # g/mol
    bioavailability: float  # F, fraction of the dose reaching plasma
    volume_L: float
    clearance_L_per_h: float
    absorption_rate_per_h: float  # ka
    fraction_unbound: float  # plasma fu (catalog): free = fu * total
    release_duration_h: float | None = None  # zero-order release over this time (ka unused); None: first order

    @property
    def zero_order(self) -> bool:
        return self.release_duration_h is not None

    @property
    def elimination_rate_per_h(self) -> float:
        return self.clearance_L_per_h / self.volume_L

    @property
    def half_life_h(self) -> float:
        return math.log(2) / self.elimination_rate_per_h

    @property
    def tmax_single_dose_h(self) -> float:
        if self.zero_order:  # the concentration rises while the release lasts
            return self.release_duration_h
        ka, ke = self.absorption_rate_per_h, self.elimination_rate_per_h
        return math.log(ka / ke) / (ka - ke)

    def with_changes(self, **changes: float) -> PKParameters:
        """A copy with some numbers changed (e.g. a patient's clearance); names checked,
        values must be finite and > 0 (fractions at most 1). ``release_duration_h``
        switches the formulation to zero-order release over that time (a what-if)."""
        allowed = ["bioavailability", "volume_L", "clearance_L_per_h", "absorption_rate_per_h", "fraction_unbound",
                   "release_duration_h"]
        clean = {}
        for name, value in changes.items():
            if name not in allowed:
                raise UnknownNameError("pharmacokinetic parameter", name, allowed)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise InputError(f"pk[{name!r}] must be a finite number > 0, got {value!r}")
            if name in ("bioavailability", "fraction_unbound") and value > 1:
                raise InputError(f"pk[{name!r}] is a fraction and must be at most 1, got {value!r}")
            clean[name] = float(value)
        updated = replace(self, **clean)
        ka, ke = updated.absorption_rate_per_h, updated.elimination_rate_per_h
        if not updated.zero_order and math.isclose(ka, ke, rel_tol=1e-9):
            raise InputError("absorption and elimination rates are equal; the closed-form curve needs them apart")
        return updated


@dataclass(frozen=True)
class LabelledUse:
    """The labelled dose range of one drug in one formulation (``labelled_doses.tsv``):
    mg per dose and per day, the regimen in words (``text``) and the label it comes from.
    ``intervals``: the labelled dosing intervals (h), each with the largest dose it is
    labelled for (None: any dose in the range), e.g. ruxolitinib's ((12, None), (24, 5)):
    twice daily, once daily at 5 mg; empty where the label sets no interval (divided doses)."""

    drug: str
    formulation: str
    min_dose_mg: float
    max_dose_mg: float
    min_daily_mg: float
    max_daily_mg: float
    text: str
    label: str
    source: str
    intervals: tuple[tuple[float, float | None], ...] = ()

    def intervals_text(self) -> str:
        """The labelled intervals in words: 'every 12 h, or every 24 h at 5 mg or less'."""
        parts = [f"every {h:g} h" + (f" at {most:g} mg or less" if most is not None else "")
                 for h, most in self.intervals]
        return ", or ".join(parts)

    def outside(self, dose_mg: float, interval_h: float, single: bool = False) -> str | None:
        """Why a dose of ``dose_mg`` every ``interval_h`` leaves the labelled use (None if it
        does not); ``single``: one dose, judged by its size alone (it has no interval)."""
        daily = dose_mg * 24 / interval_h
        if dose_mg > self.max_dose_mg:
            return f"{dose_mg:g} mg per dose, above"
        if dose_mg < self.min_dose_mg:
            return f"{dose_mg:g} mg per dose, below"
        if single:
            return None
        if daily > self.max_daily_mg:
            return f"{daily:g} mg a day, above"
        if daily < self.min_daily_mg:
            return f"{daily:g} mg a day, below"
        if self.intervals and not any(math.isclose(interval_h, h) and (most is None or dose_mg <= most)
                                      for h, most in self.intervals):
            return "at an interval outside"
        return None


@cache
def labelled_table() -> pd.DataFrame:
    """``labelled_doses.tsv``: the labelled dose range of every drug and formulation, with sources."""
    return _read_table("labelled_doses.tsv", ("min_dose_mg", "max_dose_mg", "min_daily_mg", "max_daily_mg"))


def labelled_use(drug: str, formulation: str = "IR") -> LabelledUse:
    """The labelled dose range of ``drug`` in ``formulation`` (InputError if none is tabulated)."""
    name = catalog.drug(drug).name
    rows = labelled_table()
    row = rows[(rows.drug == name) & (rows.formulation == formulation.upper())]
    if row.empty:
        raise InputError(f"no labelled dose range tabulated for {name} {formulation} "
                         "(data/pharmacokinetics/labelled_doses.tsv)")
    r = row.iloc[0]
    return LabelledUse(name, r.formulation, r.min_dose_mg, r.max_dose_mg, r.min_daily_mg, r.max_daily_mg,
                       r.labelled_use, r.label, r.source, _labelled_intervals(r.intervals_h, name))


def _labelled_intervals(text: str, drug: str) -> tuple[tuple[float, float | None], ...]:
    """'12; 24 at 5 mg' -> ((12.0, None), (24.0, 5.0)); '' -> () (the label sets no interval)."""
    out = []
    for part in filter(None, (p.strip() for p in str(text).split(";"))):
        hours, _, most = part.partition(" at ")
        try:
            out.append((float(hours), float(most.removesuffix("mg").strip()) if most else None))
        except ValueError:
            raise InputError(f"labelled_doses.tsv, {drug}: intervals_h must read like '12; 24 at 5 mg', "
                             f"got {text!r}") from None
    return tuple(out)


@cache
def approved_table() -> pd.DataFrame:
    """``approved_regimens.tsv``: the standard regimen of each drug's labelled indication
    (drug, formulation, dose_mg, every_h, indication, source)."""
    return _read_table("approved_regimens.tsv", ("dose_mg", "every_h"))


def formulations(drug: str) -> list[str]:
    """The formulations with tabulated pharmacokinetics for ``drug`` (e.g. ["IR", "XR"])."""
    name = catalog.drug(drug).name
    rows = parameter_table()
    return sorted(set(rows.loc[(rows.drug == name) & (rows.formulation != "all"), "formulation"]))


def pk_parameters(drug: str, formulation: str = "IR") -> PKParameters:
    """The tabulated pharmacokinetics of ``drug`` in ``formulation`` ("IR" or "XR")."""
    name = catalog.drug(drug).name
    known = formulations(name)
    if not known:
        raise InputError(f"no pharmacokinetics tabulated for {name} (data/pharmacokinetics/pk_parameters.tsv)")
    key = str(formulation).upper()
    if key not in known:
        raise UnknownNameError(f"formulation of {name}", formulation, known)
    return _pk_parameters(name, key)


@cache
def _pk_parameters(drug: str, formulation: str) -> PKParameters:
    rows = parameter_table()
    rows = rows[rows.drug == drug]

    def value(parameter: str) -> float | None:
        # the formulation's own row, else the immediate-release row, else the drug-wide row
        for f in (formulation, "IR", "all"):
            hit = rows[(rows.formulation == f) & (rows.parameter == parameter)]
            if len(hit):
                return float(hit["value"].iloc[0])
        return None

    volume = value("volume")
    clearance = value("clearance")
    if clearance is None:
        clearance = math.log(2) * volume / value("half_life")
    ke = clearance / volume
    ka = absorption_rate_from_tmax(value("tmax"), ke)
    release = rows[(rows.formulation == formulation) & (rows.parameter == "release_duration")]
    return PKParameters(drug, formulation, value("molar_mass"), value("bioavailability"), volume, clearance, ka,
                        catalog.drug(drug).fraction_unbound,
                        float(release["value"].iloc[0]) if len(release) else None)


# a drug's PK carries its fraction unbound, which a stored potency posterior changes
catalog.on_reload(_pk_parameters.cache_clear)


def absorption_rate_from_tmax(tmax_h: float, elimination_rate_per_h: float) -> float:
    """The first-order absorption rate (/h, faster than elimination) whose single-dose
    peak is at ``tmax_h`` in a one-compartment model."""
    from scipy.optimize import brentq

    ke = elimination_rate_per_h

    def peak_time(ka: float) -> float:
        return math.log(ka / ke) / (ka - ke)

    # peak_time falls from 1/ke (ka -> ke) to 0 (ka -> infinity)
    if not 0 < tmax_h < 1 / ke:
        raise InputError(f"a Tmax of {tmax_h:g} h cannot be reached with an elimination rate of {ke:.3g} /h")
    return brentq(lambda ka: peak_time(ka) - tmax_h, ke * (1 + 1e-9), ke * 1e6, xtol=1e-12, rtol=1e-12)


def dose_nmol(dose_mg: float, pk: PKParameters) -> float:
    return dose_mg * 1e-3 / pk.molar_mass * 1e9


def plasma_concentration(times_h, dose_times_h, dose_mg: float, pk: PKParameters) -> np.ndarray:
    """Total plasma concentration (nM) at ``times_h`` after oral doses at ``dose_times_h``.

    One compartment with first-order absorption: each dose adds
    ``F D / V * ka / (ka - ke) * (exp(-ke t) - exp(-ka t))``; with zero-order release
    over ``T`` (``pk.release_duration_h``) it adds ``F D / (T CL) * (1 - exp(-ke t))``
    while it lasts (``t <= T``), then that value at ``T`` times ``exp(-ke (t - T))``.
    """
    t = np.asarray(times_h, dtype=float)
    if pk.zero_order:
        return _zero_order_concentration(t, dose_times_h, dose_mg, pk)
    ka, ke = pk.absorption_rate_per_h, pk.elimination_rate_per_h
    scale = pk.bioavailability * dose_nmol(dose_mg, pk) / pk.volume_L * ka / (ka - ke)
    total = np.zeros_like(t)
    for start in dose_times_h:
        since = t - start
        after = since >= 0
        total[after] += scale * (np.exp(-ke * since[after]) - np.exp(-ka * since[after]))
    return total


def _zero_order_concentration(t: np.ndarray, dose_times_h, dose_mg: float, pk: PKParameters) -> np.ndarray:
    release, ke = pk.release_duration_h, pk.elimination_rate_per_h
    plateau = pk.bioavailability * dose_nmol(dose_mg, pk) / release / pk.clearance_L_per_h  # nM, if it went on
    total = np.zeros_like(t)
    for start in dose_times_h:
        since = t - start
        rising = (since >= 0) & (since <= release)
        falling = since > release
        total[rising] += plateau * -np.expm1(-ke * since[rising])
        total[falling] += plateau * -np.expm1(-ke * release) * np.exp(-ke * (since[falling] - release))
    return total
