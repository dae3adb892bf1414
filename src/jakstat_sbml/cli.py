"""The `jakstat` command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import catalog
from .experiments import DEFAULT_DOSES, DEFAULT_DRUG_DOSES
from .model import DEFAULT_PREINCUBATION
from .calibration.datasets import ALL_DATASETS, DEFAULT_DATASET
from .calibration.datasets import DATASETS as PETAB

# Help texts name what the catalog holds, generated from it, so they never go stale
# when a cytokine, drug, mutation, readout or context is added
# (tests/test_api_consistency.py checks every option's help against the catalog).
CYTOKINES = " ".join(catalog.cytokines())
DRUGS = " ".join(catalog.drugs())
MUTATIONS = ", ".join(catalog.mutations())
CONTEXTS = ", ".join(f"{c} (default)" if c == catalog.DEFAULT_CONTEXT else c for c in catalog.contexts())
READOUTS = " ".join(catalog.readouts())
MAIN_READOUTS = ", ".join(f"{c.name} {c.main_readout}" for c in catalog.CYTOKINES.values())
PETAB_DATASETS = " or ".join(f"{d.name} ({'default; ' if d.name == DEFAULT_DATASET else ''}needs --context {d.context})"
                            for d in PETAB.values())
FRACTIONS_UNBOUND = ", ".join(f"{d.name} {d.fraction_unbound:g}" for d in catalog.DRUGS.values())


def _nM_range(doses) -> str:
    lo, hi = min(doses), max(doses)
    return " to ".join(f"{x / 1000:g} uM" if x >= 1000 else f"{x:g} nM" for x in (lo, hi))


DEFAULT_DOSES_TEXT = "; ".join(
    [f"{_nM_range(DEFAULT_DRUG_DOSES)} (free) for "
     + ", ".join(d for d in catalog.drugs() if d not in DEFAULT_DOSES)]
    + [f"{_nM_range(v)} (free) for {d}" for d, v in DEFAULT_DOSES.items()])

app = typer.Typer(
    help="jakstat-sbml: simulate cytokine-driven JAK/STAT signalling.\n\n"
         "Doses: plain numbers are nM; strings carry units ('40 ng/mL', '1 uM'). Drug doses are free "
         "(medium) concentrations unless --plasma says they are total plasma concentrations; drugs are "
         f"added {DEFAULT_PREINCUBATION:g} min before the cytokine unless --preincubation says otherwise. "
         f"Names: cytokines {CYTOKINES}; drugs {DRUGS}; mutations {MUTATIONS}; contexts {CONTEXTS}; "
         "genes are HGNC symbols; `jakstat contexts` describes the cell contexts.",
    no_args_is_help=True)
console = Console()


class FigureFormat(str, Enum):
    png = "png"
    svg = "svg"


# ----------------------------------------------------------------------------- helpers


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise typer.BadParameter(f"{what} must look like NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _dose(v: str):
    try:
        return float(v)
    except ValueError:
        return v


def _doses(text: str | None, what: str) -> list | None:
    """Comma-separated doses ('1,10,100' in nM, or '1 uM, 10 uM'); None keeps the default."""
    if text is None:
        return None
    return [_dose(x.strip()) for x in text.split(",") if x.strip()]


def _window(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        a, b = (float(x) for x in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"--window must look like START,END in min (e.g. 0,60), got {text!r}") from None
    return a, b


def _mutations(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, frac = item.partition("=")
        try:
            out[name.strip()] = float(frac) if frac else 1.0
        except ValueError:
            raise typer.BadParameter(f"--mutation must look like NAME or NAME=FRACTION, got {item!r}") from None
    return out


def _overexpress(items: list[str]) -> dict[str, float]:
    out = {}
    for k, v in _pairs(items, "--overexpress").items():
        try:
            out[k] = float(v)
        except ValueError:
            raise typer.BadParameter(f"--overexpress fold must be a number, got {v!r} for {k}") from None
    return out


def _background(knockout: list[str], overexpress: list[str], mutation: list[str]) -> dict:
    """The background keywords every simulation of an experiment shares."""
    bg = {}
    if knockout:
        bg["knockouts"] = knockout
    if overexpress:
        bg["overexpress"] = _overexpress(overexpress)
    if mutation:
        bg["mutations"] = _mutations(mutation)
    return bg


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def _reported(out: Path | None = None) -> Iterator[None]:
    """Turn the errors a user can act on into one line and exit status 2.

    Our own errors (bad input, a missing optional package), an optional package
    imported outside :mod:`jakstat_sbml.optional`, and, with ``out``, a file in
    ``out`` that cannot be written.
    """
    from . import optional
    from .errors import JakStatError
    from .files import write_error

    try:
        yield
    except JakStatError as exc:
        _fail(exc)
    except ImportError as exc:
        missing = optional.missing(exc)
        if missing is None:
            raise
        _fail(missing)
    except OSError as exc:
        if out is None:
            raise
        failed, folder = (Path(exc.filename).absolute() if exc.filename else None), out.absolute()
        if failed is not None and not (failed.is_relative_to(folder) or folder.is_relative_to(failed)):
            raise  # not one of the outputs (or a folder on their way): a bug or a missing input
        _fail(write_error(failed or out, exc))


def _writable(path: Path | None, *, folder: bool = True) -> None:
    """Fail (exit 2) before any work when ``path`` cannot be written."""
    from .files import writable

    if path is not None:
        with _reported():
            writable(path, folder=folder)


def _require(module: str, purpose: str) -> None:
    """Fail (exit 2) before any work when an optional package is missing."""
    from .optional import require

    with _reported():
        require(module, purpose)


@contextmanager
def _flags_printed_later() -> Iterator[None]:
    """Silence the experiments' JakStatWarnings: each is a flag of the result, printed by :func:`_warn`."""
    import warnings

    from . import errors

    with warnings.catch_warnings():
        category = getattr(errors, "JakStatWarning", None)
        if category is not None:
            warnings.simplefilter("ignore", category)
        yield


def _flags(result) -> tuple[str, ...]:
    """Why numbers of ``result`` cannot be trusted (empty for results without flags)."""
    return tuple(str(f) for f in (getattr(result, "flags", None) or ()))


def _warn(flags: tuple[str, ...]) -> None:
    for flag in flags:
        console.print(f"[yellow]warning: {escape(flag)}[/yellow]", soft_wrap=True)


def _load(context: str):
    import jakstat_sbml as js

    with _reported():
        return js.load_model(context=context)


def _save_figure(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)


def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _wrote(*paths: Path) -> None:
    for p in paths:
        console.print(f"wrote {escape(str(p))}", soft_wrap=True)


# Options shared by the experiment commands.
KNOCKOUT = typer.Option([], "--knockout", "-k", help="HGNC symbol knocked out in every simulation (repeatable).")
OVEREXPRESS = typer.Option([], "--overexpress", "-o", help="GENE=FOLD over the context's level, e.g. PIAS3=5.")
MUTATION = typer.Option([], "--mutation", "-m",
                        help=f"Gain-of-function mutation, NAME or NAME=MUTANT_FRACTION: {MUTATIONS} "
                             "(e.g. NAME=0.5 heterozygous).")
CONTEXT = typer.Option(catalog.DEFAULT_CONTEXT, help=f"Cell context: {CONTEXTS} (see `jakstat contexts`).")
TIME = typer.Option(None, help="Read the readout at this time (min after the cytokine). Default 20.")
WINDOW = typer.Option(None, help="Use the AUC over START,END (min) instead of a time point, e.g. 0,60.")
PREINCUBATION = typer.Option(DEFAULT_PREINCUBATION, help="Minutes of drug before the cytokine (0: together).")
PLASMA = typer.Option(False, "--plasma", help="Drug doses are total plasma concentrations (converted with "
                                             f"the fraction unbound: {FRACTIONS_UNBOUND}).")
N_JOBS = typer.Option(1, "--n-jobs", "-j", help="Worker processes for the simulations.")
FORMAT = typer.Option(FigureFormat.png, "--format", help="Figure format.")
CYTOKINE_DOSES = typer.Option([], "--cytokine", "-c", help=f"NAME=DOSE, e.g. IL6='40 ng/mL' (floats are nM); "
                                                           f"NAME one of {CYTOKINES}.")
DRUG_DOSES = typer.Option([], "--drug", "-d", help=f"NAME=DOSE, e.g. ruxolitinib=500 (nM) or '1 uM'; "
                                                   f"NAME one of {DRUGS}.")


# ----------------------------------------------------------------------------- commands


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jakstat-sbml")
    except PackageNotFoundError:  # running from a source tree that is not installed
        from . import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"jakstat-sbml {_version()}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


@app.command()
def build(check: bool = typer.Option(False, help="Only check that the committed SBML is up to date.")):
    """Compile models/jakstat.ant to the annotated SBML models/jakstat.xml and validate it."""
    from . import build as b

    paths = b.source_paths()
    if check:
        fresh = b.build_sbml(write=False)
        if paths["sbml"].read_text(encoding="utf-8") != fresh:
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
    cytokine: list[str] = CYTOKINE_DOSES,
    drug: list[str] = DRUG_DOSES,
    knockout: list[str] = typer.Option([], "--knockout", "-k", help="HGNC symbol to knock out (repeatable)."),
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    plasma: bool = PLASMA,
    context: str = CONTEXT,
    preincubation: float = PREINCUBATION,
    t_end: float = typer.Option(120.0, help="End time (min)."),
    points: int = typer.Option(None, help="Number of output time points (default: one per minute)."),
    readout: list[str] = typer.Option([], "--readout", "-r", help=f"Readouts to keep (repeatable; default: all): "
                                                                  f"{READOUTS}."),
    out: Path = typer.Option(None, help="Write the time course here (.csv) and a figure beside it."),
    figure_format: FigureFormat = FORMAT,
):
    """Simulate one condition and print (or write) the time course.

    Example:

      jakstat simulate -c IL6='40 ng/mL' -d ruxolitinib=500 -k SOCS3 --out il6.csv
    """
    import jakstat_sbml as js

    _writable(out, folder=False)
    model = _load(context)
    drugs = {k: _dose(v) for k, v in _pairs(drug, "--drug").items()}
    if plasma:
        drugs = {k: js.plasma(v) for k, v in drugs.items()}
    cytokines = {k: _dose(v) for k, v in _pairs(cytokine, "--cytokine").items()}
    with _reported():
        df = model.simulate(
            cytokines=cytokines,
            drugs=drugs, knockouts=knockout, overexpress=_overexpress(overexpress),
            mutations=_mutations(mutation), preincubation=preincubation, t_end=t_end, points=points,
            readouts=readout or None)
    if out:
        _agg()
        from . import plots

        figure = out.with_suffix(f".{figure_format.value}")
        with _reported(out.parent):
            out.parent.mkdir(parents=True, exist_ok=True)
            df.to_csv(out, index=False)
            _save_figure(plots.time_course(df, given={**cytokines, **drugs}), figure)  # doses as the user gave them
        _wrote(out, figure)
    else:
        cols = ["time", *(readout or ["pSTAT1", "pSTAT3", "pSTAT5", "pSTAT6", "pSTAT4", "SOCS3_mRNA", "pJAK1"])]
        table = Table(*cols, title="nM (tx_*: 0-1), time in min")
        step = max(1, len(df) // 12)
        for _, row in df.iloc[::step][cols].iterrows():
            table.add_row(*(f"{0.0 if abs(v) < 1e-9 else v:.4g}" for v in row))
        console.print(table)


@app.command("dose-response")
def dose_response_command(
    cytokine: str = typer.Argument(..., help=f"Cytokine: {CYTOKINES}."),
    drug: str = typer.Option(None, "--drug", help=f"Inhibitor to titrate (IC50): {DRUGS}. Without it the "
                                                 "cytokine itself is titrated (EC50)."),
    readout: str = typer.Option(None, "--readout", "-r", help=f"Readout (default: the cytokine's main one: "
                                                              f"{MAIN_READOUTS})."),
    doses: str = typer.Option(None, help="Comma-separated doses, e.g. '1,10,100,1000' (nM) or "
                                         f"'0.01 ng/mL, 1 ng/mL'. Default: {DEFAULT_DOSES_TEXT}; "
                                         "1/1000-100x the standard dose for a cytokine."),
    time: float = TIME,
    window: str = WINDOW,
    cytokine_dose: str = typer.Option(None, help="Cytokine dose for a drug titration (default: standard dose)."),
    preincubation: float = PREINCUBATION,
    plasma: bool = PLASMA,
    knockout: list[str] = KNOCKOUT,
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    context: str = CONTEXT,
    out: Path = typer.Option(Path("."), help="Output folder for the CSV files and the figure."),
    figure_format: FigureFormat = FORMAT,
    n_jobs: int = N_JOBS,
):
    """Dose-response with a Hill fit: drug IC50 (--drug) or cytokine EC50.

    Writes <name>.csv (dose, response), <name>_fit.csv (IC50 or EC50
    with 95% CI, Hill slope, max effect) and a figure. Examples:

      jakstat dose-response IL6 --drug ruxolitinib --doses 1,10,100,1000,10000

      jakstat dose-response IL2 --window 0,60
    """
    import jakstat_sbml as js

    _agg()
    _writable(out)
    model = _load(context)
    bg = _background(knockout, overexpress, mutation)
    kw = dict(time=time, window=_window(window), n_jobs=n_jobs, progress=True, **bg)
    with _reported(), _flags_printed_later():
        if drug:
            curve = js.dose_response(model, drug, cytokine, readout, doses=_doses(doses, "--doses"),
                                     cytokine_dose=None if cytokine_dose is None else _dose(cytokine_dose),
                                     preincubation=preincubation, plasma=plasma, **kw)
            name = f"dose_response_{curve.drug}_{curve.cytokine}_{curve.readout}"
            midpoint, label = curve.ic50, "IC50 (nM, free)"
        else:
            curve = js.cytokine_response(model, cytokine, readout, doses=_doses(doses, "--doses"),
                                         preincubation=preincubation, plasma=plasma, **kw)
            name = f"dose_response_{curve.cytokine}_{curve.readout}"
            midpoint, label = curve.ec50, "EC50 (nM)"
    import pandas as pd

    data, fit, figure = out / f"{name}.csv", out / f"{name}_fit.csv", out / f"{name}.{figure_format.value}"
    with _reported(out):
        out.mkdir(parents=True, exist_ok=True)
        curve.to_frame().to_csv(data, index=False)
        pd.DataFrame([curve.summary()]).to_csv(fit, index=False)
        _save_figure(curve.plot(), figure)
    flags = _flags(curve)
    _warn(flags)
    if flags:  # a number that cannot be trusted is not shown as one
        console.print(f"{label}: not determined ({escape('; '.join(flags))})", soft_wrap=True)
    elif curve.fit:
        lo, hi = curve.fit.ic50_ci
        console.print(f"{label}: {midpoint:.4g}  (95% CI {lo:.4g}-{hi:.4g}), Hill slope {curve.slope:.3g}")
    else:
        console.print(f"{label}: no fit (the response changes by less than 5% over these doses)")
    _wrote(data, fit, figure)


@app.command()
def screen(
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help=f"Cytokine at its standard dose (repeatable; "
                                                                    f"default all of {CYTOKINES})."),
    readout: list[str] = typer.Option([], "--readout", "-r", help="Readout measured for every cytokine "
                                                                  f"(repeatable; default each cytokine's main one: "
                                                                  f"{MAIN_READOUTS})."),
    gene: list[str] = typer.Option([], "--gene", "-g", help="Genes to knock out (repeatable; default every gene)."),
    window: str = typer.Option("0,120", help="AUC window START,END (min)."),
    knockout: list[str] = typer.Option([], "--knockout", "-k", help="Background knockout shared by wild type "
                                                                    "and every screened knockout (repeatable)."),
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    context: str = CONTEXT,
    out: Path = typer.Option(Path("."), help="Output folder."),
    figure_format: FigureFormat = FORMAT,
    n_jobs: int = N_JOBS,
):
    """Knockout screen: log2 fold change of each readout's AUC per gene.

    Every gene (or --gene) is knocked out under every cytokine (or
    --cytokine) and compared with wild type.

    Writes knockout_screen.csv (long: AUCs and log2 fold change),
    knockout_screen_log2fc.csv (gene x cytokine/readout matrix) and a
    heatmap. Example:

      jakstat screen -c IL2 -c IL6 --window 0,60
    """
    import jakstat_sbml as js

    _agg()
    _writable(out)
    model = _load(context)
    with _reported(), _flags_printed_later():
        result = js.knockout_screen(model, cytokines=cytokine or None, readouts=readout or None,
                                    genes=gene or None, window=_window(window), n_jobs=n_jobs, progress=True,
                                    **_background(knockout, overexpress, mutation))
    long, wide_path, figure = (out / "knockout_screen.csv", out / "knockout_screen_log2fc.csv",
                               out / f"knockout_screen.{figure_format.value}")
    with _reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.effects.to_csv(long, index=False)
        wide = result.table
        wide.columns = [f"{c}/{r}" for c, r in wide.columns]
        wide.to_csv(wide_path)
        _save_figure(result.plot(), figure)
    hits = result.hits(1.0)
    _warn(_flags(result))
    console.print(f"{len(result.effects)} gene x cytokine/readout effects; {len(hits)} with a >= 2-fold change")
    _wrote(long, wide_path, figure)


@app.command()
def combine(
    drug_a: str = typer.Argument(..., help=f"First drug (rows of the grid): {DRUGS}."),
    drug_b: str = typer.Argument(..., help=f"Second drug (columns of the grid): {DRUGS}."),
    cytokine: str = typer.Argument(..., help=f"Cytokine at its standard dose (or --cytokine-dose): {CYTOKINES}."),
    readout: str = typer.Option(None, "--readout", "-r", help=f"Readout (default: the cytokine's main one: "
                                                              f"{MAIN_READOUTS})."),
    doses_a: str = typer.Option("10,100,1000,10000", help="Comma-separated doses of drug A (0 is added)."),
    doses_b: str = typer.Option("10,100,1000,10000", help="Comma-separated doses of drug B (0 is added)."),
    time: float = TIME,
    window: str = WINDOW,
    cytokine_dose: str = typer.Option(None, help="Cytokine dose (default: standard dose)."),
    preincubation: float = PREINCUBATION,
    plasma: bool = PLASMA,
    knockout: list[str] = KNOCKOUT,
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    context: str = CONTEXT,
    out: Path = typer.Option(Path("."), help="Output folder."),
    figure_format: FigureFormat = FORMAT,
    n_jobs: int = N_JOBS,
):
    """Two drugs on a dose grid: Bliss, Loewe and HSA synergy maps.

    Scores are observed minus expected fractional inhibition (positive
    = synergy): Bliss expects independent action, Loewe dose
    additivity, HSA the better single agent. Writes
    combination_<A>_<B>_<cytokine>_<readout>.csv (one row per grid
    cell) and a figure. Example:

      jakstat combine ruxolitinib pimozide IL2 --doses-b 1000,3000,10000,30000
    """
    import jakstat_sbml as js

    _agg()
    _writable(out)
    model = _load(context)
    with _reported(), _flags_printed_later():
        result = js.combination(model, drug_a, drug_b, cytokine, readout, doses_a=_doses(doses_a, "--doses-a"),
                                doses_b=_doses(doses_b, "--doses-b"), time=time, window=_window(window),
                                cytokine_dose=None if cytokine_dose is None else _dose(cytokine_dose),
                                preincubation=preincubation, plasma=plasma, n_jobs=n_jobs, progress=True,
                                **_background(knockout, overexpress, mutation))
    name = f"combination_{result.drug_a}_{result.drug_b}_{result.cytokine}_{result.readout}"
    data, figure = out / f"{name}.csv", out / f"{name}.{figure_format.value}"
    with _reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(data, index=False)
        _save_figure(result.plot(), figure)
    _warn(_flags(result))
    scores = result.scores()
    console.print("mean excess over the grid (positive = synergy): "
                  + ", ".join(f"{k} {v:+.3f}" for k, v in scores.items()), soft_wrap=True)
    _wrote(data, figure)


@app.command()
def contexts():
    """List the cell contexts."""
    from . import catalog

    for name in catalog.contexts():
        console.print(f"[bold]{name}[/bold]: {escape(catalog.context(name).description)}")


@app.command()
def report(out: Path = typer.Option(Path("report"), help="Output folder."),
           context: str = CONTEXT, figure_format: FigureFormat = FORMAT, n_jobs: int = N_JOBS):
    """Write the report folder (what `make demo` runs).

    Time courses for every cytokine, cytokine EC50s, drug IC50 curves
    and table, the knockout-screen heatmap, a drug combination map and
    the mutations, with an index page (index.md) tying them together.
    """
    _agg()
    from . import report as rep

    _writable(out)
    model = _load(context)
    steps = rep.steps()
    with _reported(out):
        with _progress() as progress:
            task = progress.add_task("report", total=len(steps))

            def tick(label: str) -> None:
                progress.update(task, advance=1, description=f"report: {label}")

            index = rep.write_report(model, out, figure_format=figure_format.value, progress=tick, n_jobs=n_jobs)
    _wrote(index)


class Stimulation(str, Enum):
    continuous = "continuous"
    ex_vivo = "ex-vivo"


@app.command("regimen")
def regimen_command(
    drug: str = typer.Argument(..., help=f"Drug: {DRUGS}."),
    dose: str = typer.Argument(..., help="Oral dose per intake, e.g. 20mg or '20 mg' (a number is mg)."),
    every: str = typer.Option("12h", "--every", help="Dosing interval, e.g. 12h, 24h, '1 day' (a number is h)."),
    days: float = typer.Option(5.0, "--days", help="Days of dosing; the last dosing interval is summarised."),
    formulation: str = typer.Option("IR", help="IR (immediate release) or XR (tofacitinib 11 mg once daily)."),
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help=f"NAME or NAME=DOSE (repeatable; default every "
                                                                    f"cytokine at its standard dose: {CYTOKINES})."),
    stimulation: Stimulation = typer.Option(Stimulation.continuous, help="continuous: cytokine on throughout the "
                                            "regimen; ex-vivo: blood drawn every 30 min and stimulated 15 min."),
    knockout: list[str] = KNOCKOUT,
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    context: str = CONTEXT,
    out: Path = typer.Option(Path("."), help="Output folder for the CSV files and the figure."),
    figure_format: FigureFormat = FORMAT,
):
    """Oral dosing regimen: plasma concentration over days and the inhibition of each pathway.

    Writes <name>_summary.csv (per pathway: time-averaged, trough and maximal
    inhibition, fraction of the last interval above 50 % and 90 %, hours after the
    dose of the maximum, plasma exposure), <name>_timecourses.csv and a figure.
    Examples:

      jakstat regimen ruxolitinib 20mg --every 12h --days 5

      jakstat regimen tofacitinib 11mg --every 24h --formulation XR -c IL2 -m STAT5B_N642H
    """
    import jakstat_sbml as js

    _agg()
    _writable(out)
    model = _load(context)
    bg = _background(knockout, overexpress, mutation)
    stimuli = None
    if cytokine:
        stimuli = {}
        for item in cytokine:
            name, _, value = item.partition("=")
            stimuli[name.strip()] = _dose(value.strip()) if value else catalog.cytokine(name.strip()).standard_dose
    with _reported(), _flags_printed_later():
        reg = js.regimen(drug, _dose(dose), every=_dose(every), days=days, formulation=formulation)
        with _progress() as bar:
            result = js.exposure_response(model, reg, stimuli, stimulation=stimulation.value.replace("-", " "),
                                          progress=bar, **bg)
    name = f"regimen_{reg.drug}_{reg.dose_mg:g}mg_every_{reg.interval_h:g}h{'_XR' if reg.formulation == 'XR' else ''}"
    summary, courses = out / f"{name}_summary.csv", out / f"{name}_timecourses.csv"
    figure = out / f"{name}.{figure_format.value}"
    with _reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(summary, index=False)
        result.time_courses.to_csv(courses, index=False)
        _save_figure(result.plot(), figure)
    table = Table(title=f"{reg}, context {model.context!r}, {result.stimulation} stimulation; last interval")
    for column in ("pathway", "mean", "above 50%", "above 90%", "trough", "max", "h to max"):
        table.add_column(column, justify="left" if column == "pathway" else "right")
    for _, row in result.table.iterrows():
        table.add_row(row.pathway, *(f"{100 * row[c]:.0f}%" for c in
                                     ("mean_inhibition", "fraction_above_50", "fraction_above_90",
                                      "trough_inhibition", "max_inhibition")), f"{row.hours_to_max_inhibition:.1f}")
    console.print(table)
    _warn(_flags(result))
    _wrote(summary, courses, figure)


@app.command("export")
def export_command(
    format_: str = typer.Argument(..., metavar="FORMAT", help="sbml (.xml), copasi (.cps), omex (.omex) or petab "
                                                             "(a folder)."),
    path: Path = typer.Argument(..., help="File to write (a folder for petab); an existing one is replaced."),
    cytokine: list[str] = CYTOKINE_DOSES,
    drug: list[str] = DRUG_DOSES,
    knockout: list[str] = typer.Option([], "--knockout", "-k", help="HGNC symbol to knock out (repeatable)."),
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    plasma: bool = PLASMA,
    context: str = CONTEXT,
    preincubation: float = PREINCUBATION,
    t_end: float = typer.Option(120.0, help="End time of the exported time-course tasks (min)."),
    points: int = typer.Option(None, help="Output time points of those tasks (default: one per minute)."),
    dataset: str = typer.Option(None, help=f"petab only: the data, {PETAB_DATASETS}."),
):
    """Write the model in one condition for other tools: SBML, COPASI, COMBINE/OMEX or PEtab.

    Knockouts, doses and the context become parameter values in the file and the
    species start at the condition's time-0 state. See docs/copasi.md.

    Examples:

      jakstat export sbml il6_rux.xml -c IL6='40 ng/mL' -d ruxolitinib=500

      jakstat export copasi il6.cps -c IL6='40 ng/mL' -k SOCS3

      jakstat export omex jakstat.omex

      jakstat export petab sobotta --context hepatocyte
    """
    import jakstat_sbml as js
    from .interop import export

    model = _load(context)
    drugs = {k: _dose(v) for k, v in _pairs(drug, "--drug").items()}
    if plasma:
        drugs = {k: js.plasma(v) for k, v in drugs.items()}
    with _reported():
        written = export(model, path, format_, dataset=dataset,
                         cytokines={k: _dose(v) for k, v in _pairs(cytokine, "--cytokine").items()},
                         drugs=drugs, knockouts=knockout, overexpress=_overexpress(overexpress),
                         mutations=_mutations(mutation), preincubation=preincubation, t_end=t_end, points=points)
    _wrote(written)


@app.command("calibrate")
def calibrate_command(
    dataset: str = typer.Argument(..., help=f"{', '.join(ALL_DATASETS)}, or all."),
    out: Path = typer.Option(Path("calibration"), help="Results go to OUT/<dataset>/ (and OUT/summary.tsv)."),
    starts: int = typer.Option(None, help="Multi-start size (default: the dataset's full budget; start 0 is "
                                          "the context's current values)."),
    n_jobs: int = typer.Option(2, "--n-jobs", "-j", help="Worker processes for the starts."),
    max_nfev: int = typer.Option(None, help="Least-squares iterations per start (default: the dataset's)."),
    store: bool = typer.Option(False, "--store", help="Make the best values the context's defaults "
                                                       "(models/contexts.tsv)."),
    rewrite: bool = typer.Option(False, "--rewrite", help="Fit nothing: rewrite OUT/<dataset> from its multi-start "
                                                           "table at the stored values (after changing plots)."),
):
    """Fit the model to a published dataset and compare with the published model's fit.

    Writes the objective table (ours vs published: -log L, chi2, n), fitted
    parameters with identifiability, the multi-start table and plots of the data
    with both fits. Boehm 2014 and Bachmann 2011 need an Epo receptor our network
    lacks: their published models are evaluated and the README says why.

    Examples:

      jakstat calibrate Raia_CancerResearch2011 --starts 4

      jakstat calibrate all --store --out docs/calibration   (the full calibration)
    """
    _agg()
    _require("petab", "calibration")
    _writable(out)
    from . import calibration as cal

    names = list(cal.ALL_DATASETS) if dataset == "all" else [dataset]
    command = "jakstat calibrate " + " ".join(
        [dataset, f"--out {out}"] + ([f"--starts {starts}"] if starts else []) + [f"-j {n_jobs}"]
        + ([f"--max-nfev {max_nfev}"] if max_nfev else []) + (["--store"] if store else []))
    with _reported(out):
        if store:
            from . import catalog

            catalog.writable_models_dir()  # fail before fitting: an installed package is never written into
        for name in names:
            total = cal.DATASETS[name].starts if name in cal.DATASETS and starts is None else (starts or 1)
            with _progress() as progress:
                task = progress.add_task(f"{name}: starts", total=total if name in cal.DATASETS else 1)

                def tick(start) -> None:
                    progress.update(task, advance=1, description=f"{name}: start {start.start} "
                                                                 f"-log L {start.nllh:.2f}")

                folder = cal.run_dataset(name, out, starts=starts, n_jobs=n_jobs, max_nfev=max_nfev, store=store,
                                         rewrite=rewrite, progress=tick, command=command)
                progress.update(task, completed=progress.tasks[0].total)
            _wrote(folder)
        table = cal.summary(out)
    shown = Table("dataset", "ours -log L", "ours chi2", "published -log L", "published chi2", "n", "chi2 ratio",
                  "status")
    for _, r in table.iterrows():
        shown.add_row(r["dataset"], f"{r['ours_nllh']:.2f}", f"{r['ours_chi2']:.1f}", f"{r['published_nllh']:.2f}",
                      f"{r['published_chi2']:.1f}", str(r["n"]), f"{r['chi2_ratio']:.3f}", r["status"])
    console.print(shown)
    _wrote(Path(out) / "summary.tsv")


@app.command("sensitivity")
def sensitivity_command(
    prediction: list[str] = typer.Argument(..., help="ic50:DRUG:CYTOKINE[:READOUT], knockout:GENE:CYTOKINE[:READOUT] "
                                                     "(repeatable), or 'headline' (docs/uncertainty.md)."),
    method: str = typer.Option("morris", help="morris (every uncertain parameter) or sobol (first and total order)."),
    n: int = typer.Option(None, "--n", help="Morris trajectories (10) or Sobol base sample, a power of 2 (64)."),
    parameters: str = typer.Option(None, help="Comma-separated parameters to vary (default every uncertain one)."),
    top: int = typer.Option(None, help="Vary the TOP most important parameters of a Morris run (--morris)."),
    morris: Path = typer.Option(None, help="sensitivity_indices.csv of an earlier Morris run, for --top."),
    seed: int = typer.Option(0, help="Random seed of the design and the bootstrap intervals."),
    context: str = CONTEXT,
    out: Path = typer.Option(Path("sensitivity"), help="Output folder."),
    checkpoint: Path = typer.Option(None, help="Folder for finished chunks, resumed from (default OUT/checkpoints)."),
    chunk_size: int = typer.Option(16, help="Parameter sets per checkpointed chunk."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (tcp://host:8786) to run on a cluster."),
    n_jobs: int = N_JOBS,
    figure_format: FigureFormat = FORMAT,
):
    """Global sensitivity of predictions over the parameters' plausible ranges
    (models/parameters.tsv, log-uniform): Morris screening or Sobol indices.

    Writes sensitivity_indices.csv, sensitivity_samples.csv, sensitivity_censoring.csv
    and a figure; an interrupted run resumes from its checkpoint. Examples:

      jakstat sensitivity ic50:ruxolitinib:IL6 ic50:tofacitinib:IL2 --n 10 -j 2 --out out/morris

      jakstat sensitivity ic50:ruxolitinib:IL6 --method sobol --top 8 --morris out/morris/sensitivity_indices.csv
    """
    import jakstat_sbml as js
    from .uncertainty import top_parameters

    _agg()
    _require("SALib", "sensitivity analysis")
    _writable(out)
    chosen = [p.strip() for p in parameters.split(",") if p.strip()] if parameters else None
    with _reported():
        if top is not None and chosen:
            raise js.InputError("give --top (with --morris) or --parameters, not both")
        chosen = top_parameters(morris, top) if top is not None else chosen
    client = None
    if scheduler:
        _require("distributed", "Dask scale-out (--scheduler)")
        from distributed import Client

        with _reported():
            client = Client(scheduler)
    model = _load(context)
    try:
        with _reported(out), _progress() as progress:
            result = js.sensitivity(model, prediction, method=method, n=n, parameters=chosen, seed=seed,
                                    n_jobs=1 if client else n_jobs, client=client, chunk_size=chunk_size,
                                    checkpoint=checkpoint or out / "checkpoints", progress=progress)
            paths = result.save(out, figure_format.value)
    finally:
        if client is not None:
            client.close()
    _warn(result.flags)
    shown = Table("prediction", "top parameters" + (" (mu*)" if method == "morris" else " (ST)"))
    for name in result.predictions:
        ranked = result.ranking(name).head(3)
        shown.add_row(name, ", ".join(f"{r.parameter} {getattr(r, result.score):.3g}" for r in ranked.itertuples()))
    console.print(shown)
    console.print(f"{len(result.samples)} parameter sets, {result.simulations} simulations in {result.seconds:.1f} s; "
                  f"checkpoint chunks reused {result.chunks_reused}, computed {result.chunks_computed}")
    _wrote(*paths)


validate_app = typer.Typer(help="Check the model against measured data it was not built from.", no_args_is_help=True)
app.add_typer(validate_app, name="validate")


@validate_app.command("pharmacology")
def validate_pharmacology_command(
    out: Path = typer.Option(None, help="Also write OUT/pharmacology_validation.csv, a summary and a figure."),
    refit: bool = typer.Option(False, "--refit", help="First fit the cellular potency factors (one per drug) to "
                                                      "the rows marked 'fit' (a minute or two)."),
    store: bool = typer.Option(False, "--store", help="With --refit: write the fitted factors into "
                                                      "models/parameters.tsv and rebuild the SBML."),
    context: str = typer.Option(catalog.DEFAULT_CONTEXT, help="Also predict every drug's IC50 on each cytokine's "
                                                              f"main readout in this context ({CONTEXTS}; free "
                                                              "and total plasma)."),
    figure_format: FigureFormat = FORMAT,
):
    """Recompute every measured cellular / whole-blood IC50 with the model.

    Prints model vs measured (free nM) with the fold error of each row,
    the geometric-mean fold error (all rows, fit rows, test rows) and the
    worst row. Measured IC50s are converted to free drug with the plasma
    fraction unbound and blood-to-plasma ratio (data/pharmacology). Then
    prints the model's IC50s in --context (cytokine at its standard dose,
    drug 30 min before, readout at 20 min).
    Exit status 1 when the targets (GMFE <= 2, no row worse than 5x) are
    missed, 2 on bad input.

      jakstat validate pharmacology --out report
    """
    _agg()
    from . import catalog
    from . import pharmacology as ph

    _writable(out)
    factors = None
    with _reported():
        catalog.context(context)  # a bad --context fails before any simulation
        if store:
            catalog.writable_models_dir()  # and an installed package is never written into
        if refit:
            with _progress() as progress:
                task = progress.add_task("fit factors", total=None)

                def tick(calls: int, cost: float) -> None:
                    progress.update(task, advance=1, description=f"fit factors: evaluation {calls}, cost {cost:.4f}")

                fit = ph.fit_cellular_factors(progress=tick)
            factors = fit.factors
            for p, v in fit.factors.items():
                se = fit.log10_se[p]
                console.print(f"{p} = {v:.4g} (" + (f"SE of log10 {se:.2f}" if se == se else "one row: no SE") + ")"
                              + ("  [yellow]at its bound[/yellow]" if p in fit.at_bounds else ""))
            if store:
                from .build import build_sbml

                ph.store_factors(fit)
                build_sbml()  # the SBML carries the new defaults; models loaded from now on use them
                factors = None
        rows = ph.measurements()
        with _progress() as progress:
            task = progress.add_task("rows", total=len(rows))
            result = ph.validate_pharmacology(rows=rows, factors=factors,
                                              progress=lambda i: progress.update(task, advance=1,
                                                                                 description=f"row {i}"))
        predicted = ph.context_ic50s(_load(context))
    table = Table(caption="IC50 in nM: measured as added, x free fraction (fu) = measured free; "
                          "model free; fold error")
    table.add_column("row", no_wrap=True)
    for name in ("role", "added", "fu", "free", "model", "fold"):
        table.add_column(name, justify="left" if name == "role" else "right")
    for _, r in result.table.iterrows():
        fe = r["fold_error"]
        colour = "green" if fe <= 2 else ("yellow" if fe <= 5 else "red")
        table.add_row(r["id"], r["role"], f"{r['measured_nM']:.3g}", f"{r['free_fraction']:.3g}",
                      f"{r['measured_free_nM']:.3g}", f"{r['model_free_nM']:.3g}", f"[{colour}]{fe:.2f}[/{colour}]")
    console.print(table)
    s = result.summary()
    console.print(f"geometric-mean fold error {s['gmfe']:.2f} (fit rows {s['gmfe_fit']:.2f}, "
                  f"test rows {s['gmfe_test']:.2f}); worst row {s['worst_id']} ({s['worst_fold_error']:.2f}x); "
                  f"{s['within_2x']}/{s['rows']} within 2x, {s['within_5x']}/{s['rows']} within 5x")
    drugs = list(dict.fromkeys(predicted["drug"]))
    shown = Table(caption=f"model IC50 (nM) in context {context}, free and total plasma ("
                          + ", ".join(f"{d[:4]} = {d}" for d in drugs) + "); '-': not half-inhibited below "
                          f"{ph.PREDICTION_MAX_NM:g} nM free, or no response in this context")
    shown.add_column("cytokine/readout", no_wrap=True)
    for d in drugs:
        for kind in ("free", "plasma"):
            shown.add_column(f"{d[:4]}\n{kind}", justify="right")
    for (c, r), g in predicted.groupby(["cytokine", "readout"], sort=False):
        cells = []
        for d in drugs:
            row = g[g["drug"] == d].iloc[0]
            ok = row["ic50_free_nM"] < float("inf")  # False for nan and inf
            cells += [f"{row['ic50_free_nM']:.3g}", f"{row['ic50_plasma_nM']:.3g}"] if ok else ["-", "-"]
        shown.add_row(f"{c}/{r}", *cells)
    console.print(shown)
    if out is not None:
        import pandas as pd

        csv, summary = out / "pharmacology_validation.csv", out / "pharmacology_validation_summary.csv"
        figure = out / f"pharmacology_validation.{figure_format.value}"
        predictions = out / f"predicted_ic50_{context}.csv"
        with _reported(out):
            out.mkdir(parents=True, exist_ok=True)
            result.to_frame().to_csv(csv, index=False)
            pd.DataFrame([s]).to_csv(summary, index=False)
            predicted.to_csv(predictions, index=False)
            _save_figure(result.plot(), figure)
        _wrote(csv, summary, predictions, figure)
    if not result.meets_targets:
        console.print(f"[yellow]targets missed: GMFE <= {ph.TARGET_GMFE:g} and every row within "
                      f"{ph.TARGET_WORST:g}x[/yellow]")
        raise typer.Exit(1)


@app.command()
def explore(
    out: Path = typer.Option(Path("map.html"), help="The HTML file to write (one self-contained page)."),
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help="Cytokine offered on the page at its standard "
                                                                    "dose (repeatable; default all seven)."),
    gene: list[str] = typer.Option([], "--gene", "-g", help="Knockout offered on the page (repeatable; default "
                                                            "every gene of the model)."),
    picture: Path = typer.Option(None, help="Also write the static map as PICTURE.png and PICTURE.svg "
                                            "(coloured by the first cytokine at 15 min)."),
    context: str = CONTEXT,
):
    """Interactive pathway map drawn from the model: one HTML file that opens offline.

    Nodes and edges are read from the SBML and the catalog; colours come from a
    precomputed grid (each cytokine alone, with each drug at three doses, with each
    gene knocked out) and the knockout screen. Hover a node for its identifiers and
    value; click nodes to plot their time course. Example:

      jakstat explore --out map.html -c IL2 -c IL6
    """
    _agg()
    from . import explore as ex
    from .files import install

    _writable(out, folder=False)
    if picture is not None:
        _writable(picture.with_suffix(".png"), folder=False)
    model = _load(context)
    with _reported(out.parent), _flags_printed_later():
        with _progress() as progress:
            task = progress.add_task("simulations", total=None)
            data = ex.explore_data(model, cytokines=cytokine or None, knockouts=gene or None,
                                   progress=lambda done, total: progress.update(task, completed=done, total=total))
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            staged = ex.write_page(data, Path(tmp) / out.name)
            install(staged, out)
        written = [out]
        if picture is not None:
            written += ex.save_map(model, picture, cytokine=next(iter(data["cytokines"])))
    console.print(f"{len(data['graph']['nodes'])} nodes, {len(data['graph']['edges'])} edges, "
                  f"{len(data['conditions'])} simulations; {out.stat().st_size / 1e6:.2f} MB")
    _wrote(*written)


if __name__ == "__main__":
    app()
