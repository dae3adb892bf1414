"""PEtab likelihood of measurements given a model's quantities, with each blot's
offset and scale profiled out.

A measurement ``y`` is compared with ``h = offset + scale * q``, where ``q`` is
what a model computes (a readout in nM, or a published model's state) and the
offset and scale convert it into the blot's arbitrary units. The noise is normal
on the observable's scale (``lin`` or ``log10``) with standard deviation
``sigma = noise_abs + noise_rel * h`` (the published problems fix both; most have
``noise_rel = 0``). The negative log-likelihood is PEtab v1's, including the
log-Jacobian term of log10 observables, so that at a published model's nominal
parameters it reproduces the reference values (Boehm 2014: 138.222).

Offsets and scales named by a token (a parameter id) are nuisance parameters:
:func:`profile` sets each group of rows sharing tokens to its optimum given
``q``, as hierarchical optimisation does, so that two models are compared on the
best each can do, not on blot units fitted for one of them. Everything here is
plain numpy on arrays and is tested on synthetic data with known answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from ..errors import InputError

LOG_SPAN_BELOW = 8.0  # decades of offset/scale ratio searched below the largest quantity
LOG_SPAN_ABOVE = 4.0  # ... and above it (a large ratio: the blot shows no change)
GRID_STEP = 0.125  # decades


@dataclass(frozen=True)
class Observations:
    """The measurement side of a likelihood, one entry per measurement.

    ``offset_id`` / ``scale_id`` name a profiled nuisance parameter ('' = fixed at
    ``offset`` / ``scale``). A row without offset has ``offset`` 0; without scale
    ``scale`` 1.
    """

    measurement: np.ndarray
    log10: np.ndarray  # bool: log10-normal noise, else normal
    noise_abs: np.ndarray
    noise_rel: np.ndarray
    offset_id: np.ndarray  # str
    scale_id: np.ndarray  # str
    offset: np.ndarray  # fixed values (used where the id is '')
    scale: np.ndarray

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Observations:
        """From columns measurement, log10, noise_abs, noise_rel, offset_id, scale_id, offset, scale."""
        obs = cls(*(df[c].to_numpy() for c in ("measurement", "log10", "noise_abs", "noise_rel", "offset_id",
                                                  "scale_id", "offset", "scale")))
        obs.check()
        return obs

    def __len__(self) -> int:
        return len(self.measurement)

    def check(self) -> None:
        y = np.asarray(self.measurement, float)
        log = np.asarray(self.log10, bool)
        if np.any(~np.isfinite(y)):
            raise InputError("measurements must be finite")
        if np.any(y[log] <= 0):
            raise InputError("log10 observables need positive measurements")
        if np.any(np.asarray(self.noise_abs, float) < 0) or np.any(np.asarray(self.noise_rel, float) < 0) \
                or np.any(np.asarray(self.noise_abs, float) + np.asarray(self.noise_rel, float) <= 0):
            raise InputError("noise levels must be >= 0 and not both 0")
        for key, rows in self.groups().items():
            if len({bool(v) for v in log[rows]}) > 1:
                raise InputError(f"nuisance group {key} mixes lin and log10 observables")
        seen: dict[str, tuple] = {}
        for key in self.groups():
            for token in key:
                if token and seen.setdefault(token, key) != key:
                    raise InputError(f"nuisance parameter {token!r} is shared by groups {seen[token]} and {key}")

    def groups(self) -> dict[tuple[str, str], np.ndarray]:
        """Rows sharing (offset_id, scale_id), for every pair with a profiled token."""
        keys = pd.Series(list(zip(self.offset_id, self.scale_id)))
        out = {}
        for key, idx in keys.groupby(keys).groups.items():
            if key[0] or key[1]:
                out[key] = np.asarray(idx, dtype=int)
        return out


@dataclass
class Fit:
    """Likelihood of one model's quantities: totals, per-row values and the nuisance optimum."""

    nllh: float  # PEtab negative log-likelihood
    chi2: float  # sum of squared residuals
    n: int
    simulation: np.ndarray  # h = offset + scale * q, observable scale before transformation
    sigma: np.ndarray
    residuals: np.ndarray  # (transformed y - transformed h) / sigma
    nuisance: dict[str, float] = field(default_factory=dict)
    # sqrt(2 log(sigma / noise_abs)) per row where sigma grows with the simulation, else None
    log_sigma_residuals: np.ndarray | None = None

    def least_squares_residuals(self) -> np.ndarray:
        """Residuals whose half sum of squares equals nllh up to a constant: the
        weighted residuals, plus the log-sigma terms where the noise depends on the
        simulation."""
        if self.log_sigma_residuals is None:
            return self.residuals
        return np.concatenate([self.residuals, self.log_sigma_residuals])


def profile(obs: Observations, quantity: np.ndarray, *, profile_nuisance: bool = True,
            values: dict[str, float] | None = None) -> Fit:
    """Likelihood of ``quantity`` (one model value per measurement) with every
    offset/scale token at its optimum (``profile_nuisance=True``) or at ``values``.

    Non-finite quantities (a failed simulation) give an infinite objective.
    """
    q = np.asarray(quantity, dtype=float)
    if q.shape != obs.measurement.shape:
        raise InputError(f"{q.size} quantities for {len(obs)} measurements")
    y = np.asarray(obs.measurement, float)
    log = np.asarray(obs.log10, bool)
    offset = np.asarray(obs.offset, float).copy()
    scale = np.asarray(obs.scale, float).copy()
    nuisance: dict[str, float] = {}
    if not np.all(np.isfinite(q)):
        return _failed(obs)
    for (oid, sid), rows in obs.groups().items():
        if profile_nuisance:
            o, s = _best(y[rows], np.clip(q[rows], 0.0, None) if log[rows[0]] else q[rows], log[rows[0]],
                         obs.noise_abs[rows].astype(float), obs.noise_rel[rows].astype(float),
                         offset[rows[0]] if not oid else None, scale[rows[0]] if not sid else None)
        else:
            if values is None:
                raise InputError("profile_nuisance=False needs values= for the nuisance parameters")
            o = values[oid] if oid else offset[rows[0]]
            s = values[sid] if sid else scale[rows[0]]
        offset[rows], scale[rows] = o, s
        if oid:
            nuisance[oid] = float(o)
        if sid:
            nuisance[sid] = float(s)
    h = offset + scale * q
    return _fit(obs, h, nuisance)


def observe(obs: Observations, quantity: np.ndarray, values: dict[str, float]) -> np.ndarray:
    """``offset + scale * quantity`` per row, with the tokens' ``values`` (e.g. a
    fit's nuisance): the model's curve in the data's units."""
    q = np.asarray(quantity, dtype=float)
    offset = np.array([values[t] if t else o for t, o in zip(obs.offset_id, np.asarray(obs.offset, float))])
    scale = np.array([values[t] if t else s for t, s in zip(obs.scale_id, np.asarray(obs.scale, float))])
    return offset + scale * q


def residual_jacobian(obs: Observations, fit: Fit, quantity: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """Jacobian of ``fit.least_squares_residuals()`` by the model parameters, given
    ``slopes`` (rows x parameters), the quantities' derivatives by them.

    The residuals are those of the profiled likelihood: every blot's offset and
    scale follow their optimum as the parameters move. By the implicit function
    theorem that optimum moves by d(eta)/d(theta) = -H^-1 B, with H and B the
    blot's Gauss-Newton terms plus the residuals' second derivatives, so the
    Jacobian is that of the profiled residuals themselves (what finite differences
    that re-profile at every step approximate), computed blot by blot from the
    residuals' first and second derivatives by the simulated value. An offset or
    scale profiled onto its bound (0) stays there. A failed fit gives zeros.
    """
    q = np.asarray(quantity, float)
    slopes = np.asarray(slopes, float)
    rows, k = slopes.shape
    extra = fit.log_sigma_residuals
    if not math.isfinite(fit.nllh):
        return np.zeros((rows + (0 if extra is None else rows), k))
    scale = np.array([fit.nuisance[t] if t else v for t, v in zip(obs.scale_id, np.asarray(obs.scale, float))])
    value, first, second = _row_derivatives(obs, fit)  # per residual row: value, d/dh, d2/dh2
    dh = scale[:, None] * slopes  # d h / d theta
    stack = len(value)  # the weighted residuals, then the log-sigma rows (same h)
    jac = np.vstack([first[b][:, None] * dh for b in range(stack)])
    for key, members in obs.groups().items():
        moving = [kind for kind, token in zip(("offset", "scale"), key) if token and fit.nuisance.get(token) != 0.0]
        if not moving:
            continue
        # d h / d eta (rows x eta), and d2 h / d eta d theta (eta x rows x theta: q_theta for a scale)
        dh_eta = np.column_stack([np.ones(members.size) if kind == "offset" else q[members] for kind in moving])
        d2h = np.stack([np.zeros((members.size, k)) if kind == "offset" else slopes[members] for kind in moving])
        hessian = np.zeros((len(moving), len(moving)))
        cross = np.zeros((len(moving), k))
        for b in range(stack):
            r, r1, r2 = value[b][members], first[b][members], second[b][members]
            j_eta = r1[:, None] * dh_eta
            curvature = dh_eta * (r * r2)[:, None]
            hessian += j_eta.T @ j_eta + curvature.T @ dh_eta
            cross += j_eta.T @ (r1[:, None] * dh[members]) + curvature.T @ dh[members] \
                + np.einsum("i,eik->ek", r * r1, d2h)
        try:
            moves = -np.linalg.solve(hessian, cross)  # d eta / d theta
        except np.linalg.LinAlgError:
            moves = -np.linalg.lstsq(hessian, cross, rcond=None)[0]
        for b in range(stack):
            jac[b * rows + members] += (first[b][members][:, None] * dh_eta) @ moves
    return np.nan_to_num(jac, nan=0.0, posinf=0.0, neginf=0.0)


def _row_derivatives(obs: Observations, fit: Fit) -> tuple[list, list, list]:
    """Each residual row's value and first and second derivative by its simulated
    value h: the weighted residuals, then (noise that grows with h) the log-sigma rows."""
    y = np.asarray(obs.measurement, float)
    log = np.asarray(obs.log10, bool)
    b = np.asarray(obs.noise_rel, float)
    h, sigma = fit.simulation, fit.sigma
    ln10 = math.log(10.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe_h = np.where(log, h, 1.0)
        t = np.where(log, np.log10(safe_h), h)
        t1 = np.where(log, 1.0 / (safe_h * ln10), 1.0)
        t2 = np.where(log, -1.0 / (safe_h**2 * ln10), 0.0)
        u = np.where(log, np.log10(np.where(log, y, 1.0)), y) - t  # transformed y - transformed h
        r = u / sigma
        r1 = (-t1 * sigma - u * b) / sigma**2
        r2 = -t2 / sigma + 2 * b * (t1 * sigma + u * b) / sigma**3
    values, firsts, seconds = [r], [r1], [r2]
    extra = fit.log_sigma_residuals
    if extra is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            e1 = np.where(extra > 0, b / (sigma * extra), 0.0)
            e2 = np.where(extra > 0, -e1**2 / extra - b**2 / (sigma**2 * extra), 0.0)
        values.append(extra)
        firsts.append(e1)
        seconds.append(e2)
    return values, firsts, seconds


def _fit(obs: Observations, h: np.ndarray, nuisance: dict[str, float]) -> Fit:
    y = np.asarray(obs.measurement, float)
    log = np.asarray(obs.log10, bool)
    a, b = np.asarray(obs.noise_abs, float), np.asarray(obs.noise_rel, float)
    sigma = a + b * h
    with np.errstate(divide="ignore", invalid="ignore"):
        th = np.where(log, np.log10(np.where(log, h, 1.0)), h)
        ty = np.where(log, np.log10(np.where(log, y, 1.0)), y)
        r = (ty - th) / sigma
    bad = ~np.isfinite(r) | (sigma <= 0)
    if np.any(bad):
        return _failed(obs)
    norm = 0.5 * np.log(2 * np.pi * sigma**2) + np.where(log, np.log(y * math.log(10)), 0.0)
    nllh = float(np.sum(norm + 0.5 * r**2))
    extra = None
    if np.any(b > 0):
        with np.errstate(divide="ignore"):
            extra = np.sqrt(2 * np.clip(np.log(sigma / np.where(a > 0, a, sigma)), 0, None))
    return Fit(nllh, float(np.sum(r**2)), len(y), h, sigma, r, nuisance, extra)


def _failed(obs: Observations) -> Fit:
    n = len(obs)
    big = np.full(n, 1e6)
    extra = np.zeros(n) if np.any(np.asarray(obs.noise_rel, float) > 0) else None
    return Fit(math.inf, math.inf, n, np.full(n, np.nan), np.full(n, np.nan), big, {}, extra)


# ----------------------------------------------------------------------------- one group


def _best(y, q, log, a, b, fixed_offset, fixed_scale) -> tuple[float, float]:
    """Optimal (offset, scale) of one group; ``fixed_*`` is None where it is profiled."""
    if not np.any(q != 0):
        # No signal in the model: only an offset can follow the data.
        s = 1.0 if fixed_scale is None else fixed_scale
        if fixed_offset is not None:
            return fixed_offset, s
        return _best_constant(y, log, a, b), s
    if np.all(b == 0):
        w = 1.0 / a**2
        if log and fixed_offset is None and fixed_scale is None:
            return _log_offset_and_scale(np.log10(y), q, w)
        if log and fixed_scale is None and fixed_offset == 0:
            ok = q > 0
            if not np.all(ok):
                return 0.0, _numeric_scale(y, q, log, a, b, 0.0)
            ls = np.sum(w * (np.log10(y) - np.log10(q))) / np.sum(w)
            return 0.0, float(10.0**ls)
        if not log:
            return _linear(y, q, w, fixed_offset, fixed_scale)
    if fixed_offset is not None and fixed_scale is None:
        return fixed_offset, _numeric_scale(y, q, log, a, b, fixed_offset)
    if fixed_scale is not None and fixed_offset is None:
        return _numeric_offset(y, q, log, a, b, fixed_scale), fixed_scale
    return _numeric_both(y, q, log, a, b)


def _nllh(y, h, log, a, b) -> float:
    sigma = a + b * h
    if np.any(sigma <= 0) or (log and np.any(h <= 0)):
        return math.inf
    r = (np.log10(y) - np.log10(h) if log else y - h) / sigma
    return float(np.sum(np.log(sigma) + 0.5 * r**2))


def _best_constant(y, log, a, b) -> float:
    if log:
        w = 1.0 / (a + b * y) ** 2
        return float(10.0 ** (np.sum(w * np.log10(y)) / np.sum(w)))
    res = optimize.minimize_scalar(lambda c: _nllh(y, np.full_like(y, c), log, a, b),
                                   bracket=(float(np.min(y)), float(np.max(y)) + 1e-12))
    return float(res.x)


def _log_offset_and_scale(ly, q, w) -> tuple[float, float]:
    """log10 data, constant noise: h = s (c + q) with c = offset / scale. For a
    given c the best log10 s is a weighted mean, so only c is searched (1-D)."""
    top = math.log10(float(np.max(q)))
    grid = np.arange(top - LOG_SPAN_BELOW, top + LOG_SPAN_ABOVE + 1e-9, GRID_STEP)
    lc = np.log10(10.0 ** grid[:, None] + q[None, :])  # c x rows
    d = ly[None, :] - lc
    ls = (d @ w) / np.sum(w)
    cost = ((d - ls[:, None]) ** 2) @ w
    i = int(np.argmin(cost))
    candidates = [(float(cost[i]), float(grid[i]))]
    if np.all(q > 0):  # c -> 0: a pure scale
        d0 = ly - np.log10(q)
        ls0 = np.sum(w * d0) / np.sum(w)
        candidates.append((float(np.sum(w * (d0 - ls0) ** 2)), -math.inf))

    def cost_at(u):
        dd = ly - np.log10(10.0**u + q)
        m = np.sum(w * dd) / np.sum(w)
        return float(np.sum(w * (dd - m) ** 2))

    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    if hi > lo:
        res = optimize.minimize_scalar(cost_at, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-10, "maxiter": 200})
        candidates.append((float(res.fun), float(res.x)))
    _, u = min(candidates)
    c = 0.0 if u == -math.inf else 10.0**u
    dd = ly - np.log10(c + q)
    s = 10.0 ** (np.sum(w * dd) / np.sum(w))
    return float(c * s), float(s)


def _linear(y, q, w, fixed_offset, fixed_scale) -> tuple[float, float]:
    """Normal data, constant noise: weighted linear least squares (scale >= 0)."""
    if fixed_offset is not None and fixed_scale is None:
        s = np.sum(w * q * (y - fixed_offset)) / np.sum(w * q * q)
        return fixed_offset, float(max(s, 0.0))
    if fixed_scale is not None and fixed_offset is None:
        return float(np.sum(w * (y - fixed_scale * q)) / np.sum(w)), fixed_scale
    sw, sq, sy = np.sum(w), np.sum(w * q), np.sum(w * y)
    sqq, sqy = np.sum(w * q * q), np.sum(w * q * y)
    det = sw * sqq - sq * sq
    if det <= 0:
        return float(sy / sw), 0.0
    s = (sw * sqy - sq * sy) / det
    if s < 0:
        return float(sy / sw), 0.0
    return float((sy - s * sq) / sw), float(s)


def _log10_minimum(f, lo: float, hi: float) -> float:
    """10**u at the minimum of f(u) over [lo, hi]: a 0.25-wide grid (the cost can have
    several dips), then a bounded refinement around the best grid point."""
    grid = np.arange(lo, hi + 1e-9, 0.25)
    vals = [f(u) for u in grid]
    i = int(np.argmin(vals))
    res = optimize.minimize_scalar(f, bounds=(grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]),
                                   method="bounded", options={"xatol": 1e-10})
    return float(10.0 ** (res.x if res.fun <= vals[i] else grid[i]))


def _numeric_scale(y, q, log, a, b, offset) -> float:
    """Scale by a 1-D search in log10 (noise that depends on the simulation)."""
    pos = q[q > 0]
    centre = math.log10(max(float(np.median(np.abs(y))), 1e-300)) - math.log10(float(np.median(pos)) if pos.size
                                                                                else 1.0)
    return _log10_minimum(lambda u: _nllh(y, offset + 10.0**u * q, log, a, b), centre - 6, centre + 6)


def _numeric_offset(y, q, log, a, b, scale) -> float:
    top = math.log10(float(np.max(np.abs(y))))
    return _log10_minimum(lambda u: _nllh(y, 10.0**u + scale * q, log, a, b), top - 8, top + 1)


def _numeric_both(y, q, log, a, b) -> tuple[float, float]:
    s0 = _numeric_scale(y, q, log, a, b, 0.0)
    o0 = max(float(np.min(y)) * 0.1, 1e-12)
    f = lambda v: _nllh(y, 10.0 ** v[0] + 10.0 ** v[1] * q, log, a, b)  # noqa: E731
    res = optimize.minimize(f, [math.log10(o0), math.log10(s0)], method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    return float(10.0 ** res.x[0]), float(10.0 ** res.x[1])
