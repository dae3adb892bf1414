"""Output files and folders: checked before any work, replaced only when complete.

Every command that writes (exports, the report, CLI ``--out``) checks its
destination first with :func:`writable`, so bad paths fail in one line before
anything runs, and moves finished work into place with :func:`install`, so a
failure leaves nothing half-written.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from .errors import OutputError


# what the package writes, and what a user means by a name ending so: a file, not a folder
FILE_SUFFIXES = frozenset({".csv", ".tsv", ".json", ".png", ".svg", ".pdf", ".html", ".md", ".txt", ".xml", ".sbml",
                           ".cps", ".omex", ".sedml", ".yaml", ".yml", ".ant", ".parquet", ".xlsx"})


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
    if folder and not target.exists() and target.suffix.lower() in FILE_SUFFIXES:
        # `--out x.csv` made a folder named x.csv and filled it (a user audit)
        raise OutputError(f"cannot write to {shown}: the outputs go into a folder, and {target.name} would be a new "
                          f"folder named like a {target.suffix} file: give a folder name")
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


def ordinary_permissions(path: str | os.PathLike) -> None:
    """Give a file the permissions of any file written here (the umask's): a temporary
    file is created private (0600), so a file renamed into place from one would be
    readable by its owner alone, beside outputs everybody on a shared disk can read."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def install(staged: Path, target: Path) -> None:
    """Move a finished file or folder into place; replace what was there. A folder is
    replaced whole (no stale table survives), so one holding files the new folder does not
    hold is refused: --force on a PEtab folder deleted a user's notes without a word."""
    if target.is_dir() and staged.is_dir():
        mine = {p.relative_to(staged) for p in staged.rglob("*")}
        foreign = sorted(str(p.relative_to(target)) for p in target.rglob("*")
                         if p.relative_to(target) not in mine and not p.is_dir())
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutputError(f"{target} holds files this export does not write ({shown}); replacing the folder "
                              "would delete them: move them, or choose another folder")
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
