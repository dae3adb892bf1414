"""Many conditions at once: serial, local processes and a real Dask cluster give the
same numbers bit for bit, a dying worker (Dask or local) loses nothing, and compiled models
are cached on disk (and rebuilt when the cache is damaged)."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
import roadrunner
from distributed import Client, LocalCluster

import jakstat_sbml as js
from jakstat_sbml import catalog, compiled, parallel

from .conftest import standard

READOUTS = ["pSTAT1", "pSTAT3", "pSTAT5", "SOCS3_mRNA"]


def varied_conditions() -> list[js.Condition]:
    """Every kind of perturbation, repeated genotypes, and different time grids."""
    make = js.Condition.make
    conds = [make(cytokines=standard(c)) for c in js.cytokines()]
    conds += [make(cytokines=standard(c), knockouts=["SOCS3"]) for c in ("IL6", "IFNG", "IL2")]
    conds += [
        make(cytokines=standard("IL6"), drugs={"ruxolitinib": d}, preincubation=30, t_end=60) for d in (10, 300)
    ]
    conds += [
        make(cytokines=standard("IL2"), drugs={"tofacitinib": 100}, mutations={"JAK3_A572V": 1.0}, t_end=30),
        make(cytokines=standard("IFNG"), overexpress={"PIAS1": 5.0}, points=13),
        make(cytokines=standard("IL4"), knockouts=["JAK3", "PTPN1"], t_end=200, points=41),
        make(),  # no cytokine
        make(cytokines=standard("IL12"), parameters={"JAK2_total": 2 * catalog.parameter_table()["JAK2_total"].value}),
        make(cytokines=standard("IL2")),  # the same condition twice
    ]
    return conds


@pytest.fixture(scope="module")
def conditions():
    return varied_conditions()


@pytest.fixture(scope="module")
def serial(ctcl, conditions):
    return js.run(ctcl, conditions, readouts=READOUTS)


def assert_same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert a["condition"].dtype == b["condition"].dtype
    # bit for bit, not approximately
    assert np.array_equal(a.to_numpy(), b.to_numpy())
    assert a.attrs["conditions"] == b.attrs["conditions"]


# ----------------------------------------------------------------------------- serial


def test_serial_result_is_one_long_frame_keyed_by_condition(ctcl, conditions, serial):
    assert list(serial.columns) == ["condition", "time", *READOUTS]
    assert serial["condition"].unique().tolist() == list(range(len(conditions)))
    for i, cond in enumerate(conditions):
        rows = serial[serial["condition"] == i]
        alone = ctcl.run(cond, readouts=READOUTS)
        assert np.array_equal(rows.drop(columns="condition").to_numpy(), alone.to_numpy())
    assert serial.attrs["conditions"][9] == conditions[9].as_dict()
    assert serial.attrs["context"] == "ctcl"


def test_mappings_are_accepted_and_validated_before_anything_runs(ctcl):
    df = js.run(ctcl, [{"cytokines": {"IL6": "40 ng/mL"}, "t_end": 10}], readouts=["pSTAT3"])
    assert df["time"].iloc[-1] == 10
    with pytest.raises(js.UnknownNameError, match="JAK1"):
        js.run(ctcl, [{"cytokines": {"IL6": 1.0}}, {"knockouts": ["JAK11"]}])
    with pytest.raises(js.UnknownNameError, match="pSTAT3"):
        js.run(ctcl, [{"cytokines": {"IL6": 1.0}}], readouts=["pSTAT33"])
    for bad in (0, -2, 1.5, True):
        with pytest.raises(js.InputError, match="n_jobs"):
            js.run(ctcl, [{}], n_jobs=bad)


def test_no_conditions_give_an_empty_frame_with_the_columns(ctcl):
    """Zero conditions are zero rows, not an error: code that filters a list of
    conditions needs no special case, and the frame has the usual columns and types."""
    for kwargs in ({"n_jobs": 2}, {}, {"progress": True}):
        df = js.run(ctcl, [], readouts=READOUTS, **kwargs)
        assert df.empty and list(df.columns) == ["condition", "time", *READOUTS]
        assert df["condition"].dtype == np.int64 and all(df[c].dtype == float for c in ["time", *READOUTS])
        assert df.attrs["conditions"] == [] and df.attrs["units"]["pSTAT3"] == "nM"
    everything = js.run(ctcl, iter([]))  # any iterable, all readouts
    assert list(everything.columns) == ["condition", "time", *js.readouts()]
    assert everything.groupby("condition")["pSTAT3"].max().empty  # the usual follow-up works


def test_no_readouts_is_an_error_not_an_empty_result(ctcl):
    """readouts=[] used to give frames with nothing but time; it is a mistake, said so."""
    for call in (lambda: js.run(ctcl, [{"cytokines": {"IL6": 1.0}}], readouts=[]),
                 lambda: js.run(ctcl, [], readouts=()),
                 lambda: ctcl.run({"cytokines": {"IL6": 1.0}}, readouts=[]),
                 lambda: ctcl.simulate(cytokines={"IL6": 1.0}, readouts=[])):
        with pytest.raises(js.InputError, match=r"^readouts must not be empty \(None means every readout\)$"):
            call()


def test_batch_results_are_never_negative_in_any_way_of_running(ctcl):
    """Solver noise below zero (-4e-21 nM in the default IL-6 run) is 0 in js.run's
    frame too, identically in this process and in worker processes."""
    conds = [{"cytokines": {"IL6": "40 ng/mL"}}, {"cytokines": standard("IFNG"), "knockouts": ["SOCS1"]}]
    serial = js.run(ctcl, conds)
    assert serial.drop(columns="condition").to_numpy().min() >= 0
    parallel_ = js.run(ctcl, conds, n_jobs=2)
    np.testing.assert_array_equal(parallel_.to_numpy(), serial.to_numpy())


def test_progress_bar_counts_every_condition(ctcl, capsys):
    js.run(ctcl, [{"cytokines": {"IL6": 1.0}, "t_end": 5}] * 3, readouts=["pSTAT3"], progress=True)
    err = capsys.readouterr().err
    assert "simulating" in err and "3/3" in err


# ----------------------------------------------------------------------------- local processes


def test_local_processes_match_serial_exactly(ctcl, conditions, serial):
    assert_same_frame(js.run(ctcl, conditions, readouts=READOUTS, n_jobs=2), serial)
    # again on the kept workers (model and steady states cached there), then on new ones
    assert_same_frame(js.run(ctcl, conditions, readouts=READOUTS, n_jobs=2), serial)
    parallel.close_worker_processes()
    assert_same_frame(js.run(ctcl, conditions[::-1], readouts=READOUTS, n_jobs=2),
                      js.run(ctcl, conditions[::-1], readouts=READOUTS))


def test_processes_use_the_callers_context_solver_options_and_sbml_text(tmp_path):
    # A user's SBML file, another context and other solver options: workers must
    # rebuild exactly this model, even after the file on disk has changed.
    path = tmp_path / "my_model.xml"
    shutil.copy(catalog.bundled_sbml_path(), path)
    model = js.load_model(path, context="hepatocyte")
    model.set_solver_options(relative_tolerance=1e-8)
    conds = [js.Condition.make(cytokines=standard(c), t_end=60) for c in ("IL6", "IFNG", "IL2", "IL12")]
    serial = js.run(model, conds, readouts=READOUTS)
    path.write_text("<sbml>not the model any more</sbml>", encoding="utf-8")
    parallel = js.run(model, conds, readouts=READOUTS, n_jobs=2)
    assert_same_frame(parallel, serial)
    assert parallel.attrs["context"] == "hepatocyte"
    # The options matter, so matching above means the workers used them.
    model.set_solver_options(relative_tolerance=1e-6)
    assert not np.array_equal(js.run(model, conds, readouts=READOUTS).to_numpy(), serial.to_numpy())


# ----------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def test_dask_cluster_matches_serial_exactly(ctcl, conditions, serial, dask_client):
    assert_same_frame(js.run(ctcl, conditions, readouts=READOUTS, client=dask_client), serial)
    with pytest.raises(js.InputError, match="not both"):
        js.run(ctcl, conditions, client=dask_client, n_jobs=2)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_map_on_model_runs_a_function_on_the_workers_models_with_the_serial_result(ctcl, engine, request):
    # work that is not one list of conditions (here a whole regimen's steady-state
    # summary): the same numbers, bit for bit, wherever it runs, in task order
    from jakstat_sbml.dosing.exposure import steady_state_inhibition

    tasks = [(js.regimen("ruxolitinib", f"{mg} mg", every="12 h", days=1), "IL6") for mg in (5, 20, 50)]
    serial = parallel.map_on_model(ctcl, steady_state_inhibition, tasks)
    kw = {"n_jobs": 2} if engine == "processes" else {"client": request.getfixturevalue("dask_client")}
    assert parallel.map_on_model(ctcl, steady_state_inhibition, tasks, **kw) == serial
    means = [row["mean_inhibition"] for row, _ in serial]
    assert means[0] < means[1] < means[2]  # each task's own regimen reached the workers


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_a_solver_failure_on_a_worker_reaches_the_caller_with_its_message(engine, request):
    model = js.load_model()
    model.set_solver_options(maximum_steps=3)  # too few steps for any time course
    conds = [js.Condition.make(cytokines=standard("IL6"), knockouts=["SOCS3"])] * 4
    with pytest.raises(js.SimulationError) as serial:
        js.run(model, conds, readouts=READOUTS)
    kw = {"n_jobs": 2} if engine == "processes" else {"client": request.getfixturevalue("dask_client")}
    with pytest.raises(js.SimulationError) as parallel:
        js.run(model, conds, readouts=READOUTS, **kw)
    assert str(parallel.value) == str(serial.value)
    assert "SOCS3 KO" in str(parallel.value)


class ChunkRecorder:
    """Stands in for a rich Progress: records how many conditions have finished."""

    def __init__(self):
        self.finished = 0

    def add_task(self, description, total):
        return 0

    def advance(self, task, n):
        self.finished += n


def test_dask_worker_killed_mid_run_still_yields_every_result(ctcl, dask_client):
    conds = [js.Condition.make(cytokines=standard(c), drugs={"ruxolitinib": d}, preincubation=10)
             for c in js.cytokines() for d in np.logspace(0, 4, 18)]
    expected = js.run(ctcl, conds, readouts=READOUTS)
    pids = dask_client.run(os.getpid)  # worker address -> process id
    recorder = ChunkRecorder()
    killed = {}

    def kill_a_busy_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = {w: tasks for w, tasks in dask_client.processing().items() if tasks}
            if recorder.finished and busy:  # mid-run: results came back, chunks still running
                worker, tasks = next(iter(busy.items()))
                killed.update(worker=worker, in_flight=len(tasks), finished=recorder.finished)
                os.kill(pids[worker], signal.SIGKILL)
                return
            time.sleep(0.002)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    df = js.run(ctcl, conds, readouts=READOUTS, client=dask_client, progress=recorder)
    killer.join()
    assert killed["in_flight"] > 0 and 0 < killed["finished"] < len(conds)
    assert recorder.finished == len(conds)
    assert_same_frame(df, expected)
    dask_client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


def _kill_a_local_worker_mid_run(recorder: "ChunkRecorder", killed: dict) -> threading.Thread:
    """Once results have come back and the pool is running, SIGKILL one of its workers."""

    def kill():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pool = parallel._pool
            pids = list(pool.executor._processes) if pool is not None and pool.executor._processes else []
            if recorder.finished and pids:
                killed.update(pid=pids[0], finished=recorder.finished)
                os.kill(pids[0], signal.SIGKILL)
                return
            time.sleep(0.002)

    thread = threading.Thread(target=kill)
    thread.start()
    return thread


def _many_conditions():
    return [js.Condition.make(cytokines=standard(c), drugs={"ruxolitinib": d}, preincubation=10)
            for c in js.cytokines() for d in np.logspace(0, 4, 18)]


def test_local_worker_killed_mid_run_still_yields_every_result(ctcl):
    # The chunks of the broken pool that had not come back run again on a fresh one.
    conds = _many_conditions()
    expected = js.run(ctcl, conds, readouts=READOUTS)
    parallel.close_worker_processes()
    recorder, killed = ChunkRecorder(), {}
    killer = _kill_a_local_worker_mid_run(recorder, killed)
    df = js.run(ctcl, conds, readouts=READOUTS, n_jobs=2, progress=recorder)
    killer.join()
    assert 0 < killed["finished"] < len(conds)
    assert recorder.finished == len(conds)
    assert_same_frame(df, expected)


def test_workers_that_keep_dying_raise_a_clear_error_and_the_next_run_is_whole(ctcl, monkeypatch):
    conds = _many_conditions()
    parallel.close_worker_processes()
    monkeypatch.setattr(parallel, "POOL_RESTARTS", 0)
    recorder, killed = ChunkRecorder(), {}
    killer = _kill_a_local_worker_mid_run(recorder, killed)
    with pytest.raises(js.SimulationError) as err:
        js.run(ctcl, conds, readouts=READOUTS, n_jobs=2, progress=recorder)
    killer.join()
    assert str(err.value).startswith("worker processes died on 1 attempt(s); ")
    assert "run them with n_jobs=1 to find it" in str(err.value)
    monkeypatch.undo()
    assert_same_frame(js.run(ctcl, conds[:20], readouts=READOUTS, n_jobs=2),
                      js.run(ctcl, conds[:20], readouts=READOUTS))


def _square_unless_first_time(x: int, marker: str) -> int:
    """Dies (the whole worker process) the first time it sees 3; a worker run in a
    pool elsewhere cannot be killed from the test, so it kills itself."""
    if x == 3 and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return x * x


def test_the_public_process_pool_survives_a_dead_worker_and_keeps_task_order(tmp_path):
    """Calibration's starts run through parallel.map_in_processes: a worker that dies
    must cost nothing but time (issue 14: calibration had its own pool without this)."""
    marker = str(tmp_path / "died")
    seen = []
    results = parallel.map_in_processes(_square_unless_first_time, [(x, marker) for x in range(8)], n_jobs=2,
                                        done=lambda i, r: seen.append(i))
    assert os.path.exists(marker)  # a worker did die
    assert results == [x * x for x in range(8)]
    assert sorted(seen) == list(range(8))



@pytest.mark.parametrize("call", [
    # a model to send (megabytes): the worker fails before reading it, the caller's write breaks
    "js.run(js.load_model(), [js.Condition.make(cytokines={'IL6': 1.0}, t_end=10)] * 2, readouts=['pSTAT3'], "
    "n_jobs=2)",
    # small tasks: the pool breaks, three times
    "parallel.map_in_processes(abs, [(-1,), (-2,)], n_jobs=2)",
])
def test_a_script_without_the_main_guard_is_told_to_add_it(tmp_path, call):
    """Python's rule for its process pools (docs/python.md): a script calling with n_jobs>1
    outside `if __name__ == "__main__":` fails, because each worker imports the script and
    reaches the same call. The caller used to end on a bare `BrokenPipeError` (or on
    "running out of memory", after three attempts); its last line now says what to do."""
    script = tmp_path / "unguarded.py"
    script.write_text(f"import jakstat_sbml as js\nfrom jakstat_sbml import parallel\n{call}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    last = [line for line in result.stderr.splitlines() if line.startswith("jakstat_sbml.errors.")][-1]
    assert last.startswith("jakstat_sbml.errors.SimulationError: ")
    assert f'in a script ({script}), calls with n_jobs above 1 go under `if __name__ == "__main__":`' in last


# ----------------------------------------------------------------------------- compiled-model cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory of its own, and a count of real compilations."""
    monkeypatch.setenv(compiled.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    compiled.clear_cache()
    compilations = []

    class CountingRoadRunner(roadrunner.RoadRunner):
        def __init__(self, *args, **kwargs):
            if args:  # RoadRunner(sbml) compiles; RoadRunner() is an empty shell to restore into
                compilations.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(roadrunner, "RoadRunner", CountingRoadRunner)
    yield compilations
    compiled.clear_cache()  # also forgets states kept in memory for want of a cache directory


def reference_run(model) -> np.ndarray:
    return model.simulate(cytokines=standard("IL6"), knockouts=["SOCS3"], t_end=60).to_numpy()


def test_second_load_uses_the_cache_and_gives_identical_results(cache):
    first = js.load_model()
    assert len(cache) == 1
    entry = compiled.entry_path(catalog.bundled_sbml_path().read_text(encoding="utf-8"))
    assert entry.is_file() and entry.parent == compiled.cache_dir()
    second = js.load_model()
    assert len(cache) == 1  # restored, not compiled
    assert np.array_equal(reference_run(first), reference_run(second))


def corrupt(entry, how):
    data = entry.read_bytes()
    if how == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif how == "flipped bytes":
        b = bytearray(data)
        for i in range(len(b) // 3, len(b), 4099):
            b[i] ^= 0xFF
        entry.write_bytes(bytes(b))
    elif how == "not a cache file":
        entry.write_text("hello", encoding="utf-8")
    elif how == "another model's entry":
        other = catalog.bundled_sbml_path().read_text(encoding="utf-8") + "\n<!-- another model -->\n"
        compiled.load_roadrunner(other)
        shutil.copy(compiled.entry_path(other), entry)


@pytest.mark.parametrize("how", ["truncated", "flipped bytes", "not a cache file", "another model's entry"])
def test_damaged_cache_entry_is_ignored_and_rebuilt(cache, how):
    sbml = catalog.bundled_sbml_path().read_text(encoding="utf-8")
    expected = reference_run(js.load_model())
    entry = compiled.entry_path(sbml)
    corrupt(entry, how)
    compiles_before = len(cache)
    model = js.load_model()
    assert len(cache) == compiles_before + 1  # rebuilt
    assert np.array_equal(reference_run(model), expected)
    js.load_model()
    assert len(cache) == compiles_before + 1  # and the rebuilt entry is good


def test_unwritable_cache_directory_only_costs_speed(cache, tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(compiled.CACHE_DIR_VARIABLE, str(blocker / "cache"))
    expected = reference_run(js.load_model())
    assert np.array_equal(reference_run(js.load_model()), expected)
    assert not (blocker / "cache").exists()
