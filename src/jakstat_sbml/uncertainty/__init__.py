"""Uncertainty of the model's predictions (issue 13).

- :mod:`.ranges`: the plausible range of every parameter (models/parameters.tsv).
"""

from .ranges import parameter_ranges, uncertain_parameters

__all__ = ["parameter_ranges", "uncertain_parameters"]
