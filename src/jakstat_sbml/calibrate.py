"""Calibration of the model against the published datasets, and the comparison
with the published models' fits.

Pipeline (``calibrate(dataset)``; ``jakstat calibrate <dataset>`` on the command
line; ``jakstat calibrate all`` for every dataset):

1. The dataset's PEtab problem (:mod:`jakstat_sbml.petab_problem`): our model in
   the dataset's context, the kept measurements, the published noise levels.
2. An objective over the log10 of the module's parameters (:data:`CALIBRATIONS`),
   within their physiological ranges (models/parameter_bounds.tsv, each with its
   source or stated assumption; :func:`parameter_bounds`): simulate every condition with the Python API (each parameter
   vector gets its own unstimulated steady state), then profile each blot's
   offset and scale (:func:`jakstat_sbml.likelihood.profile`), so the optimiser
   only sees model parameters.
3. Multi-start local optimisation: scipy's ``least_squares`` (trust-region
   reflective, finite-difference Jacobian) on the profiled weighted residuals,
   from the current values and from Latin-hypercube starts within the bounds,
   in parallel processes.
4. The best start beside the published model evaluated on the same
   measurements with the same noise levels, its offsets and scales profiled the
   same way (and, for reference, at its published values): -log L, chi2, n.

Boehm_JProteomeRes2014 and Bachmann_MSB2011 need erythropoietin and its receptor,
which our network does not have: for them the published model is evaluated
(reproducing the reference objectives) and :data:`NOT_EXPRESSIBLE` says what
it would take.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import petab_problem as pp
from .errors import InputError, SimulationError, UnknownNameError
from .likelihood import Fit, observe, profile

# ----------------------------------------------------------------------------- what is fitted


@dataclass(frozen=True)
class Behaviour:
    """A known behaviour (DESIGN 2.5) the fit must keep: ``readout`` of ``cytokines`` at
    ``time`` with ``knockouts``, relative to the wild type (``relative_to="wild type"``)
    or to its own peak (``relative_to="peak"``), at least ``minimum`` or at most
    ``maximum``. Enforced as a penalty beside the data residuals, never counted in
    the reported -log L or chi2."""

    name: str
    source: str
    cytokines: dict[str, str]
    readout: str
    time: float
    relative_to: str  # "wild type" or "peak"
    knockouts: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def value(self, model, overrides: Mapping[str, float]) -> float:
        t_end = max(self.time, 120.0)
        points = int(round(t_end * 2)) + 1
        df = model.simulate(cytokines=self.cytokines, knockouts=list(self.knockouts) or None,
                            parameters=dict(overrides), t_end=t_end, points=points, readouts=[self.readout])
        at = float(np.interp(self.time, df["time"], df[self.readout]))
        if self.relative_to == "peak":
            return at / float(df[self.readout].max())
        wt = model.simulate(cytokines=self.cytokines, parameters=dict(overrides), t_end=t_end, points=points,
                            readouts=[self.readout])
        return at / float(np.interp(self.time, wt["time"], wt[self.readout]))

    def penalty(self, value: float) -> float:
        """0 when the behaviour holds; grows with the log-distance from its bound."""
        if not math.isfinite(value) or value <= 0:
            return PENALTY_WEIGHT * 10
        if self.minimum is not None and value < self.minimum:
            return PENALTY_WEIGHT * math.log(self.minimum / value)
        if self.maximum is not None and value > self.maximum:
            return PENALTY_WEIGHT * math.log(value / self.maximum)
        return 0.0


PENALTY_WEIGHT = 100.0  # a 1% violation costs ~0.5 in -log L units


BOUNDS_FILE = "parameter_bounds.tsv"  # in models/: id, lower, upper, unit, reason


def parameter_bounds(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The physiological range of every calibrated parameter (models/parameter_bounds.tsv),
    indexed by parameter id: lower, upper (models/parameters.tsv units), unit, and the
    reason (a source or an explicit assumption). Fits are confined to these ranges,
    which are biology, not numerical boxes: a fit that ends at one is a finding
    (docs/calibration.md, "Parameters at their physiological bounds")."""
    from . import catalog

    path = Path(path) if path is not None else catalog.models_dir() / BOUNDS_FILE
    if not path.exists():
        raise InputError(f"no parameter bounds table at {path}")
    table = pd.read_csv(path, sep="\t", dtype={"id": str, "unit": str, "reason": str}, keep_default_na=False)
    missing = {"id", "lower", "upper", "unit", "reason"} - set(table.columns)
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    duplicated = table["id"][table["id"].duplicated()].tolist()
    if duplicated:
        raise InputError(f"{path} has more than one row for {', '.join(duplicated)}")
    table = table.set_index("id")
    table["lower"] = pd.to_numeric(table["lower"], errors="coerce")
    table["upper"] = pd.to_numeric(table["upper"], errors="coerce")
    bad = table.index[~((table["lower"] > 0) & (table["upper"] > table["lower"]))].tolist()
    if bad:
        raise InputError(f"{path}: bounds must satisfy 0 < lower < upper (fits are on log10 scale); "
                         f"not so for {', '.join(bad)}")
    return table


def bounds_for(parameters: Sequence[str], path: str | os.PathLike | None = None) -> dict[str, tuple[float, float]]:
    """(lower, upper) of each of ``parameters`` from models/parameter_bounds.tsv;
    an InputError names every parameter without a row there (or without a reason)."""
    table = parameter_bounds(path)
    missing = [p for p in parameters if p not in table.index]
    if missing:
        raise InputError(f"no physiological bounds for the fitted parameter(s) {', '.join(missing)}: add a row "
                         f"(id, lower, upper, unit, reason with a source or an explicit assumption) to "
                         f"models/{BOUNDS_FILE}")
    unexplained = [p for p in parameters if not str(table.loc[p, "reason"]).strip()]
    if unexplained:
        raise InputError(f"models/{BOUNDS_FILE} gives no reason for the bounds of {', '.join(unexplained)}")
    return {p: (float(table.loc[p, "lower"]), float(table.loc[p, "upper"])) for p in parameters}


@dataclass(frozen=True)
class Calibration:
    """Which parameters of which context a dataset calibrates. Their bounds are the
    physiological ranges of models/parameter_bounds.tsv (:func:`bounds_for`), read
    when first asked for."""

    dataset: str
    context: str
    fitted: tuple[str, ...]  # parameter ids of models/parameters.tsv
    behaviours: tuple[Behaviour, ...] = ()
    starts: int = 12  # multi-start size of the full calibration
    max_nfev: int = 60  # least_squares iterations per start (Jacobians not counted)
    seed: int = 2017

    @property
    def parameters(self) -> list[str]:
        return list(self.fitted)

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """parameter -> (lower, upper) in parameters.tsv units, from models/parameter_bounds.tsv."""
        return bounds_for(self.fitted)


SOBOTTA = Calibration(
    dataset="Sobotta_Frontiers2017",
    context="hepatocyte",
    fitted=(
        # receptor amounts and IL-6 binding
        "IL6R_total", "IL6ST_total", "Kd_IL6_IL6R",
        # receptor activation, inactivation, turnover
        "kact_receptor", "kcat_SHP2", "kint_active", "kdeg_receptor",
        # STAT3 phosphorylation, import, export, dephosphorylation
        "kcat_IL6R", "kimp_dimer", "kimp_basal", "kexp", "kcat_TCPTP", "kdeph_cyt",
        # SOCS3: transcription, mRNA and protein turnover, inhibition of gp130
        "K_tx", "v_tx_SOCS3", "kdeg_mRNA", "kdeg_SOCS", "kon_SOCS3", "kdeg_SOCS_complex",
    ),
    starts=10,
    max_nfev=50,
    # DESIGN 2.5 behaviours 2 and 3 (tests/test_behaviours.py), with a margin: the
    # data alone let receptor internalisation, not SOCS3, end the signal.
    behaviours=(
        Behaviour("SOCS3 knockout keeps IL-6 pSTAT3 high",
                  "Croker et al., Nat Immunol 2003; Yasukawa et al., Nat Immunol 2003 (DESIGN 2.5.3: >= 2x)",
                  {"IL6": "40 ng/mL"}, "pSTAT3", 120.0, "wild type", knockouts=("SOCS3",), minimum=2.5),
        Behaviour("IL-6 pSTAT3 falls below half its peak by 90 min",
                  "Sobotta 2017 time courses; Braun et al., JBC 2013 (DESIGN 2.5.2: < 0.5)",
                  {"IL6": "40 ng/mL"}, "pSTAT3", 90.0, "peak", maximum=0.45),
    ),
)

RAIA = Calibration(
    dataset="Raia_CancerResearch2011",
    context="lymphoma",
    fitted=(
        # receptor chains, their JAKs and IL-13 binding
        "IL13RA1_total", "IL4R_total", "JAK2_total", "TYK2_total", "Kd_IL13_IL13RA1",
        # receptor activation, inactivation, internalisation, turnover
        "kact_receptor", "kcat_PTP1B", "kint_active", "kdeg_receptor",
        # STAT5 phosphorylation by the IL-13 receptor, import, dephosphorylation
        "kcat_IL4R_typeII_STAT5", "kcat_PTP1B_STAT", "kimp_dimer", "kdeph_nuc",
        # SOCS3: STAT5-driven transcription, turnover, inhibition of JAK2
        # (the maximal SOCS3 rate v_tx_SOCS3 stays: only w_SOCS3_STAT5 x v_tx_SOCS3 shows in these data)
        "w_SOCS3_STAT5", "K_tx", "kdeg_mRNA", "kdeg_SOCS", "kon_SOCS3_JAK2", "kdeg_SOCS_complex",
    ),
    starts=16,
    max_nfev=100,
    seed=2011,
)

CALIBRATIONS = {c.dataset: c for c in (SOBOTTA, RAIA)}

NOT_EXPRESSIBLE = {
    "Boehm_JProteomeRes2014": (
        "BaF3 cells stimulated with erythropoietin (Epo): the phosphorylation of STAT5A and STAT5B by the "
        "Epo receptor (EPOR/JAK2) and the fractions of STAT5A/B homo- and heterodimers measured by mass "
        "spectrometry. Our network has STAT5A, STAT5B and all three dimers, but no EPO or EPOR, so no input "
        "drives STAT5 in this experiment; IL-2 or IL-13 receptors would be another cell's biology (BaF3 lacks "
        "the IL-2 receptor beta chain). It would take an EPO/EPOR module (Epo binding, EPOR-JAK2 activation, "
        "Epo depletion by internalisation, as in Boehm 2014 and Becker 2010), a BaF3 context, and the "
        "observables' specC17 correction for the STAT5A antibody cross-reactivity; STAT5 dimer import, "
        "dephosphorylation and export already exist and would be fitted."
    ),
    "Bachmann_MSB2011": (
        "CFU-E erythroid progenitors stimulated with Epo: EPOR-JAK2 activation, STAT5, and the CISH and "
        "SOCS3 feedbacks (CISH competes with STAT5 at EPOR, SOCS3 inhibits JAK2 at EPOR), SHP-1, with "
        "actinomycin D and overexpression experiments. Our network has JAK2, STAT5, CISH, SOCS3 and SHP-1 "
        "(PTPN6), and now STAT5-driven SOCS3 transcription (w_SOCS3_STAT5), but no EPO/EPOR, so no experiment "
        "of the dataset has an input in our model. It would take an EPO/EPOR module with its two "
        "phosphotyrosine states (EPOR pY1/pY2 for SOCS3 and CISH docking), CISH and SOCS3 acting on it, "
        "actinomycin D as a transcription block, an erythroid context, and a transcriptional delay for the "
        "feedback mRNAs; most of the 113 parameters of the published fit would then have counterparts."
    ),
}

ALL_DATASETS = ("Sobotta_Frontiers2017", "Raia_CancerResearch2011", "Boehm_JProteomeRes2014", "Bachmann_MSB2011")


def calibration(dataset: str) -> Calibration:
    try:
        return CALIBRATIONS[dataset]
    except (KeyError, TypeError):
        raise UnknownNameError("calibrated dataset", dataset, list(CALIBRATIONS)) from None


# ----------------------------------------------------------------------------- objective


class Objective:
    """-log L of our model on a dataset as a function of log10 parameter values.

    Offsets and scales are profiled for every evaluation; noise levels are the
    published ones. A failed simulation gives an infinite objective (and large
    residuals), so optimisers step back from parameter regions the solver
    cannot handle.
    """

    def __init__(self, dataset: str, *, model=None, data_dir: str | os.PathLike | None = None,
                 parameters: Sequence[str] | None = None):
        from .model import load_model

        spec = calibration(dataset)
        self.spec = spec
        self.model = model if model is not None else load_model(context=spec.context)
        if self.model.context != spec.context:
            raise InputError(f"{dataset} calibrates context {spec.context!r}, not {self.model.context!r}")
        self.parameters = list(parameters) if parameters is not None else spec.parameters
        unknown = [p for p in self.parameters if p not in spec.fitted]
        if unknown:
            raise UnknownNameError(f"parameter calibrated on {dataset}", unknown[0], spec.parameters)
        self.dataset = pp.dataset(dataset)
        self.problem = pp.petab_problem(self.model, dataset, data_dir=data_dir)
        self.observations = pp.observations(self.problem)
        quantities = {o: self.dataset.observables[o].quantity for o in self.problem.observable_df.index}
        self.simulator = pp.Simulator(self.model, self.problem.measurement_df, self.problem.condition_df,
                                      quantities)
        bounds = spec.bounds  # models/parameter_bounds.tsv
        self.lower = np.log10([bounds[p][0] for p in self.parameters])
        self.upper = np.log10([bounds[p][1] for p in self.parameters])
        self.evaluations = 0

    def start(self) -> np.ndarray:
        """log10 of the context's current values, clipped into the bounds."""
        values = self.model.parameter_values()
        return np.clip(np.log10([values[p] for p in self.parameters]), self.lower, self.upper)

    def values(self, x: np.ndarray) -> dict[str, float]:
        return {p: float(10.0**v) for p, v in zip(self.parameters, np.asarray(x, float))}

    def fit(self, x: np.ndarray | Mapping[str, float] | None = None) -> Fit:
        """Likelihood at log10 parameters ``x`` (or a mapping of values; None: current)."""
        overrides = (x if isinstance(x, Mapping) else self.values(x)) if x is not None else {}
        self.evaluations += 1
        try:
            q = self.simulator.values(overrides)
        except SimulationError:
            q = np.full(self.simulator.n, np.nan)
        return profile(self.observations, q)

    def penalties(self, x: np.ndarray | Mapping[str, float] | None = None) -> np.ndarray:
        """One penalty per behaviour of the calibration (0 where it holds)."""
        overrides = (x if isinstance(x, Mapping) else self.values(x)) if x is not None else {}
        out = []
        for b in self.spec.behaviours:
            try:
                out.append(b.penalty(b.value(self.model, overrides)))
            except SimulationError:
                out.append(PENALTY_WEIGHT * 10)
        return np.array(out)

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """Profiled data residuals and the behaviours' penalties: half their sum of
        squares is the optimised cost."""
        return np.concatenate([self.fit(x).least_squares_residuals(), self.penalties(x)])

    def cost(self, x: np.ndarray) -> float:
        """-log L plus half the squared penalties (what the optimiser minimises, up to a constant)."""
        return self.fit(x).nllh + 0.5 * float(np.sum(self.penalties(x) ** 2))


# ----------------------------------------------------------------------------- one start


@dataclass
class StartResult:
    start: int
    x0: np.ndarray
    x: np.ndarray
    nllh: float  # data only
    chi2: float
    cost: float  # nllh + half the squared behaviour penalties: what was minimised
    evaluations: int
    seconds: float
    message: str


def fit_start(objective: Objective, x0: np.ndarray, *, max_nfev: int | None = None, start: int = 0) -> StartResult:
    """One local optimisation (trust-region reflective least squares) from ``x0``."""
    from scipy.optimize import least_squares

    t0 = time.perf_counter()
    before = objective.evaluations
    x0 = np.clip(np.asarray(x0, float), objective.lower, objective.upper)
    first = objective.fit(x0)
    if not math.isfinite(first.nllh):
        return StartResult(start, x0, x0, math.inf, math.inf, math.inf, objective.evaluations - before,
                           time.perf_counter() - t0, "simulation failed at the start")
    first_cost = objective.cost(x0)
    res = least_squares(objective.residuals, x0, bounds=(objective.lower, objective.upper), method="trf",
                        diff_step=1e-3, x_scale=1.0, max_nfev=max_nfev or objective.spec.max_nfev,
                        xtol=1e-8, ftol=1e-8, gtol=1e-8)
    x = res.x
    cost = objective.cost(x)
    if cost > first_cost:  # never report a start worse than where it began
        x, cost = x0, first_cost
    best = objective.fit(x)
    return StartResult(start, x0, x, best.nllh, best.chi2, cost, objective.evaluations - before,
                       time.perf_counter() - t0, str(res.message))


# ----------------------------------------------------------------------------- multi-start

_WORKER: dict[str, Objective] = {}


def _worker_objective(dataset: str, data_dir) -> Objective:
    key = f"{dataset}|{data_dir}"
    if key not in _WORKER:
        _WORKER[key] = Objective(dataset, data_dir=data_dir)
    return _WORKER[key]


def _run_start(dataset: str, data_dir, start: int, x0: np.ndarray, max_nfev: int) -> StartResult:
    return fit_start(_worker_objective(dataset, data_dir), x0, max_nfev=max_nfev, start=start)


def start_points(objective: Objective, starts: int, seed: int) -> list[np.ndarray]:
    """Start 0 is the context's current values (the stored optimum once calibrated);
    the others a Latin hypercube over the log10 bounds."""
    from scipy.stats import qmc

    points = [objective.start()]
    if starts > 1:
        sample = qmc.LatinHypercube(d=len(objective.parameters), seed=seed).random(starts - 1)
        points += list(qmc.scale(sample, objective.lower, objective.upper))
    return points


@dataclass
class CalibrationResult:
    dataset: str
    context: str
    parameters: list[str]
    lower: np.ndarray
    upper: np.ndarray
    starts: list[StartResult]
    seconds: float  # wall time of the multi-start
    n_jobs: int = 1
    max_nfev: int = 0
    seed: int = 0

    @property
    def best(self) -> StartResult:
        return min(self.starts, key=lambda s: (s.cost, s.start))

    def best_values(self) -> dict[str, float]:
        return {p: float(10.0**v) for p, v in zip(self.parameters, self.best.x)}

    def table(self) -> pd.DataFrame:
        """One row per start, best first: -log L, chi2, cost, and the log10 values reached."""
        rows = []
        for s in self.starts:
            row = {"start": s.start, "cost": s.cost, "nllh": s.nllh, "chi2": s.chi2, "evaluations": s.evaluations,
                   "seconds": round(s.seconds, 1), "message": s.message}
            row.update({f"log10_{p}": float(v) for p, v in zip(self.parameters, s.x)})
            row.update({f"start_log10_{p}": float(v) for p, v in zip(self.parameters, s.x0)})
            rows.append(row)
        return pd.DataFrame(rows).sort_values(["cost", "start"]).reset_index(drop=True)


def read_result(dataset: str, folder: str | os.PathLike) -> CalibrationResult:
    """The multi-start result written by :func:`write_results` (multistart.tsv), to
    rewrite tables and plots without fitting again."""
    spec = calibration(dataset)
    path = Path(folder) / "multistart.tsv"
    if not path.exists():
        raise InputError(f"no multi-start table at {path}: run the calibration first")
    table = pd.read_csv(path, sep="\t").sort_values("start")
    starts = []
    for _, r in table.iterrows():
        x = np.array([r[f"log10_{p}"] for p in spec.parameters], float)
        x0 = np.array([r.get(f"start_log10_{p}", r[f"log10_{p}"]) for p in spec.parameters], float)
        starts.append(StartResult(int(r["start"]), x0, x, float(r["nllh"]), float(r["chi2"]), float(r["cost"]),
                                  int(r["evaluations"]), float(r["seconds"]), str(r["message"])))
    bounds = spec.bounds
    lower = np.log10([bounds[p][0] for p in spec.parameters])
    upper = np.log10([bounds[p][1] for p in spec.parameters])
    run = pd.read_csv(Path(folder) / "run.tsv", sep="\t").set_index("key")["value"] \
        if (Path(folder) / "run.tsv").exists() else pd.Series(dtype=object)
    return CalibrationResult(dataset, spec.context, spec.parameters, lower, upper, starts,
                             float(run.get("wall_seconds", math.nan)), int(run.get("n_jobs", 1)),
                             int(run.get("max_nfev", 0)), int(run.get("seed", 0)))


def calibrate(dataset: str, *, starts: int | None = None, n_jobs: int = 1, max_nfev: int | None = None,
              seed: int | None = None, data_dir: str | os.PathLike | None = None,
              progress=None) -> CalibrationResult:
    """Multi-start fit of ``dataset``'s parameters (:data:`CALIBRATIONS`).

    ``starts`` local optimisations (default: the dataset's full budget), start 0
    from the context's current values, in ``n_jobs`` processes; ``max_nfev``
    least-squares iterations per start. ``progress`` is called with each finished
    :class:`StartResult`.
    """
    spec = calibration(dataset)
    starts = spec.starts if starts is None else int(starts)
    if starts < 1:
        raise InputError(f"starts must be >= 1, got {starts}")
    max_nfev = spec.max_nfev if max_nfev is None else int(max_nfev)
    if max_nfev < 1:
        raise InputError(f"max_nfev must be >= 1, got {max_nfev}")
    seed = spec.seed if seed is None else int(seed)
    t0 = time.perf_counter()
    objective = _worker_objective(dataset, None if data_dir is None else str(data_dir))
    points = start_points(objective, starts, seed)
    results: list[StartResult] = []
    if n_jobs == 1 or starts == 1:
        for i, x0 in enumerate(points):
            results.append(fit_start(objective, x0, max_nfev=max_nfev, start=i))
            if progress:
                progress(results[-1])
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from .parallel import _process_context as process_context  # the batch runs' fork server

        workers = min(n_jobs if n_jobs > 0 else (os.cpu_count() or 1), starts)
        with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
            futures = [pool.submit(_run_start, dataset, None if data_dir is None else str(data_dir), i, x0,
                                   max_nfev) for i, x0 in enumerate(points)]
            for f in as_completed(futures):
                results.append(f.result())
                if progress:
                    progress(results[-1])
    results.sort(key=lambda s: s.start)
    return CalibrationResult(dataset, spec.context, objective.parameters, objective.lower, objective.upper,
                             results, time.perf_counter() - t0, n_jobs, max_nfev, seed)


# ----------------------------------------------------------------------------- identifiability

IDENTIFIABLE_SE = 0.5  # log10 units: a standard error above half a decade counts as poorly identified
AT_BOUND = 0.01  # log10 units: within 2.3% of a bound counts as at it (a finding, docs/calibration.md)
SPREAD_DELTA = 1.92  # -log L units: starts within the 95% likelihood-ratio threshold of one parameter


def identifiability(objective: Objective, result: CalibrationResult) -> pd.DataFrame:
    """Per fitted parameter: best value, bounds, Gauss-Newton standard error of
    log10(value) at the optimum (from the profiled residuals' Jacobian: the
    inverse Fisher information), and the range over starts that reached the
    optimum's neighbourhood (-log L within :data:`SPREAD_DELTA`)."""
    x = result.best.x
    r0 = objective.residuals(x)
    step = 1e-3
    jac = np.empty((r0.size, x.size))
    for j in range(x.size):
        xp = x.copy()
        h = step if xp[j] + step <= objective.upper[j] else -step
        xp[j] += h
        jac[:, j] = (objective.residuals(xp) - r0) / h
    fisher = jac.T @ jac
    cov = np.linalg.pinv(fisher, rcond=1e-12)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    near = [s for s in result.starts if s.cost <= result.best.cost + SPREAD_DELTA]
    spread = np.array([s.x for s in near])
    rows = []
    for j, p in enumerate(result.parameters):
        at_bound = x[j] <= objective.lower[j] + AT_BOUND or x[j] >= objective.upper[j] - AT_BOUND
        well = se[j] <= IDENTIFIABLE_SE and not at_bound
        rows.append({"parameter": p, "value": float(10.0 ** x[j]), "log10_value": float(x[j]),
                     "lower": float(10.0 ** objective.lower[j]), "upper": float(10.0 ** objective.upper[j]),
                     "se_log10": float(se[j]), "starts_near_optimum": len(near),
                     "log10_min_near": float(spread[:, j].min()), "log10_max_near": float(spread[:, j].max()),
                     "at_bound": bool(at_bound),
                     "identifiability": "identified" if well else ("at bound" if at_bound else "poorly identified")})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    """Our best fit and the published model's on the same measurements."""

    dataset: str
    table: pd.DataFrame  # model, nllh, chi2, n (+ prior_nllh for the published reference)
    measurements: pd.DataFrame  # the measurements compared (the published problem's rows)
    ours: Fit | None
    published: Fit  # offsets/scales profiled, like ours
    published_nominal: Fit

    @property
    def chi2_ratio(self) -> float:
        """Our chi2 over the published model's (offsets and scales profiled for both)."""
        return self.ours.chi2 / self.published.chi2 if self.ours is not None else math.nan


def compare(dataset: str, *, objective: Objective | None = None, values: Mapping[str, float] | None = None,
            data_dir: str | os.PathLike | None = None) -> Comparison:
    """-log L, chi2 and n of our model (at ``values``, default: the context's
    current ones) beside the published model on the same measurements and noise.

    For datasets our network cannot express (:data:`NOT_EXPRESSIBLE`) only the
    published model is evaluated, on all its measurements, with its prior.
    """
    from .published import PublishedModel

    if dataset not in ALL_DATASETS:
        raise UnknownNameError("dataset", dataset, list(ALL_DATASETS))
    published = PublishedModel(dataset, data_dir)
    rows = []
    ours = None
    if dataset in CALIBRATIONS:
        objective = objective or Objective(dataset, data_dir=data_dir)
        ours = objective.fit(values)
        kept = pp.select_measurements(dataset, data_dir)
        measurements = published.problem.measurement_df.loc[kept.index[kept["reason"] == ""]]
        prior = 0.0
    else:
        measurements = published.problem.measurement_df
        prior = published.prior_nllh()
    nominal = published.nominal_fit(measurements)
    obs, q = published.observations(measurements)
    profiled = profile(obs, q)
    if ours is not None:
        rows.append({"model": "ours (calibrated)", "nllh": ours.nllh, "chi2": ours.chi2, "n": ours.n,
                     "prior_nllh": 0.0})
    rows.append({"model": "published, offsets/scales profiled", "nllh": profiled.nllh, "chi2": profiled.chi2,
                 "n": profiled.n, "prior_nllh": 0.0})
    rows.append({"model": "published, as published", "nllh": nominal.nllh + prior, "chi2": nominal.chi2,
                 "n": nominal.n, "prior_nllh": prior})
    table = pd.DataFrame(rows)
    table["chi2_over_published"] = table["chi2"] / profiled.chi2
    return Comparison(dataset, table, measurements, ours, profiled, nominal)


# ----------------------------------------------------------------------------- curves for plots

CURVE_POINTS = 121


def _series_labels(dataset: str, data_dir) -> dict[str, str]:
    """Condition id -> legend label (dose)."""
    if dataset in pp.DATASETS:
        ds = pp.dataset(dataset)
        rows = pp.select_measurements(dataset, data_dir)
        doses = rows.drop_duplicates("simulationConditionId").set_index("simulationConditionId")["dose_ng_per_mL"]
        return {cid: f"{ds.cytokine} {d:g} ng/mL" for cid, d in doses.items()}
    from .published import PublishedModel

    cond = PublishedModel(dataset, data_dir).problem.condition_df
    labels = {}
    for cid, row in cond.iterrows():
        name = row.get("conditionName")
        epo = row.get("Epo")
        label = str(name) if isinstance(name, str) and name else str(cid)
        labels[cid] = f"{label}, Epo {epo:g}" if epo is not None and not pd.isna(epo) else label
    return labels


def _dense(rows: pd.DataFrame, keys: list[str], points: int) -> pd.DataFrame:
    """For each group of ``rows`` sharing ``keys``: the same row at ``points`` times from 0 to its last time."""
    out = []
    for _, g in rows.groupby(keys, sort=False, dropna=False):
        t_end = float(g["time"].max()) or 1.0
        times = np.linspace(0.0, t_end, points)
        d = pd.DataFrame({k: g[k].iloc[0] for k in rows.columns}, index=range(points))
        d["time"] = times
        d["measurement"] = 1.0
        out.append(d)
    return pd.concat(out, ignore_index=True) if out else rows.iloc[:0]


def fit_curves(comparison: Comparison, *, objective: Objective | None = None,
               values: Mapping[str, float] | None = None, data_dir=None,
               points: int = CURVE_POINTS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy data points and model curves (ours at ``values``, the published model with
    its profiled offsets/scales) for :func:`jakstat_sbml.plots.calibration_fits`."""
    from types import SimpleNamespace

    from .published import PublishedModel

    dataset = comparison.dataset
    labels = _series_labels(dataset, data_dir)
    published = PublishedModel(dataset, data_dir)
    m = comparison.measurements.copy()
    if objective is not None:
        m["panel"] = objective.problem.measurement_df["datasetId"].to_numpy()
    elif "datasetId" in m and m["datasetId"].notna().all():
        m["panel"] = m["datasetId"]
    else:
        m["panel"] = m["simulationConditionId"].map(labels)
    m["series"] = m["simulationConditionId"].map(labels)
    data = m[["observableId", "panel", "series", "time", "measurement"]].reset_index(drop=True)

    curves = []
    keys = ["observableId", "simulationConditionId", "observableParameters", "panel"]
    pub_rows = m.copy()
    pub_rows["observableParameters"] = pub_rows["observableParameters"].astype(object).fillna("") \
        if "observableParameters" in pub_rows else ""
    dense = _dense(pub_rows, keys, points)
    obs, q = published.observations(dense.drop(columns=["panel", "series"]))
    h = observe(obs, q, comparison.published.nuisance)
    curves.append(pd.DataFrame({"observableId": dense["observableId"], "panel": dense["panel"],
                                "series": dense["simulationConditionId"].map(labels), "model": "published",
                                "time": dense["time"], "value": h}))
    if objective is not None and comparison.ours is not None:
        ours = objective.problem.measurement_df.copy()
        ours["panel"] = ours["datasetId"]
        dense = _dense(ours, keys, points)
        quantities = {o: objective.dataset.observables[o].quantity for o in objective.problem.observable_df.index}
        sim = pp.Simulator(objective.model, dense, objective.problem.condition_df, quantities)
        q = sim.values(values or {})
        shaped = SimpleNamespace(measurement_df=dense, parameter_df=objective.problem.parameter_df,
                                 observable_df=objective.problem.observable_df)
        h = observe(pp.observations(shaped), q, comparison.ours.nuisance)
        curves.insert(0, pd.DataFrame({"observableId": dense["observableId"], "panel": dense["panel"],
                                       "series": dense["simulationConditionId"].map(labels), "model": "ours",
                                       "time": dense["time"], "value": h}))
    return data, pd.concat(curves, ignore_index=True)


# ----------------------------------------------------------------------------- results

def observable_labels(dataset: str, observable: str) -> tuple[str, str]:
    """(figure title, y axis label with unit) of an observable."""
    if dataset in pp.DATASETS and observable in pp.dataset(dataset).observables:
        o = pp.dataset(dataset).observables[observable]
        if o.form == "absolute":
            unit = "% of STAT3" if "100 *" in o.quantity else "nuclear/cytoplasmic"
        else:
            unit = "a.u."
        return f"{dataset}: {o.meaning}", f"{observable} ({unit})"
    return f"{dataset}: {observable}", f"{observable} (units of the data)"


def write_results(dataset: str, folder: str | os.PathLike, *, result: CalibrationResult | None = None,
                  objective: Objective | None = None, values: Mapping[str, float] | None = None,
                  data_dir: str | os.PathLike | None = None, command: str = "") -> Path:
    """Write a dataset's results to ``folder``: objective table (ours at ``values``,
    default the context's current ones, vs published), parameters with
    identifiability, multi-start table, offsets/scales, plots of the data with
    both fits, and a README. Returns the folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plots

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expressible = dataset in CALIBRATIONS
    if expressible and objective is None:
        objective = Objective(dataset, data_dir=data_dir)
    comparison = compare(dataset, objective=objective, values=values, data_dir=data_dir)
    comparison.table.to_csv(folder / "objective.tsv", sep="\t", index=False, float_format="%.6g")
    ident = None
    if result is not None:
        result.table().to_csv(folder / "multistart.tsv", sep="\t", index=False, float_format="%.6g")
        pd.DataFrame({"key": ["dataset", "starts", "n_jobs", "max_nfev", "seed", "wall_seconds"],
                      "value": [dataset, len(result.starts), result.n_jobs, result.max_nfev, result.seed,
                                round(result.seconds, 1)]}).to_csv(folder / "run.tsv", sep="\t", index=False)
        ident = identifiability(objective, result)
        before = next(s for s in result.starts if s.start == 0).x0  # the context's values, clipped to the bounds
        ident.insert(1, "start_value", 10.0 ** before)
        ident.to_csv(folder / "parameters.tsv", sep="\t", index=False, float_format="%.6g")
        fig = plots.multistart_waterfall([s.nllh for s in result.starts if math.isfinite(s.nllh)])
        fig.savefig(folder / "multistart.png", dpi=110)
        plt.close(fig)
    if comparison.ours is not None:
        pd.Series(comparison.ours.nuisance, name="value").rename_axis("parameter").to_csv(
            folder / "offsets_and_scales.tsv", sep="\t", float_format="%.6g")
    data, curves = fit_curves(comparison, objective=objective if expressible else None, values=values,
                              data_dir=data_dir)
    from .published import PublishedModel

    transformations = PublishedModel(dataset, data_dir).problem.observable_df["observableTransformation"]
    figures = []
    for observable, pts in data.groupby("observableId", sort=False):
        log = transformations.get(observable, "lin") == "log10"
        title, ylabel = observable_labels(dataset, observable)
        fig = plots.calibration_fits(pts, curves[curves["observableId"] == observable], title=title,
                                     ylabel=ylabel, log=log)
        name = f"fit_{observable}.png"
        fig.savefig(folder / name, dpi=90)
        plt.close(fig)
        figures.append(name)
    (folder / "README.md").write_text(_readme(dataset, comparison, result, ident, figures, data_dir, command))
    return folder


def _markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(lines)


def _readme(dataset, comparison: Comparison, result, ident, figures, data_dir, command) -> str:
    out = [f"# Calibration: {dataset}", "",
           f"Reproduce: `jakstat calibrate {dataset} --store --out docs/calibration` (every dataset: "
           "`make calibrate`)." + (f" This folder was written by `{command}`." if command else ""), ""]
    out += ["## Objective (same measurements, same published noise levels)", "",
            _markdown(comparison.table), "",
            "-log L is PEtab's (normal noise on the observable's scale, with the log-Jacobian term of log10 "
            "observables); chi2 is the sum of squared weighted residuals. Offsets and scales of the blots are "
            "profiled for both models; 'as published' uses the published model's own fitted values.", ""]
    if dataset in NOT_EXPRESSIBLE:
        out += ["## Why our model is not fitted to this dataset", "", NOT_EXPRESSIBLE[dataset], ""]
    else:
        ds = pp.dataset(dataset)
        rows = pp.select_measurements(dataset, data_dir)
        counts = rows.groupby("reason").size()
        ratio = comparison.chi2_ratio
        out += [f"Our chi2 is {ratio:.3f} x the published model's (criterion: within 1.5 x).", "",
                f"## Measurements: {int(counts.get('', 0))} of {len(rows)} kept", ""]
        out += [f"- {n} left out: {reason}" for reason, n in counts.items() if reason]
        out += ["", "What of the published model our model does not express:", ""]
        out += [f"- {x}" for x in ds.not_expressed]
        out += [""]
    if result is not None:
        good = sum(s.cost <= result.best.cost + SPREAD_DELTA for s in result.starts)
        out += [f"## Multi-start: {len(result.starts)} starts, {good} within {SPREAD_DELTA} of the best "
                f"(-log L {result.best.nllh:.3f}); {result.seconds / 60:.0f} min wall time on {result.n_jobs} "
                f"processes, up to {result.max_nfev} iterations per start", "",
                "Start 0 begins at the context's values before the fit (clipped into the bounds); the others at a "
                "Latin hypercube over the log10 of the bounds. The bounds are physiological ranges, each with its "
                "source or stated assumption, from models/parameter_bounds.tsv. See multistart.tsv and "
                "multistart.png.", "",
                "## Fitted parameters and identifiability", "",
                "se_log10: Gauss-Newton standard error of log10(value) at the optimum (inverse Fisher "
                f"information of the profiled residuals); above {IDENTIFIABLE_SE} (a factor of "
                f"{10**IDENTIFIABLE_SE:.1f}) the data do not pin the value down. log10_min/max_near: range over "
                "the starts that reached the optimum's neighbourhood.", "",
                _markdown(ident[["parameter", "lower", "upper", "start_value", "value", "se_log10",
                                 "log10_min_near", "log10_max_near", "identifiability"]]), ""]
        at_bound = ident.loc[ident["at_bound"], ["parameter", "value", "lower", "upper"]]
        if len(at_bound):
            out += ["Parameters that end at a physiological bound (a finding, discussed in docs/calibration.md, "
                    "\"Parameters at their physiological bounds\"): " + ", ".join(
                        f"{r.parameter} {r.value:.4g} ({'lower' if r.value <= math.sqrt(r.lower * r.upper) else 'upper'}"
                        f" bound {r.lower if r.value <= math.sqrt(r.lower * r.upper) else r.upper:g})"
                        for r in at_bound.itertuples()) + ".", ""]
        else:
            out += ["No parameter ends at its physiological bound.", ""]
    out += ["## Plots", ""] + [f"![{f}]({f})" for f in figures] + [""]
    return "\n".join(out)


def store_in_contexts(result: CalibrationResult, path: str | os.PathLike | None = None,
                      significant: int = 6) -> dict[str, float]:
    """Write the best values into models/contexts.tsv as the context's defaults,
    source ``calibrated:<dataset> (...)``; returns the stored (rounded) values."""
    from . import catalog

    path = Path(path) if path is not None else catalog.writable_models_dir() / "contexts.tsv"
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    stored = {p: float(f"{v:.{significant}g}") for p, v in result.best_values().items()}
    source = (f"calibrated:{result.dataset} (multi-start least squares, {len(result.starts)} starts, "
              f"-log L {result.best.nllh:.2f}; identifiability in docs/calibration/{result.dataset})")
    keep = ~((table["context"] == result.context) & table["parameter"].isin(list(stored)))
    table = table[keep]
    new = pd.DataFrame({"context": result.context, "parameter": list(stored),
                        "value": [repr(v) for v in stored.values()], "source": source})
    # New rows go after the context's last row, so each context stays together.
    last = np.flatnonzero(table["context"].to_numpy() == result.context)
    at = int(last[-1]) + 1 if last.size else len(table)
    table = pd.concat([table.iloc[:at], new, table.iloc[at:]], ignore_index=True)
    table.to_csv(path, sep="\t", index=False)
    catalog.reload_tables()
    return stored


# ----------------------------------------------------------------------------- one command

def run_dataset(dataset: str, out: str | os.PathLike, *, starts: int | None = None, n_jobs: int = 1,
                max_nfev: int | None = None, store: bool = False, rewrite: bool = False,
                data_dir: str | os.PathLike | None = None, progress=None, command: str = "") -> Path:
    """Calibrate ``dataset`` (or, for a dataset our network cannot express, evaluate
    the published model) and write the results to ``out/<dataset>``. ``store=True``
    makes the fitted values the context's defaults (models/contexts.tsv); the
    results are then computed at the stored (rounded) values. ``rewrite=True``
    fits nothing: it rewrites the folder from its multi-start table, at the
    context's current (stored) values."""
    if dataset not in ALL_DATASETS:
        raise UnknownNameError("dataset", dataset, [*ALL_DATASETS, "all"])
    folder = Path(out) / dataset
    if dataset not in CALIBRATIONS:
        return write_results(dataset, folder, data_dir=data_dir, command=command)
    if rewrite:
        return write_results(dataset, folder, result=read_result(dataset, folder), data_dir=data_dir,
                             command=command)
    result = calibrate(dataset, starts=starts, n_jobs=n_jobs, max_nfev=max_nfev, data_dir=data_dir,
                       progress=progress)
    values = result.best_values()
    objective = None
    if store:
        values = store_in_contexts(result)
        objective = Objective(dataset, data_dir=data_dir)  # reloads the context with the stored values
        values = None
    return write_results(dataset, folder, result=result, objective=objective, values=values, data_dir=data_dir,
                         command=command)


def summary(out: str | os.PathLike, datasets: Sequence[str] = ALL_DATASETS) -> pd.DataFrame:
    """One row per dataset from the results in ``out``: ours and the published model."""
    rows = []
    for d in datasets:
        path = Path(out) / d / "objective.tsv"
        if not path.exists():
            continue
        t = pd.read_csv(path, sep="\t").set_index("model")
        row = {"dataset": d}
        if "ours (calibrated)" in t.index:
            row.update({"ours_nllh": t.loc["ours (calibrated)", "nllh"], "ours_chi2": t.loc["ours (calibrated)", "chi2"]})
        else:
            row.update({"ours_nllh": math.nan, "ours_chi2": math.nan})
        pub = t.loc["published, offsets/scales profiled"]
        nominal = t.loc["published, as published"]
        row.update({"published_nllh": pub["nllh"], "published_chi2": pub["chi2"],
                    "published_as_published_nllh": nominal["nllh"], "n": int(pub["n"])})
        row["chi2_ratio"] = row["ours_chi2"] / row["published_chi2"]
        row["status"] = ("within 1.5x" if row["chi2_ratio"] <= 1.5 else "above 1.5x") if d in CALIBRATIONS \
            else "not expressible (see note)"
        rows.append(row)
    table = pd.DataFrame(rows)
    table.to_csv(Path(out) / "summary.tsv", sep="\t", index=False, float_format="%.6g")
    return table
