"""The regular part of the network, generated from the tables in models/tables/.

One row per receptor chain-JAK pair (chains.tsv), receptor complex
(complexes.tsv), feedback binder (feedback_binders.tsv), complex phosphatase
(complex_phosphatases.tsv), STAT docking site (docking.tsv) and derived sum
(readout_sums.tsv); the STAT layer and the feedback genes (:mod:`.stat_layer`), the
ligands and the drugs (:mod:`.inputs`) come from their own tables, and
:func:`generate` writes them all. The rate laws the rows share are written once, in
these modules; the output is plain, committed Antimony in models/generated/,
imported by models/jakstat.ant beside the hand-written modules (irregular biology,
such as JAK3 A572V). ``jakstat build`` regenerates it; a test fails when a
committed file is stale. docs/design.md, "How the network is generated", says why
this is Python and not Antimony's own modules.

Species ids say what a species is made of (``IL4_IL4R_JAK1_IL13RA1_TYK2_p_SOCS1``:
ligand, chains with their JAKs, ``p`` active, bound feedback protein), and the
derived sums are computed from that composition, over the generated species and
those declared in the hand-written modules, so nothing is left out by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import catalog
from ..errors import ModelFileError
from . import inputs, stat_layer
from .stat_layer import StatLayer

TABLES_DIR = "tables"
GENERATED_DIR = "generated"
COMPARTMENT = "cytoplasm"  # receptors, complexes and feedback proteins all live here

_COLUMNS = {
    "chains": ["chain", "jak", "kon", "Kd", "source"],
    "complexes": ["complex", "ligand", "binding_chain", "kon", "Kd", "partner_chain", "catalytic_jaks",
                  "activation_factor", "docking_unit", "feedback", "source"],
    "feedback_binders": ["binder", "koff", "fate", "fate_rate", "source"],
    "complex_phosphatases": ["phosphatase", "kcat", "on_chains", "on_jaks", "rate_tag", "source"],
    "docking": ["docking_unit", "stat", "kcat", "modifiers", "source"],
    "readout_sums": ["readout", "kind", "of", "description"],
    "capture_chains": ["chain", "ligand", "kon", "Kd", "hands_to", "source"],
}
# Columns that may be empty (a chain without JAK, a complex without extra factor, ...).
_OPTIONAL = {"jak", "kon", "Kd", "activation_factor", "on_chains", "on_jaks", "rate_tag", "modifiers"}
_FATES = {"degrade", "internalise"}
_RECEPTOR_SUMS = {"all_forms", "bound", "phosphorylated"}  # over the receptor layer's species
_STAT_SUMS = {"nuclear_forms", "cytoplasmic_forms", "dimer"}  # over the STAT layer's (stat_layer.sum_terms)
_SUM_KINDS = _RECEPTOR_SUMS | _STAT_SUMS


# ----------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class ChainJak:
    chain: str
    jak: str  # "" for a chain that carries no JAK
    kon: str
    kd: str
    source: str

    @property
    def loaded(self) -> str:
        """The species of the chain as complexes use it (JAK-loaded if it carries one)."""
        return f"{self.chain}_{self.jak}" if self.jak else self.chain


@dataclass(frozen=True)
class Complex:
    name: str  # suffix of its reaction ids
    ligand: str
    binding_chain: str  # species the ligand binds first
    kon: str
    kd: str
    partner_chain: str  # species that joins the ligand-bound chain
    catalytic_jaks: tuple[str, ...]
    activation_factor: str
    docking_unit: str
    feedback: tuple[tuple[str, str], ...]  # (binder, kon parameter)
    source: str
    jaks: tuple[str, ...]  # every JAK of its chains, in order

    @property
    def intermediate(self) -> str:
        return f"{self.ligand}_{self.binding_chain}"

    @property
    def inactive(self) -> str:
        return f"{self.intermediate}_{self.partner_chain}"

    @property
    def active(self) -> str:
        return f"{self.inactive}_p"

    def bound(self, binder: str) -> str:
        return f"{self.active}_{binder}"

    @property
    def kinase(self) -> str:
        """Drug-free fraction of its catalytic JAKs (act_JAKx from generated/drugs.ant, or their product)."""
        return f"act_{self.catalytic_jaks[0]}" if len(self.catalytic_jaks) == 1 else "kinase_" + "_".join(self.catalytic_jaks)

    @property
    def chain_set(self) -> frozenset[str]:
        return frozenset({self.binding_chain, self.partner_chain})

    @property
    def states(self) -> list[str]:
        return [self.inactive, self.active] + [self.bound(b) for b, _ in self.feedback]


@dataclass(frozen=True)
class Binder:
    name: str
    koff: str
    fate: str  # "degrade" (proteasomal, SOCS box) or "internalise" (as the free active complex)
    fate_rate: str
    source: str


@dataclass(frozen=True)
class Phosphatase:
    protein: str
    kcat: str
    on_chains: frozenset[str]  # both empty: every complex
    on_jaks: frozenset[str]
    tag: str
    source: str

    def acts_on(self, c: Complex, chains: dict[str, ChainJak]) -> bool:
        if not self.on_chains and not self.on_jaks:
            return True
        bare = {chains[s].chain for s in (c.binding_chain, c.partner_chain)}
        return bool(self.on_chains & bare or self.on_jaks & set(c.jaks))


@dataclass(frozen=True)
class Docking:
    unit: str
    stat: str
    kcat: str
    modifiers: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Capture:
    """A JAK-less chain that captures a ligand and hands it to a signalling chain."""

    chain: str
    ligand: str
    kon: str
    kd: str
    hands_to: str  # the JAK-loaded chain the ligand moves to (the binding chain of its complex)
    source: str

    @property
    def bound(self) -> str:
        return f"{self.ligand}_{self.chain}"


@dataclass(frozen=True)
class ReadoutSum:
    readout: str
    kind: str
    of: str
    description: str


@dataclass
class Network:
    chains: list[ChainJak]
    complexes: list[Complex]
    binders: dict[str, Binder]
    phosphatases: list[Phosphatase]
    docking: list[Docking]
    sums: list[ReadoutSum]
    handwritten_species: dict[str, str]  # id -> compartment, from the hand-written modules
    stats: StatLayer | None = None
    captures: list[Capture] = field(default_factory=list)
    # STAT -> drug factors on its receptor phosphorylation (inputs.phosphorylation_factors)
    phosphorylation_factors: Callable[[str], list[str]] = field(default=lambda stat: [])

    @property
    def loaded_chains(self) -> dict[str, ChainJak]:
        return {c.loaded: c for c in self.chains}


# ----------------------------------------------------------------------------- reading


def _read(path: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    return catalog.read_table(path, _COLUMNS[name], _OPTIONAL)


def handwritten_species(models: Path) -> dict[str, str]:
    """Species declared in the hand-written modules jakstat.ant imports (id -> compartment)."""
    out: dict[str, str] = {}
    main = models / "jakstat.ant"
    for imported in re.findall(r'^import\s+"([^"]+)"', main.read_text(), flags=re.M):
        if imported.startswith(GENERATED_DIR + "/") or not imported.startswith("modules/"):
            continue
        for line in (models / imported).read_text().splitlines():
            if line.lstrip().startswith("species "):
                for sid, compartment in re.findall(r"\$?(\w+)\s+in\s+(\w+)", line):
                    out[sid] = compartment
    return out


def read_network(models: Path) -> Network:
    tables = Path(models) / TABLES_DIR

    def rows(name):
        return _read(tables / f"{name}.tsv", name)

    chains = [ChainJak(r["chain"], r["jak"], r["kon"], r["Kd"], r["source"]) for _, r in rows("chains")]
    by_loaded = {c.loaded: c for c in chains}
    if len(by_loaded) != len(chains):
        raise ModelFileError(f"{tables / 'chains.tsv'}: a chain-JAK pair appears twice")
    for c in chains:
        if c.jak and not (c.kon and c.kd):
            raise ModelFileError(f"{tables / 'chains.tsv'}: {c.loaded} needs kon and Kd for its JAK loading")

    binders = {}
    for i, r in rows("feedback_binders"):
        if r["fate"] not in _FATES:
            raise ModelFileError(f"{tables / 'feedback_binders.tsv'}:{i}: fate must be one of {sorted(_FATES)}")
        binders[r["binder"]] = Binder(r["binder"], r["koff"], r["fate"], r["fate_rate"], r["source"])

    complexes: list[Complex] = []
    where = tables / "complexes.tsv"
    for i, r in rows("complexes"):
        for column in ("binding_chain", "partner_chain"):
            if r[column] not in by_loaded:
                raise ModelFileError(f"{where}:{i}: {column} {r[column]!r} is no chain or chain_JAK of chains.tsv")
        feedback = []
        for token in r["feedback"].split():
            binder, _, kon = token.partition(":")
            if binder not in binders or not kon:
                raise ModelFileError(f"{where}:{i}: feedback {token!r} is not <binder of feedback_binders.tsv>:<kon>")
            feedback.append((binder, kon))
        jaks = tuple(by_loaded[s].jak for s in (r["binding_chain"], r["partner_chain"]) if by_loaded[s].jak)
        catalytic = tuple(r["catalytic_jaks"].split())
        if not set(catalytic) <= set(jaks):
            raise ModelFileError(f"{where}:{i}: catalytic_jaks {catalytic} are not all on its chains {jaks}")
        complexes.append(Complex(r["complex"], r["ligand"], r["binding_chain"], r["kon"], r["Kd"], r["partner_chain"],
                                 catalytic, r["activation_factor"], r["docking_unit"], tuple(feedback), r["source"],
                                 jaks))
    names = [c.name for c in complexes]
    if len(set(names)) != len(names):
        raise ModelFileError(f"{where}: a complex name appears twice")
    first_binding: dict[str, Complex] = {}
    for c in complexes:  # complexes sharing a ligand-bound chain must agree on its binding
        other = first_binding.setdefault(c.intermediate, c)
        if (other.kon, other.kd) != (c.kon, c.kd):
            raise ModelFileError(f"{where}: {c.name} and {other.name} bind {c.intermediate} with different kon/Kd")
    groups: dict[frozenset, Complex] = {}
    for c in complexes:  # same chains, same receptor: one kinase and one docking unit
        other = groups.setdefault(c.chain_set, c)
        if (other.kinase, other.docking_unit) != (c.kinase, c.docking_unit):
            raise ModelFileError(f"{where}: {c.name} and {other.name} have the same chains but differ in "
                                 "catalytic_jaks or docking_unit")

    phosphatases = [Phosphatase(r["phosphatase"], r["kcat"], frozenset(r["on_chains"].split()),
                                frozenset(r["on_jaks"].split()), r["rate_tag"], r["source"])
                    for _, r in rows("complex_phosphatases")]
    docking = [Docking(r["docking_unit"], r["stat"], r["kcat"], tuple(r["modifiers"].split()), r["source"])
               for _, r in rows("docking")]
    units = {c.docking_unit for c in complexes}
    docked = {d.unit for d in docking}
    if units != docked:
        raise ModelFileError(f"{tables}: docking units without STATs {sorted(units - docked)}, "
                             f"docking rows of no complex {sorted(docked - units)}")
    sums = []
    for i, r in rows("readout_sums"):
        if r["kind"] not in _SUM_KINDS:
            raise ModelFileError(f"{tables / 'readout_sums.tsv'}:{i}: kind must be one of {sorted(_SUM_KINDS)}")
        sums.append(ReadoutSum(r["readout"], r["kind"], r["of"], r["description"]))
    captures = []
    where = tables / "capture_chains.tsv"
    for i, r in rows("capture_chains"):
        c = Capture(r["chain"], r["ligand"], r["kon"], r["Kd"], r["hands_to"], r["source"])
        if c.chain not in by_loaded or by_loaded[c.chain].jak:
            raise ModelFileError(f"{where}:{i}: chain {c.chain!r} is no JAK-less chain of chains.tsv")
        if not any(x.ligand == c.ligand and x.binding_chain == c.hands_to for x in complexes):
            raise ModelFileError(f"{where}:{i}: no complex of complexes.tsv binds {c.ligand} first on {c.hands_to}")
        captures.append(c)
    stats = stat_layer.read_stat_layer(Path(models))
    drugs = list(catalog.read_model_tables(Path(models)).drugs.values())
    return Network(chains, complexes, binders, phosphatases, docking, sums, handwritten_species(Path(models)),
                   stats=stats, captures=captures,
                   phosphorylation_factors=inputs.phosphorylation_factors(drugs, stats.family_of))


# ----------------------------------------------------------------------------- composition


@dataclass(frozen=True)
class Composition:
    ligand: str
    chains: frozenset[str]  # chain species (JAK-loaded where loaded)
    tokens: frozenset[str]  # every name in the id: ligand, chains, JAKs, binder
    active: bool
    binder: str
    protein: bool  # not an mRNA


def composition(species: str, net: Network) -> Composition:
    """What a species id is made of, read from its tokens."""
    ligands = {c.ligand for c in net.complexes}
    chain_names = {c.chain for c in net.chains}
    tokens = species.split("_")
    chains, ligand, binder, i = set(), "", "", 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in chain_names:
            pair = f"{tok}_{tokens[i + 1]}" if i + 1 < len(tokens) else tok
            if pair in net.loaded_chains:
                chains.add(pair)
                i += 1
            else:
                chains.add(tok)
        elif tok in ligands and i == 0:
            ligand = tok
        elif tok in net.binders:
            binder = tok
        i += 1
    return Composition(ligand, frozenset(chains), frozenset(t for t in tokens if t != "p"), "p" in tokens,
                       binder, "mRNA" not in tokens)


# ----------------------------------------------------------------------------- writing

_HEADER = """// GENERATED FILE: do not edit. Made by `jakstat build` (or `make build`;
// jakstat_sbml.build.network) from models/tables/: {tables}.
// Edit the table(s) and rebuild; a test fails when this file is stale.
"""


def _header(*tables: str) -> str:
    return _HEADER.format(tables=", ".join(f"{t}.tsv" for t in tables))


def _declare(species: list[str], per_line: int = 4) -> list[str]:
    return [f"species {', '.join(f'{s} in {COMPARTMENT}' for s in species[i:i + per_line])}"
            for i in range(0, len(species), per_line)]


def _sum(terms: list[str]) -> str:
    return " + ".join(terms)


def _paren(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else f"({_sum(terms)})"


def _zeros(species: list[str], per_line: int = 4) -> list[str]:
    return ["; ".join(f"{s} = 0" for s in species[i:i + per_line]) for i in range(0, len(species), per_line)]


def _mass_action(rid, a, b, product, kon, koff_term):
    return (f"{rid}: {a} + {b} -> {product}; {COMPARTMENT} * ({kon} * {a} * {b} - {koff_term} * {product})")


def _first_order(rid, reactant, products, rate):
    return f"{rid}: {reactant} => {' + '.join(products)}; {COMPARTMENT} * {rate} * {reactant}"


def receptors_antimony(net: Network) -> str:
    chain_names = list(dict.fromkeys(c.chain for c in net.chains))
    jaks = sorted({c.jak for c in net.chains if c.jak})
    loaded = [c for c in net.chains if c.jak]
    out = [_header("chains"), """\
// Receptor chains and their JAKs, one row of chains.tsv per chain-JAK pair.
// Chains are kept in the cytoplasm compartment (concentration per cytoplasmic
// volume). Each signalling chain binds its JAK through the box1/2 region; only
// JAK-loaded chains assemble signalling complexes (complexes.ant). Chains turn over
// at a common constitutive rate, synthesised so that, without cytokine, free +
// JAK-loaded chain equals *_total. JAKs are not degraded with the chain: they
// return to the cytoplasmic pool (assumption), so JAK totals are conserved.
"""]
    out += _declare(chain_names + jaks, 5)
    whole = chain_names + jaks
    out += ["; ".join(f"{c} = {c}_total" for c in whole[i:i + 5]) for i in range(0, len(whole), 5)]
    out.append("")
    for c in loaded:
        out.append(f"// {c.loaded}: {c.source}")
        out.append(f"species {c.loaded} in {COMPARTMENT}; {c.loaded} = 0")
        out.append(_mass_action(f"load_{c.loaded}", c.chain, c.jak, c.loaded, c.kon, f"{c.kon} * {c.kd}"))
    out.append("\n// Constitutive synthesis and turnover of free chains; a JAK-loaded chain's JAK is released.")
    for c in chain_names:
        out.append(f"syn_{c}: => {c}; {COMPARTMENT} * kdeg_receptor * {c}_total")
    for c in chain_names:
        out.append(_first_order(f"deg_{c}", c, [], "kdeg_receptor"))
    for c in loaded:
        out.append(_first_order(f"deg_{c.loaded}", c.loaded, [c.jak], "kdeg_receptor"))
    return "\n".join(out) + "\n"


def _phosphatase_rate(c: Complex, net: Network) -> tuple[str, list[Phosphatase]]:
    acting = [p for p in net.phosphatases if p.acts_on(c, net.loaded_chains)]
    tags = [p.tag for p in acting if p.tag]
    return ("deph_rate_" + ("_".join(tags) if tags else "plain")), acting


def _bind_reaction_id(c: Complex, net: Network) -> str:
    # bind_<ligand>_<chain>; the JAK is named only where the ligand binds the chain
    # carrying different JAKs (IL-13 on IL13RA1 with TYK2 or JAK2).
    chain = net.loaded_chains[c.binding_chain]
    forms = {d.binding_chain for d in net.complexes if d.ligand == c.ligand
             and net.loaded_chains[d.binding_chain].chain == chain.chain}
    return f"bind_{c.ligand}_{chain.loaded if len(forms) > 1 else chain.chain}"


def complexes_antimony(net: Network) -> str:
    out = [_header("complexes", "feedback_binders", "complex_phosphatases", "chains", "capture_chains"), """\
// Ligand-receptor complexes, one row of complexes.tsv each. The cytokine binds its
// first chain, the second chain joins to form an inactive complex, the JAKs
// trans-activate (complex _p: JAKs and receptor docking tyrosines phosphorylated),
// phosphatases reverse this, and active complexes are internalised and degraded
// (JAKs return to the pool); inactive complexes turn over like free chains.
// Kinase competence: a complex acts (trans-activation here, STAT phosphorylation
// in docking.ant) only while its catalytic JAKs are free of inhibitor: the product
// of their act_JAK (drugs.ant), named kinase_<JAKs> below. Knockouts still remove
// the complex: a missing JAK is not a drug-bound one.
// Feedback (feedback_binders.tsv): a bound SOCS/CISH protein stops the complex
// signalling; dephosphorylation releases it; SOCS proteins target the complex for
// proteasomal degradation (kdeg_SOCS_complex), CISH leaves it to be internalised.
// Phosphatases of the complexes (complex_phosphatases.tsv): deph_rate_* below.
"""]
    kinases = {}
    for c in net.complexes:
        if len(c.catalytic_jaks) > 1:
            kinases.setdefault(c.kinase, " * ".join(f"act_{j}" for j in c.catalytic_jaks))
    for name, expr in kinases.items():
        out.append(f"{name} := {expr}; {name} has dimensionless")
    out.append("")
    rates: dict[str, list[Phosphatase]] = {}
    for c in net.complexes:
        name, acting = _phosphatase_rate(c, net)
        rates.setdefault(name, acting)
    for p in net.phosphatases:
        out.append(f"// {p.protein}: {p.source}")
    for name, acting in rates.items():
        out.append(f"{name} := {_sum([f'{p.kcat} * {p.protein}' for p in acting])}; {name} has per_minute")
    out += _declare([p.protein for p in net.phosphatases])
    out.append("; ".join(f"{p.protein} = {p.protein}_total" for p in net.phosphatases))

    bound_intermediates: set[str] = set()
    for c in net.complexes:
        chain = net.loaded_chains[c.binding_chain]
        deph, _ = _phosphatase_rate(c, net)
        out.append(f"\n// ---------------------------------------------------------------- {c.name}")
        out.append(f"// {c.source}")
        new = [] if c.intermediate in bound_intermediates else [c.intermediate]
        out += _declare(new + c.states, 3)
        if new:
            bound_intermediates.add(c.intermediate)
            out.append(_mass_action(_bind_reaction_id(c, net), c.ligand, c.binding_chain, c.intermediate, c.kon,
                                    f"{c.kon} * {c.kd}"))
            out.append(_first_order(f"turnover_{c.intermediate}", c.intermediate, [chain.jak] if chain.jak else [],
                                    "kdeg_receptor"))
        out.append(_mass_action(f"assemble_{c.name}", c.intermediate, c.partner_chain, c.inactive, "kon_assembly",
                                "koff_assembly"))
        factors = " * ".join(["kact_receptor"] + ([c.activation_factor] if c.activation_factor else []) + [c.kinase])
        out.append(_first_order(f"activate_{c.name}", c.inactive, [c.active], factors))
        out.append(_first_order(f"deactivate_{c.name}", c.active, [c.inactive], deph))
        out.append(_first_order(f"internalise_{c.name}", c.active, list(c.jaks), "kint_active"))
        out.append(_first_order(f"turnover_{c.name}", c.inactive, list(c.jaks), "kdeg_receptor"))
        for binder, kon in c.feedback:
            b = net.binders[binder]
            bound = c.bound(binder)
            out.append(_mass_action(f"bind_{binder}_{c.name}", c.active, binder, bound, kon, b.koff))
            out.append(f"release_{binder}_{c.name}: {bound} => {c.inactive} + {binder}; "
                       f"{COMPARTMENT} * {deph} * {bound}")
            out.append(_first_order(f"{b.fate}_{c.name}_{binder}", bound, list(c.jaks), b.fate_rate))
        out += _zeros(new + c.states)
    if net.captures:
        out.append("\n// ---------------------------------------------------------------- capture chains")
        out.append("// A JAK-less chain (capture_chains.tsv) binds the ligand and hands it to the chain its")
        out.append("// complex binds first; the ligand-bound capture chain turns over like a free chain.")
    for c in net.captures:
        target = net.loaded_chains[c.hands_to]
        out.append(f"// {c.chain}: {c.source}")
        out += _declare([c.bound])
        out.append(_mass_action(f"bind_{c.ligand}_{c.chain}", c.ligand, c.chain, c.bound, c.kon, f"{c.kon} * {c.kd}"))
        out.append(f"handover_{c.ligand}_{target.chain}: {c.bound} + {c.hands_to} => {c.ligand}_{c.hands_to} + "
                   f"{c.chain}; {COMPARTMENT} * kon_assembly * {c.bound} * {c.hands_to}")
        out.append(_first_order(f"turnover_{c.bound}", c.bound, [], "kdeg_receptor"))
        out += _zeros([c.bound])
    return "\n".join(out) + "\n"


def _active_groups(net: Network) -> dict[str, dict]:
    """Complexes with the same chains form one receptor: its active forms, kinase
    and docking unit. Hand-written active species made of the same chains (JAK3
    A572V's ligand-free IL2RB:IL2RG pair) join the group."""
    groups: dict[frozenset, dict] = {}
    for c in net.complexes:
        g = groups.setdefault(c.chain_set, {"name": c.name, "complexes": [], "extra": [], "extra_bound": []})
        g["complexes"].append(c)
    for sid, compartment in net.handwritten_species.items():
        comp = composition(sid, net)
        if comp.active and comp.chains in groups:
            groups[comp.chains]["extra_bound" if comp.binder else "extra"].append(sid)
    return {g["name"]: g for g in groups.values()}


def docking_antimony(net: Network) -> str:
    out = [_header("docking", "complexes"), """\
// STAT phosphorylation at active receptors, one row of docking.tsv per docking site.
// Receptor kinase inputs E_<unit>: active complexes (not bound by a feedback protein)
// whose catalytic JAKs are free of drug (nM, cytoplasm). An active complex with a
// drug-bound JAK phosphorylates no STAT: the kinase_* / act_* factors are the same
// ones that gate activation (complexes.ant).
// Docking-site competition: STATs recruited by the same receptor compete
// (Michaelis-Menten with competing substrates), so losing one STAT frees sites
// for the others. A drug that lowers the phosphorylation of a STAT (drugs.tsv,
// stat_phosphorylation) multiplies every phosphorylation of it here.
"""]
    groups = _active_groups(net)
    units = list(dict.fromkeys(c.docking_unit for c in net.complexes))
    for unit in units:
        by_kinase: dict[str, list[str]] = {}
        for g in groups.values():
            first = g["complexes"][0]
            if first.docking_unit != unit:
                continue
            for c in g["complexes"]:
                by_kinase.setdefault(c.kinase, []).append(c.active)
            by_kinase[first.kinase] += g["extra"]
        # Keep the kinase groups in the order of the complexes' rows.
        terms = [f"{k} * {_paren(v)}" for k, v in by_kinase.items()]
        out.append(f"E_{unit} := {_sum(terms)}; E_{unit} has nM")
    out.append("")
    for unit in units:
        stats = [d.stat for d in net.docking if d.unit == unit]
        out.append(f"dock_{unit} := 1 dimensionless + {_paren(stats)} / Km_dock; dock_{unit} has dimensionless")
    out.append("")
    for d in net.docking:
        factors = " * ".join([*d.modifiers, *net.phosphorylation_factors(d.stat), d.kcat, f"E_{d.unit}"])
        out.append(f"// {d.stat} at {d.unit}: {d.source}")
        out.append(f"phos_{d.stat}_{d.unit}: {d.stat} => p{d.stat}_cyt; {COMPARTMENT} * {factors} * {d.stat} "
                   f"/ Km_dock / dock_{d.unit}")
    return "\n".join(out) + "\n"


def all_species(net: Network) -> dict[str, str]:
    """Every species of the model the generator can see (id -> compartment): generated
    ones first, in the order they are generated, then the hand-written ones."""
    out = {}
    for c in net.chains:
        out.setdefault(c.chain, COMPARTMENT)
    for c in net.chains:
        if c.jak:
            out.setdefault(c.loaded, COMPARTMENT)
    for c in net.complexes:
        for s in [c.intermediate, *c.states]:
            out.setdefault(s, COMPARTMENT)
    for c in net.captures:
        out.setdefault(c.bound, COMPARTMENT)
    for p in net.phosphatases:
        out.setdefault(p.protein, COMPARTMENT)
    for s, compartment in net.handwritten_species.items():
        out.setdefault(s, compartment)
    if net.stats is not None:
        for s, (compartment, _) in net.stats.species().items():
            out.setdefault(s, compartment)
        for s, compartment in net.stats.feedback_species().items():
            out.setdefault(s, compartment)
    return out


def sum_members(row: ReadoutSum, net: Network) -> list[str]:
    """The terms of a derived sum: species for all_forms / bound, active_* groups for phosphorylated."""
    if row.kind == "phosphorylated":
        return [f"active_{name}" for name, g in _active_groups(net).items()
                if any(row.of in composition(c.active, net).tokens | set(c.jaks) for c in g["complexes"])]
    members = [s for s, compartment in all_species(net).items()
               if compartment == COMPARTMENT and composition(s, net).protein and row.of in composition(s, net).tokens]
    own = [row.of] if row.of in members and row.kind == "all_forms" else []
    return own + [s for s in members if s != row.of]


def sums_antimony(net: Network) -> str:
    out = [_header("readout_sums", "complexes", "stat_dimers"), """\
// Sums over receptor species, computed from the tables: a new complex enters them
// by itself. Species ids are read for what they contain (network.composition).
// Active complexes: phosphorylated, whatever feedback protein sits on them (nM,
// cytoplasm); complexes with the same chains are one receptor.
"""]
    for name, g in _active_groups(net).items():
        terms = [s for c in g["complexes"] for s in [c.active] + [c.bound(b) for b, _ in c.feedback]]
        terms += g["extra"] + g["extra_bound"]
        out.append(f"active_{name} := {_sum(terms)}; active_{name} has nM")
    out.append("\n// Whole-cell readouts (nM), kinds in readout_sums.tsv: all_forms = every protein species")
    out.append("// containing it; bound = the same without the free protein; phosphorylated = the")
    out.append("// active receptors that contain it.")
    for row in net.sums:
        out.append(f"// {row.readout}: {row.description}")
        if row.kind in _STAT_SUMS:
            out.append(f"{row.readout} := {stat_layer.sum_terms(net.stats, row.kind, row.of)}; {row.readout} has nM")
            continue
        members = sum_members(row, net)
        if not members:
            raise ModelFileError(f"readout_sums.tsv: {row.readout} sums over no species")
        out.append(f"{row.readout} := {COMPARTMENT} * ({_sum(members)}) / V_cell; {row.readout} has nM")
    return "\n".join(out) + "\n"


def _parameter_ids(models: Path) -> set[str]:
    rows = catalog.read_table(Path(models) / "parameters.tsv", ["id"])
    return {r["id"] for _, r in rows}


def generate(models: Path) -> dict[str, str]:
    """File name under models/generated/ -> Antimony text."""
    models = Path(models)
    net = read_network(models)
    parameters = _parameter_ids(models)
    stat_layer.read_stat_layer(models, parameters)  # checks the parameters the STAT tables name
    tables = catalog.read_model_tables(models)
    jaks = sorted({c.jak for c in net.chains if c.jak})
    inputs.check_drugs(tables, jaks, set(net.stats.families), parameters)
    declared = {p.protein for p in net.phosphatases}
    return {
        "cytokines.ant": inputs.cytokines_antimony(tables, _header("cytokines", "genes")),
        "drugs.ant": inputs.drugs_antimony(tables, jaks, _header("drugs", "chains")),
        "receptors.ant": receptors_antimony(net),
        "complexes.ant": complexes_antimony(net),
        "stats.ant": stat_layer.stats_antimony(net.stats, _header("stats", "stat_dimers", "stat_phosphatases"),
                                               declared),
        "docking.ant": docking_antimony(net),
        "feedback.ant": stat_layer.feedback_antimony(net.stats, _header("feedback_genes", "stat_dimers")),
        "sums.ant": sums_antimony(net),
    }


def table_sources(models: Path) -> list[str]:
    """The source column of every table row (cited in the SBML's model annotation)."""
    out = []
    tables = Path(models) / TABLES_DIR
    for name in _COLUMNS:
        if "source" in _COLUMNS[name]:
            out += [r["source"] for _, r in _read(tables / f"{name}.tsv", name)]
    for name, columns in stat_layer.TABLES.items():
        out += [r["source"] for _, r in catalog.read_table(tables / f"{name}.tsv", columns, set(columns) - {"source"})]
    out += [d.source for d in catalog.read_model_tables(Path(models)).drugs.values()]
    return out
