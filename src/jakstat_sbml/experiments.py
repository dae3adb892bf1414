"""The experiments people run on the model, each returning data and a ``.plot()``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError
from .fitting import HillFit, fit_hill, hill
from .model import Condition, Model
from .units import PlasmaDose, to_nM


def response(df: pd.DataFrame, readout: str, time: float | None = None,
             window: tuple[float, float] | None = None) -> float:
    """One number from a time course: the value at ``time`` or the AUC over ``window`` (nM*min)."""
    if (time is None) == (window is None):
        raise InputError("give exactly one of time= or window=")
    t = df["time"].to_numpy()
    y = df[readout].to_numpy()
    if time is not None:
        if not t[0] <= time <= t[-1]:
            raise InputError(f"time {time} min is outside the simulated 0-{t[-1]:g} min")
        return float(np.interp(time, t, y))
    a, b = window
    if not (t[0] <= a < b <= t[-1]):
        raise InputError(f"window {window} must lie within 0-{t[-1]:g} min with start < end")
    grid = np.union1d(t[(t > a) & (t < b)], [a, b])
    return float(np.trapezoid(np.interp(grid, t, y), grid))


def _time_span(time, window) -> float:
    return float(window[1] if window is not None else time)


@dataclass
class DoseResponse:
    drug: str
    cytokine: str
    readout: str
    doses: np.ndarray  # nM (free drug)
    responses: np.ndarray
    baseline: float  # response with cytokine and no drug
    fit: HillFit | None
    metric: str  # e.g. "value at 20 min" or "AUC 0-60 min"
    unstimulated: float = float("nan")  # response without cytokine or drug

    @property
    def ic50(self) -> float:
        """Fitted IC50 in nM (free drug); NaN when the drug has no effect to fit."""
        return self.fit.ic50 if self.fit else float("nan")

    @property
    def slope(self) -> float:
        return self.fit.slope if self.fit else float("nan")

    @property
    def max_effect(self) -> float:
        return self.fit.max_effect if self.fit else float(1 - self.responses.min() / self.baseline)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"dose_nM": self.doses, self.readout: self.responses})

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(4.5, 3.5))[1]
        ax.semilogx(self.doses, self.responses, "o", label="simulated")
        if self.fit:
            xs = np.logspace(np.log10(self.doses.min()), np.log10(self.doses.max()), 200)
            ax.semilogx(xs, hill(xs, self.fit.bottom, self.fit.top, self.fit.ic50, self.fit.slope),
                        "-", label=f"Hill fit, IC50 {self.fit.ic50:.3g} nM")
            ax.axvline(self.fit.ic50, ls=":", color="grey")
        unit = catalog.READOUTS[self.readout].unit
        ax.set_xlabel(f"{self.drug} (nM, free)")
        ax.set_ylabel(f"{self.readout} {self.metric} ({unit}{' min' if 'AUC' in self.metric else ''})")
        ax.set_title(f"{self.drug} on {self.cytokine} / {self.readout}")
        ax.legend(frameon=False, fontsize=8)
        return ax


def dose_response(model: Model, drug: str, cytokine: str, readout: str,
                  doses: Sequence[float] = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000),
                  time: float | None = 20.0, window: tuple[float, float] | None = None,
                  cytokine_dose=None, preincubation: float = 30.0, plasma: bool = False,
                  **condition) -> DoseResponse:
    """Inhibitor dose-response on one cytokine/readout pair with a Hill fit.

    Doses are nM of free drug (or total plasma with ``plasma=True``); the drug is
    added ``preincubation`` min before the cytokine (at its catalog standard dose
    unless ``cytokine_dose`` is given). The readout is taken at ``time`` min, or as
    AUC over ``window``. Extra keywords (knockouts, mutations, ...) go to every
    simulation.
    """
    d = catalog.drug(drug)
    c = catalog.cytokine(cytokine)
    catalog.readout(readout)
    if window is not None:
        time = None
    doses_nM = np.array([to_nM(x, what=f"dose of {drug}") for x in doses], dtype=float)
    if doses_nM.size == 0:
        raise InputError("doses must not be empty")
    if plasma:
        doses_nM = doses_nM * d.fraction_unbound
    cdose = cytokine_dose if cytokine_dose is not None else c.standard_dose
    span = _time_span(time, window)

    def one(nM: float, cyt: dict) -> float:
        cond = Condition.make(cytokines=cyt, drugs={d.name: nM} if nM > 0 else None,
                              preincubation=preincubation, t_end=span, **condition)
        return response(model.run(cond, readouts=[readout]), readout, time, window)

    # Validate everything before the first simulation.
    Condition.make(cytokines={c.name: cdose}, drugs={d.name: float(doses_nM.max())},
                   preincubation=preincubation, t_end=span, **condition)
    baseline = one(0.0, {c.name: cdose})
    unstim = one(0.0, {})
    resp = np.array([one(x, {c.name: cdose}) for x in doses_nM])
    fit = None
    positive = doses_nM > 0
    if positive.sum() >= 3 and baseline > 0 and (baseline - resp.min()) > 0.05 * abs(baseline):
        fit = fit_hill(doses_nM[positive], resp[positive], top=baseline)
    metric = f"AUC {window[0]:g}-{window[1]:g} min" if window else f"at {time:g} min"
    return DoseResponse(d.name, c.name, readout, doses_nM, resp, baseline, fit, metric, unstim)


__all__ = ["DoseResponse", "PlasmaDose", "dose_response", "response"]
