"""Simulate the pathway under dosing regimens: the regimen SBML, compiled once per drug set.

The regimen model (:mod:`.sbml`) is the pathway model plus pharmacokinetics and one
dosing event per drug. It is compiled once per set of drugs (doses, intervals and
pharmacokinetic numbers are parameters), kept in its own RoadRunner, and every run
sets all of its state: the shared pathway model is only asked, through its public
methods, for the condition's parameter values and its unstimulated start. So a
regimen run leaves no event, rule or parameter behind on the pathway model, and one
run never leaks into the next.

Timeline: the cells sit at the unstimulated steady state of their genotype without
drug; at time 0 the first dose is taken and the condition's cytokines are switched
on and stay on (continuous stimulation, as in chronically inflamed skin).

This module reads the pathway model only through its public interface (``path``,
``context``, ``solver_options``, ``parameters_for``, ``initial_concentrations``) and
never imports it, so :mod:`jakstat_sbml.model` runs a condition's regimens with it
(``Model.run``) without an import cycle.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError, SimulationError
from .pharmacokinetics import formulations, pk_parameters
from .regimen import Regimen
from .sbml import (
    add_regimens,
    central,
    central_compartment,
    depot,
    dose_parameter,
    event_parameters,
    pk_values,
    start_values,
)

OUTPUT_STEP_MIN = 10.0  # default output spacing of a regimen run
NEGATIVE_TOLERANCE_NM = 1e-9  # solver noise below zero, set to 0 (as the pathway model does)
PK_ABSOLUTE_TOLERANCE = 1e-9  # per dose amount: ~1e-6 nM in a 72 L volume


def plasma_column(drug: str) -> str:
    return f"plasma_{drug}"


def free_column(drug: str) -> str:
    return f"free_{drug}"


def regimen_document(sbml_path, regimens: Sequence):
    """libSBML document of the model file at ``sbml_path`` with ``regimens`` added."""
    import libsbml

    doc = libsbml.readSBMLFromFile(str(sbml_path))
    add_regimens(doc, regimens)
    return doc


def template_sbml(sbml_path, regimens: Sequence) -> str:
    """The regimen SBML of the drugs of ``regimens``, structure only (every number is set
    per run): one canonical text per drug set and kind of intake (first order or zero-order
    release), so a model compiled from it (RoadRunner's or AMICI's) is cached on disk across
    processes. The structure is the drug's first tabulated formulation's, not "IR", which a
    drug approved only as extended release lacks."""
    import libsbml

    def structure(reg):
        pk = pk_parameters(reg.drug, formulations(reg.drug)[0])
        return dataclasses.replace(reg, dose_mg=1.0, interval_h=24.0, doses=1, pk=dataclasses.replace(
            pk, release_duration_h=1.0 if reg.pk.zero_order else None))

    template = [structure(reg) for reg in sorted(regimens, key=lambda r: r.drug)]
    return libsbml.writeSBMLToString(regimen_document(sbml_path, template))


class RegimenRunner:
    """One compiled regimen model for a set of drugs (parameters set per run)."""

    def __init__(self, sbml_path, regimens: Sequence):
        from ..compiled import load_roadrunner

        drugs = tuple(sorted(r.drug for r in regimens))
        self.drugs = drugs
        self.sbml = template_sbml(sbml_path, regimens)
        self.rr = load_roadrunner(self.sbml)
        m = self.rr.model
        self.species = list(m.getFloatingSpeciesIds())
        self.species_index = {s: i for i, s in enumerate(self.species)}
        self.parameter_index = {p: i for i, p in enumerate(m.getGlobalParameterIds())}
        self.compartment_index = {c: i for i, c in enumerate(m.getCompartmentIds())}
        self.assigned = {dose_parameter(d) for d in drugs}


_RUNNERS_KEPT = 8
_runners: dict[tuple, RegimenRunner] = {}


def runner(model, regimens: Sequence) -> RegimenRunner:
    """The compiled regimen model of ``model``'s SBML file for the drugs of ``regimens`` (cached)."""
    path = str(model.path)
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size, tuple(sorted((r.drug, r.pk.zero_order) for r in regimens)))
    if key not in _runners:
        while len(_runners) >= _RUNNERS_KEPT:
            _runners.pop(next(iter(_runners)))
        _runners[key] = RegimenRunner(path, regimens)
    return _runners[key]


def as_regimens(value) -> tuple:
    """One regimen or several given together, as a tuple (one per drug), checked."""
    def is_regimen(obj) -> bool:
        return isinstance(obj, Regimen)

    if is_regimen(value):
        found = (value,)
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes)) and not hasattr(value, "keys"):
        found = tuple(value)
        if not found:
            raise InputError("regimen= needs at least one js.regimen(...)")
        for r in found:
            if not is_regimen(r):
                raise InputError(f"regimen= takes js.regimen(...) objects, got {r!r}")
    else:
        raise InputError(f"regimen= takes a js.regimen(...) or a list of them, got {value!r}")
    drugs = [r.drug for r in found]
    twice = sorted({d for d in drugs if drugs.count(d) > 1})
    if twice:
        raise InputError(f"one regimen per drug: {', '.join(twice)} given more than once")
    return found


def simulate_regimens(model, condition, regimens, *, t_end: float | None = None, points: int | None = None,
                      readouts: Sequence[str] | None = None) -> pd.DataFrame:
    """Time course of ``condition`` (cytokines on from time 0, genotype, constant drugs)
    under ``regimens`` (one js.regimen or several, one per drug).

    ``t_end`` (min) defaults to the longest regimen (doses x interval), ``points`` to one
    every 10 min. Returns a DataFrame: ``time`` (min), ``plasma_<drug>`` (total plasma,
    nM) and ``free_<drug>`` (free, nM) per regimen drug, then the readouts (nM).
    """
    regs = as_regimens(regimens)
    clash = sorted({r.drug for r in regs} & {d for d, _ in condition.drugs})
    if clash:
        raise InputError(f"{', '.join(clash)} given both as a constant dose (drugs=) and as a regimen")
    if t_end is None:
        t_end = max(r.duration_h for r in regs) * 60.0
    if not isinstance(t_end, (int, float)) or isinstance(t_end, bool) or not np.isfinite(t_end) or t_end <= 0:
        raise InputError(f"t_end must be a number of minutes > 0, got {t_end!r}")
    if points is None:
        points = int(round(t_end / OUTPUT_STEP_MIN)) + 1
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or not 2 <= points <= 1_000_000:
        raise InputError(f"points must be an integer from 2 to 1000000, got {points!r}")
    names = list(catalog.READOUTS) if readouts is None else [catalog.readout(r).name for r in readouts]

    run = runner(model, regs)
    rr, m = run.rr, run.rr.model
    values = {p: v for p, v in model.parameters_for(condition).items() if p not in run.assigned}
    start = model.initial_concentrations(condition)
    for reg in regs:
        values.update(pk_values(reg))
        state = start_values(reg)
        values.update({p: state[p] for p in event_parameters(reg)})
    idx = np.array([run.parameter_index[p] for p in values], dtype=np.int32)
    m.setGlobalParameterValues(idx, np.array(list(values.values()), dtype=float))
    # RoadRunner sizes a compartment once, from its initial assignment: each run sets its own
    # volume of distribution (before any concentration is read into an amount)
    sized = [central_compartment(reg.drug) for reg in regs]
    m.setCompartmentVolumes(np.array([run.compartment_index[c] for c in sized], dtype=np.int32),
                            np.array([values[f"volume_{reg.drug}"] for reg in regs], dtype=float))
    concentration_idx = np.array([run.species_index[s] for s in start], dtype=np.int32)
    m.setFloatingSpeciesConcentrations(concentration_idx, np.array(list(start.values()), dtype=float))
    for reg in regs:
        state = start_values(reg)
        m.setFloatingSpeciesAmounts(np.array([run.species_index[depot(reg.drug)]], dtype=np.int32),
                                    np.array([state[depot(reg.drug)]]))
        m.setFloatingSpeciesConcentrations(np.array([run.species_index[central(reg.drug)]], dtype=np.int32),
                                           np.array([state[central(reg.drug)]]))
    _solver(run, model.solver_options, regs)
    m.setTime(0.0)

    selections = ["time"]
    for reg in regs:
        selections += [f"[{central(reg.drug)}]", dose_parameter(reg.drug)]
    species = set(run.species)
    selections += [f"[{r}]" if r in species else r for r in names]
    try:
        data = np.array(rr.simulate(0.0, float(t_end), int(points), selections))
    except RuntimeError as exc:
        raise SimulationError(f"the solver failed for {_label(regs, condition)} in context {model.context!r}: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}. Try tighter "
                              "tolerances with model.set_solver_options(...) or fewer output points.") from None
    if not np.all(np.isfinite(data)):
        raise SimulationError(f"non-finite values in the simulation of {_label(regs, condition)}")
    body = data[:, 1:]
    if (body < -NEGATIVE_TOLERANCE_NM).any():
        col = int(np.argmin(body.min(axis=0)))
        raise SimulationError(f"{selections[col + 1]} fell to {body[:, col].min():.3g} nM in the simulation of "
                              f"{_label(regs, condition)}: the solver lost accuracy; tighten the tolerances")
    body[body < 0] = 0.0
    columns = ["time"]
    for reg in regs:
        columns += [plasma_column(reg.drug), free_column(reg.drug)]
    frame = pd.DataFrame(data, columns=columns + names)
    frame.attrs["condition"] = condition.as_dict()
    frame.attrs["regimens"] = [r.as_dict() for r in regs]
    frame.attrs["context"] = model.context
    frame.attrs["units"] = {"time": "min", **{c: "nM" for c in columns[1:]},
                            **{r: catalog.READOUTS[r].unit for r in names}}
    return frame


def _solver(run: RegimenRunner, options: dict, regs: Sequence) -> None:
    """The pathway's solver settings; the PK species get an absolute tolerance scaled to
    their dose (their amounts are ~1e16 zmol, the pathway's ~1e3)."""
    integrator = run.rr.integrator
    integrator.relative_tolerance = options["relative_tolerance"]
    integrator.setValue("maximum_num_steps", options["maximum_steps"])
    pk_species = {}
    for reg in regs:
        amount = pk_values(reg)[f"dose_amount_{reg.drug}"]
        pk_species[depot(reg.drug)] = pk_species[central(reg.drug)] = PK_ABSOLUTE_TOLERANCE * amount
    for sid in run.species:
        integrator.setIndividualTolerance(sid, pk_species.get(sid, options["absolute_tolerance"]))


def _label(regs: Sequence, condition) -> str:
    return f"[{'; '.join(str(r) for r in regs)}; {condition.label()}]"
