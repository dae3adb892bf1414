"""The pathway map (issue 17): read from the model, coloured by results, live in a real browser."""

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import libsbml
import pytest
from typer.testing import CliRunner

from jakstat_sbml import catalog
from jakstat_sbml.cli import app
from jakstat_sbml.errors import InputError, UnknownNameError
from jakstat_sbml.explore import draw_map, explore_data, page_html, pathway_graph, save_map, write_page
from jakstat_sbml.explore.data import grid_condition, node_values
from jakstat_sbml.explore.graph import ROWS, X_STEP
from jakstat_sbml.explore.page import cytoscape_version, sbgn_stylesheet_version

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by `make test` (Makefile)
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def graph():
    return pathway_graph()


@pytest.fixture(scope="module")
def small_data(ctcl):
    """A small grid: two cytokines, every drug, two knockouts (the screen over both cytokines)."""
    return explore_data(ctcl, cytokines=["IL2", "IL6"], knockouts=["SOCS3", "JAK1"])


# ----------------------------------------------------------------------------- the graph


def test_every_gene_of_the_model_is_a_node_with_its_identifiers(graph):
    genes = {n.id: n for n in graph.gene_nodes()}
    assert set(genes) == set(catalog.genes())
    for symbol, node in genes.items():
        ids = dict(node.identifiers)
        assert ids == {"HGNC": symbol, "UniProt": catalog.GENES[symbol].uniprot}
        assert node.species or node.role == "ligand", f"{symbol} has no SBML species"


def test_the_map_reads_like_a_pathway_figure_membrane_on_top_nucleus_below(graph):
    y = {role: min(n.y for n in graph.nodes if n.role == role) for role in {n.role for n in graph.nodes}}
    assert y["ligand"] < y["chain"] < y["jak"] < y["stat"] < y["dimer"] < y["nuclear"] < y["target"]
    roles = {n.id: n.role for n in graph.nodes}
    assert roles["IL6ST"] == "chain" and roles["TYK2"] == "jak" and roles["PIAS3"] == "nuclear_brake"
    assert roles["PTPN2"] == "nuclear_brake"  # TC-PTP's species sits in the nucleus of the SBML
    assert roles["pSTAT3_pSTAT3_nuc"] == "nuclear" and roles["pSTAT1_pSTAT2_IRF9"] == "dimer"
    assert {n.id for n in graph.nodes if n.kind == "drug"} == set(catalog.drugs())
    for row in {n.row for n in graph.nodes}:  # no two nodes of a row overlap
        xs = sorted(n.x for n in graph.nodes if n.row == row)
        assert all(b - a >= X_STEP - 0.2 for a, b in zip(xs, xs[1:])), row


def _edges(graph, kind):
    return {(e.source, e.target) for e in graph.edges if e.kind == kind}


def test_the_map_reads_the_same_edges_after_an_omex_export_library_is_loaded():
    """A CI run once drew the map without a single phosphorylation edge: libsedml, loaded
    after libsbml (an OMEX export earlier in the same worker), changes what
    libsbml's ASTNode.getType() returns, so a comparison with libsbml.AST_NAME failed
    for every symbol. Run in a fresh interpreter so the import order is the point."""
    script = ("import libsbml, libsedml  # libsedml after libsbml: the order that broke it\n"
              "from jakstat_sbml.explore import pathway_graph\n"
              "print(sum(e.kind == 'phosphorylation' for e in pathway_graph().edges))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(out.stdout.split()[-1]) == sum(e.kind == "phosphorylation" for e in pathway_graph().edges) > 0


def test_edges_follow_the_reactions_of_the_model(graph):
    binding = _edges(graph, "binding")
    assert {("IL6", "IL6R"), ("IL6", "IL6ST"), ("JAK1", "IL6ST"), ("IL12A", "IL12RB2"),
            ("JAK3", "IL2RG")} <= binding
    assert ("IL6", "IL2RG") not in binding and ("JAK3", "IL6ST") not in binding
    # each cytokine's main readout is phosphorylated by a JAK of its receptor, named with the cytokine
    for c in catalog.CYTOKINES.values():
        stats = [g for g in catalog.genes() if g.startswith(c.main_readout[1:])]
        hits = [e for e in graph.edges if e.kind == "phosphorylation" and e.target in stats and c.name in e.cytokines]
        assert hits and {e.source for e in hits} <= set(c.jaks), c.name
    assert ("STAT3", "pSTAT3_pSTAT3") in _edges(graph, "dimerisation")
    assert ("pSTAT3_pSTAT3", "pSTAT3_pSTAT3_nuc") in _edges(graph, "import")
    assert ("pSTAT3_pSTAT3_nuc", "SOCS3_mRNA") in _edges(graph, "transcription")
    assert ("pSTAT3_pSTAT3_nuc", "CISH_mRNA") not in _edges(graph, "transcription")
    assert ("SOCS3_mRNA", "SOCS3") in _edges(graph, "translation")
    brakes = _edges(graph, "brake")
    assert {("CISH", "JAK3"), ("PTPN1", "STAT5A"), ("PTPN2", "pSTAT1_pSTAT1_nuc"),
            ("PIAS3", "pSTAT3_pSTAT3_nuc"), ("PTPN11", "JAK1")} <= brakes
    assert ("PTPN11", "JAK3") not in brakes  # SHP-2 acts on gp130 complexes only, which carry no JAK3
    assert _edges(graph, "drug") == {(d.name, g) for d in catalog.DRUGS.values() for g in catalog.genes()
                                     if g in d.targets or any(g.startswith(t) and t not in catalog.GENES
                                                              for t in d.targets)}
    ids = {n.id for n in graph.nodes}
    assert all(e.source in ids and e.target in ids for e in graph.edges)


def _add_species(model, sid, genes, sbo):
    sp = model.createSpecies()
    for setter, value in [("setId", sid), ("setMetaId", f"meta_{sid}"), ("setCompartment", "cytoplasm"),
                          ("setInitialConcentration", 0.0), ("setHasOnlySubstanceUnits", False),
                          ("setBoundaryCondition", False), ("setConstant", False), ("setSBOTerm", sbo)]:
        getattr(sp, setter)(value)
    term = libsbml.CVTerm(libsbml.BIOLOGICAL_QUALIFIER)
    term.setBiologicalQualifierType(libsbml.BQB_IS if len(genes) == 1 else libsbml.BQB_HAS_PART)
    for g in genes:
        term.addResource(f"https://identifiers.org/hgnc.symbol:{g}")
    assert sp.addCVTerm(term) == libsbml.LIBSBML_OPERATION_SUCCESS


def test_a_receptor_added_to_the_model_appears_on_the_map_without_touching_the_map(tmp_path, monkeypatch):
    """IL-7 receptor alpha as a new chain: catalog entry + SBML species and binding reaction only."""
    genes = dict(catalog.GENES)
    genes["IL7R"] = replace(catalog.GENES["IL4R"], symbol="IL7R", uniprot="P16871", parameter="IL7R_total",
                            description="IL-7 receptor alpha")
    monkeypatch.setattr(catalog, "GENES", genes)
    doc = libsbml.readSBMLFromFile(str(catalog.bundled_sbml_path()))
    model = doc.getModel()
    _add_species(model, "IL7R", ["IL7R"], 252)
    _add_species(model, "IL2_IL7R", ["IL2", "IL7R"], 253)
    rx = model.createReaction()
    rx.setId("bind_IL2_IL7R")
    rx.setReversible(True)
    rx.setSBOTerm(177)
    for make, sid in [(rx.createReactant, "IL2"), (rx.createReactant, "IL7R"), (rx.createProduct, "IL2_IL7R")]:
        ref = make()
        ref.setSpecies(sid)
        ref.setStoichiometry(1)
        ref.setConstant(True)
    path = tmp_path / "with_il7r.xml"
    libsbml.writeSBMLToFile(doc, str(path))
    g = pathway_graph(path)
    assert g.node("IL7R").role == "chain" and dict(g.node("IL7R").identifiers)["UniProt"] == "P16871"
    assert ("IL2", "IL7R") in _edges(g, "binding")
    assert "IL7R" not in {n.id for n in pathway_graph().nodes}


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match="no such model file"):
        pathway_graph(tmp_path / "nope.xml")


# ----------------------------------------------------------------------------- the values


def test_node_values_are_the_models_readouts(ctcl, graph):
    cond = grid_condition({"cytokine": "IL6", "drug": "ruxolitinib", "dose": 100.0, "knockout": None})
    values = node_values(ctcl, graph, cond)
    df = ctcl.run(cond)
    row = {n.id: i for i, n in enumerate(graph.nodes)}
    for node, readout in [("STAT3", "pSTAT3"), ("STAT1", "pSTAT1"), ("JAK1", "pJAK1"), ("SOCS3", "SOCS3_protein"),
                          ("IL6ST", "pIL6ST")]:
        assert values[row[node]] == pytest.approx(df[readout].to_numpy(), rel=1e-9, abs=1e-12), node
    assert values[row["STAT3"]].max() > 1.0  # IL-6 drives STAT3: the comparison is not of zeros
    assert set(values[row["ruxolitinib"]]) == {100.0} and set(values[row["tofacitinib"]]) == {0.0}


def test_the_grid_holds_knockouts_drugs_and_the_screen(small_data):
    d = small_data
    nodes = [n["id"] for n in d["graph"]["nodes"]]
    ko = next(i for i, c in enumerate(d["conditions"]) if c == {"cytokine": "IL6", "drug": None, "dose": 0.0,
                                                                  "knockout": "SOCS3"})
    wt = d["conditions"].index({"cytokine": "IL6", "drug": None, "dose": 0.0, "knockout": None})
    socs3 = nodes.index("SOCS3")
    assert max(d["values"][wt][socs3]) > 1 and set(d["values"][ko][socs3]) == {0.0}
    assert len(d["conditions"]) == 2 * (1 + sum(len(s) for s in d["drugs"].values()) + 2)
    assert d["screen"]["IL6"]["readout"] == "pSTAT3"
    assert d["screen"]["IL6"]["log2fc"]["IL6ST"] < -3  # no gp130, no IL-6 signal
    json.dumps(d, allow_nan=False)  # the page embeds it as strict JSON


def test_bad_grid_input_is_refused_with_the_nearest_name(ctcl):
    with pytest.raises(UnknownNameError, match="IL6"):
        explore_data(ctcl, cytokines=["IL-66"])
    with pytest.raises(UnknownNameError, match="SOCS3"):
        explore_data(ctcl, cytokines=["IL6"], knockouts=["SOCS33"])
    with pytest.raises(InputError, match="positive"):
        explore_data(ctcl, cytokines=["IL6"], drugs={"ruxolitinib": [-1.0]})


# ----------------------------------------------------------------------------- the page


def test_the_page_is_one_self_contained_file(small_data):
    html = page_html(small_data)
    assert not re.search(r"<script[^>]+src=", html) and not re.search(r"<link[^>]+href=", html)
    assert "The Cytoscape Consortium" in html  # the inlined library keeps its licence header
    assert "cytoscapeSbgnStylesheet" in html and "/* cytoscape-sbgn-stylesheet " in html  # and the SBGN stylesheet
    payload = re.search(r"window\.JAKSTAT_DATA = (.*?);</script>", html, re.S).group(1)
    assert json.loads(payload.replace("<\\/", "</"))["graph"]["nodes"]
    assert html.count("</script>") == 4  # nothing in the data closes a script early


def test_the_vendored_libraries_are_the_versions_package_json_pins():
    pinned = json.loads((REPO / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert cytoscape_version() == pinned["cytoscape"]
    assert sbgn_stylesheet_version() == pinned["cytoscape-sbgn-stylesheet"]
    for name in ("cytoscape", "cytoscape-sbgn-stylesheet"):
        licence = REPO / f"src/jakstat_sbml/explore/vendor/{name}.LICENSE"
        assert "Permission is hereby granted" in licence.read_text(encoding="utf-8")
    locked = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    assert locked["node_modules/cytoscape-sbgn-stylesheet"]["version"] == pinned["cytoscape-sbgn-stylesheet"]


def test_the_map_is_an_sbgn_activity_flow_map(graph):
    # every node an entity glyph, every edge an Activity Flow influence (what `export sbgn` writes)
    assert {n.glyph for n in graph.nodes} == {"macromolecule", "complex", "nucleic acid feature", "simple chemical"}
    arcs = {e.kind: e.arc for e in graph.edges}
    assert set(arcs.values()) == {"positive influence", "negative influence", "necessary stimulation"}
    assert arcs["brake"] == arcs["drug"] == "negative influence"
    assert arcs["dimerisation"] == "necessary stimulation" and arcs["phosphorylation"] == "positive influence"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (see Makefile)"
    profile = tempfile.mkdtemp(prefix="jakstat-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                       args=CHROMIUM_FLAGS, viewport={"width": 1500, "height": 900})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


def _colours(page) -> dict:
    return page.evaluate("() => Object.fromEntries(window.explore.cy.nodes('.entity').map("
                         "n => [n.id(), n.style('background-color')]))")


def test_the_page_works_in_a_real_browser(browser, small_data, tmp_path):
    path = write_page(small_data, tmp_path / "map.html")
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.monotonic()
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    loaded = time.monotonic() - start

    nodes = set(page.evaluate("() => window.explore.cy.nodes('.entity').map(n => n.id())"))
    assert set(catalog.genes()) <= nodes
    assert page.evaluate("() => window.explore.cy.edges().length") == len(small_data["graph"]["edges"])
    # glyphs and arrowheads are drawn by the SBGN stylesheet from each element's SBGN class
    shapes = page.evaluate("() => Object.fromEntries(['JAK1', 'pSTAT3_pSTAT3', 'SOCS3_mRNA', 'ruxolitinib'].map("
                           "id => [id, window.explore.cy.getElementById(id).style('shape')]))")
    assert shapes == {"JAK1": "roundrectangle", "pSTAT3_pSTAT3": "cutrectangle",
                      "SOCS3_mRNA": "bottomroundrectangle", "ruxolitinib": "ellipse"}
    heads = page.evaluate("() => ['positive-influence', 'necessary-stimulation', 'negative-influence'].map("
                          "c => window.explore.cy.edges('.' + c)[0].style('target-arrow-shape'))")
    assert heads == ["triangle", "triangle-cross", "tee"]

    # every control changes colours
    first = _colours(page)
    page.select_option("#cytokine", "IL6")
    il6 = _colours(page)
    assert il6["STAT3"] != first["STAT3"] and il6["IL6ST"] != first["IL6ST"]
    page.select_option("#knockout", "SOCS3")
    assert _colours(page)["SOCS3"] != il6["SOCS3"]
    page.select_option("#knockout", "")
    page.fill("#time", "0")
    page.dispatch_event("#time", "input")
    assert _colours(page)["STAT3"] != il6["STAT3"]
    page.fill("#time", "4")
    page.dispatch_event("#time", "input")
    page.select_option("#mode", "inhibition")
    page.select_option("#drug", "ruxolitinib")
    low = _colours(page)
    page.fill("#dose", "2")
    page.dispatch_event("#dose", "input")
    high = _colours(page)
    assert high["STAT3"] != low["STAT3"]
    assert page.evaluate("() => window.explore.modeValue('STAT3')") > 50  # 1 uM ruxolitinib blocks pSTAT3
    page.select_option("#mode", "screen")
    assert page.evaluate("() => window.explore.modeValue('IL6ST')") < -3
    assert "log2 fold change" in page.inner_text("#legend-unit")

    # hover: name, identifiers and value
    pos = page.evaluate("() => { const p = window.explore.cy.getElementById('JAK1').renderedPosition();"
                        " const b = document.getElementById('map').getBoundingClientRect();"
                        " return [b.left + p.x, b.top + p.y]; }")
    page.mouse.move(*pos)
    page.wait_for_selector("#tooltip", state="visible")
    tip = page.inner_text("#tooltip")
    assert "JAK1" in tip and "UniProt: P23458" in tip and "HGNC: JAK1" in tip and "nM" in tip
    page.mouse.click(*pos)  # clicking plots the node
    assert "JAK1" in page.inner_text("#chart-key")
    assert page.locator("#chart polyline").count() >= 1

    shot = tmp_path / "map.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert errors == []
    assert loaded < 20, f"page took {loaded:.1f} s to draw"
    page.close()


# ----------------------------------------------------------------------------- the static picture and the CLI


def test_the_static_picture_draws_the_same_graph(ctcl, graph, tmp_path):
    import matplotlib.pyplot as plt

    fig = draw_map(graph, {n.id: 1.0 for n in graph.nodes})
    labels = {t.get_text() for t in fig.axes[0].texts}
    plt.close(fig)
    assert {n.label for n in graph.nodes} <= labels
    assert {label for _, label, _ in ROWS.values()} <= labels
    png, svg = save_map(ctcl, tmp_path / "map", cytokine="IL6", time=30)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with pytest.raises(InputError, match="times"):
        save_map(ctcl, tmp_path / "bad", time=7)


def test_the_explore_command_writes_the_page_and_refuses_bad_input(tmp_path):
    runner = CliRunner()
    out = tmp_path / "m" / "map.html"
    result = runner.invoke(app, ["explore", "--out", str(out), "-c", "IL6", "-g", "SOCS3",
                                 "--picture", str(tmp_path / "m" / "pic")])
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "m" / "pic.png").exists() and (tmp_path / "m" / "pic.svg").exists()
    assert '"knockouts":["SOCS3"]' in out.read_text(encoding="utf-8")
    bad = runner.invoke(app, ["explore", "--out", str(tmp_path / "x.html"), "-c", "IL-7"])
    assert bad.exit_code == 2 and "unknown cytokine" in bad.output
    assert not (tmp_path / "x.html").exists()
