"""An archive ready for BioModels (issue 27): SBO terms on every element, OMEX metadata read
back by libOmexMeta (pyomexmeta) and libCombine, the SED-ML's figures and the map inside,
and bad input refused in one line."""

import zipfile
from collections import Counter

import libsbml
import pytest
from typer.testing import CliRunner

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.build.annotate import FIGURE_DOI
from jakstat_sbml.cli import app
from jakstat_sbml.interop.metadata import OMEX_LIBRARY, check_metadata, data_sources
from jakstat_sbml.interop.omex import METADATA_FILE, SBGN_FILE
from jakstat_sbml.interop.sbgn import check_sbgn

runner = CliRunner()
ARCHIVE = "jakstat.omex"
MODELS = ["condition.xml", "genotype.xml", "SOCS3_knockout.xml"]


@pytest.fixture(scope="module")
def omex(ctcl, tmp_path_factory):
    folder = tmp_path_factory.mktemp("omex")
    path = js.export(ctcl, folder / ARCHIVE, format="omex", cytokines={"IL6": "40 ng/mL"},
                     drugs={"ruxolitinib": 100}, t_end=60, points=7)
    with zipfile.ZipFile(path) as z:
        z.extractall(folder / "unpacked")
    return path, folder / "unpacked"


# ----------------------------------------------------------------------------- SBO terms


def sbo_census(text: str) -> dict[str, Counter]:
    """Per element kind: how many carry a specific SBO term, none, or only the root of the
    parameter branch (SBO:0000002, which says nothing)."""
    doc = libsbml.readSBMLFromString(text)
    m = doc.getModel()
    kinds = {"species": m.getListOfSpecies(), "reactions": m.getListOfReactions(),
             "parameters": m.getListOfParameters(),
             "participants": [r for rx in m.getListOfReactions()
                              for r in [*rx.getListOfReactants(), *rx.getListOfProducts(),
                                        *rx.getListOfModifiers()]]}
    out = {}
    for kind, elements in kinds.items():
        counts = Counter()
        for e in elements:
            counts["missing" if not e.isSetSBOTerm() else "root" if e.getSBOTerm() == 2 else "specific"] += 1
        out[kind] = counts
    out["model"] = Counter({m.getSBOTermID(): 1})
    return out


def test_every_species_reaction_and_parameter_carries_an_sbo_term(omex):
    _, unpacked = omex
    texts = {"models/jakstat.xml": catalog.bundled_sbml_path().read_text(encoding="utf-8")}
    texts |= {name: (unpacked / name).read_text(encoding="utf-8") for name in MODELS}
    for name, text in texts.items():
        census = sbo_census(text)
        print(name, {k: dict(v) for k, v in census.items()})
        # issue 23 added eleven drugs: nine ATP-competitive (a species each, their dose, constants,
        # cellular factor, Ki and Kcell rules per target, two assay ATPs), ritlecitinib (plus its
        # JAK3 adduct, formed and turned over) and deucravacitinib
        assert census["species"] == Counter(specific=195), name
        assert census["reactions"] == Counter(specific=347), name
        assert census["parameters"] == Counter(specific=429), name
        assert set(census["participants"]) == {"specific"}, name
        assert census["model"] == Counter({"SBO:0000293": 1}), name


def test_the_build_refuses_a_parameter_no_sbo_rule_covers():
    from jakstat_sbml.build.annotate import _parameter_sbo
    from jakstat_sbml.errors import ModelFileError

    assert _parameter_sbo("occupancy_JAK1", "dimensionless") == 662
    assert _parameter_sbo("STAT5B_N642H", "dimensionless") == 540  # a mutant fraction
    with pytest.raises(ModelFileError, match="no SBO term rule"):
        _parameter_sbo("V_new", "per_second")


# ----------------------------------------------------------------------------- OMEX metadata


def test_the_omex_metadata_validates_and_names_the_seed_publication(omex):
    import libcombine
    from pyomexmeta import RDF

    path, unpacked = omex
    text = (unpacked / METADATA_FILE).read_text(encoding="utf-8")
    assert check_metadata(text, ARCHIVE, MODELS) == []

    # libOmexMeta (Redland's RDF/XML parser) reads it and answers SPARQL
    rdf = RDF.from_string(text, syntax="rdfxml")

    def query(sparql: str) -> list[str]:
        return [str(v) for values in rdf.query_results_as_dict(sparql).values() for v in values]

    seed = f"https://identifiers.org/doi:{FIGURE_DOI}"
    derived = query("SELECT ?m WHERE { ?m <http://biomodels.net/model-qualifiers/isDerivedFrom> "
                    f"<{seed}> }}")
    assert sorted(derived) == sorted(f"{OMEX_LIBRARY}{ARCHIVE}/{m}#jakstat" for m in MODELS)
    taxa = query("SELECT ?t WHERE { ?m <http://biomodels.net/biology-qualifiers/hasTaxon> ?t }")
    assert set(taxa) == {"https://identifiers.org/taxonomy:9606"}
    assert "https://identifiers.org/DOID:0060061" in query(
        "SELECT ?d WHERE { ?m <http://biomodels.net/biology-qualifiers/hasProperty> ?d }")
    assert "https://identifiers.org/GO:0007259" in query(
        "SELECT ?g WHERE { ?m <http://biomodels.net/biology-qualifiers/isVersionOf> ?g }")
    references = set(query("SELECT ?r WHERE { ?m <http://purl.org/dc/terms/references> ?r }"))
    assert set(data_sources()) == references
    # the four calibration datasets' papers (data/petab/SOURCE.md) among them
    assert {f"https://identifiers.org/doi:{d}" for d in ("10.3389/fphys.2017.00775", "10.1038/msb.2011.50",
                                                         "10.1158/0008-5472.CAN-10-2987",
                                                         "10.1021/pr5006923")} <= references
    archive_uri = f"{OMEX_LIBRARY}{ARCHIVE}"
    assert query(f"SELECT ?l WHERE {{ <{archive_uri}> <http://purl.org/dc/terms/license> ?l }}") == [
        "https://identifiers.org/spdx:CC-BY-4.0"]
    assert query(f"SELECT ?n WHERE {{ <{archive_uri}> <http://purl.org/dc/terms/creator> ?c . "
                 "?c <http://xmlns.com/foaf/0.1/name> ?n }") == ["jakstat-sbml developers"]
    dates = query(f"SELECT ?d WHERE {{ <{archive_uri}> <http://purl.org/dc/terms/created> ?c . "
                  "?c <http://purl.org/dc/terms/W3CDTF> ?d }")
    assert dates == ["2026-11-26T16:01:12Z"]

    # libCombine reads the archive's description, creator and dates from it
    archive = libcombine.CombineArchive()
    assert archive.initializeFromArchive(str(path))
    try:
        about = archive.getMetadataForLocation(archive_uri)
        assert "ruxolitinib" in about.getDescription()
        assert about.getCreated().getDateAsString() == "2026-11-26T16:01:12Z"
        assert about.getModified(0).getDateAsString() > "2026-11-26T16:01:12Z"
        assert archive.getMasterFile().getLocation() == "experiments.sedml"
    finally:
        archive.cleanUp()


def test_the_checks_catch_incomplete_metadata(omex):
    _, unpacked = omex
    text = (unpacked / METADATA_FILE).read_text(encoding="utf-8")
    assert check_metadata(text.replace("taxonomy:9606", "taxonomy:10090"), ARCHIVE, MODELS)[0].endswith(
        "no hasTaxon https://identifiers.org/taxonomy:9606")
    assert "no dc:license" in " ".join(check_metadata(text.replace("dcterms:license", "dcterms:rights"), ARCHIVE, MODELS))
    assert check_metadata("<rdf:RDF", ARCHIVE, MODELS)[0].startswith("not RDF/XML")


def test_the_archive_holds_the_experiments_figures_and_the_map(ctcl, omex):
    import libsedml

    path, unpacked = omex
    sedml = libsedml.readSedMLFromFile(str(unpacked / "experiments.sedml"))
    plots = {sedml.getOutput(i).getId() for i in range(sedml.getNumOutputs())
             if sedml.getOutput(i).getTypeCode() == libsedml.SEDML_OUTPUT_PLOT2D}
    figures = {p.stem for p in (unpacked / "figures").glob("*.png")}
    assert plots == {f"plot_{f}" for f in figures}  # one figure per SED-ML plot
    absent = js.absent_pathways(ctcl)
    assert {"GMCSF", "EPO"} <= set(absent) and not figures & set(absent)  # no flat experiments
    assert {"IL6", "IL2", "condition", "SOCS3_knockout_IL6", "ruxolitinib_series_IL6"} <= figures
    assert all((unpacked / "figures" / f"{f}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in figures)
    assert check_sbgn(unpacked / SBGN_FILE) == []
    assert (unpacked / "map.png").stat().st_size > 50_000
    manifest = (unpacked / "manifest.xml").read_text(encoding="utf-8")
    assert 'location="jakstat.sbgn" format="http://identifiers.org/combine.specifications/sbgn' in manifest
    assert 'location="metadata.rdf" format="http://identifiers.org/combine.specifications/omex-metadata"' in manifest
    doc = libsbml.readSBMLFromFile(str(unpacked / "genotype.xml"))
    assert doc.getModel().getPlugin("layout").getNumLayouts() == 1  # each model carries the map


def test_every_model_of_the_archive_passes_the_unit_checks(omex):
    """docs/biomodels.md promises "libsbml reports no unit warning"; the archived models (not
    the plain SBML export) gave 11 each (99505: the unitless 1 and 2 of the cytokine's time
    gate)."""
    _, unpacked = omex
    for name in MODELS:
        doc = libsbml.readSBMLFromFile(str(unpacked / name))
        doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
        doc.checkConsistency()
        said = [doc.getError(i).getErrorId() for i in range(doc.getNumErrors())]
        assert said == [], (name, said)


# ----------------------------------------------------------------------------- bad input


def test_a_cytokine_the_context_cannot_signal_through_is_refused(ctcl, tmp_path):
    for fmt, name in (("sbml", "gm.xml"), ("copasi", "gm.cps"), ("omex", "gm.omex")):
        with pytest.raises(js.InputError, match="GMCSF does not drive pSTAT5 in context 'ctcl'"):
            js.export(ctcl, tmp_path / name, format=fmt, cytokines={"GMCSF": 1})
    assert list(tmp_path.iterdir()) == []
    monocyte = js.load_model(context="monocyte")  # has the GM-CSF receptor
    assert js.export(monocyte, tmp_path / "gm.xml", cytokines={"GMCSF": 1}).exists()


@pytest.mark.parametrize("args,message", [
    (["export", "sbml", "{tmp}/gm.xml", "-c", "GMCSF=1"], "GMCSF does not drive pSTAT5 in context 'ctcl'"),
    (["export", "omex", "{tmp}/epo.omex", "-c", "EPO=1"], "EPO does not drive pSTAT5 in context 'ctcl'"),
    (["export", "sbgn", "{tmp}/a_file/map.sbgn"], "cannot write to {tmp}/a_file/map.sbgn: {tmp}/a_file is a file"),
    (["export", "omex", "{tmp}/a_file/x.omex"], "cannot write to {tmp}/a_file/x.omex: {tmp}/a_file is a file"),
    (["export", "sbgn", "{tmp}/map.xml"], "the sbgn export needs a path ending in .sbgn"),
])
def test_bad_export_input_is_one_line_and_exit_2(tmp_path, args, message):
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output
    assert message.format(tmp=tmp_path) in " ".join(result.output.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_an_archive_name_with_a_space_or_hash_gives_valid_uris():
    """ "il6 run.omex" was put into the metadata's URIs as typed: rdflib called them not
    valid and could not write the graph as N-Triples; "#1" began a second fragment. The
    names are percent-encoded now, and the archive's own check reads them back."""
    import rdflib

    from jakstat_sbml.interop.metadata import metadata_rdf

    for archive in ("il6 run.omex", "my run#1.omex"):
        text = metadata_rdf(archive, title="t", abstract="a", description="d", models=["condition.xml"],
                            files={"condition.xml": "the condition"})
        assert check_metadata(text, archive, ["condition.xml"]) == []
        graph = rdflib.Graph().parse(data=text, format="xml")
        subjects = {str(s) for s in graph.subjects()}
        assert all(" " not in s and s.count("#") <= 1 for s in subjects if s.startswith(OMEX_LIBRARY))
        assert graph.serialize(format="nt")  # raised on the space


def test_the_archive_abstract_names_every_drug_as_the_catalog_has_it():
    # it once named three of the fourteen and called pimozide a JAK inhibitor
    from jakstat_sbml.interop.omex import _drugs_text

    text = _drugs_text()
    assert text.startswith(f"{len(catalog.drugs())} drugs: the JAK inhibitors ")
    assert all(d in text for d in catalog.drugs())
    assert "pimozide (acting on STAT" in text and "inhibitors ruxolitinib" in text
