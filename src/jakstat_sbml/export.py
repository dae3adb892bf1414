"""Export the model, in one condition, to the files other tools read.

``export(model, path, format=...)`` writes

- ``"sbml"``: the SBML of the model with the condition's context, knockouts and
  doses as parameter values and every species starting at the condition's time-0
  state (the unstimulated steady state of its genotype, after any drug
  pre-incubation). The species' initial assignments from the totals are dropped,
  or a tool would recompute the unstimulated start from them: a plain time course
  of the file from time 0 reproduces ``model.run(condition)``.
- ``"copasi"``: a COPASI ``.cps`` of that SBML with ready tasks: a time course of
  the condition and a parameter scan over the ruxolitinib dose (docs/copasi.md).
- ``"omex"``: a COMBINE archive with SED-ML of canonical experiments (sedml.py).
- ``"petab"``: a folder with the PEtab problem of the model against a dataset
  (petab_problem.py).

Everything is built in a temporary folder and moved into place at the end, so
bad input or a failing tool leaves nothing half-written.
"""

from __future__ import annotations

import errno
import inspect
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from .errors import InputError, JakStatError, ModelFileError, UnknownNameError
from .model import Condition, Model, as_condition
from .optional import require

# Accepted file name endings per format; PEtab is a folder (YAML + tables + SBML).
FORMATS: dict[str, tuple[str, ...]] = {
    "sbml": (".xml", ".sbml"),
    "copasi": (".cps",),
    "omex": (".omex",),
    "petab": (),
}

# The optional packages (interop extra) each format needs, checked before any work.
NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sbml": ("SBML export", ()),
    "copasi": ("COPASI export", ("basico",)),
    "omex": ("COMBINE/OMEX export", ("libcombine", "libsedml")),
    "petab": ("PEtab export", ("petab", "sympy")),
}

# COPASI's LSODA at these tolerances agrees with itself at 100x tighter ones to
# ~1e-8 relative on this model, i.e. it is converged; that is 100x tighter than
# RoadRunner's settings here (model.RELATIVE_TOLERANCE), so a COPASI-RoadRunner
# comparison measures RoadRunner's error. Absolute tolerance is in the model's
# quantity unit (zmol), as for RoadRunner. A 120 min course takes ~0.3 s.
COPASI_RELATIVE_TOLERANCE = 1e-8
COPASI_ABSOLUTE_TOLERANCE = 1e-12
COPASI_MAX_STEPS = 1_000_000

# The ruxolitinib doses of the COPASI scan task (free drug, nM).
RUXOLITINIB_SCAN_DOSES = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0)

# Readouts plotted in the COPASI tasks: total phospho-STATs (whole cell, nM).
PLOTTED_READOUTS = ("pSTAT1", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT6")


class ExportError(JakStatError):
    """An external tool (COPASI, libSBML, libCombine, PEtab) rejected what we built."""


class OutputError(InputError):
    """An output path that cannot be written: the message names the path and the reason."""


# ----------------------------------------------------------------------------- entry point


def export(model: Model, path: str | os.PathLike, format: str = "sbml", *, condition: Condition | Mapping | None = None,
           dataset: str | None = None, **keywords) -> Path:
    """Write ``model`` in ``condition`` to ``path`` as ``format``; return the path written.

    The condition is either ``condition=`` (a :class:`Condition` or a mapping of
    :meth:`Model.simulate` keywords) or those keywords directly::

        js.export(model, "il6_rux.xml", cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 500})
        js.export(model, "il6.cps", format="copasi", cytokines={"IL6": "40 ng/mL"})
        js.export(model, "jakstat.omex", format="omex")
        js.export(js.load_model(context="hepatocyte"), "sobotta", format="petab")

    Formats: ``"sbml"`` (.xml/.sbml), ``"copasi"`` (.cps), ``"omex"`` (.omex) and
    ``"petab"`` (a folder; ``dataset=`` names the data, default
    ``"Sobotta_Frontiers2017"``; the data set its own doses, so no condition).
    Bad input raises :class:`~jakstat_sbml.errors.InputError` before anything is
    written; an existing file (or PEtab folder) at ``path`` is replaced. Formats
    other than SBML need the ``interop`` extra; without it
    :class:`~jakstat_sbml.optional.MissingDependencyError` says what to install.
    """
    fmt = _format(format)
    cond = as_condition(condition, keywords)
    if dataset is not None and fmt != "petab":
        raise InputError(f"dataset= only applies to format 'petab', not {fmt!r}")
    target = _target(path, fmt)
    purpose, modules = NEEDS[fmt]
    for module in modules:
        require(module, purpose)
    with tempfile.TemporaryDirectory(prefix="jakstat-export-") as tmp:
        staged = Path(tmp) / target.name
        if fmt == "sbml":
            staged.write_text(condition_sbml(model, cond))
        elif fmt == "copasi":
            write_copasi(model, cond, staged)
        elif fmt == "omex":
            from .sedml import write_omex

            write_omex(model, cond, staged)
        else:
            from .petab_problem import DEFAULT_DATASET, write_petab

            write_petab(model, staged, dataset=dataset or DEFAULT_DATASET, condition=cond)
        _install(staged, target)
    return target


def _format(fmt: object) -> str:
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        raise UnknownNameError("export format", fmt, list(FORMATS))
    return fmt.lower()


def _target(path: str | os.PathLike, fmt: str) -> Path:
    """The destination, checked before any work: right ending, writable folder."""
    try:
        target = Path(path).expanduser().absolute()
    except TypeError:
        raise InputError(f"path must be a file path, got {path!r}") from None
    endings = FORMATS[fmt]
    if endings and target.suffix.lower() not in endings:
        raise InputError(f"a {fmt} export needs a path ending in {' or '.join(endings)}, got {str(path)!r}")
    if fmt == "petab" and target.exists() and not target.is_dir():
        raise InputError(f"a PEtab export is a folder, but {target} is a file")
    if fmt != "petab" and target.is_dir():
        raise InputError(f"{target} is a folder; give a file name ending in {endings[0]}")
    writable(target.parent, folder=True, name=target)  # _install stages beside the target, then moves it in
    return target


def writable(path: str | os.PathLike, *, folder: bool, name: str | os.PathLike | None = None) -> Path:
    """Check, before any work, that ``path`` can be written; return it as an absolute path.

    ``folder=True``: ``path`` is a folder to create (if missing) and fill;
    ``folder=False``: a file, whose folder is created if missing. The check creates
    and removes an empty folder where the first new entry would go, so it finds
    what permissions alone do not (read-only and virtual file systems such as
    /proc). Raises :class:`OutputError` ("cannot write to PATH: reason"; ``name``,
    if given, is the PATH the message shows).
    """
    target = Path(path).expanduser().absolute()
    shown = target if name is None else name
    if target.is_dir() and not folder:
        raise OutputError(f"cannot write to {shown}: it is a folder, not a file")
    if target.exists() and not target.is_dir() and folder:
        raise OutputError(f"cannot write to {shown}: {target} is a file, not a folder")
    probe = target if folder and target.is_dir() else target.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot write to {shown}: {probe} is a file, not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".jakstat-write-check-", dir=probe))
    except OSError as exc:
        raise write_error(shown, exc, probe) from None
    return target


def write_error(path: str | os.PathLike, exc: OSError, folder: Path | None = None) -> OutputError:
    """An :class:`OutputError` naming ``path`` and why writing it failed with ``exc``."""
    reasons = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on the device",
               errno.EDQUOT: "disk quota exceeded", errno.ENOTDIR: "a part of the path is a file, not a folder",
               errno.EISDIR: "it is a folder, not a file", errno.ENAMETOOLONG: "the name is too long"}
    reason = reasons.get(exc.errno)
    if reason is None and exc.errno == errno.ENOENT and folder is not None and folder.is_dir():
        reason = f"{folder} does not accept new files (a virtual or read-only file system)"
    if reason is None:
        reason = (exc.strerror or str(exc)).lower()
    return OutputError(f"cannot write to {path}: {reason}")


def _install(staged: Path, target: Path) -> None:
    """Move a finished file or folder into place; replace what was there."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise write_error(target, exc, target.parent) from None
    try:
        incoming = temp / target.name
        if staged.is_dir():
            shutil.copytree(staged, incoming)
        else:
            shutil.copyfile(staged, incoming)
        if target.is_dir():  # PEtab folder: swap whole folders so no stale table survives
            old = temp / "previous"
            os.replace(target, old)
            os.replace(incoming, target)
        else:
            os.replace(incoming, target)
    except OSError as exc:
        raise write_error(target, exc, target.parent) from None
    finally:
        shutil.rmtree(temp, ignore_errors=True)


# ----------------------------------------------------------------------------- SBML


def condition_document(model: Model, condition: Condition):
    """libSBML document of ``model`` in ``condition`` (see :func:`condition_sbml`)."""
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
    return doc


def condition_sbml(model: Model, condition: Condition | None = None) -> str:
    """SBML text of ``model`` with ``condition``'s parameter values and time-0 state."""
    import libsbml

    return libsbml.writeSBMLToString(condition_document(model, condition or Condition()))


# ----------------------------------------------------------------------------- COPASI


def write_copasi(model: Model, condition: Condition, path: Path) -> None:
    """A COPASI file of ``condition`` with a time-course and a ruxolitinib-scan task."""
    import libsbml

    basico = require("basico", "COPASI export")
    doc = condition_document(model, condition)
    # COPASI shows names, not ids, and keeps no SBML ids in a .cps. Name species and
    # parameters by their SBML ids (the names the Python API uses: dose_ruxolitinib,
    # pSTAT3, STAT3_nuc) and keep a parameter's description as its note.
    m = doc.getModel()
    for p in m.getListOfParameters():
        if p.isSetName() and p.getName() != p.getId():
            p.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(p.getName())}</p></body>')
        p.setName(p.getId())
    for s in m.getListOfSpecies():
        s.setName(s.getId())
    dm = basico.load_model_from_string(libsbml.writeSBMLToString(doc))
    if dm is None:
        raise ExportError("COPASI could not import the exported SBML")
    try:
        _copasi_tasks(dm, condition)
        basico.save_model(str(path), model=dm)
    finally:
        basico.remove_datamodel(dm)
    if not path.exists() or path.stat().st_size == 0:
        raise ExportError(f"COPASI did not write {path.name}")


def _copasi_tasks(dm, condition: Condition) -> None:
    basico = require("basico", "COPASI export")

    cm = dm.getModel()
    values = {v.getSBMLId(): v for v in cm.getModelValues()}
    missing = [r for r in (*PLOTTED_READOUTS, "dose_ruxolitinib") if r not in values]
    if missing:
        raise ExportError(f"COPASI's copy of the model lacks {', '.join(missing)}")
    intervals = condition.points - 1
    basico.set_task_settings("Time-Course", {
        "scheduled": True,
        "update_model": False,
        "problem": {"Duration": condition.t_end, "StepNumber": intervals, "StepSize": condition.t_end / intervals,
                    "OutputStartTime": 0.0, "AutomaticStepSize": False},
        "method": {"name": "Deterministic (LSODA)", "Relative Tolerance": COPASI_RELATIVE_TOLERANCE,
                   "Absolute Tolerance": COPASI_ABSOLUTE_TOLERANCE, "Max Internal Steps": COPASI_MAX_STEPS},
    }, model=dm)
    dose = values["dose_ruxolitinib"]
    basico.set_scan_settings(
        subtask="Time-Course", output_specification=["After"], continue_from_current_state=False,
        scan_items=[{"type": "scan", "cn": dose.getInitialValueReference().getCN().getString(),
                     "values": list(RUXOLITINIB_SCAN_DOSES)}],
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
    basico.add_plot(f"Ruxolitinib scan: readouts at {condition.t_end:g} min vs dose_ruxolitinib (nM)",
                    tasks="Scan", log_x=True, curves=curves, model=dm)
