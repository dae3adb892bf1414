"""What an experiment puts in the medium, generated from models/tables/: the ligands
(cytokines.tsv, their genes in genes.tsv) and the drugs (drugs.tsv).

A ligand is clamped at the dose the experiment adds plus what the cells secrete,
scaled by the expression factor of each of its genes. A drug acts by its mechanism
(:data:`jakstat_sbml.catalog.MECHANISMS`): an ATP-competitive one through the
occupancy of each JAK it targets (every such drug one term of the JAK's occupancy),
one that lowers STAT phosphorylation through a remaining-fraction factor on every
receptor phosphorylation of its target STATs (:func:`phosphorylation_factors`, used
by the docking rows). The output is models/generated/cytokines.ant and
models/generated/drugs.ant.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import Drug, ModelTables
from ..errors import ModelFileError

_CYTOKINES_TEXT = """\
// Cytokines: extracellular, clamped at what the medium holds (nM): the dose the
// experiment adds (dose_*, recombinant protein) plus what the cells secrete
// themselves (*_autocrine, a steady medium concentration).
// A ligand gene (genes.tsv) acts only on the cells' own production: its *_expression
// factor (gene dosage, 1 = normal, 0 = knockout) scales *_autocrine and never the
// added dose, because knocking out the gene in the cell cannot remove recombinant
// cytokine from the medium. The modelled cells secrete none of these ligands
// (*_autocrine = 0 in every context), so a ligand knockout (or overexpression) changes
// nothing unless an experiment sets an autocrine level with
// parameters={"IL6_autocrine": ...}. A ligand of several genes (IL-12 p70: IL12A p35
// and IL12B p40) needs all of them.
"""

_DRUGS_TEXT = """\
// Drugs (free medium concentration, nM; the Python layer converts plasma doses with
// the fraction unbound). Mechanisms (drugs.tsv, column mechanism):
//
// atp_competitive: a reversible ATP-competitive (type I) JAK inhibitor. A drug in the
// ATP site of a JAK blocks every catalytic act of that JAK, so act_JAKx (the drug-free,
// catalytically competent fraction of JAKx) multiplies every JAK-catalysed step of the
// model: trans-activation of receptor complexes, the JAK3 A572V pair, and STAT
// phosphorylation by active complexes (complexes.ant, docking.ant).
// Occupancy is at equilibrium: for nM inhibitors with kon ~1e5-1e7 /M/s and fast
// off-rates the binding relaxes in seconds to minutes, shorter than the pre-incubation
// (30 min) and stimulation (10-30 min) the experiments use and far shorter than plasma
// exposure changes over hours; see docs/pharmacology.md.
// Potency. Biochemical IC50s (parameters.tsv) give Ki by Cheng-Prusoff: for an assay at
// Km ATP, Ki = IC50 * cheng_prusoff_at_Km; for a drug whose drugs.tsv row names the ATP
// of its assay (column assay_ATP, a parameter), Ki = IC50 / (1 + ATP_assay / Km_ATP_JAKx)
// with each JAK's own Km (a panel at 45 uM ATP: 0.72, 0.38, 0.25, 0.44 x IC50 on JAK1,
// JAK2, JAK3, TYK2). In a cell the inhibitor competes with
// mM ATP: the Cheng-Prusoff shift 1 + ATP_cell/Km of each JAK (cheng_prusoff_shift_JAKx)
// raises the constant. What that hypothesis misses for a drug (the ATP of its
// biochemical assay, uptake and efflux, binding in the cell) is one factor per drug,
// its cellular factor, fitted to measured cellular / whole-blood IC50s
// (data/pharmacology; `jakstat validate pharmacology`). The measured rows cannot
// separate the four JAKs, so the shift between JAKs stays the Cheng-Prusoff one.
// N competitors for one site: the drug-free fraction is 1 / (1 + sum_d [d]/K_d), one
// term per drug in occupancy_JAKx.
//
// stat_phosphorylation: a drug that lowers STAT tyrosine phosphorylation by a mechanism
// not known well enough to model (pimozide: Nelson et al., Blood 2011), modelled
// phenomenologically as a hyperbolic inhibition of every receptor phosphorylation of
// its target STATs: <short name>_<STAT> is the remaining fraction (docking.ant).
"""


def _declare(ids: list[str], compartment: str, per_line: int = 3) -> list[str]:
    return [f"species {', '.join(f'${s} in {compartment}' for s in ids[i:i + per_line])}"
            for i in range(0, len(ids), per_line)]


def cytokines_antimony(tables: ModelTables, header: str) -> str:
    out = [header, _CYTOKINES_TEXT]
    out += _declare(list(tables.cytokines), "extracellular")
    out.append("")
    for c in tables.cytokines.values():
        expression = " * ".join(tables.genes[g].parameter for g in c.genes)
        out.append(f"{c.name} := {c.dose_parameter} + {expression} * {c.name}_autocrine")
    return "\n".join(out) + "\n"


def check_drugs(tables: ModelTables, jaks: list[str], families: set[str], parameters: set[str]) -> None:
    """A drug's targets are JAKs of chains.tsv (atp_competitive) or STAT families of
    stats.tsv (stat_phosphorylation), and every parameter it names is in parameters.tsv."""
    for d in tables.drugs.values():
        allowed = set(jaks) if d.mechanism == "atp_competitive" else families
        wrong = [t for t in d.targets if t not in allowed]
        if wrong:
            kind = "JAKs of chains.tsv" if d.mechanism == "atp_competitive" else "STAT families of stats.tsv"
            raise ModelFileError(f"drugs.tsv: {d.name} ({d.mechanism}) targets {wrong}, which are no {kind}")
        names = [*d.constants.values(), d.dose_parameter] + [p for p in (d.cellular_factor, d.assay_atp) if p]
        missing = [p for p in names if p not in parameters]
        if missing:
            raise ModelFileError(f"drugs.tsv: {d.name} names {', '.join(missing)}, not in parameters.tsv")


def drugs_antimony(tables: ModelTables, jaks: list[str], header: str) -> str:
    """``jaks``: every JAK of the model (act_JAKx is defined for each, 1 without a drug)."""
    drugs = list(tables.drugs.values())
    competitive = [d for d in drugs if d.mechanism == "atp_competitive"]
    targeted = [j for j in jaks if any(j in d.targets for d in competitive)]
    out = [header, _DRUGS_TEXT]
    out += _declare([d.name for d in drugs], "cytoplasm")
    out += [f"{d.name} := {d.dose_parameter}" for d in drugs]
    out.append("")
    for j in targeted:
        out.append(f"cheng_prusoff_shift_{j} := (Km_ATP_{j} + ATP_cell) / Km_ATP_{j}; "
                   f"cheng_prusoff_shift_{j} has dimensionless")
    for d in competitive:
        for j in jaks:
            if j in d.targets:
                ki = (f"{d.constants[j]} / (1 dimensionless + {d.assay_atp} / Km_ATP_{j})" if d.assay_atp
                      else f"{d.constants[j]} * cheng_prusoff_at_Km")
                out.append(f"Ki_{d.name}_{j} := {ki}; Ki_{d.name}_{j} has nM")
    for d in competitive:
        for j in jaks:
            if j in d.targets:
                out.append(f"Kcell_{d.name}_{j} := Ki_{d.name}_{j} * cheng_prusoff_shift_{j} * {d.cellular_factor}; "
                           f"Kcell_{d.name}_{j} has nM")
    out.append("\n// Occupancy ratios: sum over competing drugs of [drug] / K_cell (one term per drug).")
    for j in jaks:
        terms = [f"{d.name} / Kcell_{d.name}_{j}" for d in competitive if j in d.targets]
        out.append(f"occupancy_{j} := {' + '.join(terms) or '0 dimensionless'}; occupancy_{j} has dimensionless")
    for j in jaks:
        out.append(f"act_{j} := 1 dimensionless / (1 dimensionless + occupancy_{j}); act_{j} has dimensionless")
    other = [d for d in drugs if d.mechanism == "stat_phosphorylation"]
    if other:
        out.append("\n// Remaining fraction of the phosphorylation of each target STAT (stat_phosphorylation).")
    for d in other:
        for t, k in d.constants.items():
            out.append(f"{d.short_name}_{t} := {k} / ({k} + {d.name}); {d.short_name}_{t} has dimensionless")
    return "\n".join(out) + "\n"


def phosphorylation_factors(drugs: list[Drug], family_of: Callable[[str], str]) -> Callable[[str], list[str]]:
    """STAT -> the drug factors on its receptor phosphorylation (a drug targeting STAT5
    acts on STAT5A and STAT5B), in the order of drugs.tsv and of each drug's targets."""
    def factors(stat: str) -> list[str]:
        return [f"{d.short_name}_{t}" for d in drugs if d.mechanism == "stat_phosphorylation"
                for t in d.targets if t in (stat, family_of(stat))]
    return factors
