"""Dose parsing: floats are nM; strings carry units ("40 ng/mL", "1 uM", "5e-7 M").

A bare number (``40``, or the text ``"40"``) is always nM, never guessed. Because
the same number in ng/mL is 12-57x less cytokine, a bare cytokine dose above
:data:`BARE_CYTOKINE_CEILING_NM` (100 nM, 1.2-5.7 ug/mL; culture doses are about
0.01-10 nM, 0.1-100 ng/mL) warns with a
:class:`~jakstat_sbml.errors.JakStatWarning` that shows both readings; a dose with
units never warns. Doses no experiment can give are refused (InputError): above
:data:`MAX_DOSE_NM` (1 M) for anything, above :data:`MAX_CYTOKINE_NM` (1 mM, 12-57
mg/mL: a concentrated protein stock, not a medium) for a cytokine.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from contextlib import contextmanager
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache

from .errors import InputError, JakStatWarning

MAX_DOSE_NM = 1e9  # 1 M: no drug or cytokine is dosed anywhere near (water itself is 55 M)
MAX_CYTOKINE_NM = 1e6  # 1 mM of a 12-57 kDa protein is 12-57 mg/mL: a protein stock, not a medium
BARE_CYTOKINE_CEILING_NM = 100.0  # bare-number cytokine doses above this warn (probably ng/mL)

_quiet = ContextVar("jakstat_quiet_bare_doses", default=False)


@contextmanager
def quiet_bare_doses():
    """Within this block bare-number cytokine doses raise no warning.

    For code that passes doses it has already converted to nM (e.g. an
    experiment's dose grid built from the user's, already checked, doses).
    """
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@cache
def _ureg():
    import pint  # deferred: building the registry takes a few hundred ms

    ureg = pint.UnitRegistry()
    ureg.define("molar = mole / liter = M")
    return ureg


def unit_registry():
    """The package's pint unit registry (with ``M`` = mol/L), built once."""
    return _ureg()


@dataclass(frozen=True)
class PlasmaDose:
    """A drug dose given as a total plasma concentration; converted to free drug with
    the drug's fraction unbound (catalog) before it reaches the model."""

    dose: object

    def __repr__(self) -> str:
        return f"plasma({self.dose!r})"


def plasma(dose) -> PlasmaDose:
    """Mark a drug dose as a total plasma concentration (e.g. ``plasma("1 uM")``).

    Accepted wherever a drug dose is: ``drugs=`` of simulate, run, export and the
    experiments' backgrounds, and the dose lists of dose_response and combination.
    ``plasma=True`` on any of those marks every drug dose of the call at once."""
    return dose if isinstance(dose, PlasmaDose) else PlasmaDose(dose)


def as_plasma(doses: Mapping, plasma: bool) -> dict:
    """``doses`` (drug -> dose), every one marked as total plasma when ``plasma`` is True;
    a dose already marked stays as it is, so nothing is converted twice."""
    if not plasma:
        return dict(doses)
    return {k: v if isinstance(v, PlasmaDose) else PlasmaDose(v) for k, v in doses.items()}


def drug_nM(value, *, what: str, fraction_unbound: float, plasma: bool = False,
            molar_mass: float | None = None) -> float:
    """Free drug concentration (nM) of one drug dose: a number (nM), a string with units
    (a mass concentration, such as '50 ng/mL', needs the drug's ``molar_mass`` in g/mol),
    or a :func:`plasma` dose (or any dose with ``plasma=True``), which is total plasma
    and is multiplied by the drug's ``fraction_unbound``."""
    if isinstance(value, PlasmaDose):
        return to_nM(value.dose, what=what, molar_mass=molar_mass) * fraction_unbound
    nM = to_nM(value, what=what, molar_mass=molar_mass)
    return nM * fraction_unbound if plasma else nM


def to_nM(value, *, what: str, mass_kda: float | None = None, molar_mass: float | None = None) -> float:
    """Concentration in nM from a number (nM) or a string/Quantity with units.

    Mass concentrations (ng/mL, ug/L, ...) need ``mass_kda``, which marks the dose
    as a cytokine's (protein), or a small molecule's ``molar_mass`` (g/mol). Raises
    InputError, naming ``what``, for negative, non-finite, unparseable or impossible
    (> 1 M; cytokine > 1 mM) input, and warns (JakStatWarning) for a bare-number
    cytokine dose above 100 nM (see the module).
    """
    if isinstance(value, str):
        nM = _string_to_nM(value, what, mass_kda, molar_mass)  # cached: pint takes ~1 ms a parse
    else:
        nM = _to_nM(value, what=what, mass_kda=mass_kda, molar_mass=molar_mass)
    bare = bare_number(value)
    if mass_kda is not None and nM > BARE_CYTOKINE_CEILING_NM and not _quiet.get() and bare is not None:
        ng = nM * mass_kda  # nM x kDa = ng/mL
        meant = bare / mass_kda
        warnings.warn(
            f"{what}: the bare number {bare:g} is read as {nM:g} nM ({_mass(ng)}), more than "
            f"{BARE_CYTOKINE_CEILING_NM:g} nM, far beyond culture doses (about 0.01-10 nM, 0.1-100 ng/mL). Bare "
            f"numbers are nM; if you meant {bare:g} ng/mL ({meant:.3g} nM), write "
            f"'{bare:g} ng/mL'. Write '{bare:g} nM' to keep nM without this warning.",
            JakStatWarning, stacklevel=_caller_stacklevel())
    return nM


def bare_number(value) -> float | None:
    """The number of a dose given without units: a real number, or a string holding only a
    number ("40", " -5", as the command line passes them); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _mass(ng_per_mL: float) -> str:
    if ng_per_mL >= 1e6:
        return f"{ng_per_mL / 1e6:.3g} mg/mL"
    if ng_per_mL >= 1e3:
        return f"{ng_per_mL / 1e3:.3g} ug/mL"
    return f"{ng_per_mL:.3g} ng/mL"


def _caller_stacklevel() -> int:
    """warnings.warn stacklevel of the first frame outside this package (the user's line)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_globals.get("__name__") or "").startswith("jakstat_sbml"):
        frame, level = frame.f_back, level + 1
    return level


@lru_cache(maxsize=4096)
def _string_to_nM(value: str, what: str, mass_kda: float | None, molar_mass: float | None) -> float:
    return _to_nM(value, what=what, mass_kda=mass_kda, molar_mass=molar_mass)


def _to_nM(value, *, what: str, mass_kda: float | None = None, molar_mass: float | None = None) -> float:
    if isinstance(value, PlasmaDose):  # drug_nM unwraps the drug doses that may be plasma
        raise InputError(f"{what}: {value!r} is a total plasma concentration, which only a drug dose can be")
    if isinstance(value, bool):
        raise InputError(f"{what}: dose must be a number or a string with units, got {value!r}")
    if isinstance(value, numbers.Real):
        try:
            nM = float(value)
        except OverflowError:
            raise InputError(f"{what}: dose must be finite, got a number too large for a float") from None
    elif bare_number(value) is not None:  # "40": a bare number is nM, given as text too
        nM = bare_number(value)
    elif isinstance(value, str) and "," in value:  # pint read '1,5 nM' as 15 nM
        raise InputError(f"{what}: {value!r} has a comma, which could be a decimal comma or a thousands "
                         "separator; write a decimal point and no separators, e.g. '1.5 nM' or '1500 nM'")
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
            grams = mass_kda * 1e3 if mass_kda is not None else molar_mass  # g/mol
            if grams is None:
                raise InputError(f"{what}: a mass concentration ({value!r}) needs a molar mass, and none is "
                                 "tabulated for it; give a molar dose")
            # g/L divided by g/mol gives mol/L
            nM = float(q.to("g/L").magnitude) / grams * 1e9
        else:
            raise InputError(f"{what}: {value!r} is not a concentration (use nM, uM, M, ng/mL, ...)")
    if not math.isfinite(nM):
        raise InputError(f"{what}: dose must be finite, got {value!r}")
    if nM < 0:
        raise InputError(f"{what}: dose must not be negative, got {value!r}")
    bare = " (bare numbers are nM)" if bare_number(value) is not None else ""
    if nM > MAX_DOSE_NM:
        raise InputError(f"{what}: {value!r} is {nM / 1e9:.3g} M, more than 1 M: no dose can be that "
                         f"concentrated{bare}")
    if mass_kda is not None and nM > MAX_CYTOKINE_NM:
        raise InputError(f"{what}: {value!r} is {nM / 1e6:.3g} mM ({_mass(nM * mass_kda)}), more than 1 mM "
                         f"({_mass(MAX_CYTOKINE_NM * mass_kda)}) of protein: a stock solution, not a dose in "
                         f"medium{bare}")
    return nM
