"""COPASI file of the model in one condition, with ready tasks: a time course of the
condition and a parameter scan over a drug's dose (docs/copasi.md).

The file holds the condition as the package runs it (:func:`.sbml.protocol_document`):
COPASI's model starts at ``-pre`` min (the drug pre-incubation: the condition's, or the
package's 30 min when it has no drug), drugs act from then and the cytokines from time
0, and the time course reports from 0 to ``t_end``. So the time course reproduces the
Python API, and each dose of the scan is pre-incubated as ``js.dose_response`` does.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from xml.sax.saxutils import escape

from .. import catalog
from ..errors import ExportError, JakStatWarning
from ..model import Condition, Model
from ..optional import require
from .sbml import protocol_document, protocol_preincubation

# COPASI's LSODA at these tolerances agrees with itself at 100x tighter ones to
# ~1e-8 relative on this model, i.e. it is converged; its relative tolerance is 10x
# tighter than RoadRunner's here (model.RELATIVE_TOLERANCE), so a COPASI-RoadRunner
# comparison measures mostly RoadRunner's error. Absolute tolerance is in the model's
# quantity unit (zmol), as for RoadRunner. A 120 min course takes ~0.3 s.
COPASI_RELATIVE_TOLERANCE = 1e-8
COPASI_ABSOLUTE_TOLERANCE = 1e-12
COPASI_MAX_STEPS = 1_000_000

# The drug of the COPASI scan task and its doses (free drug, nM): its default dose-response
# series (models/tables/drugs.tsv).
SCAN_DRUG = "ruxolitinib"
SCAN_DOSES = tuple(float(x) for x in catalog.drug(SCAN_DRUG).doses)

# Readouts plotted in the COPASI tasks: total phospho-STATs (whole cell, nM).
PLOTTED_READOUTS = ("pSTAT1", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT6")


def write_copasi(model: Model, condition: Condition, path: Path) -> None:
    """A COPASI file of ``condition`` with a time-course and a drug-scan task (module docstring)."""
    basico = require("basico", "COPASI export")
    dm = copasi_datamodel(protocol_document(model, condition), "the exported SBML")
    try:
        _copasi_tasks(dm, condition)
        basico.save_model(str(path), model=dm)
    finally:
        basico.remove_datamodel(dm)
    if not path.exists() or path.stat().st_size == 0:
        raise ExportError(f"COPASI did not write {path.name}")


def copasi_datamodel(doc, what: str):
    """A basico data model of the libSBML document ``doc``. COPASI shows names, not ids, and
    keeps no SBML ids in a .cps, so species and parameters are named by their SBML ids (the
    names the Python API uses: dose_ruxolitinib, pSTAT3, STAT3_nuc), a parameter's
    description kept as its note. ExportError naming ``what`` if COPASI cannot read it."""
    import libsbml

    basico = require("basico", "COPASI export")
    m = doc.getModel()
    for p in m.getListOfParameters():
        if p.isSetName() and p.getName() != p.getId():
            p.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(p.getName())}</p></body>')
        p.setName(p.getId())
    for s in m.getListOfSpecies():
        s.setName(s.getId())
    dm = basico.load_model_from_string(libsbml.writeSBMLToString(doc))
    if dm is None:
        raise ExportError(f"COPASI could not import {what}")
    # COPASI shows the SBML's minute (60 s) as "60*s"; naming it "min" changes no value
    # (the same unit), and the time axis of every task then reads in minutes.
    if m.getTimeUnits() == "minute" and not dm.getModel().setTimeUnit("min"):
        raise ExportError(f"COPASI did not take minutes as the time unit of {what}")
    return dm


def output_steps(t_end: float, points: int, preincubation: float) -> tuple[float, int]:
    """(step size, number of steps) of a COPASI time course from ``-preincubation`` to
    ``t_end`` whose outputs include 0, ``t_end`` and every one of the ``points`` between:
    the requested step, divided until the pre-incubation is a whole number of steps."""
    step = t_end / (points - 1)
    for k in range(1, 1001):
        n = preincubation * k / step
        if abs(n - round(n)) < 1e-9 * max(1.0, n):
            return step / k, round(n) + (points - 1) * k
    raise ExportError(f"no COPASI output step fits a {preincubation:g} min pre-incubation and {points} points "
                      f"over {t_end:g} min; choose a pre-incubation that is a multiple of the output step")


def _copasi_tasks(dm, condition: Condition) -> None:
    basico = require("basico", "COPASI export")

    cm = dm.getModel()
    values = {v.getSBMLId(): v for v in cm.getModelValues()}
    scan_parameter = catalog.drug(SCAN_DRUG).dose_parameter
    missing = [r for r in (*PLOTTED_READOUTS, scan_parameter) if r not in values]
    if missing:
        raise ExportError(f"COPASI's copy of the model lacks {', '.join(missing)}")
    pre = protocol_preincubation(condition)
    cm.setInitialTime(-pre)  # the drug pre-incubation runs in COPASI, before the cytokines at 0
    step, steps = output_steps(condition.t_end, condition.points, pre)
    rows = round(condition.t_end / step) + 1
    if rows > condition.points:  # an audit asked for 7 points and found 121 rows, unexplained
        warnings.warn(f"the COPASI time course outputs {rows} time points, every {step:.4g} min, not the "
                      f"{condition.points} asked for (which are among them): COPASI's steps are even from the start "
                      f"of the {pre:g} min pre-incubation, and time 0 must be one; a pre-incubation that is a "
                      "multiple of the output step gives exactly the points asked for", JakStatWarning, stacklevel=4)
    if not math.isclose(cm.getInitialTime(), -pre):
        raise ExportError("COPASI did not take the model's initial time")
    basico.set_task_settings("Time-Course", {
        "scheduled": True,
        "update_model": False,
        "problem": {"Duration": pre + condition.t_end, "StepNumber": steps, "StepSize": step,
                    "OutputStartTime": 0.0, "AutomaticStepSize": False},
        "method": {"name": "Deterministic (LSODA)", "Relative Tolerance": COPASI_RELATIVE_TOLERANCE,
                   "Absolute Tolerance": COPASI_ABSOLUTE_TOLERANCE, "Max Internal Steps": COPASI_MAX_STEPS},
    }, model=dm)
    dose = values[scan_parameter]
    basico.set_scan_settings(
        subtask="Time-Course", output_specification=["After"], continue_from_current_state=False,
        scan_items=[{"type": "scan", "cn": dose.getInitialValueReference().getCN().getString(),
                     "values": list(SCAN_DOSES)}],
        model=dm)
    time_cn = cm.getValueReference().getCN().getString()
    curves = [{"name": r, "channels": [time_cn, values[r].getValueReference().getCN().getString()]}
              for r in PLOTTED_READOUTS]
    basico.add_plot(f"Time course: {condition.label()} (nM)", tasks="Time-Course", curves=curves, model=dm)
    dose_cn = dose.getValueReference().getCN().getString()
    # Output after each time course (COPASI's "output from subtask" off): one point per dose.
    curves = [{"name": f"{r} at {condition.t_end:g} min", "line_type": "lines_and_symbols", "symbol": "circle",
               "activity": "after", "channels": [dose_cn, values[r].getValueReference().getCN().getString()]}
              for r in PLOTTED_READOUTS]
    basico.add_plot(f"{SCAN_DRUG.capitalize()} scan ({pre:g} min before the cytokine): readouts at "
                    f"{condition.t_end:g} min vs {scan_parameter} (nM)", tasks="Scan", log_x=True, curves=curves,
                    model=dm)
