"""Many random parameter variants: throughput and memory (issue 18).

Each variant is the model with every uncertain parameter drawn log-uniformly from its
plausible range (models/parameters.tsv, as ``js.sensitivity`` samples them), stimulated
with IL-6 at its standard dose for 120 min; read: pSTAT3 at 13 points. Every variant is
a genotype of its own, so each needs its own pre-equilibration and its own entry in the
steady-state cache: without a bound on that cache (before issue 18) a run held every
state it ever computed.

The variants go through ``js.run`` in batches (``--batch``), each reduced to its peak
and dropped, so what the run holds besides the caches is one batch. After each batch the
resident memory (RSS) of this process and of the worker processes is recorded; the run
is "flat" when the last batch's total RSS is within 10% (and 50 MB) of the total after the
first batch, which is when the workers have their model, engine and a first cache full.

    python benchmarks/variants.py --n 100000 --engine amici --n-jobs 2
    python benchmarks/variants.py --n 2000 --engine roadrunner    # the same work on RoadRunner

Prints a Markdown summary on stdout and, as its last line, a JSON object (what run.py reads).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import psutil

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.uncertainty import uncertain_parameters

CYTOKINE = "IL6"
READOUT = "pSTAT3"
FLAT_SHARE = 0.10  # last total RSS within 10% of the first batch's ...
FLAT_SLACK = 50e6  # ... or 50 MB, whichever is larger


def variants(n: int, seed: int) -> list[js.Condition]:
    ranges = uncertain_parameters()
    low, high = np.log10(ranges["lower"].to_numpy(float)), np.log10(ranges["upper"].to_numpy(float))
    rng = np.random.default_rng(seed)
    names = list(ranges.index)
    dose = {CYTOKINE: catalog.CYTOKINES[CYTOKINE].standard_dose}
    out = []
    for row in rng.uniform(low, high, size=(n, len(names))):
        out.append(js.Condition.make(cytokines=dose, parameters=dict(zip(names, (10.0 ** row).tolist())),
                                     t_end=120, points=13))
    return out


def rss() -> tuple[float, float]:
    """Resident memory (bytes) of this process and of all its child processes."""
    me = psutil.Process()
    children = 0.0
    for c in me.children(recursive=True):
        try:
            children += c.memory_info().rss
        except psutil.Error:
            pass
    return float(me.memory_info().rss), children


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its live child processes (the workers)."""
    total = sum(psutil.Process().cpu_times()[:2])
    for c in psutil.Process().children(recursive=True):
        try:
            total += sum(c.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def run_batch(model, conds, engine: str, n_jobs: int) -> tuple[np.ndarray, int]:
    """Peak pSTAT3 of each variant (NaN where the solver fails) and how many failed."""
    try:
        df = js.run(model, conds, readouts=[READOUT], n_jobs=n_jobs, engine=engine)
        return df.groupby("condition")[READOUT].max().to_numpy(), 0
    except js.SimulationError:  # find the failing ones, keep the rest
        peaks = np.full(len(conds), np.nan)
        for i, c in enumerate(conds):
            try:
                peaks[i] = js.run(model, [c], readouts=[READOUT], engine=engine)[READOUT].max()
            except js.SimulationError:
                pass
        return peaks, int(np.isnan(peaks).sum())


def measure(n: int, engine: str, n_jobs: int, batch: int, seed: int = 0, log=None) -> dict:
    model = js.load_model()
    conds = variants(n, seed)
    js.run(model, conds[:2], readouts=[READOUT], n_jobs=n_jobs, engine=engine)  # workers started, engine built
    samples, failed, peaks = [], 0, []
    start, cpu = time.perf_counter(), cpu_seconds()
    for k in range(0, n, batch):
        part, bad = run_batch(model, conds[k:k + batch], engine, n_jobs)
        failed += bad
        peaks.append(part)
        own, workers = rss()
        samples.append((k + len(part), time.perf_counter() - start, own, workers))
        if log:
            log(f"{k + len(part)}/{n} variants, {samples[-1][1]:.0f} s, RSS {own / 1e6:.0f} MB here + "
                f"{workers / 1e6:.0f} MB workers")
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu  # before the workers end
    totals = [s[2] + s[3] for s in samples]
    flat = totals[-1] <= totals[0] + max(FLAT_SHARE * totals[0], FLAT_SLACK)
    js.parallel.close_worker_processes()
    return {"variants": n, "engine": engine, "n_jobs": n_jobs, "batch": batch, "seconds": wall,
            "per_variant_ms": wall / n * 1e3, "cpu_seconds": cpu, "cpu_per_variant_ms": cpu / n * 1e3,
            "failed": failed,
            "rss_first_mb": totals[0] / 1e6, "rss_last_mb": totals[-1] / 1e6, "rss_peak_mb": max(totals) / 1e6,
            "flat": bool(flat), "samples": samples, "steady_states_kept": model.steady_states.limit,
            "median_peak_nM": float(np.nanmedian(np.concatenate(peaks)))}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="variants (default 100,000)")
    p.add_argument("--engine", default="amici", choices=["amici", "roadrunner"])
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--batch", type=int, default=2000, help="variants per js.run call")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    r = measure(args.n, args.engine, args.n_jobs, min(args.batch, args.n), args.seed,
                log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"{r['variants']:,} random parameter variants on {r['engine']}, {r['n_jobs']} processes: "
          f"{r['seconds']:.0f} s ({r['per_variant_ms']:.2f} ms per variant; CPU {r['cpu_per_variant_ms']:.2f} ms "
          f"per variant over all processes), {r['failed']} failed; "
          f"RSS (this process + workers) {r['rss_first_mb']:.0f} MB after the first batch, "
          f"{r['rss_last_mb']:.0f} MB at the end, peak {r['rss_peak_mb']:.0f} MB: "
          f"{'flat' if r['flat'] else 'NOT flat'}")
    print(json.dumps({k: v for k, v in r.items() if k != "samples"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
