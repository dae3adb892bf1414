"""The pharmacokinetics against what was measured in people.

Every row of ``data/pharmacokinetics/pk_observations.tsv`` (a label's Cmax, a half-life,
a Tmax, an accumulation ratio...) is recomputed here from the one-compartment model with
the closed-form concentrations of :func:`~.pharmacokinetics.plasma_concentration`. The
row says how (its :class:`Recipe`): the schedule (``every_h`` and ``days``; both blank: one
dose), what is ``read`` off the curve (Cmax, Cmin, AUC, tmax, half_life over
``window_h``, or accumulation), a ``reference`` regimen the value is a ratio to ("5 mg IR
every 12 h"), and a ``weight_kg`` the adult parameters are scaled to by allometry.

:func:`validate_pharmacokinetics` (``js.validate_pharmacokinetics``) returns a
:class:`PharmacokineticChecks` result: one row per observation with the model's value,
whether it lies inside the observation's bounds, and the row's ``evidence``:
``independent`` (nothing was set from it), ``circular`` (a parameter was derived from it:
the check tests the code and the units, not the parameter) or ``consistency`` (a
parameter was set inside its range).

A row's ``known_miss`` says why the model is known to fail it: a miss is a finding, kept
in view (``jakstat validate pharmacokinetics``, docs/dosing.md, and strict expected
failures in ``tests/test_dosing.py`` that fail once the model meets the check).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError, JakStatWarning
from ..results import flags_text, with_flags
from .pharmacokinetics import observation_table, pk_parameters
from .regimen import outside_label, regimen

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STEPS_PER_HOUR = 60  # a 1-min grid: Tmax to the minute, AUC by the trapezoid rule to < 0.1 %
SINGLE_DOSE_HOURS = 48.0  # one dose is followed this long (longer when a half-life window needs it)
READS = ("Cmax", "Cmin", "AUC", "tmax", "half_life", "accumulation")
_REFERENCE = re.compile(r"^\s*([\d.]+) mg (\w+) every ([\d.]+) h\s*$")


def format_value(value: float, unit: str = "") -> str:
    """A check's number as tables print it: three significant figures, whole numbers from
    1000 on (thousands separated), with its unit unless dimensionless."""
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return text if unit in ("", "dimensionless") else f"{text} {unit}"


def _grid(start_h: float, end_h: float) -> np.ndarray:
    return np.linspace(start_h, end_h, int(round((end_h - start_h) * STEPS_PER_HOUR)) + 1)


def single_dose(drug: str, dose_mg: float, formulation: str = "IR", hours: float = SINGLE_DOSE_HOURS,
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
                       days: float = 10, pk: dict | None = None) -> float:
    """Steady-state AUC over one interval / the first dose's AUC over the same interval."""
    t_ss, c_ss = last_interval(drug, dose_mg, every_h, days, formulation, pk=pk)
    t, c = single_dose(drug, dose_mg, formulation, hours=every_h, pk=pk)
    return float(np.trapezoid(c_ss, t_ss) / np.trapezoid(c, t))


def ratio_to_regimen(quantity: str, drug: str, dose_mg: float, formulation: str, reference_mg: float,
                     reference_formulation: str = "IR", reference_every_h: float = 12.0, *, every_h: float = 24.0,
                     days: int | None = 5, pk: dict | None = None) -> float:
    """``quantity`` ("Cmax", "Cmin" or "AUC") of ``dose_mg`` every ``every_h`` in
    ``formulation`` over its last interval, divided by that of the reference regimen
    (``reference_mg`` in ``reference_formulation`` every ``reference_every_h``) over the
    same hours: on day ``days``, or over the first interval (one dose, and the reference's
    doses in that time) if ``days`` is None. ``pk``: changes to the first regimen's PK."""
    if days is None:
        end = every_h
        schedules = dict(doses=1), dict(doses=max(1, round(every_h / reference_every_h)))
    else:
        end = 24.0 * days
        schedules = dict(days=days), dict(days=days)
    mine = regimen(drug, dose_mg, every=f"{every_h:g} h", formulation=formulation, pk=pk, **schedules[0])
    reference = regimen(drug, reference_mg, every=f"{reference_every_h:g} h", formulation=reference_formulation,
                        **schedules[1])
    window = _grid(end - every_h, end)
    read = {"Cmax": np.max, "Cmin": np.min, "AUC": lambda c: np.trapezoid(c, window)}[quantity]
    return float(read(mine.plasma_total_nM(window)) / read(reference.plasma_total_nM(window)))


def scaled_to_weight(drug: str, weight_kg: float, adult_kg: float = 70.0) -> dict:
    """The adult one-compartment parameters scaled to a body weight by standard allometry:
    clearance x (W/70)^0.75, volume x (W/70) (as ``pk=`` changes)."""
    adult = pk_parameters(drug)
    scale = weight_kg / adult_kg
    return {"clearance_L_per_h": adult.clearance_L_per_h * scale ** 0.75, "volume_L": adult.volume_L * scale}


@dataclass(frozen=True)
class Recipe:
    """How one observation is recomputed, as its row of pk_observations.tsv says."""

    drug: str
    formulation: str
    every_h: float | None  # with days None: one dose (every_h then sets a ratio's window)
    days: float | None
    read: str  # one of READS
    window_h: tuple[float, float] | None = None  # the log-linear fit's window of a half-life
    reference: tuple[float, str, float] | None = None  # (dose mg, formulation, every h): the value is a ratio to it
    weight_kg: float | None = None  # adult parameters scaled to this weight (allometry)

    @classmethod
    def of(cls, row) -> Recipe:
        """The recipe of a table row; a malformed row fails naming itself and the field."""
        where = f"pk_observations.tsv, {row.drug} {row.formulation} {row.quantity}"

        def number(name: str) -> float | None:
            text = str(getattr(row, name)).strip()
            try:
                return float(text) if text else None
            except ValueError:
                raise InputError(f"{where}: {name} must be a number or blank, got {text!r}") from None

        if row.read not in READS:
            raise InputError(f"{where}: read must be one of {', '.join(READS)}, got {row.read!r}")
        every, days = number("every_h"), number("days")
        window = None
        if row.read == "half_life":
            parts = str(row.window_h).split("-")
            try:
                window = (float(parts[0]), float(parts[1]))
            except (ValueError, IndexError):
                window = None
            if window is None or len(parts) != 2 or not 0 <= window[0] < window[1]:
                raise InputError(f"{where}: a half-life needs window_h as 'start-end' hours, got {row.window_h!r}")
        reference = None
        if str(row.reference).strip():
            match = _REFERENCE.match(str(row.reference))
            if not match:
                raise InputError(f"{where}: reference must read like '5 mg IR every 12 h', got {row.reference!r}")
            reference = (float(match[1]), match[2], float(match[3]))
        if days is not None and every is None:
            raise InputError(f"{where}: days without every_h (both blank: one dose)")
        if row.read == "accumulation" and days is None:
            raise InputError(f"{where}: an accumulation ratio needs every_h and days")
        return cls(row.drug, row.formulation, every, days, row.read, window, reference, number("weight_kg"))

    @property
    def how(self) -> str:
        """What is simulated and read off, in words (for tables)."""
        schedule = "one dose" if self.days is None else f"every {self.every_h:g} h for {self.days:g} days"
        if self.read == "half_life":
            read = f"half-life of a log-linear fit over {self.window_h[0]:g}-{self.window_h[1]:g} h"
        else:
            read = {"tmax": "time of the peak", "accumulation": "steady-state AUC over an interval / the first "
                    "dose's"}.get(self.read, self.read)
        text = f"{schedule}; {read}"
        if self.reference is not None:
            dose, formulation, every = self.reference
            text += f" over the last {self.every_h:g} h, over that of {dose:g} mg {formulation} every {every:g} h"
        elif self.read in ("Cmax", "Cmin", "AUC") and self.days is not None:
            text += " over the last interval"
        if self.weight_kg is not None:
            text += f"; adult parameters scaled to {self.weight_kg:g} kg (CL x (W/70)^0.75, V x W/70)"
        return text

    def measure(self, dose_mg: float) -> float:
        """The model's value for a dose of ``dose_mg``."""
        pk = None if self.weight_kg is None else scaled_to_weight(self.drug, self.weight_kg)
        if self.read == "accumulation":
            return accumulation_ratio(self.drug, dose_mg, self.every_h, self.formulation, self.days, pk=pk)
        if self.reference is not None:
            dose, formulation, every = self.reference
            return ratio_to_regimen(self.read, self.drug, dose_mg, self.formulation, dose, formulation, every,
                                    every_h=self.every_h or 24.0, days=None if self.days is None else int(self.days),
                                    pk=pk)
        if self.days is None:
            hours = max(SINGLE_DOSE_HOURS, self.window_h[1] if self.window_h else 0.0)
            t, c = single_dose(self.drug, dose_mg, self.formulation, hours=hours, pk=pk)
        else:
            t, c = last_interval(self.drug, dose_mg, self.every_h, self.days, self.formulation, pk=pk)
        if self.read == "half_life":
            return terminal_half_life(t, c, *self.window_h)
        if self.read == "tmax":
            return float(t[np.argmax(c)])
        if self.read == "AUC":
            return float(np.trapezoid(c, t))
        return float(c.max() if self.read == "Cmax" else c.min())


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
            what = (f"{r.drug} {r.formulation} {r.quantity}: model {format_value(r.model)} vs published "
                    f"{format_value(r.observed, r.unit)} ({format_value(r.low)}-{format_value(r.high)})")
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
        independent = t.evidence == "independent"
        return {"checks": len(t), "within": int(t.within.sum()), "independent": int(independent.sum()),
                "independent_within": int((t.within & independent).sum()),
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
        ax.set_title(f"pharmacokinetics: {s['independent_within']} of {s['independent']} independent checks within "
                     f"their bounds\n(and {s['within'] - s['independent_within']} of {s['checks'] - s['independent']} "
                     f"circular or consistency checks); {s['known_misses']} known misses", fontsize=9)
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

        name = catalog.drug(drug).name  # an unknown name fails with the list of drugs
        table = table[table.drug == name]
        if table.empty:
            checked = list(dict.fromkeys(observation_table().drug))
            raise InputError(f"no pharmacokinetics of {name} to check (drugs with PK checks: {', '.join(checked)}; "
                             f"data/pharmacokinetics/pk_gaps.tsv says what {name} needs)")
    observations = list(table.itertuples(index=False))
    recipes = [Recipe.of(obs) for obs in observations]  # a malformed row fails before any work
    rows = []
    for obs, recipe in zip(observations, recipes):
        with warnings.catch_warnings():
            # each check simulates the dose its source gave, inside the label or not (a 200 mg
            # single dose of ruxolitinib, a child's 20 mg of ritlecitinib): as meant
            warnings.simplefilter("ignore", JakStatWarning)
            model = recipe.measure(obs.dose_mg)
        within = bool(obs.low <= model <= obs.high)
        # the reason quotes the model's number through {model}, so it cannot go stale
        known = obs.known_miss.strip().replace("{model}", format_value(model, obs.unit))
        rows.append({"drug": obs.drug, "formulation": obs.formulation, "dose_mg": obs.dose_mg,
                     "quantity": obs.quantity, "unit": obs.unit, "observed": obs.value, "low": obs.low,
                     "high": obs.high, "model": model, "within": within, "evidence": obs.evidence,
                     "known_miss": known, "status": _status(within, known), "how": recipe.how,
                     "source": obs.source})
    return PharmacokineticChecks(pd.DataFrame(rows))


def label_flags(arms: dict) -> list[str]:
    """One flag per arm whose regimen leaves its drug's labelled use (:func:`outside_label`):
    the warning the regimen gave when it was made, kept with the result that simulates it."""
    flags = []
    for label, arm in arms.items():
        for r in arm:
            outside = outside_label(r.drug, r.formulation, r.dose_mg, r.interval_h, r.doses)
            if outside is None:
                continue
            flag = outside if outside.startswith(f"{label} ") else f"{label}: {outside}"  # the warning's words
            if flag not in flags:
                flags.append(flag)
    return flags


def pharmacokinetic_flags(arms: dict) -> list[str]:
    """Flags for results that simulate ``arms`` (label -> regimens): one per drug and
    formulation whose one-compartment PK misses a published number, naming the arms, each
    miss with the model's and the published value (a what-if ``pk=`` change is not
    checked: the flag is about the tabulated parameters the regimen starts from)."""
    labels: dict[tuple[str, str], list[str]] = {}
    for label, arm in arms.items():
        for r in arm:
            labels.setdefault((r.drug, r.formulation), []).append(str(label))
    flags, checked = [], set(observation_table().drug)
    for (drug, formulation), named in labels.items():
        if drug not in checked:  # nothing published to check against: no miss to report
            continue
        checks = validate_pharmacokinetics(drug).table
        missed = checks[(checks.formulation == formulation) & ~checks.within]
        if len(missed):
            # the dose each miss was checked at: a children's 20 mg check read as the adults' 50 mg (an audit)
            what = "; ".join(f"{r.quantity.replace('_', ' ')} at {r.dose_mg:g} mg: model "
                             f"{format_value(r.model, r.unit)}, published {format_value(r.observed, r.unit)}"
                             for r in missed.itertuples())
            flags.append(f"the {drug} {formulation} pharmacokinetics of {', '.join(dict.fromkeys(named))} miss "
                         f"{len(missed)} published number{'s' if len(missed) > 1 else ''} ({what}; why: jakstat "
                         "validate pharmacokinetics)")
    return flags
