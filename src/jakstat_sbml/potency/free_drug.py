"""Free drug in an assay: a model with uncertain inputs, not a constant.

A measured IC50 is the concentration *added*; the model's drug parameters are free
concentrations. Between them stands the assay's matrix:

- whole blood: drug added to blood partitions between cells and plasma (blood-to-plasma
  ratio B:P), and a fraction ``fu_plasma`` of the plasma drug is free:
  ``free / added = fu_plasma / B:P``;
- medium with s % serum: the drug binds the serum's albumin. Binding far from
  saturation is proportional to albumin, so with plasma binding ``1/fu_plasma - 1``
  at plasma albumin ``A_plasma``, medium binding is that times ``(s/100) A_serum /
  A_plasma``: ``free / added = 1 / (1 + (1/fu_plasma - 1) (s/100) A_serum/A_plasma)``.
  Fetal bovine serum carries less albumin than human plasma (``assay_matrix.tsv``);
  the drug is assumed to bind bovine albumin as it binds human albumin (a declared
  assumption: no bovine-albumin affinity was found for these drugs);
- serum-free medium: everything free.

``fu_plasma``, ``B:P`` and the albumin concentrations are uncertain quantities with
sourced ranges (``protein_binding.tsv``, ``assay_matrix.tsv``); the statistical model
(:mod:`.posterior`) fits them jointly with potency where the rows inform them. The
functions here take arrays and an array module, so the same formula runs in NumPy and
inside the sampler (JAX).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .measurements import binding_range, matrix_range

# Serum types and the albumin constant of assay_matrix.tsv each one carries. An
# unstated serum type is taken to be fetal bovine serum, the usual supplement of
# cell-line media (an assumption, recorded in the rows' 'inferred' column).
SERUM_ALBUMIN = {"FBS": "fbs_albumin", "not_stated": "fbs_albumin", "": "fbs_albumin", "none": "fbs_albumin",
                 "human_serum": "human_serum_albumin", "human_plasma": "human_plasma_albumin"}
ALBUMINS = ("human_plasma_albumin", "human_serum_albumin", "fbs_albumin")
# A matrix the source does not state is either whole blood or medium with serum: the
# statistical model weighs both (prior 1/2 each) and lets the data decide.
MATRIX_CODES = {"whole_blood": 0, "medium_serum": 1, "medium_serum_free": 2, "not_stated": 3}
NOT_STATED_WHOLE_BLOOD_PRIOR = 0.5


@dataclass(frozen=True)
class LogNormalPrior:
    """A positive quantity with a stated value and plausible range, as a normal
    distribution of its log10: centred on the stated value, the farther end of the
    range at two standard deviations (so the range is a ~95% interval or wider)."""

    value: float
    low: float
    high: float

    @property
    def mean(self) -> float:
        return math.log10(self.value)

    @property
    def sd(self) -> float:
        span = max(math.log10(self.high / self.value), math.log10(self.value / self.low))
        return max(span / 2.0, 1e-3)  # a point value (low = high) becomes a very tight prior


def drug_priors(drug: str) -> dict[str, LogNormalPrior]:
    """``fu_plasma`` and ``blood_to_plasma`` of a drug as priors from protein_binding.tsv."""
    return {q: LogNormalPrior(*binding_range(drug, q)) for q in ("fu_plasma", "blood_to_plasma")}


def matrix_priors() -> dict[str, LogNormalPrior]:
    """The albumin concentrations of human plasma, human serum and fetal bovine serum."""
    return {q: LogNormalPrior(*matrix_range(q)) for q in ALBUMINS}


def serum_percent_range() -> tuple[float, float, float]:
    """Default, low and high serum percentage of a medium whose serum % is not stated."""
    return matrix_range("default_serum_percent")


def whole_blood_fraction(fu_plasma, blood_to_plasma):
    """Free / added in whole blood."""
    return fu_plasma / blood_to_plasma


def medium_fraction(serum_percent, fu_plasma, serum_to_plasma_albumin):
    """Free / added in medium with ``serum_percent`` of a serum whose albumin is
    ``serum_to_plasma_albumin`` times human plasma's (binding proportional to albumin)."""
    return 1.0 / (1.0 + (1.0 / fu_plasma - 1.0) * (serum_percent / 100.0) * serum_to_plasma_albumin)


def free_fraction(matrix_code, serum_percent, fu_plasma, blood_to_plasma, serum_to_plasma_albumin, xp=np):
    """Free / added drug for arrays of rows of a known matrix (``matrix_code`` 0-2 of
    :data:`MATRIX_CODES`; a not-stated matrix is resolved by the caller)."""
    blood = whole_blood_fraction(fu_plasma, blood_to_plasma)
    medium = medium_fraction(serum_percent, fu_plasma, serum_to_plasma_albumin)
    return xp.where(matrix_code == 0, blood, xp.where(matrix_code == 2, 1.0, medium))


def nominal_free_fraction(drug: str, matrix: str, serum_percent: float | None = None,
                          serum_type: str = "") -> float:
    """Free / added at the tables' stated values (no uncertainty): for display and for
    converting a single measured row."""
    if matrix not in MATRIX_CODES or matrix == "not_stated":
        raise ValueError(f"no single free fraction for matrix {matrix!r}")
    priors = drug_priors(drug)
    albumin = matrix_priors()
    serum = albumin[SERUM_ALBUMIN.get(serum_type, "fbs_albumin")].value / albumin["human_plasma_albumin"].value
    s = serum_percent if serum_percent is not None and math.isfinite(serum_percent) else serum_percent_range()[0]
    return float(free_fraction(np.array(MATRIX_CODES[matrix]), np.array(s), priors["fu_plasma"].value,
                               priors["blood_to_plasma"].value, serum))
