"""Pharmacokinetics written into the pathway's SBML: the regimen model.

For each drug given by a regimen the model gains

- a depot species ``<drug>_depot`` (amount in the gut, zmol) in compartment ``gut``,
- a central compartment ``central_<drug>`` (the drug's volume of distribution, pL, set
  by the parameter ``volume_<drug>`` through an initial assignment, so that a compiled
  model takes each run's volume as it takes its clearance) holding ``<drug>_central``
  (its concentration is the total plasma concentration, nM),
- reactions ``absorption_<drug>`` (``ka * depot``) and ``elimination_<drug>``
  (``CL * [central]``),
- or, for a zero-order release formulation (``pk.release_duration_h``), instead of
  ``absorption_<drug>`` the reaction ``release_<drug>`` at ``release_rate * (doses_given -
  releases_ended)`` (``release_rate = F * dose_amount / release_duration``: each dose
  still releasing adds one constant rate) and a second repeating event
  ``release_end_<drug>``: when ``time >= next_release_end_<drug>`` and fewer releases
  ended than doses were given, ``releases_ended`` goes up by one and the next end moves
  one interval on (every dose releases for the same time, so releases end in the order
  they began; no ``min`` or ``piecewise`` is needed),
- ONE repeating event ``dosing_<drug>``: when ``time >= next_dose_time_<drug>`` and
  fewer than ``number_of_doses_<drug>`` doses were given, the depot gains
  ``bioavailability * dose_amount``, the next dose time moves one interval on and
  the dose count goes up by one,
- and the pathway's drug input ``dose_<drug>`` (free nM, a constant in the pathway
  model) becomes the assignment rule ``fraction_unbound_<drug> * <drug>_central``.

The first dose is the depot's starting amount (``doses_given`` starts at 1 and the
next dose is one interval later), so no event fires at time 0, where SBML tools
differ in how they treat a trigger that is already true.

Units stay the model's (zmol, pL, min): a depot amount of 20 mg ruxolitinib is 6.2e16
zmol and a volume of 72 L is 7.2e13 pL, so ``[central]`` is directly nM. Parameters
carry their clinical values in their names and notes.

A regimen here is a :class:`.regimen.Regimen` (read by its attributes, not imported:
the Regimen runs itself through :mod:`.simulation`, which uses this module). This
module only edits a libSBML document; building the document of a condition
and compiling it is the caller's job (:mod:`.simulation`, :mod:`.export`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ModelFileError
from .pharmacokinetics import dose_nmol

ZMOL_PER_NMOL = 1e12
PL_PER_L = 1e12
MIN_PER_H = 60.0
GUT = "gut"


def depot(drug: str) -> str:
    return f"{drug}_depot"


def central(drug: str) -> str:
    return f"{drug}_central"


def central_compartment(drug: str) -> str:
    return f"central_{drug}"


def dose_parameter(drug: str) -> str:
    return f"dose_{drug}"


def event_state(drug: str) -> tuple[str, str]:
    """The parameters the dosing event changes: next dose time (min) and doses given."""
    return f"next_dose_time_{drug}", f"doses_given_{drug}"


def release_state(drug: str) -> tuple[str, str]:
    """The parameters the release-end event of a zero-order formulation changes: time
    the next release ends (min) and releases ended."""
    return f"next_release_end_{drug}", f"releases_ended_{drug}"


def event_parameters(reg) -> tuple[str, ...]:
    """Every parameter of ``reg`` that its events change (their start is :func:`start_values`)."""
    return event_state(reg.drug) + (release_state(reg.drug) if reg.pk.zero_order else ())


def pk_values(reg) -> dict[str, float]:
    """The regimen's parameter values in the model's units (zmol, pL, min)."""
    pk = reg.pk
    d = reg.drug
    amount = dose_nmol(reg.dose_mg, pk) * ZMOL_PER_NMOL
    if pk.zero_order:
        release = pk.release_duration_h * MIN_PER_H
        intake = {f"release_duration_{d}": release, f"release_rate_{d}": pk.bioavailability * amount / release}
    else:
        intake = {f"absorption_rate_{d}": pk.absorption_rate_per_h / MIN_PER_H}
    return {
        **intake,
        f"clearance_{d}": pk.clearance_L_per_h * PL_PER_L / MIN_PER_H,
        f"bioavailability_{d}": pk.bioavailability,
        f"fraction_unbound_{d}": pk.fraction_unbound,
        f"dose_amount_{d}": amount,
        f"dosing_interval_{d}": reg.interval_h * MIN_PER_H,
        f"number_of_doses_{d}": float(reg.doses),
        f"volume_{d}": central_volume_pL(reg),
    }


def start_values(reg) -> dict[str, float]:
    """Time-0 values of the regimen's state: first dose in the depot, nothing in plasma
    (and, releasing at zero order, the first release ending one release duration later)."""
    values = pk_values(reg)
    d = reg.drug
    next_time, given = event_state(d)
    start = {depot(d): values[f"bioavailability_{d}"] * values[f"dose_amount_{d}"],  # zmol
             central(d): 0.0,  # nM
             next_time: values[f"dosing_interval_{d}"], given: 1.0}
    if reg.pk.zero_order:
        release_end, ended = release_state(d)
        start |= {release_end: values[f"release_duration_{d}"], ended: 0.0}
    return start


def central_volume_pL(reg) -> float:
    return reg.pk.volume_L * PL_PER_L


_DESCRIPTIONS = {
    "absorption_rate": ("per_minute", "first-order oral absorption rate of {d} ({ka:.3g} /h)"),
    "release_duration": ("minute", "zero-order release time of each dose of {d} ({formulation}, {release:g} h)"),
    "release_rate": ("zmol_per_minute", "zero-order release rate of one dose of {d}: F x dose / release time"),
    "clearance": ("pL_per_minute", "clearance of {d} from plasma ({cl:.3g} L/h)"),
    "bioavailability": ("dimensionless", "oral bioavailability of {d} ({formulation})"),
    "fraction_unbound": ("dimensionless", "fraction of {d} unbound in plasma"),
    "dose_amount": ("zmol", "amount of {d} per dose ({mg:g} mg)"),
    "dosing_interval": ("minute", "dosing interval of {d} ({h:g} h)"),
    "number_of_doses": ("dimensionless", "number of doses of {d} in the regimen"),
    "volume": ("pL", "volume of distribution of {d} ({volume:g} L): the size of its central compartment"),
}


def add_regimens(doc, regimens: Sequence) -> None:
    """Add the pharmacokinetics and dosing events of ``regimens`` to the libSBML ``doc``
    (a copy of the pathway model, see the module doc), in place."""
    import libsbml

    m = doc.getModel()
    if m is None:
        raise ModelFileError("the SBML document has no model")
    _unit(m, "pL_per_minute", [(libsbml.UNIT_KIND_LITRE, 1, -12, 1.0), (libsbml.UNIT_KIND_SECOND, -1, 0, 60.0)])
    if any(reg.pk.zero_order for reg in regimens):
        _unit(m, "zmol_per_minute", [(libsbml.UNIT_KIND_MOLE, 1, -21, 1.0), (libsbml.UNIT_KIND_SECOND, -1, 0, 60.0)])
    if m.getCompartment(GUT) is None:
        gut = m.createCompartment()
        _check(gut.setId(GUT), "compartment gut")
        gut.setName("gut (dosing depot: amounts only, its size enters no rate)")
        gut.setSpatialDimensions(3)
        gut.setSize(1.0)
        gut.setUnits("pL")
        gut.setConstant(True)
    for reg in regimens:
        _add_regimen(m, reg, libsbml)


def _add_regimen(m, reg, libsbml) -> None:
    d = reg.drug
    dose = m.getParameter(dose_parameter(d))
    if dose is None:
        raise ModelFileError(f"the model has no parameter {dose_parameter(d)} for {d}'s free concentration")
    for sid in (depot(d), central(d), central_compartment(d)):
        if m.getElementBySId(sid) is not None:
            raise ModelFileError(f"the model already has an element {sid!r}; a regimen of {d} cannot be added twice")

    comp = m.createCompartment()
    comp.setId(central_compartment(d))
    comp.setName(f"central compartment of {d} (plasma; volume of distribution {reg.pk.volume_L:g} L)")
    comp.setSpatialDimensions(3)
    comp.setSize(central_volume_pL(reg))
    comp.setUnits("pL")
    comp.setConstant(True)
    comp.setSBOTerm("SBO:0000290")

    start = start_values(reg)
    for sid, compartment, amounts_only, name in (
            (depot(d), GUT, True, f"{d} in the gut, not yet absorbed (amount)"),
            (central(d), central_compartment(d), False, f"{d} in plasma, total (bound + free)")):
        s = m.createSpecies()
        s.setId(sid)
        s.setName(name)
        s.setCompartment(compartment)
        s.setHasOnlySubstanceUnits(amounts_only)
        s.setBoundaryCondition(False)
        s.setConstant(False)
        s.setSubstanceUnits("zmol")
        s.setSBOTerm("SBO:0000247")  # simple chemical
        if amounts_only:
            s.setInitialAmount(start[sid])
        else:
            s.setInitialConcentration(start[sid])

    texts = {"d": d, "ka": reg.pk.absorption_rate_per_h, "cl": reg.pk.clearance_L_per_h, "mg": reg.dose_mg,
             "h": reg.interval_h, "formulation": reg.formulation, "release": reg.pk.release_duration_h,
             "volume": reg.pk.volume_L}
    for pid, value in pk_values(reg).items():
        kind = pid[: -len(d) - 1]
        unit, description = _DESCRIPTIONS[kind]
        _parameter(m, pid, value, unit, description.format(**texts), constant=True)
    # the compartment's size is a parameter, so that a run (or a patient) with another volume
    # sets it as it sets the clearance: a compiled model fixes a compartment's own size
    sized = m.createInitialAssignment()
    sized.setSymbol(central_compartment(d))
    _check(sized.setMath(libsbml.parseL3Formula(f"volume_{d}")), f"initial assignment of {central_compartment(d)}")
    next_time, given = event_state(d)
    _parameter(m, next_time, start[next_time], "minute", f"time of the next dose of {d}", constant=False)
    _parameter(m, given, start[given], "dimensionless", f"doses of {d} given so far", constant=False)

    if reg.pk.zero_order:
        release_end, ended = release_state(d)
        _parameter(m, release_end, start[release_end], "minute", f"time the oldest running release of {d} ends",
                   constant=False)
        _parameter(m, ended, start[ended], "dimensionless", f"releases of {d} ended so far", constant=False)
        # each dose given and not yet fully released adds one constant rate
        _reaction(m, f"release_{d}", depot(d), central(d), f"release_rate_{d} * ({given} - {ended})",
                  f"zero-order release of {d} from the tablet into plasma", libsbml)
    else:
        _reaction(m, f"absorption_{d}", depot(d), central(d), f"absorption_rate_{d} * {depot(d)}",
                  f"oral absorption of {d}", libsbml)
    # [central] is nM = zmol/pL, clearance pL/min: the rate is zmol/min, the model's extent/time
    _reaction(m, f"elimination_{d}", central(d), None, f"clearance_{d} * {central(d)}",
              f"elimination of {d} (hepatic metabolism and excretion)", libsbml)

    dose.setConstant(False)
    dose.setName(f"free {d} concentration: fraction unbound x total plasma concentration (regimen)")
    rule = m.createAssignmentRule()
    rule.setVariable(dose_parameter(d))
    _check(rule.setMath(libsbml.parseL3Formula(f"fraction_unbound_{d} * {central(d)}")), f"rule of {d}")

    _event(m, f"dosing_{d}", f"oral dose of {d}: {reg.label()}, {reg.doses} doses",
           f"(time >= {next_time}) && ({given} < number_of_doses_{d})",
           ((depot(d), f"{depot(d)} + bioavailability_{d} * dose_amount_{d}"),
            (next_time, f"{next_time} + dosing_interval_{d}"),
            (given, f"{given} + 1 dimensionless")), libsbml)
    if reg.pk.zero_order:
        _event(m, f"release_end_{d}", f"end of the zero-order release of one dose of {d}",
               f"(time >= {release_end}) && ({ended} < {given})",
               ((release_end, f"{release_end} + dosing_interval_{d}"),
                (ended, f"{ended} + 1 dimensionless")), libsbml)


def _event(m, eid: str, name: str, trigger_formula: str, assignments, libsbml) -> None:
    """A repeating event whose trigger is a time comparison (false at time 0: no tool
    has to decide about a trigger that is already true)."""
    event = m.createEvent()
    event.setId(eid)
    event.setName(name)
    event.setUseValuesFromTriggerTime(True)
    trigger = event.createTrigger()
    trigger.setInitialValue(True)  # false at time 0 anyway (first dose in the depot, release time > 0)
    trigger.setPersistent(True)
    _check(trigger.setMath(libsbml.parseL3Formula(trigger_formula)), f"trigger of {eid}")
    for variable, formula in assignments:
        assignment = event.createEventAssignment()
        assignment.setVariable(variable)
        _check(assignment.setMath(libsbml.parseL3Formula(formula)), f"event assignment to {variable}")


def _parameter(m, pid: str, value: float, unit: str, name: str, *, constant: bool) -> None:
    p = m.createParameter()
    _check(p.setId(pid), f"parameter {pid}")
    p.setName(name)
    p.setValue(value)
    p.setUnits(unit)
    p.setConstant(constant)


def _reaction(m, rid: str, reactant: str, product: str | None, formula: str, name: str, libsbml) -> None:
    r = m.createReaction()
    r.setId(rid)
    r.setName(name)
    r.setReversible(False)
    ref = r.createReactant()
    ref.setSpecies(reactant)
    ref.setStoichiometry(1)
    ref.setConstant(True)
    if product is not None:
        ref = r.createProduct()
        ref.setSpecies(product)
        ref.setStoichiometry(1)
        ref.setConstant(True)
    law = r.createKineticLaw()
    _check(law.setMath(libsbml.parseL3Formula(formula)), f"kinetic law of {rid}")


def _unit(m, uid: str, parts) -> None:
    if m.getUnitDefinition(uid) is not None:
        return
    ud = m.createUnitDefinition()
    ud.setId(uid)
    for kind, exponent, scale, multiplier in parts:
        u = ud.createUnit()
        u.setKind(kind)
        u.setExponent(exponent)
        u.setScale(scale)
        u.setMultiplier(multiplier)


def _check(status: int, what: str) -> None:
    import libsbml

    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ModelFileError(f"libSBML could not set the {what}: {libsbml.OperationReturnValue_toString(status)}")
