"""The pharmacokinetics against what was measured in people.

Every row of ``data/pharmacokinetics/pk_observations.tsv`` (a label's Cmax, a half-life,
a Tmax, an accumulation ratio...) is recomputed here from the one-compartment model with
the closed-form concentrations of :func:`~.pharmacokinetics.plasma_concentration`, each
by its recipe (:data:`RECIPES`: what is simulated and how the number is read off it).
:func:`validate_pharmacokinetics` (``js.validate_pharmacokinetics``) returns a
:class:`PharmacokineticChecks` result: one row per observation with the model's value,
whether it lies inside the observation's bounds, and the row's ``evidence``: ``independent`` (nothing was
set from it), ``circular`` (a parameter was derived from it: the check tests the code and
the units, not the parameter) or ``consistency`` (a parameter was set inside its range).

:data:`KNOWN_MISSES` says, for each check the model is known to fail, why: a miss is a
finding, kept in view (``jakstat validate pharmacokinetics``, docs/dosing.md, and strict
expected failures in ``tests/test_dosing.py`` that fail once the model meets the check).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from ..errors import JakStatWarning
from ..results import flags_text, with_flags
from .pharmacokinetics import observation_table, pk_parameters
from .regimen import regimen

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STEPS_PER_HOUR = 60  # a 1-min grid: Tmax to the minute, AUC by the trapezoid rule to < 0.1 %


def _grid(start_h: float, end_h: float) -> np.ndarray:
    return np.linspace(start_h, end_h, int(round((end_h - start_h) * STEPS_PER_HOUR)) + 1)


def single_dose(drug: str, dose_mg: float, formulation: str = "IR", hours: float = 48.0,
                pk: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Times (h) and total plasma concentration (nM) after one dose, on a 1-min grid."""
    t = _grid(0.0, hours)
    return t, regimen(drug, dose_mg, every="24 h", doses=1, formulation=formulation, pk=pk).plasma_total_nM(t)


def terminal_half_life(t: np.ndarray, c: np.ndarray, start_h: float, end_h: float) -> float:
    """Half-life (h) of a log-linear fit to the concentration between ``start_h`` and ``end_h``."""
    inside = (t >= start_h) & (t <= end_h)
    slope = np.polyfit(t[inside], np.log(c[inside]), 1)[0]
    return math.log(2) / -slope


def last_interval(drug: str, dose_mg: float, every_h: float, days: float, formulation: str = "IR",
                  pk: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Times and concentrations over the last dosing interval of ``days`` of dosing."""
    reg = regimen(drug, dose_mg, every=f"{every_h:g} h", days=days, formulation=formulation, pk=pk)
    t = _grid(reg.duration_h - every_h, reg.duration_h)
    return t, reg.plasma_total_nM(t)


def accumulation_ratio(drug: str, dose_mg: float, every_h: float, formulation: str = "IR",
                       days: float = 10) -> float:
    """Steady-state AUC over one interval / the first dose's AUC over the same interval."""
    t_ss, c_ss = last_interval(drug, dose_mg, every_h, days, formulation)
    t, c = single_dose(drug, dose_mg, formulation, hours=every_h)
    return float(np.trapezoid(c_ss, t_ss) / np.trapezoid(c, t))


def ratio_to_ir_twice_daily(quantity: str, drug: str, dose_mg: float, formulation: str, reference_mg: float,
                            days: int | None = 5, pk: dict | None = None) -> float:
    """``quantity`` ("Cmax", "Cmin" or "AUC") over a day of ``dose_mg`` once daily in
    ``formulation`` divided by that of ``reference_mg`` IR every 12 h: on day ``days``, or
    after one day's dosing (one dose of each, two of the reference) if ``days`` is None."""
    doses = dict(doses=1) if days is None else dict(days=days)
    once = regimen(drug, dose_mg, every="24 h", formulation=formulation, pk=pk, **doses)
    twice = regimen(drug, reference_mg, every="12 h", **({"doses": 2} if days is None else doses))
    end = 24.0 if days is None else 24.0 * days
    day = _grid(end - 24, end)
    read = {"Cmax": np.max, "Cmin": np.min, "AUC": lambda c: np.trapezoid(c, day)}[quantity]
    return float(read(once.plasma_total_nM(day)) / read(twice.plasma_total_nM(day)))


def scaled_to_weight(drug: str, weight_kg: float, adult_kg: float = 70.0) -> dict:
    """The adult one-compartment parameters scaled to a body weight by standard allometry:
    clearance x (W/70)^0.75, volume x (W/70) (as ``pk=`` changes)."""
    adult = pk_parameters(drug)
    scale = weight_kg / adult_kg
    return {"clearance_L_per_h": adult.clearance_L_per_h * scale ** 0.75, "volume_L": adult.volume_L * scale}


@dataclass(frozen=True)
class Recipe:
    """How one observation is recomputed: ``measure(dose_mg)`` gives the model's value."""

    measure: Callable[[float], float]
    how: str  # what is simulated and read off, for the table


def _half_life(drug, formulation, start_h, end_h):
    return Recipe(lambda dose: terminal_half_life(*single_dose(drug, dose, formulation, hours=end_h), start_h, end_h),
                  f"one dose; log-linear fit over {start_h:g}-{end_h:g} h")


def _tmax(drug, formulation):
    def measure(dose):
        t, c = single_dose(drug, dose, formulation)
        return float(t[np.argmax(c)])
    return Recipe(measure, "one dose; time of the peak")


def _steady_state(drug, every_h, days, read):
    def measure(dose):
        t, c = last_interval(drug, dose, every_h, days)
        return float(c.max() if read == "Cmax" else np.trapezoid(c, t))
    return Recipe(measure, f"every {every_h:g} h for {days} days; {read} over the last interval")


def _child(drug, weight_kg, days, read):
    def measure(dose):
        t, c = last_interval(drug, dose, 24.0, days, pk=scaled_to_weight(drug, weight_kg))
        return float(np.trapezoid(c, t) if read == "AUC" else c.max())
    return Recipe(measure, f"once daily, day {days}, adult parameters scaled to {weight_kg:g} kg (allometry); {read}")


def _tofacitinib_xr(quantity, days):
    when = "one dose of each" if days is None else f"day {days}"
    return Recipe(lambda dose: ratio_to_ir_twice_daily(quantity, "tofacitinib", dose, "XR", 5, days),
                  f"XR once daily / 5 mg IR every 12 h, {when}; {quantity} over the day")


def _cmax(drug):
    return Recipe(lambda dose: float(single_dose(drug, dose, hours=24)[1].max()), "one dose; peak")


def _accumulation(drug, every_h):
    return Recipe(lambda dose: accumulation_ratio(drug, dose, every_h),
                  f"every {every_h:g} h: steady-state AUC over an interval / the first dose's")


# (drug, formulation, quantity) of pk_observations.tsv -> recipe. The half-life windows lie
# after the peak and before the concentration falls below 1 % of it.
RECIPES: dict[tuple[str, str, str], Recipe] = {
    ("ruxolitinib", "IR", "Cmax"): _cmax("ruxolitinib"),
    ("ruxolitinib", "IR", "half_life"): _half_life("ruxolitinib", "IR", 6, 24),
    ("ruxolitinib", "IR", "tmax"): _tmax("ruxolitinib", "IR"),
    ("ruxolitinib", "IR", "accumulation_ratio"): _accumulation("ruxolitinib", 12),
    ("tofacitinib", "IR", "half_life"): _half_life("tofacitinib", "IR", 6, 24),
    ("tofacitinib", "IR", "tmax"): _tmax("tofacitinib", "IR"),
    ("tofacitinib", "XR", "tmax"): _tmax("tofacitinib", "XR"),
    ("tofacitinib", "XR", "auc_ratio_to_5mg_bid"): _tofacitinib_xr("AUC", 5),
    ("tofacitinib", "XR", "apparent_half_life"): _half_life("tofacitinib", "XR", 8, 24),
    ("tofacitinib", "XR", "cmax_ratio_to_5mg_bid_single_dose"): _tofacitinib_xr("Cmax", None),
    ("tofacitinib", "XR", "cmax_ratio_to_5mg_bid_day5"): _tofacitinib_xr("Cmax", 5),
    ("tofacitinib", "XR", "cmin_ratio_to_5mg_bid"): _tofacitinib_xr("Cmin", 5),
    ("pimozide", "IR", "tmax"): _tmax("pimozide", "IR"),
    ("pimozide", "IR", "half_life"): _half_life("pimozide", "IR", 48, 400),
    ("baricitinib", "IR", "tmax"): _tmax("baricitinib", "IR"),
    ("baricitinib", "IR", "half_life"): _half_life("baricitinib", "IR", 24, 72),
    ("momelotinib", "IR", "Cmax_ss"): _steady_state("momelotinib", 24, 10, "Cmax"),
    ("momelotinib", "IR", "AUC_ss"): _steady_state("momelotinib", 24, 10, "AUC"),
    ("momelotinib", "IR", "tmax"): _tmax("momelotinib", "IR"),
    ("upadacitinib", "XR", "tmax"): _tmax("upadacitinib", "XR"),
    ("upadacitinib", "XR", "terminal_half_life"): _half_life("upadacitinib", "XR", 12, 48),
    ("deucravacitinib", "IR", "tmax"): _tmax("deucravacitinib", "IR"),
    ("deucravacitinib", "IR", "accumulation_ratio"): _accumulation("deucravacitinib", 24),
    ("ritlecitinib", "IR", "tmax"): _tmax("ritlecitinib", "IR"),
    ("ritlecitinib", "IR", "half_life"): _half_life("ritlecitinib", "IR", 4, 12),
    # 40 kg: the heaviest plausible child of 6-11 years (assumption; 20-40 kg), the lowest exposure
    ("ritlecitinib", "IR", "AUC24_ss_children_6_to_11y"): _child("ritlecitinib", 40, 7, "AUC"),
    ("ritlecitinib", "IR", "Cmax_ss_children_6_to_11y"): _child("ritlecitinib", 40, 7, "Cmax"),
}

# Checks the model fails, with the reason (docs/dosing.md 1): findings, not bugs to hide.
KNOWN_MISSES: dict[tuple[str, str, str], str] = {
    ("tofacitinib", "XR", "apparent_half_life"):
        "with the label's 4 h Tmax, one compartment declines at the 3.2 h elimination half-life (3.9 h fitted over "
        "8-24 h with first-order absorption, 3.2 h with zero-order release), not the reported 5.9 h",
    ("tofacitinib", "XR", "cmin_ratio_to_5mg_bid"):
        "the same cause as the XR half-life: the XR trough is 0.44x that of 5 mg IR twice daily, reported 0.71x",
    ("upadacitinib", "XR", "terminal_half_life"):
        "one compartment with the popPK CL/F 39.7 L/h and Vss/F 210 L declines with a 3.7 h half-life, not the "
        "9-14 h terminal phase of the biphasic ER profile",
    ("deucravacitinib", "IR", "accumulation_ratio"):
        "the intravenous clearance (15.2 L/h) and Vss (140 L) give a 6.4 h half-life and an accumulation of about "
        "1.09, below the 1.3-1.4-fold of once-daily dosing in healthy Chinese subjects (Jing et al. 2023); the "
        "label's '<1.4' alone is met",
    ("ritlecitinib", "IR", "AUC24_ss_children_6_to_11y"):
        "the adult CL (ln2 x 74 L / 1.8 h = 28.5 L/h) scaled to a 40 kg child gives a day-7 AUC24 of about 2400 "
        "nM h at 20 mg (about 2970 at 30 kg), above the 1533 nM h (CV 30%) measured in children aged 6-11 (PMID "
        "39924925): either the adult clearance from the drug guide's half-life is too low or children clear "
        "ritlecitinib faster than allometry says",
}


def _key(row) -> tuple[str, str, str]:
    return (row.drug, row.formulation, row.quantity)


@dataclass(frozen=True)
class PharmacokineticChecks:
    """Every published PK number against the model (:func:`validate_pharmacokinetics`).

    ``table`` columns: drug, formulation, dose_mg, quantity, unit, the ``observed`` value
    with its bounds (``low``, ``high``), the ``model``'s value, ``within`` the bounds,
    ``evidence`` (independent / circular / consistency), ``known_miss`` (the recorded
    reason, or ""), ``status`` (within, known miss, MISSED, known miss met), ``how`` the
    model's value was read, and the observation's ``source``."""

    table: pd.DataFrame

    @property
    def flags(self) -> tuple[str, ...]:
        """A check outside its bounds (known or not), and a known miss the model now meets."""
        flags = []
        for r in self.table.itertuples():
            if r.status == "within":
                continue
            what = (f"{r.drug} {r.formulation} {r.quantity}: model {r.model:.3g} vs {r.observed:g} {r.unit} "
                    f"({r.low:g}-{r.high:g})")
            if r.status == "known miss":
                flags.append(f"known miss, {what}")
            elif r.status == "MISSED":
                flags.append(f"outside its bounds and not a known miss, {what}")
            else:
                flags.append(f"a known miss now met (its note is stale), {what}")
        return tuple(flags)

    @property
    def changed(self) -> pd.DataFrame:
        """Checks whose outcome is not the recorded one: a new miss or a known miss now met."""
        return self.table[~self.table.status.isin(["within", "known miss"])]

    def to_frame(self) -> pd.DataFrame:
        return with_flags(self.table.copy(), self.flags)

    def summary(self) -> dict:
        t = self.table
        return {"checks": len(t), "within": int(t.within.sum()),
                "independent_within": int((t.within & (t.evidence == "independent")).sum()),
                "known_misses": int((t.status == "known miss").sum()), "changed": len(self.changed),
                "flags": flags_text(self.flags)}

    def plot(self, ax=None) -> Figure:
        """Each check's model value over the published one (log scale), with the published
        bounds as a bar; filled markers are independent checks, open ones circular or
        consistency checks; green inside the bounds, red outside."""
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        t = self.table.iloc[::-1].reset_index(drop=True)  # the table's first row on top
        height = 0.28 * len(t) + 1.6
        own = ax is None
        if own:
            fig, ax = plt.subplots(figsize=(7.5, height))
        fig = ax.figure
        y = np.arange(len(t))
        ratios = np.concatenate([t.low / t.observed, t.high / t.observed, t.model / t.observed])
        ax.hlines(y, t.low / t.observed, t.high / t.observed, color="0.78", linewidth=5)
        colours = np.where(t.within, "tab:green", "tab:red")
        independent = (t.evidence == "independent").to_numpy()
        ax.scatter((t.model / t.observed)[independent], y[independent], c=colours[independent], s=28, zorder=3)
        ax.scatter((t.model / t.observed)[~independent], y[~independent], facecolors="none",
                   edgecolors=colours[~independent], s=28, zorder=3)
        ax.axvline(1, color="0.4", linewidth=0.8)
        ax.set_xscale("log")
        low, high = ratios.min() / 1.15, ratios.max() * 1.15
        ax.set_xlim(low, high)
        ticks = [v for v in (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10) if low <= v <= high]
        ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
        ax.set_yticks(y, [f"{r.drug} {r.formulation} {r.dose_mg:g} mg {r.quantity.replace('_', ' ')}"
                          for r in t.itertuples()], fontsize=7)
        ax.set_ylim(-0.7, len(t) - 0.3)
        ax.set_xlabel("model / published value (green: inside the published bounds; red: outside)", fontsize=8)
        s = self.summary()
        ax.set_title(f"pharmacokinetics: {s['within']} of {s['checks']} checks within their bounds\n"
                     f"({s['independent_within']} of them independent); {s['known_misses']} known misses", fontsize=9)
        handles = [Line2D([], [], color="0.78", linewidth=5, label="published bounds"),
                   Line2D([], [], marker="o", linestyle="", color="0.3", label="model, independent check"),
                   Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor="0.3",
                          label="model, circular or consistency check")]
        if own:
            fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=7, frameon=False)
            fig.tight_layout(rect=(0, 0.35 / height, 1, 1))
        else:
            ax.legend(handles=handles, fontsize=6)
        return fig


def _status(within: bool, known_miss: str) -> str:
    if known_miss:
        return "known miss met" if within else "known miss"
    return "within" if within else "MISSED"


def validate_pharmacokinetics(drug: str | None = None) -> PharmacokineticChecks:
    """Every observation of ``pk_observations.tsv`` (of ``drug``, or of all drugs)
    recomputed from the model and compared with its bounds (closed form: about a second)."""
    table = observation_table()
    if drug is not None:
        from .. import catalog

        catalog.drug(drug)  # an unknown name fails with the list of drugs
        table = table[table.drug == drug]
    rows = []
    for obs in table.itertuples(index=False):
        recipe = RECIPES[_key(obs)]
        with warnings.catch_warnings():
            # each check simulates the dose its source gave, inside the label or not (a 200 mg
            # single dose of ruxolitinib, a child's 20 mg of ritlecitinib): as meant
            warnings.simplefilter("ignore", JakStatWarning)
            model = recipe.measure(obs.dose_mg)
        within = bool(obs.low <= model <= obs.high)
        known = KNOWN_MISSES.get(_key(obs), "")
        rows.append({"drug": obs.drug, "formulation": obs.formulation, "dose_mg": obs.dose_mg,
                     "quantity": obs.quantity, "unit": obs.unit, "observed": obs.value, "low": obs.low,
                     "high": obs.high, "model": model, "within": within, "evidence": obs.evidence,
                     "known_miss": known, "status": _status(within, known), "how": recipe.how,
                     "source": obs.source})
    return PharmacokineticChecks(pd.DataFrame(rows))
