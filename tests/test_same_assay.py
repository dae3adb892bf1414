"""Same-assay ratios (potency/same_assay.py): a one-source drug's potency tested relative to
a fitted partner's, in one assay of a source that no fit uses (issue 22: "every drug has
test rows from a source not used in its fit")."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from jakstat_sbml.errors import InputError
from jakstat_sbml.potency import crossval, measurements, posterior, reference, same_assay

from .conftest import REPO


@pytest.fixture(scope="module")
def pair_reference() -> pd.DataFrame:
    """The declared pairs' reference IC50s, simulated once for the module."""
    return reference.reference_ic50s(same_assay._pair_rows(same_assay.same_assay_pairs()))


def test_declared_pairs_are_one_assay_of_a_source_that_fits_neither_drug():
    """Each pair's two rows share the source and every design field a ratio must cancel,
    and no fit row of either drug comes from that source: the ratio is independent of the
    fit. The pairs exist for drugs whose own rows all come from one source (anchors),
    which have no other test."""
    pairs = same_assay.same_assay_pairs()
    rows = measurements.measurements(modelled=False).set_index("id")
    fits = measurements.measurements(roles=("fit",))
    assert len(pairs) >= 2
    for _, p in pairs.iterrows():
        a, b = rows.loc[p["row"]], rows.loc[p["partner"]]
        assert all(a[c] == b[c] for c in same_assay.SHARED) and a["drug"] != b["drug"]
        assert fits[(fits["source_id"] == a["source_id"]) & fits["drug"].isin([a["drug"], b["drug"]])].empty
        assert fits.loc[fits["drug"] == a["drug"], "source_id"].nunique() == 1, "the tested drug is an anchor"
        assert fits.loc[fits["drug"] == b["drug"], "source_id"].nunique() >= 3, "the partner is well fitted"


def _pairs_file(tmp_path, monkeypatch, **changes) -> None:
    pairs = same_assay.same_assay_pairs().iloc[[0]].copy()
    for column, value in changes.items():
        pairs[column] = value
    pairs.to_csv(tmp_path / same_assay.PAIRS_FILE, sep="\t", index=False)
    monkeypatch.setattr(same_assay, "data_dir", lambda: tmp_path)


@pytest.mark.parametrize("changes,message", [
    # the tofacitinib TF-1 reporter row of a 2017 document: another source, so nothing cancels
    ({"partner": "tofa_tf1_EPO_reporter_chembl4033007"}, "differ in source_id"),
    # two fit rows of one whole-blood assay: their source fits both drugs, so not independent
    ({"row": "rux_wb_EPO_pSTAT5_CD34_chembl3299209", "partner": "bari_wb_EPO_pSTAT5_CD34_chembl3299209"},
     "fits (ruxolitinib|baricitinib)"),
    ({"partner": "abro_ra1_IL4_reporter_chembl4612627"}, "both rows are of abrocitinib"),
    ({"partner": "no_such_row"}, "partner 'no_such_row' is not a row"),
    ({"row": "bari_IL6_signal_fridman2010", "partner": "bari_IL23_signal_fridman2010"}, "both rows are of"),
    ({"context": "liver"}, "context 'liver' is not one of"),
    ({"readout": "pSTAT9"}, "readout 'pSTAT9' is not one"),
    ({"assumption": " "}, "say why its assay is read in"),
])
def test_a_pair_that_cannot_cancel_the_assay_is_refused(tmp_path, monkeypatch, changes, message):
    _pairs_file(tmp_path, monkeypatch, **changes)
    with pytest.raises(InputError, match=message):
        same_assay.same_assay_pairs()


def test_a_censored_row_gives_no_ratio(tmp_path, monkeypatch):
    """'> 400 nM' over a number is not a ratio to judge with an interval."""
    _pairs_file(tmp_path, monkeypatch)
    table = measurements.measurements(modelled=False)
    monkeypatch.setattr(measurements, "_ic50_table", lambda: table.assign(
        relation=table["relation"].where(table["id"] != "abro_ra1_IL4_reporter_chembl4612627", ">")))
    with pytest.raises(InputError, match="censored"):
        same_assay.same_assay_pairs()


def test_a_pair_of_unstated_matrix_is_refused(tmp_path, monkeypatch):
    """Two rows of one assay share its matrix; where it is not stated, the model draws
    whole blood or medium for each row apart, so half the draws would compare two
    matrices (a statistics review)."""
    _pairs_file(tmp_path, monkeypatch)
    table = measurements.measurements(modelled=False)
    pair = ("abro_ra1_IL4_reporter_chembl4612627", "tofa_ra1_IL4_reporter_chembl4612627")
    monkeypatch.setattr(measurements, "_ic50_table", lambda: table.assign(
        matrix=table["matrix"].where(~table["id"].isin(pair), "not_stated")))
    with pytest.raises(InputError, match="matrix is not stated"):
        same_assay.same_assay_pairs()


def test_epo_ratio_rests_on_jak2_alone_and_not_on_the_contexts_receptor_reserve(pair_reference):
    """The pairs table's assumption for the TF-1 EPO pair: EPOR signals through JAK2 alone,
    so under the model the two drugs' curves are shifts of one shape: each drug's IC50
    moves with its JAK2 constant alone (elasticity 1; 0 for the other JAKs), and the ratio
    of the two is the same whatever the context's receptor reserve (baf3_epor, whose
    absolute TF-1 rows miss by 68-123x, and erythroid give one ratio)."""
    rows = same_assay._pair_rows(same_assay.same_assay_pairs())
    mine = rows[rows["id"].str.startswith("abro_vs_tofa_TF1_EPO_chembl4612628:")]
    epo = reference.reference_ic50s(mine, with_elasticities=True)
    for _, r in epo.iterrows():
        assert r["e_JAK2"] == pytest.approx(1.0, abs=0.02), r["drug"]
        assert all(abs(r[f"e_{jak}"]) < 0.02 for jak in ("JAK1", "JAK3", "TYK2")), r["drug"]
    ratio = pair_reference.set_index("id").loc[mine["id"], "reference_nM"]
    erythroid = reference.reference_ic50s(mine.assign(context="erythroid"))["reference_nM"]
    assert math.log10(erythroid.iloc[0] / erythroid.iloc[1]) == pytest.approx(
        math.log10(ratio.iloc[0] / ratio.iloc[1]), abs=0.01)
    assert abs(math.log10(erythroid.iloc[0] / ratio.iloc[0])) > 0.05, "the two contexts' reserves differ"


def _scaled(post: posterior.Posterior, **factors) -> posterior.Posterior:
    draws = post.draws.copy()
    for column, f in factors.items():
        draws[column] = draws[column] * f if column != "kappa_reporter" else draws[column] + f
    return posterior.Posterior(draws, post.diagnostics, post.info)


def test_a_ratio_cancels_the_sources_offset_and_the_readout_but_not_the_residuals(pair_reference):
    """What the ratio is a test of: the source's random effect (tau) and the reporter
    kind's offset are shared by the two rows and must leave the ratio's interval exactly
    as it was, even made 100 times larger or shifted by two decades; the within-source
    residuals are not shared, so a larger sigma widens it. A pair read as two sources
    would fail the first check."""
    stored = posterior.load_posterior()
    base = same_assay.same_assay_ratios(stored, reference=pair_reference).table
    for changed in (_scaled(stored, tau=100.0), _scaled(stored, kappa_reporter=2.0)):
        again = same_assay.same_assay_ratios(changed, reference=pair_reference).table
        for column in ("predicted_ratio", "low_90", "high_90"):
            assert again[column].to_numpy() == pytest.approx(base[column].to_numpy(), rel=1e-9), column
    wider = same_assay.same_assay_ratios(_scaled(stored, sigma=2.0), reference=pair_reference).table
    assert ((wider["high_90"] / wider["low_90"]) > 2 * (base["high_90"] / base["low_90"])).all()


def test_the_stored_ratios_are_those_of_the_present_posterior_and_tables(pair_reference):
    """docs/pharmacology/same_assay_ratios.csv (make pharmacology) is what the interval
    texts and docs quote: it must be today's computation, not a stale one."""
    stored = same_assay.stored_same_assay_ratios()
    assert stored is not None and stored.current
    fresh = same_assay.same_assay_ratios(reference=pair_reference).table
    pd.testing.assert_frame_equal(stored.table[fresh.columns].reset_index(drop=True), fresh, check_dtype=False,
                                  rtol=1e-5)
    assert (REPO / same_assay.STORED).exists()


def test_an_anchors_record_quotes_its_ratios_and_says_what_they_test():
    """A one-source drug's interval text: no held-out test of its IC50s, and its same-assay
    ratios counted apart (a ratio tests relative potency, not the absolute IC50). A
    one-source drug without a pair claims no relative test."""
    stored = same_assay.stored_same_assay_ratios()
    tested = set(stored.table["drug"])
    for record in crossval.stored_track_records():
        if record.anchor and record.name in tested:
            mine = stored.for_drug(record.name)
            assert record.verdict == "relative test only"
            assert (record.relative_tests, record.relative_covered) == (len(mine), int(mine["covered"].sum()))
            assert record.text().startswith(f"no held-out test of {record.name}'s fitted 90% intervals")
            assert f"{len(mine)} same-assay ratios from a source no fit uses" in record.text()
            assert "-fold wide" in record.text()  # a covered ratio says little without the width
        elif record.anchor:  # no pair: its verdict names only the tests it has (tests/test_ex_vivo.py)
            assert "relative" not in record.verdict and "same-assay" not in record.text()


def test_pathway_pairs_are_one_drugs_two_systems_in_one_source_and_matrix():
    """The held-out test of a drug's selectivity between pathways: one drug, one source,
    one matrix and assay kind, two assay systems (model context and cytokine); a censored
    row, an unstated matrix, another source or another drug make no pair."""
    base = {"source_id": "s1", "drug": "tofacitinib", "matrix": "whole_blood", "serum_type": "", "serum_percent": "",
            "assay_kind": "pSTAT", "relation": "=", "context": "ctcl"}
    rows = pd.DataFrame([{**base, "cytokine": "IL6"}, {**base, "cytokine": "IL2"},
                         {**base, "cytokine": "IFNG", "context": "monocyte"},
                         {**base, "cytokine": "IL4", "relation": ">"},
                         {**base, "cytokine": "IL15", "source_id": "s2"},
                         {**base, "cytokine": "IL21", "drug": "ruxolitinib"},
                         {**base, "cytokine": "IL12", "matrix": "not_stated"},
                         {**base, "cytokine": "IL2"}])  # the same system twice: a replicate, not a pair
    found = same_assay.pathway_pairs(rows)
    assert sorted(found) == [(0, 2), (1, 0), (1, 2), (7, 0), (7, 2)]  # systems in alphabetical order
    assert same_assay.assay_pairs(rows) == []  # no two drugs in one assay here


def test_validate_prints_the_same_verdicts_with_and_without_cross_validate():
    """`validate pharmacology --cross-validate` printed abrocitinib and upadacitinib as "no
    independent test" while the stored path (and the report) said "relative test only" and
    "ex vivo test only", beside the very ratio and ex vivo tables that justify those (an
    audit). Both paths now count the same tests."""
    import dataclasses

    from jakstat_sbml.cli.common import console
    from jakstat_sbml.cli.model_commands import _print_cross_validation, _print_stored_cross_validation
    from jakstat_sbml.potency.ex_vivo import stored_ex_vivo_tests

    stored = crossval.stored_cross_validation()
    rerun = dataclasses.replace(stored, info={"seconds": 0.0, "folds_reused": stored.table["source_id"].nunique()})
    tests = {"relative": same_assay.stored_same_assay_ratios(), "ex_vivo": stored_ex_vivo_tests()}

    def verdicts(print_it) -> dict[str, str]:
        with console.capture() as captured:
            print_it()
        lines = [line for line in captured.get().splitlines() if line.startswith("│")]
        cells = [[c.strip() for c in line.strip("│").split("│")] for line in lines]
        return {c[0]: c[-1] for c in cells if c[0] in ("abrocitinib", "upadacitinib", "ruxolitinib")}

    old_width = console.width
    console.width = 250  # the wide tables unwrapped: their wrapping is not what is compared
    try:
        printed_stored = verdicts(_print_stored_cross_validation)
        printed_rerun = verdicts(lambda: _print_cross_validation(rerun, tests=tests))
    finally:
        console.width = old_width
    assert printed_stored["abrocitinib"] == "relative test only"  # its same-assay ratios (above)
    assert printed_stored["upadacitinib"] == "ex vivo test only"  # tests/test_ex_vivo.py
    assert printed_rerun == printed_stored
