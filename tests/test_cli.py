"""The `jakstat` command line, end to end on small inputs (typer's CliRunner, in process)."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import jakstat_sbml as js
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


def _leaf_commands():
    from typer.main import get_command

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, command
    return list(walk(get_command(app), []))


def test_every_commands_help_fits_an_80_column_terminal():
    """Typer keeps a docstring's line breaks, and a help line a little longer than the
    80-column panel left one word on a line of its own (`jakstat lowest-dose --help`:
    "...each draw has its own lowest dose and the" / "answer is..."); examples longer than
    the panel were cut mid-command. Every line of every command's help, past its first
    paragraph (Typer joins that one), is now a whole line of the help shown at 80 columns,
    examples with their indent (continued with a backslash where long)."""
    for path, command in _leaf_commands():
        shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
        assert shown.exit_code == 0, path
        lines = {line.rstrip() for line in shown.output.splitlines()}
        for paragraph in (command.help or "").split("\n\n")[1:]:
            for line in paragraph.splitlines():
                assert " " + line.rstrip() in lines, (path, line)


def test_simulate_writes_csv_and_svg(tmp_path):
    out = tmp_path / "il6.csv"
    result = invoke("simulate", "-c", "IL6=40 ng/mL", "-d", "ruxolitinib=500", "-k", "SOCS3", "--t-end", 30,
                    "--preincubation", 30, "--out", out, "--format", "svg")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    assert df["time"].iloc[-1] == 30 and "pSTAT3" in df
    assert "<svg" in (tmp_path / "il6.svg").read_text(encoding="utf-8")[:2000]
    model = js.load_model()
    expected = model.simulate(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 500}, knockouts=["SOCS3"],
                              preincubation=30, t_end=30)
    np.testing.assert_allclose(df["pSTAT3"], expected["pSTAT3"], rtol=1e-9)


def test_simulate_prints_a_table_with_mutations_and_plasma_doses():
    result = invoke("simulate", "-m", "JAK3_A572V=0.5", "-d", "tofacitinib=1 uM", "--plasma", "--t-end", 20,
                    "-r", "pSTAT5")
    assert result.exit_code == 0, result.output
    assert "pSTAT5" in result.output and "time" in result.output
    # the printed table ends at t_end (every 12th of 126 rows ended at 120 min)
    # without -r the table shows seven readouts of many, and says so (an audit took them for all)
    assert re.search(r"7 of \d+ readouts: -r for others, --out writes all", " ".join(
        invoke("simulate", "-c", "IL6=1", "--t-end", 5).output.split()))
    longer = invoke("simulate", "-c", "IL2=1", "--t-end", 125, "-r", "pSTAT5")
    times = [float(line.split("│")[1]) for line in longer.output.splitlines() if line.count("│") == 3]
    assert times[0] == 0 and times[-1] == 125 and len(times) <= 14


def test_dose_response_for_a_drug_writes_data_fit_and_figure(tmp_path):
    result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "0.1,1,10,100,1000",
                    "--time", 20, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    name = "dose_response_ruxolitinib_IL6_pSTAT3"
    data = pd.read_csv(tmp_path / f"{name}.csv")
    fit = pd.read_csv(tmp_path / f"{name}_fit.csv")
    assert (tmp_path / f"{name}.png").stat().st_size > 0
    assert data["dose_nM"].tolist() == [0.1, 1, 10, 100, 1000]
    curve = js.dose_response(js.load_model(), "ruxolitinib", "IL6", doses=[0.1, 1, 10, 100, 1000], time=20)
    assert fit["ic50_nM"].iloc[0] == pytest.approx(curve.ic50, rel=1e-6)
    assert "IC50" in result.output
    # the Hill fit's precision is printed as what it is, never as the IC50's confidence interval
    assert "95% CI" not in result.output and "Hill-fit precision" in result.output
    # the run's table is a result a user can keep: js.load gives back its summary and flags (the
    # record kept them for lowest-dose alone, so js.load(...).summary() of every other command was {})
    kept = js.load(tmp_path / f"{name}.csv")
    assert kept.experiment == "DoseResponse" and kept.summary()["ic50_nM"] == pytest.approx(curve.ic50, rel=1e-6)
    assert kept.flags == tuple(curve.flags)
    with pytest.raises(js.InputError, match=f"written beside {name}.csv, the result's table"):
        js.load(tmp_path / f"{name}_fit.csv")  # whose summary would have been {}, silently


@pytest.mark.parametrize("args, message", [
    # a second user audit: explore wrote an HTML page named x.png, and ran a cytokine or gene given twice twice
    (["explore", "--out", "{tmp}/x.png", "-c", "IL6", "-g", "SOCS3"], "give a .html name"),
    (["explore", "--out", "{tmp}/x.html", "-c", "IL6", "-c", "IL6"], "cytokines name 'IL6' more than once"),
    (["explore", "--out", "{tmp}/x.html", "-g", "SOCS3", "-g", "SOCS3"], "genes name 'SOCS3' more than once"),
    # a knockout given twice was one, and a fold of 0 a knockout, without a word
    (["simulate", "-c", "IL6=1", "-k", "SOCS3", "-k", "SOCS3", "--t-end", "5"], "knockouts name 'SOCS3' more"),
    (["simulate", "-c", "IL6=1", "-o", "PIAS3=0", "--t-end", "5"], "is a knockout: give -k PIAS3"),
    (["screen", "-c", "IL6", "-r", "pSTAT3", "-r", "pSTAT3", "-g", "SOCS3", "--out", "{tmp}/s"],
     "readouts name 'pSTAT3' more than once"),
    # "unknown cytokine 'IL6=5'; did you mean 'IL6'" read as a typo: these commands take names only
    (["screen", "-c", "IL6=5", "-g", "SOCS3", "--out", "{tmp}/s"], "takes cytokine names, each at its standard dose"),
    (["trial", "ruxolitinib", "20mg", "-c", "IL6=0", "--out", "{tmp}/t"], "not NAME=DOSE: give -c IL6"),
])
def test_a_name_given_twice_or_a_wrong_file_type_is_refused_in_one_line(tmp_path, args, message):
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args], terminal_width=200)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # nothing written


def test_force_removes_what_the_replaced_run_wrote_and_keeps_what_the_user_changed(tmp_path):
    """A user audit: rerunning a folder of `dose-response -u potency` without -u and with
    --force left the old _band.csv and _draws.csv (one with the user's note) beside the new
    curve, named by no record, reading as this run's. The replaced run's untouched files
    are removed now; the one the user changed is kept, and the console says so."""
    name = "dose_response_ruxolitinib_IL6_pSTAT3"
    args = ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "1,10,100,1000", "--out", str(tmp_path)]
    assert runner.invoke(app, [*args, "-u", "potency", "--draws", "20"]).exit_code == 0
    with open(tmp_path / f"{name}_draws.csv", "a") as draws:
        draws.write("# my note\n")
    again = runner.invoke(app, [*args, "--force"], terminal_width=250)
    assert again.exit_code == 0, again.output
    assert not (tmp_path / f"{name}_band.csv").exists() and f"removed {tmp_path / (name + '_band.csv')}" in again.output
    assert (tmp_path / f"{name}_draws.csv").read_text().endswith("# my note\n")
    assert "warning: kept" in again.output and f"{name}_draws.csv" in again.output
    assert set(js.read_provenance(tmp_path / f"{name}.provenance.json")["files"]) == {
        f"{name}.csv", f"{name}_fit.csv", f"{name}.png"}


def test_dose_response_prints_the_bound_the_doses_put_on_an_ic50_they_cannot_fit(tmp_path):
    """Ruxolitinib's IL-6 IC50 is several nM: at 0.01-0.1 nM no dose inhibits by half, so the
    IC50 is above 0.1 nM, printed as that bound with the reason and stored in the fit CSV."""
    result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "0.01,0.03,0.1", "--time", 20,
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "IC50 (nM, free): > 0.1, a bound from the doses tested (" in " ".join(result.output.split())
    fit = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_fit.csv")
    assert fit["ic50_bound"].iloc[0] == "> 0.1" and math.isnan(fit["ic50_nM"].iloc[0])



def test_dose_response_prints_an_ic50_the_fit_keeps_though_its_fit_precision_is_missing(tmp_path):
    """Three doses that bracket the IC50 (1, 10, 100 nM: about 12%, 71% and 99% inhibition)
    fit it, but leave no residual degrees of freedom for the Hill fit's precision. The
    command printed "not determined" beside Python's and its own CSV's IC50 of 4.8 nM;
    a missing fit-precision interval says nothing about the IC50 itself."""
    result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "1,10,100", "--time", 20,
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    fit = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_fit.csv")
    ic50 = fit["ic50_nM"].iloc[0]
    assert 1 < ic50 < 100
    text = " ".join(result.output.split())
    plasma = fit["ic50_plasma_nM"].iloc[0]
    assert f"IC50 (nM, free): {ic50:.4g} ({plasma:.4g} total plasma), Hill slope" in text
    assert "not determined" not in text
    assert "no fit-precision interval: 3 doses for 3 fitted parameters" in text and "confidence" not in text

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
    kept = js.load(tmp_path / "knockout_screen.csv")  # its summary kept, as every command's table
    assert kept.experiment == "KnockoutScreen" and kept.summary() and kept.summary() == js.read_provenance(
        tmp_path / "knockout_screen.csv")["summary"]


def test_screen_prints_losses_and_gains_apart_sorted_with_units(tmp_path):
    """Issue 26: one count of hits mixed gains and losses; the CSV's AUCs had no unit."""
    result = invoke("screen", "-c", "IL2", "-c", "IL6", "-g", "JAK3", "-g", "JAK1", "-g", "SOCS3", "-g", "CISH",
                    "-g", "PTPN2", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    losses = next(i for i, x in enumerate(lines) if x.startswith("losses"))
    gains = next(i for i, x in enumerate(lines) if x.startswith("gains"))
    assert "AUC 0-120 min" in lines[losses] and "nM*min" in result.output
    # the floor is said where the fold changes are printed: log2(8456/3763) is 1.17, the printed +1.16 (an audit)
    assert "with the floor f = 0.01 x the wild type's" in " ".join(result.output.split())
    long = pd.read_csv(tmp_path / "knockout_screen.csv")
    expected_losses = long[long.log2_fold_change <= -1].sort_values("log2_fold_change")
    expected_gains = long[long.log2_fold_change >= 1].sort_values("log2_fold_change", ascending=False)
    assert len(expected_losses) and len(expected_gains)

    def rows(start, expected):
        block = lines[start + 1:start + 1 + len(expected)]
        for line, (_, row) in zip(block, expected.iterrows()):
            assert line.split()[:3] == [row.gene, f"{row.cytokine}/{row.readout}", f"{row.log2_fold_change:+.2f}"]

    rows(losses, expected_losses)
    rows(gains, expected_gains)
    assert set(long.auc_unit) == {"nM*min"}


def test_experiment_commands_take_the_engine(tmp_path):
    # --engine amici gives RoadRunner's effects (the engines agree to 1e-5 of each
    # readout's peak: tests/test_amici_engine.py; log2 fold changes here within 1e-4)
    for engine in ("roadrunner", "amici"):
        result = invoke("screen", "-c", "IL6", "-g", "SOCS3", "-g", "PTPN2", "--engine", engine,
                        "--out", tmp_path / engine, "--format", "svg")
        assert result.exit_code == 0, result.output
    rr, am = (pd.read_csv(tmp_path / e / "knockout_screen.csv") for e in ("roadrunner", "amici"))
    np.testing.assert_allclose(am.log2_fold_change, rr.log2_fold_change, atol=1e-4)
    result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "1,10,100,1000", "--engine", "amici",
                    "--out", tmp_path / "curve")
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["combine", "ruxolitinib", "tofacitinib", "IL6", "--engine", "lsoda",
                                 "--out", str(tmp_path / "grid")])
    assert result.exit_code != 0 and "roadrunner" in result.output and "amici" in result.output
    assert not (tmp_path / "grid").exists()


def test_regimen_takes_the_run_options_of_every_command_that_simulates(tmp_path):
    """`jakstat regimen -j 1` was "No such option: -j", though it runs 200-draw intervals."""
    result = invoke("regimen", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2", "-j", "1", "--engine", "roadrunner",
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    record = js.read_provenance(tmp_path / "regimen_ruxolitinib_20mg_every_12h_summary.csv")
    assert record["settings"]["engine"] == "roadrunner"
    kept = js.load(tmp_path / "regimen_ruxolitinib_20mg_every_12h_summary.csv")
    assert kept.experiment == "ExposureResponse" and "IL2/pSTAT5" in " ".join(kept.summary())
    # the time courses written beside it come back as its companion, as js.save's do (they were lost)
    courses = pd.read_csv(tmp_path / "regimen_ruxolitinib_20mg_every_12h_timecourses.csv")
    assert list(kept.companion_frames()) == ["timecourses"]
    pd.testing.assert_frame_equal(kept.companion_frames()["timecourses"], courses, check_dtype=False)
    # in the folder of that run: the engine is the error, not a clash with its files (an audit found the latter)
    bad = runner.invoke(app, ["regimen", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2", "--engine", "lsoda",
                              "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown engine 'lsoda'" in bad.output and "amici" in bad.output


def test_combine_writes_the_grid_and_the_maps(tmp_path):
    result = invoke("combine", "ruxolitinib", "pimozide", "IL2", "--doses-a", "100,1000", "--doses-b",
                    "3000,30000", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    grid = pd.read_csv(tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5.csv")
    assert len(grid) == 9 and {"bliss", "loewe", "hsa"} <= set(grid.columns)
    kept = js.load(tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5.csv")
    assert kept.experiment == "Combination" and kept.summary() and isinstance(kept.flags, tuple)
    assert list(kept.companion_frames()) == ["synergy"]  # the verdicts written beside it come back with it
    assert (tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5.png").exists()
    assert "bliss" in result.output
    # the verdicts and warnings the console prints are kept in a file and the record (they were in none)
    synergy = pd.read_csv(tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5_synergy.csv").set_index("score")
    for score, row in synergy.iterrows():
        mean = f"{row.mean_excess:+.3f}" if np.isfinite(row.mean_excess) else "n/a"  # as the console prints it
        assert f"{score}: mean {mean}" in result.output and f"): {row.verdict};" in result.output
    record = js.read_provenance(tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5_synergy.csv")
    assert record["flags"] and record["flags"][0] in synergy["flags"].iloc[0]  # "Loewe needs at least 3 ... doses"
    assert "Loewe needs at least 3 non-zero doses" in result.output and synergy.loc["loewe", "verdict"] == \
        "not determined"


@pytest.mark.parametrize("bad, message", [
    (["-u", "potency", "--draws", "0"], "too few draws (0)"), (["-u", "bogus"], "unknown uncertainty mode 'bogus'"),
    (["--time", "-5"], "time must be a number of minutes > 0"), (["--window", "60,0"], "window must satisfy"),
])
def test_bad_input_is_named_before_the_outputs_are_checked(tmp_path, bad, message):
    """Into a folder holding another run's files, --draws 0 or --time -5 was answered "...exists
    and was written by a different run": the user added --force and only then saw the real
    error (an audit)."""
    out = tmp_path / "run"
    args = ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100,1000", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    assert "different run" in one_line_error(runner.invoke(app, [*args, "--cytokine-dose", "1"]))  # the check works
    assert message in one_line_error(runner.invoke(app, [*args, *bad]))


def test_combine_with_uncertainty_accounts_for_every_draw(tmp_path):
    """The shares of draws per verdict printed by `combine --uncertainty` add up to 100%:
    draws whose grid leaves no cell to score (ruxolitinib and tofacitinib on IL-6 saturate
    most of a grid of decades from 10 nM) are counted as "not determined" with the reason,
    not left out."""
    decades = "10,100,1000,10000"
    result = runner.invoke(app, ["combine", "ruxolitinib", "tofacitinib", "IL6", "--doses-a", decades, "--doses-b",
                                 decades, "--uncertainty", "potency", "--draws", "20", "--out", str(tmp_path)],
                           terminal_width=250)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "% of draws" in line]
    assert len(lines) == 3
    for line in lines:
        shares = [int(x) for x in re.findall(r"(\d+)%", line.split(";", 1)[1])]
        assert abs(sum(shares) - 100) <= 2, line  # rounding of four shares
    assert "not determined in" in result.output and "the draw left no score" in result.output
    # what the console printed is kept (it was not: the files held the point scores alone), with what the
    # interval covers and ruxolitinib's too-narrow flag (docs/pharmacology.md 8)
    name = "combination_ruxolitinib_tofacitinib_IL6_pSTAT3"
    kept = pd.read_csv(tmp_path / f"{name}_intervals.csv").set_index("score")
    assert list(kept.index) == ["bliss", "loewe", "hsa"]
    for line in lines:
        score = line.split(":", 1)[0].strip()
        row = kept.loc[score]
        if row.draws < 20:  # fewer than 20 draws give a score: no interval's ends placed (it printed 19's)
            assert np.isnan(row.mean_excess_low) and np.isnan(row.mean_excess_high)
            assert f"median of the {row.draws} draws that give one {row.mean_excess_median:+.3f} (too few" in line
        else:
            assert f"{row.mean_excess_median:+.3f} ({row.mean_excess_low:+.3f} to" in line
        shares = kept.loc[score, ["synergistic", "additive", "antagonistic", "not_determined"]]
        assert shares.sum() == pytest.approx(1)
    assert kept.covers.nunique() == 1 and "90% predictive interval over 20 draws" in kept.covers.iloc[0]
    assert "ruxolitinib" in kept.interval_flags.iloc[0] and "too narrow" in kept.interval_flags.iloc[0]
    assert "predictive interval" in js.read_provenance(tmp_path / f"{name}_intervals.csv")["content"]


def test_combine_prints_a_verdict_per_score_with_its_band_and_largest_excess(tmp_path):
    """Issue 26: `jakstat combine` printed "positive = synergy" for a +0.016 Bliss mean,
    without a band for additivity, diluted by cells where one drug already inhibits fully."""
    result = runner.invoke(app, ["combine", "ruxolitinib", "pimozide", "IL2", "--doses-a", "10,100,1000,10000",
                                 "--doses-b", "1000,3000,10000,30000", "--out", str(tmp_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "positive = synergy" not in result.output
    comb = js.combination(js.load_model(), "ruxolitinib", "pimozide", "IL2", doses_a=[10, 100, 1000, 10000],
                          doses_b=[1000, 3000, 10000, 30000])
    table = comb.synergy()
    assert "4 of 16" in result.output and "90%" in result.output  # the cells the mean is over
    for score, row in table.iterrows():
        line = next(x for x in result.output.splitlines() if x.strip().lower().startswith(score))
        assert row.verdict in line and f"{row.mean_excess:+.3f}" in line and "±" in line
        assert f"{row.max_excess:+.3f} at ruxolitinib {row.max_at_dose_a_nM:g} nM + pimozide " \
               f"{row.max_at_dose_b_nM:g} nM" in line


def test_combine_without_doses_centres_the_grid_on_each_drug_s_ic50(tmp_path):
    """The default grid once was 10 to 10,000 nM for every drug: ruxolitinib saturates IL-2
    from 10 nM, so its means rested on 4 of 16 cells. Centred on each drug's own IC50,
    16 of the 25 combination cells are scored, and the command says how the doses were chosen."""
    result = runner.invoke(app, ["combine", "ruxolitinib", "pimozide", "IL2", "--out", str(tmp_path)],
                           terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "doses: ruxolitinib at 1/10, 1/3, 1, 3 and 10 x its IC50 alone" in result.output
    assert "pimozide at 1/10, 1/3, 1, 3 and 10 x its IC50 alone" in result.output
    assert "16 of 25 combination cells" in result.output
    grid = pd.read_csv(tmp_path / "combination_ruxolitinib_pimozide_IL2_pSTAT5.csv")
    assert len(grid) == 36


def test_the_cross_validation_paragraph_says_when_it_is_stale_or_absent(monkeypatch, tmp_path):
    from jakstat_sbml.potency import crossval
    from jakstat_sbml.report import cross_validation_paragraph

    monkeypatch.setattr(crossval, "table_digest", lambda: "other data")
    assert "**The stored cross-validation is of other measured data" in cross_validation_paragraph()
    monkeypatch.setattr(crossval, "STORED_SUMMARY", tmp_path / "absent.csv")
    assert cross_validation_paragraph().startswith("No cross-validation is stored with this installation")


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
    (["combine", "IL6", "ruxolitinib", "tofacitinib"], "'IL6' is a cytokine, not a drug"),  # arguments out of order
    (["combine", "ruxolitinib", "pimozide", "IL2", "--doses-b", "1 kg"], "not a concentration"),
])
def test_bad_input_exits_non_zero_with_the_message_and_writes_nothing(tmp_path, args, message):
    result = invoke(*args, *(["--out", tmp_path / "out"] if args[0] != "simulate" else []))
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args,message", [
    # each found by an audit of bad input: a traceback, a silent misreading or work wasted before the error
    (["simulate", "-c", "IL6=1", "--t-end", "2", "-r", "pSTAT3", "-r", "pSTAT3", "--out", "{out}/a.csv"],
     "more than once"),
    (["simulate", "-c", "IL6=1,5 nM", "--t-end", "2", "--out", "{out}/a.csv"], "has a comma"),
    (["simulate", "-c", "IL6=1", "--t-end", "2", "-j", "0", "--out", "{out}/a.csv"], "positive integer or -1"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,10,100", "--out", "{out}"], "given twice"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "-u", "potency", "--seed", "-1", "--out", "{out}"],
     "--seed"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--draws", "30", "--out", "{out}"],
     "give --uncertainty too"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--context", "hepatocyte", "-u", "parameters",
      "--out", "{out}"], "calibrated to data"),
    (["regimen", "ruxolitinib", "20mg", "--days", "1", "-c", "IL66", "--out", "{out}"], "unknown cytokine 'IL66'"),
    (["regimen", "ruxolitinib", "20mg", "--days", "1", "-u", "calibration", "--out", "{out}"], "not calibrated"),
    (["regimen", "ruxolitinib", "20mg", "--days", "1", "--seed", "3", "--out", "{out}"], "give --uncertainty too"),
    (["combine", "ruxolitinib", "tofacitinib", "IL6", "-u", "calibration", "--out", "{out}"], "not calibrated"),
    (["combine", "ruxolitinib", "tofacitinib", "IL6", "-u", "potency", "--draws", "3", "--out", "{out}"],
     "too few draws"),
    (["screen", "-c", "IL2", "-g", "SOCS3", "-g", "SOCS3", "--out", "{out}"], "more than once"),
    (["report", "-j", "0", "--out", "{out}"], "positive integer or -1"),
    (["simulate", "-c", "IL6=1", "-c", "IL6=2", "--t-end", "2", "--out", "{out}/a.csv"], "gives IL6 twice"),
    (["simulate", "-c", "IL6=1", "-m", "JAK3_A572V=0.2", "-m", "JAK3_A572V=0.9", "--out", "{out}/a.csv"],
     "gives JAK3_A572V twice"),
    (["regimen", "ruxolitinib", "20mg", "-c", "IL6", "-c", "IL6=1", "--out", "{out}"], "gives IL6 twice"),
    (["validate", "pharmacology", "--system-terms", "--out", "{out}"], "needs --refit or --cross-validate"),
    (["validate", "pharmacology", "--checkpoint", "{out}/folds", "--out", "{out}"], "needs --cross-validate"),
    (["trial", "ruxolitinib", "20mg", "--context", "ctlc", "--out", "{out}"], "unknown context 'ctlc'"),
    # x.txt got CSV, x.png a figure beside it
    (["simulate", "-c", "IL6=1", "--t-end", "2", "--out", "{out}/a.txt"], "give a .csv name, not 'a.txt'"),
    (["combine", "ruxolitinib", "tofacitinib", "IL6", "-u", "calibration", "--context", "hepatocyte", "--draws",
      "50", "--out", "{out}"], "does not apply to --uncertainty calibration"),
    # --plasma with no drug marked nothing; a mutation of a knocked-out gene ran as the knockout
    (["simulate", "-c", "IL6=1", "--plasma", "--t-end", "2", "--out", "{out}/a.csv"], "but no drug is given"),
    (["export", "sbml", "{out}/a.xml", "-c", "IL6=1", "--plasma"], "but no drug is given"),
    (["dose-response", "IL6", "--plasma", "--out", "{out}"], "it needs --drug"),
    # an empty mode ran without an interval; 10^8 draws ran for over 10 minutes
    (["dose-response", "IL6", "--drug", "ruxolitinib", "-u", "", "--out", "{out}"], "is empty: give potency"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "-u", "potency", "--draws", "100000000", "--out", "{out}"],
     "too many draws (100000000): at most 10000"),
    (["simulate", "-c", "IL2=1", "-k", "STAT5B", "-m", "STAT5B_N642H", "--t-end", "2", "--out", "{out}/a.csv"],
     "STAT5B is both knocked out and mutated"),
    (["trial", "ruxolitinib", "20mg", "--covariate", "renal_impairment=moderate:0.7", "--covariate",
      "renal_impairment=mild:0.5", "--out", "{out}"], "gives renal_impairment twice"),
    (["regimen", "ruxolitinib", "20mg/kg", "--days", "1", "--out", "{out}"], "'20mg/kg' is not a mass"),
])
def test_bad_input_found_by_the_audit_exits_2_and_writes_nothing(tmp_path, args, message):
    result = runner.invoke(app, [a.format(out=tmp_path / "out") for a in args], terminal_width=250)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args,message", [
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--draws", "30"], "give --uncertainty too"),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "-u", "potency", "--seed", "-1"], "--seed"),
    # a trial's --seed is its patients', so --draws alone is what asks for --uncertainty there
    (["trial", "ruxolitinib", "20mg", "--draws", "30"], "give --uncertainty potency too"),
    (["dose-response", "IL6", "--bogus"], "No such option: --bogus"),
    (["dose-response"], "Missing argument"),
    (["validate", "bogus"], "No such command 'bogus'"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, args, message):
    """Click's usage errors (an option without its partner, a value out of range, an unknown
    option) were printed as a framed box of five or six lines after the usage text; docs/cli.md
    promises one line for bad input, and issue 22 asks it for too few draws and the like."""
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")] if args[0] != "validate" else args,
                           terminal_width=80)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert "--help" in lines[0]  # where to look next
    assert not (tmp_path / "out").exists()


def test_an_unknown_name_is_reported_before_a_clash_of_files(tmp_path):
    """Into a folder holding another run's (or the user's) files, `screen -g FOO` said the
    files clash and not that FOO is no gene; explore's --picture clash pointed at --out."""
    (tmp_path / "knockout_screen.csv").write_text("mine\n", encoding="utf-8")
    result = invoke("screen", "-c", "IL2", "-g", "FOO", "--out", tmp_path)
    assert result.exit_code == 2 and "unknown gene 'FOO'" in result.output, result.output
    result = invoke("screen", "-c", "IL22", "--out", tmp_path)
    assert result.exit_code == 2 and "unknown cytokine 'IL22'" in result.output, result.output
    result = invoke("explore", "--out", tmp_path / "map.html", "-g", "FOO")
    assert result.exit_code == 2 and "unknown gene 'FOO'" in result.output, result.output
    (tmp_path / "pic.png").write_text("mine", encoding="utf-8")
    result = invoke("explore", "--out", tmp_path / "map.html", "-c", "IL6", "-g", "SOCS3", "--picture",
                    tmp_path / "pic")
    assert result.exit_code == 2 and "pic.png exists" in result.output, result.output
    assert "elsewhere with --picture" in " ".join(result.output.split())
    assert (tmp_path / "pic.png").read_text(encoding="utf-8") == "mine" and not (tmp_path / "map.html").exists()


def test_jakstat_alone_still_shows_the_help():
    result = runner.invoke(app, [])
    assert "Usage" in result.output and "dose-response" in result.output and "error:" not in result.output


def test_a_users_own_provenance_file_is_never_replaced(tmp_path):
    """Records were skipped by the overwrite check: a user's notes.provenance.json beside
    a CSV of the same name was replaced by jakstat's record without a word."""
    mine = tmp_path / "c.provenance.json"
    mine.write_text('{"my": "notes"}', encoding="utf-8")
    result = invoke("simulate", "-c", "IL6=1", "--t-end", "5", "--out", tmp_path / "c.csv")
    assert result.exit_code == 2 and "refusing to overwrite" in result.output, result.output
    assert mine.read_text(encoding="utf-8") == '{"my": "notes"}' and not (tmp_path / "c.csv").exists()
    result = invoke("simulate", "-c", "IL6=1", "--t-end", "5", "--out", tmp_path / "c.csv", "--force")
    assert result.exit_code == 0, result.output
    # the same run again replaces its own record (and files) without asking
    result = invoke("simulate", "-c", "IL6=1", "--t-end", "5", "--out", tmp_path / "c.csv")
    assert result.exit_code == 0, result.output


def test_doses_read_as_total_plasma_are_a_different_run(tmp_path):
    """--plasma was missing from a dose-response's identity: the same doses read as total
    plasma silently replaced the free-drug curve, and its record said nothing of plasma."""
    args = ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "1,10,100", "--out", tmp_path]
    assert invoke(*args).exit_code == 0
    before = (tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3.csv").read_text(encoding="utf-8")
    result = invoke(*args, "--plasma")
    assert result.exit_code == 2 and "different run" in result.output, result.output
    assert (tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3.csv").read_text(encoding="utf-8") == before


# ----------------------------------------------------------------------------- results that never mislead

import errno  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

from jakstat_sbml import optional  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def block_imports(monkeypatch, *packages):
    """Make ``import <package>`` (and its submodules) fail as if it were not installed."""
    for name in [m for m in sys.modules if m.split(".")[0] in packages] + list(packages):
        monkeypatch.setitem(sys.modules, name, None)


def one_line_error(result, alone: bool = True) -> str:
    """The error line of a command that failed with exit status 2 (``alone``: it printed nothing else)."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: "), result.output
    assert len(lines) == 1 or (not alone and not any(x.startswith("error") for x in lines[:-1])), result.output
    return lines[-1]


@pytest.mark.parametrize("args,package,purpose", [
    (["export", "copasi", "{tmp}/m.cps"], "basico", "COPASI export"),
    (["export", "omex", "{tmp}/m.omex"], "libcombine", "COMBINE/OMEX export"),
    (["export", "omex", "{tmp}/m.omex"], "libsedml", "COMBINE/OMEX export"),
    (["export", "petab", "{tmp}/sobotta", "--context", "hepatocyte"], "petab", "PEtab export"),
    (["calibrate", "Raia_CancerResearch2011", "--starts", "1", "--out", "{tmp}/cal"], "petab", "calibration"),
])
def test_a_missing_optional_package_is_one_sentence_saying_what_to_install(monkeypatch, tmp_path, args, package,
                                                                           purpose):
    block_imports(monkeypatch, package)
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
    line = one_line_error(result)
    assert purpose in line and optional.PACKAGES[package] in line
    assert 'pip install "jakstat-sbml[interop]"' in line
    assert list(tmp_path.iterdir()) == []  # checked before anything was written


def test_an_optional_package_imported_elsewhere_is_reported_the_same_way(monkeypatch, tmp_path):
    import jakstat_sbml.calibration as cal

    def fails(*args, **kwargs):
        import distributed  # noqa: F401  (blocked below)

    block_imports(monkeypatch, "distributed")
    monkeypatch.setattr(cal, "run_dataset", fails)
    line = one_line_error(runner.invoke(app, ["calibrate", "Raia_CancerResearch2011", "--out", tmp_path / "c"]),
                          alone=False)  # after the progress bar
    assert "dask[distributed]" in line and 'pip install "jakstat-sbml[interop]"' in line


UNWRITABLE = [("a_file/out", "a_file is a file, not a folder")]
if Path("/proc/self").is_dir():  # Linux: a virtual file system where nothing can be created
    UNWRITABLE.append(("/proc/jakstat-out", "/proc does not accept new files"))

EXPERIMENTS = [
    ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100"],
    ["dose-response", "IL2", "--doses", "0.01,0.1"],
    ["screen", "-c", "IL2", "-g", "JAK3"],
    ["combine", "ruxolitinib", "pimozide", "IL2", "--doses-a", "100", "--doses-b", "3000"],
    ["report"],
    ["validate", "pharmacology"],
    ["validate", "pharmacokinetics"],
    ["calibrate", "Raia_CancerResearch2011"],
]


@pytest.mark.parametrize("out,reason", UNWRITABLE)
@pytest.mark.parametrize("args", EXPERIMENTS, ids=lambda a: a[0])
def test_an_unwritable_out_exits_2_naming_the_path_before_any_simulation(monkeypatch, tmp_path, args, out, reason):
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    out = tmp_path / out if not out.startswith("/") else Path(out)

    def no_work(*a, **k):
        raise AssertionError("the output folder must be checked before any model is loaded")

    monkeypatch.setattr(js, "load_model", no_work)
    line = one_line_error(runner.invoke(app, [*args, "--out", str(out)]))
    assert f"cannot write to {out}" in line and reason in line


@pytest.mark.parametrize("args", EXPERIMENTS, ids=lambda a: a[0])
def test_an_out_folder_named_like_a_file_exits_2_and_creates_nothing(monkeypatch, tmp_path, args):
    """`jakstat dose-response IL6 --drug ruxolitinib --out x.csv` made a folder named
    x.csv and wrote four files into it (a user audit): --out of these commands is a
    folder, so a new one named like a file is refused, before any simulation, and
    nothing is created. An existing folder of that name is used as it is."""
    def no_work(*a, **k):
        raise AssertionError("the output folder must be checked before any model is loaded")

    monkeypatch.setattr(js, "load_model", no_work)
    out = tmp_path / "x.csv"
    line = one_line_error(runner.invoke(app, [*args, "--out", str(out)]))
    assert f"cannot write to {out}" in line and "named like a .csv file: give a folder name" in line
    assert not out.exists()


def test_an_existing_folder_named_like_a_file_is_still_written(tmp_path):
    out = tmp_path / "x.csv"
    out.mkdir()
    result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "dose_response_ruxolitinib_IL6_pSTAT3.csv").is_file()


@pytest.mark.parametrize("out,reason", UNWRITABLE)
def test_simulate_and_export_to_an_unwritable_path_exit_2_naming_it(monkeypatch, tmp_path, out, reason):
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    folder = tmp_path / out if not out.startswith("/") else Path(out)
    line = one_line_error(runner.invoke(app, ["simulate", "-c", "IL6=1", "--out", str(folder / "il6.csv")]))
    assert f"cannot write to {folder / 'il6.csv'}" in line and reason in line
    line = one_line_error(runner.invoke(app, ["export", "sbml", str(folder / "m.xml")]))
    assert f"cannot write to {folder / 'm.xml'}" in line and reason in line
    assert "No such file or directory" not in line


def test_a_write_that_fails_after_the_simulation_exits_2_with_the_reason(monkeypatch, tmp_path):
    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "out" / "knockout_screen.csv"))

    monkeypatch.setattr(pd.DataFrame, "to_csv", read_only)
    line = one_line_error(invoke("screen", "-c", "IL2", "-g", "JAK3", "--window", "0,30", "--out", tmp_path / "out"),
                          alone=False)
    assert f"cannot write to {tmp_path / 'out' / 'knockout_screen.csv'}: read-only file system" in line


def test_version_prints_the_package_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"jakstat-sbml {version('jakstat-sbml')}"


def test_the_readme_examples_write_where_git_ignores():
    """The examples of the README and of the command-line page run in the checkout
    (tests/test_readme.py); what they write must not show up as changes."""
    pages = [(REPO / name).read_text(encoding="utf-8") for name in ("README.md", "docs/cli.md")]
    blocks = [b for page in pages for b in re.findall(r"```bash\n(.*?)```", page, flags=re.S)]
    commands = [shlex.split(line.split("#")[0]) for b in blocks for line in b.splitlines()
                if line.startswith("jakstat ")]
    outputs = [c[c.index("--out") + 1] for c in commands if "--out" in c]
    outputs += [c[3] for c in commands if c[1] == "export"]
    relative = [o for o in outputs if not o.startswith("/")]
    assert "out" in [Path(o).parts[0] for o in relative]  # the examples do write into the checkout
    ignored = {line.strip().strip("/") for line in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    assert {Path(o).parts[0] for o in relative} <= ignored, (relative, ignored)


class Flagged:
    """A real result with ``flags`` (what experiments return once they carry them)."""

    def __init__(self, result, flags):
        self._result, self.flags = result, tuple(flags)

    def __getattr__(self, name):
        return getattr(self._result, name)


def test_dose_response_with_flags_warns_and_does_not_print_an_ic50_it_cannot_support(monkeypatch, tmp_path):
    real = js.dose_response
    flag = "IC50 above the tested range (10000 nM)"
    curves = []

    def flagged(*args, **kwargs):
        curves.append(real(*args, **kwargs))
        result = Flagged(curves[-1], [flag, "Hill slope at its bound"])
        result.ic50 = math.nan  # what an experiment makes of an IC50 it cannot support (dose_response's docstring)
        return result

    monkeypatch.setattr(js, "dose_response", flagged)
    result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "0.1,1,10,100,1000",
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert math.isfinite(curves[0].ic50)  # so that its absence from the output means something
    assert f"warning: {flag}" in result.output and "warning: Hill slope at its bound" in result.output
    assert re.search(r"IC50 \(nM, free\): not determined \(IC50 above the tested range", result.output)
    assert f"{curves[0].ic50:.4g}" not in result.output and "95% CI" not in result.output


def test_screen_and_combine_print_each_flag_in_yellow(monkeypatch, tmp_path):
    from rich.console import Console

    from jakstat_sbml import cli

    coloured = Console(force_terminal=True, color_system="standard", width=200)
    for module in (cli.common, cli.experiment_commands):  # each holds its own reference to the console
        monkeypatch.setattr(module, "console", coloured)
    monkeypatch.setattr(cli.common, "messages", Console(stderr=True, force_terminal=True, color_system="standard",
                                                        width=200))  # where warnings go
    screen, combination = js.knockout_screen, js.combination
    monkeypatch.setattr(js, "knockout_screen",
                        lambda *a, **k: Flagged(screen(*a, **k), ["AUC of wild type near zero for IL2/pSTAT5"]))
    monkeypatch.setattr(js, "combination",
                        lambda *a, **k: Flagged(combination(*a, **k), ["Loewe undefined: pimozide never reaches "
                                                                       "half effect"]))
    result = invoke("screen", "-c", "IL2", "-g", "JAK3", "--window", "0,30", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "\x1b[33mwarning: AUC of wild type near zero for IL2/pSTAT5" in result.output  # yellow
    result = invoke("combine", "ruxolitinib", "pimozide", "IL2", "--doses-a", "100", "--doses-b", "3000",
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "\x1b[33mwarning: Loewe undefined: pimozide never reaches half effect" in result.output



def test_errors_and_warnings_go_to_standard_error_and_the_table_to_standard_output(tmp_path):
    """`jakstat simulate -c IL66=1 > table.txt` wrote the error into the file and nothing to the
    terminal; a warning was mixed into a redirected table too."""
    bad = runner.invoke(app, ["simulate", "-c", "IL66=1"])
    assert bad.exit_code == 2 and "unknown cytokine 'IL66'" in bad.stderr and "error" not in bad.stdout
    warned = runner.invoke(app, ["simulate", "-c", "IL6=500", "--t-end", "5", "-r", "pSTAT3"])  # 500 nM: ng/mL meant?
    assert warned.exit_code == 0, warned.output
    assert "warning:" in warned.stderr and "warning:" not in warned.stdout and "pSTAT3" in warned.stdout
    # progress bars too: `jakstat trial ... > out.txt` put the bar into the file (regimen, trial, compare-drugs...)
    shown = runner.invoke(app, ["regimen", "ruxolitinib", "20mg", "--days", "1", "-c", "IL6", "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "simulating" in shown.stderr and "simulating" not in shown.stdout and "IL6/pSTAT3" in shown.stdout
    # a bar stopped by bad input before any work shows nothing: it left a blank line above the error
    stopped = runner.invoke(app, ["compare-drugs", "--context", "lymphoma", "-u", "parameters", "--out", str(tmp_path)])
    assert stopped.exit_code == 2 and stopped.stderr.startswith("error: context 'lymphoma' is calibrated")

def test_an_ic50_above_the_tested_doses_is_not_printed_as_a_number(tmp_path):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = invoke("dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "0.01,0.1,1,3", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    # not a number: the bound the doses give, with the reason
    assert "warning: " in result.output and "IC50 (nM, free): > 3, a bound from the doses tested (" in result.output
    assert "95% CI" not in result.output
    # each flag is printed once, as a line of the command; not also as a Python warning
    assert not [w for w in caught if type(w.message).__name__ == "JakStatWarning"]


def test_validate_pharmacology_refuses_a_bad_context_before_simulating():
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    result = CliRunner().invoke(app, ["validate", "pharmacology", "--context", "hepatocyt"])
    assert result.exit_code == 2
    assert "unknown context 'hepatocyt'" in result.output and "hepatocyte" in result.output
    assert "row " not in result.output  # no validation row ran first


def test_validate_pharmacokinetics_prints_every_check_and_writes_it_with_its_record(tmp_path):
    """Every row of pk_observations.tsv is printed with the model's value and status; the
    known misses with their reasons; --out writes the table, its figure and a provenance
    record that keeps the command line; exit 0 while every miss is a known one."""
    import json

    from jakstat_sbml.regimens.pharmacokinetics import observation_table

    result = runner.invoke(app, ["validate", "pharmacokinetics", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows, known = len(observation_table()), int((observation_table().known_miss != "").sum())
    # the headline counts the independent checks (the circular ones pass by construction), then the rest
    independent = observation_table().evidence == "independent"
    ok = int((independent & (observation_table().known_miss == "")).sum())
    assert f"{ok} of {int(independent.sum())} independent checks within their bounds" in result.output
    assert f"{rows - known - ok} of {rows - int(independent.sum())} circular or consistency checks" in \
        " ".join(result.output.split())
    assert result.output.count("known miss,") == known
    assert "ruxolitinib IR 5 mg" in result.output and "MISSED" not in result.output  # the column may wrap
    table = pd.read_csv(tmp_path / "pharmacokinetic_checks.csv")
    assert len(table) == rows and set(table.evidence) == {"independent", "circular", "consistency"}
    assert (tmp_path / "pharmacokinetic_checks.png").stat().st_size > 10_000  # the figure
    record = json.loads((tmp_path / "pharmacokinetic_checks.provenance.json").read_text())
    assert record["command"] == f"jakstat validate pharmacokinetics --out {tmp_path}"
    assert set(record["files"]) == {"pharmacokinetic_checks.csv", "pharmacokinetic_checks.png"}
    assert record["engine"]["name"] == "numpy" and record["model"] is None  # closed form, no SBML simulated


def test_validate_pharmacokinetics_exits_1_when_a_check_changes(monkeypatch):
    """A miss that is not recorded as known (here: one whose note was removed) fails the
    command, as would a known miss that the model now meets (its note would be stale)."""
    from jakstat_sbml.regimens import checks

    table = checks.observation_table().copy()
    forgotten = table.index[table.known_miss != ""][0]
    table.loc[forgotten, "known_miss"] = ""
    monkeypatch.setattr(checks, "observation_table", lambda: table)
    result = runner.invoke(app, ["validate", "pharmacokinetics", "--drug", table.loc[forgotten, "drug"]])
    assert result.exit_code == 1
    assert "MISSED" in result.output and "1 checks changed" in result.output


def test_validate_pharmacokinetics_refuses_an_unknown_drug_and_one_without_pk():
    line = one_line_error(runner.invoke(app, ["validate", "pharmacokinetics", "--drug", "ruxolitnib"]))
    assert "unknown drug 'ruxolitnib'" in line
    line = one_line_error(runner.invoke(app, ["validate", "pharmacokinetics", "--drug", "filgotinib"]))
    assert "no pharmacokinetics of filgotinib to check (drugs with PK checks: ruxolitinib" in line
    assert "pk_gaps.tsv says what filgotinib needs" in line


@given(st.floats(min_value=0.01, max_value=9.99e11))
def test_a_compact_concentration_is_four_characters_within_its_rounding(value):
    """The many-column tables print nM in at most four characters (k, M, G suffixes, two
    or three significant figures): each must read back within half a unit of its last digit."""
    from jakstat_sbml.cli.common import compact_nM

    text = compact_nM(value)
    assert len(text) <= 4, (value, text)
    scale = {"k": 1e3, "M": 1e6, "G": 1e9}.get(text[-1], 1.0)
    number = float(text[:-1] if scale != 1.0 else text) * scale
    assert abs(number - value) <= 0.05 * value + 1e-12, (value, text)


def test_validate_pharmacology_prints_the_table_and_writes_its_files(tmp_path, monkeypatch):
    """Issues 11 and 22: `jakstat validate pharmacology` prints every measured row against
    the potency model's prediction with its 90% predictive interval and fold error, the
    geometric-mean fold error and interval coverage of fit and test rows, the context's
    IC50s, and with --out writes them. With --cross-validate it prints the held-out sources
    worst first, the held-out GMFE and coverage beside the replicates' floor, names each
    target it misses with its value, and its exit status says whether they were met. The
    cross-validation itself (19 NUTS refits, minutes; tests/test_potency.py runs a small
    one) is stood in for by the one `make pharmacology` stored."""
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app
    from jakstat_sbml.potency import crossval
    from jakstat_sbml.potency.replicates import replicate_spread

    stored = REPO / "docs" / "pharmacology"
    summary = pd.read_csv(stored / "cross_validation_summary.csv").iloc[0].to_dict()
    computed = ("rows", "sources", "gmfe", "coverage_90", "target_gmfe", "target_coverage", "meets_targets")
    info = {k: v for k, v in summary.items() if k not in computed}
    monkeypatch.setattr(crossval, "cross_validate", lambda **_: crossval.CrossValidation(
        pd.read_csv(stored / "cross_validation.csv"), info, pd.read_csv(stored / "cross_validation_pairs.csv")))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["validate", "pharmacology", "--out", str(out), "--cross-validate"],
                                terminal_width=200)
    assert "GMFE" in result.output and "90% predictive intervals cover" in result.output
    assert "rux_wb_IL6_pSTAT3_quintas2010" in result.output
    for name in ("pharmacology_validation.csv", "pharmacology_validation_summary.csv", "predicted_ic50_ctcl.csv",
                 "pharmacology_validation.png", "cross_validation.csv", "cross_validation_summary.csv",
                 "same_assay_ratios.csv", "ex_vivo_tests.csv", "cross_validation_pairs.csv"):
        assert (out / name).stat().st_size > 0, name
    # the context's IC50s: a row per drug and kind, a column per cytokine, in 80 columns (with 14
    # drugs as columns the table had shrunk to empty cells in any terminal narrower than 200)
    from jakstat_sbml.cli.common import compact_nM

    predicted = pd.read_csv(out / "predicted_ic50_ctcl.csv").set_index(["drug", "cytokine"])
    header = next(x for x in result.output.splitlines() if x.split()[:2] == ["drug", "IL2"])
    for drug, kind in (("ruxolitinib", "free"), ("tofacitinib", "plasma")):
        line = next(x for x in result.output.splitlines() if x.split()[:2] == [drug[:4], kind]).split()[2:]
        cells = dict(zip(header.split()[1:], line))
        assert cells["IL6"] == compact_nM(predicted.loc[(drug, "IL6"), f"ic50_{kind}_nM"]), (drug, kind)
        assert cells["EPO"] == "-"  # no EPO receptor in ctcl
    cv = pd.read_csv(out / "cross_validation_summary.csv").iloc[0]
    assert cv["gmfe"] == pytest.approx(summary["gmfe"]) and cv["coverage_90"] == pytest.approx(summary["coverage_90"])
    # the rows' table is a result a user can keep: js.load gives back its summary (it gave {})
    kept = js.load(out / "pharmacology_validation.csv")
    written = pd.read_csv(out / "pharmacology_validation_summary.csv").iloc[0]
    assert kept.experiment == "PharmacologyValidation" and kept.summary()["gmfe"] == pytest.approx(written["gmfe"])
    with pytest.raises(js.InputError, match="the result's table"):
        js.load(out / "pharmacology_validation_summary.csv")
    assert f"GMFE {cv['gmfe']:.2f} (target <= 2.5)" in result.output
    # two drugs in one held-out assay: their ratios, written and summed up beside the headline
    pairs = pd.read_csv(out / "cross_validation_pairs.csv")
    said = " ".join(result.output.split())
    assert (pairs["kind"] == "drugs").sum() == cv["pairs"] and f"({int(cv['pairs'])} such ratios from" in said
    assert (pairs["kind"] == "pathways").sum() == cv["pathway_pairs"]
    assert f"({int(cv['pathway_pairs'])} ratios from" in said
    assert "A model without error of its own would reach a held-out GMFE of about " \
           f"{replicate_spread().floor_gmfe:.2f}" in result.output
    by_source = pd.read_csv(out / "cross_validation_by_source.csv").sort_values("gmfe")
    best, worst = by_source["source_id"].iloc[0], by_source["source_id"].iloc[-1]
    per_source = result.output[result.output.index("┃ source"):]  # the per-source table, worst first
    assert per_source.index(f"│ {worst} ") < per_source.index(f"│ {best} ")
    # per drug: the record each of its predictive intervals quotes, with the verdict on it, counting its
    # same-assay ratios and ex vivo tests as the stored path does ("no independent test" beside them: an audit)
    per_drug = result.output[result.output.index("┃ drug"):]
    for record in crossval.stored_track_records():
        line = next(x for x in per_drug.splitlines() if x.startswith(f"│ {record.drug} "))
        assert (f"{record.covered}/{record.rows}" if record.rows else " - ") in line and record.verdict in line, line
    # the same-assay ratios, a one-source drug's test relative to a partner: printed and written
    ratios = pd.read_csv(out / "same_assay_ratios.csv")
    assert len(ratios) >= 2 and set(ratios["drug"]) >= {"abrocitinib"}
    for _, r in ratios.iterrows():
        line = next(x for x in result.output.splitlines()
                    if x.startswith(f"│ {r['drug']} / {r['partner_drug']}, {r['cytokine']} "))
        assert f"{r['measured_ratio']:.3g}" in line and f"{r['fold_error']:.2f}" in line, line
    assert f"same-assay ratios: {int(ratios['covered'].sum())} of {len(ratios)} inside" in result.output
    # the ex vivo tests, clinical pharmacodynamics never fitted: printed and written
    ex_vivo = pd.read_csv(out / "ex_vivo_tests.csv")
    assert "upadacitinib" in set(ex_vivo["drug"])
    for _, r in ex_vivo.iterrows():
        line = next(x for x in result.output.splitlines() if x.startswith(f"│ {r['drug']}, {r['cytokine']}/"))
        assert f"{r['measured_nM']:.3g}" in line and f"{r['fold_error']:.2f}" in line, line
    assert f"ex vivo tests: {int(ex_vivo['covered'].sum())} of {len(ex_vivo)} inside" in result.output
    met = cv["gmfe"] <= 2.5 and 0.75 <= cv["coverage_90"] <= 0.98
    assert result.exit_code == (0 if met else 1), result.output
    assert met or "cross-validation target missed:" in result.output


def test_validate_pharmacology_without_refits_prints_the_stored_cross_validation(monkeypatch):
    """Without --cross-validate (19 refits) the command prints the stored run against its
    targets and each drug's record, the one its predictive intervals quote; without a
    stored run it says how to make one."""
    from jakstat_sbml.cli.common import console
    from jakstat_sbml.cli.model_commands import _print_stored_cross_validation
    from jakstat_sbml.potency import crossval

    summary = crossval.stored_summary()
    with console.capture() as captured:
        _print_stored_cross_validation()
    text = captured.get()
    assert f"GMFE {summary['gmfe']:.2f} (target <= 2.5)" in text and f"{summary['rows']} rows" in text
    for record in crossval.stored_track_records() + crossval.stored_track_records("system"):
        line = next(x for x in text.splitlines() if x.startswith(f"│ {record.name} "))
        # a record without a held-out test of the fitted interval prints "-" for coverage, not "0/0"
        assert (f"{record.covered}/{record.rows}" if record.rows else " - ") in line and record.verdict in line
        # the rows that tested the prior alone, apart from the rows counted
        rows_cell = [cell.strip() for cell in line.split("│")][2]
        assert rows_cell == (f"{record.rows} (+{record.prior_only})" if record.prior_only else f"{record.rows}")
    monkeypatch.setattr(crossval, "stored_summary", lambda: None)
    with console.capture() as captured:
        _print_stored_cross_validation()
    assert "no stored cross-validation: --cross-validate runs it" in captured.get()


# ----------------------------------------------------------------------------- doses (issue 26, point 5)


@pytest.mark.parametrize("dose", ["-20mg", "-20", "-0.5 mg", "20 nM", "twenty", "0", "20 g"])
def test_a_bad_regimen_dose_gets_the_same_message_on_the_cli_as_in_python(tmp_path, dose):
    """`jakstat regimen ruxolitinib -20mg` once said "No such option: -2"."""
    with pytest.raises(js.InputError) as python:
        js.regimen("ruxolitinib", dose)
    line = one_line_error(runner.invoke(app, ["regimen", "ruxolitinib", dose, "-c", "IL6", "--out",
                                              str(tmp_path / "out")]))
    assert line == f"error: {python.value}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, python", [
    (["simulate", "-c", "IL6=-5"], lambda m: m.simulate(cytokines={"IL6": "-5"})),
    (["simulate", "-d", "ruxolitinib=-5 nM"], lambda m: m.simulate(drugs={"ruxolitinib": "-5 nM"})),
    (["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "-5,10"],
     lambda m: js.dose_response(m, "ruxolitinib", "IL6", doses=["-5", "10"])),
    (["combine", "ruxolitinib", "pimozide", "IL2", "--doses-a", "-1"],
     lambda m: js.combination(m, "ruxolitinib", "pimozide", "IL2", doses_a=["-1"])),
])
def test_negative_and_unitless_doses_get_the_same_message_on_the_cli_as_in_python(ctcl, args, python):
    with pytest.raises(js.InputError) as expected:
        python(ctcl)
    assert one_line_error(runner.invoke(app, args)) == f"error: {expected.value}"


def test_a_unitless_dose_string_is_nM_in_python_as_on_the_cli(ctcl):
    a = ctcl.simulate(cytokines={"IL6": "2"}, drugs={"ruxolitinib": "100"}, t_end=10, readouts=["pSTAT3"])
    b = ctcl.simulate(cytokines={"IL6": 2.0}, drugs={"ruxolitinib": 100.0}, t_end=10, readouts=["pSTAT3"])
    assert a.equals(b)


def test_a_regimen_beyond_its_label_warns_once_and_tidily(tmp_path):
    result = runner.invoke(app, ["regimen", "ruxolitinib", "2000mg", "-c", "IL6", "--days", "1", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if "labelled use" in x]
    assert len(lines) == 1 and lines[0].startswith("warning: ruxolitinib 2000 mg twice daily is 2000 mg per dose, "
                                                   "above the labelled use of ruxolitinib: 5-25 mg twice daily")
    assert "JakStatWarning" not in result.output and "warnings.warn" not in result.output
