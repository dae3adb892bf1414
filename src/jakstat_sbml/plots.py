"""Figures: time courses, dose-response curves, knockout heatmaps, combination maps (axes carry units).

Figures should never mislead: titles say what was simulated (:func:`condition_title`),
curves that coincide with another are drawn dashed and named together in the legend,
series that stay at zero are listed rather than dropped silently, flat series are
labelled "no change" on axes that include zero (so solver noise never looks like a
response), NaN cells of maps are hatched grey "n/a", and reasons a number cannot be
trusted (a result's ``flags``) are written on the panel.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import catalog

STAT_READOUTS = ["pSTAT1", "pSTAT2", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT6"]
FEEDBACK_READOUTS = ["SOCS1_mRNA", "SOCS3_mRNA", "CISH_mRNA"]
JAK_READOUTS = ["pJAK1", "pJAK2", "pJAK3", "pTYK2"]

ZERO_LEVEL = 1e-6  # nM; a series never above this is "~0" (listed, not drawn) in time courses
OVERLAP = 2e-3  # curves closer than this fraction of the panel's scale are one line on screen
FLAT = 0.01  # a series whose range is below this fraction of its level shows "no change"
NA_COLOUR = "#d0d0d0"  # NaN cells of maps (hatched, "n/a")


# ----------------------------------------------------------------------------- numbers and titles


def format_number(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, positional (no exponent between 1e-4 and
    1e6): 1.9230769 -> '1.92', 9780.3 -> '9780', 100000 -> '100000', 0 -> '0'."""
    x = float(x)
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if not 1e-4 <= abs(x) < 1e6:
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        return f"{mantissa}e{int(exponent)}"
    return np.format_float_positional(x, precision=digits, unique=True, fractional=False, trim="-")


def _round_at(x: float, digits: int) -> bool:
    """True when ``x`` has at most ``digits`` significant digits (to 1e-9 relative)."""
    if not math.isfinite(x) or x <= 0:
        return False
    r = float(f"{x:.{digits - 1}e}")
    return abs(r - x) <= 1e-9 * x


def _given_text(value) -> str | None:
    """A dose as the user wrote it: a string ('40 ng/mL'), a plasma dose, or None for numbers."""
    from .units import PlasmaDose

    if isinstance(value, PlasmaDose):
        inner = _given_text(value.dose) or f"{format_number(value.dose)} nM"
        return f"{inner} total plasma"
    if isinstance(value, str):
        return " ".join(value.split())
    return None


def _cytokine_dose(name: str, nM: float, given: str | None) -> str:
    mass = catalog.CYTOKINES[name].mass_kda if name in catalog.CYTOKINES else None
    if given is not None:
        if given.replace(" ", "").lower().endswith("nm"):
            return f"{name} {given}"
        return f"{name} {given} ({format_number(nM)} nM)"
    # a dose given by mass (ng/mL) is round in ng/mL and not in nM: show what was given
    if mass and not _round_at(nM, 4) and _round_at(nM * mass, 3):
        return f"{name} {format_number(nM * mass)} ng/mL ({format_number(nM)} nM)"
    return f"{name} {format_number(nM)} nM"


def _as_condition_dict(condition) -> tuple[dict, dict]:
    """(as_dict-style mapping with numbers in nM, {name: dose as given}) of a Condition,
    its ``as_dict()``, or a mapping of simulate() keywords (doses may carry units)."""
    if hasattr(condition, "as_dict"):
        return condition.as_dict(), {}
    if not isinstance(condition, Mapping):
        raise TypeError(f"condition_title needs a Condition or a mapping, got {type(condition).__name__}")
    d = dict(condition)
    given: dict[str, str] = {}
    for key in ("cytokines", "drugs"):
        for name, v in dict(d.get(key) or {}).items():
            text = _given_text(v)
            if text is not None:
                given[_canonical(key, name)] = text
    if given:  # doses with units: Condition.make converts them to nM (and names them canonically)
        from .model import Condition

        return Condition.of(d).as_dict(), given
    mutations = d.get("mutations") or {}
    if not isinstance(mutations, Mapping):
        mutations = {m: 1.0 for m in ([mutations] if isinstance(mutations, str) else mutations)}
    knockouts = d.get("knockouts") or []
    d.update(cytokines=dict(d.get("cytokines") or {}), drugs=dict(d.get("drugs") or {}),
             knockouts=[knockouts] if isinstance(knockouts, str) else list(knockouts),
             overexpress=dict(d.get("overexpress") or {}), mutations=dict(mutations),
             parameters=dict(d.get("parameters") or {}))
    return d, given


def _canonical(key: str, name: str) -> str:
    try:
        return catalog.cytokine(name).name if key == "cytokines" else catalog.drug(name).name
    except Exception:
        return name


def condition_title(condition, context: str | None = None, *, given: Mapping[str, object] | None = None,
                    width: int = 110) -> str:
    """What was simulated, in words, for a figure title.

    ``condition``: a :class:`~jakstat_sbml.model.Condition`, its ``as_dict()`` (what
    ``df.attrs["condition"]`` holds) or a mapping of ``simulate()`` keywords.
    ``given``: doses as the user wrote them (name -> '40 ng/mL' or a plasma dose),
    shown in place of nM; without it a cytokine dose that is round in ng/mL (and
    not in nM) is shown in ng/mL, every other dose in nM to 3 significant digits.
    Lines are wrapped at ``width`` characters, between items.

    >>> condition_title({"cytokines": {"IL6": 1.9230769230769236}, "drugs": {"ruxolitinib": 500.0},
    ...                  "knockouts": ["SOCS3"]}, "ctcl")
    'IL6 40 ng/mL (1.92 nM); ruxolitinib 500 nM free; knockout SOCS3; context ctcl'
    """
    d, as_given = _as_condition_dict(condition)
    for k, v in (given or {}).items():
        text = _given_text(v)
        if text is not None:
            as_given[_canonical("cytokines", k) if _canonical("cytokines", k) in catalog.CYTOKINES
                     else _canonical("drugs", k)] = text
    items = [_cytokine_dose(k, v, as_given.get(k)) for k, v in d.get("cytokines", {}).items()] or ["no cytokine"]
    drugs = []
    for k, v in d.get("drugs", {}).items():
        g = as_given.get(k)
        if g is not None and "plasma" in g:
            drugs.append(f"{k} {g} ({format_number(v)} nM free)")
        elif g is not None:
            drugs.append(f"{k} {g} free")
        else:
            drugs.append(f"{k} {format_number(v)} nM free")
    items += drugs
    # a mapping of simulate() keywords without preincubation gets simulate()'s default;
    # without drugs nothing is pre-incubated, whatever the number says
    from .model import DEFAULT_PREINCUBATION

    pre = d.get("preincubation", DEFAULT_PREINCUBATION)
    pre = float(pre) if isinstance(pre, (int, float, np.number)) and drugs else 0.0
    if pre > 0:
        items.append(f"{'drugs' if len(drugs) > 1 else 'drug'} {format_number(pre)} min before the cytokine")
    if d.get("knockouts"):
        items.append("knockout " + ", ".join(d["knockouts"]))
    if d.get("overexpress"):
        items.append("overexpressed " + ", ".join(f"{g} {format_number(f)}x" for g, f in d["overexpress"].items()))
    if d.get("mutations"):
        items.append("mutation " + ", ".join(m if f == 1 else f"{m} ({format_number(100 * f)}% of the protein)"
                                             for m, f in d["mutations"].items()))
    if d.get("parameters"):
        items.append("parameters " + ", ".join(f"{p}={format_number(v)}" for p, v in d["parameters"].items()))
    if context:
        items.append(f"context {context}")
    return _wrap_items(items, width)


def _wrap_items(items: list[str], width: int, sep: str = "; ") -> str:
    lines, line = [], ""
    for item in items:
        candidate = f"{line}{sep}{item}" if line else item
        if line and len(candidate) > width:
            lines.append(line + sep.rstrip())
            line = item
        else:
            line = candidate
    lines.append(line)
    return "\n".join(lines)


def _background_text(background: Mapping | None) -> str:
    """Short words for an experiment's background (knockouts, drugs, ...); '' if none."""
    if not background:
        return ""
    items = []
    def number(v) -> bool:
        return isinstance(v, (int, float, np.number)) and not isinstance(v, bool)

    for k, v in (background.get("cytokines") or {}).items():
        items.append(_cytokine_dose(k, float(v), None) if number(v) else f"{k} {_given_text(v) or v}")
    for k, v in (background.get("drugs") or {}).items():
        items.append(f"{k} {format_number(v)} nM free" if number(v) else f"{k} {_given_text(v) or v}")
    ko = background.get("knockouts") or []
    if ko:
        items.append("knockout " + ", ".join([ko] if isinstance(ko, str) else ko))
    ox = background.get("overexpress") or {}
    if ox:
        items.append("overexpressed " + ", ".join(f"{g} {format_number(f)}x" for g, f in ox.items()))
    mut = background.get("mutations") or {}
    if mut:
        if not isinstance(mut, Mapping):
            mut = {m: 1.0 for m in ([mut] if isinstance(mut, str) else mut)}
        items.append("mutation " + ", ".join(m if f == 1 else f"{m} ({format_number(100 * f)}%)"
                                             for m, f in mut.items()))
    par = background.get("parameters") or {}
    if par:
        items.append(", ".join(f"{p}={format_number(v)}" for p, v in par.items()))
    return "; ".join(items)


def _flags(obj) -> tuple[str, ...]:
    return tuple(str(f) for f in (getattr(obj, "flags", ()) or ()))


# what a predictive interval draws over, as its `covers` names it, in a figure's few words
INTERVAL_SOURCES = (("drug potency posterior", "potency"),
                    ("plausible potency range", "assumed potency range"),  # a drug with no measured row
                    ("calibration ensemble", "calibration"), ("parameter ranges", "parameter ranges"))


def interval_sources(covers: str) -> str:
    """The sources of an interval named in ``covers`` (or its components joined), e.g.
    "potency + parameter ranges": figures said "90% predictive band" for every mode."""
    return " + ".join(short for name, short in INTERVAL_SOURCES if name in covers) or "the draws"


def _flag_text(flags, width: int = 48) -> str:
    return "\n".join(textwrap.wrap("not trusted: " + "; ".join(flags), width))


# ----------------------------------------------------------------------------- line panels


def _overlap_reason(names: list[str], flat: bool, cytokines) -> str:
    if flat:
        return "no change"
    if all(n in JAK_READOUTS for n in names):
        for c in cytokines:
            jaks = {f"p{j}" for j in getattr(catalog.CYTOKINES.get(c), "jaks", ())}
            if set(names) <= jaks:
                return "same receptor complexes"
    return "identical curves"


def line_panel(ax, time, series: Mapping[str, np.ndarray], *, zero_level: float | None = ZERO_LEVEL,
               cytokines=(), unit: str = "nM", legend: bool = True, flat_word: str = "no change") -> dict:
    """Draw ``series`` (name -> values over ``time``) on ``ax`` so that nothing misleads.

    - Series never above ``zero_level`` in magnitude are not drawn but listed in the
      legend ("~0: ..."); with ``zero_level=None`` every series is drawn.
    - A series identical to an earlier one (to within ``OVERLAP`` of the panel's
      scale) is drawn dashed over it and the two share one legend entry
      ("pJAK1 = pJAK3 (same receptor complexes)").
    - A series whose range is below ``FLAT`` of its level is labelled "(no change)"
      (``flat_word``); the y-axis always includes zero, and a panel of flat series is
      centred on its level and says "no change" instead of magnifying solver noise.

    Returns {"drawn", "zero", "flat", "groups"} (names) for callers and tests.
    """
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D

    time = np.asarray(time, dtype=float)
    values = {k: np.asarray(v, dtype=float) for k, v in series.items()}
    finite = {k: v[np.isfinite(v)] for k, v in values.items()}
    level = {k: float(np.abs(v).max()) if v.size else 0.0 for k, v in finite.items()}
    zero = [k for k in values if zero_level is not None and level[k] <= zero_level]
    drawn = [k for k in values if k not in zero]
    scale = max([level[k] for k in drawn] + [1e-300])
    tiny = zero_level if zero_level is not None else 1e-12 * scale
    flat = [k for k in drawn if float(np.ptp(finite[k])) <= max(FLAT * level[k], tiny)] if drawn else []
    groups: list[list[str]] = []
    for k in drawn:
        for g in groups:
            if values[k].shape == values[g[0]].shape and np.nanmax(np.abs(values[k] - values[g[0]])) <= OVERLAP * scale:
                g.append(k)
                break
        else:
            groups.append([k])
    handles, labels = [], []
    colours = iter(f"C{i}" for i in range(100))
    for g in groups:
        lines = []
        for i, k in enumerate(g):
            (line,) = ax.plot(time, values[k], color=next(colours), lw=1.6 if i == 0 else 1.4,
                              ls="-" if i == 0 else (0, (3 + i, 2 + i)), label=f"_{k}", gid=k)
            lines.append(line)
        if len(g) > 1:
            reason = _overlap_reason(g, all(k in flat for k in g), cytokines)
            if reason == "no change":
                reason = flat_word
                reason += f", {format_number(level[g[0]])} {unit}"
            label = textwrap.fill(f"{' = '.join(g)} ({reason})", 34)
            handles.append(tuple(lines))
        else:
            k = g[0]
            label = k + (" (~0)" if level[k] <= tiny else f" ({flat_word})" if k in flat
                         # too small to see on this axis: say how big it is
                         else f" (max {format_number(level[k], 2)} {unit})" if level[k] < 0.02 * scale else "")
            handles.append(lines[0])
        labels.append(label)
    if zero:
        handles.append(Line2D([], [], ls="none"))
        labels.append(textwrap.fill(f"not drawn, ~0 {unit}: " + ", ".join(zero), 30))
    # y-limits: include zero; flat panels centred on their level rather than zoomed into noise
    if drawn:
        lo = min(0.0, min(float(finite[k].min()) for k in drawn))
        hi = max(0.0, max(float(finite[k].max()) for k in drawn))
        if len(flat) == len(drawn):
            hi = 2 * hi if hi > tiny else 1.0
            ax.text(0.5, 0.35, flat_word, transform=ax.transAxes, ha="center", va="top", fontsize=9,
                    color="0.3", style="italic")
        span = hi - lo
        ax.set_ylim(lo - 0.05 * span, hi + 0.08 * span)
    elif values:
        ax.set_ylim(-0.05, 1.0)
        if time.size:
            ax.set_xlim(float(time.min()), float(time.max()))
        ax.text(0.5, 0.6, f"all ~0 (< {zero_level:g} {unit})", transform=ax.transAxes, ha="center", fontsize=9,
                color="0.3", style="italic")
    else:
        ax.text(0.5, 0.5, "not among the simulated readouts", transform=ax.transAxes, ha="center", fontsize=8,
                color="0.3", style="italic")
    if legend and handles:
        ax.legend(handles, labels, handler_map={tuple: HandlerTuple(ndivide=None, pad=0)}, frameon=False,
                  fontsize=7)
    return {"drawn": drawn, "zero": zero, "flat": flat, "groups": [g for g in groups if len(g) > 1]}


def time_course(df: pd.DataFrame, title: str | None = None, axes=None, *, given: Mapping | None = None):
    """Three panels: phospho-STATs, phospho-JAKs, feedback mRNAs (nM against min).

    Without ``title`` the figure says what was simulated (:func:`condition_title` of
    ``df.attrs["condition"]`` and ``df.attrs["context"]``; ``given``: doses as the user
    wrote them). Panels follow :func:`line_panel`.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(12.5, 3.8), constrained_layout=True)
    else:
        fig = axes[0].figure
    condition = df.attrs.get("condition")
    if title is None and condition is not None:
        title = condition_title(condition, df.attrs.get("context"), given=given, width=120)
    cytokines = list((condition or {}).get("cytokines", {}))
    groups = [(STAT_READOUTS, "phospho-STAT (nM, whole cell)"),
              (JAK_READOUTS, "phospho-JAK (nM, whole cell)"),
              (FEEDBACK_READOUTS, "mRNA (nM, cytoplasm)")]
    for ax, (names, ylabel) in zip(axes, groups):
        line_panel(ax, df["time"], {r: df[r] for r in names if r in df}, cytokines=cytokines)
        ax.set_xlabel("time (min)")
        ax.set_ylabel(ylabel)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def readout_label(name: str) -> str:
    unit = catalog.READOUTS[name].unit
    return f"{name} ({'0-1' if unit == '1' else unit})"


# ----------------------------------------------------------------------------- dose-response


def dose_curve(curve, ax=None):
    """Simulated points and Hill fit of a DoseResponse (inhibitor) or CytokineResponse
    (agonist) on a log dose axis.

    The fitted IC50/EC50 is marked only when it can be trusted: not when the result
    has ``flags`` (written on the panel instead) and not when it lies outside the
    tested doses (extrapolated). The y-axis includes zero.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        ax = plt.subplots(figsize=(4.5, 3.5), constrained_layout=True)[1]
    drug = getattr(curve, "drug", None)
    flags = _flags(curve)
    doses, resp = np.asarray(curve.doses, float), np.asarray(curve.responses, float)
    positive = doses > 0
    ax.semilogx(doses[positive], resp[positive], "o", ms=4, label="simulated", zorder=3)
    fit = curve.fit
    extrapolated = getattr(curve, "extrapolated_fit", None)  # a fit whose midpoint the doses do not bracket
    name = "IC50" if drug else "EC50"
    shown = fit if fit is not None else extrapolated
    if shown is not None and positive.any():
        lo, hi = doses[positive].min(), doses[positive].max()
        xs = np.logspace(np.log10(lo) - 0.3, np.log10(hi) + 0.3, 200)
        inside = fit is not None and lo <= fit.ic50 <= hi
        if flags:
            ax.semilogx(xs, shown.predict(xs), "-", lw=1.2, color="0.6", label=f"Hill fit ({name} not trusted)")
        elif not inside:
            where = f"> {format_number(hi)}" if shown.ic50 > hi else f"< {format_number(lo)}"
            ax.semilogx(xs, shown.predict(xs), "--", lw=1.2, color="0.5",
                        label=f"Hill fit, {name} {where} nM (beyond the doses)")
        else:
            ax.semilogx(xs, fit.predict(xs), "-", lw=1.5, color="C1",
                        label=f"Hill fit, {name} {format_number(fit.ic50)} nM")
            ax.axvline(fit.ic50, ls=":", color="grey", lw=1)
    else:
        ax.text(0.5, 0.5, f"no Hill fit ({name} n/a)", transform=ax.transAxes, ha="center", fontsize=8,
                color="0.3", style="italic")
    predictive = getattr(curve, "uncertainty", None)
    held_out, narrow = None, False
    if predictive is not None and drug and len(predictive.band) and np.isfinite(curve.baseline):
        band = predictive.band
        # what the band draws over, in the legend: the same words for every mode once
        what = ("calibration envelope" if predictive.envelope else
                f"{predictive.level:.0%} predictive band of {interval_sources(predictive.covers)}")
        ax.fill_between(band["dose_nM"], curve.baseline * (1 - band["inhibition_low"]),
                        curve.baseline * (1 - band["inhibition_high"]), color="C1", alpha=0.18, lw=0,
                        label=f"{what} ({len(predictive.ic50s)} {'members' if predictive.envelope else 'draws'})")
        record = getattr(predictive, "track_record", None)
        if record is not None:  # with the band's entry, what its level has delivered for this drug when held out
            narrow = record.too_narrow
            # the legend's title: text placed on the axes fell on the points and curve at low doses
            # a drug no held-out row tested has no count to show ("0/0 covered", an audit), only its verdict
            held_out = (f"held out: {record.covered}/{record.rows} covered" + (" (too narrow)" if narrow else "")
                        if record.rows else f"no held-out rows ({record.verdict})")
    if flags:  # below the axis label, where it covers no point and no legend (inside, the two overlaid: an audit)
        ax.annotate(_flag_text(flags), xy=(0, 0), xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -6),
                    textcoords="offset points", ha="left", va="top", fontsize=7, color="firebrick",
                    bbox=dict(facecolor="white", edgecolor="firebrick", alpha=0.85, pad=2))
    background = _background_text(getattr(curve, "background", None))
    extra = f"\n{background}" if background else ""
    if drug:
        ax.axhline(curve.baseline, ls="--", color="grey", lw=0.8, label="no drug")
        ax.set_xlabel(f"{drug} (nM, free)")
        context = getattr(curve, "context", "")
        ax.set_title(f"{drug}: {curve.cytokine} / {curve.readout}" + (f" ({context})" if context else "") + extra,
                     fontsize=10 if not extra else 9)
    else:
        ax.axhline(curve.unstimulated, ls="--", color="grey", lw=0.8, label="no cytokine")
        ax.set_xlabel(f"{curve.cytokine} (nM)")
        ax.set_title(f"{curve.cytokine} / {curve.readout}{extra}", fontsize=10 if not extra else 9)
    ax.set_ylabel(f"{curve.readout} {curve.measure.label} ({curve.measure.unit(curve.readout)})")
    finite = resp[np.isfinite(resp)]
    if finite.size and finite.min() >= 0:  # concentrations: keep zero in view
        top = max(float(finite.max()), float(getattr(curve, "baseline", 0.0) or 0.0), float(curve.unstimulated))
        ax.set_ylim(-0.04 * top if top > 0 else -0.05, 1.08 * top if top > 0 else 1.0)
    legend = ax.legend(frameon=False, fontsize=7, title=held_out, title_fontsize=7, alignment="left")
    if narrow:
        legend.get_title().set_color("firebrick")
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
        fig.suptitle(textwrap.fill(title, int(11 * 4.2 * ncols)) if "\n" not in title else title)
    return fig


# ----------------------------------------------------------------------------- maps


def _hatch_nan(ax, matrix: np.ndarray, label: bool = True, fontsize: float = 7) -> int:
    """Grey hatched squares (and "n/a") over the NaN cells of an imshow'd matrix."""
    from matplotlib.patches import Rectangle

    rows, cols = np.nonzero(~np.isfinite(np.asarray(matrix, float)))
    for i, j in zip(rows, cols):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=NA_COLOUR, edgecolor="0.55", hatch="///",
                               lw=0, gid="n/a"))
        if label:
            ax.text(j, i, "n/a", ha="center", va="center", fontsize=fontsize, color="0.25")
    return rows.size


def _annotate(ax, matrix: np.ndarray, image, fmt) -> None:
    """Each finite cell's value, in black or white by the cell's brightness."""
    cmap, norm = image.get_cmap(), image.norm
    for (i, j), v in np.ndenumerate(np.asarray(matrix, float)):
        if not np.isfinite(v):
            continue
        r, g, b, _ = cmap(norm(v))
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
        ax.text(j, i, fmt(v), ha="center", va="center", fontsize=6.5, color="white" if dark else "black")


# log2 units: colours saturate at 8-fold. Scaled to the largest |value| (a total loss, -6.66), the
# regulators' 1.2-2-fold effects (SOCS1, CISH, PTPN2) were near-white beside the receptors' blocks.
HEATMAP_LIMIT = 3.0


def knockout_heatmap(screen, ax=None, limit: float | None = None):
    """Genes x (cytokine/readout) heatmap of log2 fold changes (blue: knockout lowers the
    readout's AUC, red: raises it); colours saturate at +-``limit`` (default: the largest
    |value|, at most :data:`HEATMAP_LIMIT`, 8-fold), the colour bar's arrows marking the
    cells beyond. NaN cells are hatched grey; a screen's ``flags`` are shown."""
    import matplotlib.pyplot as plt

    table = screen.table
    values = table.to_numpy(dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 1.0
    if limit is None:
        limit = float(min(max(largest, 0.5), HEATMAP_LIMIT))
    if ax is None:
        fig, ax = plt.subplots(figsize=(2.5 + 0.55 * table.shape[1], 1.5 + 0.2 * table.shape[0]),
                               constrained_layout=True)
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    n_na = _hatch_nan(ax, values, label=False)
    ax.set_yticks(range(table.shape[0]), table.index, fontsize=7)
    ax.set_xticks(range(table.shape[1]), [f"{c}\n{r}" for c, r in table.columns], fontsize=7, rotation=90)
    ax.set_xlabel("cytokine / readout")
    ax.set_ylabel("knocked-out gene (HGNC)")
    lo, hi = screen.window
    lines = [f"Knockout screen ({screen.context})"]
    background = _background_text(getattr(screen, "background", None))
    if background:
        lines.append(f"background: {background}")
    if n_na:
        lines.append("grey hatched: n/a")
    flags = _flags(screen)
    if flags:
        lines.append(_flag_text(flags, 60))
    ax.set_title("\n".join(lines), fontsize=10 if len(lines) == 1 else 8, color="firebrick" if flags else "black")
    beyond = largest > limit
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.6, extend="both" if beyond else "neither")
    bar.set_label(f"log2 fold change of AUC {lo:g}-{hi:g} min\n(knockout / wild type)"
                  + (f"; beyond ±{limit:g} ({2 ** limit:g}-fold) at full colour" if beyond else ""))
    return ax


def drug_comparison(comparison, ax=None):
    """Two heatmaps of a :class:`~jakstat_sbml.experiments.DrugComparison`: drug x pathway
    log10 IC50 as total plasma concentration (nM; the interval under it when there is one;
    hatched where the drug does not act or no IC50 was found, the reason in the flags),
    and approved regimen x pathway time-averaged inhibition at steady state. ``ax``: two
    Axes to draw into. Returns the Figure."""
    import matplotlib.pyplot as plt

    ic50s, regimens = comparison.ic50s, comparison.regimens
    drugs, pathways = comparison.drugs, comparison.pathways
    matrix = ic50s.pivot(index="drug", columns="pathway", values="ic50_plasma_nM").reindex(index=drugs,
                                                                                          columns=pathways)
    arms = list(pd.unique(regimens["regimen"])) if len(regimens) else []
    if ax is None:
        rows = [max(len(drugs), 1), max(len(arms), 1)]
        fig, ax = plt.subplots(2, 1, figsize=(4 + 0.75 * len(pathways), 2.4 + 0.32 * sum(rows)),
                               constrained_layout=True, gridspec_kw={"height_ratios": rows})
    left, right = ax
    values = np.log10(matrix.to_numpy(dtype=float))
    values[~np.isfinite(values)] = np.nan
    image = left.imshow(values, cmap="viridis_r", aspect="auto", interpolation="nearest")
    _hatch_nan(left, values, label=False)
    has_interval = "ic50_plasma_interval_low_nM" in ic50s.columns
    for (i, drug), (j, pathway) in ((a, b) for a in enumerate(drugs) for b in enumerate(pathways)):
        row = ic50s[(ic50s.drug == drug) & (ic50s.pathway == pathway)]
        if row.empty or not np.isfinite(row.ic50_plasma_nM.iloc[0]):
            continue
        text = format_number(row.ic50_plasma_nM.iloc[0], 2)
        if has_interval:
            text += f"\n[{format_number(row.ic50_plasma_interval_low_nM.iloc[0], 2)}-{format_number(row.ic50_plasma_interval_high_nM.iloc[0], 2)}]"
        r, g, b, _ = image.get_cmap()(image.norm(values[i, j]))
        left.text(j, i, text, ha="center", va="center", fontsize=6,
                  color="white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black")
    left.set_yticks(range(len(drugs)), drugs, fontsize=7)
    left.set_xticks(range(len(pathways)), pathways, fontsize=7, rotation=90)
    covers = f" [{comparison.covers}]" if comparison.covers else ""
    left.set_title(textwrap.fill(f"IC50, total plasma (nM){covers}", 70), fontsize=8)
    left.figure.colorbar(image, ax=left, shrink=0.8).set_label("log10 IC50\n(nM plasma)", fontsize=7)
    if arms:
        inhibition = regimens.pivot_table(index="regimen", columns="pathway", values="mean_inhibition")
        inhibition = inhibition.reindex(index=arms, columns=pathways)
        grid = inhibition.to_numpy(dtype=float)
        shown = right.imshow(grid, cmap="magma_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        _hatch_nan(right, grid, label=False)
        if "mean_inhibition_low" in regimens.columns:  # the interval under each value
            low = regimens.pivot_table(index="regimen", columns="pathway", values="mean_inhibition_low")
            high = regimens.pivot_table(index="regimen", columns="pathway", values="mean_inhibition_high")
            low, high = (m.reindex(index=arms, columns=pathways).to_numpy(dtype=float) for m in (low, high))
            for (i, j), v in np.ndenumerate(grid):
                if np.isfinite(v):
                    r, g, b, _ = shown.get_cmap()(shown.norm(v))
                    right.text(j, i, f"{v:.2f}\n[{low[i, j]:.2f}-{high[i, j]:.2f}]", ha="center", va="center",
                               fontsize=6, color="white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black")
        else:
            _annotate(right, grid, shown, lambda v: f"{v:.2f}")
        right.set_yticks(range(len(arms)), arms, fontsize=7)
        right.set_xticks(range(len(pathways)), pathways, fontsize=7, rotation=90)
        right.figure.colorbar(shown, ax=right, shrink=0.8).set_label("mean inhibition\n(fraction)", fontsize=7)
        right.set_title("Approved regimens at steady state, cytokine on throughout\n"
                        "(pharmacological inhibition, not a clinical response)", fontsize=8)
    else:
        right.axis("off")
        why = ("no approved regimen among these drugs" if getattr(comparison, "regimens_simulated", True)
               else "approved regimens not simulated (regimens=False)")
        right.text(0.5, 0.5, why, ha="center", va="center", fontsize=8)
    left.figure.suptitle(f"JAK inhibitors compared in context {comparison.context!r}", fontsize=10)
    return left.figure


def _loewe_reason(comb) -> str:
    if min(comb.doses_a.size, comb.doses_b.size) - 1 < 3:
        return "needs >= 3 doses of each drug alone"
    missing = [d for d, f in ((comb.drug_a, getattr(comb, "fit_a", None)), (comb.drug_b, getattr(comb, "fit_b", None)))
               if f is None]
    return f"no Hill fit of {' or '.join(missing)} alone" if missing else "no expected value"


def combination_maps(comb, axes=None):
    """Four heatmaps over the dose grid: fractional inhibition, and Bliss, Loewe and HSA
    excess (red: synergy, blue: antagonism). Every cell carries its value; cells
    without one (NaN: the single-agent row and column of the excess maps, Loewe without
    a Hill fit of each drug alone) are hatched grey and read "n/a"."""
    import matplotlib.pyplot as plt

    if axes is None:
        nb, na = comb.doses_b.size, comb.doses_a.size
        fig, axes = plt.subplots(1, 4, figsize=(max(17, 4 * (1.6 + 0.5 * nb)), max(3.9, 1.9 + 0.38 * na)),
                                 constrained_layout=True)
    else:
        fig = axes[0].figure
    synergy = comb.synergy() if hasattr(comb, "synergy") else None

    def verdict(score: str) -> str:
        if synergy is None or synergy.loc[score, "verdict"] == "not determined":
            return ""
        row = synergy.loc[score]
        within = max(row.additivity_band, row.excess_floor)
        text = f": {row.verdict}\n(mean {row.mean_excess:+.3f}, additive band ±{within:.1g})"
        drawn = getattr(comb, "uncertainty", None)
        if drawn is not None and score in drawn.index:  # what the draws say beside the point verdict
            d = drawn.loc[score]
            shares = [f"{kind.replace('_', ' ')} {d[kind]:.0%}" for kind in
                      ("synergistic", "additive", "antagonistic", "not_determined") if d[kind] > 0]
            text += (f"\nmean, {d['level']:.0%} of {int(d['draws'])} draws: "
                     f"{d['low']:+.3f} to {d['high']:+.3f}"
                     + "".join(("\n" if i % 2 == 0 else ", ") + share for i, share in enumerate(shares)))
        return text

    panels = [("inhibition (fraction of no-drug response)", comb.effect, "viridis", (0, 1)),
              ("Bliss excess" + verdict("bliss"), comb.bliss, "RdBu_r", None),
              ("Loewe excess" + verdict("loewe"), comb.loewe, "RdBu_r", None),
              ("HSA excess" + verdict("hsa"), comb.hsa, "RdBu_r", None)]
    finite = [np.abs(m[np.isfinite(m)]) for _, m, _, r in panels[1:]]
    lim = max([float(f.max()) for f in finite if f.size] + [0.05])

    def fraction(v):
        return f"{v:.2f}" if abs(v) >= 0.005 else "0.00"

    def excess(v):
        return f"{v:+.2f}" if abs(v) >= 0.005 else "0.00"

    for ax, (label, matrix, cmap, rng) in zip(axes, panels):
        matrix = np.asarray(matrix, float)
        vmin, vmax = rng if rng else (-lim, lim)
        image = ax.imshow(matrix, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                          interpolation="nearest")
        n_na = _hatch_nan(ax, matrix)
        _annotate(ax, matrix, image, fraction if rng else excess)
        ax.set_xticks(range(comb.doses_b.size), [format_number(d) for d in comb.doses_b], fontsize=7, rotation=45)
        ax.set_yticks(range(comb.doses_a.size), [format_number(d) for d in comb.doses_a], fontsize=7)
        ax.set_xlabel(f"{comb.drug_b} (nM, free)")
        ax.set_ylabel(f"{comb.drug_a} (nM, free)")
        note = ""
        if n_na == matrix.size:
            note = "\nall n/a: " + (_loewe_reason(comb) if "Loewe" in label else "no values")
        elif n_na and not rng:
            note = "\nn/a: single agents (no expected value)"
        ax.set_title(label + note, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8).set_label("fraction" if rng else "observed - expected (fraction)")
    title = (f"{comb.drug_a} x {comb.drug_b} on {comb.cytokine} / {comb.readout} {comb.measure.label} "
             f"({comb.context}); excess = observed - expected inhibition, means over cells where neither drug "
             "alone saturates")
    background = _background_text(getattr(comb, "background", None))
    if background:
        title += f"; background: {background}"
    flags = _flags(comb)
    if flags:
        title += "\n" + "not trusted: " + "; ".join(flags)
    fig.suptitle(title, fontsize=10, color="firebrick" if flags else "black")
    return fig


def _panel_title(panel, series) -> str:
    """A calibration panel's title: the experiment's name, or for PEtab's generic
    ids (``model1_data2_pSTAT5``) the experiment number and what was given."""
    generic = re.fullmatch(r"model\d+_data(\d+)(?:_.*)?", str(panel))
    if generic:
        return f"experiment {generic.group(1)}: " + ", ".join(map(str, series))
    return str(panel)


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
            # limits from the data and the curves, so no model curve leaves the panel; a curve that
            # starts at 0 (no offset) is followed down to 1/100 of the smallest measurement
            lo, hi = float(pts["measurement"].min()), float(pts["measurement"].max())
            shown = curves.loc[(curves["panel"] == panel) & (curves["value"] > 0), "value"]
            if len(shown):
                lo, hi = max(min(lo, float(shown.min())), lo / 100), max(hi, float(shown.max()))
            ax.set_ylim(lo / 2, hi * 2)
        ax.set_title(_panel_title(panel, series), fontsize=7)
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
