"""Export the model, in one condition, to the files other tools read.

``export(model, path, format=...)`` writes one of the registered formats
(:data:`FORMATS`):

- ``"sbml"``: the SBML of the model with the condition's context, knockouts and
  doses as parameter values and every species starting at the condition's time-0
  state (the unstimulated steady state of its genotype, after any drug
  pre-incubation). The species' initial assignments from the totals are dropped,
  or a tool would recompute the unstimulated start from them: a plain time course
  of the file from time 0 reproduces ``model.run(condition)`` (:mod:`.sbml`). A
  condition with a dosing regimen (``regimen=``) adds the regimens' PK species and
  dose events (:mod:`.regimen`).
- ``"copasi"``: a COPASI ``.cps`` of that SBML with ready tasks: a time course of
  the condition and a parameter scan over the ruxolitinib dose (:mod:`.copasi`,
  docs/copasi.md); with a regimen, a time course over the whole regimen.
- ``"omex"``: a COMBINE archive with SED-ML of canonical experiments (:mod:`.omex`).
- ``"petab"``: a folder with the PEtab problem of the model against a dataset
  (:mod:`.petab`).

A new format is one :class:`Format` passed to :func:`register_format`: its
writer takes (model, condition, staged path, **options). Everything is built in
a temporary folder and moved into place at the end, so bad input or a failing
tool leaves nothing half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, UnknownNameError
from ..files import install, writable
from ..model import Condition, Model, as_condition
from ..optional import require


@dataclass(frozen=True)
class Format:
    """An export format: the file endings it accepts (none: a folder), the optional
    packages it needs (checked before any work), its writer, and the options
    :func:`export` passes on to the writer."""

    name: str
    endings: tuple[str, ...]  # () means the export is a folder
    purpose: str  # for the missing-package message
    needs: tuple[str, ...]
    write: Callable[..., None]  # write(model, condition, path, **options)
    options: tuple[str, ...] = ()  # keywords of export() the writer takes
    untimed: str = ""  # why it has no time course of its own ("": it has one); t_end, points are then refused
    # why t_end and points do not apply to a format that does take a condition ("": they do)
    no_time_course: str = ""

    @property
    def folder(self) -> bool:
        return not self.endings


FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> Format:
    """Make ``fmt`` available to :func:`export` (and ``jakstat export``) by its name."""
    if fmt.name != fmt.name.lower() or not fmt.name.isidentifier():
        raise InputError(f"a format name is a lower-case identifier, got {fmt.name!r}")
    FORMATS[fmt.name] = fmt
    return fmt


def _write_sbml(model, condition, path):
    if condition.regimens:  # the pathway plus PK species and dose events
        from .regimen import write_regimen_sbml

        return write_regimen_sbml(model, condition, path)
    from .sbml import write_sbml

    write_sbml(model, condition, path)


def _write_copasi(model, condition, path):
    if condition.regimens:
        from .regimen import write_regimen_copasi

        return write_regimen_copasi(model, condition, path)
    from .copasi import write_copasi

    write_copasi(model, condition, path)


def _write_omex(model, condition, path):
    from .omex import write_omex

    _no_regimen("omex", condition)
    write_omex(model, condition, path)


def _no_regimen(fmt: str, condition: Condition) -> None:
    if condition.regimens:
        raise InputError(f"a dosing regimen exports as format 'sbml' or 'copasi', not {fmt!r}")


def _write_sbgn(model, condition, path):
    from .sbgn import write_sbgn

    _no_condition(FORMATS["sbgn"].untimed, condition)
    write_sbgn(model, path)


def _no_condition(what: str, condition: Condition) -> None:
    if (condition.cytokines or condition.drugs or condition.knockouts or condition.overexpress
            or condition.mutations or condition.parameters or condition.regimens):
        raise InputError(f"{what}: export it without a condition, not [{condition.label()}]")


def _no_timing(what: str, condition: Condition) -> None:
    """A format without a time course of its own: a t_end or points would be recorded and
    ignored (an audit found a PEtab export 'with t_end 30' that had the data's times)."""
    plain = Condition.make(regimen=condition.regimens or None)  # a regimen's default lasts the regimen
    if (condition.t_end, condition.points) != (plain.t_end, plain.points):
        raise InputError(f"{what}: it has no time course to set, so give no t_end or points "
                         f"(got t_end {condition.t_end:g} min, {condition.points} points)")


def _write_petab(model, condition, path, dataset=None):
    from ..calibration.datasets import DEFAULT_DATASET
    from .petab import write_petab

    _no_regimen("petab", condition)
    write_petab(model, path, dataset=dataset or DEFAULT_DATASET, condition=condition)


# The writers import their modules when called: COPASI, libCombine and PEtab are
# optional (the interop extra) and slow to import.
register_format(Format("sbml", (".xml", ".sbml"), "SBML export", (), _write_sbml,
                       no_time_course="an SBML file holds the model and its starting state, not a simulation "
                                      "(export copasi or omex for a time course)"))
register_format(Format("copasi", (".cps",), "COPASI export", ("basico",), _write_copasi))
register_format(Format("omex", (".omex",), "COMBINE/OMEX export", ("libcombine", "libsedml"), _write_omex))
register_format(Format("petab", (), "PEtab export", ("petab", "sympy"), _write_petab, options=("dataset",),
                       untimed="a PEtab problem takes its times from the data"))
register_format(Format("sbgn", (".sbgn",), "SBGN export", ("libsbgnpy",), _write_sbgn,
                       untimed="an SBGN map draws the network, not a condition"))


def export(model: Model, path: str | os.PathLike, format: str | None = None, *, condition: Condition | Mapping | None = None,
           dataset: str | None = None, **keywords) -> Path:
    """Write ``model`` in ``condition`` to ``path`` as ``format``; return the path written.

    The condition is either ``condition=`` (a :class:`Condition` or a mapping of
    :meth:`Model.simulate` keywords) or those keywords directly::

        js.export(model, "il6_rux.xml", cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 500})
        js.export(model, "il6.cps", format="copasi", cytokines={"IL6": "40 ng/mL"})
        js.export(model, "jakstat.omex", format="omex")
        js.export(model, "rux_bid.cps", format="copasi", cytokines={"IL6": "40 ng/mL"},
                  regimen=js.regimen("ruxolitinib", "20 mg", every="12 h", days=5))
        js.export(js.load_model(context="hepatocyte"), "sobotta", format="petab")

    Formats (:data:`FORMATS`): ``"sbml"`` (.xml/.sbml), ``"copasi"`` (.cps), ``"omex"``
    (.omex), ``"sbgn"`` (.sbgn) and ``"petab"`` (a folder; ``dataset=`` names the data,
    default ``"Sobotta_Frontiers2017"``; the data set its own doses, so no condition).
    Without ``format=`` the path's ending names it (``"x.cps"`` is COPASI); a folder
    has no ending, so a PEtab export says ``format="petab"``. ``t_end``/``points`` set the
    time course of a COPASI file and an OMEX archive's SED-ML; an SBML file holds the model
    and its starting state only, so typed for one they are refused (a ``condition=`` keeps
    its own timing, which the SBML file leaves out).
    Bad input raises :class:`~jakstat_sbml.errors.InputError` before anything is
    written; an existing file (or PEtab folder) at ``path`` is replaced. Formats
    other than SBML need the ``interop`` extra; without it
    :class:`~jakstat_sbml.optional.MissingDependencyError` says what to install.
    """
    fmt = _format(format) if format is not None else _format_of(path)
    cond = as_condition(condition, keywords)
    options = {"dataset": dataset} if dataset is not None else {}
    for option in sorted(set(options) - set(fmt.options)):
        takers = " or ".join(repr(f.name) for f in FORMATS.values() if option in f.options)
        raise InputError(f"{option}= only applies to format {takers}, not {fmt.name!r}")
    if fmt.untimed:
        _no_timing(fmt.untimed, cond)
    if fmt.no_time_course and condition is None:  # t_end= typed for this file; a Condition's timing is its own
        _no_timing(fmt.no_time_course, cond)
    target = _target(path, fmt)
    for module in fmt.needs:
        require(module, fmt.purpose)
    _check_pathways(model, cond)
    with tempfile.TemporaryDirectory(prefix="jakstat-export-") as tmp:
        staged = Path(tmp) / target.name
        fmt.write(model, cond, staged, **options)
        install(staged, target)
    return target


def export_target(path: str | os.PathLike, format: str | None = None) -> Path:
    """The path :func:`export` would write, checked as it checks it (the format's ending,
    a file or a folder, a writable parent) without writing: for a caller that must check
    more before any work (the command line's overwrite rule)."""
    return _target(path, _format(format) if format is not None else _format_of(path))


def _check_pathways(model: Model, condition: Condition) -> None:
    """A cytokine the context cannot signal through (no receptor: GM-CSF or EPO in
    ``ctcl``) makes an export of flat zeros: refused, naming the contexts that can. Not
    checked when the condition's parameters or overexpression may supply what is missing."""
    if not condition.cytokines or condition.parameters or condition.overexpress:
        return
    from ..experiments import absent_pathways

    absent = absent_pathways(model, [name for name, _ in condition.cytokines])
    if absent:
        name, why = next(iter(absent.items()))
        raise InputError(f"{why}; export {name} in a context that has its receptor, or choose another cytokine")


def _format(fmt: object) -> Format:
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        raise UnknownNameError("export format", fmt, list(FORMATS))
    return FORMATS[fmt.lower()]


def _format_of(path: object) -> Format:
    """The file format whose ending ``path`` has (export's ``format=None``)."""
    suffix = Path(path).suffix.lower() if isinstance(path, (str, os.PathLike)) else ""
    matches = [f for f in FORMATS.values() if suffix and suffix in f.endings]
    if not matches:
        known = ", ".join(f"{'/'.join(f.endings)} ({f.name})" for f in FORMATS.values() if f.endings)
        folders = " or ".join(repr(f.name) for f in FORMATS.values() if f.folder)
        raise InputError(f"cannot tell the export format from {str(path)!r}: give format= ({', '.join(FORMATS)}) "
                         f"or a path ending in {known}; a folder export ({folders}) needs format=")
    return matches[0]


def _target(path: str | os.PathLike, fmt: Format) -> Path:
    """The destination, checked before any work: right ending, writable folder."""
    if isinstance(path, (str, os.PathLike)) and not os.fspath(path).strip():
        raise InputError("path must not be empty (it was read as the current folder)")
    try:
        target = Path(path).expanduser().absolute()
    except TypeError:
        raise InputError(f"path must be a file path, got {path!r}") from None
    if fmt.endings and target.suffix.lower() not in fmt.endings:
        other = [name for name, f in FORMATS.items() if target.suffix.lower() in (f.endings or ())]
        hint = f" ({target.suffix} is the {other[0]} format's: format={other[0]!r})" if other else ""
        raise InputError(f"the {fmt.name} export needs a path ending in {' or '.join(fmt.endings)}, "
                         f"got {str(path)!r}{hint}")
    if fmt.folder and target.exists() and not target.is_dir():
        raise InputError(f"a {fmt.name} export is a folder, but {target} is a file")
    if not fmt.folder and target.is_dir():
        raise InputError(f"{target} is a folder; give a file name ending in {fmt.endings[0]}")
    writable(target.parent, folder=True, name=target)  # install() stages beside the target, then moves it in
    return target


__all__ = ["FORMATS", "Format", "export", "export_target", "register_format"]
