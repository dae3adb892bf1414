"""The dosing section of ``jakstat report``: approved regimens side by side on every pathway."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from .. import catalog
from ..errors import JakStatWarning
from .exposure import exposure_response
from ..regimens.checks import format_value, validate_pharmacokinetics
from ..regimens.regimen import regimen

REPORT_DAYS = 3  # both drugs are at pharmacokinetic steady state after a day (half-life ~3 h)


def approved_regimens() -> dict:
    """The approved oral regimens compared in the report (labels: Jakafi 5-25 mg twice daily;
    Xeljanz 5 or 10 mg twice daily, XR 11 mg once daily)."""
    arms = {f"ruxolitinib {d} mg BID": regimen("ruxolitinib", d, every="12 h", days=REPORT_DAYS) for d in (5, 20, 25)}
    arms["tofacitinib 5 mg BID"] = regimen("tofacitinib", 5, every="12 h", days=REPORT_DAYS)
    arms["tofacitinib 10 mg BID"] = regimen("tofacitinib", 10, every="12 h", days=REPORT_DAYS)
    arms["tofacitinib 11 mg XR QD"] = regimen("tofacitinib", 11, every="24 h", days=REPORT_DAYS, formulation="XR")
    return arms


def dosing_section(model, out: Path, figure_format: str, cytokines: list[str] | None = None) -> str:
    """Markdown of the section; writes dosing.csv, dosing_mutant.csv and a figure into ``out``.
    ``cytokines``: the pathways compared (default every one; the report passes those its
    context can signal through)."""
    import matplotlib.pyplot as plt

    arms = approved_regimens()
    mutant = {m: 0.5 for m in catalog.MUTATIONS}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JakStatWarning)
        wild = exposure_response(model, arms, cytokines)
        mut = exposure_response(model, arms, cytokines, mutations=mutant)
    wild.to_frame().to_csv(out / "dosing.csv", index=False)
    mut.to_frame().to_csv(out / "dosing_mutant.csv", index=False)
    fig = wild.plot(arms=["ruxolitinib 20 mg BID", "tofacitinib 5 mg BID", "tofacitinib 11 mg XR QD"])
    figure = f"dosing.{figure_format}"
    fig.savefig(out / figure, dpi=110)
    plt.close(fig)
    pathways = list(wild.inhibition_matrix().columns)
    lines = [f"Oral regimens (one-compartment PK from data/pharmacokinetics, free drug = fu x total plasma) driving "
             f"the model in context {model.context!r}; each cytokine at its standard dose from the first dose on "
             f"(continuous stimulation, docs/dosing.md). Time-averaged inhibition of the main readout over the "
             f"last dosing interval of {REPORT_DAYS} days; each cell gives the wild type, then (after 'mut') "
             f"the same with the CTCL mutations ({', '.join(mutant)}, mutant fraction 0.5 each). Point "
             "predictions at each drug's fitted potency, without intervals (brackets elsewhere hold a 90% "
             "predictive interval): `jakstat regimen DRUG DOSE -c CYTOKINE --uncertainty potency` gives each "
             "its interval, docs/pharmacology.md section 8.", "",
             "| regimen | " + " | ".join(pathways) + " |", "|---" * (len(pathways) + 1) + "|"]
    w, m = wild.inhibition_matrix(), mut.inhibition_matrix()
    for arm in arms:
        lines.append(f"| {arm} | " + " | ".join(f"{_percent(w.loc[arm, p])}; mut {_percent(m.loc[arm, p])}"
                                              for p in pathways) + " |")
    flags = sorted({str(c.message) for c in caught})
    if flags:
        lines += ["", "Flags: " + "; ".join(flags)]
    lines += ["", pk_checks_paragraph(out)]
    lines += ["", "Data (every summary number, both backgrounds): [dosing.csv](dosing.csv), "
              "[dosing_mutant.csv](dosing_mutant.csv)", "", f"![dosing regimens]({figure})"]
    return "\n".join(lines)


def pk_checks_paragraph(out: Path) -> str:
    """How the PK behind the regimens fares against the published numbers (label Cmax,
    half-lives, ...; `jakstat validate pharmacokinetics`), each known miss named with the
    model's value; writes pharmacokinetic_checks.csv into ``out``."""
    checks = validate_pharmacokinetics()
    checks.to_frame().to_csv(out / "pharmacokinetic_checks.csv", index=False)
    s = checks.summary()
    misses = checks.table[checks.table.status != "within"]
    text = (f"The pharmacokinetics against published numbers (labels and PK studies, "
            f"data/pharmacokinetics/pk_observations.tsv; `jakstat validate pharmacokinetics`): "
            f"{s['independent_within']} of {s['independent']} independent checks within their bounds; the other "
            f"{s['checks'] - s['independent']} are circular or consistency checks of numbers a parameter was set "
            f"from ({s['within'] - s['independent_within']} of them within), which say little.")
    outside = []
    for r in misses.itertuples():
        note = "known" if r.status == "known miss" else r.status
        outside.append(f"{r.drug} {r.formulation} {r.quantity.replace('_', ' ')}: model {format_value(r.model)}, "
                       f"published {format_value(r.observed, r.unit)} ({format_value(r.low)}-{format_value(r.high)}; "
                       f"{note})")
    if outside:
        text += " Outside: " + "; ".join(outside) + "."
    return text + " Data: [pharmacokinetic_checks.csv](pharmacokinetic_checks.csv)"


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%" if math.isfinite(fraction) else "n/a"
