"""The model as data (issue 25, item 1): every regular part of the network is a row of a
table in models/tables/, the hand-written Antimony keeps only irregular biology, the
catalog reads the same tables, no drug is special-cased by name in the code, and the
worked examples of docs/architecture.md add a cytokine and a drug in the files they say.

That the generated model simulates as the hand-written one did is
tests/test_model_agreement.py.
"""

from __future__ import annotations

import ast
import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import libsbml
import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml import build, catalog
from jakstat_sbml.experiments import default_doses

from .conftest import REPO

MODELS = REPO / "models"
MODULES = sorted((MODELS / "modules").glob("*.ant"))

# What a hand-written module may not define: per-entity statements of the kinds the
# tables generate (issue 25: STAT dimers, shuttling and dephosphorylation; drug x JAK
# constants and occupancy sums; ligand expression; transcriptional feedback; readout sums).
REGULAR_KINDS = {
    "STAT dimerisation, import, shuttling, dephosphorylation":
        r"^(dimerise|assemble|import|shuttle|dephos|bind_PIAS)\w*\s*:|^deph_(STAT\w+_factor|rate_\w+)\s*:=",
    "drug constants and occupancies":
        r"^(Ki|Kcell|occupancy|act|cheng_prusoff_shift|pim)_\w+\s*:=|\bIC50_\w+|\bK_pimozide_\w+|\bcellular_factor_",
    "ligand expression": r":=\s*dose_\w+|\b\w+_autocrine\b",
    "transcriptional feedback": r"^(tx_input|tx)_\w+\s*:=|^(transcribe|translate|degrade)_\w+\s*:",
    "readout sums": r"^(nuc_)?p?(STAT|JAK|TYK|IL|EPOR)\w*\s*:=|^\w+_(total|all|protein|surface|bound)\s*:=",
}


def statements(path: Path) -> list[str]:
    """The Antimony statements of a file, comments dropped, one per ``;``-separated part."""
    out = []
    for line in path.read_text().splitlines():
        code = line.split("//", 1)[0]
        out += [s.strip() for s in code.split(";") if s.strip()]
    return out


def test_the_hand_written_modules_are_what_the_design_says():
    """Units and compartments, and the one piece of biology without a table's pattern."""
    assert [p.name for p in MODULES] == ["core.ant", "jak3_a572v.ant"]
    for p in MODULES:
        first = next(line for line in p.read_text().splitlines() if line.strip())
        assert first.startswith("//"), f"{p.name} opens without saying what it holds and why"
    assert "Irregular because" in (MODELS / "modules" / "jak3_a572v.ant").read_text()


@pytest.mark.parametrize("kind", REGULAR_KINDS)
def test_no_hand_written_module_defines_a_regular_part(kind):
    found = [f"{p.name}: {s}" for p in MODULES for s in statements(p) if re.search(REGULAR_KINDS[kind], s)]
    assert not found, f"{kind} belongs in models/tables/, found by hand: {found}"


def _entity_names() -> set[str]:
    names = set(catalog.GENES) | set(catalog.CYTOKINES) | set(catalog.DRUGS) | set(catalog.MUTATIONS)
    names |= {d.name for d in catalog.DRUGS.values()} | {t for d in catalog.DRUGS.values() for t in d.targets}
    return names | {f"p{n}" for n in names}


def normalised(statement: str, names: set[str]) -> str:
    """The statement with every entity name (gene, cytokine, drug, mutation, STAT family;
    alone or as a token of a longer id) and every number replaced: two statements that
    differ only in the entity they are about normalise alike."""
    def ident(m):
        return "_".join("X" if t in names else t for t in m.group(0).split("_"))
    return re.sub(r"\b\d+(\.\d+)?([eE][-+]?\d+)?\b", "#", re.sub(r"[A-Za-z_]\w*", ident, statement))


def test_normalising_finds_a_repetition_and_passes_a_single_statement():
    names = _entity_names()
    a = normalised("shuttle_STAT1: STAT1 -> STAT1_nuc; cytoplasm * kimp_basal * STAT1", names)
    b = normalised("shuttle_STAT6: STAT6 -> STAT6_nuc; cytoplasm * kimp_basal * STAT6", names)
    assert a == b and "STAT" not in a
    assert normalised("occupancy_JAK1 := ruxolitinib / Kcell_ruxolitinib_JAK1", names) == \
        normalised("occupancy_TYK2 := tofacitinib / Kcell_tofacitinib_TYK2", names)


def test_no_hand_written_statement_repeats_another_but_for_its_entity():
    """`grep` for per-entity repetition: no statement of models/modules is another one
    with other genes, cytokines, drugs or numbers in it."""
    names = _entity_names()
    seen = Counter(normalised(s, names) for p in MODULES for s in statements(p))
    repeated = [s for s, n in seen.items() if n > 1]
    assert not repeated, f"statements repeated per entity by hand: {repeated}"


# ----------------------------------------------------------------------------- the catalog


def _rows(name: str) -> list[dict[str, str]]:
    with (MODELS / "tables" / f"{name}.tsv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def sbml():
    doc = libsbml.readSBMLFromFile(str(catalog.bundled_sbml_path()))
    yield doc.getModel()
    del doc


def test_each_cytokines_jaks_are_those_its_species_carry(sbml):
    """Cytokine.jaks, read from complexes.tsv and chains.tsv, checked against the compiled
    model: the JAKs in every species that holds the ligand."""
    jaks = {g for g, gene in catalog.GENES.items() if gene.module == "kinases"}
    for c in catalog.CYTOKINES.values():
        carried = {t for s in sbml.getListOfSpecies() if c.name in s.getId().split("_")
                   for t in s.getId().split("_") if t in jaks}
        assert set(c.jaks) == carried and len(c.jaks) == len(carried), c.name


def test_genes_cytokines_and_drugs_are_the_rows_of_their_tables():
    assert [(g.symbol, g.uniprot, g.parameter) for g in catalog.GENES.values()] == [
        (r["gene"], r["uniprot"], r["parameter"]) for r in _rows("genes")]
    assert [(c.name, " ".join(c.genes), c.standard_dose) for c in catalog.CYTOKINES.values()] == [
        (r["cytokine"], r["genes"], r["standard_dose"]) for r in _rows("cytokines")]
    for r in _rows("drugs"):
        d = catalog.drug(r["drug"])
        assert " ".join(f"{t}:{k}" for t, k in d.constants.items()) == r["targets"]
        assert d.doses == tuple(float(x) for x in r["doses_nM"].split())
        assert default_doses(d.name) == d.doses
        assert (d.mechanism, d.cellular_factor, d.label_fraction_unbound) == (
            r["mechanism"], r["cellular_factor"], float(r["fraction_unbound"]))


def test_every_drug_acts_on_its_targets_in_the_compiled_model(sbml):
    """An ATP-competitive drug's constant on each target JAK enters that JAK's occupancy;
    a drug on STAT phosphorylation slows every receptor phosphorylation of its STATs."""
    def formula(symbol):
        return sbml.getAssignmentRuleByVariable(symbol).getFormula()

    for d in catalog.DRUGS.values():
        for target, constant in d.constants.items():
            if d.mechanism in ("atp_competitive", "covalent_jak3"):  # covalent: its reversible step
                assert f"Kcell_{d.name}_{target}" in formula(f"occupancy_{target}")
                assert constant in formula(f"Ki_{d.name}_{target}")
                assert d.cellular_factor in formula(f"Kcell_{d.name}_{target}")
            elif d.mechanism == "allosteric_tyk2":  # a factor on TYK2 beside, not inside, its occupancy
                assert f"Kcell_{d.name}_{target}" in formula(f"allosteric_{target}")
                assert f"Kcell_{d.name}_{target}" not in formula(f"occupancy_{target}")
                assert f"allosteric_{target}" in formula(f"act_{target}")
                assert constant in formula(f"Kcell_{d.name}_{target}") and d.cellular_factor in formula(
                    f"Kcell_{d.name}_{target}")
            else:
                factor = f"{d.short_name}_{target}"
                assert constant in formula(factor) and d.name in formula(factor)
                phos = [r for r in sbml.getListOfReactions() if r.getId().startswith(f"phos_{target}")]
                assert phos and all(factor in r.getKineticLaw().getFormula() for r in phos)
        if d.mechanism == "covalent_jak3":  # the bonded JAK3 takes its share out of act_JAK3
            bond = sbml.getReaction(f"covalent_{d.name}_JAK3").getKineticLaw().getFormula()
            assert f"kinact_{d.name}_JAK3" in bond and f"Kcell_{d.name}_JAK3" in bond and "occupancy_JAK3" in bond
            assert f"{d.name}_JAK3_adduct" in formula("inactivated_JAK3")
            assert "inactivated_JAK3" in formula("act_JAK3")


def test_dose_series_derive_from_the_drug_table():
    from jakstat_sbml.explore.data import DRUG_DOSES
    from jakstat_sbml.interop.copasi import SCAN_DOSES
    from jakstat_sbml.uncertainty.predictions import IC50

    for d in catalog.DRUGS.values():
        wide = IC50(d.name, "IL2").doses
        assert wide == d.wide_doses and wide[0] < min(d.doses) / 5 and wide[-1] > max(d.doses)
        assert np.allclose(np.diff(np.log10(wide)), 1.0)
        assert DRUG_DOSES[d.name] == d.map_doses and set(d.map_doses) <= set(d.doses)
    assert SCAN_DOSES == tuple(float(x) for x in default_doses("ruxolitinib"))


def _drug_names_used_as_cases(tree: ast.AST, drugs: set[str]) -> list[int]:
    """Lines where a drug's name decides what code does: compared with, a literal key of
    a mapping, or a member of a literal collection tested with ``in``."""
    def names(node):
        if isinstance(node, ast.Constant) and node.value in drugs:
            return [node]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return [e for e in node.elts if isinstance(e, ast.Constant) and e.value in drugs]
        return []

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for part in [node.left, *node.comparators]:
                lines += [n.lineno for n in names(part)]
        elif isinstance(node, ast.Dict):
            lines += [k.lineno for k in node.keys if k is not None and names(k)]
    return lines


def test_no_drug_is_special_cased_by_name_in_the_package():
    drugs = set(catalog.DRUGS)
    found = []
    for path in sorted((REPO / "src" / "jakstat_sbml").rglob("*.py")):
        lines = _drug_names_used_as_cases(ast.parse(path.read_text(encoding="utf-8")), drugs)
        found += [f"{path.relative_to(REPO)}:{n}" for n in lines]
    assert not found, f"a drug decided by its name, not by drugs.tsv: {found}"
    # the check would see one
    assert _drug_names_used_as_cases(ast.parse('x = 1 if d == "pimozide" else {"ruxolitinib": 2}'), drugs) == [1, 1]


# ----------------------------------------------------------------------------- worked examples


def worked_examples() -> dict[str, dict[str, str]]:
    """docs/architecture.md's worked examples: example -> {file under models/: its rows}."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    out: dict[str, dict[str, str]] = {}
    for example, body in re.findall(r"^### Worked example: (.+?)\n(.*?)(?=^##)", text, flags=re.M | re.S):
        blocks = re.findall(r"`(models/[\w/.]+\.tsv)`(?:(?!```).)*?```tsv\n(.*?)```", body, flags=re.S)
        out[example.strip()] = {path: rows for path, rows in blocks}
    return out


def _stated_count(example: str) -> int:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    body = text.split(f"### Worked example: {example}", 1)[1]
    return int(re.search(r"\*\*(\d+) hand-edited files?\*\*", body).group(1))


def _apply(models: Path, rows: dict[str, str]) -> None:
    for path, text in rows.items():
        target = models.parent / path
        current = target.read_text(encoding="utf-8")
        target.write_text(current + ("" if current.endswith("\n") else "\n") + text, encoding="utf-8")


def _edited(models: Path) -> set[str]:
    """Files under the copy of models/ that differ from the repository's, generated ones aside."""
    generated = {p.relative_to(REPO) for p in build.generated_sources(MODELS)} | {Path("models/jakstat.xml")}
    out = set()
    for p in models.rglob("*"):
        rel = Path("models") / p.relative_to(models)
        if p.is_file() and rel not in generated and p.read_bytes() != (REPO / rel).read_bytes():
            out.add(str(rel))
    return out


def _response(sbml: Path, parameters: dict[str, float], readout: str, t_end: float) -> float:
    """A readout at ``t_end`` min after ``parameters`` are set on the unstimulated cell, by
    a plain RoadRunner on the built file (the package's Model knows only the package's
    catalog, not the copy's new rows)."""
    import roadrunner

    rr = roadrunner.RoadRunner(str(sbml))
    rr.integrator.relative_tolerance = 1e-8
    rr.simulate(0, 20000, 2)  # the unstimulated steady state
    for p, v in parameters.items():
        rr[p] = v
    return float(rr.simulate(0, t_end, 2, ["time", readout])[-1, 1])


def test_the_architecture_page_has_both_worked_examples_with_their_counts():
    examples = worked_examples()
    assert set(examples) == {"a cytokine", "a drug"}
    assert _stated_count("a cytokine") == len(examples["a cytokine"]) <= 4
    assert _stated_count("a drug") == len(examples["a drug"]) <= 2


# The worked drug (baricitinib) is in the tables since issue 23: its rows are replayed on the
# copy under this name, so that they add a drug the copy does not have yet.
REPLAYED_DRUG = "exampletinib"


def _example_rows(example: str) -> dict[str, str]:
    rows = worked_examples()[example]
    if example != "a drug":
        return rows
    (drug,) = {line.split("\t")[0] for line in rows["models/tables/drugs.tsv"].splitlines()}
    return {path: text.replace(drug, REPLAYED_DRUG) for path, text in rows.items()}


def test_the_worked_drug_quotes_the_tables_own_rows():
    """The architecture page shows the rows the tables hold, not a copy that can drift."""
    for path, text in worked_examples()["a drug"].items():
        held = set((REPO / path).read_text(encoding="utf-8").splitlines())
        missing = [line.split("\t")[0] for line in text.splitlines() if line not in held]
        assert not missing, f"{path}: rows of the worked example not in the table: {missing}"


def _built_with_example(tmp_path, example: str):
    """A copy of models/ with the worked example's rows applied and built; only the
    example's files are edited by hand (the generated ones aside)."""
    models = tmp_path / "models"
    shutil.copytree(MODELS, models)
    rows = _example_rows(example)
    _apply(models, rows)
    build.build_sbml(models, write=True)
    assert _edited(models) == set(rows)
    return models, catalog.read_model_tables(models)


def test_the_worked_cytokine_is_its_rows_and_signals(tmp_path):
    models, tables = _built_with_example(tmp_path, "a cytokine")
    (new,) = set(tables.cytokines) - set(catalog.CYTOKINES)
    c = tables.cytokines[new]
    assert c.jaks and set(c.jaks) <= {"JAK1", "JAK2", "JAK3", "TYK2"}
    dose = js.units.to_nM(c.standard_dose, what=new, mass_kda=c.mass_kda)
    on = _response(models / "jakstat.xml", {c.dose_parameter: dose}, c.main_readout, 20)
    off = _response(models / "jakstat.xml", {}, c.main_readout, 20)
    assert on > 10 * off + 1e-3, (on, off)
    doc = libsbml.readSBMLFromFile(str(models / "jakstat.xml"))
    assert any(new in s.getId().split("_") for s in doc.getModel().getListOfSpecies() if s.getId() != new)


def test_the_worked_drug_is_its_rows_and_inhibits(tmp_path):
    models, tables = _built_with_example(tmp_path, "a drug")
    (new,) = set(tables.drugs) - set(catalog.DRUGS)
    d = tables.drugs[new]
    assert d.mechanism == "atp_competitive" and d.doses
    il6 = {"dose_IL6": js.units.to_nM("40 ng/mL", what="IL6", mass_kda=catalog.CYTOKINES["IL6"].mass_kda)}
    alone = _response(models / "jakstat.xml", il6, "pSTAT3", 20)
    dosed = _response(models / "jakstat.xml", {**il6, d.dose_parameter: 1000.0}, "pSTAT3", 20)
    assert dosed < 0.5 * alone, (dosed, alone)


# ----------------------------------------------------------------------------- sources (issue 23)


def test_every_drug_row_and_every_parameter_it_names_is_sourced():
    """A drug without sourced numbers fails here (issue 23): its row names its source and
    the source of its fraction unbound, and every parameter the row names (constants,
    cellular factor, assay ATP, dose) has a recognised source, a plausible range with its
    reason, or is excluded from ranges with its reason. A declared assumption counts as a
    source only with 'assumed' said in so many words and a range."""
    from .test_parameters import SOURCE

    table = {r["id"]: r for r in csv.DictReader((MODELS / "parameters.tsv").open(encoding="utf-8"),
                                                 delimiter="\t")}
    for r in _rows("drugs"):
        d = catalog.drug(r["drug"])
        assert len(r["source"]) > 20, f"{d.name}: drugs.tsv source empty or too short"
        assert len(r["fraction_unbound_source"]) > 15, f"{d.name}: fraction_unbound_source empty"
        if r["fraction_unbound_source"].startswith("assumed"):
            assert re.search(r"range \d", r["fraction_unbound_source"]), f"{d.name}: assumed fu needs a range"
        assert d.chebi or d.chembl, f"{d.name}: no ChEBI or ChEMBL id"
        names = [*d.constants.values(), d.dose_parameter, d.cellular_factor, d.assay_atp]
        for p in filter(None, names):
            row = table[p]
            assert SOURCE.match(row["source"]), f"{d.name}: {p} source {row['source']!r}"
            assert row["range_source"], f"{d.name}: {p} has no range reason"
            if row["range_source"].startswith("excluded:"):
                continue
            assert 0 < float(row["lower"]) <= float(row["value"]) <= float(row["upper"]), (d.name, p)
            if row["source"].startswith("assumed:"):
                assert float(row["upper"]) > float(row["lower"]), f"{d.name}: assumed {p} needs a range"


def test_the_unsourced_drug_check_fails_on_an_unsourced_row(tmp_path):
    """The check above bites: a drug row with an empty source is refused by the catalog
    (every drugs.tsv column but chebi, chembl, cellular_factor, short_name and assay_ATP is
    required), and a constant without a recognised source by the parameter pattern."""
    from jakstat_sbml.errors import ModelFileError
    from .test_parameters import SOURCE

    models = tmp_path / "models"
    shutil.copytree(MODELS, models)
    path = models / "tables" / "drugs.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    cells = lines[-1].split("\t")
    cells[header.index("source")] = ""
    path.write_text("\n".join(lines[:-1] + ["\t".join(cells)]) + "\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match="source"):
        catalog.read_model_tables(models)
    assert not SOURCE.match("ChEMBL somewhere") and not SOURCE.match("")
