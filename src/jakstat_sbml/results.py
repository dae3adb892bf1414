"""One protocol for every public result (issue 25): the verbs a result has and the shape
of its summary.

A result (:class:`Result`) has

- ``flags``: a tuple of one-line reasons why a number is missing or needs care (empty
  when nothing does);
- ``to_frame()``: its data as a non-empty DataFrame, the flags in ``attrs["flags"]``;
- ``summary()``: a flat dict of its main numbers, every value a scalar (str, bool, int,
  float or None: no dict, list or array), ``"flags"`` the flags joined by ``"; "``;
- ``plot(ax=None)``: draws it (on ``ax`` when given) and returns the matplotlib Figure.

The keys of a summary name their units (:func:`unit_problems` checks them):

1. an int is a count of what its key names (``genes``, ``rows``, ``interval_draws``) or
   a seed: no unit;
2. a float's key ends in a unit suffix (:data:`UNIT_SUFFIXES`: ``ic50_nM``,
   ``ec50_ng_per_mL``, ``dose_mg``, ``hours_to_max_h``, ``mean_inhibition_fraction``,
   ``strongest_log2_fold_change``...),
3. or has a dimensionless word among its ``_``-separated words
   (:data:`DIMENSIONLESS_WORDS`: ``slope``, ``gmfe_test``, ``coverage_90``, ``bliss_max``...),
4. or its unit depends on the run (a readout's unit: nM, nM*min for an AUC, 1 for a
   promoter activity) and a str key ``<stem>_unit`` beside it names it, the stem being
   the key or its leading words: ``max_effect`` with ``max_effect_unit``, ``peak_pSTAT3``
   and ``peak_pSTAT3_high`` with ``peak_pSTAT3_unit``.

A key may end in a label in brackets, ``name[label]``, for one quantity over the rows of
a table (an exposure-response's ``mean_inhibition_fraction[arm | pathway]``); the rule
applies to ``name``. str, bool and None values need no unit.

This module is at the bottom of the import graph: results everywhere in the package
import it, and it imports nothing from the package.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pandas and matplotlib are not imported for an annotation
    import pandas as pd
    from matplotlib.figure import Figure

# A float key ending in one of these names its unit.
UNIT_SUFFIXES: dict[str, str] = {
    "_nM": "nanomolar",
    "_ng_per_mL": "nanograms per millilitre",
    "_mg": "milligrams",
    "_min": "minutes (also nM_min: an AUC)",
    "_h": "hours",
    "_s": "seconds",
    "_fraction": "a fraction, 0-1 (inhibition is the fraction of the no-drug response removed)",
    "_percent": "per cent",
    "_fold": "a fold (ratio)",
    "_fold_error": "a fold error (ratio >= 1)",
    "_fold_change": "a fold change (ratio; log2_fold_change: its log2)",
}

# A float key with one of these words (split at "_") is a number without a unit.
DIMENSIONLESS_WORDS: dict[str, str] = {
    "slope": "Hill slope",
    "gmfe": "geometric-mean fold error",
    "coverage": "fraction of measurements inside their predictive intervals",
    "level": "probability content of an interval (0.9 for a 90% interval)",
    "factor": "a multiplier (a drug's cellular potency factor)",
    "bliss": "Bliss excess: observed minus expected fractional inhibition",
    "loewe": "Loewe excess: observed minus expected fractional inhibition",
    "hsa": "HSA excess: observed minus expected fractional inhibition",
}

SCALAR_TYPES = (str, bool, int, float, type(None))


@runtime_checkable
class Result(Protocol):
    """What every public result has (the module docstring gives the rules)."""

    flags: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame: ...

    def summary(self) -> dict: ...

    def plot(self, ax=None) -> Figure: ...


def flags_text(flags: Sequence[str]) -> str:
    """The flags as a summary holds them: one string, ``"; "`` between reasons."""
    return "; ".join(flags)


def interval_fields(covers: str, level: float, draws: int | None, seed: int | None,
                    flags: Sequence[str] | None = ()) -> dict:
    """What every result with ``uncertainty=`` says of its interval in its summary, under the
    same keys: ``interval_kind`` (``predictive``, or ``envelope`` for a calibration
    ensemble's members, whose ``level`` is NaN), ``interval_level``, ``interval_draws``,
    ``interval_seed``, ``interval_covers`` and, unless ``flags`` is None, ``interval_flags``
    (a dose-response's summary had the first two, a combination's and an exposure's not: an
    audit)."""
    envelope = level is None or not isinstance(level, numbers.Real) or level != level
    out = {"interval_kind": "envelope" if envelope else "predictive",
           "interval_level": float("nan") if envelope else float(level), "interval_draws": draws,
           "interval_seed": seed, "interval_covers": covers}
    return out if flags is None else {**out, "interval_flags": flags_text(flags)}


def with_flags(frame: pd.DataFrame, flags: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``attrs["flags"]`` set to ``flags`` (a tuple); returns it."""
    frame.attrs["flags"] = tuple(flags)
    return frame


def background_text(background: Mapping) -> str:
    """A background (knockouts, drugs, ...) as one JSON string: flat, readable, parseable."""
    return json.dumps(dict(background), sort_keys=True, default=str) if background else ""


def count(value) -> int:
    """A count as a plain int (numpy integers are not ``int``, and JSON and the protocol need one)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TypeError(f"a count must be an integer, got {value!r}")
    return int(value)


def _name(key: str) -> str:
    """The quantity's name of a key: ``name[label]`` -> ``name``."""
    return key.split("[", 1)[0] if key.endswith("]") and "[" in key else key


def unit_problems(summary: Mapping[str, Any]) -> list[str]:
    """Why a summary breaks the protocol, one line per key; empty when it keeps it."""
    problems = []
    if not isinstance(summary, Mapping):
        return [f"summary() returned {type(summary).__name__}, not a dict"]
    names = {_name(k): v for k, v in summary.items() if isinstance(k, str)}
    unit_stems = {k[: -len("_unit")] for k, v in names.items() if k.endswith("_unit") and isinstance(v, str)}
    for key, value in summary.items():
        if not isinstance(key, str):
            problems.append(f"key {key!r} is not a string")
            continue
        if not isinstance(value, SCALAR_TYPES):
            problems.append(f"{key}: {type(value).__name__} is not a scalar (str, bool, int, float or None)")
            continue
        if not isinstance(value, float) or isinstance(value, bool):
            continue  # str, bool, None need no unit; an int is a count
        name = _name(key)
        words = name.split("_")
        stems = {"_".join(words[:i]) for i in range(1, len(words) + 1)}
        if (any(name.endswith(s) for s in UNIT_SUFFIXES) or DIMENSIONLESS_WORDS.keys() & set(words)
                or stems & unit_stems):
            continue
        problems.append(f"{key} = {value!r}: the key names no unit (a suffix such as _nM or _fraction, a "
                        f"dimensionless word such as slope, or a <key>_unit beside it)")
    return problems
