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
    at_once = ctcl.simulate(preincubation=0, **kw)
    ahead = ctcl.simulate(preincubation=60, **kw)
    assert ahead["pSTAT5"].iloc[0] < 0.5 * at_once["pSTAT5"].iloc[0]
    # the default is 30 min ahead (model.DEFAULT_PREINCUBATION): already lowered at time 0
    default = ctcl.simulate(**kw)
    assert ahead["pSTAT5"].iloc[0] < default["pSTAT5"].iloc[0] < 0.5 * at_once["pSTAT5"].iloc[0]


def test_knockout_zeroes_the_gene_and_overexpression_scales_it(ctcl):
    ko = ctcl.steady_state(js.Condition.make(knockouts=["SOCS3"]))
    wt = ctcl.steady_state()
    ox = ctcl.steady_state(js.Condition.make(overexpress={"SOCS3": 4}))
    assert ko["SOCS3_protein"] == 0
    assert ox["SOCS3_protein"] == pytest.approx(4 * wt["SOCS3_protein"], rel=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    ({"knockouts": ["JAK4"]}, "unknown gene 'JAK4'"),
    ({"cytokines": {"IL7": 1}}, "unknown cytokine 'IL7'"),
    ({"drugs": {"imatinib": 1}}, "unknown drug"),  # a kinase inhibitor, not a JAK inhibitor of the catalog
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
    ({"readouts": ["pSTAT3", "pSTAT3"]}, "more than once"),  # once duplicate columns and a broken figure
    ({"cytokines": {"IL6": "1,5 nM"}}, "comma"),  # pint read it as 15 nM, ten times the 1.5 meant
    ({"drugs": {"ruxolitinib": "1,000 nM"}}, "comma"),
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
    assert values.min() >= 0


# --------------------------------------------------------------------------- ligand genes
LIGAND_GENES = {c.name: c.genes for c in catalog.CYTOKINES.values()}  # IL12: IL12A and IL12B


@pytest.mark.parametrize("cytokine", list(LIGAND_GENES))
def test_a_ligand_knockout_leaves_the_response_to_added_cytokine_unchanged(request, cytokine):
    """Knocking out IL6 in the cell stops the cell's own IL-6, not the recombinant IL-6
    in the medium; the modelled cells make none, so nothing changes (it abolished the
    response, log2 fold change -6.7, before). GM-CSF is tested in the monocyte and EPO in
    the erythroid progenitor, the contexts with their receptors (T cells have neither)."""
    model = request.getfixturevalue({"GMCSF": "monocyte", "EPO": "erythroid"}.get(cytokine, "ctcl"))
    main = catalog.CYTOKINES[cytokine].main_readout
    wt = model.simulate(cytokines=standard(cytokine), t_end=60)
    assert wt[main].max() > 0.1  # the cytokine does signal: the comparison is not 0 = 0
    for gene in LIGAND_GENES[cytokine]:
        for genotype in ({"knockouts": [gene]}, {"overexpress": {gene: 5}}):
            other = model.simulate(cytokines=standard(cytokine), t_end=60, **genotype)
            np.testing.assert_array_equal(other.to_numpy(), wt.to_numpy(), err_msg=f"{gene} {genotype}")


def test_a_ligand_knockout_removes_the_cells_own_production(ctcl):
    """With autocrine IL-6 switched on, the cells signal without added IL-6; knocking
    out IL6 (and only that) removes it, and added IL-6 still works in the knockout."""
    own = {"IL6_autocrine": 0.5}  # nM
    wt = ctcl.steady_state()["pSTAT3"]
    autocrine = ctcl.steady_state(js.Condition.make(parameters=own))["pSTAT3"]
    knockout = ctcl.steady_state(js.Condition.make(parameters=own, knockouts=["IL6"]))["pSTAT3"]
    assert autocrine > wt + 0.5
    assert knockout == pytest.approx(wt, rel=1e-6, abs=1e-9)
    # overexpression scales the cells' own production
    double = ctcl.steady_state(js.Condition.make(parameters=own, overexpress={"IL6": 2}))["pSTAT3"]
    assert double > autocrine
    added = ctcl.simulate(cytokines=standard("IL6"), parameters=own, knockouts=["IL6"], t_end=60)
    plain = ctcl.simulate(cytokines=standard("IL6"), t_end=60)
    np.testing.assert_allclose(added.to_numpy(), plain.to_numpy(), rtol=1e-6, atol=1e-9)
    # IL-12 needs both subunits: either knockout removes the cells' own IL-12
    own12 = {"IL12_autocrine": 0.5}
    for gene in ("IL12A", "IL12B"):
        ko = ctcl.steady_state(js.Condition.make(parameters=own12, knockouts=[gene]))["pSTAT4"]
        assert ko == pytest.approx(ctcl.steady_state()["pSTAT4"], rel=1e-6, abs=1e-9)
    assert ctcl.steady_state(js.Condition.make(parameters=own12))["pSTAT4"] > ctcl.steady_state()["pSTAT4"] + 0.1


def test_ligand_genes_say_what_a_knockout_means():
    for cytokine, genes in LIGAND_GENES.items():
        for gene in genes:
            g = catalog.GENES[gene]
            assert "own production" in g.description and "knockout leaves added" in g.description, gene
            assert catalog.parameter_table()[g.parameter].description.startswith(f"{gene} gene dosage")
        autocrine = catalog.parameter_table()[f"{cytokine}_autocrine"]
        assert autocrine.value == 0 and autocrine.unit == "nM"
    for context in js.contexts():  # no context makes the cells secrete a ligand
        assert not any(p.endswith("_autocrine") for p in catalog.context(context).overrides), context


def test_knockout_screen_ligand_rows_show_no_effect_under_their_own_cytokine(ctcl):
    screen = js.knockout_screen(ctcl, genes=["IL6", "IL12A", "IL12B", "IL6R"], cytokines=["IL6", "IL12"])
    effects = screen.effects.set_index(["gene", "cytokine"])["log2_fold_change"]
    for gene, cytokine in [("IL6", "IL6"), ("IL12A", "IL12"), ("IL12B", "IL12")]:
        assert effects[(gene, cytokine)] == 0, gene
    assert effects[("IL6R", "IL6")] < -5  # a receptor knockout still abolishes the response
    assert set(screen.hits().gene) == {"IL6R"}


# --------------------------------------------------------------------------- no negative concentrations
def _raw(model, cond, readouts):
    return model._simulate_array(cond, ["time"] + [model._readout_selection[r] for r in readouts])


def test_solver_noise_below_zero_is_returned_as_zero(ctcl):
    """The default IL-6 run has readout values at about -1e-21 nM from CVODE (1,358 before
    IL-15/IL-21/GM-CSF joined the model, 632 after, 5 since the panel's drugs did: the
    noise moves with the species); users get 0 there and every other value bit for bit."""
    cond = js.Condition.make(cytokines={"IL6": "40 ng/mL"})
    raw = _raw(ctcl, cond, js.readouts())
    assert (raw < 0).sum() > 0 and raw.min() > -1e-9  # noise (the premise of the test), not a problem
    df = ctcl.run(cond)
    values = df.to_numpy()
    assert values.min() >= 0 and not np.signbit(values).any()  # no -0.0 either
    np.testing.assert_array_equal(values, np.where(raw < 0, 0.0, raw))
    steady = ctcl.steady_state(cond)
    assert min(steady.values()) >= 0
    assert min(ctcl.initial_concentrations(cond).values()) >= 0
    for amounts in (False, True):
        species = ctcl.species(cond, amounts=amounts).drop(columns="time").to_numpy()
        assert species.min() >= 0


def test_a_negative_value_beyond_solver_noise_raises(ctcl, monkeypatch):
    cond = js.Condition.make(cytokines={"IL6": "40 ng/mL"}, t_end=10, points=11)
    raw = _raw(ctcl, cond, js.readouts())
    broken = raw.copy()
    column = 1 + js.readouts().index("pSTAT3")
    broken[4, column] = -1e-6
    monkeypatch.setattr(ctcl, "_simulate_array", lambda c, sel: broken.copy())
    with pytest.raises(js.SimulationError, match=r"^pSTAT3 = -1e-06 nM at t = 4 min for \[IL6 1.92308 nM; .*"
                                                 r"negative value beyond solver noise \(-1e-09 nM\), in 1 value\(s\)"
                                                 r".*set_solver_options"):
        ctcl.run(cond)
    broken[4, column] = -5e-10  # within the tolerance: noise, set to 0
    assert ctcl.run(cond)["pSTAT3"].iloc[4] == 0


def test_the_noise_tolerance_follows_a_loosened_absolute_tolerance():
    from jakstat_sbml.model import NEGATIVE_TOLERANCE

    model = js.load_model()
    assert model._negative_tolerance() == NEGATIVE_TOLERANCE
    model.set_solver_options(absolute_tolerance=1e-8)  # zmol; the nucleus is 0.275 pL
    assert model._negative_tolerance() == pytest.approx(100 * 1e-8 / 0.275)
    assert model.simulate(cytokines=standard("IL6"), t_end=30).drop(columns="time").to_numpy().min() >= 0


def test_a_cytokine_gene_knockout_that_changes_nothing_says_so(ctcl, tmp_path):
    """The modelled cells make none of their own cytokines (models/parameters.tsv:
    <CYTOKINE>_autocrine = 0), so knocking out IL2 beside added IL-2 changed nothing, without
    a word. It still changes nothing, and now says so and names the receptor chains."""
    import warnings

    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    with pytest.warns(js.JakStatWarning, match=r"IL2 knockout changes nothing .*IL2RA/IL2RB/IL2RG"):
        knocked = ctcl.simulate(cytokines={"IL2": 0.1}, knockouts=["IL2"], readouts=["pSTAT5"])
    plain = ctcl.simulate(cytokines={"IL2": 0.1}, readouts=["pSTAT5"])
    assert np.array_equal(knocked["pSTAT5"], plain["pSTAT5"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", js.JakStatWarning)
        # a receptor chain blocks the signal (IL2RB binds IL-2: Wang & Smith, J Exp Med 1987); and where the
        # cells make IL-2, the knockout acts: no warning
        blocked = ctcl.simulate(cytokines={"IL2": 0.1}, knockouts=["IL2RB"], readouts=["pSTAT5"])
        ctcl.simulate(knockouts=["IL2"], parameters={"IL2_autocrine": 0.01}, readouts=["pSTAT5"])
    assert blocked["pSTAT5"].max() < 0.01 * plain["pSTAT5"].max()
    with pytest.warns(js.JakStatWarning, match="IL12A knockout changes nothing"):  # the experiments say it too
        js.dose_response(ctcl, "tofacitinib", "IL12", doses=[10, 100, 1000], knockouts=["IL12A"])
    result = CliRunner().invoke(app, ["simulate", "-c", "IL2=0.1", "-k", "IL2", "-r", "pSTAT5"], terminal_width=250)
    assert result.exit_code == 0 and "IL2 knockout changes nothing" in result.output


def test_a_mutation_or_knockout_of_a_gene_the_context_lacks_says_so(hepatocyte):
    """Hepatocytes have no JAK3 (models/contexts.tsv: JAK3_total 0, the declared assumption that
    JAK3 is restricted to haematopoietic cells): -m JAK3_A572V there ran the wild type without a
    word. Where the gene is expressed, neither warns."""
    import warnings

    with pytest.warns(js.JakStatWarning, match=r"JAK3_A572V changes nothing in the hepatocyte context: it has no "
                                               r"JAK3 \(JAK3_total = 0\)"):
        mutated = hepatocyte.simulate(cytokines={"IL6": 1}, mutations=["JAK3_A572V"], t_end=30, readouts=["pSTAT3"])
    plain = hepatocyte.simulate(cytokines={"IL6": 1}, t_end=30, readouts=["pSTAT3"])
    assert np.array_equal(mutated["pSTAT3"], plain["pSTAT3"])
    with pytest.warns(js.JakStatWarning, match="JAK3 knockout changes nothing in the hepatocyte context"):
        js.dose_response(hepatocyte, "ruxolitinib", "IL6", doses=[10, 100, 1000], knockouts=["JAK3"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", js.JakStatWarning)
        hepatocyte.simulate(cytokines={"IL6": 1}, mutations=["STAT3_Y640F"], knockouts=["SOCS3"], t_end=30,
                            readouts=["pSTAT3"])
