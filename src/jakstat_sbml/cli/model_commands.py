"""Commands about the model and its data: build, export, calibrate, profiles, sensitivity, validate."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from .. import catalog
from ..calibration.datasets import ALL_DATASETS, DATASETS
from ..engines import DEFAULT_ENGINE
from ..model import DEFAULT_PREINCUBATION
from ..interop import FORMATS
from .common import (
    CONTEXT,
    CONTEXTS,
    CYTOKINE_DOSES,
    DRUG_DOSES,
    ENGINE,
    FORCE,
    FORMAT,
    MUTATION,
    N_JOBS,
    NegativeValues,
    uncertainty_given,
    OVEREXPRESS,
    PETAB_DATASETS,
    PLASMA,
    PREINCUBATION,
    SIMULATION_KNOCKOUT,
    FigureFormat,
    app,
    check_outputs,
    check_plasma,
    check_writable,
    condition_of,
    console,
    fail,
    load_context_model,
    messages,
    parse_dose,
    parse_mutations,
    parse_overexpress,
    parse_pairs,
    refuse_to_replace,
    print_wrote,
    progress_bar,
    record_outputs,
    reported,
    require_optional,
    save_figure,
    use_agg,
    warn_flags,
)


@app.command()
def build(check: bool = typer.Option(False, help="Only check that the committed SBML is up to date.")):
    """Compile models/jakstat.ant to the annotated SBML models/jakstat.xml and validate it."""
    from .. import build as b

    paths = b.source_paths()
    if check:
        fresh = b.build_sbml(write=False)
        if paths["sbml"].read_text(encoding="utf-8") != fresh:
            fail(RuntimeError(f"{paths['sbml']} is stale: run `jakstat build`"))
        console.print(f"{paths['sbml']} is up to date")
        return
    sbml = b.build_sbml()
    report = b.validate(sbml)
    import libsbml

    m = libsbml.readSBMLFromString(sbml).getModel()
    # a model's repr counts the integrated ones (170 beside 195 here read as two models: an audit)
    fixed = sum(m.getSpecies(i).getBoundaryCondition() for i in range(m.getNumSpecies()))
    console.print(f"wrote {paths['sbml']}: {m.getNumSpecies()} species ({m.getNumSpecies() - fixed} integrated, {fixed} "
                  f"boundary), {m.getNumReactions()} reactions, {m.getNumParameters()} parameters")
    console.print(f"libsbml checkConsistency (all categories, units on): {len(report.errors)} errors, "
                  f"{len(report.warnings)} warnings")
    counts = b.provenance_counts(b.read_parameter_rows(paths["parameters_tsv"]))
    console.print("parameter sources: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if not report.ok:
        console.print(str(report))
        raise typer.Exit(1)


@app.command("export", cls=NegativeValues)
def export_command(
    format_: str = typer.Argument(..., metavar="FORMAT", help=", ".join(
        f"{f.name} ({'/'.join(f.endings) or 'a folder'})" for f in FORMATS.values()) + "."),
    path: Path = typer.Argument(..., help="File to write (a folder for petab); an existing one is kept and the "
                                          "command stops, unless --force."),
    cytokine: list[str] = CYTOKINE_DOSES,
    drug: list[str] = DRUG_DOSES,
    knockout: list[str] = SIMULATION_KNOCKOUT,
    overexpress: list[str] = OVEREXPRESS,
    mutation: list[str] = MUTATION,
    plasma: bool = PLASMA,
    context: str = CONTEXT,
    preincubation: float = PREINCUBATION,
    t_end: float = typer.Option(120.0, help="End time of the exported time-course tasks (min; copasi and omex)."),
    points: int = typer.Option(None, help="Output time points of those tasks, evenly spaced "
                                             "(default: one per minute when --t-end is a whole number; a COPASI "
                                             "file may output more, among which these: a warning says so)."),
    dataset: str = typer.Option(None, help=f"petab only: the data, {PETAB_DATASETS}."),
    force: bool = typer.Option(False, "--force", help="Replace PATH if it exists (a file, or a petab folder that is "
                                                      "not empty)."),
):
    """Write the model in one condition for other tools: SBML, COPASI, COMBINE/OMEX, PEtab, SBGN.

    Knockouts, doses and the context become parameter values in the file. An SBML
    file's species start at the condition's time-0 state; a COPASI file and the OMEX
    archive's models start at the drug-free steady state and run the pre-incubation
    themselves (docs/copasi.md, docs/biomodels.md). SBML and COPASI files carry
    the pathway map as SBML layout; the SBGN-ML map (Activity Flow) is the
    network alone, without a condition. See docs/copasi.md, docs/sbgn.md and
    docs/biomodels.md.

    Examples:

      jakstat export sbml il6_rux.xml -c IL6='40 ng/mL' -d ruxolitinib=500

      jakstat export copasi il6.cps -c IL6='40 ng/mL' -k SOCS3

      jakstat export omex jakstat.omex

      jakstat export sbgn jakstat.sbgn

      jakstat export petab sobotta --context hepatocyte

    A file (or a non-empty petab folder) already at PATH is never replaced silently:
    the command stops before any work unless given --force.
    """
    import jakstat_sbml as js

    from .. import provenance
    from ..interop import export, export_target

    check_plasma(plasma, drug)
    if format_.lower() in FORMATS and FORMATS[format_.lower()].untimed \
            and preincubation != DEFAULT_PREINCUBATION:  # a condition without drugs keeps none to tell
        raise typer.BadParameter(f"a {format_.lower()} export has no condition to pre-incubate",
                                 param_hint="--preincubation")
    typed = {k: parse_dose(v) for k, v in parse_pairs(drug, "--drug").items()}
    cytokines = {k: parse_dose(v) for k, v in parse_pairs(cytokine, "--cytokine").items()}
    drugs = {k: js.plasma(v) for k, v in typed.items()} if plasma else typed
    # the condition checked (names, doses) before the path: "-c IL7=1" is the error, not an existing file
    condition = condition_of(context, knockout=knockout, overexpress=overexpress, mutation=mutation,
                             cytokines=cytokines, drugs=typed, preincubation=preincubation, plasma=plasma)
    with reported():
        export_target(path, format_)  # a folder where a file goes, or an empty path, is not a file to replace
        refuse_to_replace(path, force=force)
        refuse_to_replace(provenance.sidecar(path.name, path.parent), force=force)
    model = load_context_model(context)
    with reported():
        written = export(model, path, format_, dataset=dataset, cytokines=cytokines,
                         drugs=drugs, knockouts=knockout, overexpress=parse_overexpress(overexpress),
                         mutations=parse_mutations(mutation), preincubation=preincubation, t_end=t_end, points=points)
    # how it was made, as every CSV and figure records it (an audit found exports without a record)
    petab = written.is_dir()
    if petab:  # its data and times come from the dataset, which the record names (it said null for the default)
        from ..calibration.datasets import DEFAULT_DATASET

        settings = {"format": "petab", "dataset": dataset or DEFAULT_DATASET}
    elif FORMATS[format_.lower()].no_time_course:  # nothing to record of a time course it does not have
        settings = {"format": format_.lower()}
    else:
        settings = {"format": format_.lower(), "t_end": t_end, "points": points}
    run = provenance.identity("export", condition, settings)
    files = {written: f"the model exported as {format_.lower()}"}
    if petab:  # each file of the problem with its SHA-256, as a command's single file has it
        files.update({f: "part of the PEtab problem" for f in sorted(written.rglob("*")) if f.is_file()})
    record = record_outputs(written.name, written.parent, run, files, model)
    print_wrote(written, record)


@app.command("calibrate", cls=NegativeValues)
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
    engine: str = ENGINE,
    force: bool = FORCE,
):
    """Fit the model to a published dataset and compare with the published model's fit.

    With --engine amici the simulations run on AMICI and the optimiser takes exact
    Jacobians from its forward sensitivities (RoadRunner: finite differences).

    Writes the objective table (ours vs published: -log L, chi2, n), fitted
    parameters with identifiability, the multi-start table and plots of the data
    with both fits; each folder's README says which measurements are left out, and why.

    A fit replaces the files of an earlier calibration in OUT/<dataset>/ only if that
    run had the same dataset, starts, iterations and engine (its record,
    calibrate.provenance.json, says), unless --force; --rewrite rewrites the folder
    from its own multi-start table, and so replaces that fit's files (files with no
    record, as in the committed folders, need --force).

    Examples:

      jakstat calibrate Raia_CancerResearch2011 --starts 4

      jakstat calibrate all --store --out docs/calibration --force  # all of it
    """
    use_agg()
    require_optional("petab", "calibration")
    check_writable(out)
    from .. import calibration as cal
    from .. import provenance
    from ..errors import UnknownNameError

    with reported():
        if dataset != "all" and dataset not in cal.ALL_DATASETS:
            raise UnknownNameError("dataset", dataset, [*cal.ALL_DATASETS, "all"])
    names = list(cal.ALL_DATASETS) if dataset == "all" else [dataset]
    runs = {name: _calibration_run(name, out / name, starts=starts, max_nfev=max_nfev, engine=engine,
                                   rewrite=rewrite) for name in names}
    # A rewrite has the identity of the fit it redraws (run.tsv), so it replaces that fit's files
    # without asking; files with no record (a user's, or the committed folders) need --force.
    for name in names:
        check_outputs([*cal.result_files(out / name), provenance.sidecar("calibrate", out / name)], runs[name],
                      force)
    summary_run = provenance.identity("calibration summary", {})  # rebuilt from the dataset folders by every run
    check_outputs([out / "summary.tsv", provenance.sidecar("calibration_summary", out)], summary_run, force)
    # the README's "written by": with --rewrite nothing is fitted, so the fitting options did nothing
    fitting = ([f"--starts {starts}"] if starts else []) + [f"-j {n_jobs}"] \
        + ([f"--max-nfev {max_nfev}"] if max_nfev else []) + (["--store"] if store else []) \
        + ([f"--engine {engine}"] if engine != DEFAULT_ENGINE else [])
    command = "jakstat calibrate " + " ".join([dataset, f"--out {out}"] + (["--rewrite"] if rewrite else fitting))
    with reported(out):
        if store:
            from .. import catalog

            catalog.writable_models_dir()  # fail before fitting: an installed package is never written into
        for name in names:
            total = cal.DATASETS[name].starts if name in cal.DATASETS and starts is None else (starts or 1)
            with progress_bar() as progress:
                task = progress.add_task(f"{name}: starts", total=total if name in cal.DATASETS else 1)

                def tick(start) -> None:
                    progress.update(task, advance=1, description=f"{name}: start {start.start} "
                                                                 f"-log L {start.nllh:.2f}")

                folder = cal.run_dataset(name, out, starts=starts, n_jobs=n_jobs, max_nfev=max_nfev, store=store,
                                         rewrite=rewrite, progress=tick, command=command, engine=engine)
                progress.update(task, completed=progress.tasks[0].total)
            model = load_context_model(cal.DATASETS[name].context)
            written = {path: content for path, content in cal.result_files(folder).items() if path.exists()}
            record = record_outputs("calibrate", folder, {**runs[name], "store": store and not rewrite}, written,
                                    model, engine)
            print_wrote(folder, record)
        table = cal.summary(out)
        summary_record = record_outputs("calibration_summary", out, summary_run, {
            out / "summary.tsv": "one row per dataset folder in OUT: ours and the published model, chi2 ratio, status"},
            None, engine)
    shown = Table("dataset", "ours -log L", "ours chi2", "published -log L", "published chi2", "n", "chi2 ratio",
                  "status")
    for _, r in table.iterrows():
        shown.add_row(r["dataset"], f"{r['ours_nllh']:.2f}", f"{r['ours_chi2']:.1f}", f"{r['published_nllh']:.2f}",
                      f"{r['published_chi2']:.1f}", str(r["n"]), f"{r['chi2_ratio']:.3f}", r["status"])
    console.print(shown)
    print_wrote(Path(out) / "summary.tsv", summary_record)


def _calibration_run(name: str, folder: Path, *, starts: int | None, max_nfev: int | None, engine: str,
                     rewrite: bool) -> dict:
    """What makes a calibration's files: the dataset and the fit's budget and engine (a
    rewrite keeps those of the fit it redraws, from its run.tsv)."""
    import pandas as pd

    from .. import provenance

    spec = DATASETS[name]
    settings = {"dataset": name, "starts": spec.starts if starts is None else starts,
                "max_nfev": spec.max_nfev if max_nfev is None else max_nfev, "engine": engine}
    if rewrite and (folder / "run.tsv").exists():
        ran = pd.read_csv(folder / "run.tsv", sep="\t").set_index("key")["value"]
        settings.update(starts=int(ran["starts"]), max_nfev=int(ran["max_nfev"]),
                        engine=str(ran.get("engine", DEFAULT_ENGINE)))
    return provenance.identity("calibrate", provenance.condition_record(spec.context), settings)


PROFILE_FILES = {
    "profiles.tsv": "every profile's points: parameter value, -log L, re-optimised parameters",
    "intervals.tsv": "each parameter's 95% profile-likelihood interval and verdict",
    "ensemble.tsv": "the parameter sets within the 95% threshold (the optimum first)",
    "profiles.png": "the profiles against the threshold",
}
ENSEMBLE_CASE_FILES = {
    "ensemble_ic50.tsv": "the context's headline IC50 for every ensemble member: status, delta, origin",
    "ensemble_band.png": "the headline dose-response over the ensemble",
}


@app.command("profiles", cls=NegativeValues)
def profiles_command(
    dataset: str = typer.Argument(..., help=f"{', '.join(DATASETS)}, or all."),
    out: Path = typer.Option(Path("calibration"), help="Results go to OUT/<dataset>/ (finished profiles in "
                                                       "OUT/<dataset>/profile_points/ are reused)."),
    parameters: str = typer.Option(None, help="Comma-separated parameters to profile, in order (default: all)."),
    max_nfev: int = typer.Option(3, help="Trust-region iterations of each re-optimisation along a profile."),
    budget_minutes: float = typer.Option(None, help="Start no new profile after this many minutes per dataset."),
    store: bool = typer.Option(False, "--store", help="Store the ensemble in models/ensembles/<context>.tsv, "
                                                       "where uncertainty='calibration' reads it, and write "
                                                       "the context's headline IC50 over it (ensemble_ic50.tsv)."),
    n_jobs: int = N_JOBS,
    engine: str = ENGINE,
    force: bool = FORCE,
):
    """Profile likelihoods of a calibration's parameters and the ensemble within the 95% threshold.

    The profiles are pyPESTO's; the ensemble is every parameter set within the
    threshold. Writes profiles.tsv, intervals.tsv, ensemble.tsv and profiles.png
    to OUT/<dataset> (with --store also ensemble_ic50.tsv and ensemble_band.png).
    Examples:

      jakstat profiles Raia_CancerResearch2011 --parameters kon_SOCS3_JAK2 \\
          --out /tmp/profiles

      jakstat profiles all --store --out docs/calibration --force  # make profiles

    The files of another run (another dataset, parameters, iterations, budget or
    engine; profiles.provenance.json says) are replaced only with --force.
    """
    use_agg()
    require_optional("pypesto", "profile likelihoods")
    check_writable(out)
    from .. import provenance
    from ..calibration.profiles import profile_dataset, store_ensemble, write_profiles
    from ..errors import UnknownNameError

    with reported():
        if dataset != "all" and dataset not in DATASETS:
            raise UnknownNameError("dataset", dataset, [*DATASETS, "all"])
    names = list(DATASETS) if dataset == "all" else [dataset]
    chosen = [p.strip() for p in parameters.split(",") if p.strip()] if parameters else None
    runs = {name: provenance.identity("profiles", provenance.condition_record(DATASETS[name].context), {
        "dataset": name, "parameters": chosen or "all fitted", "max_nfev": max_nfev, "budget_minutes": budget_minutes,
        "engine": engine}) for name in names}
    outputs = dict(PROFILE_FILES, **(ENSEMBLE_CASE_FILES if store else {}))
    for name in names:
        check_outputs([*(out / name / f for f in outputs), provenance.sidecar("profiles", out / name)], runs[name],
                      force)
    with reported(out):
        if store:
            catalog.writable_models_dir()  # fail before profiling: an installed package is never written into
        for name in names:
            result = profile_dataset(name, chosen, max_nfev=max_nfev, budget_minutes=budget_minutes,
                                     folder=out / name, progress=lambda text: console.print(f"{name}: {text}"),
                                     engine=engine)
            folder = write_profiles(result, out / name)
            shown = Table("parameter", "value", "95% interval", "verdict", title=name)
            for r in result.intervals().itertuples():
                if isinstance(r.value, float) and r.value == r.value:
                    shown.add_row(r.parameter, f"{r.value:.4g}", f"{r.low:.4g} ({r.low_side}) - "
                                  f"{r.high:.4g} ({r.high_side})", r.verdict)
                else:
                    shown.add_row(r.parameter, "", "", r.verdict)
            console.print(shown)
            console.print(f"Ensemble: {len(result.ensemble())} parameter sets; {result.evaluations} evaluations"
                          + (f"; not profiled (budget): {', '.join(result.skipped)}" if result.skipped else ""))
            written = [folder / f for f in PROFILE_FILES]
            stored = None
            if store:
                from ..report import write_ensemble_case

                stored = store_ensemble(result)
                written += write_ensemble_case(result.context, folder, n_jobs=n_jobs)
            record = record_outputs("profiles", folder, {**runs[name], "store": store},
                                    {path: outputs[path.name] for path in written},
                                    load_context_model(result.context), engine)
            print_wrote(*written, *([stored] if stored else []), record)


@app.command("sensitivity", cls=NegativeValues)
def sensitivity_command(
    prediction: list[str] = typer.Argument(..., help="ic50:DRUG:CYTOKINE[:READOUT], knockout:GENE:CYTOKINE[:READOUT], "
                                                     "exposure:DRUG:DOSE/EVERY\\[/XR]:CYTOKINE[:READOUT] (e.g. "
                                                     "exposure:ruxolitinib:20mg/12h:IL6; repeatable), or 'headline' "
                                                     "(docs/uncertainty.md)."),
    method: str = typer.Option("morris", help="morris (every uncertain parameter) or sobol (first and total order)."),
    n: int = typer.Option(None, "--n", help="Morris trajectories (10) or Sobol base sample, a power of 2 (64)."),
    parameters: str = typer.Option(None, help="Comma-separated parameters to vary (default every uncertain one)."),
    top: int = typer.Option(None, help="Vary the TOP most important parameters of a Morris run (--morris), over "
                                       "the predictions given here when that run has them."),
    morris: Path = typer.Option(None, help="sensitivity_indices.csv of an earlier Morris run, for --top."),
    seed: int = typer.Option(0, help="Random seed of the design and the bootstrap intervals."),
    context: str = CONTEXT,
    out: Path = typer.Option(Path("sensitivity"), help="Output folder."),
    checkpoint: Path = typer.Option(None, help="Folder for finished chunks, resumed from (default OUT/checkpoints)."),
    chunk_size: int = typer.Option(16, help="Parameter sets per checkpointed chunk."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (tcp://host:8786) to run on a cluster."),
    n_jobs: int = N_JOBS,
    engine: str = ENGINE,
    figure_format: FigureFormat = FORMAT,
    uncertainty: str = typer.Option(None, "--uncertainty", "-u", callback=uncertainty_given,
                                    help="potency: vary each drug's potency factor "
                                    "over the drug-potency posterior's 90% predictive range instead of its table "
                                    "range."),
    force: bool = FORCE,
):
    """Global sensitivity of predictions over the plausible parameter ranges: Morris or Sobol.

    The ranges are models/parameters.tsv's, sampled log-uniform. Writes
    sensitivity_indices.csv, sensitivity_samples.csv, sensitivity_censoring.csv
    and a figure; an interrupted run resumes from its checkpoint. An exposure
    prediction is the time-averaged inhibition (fraction) over the last dosing
    interval of 3 days of the regimen, the cytokine on throughout; it runs on
    the engine --engine names, as every prediction does. Examples:

      jakstat sensitivity ic50:ruxolitinib:IL6 ic50:tofacitinib:IL2 \\
          --n 10 -j 2 --out out/morris

      jakstat sensitivity exposure:ruxolitinib:20mg/12h:IL6 \\
          exposure:tofacitinib:5mg/12h:IL2 --n 4 --out out/exp

      jakstat sensitivity ic50:ruxolitinib:IL6 --method sobol --top 8 \\
          --morris out/morris/sensitivity_indices.csv
    """
    import jakstat_sbml as js

    from ..uncertainty import top_parameters

    use_agg()
    require_optional("SALib", "sensitivity analysis")
    check_writable(out)
    chosen = [p.strip() for p in parameters.split(",") if p.strip()] if parameters else None
    with reported():
        if top is not None and chosen:
            raise js.InputError("give --top (with --morris) or --parameters, not both")
        chosen = top_parameters(morris, top, [p for p in prediction if p.strip().lower() != "headline"] or None) \
            if top is not None else chosen
    from .. import provenance

    # what makes the files: a run with other settings never replaces them silently
    run = provenance.identity("sensitivity", condition_of(context), {
        "predictions": list(prediction), "method": method, "n": n, "parameters": chosen or "every uncertain one",
        "seed": seed, "uncertainty": uncertainty, "engine": engine})
    paths = [out / "sensitivity_indices.csv", out / "sensitivity_samples.csv", out / "sensitivity_censoring.csv",
             out / f"sensitivity.{figure_format.value}"]
    check_outputs([*paths, provenance.sidecar("sensitivity", out)], run, force)
    client = None
    if scheduler:
        require_optional("distributed", "Dask scale-out (--scheduler)")
        from distributed import Client

        with reported():
            client = Client(scheduler)
    model = load_context_model(context)
    try:
        with reported(out), progress_bar() as progress:
            result = js.sensitivity(model, prediction, method=method, n=n, parameters=chosen, seed=seed,
                                    n_jobs=1 if client else n_jobs, client=client, chunk_size=chunk_size,
                                    checkpoint=checkpoint or out / "checkpoints", progress=progress,
                                    engine=engine, uncertainty=uncertainty or None)
            paths = result.save(out, figure_format.value, force=True)  # checked above, with --force
            record = record_outputs("sensitivity", out, run, dict(zip(paths, (
                "sensitivity indices per prediction and parameter (Morris mu*, sigma or Sobol S1, ST, with intervals)",
                "the parameter sets, each prediction's value and status per set",
                "per prediction: how many sets gave no value, and why",
                "figure of the indices"))), model, engine)
    finally:
        if client is not None:
            client.close()
    warn_flags(result.flags)
    shown = Table("prediction", "top parameters" + (" (mu*)" if method == "morris" else " (ST)"))
    for name in result.predictions:
        ranked = result.ranking(name).head(3)
        shown.add_row(name, ", ".join(f"{r.parameter} {getattr(r, result.score):.3g}" for r in ranked.itertuples()))
    console.print(shown)
    console.print(f"{len(result.samples)} parameter sets, {result.simulations} simulations in {result.seconds:.1f} s; "
                  f"checkpoint chunks reused {result.chunks_reused}, computed {result.chunks_computed}; "
                  f"drug potency factors over: {escape(result.potency_ranges)}", soft_wrap=True)
    print_wrote(*paths, record)


validate_app = typer.Typer(help="Check the model against measured data: fitted and held-out rows, each labelled, "
                                "and the published pharmacokinetics.", no_args_is_help=True)
app.add_typer(validate_app, name="validate")


@validate_app.command("pharmacology", cls=NegativeValues)
def validate_pharmacology_command(
    out: Path = typer.Option(None, help="Also write OUT/pharmacology_validation.csv, a summary and a figure "
                                        "(and with --cross-validate its table, summary and figure)."),
    refit: bool = typer.Option(False, "--refit", help="First simulate every row's reference IC50 and fit the "
                                                      "potency posterior to the rows marked 'fit' (NumPyro; about "
                                                      "a minute)."),
    store: bool = typer.Option(False, "--store", help="With --refit: store the posterior (models/potency/) and "
                                                      "each drug's posterior-median factor (models/parameters.tsv), "
                                                      "and rebuild the SBML."),
    cross_validate: bool = typer.Option(False, "--cross-validate", help="Leave every source out once, refit, and "
                                        "report the held-out sources' fold error and 90% interval coverage "
                                        "(checkpointed; a few minutes)."),
    system_terms: bool = typer.Option(False, "--system-terms", help="With --refit or --cross-validate: give the "
                                      "potency model one effect per assay system (model context, cytokine), shared "
                                      "by every drug and source read in it (docs/pharmacology.md 5)."),
    checkpoint: Path = typer.Option(None, help="Folder for finished cross-validation folds (default OUT/checkpoints "
                                               "with --out); a rerun reuses them."),
    context: str = typer.Option(catalog.DEFAULT_CONTEXT, help="Also predict every drug's IC50 on each cytokine's "
                                                              f"main readout in this context ({CONTEXTS}; free "
                                                              "and total plasma)."),
    figure_format: FigureFormat = FORMAT,
    force: bool = FORCE,
):
    """Every measured cellular / whole-blood IC50 against the potency model.

    Prints each row as added (nominal) with the posterior-median
    prediction for it as a new assay, its 90% predictive interval and
    the fold error; the geometric-mean fold error and interval coverage
    of fit and test rows. With --cross-validate: leave-one-source-out
    (every source held out once, the model refitted without it), whose
    fold error (target <= 2.5) and 90% coverage (target 75-98%) are the
    honest measure; exit status 1 when they miss, 2 on bad input.
    Without it: the run `make pharmacology` stored, with each drug's
    held-out record (what its predictive intervals quote). Then prints
    the model's IC50s in --context.

      jakstat validate pharmacology --cross-validate --out out/pharmacology

    (19 refits, about 5 min on 2 cores, checkpointed in OUT/checkpoints;
    `make pharmacology` writes the stored results in docs/pharmacology.)
    """
    use_agg()
    from .. import catalog
    from .. import pharmacology as ph

    check_writable(out)
    if store and not refit:
        raise typer.BadParameter("--store writes a refitted posterior: it needs --refit", param_hint="--store")
    if system_terms and not (refit or cross_validate):  # it was once ignored without a word
        raise typer.BadParameter("--system-terms shapes a fit: it needs --refit or --cross-validate",
                                 param_hint="--system-terms")
    if checkpoint is not None and not cross_validate:
        raise typer.BadParameter("--checkpoint keeps cross-validation folds: it needs --cross-validate",
                                 param_hint="--checkpoint")
    posterior = None
    with reported():
        catalog.context(context)  # a bad --context fails before any simulation
    from .. import provenance

    run = provenance.identity("validate_pharmacology", condition_of(context),
                              {"refit": refit, "store": store, "cross_validate": cross_validate,
                               "rows": "data/pharmacology/cellular_ic50.tsv",
                               "ex_vivo_rows": "data/pharmacology/ex_vivo_ec50.tsv",
                               **({"system_terms": True} if system_terms else {})})
    if out is not None:
        csv, summary = out / "pharmacology_validation.csv", out / "pharmacology_validation_summary.csv"
        figure = out / f"pharmacology_validation.{figure_format.value}"
        predictions = out / f"predicted_ic50_{context}.csv"
        ratios_csv = out / "same_assay_ratios.csv"
        ex_vivo_csv = out / "ex_vivo_tests.csv"
        cv_files = [out / "cross_validation.csv", out / "cross_validation_summary.csv",
                    out / "cross_validation_by_source.csv", out / f"cross_validation.{figure_format.value}",
                    out / "cross_validation_pairs.csv"]
        check_outputs([csv, summary, figure, predictions, ratios_csv, ex_vivo_csv,
                       provenance.sidecar("pharmacology_validation", out),
                       *(cv_files if cross_validate else [])], run, force)
    with reported():
        if store:
            catalog.writable_models_dir()  # and an installed package is never written into
        if refit:
            console.print("simulating each row's reference IC50 and sampling the potency posterior (NumPyro NUTS)...")
            if store:
                from ..build import build_sbml

                posterior = ph.fit_and_store(system_terms=system_terms)
                build_sbml()  # the SBML carries the new factors; models loaded from now on use them
            else:
                from ..potency.posterior import fit_posterior

                posterior = fit_posterior(system_terms=system_terms)
            for _, r in posterior.summary().iterrows():
                console.print(f"{r['quantity']}: {r['median']:.3g} (90% credible {r['low_90']:.3g}-{r['high_90']:.3g})")
            if not posterior.converged():
                messages.print("[yellow]warning: the sampler's checks failed (r_hat >= 1.05, effective draws <= 100 "
                               "or divergences); see models/potency/posterior_diagnostics.tsv[/yellow]")
        with progress_bar() as progress:
            result = ph.validate_pharmacology(rows=ph.measurements(), posterior=posterior, progress=progress)
        from ..potency.same_assay import same_assay_ratios

        from ..potency.ex_vivo import ex_vivo_tests

        ratios = same_assay_ratios(posterior)
        ex_vivo = ex_vivo_tests(posterior)
        cv = None
        if cross_validate:
            from ..potency.crossval import cross_validate as run_cv

            folder = checkpoint or (out / "checkpoints" if out is not None else None)
            with progress_bar() as progress:
                task = progress.add_task("leave one source out", total=None)
                cv = run_cv(checkpoint=folder, system_terms=system_terms, progress=lambda src, i, n: progress.update(
                    task, completed=i, total=n, description=f"left out {src}"))
        predicted = ph.context_ic50s(load_context_model(context))
    table = Table(caption="IC50 in nM as added (nominal): measured; potency-model median for a new assay with its "
                          "90% predictive interval (green: covers the measurement); fold error")
    table.add_column("row", no_wrap=True)
    for name in ("role", "matrix", "measured", "predicted", "90% interval", "fold"):
        table.add_column(name, justify="left" if name in ("role", "matrix") else "right")
    for _, r in result.table.iterrows():
        colour = "green" if r["covered"] else "red"
        relation = r["relation"] if r["relation"] != "=" else ""
        table.add_row(r["id"], r["role"], r["matrix"], f"{relation}{r['measured_nM']:.3g}", f"{r['predicted_nM']:.3g}",
                      f"[{colour}]{r['low_90_nM']:.3g}-{r['high_90_nM']:.3g}[/{colour}]", f"{r['fold_error']:.2f}")
    console.print(table)
    s = result.summary()
    console.print(f"posterior median vs measured: GMFE {s['gmfe']:.2f} (fit rows {s['gmfe_fit']:.2f}, test rows "
                  f"{s['gmfe_test']:.2f}); 90% predictive intervals cover {s['coverage_90']:.0%} of rows "
                  f"({s['coverage_90_test']:.0%} of test rows); {s['rows']} rows, {s['sources']} sources", soft_wrap=True)
    if cv is not None:
        _print_cross_validation(cv, posterior, tests={"relative": ratios, "ex_vivo": ex_vivo})
    else:
        _print_stored_cross_validation()
    _print_same_assay_ratios(ratios)
    _print_ex_vivo_tests(ex_vivo)
    _print_context_ic50s(predicted, context, ph.PREDICTION_MAX_NM)
    if out is not None:
        import pandas as pd

        written = [csv, summary, predictions, ratios_csv, ex_vivo_csv, figure]
        described = {
            ex_vivo_csv: "ex vivo tests: a drug's plasma EC50 measured in blood drawn from dosed people (never "
                         "fitted), against the potency model's 90% predictive interval of it",
            ratios_csv: "same-assay ratios: a one-source drug's IC50 over a fitted partner's in one assay of a source "
                        "no fit uses, against the potency model's 90% predictive interval of the ratio",
            csv: "every measured IC50 against the potency model's prediction for it as a new assay (90% interval)",
            summary: "geometric-mean fold error and 90% interval coverage, fit and test rows",
            predictions: f"the model's IC50 of every drug on each cytokine's main readout in {context}",
            figure: "measured against predicted IC50s with 90% predictive intervals"}
        with reported(out):
            out.mkdir(parents=True, exist_ok=True)
            result.to_frame().to_csv(csv, index=False)
            pd.DataFrame([s]).to_csv(summary, index=False)
            predicted.to_csv(predictions, index=False)
            ratios.to_frame().to_csv(ratios_csv, index=False)
            ex_vivo.to_frame().to_csv(ex_vivo_csv, index=False)
            save_figure(result.plot(), figure)
            if cv is not None:
                cv_csv, cv_summary, cv_sources, cv_figure, cv_pairs = cv_files
                cv.to_frame().to_csv(cv_csv, index=False)
                if cv.pairs is not None:  # None: folds stored before the ratios, so no table (not an empty one)
                    cv.pairs.to_csv(cv_pairs, index=False)
                pd.DataFrame([cv.summary()]).to_csv(cv_summary, index=False)
                cv.by("source_id").to_csv(cv_sources, index=False)
                save_figure(cv.plot(), cv_figure)
                written += cv_files if cv.pairs is not None else cv_files[:-1]
                if cv.pairs is not None:
                    described[cv_pairs] = ("leave-one-source-out: two drugs in one assay of a held-out source, their "
                                           "IC50 ratio against its 90% predictive interval")
                described.update({cv_csv: "leave-one-source-out: each held-out row's prediction and 90% interval",
                                  cv_summary: "leave-one-source-out GMFE and 90% coverage, with the targets",
                                  cv_sources: "leave-one-source-out GMFE and coverage per source",
                                  cv_figure: "held-out predictions against the measurements"})
        # the rows' table is the result's: js.load gives back its summary and flags (it gave {})
        record = record_outputs("pharmacology_validation", out, run, described, load_context_model(context),
                                result=(csv, result))
        print_wrote(*written, record)
    if cv is not None and not cv.meets_targets:
        console.print(f"[yellow]cross-validation target missed: {'; '.join(cv.missed_targets())}[/yellow]")
        raise typer.Exit(1)


def _print_cross_validation(cv, posterior=None, tests=None) -> None:
    """The held-out sources worst first, the cross-validation against its targets, and the
    floor replicate measurements put under its fold error (beside the fitted spreads)."""
    import numpy as np

    from ..potency.crossval import TARGET_COVERAGE, qualifiers_text, with_tests
    from ..potency.posterior import load_posterior
    from ..potency.replicates import replicate_spread

    sources = Table(caption="held-out sources, worst first: GMFE of each source's rows predicted with the source left "
                            "out, and how many of them their 90% predictive interval covers")
    longest = int(cv.table["source_id"].str.len().max())
    sources.add_column("source", no_wrap=True, min_width=longest)  # names in full: they are looked up
    sources.add_column("drugs")
    for name in ("rows", "GMFE", "covered"):
        sources.add_column(name, justify="right", no_wrap=True)
    drugs = cv.table.groupby("source_id")["drug"].unique()
    for _, r in cv.by("source_id").sort_values("gmfe", ascending=False).iterrows():
        n, covered = int(r["rows"]), round(r["coverage"] * r["rows"])
        colour = "green" if covered == n else "red"
        sources.add_row(r["source_id"], ", ".join(sorted(drugs[r["source_id"]])), str(n), f"{r['gmfe']:.2f}",
                        f"[{colour}]{covered}/{n}[/{colour}]")
    console.print(sources)
    records = cv.track_records()
    for kind, judged in (tests or {}).items():  # the verdicts the stored records give: "relative test only"
        records = with_tests(records, judged, kind)
    _print_track_records(records)
    _print_track_records(cv.track_records("system"), "system")
    cs = cv.summary()
    low, high = TARGET_COVERAGE
    console.print(f"leave-one-source-out ({cs['sources']} sources, {cs['rows']} held-out rows): GMFE "
                  f"{cs['gmfe']:.2f} (target <= {cs['target_gmfe']:g}), 90% predictive interval coverage "
                  f"{cs['coverage_90']:.0%} (target {low:.0%}-{high:.0%}); refits {cs['seconds']:.0f} s "
                  f"({cs['folds_reused']} folds read back from checkpoints)", soft_wrap=True)
    console.print(qualifiers_text(cs), soft_wrap=True)
    fitted = (posterior or load_posterior()).draws
    console.print(replicate_spread().describe(float(np.median(fitted["tau"])), float(np.median(fitted["sigma"]))),
                  soft_wrap=True)


def _print_track_records(records, by: str = "drug") -> None:
    """Each drug's (or assay system's) held-out rows, coverage and verdict: what the
    predictive intervals of that drug, or read in that system, quote."""
    drugs_table = Table(caption=f"held-out rows per {'drug' if by == 'drug' else 'assay system (context:cytokine)'}, "
                                "which every predictive interval "
                                + ("of the drug" if by == "drug" else "read there") + " quotes (too narrow: 90% "
                                "intervals would cover so few by chance < 5%; rows (+n): n more rows whose fold kept "
                                "no fit row of their drug, predicted from biochemistry and the prior alone, not "
                                "counted)")
    drugs_table.add_column("drug" if by == "drug" else "system", no_wrap=True)
    # the prior-only count beside the rows, not in a column of its own: 80 columns cut the verdicts
    for name in ("rows", "sources", "GMFE", "covered"):
        drugs_table.add_column(name, justify="right", no_wrap=True)
    drugs_table.add_column("verdict", no_wrap=True)
    from ..potency.crossval import worst_first

    for record in worst_first(records):
        colour = "red" if record.too_narrow else "green"
        tested = record.rows > 0
        drugs_table.add_row(record.name, f"{record.rows}" + (f" (+{record.prior_only})" if record.prior_only else ""),
                            str(record.sources) if tested else "-", f"{record.gmfe:.2f}" if tested else "-",
                            f"[{colour}]{record.covered}/{record.rows}[/{colour}]" if tested else "-",
                            record.verdict)
    console.print(drugs_table)


def _print_stored_cross_validation() -> None:
    """Without --cross-validate: the run `make pharmacology` stored, against its targets
    and per drug, so that the honest check is one command away without 19 refits."""
    from ..potency.crossval import (TARGET_COVERAGE, TARGET_GMFE, qualifiers_text, stored_cross_validation,
                                    stored_summary, stored_track_records)

    cv = stored_summary()
    if cv is None:
        console.print("no stored cross-validation: --cross-validate runs it (19 refits, minutes)")
        return
    low, high = TARGET_COVERAGE
    console.print(f"stored leave-one-source-out cross-validation (make pharmacology; --cross-validate reruns it): "
                  f"GMFE {cv['gmfe']:.2f} (target <= {TARGET_GMFE:g}), 90% predictive interval coverage "
                  f"{cv['coverage_90']:.0%} (target {low:.0%}-{high:.0%}); {cv['rows']} rows, {cv['sources']} sources"
                  + ("" if cv["current"] else escape(" [of other measured data than these tables: rerun it]")),
                  soft_wrap=True)
    console.print(qualifiers_text(stored_cross_validation().summary()), soft_wrap=True)
    _print_track_records(stored_track_records())
    _print_track_records(stored_track_records("system"), "system")


def _print_same_assay_ratios(ratios) -> None:
    """Each same-assay ratio against its predictive interval: the test of a one-source
    drug's potency relative to a partner's (potency/same_assay.py)."""
    _print_judged(ratios, "same-assay ratios: IC50 of a drug over a fitted partner's, measured in one assay of a source "
                          "no fit uses (its offset, serum and readout cancel); the potency model's median and 90% "
                          "predictive interval of the ratio (green: covers); fold error",
                  "drug / partner, cytokine", lambda r: f"{r['drug']} / {r['partner_drug']}, {r['cytokine']}",
                  ("measured_ratio", "predicted_ratio", "low_90", "high_90"), "same_assay_pairs.tsv")


def _print_ex_vivo_tests(tests) -> None:
    """Each ex vivo EC50 against its predictive interval: a drug's potency in dosed
    people, never fitted (potency/ex_vivo.py)."""
    _print_judged(tests, "ex vivo tests: EC50 in nM of plasma, blood drawn from dosed people and stimulated outside "
                         "the body (clinical pharmacodynamics, never fitted); the potency model's median and 90% "
                         "predictive interval for a new source (green: covers); fold error",
                  "drug, cytokine/readout", lambda r: f"{r['drug']}, {r['cytokine']}/{r['readout']}",
                  ("measured_nM", "predicted_nM", "low_90_nM", "high_90_nM"), "ex_vivo_ec50.tsv")


def _print_judged(tests, caption: str, first: str, label, columns: tuple[str, str, str, str], table_file: str) -> None:
    """A table of quantities judged against their 90% predictive intervals (potency/judging.py),
    counted apart from the GMFE above, and its one-line count."""
    if tests.table.empty:
        return
    shown = Table(caption=f"{caption}. Not in the GMFE above: another quantity")
    shown.add_column(first, no_wrap=True)
    for name in ("measured", "predicted", "90% interval", "fold"):
        shown.add_column(name, justify="right", no_wrap=True)
    measured, predicted, low, high = columns
    for _, r in tests.table.iterrows():
        colour = "green" if r["covered"] else "red"
        shown.add_row(label(r), f"{r[measured]:.3g}", f"{r[predicted]:.3g}",
                      f"[{colour}]{r[low]:.2g}-{r[high]:.3g}[/{colour}]", f"{r['fold_error']:.2f}")
    console.print(shown)
    s = tests.summary()
    console.print(f"{caption.split(':')[0]}: {s['covered']} of {s[tests.COUNTED]} inside their 90% predictive "
                  f"intervals, GMFE {s['gmfe']:.2f} ({', '.join(s['drugs'])}; data/pharmacology/{table_file})",
                  soft_wrap=True)


def _print_context_ic50s(predicted, context: str, beyond_nM: float) -> None:
    """The model's IC50 of every drug on each cytokine's main readout: a row per drug and
    concentration kind, a column per cytokine, numbers in four characters so that the
    table fits an 80-column terminal (the CSV of --out has them in full)."""
    from .common import compact_nM

    pathways = list(dict.fromkeys(zip(predicted["cytokine"], predicted["readout"])))
    drugs = list(dict.fromkeys(predicted["drug"]))
    shown = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                  caption=f"model IC50 (nM; k = 10^3, M = 10^6) in context {context} at the posterior-median potency, "
                          "free and in total plasma, on each cytokine's main readout ("
                          + ", ".join(f"{c} {r}" for c, r in pathways) + "); drugs: "
                          + ", ".join(f"{d[:4]} = {d}" for d in drugs) + f"; '-': not half-inhibited below "
                          f"{beyond_nM:g} nM free, or no response in this context; read off a fine dose grid, as the "
                          "rows are, so `jakstat dose-response`, whose IC50 is a Hill fit's midpoint over its own doses, "
                          "can differ by a few % (docs/pharmacology.md 9); predictive intervals: jakstat "
                          "dose-response --uncertainty")
    shown.add_column("drug", no_wrap=True)
    for cytokine, _ in pathways:
        shown.add_column(cytokine, justify="right", no_wrap=True)
    for d in drugs:
        mine = predicted[predicted["drug"] == d].set_index(["cytokine", "readout"])
        for kind, column in (("free", "ic50_free_nM"), ("plasma", "ic50_plasma_nM")):
            # a pathway without a finite free IC50 shows '-' in both rows
            shown.add_row(f"{d[:4]} {kind}", *(compact_nM(mine.loc[p, column]) if mine.loc[p, "ic50_free_nM"] <
                                                 float("inf") else "-" for p in pathways),
                          end_section=kind == "plasma")
    console.print(shown)


@validate_app.command("pharmacokinetics", cls=NegativeValues)
def validate_pharmacokinetics_command(
    drug: str = typer.Option(None, help="Only this drug's checks (default: every drug with tabulated PK)."),
    out: Path = typer.Option(None, help="Also write OUT/pharmacokinetic_checks.csv and a figure, with their "
                                        "provenance record."),
    figure_format: FigureFormat = FORMAT,
    force: bool = FORCE,
):
    """Every published PK number (label Cmax, half-life, Tmax, accumulation...) against the
    one-compartment model.

    Recomputes each row of data/pharmacokinetics/pk_observations.tsv from
    the model and says whether it lies inside the row's bounds, and what
    the check is worth: independent (nothing was set from it), circular (a
    parameter was derived from it) or consistency (a parameter was set
    inside its range). Known misses are printed with their reason. Exit
    status 1 when a check misses that is not a known miss, or a known miss
    is met (its note is then stale); 2 on bad input.

      jakstat validate pharmacokinetics --drug ruxolitinib
    """
    use_agg()
    from .. import provenance
    from ..regimens.checks import format_value, validate_pharmacokinetics

    check_writable(out)

    run = provenance.identity("validate_pharmacokinetics", {}, {"drug": drug,
                                                               "observations": "data/pharmacokinetics/pk_observations.tsv"})
    if out is not None:
        csv, figure = out / "pharmacokinetic_checks.csv", out / f"pharmacokinetic_checks.{figure_format.value}"
        check_outputs([csv, figure, provenance.sidecar("pharmacokinetic_checks", out)], run, force)
    with reported():
        result = validate_pharmacokinetics(drug)
    checks = result.table
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                  caption="each published number against the model (closed-form one-compartment PK), bounds from its "
                          "source (data/pharmacokinetics/pk_observations.tsv); evidence: independent = nothing was "
                          "set from it, circular = a parameter was derived from it, consistency = a parameter was set "
                          "inside its range; --out writes the table in full")
    for name in ("check", "observed", "bounds", "model", "evidence", "status"):
        table.add_column(name, justify="left" if name in ("check", "evidence", "status") else "right",
                         no_wrap=name != "check")
    for r in checks.itertuples():
        colour = "green" if r.status == "within" else ("yellow" if r.status == "known miss" else "red")
        table.add_row(f"{r.drug} {r.formulation} {r.dose_mg:g} mg {r.quantity.replace('_', ' ')}",
                      format_value(r.observed, r.unit), f"{format_value(r.low)}-{format_value(r.high)}",
                      format_value(r.model), r.evidence, f"[{colour}]{r.status}[/{colour}]")
    console.print(table)
    s = result.summary()
    console.print(f"{s['independent_within']} of {s['independent']} independent checks within their bounds (and "
                  f"{s['within'] - s['independent_within']} of {s['checks'] - s['independent']} circular or "
                  f"consistency checks), {s['known_misses']} known miss{'' if s['known_misses'] == 1 else 'es'}",
                  soft_wrap=True)
    for r in checks[checks.known_miss != ""].itertuples():
        console.print(f"known miss, {r.drug} {r.formulation} {r.quantity}: {r.known_miss}", soft_wrap=True)
    if out is not None:
        with reported(out):
            out.mkdir(parents=True, exist_ok=True)
            result.to_frame().to_csv(csv, index=False)
            save_figure(result.plot(), figure)
        record = record_outputs("pharmacokinetic_checks", out, run,
                                {csv: "each published PK number against the one-compartment model",
                                 figure: "model over published value per check, with the published bounds"}, None,
                                engine="numpy")
        print_wrote(csv, figure, record)
    if s["changed"]:
        messages.print(f"[red]{s['changed']} checks changed: a miss not recorded as known, or a known miss now met "
                       "(the known_miss column of data/pharmacokinetics/pk_observations.tsv)[/red]", soft_wrap=True)
        raise typer.Exit(1)
