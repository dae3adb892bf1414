"""A regimen as a file: the SBML (or COPASI .cps) that RoadRunner simulates.

The file is the condition's SBML (``interop.sbml``: context, genotype, cytokine doses
as parameter values, species at the unstimulated steady state) with the regimens'
pharmacokinetics and dosing events added (:mod:`.sbml`). A plain time course of it
from time 0 in any SBML tool reproduces ``model.simulate(..., regimen=...)``
(tests/test_dosing.py runs COPASI on it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import ExportError, InputError
from ..files import install, writable
from ..interop.copasi import COPASI_ABSOLUTE_TOLERANCE, COPASI_MAX_STEPS, COPASI_RELATIVE_TOLERANCE
from ..interop.sbml import condition_document
from ..model import Condition, Model
from ..optional import require
from .sbml import add_regimens, central
from .simulation import OUTPUT_STEP_MIN, as_regimens

PLOTTED_READOUTS = ("pSTAT1", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT6")


def regimen_sbml(model: Model, regimens, condition: Condition | None = None) -> str:
    """SBML text of ``model`` in ``condition`` (cytokines on from time 0) under ``regimens``."""
    import libsbml

    regs = as_regimens(regimens)
    cond = condition or Condition()
    clash = sorted({r.drug for r in regs} & {d for d, _ in cond.drugs})
    if clash:
        raise InputError(f"{', '.join(clash)} given both as a constant dose (drugs=) and as a regimen")
    doc = condition_document(model, cond)
    add_regimens(doc, regs)
    m = doc.getModel()
    what = "; ".join(str(r) for r in regs)
    m.setName(f"{m.getName()} + regimen [{what}]")
    m.appendNotes('<body xmlns="http://www.w3.org/1999/xhtml"><p>Dosing regimen: '
                  f"{escape(what)}. The first dose is in the gut depot at time 0; each later dose is one firing "
                  "of the drug's dosing event. The pathway's free drug input dose_&lt;drug&gt; is the fraction "
                  "unbound times the total plasma concentration &lt;drug&gt;_central (nM).</p></body>")
    return libsbml.writeSBMLToString(doc)


def export_regimen(model: Model, path: str | os.PathLike, regimens, *, format: str = "sbml",
                   condition: Condition | None = None, **keywords) -> Path:
    """Write the regimen model to ``path`` as ``format`` ("sbml": .xml/.sbml, "copasi": .cps
    with a ready time course over the whole regimen); return the path written.

    The condition is ``condition=`` or :meth:`Model.simulate`'s keywords (cytokines,
    knockouts, mutations, ...). Bad input raises InputError before anything is written.
    """
    if condition is not None and keywords:
        raise InputError("give either condition= or the condition keywords, not both")
    cond = condition if condition is not None else Condition.make(**keywords)
    regs = as_regimens(regimens)
    endings = {"sbml": (".xml", ".sbml"), "copasi": (".cps",)}
    if format not in endings:
        raise InputError(f"format must be 'sbml' or 'copasi' for a regimen, got {format!r}")
    target = Path(path).expanduser().absolute()
    if target.suffix.lower() not in endings[format]:
        raise InputError(f"a {format} export needs a path ending in {' or '.join(endings[format])}, got {str(path)!r}")
    writable(target.parent, folder=True, name=target)
    if format == "copasi":
        require("basico", "COPASI export")
    text = regimen_sbml(model, regs, cond)
    with tempfile.TemporaryDirectory(prefix="jakstat-regimen-") as tmp:
        staged = Path(tmp) / target.name
        if format == "sbml":
            staged.write_text(text, encoding="utf-8")
        else:
            _write_copasi(text, regs, staged)
        install(staged, target)
    return target


def _write_copasi(text: str, regs, path: Path) -> None:
    import libsbml

    basico = require("basico", "COPASI export")
    doc = libsbml.readSBMLFromString(text)
    m = doc.getModel()
    # COPASI keeps names, not SBML ids: name everything by its id (as the condition export does)
    for p in m.getListOfParameters():
        p.setName(p.getId())
    for s in m.getListOfSpecies():
        s.setName(s.getId())
    dm = basico.load_model_from_string(libsbml.writeSBMLToString(doc))
    if dm is None:
        raise ExportError("COPASI could not import the regimen SBML")
    try:
        t_end = max(r.duration_h for r in regs) * 60.0
        steps = int(round(t_end / OUTPUT_STEP_MIN))
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
