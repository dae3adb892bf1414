"""A virtual trial's speed and memory (issue 24): time and RSS per 10^3 patients.

The trial of issue 24's target: ruxolitinib 20 mg every 12 h for 2 days, one arm, the
IL-2, IL-15 and IL-21 pathways of the ctcl context (each read at its main readout),
continuous stimulation only, patients drawn as ``js.virtual_trial`` draws them (PK and
cell) from ``--seed``. Per patient that is 6 simulations of 2 days: each pathway under
the regimen (the regimen SBML with its dose events) and without drug (the reference).

One ``js.virtual_trial`` call runs all patients (chunks of 25, the default), on
``--n-jobs`` worker processes started by a first, untimed call of 2 patients (which also
imports or compiles the engine's models). A stand-in for the progress display records
the time, the CPU seconds of this process and its workers, and the resident memory (RSS)
of both after every ``--every`` patients; memory is "flat" when the last total is within
10% (or 50 MB) of the first, as in variants.py.

    python benchmarks/trial.py --patients 3000 --engine amici
    python benchmarks/trial.py --patients 1000 --engine roadrunner

Prints a summary on stdout and, as its last line, a JSON object (what run.py reads).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import jakstat_sbml as js
from variants import FLAT_SHARE, FLAT_SLACK, cpu_seconds, rss

CYTOKINES = ["IL2", "IL15", "IL21"]


def regimen():
    return js.regimen("ruxolitinib", "20 mg", every="12 h", days=2)


class Recorder:
    """Takes the place of a ``rich.progress.Progress`` (what ``progress=`` accepts) and
    samples time, CPU and RSS each time another ``every`` patients are done."""

    def __init__(self, every: int, log=None):
        self.every, self.log = every, log
        self.done, self.samples = 0, []
        self.start, self.cpu = time.perf_counter(), cpu_seconds()

    def add_task(self, description, total):
        return 0

    def update(self, task, **kwargs):
        pass

    def advance(self, task, n):
        before, self.done = self.done, self.done + n
        if self.done // self.every > before // self.every:
            own, workers = rss()
            self.samples.append((self.done, time.perf_counter() - self.start, cpu_seconds() - self.cpu, own, workers))
            if self.log:
                self.log(f"   {self.done} patients, {self.samples[-1][1]:.0f} s, RSS {own / 1e6:.0f} MB here + "
                         f"{workers / 1e6:.0f} MB workers")


def measure(n: int, engine: str, n_jobs: int, every: int, seed: int = 0, log=None) -> dict:
    model = js.load_model()
    kw = dict(stimulation="continuous", n_jobs=n_jobs, engine=engine)
    js.virtual_trial(model, regimen(), 2, CYTOKINES, seed=seed + 1, **kw)  # workers started, models imported
    recorder = Recorder(every, log)
    result = js.virtual_trial(model, regimen(), n, CYTOKINES, seed=seed, progress=recorder, **kw)
    wall, cpu = time.perf_counter() - recorder.start, cpu_seconds() - recorder.cpu  # before the workers end
    js.parallel.close_worker_processes()
    totals = [s[3] + s[4] for s in recorder.samples] or [0.0]
    flat = totals[-1] <= totals[0] + max(FLAT_SHARE * totals[0], FLAT_SLACK)
    return {"patients": n, "engine": engine, "n_jobs": n_jobs, "seconds": wall, "cpu_seconds": cpu,
            "seconds_per_1000": wall / n * 1e3, "cpu_seconds_per_1000": cpu / n * 1e3,
            "rss_mb": [t / 1e6 for t in totals], "rss_peak_mb": max(totals) / 1e6, "flat": bool(flat),
            "samples": recorder.samples, "outcomes": result.outcomes,
            "median_mean_inhibition": {p: float(np.median(g["mean_inhibition"]))
                                       for p, g in result.outcomes.groupby("pathway")}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--patients", type=int, default=3000)
    p.add_argument("--engine", default="amici", choices=["amici", "roadrunner"])
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--every", type=int, default=1000, help="patients between memory samples")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    r = measure(args.patients, args.engine, args.n_jobs, args.every, args.seed,
                log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"{r['patients']:,} patients on {r['engine']}, {r['n_jobs']} processes: {r['seconds']:.0f} s "
          f"({r['seconds_per_1000']:.0f} s per 10^3 patients; CPU {r['cpu_seconds_per_1000']:.0f} s per 10^3 over "
          f"all processes); RSS (this process + workers) per {args.every} patients: "
          f"{', '.join(f'{x:.0f}' for x in r['rss_mb'])} MB: {'flat' if r['flat'] else 'NOT flat'}")
    print(json.dumps({k: v for k, v in r.items() if k not in ("samples", "outcomes")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
