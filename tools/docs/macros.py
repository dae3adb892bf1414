"""Numbers the documentation quotes, read from the stored outputs while `mkdocs build` runs.

mkdocs-macros calls ``define_env``; a page that sets ``render_macros: true`` in its front
matter can then write ``{{ model.species }}`` or ``{{ calibration_table() }}`` instead of a
number that would drift when the model is rebuilt or a result is stored again. Every value
comes from a file the repository keeps:

- the model's size from the compiled SBML, ``models/jakstat.xml`` (libsbml);
- the calibration results from ``docs/calibration/summary.tsv`` (``make calibrate``);
- the drug-potency validation and cross-validation from ``docs/pharmacology/*.csv`` and the
  posterior from ``models/potency/`` (``make pharmacology``), the measured rows' assay kinds
  from ``data/pharmacology/cellular_ic50.tsv``;
- the model's predictions the dosing and pharmacology pages quote from
  ``docs/predictions.json`` (``make docs-predictions``, which records the inputs they were
  computed from; ``tests/test_docs.py`` fails when those inputs have changed since).

The functions below return plain values or Markdown; they are also imported by
``tests/test_docs.py``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
SBML = REPO / "models" / "jakstat.xml"
CALIBRATION = REPO / "docs" / "calibration" / "summary.tsv"
PHARMACOLOGY = REPO / "docs" / "pharmacology"
POTENCY = REPO / "models" / "potency"
MEASURED = REPO / "data" / "pharmacology" / "cellular_ic50.tsv"
PREDICTIONS = REPO / "docs" / "predictions.json"

# how the calibration tables name each dataset: short name, stimulus, cells, context
DATASETS = {
    "Sobotta_Frontiers2017": ("Sobotta 2017", "IL-6", "primary hepatocytes", "hepatocyte"),
    "Raia_CancerResearch2011": ("Raia 2011", "IL-13", "MedB-1 lymphoma cells", "lymphoma"),
    "Boehm_JProteomeRes2014": ("Boehm 2014", "EPO", "BaF3-EPOR cells, STAT5A/B dimers", "baf3_epor"),
    "Bachmann_MSB2011": ("Bachmann 2011", "EPO", "CFU-E erythroid progenitors", "erythroid"),
}
MATRICES = {"whole_blood": "whole blood", "medium_serum": "medium with serum", "not_stated": "not stated"}


def fmt(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` significant figures, thousands separated (3.5976 -> '3.6')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞"
    if value == 0:
        return "0"
    places = digits - 1 - math.floor(math.log10(abs(value)))
    return f"{round(value, places):,.{max(places, 0)}f}"


def percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def gmfe(fold_errors) -> float:
    """Geometric-mean fold error."""
    return float(math.exp(pd.Series(fold_errors, dtype=float).map(math.log).mean()))


# ----------------------------------------------------------------------------- the model


@cache
def model_size() -> dict[str, int]:
    """Counts of the compiled SBML: species (integrated and clamped), reactions, their
    participants (reactants, products, modifiers), parameters, compartments, and the species clamped at a dose (cytokines, drugs)."""
    import libsbml

    document = libsbml.readSBMLFromFile(str(SBML))
    if document.getNumErrors(libsbml.LIBSBML_SEV_ERROR):
        raise RuntimeError(f"{SBML} does not read: {document.getError(0).getMessage()}")
    model = document.getModel()
    species = [model.getSpecies(i) for i in range(model.getNumSpecies())]
    clamped = {rule.getVariable() for rule in model.getListOfRules() if rule.isAssignment()}
    boundary = [s.getId() for s in species if s.getBoundaryCondition()]
    return {
        "species": len(species),
        "integrated": sum(not s.getBoundaryCondition() for s in species),
        "boundary": len(boundary),
        "clamped": sum(s in clamped for s in boundary),
        "reactions": model.getNumReactions(),
        "participants": sum(r.getNumReactants() + r.getNumProducts() + r.getNumModifiers()
                            for r in model.getListOfReactions()),
        "parameters": model.getNumParameters(),
        "compartments": model.getNumCompartments(),
        "events": model.getNumEvents(),
    }


@cache
def sbgn_arcs() -> dict[str, int]:
    """Arcs of the Activity Flow map (jakstat_sbml.explore's graph, the SBGN export's source),
    by class: positive, necessary, negative."""
    from collections import Counter

    from jakstat_sbml.explore.graph import ARCS, pathway_graph

    counts = Counter(ARCS[edge.kind] for edge in pathway_graph(SBML).edges)
    return {"positive": counts["positive influence"], "necessary": counts["necessary stimulation"],
            "negative": counts["negative influence"]}


def parameter_sbo_terms() -> str:
    """The compiled model's parameters by SBO term, most common first, as 'name count'
    (the term's name from libsbml's SBO table)."""
    from collections import Counter

    import libsbml

    model = libsbml.readSBMLFromFile(str(SBML)).getModel()
    counts = Counter(model.getParameter(i).getSBOTermID() for i in range(model.getNumParameters()))
    names = {"SBO:0000196": "concentration of an entity pool", "SBO:0000381": "biochemical proportionality "
             "coefficient", "SBO:0000009": "kinetic constant", "SBO:0000261": "inhibitory constant",
             "SBO:0000282": "dissociation constant", "SBO:0000025": "catalytic rate constant",
             "SBO:0000662": "occupancy", "SBO:0000498": "relative activity", "SBO:0000027": "Michaelis constant",
             "SBO:0000540": "fraction of an entity pool", "SBO:0000186": "maximal velocity", "SBO:0000468": "volume"}
    return ", ".join(f"{names.get(term, term or 'no term')} {n}" for term, n in counts.most_common())


def drug_value(drug: str, what: str) -> str:
    """A drug's cellular factor or fraction unbound as the model uses it (models/parameters.tsv,
    via the catalog), and whether it is fitted (the potency posterior's median) or assumed."""
    from jakstat_sbml import catalog

    table = pd.read_csv(REPO / "models" / "parameters.tsv", sep="\t", keep_default_na=False)
    if what == "cellular_factor":
        row = table[table["id"] == f"cellular_factor_{drug}"].iloc[0]
        fitted = row["source"].startswith("calibrated:pharmacology (posterior median")
        return f"{'fitted' if fitted else 'assumed'}: {float(row['value']):.3g}"
    if what == "fraction_unbound":
        return f"{catalog.drug(drug).fraction_unbound:.2g}"
    raise ValueError(f"unknown drug value {what!r}")


def headline_count() -> int:
    """How many predictions ``jakstat sensitivity headline`` makes now (it grows with the drugs)."""
    from jakstat_sbml.uncertainty.predictions import headline_predictions

    return len(headline_predictions())


def drugs_by_mechanism() -> str:
    """The model's drugs grouped by how they act (models/tables/drugs.tsv)."""
    table = pd.read_csv(REPO / "models" / "tables" / "drugs.tsv", sep="\t", keep_default_na=False)
    words = {"atp_competitive": "ATP-competitive JAK inhibitors", "covalent_jak3": "covalent JAK3 inhibitor",
             "allosteric_tyk2": "allosteric TYK2 (JH2) inhibitor",
             "stat_phosphorylation": "STAT5/STAT3 phosphorylation inhibitor, phenomenological"}
    groups = table.groupby("mechanism", sort=False)["drug"].apply(list)
    return "; ".join(f"{', '.join(drugs)} ({words.get(mechanism, mechanism)})" for mechanism, drugs in groups.items())


def notebook_count() -> int:
    return len(list((REPO / "notebooks").glob("*.ipynb")))


def parameter_range_counts() -> dict:
    """How many parameters of models/parameters.tsv have a plausible range (uncertain)
    and how many are excluded with a reason."""
    from jakstat_sbml.uncertainty import parameter_ranges

    total = len(pd.read_csv(REPO / "models" / "parameters.tsv", sep="\t"))
    uncertain = len(parameter_ranges())
    return {"uncertain": uncertain, "excluded": total - uncertain}


# ----------------------------------------------------------------------------- calibration


@cache
def calibration() -> pd.DataFrame:
    """docs/calibration/summary.tsv, one row per dataset, index the dataset."""
    return pd.read_csv(CALIBRATION, sep="\t").set_index("dataset")


def chi2_ratio(dataset: str) -> str:
    """Our chi2 over the published model's on the same measurements, as in the tables."""
    return f"{calibration().loc[dataset, 'chi2_ratio']:.2f}"


def calibration_value(dataset: str, column: str, digits: int = 3) -> str:
    """One number of docs/calibration/summary.tsv, e.g. ("Raia_CancerResearch2011", "ours_chi2")."""
    return fmt(float(calibration().loc[dataset, column]), digits).replace(",", "")


def calibration_table(detail: bool = False) -> str:
    """The calibration results as a Markdown table: short (dataset, ratio, n) or with
    both models' -log L and chi2 (``detail=True``)."""
    rows = []
    if detail:
        rows += ["| dataset | context | n | ours: -log L | ours: chi2 | published: -log L | published: chi2 "
                 "| chi2 ours / published |", "|---|---|---|---|---|---|---|---|"]
    else:
        rows += ["| dataset | context | our chi2 / published chi2 | n |", "|---|---|---|---|"]
    for dataset, r in calibration().iterrows():
        name, stimulus, cells, context = DATASETS.get(dataset, (dataset, "?", "?", "?"))
        if detail:
            rows.append(f"| {dataset} ({stimulus}, {cells}) | {context} | {r['n']} | {r['ours_nllh']:.2f} | {r['ours_chi2']:.1f} "
                        f"| {r['published_nllh']:.2f} | {r['published_chi2']:.1f} | **{r['chi2_ratio']:.2f}** |")
        else:
            rows.append(f"| {name}, {stimulus} in {cells} | `{context}` | {r['chi2_ratio']:.2f} | {r['n']} |")
    return "\n".join(rows)


# ----------------------------------------------------------------------------- pharmacology


@cache
def validation() -> dict:
    """docs/pharmacology/pharmacology_validation_summary.csv as a dict."""
    return pd.read_csv(PHARMACOLOGY / "pharmacology_validation_summary.csv").iloc[0].to_dict()


@cache
def validation_rows() -> pd.DataFrame:
    """Every modelled measured row as validated (docs/pharmacology/pharmacology_validation.csv),
    with its assay kind from data/pharmacology/cellular_ic50.tsv."""
    rows = pd.read_csv(PHARMACOLOGY / "pharmacology_validation.csv")
    kinds = pd.read_csv(MEASURED, sep="\t", usecols=["id", "assay_kind"]).set_index("id")["assay_kind"]
    return rows.assign(assay_kind=rows["id"].map(kinds))


@cache
def cross_validation() -> dict:
    """docs/pharmacology/cross_validation_summary.csv as a dict."""
    return pd.read_csv(PHARMACOLOGY / "cross_validation_summary.csv").iloc[0].to_dict()


@cache
def held_out() -> pd.DataFrame:
    """Every held-out prediction of the leave-one-source-out cross-validation."""
    return pd.read_csv(PHARMACOLOGY / "cross_validation.csv")


def cross_validation_table() -> str:
    """GMFE and 90% coverage of the held-out predictions: all rows, per drug, per matrix
    (whole blood, medium with serum) and the test rows."""
    cv, summary = held_out(), cross_validation()
    target_low, target_high = (float(x) for x in str(summary["target_coverage"]).split("-"))
    gm, coverage = gmfe(cv["fold_error"]), cv["covered"].mean()
    verdicts = (f"GMFE ≤ {summary['target_gmfe']:g} ({'met' if gm <= summary['target_gmfe'] else 'missed'}); "
                f"coverage {percent(target_low)[:-1]}–{percent(target_high)} "
                f"({'met' if target_low <= coverage <= target_high else 'missed'})")
    rows = ["| | rows | GMFE of held-out predictions | 90% interval coverage | issue 22 target |",
            "|---|---|---|---|---|",
            f"| all | {len(cv)} | **{fmt(gm, 3)}** | **{percent(coverage)}** | {verdicts} |"]
    groups = [(drug, cv[cv["drug"] == drug]) for drug in sorted(cv["drug"].unique(), key=lambda d: -sum(cv["drug"] == d))]
    groups += [(MATRICES[m], cv[cv["matrix"] == m]) for m in ("whole_blood", "medium_serum")]
    groups += [("test rows", cv[cv["role"] == "test"])]
    rows += [f"| {name} | {len(part)} | {fmt(gmfe(part['fold_error']), 3)} | {percent(part['covered'].mean())} | |"
             for name, part in groups]
    return "\n".join(rows)


def cross_validation_qualifiers() -> str:
    """What qualifies the headline (jakstat_sbml.potency.crossval.qualifiers_text), from the
    stored held-out rows: the same sentence `jakstat validate pharmacology` prints."""
    from jakstat_sbml.potency.crossval import CrossValidation, qualifiers_text

    return qualifiers_text(CrossValidation(held_out(), {}).summary())


def lab_grouped() -> str:
    """The shipped cross-validation beside the same with each laboratory's sources left out
    together (`make pharmacology-lab-grouped`, jakstat_sbml.potency.crossval.LAB_GROUPS)."""
    from jakstat_sbml.potency.crossval import LAB_GROUPS

    grouped = pd.read_csv(PHARMACOLOGY / "cross_validation_lab_grouped.csv")
    shipped = held_out()
    pairs = "; ".join(" and ".join(members) for members in LAB_GROUPS.values())
    moved = grouped[grouped["fold"].isin(list(LAB_GROUPS))].set_index("id")["fold_error"]
    before = shipped.set_index("id").loc[moved.index, "fold_error"]
    return (f"Two pairs of sources come from one laboratory each ({pairs}); the shipped run leaves them out "
            f"one at a time. Left out together (`make pharmacology-lab-grouped`), the held-out GMFE is "
            f"{fmt(gmfe(grouped['fold_error']), 3)} against {fmt(gmfe(shipped['fold_error']), 3)} and the coverage "
            f"{percent(grouped['covered'].mean())} against {percent(shipped['covered'].mean())}; on the "
            f"{len(moved)} rows of those sources alone the GMFE moves from {fmt(gmfe(before), 3)} to "
            f"{fmt(gmfe(moved), 3)}: counting each pair as two independent sources flatters the headline "
            f"by that much.")


def held_out_gmfe(drug: str | None = None) -> str:
    cv = held_out()
    return fmt(gmfe(cv[cv["drug"] == drug]["fold_error"] if drug else cv["fold_error"]), 3)


def held_out_coverage(drug: str | None = None) -> str:
    cv = held_out()
    return percent((cv[cv["drug"] == drug] if drug else cv)["covered"].mean())


def measured_rows_table() -> str:
    """Modelled measured rows per drug: fit/test rows, independent sources, matrices, assay kinds."""
    rows = validation_rows()
    drugs = sorted(rows["drug"].unique())

    def cell(part: pd.DataFrame, what: str) -> str:
        if what == "rows":
            return f"{len(part)} ({sum(part['role'] == 'fit')} / {sum(part['role'] == 'test')})"
        if what == "sources":
            by_role = part.groupby("role")["source_id"].nunique()
            return f"{part['source_id'].nunique()} ({by_role.get('fit', 0)} / {by_role.get('test', 0)})"
        if what == "matrix":
            return " / ".join(str(sum(part["matrix"] == m)) for m in MATRICES)
        kinds = part["assay_kind"].value_counts()
        return ", ".join(f"{n} {kind}" for kind, n in kinds.items())

    lines = ["| | " + " | ".join(drugs) + " |", "|---" * (len(drugs) + 1) + "|"]
    for label, what in [("modelled rows (fit / test)", "rows"), ("independent sources (fit / test)", "sources"),
                        (" / ".join(MATRICES.values()), "matrix"), ("assay kinds", "kinds")]:
        lines.append(f"| {label} | " + " | ".join(cell(rows[rows["drug"] == d], what) for d in drugs) + " |")
    return "\n".join(lines)


@cache
def posterior() -> pd.DataFrame:
    return pd.read_csv(POTENCY / "posterior.tsv", sep="\t")


def posterior_quantiles(column: str, power: bool = False) -> tuple[float, float, float]:
    """Median, 5% and 95% quantile of a posterior column (``power``: of 10**column)."""
    values = posterior()[column]
    values = 10 ** values if power else values
    return tuple(float(values.quantile(q)) for q in (0.5, 0.05, 0.95))


def posterior_table() -> str:
    """The posterior's medians and 90% credible intervals of the quantities the page discusses."""
    def row(label: str, column: str, power: bool = False, digits: int = 2) -> str:
        median, low, high = posterior_quantiles(column, power)
        return f"| {label} | {fmt(median, digits)} | {fmt(low, digits)}–{fmt(high, digits)} |"

    def signed(value: float) -> str:
        return fmt(value).replace("-", "−")

    kappa, kappa_low, kappa_high = posterior_quantiles("kappa_proliferation")
    tau, tau_low, tau_high = posterior_quantiles("tau")
    sigma, sigma_low, sigma_high = posterior_quantiles("sigma")
    return "\n".join([
        "| quantity | posterior median | 90% credible |", "|---|---|---|",
        row("ruxolitinib cellular factor", "theta_ruxolitinib", power=True),
        row("tofacitinib cellular factor", "theta_tofacitinib", power=True, digits=3),
        row("ruxolitinib `fu_plasma`", "fu_ruxolitinib"),
        row("tofacitinib `fu_plasma`", "fu_tofacitinib"),
        row("ruxolitinib B:P", "bp_ruxolitinib", digits=3),
        *(row(f"{drug} cellular factor" + (" (anchor: one source, no held-out test)" if drug in anchors() else ""),
              f"theta_{drug}", power=True, digits=3) for drug in panel_fitted()),
        f"| proliferation offset κ | {signed(kappa)} log10 ({fmt(10 ** -kappa)}x more potent than pSTAT) "
        f"| {signed(kappa_low)} to {signed(kappa_high)} |",
        f"| between-source sd τ | {fmt(tau)} log10 ({fmt(10 ** tau)}x) | {fmt(tau_low)}–{fmt(tau_high)} |",
        f"| within-source sd σ | {fmt(sigma)} log10 ({fmt(10 ** sigma)}x) | {fmt(sigma_low)}–{fmt(sigma_high)} |",
    ])


def panel_fitted() -> list[str]:
    """The issue-23 panel drugs the stored posterior fits (every drug with a factor but
    ruxolitinib and tofacitinib), in the posterior's order."""
    return [c.removeprefix("theta_") for c in posterior().columns
            if c.startswith("theta_") and c not in ("theta_ruxolitinib", "theta_tofacitinib")]


@cache
def anchors() -> tuple[str, ...]:
    """Drugs whose modelled rows all come from one source (fit only): no independent test."""
    rows = pd.read_csv(MEASURED, sep="\t", usecols=["drug", "role", "source_id", "context"], dtype=str,
                       keep_default_na=False)
    rows = rows[rows["role"].isin(["fit", "test"])]
    per = rows.groupby("drug").agg(sources=("source_id", "nunique"), tested=("role", lambda r: (r == "test").any()))
    return tuple(sorted(per.index[(per["sources"] == 1) & ~per["tested"]]))


def chance_comparison() -> str:
    """The records either way of reading the rows calls too narrow: the source-aware chance
    beside the binomial one (rows independent)."""
    from jakstat_sbml.potency.crossval import stored_track_records

    records = stored_track_records("drug") + stored_track_records("system")
    if any(t.rows and math.isnan(t.source_aware_chance) for t in records):
        raise ValueError("the stored cross-validation has no fold sigma: rerun make pharmacology")
    flagged = [t for t in records if t.rows and min(t.source_aware_chance, t.chance_independent) < 0.05]
    return "; ".join(f"{t.name}, {t.covered} of {t.rows} rows from {t.sources} sources, "
                     f"{100 * t.source_aware_chance:.1f}% (binomial {100 * t.chance_independent:.1f}%)"
                     for t in flagged) or "none is too narrow"


def same_assay_width() -> str:
    """The stored same-assay ratios' median 90% interval width (high end over low)."""
    from jakstat_sbml.potency.same_assay import stored_same_assay_ratios

    t = stored_same_assay_ratios().table
    return f"{float((t['high_90'] / t['low_90']).median()):,.0f}"


@cache
def held_out_pairs() -> pd.DataFrame:
    from jakstat_sbml.potency.crossval import stored_pairs

    pairs = stored_pairs()
    if pairs is None or "kind" not in pairs:
        raise ValueError("no stored held-out pairs of both kinds: rerun make pharmacology")
    return pairs


def held_out_drug_pairs() -> pd.DataFrame:
    return held_out_pairs()[lambda t: t["kind"] == "drugs"]


def held_out_pathway_pairs_table() -> str:
    """One drug on two pathways of one held-out source and matrix, grouped as the gamma-c
    selectivity question reads them: both gamma-c, gamma-c against interferon or IL-6, or
    other pairs; per group the ratios, sources, GMFE and coverage."""
    from jakstat_sbml.experiments.drug_comparison import pathway_pair_group

    pairs = held_out_pairs()[lambda t: t["kind"] == "pathways"]

    def group(r) -> str:
        name = pathway_pair_group(r["cytokine"], r["partner_cytokine"])
        return name + (" (the selectivity fold's)" if name == "gamma-c against IFN/IL-6" else "")

    rows = ["| pathways held against each other | ratios | sources | drugs | GMFE | 90% coverage |",
            "|---|---|---|---|---|---|"]
    for name, part in pairs.groupby(pairs.apply(group, axis=1), sort=False):
        rows.append(f"| {name} | {len(part)} | {part['source_id'].nunique()} | {', '.join(sorted(set(part['drug'])))} "
                    f"| {fmt(gmfe(part['fold_error']), 3)} | {percent(part['covered'].mean())} |")
    rows.append(f"| all | {len(pairs)} | {pairs['source_id'].nunique()} | {', '.join(sorted(set(pairs['drug'])))} | "
                f"{fmt(gmfe(pairs['fold_error']), 3)} | {percent(pairs['covered'].mean())} |")
    return "\n".join(rows)


def selectivity_record() -> str:
    """The held-out record of the gamma-c selectivity, as compare-drugs prints it, in a few words."""
    from jakstat_sbml.experiments.drug_comparison import selectivity_track_record

    r = selectivity_track_record()
    if r is None or not r.current:
        raise ValueError("no current stored held-out pathway pairs: rerun make pharmacology")
    return (f"{r.ratios} such ratios from {r.rows} measured rows of {r.sources} source{'s' if r.sources != 1 else ''} "
            f"({', '.join(r.drugs)} in {' and '.join(m.replace('_', ' ') for m in r.matrices)}), GMFE {fmt(r.gmfe, 2)}, {r.covered} of {r.ratios} inside their 90% intervals")


def held_out_pairs_table() -> str:
    """Every held-out ratio of two drugs in one assay of a source, measured against its
    prediction with the source left out (bold: outside its 90% interval)."""
    rows = ["| held-out source | assay | ratio (as added) | measured | predicted | 90% interval | fold error |",
            "|---|---|---|---|---|---|---|"]
    for _, r in held_out_drug_pairs().iterrows():
        rows.append(f"| {r['source_id']} | {r['cytokine']}, {r['matrix'].replace('_', ' ')} | {r['drug']} / "
                    f"{r['partner_drug']} | {fmt(r['measured_ratio'])} | {fmt(r['predicted_ratio'])} | "
                    f"{'' if r['covered'] else '**'}{fmt(r['low_90'])}–{fmt(r['high_90'])}"
                    f"{'' if r['covered'] else '**'} | {fmt(r['fold_error'])} |")
    return "\n".join(rows)


def held_out_pairs_reading() -> str:
    """The pairs' GMFE and coverage beside the held-out rows' (bold in the table: not covered)."""
    pairs, rows = held_out_drug_pairs(), held_out()
    return (f"Over the {len(pairs)} ratios from {pairs['source_id'].nunique()} sources the GMFE is "
            f"{fmt(gmfe(pairs['fold_error']), 3)} and {percent(pairs['covered'].mean())} lie inside their 90% "
            f"intervals (bold: outside), against {fmt(gmfe(rows['fold_error']), 3)} and "
            f"{percent(rows['covered'].mean())} for the held-out rows themselves")


def same_assay_table() -> str:
    """The stored same-assay ratios (make pharmacology): each one-source drug's IC50 over a
    fitted partner's in one assay of a source no fit uses, against the ratio's 90%
    predictive interval."""
    from jakstat_sbml.potency.same_assay import stored_same_assay_ratios

    stored = stored_same_assay_ratios()
    rows = ["| ratio (as added) | assay (source) | measured | predicted median | 90% predictive interval | "
            "fold error | covered |", "|---|---|---|---|---|---|---|"]
    for _, r in stored.table.iterrows():
        rows.append(f"| {r['drug']} / {r['partner_drug']} | {r['cytokine']}, read in `{r['context']}` "
                    f"({r['source_id']}) | {fmt(r['drug_nM'])} / {fmt(r['partner_nM'])} nM = "
                    f"{fmt(r['measured_ratio'])} | {fmt(r['predicted_ratio'])} | {fmt(r['low_90'])}–"
                    f"{fmt(r['high_90'])} | {fmt(r['fold_error'])} | {'yes' if r['covered'] else '**no**'} |")
    return "\n".join(rows)


def ex_vivo_table() -> str:
    """The stored ex vivo tests (make pharmacology): each plasma EC50 measured in blood drawn
    from dosed people, never fitted, against its 90% predictive interval."""
    from jakstat_sbml.potency.ex_vivo import stored_ex_vivo_tests

    stored = stored_ex_vivo_tests()
    if stored is None or not stored.current:
        raise ValueError("no current stored ex vivo tests: rerun make pharmacology")
    rows = ["| drug | stimulus, readout, read in | measured EC50 (nM plasma) | predicted median | "
            "90% predictive interval | fold error | covered |", "|---|---|---|---|---|---|---|"]
    for _, r in stored.table.iterrows():
        contexts = " or ".join(f"`{c}`" for c in r["contexts"].split("|"))
        rows.append(f"| {r['drug']} | {r['cytokine']}, {r['readout']}, {contexts} ({r['source_id']}) | "
                    f"{fmt(r['measured_nM'], 3)} | {fmt(r['predicted_nM'])} | {fmt(r['low_90_nM'])}–"
                    f"{fmt(r['high_90_nM'])} | {fmt(r['fold_error'])} | {'yes' if r['covered'] else '**no**'} |")
    return "\n".join(rows)


def ex_vivo_width() -> str:
    """The stored ex vivo tests' 90% interval widths (high end over low), narrowest to widest."""
    from jakstat_sbml.potency.ex_vivo import stored_ex_vivo_tests

    t = stored_ex_vivo_tests().table
    widths = (t["high_90_nM"] / t["low_90_nM"]).sort_values()
    return f"{widths.iloc[0]:,.0f}" if len(widths) == 1 else f"{widths.iloc[0]:,.0f}- to {widths.iloc[-1]:,.0f}"


def fit_rows_text(drug: str, cytokine: str, readout: str, matrix: str) -> str:
    """The fit rows of a drug in one assay system and matrix, as measured: '78 and 207 nM'."""
    rows = pd.read_csv(MEASURED, sep="\t", dtype=str, keep_default_na=False)
    mine = rows[(rows["drug"] == drug) & (rows["cytokine"] == cytokine) & (rows["readout"] == readout)
                & (rows["matrix"] == matrix) & (rows["role"] == "fit")]
    values = sorted(float(v) for v in mine["ic50_nM"])
    if not values:
        raise ValueError(f"no fit row of {drug} on {cytokine}/{readout} in {matrix}")
    return " and ".join(f"{v:g}" for v in values) + " nM"


def ex_vivo_fold(drug: str) -> float:
    """A drug's (first) stored ex vivo test's fold error."""
    from jakstat_sbml.potency.ex_vivo import stored_ex_vivo_tests

    return float(stored_ex_vivo_tests().for_drug(drug)["fold_error"].iloc[0])


def held_out_split_table() -> str:
    """GMFE and coverage of held-out predictions: drugs fitted with an independent test,
    anchors (their one source held out: predicted from the prior alone), and issue 22's
    two drugs alone (the previous cross-validation's scope)."""
    cv = held_out()
    groups = [("drugs with test sources", cv[~cv["drug"].isin(anchors())]),
              ("anchors (" + ", ".join(anchors()) + ")", cv[cv["drug"].isin(anchors())]),
              ("ruxolitinib and tofacitinib", cv[cv["drug"].isin(["ruxolitinib", "tofacitinib"])]),
              ("panel drugs", cv[~cv["drug"].isin(["ruxolitinib", "tofacitinib"])])]
    rows = ["| held-out rows of | rows | GMFE | 90% interval coverage |", "|---|---|---|---|"]
    rows += [f"| {name} | {len(part)} | {fmt(gmfe(part['fold_error']), 3)} | {percent(part['covered'].mean())} |"
             for name, part in groups]
    return "\n".join(rows)


@cache
def held_out_with_systems() -> pd.DataFrame:
    """The held-out predictions of the model variant with system terms (same rows, folds
    and sampler settings as the shipped cross-validation; docs/pharmacology.md 7)."""
    return pd.read_csv(PHARMACOLOGY / "cross_validation_system_terms.csv")


def system_terms_gmfe(which: str = "with") -> str:
    """Held-out GMFE with (``with``) or without (``without``) the system terms, both under the
    former priors on tau and sigma, under which the terms were tested."""
    cv = held_out_with_systems() if which == "with" else held_out_former()
    return fmt(gmfe(cv["fold_error"]), 3)


def system_terms_coverage(which: str = "with") -> str:
    cv = held_out_with_systems() if which == "with" else held_out_former()
    return percent(cv["covered"].mean())


def system_terms_gain() -> str:
    """How much the system terms lower the held-out GMFE, in percent of the shipped one."""
    return percent(1 - gmfe(held_out_with_systems()["fold_error"]) / gmfe(held_out_former()["fold_error"]))


def system_terms_table() -> str:
    """Held-out GMFE and coverage without and with the system terms: all rows, per drug
    and per assay system (context:cytokine)."""
    without, with_systems = held_out_former(), held_out_with_systems()
    both = without.merge(with_systems[["id", "fold_error", "covered"]], on="id", suffixes=("", "_systems"),
                         validate="one_to_one")
    both["system"] = both["context"] + ":" + both["cytokine"]
    groups = [("**all**", both)]
    groups += [(drug, both[both["drug"] == drug])
               for drug in sorted(both["drug"].unique(), key=lambda d: -sum(both["drug"] == d))]
    groups += [(f"`{system}`", both[both["system"] == system])
               for system in sorted(both["system"].unique(), key=lambda x: -sum(both["system"] == x))]
    rows = ["| held-out rows | rows | GMFE without | GMFE with system terms | coverage without | coverage with |",
            "|---|---|---|---|---|---|"]
    rows += [f"| {name} | {len(part)} | {fmt(gmfe(part['fold_error']), 3)} | "
             f"{fmt(gmfe(part['fold_error_systems']), 3)} | {percent(part['covered'].mean())} | "
             f"{percent(part['covered_systems'].mean())} |" for name, part in groups]
    return "\n".join(rows)


@cache
def held_out_former() -> pd.DataFrame:
    """The held-out predictions of the model under its former priors on tau and sigma,
    HalfNormal(0.3) and (0.2) (same rows, folds and sampler settings as the shipped
    cross-validation; docs/pharmacology.md 7)."""
    return pd.read_csv(PHARMACOLOGY / "cross_validation_former_priors.csv")


def variance_priors_table() -> str:
    """Held-out GMFE, rows covered and interval width under the former and the shipped
    (wider) priors on tau and sigma: all rows and per drug, most rows first."""
    both = held_out_former().merge(held_out()[["id", "fold_error", "covered", "low_90_nM", "high_90_nM"]],
                                   on="id", suffixes=("", "_wide"), validate="one_to_one")
    both["width"] = both["high_90_nM"] / both["low_90_nM"]
    both["width_wide"] = both["high_90_nM_wide"] / both["low_90_nM_wide"]
    groups = [("**all**", both)] + [(drug, both[both["drug"] == drug])
                                    for drug in sorted(both["drug"].unique(), key=lambda d: -sum(both["drug"] == d))]

    def covered(part, column):
        return f"{int(part[column].sum())}/{len(part)}"

    rows = ["| held-out rows | GMFE, former priors | GMFE, HalfNormal(0.5) | covered, former | "
            "covered, HalfNormal(0.5) | median 90% width, former | median 90% width, HalfNormal(0.5) |",
            "|---|---|---|---|---|---|---|"]
    rows += [f"| {name} | {fmt(gmfe(part['fold_error']), 3)} | {fmt(gmfe(part['fold_error_wide']), 3)} | "
             f"{covered(part, 'covered')} | {covered(part, 'covered_wide')} | {fmt(part['width'].median())}x | "
             f"{fmt(part['width_wide'].median())}x |" for name, part in groups]
    return "\n".join(rows)


def variants_score_table() -> str:
    """Every stored cross-validation of the potency model side by side, with a proper
    score of its intervals beside coverage (jakstat_sbml.potency.crossval.interval_score)."""
    from jakstat_sbml.potency.crossval import interval_score

    runs = [("shipped: HalfNormal(0.5) on τ and σ", held_out(), "cross_validation_summary.csv"),
            ("former priors, HalfNormal(0.3) and (0.2)", held_out_former(), "cross_validation_former_priors_summary.csv"),
            ("system terms (former priors)", held_out_with_systems(), "cross_validation_system_terms_summary.csv"),
            ("shipped, each laboratory's sources left out together",
             pd.read_csv(PHARMACOLOGY / "cross_validation_lab_grouped.csv"), "cross_validation_lab_grouped_summary.csv")]

    def pairs(summary: pd.Series, kind: str) -> str:  # the held-out ratios of the same folds: GMFE (coverage)
        if f"gmfe_{kind}" not in summary or pd.isna(summary[f"gmfe_{kind}"]):
            raise ValueError(f"a stored variant lacks its {kind}: rerun its make target")
        return f"{fmt(summary[f'gmfe_{kind}'], 3)} ({percent(summary[f'coverage_90_{kind}'])})"

    rows = ["| cross-validation | GMFE | 90% coverage | median 90% width | mean interval score (log10) | "
            "two drugs, one assay: GMFE (coverage) | one drug, two pathways: GMFE (coverage) |",
            "|---|---|---|---|---|---|---|"]
    for name, t, summary_file in runs:
        summary = pd.read_csv(PHARMACOLOGY / summary_file).iloc[0]
        rows.append(f"| {name} | {fmt(gmfe(t['fold_error']), 3)} | {percent(t['covered'].mean())} | "
                    f"{fmt((t['high_90_nM'] / t['low_90_nM']).median())}x | {fmt(interval_score(t), 3)} | "
                    f"{pairs(summary, 'pairs')} | {pairs(summary, 'pathway_pairs')} |")
    return "\n".join(rows)


def variance_priors_outcome() -> str:
    """The two numbers the pre-set rule on the wider priors reads, and which priors the
    shipped posterior carries (tests/test_potency.py holds that to the rule, which is
    stated there once)."""
    from jakstat_sbml.potency.posterior import FORMER_VARIANCE_SCALES, load_posterior

    former, wide = held_out_former(), held_out()
    g0, g1 = gmfe(former["fold_error"]), gmfe(wide["fold_error"])
    adopted = load_posterior().variance_scales != FORMER_VARIANCE_SCALES
    return (f"held-out GMFE {fmt(g1, 3)} against {fmt(g0, 3)} ({'+' if g1 >= g0 else ''}{percent(g1 / g0 - 1)}), "
            f"coverage {percent(wide['covered'].mean())} against {percent(former['covered'].mean())}: "
            + ("by the rule the wider priors replaced the former ones" if adopted
               else "the shipped posterior keeps the former priors"))


def posterior_quantile(column: str, q: float = 0.5) -> float:
    return float(posterior()[column].quantile(q))


def posterior_summary(column: str, digits: int = 2) -> str:
    """'median (5%–95%)' of a posterior column, e.g. '0.014 (0.0033–0.057)'."""
    median, low, high = posterior_quantiles(column)
    return f"{fmt(median, digits)} ({fmt(low, digits)}–{fmt(high, digits)})"


@cache
def posterior_run() -> dict:
    """How the stored posterior was sampled (models/potency/posterior.json): rows and
    sources fitted, chains, draws per chain, warm-up, divergences, sampler."""
    import json

    return json.loads((POTENCY / "posterior.json").read_text(encoding="utf-8"))


def modelled_rows(drug: str | None = None) -> int:
    """Measured rows the model recomputes (of one drug)."""
    rows = validation_rows()
    return int(len(rows) if drug is None else sum(rows["drug"] == drug))


@cache
def diagnostics() -> dict:
    """Largest r-hat and smallest effective sample size of the stored posterior."""
    table = pd.read_csv(POTENCY / "posterior_diagnostics.tsv", sep="\t")
    return {"max_r_hat": float(table["r_hat"].max()), "min_n_eff": float(table["n_eff"].min())}


def predictions_table() -> str:
    """The model's IC50s in the ctcl context (docs/pharmacology/predicted_ic50_ctcl.csv):
    one row per drug, one column per cytokine/readout, each cell free / total-plasma nM.
    Pathways no drug can be read on in ctcl (no receptor: all NaN) are left out and named
    under the table; a drug that does not halve a pathway by the grid's top dose shows
    "> 10⁶". (Drugs as columns made 29 columns, 7 of them visible: an audit.)"""
    from jakstat_sbml.pharmacology import PREDICTION_MAX_NM

    table = pd.read_csv(PHARMACOLOGY / "predicted_ic50_ctcl.csv")
    pathways = [(c, r) for (c, r), part in table.groupby(["cytokine", "readout"], sort=False)
                if part["ic50_free_nM"].notna().any()]
    above = f"> {PREDICTION_MAX_NM:.0e}".replace("1e+06", "10⁶")
    lines = ["| drug | " + " | ".join(f"{c} → {r}" for c, r in pathways) + " |",
             "|---|" + "---:|" * len(pathways)]
    for drug, part in table.groupby("drug", sort=False):
        by = part.set_index(["cytokine", "readout"])
        cells = []
        for key in pathways:
            free, plasma = by.loc[key, "ic50_free_nM"], by.loc[key, "ic50_plasma_nM"]
            cells.append(above if math.isinf(free) else f"{fmt(free, 3)} / {fmt(plasma, 3)}")
        lines.append(f"| {drug} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def predictions_left_out() -> str:
    """The pathways predictions_table leaves out: no drug has an IC50 there in ctcl."""
    table = pd.read_csv(PHARMACOLOGY / "predicted_ic50_ctcl.csv")
    empty = [f"{c} → {r}" for (c, r), part in table.groupby(["cytokine", "readout"], sort=False)
             if part["ic50_free_nM"].isna().all()]
    return ", ".join(empty)


# ----------------------------------------------------------------------------- mkdocs-macros


@cache
def replicates():
    """The spread of replicate measurements of one experiment (jakstat_sbml.potency.replicates)."""
    from jakstat_sbml.potency.replicates import replicate_spread

    return replicate_spread()


def replicates_table() -> str:
    """Replicate rows' between- and within-source spreads (90% confidence intervals) beside
    the posterior's tau and sigma, and the held-out GMFE a model without error of its own
    would reach beside the stored cross-validation's."""
    spread = replicates()

    def fold(sd: float) -> str:
        return f"{fmt(10 ** sd)}x"

    def ends(pair: tuple[float, float]) -> str:
        return f"{fmt(10 ** pair[0])}–{fmt(10 ** pair[1])}x"

    tau, sigma = posterior_quantiles("tau")[0], posterior_quantiles("sigma")[0]
    return "\n".join([
        "| | replicates of one experiment (90% CI) | the fitted potency model |", "|---|---|---|",
        f"| between sources (sd) | {fold(spread.between_sd)} ({ends(spread.between_interval())}; "
        f"{spread.between_df} df) | τ {fold(tau)} |",
        f"| within a source (sd) | {fold(spread.within_sd)} ({ends(spread.within_interval())}; "
        f"{spread.within_df} df) | σ {fold(sigma)} |",
        f"| held-out GMFE | {replicate_floor()}, a model without error of its own | {held_out_gmfe()} |"])


def replicate_floor() -> str:
    """The held-out GMFE a model without error of its own would reach, with its range."""
    low, high = replicates().floor_interval()
    return f"{fmt(replicates().floor_gmfe)} ({fmt(low)}–{fmt(high)})"


def replicate_sigma_ratio() -> str:
    """The fitted within-source sigma over the replicates' within-source spread (log10 terms)."""
    return fmt(posterior_quantiles("sigma")[0] / replicates().within_sd)


def replicate_share() -> str:
    """The share of the held-out log10 fold error that replicates' spread alone would give."""
    return percent(math.log10(replicates().floor_gmfe) / math.log10(gmfe(held_out()["fold_error"])))


def held_out_drugs_table() -> str:
    """Each drug's held-out rows, coverage, GMFE and verdict: the report's table, which the
    predictive intervals of every experiment quote (jakstat_sbml.potency.crossval.TrackRecord)."""
    from jakstat_sbml.report import held_out_drugs_markdown

    return held_out_drugs_markdown()


def held_out_systems_table() -> str:
    """Each assay system's held-out rows, coverage, GMFE and verdict (the report's table)."""
    from jakstat_sbml.report import held_out_systems_markdown

    return held_out_systems_markdown()


def held_out_record(drug: str) -> str:
    """The clause a predictive interval of ``drug`` ends its `covers` with."""
    from jakstat_sbml.potency.crossval import track_record

    return track_record(drug).text()


# ----------------------------------------------------------------------------- dosing (docs/dosing.md)


@cache
def predictions() -> dict:
    """The stored predictions the pages quote (``tools/docs/predictions.py``)."""
    return json.loads(PREDICTIONS.read_text())


def dosing() -> dict:
    """The stored predictions of docs/dosing.md."""
    return predictions()["dosing"]


def interval_examples_table() -> str:
    """docs/pharmacology.md section 8: ruxolitinib's IL-6/pSTAT3 IC50 with each kind of interval."""
    stored = predictions()["intervals"]

    def ends(pair, envelope=False):
        return f"{fmt(pair[0])}–{fmt(pair[1])}" + (" (envelope)" if envelope else "")

    hep, ctcl = stored["hepatocyte"], stored["ctcl"]
    potency_alone = _component("hepatocyte", "drug potency")
    lines = ["| context | interval | IC50 (nM free) | 90% interval (nM free) | (nM total plasma) |",
             "|---|---|---|---|---|",
             f"| hepatocyte | calibration only ({hep['calibration']['members']} members) | "
             f"{fmt(hep['calibration']['ic50_nM'])} | {ends(hep['calibration']['free'], True)} | "
             f"{ends(hep['calibration']['plasma'])} |",
             f"| hepatocyte | potency + between-assay alone | | {ends(potency_alone)} | |",
             f"| hepatocyte | `True` (both) | {fmt(hep['all']['ic50_nM'])} | {ends(hep['all']['free'])} | "
             f"{ends(hep['all']['plasma'])} |",
             f"| ctcl | potency + between-assay | {fmt(ctcl['potency']['ic50_nM'])} | {ends(ctcl['potency']['free'])} | "
             f"{ends(ctcl['potency']['plasma'])} |",
             f"| ctcl | `True` (potency and {parameter_sets('ctcl')} refitted parameter sets) | "
             f"{fmt(ctcl['all']['ic50_nM'])} | {ends(ctcl['all']['free'])} | {ends(ctcl['all']['plasma'])} |"]
    return "\n".join(lines)


def _component(context: str, name: str) -> list[float]:
    """The stored ``True`` interval's component of ``context`` whose name starts with ``name`` (free nM)."""
    return next(v for k, v in predictions()["intervals"][context]["all"]["components"].items() if k.startswith(name))


def parameter_sets(context: str) -> int:
    """How many parameter sets the stored ``True`` interval of ``context`` drew (uncalibrated contexts)."""
    return predictions()["intervals"][context]["all"]["parameter_sets"]


def calibration_width(context: str = "hepatocyte") -> str:
    """How many times wider the top of the stored calibration envelope is than its bottom: '1.15x'."""
    low, high = predictions()["intervals"][context]["calibration"]["free"]
    return f"{high / low:.2f}x"


def parameter_range_interval(context: str = "ctcl") -> str:
    """The stored interval the parameter ranges alone give (drug layer refitted per set): '0.63–33 nM'."""
    low, high = _component(context, "parameter")
    return f"{fmt(low)}–{fmt(high)} nM"


def inhibition(arm: str, stimulation: str, cytokine: str, what: str = "mean_inhibition") -> str:
    """One summary of the stored regimen table as a percentage, e.g. ``inhibition("ruxolitinib 20 mg BID",
    "ex vivo", "IL6")``."""
    return percent(dosing()["regimens"][arm][stimulation][cytokine][what])


def inhibition_range(arm: str, cytokine: str, what: str) -> str:
    """The summary under continuous and ex vivo stimulation, lower first: '4-11 %'."""
    values = sorted(dosing()["regimens"][arm][s][cytokine][what] for s in ("continuous", "ex vivo"))
    return f"{100 * values[0]:.0f}-{100 * values[1]:.0f} %"


def regimen_table() -> str:
    """Section 3's table: time-averaged inhibition per regimen, stimulation and pathway."""
    lines = ["| regimen | stimulation | IL-6/pSTAT3 | IL-2/pSTAT5 | IFN-γ/pSTAT1 | pSTAT3 maximum, h after dose |",
             "|---|---|---|---|---|---|"]
    for stimulation in ("continuous", "ex vivo"):
        for arm, by_stimulation in dosing()["regimens"].items():
            row = by_stimulation[stimulation]
            lines.append(f"| {arm} | {stimulation} | "
                         + " | ".join(percent(row[c]["mean_inhibition"]) for c in ("IL6", "IL2", "IFNG"))
                         + f" | {row['IL6']['hours_to_max_inhibition']:.1f} |")
    return "\n".join(lines)


@cache
def pk_checks() -> pd.DataFrame:
    """Every published PK number against the one-compartment model, computed now (closed
    form, about a second: no stored copy to go stale)."""
    from jakstat_sbml.regimens.checks import validate_pharmacokinetics

    return validate_pharmacokinetics().table


def pk_checks_table() -> str:
    """Section 1's checks: each row of pk_observations.tsv, the model's value, what the check
    is worth and its status (``jakstat validate pharmacokinetics`` prints the same)."""
    from jakstat_sbml.regimens.checks import format_value

    outcomes = {"within": "within", "known miss": "**missed** (known: why, below)"}
    lines = ["| drug, dose | quantity | published (bounds) | model | evidence | outcome |", "|---|---|---|---|---|---|"]
    for r in pk_checks().itertuples():
        lines.append(f"| {r.drug} {r.formulation} {r.dose_mg:g} mg | {r.quantity.replace('_', ' ')} | "
                     f"{format_value(r.observed, r.unit).replace('*', '·')} ({format_value(r.low)}–"
                     f"{format_value(r.high)}) | {format_value(r.model)} | {r.evidence} | "
                     f"{outcomes.get(r.status, f'**{r.status}**')} |")
    misses = pk_checks()[pk_checks().known_miss != ""]
    lines += ["", "Known misses, and why (the `known_miss` column of `pk_observations.tsv`):", ""]
    lines += [f"- {r.drug} {r.formulation} {r.quantity.replace('_', ' ')}: {r.known_miss}." for r in misses.itertuples()]
    return "\n".join(lines)


def zero_order_xr(quantity: str) -> str:
    """Tofacitinib 11 mg XR released at zero order over the label's 4 h Tmax (the what-if
    docs/dosing.md 1 rejects): its Cmax (one dose of each) or Cmin (day 5) over that of 5 mg
    IR every 12 h, as the checks compute them (closed form)."""
    from jakstat_sbml.regimens.checks import format_value, ratio_to_regimen

    days = None if quantity == "Cmax" else 5
    return format_value(ratio_to_regimen(quantity, "tofacitinib", 11, "XR", 5, days=days,
                                         pk={"release_duration_h": 4.0}))


def pk_gaps() -> str:
    """The drugs without a regimen and what is missing for each, from pk_gaps.tsv."""
    table = pd.read_csv(REPO / "data" / "pharmacokinetics" / "pk_gaps.tsv", sep="\t", keep_default_na=False)
    return "; ".join(f"{r.drug}: {r.gap}" for r in table.itertuples())


def pk_check(drug: str, quantity: str, dose_mg: float | None = None, formulation: str = "IR") -> str:
    """One check's model value, as the table shows it."""
    checks = pk_checks()
    row = checks[(checks.drug == drug) & (checks.quantity == quantity) & (checks.formulation == formulation)]
    if dose_mg is not None:
        row = row[row.dose_mg == dose_mg]
    if len(row) != 1:
        raise KeyError(f"no single PK check {drug} {formulation} {quantity} {dose_mg}")
    from jakstat_sbml.regimens.checks import format_value

    return format_value(float(row.model.iloc[0]))


def fraction_unbound(drug: str) -> str:
    """The fu a regimen of ``drug`` converts total plasma to free drug with, and where it comes from."""
    fu = dosing()["fraction_unbound"][drug]
    if abs(fu["value"] - fu["label"]) <= 1e-9 * fu["label"]:
        return f"{fu['value']:.2g}"
    return f"{fu['value']:.2g} (fitted; prior centre {fu['label']:.2g})"


def lowest_dose(stimulation: str) -> str:
    """The stored dose finding's answer: '200 mg', or that no dose on the grid reaches the target."""
    dose = dosing()["dose_finding"][stimulation]["dose_mg"]
    return "no dose on the grid" if dose is None else f"{dose:g} mg"


def lowest_dose_interval(stimulation: str) -> str:
    """The stored dose finding's 90% predictive interval of the lowest dose: '10 mg to beyond 200 mg'."""
    found = dosing()["dose_finding"][stimulation]
    low, high = found["dose_interval_mg"]
    lowest = min(found["doses_mg"])

    def end(dose) -> str:
        if dose is None:
            return "beyond the grid"
        return f"{dose:g} mg or less (the lowest dose tested)" if dose == lowest else f"{dose:g} mg"

    return f"from {end(low)} to {end(high)}"


def spread(values, digits: int = 0) -> str:
    """A stored [5th percentile, median, 95th percentile] of fractions: '35% (18-60%)'."""
    low, median, high = (100 * v for v in values)
    return f"{median:.{digits}f}% ({low:.{digits}f}-{high:.{digits}f}%)"


@cache
def ensemble_ic50(dataset: str) -> dict:
    """A calibrated context's headline IC50 over its ensemble, as ``make profiles`` (or
    ``write_ensemble_case``) stored it in docs/calibration/<dataset>/ensemble_ic50.tsv: the
    header's point and envelope, and each member's IC50 by its origin."""
    import re

    path = REPO / "docs" / "calibration" / dataset / "ensemble_ic50.tsv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    found = re.search(r"\((\w+)\): point ([\d.e+-]+) nM, calibration envelope ([\d.e+-]+)-([\d.e+-]+) nM over "
                      r"(\d+) members", header)
    if found is None:
        raise ValueError(f"{path}: unexpected header {header!r} (rewrite it with write_ensemble_case)")
    members = pd.read_csv(path, sep="\t", comment="#")
    return {"context": found[1], "point": float(found[2]), "low": float(found[3]), "high": float(found[4]),
            "members": int(found[5]), "by_origin": dict(zip(members.origin, members.ic50_nM))}


def ensemble_member(dataset: str, origin: str, digits: int = 3) -> str:
    """One ensemble member's IC50 (nM), e.g. ``ensemble_member("Boehm_JProteomeRes2014", "profile v_tx_CISH +1")``."""
    return fmt(ensemble_ic50(dataset)["by_origin"][origin], digits)


ENSEMBLE_READOUTS = {"Sobotta_Frontiers2017": "IL-6/pSTAT3", "Raia_CancerResearch2011": "IL-13/pSTAT5",
                     "Boehm_JProteomeRes2014": "EPO/pSTAT5", "Bachmann_MSB2011": "EPO/pSTAT5"}


def ensemble_ic50_table() -> str:
    """docs/uncertainty.md section 5: each calibrated context's ruxolitinib IC50 over its ensemble."""
    rows = ["| context | prediction | point estimate | calibration envelope | members |", "|---|---|---|---|---|"]
    for dataset, pathway in ENSEMBLE_READOUTS.items():
        case = ensemble_ic50(dataset)
        rows.append(f"| {case['context']} | ruxolitinib IC50, {pathway} at 20 min (free) | {fmt(case['point'], 3)} nM "
                    f"| {fmt(case['low'], 3)}–{fmt(case['high'], 3)} nM | {case['members']} "
                    f"({DATASETS[dataset][0]}) |")
    return "\n".join(rows)


def define_env(env) -> None:
    """Register the values and tables for pages with ``render_macros: true``."""
    env.variables["model"] = model_size()
    env.variables["sbgn_arcs"] = sbgn_arcs()
    env.variables["validation"] = validation()
    env.variables["crossval"] = cross_validation()
    env.variables["diagnostics"] = diagnostics()
    env.variables["posterior_run"] = posterior_run()
    env.variables["dosing"] = dosing()
    env.variables["predicted"] = predictions()
    env.variables["ranges"] = parameter_range_counts()
    for function in (fmt, percent, chi2_ratio, calibration_value, calibration_table, cross_validation_table, cross_validation_qualifiers, lab_grouped, variants_score_table, held_out_gmfe,
                     held_out_coverage, measured_rows_table, modelled_rows, posterior_quantile, posterior_quantiles,
                     posterior_summary,
                     posterior_table, predictions_table, predictions_left_out, held_out_split_table, held_out_pairs_table, held_out_pairs_reading, held_out_pathway_pairs_table, same_assay_table, chance_comparison, same_assay_width, ex_vivo_table, ex_vivo_width, ex_vivo_fold, selectivity_record, fit_rows_text, system_terms_gmfe,
                     system_terms_coverage, system_terms_gain, system_terms_table, variance_priors_table,
                     variance_priors_outcome, replicates, replicates_table, replicate_floor,
                     replicate_sigma_ratio, replicate_share, held_out_drugs_table,
                     held_out_systems_table, held_out_record, inhibition, inhibition_range, regimen_table,
                     fraction_unbound, lowest_dose, lowest_dose_interval, spread, interval_examples_table, calibration_width,
                     parameter_range_interval, pk_checks_table, pk_check, pk_gaps,
                     zero_order_xr, drugs_by_mechanism, notebook_count, parameter_sbo_terms,
                     headline_count, drug_value, ensemble_ic50, ensemble_member, ensemble_ic50_table):
        env.macro(function)

