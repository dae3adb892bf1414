"""Errors raised by jakstat_sbml. All are subclasses of :class:`JakStatError`."""

from __future__ import annotations

import difflib


class JakStatError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(JakStatError, ValueError):
    """Bad input from the user: unknown name, bad dose, bad time span."""


class UnknownNameError(InputError, KeyError):
    """A gene, drug, cytokine, readout or context name that does not exist."""

    def __init__(self, kind: str, name: object, valid: list[str], note: str = ""):
        self.kind, self.name, self.valid = kind, name, list(valid)
        key = _normalised(str(name))
        close = [v for v in self.valid if _normalised(v) == key]
        close += [v for v in difflib.get_close_matches(str(name), self.valid, n=3, cutoff=0.5) if v not in close]
        if not close:
            close = [v for v in self.valid if key and key in _normalised(v)][:3]
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        shown = ", ".join(self.valid[:12]) + (", ..." if len(self.valid) > 12 else "")
        note = f"; {note}" if note else ""
        super().__init__(f"unknown {kind} {name!r}{note}{hint} (valid: {shown})")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


def refuse_repeats(names: list[str], what: str) -> None:
    """InputError naming the names given more than once: each names one column or row of
    a result (a readout twice once gave duplicate columns and broke the figure)."""
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"{what} name {', '.join(repr(n) for n in repeated)} more than once")


def _normalised(name: str) -> str:
    """Spelling-insensitive key: 'IFN-gamma', 'ifn_g' and 'IFNG' all become 'IFNG'."""
    key = name.upper().replace("GAMMA", "G").replace("ALPHA", "A")
    return "".join(ch for ch in key if ch.isalnum())


class JakStatWarning(UserWarning):
    """A result that cannot support some of its numbers: the experiment ran, and the
    numbers it cannot support are NaN. The message is one of the result's ``flags``."""


class ModelFileError(JakStatError):
    """A model file that is missing, unreadable, not SBML, or lacks what the catalog needs."""


class SimulationError(JakStatError):
    """The ODE solver failed; the message names the condition and what to try."""


class ExportError(JakStatError):
    """An external tool (COPASI, libSBML, libCombine, PEtab) rejected what we built."""


class NoEnsembleError(InputError):
    """A context without a stored calibration ensemble (not calibrated to data, or
    ``make profiles`` not run for it): no ensemble interval can be given."""


class OutputError(InputError):
    """An output path that cannot be written: the message names the path and the reason."""
