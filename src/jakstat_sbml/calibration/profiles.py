"""Calibration uncertainty: profile likelihoods of a calibrated dataset's parameters
(our walk, pyPESTO's optimizer for the re-fits, on the calibration's objective) and
the ensemble of parameter sets the data allow (the profile points within the 95%
likelihood-ratio threshold).

Each profile steps one fitted parameter (log10) away from the stored optimum, in
both directions, re-optimising all other fitted parameters at every step (scipy's
trust-region least squares through pyPESTO, started from the previous point moved
along the Gauss-Newton conditional direction),
until the cost rises more than :data:`THRESHOLD` (chi2(0.95, 1) / 2) above the
optimum or the parameter reaches its physiological bound. The cost is what the
calibration minimised: -log L plus half the squared behaviour penalties (Sobotta's
SOCS3-knockout and signal-end constraints), so ensemble members keep those
behaviours too. A profile that reaches a bound without crossing the threshold
says the data do not limit the parameter on that side: a finding, reported.

Step sizes follow the optimum's Gauss-Newton standard error se (recomputed at the
start): :data:`STEP_SCALE` x se for a parameter the data pin down (on a quadratic profile
-log L rises 0.5, then 2.0: one step inside the threshold, the second outside), and
a third of the bounds' span (:data:`MAX_STEPS` steps to a bound) for one they do not. The inner
re-optimisation is capped at ``max_nfev`` trust-region iterations: a profile point
that is not fully re-optimised lies above the true profile, so the profiles (and
the ensemble) are, if anything, narrower than the exact ones.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError, SimulationError
from ..optional import require
from .datasets import DATASETS
from .datasets import dataset as dataset_by_name
from .objective import Evaluations, Objective
from .optimise import AT_BOUND

THRESHOLD = 1.92  # chi2(0.95, df=1) / 2: the pointwise 95% likelihood-ratio threshold in -log L units
MAX_STEPS = 3  # steps from the optimum to a bound for a parameter the data do not pin down
STEP_SCALE = 1.0  # step = one Gauss-Newton standard error: -log L +0.5, +2.0 on a quadratic profile
# -log L: a stored profile whose optimum differs by more was walked from another optimum (the
# committed ones agree with theirs within 3e-5; the points are stored to 8 significant figures)
STORED_OPTIMUM_TOLERANCE = 1e-3
ENSEMBLE_FILE = "ensemble.tsv"
PROFILE_FILE = "profiles.tsv"


@dataclass
class ProfileResult:
    """Every profile point of a dataset (``points``: one row per point, the profiled
    parameter, direction, its log10 value, every fitted parameter's log10 value, cost,
    -log L, chi2 and ``delta`` = cost - optimum's cost), the optimum, and what ran."""

    dataset: str
    context: str
    parameters: list[str]
    lower: np.ndarray
    upper: np.ndarray
    optimum: np.ndarray
    optimum_cost: float
    points: pd.DataFrame
    seconds: dict[str, float]
    evaluations: int
    max_nfev: int
    skipped: list[str]

    def intervals(self, threshold: float = THRESHOLD) -> pd.DataFrame:
        """Per profiled parameter: the 95% profile-likelihood interval (log10 values and
        values) and, per side (``low_side``, ``high_side``), how it ends: ``crossed`` (the
        profile rises above ``threshold``: interpolated, quadratically from an interior
        optimum, else linearly), ``flat to bound`` (it reached the physiological bound
        below the threshold: the data do not limit the parameter there), ``at bound``
        (the optimum is at that bound: the bound, not the data, ends the interval) or
        ``open`` (the steps ran out below the threshold). ``verdict`` sums it up."""
        rows = []
        for j, p in enumerate(self.parameters):
            pts = self.points[self.points["profiled"] == p]
            if pts.empty:
                rows.append({"parameter": p, "verdict": "not profiled (budget)" if p in self.skipped
                             else "not profiled"})
                continue
            row = {"parameter": p, "value": float(10 ** self.optimum[j]), "lower_bound": float(10 ** self.lower[j]),
                   "upper_bound": float(10 ** self.upper[j])}
            interior = min(self.optimum[j] - self.lower[j], self.upper[j] - self.optimum[j]) > AT_BOUND
            for side, sign in (("low", -1), ("high", 1)):
                path = pts[pts["direction"] == sign].sort_values("step")
                xs = np.concatenate([[self.optimum[j]], path[f"log10_{p}"].to_numpy()])
                ds = np.concatenate([[0.0], path["delta"].to_numpy()])
                over = np.flatnonzero(ds > threshold)
                bound = self.lower[j] if sign < 0 else self.upper[j]
                if over.size:
                    k = int(over[0])
                    d0, d1 = max(ds[k - 1], 0.0), ds[k]
                    if k == 1 and interior:  # from an interior optimum the profile rises quadratically
                        edge = xs[0] + (xs[1] - xs[0]) * math.sqrt(threshold / d1)
                    else:  # linear between the two points around the threshold
                        edge = xs[k - 1] + (xs[k] - xs[k - 1]) * (threshold - d0) / (d1 - d0) if d1 > d0 else xs[k]
                    status = "crossed"
                elif abs(self.optimum[j] - bound) <= AT_BOUND:
                    edge, status = bound, "at bound"
                elif abs(xs[-1] - bound) < 1e-6:  # the stored points carry 8 digits
                    edge, status = bound, "flat to bound"
                else:
                    edge, status = xs[-1], "open"
                row[f"log10_{side}"], row[f"{side}_side"] = float(edge), status
                row[side] = float(10 ** edge)
            row["min_delta"] = float(min(0.0, pts["delta"].min()))
            sides = {row["low_side"], row["high_side"]}
            if sides == {"crossed"}:
                verdict = "identifiable"
            elif "crossed" in sides and "at bound" in sides:
                verdict = "identifiable, optimum at a bound"
            elif "crossed" in sides:
                verdict = "one-sided: flat to a bound" if "flat to bound" in sides else "one side open"
            else:
                verdict = "not identifiable"
            row["verdict"] = verdict
            rows.append(row)
        cols = ["parameter", "value", "low", "high", "log10_low", "log10_high", "low_side", "high_side",
                "lower_bound", "upper_bound", "min_delta", "verdict"]
        return pd.DataFrame(rows).reindex(columns=cols)

    def ensemble(self, threshold: float = THRESHOLD) -> pd.DataFrame:
        """The optimum and every profile point within ``threshold`` of it: one row per
        parameter set (``member``, where it came from, ``delta``, and each fitted
        parameter's value, not log10)."""
        keep = self.points[self.points["delta"] <= threshold]
        rows = [{"member": 0, "origin": "optimum", "delta": 0.0,
                 **{p: float(10 ** v) for p, v in zip(self.parameters, self.optimum)}}]
        for i, (_, r) in enumerate(keep.iterrows(), start=1):
            rows.append({"member": i, "origin": f"profile {r['profiled']} {'+' if r['direction'] > 0 else '-'}{r['step']}",
                         "delta": float(r["delta"]),
                         **{p: float(10 ** r[f"log10_{p}"]) for p in self.parameters}})
        return pd.DataFrame(rows)


def profile_dataset(dataset: str, parameters: Sequence[str] | None = None, *, max_nfev: int = 3,
                    budget_minutes: float | None = None, max_steps: int = MAX_STEPS, step_scale: float = STEP_SCALE,
                    folder: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None,
                    progress: Callable[[str], None] | None = None, engine: str = "roadrunner") -> ProfileResult:
    """Profile likelihoods of ``dataset``'s fitted parameters from the context's stored
    optimum (models/contexts.tsv).

    ``parameters``: which to profile, in that order (default: all fitted).
    ``max_nfev``: trust-region iterations of each re-optimisation (pyPESTO's scipy
    least-squares optimizer on the problem with the profiled parameter fixed).
    ``budget_minutes``: no new profile starts after this wall time (those left are
    listed in ``skipped``). ``step_scale`` x the Gauss-Newton standard error is the
    step (at most the span / ``max_steps``). ``folder`` (e.g.
    docs/calibration/<dataset>): each finished profile is written there as it ends
    (``profile_points/<parameter>.tsv``) and read back on a rerun instead of being
    recomputed, unless it was walked from another optimum or with other ``max_nfev``,
    ``max_steps``, ``step_scale`` or engine. ``engine="amici"``: the re-fits simulate
    on AMICI with exact Jacobians from its forward sensitivities
    (:meth:`Objective.jacobian`).
    """
    require("pypesto", "profile likelihoods")
    import pypesto
    import pypesto.optimize

    if dataset not in DATASETS:
        raise InputError(f"{dataset} is not calibrated (calibrated datasets: {', '.join(DATASETS)})")
    if max_nfev < 1 or max_steps < 1 or step_scale <= 0:
        raise InputError("max_nfev and max_steps must be >= 1 and step_scale > 0")
    t_start = time.perf_counter()
    objective = Objective(dataset, data_dir=data_dir, engine=engine)
    names = objective.parameters
    todo = list(names) if parameters is None else list(parameters)
    unknown = [p for p in todo if p not in names]
    if unknown:
        raise InputError(f"{unknown[0]!r} is not a fitted parameter of {dataset} (fitted: {', '.join(names)})")
    lower, upper = objective.lower, objective.upper
    x0 = objective.start()  # the stored optimum (the context's calibrated values)
    ev = Evaluations(objective)
    cost0, _, _ = ev.point(x0)
    if not math.isfinite(cost0):
        raise SimulationError(f"{dataset}: the stored optimum does not simulate")
    points_dir = Path(folder) / "profile_points" if folder is not None else None
    if points_dir is not None:
        points_dir.mkdir(parents=True, exist_ok=True)
    frames, seconds, skipped = [], {}, []
    walk = {"max_nfev": int(max_nfev), "max_steps": int(max_steps), "step_scale": float(step_scale),
            "engine": engine}  # what makes a walk: stored with its points
    covariance = None
    problem = pypesto.Problem(objective=pypesto.Objective(fun=ev.fun, res=ev.res, sres=ev.sres), lb=lower, ub=upper,
                              x_names=names)
    optimizer = pypesto.optimize.ScipyOptimizer(method="ls_trf", options={"maxfun": int(max_nfev),
                                                                          "tr_solver": "exact"})
    for p in todo:
        j = names.index(p)
        stored = points_dir / f"{p}.tsv" if points_dir is not None else None
        if stored is not None and stored.exists():
            frame = pd.read_csv(stored, sep="\t")
            # each point's delta is its cost over the optimum's: a profile walked from another
            # optimum (before a calibrate --store moved it) would mix into this one's threshold
            made_at = float((frame["cost"] - frame["delta"]).median()) if len(frame) else cost0
            # and a walk with other settings is another profile (files written before the
            # settings were stored do not say theirs: they are reused)
            other = {k: frame[k].iloc[0] for k, v in walk.items() if k in frame and len(frame) and
                     not _same_setting(frame[k].iloc[0], v)}
            if abs(made_at - cost0) <= STORED_OPTIMUM_TOLERANCE and not other:
                frames.append(frame)
                continue
            if progress:
                why = (f"walked from another optimum (cost {made_at:.6g}, now {cost0:.6g})"
                       if abs(made_at - cost0) > STORED_OPTIMUM_TOLERANCE else
                       "walked with " + ", ".join(f"{k} {v} (now {walk[k]})" for k, v in other.items()))
                progress(f"{p}: the stored profile was {why}: recomputed")
        if budget_minutes is not None and time.perf_counter() - t_start > 60 * budget_minutes:
            skipped.append(p)
            continue
        if covariance is None:  # Gauss-Newton covariance at the optimum: step sizes and first guesses
            jac = ev.sres(x0)
            covariance = np.linalg.pinv(jac.T @ jac, rcond=1e-12)
        t0 = time.perf_counter()
        frame = _walk(p, j, x0, cost0, covariance, lower, upper, ev, problem, optimizer, max_steps, step_scale)
        seconds[p] = time.perf_counter() - t0
        frame["seconds"] = round(seconds[p], 1)
        frame = frame.assign(**walk)
        if stored is not None:
            frame.to_csv(stored, sep="\t", index=False, float_format="%.8g")
        frames.append(frame)
        if progress:
            progress(f"{p}: {len(frame)} points, {seconds[p]:.0f} s")
    points = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["profiled", "direction", "step", "log10_value", "cost", "nllh", "chi2", "delta", "seconds"])
    if not points.empty:
        seconds.update({p: float(s) for p, s in points.groupby("profiled")["seconds"].first().items()
                        if p not in seconds})
    spec = dataset_by_name(dataset)
    return ProfileResult(dataset, spec.context, names, lower, upper, x0, cost0, points, seconds, ev.count,
                         max_nfev, skipped)


def _same_setting(stored, wanted) -> bool:
    """A walk setting read back from a profile file (numbers as written, to 8 digits) equals ``wanted``."""
    if isinstance(wanted, str):
        return str(stored) == wanted
    return math.isclose(float(stored), float(wanted), rel_tol=1e-7)


def _walk(p: str, j: int, x0: np.ndarray, cost0: float, covariance: np.ndarray, lower: np.ndarray,
          upper: np.ndarray, ev: Evaluations, problem, optimizer, max_steps: int, step_scale: float) -> pd.DataFrame:
    """Both halves of one profile. Each step fixes parameter ``j`` one step further and
    re-optimises the others with pyPESTO, starting from the previous point moved along
    the Gauss-Newton conditional direction (how the other parameters compensate, to
    first order): pyPESTO 0.7.0's own walker keeps the other parameters where they were
    for the first guess, which left the correlated receptor block of Sobotta 2017
    uncompensated within the affordable iterations (with 3 iterations one step of kcat_IL6R
    cost 120 in -log L)."""
    names = problem.x_names
    span = upper[j] - lower[j]
    se = math.sqrt(max(float(covariance[j, j]), 0.0))
    step = min(max(step_scale * se, 0.02), span / max_steps)
    direction_vector = covariance[:, j] / covariance[j, j] if covariance[j, j] > 0 else np.eye(len(x0))[j]
    rows = []
    for sign in (-1, 1):
        x = x0.copy()
        for k in range(1, max_steps + 1):
            bound = lower[j] if sign < 0 else upper[j]
            if abs(x[j] - bound) < 1e-9:
                break
            target = min(max(x[j] + sign * step, lower[j]), upper[j])
            guess = np.clip(x + (target - x[j]) * direction_vector, lower, upper)
            guess[j] = target
            problem.fix_parameters(j, target)
            try:
                result = optimizer.minimize(problem=problem, x0=guess[problem.x_free_indices], id=f"{p}{sign}{k}")
            finally:
                problem.unfix_parameters(j)
            found = np.asarray(result.x if result.x is not None else guess[problem.x_free_indices], float)
            if found.size != len(x0):
                full = guess.copy()
                full[problem.x_free_indices] = found
                found = full
            found[j] = target
            cost, nllh, chi2 = ev.point(found)
            guess_cost, guess_nllh, guess_chi2 = ev.point(guess)
            if not math.isfinite(cost) or guess_cost < cost:  # never keep a point worse than its start
                found, cost, nllh, chi2 = guess, guess_cost, guess_nllh, guess_chi2
            if not math.isfinite(cost):
                break
            x = found
            rows.append({"profiled": p, "direction": sign, "step": k, "log10_value": float(target), "cost": cost,
                         "nllh": nllh, "chi2": chi2, "delta": cost - cost0,
                         **{f"log10_{q}": float(v) for q, v in zip(names, found)}})
            if cost - cost0 > THRESHOLD:
                break
    return pd.DataFrame(rows, columns=["profiled", "direction", "step", "log10_value", "cost", "nllh", "chi2", "delta",
                                       *(f"log10_{q}" for q in names)])


def write_profiles(result: ProfileResult, folder: str | os.PathLike) -> Path:
    """Write profiles.tsv (every point), intervals.tsv (per-parameter 95% intervals and
    verdicts), ensemble.tsv (the data-compatible parameter sets) and profiles.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result.points.to_csv(folder / PROFILE_FILE, sep="\t", index=False, float_format="%.8g")
    result.intervals().to_csv(folder / "intervals.tsv", sep="\t", index=False, float_format="%.6g")
    result.ensemble().to_csv(folder / ENSEMBLE_FILE, sep="\t", index=False, float_format="%.8g")
    fig = plot_profiles(result)
    fig.savefig(folder / "profiles.png", dpi=90)
    plt.close(fig)
    return folder


def plot_profiles(result: ProfileResult):
    """One panel per fitted parameter: cost - optimum along the profile (log10 value),
    the 95% threshold, the physiological bounds; a panel says when it was not profiled."""
    import matplotlib.pyplot as plt

    n = len(result.parameters)
    cols = 5
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows), squeeze=False)
    for ax, (j, p) in zip(axes.flat, enumerate(result.parameters)):
        pts = result.points[result.points["profiled"] == p].sort_values("log10_value") \
            if not result.points.empty else result.points
        ax.axhline(THRESHOLD, color="tab:red", lw=0.8, ls="--")
        ax.axvline(result.lower[j], color="grey", lw=0.8)
        ax.axvline(result.upper[j], color="grey", lw=0.8)
        if len(pts):
            x = np.concatenate([pts["log10_value"].to_numpy(), [result.optimum[j]]])
            y = np.concatenate([pts["delta"].to_numpy(), [0.0]])
            order = np.argsort(x)
            ax.plot(x[order], y[order], "o-", ms=3, color="tab:blue")
            ax.set_ylim(min(-0.5, float(np.min(y)) - 0.5), max(2 * THRESHOLD, min(float(np.max(y)), 20) + 0.5))
        else:
            ax.text(0.5, 0.5, "not profiled\n(budget)", ha="center", va="center", transform=ax.transAxes)
        ax.plot([result.optimum[j]], [0.0], "k*", ms=7)
        ax.set_title(p, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("log10 value", fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes[0][0].set_ylabel("cost - optimum", fontsize=8)
    fig.suptitle(f"{result.dataset} ({result.context}): profile likelihoods, dashed = 95% threshold "
                 f"({THRESHOLD}), grey = physiological bounds", fontsize=10)
    fig.tight_layout()
    return fig


def store_ensemble(result: ProfileResult, path: str | os.PathLike | None = None) -> Path:
    """Write the ensemble into models/ensembles/<context>.tsv, where the API reads it
    (``js.load_ensemble``, ``dose_response(..., uncertainty="calibration")``)."""
    folder = Path(path) if path is not None else catalog.writable_models_dir() / "ensembles"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{result.context}.tsv"
    table = result.ensemble()
    table.insert(1, "dataset", result.dataset)
    table.to_csv(target, sep="\t", index=False, float_format="%.8g")
    return target
