"""OMEX metadata of an exported archive: an RDF file (``metadata.rdf``) after the OMEX
Metadata Specification 1.2 (Gennari et al., J Integr Bioinform 2021), what BioModels
and BioSimulations read (docs/biomodels.md).

About the archive: title, abstract, description, creators, created and modified dates,
licence. About each SBML model in it (``<file>#jakstat``, the model's metaid): the
network's source (``bqmodel:isDerivedFrom`` Figure 1 of Kashyap et al., Cancers 2025,
doi:10.3390/cancers17040568), the data the parameters were calibrated on
(``dc:references``: the four PEtab datasets' papers and the pharmacology sources),
taxon (NCBI 9606), the disease (``bqbiol:hasProperty``) and the biological process
(``bqbiol:isVersionOf``, GO). Every other file gets a description.

libCombine writes the archive's description and dates (in the shape COMBINE tools
read), rdflib every other statement; the document is parsed back with rdflib and checked
for every annotation above before it goes into the archive (:func:`check_metadata`).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from importlib import metadata as package_metadata
from urllib.parse import quote

from ..build.annotate import FIGURE_DOI, MODEL_DISEASES, MODEL_ID, MODEL_PROCESSES, MODEL_TAXON
from ..calibration.datasets import ALL_DATASETS, data_folder
from ..errors import ExportError
from ..optional import require

OMEX_METADATA_FORMAT = "http://identifiers.org/combine.specifications/omex-metadata"
OMEX_LIBRARY = "http://omex-library.org/"
MODEL_CREATED = "2026-11-26T16:01:12Z"  # the first commit of models/ (when the model was created)
LICENCE = "https://identifiers.org/spdx:CC-BY-4.0"  # the model's licence (LICENSE: models/ are CC BY 4.0)
DEFAULT_CREATOR = "jakstat-sbml developers"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
BQMODEL = "http://biomodels.net/model-qualifiers/"
BQBIOL = "http://biomodels.net/biology-qualifiers/"

DOI = re.compile(r"10\.\d{4,9}/[^\s;,)'`|\]]+")


def archive_uri(archive: str) -> str:
    """The archive's URI: its file name percent-encoded ("il6 run.omex" gave a URI with a
    space, which rdflib could not write as N-Triples or Turtle; "#" began a fragment)."""
    return OMEX_LIBRARY + quote(archive, safe="")


def identifiers(curie: str) -> str:
    return f"https://identifiers.org/{curie}"


def creators() -> list[str]:
    """The package's authors (pyproject.toml), who encoded the model."""
    try:
        names = package_metadata.metadata("jakstat-sbml").get_all("Author") or []
    except package_metadata.PackageNotFoundError:
        names = []
    return [n for n in names if n.strip()] or [DEFAULT_CREATOR]


def data_sources() -> dict[str, str]:
    """URI -> what it is, for the data the model's numbers come from: the papers of the
    published datasets the contexts are calibrated on (data/petab/SOURCE.md) and the
    sources of the measured drug potencies and protein binding the drug layer is fitted to
    (data/pharmacology: DOIs, and the ChEMBL documents of the modelled rows)."""
    out: dict[str, str] = {}
    source_md = (data_folder() / "SOURCE.md").read_text(encoding="utf-8")
    for name in ALL_DATASETS:
        row = next((line for line in source_md.splitlines() if line.startswith(f"| `{name}/`")), "")
        found = DOI.search(row)
        if not found:
            raise ExportError(f"data/petab/SOURCE.md names no DOI for the dataset {name}")
        out[identifiers(f"doi:{found.group(0).rstrip('.')}")] = f"published data: {name} (calibration)"
    from ..potency.measurements import data_dir

    folder = data_dir()
    with (folder / "cellular_ic50.tsv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["role"] in ("fit", "test")]
    with (folder / "protein_binding.tsv").open(encoding="utf-8", newline="") as fh:
        rows += list(csv.DictReader(fh, delimiter="\t"))
    for r in rows:
        for doi in DOI.findall(r.get("source", "")):
            out.setdefault(identifiers(f"doi:{doi.rstrip('.')}"), "measured drug potency or protein binding")
        for chembl in re.findall(r"CHEMBL\d+", r.get("source_id", "")):
            out.setdefault(f"https://www.ebi.ac.uk/chembl/document_report_card/{chembl}/",
                           "measured drug potency (ChEMBL document)")
    return out


def metadata_rdf(archive: str, *, title: str, abstract: str, description: str, models: list[str],
                 files: dict[str, str], created: str = MODEL_CREATED, modified: str | None = None) -> str:
    """RDF/XML of the archive ``archive`` (its file name): archive-level annotations, the
    model-level ones of each SBML file in ``models``, and a description per file in ``files``.

    Two libraries write it: libCombine the archive's description and dates, in the shape
    COMBINE tools read (libCombine's ``getMetadataForLocation``), rdflib every other
    statement; their RDF/XML descriptions are joined in one document."""
    libcombine = require("libcombine", "OMEX metadata")
    rdflib = require("rdflib", "OMEX metadata")
    from rdflib import BNode, Literal, Namespace, URIRef

    root_uri = archive_uri(archive)
    modified = modified or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    about = libcombine.OmexDescription()
    about.setAbout(root_uri)
    about.setDescription(description)
    about.setCreated(libcombine.Date(created))
    about.addModification(libcombine.Date(modified))

    dc, foaf, bqmodel, bqbiol = Namespace(DC), Namespace(FOAF), Namespace(BQMODEL), Namespace(BQBIOL)
    g = rdflib.Graph()
    for prefix, ns in (("dcterms", dc), ("foaf", foaf), ("bqmodel", bqmodel), ("bqbiol", bqbiol)):
        g.bind(prefix, ns, override=True, replace=True)
    root = URIRef(root_uri)
    g.add((root, dc.title, Literal(title)))
    g.add((root, dc.abstract, Literal(abstract)))
    for name in creators():
        person = BNode()
        g.add((root, dc.creator, person))
        g.add((person, foaf.name, Literal(name)))
    g.add((root, dc.license, URIRef(LICENCE)))

    sources = data_sources()
    for name in models:
        model = URIRef(f"{root_uri}/{quote(name)}#{MODEL_ID}")
        g.add((model, bqmodel.isDerivedFrom, URIRef(identifiers(f"doi:{FIGURE_DOI}"))))
        for uri in sources:
            g.add((model, dc.references, URIRef(uri)))
        g.add((model, bqbiol.hasTaxon, URIRef(identifiers(MODEL_TAXON))))
        for curie in MODEL_DISEASES:
            g.add((model, bqbiol.hasProperty, URIRef(identifiers(curie))))
        for curie in MODEL_PROCESSES:
            g.add((model, bqbiol.isVersionOf, URIRef(identifiers(curie))))
    for name, text in files.items():
        g.add((URIRef(f"{root_uri}/{quote(name)}"), dc.description, Literal(text)))
    return _join(about.toXML(), g.serialize(format="pretty-xml"))


def _join(*documents: str) -> str:
    """One RDF/XML document with the rdf:Description elements of ``documents``."""
    from xml.etree import ElementTree

    prefixes = {"rdf": RDF, "dcterms": DC, "foaf": FOAF, "bqmodel": BQMODEL, "bqbiol": BQBIOL,
                "vCard": "http://www.w3.org/2006/vcard/ns#"}
    for prefix, uri in prefixes.items():
        ElementTree.register_namespace(prefix, uri)
    roots = [ElementTree.fromstring(d.encode("utf-8")) for d in documents]
    for other in roots[1:]:
        roots[0].extend(list(other))
    ElementTree.indent(roots[0])
    return ElementTree.tostring(roots[0], encoding="unicode", xml_declaration=True)


def check_metadata(text: str, archive: str, models: list[str]) -> list[str]:
    """What ``text`` lacks of the annotations :func:`metadata_rdf` promises (empty: all there)."""
    rdflib = require("rdflib", "OMEX metadata")
    from rdflib import URIRef

    g = rdflib.Graph()
    try:
        g.parse(data=text, format="xml")
    except Exception as exc:  # rdflib raises the XML parser's own errors
        return [f"not RDF/XML: {exc}"]
    root = URIRef(archive_uri(archive))
    problems = []

    def objects(subject, predicate):
        return set(g.objects(subject, URIRef(predicate)))

    for what in ("title", "abstract", "description", "license"):
        if not objects(root, DC + what):
            problems.append(f"the archive has no dc:{what}")
    if not any(objects(c, FOAF + "name") for c in objects(root, DC + "creator")):
        problems.append("the archive has no creator with a name")
    for what in ("created", "modified"):
        if not any(objects(d, DC + "W3CDTF") for d in objects(root, DC + what)):
            problems.append(f"the archive has no dc:{what} date")
    for name in models:
        model = URIRef(f"{archive_uri(archive)}/{quote(name)}#{MODEL_ID}")
        expected = {BQMODEL + "isDerivedFrom": identifiers(f"doi:{FIGURE_DOI}"),
                    BQBIOL + "hasTaxon": identifiers(MODEL_TAXON)}
        expected |= {BQBIOL + "hasProperty": identifiers(c) for c in MODEL_DISEASES[:1]}
        expected |= {BQBIOL + "isVersionOf": identifiers(c) for c in MODEL_PROCESSES[:1]}
        for predicate, uri in expected.items():
            if URIRef(uri) not in objects(model, predicate):
                problems.append(f"{name}: no {predicate.rsplit('/', 1)[1]} {uri}")
        if not objects(model, DC + "references"):
            problems.append(f"{name}: no data sources (dc:references)")
    return problems


__all__ = ["OMEX_METADATA_FORMAT", "check_metadata", "creators", "data_sources", "metadata_rdf"]
