"""The network generated from models/tables/: sums complete, one row per new complex.

The checks read the compiled SBML, not the generator's own bookkeeping, and
recognise species by the tokens of their ids (the model's naming convention), so
a species the generator misses, hand-written or generated, fails them.
"""

import csv
import re
import shutil

import libsbml
import numpy as np
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


def _copies(species: str, protein: str) -> int:
    """Copies of a protein in a species id, phosphorylated (pSTAT3) or not (STAT3)."""
    return sum(t in (protein, f"p{protein}") for t in species.split("_"))


def _value(model, symbol: str, values: dict[str, float]) -> float:
    """A rule's value with the given species values (its formula has + * / only)."""
    rule = model.getAssignmentRuleByVariable(symbol)
    names = {n: values[n] if n in values else _value(model, n, values) if model.getAssignmentRuleByVariable(n)
             else model.getCompartment(n).getSize() if model.getCompartment(n) else model.getParameter(n).getValue()
             for n in _names(rule.getFormula())}
    return eval(rule.getFormula(), {}, names)  # noqa: S307 - the model's own sums


STAT_SUMS = {"nuclear_forms": "nucleus", "cytoplasmic_forms": "cytoplasm"}


@pytest.mark.parametrize("row", [r for r in _sum_rows() if r["kind"] in STAT_SUMS or r["kind"] == "dimer"],
                         ids=lambda r: r["readout"])
def test_each_stat_sum_counts_every_copy_of_its_protein_once(model, row):
    """STAT3_nuc_total holds every nuclear species with STAT3 (a homodimer twice, a
    PIAS-bound one too), STAT3_cyt_total every cytoplasmic one; pSTAT5A_pSTAT5B_all the
    heterodimer in both compartments, whole cell."""
    rng = np.random.default_rng(1)
    values = {s.getId(): float(rng.uniform(0.5, 2.0)) for s in model.getListOfSpecies()}
    x = row["of"]
    if row["kind"] == "dimer":
        members = {x, f"{x}_nuc"}
        cyt, nuc = (model.getCompartment(c).getSize() for c in ("cytoplasm", "nucleus"))
        expected = (cyt * values[x] + nuc * values[f"{x}_nuc"]) / (cyt + nuc)
    else:
        members = {s.getId() for s in model.getListOfSpecies()
                   if s.getCompartment() == STAT_SUMS[row["kind"]] and _copies(s.getId(), x)}
        expected = sum(_copies(s, x) * values[s] for s in members)
    assert members and leaves(model, row["readout"]) == members
    assert _value(model, row["readout"], values) == pytest.approx(expected, rel=1e-12)


def _stats():
    with (REPO / "models" / "tables" / "stats.tsv").open() as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t") if r["phosphorylated"] == "yes"]


@pytest.mark.parametrize("stat", [r["protein"] for r in _stats()])
def test_each_phospho_stat_readout_counts_every_phosphorylated_copy(model, stat):
    """pSTATx (whole cell) and nuc_pSTATx (nuclear) hold every species with a
    phosphorylated STATx, a homodimer twice, PIAS-bound and ISGF3 forms included."""
    rng = np.random.default_rng(2)
    values = {s.getId(): float(rng.uniform(0.5, 2.0)) for s in model.getListOfSpecies()}
    size = {c: model.getCompartment(c).getSize() for c in ("cytoplasm", "nucleus")}
    held = {c: sum(s.getId().split("_").count(f"p{stat}") * values[s.getId()] for s in model.getListOfSpecies()
                   if s.getCompartment() == c) for c in size}
    assert held["cytoplasm"] > 0 and held["nucleus"] > 0
    assert _value(model, f"nuc_p{stat}", values) == pytest.approx(held["nucleus"], rel=1e-12)
    whole = (size["cytoplasm"] * held["cytoplasm"] + size["nucleus"] * held["nucleus"]) / sum(size.values())
    assert _value(model, f"p{stat}", values) == pytest.approx(whole, rel=1e-12)
    family = next(r["family"] for r in _stats() if r["protein"] == stat)
    if family != stat:
        members = [r["protein"] for r in _stats() if r["family"] == family]
        assert _value(model, f"p{family}", values) == pytest.approx(
            sum(_value(model, f"p{m}", values) for m in members), rel=1e-12)


@pytest.mark.parametrize("row", [r for r in _sum_rows() if r["kind"] not in STAT_SUMS and r["kind"] != "dimer"],
                         ids=lambda r: r["readout"])
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
    # Declared in modules/jak3_a572v.ant, found by its name.
    for readout in ("E_IL2R", "pJAK1", "pJAK3"):
        assert "IL2RB_JAK1_IL2RG_JAK3_p" in leaves(model, readout)


def test_every_receptor_phosphorylation_of_a_drugs_target_stat_is_slowed_by_it(model):
    """A drug on STAT phosphorylation (drugs.tsv; pimozide) multiplies every phos_* of its
    STATs, a family (STAT5) meaning each member, and no other."""
    checked = 0
    for d in catalog.DRUGS.values():
        if d.mechanism != "stat_phosphorylation":
            continue
        for r in model.getListOfReactions():
            if not r.getId().startswith("phos_"):
                continue
            stat = r.getId().split("_")[1]
            for t in d.targets:
                acts = stat == t or stat[:-1] == t  # STAT5A and STAT5B are STAT5
                assert (f"{d.short_name}_{t}" in _names(r.getKineticLaw().getFormula())) == acts, r.getId()
                checked += acts
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
