"""Uncertainty of the model's predictions (issue 13; docs/uncertainty.md).

- :mod:`.ranges`: the plausible range of every parameter (models/parameters.tsv).
- :mod:`.predictions`: what is analysed, one number per parameter set (IC50s,
  knockout effects, inhibition at clinical exposure), censored at the tested bounds rather than dropped.
- :mod:`.sensitivity`: Morris screening and Sobol indices over those ranges, through
  ``js.run`` (processes or Dask), checkpointed chunk by chunk (:mod:`.checkpoint`).
- :mod:`.trial`: virtual patients (between-patient PK, cells, mutations) under dosing
  regimens: ``js.virtual_trial``; :mod:`.mutation_frequencies`: how often CTCL patients carry
  the model's mutations (data/ctcl), which ``mutation_frequencies="cited"`` draws.
"""

from .mutation_frequencies import ctcl_mutation_frequencies
from .predictions import IC50, Exposure, KnockoutEffect, headline_predictions, prediction
from ..parameter_ranges import parameter_ranges, uncertain_parameters
from .sensitivity import SensitivityResult, indices, sample_design, sensitivity, top_parameters
from .trial import VirtualTrial, virtual_trial

__all__ = ["Exposure", "IC50", "ctcl_mutation_frequencies", "KnockoutEffect", "SensitivityResult", "headline_predictions", "parameter_ranges", "prediction",
           "indices", "sample_design", "sensitivity", "top_parameters", "uncertain_parameters", "VirtualTrial",
           "virtual_trial"]
