"""Partial results on disk, so an interrupted analysis resumes without recomputing.

A design (the model, the predictions, the parameter sets and how they are split
into chunks) is named by a hash; its folder holds ``design.json`` (what the hash
covers, for people) and one ``chunk_NNNNNN.npz`` per finished chunk of parameter
sets. A chunk file is written to a temporary name and renamed, so a run killed while
writing leaves no half file: a chunk is there whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..files import ordinary_permissions


def design_key(*parts) -> str:
    """A stable hash of what determines the results (reprs and array bytes)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.tobytes() + str(part.dtype).encode() + str(part.shape).encode() \
            if isinstance(part, np.ndarray) else repr(part).encode()
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


class Checkpoint:
    """Finished chunks of one design in ``folder/<label>-<key[:16]>/``."""

    def __init__(self, folder: str | os.PathLike, key: str, label: str, description: dict):
        root = Path(folder)
        if root.exists() and not root.is_dir():
            raise InputError(f"checkpoint {root} is a file, not a folder")
        self.path = root / f"{label}-{key[:16]}"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the checkpoint folder {self.path}: {exc.strerror}") from None
        info = self.path / "design.json"
        if info.exists():
            stored = json.loads(info.read_text(encoding="utf-8"))
            if stored.get("key") != key:
                raise InputError(f"{info} belongs to another design (hash {stored.get('key', '?')[:16]}); "
                                 "remove the folder or choose another checkpoint folder")
        else:
            self._write(info, json.dumps({"key": key, **description}, indent=1).encode())

    def chunk_file(self, index: int) -> Path:
        return self.path / f"chunk_{index:06d}.npz"

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(values, statuses) of a finished chunk, or None."""
        path = self.chunk_file(index)
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            return data["values"], data["statuses"]

    def save(self, index: int, values: np.ndarray, statuses: np.ndarray) -> None:
        with tempfile.NamedTemporaryFile(dir=self.path, suffix=".tmp", delete=False) as fh:
            np.savez(fh, values=values, statuses=statuses.astype(str))
        ordinary_permissions(fh.name)
        os.replace(fh.name, self.chunk_file(index))

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as fh:
            fh.write(data)
        ordinary_permissions(fh.name)
        os.replace(fh.name, path)
