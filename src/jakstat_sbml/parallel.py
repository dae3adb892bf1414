"""Run many conditions on one model: serially, in local processes, or on a Dask cluster.

The three give the same numbers, bit for bit: each worker rebuilds the caller's
model from a :class:`ModelRecipe` (the same SBML text, context and solver
options, restored from the caller's compiled RoadRunner state instead of being
compiled again), shipped once per worker, and runs the same code on it.
Conditions travel in chunks, grouped by genotype, so the per-task overhead stays
small and each worker's cache of unstimulated steady states is reused.

Results come back as one long DataFrame with a ``condition`` column (the position
in the input list) beside ``time`` and the readouts; ``df.attrs["conditions"]``
holds each condition as a dict.

A worker that dies loses nothing: Dask reschedules its chunks, and a broken local
pool is replaced and the chunks that had not come back run again (up to
``POOL_RESTARTS`` times, then a :class:`SimulationError` says how many were not run).
"""

from __future__ import annotations

import atexit
import hashlib
import math
import multiprocessing
import numbers
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from concurrent.futures import as_completed as futures_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalog
from .engines import DEFAULT_ENGINE, engine as engine_named, simulate
from .compiled import CompiledState, compiled_state, install_state
from .errors import InputError, JakStatError, SimulationError
from .model import Condition, Model

# Chunking: about this many chunks per worker (load balance, progress updates),
# never more conditions per chunk than MAX_CHUNK (a chunk is ~10 ms per condition).
CHUNKS_PER_WORKER = 8
MAX_CHUNK = 32
_WORKER_MODELS_KEPT = 4  # models a worker thread keeps between tasks (most recent)

Chunk = list[tuple[int, Condition]]


@dataclass(frozen=True)
class RunOptions:
    """How simulations run, the same four keywords on every function that simulates.

    - ``n_jobs``: 1 (this process), k local processes, or -1 (one per CPU);
    - ``client``: a ``dask.distributed.Client`` (instead of ``n_jobs``);
    - ``progress``: False, True (a Rich bar on stderr) or the caller's
      ``rich.progress.Progress`` (a task is added to it);
    - ``engine``: ``"roadrunner"`` or ``"amici"`` (:mod:`jakstat_sbml.engines`).

    Made and checked at the start of a call, so bad options fail before any work.
    """

    n_jobs: int = 1
    client: object = None
    progress: object = False
    engine: str = DEFAULT_ENGINE

    def __post_init__(self):
        _workers(self.n_jobs, self.client)
        if not (isinstance(self.progress, bool) or hasattr(self.progress, "add_task")):
            raise InputError("progress must be True, False or a rich.progress.Progress, got "
                             f"{self.progress!r}")
        engine_named(self.engine)

    @property
    def simulator(self):
        """The :class:`~jakstat_sbml.engines.Engine` these options name."""
        return engine_named(self.engine)

    def keywords(self) -> dict:
        """The four keywords, to pass on to another simulating function."""
        return {"n_jobs": self.n_jobs, "client": self.client, "progress": self.progress, "engine": self.engine}

    def quiet(self) -> RunOptions:
        """The same options without a progress display (for work inside a step that shows its own)."""
        return RunOptions(self.n_jobs, self.client, False, self.engine)


RUN_OPTIONS = ("n_jobs", "client", "progress", "engine")  # the keywords, in this order


def _conditions(conditions: Sequence[Condition | Mapping]) -> list[Condition]:
    """Validate every condition; an error says which one (by position) is bad."""
    out = []
    for i, c in enumerate(conditions):
        try:
            out.append(Condition.of(c))
        except JakStatError as exc:
            exc.args = (f"condition {i}: {exc}", *exc.args[1:])
            raise
    return out


def run(model: Model, conditions: Sequence[Condition | Mapping], *, readouts: Iterable[str] | None = None,
        n_jobs: int = 1, client=None, progress: bool = False, engine: str = DEFAULT_ENGINE) -> pd.DataFrame:
    """Simulate every condition; return one long DataFrame keyed by ``condition``.

    ``n_jobs=1`` runs in this process on ``model``; ``n_jobs>1`` (``-1``: one per
    CPU) in that many local processes, kept for the next call with the same model
    (:func:`close_worker_processes` ends them); ``client`` (a
    ``dask.distributed.Client``) on its cluster. Every way gives identical numbers.
    Starting processes costs a fraction of a second: worth it for more than a few
    dozen conditions. The processes import the script that starts them: in a script,
    a call with ``n_jobs>1`` goes under ``if __name__ == "__main__":``. ``progress=True`` shows a
    Rich progress bar on stderr; a ``rich.progress.Progress`` gets a task added.

    Columns: ``condition`` (position in ``conditions``), ``time`` (min), then the
    readouts (all of ``js.readouts()`` by default), never negative (solver noise
    around 0 is set to 0, see ``Model.run``). Every condition and readout is
    validated before the first simulation, so bad input fails early and nothing runs:
    a misspelt keyword in a mapping raises UnknownNameError with the nearest valid
    one, and ``readouts=[]`` an InputError. No conditions give an empty frame with
    the same columns (so code that filters a condition list needs no special case).

    ``engine="amici"`` simulates with AMICI (sparse solver, compiled once per machine;
    :mod:`jakstat_sbml.amici_engine`) instead of RoadRunner: the same conditions,
    readouts and pre-equilibrated start, results within solver tolerance of
    RoadRunner's (tests/test_amici_engine.py), several times faster per simulation.
    It needs the ``amici`` extra; without it the call says what to install.
    A condition with a dosing regimen (``regimen=``) runs like any other, on an
    engine that simulates dosing (:mod:`jakstat_sbml.engines`: both do).

    ``n_jobs``, ``client``, ``progress`` and ``engine`` are the run options every
    simulating function of the package takes, with these defaults (:class:`RunOptions`).
    """
    conds = _conditions(conditions)
    options = RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    for i, cond in enumerate(conds):
        try:
            options.simulator.check_condition(cond)
        except JakStatError as exc:
            exc.args = (f"condition {i}: {exc}", *exc.args[1:])
            raise
    if isinstance(readouts, str):
        readouts = [readouts]
    names = [catalog.readout(r).name for r in readouts] if readouts is not None else catalog.readouts()
    if not names:
        raise InputError("readouts must not be empty (None means every readout)")
    workers = _workers(n_jobs, client)
    results: list[np.ndarray | None] = [None] * len(conds)

    with _progress(progress, len(conds)) as advance:
        def done(part: list[tuple[int, np.ndarray]]) -> None:
            for i, data in part:
                results[i] = data
            advance(len(part))

        if client is None and workers == 1:
            for i, cond in enumerate(conds):
                done([(i, simulate(model, cond, names, engine))])
        elif conds:
            recipe = ModelRecipe.of(model)
            chunks = _chunks(conds, workers)
            if client is not None:
                _run_on_dask(client, recipe, chunks, names, engine, done)
            else:
                _run_in_processes(min(workers, len(chunks)), recipe, chunks, names, engine, done)
    return _frame(results, conds, names, model.context)


def _chunks(conds: Sequence[Condition], workers: int) -> list[Chunk]:
    """Split (index, condition) pairs into chunks, conditions of one genotype together."""
    by_genotype: dict[tuple, list[int]] = {}
    for i, c in enumerate(conds):
        by_genotype.setdefault(c.genotype(), []).append(i)
    order = [i for indices in by_genotype.values() for i in indices]
    size = max(1, min(MAX_CHUNK, math.ceil(len(order) / (workers * CHUNKS_PER_WORKER))))
    return [[(i, conds[i]) for i in order[k:k + size]] for k in range(0, len(order), size)]


# ----------------------------------------------------------------------------- the model on workers


@dataclass(frozen=True)
class ModelRecipe:
    """What a worker needs to rebuild the caller's model; pickled once per worker."""

    sbml: str = field(repr=False)
    path: str  # the caller's file: reused when a worker sees it with the same text
    context: str
    solver_options: tuple[tuple[str, float], ...]
    parameter_values: tuple[tuple[str, float], ...] = field(repr=False)  # checked after the rebuild
    compiled: CompiledState = field(repr=False)
    token: str = ""  # names this model in the workers' caches

    @classmethod
    def of(cls, model: Model) -> ModelRecipe:
        sbml = model.roadrunner.getSBML()  # the text the model was built from
        solver = tuple(sorted(model.solver_options.items()))
        values = tuple(sorted(model.parameter_values().items()))
        compiled = compiled_state(sbml)
        token = hashlib.sha256(repr((compiled.key, model.context, solver, values)).encode()).hexdigest()
        return cls(sbml, str(model.path), model.context, solver, values, compiled, token)

    def build(self) -> Model:
        """The caller's model, rebuilt in this process (compiled state restored, not recompiled)."""
        install_state(self.sbml, self.compiled)  # False on another machine type: compiles there
        model = Model(self._local_file(), context=self.context)
        model.set_solver_options(**dict(self.solver_options))
        if model.parameter_values() != dict(self.parameter_values):
            raise JakStatError(f"the model rebuilt on a worker from {self.path} does not have the "
                               "caller's parameter values; is jakstat_sbml the same version there?")
        return model

    def _local_file(self) -> Path:
        original = Path(self.path)
        try:
            if original.is_file() and original.read_text(encoding="utf-8") == self.sbml:
                return original
        except (OSError, UnicodeDecodeError):
            pass
        # Another machine, or the file changed since the caller loaded it: use a copy.
        folder = _scratch_dir() / self.token[:16]
        folder.mkdir(parents=True, exist_ok=True)
        copy = folder / original.name
        if not copy.exists():
            copy.write_text(self.sbml, encoding="utf-8")
        return copy


_local = threading.local()  # RoadRunner is not thread-safe: one model per worker thread
_scratch: list[Path] = []


def _worker_model(recipe: ModelRecipe) -> Model:
    """This worker thread's model for ``recipe``, built on first use and then kept."""
    models: dict[str, Model] = _local.__dict__.setdefault("models", {})
    model = models.pop(recipe.token, None) or recipe.build()
    models[recipe.token] = model  # most recently used last
    while len(models) > _WORKER_MODELS_KEPT:
        models.pop(next(iter(models)))
    return model


def _scratch_dir() -> Path:
    if not _scratch:
        _scratch.append(Path(tempfile.mkdtemp(prefix="jakstat-worker-")))
        atexit.register(shutil.rmtree, _scratch[0], ignore_errors=True)
    return _scratch[0]


def _run_chunk(recipe: ModelRecipe, chunk: Chunk, readouts: list[str],
               engine: str = DEFAULT_ENGINE) -> list[tuple[int, np.ndarray]]:
    """The task a worker runs: simulate one chunk on its copy of the model."""
    model = _worker_model(recipe)
    return [(i, simulate(model, cond, readouts, engine)) for i, cond in chunk]


def map_on_model(model: Model, function: Callable, tasks: Sequence[tuple], *, n_jobs: int = 1,
                 client=None) -> list:
    """``function(m, *task)`` for every task, where ``m`` is ``model`` or its copy on a
    worker; results in task order. The work that is not a list of conditions (a
    prediction that simulates a dosing regimen, say) runs where :func:`run` would run
    conditions, on the same worker models: serially on ``model`` (``n_jobs=1``), in the
    local processes :func:`run` keeps (``n_jobs>1``), or on a Dask cluster
    (``client``). ``function`` and the tasks must be picklable (a module-level
    function), and must leave the worker's model as they found it (simulate through its
    public methods). A worker that dies loses nothing, as in :func:`run`.
    """
    tasks = list(tasks)
    workers = _workers(n_jobs, client)
    if client is None and workers == 1:
        return [function(model, *task) for task in tasks]
    results: list = [None] * len(tasks)
    if not tasks:
        return results
    recipe = ModelRecipe.of(model)
    if client is not None:
        from .optional import require

        as_completed = require("distributed", "Dask scale-out (client=)").as_completed
        shipped = client.scatter(recipe, broadcast=True, hash=False)
        futures = {client.submit(_call_on_recipe, shipped, function, task, pure=False): i
                   for i, task in enumerate(tasks)}
        try:
            for f in as_completed(list(futures)):
                results[futures[f]] = f.result()
        except BaseException:
            client.cancel(list(futures))
            raise
        return results

    def finished(i: int, result) -> None:
        results[i] = result

    _complete(lambda: _executor(recipe, min(workers, len(tasks))), _call_installed,
              [(recipe.token, function, task) for task in tasks], finished, len, "task(s)")
    return results


def _call_on_recipe(recipe: ModelRecipe, function: Callable, task: tuple):
    return function(_worker_model(recipe), *task)


# ----------------------------------------------------------------------------- local processes

_process_recipes: dict[str, ModelRecipe] = {}  # in a worker process: the recipe it was started with


def _install_recipe(recipe: ModelRecipe) -> None:
    _process_recipes[recipe.token] = recipe


def _run_installed_chunk(token: str, chunk: Chunk, readouts: list[str],
                         engine: str = DEFAULT_ENGINE) -> list[tuple[int, np.ndarray]]:
    return _run_chunk(_process_recipes[token], chunk, readouts, engine)


def _call_installed(token: str, function: Callable, task: tuple):
    return function(_worker_model(_process_recipes[token]), *task)


def _process_context():
    # Not "fork": the caller may have threads (progress bar, Dask client, BLAS), and
    # forking those is unsafe. A fork server imports the package once, then forks
    # each worker from that clean process in milliseconds.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["jakstat_sbml.parallel", "roadrunner", "libsbml"])
        return ctx
    return multiprocessing.get_context("spawn")


@dataclass
class _Pool:
    token: str
    workers: int
    executor: ProcessPoolExecutor


# The last pool is kept for the next call with the same model and n_jobs: its
# workers already hold the rebuilt model and its steady states. Another model or
# n_jobs replaces it; close_worker_processes() ends it.
_pool: _Pool | None = None
_pool_lock = threading.Lock()


def close_worker_processes() -> None:
    """End the worker processes that ``run(..., n_jobs>1)`` keeps for its next call."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.executor.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(close_worker_processes)


def _executor(recipe: ModelRecipe, workers: int) -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is not None and (_pool.token, _pool.workers) == (recipe.token, workers):
            return _pool.executor
        if _pool is not None:
            _pool.executor.shutdown(wait=False, cancel_futures=True)
        # The recipe goes to each process once, through the initializer; tasks carry its token.
        executor = ProcessPoolExecutor(workers, mp_context=_process_context(),
                                       initializer=_install_recipe, initargs=(recipe,))
        _pool = _Pool(recipe.token, workers, executor)
        return executor


# A worker that dies (killed, out of memory) breaks the whole pool: the chunks that
# had not come back run again on a fresh pool, up to this many times.
POOL_RESTARTS = 2


def _forget_pool(executor: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is not None and _pool.executor is executor:
            _pool = None
    executor.shutdown(wait=False, cancel_futures=True)


def _run_in_processes(workers: int, recipe: ModelRecipe, chunks: list[Chunk], readouts: list[str], engine: str,
                      done: Callable) -> None:
    _complete(lambda: _executor(recipe, workers), _run_installed_chunk,
              [(recipe.token, chunk, readouts, engine) for chunk in chunks], lambda _, part: done(part),
              lambda n: sum(len(chunks[i]) for i in n), "condition(s)")


def map_in_processes(function: Callable, tasks: Sequence[tuple], *, n_jobs: int = -1,
                     done: Callable[[int, object], None] | None = None) -> list:
    """``function(*task)`` for every task, in local worker processes; results in task order.

    The package's one way to run work in processes (``run`` uses it for conditions,
    calibration for its starts): a fork server that imports the package once, and a
    worker that dies (killed, out of memory) loses nothing: the tasks that had not
    come back run again on a fresh pool, up to :data:`POOL_RESTARTS` times.
    ``function`` and the tasks must be picklable (a module-level function);
    ``done(index, result)`` is called as each task finishes. ``n_jobs=-1``: one
    process per CPU, never more than there are tasks.
    """
    tasks = list(tasks)
    workers = min(_workers(n_jobs, None), max(1, len(tasks)))
    results: list = [None] * len(tasks)

    def finished(i: int, result) -> None:
        results[i] = result
        if done is not None:
            done(i, result)

    if tasks:
        executors: list[ProcessPoolExecutor] = []

        def fresh() -> ProcessPoolExecutor:
            executors.append(ProcessPoolExecutor(workers, mp_context=_process_context()))
            return executors[-1]

        try:
            _complete(fresh, function, tasks, finished, len, "task(s)")
        finally:
            for executor in executors:
                executor.shutdown(wait=True, cancel_futures=True)
    return results


def _complete(executor: Callable[[], ProcessPoolExecutor], function: Callable, tasks: list[tuple],
              done: Callable[[int, object], None], size: Callable[[list[int]], int], what: str) -> None:
    """Submit every task to ``executor()``'s pool; after a worker death, the unfinished
    tasks again to a fresh pool. ``size`` counts what the unfinished tasks hold, for
    the error message."""
    remaining = list(range(len(tasks)))
    for _ in range(POOL_RESTARTS + 1):
        pool = executor()
        futures: dict = {}
        finished: set[int] = set()
        try:
            futures = {pool.submit(function, *tasks[i]): i for i in remaining}
            for f in futures_completed(futures):
                done(futures[f], f.result())
                finished.add(futures[f])
            return
        except BrokenProcessPool:
            _forget_pool(pool)
            remaining = [i for i in remaining if i not in finished]
        except BrokenPipeError as error:  # the fork server closed: a worker failed as it started
            _forget_pool(pool)
            raise SimulationError(_start_failure()) from error
        except BaseException:
            for f in futures:
                f.cancel()  # tasks already running finish in the background
            raise
    raise SimulationError(
        f"worker processes died on {POOL_RESTARTS + 1} attempt(s); {size(remaining)} {what} were not run. A "
        "process may be running out of memory, or one of them may crash the simulator: run them with n_jobs=1 to "
        f"find it{_script_hint()}.")


def _start_failure() -> str:
    """What to say when the worker processes could not start."""
    return ("the worker processes for n_jobs>1 could not start (a worker's own error is printed above)"
            + _script_hint() + "; n_jobs=1 runs in this process")


def _script_hint() -> str:
    """The usual cause of workers that fail as they start: a script that calls with n_jobs>1
    outside ``if __name__ == "__main__":``. Each worker imports the script, reaches the same
    call and stops with Python's bootstrapping error; the caller sees only a broken pipe
    (a large model to send) or a broken pool. Said only for a script without the guard."""
    import __main__

    script = getattr(__main__, "__file__", None)
    if not script:  # a notebook or `python -c`: nothing to say
        return ""
    try:
        text = Path(script).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    if re.search(r"__name__\s*==\s*['\"]__main__['\"]", text):  # guarded (the jakstat command is): another cause
        return ""
    return (f'; in a script ({script}), calls with n_jobs above 1 go under `if __name__ == "__main__":`, '
            "because each worker imports the script that starts it")


# ----------------------------------------------------------------------------- Dask


def _run_on_dask(client, recipe: ModelRecipe, chunks: list[Chunk], readouts: list[str], engine: str,
                 done: Callable) -> None:
    from .optional import require

    as_completed = require("distributed", "Dask scale-out (client=)").as_completed

    # Every worker gets the recipe once; a worker that replaces a dead one fetches it
    # from the others. Dask reschedules the chunks of a worker that dies.
    shipped = client.scatter(recipe, broadcast=True, hash=False)
    futures = [client.submit(_run_chunk, shipped, chunk, readouts, engine, pure=False) for chunk in chunks]
    try:
        for f in as_completed(futures):
            done(f.result())
    except BaseException:
        client.cancel(futures)
        raise


# ----------------------------------------------------------------------------- helpers


def _workers(n_jobs, client) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0 or n_jobs < -1:
        raise InputError(f"n_jobs must be a positive integer or -1 (one per CPU), got {n_jobs!r}")
    if client is not None:
        if n_jobs != 1:
            raise InputError("give either n_jobs (local processes) or client (a Dask cluster), not both")
        if not (hasattr(client, "submit") and hasattr(client, "scatter")):
            raise InputError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
        return max(1, sum(client.nthreads().values()))
    return (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)


@contextmanager
def progress_steps(progress, total: int, description: str = "simulating"):
    """Yield ``advance(n, description=None)``, which moves a progress display on by n
    steps (and renames the step when given a description): ``progress`` False (nothing
    shown), True (a Rich bar on stderr) or the caller's ``rich.progress.Progress`` (a
    task added to it). The one progress display of the package: :func:`run` and every
    other long piece of work show theirs with it."""
    with _progress(progress, total, description) as advance:
        yield advance


@contextmanager
def _progress(progress, total: int, description: str = "simulating"):
    if hasattr(progress, "add_task"):  # the caller's rich.progress.Progress
        task = progress.add_task(description, total=total)
        def advance(n, text=None):
            progress.advance(task, n)
            if text:
                progress.update(task, description=text)

        yield advance
        return
    if not progress:
        yield lambda n, text=None: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # stderr: stdout may carry the data (e.g. CSV from the command line)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True))
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n, text=None: bar.update(task, advance=n, **({"description": text} if text else {}))


def _frame(results: list[np.ndarray], conds: list[Condition], names: list[str], context: str) -> pd.DataFrame:
    columns = ["time", *names]
    if results:
        block = np.concatenate(results)
        rows = np.repeat(np.arange(len(results), dtype=np.int64), [len(r) for r in results])
    else:
        block = np.empty((0, len(columns)))
        rows = np.empty(0, dtype=np.int64)
    out = pd.DataFrame(block, columns=columns)
    out.insert(0, "condition", rows)
    out.attrs["conditions"] = [c.as_dict() for c in conds]
    out.attrs["context"] = context
    out.attrs["units"] = {"time": "min", **{r: catalog.READOUTS[r].unit for r in names}}
    return out


__all__ = ["RUN_OPTIONS", "ModelRecipe", "RunOptions", "close_worker_processes", "map_in_processes", "map_on_model", "progress_steps", "run"]
