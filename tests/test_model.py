"""The Python layer: one compiled model, parameter-only conditions, no leaks, clear errors."""

import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog

from .conftest import standard


def test_simulate_returns_time_and_every_readout(ctcl):
    df = ctcl.simulate(cytokines=standard("IL6"), t_end=120, points=121)
    assert list(df.columns) == ["time", *js.readouts()]
    assert df["time"].iloc[0] == 0 and df["time"].iloc[-1] == 120 and len(df) == 121
    assert df.attrs["condition"]["cytokines"]["IL6"] == pytest.approx(1.923, rel=1e-3)
    assert df.attrs["units"]["pSTAT3"] == "nM"


def test_design_readouts_present():
    required = ["pSTAT1", "pSTAT2", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT5A", "pSTAT5B", "pSTAT6",
                "SOCS1_mRNA", "SOCS3_mRNA", "CISH_mRNA", "SOCS1_protein", "SOCS3_protein", "CISH_protein",
                "pJAK1", "pJAK2", "pJAK3", "pTYK2"]
    assert set(required) <= set(js.readouts())


def test_conditions_do_not_leak(ctcl):
    a = ctcl.simulate(cytokines=standard("IL2"))
    ctcl.simulate(cytokines=standard("IL6"), drugs={"ruxolitinib": 1000}, knockouts=["SOCS3", "JAK2"],
                  overexpress={"PIAS3": 5}, preincubation=60, t_end=30)
    b = ctcl.simulate(cytokines=standard("IL2"))
    assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_perturbations_reuse_the_compiled_model(ctcl):
    rr = ctcl.roadrunner
    ctcl.simulate(cytokines=standard("IFNG"), knockouts=["STAT1"], overexpress={"SOCS1": 3},
                  drugs={"tofacitinib": "1 uM"})
    assert ctcl.roadrunner is rr
    assert rr.model.getNumEvents() == 0


def test_units_in_doses_are_honoured(ctcl):
    a = ctcl.simulate(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": "0.5 uM"}, t_end=30)
    b = ctcl.simulate(cytokines={"IL6": 40 / 20.8}, drugs={"ruxolitinib": 500}, t_end=30)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-12)


def test_plasma_dose_converted_with_fraction_unbound(ctcl):
    fu = catalog.DRUGS["ruxolitinib"].fraction_unbound  # ~0.03: 97% protein bound
    a = ctcl.simulate(cytokines=standard("IL6"), drugs={"ruxolitinib": js.plasma("1 uM")}, t_end=30)
    b = ctcl.simulate(cytokines=standard("IL6"), drugs={"ruxolitinib": 1000 * fu}, t_end=30)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-12)


def test_preincubation_applies_the_drug_before_the_cytokine(ctcl):
    # JAK3 A572V signals without cytokine, so a JAK inhibitor given 60 min ahead has
    # already lowered pSTAT5 at time 0; given together with the cytokine it has not.
    kw = dict(cytokines=standard("IL2"), drugs={"tofacitinib": 1000}, mutations={"JAK3_A572V": 1}, t_end=10)
    at_once = ctcl.simulate(**kw)
    ahead = ctcl.simulate(preincubation=60, **kw)
    assert ahead["pSTAT5"].iloc[0] < 0.5 * at_once["pSTAT5"].iloc[0]


def test_knockout_zeroes_the_gene_and_overexpression_scales_it(ctcl):
    ko = ctcl.steady_state(js.Condition.make(knockouts=["SOCS3"]))
    wt = ctcl.steady_state()
    ox = ctcl.steady_state(js.Condition.make(overexpress={"SOCS3": 4}))
    assert ko["SOCS3_protein"] == 0
    assert ox["SOCS3_protein"] == pytest.approx(4 * wt["SOCS3_protein"], rel=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    ({"knockouts": ["JAK4"]}, "unknown gene 'JAK4'"),
    ({"cytokines": {"IL7": 1}}, "unknown cytokine 'IL7'"),
    ({"drugs": {"baricitinib": 1}}, "unknown drug"),
    ({"drugs": {"ruxolitinib": -5}}, "negative"),
    ({"cytokines": {"IL6": float("nan")}}, "finite"),
    ({"cytokines": {"IL6": "lots"}}, "cannot read"),
    ({"t_end": 0}, "t_end must be > 0"),
    ({"t_end": -5}, "t_end must be > 0"),
    ({"preincubation": -1}, "preincubation"),
    ({"points": 1}, "points"),
    ({"overexpress": {"PIAS3": -2}}, "negative"),
    ({"knockouts": ["PIAS3"], "overexpress": {"PIAS3": 2}}, "both"),
    ({"readouts": ["pSTAT7"]}, "unknown readout"),
])
def test_bad_input_fails_early_and_leaves_the_model_unchanged(ctcl, kwargs, message):
    before = ctcl.simulate(cytokines=standard("IFNG"), t_end=30)
    with pytest.raises(js.JakStatError, match=message):
        ctcl.simulate(**kwargs)
    after = ctcl.simulate(cytokines=standard("IFNG"), t_end=30)
    assert np.array_equal(before.to_numpy(), after.to_numpy())


def test_unknown_context_fails():
    with pytest.raises(js.UnknownNameError, match="hepatocyte"):
        js.load_model(context="hepatocytes")


def test_results_finite_and_non_negative(ctcl):
    df = ctcl.simulate(cytokines={c: catalog.CYTOKINES[c].standard_dose for c in js.cytokines()},
                       drugs={"ruxolitinib": 100, "pimozide": 5000}, t_end=240)
    values = df.drop(columns="time").to_numpy()
    assert np.all(np.isfinite(values))
    assert values.min() > -1e-6
