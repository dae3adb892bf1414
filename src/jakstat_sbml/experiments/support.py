"""What a result can support: the signal floor, and the judgements that turn simulated
responses into a fitted midpoint or NaN with a flag saying why."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ..errors import InputError, JakStatWarning
from ..fitting import HillFit, fit_hill, midpoint_support
from .measures import HALF, MIN_EFFECT, SIGNAL_FLOOR, SIGNAL_FLOOR_RELATIVE, Measure


def signal_floor(measure: Measure, *levels) -> float:
    """Smallest difference between two responses that counts as signal (readout unit,
    x min for an AUC): see :data:`SIGNAL_FLOOR`. ``levels`` are the responses compared."""
    absolute = SIGNAL_FLOOR * (measure.window[1] - measure.window[0] if measure.window else 1.0)
    level = max((float(np.nanmax(np.abs(x))) for x in levels if np.size(x) and np.isfinite(x).any()), default=0.0)
    return max(absolute, SIGNAL_FLOOR_RELATIVE * level)


def figure_of(drawn):
    """The Figure of what a plots function returned (an Axes or a Figure): every
    result's plot() returns the Figure, whatever it drew on."""
    from matplotlib.figure import FigureBase

    return drawn if isinstance(drawn, FigureBase) else drawn.figure


def warn_flags(flags: Sequence[str]) -> None:
    for flag in flags:  # stacklevel 3: the line of user code that called the experiment
        warnings.warn(flag, JakStatWarning, stacklevel=3)


def number_text(x: float) -> str:
    """3 significant digits, without an exponent for 0.001 to 1e6: 100000, not 1e+05."""
    text = f"{x:.3g}"
    return f"{x:.0f}" if "e+" in text and abs(x) < 1e6 else text


def nM_text(x: float) -> str:
    return f"{number_text(x)} nM"


def dose_range_text(doses: np.ndarray, text) -> str:
    positive = doses[doses > 0]
    if positive.size == 0:
        return "no positive dose"
    if positive.size == 1:
        return text(positive[0])
    return f"{text(positive.min())} to {text(positive.max())}"


def too_few_doses(doses: np.ndarray, agent: str, midpoint: str) -> str | None:
    n = int(np.sum(doses > 0))
    if n >= 3:
        return None
    return (f"{n} positive dose{'' if n == 1 else 's'} of {agent}: a Hill fit needs at least 3, "
            f"so there is no {midpoint}")


def no_ci_flag(midpoint: str, n: int) -> str:
    why = (f"{n} doses for 3 fitted parameters leave no residual degrees of freedom" if n <= 3
           else "the fit's covariance is singular")
    return f"the Hill fit gives the {midpoint} no fit-precision interval: {why}"


BASAL_SHARE = 0.1  # a readout at rest above this share of the stimulated one is flagged (judge_inhibition)


def judge_inhibition(drug: str, cytokine: str, readout: str, doses: np.ndarray, resp: np.ndarray,
                      baseline: float, unstimulated: float, measure: Measure, context: str,
                      dose_text) -> tuple[HillFit | None, HillFit | None, tuple[str, ...], bool]:
    """Fit, extrapolated fit, flags and measurability of an inhibitor dose-response.

    The IC50 is kept when the doses bracket it and the highest dose inhibits >= 50%
    (or the curve levels off at a partial effect, then flagged as relative); otherwise
    the fit goes to ``extrapolated_fit`` and the IC50 is NaN.
    """
    unit = measure.unit(readout)
    floor = signal_floor(measure, baseline, unstimulated)
    driven = abs(baseline - unstimulated) > floor
    if not driven and abs(baseline) <= floor:
        return None, None, (
            f"{cytokine} does not drive {readout} in context {context!r}: {baseline:.3g} {unit} with {cytokine} "
            f"vs {unstimulated:.3g} {unit} without ({measure.label}), below the {floor:.2g} {unit} detection "
            f"floor; no inhibition or IC50 can be measured",), False
    flags = []
    if not driven:
        flags.append(f"{cytokine} does not raise {readout} above its unstimulated level ({unstimulated:.3g} {unit}, "
                     f"{measure.label}): the inhibition is of the basal signal, which decays at its own pace "
                     "once the drug is added and may not have settled by the read-out: read later (time=, "
                     "--time) to see where it settles")
    elif unstimulated > BASAL_SHARE * baseline:
        # JAK3 A572V cells: tofacitinib's IL-2 IC50 was 29 nM after 30 min of drug and 77 after 120, its
        # maximal inhibition 0.80 and 0.98, with nothing said (a CTCL audit)
        flags.append(f"{readout} is {unstimulated:.3g} {unit} without {cytokine}, {unstimulated / baseline:.0%} of the "
                     f"{baseline:.3g} {unit} with it ({measure.label}): signal made before the drug acts decays at its "
                     "own pace, so the inhibition, IC50 and maximal effect depend on the pre-incubation and the "
                     "read-out time, not on potency alone (compare a longer preincubation= or a later time=)")
    few = too_few_doses(doses, drug, "IC50")
    if few:
        return None, None, (*flags, few), True
    positive = doses > 0
    x, y = doses[positive], resp[positive]
    inhibition = 1 - y / baseline
    observed = float(inhibition.max())
    tested = dose_range_text(doses, dose_text)
    if baseline - y.min() <= MIN_EFFECT * max(abs(baseline), float(np.abs(resp).max())):
        rise = f"; it raises {readout} by up to {-inhibition.min():.0%}" if inhibition.min() < -MIN_EFFECT else ""
        return None, None, (*flags, f"{drug} does not lower {readout} by {MIN_EFFECT:.0%} or more at {tested} (at "
                                    f"most {max(observed, 0.0):.1%} inhibition{rise}): nothing to fit, no IC50"), True
    try:
        fit = fit_hill(x, y, zero=baseline)
    except InputError as e:
        return None, None, (*flags, f"no IC50: {e}"), True
    top, low = x.argmax(), x.argmin()
    support = midpoint_support(fit, x)
    if support == "above":
        return None, fit, (*flags, f"the highest dose tested, {dose_text(x[top])}, inhibits {readout} by "
                                   f"{inhibition[top]:.0%}: the IC50 is above the tested range"), True
    if support == "below":
        return None, fit, (*flags, f"the lowest dose tested, {dose_text(x[low])}, already inhibits {readout} by "
                                   f"{inhibition[low]:.0%}: the IC50 is below the tested range"), True
    if observed < HALF:
        if support == "open":
            return None, fit, (*flags, f"{drug} inhibits {readout} by at most {observed:.0%} and has not levelled "
                                       f"off at the highest dose tested, {dose_text(x[top])}: the IC50 is not within "
                                       f"the tested range"), True
        flags.append(f"partial inhibition: {drug} inhibits {readout} by at most {observed:.0%} and levels off; the "
                     f"IC50 ({dose_text(fit.ic50)}) is relative, half of that maximal effect, and 50% inhibition is "
                     f"never reached")
    elif support == "open":
        flags.append(f"{readout} is still falling at the highest dose tested ({dose_text(x[top])}, "
                     f"{inhibition[top]:.0%} inhibition): the fitted maximal effect ({fit.max_effect:.0%}) is an "
                     f"extrapolation, max_effect is the observed {observed:.0%}")
    if not all(np.isfinite(fit.ic50_fit_precision)):
        flags.append(no_ci_flag("IC50", x.size))
    return fit, None, tuple(flags), True


def judge_activation(cytokine: str, readout: str, doses: np.ndarray, resp: np.ndarray, unstimulated: float,
                      measure: Measure, context: str,
                      dose_text) -> tuple[HillFit | None, HillFit | None, tuple[str, ...], bool]:
    """Fit, extrapolated fit, flags and measurability of a cytokine dose-response: the
    EC50 is kept when the doses bracket it, NaN (fit in ``extrapolated_fit``) otherwise."""
    unit = measure.unit(readout)
    floor = signal_floor(measure, unstimulated, resp)
    if float(np.max(np.abs(resp - unstimulated))) <= floor:
        return None, None, (
            f"{cytokine} does not drive {readout} in context {context!r}: at every dose it stays within {floor:.2g} "
            f"{unit} of the unstimulated {unstimulated:.3g} {unit} ({measure.label}); no EC50 or max_effect can be "
            f"measured",), False
    few = too_few_doses(doses, cytokine, "EC50")
    if few:
        return None, None, (few,), True
    positive = doses > 0
    x, y = doses[positive], resp[positive]
    tested = dose_range_text(doses, dose_text)
    rise = y - unstimulated
    scale = max(abs(unstimulated), float(np.abs(resp).max()))
    if rise.max() <= MIN_EFFECT * scale:
        fall = (f"; it lowers {readout} by up to {-rise.min():.3g} {unit}, and only rising responses are fitted"
                if rise.min() < -MIN_EFFECT * scale else "")
        return None, None, (f"{cytokine} does not raise {readout} by {MIN_EFFECT:.0%} or more at {tested} (at most "
                            f"{max(rise.max(), 0.0):.3g} {unit}{fall}): nothing to fit, no EC50",), True
    try:
        fit = fit_hill(x, y, zero=unstimulated)
    except InputError as e:
        return None, None, (f"no EC50: {e}",), True
    top, low = x.argmax(), x.argmin()
    support = midpoint_support(fit, x)
    if support == "above":
        return None, fit, (f"the highest dose tested, {dose_text(x[top])}, gives {readout} {y[top]:.3g} {unit} and it "
                           f"is still rising: the EC50 is above the tested range",), True
    if support == "below":
        return None, fit, (f"the lowest dose tested, {dose_text(x[low])}, already gives {rise[low] / rise.max():.0%} "
                           f"of the largest {readout} response: the EC50 is below the tested range",), True
    flags = []
    if support == "open":
        flags.append(f"{readout} is still rising at the highest dose tested ({dose_text(x[top])}): the fitted plateau "
                     f"({fit.saturation:.3g} {unit}) is an extrapolation, max_effect is the observed maximum "
                     f"{y.max():.3g} {unit}")
    if not all(np.isfinite(fit.ic50_fit_precision)):
        flags.append(no_ci_flag("EC50", x.size))
    return fit, None, tuple(flags), True
