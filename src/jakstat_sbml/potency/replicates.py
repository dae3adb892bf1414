"""How far measurements of the same experiment disagree with each other, without any model.

Rows that agree in everything the potency model reads of an assay's design (drug, model
context, cytokine, readout, matrix, assay kind) are replicates of one experiment as far as
the model can tell: it predicts one IC50 for all of them. Their spread is what no model of
this design could explain, so it is the floor under the held-out fold error, and the part
of the fitted between-source (tau) and within-source (sigma) spreads that is measurement
rather than the model's own error. Cytokine dose and timing are left out of the key: most
rows do not state them (the model then uses its defaults), and keying on them leaves too
few replicates to estimate anything.

The spreads are pooled standard deviations of log10 IC50: between sources, of each
source's mean within a group; within a source, of the rows around their source's mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError

SAME_EXPERIMENT = ("drug", "context", "cytokine", "readout", "matrix", "assay_kind")
LEVEL = 0.90


def _sd_interval(sd: float, df: int, level: float = LEVEL) -> tuple[float, float]:
    """Chi-square confidence interval of a pooled standard deviation with ``df`` degrees of freedom."""
    from scipy.stats import chi2

    tail = (1 - level) / 2
    return sd * math.sqrt(df / chi2.ppf(1 - tail, df)), sd * math.sqrt(df / chi2.ppf(tail, df))


def _expected_fold_error(sd: float) -> float:
    """Geometric-mean fold error of a prediction whose log10 error is Normal(0, sd): E|e| = sd * sqrt(2/pi)."""
    return 10 ** (sd * math.sqrt(2 / math.pi))


@dataclass(frozen=True)
class ReplicateSpread:
    """Pooled log10 standard deviations of replicate measurements (module docstring)."""

    between_sd: float
    between_df: int
    within_sd: float
    within_df: int
    groups: int  # groups of rows with at least two measurements
    rows: int  # rows in those groups

    def between_interval(self, level: float = LEVEL) -> tuple[float, float]:
        return _sd_interval(self.between_sd, self.between_df, level)

    def within_interval(self, level: float = LEVEL) -> tuple[float, float]:
        return _sd_interval(self.within_sd, self.within_df, level)

    @property
    def floor_gmfe(self) -> float:
        """The held-out GMFE of a model without error of its own: one that predicted each
        experiment's true IC50 exactly would still miss a new source's row by the between-
        and within-source spread."""
        return _expected_fold_error(math.hypot(self.between_sd, self.within_sd))

    def floor_interval(self, level: float = LEVEL) -> tuple[float, float]:
        """The floor's range over the two spreads' confidence intervals (ends paired)."""
        (b_lo, b_hi), (w_lo, w_hi) = self.between_interval(level), self.within_interval(level)
        return _expected_fold_error(math.hypot(b_lo, w_lo)), _expected_fold_error(math.hypot(b_hi, w_hi))

    def describe(self, tau: float | None = None, sigma: float | None = None) -> str:
        """One paragraph for the command line: the replicate spreads (as fold factors, with
        90% confidence intervals) beside the fitted tau and sigma (log10) where given."""
        def fold(sd: float) -> str:
            return f"{10 ** sd:.2f}x"

        def ends(pair: tuple[float, float]) -> str:
            return f"{10 ** pair[0]:.2f}-{10 ** pair[1]:.2f}x"

        b = f"between sources {fold(self.between_sd)} (90% CI {ends(self.between_interval())}, {self.between_df} df)"
        w = f"within a source {fold(self.within_sd)} (90% CI {ends(self.within_interval())}, {self.within_df} df)"
        if tau is not None:
            b += f", fitted tau {fold(tau)}"
        if sigma is not None:
            w += f", fitted sigma {fold(sigma)}"
        low, high = self.floor_interval()
        return (f"replicates ({self.rows} rows in {self.groups} experiments: same drug, context, cytokine, readout, "
                f"matrix and assay kind) differ {b}; {w}. A model without error of its own would reach a held-out "
                f"GMFE of about {self.floor_gmfe:.2f} ({low:.2f}-{high:.2f}); the rest of the fold error is the "
                "model's (its structure and the fitted potency)")


def replicate_spread(rows: pd.DataFrame | None = None) -> ReplicateSpread:
    """Pooled between- and within-source spreads of the modelled rows (default: every fit
    and test row of ``data/pharmacology/``) that are replicates of one experiment
    (:data:`SAME_EXPERIMENT`); censored rows (``<``, ``>``) are left out."""
    if rows is None:
        from .measurements import measurements

        rows = measurements()
    missing = [c for c in (*SAME_EXPERIMENT, "source_id", "relation", "ic50_nM") if c not in rows]
    if missing:
        raise InputError(f"replicate_spread needs the columns {', '.join(missing)} of the IC50 table")
    exact = rows[rows["relation"] == "="].assign(y=lambda d: np.log10(d["ic50_nM"].astype(float)))
    between_ss = within_ss = 0.0
    between_df = within_df = groups = n_rows = 0
    for _, group in exact.groupby(list(SAME_EXPERIMENT)):
        if len(group) < 2:
            continue
        groups, n_rows = groups + 1, n_rows + len(group)
        by_source = group.groupby("source_id")["y"]
        means = by_source.mean()
        within_ss += float(((group["y"] - by_source.transform("mean")) ** 2).sum())
        within_df += len(group) - len(means)
        between_ss += float(((means - means.mean()) ** 2).sum())
        between_df += len(means) - 1
    if between_df == 0 or within_df == 0:
        raise InputError("too few replicates to estimate a spread: no experiment is measured by two sources "
                         f"and twice within one (key: {', '.join(SAME_EXPERIMENT)})")
    return ReplicateSpread(between_sd=math.sqrt(between_ss / between_df), between_df=between_df,
                           within_sd=math.sqrt(within_ss / within_df), within_df=within_df,
                           groups=groups, rows=n_rows)
