"""SBML of the model in one condition.

Two forms:

- :func:`condition_document` (``format="sbml"``): the condition's parameter values
  and its time-0 state, so that a plain time course from 0 in any SBML tool
  reproduces ``model.run(condition)``;
- :func:`protocol_document` (inside the COPASI file and the COMBINE archive, whose
  tools start a time course at a chosen time): the condition as the package runs
  it, drugs pre-incubated. Species start at the genotype's unstimulated, drug-free
  steady state, every dose is set, and each cytokine enters at time 0; a time course
  started at ``-protocol_preincubation(condition)`` reproduces ``model.run(condition)``
  from time 0, and a drug dose changed in the tool (COPASI's scan, a SED-ML dose
  series) is pre-incubated as the Python API does it.

The cytokine's entry is a step smoothed over :data:`CYTOKINE_RAMP` min and centred
:data:`CYTOKINE_LEAD` min before 0 (a tanh of time), so complete at 0; not an SBML event or a piecewise
of time: COPASI integrates this model about a hundred times slower after an event or
a discontinuity (10-20 s instead of 0.1 s per time course), while the smooth step
moves no output by more than a tenth of the export tests' tolerance (at worst 1e-7 nM of
IL2RA-bound IL-2 at time 0, against 1e-6 nM allowed).

Both carry the pathway map as SBML layout and render information (:mod:`.layout`)
unless asked ``layout=False``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import escape

from .. import catalog
from ..errors import ExportError, ModelFileError
from ..explore.graph import pathway_graph
from ..model import DEFAULT_PREINCUBATION, Condition, Model
from ..version import __version__
from .layout import add_layout

CYTOKINE_RAMP = 1e-8  # min over which a protocol document's cytokine steps from 0 to its dose
CYTOKINE_LEAD = 10 * CYTOKINE_RAMP  # min before 0 at which the step is centred: complete at 0 (to 4e-9)


def _document(model: Model, values: dict[str, float], start: dict[str, float], what: str, how: str,
              layout: bool):
    import libsbml

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
    m.setName(f"{m.getName()} [{what}]")
    if m.appendNotes(
        f'<body xmlns="http://www.w3.org/1999/xhtml"><p>Exported by jakstat-sbml {escape(__version__)} for '
        f"{escape(what)}. {escape(how)} The species' initial assignments from the *_total parameters are "
        "removed: changing a total here does not change the start.</p></body>"
    ) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ExportError("libSBML could not add the export notes")
    if layout:
        add_layout(doc, pathway_graph(model.path))
    return doc


def condition_document(model: Model, condition: Condition, *, layout: bool = True):
    """libSBML document of ``model`` in ``condition`` (see :func:`condition_sbml`), with
    the pathway map as SBML layout and render information unless ``layout=False``."""
    what = f"context {model.context!r}; condition: {condition.label()}"
    if condition.preincubation and condition.drugs:
        what += f" (drugs pre-incubated {condition.preincubation:g} min)"
    return _document(model, model.parameters_for(condition), model.initial_concentrations(condition), what,
                     "Parameters carry the context, genotype and doses of this condition; species start at its "
                     "time-0 state (the unstimulated steady state of the genotype, after any drug pre-incubation), "
                     "so a time course from 0 reproduces the Python API.", layout)


def protocol_preincubation(condition: Condition) -> float:
    """Minutes the drugs of a protocol document act before its cytokines: the condition's
    pre-incubation when it has drugs, else the package's default, so that a drug dose set
    in the tool is pre-incubated as the Python API would (every experiment's default)."""
    return condition.preincubation if condition.drugs else DEFAULT_PREINCUBATION


def protocol_document(model: Model, condition: Condition, *, layout: bool = True):
    """libSBML document of ``model`` running ``condition`` as the package does (module
    docstring): start a time course at ``-protocol_preincubation(condition)`` min."""
    import libsbml

    pre = protocol_preincubation(condition)
    what = f"context {model.context!r}; condition: {condition.label()}; drugs from {-pre:g} min, cytokines at 0"
    drug_free = replace(condition, drugs=(), preincubation=0.0)
    doc = _document(model, model.parameters_for(condition), model.initial_concentrations(drug_free), what,
                    "Parameters carry the context, genotype and doses of this condition; species start at the "
                    "unstimulated, drug-free steady state of the genotype; drugs act from the start and each "
                    f"cytokine's dose enters at time 0. Start a time course at {-pre:g} min (the drug "
                    "pre-incubation) to reproduce the Python API from time 0.", layout)
    m = doc.getModel()
    for c in catalog.CYTOKINES.values():
        rule = m.getAssignmentRuleByVariable(c.name)
        if rule is None:
            raise ModelFileError(f"{model.path}: cytokine {c.name} has no assignment rule")
        formula = libsbml.formulaToL3String(rule.getMath())
        # the 1 and the 2 carry their unit: libsbml flagged them (99505) in every archived file
        step = (f"(1 dimensionless + tanh((time + {CYTOKINE_LEAD!r} minute) / {CYTOKINE_RAMP!r} minute)) "
                "/ 2 dimensionless")
        gated, n = re.subn(rf"\b{c.dose_parameter}\b", f"{c.dose_parameter} * {step}", formula)
        math = libsbml.parseL3Formula(gated)
        if n != 1 or math is None or rule.setMath(math) != libsbml.LIBSBML_OPERATION_SUCCESS:
            raise ExportError(f"could not gate the dose of {c.name} at time 0 (its rule: {formula})")
    return doc


def condition_sbml(model: Model, condition: Condition | None = None) -> str:
    """SBML text of ``model`` with ``condition``'s parameter values and time-0 state."""
    import libsbml

    return libsbml.writeSBMLToString(condition_document(model, condition or Condition()))


def protocol_sbml(model: Model, condition: Condition | None = None) -> str:
    """SBML text of :func:`protocol_document`."""
    import libsbml

    return libsbml.writeSBMLToString(protocol_document(model, condition or Condition()))


def write_sbml(model: Model, condition: Condition, path: Path) -> None:
    path.write_text(condition_sbml(model, condition), encoding="utf-8")
