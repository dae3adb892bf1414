"""Patients, not one average patient: a virtual trial of dosing regimens (issue 24).

A virtual patient is

- pharmacokinetics: each regimen drug's clearance and volume drawn log-normal around the
  tabulated typical value with the between-patient CV of
  data/pharmacokinetics/pk_variability.tsv (what is not tabulated is not drawn, and a
  flag says so);
- a cell: every protein abundance of the context (``*_total`` in models/parameters.tsv,
  those the context does not set to 0) drawn log-uniformly over its plausible range. The
  range is what the literature allows for a typical cell, used here as the spread between
  patients' cells (an assumption the flags state);
- mutations: each carried with its frequency, at a mutant fraction of 0.5 (one allele):
  ``mutation_frequencies="cited"`` draws the frequencies counted in CTCL sequencing
  (data/ctcl/mutation_frequencies.tsv, :func:`ctcl_mutation_frequencies`), and
  ``mutation_frequencies={name: frequency}`` the caller's. None is drawn unless asked for.
  (Elsewhere ``mutations=`` is a background's mutant fraction; here the keyword names a
  carrier frequency, so it has its own name);
- covariates: each of ``covariates={name: frequency}`` (or ``{name: {level: frequency}}``
  for a graded one such as renal impairment) carried with that probability; a carried
  covariate multiplies each regimen drug's clearance by ``1 / AUC ratio`` of
  data/pharmacokinetics/pk_covariates.tsv (strong CYP3A4 inhibitors and inducers,
  fluconazole, renal impairment...). Where the table has no number for a drug, the
  patient keeps that drug's PK and a flag says so. Body weight is not drawn: no
  allometric exponent was verified in a source.

Every feature of patient ``i`` (a protein abundance, a drug's clearance, a mutation, a
covariate) comes from its own stream, ``numpy.random.SeedSequence([seed, i, <its name>])``
(:func:`feature_stream`), so a patient's record is the same whatever the chunking, the
number of patients or where it runs, and patient ``i`` has the same cell, mutations and
covariates in a trial of another drug or with a source turned off: two trials with the
same seed compare the same patients (as arms within one trial do). Each patient is simulated
under every regimen arm on every pathway (continuous and ex vivo stimulation,
:mod:`jakstat_sbml.dosing.exposure`), through ``js.run``; chunks of patients are
checkpointed, so a killed trial resumes with identical output.

The outcome is a pathway's inhibition (its readout), a pharmacological response: tumour
response is not modelled, and the fraction of patients above a threshold is never a
response rate.

The patients' spread is not an uncertainty of the prediction. ``uncertainty="potency"``
adds one: a predictive interval of every cohort statistic (the median patient, the 5th
and 95th percentile patients, the fraction at or above the threshold) over draws of the
drug-potency posterior with a new assay's variability (:mod:`jakstat_sbml.potency.draws`),
the same draws as ``exposure_response(..., uncertainty="potency")``. A draw acts on every
patient alike, as the dose times ``g = (fu_draw / fu_regimen) / scale`` (linear PK; the
module docstring of :mod:`jakstat_sbml.dosing.uncertainty`), and every inhibition rises with
``g``, so each cohort statistic does too and its interval's ends are the cohort simulated
at the draws' own order statistics of ``g`` (:func:`~jakstat_sbml.potency.draws.order_rank`):
exactly the interval of simulating every draw, at the cost of two more cohorts. A patient
whose inhibition does not rise between those two is flagged (the ends would then not bound
the draws).
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..dosing.exposure import (MEASURABLE_REFERENCE_NM, STIMULATIONS, Stimulation, as_arms, as_stimuli,
                               pharmacokinetic_steady_state_flags, summarise_course)
from ..errors import InputError, UnknownNameError, refuse_repeats
from ..model import Model, check_model
from ..parallel import RunOptions, progress_steps
from ..parameter_ranges import parameter_ranges
from ..regimens.checks import label_flags, pharmacokinetic_flags
from ..regimens.pharmacokinetics import covariate_table, variability_table
from ..results import flags_text, interval_fields, with_flags
from .checkpoint import Checkpoint, design_key
from .mutation_frequencies import cited_mutation_frequencies

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SOURCES = ("pk", "cell", "mutations", "covariates")
INHIBITION_METRICS = ("mean_inhibition", "trough_inhibition", "max_inhibition")
COHORT_STATISTICS = ("median", "p5", "p95", "above_threshold")  # what distribution() gives of each metric
METRICS = (*INHIBITION_METRICS, "hours_to_max_inhibition")
MUTANT_FRACTION = 0.5  # one mutated allele of two (assumption: CTCL mutations are heterozygous)
DEFAULT_CHUNK = 25
CITED = "cited"  # mutation_frequencies="cited": the frequencies of data/ctcl/mutation_frequencies.tsv
NO_MUTATIONS = ("mutations: none drawn (give mutation_frequencies='cited', or --mutations cited on the command "
                "line, for their frequencies in CTCL sequencing, data/ctcl/mutation_frequencies.tsv, or "
                "{name: frequency})")
COVARIATE_PK = "covariate_pk"  # patients-table prefix of the covariates' combined PK fold per drug
LEVEL_ORDER = ("present", "mild", "moderate", "severe")
COVARIATE_TABLE = "data/pharmacokinetics/pk_covariates.tsv"
# Below this many patients the 5th and 95th percentiles are within a patient of the extremes
# (at 20, 0.05 x 19 = 0.95 of the way from the lowest to the second).
FEW_PATIENTS = 20
NOT_CLINICAL = ("the outcome is a pathway's inhibition (pharmacological), not a clinical response: tumour "
                "response is not modelled, and the fraction above the threshold is not a response rate")


SPREAD = ("between the virtual patients (their drawn PK, cells, mutations and covariates), "
          "not an uncertainty of the prediction")


@dataclass(frozen=True)
class PotencyInterval:
    """What a trial's potency interval is: per (arm, pathway) what it ``covers`` (the draws'
    own statement, with the drug's held-out record and the assay system's) and the dose
    multipliers ``(low, high)`` whose cohorts are its ends (:func:`virtual_trial`, module
    docstring); its ``level``, ``draws`` and ``seed``."""

    covers: Mapping[tuple[str, str], str]
    level: float
    draws: int
    seed: int
    multipliers: Mapping[tuple[str, str], tuple[float, float]]
    flags: tuple[str, ...] = ()  # a drug whose held-out potency intervals were too narrow (per arm)


@dataclass(frozen=True)
class VirtualTrial:
    """Every patient under every arm: ``outcomes`` (one row per patient, arm, pathway and
    stimulation: mean, trough and peak inhibition over the last dosing interval, and the
    hours after the dose of the peak) and
    ``patients`` (one row per patient: the drawn PK, cell and mutation features)."""

    outcomes: pd.DataFrame
    patients: pd.DataFrame
    arms: tuple[str, ...]
    context: str
    seed: int
    threshold: float
    sources: tuple[str, ...]
    flags: tuple[str, ...] = ()
    chunks_reused: int = 0
    chunks_computed: int = 0
    # the flags about one arm (its PK's misses, its label, its steady state), which a table
    # written to a file keeps on that arm's rows; shared_flags are about every arm
    arm_flags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    shared_flags: tuple[str, ...] = ()
    arm_drugs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the drugs each arm gives
    # what a saved trial needs to be rerun (a js.save record lacked the regimens and frequencies: an audit):
    # each arm's regimens, the cytokine doses (nM), the stimulations, mutation and covariate frequencies
    design: Mapping[str, object] = field(default_factory=dict)
    # with uncertainty="potency": every patient's outcomes at the low and high end of the draws'
    # potency (columns of ``outcomes`` plus ``end``), and what the interval covers (PotencyInterval)
    potency_ends: pd.DataFrame | None = None
    potency: PotencyInterval | None = None

    def distribution(self, metric: str = "mean_inhibition") -> pd.DataFrame:
        """Per arm, pathway and stimulation: median, 5th and 95th percentile of ``metric``
        (one of :data:`METRICS`) over the patients, the fraction of patients at or above
        the threshold (an inhibition metric only), both of the ``patients`` whose pathway
        signals (the others are NaN rows, counted in the flags), and the flags of that arm (``flags``:
        what the trial cannot support, kept when the table is written to a file)."""
        if metric not in METRICS:
            raise InputError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
        ends = {} if self.potency_ends is None else {
            key: part for key, part in self.potency_ends.groupby(["arm", "pathway", "stimulation", "end"], sort=False)}
        rows = []
        for (arm, pathway, stimulation), part in self.outcomes.groupby(["arm", "pathway", "stimulation"], sort=False):
            row = {"arm": arm, "pathway": pathway, "stimulation": stimulation, "metric": metric,
                   **self._cohort(part[metric], metric)}
            if self.potency is not None:
                # each statistic's potency interval: the cohort at the low and at the high end (an
                # hour of the peak does not rise with potency, so it has none)
                at = {end: self._cohort(ends[(arm, pathway, stimulation, end)][metric], metric)
                      if metric in INHIBITION_METRICS and (arm, pathway, stimulation, end) in ends else {}
                      for end in ("low", "high")}
                for name in COHORT_STATISTICS:
                    row[f"{name}_low"] = at["low"].get(name, math.nan)
                    row[f"{name}_high"] = at["high"].get(name, math.nan)
                row["interval_covers"] = self.potency.covers[(arm, pathway)]
            # the file said nothing of what its percentiles span (only the console did)
            row["spread"] = SPREAD
            row["flags"] = flags_text((*self.shared_flags, *self.arm_flags.get(arm, ())))
            rows.append(row)
        return pd.DataFrame(rows)

    def _cohort(self, values: pd.Series, metric: str) -> dict:
        """The cohort statistics of one metric over the patients whose pathway signals."""
        x = values.to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95]) if x.size else (math.nan,) * 3
        return {"median": mid, "p5": lo, "p95": hi,
                # the threshold is an inhibition; hours have none
                "above_threshold": float((x >= self.threshold).mean())
                if x.size and metric in INHIBITION_METRICS else math.nan,
                "patients": int(x.size)}

    def drivers(self, arm: str | None = None, pathway: str | None = None, stimulation: str = "continuous",
                top: int = 5) -> pd.DataFrame:
        """The patient features that separate high from low inhibition: Spearman's rank
        correlation of each feature with the time-averaged inhibition over the patients
        (one arm, pathway and stimulation; default the first of each), strongest first,
        with its two-sided p value and ``p_adjusted``, Bonferroni's over every feature
        tested (some 40 are ranked, so an unadjusted p of 0.05 is often chance). The PK of
        a drug the arm does not give is not a feature of it (its correlation could only be
        chance), and is left out."""
        arm = self.arms[0] if arm is None else arm
        pathway = self.outcomes["pathway"].iloc[0] if pathway is None else pathway
        part = self.outcomes[(self.outcomes.arm == arm) & (self.outcomes.pathway == pathway)
                             & (self.outcomes.stimulation == stimulation)]
        if part.empty:
            raise InputError(f"no outcome for arm {arm!r}, pathway {pathway!r}, {stimulation} stimulation")
        y = part.set_index("patient")["mean_inhibition"]
        features = self.patients.set_index("patient").loc[y.index]
        if arm in self.arm_drugs:
            others = [d for names in self.arm_drugs.values() for d in names if d not in self.arm_drugs[arm]]
            features = features[[c for c in features.columns
                                  if not any(c.startswith((f"pk:{d}:", f"{COVARIATE_PK}:{d}:")) for d in others)]]
        from scipy.stats import spearmanr

        rows = []
        for name in features.columns:
            x = features[name].astype(float)
            rho, p = spearmanr(x, y) if x.nunique() > 1 and y.nunique() > 1 and len(y) > 2 else (math.nan, math.nan)
            rows.append({"feature": name, "spearman_rho": float(rho), "p_value": float(p)})
        table = pd.DataFrame(rows).dropna(subset=["spearman_rho"])
        table["p_adjusted"] = np.minimum(1.0, table["p_value"] * len(table))
        return table.reindex(table.spearman_rho.abs().sort_values(ascending=False).index).head(top).reset_index(
            drop=True)

    def companion_frames(self) -> dict:
        """The tables beside ``to_frame()`` that ``js.save`` keeps as ``<stem>_<name>.csv``, as
        `jakstat trial` does: the distribution per arm, pathway and stimulation."""
        return {"distribution": self.distribution()}

    def to_frame(self) -> pd.DataFrame:
        """One row per patient, arm, pathway and stimulation, with the patient's features."""
        return with_flags(self.outcomes.merge(self.patients, on="patient", how="left"), self.flags)

    def summary(self) -> dict:
        out: dict = {"context": self.context, "patients": int(self.patients.shape[0]), "seed": self.seed,
                     "threshold_fraction": self.threshold, "sources": ", ".join(self.sources), **self.design}
        for r in self.distribution().itertuples():
            key = f"{r.arm} | {r.pathway} | {r.stimulation}"
            out[f"mean_inhibition_median_fraction[{key}]"] = float(r.median)
            out[f"mean_inhibition_p5_fraction[{key}]"] = float(r.p5)
            out[f"mean_inhibition_p95_fraction[{key}]"] = float(r.p95)
            # the fraction above is of these patients: a pathway that never signals in a drawn
            # patient measures nothing there (NaN, counted in the flags)
            out[f"patients_above_threshold_fraction[{key}]"] = float(r.above_threshold)
            out[f"measurable_patients[{key}]"] = int(r.patients)
            if self.potency is not None:
                for end in ("low", "high"):
                    out[f"mean_inhibition_median_fraction_{end}[{key}]"] = float(getattr(r, f"median_{end}"))
                    out[f"patients_above_threshold_fraction_{end}[{key}]"] = float(getattr(r, f"above_threshold_{end}"))
        if self.potency is not None:
            # one statement per arm and pathway (each names its drug's and its assay system's records)
            covers = " || ".join(f"{arm} | {pathway}: {text}" for (arm, pathway), text in self.potency.covers.items())
            out.update(interval_fields(covers, self.potency.level, self.potency.draws,
                                       self.potency.seed, self.potency.flags))
        out["flags"] = flags_text(self.flags)
        return out

    def plot(self, ax=None) -> Figure:
        """The distribution over patients of each pathway's time-averaged inhibition, one box
        per arm and stimulation, the threshold dashed. ``ax``: one Axes per pathway."""
        import matplotlib.pyplot as plt

        pathways = list(dict.fromkeys(self.outcomes.pathway))
        if ax is None:
            fig, ax = plt.subplots(1, len(pathways), figsize=(3.2 + 2.6 * len(pathways), 4.2), squeeze=False,
                                   constrained_layout=True)
            ax = ax[0]
        ax = list(np.atleast_1d(ax))
        dist = self.distribution().set_index(["arm", "pathway", "stimulation"]) if self.potency is not None else None
        if len(ax) != len(pathways):
            raise InputError(f"a virtual trial draws one Axes per pathway ({len(pathways)}), got {len(ax)}")
        for a, pathway in zip(ax, pathways):
            part = self.outcomes[self.outcomes.pathway == pathway]
            groups = list(dict.fromkeys(zip(part.arm, part.stimulation)))
            data = [part[(part.arm == g[0]) & (part.stimulation == g[1])]["mean_inhibition"].dropna().to_numpy()
                    for g in groups]
            a.boxplot(data, whis=(5, 95), showfliers=True, flierprops={"markersize": 2})
            if dist is not None:  # beside each box: where the median patient lies over the potency draws
                for i, (arm, stim) in enumerate(groups):
                    r = dist.loc[(arm, pathway, stim)]
                    a.vlines(i + 1.3, r["median_low"], r["median_high"], color="tab:purple", lw=2,
                             label=f"median patient: {self.potency.level:.0%} potency interval" if i == 0 else None)
                a.set_xlim(0.5, len(groups) + 0.5)
                a.legend(fontsize=7, loc="lower right")
            a.set_xticks(range(1, len(groups) + 1), [f"{arm}\n{stim}" for arm, stim in groups], fontsize=7,
                         rotation=30, ha="right")
            a.axhline(self.threshold, ls="--", color="firebrick", lw=1)
            a.set_ylim(-0.02, 1.02)
            a.set_title(pathway, fontsize=9)
            a.set_ylabel("time-averaged inhibition (fraction)", fontsize=8)
        # three lines: a one-pathway figure is narrow, and one line was cut at both ends
        ax[0].figure.suptitle(f"Virtual trial: {self.patients.shape[0]} patients in context {self.context!r}\n"
                              f"(whiskers 5-95% of the patients; dashed: threshold {self.threshold:g})\n"
                              + ("purple: the median patient over the drug-potency draws\n" if self.potency else "")
                              + "pharmacological, not a clinical response", fontsize=9)
        return ax[0].figure


@dataclass(frozen=True)
class TrialSettings:
    """:func:`virtual_trial`'s settings, checked and normalised."""

    stimulations: tuple[str, ...]
    mutations: dict[str, float]  # mutation -> carrier frequency
    cited_flag: str | None  # the flag naming the cited frequencies' source (None unless "cited")
    covariates: dict
    sources: tuple[str, ...]


def checked_trial_settings(n_patients, *, seed=0, chunk_size=DEFAULT_CHUNK, threshold=0.5,
                           stimulation: str | Sequence[str] = STIMULATIONS, sources=None, mutation_frequencies=None,
                           covariates=None, engine: str = "roadrunner") -> TrialSettings:
    """:func:`virtual_trial`'s settings checked (InputError on the first bad one) and
    normalised. The command line calls it before it looks at its output files, so a bad
    option is reported as itself, not as a clash with an earlier trial's files."""
    options = RunOptions(engine=engine)
    if isinstance(n_patients, bool) or not isinstance(n_patients, (int, np.integer)) or n_patients < 1:
        raise InputError(f"n_patients must be a positive integer, got {n_patients!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 < threshold < 1:
        raise InputError(f"threshold must be a fraction strictly between 0 and 1, got {threshold!r}")
    stimulations = (stimulation,) if isinstance(stimulation, str) else tuple(stimulation)
    for s in stimulations:
        if s not in STIMULATIONS:
            raise InputError(f"stimulation must be among {', '.join(map(repr, STIMULATIONS))}, got {s!r}")
    # one named twice simulated every patient twice, and the percentiles counted the copies (an audit)
    refuse_repeats(list(stimulations), "stimulation")
    if not stimulations:
        raise InputError("stimulation must not be empty")
    if "continuous" in stimulations and not options.simulator.dosing:
        raise InputError(f"continuous stimulation simulates the dosing events, which engine={options.engine!r} "
                         "does not; use engine='roadrunner' (or stimulation='ex vivo')")
    mutations, cited_flag = _mutation_frequencies(mutation_frequencies)
    covariates = covariate_frequencies(covariates)
    default_sources = sources is None
    if sources is None:
        sources = ("pk", "cell") + (("mutations",) if mutations else ())
    if default_sources and covariates:
        sources = tuple(sources) + ("covariates",)
    sources = tuple(dict.fromkeys(sources))
    for s in sources:
        if s not in SOURCES:
            raise UnknownNameError("variability source", s, list(SOURCES))
    if "mutations" in sources and not mutations:
        raise InputError("sources includes 'mutations' but no mutation frequencies were given "
                         "(mutation_frequencies='cited' or {name: frequency})")
    if "covariates" in sources and not covariates:
        raise InputError("sources includes 'covariates' but no covariates={name: frequency} were given")
    return TrialSettings(stimulations, mutations, cited_flag, covariates, sources)


def virtual_trial(model: Model, regimens, n_patients: int = 100, cytokines=None, *, seed: int = 0,
                  stimulation: str | Sequence[str] = STIMULATIONS, threshold: float = 0.5,
                  sources: Sequence[str] | None = None,
                  mutation_frequencies: Mapping[str, float] | str | None = None,
                  covariates: Mapping | None = None, checkpoint: str | Path | None = None,
                  chunk_size: int = DEFAULT_CHUNK,
                  n_jobs: int = 1, client=None, progress: bool = False, engine: str = "roadrunner",
                  mutations: Mapping[str, float] | str | None = None, uncertainty=None,
                  draws: int | None = None) -> VirtualTrial:
    """Simulate ``n_patients`` virtual patients (the module docstring says what one is)
    under each arm of ``regimens`` (as in :func:`~jakstat_sbml.exposure_response`) on
    ``cytokines`` (names; default every cytokine's standard dose), for each
    ``stimulation`` ("continuous", "ex vivo" or both, the default).

    ``mutation_frequencies``: "cited" (each of the model's mutations at its frequency in CTCL
    sequencing, :func:`ctcl_mutation_frequencies`; the flags name the counts and studies)
    or ``{name: frequency}``: how many patients carry each (one allele). ``mutations=`` is
    its former name, deprecated: everywhere else it is a background's mutant fraction.
    ``sources``: what varies between patients, among "pk", "cell", "mutations" and
    "covariates" (default "pk" and "cell", plus "mutations" and "covariates" when
    mutation frequencies or ``covariates`` are given); turning a source off keeps its typical
    value. ``covariates``: ``{name: frequency}`` or ``{name: {level: frequency}}`` (names
    and levels of data/pharmacokinetics/pk_covariates.tsv, e.g.
    ``{"strong_cyp3a4_inhibitor": 0.1, "renal_impairment": {"moderate": 0.2}}``); a
    covariate with no tabulated effect on a regimen's drug is flagged, not silently zero.
    ``threshold``: the inhibition a patient's pathway must reach (time-averaged, last
    dosing interval) to count. ``checkpoint``: a folder where every finished chunk of
    ``chunk_size`` patients is kept, so a rerun of the same trial resumes. Run options as
    in :func:`jakstat_sbml.run`; the same ``seed`` gives the same patients and outcomes,
    bit for bit, whichever way it runs.

    ``uncertainty="potency"`` (the one mode a trial takes: its patients' cells already vary
    over the plausible ranges) gives every cohort statistic of :meth:`VirtualTrial.distribution`
    a predictive interval over ``draws`` (default 200) draws of the drug-potency posterior
    and a new assay's variability, seeded by ``seed`` (module docstring: two more cohorts
    are simulated, whatever the draws). One regimen per arm, as in
    :func:`~jakstat_sbml.exposure_response`.
    """
    check_model(model)
    options = RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    if mutations is not None:  # the former name, which meant a frequency here and a mutant fraction elsewhere
        if mutation_frequencies is not None:
            raise InputError("give mutation_frequencies=, not also its former name mutations=")
        warnings.warn("virtual_trial(mutations=) is now mutation_frequencies= (mutations= elsewhere is a "
                      "background's mutant fraction, not how many patients carry a mutation)", FutureWarning,
                      stacklevel=2)
        mutation_frequencies = mutations
    settings = checked_trial_settings(
        n_patients, seed=seed, chunk_size=chunk_size, threshold=threshold, stimulation=stimulation, sources=sources,
        mutation_frequencies=mutation_frequencies, covariates=covariates, engine=engine)
    stimulations, mutations, cited_flag, covariates, sources = (
        settings.stimulations, settings.mutations, settings.cited_flag, settings.covariates, settings.sources)
    unc = trial_uncertainty(uncertainty, draws, seed, model.context)
    arms = as_arms(regimens)
    stimuli = as_stimuli(cytokines)
    drugs = sorted({r.drug for arm in arms.values() for r in arm})
    pathways = [(c, dose, catalog.CYTOKINES[c].main_readout) for c, dose in stimuli.items()]
    potency, end_arms, end_info, potency_flags = (None, {}, {}, {}) if unc is None else \
        _potency_ends(model, arms, pathways, unc)
    variability, flags = _pk_variability(drugs) if "pk" in sources else ({}, [])
    cell = _cell_ranges(model) if "cell" in sources else pd.DataFrame(columns=["lower", "upper"])
    if "cell" in sources:
        flags.append(f"cells: {len(cell)} protein abundances drawn log-uniformly over their plausible ranges "
                     "(models/parameters.tsv), taken as the spread between patients' cells (an assumption)")
    if "mutations" not in sources:
        flags.append(NO_MUTATIONS)
    elif cited_flag:
        flags.append(cited_flag)
    drawn_covariates = covariates if "covariates" in sources else {}
    effects, covariate_flags = _covariate_effects(drawn_covariates, drugs)
    flags.extend(covariate_flags)
    if covariates and not drawn_covariates:
        flags.append("covariates: given but 'covariates' is not among the sources, so none is drawn")
    flags += pharmacokinetic_flags(arms)  # the typical patient's PK, which every patient's is drawn around
    flags += label_flags(arms)
    steady = {label: [f"{label}: {f} (the typical patient; a slower clearance takes longer)"
                      for f in pharmacokinetic_steady_state_flags(arm)] for label, arm in arms.items()}
    flags += [f for label in arms for f in steady[label]]
    # with uncertainty=: a drug whose held-out potency intervals were too narrow, on its arm's rows
    arm_flags = {label: tuple(pharmacokinetic_flags({label: arm}) + label_flags({label: arm}) + steady[label]
                              + potency_flags.get(label, [])) for label, arm in arms.items()}
    if n_patients < FEW_PATIENTS:
        flags.append(f"only {n_patients} patient{'s' if n_patients > 1 else ''}: the 5th and 95th percentiles of so "
                     f"few are close to their extremes, and drivers()' rank correlations are loose (see their p "
                     f"values); {FEW_PATIENTS} or more give percentiles that interpolate between patients")
    flags.append(NOT_CLINICAL)
    flags += [f for label in arms for f in potency_flags.get(label, [])]

    patients = pd.DataFrame([draw_patient(i, seed, sources, drugs, variability, cell, mutations,
                                          drawn_covariates, effects) for i in range(n_patients)])
    real_arms = arms
    arms = {**arms, **end_arms}  # the cohorts at the potency interval's ends are simulated as arms of their own
    columns = [(arm, f"{c}/{r}", s) for arm in arms for c, _, r in pathways for s in stimulations]
    # everything that sets the numbers, the solver's tolerances and the engine included (a
    # checkpoint made at other tolerances was once read back as this run's)
    key = design_key(STREAMS, model.roadrunner.getSBML(), model.context, sorted(model.parameter_values().items()),
                     seed, chunk_size, sources, sorted(mutations.items()), repr(sorted(arms.items())),
                     repr(pathways), stimulations,
                     *((repr(sorted(drawn_covariates.items())),) if drawn_covariates else ()),
                     sorted(model.solver_options.items()), engine)
    store = Checkpoint(checkpoint, key, "trial", {"seed": seed, "chunk_size": chunk_size, "arms": list(arms),
                                                  "pathways": [f"{c}/{r}" for c, _, r in pathways],
                                                  "stimulations": list(stimulations)}) if checkpoint else None
    values = np.full((n_patients, len(columns) * len(METRICS)), np.nan)
    chunks = [range(k, min(k + chunk_size, n_patients)) for k in range(0, n_patients, chunk_size)]
    with progress_steps(progress, n_patients, "virtual patients") as advance:
        missing = []
        for k, rows in enumerate(chunks):
            found = store.load(k) if store else None
            if found is not None and found[0].shape == (len(rows), values.shape[1]):
                values[rows.start:rows.stop] = found[0]
                advance(len(rows), f"virtual patients: chunk {k + 1}/{len(chunks)} (checkpoint)")
            else:
                missing.append((k, rows))

        def finished(k: int, rows: range, part: np.ndarray) -> None:
            values[rows.start:rows.stop] = part
            if store:
                store.save(k, part, np.zeros(part.shape, dtype=str))
            advance(len(rows), f"virtual patients: chunk {k + 1}/{len(chunks)}")

        _simulate_chunks(model, patients, missing, arms, pathways, stimulations, options, finished)
    reused, computed = len(chunks) - len(missing), len(missing)
    outcomes, at_ends = [], []
    for j, (arm, pathway, s) in enumerate(columns):
        block = values[:, j * len(METRICS):(j + 1) * len(METRICS)]
        frame = pd.DataFrame({"patient": patients["patient"], "arm": arm, "pathway": pathway,
                              "stimulation": s, **{m: block[:, i] for i, m in enumerate(METRICS)}})
        if arm in real_arms:
            outcomes.append(frame)
        elif end_info[arm].pathways is None or pathway in end_info[arm].pathways:
            at_ends.append(frame.assign(arm=end_info[arm].arm, end=end_info[arm].end))
    arms = real_arms
    ends = pd.concat(at_ends, ignore_index=True) if at_ends else None
    if ends is not None:
        flags += _not_rising(ends)
    for frame in outcomes:  # a patient whose pathway never signals has no inhibition: said, not a silent NaN
        unmeasured = int(frame["mean_inhibition"].isna().sum())
        if unmeasured:
            where = f"{frame['arm'].iloc[0]}, {frame['pathway'].iloc[0]}, {frame['stimulation'].iloc[0]}"
            flags.append(f"{where}: no inhibition to measure in {unmeasured} of {n_patients} patients (their "
                         f"no-drug readout falls below {MEASURABLE_REFERENCE_NM} nM), left out of the percentiles"
                         + ("; the context does not signal through this pathway" if unmeasured == n_patients
                            else ""))
    about_arms = set(pharmacokinetic_flags(arms) + label_flags(arms)) | {f for fs in steady.values() for f in fs} \
        | {f for fs in potency_flags.values() for f in fs}
    return VirtualTrial(pd.concat(outcomes, ignore_index=True), patients, tuple(arms), model.context, int(seed),
                        float(threshold), sources, tuple(flags), reused, computed, arm_flags,
                        tuple(f for f in flags if f not in about_arms),
                        {label: tuple(sorted({r.drug for r in arm})) for label, arm in arms.items()},
                        _design(arms, stimuli, stimulations, mutations, covariates), ends, potency)


def trial_uncertainty(value, draws, seed: int, context: str):
    """The trial's ``uncertainty=`` checked: None, or the potency draws seeded by the trial's
    seed (InputError for any other mode, and for ``draws`` without it)."""
    from ..potency.draws import as_uncertainty

    if value is None or value is False:
        as_uncertainty(value, draws=draws)  # draws= without uncertainty= is refused as everywhere
        return None
    # checked before as_uncertainty, whose message would offer the modes a trial refuses
    mode = value.strip().lower() if isinstance(value, str) else "all" if value is True else None
    unc = None if mode not in (None, "potency") else as_uncertainty(value, draws=draws, seed=seed, context=context)
    if unc is None or unc.mode != "potency":
        raise InputError(f"a virtual trial takes uncertainty='potency' only (the drug-potency posterior and a new "
                         f"assay's variability), got {value!r}: its patients' cells already vary over the "
                         "plausible parameter ranges, which are the patients' spread, not an uncertainty")
    return unc


@dataclass(frozen=True)
class _EndArm:
    """A cohort at one end of an arm's potency interval, simulated as an arm of its own:
    ``pathways`` it stands for (None: every pathway)."""

    arm: str
    end: str
    pathways: frozenset[str] | None


def _potency_ends(model: Model, arms, pathways, unc) -> tuple[PotencyInterval, dict, dict, dict[str, list[str]]]:
    """Per arm and pathway, the dose multipliers at the order statistics of the draws' ``g``
    (the interval's ends); the end cohorts as arms (name -> regimens) and what each stands
    for (name -> :class:`_EndArm`); the draws' flags per arm."""
    from ..potency.draws import order_rank, plan_draws

    multipliers, regimens, info, flags, covers = {}, {}, {}, {}, {}
    for label, arm in arms.items():
        if len(arm) != 1:
            raise InputError(f"arm {label!r}: uncertainty= needs one regimen per arm (a potency interval of drugs "
                             "given together is not supported yet)")
        regimen = arm[0]
        by_ends: dict[tuple[float, float], list[str]] = {}
        for cytokine, _, readout in pathways:
            plan = plan_draws(model, [regimen.drug], unc, cytokine=cytokine)
            g = np.sort((plan.fraction_unbound[regimen.drug] / regimen.pk.fraction_unbound)
                        / plan.dose_scale[regimen.drug])
            k = order_rank(g.size, unc.level)
            pair = (float(g[k]), float(g[g.size - 1 - k]))
            multipliers[(label, f"{cytokine}/{readout}")] = pair
            by_ends.setdefault(pair, []).append(f"{cytokine}/{readout}")
            mine = flags.setdefault(label, [])
            mine += [f"{label}: {f}" for f in plan.flags if f"{label}: {f}" not in mine]
            covers[(label, f"{cytokine}/{readout}")] = plan.covers().replace(
                f"over {unc.draws} draws", f"over {unc.draws} draws (each end the cohort at the draws' order "
                "statistic of potency)", 1)
        for n, (pair, names) in enumerate(by_ends.items()):
            # one pair for every pathway, unless the posterior has assay-system terms
            which = None if len(by_ends) == 1 else frozenset(names)
            for end, m in zip(("low", "high"), pair):
                name = f"{label} [potency {end}{'' if which is None else f' {n + 1}'}]"
                if name in arms:  # an end cohort would be read as the user's arm, or the reverse
                    raise InputError(f"the arm label {name!r} is what uncertainty= names its end cohorts: rename it")
                regimens[name] = (replace(regimen, dose_mg=regimen.dose_mg * m),)
                info[name] = _EndArm(label, end, which)
    interval = PotencyInterval(covers, unc.level, unc.draws, int(unc.seed), multipliers,
                               tuple(f for fs in flags.values() for f in fs))
    return interval, regimens, info, flags


def _not_rising(ends: pd.DataFrame) -> list[str]:
    """A flag per arm, pathway and stimulation where some patient's inhibition is lower at the
    high end of potency than at the low end (the ends would not bound the draws there)."""
    keys = ["patient", "arm", "pathway", "stimulation"]
    low = ends[ends.end == "low"].set_index(keys)
    high = ends[ends.end == "high"].set_index(keys).reindex(low.index)
    flags = []
    for metric in INHIBITION_METRICS:
        falls = (high[metric] < low[metric] - 1e-6).groupby(level=[1, 2, 3]).sum()
        for (arm, pathway, stim), n in falls.items():
            if n:
                flags.append(f"{arm}, {pathway}, {stim}: {metric} falls with potency in {int(n)} patients, so the "
                             "potency interval's ends may not bound its draws there")
    return flags


def _design(arms, stimuli, stimulations, mutations, covariates) -> dict:
    """A trial's settings as flat summary keys (text and numbers a record keeps)."""
    from ..units import to_nM

    out: dict = {f"regimen[{label}]": "; ".join(r.settings_text() for r in arm) for label, arm in arms.items()}
    out["stimulation"] = ", ".join(stimulations)
    out.update({f"cytokine_dose_nM[{c}]": float(to_nM(dose, what=f"dose of {c}", mass_kda=catalog.CYTOKINES[c].mass_kda))
                for c, dose in stimuli.items()})
    out.update({f"mutation_frequency[{m}]": float(f) for m, f in (mutations or {}).items()})
    for name, value in (covariates or {}).items():
        if isinstance(value, Mapping):
            out.update({f"covariate_frequency[{name}={level}]": float(f) for level, f in value.items()})
        else:
            out[f"covariate_frequency[{name}]"] = float(value)
    return out


def _mutation_frequencies(mutations) -> tuple[dict[str, float], str | None]:
    """{mutation: frequency} by name, and the flag of the cited frequencies (None otherwise)."""
    if mutations is None:
        return {}, None
    if isinstance(mutations, str):
        if mutations != CITED:
            raise UnknownNameError("mutation frequency source", mutations, [CITED])
        return cited_mutation_frequencies()
    if not isinstance(mutations, Mapping):
        raise InputError(f"mutation_frequencies must be 'cited' or a mapping of mutation to frequency (0-1), got "
                         f"{mutations!r}")
    out = {}
    for name, freq in mutations.items():
        m = catalog.mutation(name).name
        if isinstance(freq, bool) or not isinstance(freq, (int, float)) or not 0 <= freq <= 1:
            raise InputError(f"mutation_frequencies[{name!r}]: a frequency between 0 and 1, got {freq!r}")
        out[m] = float(freq)
    return dict(sorted(out.items())), None


def _pk_variability(drugs: list[str]) -> tuple[dict, list[str]]:
    """drug -> {PK parameter: log-normal sigma} and the flags of what is not drawn."""
    table = variability_table()
    out, flags = {}, []
    for drug in drugs:
        rows = table[table.drug == drug]
        out[drug] = {r.parameter: math.sqrt(math.log(1 + (r.cv_percent / 100) ** 2)) for r in rows.itertuples()}
        missing = [p for p in ("clearance_L_per_h", "volume_L", "absorption_rate_per_h") if p not in out[drug]]
        if missing:
            flags.append(f"{drug}: {', '.join(missing)} not drawn (no between-patient variability tabulated in "
                         "data/pharmacokinetics/pk_variability.tsv)")
    return out, flags


def _cell_ranges(model: Model) -> pd.DataFrame:
    """The protein abundances (``*_total``) with a plausible range that the context does not set to 0."""
    ranges = parameter_ranges()
    values = model.parameter_values()
    keep = [p for p in ranges.index if p.endswith("_total") and values.get(p, 0) > 0]
    return ranges.loc[sorted(keep), ["lower", "upper"]].astype(float)


# the scheme of the patients' streams, in checkpoint keys: chunks drawn under another are not reused
STREAMS = "one stream per patient and feature"


def feature_stream(seed: int, i: int, *feature: str) -> np.random.Generator:
    """Patient ``i``'s own stream for one feature (``"cell", "JAK1_total"``, ``"pk",
    drug, parameter``...): keyed by the feature's name, so patient ``i`` has the same cell,
    PK of a drug, mutations and covariates whatever else the trial draws (other drugs, a
    source turned off, another covariate) and however it is chunked."""
    words = [zlib.crc32(str(part).encode()) for part in feature]
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(i), *words]))


def draw_patient(i: int, seed: int, sources, drugs, variability, cell: pd.DataFrame | None, mutations,
                 covariates: Mapping | None = None, covariate_effects: Mapping | None = None) -> dict:
    """Patient ``i``'s features, each drawn from its own stream (:func:`feature_stream`)."""
    row: dict = {"patient": i}
    if "pk" in sources:
        for drug in drugs:
            for parameter, sigma in sorted(variability[drug].items()):
                # log-normal around the typical value (median = typical), multiplier recorded
                z = feature_stream(seed, i, "pk", drug, parameter).standard_normal()
                row[f"pk:{drug}:{parameter}_fold"] = float(np.exp(sigma * z))
    if "cell" in sources:
        for p, (lo, hi) in cell.iterrows():
            u = feature_stream(seed, i, "cell", p).uniform(math.log10(lo), math.log10(hi))
            row[f"cell:{p}_nM"] = float(10 ** u)
    if "mutations" in sources:
        for m, freq in mutations.items():
            row[f"mutation:{m}"] = int(feature_stream(seed, i, "mutation", m).random() < freq)
    if "covariates" in sources and covariates:
        row.update(_draw_covariates(lambda name: feature_stream(seed, i, "covariate", name).random(), drugs,
                                    covariates, covariate_effects or {}))
    return row


@dataclass
class _Batch:
    """The simulations of one chunk of patients under one stimulation: one js.run."""

    chunk: int
    rows: range
    stimulation: int
    design: Stimulation
    tasks: list
    where: list  # (patient in the chunk, arm, pathway) of each task
    plans: list
    conditions: list
    readouts: list


def _batches(patients: pd.DataFrame, missing, arms, pathways, stimulations):
    """The batches of the chunks to simulate, in order (made one at a time, when asked)."""
    for k, rows in missing:
        chunk = patients.iloc[rows.start:rows.stop]
        for s_index, s in enumerate(stimulations):
            design = Stimulation(s)
            tasks, where = [], []
            for p, (_, patient) in enumerate(chunk.iterrows()):
                background = _background(patient)
                for a, (label, arm) in enumerate(arms.items()):
                    mine = tuple(_patient_regimen(r, patient) for r in arm)
                    for c, (cytokine, dose, readout) in enumerate(pathways):
                        tasks.append((mine, cytokine, dose, readout, background))
                        where.append((p, a, c))
            yield _Batch(k, rows, s_index, design, tasks, where, *design.prepare(tasks))


def _simulate_chunks(model: Model, patients: pd.DataFrame, missing, arms, pathways, stimulations,
                     options: RunOptions, finished) -> None:
    """Simulate the ``missing`` chunks ``(k, rows)`` and call ``finished(k, rows, outcomes)``
    for each, in order (outcomes: rows = patients, columns = (arm, pathway, stimulation)
    x metric). Every simulation of a chunk and stimulation is one js.run; with worker
    processes (or a cluster) the next js.run is prepared and queued while one runs, and
    the finished one is summarised while the next runs, so the workers do not wait for
    this process. One js.run at a time; each batch's numbers depend on its own
    conditions only, so the outcomes are those of running the batches one by one."""
    from ..parallel import run

    quiet = options.quiet()
    width = len(arms) * len(pathways) * len(stimulations) * len(METRICS)
    parts: dict[int, np.ndarray] = {}

    def summarise(batch: _Batch, frame) -> None:
        out = parts.setdefault(batch.chunk, np.full((len(batch.rows), width), np.nan))
        s = stimulations[batch.stimulation]
        courses = batch.design.assemble(batch.tasks, batch.plans, batch.conditions, frame)
        for (p, a, c), task, course in zip(batch.where, batch.tasks, courses):
            row, _ = summarise_course(course, task[0], task[3], s)
            column = ((a * len(pathways) + c) * len(stimulations) + batch.stimulation) * len(METRICS)
            out[p, column:column + len(METRICS)] = [row[m] for m in METRICS]
        if batch.stimulation == len(stimulations) - 1:
            finished(batch.chunk, batch.rows, parts.pop(batch.chunk))

    def simulate(batch: _Batch):
        return run(model, batch.conditions, readouts=batch.readouts, **quiet.keywords()) if batch.conditions \
            else None

    batches = _batches(patients, missing, arms, pathways, stimulations)
    if options.client is None and options.n_jobs == 1:  # this process simulates: nothing to overlap
        for batch in batches:
            summarise(batch, simulate(batch))
        return
    with ThreadPoolExecutor(max_workers=1) as queue:  # one js.run at a time, the next one queued
        previous = queued = None
        try:
            for batch in batches:
                queued = queue.submit(simulate, batch)
                if previous is not None:
                    summarise(previous[0], previous[1].result())
                previous = (batch, queued)
            if previous is not None:
                summarise(previous[0], previous[1].result())
        except BaseException:
            if queued is not None:
                queued.cancel()  # not yet started: dropped; a js.run under way ends first
            raise


def _background(patient: pd.Series) -> dict:
    parameters = {k[len("cell:"):-len("_nM")]: float(v) for k, v in patient.items() if k.startswith("cell:")}
    mutations = {k[len("mutation:"):]: MUTANT_FRACTION for k, v in patient.items()
                 if k.startswith("mutation:") and v}
    out = {}
    if parameters:
        out["parameters"] = parameters
    if mutations:
        out["mutations"] = mutations
    return out


def _patient_regimen(regimen, patient: pd.Series):
    """The regimen with the patient's PK: each drawn parameter times its fold (the
    between-patient fold, then the covariates' fold)."""
    changes = {}
    prefixes = (f"pk:{regimen.drug}:", f"{COVARIATE_PK}:{regimen.drug}:")
    for key, fold in patient.items():
        prefix = next((p for p in prefixes if key.startswith(p)), None)
        if prefix is not None and np.isfinite(fold):
            parameter = key[len(prefix):-len("_fold")]
            changes[parameter] = changes.get(parameter, getattr(regimen.pk, parameter)) * float(fold)
    return replace(regimen, pk=replace(regimen.pk, **changes)) if changes else regimen


# --- covariates (issue 24): co-medications and organ impairment, data/pharmacokinetics/pk_covariates.tsv



def covariate_levels() -> dict[str, list[str]]:
    """Every tabulated covariate and its levels ("present" for a yes/no covariate)."""
    table = covariate_table()
    out: dict[str, list[str]] = {}
    for name, part in table.groupby("covariate", sort=True):
        found = set(part["level"])
        out[name] = [lv for lv in LEVEL_ORDER if lv in found] + sorted(found - set(LEVEL_ORDER))
    return out


def covariate_frequencies(covariates) -> dict[str, dict[str, float]]:
    """``{name: frequency}`` / ``{name: {level: frequency}}`` checked against the table:
    ``{name: {level: frequency}}`` with the levels in severity order."""
    if covariates is None:
        return {}
    if not isinstance(covariates, Mapping):
        raise InputError(f"covariates must be a mapping of covariate to frequency (0-1), got {covariates!r}")
    known = covariate_levels()
    out = {}
    for name, given in covariates.items():
        if name not in known:
            raise UnknownNameError("covariate", name, list(known))
        levels = known[name]
        if isinstance(given, Mapping):
            pairs = dict(given)
        elif levels == ["present"]:
            pairs = {"present": given}
        else:
            raise InputError(f"covariates[{name!r}] has levels {', '.join(levels)}: give {{level: frequency}}, "
                             f"e.g. {{{levels[0]!r}: 0.1}}")
        for level, freq in pairs.items():
            if level not in levels:
                raise UnknownNameError(f"level of covariate {name!r}", level, levels)
            if isinstance(freq, bool) or not isinstance(freq, (int, float)) or not 0 <= freq <= 1:
                raise InputError(f"covariate {_covariate_label(name, level)}: a frequency between 0 and 1, "
                                 f"got {freq!r}")
        if sum(pairs.values()) > 1 + 1e-12:
            raise InputError(f"covariates[{name!r}]: the levels' frequencies add up to {sum(pairs.values()):g}, "
                             "more than 1")
        out[name] = {lv: float(pairs[lv]) for lv in levels if lv in pairs}
    return dict(sorted(out.items()))


def _covariate_label(name: str, level: str) -> str:
    return name if level == "present" else f"{name}:{level}"


def _covariate_effects(covariates: dict, drugs: list[str]) -> tuple[dict, list[str]]:
    """drug -> {(covariate, level): {PK parameter: fold}} from the table's AUC ratios
    (clearance fold = 1 / AUC ratio), and the flags: what is drawn, and every drawn
    covariate without a tabulated effect on a regimen drug."""
    if not covariates:
        return {}, []
    table = covariate_table()
    effects: dict = {drug: {} for drug in drugs}
    flags = []
    shown = "; ".join(f"{_covariate_label(n, lv)} {f:.0%}" for n, levels in covariates.items()
                      for lv, f in levels.items())
    flags.append(f"covariates: drawn per patient ({shown}); a carried covariate multiplies clearance by 1 / its "
                 f"AUC ratio ({COVARIATE_TABLE})")
    for drug in drugs:
        for name, levels in covariates.items():
            for level, freq in levels.items():
                rows = table[(table.drug == drug) & (table.covariate == name) & (table.level == level)]
                rows = rows[np.isfinite(rows.auc_ratio)]
                for r in rows.itertuples():
                    if r.parameter != "clearance_L_per_h":  # an AUC ratio maps to clearance only
                        raise InputError(f"{COVARIATE_TABLE}: {drug} {name} {level}: an AUC ratio can only act on "
                                         f"clearance_L_per_h, not {r.parameter!r}")
                    effects[drug][(name, level)] = {r.parameter: 1.0 / float(r.auc_ratio)}
                if rows.empty and freq > 0:
                    flags.append(f"covariate {_covariate_label(name, level)}: no effect on {drug} tabulated in "
                                 f"{COVARIATE_TABLE}; patients carrying it keep {drug}'s pharmacokinetics "
                                 "(a gap, not a known zero effect)")
    return effects, flags


def _draw_covariates(uniform, drugs, covariates: dict, effects: Mapping) -> dict:
    """One uniform draw per covariate (``uniform(name)``; its levels exclusive, in severity
    order): an indicator per level and, per drug, the combined fold of each affected PK parameter."""
    row: dict = {}
    carried = []
    for name, levels in covariates.items():
        u, edge, chosen = uniform(name), 0.0, None
        for level, freq in levels.items():
            edge += freq
            if chosen is None and u < edge:
                chosen = level
        for level in levels:
            row[f"covariate:{_covariate_label(name, level)}"] = int(level == chosen)
        if chosen is not None:
            carried.append((name, chosen))
    for drug in drugs:
        mine = effects.get(drug, {})
        folds = dict.fromkeys(sorted({p for effect in mine.values() for p in effect}), 1.0)
        for key in carried:
            for parameter, fold in mine.get(key, {}).items():
                folds[parameter] *= fold
        for parameter, fold in folds.items():
            row[f"{COVARIATE_PK}:{drug}:{parameter}_fold"] = fold
    return row


__all__ = ["METRICS", "SOURCES", "PotencyInterval", "VirtualTrial", "covariate_frequencies", "covariate_levels",
           "draw_patient", "trial_uncertainty", "virtual_trial"]
