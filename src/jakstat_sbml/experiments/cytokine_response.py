"""One cytokine over doses: Hill fit, EC50 (:func:`cytokine_response`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..fitting import HillFit, midpoint_support
from ..model import DEFAULT_PREINCUBATION, Model, check_model
from ..parallel import run
from ..results import background_text, flags_text, with_flags
from ..units import quiet_bare_doses, to_nM
from .inputs import check_not_varied, checked_background, concentrations_nM, converted_condition, merged
from .measures import Measure, measured_values
from .support import figure_of, judge_activation, number_text, warn_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class CytokineResponse:
    """A cytokine's dose-response on one readout: ``doses`` in nM, ``responses`` the
    readout's measure, ``unstimulated`` the measure without this cytokine.

    ``fit``, ``extrapolated_fit``, ``measurable`` and ``flags`` as in
    :class:`DoseResponse`: an EC50 outside the tested doses is NaN, and a readout the
    cytokine does not drive has no EC50 and no max_effect.
    """

    cytokine: str
    readout: str
    doses: np.ndarray
    responses: np.ndarray
    unstimulated: float
    fit: HillFit | None
    measure: Measure
    context: str
    background: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    measurable: bool = True
    extrapolated_fit: HillFit | None = None

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def ec50(self) -> float:
        """Fitted EC50 in nM: the dose halfway between the unstimulated and the
        saturating response. NaN when the cytokine moves the readout by < 5%, when
        the EC50 lies outside the tested doses, and when the cytokine does not drive
        the readout (``flags`` says which)."""
        return self.fit.ec50 if self.fit else float("nan")

    @property
    def ec50_fit_precision(self) -> tuple[float, float]:
        return self.fit.ec50_fit_precision if self.fit else (float("nan"), float("nan"))

    @property
    def midpoint(self) -> float:
        """The dose of the halfway response (nM): the EC50, under the name every dose-response shares."""
        return self.ec50

    @property
    def midpoint_fit_precision(self) -> tuple[float, float]:
        return self.ec50_fit_precision

    @property
    def ec50_ng_per_mL(self) -> float:
        # nM x kDa = ng/mL
        return self.ec50 * catalog.CYTOKINES[self.cytokine].mass_kda

    @property
    def slope(self) -> float:
        return self.fit.slope if self.fit else float("nan")

    @property
    def max_effect(self) -> float:
        """The cytokine's largest effect, as the readout's response (the scale of
        ``responses``; see ``max_effect_unit``): the fitted response at saturating
        cytokine when the doses reach the plateau, otherwise the observed maximum. NaN
        when the cytokine does not drive the readout."""
        if not self.measurable:
            return float("nan")
        if self.fit and midpoint_support(self.fit, self.doses) == "ok":
            return self.fit.saturation
        return float(self.responses.max())

    @property
    def max_effect_unit(self) -> str:
        return self.measure.unit(self.readout)

    def to_frame(self) -> pd.DataFrame:
        mass = catalog.CYTOKINES[self.cytokine].mass_kda
        return with_flags(pd.DataFrame({"dose_nM": self.doses, "dose_ng_per_mL": self.doses * mass,
                                        self.readout: self.responses}), self.flags)

    def summary(self) -> dict:
        """The fit's numbers, flat: ``ec50_nM`` (and ``midpoint_nM``, the same number under
        the name every dose-response shares), its fit precision, the EC50 in ng/mL, slope,
        ``max_effect`` in ``max_effect_unit`` (the readout's), the unstimulated response."""
        lo, hi = self.ec50_fit_precision
        return {"cytokine": self.cytokine, "readout": self.readout, "measure": self.metric,
                "ec50_nM": self.ec50, "midpoint_nM": self.midpoint, "ec50_fit_precision_low_nM": lo,
                "ec50_fit_precision_high_nM": hi, "ec50_ng_per_mL": self.ec50_ng_per_mL, "slope": self.slope,
                "max_effect": self.max_effect, "max_effect_unit": self.max_effect_unit,
                "unstimulated": self.unstimulated, "unstimulated_unit": self.max_effect_unit,
                "context": self.context,
                "background": background_text(self.background), "flags": flags_text(self.flags)}

    def plot(self, ax=None) -> Figure:
        """Points and Hill fit on a log dose axis (drawn on ``ax`` if given); returns the Figure."""
        from .. import plots

        return figure_of(plots.dose_curve(self, ax=ax))


def cytokine_response(model: Model, cytokine: str, readout: str | None = None, doses: Sequence | None = None,
                      *, time: float | None = None, window: tuple[float, float] | None = None,
                      preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False, n_jobs: int = 1,
                      client=None, progress: bool = False, engine: str = "roadrunner",
                      **condition) -> CytokineResponse:
    """Cytokine dose-response (EC50) on one readout, with a Hill fit.

    ``doses`` are nM (numbers) or strings with units ("1 ng/mL"); by default 11
    half-log steps from 1/1000 to 100x the catalog's standard dose. The readout
    (default: the cytokine's main readout) is taken at ``time`` min (default 20)
    or as AUC over ``window``. Extra keywords are a background applied to every
    simulation, as in :func:`dose_response`: background ``drugs=`` are added
    ``preincubation`` min (default 30) before the cytokine, and are total plasma
    concentrations when marked ``js.plasma()`` or with ``plasma=True``. What the doses cannot
    support is NaN, with a reason in ``flags`` and a :class:`JakStatWarning`.
    """
    check_model(model)
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    if doses is None:  # the package's own grid: nM by construction, so no bare-number warning
        standard = to_nM(c.standard_dose, what=c.name, mass_kda=c.mass_kda)
        with quiet_bare_doses():
            doses_nM = concentrations_nM(standard * 10.0 ** np.arange(-3, 2.01, 0.5), f"doses of {c.name}")
    else:
        doses_nM = concentrations_nM(doses, f"doses of {c.name}", mass_kda=c.mass_kda)
    bg = checked_background(condition, plasma, experiment="cytokine_response")
    model.warn_inert_background(bg.get("knockouts"), bg.get("parameters"), bg.get("mutations"))
    check_not_varied(c.name, bg.get("cytokines"), "cytokine")
    common = dict(bg, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = [converted_condition(**common)]
    conditions += [converted_condition(**merged(common, {"cytokines": merged(bg.get("cytokines"), {c.name: x})}))
                   for x in doses_nM]
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress,
             engine=engine)
    values = measured_values(df, len(conditions), [readout], measure)[readout]
    unstimulated, resp = float(values[0]), values[1:]

    def dose_text(x: float) -> str:
        return f"{number_text(x)} nM ({number_text(x * c.mass_kda)} ng/mL)"

    fit, extrapolated, flags, measurable = judge_activation(c.name, readout, doses_nM, resp, unstimulated, measure,
                                                             model.context, dose_text)
    warn_flags(flags)
    return CytokineResponse(c.name, readout, doses_nM, resp, unstimulated, fit, measure, model.context, bg, flags,
                            measurable, extrapolated)
