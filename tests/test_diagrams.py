"""The pathway map for other tools (issue 27): SBGN-ML (Activity Flow) checked by libsbgnpy,
and the SBML layout and render of every exported SBML file, read back by libsbml and
carried through COPASI without loss."""

from dataclasses import replace

import libsbml
import pytest
from typer.testing import CliRunner

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.cli import app
from jakstat_sbml.explore import pathway_graph
from jakstat_sbml.interop.layout import LAYOUT_ID
from jakstat_sbml.interop.sbgn import check_sbgn, glyph_id, process_description_size, sbgn_document

runner = CliRunner()


@pytest.fixture(scope="module")
def graph():
    return pathway_graph()


@pytest.fixture(scope="module")
def sbgn_file(ctcl, tmp_path_factory):
    return js.export(ctcl, tmp_path_factory.mktemp("sbgn") / "jakstat.sbgn", format="sbgn")


@pytest.fixture(scope="module")
def sbml_file(ctcl, tmp_path_factory):
    return js.export(ctcl, tmp_path_factory.mktemp("sbml") / "il6.xml", cytokines={"IL6": "40 ng/mL"})


# ----------------------------------------------------------------------------- SBGN-ML


def test_the_sbgn_map_validates_and_has_a_glyph_for_every_gene(sbgn_file, graph):
    import libsbgnpy

    assert check_sbgn(sbgn_file) == []  # schema, specification rules, Activity Flow schematron
    (sbgn_map,) = libsbgnpy.read_sbgn_from_file(sbgn_file).map
    assert sbgn_map.language == libsbgnpy.MapLanguage.ACTIVITY_FLOW
    activities = {g.id: g for g in sbgn_map.glyph if g.class_value == libsbgnpy.GlyphClass.BIOLOGICAL_ACTIVITY}
    labels = {g.label.text for g in activities.values()}
    assert set(catalog.genes()) <= labels
    # the map of `jakstat explore`, node for node at the same positions, edge for edge
    assert len(activities) == len(graph.nodes)
    for node in graph.nodes:
        g = activities[glyph_id(node.id)]
        assert (g.bbox.x, g.bbox.y, g.bbox.w, g.bbox.h) == pytest.approx(graph.box(node))
        assert g.compartment_ref == f"c_{node.band}"
        (unit,) = g.glyph
        assert unit.class_value == libsbgnpy.GlyphClass.UNIT_OF_INFORMATION and unit.entity.name.value == node.glyph
    arcs = {(a.source, a.target, a.class_value.value) for a in sbgn_map.arc}
    assert arcs == {(glyph_id(e.source), glyph_id(e.target), e.arc) for e in graph.edges}
    assert ("g_JAK1", "g_STAT3", "positive influence") in arcs and ("g_SOCS3", "g_JAK1", "negative influence") in arcs
    text = sbgn_file.read_text(encoding="utf-8")
    assert "https://identifiers.org/uniprot:P40763" in text  # STAT3's identifiers ride along as annotation


def test_the_checks_catch_a_map_that_breaks_the_rules(graph, tmp_path):
    import libsbgnpy

    doc = sbgn_document(graph)
    (sbgn_map,) = doc.map
    sbgn_map.arc[0] = replace(sbgn_map.arc[0], class_value=libsbgnpy.ArcClass.PRODUCTION)  # a PD arc
    sbgn_map.glyph[5] = replace(sbgn_map.glyph[5], compartment_ref=None)
    path = tmp_path / "broken.sbgn"
    path.write_text(libsbgnpy.write_sbgn_to_string(doc), encoding="utf-8")
    problems = " ".join(check_sbgn(path))
    assert "af10103" in problems and "af10114" in problems  # arc class, compartment reference


def test_activity_flow_because_process_description_would_draw_every_reaction(graph):
    size = process_description_size()
    # the reason docs/sbgn.md gives: a PD map draws every species and reaction (195 and 347
    # today, read from the SBML by the page's macros), too many to read
    assert size["entity pools"] > 150 and size["processes"] > 300 and size["arcs"] > 600
    # the Activity Flow map: under half the glyphs, and fewer arcs than PD has processes
    # (each drug draws one arc per JAK it inhibits, so the panel brought it to 180 of 347)
    assert len(graph.nodes) < size["entity pools"] / 2 and len(graph.edges) < size["processes"]


def test_the_sbgn_export_on_the_command_line(tmp_path):
    done = runner.invoke(app, ["export", "sbgn", str(tmp_path / "map.sbgn")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "map.sbgn").read_text(encoding="utf-8").count('class="biological activity"') > 60
    bad = runner.invoke(app, ["export", "sbgn", str(tmp_path / "il6.sbgn"), "-c", "IL6=1"])
    assert bad.exit_code == 2 and "an SBGN map draws the network, not a condition" in bad.output
    assert len([line for line in bad.output.splitlines() if line.strip()]) == 1
    assert not (tmp_path / "il6.sbgn").exists()


# ----------------------------------------------------------------------------- SBML layout and render


def test_the_exported_sbml_draws_every_displayed_species_where_the_map_does(sbml_file, graph):
    doc = libsbml.readSBMLFromFile(str(sbml_file))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert not doc.getPackageRequired("layout") and not doc.getPackageRequired("render")
    model = doc.getModel()
    layout = model.getPlugin("layout").getLayout(LAYOUT_ID)
    glyphs = {g.getId(): g for g in layout.getListOfSpeciesGlyphs()}
    for node in graph.nodes:
        g = glyphs[f"sg_{node.id}"]
        assert model.getSpecies(g.getSpeciesId()) is not None and g.getSpeciesId() == node.sbml_species
        bb = g.getBoundingBox()
        assert (bb.getX(), bb.getY(), bb.getWidth(), bb.getHeight()) == pytest.approx(graph.box(node))
    displayed = {n.sbml_species for n in graph.nodes}
    assert displayed == {g.getSpeciesId() for g in glyphs.values()}
    assert {"STAT3", "JAK1", "IL6", "pSTAT3_pSTAT3_nuc", "SOCS3_mRNA", "ruxolitinib"} <= displayed
    assert {g.getCompartmentId() for g in layout.getListOfCompartmentGlyphs()} == {"extracellular", "cytoplasm",
                                                                                  "nucleus"}
    texts = {t.getGraphicalObjectId(): t.getText() for t in layout.getListOfTextGlyphs()}
    assert all(texts[f"sg_{n.id}"] == n.label for n in graph.nodes)
    # one reaction glyph per edge, from the source (activator/inhibitor) to the target
    reactions = list(layout.getListOfReactionGlyphs())
    assert len(reactions) == len(graph.edges)
    roles = {(r.getSpeciesReferenceGlyph(0).getRoleString(), r.getSpeciesReferenceGlyph(1).getRoleString())
             for r in reactions}
    assert roles == {("activator", "product"), ("inhibitor", "product")}
    assert all(model.getReaction(r.getReactionId()) is not None for r in reactions if r.isSetReactionId())

    # render: every glyph has a style, every arrowhead a line ending
    info = layout.getPlugin("render").getRenderInformation(0)
    drawn = set(glyphs) | {t.getId() for t in layout.getListOfTextGlyphs()} | {
        g.getId() for g in layout.getListOfCompartmentGlyphs()} | {
        r.getSpeciesReferenceGlyph(k).getId() for r in reactions for k in (0, 1)}
    unstyled = [i for i in drawn if not any(s.isInIdList(i) for s in info.getListOfStyles())]
    assert unstyled == []
    heads = {s.getGroup().getEndHead() for s in info.getListOfStyles() if s.getGroup().isSetEndHead()}
    assert heads == {e.getId() for e in info.getListOfLineEndings()} == {
        "positive_influence", "necessary_stimulation", "negative_influence"}


def test_copasi_imports_the_layout_without_loss(ctcl, sbml_file, graph, tmp_path):
    import basico

    def layout_of(dm):
        """COPASI's model and layout, written back to SBML and read by libsbml."""
        doc = libsbml.readSBMLFromString(dm.exportSBMLToString(3, 2))
        return doc, doc.getModel(), doc.getModel().getPlugin("layout").getLayout(0)

    original = libsbml.readSBMLFromFile(str(sbml_file))
    layout = original.getModel().getPlugin("layout").getLayout(LAYOUT_ID)
    boxes = {g.getSpeciesId(): (g.getBoundingBox().getX(), g.getBoundingBox().getY())
             for g in layout.getListOfSpeciesGlyphs()}
    cps = js.export(ctcl, tmp_path / "il6.cps", format="copasi", cytokines={"IL6": "40 ng/mL"})
    for source in (sbml_file, cps):  # the SBML imported, and the .cps the copasi export wrote
        dm = basico.load_model(str(source))
        try:
            assert dm.getListOfLayouts().size() == 1
            doc, model, back = layout_of(dm)
            sbml = ctcl.roadrunner.model
            assert (model.getNumSpecies(), model.getNumReactions()) == (
                sbml.getNumFloatingSpecies() + sbml.getNumBoundarySpecies(), sbml.getNumReactions())
            assert (back.getNumSpeciesGlyphs(), back.getNumReactionGlyphs(), back.getNumTextGlyphs(),
                    back.getNumCompartmentGlyphs()) == (len(graph.nodes), len(graph.edges),
                                                        layout.getNumTextGlyphs(), 3)
            assert {g.getSpeciesId(): (g.getBoundingBox().getX(), g.getBoundingBox().getY())
                    for g in back.getListOfSpeciesGlyphs()} == boxes
            render = back.getPlugin("render")
            assert render.getNumLocalRenderInformationObjects() == 1
            assert render.getRenderInformation(0).getNumLineEndings() == 3
        finally:
            basico.remove_datamodel(dm)


def test_the_map_exports_are_the_same_whatever_the_hash_seed(tmp_path):
    """The map's edges followed the iteration order of a set, so with PYTHONHASHSEED 1 and 2
    arc a85 came from JAK1 in one run and JAK2 in the other and the SBML layout moved: exports
    could not be diffed or checksummed. Two processes with different seeds now write the same
    bytes."""
    import os
    import subprocess
    import sys

    code = ("import sys, jakstat_sbml as js; from pathlib import Path; "
            "from jakstat_sbml.interop.sbgn import write_sbgn; from jakstat_sbml.interop.sbml import condition_sbml; "
            "m = js.load_model(); write_sbgn(m, Path(sys.argv[1]) / 'map.sbgn'); "
            "(Path(sys.argv[1]) / 'model.xml').write_text(condition_sbml(m), encoding='utf-8')")
    written = []
    for seed in ("1", "2"):
        folder = tmp_path / seed
        folder.mkdir()
        subprocess.run([sys.executable, "-c", code, str(folder)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"})
        written.append({name: (folder / name).read_bytes() for name in ("map.sbgn", "model.xml")})
    assert written[0] == written[1]
