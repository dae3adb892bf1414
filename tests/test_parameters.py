"""models/parameters.tsv and the SBML agree; every parameter has a source."""

import re

import libsbml
import pytest

from jakstat_sbml import build, catalog

from .conftest import PETAB, REPO

# a default's source (a DOI, PubMed id or ChEMBL assay id, a calibration, an assumption or a
# derivation), optionally followed by the context values calibrated elsewhere
SOURCE = re.compile(r"^(doi:10\.\S+|PMID\s?\d+|pubmed:\d+|chembl:CHEMBL\d+.*|calibrated:[A-Za-z0-9_]+.*|assumed:\S.*|derived:\S.*)( \[context .+ calibrated:[A-Za-z0-9_]+.*\])?$")
DATASETS = {"Bachmann_MSB2011", "Boehm_JProteomeRes2014", "Raia_CancerResearch2011", "Sobotta_Frontiers2017",
            "Swameye_PNAS2003", "Becker_Science2010", "Merkle_PCB2016"}


@pytest.fixture(scope="module")
def rows():
    return build.read_parameter_rows(REPO / "models" / "parameters.tsv")


@pytest.fixture(scope="module")
def sbml_model():
    return libsbml.readSBML(str(REPO / "models" / "jakstat.xml")).getModel()


def test_every_row_has_a_recognised_source(rows):
    for r in rows:
        assert SOURCE.match(r["source"]), f"{r['id']}: source {r['source']!r}"


def test_calibrated_sources_name_a_dataset_the_repository_carries(rows):
    for r in rows:
        if r["source"].startswith("calibrated:"):
            name = re.match(r"calibrated:([A-Za-z0-9_]+)", r["source"]).group(1)
            if name == "pharmacology":  # the drug layer: fitted to the measured IC50 table in the repository
                assert (REPO / "data" / "pharmacology" / "cellular_ic50.tsv").is_file()
                continue
            assert name in DATASETS, r["id"]
            assert (PETAB / name).is_dir(), name  # the repository carries every dataset a value comes from


def test_context_calibrations_are_named_in_the_parameter_table(rows):
    # every parameter a context calibrates says so, with the dataset, in parameters.tsv
    by_id = {r["id"]: r["source"] for r in rows}
    for name in catalog.contexts():
        ctx = catalog.context(name)
        for pid, source in ctx.sources.items():
            if source.startswith("calibrated:"):
                dataset = re.match(r"calibrated:([A-Za-z0-9_]+)", source).group(1)
                assert "[context " in by_id[pid] and f"{name} value calibrated:{dataset}" in by_id[pid], pid


def test_every_sbml_constant_has_a_row_and_every_row_a_constant(rows, sbml_model):
    table = {r["id"]: r for r in rows}
    ruled = {r.getVariable() for r in sbml_model.getListOfRules()}
    ruled |= {a.getSymbol() for a in sbml_model.getListOfInitialAssignments()}
    constants = {p.getId(): p for p in sbml_model.getListOfParameters() if p.getId() not in ruled}
    compartments = {c.getId(): c for c in sbml_model.getListOfCompartments()}
    missing = sorted(set(constants) - set(table))
    assert not missing, f"parameters without a row in parameters.tsv: {missing}"
    extra = sorted(set(table) - set(constants) - set(compartments))
    assert not extra, f"rows for parameters the model does not have: {extra}"
    for pid, row in table.items():
        element = constants.get(pid) or compartments[pid]
        value = element.getValue() if pid in constants else element.getSize()
        assert value == pytest.approx(float(row["value"]), rel=1e-12), pid
        assert element.getUnits() == row["unit"], pid


def test_derived_parameters_come_only_from_tabulated_inputs(sbml_model, rows):
    """Parameters computed by rules (Ki, K_cell, readouts) use only tabulated constants,
    species, compartments and other rules."""
    known = {r["id"] for r in rows}
    known |= {s.getId() for s in sbml_model.getListOfSpecies()}
    known |= {c.getId() for c in sbml_model.getListOfCompartments()}
    known |= {r.getVariable() for r in sbml_model.getListOfRules()}
    for rule in sbml_model.getListOfRules():
        names = libsbml.formulaToL3String(rule.getMath())
        for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", names):
            if token in {"dimensionless"}:
                continue
            assert token in known, f"{rule.getVariable()} uses untabulated {token}"


def test_contexts_override_only_tabulated_parameters():
    table = catalog.parameter_table()
    for name in catalog.contexts():
        ctx = catalog.context(name)
        for pid, src in ctx.sources.items():
            assert pid in table, f"context {name} sets unknown {pid}"
            assert SOURCE.match(src), f"context {name}: {pid} source {src!r}"

