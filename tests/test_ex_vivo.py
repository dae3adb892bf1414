"""Ex vivo tests (potency/ex_vivo.py): a drug's plasma EC50 in blood drawn from dosed people,
never fitted, against the potency model's prediction (issue 22: "every drug has test rows
from a source not used in its fit"; the project's rule: clinical pharmacodynamics tests
predictions and is never fitted)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from jakstat_sbml.errors import InputError
from jakstat_sbml.potency import crossval, ex_vivo, measurements, posterior, reference

from .conftest import REPO


@pytest.fixture(scope="module")
def ex_reference() -> pd.DataFrame:
    """The ex vivo rows' reference IC50s in each of their contexts, simulated once."""
    return reference.reference_ic50s(ex_vivo._model_rows(ex_vivo.ex_vivo_rows()))


def test_every_ex_vivo_row_is_of_a_source_no_fit_of_its_drug_uses():
    """Independence: no fit row of the row's drug comes from its source, and the potency
    fit never reads the table (the fit rows are cellular_ic50.tsv's)."""
    rows = ex_vivo.ex_vivo_rows()
    fits = measurements.measurements(roles=("fit",))
    assert "upadacitinib" in set(rows["drug"])  # its only fit source is one in vitro document
    for _, r in rows.iterrows():
        assert fits[(fits["drug"] == r["drug"]) & (fits["source_id"] == r["source_id"])].empty, r["id"]
        assert r["id"] not in set(measurements.measurements(modelled=False)["id"])


def _table_file(tmp_path, monkeypatch, **changes) -> None:
    rows = ex_vivo.ex_vivo_rows().iloc[[0]].copy()
    for column, value in changes.items():
        rows[column] = value
    rows.to_csv(tmp_path / ex_vivo.TABLE_FILE, sep="\t", index=False)
    monkeypatch.setattr(ex_vivo, "data_dir", lambda: tmp_path)


@pytest.mark.parametrize("changes,message", [
    # upadacitinib's in vitro fit source: its EC50 would not be independent
    ({"source_id": "chembl_assays_CHEMBL5711888"}, "fits upadacitinib"),
    ({"contexts": "ctcl|liver"}, "contexts 'ctcl|liver'"),
    ({"contexts": ""}, "contexts ''"),
    ({"concentration": "plasma_free"}, "concentration 'plasma_free'"),
    ({"ec50_plasma_nM": "6.07"}, "is not the reported 60.7 nM"),
    ({"ec50_plasma_nM": "-1"}, "must be a positive number"),
    ({"relation": "<"}, "only a number"),
    ({"assumptions": " "}, "say what is assumed"),
    ({"drug": "aspirin"}, "drug 'aspirin'"),
    ({"readout": "pSTAT9"}, "readout 'pSTAT9'"),
    # what a review got through: a word for a number, another unit, infinity, a context twice, no id
    ({"value_reported": "sixty"}, "is not the reported sixty"),
    ({"unit_reported": "ng/mL"}, "unit_reported 'ng/mL'"),
    ({"unit_reported": "µM"}, "is not the reported 60.7 µM"),
    ({"value_reported": "0.0607", "unit_reported": "uM", "ec50_plasma_nM": "6070"}, "is not the reported 0.0607 uM"),
    ({"ec50_plasma_nM": "inf"}, "must be a positive number"),
    ({"contexts": "ctcl|ctcl"}, "names a context twice"),
    ({"id": " "}, "a row has no id"),
])
def test_a_bad_row_gets_one_clear_error(tmp_path, monkeypatch, changes, message):
    _table_file(tmp_path, monkeypatch, **changes)
    with pytest.raises(InputError, match=message.replace("|", r"\|")):
        ex_vivo.ex_vivo_rows()


def test_a_missing_column_or_a_repeated_row_is_named(tmp_path, monkeypatch):
    rows = ex_vivo.ex_vivo_rows()
    monkeypatch.setattr(ex_vivo, "data_dir", lambda: tmp_path)
    rows.drop(columns=["population"]).to_csv(tmp_path / ex_vivo.TABLE_FILE, sep="\t", index=False)
    with pytest.raises(InputError, match="columns missing: population"):
        ex_vivo.ex_vivo_rows()
    pd.concat([rows.iloc[[0]], rows.iloc[[0]]]).to_csv(tmp_path / ex_vivo.TABLE_FILE, sep="\t", index=False)
    with pytest.raises(InputError, match="appears twice"):
        ex_vivo.ex_vivo_rows()


def _scaled(post: posterior.Posterior, **factors) -> posterior.Posterior:
    draws = post.draws.copy()
    for column, f in factors.items():
        draws[column] = draws[column] * f
    return posterior.Posterior(draws, post.diagnostics, post.info)


def test_the_prediction_is_a_new_sources_whole_blood_ic50_stated_per_plasma(ex_reference):
    """What the prediction is made of: a whole-blood IC50 as added is the free IC50 times
    blood-to-plasma over fu_plasma; stated per volume of plasma it is the free IC50 over
    fu_plasma, whatever the blood-to-plasma ratio. So doubling every ratio draw leaves
    every quantile as it was (a plasma EC50 read as a blood one would double), doubling
    fu_plasma halves them, and a larger between-source tau (a new source) widens the
    interval."""
    stored = posterior.load_posterior()
    rows = ex_vivo.ex_vivo_rows()
    base = ex_vivo.ex_vivo_tests(stored, rows=rows, reference=ex_reference).table.set_index("id")
    upa = "upadacitinib"
    for column, factor in ((f"bp_{upa}", 1.0), (f"fu_{upa}", 0.5)):
        changed = ex_vivo.ex_vivo_tests(_scaled(stored, **{column: 2.0}), rows=rows,
                                        reference=ex_reference).table.set_index("id")
        for name in base.index:
            expected = factor if base.loc[name, "drug"] == upa else 1.0
            for quantity in ("predicted_nM", "low_90_nM", "high_90_nM"):
                assert changed.loc[name, quantity] == pytest.approx(expected * base.loc[name, quantity],
                                                                    rel=1e-9), (column, quantity)
    wider = ex_vivo.ex_vivo_tests(_scaled(stored, tau=3.0), rows=rows, reference=ex_reference).table.set_index("id")
    assert ((wider["high_90_nM"] / wider["low_90_nM"]) > 1.5 * (base["high_90_nM"] / base["low_90_nM"])).all()


def test_a_row_read_in_two_contexts_holds_both_in_its_interval(ex_reference):
    """Where the gated cells were not seen, each draw reads the row in one of its contexts.
    The model's IL-6 IC50 is nearly the same in ctcl and monocyte cells, so the shipped
    rows cannot show it: here the monocyte reading is made 10^4 times weaker. The
    interval must then span the median of each context read alone (an interval of one
    context, about three decades wide, cannot reach the other's median four decades
    away) and be far wider than either."""
    stored = posterior.load_posterior()
    rows = ex_vivo.ex_vivo_rows()
    mixed = rows[rows["contexts"] == "ctcl|monocyte"]
    assert not mixed.empty
    apart = ex_reference.copy()
    apart.loc[apart["id"].str.endswith(":monocyte"), "reference_nM"] *= 1e4
    both = ex_vivo.ex_vivo_tests(stored, rows=mixed, reference=apart).table.set_index("id")
    alone = {c: ex_vivo.ex_vivo_tests(stored, rows=mixed.assign(contexts=c), reference=apart).table.set_index("id")
             for c in ("ctcl", "monocyte")}
    for name in both.index:
        for context, single in alone.items():
            assert both.loc[name, "low_90_nM"] < single.loc[name, "predicted_nM"] < both.loc[name, "high_90_nM"]
            width = single.loc[name, "high_90_nM"] / single.loc[name, "low_90_nM"]
            assert both.loc[name, "high_90_nM"] / both.loc[name, "low_90_nM"] > 10 * width, context
        low, high = (alone[c].loc[name, "predicted_nM"] for c in ("ctcl", "monocyte"))
        assert not alone["ctcl"].loc[name, "low_90_nM"] < high < alone["ctcl"].loc[name, "high_90_nM"]


def test_the_stored_tests_are_those_of_the_present_posterior_and_tables(ex_reference):
    """docs/pharmacology/ex_vivo_tests.csv (make pharmacology) is what the interval texts,
    the report and the docs quote: today's computation, not a stale one."""
    stored = ex_vivo.stored_ex_vivo_tests()
    assert stored is not None and stored.current
    fresh = ex_vivo.ex_vivo_tests(reference=ex_reference).table
    pd.testing.assert_frame_equal(stored.table[fresh.columns].reset_index(drop=True), fresh, check_dtype=False,
                                  rtol=1e-5)
    assert (REPO / ex_vivo.STORED).exists()


def test_upadacitinibs_ex_vivo_ec50_lies_inside_its_interval_and_its_record_says_so():
    """Upadacitinib's potency is fitted to one in vitro source (chembl_assays_CHEMBL5711888),
    so no held-out row tests it. Mohamed et al. 2020 (PMC6973126, abstract) report the
    plasma concentration halving IL-6-induced pSTAT3 in blood of dosed subjects: 60.7 nM.
    The potency model, never shown that number, must cover it with its 90% predictive
    interval for a new source, and the drug's record must count it apart from the
    held-out rows (verdict "ex vivo test only")."""
    stored = ex_vivo.stored_ex_vivo_tests()
    upa = stored.for_drug("upadacitinib")
    row = upa[upa["cytokine"] == "IL6"].iloc[0]
    assert row["measured_nM"] == pytest.approx(60.7)
    assert row["low_90_nM"] <= 60.7 <= row["high_90_nM"] and bool(row["covered"])
    record = crossval.track_record("upadacitinib")
    assert record.anchor and record.verdict.startswith("ex vivo")
    assert (record.ex_vivo_tests, record.ex_vivo_covered) == (len(upa), int(upa["covered"].sum()))
    assert "ex vivo in dosed people (plasma EC50, never fitted)" in record.text()
    assert record.as_dict()["ex_vivo_tests"] == len(upa)  # never fitted, never held out: not "held_out_"


def test_the_verdict_names_every_kind_of_test_an_anchor_has():
    """An anchor tested ex vivo and by same-assay ratios says both; one with neither says
    it has no independent test."""
    base = crossval.TrackRecord("x", rows=0, sources=0, covered=0, gmfe=math.nan, current=True, prior_only=2)
    assert base.verdict == "no independent test"
    assert replace(base, ex_vivo_tests=1).verdict == "ex vivo test only"
    assert replace(base, relative_tests=2).verdict == "relative test only"
    assert replace(base, ex_vivo_tests=1, relative_tests=2).verdict == "ex vivo and relative tests only"
    assert np.isnan(base.gmfe)


def test_a_missing_table_marks_the_stored_tests_stale_and_breaks_no_record(tmp_path, monkeypatch):
    """Every interval's record reads the stored tests: without the ex vivo table (or the
    same-assay pairs) they are of other data, said in the clause, not a FileNotFoundError
    in every dose-response (a review)."""
    from jakstat_sbml.potency import same_assay

    monkeypatch.setattr(ex_vivo, "data_dir", lambda: tmp_path)
    monkeypatch.setattr(same_assay, "data_dir", lambda: tmp_path)
    stored = ex_vivo.stored_ex_vivo_tests()
    assert stored is not None and not stored.current
    assert "[stored tests of other data]" in stored.clause("upadacitinib")
    assert same_assay.stored_same_assay_ratios().current is False
    assert crossval.track_record("upadacitinib").verdict.startswith("ex vivo")


def test_the_reports_drug_records_say_what_each_ex_vivo_row_found():
    """The report's per-drug table says "ex vivo test only" for upadacitinib; the paragraph
    below it quotes each ex vivo clause, with the interval's width, so a reader sees how
    weak a covered row is."""
    from jakstat_sbml.report import held_out_drugs_markdown

    text = held_out_drugs_markdown()
    assert "| ex vivo test only |" in text and "*Ex vivo*:" in text
    for drug in ex_vivo.stored_ex_vivo_tests().table["drug"]:
        assert f"{drug}, {crossval.track_record(drug).ex_vivo}" in text
    assert "-fold wide" in text.split("*Ex vivo*:")[1]
