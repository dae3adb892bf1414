"""Drug potency with the uncertainty it has (issue 22): the measured dataset, free drug
in the assay, the statistical model, its cross-validation, and the draws behind every
predictive interval (jakstat_sbml.potency; docs/pharmacology.md)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.potency import crossval, draws, free_drug, measurements, posterior, reference, replicates

from .conftest import REPO

pytestmark = pytest.mark.filterwarnings("ignore::jakstat_sbml.errors.JakStatWarning")

MODELLED_DRUGS = ("ruxolitinib", "tofacitinib")
# Issue 23: panel drugs whose measured rows the model recomputes. Fitted, with test rows from
# sources not in their fit (the role rule of data/pharmacology/SOURCE.md):
PANEL_TESTED = ("baricitinib", "filgotinib")
# Anchors: every modellable row from one source (SOURCE.md role rule, step 3: no test source
# for a drug with one source), so fitted without an independent test.
PANEL_ANCHORS = ("upadacitinib", "ritlecitinib", "abrocitinib")


# ----------------------------------------------------------------------------- the dataset


def test_the_potency_dataset_is_large_varied_and_kept_apart():
    """Issue 22: at least 40 modelled rows from at least 8 independent sources, whole blood
    and medium, at least 3 cell types; every drug has test rows from a source not used in
    its fit; every row says what was seen in its source and what was inferred."""
    rows = measurements.measurements()
    assert len(rows) >= 40 and rows["source_id"].nunique() >= 8
    assert {"whole_blood", "medium_serum"} <= set(rows["matrix"])
    assert rows["cell_type"].nunique() >= 3
    for drug in MODELLED_DRUGS:
        mine = rows[rows["drug"] == drug]
        fit, test = set(mine.loc[mine.role == "fit", "source_id"]), set(mine.loc[mine.role == "test", "source_id"])
        assert fit and test and not fit & test, drug  # a source is never split between fit and test
    every = measurements.measurements(modelled=False)
    assert every["id"].is_unique
    assert (every["source"].str.len() > 10).all() and (every["seen"].str.len() > 0).all()
    assert set(every["role"]) <= {"fit", "test", "not_modelled"}


def test_the_panel_rows_join_the_dataset_with_roles_by_whole_source():
    """Issue 23: the panel's measured cellular rows join the potency dataset. A drug with
    rows from several sources has fit and test rows from different sources; a drug whose
    modellable rows all come from one source is an anchor (fit only, and its rows say so);
    a source has one role for every drug it holds (SOURCE.md, role rule)."""
    rows = measurements.measurements()
    for drug in PANEL_TESTED:
        mine = rows[rows["drug"] == drug]
        fit, test = set(mine.loc[mine.role == "fit", "source_id"]), set(mine.loc[mine.role == "test", "source_id"])
        assert fit and test and not fit & test, drug
    for drug in PANEL_ANCHORS:
        mine = rows[rows["drug"] == drug]
        assert len(mine) >= 1 and mine["source_id"].nunique() == 1 and set(mine["role"]) == {"fit"}, drug
        assert mine["assumptions"].str.startswith("anchor").all(), drug
    assert (rows.groupby("source_id")["role"].nunique() == 1).all()
    # the drugs left out say why (deucravacitinib: the model cannot recompute its rows;
    # the TF-1/EPO single rows: a test source cannot anchor them)
    every = measurements.measurements(modelled=False)
    for drug in ("deucravacitinib", "momelotinib", "pacritinib", "fedratinib", "cerdulatinib"):
        assert drug not in set(rows["drug"])
        mine = every[every["drug"] == drug]
        assert (mine["role"] == "not_modelled").all() and mine["assumptions"].str.contains("not modelled").all()


def test_every_row_id_is_documented_in_the_notes():
    """NOTES.md quotes the record or sentence behind each row (issue 22: no drift between
    the table and its notes)."""
    notes = (REPO / "data" / "pharmacology" / "NOTES.md").read_text(encoding="utf-8")
    missing = [i for i in measurements.measurements(modelled=False)["id"] if i not in notes]
    assert missing == []


def test_the_counts_the_notes_and_source_state_are_the_tables():
    """Issue 22: no drift between NOTES.md, SOURCE.md and the table. Both files stated 41
    modelled rows from 14 sources after the panel drugs had brought the table to 60 from 19."""
    import re

    every = measurements.measurements(modelled=False)
    modelled = every[every["role"] != "not_modelled"]
    folder = REPO / "data" / "pharmacology"
    notes = " ".join((folder / "NOTES.md").read_text(encoding="utf-8").split())
    stated = re.search(r"\((\d+) rows; (\d+) modelled\)", notes)
    assert stated and (int(stated[1]), int(stated[2])) == (len(every), len(modelled))
    source = " ".join((folder / "SOURCE.md").read_text(encoding="utf-8").split())
    contents = re.search(r"(\d+) rows, (\d+) of them modelled \(([^)]*)\), from (\d+) independent sources "
                         r"\((\d+) `source_id`s in all\); (\d+) not modelled, of them (\d+) for", source)
    assert contents, "SOURCE.md's Contents no longer states the counts"
    assert (int(contents[1]), int(contents[2])) == (len(every), len(modelled))
    by_drug = dict(re.findall(r"([a-z]+) (\d+)", contents[3]))
    assert {d: int(n) for d, n in by_drug.items()} == modelled["drug"].value_counts().to_dict()
    assert int(contents[4]) == modelled["source_id"].nunique()
    assert int(contents[5]) == every["source_id"].nunique()
    assert int(contents[6]) == len(every) - len(modelled)
    unmodelled_drugs = every[~every["drug"].isin(set(modelled["drug"]))]
    assert int(contents[7]) == len(unmodelled_drugs)
    counts = re.search(r"rows (\d+) modelled (\d+) fit (\d+) test (\d+)", source)
    assert [int(x) for x in counts.groups()] == [len(every), len(modelled), (every["role"] == "fit").sum(),
                                                 (every["role"] == "test").sum()]


def test_the_binding_tables_give_every_modelled_drug_a_range():
    for drug in MODELLED_DRUGS:
        for quantity in ("fu_plasma", "blood_to_plasma"):
            value, low, high = measurements.binding_range(drug, quantity)
            assert 0 < low <= value <= high
    # ruxolitinib's fraction unbound is uncertain between about 0.03 and 0.3 (issue 22), so
    # its range must reach both
    _, low, high = measurements.binding_range("ruxolitinib", "fu_plasma")
    assert low <= 0.03 and high >= 0.3


# ----------------------------------------------------------------------------- free drug


def test_free_fraction_follows_its_derivation():
    fu, bp, ratio = 0.05, 1.2, 2.65 / 4.25
    assert free_drug.whole_blood_fraction(fu, bp) == pytest.approx(fu / bp)
    medium = free_drug.medium_fraction(10.0, fu, ratio)
    # bound/free scales with albumin: 10% of a serum with 62% of plasma's albumin
    assert (1 - medium) / medium == pytest.approx((1 / fu - 1) * 0.10 * ratio)
    assert free_drug.free_fraction(np.array([0, 1, 2]), np.array([0, 10, 0]), fu, bp, ratio).tolist() == \
        pytest.approx([fu / bp, medium, 1.0])
    with pytest.raises(ValueError, match="not_stated"):
        free_drug.nominal_free_fraction("ruxolitinib", "not_stated")


def test_fetal_bovine_serum_carries_less_albumin_than_human_plasma():
    """Issue 22: FBS carries about 1.8-3.0 g/dL albumin, not human plasma's 3.5-5."""
    albumin = free_drug.matrix_priors()
    assert albumin["fbs_albumin"].value < albumin["human_plasma_albumin"].value
    assert 1.5 <= albumin["fbs_albumin"].low and albumin["fbs_albumin"].high <= 3.5


def test_a_prior_puts_the_stated_range_within_two_standard_deviations():
    prior = free_drug.LogNormalPrior(0.03, 0.003, 0.3)
    assert prior.mean == pytest.approx(math.log10(0.03)) and prior.sd == pytest.approx(0.5)


# ----------------------------------------------------------------------------- the shortcut


def test_the_potency_factor_moves_a_rows_ic50_exactly(ctcl):
    """The sampler moves each row's simulated IC50 by the potency factor instead of
    simulating: checked against full simulation at factors 0.1 and 10."""
    row = measurements.measurements().query("context == 'ctcl' and drug == 'tofacitinib'").iloc[0]
    check = reference.check_scaling(ctcl, row)
    assert (check["status"] == "ok").all()
    assert check["log10_difference"].abs().max() < 2 * reference.TOLERANCE_LOG10


def test_the_stored_reference_ic50s_are_current(ctcl, monocyte):
    """models/potency/reference_ic50.tsv (what the stored posterior was fitted with)
    against fresh simulation, for a row of each context with rows."""
    stored = reference.load_reference().set_index("id")
    rows = measurements.measurements()
    assert set(rows["id"]) <= set(stored.index), "rows without a stored reference: run `make pharmacology`"
    sample = rows.groupby("context").head(1)
    fresh = reference.reference_ic50s(sample).set_index("id")
    np.testing.assert_allclose(fresh["reference_nM"], stored.loc[fresh.index, "reference_nM"], rtol=0.02)


# ----------------------------------------------------------------------------- the statistical model


def _synthetic(n_sources=6, per_source=5, theta=(-0.5, 0.3), tau=0.2, sigma=0.15, seed=1):
    """Rows simulated from the statistical model itself with known potency factors, in
    whole blood and in medium with 10% FBS, with the binding tables' stated values."""
    rng = np.random.default_rng(seed)
    rows, refs = [], []
    for s in range(n_sources):
        u = rng.normal(0, tau)
        matrix = "whole_blood" if s % 2 == 0 else "medium_serum"
        for i in range(per_source):
            d = i % 2
            drug = MODELLED_DRUGS[d]
            ref = 10 ** rng.uniform(0.5, 2.5)
            free = free_drug.nominal_free_fraction(drug, matrix, 10.0, "FBS")
            y = math.log10(ref) + theta[d] - math.log10(free) + u + rng.normal(0, sigma)
            rid = f"syn{s}_{i}"
            rows.append({"id": rid, "drug": drug, "cytokine": "IL2", "readout": "pSTAT5", "matrix": matrix,
                         "serum_type": "FBS", "serum_percent": "10" if matrix == "medium_serum" else "",
                         "relation": "=", "ic50_nM": 10 ** y, "context": "ctcl", "role": "fit",
                         "source_id": f"src{s}", "source": "synthetic", "assay_kind": "pSTAT"})
            refs.append({"id": rid, "reference_nM": ref, "status": "ok"})
    return pd.DataFrame(rows), pd.DataFrame(refs)


@pytest.fixture(scope="module")
def synthetic_fit():
    rows, refs = _synthetic()
    return rows, refs, posterior.fit_posterior(rows, reference=refs, draws=300, warmup=300, seed=3)


def test_the_posterior_recovers_known_potencies(synthetic_fit):
    """A simulation-based check: rows drawn from the model with log10 factors -0.5 and 0.3
    give 90% credible intervals that contain them, far narrower than the prior."""
    _, _, post = synthetic_fit
    for drug, truth in zip(MODELLED_DRUGS, (-0.5, 0.3)):
        theta = post.draws[f"theta_{drug}"]
        lo, hi = np.quantile(theta, [0.05, 0.95])
        assert lo < truth < hi and hi - lo < 1.0, (drug, lo, hi)
    assert (post.diagnostics["r_hat"] < 1.05).all(), post.diagnostics.sort_values("r_hat").tail()


def test_a_censored_row_bounds_instead_of_pinning():
    """'IC50 > 1000 nM' must not pull the potency onto 1000 nM: the same rows with one
    value censored above a far lower bound leave the fit as without it."""
    rows, refs = _synthetic(n_sources=4, per_source=4, seed=5)
    base = posterior.fit_posterior(rows, reference=refs, draws=200, warmup=200, seed=1)
    extra = rows.iloc[[0]].assign(id="censored", relation=">", ic50_nM=rows.iloc[0]["ic50_nM"] / 100)
    more = posterior.fit_posterior(pd.concat([rows, extra]), reference=pd.concat([refs, refs.iloc[[0]].assign(
        id="censored")]), draws=200, warmup=200, seed=1)
    drug = rows.iloc[0]["drug"]
    assert abs(np.median(more.draws[f"theta_{drug}"]) - np.median(base.draws[f"theta_{drug}"])) < 0.1


def test_cross_validation_leaves_each_source_out_and_resumes(tmp_path):
    rows, refs = _synthetic(n_sources=4, per_source=4, seed=7)
    first = crossval.cross_validate(rows, reference=refs, checkpoint=tmp_path, draws=150, warmup=150)
    assert set(first.table["source_id"]) == set(rows["source_id"]) and len(first.table) == len(rows)
    assert first.info["folds_reused"] == 0
    again = crossval.cross_validate(rows, reference=refs, checkpoint=tmp_path, draws=150, warmup=150)
    assert again.info["folds_reused"] == 4
    pd.testing.assert_frame_equal(first.table, again.table)
    # the record of a rerun from checkpoints is the folds' refit time, not the seconds it took to
    # read them back (a rerun of make pharmacology had turned 198 s into 0 s in the docs)
    assert again.info["seconds"] == first.info["seconds"] > 0
    # two drugs in one assay of a held-out source: each source's 2 x 2 pairs of rows of the two drugs,
    # judged on their ratio (the source's effect cancels), kept with the fold
    pairs = first.pairs[first.pairs["kind"] == "drugs"]
    assert len(pairs) == 4 * 4 and (pairs.groupby("source_id").size() == 4).all()
    assert (pairs["drug"] < pairs["partner_drug"]).all()
    pd.testing.assert_frame_equal(again.pairs, first.pairs)
    assert pairs["covered"].mean() >= 0.75 and first.summary()["pairs"] == 16
    assert first.summary()["pathway_pairs"] == 0  # one system throughout: no pathway to hold against another
    # rows drawn from the model itself: held-out predictions within 2x on average, and the
    # 90% intervals cover most of them
    assert first.gmfe < 2.0 and first.coverage >= 0.75


def test_grouped_sources_are_left_out_together(tmp_path):
    """Sources of one laboratory may not be independent: a group leaves them out in one
    fold, so neither informs the other's prediction. On synthetic rows, the grouped fold
    holds both sources' rows, the other folds are each source's, and the fold's fit
    excludes both (its predictions differ from the ungrouped folds')."""
    rows, refs = _synthetic(n_sources=4, per_source=4, seed=7)
    a, b, *_ = sorted(rows["source_id"].unique())
    grouped = crossval.cross_validate(rows, reference=refs, draws=150, warmup=150, groups={"lab": (a, b)})
    assert grouped.info["folds"] == 3 and set(grouped.table["fold"]) == {"lab", *sorted(set(rows["source_id"]) - {a, b})}
    lab = grouped.table[grouped.table["fold"] == "lab"]
    assert set(lab["source_id"]) == {a, b} and len(lab) == 8
    single = crossval.cross_validate(rows, reference=refs, draws=150, warmup=150, sources=[a])
    mine = lab[lab["source_id"] == a].set_index("id")["predicted_nM"]
    assert not np.allclose(mine.sort_index(), single.table.set_index("id")["predicted_nM"].sort_index())
    with pytest.raises(js.InputError, match="in two groups"):
        crossval.cross_validate(rows, reference=refs, groups={"x": (a, b), "y": (b,)})
    with pytest.raises(js.InputError, match="unknown source 'nope'"):
        crossval.cross_validate(rows, reference=refs, groups={"x": (a, "nope")})


def test_the_stored_lab_grouped_run_is_of_the_current_data_and_leaves_each_lab_out_together():
    """`make pharmacology-lab-grouped`: the shipped model with each laboratory's sources
    (crossval.LAB_GROUPS) left out in one fold, beside the shipped run (docs/pharmacology.md 7)."""
    stored = REPO / "docs" / "pharmacology"
    summary = pd.read_csv(stored / "cross_validation_lab_grouped_summary.csv").iloc[0]
    assert summary["data_digest"] == measurements.table_digest(), "run `make pharmacology-lab-grouped`"
    table = pd.read_csv(stored / "cross_validation_lab_grouped.csv")
    shipped = pd.read_csv(stored / "cross_validation.csv")
    assert sorted(table["id"]) == sorted(shipped["id"])  # the same rows, other folds
    for group, members in crossval.LAB_GROUPS.items():
        assert set(table.loc[table["fold"] == group, "source_id"]) == set(members)
    assert summary["gmfe"] == pytest.approx(crossval.CrossValidation(table, {}).gmfe)
    assert json.loads(summary["groups"]) == {g: sorted(m) for g, m in crossval.LAB_GROUPS.items()}


@pytest.mark.parametrize("variant", ["", "_former_priors", "_system_terms", "_lab_grouped"])
def test_every_stored_cross_validation_keeps_its_folds_sigma_and_its_held_out_ratios(variant):
    """The too-narrow rule is source-aware only where a run keeps each fold's sigma, and the
    docs compare the runs on their held-out ratios too: the variants stored before both
    fell back to the binomial and had no ratios. Each stored run has them now, and its
    ratio counts are the shipped run's (the same rows make the same pairs)."""
    stored = REPO / "docs" / "pharmacology"
    rows = pd.read_csv(stored / f"cross_validation{variant}.csv")
    summary = pd.read_csv(stored / f"cross_validation{variant}_summary.csv").iloc[0]
    shipped = pd.read_csv(stored / "cross_validation_summary.csv").iloc[0]
    assert crossval.SIGMA_COLUMN in rows and rows[crossval.SIGMA_COLUMN].notna().all() and (rows["fold_sigma"] > 0).all()
    for column in ("pairs", "pathway_pairs"):
        assert summary[column] == shipped[column] > 0, column
        assert 0 <= summary[f"coverage_90_{column}"] <= 1 and summary[f"gmfe_{column}"] >= 1


SYSTEM_SHIFT = 0.8  # log10: the synthetic structural error of the ctcl:IL2 system against ctcl:IL6


@pytest.fixture(scope="module")
def synthetic_systems():
    """Synthetic rows in which every source measures both drugs in two assay systems, and
    the mechanistic model is SYSTEM_SHIFT too drug-sensitive in one of them (ctcl:IL2):
    the structural error the system terms are for. Fitted with and without them."""
    rows, refs = _synthetic(n_sources=6, per_source=8, seed=11)
    il6 = (np.arange(len(rows)) % 8) // 2 % 2 == 1  # each source: both drugs in both systems
    rows.loc[il6, ["cytokine", "readout"]] = ["IL6", "pSTAT3"]
    rows.loc[~il6, "ic50_nM"] *= 10 ** SYSTEM_SHIFT
    with_systems = posterior.fit_posterior(rows, reference=refs, draws=300, warmup=300, seed=2, system_terms=True)
    without = posterior.fit_posterior(rows, reference=refs, draws=300, warmup=300, seed=2)
    return rows, refs, with_systems, without


def test_system_terms_give_each_fitted_system_its_own_draws(synthetic_systems):
    """A prediction in a fitted (context, cytokine) system carries that system's posterior
    effect; the two systems' effects differ by the shift built into the rows (within
    0.25 log10: 24 rows per system, sigma 0.15); the stored posterior records the option."""
    _, _, post, _ = synthetic_systems
    assert post.system_terms and post.info["systems"] == ["ctcl:IL2", "ctcl:IL6"]
    assert sorted(post.systems) == ["ctcl:IL2", "ctcl:IL6"] and "tau_system" in post.draws
    il2, il6 = post.draws["system_ctcl:IL2"].to_numpy(), post.draws["system_ctcl:IL6"].to_numpy()
    assert np.median(il2 - il6) == pytest.approx(SYSTEM_SHIFT, abs=0.25)
    n = len(post.draws)
    drug = MODELLED_DRUGS[0]
    quiet = {"source_effect": np.zeros(n), "residual": np.zeros(n)}
    shift = post.new_source_draws(drug, system="ctcl:IL2", **quiet)
    np.testing.assert_allclose(shift, post.draws[f"theta_{drug}"] + il2)  # that system's draws, draw by draw


def test_an_unseen_system_is_predicted_more_widely_than_a_fitted_one(synthetic_systems):
    """A system no fit row was read in gets a new system's effect, Normal(0, tau_system):
    its 90% predictive interval is wider than a fitted system's (same source and residual
    draws), and no cytokine given means an unseen system."""
    _, _, post, _ = synthetic_systems
    drug = MODELLED_DRUGS[1]

    def width(system):
        q = np.quantile(post.new_source_draws(drug, seed=4, system=system), [0.05, 0.95])
        return q[1] - q[0]

    assert width("monocyte:GMCSF") > width("ctcl:IL2") + 0.2
    assert width(None) == pytest.approx(width("monocyte:GMCSF"))


def test_system_terms_are_off_unless_asked_for(synthetic_systems):
    """Without system_terms the model has no system effect: no system draws, the option
    recorded as off, and the assay system does not change a prediction."""
    rows, refs, _, post = synthetic_systems
    assert not post.system_terms and post.info["system_terms"] is False and post.systems == []
    assert not any(c.startswith("system_") or c == "tau_system" for c in post.draws.columns)
    drug = MODELLED_DRUGS[0]
    np.testing.assert_array_equal(post.new_source_draws(drug, seed=1, system="ctcl:IL2"),
                                  post.new_source_draws(drug, seed=1))
    assert not posterior.potency_data(rows, refs).system_terms
    with pytest.raises(js.InputError, match="without system terms"):
        posterior.new_source_samples(post, posterior.potency_data(rows, refs, system_terms=True))


def test_the_drawn_intervals_use_the_systems_draws(ctcl, synthetic_systems, monkeypatch):
    """uncertainty='potency' in context ctcl reads the cytokine's system: IL-2 and IL-6
    draws differ by the fitted systems' difference (same posterior draws and assay
    effects, so the log ratio is that difference draw by draw), and an unseen system
    (IL-15 in ctcl) is wider."""
    _, _, post, _ = synthetic_systems
    monkeypatch.setattr(draws, "load_posterior", lambda: post)
    unc = draws.Uncertainty("potency", draws=400)
    drug = MODELLED_DRUGS[0]
    scale = {c: np.log10(draws.plan_draws(ctcl, [drug], unc, cytokine=c).potency_scale[drug])
             for c in ("IL2", "IL6", "IL15")}
    difference = post.draws["system_ctcl:IL2"] - post.draws["system_ctcl:IL6"]
    assert np.median(scale["IL2"] - scale["IL6"]) == pytest.approx(np.median(difference), abs=0.05)
    gaps = np.abs(np.subtract.outer((scale["IL2"] - scale["IL6"]), difference.to_numpy())).min(axis=1)
    assert gaps.max() < 1e-9  # each draw's ratio is one posterior draw's difference

    def width(v):
        return np.subtract(*np.quantile(v, [0.95, 0.05]))

    assert width(scale["IL15"]) > width(scale["IL2"])
    notes = " ".join(draws.plan_draws(ctcl, [drug], unc, cytokine="IL15").notes)
    assert "ctcl:IL15: a new system" in notes


# ----------------------------------------------------------------------------- the stored posterior


def test_the_stored_posterior_is_current_and_converged():
    """A change to data/pharmacology without `make pharmacology` fails here."""
    post = posterior.load_posterior()
    assert posterior.posterior_is_current(post), "data/pharmacology changed: run `make pharmacology`"
    assert post.converged(), post.diagnostics.sort_values("r_hat").tail()
    assert set(MODELLED_DRUGS + PANEL_TESTED + PANEL_ANCHORS) == set(post.drugs)


def test_the_models_potency_factors_are_the_posterior_medians(ctcl):
    """Every drug with fitted rows (the panel's included) gets its posterior-median factor
    in the model; a drug without one keeps its declared assumption, and says so."""
    post = posterior.load_posterior()
    values = ctcl.parameter_values()
    table = pd.read_csv(catalog.models_dir() / "parameters.tsv", sep="\t", dtype=str).set_index("id")
    for drug in post.drugs:
        draws = post.factor_draws(drug)
        assert np.isfinite(draws).all() and np.quantile(draws, 0.95) > np.quantile(draws, 0.05), drug
        assert values[f"cellular_factor_{drug}"] == pytest.approx(posterior.median_factor(post, drug), rel=1e-3)
        source = table.loc[f"cellular_factor_{drug}", "source"]
        assert source.startswith("calibrated:pharmacology (posterior")
        assert ("an anchor" in source) == (drug in PANEL_ANCHORS), drug
    for drug in set(catalog.drugs()) - set(post.drugs):
        factor = catalog.drug(drug).cellular_factor
        if factor:  # pimozide has none
            assert not table.loc[factor, "source"].startswith("calibrated:pharmacology (posterior"), drug


def _stored_cross_validation() -> dict:
    summary = crossval.stored_summary()  # the reader the report uses
    assert summary is not None, "no stored cross-validation: run `make pharmacology`"
    return summary


def test_the_documented_cross_validation_is_of_the_current_data():
    """docs/pharmacology.md quotes the stored cross-validation; a data change without
    `make pharmacology` fails here."""
    summary = _stored_cross_validation()
    assert summary["data_digest"] == measurements.table_digest()
    assert summary["rows"] == len(measurements.measurements())


def test_the_panel_rows_are_in_the_cross_validation():
    """Issue 23: every modelled row of a panel drug is held out with its source and
    predicted (docs/pharmacology/cross_validation.csv, as stored by `make pharmacology`)."""
    held_out = pd.read_csv(REPO / "docs" / "pharmacology" / "cross_validation.csv")
    rows = measurements.measurements()
    panel = rows[rows["drug"].isin(PANEL_TESTED + PANEL_ANCHORS)]
    assert set(panel["id"]) <= set(held_out["id"])
    assert np.isfinite(held_out.loc[held_out["id"].isin(panel["id"]), "predicted_nM"]).all()


def test_the_predictive_intervals_cover_held_out_sources_as_they_claim():
    """Issue 22: the 90% predictive intervals of held-out sources cover between 75% and
    98% of their measurements (leave-one-source-out, as stored by `make pharmacology`)."""
    summary = _stored_cross_validation()
    assert crossval.TARGET_COVERAGE[0] <= summary["coverage_90"] <= crossval.TARGET_COVERAGE[1]


# ----------------------------------------------------------------------------- replicates


def _replicate_rows(values_by_source: dict[str, list[float]], **row) -> pd.DataFrame:
    base = {"drug": "tofacitinib", "context": "ctcl", "cytokine": "IL2", "readout": "pSTAT5",
            "matrix": "whole_blood", "assay_kind": "pSTAT", "relation": "=", **row}
    return pd.DataFrame([{**base, "source_id": source, "ic50_nM": v}
                         for source, values in values_by_source.items() for v in values])


def test_replicate_spreads_are_the_pooled_deviations_of_one_experiments_rows():
    """Source A measures 10 and 10^1.2 nM, source B 10^2 and 10^2.2: within a source each row
    is 0.1 log10 from its source's mean (4 rows, 2 df: sd sqrt(0.04/2)); the source means
    1.1 and 2.1 are 0.5 from theirs (1 df: sd sqrt(0.5)). A censored row, a row of another
    experiment (another matrix) and an experiment measured once add nothing."""
    rows = pd.concat([_replicate_rows({"A": [10, 10 ** 1.2], "B": [100, 10 ** 2.2]}),
                      _replicate_rows({"A": [1e4]}, relation=">"),
                      _replicate_rows({"C": [3.0]}, matrix="medium_serum"),
                      _replicate_rows({"D": [7.0]}, drug="ruxolitinib")])
    spread = replicates.replicate_spread(rows)
    assert (spread.groups, spread.rows, spread.within_df, spread.between_df) == (1, 4, 2, 1)
    assert spread.within_sd == pytest.approx(math.sqrt(0.02)) and spread.between_sd == pytest.approx(math.sqrt(0.5))
    assert spread.floor_gmfe == pytest.approx(10 ** (math.sqrt(2 / math.pi) * math.sqrt(0.52)))
    low, high = spread.between_interval()
    assert low < spread.between_sd < high


def test_replicate_spreads_need_replicates():
    with pytest.raises(js.InputError, match="too few replicates"):
        replicates.replicate_spread(_replicate_rows({"A": [10.0], "B": [20.0]}))  # no source measures twice


def test_the_fitted_spreads_are_not_narrower_than_the_assays_reproducibility():
    """A new assay's predictive interval carries tau (between sources) and sigma (within a
    source). Were either below what replicate measurements of one experiment already
    differ by (data/pharmacology: the rows with the same drug, context, cytokine, readout,
    matrix and assay kind), the intervals would claim more than the assays can give. The
    fitted spreads may be wider (they also carry the model's own error) but not narrower
    than the replicates' lower 90% confidence bound."""
    spread = replicates.replicate_spread()
    fitted = posterior.load_posterior().draws
    assert np.median(fitted["tau"]) >= spread.between_interval()[0]
    assert np.median(fitted["sigma"]) >= spread.within_interval()[0]
    # and a model without error of its own would do better than the stored cross-validation
    assert spread.floor_gmfe < _stored_cross_validation()["gmfe"]


# Fixed before the system-terms cross-validation was run (issue 22): the variant becomes the
# shipped default only if it lowers the held-out GMFE by at least 10% with coverage on target.
ADOPT_IF_GMFE_FALLS_BY = 0.10


def _former_priors_cross_validation() -> pd.Series:
    """The cross-validation of the model under its former priors on tau and sigma
    (`make pharmacology-former-priors`): the baseline both pre-set rules were judged against."""
    return pd.read_csv(REPO / "docs" / "pharmacology" / "cross_validation_former_priors_summary.csv").iloc[0]


def test_the_shipped_model_follows_the_prespecified_rule_on_system_terms():
    """The variant with assay-system terms was cross-validated on the same rows, folds,
    sampler settings and priors as the model it was to replace, the one with the former
    priors on tau and sigma (docs/pharmacology/cross_validation_system_terms*.csv,
    `make pharmacology-system-terms`); the shipped posterior carries the terms exactly when
    the rule above says so, and the docs' comparison is of the current data."""
    shipped = _former_priors_cross_validation()
    assert (shipped["tau_scale"], shipped["sigma_scale"]) == posterior.FORMER_VARIANCE_SCALES
    variant = pd.read_csv(REPO / "docs" / "pharmacology" / "cross_validation_system_terms_summary.csv").iloc[0]
    assert variant["system_terms"] and not shipped.get("system_terms", False)
    for setting in ("rows", "sources", "draws_per_chain", "warmup", "seed", "data_digest"):
        assert variant[setting] == shipped[setting], setting
    assert variant["data_digest"] == measurements.table_digest(), "run `make pharmacology-system-terms`"
    adopt = (variant["gmfe"] <= (1 - ADOPT_IF_GMFE_FALLS_BY) * shipped["gmfe"]
             and crossval.TARGET_COVERAGE[0] <= variant["coverage_90"] <= crossval.TARGET_COVERAGE[1])
    assert posterior.load_posterior().system_terms == adopt


def test_the_variance_priors_reach_the_sampler(synthetic_fit):
    """variance_scales sets the half-normal priors of tau and sigma: rows drawn with a
    within-source sd of 0.15 and a between-source sd of 0.2 (log10), fitted under priors of
    scale 0.005, keep sigma and tau well below the fit under the shipped scales (measured:
    sigma 0.05 against 0.11, tau 0.03), and the posterior records what it was fitted with."""
    rows, refs, shipped = synthetic_fit
    tight = posterior.fit_posterior(rows, reference=refs, draws=300, warmup=300, seed=3,
                                    variance_scales=(0.005, 0.005))
    assert shipped.variance_scales == posterior.VARIANCE_SCALES and tight.variance_scales == (0.005, 0.005)
    # a posterior stored before the scales were recorded was fitted under the former defaults
    unrecorded = {k: v for k, v in shipped.info.items() if k not in ("tau_scale", "sigma_scale")}
    assert posterior.Posterior(shipped.draws, shipped.diagnostics, unrecorded).variance_scales \
        == posterior.FORMER_VARIANCE_SCALES
    assert np.median(tight.draws["sigma"]) < 0.6 * np.median(shipped.draws["sigma"])
    assert np.median(tight.draws["tau"]) < 0.5 * np.median(shipped.draws["tau"])
    for bad in ((0.5,), (0.5, -1), (0.5, float("nan")), "wide"):
        with pytest.raises(js.InputError, match="variance_scales"):
            posterior.potency_data(rows, refs, variance_scales=bad)


# Fixed before the cross-validation with wider priors on tau and sigma was run (commit 1fdb722,
# docs/pharmacology.md 7): they replace HalfNormal(0.3)/(0.2) only if coverage stays on target and
# the held-out GMFE rises by at most 5%.
WIDE_VARIANCE_SCALES = (0.5, 0.5)
ADOPT_IF_GMFE_RISES_AT_MOST = 0.05


def test_the_shipped_model_follows_the_prespecified_rule_on_variance_priors():
    """The model with the former priors on tau and sigma (`make pharmacology-former-priors`)
    and the shipped one were cross-validated on the same rows, folds and sampler settings;
    the shipped posterior carries the wider priors exactly when the rule above says so."""
    shipped, former = _stored_cross_validation(), _former_priors_cross_validation()
    assert (former["tau_scale"], former["sigma_scale"]) == posterior.FORMER_VARIANCE_SCALES
    assert (shipped["tau_scale"], shipped["sigma_scale"]) == posterior.VARIANCE_SCALES
    for setting in ("rows", "sources", "draws_per_chain", "warmup", "seed", "data_digest"):
        assert former[setting] == shipped[setting], setting
    assert former["data_digest"] == measurements.table_digest(), "run `make pharmacology-former-priors`"
    adopt = (shipped["gmfe"] <= (1 + ADOPT_IF_GMFE_RISES_AT_MOST) * former["gmfe"]
             and crossval.TARGET_COVERAGE[0] <= shipped["coverage_90"] <= crossval.TARGET_COVERAGE[1])
    wide = posterior.VARIANCE_SCALES == WIDE_VARIANCE_SCALES
    assert wide == adopt and posterior.load_posterior().variance_scales == posterior.VARIANCE_SCALES


@pytest.mark.xfail(strict=True, reason="issue 22's target is missed: held-out sources' GMFE is 3.90 with the "
                                       "issue-23 panel rows (3.67 on ruxolitinib and tofacitinib alone), not <= 2.5, "
                                       "under the wider priors on tau and sigma (3.84 under the former ones); "
                                       "the misses are model-structure findings (EPO contexts 70-120x too "
                                       "drug-resistant for TF-1 cells, ruxolitinib's whole-blood/medium gap "
                                       "beyond what albumin binding gives, the SZ4 CTCL line, GM-CSF in medium "
                                       "for tofacitinib and baricitinib) and the anchors' folds, predicted from "
                                       "the prior alone (ritlecitinib 22x, abrocitinib 29x); assay-system terms, "
                                       "tried after the misses were seen, gave 3.55 (7% better, under the "
                                       "pre-set 10%) and were not adopted, "
                                       "docs/pharmacology.md 7")
def test_held_out_sources_are_predicted_within_the_target_fold_error():
    """Issue 22: geometric-mean fold error of held-out sources <= 2.5."""
    assert _stored_cross_validation()["gmfe"] <= crossval.TARGET_GMFE


# ----------------------------------------------------------------------------- the keyword


@pytest.mark.parametrize("value, message", [("bogus", "unknown uncertainty mode"), (3, "uncertainty must be"),
                                            ("calibration", "not calibrated")])
def test_bad_uncertainty_is_one_clear_error(ctcl, value, message):
    with pytest.raises(js.InputError, match=message):
        js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], uncertainty=value)


def test_a_mode_is_read_the_same_by_the_keyword_and_by_uncertainty():
    """uncertainty="Potency" ran while Uncertainty("Potency") was refused (an audit)."""
    assert draws.Uncertainty(" Potency").mode == "potency" == draws.as_uncertainty("POTENCY").mode
    with pytest.raises(js.InputError, match="uncertainty=True means all"):
        draws.Uncertainty("true")


def test_too_few_draws_and_parameter_ranges_in_a_calibrated_context_are_refused(ctcl, hepatocyte):
    with pytest.raises(js.InputError, match="too few draws"):
        js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], uncertainty="potency", draws=5)
    with pytest.raises(js.InputError, match=r"draws must be a whole number \(at least 20\), got 20.5"):  # not 'few'
        js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], uncertainty="potency", draws=20.5)
    with pytest.raises(js.InputError, match="calibrated to data"):
        js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=[1, 10, 100], uncertainty="parameters")
    with pytest.raises(js.InputError, match="draws= is given"):
        js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], draws=50)


def test_the_cli_refuses_bad_uncertainty_with_exit_2(tmp_path):
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    for args in (["--uncertainty", "bogus"], ["--uncertainty", "potency", "--draws", "3"],
                 ["--uncertainty", "calibration"],
                 # the calibration envelope runs each member once: --draws/--seed were ignored without a word
                 ["--context", "hepatocyte", "--uncertainty", "calibration", "--draws", "50"],
                 ["--context", "hepatocyte", "--uncertainty", "calibration", "--seed", "3"]):
        result = CliRunner().invoke(app, ["dose-response", "IL6", "--drug", "ruxolitinib", *args, "--out",
                                          str(tmp_path)])
        assert result.exit_code == 2, (args, result.output)
        assert result.output.count("\n") <= 2 and "Traceback" not in result.output
        if "hepatocyte" in args:
            assert "does not apply to --uncertainty calibration" in result.output
    assert not any(tmp_path.iterdir())  # refused before anything was written


def test_a_calibration_envelope_run_records_no_draws_or_seed(tmp_path):
    """The CLI refuses --draws/--seed with --uncertainty calibration (each ensemble member is
    run once), yet its provenance recorded the defaults, draws 200 and seed 0, beside a
    summary with 12 members and no seed (a user audit). The record now says none."""
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    result = CliRunner().invoke(app, ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "1,10,100,1000",
                                      "--context", "hepatocyte", "--uncertainty", "calibration", "--out",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    record = js.read_provenance(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3__hepatocyte.csv")
    assert record["settings"]["uncertainty"] == "calibration"
    assert record["settings"]["draws"] is None and record["settings"]["seed"] is None
    assert record["summary"]["interval_kind"] == "envelope"
    # the band and the members' IC50s written beside the curve come back with it (js.load lost them)
    kept = js.load(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3__hepatocyte.csv")
    assert sorted(kept.companion_frames()) == ["band", "draws"]
    band = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3__hepatocyte_band.csv")
    assert kept.companion_frames()["band"]["dose_nM"].tolist() == band["dose_nM"].tolist()


def test_a_drugs_draws_do_not_depend_on_the_other_drugs_or_their_order(ctcl):
    """Fitted drugs drew their residuals from one stream in the order given, so at one seed
    combination(a, b) and combination(b, a) drew differently, and a drug's draws changed
    with the drugs beside it. Each drug now has its own stream; what drugs share (the
    posterior draw, the new assay) still comes from the seed's."""
    unc = draws.Uncertainty("potency", draws=40, seed=3)
    alone = {d: draws.plan_draws(ctcl, [d], unc, cytokine="IL2") for d in ("ruxolitinib", "tofacitinib")}
    for order in (["ruxolitinib", "tofacitinib"], ["tofacitinib", "ruxolitinib"],
                  ["deucravacitinib", "tofacitinib", "ruxolitinib"]):
        plan = draws.plan_draws(ctcl, order, unc, cytokine="IL2")
        for drug, single in alone.items():
            assert np.array_equal(plan.dose_scale[drug], single.dose_scale[drug]), (order, drug)
            assert np.array_equal(plan.fraction_unbound[drug], single.fraction_unbound[drug]), (order, drug)
    # each drug still draws its own potency (not one shared array), yet two drugs in one prediction
    # share the new assay (its source effect) and the posterior draw, so their potencies move together
    # (correlation 0.48 at this seed; 0.47-0.54 at seeds 3-5)
    assert not np.array_equal(alone["ruxolitinib"].dose_scale["ruxolitinib"],
                              alone["tofacitinib"].dose_scale["tofacitinib"])
    pair = draws.plan_draws(ctcl, ["ruxolitinib", "tofacitinib"], unc, cytokine="IL2").dose_scale
    assert np.corrcoef(np.log10(pair["ruxolitinib"]), np.log10(pair["tofacitinib"]))[0, 1] > 0.25


def test_the_cli_explains_nan_only_beside_a_nan_end(tmp_path):
    """Issue 22 found the predictive interval printed with "NaN: an end outside the tested
    doses" beside two finite ends. Ruxolitinib on IL-6 in ctcl at the default doses has
    finite ends, so no explanation; an interval with a NaN end (here a stand-in result, as
    the bisection beyond the doses rarely leaves one) gets it."""
    from types import SimpleNamespace

    from typer.testing import CliRunner

    from jakstat_sbml.cli import app
    from jakstat_sbml.cli.common import console
    from jakstat_sbml.cli.experiment_commands import print_predictive_interval

    result = CliRunner().invoke(app, ["dose-response", "IL6", "--drug", "ruxolitinib", "--uncertainty", "potency",
                                      "--out", str(tmp_path)], terminal_width=250)
    assert result.exit_code == 0, result.output
    # the band per dose and each draw's IC50 are kept: "what inhibition at which dose, how sure" was only
    # in Python and the figure
    band = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_band.csv")
    curve = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3.csv")
    assert len(band) == (curve.dose_nM > 0).sum() and (band.inhibition_low <= band.inhibition_high).all()
    assert band.interval_draws.eq(200).all() and band.interval_covers.str.contains("drug potency posterior").all()
    # the fit's table names the draws' seed (the default, 0): a kept result said how many draws, not which
    fit = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_fit.csv")
    assert fit["interval_seed"].iloc[0] == 0 and fit["interval_draws"].iloc[0] == 200
    draws_table = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_draws.csv")
    assert len(draws_table) == 200 and {"ic50_nM", "ic50_plasma_nM", "fraction_unbound"} <= set(draws_table.columns)
    assert "_band.csv" in js.read_provenance(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_band.csv")["file"]
    finite = next(x for x in result.output.splitlines() if "predictive interval:" in x)
    assert "nan" not in finite.lower() and "NaN: an end" not in finite
    # how well 200 draws pin the ends is printed and kept (the upper end moved 129 -> 90 nM with the streams)
    assert "ends, as 200 draws pin them (90% confidence)" in result.output
    fit = pd.read_csv(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_fit.csv").iloc[0]
    assert fit.ic50_interval_high_range_low_nM <= fit.ic50_interval_high_nM <= fit.ic50_interval_high_range_high_nM
    assert fit.ic50_interval_low_range_low_nM <= fit.ic50_interval_low_nM <= fit.ic50_interval_low_range_high_nM
    # issue 22 asks for intervals in total plasma and free terms: the ends' ranges were printed and kept free only
    assert "nM total plasma; more --draws narrow this" in result.output
    assert fit.ic50_plasma_interval_high_range_low_nM <= fit.ic50_plasma_interval_high_nM \
        <= fit.ic50_plasma_interval_high_range_high_nM
    ends = {"free": (math.nan, 40.0), "plasma": (math.nan, 2900.0)}
    unc = SimpleNamespace(flags=[], envelope=False, level=0.9, covers="a stand-in", notes=[], components={},
                          interval=lambda terms="free": ends[terms], draws=200,
                          end_precision=lambda terms="free": pd.DataFrame(
                              {"end_nM": [math.nan, 40.0], "range_low_nM": [math.nan, 30.0],
                               "range_high_nM": [math.nan, 60.0]}, index=["low", "high"]))
    with console.capture() as captured:
        print_predictive_interval(SimpleNamespace(uncertainty=unc))
    assert "nan-40 nM free, nan-2900 nM total plasma (NaN: an end outside the tested doses)" in captured.get()


@pytest.fixture(scope="module")
def potency_curve(ctcl):
    return js.dose_response(ctcl, "ruxolitinib", "IL6", uncertainty="potency", draws=200)



def test_a_drug_without_measured_rows_is_not_said_to_draw_from_the_posterior(ctcl):
    """Pimozide has no cellular potency row: its potency varies over the plausible range of its
    constant, a declared assumption. Its interval said it covered 'drug potency posterior,
    between-assay variability'; and on a readout it does not lower at all (IFN-gamma/pSTAT1,
    docs/pharmacology.md 9) it advised widening the doses, which cannot close it."""
    acts = js.dose_response(ctcl, "pimozide", "IL2", uncertainty="potency", draws=20)
    assert "plausible potency range" in acts.uncertainty.covers and "posterior" not in acts.uncertainty.covers
    assert list(acts.uncertainty.components) == ["plausible potency range and between-assay variability"]
    # nor quotes the assay system's held-out record (every drug's rows read in ctcl:IL2): that measured the
    # posterior's intervals, not an assumed range; the figure says the range is assumed
    assert "rows read in" not in acts.uncertainty.covers
    figure = acts.plot()
    assert any("assumed potency range" in t.get_text() for t in figure.axes[0].get_legend().get_texts())
    # a new assay's between-source and within-source spread is added to the assumed range, as it is to the
    # posterior: without it deucravacitinib's IL-12 interval was 7x wide beside ruxolitinib's 500x
    assert "between-assay variability" in acts.uncertainty.covers
    deucra = js.dose_response(ctcl, "deucravacitinib", "IL12", uncertainty="potency", draws=200)
    rux = js.dose_response(ctcl, "ruxolitinib", "IL12", uncertainty="potency", draws=200)
    width = lambda c: c.ic50_interval[1] / c.ic50_interval[0]  # noqa: E731
    assert width(deucra) > 30 and width(rux) > 30
    with pytest.warns(js.JakStatWarning):
        inert = js.dose_response(ctcl, "pimozide", "IFNG", uncertainty="potency", draws=20)
    assert any("no draw of pimozide's IC50 can be read" in f for f in inert.uncertainty.flags)
    assert not any("widen the doses" in f for f in inert.uncertainty.flags)
    # a drug with rows still draws from the posterior (the test below), and a pair says both
    both = js.combination(ctcl, "ruxolitinib", "pimozide", "IL2", doses_a=[10, 100, 1000], doses_b=[3000, 30000],
                          uncertainty="potency", draws=20)
    assert "drug potency posterior" in both.uncertainty_covers and "plausible potency range" in both.uncertainty_covers

def test_an_interval_beyond_the_doses_says_so_and_its_component_is_not_open(ctcl):
    """With one dose the Hill fit has no IC50, and the potency component of the interval was
    (NaN, NaN) beside a finite total; ritlecitinib's IL-6 interval (no IC50 within 3 uM)
    reached 5.7 mM, 1900-fold past the doses, without a word."""
    one = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[10], uncertainty="potency", draws=20)
    assert np.isnan(one.ic50)
    assert one.uncertainty.components["drug potency and between-assay variability"] == pytest.approx(one.ic50_interval)
    # the same in total plasma: each draw's fraction unbound, as the total interval (free only before)
    assert one.uncertainty.components_plasma["drug potency and between-assay variability"] == \
        pytest.approx(one.ic50_plasma_interval)
    far = js.dose_response(ctcl, "ritlecitinib", "IL6", uncertainty="potency", draws=20)
    assert far.ic50_interval[1] > 10 * far.doses.max()
    assert any("beyond the doses tested" in f for f in far.uncertainty.flags)
    # within the doses nothing is said
    near = js.dose_response(ctcl, "tofacitinib", "IL2", uncertainty="potency", draws=20)
    assert not any("beyond the doses tested" in f for f in near.uncertainty.flags)


def test_a_90_percent_interval_takes_the_same_order_statistic_from_each_end():
    """numpy's inverted_cdf took the lowest and the 19th of 20 draws: lopsided, and covering 18
    in 21 new draws where a 90% interval should cover 19."""
    values = np.arange(1.0, 21.0)
    assert draws.interval(values, 0.9) == (1.0, 20.0)
    assert draws.interval(np.arange(1.0, 201.0), 0.9) == (10.0, 191.0)


def test_the_ends_precision_covers_the_true_percentile_as_often_as_it_says():
    """An interval's ends are percentiles estimated from a finite number of draws. The range
    end_precision gives for each (90% confidence, from the binomial law of order statistics)
    must hold the true percentile in at least about 90% of repeated draws, and narrow with
    more draws. Checked on a log-normal IC50 of known percentiles (sd 0.8 decades, about
    the width of the potency intervals)."""
    from scipy.stats import norm

    rng = np.random.default_rng(11)
    true_low, true_high = 10 ** (0.8 * norm.ppf([0.05, 0.95]))
    held = np.zeros(2)
    for _ in range(400):
        (la, lb), (ha, hb) = draws.end_precision(10 ** (0.8 * rng.standard_normal(200)), 0.9)
        held += [la <= true_low <= lb, ha <= true_high <= hb]
    assert (held / 400 >= 0.86).all(), held / 400
    (_, _), (ha, hb) = draws.end_precision(10 ** (0.8 * rng.standard_normal(200)), 0.9)
    (_, _), (ha2, hb2) = draws.end_precision(10 ** (0.8 * rng.standard_normal(5000)), 0.9)
    assert hb2 / ha2 < hb / ha
    # open draws: an end that may lie beyond the doses has an open range
    values = np.r_[np.ones(180), np.full(20, np.inf)]
    assert math.isnan(draws.end_precision(values, 0.9)[1][1])


def test_too_few_draws_leave_the_outer_side_of_an_ends_range_open():
    """With 20 draws, all 20 lie above the true 5th percentile 36% of the time (0.95^20), so
    no draw bounds it from below at 90% confidence: a range that stopped at the lowest draw
    held the true percentile only about 62% of the time (a user audit measured it). That
    side is open (NaN) instead, and the ranges then hold the percentile at least 90% of the
    time, at 20 and 50 draws as at 200."""
    from scipy.stats import norm

    rng = np.random.default_rng(5)
    true_low, true_high = 10 ** (0.8 * norm.ppf([0.05, 0.95]))

    def holds(lo, hi, truth):
        return (math.isnan(lo) or lo <= truth) and (math.isnan(hi) or truth <= hi)

    for n in (20, 50):
        held = np.zeros(2)
        for _ in range(600):
            (la, lb), (ha, hb) = draws.end_precision(10 ** (0.8 * rng.standard_normal(n)), 0.9)
            held += [holds(la, lb, true_low), holds(ha, hb, true_high)]
        assert (held / 600 >= 0.88).all(), (n, held / 600)
    (la, lb), (ha, hb) = draws.end_precision(np.arange(1.0, 21.0), 0.9)
    assert math.isnan(la) and math.isnan(hb) and lb < 20 and ha > 1


def test_inhibition_and_excess_intervals_take_the_order_statistics_of_ic50_intervals():
    """The IC50 intervals take the same order statistic from each end; the band, exposure
    and combination intervals interpolated linearly between draws. One rule now."""
    values = np.arange(1.0, 201.0)
    low, mid, high = draws.central_interval(values, 0.9)
    assert (low, high) == draws.interval(values, 0.9) == (10.0, 191.0) and mid == 100.5
    assert draws.central_interval(np.r_[-3.0, np.nan, 2.0, np.inf], 0.5)[::2] == (-3.0, 2.0)  # finite draws only
    assert all(math.isnan(x) for x in draws.central_interval([np.nan], 0.9))


def test_a_potency_interval_is_the_posteriors_and_says_so(ctcl, potency_curve):
    curve = potency_curve
    lo, hi = curve.ic50_interval
    assert lo < curve.ic50 < hi
    assert "drug potency posterior" in curve.uncertainty.covers and "between-assay" in curve.uncertainty.covers
    # total plasma terms divide each draw by its own fraction unbound
    plasma = curve.uncertainty.plasma
    assert np.allclose(plasma * curve.uncertainty.fraction_unbound, curve.uncertainty.ic50s, equal_nan=True)
    # the Hill fit's precision is far narrower than the predictive interval: it is not the uncertainty
    fp_lo, fp_hi = curve.ic50_fit_precision
    assert (hi / lo) > 3 * (fp_hi / fp_lo)


def _held_out(drug: str, covered: int, rows: int, sources: int) -> pd.DataFrame:
    """A stand-in held-out table: ``rows`` rows of ``drug`` over ``sources`` sources, the
    first ``covered`` inside their intervals, each 2x off (so the GMFE is 2)."""
    return pd.DataFrame({"drug": drug, "context": "ctcl", "cytokine": "IL2", "role": "fit",
                         "source_id": [f"s{i % sources}" for i in range(rows)],
                         "covered": [i < covered for i in range(rows)], "fold_error": 2.0})


def _with_intervals(table: pd.DataFrame, sigma: float, sd: float = 0.6) -> pd.DataFrame:
    """The stand-in table with 90% intervals of predictive sd ``sd`` (log10) and its folds'
    within-source sigma."""
    half = 1.6448536 * sd
    return table.assign(low_90_nM=10 ** -half, high_90_nM=10 ** half, **{crossval.SIGMA_COLUMN: sigma})


def test_the_too_narrow_rule_lets_rows_of_one_source_share_its_error():
    """Rows of one source share its effect, so their coverage is correlated: 6 of 10
    covered is strong evidence of too-narrow intervals when the misses come from many
    sources, weak when the ten rows are two sources', whose shared errors can take rows
    out together. With sigma the whole predictive spread (no shared part) the
    source-aware chance is the binomial's, P(X <= 6 | 10, 0.9) = 0.0128, and so it is for
    ten sources of one row each, whatever they share (each row is still a 90% event). A
    table without the folds' sigma, or with an interval missing an end, keeps the binomial
    (rows independent): a NaN width once counted as a miss and moved 0.012 to 0.051."""
    many, = crossval.track_records(_with_intervals(_held_out("ruxolitinib", 6, 10, 2), sigma=0.6))
    assert many.chance == pytest.approx(0.0127952, rel=1e-5) and many.too_narrow
    assert many.chance_independent == pytest.approx(0.0127952, rel=1e-5)
    shared, = crossval.track_records(_with_intervals(_held_out("ruxolitinib", 6, 10, 2), sigma=0.2))
    assert shared.chance > 0.1 and not shared.too_narrow and shared.chance_independent < 0.05
    spread, = crossval.track_records(_with_intervals(_held_out("ruxolitinib", 6, 10, 10), sigma=0.2))
    assert spread.chance == pytest.approx(0.0127952, rel=1e-5) and spread.too_narrow
    bare, = crossval.track_records(_held_out("ruxolitinib", 6, 10, 2))
    assert math.isnan(bare.source_aware_chance) and bare.chance == bare.chance_independent
    holed = _with_intervals(_held_out("ruxolitinib", 6, 10, 10), sigma=0.2)
    holed.loc[0, "high_90_nM"] = float("nan")
    gap, = crossval.track_records(holed)
    assert math.isnan(gap.source_aware_chance) and gap.chance == gap.chance_independent


def test_a_track_record_counts_the_held_out_rows_and_judges_them_on_the_evidence():
    """A drug's intervals are called too narrow only when 90% intervals would cover as few
    rows or fewer by chance in under 5% of cases: 6 of 10 is (binomial P(X <= 6 | 10, 0.9)
    = 0.0128), 3 of 4 is not (0.344), however far 75% is below 90%."""
    six, = crossval.track_records(_held_out("ruxolitinib", 6, 10, 8))
    assert (six.rows, six.covered, six.sources, six.coverage) == (10, 6, 8, 0.6)
    assert six.gmfe == pytest.approx(2.0) and six.chance == pytest.approx(0.0127952, rel=1e-5)
    assert six.too_narrow and "likely too narrow for ruxolitinib" in six.warning()
    three, = crossval.track_records(_held_out("baricitinib", 3, 4, 4))
    assert three.chance == pytest.approx(1 - 0.9 ** 4) and not three.too_narrow and three.warning() is None
    assert three.verdict == "too few rows to judge"  # under 5 rows: not called consistent either
    # a drug of one source: left out, it leaves no fit row, so its fold tested the prior, not the fitted
    # interval; "covered 1 of 1" was printed beside the fitted interval (an audit)
    anchor, = crossval.track_records(_held_out("abrocitinib", 1, 1, 1))
    assert anchor.anchor and (anchor.rows, anchor.prior_only, anchor.verdict) == (0, 1, "no independent test")
    assert anchor.text().startswith("no held-out test of abrocitinib's fitted 90% intervals") and "covered" not in \
        anchor.text() and not anchor.too_narrow and anchor.warning() is None
    # by assay system: every drug's rows read in one context with one cytokine
    table = pd.concat([_held_out("ruxolitinib", 6, 10, 8), _held_out("tofacitinib", 9, 9, 3).assign(cytokine="IL6")])
    by_system = {t.name: t for t in crossval.track_records(table, by="system")}
    assert set(by_system) == {"ctcl:IL2", "ctcl:IL6"} and by_system["ctcl:IL6"].verdict == "consistent with 90%"
    assert by_system["ctcl:IL2"].too_narrow and "rows read in ctcl:IL2" in by_system["ctcl:IL2"].warning()
    assert set(by_system["ctcl:IL2"].as_dict()) >= {"held_out_system_covered", "held_out_system_rows"}
    with pytest.raises(js.InputError, match="by 'drug' or 'system'"):
        crossval.track_records(table, by="source")
    stale, = crossval.track_records(_held_out("tofacitinib", 5, 10, 3), current=False)
    assert stale.text().endswith("[stored cross-validation of other data]")
    assert stale.warning().endswith("rerun make pharmacology")


def test_held_out_rows_count_only_where_their_fold_kept_a_fit_row_of_their_drug():
    """A held-out row tests the fitted interval only if its fold still had a fit row of its
    drug. Two sources of drug A (one fit, one test) and one of drug B: leaving out A's fit
    source keeps no fit row of A, so A's own fit rows test the prior; A's test rows
    (fold without the test source) and nothing of B's single source count."""
    table = pd.DataFrame({
        "drug": ["A", "A", "A", "A", "B", "B"], "context": "ctcl", "cytokine": ["IL2"] * 4 + ["IL6"] * 2,
        "role": ["fit", "fit", "test", "fit", "fit", "fit"], "source_id": ["a1", "a1", "a2", "a3", "b1", "b1"],
        "covered": [True, False, True, True, True, True], "fold_error": [2.0, 8.0, 4.0, 1.0, 3.0, 3.0]})
    assert crossval.fitted_in_fold(table).tolist() == [True, True, True, True, False, False]
    only = table.iloc[:3].assign(role=["fit", "fit", "test"])  # one fit source: its rows test the prior
    assert crossval.fitted_in_fold(only).tolist() == [False, False, True]
    a, = crossval.track_records(only)
    assert (a.rows, a.covered, a.prior_only) == (1, 1, 2) and a.gmfe == pytest.approx(4.0)
    assert "and 2 more rows predicted from the prior alone, not counted" in a.text()
    by_system = {t.name: t for t in crossval.track_records(table, by="system")}
    assert (by_system["ctcl:IL6"].rows, by_system["ctcl:IL6"].prior_only) == (0, 2)
    assert by_system["ctcl:IL6"].text().startswith("no held-out test of fitted intervals of rows read in ctcl:IL6")
    with pytest.raises(js.InputError, match="role of each row"):
        crossval.fitted_in_fold(table.drop(columns="role"))


def test_the_cross_validation_summary_says_what_qualifies_its_headline():
    """Sources, not rows, are the unit of independence: the summary gives the headline's
    range over resampled sources (it contains the headline), the headline on rows whose
    fold kept a fit row of their drug, the intervals' median width and the divergences
    (an audit: coverage bought with width, and 1 divergence, were reported nowhere)."""
    cv = crossval.CrossValidation(pd.read_csv(REPO / "docs" / "pharmacology" / "cross_validation.csv"), {})
    s = cv.summary()
    assert s["gmfe_source_bootstrap_low"] < s["gmfe"] < s["gmfe_source_bootstrap_high"]
    assert s["coverage_90_source_bootstrap_low"] <= s["coverage_90"] <= s["coverage_90_source_bootstrap_high"]
    fitted = crossval.fitted_in_fold(cv.table)
    assert s["rows_drug_fitted_in_fold"] == fitted.sum() < s["rows"]
    assert s["coverage_90_drug_fitted_in_fold"] == pytest.approx(cv.table["covered"][fitted].mean())
    width = cv.table["high_90_nM"] / cv.table["low_90_nM"]
    assert s["median_interval_width_fold"] == pytest.approx(width.median()) and s["median_interval_width_fold"] > 10
    assert s["divergences"] == cv.table.drop_duplicates("source_id")["divergences"].sum()
    assert s["interval_score_90_log10"] == pytest.approx(crossval.interval_score(cv.table))
    # the interval score (Gneiting & Raftery 2007): width, plus 2/alpha = 20 times the
    # distance outside, in log10; a censored row is left out
    toy = pd.DataFrame({"low_90_nM": [1.0, 1.0, 1.0], "high_90_nM": [100.0, 100.0, 100.0],
                        "measured_nM": [10.0, 1000.0, 1e6], "relation": ["=", "=", ">"]})
    assert crossval.interval_score(toy) == pytest.approx(((2 + 0) + (2 + 20 * 1)) / 2)
    # one source resampled is its rows together: a table of identical sources has no spread
    same = pd.concat([cv.table[cv.table.source_id == cv.table.source_id.iloc[0]].assign(source_id=f"s{k}")
                      for k in range(5)])
    ranges = crossval.source_bootstrap(same, resamples=200)
    assert ranges["gmfe"][0] == pytest.approx(ranges["gmfe"][1])


def test_every_potency_interval_quotes_its_drugs_stored_track_record(ctcl, potency_curve):
    """The measured coverage travels with the interval: `covers`, the summary and, where
    the record says the intervals are too narrow, a flag (docs/pharmacology.md 8)."""
    stored = pd.read_csv(REPO / crossval.STORED_ROWS)
    mine = stored[stored["drug"] == "ruxolitinib"]
    record = crossval.track_record("ruxolitinib")
    assert (record.rows, record.covered, record.sources) == (len(mine), int(mine["covered"].sum()),
                                                             mine["source_id"].nunique())
    unc = potency_curve.uncertainty
    system = crossval.system_track_record("ctcl", "IL6")  # the curve's assay system, every drug's rows
    in_system = stored[(stored["context"] == "ctcl") & (stored["cytokine"] == "IL6")]
    tested = crossval.fitted_in_fold(stored)[in_system.index]  # the others tested the prior alone
    assert (system.rows, system.covered, system.prior_only) == (int(tested.sum()),
                                                                int(in_system["covered"][tested].sum()),
                                                                int((~tested).sum()))
    assert unc.track_record == record and unc.system_record == system
    assert unc.covers.endswith(f"; {record.text()}; {system.text()}")
    summary = potency_curve.summary()
    assert summary["held_out_covered"] == record.covered and summary["held_out_rows"] == record.rows
    assert (record.warning() in unc.flags) == record.too_narrow
    figure = potency_curve.plot()  # and the figure says it beside the band
    # in the legend's title, where it cannot fall on the points (as text on the axes, it did)
    legend = figure.axes[0].get_legend()
    assert legend.get_title().get_text().startswith(f"held out: {record.covered}/{record.rows}")
    # the band names what it draws over: "of the draws" matched no component's name (an audit)
    assert "90% predictive band of potency (200 draws)" in [t.get_text() for t in legend.get_texts()]
    # a drug no held-out row tested shows its verdict, not "held out: 0/0 covered" (an audit)
    untested = next(r for r in crossval.stored_track_records() if r.rows == 0)
    curve = js.dose_response(ctcl, untested.name, "IL2", uncertainty="potency", draws=20)
    assert curve.plot().axes[0].get_legend().get_title().get_text() == f"no held-out rows ({untested.verdict})"
    # a calibration envelope holds potency fixed: the potency record is not its to quote
    hepatocyte = js.load_model(context="hepatocyte")
    plan = draws.plan_draws(hepatocyte, ["ruxolitinib"], draws.Uncertainty("calibration"))
    assert plan.track_records == () and "held out" not in plan.covers()
    # a drug without measured rows has no record (its potency is an assumed range)
    assert crossval.track_record("fedratinib") is None


def test_a_too_narrow_drug_is_flagged_wherever_its_intervals_are_drawn(ctcl, monkeypatch, tmp_path):
    """With a stored record of 2 covered rows in 10, a dose-response warns and flags its
    interval, and a combination's plan carries the same flag; with 9 in 10 neither does.
    Without a stored cross-validation there is no record and no clause."""
    stored = tmp_path / "cross_validation.csv"
    monkeypatch.setattr(crossval, "STORED_ROWS", stored)  # absolute: models_dir().parent / it is it
    assert crossval.track_record("tofacitinib") is None
    assert "held out" not in draws.plan_draws(ctcl, ["tofacitinib"], draws.Uncertainty("potency", draws=20)).covers()
    _held_out("tofacitinib", 2, 10, 5).to_csv(stored, index=False)
    with pytest.warns(js.JakStatWarning, match="likely too narrow for tofacitinib"):
        curve = js.dose_response(ctcl, "tofacitinib", "IL2", uncertainty="potency", draws=20)
    assert curve.summary()["held_out_too_narrow"] and "covered 2 of 10 rows" in curve.uncertainty.covers
    plan = draws.plan_draws(ctcl, ["tofacitinib", "ruxolitinib"], draws.Uncertainty("potency", draws=20))
    assert len(plan.flags) == 1 and "tofacitinib" in plan.flags[0]
    _held_out("tofacitinib", 9, 10, 5).to_csv(stored, index=False)
    assert draws.plan_draws(ctcl, ["tofacitinib"], draws.Uncertainty("potency", draws=20)).flags == ()


def test_a_draw_is_the_model_at_that_potency(ctcl, potency_curve):
    """Shifting the dose axis is exact: one draw's IC50 equals a dose-response simulated
    with the cellular factor set to that draw's potency."""
    curve = potency_curve
    j = int(np.argmax(curve.uncertainty.ic50s))
    plan = draws.plan_draws(ctcl, ["ruxolitinib"], draws.Uncertainty("potency"))
    factor = ctcl.parameter_values()["cellular_factor_ruxolitinib"] * plan.dose_scale["ruxolitinib"][j]
    direct = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=curve.doses * plan.dose_scale["ruxolitinib"][j],
                              parameters={"cellular_factor_ruxolitinib": factor})
    assert direct.ic50 == pytest.approx(curve.uncertainty.ic50s[j], rel=0.02)


def test_uncertainty_true_in_a_calibrated_context_adds_the_ensemble(hepatocyte):
    curve = js.dose_response(hepatocyte, "ruxolitinib", "IL6", uncertainty=True, draws=100)
    assert set(curve.uncertainty.components) == {"drug potency and between-assay variability",
                                                 "calibration ensemble"}
    cal_lo, cal_hi = curve.uncertainty.components["calibration ensemble"]
    lo, hi = curve.ic50_interval
    assert lo < cal_lo and hi > cal_hi  # the calibration alone was the 1.15x-wide interval of issue 22
    # potency fixed, the envelope converts to total plasma at the model's fraction unbound (free only before)
    fu = catalog.drug("ruxolitinib").fraction_unbound
    assert curve.uncertainty.components_plasma["calibration ensemble"] == pytest.approx((cal_lo / fu, cal_hi / fu))
    assert curve.summary()["calibration_ensemble_only_plasma_high_nM"] == pytest.approx(cal_hi / fu)


def test_parameter_ranges_refit_the_drug_layer_per_set(ctcl, monkeypatch):
    """In an uncalibrated context each drawn parameter set gets the potency that makes it
    reproduce, on average, the drug's measured fit rows: after the refit the mean log
    ratio of the set's row IC50s (times the set's scale) to the reference is zero.
    The plan refits to three of tofacitinib's fit rows here, so the test can recompute
    each set's row IC50s itself and check the scale against them."""
    rows = measurements.measurements(roles=("fit",)).query("drug == 'tofacitinib'").head(3).reset_index(drop=True)
    monkeypatch.setattr(draws, "measurements", lambda roles=None: rows)
    unc = draws.Uncertainty("all", draws=20, parameter_sets=3, seed=2)  # potency too: 3 sets are not 3 draws
    plan = draws.plan_draws(ctcl, ["tofacitinib"], unc)
    ref = reference.reference_ic50s(rows, model=ctcl)["reference_nM"].to_numpy()
    records = [{**dict(r), "reference_nM": float(x)} for (_, r), x in zip(rows.iterrows(), ref)]
    before, checked = [], 0
    for k, params in enumerate(plan.parameter_sets):
        drawn = np.array(draws.refit_rows(ctcl, params, records))
        if not (plan.set_valid[k] and np.isfinite(drawn).all()):
            continue
        log_ratio = np.log10(drawn) - np.log10(ref)
        before.append(abs(log_ratio.mean()))
        # a dose D acts like D / scale: the set's IC50s times its scale meet the reference on average
        after = log_ratio + np.log10(plan.set_scale["tofacitinib"][k])
        assert after.mean() == pytest.approx(0.0, abs=1e-9)
        checked += 1
    assert checked >= 2, "too few of the 3 sets could be refitted to test the refit"
    assert max(before) > 0.05, "the drawn sets all reproduce the rows already: the refit was not exercised"
    assert "parameter ranges (drug layer refitted per set)" in plan.components
    # the cross-validation drew potency alone: its record, quoted after, says nothing of the sets (an audit)
    assert "; the held-out records that follow are of potency intervals alone, without parameter sets; held out" \
        in plan.covers()
    curve = js.dose_response(ctcl, "tofacitinib", "IL2", uncertainty=unc)
    assert "parameter ranges" in curve.uncertainty.components


def test_exposure_order_statistic_intervals_flag_a_summary_that_falls():
    """The exact exposure interval reads each summary at the order statistics of the dose
    multiplier, which is right only where the summary rises with it: a summary that falls
    is flagged, not given as an interval without a word. (A fake simulation stands in for
    the regimen: the summary is the multiplier itself, or its inverse.)"""
    from jakstat_sbml.dosing.uncertainty import METRICS, ORDER_STATISTIC_POINTS, _order_statistic_intervals

    reg = js.regimen("ruxolitinib", "20 mg", every="12 h", days=2)
    g = np.linspace(0.5, 2.0, 21)[::-1]  # any order: the ranks are of the sorted multipliers
    asked = []

    def summarise(variants, falling=False):
        asked.append(len(variants))
        return [{m: (1 / (arm[0].dose_mg / 20) if falling else arm[0].dose_mg / 20) for m in METRICS}
                for arm, _ in variants]

    unc = draws.Uncertainty("potency", draws=21)
    with warnings.catch_warnings():
        warnings.simplefilter("error", js.JakStatWarning)  # a rising summary warns nothing
        rows = _order_statistic_intervals(reg, g, {}, unc, summarise)
    low, median, high = draws.central_interval(g, 0.9)
    assert rows[["low", "median", "high"]].to_numpy() == pytest.approx(np.tile([low, median, high], (len(METRICS), 1)))
    assert asked == [3]  # odd number of draws: one middle draw
    _order_statistic_intervals(reg, g[:20], {}, unc, summarise)
    assert asked[-1] == ORDER_STATISTIC_POINTS  # even: the two middle draws, averaged as np.median does
    with pytest.warns(js.JakStatWarning, match="does not rise with the drug's potency"):
        _order_statistic_intervals(reg, g, {}, unc, lambda v: summarise(v, falling=True))


def test_exposure_intervals_over_several_parameter_sets_interpolate_their_grid(ctcl):
    """Draws spread over several parameter sets (a calibration ensemble, the parameter
    ranges) are still read off each set's grid of dose multipliers by interpolation; the
    exact test above reaches only one set. A plan of two sets, 200 draws, and a smooth
    rising stand-in for the regimen's summary (an Emax curve of the dose with a set's own
    EC50) give the interval that evaluating every draw gives, within 0.01 (a fraction),
    from at most 16 evaluations per set."""
    from dataclasses import replace

    from jakstat_sbml.dosing.uncertainty import MAX_GRID_POINTS, METRICS, arm_intervals

    reg = js.regimen("ruxolitinib", "20 mg", every="12 h", days=2)
    with warnings.catch_warnings():  # ruxolitinib's too-narrow record: tested elsewhere
        warnings.simplefilter("ignore", js.JakStatWarning)
        plan = draws.plan_draws(ctcl, ["ruxolitinib"], draws.Uncertainty("potency", draws=200, seed=1),
                                cytokine="IL2")
    sets = ({"ec50_mg": 10.0}, {"ec50_mg": 60.0})
    two = replace(plan, parameter_sets=sets, set_index=np.arange(plan.draws) % 2, set_valid=np.array([True, True]),
                  set_scale={"ruxolitinib": np.ones(2)}, components=("drug potency", "parameter ranges"))
    effect = lambda dose, params: dose / (dose + params["ec50_mg"])
    asked = []

    def summarise(variants):
        asked.append(len(variants))
        return [{m: effect(arm[0].dose_mg, params) for m in METRICS} for arm, params in variants]

    frame, _ = arm_intervals(ctcl, (reg,), two.uncertainty, summarise, plan=two)
    g = (two.fraction_unbound["ruxolitinib"] / reg.pk.fraction_unbound) / two.dose_scale["ruxolitinib"]
    every = [effect(reg.dose_mg * x, sets[k]) for x, k in zip(g, two.set_index)]
    low, median, high = draws.central_interval(every, 0.9)
    read = frame.set_index("metric").loc["mean_inhibition"]
    assert (read["low"], read["median"], read["high"]) == pytest.approx((low, median, high), abs=0.01)
    assert asked == [sum(min(MAX_GRID_POINTS, (two.set_index == k).sum()) for k in range(2))] and asked[0] <= 32


def test_parameter_ranges_alone_give_one_draw_per_set(ctcl, monkeypatch):
    """200 draws of the parameter ranges alone cycled through 40 sets: 40 values, each five
    times, and the ends' precision was computed as from 200 ("more --draws narrow this",
    which they did not). A draw is a set now, and the notes say so. (Each set refits the
    drug layer to three of tofacitinib's fit rows here, not to all of them: the count of
    sets and draws does not depend on the rows, and the refit itself is tested above;
    with every row this test took 50 s of make test.)"""
    rows = measurements.measurements(roles=("fit",)).query("drug == 'tofacitinib'").head(3).reset_index(drop=True)
    monkeypatch.setattr(draws, "measurements", lambda roles=None: rows)
    unc = draws.Uncertainty("parameters", draws=30, parameter_sets=20, seed=2)
    plan = draws.plan_draws(ctcl, ["tofacitinib"], unc)
    assert plan.draws == len(plan.parameter_sets) == 20 and sorted(plan.set_index) == list(range(20))
    assert any("one draw per parameter set, 20 in all (30 draws, the number set, would only repeat them)" in n for n in plan.notes)
    with pytest.raises(js.InputError, match="at least 20 sets, got parameter_sets=5"):
        draws.Uncertainty("parameters", parameter_sets=5)


def test_exposure_intervals_are_what_simulating_every_draw_gives(ctcl):
    """A draw of the potency model is the regimen at a multiplied dose. With potency alone
    (one parameter set), the interval is the regimen simulated at the draws' order
    statistics of that multiplier, and equals simulating every draw's dose directly:
    ends and median alike, for every summary. (It was read off a grid of up to 16
    multipliers by interpolation: a user audit found the time above 50% off by 0.10 at an
    interval's end with seven even points, 0.82 against 0.92, and the grid with the
    draws' quantiles was within 0.003 and 0.015, not exact.) The grid stays for draws
    spread over several parameter sets."""
    from dataclasses import replace

    from jakstat_sbml.dosing.uncertainty import MAX_GRID_POINTS, multiplier_grid

    reg = js.regimen("ruxolitinib", "20 mg", every="12 h", days=2)
    with warnings.catch_warnings():  # ruxolitinib's too-narrow record: tested elsewhere
        warnings.simplefilter("ignore", js.JakStatWarning)
        result = js.exposure_response(ctcl, reg, ["IL2"], uncertainty="potency", draws=40, seed=0)
        plan = draws.plan_draws(ctcl, ["ruxolitinib"], draws.Uncertainty("potency", draws=40, seed=0), cytokine="IL2")
        g = (plan.fraction_unbound["ruxolitinib"] / reg.pk.fraction_unbound) / plan.dose_scale["ruxolitinib"]
        direct = js.exposure_response(ctcl, {f"draw {i}": replace(reg, dose_mg=reg.dose_mg * x)
                                             for i, x in enumerate(g)}, ["IL2"]).table
    mean = result.intervals.query("metric == 'mean_inhibition'").iloc[0]
    assert mean["low"] <= result.table["mean_inhibition"].iloc[0] <= mean["high"]
    for metric in ("mean_inhibition", "trough_inhibition", "max_inhibition", "fraction_above_50",
                   "fraction_above_90"):
        low, median, high = draws.central_interval(direct[metric], 0.9)
        read = result.intervals.query("metric == @metric").iloc[0]
        assert (read["low"], read["median"], read["high"]) == pytest.approx((low, median, high), abs=1e-9), metric
        assert read["draws"] == 40
    assert multiplier_grid(np.array([0.5, 2.0]), points=3).tolist() == [0.5, 2.0]  # few draws: each simulated
    many = multiplier_grid(10 ** np.linspace(-2, 2, 100))
    assert len(many) <= MAX_GRID_POINTS and many[0] == pytest.approx(0.01) and many[-1] == pytest.approx(100)
    frame = result.to_frame()
    assert {"mean_inhibition_low", "mean_inhibition_high", "interval_covers"} <= set(frame.columns)
    # the figure drew the curves alone (`jakstat regimen --uncertainty` showed no interval):
    # the mean inhibition's interval is now a bar in the last dosing interval, its level in the title
    fig = result.plot()
    bars = fig.axes[1].containers
    assert len(bars) == 1
    low, high = bars[0].lines[2][0].get_segments()[0][:, 1]
    assert (low, high) == pytest.approx((100 * mean["low"], 100 * mean["high"]))
    assert "90% predictive interval of potency (40 draws)" in " ".join(fig._suptitle.get_text().split())
    import matplotlib.pyplot as plt

    plt.close(fig)



def test_exposure_intervals_keep_the_flag_of_a_drug_whose_intervals_were_too_narrow(ctcl):
    """Ruxolitinib's held-out intervals covered 6 of its 10 rows (docs/pharmacology.md 7),
    so every interval drawn over its potency says it is likely too narrow (section 8). The
    dose-response kept that in interval_flags; the exposure-response warned and dropped it."""
    reg = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
    with pytest.warns(js.JakStatWarning, match="too narrow"):
        result = js.exposure_response(ctcl, reg, ["IL6"], uncertainty="potency", draws=20)
    assert any("ruxolitinib" in f and "too narrow" in f for f in result.interval_flags)
    assert "too narrow" in result.to_frame()["interval_flags"].iloc[0]
    assert "too narrow" in result.summary()["interval_flags"]

def test_each_exposure_row_quotes_its_own_drugs_and_systems_record(ctcl):
    """One `covers` string was kept for the whole table, the last arm's and pathway's: the
    ruxolitinib rows quoted tofacitinib's 30 of 31 (ruxolitinib's own is 6 of 10, too narrow)
    and every row the last pathway's assay system."""
    from jakstat_sbml.dosing.exposure import TYPICAL_PK

    arms = {"rux": js.regimen("ruxolitinib", "20 mg", every="12 h", days=1),
            "tofa": js.regimen("tofacitinib", "5 mg", every="12 h", days=1)}
    with pytest.warns(js.JakStatWarning):
        result = js.exposure_response(ctcl, arms, ["IL2", "IL6"], uncertainty="potency", draws=20)
    frame = result.to_frame().set_index(["arm", "pathway"])["interval_covers"]
    for arm, drug, other in (("rux", "ruxolitinib", "tofacitinib"), ("tofa", "tofacitinib", "ruxolitinib")):
        for pathway, system in (("IL2/pSTAT5", "ctcl:IL2"), ("IL6/pSTAT3", "ctcl:IL6")):
            covers = frame[(arm, pathway)]
            assert crossval.track_record(drug).text() in covers and f"{other}'s" not in covers
            record = crossval.system_track_record("ctcl", pathway.split("/")[0])
            assert (record is None and "rows read in" not in covers) or record.text() in covers
            assert system in covers or record is None
    # the table's own covers names every record once, and sends the reader to the rows
    assert all(crossval.track_record(d).text() in result.covers for d in ("ruxolitinib", "tofacitinib"))
    assert "interval_covers" in result.covers
    # and says what it holds fixed: the PK of the typical patient (read by an audit as covering patients)
    assert result.covers.endswith(TYPICAL_PK) and all(c.endswith(TYPICAL_PK) for c in frame)


def test_sensitivity_can_vary_potency_over_its_posterior(ctcl):
    from jakstat_sbml.uncertainty.sensitivity import _with_potency
    from jakstat_sbml.uncertainty import uncertain_parameters

    ranges = uncertain_parameters(["cellular_factor_ruxolitinib", "kact_receptor"])
    widened = _with_potency(ranges, "potency", 0)
    assert "posterior" in widened.loc["cellular_factor_ruxolitinib", "range_source"]
    assert widened.loc["kact_receptor"].equals(ranges.loc["kact_receptor"])
    with pytest.raises(js.InputError, match="potency"):
        _with_potency(ranges, "calibration", 0)
    # and the result says which ranges its potency factors had (only its provenance record did)
    kw = dict(n=2, parameters=["cellular_factor_ruxolitinib", "kact_receptor"])
    widened = js.sensitivity(ctcl, ["ic50:ruxolitinib:IL6"], uncertainty="potency", **kw).summary()
    assert widened["potency_factor_ranges"].startswith("potency posterior, 90% predictive range")
    assert js.sensitivity(ctcl, ["ic50:ruxolitinib:IL6"], **kw).summary()["potency_factor_ranges"] == \
        "models/parameters.tsv"


def test_combination_intervals_keep_same_site_drugs_dose_additive(ctcl):
    """Ruxolitinib and tofacitinib compete for one site (Loewe-additive by construction,
    docs/pharmacology.md 1): whatever their drawn potencies, the Loewe excess stays near 0,
    and the shares of draws per verdict, "not determined" among them, add up to 1."""
    comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", doses_a=[1, 5, 25], doses_b=[20, 100, 500],
                          uncertainty="potency", draws=20)
    table = comb.uncertainty
    assert list(table.index) == ["bliss", "loewe", "hsa"]
    assert abs(table.loc["loewe", "median"]) < 0.01
    shares = table[["synergistic", "additive", "antagonistic", "not_determined"]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    # the grid straddles both drugs' IL-6 IC50s (about 5 and 110 nM free, notebook 02), so most
    # draws leave cells where neither saturates: a majority "not determined" would mean draws
    # are scored wrongly, not that the pair saturates
    assert (table["not_determined"] < 0.5).all()
    assert "drug potency posterior" in comb.uncertainty_covers and "loewe_interval_low" in comb.summary()
    # the figure shows the draws beside each point verdict (it showed the point verdicts alone)
    import matplotlib.pyplot as plt

    fig = comb.plot()
    loewe = next(ax.get_title() for ax in fig.axes if ax.get_title().startswith("Loewe excess"))
    assert f"mean, 90% of {int(table.loc['loewe', 'draws'])} draws: {table.loc['loewe', 'low']:+.3f}" in loewe
    most = table.loc["loewe", ["synergistic", "additive", "antagonistic"]].astype(float).idxmax()
    assert f"{most} {table.loc['loewe', most]:.0%}" in loewe
    plt.close(fig)


def test_a_combination_interval_says_how_many_draws_gave_a_score(ctcl):
    """On a grid where one drug alone nearly saturates, a draw can leave no cell to score;
    the interval was then taken over the draws that had one (12 of 20 in an audit) and
    labelled "over 20 draws" with no word of it."""
    grid = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", doses_a=[10, 20, 40], doses_b=[150, 300, 600],
                          uncertainty="potency", draws=20)
    summary = grid.summary()
    assert summary["interval_draws"] == 20
    for name in ("bliss", "loewe", "hsa"):
        scored = summary[f"{name}_interval_draws_scored"]
        assert scored == int(grid.uncertainty.loc[name, "draws"]) <= 20
        said = [f for f in grid.uncertainty_flags if f.startswith(f"{name}: its interval is over the {scored} of 20")]
        assert said == ([] if scored == 20 else [said[0]])
    assert any(summary[f"{name}_interval_draws_scored"] < 20 for name in ("bliss", "loewe", "hsa"))


def test_a_calibration_combination_is_the_envelope_of_its_members(hepatocyte):
    """Calibration alone runs each member of the ensemble once, and its interval is their
    envelope, as a dose-response's is. The combination applied the 20-draw rule of a
    percentile interval to hepatocyte's 12 members, and every score's interval came out
    NaN without a flag (an audit)."""
    grid = js.combination(hepatocyte, "ruxolitinib", "tofacitinib", "IL6", doses_a=[3, 30], doses_b=[30, 300],
                          uncertainty="calibration")
    frame = grid.interval_frame().set_index("score")
    assert len(js.load_ensemble(hepatocyte)) < 20  # the case the rule broke
    for name, row in frame.iterrows():
        assert np.isnan(row["level"])  # an envelope has no level
        if row["draws"] > 0:
            assert row["mean_excess_low"] <= row["mean_excess_median"] <= row["mean_excess_high"], name
    assert np.isfinite(frame[["mean_excess_low", "mean_excess_high"]].to_numpy()).any()
    assert "envelope over the" in grid.uncertainty_covers


def test_the_inhibition_band_is_given_at_each_dose_as_total_plasma_too(ctcl, hepatocyte):
    """Issue 22 asks for intervals in total plasma and free terms; the band was free only
    (an audit). At each dose as total plasma (the model's fraction unbound, as the curve's
    dose_plasma_nM), a draw sees the free concentration its own fraction unbound gives.
    With potency fixed (a calibration envelope) that is the free dose itself, so the two
    bands agree; with potency draws, whose fraction unbound varies, they differ."""
    fu = catalog.drug("ruxolitinib").fraction_unbound
    envelope = js.dose_response(hepatocyte, "ruxolitinib", "IL6", uncertainty="calibration").uncertainty.band_frame()
    assert envelope["dose_plasma_nM"].to_numpy() == pytest.approx(envelope["dose_nM"].to_numpy() / fu)
    for end in ("median", "low", "high"):
        assert envelope[f"inhibition_plasma_{end}"].to_numpy() == pytest.approx(
            envelope[f"inhibition_{end}"].to_numpy(), nan_ok=True)
    drawn = js.dose_response(ctcl, "ruxolitinib", "IL6", uncertainty="potency", draws=60)
    band = drawn.uncertainty.band_frame()
    assert (band["inhibition_plasma_low"] <= band["inhibition_plasma_high"]).all()
    assert not np.allclose(band["inhibition_plasma_high"], band["inhibition_high"])  # each draw's own fu
    curve = drawn.to_frame()
    assert band["dose_plasma_nM"].to_numpy() == pytest.approx(curve.loc[curve.dose_nM > 0, "dose_plasma_nM"].to_numpy())
