"""Figures of time courses (axes always carry units)."""

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
