"""Drug potency against measured cellular data.

The measured table (``data/pharmacology/cellular_ic50.tsv``, sources in
``docs/pharmacology.md``) holds in-vitro cellular and whole-blood IC50s of the
model's drugs on cytokine-induced STAT phosphorylation. This module

- converts each measured IC50 (nominal, as added) to the free concentration the
  model's drug parameters mean (:func:`free_fraction`: whole blood through the
  plasma fraction unbound and the blood-to-plasma ratio, serum-containing medium
  through the serum's share of plasma protein);
- recomputes every row with the model (:func:`model_ic50`: the same cytokine,
  dose, readout, pre-incubation and stimulation time, in the row's context);
- compares them (:func:`validate_pharmacology`: fold errors, geometric-mean fold
  error, the worst row), and
- fits the drug layer's few parameters, one cellular potency factor per drug
  on top of the Cheng-Prusoff ATP shift of each JAK (:func:`fit_cellular_factors`),
  on the rows marked ``fit`` only; rows marked ``test`` are kept back to test it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError
from .model import Condition, Model, load_model
from .units import to_nM

# The fitted parameters: per drug, the apparent cellular Ki over the Cheng-Prusoff
# prediction (biochemical Ki x (1 + ATP_cell/Km) of each JAK); models/modules/drugs.ant.
FACTOR_PARAMETERS = {"ruxolitinib": "cellular_factor_ruxolitinib", "tofacitinib": "cellular_factor_tofacitinib"}
# Bounds of a factor. Down to 0.01: a biochemical IC50 measured at 1 mM instead of Km
# ATP overstates Ki by up to 1 + 1 mM/Km (~9 for JAK1, ~70 for JAK3 with the Km of
# parameters.tsv), and accumulation in the cell can add a few-fold. Up to 100: efflux,
# binding to cell proteins and membranes, and a cellular ATP above 3 mM can each
# weaken a drug a few-fold (Traut, Mol Cell Biochem 1994, doi:10.1007/BF00928361:
# ATP 1-10 mM across cell types).
FACTOR_BOUNDS = (0.01, 100.0)
DEFAULT_PREINCUBATION = 30.0  # min, when a source does not state it (assumption; equilibrium makes it moot)
DEFAULT_STIMULATION = 15.0  # min, when a source does not state it (typical phospho-flow stimulation)
GRID_PER_DECADE = 6  # dose points per decade of the validation's dose-response
PREDICTION_MAX_NM = 1e6  # highest free dose of context_ic50s' grid (1 mM)
TARGET_GMFE = 2.0  # issue 11: geometric-mean fold error over all rows
TARGET_WORST = 5.0  # issue 11: no row worse than this


# ----------------------------------------------------------------------------- data


def data_dir() -> Path:
    """Folder of the measured pharmacology tables (inside the package in a wheel)."""
    packaged = catalog.models_dir().parent / "data" / "pharmacology"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "pharmacology"


@cache
def _measurements() -> pd.DataFrame:
    path = data_dir() / "cellular_ic50.tsv"
    df = pd.read_csv(path, sep="\t", dtype={"id": str}, keep_default_na=False)
    missing = {"id", "drug", "cytokine", "readout", "matrix", "ic50_nM", "source", "context", "role"} - set(df)
    if missing:
        raise InputError(f"{path}: columns missing: {', '.join(sorted(missing))}")
    return df


def measurements(*, modelled: bool = True) -> pd.DataFrame:
    """The measured IC50 table; ``modelled=True`` keeps the rows the model can
    recompute (its drugs, cytokines and readouts, a context assigned)."""
    df = _measurements().copy()
    if modelled:
        ok = (df["drug"].isin(catalog.DRUGS) & df["cytokine"].isin(catalog.CYTOKINES)
              & df["readout"].isin(catalog.READOUTS) & df["context"].isin(catalog.contexts())
              & df["role"].isin(["fit", "test"]))
        df = df[ok]
    return df.reset_index(drop=True)


@cache
def protein_binding() -> pd.DataFrame:
    """Plasma fraction unbound and blood-to-plasma ratio per drug (with sources)."""
    return pd.read_csv(data_dir() / "protein_binding.tsv", sep="\t", keep_default_na=False)


def binding_value(drug: str, quantity: str) -> float:
    pb = protein_binding()
    hit = pb[(pb["drug"] == drug) & (pb["quantity"] == quantity)]
    if hit.empty:
        raise InputError(f"no {quantity} for {drug} in {data_dir() / 'protein_binding.tsv'}")
    return float(hit["value"].iloc[0])


def free_fraction(drug: str, matrix: str, serum_percent: float | None = None) -> float:
    """Free / nominal drug concentration in an assay matrix.

    - ``whole_blood``: drug added to blood distributes into plasma (C_plasma =
      C_blood / (blood-to-plasma ratio)) of which ``fu_plasma`` is free.
    - ``medium_serum``: binding proportional to protein, serum at s% of plasma's:
      fu = 1 / (1 + (1/fu_plasma - 1) * s/100) (linear binding, far from saturation;
      fetal calf serum is taken to bind like human plasma - an assumption).
    - ``medium_serum_free``: everything free.
    """
    drug = catalog.drug(drug).name
    if matrix == "medium_serum_free":
        return 1.0
    fu = binding_value(drug, "fu_plasma")
    if matrix == "whole_blood":
        return fu / binding_value(drug, "blood_to_plasma")
    if matrix == "medium_serum":
        s = 10.0 if serum_percent in (None, "") or (isinstance(serum_percent, float) and math.isnan(serum_percent)) \
            else float(serum_percent)
        return 1.0 / (1.0 + (1.0 / fu - 1.0) * s / 100.0)
    raise InputError(f"unknown assay matrix {matrix!r}: whole_blood, medium_serum or medium_serum_free")


def _number_or(value, default: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(v) else v


def _cytokine_dose(row) -> float:
    c = catalog.cytokine(row["cytokine"])
    text = str(row.get("cytokine_dose", "") or "").strip()
    if not text or text.lower().startswith("not"):
        text = c.standard_dose
    return to_nM(text, what=f"dose of {c.name} in row {row['id']}", mass_kda=c.mass_kda)


# ----------------------------------------------------------------------------- the model's IC50


def _responses(model: Model, row, doses_free: np.ndarray, parameters: Mapping[str, float]) -> tuple:
    """Readout at the end of stimulation for no cytokine, cytokine alone and each dose."""
    cyt = {row["cytokine"]: _cytokine_dose(row)}
    pre = _number_or(row.get("preincubation_min"), DEFAULT_PREINCUBATION)
    stim = _number_or(row.get("stimulation_min"), DEFAULT_STIMULATION)
    common = dict(preincubation=pre, t_end=stim, points=2, parameters=dict(parameters))

    def at(cytokines, drugs):
        return float(model.run(Condition.make(cytokines=cytokines, drugs=drugs, **common),
                               [row["readout"]])[row["readout"]].iloc[-1])

    unstimulated = at(None, None)
    stimulated = at(cyt, None)
    values = np.array([at(cyt, {row["drug"]: d}) for d in doses_free])
    return unstimulated, stimulated, values


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
    nM) and interpolated. ``inf`` when half is never reached in the grid."""
    doses = np.logspace(decades[0], decades[1], int((decades[1] - decades[0]) * GRID_PER_DECADE) + 1)
    unstim, stim, values = _responses(model, row, doses, parameters or {})
    signal = stim - unstim
    if not signal > 0:
        raise InputError(f"row {row['id']}: {row['cytokine']} does not raise {row['readout']} in context "
                         f"{model.context!r}; the row cannot be recomputed")
    return _crossing(doses, (stim - values) / signal)


def _model_ic50_bisect(model: Model, row: Mapping, parameters: Mapping[str, float], *,
                       lo: float = 1e-3, hi: float = 1e6, tol_log10: float = 0.005) -> float:
    """Same IC50 by bisection in log dose (a dozen simulations; used by the fit)."""
    cyt = {row["cytokine"]: _cytokine_dose(row)}
    unstim, stim, _ = _responses(model, row, np.array([]), parameters)
    signal = stim - unstim
    pre = _number_or(row.get("preincubation_min"), DEFAULT_PREINCUBATION)
    t = _number_or(row.get("stimulation_min"), DEFAULT_STIMULATION)

    def inhibition(log_dose: float) -> float:
        cond = Condition.make(cytokines=cyt, drugs={row["drug"]: 10 ** log_dose}, preincubation=pre, t_end=t,
                              points=2, parameters=dict(parameters))
        value = float(model.run(cond, [row["readout"]])[row["readout"]].iloc[-1])
        return (stim - value) / signal

    a, b = math.log10(lo), math.log10(hi)
    if inhibition(b) < 0.5:
        return math.inf
    while b - a > tol_log10:
        m = 0.5 * (a + b)
        if inhibition(m) >= 0.5:
            b = m
        else:
            a = m
    return float(10 ** (0.5 * (a + b)))


# ----------------------------------------------------------------------------- validation


def measured_free_ic50(row: Mapping) -> float:
    serum = row.get("serum_percent")
    return float(row["ic50_nM"]) * free_fraction(row["drug"], row["matrix"], _number_or(serum, math.nan))


@dataclass(frozen=True)
class PharmacologyValidation:
    """Model vs measured IC50 for every row the model can recompute.

    ``table`` columns: the row's id, drug, cytokine, readout, cell type, matrix,
    context and role (fit / test), the measured IC50 as reported (nominal nM), the
    free fraction used, the measured free IC50, the model's free IC50, and the fold
    error (max(model/measured, measured/model)).
    """

    table: pd.DataFrame
    factors: dict[str, float] = field(default_factory=dict)  # the cellular factors used

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _gmfe(self, mask=None) -> float:
        fe = self.table["fold_error"] if mask is None else self.table.loc[mask, "fold_error"]
        fe = fe[np.isfinite(fe)]
        return float(10 ** np.mean(np.log10(fe))) if len(fe) else float("nan")

    @property
    def gmfe(self) -> float:
        """Geometric-mean fold error over all rows (infinite rows excluded, see ``unreached``)."""
        return self._gmfe()

    @property
    def gmfe_fit(self) -> float:
        return self._gmfe(self.table["role"] == "fit")

    @property
    def gmfe_test(self) -> float:
        return self._gmfe(self.table["role"] == "test")

    @property
    def unreached(self) -> pd.DataFrame:
        """Rows where the model never reaches half inhibition (infinite fold error)."""
        return self.table[~np.isfinite(self.table["fold_error"])]

    @property
    def worst(self) -> pd.Series:
        return self.table.loc[self.table["fold_error"].idxmax()]

    @property
    def meets_targets(self) -> bool:
        return bool(self.unreached.empty and self.gmfe <= TARGET_GMFE and self.worst["fold_error"] <= TARGET_WORST)

    def summary(self) -> dict:
        w = self.worst
        return {"rows": len(self.table), "fit_rows": int((self.table["role"] == "fit").sum()),
                "test_rows": int((self.table["role"] == "test").sum()),
                "gmfe": self.gmfe, "gmfe_fit": self.gmfe_fit, "gmfe_test": self.gmfe_test,
                "worst_id": w["id"], "worst_fold_error": float(w["fold_error"]),
                "within_2x": int((self.table["fold_error"] <= 2).sum()),
                "within_5x": int((self.table["fold_error"] <= 5).sum()),
                "meets_targets": self.meets_targets, **self.factors}

    def plot(self, ax=None):
        """Model vs measured free IC50 (log-log) with 2x and 5x bands; fit rows filled,
        test rows open. Returns the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(5.5, 5))
        else:
            fig = ax.figure
        t = self.table[np.isfinite(self.table["model_free_nM"])]
        lo = 0.3 * min(t["measured_free_nM"].min(), t["model_free_nM"].min())
        hi = 3 * max(t["measured_free_nM"].max(), t["model_free_nM"].max())
        x = np.array([lo, hi])
        ax.plot(x, x, color="k", lw=1)
        for f, alpha in [(2, 0.25), (5, 0.12)]:
            ax.fill_between(x, x / f, x * f, color="tab:gray", alpha=alpha, lw=0, label=f"within {f}x")
        markers = {"ruxolitinib": "o", "tofacitinib": "s", "pimozide": "^"}
        for (drug, role), g in t.groupby(["drug", "role"]):
            ax.scatter(g["measured_free_nM"], g["model_free_nM"], marker=markers.get(drug, "o"),
                       facecolors="tab:blue" if role == "fit" else "none", edgecolors="tab:blue",
                       label=f"{drug} ({role})")
        hidden = len(self.table) - len(t)
        if hidden:  # never drop a row silently
            ax.text(0.98, 0.02, f"{hidden} row(s) without a model IC50 not shown: {', '.join(self.unreached['id'])}",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="tab:red")
        ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), xlabel="measured IC50 (nM free)",
               ylabel="model IC50 (nM free)",
               title=f"GMFE {self.gmfe:.2f} (fit {self.gmfe_fit:.2f}, test {self.gmfe_test:.2f})")
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        return fig


def _context_models(rows: pd.DataFrame, model: Model | None) -> dict[str, Model]:
    out = {}
    for ctx in rows["context"].unique():
        out[ctx] = model if model is not None and model.context == ctx else load_model(context=ctx)
    return out


def validate_pharmacology(model: Model | None = None, *, rows: pd.DataFrame | None = None,
                          factors: Mapping[str, float] | None = None,
                          progress: Callable[[str], None] | None = None) -> PharmacologyValidation:
    """Recompute every measured row with the model and compare.

    Each row runs in its own context (``model`` is used for rows of its context,
    the others are loaded); ``factors`` overrides the cellular potency factors
    (parameter id -> value; default: the model's values). ``progress`` is called
    with each row's id.
    """
    rows = measurements() if rows is None else rows
    if rows.empty:
        raise InputError("no measured rows to validate")
    models = _context_models(rows, model)
    params = dict(factors or {})
    out = []
    for _, r in rows.iterrows():
        m = models[r["context"]]
        ic50 = model_ic50(m, r, parameters=params)
        fu = free_fraction(r["drug"], r["matrix"], _number_or(r.get("serum_percent"), math.nan))
        measured_free = float(r["ic50_nM"]) * fu
        fe = max(ic50 / measured_free, measured_free / ic50) if math.isfinite(ic50) else math.inf
        out.append({"id": r["id"], "drug": r["drug"], "cytokine": r["cytokine"], "readout": r["readout"],
                    "cell_type": r.get("cell_type", ""), "matrix": r["matrix"], "context": r["context"],
                    "role": r["role"], "measured_nM": float(r["ic50_nM"]), "free_fraction": fu,
                    "measured_free_nM": measured_free, "model_free_nM": ic50,
                    "model_nominal_nM": ic50 / fu, "fold_error": fe,
                    "direction": "model higher" if ic50 > measured_free else "model lower",
                    "source": r["source"]})
        if progress:
            progress(r["id"])
    values = next(iter(models.values())).parameter_values()
    used = {p: float(params.get(p, values[p])) for p in FACTOR_PARAMETERS.values()}
    return PharmacologyValidation(pd.DataFrame(out), used)


# ----------------------------------------------------------------------------- fit


@dataclass(frozen=True)
class FactorFit:
    """Fitted cellular potency factors (apparent cellular Ki / Cheng-Prusoff prediction)."""

    factors: dict[str, float]  # parameter id -> value
    log10_se: dict[str, float]  # Gauss-Newton standard errors of log10(factor); nan with no spare row
    cost: float  # half the sum of squared log10 fold errors over the fit rows
    rows: int
    at_bounds: list[str]
    shared: bool
    message: str


def fit_cellular_factors(rows: pd.DataFrame | None = None, *, shared: bool = False,
                         progress: Callable[[int, float], None] | None = None) -> FactorFit:
    """Least squares in log10 (model vs measured free IC50) over the ``fit`` rows only.

    One factor per drug that has fit rows; ``shared=True`` fits one factor for all
    drugs (the pure ATP-shift hypothesis: the same cellular correction for every
    ATP-competitive drug), which is how the hypothesis is tested across drugs.
    A factor only moves its own drug's rows, so each is a bounded one-dimensional
    fit in log10 (Brent); its standard error comes from the slope of the rows'
    log10 IC50 in log10 factor and the residual scatter, when there are more rows
    than factors.
    """
    from scipy.optimize import minimize_scalar

    rows = measurements() if rows is None else rows
    rows = rows[(rows["role"] == "fit") & rows["drug"].isin(FACTOR_PARAMETERS)]
    if rows.empty:
        raise InputError("no rows marked 'fit' for a drug with a cellular factor")
    models = _context_models(rows, None)
    targets = {r["id"]: math.log10(measured_free_ic50(r)) for _, r in rows.iterrows()}
    lb, ub = (math.log10(b) for b in FACTOR_BOUNDS)
    groups = {"shared": rows} if shared else {FACTOR_PARAMETERS[d]: g for d, g in rows.groupby("drug")}
    calls = [0]

    def params(name: str, x: float) -> dict[str, float]:
        names = FACTOR_PARAMETERS.values() if name == "shared" else [name]
        return {n: float(10 ** x) for n in names}

    def residuals(name: str, group: pd.DataFrame, x: float) -> np.ndarray:
        out = []
        for _, r in group.iterrows():
            ic50 = _model_ic50_bisect(models[r["context"]], r, params(name, x))
            out.append((math.log10(ic50) if math.isfinite(ic50) else 6.0) - targets[r["id"]])
        res = np.array(out)
        calls[0] += 1
        if progress:
            progress(calls[0], float(0.5 * res @ res))
        return res

    fitted, log10_se, cost, messages = {}, {}, 0.0, []
    for name, group in groups.items():
        best = minimize_scalar(lambda x: float(np.sum(residuals(name, group, x) ** 2)), bounds=(lb, ub),
                               method="bounded", options={"xatol": 0.005})
        res = residuals(name, group, best.x)
        cost += 0.5 * float(res @ res)
        dof = len(group) - 1
        if dof > 0:
            step = 0.05  # log10 units; the model's IC50 moves about one for one with the factor
            slope = (residuals(name, group, best.x + step) - res) / step
            se = math.sqrt(float(res @ res) / dof / max(float(slope @ slope), 1e-12))
        else:
            se = float("nan")  # one row per factor: an exact fit has no error estimate
        for n, v in params(name, best.x).items():
            fitted[n], log10_se[n] = v, se
        messages.append(f"{name}: {best.message}")
    at_bounds = [p for p, v in fitted.items() if math.log10(v) <= lb + 0.01 or math.log10(v) >= ub - 0.01]
    return FactorFit(fitted, log10_se, cost, len(rows), at_bounds, shared, "; ".join(messages))


def store_factors(fit: FactorFit, path: str | Path | None = None) -> Path:
    """Write fitted factors into models/parameters.tsv (value and source); rebuild the SBML after."""
    path = Path(path) if path else catalog.writable_models_dir() / "parameters.tsv"
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    for p, v in fit.factors.items():
        i = df.index[df["id"] == p]
        if len(i) != 1:
            raise InputError(f"{path}: no single row for {p}")
        se = fit.log10_se[p]
        df.loc[i, "value"] = f"{v:.4g}"
        df.loc[i, "source"] = (f"calibrated:pharmacology (log10 least squares on the {fit.rows} 'fit' rows of "
                               "data/pharmacology/cellular_ic50.tsv"
                               + (f", SE of log10 {se:.2f}" if math.isfinite(se) else ", one row per factor: no SE")
                               + "; docs/pharmacology.md)")
    df.to_csv(path, sep="\t", index=False)
    catalog.reload_tables()
    return path


# ----------------------------------------------------------------------------- predictions


def context_ic50s(model: Model, *, drugs: Sequence[str] | None = None, time: float = 20.0) -> pd.DataFrame:
    """Each drug's IC50 on each cytokine's main readout in ``model``'s context:
    free (nM) and as total plasma concentration (free / fraction unbound)."""
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
