"""The committed SBML is what the Antimony source compiles to, valid and annotated."""

import libsbml
import pytest

import jakstat_sbml as js
from jakstat_sbml import build, catalog

from .conftest import REPO


@pytest.fixture(scope="module")
def fresh_sbml():
    return build.build_sbml(REPO / "models", write=False)


@pytest.fixture(scope="module")
def model(fresh_sbml):
    doc = libsbml.readSBMLFromString(fresh_sbml)
    return doc.getModel()


def test_committed_sbml_is_not_stale(fresh_sbml):
    committed = (REPO / "models" / "jakstat.xml").read_text(encoding="utf-8")
    assert committed == fresh_sbml, "models/jakstat.xml differs from a fresh build: run `jakstat build`"


def test_generated_parameter_fragment_matches_table():
    rows = build.read_parameter_rows(REPO / "models" / "parameters.tsv")
    assert (REPO / "models" / "parameters.ant").read_text(encoding="utf-8") == build.parameters_antimony(rows)


def test_every_generated_antimony_file_matches_its_tables():
    generated = build.generated_sources(REPO / "models")
    # parameters.ant and the eight generated files (cytokines, drugs, receptors, complexes,
    # stats, docking, feedback, sums)
    assert len(generated) == 9
    for path, text in generated.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.relative_to(REPO)} is stale: run `jakstat build`"
        if path.parent.name == "generated":
            assert text.startswith("// GENERATED FILE: do not edit. Made by `jakstat build`")


def test_every_generated_file_is_imported_and_nothing_else_is_stale(tmp_path):
    """A generated file jakstat.ant does not import would be dead; an edit to a table
    without a rebuild must stop the build (write=False) instead of compiling old text."""
    import re
    import shutil

    imports = re.findall(r'^import "([^"]+)"', (REPO / "models" / "jakstat.ant").read_text(encoding="utf-8"), flags=re.M)
    for path in build.generated_sources(REPO / "models"):
        assert str(path.relative_to(REPO / "models")) in imports, path.name
    models = tmp_path / "models"
    shutil.copytree(REPO / "models", models)
    table = models / "tables" / "docking.tsv"
    table.write_text(table.read_text(encoding="utf-8").replace("kcat_IL12R", "kcat_IFNGR"))
    with pytest.raises(js.ModelFileError, match="docking.ant is stale"):
        build.build_sbml(models, write=False)


def test_sbml_level_3_version_2(fresh_sbml):
    doc = libsbml.readSBMLFromString(fresh_sbml)
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)


def test_libsbml_consistency_all_categories_including_units(fresh_sbml):
    report = build.validate(fresh_sbml, units=True, modeling_practice=True)
    assert report.errors == []
    # No warning is tolerated: each would have to be listed here with its reason.
    assert report.warnings == []


def test_time_and_concentration_units(model):
    assert model.getTimeUnits() == "minute"
    assert model.getSubstanceUnits() == "zmol" and model.getVolumeUnits() == "pL"
    ud = model.getUnitDefinition("minute").getUnit(0)
    assert ud.getKind() == libsbml.UNIT_KIND_SECOND and ud.getMultiplier() * 10 ** ud.getScale() == 60
    for c in model.getListOfCompartments():
        assert c.getUnits() == "pL", c.getId()


def test_three_compartments_with_go_terms(model):
    ids = {c.getId() for c in model.getListOfCompartments()}
    assert ids == {"extracellular", "cytoplasm", "nucleus"}
    for c in model.getListOfCompartments():
        assert "GO:" in c.getAnnotationString()


def _resources(sbase, qualifier):
    out = []
    for i in range(sbase.getNumCVTerms()):
        term = sbase.getCVTerm(i)
        if term.getQualifierType() == libsbml.BIOLOGICAL_QUALIFIER and term.getBiologicalQualifierType() == qualifier:
            out += [term.getResourceURI(j) for j in range(term.getNumResources())]
    return out


def test_every_gene_is_a_species_annotated_with_uniprot_and_hgnc(model):
    for gene in catalog.GENES.values():
        # Ligands are named by their cytokine (IL12 = IL12A:IL12B, IFNA = IFNA2).
        sid = next((c.name for c in catalog.CYTOKINES.values() if gene.symbol in c.genes), gene.symbol)
        sp = model.getSpecies(sid)
        assert sp is not None, f"{gene.symbol} has no species {sid}"
        qualifier = libsbml.BQB_HAS_PART if sid == "IL12" else libsbml.BQB_IS
        uris = _resources(sp, qualifier)
        assert f"https://identifiers.org/uniprot:{gene.uniprot}" in uris, sid
        assert f"https://identifiers.org/hgnc.symbol:{gene.symbol}" in uris, sid


def test_every_species_has_identifiers_and_an_sbo_term(model):
    for sp in model.getListOfSpecies():
        assert sp.isSetSBOTerm(), sp.getId()
        assert sp.getNumCVTerms() > 0, sp.getId()


def test_drugs_have_chebi_or_chembl(model):
    """Every drug species is its ChEBI entry, its ChEMBL compound, or both (issue 23: ChEBI
    ids were verified for only some panel drugs; ChEMBL ids for all)."""
    for d in catalog.DRUGS.values():
        sp = model.getSpecies(d.name)
        assert d.chebi or d.chembl, d.name
        if d.chebi:
            assert f"https://identifiers.org/{d.chebi}" in _resources(sp, libsbml.BQB_IS)
        if d.chembl:
            assert f"https://identifiers.org/chembl.compound:{d.chembl}" in _resources(sp, libsbml.BQB_IS)


def test_reactions_and_parameters_have_sbo_terms(model):
    assert all(r.isSetSBOTerm() for r in model.getListOfReactions())
    assert all(p.isSetSBOTerm() for p in model.getListOfParameters())


def test_model_cites_the_figure_and_every_source_paper(model):
    annotation = model.getAnnotationString()
    assert "doi:10.3390/cancers17040568" in annotation
    rows = build.read_parameter_rows(REPO / "models" / "parameters.tsv")
    for uri in build.sources_as_uris([r["source"] for r in rows]):
        assert uri in annotation, uri


def test_knockouts_and_doses_are_parameters_not_events(model):
    assert model.getNumEvents() == 0
    params = {p.getId() for p in model.getListOfParameters()}
    for g in catalog.GENES.values():
        assert g.parameter in params
    for c in catalog.CYTOKINES.values():
        assert c.dose_parameter in params
    for d in catalog.DRUGS.values():
        assert d.dose_parameter in params


def test_an_installed_package_is_never_written_into(monkeypatch, tmp_path):
    """Issue 14: build, calibrate --store and validate pharmacology --store rewrite the
    model's source tables; with the models folder inside an installed package they must
    refuse with a message, and write nothing."""
    from jakstat_sbml import catalog, pharmacology

    installed = tmp_path / "site-packages" / "jakstat_sbml" / "models"
    installed.mkdir(parents=True)
    monkeypatch.setattr(catalog, "models_dir", lambda: installed)
    with pytest.raises(js.InputError, match="installed package"):
        catalog.writable_models_dir()
    with pytest.raises(js.InputError, match="installed package"):
        build.build_sbml()
    import pandas as pd

    from jakstat_sbml.potency.posterior import Posterior, store_posterior

    posterior = Posterior(pd.DataFrame({"theta_ruxolitinib": [-1.0, -0.9]}), pd.DataFrame(), {"rows": 1})
    with pytest.raises(js.InputError, match="installed package"):
        pharmacology.store_factors(posterior)
    with pytest.raises(js.InputError, match="installed package"):
        store_posterior(posterior)
    assert list(installed.iterdir()) == []
