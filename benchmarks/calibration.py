"""One calibration start three ways (issue 18): RoadRunner with finite-difference
Jacobians (what `make calibrate` did before), AMICI with finite differences, and AMICI
with exact Jacobians from forward sensitivities through pyPESTO (`--engine amici`).

Every way starts from the same Latin-hypercube point of the dataset's bounds (start
``--start`` of the multi-start) with the same budget of trust-region iterations
(``--max-nfev``, Jacobians not counted), so the ratio of CPU times is the speed-up of
one start of `make calibrate` and the costs reached say whether it found as good a fit.

    python benchmarks/calibration.py --dataset Sobotta_Frontiers2017 --max-nfev 60
    python benchmarks/calibration.py --dataset Boehm_JProteomeRes2014 --max-nfev 5   # a smoke run

Prints a Markdown table and, as its last line, a JSON object (what run.py reads).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from jakstat_sbml.calibration.objective import Objective
from jakstat_sbml.calibration.optimise import fit_start, start_points

WAYS = (("RoadRunner, finite differences", "roadrunner", "finite differences"),
        ("AMICI, finite differences", "amici", "finite differences"),
        ("AMICI, forward sensitivities (pyPESTO)", "amici", "sensitivities"))


def measure(dataset: str, start: int, max_nfev: int, seed: int = 2017, log=None) -> list[dict]:
    """One start per way: wall and CPU seconds, cost and chi2 reached, evaluations."""
    out = []
    for label, engine, gradients in WAYS:
        objective = Objective(dataset, engine=engine, gradients=gradients)
        x0 = start_points(objective, start + 1, seed)[start]
        objective.fit(x0)  # compiled module imported and first simulation done outside the timing
        if log:
            log(f"   {label}: start {start} of {dataset}, {max_nfev} iterations")
        c, t = time.process_time(), time.perf_counter()
        result = fit_start(objective, x0, max_nfev=max_nfev, start=start)
        out.append({"way": label, "engine": engine, "gradients": gradients, "seconds": time.perf_counter() - t,
                    "cpu_seconds": time.process_time() - c, "cost": result.cost, "chi2": result.chi2,
                    "start_cost": objective.cost(x0), "evaluations": result.evaluations,
                    "jacobians": objective.jacobians, "message": result.message})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default="Sobotta_Frontiers2017")
    p.add_argument("--start", type=int, default=1, help="which multi-start point (0: the stored optimum)")
    p.add_argument("--max-nfev", type=int, default=60)
    args = p.parse_args(argv)
    rows = measure(args.dataset, args.start, args.max_nfev, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"| way ({args.dataset}, start {args.start}, {args.max_nfev} iterations) | wall | CPU | cost | chi2 | "
          "simulations of the data | CPU vs RoadRunner |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['way']} | {r['seconds']:.1f} s | {r['cpu_seconds']:.1f} s | {r['cost']:.2f} | {r['chi2']:.1f} | "
              f"{r['evaluations']} | {rows[0]['cpu_seconds'] / r['cpu_seconds']:.2f}x faster |")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
