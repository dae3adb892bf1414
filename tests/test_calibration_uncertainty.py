"""Calibration uncertainty: profile likelihoods (a small, fast case on Raia 2011) and the
stored ensembles of the calibrated contexts, with the ensemble intervals they give
(docs/uncertainty.md section 5)."""

import math

import numpy as np
import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml import ensemble as ens_module
from jakstat_sbml.calibration import Objective, parameter_bounds
from jakstat_sbml.calibration.datasets import DATASETS
from jakstat_sbml.calibration.profiles import THRESHOLD, profile_dataset

from .conftest import REPO

RAIA = "Raia_CancerResearch2011"
DATASET_OF = {d.context: d.name for d in DATASETS.values()}
STORED = js.ensemble_contexts()  # every stored ensemble is checked below


# ----------------------------------------------------------------------------- a small profile run


@pytest.fixture(scope="module")
def raia_profiles():
    # Two parameters, two steps each way, two trust-region iterations per step (~30 s).
    return profile_dataset(RAIA, ["JAK2_total", "kon_SOCS3_JAK2"], max_steps=2, max_nfev=2)


def test_a_parameter_the_data_pin_down_has_a_closed_profile(raia_profiles):
    """JAK2_total is identified in the calibration (Gauss-Newton se 0.11 decades,
    docs/calibration/Raia_CancerResearch2011/parameters.tsv): the profile must rise above
    the 95% threshold on both sides within two steps of one standard error each."""
    row = raia_profiles.intervals().set_index("parameter").loc["JAK2_total"]
    assert row["verdict"] == "identifiable" and row["low_side"] == row["high_side"] == "crossed"
    assert row["low"] < row["value"] < row["high"]
    # the interval is of the order of the standard error, not decades wide
    assert 0.02 < row["log10_high"] - row["log10_low"] < 1.0
    pts = raia_profiles.points[raia_profiles.points["profiled"] == "JAK2_total"]
    assert set(pts["direction"]) == {-1, 1}
    assert (pts["delta"] > THRESHOLD).sum() == 2  # each side ends above the threshold
    # profile points keep the parameter fixed where the walk put it, others inside their bounds
    x = pts[[f"log10_{p}" for p in raia_profiles.parameters]].to_numpy()
    assert np.all(x >= raia_profiles.lower - 1e-12) and np.all(x <= raia_profiles.upper + 1e-12)


def test_profiles_on_amici_with_exact_jacobians_find_the_same_interval(raia_profiles):
    # The same walk with AMICI's forward sensitivities for the re-fits (--engine amici):
    # the same verdict, and ends within 0.01 decades of RoadRunner's finite-difference
    # re-fits (measured 4e-4 and 1.3e-3; each end is interpolated between points that
    # two-iteration re-fits leave slightly above the true profile).
    amici = profile_dataset(RAIA, ["JAK2_total"], max_steps=2, max_nfev=2, engine="amici")
    ours = amici.intervals().set_index("parameter").loc["JAK2_total"]
    theirs = raia_profiles.intervals().set_index("parameter").loc["JAK2_total"]
    assert ours["verdict"] == theirs["verdict"] == "identifiable"
    assert abs(ours["log10_low"] - theirs["log10_low"]) < 0.01
    assert abs(ours["log10_high"] - theirs["log10_high"]) < 0.01


def test_a_parameter_at_its_bound_the_data_do_not_limit_has_a_flat_profile(raia_profiles):
    """kon_SOCS3_JAK2 ends at its lower bound with a Gauss-Newton se of 75 decades
    (docs/calibration.md): from the bound upward the cost must stay within the
    threshold, and the profile cannot go below the bound."""
    row = raia_profiles.intervals().set_index("parameter").loc["kon_SOCS3_JAK2"]
    assert row["low_side"] == "at bound" and row["high_side"] in ("open", "flat to bound")
    assert row["verdict"] == "not identifiable"
    pts = raia_profiles.points[raia_profiles.points["profiled"] == "kon_SOCS3_JAK2"]
    assert set(pts["direction"]) == {1}  # already at the lower bound
    assert (pts["delta"] <= THRESHOLD).all()
    assert pts["log10_value"].max() > raia_profiles.optimum[raia_profiles.parameters.index("kon_SOCS3_JAK2")] + 1


def test_profile_points_are_never_better_than_the_optimum_by_more_than_noise(raia_profiles):
    # The stored optimum came from 16 starts (14 reached it): a profile point clearly below it
    # would mean the calibration stopped short.
    assert raia_profiles.points["delta"].min() > -0.1


def test_a_stored_profile_is_reused_only_when_walked_from_this_optimum(raia_profiles, tmp_path):
    """Finished profiles are stored and read back by name; one walked from another optimum
    (before a calibrate --store moved it) would have mixed into this one's threshold and
    ensemble. Its points' cost - delta names the optimum it was walked from, and its columns
    the walk's settings (iterations, steps, step scale, engine): another walk is recomputed."""
    points = raia_profiles.points[raia_profiles.points.profiled == "JAK2_total"]
    stored = tmp_path / "profile_points" / "JAK2_total.tsv"
    stored.parent.mkdir()
    points.to_csv(stored, sep="\t", index=False)
    said = []
    again = profile_dataset(RAIA, ["JAK2_total"], max_steps=2, max_nfev=2, folder=tmp_path, progress=said.append)
    assert said == [] and len(again.points) == len(points)  # reused as it was
    # a walk with other settings is another profile: recomputed, and said
    other = profile_dataset(RAIA, ["JAK2_total"], max_steps=1, max_nfev=1, folder=tmp_path, progress=said.append)
    assert any("walked with max_nfev 2 (now 1), max_steps 2 (now 1)" in s for s in said), said
    assert (other.points["max_nfev"] == 1).all() and len(other.points) < len(points)
    said.clear()
    # walked from cost0 + 5, with this walk's settings
    points.assign(delta=points["delta"] - 5.0, max_nfev=1, max_steps=1).to_csv(stored, sep="\t", index=False)
    redone = profile_dataset(RAIA, ["JAK2_total"], max_steps=1, max_nfev=1, folder=tmp_path, progress=said.append)
    assert any("walked from another optimum" in s and "recomputed" in s for s in said)
    made_at = redone.points["cost"] - redone.points["delta"]
    assert np.allclose(made_at, redone.optimum_cost, atol=1e-4)
    # a file written before the walk's settings were stored (the committed ones) says none: reused
    points.drop(columns=["max_nfev", "max_steps", "step_scale", "engine"]).to_csv(stored, sep="\t", index=False)
    said.clear()
    assert len(profile_dataset(RAIA, ["JAK2_total"], max_nfev=1, folder=tmp_path, progress=said.append).points) \
        == len(points) and said == []


def test_cli_profiles_records_its_files_and_replaces_no_other_run_s(raia_profiles, tmp_path):
    """The standard: no other run's files, and none a user wrote, are overwritten silently
    (jakstat profiles once replaced profiles.tsv, intervals.tsv and ensemble.tsv whatever
    made them). The fixture's profile is stored where the command reuses it, so nothing is walked."""
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    folder = tmp_path / RAIA
    (folder / "profile_points").mkdir(parents=True)
    raia_profiles.points[raia_profiles.points.profiled == "JAK2_total"].to_csv(
        folder / "profile_points" / "JAK2_total.tsv", sep="\t", index=False)
    runner = CliRunner()
    args = ["profiles", RAIA, "--parameters", "JAK2_total", "--max-nfev", "2", "--out", str(tmp_path)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    record = js.read_provenance(folder / "intervals.tsv")
    assert record["experiment"] == "profiles" and record["settings"]["parameters"] == ["JAK2_total"]
    assert record["model"]["context"] == DATASETS[RAIA].context
    ensemble = (folder / "ensemble.tsv").read_bytes()
    done = runner.invoke(app, [*args[:-2], "--budget-minutes", "5", "--out", str(tmp_path)])
    assert done.exit_code == 2 and "written by a different run" in done.output and "--force" in done.output
    assert (folder / "ensemble.tsv").read_bytes() == ensemble
    assert runner.invoke(app, args).exit_code == 0  # the same run replaces its own files
    (tmp_path / "mine" / RAIA).mkdir(parents=True)
    (tmp_path / "mine" / RAIA / "profiles.png").write_bytes(b"my figure")
    done = runner.invoke(app, [*args[:-1], str(tmp_path / "mine")])
    assert done.exit_code == 2 and "no provenance record" in done.output
    assert (tmp_path / "mine" / RAIA / "profiles.png").read_bytes() == b"my figure"
    done = runner.invoke(app, ["profiles", "Raia2011", "--out", str(tmp_path)])
    assert done.exit_code == 2 and "unknown dataset 'Raia2011'" in done.output


def test_the_ensemble_is_the_optimum_and_the_points_within_the_threshold(raia_profiles):
    table = raia_profiles.ensemble()
    assert table["member"].iloc[0] == 0 and table["delta"].iloc[0] == 0
    assert (table["delta"] <= THRESHOLD).all()
    inside = (raia_profiles.points["delta"] <= THRESHOLD).sum()
    assert len(table) == inside + 1


def test_profiling_an_unknown_parameter_or_dataset_fails_clearly():
    with pytest.raises(js.InputError, match="not a fitted parameter"):
        profile_dataset(RAIA, ["IL6R_total"])
    with pytest.raises(js.InputError, match="not calibrated"):
        profile_dataset("Swameye_PNAS2003")  # published, but not one of the package's datasets


# ----------------------------------------------------------------------------- the stored ensembles


def test_the_calibrated_contexts_have_stored_ensembles():
    # make profiles stores one for each context calibrated to data (docs/uncertainty.md 5)
    assert set(STORED) == set(DATASET_OF)
    with pytest.raises(js.NoEnsembleError, match="no calibration ensemble"):
        js.load_ensemble("ctcl")


@pytest.mark.parametrize("context", STORED)
def test_stored_members_lie_within_bounds_and_threshold(context):
    e = js.load_ensemble(context)
    assert e.dataset == DATASET_OF[context]
    assert len(e) >= 5  # an envelope needs members beyond the optimum; fewer means a profile run cut short
    bounds = parameter_bounds()  # indexed by id
    for p in e.parameters:
        lo, hi = bounds.loc[p, "lower"], bounds.loc[p, "upper"]
        assert (e.members[p] >= lo * (1 - 1e-6)).all() and (e.members[p] <= hi * (1 + 1e-6)).all(), p
    assert (e.members["delta"] <= THRESHOLD).all()
    # the committed copy beside the profiles is the same ensemble
    docs = pd.read_csv(REPO / "docs" / "calibration" / e.dataset / "ensemble.tsv", sep="\t")
    assert np.allclose(docs[e.parameters].to_numpy(), e.members[e.parameters].to_numpy(), rtol=1e-7)


@pytest.mark.parametrize("context", STORED)
def test_the_farthest_stored_member_is_still_compatible_with_the_data(context):
    """Re-evaluating the member with the largest recorded delta gives that delta: the stored
    ensemble is what the objective says, not a leftover of another calibration."""
    e = js.load_ensemble(context)
    objective = Objective(e.dataset)
    far = e.members.iloc[int(e.members["delta"].to_numpy().argmax())]
    optimum = e.members.iloc[0]
    cost = objective.cost({p: float(far[p]) for p in e.parameters})
    cost0 = objective.cost({p: float(optimum[p]) for p in e.parameters})
    # 0.01 is 0.5% of the threshold: an ensemble from another calibration is off by far more, while
    # growing the network (EPO's species) moved the recomputed delta by 1.0e-3 through solver noise alone
    assert cost - cost0 == pytest.approx(float(far["delta"]), abs=0.01)
    assert cost - cost0 <= THRESHOLD


def test_a_stale_ensemble_is_refused(tmp_path, monkeypatch):
    table = pd.read_csv(ens_module.ensemble_folder() / "lymphoma.tsv", sep="\t")
    p = [c for c in table.columns if c not in ens_module.META_COLUMNS][0]
    table.loc[0, p] *= 1.5  # as if the context had been recalibrated since
    table.to_csv(tmp_path / "lymphoma.tsv", sep="\t", index=False)
    monkeypatch.setattr(ens_module, "ensemble_folder", lambda: tmp_path)
    with pytest.raises(js.InputError, match="recalibrated"):
        js.load_ensemble("lymphoma")


# ----------------------------------------------------------------------------- predictions with the ensemble


@pytest.fixture(scope="module")
def rux_il6(hepatocyte):
    doses = [1, 3, 10, 30, 100, 300, 1000]
    return js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=doses, uncertainty="calibration", n_jobs=2)


def test_ic50_interval_surrounds_the_point_estimate(rux_il6, hepatocyte):
    lo, hi = rux_il6.ic50_interval
    assert rux_il6.uncertainty.draws == len(js.load_ensemble(hepatocyte))  # one draw per member
    assert rux_il6.uncertainty.envelope and "calibration data only" in rux_il6.uncertainty.covers
    assert lo <= rux_il6.ic50 <= hi
    # member 0 is the optimum: its IC50 is the point estimate
    assert rux_il6.uncertainty.ic50s[0] == pytest.approx(rux_il6.ic50, rel=1e-12)
    summary = rux_il6.summary()
    assert summary["ic50_interval_low_nM"] == lo and summary["ic50_interval_high_nM"] == hi
    assert summary["interval_covers"] == rux_il6.uncertainty.covers
    # an envelope over every member states no level (its summary said 0.9, like a 90% interval)
    assert summary["interval_kind"] == "envelope" and math.isnan(summary["interval_level"])
    assert summary["interval_seed"] is None  # an envelope draws nothing (a potency interval names its seed)


def test_draws_or_seed_with_the_calibration_envelope_are_refused_not_ignored(hepatocyte):
    """The calibration envelope runs each member of the ensemble once, so draws= and seed=
    set nothing there. draws=5 was first refused as 'too few for a 90% interval' (which this
    mode never computes), then ignored without a word; both now get an error saying why."""
    for extra in ({"draws": 5}, {"draws": 500}, {"seed": 3}):
        with pytest.raises(js.InputError, match="does not apply to calibration uncertainty"):
            js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000], uncertainty="calibration",
                             **extra)
    with pytest.raises(js.InputError, match="too few draws"):  # where draws do set the interval, still refused
        js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000], uncertainty="potency", draws=5)


def test_ic50_interval_matches_the_members_own_dose_responses(rux_il6, hepatocyte):
    """The member with the highest IC50, simulated on its own through parameters= at the
    doses the members are simulated at (those within SET_SPAN of the plain IC50), gives the
    interval's upper end; on the whole dose series, the same within 2%."""
    from jakstat_sbml.experiments.dose_response import SET_SPAN

    e = js.load_ensemble(hepatocyte)
    k = int(np.nanargmax(rux_il6.uncertainty.ic50s))
    member = {p: float(e.members[p].iloc[k]) for p in e.parameters}
    near = [x for x in rux_il6.doses if rux_il6.ic50 / SET_SPAN <= x <= rux_il6.ic50 * SET_SPAN]
    alone = js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=near, parameters=member)
    assert alone.ic50 == pytest.approx(rux_il6.ic50_interval[1], rel=1e-9)
    whole = js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=rux_il6.doses, parameters=member)
    assert whole.ic50 == pytest.approx(rux_il6.ic50_interval[1], rel=0.02)


def test_ic50_interval_needs_the_ensemble(hepatocyte, ctcl):
    curve = js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000])
    with pytest.raises(js.InputError, match="uncertainty="):
        curve.ic50_interval
    with pytest.raises(js.InputError, match="not calibrated"):
        js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], uncertainty="calibration")


def test_time_course_band_holds_the_optimum(hepatocyte):
    band = js.ensemble_band(hepatocyte, "pSTAT3", cytokines={"IL6": "10 ng/mL"}, t_end=60, points=13, n_jobs=2)
    f = band.to_frame()
    assert len(f) == 13 and band.members == len(js.load_ensemble(hepatocyte))
    assert (f["low"] <= f["value"] + 1e-12).all() and (f["value"] <= f["high"] + 1e-12).all()
    plain = hepatocyte.simulate(cytokines={"IL6": "10 ng/mL"}, t_end=60, points=13, readouts=["pSTAT3"])
    assert np.allclose(f["value"].to_numpy(), plain["pSTAT3"].to_numpy(), rtol=1e-6, atol=1e-9)
    peak = f["value"].idxmax()
    assert f.loc[peak, "high"] > f.loc[peak, "low"]  # the members differ where the signal is
    assert not math.isnan(band.summary()["peak_pSTAT3_high"])


# ----------------------------------------------------------------------------- the command line


def test_cli_dose_response_prints_and_writes_the_calibration_interval(tmp_path):
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["dose-response", "IL13", "--drug", "ruxolitinib", "--context", "lymphoma",
                                 "--readout", "pSTAT5", "--doses", "1,10,100,1000,10000", "--uncertainty",
                                 "calibration", "--out", str(tmp_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "envelope" in result.output and "calibration data only" in result.output
    assert "95% CI" not in result.output  # the Hill fit's precision is never printed as the IC50's uncertainty
    fit = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL13_pSTAT5__lymphoma_fit.csv")  # names carry the context
    assert fit["interval_draws"].iloc[0] == len(js.load_ensemble("lymphoma"))
    assert "calibration" in fit["interval_covers"].iloc[0]
    lo, hi = fit["ic50_interval_low_nM"].iloc[0], fit["ic50_interval_high_nM"].iloc[0]
    assert (math.isnan(lo) or lo <= fit["ic50_nM"].iloc[0]) and (math.isnan(hi) or fit["ic50_nM"].iloc[0] <= hi)
    refused = runner.invoke(app, ["dose-response", "IL6", "--uncertainty", "calibration", "--out", str(tmp_path)])
    assert refused.exit_code != 0 and "--drug" in refused.output
    band = runner.invoke(app, ["simulate", "-c", "IL13=10", "--context", "lymphoma", "-r", "pSTAT5", "--t-end", "30",
                               "--ensemble", "--out", str(tmp_path / "band.csv")])
    assert band.exit_code == 0, band.output
    frame = pd.read_csv(tmp_path / "band.csv")
    assert list(frame.columns) == ["time", "readout", "value", "low", "high"]
    assert (frame["low"] <= frame["high"]).all()
    kept = js.load(tmp_path / "band.csv")  # the band's summary comes back with it (a review found {})
    assert kept.experiment == "EnsembleBand" and kept.summary()


def test_every_result_records_no_seed_for_the_envelope_which_draws_nothing(hepatocyte):
    """A seed in a result's record says its interval came from random draws; the calibration
    envelope runs every member once. The dose-response recorded None, but a combination and
    an exposure recorded the unused default seed 0 (an audit)."""
    from jakstat_sbml.potency.draws import Uncertainty, recorded_seed

    assert recorded_seed(None) is None and recorded_seed(Uncertainty("calibration")) is None
    assert recorded_seed(Uncertainty("potency", seed=7)) == 7
    grid = js.combination(hepatocyte, "ruxolitinib", "tofacitinib", "IL6", doses_a=[10, 1000], doses_b=[10, 1000],
                          uncertainty="calibration", n_jobs=2)
    assert grid.interval_seed is None and grid.interval_draws == len(js.load_ensemble(hepatocyte))
