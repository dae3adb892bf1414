"""Checking and converting an experiment's input before the first simulation: dose lists,
background keywords (the same set for every experiment), stimuli."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from .. import catalog
from ..errors import InputError, UnknownNameError
from ..model import Condition
from ..regimens.pharmacokinetics import molar_mass
from ..units import PlasmaDose, as_plasma, drug_nM, quiet_bare_doses, to_nM

# The keywords of Model.simulate an experiment applies to every one of its simulations.
BACKGROUND_KEYS = ("cytokines", "drugs", "knockouts", "overexpress", "mutations", "parameters")


def default_doses(drug: str) -> tuple[float, ...]:
    """Default dose series (nM, free) of a drug for dose-responses (models/tables/drugs.tsv,
    column doses_nM)."""
    return catalog.drug(drug).doses


def dose_list(doses, what: str) -> list:
    if doses is None or isinstance(doses, (str, bytes, Mapping, PlasmaDose)) or not isinstance(doses, Iterable):
        raise InputError(f"{what}: doses must be a list of concentrations, got {doses!r}")
    doses = list(doses)
    if not doses:
        raise InputError(f"{what}: the dose list is empty")
    return doses


def distinct(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` unchanged, or an InputError naming a dose given twice (a repeated dose
    would be simulated twice and weigh double in a fit). Doses equal to 1e-9 relative are
    one dose: "10" and "0.01 uM" convert to 10 and 9.999999999999998 nM (a user audit found
    them run as two)."""
    ordered = np.sort(np.asarray(values, float))
    same = np.isclose(ordered[1:], ordered[:-1], rtol=1e-9, atol=0.0)
    if same.any():
        v = ordered[1:][same][0]
        raise InputError(f"{what}: {v:g} nM is given twice (the same concentration, in the same or other units)")
    return values


def concentrations_nM(doses, what: str, mass_kda: float | None = None) -> np.ndarray:
    """Doses in nM from a list of numbers (nM) or unit strings; fails on empty or bad
    input and on a dose given twice."""
    return distinct(np.array([to_nM(x, what=what, mass_kda=mass_kda) for x in dose_list(doses, what)], dtype=float),
                    what)


def drug_doses_nM(doses, drug: catalog.Drug, plasma: bool) -> np.ndarray:
    """Free nM of each drug dose in a list: numbers (nM), strings with units, or
    ``js.plasma()`` doses; with ``plasma=True`` every dose is total plasma. The same
    rule as ``drugs=`` of :meth:`Model.simulate`."""
    what = f"doses of {drug.name}"
    mass = molar_mass(drug.name)
    return distinct(np.array([drug_nM(x, what=what, fraction_unbound=drug.fraction_unbound, plasma=plasma,
                                      molar_mass=mass) for x in dose_list(doses, what)], dtype=float), what)


def all_plasma(doses, plasma: bool) -> bool:
    """Whether every dose of a user's list was a total plasma concentration (for messages)."""
    return plasma or (doses is not None and not isinstance(doses, (str, bytes, Mapping))
                      and isinstance(doses, Iterable) and all(isinstance(x, PlasmaDose) for x in doses))


def converted_condition(**keywords) -> Condition:
    """Condition.make for doses this module has already converted to nM (the user's
    own bare numbers were checked, and warned about, when they were converted)."""
    with quiet_bare_doses():
        return Condition.make(**keywords)


def checked_background(condition: Mapping, plasma: bool = False, *, own_doses: bool = False,
                       experiment: str = "") -> dict:
    """The background keywords of an experiment (the same set, with the same meaning as
    in :meth:`Model.simulate`, for every experiment): applied to every simulation.
    ``plasma=True`` marks the background drug doses as total plasma too; in an
    experiment without drug doses of its own (``own_doses=False``) it must have
    background drugs to mark. ``experiment``: the function's name, for the error."""
    for key in condition:
        if key not in BACKGROUND_KEYS:
            # compare_drugs(plasma=True) was "unknown background keyword 'plasma'", as if plasma were one
            raise UnknownNameError(f"keyword of {experiment}()" if experiment else "background keyword", key,
                                   list(BACKGROUND_KEYS), note="not one of its options nor a background keyword"
                                   if experiment else "")
    if not isinstance(plasma, bool):
        raise InputError(f"plasma must be True or False, got {plasma!r}")
    bg = dict(condition)
    for key in ("cytokines", "drugs"):
        if bg.get(key) is not None and not isinstance(bg[key], Mapping):
            raise InputError(f"{key} must be a mapping of name to dose, got {type(bg[key]).__name__}")
    if plasma and not own_doses and not bg.get("drugs"):
        raise InputError("plasma=True marks drug doses as total plasma, but no drug is given (drugs=)")
    if bg.get("drugs") and plasma:
        bg["drugs"] = as_plasma(bg["drugs"], True)
    return bg


def merged(mapping: Mapping | None, extra: Mapping) -> dict:
    out = dict(mapping or {})
    out.update(extra)
    return out


def check_not_varied(name: str, mapping: Mapping | None, what: str) -> None:
    canonical = {"drug": catalog.drug, "cytokine": catalog.cytokine}[what]  # "Ruxolitinib" is ruxolitinib
    if mapping and any(canonical(k).name == name for k in mapping):
        raise InputError(f"{name} is the {what} being varied; remove it from the background {what}s")


def stimulus_nM(background: Mapping, cytokine: catalog.Cytokine, dose) -> dict:
    """Background cytokines plus ``cytokine`` at ``dose`` (catalog standard dose if None), in nM."""
    if cytokine.name in {catalog.cytokine(k).name for k in background.get("cytokines") or {}}:
        # the stimulus' own dose would replace the background's without a word
        raise InputError(f"{cytokine.name} is the stimulating cytokine: give its dose with cytokine_dose=, "
                         "not in the background cytokines")
    dose = cytokine.standard_dose if dose is None else dose
    return merged(background.get("cytokines"),
                 {cytokine.name: to_nM(dose, what=f"dose of {cytokine.name}", mass_kda=cytokine.mass_kda)})
