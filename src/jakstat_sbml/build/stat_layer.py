"""The STAT layer and the transcriptional feedback, generated from models/tables/.

One row per STAT-layer protein (stats.tsv: the STATs and IRF9), per phospho-STAT
dimer or STAT complex (stat_dimers.tsv), per STAT phosphatase (stat_phosphatases.tsv)
and per feedback gene (feedback_genes.tsv). The rules the rows share are written once,
here:

- every protein shuttles unphosphorylated between cytoplasm and nucleus; a
  phosphorylated monomer is dephosphorylated in the cytoplasm (basal rate plus the
  phosphatases of stat_phosphatases.tsv that act on it there, slowed by its
  dephosphorylation mutation where it has one);
- phospho-STAT pairs dimerise; a dimer with a third subunit (ISGF3: STAT1:STAT2 with
  IRF9) assembles from its dimer; nuclear dimers are imported, dephosphorylated in the
  nucleus (basal plus nuclear phosphatases acting on one of its STATs) and leave as
  unphosphorylated monomers; a PIAS protein binds its dimer there, blocking DNA binding;
- the free nuclear dimers drive their promoter (Hill coefficient 2), and each feedback
  gene is transcribed at a basal plus an induced rate, translated and degraded;
- the named readouts: phospho-STATs whole-cell and nuclear (a homodimer carries two),
  a family (STAT5) as the sum of its members, and a named complex's nuclear form.

The output is models/generated/stats.ant and models/generated/feedback.ant.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..catalog import pairs, read_table
from ..errors import ModelFileError

TABLES = {
    "stats": ["protein", "phosphorylated", "family", "dephos_mutation", "source"],
    "stat_dimers": ["first", "second", "with", "name", "kon", "Kd", "nuclear", "import_factors", "dephos_factors",
                    "pias", "drives", "source"],
    "stat_phosphatases": ["phosphatase", "name", "kcat", "compartment", "acts_on", "source"],
    "feedback_genes": ["gene", "induced_by", "v_tx", "source"],
}
_OPTIONAL = {"family", "dephos_mutation", "with", "name", "import_factors", "dephos_factors", "pias", "drives"}
_YES_NO = {"yes": True, "no": False}
CYT, NUC = "cytoplasm", "nucleus"


@dataclass(frozen=True)
class Stat:
    protein: str
    phosphorylated: bool
    family: str  # the name it is read out under (STAT5 for STAT5A and STAT5B)
    dephos_mutation: str  # mutant-fraction parameter that slows its dephosphorylation, or ""
    source: str

    @property
    def factor(self) -> str:
        """Remaining dephosphorylation rate under its mutation (1 in wild type)."""
        return f"deph_{self.protein}_factor" if self.dephos_mutation else ""


@dataclass(frozen=True)
class Dimer:
    first: str
    second: str
    with_: str  # a third, unphosphorylated subunit (IRF9 in ISGF3), or ""
    name: str  # the id its reactions carry (ISGF3), or "" for the species id
    kon: str
    kd: str
    nuclear: bool
    import_factors: tuple[str, ...]
    dephos_factors: tuple[str, ...]
    pias: str
    drives: str  # the STAT family whose promoter the free nuclear form drives, or ""
    source: str

    @property
    def base(self) -> str:
        return f"p{self.first}_p{self.second}"

    @property
    def species(self) -> str:
        return f"{self.base}_{self.with_}" if self.with_ else self.base

    @property
    def nuc(self) -> str:
        return f"{self.species}_nuc"

    @property
    def bound(self) -> str:
        return f"{self.nuc}_{self.pias}" if self.pias else ""

    @property
    def label(self) -> str:
        return self.name or self.species

    @property
    def subunits(self) -> list[str]:
        return [self.first, self.second] + ([self.with_] if self.with_ else [])


@dataclass(frozen=True)
class StatPhosphatase:
    protein: str
    name: str
    kcat: str
    compartment: str  # cytoplasm: acts on monomers; nucleus: on nuclear dimers
    acts_on: frozenset[str]
    source: str

    @property
    def rate(self) -> str:
        return f"deph_rate_{self.name}"


@dataclass(frozen=True)
class FeedbackGene:
    gene: str
    induced_by: tuple[tuple[str, str], ...]  # (STAT family, weight parameter or "")
    v_tx: str
    source: str


@dataclass
class StatLayer:
    stats: list[Stat]
    dimers: list[Dimer]
    phosphatases: list[StatPhosphatase]
    feedback: list[FeedbackGene]

    @property
    def families(self) -> dict[str, list[str]]:
        """Family -> its phosphorylated members, in table order."""
        out: dict[str, list[str]] = {}
        for s in self.stats:
            if s.phosphorylated:
                out.setdefault(s.family, []).append(s.protein)
        return out

    @property
    def promoters(self) -> list[str]:
        driven = {d.drives for d in self.dimers if d.drives}
        return [f for f in self.families if f in driven]

    def family_of(self, protein: str) -> str:
        return next(s.family for s in self.stats if s.protein == protein)

    def species(self) -> dict[str, tuple[str, Counter]]:
        """Every species of the layer: id -> (compartment, proteins it holds with copies), in
        the order of declaration."""
        out: dict[str, tuple[str, Counter]] = {}
        for s in self.stats:
            out[s.protein] = (CYT, Counter([s.protein]))
        for s in self.stats:
            out[f"{s.protein}_nuc"] = (NUC, Counter([s.protein]))
        for s in self.stats:
            if s.phosphorylated:
                out[f"p{s.protein}_cyt"] = (CYT, Counter([s.protein]))
        for d in self.dimers:
            out[d.species] = (CYT, Counter(d.subunits))
        for d in self.dimers:
            if d.nuclear:
                out[d.nuc] = (NUC, Counter(d.subunits))
        for p in dict.fromkeys(d.pias for d in self.dimers if d.pias):
            out[p] = (NUC, Counter())
        for d in self.dimers:
            if d.bound:
                out[d.bound] = (NUC, Counter(d.subunits))
        return out

    def feedback_species(self) -> dict[str, str]:
        return {**{f"{g.gene}_mRNA": CYT for g in self.feedback}, **{g.gene: CYT for g in self.feedback}}

    def phosphorylated_copies(self, stat: str, compartment: str) -> list[tuple[int, list[str]]]:
        """(copies, forms) of a phospho-STAT in a compartment: its monomer, then each dimer
        holding it with the dimer's PIAS-bound form beside the free one."""
        out = []
        if compartment == CYT:
            out.append((1, [f"p{stat}_cyt"]))
        for d in self.dimers:
            n = [d.first, d.second].count(stat)
            if not n:
                continue
            if compartment == CYT:
                out.append((n, [d.species]))
            elif d.nuclear:
                out.append((n, [d.nuc] + ([d.bound] if d.bound else [])))
        return out


# ----------------------------------------------------------------------------- reading


def read_stat_layer(models: Path, parameters: set[str] | None = None) -> StatLayer:
    tables = Path(models) / "tables"

    def rows(name):
        return read_table(tables / f"{name}.tsv", TABLES[name], _OPTIONAL)

    def flag(where, i, value):
        if value not in _YES_NO:
            raise ModelFileError(f"{where}:{i}: expected yes or no, got {value!r}")
        return _YES_NO[value]

    where = tables / "stats.tsv"
    stats = [Stat(r["protein"], flag(where, i, r["phosphorylated"]), r["family"] or r["protein"], r["dephos_mutation"],
                  r["source"]) for i, r in rows("stats")]
    proteins = {s.protein: s for s in stats}
    if len(proteins) != len(stats):
        raise ModelFileError(f"{where}: a protein appears twice")

    where = tables / "stat_dimers.tsv"
    dimers: list[Dimer] = []
    families = {s.family for s in stats if s.phosphorylated}
    for i, r in rows("stat_dimers"):
        for column in ("first", "second"):
            if r[column] not in proteins or not proteins[r[column]].phosphorylated:
                raise ModelFileError(f"{where}:{i}: {column} {r[column]!r} is no phosphorylated protein of stats.tsv")
        if r["with"] and r["with"] not in proteins:
            raise ModelFileError(f"{where}:{i}: with {r['with']!r} is no protein of stats.tsv")
        if r["drives"] and r["drives"] not in families:
            raise ModelFileError(f"{where}:{i}: drives {r['drives']!r} is no STAT family of stats.tsv")
        d = Dimer(r["first"], r["second"], r["with"], r["name"], r["kon"], r["Kd"], flag(where, i, r["nuclear"]),
                  tuple(r["import_factors"].split()), tuple(r["dephos_factors"].split()), r["pias"], r["drives"],
                  r["source"])
        if d.with_ and not any(x.species == d.base for x in dimers):
            raise ModelFileError(f"{where}:{i}: {d.species} assembles from {d.base}, which no earlier row makes")
        if (d.drives or d.pias or d.import_factors or d.dephos_factors) and not d.nuclear:
            raise ModelFileError(f"{where}:{i}: {d.species} does not enter the nucleus (nuclear no), so it can "
                                 "have no import or dephosphorylation factors, PIAS or promoter")
        dimers.append(d)
    if len({d.species for d in dimers}) != len(dimers):
        raise ModelFileError(f"{where}: a dimer appears twice")

    where = tables / "stat_phosphatases.tsv"
    phosphatases = []
    for i, r in rows("stat_phosphatases"):
        if r["compartment"] not in (CYT, NUC):
            raise ModelFileError(f"{where}:{i}: compartment must be {CYT} or {NUC}")
        acts_on = frozenset(r["acts_on"].split())
        if not acts_on <= set(proteins):
            raise ModelFileError(f"{where}:{i}: acts_on {sorted(acts_on - set(proteins))} not in stats.tsv")
        phosphatases.append(StatPhosphatase(r["phosphatase"], r["name"], r["kcat"], r["compartment"], acts_on,
                                            r["source"]))

    where = tables / "feedback_genes.tsv"
    layer = StatLayer(stats, dimers, phosphatases, [])
    promoters = set(layer.promoters)
    for i, r in rows("feedback_genes"):
        induced = tuple(pairs(r["induced_by"]).items())
        unknown = [f for f, _ in induced if f not in promoters]
        if unknown:
            raise ModelFileError(f"{where}:{i}: induced_by {unknown} drive no promoter (stat_dimers.tsv, drives)")
        layer.feedback.append(FeedbackGene(r["gene"], induced, r["v_tx"], r["source"]))

    if parameters is not None:
        generated = {s.factor for s in stats if s.factor}
        for name, ids in [("stat_dimers.tsv", [x for d in dimers for x in (d.kon, d.kd, *d.import_factors,
                                                                          *d.dephos_factors)]),
                          ("stat_phosphatases.tsv", [p.kcat for p in phosphatases]),
                          ("feedback_genes.tsv", [g.v_tx for g in layer.feedback] +
                           [w for g in layer.feedback for _, w in g.induced_by if w])]:
            unknown = sorted({x for x in ids if x not in parameters and x not in generated})
            if unknown:
                raise ModelFileError(f"{tables / name}: {', '.join(unknown)} not in parameters.tsv")
    return layer


# ----------------------------------------------------------------------------- writing


def _declare(species: list[tuple[str, str]], per_line: int = 4) -> list[str]:
    return [f"species {', '.join(f'{s} in {c}' for s, c in species[i:i + per_line])}"
            for i in range(0, len(species), per_line)]


def _lines(statements: list[str], per_line: int = 4) -> list[str]:
    return ["; ".join(statements[i:i + per_line]) for i in range(0, len(statements), per_line)]


def _times(factors) -> str:
    return "".join(f"{f} * " for f in factors)


def _copies(terms: list[tuple[int, list[str]]]) -> str:
    out = []
    for n, forms in terms:
        inner = forms[0] if len(forms) == 1 else f"({' + '.join(forms)})"
        out.append(inner if n == 1 else f"{n} dimensionless * {inner}")
    return " + ".join(out)


def _rate(basal: str, phosphatases: list[StatPhosphatase]) -> str:
    return f"({' + '.join([basal] + [p.rate for p in phosphatases])})" if phosphatases else basal


def stats_antimony(layer: StatLayer, header: str, declared: set[str]) -> str:
    """generated/stats.ant; ``declared``: species declared elsewhere (a phosphatase of the
    receptor complexes, PTPN1, is one species wherever it acts)."""
    species = layer.species()
    out = [header, """\
// STATs: dimerisation, nuclear import, nuclear dephosphorylation and export (phosphorylation
// at active receptors: docking.ant).
//   STATx        unphosphorylated, cytoplasm      STATx_nuc   unphosphorylated, nucleus
//   pSTATx_cyt   phosphorylated monomer, cytoplasm
//   pSTATx_pSTATy phosphorylated dimer, cytoplasm; *_nuc the same dimer in the nucleus
// Unphosphorylated STATs shuttle constitutively; phosphorylated dimers are imported
// and are dephosphorylated in the nucleus before export (the nucleocytoplasmic
// cycle of Swameye et al., PNAS 2003). A PIAS-bound nuclear dimer stays phosphorylated
// and is dephosphorylated like the free one. Sources: one per row of the tables.
"""]
    out += _declare([(s, c) for s, (c, _) in species.items()
                     if s not in {d.pias for d in layer.dimers} | {d.bound for d in layer.dimers}])
    out.append("\n// Totals are whole-cell concentrations; everything starts unphosphorylated in the")
    out.append("// cytoplasm and the pre-equilibration distributes it.")
    out += _lines([f"{s.protein} = {s.protein}_total * V_cell / cytoplasm" for s in layer.stats], 2)

    out.append("\n// Dephosphorylation: mutations that slow it (stats.tsv) and phosphatases (stat_phosphatases.tsv).")
    for s in layer.stats:
        if s.factor:
            out.append(f"{s.factor} := 1 dimensionless - {s.dephos_mutation} * (1 dimensionless - "
                       f"r_dephos_{s.dephos_mutation}); {s.factor} has dimensionless")
    for p in layer.phosphatases:
        out.append(f"// {p.protein} ({p.name}): {p.source}")
        out.append(f"{p.rate} := {p.kcat} * {p.protein}; {p.rate} has per_minute")

    out.append("\n// ---- cytoplasmic dephosphorylation of monomers")
    for s in layer.stats:
        if s.phosphorylated:
            acting = [p for p in layer.phosphatases if p.compartment == CYT and s.protein in p.acts_on]
            factors = [s.factor] if s.factor else []
            out.append(f"dephos_p{s.protein}_cyt: p{s.protein}_cyt => {s.protein}; {CYT} * "
                       f"{_rate('kdeph_cyt', acting)} * {_times(factors)}p{s.protein}_cyt")

    out.append("\n// ---- dimerisation (cytoplasm); a third subunit joins its dimer (stat_dimers.tsv, with)")
    for d in layer.dimers:
        a, b = (d.base, d.with_) if d.with_ else (f"p{d.first}_cyt", f"p{d.second}_cyt")
        rid = f"assemble_{d.label}" if d.with_ else f"dimerise_{d.first}_{d.second}"
        out.append(f"{rid}: {a} + {b} -> {d.species}; {CYT} * ({d.kon} * {a} * {b} - {d.kon} * {d.kd} * {d.species})")

    out.append("\n// ---- nuclear import of dimers")
    for d in layer.dimers:
        if d.nuclear:
            out.append(f"import_{d.label}: {d.species} => {d.nuc}; {CYT} * kimp_dimer * "
                       f"{_times(d.import_factors)}{d.species}")

    out.append("\n// ---- nuclear dephosphorylation of dimers (releases unphosphorylated STATs)")
    for d in layer.dimers:
        if d.nuclear:
            out.append(_nuclear_dephos(layer, d, d.nuc, f"dephos_{d.label}_nuc", []))

    out.append("\n// ---- constitutive shuttling of unphosphorylated proteins")
    for s in layer.stats:
        out.append(f"shuttle_{s.protein}: {s.protein} -> {s.protein}_nuc; {CYT} * kimp_basal * {s.protein} - "
                   f"{NUC} * kexp * {s.protein}_nuc")

    pias = [d for d in layer.dimers if d.pias]
    proteins = [(p, NUC) for p in dict.fromkeys(d.pias for d in pias)]
    proteins += [(p.protein, p.compartment) for p in layer.phosphatases if p.protein not in declared]
    out.append("\n// ---- PIAS: binds its nuclear dimer and blocks DNA binding (stat_dimers.tsv, pias); the")
    out.append("// phosphatases of the STAT layer not declared with the receptor complexes")
    out += _declare(proteins)
    out += _declare([(d.bound, NUC) for d in pias])
    out += _lines([f"{p} = {p}_total" for p, _ in proteins])
    if pias:
        for d in pias:
            out.append(f"bind_{d.pias}: {d.nuc} + {d.pias} -> {d.bound}; {NUC} * (kon_PIAS * {d.nuc} * {d.pias} - "
                       f"kon_PIAS * Kd_PIAS * {d.bound})")
        for d in pias:
            out.append(_nuclear_dephos(layer, d, d.bound, f"dephos_{d.bound}", [d.pias]))

    out.append("\n// Initial state: nothing phosphorylated before stimulation.")
    out += _lines([f"{s} = 0" for s, (c, _) in species.items()
                   if s not in {x.protein for x in layer.stats} | {d.pias for d in layer.dimers}])

    out.append("\n// Readouts: phospho-STATs, whole-cell (what a lysate measures) and nuclear (a nuclear")
    out.append("// fraction); a homodimer carries two; a family is the sum of its members.")
    for family, members in layer.families.items():
        for s in members:
            nuc = _copies(layer.phosphorylated_copies(s, NUC))
            if not nuc:
                raise ModelFileError(f"stat_dimers.tsv: phosphorylated {s} never enters the nucleus")
            out.append(f"nuc_p{s} := {nuc}; nuc_p{s} has nM")
            out.append(f"p{s} := ({CYT} * ({_copies(layer.phosphorylated_copies(s, CYT))}) + {NUC} * nuc_p{s}) / "
                       f"V_cell; p{s} has nM")
        if members != [family]:
            out.append(f"p{family} := {' + '.join(f'p{s}' for s in members)}; p{family} has nM")
            out.append(f"nuc_p{family} := {' + '.join(f'nuc_p{s}' for s in members)}; nuc_p{family} has nM")
    for d in layer.dimers:
        if d.name and d.nuclear:
            out.append(f"nuc_{d.name} := {d.nuc}; nuc_{d.name} has nM")
    return "\n".join(out) + "\n"


def _nuclear_dephos(layer: StatLayer, d: Dimer, reactant: str, rid: str, released: list[str]) -> str:
    acting = [p for p in layer.phosphatases if p.compartment == NUC and p.acts_on & {d.first, d.second}]
    counts = Counter(d.subunits)
    products = [f"{n} {s}_nuc" if n > 1 else f"{s}_nuc" for s, n in counts.items()] + released
    return (f"{rid}: {reactant} => {' + '.join(products)}; {NUC} * {_rate('kdeph_nuc', acting)} * "
            f"{_times(d.dephos_factors)}{reactant}")


def feedback_antimony(layer: StatLayer, header: str) -> str:
    out = [header, """\
// Transcription driven by nuclear STAT dimers, and the SOCS/CISH feedback.
// Promoter activity per STAT family (0-1, Hill coefficient 2) counts the free nuclear
// dimers that drive it (stat_dimers.tsv, drives); PIAS-bound dimers do not bind DNA.
// Feedback genes (feedback_genes.tsv): mRNA is made at a basal plus an induced rate,
// scaled by the gene's expression factor (0 = knockout), translated, and both decay.
"""]
    for family in layer.promoters:
        drivers = [d.nuc for d in layer.dimers if d.drives == family]
        out.append(f"tx_input_{family} := {' + '.join(drivers)}; tx_input_{family} has nM")
    for family in layer.promoters:
        out.append(f"tx_{family} := tx_input_{family}^2 / (K_tx^2 + tx_input_{family}^2); "
                   f"tx_{family} has dimensionless")
    out.append("")
    for g in layer.feedback:
        out.append(f"// {g.gene}: {g.source}")
    out += _declare([(f"{g.gene}_mRNA", CYT) for g in layer.feedback], 3)
    out += _declare([(g.gene, CYT) for g in layer.feedback], 3)
    out += _lines([f"{x} = 0" for x in layer.feedback_species()], 6)
    for g in layer.feedback:
        terms = [f"{w} * tx_{f}" if w else f"tx_{f}" for f, w in g.induced_by]
        induced = terms[0] if len(terms) == 1 else f"({' + '.join(terms)})"
        out.append(f"transcribe_{g.gene}: => {g.gene}_mRNA; {CYT} * {g.gene}_expression * (v_tx_basal + "
                   f"{g.v_tx} * {induced})")
    for g in layer.feedback:
        out.append(f"degrade_{g.gene}_mRNA: {g.gene}_mRNA => ; {CYT} * kdeg_mRNA * {g.gene}_mRNA")
    for g in layer.feedback:
        out.append(f"translate_{g.gene}: => {g.gene}; {CYT} * ktl * {g.gene}_mRNA")
    for g in layer.feedback:
        out.append(f"degrade_{g.gene}: {g.gene} => ; {CYT} * kdeg_SOCS * {g.gene}")
    return "\n".join(out) + "\n"


def sum_terms(layer: StatLayer, kind: str, of: str) -> str:
    """The expression of a STAT-layer sum of readout_sums.tsv: ``nuclear_forms`` /
    ``cytoplasmic_forms`` (every form holding the protein, by copies, in that
    compartment's concentration) or ``dimer`` (one dimer's forms, whole cell)."""
    if kind == "dimer":
        d = next((x for x in layer.dimers if x.species == of), None)
        if d is None:
            raise ModelFileError(f"readout_sums.tsv: {of} is no dimer of stat_dimers.tsv")
        nuclear = [d.nuc] + ([d.bound] if d.bound else []) if d.nuclear else []
        parts = [f"{CYT} * {d.species}"] + ([f"{NUC} * {_copies([(1, nuclear)])}"] if nuclear else [])
        return f"({' + '.join(parts)}) / V_cell"
    compartment = NUC if kind == "nuclear_forms" else CYT
    terms = []
    for s, (c, held) in layer.species().items():
        if c == compartment and held[of]:
            terms.append((held[of], [s]))
    if not terms:
        raise ModelFileError(f"readout_sums.tsv: no {compartment} species holds {of}")
    return _copies(terms)
