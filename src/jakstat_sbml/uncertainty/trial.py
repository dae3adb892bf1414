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
- mutations: each of ``mutations={name: frequency}`` carried with that probability, at a
  mutant fraction of 0.5 (one allele). No CTCL mutation frequency is tabulated with a
  source yet, so none is drawn unless given.

Every draw of patient ``i`` comes from ``numpy.random.SeedSequence([seed, i])``, so a
patient's record is the same whatever the chunking, the number of patients or where it
runs. Each patient is simulated under every regimen arm on every pathway (continuous and
ex vivo stimulation, :mod:`jakstat_sbml.dosing.exposure`), through ``js.run``; chunks of
patients are checkpointed, so a killed trial resumes with identical output.

The outcome is a pathway's inhibition (its readout), a pharmacological response: tumour
response is not modelled, and the fraction of patients above a threshold is never a
response rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..dosing.exposure import STIMULATIONS, Stimulation, as_arms, as_stimuli, summarise_course
from ..errors import InputError, UnknownNameError
from ..model import Model
from ..parallel import RunOptions, progress_steps
from ..parameter_ranges import parameter_ranges
from ..regimens.pharmacokinetics import variability_table
from ..results import flags_text, with_flags
from .checkpoint import Checkpoint, design_key

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SOURCES = ("pk", "cell", "mutations")
METRICS = ("mean_inhibition", "trough_inhibition", "max_inhibition", "hours_to_max_inhibition")
MUTANT_FRACTION = 0.5  # one mutated allele of two (assumption: CTCL mutations are heterozygous)
DEFAULT_CHUNK = 25
NOT_CLINICAL = ("the outcome is a pathway's inhibition (pharmacological), not a clinical response: tumour "
                "response is not modelled, and the fraction above the threshold is not a response rate")


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

    def distribution(self, metric: str = "mean_inhibition") -> pd.DataFrame:
        """Per arm, pathway and stimulation: median, 5th and 95th percentile of ``metric``
        (one of :data:`METRICS`) over the patients, and the fraction of patients at or above
        the threshold (an inhibition metric only)."""
        if metric not in METRICS:
            raise InputError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
        rows = []
        for (arm, pathway, stimulation), part in self.outcomes.groupby(["arm", "pathway", "stimulation"], sort=False):
            x = part[metric].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95]) if x.size else (math.nan,) * 3
            rows.append({"arm": arm, "pathway": pathway, "stimulation": stimulation, "metric": metric,
                         "median": mid, "p5": lo, "p95": hi,
                         # the threshold is an inhibition; hours have none
                         "above_threshold": float((x >= self.threshold).mean())
                         if x.size and metric.endswith("_inhibition") else math.nan,
                         "patients": int(x.size)})
        return pd.DataFrame(rows)

    def drivers(self, arm: str | None = None, pathway: str | None = None, stimulation: str = "continuous",
                top: int = 5) -> pd.DataFrame:
        """The patient features that separate high from low inhibition: Spearman's rank
        correlation of each feature with the time-averaged inhibition over the patients
        (one arm, pathway and stimulation; default the first of each), strongest first."""
        arm = self.arms[0] if arm is None else arm
        pathway = self.outcomes["pathway"].iloc[0] if pathway is None else pathway
        part = self.outcomes[(self.outcomes.arm == arm) & (self.outcomes.pathway == pathway)
                             & (self.outcomes.stimulation == stimulation)]
        if part.empty:
            raise InputError(f"no outcome for arm {arm!r}, pathway {pathway!r}, {stimulation} stimulation")
        y = part.set_index("patient")["mean_inhibition"]
        features = self.patients.set_index("patient").loc[y.index]
        rows = []
        for name in features.columns:
            x = features[name].astype(float)
            rho = x.rank().corr(y.rank()) if x.nunique() > 1 and y.nunique() > 1 else math.nan
            rows.append({"feature": name, "spearman_rho": rho})
        table = pd.DataFrame(rows).dropna()
        return table.reindex(table.spearman_rho.abs().sort_values(ascending=False).index).head(top).reset_index(
            drop=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per patient, arm, pathway and stimulation, with the patient's features."""
        return with_flags(self.outcomes.merge(self.patients, on="patient", how="left"), self.flags)

    def summary(self) -> dict:
        out: dict = {"context": self.context, "patients": int(self.patients.shape[0]), "seed": self.seed,
                     "threshold_fraction": self.threshold, "sources": ", ".join(self.sources)}
        for r in self.distribution().itertuples():
            key = f"{r.arm} | {r.pathway} | {r.stimulation}"
            out[f"mean_inhibition_median_fraction[{key}]"] = float(r.median)
            out[f"mean_inhibition_p5_fraction[{key}]"] = float(r.p5)
            out[f"mean_inhibition_p95_fraction[{key}]"] = float(r.p95)
            out[f"patients_above_threshold_fraction[{key}]"] = float(r.above_threshold)
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
        if len(ax) != len(pathways):
            raise InputError(f"a virtual trial draws one Axes per pathway ({len(pathways)}), got {len(ax)}")
        for a, pathway in zip(ax, pathways):
            part = self.outcomes[self.outcomes.pathway == pathway]
            groups = list(dict.fromkeys(zip(part.arm, part.stimulation)))
            data = [part[(part.arm == g[0]) & (part.stimulation == g[1])]["mean_inhibition"].dropna().to_numpy()
                    for g in groups]
            a.boxplot(data, vert=True, whis=(5, 95), showfliers=True, flierprops={"markersize": 2})
            a.set_xticks(range(1, len(groups) + 1), [f"{arm}\n{stim}" for arm, stim in groups], fontsize=7,
                         rotation=30, ha="right")
            a.axhline(self.threshold, ls="--", color="firebrick", lw=1)
            a.set_ylim(-0.02, 1.02)
            a.set_title(pathway, fontsize=9)
            a.set_ylabel("time-averaged inhibition (fraction)", fontsize=8)
        ax[0].figure.suptitle(f"Virtual trial: {self.patients.shape[0]} patients in context {self.context!r} "
                              f"(whiskers 5-95%; dashed: threshold {self.threshold:g}); pharmacological, "
                              "not a clinical response", fontsize=9)
        return ax[0].figure


def virtual_trial(model: Model, regimens, n_patients: int = 100, cytokines=None, *, seed: int = 0,
                  stimulation: str | Sequence[str] = STIMULATIONS, threshold: float = 0.5,
                  sources: Sequence[str] | None = None, mutations: Mapping[str, float] | None = None,
                  checkpoint: str | Path | None = None, chunk_size: int = DEFAULT_CHUNK,
                  n_jobs: int = 1, client=None, progress: bool = False, engine: str = "roadrunner") -> VirtualTrial:
    """Simulate ``n_patients`` virtual patients (the module docstring says what one is)
    under each arm of ``regimens`` (as in :func:`~jakstat_sbml.exposure_response`) on
    ``cytokines`` (names; default every cytokine's standard dose), for each
    ``stimulation`` ("continuous", "ex vivo" or both, the default).

    ``sources``: what varies between patients, among "pk", "cell" and "mutations"
    (default "pk" and "cell", plus "mutations" when ``mutations`` is given); turning a
    source off keeps its typical value. ``threshold``: the inhibition a patient's pathway
    must reach (time-averaged, last dosing interval) to count. ``checkpoint``: a folder
    where every finished chunk of ``chunk_size`` patients is kept, so a rerun of the same
    trial resumes. Run options as in :func:`jakstat_sbml.run`; the same ``seed`` gives
    the same patients and outcomes, bit for bit, whichever way it runs.
    """
    options = RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    if isinstance(n_patients, bool) or not isinstance(n_patients, (int, np.integer)) or n_patients < 1:
        raise InputError(f"n_patients must be a positive integer, got {n_patients!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 < threshold < 1:
        raise InputError(f"threshold must be a fraction between 0 and 1, got {threshold!r}")
    stimulations = (stimulation,) if isinstance(stimulation, str) else tuple(stimulation)
    for s in stimulations:
        if s not in STIMULATIONS:
            raise InputError(f"stimulation must be among {', '.join(map(repr, STIMULATIONS))}, got {s!r}")
    if not stimulations:
        raise InputError("stimulation must not be empty")
    if "continuous" in stimulations and not options.simulator.dosing:
        raise InputError(f"continuous stimulation simulates the dosing events, which engine={engine!r} does not; "
                         "use engine='roadrunner' (or stimulation='ex vivo')")
    mutations = _mutation_frequencies(mutations)
    if sources is None:
        sources = ("pk", "cell") + (("mutations",) if mutations else ())
    sources = tuple(dict.fromkeys(sources))
    for s in sources:
        if s not in SOURCES:
            raise UnknownNameError("variability source", s, list(SOURCES))
    if "mutations" in sources and not mutations:
        raise InputError("sources includes 'mutations' but no mutations={name: frequency} were given")
    arms = as_arms(regimens)
    stimuli = as_stimuli(cytokines)
    drugs = sorted({r.drug for arm in arms.values() for r in arm})
    variability, flags = _pk_variability(drugs) if "pk" in sources else ({}, [])
    cell = _cell_ranges(model) if "cell" in sources else pd.DataFrame(columns=["lower", "upper"])
    if "cell" in sources:
        flags.append(f"cells: {len(cell)} protein abundances drawn log-uniformly over their plausible ranges "
                     "(models/parameters.tsv), taken as the spread between patients' cells (an assumption)")
    if not mutations:
        flags.append("mutations: none drawn (no CTCL mutation frequency is tabulated with a source; give "
                     "mutations={name: frequency} to draw them)")
    flags.append(NOT_CLINICAL)

    patients = pd.DataFrame([draw_patient(i, seed, sources, drugs, variability, cell, mutations)
                             for i in range(n_patients)])
    pathways = [(c, dose, catalog.CYTOKINES[c].main_readout) for c, dose in stimuli.items()]
    columns = [(arm, f"{c}/{r}", s) for arm in arms for c, _, r in pathways for s in stimulations]
    key = design_key(model.roadrunner.getSBML(), model.context, sorted(model.parameter_values().items()), seed,
                     chunk_size, sources, sorted(mutations.items()), repr(sorted(arms.items())),
                     repr(pathways), stimulations)
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
    outcomes = []
    for j, (arm, pathway, s) in enumerate(columns):
        block = values[:, j * len(METRICS):(j + 1) * len(METRICS)]
        outcomes.append(pd.DataFrame({"patient": patients["patient"], "arm": arm, "pathway": pathway,
                                      "stimulation": s, **{m: block[:, i] for i, m in enumerate(METRICS)}}))
    return VirtualTrial(pd.concat(outcomes, ignore_index=True), patients, tuple(arms), model.context, int(seed),
                        float(threshold), sources, tuple(flags), reused, computed)


def _mutation_frequencies(mutations) -> dict[str, float]:
    if mutations is None:
        return {}
    if not isinstance(mutations, Mapping):
        raise InputError(f"mutations must be a mapping of mutation to frequency (0-1), got {mutations!r}")
    out = {}
    for name, freq in mutations.items():
        m = catalog.mutation(name).name
        if isinstance(freq, bool) or not isinstance(freq, (int, float)) or not 0 <= freq <= 1:
            raise InputError(f"mutations[{name!r}]: a frequency between 0 and 1, got {freq!r}")
        out[m] = float(freq)
    return dict(sorted(out.items()))


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


def draw_patient(i: int, seed: int, sources, drugs, variability, cell: pd.DataFrame | None, mutations) -> dict:
    """Patient ``i``'s features, drawn from its own stream (the same whatever the chunking)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(i)]))
    row: dict = {"patient": i}
    if "pk" in sources:
        for drug in drugs:
            for parameter, sigma in sorted(variability[drug].items()):
                # log-normal around the typical value (median = typical), multiplier recorded
                row[f"pk:{drug}:{parameter}_fold"] = float(np.exp(sigma * rng.standard_normal()))
    if "cell" in sources:
        for p, (lo, hi) in cell.iterrows():
            row[f"cell:{p}_nM"] = float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))
    if "mutations" in sources:
        for m, freq in mutations.items():
            row[f"mutation:{m}"] = int(rng.random() < freq)
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
    """The regimen with the patient's PK: each drawn parameter times its fold."""
    changes = {}
    for key, fold in patient.items():
        if key.startswith(f"pk:{regimen.drug}:") and np.isfinite(fold):
            parameter = key.split(":", 2)[2][: -len("_fold")]
            changes[parameter] = getattr(regimen.pk, parameter) * float(fold)
    return replace(regimen, pk=replace(regimen.pk, **changes)) if changes else regimen


__all__ = ["METRICS", "SOURCES", "VirtualTrial", "draw_patient", "virtual_trial"]
