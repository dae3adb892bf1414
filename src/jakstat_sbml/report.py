"""The report `make demo` writes: one folder of figures, tables and an index page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import catalog, plots
from .model import Model


def time_courses(model: Model, out: Path, t_end: float = 120.0,
                 progress: Callable[[str], None] | None = None) -> list[dict]:
    """Standard-dose time course of every cytokine: CSV and PNG per cytokine."""
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, c in catalog.CYTOKINES.items():
        df = model.simulate(cytokines={name: c.standard_dose}, t_end=t_end)
        csv = out / f"timecourse_{name}.csv"
        png = out / f"timecourse_{name}.png"
        df.to_csv(csv, index=False)
        fig = plots.time_course(df, title=f"{name} {c.standard_dose} ({model.context})")
        fig.savefig(png, dpi=110)
        plt.close(fig)
        main = df[c.main_readout]
        rows.append({"cytokine": name, "dose": c.standard_dose, "readout": c.main_readout,
                     "peak_nM": float(main.max()), "t_peak_min": float(df["time"][main.idxmax()]),
                     "csv": csv.name, "png": png.name})
        if progress:
            progress(name)
    return rows


def write_index(out: Path, model: Model, sections: list[tuple[str, str]]) -> Path:
    lines = [
        "# jakstat-sbml report",
        "",
        f"Model: `{model.path.name}`, context `{model.context}`. Concentrations in nM, time in min.",
        "",
    ]
    for title, body in sections:
        lines += [f"## {title}", "", body, ""]
    index = out / "index.md"
    index.write_text("\n".join(lines))
    return index


def time_course_section(rows: list[dict]) -> str:
    table = ["| cytokine | dose | main readout | peak (nM) | peak time (min) | data |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        table.append(f"| {r['cytokine']} | {r['dose']} | {r['readout']} | {r['peak_nM']:.3g} | "
                     f"{r['t_peak_min']:g} | [csv]({r['csv']}) |")
    figures = [f"![{r['cytokine']}]({r['png']})" for r in rows]
    return "\n".join(table) + "\n\n" + "\n\n".join(figures)
