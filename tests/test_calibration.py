"""Calibration against the published datasets (data/petab).

The evaluator of the published models reproduces their reference objectives; the
likelihood profiles offsets and scales correctly on synthetic data; the
calibrated values stored as context defaults reproduce the recorded objective
and are a local optimum; our chi2 is within 1.5x of the published model's on the
same data, or the dataset is documented as one our network cannot express.
"""

import math

import numpy as np
import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml import calibration as cal
from jakstat_sbml import catalog
from jakstat_sbml.calibration import Observations, PublishedModel, profile, select_measurements

from .conftest import REPO

RESULTS = REPO / "docs" / "calibration"


def _observations(y, log, *, offset_id="", scale_id="", offset=0.0, scale=1.0, noise_abs=0.1, noise_rel=0.0):
    n = len(y)
    return Observations.from_frame(pd.DataFrame({
        "measurement": y, "log10": log, "noise_abs": noise_abs, "noise_rel": noise_rel,
        "offset_id": [offset_id] * n, "scale_id": [scale_id] * n, "offset": offset, "scale": scale}))


# ----------------------------------------------------------------------------- likelihood


def test_profile_recovers_a_blots_offset_and_scale_on_log10_data():
    q = np.linspace(0.0, 5.0, 12)
    y = 0.3 + 2.5 * q  # noise-free: the optimum is exact
    fit = profile(_observations(y, True, offset_id="o", scale_id="s"), q)
    assert fit.nuisance["o"] == pytest.approx(0.3, rel=1e-6)
    assert fit.nuisance["s"] == pytest.approx(2.5, rel=1e-6)
    assert fit.chi2 == pytest.approx(0, abs=1e-10)
    # PEtab's log10-normal -log L at the optimum: normalisation and Jacobian terms only
    expected = np.sum(0.5 * np.log(2 * np.pi * 0.1**2) + np.log(y * np.log(10)))
    assert fit.nllh == pytest.approx(expected, rel=1e-9)


def test_profiled_nuisance_is_never_worse_than_given_values():
    rng = np.random.default_rng(1)
    q = rng.uniform(0.1, 3, 30)
    y = 10 ** (np.log10(0.2 + 4 * q) + rng.normal(0, 0.1, q.size))
    obs = _observations(y, True, offset_id="o", scale_id="s")
    best = profile(obs, q)
    for o, s in [(0.2, 4.0), (0.1, 5.0), (1e-3, 4.2)]:
        assert best.nllh <= profile(obs, q, profile_nuisance=False, values={"o": o, "s": s}).nllh + 1e-9


def test_profile_scale_under_noise_that_grows_with_the_simulation():
    """Raia 2011's noise model: sigma = abs + rel * h, lin scale, one scale per observable."""
    q = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
    y = 3.0 * q + np.array([0.2, -0.3, 0.4, -0.5, 0.6])
    obs = _observations(y, False, scale_id="s", noise_abs=0.5, noise_rel=0.1)
    fit = profile(obs, q)

    def nllh(s):  # written out independently: normal noise with sigma = 0.5 + 0.1 * s * q
        sigma = 0.5 + 0.1 * s * q
        return np.sum(0.5 * np.log(2 * np.pi * sigma**2) + 0.5 * ((y - s * q) / sigma) ** 2)

    grid = np.linspace(2.0, 4.0, 20001)
    assert fit.nuisance["s"] == pytest.approx(grid[np.argmin([nllh(s) for s in grid])], abs=2e-4)
    assert fit.nllh == pytest.approx(nllh(fit.nuisance["s"]), rel=1e-12)
    # the least-squares form carries the log-sigma terms: half its sum of squares is -log L + const
    r = fit.least_squares_residuals()
    const = q.size * 0.5 * np.log(2 * np.pi * 0.5**2)
    assert 0.5 * np.sum(r**2) + const == pytest.approx(fit.nllh, rel=1e-9)


def _synthetic_blots():
    """Three blots of q(theta) = theta0 exp(-theta1 t): log10 data with offset and scale
    profiled, lin data with a profiled scale under noise that grows with the signal
    (log-sigma residuals), and log10 data whose offset is profiled onto its bound 0."""
    t = np.linspace(0.0, 4.0, 9)
    rng = np.random.default_rng(7)
    truth = 2.0 * np.exp(-0.6 * t)
    ys = [10 ** (np.log10(0.4 + 3 * truth) + rng.normal(0, 0.05, t.size)),
          1.5 * truth * (1 + rng.normal(0, 0.1, t.size)) + 0.05,
          10 ** (np.log10(3 * truth) + 0.02 * np.arange(t.size))]
    frame = pd.concat([
        pd.DataFrame({"measurement": ys[0], "log10": True, "noise_abs": 0.05, "noise_rel": 0.0,
                      "offset_id": "o1", "scale_id": "s1", "offset": 0.0, "scale": 1.0}),
        pd.DataFrame({"measurement": ys[1], "log10": False, "noise_abs": 0.05, "noise_rel": 0.1,
                      "offset_id": "", "scale_id": "s2", "offset": 0.0, "scale": 1.0}),
        pd.DataFrame({"measurement": ys[2], "log10": True, "noise_abs": 0.05, "noise_rel": 0.0,
                      "offset_id": "o3", "scale_id": "s3", "offset": 0.0, "scale": 1.0})], ignore_index=True)

    def quantity(theta):
        q = theta[0] * np.exp(-theta[1] * t)
        slopes = np.column_stack([np.exp(-theta[1] * t), -t * theta[0] * np.exp(-theta[1] * t)])
        return np.tile(q, 3), np.tile(slopes, (3, 1))

    return Observations.from_frame(frame), quantity


def test_jacobian_of_the_profiled_residuals_matches_central_differences():
    # The blots' offsets and scales follow their optimum (implicit function theorem), so
    # the Jacobian is that of the profiled residuals, which central differences that
    # re-profile at every step approximate to ~1e-6 here; also for noise that grows with
    # the signal (extra residual rows) and an offset held at its bound 0. J^T r is then the
    # derivative of the profiled cost.
    obs, quantity = _synthetic_blots()
    theta = np.array([1.7, 0.5])
    q, slopes = quantity(theta)
    fit = profile(obs, q)
    assert fit.nuisance["o3"] == 0.0  # the third blot's offset sits at its bound
    jac = cal.residual_jacobian(obs, fit, q, slopes)
    r = fit.least_squares_residuals()
    assert jac.shape == (r.size, 2)
    fixed = profile(obs, q, profile_nuisance=False, values=fit.nuisance)
    for j in range(2):
        # steps of 1e-3: the profiled offsets carry ~1e-10 of search noise, /2h in the differences
        h = 1e-3
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        ends = [profile(obs, quantity(v)[0]).least_squares_residuals() for v in (up, down)]
        central = (ends[0] - ends[1]) / (2 * h)
        moved = [profile(obs, quantity(v)[0], profile_nuisance=False, values=fit.nuisance).least_squares_residuals()
                 for v in (up, down)]
        unprofiled = np.abs((moved[0] - moved[1]) / (2 * h)).max()  # the column's size before profiling
        assert np.abs(jac[:, j] - central).max() < 1e-4 * unprofiled
        cost = [0.5 * np.sum(e**2) for e in ends]
        assert jac[:, j] @ r == pytest.approx((cost[0] - cost[1]) / (2 * h), rel=1e-4, abs=1e-6)
    # what the blot units absorb leaves no trace: theta0 only scales q, so its column is 0
    assert np.abs(jac[:, 0]).max() < 1e-6 * np.abs(fixed.residuals).max()
    # and a pure change of the first blot's scale (q -> 1.1 q on its rows) neither
    moved = np.zeros((q.size, 1))
    moved[:9, 0] = q[:9]
    assert np.abs(cal.residual_jacobian(obs, fit, q, moved)[:9]).max() < 1e-8


def test_residual_jacobian_of_a_failed_fit_is_zero():
    obs, quantity = _synthetic_blots()
    q, slopes = quantity(np.array([1.0, 0.5]))
    q[0] = np.nan
    fit = profile(obs, q)
    assert not np.isfinite(fit.nllh)
    assert not cal.residual_jacobian(obs, fit, q, slopes).any()


def test_a_failed_simulation_gives_an_infinite_objective():
    q = np.array([1.0, np.nan, 2.0])
    fit = profile(_observations(np.array([1.0, 2.0, 3.0]), True, scale_id="s"), q)
    assert fit.nllh == math.inf and np.all(np.isfinite(fit.least_squares_residuals()))


def test_observations_reject_what_the_likelihood_cannot_use():
    with pytest.raises(js.InputError, match="positive"):
        _observations(np.array([1.0, -1.0]), True)
    bad = pd.DataFrame({"measurement": [1.0, 2.0], "log10": True, "noise_abs": 0.1, "noise_rel": 0.0,
                        "offset_id": ["o", "o2"], "scale_id": ["s", "s"], "offset": 0.0, "scale": 1.0})
    with pytest.raises(js.InputError, match="shared"):
        Observations.from_frame(bad)


# ----------------------------------------------------------------------------- published models


@pytest.mark.parametrize("dataset,reference", [
    ("Boehm_JProteomeRes2014", 138.22199693517703),  # AMICI benchmark reference llh -138.2219969...
    ("Raia_CancerResearch2011", 346.090),  # data/petab/SOURCE.md, all 205 rows
])
def test_published_models_reproduce_their_reference_objective(dataset, reference):
    model = PublishedModel(dataset)
    assert model.nominal_fit().nllh + model.prior_nllh() == pytest.approx(reference, abs=1e-3)
    assert model.reproduces_repository().all()


def test_bachmann_published_model_reproduces_the_repository_and_its_prior():
    """The reference -log L -418.406 counts 541 rows; the copy here lacks the 75 rows of
    the overexpression experiments (SOURCE.md), so it cannot be reproduced whole. What
    can: every row of the repository's simulation, and the prior term (-0.724)."""
    model = PublishedModel("Bachmann_MSB2011")
    assert model.reproduces_repository().all() and len(model.problem.measurement_df) == 466
    assert model.prior_nllh() == pytest.approx(-0.724, abs=1e-3)
    # the 466 rows' data term: "as published" -325.635 in docs/calibration/Bachmann_MSB2011/objective.tsv
    # minus the prior -0.724, from the published parameters in the PEtab folder
    assert model.nominal_fit().nllh == pytest.approx(-324.911, abs=1e-2)


def test_sobotta_rows_the_draft_cannot_reproduce_are_left_out():
    reproduced = PublishedModel("Sobotta_Frontiers2017").reproduces_repository()
    assert int(reproduced.sum()) == 1678  # of 2101: the draft does not encode the others' protocols
    rows = select_measurements("Sobotta_Frontiers2017")
    assert (rows.loc[~reproduced.to_numpy(), "reason"] != "").all()


# ----------------------------------------------------------------------------- our fits


@pytest.fixture(scope="module")
def objectives():
    return {d: cal.Objective(d) for d in cal.DATASETS}


def _recorded(dataset: str) -> pd.Series:
    table = pd.read_csv(RESULTS / dataset / "objective.tsv", sep="\t").set_index("model")
    return table.loc["ours (calibrated)"]


@pytest.mark.parametrize("dataset", list(cal.DATASETS))
def test_stored_optimum_reproduces_its_recorded_objective(objectives, dataset):
    fit = objectives[dataset].fit()
    recorded = _recorded(dataset)
    # objective.tsv keeps 6 significant figures
    assert fit.nllh == pytest.approx(recorded["nllh"], rel=1e-5)
    assert fit.chi2 == pytest.approx(recorded["chi2"], rel=1e-5)
    assert fit.n == recorded["n"]


@pytest.mark.parametrize("dataset", list(cal.DATASETS))
def test_short_refit_from_the_stored_optimum_finds_little_to_gain(objectives, dataset):
    o = objectives[dataset]
    before = o.cost(o.start())
    refit = cal.fit_start(o, o.start(), max_nfev=2)
    assert refit.cost <= before + 1e-9
    assert before - refit.cost < 1.0, "the stored values are not a local optimum: rerun the calibration"


@pytest.mark.parametrize("dataset", list(cal.DATASETS))
def test_our_chi2_is_within_one_and_a_half_times_the_published(objectives, dataset):
    comparison = cal.compare(dataset, objective=objectives[dataset])
    table = comparison.table.set_index("model")
    assert table["n"].nunique() == 1  # both models on the same measurements
    assert comparison.chi2_ratio <= 1.5, table


def test_every_published_dataset_is_fitted():
    """Every problem in data/petab is mapped onto the model and calibrated (none is left
    as 'not expressible'); what of each is left out is listed per dataset."""
    assert set(cal.DATASETS) == set(cal.ALL_DATASETS)
    for name in cal.ALL_DATASETS:
        readme = (RESULTS / name / "README.md").read_text(encoding="utf-8")
        assert "Why our model is not fitted" not in readme and "x the published model's" in readme


@pytest.mark.parametrize("dataset", list(cal.DATASETS))
def test_calibrated_values_are_the_contexts_defaults(dataset):
    spec = cal.dataset(dataset)
    ctx = catalog.context(spec.context)
    fitted = pd.read_csv(RESULTS / dataset / "parameters.tsv", sep="\t").set_index("parameter")["value"]
    for p in spec.parameters:
        assert ctx.sources[p].startswith(f"calibrated:{dataset}"), p
        assert ctx.overrides[p] == pytest.approx(fitted[p], rel=1e-4), p


# ----------------------------------------------------------------------------- physiological bounds


def _fitted_anywhere() -> list[str]:
    return sorted({p for spec in cal.DATASETS.values() for p in spec.parameters})


def test_every_fitted_parameter_has_a_documented_physiological_range():
    table = cal.parameter_bounds()
    units = pd.read_csv(catalog.models_dir() / "parameters.tsv", sep="\t").set_index("id")["unit"]
    for p in _fitted_anywhere():
        assert p in table.index, f"{p} is fitted but has no row in models/parameter_bounds.tsv"
        row = table.loc[p]
        assert len(row["reason"].strip()) > 40, f"{p}: the reason must give a source or the reasoning"
        assert "doi:" in row["reason"] or "PMID" in row["reason"] or "PMC" in row["reason"] \
            or "assumed" in row["reason"] or "Derived" in row["reason"], p
        assert 0 < row["lower"] < row["upper"], p
        assert row["unit"] == units[p], f"{p}: bounds in {row['unit']}, parameters.tsv in {units[p]}"
    # ranges are biology, not numerical boxes: no range spans more than 5 decades
    spans = np.log10(table["upper"] / table["lower"])
    assert (spans <= 5 + 1e-9).all(), spans[spans > 5]


@pytest.mark.parametrize("dataset", list(cal.DATASETS))
def test_calibrations_take_their_bounds_from_the_table(dataset):
    spec = cal.dataset(dataset)
    table = cal.parameter_bounds()
    assert list(spec.bounds) == spec.parameters
    for p, (lo, hi) in spec.bounds.items():
        assert (lo, hi) == (table.loc[p, "lower"], table.loc[p, "upper"]), p
    # and the written results used the same bounds
    written = pd.read_csv(RESULTS / dataset / "parameters.tsv", sep="\t").set_index("parameter")
    assert list(written.index) == spec.parameters
    for p, (lo, hi) in spec.bounds.items():
        assert written.loc[p, "lower"] == pytest.approx(lo, rel=1e-5), p
        assert written.loc[p, "upper"] == pytest.approx(hi, rel=1e-5), p


@pytest.mark.parametrize("dataset", list(cal.DATASETS))
def test_stored_context_values_lie_within_the_physiological_bounds(dataset):
    spec = cal.dataset(dataset)
    ctx = catalog.context(spec.context)
    for p, (lo, hi) in spec.bounds.items():
        value = ctx.overrides[p]
        # stored values are rounded to 6 significant figures
        assert lo * (1 - 1e-5) <= value <= hi * (1 + 1e-5), f"{spec.context} {p} = {value} outside [{lo}, {hi}]"


def test_parameters_at_a_bound_are_reported_as_findings():
    """A fit that ends at a physiological bound is a finding docs/calibration.md lists,
    never a bound to be widened quietly."""
    doc = (REPO / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert "## Parameters at their physiological bounds" in doc
    section = doc.split("## Parameters at their physiological bounds", 1)[1].split("\n## ", 1)[0]
    for dataset in cal.DATASETS:
        written = pd.read_csv(RESULTS / dataset / "parameters.tsv", sep="\t")
        for p in written.loc[written["at_bound"], "parameter"]:
            assert f"`{p}`" in section, f"{dataset}: {p} ends at its bound but is not listed in docs/calibration.md"


def test_missing_or_unexplained_bounds_fail_clearly(tmp_path):
    table = pd.read_csv(catalog.models_dir() / cal.BOUNDS_FILE, sep="\t", dtype=str, keep_default_na=False)
    path = tmp_path / "bounds.tsv"
    table[table["id"] != "kact_receptor"].to_csv(path, sep="\t", index=False)
    with pytest.raises(js.InputError, match="no physiological bounds for the fitted parameter.*kact_receptor"):
        cal.bounds_for(cal.SOBOTTA.parameters, path)
    blank = table.copy()
    blank.loc[blank["id"] == "kcat_IL6R", "reason"] = ""
    blank.to_csv(path, sep="\t", index=False)
    with pytest.raises(js.InputError, match="no reason.*kcat_IL6R"):
        cal.bounds_for(cal.SOBOTTA.parameters, path)
    flipped = table.copy()
    flipped.loc[flipped["id"] == "K_tx", ["lower", "upper"]] = ["10", "1"]
    flipped.to_csv(path, sep="\t", index=False)
    with pytest.raises(js.InputError, match="0 < lower < upper.*K_tx"):
        cal.parameter_bounds(path)


def test_parallel_and_serial_multistart_agree():
    serial = cal.calibrate("Raia_CancerResearch2011", starts=2, n_jobs=1, max_nfev=1)
    parallel = cal.calibrate("Raia_CancerResearch2011", starts=2, n_jobs=2, max_nfev=1)
    assert [s.nllh for s in serial.starts] == pytest.approx([s.nllh for s in parallel.starts], rel=1e-9)
    # the same start points (the seeded Latin hypercube), whichever way they ran
    for a, b in zip(serial.starts, parallel.starts):
        assert np.array_equal(a.x0, b.x0)


# ----------------------------------------------------------------------------- bad input and the command


def test_unknown_datasets_and_budgets_fail_clearly():
    with pytest.raises(js.UnknownNameError, match="Sobotta_Frontiers2017"):
        cal.Objective("Sobotta2017")
    with pytest.raises(js.UnknownNameError, match="did you mean"):
        cal.compare("Raia_CancerResearch")
    with pytest.raises(js.InputError, match="starts"):
        cal.calibrate("Raia_CancerResearch2011", starts=0)
    with pytest.raises(js.UnknownNameError):
        cal.Objective("Raia_CancerResearch2011", parameters=["kcat_IL6R"])


def test_cli_calibrate_writes_both_fits_and_the_note(tmp_path):
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    runner = CliRunner()
    # one start of one iteration from the stored values: the folder, not the optimum, is tested
    done = runner.invoke(app, ["calibrate", "Boehm_JProteomeRes2014", "--starts", "1", "--max-nfev", "1",
                               "-j", "1", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    folder = tmp_path / "Boehm_JProteomeRes2014"
    assert {"objective.tsv", "README.md", "parameters.tsv", "multistart.tsv"} <= {p.name for p in folder.iterdir()}
    assert any(p.suffix == ".png" for p in folder.iterdir())
    summary = pd.read_csv(tmp_path / "summary.tsv", sep="\t")
    assert summary.loc[0, "published_nllh"] == pytest.approx(138.222, abs=1e-3)
    assert summary.loc[0, "ours_chi2"] <= 60.1 + 1e-3  # no worse than the stored optimum it starts from
    done = runner.invoke(app, ["calibrate", "Boehm2014", "--out", str(tmp_path)])
    assert done.exit_code == 2 and "unknown dataset 'Boehm2014'" in done.output
    # --rewrite fits nothing: the README says so, without the fitting options that did nothing
    # (its "written by" once left --rewrite out and listed -j and the starts instead)
    table = (folder / "multistart.tsv").read_bytes()
    done = runner.invoke(app, ["calibrate", "Boehm_JProteomeRes2014", "-j", "1", "--out", str(tmp_path), "--rewrite"])
    assert done.exit_code == 0, done.output
    assert f"written by `jakstat calibrate Boehm_JProteomeRes2014 --out {tmp_path} --rewrite`" in \
        (folder / "README.md").read_text(encoding="utf-8")
    assert (folder / "multistart.tsv").read_bytes() == table


def test_cli_calibrate_replaces_only_its_own_run_s_files(tmp_path):
    """The standard: nothing a user wrote, and no other run's fit, is overwritten silently.
    calibrate once replaced OUT/<dataset>/ whatever its starts, iterations or engine."""
    from typer.testing import CliRunner

    from jakstat_sbml import read_provenance
    from jakstat_sbml.cli import app

    runner = CliRunner()
    args = ["calibrate", "Boehm_JProteomeRes2014", "--starts", "1", "--max-nfev", "1", "-j", "1", "--out", str(tmp_path)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    folder = tmp_path / "Boehm_JProteomeRes2014"
    record = read_provenance(folder / "objective.tsv")
    assert record["settings"] == {"dataset": "Boehm_JProteomeRes2014", "starts": 1, "max_nfev": 1,
                                  "engine": "roadrunner"}
    assert record["model"]["context"] == "baf3_epor"
    assert read_provenance(next(folder.glob("fit_*.png")))["experiment"] == "calibrate"
    assert read_provenance(tmp_path / "summary.tsv")["experiment"] == "calibration summary"
    table = (folder / "multistart.tsv").read_bytes()
    # another budget: refused before any fitting, naming the file and the way out; nothing changed
    done = runner.invoke(app, [*args[:3], "2", *args[4:]])
    assert done.exit_code == 2 and "written by a different run" in done.output and "--force" in done.output
    assert "starts: 1 -> 2" in done.output  # what differs, theirs -> ours
    assert (folder / "multistart.tsv").read_bytes() == table
    # a user's own summary.tsv beside a dataset folder is kept as well
    user = tmp_path / "mine"
    user.mkdir()
    (user / "summary.tsv").write_text("my notes\n", encoding="utf-8")
    done = runner.invoke(app, [*args[:-1], str(user)])
    assert done.exit_code == 2 and "no provenance record" in done.output
    assert (user / "summary.tsv").read_text(encoding="utf-8") == "my notes\n"
    assert not (user / "Boehm_JProteomeRes2014").exists()
    # the same run again replaces its own files; --force replaces another's
    assert runner.invoke(app, args).exit_code == 0
    done = runner.invoke(app, [*args[:3], "2", *args[4:], "--force"])
    assert done.exit_code == 0, done.output
    assert read_provenance(folder / "multistart.tsv")["settings"]["starts"] == 2
    # a rewrite keeps the identity of the fit it redraws (run.tsv), so that fit may run again
    assert runner.invoke(app, [*args[:2], "--out", str(tmp_path), "--rewrite"]).exit_code == 0
    assert read_provenance(folder / "README.md")["settings"]["starts"] == 2
    # a folder whose files have no record (the committed ones predate records) is not redrawn
    # silently: a rewrite once skipped the check
    (folder / "calibrate.provenance.json").unlink()
    readme = (folder / "README.md").read_bytes()
    done = runner.invoke(app, [*args[:2], "--out", str(tmp_path), "--rewrite"])
    assert done.exit_code == 2 and "no provenance record" in done.output, done.output
    assert (folder / "README.md").read_bytes() == readme
    assert runner.invoke(app, [*args[:2], "--out", str(tmp_path), "--rewrite", "--force"]).exit_code == 0
    assert read_provenance(folder / "README.md")["settings"]["starts"] == 2
