"""SBGN-ML of the pathway map: an SBGN Activity Flow diagram (docs/sbgn.md).

It is the map of ``jakstat explore``, node for node and edge for edge, at the same
positions: :func:`jakstat_sbml.explore.pathway_graph` reads it from the SBML and the
catalog. Each node is a *biological activity* glyph (a gene's activity, a STAT dimer,
a target mRNA, a drug) whose unit of information names the entity it belongs to
(macromolecule, complex, nucleic acid feature, simple chemical) and what it does
(ligand, receptor, kinase, TF, ...); each edge is an influence (positive, negative,
necessary stimulation); the three compartments are compartment glyphs. Glyphs carry
their identifiers (HGNC, UniProt, ChEBI, ChEMBL) as an RDF annotation and the SBML species
they stand for in their notes.

Why Activity Flow and not Process Description: a PD map draws every species and every
reaction (nearly 200 entity pools and 350 processes here) with their consumption, production
and modulation arcs (:func:`process_description_size`); the receptor module alone is
over a hundred complexes. That diagram exists (it is the SBML itself, and the SBML's
layout draws its map), but no reader follows it; the activity view is what the map is.

The file is checked before it is written: the SBGN-ML 0.3 schema, the rules of the
specification the schema cannot express, and libsbgn's schematron rules for Activity
Flow, all through libsbgnpy; a broken rule is an :class:`ExportError`.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from .. import catalog
from ..version import __version__
from ..errors import ExportError
from ..explore.graph import PathwayGraph, pathway_graph
from ..model import Model
from ..optional import require

MAP_ID = "jakstat_activity_flow"
UNIT_H = 14.0  # px: height of a unit of information, centred on its glyph's top edge

# what a node's activity is, by its role on the map (the label of its unit of information)
ACTIVITY = {"ligand": "ligand", "chain": "receptor", "jak": "kinase", "stat": "TF", "dimer": "TF",
            "nuclear": "TF", "target": "mRNA", "drug": "drug"}
BRAKE_ACTIVITY = {"feedback": "inhibitor", "ptps": "phosphatase", "pias": "inhibitor"}

IDENTIFIERS = {"HGNC": "hgnc.symbol", "UniProt": "uniprot", "ChEBI": None, "ChEMBL": "chembl.compound"}  # identifiers.org prefixes


def activity_label(node) -> str:
    if node.role in ("brake", "nuclear_brake"):
        return BRAKE_ACTIVITY.get(catalog.GENES[node.id].module, "inhibitor")
    return ACTIVITY[node.role]


def process_description_size(sbml: str | Path | None = None) -> dict[str, int]:
    """What a Process Description map of the whole SBML would have to draw."""
    import libsbml

    doc = libsbml.readSBMLFromFile(str(sbml or catalog.bundled_sbml_path()))
    m = doc.getModel()
    arcs = sum(r.getNumReactants() + r.getNumProducts() + r.getNumModifiers() for r in m.getListOfReactions())
    return {"entity pools": m.getNumSpecies(), "processes": m.getNumReactions(), "arcs": arcs}


def _uri(db: str, value: str) -> str | None:
    if db == "ChEBI":
        return f"https://identifiers.org/{value.upper()}"  # CHEBI:xxxx carries its prefix
    prefix = IDENTIFIERS.get(db)
    return f"https://identifiers.org/{prefix}:{value}" if prefix else None


def _annotation(glyph_id: str, node) -> str:
    """RDF of the glyph's identifiers (bqbiol:is), as SBGN-ML keeps annotations."""
    uris = [u for u in (_uri(db, v) for db, v in node.identifiers) if u]
    items = "".join(f'<rdf:li rdf:resource="{escape(u)}"/>' for u in uris)
    qualifier = "hasPart" if node.kind == "dimer" else "is"
    if node.kind == "dimer":
        items = "".join(f'<rdf:li rdf:resource="https://identifiers.org/hgnc.symbol:{g}"/>' for g in node.genes)
    return ('<annotation xmlns="http://sbgn.org/libsbgn/0.3"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:bqbiol="http://biomodels.net/biology-qualifiers/">'
            f'<rdf:Description rdf:about="#{glyph_id}"><bqbiol:{qualifier}><rdf:Bag>{items}</rdf:Bag>'
            f'</bqbiol:{qualifier}></rdf:Description></rdf:RDF></annotation>')


def _notes(text: str) -> str:
    return f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p></body>'


def glyph_id(node_id: str) -> str:
    return f"g_{node_id}"


def sbgn_document(graph: PathwayGraph):
    """The libsbgnpy document of the map."""
    sbgn = require("libsbgnpy", "SBGN export")

    notes_of = sbgn.Sbgnbase.Notes
    ext_of = sbgn.Sbgnbase.Extension
    width, height = graph.extent()
    size = process_description_size(graph.sbml)
    doc_map = sbgn.Map(
        id=MAP_ID, language=sbgn.MapLanguage.ACTIVITY_FLOW,
        version=sbgn.MapVersion.HTTP_IDENTIFIERS_ORG_COMBINE_SPECIFICATIONS_SBGN_AF_LEVEL_1_VERSION_1_2,
        bbox=sbgn.Bbox(x=0.0, y=0.0, w=width, h=height),
        notes=notes_of(w3_org_1999_xhtml_element=[_notes(
            f"JAK/STAT signalling (jakstat-sbml {__version__}): the pathway map of `jakstat explore` as an SBGN "
            "Activity Flow diagram, read from the model's SBML and the catalog. Activity Flow, not Process "
            f"Description: a PD map would draw {size['entity pools']} entity pools, {size['processes']} processes "
            f"and {size['arcs']} arcs, which no reader follows; here each node is the activity of a gene, a STAT "
            "dimer, an mRNA or a drug, and each arc an influence. The SBML file carries the full reactions.")]))

    for name in ("extracellular", "cytoplasm", "nucleus"):
        x, y, w, h = graph.band_box(name)
        doc_map.glyph.append(sbgn.Glyph(id=f"c_{name}", class_value=sbgn.GlyphClass.COMPARTMENT,
                                        label=sbgn.Label(text=name), bbox=sbgn.Bbox(x=x, y=y, w=w, h=h)))

    entities = {"macromolecule": sbgn.EntityName.MACROMOLECULE, "complex": sbgn.EntityName.COMPLEX,
                "nucleic acid feature": sbgn.EntityName.NUCLEIC_ACID_FEATURE,
                "simple chemical": sbgn.EntityName.SIMPLE_CHEMICAL}
    for node in graph.nodes:
        gid = glyph_id(node.id)
        x, y, w, h = graph.box(node)
        label = activity_label(node)
        unit = sbgn.Glyph(id=f"{gid}_unit", class_value=sbgn.GlyphClass.UNIT_OF_INFORMATION,
                          label=sbgn.Label(text=label), entity=sbgn.Glyph.Entity(name=entities[node.glyph]),
                          bbox=sbgn.Bbox(x=x + 4.0, y=y - UNIT_H / 2, w=8.0 + 6.0 * len(label), h=UNIT_H))
        species = ", ".join(s for s, _ in node.species) or node.sbml_species
        doc_map.glyph.append(sbgn.Glyph(
            id=gid, class_value=sbgn.GlyphClass.BIOLOGICAL_ACTIVITY, compartment_ref=f"c_{node.band}",
            label=sbgn.Label(text=node.label), bbox=sbgn.Bbox(x=x, y=y, w=w, h=h), glyph=[unit],
            notes=notes_of(w3_org_1999_xhtml_element=[_notes(
                f"{node.description}. Activity: {node.measure}; SBML species: {species}.")]),
            extension=ext_of(any_element=[_annotation(gid, node)])))

    classes = {"positive influence": sbgn.ArcClass.POSITIVE_INFLUENCE,
               "negative influence": sbgn.ArcClass.NEGATIVE_INFLUENCE,
               "necessary stimulation": sbgn.ArcClass.NECESSARY_STIMULATION}
    for i, edge in enumerate(graph.edges):
        (x0, y0), (x1, y1) = graph.arc_ends(edge)
        reactions = ", ".join(edge.reactions) if edge.reactions != ("catalog",) else "the drug's catalog targets"
        doc_map.arc.append(sbgn.Arc(
            id=f"a{i}", class_value=classes[edge.arc], source=glyph_id(edge.source), target=glyph_id(edge.target),
            start=sbgn.Arc.Start(x=x0, y=y0), end=sbgn.Arc.End(x=x1, y=y1),
            notes=notes_of(w3_org_1999_xhtml_element=[_notes(f"{edge.kind}; SBML reactions: {reactions}")])))
    return sbgn.Sbgn(map=[doc_map])


def check_sbgn(path: Path) -> list[str]:
    """Every broken rule of ``path``: SBGN-ML schema and specification (libsbgnpy.validate),
    then libsbgn's schematron rules of the map's language."""
    sbgn = require("libsbgnpy", "SBGN export")

    problems = list(sbgn.validate(path))
    problems += [f"{i.rule_id} {i.element_id}: {i.message}" for i in sbgn.validate_schematron(path)]
    return problems


def write_sbgn(model: Model, path: Path) -> None:
    """Write the map of ``model``'s SBML as SBGN-ML (Activity Flow) and check it."""
    sbgn = require("libsbgnpy", "SBGN export")

    graph = pathway_graph(model.path)
    path.write_text(sbgn.write_sbgn_to_string(sbgn_document(graph)), encoding="utf-8")
    problems = check_sbgn(path)
    if problems:
        raise ExportError(f"libsbgnpy rejects the SBGN-ML it built ({len(problems)} problems): {problems[0]}")


__all__ = ["check_sbgn", "process_description_size", "sbgn_document", "write_sbgn"]
