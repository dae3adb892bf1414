"""Annotation of the compiled SBML: MIRIAM identifiers of every species' genes (from the
catalog), SBO terms of reactions and parameters, GO terms of compartments, and the
sources of the model (the figure, the literature in the Antimony comments and
tables, every parameter's source)."""

from __future__ import annotations

import re

import libsbml

from .. import catalog
from ..errors import ModelFileError

MODEL_ID = "jakstat"
FIGURE_DOI = "10.3390/cancers17040568"

# Review and structural sources cited in the Antimony comments (DESIGN 2.1).
STRUCTURE_SOURCES = [
    "doi:10.1002/pro.3518",  # Morris, Kershaw & Babon, Protein Sci 2018 (receptor/JAK/STAT pairings)
    "doi:10.1038/nrd.2017.201",  # Schwartz et al., Nat Rev Drug Discov 2017
    "doi:10.1073/pnas.0237333100",  # Swameye et al., PNAS 2003 (nucleocytoplasmic cycling)
    "doi:10.1128/MCB.22.16.5662-5668.2002",  # ten Hoeve et al., MCB 2002 (TC-PTP)
    "doi:10.1074/jbc.M006128200",  # Aoki & Matsuda, JBC 2000 (PTP1B on STAT5)
    "doi:10.1182/blood-2008-03-144329",  # Lu et al., Blood 2008 (PTP1B on STAT6)
    "doi:10.1074/jbc.M106788200",  # Myers et al., JBC 2001 (PTP1B on JAK2/TYK2)
    "doi:10.1126/science.278.5344.1803",  # Chung et al., Science 1997 (PIAS3)
    "doi:10.1073/pnas.95.18.10626",  # Liu et al., PNAS 1998 (PIAS1)
    "pubmed:21233313",  # Nelson et al., Blood 2011 (pimozide)
    "doi:10.1182/blood-2008-06-164368",  # Cornejo et al., Blood 2009 (JAK3 A572V)
    "doi:10.1016/s0092-8674(00)81169-3",  # Rodig et al., Cell 1998 (JAK1 knockout)
    "doi:10.1002/j.1460-2075.1995.tb07124.x",  # Guschin et al., EMBO J 1995 (gp130 JAKs)
    "doi:10.1093/emboj/cdg007",  # Ragimbeau et al., EMBO J 2003 (TYK2 and IFNAR1)
    "doi:10.1073/pnas.0600070103",  # Stauber et al., PNAS 2006 (IL-2 receptor)
]

# Species id tokens that are not genes.
_STATE_TOKENS = {"p", "nuc", "cyt", "mRNA"}

_GO = {"extracellular": "GO:0005615", "cytoplasm": "GO:0005737", "nucleus": "GO:0005634"}

# What the model as a whole is about (model-level annotations, also written into the
# OMEX metadata of exported archives): the process, the organism and the disease of the
# figure the network comes from.
MODEL_PROCESSES = ("GO:0007259", "GO:0019221")  # JAK-STAT cascade; cytokine-mediated signaling pathway
MODEL_TAXON = "taxonomy:9606"  # Homo sapiens
# primary cutaneous T-cell non-Hodgkin lymphoma (Disease Ontology; MeSH "Lymphoma, T-Cell, Cutaneous")
MODEL_DISEASES = ("DOID:0060061", "mesh:D016410")
MODEL_SBO = 293  # non-spatial continuous framework (ODEs)

# Reaction id prefix -> SBO term.
_REACTION_SBO = {
    "load": 177, "bind": 177, "assemble": 177, "handover": 177, "dimerise": 177, "pair": 177,
    "activate": 216, "phos": 216,
    "deactivate": 330, "dephos": 330, "release": 330, "unpair": 330,
    "syn": 393, "transcribe": 183, "translate": 184,
    "deg": 179, "degrade": 179, "turnover": 179, "internalise": 179,
    "import": 185, "shuttle": 185,
    "covalent": 176,  # a drug's covalent bond to a JAK (drugs.ant, covalent_jak3): biochemical reaction
}


# Parameter SBO terms, most specific first. Every parameter gets a term below the root
# (SBO:0000002, "quantitative systems description parameter", says nothing); a new
# parameter falls to the rule of its unit, and the build refuses one no rule covers.
_MUTANT_FRACTIONS = {m.parameter for m in catalog.MUTATIONS.values()}


def _parameter_sbo(pid: str, unit: str, inhibitory: set[str] = frozenset()) -> int:
    """``inhibitory``: the drugs' constants (drugs.tsv, column targets)."""
    if pid.startswith("Kd_") or pid.startswith("Kd"):
        return 282  # dissociation constant
    if pid in inhibitory or pid.startswith(("Ki_", "Kcell_")):
        return 261  # inhibitory constant
    if pid.startswith(("Km_", "K_tx")):
        return 27  # Michaelis constant
    if pid.startswith("kcat_"):
        return 25  # catalytic rate constant
    if pid.startswith("v_tx"):
        return 186  # maximal velocity
    if pid.endswith("_total") or pid.startswith(("dose_", "ATP_")):
        return 196  # concentration of an entity pool
    if pid == "V_cell":
        return 468  # volume (cytoplasm + nucleus)
    if pid.startswith("occupancy_"):
        return 662  # occupancy: drug-bound fraction of a kinase over free
    if pid.startswith("tx_") and not pid.startswith("tx_input_"):
        return 662  # occupancy: promoter activity 0-1, a Hill function of the nuclear dimers
    if pid.startswith(("act_", "pim_", "kinase_", "allosteric_")):
        return 498  # relative activity: what drugs leave of a kinase's (or STAT5/3 phosphorylation's) activity
    if pid.startswith(("f_", "inactivated_")) or pid in _MUTANT_FRACTIONS:
        return 540  # fraction of an entity pool: a minor JAK or STAT, the mutant or drug-bonded share of a protein
    if unit in ("per_minute", "per_nM_per_minute"):
        return 9  # kinetic constant
    if unit == "nM":
        return 196  # concentration of an entity pool: readouts, kinase inputs, autocrine cytokine
    if unit == "dimensionless":
        return 381  # biochemical proportionality coefficient: expression folds, Cheng-Prusoff shifts,
        # cellular factors, rate ratios, docking competition
    raise ModelFileError(f"parameter {pid!r} (unit {unit!r}): no SBO term rule in build/annotate.py")


def species_genes(species_id: str, tables: catalog.ModelTables | None = None) -> list[str]:
    """HGNC symbols of the proteins a species id is made of, in order (with repeats); a
    ligand token is its cytokine's genes (IL12: IL12A and IL12B, GMCSF: CSF2)."""
    genes = (tables.genes if tables else catalog.GENES)
    ligands = {c.name: c.genes for c in (tables.cytokines if tables else catalog.CYTOKINES).values()}
    out: list[str] = []
    for tok in species_id.split("_"):
        if tok in _STATE_TOKENS:
            continue
        if tok in ligands:
            out.extend(ligands[tok])
        elif tok in genes:
            out.append(tok)
        elif tok.startswith("p") and tok[1:] in genes:
            out.append(tok[1:])
    return out


def _cv(uri_kind: str, qualifier: int, uris: list[str], model_qualifier: bool = False) -> libsbml.CVTerm:
    term = libsbml.CVTerm(libsbml.MODEL_QUALIFIER if model_qualifier else libsbml.BIOLOGICAL_QUALIFIER)
    if model_qualifier:
        term.setModelQualifierType(qualifier)
    else:
        term.setBiologicalQualifierType(qualifier)
    for u in uris:
        term.addResource(f"https://identifiers.org/{u}")
    return term


def _ensure_metaid(sbase: libsbml.SBase) -> None:
    if not sbase.isSetMetaId():
        sbase.setMetaId(f"meta_{sbase.getId()}")


def _add(sbase, term) -> None:
    _ensure_metaid(sbase)
    if sbase.addCVTerm(term) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ModelFileError(f"could not annotate {sbase.getId()}")


def sources_as_uris(sources: list[str]) -> list[str]:
    uris: list[str] = []
    for s in sources:
        for m in re.finditer(r"(doi:10\.[^\s;,)]+|PMID\s*\d+|pubmed:\d+)", s):
            tok = m.group(1).rstrip(".")
            if tok.upper().startswith("PMID"):
                tok = "pubmed:" + re.sub(r"\D", "", tok)
            if tok not in uris:
                uris.append(tok)
    return uris


def annotate(sbml: str, rows: list[dict[str, str]], network_sources: list[str] = (),
             tables: catalog.ModelTables | None = None) -> str:
    """Identifiers, SBO terms, names and references, from the catalog and the tables
    (``tables``: those of the models/ folder built; default the bundled model's)."""
    tables = tables or catalog.read_model_tables()
    doc = libsbml.readSBMLFromString(sbml)
    model = doc.getModel()
    model.setId(MODEL_ID)
    model.setMetaId(MODEL_ID)
    model.setName("jakstat-sbml: cytokine-driven JAK/STAT signalling")
    by_module: dict[str, list[str]] = {}
    for g in tables.genes.values():
        by_module.setdefault(g.module, []).append(g.symbol)
    model.setNotes(
        '<body xmlns="http://www.w3.org/1999/xhtml"><p>Mechanistic model of cytokine-driven '
        f"JAK/STAT signalling ({len(tables.cytokines)} cytokines, {len(by_module.get('receptors', []))} receptor "
        f"chains, {len(by_module.get('kinases', []))} JAKs, {', '.join(by_module.get('stats', []))}, "
        f"{'/'.join(by_module.get('feedback', []))} feedback, {'/'.join(by_module.get('ptps', []))}, "
        f"{'/'.join(by_module.get('pias', []))}, {', '.join(tables.drugs)}), after Figure 1 of Kashyap et al., "
        f"Cancers 2025, doi:{FIGURE_DOI}. Time in minutes, concentrations in nM. Parameters and their "
        "sources: models/parameters.tsv; the regular network from models/tables/. Model licence: CC BY 4.0.</p></body>"
    )
    _add(model, _cv("", libsbml.BQM_IS_DERIVED_FROM, [f"doi:{FIGURE_DOI}"], model_qualifier=True))
    refs = sources_as_uris([r["source"] for r in rows] + list(network_sources) + STRUCTURE_SOURCES)
    _add(model, _cv("", libsbml.BQM_IS_DESCRIBED_BY, refs, model_qualifier=True))
    _add(model, _cv("", libsbml.BQB_HAS_TAXON, [MODEL_TAXON]))
    _add(model, _cv("", libsbml.BQB_IS_VERSION_OF, list(MODEL_PROCESSES)))
    _add(model, _cv("", libsbml.BQB_HAS_PROPERTY, list(MODEL_DISEASES)))
    model.setSBOTerm(MODEL_SBO)

    for comp in model.getListOfCompartments():
        _add(comp, _cv("", libsbml.BQB_IS, [_GO[comp.getId()]]))

    for sp in model.getListOfSpecies():
        sid = sp.getId()
        if sid in tables.drugs:
            sp.setSBOTerm(247)
            sp.setName(sid)
            drug = tables.drugs[sid]  # ChEBI and/or ChEMBL, whichever was verified (drugs.tsv)
            ids = ([drug.chebi.lower().replace("chebi:", "CHEBI:")] if drug.chebi else []) + (
                [f"chembl.compound:{drug.chembl}"] if drug.chembl else [])
            _add(sp, _cv("", libsbml.BQB_IS, ids))
            continue
        genes = species_genes(sid, tables)
        if not genes:
            raise ModelFileError(f"species {sid!r} names no gene of the catalog")
        sp.setName(sid.replace("_", ":"))
        unique = list(dict.fromkeys(genes))
        if sid.endswith("_mRNA"):
            sp.setSBOTerm(250)  # ribonucleic acid (libsbml does not place 278, mRNA, under material entity)
            _add(sp, _cv("", libsbml.BQB_IS_ENCODED_BY, [f"hgnc.symbol:{unique[0]}"]))
            _add(sp, _cv("", libsbml.BQB_ENCODES, [f"uniprot:{tables.genes[unique[0]].uniprot}"]))
        elif len(genes) == 1:
            sp.setSBOTerm(252)
            g = tables.genes[genes[0]]
            _add(sp, _cv("", libsbml.BQB_IS, [f"uniprot:{g.uniprot}", f"hgnc.symbol:{g.symbol}"]))
        else:
            sp.setSBOTerm(253)
            parts = [f"uniprot:{tables.genes[g].uniprot}" for g in unique]
            _add(sp, _cv("", libsbml.BQB_HAS_PART, parts + [f"hgnc.symbol:{g}" for g in unique]))

    for rx in model.getListOfReactions():
        prefix = rx.getId().split("_", 1)[0]
        if prefix not in _REACTION_SBO:
            raise ModelFileError(f"reaction {rx.getId()!r}: no SBO term for prefix {prefix!r}")
        rx.setSBOTerm(_REACTION_SBO[prefix])
        # participants: reactant, product, modifier (what the rate law reads besides them)
        for ref in rx.getListOfReactants():
            ref.setSBOTerm(10)
        for ref in rx.getListOfProducts():
            ref.setSBOTerm(11)
        for ref in rx.getListOfModifiers():
            ref.setSBOTerm(19)

    by_id = {r["id"]: r for r in rows}
    inhibitory = {k for d in tables.drugs.values() for k in d.constants.values()}
    for p in model.getListOfParameters():
        row = by_id.get(p.getId())
        unit = row["unit"] if row else p.getUnits()
        p.setSBOTerm(_parameter_sbo(p.getId(), unit, inhibitory))
        if row:
            p.setName(row["description"])

    return libsbml.writeSBMLToString(doc)
