"""Commands about dosing patients: regimen (one oral regimen), lowest-dose (dose finding),
compare-drugs (the JAK-inhibitor panel at its approved regimens) and trial (a virtual cohort)."""

from __future__ import annotations

import warnings
from enum import Enum
from pathlib import Path

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from .. import catalog
from ..errors import refuse_repeats
from .common import (
    CONTEXT,
    CYTOKINES,
    DRUGS,
    ENGINE,
    FORCE,
    FORMAT,
    FORMULATION,
    KNOCKOUT,
    MUTATION,
    N_JOBS,
    NegativeValues,
    OVEREXPRESS,
    DRAWS,
    SEED,
    UNCERTAINTY,
    FigureFormat,
    app,
    background_keywords,
    check_interval_options,
    check_outputs,
    check_writable,
    compact_nM,
    condition_of,
    console,
    first_clause,
    flags_of,
    interval_keywords,
    known_names,
    load_context_model,
    parse_covariates,
    parse_mutation_frequencies,
    parse_dose,
    present_cytokines,
    print_wrote,
    progress_bar,
    record_outputs,
    reported,
    save_figure,
    stimuli_nM,
    uncertainty_given,
    use_agg,
    warn_flags,
)


class Stimulation(str, Enum):
    continuous = "continuous"
    ex_vivo = "ex-vivo"


STIMULATION = typer.Option(Stimulation.continuous, help="continuous: cytokine on throughout the regimen; ex-vivo: "
                                                      "blood drawn every 30 min and stimulated 15 min.")


def percent(x) -> str:
    """A fraction as a whole percent; round() gives 0 for -0.4 where f"{-0.4:.0f}" gave "-0" ("4% (-0-60%)")."""
    return f"{round(100 * x):d}"


@app.command("regimen", cls=NegativeValues)
def regimen_command(
    ctx: typer.Context,
    drug: str = typer.Argument(..., help=f"Drug: {DRUGS}."),
    dose: str = typer.Argument(..., help="Oral dose per intake, e.g. 20mg or '20 mg' (a number is mg)."),
    every: str = typer.Option("12h", "--every", help="Dosing interval, e.g. 12h, 24h, '1 day' (a number is h), "
                                                      "or BID, QD, TID, q8h."),
    days: float = typer.Option(5.0, "--days", help="Days of dosing; the last dosing interval is summarised."),
    formulation: str = FORMULATION,
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help=f"NAME or NAME=DOSE (repeatable; default each "
                                                                    f"of {CYTOKINES} that the context signals "
                                                                    "through, at its standard dose)."),
    stimulation: Stimulation = STIMULATION,
    knockout: list[str] = KNOCKOUT,
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    context: str = CONTEXT,
    out: Path = typer.Option(Path("."), help="Output folder for the CSV files and the figure."),
    figure_format: FigureFormat = FORMAT,
    uncertainty: str = UNCERTAINTY,
    draws: int = DRAWS,
    seed: int = SEED,
    n_jobs: int = N_JOBS,
    engine: str = ENGINE,
    force: bool = FORCE,
):
    """Oral dosing regimen: plasma concentration over days and the inhibition of each pathway.

    Writes <name>_summary.csv (per pathway: time-averaged, trough and maximal
    inhibition, fraction of the last interval above 50 % and 90 %, hours after the
    dose of the maximum, plasma exposure), <name>_timecourses.csv and a figure.
    Examples:

      jakstat regimen ruxolitinib 20mg --every 12h --days 5

      jakstat regimen tofacitinib 11mg --every 24h --formulation XR -c IL2 \\
          -m STAT5B_N642H
    """
    import jakstat_sbml as js

    from .. import provenance
    from ..potency.draws import as_uncertainty

    use_agg()
    check_writable(out)
    check_interval_options(ctx, uncertainty)
    with reported():
        reg = js.regimen(drug, parse_dose(dose), every=parse_dose(every), days=days, formulation=formulation)
        as_uncertainty(uncertainty or None, **interval_keywords(uncertainty, draws, seed),
                       context=catalog.context(context).name)  # before any work
        stimuli = None
        if cytokine:
            stimuli = {}
            for item in cytokine:
                key, _, value = item.partition("=")
                if key.strip() in stimuli:
                    raise js.InputError(f"--cytokine gives {key.strip()} twice: give it once")
                stimuli[key.strip()] = (parse_dose(value.strip()) if value
                                        else catalog.cytokine(key.strip()).standard_dose)
    condition = condition_of(context, knockout=knockout, overexpress=overexpress, mutation=mutation)
    name = (f"regimen_{reg.drug}_{reg.dose_mg:g}mg_every_{reg.interval_h:g}h{'_XR' if reg.formulation == 'XR' else ''}"
            f"{provenance.file_tag(condition)}")
    run = provenance.identity("exposure_response", condition, {
        "regimen": reg.as_dict(), "days": days,
        "cytokines": stimuli_nM(stimuli) if stimuli else "each the context signals through",
        "stimulation": stimulation.value, "uncertainty": uncertainty, **interval_keywords(uncertainty, draws, seed),
        "engine": engine})
    summary, courses = out / f"{name}_summary.csv", out / f"{name}_timecourses.csv"
    figure = out / f"{name}.{figure_format.value}"
    check_outputs([summary, courses, figure, provenance.sidecar(name, out)], run, force)
    model = load_context_model(context)
    bg = background_keywords(knockout, overexpress, mutation)
    if not cytokine:
        stimuli = present_cytokines(model)
    with reported():
        with progress_bar() as bar:
            result = js.exposure_response(model, reg, stimuli, stimulation=stimulation.value.replace("-", " "),
                                          uncertainty=uncertainty or None,
                                          **interval_keywords(uncertainty, draws, seed), n_jobs=n_jobs, engine=engine,
                                          progress=bar, **bg)
    with reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(summary, index=False)
        result.time_courses.to_csv(courses, index=False)
        save_figure(result.plot(), figure)
    record = record_outputs(name, out, run, {
        summary: "per pathway: time-averaged, trough and maximal inhibition over the last dosing interval, time "
                 "above 50/90 %, plasma exposure", courses: "time courses: plasma and free drug (nM), readouts with "
                 "and without the drug, inhibition", figure: "plasma concentration and inhibition over time"}, model,
        engine, result=(summary, result))
    table = Table(title=f"{reg}, context {model.context!r}, {result.stimulation} stimulation; last interval")
    for column in ("pathway", "mean", "above 50%", "above 90%", "trough", "max", "h to max"):
        # pathways in full (they are looked up); the numbers wrap below their intervals instead
        table.add_column(column, justify="left" if column == "pathway" else "right", no_wrap=column == "pathway")
    shown = result.to_frame()
    metrics = ("mean_inhibition", "fraction_above_50", "fraction_above_90", "trough_inhibition", "max_inhibition")

    def cell(row, c):
        if not np.isfinite(row[c]):
            return "n/a"
        text = f"{percent(row[c])}%"
        if result.intervals is not None and np.isfinite(row[f"{c}_low"]):  # the predictive interval beside it
            text += f" ({percent(row[f'{c}_low'])} to {percent(row[f'{c}_high'])}%)"
        return text

    for _, row in shown.iterrows():
        table.add_row(row.pathway, *(cell(row, c) for c in metrics),
                      f"{row.hours_to_max_inhibition:.1f}" if np.isfinite(row.hours_to_max_inhibition) else "n/a")
    console.print(table)
    if result.intervals is not None:
        console.print(f"in brackets: {escape(result.covers)}", soft_wrap=True)
    exposure = result.table.iloc[0]  # the same plasma levels on every row: the regimen's, last interval
    # the typical patient's PK, and free at the model's fraction unbound: the intervals' draws vary that
    # fraction, and no patient's PK (an audit read the figures as covering patients)
    console.print(f"{reg.drug} plasma over the last interval, typical patient, total (free at fraction unbound "
                  f"{catalog.drug(reg.drug).fraction_unbound:.2g}): " + ", ".join(
                      f"{label} {exposure[f'{reg.drug}_{key}_nM']:.3g} ({exposure[f'{reg.drug}_free_{key}_nM']:.3g})"
                      for label, key in (("Cmax", "cmax"), ("Cmin", "cmin"), ("Cavg", "cavg"))) + " nM",
                  soft_wrap=True)
    warn_flags(flags_of(result))
    print_wrote(summary, courses, figure, record)


@app.command("lowest-dose", cls=NegativeValues)
def lowest_dose_command(
    ctx: typer.Context,
    drug: str = typer.Argument(..., help=f"Drug: {DRUGS}."),
    cytokine: str = typer.Argument(..., help=f"The pathway to inhibit, read at its main readout: {CYTOKINES}."),
    doses: str = typer.Option(..., "--doses", help="Oral doses per intake to test, comma-separated, e.g. 5,10,20,50 "
                                                   "(a number is mg) or '5 mg, 10 mg'."),
    every: str = typer.Option("12h", "--every", help="Dosing interval, e.g. 12h, 24h (a number is h), or BID, QD."),
    days: float = typer.Option(3.0, "--days", help="Days of dosing; the last dosing interval is judged."),
    inhibition: float = typer.Option(0.5, "--inhibition", help="Inhibition threshold, a fraction (0.5 or 0.9 "
                                                               "with --uncertainty)."),
    fraction: float = typer.Option(0.8, "--fraction", help="Fraction of the dosing interval the pathway must stay "
                                                           "above the threshold."),
    formulation: str = FORMULATION,
    stimulation: Stimulation = STIMULATION,
    knockout: list[str] = KNOCKOUT,
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    context: str = CONTEXT,
    out: Path = typer.Option(Path("."), help="Output folder for the CSV file and the figure."),
    figure_format: FigureFormat = FORMAT,
    uncertainty: str = UNCERTAINTY,
    draws: int = DRAWS,
    seed: int = SEED,
    n_jobs: int = N_JOBS,
    engine: str = ENGINE,
    force: bool = FORCE,
):
    """Dose finding: the lowest tested dose keeping a pathway inhibited long enough.

    The lowest of --doses keeping CYTOKINE's main readout inhibited by at least
    --inhibition over at least --fraction of the dosing interval at steady state
    (js.lowest_dose). With --uncertainty, each draw has its own lowest dose and the
    answer is their 90% predictive interval. Writes <name>.csv (every dose's
    summary row) and a figure. Example:

      jakstat lowest-dose ruxolitinib IL2 --doses 5,10,20,50 --every 12h \\
          -u potency
    """
    import jakstat_sbml as js

    from .. import provenance
    from ..potency.draws import as_uncertainty

    use_agg()
    check_writable(out)
    check_interval_options(ctx, uncertainty)
    with reported():
        tested = [parse_dose(d) for d in doses.split(",") if d.strip()]
        if not tested:
            raise js.InputError("--doses gives no dose: e.g. --doses 5,10,20,50")
        with warnings.catch_warnings():  # checked here; a dose off the label is flagged once, by the run
            warnings.simplefilter("ignore", js.JakStatWarning)
            regimens = [js.regimen(drug, d, every=parse_dose(every), days=days, formulation=formulation)
                        for d in tested]
        c = catalog.cytokine(cytokine)
        as_uncertainty(uncertainty or None, **interval_keywords(uncertainty, draws, seed),
                       context=catalog.context(context).name)  # before any work
        if not 0 < inhibition < 1 or not 0 < fraction <= 1:
            raise js.InputError(f"--inhibition must be in (0, 1) and --fraction in (0, 1], got {inhibition:g}, "
                                f"{fraction:g}")
        if uncertainty and inhibition not in (0.5, 0.9):
            raise js.InputError(f"with --uncertainty, --inhibition is 0.5 or 0.9 (the thresholds each draw's time "
                                f"above is computed for), got {inhibition:g}")
    first = regimens[0]
    condition = condition_of(context, knockout=knockout, overexpress=overexpress, mutation=mutation)
    # the target and the stimulation in the name: two targets' answers can be kept side by side
    name = (f"lowest_dose_{first.drug}_{c.name}_every_{first.interval_h:g}h{'_XR' if first.formulation == 'XR' else ''}"
            f"_{100 * inhibition:g}pct_for_{100 * fraction:g}pct{'_ex_vivo' if stimulation.value == 'ex-vivo' else ''}"
            f"{provenance.file_tag(condition)}")
    run = provenance.identity("lowest_dose", condition, {
        "drug": first.drug, "cytokine": c.name, "doses_mg": sorted(r.dose_mg for r in regimens),
        "every_h": first.interval_h, "days": days, "formulation": first.formulation, "inhibition": inhibition,
        "fraction": fraction, "stimulation": stimulation.value, "uncertainty": uncertainty,
        **interval_keywords(uncertainty, draws, seed), "engine": engine})
    table_path, figure = out / f"{name}.csv", out / f"{name}.{figure_format.value}"
    check_outputs([table_path, figure, provenance.sidecar(name, out)], run, force)
    model = load_context_model(context)
    with reported():
        with progress_bar() as bar:
            found = js.lowest_dose(model, drug, [r.dose_mg for r in regimens], c.name, every=first.interval_h,
                                   days=days, inhibition=inhibition, fraction=fraction, formulation=formulation,
                                   stimulation=stimulation.value.replace("-", " "), uncertainty=uncertainty or None,
                                   **interval_keywords(uncertainty, draws, seed), n_jobs=n_jobs, engine=engine,
                                   progress=bar, **background_keywords(knockout, overexpress, mutation))
    with reported(out):
        out.mkdir(parents=True, exist_ok=True)
        found.to_frame().to_csv(table_path, index=False)
        save_figure(found.plot(), figure)
    record = record_outputs(name, out, run, {
        table_path: f"every tested dose: inhibition summary of the last interval and {found.column} (with "
                    "--uncertainty its predictive interval), and whether it reaches the target",
        figure: "fraction of the interval above the threshold against the dose"}, model, engine,
        result=(table_path, found))  # the answer, its interval and flags: js.load reads them
    table = Table(title=f"{found.drug} every {first.interval_h:g} h, {found.pathway}, context {model.context!r}, "
                        f"{found.exposure.stimulation} stimulation: time above {inhibition:.0%} inhibition")
    for column in ("dose (mg)", "time above", "reaches"):
        table.add_column(column, justify="right")
    for _, row in found.to_frame().iterrows():
        text = f"{percent(row[found.column])}%"
        if found.dose_mg_interval is not None:
            text += f" ({percent(row[f'{found.column}_low'])} to {percent(row[f'{found.column}_high'])}%)"
        table.add_row(f"{row['dose_mg']:g}", text, "yes" if row["reaches"] else "no")
    console.print(table)
    answer = "no tested dose" if found.dose_mg is None else f"{found.dose_mg:g} mg"
    console.print(f"lowest dose keeping {inhibition:.0%} inhibition over {fraction:.0%} of the interval: {answer} "
                  "(at the model's potency)", soft_wrap=True)
    if found.dose_mg_interval is not None:
        low, high = found.dose_mg_interval
        lowest = min(r.dose_mg for r in regimens)
        covers = escape(found.covers)
        if low is None:  # not even the favourable end reaches the target ("no tested dose to beyond", an audit)
            console.print(f"its interval: beyond the doses tested (even its favourable end reaches the target at no "
                          f"tested dose); in brackets and here: {covers}", soft_wrap=True)
        else:
            low_text = f"{low:g} mg" + (" or less" if low == lowest else "")
            console.print(f"its interval: {low_text} to "
                          f"{'beyond the doses tested' if high is None else f'{high:g} mg'}; in brackets and here: "
                          f"{covers}", soft_wrap=True)
    warn_flags(flags_of(found))
    print_wrote(table_path, figure, record)


@app.command("compare-drugs", cls=NegativeValues)
def compare_drugs_command(
    ctx: typer.Context,
    drug: list[str] = typer.Option([], "--drug", "-d", help=f"A drug to compare (repeatable; default every drug): "
                                                            f"{DRUGS}."),
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help="A cytokine pathway (repeatable; default every "
                                                                    f"one the context signals through): {CYTOKINES}."),
    regimens: bool = typer.Option(None, "--regimens/--no-regimens", help="Inhibition at the approved regimens: "
                                  "--regimens for every drug (stops if one has none), --no-regimens for none; "
                                  "default: for the drugs that have one."),
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
    """JAK inhibitors side by side: IC50 per pathway, selectivity, approved regimens.

    For each drug and each pathway it acts on: the IC50 (free and total
    plasma), its fold over the drug's most potent pathway, the gamma-c
    selectivity (interferon and IL-6 IC50s over IL-2/IL-4/IL-15/IL-21's) and
    the steady-state inhibition at each approved regimen (cytokine on
    throughout; pharmacological, not a clinical response). Writes
    compare_drugs.csv (one row per drug and pathway),
    compare_drugs_regimens.csv and a heatmap figure. Example:

      jakstat compare-drugs --context ctcl --out out/panel
    """
    import jakstat_sbml as js

    from .. import provenance
    from ..experiments.drug_comparison import selectivity_track_record
    from ..potency.crossval import track_record

    use_agg()
    check_writable(out)
    check_interval_options(ctx, uncertainty)
    with reported():
        drugs = [catalog.drug(d).name for d in drug] or None
        cytokines = [catalog.cytokine(c).name for c in cytokine] or None
        if drugs is not None and len(set(drugs)) != len(drugs):
            raise js.InputError("a drug is given twice with --drug")
    name = "compare_drugs"
    run = provenance.identity("compare_drugs", condition_of(context), {
        "drugs": drugs, "cytokines": cytokines, "regimens": regimens, "engine": engine, "uncertainty": uncertainty,
        **interval_keywords(uncertainty, draws, seed)})
    data, schedule = out / f"{name}.csv", out / f"{name}_regimens.csv"
    selectivity_csv = out / f"{name}_selectivity.csv"  # written where parameter sets move the folds
    figure = out / f"{name}.{figure_format.value}"
    check_outputs([data, schedule, selectivity_csv, figure, provenance.sidecar(name, out)], run, force)
    model = load_context_model(context)
    with reported():
        with progress_bar() as bar:
            result = js.compare_drugs(model, drugs, cytokines, regimens=regimens, uncertainty=uncertainty or None,
                                      **interval_keywords(uncertainty, draws, seed),
                                      n_jobs=n_jobs, progress=bar, engine=engine)
    folds = result.gamma_c_selectivity_interval()
    with reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(data, index=False)
        result.regimens.to_csv(schedule, index=False)
        if len(folds):  # js.save kept the folds' intervals and the command did not (an audit)
            folds.to_csv(selectivity_csv, index=False)
        save_figure(result.plot(), figure)
    described = {
        data: "per drug and pathway: IC50 (nM free and total plasma), fold over the drug's most potent pathway, "
              "steady-state inhibition at each approved regimen",
        schedule: "per drug, approved regimen and pathway: time-averaged, trough and maximal inhibition (fraction)",
        figure: "heatmaps: IC50 (total plasma) and inhibition at the approved regimens"}
    if len(folds):
        described[selectivity_csv] = "per drug: the gamma-c selectivity fold and its interval over the draws"
    record = record_outputs(name, out, run, described, model, engine, result=(data, result))
    table = Table(title=f"gamma-c cytokines (IL-2, IL-4, IL-15, IL-21) vs interferons and IL-6, context "
                        f"{model.context!r}")
    for column in ("drug", "selectivity (fold)", "regimen", "gamma-c inhibited (mean)", "IFN/IL-6 inhibited (mean)"):
        table.add_column(column, justify="left" if column in ("drug", "regimen") else "right")
    summary, folds, bounds = result.summary(), result.gamma_c_selectivity(), result.gamma_c_selectivity_bounds()
    spread = result.gamma_c_selectivity_interval().set_index("drug")
    # potency draws scale a drug's pathways alike and cancel in its fold: an interval of one point says so
    moved = spread[~np.isclose(spread.fold_low, spread.fold_high, rtol=1e-3, equal_nan=True)]
    for d in result.drugs:
        arms = list(dict.fromkeys(result.regimens.loc[result.regimens.drug == d, "regimen"])) or [""]
        fold = f"> {bounds[d]:.2g}" if d in bounds else f"{folds[d]:.2g}" if np.isfinite(folds[d]) else "n/a"
        if d in moved.index and np.isfinite(folds[d]):
            r = moved.loc[d]
            fold += f" ({r.fold_low:.2g}-{r.fold_high:.2g})".replace("nan", "?")
        for k, arm in enumerate(arms):
            share = [summary.get(f"{group}_mean_inhibition_fraction[{arm}]", float("nan"))
                     for group in ("gamma_c", "interferon_il6")]
            table.add_row(d if k == 0 else "", fold if k == 0 else "",
                          arm or ("none tabulated" if result.regimens_simulated else "not simulated"),
                          *(f"{percent(x)}%" if np.isfinite(x) else "n/a" for x in share))
    console.print(table)
    console.print("selectivity: geometric-mean IC50 of IFN-alpha, IFN-gamma and IL-6 over that of the gamma-c "
                  "cytokines (above 1: gamma-c inhibited at lower concentrations; '> x': a lower bound, no interferon "
                  "or IL-6 IC50 within the doses tested); inhibited (mean): time-averaged at "
                  "steady state, averaged over the group's pathways (each pathway below), a pathway readout, not a "
                  "clinical response", soft_wrap=True)
    if result.covers:
        console.print("selectivity over the draws: " + (
            f"in brackets, its {escape(first_clause(spread.covers.iloc[0]))} ('?': an open end)" if len(moved)
            else "the drugs' potency draws scale all of a drug's pathways alike, so its fold does not move with "
                 "them; parameter sets move it (--uncertainty parameters, calibration or all)"), soft_wrap=True)
    if uncertainty != "calibration":  # an envelope holds potency fixed (dose-response leaves the records out too)
        records = {d: track_record(d) for d in result.drugs}  # how far each potency is checked (the report too)
        console.print("potency: " + escape("; ".join(r.text() if r else f"{d}: potency assumed, no modelled row "
                                                     "to hold out" for d, r in records.items())), soft_wrap=True)
    selectivity = selectivity_track_record()  # what the folds above rest on, beside each drug's potency
    if selectivity is not None:
        console.print(escape(selectivity.text()), soft_wrap=True)
    # the IC50s themselves (a 14 x 9 panel fits as one compact matrix), free drug; with --uncertainty
    # each cell's interval below it (the CSV has them in ic50_interval_low_nM / _high_nM, as a dose-response names them)
    ic50s = result.ic50s
    pathways = list(dict.fromkeys(ic50s.pathway))
    # free (what the cells see) and total plasma (what a label's Cmax is): an audit found the
    # console gave the free terms alone, with the plasma ones in the CSV only
    for kind, column in (("free", "ic50"), ("total plasma", "ic50_plasma")):
        matrix = Table(title=f"IC50 (nM, {kind})" + (f", {result.interval_kind} below" if result.covers else ""))
        matrix.add_column("drug")
        for pathway in pathways:
            matrix.add_column(pathway.replace("/", " "), justify="right")
        for d in result.drugs:
            mine = ic50s[ic50s.drug == d].set_index("pathway")
            cells = []
            for pathway in pathways:
                if pathway not in mine.index:
                    cells.append("")
                    continue
                r = mine.loc[pathway]
                cell = (compact_nM(r[f"{column}_nM"]) if r.status == "ok"
                        else r.status.replace("above the doses tested", "above"))
                if result.covers and f"{column}_interval_low_nM" in mine:
                    cell += f"\n{compact_nM(r[f'{column}_interval_low_nM'])}-{compact_nM(r[f'{column}_interval_high_nM'])}"
                cells.append(cell)
            matrix.add_row(d, *cells)
        console.print(matrix)
    if result.covers:
        console.print(f"IC50 intervals: {escape(result.covers)}", soft_wrap=True)
    print_regimen_matrix(result, pathways)
    if not result.covers:  # a ranking of point predictions reads as firmer than the held-out record above allows
        console.print("point predictions at each drug's fitted potency, without intervals: compare drugs with "
                      "--uncertainty potency, which gives each IC50 and each regimen's inhibition its 90% "
                      "predictive interval", soft_wrap=True)
    warn_flags(flags_of(result))
    print_wrote(data, schedule, *([selectivity_csv] if len(folds) else []), figure, record)


def print_regimen_matrix(result, pathways: list[str]) -> None:
    """Each approved regimen's time-averaged inhibition per pathway, its interval below it
    with --uncertainty: the group means of the first table have none (an audit found the
    intervals in compare_drugs_regimens.csv only)."""
    shown = result.regimens
    if not len(shown):
        return
    ranged = "mean_inhibition_low" in shown and shown["mean_inhibition_low"].notna().any()
    matrix = Table(title="approved regimens: inhibition (time-averaged, steady state)"
                         + (f", {result.interval_kind or '90% predictive interval'} below" if ranged else ""))
    matrix.add_column("regimen")
    for pathway in pathways:
        matrix.add_column(pathway.replace("/", " "), justify="right")
    for regimen, part in shown.groupby("regimen", sort=False):
        mine = part.set_index("pathway")
        cells = []
        for pathway in pathways:
            if pathway not in mine.index or not np.isfinite(mine.loc[pathway, "mean_inhibition"]):
                cells.append("")
                continue
            r = mine.loc[pathway]
            cell = f"{percent(r['mean_inhibition'])}%"
            if ranged and np.isfinite(r["mean_inhibition_low"]):
                cell += f"\n{percent(r['mean_inhibition_low'])}-{percent(r['mean_inhibition_high'])}%"
            cells.append(cell)
        matrix.add_row(regimen, *cells)
    console.print(matrix)
    if ranged:
        covers = next(iter(dict.fromkeys(shown["interval_covers"].dropna())), "")
        # each drug's own record is in its rows; the last clause (pharmacokinetics fixed) is common to all
        console.print("regimen intervals: " + escape(covers.split("; ")[0] + "; " + covers.rsplit("; ", 1)[-1]
                                                     if covers.count("; ") else covers)
                      + " (held-out records: the potency line above)", soft_wrap=True)


@app.command("trial", cls=NegativeValues)
def trial_command(
    drug: str = typer.Argument(..., help=f"Drug: {DRUGS}."),
    dose: str = typer.Argument(..., help="Oral dose per intake, e.g. 20mg or '20 mg' (a number is mg)."),
    every: str = typer.Option("12h", "--every", help="Dosing interval, e.g. 12h, 24h, '1 day' (a number is h), "
                                                      "or BID, QD, TID, q8h."),
    days: float = typer.Option(5.0, "--days", help="Days of dosing; the last dosing interval is summarised."),
    formulation: str = FORMULATION,
    patients: int = typer.Option(100, "--patients", "-n", help="Virtual patients."),
    cytokine: list[str] = typer.Option([], "--cytokine", "-c", help=f"A pathway, by its cytokine (repeatable; "
                                                                    f"default each of {CYTOKINES} that the context "
                                                                    "signals through)."),
    stimulation: list[Stimulation] = typer.Option([], "--stimulation", help="continuous and/or ex-vivo "
                                                  "(repeatable; default both)."),
    source: list[str] = typer.Option([], "--source", help="What varies between patients: pk, cell, mutations, "
                                                          "covariates (repeatable; default pk and cell, plus "
                                                          "mutations with --mutations and covariates with "
                                                          "--covariate)."),
    mutations: str = typer.Option(None, "--mutations", help="How often patients carry each mutation: cited (the "
                                  "model's mutations at their frequency in CTCL sequencing, "
                                  "data/ctcl/mutation_frequencies.tsv) or NAME=FREQ,... (e.g. STAT5B_N642H=0.3)."),
    covariate: list[str] = typer.Option([], "--covariate", help="A patient covariate and how often patients carry "
                                        "it: NAME=FREQ (e.g. strong_cyp3a4_inhibitor=0.1) or "
                                        "NAME=LEVEL:FREQ,... (e.g. renal_impairment=moderate:0.2,severe:0.05); "
                                        "repeatable; names and effects in data/pharmacokinetics/pk_covariates.tsv."),
    threshold: float = typer.Option(0.5, help="Time-averaged inhibition a patient's pathway must reach to count."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the virtual patients (same seed, same patients; "
                                                      "0 or more)."),
    checkpoint: Path = typer.Option(None, help="Folder for finished chunks of patients: a rerun resumes."),
    context: str = CONTEXT,
    out: Path = typer.Option(Path("."), help="Output folder for the CSV files and the figure."),
    figure_format: FigureFormat = FORMAT,
    uncertainty: str = typer.Option(None, "--uncertainty", "-u", callback=uncertainty_given,
                                    help="potency: a 90% predictive interval of each cohort statistic over draws "
                                         "of the drug-potency posterior and between-assay variability (the one "
                                         "mode a trial takes: its patients' cells already vary)."),
    draws: int = typer.Option(None, "--draws", help="Draws of the potency interval (default 200, at least 20; "
                                                    "with --uncertainty; seeded by --seed)."),
    n_jobs: int = N_JOBS,
    engine: str = ENGINE,
    force: bool = FORCE,
):
    """A virtual trial: every patient's pathway inhibition under a regimen.

    Each patient has its own pharmacokinetics (between-patient CVs of
    data/pharmacokinetics/pk_variability.tsv), its own cell (protein
    abundances over their plausible ranges), with --mutations cited the model's
    mutations at their frequency in CTCL sequencing, and with --covariate its own
    co-medications or organ impairment (AUC ratios of
    data/pharmacokinetics/pk_covariates.tsv). Writes <name>_patients.csv (one
    row per patient, pathway and stimulation, with the patient's features),
    <name>_summary.csv (median, 5th-95th percentiles, fraction of patients
    at or above the threshold; with --uncertainty potency, each one's 90%
    predictive interval over the drug's potency) and a figure. The inhibition is
    pharmacological, not a clinical response. Examples:

      jakstat trial ruxolitinib 20mg --every 12h --patients 1000 -c IL6 -c IL2 \\
          --checkpoint out/ckpt

      jakstat trial tofacitinib 5mg --every 12h --patients 200 -c IL2 \\
          --uncertainty potency
    """
    import jakstat_sbml as js

    from .. import provenance
    from ..uncertainty.trial import checked_trial_settings, trial_uncertainty

    use_agg()
    check_writable(out)
    with reported():
        reg = js.regimen(drug, parse_dose(dose), every=parse_dose(every), days=days, formulation=formulation)
        if patients < 1:
            raise js.InputError(f"--patients must be a positive integer, got {patients}")
        covariates, frequencies = parse_covariates(covariate), parse_mutation_frequencies(mutations)
    # a repeat is refused (by checked_trial_settings and as_stimuli), not dropped without a word (an audit)
    stims = tuple(s.value.replace("-", " ") for s in stimulation) or None
    known_names(cytokines=cytokine)  # before the identity, which holds their doses
    with reported():
        refuse_repeats([catalog.cytokine(c).name for c in cytokine], "--cytokine: cytokines")
    # the context in the name, as regimen's: a lymphoma trial beside a ctcl one was refused as a clash
    name = (f"trial_{reg.drug}_{reg.dose_mg:g}mg_every_{reg.interval_h:g}h{'_XR' if reg.formulation == 'XR' else ''}"
            f"{provenance.file_tag(condition_of(context))}")
    run = provenance.identity("virtual_trial", condition_of(context), {
        "regimen": reg.as_dict(), "days": days, "patients": patients,
        # each at its standard dose, in nM as every run's identity holds doses
        "cytokines": stimuli_nM({catalog.cytokine(c).name: catalog.cytokine(c).standard_dose for c in cytokine})
        if cytokine else "each the context signals through, at its standard dose",
        "stimulation": list(stims or ("continuous", "ex vivo")),
        "sources": source or ["pk", "cell"] + (["mutations"] if mutations else [])
        + (["covariates"] if covariates else []),
        **({"mutations": frequencies} if mutations else {}), "covariates": covariates,
        "threshold": threshold, "seed": seed, "engine": engine,
        **({"uncertainty": uncertainty, "draws": draws} if uncertainty else {})})
    table, summary = out / f"{name}_patients.csv", out / f"{name}_summary.csv"
    figure = out / f"{name}.{figure_format.value}"
    with reported():  # a bad option is reported as itself, not as a clash with an earlier trial's files
        checked_trial_settings(patients, seed=seed, stimulation=stims or ("continuous", "ex vivo"),
                               sources=source or None, mutation_frequencies=frequencies, covariates=covariates or None,
                               threshold=threshold, engine=engine)
        if draws is not None and not uncertainty:
            raise typer.BadParameter("sets the predictive interval's draws: give --uncertainty potency too",
                                     param_hint="--draws")
        trial_uncertainty(uncertainty or None, draws, seed, catalog.context(context).name)
    check_outputs([table, summary, figure, provenance.sidecar(name, out)], run, force)
    model = load_context_model(context)
    with reported():
        stimuli = [catalog.cytokine(c).name for c in cytokine] or present_cytokines(model)
        with progress_bar() as bar:
            result = js.virtual_trial(model, {reg.label(): reg}, patients, stimuli, seed=seed,
                                      stimulation=stims or ("continuous", "ex vivo"), threshold=threshold,
                                      sources=source or None, mutation_frequencies=frequencies,
                                      covariates=covariates or None, checkpoint=checkpoint, n_jobs=n_jobs,
                                      progress=bar, engine=engine, uncertainty=uncertainty or None, draws=draws)
    with reported(out):
        out.mkdir(parents=True, exist_ok=True)
        result.to_frame().to_csv(table, index=False)
        result.distribution().to_csv(summary, index=False)
        save_figure(result.plot(), figure)
    record = record_outputs(name, out, run, {
        table: "per patient, pathway and stimulation: time-averaged, trough and peak inhibition, and the "
               "patient's drawn PK folds, protein abundances (nM), mutations and covariates",
        summary: "per pathway and stimulation: median, 5th and 95th percentile of the time-averaged inhibition, "
                 "fraction of patients at or above the threshold (of the measurable patients, counted in "
                 "'patients'), and the arm's flags"
                 + ("; each statistic's potency interval (_low, _high) and what it covers (interval_covers)"
                    if uncertainty else ""),
        figure: "distributions over the patients"}, model, engine,
        # what the trial cannot support, kept with every file (the console's warnings are not)
        extra={p.name: {"flags": list(result.flags), **({"companion": "distribution"} if p == summary else {})}
               for p in (table, summary, figure)}, result=(table, result))  # js.load: the summary comes back
    # The spread is between patients, not an uncertainty of the prediction: the caption says so.
    potency = result.potency
    shown = Table(title=f"{reg}, {patients} virtual patients, context {model.context!r}",
                  caption="time-averaged inhibition over the last dosing interval; the percentiles are the "
                          "spread between the virtual patients, not an uncertainty of the prediction"
                          + (escape(f"; [in brackets]: the {potency.level:.0%} predictive interval over the "
                                    "drug's potency (below)") if potency else ""))
    for column in ("pathway", "stimulation", "median", "5th-95th percentile", f"inhibition >= {100 * threshold:g}%"):
        shown.add_column(column, justify="left" if column in ("pathway", "stimulation") else "right")

    def ranged(r, name: str) -> str:
        return f" [{100 * getattr(r, name + '_low'):.0f}-{100 * getattr(r, name + '_high'):.0f}%]" if potency else ""

    for r in result.distribution().itertuples():
        shown.add_row(r.pathway, r.stimulation, f"{100 * r.median:.0f}%{ranged(r, 'median')}" if r.patients else "-",
                      f"{100 * r.p5:.0f}-{100 * r.p95:.0f}%" if r.patients else "-",
                      f"{100 * r.above_threshold:.0f}% of patients{ranged(r, 'above_threshold')}"
                      if r.patients == patients else "none measurable" if r.patients == 0 else
                      f"{100 * r.above_threshold:.0f}% of {r.patients} measurable{ranged(r, 'above_threshold')}")
    console.print(shown)
    if potency:
        for (_, pathway), covers in potency.covers.items():  # each names its assay system's held-out record
            console.print(f"potency interval, {pathway}: " + escape(covers), soft_wrap=True)
    warn_flags(flags_of(result))
    print_wrote(table, summary, figure, record)
