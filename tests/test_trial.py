"""Virtual patients (issue 24, first slice): js.virtual_trial and jakstat trial."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jakstat_sbml as js
from jakstat_sbml import cli
from jakstat_sbml.regimens.pharmacokinetics import covariate_table, variability_table
from jakstat_sbml.uncertainty.trial import _patient_regimen, _pk_variability, covariate_frequencies, draw_patient

pytestmark = pytest.mark.filterwarnings("ignore::jakstat_sbml.errors.JakStatWarning")

RUX = {"rux 20 BID": js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)}
SMALL = dict(cytokines=["IL2"], stimulation="continuous")


@pytest.fixture(scope="module")
def trial(ctcl):
    return js.virtual_trial(ctcl, RUX, 6, seed=11, **SMALL)


def _spread(result) -> float:
    x = result.outcomes["mean_inhibition"].to_numpy()
    return float(np.ptp(x))


def test_the_same_seed_gives_the_same_patients_whatever_the_chunking_and_workers(ctcl, trial):
    again = js.virtual_trial(ctcl, RUX, 6, seed=11, chunk_size=4, n_jobs=2, **SMALL)
    pd.testing.assert_frame_equal(again.to_frame(), trial.to_frame(), check_exact=True)
    # a patient's record does not depend on how many patients the trial has
    fewer = js.virtual_trial(ctcl, RUX, 2, seed=11, **SMALL)
    pd.testing.assert_frame_equal(fewer.patients, trial.patients.iloc[:2], check_exact=True)
    other = js.virtual_trial(ctcl, RUX, 2, seed=12, **SMALL)
    assert not other.patients.equals(fewer.patients)


def test_a_killed_trial_resumes_with_identical_output(ctcl, trial, tmp_path):
    first = js.virtual_trial(ctcl, RUX, 6, seed=11, checkpoint=tmp_path, chunk_size=2, **SMALL)
    assert (first.chunks_reused, first.chunks_computed) == (0, 3)
    chunks = sorted(tmp_path.rglob("chunk_*.npz"))
    assert len(chunks) == 3
    chunks[-1].unlink()  # as if the run had been killed before its last chunk was written
    resumed = js.virtual_trial(ctcl, RUX, 6, seed=11, checkpoint=tmp_path, chunk_size=2, **SMALL)
    assert (resumed.chunks_reused, resumed.chunks_computed) == (2, 1)
    pd.testing.assert_frame_equal(resumed.to_frame(), trial.to_frame(), check_exact=True)
    # a model at other tolerances makes other numbers: it does not read this run's chunks
    # (it once did, and returned them as its own)
    loose = js.load_model(context=ctcl.context)
    loose.set_solver_options(relative_tolerance=1e-4, absolute_tolerance=1e-9)
    other = js.virtual_trial(loose, RUX, 2, seed=11, checkpoint=tmp_path, chunk_size=2, **SMALL)
    assert (other.chunks_reused, other.chunks_computed) == (0, 1)


def test_the_spread_comes_from_the_sampled_sources(ctcl):
    """Each source adds spread: turning one off narrows the distribution (standard deviation
    over 24 patients of the same seed), turning all off leaves identical, typical patients."""
    def std(sources) -> float:
        result = js.virtual_trial(ctcl, RUX, 24, seed=11, sources=sources, **SMALL)
        assert not any(f.startswith("only ") for f in result.flags)  # 24 patients are not 'few' (FEW_PATIENTS)
        return float(result.outcomes["mean_inhibition"].std())

    both, pk_only, cell_only = std(["pk", "cell"]), std(["pk"]), std(["cell"])
    assert 0 < pk_only < both and 0 < cell_only < both
    nothing = js.virtual_trial(ctcl, RUX, 3, seed=11, sources=[], **SMALL)
    assert _spread(nothing) == 0.0
    typical = js.exposure_response(ctcl, RUX, ["IL2"]).table["mean_inhibition"].iloc[0]
    assert nothing.outcomes["mean_inhibition"].iloc[0] == pytest.approx(typical, rel=1e-9)


def test_clearance_drives_inhibition_as_pharmacology_says(trial):
    """Higher clearance, lower exposure, less inhibition: the PK fold of clearance must
    correlate negatively with a pathway's time-averaged inhibition across patients."""
    drivers = trial.drivers(pathway="IL2/pSTAT5", top=50).set_index("feature")["spearman_rho"]
    assert drivers["pk:ruxolitinib:clearance_L_per_h_fold"] < 0


def test_the_pk_variability_is_sourced_and_drawn_at_its_cv():
    table = variability_table()
    assert (table["source"].str.len() > 20).all() and (table["cv_percent"] > 0).all()
    # ruxolitinib CL/F: 39% between patients (Jakafi PI 12.3; Chen et al., J Clin Pharmacol 2013)
    assert table.set_index(["drug", "parameter"]).loc[("ruxolitinib", "clearance_L_per_h"), "cv_percent"] == 39
    sigma = np.sqrt(np.log(1 + 0.39 ** 2))
    folds = [draw_patient(i, 5, ("pk",), ["ruxolitinib"], {"ruxolitinib": {"clearance_L_per_h": sigma}}, None,
                          {})["pk:ruxolitinib:clearance_L_per_h_fold"] for i in range(2000)]
    cv = np.sqrt(np.exp(np.std(np.log(folds)) ** 2) - 1)
    assert cv == pytest.approx(0.39, abs=0.03) and np.median(folds) == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("drug, parameter", [tuple(r) for r in variability_table()[["drug", "parameter"]].to_numpy()])
def test_every_tabulated_variability_is_drawn_at_its_cv(drug, parameter):
    """Each row of pk_variability.tsv, read through the trial's own path (table -> sigma ->
    draw_patient): 2000 patients' folds have the tabulated CV (log-normal: CV^2 = exp(sigma^2) - 1)
    and median 1 (the typical value), and a derived row states its caveat."""
    row = variability_table().set_index(["drug", "parameter"]).loc[(drug, parameter)]
    if row["source"].startswith("derived:"):
        assert "upper bound" in row["notes"]
    variability, _ = _pk_variability([drug])
    folds = [draw_patient(i, 7, ("pk",), [drug], variability, None, {})[f"pk:{drug}:{parameter}_fold"]
             for i in range(2000)]
    cv = np.sqrt(np.exp(np.std(np.log(folds)) ** 2) - 1)
    assert cv == pytest.approx(row["cv_percent"] / 100, rel=0.08) and np.median(folds) == pytest.approx(1.0, abs=0.05)


def test_momelotinib_clearance_varies_and_the_panel_gaps_are_flagged():
    """Momelotinib CL/F: 60%, derived from the CV of AUCtau,ss at 200 mg (Vlasakakis et al.,
    Clin Transl Sci 2024, abstract), and a patient's fold reaches its regimen's clearance.
    Baricitinib, upadacitinib and deucravacitinib have no verified between-patient variability:
    nothing is drawn for them and the trial says so (a gap, not zero variability)."""
    table = variability_table().set_index(["drug", "parameter"])
    assert table.loc[("momelotinib", "clearance_L_per_h"), "cv_percent"] == 60
    mmb = js.regimen("momelotinib", "200 mg", every="24 h", days=1)
    patient = pd.Series({"pk:momelotinib:clearance_L_per_h_fold": 1.5})
    assert _patient_regimen(mmb, patient).pk.clearance_L_per_h == pytest.approx(1.5 * mmb.pk.clearance_L_per_h)
    variability, flags = _pk_variability(["momelotinib", "baricitinib", "upadacitinib", "deucravacitinib"])
    assert set(variability["momelotinib"]) == {"clearance_L_per_h"}
    for drug in ("baricitinib", "upadacitinib", "deucravacitinib"):
        assert variability[drug] == {}
        assert any(f.startswith(f"{drug}: clearance_L_per_h, volume_L") for f in flags)
    assert any(f.startswith("momelotinib: volume_L") for f in flags)


def test_the_summary_says_what_it_is_and_is_not(trial):
    s = trial.summary()
    assert s["patients"] == 6 and s["threshold_fraction"] == 0.5
    key = "rux 20 BID | IL2/pSTAT5 | continuous"
    assert s[f"mean_inhibition_p5_fraction[{key}]"] <= s[f"mean_inhibition_median_fraction[{key}]"] \
        <= s[f"mean_inhibition_p95_fraction[{key}]"]
    above = (trial.outcomes["mean_inhibition"] >= 0.5).mean()
    assert s[f"patients_above_threshold_fraction[{key}]"] == pytest.approx(above)
    assert any("not a clinical response" in f for f in trial.flags)
    assert any("mutations: none drawn" in f for f in trial.flags)
    # six patients: percentiles near the extremes and loose correlations, said (n = 3 gave rho = +-1 unremarked)
    assert any(f.startswith("only 6 patients: the 5th and 95th percentiles") for f in trial.flags)
    drivers = trial.drivers(pathway="IL2/pSTAT5", top=50)
    assert ((drivers.p_value >= 0) & (drivers.p_value <= 1)).all() and (drivers.p_value > 0.01).any()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_patients=0), js.InputError, "positive integer"),
    (dict(n_patients=-5), js.InputError, "positive integer"),
    (dict(sources=["weight"]), js.UnknownNameError, "weight"),
    (dict(sources=["mutations"]), js.InputError, "no mutation frequencies"),
    (dict(mutation_frequencies={"JAK3_A572V": 1.5}), js.InputError, "between 0 and 1"),
    (dict(threshold=1.5), js.InputError, "threshold"),
])
def test_bad_input_gets_a_clear_error(ctcl, kwargs, error, match):
    with pytest.raises(error, match=match):
        js.virtual_trial(ctcl, RUX, **{"n_patients": 2, **SMALL, **kwargs})


def test_cli_trial_runs_and_bad_input_exits_2(tmp_path):
    runner = CliRunner()
    done = runner.invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "--patients", "3", "-c", "IL2",
                                   "--stimulation", "continuous", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    table = pd.read_csv(tmp_path / "trial_ruxolitinib_20mg_every_12h_patients.csv")
    assert sorted(table.patient.unique()) == [0, 1, 2]
    # what the trial cannot support travels with its files (the console's warnings alone were lost),
    # and the record holds the cytokine doses (it held the names alone)
    summary = pd.read_csv(tmp_path / "trial_ruxolitinib_20mg_every_12h_summary.csv")
    assert summary["flags"].str.contains("only 3 patients").all()
    assert summary["flags"].str.contains("not a clinical response").all()
    record = js.read_provenance(tmp_path / "trial_ruxolitinib_20mg_every_12h_patients.csv")
    assert any("only 3 patients" in f for f in record["flags"])
    kept = js.load(tmp_path / "trial_ruxolitinib_20mg_every_12h_patients.csv")  # a result a user can keep
    assert kept.experiment == "VirtualTrial" and kept.summary() and any("only 3 patients" in f for f in kept.flags)
    # its distribution, written as _summary.csv, comes back with it as js.save's does (it was lost: an audit)
    assert list(kept.companion_frames()) == ["distribution"]
    assert kept.companion_frames()["distribution"]["median"].tolist() == pytest.approx(summary["median"].tolist())
    assert record["settings"]["cytokines"] == {"IL2": pytest.approx(1 / 15.4)}  # 1 ng/mL of 15.4 kDa IL-2
    # and the result's own summary names its regimen, stimulation and doses, which a js.save record lacked
    assert kept.summary()["regimen[ruxolitinib 20 mg twice daily]"] == "ruxolitinib 20 mg IR every 12 h, 2 doses"
    assert kept.summary()["stimulation"] == "continuous"
    assert kept.summary()["cytokine_dose_nM[IL2]"] == pytest.approx(1 / 15.4)
    # the printed spread says it is between patients, not the prediction's uncertainty
    assert "5th-95th percentile" in done.output and "inhibition >= 50%" in done.output
    assert "not an uncertainty of the prediction" in " ".join(done.output.split())
    for args, message in ((["--patients", "0"], "positive integer"), (["--source", "weight"], "weight"),
                          # a repeat was dropped without a word, while regimen refuses it (an audit)
                          (["--stimulation", "continuous", "--stimulation", "continuous"], "more than once"),
                          (["-c", "IL2"], "cytokines name 'IL2' more than once")):
        bad = runner.invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2",
                                      "--out", str(tmp_path / "bad"), *args])
        assert bad.exit_code == 2 and message in bad.output and "Traceback" not in bad.output
    # a regimen for a drug without pharmacokinetics: one line, naming what has PK and where the gap is said
    bad = runner.invoke(cli.app, ["trial", "fedratinib", "400mg", "--every", "24h", "--days", "1", "-c", "IL2",
                                  "--out", str(tmp_path / "nopk")])
    assert bad.exit_code == 2 and "no pharmacokinetics tabulated for fedratinib" in bad.output
    assert "pk_gaps.tsv" in bad.output and len(bad.output.strip().splitlines()) == 1
    assert not (tmp_path / "nopk").exists()


def test_each_arm_keeps_its_own_caveats_and_the_steady_state_is_checked(ctcl):
    """The trial flagged a PK miss on the console only, and never checked that the drug had
    reached steady state (exposure_response does): a single dose was summarised as if it had.
    Each arm's rows of distribution() now carry its own flags, and the other arm's stay off them."""
    arms = {"tofa XR": js.regimen("tofacitinib", "11 mg", every="24 h", days=1, formulation="XR"),
            "rux": js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)}
    result = js.virtual_trial(ctcl, arms, 2, ["IL2"], stimulation="ex vivo", sources=["pk"])
    flags = result.distribution().set_index("arm")["flags"]
    # the summary file says what its percentiles span, as the console did alone
    assert (result.distribution()["spread"].str.startswith("between the virtual patients")).all()
    # tofacitinib XR misses two published PK numbers (jakstat validate pharmacokinetics, docs/dosing.md)
    assert "tofacitinib XR pharmacokinetics" in flags["tofa XR"]
    assert "tofacitinib XR pharmacokinetics" not in flags["rux"]
    assert "tofa XR: tofacitinib: a single dose, not a steady state" in flags["tofa XR"]  # one dose in one day
    assert "single dose" not in flags["rux"] and "not at pharmacokinetic steady state" not in flags["rux"]
    assert all("not a clinical response" in f for f in flags)
    assert any("a single dose" in f for f in result.flags)


def test_an_arms_drivers_leave_out_the_other_drugs_pk_and_adjust_for_many_features(ctcl):
    """Notebook 10 ranked tofacitinib's clearance as a driver of the ruxolitinib arm (rho 0.31,
    p 0.05): a chance correlation, since that arm gives no tofacitinib, among some 40 features
    whose p values were not adjusted. An arm's drivers now leave out the PK of drugs it does not
    give, and p_adjusted is Bonferroni's over the features tested."""
    arms = {**RUX, "tofa": js.regimen("tofacitinib", "5 mg", every="12 h", days=1)}
    result = js.virtual_trial(ctcl, arms, 6, seed=11, **SMALL)
    rux = result.drivers("rux 20 BID", top=100)
    assert not rux.feature.str.startswith("pk:tofacitinib:").any()
    assert rux.feature.str.startswith("pk:ruxolitinib:").any()
    assert not result.drivers("tofa", top=100).feature.str.startswith("pk:ruxolitinib:").any()
    assert (rux.p_adjusted == np.minimum(1, rux.p_value * len(rux))).all()


def test_the_cohort_peaks_and_recovers_when_the_label_says(ctcl):
    """Prediction check, never fitted (Jakafi label, section 12.2: maximal inhibition of
    cytokine-induced STAT3 phosphorylation about 2 h after a dose, back near baseline by
    10 h): over 100 patients with their own PK and cells, a single 25 mg dose, blood drawn every
    30 min for 10 h and stimulated ex vivo with IL-6, the median time of the peak lies within
    0.5-3 h, and at 10 h the median patient keeps less than a third of its peak (the bounds of
    the typical patient's check in tests/test_dosing.py).

    The check ran on 8 patients, too few for a median: the kept fraction's median was 0.12
    under the draws of one order and 0.48 (a miss) under the per-feature streams, for the
    same model; over 100 patients it is 0.32 and 0.31, over 400 0.28. The model meets the
    label's 'near baseline by 10 h' narrowly, not comfortably (docs/dosing.md 4)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", js.JakStatWarning)  # "a single dose, not a steady state": as meant
        single = {"rux 25 once": js.regimen("ruxolitinib", "25 mg", every="10 h", doses=1)}
    cohort = js.virtual_trial(ctcl, single, 100, ["IL6"], seed=2, stimulation="ex vivo")
    peaks = cohort.distribution("hours_to_max_inhibition").iloc[0]
    assert 0.5 <= peaks["median"] <= 3
    # the spread is reported (docs/dosing.md quotes it) and lies around the median
    assert np.isfinite([peaks["p5"], peaks["p95"]]).all() and peaks["p5"] <= peaks["median"] <= peaks["p95"]
    assert peaks["patients"] == 100 and np.isnan(peaks["above_threshold"])  # hours have no inhibition threshold
    # the trough of a one-dose 10 h interval is the inhibition 10 h after the dose
    kept = cohort.outcomes.trough_inhibition / cohort.outcomes.max_inhibition
    # (the median patient's peak is well above half, so its ratio is read on a real peak; with 100
    # patients the lowest peak, a patient of fast clearance, is 0.27: the 8 patients' guard, every
    # peak above half, was about those 8)
    assert kept.median() < 1 / 3 and cohort.outcomes.max_inhibition.median() > 0.5


# ---------------------------------------------------------------- mutation_frequencies="cited" (data/ctcl)


def test_the_cited_mutation_frequencies_are_sourced_counts_of_the_models_mutations():
    table = js.ctcl_mutation_frequencies()
    assert len(table) >= 1
    for r in table.itertuples():
        assert r.mutation in js.mutations()  # a catalog mutation, under its catalog name
        assert 0 < r.patients and 0 <= r.carriers <= r.patients
        assert 0 <= r.frequency <= 1 and r.frequency == pytest.approx(r.carriers / r.patients, abs=5e-5)
        assert r.doi.startswith("10.") and len(r.study) > 20 and len(r.data) > 20 and r.seen and r.notes
        assert r.match in ("exact variant", "gene-level (assumption)")
    # STAT3 Y640F: 1 of 42 CTCL exomes (da Silva Almeida et al., Nat Genet 2015; counted in the
    # cBioPortal mutation file of the study, data/ctcl/SOURCE.md)
    stat3 = table.set_index("mutation").loc["STAT3_Y640F"]
    assert (stat3.carriers, stat3.patients) == (1, 42)


def test_cited_draws_each_mutation_at_about_its_tabulated_frequency():
    """draw_patient only (no simulation): over 20000 patients each mutation is carried with its
    frequency, within 4 binomial standard errors; a frequency of 0 is never drawn."""
    from jakstat_sbml.uncertainty.trial import _mutation_frequencies

    frequencies, flag = _mutation_frequencies("cited")
    table = js.ctcl_mutation_frequencies().set_index("mutation")
    assert frequencies == {m: table.loc[m, "frequency"] for m in sorted(table.index)}
    n = 20000
    rows = pd.DataFrame([draw_patient(i, 3, ("mutations",), [], {}, None, frequencies) for i in range(n)])
    for m, p in frequencies.items():
        carried = rows[f"mutation:{m}"].mean()
        assert abs(carried - p) <= 4 * np.sqrt(p * (1 - p) / n), m
    assert "STAT3_Y640F 1/42" in flag and "10.1038/ng.3442" in flag


def test_a_dict_of_mutations_draws_each_from_its_own_stream():
    """The caller's frequencies: one uniform number per mutation from the patient's stream
    of that mutation (feature_stream), so adding a mutation leaves the others' draws alone."""
    from jakstat_sbml.uncertainty.trial import _mutation_frequencies, feature_stream

    given, flag = _mutation_frequencies({"STAT5B_N642H": 0.3, "JAK3_A572V": 0.5})
    assert list(given) == ["JAK3_A572V", "STAT5B_N642H"] and flag is None
    for i in range(50):
        expected = {f"mutation:{m}": int(feature_stream(1, i, "mutation", m).random() < p) for m, p in given.items()}
        drawn = draw_patient(i, 1, ("mutations",), [], {}, None, given)
        assert drawn == {"patient": i, **expected}
        alone = draw_patient(i, 1, ("mutations",), [], {}, None, {"STAT5B_N642H": 0.3})
        assert alone["mutation:STAT5B_N642H"] == drawn["mutation:STAT5B_N642H"]


def test_two_trials_with_the_same_seed_have_the_same_patients(ctcl):
    """The draws followed one order (each drug's PK first), so `jakstat trial ruxolitinib` and
    `jakstat trial tofacitinib` with the same seed gave patient 0 other cells (JAK1 4.9 and
    17.6 nM): two single-drug trials, all the command line can run, compared unrelated
    cohorts. Each feature now has its own stream: the same seed, the same cells."""
    rux = js.virtual_trial(ctcl, RUX, 4, seed=3, **SMALL)
    tofa = js.virtual_trial(ctcl, {"tofa": js.regimen("tofacitinib", "5 mg", every="12 h", days=1)}, 4, seed=3, **SMALL)
    cells = [c for c in rux.patients.columns if c.startswith("cell:")]
    assert cells and cells == [c for c in tofa.patients.columns if c.startswith("cell:")]
    pd.testing.assert_frame_equal(rux.patients[cells], tofa.patients[cells], check_exact=True)
    # and the PK of a drug is the same in a trial with a second drug beside it
    both = js.virtual_trial(ctcl, {**RUX, "tofa": js.regimen("tofacitinib", "5 mg", every="12 h", days=1)}, 4,
                            seed=3, **SMALL)
    pk = [c for c in rux.patients.columns if c.startswith("pk:")]
    pd.testing.assert_frame_equal(rux.patients[pk + cells], both.patients[pk + cells], check_exact=True)


def test_unknown_mutation_source_gets_one_line_and_the_cli_exits_2(ctcl, tmp_path):
    with pytest.raises(js.UnknownNameError, match="unknown mutation frequency source 'published'.*cited"):
        js.virtual_trial(ctcl, RUX, 2, mutation_frequencies="published", **SMALL)
    bad = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2",
                                       "--mutations", "published", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "cited" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "bad").exists()


def test_a_cited_trial_draws_the_mutations_and_names_its_sources(ctcl):
    result = js.virtual_trial(ctcl, RUX, 2, seed=11, mutation_frequencies="cited", **SMALL)
    assert "mutations" in result.sources
    assert {f"mutation:{m}" for m in js.ctcl_mutation_frequencies().mutation} <= set(result.patients.columns)
    flag = next(f for f in result.flags if f.startswith("mutations:"))
    assert "data/ctcl/mutation_frequencies.tsv" in flag and "da Silva Almeida" in flag


# --- covariates: co-medications and organ impairment (data/pharmacokinetics/pk_covariates.tsv)

def test_the_covariate_table_is_sourced_and_says_what_was_seen():
    table = covariate_table()
    numbered = table[np.isfinite(table.auc_ratio)]
    assert len(numbered) >= 8 and (numbered.auc_ratio > 0).all()
    # a number only where a source was seen; the rest are stated gaps (leads not verified)
    assert numbered.verified.str.startswith("yes").all() and (numbered.seen_in_source.str.len() > 20).all()
    assert (table[~np.isfinite(table.auc_ratio)].verified == "no").all()
    assert (table.source.str.len() > 20).all() and (table.parameter == "clearance_L_per_h").all()
    # every drug with tabulated PK (pk_parameters.tsv) is covered, if only by a gap
    assert {"ruxolitinib", "tofacitinib", "baricitinib", "momelotinib", "pimozide"} <= set(table.drug)


def test_a_strong_cyp3a4_inhibitor_raises_ruxolitinib_exposure_by_the_label_factor(ctcl):
    """Jakavi label, Drug Interactions (reproduced by MIMS): ketoconazole, a strong CYP3A4
    inhibitor, raised ruxolitinib's AUC by 91% (ratio 1.91). Every patient carrying one
    (frequency 1) must have 1.91 times the exposure (AUC of the whole course, closed form)
    and, on the same pathway, more inhibition than the same patient without it."""
    assert covariate_table().set_index(["drug", "covariate"]).loc[
        ("ruxolitinib", "strong_cyp3a4_inhibitor"), "auc_ratio"] == 1.91
    typical = js.virtual_trial(ctcl, RUX, 2, seed=11, sources=[], **SMALL)
    inhibited = js.virtual_trial(ctcl, RUX, 2, seed=11, covariates={"strong_cyp3a4_inhibitor": 1.0},
                                 sources=["covariates"], **SMALL)
    assert (inhibited.patients["covariate:strong_cyp3a4_inhibitor"] == 1).all()
    reg = RUX["rux 20 BID"]
    t = np.linspace(0, 200, 40001)  # 200 h: > 25 half-lives even at the inhibited 5.6 h
    auc = [np.trapezoid(_patient_regimen(reg, p).plasma_total_nM(t), t) for _, p in inhibited.patients.iterrows()]
    assert np.allclose(np.array(auc) / np.trapezoid(reg.plasma_total_nM(t), t), 1.91, rtol=2e-3)
    assert (inhibited.outcomes["mean_inhibition"].to_numpy() > typical.outcomes["mean_inhibition"].to_numpy()).all()


def test_a_covariate_at_frequency_zero_changes_nothing(ctcl, trial):
    zero = js.virtual_trial(ctcl, RUX, 6, seed=11, covariates={"strong_cyp3a4_inhibitor": 0.0}, **SMALL)
    assert "covariates" in zero.sources and (zero.patients["covariate:strong_cyp3a4_inhibitor"] == 0).all()
    pd.testing.assert_frame_equal(zero.outcomes, trial.outcomes, check_exact=True)
    # covariates are drawn after every other feature: the other draws are unchanged
    pd.testing.assert_frame_equal(zero.patients[trial.patients.columns], trial.patients, check_exact=True)


def test_covariates_are_drawn_at_their_frequency_with_exclusive_levels():
    covariates = covariate_frequencies({"renal_impairment": {"mild": 0.2, "moderate": 0.1},
                                        "strong_cyp3a4_inhibitor": 0.25})
    effects = {"baricitinib": {("renal_impairment", "mild"): {"clearance_L_per_h": 1 / 1.41},
                               ("renal_impairment", "moderate"): {"clearance_L_per_h": 1 / 2.22}}}
    rows = pd.DataFrame([draw_patient(i, 5, ("pk", "covariates"), ["baricitinib"], {"baricitinib": {}}, None, {},
                                      covariates, effects) for i in range(4000)])
    mild, moderate = rows["covariate:renal_impairment:mild"], rows["covariate:renal_impairment:moderate"]
    assert mild.mean() == pytest.approx(0.2, abs=0.02) and moderate.mean() == pytest.approx(0.1, abs=0.015)
    assert rows["covariate:strong_cyp3a4_inhibitor"].mean() == pytest.approx(0.25, abs=0.02)
    assert not (mild & moderate).any()
    fold = rows["covariate_pk:baricitinib:clearance_L_per_h_fold"]
    assert np.allclose(fold[mild == 1], 1 / 1.41) and np.allclose(fold[moderate == 1], 1 / 2.22)
    assert (fold[(mild == 0) & (moderate == 0)] == 1.0).all()


def test_covariate_draws_are_identical_whatever_the_chunking_and_rank_as_drivers(ctcl):
    kwargs = dict(seed=4, covariates={"strong_cyp3a4_inhibitor": 0.5, "renal_impairment": {"moderate": 0.3}},
                  sources=["covariates"], **SMALL)
    whole = js.virtual_trial(ctcl, RUX, 6, chunk_size=6, **kwargs)
    chunked = js.virtual_trial(ctcl, RUX, 6, chunk_size=4, **kwargs)
    pd.testing.assert_frame_equal(chunked.to_frame(), whole.to_frame(), check_exact=True)
    carriers = int(whole.patients["covariate:strong_cyp3a4_inhibitor"].sum())
    assert 0 < carriers < 6
    # the only thing varying is the inhibitor: it separates high from low inhibition completely
    drivers = whole.drivers(pathway="IL2/pSTAT5", top=50).set_index("feature")["spearman_rho"]
    assert drivers["covariate:strong_cyp3a4_inhibitor"] == pytest.approx(1.0)
    assert drivers["covariate_pk:ruxolitinib:clearance_L_per_h_fold"] == pytest.approx(-1.0)
    # no number for renal impairment on ruxolitinib: said, not silently zero
    assert any("renal_impairment:moderate: no effect on ruxolitinib tabulated" in f for f in whole.flags)


@pytest.mark.parametrize("covariates, sources, error, match", [
    ({"grapefruit": 0.5}, None, js.UnknownNameError, "grapefruit.*strong_cyp3a4_inhibitor"),
    ({"strong_cyp3a4_inhibitor": 1.5}, None, js.InputError, "between 0 and 1"),
    ({"strong_cyp3a4_inhibitor": -0.1}, None, js.InputError, "between 0 and 1"),
    ({"renal_impairment": 0.2}, None, js.InputError, "levels mild, moderate, severe"),
    ({"renal_impairment": {"terminal": 0.2}}, None, js.UnknownNameError, "terminal"),
    ({"renal_impairment": {"moderate": 0.7, "severe": 0.6}}, None, js.InputError, "more than 1"),
    (None, ["covariates"], js.InputError, "no covariates"),
])
def test_bad_covariates_get_a_clear_error(ctcl, covariates, sources, error, match):
    with pytest.raises(error, match=match):
        js.virtual_trial(ctcl, RUX, 2, covariates=covariates, sources=sources, **SMALL)


def test_cli_unknown_covariate_exits_2_with_one_line(tmp_path):
    for values, message in (
            (["grapefruit=0.5"], "unknown covariate 'grapefruit'"),
            (["strong_cyp3a4_inhibitor"], "--covariate must look like"),
            # the second one replaced the first without a word (moderate's 70% dropped)
            (["renal_impairment=moderate:0.7", "renal_impairment=mild:0.5"], "gives renal_impairment twice"),
            (["renal_impairment=mild:0.2,mild:0.3"], "levels name 'mild' more than once")):
        given = [part for value in values for part in ("--covariate", value)]
        bad = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2",
                                           *given, "--out", str(tmp_path)])
        assert bad.exit_code == 2 and message in bad.output
        assert len(bad.output.strip().splitlines()) == 1, bad.output


def test_cli_trial_reports_a_bad_option_before_a_clash_with_existing_files(tmp_path):
    """A folder holding another trial's files once answered `--source bogus` with "... exists
    and was written by a different run": the option, not the folder, was the user's error."""
    (tmp_path / "trial_ruxolitinib_20mg_every_12h_patients.csv").write_text("a user's table\n", encoding="utf-8")
    for option, message in ((["--source", "bogus"], "unknown variability source 'bogus'"),
                            (["--mutations", "bogus"], "unknown mutation frequency source 'bogus'"),
                            (["--threshold", "1.5"], "threshold must be a fraction")):
        bad = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2",
                                           *option, "--out", str(tmp_path)])
        assert bad.exit_code == 2 and message in bad.output, bad.output
    assert [p.name for p in tmp_path.iterdir()] == ["trial_ruxolitinib_20mg_every_12h_patients.csv"]


def test_patients_without_inhibition_to_measure_are_counted_in_the_flags(ctcl):
    """GM-CSF does not signal in the T-cell context (no GM-CSF receptor), so every patient's
    inhibition is NaN; the trial's flags said nothing about it (an audit found the NaN rows
    silent), while exposure_response says so for the typical patient."""
    result = js.virtual_trial(ctcl, RUX, 2, ["IL2", "GMCSF"], stimulation="ex vivo")
    gmcsf = result.to_frame().query("pathway == 'GMCSF/pSTAT5'")
    assert gmcsf["mean_inhibition"].isna().all()
    assert any("GMCSF/pSTAT5, ex vivo: no inhibition to measure in 2 of 2 patients" in f
               and "does not signal through this pathway" in f for f in result.flags)
    # a patient whose cell barely signals through IL-2 (seed 0's second: IL2RB 0.2 nM) is counted alike
    unmeasured = int(result.to_frame().query("pathway == 'IL2/pSTAT5'")["mean_inhibition"].isna().sum())
    said = [f for f in result.flags if "IL2/pSTAT5, ex vivo: no inhibition to measure" in f]
    assert said == ([] if unmeasured == 0 else [said[0]])
    assert unmeasured == 0 or f"in {unmeasured} of 2 patients" in said[0] and "does not signal" not in said[0]
    # the summary's fraction above the threshold is of the measurable patients, and says how many
    # those are (it once gave the fraction beside "patients": 2 without the count it was of)
    counts = {k: v for k, v in result.summary().items() if k.startswith("measurable_patients[")}
    assert counts == {f"measurable_patients[{arm} | {pathway} | ex vivo]": n
                      for arm in result.arms for pathway, n in (("IL2/pSTAT5", 2 - unmeasured), ("GMCSF/pSTAT5", 0))}


def test_the_frequency_keyword_is_not_the_background_keyword(ctcl, tmp_path):
    """mutations= is a mutant fraction in simulate and every experiment (docs/python.md) but
    meant how many patients carry a mutation here: the trial's keyword is now
    mutation_frequencies=, the old name still works with a FutureWarning, and the CLI takes
    NAME=FREQ as Python does (it took 'cited' only)."""
    given = {"STAT5B_N642H": 0.5}
    new = js.virtual_trial(ctcl, RUX, 3, seed=4, mutation_frequencies=given, **SMALL)
    with pytest.warns(FutureWarning, match="now mutation_frequencies="):
        old = js.virtual_trial(ctcl, RUX, 3, seed=4, mutations=given, **SMALL)
    pd.testing.assert_frame_equal(new.to_frame(), old.to_frame())
    with pytest.raises(js.InputError, match="not also its former name"):
        js.virtual_trial(ctcl, RUX, 3, mutations=given, mutation_frequencies=given, **SMALL)
    done = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2", "-n", "3",
                                        "--seed", "4", "--stimulation", "continuous", "--mutations",
                                        "STAT5B_N642H=0.5", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    table = pd.read_csv(tmp_path / "trial_ruxolitinib_20mg_every_12h_patients.csv")
    assert table["mutation:STAT5B_N642H"].tolist() == new.patients["mutation:STAT5B_N642H"].tolist()
    bad = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--mutations", "STAT5B_N642H=half",
                                       "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "NAME=FREQ" in bad.output and not (tmp_path / "bad").exists()
    bad = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--mutations", "STAT5B_N642H",
                                       "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "give how often patients carry it, e.g. STAT5B_N642H=0.3" in bad.output
    bad = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--mutations",
                                       "STAT5B_N642H=0.1,STAT5B_N642H=0.2", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "mutations name 'STAT5B_N642H' more than once" in bad.output
    # another context's trial keeps its own files beside this one (it was refused as a clash)
    other = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "-c", "IL6", "-n", "2",
                                         "--stimulation", "ex-vivo", "--context", "hepatocyte", "--out", str(tmp_path)])
    assert other.exit_code == 0, other.output
    assert (tmp_path / "trial_ruxolitinib_20mg_every_12h__hepatocyte_patients.csv").exists()


def test_cli_trial_table_says_how_many_patients_were_measurable(tmp_path):
    """The console table printed "nan%" for a pathway the context does not signal through,
    and "x% of patients" when some patients could not be measured (seed 0's second patient
    barely signals through IL-2: see the test above)."""
    run = CliRunner().invoke(cli.app, ["trial", "ruxolitinib", "20mg", "--days", "1", "-c", "IL2", "-c", "GMCSF",
                                       "-n", "2", "--stimulation", "ex-vivo", "--out", str(tmp_path)],
                             terminal_width=250)
    assert run.exit_code == 0, run.output
    assert "nan" not in run.output.split("time-averaged")[0]
    gmcsf = next(line for line in run.output.splitlines() if "GMCSF/pSTAT5" in line and "│" in line)
    assert "none measurable" in gmcsf
    lines = run.output.splitlines()
    at = next(i for i, line in enumerate(lines) if "IL2/pSTAT5" in line and "│" in line)
    il2 = " ".join(lines[at:at + 2])  # a narrow console wraps the cell onto the next line
    assert "of patients" in il2 or ("of 1" in il2 and "measurable" in il2)


# --- uncertainty="potency": a predictive interval of each cohort statistic over the drug's potency

EX_VIVO_IL6 = dict(cytokines=["IL6"], stimulation="ex vivo")
# one simulation per patient and arm (ex vivo samples blood every 30 min: 48 simulations each)
CONTINUOUS_IL6 = dict(cytokines=["IL6"], stimulation="continuous")


def test_a_potency_interval_is_what_simulating_every_draw_gives(ctcl):
    """The trial's potency interval is read off two cohorts, at the order statistics of the
    draws' dose multipliers (the module docstring: every inhibition rises with potency, so
    every cohort statistic does). Here every one of 20 draws is simulated as an arm of its
    own, on the same patients, and each statistic's 90% interval over them is computed as
    the other experiments compute theirs (central_interval): the trial's ends must be the
    same numbers. A patient whose inhibition fell as potency rose would break this."""
    from dataclasses import replace

    from jakstat_sbml.potency.draws import Uncertainty, central_interval, plan_draws

    regimen = RUX["rux 20 BID"]
    # three patients: their median, 5th and 95th percentiles differ
    result = js.virtual_trial(ctcl, RUX, 3, seed=5, uncertainty="potency", draws=20, **CONTINUOUS_IL6)
    plan = plan_draws(ctcl, ["ruxolitinib"], Uncertainty("potency", draws=20, seed=5), cytokine="IL6")
    g = (plan.fraction_unbound["ruxolitinib"] / regimen.pk.fraction_unbound) / plan.dose_scale["ruxolitinib"]
    every = js.virtual_trial(ctcl, {f"draw {i}": replace(regimen, dose_mg=regimen.dose_mg * m) for i, m in enumerate(g)},
                             3, seed=5, **CONTINUOUS_IL6)
    per_draw = every.distribution().set_index("arm")
    row = result.distribution().iloc[0]
    for name in ("median", "p5", "p95", "above_threshold"):
        low, _, high = central_interval(per_draw[name].to_numpy(), 0.9)
        assert (row[f"{name}_low"], row[f"{name}_high"]) == pytest.approx((low, high), abs=1e-9), name
    # the draws spread potency over decades (ruxolitinib's posterior and a new assay's spread):
    # the interval of the median patient must be wider than the patients' own 5th-95th spread here
    assert row["median_high"] - row["median_low"] > row["p95"] - row["p5"]
    assert row["median_low"] <= row["median"] <= row["median_high"]
    assert "drug potency posterior" in row["interval_covers"] and "ruxolitinib" in row["interval_covers"]
    assert row["spread"].startswith("between the virtual patients")  # the percentiles stay the patients' spread
    summary = result.summary()
    assert summary["interval_kind"] == "predictive" and summary["interval_draws"] == 20
    assert summary["interval_seed"] == 5  # the trial's seed draws its patients and its potency
    key = "rux 20 BID | IL6/pSTAT3 | continuous"
    assert summary[f"patients_above_threshold_fraction_low[{key}]"] <= summary[
        f"patients_above_threshold_fraction_high[{key}]"]
    # without uncertainty= nothing of it is there, and the outcomes are the same patients' numbers
    plain = js.virtual_trial(ctcl, RUX, 3, seed=5, **CONTINUOUS_IL6)
    assert "median_low" not in plain.distribution() and "interval_covers" not in plain.summary()
    pd.testing.assert_frame_equal(plain.outcomes, result.outcomes)


@pytest.mark.parametrize("kwargs, match", [
    (dict(uncertainty="all"), "takes uncertainty='potency' only"),
    (dict(uncertainty=True), "takes uncertainty='potency' only"),
    (dict(uncertainty="calibration"), "takes uncertainty='potency' only"),
    (dict(draws=50), "uncertainty= is not"),
    (dict(uncertainty="potency", draws=5), "too few draws"),
    (dict(uncertainty=js.Uncertainty("potency", seed=3)), "differ: set it in one place"),  # the trial's seed is 0
])
def test_bad_trial_uncertainty_gets_a_clear_error(ctcl, kwargs, match):
    with pytest.raises(js.InputError, match=match):
        js.virtual_trial(ctcl, RUX, 2, **SMALL, **kwargs)


def test_a_potency_interval_of_drugs_given_together_is_refused(ctcl):
    together = {"rux + tofa": (js.regimen("ruxolitinib", "10 mg", days=1), js.regimen("tofacitinib", "5 mg", days=1))}
    with pytest.raises(js.InputError, match="one regimen per arm"):
        js.virtual_trial(ctcl, together, 2, uncertainty="potency", **SMALL)
    # an arm named as an end cohort would be read as one (or the reverse): refused before any simulation
    clash = {"a": RUX["rux 20 BID"], "a [potency low]": RUX["rux 20 BID"]}
    with pytest.raises(js.InputError, match="rename it"):
        js.virtual_trial(ctcl, clash, 2, uncertainty="potency", **SMALL)


def test_cli_trial_prints_and_writes_the_potency_interval(tmp_path):
    runner = CliRunner()
    args = ["trial", "ruxolitinib", "20mg", "--days", "1", "--patients", "2", "-c", "IL6", "--stimulation",
            "continuous"]
    done = runner.invoke(cli.app, [*args, "--uncertainty", "potency", "--draws", "20", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert "[in brackets]: the 90% predictive interval over the drug's potency" in text
    assert "potency interval, IL6/pSTAT3: 90% predictive interval over 20 draws" in text
    summary = pd.read_csv(tmp_path / "trial_ruxolitinib_20mg_every_12h_summary.csv")
    assert {"median_low", "median_high", "above_threshold_low", "above_threshold_high"} <= set(summary)
    assert summary["interval_covers"].str.contains("drug potency posterior").all()
    record = js.read_provenance(tmp_path / "trial_ruxolitinib_20mg_every_12h_summary.csv")
    assert record["settings"]["uncertainty"] == "potency" and record["settings"]["draws"] == 20
    for extra, message in ((["--uncertainty", "all"], "takes uncertainty='potency' only"),
                           (["--draws", "50"], "give --uncertainty potency too")):
        bad = runner.invoke(cli.app, [*args, *extra, "--out", str(tmp_path / "bad")])
        assert bad.exit_code == 2 and message in " ".join(bad.output.split()) and "Traceback" not in bad.output
        assert not (tmp_path / "bad").exists()


def test_each_arm_and_pathway_says_what_its_own_interval_covers(ctcl):
    """What an interval covers names the drug's held-out record and its assay system's. With two
    arms and two pathways each row must name its own: the report's cohort once printed the
    last arm's and pathway's statement on every row."""
    arms = {"rux": js.regimen("ruxolitinib", "20 mg", days=1), "tofa": js.regimen("tofacitinib", "5 mg", days=1)}
    result = js.virtual_trial(ctcl, arms, 2, ["IL2", "IL6"], stimulation="continuous", uncertainty="potency",
                              draws=20)
    for r in result.distribution().itertuples():
        drug, other = ("ruxolitinib", "tofacitinib") if r.arm == "rux" else ("tofacitinib", "ruxolitinib")
        cytokine = r.pathway.split("/")[0]
        assert f"{drug}'s 90% intervals" in r.interval_covers and other not in r.interval_covers, r
        assert f"ctcl:{cytokine} " in r.interval_covers, r
    covers = result.summary()["interval_covers"]
    assert covers.count(" || ") == 3 and "rux | IL2/pSTAT5: " in covers and "tofa | IL6/pSTAT3: " in covers
    # each arm's potency flags stay on its own rows. Ruxolitinib's held-out record is flagged as too narrow
    # (6 of its 10 held-out rows covered, docs/pharmacology/cross_validation.csv); tofacitinib's is not
    flagged = result.distribution().groupby("arm")["flags"].first()
    assert result.potency.flags and all(f.startswith("rux: ruxolitinib") for f in result.potency.flags)
    for flag in result.potency.flags:
        assert flag in flagged["rux"] and flag not in flagged["tofa"]
