"""The second engine (AMICI, ``engine="amici"``) computes what RoadRunner computes.

Agreement bound: every readout of every condition within 1e-5 of that readout's
peak in the condition, plus 1e-9 nM (the noise floor of Model.run). Both engines
run CVODE at the model's tolerances (relative 1e-7); RoadRunner's results are
within 1.4e-6 of a converged solution (tests/test_solver.py), so two engines each
that close cannot differ by much more. Measured over 150 random conditions of the
strategy below, all contexts: worst 3.7e-6 of peak, and 1e-11 nM on readouts that
stay near 0.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings

import jakstat_sbml as js
from jakstat_sbml import amici_engine, catalog

from .test_properties import conditions

RELATIVE_BOUND = 1e-5  # of each readout's peak in the condition
ABSOLUTE_BOUND = 1e-9  # nM

pytestmark = pytest.mark.filterwarnings("ignore:dose of .*the bare number:jakstat_sbml.errors.JakStatWarning")

_models: dict[str, js.Model] = {}


def model_for(context: str, ctcl, hepatocyte) -> js.Model:
    preloaded = {"ctcl": ctcl, "hepatocyte": hepatocyte}
    if context in preloaded:
        return preloaded[context]
    return _models.setdefault(context, js.load_model(context=context))


def assert_agree(amici: np.ndarray, roadrunner: np.ndarray, label: str) -> None:
    np.testing.assert_array_equal(amici[:, 0], roadrunner[:, 0])  # condition
    np.testing.assert_allclose(amici[:, 1], roadrunner[:, 1], rtol=1e-14, atol=0)  # times (RoadRunner's own rounding)
    a, r = amici[:, 2:], roadrunner[:, 2:]
    allowed = RELATIVE_BOUND * np.abs(r).max(axis=0) + ABSOLUTE_BOUND
    excess = np.abs(a - r) - allowed
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    assert excess.max() <= 0, (f"[{label}] readout {worst[1]}: AMICI {a[worst]:.6g} vs RoadRunner {r[worst]:.6g} "
                               f"(allowed difference {allowed[worst[1]]:.3g})")


@settings(max_examples=100)
@given(conditions())
def test_both_engines_agree_on_random_conditions(ctcl, hepatocyte, case):
    context, cond = case
    model = model_for(context, ctcl, hepatocyte)
    try:
        roadrunner = js.run(model, [cond]).to_numpy()
    except js.SimulationError:
        with pytest.raises(js.SimulationError):  # a condition one engine cannot run, neither can the other
            js.run(model, [cond], engine="amici")
        return
    assert_agree(js.run(model, [cond], engine="amici").to_numpy(), roadrunner, f"{context}: {cond.label()}")


def test_same_frame_shape_and_attributes_as_roadrunner(ctcl):
    conds = [js.Condition.make(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 300}, t_end=60),
             js.Condition.make(cytokines={"IFNA": 1}, knockouts=["SOCS1"], t_end=30, points=4)]
    rr = js.run(ctcl, conds, readouts=["pSTAT3", "pSTAT1"])
    am = js.run(ctcl, conds, readouts=["pSTAT3", "pSTAT1"], engine="amici")
    assert list(am.columns) == list(rr.columns) and am.attrs == rr.attrs
    assert_agree(am.to_numpy(), rr.to_numpy(), "two conditions")


def test_local_processes_give_the_serial_numbers_bit_for_bit(ctcl):
    conds = [js.Condition.make(cytokines={c: catalog.CYTOKINES[c].standard_dose}, knockouts=[g] if g else None,
                               t_end=60) for c in ("IL6", "IL2", "IFNG") for g in (None, "SOCS3", "JAK1")]
    serial = js.run(ctcl, conds, engine="amici")
    parallel = js.run(ctcl, conds, engine="amici", n_jobs=2)
    np.testing.assert_array_equal(parallel.to_numpy(), serial.to_numpy())


def test_steady_states_are_cached_per_genotype_and_bounded(ctcl):
    sim = amici_engine.simulator(ctcl)
    sim.steady_states.clear()
    conds = [js.Condition.make(cytokines={"IL6": d}, knockouts=["SOCS3"], t_end=10) for d in (0.1, 1.0, 10.0)]
    js.run(ctcl, conds, engine="amici")
    assert len(sim.steady_states) == 1 and sim.steady_states.hits >= 2
    assert sim.steady_states.limit == ctcl.steady_states.limit  # follows the model's limit


def test_solver_option_changes_reach_the_amici_engine(ctcl):
    cond = js.Condition.make(cytokines={"IL6": 1000}, knockouts=["SOCS3"], t_end=2880, points=3)
    before = js.run(ctcl, [cond], engine="amici").to_numpy()
    steps = ctcl.solver_options["maximum_steps"]
    try:
        ctcl.set_solver_options(maximum_steps=5)
        with pytest.raises(js.SimulationError, match=r"AMICI failed .*maximum_steps=50\)"):
            js.run(ctcl, [cond], engine="amici")
    finally:
        ctcl.set_solver_options(maximum_steps=steps)
    np.testing.assert_array_equal(js.run(ctcl, [cond], engine="amici").to_numpy(), before)


def test_an_unknown_engine_is_named(ctcl):
    with pytest.raises(js.UnknownNameError, match="unknown engine 'amicci'; did you mean 'amici'"):
        js.run(ctcl, [js.Condition()], engine="amicci")


def test_without_amici_the_keyword_says_what_to_install(ctcl):
    # a Python in which amici cannot be imported (as after a plain `pip install jakstat-sbml`)
    code = ("import sys; sys.modules['amici'] = None\n"
            "import jakstat_sbml as js\n"
            "try:\n    js.run(js.load_model(), [js.Condition()], engine='amici')\n"
            "except js.JakStatError as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("MissingDependencyError engine=\"amici\" needs the optional package amici")
    assert 'pip install "jakstat-sbml[amici]"' in out and "libopenblas-dev" in out
    # RoadRunner, the default, works without it
    code = code.replace(", engine='amici'", "").replace("except", "    print('ran')\nexcept")
    assert "ran" in subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_calibration_objective_is_the_same_on_both_engines():
    # the Raia 2011 problem at its start values: chi2 on AMICI within 1e-5 (relative) of
    # RoadRunner's (measured 6e-9; Sobotta 2017: 4e-7), so a fit on either engine sees the same surface
    from jakstat_sbml.calibration.objective import Objective

    rr = Objective("Raia_CancerResearch2011")
    am = Objective("Raia_CancerResearch2011", engine="amici")
    x = rr.start()
    assert am.fit(x).chi2 == pytest.approx(rr.fit(x).chi2, rel=1e-5)
    np.testing.assert_allclose(am.residuals(x), rr.residuals(x), rtol=1e-4, atol=1e-6)


def test_compiled_module_is_cached_and_a_broken_entry_rebuilt(tmp_path):
    # a cache entry that does not import (here: a package whose extension is garbage) is
    # compiled again; the next process imports the cached module without compiling
    sbml = catalog.bundled_sbml_path().read_text(encoding="utf-8")
    name = f"jakstat_amici_{amici_engine.module_key(sbml)[:16]}"
    broken = tmp_path / "amici" / name / name
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('damaged entry')\n")
    code = ("import time, jakstat_sbml as js\n"
            "t = time.perf_counter()\n"
            "df = js.run(js.load_model(), [js.Condition.make(cytokines={'IL6': 1}, t_end=30)], engine='amici')\n"
            "print(time.perf_counter() - t, float(df['pSTAT3'].iloc[-1]))\n")
    env = {**os.environ, "JAKSTAT_CACHE_DIR": str(tmp_path)}

    def run() -> tuple[float, float]:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        seconds, value = out.stdout.split()
        return float(seconds), float(value)

    compiled_seconds, first = run()
    so = list((tmp_path / "amici" / name / name).glob("*.so"))
    assert len(so) == 1 and "damaged" not in (broken / "__init__.py").read_text()
    built = so[0].stat().st_mtime_ns
    cached_seconds, second = run()
    assert so[0].stat().st_mtime_ns == built  # imported, not compiled again
    assert second == first
    assert not [p for p in (tmp_path / "amici").iterdir() if p.name != name]  # no scratch folders left
    reference = js.load_model().simulate(cytokines={"IL6": 1}, t_end=30)["pSTAT3"].iloc[-1]
    assert first == pytest.approx(reference, rel=1e-5)
