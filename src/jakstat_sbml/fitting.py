"""Curve fits used by the experiments: four-parameter Hill (log-logistic)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from .errors import InputError


def hill(dose, bottom: float, top: float, ic50: float, slope: float):
    """Response at ``dose``: ``top`` without drug, ``bottom`` at saturation."""
    dose = np.asarray(dose, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        return bottom + (top - bottom) / (1.0 + (dose / ic50) ** slope)


@dataclass(frozen=True)
class HillFit:
    ic50: float  # dose halfway between top and bottom (same unit as the doses)
    slope: float  # Hill coefficient (> 0 for a falling curve)
    top: float
    bottom: float
    ic50_ci: tuple[float, float]  # 95% confidence interval
    rmse: float

    @property
    def max_effect(self) -> float:
        """Fraction of the response the drug removes at saturation (1 = complete)."""
        return (self.top - self.bottom) / self.top if self.top else float("nan")


def fit_hill(doses, responses, *, top: float | None = None) -> HillFit:
    """Least-squares Hill fit in log-dose space.

    ``top`` fixes the response without drug when it is known (e.g. simulated at
    dose 0); otherwise it is fitted. Zero doses are used only to estimate ``top``.
    """
    x = np.asarray(doses, dtype=float)
    y = np.asarray(responses, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise InputError("doses and responses must be 1-D and of equal length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("doses and responses must be finite")
    if top is None and np.any(x == 0):
        top = float(np.mean(y[x == 0]))
    keep = x > 0
    x, y = x[keep], y[keep]
    n_free = 3 if top is not None else 4
    if x.size < n_free:
        raise InputError(f"a Hill fit needs at least {n_free} positive doses, got {x.size}")
    scale = max(float(np.max(np.abs(y))), abs(top or 0.0), 1e-300)
    ys = y / scale
    lx = np.log10(x)

    if top is None:
        def model(lx_, bottom, t, log_ic50, slope):
            return hill(10.0 ** lx_, bottom, t, 10.0 ** log_ic50, slope)
        p0 = [ys.min(), ys.max(), float(np.median(lx)), 1.0]
        lower = [-np.inf, -np.inf, lx.min() - 6, 0.05]
        upper = [np.inf, np.inf, lx.max() + 6, 20.0]
    else:
        ts = top / scale

        def model(lx_, bottom, log_ic50, slope):
            return hill(10.0 ** lx_, bottom, ts, 10.0 ** log_ic50, slope)
        half = (ts + ys.min()) / 2
        guess = lx[np.argmin(np.abs(ys - half))]
        p0 = [ys.min(), float(guess), 1.0]
        lower = [-np.inf, lx.min() - 6, 0.05]
        upper = [np.inf, lx.max() + 6, 20.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optimize.OptimizeWarning)
        popt, pcov = optimize.curve_fit(model, lx, ys, p0=p0, bounds=(lower, upper), maxfev=20000)
    resid = ys - model(lx, *popt)
    rmse = float(np.sqrt(np.mean(resid**2))) * scale
    if top is None:
        bottom, t, log_ic50, slope = popt
        i_ic50 = 2
    else:
        bottom, log_ic50, slope = popt
        t = ts
        i_ic50 = 1
    dof = max(x.size - n_free, 1)
    se = float(np.sqrt(pcov[i_ic50, i_ic50])) if np.all(np.isfinite(pcov)) else float("nan")
    q = stats.t.ppf(0.975, dof)
    ci = (10.0 ** (log_ic50 - q * se), 10.0 ** (log_ic50 + q * se)) if np.isfinite(se) else (float("nan"),) * 2
    return HillFit(ic50=float(10.0**log_ic50), slope=float(slope), top=float(t * scale),
                   bottom=float(bottom * scale), ic50_ci=(float(ci[0]), float(ci[1])), rmse=rmse)
