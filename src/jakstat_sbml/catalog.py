"""The one place that knows the model's genes, cytokines, drugs, readouts and contexts.

Everything user-facing is looked up here by name; unknown names raise
:class:`~jakstat_sbml.errors.UnknownNameError` with the nearest valid names.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .errors import InputError, UnknownNameError

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


# ----------------------------------------------------------------------------- genes


@dataclass(frozen=True)
class Gene:
    symbol: str  # HGNC symbol
    uniprot: str  # human UniProt accession
    module: str  # cytokines, receptors, kinases, stats, feedback, ptps, pias
    parameter: str  # the model parameter a knockout zeroes / overexpression scales
    description: str


def _g(symbol, uniprot, module, description, parameter=None):
    return Gene(symbol, uniprot, module, parameter or f"{symbol}_total", description)


# DESIGN 2.1. Ligand genes control the cells' own production of their ligand (their
# *_expression factor scales *_autocrine, models/modules/cytokines.ant), never the
# cytokine an experiment adds to the medium: the modelled cells secrete none
# (*_autocrine = 0), so a ligand knockout leaves the response to added cytokine
# unchanged. SOCS/CISH control transcription; every other protein its total abundance.
_OWN = "; the cells' own production only (none modelled): a knockout leaves added {} unchanged"
GENES: dict[str, Gene] = {
    g.symbol: g
    for g in [
        _g("IL2", "P60568", "cytokines", "interleukin-2" + _OWN.format("IL-2"), "IL2_expression"),
        _g("IL4", "P05112", "cytokines", "interleukin-4" + _OWN.format("IL-4"), "IL4_expression"),
        _g("IL6", "P05231", "cytokines", "interleukin-6" + _OWN.format("IL-6"), "IL6_expression"),
        _g("IL12A", "P29459", "cytokines", "interleukin-12 p35 subunit" + _OWN.format("IL-12"), "IL12A_expression"),
        _g("IL12B", "P29460", "cytokines", "interleukin-12 p40 subunit" + _OWN.format("IL-12"), "IL12B_expression"),
        _g("IL13", "P35225", "cytokines", "interleukin-13" + _OWN.format("IL-13"), "IL13_expression"),
        _g("IFNA2", "P01563", "cytokines", "interferon alpha-2" + _OWN.format("IFN-alpha"), "IFNA2_expression"),
        _g("IFNG", "P01579", "cytokines", "interferon gamma" + _OWN.format("IFN-gamma"), "IFNG_expression"),
        _g("IL15", "P40933", "cytokines", "interleukin-15" + _OWN.format("IL-15"), "IL15_expression"),
        _g("IL21", "Q9HBE4", "cytokines", "interleukin-21" + _OWN.format("IL-21"), "IL21_expression"),
        _g("CSF2", "P04141", "cytokines", "GM-CSF" + _OWN.format("GM-CSF"), "CSF2_expression"),
        _g("EPO", "P01588", "cytokines", "erythropoietin" + _OWN.format("EPO"), "EPO_expression"),
        _g("IL2RA", "P01589", "receptors", "IL-2 receptor alpha (CD25)"),
        _g("IL2RB", "P14784", "receptors", "IL-2 receptor beta (CD122)"),
        _g("IL2RG", "P31785", "receptors", "common gamma chain (CD132)"),
        _g("IL4R", "P24394", "receptors", "IL-4 receptor alpha"),
        _g("IL13RA1", "P78552", "receptors", "IL-13 receptor alpha-1"),
        _g("IL6R", "P08887", "receptors", "IL-6 receptor alpha"),
        _g("IL6ST", "P40189", "receptors", "gp130"),
        _g("IFNAR1", "P17181", "receptors", "interferon alpha/beta receptor 1"),
        _g("IFNAR2", "P48551", "receptors", "interferon alpha/beta receptor 2"),
        _g("IFNGR1", "P15260", "receptors", "interferon gamma receptor 1"),
        _g("IFNGR2", "P38484", "receptors", "interferon gamma receptor 2"),
        _g("IL12RB1", "P42701", "receptors", "IL-12 receptor beta-1"),
        _g("IL12RB2", "Q99665", "receptors", "IL-12 receptor beta-2"),
        _g("IL15RA", "Q13261", "receptors", "IL-15 receptor alpha (presents IL-15 to IL2RB/IL2RG)"),
        _g("IL21R", "Q9HBE5", "receptors", "IL-21 receptor"),
        _g("CSF2RA", "P15509", "receptors", "GM-CSF receptor alpha (CD116)"),
        _g("CSF2RB", "P32927", "receptors", "common beta chain of the GM-CSF/IL-3/IL-5 receptors (CD131)"),
        _g("EPOR", "P19235", "receptors", "erythropoietin receptor (homodimer, JAK2)"),
        _g("JAK1", "P23458", "kinases", "Janus kinase 1"),
        _g("JAK2", "O60674", "kinases", "Janus kinase 2"),
        _g("JAK3", "P52333", "kinases", "Janus kinase 3"),
        _g("TYK2", "P29597", "kinases", "tyrosine kinase 2"),
        _g("STAT1", "P42224", "stats", "STAT1"),
        _g("STAT2", "P52630", "stats", "STAT2"),
        _g("STAT3", "P40763", "stats", "STAT3"),
        _g("STAT4", "Q14765", "stats", "STAT4"),
        _g("STAT5A", "P42229", "stats", "STAT5A"),
        _g("STAT5B", "P51692", "stats", "STAT5B"),
        _g("STAT6", "P42226", "stats", "STAT6"),
        _g("IRF9", "Q00978", "stats", "IRF9 (ISGF3 subunit)"),
        _g("SOCS1", "O15524", "feedback", "suppressor of cytokine signalling 1", "SOCS1_expression"),
        _g("SOCS3", "O14543", "feedback", "suppressor of cytokine signalling 3", "SOCS3_expression"),
        _g("CISH", "Q9NSE2", "feedback", "cytokine-inducible SH2 protein", "CISH_expression"),
        _g("PTPN6", "P29350", "ptps", "SHP-1"),
        _g("PTPN11", "Q06124", "ptps", "SHP-2"),
        _g("PTPN2", "P17706", "ptps", "TC-PTP"),
        _g("PTPN1", "P18031", "ptps", "PTP1B"),
        _g("PIAS1", "O75925", "pias", "PIAS1 (inhibits STAT1)"),
        _g("PIAS3", "Q9Y6X2", "pias", "PIAS3 (inhibits STAT3)"),
    ]
}

# ----------------------------------------------------------------------------- cytokines


@dataclass(frozen=True)
class Cytokine:
    name: str  # model species id
    genes: tuple[str, ...]
    mass_kda: float  # molar mass used to convert mass concentrations
    main_readout: str
    standard_dose: str  # used by screens and reports when no dose is given
    description: str
    jaks: tuple[str, ...] = ()  # JAKs of its receptor chains (DESIGN 2.1), main ones first

    @property
    def dose_parameter(self) -> str:
        return f"dose_{self.name}"


# Masses are of the mature, unglycosylated chains (UniProt sequences); IL-12 is the
# p35:p40 heterodimer and IFN-gamma the active homodimer; EPO is the exception (below).
CYTOKINES: dict[str, Cytokine] = {
    c.name: c
    for c in [
        Cytokine("IL2", ("IL2",), 15.4, "pSTAT5", "1 ng/mL", "IL-2 -> IL2RA/IL2RB/IL2RG -> JAK1/JAK3 -> STAT5",
                 ("JAK1", "JAK3")),
        Cytokine("IL4", ("IL4",), 15.0, "pSTAT6", "10 ng/mL", "IL-4 -> IL4R + IL2RG (type I) or IL13RA1 (type II) -> STAT6",
                 ("JAK1", "JAK3", "TYK2", "JAK2")),
        Cytokine("IL6", ("IL6",), 20.8, "pSTAT3", "40 ng/mL", "IL-6 -> IL6R/IL6ST -> JAK1 (JAK2, TYK2) -> STAT3",
                 ("JAK1", "JAK2", "TYK2")),
        Cytokine("IL12", ("IL12A", "IL12B"), 57.2, "pSTAT4", "10 ng/mL", "IL-12 -> IL12RB1/IL12RB2 -> TYK2/JAK2 -> STAT4",
                 ("TYK2", "JAK2")),
        Cytokine("IL13", ("IL13",), 12.3, "pSTAT6", "50 ng/mL", "IL-13 -> IL13RA1 + IL4R -> JAK1/TYK2 -> STAT6",
                 ("JAK1", "TYK2", "JAK2")),
        Cytokine("IFNA", ("IFNA2",), 19.2, "pSTAT1", "10 ng/mL", "IFN-alpha2 -> IFNAR1/IFNAR2 -> TYK2/JAK1 -> ISGF3",
                 ("TYK2", "JAK1")),
        Cytokine("IFNG", ("IFNG",), 33.8, "pSTAT1", "10 ng/mL", "IFN-gamma -> IFNGR1/IFNGR2 -> JAK1/JAK2 -> STAT1",
                 ("JAK1", "JAK2")),
        Cytokine("IL15", ("IL15",), 12.9, "pSTAT5", "10 ng/mL",
                 "IL-15 -> IL15RA (presents) + IL2RB/IL2RG -> JAK1/JAK3 -> STAT5", ("JAK1", "JAK3")),
        Cytokine("IL21", ("IL21",), 15.4, "pSTAT3", "50 ng/mL", "IL-21 -> IL21R/IL2RG -> JAK1/JAK3 -> STAT3 (STAT1, STAT5)",
                 ("JAK1", "JAK3")),
        Cytokine("GMCSF", ("CSF2",), 14.5, "pSTAT5", "10 ng/mL", "GM-CSF -> CSF2RA/CSF2RB -> JAK2 -> STAT5", ("JAK2",)),
        # EPO is used as the glycoprotein (CHO-made epoetin, ~40% carbohydrate): its ng/mL
        # and U/mL (about 8 ng per unit) count 30.4 kDa, not the 18.4 kDa chain.
        Cytokine("EPO", ("EPO",), 30.4, "pSTAT5", "40 ng/mL", "EPO -> EPOR homodimer -> JAK2 -> STAT5A/B", ("JAK2",)),
    ]
}

# ----------------------------------------------------------------------------- drugs


@dataclass(frozen=True)
class Drug:
    name: str
    chebi: str
    label_fraction_unbound: float  # in plasma, as the label states it (the potency model's prior centre)
    label_fraction_unbound_source: str
    targets: tuple[str, ...]
    description: str

    @property
    def dose_parameter(self) -> str:
        return f"dose_{self.name}"

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


@cache
def _posterior_fraction_unbound() -> dict[str, float]:
    """Median fraction unbound of each drug in the stored potency posterior (models/potency/)."""
    path = models_dir() / "potency" / "posterior.tsv"
    if not path.exists():
        return {}
    import pandas as pd

    draws = pd.read_csv(path, sep="\t")
    return {c.removeprefix("fu_"): float(draws[c].median()) for c in draws.columns if c.startswith("fu_")}


DRUGS: dict[str, Drug] = {
    d.name: d
    for d in [
        Drug(
            "ruxolitinib", "CHEBI:66919", 0.03,
            "~97% plasma protein bound (Jakafi prescribing information)",
            ("JAK1", "JAK2", "TYK2", "JAK3"), "ATP-competitive JAK1/JAK2 inhibitor",
        ),
        Drug(
            "tofacitinib", "CHEBI:71200", 0.6,
            "~40% plasma protein bound (Xeljanz prescribing information)",
            ("JAK1", "JAK3", "JAK2", "TYK2"), "ATP-competitive JAK1/JAK3 inhibitor",
        ),
        Drug(
            "pimozide", "CHEBI:8212", 0.01,
            "~99% plasma protein bound (assumed; antipsychotic label)",
            ("STAT5", "STAT3"), "lowers STAT5 (and STAT3) phosphorylation without inhibiting JAKs",
        ),
    ]
}


def drug_pairs(name: str) -> list[tuple[str, str]]:
    """The (cytokine, readout) pairs on which a drug acts, in catalog order.

    A JAK inhibitor acts on every cytokine whose receptor carries one of its target
    JAKs, read out on the cytokine's main readout; a drug that targets a STAT
    (pimozide) acts on the cytokines whose main readout is that phospho-STAT.
    """
    d = drug(name)
    pairs = []
    for c in CYTOKINES.values():
        if set(d.targets) & set(c.jaks) or c.main_readout in {f"p{t}" for t in d.targets}:
            pairs.append((c.name, c.main_readout))
    return pairs


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
                 "SH2-domain gain of function: slower dephosphorylation, prolonged pSTAT5B",
                 "Rajala et al., Blood 2013, doi:10.1182/blood-2012-12-474577"),
        Mutation("STAT3_Y640F", "STAT3", "STAT3_Y640F",
                 "SH2-domain gain of function: stabilised dimers, slower dephosphorylation",
                 "Koskela et al., NEJM 2012, doi:10.1056/NEJMoa1114885"),
    ]
}

# ----------------------------------------------------------------------------- readouts


@dataclass(frozen=True)
class Readout:
    name: str
    unit: str
    description: str


def _readouts() -> dict[str, Readout]:
    r: list[Readout] = []
    for s in ["STAT1", "STAT2", "STAT3", "STAT4", "STAT5", "STAT5A", "STAT5B", "STAT6"]:
        r.append(Readout(f"p{s}", "nM", f"phosphorylated {s}, all forms, whole-cell concentration"))
    for s in ["STAT1", "STAT2", "STAT3", "STAT4", "STAT5", "STAT5A", "STAT5B", "STAT6"]:
        r.append(Readout(f"nuc_p{s}", "nM", f"phosphorylated {s} in nuclear dimers, nuclear concentration"))
    r.append(Readout("nuc_ISGF3", "nM", "nuclear ISGF3 (pSTAT1:pSTAT2:IRF9), nuclear concentration"))
    for a, b in [("1", "1"), ("1", "3"), ("3", "3"), ("4", "4"), ("5A", "5A"), ("5A", "5B"), ("5B", "5B"), ("6", "6")]:
        r.append(Readout(f"pSTAT{a}_pSTAT{b}_nuc", "nM",
                         f"free nuclear pSTAT{a}:pSTAT{b} dimer (not PIAS-bound), nuclear concentration"))
    for s in ["STAT1", "STAT2", "STAT3", "STAT4", "STAT5", "STAT6"]:
        what = "ISGF3" if s == "STAT2" else f"{s} dimers"
        r.append(Readout(f"tx_{s}", "1", f"promoter activity driven by free nuclear {what} (0-1)"))
    for g in ["SOCS1", "SOCS3", "CISH"]:
        r.append(Readout(f"{g}_mRNA", "nM", f"{g} mRNA, cytoplasmic concentration"))
        r.append(Readout(f"{g}_protein", "nM", f"{g} protein, free and bound, whole-cell concentration"))
    for j in ["JAK1", "JAK2", "JAK3", "TYK2"]:
        r.append(Readout(f"p{j}", "nM", f"phosphorylated (active) {j} in receptor complexes, whole-cell concentration"))
    # Receptor states that calibration data measure (Sobotta 2017, Raia 2011).
    r.append(Readout("pIL6ST", "nM", "phosphorylated gp130: active IL-6 receptor complexes, whole-cell concentration"))
    r.append(Readout("pIL4R", "nM", "phosphorylated IL-4R alpha in active type I and II complexes, whole-cell concentration"))
    r.append(Readout("IL13_bound", "nM", "IL-13 bound to the cell (all its receptor complexes), whole-cell concentration"))
    r.append(Readout("IL13RA1_surface", "nM", "IL13RA1 at the surface (free, JAK-loaded, in complexes), whole-cell concentration"))
    r.append(Readout("STAT3_nuc_total", "nM", "STAT3 in the nucleus, all forms, nuclear concentration"))
    r.append(Readout("STAT3_cyt_total", "nM", "STAT3 in the cytoplasm, all forms, cytoplasmic concentration"))
    # Erythropoietin data (Bachmann 2011, Boehm 2014).
    r.append(Readout("pEPOR", "nM", "phosphorylated EPOR: active EPO receptor complexes, whole-cell concentration"))
    r.append(Readout("pSTAT5A_pSTAT5B_all", "nM",
                     "pSTAT5A:pSTAT5B heterodimers, cytoplasmic and nuclear, whole-cell concentration"))
    return {x.name: x for x in r}


READOUTS: dict[str, Readout] = _readouts()

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
        raise UnknownNameError("drug", name, list(DRUGS)) from None


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


def reload_tables() -> None:
    """Read contexts.tsv and parameters.tsv again (after a calibration stored new
    values); models loaded afterwards use them."""
    _contexts.cache_clear()
    parameter_table.cache_clear()
    _posterior_fraction_unbound.cache_clear()


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
