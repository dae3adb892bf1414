"""The network generated from models/tables/: sums complete, one row per new complex.

The checks read the compiled SBML, not the generator's own bookkeeping, and
recognise species by the tokens of their ids (the model's naming convention), so
a species the generator misses, hand-written or generated, fails them.
"""

import csv
import re
import shutil

import libsbml
import pytest

import jakstat_sbml as js
from jakstat_sbml import build, catalog
from jakstat_sbml.build import network

from .conftest import REPO

BINDERS = {"SOCS1", "SOCS3", "CISH"}


@pytest.fixture(scope="module")
def document():
    return libsbml.readSBMLFromString(build.build_sbml(REPO / "models", write=False))


@pytest.fixture(scope="module")
def model(document):  # the document fixture keeps the model's owner alive
    return document.getModel()


def _names(formula: str) -> set[str]:
    # From the formula string, not the MathML tree: once libsedml is loaded (the
    # SED-ML tests) libsbml's getMath() can hand back libsedml ASTNode proxies.
    return set(re.findall(r"[A-Za-z_]\w*", formula))


def leaves(model, symbol: str) -> set[str]:
    """Species a rule adds up, through the rules it uses (active_* inside pJAK1, ...);
    parameters and compartments are left out."""
    rule = model.getAssignmentRuleByVariable(symbol)
    out = set()
    for name in _names(rule.getFormula()):
        if model.getSpecies(name) is not None:
            out.add(name)
        elif model.getAssignmentRuleByVariable(name) is not None and name.startswith(("active_", "E_")):
            out |= leaves(model, name)
    return out


def _cytoplasmic(model):
    return [s.getId() for s in model.getListOfSpecies() if s.getCompartment() == "cytoplasm"]


def _sum_rows():
    with (REPO / "models" / "tables" / "readout_sums.tsv").open() as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _receptor_chains():
    with (REPO / "models" / "tables" / "chains.tsv").open() as fh:
        return {r["chain"] for r in csv.DictReader(fh, delimiter="\t")}


def test_the_tables_cover_the_sums_the_catalog_names():
    kinds = {r["readout"]: r["kind"] for r in _sum_rows()}
    for name in ["SOCS1_protein", "SOCS3_protein", "CISH_protein", "pJAK1", "pJAK2", "pJAK3", "pTYK2",
                 "IL13RA1_surface", "IL13_bound", "pIL6ST", "pIL4R"]:
        assert name in kinds and name in catalog.READOUTS, name


@pytest.mark.parametrize("row", _sum_rows(), ids=lambda r: r["readout"])
def test_each_derived_sum_holds_exactly_the_species_that_contain_its_protein(model, row):
    """SOCS1_protein holds every SOCS1-bound complex, IL13RA1_surface every species with
    IL13RA1, pJAK1 every active complex carrying JAK1, ... and nothing else."""
    x = row["of"]
    containing = [s for s in _cytoplasmic(model) if x in s.split("_") and "mRNA" not in s.split("_")]
    if row["kind"] == "all_forms":
        expected = set(containing)
    elif row["kind"] == "bound":
        expected = set(containing) - {x}
    else:  # phosphorylated: the active forms, with or without a feedback protein on them
        expected = {s for s in containing if "p" in s.split("_")}
    assert expected, f"{row['readout']}: no species contains {x}"
    assert leaves(model, row["readout"]) == expected


def test_every_active_receptor_feeds_one_kinase_input_unless_a_feedback_protein_sits_on_it(model):
    chains = _receptor_chains()
    inputs = [p.getId() for p in model.getListOfParameters() if p.getId().startswith("E_")]
    assert inputs
    for s in _cytoplasmic(model):
        tokens = s.split("_")
        if "p" not in tokens or not chains & set(tokens):
            continue
        feeding = [e for e in inputs if s in leaves(model, e)]
        if BINDERS & set(tokens):
            assert feeding == [], f"{s} is bound by a feedback protein but still signals through {feeding}"
        else:
            assert len(feeding) == 1, f"active {s} feeds {feeding}"


def test_the_hand_written_jak3_a572v_pair_counts_as_an_active_il2_receptor(model):
    # Declared in modules/il2r_special.ant, found by its name.
    for readout in ("E_IL2R", "pJAK1", "pJAK3"):
        assert "IL2RB_JAK1_IL2RG_JAK3_p" in leaves(model, readout)


def test_every_receptor_phosphorylation_of_a_pimozide_target_is_slowed_by_pimozide(model):
    targets = catalog.drug("pimozide").targets  # STAT5, STAT3
    checked = 0
    for r in model.getListOfReactions():
        if not r.getId().startswith("phos_"):
            continue
        stat = r.getId().split("_")[1]
        for t in targets:
            if stat == t or stat[:-1] == t:  # STAT5A and STAT5B are STAT5
                assert f"pim_{t}" in _names(r.getKineticLaw().getFormula()), r.getId()
                checked += 1
    assert checked >= 6


def test_socs1_binds_every_ligand_bound_complex(model):
    """SOCS1 is broad (feedback_binders.tsv): a complexes.tsv row without it is a mistake."""
    net = network.read_network(REPO / "models")
    for c in net.complexes:
        assert model.getSpecies(c.bound("SOCS1")) is not None, c.name


# Two receptor complexes that do not exist, made of existing chains and parameters:
# one gp130-containing (enters pIL6ST, SOCS3_protein), one IL13RA1-containing
# (enters IL13RA1_surface).
NEW_ROWS = [
    "\t".join(["IL4R_gp130_test", "IL4", "IL4R_JAK1", "kon_cytokine", "Kd_IL4_IL4R", "IL6ST_JAK1", "JAK1", "",
               "IL4R_typeI", "SOCS1:kon_SOCS1 SOCS3:kon_SOCS3", "test only"]),
    "\t".join(["IL6R_IL13RA1_test", "IL6", "IL6R", "kon_cytokine", "Kd_IL6_IL6R", "IL13RA1_TYK2", "TYK2", "",
               "IL6R", "SOCS1:kon_SOCS1", "test only"]),
]


def test_a_new_complex_is_one_table_row_and_enters_every_sum(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(REPO / "models", models)
    hand_written = {p.name: p.read_text(encoding="utf-8") for p in (models / "modules").iterdir()}
    table = models / "tables" / "complexes.tsv"
    table.write_text(table.read_text(encoding="utf-8") + "\n".join(NEW_ROWS) + "\n")

    sbml = build.build_sbml(models, write=True)

    assert {p.name: p.read_text(encoding="utf-8") for p in (models / "modules").iterdir()} == hand_written
    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    gp130 = "IL4_IL4R_JAK1_IL6ST_JAK1"
    il13ra1 = "IL6_IL6R_IL13RA1_TYK2"
    assert {f"{gp130}_p", f"{gp130}_p_SOCS1", f"{gp130}_p_SOCS3"} <= leaves(m, "pIL6ST")
    assert {f"{gp130}_p", f"{gp130}_p_SOCS1"} <= leaves(m, "pJAK1")
    assert f"{gp130}_p_SOCS3" in leaves(m, "SOCS3_protein")
    assert f"{gp130}_p" in leaves(m, "E_IL4R_typeI")
    assert {il13ra1, f"{il13ra1}_p", f"{il13ra1}_p_SOCS1"} <= leaves(m, "IL13RA1_surface")
    assert {f"{gp130}_p_SOCS1", f"{il13ra1}_p_SOCS1"} <= leaves(m, "SOCS1_protein")
    assert f"{il13ra1}_p" in leaves(m, "E_IL6R") and f"{il13ra1}_p" in leaves(m, "pTYK2")
    # SHP-2 acts on the gp130 complex, PTP1B on the TYK2 one (complex_phosphatases.tsv).
    assert "deph_rate_gp130" in _names(m.getReaction("deactivate_IL4R_gp130_test").getKineticLaw().getFormula())
    assert "deph_rate_JAK2_TYK2" in _names(m.getReaction("deactivate_IL6R_IL13RA1_test").getKineticLaw().getFormula())
    assert build.validate(sbml).ok

    # The new receptor works: IL-4 now phosphorylates gp130, which it never touched.
    old = js.load_model().simulate(cytokines={"IL4": "10 ng/mL"}, t_end=30, readouts=["pIL6ST"])
    new = js.load_model(models / "jakstat.xml").simulate(cytokines={"IL4": "10 ng/mL"}, t_end=30,
                                                         readouts=["pIL6ST"])
    assert old["pIL6ST"].max() < 1e-12 and new["pIL6ST"].max() > 1e-3


def test_a_table_row_naming_an_unknown_chain_is_refused_with_its_line(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(REPO / "models", models)
    table = models / "tables" / "complexes.tsv"
    text = table.read_text(encoding="utf-8")
    new_line = len(text.splitlines()) + 1  # the header is line 1
    table.write_text(text + NEW_ROWS[0].replace("IL6ST_JAK1", "IL6ST_JAK3") + "\n")
    with pytest.raises(js.ModelFileError, match=rf"complexes.tsv:{new_line}: partner_chain 'IL6ST_JAK3'"):
        build.build_sbml(models, write=False)
