"""The `jakstat` command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="jakstat-sbml: simulate cytokine-driven JAK/STAT signalling.", no_args_is_help=True)
console = Console()


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise typer.BadParameter(f"{what} must look like NAME=DOSE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _dose(v: str):
    try:
        return float(v)
    except ValueError:
        return v


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


@app.command()
def build(check: bool = typer.Option(False, help="Only check that the committed SBML is up to date.")):
    """Compile models/jakstat.ant to the annotated SBML models/jakstat.xml and validate it."""
    from . import build as b

    paths = b.source_paths()
    if check:
        fresh = b.build_sbml(write=False)
        if paths["sbml"].read_text() != fresh:
            _fail(RuntimeError(f"{paths['sbml']} is stale: run `jakstat build`"))
        console.print(f"{paths['sbml']} is up to date")
        return
    sbml = b.build_sbml()
    report = b.validate(sbml)
    import libsbml

    m = libsbml.readSBMLFromString(sbml).getModel()
    console.print(f"wrote {paths['sbml']}: {m.getNumSpecies()} species, {m.getNumReactions()} reactions, "
                  f"{m.getNumParameters()} parameters")
    console.print(f"libsbml checkConsistency (all categories, units on): {len(report.errors)} errors, "
                  f"{len(report.warnings)} warnings")
    counts = b.provenance_counts(b.read_parameter_rows(paths["parameters_tsv"]))
    console.print("parameter sources: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if not report.ok:
        console.print(str(report))
        raise typer.Exit(1)


@app.command()
def simulate(
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help="NAME=DOSE, e.g. IL6='40 ng/mL' (floats are nM)."),
    drug: list[str] = typer.Option([], "--drug", "-d", help="NAME=DOSE, e.g. ruxolitinib=500 (nM) or '1 uM'."),
    knockout: list[str] = typer.Option([], "--knockout", "-k", help="HGNC symbol to knock out (repeatable)."),
    overexpress: list[str] = typer.Option([], "--overexpress", "-o", help="GENE=FOLD, e.g. PIAS3=5."),
    context: str = typer.Option("ctcl", help="Cell context (see `jakstat contexts`)."),
    preincubation: float = typer.Option(0.0, help="Minutes of drug before the cytokine."),
    t_end: float = typer.Option(120.0, help="End time (min)."),
    points: int = typer.Option(None, help="Number of output time points (default: one per minute)."),
    readout: list[str] = typer.Option([], "--readout", "-r", help="Readouts to keep (default: all)."),
    out: Path = typer.Option(None, help="Write the time course here (.csv); a .png beside it."),
):
    """Simulate one condition and print (or write) the time course."""
    import jakstat_sbml as js

    try:
        model = js.load_model(context=context)
        df = model.simulate(
            cytokines={k: _dose(v) for k, v in _pairs(cytokine, "--cytokine").items()},
            drugs={k: _dose(v) for k, v in _pairs(drug, "--drug").items()},
            knockouts=knockout, overexpress={k: float(v) for k, v in _pairs(overexpress, "--overexpress").items()},
            preincubation=preincubation, t_end=t_end, points=points, readouts=readout or None)
    except js.JakStatError as exc:
        _fail(exc)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(out, index=False)
        from . import plots
        import matplotlib.pyplot as plt

        fig = plots.time_course(df, title=json.dumps(df.attrs["condition"]["cytokines"]))
        fig.savefig(out.with_suffix(".png"), dpi=110)
        plt.close(fig)
        console.print(f"wrote {out} and {out.with_suffix('.png')}")
    else:
        cols = ["time", *(readout or ["pSTAT1", "pSTAT3", "pSTAT5", "pSTAT6", "pSTAT4", "SOCS3_mRNA", "pJAK1"])]
        table = Table(*cols)
        step = max(1, len(df) // 12)
        for _, row in df.iloc[::step][cols].iterrows():
            table.add_row(*(f"{0.0 if abs(v) < 1e-9 else v:.4g}" for v in row))
        console.print(table)


@app.command()
def contexts():
    """List the cell contexts."""
    from . import catalog

    for name in catalog.contexts():
        console.print(f"[bold]{name}[/bold]: {catalog.context(name).description}")


@app.command()
def report(out: Path = typer.Option(Path("report"), help="Output folder."),
           context: str = typer.Option("ctcl", help="Cell context.")):
    """Write the report: time courses for every cytokine (CSV + PNG) and an index page."""
    import matplotlib

    matplotlib.use("Agg")
    import jakstat_sbml as js
    from . import catalog
    from . import report as rep

    try:
        model = js.load_model(context=context)
    except js.JakStatError as exc:
        _fail(exc)
    out.mkdir(parents=True, exist_ok=True)
    with _progress() as progress:
        task = progress.add_task("time courses", total=len(catalog.CYTOKINES))
        rows = rep.time_courses(model, out, progress=lambda _: progress.advance(task))
    index = rep.write_index(out, model, [("Time courses at standard doses", rep.time_course_section(rows))])
    console.print(f"wrote {index}")


if __name__ == "__main__":
    app()
