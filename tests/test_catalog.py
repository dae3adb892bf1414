"""Names, identifiers and doses: unknown input fails early with the nearest valid names."""

import math

import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.units import to_nM


def test_every_design_gene_is_in_the_catalog():
    design = """IL2 IL4 IL6 IL12A IL12B IL13 IFNA2 IFNG IL15 IL21 CSF2 EPO IL2RA IL2RB IL2RG IL4R IL13RA1 IL6R IL6ST
    IFNAR1 IFNAR2 IFNGR1 IFNGR2 IL12RB1 IL12RB2 IL15RA IL21R CSF2RA CSF2RB EPOR JAK1 JAK2 JAK3 TYK2 STAT1 STAT2 STAT3 STAT4
    STAT5A STAT5B STAT6 IRF9 SOCS1 SOCS3 CISH PTPN6 PTPN11 PTPN2 PTPN1 PIAS1 PIAS3""".split()
    assert sorted(js.genes()) == sorted(design)


def test_uniprot_accessions_are_well_formed_and_unique():
    acc = [g.uniprot for g in catalog.GENES.values()]
    assert len(set(acc)) == len(acc)
    for a in acc:
        assert len(a) == 6 and a[0] in "OPQ" and a[1].isdigit(), a


@pytest.mark.parametrize("kind,bad,expected", [
    ("gene", "JAK4", "JAK1"), ("gene", "stat3", "STAT3"), ("cytokine", "IL-6", "IL6"),
    ("drug", "ruxolitinb", "ruxolitinib"), ("readout", "pSTAT33", "pSTAT3"), ("context", "hepatocytes", "hepatocyte"),
])
def test_unknown_names_suggest_the_nearest(kind, bad, expected):
    with pytest.raises(js.UnknownNameError) as err:
        getattr(catalog, kind)(bad)
    assert isinstance(err.value, js.JakStatError) and isinstance(err.value, ValueError)
    assert repr(bad) in str(err.value) and repr(expected) in str(err.value)


def test_contexts_listed_with_default_first():
    assert js.contexts()[0] == "ctcl"
    assert "hepatocyte" in js.contexts()


@pytest.mark.parametrize("dose,nM", [
    (5, 5.0), ("500 nM", 500.0), ("1 uM", 1000.0), ("1 µM", 1000.0), ("2e-9 M", 2.0), ("0.5 mM", 5e5),
])
def test_molar_doses(dose, nM):
    assert to_nM(dose, what="x") == pytest.approx(nM)


def test_epo_doses_count_the_glycoprotein():
    # recombinant EPO is the 30.4 kDa glycoprotein (CHO-made epoetin); 42 ng/mL ~ 5 U/mL = 1.38 nM
    assert to_nM("42 ng/mL", what="EPO", mass_kda=catalog.CYTOKINES["EPO"].mass_kda) == pytest.approx(1.38, rel=1e-2)


def test_mass_doses_use_the_cytokine_molar_mass():
    # 40 ng/mL IL-6 (20.8 kDa) = 40e-6 g/L / 20800 g/mol = 1.923 nM
    assert to_nM("40 ng/mL", what="IL6", mass_kda=catalog.CYTOKINES["IL6"].mass_kda) == pytest.approx(1.923, rel=1e-3)


@pytest.mark.parametrize("dose,message", [
    (-1, "negative"), (math.nan, "finite"), (math.inf, "finite"), ("ten nM", "cannot read"),
    ("5 kg", "not a concentration"), ("40 ng/mL", "molar mass"), (True, "number"),
])
def test_bad_doses_are_rejected(dose, message):
    with pytest.raises(js.InputError, match=message):
        to_nM(dose, what="ruxolitinib")


def test_each_cytokine_names_its_receptor_chains_from_the_tables():
    """The chains a knockout blocks a cytokine with (the warning for an inert cytokine-gene
    knockout names them): derived from capture_chains.tsv and complexes.tsv, not from the
    description's prose. IL-2: IL2RA captures it, IL2RB and gamma-c signal (Wang & Smith,
    J Exp Med 1987); EPO: the EPOR homodimer."""
    assert catalog.cytokine("IL2").receptor_chains == ("IL2RA", "IL2RB", "IL2RG")
    assert catalog.cytokine("EPO").receptor_chains == ("EPOR",)
    for c in catalog.CYTOKINES.values():
        assert c.receptor_chains and all(catalog.gene(g).module == "receptors" for g in c.receptor_chains), c.name


def test_a_data_table_that_is_missing_or_lacks_a_column_is_one_clear_error(tmp_path):
    """The data's readers (pharmacology rows, ex vivo tests, same-assay pairs, CTCL mutation
    frequencies) share one reader; each had its own copy of these checks."""
    from jakstat_sbml.errors import InputError

    with pytest.raises(InputError, match="is missing: the test rows ship with the package"):
        catalog.read_data_table(tmp_path / "none.tsv", ["id"], "the test rows")
    (tmp_path / "rows.tsv").write_text("id\tvalue\nA\t\n", encoding="utf-8")
    with pytest.raises(InputError, match="columns missing: source"):
        catalog.read_data_table(tmp_path / "rows.tsv", ["id", "source"], "the test rows")
    table = catalog.read_data_table(tmp_path / "rows.tsv", ["id"], "the test rows")
    assert table.loc[0, "value"] == ""  # an empty cell stays text, not NaN
