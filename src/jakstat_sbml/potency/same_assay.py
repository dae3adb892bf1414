"""Same-assay ratios: a drug's potency relative to a partner drug's, measured by one
source, in one assay, that no fit uses.

A drug whose rows all come from one source has no held-out test of its fitted potency
(:mod:`.crossval` calls it an anchor). Where another source measured that drug beside a
fitted partner in one assay, the ratio of the two IC50s tests the drug's potency
relative to the partner's, whatever the assay's own offset: the source's random effect,
its unknown serum % and the assay kind's offset (a reporter readout, say) are shared by
the two rows and cancel in the ratio. What is left is the two drugs' potency draws,
their free fractions in the shared medium, the mechanistic model's reference IC50s of
the two in the context the assay is read in, and two within-source residuals.

The pairs, and the model context each assay is read in, are declared with their reasons in
``data/pharmacology/same_assay_pairs.tsv``. The ratios are not part of the
cross-validation's GMFE and coverage: they are another quantity, reported beside them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import catalog
from ..errors import InputError
from .judging import LEVEL, JudgedTests, file_digest, interval_ends, judge, read_stored, read_test_table
from .measurements import data_dir, measurements, table_digest
from .posterior import Posterior, load_posterior, new_source_samples, potency_data, row_predictions
from .reference import reference_ic50s

PAIRS_FILE = "same_assay_pairs.tsv"
PAIR_COLUMNS = ("id", "row", "partner", "context", "readout", "assumption")
# What the two rows of a pair must share for their ratio to cancel the assay's own terms.
SHARED = ("source_id", "cytokine", "cell_type", "matrix", "serum_type", "serum_percent", "assay_kind")
STORED = Path("docs") / "pharmacology" / "same_assay_ratios.csv"  # `make pharmacology` writes it
SEED = 0


def pairs_digest() -> str:
    """A short hash of the pairs table: what a stored run of the ratios was made from."""
    return file_digest(data_dir() / PAIRS_FILE)


def assay_pairs(rows: pd.DataFrame) -> list[tuple[int, int]]:
    """Positions (i, j) of every two rows of ``rows`` that are two drugs in one source's
    one assay: the same source, :data:`SHARED` design, readout and model context, each a
    number (``=``) in a stated matrix; within a pair the drugs in alphabetical order. The
    cross-validation judges their ratios (a drug's potency relative to another's)."""
    return _pairs(rows, (*SHARED, "readout", "context"), rows["drug"].astype(str))


# What one drug's two rows must share for their ratio to test the model's selectivity between
# two pathways: one source's one sample kind, so that the source, the potency and the free
# fraction cancel, and only the two pathways' reference IC50s (and two residuals) are left.
PATHWAY_SHARED = ("source_id", "drug", "matrix", "serum_type", "serum_percent", "assay_kind")


def pathway_pairs(rows: pd.DataFrame) -> list[tuple[int, int]]:
    """Positions (i, j) of every two rows of ``rows`` that are one drug, measured by one
    source in one matrix and assay kind, on two assay systems (model context and
    cytokine), each a number in a stated matrix; within a pair the systems in
    alphabetical order. Their ratio tests the mechanistic model's selectivity between the
    two pathways, which a drug's gamma-c selectivity fold is made of."""
    return _pairs(rows, PATHWAY_SHARED, rows["context"].astype(str) + ":" + rows["cytokine"].astype(str))


def _pairs(rows: pd.DataFrame, shared, differs: pd.Series) -> list[tuple[int, int]]:
    """Positions (i, j) of every two rows equal in the ``shared`` columns (those the table
    has) and unequal in ``differs``, each a number (``=``) in a stated matrix, ordered by
    ``differs``."""
    rows, differs = rows.reset_index(drop=True), differs.reset_index(drop=True)
    key = rows[[c for c in shared if c in rows.columns]].astype(str).agg("|".join, axis=1)
    usable = (rows["relation"].astype(str).str.strip().replace("", "=") == "=") & (rows["matrix"] != "not_stated")
    out = []
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if usable[i] and usable[j] and key[i] == key[j] and differs[i] != differs[j]:
                out.append((i, j) if differs[i] < differs[j] else (j, i))
    return out


def same_assay_pairs() -> pd.DataFrame:
    """The declared pairs, checked: both rows measured, of two drugs, by one source in one
    assay design (:data:`SHARED`), each reported as a number (``=``), in a source that fits
    neither drug, read in a known context and readout."""
    path = data_dir() / PAIRS_FILE
    pairs = read_test_table(path, PAIR_COLUMNS, "the same-assay pairs", item="pair")
    rows = measurements(modelled=False).set_index("id")
    fits = measurements(roles=("fit",))
    for _, p in pairs.iterrows():
        where = f"{path}: pair {p['id']!r}"
        for column in ("row", "partner"):
            if p[column] not in rows.index:
                raise InputError(f"{where}: {column} {p[column]!r} is not a row of cellular_ic50.tsv")
        a, b = rows.loc[p["row"]], rows.loc[p["partner"]]
        if a["drug"] == b["drug"]:
            raise InputError(f"{where}: both rows are of {a['drug']}; a ratio needs two drugs")
        differ = [c for c in SHARED if a[c] != b[c]]
        if differ:
            raise InputError(f"{where}: the rows differ in {', '.join(differ)}; a ratio cancels the assay's own "
                             "terms only within one source's assay")
        if "=" not in (a["relation"] or "=") or "=" not in (b["relation"] or "="):
            raise InputError(f"{where}: a censored row (< or >) gives no ratio")
        if a["matrix"] == "not_stated":  # the model would draw whole blood or medium for each row apart
            raise InputError(f"{where}: its assay's matrix is not stated; a ratio needs one matrix for both rows")
        fitted = fits[(fits["source_id"] == a["source_id"]) & fits["drug"].isin([a["drug"], b["drug"]])]
        if not fitted.empty:
            raise InputError(f"{where}: source {a['source_id']} fits {fitted['drug'].iloc[0]} "
                             f"({fitted['id'].iloc[0]}): its ratio would not be an independent test")
        if p["context"] not in catalog.contexts():
            raise InputError(f"{where}: context {p['context']!r} is not one of {', '.join(catalog.contexts())}")
        if p["readout"] not in catalog.READOUTS:
            raise InputError(f"{where}: readout {p['readout']!r} is not one the model has")
        if not p["assumption"].strip():
            raise InputError(f"{where}: say why its assay is read in {p['context']} ({p['readout']})")
    return pairs


def _pair_rows(pairs: pd.DataFrame) -> pd.DataFrame:
    """Each pair's two measured rows as the potency model reads them: the pair's context
    and readout, each row named ``<pair>:<row>`` (one row may serve two pairs)."""
    rows = measurements(modelled=False).set_index("id")
    out = []
    for _, p in pairs.iterrows():
        for column in ("row", "partner"):
            r = rows.loc[p[column]].to_dict()
            out.append({**r, "id": f"{p['id']}:{p[column]}", "measured_row": p[column], "context": p["context"],
                        "readout": p["readout"], "role": "test"})
    return pd.DataFrame(out)


class SameAssayRatios(JudgedTests):
    """Each pair's measured ratio (drug over partner, IC50 as added) against the potency
    model's predictive draws of it: median, 90% interval, whether it covers the
    measurement, and the fold error of the median (:meth:`for_drug`: the pairs that test
    a drug as the drug, not the partner)."""

    COUNTED = "pairs"

    def clause(self, drug: str) -> str:
        """One clause for the places a drug's interval is shown: '' where no pair tests it."""
        mine = self.for_drug(drug)
        if mine.empty:
            return ""
        partners = ", ".join(dict.fromkeys(mine["partner_drug"]))
        n, covered = len(mine), int(mine["covered"].sum())
        folds = ", ".join(f"{f:.1f}x" for f in mine["fold_error"])
        width = float((mine["high_90"] / mine["low_90"]).median())
        return (f"relative to {partners}, {n} same-assay ratio{'s' if n != 1 else ''} from a source no fit uses: "
                f"{covered} of {n} inside {LEVEL:.0%} intervals about {width:,.0f}-fold wide (fold error {folds})"
                + ("" if self.current else " [stored ratios of other data]"))


def same_assay_ratios(posterior: Posterior | None = None, *, pairs: pd.DataFrame | None = None,
                      reference: pd.DataFrame | None = None, seed: int = SEED) -> SameAssayRatios:
    """Predict every declared pair's IC50 ratio from the potency posterior (default: the
    stored one) as a new source measures it, and judge the measured ratio against its
    90% predictive interval. ``reference``: the pair rows' reference IC50s, simulated when
    not given (a few seconds)."""
    posterior = posterior if posterior is not None else load_posterior()
    pairs = same_assay_pairs() if pairs is None else pairs
    if pairs.empty:
        return SameAssayRatios(pd.DataFrame(columns=["pair", "drug", "partner_drug", "covered", "fold_error"]))
    rows = _pair_rows(pairs)
    reference = reference_ic50s(rows) if reference is None else reference
    data = potency_data(rows, reference)
    if not data.dropped.empty:
        raise InputError(f"the model gives row {data.dropped['id'].iloc[0]} no IC50 ({data.dropped['status'].iloc[0]}) "
                         "in the context its pair is read in")
    predicted = row_predictions(data, new_source_samples(posterior, data, seed=seed), seed=seed)
    index = {name: i for i, name in enumerate(data.rows["id"])}
    out = []
    for _, p in pairs.iterrows():
        i, j = index[f"{p['id']}:{p['row']}"], index[f"{p['id']}:{p['partner']}"]
        a, b = data.rows.iloc[i], data.rows.iloc[j]
        low, mid, high = (float(v[0]) for v in interval_ends(predicted[:, [i]] - predicted[:, [j]], LEVEL))
        measured = float(a["ic50_nM"]) / float(b["ic50_nM"])
        covered, fold = judge(measured, "=", low, mid, high)
        out.append({"pair": p["id"], "drug": a["drug"], "partner_drug": b["drug"], "source_id": a["source_id"],
                    "cytokine": a["cytokine"], "context": p["context"], "readout": p["readout"],
                    "measured_ratio": measured, "predicted_ratio": 10 ** mid, "low_90": 10 ** low,
                    "high_90": 10 ** high, "covered": covered, "fold_error": fold,
                    "drug_nM": float(a["ic50_nM"]), "partner_nM": float(b["ic50_nM"]),
                    "data_digest": table_digest(), "pairs_digest": pairs_digest(), "seed": seed})
    return SameAssayRatios(pd.DataFrame(out))


def stored_same_assay_ratios() -> SameAssayRatios | None:
    """The ratios `make pharmacology` stored (None where none are), marked current when
    they are of the present tables."""
    return read_stored(SameAssayRatios, catalog.models_dir().parent / STORED, data_dir() / PAIRS_FILE, "pairs_digest")
