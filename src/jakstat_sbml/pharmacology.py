"""Drug potency against measured cellular data: the front of :mod:`jakstat_sbml.potency`.

- :func:`validate_pharmacology`: every measured row (``data/pharmacology``) against the
  potency model's prediction for it as a new assay (posterior median and 90% predictive
  interval), with fold errors and interval coverage, fit and test rows apart;
- :func:`fit_and_store`: fit the potency posterior to the ``fit`` rows, store the draws
  (models/potency/) and each drug's posterior-median cellular factor
  (models/parameters.tsv), which the model's point predictions use;
- :func:`context_ic50s`: every drug's IC50 on every cytokine in a context, free and as
  total plasma concentration, with predictive intervals on request;
- :func:`model_ic50`: the model's IC50 for one row on a dose grid.

The statistical model, the free-drug model and the cross-validation live in
:mod:`jakstat_sbml.potency`; docs/pharmacology.md explains them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError
from .model import Condition, Model
from .parallel import RunOptions, progress_steps
from .potency.free_drug import nominal_free_fraction
from .potency.judging import LEVEL, interval_ends, judge, measured_vs_predicted
from .potency.measurements import REQUIRED_IC50, binding_value, data_dir, measurements, number
from .potency.posterior import (
    Posterior,
    gmfe,
    load_posterior,
    median_factor,
    new_source_samples,
    potency_data,
    row_predictions,
)
from .potency.reference import (
    DEFAULT_PREINCUBATION,
    cytokine_dose_nM,
    factor_parameter,
    load_reference,
    reference_ic50s,
    timing,
)
from .results import flags_text, with_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PharmacologyValidation", "validate_pharmacology", "context_ic50s", "model_ic50", "measurements",
           "binding_value", "data_dir", "fit_and_store", "store_factors"]

GRID_PER_DECADE = 6  # dose points per decade of model_ic50's grid
PREDICTION_MAX_NM = 1e6  # highest free dose of context_ic50s' grid (1 mM)
TARGET_GMFE = 2.5  # issue 22, for held-out sources (jakstat validate pharmacology --cross-validate)


# ----------------------------------------------------------------------------- the model's IC50 on a grid


def _crossing(doses: np.ndarray, inhibition: np.ndarray, level: float = 0.5) -> float:
    """First dose where inhibition reaches ``level`` (log-linear interpolation); inf if never."""
    above = np.nonzero(inhibition >= level)[0]
    if above.size == 0:
        return math.inf
    i = above[0]
    if i == 0:
        return float(doses[0])
    x0, x1 = math.log10(doses[i - 1]), math.log10(doses[i])
    y0, y1 = inhibition[i - 1], inhibition[i]
    return float(10 ** (x0 + (level - y0) * (x1 - x0) / (y1 - y0)))


def model_ic50(model: Model, row: Mapping, *, parameters: Mapping[str, float] | None = None,
               decades: tuple[float, float] = (-2.0, 5.0)) -> float:
    """The model's IC50 (nM free) for one measured row: the free dose that removes
    half of the cytokine-induced signal (stimulated minus unstimulated), read off a
    dose grid of :data:`GRID_PER_DECADE` points per decade over ``decades`` (log10
    nM) and interpolated. ``inf`` when half is never reached in the grid.

    Inhibition rises with the dose, so the first grid dose reaching half is found by
    bisection: the highest dose and about 6 more of the grid's 43 (49 for
    :func:`context_ic50s`), instead of every dose up to the crossing, and the same two
    doses interpolated (the context's 154 IC50s of `jakstat validate pharmacology` took
    51 s scanned, 11 s bisected)."""
    doses = np.logspace(decades[0], decades[1], int((decades[1] - decades[0]) * GRID_PER_DECADE) + 1)
    pre, stim = timing(row)
    common = dict(preincubation=pre, t_end=stim, points=2, parameters=dict(parameters or {}))
    cytokine = {row["cytokine"]: cytokine_dose_nM(row)}

    def at(cytokines, drugs):
        return float(model.run(Condition.make(cytokines=cytokines, drugs=drugs, **common),
                               [row["readout"]])[row["readout"]].iloc[-1])

    unstimulated, stimulated = at(None, None), at(cytokine, None)
    signal = stimulated - unstimulated
    if not signal > 0:  # before the dose grid: a pathway the context lacks costs two runs, not the grid
        raise InputError(f"row {row['id']}: {row['cytokine']} does not raise {row['readout']} in context "
                         f"{model.context!r}; the row cannot be recomputed")
    seen: dict[int, float] = {}

    def inhibition(i: int) -> float:
        if i not in seen:
            seen[i] = (stimulated - at(cytokine, {row["drug"]: float(doses[i])})) / signal
        return seen[i]

    if not inhibition(len(doses) - 1) >= 0.5:
        return math.inf
    low, high = -1, len(doses) - 1  # inhibition below half at low (-1: below the grid), at least half at high
    while high - low > 1:
        mid = (low + high) // 2
        if inhibition(mid) >= 0.5:
            high = mid
        else:
            low = mid
    if high == 0:
        return float(doses[0])
    return _crossing(doses[high - 1:high + 1], np.array([inhibition(high - 1), inhibition(high)]))


# ----------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class PharmacologyValidation:
    """Every measured row against the potency model's prediction for it as a new assay.

    ``table`` columns: id, drug, cytokine, readout, cell type, matrix, context, role (fit /
    test), source, the measured IC50 as added (``measured_nM``, nominal), the predicted
    median and 90% predictive interval as added (``predicted_nM``, ``low_90_nM``,
    ``high_90_nM``), ``covered``, the fold error (median vs measured), and for display
    the model's free IC50 at the posterior-median factor (``model_free_nM``) beside the
    measured IC50 converted with the tables' stated binding (``measured_free_nM``, NaN
    for a matrix the source does not state). Fit rows are in-sample for the potency
    posterior; test rows are not (the leave-one-source-out cross-validation,
    :func:`jakstat_sbml.potency.crossval.cross_validate`, holds every source out)."""

    table: pd.DataFrame
    factors: dict[str, float] = field(default_factory=dict)  # posterior-median cellular factors
    info: dict = field(default_factory=dict)

    @property
    def flags(self) -> tuple[str, ...]:
        """Why the validation's numbers need care: rows left out, no test rows, a test
        GMFE above the target (:data:`TARGET_GMFE`)."""
        flags = []
        dropped = self.info.get("dropped_rows")
        if dropped:
            flags.append(f"rows left out of the validation (no prediction for them): {dropped}")
        if not (self.table["role"] == "test").any():
            flags.append("no test rows: gmfe_test and coverage_90_test are NaN, and every row informed the posterior")
        elif self.gmfe_test > TARGET_GMFE:
            flags.append(f"the posterior median misses the test rows by a GMFE of {self.gmfe_test:.2f}, above the "
                         f"target {TARGET_GMFE:g}")
        return tuple(flags)

    def to_frame(self) -> pd.DataFrame:
        return with_flags(self.table.copy(), self.flags)

    def _gmfe(self, mask=None) -> float:
        return gmfe(self.table["fold_error"] if mask is None else self.table.loc[mask, "fold_error"])

    @property
    def gmfe(self) -> float:
        """Geometric-mean fold error of the posterior median over all rows."""
        return self._gmfe()

    @property
    def gmfe_fit(self) -> float:
        return self._gmfe(self.table["role"] == "fit")

    @property
    def gmfe_test(self) -> float:
        return self._gmfe(self.table["role"] == "test")

    @property
    def coverage(self) -> float:
        return float(self.table["covered"].mean())

    @property
    def coverage_test(self) -> float:
        return float(self.table.loc[self.table["role"] == "test", "covered"].mean())

    @property
    def worst(self) -> pd.Series:
        return self.table.loc[self.table["fold_error"].idxmax()]

    def summary(self) -> dict:
        w = self.worst
        return {"rows": len(self.table), "fit_rows": int((self.table["role"] == "fit").sum()),
                "test_rows": int((self.table["role"] == "test").sum()),
                "sources": int(self.table["source_id"].nunique()),
                "gmfe": self.gmfe, "gmfe_fit": self.gmfe_fit, "gmfe_test": self.gmfe_test,
                "coverage_90": self.coverage, "coverage_90_test": self.coverage_test,
                "worst_id": w["id"], "worst_fold_error": float(w["fold_error"]),
                "within_2x": int((self.table["fold_error"] <= 2).sum()),
                "within_5x": int((self.table["fold_error"] <= 5).sum()),
                **{f"factor_{d}": float(v) for d, v in self.factors.items()}, **self.info,
                "flags": flags_text(self.flags)}

    def plot(self, ax=None) -> Figure:
        """Measured vs predicted IC50 as added (log-log) with 90% predictive intervals;
        fit rows filled, test rows open. Returns the Figure."""
        return measured_vs_predicted(self.table, ax=ax, ylabel="predicted for a new assay (nM, as added; 90% interval)",
                                     title=f"GMFE {self.gmfe:.2f} (fit {self.gmfe_fit:.2f}, test {self.gmfe_test:.2f}); "
                                           f"90% coverage {self.coverage:.0%}")


def _reference(rows: pd.DataFrame, model: Model | None, options: RunOptions) -> pd.DataFrame:
    """Each row's reference IC50: the stored table where it holds the row, else simulated."""
    stored = load_reference()
    if stored is not None and set(rows["id"]) <= set(stored["id"]):
        return stored[stored["id"].isin(rows["id"])].reset_index(drop=True)
    return reference_ic50s(rows, model=model, n_jobs=options.n_jobs, client=options.client, engine=options.engine)


def validate_pharmacology(model: Model | None = None, *, rows: pd.DataFrame | None = None,
                          posterior: Posterior | None = None, seed: int = 0, n_jobs: int = 1, client=None,
                          progress: bool = False, engine: str = "roadrunner") -> PharmacologyValidation:
    """Predict every measured row (default: all modelled rows, fit and test) as a new
    assay from the potency posterior (default: the stored one) and compare.

    The rows' reference IC50s come from the stored table (models/potency/) where it holds
    them; other rows are simulated, with the run options (``n_jobs``, ``client``,
    ``progress``, ``engine``) of :func:`jakstat_sbml.run`."""
    options = RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    rows = measurements() if rows is None else rows
    if not isinstance(rows, pd.DataFrame):
        raise InputError("rows must be a DataFrame of measured rows (jakstat_sbml.potency.measurements."
                         f"measurements()), got {type(rows).__name__}")
    missing = [c for c in REQUIRED_IC50 if c not in rows.columns]
    if missing:
        raise InputError(f"rows lack the columns {', '.join(missing)} of the measured table "
                         "(jakstat_sbml.potency.measurements.measurements())")
    if rows.empty:
        raise InputError("no measured rows to validate")
    posterior = posterior or load_posterior()
    with progress_steps(progress, len(rows), "pharmacology rows") as advance:
        data = potency_data(rows, _reference(rows, model, options), system_terms=posterior.system_terms)
        factors = {d: median_factor(posterior, d) for d in data.drugs}
        out = _judged_rows(data, posterior, factors, seed, advance)
    rows_fitted = posterior.info.get("rows")
    info = {"posterior_rows": None if rows_fitted is None else int(rows_fitted),
            "dropped_rows": "; ".join(data.dropped["id"])}
    return PharmacologyValidation(pd.DataFrame(out), factors, info)


def _judged_rows(data, posterior: Posterior, factors: Mapping[str, float], seed: int, advance) -> list[dict]:
    """Each row's prediction for a new assay, judged against its measurement."""
    low, mid, high = interval_ends(row_predictions(data, new_source_samples(posterior, data, seed), seed=seed), LEVEL)
    out = []
    for j, (_, r) in enumerate(data.rows.iterrows()):
        y = math.log10(r["ic50_nM"])
        covered, fold = judge(r["ic50_nM"], r["relation"], low[j], mid[j], high[j])
        try:
            fu = nominal_free_fraction(r["drug"], r["matrix"], number(r.get("serum_percent")), r.get("serum_type", ""))
        except ValueError:
            fu = math.nan  # a matrix the source does not state has no single conversion
        out.append({"id": r["id"], "drug": r["drug"], "cytokine": r["cytokine"], "readout": r["readout"],
                    "cell_type": r.get("cell_type", ""), "matrix": r["matrix"], "context": r["context"],
                    "role": r["role"], "source_id": r["source_id"], "relation": r["relation"],
                    "measured_nM": float(r["ic50_nM"]), "predicted_nM": 10 ** mid[j], "low_90_nM": 10 ** low[j],
                    "high_90_nM": 10 ** high[j], "covered": covered, "fold_error": fold,
                    "direction": "model higher" if mid[j] > y else "model lower",
                    "model_free_nM": float(r["reference_nM"]) * factors[r["drug"]],
                    "measured_free_nM": float(r["ic50_nM"]) * fu, "source": r["source"]})
        advance(1, f"row {r['id']}")
    return out


# ----------------------------------------------------------------------------- fit and store


def anchor_drugs() -> list[str]:
    """Drugs whose modelled rows all come from one source (fit rows only): their fitted
    factor has no test from another source (data/pharmacology/SOURCE.md, role rule)."""
    rows = measurements()
    by_drug = rows.groupby("drug").agg(sources=("source_id", "nunique"), tested=("role", lambda r: (r == "test").any()))
    return sorted(by_drug.index[(by_drug["sources"] == 1) & ~by_drug["tested"]])


def store_factors(posterior: Posterior, path: str | Path | None = None) -> Path:
    """Write each drug's posterior-median cellular factor into models/parameters.tsv
    (value and source); rebuild the SBML after."""
    path = Path(path) if path else catalog.writable_models_dir() / "parameters.tsv"
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    anchors = set(anchor_drugs())
    for drug in posterior.drugs:
        p = factor_parameter(drug)
        i = df.index[df["id"] == p]
        if len(i) != 1:
            raise InputError(f"{path}: no single row for {p}")
        draws = posterior.factor_draws(drug)
        lo, mid, hi = np.quantile(draws, [0.05, 0.5, 0.95])
        df.loc[i, "value"] = f"{mid:.4g}"
        df.loc[i, "source"] = (f"calibrated:pharmacology (posterior median of the potency model, fitted to the "
                               f"{posterior.info['rows']} 'fit' rows of data/pharmacology/cellular_ic50.tsv; "
                               "models/potency/; docs/pharmacology.md)")
        if drug in anchors:
            df.loc[i, "source"] += ("; an anchor: every modelled row of the drug comes from one source, so the "
                                    "factor has no independent test (data/pharmacology/SOURCE.md, role rule)")
        if "lower" in df.columns:  # the plausible range a sensitivity analysis varies it over
            df.loc[i, "lower"], df.loc[i, "upper"] = f"{lo:.4g}", f"{hi:.4g}"
            df.loc[i, "range_source"] = ("the potency posterior's 90% credible interval (models/potency/; "
                                         "js.sensitivity(..., uncertainty='potency') uses the wider predictive "
                                         "range with a new assay's variability)")
    df.to_csv(path, sep="\t", index=False)
    catalog.reload_tables()
    return path


def fit_and_store(*, seed: int = 0, system_terms: bool = False, progress: bool = False) -> Posterior:
    """Simulate every row's reference IC50, fit the posterior to the fit rows (with one
    effect per (context, cytokine) system if ``system_terms``), store both
    (models/potency/) and the posterior-median factors (models/parameters.tsv). The
    caller rebuilds the SBML."""
    from .potency.posterior import fit_posterior, store_posterior
    from .potency.reference import store_reference

    rows = measurements()
    reference = reference_ic50s(rows)
    store_reference(reference)
    posterior = fit_posterior(rows, reference=reference, seed=seed, system_terms=system_terms, progress=progress)
    store_posterior(posterior)
    store_factors(posterior)
    return posterior


# ----------------------------------------------------------------------------- predictions


def context_ic50s(model: Model, *, drugs: Sequence[str] | None = None, time: float = 20.0) -> pd.DataFrame:
    """Each drug's IC50 on each cytokine's main readout in ``model``'s context:
    free (nM) and as total plasma concentration (free / the tables' fraction unbound)."""
    rows = []
    for d in drugs or catalog.drugs():
        drug = catalog.drug(d)
        for c in catalog.CYTOKINES.values():
            row = {"id": f"{d}_{c.name}", "drug": d, "cytokine": c.name, "readout": c.main_readout,
                   "cytokine_dose": c.standard_dose, "preincubation_min": DEFAULT_PREINCUBATION,
                   "stimulation_min": time}
            try:
                ic50 = model_ic50(model, row, decades=(-2.0, math.log10(PREDICTION_MAX_NM)))
            except InputError:
                ic50 = math.nan  # the cytokine does not act in this context
            rows.append({"drug": d, "cytokine": c.name, "readout": c.main_readout, "ic50_free_nM": ic50,
                         "ic50_plasma_nM": ic50 / drug.fraction_unbound})
    return pd.DataFrame(rows)
