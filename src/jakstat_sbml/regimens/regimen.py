"""Dosing regimens: which drug, how much, how often, for how long.

>>> import jakstat_sbml as js
>>> rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=5)
>>> xr = js.regimen("tofacitinib", "11 mg", every="24 h", days=5, formulation="XR")

The first dose is taken at time 0, the last at ``(doses - 1) * interval``; a
regimen lasts ``doses * interval`` (its last dosing interval is the steady-state
window the exposure-response summary reads).
"""

from __future__ import annotations

import math
import numbers
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import catalog
from ..errors import InputError, JakStatWarning
from .pharmacokinetics import PKParameters, formulations, labelled_use, pk_parameters, plasma_concentration

MAX_DAYS = 365  # a year of dosing; longer runs say nothing the steady state does not
MAX_DOSE_MG = 10_000  # 10 g: no oral dose of these drugs comes near
DEFAULT_DAYS = 5


@dataclass(frozen=True)
class Regimen:
    """An oral dosing schedule of one drug with its pharmacokinetics."""

    drug: str
    dose_mg: float
    interval_h: float
    doses: int
    pk: PKParameters

    @property
    def formulation(self) -> str:
        return self.pk.formulation

    @property
    def duration_h(self) -> float:
        """From the first dose to the end of the last dosing interval."""
        return self.doses * self.interval_h

    @property
    def dose_times_h(self) -> np.ndarray:
        return np.arange(self.doses) * self.interval_h

    def label(self) -> str:
        every = _EVERY_WORDS.get(self.interval_h, f"every {self.interval_h:g} h")
        xr = " XR" if self.formulation == "XR" else ""
        release = f", released over {self.pk.release_duration_h:g} h" if self.pk.zero_order else ""
        return f"{self.drug} {self.dose_mg:g} mg{xr} {every}{release}"

    def plasma_total_nM(self, times_h) -> np.ndarray:
        """Total plasma concentration (nM) at ``times_h`` (closed form)."""
        return plasma_concentration(times_h, self.dose_times_h, self.dose_mg, self.pk)

    def plasma_free_nM(self, times_h) -> np.ndarray:
        """Free (unbound) plasma concentration (nM): total x fraction unbound."""
        return self.pk.fraction_unbound * self.plasma_total_nM(times_h)

    def as_dict(self) -> dict:
        release = {"release_duration_h": self.pk.release_duration_h} if self.pk.zero_order else {}
        return {"drug": self.drug, "dose_mg": self.dose_mg, "interval_h": self.interval_h, "doses": self.doses,
                "formulation": self.formulation, **release, "label": self.label()}

    def settings_text(self) -> str:
        """What a record needs to rerun it, in one line: "ruxolitinib 20 mg IR every 12 h, 4 doses"."""
        return (f"{self.drug} {self.dose_mg:g} mg {self.formulation} every {self.interval_h:g} h, {self.doses} "
                f"dose{'' if self.doses == 1 else 's'}")

    def __str__(self) -> str:
        return f"{self.label()}, {self.doses} dose{'' if self.doses == 1 else 's'}"


def regimen(drug: str, dose, every="12 h", *, days: float | None = None, doses: int | None = None,
            formulation: str = "IR", pk: Mapping[str, float] | None = None) -> Regimen:
    """An oral regimen: ``dose`` of ``drug`` ``every`` interval, for ``days`` (default 5) or ``doses``.

    ``dose`` is a mass with units ("20 mg", "0.5 g") or a number of mg; ``every`` a
    time with units ("12 h", "1 day", "720 min"), a number of hours, or a prescription's
    frequency (``"BID"``, ``"QD"``/``"OD"``, ``"TID"``, ``"QID"``, ``"q8h"``: :data:`FREQUENCIES`). ``formulation``
    is "IR" (immediate release) or "XR" (tofacitinib 11 mg once daily).
    ``pk={"clearance_L_per_h": 30}`` changes a tabulated pharmacokinetic number (e.g.
    a patient's). Bad input (unknown drug or formulation, negative or unitless-nonsense
    dose, an interval that is not a time) raises InputError naming the value.
    """
    name = catalog.drug(drug).name
    if not formulations(name):
        with_pk = [d for d in catalog.drugs() if formulations(d)]
        raise InputError(f"no pharmacokinetics tabulated for {name}, so no regimen (drugs with PK: "
                         f"{', '.join(with_pk)}; data/pharmacokinetics/pk_gaps.tsv says what {name} needs)")
    params = pk_parameters(name, formulation)
    if pk:
        if not isinstance(pk, Mapping):
            raise InputError(f"pk must be a mapping of parameter name to value, got {pk!r}")
        params = params.with_changes(**dict(pk))
    mg = _quantity(dose, "mg", f"dose of {name}", kind="[mass]")
    if mg <= 0:
        raise InputError(f"dose of {name} must be > 0 mg, got {dose!r}")
    if mg > MAX_DOSE_MG:
        raise InputError(f"dose of {name}: {dose!r} is {mg / 1000:g} g, more than any oral dose of it "
                         f"(limit {MAX_DOSE_MG / 1000:g} g)")
    interval = _frequency(every)
    if interval is None:
        interval = _quantity(every, "h", "every", kind="[time]")
    if not 0.25 <= interval <= 24 * 28:
        raise InputError(f"every must be from 15 min to 4 weeks, got {every!r}")
    if days is not None and doses is not None:
        raise InputError("give days= or doses=, not both")
    if doses is None:
        days_value = DEFAULT_DAYS if days is None else _positive(days, "days")
        if days_value > MAX_DAYS:
            raise InputError(f"days must be at most {MAX_DAYS}, got {days!r}")
        count = max(1, math.ceil(days_value * 24 / interval - 1e-9))
    else:
        if isinstance(doses, bool) or not isinstance(doses, numbers.Integral) or doses < 1:
            raise InputError(f"doses must be a whole number >= 1, got {doses!r}")
        count = int(doses)
        if count * interval > MAX_DAYS * 24:
            raise InputError(f"{count} doses every {interval:g} h last more than {MAX_DAYS} days")
    _warn_outside_label(name, params.formulation, mg, interval, count)  # after every error: a warning, then none
    return Regimen(name, mg, interval, count, params)


def outside_label(drug: str, formulation: str, dose_mg: float, interval_h: float, doses: int = 2) -> str | None:
    """Why a regimen leaves its drug's labelled use, as a sentence naming the label (None
    within it): the PK was checked against the labels only within it (data/pharmacokinetics).
    A single dose (``doses`` 1) is judged by its size alone: it has no interval."""
    label = labelled_use(drug, formulation)
    why = label.outside(dose_mg, interval_h, single=doses == 1)
    if why is None:
        return None
    every = "as one dose" if doses == 1 else _EVERY_WORDS.get(interval_h, f"every {interval_h:g} h")
    return (f"{drug} {dose_mg:g} mg{' XR' if formulation == 'XR' else ''} {every} is {why} the labelled use of "
            f"{drug}: {label.text} (label: at least {label.min_dose_mg:g} mg per dose, at most {label.max_dose_mg:g} "
            f"mg per dose and {label.max_daily_mg:g} mg a day"
            + (f", {label.intervals_text()}" if label.intervals else "")
            + f"; {label.label}); the pharmacokinetics were checked against the label only within it")


def _warn_outside_label(drug: str, formulation: str, dose_mg: float, interval_h: float, doses: int) -> None:
    text = outside_label(drug, formulation, dose_mg, interval_h, doses)
    if text is not None:
        warnings.warn(text, JakStatWarning, stacklevel=3)


_EVERY_WORDS = {12: "twice daily", 24: "once daily", 8: "three times daily"}

# A prescription's dosing frequency (Latin abbreviations, case-insensitive) -> hours between doses;
# "q<N>h" is every N h. An audit found "BID" refused as "not a time".
FREQUENCIES = {"qd": 24.0, "od": 24.0, "bid": 12.0, "tid": 8.0, "qid": 6.0}


def _frequency(every) -> float | None:
    """Hours between doses of a frequency word ("BID", "q8h"), or None if ``every`` is not one."""
    if not isinstance(every, str):
        return None
    word = every.strip().lower()
    if word.replace(".", "") in FREQUENCIES:  # "b.i.d." as "bid" (dots only between letters here)
        return FREQUENCIES[word.replace(".", "")]
    hours = re.fullmatch(r"q(\d+(?:\.\d+)?)h", word)  # "q1.5h" is 1.5 h (dropping the dot once made it 15)
    return float(hours[1]) if hours else None


def _positive(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)) or value <= 0:
        raise InputError(f"{what} must be a finite number > 0, got {value!r}")
    return float(value)


def _quantity(value, unit: str, what: str, *, kind: str) -> float:
    """A number (already in ``unit``) or a string/quantity with units, in ``unit``."""
    example = "20 mg" if unit == "mg" else "12 h"
    also = "" if unit == "mg" else " or a frequency such as 'BID'"
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number ({unit}) or a string such as {example!r}, got {value!r}")
    if isinstance(value, numbers.Real):
        number = float(value)
    else:
        import pint

        from ..units import unit_registry

        try:
            q = unit_registry().Quantity(value.strip()) if isinstance(value, str) else value
            # "20": a bare number is mg (h), as for numbers and on the CLI. Only a bare one:
            # "20 mg/kg" and "20 percent" are unitless to pint too, and were read as 20 mg.
            if hasattr(q, "to") and q.unitless and str(q.units) == "dimensionless":
                q = float(q.magnitude)
            number = float(q.to(unit).magnitude) if hasattr(q, "to") else float(q)
        except (pint.errors.DimensionalityError, AttributeError):
            raise InputError(f"{what}: {value!r} is not a {kind.strip('[]')}; give a number ({unit}) or a "
                             f"string such as {example!r}{also}") from None
        except Exception:
            raise InputError(f"{what}: cannot read {value!r}; give a number ({unit}) or a string such as "
                             f"{example!r}{also}") from None
    if not math.isfinite(number):
        raise InputError(f"{what} must be finite, got {value!r}")
    if number < 0:
        raise InputError(f"{what} must not be negative, got {value!r}")
    return number


def approved_regimens(drug: str, *, days: float | None = None) -> list[Regimen]:
    """The standard regimens of ``drug``'s labelled indications
    (data/pharmacokinetics/approved_regimens.tsv), each long enough to reach
    pharmacokinetic steady state (``days``: at least five half-lives and two dosing
    intervals, unless given). An empty list when none is tabulated."""
    from .pharmacokinetics import approved_table

    name = catalog.drug(drug).name
    out = []
    for r in approved_table()[lambda t: t.drug == name].itertuples():
        pk = pk_parameters(name, r.formulation)
        run_days = days if days is not None else max(2.0, math.ceil((5 * pk.half_life_h + 2 * r.every_h) / 24))
        out.append(regimen(name, float(r.dose_mg), every=float(r.every_h), days=run_days,
                           formulation=r.formulation))
    return out
