"""What an experiment reads from a simulation: a readout at a time, or its area over a window
(:class:`Measure`), and the thresholds below which a difference is not signal."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError

DEFAULT_TIME = 20.0  # min: early response, before most feedback (as in DESIGN 2.5.9)
MIN_EFFECT = 0.05  # a curve is fitted only when the agent moves the response by >= 5%
# Detection floor: a difference between simulated responses counts as signal only when
# it exceeds max(SIGNAL_FLOOR [x window length for an AUC], SIGNAL_FLOOR_RELATIVE x the
# responses' magnitude), in the readout's unit.
# - SIGNAL_FLOOR = 1e-3: for nM readouts a quarter of one molecule per cell (1 / N_A is
#   0.004 nM in the 0.4 pL cytoplasm, 0.006 nM in the 0.275 pL nucleus, 0.0025 nM over
#   the whole cell), so no change a cell could carry falls below it, while solver noise
#   (absolute tolerance ~2.5e-13 nM; a readout no stimulus drives sits at ~1e-29 nM)
#   stays 9 orders of magnitude under it. For 0-1 promoter activities: 0.1% of full.
# - SIGNAL_FLOOR_RELATIVE = 1e-4: the accuracy, relative to a readout's level, that the
#   solver settings are chosen to guarantee (tests/test_solver.py); on top of a large
#   level (a constitutively active mutant) smaller differences are not resolved.
SIGNAL_FLOOR = 1e-3
SIGNAL_FLOOR_RELATIVE = 1e-4
HALF = 0.5  # an inhibitor's IC50 needs >= 50% observed inhibition, unless its partial plateau is observed


@dataclass(frozen=True)
class Measure:
    """How a time course becomes one number: the value at ``time`` or the AUC over ``window``."""

    time: float | None = None
    window: tuple[float, float] | None = None

    @classmethod
    def make(cls, time=None, window=None, default_time: float | None = DEFAULT_TIME) -> Measure:
        if time is not None and window is not None:
            raise InputError("give time= (a time point) or window= (an AUC window), not both")
        if window is not None:
            try:
                a, b = (float(w) for w in window)
            except (TypeError, ValueError):
                raise InputError(f"window must be two numbers (start, end) in min, got {window!r}") from None
            if not (math.isfinite(a) and math.isfinite(b) and 0 <= a < b):
                raise InputError(f"window must satisfy 0 <= start < end (min), got {window!r}")
            return cls(window=(a, b))
        if time is None:
            if default_time is None:
                raise InputError("give time= or window=")
            time = default_time
        if isinstance(time, bool) or not isinstance(time, numbers.Real) or not math.isfinite(time) or time <= 0:
            raise InputError(f"time must be a number of minutes > 0, got {time!r}")
        return cls(time=float(time))

    @property
    def t_end(self) -> float:
        return self.window[1] if self.window else self.time

    @property
    def points(self) -> int | None:
        # A time point needs only the end of the simulation; an AUC the default
        # one-per-minute grid.
        return 2 if self.window is None else None

    @property
    def label(self) -> str:
        return f"AUC {self.window[0]:g}-{self.window[1]:g} min" if self.window else f"at {self.time:g} min"

    def unit(self, readout: str) -> str:
        unit = catalog.readout(readout).unit
        if self.window is None:
            return "0-1" if unit == "1" else unit
        return "min" if unit == "1" else f"{unit}*min"

    def of(self, df: pd.DataFrame, readout: str) -> float:
        """The measure of one time course."""
        return response(df, readout, self.time, self.window)

    def of_arrays(self, t: np.ndarray, y: np.ndarray) -> float:
        return measured_value(t, y, self.time, self.window)


def response(df: pd.DataFrame, readout: str, time: float | None = None,
             window: tuple[float, float] | None = None) -> float:
    """One number from a time course: the value at ``time`` or the AUC over ``window``
    (readout unit x min, trapezoidal rule on the simulated points)."""
    if (time is None) == (window is None):
        raise InputError("give exactly one of time= or window=")
    return measured_value(df["time"].to_numpy(), df[readout].to_numpy(), time, window)


def measured_value(t: np.ndarray, y: np.ndarray, time: float | None, window: tuple[float, float] | None) -> float:
    if time is not None:
        if not t[0] <= time <= t[-1]:
            raise InputError(f"time {time} min is outside the simulated {t[0]:g}-{t[-1]:g} min")
        return float(np.interp(time, t, y))
    a, b = window
    if not (t[0] <= a < b <= t[-1]):
        raise InputError(f"window {window} must lie within {t[0]:g}-{t[-1]:g} min with start < end")
    grid = np.union1d(t[(t > a) & (t < b)], [a, b])
    return float(np.trapezoid(np.interp(grid, t, y), grid))


def measured_values(df: pd.DataFrame, n: int, readouts: Sequence[str], measure: Measure) -> dict[str, np.ndarray]:
    """Measure of each readout for each of the ``n`` conditions of a :func:`run` result."""
    # Plain arrays: slicing the DataFrame would deep-copy its attrs for every condition.
    cond = df["condition"].to_numpy()
    t = df["time"].to_numpy(dtype=float)
    order = np.lexsort((t, cond))
    cond, t = cond[order], t[order]
    ys = {r: df[r].to_numpy(dtype=float)[order] for r in readouts}
    ids, starts = np.unique(cond, return_index=True)
    if len(ids) != n or not np.array_equal(ids, np.arange(n)):
        raise RuntimeError(f"expected results for conditions 0..{n - 1}, got {len(ids)} conditions")
    ends = np.append(starts[1:], len(cond))
    out = {r: np.empty(n) for r in readouts}
    for i, a, b in zip(ids, starts, ends):
        for r in readouts:
            out[r][i] = measure.of_arrays(t[a:b], ys[r][a:b])
    return out
