"""Dose parsing: floats are nM; strings carry units ("40 ng/mL", "1 uM", "5e-7 M")."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cache, lru_cache

from .errors import InputError


@cache
def _ureg():
    import pint  # deferred: building the registry takes a few hundred ms

    ureg = pint.UnitRegistry()
    ureg.define("molar = mole / liter = M")
    return ureg


@dataclass(frozen=True)
class PlasmaDose:
    """A drug dose given as a total plasma concentration; converted to free drug with
    the drug's fraction unbound (catalog) before it reaches the model."""

    dose: object

    def __repr__(self) -> str:
        return f"plasma({self.dose!r})"


def plasma(dose) -> PlasmaDose:
    """Mark a drug dose as a total plasma concentration (e.g. ``plasma("1 uM")``)."""
    return PlasmaDose(dose)


def to_nM(value, *, what: str, mass_kda: float | None = None) -> float:
    """Concentration in nM from a number (nM) or a string/Quantity with units.

    Mass concentrations (ng/mL, ug/L, ...) need ``mass_kda``. Raises InputError,
    naming ``what``, for negative, non-finite or unparseable input.
    """
    if isinstance(value, str):
        return _string_to_nM(value, what, mass_kda)  # cached: pint takes ~1 ms a parse
    return _to_nM(value, what=what, mass_kda=mass_kda)


@lru_cache(maxsize=4096)
def _string_to_nM(value: str, what: str, mass_kda: float | None) -> float:
    return _to_nM(value, what=what, mass_kda=mass_kda)


def _to_nM(value, *, what: str, mass_kda: float | None = None) -> float:
    if isinstance(value, bool):
        raise InputError(f"{what}: dose must be a number or a string with units, got {value!r}")
    if isinstance(value, numbers.Real):
        try:
            nM = float(value)
        except OverflowError:
            raise InputError(f"{what}: dose must be finite, got a number too large for a float") from None
    else:
        ureg = _ureg()
        try:
            q = ureg.Quantity(value) if isinstance(value, str) else value
            if not hasattr(q, "to"):
                raise TypeError
        except Exception:
            raise InputError(
                f"{what}: cannot read dose {value!r}; give nM as a number or a string such as "
                "'500 nM', '1 uM' or '40 ng/mL'"
            ) from None
        if isinstance(q, numbers.Real):  # a bare number inside a string: nM
            nM = float(q)
        elif q.check("[substance] / [length] ** 3"):
            nM = float(q.to("nM").magnitude)
        elif q.check("[mass] / [length] ** 3"):
            if mass_kda is None:
                raise InputError(f"{what}: a mass concentration ({value!r}) needs a molar mass; give a molar dose")
            # g/L divided by g/mol gives mol/L
            nM = float(q.to("g/L").magnitude) / (mass_kda * 1e3) * 1e9
        else:
            raise InputError(f"{what}: {value!r} is not a concentration (use nM, uM, M, ng/mL, ...)")
    if not math.isfinite(nM):
        raise InputError(f"{what}: dose must be finite, got {value!r}")
    if nM < 0:
        raise InputError(f"{what}: dose must not be negative, got {value!r}")
    return nM
