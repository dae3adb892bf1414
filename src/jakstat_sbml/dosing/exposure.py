"""Exposure-response: how much of each pathway a dosing regimen inhibits, and when.

:func:`exposure_response` simulates one or more regimens ("arms") on each cytokine
pathway and summarises the last dosing interval (the steady state, when the regimen
is long enough; a flag says when it is not):

- ``mean_inhibition``: time-averaged inhibition of the pathway's main readout,
  ``1 - readout / readout without drug`` (the convention of ``js.dose_response``);
- ``fraction_above_50`` / ``fraction_above_90``: fraction of the interval with at
  least 50 % / 90 % inhibition;
- ``trough_inhibition``: inhibition at the end of the interval (before the next dose),
  ``min_inhibition`` / ``max_inhibition`` and ``hours_to_max_inhibition`` (after the dose);
- the plasma exposure of each drug over the interval: Cmax, Cmin and average, total
  and free (nM).

Two ways to stimulate (docs/dosing.md):

- ``stimulation="continuous"``: the cytokine is on from the first dose and stays on,
  the pathway follows the drug over days (the regimen SBML with its dosing events;
  chronic exposure as in inflamed skin). The reference is the same simulation
  without drug.
- ``stimulation="ex vivo"``: a blood sample drawn at time t is stimulated outside
  the body: constant drug at the free plasma concentration C(t), 30 min of drug
  (the package's pre-incubation default) then ``stimulation_minutes`` of cytokine
  (15), readout at the end, against the same without drug. This is how the
  clinical pharmacodynamic studies measure inhibition (they are kept to test the
  model, never to fit it).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError, JakStatWarning, refuse_repeats
from ..engines import DOSING_ENGINE
from ..model import Condition, Model, check_model
from ..parallel import RunOptions, progress_steps
from ..results import background_text, flags_text, interval_fields, with_flags
from ..units import quiet_bare_doses
from ..regimens.checks import label_flags, pharmacokinetic_flags
from ..regimens.regimen import Regimen
from ..regimens.simulation import as_regimens, free_column, plasma_column

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STIMULATIONS = ("continuous", "ex vivo")
BACKGROUND_KEYS = ("knockouts", "mutations", "overexpress", "parameters", "drugs")
OUTPUT_STEP_MIN = 5.0  # continuous runs: 5 min resolves 1 % of a 12 h interval
EX_VIVO_SAMPLE_H = 0.5  # ex vivo: one blood sample every 30 min of the interval
EX_VIVO_PREINCUBATION_MIN = 30.0  # the package's default pre-incubation (drug on the cells before cytokine)
EX_VIVO_STIMULATION_MIN = 15.0
# A reference (no drug) readout below this has no inhibition to speak of (nM, ~4 molecules per cell).
MEASURABLE_REFERENCE_NM = 0.01
STEADY_STATE_TOLERANCE = 0.05  # relative change of the trough between the last two intervals
PATHWAY_STEADY_TOLERANCE = 0.02  # absolute change of the mean inhibition between the last two intervals


@dataclass
class ExposureResponse:
    """Regimens x pathways: a summary table, the time courses, and a plot."""

    table: pd.DataFrame  # one row per arm and cytokine
    time_courses: pd.DataFrame  # long: arm, cytokine, readout, time_h, plasma/free per drug, readout, reference, inhibition
    arms: dict[str, tuple[Regimen, ...]]
    stimulation: str
    context: str
    background: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    intervals: pd.DataFrame | None = None  # with uncertainty=: arm, pathway, metric, low, median, high, draws,
    # level, covers (what that arm and pathway's interval covers)
    covers: str = ""  # what the intervals cover
    interval_flags: tuple[str, ...] = ()  # what the intervals cannot support (e.g. a drug's too-narrow record)
    interval_draws: int | None = None  # with uncertainty=: the draws and their seed (same seed, same intervals)
    interval_seed: int | None = None
    stimuli: dict = field(default_factory=dict)  # each cytokine's dose (nM), as simulated
    design: dict = field(default_factory=dict)  # ex vivo: stimulation_minutes and sample_every_h

    def companion_frames(self) -> dict:
        """The tables beside ``to_frame()`` that ``js.save`` keeps as ``<stem>_<name>.csv``, as
        `jakstat regimen` does: the time courses."""
        return {"timecourses": self.time_courses}

    def to_frame(self) -> pd.DataFrame:
        """The summary table (one row per arm and cytokine pathway); with ``uncertainty=``,
        each inhibition metric's predictive interval in ``<metric>_low`` / ``<metric>_high``."""
        if self.intervals is None:
            return with_flags(self.table.copy(), self.flags)
        wide = self.intervals.pivot_table(index=["arm", "pathway"], columns="metric", values=["low", "high"])
        wide.columns = [f"{metric}_{end}" for end, metric in wide.columns]
        out = self.table.merge(wide.reset_index(), on=["arm", "pathway"], how="left")
        # each row what its own interval covers (its drugs' records, its assay system's)
        own = self.intervals.drop_duplicates(["arm", "pathway"])[["arm", "pathway", "covers"]]
        out = out.merge(own.rename(columns={"covers": "interval_covers"}), on=["arm", "pathway"], how="left")
        out["interval_flags"] = flags_text(self.interval_flags)
        return with_flags(out, self.flags)

    def inhibition_matrix(self, measure: str = "mean_inhibition") -> pd.DataFrame:
        """Arm x pathway matrix of one summary column (default the time-averaged inhibition)."""
        if measure not in self.table.columns:
            raise InputError(f"unknown measure {measure!r} (columns: {', '.join(self.table.columns)})")
        matrix = self.table.pivot(index="arm", columns="pathway", values=measure)
        return matrix.loc[list(self.arms), list(pd.unique(self.table.pathway))]  # the order simulated

    def summary(self) -> dict:
        """The headline numbers, flat: how and where, then the time-averaged inhibition of
        each arm and pathway as ``mean_inhibition_fraction[<arm> | <pathway>]`` (with
        ``uncertainty=``, its interval's ``_low`` / ``_high`` ends beside it), flags."""
        out = {"stimulation": self.stimulation, **self.design, "context": self.context,
               "background": background_text(self.background), "arms": len(self.arms),
               "pathways": int(self.table["pathway"].nunique())}
        # what a saved result needs to be rerun: each arm's regimens and each cytokine's dose (an audit
        # found a js.save record without the days, the formulation or the doses)
        for label, arm in self.arms.items():
            out[f"regimen[{label}]"] = "; ".join(r.settings_text() for r in arm)
        for cytokine, dose in self.stimuli.items():
            out[f"cytokine_dose_nM[{cytokine}]"] = float(dose)
        for r in self.table.itertuples():
            out[f"mean_inhibition_fraction[{r.arm} | {r.pathway}]"] = float(r.mean_inhibition)
        if self.intervals is not None:
            mean = self.intervals[self.intervals.metric == "mean_inhibition"]
            for r in mean.itertuples():
                out[f"mean_inhibition_low_fraction[{r.arm} | {r.pathway}]"] = float(r.low)
                out[f"mean_inhibition_high_fraction[{r.arm} | {r.pathway}]"] = float(r.high)
            out.update(interval_fields(self.covers, float(self.intervals["level"].iloc[0]), self.interval_draws,
                                       self.interval_seed, self.interval_flags))
        out["flags"] = flags_text(self.flags)
        return out

    def plot(self, ax=None, arms: Sequence[str] | None = None) -> Figure:
        """Plasma concentration over time above the inhibition of each pathway's main readout,
        one column per arm (``ax``: a 2 x n array of axes to draw into). Returns the Figure."""
        from .plots import exposure_figure

        return exposure_figure(self, arms, axes=ax)


@dataclass(frozen=True)
class LowestDose:
    """What :func:`lowest_dose` found: ``dose_mg``, the lowest tested dose keeping the
    pathway inhibited by at least ``inhibition`` over at least ``fraction`` of the dosing
    interval at steady state (None when no tested dose does), and ``table``, the summary
    row of every dose (``dose_mg``, the fraction of the interval above the threshold in
    ``column``, ``reaches``). ``exposure`` is the exposure-response behind it; ``flags``
    are its flags and, when no dose reaches the target, a line saying so.

    With ``uncertainty=``: ``dose_mg_interval``, the predictive interval of the lowest
    dose over the draws (each draw has its own lowest dose among those tested; an end is
    None where no tested dose reaches it, and an end at the lowest dose tested means that
    dose or less), the table's ``<column>_low`` / ``_high``, what
    the interval ``covers`` and its ``interval_flags``."""

    drug: str
    pathway: str
    dose_mg: float | None
    inhibition: float
    fraction: float
    column: str
    table: pd.DataFrame
    exposure: ExposureResponse
    flags: tuple[str, ...] = ()
    dose_mg_interval: tuple[float | None, float | None] | None = None  # with uncertainty=: (low, high)
    covers: str = ""  # with uncertainty=: what the interval covers
    interval_flags: tuple[str, ...] = ()

    @property
    def context(self) -> str:  # as every experiment's result has it (the summary had it, the result not)
        return self.exposure.context

    @property
    def background(self) -> dict:
        return self.exposure.background

    def to_frame(self) -> pd.DataFrame:
        """The summary row of every dose tested, lowest first; with ``uncertainty=``, what
        the intervals cover and cannot support on every row, as the exposure table has them."""
        out = self.table.copy()
        if self.dose_mg_interval is not None:
            out["interval_covers"] = self.covers
            out["interval_flags"] = flags_text(self.interval_flags)
        return with_flags(out, self.flags)

    def summary(self) -> dict:
        doses = self.table["dose_mg"]
        arm = self.exposure.arms[self.table["arm"].iloc[0]]
        return {"drug": self.drug, "pathway": self.pathway, "dose_mg": self.dose_mg,
                "inhibition_threshold_fraction": self.inhibition, "required_time_fraction": self.fraction,
                "doses_tested": len(doses), "lowest_tested_mg": float(doses.min()),
                "highest_tested_mg": float(doses.max()), "interval_h": float(arm[0].interval_h),
                "stimulation": self.exposure.stimulation, "context": self.exposure.context,
                "background": background_text(self.exposure.background),
                **({} if self.dose_mg_interval is None else {
                    "dose_low_mg": self.dose_mg_interval[0], "dose_high_mg": self.dose_mg_interval[1],
                    **interval_fields(self.covers, float(self.exposure.intervals["level"].iloc[0]),
                                      self.exposure.interval_draws, self.exposure.interval_seed,
                                      self.interval_flags)}),
                "flags": flags_text(self.flags)}

    def plot(self, ax=None) -> Figure:
        """Fraction of the dosing interval above the inhibition threshold against the dose,
        the required fraction as a line and the lowest dose reaching it marked; returns the Figure."""
        import matplotlib.pyplot as plt

        made = ax is None
        if made:
            _, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(self.table["dose_mg"], self.table[self.column], "o-", color="tab:blue")
        if self.dose_mg_interval is not None:  # the time fraction's predictive interval at each dose
            ax.fill_between(self.table["dose_mg"], self.table[f"{self.column}_low"], self.table[f"{self.column}_high"],
                            color="tab:blue", alpha=0.2, label="predictive interval")
            low, high = self.dose_mg_interval
            if low is not None:
                ax.axvspan(low, high if high is not None else self.table["dose_mg"].max(), color="tab:green",
                           alpha=0.12, label="lowest dose, predictive interval"
                           + ("" if high is not None else " (beyond the doses tested)"))
        ax.axhline(self.fraction, color="k", ls="--", lw=1, label=f"required: {self.fraction:.0%} of the interval")
        if self.dose_mg is not None:
            ax.axvline(self.dose_mg, color="tab:green", lw=1, label=f"lowest dose: {self.dose_mg:g} mg")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(f"{self.drug} dose (mg)")
        ax.set_ylabel(f"fraction of the interval >= {self.inhibition:.0%} inhibited")
        ax.set_title(f"{self.pathway}, {self.exposure.stimulation} stimulation", fontsize=9)
        ax.legend(fontsize=7, loc="lower right", framealpha=0.85)
        if made:
            ax.figure.tight_layout()
        return ax.figure


def exposure_response(model: Model, regimens, cytokines=None, *, stimulation: str = "continuous",
                      stimulation_minutes: float = EX_VIVO_STIMULATION_MIN, sample_every_h: float = EX_VIVO_SAMPLE_H,
                      plasma: bool = False, uncertainty=None, draws: int | None = None, seed: int | None = None,
                      n_jobs: int = 1, client=None, progress: bool = False, engine: str = "roadrunner",
                      **background) -> ExposureResponse:
    """Exposure-response of ``regimens`` on ``cytokines`` (default: every cytokine at its
    standard dose, one pathway at a time, each read at its main readout).

    ``regimens``: a ``js.regimen(...)``; a list of arms, an arm being a regimen or a
    tuple of regimens given together; or a mapping of arm label to arm.
    ``cytokines``: names (standard doses) or a mapping of name to dose.
    Background keywords (``knockouts``, ``mutations``, ``overexpress``, ``parameters``,
    ``drugs``; ``plasma=True`` reads background drug doses as total plasma) apply to
    every simulation, with and without the regimen.

    Every simulation is a condition run by :func:`jakstat_sbml.run` (a regimen is part
    of its condition), so ``n_jobs``/``client``/``progress``/``engine`` mean what they
    mean there. Continuous stimulation simulates the dosing events: an engine without
    ``dosing`` is refused for it (RoadRunner and AMICI both have it); ex vivo runs on any.

    ``uncertainty`` (as in :func:`~jakstat_sbml.experiments.dose_response`) adds each
    inhibition summary's predictive interval over ``draws`` draws (``intervals``;
    :mod:`.uncertainty` says how a draw becomes a dose multiplier, simulated on a grid).
    """
    check_model(model)
    from ..potency.draws import as_uncertainty, recorded_seed

    options = RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    unc = as_uncertainty(uncertainty, draws=draws, seed=seed, context=model.context)
    arms = as_arms(regimens)
    if stimulation == "ex-vivo":  # the command line's spelling
        stimulation = "ex vivo"
    if stimulation not in STIMULATIONS:
        raise InputError(f"stimulation must be one of {', '.join(map(repr, STIMULATIONS))}, got {stimulation!r}")
    if stimulation == "continuous" and not options.simulator.dosing:
        raise InputError(f"continuous stimulation simulates the dosing events, which engine={engine!r} does not: "
                         f"use engine={DOSING_ENGINE!r} (or stimulation='ex vivo')")
    stimuli = as_stimuli(cytokines)
    _check_background(background, "exposure_response")
    if stimulation == "ex vivo":
        stimulation_minutes = _positive(stimulation_minutes, "stimulation_minutes")
        sample_every_h = _positive(sample_every_h, "sample_every_h")
    else:  # the cytokine is on throughout: no stimulation time or samples to set (once ignored without a word)
        for name, value, default in (("stimulation_minutes", stimulation_minutes, EX_VIVO_STIMULATION_MIN),
                                     ("sample_every_h", sample_every_h, EX_VIVO_SAMPLE_H)):
            if value != default:
                raise InputError(f"{name} sets the ex vivo stimulation; with stimulation='continuous' the "
                                 "cytokine is on throughout: give stimulation='ex vivo' or leave it out")
    if plasma not in (True, False):
        raise InputError(f"plasma must be True or False, got {plasma!r}")
    if plasma and not background.get("drugs"):  # the regimens' own doses are mg, never marked
        raise InputError("plasma=True marks background drug doses as total plasma, but no drug is given (drugs=)")
    if plasma and background.get("drugs"):
        from ..units import plasma as plasma_dose  # marks a dose as total plasma (idempotent)

        background["drugs"] = {d: plasma_dose(v) for d, v in dict(background["drugs"]).items()}
    with quiet_bare_doses():
        checked = Condition.make(cytokines=dict(stimuli), **background)  # validate once, early
    unstimulated = sorted(c for c, v in checked.cytokines if v == 0)
    if unstimulated:  # a pathway asked for at dose 0 ran and wrote n/a without a word on the cause (an audit)
        raise InputError(f"{', '.join(unstimulated)} at dose 0 stimulates nothing, so there is no inhibition to "
                         "measure: leave the pathway out, or give it a dose")
    model.warn_inert_background(background.get("knockouts"), background.get("parameters"), background.get("mutations"))
    if checked.drugs:  # free nM from here on, so the no-drug and ex vivo runs read them alike
        background["drugs"] = dict(checked.drugs)

    if stimulation == "ex vivo":  # 100 h crashed in numpy, 6 h of a 12 h interval missed the 1 h peak (an audit)
        for label, arm in arms.items():
            interval = min(r.interval_h for r in arm)
            if sample_every_h > interval / 4:
                raise InputError(f"sample_every_h={sample_every_h:g} leaves fewer than 4 ex vivo samples in the "
                                 f"{interval:g} h dosing interval of {label!r}: its summary would miss the peak; "
                                 f"sample every {interval / 4:g} h or less")
    design = Stimulation(stimulation, stimulation_minutes, sample_every_h)
    pathways = [(label, arm, cytokine, dose, catalog.CYTOKINES[cytokine].main_readout)
                for cytokine, dose in stimuli.items() for label, arm in arms.items()]
    courses = design.courses(model, [(arm, cytokine, dose, readout, background)
                                     for _, arm, cytokine, dose, readout in pathways], options)
    rows, flags = [], []
    # what an arm's regimen cannot support (outside its label, PK that misses published numbers) goes
    # on each of its rows too, so that a table written to a file keeps it
    arm_flags = {label: label_flags({label: arm}) + pharmacokinetic_flags({label: arm}) for label, arm in arms.items()}
    # the regimen's own steady state is the arm's, said once per arm, not once per pathway (an audit saw it 3x)
    steady = {label: pharmacokinetic_steady_state_flags(arm) for label, arm in arms.items()}
    flags += [f"{label}: {f}" for label, said in steady.items() for f in said]
    for (label, arm, cytokine, _, readout), course in zip(pathways, courses):
        row, row_flags = summarise_course(course, arm, readout, stimulation)
        rows.append({"arm": label, "pathway": f"{cytokine}/{readout}", "cytokine": cytokine,
                     "readout": readout, **row, "flags": "; ".join(row_flags + arm_flags[label])})
        flags += [f"{label}, {cytokine}/{readout}: {f}" for f in row_flags if f not in steady[label]]
    courses = [c.assign(arm=label, cytokine=cytokine, readout=readout)
               for (label, _, cytokine, _, readout), c in zip(pathways, courses)]
    table = pd.DataFrame(rows)
    table.attrs.update(stimulation=stimulation, context=model.context)
    intervals, covers, interval_flags, drawn = None, "", (), None
    if unc is not None:
        intervals, covers, interval_flags, drawn = _intervals(model, arms, stimuli, design, background, unc, options)
    flags += pharmacokinetic_flags(arms)  # what the regimens' PK is known to get wrong, beside what it drives
    for f in flags:
        warnings.warn(f, JakStatWarning, stacklevel=2)
    flags += label_flags(arms)  # warned when each regimen was made
    time_courses = pd.concat(courses, ignore_index=True)
    return ExposureResponse(table, time_courses, arms, stimulation, model.context, dict(background), tuple(flags),
                            intervals, covers, interval_flags, interval_draws=drawn,
                            interval_seed=recorded_seed(unc), stimuli=dict(checked.cytokines),
                            design={"stimulation_minutes": float(stimulation_minutes),
                                    "sample_every_h": float(sample_every_h)} if stimulation == "ex vivo" else {})


def _check_background(background: Mapping, function: str) -> None:
    for key in background:
        if key not in BACKGROUND_KEYS:
            raise InputError(f"{function}() got an unexpected keyword {key!r} (background keywords: "
                             f"{', '.join(BACKGROUND_KEYS)})")


def _intervals(model, arms, stimuli, design: Stimulation, background, unc, options: RunOptions):
    """Each arm x pathway's predictive intervals (:mod:`.uncertainty`); every grid point of
    every parameter set of one arm and pathway runs in one batch of conditions."""
    from .uncertainty import MAX_GRID_POINTS, ORDER_STATISTIC_POINTS, arm_intervals

    parts, plans, flags, planned = [], [], [], {}
    quiet = options.quiet()
    per_arm = ORDER_STATISTIC_POINTS if unc.mode == "potency" else MAX_GRID_POINTS  # one parameter set: its ends
    with progress_steps(options.progress, len(arms) * len(stimuli) * per_arm,
                        "intervals") as advance:
        for cytokine, dose in stimuli.items():
            readout = catalog.CYTOKINES[cytokine].main_readout
            for label, arm in arms.items():
                def summarise(variants, cytokine=cytokine, dose=dose, readout=readout):
                    tasks = []
                    for shifted, parameters in variants:
                        own = dict(background.get("parameters") or {})
                        bg = dict(background, parameters={**parameters, **own}) if parameters or own else background
                        tasks.append((shifted, cytokine, dose, readout, bg))
                    courses = design.courses(model, tasks, quiet)
                    advance(len(variants))
                    return [summarise_course(c, shifted, readout, design.kind)[0]
                            for c, (shifted, _) in zip(courses, variants)]

                # one drug's arms on one pathway share their draws: planned once (lowest_dose's doses)
                key = (tuple(r.drug for r in arm), cytokine)
                frame, plan = arm_intervals(model, arm, unc, summarise, quiet, cytokine=cytokine,
                                            plan=planned.get(key))
                planned[key] = plan
                plans.append(plan)
                flags += [f for f in plan.flags if f not in flags]
                # each arm and pathway its own covers: its drugs' held-out records and its assay system's
                # (one string for all once quoted the last drug's record on every row)
                parts.append(frame.assign(arm=label, pathway=f"{cytokine}/{readout}",
                                          covers=plan.covers() + TYPICAL_PK))
    intervals = pd.concat(parts, ignore_index=True)[["arm", "pathway", "metric", "low", "median", "high", "draws",
                                                     "level", "covers"]]
    # the draws run (parameter ranges alone: one per set, fewer than asked for)
    return intervals, combined_covers(plans) + TYPICAL_PK, tuple(flags), max(plan.draws for plan in plans)


# what an exposure interval holds fixed: a prescriber read "23% (1-92%)" as covering patients
TYPICAL_PK = "; the typical patient's pharmacokinetics, fixed (between patients: js.virtual_trial, jakstat trial)"


def combined_covers(plans) -> str:
    """What a table of several arms' and pathways' intervals covers: the draws (once when
    they are alike), then every record any of them quotes; each row's own is its ``covers``."""
    from ..potency.crossval import records_clause

    every = list(dict.fromkeys(plan.covers() for plan in plans))
    if len(every) == 1:
        return every[0]
    bases = dict.fromkeys(plan.covers().removesuffix(records_clause(plan.track_records)) for plan in plans)
    records = {r.text(): r for plan in plans for r in plan.track_records}
    return "; ".join(bases) + records_clause(records.values()) + " (each row's own records: its interval_covers)"


def lowest_dose(model: Model, drug: str, doses_mg: Sequence[float], cytokine: str, *, every="12 h",
                days: float = 3, inhibition: float = 0.5, fraction: float = 0.8, formulation: str = "IR",
                stimulation: str = "continuous", uncertainty=None, draws: int | None = None, seed: int | None = None,
                n_jobs: int = 1, client=None, progress: bool = False, engine: str = "roadrunner",
                **background) -> LowestDose:
    """The lowest of ``doses_mg`` keeping ``cytokine``'s main readout inhibited by at least
    ``inhibition`` over at least ``fraction`` of the dosing interval at steady state.

    Returns a :class:`LowestDose`: ``dose_mg`` (None, with a flag and a
    :class:`JakStatWarning`, if no dose reaches it) and ``table``, the summary row of every dose.
    Run options (``n_jobs``, ``client``, ``progress``, ``engine``) as in :func:`exposure_response`.

    ``uncertainty`` (as in :func:`~jakstat_sbml.experiments.dose_response`; ``inhibition``
    0.5 or 0.9) adds ``dose_mg_interval``: each draw is one potency (and parameter set),
    the same at every dose, so each has its own lowest dose; the interval runs from the
    lowest dose that the interval's favourable end of the time above the threshold
    reaches to the lowest that its unfavourable end reaches (at a 90% level: at least 5%
    and at least 95% of the draws reach the target there; over a calibration ensemble
    alone, some member and every member).
    """
    check_model(model)
    from ..potency.draws import as_uncertainty
    from ..regimens.regimen import regimen

    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (inhibition, fraction))
    if not numbers or not 0 < inhibition < 1 or not 0 < fraction <= 1:
        raise InputError(f"inhibition must be in (0, 1) and fraction in (0, 1], got {inhibition!r}, {fraction!r}")
    column = {0.5: "fraction_above_50", 0.9: "fraction_above_90"}.get(inhibition)
    unc = as_uncertainty(uncertainty, draws=draws, seed=seed, context=model.context)  # bad input fails first
    if unc is not None and column is None:
        raise InputError(f"with uncertainty=, inhibition is 0.5 or 0.9 (the thresholds each draw's time above is "
                         f"computed for), got {inhibition!r}")
    _check_background(background, "lowest_dose")
    if isinstance(doses_mg, (str, bytes, Mapping)) or not isinstance(doses_mg, Iterable):
        raise InputError(f"doses_mg must be a list of oral doses (mg, or with units: '20 mg'), got {doses_mg!r}: "
                         "lowest_dose(model, drug, doses_mg, cytokine)")
    regs = sorted((regimen(drug, d, every=every, days=days, formulation=formulation) for d in doses_mg),
                  key=lambda r: r.dose_mg)
    arms = {f"{r.dose_mg:g} mg": r for r in regs}
    if not arms or len(arms) != len(regs):
        raise InputError(f"doses_mg must be distinct doses, at least one, got {doses_mg!r}")
    result = exposure_response(model, arms, [cytokine], stimulation=stimulation, uncertainty=uncertainty, draws=draws,
                               seed=seed, n_jobs=n_jobs, client=client, progress=progress, engine=engine, **background)
    table = result.table.copy()
    if column is None:  # a threshold other than 50 / 90 %: recompute from the time courses
        column = f"fraction_above_{inhibition:g}"
        table[column] = [_fraction_above(*_window(result.time_courses[result.time_courses.arm == a],
                                                  result.arms[a]), inhibition) for a in table.arm]
    table.insert(1, "dose_mg", [arms[a].dose_mg for a in table.arm])
    table["reaches"] = table[column] >= fraction
    reached = table[table["reaches"]]
    dose = float(reached.dose_mg.min()) if len(reached) else None
    pathway = str(table["pathway"].iloc[0])
    flags = list(result.flags)
    silent = bool(table[column].isna().all())  # no signal to inhibit: higher doses would not help (an audit)
    if dose is None:
        flag = (f"no tested dose of {drug} ({', '.join(f'{d:g}' for d in table.dose_mg)} mg) inhibits {pathway} by "
                f"{inhibition:.0%} or more over {fraction:.0%} of the interval: "
                + (f"no inhibition of {pathway} can be measured in this context (see the other flags)" if silent
                   else "test higher doses"))
        flags.append(flag)
        warnings.warn(flag, JakStatWarning, stacklevel=2)
    interval = None
    if unc is not None:  # the draws are the same at every dose (one seed per drug), so each has a lowest dose
        ends = result.intervals[result.intervals["metric"] == column].set_index("arm")
        for end in ("low", "high"):
            table[f"{column}_{end}"] = [float(ends.loc[a, end]) for a in table.arm]

        def lowest(reached: pd.Series) -> float | None:
            return float(table.loc[reached, "dose_mg"].min()) if reached.any() else None

        interval = (lowest(table[f"{column}_high"] >= fraction), lowest(table[f"{column}_low"] >= fraction))
        if interval[1] is None and not silent:
            kind = "envelope" if unc.mode == "calibration" else "predictive interval"  # an ensemble's: no level
            flag = (f"the unfavourable end of the {kind} reaches {fraction:.0%} of the interval at no "
                    f"tested dose of {drug}: the interval of the lowest dose runs beyond "
                    f"{table['dose_mg'].max():g} mg")
            flags.append(flag)
            warnings.warn(flag, JakStatWarning, stacklevel=2)
    return LowestDose(catalog.drug(drug).name, pathway, dose, inhibition, fraction, column, table, result,
                      tuple(flags), interval, result.covers, result.interval_flags)


def steady_state_inhibition(model: Model, regimens, cytokine: str, *, readout: str | None = None,
                            dose=None, engine: str = DOSING_ENGINE, **background) -> tuple[dict, tuple[str, ...]]:
    """One pathway under one arm, continuous stimulation: the summary row of
    :func:`exposure_response` (``mean_inhibition`` etc., over the last dosing interval)
    and its flags, with the readout free to choose (default the cytokine's main one).

    ``regimens``: a ``js.regimen(...)`` or several given together; ``dose``: the
    cytokine's (default its standard dose); background keywords as in
    :func:`exposure_response` (``parameters=`` for a parameter set). The same code as
    :func:`exposure_response`, so the numbers are the same; warns nothing (the flags
    are returned). A no-drug readout below ``MEASURABLE_REFERENCE_NM`` gives NaN
    inhibition and a flag saying so. Runs in this process on ``engine`` (one that runs
    dosing regimens: RoadRunner or AMICI).
    """
    check_model(model)
    arm = as_regimens(regimens)
    c = catalog.cytokine(cytokine)
    name = catalog.readout(readout).name if readout is not None else c.main_readout
    _check_background(background, "steady_state_inhibition")
    design = Stimulation("continuous")
    course, = design.courses(model, [(arm, c.name, c.standard_dose if dose is None else dose, name, background)],
                             RunOptions(engine=engine))
    row, flags = summarise_course(course, arm, name, "continuous")
    return row, tuple(flags)


# ----------------------------------------------------------------------------- simulations


@dataclass(frozen=True)
class Stimulation:
    """How a pathway is stimulated under a regimen, as conditions for :func:`jakstat_sbml.run`."""

    kind: str  # "continuous" or "ex vivo"
    minutes: float = EX_VIVO_STIMULATION_MIN  # ex vivo: cytokine on the sample
    every_h: float = EX_VIVO_SAMPLE_H  # ex vivo: time between samples

    def courses(self, model: Model, tasks: Sequence[tuple], options: RunOptions) -> list[pd.DataFrame]:
        """The time course of each task ``(arm, cytokine, dose, readout, background)``:
        every condition of every task in one :func:`jakstat_sbml.run` (each distinct
        condition once), so they run where the options say."""
        from ..parallel import run

        plans, conditions, readouts = self.prepare(tasks)
        frame = run(model, conditions, readouts=readouts, **options.keywords()) if conditions else None
        return self.assemble(tasks, plans, conditions, frame)

    def prepare(self, tasks: Sequence[tuple]) -> tuple[list[list[Condition]], list[Condition], list[str]]:
        """The conditions of each task, every distinct condition once (what one
        :func:`jakstat_sbml.run` simulates) and the readouts; :meth:`courses` in two
        halves, so a caller can prepare the next batch while one runs."""
        plans = [self.conditions_of(*task) for task in tasks]
        unique: dict[Condition, int] = {}
        for conds in plans:
            for c in conds:
                unique.setdefault(c, len(unique))
        return plans, list(unique), sorted({task[3] for task in tasks})

    def assemble(self, tasks: Sequence[tuple], plans, conditions: list[Condition], frame) -> list[pd.DataFrame]:
        """The time course of each task from the frame ``js.run`` gave for ``conditions``."""
        if frame is None:
            return []
        frame.attrs.clear()  # pandas deep-copies attrs (a record per condition) into every group
        parts = dict(tuple(frame.groupby("condition", sort=False)))
        position = {c: i for i, c in enumerate(conditions)}
        return [self.course_of(arm, readout, [parts[position[c]] for c in conds])
                for (arm, _, _, readout, _), conds in zip(tasks, plans)]

    def conditions_of(self, arm, cytokine, dose, readout, background) -> list[Condition]:
        """The conditions one task ``(arm, cytokine, dose, readout, background)`` needs:
        continuous, the regimen run and the same without drug; ex vivo, the no-drug
        sample then one per sampling time."""
        with quiet_bare_doses():
            if self.kind == "continuous":
                t_end = max(r.duration_h for r in arm) * 60.0
                points = int(round(t_end / OUTPUT_STEP_MIN)) + 1
                return [Condition.make(cytokines={cytokine: dose}, regimen=arm, t_end=t_end, points=points,
                                       **background),
                        Condition.make(cytokines={cytokine: dose}, t_end=t_end, points=points, **background)]
            common = dict(background, preincubation=EX_VIVO_PREINCUBATION_MIN, t_end=self.minutes, points=2)
            fixed = dict(background.get("drugs") or {})
            return [Condition.make(cytokines={cytokine: dose}, **common)] + [
                Condition.make(cytokines={cytokine: dose},
                               **dict(common, drugs={**fixed, **{r.drug: float(r.plasma_free_nM([t])[0]) for r in arm}}))
                for t in self._sample_times(arm)]

    def _sample_times(self, arm) -> np.ndarray:
        # samples over the last two intervals (the earlier one tells whether the pathway is at steady state)
        duration = max(r.duration_h for r in arm)
        interval = max(r.interval_h for r in arm)
        start = max(0.0, duration - 2 * interval)
        return np.arange(start, duration + 1e-9, self.every_h)

    def course_of(self, arm, readout: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
        """One task's course from its conditions' frames (columns ``time`` in min and the
        readout), in the order :meth:`conditions_of` gave them."""
        if self.kind == "continuous":
            drugged, reference = frames
            times = drugged["time"].to_numpy() / 60.0
            values = drugged[readout].to_numpy()
            ref = reference[readout].to_numpy()
        else:
            times = self._sample_times(arm)
            finals = np.array([f[readout].iloc[-1] for f in frames])
            values, ref = finals[1:], np.full(times.shape, finals[0])
        course = pd.DataFrame({"time_h": times})
        for r in arm:  # the regimen's plasma concentrations, in closed form (what its dose events give)
            course[plasma_column(r.drug)] = r.plasma_total_nM(times)
            course[free_column(r.drug)] = r.plasma_free_nM(times)
        course[readout] = values
        course["reference"] = ref
        course["inhibition"] = _inhibition(values, ref)
        return course


def _inhibition(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    ok = reference >= MEASURABLE_REFERENCE_NM
    out[ok] = 1 - values[ok] / reference[ok]
    return out


# ----------------------------------------------------------------------------- summary


def _window(course: pd.DataFrame, arm) -> tuple[np.ndarray, np.ndarray]:
    """Hours since the last dose and inhibition over the last dosing interval."""
    duration = max(r.duration_h for r in arm)
    interval = max(r.interval_h for r in arm)
    t = course["time_h"].to_numpy()
    inside = t >= duration - interval - 1e-9
    return t[inside] - (duration - interval), course["inhibition"].to_numpy()[inside]


def _mean(t: np.ndarray, y: np.ndarray) -> float:
    return float(np.trapezoid(y, t) / (t[-1] - t[0]))


def _fraction_above(t: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """Fraction of [t0, t_end] with y >= threshold, y linear between samples."""
    total = 0.0
    for (a, b), (ya, yb) in zip(zip(t[:-1], t[1:]), zip(y[:-1], y[1:])):
        if ya >= threshold and yb >= threshold:
            total += b - a
        elif ya >= threshold or yb >= threshold:
            total += (b - a) * (max(ya, yb) - threshold) / abs(yb - ya)
    return float(total / (t[-1] - t[0]))


def summarise_course(course: pd.DataFrame, arm, readout: str, stimulation: str) -> tuple[dict, list[str]]:
    flags = []
    t, inh = _window(course, arm)
    row: dict = {}
    unmeasured = np.isnan(inh)
    if unmeasured.any() and not unmeasured.all():
        start = int(np.argmin(unmeasured))
        if not unmeasured[start:].any():
            # a single dose: its interval opens as the cytokine is added, with no signal yet to inhibit
            flags.append(f"inhibition is summarised from {t[start]:.2g} h after the dose: before it the no-drug "
                         f"{readout} is below {MEASURABLE_REFERENCE_NM} nM (the cytokine had just been added)")
            t, inh = t[start:], inh[start:]
    if np.isnan(inh).any():
        flags.append(f"the no-drug {readout} is below {MEASURABLE_REFERENCE_NM} nM: no inhibition to measure (the "
                     "context does not signal through this pathway, or the cytokine dose is too low: choose a context "
                     "that has it, js.contexts(), or a higher dose)")
        row.update(mean_inhibition=math.nan, fraction_above_50=math.nan, fraction_above_90=math.nan,
                   trough_inhibition=math.nan, min_inhibition=math.nan, max_inhibition=math.nan,
                   hours_to_max_inhibition=math.nan)
    else:
        peak = int(np.argmax(inh))
        row.update(mean_inhibition=_mean(t, inh), fraction_above_50=_fraction_above(t, inh, 0.5),
                   fraction_above_90=_fraction_above(t, inh, 0.9), trough_inhibition=float(inh[-1]),
                   min_inhibition=float(inh.min()), max_inhibition=float(inh[peak]),
                   hours_to_max_inhibition=float(t[peak]))
        interval = max(r.interval_h for r in arm)
        all_t = course["time_h"].to_numpy() - (max(r.duration_h for r in arm) - 2 * interval)
        before = (all_t >= -1e-9) & (all_t <= interval + 1e-9)
        if before.sum() > 2 and t.size > 2:
            earlier = _mean(all_t[before], course["inhibition"].to_numpy()[before])
            if abs(earlier - row["mean_inhibition"]) > PATHWAY_STEADY_TOLERANCE:
                flags.append(f"the pathway is not at steady state: mean inhibition {earlier:.2f} in the previous "
                             f"interval, {row['mean_inhibition']:.2f} in the last; give more days")
    fine = np.linspace(0, max(r.interval_h for r in arm), 1441)
    end = max(r.duration_h for r in arm)
    for r in arm:
        last = end - r.interval_h  # the regimen's own last interval (its steady state)
        total = r.plasma_total_nM(last + fine[fine <= r.interval_h])
        row.update({f"{r.drug}_dose_mg": r.dose_mg, f"{r.drug}_interval_h": r.interval_h,
                    f"{r.drug}_cmax_nM": float(total.max()), f"{r.drug}_cmin_nM": float(total[-1]),
                    f"{r.drug}_cavg_nM": _mean(fine[fine <= r.interval_h], total),
                    f"{r.drug}_free_cmax_nM": float(total.max() * r.pk.fraction_unbound),
                    f"{r.drug}_free_cmin_nM": float(total[-1] * r.pk.fraction_unbound),  # the trough acts free too
                    f"{r.drug}_free_cavg_nM": _mean(fine[fine <= r.interval_h], total) * r.pk.fraction_unbound})
    return row, flags + pharmacokinetic_steady_state_flags(arm)


def pharmacokinetic_steady_state_flags(arm: Sequence[Regimen]) -> list[str]:
    """Whether each regimen's plasma level has settled by its last dosing interval, the one a
    summary reads: its trough moved less than :data:`STEADY_STATE_TOLERANCE` over the last
    interval (the regimen's own pharmacokinetics, for a trial the typical patient's)."""
    flags = []
    end = max(r.duration_h for r in arm)
    for r in arm:
        if r.doses < 2:
            flags.append(f"{r.drug}: a single dose, not a steady state (the summary reads the first dose; give more "
                         "days for the steady state)")
            continue
        previous, trough = (float(x) for x in r.plasma_total_nM([end - r.interval_h, end]))
        if trough > 0 and abs(trough - previous) / trough > STEADY_STATE_TOLERANCE:
            flags.append(f"{r.drug} is not at pharmacokinetic steady state after {r.doses} doses (trough "
                         f"{previous:.3g} -> {trough:.3g} nM); give more days (half-life "
                         f"{r.pk.half_life_h:.3g} h: about 5 half-lives are needed)")
    return flags


# ----------------------------------------------------------------------------- input


def as_arms(value) -> dict[str, tuple[Regimen, ...]]:
    if isinstance(value, Regimen):
        items = [value]
    elif isinstance(value, Mapping):
        arms = {}
        for label, arm in value.items():
            arms[str(label)] = _arm(arm)
        if not arms:
            raise InputError("regimens must not be empty")
        return arms
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = list(value)
    else:
        raise InputError(f"regimens must be a js.regimen(...), a list of arms or a mapping of label to arm, "
                         f"got {value!r}")
    if not items:
        raise InputError("regimens must not be empty")
    arms = {}
    for item in items:
        arm = _arm(item)
        label = " + ".join(r.label() for r in arm)
        if label in arms:
            raise InputError(f"the arm {label!r} is given twice")
        arms[label] = arm
    return arms


def _arm(value) -> tuple[Regimen, ...]:
    return as_regimens(value)


def as_stimuli(cytokines) -> dict[str, object]:
    if cytokines is None:
        return {c.name: c.standard_dose for c in catalog.CYTOKINES.values()}
    if isinstance(cytokines, str):
        cytokines = [cytokines]
    if isinstance(cytokines, Mapping):
        return {catalog.cytokine(c).name: dose for c, dose in cytokines.items()}
    names = [catalog.cytokine(c).name for c in cytokines]
    if not names:
        raise InputError("cytokines must not be empty (None means every cytokine)")
    refuse_repeats(names, "cytokines")  # one named twice was simulated once without a word (an audit)
    return {c: catalog.CYTOKINES[c].standard_dose for c in names}


def _positive(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(f"{what} must be a number > 0, got {value!r}")
    return float(value)
