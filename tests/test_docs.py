"""The documentation site (issue 25): `make docs` builds it with warnings as errors, and the
numbers its pages quote are filled in from the stored outputs when it is built.

The site is built once here exactly as `make docs` builds it (`mkdocs build --strict`,
into a temporary folder): a broken link, a page missing from the navigation, a docstring
mkdocstrings cannot render or a macro that fails stops the build. The numbers are then
read back from the built pages and compared with the files they come from, read here
independently of tools/docs/macros.py.
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import REPO

SRC = REPO / "src" / "jakstat_sbml"


def _macros():
    spec = importlib.util.spec_from_file_location("docs_macros", REPO / "tools" / "docs" / "macros.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                            cwd=REPO, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-6000:]
    return out


def text_of(page: Path) -> str:
    """The visible text of a built page's article, tags removed, whitespace collapsed."""
    source = page.read_text(encoding="utf-8")
    article = source[source.find("<article"):source.find("</article>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", article)))


def test_the_site_builds_strictly_with_every_page(site):
    for page in ("index", "python", "cli", "notebooks", "explore", "copasi", "pharmacology", "dosing", "calibration",
                 "uncertainty", "architecture", "design", "repository", "source_figure"):
        assert (site / page / "index.html").exists() or page == "index" and (site / "index.html").exists(), page
    assert "Set up" in text_of(site / "index.html")


def test_every_notebook_is_rendered_with_its_committed_outputs(site):
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        page = site / "notebooks" / notebook.stem / "index.html"
        assert page.exists(), f"{notebook.name} is not on the site"
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        images = sum("image/png" in out.get("data", {}) for c in cells for out in c.get("outputs", []))
        assert page.read_text(encoding="utf-8").count("data:image/png;base64") >= images, notebook.name


def test_every_committed_figure_of_the_notebooks_is_in_its_outputs():
    """Notebook 08 lacked `%matplotlib inline`: executed with a non-interactive backend, its
    five plotting cells kept a Legend's repr and no figure, on the site too. Every code cell
    that draws (a `.plot(` call, `plt.` or `subplots(`) must carry its image."""
    drawing = re.compile(r"\.plot\(|\bplt\.|subplots\(")
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        for index, cell in enumerate(json.loads(notebook.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "code" and drawing.search("".join(cell["source"])):
                assert any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])), \
                    f"{notebook.name}, cell {index}: draws a figure but its committed outputs hold none"


def test_every_module_has_an_api_page_with_its_docstring(site):
    import ast

    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        folder = Path(*(parts[:-1] if parts[-1] == "__init__" else parts))
        page = site / "api" / folder / "index.html"
        assert page.exists(), f"no API page for {'.'.join(folder.parts)}"
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        if docstring:
            first_words = " ".join(docstring.split()[:4]).strip("`*")
            assert html.unescape(first_words.replace("`", "")) in text_of(page).replace("`", ""), folder


def test_the_package_page_links_every_public_name_to_its_documentation(site):
    """Read statically, `js.dose_response` is the module experiments/dose_response.py, not
    the function: the package's page links each name to where its module's page documents it."""
    import jakstat_sbml as js

    api = site / "api" / "jakstat_sbml"
    found = re.findall(r'<a [^>]*href="([^"#]*)#([\w.]+)"[^>]*><code>(\w+)</code></a>',
                       (api / "index.html").read_text(encoding="utf-8"))
    links = {name: (page, anchor) for page, anchor, name in found}
    assert set(js.__all__) - set(links) == set()
    for name in js.__all__:
        page, anchor = links[name]
        assert anchor.rsplit(".", 1)[-1] == name
        assert f'id="{anchor}"' in (api / page / "index.html").read_text(encoding="utf-8"), name


def test_the_api_pages_link_the_docstrings_sphinx_roles(site):
    """The docstrings name objects the Sphinx way (:func:`jakstat_sbml.run`), which the pages
    showed as ":func:" before the name, 424 times (an audit); tools/docs/sphinx_roles.py
    turns each into a link where its target is documented, and code where it is not."""
    pages = list((site / "api").rglob("*.html"))
    shown = [str(p.relative_to(site)) for p in pages
             if re.search(r":(?:func|class|meth|data|mod|attr|exc):<code>", p.read_text(encoding="utf-8"))]
    assert shown == []
    # `run` (an alias the package re-exports) leads to where it is defined; a :func: named like its
    # module (experiments/dose_response.py) to the function, not the module
    pathways = (site / "api" / "jakstat_sbml" / "experiments" / "pathways" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="[^"]*#jakstat_sbml\.parallel\.run"[^>]*><code>jakstat_sbml\.run</code>', pathways)
    cytokine = (site / "api" / "jakstat_sbml" / "experiments" / "cytokine_response" / "index.html").read_text(
        encoding="utf-8")
    assert "#jakstat_sbml.experiments.dose_response.dose_response\"" in cytokine


def test_no_page_shows_an_unrendered_macro(site):
    leftovers = [str(p.relative_to(site)) for p in site.rglob("*.html")
                 if re.search(r"\{\{\s*[a-z_]+\s*[.(|}]", p.read_text(encoding="utf-8"))]
    assert leftovers == []


def test_the_pages_quote_the_models_current_size(site):
    """Was a test of README prose (tests/test_build.py); the size is now counted at build time."""
    import libsbml

    model = libsbml.readSBMLFromFile(str(REPO / "models" / "jakstat.xml")).getModel()
    species = model.getNumSpecies()
    integrated = sum(not model.getSpecies(i).getBoundaryCondition() for i in range(species))
    home = text_of(site / "index.html")
    assert (f"{species} species ({integrated} integrated), {model.getNumReactions()} reactions, "
            f"{model.getNumParameters()} parameters") in home
    copasi = text_of(site / "copasi" / "index.html")
    assert f"The whole model: {species} species" in copasi and f"{model.getNumReactions()} reactions" in copasi
    participants = sum(len(r.getListOfReactants()) + len(r.getListOfProducts()) + len(r.getListOfModifiers())
                       for r in model.getListOfReactions())
    biomodels = text_of(site / "biomodels" / "index.html")
    assert (f"{species} species" in biomodels and f"{model.getNumReactions()} reactions" in biomodels
            and f"{participants} reactants, products and modifiers" in biomodels
            and f"{model.getNumParameters()} parameters" in biomodels)
    sbgn = text_of(site / "sbgn" / "index.html")
    assert f"{species} species, {model.getNumReactions()} reactions and {participants} consumption" in sbgn


def test_the_calibration_page_quotes_the_stored_chi2_ratios(site):
    summary = pd.read_csv(REPO / "docs" / "calibration" / "summary.tsv", sep="\t")
    page = text_of(site / "calibration" / "index.html")
    for _, row in summary.iterrows():
        assert row["dataset"] in page
        assert f"{row['chi2_ratio']:.2f}" in page, row["dataset"]
        assert f"{row['ours_chi2']:.1f}" in page and f"{row['published_chi2']:.1f}" in page


def test_the_pharmacology_page_quotes_the_stored_validation_and_cross_validation(site):
    validation = pd.read_csv(REPO / "docs" / "pharmacology" / "pharmacology_validation_summary.csv").iloc[0]
    held_out = pd.read_csv(REPO / "docs" / "pharmacology" / "cross_validation.csv")
    page = text_of(site / "pharmacology" / "index.html")
    assert f"fold error {validation['gmfe']:.2f} over {validation['rows']} rows" in page
    held_out_gmfe = math.exp(held_out["fold_error"].map(math.log).mean())
    assert f"all {len(held_out)} {held_out_gmfe:.2f} {100 * held_out['covered'].mean():.0f}%" in page
    for drug, part in held_out.groupby("drug"):
        gm = math.exp(part["fold_error"].map(math.log).mean())
        assert f"{drug} {len(part)} {_macros().fmt(gm, 3)} {100 * part['covered'].mean():.0f}%" in page, drug
    predictions = pd.read_csv(REPO / "docs" / "pharmacology" / "predicted_ic50_ctcl.csv")
    rux_il6 = predictions.query("drug == 'ruxolitinib' and cytokine == 'IL6'").iloc[0]
    # a row per drug, each cell free / total plasma (drugs as columns made 29 columns: an audit)
    fmt = _macros().fmt
    assert f" {fmt(rux_il6['ic50_free_nM'], 3)} / {fmt(rux_il6['ic50_plasma_nM'], 3)} " in page
    assert "ruxolitinib " + " ".join(f"{fmt(r.ic50_free_nM, 3)} / {fmt(r.ic50_plasma_nM, 3)}" for r in predictions.query(
        "drug == 'ruxolitinib' and ic50_free_nM == ic50_free_nM").itertuples()) in page
    assert "PREDICTIONS_TABLE" not in page


def test_the_stored_cross_validation_summary_and_its_rows_agree():
    """The page's table is computed from the per-row file; the summary file must say the same."""
    macros = _macros()
    summary = macros.cross_validation()
    assert macros.held_out_gmfe() == macros.fmt(summary["gmfe"], 3)
    assert macros.held_out_coverage() == macros.percent(summary["coverage_90"])
    assert macros.modelled_rows() == summary["rows"]


def _predictions():
    spec = importlib.util.spec_from_file_location("docs_predictions", REPO / "tools" / "docs" / "predictions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stored_predictions_were_computed_from_the_present_model_and_tables():
    """docs/dosing.md and docs/pharmacology.md quote predictions that move with every refit of
    the potency posterior (they were found stale when they were typed in); they are stored with
    a fingerprint of their inputs, and a refit or a changed table must be followed by
    `make docs-predictions`."""
    generator = _predictions()
    stored = json.loads(generator.STORED.read_text())["inputs"]
    changed = sorted(name for name, digest in generator.fingerprint().items() if stored.get(name) != digest)
    assert changed == [], f"{', '.join(changed)} changed since docs/predictions.json was written: make docs-predictions"


def test_a_stored_dosing_prediction_is_what_the_code_gives_now():
    """The fingerprint sees the inputs, not the code: the Jakafi label check (one 25 mg dose,
    ex vivo IL-6) is recomputed and must equal the stored one, and every regimen's fraction
    unbound must be the one the package converts with."""
    from jakstat_sbml import catalog, load_model

    generator = _predictions()
    stored = json.loads(generator.STORED.read_text())["dosing"]
    now = generator.label_check(load_model())
    for key, value in stored["label_check"].items():
        assert now[key] == pytest.approx(value, abs=1e-4), key
    for drug, fu in stored["fraction_unbound"].items():
        assert fu["value"] == pytest.approx(catalog.drug(drug).fraction_unbound, rel=1e-9), drug


@pytest.mark.parametrize("dataset", ["Sobotta_Frontiers2017", "Raia_CancerResearch2011", "Boehm_JProteomeRes2014",
                                     "Bachmann_MSB2011"])
def test_the_stored_ensemble_ic50s_are_what_the_code_gives_now(dataset):
    """docs/uncertainty.md section 5 tabulates each calibrated context's ruxolitinib IC50 over
    its ensemble from docs/calibration/<dataset>/ensemble_ic50.tsv. Those files were written
    by `make profiles` before the potency refit and went on quoting IC50s 2.2x too high
    (hepatocyte 15.9 nM where the code gives 7.13): every member is recomputed here."""
    from jakstat_sbml import dose_response, load_model
    from jakstat_sbml.report import ENSEMBLE_CASES, MEASURE_TIME

    case = _macros().ensemble_ic50(dataset)
    _, drug, cytokine, readout = next(c for c in ENSEMBLE_CASES if c[0] == case["context"])
    curve = dose_response(load_model(context=case["context"]), drug, cytokine, readout, time=MEASURE_TIME,
                          uncertainty="calibration")
    assert case["point"] == pytest.approx(curve.ic50, rel=1e-4)
    assert [case["low"], case["high"]] == pytest.approx(list(curve.ic50_interval), rel=1e-4)
    assert list(case["by_origin"].values()) == pytest.approx(list(curve.uncertainty.ic50s), rel=1e-4)
    if case["context"] in ("erythroid", "baf3_epor"):  # docs/calibration.md's EPO table: the same IC50
        stored = json.loads((REPO / "docs" / "predictions.json").read_text())["epo_ic50"][case["context"]]
        assert stored[drug] == pytest.approx(curve.ic50, rel=1e-4)


def test_the_stored_gmcsf_ic50_and_ritlecitinib_free_rows_are_what_the_code_gives_now():
    """docs/pharmacology.md compares the EPO pathway with the GM-CSF one and ritlecitinib's
    IC50s with its measured rows as free drug; both were typed in (3-10x; 48 nM) and had moved."""
    from jakstat_sbml import dose_response, load_model
    from jakstat_sbml.potency.free_drug import nominal_free_fraction

    stored = json.loads((REPO / "docs" / "predictions.json").read_text())
    gmcsf = dose_response(load_model(context="monocyte"), "ruxolitinib", "GMCSF", "pSTAT5", time=20).ic50
    assert stored["epo_ic50"]["monocyte_gmcsf"]["ruxolitinib"] == pytest.approx(gmcsf, rel=1e-4)
    measured = stored["ritlecitinib_preincubation"]["measured_free_nM"]
    assert measured["75"] == pytest.approx(51 * nominal_free_fraction("ritlecitinib", "medium_serum"), rel=1e-9)
    assert measured["45"] == pytest.approx(197 * nominal_free_fraction("ritlecitinib", "whole_blood",
                                                                       serum_type="human_plasma"), rel=1e-9)


def test_the_pages_quote_the_stored_predictions(site):
    stored = json.loads((REPO / "docs" / "predictions.json").read_text())
    numbers = stored["dosing"]
    page = text_of(site / "dosing" / "index.html")
    rux = numbers["regimens"]["ruxolitinib 20 mg BID"]["ex vivo"]
    cells = " ".join(f"{100 * rux[c]['mean_inhibition']:.0f}%" for c in ("IL6", "IL2", "IFNG"))
    assert f"ruxolitinib 20 mg BID ex vivo {cells} {rux['IL6']['hours_to_max_inhibition']:.1f}" in page
    fu = numbers["fraction_unbound"]["ruxolitinib"]
    assert f"{fu['value']:.2g} (fitted; prior centre 0.03)" in page
    check = numbers["label_check"]
    assert f"peaks at {_macros().fmt(check['peak_h'], 2)} h ({100 * check['peak_inhibition']:.0f}%)" in page
    assert "**no**" not in page  # the label checks the page tabulates hold
    scan = stored["copasi_scan"]  # the COPASI page's time course and ruxolitinib scan
    copasi = text_of(site / "copasi" / "index.html")
    assert f"pSTAT3 peaks at ~{_macros().fmt(scan['0']['peak_nM'])} nM at {round(scan['0']['peak_min'])} min" in copasi
    assert f"{_macros().fmt(scan['30']['at_120_nM'], 2)} nM at 30 nM" in copasi
    fmt = _macros().fmt
    hepatocyte = _macros().ensemble_ic50("Sobotta_Frontiers2017")
    assert (f"hepatocyte ruxolitinib IC50, IL-6/pSTAT3 at 20 min (free) {fmt(hepatocyte['point'], 3)} nM "
            f"{fmt(hepatocyte['low'], 3)}–{fmt(hepatocyte['high'], 3)} nM 12 (Sobotta 2017)"
            in text_of(site / "uncertainty" / "index.html"))
    epo = stored["epo_ic50"]["erythroid"]
    assert (f"erythroid (CFU-E, Bachmann 2011 fit) {fmt(epo['ruxolitinib'], 3)} nM {fmt(epo['tofacitinib'], 3)} nM"
            in text_of(site / "calibration" / "index.html"))
    ctcl = stored["intervals"]["ctcl"]["potency"]
    assert (f"ctcl potency + between-assay {fmt(ctcl['ic50_nM'])} {fmt(ctcl['free'][0])}–{fmt(ctcl['free'][1])} "
            f"{fmt(ctcl['plasma'][0])}–{fmt(ctcl['plasma'][1])}") in text_of(site / "pharmacology" / "index.html")


def test_the_dosing_page_shows_every_pk_check_as_the_model_computes_it(site):
    """The PK checks table is built from jakstat_sbml.regimens.checks at build time: every
    published number appears with the model's present value and outcome, and every known miss
    with its reason (a checks table typed by hand had gone stale: 0.99 for a ratio of 0.92)."""
    import jakstat_sbml as js
    from jakstat_sbml.regimens.checks import format_value as number

    page = text_of(site / "dosing" / "index.html")
    for r in js.validate_pharmacokinetics().table.itertuples():
        outcome = "within" if r.within and not r.known_miss else "missed (known: why, below)"
        row = (f"{r.drug} {r.formulation} {r.dose_mg:g} mg {r.quantity.replace('_', ' ')} {number(r.observed)}")
        assert row in page, row
        assert f"{number(r.model)} {r.evidence} {outcome}" in page, row
        if r.known_miss:
            assert r.known_miss in page
    # the drugs without a regimen, each with its gap as pk_gaps.tsv states it (the typed list
    # had kept ritlecitinib among them after its PK arrived)
    gaps = pd.read_csv(REPO / "data" / "pharmacokinetics" / "pk_gaps.tsv", sep="\t", keep_default_na=False)
    for r in gaps.itertuples():
        assert f"{r.drug}: {r.gap}" in page, r.drug


@pytest.mark.parametrize("value, digits, text", [(3.5976, 3, "3.60"), (9962.95, 3, "9,960"), (0.0033, 2, "0.0033"),
                                                  (996295.4, 3, "996,000"), (float("inf"), 3, "∞"),
                                                  (float("nan"), 3, "—"), (-0.5291, 2, "-0.53")])
def test_numbers_are_written_to_their_significant_figures(value, digits, text):
    assert _macros().fmt(value, digits) == text


def test_the_readme_links_resolve():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    links = [link for link in re.findall(r"\]\(([^)]+)\)", readme) if "://" not in link]
    assert links
    for link in links:
        path, _, anchor = link.partition("#")
        target = REPO / path
        assert target.exists(), link
        if anchor:
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), flags=re.M)
            assert anchor in [re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings], link


def test_the_python_page_quotes_what_the_stat_mutations_do_now():
    """docs/python.md says the STAT mutations give no basal signal and shift tofacitinib's
    IL-2 IC50 little at 20 min and about 2x at 120 min on pSTAT5B: recomputed here, so the
    sentence cannot outlive a change of the model (an audit found a calibration table that did)."""
    import jakstat_sbml as js

    model = js.load_model()
    page = " ".join((REPO / "docs" / "python.md").read_text(encoding="utf-8").split())
    rest = model.simulate(mutations={"STAT5B_N642H": 1.0, "STAT3_Y640F": 1.0}, t_end=60, readouts=["pSTAT3", "pSTAT5"])
    assert rest[["pSTAT3", "pSTAT5"]].to_numpy().max() == 0
    a572v = model.simulate(mutations={"JAK3_A572V": 1.0}, t_end=60, readouts=["pSTAT3", "pSTAT5"]).iloc[-1]
    assert f"{a572v.pSTAT5:.0f} nM pSTAT5 and {a572v.pSTAT3:.1f} nM pSTAT3 at rest" in page
    ic50 = {(time, readout, mutant): js.dose_response(model, "tofacitinib", "IL2", readout, time=time,
                                                      mutations={"STAT5B_N642H": 1.0} if mutant else None).ic50
            for time, readout in ((20, "pSTAT5"), (120, "pSTAT5B")) for mutant in (False, True)}
    early = f"from {ic50[20, 'pSTAT5', False]:.0f} to {ic50[20, 'pSTAT5', True]:.0f} nM on pSTAT5 at 20 min"
    late = f"from {ic50[120, 'pSTAT5B', False]:.0f} to {ic50[120, 'pSTAT5B', True]:.0f} nM on pSTAT5B at 120 min"
    assert early in page and late in page
