"""The maths behind the experiments: Hill (log-logistic) fits and the reference
models for drug combinations (Bliss, Loewe, HSA).

Everything here works on plain arrays, so it can be tested on synthetic data with
known answers, independent of the model.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from .errors import InputError

# ----------------------------------------------------------------------------- Hill curves


def hill(dose, zero: float, saturation: float, midpoint: float, slope: float):
    """Four-parameter Hill curve.

    ``zero`` is the response without agent, ``saturation`` the response at
    saturating dose, ``midpoint`` the dose giving the halfway response (IC50 for a
    falling curve, EC50 for a rising one) and ``slope`` (> 0) the Hill coefficient.
    """
    dose = np.asarray(dose, dtype=float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        occupancy = 1.0 / (1.0 + (midpoint / dose) ** slope)
    occupancy = np.where(dose > 0, occupancy, 0.0)
    return zero + (saturation - zero) * occupancy


@dataclass(frozen=True)
class HillFit:
    ic50: float  # dose of the halfway response (same unit as the doses); EC50 for rising curves
    slope: float  # Hill coefficient, > 0 for rising and falling curves alike
    zero: float  # response without agent
    saturation: float  # response at saturating dose
    ic50_fit_precision: tuple[float, float]  # 95% confidence interval of ic50 (t distribution, log-dose scale)
    rmse: float  # root-mean-square residual, response units

    @property
    def ec50(self) -> float:
        return self.ic50

    @property
    def ec50_fit_precision(self) -> tuple[float, float]:
        return self.ic50_fit_precision

    @property
    def rising(self) -> bool:
        return self.saturation > self.zero

    @property
    def top(self) -> float:
        """Upper plateau."""
        return max(self.zero, self.saturation)

    @property
    def bottom(self) -> float:
        """Lower plateau."""
        return min(self.zero, self.saturation)

    @property
    def max_effect(self) -> float:
        """Fraction of the dose-0 response removed at saturation (1 = complete
        inhibition; negative for a rising curve)."""
        return (self.zero - self.saturation) / self.zero if self.zero else float("nan")

    def predict(self, dose):
        return hill(dose, self.zero, self.saturation, self.ic50, self.slope)

    def occupancy(self, dose):
        """Fraction of the way from ``zero`` to ``saturation`` the fitted curve has come
        at ``dose`` (0.5 at the midpoint, 0.9 at the IC90/EC90)."""
        return hill(dose, 0.0, 1.0, self.ic50, self.slope)


# The fitted plateau counts as observed when the highest dose brings the curve at least
# this far towards it (the IC90/EC90 is tested): below that the plateau, and any
# maximal effect read from it, is an extrapolation of the Hill model beyond the data.
PLATEAU_OCCUPANCY = 0.9


def midpoint_support(fit: HillFit, doses) -> str:
    """What the tested ``doses`` (positive ones count) say about a fit's midpoint and plateau.

    - ``"above"``: the midpoint lies above the highest dose (it is extrapolated);
    - ``"below"``: the midpoint lies below the lowest dose (extrapolated the other way);
    - ``"open"``: the midpoint is within the doses, but the curve has not levelled
      off by the highest dose (occupancy < :data:`PLATEAU_OCCUPANCY`), so the fitted
      plateau is an extrapolation;
    - ``"ok"``: midpoint within the doses and the plateau reached.
    """
    x = np.asarray(doses, dtype=float)
    x = x[x > 0]
    if x.size == 0:
        raise InputError("midpoint_support needs at least one positive dose")
    if fit.ic50 > x.max():
        return "above"
    if fit.ic50 < x.min():
        return "below"
    if float(fit.occupancy(x.max())) < PLATEAU_OCCUPANCY:
        return "open"
    return "ok"


def fit_hill(doses, responses, *, zero: float | None = None) -> HillFit:
    """Least-squares Hill fit in log-dose space, for falling or rising curves.

    ``zero`` fixes the response without agent when it is known (e.g. simulated at
    dose 0); otherwise responses at dose 0 estimate it, or it is fitted. The
    direction of the curve comes from the data. Raises InputError for too few
    positive doses or non-finite input.
    """
    x = np.asarray(doses, dtype=float)
    y = np.asarray(responses, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise InputError("doses and responses must be 1-D and of equal length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("doses and responses must be finite")
    if np.any(x < 0):
        raise InputError("doses must not be negative")
    if zero is None and np.any(x == 0):
        zero = float(np.mean(y[x == 0]))
    keep = x > 0
    x, y = x[keep], y[keep]
    fixed = zero is not None
    n_free = 3 if fixed else 4
    if x.size < n_free:
        raise InputError(f"a Hill fit needs at least {n_free} positive doses, got {x.size}")
    # Work on responses scaled to order one so tolerances mean the same for nM and pM.
    scale = max(float(np.max(np.abs(y))), abs(zero) if fixed else 0.0)
    if scale == 0:
        scale = 1.0
    ys, lx = y / scale, np.log10(x)
    z = zero / scale if fixed else None

    def curve(lx_, *p):
        if fixed:
            sat, log_mid, slope = p
            z0 = z
        else:
            z0, sat, log_mid, slope = p
        with np.errstate(over="ignore"):
            return z0 + (sat - z0) / (1.0 + 10.0 ** (slope * (log_mid - lx_)))

    order = np.argsort(lx)
    first, last = ys[order[0]], ys[order[-1]]
    start_zero = z if fixed else first
    half = (start_zero + last) / 2
    log_mid0 = float(lx[np.argmin(np.abs(ys - half))])
    # Plateaus of non-negative data (concentrations, fractions) stay non-negative;
    # the tolerance lets solver noise around zero count as zero.
    floor = 0.0 if np.all(ys >= -1e-9) and (not fixed or z >= -1e-9) else -np.inf
    lower = [floor, lx.min() - 6, 0.05]
    upper = [np.inf, lx.max() + 6, 20.0]
    if not fixed:
        lower, upper = [floor, *lower], [np.inf, *upper]
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optimize.OptimizeWarning)
        for slope0 in (1.0, 0.5, 2.5):  # a few starts: the slope is the least identifiable
            p0 = [max(last, floor), log_mid0, slope0]
            if not fixed:
                p0 = [max(first, floor), *p0]
            try:
                popt, pcov = optimize.curve_fit(curve, lx, ys, p0=p0, bounds=(lower, upper), maxfev=20000)
            except (RuntimeError, ValueError):
                continue
            sse = float(np.sum((ys - curve(lx, *popt)) ** 2))
            if best is None or sse < best[0]:
                best = (sse, popt, pcov)
    if best is None:
        raise InputError("the Hill fit did not converge; check that the responses change with dose")
    sse, popt, pcov = best
    if fixed:
        sat, log_mid, slope = popt
        z0, i_mid = z, 1
    else:
        z0, sat, log_mid, slope = popt
        i_mid = 2
    dof = max(x.size - n_free, 1)
    var = pcov[i_mid, i_mid] if np.all(np.isfinite(pcov)) else math.nan
    se = math.sqrt(var) if var >= 0 else math.nan
    q = float(stats.t.ppf(0.975, dof))
    with np.errstate(over="ignore"):  # a midpoint the data do not pin down: an infinite bound
        ci = (10.0 ** (log_mid - q * se), 10.0 ** (log_mid + q * se)) if math.isfinite(se) else (math.nan, math.nan)
    return HillFit(ic50=float(10.0**log_mid), slope=float(slope), zero=float(z0 * scale),
                   saturation=float(sat * scale), ic50_fit_precision=(float(ci[0]), float(ci[1])),
                   rmse=float(math.sqrt(sse / x.size)) * scale)


# ----------------------------------------------------------------------------- combinations
#
# All three scores compare the observed fractional effect E of a combination (0 = no
# effect, 1 = the readout abolished) with what a null model of "no interaction"
# expects from the single agents at the same doses. Score = observed - expected, so
# positive = synergy, negative = antagonism, in units of fractional effect.


def bliss_excess(effect) -> np.ndarray:
    """Bliss independence excess on a dose grid.

    ``effect[i, j]`` is the fractional effect at dose ``i`` of drug A and ``j`` of
    drug B, with row 0 and column 0 the zero doses (so ``effect[:, 0]`` is drug A
    alone, ``effect[0, :]`` drug B alone). Expected under independent action:
    ``E_A + E_B - E_A * E_B``. Returns the excess, NaN on the single-agent row and
    column.
    """
    e = _grid(effect)
    ea, eb = e[:, :1], e[:1, :]
    return _mask_axes(e - (ea + eb - ea * eb))


def hsa_excess(effect) -> np.ndarray:
    """Highest-single-agent excess: observed minus the larger single-agent effect
    at the same doses (grid layout as :func:`bliss_excess`)."""
    e = _grid(effect)
    return _mask_axes(e - np.maximum(e[:, :1], e[:1, :]))


def loewe_excess(doses_a, doses_b, effect, fit_a: HillFit | None, fit_b: HillFit | None) -> np.ndarray:
    """Loewe additivity excess (grid layout as :func:`bliss_excess`).

    The expected effect E of doses (a, b) solves ``a / D_A(E) + b / D_B(E) = 1``,
    where ``D_X(E)`` is the dose of drug X alone giving effect E, read off its
    single-agent Hill fit of the fractional effect (``zero`` = 0). A drug whose
    maximal effect is below E contributes nothing (``D_X(E)`` infinite), so the
    solution always exists; a drug without a fit (``None``) counts as inactive.
    A drug combined with itself ("sham combination") scores 0.
    """
    a = np.asarray(doses_a, dtype=float)
    b = np.asarray(doses_b, dtype=float)
    e = _grid(effect)
    if e.shape != (a.size, b.size):
        raise InputError(f"effect grid {e.shape} does not match {a.size} x {b.size} doses")
    expected = np.full(e.shape, np.nan)
    for i in range(1, a.size):
        for j in range(1, b.size):
            expected[i, j] = _loewe_expected(a[i], b[j], fit_a, fit_b)
    return _mask_axes(e - expected)


def _inverse_dose(fit: HillFit | None, effect: float) -> float:
    """Dose of a single agent giving ``effect`` (inf when it cannot)."""
    if fit is None or fit.saturation <= 0 or effect >= fit.saturation:
        return math.inf
    return fit.ic50 * (effect / (fit.saturation - effect)) ** (1.0 / fit.slope)


def _loewe_expected(a: float, b: float, fit_a: HillFit | None, fit_b: HillFit | None) -> float:
    ceiling = max(f.saturation for f in (fit_a, fit_b) if f is not None) if (fit_a or fit_b) else 0.0
    if ceiling <= 0:
        return 0.0

    def excess_dose(e: float) -> float:  # decreasing in e: +inf at 0, -1 near the ceiling
        return a / _inverse_dose(fit_a, e) + b / _inverse_dose(fit_b, e) - 1.0

    lo, hi = ceiling * 1e-15, ceiling * (1 - 1e-12)
    if excess_dose(lo) <= 0:
        return lo
    return float(optimize.brentq(excess_dose, lo, hi, xtol=1e-14, rtol=1e-12))


def _grid(effect) -> np.ndarray:
    e = np.asarray(effect, dtype=float)
    if e.ndim != 2 or min(e.shape) < 2:
        raise InputError("a combination needs a 2-D effect grid with the zero-dose row and column")
    return e


def _mask_axes(m: np.ndarray) -> np.ndarray:
    m = m.astype(float).copy()
    m[0, :] = np.nan
    m[:, 0] = np.nan
    return m
