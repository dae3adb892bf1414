"""Compiled RoadRunner models, kept in a cache so an SBML text is compiled once per machine.

Compiling the model's SBML to machine code (LLVM) takes seconds; restoring a
RoadRunner saved with ``saveStateS`` takes tens of milliseconds. The saved state
holds machine code, so a cache entry is only valid for the same SBML text, the
same libroadrunner and the same kind of machine: all three are in its key.

The cache directory is ``$JAKSTAT_CACHE_DIR`` when set, else
``$XDG_CACHE_HOME/jakstat-sbml`` (``~/.cache/jakstat-sbml``). An entry that is
missing, truncated, corrupt or written for another key is ignored and rebuilt: a
checksum is verified before RoadRunner reads the bytes, because a damaged state
can crash it instead of raising. A cache directory that cannot be written only
costs speed.

Worker processes can be handed a state made elsewhere (:func:`install_state`), so
they restore the caller's compiled model instead of compiling it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CACHE_DIR_VARIABLE = "JAKSTAT_CACHE_DIR"
_FORMAT = "jakstat-sbml compiled roadrunner 1"  # change when the entry layout changes
_MAGIC = b"JAKSTAT-RRSTATE\n"
_SUFFIX = ".rrstate"
_MEMORY_LIMIT = 4  # states kept in memory per process (~1 MB each)
_ENTRIES_KEPT = 32  # cache files (~1 MB each); the least recently used go first


@dataclass(frozen=True)
class CompiledState:
    """A freshly compiled model's ``saveStateS`` bytes and the cache key they belong to."""

    key: str
    state: bytes


# States handed to this process (install_state) or compiled where no cache directory
# could be written, newest last. The cache files stay the source of truth otherwise.
_states: dict[str, bytes] = {}


def cache_dir() -> Path:
    """Where compiled models are kept (``$JAKSTAT_CACHE_DIR`` overrides the default)."""
    explicit = os.environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "jakstat-sbml"


@cache
def _machine() -> str:
    """What the saved machine code depends on besides libroadrunner: the CPU."""
    cpu = platform.processor()
    try:  # Linux: the CPU model and its instruction-set flags
        with open("/proc/cpuinfo") as f:
            lines = [ln for ln in f if ln.startswith(("model name", "flags"))][:2]
        cpu += "".join(lines)
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()} {cpu}"


def machine_signature() -> str:
    """The operating system, architecture and CPU (model and instruction-set flags)
    that compiled machine code depends on: part of every compiled-model cache key."""
    return _machine()


def cache_key(sbml: str) -> str:
    """The cache key of a compiled model: SBML text, libroadrunner, load options, machine."""
    import roadrunner

    options = roadrunner.LoadSBMLOptions()  # reflects roadrunner.Config defaults
    h = hashlib.sha256()
    for part in (_FORMAT, roadrunner.__version__, str(options.modelGeneratorOpt), str(options.loadFlags),
                 _machine(), sbml):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def entry_path(sbml: str) -> Path:
    """The cache file that holds (or would hold) the compiled model of ``sbml``."""
    return cache_dir() / f"{cache_key(sbml)}{_SUFFIX}"


def load_roadrunner(sbml: str):
    """A RoadRunner for ``sbml``: restored from the cache, or compiled and cached.

    Compilation errors propagate unchanged (RoadRunner raises RuntimeError).
    """
    import roadrunner

    key = cache_key(sbml)
    state = _lookup(key)
    if state is not None:
        rr = _restore(state)
        if rr is not None:
            return rr
        _states.pop(key, None)
        _discard(cache_dir() / f"{key}{_SUFFIX}")
    rr = roadrunner.RoadRunner(sbml)
    state = rr.saveStateS()
    if not _write_entry(cache_dir() / f"{key}{_SUFFIX}", key, state):
        _remember(key, state)  # no cache directory: at least do not compile twice here
    return rr


def compiled_state(sbml: str) -> CompiledState:
    """The saved state of ``sbml`` freshly compiled (from the cache, or compiled now)."""
    key = cache_key(sbml)
    state = _lookup(key)
    if state is None:
        load_roadrunner(sbml)
        state = _lookup(key)
    return CompiledState(key, state)


def install_state(sbml: str, compiled: CompiledState) -> bool:
    """Let :func:`load_roadrunner` restore ``sbml`` from ``compiled`` in this process.

    Returns False (and installs nothing) when the state was made for another key,
    e.g. by another libroadrunner or another kind of machine: this process then
    compiles the model itself (and caches it).
    """
    if compiled.key != cache_key(sbml):
        return False
    _remember(compiled.key, compiled.state)
    return True


def clear_cache() -> int:
    """Delete every cached compiled model; return how many files were removed."""
    removed = 0
    _states.clear()
    folder = cache_dir()
    if folder.is_dir():
        for f in folder.glob(f"*{_SUFFIX}"):
            try:
                f.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def _lookup(key: str) -> bytes | None:
    state = _states.get(key)
    return state if state is not None else _read_entry(cache_dir() / f"{key}{_SUFFIX}", key)


def _remember(key: str, state: bytes) -> None:
    _states.pop(key, None)
    _states[key] = state
    while len(_states) > _MEMORY_LIMIT:
        _states.pop(next(iter(_states)))


# ----------------------------------------------------------------------------- entries
# Layout: magic line, one JSON line (key, payload size, payload sha256), payload.


def _read_entry(path: Path, key: str) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_MAGIC):
            raise ValueError("no magic line")
        end = data.index(b"\n", len(_MAGIC))
        header = json.loads(data[len(_MAGIC):end])
        payload = data[end + 1:]
        if (not isinstance(header, dict) or header.get("key") != key or header.get("size") != len(payload)
                or header.get("sha256") != hashlib.sha256(payload).hexdigest()):
            raise ValueError("header does not match")
    except (ValueError, UnicodeDecodeError):
        _discard(path)
        return None
    try:
        os.utime(path)  # recently used: pruned last
    except OSError:
        pass
    return payload


def _write_entry(path: Path, key: str, state: bytes) -> bool:
    header = json.dumps({"key": key, "size": len(state), "sha256": hashlib.sha256(state).hexdigest()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: readers never see a half-written file,
        # and concurrent writers of the same entry write the same bytes.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + header.encode() + b"\n" + state)
            os.replace(tmp, path)
        except BaseException:
            _discard(Path(tmp))
            raise
    except OSError:
        return False  # no cache, only a slower next load
    _prune(path.parent)
    return True


def _prune(folder: Path) -> None:
    def last_used(f: Path) -> float:
        try:
            return f.stat().st_mtime
        except OSError:
            return 0.0

    entries = sorted(folder.glob(f"*{_SUFFIX}"), key=last_used, reverse=True)
    for f in entries[_ENTRIES_KEPT:]:
        _discard(f)


def _restore(state: bytes):
    import roadrunner

    rr = roadrunner.RoadRunner()
    try:
        rr.loadStateS(state)
    except RuntimeError:
        return None
    return rr


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
