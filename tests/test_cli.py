"""The `jakstat` command line, end to end on small inputs (typer's CliRunner, in process)."""

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.cli import app

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


COMMANDS = ["simulate", "dose-response", "screen", "combine", "report", "build"]


def test_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command,expected", [
    ("simulate", "--mutation"), ("dose-response", "--drug"), ("screen", "--gene"), ("combine", "--doses-a"),
    ("report", "--out"),
])
def test_each_command_explains_itself(command, expected):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert expected in result.output and "--format" in result.output


def test_simulate_writes_csv_and_svg(tmp_path):
    out = tmp_path / "il6.csv"
    result = invoke("simulate", "-c", "IL6=40 ng/mL", "-d", "ruxolitinib=500", "-k", "SOCS3", "--t-end", 30,
                    "--preincubation", 30, "--out", out, "--format", "svg")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    assert df["time"].iloc[-1] == 30 and "pSTAT3" in df
    assert "<svg" in (tmp_path / "il6.svg").read_text()[:2000]
    model = js.load_model()
    expected = model.simulate(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 500}, knockouts=["SOCS3"],
                              preincubation=30, t_end=30)
    np.testing.assert_allclose(df["pSTAT3"], expected["pSTAT3"], rtol=1e-9)


def test_simulate_prints_a_table_with_mutations_and_plasma_doses():
    result = invoke("simulate", "-m", "JAK3_A572V=0.5", "-d", "tofacitinib=1 uM", "--plasma", "--t-end", 20,
                    "-r", "pSTAT5")
    assert result.exit_code == 0, result.output
    assert "pSTAT5" in result.output and "time" in result.output


def test_dose_response_for_a_drug_writes_data_fit_and_figure(tmp_path):
    result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100,1000,10000",
                    "--time", 20, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    name = "dose_response_ruxolitinib_IL6_pSTAT3"
    data = pd.read_csv(tmp_path / f"{name}.csv")
    fit = pd.read_csv(tmp_path / f"{name}_fit.csv")
    assert (tmp_path / f"{name}.png").stat().st_size > 0
    assert data["dose_nM"].tolist() == [10, 100, 1000, 10000]
    curve = js.dose_response(js.load_model(), "ruxolitinib", "IL6", doses=[10, 100, 1000, 10000], time=20)
    assert fit["ic50_nM"].iloc[0] == pytest.approx(curve.ic50, rel=1e-6)
    assert "IC50" in result.output


def test_dose_response_without_a_drug_titrates_the_cytokine(tmp_path):
    result = invoke("dose-response", "IL2", "--doses", "0.001,0.01,0.1,1", "--window", "0,30", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    fit = pd.read_csv(tmp_path / "dose_response_IL2_pSTAT5_fit.csv")
    assert fit["measure"].iloc[0] == "AUC 0-30 min" and fit["ec50_nM"].iloc[0] > 0
    assert "EC50" in result.output


def test_screen_writes_long_and_matrix_tables_and_a_heatmap(tmp_path):
    result = invoke("screen", "-c", "IL2", "-c", "IL6", "-g", "JAK3", "-g", "SOCS3", "--window", "0,60",
                    "--out", tmp_path, "--format", "svg")
    assert result.exit_code == 0, result.output
    long = pd.read_csv(tmp_path / "knockout_screen.csv")
    assert len(long) == 4 and set(long.gene) == {"JAK3", "SOCS3"}
    matrix = pd.read_csv(tmp_path / "knockout_screen_log2fc.csv", index_col=0)
    assert list(matrix.columns) == ["IL2/pSTAT5", "IL6/pSTAT3"]
    assert matrix.loc["JAK3", "IL2/pSTAT5"] < -5  # JAK3 is required for IL-2 signalling
    assert (tmp_path / "knockout_screen.svg").exists()


def test_combine_writes_the_grid_and_the_maps(tmp_path):
    result = invoke("combine", "ruxolitinib", "pimozide", "IL2", "--doses-a", "100,1000", "--doses-b",
                    "3000,30000", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    grid = pd.read_csv(tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5.csv")
    assert len(grid) == 9 and {"bliss", "loewe", "hsa"} <= set(grid.columns)
    assert (tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5.png").exists()
    assert "bliss" in result.output


def test_report_writes_one_folder_tied_together_by_its_index(tmp_path):
    out = tmp_path / "report"
    result = invoke("report", "--out", out)
    assert result.exit_code == 0, result.output
    index = (out / "index.md").read_text()
    links = re.findall(r"\]\(([^)#]+)\)", index)
    assert links and all((out / link).exists() for link in links), [x for x in links if not (out / x).exists()]
    for c in catalog.CYTOKINES:
        assert f"timecourse_{c}.png" in links and f"timecourse_{c}.csv" in links
    for figure in ["knockout_screen.png", "combination.png", "cytokine_ec50.png", "mutations.png",
                   *(f"ic50_{d}.png" for d in catalog.DRUGS)]:
        assert figure in links
    table = pd.read_csv(out / "drug_ic50.csv")
    expected = {(d, c, r) for d in catalog.DRUGS for c, r in catalog.drug_pairs(d)}
    assert set(zip(table.drug, table.cytokine, table.readout)) == expected
    assert ("pimozide", "IL2", "pSTAT5") in expected  # the pair the combination map uses too


@pytest.mark.parametrize("args,message", [
    (["dose-response", "IL6", "--drug", "ruxolitinb"], "ruxolitinib"),
    (["dose-response", "IL-6"], "IL6"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--doses=-5,10"], "negative"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", ""], "empty"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "ten nM"], "cannot read"),
    (["dose-response", "IL6", "--time", "0"], "time must be"),
    (["dose-response", "IL6", "--window", "0-60"], "START,END"),
    (["simulate", "-c", "IL6=lots"], "cannot read"),
    (["simulate", "-c", "IL6=1", "--t-end", "0"], "t_end must be > 0"),
    (["simulate", "--context", "hepatocytes"], "hepatocyte"),
    (["simulate", "-m", "JAK3_A527V"], "JAK3_A572V"),
    (["screen", "-g", "SOCS2"], "SOCS3"),
    (["screen", "-r", "pSTAT7"], "pSTAT"),
    (["combine", "ruxolitinib", "ruxolitinib", "IL2"], "two different drugs"),
    (["combine", "ruxolitinib", "pimozide", "IL2", "--doses-b", "1 kg"], "not a concentration"),
])
def test_bad_input_exits_non_zero_with_the_message_and_writes_nothing(tmp_path, args, message):
    result = invoke(*args, *(["--out", tmp_path / "out"] if args[0] != "simulate" else []))
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()
