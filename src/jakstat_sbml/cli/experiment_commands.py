"""Commands that run experiments on the model: simulate, dose-response, screen, combine,
contexts, report, explore (the dosing commands are in :mod:`.dosing_commands`)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from .. import catalog
from ..errors import refuse_repeats
from ..results import flags_text
from .common import (
    CONTEXT,
    CYTOKINE_DOSES,
    CYTOKINES,
    DEFAULT_DOSES_TEXT,
    DRUG_DOSES,
    DRUGS,
    ENGINE,
    FORCE,
    FORMAT,
    KNOCKOUT,
    MAIN_READOUT,
    MAIN_READOUTS,
    MUTATION,
    N_JOBS,
    NegativeValues,
    OVEREXPRESS,
    PLASMA,
    PREINCUBATION,
    READOUTS,
    SIMULATION_KNOCKOUT,
    DRAWS,
    SEED,
    TIME,
    UNCERTAINTY,
    WINDOW,
    FigureFormat,
    app,
    background_keywords,
    check_interval_options,
    check_plasma,
    check_outputs,
    check_writable,
    command_line,
    condition_columns,
    condition_of,
    console,
    doses_nM,
    flags_of,
    interval_keywords,
    known_names,
    load_context_model,
    measure_settings,
    parse_dose,
    parse_doses,
    parse_mutations,
    parse_overexpress,
    parse_pairs,
    parse_window,
    present_cytokines,
    print_predictive_interval,
    print_wrote,
    progress_bar,
    record_outputs,
    reported,
    save_figure,
    use_agg,
    warn_flags,
)


@app.command(cls=NegativeValues)
def simulate(
    cytokine: list[str] = CYTOKINE_DOSES,
    drug: list[str] = DRUG_DOSES,
    knockout: list[str] = SIMULATION_KNOCKOUT,
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    plasma: bool = PLASMA,
    context: str = CONTEXT,
    preincubation: float = PREINCUBATION,
    t_end: float = typer.Option(120.0, help="End time (min)."),
    points: int = typer.Option(None, help="Number of output time points, evenly spaced from 0 to --t-end (default: "
                                          "--t-end rounded to whole minutes plus 1, at most 1001: one per minute "
                                          "when --t-end is a whole number)."),
    readout: list[str] = typer.Option([], "--readout", "-r", help=f"Readouts to keep (repeatable; default: all): "
                                                                  f"{READOUTS}."),
    out: Path = typer.Option(None, help="Write the time course here (.csv) and a figure beside it."),
    figure_format: FigureFormat = FORMAT,
    ensemble: bool = typer.Option(False, "--ensemble", help="In a context calibrated to data (one with a "
                                  "stored ensemble): the optimum with low/high columns, the envelope over the "
                                  "calibration ensemble."),
    n_jobs: int = N_JOBS,
    force: bool = FORCE,
):
    """Simulate one condition and print (or write) the time course.

    Prints seven main readouts (or those -r names) at about a dozen time points; --out
    writes every readout at every point as CSV, with a figure beside it. Examples:

      jakstat simulate -c IL6='40 ng/mL' -d ruxolitinib=500 -k SOCS3 \\
          --out il6.csv

      jakstat simulate -c IL6='10 ng/mL' --context hepatocyte -r pSTAT3 \\
          --ensemble --out band.csv
    """
    import jakstat_sbml as js

    from .. import provenance

    check_writable(out, folder=False)
    if out is not None and out.suffix.lower() != ".csv":  # x.txt got CSV and x.png a figure, without a word
        raise typer.BadParameter(f"the time course is written as CSV: give a .csv name, not {out.name!r}",
                                 param_hint="--out")
    check_plasma(plasma, drug)
    drugs = {k: parse_dose(v) for k, v in parse_pairs(drug, "--drug").items()}
    cytokines = {k: parse_dose(v) for k, v in parse_pairs(cytokine, "--cytokine").items()}
    run = None
    if out:
        condition = condition_of(context, knockout=knockout, overexpress=overexpress, mutation=mutation,
                                 cytokines=cytokines, drugs=drugs, preincubation=preincubation, plasma=plasma)
        run = provenance.identity("ensemble band" if ensemble else "time course", condition,
                                  {"t_end": t_end, "points": points, "readouts": readout or "all"})
        check_outputs([out, out.with_suffix(f".{figure_format.value}"), provenance.sidecar(out.stem, out.parent)],
                      run, force)
    model = load_context_model(context)
    if plasma:
        drugs = {k: js.plasma(v) for k, v in drugs.items()}
    if ensemble:
        with reported():
            band = js.ensemble_band(
                model, readout or None, cytokines=cytokines, drugs=drugs, knockouts=knockout,
                overexpress=parse_overexpress(overexpress), mutations=parse_mutations(mutation),
                preincubation=preincubation, t_end=t_end, points=points, n_jobs=n_jobs)
        _print_band(band, out, figure_format, run, model)
        return
    with reported():
        df = model.simulate(
            cytokines=cytokines,
            drugs=drugs, knockouts=knockout, overexpress=parse_overexpress(overexpress),
            mutations=parse_mutations(mutation), preincubation=preincubation, t_end=t_end, points=points,
            readouts=readout or None)
    if out:
        use_agg()
        from .. import plots

        figure = out.with_suffix(f".{figure_format.value}")
        with reported(out.parent):
            out.parent.mkdir(parents=True, exist_ok=True)
            df.to_csv(out, index=False)
            save_figure(plots.time_course(df, given={**cytokines, **drugs}), figure)  # doses as the user gave them
        record = record_outputs(out.stem, out.parent, run, {
            out: "time course: time (min) and each readout (nM; tx_*: promoter activity 0-1)",
            figure: "figure of the time course"}, model)
        print_wrote(out, figure, record)
    else:
        cols = ["time", *(readout or ["pSTAT1", "pSTAT3", "pSTAT5", "pSTAT6", "pSTAT4", "SOCS3_mRNA", "pJAK1"])]
        shown = len(cols) - 1
        # a user took the seven columns for the whole output (an audit): say what is left out
        more = "" if readout else f"; {shown} of {len(df.columns) - 1} readouts: -r for others, --out writes all"
        promoters = "; tx_*: promoter activity 0-1" if any(c.startswith("tx_") for c in cols) else ""
        table = Table(*cols, title=f"nM{promoters}, time in min{more}")
        step = max(1, len(df) // 12)
        shown = sorted(set(range(0, len(df), step)) | {len(df) - 1})  # the last time point too
        for _, row in df.iloc[shown][cols].iterrows():
            table.add_row(*(f"{0.0 if abs(v) < 1e-9 else v:.4g}" for v in row))
        console.print(table)


def _print_band(band, out: Path | None, figure_format: FigureFormat, run: dict | None, model) -> None:
    frame = band.to_frame()
    if out:
        use_agg()
        figure = out.with_suffix(f".{figure_format.value}")
        with reported(out.parent):
            out.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(out, index=False)
            save_figure(band.plot(), figure)
        record = record_outputs(out.stem, out.parent, run, {
            out: f"time course over the calibration ensemble of {band.context}: optimum, low and high (nM)",
            figure: "figure of the ensemble band"}, model, result=(out, band))
        print_wrote(out, figure, record)
        return
    table = Table("time", "readout", "optimum", "low", "high",
                  title=f"{band.context}: envelope of {band.members} parameter sets ({band.dataset}), nM")
    for readout, part in frame.groupby("readout", sort=False):
        step = max(1, len(part) // 12)
        for _, row in part.iloc[::step].iterrows():
            table.add_row(f"{row['time']:.4g}", readout, *(f"{row[c]:.4g}" for c in ("value", "low", "high")))
    console.print(table)


@app.command("dose-response", cls=NegativeValues)
def dose_response_command(
    ctx: typer.Context,
    cytokine: str = typer.Argument(..., help=f"Cytokine: {CYTOKINES}."),
    drug: str = typer.Option(None, "--drug", help=f"Inhibitor to titrate (IC50): {DRUGS}. Without it the "
                                                 "cytokine itself is titrated (EC50)."),
    readout: str = MAIN_READOUT,
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
    engine: str = ENGINE,
    uncertainty: str = UNCERTAINTY,
    draws: int = DRAWS,
    seed: int = SEED,
    force: bool = FORCE,
):
    """Dose-response with a Hill fit: drug IC50 (--drug) or cytokine EC50.

    Writes <name>.csv (dose, response), <name>_fit.csv (IC50 or EC50,
    Hill slope, max effect, the Hill fit's precision, the condition; with
    --uncertainty the IC50's predictive interval, free and total plasma,
    and what it covers), a figure and <name>.provenance.json (how they
    were made). <name> carries what sets the condition apart (context,
    knockouts, mutations, overexpression). Examples:

      jakstat dose-response IL6 --drug ruxolitinib --doses 1,10,100,1000,10000

      jakstat dose-response IL6 --drug ruxolitinib --context hepatocyte \\
          --uncertainty all

      jakstat dose-response IL2 --window 0,60
    """
    import jakstat_sbml as js

    from .. import provenance

    use_agg()
    check_writable(out)
    check_interval_options(ctx, uncertainty)
    if uncertainty and not drug:
        raise typer.BadParameter("--uncertainty gives an IC50's predictive interval: it needs --drug",
                                 param_hint="--uncertainty")
    if plasma and not drug:  # a cytokine titration has no drug dose to mark
        raise typer.BadParameter("marks the drug's doses as total plasma: it needs --drug", param_hint="--plasma")
    with reported():
        stimulus = catalog.cytokine(cytokine)
        readout_name = catalog.readout(readout).name if readout else stimulus.main_readout
        drug_name = catalog.drug(drug).name if drug else None
    condition = condition_of(context, knockout=knockout, overexpress=overexpress, mutation=mutation,
                             cytokines={stimulus.name: cytokine_dose or stimulus.standard_dose} if drug else None,
                             preincubation=preincubation, plasma=plasma)
    tag = provenance.file_tag({**condition, "cytokines_nM": {}})  # the stimulus is in the name already
    name = (f"dose_response_{drug_name}_{stimulus.name}_{readout_name}{tag}" if drug
            else f"dose_response_{stimulus.name}_{readout_name}{tag}")
    run = provenance.identity("dose_response" if drug else "cytokine_response", condition, {
        "drug": drug_name, "cytokine": stimulus.name, "readout": readout_name,
        # (with a drug, the stimulus's dose is the condition's, in nM already)
        "doses": doses_nM(doses, "--doses", mass_kda=None if drug else stimulus.mass_kda, drug=drug_name),
        "plasma": plasma, **measure_settings(time, window),
        "uncertainty": uncertainty, **interval_keywords(uncertainty, draws, seed),
        "engine": engine})
    data, fit, figure = out / f"{name}.csv", out / f"{name}_fit.csv", out / f"{name}.{figure_format.value}"
    # with an interval: the band per dose and each draw's IC50, kept as the console and figure show them
    drawn = [out / f"{name}_band.csv", out / f"{name}_draws.csv"] if drug and uncertainty else []
    check_outputs([data, fit, figure, *drawn, provenance.sidecar(name, out)], run, force)
    model = load_context_model(context)
    bg = background_keywords(knockout, overexpress, mutation)
    kw = dict(time=time, window=parse_window(window), n_jobs=n_jobs, progress=True, engine=engine, **bg)
    with reported():
        if drug:
            curve = js.dose_response(model, drug, cytokine, readout, doses=parse_doses(doses, "--doses"),
                                     cytokine_dose=None if cytokine_dose is None else parse_dose(cytokine_dose),
                                     preincubation=preincubation, plasma=plasma,
                                     uncertainty=uncertainty or None, **interval_keywords(uncertainty, draws, seed),
                                     **kw)
            midpoint, label = curve.ic50, "IC50 (nM, free)"
        else:
            curve = js.cytokine_response(model, cytokine, readout, doses=parse_doses(doses, "--doses"),
                                         preincubation=preincubation, plasma=plasma, **kw)
            midpoint, label = curve.ec50, "EC50 (nM)"
    import pandas as pd

    with reported(out):
        out.mkdir(parents=True, exist_ok=True)
        curve.to_frame().to_csv(data, index=False)
        pd.DataFrame([{**curve.summary(), **condition_columns(condition)}]).to_csv(fit, index=False)
        save_figure(curve.plot(), figure)
        if drawn:
            curve.uncertainty.band_frame().to_csv(drawn[0], index=False)
            curve.uncertainty.to_frame().to_csv(drawn[1], index=False)
    record = record_outputs(name, out, run, {
        data: "dose-response: each dose and the readout's response", fit: f"Hill fit: {label}, its fit precision, "
        "slope, max effect, flags, the predictive interval when asked for, and the condition",
        figure: "figure of the dose-response and its fit",
        **({drawn[0]: "per dose (nM free): the predicted inhibition's median and interval over the draws, with what "
                      "the interval covers",
            drawn[1]: "per draw: its IC50 free, as total plasma and as added to whole blood (nM), and its fraction "
                      "unbound"} if drawn else {})}, model, engine, result=(data, curve))
    flags = flags_of(curve)
    warn_flags(flags)
    bound = curve.ic50_bound if drug else None
    # a drug's IC50 in total plasma terms too, as its interval is printed (a pharmacologist's unit)
    plasma_text = f" ({curve.ic50_plasma:.4g} total plasma)" if drug and math.isfinite(midpoint) else ""
    if flags:  # a number that cannot be trusted is NaN, not shown as one; a bound the doses give is
        if math.isfinite(midpoint):  # kept by the fit, with its caveats beside it (as in Python and the CSV)
            shown = f"{midpoint:.4g}{plasma_text}, Hill slope {curve.slope:.3g}"
        elif bound:
            shown = f"{bound[0]} {bound[1]:.4g}, a bound from the doses tested"
        else:
            shown = "not determined"
        console.print(f"{label}: {shown} ({escape('; '.join(flags))})", soft_wrap=True)
    elif curve.fit:
        console.print(f"{label}: {midpoint:.4g}{plasma_text}, Hill slope {curve.slope:.3g}")
    else:
        console.print(f"{label}: no fit (the response changes by less than 5% over these doses)")
    if drug and curve.uncertainty is not None:
        print_predictive_interval(curve)
    elif curve.fit and not flags:
        lo, hi = curve.fit.ic50_fit_precision
        what = "IC50" if drug else "EC50"
        console.print(f"  Hill-fit precision of the simulated doses {lo:.4g}-{hi:.4g} nM: not the {what}'s "
                      "uncertainty" + (" (--uncertainty gives its predictive interval)" if drug else ""))
    print_wrote(data, fit, figure, *drawn, record)


@app.command(cls=NegativeValues)
def screen(
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help=f"Cytokine at its standard dose (repeatable; "
                                                                    f"default each of {CYTOKINES} that the context "
                                                                    "signals through)."),
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
    engine: str = ENGINE,
    force: bool = FORCE,
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

    from .. import provenance

    use_agg()
    check_writable(out)
    condition = condition_of(context, knockout=knockout, overexpress=overexpress, mutation=mutation)
    known_names(cytokines=cytokine, readouts=readout, genes=gene)  # before the overwrite check: the error to report
    name = f"knockout_screen{provenance.file_tag(condition)}"
    run = provenance.identity("knockout_screen", condition, {
        "cytokines": cytokine or "each the context signals through", "readouts": readout or "main",
        "genes": gene or "all", "window": parse_window(window), "engine": engine})
    long, wide_path, figure = out / f"{name}.csv", out / f"{name}_log2fc.csv", out / f"{name}.{figure_format.value}"
    check_outputs([long, wide_path, figure, provenance.sidecar(name, out)], run, force)
    model = load_context_model(context)
    with reported():
        result = js.knockout_screen(model, cytokines=cytokine or present_cytokines(model, n_jobs),
                                    readouts=readout or None,
                                    genes=gene or None, window=parse_window(window), n_jobs=n_jobs, progress=True,
                                    engine=engine, **background_keywords(knockout, overexpress, mutation))
    with reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.effects.to_csv(long, index=False)
        wide = result.table
        wide.columns = [f"{c}/{r}" for c, r in wide.columns]
        wide.to_csv(wide_path)
        save_figure(result.plot(), figure)
    record = record_outputs(name, out, run, {
        long: "every gene x cytokine/readout: AUC of wild type and knockout (auc_unit) and log2 fold change "
              "of AUC + 1% of the wild type's (a floor: a lost response is -6.66, not minus infinity)",
        wide_path: "gene x cytokine/readout matrix of log2 fold changes", figure: "heatmap of the log2 fold changes"},
        model, engine, result=(long, result))
    warn_flags(flags_of(result))
    _print_gains_and_losses(result)
    print_wrote(long, wide_path, figure, record)


def _print_gains_and_losses(result) -> None:
    """The knockouts that lower a pathway's AUC at least 2-fold, strongest first, then those
    that raise it: gene, pathway, log2 fold change and both AUCs with their unit."""
    from ..experiments.knockout_screen import FLOOR_FRACTION

    lo, hi = result.window
    console.print(f"{len(result.effects)} gene x cytokine/readout effects (AUC {lo:g}-{hi:g} min vs wild type); "
                  f"log2 fold change of (AUC + f) with the floor f = {FLOOR_FRACTION:g} x the wild type's, so that a "
                  f"lost response stays finite (-6.66 is total loss)", soft_wrap=True)
    for kind, rows, verb in (("losses", result.losses(1.0), "lower"), ("gains", result.gains(1.0), "raise")):
        one = len(rows) == 1
        console.print(f"{kind}: {len(rows)} knockout{'' if one else 's'} that {verb}{'s' if one else ''} the AUC "
                      f"{lo:g}-{hi:g} min at least 2-fold "
                      f"(gene, pathway, log2 fold change, AUC wild type -> knockout)", soft_wrap=True)
        for _, row in rows.iterrows():
            console.print(f"  {row.gene}  {row.cytokine}/{row.readout}  {row.log2_fold_change:+.2f}  "
                          f"{row.auc_wild_type:.4g} -> {row.auc_knockout:.4g} {row.auc_unit}", soft_wrap=True)


@app.command(cls=NegativeValues)
def combine(
    ctx: typer.Context,
    drug_a: str = typer.Argument(..., help=f"First drug (rows of the grid): {DRUGS}."),
    drug_b: str = typer.Argument(..., help=f"Second drug (columns of the grid): {DRUGS}."),
    cytokine: str = typer.Argument(..., help=f"Cytokine at its standard dose (or --cytokine-dose): {CYTOKINES}."),
    readout: str = MAIN_READOUT,
    doses_a: str = typer.Option(None, help="Comma-separated doses of drug A (0 is added). Default: 1/10, 1/3, 1, 3 "
                                           "and 10 times drug A's own IC50 on this cytokine and readout (free nM, "
                                           "from its dose-response, simulated first)."),
    doses_b: str = typer.Option(None, help="Comma-separated doses of drug B (0 is added). Default: as for A."),
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
    engine: str = ENGINE,
    uncertainty: str = UNCERTAINTY,
    draws: int = typer.Option(200, "--draws", help="Draws of the predictive interval (at least 20; each is a full "
                                                   "grid of simulations: 200 of the default 6 x 6 grid take a few "
                                                   "minutes on one core, -j spreads them)."),
    seed: int = SEED,
    force: bool = FORCE,
):
    """Two drugs on a dose grid: Bliss, Loewe and HSA synergy maps.

    Scores are observed minus expected fractional inhibition: Bliss
    expects independent action, Loewe dose additivity, HSA the better
    single agent. Each gets a verdict (synergistic, additive or
    antagonistic) against the larger of its additivity band, the excess
    the numbers can resolve, and 0.05, the smallest excess counted, from
    the mean over the cells where neither drug alone
    inhibits by 90% or more, and its largest excess with the doses
    where it occurs. Writes
    combination_<A>_<B>_<cytokine>_<readout>.csv (one row per grid
    cell) and a figure. With --uncertainty each score's mean excess gets
    a predictive interval and the share of draws per verdict, written to
    combination_<A>_<B>_<cytokine>_<readout>_intervals.csv with what the
    interval covers. Examples:

      jakstat combine ruxolitinib pimozide IL2

      jakstat combine ruxolitinib tofacitinib IL6 --doses-a 1,3,10,30 \\
          --doses-b 10,30,100,300
    """
    import jakstat_sbml as js

    from .. import provenance

    use_agg()
    check_writable(out)
    check_interval_options(ctx, uncertainty)
    with reported():
        a, b, stimulus = catalog.drug(drug_a).name, catalog.drug(drug_b).name, catalog.cytokine(cytokine)
        readout_name = catalog.readout(readout).name if readout else stimulus.main_readout
    condition = condition_of(context, knockout=knockout, overexpress=overexpress, mutation=mutation,
                             cytokines={stimulus.name: cytokine_dose or stimulus.standard_dose},
                             preincubation=preincubation, plasma=plasma)
    name = f"combination_{a}_{b}_{stimulus.name}_{readout_name}{provenance.file_tag({**condition, 'cytokines_nM': {}})}"
    run = provenance.identity("combination", condition, {
        "drug_a": a, "drug_b": b, "cytokine": stimulus.name, "readout": readout_name,
        "doses_a": doses_nM(doses_a, "--doses-a", drug=a), "doses_b": doses_nM(doses_b, "--doses-b", drug=b),
        "plasma": plasma, **measure_settings(time, window),
        "engine": engine,
        "uncertainty": uncertainty, **interval_keywords(uncertainty, draws, seed)})
    data, figure = out / f"{name}.csv", out / f"{name}.{figure_format.value}"
    intervals, verdicts = out / f"{name}_intervals.csv", out / f"{name}_synergy.csv"
    check_outputs([data, verdicts, figure, *([intervals] if uncertainty else []), provenance.sidecar(name, out)],
                  run, force)
    model = load_context_model(context)
    with reported():
        result = js.combination(model, drug_a, drug_b, cytokine, readout, doses_a=parse_doses(doses_a, "--doses-a"),
                                doses_b=parse_doses(doses_b, "--doses-b"), time=time, window=parse_window(window),
                                cytokine_dose=None if cytokine_dose is None else parse_dose(cytokine_dose),
                                preincubation=preincubation, plasma=plasma, uncertainty=uncertainty or None,
                                **interval_keywords(uncertainty, draws, seed),
                                n_jobs=n_jobs, progress=True, engine=engine,
                                **background_keywords(knockout, overexpress, mutation))
    with reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(data, index=False)
        # the verdicts the console prints, kept: they were in no file (an audit)
        result.synergy().reset_index().assign(flags=flags_text(flags_of(result))).to_csv(verdicts, index=False)
        if result.uncertainty is not None:
            result.interval_frame().to_csv(intervals, index=False)
        save_figure(result.plot(), figure)
    described = {data: "dose grid: free doses of both drugs (nM), response, effect, Bliss/Loewe/HSA excess per cell",
                 verdicts: "per score: mean excess over the unsaturated cells, additivity band, verdict, largest and "
                           "smallest excess and their free doses (nM), the result's flags",
                 figure: "inhibition and excess maps"}
    if result.uncertainty is not None:
        described[intervals] = ("per score: the draws' median of the mean excess, its predictive interval, the share "
                                "of draws per verdict, what the interval covers and its flags")
    record = record_outputs(name, out, run, described, model, engine,
                            extra={p.name: {"flags": list(flags_of(result))} for p in described},
                            result=(data, result))
    warn_flags(flags_of(result))
    _print_synergy(result)
    print_wrote(data, verdicts, *([intervals] if result.uncertainty is not None else []), figure, record)


def _print_synergy(result) -> None:
    """One line per score: the mean excess over the unsaturated cells, the additivity band,
    the verdict and the largest excess with the doses where it occurs."""
    from ..experiments.combination import SATURATION, threshold_text

    synergy = result.synergy()
    total = (result.doses_a.size - 1) * (result.doses_b.size - 1)
    if result.grid != "given":
        console.print(f"doses: {escape(result.grid)}", soft_wrap=True)
    console.print(f"excess = observed - expected inhibition (fraction); mean over the {int(synergy['cells'].max())} of "
                  f"{total} combination cells where neither drug alone inhibits by {SATURATION:.0%} or more:",
                  soft_wrap=True)
    for score, row in synergy.iterrows():
        mean = f"{row.mean_excess:+.3f}" if np.isfinite(row.mean_excess) else "n/a"
        band = threshold_text(row.additivity_band, row.excess_floor)
        where = (f"largest {row.max_excess:+.3f} at {result.drug_a} {row.max_at_dose_a_nM:g} nM + {result.drug_b} "
                 f"{row.max_at_dose_b_nM:g} nM free" if np.isfinite(row.max_excess) else "no excess on the grid")
        # "mean +0.058, additive within ±0.05: synergistic" read as a contradiction (a docs audit)
        console.print(f"  {score}: mean {mean} (additive band {band}): {row.verdict}; {where}", soft_wrap=True)
    if result.uncertainty is not None:
        console.print(f"over the draws ({escape(result.uncertainty_covers)}):", soft_wrap=True)
        for score, row in result.uncertainty.iterrows():
            undetermined = f", not determined in {row.not_determined:.0%}" if row.not_determined > 0 else ""
            envelope = not np.isfinite(row["level"])  # a calibration ensemble's members, each once
            drawn, kind = ("members", "envelope ") if envelope else ("draws", "")
            if not np.isfinite(row["median"]):
                spread = f"not determined in any {drawn[:-1]}"
            elif np.isfinite(row["low"]) and np.isfinite(row["high"]):
                spread = (f"median of the {int(row.draws)} {drawn} that give one {row['median']:+.3f} "
                          f"({kind}{row['low']:+.3f} to {row['high']:+.3f})")
            else:
                spread = (f"median of the {int(row.draws)} {drawn} that give one {row['median']:+.3f} "
                          "(too few for an interval)")
            console.print(f"  {score}: mean excess, {spread}; "
                          f"synergistic in {row.synergistic:.0%} of {drawn}, additive in {row.additive:.0%}, "
                          f"antagonistic in {row.antagonistic:.0%}{undetermined}", soft_wrap=True)
        if (result.uncertainty["not_determined"] > 0).any():
            console.print(f"  not determined: the draw left no score (no combination cell where neither drug alone "
                          f"inhibits by {SATURATION:.0%} or more, or no additivity band)", soft_wrap=True)


@app.command()
def contexts():
    """List the cell contexts."""
    from .. import catalog

    for name in catalog.contexts():
        console.print(f"[bold]{name}[/bold]: {escape(catalog.context(name).description)}")


@app.command(cls=NegativeValues)
def report(out: Path = typer.Option(Path("report"), help="Output folder."),
           context: str = CONTEXT, figure_format: FigureFormat = FORMAT, n_jobs: int = N_JOBS,
           force: bool = FORCE):
    """Write the report folder (what `make demo` runs).

    Time courses for every cytokine the context signals through,
    cytokine EC50s, drug IC50 curves with their predictive intervals and
    a table, the knockout-screen heatmap, the pathway map, a drug
    combination map, the mutations, the drugs' potency against measured
    data (with the stored cross-validation), the approved regimens with
    the PK's record, every drug compared, a virtual cohort and the
    calibrated contexts' ensemble intervals, with an index page
    (index.md) tying them together and report.provenance.json (how each
    file was made). A folder holding files of another report or not
    written by jakstat is kept unless --force.
    """
    use_agg()
    from .. import report as rep

    check_writable(out)
    with reported():
        run = rep.report_run(catalog.context(context).name, figure_format.value)
    if out.is_dir():
        check_outputs([p for p in out.iterdir() if p.is_file() and not p.name.startswith(".")], run, force)
    model = load_context_model(context)
    steps = rep.steps()
    with reported(out):
        with progress_bar() as progress:
            task = progress.add_task("report", total=len(steps))

            def tick(label: str) -> None:
                progress.update(task, advance=1, description=f"report: {label}")

            index = rep.write_report(model, out, figure_format=figure_format.value, progress=tick, n_jobs=n_jobs,
                                     command=command_line())
    print_wrote(index, out / "report.provenance.json")


@app.command(cls=NegativeValues)
def explore(
    out: Path = typer.Option(Path("map.html"), help="The HTML file to write (one self-contained page)."),
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help="Cytokine offered on the page at its standard "
                                                                    "dose (repeatable; default every one the context "
                                                                    "signals through)."),
    gene: list[str] = typer.Option([], "--gene", "-g", help="Knockout offered on the page (repeatable; default "
                                                            "every gene of the model)."),
    picture: Path = typer.Option(None, help="Also write the static map as PICTURE.png and PICTURE.svg "
                                            "(coloured by the first cytokine at 15 min)."),
    context: str = CONTEXT,
    force: bool = FORCE,
):
    """Interactive pathway map drawn from the model: one HTML file that opens offline.

    Nodes and edges are read from the SBML and the catalog; colours come from a
    precomputed grid (each cytokine alone, with each drug at three doses, with each
    gene knocked out) and the knockout screen. Hover a node for its identifiers and
    value; click nodes to plot their time course. Example:

      jakstat explore --out map.html -c IL2 -c IL6
    """
    use_agg()
    from .. import explore as ex
    from .. import provenance
    from ..files import install

    check_writable(out, folder=False)
    if out.suffix.lower() != ".html":  # x.png got an HTML page, without a word (an audit)
        raise typer.BadParameter(f"the map is one HTML page: give a .html name, not {out.name!r}", param_hint="--out")
    if picture is not None:
        check_writable(picture.with_suffix(".png"), folder=False)
    known_names(cytokines=cytokine, genes=gene)  # before the overwrite check: the error to report
    with reported():  # a name given twice simulated its grid twice (an audit)
        refuse_repeats([catalog.cytokine(c).name for c in cytokine], "--cytokine: cytokines")
        refuse_repeats([catalog.gene(g).symbol for g in gene], "--gene: genes")
    run = provenance.identity("pathway map", condition_of(context), {
        "cytokines": cytokine or "each the context signals through", "genes": gene or "all",
        "picture": picture is not None})  # where it goes does not change map.html
    pictures = [] if picture is None else [picture.with_suffix(".png"), picture.with_suffix(".svg")]
    check_outputs([out, provenance.sidecar(out.stem, out.parent)], run, force)
    check_outputs([*pictures, *(provenance.sidecar(p.stem, p.parent) for p in pictures[:1])], run, force,
                  option="--picture")
    model = load_context_model(context)
    with reported(out.parent):
        with progress_bar() as progress:
            task = progress.add_task("simulations", total=None)
            data = ex.explore_data(model, cytokines=cytokine or present_cytokines(model), knockouts=gene or None,
                                   progress=lambda done, total: progress.update(task, completed=done, total=total))
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            staged = ex.write_page(data, Path(tmp) / out.name)
            install(staged, out)
        written = [out]
        if picture is not None:
            written += ex.save_map(model, picture, cytokine=next(iter(data["cytokines"])))
    records = []
    for folder in dict.fromkeys(p.parent for p in written):  # one record per folder written into
        mine = [p for p in written if p.parent == folder]
        records.append(record_outputs(mine[0].stem, folder, run, {
            p: "interactive pathway map (one offline HTML page)" if p.suffix == ".html"
            else f"static pathway map coloured by {next(iter(data['cytokines']))} at 15 min" for p in mine}, model))
    screened = {g for c in data["screen"].values() for g in c["log2fc"]}
    console.print(f"{len(data['graph']['nodes'])} nodes, {len(data['graph']['edges'])} edges, "
                  f"{len(data['conditions'])} simulations of the grid, and the knockout screen's colours of every "
                  f"gene ({len(screened)}) on {len(data['screen'])} pathway{'' if len(data['screen']) == 1 else 's'}; {out.stat().st_size / 1e6:.2f} MB")
    print_wrote(*written, *records)
