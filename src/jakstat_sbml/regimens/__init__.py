"""Oral dosing regimens and the model that simulates them: what ``regimen=`` in a condition is.

- :mod:`.pharmacokinetics`: one-compartment oral PK of each drug and formulation,
  parameters from ``data/pharmacokinetics`` (every number sourced);
- :mod:`.regimen`: :func:`regimen` ("20 mg" every "12 h" for 5 days);
- :mod:`.sbml`: the regimen model, the pathway SBML plus PK species, reactions and
  one repeating dosing event per drug;
- :mod:`.simulation`: that model compiled once per drug set and run;
- :mod:`.checks`: every published PK number recomputed (:func:`validate_pharmacokinetics`).

This package sits below :mod:`jakstat_sbml.model`: a regimen is part of a
:class:`~jakstat_sbml.model.Condition`, so ``Model.run`` and ``js.run`` simulate it
like any other condition. What regimens do to the pathway (exposure-response, its
intervals, exports, figures) is :mod:`jakstat_sbml.dosing`, above the model.
"""

from .checks import PharmacokineticChecks, validate_pharmacokinetics
from .pharmacokinetics import PKParameters, formulations, pk_parameters
from .regimen import Regimen, approved_regimens, regimen

__all__ = ["PKParameters", "PharmacokineticChecks", "Regimen", "approved_regimens", "formulations", "pk_parameters",
           "regimen", "validate_pharmacokinetics"]
