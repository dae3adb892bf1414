"""Validation of an SBML file with libSBML's consistency checks, as a function with
options (units, modelling practice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import libsbml

@dataclass
class ValidationReport:
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        lines = [f"{len(self.errors)} errors, {len(self.warnings)} warnings"]
        lines += [f"  error {i}: {m}" for i, m in self.errors]
        lines += [f"  warning {i}: {m}" for i, m in self.warnings]
        return "\n".join(lines)


_CATEGORIES = {
    "general": libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY,
    "identifier": libsbml.LIBSBML_CAT_IDENTIFIER_CONSISTENCY,
    "units": libsbml.LIBSBML_CAT_UNITS_CONSISTENCY,
    "math": libsbml.LIBSBML_CAT_MATHML_CONSISTENCY,
    "sbo": libsbml.LIBSBML_CAT_SBO_CONSISTENCY,
    "overdetermined": libsbml.LIBSBML_CAT_OVERDETERMINED_MODEL,
    "modeling_practice": libsbml.LIBSBML_CAT_MODELING_PRACTICE,
}


def validate(sbml: str | Path, *, units: bool = True, modeling_practice: bool = True) -> ValidationReport:
    """libsbml ``checkConsistency`` with every category on (units and modelling practice optional)."""
    text = Path(sbml).read_text() if isinstance(sbml, Path) else sbml
    doc = libsbml.readSBMLFromString(text)
    for name, cat in _CATEGORIES.items():
        on = {"units": units, "modeling_practice": modeling_practice}.get(name, True)
        doc.setConsistencyChecks(cat, on)
    doc.checkConsistency()
    report = ValidationReport()
    for i in range(doc.getNumErrors()):
        e = doc.getError(i)
        item = (e.getErrorId(), " ".join(e.getMessage().split()))
        if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            report.errors.append(item)
        else:
            report.warnings.append(item)
    return report
