"""One inhibitor over doses on a cytokine/readout pair: Hill fit, IC50 (:func:`dose_response`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError
from ..fitting import HillFit, midpoint_support
from ..model import DEFAULT_PREINCUBATION, Model, check_model
from ..parallel import RunOptions, progress_steps, run
from ..potency.draws import as_uncertainty, plan_draws, uses_parameter_ranges, with_parameter_set
from ..potency.reference import half_inhibition_dose
from ..results import background_text, flags_text, with_flags
from ..units import quiet_bare_doses
from .inputs import (
    all_plasma,
    check_not_varied,
    checked_background,
    converted_condition,
    default_doses,
    drug_doses_nM,
    merged,
    stimulus_nM,
)
from .measures import HALF, Measure, measured_values
from .predictive import PredictiveIC50, predictive_ic50
from .support import figure_of, judge_inhibition, nM_text, number_text, warn_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class DoseResponse:
    """An inhibitor's dose-response on one cytokine/readout pair.

    ``doses`` are free (medium) concentrations in nM, ``responses`` the readout's
    measure at each dose (``measure``: value at a time, or AUC), ``baseline`` the
    measure with cytokine and no drug, ``unstimulated`` without either.

    ``fit`` is the Hill fit whose IC50 the doses support, or None; a fit whose IC50
    lies outside the tested doses (or whose observed inhibition stays below 50% while
    still falling) is kept apart as ``extrapolated_fit``. ``measurable`` is False when
    the cytokine does not drive the readout (no signal above the detection floor,
    :data:`SIGNAL_FLOOR`); then inhibition, IC50 and max_effect are NaN. ``flags``
    says why, one line per reason (empty when nothing needs saying).
    """

    drug: str
    cytokine: str
    readout: str
    doses: np.ndarray
    responses: np.ndarray
    baseline: float
    unstimulated: float
    fit: HillFit | None
    measure: Measure
    context: str
    fraction_unbound: float
    background: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    measurable: bool = True
    extrapolated_fit: HillFit | None = None
    uncertainty: PredictiveIC50 | None = None
    # how it was run, beside the doses: a saved curve's record could not tell a 10 ng/mL,
    # 60 min pre-incubation curve from the defaults' (an audit)
    cytokine_dose_nM: float = float("nan")
    preincubation_min: float = float("nan")

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def ic50_interval(self) -> tuple[float, float]:
        """The IC50's predictive interval (nM, free): its ends over the draws of
        ``uncertainty=`` (the drug-potency posterior with the between-assay variability,
        the calibration ensemble or the parameter ranges; ``uncertainty.covers`` says
        which). An end is NaN where draws fall outside the tested doses. Needs
        ``dose_response(..., uncertainty=...)``."""
        if self.uncertainty is None:
            raise InputError("no predictive interval: call dose_response(..., uncertainty=True) (or 'potency', "
                             "'calibration', 'parameters'); ic50_fit_precision is only the Hill fit's precision")
        return self.uncertainty.interval()

    @property
    def ic50_plasma_interval(self) -> tuple[float, float]:
        """The predictive interval as total plasma concentration (nM): each draw's free IC50
        over its fraction unbound."""
        if self.uncertainty is None:
            raise InputError("no predictive interval: call dose_response(..., uncertainty=True)")
        return self.uncertainty.interval("plasma")

    @property
    def ic50(self) -> float:
        """Fitted IC50 in nM of free drug: the dose halfway between the no-drug response
        and the fitted floor (relative IC50). NaN when there is no fit the doses
        support: the drug moves the response by less than 5%, fewer than 3 doses, the
        IC50 outside the tested range, or a readout the cytokine does not drive
        (``flags`` says which)."""
        return self.fit.ic50 if self.fit else float("nan")

    @property
    def ic50_bound(self) -> tuple[str, float] | None:
        """Where the doses place an IC50 they cannot fit (nM free): ``(">", highest dose)``
        when no dose tested inhibits by half or the fit places the IC50 above them,
        ``("<", lowest dose)`` when the lowest already inhibits by half or the fit places it
        below; None when the IC50 is fitted, the readout is not measurable, or the doses
        say neither."""
        positive = self.doses > 0
        if not self.measurable or np.isfinite(self.ic50) or not positive.any():
            return None
        inhibition, fit = self.inhibition[positive], self.extrapolated_fit
        high, low = float(self.doses[positive].max()), float(self.doses[positive].min())
        if (fit is not None and fit.ic50 > high) or (np.isfinite(inhibition).any() and np.nanmax(inhibition) < HALF):
            return ">", high
        if (fit is not None and fit.ic50 < low) or inhibition[np.argmin(self.doses[positive])] >= HALF:
            return "<", low
        return None

    @property
    def ic50_fit_precision(self) -> tuple[float, float]:
        """How precisely the Hill curve fixes the IC50 of these simulated doses (95%, nM
        free): it narrows as doses are added and says nothing about the model's or the
        drug's uncertainty (that is :attr:`ic50_interval`)."""
        return self.fit.ic50_fit_precision if self.fit else (float("nan"), float("nan"))

    @property
    def midpoint(self) -> float:
        """The dose of the halfway response (nM): the IC50, under the name every dose-response shares."""
        return self.ic50

    @property
    def midpoint_fit_precision(self) -> tuple[float, float]:
        return self.ic50_fit_precision

    @property
    def ic50_plasma(self) -> float:
        """The IC50 as a total plasma concentration (nM): free IC50 / fraction unbound."""
        return self.ic50 / self.fraction_unbound

    @property
    def slope(self) -> float:
        return self.fit.slope if self.fit else float("nan")

    @property
    def max_effect(self) -> float:
        """The drug's largest effect, as a fraction of the no-drug response removed
        (the scale of ``inhibition``; see ``max_effect_unit``): the fitted plateau
        when the doses reach it, otherwise the largest inhibition observed (the fitted
        plateau would be an extrapolation). NaN when the readout is not measurable."""
        if not self.measurable:
            return float("nan")
        if self.fit and midpoint_support(self.fit, self.doses) == "ok":
            return self.fit.max_effect
        return float(1 - self.responses.min() / self.baseline) if self.baseline else float("nan")

    @property
    def max_effect_unit(self) -> str:
        return "fraction"

    @property
    def inhibition(self) -> np.ndarray:
        """Fraction of the no-drug response removed at each dose (NaN when not measurable)."""
        if not self.measurable or not self.baseline:
            return np.full(self.doses.shape, np.nan)
        return 1 - self.responses / self.baseline

    def to_frame(self) -> pd.DataFrame:
        return with_flags(pd.DataFrame({"dose_nM": self.doses, "dose_plasma_nM": self.doses / self.fraction_unbound,
                                        self.readout: self.responses, "inhibition": self.inhibition}), self.flags)

    def companion_frames(self) -> dict:
        """The tables beside ``to_frame()`` that ``js.save`` keeps as ``<stem>_<name>.csv``, as
        the command line does: with ``uncertainty=``, the band per dose and each draw's IC50."""
        if self.uncertainty is None:
            return {}
        return {"band": self.uncertainty.band_frame(), "draws": self.uncertainty.to_frame()}

    def summary(self) -> dict:
        """The fit's numbers, flat: ``ic50_nM`` (and ``midpoint_nM``, the same number under
        the name every dose-response shares), its fit precision, the plasma IC50, slope,
        ``max_effect`` (``max_effect_unit``: fraction inhibited), the no-drug and
        unstimulated responses in the readout's unit; with ``uncertainty=``, the
        predictive interval's keys and ``interval_flags``."""
        lo, hi = self.ic50_fit_precision
        bound = self.ic50_bound
        unit = self.measure.unit(self.readout)
        interval = {}
        if self.uncertainty is not None:
            interval = {k: v for k, v in self.uncertainty.summary().items() if k != "flags"}
            interval["interval_flags"] = flags_text(self.uncertainty.flags)
        return {"drug": self.drug, "cytokine": self.cytokine, "readout": self.readout, "measure": self.metric,
                "ic50_nM": self.ic50, "midpoint_nM": self.midpoint, "ic50_fit_precision_low_nM": lo,
                "ic50_fit_precision_high_nM": hi, "ic50_plasma_nM": self.ic50_plasma, "slope": self.slope,
                "max_effect": self.max_effect, "max_effect_unit": self.max_effect_unit,
                "baseline": self.baseline, "baseline_unit": unit, "unstimulated": self.unstimulated,
                "unstimulated_unit": unit, "min_dose_nM": float(self.doses.min()), "max_dose_nM": float(self.doses.max()),
                "doses": len(self.doses), "cytokine_dose_nM": self.cytokine_dose_nM,
                "preincubation_min": self.preincubation_min, "context": self.context,
                "background": background_text(self.background),
                "ic50_bound": "" if bound is None else f"{bound[0]} {bound[1]:g}",
                **interval, "flags": flags_text(self.flags)}

    def plot(self, ax=None) -> Figure:
        """Points and Hill fit on a log dose axis (drawn on ``ax`` if given); returns the Figure."""
        from .. import plots

        return figure_of(plots.dose_curve(self, ax=ax))


def dose_response(model: Model, drug: str, cytokine: str, readout: str | None = None,
                  doses: Sequence | None = None, *, time: float | None = None,
                  window: tuple[float, float] | None = None, cytokine_dose=None,
                  preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False, uncertainty=None,
                  draws: int | None = None, seed: int | None = None,
                  n_jobs: int = 1, client=None, progress: bool = False, engine: str = "roadrunner",
                  **condition) -> DoseResponse:
    """Inhibitor dose-response on one cytokine/readout pair, with a Hill fit.

    ``doses`` are nM of free drug (numbers) or strings with units (default:
    :func:`default_doses`); a dose marked ``js.plasma(...)`` is a total plasma
    concentration, converted with the drug's fraction unbound, and ``plasma=True``
    marks every drug dose of the call (the default series and background drugs too).
    The drug is added ``preincubation`` min (default 30) before the cytokine
    (at its catalog standard dose unless ``cytokine_dose`` is given). The readout
    (default: the cytokine's main readout) is taken at ``time`` min (default 20) or
    as AUC over ``window=(start, end)``. Extra keywords (``knockouts``,
    ``mutations``, ``overexpress``, ``drugs``, ``cytokines``, ``parameters``) are a
    background applied to every simulation.

    The fit fixes the zero-dose response at the simulated no-drug value, so
    ``ic50``, ``slope`` and ``max_effect`` come from the doses alone. What the doses
    cannot support is NaN, with a reason in ``flags`` and a :class:`JakStatWarning`:
    a readout the cytokine does not drive, fewer than 3 doses, a flat response, an
    IC50 outside the tested range or not reached (< 50% inhibition, still falling).

    ``uncertainty`` (``True``, ``"potency"``, ``"calibration"``, ``"parameters"``;
    :mod:`jakstat_sbml.potency.draws`) adds the IC50's predictive interval
    (``ic50_interval``, free and total plasma, with ``uncertainty.covers`` saying what
    it covers) over ``draws`` draws (None: 200) seeded by ``seed`` (None: 0; both only
    with ``uncertainty``). Each distinct parameter set is simulated once; each draw's
    potency moves the dose axis.
    """
    check_model(model)
    RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)  # checked before any work
    unc = as_uncertainty(uncertainty, draws=draws, seed=seed, context=model.context)
    curve = plan_curve(drug, cytokine, readout, doses, time=time, window=window, cytokine_dose=cytokine_dose,
                       preincubation=preincubation, plasma=plasma, **condition)
    d, c, readout, measure, doses_nM, bg, conditions = (curve.drug, curve.cytokine, curve.readout, curve.measure,
                                                         curve.doses_nM, curve.background, curve.conditions)
    model.warn_inert_background(bg.get("knockouts"), bg.get("parameters"), bg.get("mutations"))
    stimulus = curve.stimulus
    plan = None
    if unc is not None:
        shown = progress if uses_parameter_ranges(model, unc) else False
        with progress_steps(shown, min(unc.parameter_sets, unc.draws), "drug layer refitted per parameter set") as advance:
            done = [0]

            def refitted(n: int, total: int) -> None:
                advance(n - done[0])
                done[0] = n

            plan = plan_draws(model, [d.name], unc, cytokine=c.name, n_jobs=n_jobs, client=client, engine=engine,
                              progress=refitted)
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    values = measured_values(df, len(conditions), [readout], measure)[readout]
    fit, extrapolated, flags, measurable = curve.judge(values, model.context)
    predictive = None
    if plan is not None:
        # Every distinct parameter set of the draws (the context's own values are the plain
        # curve: a set of {} is not simulated twice), on the doses around the plain IC50 that
        # fix a set's IC50 and curve; a set whose IC50 lies beyond them is found by bisection.
        own_values = model.parameter_values()
        sets = [{} if all(np.isclose(v, own_values.get(k, np.nan), rtol=1e-12, atol=0) for k, v in p.items()) else p
                for p in plan.parameter_sets]  # a calibration ensemble's optimum is the context itself
        near = _doses_near(doses_nM, fit.ic50 if fit is not None else math.nan)
        keep = [0, 1] + [2 + i for i, x in enumerate(doses_nM) if x in near]
        drawn = [conditions[i] for i in keep]
        runs = [cond for p in sets if p for cond in with_parameter_set(drawn, p)]
        every = []
        if runs:
            df = run(model, runs, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress,
                     engine=engine)
            every = list(measured_values(df, len(runs), [readout], measure)[readout].reshape(-1, len(drawn)))
        rows = [(values, doses_nM) if not p else (every.pop(0), near) for p in sets]
        ic50s, fits = _set_ic50s(rows, d.name, c.name, readout, measure, model.context)
        if measure.window is None:
            for k, params in enumerate(sets):
                if not (np.isfinite(ic50s[k]) and ic50s[k] > 0):
                    own = dict(bg.get("parameters") or {})
                    with quiet_bare_doses():
                        ic50s[k], _ = half_inhibition_dose(
                            model, d.name, c.name, stimulus[c.name], readout, preincubation, measure.t_end,
                            {**params, **own}, background={k2: v for k2, v in bg.items() if k2 != "parameters"},
                            guess=fit.ic50 if fit is not None else None, engine=engine)
        nominal = fit.ic50 if fit is not None else math.nan
        predictive = predictive_ic50(plan, d.name, ic50s, fits, doses_nM, nominal)
        warn_flags(predictive.flags)
    warn_flags(flags)
    return curve.result(values, model.context, (fit, extrapolated, flags, measurable), predictive)


@dataclass(frozen=True)
class CurvePlan:
    """What one dose-response simulates and how its numbers become a :class:`DoseResponse`:
    the checked inputs and the conditions (no drug, no cytokine either, then each dose).
    :func:`dose_response` runs one; a panel (``js.compare_drugs``) runs many plans'
    conditions in one batch and finishes each with :meth:`result`."""

    drug: catalog.Drug
    cytokine: catalog.Cytokine
    readout: str
    measure: Measure
    doses_nM: np.ndarray
    background: dict
    stimulus: dict
    plasma_text: bool
    conditions: tuple
    preincubation: float = float("nan")

    def judge(self, values: np.ndarray, context: str):
        """(fit, extrapolated fit, flags, measurable) of the measured ``values`` (one per condition)."""
        d, fu = self.drug, self.drug.fraction_unbound

        def dose_text(x: float) -> str:
            return f"{number_text(x)} nM free ({number_text(x / fu)} nM plasma)" if self.plasma_text else nM_text(x)

        return judge_inhibition(d.name, self.cytokine.name, self.readout, self.doses_nM, values[2:],
                                float(values[0]), float(values[1]), self.measure, context, dose_text)

    def result(self, values: np.ndarray, context: str, judged=None, predictive=None) -> DoseResponse:
        """The :class:`DoseResponse` of the measured ``values`` (one per condition, in order)."""
        fit, extrapolated, flags, measurable = judged if judged is not None else self.judge(values, context)
        return DoseResponse(self.drug.name, self.cytokine.name, self.readout, self.doses_nM, values[2:],
                            float(values[0]), float(values[1]), fit, self.measure, context,
                            self.drug.fraction_unbound, self.background, flags, measurable, extrapolated, predictive,
                            float(self.stimulus[self.cytokine.name]), float(self.preincubation))


def plan_curve(drug: str, cytokine: str, readout: str | None = None, doses: Sequence | None = None, *,
               time: float | None = None, window: tuple[float, float] | None = None, cytokine_dose=None,
               preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False, **condition) -> CurvePlan:
    """The checked inputs and conditions of :func:`dose_response` (same keywords, no run options)."""
    d = catalog.drug(drug)
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    doses_nM = drug_doses_nM(default_doses(d.name) if doses is None else doses, d, plasma)
    bg = checked_background(condition, plasma, own_doses=True, experiment="dose_response")
    check_not_varied(d.name, bg.get("drugs"), "drug")
    stimulus = stimulus_nM(bg, c, cytokine_dose)
    common = dict(bg, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = (
        converted_condition(**merged(common, {"cytokines": stimulus})),  # no drug
        converted_condition(**merged(common, {"cytokines": bg.get("cytokines")})),  # no cytokine either
        *(converted_condition(**merged(common, {"cytokines": stimulus, "drugs": merged(bg.get("drugs"), {d.name: x})}))
          for x in doses_nM),
    )
    return CurvePlan(d, c, readout, measure, doses_nM, bg, stimulus, all_plasma(doses, plasma), conditions,
                     float(preincubation))


SET_SPAN = 30.0  # a draw's parameter set is simulated at the doses within this factor of the plain IC50
MIN_SET_DOSES = 4


def _doses_near(doses: np.ndarray, ic50: float) -> np.ndarray:
    """The tested doses within :data:`SET_SPAN` of ``ic50`` (all of them when the plain
    curve has no IC50 or too few doses fall there): enough for a Hill fit of a parameter
    set's curve, far fewer simulations than the whole series."""
    positive = doses[doses > 0]
    if not np.isfinite(ic50) or ic50 <= 0:
        return doses
    near = positive[(positive >= ic50 / SET_SPAN) & (positive <= ic50 * SET_SPAN)]
    return near if near.size >= MIN_SET_DOSES else doses


def _set_ic50s(rows, drug: str, cytokine: str, readout: str, measure: Measure,
               context: str) -> tuple[np.ndarray, list]:
    """Each parameter set's IC50 (inf above the tested doses, 0 below, NaN undetermined)
    and the Hill fit that draws its curve (the extrapolated one where the IC50 lies
    outside the doses)."""
    ic50s, fits = [], []
    for row, doses in rows:
        positive = doses[doses > 0]
        fit, extrapolated, _, _ = judge_inhibition(drug, cytokine, readout, doses, row[2:], float(row[0]),
                                                   float(row[1]), measure, context, nM_text)
        if fit is not None:
            ic50s.append(fit.ic50)
        elif extrapolated is not None and positive.size and extrapolated.ic50 > positive.max():
            ic50s.append(math.inf)
        elif extrapolated is not None and positive.size and extrapolated.ic50 < positive.min():
            ic50s.append(0.0)
        else:
            ic50s.append(math.nan)
        fits.append(fit or extrapolated)
    return np.array(ic50s, float), fits
