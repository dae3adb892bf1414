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
import pandas as pd
import pytest
from hypothesis import given, settings

import jakstat_sbml as js
from jakstat_sbml import amici_engine, catalog

from .test_properties import conditions

RELATIVE_BOUND = 1e-5  # of each readout's peak in the condition
ABSOLUTE_BOUND = 1e-9  # nM
# With a covalent drug the engines are each less accurate than this at the model's tolerances
# (relative 1e-7): the adduct drifts through the whole pre-incubation, so each step's error
# adds up, the more the higher the dose. Measured against relative tolerance 1e-11, both
# cases found by the random conditions below:
# - ctcl, ritlecitinib 100 nM pre-incubated 170 min, IL-2 1 nM for 1 min, pSTAT5: RoadRunner
#   3.2e-5, AMICI 5.0e-5 of the value; at relative 1e-9 both 3-5e-7;
# - monocyte, ritlecitinib 10 uM pre-incubated 41 min, IL-4 1 nM for 2 min (readout 39 of
#   the frame, about 1.3e-4 nM): RoadRunner 1.7e-4, AMICI 5.0e-5 of the peak, 1.2e-4 apart.
# The bound is the sum of the two engines' worst errors, rounded up: 1e-4 until the second case.
COVALENT_RELATIVE_BOUND = 3e-4

pytestmark = pytest.mark.filterwarnings("ignore:dose of .*the bare number:jakstat_sbml.errors.JakStatWarning")

_models: dict[str, js.Model] = {}


def model_for(context: str, ctcl, hepatocyte) -> js.Model:
    preloaded = {"ctcl": ctcl, "hepatocyte": hepatocyte}
    if context in preloaded:
        return preloaded[context]
    return _models.setdefault(context, js.load_model(context=context))


def assert_agree(amici: np.ndarray, roadrunner: np.ndarray, label: str, relative: float = RELATIVE_BOUND) -> None:
    np.testing.assert_array_equal(amici[:, 0], roadrunner[:, 0])  # condition
    np.testing.assert_allclose(amici[:, 1], roadrunner[:, 1], rtol=1e-14, atol=0)  # times (RoadRunner's own rounding)
    a, r = amici[:, 2:], roadrunner[:, 2:]
    allowed = relative * np.abs(r).max(axis=0) + ABSOLUTE_BOUND
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
    covalent = any(dose > 0 and catalog.drug(drug).mechanism == "covalent_jak3" for drug, dose in cond.drugs)
    assert_agree(js.run(model, [cond], engine="amici").to_numpy(), roadrunner, f"{context}: {cond.label()}",
                 COVALENT_RELATIVE_BOUND if covalent else RELATIVE_BOUND)


def test_a_covalent_drug_agrees_within_its_own_bound(ctcl):
    """The case the random conditions found (see COVALENT_RELATIVE_BOUND): within 1e-4 but
    not within the 1e-5 of the other conditions, so the wider bound is needed. It was found
    at ritlecitinib 100 nM with cellular factor 12.05; the dose is scaled to the present
    factor so the drug acts as it did then (a dose D at factor f acts as D/f at factor 1),
    and a refit of the potency model does not move the case."""
    dose = 100.0 * ctcl.parameter_values()["cellular_factor_ritlecitinib"] / 12.05
    cond = js.Condition.make(cytokines={"IL2": 1.0}, drugs={"ritlecitinib": dose}, preincubation=170.0, t_end=1.0,
                             points=2)
    amici = js.run(ctcl, [cond], engine="amici", readouts=["pSTAT5"]).to_numpy()
    roadrunner = js.run(ctcl, [cond], readouts=["pSTAT5"]).to_numpy()
    assert_agree(amici, roadrunner, "ritlecitinib", COVALENT_RELATIVE_BOUND)
    with pytest.raises(AssertionError):
        assert_agree(amici, roadrunner, "ritlecitinib", RELATIVE_BOUND)
    # the second case (see COVALENT_RELATIVE_BOUND), 100x the dose: beyond 1e-4, within the bound.
    # Found at 10 uM free with cellular factor 9.908 (models/parameters.tsv then), scaled as above.
    monocyte = model_for("monocyte", ctcl, None)
    dose = 10_000.0 * monocyte.parameter_values()["cellular_factor_ritlecitinib"] / 9.908
    cond = js.Condition.make(cytokines={"IL4": 1.0}, drugs={"ritlecitinib": dose}, preincubation=41.0, t_end=2.0,
                             points=2)
    amici, roadrunner = (js.run(monocyte, [cond], engine=e).to_numpy() for e in ("amici", "roadrunner"))
    assert_agree(amici, roadrunner, "ritlecitinib 10 uM", COVALENT_RELATIVE_BOUND)
    with pytest.raises(AssertionError):
        assert_agree(amici, roadrunner, "ritlecitinib 10 uM", 1e-4)


def test_same_frame_shape_and_attributes_as_roadrunner(ctcl):
    conds = [js.Condition.make(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 300}, t_end=60),
             js.Condition.make(cytokines={"IFNA": 1}, knockouts=["SOCS1"], t_end=30, points=4)]
    rr = js.run(ctcl, conds, readouts=["pSTAT3", "pSTAT1"])
    am = js.run(ctcl, conds, readouts=["pSTAT3", "pSTAT1"], engine="amici")
    assert list(am.columns) == list(rr.columns) and am.attrs == rr.attrs
    assert_agree(am.to_numpy(), rr.to_numpy(), "two conditions")


def test_dosing_regimens_run_on_amici_as_on_roadrunner(ctcl):
    """Issue 24: AMICI runs the regimen SBML (pathway + PK + dose events) to the same
    bound as the pathway alone. Two days of ruxolitinib 20 mg every 12 h: three dose
    events fire inside the run, so an event AMICI missed, fired twice or late would move
    the plasma column by a whole dose (tens of percent of its peak), far past the bound.
    Measured (the IL-2 condition): 2.4e-7 of peak on plasma, 1.6e-6 on pSTAT5, 1.4e-6 on pSTAT3."""
    rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=2)
    conds = [js.Condition.make(cytokines={"IL2": "1 ng/mL"}, regimen=rux),
             js.Condition.make(cytokines={"IL6": "40 ng/mL"}, regimen=rux, knockouts=["SOCS3"])]
    readouts = ["pSTAT5", "pSTAT3"]
    assert_agree(js.run(ctcl, conds, readouts=readouts, engine="amici").to_numpy(),
                 js.run(ctcl, conds, readouts=readouts).to_numpy(), "ruxolitinib 20 mg BID, 2 days")
    # the plasma and free columns, as the regimen model's RoadRunner run gives them
    am = amici_engine.simulator(ctcl).run_regimens(conds[0], readouts)
    rr = ctcl.run(conds[0], readouts=readouts)
    assert list(am.columns) == list(rr.columns) and am.attrs == rr.attrs
    assert_agree(np.column_stack([np.zeros(len(am)), am.to_numpy()]),
                 np.column_stack([np.zeros(len(rr)), rr.to_numpy()]), "plasma and readouts")
    plasma = am["plasma_ruxolitinib"].to_numpy()
    doses = (np.diff(plasma) > 0) & (np.diff(np.r_[plasma[0], plasma[:-1]]) <= 0)  # rises after a fall: a dose
    assert doses.sum() == rux.doses
    # another volume of distribution (a patient's) reaches the compiled model as a parameter:
    # the compartment's size once stayed the tables' 72 L in both engines
    wide = js.regimen("ruxolitinib", "20 mg", every="12 h", days=2, pk={"volume_L": 144.0})
    am = amici_engine.simulator(ctcl).run_regimens(js.Condition.make(cytokines={"IL2": "1 ng/mL"}, regimen=wide),
                                                   readouts)
    exact = wide.plasma_total_nM(am["time"].to_numpy() / 60)
    assert np.max(np.abs(am["plasma_ruxolitinib"] - exact)) <= 1e-5 * exact.max()


def test_a_virtual_trial_with_continuous_stimulation_runs_on_amici(ctcl):
    """The trial's outcomes on AMICI are RoadRunner's to the engines' bound: the same
    patients, inhibitions equal to 1e-5 (a fraction; the readouts agree to 1e-5 of peak)."""
    rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
    kw = dict(cytokines=["IL2"], stimulation="continuous", seed=3)
    am = js.virtual_trial(ctcl, rux, 3, engine="amici", **kw)
    rr = js.virtual_trial(ctcl, rux, 3, **kw)
    pd.testing.assert_frame_equal(am.patients, rr.patients, check_exact=True)
    metrics = ["mean_inhibition", "trough_inhibition", "max_inhibition"]
    np.testing.assert_allclose(am.outcomes[metrics].to_numpy(), rr.outcomes[metrics].to_numpy(), rtol=0, atol=1e-5)
    assert am.outcomes["mean_inhibition"].between(0.05, 1).all()  # an inhibition to compare, not zeros


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
    assert len(so) == 1 and "damaged" not in (broken / "__init__.py").read_text(encoding="utf-8")
    built = so[0].stat().st_mtime_ns
    cached_seconds, second = run()
    assert so[0].stat().st_mtime_ns == built  # imported, not compiled again
    assert second == first
    assert not [p for p in (tmp_path / "amici").iterdir() if p.name != name]  # no scratch folders left
    reference = js.load_model().simulate(cytokines={"IL6": 1}, t_end=30)["pSTAT3"].iloc[-1]
    assert first == pytest.approx(reference, rel=1e-5)


# ----------------------------------------------------------------------------- sensitivities


def test_forward_sensitivities_match_central_differences_through_every_phase(hepatocyte):
    # A drug pre-incubation and a total (IL6R_total sets the initial state, so its
    # sensitivity starts in the pre-equilibration) make all three phases count. Central
    # differences carry solver noise that grows as the step shrinks (kdeg_SOCS, of the
    # largest slope: 5e-4 at a 1e-2 step, 2e-3 at 1e-3, 1.2e-2 at 1e-4), while the
    # sensitivities do not move between tolerances 1e-5 and 1e-7: 1e-2 steps, bound 2e-3.
    sim = amici_engine.simulator(hepatocyte)
    names = ["IL6R_total", "kcat_IL6R", "kdeg_SOCS"]
    def condition(**parameters):
        return js.Condition.make(cytokines={"IL6": 1.0}, drugs={"ruxolitinib": 20.0}, t_end=60, points=13,
                                 parameters=parameters)

    cond = condition()
    data, sens = sim.sensitivities(cond, ["pSTAT3", "SOCS3_mRNA"], names)
    assert sens.shape == (13, 2, 3)
    np.testing.assert_allclose(data, sim.run(cond, ["pSTAT3", "SOCS3_mRNA"]), rtol=1e-4, atol=1e-9)
    values = hepatocyte.parameter_values()
    for j, p in enumerate(names):
        h = 1e-2 * values[p]
        ends = [sim.run(condition(**{p: values[p] + s * h}), ["pSTAT3", "SOCS3_mRNA"]) for s in (1, -1)]
        central = (ends[0][:, 1:] - ends[1][:, 1:]) / (2 * h)
        scale = np.abs(central).max(axis=0)
        assert np.all(scale > 0), p
        error = np.abs(sens[:, :, j] - central) / scale
        assert error.max() < 2e-3, (p, error.max())
    # plain simulations afterwards are unchanged (no sensitivity left switched on)
    np.testing.assert_array_equal(sim.run(cond, ["pSTAT3"]), sim.run(cond, ["pSTAT3"]))


def test_sensitivities_refuse_doses_and_bad_times(hepatocyte):
    sim = amici_engine.simulator(hepatocyte)
    cond = js.Condition.make(cytokines={"IL6": 1.0}, t_end=30, points=4)
    with pytest.raises(js.InputError, match="dose"):
        sim.sensitivities(cond, ["pSTAT3"], ["dose_IL6"])
    with pytest.raises(js.InputError, match="ascend"):
        sim.sensitivities(cond, ["pSTAT3"], ["kcat_IL6R"], times=[0.0, 40.0])


def test_calibration_gradient_from_sensitivities_matches_finite_differences():
    # Boehm 2014 (48 rows): J^T r, the gradient of half the squared residuals, from
    # forward sensitivities with offsets and scales projected out equals central
    # differences of the profiled cost (which re-profile the blots at every step) to
    # 1% of the gradient's largest entry; at a point away from the optimum it is large.
    from jakstat_sbml.calibration.objective import Objective

    objective = Objective("Boehm_JProteomeRes2014", engine="amici")
    assert objective.gradients == "sensitivities"
    x = objective.start() + 0.15 * np.sign(np.arange(len(objective.parameters)) % 2 - 0.5)
    x = np.clip(x, objective.lower, objective.upper)
    r = objective.residuals(x)
    gradient = objective.jacobian(x).T @ r
    h = 1e-4
    central = np.empty_like(gradient)
    for j in range(x.size):
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        central[j] = (0.5 * np.sum(objective.residuals(up) ** 2) - 0.5 * np.sum(objective.residuals(down) ** 2)) / (2 * h)
    assert np.abs(central).max() > 1.0
    np.testing.assert_allclose(gradient, central, atol=0.01 * np.abs(central).max())


def test_gradients_need_the_engine_that_has_them():
    from jakstat_sbml.calibration.objective import Objective

    with pytest.raises(js.InputError, match="amici"):
        Objective("Boehm_JProteomeRes2014", gradients="sensitivities")
    with pytest.raises(js.UnknownNameError):
        Objective("Boehm_JProteomeRes2014", engine="amici", gradients="adjoint")
    assert Objective("Boehm_JProteomeRes2014").gradients == "finite differences"


def test_a_fit_with_gradients_lowers_the_cost():
    # three trust-region iterations with exact Jacobians from a Latin-hypercube start far
    # from the data (cost in the thousands: Boehm start 1 was 3,931): the cost must fall
    from jakstat_sbml.calibration.objective import Objective
    from jakstat_sbml.calibration.optimise import fit_start, start_points

    objective = Objective("Boehm_JProteomeRes2014", engine="amici")
    x0 = start_points(objective, 2, seed=3)[1]
    result = fit_start(objective, x0, max_nfev=3)
    assert result.cost < objective.cost(x0) - 1.0
    assert objective.jacobians >= 1


def test_sensitivity_exposure_predictions_run_on_amici_with_roadrunners_numbers(ctcl):
    """An exposure prediction's regimen is a condition with dosing events, which AMICI
    runs (as the test above): under ``engine="amici"`` it runs there, nothing is moved to
    another engine, and the values are RoadRunner's to solver tolerance (measured 5e-7 of
    the fraction inhibited). Kept in this file so the ruxolitinib regimen module the test
    above compiles is reused, not compiled again on another worker."""
    spec, parameters = "exposure:ruxolitinib:20mg/12h:IL6", ["kcat_IL6R", "IL2RA_total"]
    on_rr = js.sensitivity(ctcl, [spec], n=2, parameters=parameters, seed=4)
    on_amici = js.sensitivity(ctcl, [spec], n=2, parameters=parameters, seed=4, engine="amici")
    np.testing.assert_allclose(on_amici.outputs.to_numpy(), on_rr.outputs.to_numpy(), atol=1e-4)
    assert (on_amici.statuses.to_numpy() == "determined").all()
    assert not any("roadrunner" in f for f in on_amici.flags)
