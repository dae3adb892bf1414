"""Experiments on the model: perturbations, dose-responses, knockout screens and drug
combinations. Biology tests state the expectation and its source next to the number;
the other tests check that each experiment simulates what it says it does and that
bad input fails before any simulation, leaving the model as it was."""

import math

import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog, experiments
from jakstat_sbml.experiments import response
from jakstat_sbml.experiments.combination import EXCESS_FLOOR, threshold_text, verdict

from .conftest import standard

DOSES = [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000]  # nM, half-log steps


# --------------------------------------------------------------------------- drugs
def test_ruxolitinib_potency_follows_its_cellular_inhibition_constant(ctcl):
    """IL-6 signals through JAK1 on gp130 (Rodig et al., Cell 1998), and an ATP-site
    inhibitor blocks every catalytic act of the JAK it occupies, so the IL-6/pSTAT3 IC50
    is set by ruxolitinib's cellular constant on JAK1 (biochemical Ki x ATP shift x the
    drug's cellular factor): a 10-fold smaller factor must give a 5- to 15-fold lower
    IC50, and the curve must reach full inhibition."""
    curve = js.dose_response(ctcl, "ruxolitinib", "IL6", "pSTAT3", doses=[0.1, 0.3, *DOSES], time=20)
    assert curve.ic50_fit_precision[0] < curve.ic50 < curve.ic50_fit_precision[1]
    assert curve.max_effect > 0.9
    factor = ctcl.parameter_values()["cellular_factor_ruxolitinib"]
    potent = js.dose_response(ctcl, "ruxolitinib", "IL6", "pSTAT3", doses=[0.01, 0.03, 0.1, 0.3, *DOSES], time=20,
                              parameters={"cellular_factor_ruxolitinib": factor / 10})
    assert 5 < curve.ic50 / potent.ic50 < 15


def test_tofacitinib_is_more_potent_on_gamma_c_cytokines(ctcl):
    """Tofacitinib inhibits JAK3 (1.6 nM) and JAK1 (3.2 nM) more than JAK2 (4.1 nM) and
    TYK2 (34 nM) (Meyer et al., J Inflamm 2010), and at 1 mM ATP JAK1/JAK3 (15, 55 nM)
    far more than JAK2/TYK2 (77, 489 nM) (Clark et al., J Med Chem 2014): the JAK1/JAK3
    cytokines IL-2 and IL-4 are inhibited at clearly (>= 1.5-fold) lower doses than
    IL-6 (JAK1/JAK2/TYK2) and IL-12 (TYK2/JAK2)."""
    ic50 = {c: js.dose_response(ctcl, "tofacitinib", c, r, doses=DOSES, time=20).ic50
            for c, r in [("IL2", "pSTAT5"), ("IL4", "pSTAT6"), ("IL6", "pSTAT3"), ("IL12", "pSTAT4")]}
    assert 1.5 * max(ic50["IL2"], ic50["IL4"]) < min(ic50["IL6"], ic50["IL12"]), ic50


def test_pimozide_lowers_pstat5_but_not_jak_phosphorylation(ctcl):
    """Pimozide lowers STAT5 tyrosine phosphorylation at 5-20 uM without inhibiting JAKs
    (Nelson et al., Blood 2011, PMID 21233313). Ruxolitinib, a JAK inhibitor, does
    lower pJAK1: the readout can show the difference."""
    pstat5 = js.dose_response(ctcl, "pimozide", "IL2", "pSTAT5", time=20)
    assert 1000 < pstat5.ic50 < 30000  # nM: effects seen at 5-20 uM
    for jak in ("pJAK1", "pJAK3"):
        curve = js.dose_response(ctcl, "pimozide", "IL2", jak, time=20)
        assert curve.fit is None  # nothing to fit: < 5% change
        np.testing.assert_allclose(curve.responses, curve.baseline, rtol=0.02)
    assert js.dose_response(ctcl, "ruxolitinib", "IL2", "pJAK1", doses=DOSES, time=20).max_effect > 0.9


def test_jak3_a572v_signals_without_cytokine_and_jak_inhibitors_stop_it(ctcl):
    """JAK3 A572V (heterozygous, as in patients) activates STAT5 without cytokine
    (Cornejo et al., Blood 2009); JAK3-mutant cells depend on JAK1 and JAK3 kinase
    activity and respond to ruxolitinib and tofacitinib (Degryse et al., Blood 2014).
    Basal pSTAT5 of wild-type cells is < 2% of total (DESIGN 2.5.1)."""
    totals = ctcl.parameter_values()
    total_stat5 = totals["STAT5A_total"] + totals["STAT5B_total"]
    conditions = [{"mutations": m, "drugs": d, "preincubation": 60, "t_end": 60}
                  for m, d in [({}, None), ({"JAK3_A572V": 0.5}, None),
                               ({"JAK3_A572V": 0.5}, {"ruxolitinib": 1000}),
                               ({"JAK3_A572V": 0.5}, {"tofacitinib": 1000})]]
    df = js.run(ctcl, conditions, readouts=["pSTAT5"])
    end = df.groupby("condition")["pSTAT5"].last().to_numpy()
    wild, mutant, rux, tofa = end
    assert wild < 0.02 * total_stat5
    assert mutant > 0.02 * total_stat5 and mutant > 100 * max(wild, 1e-6)
    assert rux < 0.5 * mutant and tofa < 0.5 * mutant


def test_a_basal_signals_inhibition_says_it_may_not_have_settled(ctcl):
    """Without cytokine, JAK3 A572V's basal pSTAT5 falls slowly once tofacitinib is added:
    read at 20 min the curve levels off at 73%, read at 120 min it nearly reaches full
    inhibition (the mutant cells depend on JAK1/JAK3 activity, Degryse et al., Blood 2014).
    The flag said only 'the inhibition is of the basal signal', which read as partial efficacy."""
    common = dict(doses=[1, 10, 100, 1000, 10000], cytokine_dose=0, mutations={"JAK3_A572V": 0.5})
    early = js.dose_response(ctcl, "tofacitinib", "IL2", **common)
    late = js.dose_response(ctcl, "tofacitinib", "IL2", time=120, **common)
    assert late.max_effect > early.max_effect + 0.1
    assert any("basal signal" in f and "read later" in f for f in early.flags)


def test_stat5b_n642h_prolongs_il2_pstat5b(ctcl):
    """STAT5B N642H increases and prolongs STAT5B tyrosine phosphorylation (Rajala et
    al., Blood 2013): pSTAT5B at 120 min after IL-2 at least 1.5x wild type."""
    wt = ctcl.simulate(cytokines=standard("IL2"), readouts=["pSTAT5B"])
    mut = ctcl.simulate(cytokines=standard("IL2"), mutations={"STAT5B_N642H": 1}, readouts=["pSTAT5B"])
    assert mut["pSTAT5B"].iloc[-1] > 1.5 * wt["pSTAT5B"].iloc[-1]


def test_stat3_y640f_raises_il6_stat3_output(ctcl):
    """STAT3 Y640F is activating: more phosphorylation and transcriptional activity
    (Koskela et al., NEJM 2012): IL-6 STAT3 output (AUC 0-120 min) at least 1.3x."""
    wt = ctcl.simulate(cytokines=standard("IL6"), readouts=["tx_STAT3", "pSTAT3"])
    mut = ctcl.simulate(cytokines=standard("IL6"), mutations={"STAT3_Y640F": 1}, readouts=["tx_STAT3", "pSTAT3"])
    assert response(mut, "tx_STAT3", window=(0, 120)) > 1.3 * response(wt, "tx_STAT3", window=(0, 120))
    assert mut["pSTAT3"].max() > wt["pSTAT3"].max()


def test_plasma_doses_are_converted_with_the_fraction_unbound(ctcl):
    fu = catalog.DRUGS["tofacitinib"].fraction_unbound  # 0.6: ~40% protein bound
    total = [100, 1000, 10000]
    free = js.dose_response(ctcl, "tofacitinib", "IL2", doses=[x * fu for x in total], time=20)
    plasma = js.dose_response(ctcl, "tofacitinib", "IL2", doses=total, time=20, plasma=True)
    np.testing.assert_allclose(plasma.doses, free.doses)
    np.testing.assert_array_equal(plasma.responses, free.responses)
    assert plasma.to_frame()["dose_plasma_nM"].tolist() == pytest.approx(total)


# --------------------------------------------------------------------------- dose-response
def test_dose_response_simulates_what_it_says(ctcl):
    """Each point equals the same condition run by hand: drug added 30 min before the
    cytokine, AUC over the window; the baseline is the no-drug run."""
    with pytest.warns(js.JakStatWarning, match="a Hill fit needs at least 3"):
        curve = js.dose_response(ctcl, "ruxolitinib", "IFNG", "pSTAT1", doses=[50, 500], window=(0, 60),
                                 knockouts=["SOCS1"])
    by_hand = [response(ctcl.simulate(cytokines=standard("IFNG"), drugs={"ruxolitinib": d} if d else None,
                                      knockouts=["SOCS1"], preincubation=30, t_end=60), "pSTAT1",
                        window=(0, 60)) for d in (0, 50, 500)]
    assert curve.baseline == pytest.approx(by_hand[0], rel=1e-9)
    np.testing.assert_allclose(curve.responses, by_hand[1:], rtol=1e-9)
    assert curve.metric == "AUC 0-60 min"
    assert curve.fit is None  # two doses: too few for a Hill fit, and the curve says so
    assert math.isnan(curve.ic50) and "2 positive doses of ruxolitinib" in curve.flags[0]


def test_dose_response_plot_has_labelled_axes(ctcl):
    curve = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=DOSES, time=20)
    ax = curve.plot().axes[0]  # plot() returns the Figure
    assert "nM" in ax.get_xlabel() and "ruxolitinib" in ax.get_xlabel()
    assert "pSTAT3" in ax.get_ylabel() and "(nM)" in ax.get_ylabel()
    assert curve.summary()["ic50_nM"] == curve.ic50


def test_il2_ec50_depends_on_the_high_affinity_receptor(ctcl):
    """IL2RA (CD25) turns the intermediate-affinity IL2RB/IL2RG receptor (Kd ~1 nM) into
    the high-affinity one (Kd ~10 pM) (Wang & Smith, J Exp Med 1987; Stauber et al.,
    PNAS 2006): the IL-2 EC50 on pSTAT5 is sub-nanomolar in IL2RA+ cells and moves at
    least 10-fold to higher doses without IL2RA."""
    wt = js.cytokine_response(ctcl, "IL2", time=20)
    no_cd25 = js.cytokine_response(ctcl, "IL2", time=20, knockouts=["IL2RA"])
    assert wt.ec50 < 0.1
    assert no_cd25.ec50 > 10 * wt.ec50
    assert wt.responses.max() > 10 * wt.responses[0] and wt.fit.rising
    assert wt.ec50_ng_per_mL == pytest.approx(wt.ec50 * catalog.CYTOKINES["IL2"].mass_kda)
    ax = wt.plot().axes[0]
    assert "IL2 (nM)" == ax.get_xlabel() and "nM" in ax.get_ylabel()


# --------------------------------------------------------------------------- knockout screen
@pytest.fixture(scope="module")
def screen(ctcl):
    return js.knockout_screen(ctcl, cytokines=["IL2", "IL6"], window=(0, 120))


def test_knockout_screen_covers_every_gene_and_pair(screen):
    assert list(screen.table.index) == js.genes()
    assert list(screen.table.columns) == [("IL2", "pSTAT5"), ("IL6", "pSTAT3")]
    assert np.all(np.isfinite(screen.table.to_numpy()))


def test_knockout_screen_effects(screen):
    """JAK3 is needed by IL-2 and not by IL-6 (JAK3-SCID; DESIGN 2.5.4); SOCS3 loss
    raises IL-6 pSTAT3 (Croker et al., Nat Immunol 2003); CISH loss raises IL-2 pSTAT5
    (Yang et al., Nat Immunol 2013)."""
    t = screen.table
    assert t.loc["JAK3", ("IL2", "pSTAT5")] < -5
    assert abs(t.loc["JAK3", ("IL6", "pSTAT3")]) < 0.05
    assert t.loc["SOCS3", ("IL6", "pSTAT3")] > 0.5
    assert t.loc["CISH", ("IL2", "pSTAT5")] > 0.3
    assert {"JAK1", "JAK3", "IL2RB"} <= set(screen.hits(2.0).query("cytokine == 'IL2'").gene)


def test_knockout_screen_matches_a_hand_computed_fold_change(ctcl, screen):
    wt = response(ctcl.simulate(cytokines=standard("IL6")), "pSTAT3", window=(0, 120))
    ko = response(ctcl.simulate(cytokines=standard("IL6"), knockouts=["PTPN2"]), "pSTAT3", window=(0, 120))
    row = screen.effects.query("gene == 'PTPN2' and cytokine == 'IL6'").iloc[0]
    assert row.auc_wild_type == pytest.approx(wt, rel=1e-9) and row.auc_knockout == pytest.approx(ko, rel=1e-9)
    assert row.log2_fold_change == pytest.approx(np.log2((ko + 0.01 * wt) / (wt + 0.01 * wt)), rel=1e-9)



def test_a_two_fold_change_is_a_two_fold_hit_despite_the_floor():
    """The fold change's floor (1% of the wild-type AUC, so that a lost response is finite)
    reads an exact 2-fold loss as -0.986 and a 2-fold gain as +0.993, and losses(1.0) and
    gains(1.0), documented as '>= 2-fold', missed them: they judge the AUC ratio itself."""
    import pandas as pd

    from jakstat_sbml.experiments.knockout_screen import KnockoutScreen, log2_fold_change

    wt, ko = np.array([100.0, 100.0, 100.0, 100.0]), np.array([50.0, 200.0, 51.0, 0.0])
    effects = pd.DataFrame({"gene": ["A", "B", "C", "D"], "module": "test", "cytokine": "IL6", "readout": "pSTAT3",
                            "auc_wild_type": wt, "auc_knockout": ko, "auc_unit": "nM*min",
                            "log2_fold_change": log2_fold_change(ko, wt)})
    screen = KnockoutScreen(effects, (0.0, 120.0), "ctcl")
    assert effects.log2_fold_change.iloc[0] > -1 and effects.log2_fold_change.iloc[1] < 1  # what the floor does
    assert list(screen.losses(1.0).gene) == ["D", "A"] and list(screen.gains(1.0).gene) == ["B"]
    assert set(screen.hits(1.0).gene) == {"A", "B", "D"}  # C, 0.51 of the wild type, is not 2-fold

def test_knockout_screen_reports_gains_and_losses_apart_sorted_with_units(screen):
    """Issue 26: the screen counted hits mixing gains and losses; its AUCs had no unit."""
    losses, gains = screen.losses(1.0), screen.gains(1.0)
    assert len(losses) and len(gains)
    assert (losses.auc_knockout <= losses.auc_wild_type / 2).all()
    assert (gains.auc_knockout >= 2 * gains.auc_wild_type).all()
    assert list(losses.log2_fold_change) == sorted(losses.log2_fold_change)  # strongest loss first
    assert list(gains.log2_fold_change) == sorted(gains.log2_fold_change, reverse=True)  # strongest gain first
    assert len(losses) + len(gains) == len(screen.hits(1.0))
    assert "JAK3" in set(losses.query("cytokine == 'IL2'").gene) and "SOCS3" not in set(losses.gene)
    summary = screen.summary()
    assert (summary["losses_2fold"], summary["gains_2fold"]) == (len(losses), len(gains))
    assert set(screen.effects.auc_unit) == {"nM*min"}
    assert list(screen.effects.columns[4:7]) == ["auc_wild_type", "auc_knockout", "auc_unit"]


def test_knockout_screen_heatmap_is_labelled(screen):
    ax = screen.plot().axes[0]
    assert "gene" in ax.get_ylabel() and "cytokine" in ax.get_xlabel()
    colorbar = ax.figure.axes[-1]
    assert "log2 fold change" in colorbar.get_ylabel() and "min" in colorbar.get_ylabel()
    # colours saturate at 8-fold, so a regulator's 1.5-fold is visible beside a total loss (-6.66),
    # and the colour bar says so
    low, high = ax.images[0].get_clim()
    assert (low, high) == (-3.0, 3.0) and np.nanmin(screen.table.to_numpy(float)) < -3
    assert "beyond ±3 (8-fold) at full colour" in colorbar.get_ylabel()


# --------------------------------------------------------------------------- pathways a context lacks
def test_absent_pathways_are_those_a_context_cannot_signal_through(ctcl, erythroid):
    """Malignant T cells lack the GM-CSF and EPO receptors (issue 26: the ctcl report drew
    their empty panels and NaN cells); erythroid progenitors signal through EPO."""
    absent = js.absent_pathways(ctcl)
    assert set(absent) == {"GMCSF", "EPO"}
    assert "GMCSF does not drive pSTAT5 in context 'ctcl'" in absent["GMCSF"]
    for cytokine in set(js.cytokines()) - set(absent):  # every other pathway moves its main readout
        df = ctcl.simulate(cytokines=standard(cytokine), readouts=[catalog.CYTOKINES[cytokine].main_readout])
        assert df.iloc[:, 1].max() > 1e-3
    assert "EPO" not in js.absent_pathways(erythroid)
    assert js.absent_pathways(ctcl, ["IL2", "EPO"]).keys() == {"EPO"}


# --------------------------------------------------------------------------- combinations
def test_two_inhibitors_of_the_same_site_are_dose_additive(ctcl):
    """Ruxolitinib and tofacitinib compete with ATP, and with each other, for the JAK1
    kinase site that IL-6 signalling depends on: mutually exclusive inhibitors are
    Loewe-additive (Chou & Talalay, Adv Enzyme Regul 1984), so the Loewe excess is ~0,
    while Bliss, which assumes independent targets, reads them as antagonistic."""
    # doses around each drug's IL-6 IC50 (read off the model, so a refitted potency keeps the
    # grid centred), so the grid is not saturated
    around = np.array([0.1, 0.3, 1, 3, 10])
    ic50 = {d: js.dose_response(ctcl, d, "IL6", "pSTAT3", time=20).ic50 for d in ("ruxolitinib", "tofacitinib")}
    comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", "pSTAT3", doses_a=ic50["ruxolitinib"] * around,
                          doses_b=ic50["tofacitinib"] * around, time=20)
    scores = comb.scores()
    assert abs(scores["loewe"]) < 0.01 and np.nanmax(np.abs(comb.loewe)) < 0.02
    assert scores["bliss"] < -0.01
    assert scores["hsa"] > 0  # together they beat either alone


def test_the_default_combination_grid_is_centred_on_each_drug_s_own_ic50(ctcl):
    """Without doses, each drug gets 1/10, 1/3, 1, 3 and 10 times its IC50 alone on the
    pathway, so no score rests on a grid one drug saturates. On IL-6 the two same-site
    inhibitors stay Loewe-additive there (Chou & Talalay 1984, as above)."""
    comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", "pSTAT3")
    for drug, doses in (("ruxolitinib", comb.doses_a), ("tofacitinib", comb.doses_b)):
        ic50 = js.dose_response(ctcl, drug, "IL6", "pSTAT3").ic50
        np.testing.assert_allclose(doses[1:], ic50 * np.array([0.1, 1 / 3, 1, 3, 10]), rtol=5e-3)  # 3 digits
        assert f"{drug} at 1/10, 1/3, 1, 3 and 10 x its IC50 alone" in comb.grid
    table = comb.synergy()
    assert (table["cells"] == 16).all()  # only the top dose of either drug saturates alone
    assert table.loc["loewe", "verdict"] == "additive"
    assert comb.summary()["grid"] == comb.grid


def test_a_drug_without_an_ic50_on_the_pathway_keeps_its_default_doses_and_says_so(ctcl):
    """Deucravacitinib binds TYK2's pseudokinase; IL-6 signals through JAK1 (TYK2 is not
    needed, docs/panel.md), so it has no IC50 there to centre a grid on."""
    with pytest.warns(js.JakStatWarning, match="its doses are not centred"):
        comb = js.combination(ctcl, "ruxolitinib", "deucravacitinib", "IL6", "pSTAT3")
    assert list(comb.doses_b[1:]) == list(catalog.drug("deucravacitinib").doses)
    assert "deucravacitinib at its default doses (its IC50 alone is >" in comb.grid
    assert any("deucravacitinib: its IC50 alone is >" in f for f in comb.flags)


def test_combination_grid_is_consistent_with_single_drug_curves(ctcl):
    with pytest.warns(js.JakStatWarning, match="Loewe needs at least 3 non-zero doses"):
        comb = js.combination(ctcl, "ruxolitinib", "pimozide", "IL2", doses_a=[100, 1000], doses_b=[3000, 30000],
                              time=20)
    assert comb.responses.shape == (3, 3) and comb.doses_a[0] == 0 and comb.doses_b[0] == 0
    with pytest.warns(js.JakStatWarning, match="at least 3"):
        alone = js.dose_response(ctcl, "ruxolitinib", "IL2", doses=[100, 1000], time=20)
    np.testing.assert_allclose(comb.responses[1:, 0], alone.responses, rtol=1e-9)
    assert comb.baseline == pytest.approx(alone.baseline, rel=1e-9)
    assert comb.effect[0, 0] == 0
    assert np.all(np.isnan(comb.bliss[0])) and np.all(np.isfinite(comb.bliss[1:, 1:]))
    assert np.all(np.isnan(comb.loewe))  # 2 doses per drug: too few to fit, so no Loewe, and it says so
    assert comb.flags == ("Loewe needs at least 3 non-zero doses of each drug to fit its single-agent curve: "
                          "no Loewe scores",)
    assert comb.unstimulated < 1e-3 < comb.baseline  # IL-2 drives pSTAT5: the grid is measurable
    frame = comb.to_frame()
    assert len(frame) == 9 and {"bliss", "loewe", "hsa", "effect"} <= set(frame.columns)
    fig = comb.plot()
    assert all("nM" in ax.get_xlabel() for ax in fig.axes if ax.get_xlabel())


def test_combination_columns_name_each_drug_and_the_unit(ctcl):
    """Issue 26: the grid's dose columns read 'ruxolitinibnM_text'."""
    comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", doses_a=[3, 30, 300], doses_b=[30, 300, 3000],
                          time=20)
    frame = comb.to_frame()
    assert list(frame.columns[:2]) == ["ruxolitinib_nM", "tofacitinib_nM"]
    assert not [c for c in frame.columns if "text" in c]
    assert sorted(set(frame["ruxolitinib_nM"])) == [0, 3, 30, 300]
    assert frame["single_agent_saturates"].dtype == bool
    # the doses in total plasma terms too, as a dose-response's table has them (free / fraction unbound)
    for drug in ("ruxolitinib", "tofacitinib"):
        fu = catalog.drug(drug).fraction_unbound
        assert np.allclose(frame[f"{drug}_plasma_nM"], frame[f"{drug}_nM"] / fu)


def test_the_additivity_band_bounds_the_numerical_error_of_the_scores(ctcl):
    """The band is derived from the solver's precision: scores computed at a 100x tighter
    tolerance stay within the band of the default run, and the band shrinks with it."""
    kw = dict(doses_a=[10, 100, 1000], doses_b=[1000, 10000, 30000], time=20)
    loose = js.combination(ctcl, "ruxolitinib", "pimozide", "IL2", **kw)
    tight_model = js.load_model()
    tight_model.set_solver_options(relative_tolerance=1e-9, absolute_tolerance=1e-15)
    tight = js.combination(tight_model, "ruxolitinib", "pimozide", "IL2", **kw)
    band, tight_band = loose.additivity_band(), tight.additivity_band()
    for score in ("bliss", "loewe", "hsa"):
        difference = np.nanmax(np.abs(getattr(loose, score) - getattr(tight, score)))
        assert difference <= band[score], (score, difference, band[score])
        assert tight_band[score] < band[score]
    assert 0 < band["bliss"] < 0.01  # numerical error only: far below any biology


def test_each_score_gets_a_verdict_the_largest_excess_and_where_it_is(ctcl):
    comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", "pSTAT3", doses_a=[1, 3, 10, 30, 100],
                          doses_b=[10, 30, 100, 300, 1000], time=20)
    table = comb.synergy()
    assert list(table.index) == ["bliss", "loewe", "hsa"]
    # mutually exclusive inhibitors of one site are dose-additive (Loewe; Greco, Bravo & Parsons,
    # Pharmacol Rev 1995) and fall short of Bliss independence, which assumes separate sites;
    # the shortfall is smaller than the floor, so it is not called antagonism
    assert table.loc["loewe", "verdict"] == "additive"
    assert -EXCESS_FLOOR < table.loc["bliss", "mean_excess"] < -table.loc["bliss", "additivity_band"]
    assert table.loc["bliss", "verdict"] == "additive"
    # any pair beats its better half where both act: HSA's excess exceeds the floor
    assert table.loc["hsa", "verdict"] == "synergistic"
    for score in table.index:
        row = table.loc[score]
        matrix = getattr(comb, score)
        i = list(comb.doses_a).index(row.max_at_dose_a_nM)
        j = list(comb.doses_b).index(row.max_at_dose_b_nM)
        assert matrix[i, j] == row.max_excess == np.nanmax(matrix)
        assert abs(row.mean_excess) > max(row.additivity_band, EXCESS_FLOOR) or row.verdict == "additive"
    summary = comb.summary()
    assert summary["loewe_verdict"] == "additive" and summary["bliss_band"] == table.loc["bliss", "additivity_band"]
    # Loewe reads its reference off Hill fits of each drug alone (5 doses for 3 parameters):
    # their misfit at the grid's doses widens its band beyond the numerical error
    assert 1e-4 < comb.reference_misfit < table.loc["loewe", "additivity_band"]


def test_a_same_pocket_pair_is_not_called_synergistic_for_an_excess_below_the_floor(ctcl):
    """Ruxolitinib and tofacitinib compete for one ATP pocket, so they are additive by
    construction; on the default grid Bliss saw +0.004 against a solver band of about 1e-4
    and called the pair synergistic. An excess counts only beyond EXCESS_FLOOR as well."""
    comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL2")
    table = comb.synergy()
    bliss = table.loc["bliss"]
    assert bliss.additivity_band < abs(bliss.mean_excess) < EXCESS_FLOOR  # resolved, yet too small to matter
    assert bliss.verdict == "additive" and bliss.excess_floor == EXCESS_FLOOR
    assert comb.summary()["excess_floor_fraction"] == EXCESS_FLOOR
    assert verdict(0.06, 1e-4) == "synergistic" and verdict(-0.06, 1e-4) == "antagonistic"
    assert verdict(0.06, 0.07) == "additive"  # a band wider than the floor still rules
    assert threshold_text(1e-4).startswith("±0.05 (floor") and threshold_text(0.07).startswith("±0.07 (solver")


def test_an_hsa_verdict_that_bliss_and_loewe_do_not_share_is_flagged(ctcl):
    """HSA's expected effect is the better single agent, so a drug combined with itself
    scores above 0 (derived, and checked below: E(a + b) > max(E(a), E(b)) for any rising
    dose-response): the same-pocket pair, additive by construction, is HSA-"synergistic" on
    IL-6 (an audit read it as a finding). The result now says HSA alone is no evidence."""
    from jakstat_sbml.experiments.combination import HSA_ALONE
    from jakstat_sbml.fitting import bliss_excess, hsa_excess

    doses = np.array([0, 1, 3, 10, 30])
    sham = (doses[:, None] + doses[None, :]) / (10 + doses[:, None] + doses[None, :])  # one Hill drug twice
    assert (hsa_excess(sham)[1:, 1:] > 0).all() and (bliss_excess(sham)[1:, 1:] < 0).all()

    with pytest.warns(js.JakStatWarning, match="HSA calls the pair synergistic"):
        comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6")
    verdicts = comb.synergy()["verdict"]
    assert verdicts["hsa"] == "synergistic" and verdicts["bliss"] == verdicts["loewe"] == "additive"
    assert HSA_ALONE in comb.flags and HSA_ALONE in comb.summary()["flags"]


def test_the_mean_excess_leaves_out_cells_where_a_drug_alone_saturates(ctcl):
    """The mean was diluted by cells where one drug already inhibits fully (no room for
    an excess there)."""
    comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", "pSTAT3", doses_a=[3, 30, 3000],
                          doses_b=[30, 300, 30000], time=20)
    alone_a, alone_b = comb.effect[1:, 0], comb.effect[0, 1:]
    assert alone_a.max() >= 0.9 and alone_b.max() >= 0.9  # the top doses saturate
    keep = (alone_a[:, None] < 0.9) & (alone_b[None, :] < 0.9)
    assert 0 < keep.sum() < keep.size
    for score in ("bliss", "loewe", "hsa"):
        inner = getattr(comb, score)[1:, 1:]
        assert comb.scores()[score] == pytest.approx(np.nanmean(inner[keep]), rel=1e-12)
    assert comb.synergy().loc["bliss", "cells"] == keep.sum()
    frame = comb.to_frame()
    inner_rows = (frame["ruxolitinib_nM"] > 0) & (frame["tofacitinib_nM"] > 0)
    assert (~frame.loc[inner_rows, "single_agent_saturates"]).sum() == keep.sum()


# --------------------------------------------------------------------------- bad input
@pytest.fixture
def no_simulation(monkeypatch):
    """Fails the test if an experiment reaches the simulator."""
    def forbidden(*args, **kwargs):
        raise AssertionError("an experiment simulated before rejecting its input")
    import importlib
    import pkgutil

    patched = 0
    for info in pkgutil.iter_modules(experiments.__path__, experiments.__name__ + "."):
        module = importlib.import_module(info.name)
        if hasattr(module, "run"):
            monkeypatch.setattr(module, "run", forbidden)
            patched += 1
    assert patched >= 4  # every experiment module simulates through run


BAD_CALLS = [
    (lambda m: js.dose_response(m, "ruxolitinb", "IL6"), "'ruxolitinib'"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL-6"), "'IL6'"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", "pSTAT33"), "'pSTAT3'"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", knockouts=["JAK4"]), "'JAK1'"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", doses=[10, -1]), "negative"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", doses=[10, float("nan")]), "finite"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", doses=["ten nM"]), "cannot read"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", doses=[]), "empty"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", time=0), "time must be"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", time=-5), "time must be"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", window=(30, 10)), "window"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", time=20, window=(0, 30)), "not both"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", preincubation=-1), "preincubation"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", knockout=["JAK1"]), "'knockouts'"),
    (lambda m: js.cytokine_response(m, "IFNB"), "unknown cytokine"),
    (lambda m: js.cytokine_response(m, "IL2", doses=["1 ng/mL", "-1 ng/mL"]), "negative"),
    (lambda m: js.cytokine_response(m, "IL2", doses=[]), "empty"),
    (lambda m: js.knockout_screen(m, genes=["SOCS3", "SOCS2"]), "'SOCS3'"),
    (lambda m: js.knockout_screen(m, cytokines=["IL2", "IL7"]), "unknown cytokine"),
    (lambda m: js.knockout_screen(m, readouts=["STAT5"]), "'pSTAT5'"),
    (lambda m: js.knockout_screen(m, window=(0, 0)), "window"),
    (lambda m: js.knockout_screen(m, cytokines=[]), "at least one cytokine"),
    (lambda m: js.combination(m, "ruxolitinib", "pimozid", "IL2"), "'pimozide'"),
    (lambda m: js.combination(m, "ruxolitinib", "ruxolitinib", "IL2"), "two different drugs"),
    (lambda m: js.combination(m, "ruxolitinib", "pimozide", "IL2", doses_b=[]), "empty"),
    (lambda m: js.combination(m, "ruxolitinib", "pimozide", "IL2", doses_a=["1 kg"]), "not a concentration"),
    # an audit of bad input: a repeated dose or gene was simulated twice (and weighed double in
    # the Hill fit); a negative seed was numpy's ValueError; a mode the context cannot have was
    # refused only after the nominal grid had been simulated
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", doses=[10, 10, 100]), "10 nM is given twice"),
    (lambda m: js.cytokine_response(m, "IL2", doses=["1 nM", "1 nM"]), "given twice"),
    # the same dose in other units (10 and 0.01 uM convert to 10 and 9.999999999999998 nM) ran twice
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", doses=[10, "0.01 uM", 100]), "10 nM is given twice"),
    (lambda m: js.combination(m, "ruxolitinib", "pimozide", "IL2", doses_a=[10, "0.01 uM", 100]), "given twice"),
    (lambda m: js.knockout_screen(m, genes=["SOCS3", "SOCS3"]), "more than once"),
    # a cytokine named twice was screened or compared once without a word (a user audit)
    (lambda m: js.knockout_screen(m, cytokines=["IL6", "IL6"], genes=["SOCS3"]), "cytokines name 'IL6' more than once"),
    (lambda m: js.compare_drugs(m, ["ruxolitinib"], ["IL6", "IL6"]), "cytokines name 'IL6' more than once"),
    # a second user audit: a readout, knockout, mutation, stimulation or pathway named twice was run once or
    # twice without a word (a trial with "continuous" twice counted every patient twice in its percentiles)
    (lambda m: js.knockout_screen(m, cytokines=["IL6"], readouts=["pSTAT3", "pSTAT3"], genes=["SOCS3"]),
     "readouts name 'pSTAT3' more than once"),
    (lambda m: m.simulate(cytokines={"IL6": 1}, knockouts=["SOCS3", "SOCS3"]), "knockouts name 'SOCS3' more than once"),
    (lambda m: m.simulate(cytokines={"IL6": 1}, mutations=["STAT3_Y640F", "STAT3_Y640F"]), "more than once"),
    (lambda m: js.virtual_trial(m, {"a": js.regimen("ruxolitinib", 20)}, 2, ["IL6"],
                                stimulation=["continuous", "continuous"]), "stimulation name 'continuous' more"),
    (lambda m: js.exposure_response(m, js.regimen("ruxolitinib", 20), ["IL6", "IL6"]),
     "cytokines name 'IL6' more than once"),
    # a pathway at dose 0 ran and wrote n/a, the cause unsaid
    (lambda m: js.exposure_response(m, js.regimen("ruxolitinib", 20), {"IL6": 0}), "IL6 at dose 0 stimulates nothing"),
    # ex vivo samples too sparse for the interval: 100 h crashed inside numpy, 6 h of 12 missed the peak
    (lambda m: js.exposure_response(m, js.regimen("ruxolitinib", 20), ["IL6"], stimulation="ex vivo",
                                    sample_every_h=100), "fewer than 4 ex vivo samples in the 12 h dosing interval"),
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", uncertainty="potency", seed=-1), "non-negative"),
    (lambda m: js.combination(m, "ruxolitinib", "tofacitinib", "IL6", uncertainty="calibration"),
     "not calibrated"),
    (lambda m: js.combination(m, "ruxolitinib", "tofacitinib", "IL6", uncertainty="potency", seed=-2),
     "non-negative"),
    # a context's name where the model goes raised AttributeError deep inside (an audit)
    (lambda m: js.dose_response("ctcl", "ruxolitinib", "IL6"), r"got 'ctcl': load one with js.load_model\(context="),
    (lambda m: js.exposure_response(None, js.regimen("ruxolitinib", 20), ["IL6"]), "must be a jakstat Model"),
    (lambda m: js.virtual_trial("ctcl", {"a": js.regimen("ruxolitinib", 20)}, 2, ["IL6"]), "must be a jakstat Model"),
    # an option of other experiments was called a background keyword (an audit)
    (lambda m: js.compare_drugs(m, ["ruxolitinib"], ["IL6"], plasma=True),
     r"unknown keyword of compare_drugs\(\) 'plasma'; not one of its options nor a background keyword"),
    # two draw counts for one interval: the keyword silently won (an audit)
    (lambda m: js.dose_response(m, "ruxolitinib", "IL6", uncertainty=js.Uncertainty("potency", draws=40), draws=20),
     "draws=20 and the Uncertainty's draws=40 differ"),
]


@pytest.mark.parametrize("call,message", BAD_CALLS)
def test_bad_input_fails_before_any_simulation_and_leaves_the_model_unchanged(ctcl, no_simulation, call,
                                                                            message):
    before = ctcl.simulate(cytokines=standard("IL2"), drugs={"ruxolitinib": 100}, preincubation=30, t_end=30)
    with pytest.raises(js.JakStatError, match=message):
        call(ctcl)
    after = ctcl.simulate(cytokines=standard("IL2"), drugs={"ruxolitinib": 100}, preincubation=30, t_end=30)
    assert np.array_equal(before.to_numpy(), after.to_numpy())


def test_unknown_context_names_the_nearest():
    with pytest.raises(js.JakStatError, match="'ctcl'"):
        js.load_model(context="ctlc")


def test_only_the_users_own_bare_numbers_warn_as_possible_ng_per_ml(ctcl):
    """The bare-number warning (a cytokine number above 100 nM may have been meant as
    ng/mL) is about what the user typed: the package's own default grid (up to 100x the
    standard dose, 407 nM of IL-13) is nM by construction and must not warn, and a
    user's 500 warns once, not once per simulation."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        js.cytokine_response(ctcl, "IL13", time=20)
    assert not [w for w in caught if "bare number" in str(w.message)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        js.cytokine_response(ctcl, "IL13", doses=[1, 10, 500], time=20)
    assert len([w for w in caught if "bare number" in str(w.message)]) == 1


def test_a_screen_in_a_mutant_background_knocks_out_the_mutated_gene_too(ctcl):
    """A knockout plus a mutation of one gene is refused (no protein to mutate), so a screen
    in STAT5B N642H cells failed on its own STAT5B knockout (an audit). The knockout now
    takes the mutant protein with it: it removes the mutant's prolonged pSTAT5B, so it costs
    more IL-2/pSTAT5 than in wild-type cells (STAT5B N642H slows dephosphorylation: Rajala
    et al., Blood 2013)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", js.JakStatWarning)
        mutant = js.knockout_screen(ctcl, cytokines=["IL2"], genes=["STAT5B"], mutations={"STAT5B_N642H": 1})
        wild = js.knockout_screen(ctcl, cytokines=["IL2"], genes=["STAT5B"])
    lost = {name: float(s.effects.set_index("gene").loc["STAT5B", "log2_fold_change"])
            for name, s in (("mutant", mutant), ("wild", wild))}
    assert lost["mutant"] < lost["wild"] < 0
