"""The same map as a static picture (PNG/SVG), drawn with matplotlib.

It draws the graph and positions of :func:`~jakstat_sbml.explore.graph.pathway_graph`
(the page draws the very same ones), coloured by one simulation's whole-cell
activity at one time, with a colour bar in nM.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import catalog
from ..errors import InputError
from ..model import Model
from .data import TIMES, ZERO, grid_condition, node_values
from .graph import PathwayGraph, X_STEP, Y_STEP, pathway_graph
BAND_COLOURS = {"extracellular": ("#f4f9ff", "none"), "cytoplasm": ("#fffaf0", "#b08d57"),
                "nucleus": ("#f3f0fa", "#7b6aa8")}
VMIN, VMAX = 1e-3, 1e3  # nM: the page's activity scale


def _cut_rectangle(x: float, y: float, w: float, h: float, cut: float = 7.0) -> np.ndarray:
    """SBGN complex glyph: a rectangle with its corners cut."""
    x0, x1, y0, y1 = x - w / 2, x + w / 2, y - h / 2, y + h / 2
    return np.array([(x0 + cut, y0), (x1 - cut, y0), (x1, y0 + cut), (x1, y1 - cut), (x1 - cut, y1),
                     (x0 + cut, y1), (x0, y1 - cut), (x0, y0 + cut)])


def draw_map(graph: PathwayGraph, values: dict[str, float] | None = None, *, title: str = "", ax=None):
    """Draw ``graph``; ``values`` (node id -> nM) colour the nodes. Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib import colors, patches

    xs = [n.x for n in graph.nodes]
    width = (max(xs) - min(xs) + 3 * X_STEP) / 100
    height = (max(n.y for n in graph.nodes) + 1.5 * Y_STEP) / 100
    if ax is None:
        fig, ax = plt.subplots(figsize=(width + 1.6, height + 0.6))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("viridis")
    norm = colors.LogNorm(vmin=VMIN, vmax=VMAX, clip=True)

    for b in graph.bands:
        face, edge = BAND_COLOURS.get(b["name"], ("#ffffff", "#999999"))
        ax.add_patch(patches.FancyBboxPatch((b["x0"], b["y0"]), b["x1"] - b["x0"], b["y1"] - b["y0"],
                                            boxstyle="round,pad=0,rounding_size=12", fc=face, ec=edge,
                                            lw=2.5, zorder=0))
        ax.text(b["x1"] - 8, b["y1"] - 8, b["name"], ha="right", va="bottom", fontsize=8, style="italic",
                color="#777", zorder=1)
    for row in graph.to_dict()["rows"]:
        ax.text(graph.bands[0]["x0"] + 6, row["y"] - 34, row["label"], fontsize=6.5, color="#999", zorder=1)

    at = {n.id: (n.x, n.y) for n in graph.nodes}
    # SBGN Activity Flow arcs: positive influence —▷, necessary stimulation —|▷, negative influence —|
    styles = {"positive influence": "-|>", "necessary stimulation": "-|>", "negative influence": "-["}
    for e in graph.edges:
        (x0, y0), (x1, y1) = at[e.source], at[e.target]
        red = e.arc == "negative influence"
        colour = "#c0392b" if red else "#888"
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=2,
                    arrowprops=dict(arrowstyle=styles[e.arc], edgecolor=colour, facecolor="white",
                                    lw=1.3 if e.kind == "drug" else 0.7, alpha=0.6, shrinkA=11, shrinkB=13,
                                    linestyle="--" if red else (":" if e.kind == "import" else "-")))
        if e.arc == "necessary stimulation":  # the bar before the arrowhead
            d = np.hypot(x1 - x0, y1 - y0) or 1.0
            ux, uy = (x1 - x0) / d, (y1 - y0) / d
            cx, cy = x1 - ux * 25, y1 - uy * 25
            ax.plot([cx - uy * 5, cx + uy * 5], [cy + ux * 5, cy - ux * 5], color=colour, lw=0.8, alpha=0.8,
                    zorder=3)

    for n in graph.nodes:
        v = None if values is None else values.get(n.id)
        face = "#d9d9d9" if v is None else cmap(norm(max(v, VMIN)))
        w, h = n.size
        if n.kind == "dimer":
            patch = patches.Polygon(_cut_rectangle(n.x, n.y, w, h), closed=True)
        elif n.kind == "drug":
            patch = patches.Ellipse((n.x, n.y), w, h)
        else:
            style = "round,pad=0,rounding_size=7" if n.kind == "gene" else "square,pad=0"
            patch = patches.FancyBboxPatch((n.x - w / 2, n.y - h / 2), w, h, boxstyle=style)
        patch.set(fc=face, ec="#333", lw=0.9, zorder=4)
        ax.add_patch(patch)
        dark = v is not None and norm(max(v, VMIN)) < 0.55
        ax.text(n.x, n.y, n.label, ha="center", va="center", zorder=5, color="white" if dark else "black",
                fontsize=5.2 if n.kind == "dimer" else 6.5)

    ax.set_xlim(graph.bands[0]["x0"] - 10, graph.bands[0]["x1"] + 10)
    ax.set_ylim(max(b["y1"] for b in graph.bands) + 10, min(b["y0"] for b in graph.bands) - 10)
    ax.set_aspect("equal")
    ax.axis("off")
    if values is not None:
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, fraction=0.025, pad=0.01)
        bar.set_label("activity, nM whole cell (log scale; grey: no value)")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def map_values(model: Model, graph: PathwayGraph, cytokine: str, time: float) -> dict[str, float]:
    """Node id -> whole-cell nM at ``time`` (a time of the page's grid) under a cytokine's standard dose."""
    name = catalog.cytokine(cytokine).name
    if time not in TIMES:
        raise InputError(f"time must be one of the map's times {TIMES[0]:g}-{TIMES[-1]:g} min in steps of "
                         f"{TIMES[1] - TIMES[0]:g}, got {time!r}")
    block = node_values(model, graph, grid_condition({"cytokine": name, "drug": None, "dose": 0.0, "knockout": None}))
    k = TIMES.index(time)
    return {n.id: (0.0 if abs(block[i, k]) < ZERO else float(block[i, k])) for i, n in enumerate(graph.nodes)}


def save_map(model: Model, stem: str | Path, *, cytokine: str = "IL2", time: float = 15.0,
             formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write the map coloured by ``cytokine`` (standard dose) at ``time`` min as stem.png / stem.svg."""
    import matplotlib.pyplot as plt

    for f in formats:
        if f not in ("png", "svg"):
            raise InputError(f"map formats are png and svg, got {f!r}")
    graph = pathway_graph(model.path)
    values = map_values(model, graph, cytokine, time)
    c = catalog.cytokine(cytokine)
    fig = draw_map(graph, values, title=f"{c.name} {c.standard_dose}, {time:g} min, no drug; context {model.context}")
    stem = Path(stem)
    paths = []
    for f in formats:
        path = stem.with_suffix(f".{f}")
        fig.savefig(path, dpi=110, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths
