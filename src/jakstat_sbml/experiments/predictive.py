"""Predictive intervals of an experiment's results over the draws of
:mod:`jakstat_sbml.potency.draws` (``uncertainty=``), and what each one covers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..potency.crossval import TrackRecord
from ..potency.draws import UNFITTED_POTENCY, DrawPlan, central_interval, end_precision, interval, potency_fitted
from ..results import flags_text, interval_fields, with_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class PredictiveIC50:
    """An IC50's predictive distribution: one IC50 per draw in nM of free drug
    (``ic50s``; ``inf`` where a draw's parameter set is not half-inhibited by the
    highest tested dose, 0 where the lowest already halves it, NaN where the doses do not
    determine it), the matching total-plasma and whole-blood concentrations, and
    ``covers``, which says what varies. ``components`` gives the interval each source of
    uncertainty would give alone (free nM; ``components_plasma`` the same in total plasma),
    so that what the data constrain and what they do not can be told apart. ``band`` has the inhibition at each tested dose:
    median and the interval's ends over the draws, in free terms and, at each dose as total
    plasma (``dose_plasma_nM``, the model's fraction unbound), with each draw's own fraction
    unbound."""

    covers: str
    components: dict[str, tuple[float, float]]
    level: float
    ic50s: np.ndarray
    plasma: np.ndarray
    whole_blood: np.ndarray
    envelope: bool
    band: pd.DataFrame
    fraction_unbound: np.ndarray  # each draw's plasma fraction unbound (plasma = free / it)
    notes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    track_record: TrackRecord | None = None  # the drug's held-out coverage and fold error (stored cross-validation)
    system_record: TrackRecord | None = None  # the same for the rows read in the curve's assay system
    seed: int | None = None  # the draws' seed (None for the calibration envelope, which draws nothing)
    components_plasma: dict[str, tuple[float, float]] = field(default_factory=dict)  # as components, total plasma

    @property
    def draws(self) -> int:
        return len(self.ic50s)

    def interval(self, kind: str = "free") -> tuple[float, float]:
        """(low, high) in nM: ``kind`` ``free`` (medium), ``plasma`` (total plasma) or
        ``whole_blood`` (added to blood); NaN for an open end."""
        values = {"free": self.ic50s, "plasma": self.plasma, "whole_blood": self.whole_blood}[kind]
        return interval(values, self.level, self.envelope)

    def end_precision(self, kind: str = "free") -> pd.DataFrame:
        """How well the draws pin each end down: one row per end (``low``, ``high``) with the
        interval's ``end_nM`` and the range (``range_low_nM``-``range_high_nM``) the true
        percentile lies in with 90% confidence given the finite number of draws
        (:func:`~jakstat_sbml.potency.draws.end_precision`); NaN for an envelope, which has
        no percentile to estimate. More draws narrow it."""
        values = {"free": self.ic50s, "plasma": self.plasma, "whole_blood": self.whole_blood}[kind]
        ranges = ((math.nan, math.nan),) * 2 if self.envelope else end_precision(values, self.level)
        return pd.DataFrame({"end_nM": self.interval(kind), "range_low_nM": [r[0] for r in ranges],
                             "range_high_nM": [r[1] for r in ranges]}, index=pd.Index(["low", "high"], name="end"))

    def summary(self) -> dict:
        lo, hi = self.interval()
        plo, phi = self.interval("plasma")
        out = {"ic50_interval_low_nM": lo, "ic50_interval_high_nM": hi, "ic50_plasma_interval_low_nM": plo,
               "ic50_plasma_interval_high_nM": phi,
               # an envelope spans every member of a calibration ensemble: no level to state
               **interval_fields(self.covers, math.nan if self.envelope else self.level, self.draws, self.seed,
                                 flags=None)}
        for end, row in self.end_precision().iterrows():
            out[f"ic50_interval_{end}_range_low_nM"] = row.range_low_nM
            out[f"ic50_interval_{end}_range_high_nM"] = row.range_high_nM
        for end, row in self.end_precision("plasma").iterrows():
            out[f"ic50_plasma_interval_{end}_range_low_nM"] = row.range_low_nM
            out[f"ic50_plasma_interval_{end}_range_high_nM"] = row.range_high_nM
        for name, (a, b) in self.components.items():
            key = name.split(" (")[0].replace(" ", "_")
            out[f"{key}_only_low_nM"], out[f"{key}_only_high_nM"] = a, b
            pa, pb = self.components_plasma.get(name, (math.nan, math.nan))
            out[f"{key}_only_plasma_low_nM"], out[f"{key}_only_plasma_high_nM"] = pa, pb
        for record in (self.track_record, self.system_record):
            out.update(record.as_dict() if record is not None else {})
        out["flags"] = flags_text(self.flags)
        return out

    def band_frame(self) -> pd.DataFrame:
        """Per tested dose (nM free): the predicted inhibition's median and its interval over
        the draws (the band the figure shades), and the same at that dose as total plasma
        (``dose_plasma_nM``; ``inhibition_plasma_*``: each draw converts it with its own
        fraction unbound), with the level, the draws and what it covers: what inhibition at
        which dose, and how sure."""
        out = self.band.copy()
        out["interval_level"] = math.nan if self.envelope else self.level
        out["interval_draws"] = self.draws
        out["interval_covers"] = self.covers
        return with_flags(out, self.flags)

    def to_frame(self) -> pd.DataFrame:
        """One row per draw: its IC50 free, as total plasma and as added to whole blood (nM;
        inf / 0 / NaN as in ``ic50s``) and its plasma fraction unbound."""
        return with_flags(pd.DataFrame({"draw": np.arange(self.draws), "ic50_nM": self.ic50s,
                                        "ic50_plasma_nM": self.plasma, "ic50_whole_blood_nM": self.whole_blood,
                                        "fraction_unbound": self.fraction_unbound}), self.flags)

    def plot(self, ax=None) -> Figure:
        """Histogram of the draws' free IC50 (log axis) with the predictive interval's ends
        and the count of draws outside the tested doses; returns the Figure."""
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        own = ax is None
        if own:
            _, ax = plt.subplots(figsize=(5, 3.5))
        finite = self.ic50s[np.isfinite(self.ic50s) & (self.ic50s > 0)]
        if finite.size:
            bins = np.logspace(np.log10(finite.min()) - 0.05, np.log10(finite.max()) + 0.05, 30)
            ax.hist(finite, bins=bins, color="tab:blue", alpha=0.7)
            ax.set_xscale("log")
        lo, hi = self.interval()
        for end in (lo, hi):
            if np.isfinite(end) and end > 0:
                ax.axvline(end, color="k", ls="--", lw=1)
        outside = self.draws - finite.size
        ax.set_xlabel("IC50 of a draw (nM, free)")
        ax.set_ylabel("draws")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of draws
        kind = "envelope" if self.envelope else f"{self.level:.0%} predictive interval"
        drawn = "members" if self.envelope else "draws"
        what = ", ".join(name.split(" (")[0] for name in self.components) or "see covers"
        ax.set_title(f"{kind} over {self.draws} {drawn}" + (f" ({outside} outside the tested doses)" if outside else "")
                     + f"\nof: {what}", fontsize=9)
        if own:  # a caller's figure keeps the caller's layout
            ax.figure.tight_layout()  # the axis labels inside the figure
        return ax.figure


FAR_BEYOND = 10.0  # an interval end this many-fold past the doses tested is said to be


def predictive_ic50(plan: DrawPlan, drug: str, set_ic50s: np.ndarray, set_fits: list, doses: np.ndarray,
                    nominal_ic50: float) -> PredictiveIC50:
    """Combine each parameter set's IC50 (and Hill fit, for the band) with each draw's
    potency: draw j uses set ``plan.set_index[j]`` and divides the dose axis by its scale."""
    k = plan.set_index
    scale = plan.dose_scale[drug]
    valid = plan.set_valid[k] if plan.set_valid.size == len(plan.parameter_sets) else np.ones(len(k), bool)
    base = np.asarray(set_ic50s, float)[k]
    ic50s = np.where(valid, base * scale, np.nan)  # inf * s stays inf, 0 * s stays 0
    plasma = ic50s / plan.fraction_unbound[drug]
    blood = ic50s * plan.blood_to_plasma[drug] / plan.fraction_unbound[drug]
    components, components_plasma = {}, {}
    if "drug potency posterior" in plan.components or UNFITTED_POTENCY in plan.components:
        name = "drug potency and between-assay variability" if potency_fitted(drug) else \
            "plausible potency range and between-assay variability"
        # the potency draws move the model's own IC50: the Hill fit's, or, where the doses give no fit (one
        # dose, say), the one parameter set's IC50 found by bisection, which the total interval uses too
        reference = nominal_ic50 if np.isfinite(nominal_ic50) or len(set_ic50s) != 1 else float(set_ic50s[0])
        components[name] = interval(reference * plan.potency_scale[drug], plan.uncertainty.level)
        # each potency draw comes with its own fraction unbound (the posterior's pair), as in the total interval
        components_plasma[name] = interval(reference * plan.potency_scale[drug] / plan.fraction_unbound[drug],
                                           plan.uncertainty.level)
    if len(plan.parameter_sets) > 1:
        sets = np.asarray(set_ic50s, float) * plan.set_scale[drug]
        sets = np.where(plan.set_valid, sets, np.nan) if plan.set_valid.size == len(sets) else sets
        name = "calibration ensemble" if "calibration ensemble" in plan.components else "parameter ranges"
        components[name] = interval(sets, plan.uncertainty.level, envelope=name == "calibration ensemble")
        # potency fixed: the parameter sets alone convert at the model's fraction unbound
        components_plasma[name] = interval(sets / catalog.drug(drug).fraction_unbound, plan.uncertainty.level,
                                           envelope=name == "calibration ensemble")
    positive = doses[doses > 0]
    # the same doses as total plasma at the model's fraction unbound (the curve's dose_plasma_nM); a draw
    # with its own fraction unbound sees another free concentration there (free terms only before: an audit)
    fu = catalog.drug(drug).fraction_unbound
    inhibition, in_plasma = (np.full((len(k), positive.size), np.nan) for _ in range(2))
    for j in range(len(k)):
        fit = set_fits[k[j]]
        if fit is not None and valid[j] and fit.zero:
            inhibition[j] = 1 - fit.predict(positive / scale[j]) / fit.zero
            in_plasma[j] = 1 - fit.predict(positive * plan.fraction_unbound[drug][j] / fu / scale[j]) / fit.zero
    # per dose, the same order statistics as the IC50's interval (linear quantiles before)
    ends, plasma_ends = (np.array([central_interval(m[:, i], plan.uncertainty.level) for i in range(positive.size)]
                                  ).reshape(-1, 3) for m in (inhibition, in_plasma))
    band = pd.DataFrame({"dose_nM": positive, "inhibition_median": ends[:, 1], "inhibition_low": ends[:, 0],
                         "inhibition_high": ends[:, 2], "dose_plasma_nM": positive / fu,
                         "inhibition_plasma_median": plasma_ends[:, 1], "inhibition_plasma_low": plasma_ends[:, 0],
                         "inhibition_plasma_high": plasma_ends[:, 2]})
    flags = []
    above, below, unknown = np.isinf(ic50s).sum(), (ic50s == 0).sum(), np.isnan(ic50s).sum()
    if above or below or unknown:
        parts = [f"{n} {what}" for n, what in ((above, "above the highest dose"), (below, "below the lowest dose"),
                                                (unknown, "not determined by the doses")) if n]
        if all(fit is None for fit in set_fits):  # no dose range closes what no parameter set can fit
            flags.append(f"no draw of {drug}'s IC50 can be read: in no parameter set does its dose-response have a "
                         "fit at the tested doses (the curve's own flags say why), so the interval is open (NaN)")
        else:
            flags.append(f"of {len(k)} draws of {drug}'s IC50, {', '.join(parts)}: an interval end that falls "
                         "there is open (NaN); widen the doses to close it")
    lo, hi = interval(ic50s, plan.uncertainty.level, envelope=plan.envelope)
    if positive.size and ((np.isfinite(hi) and hi > FAR_BEYOND * positive.max())
                          or (np.isfinite(lo) and lo < positive.min() / FAR_BEYOND)):
        flags.append(f"{drug}'s interval ({lo:.3g}-{hi:.3g} nM free) reaches more than {FAR_BEYOND:g}-fold beyond "
                     f"the doses tested ({positive.min():.3g}-{positive.max():.3g} nM free): those ends are draws' "
                     "IC50s found there by "
                     "bisection (a potency draw moves the dose axis exactly), not read off simulated doses")
    record = next((t for t in plan.track_records if t.kind == "drug" and t.name == drug), None)
    system = next((t for t in plan.track_records if t.kind == "system"), None)
    flags += plan.flags
    return PredictiveIC50(plan.covers(), components, plan.uncertainty.level, ic50s, plasma, blood, plan.envelope,
                          band, plan.fraction_unbound[drug], plan.notes, tuple(flags), record, system,
                          None if plan.envelope else int(plan.uncertainty.seed), components_plasma)
