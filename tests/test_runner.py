"""One runner (issue 25, item 2): an engine interface, one executor, the same run options
on every function that simulates, and a regimen as part of a condition.

Found by walking the package's public functions, so a new simulating function that
takes other options, or none, fails here.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml import engines
from jakstat_sbml.parallel import RUN_OPTIONS, RunOptions

from .conftest import REPO

SUBPACKAGES = ["dosing", "experiments", "regimens", "uncertainty", "potency", "calibration", "interop"]
RUN_DEFAULTS = {"n_jobs": 1, "client": None, "progress": False, "engine": engines.DEFAULT_ENGINE}

# Public functions that take a model (or simulate) but are not run through the runner, each
# with why. The walk fails on an entry that no longer exists, so this list cannot go stale.
NOT_RUNNERS = {
    "load_model": "loads and compiles a model; simulates nothing",
    "load_ensemble": "reads stored parameter sets",
    "export": "writes files of one condition; its start state is the model's own (Model.run)",
    "petab_problem": "builds a PEtab problem; simulates nothing",
}
# Calibration runs optimiser starts and one PEtab problem's conditions, not lists of
# conditions: it takes n_jobs and engine (checked below to have the runner's defaults) but
# no Dask client, and logs its own progress.
CALIBRATION = {"calibrate", "run_dataset", "petab_simulations"}


def _public_functions() -> dict[str, object]:
    found = {}
    modules = [js] + [importlib.import_module(f"jakstat_sbml.{name}") for name in SUBPACKAGES]
    for module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isfunction(obj) and not name.startswith("_"):
                found.setdefault(name, obj)
    return found


PUBLIC = _public_functions()


def _simulates(name: str, fn) -> bool:
    params = inspect.signature(fn).parameters
    return ("model" in params or "n_jobs" in params or "engine" in params) and name not in NOT_RUNNERS


RUNNERS = {name: fn for name, fn in PUBLIC.items() if _simulates(name, fn) and name not in CALIBRATION}


def test_the_walk_finds_the_simulating_functions():
    assert {"run", "dose_response", "cytokine_response", "knockout_screen", "combination", "exposure_response",
            "lowest_dose", "ensemble_band", "absent_pathways", "sensitivity", "validate_pharmacology"} <= set(RUNNERS)
    stale = set(NOT_RUNNERS) - set(PUBLIC)
    assert not stale, f"NOT_RUNNERS names functions that are not public any more: {stale}"


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_every_simulating_function_takes_the_same_run_options(name):
    params = inspect.signature(RUNNERS[name]).parameters
    missing = [k for k in RUN_OPTIONS if k not in params]
    assert not missing, f"{name} lacks the run option(s) {missing}"
    assert {k: params[k].default for k in RUN_OPTIONS} == RUN_DEFAULTS, name
    assert all(params[k].kind is inspect.Parameter.KEYWORD_ONLY for k in RUN_OPTIONS), name
    # the same declared types everywhere (progress: True, False or a rich Progress; never None or a callable)
    annotations = {k: str(params[k].annotation) for k in RUN_OPTIONS}
    assert annotations == {"n_jobs": "int", "client": str(inspect.Parameter.empty), "progress": "bool",
                           "engine": "str"}, name


@pytest.mark.parametrize("name", sorted(CALIBRATION & set(PUBLIC)))
def test_calibration_takes_the_runner_defaults_for_what_it_takes(name):
    params = inspect.signature(PUBLIC[name]).parameters
    for k in ("n_jobs", "engine"):
        if k in params:
            assert params[k].default == RUN_DEFAULTS[k], (name, k)


def test_bad_run_options_fail_before_any_work(ctcl):
    with pytest.raises(js.InputError, match="n_jobs"):
        RunOptions(n_jobs=0)
    with pytest.raises(js.InputError, match="progress"):
        RunOptions(progress=lambda n: None)
    with pytest.raises(js.UnknownNameError, match="engine"):
        js.ensemble_band(js.load_model(context="hepatocyte"), "pSTAT3", cytokines={"IL6": 1}, engine="copasi")
    with pytest.raises(js.UnknownNameError, match="engine"):
        js.exposure_response(ctcl, js.regimen("ruxolitinib", 20, days=1), ["IL6"], engine="roadrunnr")
    with pytest.raises(js.InputError, match="progress"):
        js.validate_pharmacology(progress=print)


# ----------------------------------------------------------------------------- engines


def _engine_name_comparisons(path: Path) -> list[str]:
    """Comparisons of a value with an engine's name (``engine == "amici"``) in one file."""
    names = set(engines.ENGINES)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Constant) and s.value in names for s in sides):
                where = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
                out.append(f"{where}:{node.lineno}")
    return out


def test_no_engine_name_branching_outside_the_engine_modules():
    """Code asks an engine what it can do (``sensitivities``, ``dosing``), never its name."""
    allowed = {"engines.py", "amici_engine.py"}
    found = [hit for path in sorted((REPO / "src" / "jakstat_sbml").rglob("*.py")) if path.name not in allowed
             for hit in _engine_name_comparisons(path)]
    assert found == []


def test_the_branch_finder_finds_a_branch(tmp_path):
    """The check above could not fail if the finder never found anything."""
    probe = tmp_path / "probe_engine_branch.py"  # never written into the source tree the other tests read
    probe.write_text('def f(engine):\n    return 1 if engine == "amici" else 2\n', encoding="utf-8")
    assert _engine_name_comparisons(probe) == ["probe_engine_branch.py:2"]


def test_every_engine_declares_what_it_can_do():
    for name, engine in engines.ENGINES.items():
        assert engine.name == name
        assert isinstance(engine.sensitivities, bool) and isinstance(engine.dosing, bool)
    assert engines.ENGINES[engines.DEFAULT_ENGINE].dosing
    assert engines.ENGINES[engines.DOSING_ENGINE].dosing


# ----------------------------------------------------------------------------- regimens as conditions


@pytest.fixture(scope="module")
def regimen_conditions():
    rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
    return [js.Condition.make(cytokines={"IL6": "40 ng/mL"}, regimen=rux),
            js.Condition.make(cytokines={"IL6": "40 ng/mL"}, t_end=120),
            js.Condition.make(cytokines={"IL2": "1 ng/mL"}, regimen=rux, knockouts=["SOCS3"])]


def test_a_regimen_is_part_of_a_condition_and_runs_through_js_run(ctcl, regimen_conditions):
    frame = js.run(ctcl, regimen_conditions, readouts=["pSTAT3", "pSTAT5"])
    for i, cond in enumerate(regimen_conditions):
        part = frame[frame.condition == i].drop(columns="condition").reset_index(drop=True)
        alone = ctcl.run(cond, readouts=["pSTAT3", "pSTAT5"])[["time", "pSTAT3", "pSTAT5"]]
        pd.testing.assert_frame_equal(part, alone, check_exact=True)
    # the regimen condition spans the whole regimen (24 h, a point per 10 min) by default
    assert regimen_conditions[0].t_end == 24 * 60 and regimen_conditions[0].points == 145
    # and it is not the constant-drug-free run: ruxolitinib lowers IL-6's pSTAT3 at 1 h
    drugged = frame[(frame.condition == 0) & (frame.time == 60)].pSTAT3.item()
    free = frame[(frame.condition == 1) & (frame.time == 60)].pSTAT3.item()
    assert drugged < 0.9 * free


def test_model_simulate_with_a_regimen_is_the_condition(ctcl, regimen_conditions):
    rux = regimen_conditions[0].regimens
    df = ctcl.simulate(cytokines={"IL6": "40 ng/mL"}, regimen=rux[0], readouts=["pSTAT3"])
    pd.testing.assert_frame_equal(df, ctcl.run(regimen_conditions[0], readouts=["pSTAT3"]), check_exact=True)
    assert {"plasma_ruxolitinib", "free_ruxolitinib"} <= set(df.columns)
    assert df.attrs["condition"]["regimens"][0]["drug"] == "ruxolitinib"


def test_regimen_conditions_run_identically_in_processes(ctcl, regimen_conditions):
    serial = js.run(ctcl, regimen_conditions, readouts=["pSTAT3"])
    parallel = js.run(ctcl, regimen_conditions, readouts=["pSTAT3"], n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)


def test_an_engine_without_dosing_refuses_a_regimen_before_any_work(ctcl, regimen_conditions, monkeypatch):
    # Both engines simulate dosing now (AMICI since issue 24; tests/test_amici_engine.py
    # compares it with RoadRunner): the refusal is what a third engine without it gets.
    without = dataclasses.replace(engines.ENGINES["amici"], name="no_dosing", dosing=False)
    monkeypatch.setitem(engines.ENGINES, "no_dosing", without)
    with pytest.raises(js.InputError, match="condition 0: engine='no_dosing' cannot simulate dosing regimens.*"
                                            "'roadrunner', 'amici'"):
        js.run(ctcl, regimen_conditions, engine="no_dosing")
    with pytest.raises(js.InputError, match="continuous stimulation simulates the dosing events"):
        js.exposure_response(ctcl, js.regimen("ruxolitinib", 20, days=1), ["IL6"], engine="no_dosing")
    with pytest.raises(js.InputError, match="continuous stimulation simulates the dosing events"):
        js.virtual_trial(ctcl, js.regimen("ruxolitinib", 20, days=1), 2, ["IL2"], stimulation="continuous",
                         engine="no_dosing")


def test_bad_regimens_in_a_condition_get_clear_errors():
    rux = js.regimen("ruxolitinib", 20, days=1)
    with pytest.raises(js.InputError, match="regimen= takes a js.regimen"):
        js.Condition.make(regimen="ruxolitinib 20 mg")
    with pytest.raises(js.InputError, match="one regimen per drug"):
        js.Condition.make(regimen=[rux, js.regimen("ruxolitinib", 10, days=1)])
    with pytest.raises(js.InputError, match="both as a constant dose"):
        js.Condition.make(drugs={"ruxolitinib": 100}, regimen=rux)


def test_exposure_response_runs_the_same_in_processes(ctcl):
    rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", js.JakStatWarning)  # one day is not a steady state: flagged, not the subject
        serial = js.exposure_response(ctcl, rux, ["IL6", "IL2"])
        parallel = js.exposure_response(ctcl, rux, ["IL6", "IL2"], n_jobs=2)
    pd.testing.assert_frame_equal(serial.table, parallel.table, check_exact=True)
    pd.testing.assert_frame_equal(serial.time_courses, parallel.time_courses, check_exact=True)
    # the plasma columns are the regimen's closed form, which its dose events reproduce
    course = serial.time_courses[serial.time_courses.cytokine == "IL6"]
    simulated = ctcl.simulate(cytokines={"IL6": js.catalog.CYTOKINES["IL6"].standard_dose}, regimen=rux,
                              points=len(course), readouts=["pSTAT3"])
    np.testing.assert_allclose(course["plasma_ruxolitinib"], simulated["plasma_ruxolitinib"], rtol=1e-4, atol=1e-6)
