"""JAK inhibitors side by side (issue 23, item 5): js.compare_drugs and jakstat compare-drugs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jakstat_sbml as js
from jakstat_sbml import catalog, cli
from jakstat_sbml.experiments.drug_comparison import SPARED_GROUP, gamma_c_cytokines
from jakstat_sbml.regimens import approved_regimens
from jakstat_sbml.regimens.pharmacokinetics import approved_table, labelled_use

pytestmark = pytest.mark.filterwarnings("ignore::jakstat_sbml.errors.JakStatWarning")

CYTOKINES = ["IL2", "IL15", "IL6", "IFNG"]


@pytest.fixture(scope="module")
def comparison(ctcl):
    return js.compare_drugs(ctcl, ["ruxolitinib", "tofacitinib"], CYTOKINES)


def test_the_batched_ic50s_are_the_single_dose_responses(ctcl, comparison):
    for row in comparison.ic50s.itertuples():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", js.JakStatWarning)
            alone = js.dose_response(ctcl, row.drug, row.cytokine, row.readout)
        assert row.ic50_nM == alone.ic50  # the same conditions, run in one batch: bit-identical
        assert row.ic50_plasma_nM == pytest.approx(alone.ic50 / catalog.drug(row.drug).fraction_unbound, rel=1e-12)


def test_every_drug_has_a_curve_on_every_pathway_it_acts_on(comparison):
    for drug in comparison.drugs:
        expected = {f"{c}/{r}" for c, r in catalog.drug_pairs(drug) if c in CYTOKINES}
        assert set(comparison.ic50s.loc[comparison.ic50s.drug == drug, "pathway"]) == expected


def test_gamma_c_is_the_jak3_cytokines():
    # JAK3 binds only the common gamma chain IL2RG (models/tables/chains.tsv), whose
    # cytokines are IL-2, IL-4, IL-15 and IL-21 (Leonard & O'Shea, Annu Rev Immunol 1998)
    assert gamma_c_cytokines() == ["IL2", "IL4", "IL15", "IL21"]
    assert not set(gamma_c_cytokines()) & set(SPARED_GROUP)


def test_tofacitinib_favours_gamma_c_more_than_ruxolitinib(comparison):
    """Expectation from the biochemical constants alone: tofacitinib's JAK3 IC50 is below
    its JAK2 one (1.6 vs 4.1 nM, Meyer et al., J Inflamm 2010), ruxolitinib's 150-fold
    above (428 vs 2.8 nM, Quintas-Cardama et al., Blood 2010). So tofacitinib should
    inhibit the gamma-c pathways (JAK1/JAK3) at lower concentrations, relative to IL-6
    and IFN-gamma (JAK1/JAK2), than ruxolitinib does."""
    fold = comparison.gamma_c_selectivity()
    assert fold["tofacitinib"] > fold["ruxolitinib"]
    assert fold["tofacitinib"] > 1
    # the fold is the ratio of geometric means of the table's IC50s
    t = comparison.ic50s[comparison.ic50s.drug == "tofacitinib"].set_index("cytokine")["ic50_nM"]
    expected = np.sqrt(t["IL6"] * t["IFNG"]) / np.sqrt(t["IL2"] * t["IL15"])
    assert fold["tofacitinib"] == pytest.approx(expected, rel=1e-12)


def test_selectivity_matrix_is_the_ratio_of_ic50s(comparison):
    m = comparison.selectivity("ruxolitinib")
    np.testing.assert_allclose(np.diag(m), 1.0)
    np.testing.assert_allclose(m.to_numpy() * m.to_numpy().T, 1.0)
    rux = comparison.ic50s[comparison.ic50s.drug == "ruxolitinib"]
    assert rux["fold_vs_most_potent"].min() == pytest.approx(1.0)
    with pytest.raises(js.InputError, match="not one of this comparison's drugs"):
        comparison.selectivity("pimozide")


def test_regimen_inhibition_is_the_exposure_response_of_the_approved_regimen(ctcl, comparison):
    rux = approved_regimens("ruxolitinib")
    assert [(r.dose_mg, r.interval_h) for r in rux] == [(20.0, 12.0)]  # Jakafi PI: MF 20 mg twice daily
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", js.JakStatWarning)
        direct = js.exposure_response(ctcl, {r.label(): r for r in rux}, ["IL2", "IL6"]).table
    mine = comparison.regimens[comparison.regimens.drug == "ruxolitinib"].set_index("cytokine")
    for r in direct.itertuples():
        assert mine.loc[r.cytokine, "mean_inhibition"] == r.mean_inhibition
    assert set(comparison.regimens.regimen) == {r.label() for d in ("ruxolitinib", "tofacitinib")
                                                 for r in approved_regimens(d)}
    frame = comparison.to_frame()
    assert f"{rux[0].label()}: mean_inhibition" in frame.columns
    # each regimen row keeps its caveats (compare_drugs_regimens.csv had none): tofacitinib XR's one-compartment
    # PK misses published numbers (docs/dosing.md), the twice-daily IR regimens' PK does not
    flags = comparison.regimens.set_index(["regimen", "cytokine"])["flags"]
    xr = flags[("tofacitinib 11 mg XR once daily", "IL6")]
    assert "pharmacokinetics of tofacitinib 11 mg XR once daily miss" in xr
    # each miss names the dose it was checked at: ritlecitinib's one miss, a children's 20 mg AUC, was
    # printed beside its 50 mg adult regimen as if it were the regimen's (an audit)
    from jakstat_sbml.regimens.checks import pharmacokinetic_flags, validate_pharmacokinetics

    missed = validate_pharmacokinetics("ritlecitinib").table.query("not within").iloc[0]
    flag = pharmacokinetic_flags({"ritle 50": [js.regimen("ritlecitinib", "50 mg", every="24 h")]})[0]
    assert f"{missed.quantity.replace('_', ' ')} at {missed.dose_mg:g} mg: model" in flag
    assert "pharmacokinetics" not in flags[(rux[0].label(), "IL6")]
    assert "flags" in comparison.ic50s.columns


def test_approved_regimens_lie_inside_the_labelled_range():
    for r in approved_table().itertuples():
        use = labelled_use(r.drug, r.formulation)
        assert use.min_dose_mg <= r.dose_mg <= use.max_dose_mg, r
        daily = r.dose_mg * 24 / r.every_h
        assert use.min_daily_mg <= daily <= use.max_daily_mg, r
        assert r.source.strip() and r.indication.strip()
    for regimen in approved_regimens("tofacitinib"):  # long enough for 5 half-lives and two intervals
        assert regimen.duration_h >= 5 * regimen.pk.half_life_h + 2 * regimen.interval_h - 24


def test_a_drug_without_a_regimen_is_flagged_or_refused(ctcl):
    result = js.compare_drugs(ctcl, ["pimozide"], ["IL2"])
    assert result.regimens.empty
    assert any("no approved regimen tabulated for pimozide" in f for f in result.flags)
    with pytest.raises(js.InputError, match="no approved regimen tabulated for pimozide"):
        js.compare_drugs(ctcl, ["ruxolitinib", "pimozide"], ["IL2"], regimens=True)


def test_a_pathway_a_drug_does_not_act_on_is_said_to_be_left_out_of_its_selectivity(ctcl):
    """Golidocitinib's fold was the geometric mean over IFN-alpha and IL-6 alone: it inhibits
    JAK1 and TYK2, not JAK2 (J Med Chem 2020, docs/panel.md), so IFN-gamma (JAK2 its only
    catalytic JAK in the model) is not among its pathways, and the fold left it out silently."""
    result = js.compare_drugs(ctcl, ["golidocitinib"], ["IL2", "IFNA", "IFNG", "IL6"], regimens=False)
    assert np.isfinite(result.gamma_c_selectivity()["golidocitinib"])
    assert any(f.startswith("golidocitinib: its gamma-c selectivity leaves out IFNG") and "understates" in f
               for f in result.flags)


def test_bad_input_gets_clear_errors(ctcl):
    with pytest.raises(js.UnknownNameError, match="ruxolitnib"):
        js.compare_drugs(ctcl, ["ruxolitnib"])
    with pytest.raises(js.InputError, match="must not be empty"):
        js.compare_drugs(ctcl, [])
    with pytest.raises(js.InputError, match="named twice"):
        js.compare_drugs(ctcl, ["ruxolitinib", "ruxolitinib"])
    with pytest.raises(js.InputError, match="acts on a pathway the context"):
        js.compare_drugs(ctcl, ["ruxolitinib"], ["EPO"])  # ctcl cells have no EPO receptor


def test_predictive_intervals_bracket_the_ic50(ctcl):
    result = js.compare_drugs(ctcl, ["tofacitinib"], ["IL2"], uncertainty="potency", draws=20, regimens=False)
    row = result.ic50s.iloc[0]
    assert row.ic50_interval_low_nM < row.ic50_nM < row.ic50_interval_high_nM
    assert "potency" in result.covers and result.summary()["interval_covers"] == result.covers
    assert result.regimens.empty


def test_the_selectivity_fold_has_an_interval_from_the_draws_of_its_ic50s(ctcl):
    """The fold was printed without an interval beside IC50s that each had one (an audit).
    Each draw's fold is the ratio of that draw's geometric-mean IC50s (a drug's curves share
    their draws). Expectation from the potency model (docs/pharmacology.md 2): a draw
    multiplies all of one drug's potency constants by one factor, so the fold cannot move
    with potency draws; lymphoma's calibration ensemble changes the pathways unequally, so
    there it must."""
    potency = js.compare_drugs(ctcl, ["tofacitinib"], ["IL2", "IL6"], regimens=False, uncertainty="potency", draws=20)
    drawn = {c: potency.curves[("tofacitinib", c)].uncertainty.ic50s for c in ("IL2", "IL6")}
    assert np.ptp(np.log(drawn["IL6"] / drawn["IL2"])) < 1e-3  # every draw's fold is the same
    # so no interval is given: its three equal numbers were labelled a 90% predictive interval (an audit)
    assert potency.gamma_c_selectivity_interval().empty and "selectivity" not in potency.companion_frames()
    assert not any(k.startswith("gamma_c_selectivity_low_fold") for k in potency.summary())
    lymphoma = js.load_model(context="lymphoma")
    ensemble = js.compare_drugs(lymphoma, ["ruxolitinib"], ["IL4", "IL6"], regimens=False, uncertainty="calibration")
    row = ensemble.gamma_c_selectivity_interval().set_index("drug").loc["ruxolitinib"]
    curves = {c: ensemble.curves[("ruxolitinib", c)].uncertainty.ic50s for c in ("IL4", "IL6")}
    per_member = curves["IL6"] / curves["IL4"]  # one pathway each side: the fold is their ratio, member by member
    assert (row.fold_low, row.fold_high) == pytest.approx((per_member.min(), per_member.max()))  # an envelope
    assert row.fold_high > 1.1 * row.fold_low
    summary = ensemble.summary()
    assert summary["gamma_c_selectivity_low_fold[ruxolitinib]"] == pytest.approx(row.fold_low)
    from jakstat_sbml.results import unit_problems

    assert unit_problems(summary) == []  # the interval's keys name their unit (a fold) too
    assert js.compare_drugs(ctcl, ["tofacitinib"], ["IL2", "IL6"], regimens=False).gamma_c_selectivity_interval().empty


def test_a_panels_intervals_name_every_drugs_measured_coverage(ctcl):
    """Each curve's `covers` ends with its own drug's held-out record; the panel's names
    every compared drug's (it named only the first drug's), and each IC50 row carries its
    drug's record. A drug without measured rows (fedratinib) has none."""
    from jakstat_sbml.potency.crossval import track_record

    result = js.compare_drugs(ctcl, ["ruxolitinib", "tofacitinib", "fedratinib"], ["IL2"], uncertainty="potency",
                              draws=20, regimens=False)
    rux, tofa = track_record("ruxolitinib"), track_record("tofacitinib")
    assert result.covers.count("held out, ") == 2 and rux.text() in result.covers and tofa.text() in result.covers
    rows = result.ic50s.set_index("drug")
    assert rows.loc["ruxolitinib", "held_out_covered"] == rux.covered
    assert rows.loc["tofacitinib", "held_out_rows"] == tofa.rows
    assert np.isnan(rows.loc["fedratinib", "held_out_rows"])
    # each row's covers is its own drug's (tofacitinib's rows quoted ruxolitinib's 6 of 10 too); the panel's
    # says what every drug's draws are of: fedratinib's plausible range beside the others' posterior
    assert rux.text() not in rows.loc["tofacitinib", "interval_covers"]
    assert "plausible potency range" in rows.loc["fedratinib", "interval_covers"]
    assert "drug potency posterior" in result.covers and "plausible potency range" in result.covers
    assert (result.to_frame().set_index("drug")["interval_covers"] == rows["interval_covers"]).all()


def test_cli_writes_the_table_and_figure(tmp_path):
    runner = CliRunner()
    out = tmp_path / "panel"
    done = runner.invoke(cli.app, ["compare-drugs", "--context", "ctcl", "--drug", "tofacitinib", "-c", "IL2",
                                   "-c", "IFNG", "--out", str(out)])
    assert done.exit_code == 0, done.output
    table = pd.read_csv(out / "compare_drugs.csv")
    assert set(table.pathway) == {"IL2/pSTAT5", "IFNG/pSTAT1"}
    assert (out / "compare_drugs.png").stat().st_size > 0 and (out / "compare_drugs_regimens.csv").exists()
    assert not (out / "compare_drugs_selectivity.csv").exists()  # no draws, no folds' interval to keep
    # the IC50s are printed, not only written (the console showed the selectivity and regimens alone)
    from jakstat_sbml.cli.common import compact_nM

    assert "IC50 (nM, free)" in done.output
    ic50 = table.set_index("pathway").loc["IL2/pSTAT5", "ic50_nM"]
    assert compact_nM(ic50) in done.output
    # and in total plasma terms, which the CSV had and the console did not
    plasma = done.output.split("IC50 (nM, total plasma)")[1]
    assert compact_nM(table.set_index("pathway").loc["IL2/pSTAT5", "ic50_plasma_nM"]) in plasma
    # how far the drug's potency is checked, without --uncertainty too (the report's panel said it, the CLI not)
    from jakstat_sbml.potency.crossval import track_record

    assert "potency: " + track_record("tofacitinib").text() in " ".join(done.output.split())
    # and how the selectivity folds themselves were tested held out (the pathway pairs of the
    # cross-validation, printed by validate and the docs only)
    from jakstat_sbml.experiments.drug_comparison import selectivity_track_record

    assert selectivity_track_record().text() in " ".join(done.output.split())
    # without --uncertainty the console says its numbers are point predictions and how to get intervals
    # (an audit read baricitinib's regimen ranked above ruxolitinib's as firmer than its record allows)
    assert "point predictions" in done.output and "--uncertainty potency" in " ".join(done.output.split())
    # each regimen's inhibition per pathway is printed, not only the gamma-c group means
    regimens = pd.read_csv(out / "compare_drugs_regimens.csv").set_index(["regimen", "pathway"])
    matrix = done.output.split("approved regimens: inhibition")[1]
    for (regimen, pathway), row in regimens.iterrows():
        line = next(x for x in matrix.splitlines() if regimen in x)
        assert f"{round(100 * row.mean_inhibition)}%" in line
    record = js.read_provenance(out / "compare_drugs.csv")
    kept = js.load(out / "compare_drugs.csv")  # its summary comes back, as every command's
    assert kept.experiment == "DrugComparison" and kept.summary() == record["summary"] and kept.summary()
    assert record["run"]["experiment"] == "compare_drugs"
    assert record["condition"] == js.provenance.condition_record("ctcl")  # the full condition, as every command's
    again = runner.invoke(cli.app, ["compare-drugs", "--context", "ctcl", "--drug", "ruxolitinib", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output  # another run's files are not replaced


def test_cli_prints_each_regimen_inhibition_with_its_interval(tmp_path):
    """With --uncertainty the regimens' inhibitions were printed as group means without
    their intervals, which were in compare_drugs_regimens.csv only (an audit). Each
    regimen and pathway is printed now with its 90% predictive interval below it, and
    the console says what the interval covers, the patient's pharmacokinetics fixed."""
    done = CliRunner().invoke(cli.app, ["compare-drugs", "--context", "ctcl", "--drug", "tofacitinib", "-c", "IL2",
                                        "--uncertainty", "potency", "--draws", "20", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    regimens = pd.read_csv(tmp_path / "compare_drugs_regimens.csv")
    assert len(regimens) == 2 and regimens["mean_inhibition_low"].notna().all()
    matrix = done.output.split("approved regimens: inhibition")[1]
    title = " ".join(matrix.split("┏")[0].split())
    assert title == "(time-averaged, steady state), 90% predictive interval below"
    lines = matrix.splitlines()
    for _, row in regimens.iterrows():
        k = next(i for i, x in enumerate(lines) if row.regimen in x)
        assert f"{round(100 * row.mean_inhibition)}%" in lines[k]
        low, high = round(100 * row.mean_inhibition_low), round(100 * row.mean_inhibition_high)
        assert f"{low}-{high}%" in lines[k + 1] and low < round(100 * row.mean_inhibition) < high
    said = " ".join(done.output.split())
    assert "regimen intervals: 90% predictive interval over 20 draws of: drug potency posterior" in said
    assert "the typical patient's pharmacokinetics, fixed" in said and "point predictions" not in said


def test_cli_calls_a_calibration_envelope_an_envelope_and_says_regimens_were_not_simulated(tmp_path):
    """A user audit: with --uncertainty calibration the IC50 tables were headed "90% predictive
    interval below" over an ensemble's envelope, the covers clause was cut inside its
    parentheses, the potency records were printed although potency is held fixed, and with
    --no-regimens the table and figure said "none tabulated" / "no approved regimen among
    these drugs" for two drugs that have approved regimens."""
    done = CliRunner().invoke(cli.app, ["compare-drugs", "--context", "lymphoma", "--drug", "ruxolitinib", "-c", "IL6",
                                        "-c", "IL2", "--no-regimens", "-u", "calibration", "--out", str(tmp_path)],
                              terminal_width=200)
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "IC50 (nM, free), envelope below" in said and "IC50 (nM, total plasma), envelope below" in said
    assert "predictive interval below" not in said
    assert "(fit of the calibration data only; drug potency fixed) ('?': an open end)" in said
    assert "potency: held out" not in said  # potency is fixed in an envelope, as dose-response leaves it out
    assert "not simulated" in said and "none tabulated" not in said
    # the selectivity fold's envelope is kept beside the table, as js.save keeps it (the command wrote none)
    folds = pd.read_csv(tmp_path / "compare_drugs_selectivity.csv").set_index("drug")
    assert folds.loc["ruxolitinib", "fold_low"] < folds.loc["ruxolitinib", "fold_high"]
    kept = js.load(tmp_path / "compare_drugs.csv").companion_frames()
    assert kept["selectivity"]["fold_high"].tolist() == pytest.approx(folds["fold_high"].tolist())
    result = js.compare_drugs(js.load_model(context="lymphoma"), ["ruxolitinib"], ["IL6"], regimens=False)
    assert not result.regimens_simulated and result.interval_kind == ""
    text = [t.get_text() for ax in result.plot().axes for t in ax.texts]
    assert "approved regimens not simulated (regimens=False)" in text


@pytest.mark.parametrize("args, message", [
    (["--drug", "ruxolitnib"], "ruxolitnib"),
    (["--drug", "pimozide", "--regimens"], "no approved regimen tabulated for pimozide"),
    (["--drug", "ruxolitinib", "-c", "EPO"], "acts on a pathway"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    done = CliRunner().invoke(cli.app, ["compare-drugs", "--context", "ctcl", "--out", str(tmp_path), *args])
    assert done.exit_code == 2
    assert message in done.output and "Traceback" not in done.output


def test_a_drug_sparing_every_interferon_and_il6_pathway_gets_a_lower_bound(ctcl):
    """Ritlecitinib binds JAK3 covalently and JAK1 only at 1640 nM (ChEMBL CHEMBL4265553):
    up to its highest default dose it does not halve IL-6/pSTAT3 (JAK1/JAK2/TYK2), so its
    gamma-c selectivity has no finite estimate; the comparison says it is above a bound
    instead of reporting a number or nothing."""
    result = js.compare_drugs(ctcl, ["ritlecitinib"], ["IL2", "IL6"], regimens=False)
    rows = result.ic50s.set_index("cytokine")
    assert np.isfinite(rows.loc["IL2", "ic50_nM"]) and rows.loc["IL6", "status"] == "above the doses tested"
    assert np.isnan(result.gamma_c_selectivity()["ritlecitinib"])
    bound = rows.loc["IL6", "max_dose_nM"] / rows.loc["IL2", "ic50_nM"]
    assert any(f"above {bound:.3g}-fold (a lower bound" in f for f in result.flags)
    assert result.gamma_c_selectivity_bounds() == {"ritlecitinib": pytest.approx(bound, rel=1e-12)}


def test_ritlecitinib_regimen_keeps_inhibiting_after_the_plasma_drug_is_gone(ctcl):
    """Litfulo EU SmPC 5.1 (rxreasoner.com/substances/ritlecitinib): ritlecitinib inhibits JAK3
    irreversibly; its plasma half-life is 1.3-2.3 h (Davis Drug Guide), so at the 50 mg
    once-daily label regimen the free plasma trough is about 1/7000 of the peak. Expectation:
    the trough inhibition of IL-15/pSTAT5 is carried by the bonded JAK3 (lost only as JAK3
    turns over), far above the reading of the trough concentration as a reversible inhibitor."""
    result = js.compare_drugs(ctcl, ["ritlecitinib"], ["IL15"], regimens=True)
    row = result.regimens.set_index("cytokine").loc["IL15"]
    assert row.regimen == "ritlecitinib 50 mg once daily"
    reg = approved_regimens("ritlecitinib")[0]
    last_day = np.linspace(reg.duration_h - reg.interval_h, reg.duration_h, 1441)
    free_trough = reg.plasma_free_nM(last_day).min()
    ic50 = result.ic50s.set_index("cytokine").loc["IL15", "ic50_nM"]
    reversible_trough = free_trough / (free_trough + ic50)
    assert row.trough_inhibition > 0.05 and row.trough_inhibition > 20 * reversible_trough
    assert row.trough_inhibition < row.mean_inhibition < row.max_inhibition


def test_the_selectivity_record_counts_the_held_out_gamma_c_against_ifn_il6_ratios():
    """A gamma-c selectivity fold is the model's IC50 on IFN/IL-6 pathways over its gamma-c
    ones; the stored cross-validation tests exactly that where a held-out source measured
    one drug on both kinds in one matrix. The record counts those ratios and no others
    (both gamma-c, or neither, are not the fold's), with their GMFE and coverage."""
    from jakstat_sbml.experiments.drug_comparison import pathway_pair_group, selectivity_track_record
    from jakstat_sbml.potency.crossval import stored_pairs
    from jakstat_sbml.potency.posterior import gmfe

    assert pathway_pair_group("IL2", "IL6") == pathway_pair_group("IFNA", "IL21") == "gamma-c against IFN/IL-6"
    assert pathway_pair_group("IL2", "IL15") == "both gamma-c"
    assert pathway_pair_group("IL6", "GMCSF") == pathway_pair_group("IL2", "GMCSF") == "other pairs"
    pairs = stored_pairs()
    pairs = pairs[pairs["kind"] == "pathways"]
    gamma, spared = {"IL2", "IL4", "IL15", "IL21"}, {"IFNA", "IFNG", "IL6"}
    mine = pairs[[(a in gamma and b in spared) or (a in spared and b in gamma)
                  for a, b in zip(pairs["cytokine"], pairs["partner_cytokine"])]]
    record = selectivity_track_record()
    assert record.current and record.ratios == len(mine) > 0 and record.covered == int(mine["covered"].sum())
    assert record.gmfe == pytest.approx(gmfe(mine["fold_error"]))
    assert record.sources == mine["source_id"].nunique() and set(record.drugs) == set(mine["drug"])
    assert record.rows <= 2 * record.ratios and "inside their 90% predictive intervals" in record.text()
