"""SBML of the model in one condition: the condition's parameter values and its time-0
state, so that a plain time course from 0 in any SBML tool reproduces
``model.run(condition)``; with the pathway map as its SBML layout (:mod:`.layout`)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import ExportError, ModelFileError
from ..explore.graph import pathway_graph
from ..model import Condition, Model
from .layout import add_layout


def condition_document(model: Model, condition: Condition, *, layout: bool = True):
    """libSBML document of ``model`` in ``condition`` (see :func:`condition_sbml`), with
    the pathway map as SBML layout and render information unless ``layout=False``."""
    import libsbml

    values = model.parameters_for(condition)
    start = model.initial_concentrations(condition)
    doc = libsbml.readSBMLFromFile(str(model.path))
    m = doc.getModel()
    if m is None:
        raise ModelFileError(f"{model.path}: libSBML could not read the model")
    for sid in [ia.getSymbol() for ia in m.getListOfInitialAssignments()]:
        if m.getSpecies(sid) is not None:
            m.removeInitialAssignment(sid)
    for pid, value in values.items():
        p = m.getParameter(pid)
        if p is None:
            raise ModelFileError(f"{model.path}: parameter {pid!r} of the table is not in the SBML")
        p.setValue(value)
    for sid, conc in start.items():
        s = m.getSpecies(sid)
        if s is None:
            raise ModelFileError(f"{model.path}: species {sid!r} of the simulation is not in the SBML")
        s.unsetInitialAmount()
        s.setInitialConcentration(conc)
    what = f"context {model.context!r}; condition: {condition.label()}"
    if condition.preincubation and condition.drugs:
        what += f" (drugs pre-incubated {condition.preincubation:g} min)"
    m.setName(f"{m.getName()} [{what}]")
    if m.appendNotes(
        '<body xmlns="http://www.w3.org/1999/xhtml"><p>Exported by jakstat-sbml for '
        f"{escape(what)}. Parameters carry the context, genotype and doses of this condition; "
        "species start at its time-0 state (the unstimulated steady state of the genotype, after "
        "any drug pre-incubation), so a time course from 0 reproduces the Python API. The species' "
        "initial assignments from the *_total parameters are removed: changing a total here "
        "does not change the start.</p></body>"
    ) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ExportError("libSBML could not add the export notes")
    if layout:
        add_layout(doc, pathway_graph(model.path))
    return doc


def condition_sbml(model: Model, condition: Condition | None = None) -> str:
    """SBML text of ``model`` with ``condition``'s parameter values and time-0 state."""
    import libsbml

    return libsbml.writeSBMLToString(condition_document(model, condition or Condition()))


def write_sbml(model: Model, condition: Condition, path: Path) -> None:
    path.write_text(condition_sbml(model, condition), encoding="utf-8")
