"""Figures of dosing regimens: plasma concentration over time above pathway inhibition."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import catalog
from ..errors import InputError

MAX_ARMS_PLOTTED = 8


def exposure_figure(result, arms: Sequence[str] | None = None, axes=None):
    """Top row: total (solid) and free (dashed) plasma concentration of each drug of
    each arm; bottom row: inhibition (%) of every pathway's main readout, with the
    50 % and 90 % lines and the last dosing interval (the summary's window) shaded.
    One column per arm; returns the Figure."""
    import matplotlib.pyplot as plt

    names = list(result.arms) if arms is None else list(arms)
    for a in names:
        if a not in result.arms:
            raise InputError(f"unknown arm {a!r} (arms: {', '.join(result.arms)})")
    if not names:
        raise InputError("arms must not be empty")
    names = names[:MAX_ARMS_PLOTTED]
    if axes is None:
        fig, axes = plt.subplots(2, len(names), figsize=(max(5.5, 4.6 * len(names)), 6.4), sharex="col", squeeze=False,
                                 constrained_layout=True, gridspec_kw={"height_ratios": [1, 1.4]})
    else:
        axes = np.asarray(axes, dtype=object)
        if axes.size % 2:  # one Axes once gave numpy's "cannot reshape array of size 1"
            raise InputError(f"ax must be a 2 x {len(names)} array of axes (one column per arm), got {axes.size} Axes")
        axes = axes.reshape(2, -1)
        if axes.shape[1] < len(names):
            raise InputError(f"ax must be a 2 x {len(names)} array of axes (one column per arm)")
        fig = axes[0, 0].figure
    courses = result.time_courses
    colours = plt.get_cmap("tab10")
    for col, label in enumerate(names):
        arm = result.arms[label]
        rows = courses[courses.arm == label]
        top, bottom = axes[0, col], axes[1, col]
        first = rows[rows.cytokine == rows.cytokine.iloc[0]]
        for i, reg in enumerate(arm):
            t = first["time_h"].to_numpy()
            top.plot(t, first[f"plasma_{reg.drug}"], color=colours(i), label=f"{reg.drug} total")
            top.plot(t, first[f"free_{reg.drug}"], color=colours(i), ls="--", label=f"{reg.drug} free")
        top.set_yscale("log")
        positive = [first[f"free_{r.drug}"].to_numpy() for r in arm]
        low = min(float(np.min(p[p > 0])) for p in positive if (p > 0).any()) if any((p > 0).any() for p in positive) else 1e-3
        top.set_ylim(bottom=max(low / 2, 1e-4))
        top.set_ylabel("plasma concentration (nM)")
        top.set_title(label, fontsize=10)
        top.legend(fontsize=7, loc="lower right")
        for j, (cytokine, part) in enumerate(rows.groupby("cytokine", sort=False)):
            readout = catalog.CYTOKINES[cytokine].main_readout
            bottom.plot(part["time_h"], 100 * part["inhibition"], color=colours(j % 10), lw=1.2,
                        label=f"{cytokine} / {readout}")
        for level in (50, 90):
            bottom.axhline(level, color="grey", lw=0.6, ls=":")
        end = max(r.duration_h for r in arm)
        interval = max(r.interval_h for r in arm)
        for ax in (top, bottom):
            ax.axvspan(end - interval, end, color="0.92", zorder=0)
        if result.intervals is not None:
            _mean_inhibition_bars(bottom, result.intervals[result.intervals.arm == label],
                                  list(rows.groupby("cytokine", sort=False).groups), end, interval, colours)
        bottom.set_ylim(-5, 100)
        bottom.set_xlabel("time after the first dose (h)")
        bottom.set_ylabel("inhibition of the main readout (%)")
        bottom.legend(fontsize=7, ncol=2, loc="upper left")
    how = "cytokine on throughout" if result.stimulation == "continuous" else \
        "blood drawn and stimulated ex vivo"
    # two lines: one arm's figure is narrow, and a one-line title was cut at both ends
    title = f"Dosing regimens in context {result.context!r}\n({how}; shaded: last dosing interval)"
    if result.intervals is not None:
        # the dot is the draws' median, which is not the table's point estimate (one parameter set's curve)
        title += (f"\nbars: each pathway's mean inhibition over it,\n{_interval_words(result.intervals)};\n"
                  "dot: the draws' median (the table's number is the curve's)")
    fig.suptitle(title, fontsize=10)
    return fig


def _mean_inhibition_bars(ax, intervals, cytokines: list[str], end: float, interval: float, colours) -> None:
    """Each pathway's interval of the time-averaged inhibition over the last dosing interval
    (the summary's number), drawn inside that interval, pathways side by side in their colours:
    the curves are one parameter set's, the bars what the draws make of their average."""
    mean = intervals[intervals.metric == "mean_inhibition"]
    for j, cytokine in enumerate(cytokines):
        row = mean[mean.pathway == f"{cytokine}/{catalog.CYTOKINES[cytokine].main_readout}"]
        if row.empty or not np.isfinite(row[["low", "median", "high"]].to_numpy(dtype=float)).all():
            continue
        low, mid, high = (100 * float(row[c].iloc[0]) for c in ("low", "median", "high"))
        x = end - interval + interval * (j + 1) / (len(cytokines) + 1)
        ax.errorbar([x], [mid], yerr=[[mid - low], [high - mid]], fmt="o", ms=3, capsize=2, lw=1,
                    color=colours(j % 10), zorder=3)


def _interval_words(intervals) -> str:
    levels = intervals["level"].dropna().unique() if "level" in intervals else []
    draws = int(intervals["draws"].max())
    if len(levels) == 1:
        from ..plots import interval_sources

        return f"{levels[0]:.0%} predictive interval of {interval_sources(' '.join(intervals['covers']))} ({draws} draws)"
    return f"envelope of the calibration ensemble ({draws} parameter sets)"
