"""The report `make demo` writes: one folder of figures, tables and an index page.

:func:`write_report` runs, in order: a time course per cytokine, each cytokine's
dose-response (EC50), each drug's dose-response on every cytokine/readout pair it
acts on (IC50), the knockout screen, one drug combination, the gain-of-function
mutations, the drug potency against measured data, the dosing regimens and every drug compared
(``js.compare_drugs``), and ties them together in ``index.md``. :func:`steps` lists the steps so
a caller can show progress.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, catalog, plots
from .experiments import (
    Combination, CytokineResponse, DoseResponse, DrugComparison, KnockoutScreen, absent_pathways, combination,
    compare_drugs, cytokine_response, dose_response, knockout_screen, response,
)
from .model import Model
from .errors import InputError, JakStatWarning

# The report's combination: a JAK inhibitor with a drug acting on STAT5 itself, each over
# the central decades of its default doses (catalog.Drug.central_doses, from drugs.tsv).
# No doses: js.combination centres the grid on each drug's own IC50 on the pathway. The drugs'
# central doses (10-3000 nM of ruxolitinib) saturated 5 of the 6 ruxolitinib rows, so the mean
# excess rested on one row.
COMBINATION = dict(drug_a="ruxolitinib", drug_b="pimozide", cytokine="IL2", readout="pSTAT5")
MEASURE_TIME = 20.0  # min: dose-responses read early, before most feedback (as in DESIGN 2.5.9)
# The report's virtual cohort (issue 24): the approved ruxolitinib and tofacitinib regimens,
# small enough for the report (notebook 10 and `jakstat trial` run larger cohorts).
# With the potency interval of each cohort statistic: the spread between patients alone read as
# if the drug's potency were known (two more cohorts, about 15 s here).
COHORT = dict(arms={"ruxolitinib 20 mg BID": ("ruxolitinib", "20 mg"), "tofacitinib 5 mg BID": ("tofacitinib", "5 mg")},
              cytokines=("IL2", "IL6"), patients=24, days=2, seed=0, stimulation="continuous", uncertainty="potency")


def ic50_drugs() -> list[str]:
    """The drugs whose dose-responses the report draws one by one, with predictive intervals:
    those whose cellular potency is fitted to measured rows (models/potency/) and the drugs
    that act without a cellular factor (pimozide). Every drug, these included, is in the
    panel section (js.compare_drugs), without intervals: an interval for a drug whose
    potency is an assumption would only restate the assumed range."""
    from .potency.posterior import load_posterior

    fitted = set(load_posterior().drugs)
    return [d for d in catalog.DRUGS if d in fitted or not catalog.drug(d).cellular_factor]
T_END = 120.0  # min of every time course

# Gain-of-function mutations (catalog.MUTATIONS): the experiment that shows each.
MUTATION_CASES = [
    ("JAK3_A572V", None, "pSTAT5", "no cytokine: constitutive pSTAT5"),
    ("STAT5B_N642H", "IL2", "pSTAT5B", "IL-2: prolonged pSTAT5B"),
    ("STAT3_Y640F", "IL6", "tx_STAT3", "IL-6: stronger STAT3 output"),
]


def steps() -> list[str]:
    """Labels of the report's steps, in order (one progress tick each)."""
    out = ["pathways present"]
    out += [f"time course {c}" for c in catalog.CYTOKINES]
    out += [f"EC50 {c}" for c in catalog.CYTOKINES]
    out += [f"IC50 {d} {c}/{r}" for d in ic50_drugs() for c, r in catalog.drug_pairs(d)]
    out += ["knockout screen", "pathway map", "combination", "mutations", "pharmacology", "dosing", "drug panel",
            "virtual cohort", "calibration uncertainty", "index"]
    return out


def report_run(context: str, figure_format: str = "png") -> dict:
    """The identity of a report (provenance): what makes two reports the same report."""
    from . import provenance

    return provenance.identity("report", provenance.condition_record(context), {"figure_format": figure_format})


def write_report(model: Model, out: Path, *, figure_format: str = "png",
                 progress: Callable[[str], None] | None = None, n_jobs: int = 1, client=None,
                 command: str | None = None) -> Path:
    """Write the whole report into ``out``; returns the path of ``index.md``. Every file's
    provenance (its condition and how it was made) goes to ``report.provenance.json``
    (``js.read_provenance``); ``command``: the command line that asked for it."""
    import matplotlib

    matplotlib.use("Agg")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tick = progress or (lambda _label: None)
    run_kw = dict(n_jobs=n_jobs, client=client)
    fmt = figure_format

    # Pathways the context cannot signal through are left out of every figure and table
    # (listed once in the index), not drawn as empty panels and NaN cells.
    absent = absent_pathways(model, t_end=T_END, **run_kw)
    present = [c for c in catalog.CYTOKINES if c not in absent]
    tick("pathways present")

    def skipped(label: str) -> None:
        tick(f"{label} (not present)")

    for c in absent:
        skipped(f"time course {c}")
    sections = [("Time courses at standard doses",
                 time_course_section(time_courses(model, out, fmt, tick, cytokines=present)))]

    ec50 = []
    for c in catalog.CYTOKINES:
        if c in absent:
            skipped(f"EC50 {c}")
            continue
        with _labelled_warnings(f"EC50 of {c}"):
            ec50.append(cytokine_response(model, c, time=MEASURE_TIME, **run_kw))
        tick(f"EC50 {c}")
    sections.append(("Cytokine dose-response (EC50)", ec50_section(ec50, out, fmt)))

    ic50 = []
    for d in ic50_drugs():
        with _grouped_warnings(f"IC50 of {d} on") as labelled:
            for c, r in catalog.drug_pairs(d):
                if c in absent:
                    skipped(f"IC50 {d} {c}/{r}")
                    continue
                with labelled(f"{c}/{r}"):
                    ic50.append(dose_response(model, d, c, r, time=MEASURE_TIME, uncertainty="potency", **run_kw))
                tick(f"IC50 {d} {c}/{r}")
    sections.append(("Drug dose-response (IC50)", ic50_section(ic50, out, fmt)))

    with _labelled_warnings("knockout screen"):
        screen = knockout_screen(model, cytokines=present, window=(0.0, T_END), **run_kw)
    tick("knockout screen")
    sections.append(("Knockout screen", screen_section(screen, out, fmt)))

    sections.append(("Pathway map", map_section(model, out, screen, present)))
    tick("pathway map")

    with _labelled_warnings(f"{COMBINATION['drug_a']} x {COMBINATION['drug_b']} on {COMBINATION['cytokine']}"):
        comb = combination(model, time=MEASURE_TIME, **COMBINATION, **run_kw)
    tick("combination")
    sections.append(("Drug combination", combination_section(comb, out, fmt)))

    sections.append(("Gain-of-function mutations", mutation_section(model, out, fmt)))
    tick("mutations")

    sections.append(("Drug potency against measured data", pharmacology_section(model, out, fmt)))
    tick("pharmacology")

    from .dosing.report import dosing_section

    sections.append(("Dosing regimens (PK/PD)", dosing_section(model, out, fmt, cytokines=present)))
    tick("dosing")

    # the panel's flags on a drug's curve repeat the IC50 section's for the drugs it drew: printed once
    given = {f"{c.drug}, {c.cytokine}/{c.readout}: {flag}" for c in ic50 for flag in c.flags}
    with _labelled_warnings("drug panel", given):
        panel = compare_drugs(model, cytokines=present, **run_kw)
    sections.append(("JAK inhibitors compared", panel_section(panel, out, fmt)))
    tick("drug panel")

    with _labelled_warnings("virtual cohort"):
        cohort = cohort_section(model, out, fmt, cytokines=present, **run_kw)
    sections.append(("A virtual CTCL cohort", cohort))
    tick("virtual cohort")

    sections.append(("Calibrated contexts: predictions with their ensemble intervals",
                     ensemble_section(out, fmt, **run_kw)))
    tick("calibration uncertainty")

    index = write_index(out, model, sections, absent)
    _write_provenance(model, out, fmt, present, command)
    tick("index")
    return index


def interval_settings(mode: str) -> dict:
    """What the report's predictive intervals drew: the mode, draws, seed, level (the
    experiments' defaults, which the report uses); the record lacked them."""
    from dataclasses import asdict

    from .potency.draws import Uncertainty

    settings = asdict(Uncertainty(mode))
    if mode != "parameters":  # only that mode samples parameter sets (in a calibrated context "all" uses the ensemble)
        settings.pop("parameter_sets")
    return settings


def _write_provenance(model: Model, out: Path, fmt: str, present: list[str], command: str | None) -> Path:
    """report.provenance.json: the condition and settings of every file the report wrote."""
    from . import provenance
    from .dosing.report import REPORT_DAYS, approved_regimens
    from .ensemble import ensemble_contexts

    def condition(context: str = model.context, **keywords) -> dict:
        return provenance.condition_record(context, **keywords)

    def standard(cytokine: str) -> dict:
        return {cytokine: catalog.CYTOKINES[cytokine].standard_dose}

    base = condition()
    files: dict[str, dict] = {"index.md": {"content": "the report's index page", "experiment": "report"}}

    def add(names, content: str, experiment: str, cond: dict, settings: dict) -> None:
        for name in names:
            files[name] = {"content": content, "experiment": experiment, "condition": cond, "settings": settings}

    for c in present:
        add([f"timecourse_{c}.csv", f"timecourse_{c}.{fmt}"], f"time course of {c} at its standard dose",
            "time course", condition(cytokines=standard(c)), {"t_end": T_END})
    add(["cytokine_ec50.csv", "cytokine_dose_response.csv", f"cytokine_ec50.{fmt}"],
        "each cytokine's dose-response and EC50", "cytokine_response", base,
        {"cytokines": present, "doses": "1/1000 to 100x the standard dose", "time": MEASURE_TIME})
    pairs = [f"{d} on {c}/{r}" for d in ic50_drugs() for c, r in catalog.drug_pairs(d) if c in present]
    add(["drug_ic50.csv", "drug_dose_response.csv", *(f"ic50_{d}.{fmt}" for d in ic50_drugs())],
        "each drug's dose-response and IC50 on every pair it acts on", "dose_response", base,
        {"pairs": pairs, "doses": "each drug's default", "cytokine_dose": "standard", "time": MEASURE_TIME,
         "interval": interval_settings("potency")})
    add(["knockout_screen.csv", "knockout_screen_log2fc.csv", f"knockout_screen.{fmt}"],
        "every gene knocked out under each cytokine: AUCs and log2 fold changes", "knockout_screen", base,
        {"cytokines": present, "genes": "all", "window": [0.0, T_END]})
    add(["map.html", "map.png", "map.svg"], "the pathway map", "pathway map", base,
        {"cytokines": present, "picture": "IL2 at 15 min"})
    comb = {k: v for k, v in COMBINATION.items() if k != "cytokine"}
    add(["combination.csv", f"combination.{fmt}"], "two-drug grid: effect and Bliss/Loewe/HSA excess", "combination",
        condition(cytokines=standard(COMBINATION["cytokine"])),
        {**comb, "doses": "1/10, 1/3, 1, 3 and 10x each drug's own IC50 on the pathway (js.combination's grid)",
         "time": MEASURE_TIME})
    add(["mutations.csv", f"mutations.{fmt}"], "each gain-of-function mutation (fraction 1) against wild type",
        "mutations", base, {"cases": [{"mutation": m, "cytokine": c, "readout": r} for m, c, r, _ in MUTATION_CASES],
                            "t_end": T_END})
    add(["pharmacology_validation.csv", f"pharmacology_validation.{fmt}"],
        "every measured cellular IC50 recomputed (each row in its own context)", "validate_pharmacology", base,
        {"rows": "data/pharmacology/cellular_ic50.tsv"})
    regimens = list(approved_regimens())
    dosing = {"regimens": regimens, "days": REPORT_DAYS, "cytokines": present, "stimulation": "continuous"}
    add(["dosing.csv", f"dosing.{fmt}"], "exposure-response of the approved regimens", "exposure_response", base,
        dosing)
    add(["dosing_mutant.csv"], "exposure-response of the approved regimens with the CTCL mutations",
        "exposure_response", condition(mutations={m: 0.5 for m in catalog.MUTATIONS}), dosing)
    add(["pharmacokinetic_checks.csv"], "every published PK number against the one-compartment model (closed form; "
        "no pathway simulation: the context does not enter)", "validate_pharmacokinetics", base,
        {"observations": "data/pharmacokinetics/pk_observations.tsv"})
    panel = {"drugs": catalog.drugs(), "cytokines": present, "doses": "each drug's default",
             "cytokine_dose": "standard", "time": MEASURE_TIME, "regimens": "data/pharmacokinetics/approved_regimens.tsv",
             "stimulation": "continuous"}
    add(["drug_panel.csv", f"drug_panel.{fmt}"], "every drug on every pathway it acts on: IC50s, fold over the "
        "drug's most potent pathway, steady-state inhibition at its approved regimens", "compare_drugs", base, panel)
    add(["drug_panel_regimens.csv"], "per drug, approved regimen and pathway: time-averaged, trough and peak "
        "inhibition", "compare_drugs", base, panel)
    add(["cohort_patients.csv", "cohort_summary.csv", f"cohort.{fmt}"], "a virtual cohort under the approved "
        "ruxolitinib and tofacitinib regimens: each patient's PK and cell, and the distribution of pathway "
        "inhibition with the potency interval of each statistic", "virtual_trial", base, {**cohort_design(present), "arms": list(COHORT["arms"])})
    cases = [c for c in ENSEMBLE_CASES if c[0] in ensemble_contexts()]
    for context, drug, cytokine, readout in cases:
        add([f"ensemble_band_{context}_{cytokine}_{readout}.csv"], f"time course of {readout} over the calibration "
            f"ensemble of {context}", "ensemble band", condition(context, cytokines=standard(cytokine)),
            {"readout": readout, "t_end": T_END})
    if cases:
        add(["ensemble_ic50.csv", f"ensemble_bands.{fmt}"], "each calibrated context's headline IC50 over its "
            "ensemble, and the bands", "ensemble", {**base, "context": ", ".join(c[0] for c in cases)},
            {"cases": [f"{d} on {c}/{r} in {x}" for x, d, c, r in cases], "time": MEASURE_TIME,
             "interval": interval_settings("all")})
    files = {name: entry for name, entry in files.items() if (out / name).exists()}
    rec = provenance.record(report_run(model.context, fmt), files, model=model, command=command)
    return provenance.write(out / f"report{provenance.SUFFIX}", rec)


@contextmanager
def _labelled_warnings(label: str, given: Collection[str] = ()) -> Iterator[None]:
    """Re-issue the JakStatWarnings of one experiment prefixed with ``label``, so a warning
    the report prints says which of its many experiments it is about; a message in
    ``given`` was printed already, by an earlier section, and is not repeated."""
    with _grouped_warnings(label, given) as labelled, labelled(""):
        yield


@contextmanager
def _grouped_warnings(what: str, given: Collection[str] = ()) -> Iterator[Callable[[str], AbstractContextManager[None]]]:
    """For a run of experiments (one drug on each of its pathways): collect each one's
    JakStatWarnings under its label, then issue each distinct message once, naming every
    experiment that raised it ("IC50 of ruxolitinib on IL2/pSTAT5, IL6/pSTAT3: ..."), so a
    drug-wide warning is not printed once per pathway. Messages in ``given`` are dropped."""
    raised_by: dict[str, list[str]] = {}

    @contextmanager
    def labelled(label: str) -> Iterator[None]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", JakStatWarning)
            yield
        for w in caught:
            if issubclass(w.category, JakStatWarning):
                labels = raised_by.setdefault(str(w.message), [])
                if label not in labels:
                    labels.append(label)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    yield labelled
    for message, labels in raised_by.items():
        if message in given:
            continue
        named = " ".join(part for part in (what, ", ".join(label for label in labels if label)) if part)
        warnings.warn(f"{named}: {message}", JakStatWarning, stacklevel=3)


# ----------------------------------------------------------------------------- sections


def _save(fig, path: Path) -> str:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return "0" if abs(x) < 1e-9 else plots.format_number(x)  # solver noise around zero reads 0


def _percent(x: float) -> str:
    return f"{x:.0%}" if np.isfinite(x) else "n/a"


def _ic50_cell(curve, bound: tuple[str, float] | None) -> str:
    """The IC50, or ``bound``, the bound the doses put on it ('> 3,000': no dose tested, up to
    3,000 nM, inhibits by half), with the flags that say why beside it."""
    if bound is None:
        return (_fmt(curve.ic50) if np.isfinite(curve.ic50) else "n/a") + _flagged(curve)
    flags = tuple(curve.flags or ())
    return f"{bound[0]} {_fmt(bound[1])}" + (f" ({'; '.join(map(str, flags))})" if flags else "")


def _flagged(result) -> str:
    """' (not trusted: ...)' for a result with flags (experiments' ``flags``), else ''."""
    flags = tuple(getattr(result, "flags", ()) or ())
    return f" (not trusted: {'; '.join(map(str, flags))})" if flags else ""


def time_courses(model: Model, out: Path, figure_format: str = "png",
                 progress: Callable[[str], None] | None = None, t_end: float = T_END,
                 cytokines: list[str] | None = None) -> list[dict]:
    """Standard-dose time course of each cytokine (default every one): CSV and figure per cytokine."""
    rows = []
    for name in cytokines if cytokines is not None else catalog.CYTOKINES:
        c = catalog.CYTOKINES[name]
        df = model.simulate(cytokines={name: c.standard_dose}, t_end=t_end)
        csv = out / f"timecourse_{name}.csv"
        df.to_csv(csv, index=False)
        fig = plots.time_course(df, given={name: c.standard_dose})  # title: the condition, in words
        figure = _save(fig, out / f"timecourse_{name}.{figure_format}")
        main = df[c.main_readout]
        rows.append({"cytokine": name, "dose": c.standard_dose, "readout": c.main_readout,
                     "peak_nM": float(main.max()), "t_peak_min": float(df["time"][main.idxmax()]),
                     "t_end_min": float(df["time"].iloc[-1]), "csv": csv.name, "figure": figure})
        if progress:
            progress(f"time course {name}")
    return rows


def time_course_section(rows: list[dict]) -> str:
    table = ["| cytokine | dose | main readout | peak (nM) | peak time (min) | data |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        # a maximum at the last time point is where the simulation stopped, not a peak
        when = (f"{r['t_peak_min']:g} (the end: not peaked by then)"
                if r["t_peak_min"] >= r["t_end_min"] else f"{r['t_peak_min']:g}")
        table.append(f"| {r['cytokine']} | {r['dose']} | {r['readout']} | {r['peak_nM']:.3g} | "
                     f"{when} | [csv]({r['csv']}) |")
    figures = [f"![{r['cytokine']}]({r['figure']})" for r in rows]
    return "\n".join(table) + "\n\n" + "\n\n".join(figures)


def ec50_section(curves: list[CytokineResponse], out: Path, figure_format: str) -> str:
    table = pd.DataFrame([c.summary() for c in curves])
    table.to_csv(out / "cytokine_ec50.csv", index=False)
    pd.concat([c.to_frame().assign(cytokine=c.cytokine, readout=c.readout) for c in curves]).to_csv(
        out / "cytokine_dose_response.csv", index=False)
    context = curves[0].context if curves else ""
    figure = _save(plots.dose_curve_grid(curves, title=f"Cytokine dose-response, readout at {MEASURE_TIME:g} min "
                                                       f"(context {context})"),
                   out / f"cytokine_ec50.{figure_format}")
    lines = ["Each cytokine over 1/1000 to 100x its standard dose; main readout at "
             f"{MEASURE_TIME:g} min; Hill fit with the unstimulated value fixed. The fit-precision column says "
             "how tightly the simulated doses fix the EC50 (95%), not how uncertain the EC50 is.", "",
             "| cytokine | readout | EC50 (nM) | Hill-fit precision (nM) | EC50 (ng/mL) | Hill slope | max (nM) |",
             "|---|---|---|---|---|---|---|"]
    for c in curves:
        lo, hi = c.ec50_fit_precision
        lines.append(f"| {c.cytokine} | {c.readout} | {_fmt(c.ec50)}{_flagged(c)} | {_fmt(lo)}-{_fmt(hi)} | "
                     f"{_fmt(c.ec50_ng_per_mL)} | {_fmt(c.slope)} | {_fmt(c.max_effect)} |")
    lines += ["", "Data: [cytokine_ec50.csv](cytokine_ec50.csv), "
              "[cytokine_dose_response.csv](cytokine_dose_response.csv)", "", f"![EC50 curves]({figure})"]
    return "\n".join(lines)


def ic50_section(curves: list[DoseResponse], out: Path, figure_format: str) -> str:
    table = pd.DataFrame([c.summary() for c in curves])
    table.to_csv(out / "drug_ic50.csv", index=False)
    pd.concat([c.to_frame().assign(drug=c.drug, cytokine=c.cytokine, readout=c.readout) for c in curves]).to_csv(
        out / "drug_dose_response.csv", index=False)
    from .potency.draws import potency_fitted

    fitted = sorted({c.drug for c in curves if potency_fitted(c.drug)})
    assumed = sorted({c.drug for c in curves} - set(fitted))
    lines = [f"The drugs whose cellular potency is fitted to measured rows ({', '.join(fitted)})"
             + (f", and {', '.join(assumed)}, which acts without a cellular factor and has no measured row: its "
                "interval draws its assumed potency constant's plausible range, with a new assay's spread, not a "
                "posterior"
                if assumed else "")
             + " (every other drug is in the section 'JAK inhibitors compared', without intervals), "
             f"each on every cytokine/readout pair it acts on (catalog.drug_pairs), added 30 min before "
             f"the cytokine (standard dose); readout at {MEASURE_TIME:g} min. IC50s are free (medium) "
             "concentrations; the plasma column divides by the fraction unbound. Biochemical IC50s for "
             "comparison: ruxolitinib JAK1 3.3, JAK2 2.8, TYK2 19, JAK3 428 nM (Quintas-Cardama et al., "
             "Blood 2010); tofacitinib JAK1 3.2, JAK2 4.1, JAK3 1.6, TYK2 34 nM at Km ATP (Meyer et al., "
             "J Inflamm 2010). The interval is the IC50's 90% predictive interval over the drug-potency "
             "posterior and the between-assay variability (docs/pharmacology.md 8). Each draw's IC50 is its own, "
             "found beyond the tested doses where it lies there (a potency draw moves the dose axis exactly), so an "
             "interval can reach past the doses, or lie above an IC50 of '> x'; n/a: an end on a draw whose IC50 "
             "could not be located. It does not cover this context's parameter uncertainty "
             "(`jakstat dose-response --uncertainty all` adds the plausible parameter ranges). An IC50 of "
             "'> x' is a bound: no dose tested, up to x nM, inhibits by half.", "",
             "| drug | cytokine | readout | IC50 (nM, free) | 90% predictive interval (nM, free) | "
             "IC50 (nM, total plasma) | 90% predictive interval (nM, total plasma) | Hill slope | max effect |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in curves:
        lo, hi = c.ic50_interval if c.uncertainty is not None else (np.nan, np.nan)
        plo, phi = c.ic50_plasma_interval if c.uncertainty is not None else (np.nan, np.nan)
        bound = c.ic50_bound
        ic50 = _ic50_cell(c, bound)
        plasma = _fmt(c.ic50_plasma) if bound is None else f"{bound[0]} {_fmt(bound[1] / c.fraction_unbound)}"
        lines.append(f"| {c.drug} | {c.cytokine} | {c.readout} | {ic50} | {_fmt(lo)}-{_fmt(hi)} | "
                     f"{plasma} | {_fmt(plo)}-{_fmt(phi)} | {_fmt(c.slope)} | {_percent(c.max_effect)} |")
    records = {c.drug: c.uncertainty.track_record for c in curves
               if c.uncertainty is not None and c.uncertainty.track_record is not None}
    if records:  # what "90%" delivered for each drug when its sources were held out
        lines += ["", "Measured coverage of these intervals (the stored leave-one-source-out cross-validation, "
                      "docs/pharmacology.md 7): " + "; ".join(
                          r.text() + (" — **likely too narrow**" if r.too_narrow else "") for r in records.values())
                  + "."]
    lines += ["", "Data: [drug_ic50.csv](drug_ic50.csv), [drug_dose_response.csv](drug_dose_response.csv)", ""]
    for drug in ic50_drugs():
        mine = [c for c in curves if c.drug == drug]
        if mine:
            fig = plots.dose_curve_grid(mine, title=f"{drug}: dose-response, added 30 min before the cytokine "
                                                    f"(standard dose), readout at {MEASURE_TIME:g} min "
                                                    f"(context {mine[0].context})")
            lines += [f"![{drug}]({_save(fig, out / f'ic50_{drug}.{figure_format}')})", ""]
    return "\n".join(lines)


def _structural_only(panel: DrugComparison) -> list[str]:
    """Per drug, the panel's pathways whose receptor holds a JAK the drug binds only
    structurally (not among the cytokine's catalytic JAKs): the drug cannot act there in
    the model. Deucravacitinib's sparing of IFN-alpha was shown without this."""
    out = []
    for drug in panel.drugs:
        targets = set(catalog.drug(drug).targets)
        spared = [c for c in (catalog.cytokine(name) for name in pd.unique(panel.ic50s["cytokine"]))
                  if targets & set(c.jaks) and not targets & set(c.catalytic_jaks)]
        if spared:
            jaks = sorted(targets & {j for c in spared for j in c.jaks})
            out.append(f"{drug} binds {', '.join(jaks)}, which the model's {', '.join(c.name for c in spared)} "
                       "receptor holds only structurally (its kinase does not phosphorylate there), so the drug "
                       "leaves that pathway untouched here")
    return out


def _potency_evidence(drug: str) -> str:
    """'GMFE 2.7 over 31 rows, 30 covered' from the stored cross-validation, or why there is
    none: the SZ4 and baricitinib misses sat in the validation section only."""
    from .potency.crossval import track_record

    record = track_record(drug)
    if record is None:
        return "assumed: no measured row"
    ex_vivo = (f"; ex vivo in dosed people (never fitted), {record.ex_vivo_covered} of {record.ex_vivo_tests} plasma "
               "EC50s covered" if record.ex_vivo_tests else "")
    if record.anchor:  # its fold tested the prior, not the fitted factor the panel uses
        relative = (f"; relative to a partner, {record.relative_covered} of {record.relative_tests} same-assay "
                    "ratios covered" if record.relative_tests else "")
        return (f"fitted to one source, no held-out test of its in vitro IC50s ({record.prior_only} rows predicted "
                f"from the prior alone){ex_vivo}{relative}")
    return (f"GMFE {record.gmfe:.1f} over {record.rows} row{'s' if record.rows != 1 else ''}, {record.covered} covered"
            + ("" if record.verdict == "consistent with 90%" else f" ({record.verdict})") + ex_vivo)


def panel_section(panel: DrugComparison, out: Path, figure_format: str) -> str:
    """Every drug on every pathway it acts on (js.compare_drugs): the gamma-c question CTCL
    brings, the table and the heatmap."""
    panel.to_frame().to_csv(out / "drug_panel.csv", index=False)
    panel.regimens.to_csv(out / "drug_panel_regimens.csv", index=False)
    summary, folds, bounds = panel.summary(), panel.gamma_c_selectivity(), panel.gamma_c_selectivity_bounds()
    lines = [f"Each drug on every pathway of context {panel.context!r} it acts on (`js.compare_drugs`, "
             "`jakstat compare-drugs`): IC50 from a dose-response (30 min pre-incubation, standard cytokine dose, "
             f"readout at {MEASURE_TIME:g} min) and the steady-state inhibition at each approved regimen "
             "(data/pharmacokinetics/approved_regimens.tsv; cytokine on throughout). Selectivity is the "
             "geometric-mean IC50 of IFN-alpha, IFN-gamma and IL-6 over that of the gamma-c cytokines "
             "(IL-2, IL-4, IL-15, IL-21): above 1, the gamma-c pathways that drive malignant T cells are "
             "inhibited at lower concentrations ('> x': no interferon or IL-6 IC50 within the doses tested, so "
             "only a lower bound). The inhibition is a pathway readout's, not a clinical "
             "response; tumour response is not modelled. No interval here: `jakstat compare-drugs "
             "--uncertainty potency` adds the predictive intervals. The last column says how far each drug's "
             "potency is checked: how its measured rows were predicted with their source held out (stored "
             "cross-validation; GMFE, the geometric-mean fold error), or that its potency is assumed.", "",
             "| drug | gamma-c selectivity (fold) | regimen | gamma-c inhibited (mean) | IFN/IL-6 inhibited (mean) | "
             "potency, held out |", "|---|---|---|---|---|---|"]
    for drug in panel.drugs:
        arms = list(dict.fromkeys(panel.regimens.loc[panel.regimens.drug == drug, "regimen"])) or ["none tabulated"]
        for i, arm in enumerate(arms):
            shares = [summary.get(f"{group}_mean_inhibition_fraction[{arm}]", np.nan)
                      for group in ("gamma_c", "interferon_il6")]
            fold = f"> {_fmt(bounds[drug])}" if drug in bounds else _fmt(folds[drug])  # '> x': a lower bound
            lines.append(f"| {drug} | {fold} | {arm} | " + " | ".join(_percent(x) for x in shares)
                         + f" | {_potency_evidence(drug) if i == 0 else ''} |")
    from .experiments.drug_comparison import selectivity_track_record

    selectivity = selectivity_track_record()
    if selectivity is not None:  # the folds rest on the model's pathway selectivity, tested held out
        lines += ["", selectivity.text()[0].upper() + selectivity.text()[1:] + "."]
    wiring = _structural_only(panel)
    if wiring:
        lines += ["", "Model wiring, not measurement: " + "; ".join(wiring) + " (docs/panel.md, limits)."]
    if panel.flags:
        lines += ["", "Flags: " + "; ".join(panel.flags)]
    lines += ["", "Data: [drug_panel.csv](drug_panel.csv), [drug_panel_regimens.csv](drug_panel_regimens.csv)", "",
              f"![drug panel]({_save(panel.plot(), out / f'drug_panel.{figure_format}')})"]
    return "\n".join(lines)


def cohort_design(cytokines: list[str]) -> dict:
    """The report cohort's settings, its pathways limited to those the context signals through."""
    return {"patients": COHORT["patients"], "days": COHORT["days"], "seed": COHORT["seed"],
            "stimulation": COHORT["stimulation"], "cytokines": [c for c in COHORT["cytokines"] if c in cytokines],
            "uncertainty": COHORT["uncertainty"]}


def cohort_section(model: Model, out: Path, figure_format: str, cytokines: list[str], n_jobs: int = 1,
                   client=None) -> str:
    """A small virtual cohort (js.virtual_trial) of the approved ruxolitinib and tofacitinib
    regimens: the distribution a clinician reads, the fraction of patients reaching 50%, and
    the patient features that go with high inhibition."""
    from .regimens import regimen
    from .uncertainty.trial import virtual_trial

    design = cohort_design(cytokines)
    if not design["cytokines"]:
        return f"Not run: context {model.context!r} signals through none of {', '.join(COHORT['cytokines'])}."
    arms = {label: regimen(drug, dose, every="12 h", days=design["days"])
            for label, (drug, dose) in COHORT["arms"].items()}
    trial = virtual_trial(model, arms, design["patients"], design["cytokines"], seed=design["seed"],
                          stimulation=design["stimulation"], n_jobs=n_jobs, client=client,
                          uncertainty=design["uncertainty"])
    trial.to_frame().to_csv(out / "cohort_patients.csv", index=False)
    table = trial.distribution()
    table.to_csv(out / "cohort_summary.csv", index=False)
    lines = [f"{design['patients']} virtual patients in context {model.context!r} (`js.virtual_trial`, "
             f"`jakstat trial`; seed {design['seed']}), each with its own pharmacokinetics (between-patient "
             "variability of data/pharmacokinetics/pk_variability.tsv) and its own cell (protein abundances over "
             f"their plausible ranges), under each regimen for {design['days']} days with the cytokine on "
             "throughout. Time-averaged inhibition of each pathway's readout over the last dosing interval: "
             "median and 5th-95th percentile over the patients, and the fraction of patients reaching "
             f"{trial.threshold:.0%}. A pharmacological response, not a clinical one: tumour response is not "
             "modelled, and the fraction is not a response rate. Notebook 10 runs a larger cohort.", "",
             "The percentiles are the spread between the patients, as if the drug's potency were known. "
             f"In brackets: the {trial.potency.level:.0%} predictive interval of the median patient and of the "
             f"fraction reaching {trial.threshold:.0%}, over the drug's potency (docs/dosing.md section 4); "
             f"what it covers, per regimen and pathway, is below the table.", "",
             f"| regimen | pathway | median [potency interval] | 5th-95th percentile | patients >= "
             f"{trial.threshold:.0%} [potency interval] |",
             "|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.arm} | {r.pathway} | {_percent(r.median)} [{_percent(r.median_low)}-"
                     f"{_percent(r.median_high)}] | {_percent(r.p5)}-{_percent(r.p95)} | "
                     f"{_percent(r.above_threshold)} [{_percent(r.above_threshold_low)}-"
                     f"{_percent(r.above_threshold_high)}] |")
    lines += [""] + [f"- {arm}, {pathway}: {covers}" for arm, pathway, covers in table.drop_duplicates(
        ["arm", "pathway"])[["arm", "pathway", "interval_covers"]].itertuples(index=False)]
    lines += ["", _cohort_drivers(trial, table.pathway.iloc[0])]
    if trial.flags:
        lines += ["", "Flags: " + "; ".join(trial.flags)]
    lines += ["", "Data: [cohort_patients.csv](cohort_patients.csv), [cohort_summary.csv](cohort_summary.csv)", "",
              f"![virtual cohort]({_save(trial.plot(), out / f'cohort.{figure_format}')})"]
    return "\n".join(lines)


def _cohort_drivers(trial, pathway: str, alpha: float = 0.05) -> str:
    """The features that go with high inhibition in the first arm, kept only when their
    Spearman correlation survives a Bonferroni correction over every feature tested (with a
    few dozen patients and features, an uncorrected |rho| of 0.5 is often chance)."""
    arm = trial.arms[0]
    ranked = trial.drivers(arm, pathway, trial.outcomes.stimulation.iloc[0], top=len(trial.patients.columns))
    n = trial.patients.shape[0]
    kept = [f"{f.feature} (rho {f.spearman_rho:+.2f})" for f in ranked.itertuples() if f.p_adjusted < alpha]
    head = (f"What goes with high inhibition ({arm}, {pathway}; Spearman's rank correlation over {n} patients, "
            f"kept when significant at {alpha:g} after a Bonferroni correction for the {len(ranked)} features "
            "tested)")
    return f"{head}: {', '.join(kept)}." if kept else f"{head}: none is."


def screen_section(screen: KnockoutScreen, out: Path, figure_format: str) -> str:
    screen.effects.to_csv(out / "knockout_screen.csv", index=False)
    wide = screen.table
    wide.columns = [f"{c}/{r}" for c, r in wide.columns]
    wide.to_csv(out / "knockout_screen_log2fc.csv")
    figure = _save(screen.plot(), out / f"knockout_screen.{figure_format}")
    losses, gains = screen.losses(1.0), screen.gains(1.0)
    lo, hi = screen.window
    lines = [f"Every gene of the model knocked out under each cytokine (standard dose); effect = log2 fold "
             f"change of the main readout's AUC {lo:g}-{hi:g} min against wild type (a lost response reads "
             "-6.66, see `KnockoutScreen`). Knockouts that change the AUC at least 2-fold, strongest first, "
             "with the log2 fold change:", "",
             "| cytokine / readout | losses (AUC at least 2-fold lower) | gains (AUC at least 2-fold higher) |",
             "|---|---|---|"]

    def listed(rows) -> str:
        return f"{len(rows)}: " + ", ".join(f"{g} ({v:+.1f})" for g, v in zip(rows.gene, rows.log2_fold_change)) \
            if len(rows) else "none"

    for c, r in screen.effects[["cytokine", "readout"]].drop_duplicates().itertuples(index=False):
        mine_lost = losses[(losses.cytokine == c) & (losses.readout == r)]
        mine_gained = gains[(gains.cytokine == c) & (gains.readout == r)]
        if len(mine_lost) or len(mine_gained):
            lines.append(f"| {c} / {r} | {listed(mine_lost)} | {listed(mine_gained)} |")
    if getattr(screen, "flags", ()):
        lines += ["", f"**Not trusted:** {'; '.join(map(str, screen.flags))}"]
    lines += ["", "Data: [knockout_screen.csv](knockout_screen.csv) (long, with AUCs and their unit), "
              "[knockout_screen_log2fc.csv](knockout_screen_log2fc.csv) (matrix)", "",
              f"![knockout screen]({figure})"]
    return "\n".join(lines)


def map_section(model: Model, out: Path, screen: KnockoutScreen, cytokines: list[str] | None = None) -> str:
    """The interactive map (map.html, coloured by the report's own knockout screen too)
    and its static picture (map.png, map.svg); ``cytokines``: those offered on the page."""
    from . import explore

    explore.write_page(explore.explore_data(model, screen=screen, cytokines=cytokines), out / "map.html")
    cytokine, time = "IL2", 15.0
    png, svg = explore.save_map(model, out / "map", cytokine=cytokine, time=time)
    return "\n".join([
        "The pathway drawn from the model itself (every node and edge read from the SBML and the catalog), "
        f"coloured here by whole-cell activity {time:g} min after {cytokine} "
        f"{catalog.CYTOKINES[cytokine].standard_dose}. The interactive page, [map.html](map.html) (one file, "
        "opens offline), colours it by any cytokine, time, drug dose, knockout or the knockout screen above; "
        "`jakstat explore` writes it alone.", "",
        f"Static picture: [{png.name}]({png.name}), [{svg.name}]({svg.name})", "",
        f"![pathway map]({png.name})",
    ])


def combination_section(comb: Combination, out: Path, figure_format: str) -> str:
    from .experiments.combination import EXCESS_FLOOR, SATURATION, threshold_text

    comb.to_frame().to_csv(out / "combination.csv", index=False)
    figure = _save(comb.plot(), out / f"combination.{figure_format}")
    synergy = comb.synergy()
    lines = [
        f"{comb.drug_a} x {comb.drug_b} on {comb.cytokine} / {comb.readout} {comb.measure.label}, "
        f"{comb.doses_a.size} x {comb.doses_b.size} free doses (nM"
        + (f"; {comb.grid}" if comb.grid != "given" else "") + "). Scores are observed minus expected "
        "fractional inhibition: Bliss expects independent action, Loewe dose additivity, HSA the better single "
        f"agent. The mean is over the combination cells where neither drug alone inhibits by {SATURATION:.0%} or "
        "more; a score is additive within its band, the excess the numbers resolve (the solver's error through "
        "the score's formula, and for Loewe the misfit of the single-agent Hill curves at these doses), and "
        f"below {EXCESS_FLOOR:g}, the smallest excess counted (a design decision).", "",
        "| score | mean excess (cells) | additive within | verdict | largest excess (where) |",
        "|---|---|---|---|---|"]
    for score, row in synergy.iterrows():
        where = (f"{row.max_excess:+.3f} ({comb.drug_a} {_fmt(row.max_at_dose_a_nM)} nM + {comb.drug_b} "
                 f"{_fmt(row.max_at_dose_b_nM)} nM)" if np.isfinite(row.max_excess) else "n/a")
        mean = f"{row.mean_excess:+.3f} ({row.cells})" if np.isfinite(row.mean_excess) else "n/a"
        band = threshold_text(row.additivity_band, row.excess_floor)
        lines.append(f"| {score.upper() if score == 'hsa' else score.capitalize()} | {mean} | {band} | "
                     f"{row.verdict} | {where} |")
    lines += ["", *([f"**Not trusted:** {'; '.join(map(str, comb.flags))}", ""] if getattr(comb, "flags", ()) else []),
              "Data: [combination.csv](combination.csv)", "", f"![combination]({figure})"]
    return "\n".join(lines)


def mutation_section(model: Model, out: Path, figure_format: str) -> str:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(MUTATION_CASES), figsize=(4.4 * len(MUTATION_CASES), 3.4),
                             constrained_layout=True)
    lines = ["Each mutation as the fully mutant cell (mutant fraction 1), against wild type; AUC 0-"
             f"{T_END:g} min.", "",
             "| mutation | experiment | readout | AUC wild type | AUC mutant | ratio | source |",
             "|---|---|---|---|---|---|---|"]
    frames = []
    for ax, (mut, cytokine, readout, what) in zip(axes, MUTATION_CASES):
        stim = {cytokine: catalog.CYTOKINES[cytokine].standard_dose} if cytokine else None
        wt = model.simulate(cytokines=stim, t_end=T_END, readouts=[readout])
        mt = model.simulate(cytokines=stim, mutations={mut: 1.0}, t_end=T_END, readouts=[readout])
        a_wt, a_mt = (response(d, readout, window=(0, T_END)) for d in (wt, mt))
        ratio = _fmt(a_mt / a_wt) if a_wt > 1e-9 else "from ~0"
        lines.append(f"| {mut} | {what} | {readout} | {_fmt(a_wt)} | {_fmt(a_mt)} | {ratio} | "
                     f"{catalog.MUTATIONS[mut].source} |")
        # every series drawn (a wild type at ~0 is the point), overlaps and flat lines named
        unit = catalog.READOUTS[readout].unit
        plots.line_panel(ax, wt["time"], {"wild type": wt[readout], mut: mt[readout]}, zero_level=None,
                         unit="" if unit == "1" else unit, flat_word="constant")
        ax.set_xlabel("time (min)")
        ax.set_ylabel(plots.readout_label(readout))
        stimulus = f"{cytokine} {catalog.CYTOKINES[cytokine].standard_dose}; " if cytokine else ""
        ax.set_title(f"{what}\n{stimulus}mutant fraction 1; context {model.context}", fontsize=9)
        frames += [wt.assign(mutation="wild type", case=mut), mt.assign(mutation=mut, case=mut)]
    pd.concat(frames).to_csv(out / "mutations.csv", index=False)
    figure = _save(fig, out / f"mutations.{figure_format}")
    lines += ["", "Data: [mutations.csv](mutations.csv)", "", f"![mutations]({figure})"]
    return "\n".join(lines)


def pharmacology_section(model: Model, out: Path, figure_format: str) -> str:
    """Every measured cellular / whole-blood IC50 against the potency model (jakstat
    validate pharmacology), and the cross-validation stored with the posterior."""
    from . import pharmacology as ph

    result = ph.validate_pharmacology(model)
    result.to_frame().to_csv(out / "pharmacology_validation.csv", index=False)
    figure = _save(result.plot(), out / f"pharmacology_validation.{figure_format}")
    s = result.summary()
    lines = ["Each measured IC50 of data/pharmacology/cellular_ic50.tsv (nominal, as added) against the potency "
             "model's prediction for it as a new assay: the mechanistic model's IC50 in the row's context, moved by "
             "the drug's posterior potency, the free fraction of the row's matrix and a new source's between-assay "
             "variability (docs/pharmacology.md). Rows marked *fit* informed the posterior, rows marked *test* did "
             "not; the honest check of the intervals is the leave-one-source-out cross-validation "
             "(`jakstat validate pharmacology --cross-validate`, docs/pharmacology.md).", "",
             f"Posterior median vs measured: geometric-mean fold error **{s['gmfe']:.2f}** over {s['rows']} rows "
             f"from {s['sources']} sources (fit {s['gmfe_fit']:.2f}, test {s['gmfe_test']:.2f}); the 90% predictive "
             f"intervals cover {s['coverage_90']:.0%} of rows ({s['coverage_90_test']:.0%} of test rows).", "",
             cross_validation_paragraph(), "", held_out_drugs_markdown(), "", held_out_systems_markdown(), "",
             "Cytokine / readout is the model readout a row is read at; where the assay measured something else "
             "(proliferation, colonies, a reporter) it is named after it.", "",
             "| row | drug | cytokine / readout | matrix | role | measured (nM, as added) | predicted (nM) | "
             "90% predictive interval (nM) | fold error |", "|---|---|---|---|---|---|---|---|---|"]
    from .potency.measurements import measurements

    # a proliferation row was shown as "IL2 / pSTAT5", what it is read at, not what was measured (an audit)
    kinds = measurements().set_index("id")["assay_kind"]
    for _, r in result.table.iterrows():
        relation = r["relation"] if r["relation"] != "=" else ""
        kind = kinds.get(r["id"], "pSTAT")
        measured = f" (measured: {kind})" if kind != "pSTAT" else ""
        lines.append(f"| {r['id']} | {r['drug']} | {r['cytokine']} / {r['readout']}{measured} | {r['matrix']} | {r['role']} | "
                     f"{relation}{_fmt(r['measured_nM'])} | {_fmt(r['predicted_nM'])} | "
                     f"{_fmt(r['low_90_nM'])}-{_fmt(r['high_90_nM'])} | {r['fold_error']:.2f} |")
    lines += ["", "Data: [pharmacology_validation.csv](pharmacology_validation.csv)", "",
              f"![measured vs predicted IC50]({figure})"]
    return "\n".join(lines)


def cross_validation_paragraph() -> str:
    """The stored leave-one-source-out cross-validation against issue 22's targets, and the
    floor that replicate measurements put under its fold error."""
    from .potency.crossval import (TARGET_COVERAGE, TARGET_GMFE, qualifiers_text, stored_cross_validation, stored_rows,
                                   stored_summary)
    from .potency.replicates import replicate_spread

    cv = stored_summary()
    if cv is None:
        return ("No cross-validation is stored with this installation: `jakstat validate pharmacology "
                "--cross-validate` runs it (a few minutes).")
    low, high = TARGET_COVERAGE
    gmfe_met = "met" if cv["gmfe"] <= TARGET_GMFE else "**missed**"
    coverage_met = "met" if low <= cv["coverage_90"] <= high else "**missed**"
    spread = replicate_spread()
    floor_low, floor_high = spread.floor_interval()
    text = (f"Leave-one-source-out cross-validation (each of the {cv['sources']} sources left out in turn and the "
            f"model refitted without it, so that all {cv['rows']} rows are predicted as a new source's; stored by "
            f"`make pharmacology`): geometric-mean fold error of the held-out predictions **{cv['gmfe']:.2f}** (target <= "
            f"{TARGET_GMFE:g}: {gmfe_met}), 90% predictive intervals cover **{cv['coverage_90']:.0%}** (target "
            f"{low:.0%}-{high:.0%}: {coverage_met}). For scale: replicate rows of one experiment differ between "
            f"sources by {10 ** spread.between_sd:.2f}x and within a source by {10 ** spread.within_sd:.2f}x (sd), so "
            f"a model without error of its own would reach a held-out fold error of about {spread.floor_gmfe:.1f} "
            f"({floor_low:.1f}-{floor_high:.1f}); the rest is the model's (docs/pharmacology.md 7).")
    held = stored_rows()
    if len(held):  # what qualifies the headline, as `jakstat validate pharmacology` prints it
        text += " " + qualifiers_text(stored_cross_validation().summary())
    if not cv["current"]:
        text += (" **The stored cross-validation is of other measured data than this installation's**: run `make "
                 "pharmacology` before quoting it.")
    return text


def held_out_drugs_markdown() -> str:
    """Each drug's held-out coverage and fold error in the stored cross-validation: what a
    predictive interval of the drug tells its user beside what it covers."""
    return _records_markdown("drug", "Per drug, what each of its predictive intervals reports beside what it covers "
                                     "(held-out rows of the stored cross-validation; *too narrow*: so few covered that "
                                     "90% intervals would do so by chance in under 5% of cases; *no independent test*: "
                                     "every row of one source, predicted from its biochemical constants alone when "
                                     "that source was left out, so no held-out row tested the fitted interval; "
                                     "*ex vivo* or *relative test only*: such a drug tested only by ex vivo EC50s in "
                                     "dosed people or by same-assay ratios to a partner, counted apart; "
                                     "*too few rows to judge*: under 5 held-out rows):")


def held_out_systems_markdown() -> str:
    """The same per assay system (model context and cytokine, every drug): what an
    interval of a prediction read in that system reports too."""
    return _records_markdown("system", "Per assay system (the model context and cytokine a row is read in, every "
                                       "drug), what each interval of a prediction read there reports as well:")


def _records_markdown(by: str, lead: str) -> str:
    from .potency.crossval import stored_track_records, worst_first

    records = stored_track_records(by)
    if not records:
        return ""
    lines = [lead, "", f"| {'drug' if by == 'drug' else 'assay system'} | held-out rows | sources | covered | GMFE | "
                       "prior only | verdict |", "|---|---|---|---|---|---|---|"]
    lines += [(f"| {t.name} | {t.rows} | {t.sources} | {t.covered} ({t.coverage:.0%}) | {t.gmfe:.2f} | "
               if t.rows else f"| {t.name} | 0 | - | - | - | ")
              + f"{t.prior_only} | " + (f"**{t.verdict}**" if t.too_narrow else t.verdict) + " |"
              for t in worst_first(records)]
    if by == "drug":
        lines += ["", "*Prior only*: held-out rows whose fold kept no fit row of their drug (its only source left "
                      "out), predicted from the biochemical constants and the prior alone: a test of the prior, not "
                      "counted in the fitted intervals' coverage."]
        relative = [t for t in records if t.relative]
        if relative:  # a one-source drug's only test: its potency relative to a partner's
            lines += ["", "*Relative test only*: a one-source drug that another source measured beside a fitted "
                          "partner in one assay no fit uses; the ratio of the two IC50s, in which that source's own "
                          "offset cancels, tests its potency relative to the partner's (docs/pharmacology.md 7): "
                      + "; ".join(f"{t.name}, {t.relative}" for t in relative) + "."]
        ex_vivo = [t for t in records if t.ex_vivo]
        if ex_vivo:  # clinical pharmacodynamics: tests, never fitted
            lines += ["", "*Ex vivo*: the plasma concentration halving a cytokine's pSTAT in blood drawn from dosed "
                          "people, never fitted, against the interval the potency model gives a new source's "
                          "whole-blood row; where the drug's fit source measured the same system in whole blood, it "
                          "tests agreement with that source, not the drug's free fraction (docs/pharmacology.md 7): "
                      + "; ".join(f"{t.name}, {t.ex_vivo}" for t in ex_vivo) + "."]
    return "\n".join(lines)


# The calibrated contexts' headline predictions: (context, drug, cytokine, readout, cytokine of the band).
# The headline prediction of each context calibrated to data: its dataset's cytokine and readout.
ENSEMBLE_CASES = [("hepatocyte", "ruxolitinib", "IL6", "pSTAT3"), ("lymphoma", "ruxolitinib", "IL13", "pSTAT5"),
                  ("baf3_epor", "ruxolitinib", "EPO", "pSTAT5"), ("erythroid", "ruxolitinib", "EPO", "pSTAT5")]


def ensemble_section(out: Path, figure_format: str, n_jobs: int = 1, client=None) -> str:
    """The calibrated contexts (whatever the report's context): an IC50 with its interval
    over the context's calibration ensemble, and the band of the time course."""
    import matplotlib.pyplot as plt

    from .ensemble import ensemble_band, ensemble_contexts, load_ensemble
    from .model import load_model

    cases = [c for c in ENSEMBLE_CASES if c[0] in ensemble_contexts()]
    if not cases:
        return "No calibration ensemble is stored (`make profiles` writes them)."
    lines = [f"The contexts {', '.join(c[0] for c in cases)} are calibrated to data and have a stored ensemble. Their "
             "predictions are repeated for every parameter set of the context's calibration ensemble: the "
             "profile-likelihood points within the 95% threshold (docs/uncertainty.md, section 5). The "
             "calibration column is the envelope over the members: it covers the fit of the calibration data "
             "only. The last column is the 90% predictive interval over the drug-potency posterior, the "
             "between-assay variability and the members together, the IC50's uncertainty as far as the package "
             "knows it (n/a: an end beyond the tested doses).", "",
             "| context | prediction | point estimate (nM, free) | calibration envelope (nM, free; total plasma) | "
             "members | "
             "90% predictive interval, potency and calibration (nM, free) | the same (nM, total plasma) |",
             "|---|---|---|---|---|---|---|"]
    rows = []
    fig, axes = plt.subplots(1, len(cases), figsize=(5.5 * len(cases), 3.8), squeeze=False)
    with _grouped_warnings("ensemble IC50 of") as ensemble_warnings:  # a drug's warning once, not per context
        for ax, (context, drug, cytokine, readout) in zip(axes[0], cases):
            model = load_model(context=context)
            with ensemble_warnings(f"{drug} on {cytokine}/{readout} in {context}"):
                curve = dose_response(model, drug, cytokine, readout, time=MEASURE_TIME, uncertainty=True,
                                      n_jobs=n_jobs, client=client)
            calibration = curve.uncertainty.components.get("calibration ensemble", (np.nan, np.nan))
            # in both terms, as the predictive interval beside it (the envelope was free only: an audit)
            calibration_plasma = curve.uncertainty.components_plasma.get("calibration ensemble", (np.nan, np.nan))
            lo, hi = curve.ic50_interval
            plo, phi = curve.ic50_plasma_interval
            flags = "; ".join(curve.uncertainty.flags)
            lines.append(f"| {context} | {drug} IC50, {cytokine}/{readout} at {MEASURE_TIME:g} min | "
                         f"{_fmt(curve.ic50)}{_flagged(curve)} | {_fmt(calibration[0])}-{_fmt(calibration[1])}; "
                         f"{_fmt(calibration_plasma[0])}-{_fmt(calibration_plasma[1])} | "
                         f"{len(load_ensemble(context))} ({load_ensemble(context).dataset}) | "
                         f"{_fmt(lo)}-{_fmt(hi)}{f' ({flags})' if flags else ''} | {_fmt(plo)}-{_fmt(phi)} |")
            rows.append(curve.summary())
            band = ensemble_band(model, readout, cytokines={cytokine: catalog.cytokine(cytokine).standard_dose},
                                 n_jobs=n_jobs, client=client)
            band.plot(ax=ax)
            ax.set_title(f"{context}: {cytokine} (standard dose) -> {readout}, {band.members} parameter sets",
                         fontsize=9)
            band.to_frame().to_csv(out / f"ensemble_band_{context}_{cytokine}_{readout}.csv", index=False)
    pd.DataFrame(rows).to_csv(out / "ensemble_ic50.csv", index=False)
    fig.tight_layout()
    name = _save(fig, out / f"ensemble_bands.{figure_format}")
    lines += ["", "Data: [ensemble_ic50.csv](ensemble_ic50.csv); the bands, optimum (line) and envelope (shaded). A "
              "wide band says the calibration data do not fix the level in nM: where a dataset's observables each "
              "carry a fitted scale (Raia 2011's blots, lymphoma), the data fix the time course's shape and ratios, "
              "not absolute concentrations, while the IC50s above, ratios themselves, stay tight "
              "(docs/uncertainty.md, section 5):", "", f"![ensemble bands]({name})", ""]
    return "\n".join(lines)


def write_ensemble_case(context: str, folder: Path, n_jobs: int = 1) -> list[Path]:
    """The headline prediction of a calibrated context (:data:`ENSEMBLE_CASES`) over its
    stored ensemble, into ``folder`` (docs/calibration/<dataset>/ for ``make profiles``):
    ensemble_ic50.tsv (every member's IC50, status, delta, origin) and ensemble_band.png."""
    import matplotlib.pyplot as plt

    from .ensemble import ensemble_band, load_ensemble
    from .model import load_model

    case = next((c for c in ENSEMBLE_CASES if c[0] == context), None)
    if case is None:
        raise InputError(f"no headline prediction is defined for context {context!r} "
                         f"(report.ENSEMBLE_CASES has {', '.join(c[0] for c in ENSEMBLE_CASES)})")
    _, drug, cytokine, readout = case
    model = load_model(context=context)
    ens = load_ensemble(model)
    curve = dose_response(model, drug, cytokine, readout, time=MEASURE_TIME, uncertainty="calibration",
                          n_jobs=n_jobs)
    table = ens.members[["member", "origin", "delta"]].copy()
    ic50s = curve.uncertainty.ic50s  # one draw per member, in member order
    table["ic50_nM"] = np.where(np.isfinite(ic50s) & (ic50s > 0), ic50s, np.nan)
    table["status"] = np.select([np.isnan(ic50s), np.isinf(ic50s), ic50s == 0], ["undetermined", "above", "below"],
                                "ok")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ensemble_ic50.tsv"
    lo, hi = curve.ic50_interval
    with path.open("w", encoding="utf-8") as f:
        f.write(f"# {drug} IC50 on {cytokine}/{readout} at {MEASURE_TIME:g} min ({context}): point {curve.ic50:.6g} nM, "
                f"calibration envelope {lo:.6g}-{hi:.6g} nM over {len(ens)} members (drug potency fixed)\n")
        table.to_csv(f, sep="\t", index=False, float_format="%.6g")
    band = ensemble_band(model, readout, cytokines={cytokine: catalog.cytokine(cytokine).standard_dose},
                         n_jobs=n_jobs)
    fig = band.plot()
    figure = folder / "ensemble_band.png"
    fig.savefig(figure, dpi=90)
    plt.close(fig)
    return [path, figure]


def write_index(out: Path, model: Model, sections: list[tuple[str, str]], absent: dict[str, str] | None = None) -> Path:
    lines = [
        "# jakstat-sbml report",
        "",
        f"Model `{model.path.name}` (jakstat-sbml {__version__}), context `{model.context}`: "
        f"{catalog.context(model.context).description} Concentrations in nM, time in min. "
        "Written by `jakstat report`; every number below is simulated, none is measured.",
        "",
    ]
    if absent:
        lines += [f"Not present in context `{model.context}` (left out of every figure and table below): "
                  + "; ".join(absent.values()) + ".", ""]
    lines += [
        "Contents: " + ", ".join(f"[{t}](#{_anchor(t)})" for t, _ in sections),
        "",
    ]
    for title, body in sections:
        lines += [f"## {title}", "", body, ""]
    index = out / "index.md"
    index.write_text("\n".join(lines), encoding="utf-8")
    return index


def _anchor(title: str) -> str:
    keep = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -")
    return keep.replace(" ", "-")
