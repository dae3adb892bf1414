"""Figures: time courses, dose-response curves, knockout heatmaps, combination maps (axes carry units)."""

from __future__ import annotations

import pandas as pd

from . import catalog

STAT_READOUTS = ["pSTAT1", "pSTAT2", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT6"]
FEEDBACK_READOUTS = ["SOCS1_mRNA", "SOCS3_mRNA", "CISH_mRNA"]
JAK_READOUTS = ["pJAK1", "pJAK2", "pJAK3", "pTYK2"]


def time_course(df: pd.DataFrame, title: str | None = None, axes=None):
    """Three panels: phospho-STATs, phospho-JAKs, feedback mRNAs (nM against min)."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), constrained_layout=True)
    else:
        fig = axes[0].figure
    groups = [(STAT_READOUTS, "phospho-STAT (nM, whole cell)"),
              (JAK_READOUTS, "phospho-JAK (nM, whole cell)"),
              (FEEDBACK_READOUTS, "mRNA (nM, cytoplasm)")]
    for ax, (names, ylabel) in zip(axes, groups):
        for r in names:
            if r in df and df[r].abs().max() > 1e-6:
                ax.plot(df["time"], df[r], label=r)
        ax.set_xlabel("time (min)")
        ax.set_ylabel(ylabel)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def readout_label(name: str) -> str:
    unit = catalog.READOUTS[name].unit
    return f"{name} ({'0-1' if unit == '1' else unit})"


# ----------------------------------------------------------------------------- dose-response


def dose_curve(curve, ax=None):
    """Simulated points and Hill fit of a DoseResponse (inhibitor) or CytokineResponse
    (agonist) on a log dose axis."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        ax = plt.subplots(figsize=(4.5, 3.5), constrained_layout=True)[1]
    drug = getattr(curve, "drug", None)
    doses, resp = curve.doses, curve.responses
    positive = doses > 0
    ax.semilogx(doses[positive], resp[positive], "o", ms=4, label="simulated")
    fit = curve.fit
    if fit is not None:
        xs = np.logspace(np.log10(doses[positive].min()) - 0.3, np.log10(doses[positive].max()) + 0.3, 200)
        name = "IC50" if drug else "EC50"
        ax.semilogx(xs, fit.predict(xs), "-", lw=1.5, label=f"Hill fit, {name} {fit.ic50:.3g} nM")
        ax.axvline(fit.ic50, ls=":", color="grey", lw=1)
    if drug:
        ax.axhline(curve.baseline, ls="--", color="grey", lw=0.8, label="no drug")
        ax.set_xlabel(f"{drug} (nM, free)")
        ax.set_title(f"{drug}: {curve.cytokine} / {curve.readout}", fontsize=10)
    else:
        ax.axhline(curve.unstimulated, ls="--", color="grey", lw=0.8, label="no cytokine")
        ax.set_xlabel(f"{curve.cytokine} (nM)")
        ax.set_title(f"{curve.cytokine} / {curve.readout}", fontsize=10)
    ax.set_ylabel(f"{curve.readout} {curve.measure.label} ({curve.measure.unit(curve.readout)})")
    ax.legend(frameon=False, fontsize=7)
    return ax


def dose_curve_grid(curves, ncols: int = 4, title: str | None = None):
    """One panel per curve (DoseResponse or CytokineResponse)."""
    import matplotlib.pyplot as plt

    n = max(len(curves), 1)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), constrained_layout=True,
                             squeeze=False)
    for ax, curve in zip(axes.flat, curves):
        dose_curve(curve, ax=ax)
    for ax in list(axes.flat)[len(curves):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- knockout screen


def knockout_heatmap(screen, ax=None, limit: float | None = None):
    """Genes x (cytokine/readout) heatmap of log2 fold changes (blue: knockout lowers the
    readout's AUC, red: raises it); colours saturate at +-``limit`` (default: the largest
    |value|, at most 7)."""
    import matplotlib.pyplot as plt
    import numpy as np

    table = screen.table
    values = table.to_numpy(dtype=float)
    if limit is None:
        finite = np.abs(values[np.isfinite(values)])
        limit = float(min(max(finite.max() if finite.size else 1.0, 0.5), 7.0))
    if ax is None:
        fig, ax = plt.subplots(figsize=(2.5 + 0.55 * table.shape[1], 1.5 + 0.2 * table.shape[0]),
                               constrained_layout=True)
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(table.shape[0]), table.index, fontsize=7)
    ax.set_xticks(range(table.shape[1]), [f"{c}\n{r}" for c, r in table.columns], fontsize=7, rotation=90)
    ax.set_xlabel("cytokine / readout")
    ax.set_ylabel("knocked-out gene (HGNC)")
    lo, hi = screen.window
    ax.set_title(f"Knockout screen ({screen.context})", fontsize=10)
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.6)
    bar.set_label(f"log2 fold change of AUC {lo:g}-{hi:g} min\n(knockout / wild type)")
    return ax


# ----------------------------------------------------------------------------- combinations


def combination_maps(comb, axes=None):
    """Four heatmaps over the dose grid: fractional inhibition, and Bliss, Loewe and HSA
    excess (red: synergy, blue: antagonism)."""
    import matplotlib.pyplot as plt
    import numpy as np

    if axes is None:
        fig, axes = plt.subplots(1, 4, figsize=(17, 3.9), constrained_layout=True)
    else:
        fig = axes[0].figure
    panels = [("inhibition (fraction of no-drug response)", comb.effect, "viridis", (0, 1)),
              ("Bliss excess", comb.bliss, "RdBu_r", None),
              ("Loewe excess", comb.loewe, "RdBu_r", None),
              ("HSA excess", comb.hsa, "RdBu_r", None)]
    finite = [np.abs(m[np.isfinite(m)]) for _, m, _, r in panels[1:]]
    lim = max([float(f.max()) for f in finite if f.size] + [0.05])
    for ax, (label, matrix, cmap, rng) in zip(axes, panels):
        vmin, vmax = rng if rng else (-lim, lim)
        image = ax.imshow(matrix, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                          interpolation="nearest")
        ax.set_xticks(range(comb.doses_b.size), [f"{d:g}" for d in comb.doses_b], fontsize=7, rotation=45)
        ax.set_yticks(range(comb.doses_a.size), [f"{d:g}" for d in comb.doses_a], fontsize=7)
        ax.set_xlabel(f"{comb.drug_b} (nM, free)")
        ax.set_ylabel(f"{comb.drug_a} (nM, free)")
        ax.set_title(label, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8).set_label("fraction" if rng else "observed - expected (fraction)")
    fig.suptitle(f"{comb.drug_a} x {comb.drug_b} on {comb.cytokine} / {comb.readout} {comb.measure.label} "
                 f"({comb.context}); positive excess = synergy", fontsize=10)
    return fig


def calibration_fits(points: pd.DataFrame, curves: pd.DataFrame, *, title: str, ylabel: str, log: bool,
                     ncols: int = 4):
    """Data and model fits, one panel per experiment.

    ``points``: columns panel, series, time (min), measurement. ``curves``: panel,
    series, model, time, value. Colours are series (doses); solid lines are the
    first model in ``curves``, dashed the second.
    """
    import matplotlib.pyplot as plt

    panels = list(dict.fromkeys(points["panel"]))
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), squeeze=False,
                             constrained_layout=True)
    models = list(dict.fromkeys(curves["model"])) if len(curves) else []
    styles = dict(zip(models, ["-", "--", ":"]))
    for ax, panel in zip(axes.flat, panels):
        pts = points[points["panel"] == panel]
        series = list(dict.fromkeys(pts["series"]))
        colours = dict(zip(series, plt.cm.viridis([i / max(len(series) - 1, 1) for i in range(len(series))])))
        for name in series:
            d = pts[pts["series"] == name]
            ax.plot(d["time"], d["measurement"], "o", ms=3.5, color=colours[name], alpha=0.75, label=name)
            for model in models:
                c = curves[(curves["panel"] == panel) & (curves["series"] == name) & (curves["model"] == model)]
                ax.plot(c["time"], c["value"], styles[model], color=colours[name], lw=1.3)
        if log:
            ax.set_yscale("log")
            # limits from the data: a curve may start at 0 (no offset) far below them
            lo, hi = float(pts["measurement"].min()), float(pts["measurement"].max())
            ax.set_ylim(lo / 3, hi * 3)
        ax.set_title(str(panel), fontsize=7)
        ax.set_xlabel("time (min)")
        ax.set_ylabel(ylabel, fontsize=8)
        ax.legend(frameon=False, fontsize=6, title_fontsize=6)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if models:
        handles = [plt.Line2D([], [], color="k", ls=styles[m]) for m in models]
        fig.legend(handles, models, loc="upper right", frameon=False, fontsize=8)
    fig.suptitle(title)
    return fig


def multistart_waterfall(nllh, ax=None):
    """Sorted final -log L of the starts of a multi-start calibration."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2), constrained_layout=True)
    values = np.sort(np.asarray(nllh, float))
    ax.plot(np.arange(1, len(values) + 1), values, "o-", ms=4)
    ax.set_xlabel("start (sorted by final objective)")
    ax.set_ylabel("-log L at the end of the start")
    return ax.figure
