"""How fast jakstat_sbml is, against other ways of doing the same work, in one run.

Prints one Markdown table on stdout (progress goes to stderr): medians over
repeats, and ratios between numbers measured in this same run, so a busy
machine slows both sides of a ratio alike. ``make bench`` runs it; README.md
beside this file says how to read it.

    python benchmarks/run.py            # the full set (~36 min on 2 cores: 9 of them 10^5 AMICI variants, 10 one calibration start three ways, 9 the virtual trial)
    python benchmarks/run.py --quick    # fewer repeats, 200 conditions, 1,000 variants: a smoke run
    python benchmarks/run.py --only 4   # one section (1-13)
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import jakstat_sbml as js
import workloads as w

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Timing:
    wall: float  # median seconds
    cpu: float | None  # median CPU seconds of the timed process: not slowed by other processes


@dataclass
class Row:
    what: str
    timing: Timing | None = None
    ratio_wall: str = ""
    ratio_cpu: str = ""
    target: str = ""
    met: str = ""


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def medians(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, Timing]:
    """Median wall and CPU seconds of each function; the repeats are interleaved
    (a, b, a, b, ...) so that a change in machine load hits every function alike."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            c, t = time.process_time(), time.perf_counter()
            f()
            wall[k].append(time.perf_counter() - t)
            cpu[k].append(time.process_time() - c)
    return {k: Timing(statistics.median(wall[k]), statistics.median(cpu[k])) for k in fns}


def duration(s: float | None) -> str:
    if s is None:
        return ""
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else "met" if ok else "NOT met"


def compare(row: str, shown: Timing, num: Timing, den: Timing, label: str, target: str = "",
            check: Callable[[float], bool] | None = None) -> Row:
    """A row showing ``shown`` with the ratio num / den (wall and CPU) as ``label.format(ratio)``."""
    rw = num.wall / den.wall
    rc = num.cpu / den.cpu if num.cpu is not None and den.cpu else None
    met = f"{verdict(check(rw))} / {verdict(check(rc) if rc is not None else None)}" if check else ""
    return Row(row, shown, label.format(rw), label.format(rc) if rc is not None else "", target, met)


# ----------------------------------------------------------------------------- sections


def one_time_course(model: js.Model, repeats: int, checks: list[str]) -> list[Row]:
    say("1/13 one 120-min time course: API, raw RoadRunner, COPASI, naive tellurium")
    cond = w.time_course_condition()
    raw = w.RawRoadRunner(model, cond)
    copasi = w.Copasi(model, cond)
    naive = w.NaiveTellurium(model)
    ours = w.api_time_course(model)  # also caches the unstimulated steady state, as in any session
    dose_nM = dict(cond.cytokines)[w.CYTOKINE]
    checks.append(f"raw RoadRunner vs API, all readouts: max difference {w.agreement(raw.time_course(), ours):.1e} "
                  "of peak")
    col = js.readouts().index("pSTAT3") + 1
    checks.append(f"COPASI vs API, pSTAT3: max difference "
                  f"{w.agreement(copasi.readout('pSTAT3'), ours[:, col]):.1e} of peak")
    naive_out = naive.time_course(cond)  # also the naive loop's first compile, not timed
    checks.append(f"naive tellurium vs API, all readouts: max difference {w.agreement(naive_out, ours):.1e} of peak")

    fast = medians({"api": lambda: w.api_time_course(model), "api_nM": lambda: w.api_time_course(model, dose_nM),
                    "raw": raw.time_course}, repeats * 20)
    slow = medians({"basico": copasi.basico_time_course, "engine": copasi.engine_time_course}, repeats * 3)
    tellurium = medians({"naive": lambda: naive.time_course(cond)}, max(3, repeats))["naive"]
    api, rr = fast["api"], fast["raw"]
    return [
        Row("1. one 120-min time course (IL-6 \"40 ng/mL\", 41 readouts): `model.simulate`", api),
        compare("   raw RoadRunner, same SBML and start state", rr, api, rr, "API takes {:.2f}x raw",
                "API <= 1.20x raw", lambda r: r <= 1.20),
        compare("   `model.simulate` with the dose as a number (nM, no unit parsing)", fast["api_nM"],
                fast["api_nM"], rr, "{:.2f}x raw"),
        compare("   COPASI via basico (`run_time_course`)", slow["basico"], slow["basico"], api, "{:.1f}x API",
                ">= 3x API", lambda r: r >= 3),
        compare("   COPASI engine alone (time-course task)", slow["engine"], slow["engine"], api, "{:.1f}x API"),
        compare("   naive tellurium loop (`te.loada` per simulation)", tellurium, tellurium, api, "{:.0f}x API",
                ">= 50x API", lambda r: r >= 50),
    ]


def dose_response(model: js.Model, repeats: int, checks: list[str]) -> list[Row]:
    say("2/13 20-dose dose-response: js.dose_response vs the naive tellurium loop")
    doses = np.logspace(0, 4, 20)
    kw = dict(drug="ruxolitinib", cytokine="IL6", readout="pSTAT3", time=20.0)
    naive = w.NaiveTellurium(model)
    ours = js.dose_response(model, doses=doses, **kw)
    theirs, ic50 = naive.dose_response(doses_nM=doses, preincubation=30.0, **kw)
    checks.append(f"naive dose-response vs js.dose_response: responses differ by at most "
                  f"{w.agreement(theirs, ours.responses):.1e} of the largest; IC50 {ic50:.4g} vs {ours.ic50:.4g} nM")
    api = medians({"api": lambda: js.dose_response(model, doses=doses, **kw)}, repeats * 3)["api"]
    slow = medians({"naive": lambda: naive.dose_response(doses_nM=doses, preincubation=30.0, **kw)},
                   repeats)["naive"]
    return [
        Row("2. 20-dose dose-response + Hill fit (22 simulations): `js.dose_response`", api),
        compare("   naive tellurium loop (load + equilibrate per dose, same fit)", slow, slow, api, "{:.0f}x API"),
    ]


def knockout_screen(repeats: int) -> list[Row]:
    conds, readouts = w.knockout_screen_conditions()
    say(f"3/13 full knockout screen: {len(conds)} conditions through js.run on one core")
    wall, cpu = [], []
    for _ in range(repeats):
        model = js.load_model()  # fresh: the screen computes its per-genotype steady states
        c, t = time.process_time(), time.perf_counter()
        js.run(model, conds, readouts=readouts)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    t = Timing(statistics.median(wall), statistics.median(cpu))
    return [Row(f"3. knockout screen, {len(js.genes())} genes + wild type x {len(js.cytokines())} cytokines "
                f"= {len(conds)} time courses, `js.run` on 1 core, fresh model", t,
                f"{t.wall / len(conds) * 1e3:.1f} ms per condition", f"{t.cpu / len(conds) * 1e3:.1f} ms per condition",
                "< 2 s", f"{verdict(t.wall < 2)} / {verdict(t.cpu < 2)}")]


def many(model: js.Model, n: int, repeats: int, checks: list[str]) -> list[Row]:
    from distributed import Client, LocalCluster

    conds, readouts = w.many_conditions(n)
    say(f"4/13 {len(conds)} conditions: serial vs 2 local processes vs Dask LocalCluster (2 workers)")
    start = time.perf_counter()
    js.run(model, conds[:4], readouts=readouts, n_jobs=2)  # starts the fork server and the workers
    first_pool = time.perf_counter() - start
    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        js.run(model, conds[:4], readouts=readouts, client=client)  # workers receive and rebuild the model
        cluster_start = time.perf_counter() - start
        results = {}

        def engine(name, **kw):
            def go():
                results[name] = js.run(model, conds, readouts=readouts, **kw)
            return go

        t = medians({"serial": engine("serial"), "processes": engine("processes", n_jobs=2),
                     "dask": engine("dask", client=client), "spin1": lambda: spin(1), "spin2": lambda: spin(2)},
                    repeats)
    same = all(np.array_equal(results["serial"].to_numpy(), results[k].to_numpy()) for k in ("processes", "dask"))
    checks.append(f"{len(conds)} conditions: serial, processes and Dask results identical bit for bit: "
                  f"{'yes' if same else 'NO'}")
    serial = Timing(t["serial"].wall, None)  # CPU time of this process says nothing about the workers
    ceiling = 2 * t["spin1"].wall / t["spin2"].wall  # the speed-up two cores can give right now
    return [
        Row(f"4. {len(conds)} conditions, serial (`js.run`)", serial,
            f"{serial.wall / len(conds) * 1e3:.1f} ms per condition"),
        compare("   2 local processes (`n_jobs=2`, workers kept between calls)", Timing(t["processes"].wall, None),
                serial, Timing(t["processes"].wall, None),
                "{:.2f}x faster than serial" + f" ({t['serial'].wall / t['processes'].wall / ceiling:.0%} of ceiling)",
                ">= 1.7x", lambda r: r >= 1.7),
        compare("   Dask LocalCluster, 2 workers x 1 thread (`client=`)", Timing(t["dask"].wall, None),
                serial, Timing(t["dask"].wall, None),
                "{:.2f}x faster than serial" + f" ({t['serial'].wall / t['dask'].wall / ceiling:.0%} of ceiling)",
                ">= 1.7x", lambda r: r >= 1.7),
        Row("   ceiling on this machine during the run: 2 busy-loop processes at once vs 1 (same work each)",
            Timing(t["spin2"].wall, None), f"{ceiling:.2f}x the throughput of one"),
        Row(f"   once: fork server and 2 workers started, model shipped, 4 conditions {duration(first_pool)}; "
            f"Dask cluster started, model shipped, 4 conditions {duration(cluster_start)}"),
    ]


def spin(processes: int) -> None:
    """``processes`` pure-Python busy loops (~1 s each alone) at once: how much two
    cores really give right now, whatever else the machine runs."""
    loop = "x = 0\nfor i in range(20_000_000):\n    x += i"
    running = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(processes)]
    for p in running:
        p.wait()


def load_time(repeats: int) -> list[Row]:
    say("5/13 model load in a fresh process: cold compile vs cached compiled model")

    def load(cache: Path) -> tuple[float, float]:
        env = dict(os.environ, JAKSTAT_CACHE_DIR=str(cache))
        out = subprocess.run([sys.executable, str(HERE / "load_once.py")], env=env, check=True,
                             capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        return r["seconds"], r["cpu_seconds"]

    with tempfile.TemporaryDirectory() as tmp:
        filled = Path(tmp) / "filled"
        load(filled)
        cold, cached = [], []
        for i in range(repeats):
            cold.append(load(Path(tmp) / f"empty{i}"))
            cached.append(load(filled))

    def timing(runs):
        return Timing(statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))

    c, h = timing(cold), timing(cached)
    return [
        Row("5. `js.load_model()` in a fresh process, cold (compiles the SBML)", c),
        compare("   cached compiled model (JAKSTAT_CACHE_DIR)", h, c, h, "{:.1f}x faster than cold", ">= 5x",
                lambda r: r >= 5),
    ]


def engines(model: js.Model, repeats: int, n_variants: int, checks: list[str]) -> list[Row]:
    """The AMICI engine (issue 18) against RoadRunner on the same work."""
    import variants as v
    from jakstat_sbml import amici_engine

    say("6/13 AMICI vs RoadRunner: one time course, the knockout screen, random parameter variants")
    cond = w.time_course_condition()
    rr = js.run(model, [cond]).to_numpy()  # both steady states cached before timing, as in section 1
    am = js.run(model, [cond], engine="amici").to_numpy()
    checks.append(f"AMICI vs RoadRunner, one time course, all readouts: max difference {w.agreement(am, rr):.1e} "
                  "of peak")
    t = medians({"amici": lambda: js.run(model, [cond], engine="amici"), "rr": lambda: js.run(model, [cond])},
                repeats * 20)
    rows = [Row("6. one 120-min time course (IL-6 \"40 ng/mL\", 41 readouts) on AMICI: `js.run(..., engine=\"amici\")`",
                t["amici"]),
            compare("   the same on RoadRunner (`js.run`)", t["rr"], t["amici"], t["rr"], "AMICI takes {:.2f}x RoadRunner",
                    "AMICI <= 0.5x", lambda r: r <= 0.5)]

    conds, readouts = w.knockout_screen_conditions()
    wall, cpu, wall_rr, cpu_rr = [], [], [], []
    for _ in range(repeats):
        for engine, tw, tc in (("amici", wall, cpu), ("roadrunner", wall_rr, cpu_rr)):
            fresh = js.load_model()  # fresh: the screen computes its per-genotype steady states
            c, s0 = time.process_time(), time.perf_counter()
            if engine == "amici":
                amici_engine.simulator(fresh)  # the compiled module is imported once per process, not timed
                c, s0 = time.process_time(), time.perf_counter()
            js.run(fresh, conds, readouts=readouts, engine=engine)
            tw.append(time.perf_counter() - s0)
            tc.append(time.process_time() - c)
    # on 2 cores: 2 worker processes, started (and the model shipped) by a first, untimed call
    fresh = js.load_model()
    js.run(fresh, conds, readouts=readouts, engine="amici", n_jobs=2)
    two = medians({"two": lambda: js.run(fresh, conds, readouts=readouts, engine="amici", n_jobs=2)}, repeats)["two"]
    screen = Timing(statistics.median(wall), statistics.median(cpu))
    screen_rr = Timing(statistics.median(wall_rr), statistics.median(cpu_rr))
    rows += [Row(f"   knockout screen ({len(conds)} time courses, 1 core, fresh model) on AMICI", screen,
                 f"{screen.wall / len(conds) * 1e3:.1f} ms per condition",
                 f"{screen.cpu / len(conds) * 1e3:.1f} ms per condition", "< 2 s",
                 f"{verdict(screen.wall < 2)} / {verdict(screen.cpu < 2)}"),
             compare("   the same screen on RoadRunner", screen_rr, screen, screen_rr, "AMICI takes {:.2f}x RoadRunner"),
             Row("   the AMICI screen on 2 cores (`n_jobs=2`, workers started by an earlier call)",
                 Timing(two.wall, None), f"{two.wall / len(conds) * 1e3:.1f} ms per condition", "", "< 2 s",
                 f"{verdict(two.wall < 2)} / -")]

    say(f"   {n_variants:,} random parameter variants on AMICI, 2 processes")
    r = v.measure(n_variants, "amici", 2, min(2000, n_variants), log=say)
    projected = 1e5 * r["cpu_per_variant_ms"] / 1e3 / 2  # 10^5 variants on 2 idle cores
    label = "" if n_variants == 100_000 else f" (measured on {n_variants:,}; 10^5 extrapolated from CPU time)"
    rows += [Row(f"   {n_variants:,} random parameter variants (every uncertain parameter log-uniform), 2 processes, "
                 f"AMICI; RSS {r['rss_first_mb']:.0f} MB after the first batch, {r['rss_last_mb']:.0f} MB at the end, "
                 f"peak {r['rss_peak_mb']:.0f} MB ({'flat' if r['flat'] else 'NOT flat'}), {r['failed']} failed",
                 Timing(r["seconds"], r["cpu_seconds"]), f"{r['per_variant_ms']:.2f} ms per variant",
                 f"{r['cpu_per_variant_ms']:.2f} ms CPU per variant; 10^5 on 2 idle cores: {projected / 60:.1f} min"
                 + label, "10^5 < 10 min, flat memory",
                 f"{verdict(r['seconds'] * 1e5 / n_variants < 600 and r['flat'])} / "
                 f"{verdict(projected < 600 and r['flat'])}")]
    return rows


# ----------------------------------------------------------------------------- main


def sensitivity_throughput(quick: bool, checks: list[str]) -> list[Row]:
    """Section 7: a Morris design's IC50s four ways (benchmarks/sensitivity.py): the plain
    loop over model.simulate, js.sensitivity serially, with checkpoints, on 2 processes."""
    import sensitivity

    trajectories = 2 if quick else 4  # SALib's Morris needs at least 2
    say(f"7/13 sensitivity throughput: one Morris design ({trajectories} trajectory/ies), four ways")
    rows, found, _, n = sensitivity.measure(trajectories, log=say)
    checks += found
    loop_wall = rows[0][1]
    out = [Row(f"6. sensitivity, {n} parameter sets x 2 IC50s: plain loop over `model.simulate` "
               f"({rows[0][3]} simulations, {rows[0][3] / loop_wall:.0f} /s/core)", Timing(loop_wall, rows[0][2]))]
    for what, wall, cpu, sims, cores, ratio in rows[1:]:
        out.append(Row(f"   `{what}` ({sims} simulations, {sims / wall / cores:.0f} /s/core on {cores} "
                       f"core{'s' if cores > 1 else ''})", Timing(wall, cpu if cores == 1 else None),
                       f"{ratio:.2f}x faster than the loop"))
    return out


def calibration_speed(quick: bool, checks: list[str]) -> list[Row]:
    """Section 8: one calibration start three ways (benchmarks/calibration.py): RoadRunner
    with finite differences, AMICI with finite differences, AMICI with forward sensitivities."""
    import calibration

    dataset, budget = ("Boehm_JProteomeRes2014", 5) if quick else ("Sobotta_Frontiers2017", 60)
    say(f"8/13 calibration: one start of {dataset} ({budget} iterations), three ways")
    rows = calibration.measure(dataset, 1, budget, log=say)
    rr, fd, sens = rows
    out = [Row(f"8. one calibration start ({dataset}, start 1, {budget} iterations): RoadRunner, finite-difference "
               f"Jacobians (`make calibrate` before; cost {rr['start_cost']:.1f} -> {rr['cost']:.2f})",
               Timing(rr["seconds"], rr["cpu_seconds"]))]
    for r in (fd, sens):
        out.append(compare(f"   {r['way']} (cost -> {r['cost']:.2f}, {r['jacobians']} Jacobians)",
                           Timing(r["seconds"], r["cpu_seconds"]), Timing(rr["seconds"], rr["cpu_seconds"]),
                           Timing(r["seconds"], r["cpu_seconds"]), "{:.2f}x faster",
                           "make calibrate >= 4x faster, same cost or better" if r is sens else "",
                           (lambda x: x >= 4 and sens["cost"] <= rr["cost"] + 0.5) if r is sens else None))
    checks.append(f"calibration start: cost reached {rr['cost']:.3f} (RoadRunner, finite differences), "
                  f"{fd['cost']:.3f} (AMICI, finite differences), {sens['cost']:.3f} (AMICI, sensitivities)")
    return out


def predictive_intervals(quick: bool, repeats: int, checks: list[str]) -> list[Row]:
    """Section 9 (issue 22): a dose-response with a 200-draw predictive interval in the
    calibrated contexts (potency posterior + calibration ensemble, on 2 cores) against one
    plain dose-response of the same doses (one core); and the whole leave-one-source-out
    cross-validation of the potency model, with every refit, from an empty checkpoint."""
    from jakstat_sbml.potency.crossval import cross_validate

    say("9/13 predictive intervals: 200 draws vs one plain dose-response; the cross-validation")
    rows = []
    contexts = ["hepatocyte"] if quick else ["hepatocyte", "baf3_epor", "lymphoma"]
    for context in contexts:
        model = js.load_model(context=context)
        cytokine = {"hepatocyte": "IL6", "baf3_epor": "EPO", "lymphoma": "IL13"}[context]
        readout = {"hepatocyte": "pSTAT3", "baf3_epor": "pSTAT5", "lymphoma": "pSTAT5"}[context]
        kw = dict(drug="ruxolitinib", cytokine=cytokine, readout=readout, time=20.0)
        js.dose_response(model, **kw)  # steady states cached, as in any session
        members = len(js.load_ensemble(model))
        t = medians({"plain": lambda: js.dose_response(model, **kw),
                     "interval": lambda: js.dose_response(model, uncertainty=True, draws=200, n_jobs=2, **kw)},
                    repeats)
        curve = js.dose_response(model, uncertainty=True, draws=200, n_jobs=2, **kw)
        lo, hi = curve.ic50_interval
        checks.append(f"{context}: IC50 {curve.ic50:.3g} nM, 90% predictive interval {lo:.3g}-{hi:.3g} nM over "
                      f"200 draws ({members} ensemble members)")
        rows += [Row(f"9. dose-response, {context} ({cytokine}/{readout}), plain, one core", t["plain"]),
                 compare(f"   with a 200-draw predictive interval (potency posterior x {members} calibration "
                         "members), 2 cores", t["interval"], t["interval"], t["plain"], "{:.1f}x plain",
                         "<= 20x plain", lambda r: r <= 20)]
    if not quick:
        with tempfile.TemporaryDirectory() as folder:
            c, started = time.process_time(), time.perf_counter()
            cv = cross_validate(checkpoint=folder)
            wall, cpu = time.perf_counter() - started, time.process_time() - c
        checks.append(f"cross-validation: {cv.summary()['sources']} sources, GMFE {cv.gmfe:.2f}, 90% coverage "
                      f"{cv.coverage:.0%}")
        rows.append(Row(f"   leave-one-source-out cross-validation, {cv.info['folds']} refits (NUTS, 2 chains)",
                        Timing(wall, cpu), target="< 15 min on 2 cores",
                        met=f"{verdict(wall < 900)} / {verdict(cpu < 900)}"))
    return rows


def drug_panel(quick: bool, repeats: int, checks: list[str]) -> list[Row]:
    """Section 10 (issue 23): every drug's IC50 on every pathway of the ctcl context it acts
    on, on AMICI and 2 cores, as one js.compare_drugs batch against the same dose-responses
    run one drug and one pathway at a time (js.dose_response, same engine and cores)."""
    say("10/13 the drug panel: js.compare_drugs in one batch vs one dose-response at a time")
    model = js.load_model()
    drugs = js.drugs()[:2] if quick else js.drugs()
    kw = dict(regimens=False, engine="amici", n_jobs=2)
    panel = js.compare_drugs(model, drugs, **kw)  # compiles AMICI's module and fills the caches, not timed
    pairs = [(r.drug, r.cytokine, r.readout) for r in panel.ic50s.itertuples()]

    def one_at_a_time():
        return [js.dose_response(model, d, c, r, engine="amici", n_jobs=2).ic50 for d, c, r in pairs]

    t = medians({"panel": lambda: js.compare_drugs(model, drugs, **kw), "single": one_at_a_time}, repeats)
    same = np.allclose(panel.ic50s["ic50_nM"].to_numpy(), one_at_a_time(), rtol=1e-12, equal_nan=True)
    checks.append(f"drug panel: {len(drugs)} drugs x their pathways = {len(pairs)} IC50s, equal one at a time: "
                  f"{same}")
    return [Row(f"10. the drug panel, one dose-response at a time ({len(pairs)}), AMICI, 2 cores", t["single"]),
            compare(f"   js.compare_drugs: {len(drugs)} drugs, {len(pairs)} IC50s in one batch, AMICI, 2 cores",
                    t["panel"], t["single"], t["panel"], "{:.1f}x faster", "<= 90 s",
                    lambda r: t["panel"].wall <= 90)]


def virtual_trial_speed(quick: bool, patients: int | None, checks: list[str]) -> list[Row]:
    """Section 11 (issue 24): the virtual trial of ruxolitinib 20 mg BID (2 days) on the IL-2,
    IL-15 and IL-21 pathways, continuous stimulation, 2 processes, on AMICI (``patients``,
    RSS after every 10^3) and on RoadRunner (a third as many): time per 10^3 patients."""
    import trial

    n = patients or (150 if quick else 3000)
    n_rr = max(n // 3, 1)
    every = max(n // 3, 1)
    say(f"11/13 virtual trial: {n} patients on AMICI, {n_rr} on RoadRunner, 2 processes")
    am = trial.measure(n, "amici", 2, every, log=say)
    rr = trial.measure(n_rr, "roadrunner", 2, every, log=say)
    both = am["outcomes"].merge(rr["outcomes"], on=["patient", "arm", "pathway", "stimulation"])
    gap = float(np.nanmax(np.abs(both["mean_inhibition_x"] - both["mean_inhibition_y"])))
    checks.append(f"virtual trial: the {both.patient.nunique()} patients both engines ran, time-averaged inhibition "
                  f"differs by at most {gap:.1e} (a fraction) between AMICI and RoadRunner; medians on AMICI "
                  + ", ".join(f"{p} {v:.3f}" for p, v in am["median_mean_inhibition"].items()))
    per = {k: Timing(r["seconds_per_1000"], r["cpu_seconds_per_1000"]) for k, r in (("amici", am), ("rr", rr))}
    wall_1e4, idle_1e4 = am["seconds_per_1000"] * 10, am["cpu_seconds_per_1000"] * 10 / 2  # idle: CPU over 2 cores
    return [
        Row(f"11. virtual trial per 10^3 patients (ruxolitinib 20 mg BID, 2 days; IL-2, IL-15, IL-21; continuous; "
            f"6 two-day simulations per patient), 2 processes, AMICI ({n} patients; CPU: this process and workers)",
            per["amici"]),
        compare(f"   the same on RoadRunner ({n_rr} patients)", per["rr"], per["amici"], per["rr"],
                "AMICI takes {:.2f}x RoadRunner"),
        Row("   10^4 patients on AMICI, 2 processes: at this run's rate / on 2 idle cores (its CPU time / 2)",
            Timing(wall_1e4, idle_1e4), "", "", "< 15 min", f"{verdict(wall_1e4 < 900)} / {verdict(idle_1e4 < 900)}"),
        Row(f"   RSS (this process + workers) after each {every} patients on AMICI: "
            f"{', '.join(f'{x:.0f}' for x in am['rss_mb'])} MB ({'flat' if am['flat'] else 'NOT flat'}); "
            f"on RoadRunner {', '.join(f'{x:.0f}' for x in rr['rss_mb'])} MB", None, "", "", "flat memory",
            verdict(am["flat"] and rr["flat"])),
    ]


def exposure_sensitivity(quick: bool, repeats: int, checks: list[str]) -> list[Row]:
    """Section 12: the headline's four exposure predictions (ruxolitinib 20 mg and
    tofacitinib 5 mg twice daily on IL-6/pSTAT3 and IL-2/pSTAT5) in one Morris design, 2
    processes, on AMICI against the same design on RoadRunner: since the exposures run as
    regimen conditions through js.run, the engine asked for runs them."""
    from jakstat_sbml.uncertainty import Exposure, headline_predictions

    model = js.load_model()
    exposures = [p for p in headline_predictions() if isinstance(p, Exposure)]
    parameters = ["kcat_IL6R", "JAK1_total", "JAK3_total", "IL2RA_total"]
    kw = dict(n=2 if quick else 4, parameters=parameters, seed=0, n_jobs=2)
    say(f"12/13 exposure predictions in a sensitivity design ({len(exposures)} exposures, Morris n={kw['n']}): "
        "AMICI vs RoadRunner, 2 processes")
    amici_run = js.sensitivity(model, exposures, engine="amici", **kw)  # compiles AMICI's regimen modules, not timed
    rr_run = js.sensitivity(model, exposures, **kw)
    gap = float(np.max(np.abs(amici_run.outputs.to_numpy() - rr_run.outputs.to_numpy())))
    checks.append(f"exposure sensitivity: {len(amici_run.samples)} parameter sets x {len(exposures)} exposures, "
                  f"AMICI and RoadRunner differ by at most {gap:.1e} (fraction inhibited)")
    t = medians({"rr": lambda: js.sensitivity(model, exposures, **kw),
                 "amici": lambda: js.sensitivity(model, exposures, engine="amici", **kw)}, repeats)
    sims = rr_run.simulations
    return [Row(f"12. exposure predictions under uncertainty: {len(amici_run.samples)} parameter sets x "
                f"{len(exposures)} exposures ({sims} three-day regimen simulations), RoadRunner, 2 processes", t["rr"]),
            compare("   the same design on AMICI, 2 processes", t["amici"], t["rr"], t["amici"], "{:.1f}x faster")]


def exposure_intervals(repeats: int, checks: list[str]) -> list[Row]:
    """Section 13: an exposure-response with a 200-draw potency interval (one regimen, one
    pathway, continuous stimulation) against the same regimen plain, and against the
    naive way to the same interval: every draw's regimen simulated, at the dose times its
    multiplier, and the interval taken over them. The interval is read at the draws' order
    statistics of the multiplier (docs/pharmacology.md section 8); the check says the two
    ways agree."""
    import warnings
    from dataclasses import replace

    from jakstat_sbml.potency import draws

    say("13/13 exposure interval: 200 potency draws vs plain vs every draw simulated")
    model = js.load_model()
    reg = js.regimen("ruxolitinib", "20 mg", every="12 h", days=3)
    unc = draws.Uncertainty("potency", draws=200, seed=0)
    with warnings.catch_warnings():  # ruxolitinib's too-narrow held-out record, said once per call
        warnings.simplefilter("ignore", js.JakStatWarning)
        plan = draws.plan_draws(model, ["ruxolitinib"], unc, cytokine="IL2")
        g = (plan.fraction_unbound["ruxolitinib"] / reg.pk.fraction_unbound) / plan.dose_scale["ruxolitinib"]
        every = {f"draw {i}": replace(reg, dose_mg=reg.dose_mg * x) for i, x in enumerate(g)}

        def interval():
            return js.exposure_response(model, reg, ["IL2"], uncertainty=unc)

        def naive():
            table = js.exposure_response(model, every, ["IL2"]).table
            return draws.central_interval(table["mean_inhibition"], unc.level)

        exact = interval().intervals.query("metric == 'mean_inhibition'").iloc[0]
        low, _, high = naive()
        checks.append(f"exposure interval, mean IL-2/pSTAT5 inhibition at ruxolitinib 20 mg BID: "
                      f"{exact['low']:.4f}-{exact['high']:.4f} read at the order statistics, {low:.4f}-{high:.4f} "
                      f"over all 200 draws simulated (largest gap {max(abs(exact['low'] - low), abs(exact['high'] - high)):.1e})")
        t = medians({"plain": lambda: js.exposure_response(model, reg, ["IL2"]), "interval": interval}, repeats)
        t.update(medians({"naive": naive}, 1))
    return [Row("13. exposure-response, ruxolitinib 20 mg BID x 3 days, IL-2/pSTAT5, plain, one core", t["plain"]),
            compare("   with a 200-draw potency interval (read at the multiplier's order statistics)", t["interval"],
                    t["interval"], t["plain"], "{:.1f}x plain", "<= 20x plain", lambda r: r <= 20),
            compare("   every draw's regimen simulated (200), the same interval", t["naive"], t["naive"],
                    t["interval"], "{:.0f}x the interval")]


def machine() -> list[str]:
    import amici
    import COPASI
    import roadrunner

    return [
        f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, libroadrunner {roadrunner.__version__}, "
        f"COPASI {COPASI.__version__}, AMICI {amici.__version__}",
    ]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats and 200 conditions (a smoke run)")
    p.add_argument("--repeats", type=int, default=None, help="repeats of the slow measurements (default 3)")
    p.add_argument("--conditions", type=int, default=None, help="conditions for section 4 (default 2000)")
    p.add_argument("--variants", type=int, default=None,
                   help="random parameter variants in section 6 (default 100,000; --quick 1,000)")
    p.add_argument("--trial-patients", type=int, default=None,
                   help="virtual patients on AMICI in section 11 (default 3,000; --quick 150; RoadRunner a third)")
    p.add_argument("--only", type=int, nargs="+", choices=range(1, 14), metavar="N",
                   help="run only these sections (1-13)")
    args = p.parse_args(argv)
    sections = set(args.only or range(1, 14))
    repeats = args.repeats or (1 if args.quick else 3)
    n = args.conditions or (200 if args.quick else 2000)
    n_variants = args.variants or (1000 if args.quick else 100_000)

    load_before = os.getloadavg()
    wall = time.perf_counter()
    model = js.load_model()
    checks: list[str] = []
    rows = []
    for number, section in [(1, lambda: one_time_course(model, repeats, checks)),
                            (2, lambda: dose_response(model, repeats, checks)),
                            (3, lambda: knockout_screen(repeats)),
                            (4, lambda: many(model, n, repeats, checks)),
                            (5, lambda: load_time(repeats)),
                            (6, lambda: engines(model, repeats, n_variants, checks)),
                            (7, lambda: sensitivity_throughput(args.quick, checks)),
                            (8, lambda: calibration_speed(args.quick, checks)),
                            (9, lambda: predictive_intervals(args.quick, repeats, checks)),
                            (10, lambda: drug_panel(args.quick, repeats, checks)),
                            (11, lambda: virtual_trial_speed(args.quick, args.trial_patients, checks)),
                            (12, lambda: exposure_sensitivity(args.quick, repeats, checks)),
                            (13, lambda: exposure_intervals(repeats, checks))]:
        if number in sections:
            rows += section()
    load_after = os.getloadavg()

    print("# jakstat-sbml benchmarks\n")
    for line in machine():
        print(line)
    print(f"load average (1 min) {load_before[0]:.2f} at start, {load_after[0]:.2f} at end; "
          f"{time.perf_counter() - wall:.0f} s in all; medians of {repeats} repeat(s) "
          f"(x20 for the fast single simulations)\n")
    print("| benchmark | wall time | CPU time | ratio (wall) | ratio (CPU) | target | met (wall / CPU) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        wall, cpu = (duration(r.timing.wall), duration(r.timing.cpu)) if r.timing else ("", "")
        print(f"| {r.what} | {wall} | {cpu} | {r.ratio_wall} | {r.ratio_cpu} | {r.target} | {r.met} |")
    print("\nChecks (the compared ways compute the same thing):")
    for c in checks:
        print(f"- {c}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
