"""Ex vivo tests: a drug's potency in people, measured by stimulating blood drawn after a
dose, against the potency model's prediction. Never fitted.

In an ex vivo study people take the drug, blood is drawn at known plasma concentrations
and stimulated with a cytokine outside the body, and an exposure-response model gives the
plasma concentration that halves the induced pSTAT (its EC50). That is a whole-blood IC50
measured by a source no fit uses, with the drug equilibrated in the body instead of added
to the tube, stated in plasma instead of blood terms. The potency model predicts it as it
predicts a new source's whole-blood row (:func:`.posterior.new_source_samples`): the
drug's potency, its free fraction, a new source's offset and a within-source residual at
their draws. The blood IC50 as added is then divided by the drug's blood-to-plasma ratio,
drawn with the rest: the free concentration is the same, ``fu_plasma`` times the plasma
concentration, whichever way it is stated.

Clinical pharmacodynamics tests predictions and is never fitted (the project's rule), so
these rows live in their own table, ``data/pharmacology/ex_vivo_ec50.tsv``, that no fit
reads. Where a source does not say which cells it gated, the row names every context it
could be read in and each draw reads it in one of them at equal odds, so the interval
holds that ignorance too.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError
from .judging import LEVEL, JudgedTests, file_digest, interval_ends, judge, read_stored, read_test_table
from .measurements import data_dir, measurements, number, table_digest
from .posterior import Posterior, load_posterior, new_source_samples, potency_data, row_predictions
from .reference import reference_ic50s

TABLE_FILE = "ex_vivo_ec50.tsv"
COLUMNS = ("id", "drug", "drug_form", "cytokine", "readout", "cell_type", "contexts", "population", "concentration",
           "relation", "value_reported", "unit_reported", "ec50_plasma_nM", "source_id", "source", "source_location",
           "seen", "inferred", "assumptions", "notes")
CONCENTRATIONS = ("plasma_total",)  # what a row's EC50 is a concentration of
UNITS_nM = {"nM": 1.0, "uM": 1e3, "µM": 1e3}  # a reported unit and what it is in nM
STORED = Path("docs") / "pharmacology" / "ex_vivo_tests.csv"  # `make pharmacology` writes it
SEED = 0


def table_file() -> Path:
    return data_dir() / TABLE_FILE


def ex_vivo_digest() -> str:
    """A short hash of the ex vivo table: what a stored run of the tests was made from."""
    return file_digest(table_file())


def contexts_of(row) -> list[str]:
    """The model contexts a row may be read in (``contexts``, separated by ``|``)."""
    return [c.strip() for c in str(row["contexts"]).split("|") if c.strip()]


def ex_vivo_rows() -> pd.DataFrame:
    """The ex vivo table, checked: each row a number with a unit the EC50 column agrees
    with, a concentration kind the prediction knows, contexts and a readout the model has,
    and a source that fits no row of its drug (else the test would not be independent)."""
    path = table_file()
    rows = read_test_table(path, COLUMNS, "the ex vivo tests")
    fits = measurements(roles=("fit",))
    for _, r in rows.iterrows():
        where = f"{path}: row {r['id']!r}"
        if not r["id"].strip():
            raise InputError(f"{path}: a row has no id")
        if r["drug"] not in catalog.DRUGS:
            raise InputError(f"{where}: drug {r['drug']!r} is not one the model has")
        if r["cytokine"] not in catalog.CYTOKINES:
            raise InputError(f"{where}: cytokine {r['cytokine']!r} is not one the model has")
        if r["readout"] not in catalog.READOUTS:
            raise InputError(f"{where}: readout {r['readout']!r} is not one the model has")
        contexts = contexts_of(r)
        unknown = [c for c in contexts if c not in catalog.contexts()]
        if not contexts or unknown:
            raise InputError(f"{where}: contexts {r['contexts']!r}: each must be one of {', '.join(catalog.contexts())}")
        if len(set(contexts)) != len(contexts):
            raise InputError(f"{where}: contexts {r['contexts']!r} names a context twice (it would weigh it double)")
        if r["concentration"] not in CONCENTRATIONS:
            raise InputError(f"{where}: concentration {r['concentration']!r} is not one of {', '.join(CONCENTRATIONS)}")
        if (r["relation"] or "=") != "=":
            raise InputError(f"{where}: only a number (=) is judged; a bound needs a rule of its own")
        value, reported = number(r["ec50_plasma_nM"]), number(r["value_reported"])
        if not (0 < value < math.inf):
            raise InputError(f"{where}: ec50_plasma_nM must be a positive number, not {r['ec50_plasma_nM']!r}")
        if r["unit_reported"] not in UNITS_nM:
            raise InputError(f"{where}: unit_reported {r['unit_reported']!r} is not one of {', '.join(UNITS_nM)}")
        if not (0 < reported < math.inf) or abs(reported * UNITS_nM[r["unit_reported"]] - value) > 1e-9 * value:
            raise InputError(f"{where}: ec50_plasma_nM {value:g} is not the reported {r['value_reported']} "
                             f"{r['unit_reported']}")
        fitted = fits[(fits["source_id"] == r["source_id"]) & (fits["drug"] == r["drug"])]
        if not fitted.empty:
            raise InputError(f"{where}: source {r['source_id']} fits {r['drug']} ({fitted['id'].iloc[0]}): "
                             "its ex vivo row would not be an independent test")
        if not r["assumptions"].strip():
            raise InputError(f"{where}: say what is assumed in reading it (its contexts, its concentration)")
    return rows


def _model_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Each ex vivo row as the potency model reads a whole-blood row, once per context it
    may be read in (named ``<id>:<context>``); the rows of one study share its source
    offset, as the rows of one in vitro source do (a row's interval is the same either
    way; its rows are not independent tests)."""
    out = []
    for _, r in rows.iterrows():
        for context in contexts_of(r):
            out.append({"id": f"{r['id']}:{context}", "ex_vivo_id": r["id"], "drug": r["drug"],
                        "cytokine": r["cytokine"], "cytokine_dose": "", "readout": r["readout"],
                        "assay_kind": "pSTAT", "matrix": "whole_blood", "serum_type": "human_plasma",
                        "serum_percent": "", "preincubation_min": "", "stimulation_min": "", "relation": "=",
                        "ic50_nM": float(r["ec50_plasma_nM"]), "context": context, "role": "test",
                        "source_id": f"ex_vivo:{r['source_id']}"})
    return pd.DataFrame(out)


class ExVivoTests(JudgedTests):
    """Each ex vivo EC50 (plasma) against the potency model's predictive draws of it:
    median, 90% interval, whether it covers the measurement, and the fold error of the
    median."""

    def clause(self, drug: str) -> str:
        """One clause for the places a drug's interval is shown: '' where no row tests it."""
        mine = self.for_drug(drug)
        if mine.empty:
            return ""
        n, covered = len(mine), int(mine["covered"].sum())
        cases = ", ".join(f"{r['cytokine']} {nM_text(r['measured_nM'])} against {nM_text(r['low_90_nM'])} to "
                          f"{nM_text(r['high_90_nM'])}, an interval {r['high_90_nM'] / r['low_90_nM']:,.0f}-fold wide"
                          for _, r in mine.iterrows())
        return (f"ex vivo in dosed people (plasma EC50, never fitted), {covered} of {n} inside {LEVEL:.0%} "
                f"intervals ({cases})" + ("" if self.current else " [stored tests of other data]"))


def nM_text(value: float) -> str:
    """A concentration in words a clause can hold: '60.7 nM', '1,634 nM', '0.0042 nM'."""
    return f"{value:,.0f} nM" if value >= 100 else f"{value:.3g} nM"


def ex_vivo_tests(posterior: Posterior | None = None, *, rows: pd.DataFrame | None = None,
                  reference: pd.DataFrame | None = None, seed: int = SEED) -> ExVivoTests:
    """Predict every ex vivo EC50 from the potency posterior (default: the stored one) as
    a new source measures a whole-blood IC50, state it in plasma terms, and judge the
    measurement against its 90% predictive interval. ``reference``: the rows' reference
    IC50s in each of their contexts, simulated when not given (a few seconds)."""
    posterior = posterior if posterior is not None else load_posterior()
    rows = ex_vivo_rows() if rows is None else rows
    if rows.empty:
        return ExVivoTests(pd.DataFrame(columns=["id", "drug", "covered", "fold_error"]))
    model_rows = _model_rows(rows)
    reference = reference_ic50s(model_rows) if reference is None else reference
    data = potency_data(model_rows, reference)
    if not data.dropped.empty:
        raise InputError(f"the model gives ex vivo row {data.dropped['id'].iloc[0]} no IC50 "
                         f"({data.dropped['status'].iloc[0]}) in that context")
    samples = new_source_samples(posterior, data, seed=seed)
    blood = row_predictions(data, samples, seed=seed)  # log10 IC50 as added to blood
    plasma = blood - samples["log10_bp"][:, data.drug]  # the same free drug, stated per volume of plasma
    rng = np.random.default_rng(seed)
    out = []
    for _, r in rows.iterrows():
        columns = [i for i, name in enumerate(data.rows["id"]) if name.startswith(f"{r['id']}:")]
        pick = rng.integers(len(columns), size=plasma.shape[0])  # each draw reads the row in one of its contexts
        draws = plasma[np.arange(plasma.shape[0]), np.asarray(columns)[pick]]
        low, mid, high = (float(v[0]) for v in interval_ends(draws[:, None], LEVEL))
        measured = float(r["ec50_plasma_nM"])
        covered, fold = judge(measured, "=", low, mid, high)
        out.append({"id": r["id"], "drug": r["drug"], "cytokine": r["cytokine"], "readout": r["readout"],
                    "contexts": r["contexts"], "source_id": r["source_id"], "concentration": r["concentration"],
                    "measured_nM": measured, "predicted_nM": 10 ** mid, "low_90_nM": 10 ** low,
                    "high_90_nM": 10 ** high, "covered": covered, "fold_error": fold,
                    "data_digest": table_digest(), "ex_vivo_digest": ex_vivo_digest(), "seed": seed})
    return ExVivoTests(pd.DataFrame(out))


def stored_ex_vivo_tests() -> ExVivoTests | None:
    """The tests `make pharmacology` stored (None where none are), marked current when
    they are of the present tables."""
    return read_stored(ExVivoTests, catalog.models_dir().parent / STORED, table_file(), "ex_vivo_digest")
