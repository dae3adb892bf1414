"""Multi-start calibration: local least-squares fits of the profiled objective from
the context's values and from a Latin hypercube within the physiological bounds,
in parallel processes; the identifiability of the optimum."""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..engines import DEFAULT_ENGINE
from ..errors import InputError
from ..parallel import map_in_processes
from .datasets import dataset as dataset_by_name
from ..optional import require
from .objective import Evaluations, Objective

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
    budget = max_nfev or objective.dataset.max_nfev
    if objective.gradients == "sensitivities":
        x, message = _fit_with_gradients(objective, x0, budget)
    else:
        res = least_squares(objective.residuals, x0, bounds=(objective.lower, objective.upper), method="trf",
                            diff_step=1e-3, x_scale=1.0, max_nfev=budget, xtol=1e-8, ftol=1e-8, gtol=1e-8)
        x, message = res.x, str(res.message)
    cost = objective.cost(x)
    if cost > first_cost:  # never report a start worse than where it began
        x, cost = x0, first_cost
    best = objective.fit(x)
    return StartResult(start, x0, x, best.nllh, best.chi2, cost, objective.evaluations - before,
                       time.perf_counter() - t0, message)


def _fit_with_gradients(objective: Objective, x0: np.ndarray, max_nfev: int) -> tuple[np.ndarray, str]:
    """pyPESTO's trust-region least squares (scipy's, as the finite-difference path)
    with the residuals' exact Jacobian from forward sensitivities."""
    require("pypesto", "calibration with gradients")
    import pypesto
    import pypesto.optimize

    ev = Evaluations(objective)
    problem = pypesto.Problem(objective=pypesto.Objective(fun=ev.fun, res=ev.res, sres=ev.sres),
                              lb=objective.lower, ub=objective.upper, x_names=objective.parameters)
    optimizer = pypesto.optimize.ScipyOptimizer(method="ls_trf", tol=1e-8, options={
        "maxfun": int(max_nfev), "tr_solver": "exact", "x_scale": 1.0, "xtol": 1e-8, "gtol": 1e-8})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyPESTO's notes on its history options
        result = optimizer.minimize(problem, x0, id="0")
    x = np.asarray(result.x if result.x is not None else x0, float)
    return x, str(result.message)


# ----------------------------------------------------------------------------- multi-start

_WORKER: dict[str, Objective] = {}


def _worker_objective(dataset: str, data_dir, engine: str = "roadrunner", gradients: str | None = None) -> Objective:
    key = f"{dataset}|{data_dir}|{engine}|{gradients}"
    if key not in _WORKER:
        _WORKER[key] = Objective(dataset, data_dir=data_dir, engine=engine, gradients=gradients)
    return _WORKER[key]


def _run_start(dataset: str, data_dir, start: int, x0: np.ndarray, max_nfev: int,
               engine: str = "roadrunner", gradients: str | None = None) -> StartResult:
    return fit_start(_worker_objective(dataset, data_dir, engine, gradients), x0, max_nfev=max_nfev, start=start)


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
    engine: str = "roadrunner"
    gradients: str = "finite differences"

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
    spec = dataset_by_name(dataset)
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
                             int(run.get("max_nfev", 0)), int(run.get("seed", 0)),
                             str(run.get("engine", DEFAULT_ENGINE)), str(run.get("gradients", "finite differences")))


def calibrate(dataset: str, *, starts: int | None = None, n_jobs: int = 1, max_nfev: int | None = None,
              seed: int | None = None, data_dir: str | os.PathLike | None = None,
              progress=None, engine: str = "roadrunner", gradients: str | None = None) -> CalibrationResult:
    """Multi-start fit of ``dataset``'s parameters (:data:`DATASETS`).

    ``starts`` local optimisations (default: the dataset's full budget), start 0
    from the context's current values, in ``n_jobs`` processes; ``max_nfev``
    least-squares iterations per start. ``progress`` is called with each finished
    :class:`StartResult`. ``engine="amici"`` simulates on AMICI
    (:mod:`jakstat_sbml.amici_engine`) and takes the Jacobian from its forward
    sensitivities through pyPESTO's least-squares optimiser; ``gradients=`` chooses
    (``"sensitivities"``, or ``"finite differences"``, RoadRunner's only way).
    """
    spec = dataset_by_name(dataset)
    starts = spec.starts if starts is None else int(starts)
    if starts < 1:
        raise InputError(f"starts must be >= 1, got {starts}")
    max_nfev = spec.max_nfev if max_nfev is None else int(max_nfev)
    if max_nfev < 1:
        raise InputError(f"max_nfev must be >= 1, got {max_nfev}")
    seed = spec.seed if seed is None else int(seed)
    t0 = time.perf_counter()
    objective = _worker_objective(dataset, None if data_dir is None else str(data_dir), engine, gradients)
    points = start_points(objective, starts, seed)
    results: list[StartResult] = []
    if n_jobs == 1 or starts == 1:
        for i, x0 in enumerate(points):
            results.append(fit_start(objective, x0, max_nfev=max_nfev, start=i))
            if progress:
                progress(results[-1])
    else:
        def finished(_: int, result: StartResult) -> None:
            results.append(result)
            if progress:
                progress(result)

        folder = None if data_dir is None else str(data_dir)
        map_in_processes(_run_start, [(dataset, folder, i, x0, max_nfev, engine, gradients)
                                      for i, x0 in enumerate(points)],
                         n_jobs=min(n_jobs if n_jobs > 0 else (os.cpu_count() or 1), starts), done=finished)
    results.sort(key=lambda s: s.start)
    return CalibrationResult(dataset, spec.context, objective.parameters, objective.lower, objective.upper,
                             results, time.perf_counter() - t0, n_jobs, max_nfev, seed, engine, objective.gradients)


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
