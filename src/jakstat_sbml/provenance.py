"""How every output was made, beside it: provenance records, read back with :func:`read_provenance`.

Every CSV and figure the command line or the report writes has a record in a JSON file
beside it, ``<run name>.provenance.json``, shared by the files of one run:

- the run's **identity**: ``experiment``, ``condition`` (context, cytokines and drugs
  in nM, knockouts, overexpression, mutations, parameters, pre-incubation) and
  ``settings`` (the varied doses, readout, time or window, ...), as the user gave them,
  names normalised;
- how it ran: the ``engine`` and its tolerances, the ``package`` version, the ``model``
  (file, SHA-256 of its SBML: the model version) and the ``command`` line;
- ``files``: each file written, what it holds and, where it differs from the run's
  (the report's sections), its own experiment, condition and settings.

``js.read_provenance("out/dose_response_ruxolitinib_IL6_pSTAT3.csv")`` finds the record
of a file and returns it as one flat dict. Before a command writes,
:func:`check_overwrite` refuses to replace a file that another run (a different
identity) or no run of jakstat wrote, unless told to (``--force``): a rerun of the same
command replaces its own files, nothing else is overwritten silently.
:func:`file_tag` puts what distinguishes a condition (context, knockouts, mutations,
overexpression, background drugs and cytokines) into file names, so runs that differ
only there keep both results.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import catalog
from .engines import ENGINES
from .errors import InputError, JakStatWarning, OutputError
from .files import ordinary_permissions
from .model import DEFAULT_PREINCUBATION, Condition

if TYPE_CHECKING:  # matplotlib is not imported for an annotation
    from matplotlib.figure import Figure

SUFFIX = ".provenance.json"
FORMAT = "jakstat-provenance/1"
IDENTITY = ("experiment", "condition", "settings")  # what makes two runs the same run
MAX_TAG = 80  # characters of a file-name tag; longer conditions are named by a hash


# ----------------------------------------------------------------------------- what a run is


def condition_record(context: str = catalog.DEFAULT_CONTEXT, *, cytokines: Mapping | None = None,
                     drugs: Mapping | None = None, knockouts: Iterable[str] | str | None = None,
                     overexpress: Mapping | None = None, mutations: Mapping | Iterable[str] | None = None,
                     parameters: Mapping | None = None, preincubation: float = DEFAULT_PREINCUBATION,
                     plasma: bool = False) -> dict:
    """The full condition, checked and normalised as :meth:`Condition.make` does it:
    names as the catalog spells them, cytokine doses in nM, drug doses in nM of free drug
    (plasma doses converted), mutations as mutant fractions. Raises InputError."""
    cond = Condition.make(cytokines=cytokines, drugs=drugs, knockouts=knockouts, overexpress=overexpress,
                          mutations=mutations, parameters=parameters,
                          # a run's own doses (a dose-response's) may be the plasma ones: nothing here to mark
                          plasma=plasma if drugs else False)
    return {"context": catalog.context(context).name, "cytokines_nM": dict(cond.cytokines),
            "drugs_nM_free": dict(cond.drugs), "knockouts": list(cond.knockouts),
            "overexpress_fold": dict(cond.overexpress), "mutations_fraction": dict(cond.mutations),
            "parameters": dict(cond.parameters), "preincubation_min": float(preincubation)}


def identity(experiment: str, condition: Mapping, settings: Mapping | None = None) -> dict:
    """What makes two runs the same run (JSON-ready: what a record stores and compares)."""
    return _plain({"experiment": experiment, "condition": dict(condition), "settings": dict(settings or {})})


def file_tag(condition: Mapping) -> str:
    """What distinguishes ``condition`` (a :func:`condition_record`) from the wild type in
    the default context, for a file name: "" for that, else "__" and its parts, e.g.
    ``__STAT5B_N642H``, ``__lymphoma_SOCS3-KO_JAK3_A572V-0.5_ruxolitinib-100nM``."""
    parts = []
    if condition.get("context", catalog.DEFAULT_CONTEXT) != catalog.DEFAULT_CONTEXT:
        parts.append(condition["context"])
    parts += [f"{g}-KO" for g in condition.get("knockouts", [])]
    parts += [m if f == 1 else f"{m}-{f:g}" for m, f in condition.get("mutations_fraction", {}).items()]
    parts += [f"{g}-x{f:g}" for g, f in condition.get("overexpress_fold", {}).items()]
    parts += [f"{d}-{v:g}nM" for d, v in condition.get("drugs_nM_free", {}).items()]
    parts += [f"{c}-{v:.3g}nM" for c, v in condition.get("cytokines_nM", {}).items()]
    parts += [f"{p}-{v:g}" for p, v in condition.get("parameters", {}).items()]
    if not parts:
        return ""
    tag = "_".join(parts)
    if len(tag) > MAX_TAG:  # named by a hash; the provenance record says what it is
        tag = "condition-" + hashlib.sha256(tag.encode()).hexdigest()[:10]
    return "__" + tag


# ----------------------------------------------------------------------------- writing


def record(run: Mapping, files: Mapping[str, Mapping], *, model=None, engine: str = "roadrunner",
           command: str | None = None) -> dict:
    """A provenance record: the run's :func:`identity`, how it ran, and ``files`` (file
    name -> what it holds, with its own experiment, condition or settings where they
    differ from the run's)."""
    return _plain({"format": FORMAT, "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "command": command, "package": {"name": "jakstat-sbml", "version": package_version(),
                                                   "source": source_commit()},
                   "model": None if model is None else model_version(model),
                   "engine": engine_record(engine, model), **run, "files": dict(files)})


def write(path: str | os.PathLike, rec: Mapping) -> Path:
    """Write ``rec`` to ``path`` (a ``*.provenance.json``) whole: a failure leaves no half
    file. Other records in the folder that named one of its files no longer do (a file
    has one record: the run that wrote it last)."""
    path = Path(path)
    if not path.name.endswith(SUFFIX):
        raise InputError(f"a provenance file ends with {SUFFIX}, got {path.name}")
    files = {**_still_this_runs(path, rec), **rec.get("files", {})}
    for name, entry in files.items():  # what each file held when written: a later edit is then seen
        if (path.parent / name).is_file() and "sha256" not in entry:
            files[name] = {**entry, "sha256": file_sha256(path.parent / name)}
    rec = {**rec, "files": files}
    _dump(path, rec)
    _release(path.parent, set(rec.get("files", {})), keep=path.name)
    return path


def release(paths: Iterable[str | os.PathLike]) -> None:
    """Take ``paths`` out of the records that name them (a record left with no file is
    removed): for a writer that replaces a command's files without writing a record of
    its own, so that no record goes on describing what it no longer holds."""
    by_folder: dict[Path, set[str]] = {}
    for p in map(Path, paths):
        by_folder.setdefault(p.parent, set()).add(p.name)
    for folder, names in by_folder.items():
        _release(folder, names)


def _release(folder: Path, names: set[str], keep: str | None = None) -> None:
    for other in folder.glob(f"*{SUFFIX}"):
        if other.name == keep:
            continue
        try:
            theirs = _load(other)
        except InputError:
            continue
        files = theirs.get("files", {})
        if names & set(files):
            theirs["files"] = {k: v for k, v in files.items() if k not in names}
            if theirs["files"]:
                _dump(other, theirs)
            else:
                other.unlink()



def _still_this_runs(path: Path, rec: Mapping) -> dict:
    """The files an earlier record at ``path`` of the same run names, that are still there
    and that ``rec`` does not: the same run again in another figure format leaves the first
    figure in place, and it stays this run's (it was once left with no record, so the next
    run refused to replace it as a file jakstat had not written)."""
    same, files = _left_over(path, rec)
    return files if same else {}


def replaced_files(path: str | os.PathLike, rec: Mapping) -> dict[str, dict]:
    """The files an earlier record at ``path`` of another run names, that are still there
    and that ``rec`` does not (with their entries): what that run wrote and the run
    replacing it does not. The same run's are carried into its new record instead
    (:func:`write`)."""
    same, files = _left_over(Path(path), rec)
    return {} if same else files


def _left_over(path: Path, rec: Mapping) -> tuple[bool, dict]:
    """Whether the record at ``path`` is of the same run as ``rec``, and the files it names
    that are still there and ``rec`` does not."""
    try:
        previous = _load(path) if path.exists() else {}
    except InputError:
        previous = {}
    same = bool(previous) and ({k: previous.get(k) for k in IDENTITY} == _plain({k: rec.get(k) for k in IDENTITY}))
    return same, {name: entry for name, entry in previous.get("files", {}).items()
                  if name not in rec.get("files", {}) and (path.parent / name).is_file()}


def _dump(path: Path, rec: Mapping) -> None:
    text = json.dumps(rec, indent=1, sort_keys=False, allow_nan=False) + "\n"
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        ordinary_permissions(temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def sidecar(name: str, folder: str | os.PathLike) -> Path:
    """The provenance file of the run named ``name`` in ``folder``."""
    return Path(folder) / f"{name}{SUFFIX}"


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jakstat-sbml")
    except PackageNotFoundError:  # a source tree that is not installed
        return "unknown (not installed)"


@lru_cache(maxsize=1)
def source_commit() -> str:
    """The git commit of the package source that is running, with "+ uncommitted changes"
    when its tracked files differ from it; "not a git checkout" for an installed wheel
    (its version says it all). The version alone, read from an editable install's
    metadata, named the same 0.1.0 for every commit (an audit). Only the package's own
    files count: a stored run's outputs (docs/, models/potency/) are uncommitted while it
    writes them, which marked every stored result "+ uncommitted changes" (an audit); the
    model, tables and posterior it read are pinned by their SHA-256 in the record."""
    import shutil
    import subprocess

    here = Path(__file__).resolve().parent
    if shutil.which("git") is None:
        return "not known (git is not installed)"
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
        if head.returncode != 0:
            return "not a git checkout"
        dirty = subprocess.run(["git", "-C", str(here), "diff", "--quiet", "HEAD", "--", "."], capture_output=True,
                               timeout=30).returncode != 0
    except (OSError, subprocess.SubprocessError):
        return "not known (git failed)"
    return head.stdout.strip() + (" + uncommitted changes" if dirty else "")


def _tables_digest() -> str:
    """One SHA-256 over the tables a model reads beside its SBML: parameters, contexts (and
    their plausible ranges, which trials and sensitivity draw from) and the
    pharmacokinetic tables of the regimens."""
    base = catalog.models_dir()
    pk = base.parent / "data" / "pharmacokinetics"
    paths = [base / "parameters.tsv", base / "contexts.tsv", *sorted(pk.glob("*.tsv"))]
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(_sha256(str(path.resolve()), path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def model_version(model) -> dict:
    """The model a run used: its file, the SHA-256 of the file (which changes with any edit of
    the model, so it versions it), the context and the SHA-256 of the context's parameter
    values and of the tables read beside the SBML (:func:`_tables_digest`); and the SHA-256 of
    the stored draws an interval may read, which the SBML does not carry: the drug-potency
    posterior and the context's calibration ensemble, where they exist."""
    values = json.dumps(sorted(model.parameter_values().items()), default=float).encode()
    out = {"file": Path(model.path).name, "sha256": _sha256(str(Path(model.path).resolve()),
                                                             Path(model.path).stat().st_mtime_ns),
           "context": model.context,
           # a context's values come from models/contexts.tsv at load, not from the SBML: editing a
           # context changed the numbers and left this record as it was (an audit)
           "context_values_sha256": hashlib.sha256(values).hexdigest(),
           "tables_sha256": _tables_digest()}
    base = catalog.models_dir()
    for key, path in (("potency_posterior_sha256", base / "potency" / "posterior.tsv"),
                      ("ensemble_sha256", base / "ensembles" / f"{model.context}.tsv")):
        if path.exists():
            out[key] = _sha256(str(path.resolve()), path.stat().st_mtime_ns)
    return out


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes (read in blocks: a trial's table can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _sha256(path: str, mtime_ns: int) -> str:  # mtime in the key: an edited file is hashed again
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def engine_record(engine: str, model=None) -> dict:
    """The simulation engine with its version and the model's solver tolerances."""
    from importlib.metadata import PackageNotFoundError, version

    package = ENGINES[engine].package if engine in ENGINES else engine
    try:
        engine_version = version(package)
    except PackageNotFoundError:
        engine_version = "not installed"
    out = {"name": engine, "version": engine_version}
    if model is not None:
        out.update(model.solver_options)
    return out


# ----------------------------------------------------------------------------- reading


def read_provenance(path: str | os.PathLike) -> dict:
    """How the file at ``path`` was made, from the provenance record beside it.

    Returns one dict: ``file``, ``experiment``, ``condition``, ``settings`` (the file's
    own where it has them, else its run's), ``content`` (what the file holds), ``written``,
    ``command``, ``package``, ``model``, ``engine`` and ``run`` (the run's identity).
    Given a ``*.provenance.json`` itself, returns the whole record. Raises InputError
    when no record names the file.
    """
    path = Path(path).expanduser()
    if path.name.endswith(SUFFIX):
        return _load(path)
    for candidate in sorted(path.parent.glob(f"*{SUFFIX}")) if path.parent.is_dir() else []:
        try:
            rec = _load(candidate)
        except InputError:
            continue
        entry = rec.get("files", {}).get(path.name)
        if entry is None:
            continue
        run = {k: rec.get(k) for k in IDENTITY}
        flat = {"file": path.name, **run, **entry, "run": run}
        for key in ("written", "command", "package", "model", "engine"):
            flat[key] = rec.get(key)
        flat["provenance_file"] = candidate.name
        return flat
    raise InputError(f"no provenance recorded for {path}: no {SUFFIX} file beside it names it (it was not "
                     "written by jakstat, or its record was removed)")



def has_record(path: str | os.PathLike) -> bool:
    """Whether a provenance record beside ``path`` names it (a jakstat command wrote it)."""
    try:
        read_provenance(path)
    except InputError:
        return False
    return True

def _load(path: Path) -> dict:
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the provenance record {path}: {exc}") from None
    if not isinstance(rec, dict) or rec.get("format") != FORMAT:
        raise InputError(f"{path} is not a jakstat provenance record ({FORMAT})")
    return rec


# ----------------------------------------------------------------------------- overwriting


def check_overwrite(paths: Iterable[str | os.PathLike], run: Mapping, *, force: bool = False,
                    option: str = "--out", way_out: str | None = None) -> list[Path]:
    """Refuse (OutputError) to replace an existing file among ``paths`` unless the same
    run wrote it (same :func:`identity`) or ``force``; return the existing ones.

    A file without a record (the user's own, or written before records existed) or with
    another run's record is never overwritten silently: the message names the file, what
    made it and the way out (``way_out``; by default ``--force``, or another path given
    with ``option``).
    """
    way_out = way_out or f"use --force to replace it, or write elsewhere with {option}"
    existing = [Path(p) for p in paths if Path(p).exists()]
    if force:
        return existing
    wanted = _plain({k: run.get(k) for k in IDENTITY})
    for path in existing:
        try:
            if path.name.endswith(SUFFIX):  # a record: jakstat's, of this very run (a user's JSON is kept)
                record = _load(path)
                theirs = {k: record.get(k) for k in IDENTITY}
            else:
                entry = read_provenance(path)
                theirs = entry["run"]
        except InputError:
            raise OutputError(f"{path} exists and has no provenance record (not written by jakstat, or by an "
                              f"older version): refusing to overwrite it; {way_out}") from None
        if theirs != wanted:
            raise OutputError(f"{path} exists and was written by a different run (it differs in "
                              f"{differences(theirs, wanted)}): refusing to overwrite it; {way_out}")
        if not path.name.endswith(SUFFIX) and entry.get("sha256") not in (None, file_sha256(path)):
            raise OutputError(f"{path} was changed since this run wrote it (its bytes no longer match the SHA-256 "
                              f"in its provenance record): refusing to overwrite the changes; {way_out}")
    return existing


# ----------------------------------------------------------------------------- keeping a Python result


def save(result, path: str | os.PathLike, *, figure: bool = True, force: bool = False) -> list[Path]:
    """Keep a result from Python as the command line keeps its outputs: ``path`` (a .csv)
    holds ``result.to_frame()``, ``<stem>_<name>.csv`` each of its ``companion_frames()``
    where it has them (a curve's draws and band, a combination's verdicts, a trial's
    distribution...), ``<stem>.png`` its ``plot()`` (``figure=False``: none), and
    ``<stem>.provenance.json`` how it was made: the result's type, its ``summary()`` (every
    number, the context, background, drug, seed and flags it names), the package version
    and the time. Returns the paths written.

    Read it back with ``pandas.read_csv(path)`` and ``js.read_provenance(path)`` (its
    ``"summary"`` is the result's summary). As on the command line, a file another run (or
    no run of jakstat) wrote is never replaced silently: OutputError unless ``force=True``;
    saving the same result again replaces its own files; a folder at any of the paths is
    refused. Every path is checked and the table and figure are made in a temporary folder
    before any file is replaced, so bad input or a figure that cannot be drawn changes nothing.
    """
    import tempfile

    from .files import install, writable
    from .results import Result

    if not isinstance(result, Result):
        raise InputError(f"save() keeps a result of the package (with to_frame, summary and plot), got "
                         f"{type(result).__name__}")
    target = Path(path).expanduser().absolute()
    if target.suffix.lower() != ".csv":
        raise InputError(f"a result is saved as a table: give a .csv path, not {str(path)!r}")
    picture = target.with_suffix(".png")
    record_path = sidecar(target.stem, target.parent)
    # the tables the command line writes beside the main one (a curve's draws and band, a
    # combination's verdicts...): js.save kept the main table alone (an audit)
    companions = {name: (target.with_name(f"{target.stem}_{name}.csv"), frame.to_csv(index=False))
                  for name, frame in (getattr(result, "companion_frames", dict)() or {}).items()}
    companion_paths = [path_ for path_, _ in companions.values()]
    for each in (target, picture, record_path, *companion_paths):  # a folder at any of them is refused, never replaced
        writable(each, folder=False)
    summary = _plain(result.summary())
    table_csv = result.to_frame().to_csv(index=False)  # made once: hashed into the identity, then written
    experiment = type(result).__name__
    condition = {"context": summary.get("context"), "background": summary.get("background")}
    # the words that name what was run (drug, cytokine, readout...) and a digest of every number and
    # of the table (two knockout screens of other genes can share a summary): saving the same result
    # again replaces its files, any other result is refused
    words = {k: v for k, v in summary.items() if isinstance(v, str) and v and not k.endswith("_unit")
             and k not in ("flags", "context", "background")}
    digest = hashlib.sha256(json.dumps(summary, sort_keys=True, default=str).encode()
                            + table_csv.encode()).hexdigest()[:16]
    run = identity(experiment, condition, {**words, "result_sha256": digest})
    # a figure (or a companion table) a former js.save recorded there, where this save writes
    # none, would be left behind unrecorded: removed. Files another run recorded there (a CLI
    # trial's patients and summary beside its record) are never removed, and a record that
    # names them is not replaced, even with force=True: they would lose their record (an audit)
    recorded = _recorded_files(record_path)
    saved_by_us = {name for name, entry in recorded.items()
                   if ".companion_frames()[" in str(entry.get("content", "")) or name in (target.name, picture.name)}
    others = sorted(name for name in recorded if name not in saved_by_us and (target.parent / name).is_file())
    if others:
        raise OutputError(f"{record_path} also records {', '.join(others)}, which this save does not write: "
                          "replacing it would leave them without a record; save to another path")
    stale = [picture] if not figure and picture.is_file() and picture.name in recorded else []
    stale += [target.parent / name for name in sorted(saved_by_us)
              if (target.parent / name).is_file() and target.parent / name not in (target, picture, *companion_paths)]
    check_overwrite([target, record_path, *companion_paths, *([picture] if figure else []), *stale], run, force=force,
                    way_out="give force=True to replace it, or another path")
    files = {target.name: {"content": f"{experiment}.to_frame()", **result_entry(result)}}
    with tempfile.TemporaryDirectory(prefix="jakstat-save-") as tmp:
        staged = Path(tmp)
        (staged / target.name).write_text(table_csv, encoding="utf-8")
        for name, (path_, text) in companions.items():
            (staged / path_.name).write_text(text, encoding="utf-8")
            files[path_.name] = {"content": f"{experiment}.companion_frames()[{name!r}]"}
        if figure:
            import matplotlib.pyplot as plt

            fig = result.plot()
            fig.savefig(staged / picture.name, dpi=110)
            plt.close(fig)
            files[picture.name] = {"content": f"{experiment}.plot()"}
        for name in files:
            install(staged / name, target.parent / name)
            ordinary_permissions(target.parent / name)
    for path_ in stale:
        path_.unlink(missing_ok=True)
    # a result does not carry the model or the engine that made it: said, not guessed
    rec = {**record(run, files, command=f"js.save({experiment})"),
           "engine": "not known to a result (see its summary)", "model": "not known to a result (see its summary)"}
    write(record_path, rec)
    return [target.parent / name for name in files] + [record_path]


def result_entry(result) -> dict:
    """What a record keeps of the result a table came from, so that :func:`load` gives it
    back: its type, its ``summary()`` and its flags (a list: flags hold "; " themselves)."""
    return {"result": type(result).__name__, "summary": _plain(result.summary()),
            "flags": [str(f) for f in getattr(result, "flags", ())]}


class SavedResult:
    """A result read back from its files (:func:`load`), with a result's verbs:
    ``to_frame()`` (the table), ``summary()`` (the summary recorded when it was saved),
    ``companion_frames()`` (the tables saved beside it) and ``plot()`` (the figure saved
    with it, shown as an image: a saved result holds numbers, not the model that made
    them). ``experiment`` names the result's type, ``provenance`` is its whole record entry
    (:func:`read_provenance`), ``changed`` the files whose bytes no longer match it."""

    def __init__(self, path: Path, entry: dict, frame: pd.DataFrame, companions: dict[str, pd.DataFrame],
                 figure: str | None, changed: tuple[str, ...]):
        self.path, self.provenance, self.changed = path, entry, changed
        self.experiment = _result_type(entry) or str(entry.get("experiment"))
        self._frame, self._companions, self._figure = frame, companions, figure

    @property
    def flags(self) -> tuple[str, ...]:
        """The flags the result carried when it was saved, one per reason (a record that
        kept only the summary's text splits it at "; ", which some flags hold too)."""
        if isinstance(self.provenance.get("flags"), list):
            return tuple(self.provenance["flags"])
        text = (self.provenance.get("summary") or {}).get("flags") or ""
        return tuple(f for f in str(text).split("; ") if f)

    def to_frame(self) -> pd.DataFrame:
        frame = self._frame.copy()
        frame.attrs["flags"] = self.flags
        return frame

    def summary(self) -> dict:
        return json.loads(json.dumps(self.provenance.get("summary") or {}))  # a copy the caller may change

    def companion_frames(self) -> dict[str, pd.DataFrame]:
        return {name: frame.copy() for name, frame in self._companions.items()}

    def plot(self, ax=None) -> Figure:
        """The figure saved with the result (an InputError where none was saved, where it
        has been removed since, or where it is not a PNG)."""
        if self._figure is None:
            raise InputError(f"{self.path} was saved without a figure: there is none to show")
        figure = self.path.parent / self._figure
        if not figure.is_file():
            raise InputError(f"{self.path}'s figure {self._figure} is recorded but no longer there")
        if figure.suffix.lower() != ".png":
            raise InputError(f"{self.path}'s figure is {self._figure}: open it (only a PNG is shown here)")
        import matplotlib.image as mpimg
        import matplotlib.pyplot as plt

        picture = mpimg.imread(figure)
        if ax is None:
            height, width = picture.shape[:2]
            _, ax = plt.subplots(figsize=(width / 110, height / 110))  # js.save draws at 110 dpi
        ax.imshow(picture)
        ax.set_axis_off()
        return ax.figure

    def __repr__(self) -> str:
        return (f"SavedResult({self.experiment}, {self.path.name}, written {self.provenance.get('written')}"
                + (f", changed since: {', '.join(self.changed)}" if self.changed else "") + ")")


def load(path: str | os.PathLike) -> SavedResult:
    """Read back a result :func:`save` kept at ``path`` (its .csv), with the tables saved
    beside it, its figure and its record; the inverse of ``js.save``. A file whose bytes
    no longer match its record is named in a warning and in ``changed`` (read as it is
    now). Empty text cells read back as "" (an empty ``flags`` cell is no flag, not
    NaN). InputError where the file is missing or no record names it."""
    import warnings

    target = Path(path).expanduser()
    if target.suffix.lower() != ".csv" or target.name.endswith(SUFFIX):
        raise InputError(f"js.load reads the .csv a result was saved as, not {target.name}")
    if not target.is_file():
        raise InputError(f"no saved result at {target}: give the .csv that js.save wrote")
    entry = read_provenance(target)
    record_path = target.parent / entry["provenance_file"]
    files = _recorded_files(record_path)
    experiment = _result_type(entry)
    if ".companion_frames()[" in str(entry.get("content", "")):
        main = next((n for n, i in files.items() if str(i.get("content", "")).endswith(".to_frame()")), "its table")
        raise InputError(f"{target.name} is a table saved beside {main}: load {main}")
    main = next((n for n, i in files.items() if i.get("result")), None)
    if main is not None and main != target.name:  # a command's other table: its summary is the result's table's
        raise InputError(f"{target.name} is a table written beside {main}, the result's table: load {main} "
                         "(or read this one with pandas)")
    companions, figure = {}, None
    for name, info in files.items():
        content = str(info.get("content", ""))
        if experiment and content.startswith(f"{experiment}.companion_frames()["):
            companions[content.split("[", 1)[1].rstrip("]").strip("'\"")] = _read_table(target.parent / name)
        elif info.get("companion") and (target.parent / name).is_file():  # a command's, recorded as such
            companions[str(info["companion"])] = _read_table(target.parent / name)
        elif content == f"{experiment}.plot()" or (name.endswith((".png", ".svg")) and figure is None):
            figure = name  # js.save's, or the command line's (the first it recorded)
    changed = tuple(name for name, info in files.items() if (target.parent / name).is_file()
                    and info.get("sha256") not in (None, file_sha256(target.parent / name)))
    if changed:
        warnings.warn(f"{', '.join(changed)} changed since {entry.get('command')} wrote {'them' if len(changed) > 1 else 'it'}"
                      f" (bytes no longer match {record_path.name}): read as {'they are' if len(changed) > 1 else 'it is'} "
                      "now", JakStatWarning, stacklevel=2)
    return SavedResult(target, entry, _read_table(target), companions, figure, changed)


def _result_type(entry: Mapping) -> str:
    """The type of the result a recorded table came from ('' where the record does not say):
    recorded as such, or in js.save's description of the table ("DoseResponse.to_frame()")."""
    content = str(entry.get("content", ""))
    return str(entry.get("result") or (content.split(".", 1)[0] if content.endswith(".to_frame()") else ""))


def _read_table(path: Path) -> pd.DataFrame:
    """A saved table: numbers as numbers, an empty text cell as "" (pandas reads it NaN;
    a flags column with no flag at all reads as numbers)."""
    try:
        frame = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:  # an emptied or binary file (pandas' errors are ValueErrors)
        raise InputError(f"{path} cannot be read as a table: {str(exc).splitlines()[0]}") from None
    for column in frame.columns:
        text = pd.api.types.is_string_dtype(frame[column]) or pd.api.types.is_object_dtype(frame[column])
        if text or ("flag" in str(column) and frame[column].isna().all()):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    return frame


def _recorded_files(record_path: Path) -> dict[str, dict]:
    """The files a provenance record names, each with its entry (none without a readable record)."""
    try:
        return dict(_load(record_path).get("files", {})) if record_path.is_file() else {}
    except InputError:
        return {}


def describe(run: Mapping) -> str:
    """A run's identity in a few words (for messages): what differs shows."""
    condition = run.get("condition") or {}
    parts = [str(run.get("experiment"))]
    if condition.get("context"):  # a run without a condition (a check of the PK tables) has none
        parts.append(f"context {condition['context']}")
    for key, label in (("knockouts", "knockouts"), ("mutations_fraction", "mutations"),
                       ("overexpress_fold", "overexpression"), ("drugs_nM_free", "drugs"),
                       ("cytokines_nM", "cytokines"), ("parameters", "parameters")):
        value = condition.get(key)
        if value:
            parts.append(f"{label} {_short(value)}")
    settings = run.get("settings") or {}
    if settings:
        parts.append(", ".join(f"{k} {_short(v)}" for k, v in settings.items()))
    return "; ".join(parts)


def differences(theirs: Mapping, ours: Mapping) -> str:
    """What differs between two runs' identities, as "key: theirs -> ours" (the whole of both
    runs, some 700 characters, hid the one setting that differed: an audit)."""
    parts = []
    if theirs.get("experiment") != ours.get("experiment"):
        # another kind of result differs in everything else too: 2,371 characters of it (an audit)
        return f"experiment: {theirs.get('experiment')} -> {ours.get('experiment')}"
    for part in ("condition", "settings"):
        a, b = theirs.get(part) or {}, ours.get(part) or {}
        for key in dict.fromkeys([*a, *b]):
            x, y = a.get(key), b.get(key)
            if x == y:
                continue
            if isinstance(x, Mapping) and isinstance(y, Mapping):  # the differing entries of a regimen, a condition
                parts += [f"{key}.{k}: {_short(x.get(k)) or 'none'} -> {_short(y.get(k)) or 'none'}"
                          for k in dict.fromkeys([*x, *y]) if x.get(k) != y.get(k)]
            else:
                parts.append(f"{key}: {_short(x) or 'none'} -> {_short(y) or 'none'}")
    shown = parts[:MAX_DIFFERENCES] + ([f"{len(parts) - MAX_DIFFERENCES} more"] if len(parts) > MAX_DIFFERENCES else [])
    return "; ".join(shown) or describe(ours)


MAX_DIFFERENCES = 6  # settings named in a clash message; the rest counted
MAX_VALUE_CHARS = 80  # a long value (what an interval covers) cut in a clash message


def _short(value) -> str:
    if isinstance(value, dict):
        text = ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(map(str, value))
    else:
        text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 3] + "..."


def _plain(value):
    """JSON-ready: tuples as lists, numpy numbers as floats, non-finite numbers as None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if getattr(value, "ndim", 0):  # a numpy array
        return _plain(value.tolist())
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, float) and not math.isfinite(number):
            return None
        return number
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)
