"""Clinical exposure: oral dosing regimens drive the pathway (PK/PD).

- :mod:`.pharmacokinetics`: one-compartment oral PK of each drug and formulation,
  parameters from ``data/pharmacokinetics`` (every number sourced);
- :mod:`.regimen`: :func:`regimen` ("20 mg" every "12 h" for 5 days);
- :mod:`.sbml`: the regimen model, the pathway SBML plus PK species, reactions and
  one repeating dosing event per drug;
- :mod:`.simulation`: that model compiled once per drug set and run;
- :mod:`.exposure`: exposure-response summaries (time-averaged inhibition, time
  above 50 % / 90 %, trough, time of the maximum) per regimen and pathway;
- :mod:`.export`: the regimen model as SBML or COPASI file (docs/dosing.md).
"""

from .pharmacokinetics import PKParameters, formulations, pk_parameters
from .regimen import Regimen, regimen

__all__ = ["PKParameters", "Regimen", "formulations", "pk_parameters", "regimen"]
