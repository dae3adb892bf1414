"""Predictive intervals of exposure-response summaries (``exposure_response(...,
uncertainty=...)``, ``jakstat regimen --uncertainty``).

A draw of the potency model changes what a regimen does through two numbers: the drug's
potency (a constant ``scale`` times the model's) and its plasma fraction unbound. Both
act on ``fu x C_total(t) / K_cell``, and oral pharmacokinetics here is linear in the
dose, so a draw is the model's own regimen at the dose times
``g = (fu_draw / fu_regimen) / scale``, exactly. Each parameter set of the draws (the
context as it is, a calibration member, or a set from the plausible ranges) is therefore
simulated on a grid of such dose multipliers spanning its draws, and each draw's
summary (time-averaged, trough and peak inhibition, time above 50 and 90 %) is read off
by interpolation in log g. The grid's points are full simulations of the regimen: evenly
spaced over the draws' span, plus the draws' own quantiles (every summary rises with g,
so the interval's ends are draws near those quantiles and are read close to a simulated
point; a user audit found the time above a threshold off by 0.10 between seven even points),
and a set with few draws simulates each of them.

Where every draw shares one parameter set (``uncertainty="potency"``), no grid is needed:
every summary rises with ``g``, so its order statistics are those of ``g``, and the
interval (the order statistics of :func:`~jakstat_sbml.potency.draws.central_interval`)
is the regimen simulated at the draws' own ``g`` of those ranks: three or four
simulations instead of up to sixteen, and exact rather than interpolated, as
:func:`jakstat_sbml.virtual_trial` computes its ends. A summary found not to rise is
flagged.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import InputError, JakStatWarning
from ..potency.draws import DrawPlan, Uncertainty, central_interval, order_rank, plan_draws
from ..regimens.regimen import Regimen

METRICS = ("mean_inhibition", "trough_inhibition", "max_inhibition", "fraction_above_50", "fraction_above_90")
GRID_POINTS = 7  # evenly spaced dose multipliers simulated per parameter set (interpolated in between)
# and at these quantiles of the set's draws: the ends of 90% (and 95%) intervals and the median
QUANTILE_NODES = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)
MAX_GRID_POINTS = GRID_POINTS + len(QUANTILE_NODES)  # a set with no more draws simulates each one
ORDER_STATISTIC_POINTS = 4  # draws sharing one parameter set: the interval's two ends and the one or two middle draws


def multiplier_grid(g: np.ndarray, points: int = GRID_POINTS) -> np.ndarray:
    """Increasing multipliers to simulate for the draws ``g``: each draw's own where there
    are no more than :data:`MAX_GRID_POINTS` of them, else ``points`` log-spaced over their
    span and their :data:`QUANTILE_NODES` (one point when the draws do not spread)."""
    finite = g[np.isfinite(g) & (g > 0)]
    if finite.size == 0:
        return np.array([1.0])
    lo, hi = np.log10(finite.min()), np.log10(finite.max())
    if hi - lo < 1e-6:
        return np.array([10 ** lo])
    if np.unique(finite).size <= MAX_GRID_POINTS:
        return np.unique(finite)
    nodes = np.concatenate([np.linspace(lo, hi, points), np.quantile(np.log10(finite), QUANTILE_NODES)])
    return 10 ** np.unique(np.round(nodes, 12))


def arm_intervals(model, arm: tuple[Regimen, ...], unc: Uncertainty,
                  summarise: Callable[[list[tuple[tuple[Regimen, ...], Mapping[str, float]]]], list[dict]],
                  options=None, *, cytokine: str | None = None,
                  plan: DrawPlan | None = None) -> tuple[pd.DataFrame, DrawPlan]:
    """The predictive interval of every summary metric for one arm on one pathway.
    ``summarise([(arm, parameters), ...])`` simulates each variant of the arm (a dose
    multiple, with a parameter set) and returns their summary rows: every grid point of
    every parameter set in one call, so they run together where ``options`` (a
    :class:`~jakstat_sbml.parallel.RunOptions`, also used to plan the draws) say;
    ``cytokine`` is the pathway's stimulus (its assay system's potency draws). ``plan``:
    the draws another arm of the same drug and pathway planned (the same draws, so each
    draw keeps one potency across doses; planned again, parameter ranges refit the drug
    layer for every arm)."""
    if len(arm) != 1:
        raise InputError("predictive intervals of an arm of several drugs given together are not supported yet: "
                         "give one regimen per arm")
    regimen = arm[0]
    if plan is None:
        run = {} if options is None else {"n_jobs": options.n_jobs, "client": options.client, "engine": options.engine}
        plan = plan_draws(model, [regimen.drug], unc, cytokine=cytokine, **run)
        for flag in plan.flags:  # a drug or assay system whose held-out coverage says these intervals are too narrow
            warnings.warn(flag, JakStatWarning, stacklevel=2)
    drug = regimen.drug
    g = (plan.fraction_unbound[drug] / regimen.pk.fraction_unbound) / plan.dose_scale[drug]
    if not plan.envelope and len(plan.parameter_sets) == 1 and plan.set_valid.all():
        return _order_statistic_intervals(regimen, g, plan.parameter_sets[0], unc, summarise), plan
    values = np.full((plan.draws, len(METRICS)), np.nan)
    variants, grids = [], {}
    for k, params in enumerate(plan.parameter_sets):
        mine = plan.set_index == k
        if not mine.any() or not plan.set_valid[min(k, plan.set_valid.size - 1)]:
            continue
        grids[k] = (mine, multiplier_grid(g[mine]), len(variants))
        variants += [((replace(regimen, dose_mg=regimen.dose_mg * m),), params) for m in grids[k][1]]
    rows = summarise(variants) if variants else []
    for mine, grid, first in grids.values():
        table = np.array([[rows[first + j][name] for name in METRICS] for j in range(grid.size)])
        for i in range(len(METRICS)):
            values[mine, i] = np.interp(np.log10(g[mine]), np.log10(grid), table[:, i]) if grid.size > 1 \
                else table[0, i]
    rows = []
    for i, name in enumerate(METRICS):
        v = values[:, i]
        v = v[np.isfinite(v)]
        if plan.envelope and v.size:
            low, mid, high = v.min(), np.median(v), v.max()
        elif v.size:
            low, mid, high = central_interval(v, unc.level)
        else:
            low = mid = high = np.nan
        rows.append({"metric": name, "low": low, "median": mid, "high": high, "draws": int(v.size),
                     "level": np.nan if plan.envelope else unc.level})  # an envelope has no level
    return pd.DataFrame(rows), plan


def _order_statistic_intervals(regimen: Regimen, g: np.ndarray, parameters: Mapping[str, float], unc: Uncertainty,
                               summarise) -> pd.DataFrame:
    """The interval rows of draws sharing one parameter set: the regimen simulated at the
    ``g`` of the ranks :func:`central_interval` reads (its ends and the one or two middle
    draws), each summary's order statistics being those of ``g`` where it rises with ``g``."""
    finite = np.sort(g[np.isfinite(g) & (g > 0)])
    n = finite.size
    rows = []
    if n == 0:
        return pd.DataFrame([{"metric": name, "low": np.nan, "median": np.nan, "high": np.nan, "draws": 0,
                              "level": unc.level} for name in METRICS])
    k = order_rank(n, unc.level)
    ranks = (k, (n - 1) // 2, n // 2, n - 1 - k)  # ORDER_STATISTIC_POINTS of them
    multipliers = np.unique(finite[list(ranks)])
    simulated = summarise([((replace(regimen, dose_mg=regimen.dose_mg * m),), parameters) for m in multipliers])
    at = {float(m): row for m, row in zip(multipliers, simulated)}
    for name in METRICS:
        low, mid_a, mid_b, high = (float(at[float(finite[r])][name]) for r in ranks)
        if not np.all(np.isfinite([low, mid_a, mid_b, high])):  # no signal to inhibit: no draw has a value
            rows.append({"metric": name, "low": np.nan, "median": np.nan, "high": np.nan, "draws": 0,
                         "level": unc.level})
            continue
        if not low - 1e-9 <= mid_a <= mid_b + 1e-9 <= high + 2e-9:
            warnings.warn(f"{name} of {regimen.drug} {regimen.dose_mg:g} mg does not rise with the drug's potency "
                          f"across its draws ({low:.3g}, {mid_a:.3g}, {mid_b:.3g}, {high:.3g} at increasing dose "
                          "multipliers): its interval, read at the multipliers' order statistics, may be wrong",
                          JakStatWarning, stacklevel=3)
        rows.append({"metric": name, "low": low, "median": (mid_a + mid_b) / 2, "high": high, "draws": int(n),
                     "level": unc.level})
    return pd.DataFrame(rows)
