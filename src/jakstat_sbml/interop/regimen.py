"""A condition with a dosing regimen as a file: the SBML (or COPASI .cps) RoadRunner simulates.

``js.export(model, path, regimen=js.regimen(...), ...)`` in format ``"sbml"`` or
``"copasi"`` writes it. The file is the condition's SBML (:mod:`.sbml`: context,
genotype, cytokine doses as parameter values, species at the unstimulated steady
state) with the regimens' pharmacokinetics and dosing events added
(:mod:`jakstat_sbml.regimens.sbml`). A plain time course of it from time 0 in any
SBML tool reproduces ``model.simulate(..., regimen=...)`` (tests/test_dosing.py runs
COPASI on it).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import ExportError, InputError
from ..model import Condition, Model
from ..optional import require
from ..regimens.sbml import add_regimens, central
from .copasi import COPASI_ABSOLUTE_TOLERANCE, COPASI_MAX_STEPS, COPASI_RELATIVE_TOLERANCE, copasi_datamodel
from .sbml import condition_document

PLOTTED_READOUTS = ("pSTAT1", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT6")


def regimen_sbml(model: Model, condition: Condition) -> str:
    """SBML text of ``model`` in ``condition`` (cytokines on from time 0) under its regimens."""
    import libsbml

    regs = condition.regimens
    if not regs:
        raise InputError("regimen_sbml needs a condition with a regimen (regimen=js.regimen(...))")
    doc = condition_document(model, replace(condition, regimens=()))
    add_regimens(doc, regs)
    m = doc.getModel()
    what = "; ".join(str(r) for r in regs)
    m.setName(f"{m.getName()} + regimen [{what}]")
    m.appendNotes('<body xmlns="http://www.w3.org/1999/xhtml"><p>Dosing regimen: '
                  f"{escape(what)}. The first dose is in the gut depot at time 0; each later dose is one firing "
                  "of the drug's dosing event. The pathway's free drug input dose_&lt;drug&gt; is the fraction "
                  "unbound times the total plasma concentration &lt;drug&gt;_central (nM).</p></body>")
    return libsbml.writeSBMLToString(doc)


def write_regimen_sbml(model: Model, condition: Condition, path: Path) -> None:
    Path(path).write_text(regimen_sbml(model, condition), encoding="utf-8")


def write_regimen_copasi(model: Model, condition: Condition, path: Path) -> None:
    """A COPASI .cps of the regimen SBML with a ready time course over the condition's
    ``t_end`` (the whole regimen unless it said otherwise) and two plots."""
    text = regimen_sbml(model, condition)
    regs = condition.regimens
    import libsbml

    basico = require("basico", "COPASI export")
    dm = copasi_datamodel(libsbml.readSBMLFromString(text), "the regimen SBML")
    try:
        t_end = condition.t_end
        steps = condition.points - 1
        basico.set_task_settings("Time-Course", {
            "scheduled": True, "update_model": False,
            "problem": {"Duration": t_end, "StepNumber": steps, "StepSize": t_end / steps, "OutputStartTime": 0.0,
                        "AutomaticStepSize": False},
            "method": {"name": "Deterministic (LSODA)", "Relative Tolerance": COPASI_RELATIVE_TOLERANCE,
                       "Absolute Tolerance": COPASI_ABSOLUTE_TOLERANCE, "Max Internal Steps": COPASI_MAX_STEPS},
        }, model=dm)
        cm = dm.getModel()
        time_cn = cm.getValueReference().getCN().getString()
        values = {v.getSBMLId(): v for v in cm.getModelValues()}
        species = {s.getSBMLId(): s for s in cm.getMetabolites()}
        curves = [{"name": f"{r.drug} total plasma (nM)", "channels": [
            time_cn, species[central(r.drug)].getConcentrationReference().getCN().getString()]} for r in regs]
        basico.add_plot("Plasma concentration (nM) vs time (min)", tasks="Time-Course", log_y=True, curves=curves,
                        model=dm)
        curves = [{"name": r, "channels": [time_cn, values[r].getValueReference().getCN().getString()]}
                  for r in PLOTTED_READOUTS if r in values]
        basico.add_plot("Readouts (nM) vs time (min)", tasks="Time-Course", curves=curves, model=dm)
        basico.save_model(str(path), model=dm)
    finally:
        basico.remove_datamodel(dm)
    if not path.exists() or path.stat().st_size == 0:
        raise ExportError(f"COPASI did not write {path.name}")
