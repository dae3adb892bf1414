"""The precomputed results the map is coloured by.

A modest grid of simulations, all from the model's own API: every cytokine at its
standard dose, alone, with each drug at a few doses, and with each gene knocked out;
plus the knockout screen (:func:`jakstat_sbml.knockout_screen`). Each simulation is
reduced to one value per map node and time point: whole-cell nM (the amount of the
node's species, summed with their multiplicity, over the cell volume), so the
phosphorylated-STAT nodes equal the pSTATx readouts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import catalog
from ..errors import InputError
from ..experiments import KnockoutScreen, knockout_screen
from ..model import Condition, Model
from .graph import PathwayGraph, pathway_graph

TIMES = tuple(float(t) for t in range(0, 121, 5))  # min after the cytokine
PREINCUBATION = 30.0  # min of drug before the cytokine, as `jakstat dose-response` does
# Free doses (nM) around each drug's cellular IC50s (docs/pharmacology.md): three decades
# at the centre of its default dose series (catalog.Drug.map_doses, from drugs.tsv).
DRUG_DOSES = {d.name: d.map_doses for d in catalog.DRUGS.values()}
ZERO = 1e-6  # nM: below one millionth of a molecule per cell a value is solver noise, shown as 0
DIGITS = 3  # significant digits kept in the page (colours and tooltips need no more)


def _round(x: float) -> float:
    if not math.isfinite(x) or abs(x) < ZERO:
        return 0.0
    return float(f"{x:.{DIGITS}g}")


def conditions(cytokines: Sequence[str] | None = None, drugs: dict[str, Sequence[float]] | None = None,
               knockouts: Sequence[str] | None = None) -> list[dict]:
    """The grid: per cytokine, the reference, each drug dose, each knockout (one at a time)."""
    cyts = [catalog.cytokine(c).name for c in (cytokines or catalog.cytokines())]
    doses = DRUG_DOSES if drugs is None else drugs
    for d, series in doses.items():
        catalog.drug(d)
        if not series or any(not (isinstance(x, (int, float)) and x > 0) for x in series):
            raise InputError(f"doses of {d} must be positive numbers in nM, got {list(series)!r}")
    kos = catalog.genes() if knockouts is None else [catalog.gene(g).symbol for g in knockouts]
    grid = []
    for c in cyts:
        grid.append({"cytokine": c, "drug": None, "dose": 0.0, "knockout": None})
        for d, series in doses.items():
            grid += [{"cytokine": c, "drug": d, "dose": float(x), "knockout": None} for x in series]
        grid += [{"cytokine": c, "drug": None, "dose": 0.0, "knockout": g} for g in kos]
    return grid


def grid_condition(row: dict) -> Condition:
    c = catalog.CYTOKINES[row["cytokine"]]
    return Condition.make(cytokines={c.name: c.standard_dose},
                          drugs={row["drug"]: row["dose"]} if row["drug"] else None,
                          knockouts=[row["knockout"]] if row["knockout"] else None,
                          preincubation=PREINCUBATION, t_end=TIMES[-1], points=len(TIMES))


def node_values(model: Model, graph: PathwayGraph, cond: Condition) -> np.ndarray:
    """nodes x times: whole-cell nM of each node under ``cond`` (drugs: their free dose)."""
    df = model.species(cond, amounts=True)
    # the cell: the compartments its integrated species live in (cytoplasm + nucleus)
    volume = sum(df.attrs["volumes"][c] for c in set(df.attrs["compartments"].values()))
    # read the columns from one array: each df[sid] would deep-copy the frame's attrs, which
    # cost the report's map more time than its simulations
    amounts, column = df.to_numpy(), {sid: j for j, sid in enumerate(df.columns)}
    out = np.zeros((len(graph.nodes), len(df)))
    drugs = dict(cond.drugs)
    for i, n in enumerate(graph.nodes):
        if n.kind == "drug":
            out[i, :] = drugs.get(n.id, 0.0)
            continue
        for sid, k in n.species:
            if sid in column:  # boundary species are not integrated: they are doses, not states
                out[i, :] += k * amounts[:, column[sid]] / volume
    return out


def screen_values(screen: KnockoutScreen) -> dict:
    """{cytokine: {readout, window, log2fc: {gene: value or None}}} of a knockout screen."""
    out = {}
    table = screen.table
    for (c, r) in table.columns:
        col = table[(c, r)]
        out.setdefault(c, {"readout": r, "window": list(screen.window),
                           "log2fc": {g: (None if not math.isfinite(v) else round(float(v), 3))
                                      for g, v in col.items()}})
    return out


def explore_data(model: Model, *, graph: PathwayGraph | None = None, screen: KnockoutScreen | None = None,
                 cytokines: Sequence[str] | None = None, drugs: dict[str, Sequence[float]] | None = None,
                 knockouts: Sequence[str] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Everything the page shows, as JSON-ready data (graph, grid, screen).

    ``screen``: a knockout screen already run (the report passes its own); by default
    one is run over the grid's cytokines with each one's main readout, AUC 0-120 min.
    """
    graph = graph or pathway_graph(model.path)
    grid = conditions(cytokines, drugs, knockouts)
    values = []
    for i, row in enumerate(grid):
        block = node_values(model, graph, grid_condition(row))
        values.append([[_round(x) for x in series] for series in block])
        if progress:
            progress(i + 1, len(grid))
    cyts = list(dict.fromkeys(r["cytokine"] for r in grid))
    if screen is None:
        screen = knockout_screen(model, cytokines=cyts, window=(0.0, TIMES[-1]))
    doses = DRUG_DOSES if drugs is None else {d: [float(x) for x in s] for d, s in drugs.items()}
    return {
        "model": model.path.name,
        "context": model.context,
        "graph": graph.to_dict(),
        "times": list(TIMES),
        "preincubation": PREINCUBATION,
        "cytokines": {c: {"dose": catalog.CYTOKINES[c].standard_dose, "readout": catalog.CYTOKINES[c].main_readout,
                          "description": catalog.CYTOKINES[c].description} for c in cyts},
        "drugs": {d: [float(x) for x in s] for d, s in doses.items()},
        "knockouts": list(dict.fromkeys(r["knockout"] for r in grid if r["knockout"])),
        "conditions": grid,
        "values": values,
        "screen": screen_values(screen),
        "units": {"value": "nM, whole cell", "time": "min", "drug": "nM, free"},
    }
