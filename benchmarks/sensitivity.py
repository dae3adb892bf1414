"""Throughput of a sensitivity analysis (issue 13, slice 5), as ratios within one run.

The same Morris design (every uncertain parameter, ``--trajectories`` trajectories;
ruxolitinib on IL-6/pSTAT3 and tofacitinib on IL-2/pSTAT5, IC50 per parameter set)
is evaluated four ways:

1. a plain loop over ``model.simulate`` (one call per simulation, in this process),
   the IC50s judged by the same code;
2. ``js.sensitivity(..., n_jobs=1)``: the conditions of a chunk through ``js.run``;
3. the same with ``checkpoint=`` (a file per chunk): what checkpoints cost;
4. ``js.sensitivity(..., n_jobs=2)``: two local worker processes.

Reported: wall and CPU time (of this process: the workers' CPU is not in it), simulations per
second, simulations per second per core (the cores each way uses), and ratios
against the plain loop. All four ways evaluate the same parameter sets and must agree
bit for bit (checked). Run: ``.venv/bin/python benchmarks/sensitivity.py [--trajectories 2]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

import jakstat_sbml as js
from jakstat_sbml.uncertainty import IC50, uncertain_parameters
from jakstat_sbml.uncertainty.sensitivity import log_problem, sample_design

PREDICTIONS = [IC50("ruxolitinib", "IL6"), IC50("tofacitinib", "IL2")]


def plain_loop(model, names, design):
    """The analysis without js.run: every simulation a model.simulate call."""
    values = np.empty((len(design), len(PREDICTIONS)))
    simulations = 0
    for i, row in enumerate(design):
        parameters = dict(zip(names, (10.0 ** row).tolist()))
        for j, p in enumerate(PREDICTIONS):
            conditions = p.conditions(parameters)
            readings = {}
            for c in conditions:
                df = model.simulate(**{k: v for k, v in c.as_dict().items()}, )
                readings[c] = (df["time"].to_numpy(), {r: df[r].to_numpy() for r in p.readouts})
                simulations += 1
            values[i, j] = p.evaluate(conditions, readings)[0]
    return values, simulations


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def measure(trajectories: int = 2, log=None):
    """Run the four ways on one Morris design; returns (rows, checks, ok, design size).
    Each row: (way, wall s, CPU s of this process, simulations, cores used, ratio of the
    plain loop's wall time to this way's). ``run.py`` (section 7) uses this too."""
    model = js.load_model()
    ranges = uncertain_parameters()
    names = list(ranges.index)
    # js.sensitivity's own problem: bounds computed another way (np.log10 instead of
    # math.log10) differ in the last bit for 21 of the 121 ranges, and the loop would
    # then evaluate other parameter sets (what section 7 reported as DIFFER, up to
    # 4.3e-4 log10 nM, before this)
    problem = log_problem(ranges)
    design = sample_design("morris", problem, trajectories, seed=0)
    if log:
        log(f"# sensitivity throughput: {len(design)} parameter sets x {len(PREDICTIONS)} IC50s, "
            f"{len(names)} parameters; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")

    def api(**kw):
        return js.sensitivity(model, PREDICTIONS, n=trajectories, seed=0, **kw)

    js.run(model, [{"cytokines": {"IL6": 1.0}}] * 4, n_jobs=2)  # start the worker pool outside the timing
    (loop_values, sims), loop_wall, loop_cpu = timed(lambda: plain_loop(model, names, design))
    serial, serial_wall, serial_cpu = timed(lambda: api(n_jobs=1))
    with tempfile.TemporaryDirectory() as folder:
        checked, ckpt_wall, ckpt_cpu = timed(lambda: api(n_jobs=1, checkpoint=folder))
    parallel, par_wall, par_cpu = timed(lambda: api(n_jobs=2))

    rows = [(what, wall, cpu, n, cores, loop_wall / wall) for what, wall, cpu, n, cores in [
        ("plain loop over model.simulate", loop_wall, loop_cpu, sims, 1),
        ("js.sensitivity, n_jobs=1", serial_wall, serial_cpu, serial.simulations, 1),
        ("js.sensitivity, n_jobs=1, checkpoint", ckpt_wall, ckpt_cpu, checked.simulations, 1),
        ("js.sensitivity, n_jobs=2", par_wall, par_cpu, parallel.simulations, 2)]]
    ways = {"n_jobs=1": serial, "n_jobs=1, checkpoint": checked, "n_jobs=2": parallel}
    # Every way evaluates the same parameter sets, and each simulation starts from its
    # genotype's cached steady state whatever ran before, so all four must agree bit for
    # bit (the loop simulates the shared conditions again, in another order).
    same = all(np.array_equal(r.outputs.to_numpy(), serial.outputs.to_numpy()) for r in ways.values())
    assert np.array_equal(serial.samples.to_numpy(), 10.0 ** design), "the loop's design is not js.sensitivity's"
    largest = float(np.max(np.abs(serial.outputs.to_numpy() - loop_values)))
    close = largest == 0
    checks = [f"sensitivity: the three js.sensitivity ways {'identical bit for bit' if same else 'DIFFER'}",
              f"sensitivity: js.sensitivity vs the plain loop: largest |difference| {largest:.3g} log10 nM "
              f"({'identical' if close else 'DIFFER'}: the same parameter sets must give the same numbers)",
              f"sensitivity: js.sensitivity simulates each distinct condition once ({serial.simulations} vs {sims} "
              "in the loop: the no-drug and no-cytokine conditions are shared where predictions agree on them)"]
    return rows, checks, same and close, len(design)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trajectories", type=int, default=2, help="Morris trajectories (parameter sets: "
                                                                     "trajectories x (parameters + 1))")
    args = parser.parse_args(argv)
    rows, checks, ok, n = measure(args.trajectories, log=lambda m: print(m, file=sys.stderr))
    print(f"| way ({n} parameter sets) | wall | CPU (this process) | simulations | simulations/s | "
          f"simulations/s/core | wall ratio vs plain loop |")
    print("|---|---|---|---|---|---|---|")
    for what, wall, cpu, sims, cores, ratio in rows:
        print(f"| {what} | {wall:.1f} s | {cpu:.1f} s | {sims} | {sims / wall:.0f} | {sims / wall / cores:.0f} | "
              f"{ratio:.2f}x |")
    print()
    for c in checks:
        print(f"Check: {c}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
