"""Predictions whose uncertainty is analysed: one number per parameter set.

A prediction says which simulations it needs for a parameter set
(:meth:`conditions`) and turns their time courses into one number
(:meth:`evaluate`), with a status that says whether the number was determined or
censored. Nothing is dropped: a value that the tested range cannot determine is
censored at the bound of that range and counted (docs/uncertainty.md).

- :class:`IC50`: a drug's IC50 on a cytokine's readout, as log10 of nM free drug;
  status ``determined``, ``above`` (no IC50 up to the highest dose: censored at it),
  ``below`` (the lowest dose already inhibits by half: censored at it) or
  ``unmeasurable`` (the cytokine does not drive the readout: censored at the highest
  dose, since no inhibition is seen at any dose).
- :class:`KnockoutEffect`: log2 fold change of a readout's AUC (0-120 min) when a
  gene is knocked out, as in :func:`~jakstat_sbml.experiments.knockout_screen`;
  status ``determined`` or ``unmeasurable`` (wild-type AUC below the detection
  floor: censored at 0, no measurable effect).
- :class:`Exposure`: time-averaged inhibition (a fraction, 0-1) of a readout over the
  last dosing interval of an oral regimen, the cytokine on throughout, as
  :func:`~jakstat_sbml.exposure_response` computes it; status ``determined`` or
  ``unmeasurable`` (the no-drug readout falls below the measurable floor: censored at
  0, nothing to inhibit).

Every prediction declares the conditions it needs for a parameter set
(``conditions``), which the sensitivity runner simulates in chunks through
:func:`jakstat_sbml.run` on the chosen engine, then reads them (``evaluate``). An
:class:`Exposure`'s conditions carry its regimen (a condition with dosing events), so
it runs on any engine that runs regimens (RoadRunner and AMICI).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog
from ..dosing.exposure import Stimulation, steady_state_inhibition, summarise_course
from ..regimens.regimen import Regimen, regimen
from ..errors import InputError
from ..experiments.knockout_screen import log2_fold_change
from ..experiments.measures import Measure
from ..experiments.support import judge_inhibition, signal_floor
from ..model import DEFAULT_PREINCUBATION, Condition

# Doses for an IC50 under uncertainty: one per decade over a range wide enough that
# parameter sets far from the defaults still have their IC50 inside it, a decade beyond
# the drug's default dose-response series each way (catalog.Drug.wide_doses; at least 4
# doses: the Hill fit has 3 free parameters).
CONTINUOUS = Stimulation("continuous")  # how js.exposure_response stimulates a pathway under a regimen
STATUSES = ("determined", "above", "below", "unmeasurable")

Readings = Mapping[Condition, tuple[np.ndarray, Mapping[str, np.ndarray]]]  # condition -> (time, readout -> values)


@dataclass(frozen=True)
class IC50:
    """A drug's IC50 on a cytokine's readout (default: its main readout) at ``time`` min,
    the drug added 30 min before the cytokine's standard dose; value: log10 IC50 (nM free)."""

    drug: str
    cytokine: str
    readout: str | None = None
    doses: tuple[float, ...] | None = None
    time: float = 20.0

    def __post_init__(self):
        d, c = catalog.drug(self.drug), catalog.cytokine(self.cytokine)
        object.__setattr__(self, "drug", d.name)
        object.__setattr__(self, "cytokine", c.name)
        object.__setattr__(self, "readout", catalog.readout(self.readout).name if self.readout else c.main_readout)
        doses = self.doses or d.wide_doses
        doses = tuple(sorted(float(x) for x in doses))
        if len(doses) < 4 or doses[0] <= 0:
            raise InputError(f"{self.name}: an IC50 under uncertainty needs at least 4 positive doses, got {doses}")
        object.__setattr__(self, "doses", doses)
        Measure.make(time=self.time)  # checks time

    @property
    def name(self) -> str:
        return f"ic50:{self.drug}:{self.cytokine}:{self.readout}"

    @property
    def unit(self) -> str:
        return "log10 nM (free drug)"

    @property
    def readouts(self) -> tuple[str, ...]:
        return (self.readout,)

    def conditions(self, parameters: Mapping[str, float]) -> list[Condition]:
        """No drug, no cytokine, then each dose."""
        common = dict(parameters=dict(parameters), preincubation=DEFAULT_PREINCUBATION, t_end=self.time, points=2)
        stimulus = {self.cytokine: catalog.CYTOKINES[self.cytokine].standard_dose}
        return [Condition.make(cytokines=stimulus, **common), Condition.make(**common),
                *(Condition.make(cytokines=stimulus, drugs={self.drug: x}, **common) for x in self.doses)]

    def evaluate(self, conditions: Sequence[Condition], readings: Readings) -> tuple[float, str]:
        measure = Measure.make(time=self.time)
        values = [measure.of_arrays(readings[c][0], readings[c][1][self.readout]) for c in conditions]
        baseline, unstimulated, responses = values[0], values[1], np.array(values[2:])
        doses = np.array(self.doses)
        fit, _, _, measurable = judge_inhibition(self.drug, self.cytokine, self.readout, doses, responses, baseline,
                                                 unstimulated, measure, "", lambda x: f"{x:g} nM")
        top, bottom = math.log10(doses.max()), math.log10(doses.min())
        if not measurable:
            return top, "unmeasurable"
        if fit is not None and math.isfinite(fit.ic50):
            return math.log10(fit.ic50), "determined"
        # No IC50 within the doses: below when the lowest dose already inhibits by half
        # (or more), otherwise above (inhibition stays under half, or no effect at all).
        inhibition_at_lowest = 1 - responses[np.argmin(doses)] / baseline if baseline else 0.0
        return (bottom, "below") if inhibition_at_lowest >= 0.5 else (top, "above")


@dataclass(frozen=True)
class KnockoutEffect:
    """log2 fold change of a readout's AUC over ``window`` when ``gene`` is knocked out,
    under a cytokine's standard dose (default readout: the cytokine's main one)."""

    gene: str
    cytokine: str
    readout: str | None = None
    window: tuple[float, float] = (0.0, 120.0)

    def __post_init__(self):
        c = catalog.cytokine(self.cytokine)
        object.__setattr__(self, "gene", catalog.gene(self.gene).symbol)
        object.__setattr__(self, "cytokine", c.name)
        object.__setattr__(self, "readout", catalog.readout(self.readout).name if self.readout else c.main_readout)
        object.__setattr__(self, "window", Measure.make(window=self.window).window)

    @property
    def name(self) -> str:
        return f"knockout:{self.gene}:{self.cytokine}:{self.readout}"

    @property
    def unit(self) -> str:
        return "log2 fold change of AUC"

    @property
    def readouts(self) -> tuple[str, ...]:
        return (self.readout,)

    def conditions(self, parameters: Mapping[str, float]) -> list[Condition]:
        """Wild type, then the knockout. The gene's own parameter (e.g. PTPN2_total) may be
        among the sampled ones: in the knockout it is 0, whatever was sampled."""
        stimulus = {self.cytokine: catalog.CYTOKINES[self.cytokine].standard_dose}
        common = dict(cytokines=stimulus, t_end=self.window[1])
        knocked = dict(parameters)
        knocked[catalog.GENES[self.gene].parameter] = 0.0
        return [Condition.make(parameters=dict(parameters), **common),
                Condition.make(parameters=knocked, knockouts=[self.gene], **common)]

    def evaluate(self, conditions: Sequence[Condition], readings: Readings) -> tuple[float, str]:
        measure = Measure.make(window=self.window)
        wt, ko = (measure.of_arrays(readings[c][0], readings[c][1][self.readout]) for c in conditions)
        if abs(wt) <= signal_floor(measure, wt):
            return 0.0, "unmeasurable"
        return float(log2_fold_change(ko, wt)), "determined"


EXPOSURE_DAYS = 3.0  # as docs/dosing.md's ctcl table: PK (t1/2 2.5-3.2 h) and pathway at steady state by then


@dataclass(frozen=True)
class Exposure:
    """Time-averaged inhibition (fraction, 0-1) of a readout (default: the cytokine's
    main one) over the last dosing interval of an oral regimen of ``drug``: ``dose_mg``
    every ``interval_h`` for ``days``, the cytokine at its standard dose from the first
    dose on (continuous stimulation, docs/dosing.md). Computed by
    the code of ``js.exposure_response`` (its conditions and its summary of the last
    interval), on whichever engine the sensitivity runner is given."""

    drug: str
    dose_mg: float
    interval_h: float
    cytokine: str
    readout: str | None = None
    formulation: str = "IR"
    days: float = EXPOSURE_DAYS

    def __post_init__(self):
        reg = regimen(self.drug, self.dose_mg, every=self.interval_h, days=self.days,
                      formulation=self.formulation)  # checks drug, dose, interval, days, formulation
        c = catalog.cytokine(self.cytokine)
        object.__setattr__(self, "drug", reg.drug)
        object.__setattr__(self, "dose_mg", reg.dose_mg)
        object.__setattr__(self, "interval_h", reg.interval_h)
        object.__setattr__(self, "formulation", reg.formulation)
        object.__setattr__(self, "days", float(self.days))
        object.__setattr__(self, "cytokine", c.name)
        object.__setattr__(self, "readout", catalog.readout(self.readout).name if self.readout else c.main_readout)

    @property
    def regimen(self) -> Regimen:
        return regimen(self.drug, self.dose_mg, every=self.interval_h, days=self.days, formulation=self.formulation)

    @property
    def schedule(self) -> str:
        """The spec's regimen part: ``20mg/12h``, ``11mg/24h/XR``."""
        xr = "/XR" if self.formulation == "XR" else ""
        return f"{self.dose_mg:g}mg/{self.interval_h:g}h{xr}"

    @property
    def name(self) -> str:
        return f"exposure:{self.drug}:{self.schedule}:{self.cytokine}:{self.readout}"

    @property
    def unit(self) -> str:
        return "fraction inhibited (time-averaged, last dosing interval)"

    @property
    def readouts(self) -> tuple[str, ...]:
        return (self.readout,)

    def conditions(self, parameters: Mapping[str, float]) -> list[Condition]:
        """The regimen with the cytokine on throughout, then the same without drug."""
        return CONTINUOUS.conditions_of((self.regimen,), self.cytokine, catalog.CYTOKINES[self.cytokine].standard_dose,
                                        self.readout, {"parameters": dict(parameters)})

    def evaluate(self, conditions: Sequence[Condition], readings: Readings) -> tuple[float, str]:
        frames = [pd.DataFrame({"time": readings[c][0], self.readout: readings[c][1][self.readout]})
                  for c in conditions]
        arm = (self.regimen,)
        row, _ = summarise_course(CONTINUOUS.course_of(arm, self.readout, frames), arm, self.readout, "continuous")
        return _time_averaged(row)

    def compute(self, model, parameters: Mapping[str, float], *, engine: str = "roadrunner") -> tuple[float, str]:
        """The value and status for one parameter set, simulated on ``model`` with
        ``engine``: the same conditions and summary as :meth:`evaluate`, one set at a time
        (:func:`~jakstat_sbml.dosing.exposure.steady_state_inhibition`)."""
        row, _ = steady_state_inhibition(model, self.regimen, self.cytokine, readout=self.readout, engine=engine,
                                         parameters=dict(parameters))
        return _time_averaged(row)


def _time_averaged(row: Mapping) -> tuple[float, str]:
    """An exposure's value and status from its summary row: NaN inhibition (no measurable
    no-drug signal) is censored at 0."""
    value = row["mean_inhibition"]
    if not math.isfinite(value):
        return 0.0, "unmeasurable"
    return float(value), "determined"


Prediction = IC50 | KnockoutEffect | Exposure

SPECS = ("ic50:DRUG:CYTOKINE[:READOUT]", "knockout:GENE:CYTOKINE[:READOUT]",
         "exposure:DRUG:DOSE/EVERY[/XR]:CYTOKINE[:READOUT]")
SPEC_EXAMPLES = "ic50:ruxolitinib:IL6, knockout:SOCS3:IL6, exposure:ruxolitinib:20mg/12h:IL6"


def prediction(spec: str | Prediction) -> Prediction:
    """A prediction from ``ic50:DRUG:CYTOKINE[:READOUT]``, ``knockout:GENE:CYTOKINE[:READOUT]``
    or ``exposure:DRUG:DOSE/EVERY[/XR]:CYTOKINE[:READOUT]`` (``DOSE`` a mass, ``EVERY`` a
    time, e.g. ``exposure:ruxolitinib:20mg/12h:IL6``, ``exposure:tofacitinib:11mg/24h/XR:IL2``),
    or a prediction, returned as is."""
    if isinstance(spec, (IC50, KnockoutEffect, Exposure)):
        return spec
    if not isinstance(spec, str):
        raise InputError(f"a prediction is IC50(...), KnockoutEffect(...), Exposure(...) or a string such as "
                         f"{SPEC_EXAMPLES}; got {spec!r}")
    kind, *parts = spec.strip().split(":")
    kind = kind.lower()
    sizes = {"ic50": (2, 3), "knockout": (2, 3), "exposure": (3, 4)}
    if kind not in sizes or len(parts) not in sizes[kind] or not all(x.strip() for x in parts):
        raise InputError(f"prediction {spec!r}: write {' or '.join(SPECS)}, e.g. {SPEC_EXAMPLES}")
    parts = [x.strip() for x in parts]
    if kind == "exposure":
        schedule = parts[1].split("/")
        if len(schedule) not in (2, 3) or (len(schedule) == 3 and schedule[2].upper() not in ("IR", "XR")):
            raise InputError(f"prediction {spec!r}: the regimen is DOSE/EVERY or DOSE/EVERY/XR, "
                             "e.g. 20mg/12h or 11mg/24h/XR")
        formulation = schedule[2].upper() if len(schedule) == 3 else "IR"
        return Exposure(parts[0], schedule[0], schedule[1], parts[2], parts[3] if len(parts) == 4 else None,
                        formulation)
    readout = parts[2] if len(parts) == 3 else None
    return IC50(parts[0], parts[1], readout) if kind == "ic50" else KnockoutEffect(parts[0], parts[1], readout)


HEADLINE_KNOCKOUTS = (("SOCS3", "IL6"), ("CISH", "IL2"), ("SOCS1", "IFNG"), ("PTPN2", "IL6"))
# The approved twice-daily doses of the two JAK inhibitors (Jakafi label: 20 mg BID in
# myelofibrosis at platelets > 200e9/L; Xeljanz label: 5 mg BID) on the two CTCL pathways
# the IC50s are quoted for (docs/dosing.md section 3).
HEADLINE_EXPOSURES = (("ruxolitinib", 20.0, 12.0, "IL6"), ("ruxolitinib", 20.0, 12.0, "IL2"),
                      ("tofacitinib", 5.0, 12.0, "IL6"), ("tofacitinib", 5.0, 12.0, "IL2"))


def headline_predictions() -> list[Prediction]:
    """Each drug's IC50 on each cytokine's main readout the drug can act on
    (:func:`~jakstat_sbml.catalog.drug_pairs`: a cytokine with one of its target JAKs, or
    one read out on its target STAT), the feedback and phosphatase knockouts of the
    screen's strongest negative regulators (:data:`HEADLINE_KNOCKOUTS`), and inhibition
    at clinical exposure (:data:`HEADLINE_EXPOSURES`)."""
    out: list[Prediction] = []
    for d in catalog.drugs():
        out += [IC50(d, c) for c, _ in catalog.drug_pairs(d)]
    out += [KnockoutEffect(g, c) for g, c in HEADLINE_KNOCKOUTS]
    out += [Exposure(d, mg, h, c) for d, mg, h, c in HEADLINE_EXPOSURES]
    return out


__all__ = ["Exposure", "IC50", "KnockoutEffect", "Prediction", "SPECS", "STATUSES", "headline_predictions",
           "prediction"]
