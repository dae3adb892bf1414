"""Clinical exposure: what oral dosing regimens do to the pathway (PK/PD).

The regimens themselves and the model that simulates them are
:mod:`jakstat_sbml.regimens` (below the model: a regimen is part of a condition);
this package is what is done with them:

- :mod:`.exposure`: exposure-response summaries (time-averaged inhibition, time
  above 50 % / 90 %, trough, time of the maximum) per regimen and pathway;
- :mod:`.uncertainty`: the predictive intervals of those summaries;
- :mod:`.export`: the regimen model as SBML or COPASI file (docs/dosing.md).
"""

from .exposure import ExposureResponse, LowestDose, exposure_response, lowest_dose

__all__ = ["ExposureResponse", "LowestDose", "exposure_response", "lowest_dose"]
