"""The one place that knows the model's genes, cytokines, drugs, readouts and contexts.

Everything user-facing is looked up here by name; unknown names raise
:class:`~jakstat_sbml.errors.UnknownNameError` with the nearest valid names.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .errors import InputError, ModelFileError, UnknownNameError

# ----------------------------------------------------------------------------- files


def models_dir() -> Path:
    """Folder with the Antimony source, parameters.tsv, contexts.tsv and the SBML.

    A wheel carries it inside the package; an editable install reads the
    repository's ``models/`` folder.
    """
    packaged = Path(str(resources.files("jakstat_sbml"))) / "models"
    if (packaged / "jakstat.xml").exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "models"


def writable_models_dir() -> Path:
    """models/ of a source checkout, for the commands that rewrite the model's tables
    (build, calibrate --store, validate pharmacology --store). An installed package is
    never written into: those commands then fail with a clear message."""
    folder = models_dir()
    if folder.parent.name == "jakstat_sbml":  # inside the installed package (a wheel)
        raise InputError(f"this command rewrites the model's source tables, but {folder} belongs to an installed "
                         "package, which is never written into; run it in a clone of the repository "
                         "(pip install -e . there)")
    return folder


def bundled_sbml_path() -> Path:
    return models_dir() / "jakstat.xml"


# ----------------------------------------------------------------------------- tables

TABLES_DIR = "tables"  # models/tables/: the model as data (docs/architecture.md, "Adding things")


def read_table(path: Path, columns: list[str], optional: frozenset[str] | set[str] = frozenset()
               ) -> list[tuple[int, dict[str, str]]]:
    """Rows of a tab-separated table of models/tables/ with their line numbers.

    A missing file or column, or an empty cell of a column not in ``optional``,
    raises :class:`~jakstat_sbml.errors.ModelFileError` naming the file and line.
    """
    try:
        with Path(path).open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ModelFileError(f"{path}: missing column(s) {', '.join(missing)}")
            rows = [(i, {k: (v or "").strip() for k, v in row.items() if k is not None})
                    for i, row in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing: the model is generated from it") from None
    for i, row in rows:
        empty = [c for c in columns if c not in optional and not row[c]]
        if empty:
            raise ModelFileError(f"{path}:{i}: {', '.join(empty)} empty")
    return rows


def read_data_table(path: Path, columns, shipped: str):
    """A tab-separated table of data/ as text (a pandas DataFrame, empty cells ""): an
    :class:`~jakstat_sbml.errors.InputError` where it is missing or lacks one of
    ``columns`` (``shipped``: what it holds, for the message). The data's readers had each
    their own copy of these checks."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} is missing: {shipped} ship with the package (data/)")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{path}: columns missing: {', '.join(missing)}")
    return table


def pairs(text: str) -> dict[str, str]:
    """``"JAK1:IC50_x_JAK1 JAK2:IC50_x_JAK2"`` -> {"JAK1": "IC50_x_JAK1", ...} (the tables'
    name:parameter lists; a bare name maps to "")."""
    out = {}
    for token in text.split():
        name, _, value = token.partition(":")
        out[name] = value
    return out


# ----------------------------------------------------------------------------- genes


@dataclass(frozen=True)
class Gene:
    symbol: str  # HGNC symbol
    uniprot: str  # human UniProt accession
    module: str  # cytokines, receptors, kinases, stats, feedback, ptps, pias
    parameter: str  # the model parameter a knockout zeroes / overexpression scales
    description: str


# ----------------------------------------------------------------------------- cytokines


@dataclass(frozen=True)
class Cytokine:
    name: str  # model species id
    genes: tuple[str, ...]
    mass_kda: float  # molar mass used to convert mass concentrations
    main_readout: str
    standard_dose: str  # used by screens and reports when no dose is given
    description: str
    jaks: tuple[str, ...] = ()  # JAKs of its receptor chains: catalytic ones first, then structural
    catalytic_jaks: tuple[str, ...] = ()  # the JAKs whose activity its receptors need (complexes.tsv)
    receptor_chains: tuple[str, ...] = ()  # genes of its capturing and signalling chains (capture_chains, complexes)

    @property
    def dose_parameter(self) -> str:
        return f"dose_{self.name}"


# ----------------------------------------------------------------------------- drugs

# How a drug acts (drugs.tsv, column mechanism; the Antimony each generates is in
# jakstat_sbml.build.inputs):
# - atp_competitive: reversible ATP-site binding of JAKs; its constant per target JAK is
#   a biochemical IC50, turned into a Ki by Cheng-Prusoff (at Km ATP, or at the ATP of
#   the drug's assay when drugs.tsv names it in assay_ATP), then into a cellular
#   constant by the JAK's ATP shift and the drug's cellular factor; drugs at one JAK
#   compete for its site.
# - stat_phosphorylation: a phenomenological, hyperbolic inhibition of every receptor
#   phosphorylation of its target STATs; its constant per target is the concentration
#   that halves it.
# - covalent_jak3: binds the ATP site of JAK3 reversibly (a term of JAK3's occupancy, as
#   atp_competitive) and then bonds to it (Cys909): the inactivated JAK3 fraction grows at
#   kinact_<drug>_JAK3 times the reversibly bound fraction and recovers only as JAK3 turns
#   over (kturnover_JAK3); its other targets are reversible ATP-site constants.
# - allosteric_tyk2: binds TYK2's pseudokinase (JH2) domain, not the ATP site: a factor
#   1 / (1 + [drug] / K) on TYK2 activity, multiplying (not competing with) the ATP-site
#   occupancy; its constant is a binding Ki with no Cheng-Prusoff shift.
MECHANISMS = ("atp_competitive", "stat_phosphorylation", "covalent_jak3", "allosteric_tyk2")
# Mechanisms whose constants are scaled by a per-drug cellular factor.
CELLULAR_FACTOR_MECHANISMS = ("atp_competitive", "covalent_jak3", "allosteric_tyk2")


@dataclass(frozen=True)
class Drug:
    name: str
    chebi: str  # CHEBI:nnn; where no ChEBI id was verified, the ChEMBL compound id (CHEMBLnnn) instead
    label_fraction_unbound: float  # in plasma, as the label states it (the potency model's prior centre)
    label_fraction_unbound_source: str
    targets: tuple[str, ...]  # JAKs, or STAT families (STAT5 is STAT5A and STAT5B)
    description: str
    mechanism: str = "atp_competitive"  # one of MECHANISMS
    target_constants: tuple[tuple[str, str], ...] = ()  # (target, parameter of its constant in nM)
    cellular_factor: str = ""  # parameter scaling every cellular constant (CELLULAR_FACTOR_MECHANISMS), else ""
    short_name: str = ""  # in the ids of its per-target factors (pim: pim_STAT5)
    doses: tuple[float, ...] = ()  # default dose series of a dose-response, nM free
    source: str = ""
    assay_atp: str = ""  # parameter of the ATP concentration its IC50s were measured at; "" = at Km ATP
    chembl: str = ""  # ChEMBL compound id (CHEMBL...), where seen; a drug has a ChEBI or a ChEMBL id or both

    @property
    def dose_parameter(self) -> str:
        return f"dose_{self.name}"

    @property
    def identifier(self) -> tuple[str, str]:
        """(database, identifiers.org id) of the compound: ChEBI, or ChEMBL where the
        table gives a ChEMBL id because no ChEBI id was verified."""
        if self.chebi.upper().startswith("CHEMBL"):
            return "ChEMBL", f"chembl.compound:{self.chebi.upper()}"
        return "ChEBI", self.chebi.lower().replace("chebi:", "CHEBI:")

    @property
    def constants(self) -> dict[str, str]:
        """Target -> the parameter of the drug's constant on it (drugs.tsv, column targets)."""
        return dict(self.target_constants)

    @property
    def fraction_unbound(self) -> float:
        """Plasma fraction unbound, converting a total plasma concentration to free: the
        potency posterior's median where the measured rows inform it (it was estimated
        jointly with the drug's cellular potency, and only the pair is meaningful:
        docs/pharmacology.md), else the label's value."""
        fitted = _posterior_fraction_unbound().get(self.name)
        return fitted if fitted is not None else self.label_fraction_unbound

    @property
    def fraction_unbound_source(self) -> str:
        fitted = _posterior_fraction_unbound().get(self.name)
        if fitted is None:
            return self.label_fraction_unbound_source
        return (f"posterior median of the potency model, {fitted:.3g} (models/potency/; label: "
                f"{self.label_fraction_unbound:g}, {self.label_fraction_unbound_source})")

    @property
    def wide_doses(self) -> tuple[float, ...]:
        """One dose per decade, from a decade below the decade of the lowest default dose to a
        decade above that of the highest: the range an IC50 under uncertainty is sought in."""
        low, high = (math.floor(math.log10(x)) for x in (min(self.doses), max(self.doses)))
        return tuple(10.0 ** k for k in range(low - 1, high + 2))

    @property
    def map_doses(self) -> tuple[float, ...]:
        """Three doses a decade apart at the centre of the default series (the pathway map)."""
        decades = [x for x in self.doses if math.log10(x) == round(math.log10(x))]
        middle = max(0, (len(decades) - 3) // 2)
        return tuple(float(x) for x in decades[middle:middle + 3])

    @property
    def central_doses(self) -> tuple[float, ...]:
        """The default doses over the three decades of :attr:`map_doses` (a smaller grid,
        as the report's combination uses)."""
        low, high = self.map_doses[0], 10 * self.map_doses[-1]
        return tuple(x for x in self.doses if low <= x < high)


@cache
def _posterior_fraction_unbound() -> dict[str, float]:
    """Median fraction unbound of each drug in the stored potency posterior (models/potency/)."""
    path = models_dir() / "potency" / "posterior.tsv"
    if not path.exists():
        return {}
    import pandas as pd

    draws = pd.read_csv(path, sep="\t")
    return {c.removeprefix("fu_"): float(draws[c].median()) for c in draws.columns if c.startswith("fu_")}


# ----------------------------------------------------------------------------- readouts


@dataclass(frozen=True)
class Readout:
    name: str
    unit: str
    description: str


# ----------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class ModelTables:
    """What the catalog reads from one models/ folder's tables."""

    genes: dict[str, Gene]
    cytokines: dict[str, Cytokine]
    drugs: dict[str, Drug]
    readouts: dict[str, Readout]


def _number(text: str) -> float:
    x = float(text)
    return int(x) if x == int(x) else x


def _genes(tables: Path) -> dict[str, Gene]:
    rows = read_table(tables / "genes.tsv", ["gene", "uniprot", "module", "parameter", "description"])
    return {r["gene"]: Gene(r["gene"], r["uniprot"], r["module"], r["parameter"], r["description"]) for _, r in rows}


def _cytokine_jaks(tables: Path, catalytic_only: bool = False) -> dict[str, tuple[str, ...]]:
    """Each ligand's JAKs (complexes.tsv and chains.tsv): the catalytic JAKs of its
    complexes first, in row order, then (unless ``catalytic_only``) those its chains carry
    without acting."""
    chains = read_table(tables / "chains.tsv", ["chain", "jak"], {"jak"})
    jak_of = {(f"{r['chain']}_{r['jak']}" if r["jak"] else r["chain"]): r["jak"] for _, r in chains}
    catalytic: dict[str, list[str]] = {}
    structural: dict[str, list[str]] = {}
    for _, r in read_table(tables / "complexes.tsv", ["ligand", "binding_chain", "partner_chain", "catalytic_jaks"]):
        catalytic.setdefault(r["ligand"], []).extend(r["catalytic_jaks"].split())
        structural.setdefault(r["ligand"], []).extend(jak_of.get(r[c], "") for c in ("binding_chain", "partner_chain"))
    if catalytic_only:
        return {ligand: tuple(dict.fromkeys(j for j in catalytic[ligand] if j)) for ligand in catalytic}
    return {ligand: tuple(dict.fromkeys(j for j in catalytic[ligand] + structural[ligand] if j)) for ligand in catalytic}


def _receptor_chains(tables: Path) -> dict[str, tuple[str, ...]]:
    """Each ligand's receptor chain genes: capturing chains (capture_chains.tsv), then the
    binding and partner chains of its complexes (complexes.tsv, named chain_JAK in chains.tsv)."""
    chains = read_table(tables / "chains.tsv", ["chain", "jak"], {"jak"})
    gene_of = {(f"{r['chain']}_{r['jak']}" if r["jak"] else r["chain"]): r["chain"] for _, r in chains}
    out: dict[str, list[str]] = {}
    for _, r in read_table(tables / "capture_chains.tsv", ["chain", "ligand"]):
        out.setdefault(r["ligand"], []).append(r["chain"])
    for _, r in read_table(tables / "complexes.tsv", ["ligand", "binding_chain", "partner_chain"]):
        out.setdefault(r["ligand"], []).extend(gene_of.get(r[c], r[c]) for c in ("binding_chain", "partner_chain"))
    return {ligand: tuple(dict.fromkeys(names)) for ligand, names in out.items()}


def _cytokines(tables: Path, genes: dict[str, Gene]) -> dict[str, Cytokine]:
    where = tables / "cytokines.tsv"
    jaks = _cytokine_jaks(tables)
    receptors = _receptor_chains(tables)
    catalytic = _cytokine_jaks(tables, catalytic_only=True)
    out = {}
    for i, r in read_table(where, ["cytokine", "genes", "mass_kda", "main_readout", "standard_dose", "description"]):
        unknown = [g for g in r["genes"].split() if g not in genes]
        if unknown:
            raise ModelFileError(f"{where}:{i}: gene(s) {', '.join(unknown)} are not in genes.tsv")
        out[r["cytokine"]] = Cytokine(r["cytokine"], tuple(r["genes"].split()), float(r["mass_kda"]), r["main_readout"],
                                      r["standard_dose"], r["description"], jaks.get(r["cytokine"], ()),
                                      catalytic.get(r["cytokine"], ()), receptors.get(r["cytokine"], ()))
    return out


def _drugs(tables: Path) -> dict[str, Drug]:
    where = tables / "drugs.tsv"
    out = {}
    columns = ["drug", "chebi", "mechanism", "targets", "cellular_factor", "short_name", "fraction_unbound",
               "fraction_unbound_source", "doses_nM", "description", "source", "assay_ATP", "chembl"]
    # chebi or chembl may be empty (no id verified): the SBML species and map node carry the other
    for i, r in read_table(where, columns, {"chebi", "cellular_factor", "short_name", "assay_ATP", "chembl"}):
        if not (r["chebi"] or r["chembl"]):
            raise ModelFileError(f"{where}:{i}: a drug needs a ChEBI or a ChEMBL id (chebi, chembl)")
        if r["mechanism"] not in MECHANISMS:
            raise ModelFileError(f"{where}:{i}: mechanism must be one of {', '.join(MECHANISMS)}")
        constants = pairs(r["targets"])
        if not all(constants.values()):
            raise ModelFileError(f"{where}:{i}: targets are TARGET:parameter pairs, got {r['targets']!r}")
        needs = "cellular_factor" if r["mechanism"] in CELLULAR_FACTOR_MECHANISMS else "short_name"
        if not r[needs]:
            raise ModelFileError(f"{where}:{i}: a {r['mechanism']} drug needs its {needs}")
        doses = tuple(sorted(_number(x) for x in r["doses_nM"].split()))
        if len(doses) < 4 or doses[0] <= 0:
            raise ModelFileError(f"{where}:{i}: doses_nM needs at least 4 positive doses")
        out[r["drug"]] = Drug(r["drug"], r["chebi"], float(r["fraction_unbound"]), r["fraction_unbound_source"],
                              tuple(constants), r["description"], r["mechanism"], tuple(constants.items()),
                              r["cellular_factor"],
                              r["short_name"], doses, r["source"], r["assay_ATP"], r["chembl"])
    return out


# Readouts a summed table row describes, by the concentration it reports.
_SUM_CONCENTRATION = {"nuclear_forms": "nuclear concentration", "cytoplasmic_forms": "cytoplasmic concentration"}


def _readouts(tables: Path) -> dict[str, Readout]:
    """The named readouts of the generated model, in a fixed order: phospho-STATs (whole
    cell, then nuclear), named STAT complexes, free nuclear dimers, promoter activities,
    feedback mRNA and protein, then the sums of readout_sums.tsv."""
    stats = [r for _, r in read_table(tables / "stats.tsv", ["protein", "phosphorylated", "family"], {"family"})
             if r["phosphorylated"] == "yes"]
    names: list[str] = []
    for s in stats:  # a family (STAT5) before its members (STAT5A, STAT5B)
        if s["family"] != s["protein"] and s["family"] not in names:
            names.append(s["family"])
        names.append(s["protein"])
    dimers = [r for _, r in read_table(tables / "stat_dimers.tsv", ["first", "second", "with", "name", "nuclear",
                                                                   "drives"], {"with", "name", "drives"})]
    r: list[Readout] = []
    r += [Readout(f"p{s}", "nM", f"phosphorylated {s}, all forms, whole-cell concentration") for s in names]
    r += [Readout(f"nuc_p{s}", "nM", f"phosphorylated {s} in nuclear dimers, nuclear concentration") for s in names]
    for d in dimers:
        if d["name"] and d["nuclear"] == "yes":
            parts = ":".join([f"p{d['first']}", f"p{d['second']}", d["with"]] if d["with"] else
                             [f"p{d['first']}", f"p{d['second']}"])
            r.append(Readout(f"nuc_{d['name']}", "nM", f"nuclear {d['name']} ({parts}), nuclear concentration"))
    for d in dimers:
        if d["nuclear"] == "yes" and not d["with"]:
            r.append(Readout(f"p{d['first']}_p{d['second']}_nuc", "nM",
                             f"free nuclear p{d['first']}:p{d['second']} dimer (not PIAS-bound), nuclear concentration"))
    families = list(dict.fromkeys(s["family"] for s in stats))
    for family in families:
        drivers = [d for d in dimers if d["drives"] == family]
        if drivers:
            what = " and ".join(d["name"] for d in drivers) if all(d["name"] for d in drivers) else f"{family} dimers"
            r.append(Readout(f"tx_{family}", "1", f"promoter activity driven by free nuclear {what} (0-1)"))
    for _, g in read_table(tables / "feedback_genes.tsv", ["gene"]):
        r.append(Readout(f"{g['gene']}_mRNA", "nM", f"{g['gene']} mRNA, cytoplasmic concentration"))
        r.append(Readout(f"{g['gene']}_protein", "nM", f"{g['gene']} protein, free and bound, whole-cell concentration"))
    known = {x.name for x in r}
    for _, s in read_table(tables / "readout_sums.tsv", ["readout", "kind", "description"]):
        if s["readout"] not in known:
            r.append(Readout(s["readout"], "nM",
                             f"{s['description']}, {_SUM_CONCENTRATION.get(s['kind'], 'whole-cell concentration')}"))
    return {x.name: x for x in r}


def read_model_tables(models: Path | None = None) -> ModelTables:
    """The genes, cytokines, drugs and readouts of a models/ folder's tables (default: the
    bundled model's), read now; the build reads the folder it builds, a copy included."""
    tables = Path(models or models_dir()) / TABLES_DIR
    genes = _genes(tables)
    return ModelTables(genes, _cytokines(tables, genes), _drugs(tables), _readouts(tables))


_TABLES = read_model_tables()
GENES: dict[str, Gene] = _TABLES.genes
CYTOKINES: dict[str, Cytokine] = _TABLES.cytokines
DRUGS: dict[str, Drug] = _TABLES.drugs
READOUTS: dict[str, Readout] = _TABLES.readouts


def drug_pairs(name: str) -> list[tuple[str, str]]:
    """The (cytokine, readout) pairs on which a drug acts, in catalog order.

    A drug that targets JAKs acts on every cytokine whose receptor needs the activity of
    one of them (its catalytic JAKs: a drug blocks catalysis, not a JAK's structural role,
    so deucravacitinib on TYK2 does not act on IFN-alpha, whose TYK2 is structural here),
    read out on the cytokine's main readout; a drug that targets a STAT (pimozide) acts
    on the cytokines whose main readout is that phospho-STAT.
    """
    d = drug(name)
    out = []
    for c in CYTOKINES.values():
        if set(d.targets) & set(c.catalytic_jaks) or c.main_readout in {f"p{t}" for t in d.targets}:
            out.append((c.name, c.main_readout))
    return out


# ----------------------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Mutation:
    name: str
    gene: str
    parameter: str  # mutant fraction of the protein (0 wild type, 1 all mutant)
    description: str
    source: str


MUTATIONS: dict[str, Mutation] = {
    m.name: m
    for m in [
        Mutation("JAK3_A572V", "JAK3", "JAK3_A572V",
                 "pseudokinase-domain gain of function: IL2RB/IL2RG pair and signal without cytokine",
                 "Cornejo et al., Blood 2009, doi:10.1182/blood-2008-06-164368"),
        Mutation("STAT5B_N642H", "STAT5B", "STAT5B_N642H",
                 "SH2-domain gain of function (raised, prolonged pSTAT5B), modelled as slower "
                 "dephosphorylation (an assumption: r_dephos_STAT5B_N642H)",
                 "Rajala et al., Blood 2013, doi:10.1182/blood-2012-12-474577"),
        Mutation("STAT3_Y640F", "STAT3", "STAT3_Y640F",
                 "SH2-domain gain of function (stabilised dimers, raised pSTAT3), modelled as slower "
                 "dephosphorylation (an assumption: r_dephos_STAT3_Y640F)",
                 "Koskela et al., NEJM 2012, doi:10.1056/NEJMoa1114885"),
    ]
}

# ----------------------------------------------------------------------------- lookups


def gene(name: str) -> Gene:
    try:
        return GENES[name]
    except (KeyError, TypeError):
        raise UnknownNameError("gene", name, list(GENES)) from None


def cytokine(name: str) -> Cytokine:
    try:
        return CYTOKINES[name]
    except (KeyError, TypeError):
        raise UnknownNameError("cytokine", name, list(CYTOKINES)) from None


def drug(name: str) -> Drug:
    try:
        return DRUGS[name]
    except (KeyError, TypeError):
        # a cytokine where a drug belongs is usually arguments in the wrong order
        note = f"{name!r} is a cytokine, not a drug" if isinstance(name, str) and name in CYTOKINES else ""
        raise UnknownNameError("drug", name, list(DRUGS), note) from None


def readout(name: str) -> Readout:
    try:
        return READOUTS[name]
    except (KeyError, TypeError):
        raise UnknownNameError("readout", name, list(READOUTS)) from None


def mutation(name: str) -> Mutation:
    try:
        return MUTATIONS[name]
    except (KeyError, TypeError):
        raise UnknownNameError("mutation", name, list(MUTATIONS)) from None


def mutations() -> list[str]:
    return list(MUTATIONS)


def genes() -> list[str]:
    """HGNC symbols of every gene in the model (DESIGN 2.1)."""
    return list(GENES)


def readouts() -> list[str]:
    """Names of the named readouts :meth:`Model.simulate` returns."""
    return list(READOUTS)


def cytokines() -> list[str]:
    return list(CYTOKINES)


def drugs() -> list[str]:
    return list(DRUGS)


# ----------------------------------------------------------------------------- contexts

DEFAULT_CONTEXT = "ctcl"


@dataclass(frozen=True)
class Context:
    name: str
    description: str
    overrides: dict[str, float]  # parameter id -> value, on top of parameters.tsv
    sources: dict[str, str]


@cache
def _contexts() -> dict[str, Context]:
    path = models_dir() / "contexts.tsv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out: dict[str, dict] = {}
    for row in rows:
        c = out.setdefault(row["context"], {"description": "", "overrides": {}, "sources": {}})
        if row["parameter"] == "description":
            c["description"] = row["source"]
            continue
        c["overrides"][row["parameter"]] = float(row["value"])
        c["sources"][row["parameter"]] = row["source"]
    return {name: Context(name, **c) for name, c in out.items()}


_RELOAD_HOOKS: list[Callable[[], object]] = []


def on_reload(clear: Callable[[], object]) -> Callable[[], object]:
    """Have :func:`reload_tables` call ``clear``: for a cache elsewhere that was built from
    the tables (a drug's PK with its fraction unbound, models of other contexts), which
    would otherwise keep the values from before a store."""
    _RELOAD_HOOKS.append(clear)
    return clear


def reload_tables() -> None:
    """Read contexts.tsv and parameters.tsv again (after a calibration stored new
    values); models loaded afterwards use them, and so does every cache built from them
    (:func:`on_reload`)."""
    _contexts.cache_clear()
    parameter_table.cache_clear()
    _posterior_fraction_unbound.cache_clear()
    for clear in _RELOAD_HOOKS:
        clear()


def contexts() -> list[str]:
    """Names of the cell contexts; the first is the default (``ctcl``)."""
    return list(_contexts())


def context(name: str) -> Context:
    try:
        return _contexts()[name]
    except (KeyError, TypeError):
        raise UnknownNameError("context", name, contexts()) from None


@dataclass(frozen=True)
class ParameterRow:
    id: str
    value: float
    unit: str
    source: str
    description: str


@cache
def parameter_table() -> dict[str, ParameterRow]:
    """models/parameters.tsv: every parameter's value, unit and provenance."""
    path = models_dir() / "parameters.tsv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {
        r["id"]: ParameterRow(r["id"], float(r["value"]), r["unit"], r["source"], r["description"])
        for r in rows
    }
