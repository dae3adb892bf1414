"""The experiments people run on the model, each returning a result object.

- :func:`dose_response` - one inhibitor over doses on a cytokine/readout pair -> Hill fit (IC50)
- :func:`cytokine_response` - one cytokine over doses -> Hill fit (EC50)
- :func:`knockout_screen` - every gene knocked out under each cytokine -> log2 fold changes
- :func:`combination` - two drugs on a dose grid -> Bliss, Loewe and HSA excess

Single perturbations (knockouts, overexpression, mutations, drugs, pre-incubation)
are keywords of :meth:`Model.simulate`; the experiments take the same keywords as a
background applied to every simulation. Every input is validated before the first
simulation, and all simulations go through :func:`jakstat_sbml.run`, so
``n_jobs=``, ``client=`` and ``progress=`` work the same way everywhere.

Every result (:class:`DoseResponse`, :class:`CytokineResponse`,
:class:`KnockoutScreen`, :class:`Combination`) has the same verbs: ``to_frame()``
(a DataFrame of its data, flags in ``attrs``), ``summary()`` (a dict of its main
numbers, with ``context`` and ``flags``) and ``plot(ax=None)``, which always returns
the matplotlib **Figure** (drawn on ``ax`` when given: an Axes, or for a
Combination its four Axes). Dose-responses share one vocabulary: ``midpoint`` (nM;
the domain names ``ic50`` / ``ec50`` are the same number), ``midpoint_ci``,
``slope`` and ``max_effect``.

A result reports only what its simulations support. Each has ``flags``: one-line
reasons why a number is missing or needs care (empty when all is well), also in
``summary()`` and in ``to_frame().attrs["flags"]``, and each flag is emitted as a
:class:`~jakstat_sbml.errors.JakStatWarning`. A readout the stimulus does not drive
gives no inhibition, IC50 or EC50 (NaN); neither does a midpoint the doses do not
bracket, or a response that does not move (see :data:`SIGNAL_FLOOR`).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError, JakStatWarning, UnknownNameError
from .fitting import HillFit, bliss_excess, fit_hill, hsa_excess, loewe_excess, midpoint_support
from .model import DEFAULT_PREINCUBATION, Condition, Model
from .parallel import run
from .units import PlasmaDose, as_plasma, drug_nM, quiet_bare_doses, to_nM

DEFAULT_DRUG_DOSES = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000)  # nM free, JAK inhibitors
# Pimozide acts at 5-20 uM (Nelson et al., Blood 2011), so its default range is higher.
DEFAULT_DOSES = {"pimozide": (300, 1000, 3000, 10000, 30000, 100000)}
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
BACKGROUND_KEYS = ("cytokines", "drugs", "knockouts", "overexpress", "mutations", "parameters")


# ----------------------------------------------------------------------------- measures


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
        return _measure(t, y, self.time, self.window)


def response(df: pd.DataFrame, readout: str, time: float | None = None,
             window: tuple[float, float] | None = None) -> float:
    """One number from a time course: the value at ``time`` or the AUC over ``window``
    (readout unit x min, trapezoidal rule on the simulated points)."""
    if (time is None) == (window is None):
        raise InputError("give exactly one of time= or window=")
    return _measure(df["time"].to_numpy(), df[readout].to_numpy(), time, window)


def _measure(t: np.ndarray, y: np.ndarray, time: float | None, window: tuple[float, float] | None) -> float:
    if time is not None:
        if not t[0] <= time <= t[-1]:
            raise InputError(f"time {time} min is outside the simulated {t[0]:g}-{t[-1]:g} min")
        return float(np.interp(time, t, y))
    a, b = window
    if not (t[0] <= a < b <= t[-1]):
        raise InputError(f"window {window} must lie within {t[0]:g}-{t[-1]:g} min with start < end")
    grid = np.union1d(t[(t > a) & (t < b)], [a, b])
    return float(np.trapezoid(np.interp(grid, t, y), grid))


def _measures(df: pd.DataFrame, n: int, readouts: Sequence[str], measure: Measure) -> dict[str, np.ndarray]:
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


# ----------------------------------------------------------------------------- input checks


def default_doses(drug: str) -> tuple:
    """Default dose series (nM, free) of a drug for dose-responses."""
    return DEFAULT_DOSES.get(catalog.drug(drug).name, DEFAULT_DRUG_DOSES)


def _dose_list(doses, what: str) -> list:
    if doses is None or isinstance(doses, (str, bytes, Mapping, PlasmaDose)) or not isinstance(doses, Iterable):
        raise InputError(f"{what}: doses must be a list of concentrations, got {doses!r}")
    doses = list(doses)
    if not doses:
        raise InputError(f"{what}: the dose list is empty")
    return doses


def _doses(doses, what: str, mass_kda: float | None = None) -> np.ndarray:
    """Doses in nM from a list of numbers (nM) or unit strings; fails on empty or bad input."""
    return np.array([to_nM(x, what=what, mass_kda=mass_kda) for x in _dose_list(doses, what)], dtype=float)


def _drug_doses(doses, drug: catalog.Drug, plasma: bool) -> np.ndarray:
    """Free nM of each drug dose in a list: numbers (nM), strings with units, or
    ``js.plasma()`` doses; with ``plasma=True`` every dose is total plasma. The same
    rule as ``drugs=`` of :meth:`Model.simulate`."""
    what = f"doses of {drug.name}"
    return np.array([drug_nM(x, what=what, fraction_unbound=drug.fraction_unbound, plasma=plasma)
                     for x in _dose_list(doses, what)], dtype=float)


def _all_plasma(doses, plasma: bool) -> bool:
    """Whether every dose of a user's list was a total plasma concentration (for messages)."""
    return plasma or (doses is not None and not isinstance(doses, (str, bytes, Mapping))
                      and isinstance(doses, Iterable) and all(isinstance(x, PlasmaDose) for x in doses))


def _condition(**keywords) -> Condition:
    """Condition.make for doses this module has already converted to nM (the user's
    own bare numbers were checked, and warned about, when they were converted)."""
    with quiet_bare_doses():
        return Condition.make(**keywords)


def _background(condition: Mapping, plasma: bool = False) -> dict:
    """The background keywords of an experiment (the same set, with the same meaning as
    in :meth:`Model.simulate`, for every experiment): applied to every simulation.
    ``plasma=True`` marks the background drug doses as total plasma too."""
    for key in condition:
        if key not in BACKGROUND_KEYS:
            raise UnknownNameError("background keyword", key, list(BACKGROUND_KEYS))
    if not isinstance(plasma, bool):
        raise InputError(f"plasma must be True or False, got {plasma!r}")
    bg = dict(condition)
    for key in ("cytokines", "drugs"):
        if bg.get(key) is not None and not isinstance(bg[key], Mapping):
            raise InputError(f"{key} must be a mapping of name to dose, got {type(bg[key]).__name__}")
    if bg.get("drugs") and plasma:
        bg["drugs"] = as_plasma(bg["drugs"], True)
    return bg


def _with(mapping: Mapping | None, extra: Mapping) -> dict:
    out = dict(mapping or {})
    out.update(extra)
    return out


def _check_not_in(name: str, mapping: Mapping | None, what: str) -> None:
    if mapping and any(k == name for k in mapping):
        raise InputError(f"{name} is the {what} being varied; remove it from the background {what}s")


def _stimulus(background: Mapping, cytokine: catalog.Cytokine, dose) -> dict:
    """Background cytokines plus ``cytokine`` at ``dose`` (catalog standard dose if None), in nM."""
    dose = cytokine.standard_dose if dose is None else dose
    return _with(background.get("cytokines"),
                 {cytokine.name: to_nM(dose, what=f"dose of {cytokine.name}", mass_kda=cytokine.mass_kda)})


# ----------------------------------------------------------------------------- what a result can support


def signal_floor(measure: Measure, *levels) -> float:
    """Smallest difference between two responses that counts as signal (readout unit,
    x min for an AUC): see :data:`SIGNAL_FLOOR`. ``levels`` are the responses compared."""
    absolute = SIGNAL_FLOOR * (measure.window[1] - measure.window[0] if measure.window else 1.0)
    level = max((float(np.nanmax(np.abs(x))) for x in levels if np.size(x) and np.isfinite(x).any()), default=0.0)
    return max(absolute, SIGNAL_FLOOR_RELATIVE * level)


def _figure(drawn):
    """The Figure of what a plots function returned (an Axes or a Figure): every
    result's plot() returns the Figure, whatever it drew on."""
    from matplotlib.figure import FigureBase

    return drawn if isinstance(drawn, FigureBase) else drawn.figure


def _warn(flags: Sequence[str]) -> None:
    for flag in flags:  # stacklevel 3: the line of user code that called the experiment
        warnings.warn(flag, JakStatWarning, stacklevel=3)


def _num(x: float) -> str:
    """3 significant digits, without an exponent for 0.001 to 1e6: 100000, not 1e+05."""
    text = f"{x:.3g}"
    return f"{x:.0f}" if "e+" in text and abs(x) < 1e6 else text


def _nM(x: float) -> str:
    return f"{_num(x)} nM"


def _dose_range(doses: np.ndarray, text) -> str:
    positive = doses[doses > 0]
    if positive.size == 0:
        return "no positive dose"
    if positive.size == 1:
        return text(positive[0])
    return f"{text(positive.min())} to {text(positive.max())}"


def _too_few(doses: np.ndarray, agent: str, midpoint: str) -> str | None:
    n = int(np.sum(doses > 0))
    if n >= 3:
        return None
    return (f"{n} positive dose{'' if n == 1 else 's'} of {agent}: a Hill fit needs at least 3, "
            f"so there is no {midpoint}")


def _no_ci(midpoint: str, n: int) -> str:
    why = (f"{n} doses for 3 fitted parameters leave no residual degrees of freedom" if n <= 3
           else "the fit's covariance is singular")
    return f"the {midpoint} has no confidence interval: {why}"


def _judge_inhibition(drug: str, cytokine: str, readout: str, doses: np.ndarray, resp: np.ndarray,
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
                     f"{measure.label}): the inhibition is of the basal signal")
    few = _too_few(doses, drug, "IC50")
    if few:
        return None, None, (*flags, few), True
    positive = doses > 0
    x, y = doses[positive], resp[positive]
    inhibition = 1 - y / baseline
    observed = float(inhibition.max())
    tested = _dose_range(doses, dose_text)
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
    if not all(np.isfinite(fit.ic50_ci)):
        flags.append(_no_ci("IC50", x.size))
    return fit, None, tuple(flags), True


def _judge_activation(cytokine: str, readout: str, doses: np.ndarray, resp: np.ndarray, unstimulated: float,
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
    few = _too_few(doses, cytokine, "EC50")
    if few:
        return None, None, (few,), True
    positive = doses > 0
    x, y = doses[positive], resp[positive]
    tested = _dose_range(doses, dose_text)
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
    if not all(np.isfinite(fit.ic50_ci)):
        flags.append(_no_ci("EC50", x.size))
    return fit, None, tuple(flags), True


# ----------------------------------------------------------------------------- dose-response


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

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def ic50(self) -> float:
        """Fitted IC50 in nM of free drug: the dose halfway between the no-drug response
        and the fitted floor (relative IC50). NaN when there is no fit the doses
        support: the drug moves the response by less than 5%, fewer than 3 doses, the
        IC50 outside the tested range, or a readout the cytokine does not drive
        (``flags`` says which)."""
        return self.fit.ic50 if self.fit else float("nan")

    @property
    def ic50_ci(self) -> tuple[float, float]:
        """95% confidence interval of the IC50 (nM, free)."""
        return self.fit.ic50_ci if self.fit else (float("nan"), float("nan"))

    @property
    def midpoint(self) -> float:
        """The dose of the halfway response (nM): the IC50, under the name every dose-response shares."""
        return self.ic50

    @property
    def midpoint_ci(self) -> tuple[float, float]:
        return self.ic50_ci

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
        frame = pd.DataFrame({"dose_nM": self.doses, "dose_plasma_nM": self.doses / self.fraction_unbound,
                              self.readout: self.responses, "inhibition": self.inhibition})
        frame.attrs["flags"] = self.flags
        return frame

    def summary(self) -> dict:
        lo, hi = self.ic50_ci
        return {"drug": self.drug, "cytokine": self.cytokine, "readout": self.readout, "measure": self.metric,
                "ic50_nM": self.ic50, "ic50_ci_low_nM": lo, "ic50_ci_high_nM": hi,
                "ic50_plasma_nM": self.ic50_plasma, "slope": self.slope, "max_effect": self.max_effect,
                "max_effect_unit": self.max_effect_unit, "baseline": self.baseline, "unstimulated": self.unstimulated,
                "max_dose_nM": float(self.doses.max()), "context": self.context, "flags": "; ".join(self.flags)}

    def plot(self, ax=None):
        """Points and Hill fit on a log dose axis (drawn on ``ax`` if given); returns the Figure."""
        from . import plots

        return _figure(plots.dose_curve(self, ax=ax))


def dose_response(model: Model, drug: str, cytokine: str, readout: str | None = None,
                  doses: Sequence | None = None, *, time: float | None = None,
                  window: tuple[float, float] | None = None, cytokine_dose=None,
                  preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False, n_jobs: int = 1,
                  client=None, progress: bool = False, **condition) -> DoseResponse:
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
    """
    d = catalog.drug(drug)
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    doses_nM = _drug_doses(default_doses(d.name) if doses is None else doses, d, plasma)
    bg = _background(condition, plasma)
    _check_not_in(d.name, bg.get("drugs"), "drug")
    plasma_text = _all_plasma(doses, plasma)
    stimulus = _stimulus(bg, c, cytokine_dose)
    common = dict(bg, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = [
        _condition(**_with(common, {"cytokines": stimulus})),  # no drug
        _condition(**_with(common, {"cytokines": bg.get("cytokines")})),  # no cytokine either
        *(_condition(**_with(common, {"cytokines": stimulus, "drugs": _with(bg.get("drugs"), {d.name: x})}))
          for x in doses_nM),
    ]
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress)
    values = _measures(df, len(conditions), [readout], measure)[readout]
    baseline, unstimulated, resp = float(values[0]), float(values[1]), values[2:]

    def dose_text(x: float) -> str:
        return f"{_num(x)} nM free ({_num(x / d.fraction_unbound)} nM plasma)" if plasma_text else _nM(x)

    fit, extrapolated, flags, measurable = _judge_inhibition(d.name, c.name, readout, doses_nM, resp, baseline,
                                                             unstimulated, measure, model.context, dose_text)
    _warn(flags)
    return DoseResponse(d.name, c.name, readout, doses_nM, resp, baseline, unstimulated, fit, measure,
                        model.context, d.fraction_unbound, bg, flags, measurable, extrapolated)


# ----------------------------------------------------------------------------- cytokine dose-response


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
    def ec50_ci(self) -> tuple[float, float]:
        return self.fit.ec50_ci if self.fit else (float("nan"), float("nan"))

    @property
    def midpoint(self) -> float:
        """The dose of the halfway response (nM): the EC50, under the name every dose-response shares."""
        return self.ec50

    @property
    def midpoint_ci(self) -> tuple[float, float]:
        return self.ec50_ci

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
        when the cytokine does not drive the readout. (Was ``emax``.)"""
        if not self.measurable:
            return float("nan")
        if self.fit and midpoint_support(self.fit, self.doses) == "ok":
            return self.fit.saturation
        return float(self.responses.max())

    @property
    def max_effect_unit(self) -> str:
        return self.measure.unit(self.readout)

    @property
    def emax(self) -> float:
        """Deprecated name of :attr:`max_effect`."""
        warnings.warn("CytokineResponse.emax is deprecated: use max_effect (the same number)", DeprecationWarning,
                      stacklevel=2)
        return self.max_effect

    def to_frame(self) -> pd.DataFrame:
        mass = catalog.CYTOKINES[self.cytokine].mass_kda
        frame = pd.DataFrame({"dose_nM": self.doses, "dose_ng_per_mL": self.doses * mass,
                              self.readout: self.responses})
        frame.attrs["flags"] = self.flags
        return frame

    def summary(self) -> dict:
        lo, hi = self.ec50_ci
        return {"cytokine": self.cytokine, "readout": self.readout, "measure": self.metric,
                "ec50_nM": self.ec50, "ec50_ci_low_nM": lo, "ec50_ci_high_nM": hi,
                "ec50_ng_per_mL": self.ec50_ng_per_mL, "slope": self.slope, "max_effect": self.max_effect,
                "max_effect_unit": self.max_effect_unit, "unstimulated": self.unstimulated, "context": self.context, "flags": "; ".join(self.flags)}

    def plot(self, ax=None):
        """Points and Hill fit on a log dose axis (drawn on ``ax`` if given); returns the Figure."""
        from . import plots

        return _figure(plots.dose_curve(self, ax=ax))


def cytokine_response(model: Model, cytokine: str, readout: str | None = None, doses: Sequence | None = None,
                      *, time: float | None = None, window: tuple[float, float] | None = None,
                      preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False, n_jobs: int = 1,
                      client=None, progress: bool = False, **condition) -> CytokineResponse:
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
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    if doses is None:  # the package's own grid: nM by construction, so no bare-number warning
        standard = to_nM(c.standard_dose, what=c.name, mass_kda=c.mass_kda)
        with quiet_bare_doses():
            doses_nM = _doses(standard * 10.0 ** np.arange(-3, 2.01, 0.5), f"doses of {c.name}")
    else:
        doses_nM = _doses(doses, f"doses of {c.name}", mass_kda=c.mass_kda)
    bg = _background(condition, plasma)
    _check_not_in(c.name, bg.get("cytokines"), "cytokine")
    common = dict(bg, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = [_condition(**common)]
    conditions += [_condition(**_with(common, {"cytokines": _with(bg.get("cytokines"), {c.name: x})}))
                   for x in doses_nM]
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress)
    values = _measures(df, len(conditions), [readout], measure)[readout]
    unstimulated, resp = float(values[0]), values[1:]

    def dose_text(x: float) -> str:
        return f"{_num(x)} nM ({_num(x * c.mass_kda)} ng/mL)"

    fit, extrapolated, flags, measurable = _judge_activation(c.name, readout, doses_nM, resp, unstimulated, measure,
                                                             model.context, dose_text)
    _warn(flags)
    return CytokineResponse(c.name, readout, doses_nM, resp, unstimulated, fit, measure, model.context, bg, flags,
                            measurable, extrapolated)


# ----------------------------------------------------------------------------- knockout screen


@dataclass(frozen=True)
class KnockoutScreen:
    """Effect of knocking out each gene on each (cytokine, readout) pair.

    ``effects`` is long: one row per gene x cytokine x readout with the AUC of the
    wild type and of the knockout (readout unit x min over ``window``) and
    ``log2_fold_change`` = log2((AUC_ko + f) / (AUC_wt + f)), where the floor f is
    1% of the wild-type AUC (at least 1e-9): a response that disappears reads
    log2(0.01 / 1.01) = -6.66 instead of minus infinity. A (cytokine, readout) pair
    whose wild-type AUC is below the detection floor (:data:`SIGNAL_FLOOR` x window)
    has no fold changes (NaN): the cytokine does not drive that readout, and a ratio
    of solver noise would mean nothing. ``flags`` names such pairs.
    """

    effects: pd.DataFrame
    window: tuple[float, float]
    context: str
    background: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        """Genes (rows, catalog order) x (cytokine, readout) columns of log2 fold changes."""
        wide = self.effects.pivot_table(index="gene", columns=["cytokine", "readout"],
                                        values="log2_fold_change", sort=False)
        # reindex: keeps the columns of pairs without fold changes (NaN), in screen order
        pairs = pd.MultiIndex.from_frame(self.effects[["cytokine", "readout"]].drop_duplicates())
        return wide.reindex(index=pd.unique(self.effects["gene"]), columns=pairs)

    def hits(self, threshold: float = 1.0) -> pd.DataFrame:
        """Rows whose |log2 fold change| is at least ``threshold`` (default: 2-fold)."""
        return self.effects[self.effects["log2_fold_change"].abs() >= threshold]

    def to_frame(self) -> pd.DataFrame:
        """The long table of ``effects`` (a copy), flags in ``attrs["flags"]``."""
        frame = self.effects.copy()
        frame.attrs["flags"] = self.flags
        return frame

    def summary(self) -> dict:
        """Size of the screen, its >= 2-fold hits and its strongest effect."""
        lfc = self.effects["log2_fold_change"]
        strongest = self.effects.loc[lfc.abs().idxmax()] if lfc.notna().any() else None
        return {"genes": int(self.effects["gene"].nunique()), "cytokines": int(self.effects["cytokine"].nunique()),
                "readouts": int(self.effects["readout"].nunique()),
                "measure": f"AUC {self.window[0]:g}-{self.window[1]:g} min",
                "hits_2fold": len(self.hits(1.0)), "fold_changes_missing": int(lfc.isna().sum()),
                "strongest_gene": None if strongest is None else strongest["gene"],
                "strongest_pair": None if strongest is None else f"{strongest['cytokine']}/{strongest['readout']}",
                "strongest_log2_fold_change": float("nan") if strongest is None else float(strongest["log2_fold_change"]),
                "context": self.context, "flags": "; ".join(self.flags)}

    def plot(self, ax=None):
        """Heatmap of the log2 fold changes (drawn on ``ax`` if given); returns the Figure."""
        from . import plots

        return _figure(plots.knockout_heatmap(self, ax=ax))


FLOOR_FRACTION = 0.01


def log2_fold_change(knockout, wild_type, floor_fraction: float = FLOOR_FRACTION):
    """log2((ko + f) / (wt + f)) with f = ``floor_fraction`` x |wt| (at least 1e-9)."""
    ko, wt = np.asarray(knockout, dtype=float), np.asarray(wild_type, dtype=float)
    f = np.maximum(floor_fraction * np.abs(wt), 1e-9)
    return np.log2((ko + f) / (wt + f))


def knockout_screen(model: Model, cytokines: Sequence[str] | Mapping | None = None,
                    readouts: Sequence[str] | None = None, *, genes: Sequence[str] | None = None,
                    window: tuple[float, float] = (0.0, 120.0), preincubation: float = DEFAULT_PREINCUBATION,
                    plasma: bool = False, n_jobs: int = 1, client=None, progress: bool = False,
                    **condition) -> KnockoutScreen:
    """Knock out every gene of the model (DESIGN 2.1; ``genes=`` for a subset) under
    each cytokine and compare the AUC of each readout with the wild type.

    ``cytokines``: what is screened, names (standard doses) or a mapping name -> dose,
    each cytokine applied alone; default all. (Here, unlike the other experiments,
    ``cytokines`` is not a background keyword: a screen has no background cytokine.)
    ``readouts``: measured for every cytokine; default each cytokine's main
    readout. Extra keywords are a background applied to wild type and knockouts
    alike, as in :func:`dose_response` (e.g. ``knockouts=["IL13RA1"]`` screens in
    IL13RA1-null cells; background ``drugs=`` are added ``preincubation`` min, default
    30, before the cytokine, and are total plasma when marked or with ``plasma=True``).
    Pairs whose wild-type response is below the detection floor get NaN fold
    changes, a line in ``flags`` and a :class:`JakStatWarning`.
    """
    if cytokines is None:
        cytokines = list(catalog.CYTOKINES)
    if isinstance(cytokines, str):
        cytokines = [cytokines]
    if not isinstance(cytokines, Mapping):
        cytokines = {k: None for k in cytokines}
    stimuli = {catalog.cytokine(k).name: v for k, v in cytokines.items()}
    if not stimuli:
        raise InputError("knockout_screen needs at least one cytokine")
    if isinstance(readouts, str):
        readouts = [readouts]
    if readouts is not None:
        readouts = [catalog.readout(r).name for r in readouts]
        if not readouts:
            raise InputError("readouts must not be empty (None means each cytokine's main readout)")
    pairs = [(c, r) for c in stimuli for r in (readouts or [catalog.CYTOKINES[c].main_readout])]
    if isinstance(genes, str):
        genes = [genes]
    genes = [catalog.gene(g).symbol for g in (genes if genes is not None else catalog.GENES)]
    if not genes:
        raise InputError("genes must not be empty (None means every gene)")
    measure = Measure.make(window=window)
    bg = _background(condition, plasma)
    background_ko = bg.pop("knockouts", None) or []
    background_ko = [background_ko] if isinstance(background_ko, str) else list(background_ko)
    conditions, keys = [], []
    for c, dose in stimuli.items():
        common = dict(bg, cytokines=_stimulus(bg, catalog.CYTOKINES[c], dose), preincubation=preincubation,
                      t_end=measure.t_end, points=measure.points)
        for gene in [None, *genes]:
            ko = background_ko + ([gene] if gene else [])
            conditions.append(_condition(**common, knockouts=ko))
            keys.append((c, gene))
    measured = sorted({r for _, r in pairs})
    df = run(model, conditions, readouts=measured, n_jobs=n_jobs, client=client, progress=progress)
    auc = _measures(df, len(conditions), measured, measure)
    index = {k: i for i, k in enumerate(keys)}
    flags, silent = [], set()
    for c, r in pairs:
        wt = auc[r][index[(c, None)]]
        floor = signal_floor(measure, wt)
        if abs(wt) <= floor:
            silent.add((c, r))
            raised = [g for g in genes if abs(auc[r][index[(c, g)]]) > floor]
            extra = f"; knockouts with a detectable {r}: {', '.join(raised)}" if raised else ""
            flags.append(f"{c} does not drive {r} in context {model.context!r} (wild-type {measure.label} "
                         f"{wt:.3g} {measure.unit(r)}, below the {floor:.2g} {measure.unit(r)} detection floor): "
                         f"no fold changes for this pair{extra}")
    rows = []
    for gene in genes:
        for c, r in pairs:
            wt = auc[r][index[(c, None)]]
            ko = auc[r][index[(c, gene)]]
            rows.append({"gene": gene, "module": catalog.GENES[gene].module, "cytokine": c, "readout": r,
                         "auc_wild_type": wt, "auc_knockout": ko,
                         "log2_fold_change": math.nan if (c, r) in silent else float(log2_fold_change(ko, wt))})
    if background_ko:
        bg["knockouts"] = background_ko
    effects = pd.DataFrame(rows)
    effects.attrs["flags"] = tuple(flags)
    _warn(flags)
    return KnockoutScreen(effects, measure.window, model.context, bg, tuple(flags))


# ----------------------------------------------------------------------------- combinations


@dataclass(frozen=True)
class Combination:
    """Two drugs on a dose grid, on one cytokine/readout pair.

    ``responses[i, j]`` is the readout's measure at ``doses_a[i]`` of drug A and
    ``doses_b[j]`` of drug B (free nM; both axes start at 0). ``effect`` is the
    fractional inhibition 1 - response / response(no drug). The three synergy
    scores are matrices of observed minus expected effect (positive = synergy,
    NaN on the single-agent row and column):

    - **Bliss** (independent action): expected E_A + E_B - E_A*E_B.
    - **Loewe** (dose additivity): expected E solving a/D_A(E) + b/D_B(E) = 1, with
      D_X(E) the single-agent dose giving E from a Hill fit of each drug alone
      (NaN when a drug has fewer than 3 non-zero doses to fit).
    - **HSA** (highest single agent): expected max(E_A, E_B).

    ``unstimulated`` is the measure without cytokine or drug. Effect and scores are
    NaN when the cytokine does not drive the readout (``measurable`` False), and the
    scores are NaN when nothing on the grid moves the readout by 5% or more: an
    excess of nothing over nothing is not synergy. ``flags`` says why, and also
    when Loewe relies on a single-agent curve extrapolated beyond its tested doses.
    """

    drug_a: str
    drug_b: str
    cytokine: str
    readout: str
    doses_a: np.ndarray
    doses_b: np.ndarray
    responses: np.ndarray
    measure: Measure
    context: str
    fit_a: HillFit | None
    fit_b: HillFit | None
    bliss: np.ndarray
    loewe: np.ndarray
    hsa: np.ndarray
    background: dict = field(default_factory=dict)
    unstimulated: float = float("nan")
    flags: tuple[str, ...] = ()
    measurable: bool = True

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def baseline(self) -> float:
        return float(self.responses[0, 0])

    @property
    def effect(self) -> np.ndarray:
        if not self.measurable:
            return np.full(self.responses.shape, np.nan)
        return _effect(self.responses)

    def scores(self) -> dict[str, float]:
        """Mean excess over the combination cells (both doses > 0), per model."""
        return {name: float(np.nanmean(m)) if np.isfinite(m).any() else float("nan")
                for name, m in (("bliss", self.bliss), ("loewe", self.loewe), ("hsa", self.hsa))}

    def to_frame(self) -> pd.DataFrame:
        ia, ib = np.meshgrid(np.arange(self.doses_a.size), np.arange(self.doses_b.size), indexing="ij")
        ia, ib = ia.ravel(), ib.ravel()
        frame = pd.DataFrame({
            f"{self.drug_a}_nM": self.doses_a[ia], f"{self.drug_b}_nM": self.doses_b[ib],
            self.readout: self.responses[ia, ib], "effect": self.effect[ia, ib],
            "bliss": self.bliss[ia, ib], "loewe": self.loewe[ia, ib], "hsa": self.hsa[ia, ib],
        })
        frame.attrs["flags"] = self.flags
        return frame

    def summary(self) -> dict:
        """The pair, the largest inhibition on the grid and the mean Bliss, Loewe and HSA excess."""
        effect = self.effect
        return {"drug_a": self.drug_a, "drug_b": self.drug_b, "cytokine": self.cytokine, "readout": self.readout,
                "measure": self.metric, "max_dose_a_nM": float(self.doses_a.max()),
                "max_dose_b_nM": float(self.doses_b.max()),
                "max_effect": float(np.nanmax(effect)) if np.isfinite(effect).any() else float("nan"),
                "max_effect_unit": "fraction", **self.scores(), "baseline": self.baseline,
                "unstimulated": self.unstimulated, "context": self.context, "flags": "; ".join(self.flags)}

    def plot(self, ax=None, *, axes=None):
        """Inhibition and the three excess maps, on four new Axes or on the four given
        as ``ax``; returns the Figure. (``axes=`` is the deprecated name of ``ax``.)"""
        from . import plots

        if axes is not None:
            if ax is not None:
                raise InputError("give ax= (four Axes), not both ax= and axes=")
            warnings.warn("Combination.plot(axes=...) is deprecated: use ax=", DeprecationWarning, stacklevel=2)
            ax = axes
        if ax is not None:
            ax = list(np.ravel(ax))
            if len(ax) != 4:
                raise InputError(f"a Combination is drawn on four Axes (inhibition, Bliss, Loewe, HSA), got {len(ax)}")
        return _figure(plots.combination_maps(self, axes=ax))


def _effect(responses: np.ndarray) -> np.ndarray:
    r0 = responses[0, 0]
    return 1 - responses / r0 if r0 else np.full(responses.shape, np.nan)


def _grid_doses(doses, drug: catalog.Drug, plasma: bool) -> np.ndarray:
    return np.unique(np.concatenate([[0.0], _drug_doses(doses, drug, plasma)]))


def combination(model: Model, drug_a: str, drug_b: str, cytokine: str, readout: str | None = None,
                doses_a: Sequence = (10, 100, 1000, 10000), doses_b: Sequence = (10, 100, 1000, 10000), *,
                time: float | None = None, window: tuple[float, float] | None = None, cytokine_dose=None,
                preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False, n_jobs: int = 1,
                client=None, progress: bool = False, **condition) -> Combination:
    """Two drugs on a dose grid -> response matrix and Bliss, Loewe and HSA synergy.

    Doses are nM of free drug, or total plasma concentrations (converted with each
    drug's fraction unbound) when marked ``js.plasma()`` or with ``plasma=True``, as
    in :func:`dose_response`; dose 0 is added to both axes. Timing, readout and
    background keywords as in :func:`dose_response`. See :class:`Combination` for
    the definitions of the scores (positive = synergy) and for when they are NaN
    (with a reason in ``flags`` and a :class:`JakStatWarning`).
    """
    a, b = catalog.drug(drug_a), catalog.drug(drug_b)
    if a.name == b.name:
        raise InputError(f"a combination needs two different drugs, got {a.name} twice")
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    xa = _grid_doses(doses_a, a, plasma)
    xb = _grid_doses(doses_b, b, plasma)
    bg = _background(condition, plasma)
    for name in (a.name, b.name):
        _check_not_in(name, bg.get("drugs"), "drug")
    stimulus = _stimulus(bg, c, cytokine_dose)
    common = dict(bg, cytokines=stimulus, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = []
    for da in xa:
        for db in xb:
            drugs = {k: v for k, v in ((a.name, da), (b.name, db)) if v > 0}
            conditions.append(_condition(**_with(common, {"drugs": _with(bg.get("drugs"), drugs)})))
    conditions.append(_condition(**_with(common, {"cytokines": bg.get("cytokines")})))  # no cytokine, no drug
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress)
    values = _measures(df, len(conditions), [readout], measure)[readout]
    resp, unstimulated = values[:-1].reshape(xa.size, xb.size), float(values[-1])
    baseline = float(resp[0, 0])
    unit = measure.unit(readout)
    floor = signal_floor(measure, baseline, unstimulated)
    flags = []
    measurable = abs(baseline - unstimulated) > floor or abs(baseline) > floor
    nan = np.full(resp.shape, np.nan)
    if not measurable:
        flags.append(f"{c.name} does not drive {readout} in context {model.context!r}: {baseline:.3g} {unit} with "
                     f"{c.name} vs {unstimulated:.3g} {unit} without ({measure.label}), below the {floor:.2g} {unit} "
                     f"detection floor; no effect or synergy score can be measured")
        _warn(flags)
        return Combination(a.name, b.name, c.name, readout, xa, xb, resp, measure, model.context, None, None,
                           nan, nan.copy(), nan.copy(), bg, unstimulated, tuple(flags), False)
    if abs(baseline - unstimulated) <= floor:
        flags.append(f"{c.name} does not raise {readout} above its unstimulated level ({unstimulated:.3g} {unit}, "
                     f"{measure.label}): the effects are on the basal signal")
    effect = _effect(resp)
    fit_a = _effect_fit(xa, effect[:, 0])
    fit_b = _effect_fit(xb, effect[0, :])
    if float(np.nanmax(np.abs(effect))) < MIN_EFFECT:
        flags.append(f"neither {a.name} nor {b.name}, alone or together, changes {readout} by {MIN_EFFECT:.0%} or "
                     f"more on this grid (at most {np.nanmax(np.abs(effect)):.1%}): no synergy scores")
        _warn(flags)
        return Combination(a.name, b.name, c.name, readout, xa, xb, resp, measure, model.context, fit_a, fit_b,
                           nan, nan.copy(), nan.copy(), bg, unstimulated, tuple(flags), True)
    if min(xa.size, xb.size) - 1 < 3:  # too few single-agent doses to read D_X(E) off a fit
        loewe = np.full(effect.shape, np.nan)
        flags.append("Loewe needs at least 3 non-zero doses of each drug to fit its single-agent curve: "
                     "no Loewe scores")
    else:
        loewe = loewe_excess(xa, xb, effect, fit_a, fit_b)
        for drug, x, alone, fit in ((a.name, xa, effect[:, 0], fit_a), (b.name, xb, effect[0, :], fit_b)):
            if fit is not None and midpoint_support(fit, x) in ("above", "open"):
                flags.append(f"{drug} alone has not levelled off by its highest dose ({_nM(x.max())} free, "
                             f"{alone[-1]:.0%} effect): Loewe reads its dose-equivalents off a Hill curve "
                             f"extrapolated beyond the tested doses")
    _warn(flags)
    return Combination(a.name, b.name, c.name, readout, xa, xb, resp, measure, model.context, fit_a, fit_b,
                       bliss_excess(effect), loewe, hsa_excess(effect), bg, unstimulated, tuple(flags), True)


MIN_SINGLE_AGENT_EFFECT = 0.02  # below this a drug counts as inactive for Loewe


def _effect_fit(doses: np.ndarray, effect: np.ndarray) -> HillFit | None:
    """Hill fit of a single agent's fractional effect (0 without drug), or None if inactive."""
    positive = doses > 0
    if positive.sum() < 3 or effect[positive].max() < MIN_SINGLE_AGENT_EFFECT:
        return None
    try:
        return fit_hill(doses[positive], effect[positive], zero=0.0)
    except InputError:
        return None


__all__ = [
    "Combination", "CytokineResponse", "DoseResponse", "KnockoutScreen", "Measure", "PlasmaDose",
    "combination", "cytokine_response", "default_doses", "dose_response", "knockout_screen", "log2_fold_change",
    "response", "signal_floor",
]
