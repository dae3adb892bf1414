"""What an experiment puts in the medium, generated from models/tables/: the ligands
(cytokines.tsv, their genes in genes.tsv) and the drugs (drugs.tsv).

A ligand is clamped at the dose the experiment adds plus what the cells secrete,
scaled by the expression factor of each of its genes. A drug acts by its mechanism
(:data:`jakstat_sbml.catalog.MECHANISMS`): an ATP-competitive one through the
occupancy of each JAK it targets (every such drug one term of the JAK's occupancy),
a covalent JAK3 one through that term plus a bonded-JAK3 species that only JAK3
turnover removes, an allosteric TYK2 one through a JH2 factor beside TYK2's occupancy,
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
//
// covalent_jak3: an irreversible (covalent, Cys909) JAK3 inhibitor, two steps: the drug
// binds the ATP site reversibly (its Kcell on JAK3 is one term of occupancy_JAK3, built
// like an ATP-competitive constant, so ATP-site drugs compete with this step), then the
// bound drug bonds to JAK3 at kinact. The bonded JAK3 is a species, <drug>_JAK3_adduct
// (nM, all forms of JAK3 alike, free or on its chain: the bond is in the kinase domain,
// not at the receptor-binding FERM domain), made at
//   kinact * ([drug]/Kcell) / (1 + occupancy_JAK3) * (JAK3_total - adducts)
// (the reversibly bound share of the JAK3 not yet bonded) and lost only as JAK3 turns
// over (kturnover_JAK3: each inactivated JAK3 is replaced by a new, active one, so the
// JAK3 total stays conserved). inactivated_JAK3 = adducts / JAK3_total, and act_JAK3 is
// multiplied by (1 - inactivated_JAK3). It starts at 0 in the drug-free steady state and
// grows with pre-incubation time and with every dose of a regimen. A covalent drug's
// other targets are reversible ATP-site constants.
//
// allosteric_tyk2: a drug in TYK2's pseudokinase (JH2) domain (deucravacitinib) locks
// TYK2 inactive without touching the ATP site: allosteric_TYK2 = 1 / (1 + sum [d]/Kcell),
// Kcell = Ki (binding, no ATP, so no Cheng-Prusoff shift) * cellular factor, multiplies
// act_TYK2 beside the ATP-site term: with an ATP-competitive drug the two act
// independently (the product of the two remaining fractions), allosteric drugs among
// themselves compete for the JH2 site.
"""


def adduct(drug: str) -> str:
    """Species of the JAK3 a covalent_jak3 drug has bonded (nM)."""
    return f"{drug}_JAK3_adduct"


def kinact_parameter(drug: str) -> str:
    """Rate constant of the covalent bond of a covalent_jak3 drug (parameters.tsv, per minute)."""
    return f"kinact_{drug}_JAK3"


KTURNOVER_JAK3 = "kturnover_JAK3"  # JAK3 protein turnover (parameters.tsv): recovery from covalent inhibition
JAK3_FLOOR = "JAK3_floor"  # parameters.tsv: keeps the bonded fraction defined without JAK3

# Targets each mechanism may name, beyond the JAKs of chains.tsv (None: STAT families).
_ALLOSTERIC_JAKS = ("TYK2",)


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
    """A drug's targets are JAKs of chains.tsv (atp_competitive, covalent_jak3: JAK3 among
    them), TYK2 (allosteric_tyk2) or STAT families of stats.tsv (stat_phosphorylation), and
    every parameter it names (or its mechanism needs) is in parameters.tsv."""
    for d in tables.drugs.values():
        if d.mechanism == "stat_phosphorylation":
            allowed, kind = families, "STAT families of stats.tsv"
        elif d.mechanism == "allosteric_tyk2":
            allowed, kind = {j for j in _ALLOSTERIC_JAKS if j in jaks}, "TYK2 (a JH2 binder acts on TYK2 only)"
        else:
            allowed, kind = set(jaks), "JAKs of chains.tsv"
        wrong = [t for t in d.targets if t not in allowed]
        if wrong:
            raise ModelFileError(f"drugs.tsv: {d.name} ({d.mechanism}) targets {wrong}, which are no {kind}")
        if d.mechanism == "covalent_jak3" and "JAK3" not in d.targets:
            raise ModelFileError(f"drugs.tsv: {d.name} (covalent_jak3) must target JAK3 (its reversible step's constant)")
        names = [*d.constants.values(), d.dose_parameter] + [p for p in (d.cellular_factor, d.assay_atp) if p]
        if d.mechanism == "covalent_jak3":
            names += [kinact_parameter(d.name), KTURNOVER_JAK3, JAK3_FLOOR]
        missing = [p for p in names if p not in parameters]
        if missing:
            raise ModelFileError(f"drugs.tsv: {d.name} names {', '.join(missing)}, not in parameters.tsv")


def drugs_antimony(tables: ModelTables, jaks: list[str], header: str) -> str:
    """``jaks``: every JAK of the model (act_JAKx is defined for each, 1 without a drug)."""
    drugs = list(tables.drugs.values())
    # ATP-site constants: every target of an ATP-competitive drug, every target of a
    # covalent one (its reversible step on JAK3, plain reversible binding elsewhere).
    competitive = [d for d in drugs if d.mechanism in ("atp_competitive", "covalent_jak3")]
    covalent = [d for d in drugs if d.mechanism == "covalent_jak3"]
    allosteric = [d for d in drugs if d.mechanism == "allosteric_tyk2"]
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
    factors = {j: [] for j in jaks}
    if covalent:
        out.append("\n// Covalent JAK3 inhibition (covalent_jak3): bonded JAK3, made from the reversibly bound\n"
                   "// share of the JAK3 not yet bonded, lost only with JAK3 turnover.")
        adducts = " + ".join(adduct(d.name) for d in covalent)
        out.append(f"species {', '.join(f'{adduct(d.name)} in cytoplasm' for d in covalent)}")
        out.append("; ".join(f"{adduct(d.name)} = 0" for d in covalent))
        for d in covalent:
            out.append(f"covalent_{d.name}_JAK3: => {adduct(d.name)}; cytoplasm * {kinact_parameter(d.name)} * "
                       f"({d.name} / Kcell_{d.name}_JAK3) / (1 dimensionless + occupancy_JAK3) * "
                       f"(JAK3_total - ({adducts}))")
            out.append(f"turnover_{d.name}_JAK3_adduct: {adduct(d.name)} => ; cytoplasm * {KTURNOVER_JAK3} * "
                       f"{adduct(d.name)}")
        # JAK3_floor (far below one molecule) keeps the fraction defined, and smooth for both
        # engines, where a context or a knockout has no JAK3 (the adducts are then 0 too).
        out.append(f"inactivated_JAK3 := ({adducts}) / (JAK3_total + {JAK3_FLOOR}); inactivated_JAK3 has dimensionless")
        factors["JAK3"].append("(1 dimensionless - inactivated_JAK3)")
    if allosteric:
        out.append("\n// Allosteric (JH2) inhibition (allosteric_tyk2): no ATP competition, so no Cheng-Prusoff shift.")
        for d in allosteric:
            for j in d.targets:
                out.append(f"Kcell_{d.name}_{j} := {d.constants[j]} * {d.cellular_factor}; Kcell_{d.name}_{j} has nM")
        for j in jaks:
            terms = [f"{d.name} / Kcell_{d.name}_{j}" for d in allosteric if j in d.targets]
            if terms:
                out.append(f"allosteric_{j} := 1 dimensionless / (1 dimensionless + {' + '.join(terms)}); "
                           f"allosteric_{j} has dimensionless")
                factors[j].append(f"allosteric_{j}")
    out.append("\n// Drug-free, catalytically competent fraction of each JAK.")
    for j in jaks:
        extra = "".join(f" * {f}" for f in factors[j])
        out.append(f"act_{j} := 1 dimensionless / (1 dimensionless + occupancy_{j}){extra}; act_{j} has dimensionless")
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
