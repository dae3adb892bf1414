"""Results that never mislead: an experiment that cannot be measured says so.

Each result carries ``flags`` (one-line reasons, empty when all is well), repeated in
``summary()["flags"]`` and ``to_frame().attrs["flags"]`` and emitted as
:class:`jakstat_sbml.JakStatWarning`; the numbers a result cannot support are NaN.
Each test states the expectation; each failed on the code before flags existed
(``flags`` did not exist, and the numbers asserted NaN here were printed as numbers).
"""

import math
import warnings

import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog, experiments
from jakstat_sbml.experiments.support import number_text
from jakstat_sbml.experiments import support
from jakstat_sbml.experiments import Measure
from jakstat_sbml.fitting import hill

DOSES = [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000]  # nM, half-log steps


def _flags_everywhere(result, fragment: str) -> None:
    """The reason is in flags, in the summary and in the frame's metadata."""
    assert any(fragment in f for f in result.flags), result.flags
    assert fragment in result.summary()["flags"]
    assert result.to_frame().attrs["flags"] == result.flags


def test_jakstat_warning_is_exported_and_a_user_warning():
    assert issubclass(js.JakStatWarning, UserWarning) and "JakStatWarning" in js.__all__


# --------------------------------------------------------------------------- item 1: readout not driven
def test_a_readout_the_cytokine_does_not_drive_has_no_inhibition(ctcl):
    """In malignant T cells IL-6 signals through gp130/STAT3 and does not raise pSTAT5
    (stimulated and unstimulated pSTAT5 are both ~1e-29 nM, solver noise around zero).
    Before: 'inhibition' read 0.28 -> 0.997 and max_effect 0.28 on that noise. Now:
    inhibition, IC50 and max_effect are NaN, there is no fit, and the flag says why."""
    with pytest.warns(js.JakStatWarning, match="IL6 does not drive pSTAT5 in context 'ctcl'"):
        curve = js.dose_response(ctcl, "ruxolitinib", "IL6", "pSTAT5")
    assert abs(curve.baseline) < 1e-9 and abs(curve.unstimulated) < 1e-9  # the premise: nothing to measure
    assert not curve.measurable and curve.fit is None and curve.extrapolated_fit is None
    assert np.all(np.isnan(curve.inhibition)) and np.all(np.isnan(curve.to_frame()["inhibition"]))
    assert math.isnan(curve.max_effect) and math.isnan(curve.ic50) and math.isnan(curve.summary()["max_effect"])
    _flags_everywhere(curve, "no inhibition or IC50 can be measured")
    assert len(curve.flags) == 1  # one reason, not a cascade of consequences


def test_il2_does_not_drive_pstat5_in_hepatocytes(hepatocyte):
    """Hepatocytes lack the IL-2 receptor chains: IL-2 -> pSTAT5 is solver noise there
    (before: dose_response max_effect 0.31-0.38 and a cytokine 'emax' of -2e-30 nM).
    Dose-response and cytokine titration both report NaN and say why."""
    with pytest.warns(js.JakStatWarning, match="IL2 does not drive pSTAT5 in context 'hepatocyte'"):
        curve = js.dose_response(hepatocyte, "ruxolitinib", "IL2", "pSTAT5")
    assert math.isnan(curve.max_effect) and np.all(np.isnan(curve.inhibition))
    with pytest.warns(js.JakStatWarning, match="IL2 does not drive pSTAT5 in context 'hepatocyte'"):
        titration = js.cytokine_response(hepatocyte, "IL2")
    assert not titration.measurable and titration.fit is None
    assert math.isnan(titration.max_effect) and math.isnan(titration.ec50)
    assert math.isnan(titration.summary()["max_effect"])
    _flags_everywhere(titration, "no EC50 or max_effect can be measured")


def test_signal_floor_is_a_fraction_of_a_molecule_per_cell_and_scales_with_the_window():
    """1e-3 nM is below one molecule per cell in every compartment (0.0025-0.006 nM) and
    ~1e9 above solver noise; for an AUC it is that level held over the window; on top of
    a large level, 1e-4 of it (the solver accuracy asked in tests/test_solver.py)."""
    assert experiments.signal_floor(Measure.make(time=20), 1e-29, -1e-29) == pytest.approx(1e-3)
    assert experiments.signal_floor(Measure.make(window=(0, 120)), 0.0) == pytest.approx(0.12)
    assert experiments.signal_floor(Measure.make(time=20), 500.0, 499.0) == pytest.approx(0.05)


def test_a_driven_curve_has_no_flags_and_no_warning(ctcl):
    """The honest checks must stay silent on a good experiment: ruxolitinib on IL-6/pSTAT3
    over 1 nM-30 uM brackets its ~10 nM IC50 and reaches full inhibition."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", js.JakStatWarning)
        curve = js.dose_response(ctcl, "ruxolitinib", "IL6", "pSTAT3", doses=DOSES, time=20)
        titration = js.cytokine_response(ctcl, "IL2", time=20)
    assert curve.flags == () and curve.summary()["flags"] == "" and curve.measurable
    assert titration.flags == () and 0 < titration.ec50 < 0.1
    assert curve.max_effect == curve.fit.max_effect > 0.99  # plateau reached: the fitted one


def test_basal_signal_is_kept_and_flagged():
    """A readout the cytokine does not raise but that is high without it (a
    constitutively active mutant) still has a measurable inhibition: kept, flagged."""
    doses = np.array([1, 10, 100, 1000, 10000], dtype=float)
    resp = hill(doses, 40.0, 0.0, 50.0, 1.0)
    fit, extrapolated, flags, measurable = support.judge_inhibition(
        "ruxolitinib", "IL6", "pSTAT5", doses, resp, 40.0, 40.0, Measure.make(time=20), "ctcl", support.nM_text)
    assert measurable and fit is not None and fit.ic50 == pytest.approx(50, rel=0.01)
    assert len(flags) == 1 and "basal signal" in flags[0]


# --------------------------------------------------------------------------- item 2: midpoint outside the doses
def test_an_ic50_above_the_tested_range_is_nan_with_the_observed_effect(ctcl):
    """Tofacitinib on IFN-gamma/pSTAT1 has a free IC50 of ~440 nM. Tested up to 500 nM
    plasma (~300 nM free), it inhibits 37%: before, the fit reported IC50 481 nM free and
    max_effect 1.0. A pharmacologist writes 'IC50 > 300 nM, 37% at the top dose'."""
    with pytest.warns(js.JakStatWarning, match="above the tested range"):
        curve = js.dose_response(ctcl, "tofacitinib", "IFNG", "pSTAT1", doses=[5, 15, 50, 150, 500], plasma=True,
                                 time=20)
    top = 500 * catalog.drug("tofacitinib").fraction_unbound  # nM free
    assert curve.doses.max() == pytest.approx(top)
    observed = curve.inhibition[-1]
    assert 0.2 < observed < 0.5
    assert math.isnan(curve.ic50) and all(math.isnan(x) for x in curve.ic50_fit_precision) and curve.fit is None
    assert curve.max_effect == pytest.approx(observed)  # observed, not the extrapolated plateau
    assert curve.extrapolated_fit.ic50 > 300  # kept for inspection only
    _flags_everywhere(curve, f"the highest dose tested, {number_text(top)} nM free (500 nM plasma), inhibits pSTAT1 by "
                             f"{observed:.0%}: the IC50 is above the tested range")


def test_a_weak_effect_at_the_top_dose_gives_no_ic50(ctcl):
    """Pimozide on IL-6/pSTAT3 up to 10 uM inhibits ~16% (its IC50 is ~45 uM): before, an
    IC50 of ~48 uM with a narrow CI and max_effect ~1.0. Now NaN and max_effect 0.16."""
    with pytest.warns(js.JakStatWarning, match="inhibits pSTAT3 by 16%: the IC50 is above the tested range"):
        curve = js.dose_response(ctcl, "pimozide", "IL6", "pSTAT3", doses=[300, 1000, 3000, 10000], time=20)
    assert math.isnan(curve.ic50) and curve.max_effect == pytest.approx(curve.inhibition.max())
    assert curve.max_effect < 0.5


def test_an_ic50_below_the_tested_range_is_nan(ctcl):
    """Ruxolitinib's IL-6/pSTAT3 IC50 is ~10 nM; doses from 30 nM start at 79%
    inhibition, so the IC50 is below the tested range."""
    with pytest.warns(js.JakStatWarning, match="the lowest dose tested, 30 nM, already inhibits pSTAT3 by"):
        curve = js.dose_response(ctcl, "ruxolitinib", "IL6", "pSTAT3", doses=[30, 100, 300, 1000], time=20)
    assert math.isnan(curve.ic50) and curve.extrapolated_fit.ic50 < 30
    assert "below the tested range" in curve.summary()["flags"]


def test_an_unreached_plateau_gives_the_observed_max_effect(ctcl):
    """Pimozide over its default doses (0.3-100 uM) brackets its IL-6/pSTAT3 IC50 (~45 uM)
    but is still falling at 100 uM (69%): the IC50 stands, but max_effect is the observed
    69%, not the fitted, extrapolated 99% reported before."""
    with pytest.warns(js.JakStatWarning, match="still falling at the highest dose tested"):
        curve = js.dose_response(ctcl, "pimozide", "IL6", "pSTAT3", time=20)
    assert 1e3 < curve.ic50 < 1e5 and curve.fit is not None
    assert curve.max_effect == pytest.approx(curve.inhibition.max()) and curve.max_effect < 0.8
    assert curve.fit.max_effect > 0.95  # the extrapolation the flag warns about


def test_a_partial_inhibitor_that_levels_off_keeps_a_flagged_relative_ic50():
    """A drug that plateaus at 30% inhibition, observed over two decades beyond its
    midpoint: the relative IC50 (half of its own maximal effect) is supported and kept,
    with a flag that 50% inhibition is never reached. If the same partial curve is
    still falling at the top dose, its midpoint is not placed: NaN."""
    doses = np.logspace(0, 4, 9)
    resp = hill(doses, 100.0, 70.0, 30.0, 1.5)
    judge = support.judge_inhibition
    fit, extrapolated, flags, _ = judge("drug", "IL6", "pSTAT3", doses, resp, 100.0, 0.0, Measure.make(time=20),
                                        "ctcl", support.nM_text)
    assert fit.ic50 == pytest.approx(30, rel=0.01) and extrapolated is None
    assert len(flags) == 1 and flags[0].startswith("partial inhibition") and "at most 30%" in flags[0]
    fit, extrapolated, flags, _ = judge("drug", "IL6", "pSTAT3", doses[:5], resp[:5], 100.0, 0.0,
                                        Measure.make(time=20), "ctcl", support.nM_text)
    # the top dose 100 nM is ~IC84 of this curve: the plateau is extrapolated
    assert fit is None and extrapolated is not None and "not within the tested range" in flags[0]


def test_an_ec50_outside_the_tested_range_is_nan(ctcl):
    """IL-2's EC50 on pSTAT5 is ~0.02 nM: titrated at 0.01-0.3 pM it is still rising
    (EC50 above the range), and from 1 nM the response is already saturated (below).
    Before, both reported a number (220 nM and 1e-6 nM)."""
    with pytest.warns(js.JakStatWarning, match="EC50 is above the tested range"):
        low = js.cytokine_response(ctcl, "IL2", doses=[1e-5, 3e-5, 1e-4, 3e-4], time=20)
    assert math.isnan(low.ec50) and low.fit is None and low.extrapolated_fit.ec50 > 3e-4
    assert low.max_effect == pytest.approx(low.responses.max())  # observed, not extrapolated
    with pytest.warns(js.JakStatWarning, match="EC50 is below the tested range"):
        high = js.cytokine_response(ctcl, "IL2", doses=[1, 3, 10, 30], time=20)
    assert math.isnan(high.ec50)
    _flags_everywhere(high, "already gives 100% of the largest pSTAT5 response")


# --------------------------------------------------------------------------- item 3: nothing to fit
def test_too_few_doses_say_so(ctcl):
    """Two doses cannot fix a three-parameter Hill curve: ic50 NaN with a message
    (before: NaN and silence)."""
    with pytest.warns(js.JakStatWarning, match="2 positive doses of ruxolitinib: a Hill fit needs at least 3"):
        curve = js.dose_response(ctcl, "ruxolitinib", "IL2", "pSTAT5", doses=[1, 10], time=20)
    assert math.isnan(curve.ic50) and curve.fit is None
    _flags_everywhere(curve, "no IC50")


def test_a_drug_that_does_not_act_says_so(ctcl):
    """Pimozide lowers STAT5 (and STAT3) phosphorylation, not STAT6 (Nelson et al., Blood
    2011): on IL-4/pSTAT6 the response is flat (< 5% change), so no IC50, and a message."""
    with pytest.warns(js.JakStatWarning, match="pimozide does not lower pSTAT6 by 5% or more"):
        curve = js.dose_response(ctcl, "pimozide", "IL4", "pSTAT6", time=20)
    assert curve.measurable and math.isnan(curve.ic50) and curve.fit is None
    assert abs(curve.max_effect) < 0.05  # observed: ~0
    _flags_everywhere(curve, "nothing to fit, no IC50")


def test_an_ic50_the_doses_cannot_fit_is_bounded_by_them(ctcl):
    """Where no dose inhibits by half the IC50 is not a missing number but a bound: above
    the highest dose (pimozide on IL-4/pSTAT6, flat; ruxolitinib on IL-2/pSTAT5 at
    0.01-0.1 nM, far below its IC50 of several nM), or below the lowest when the lowest
    already halves the signal (ruxolitinib at 1-10 uM). A fitted IC50 has no bound."""
    with pytest.warns(js.JakStatWarning):
        flat = js.dose_response(ctcl, "pimozide", "IL4", "pSTAT6", time=20)
        low = js.dose_response(ctcl, "ruxolitinib", "IL2", "pSTAT5", doses=[0.01, 0.03, 0.1], time=20)
        high = js.dose_response(ctcl, "ruxolitinib", "IL2", "pSTAT5", doses=[1000, 3000, 10000], time=20)
    assert flat.ic50_bound == (">", float(flat.doses.max())) and flat.summary()["ic50_bound"].startswith("> ")
    assert low.ic50_bound == (">", 0.1) and high.ic50_bound == ("<", 1000.0)
    fitted = js.dose_response(ctcl, "ruxolitinib", "IL2", "pSTAT5", time=20)
    assert math.isfinite(fitted.ic50) and fitted.ic50_bound is None and fitted.summary()["ic50_bound"] == ""


# --------------------------------------------------------------------------- combinations and screens
def test_combination_on_a_readout_the_cytokine_does_not_drive_has_no_scores(ctcl):
    """IL-6 does not drive pSTAT5 in T cells: the effect grid is a ratio of solver noise
    around zero (before: whatever Bliss/HSA numbers that noise gave, or NaN without a
    word when the noise was exactly 0). Now effect and all scores are NaN, flagged."""
    with pytest.warns(js.JakStatWarning, match="IL6 does not drive pSTAT5"):
        comb = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", "pSTAT5", doses_a=[1, 10, 100],
                              doses_b=[10, 100, 1000], time=20)
    assert not comb.measurable and np.all(np.isnan(comb.effect))
    assert all(math.isnan(v) for v in comb.scores().values())
    assert comb.to_frame().attrs["flags"] == comb.flags and len(comb.flags) == 1


def test_combination_that_moves_nothing_has_no_synergy(ctcl):
    """Pimozide does not act on STAT6 and tofacitinib at 1-100 pM is far below its
    IL-4 IC50 (~65 nM): nothing moves pSTAT6 by 5%, so Bliss/Loewe/HSA 'excesses' of
    ~0 would be reported as 'additive' on no effect at all. Now NaN, flagged."""
    with pytest.warns(js.JakStatWarning, match="changes pSTAT6 by 5% or more on this grid"):
        comb = js.combination(ctcl, "pimozide", "tofacitinib", "IL4", "pSTAT6", doses_a=[300, 1000, 3000],
                              doses_b=[0.001, 0.01, 0.1], time=20)
    assert comb.measurable and np.nanmax(np.abs(comb.effect)) < 0.05
    assert all(math.isnan(v) for v in comb.scores().values())


def test_knockout_screen_gives_no_fold_change_for_an_undriven_pair(ctcl):
    """IL-6 does not drive pSTAT5 in T cells, so knockouts cannot change it: NaN fold
    changes and a flag for that pair (before: log2 ratios of noise, all ~0, read as 'no
    effect'); the IL-2/pSTAT5 pair next to it is untouched."""
    with pytest.warns(js.JakStatWarning, match="IL6 does not drive pSTAT5"):
        screen = js.knockout_screen(ctcl, cytokines=["IL2", "IL6"], readouts=["pSTAT5"],
                                    genes=["JAK1", "JAK3", "SOCS3"], window=(0, 60))
    assert list(screen.table.columns) == [("IL2", "pSTAT5"), ("IL6", "pSTAT5")]
    assert screen.table[("IL6", "pSTAT5")].isna().all()
    assert screen.table[("IL2", "pSTAT5")].notna().all() and screen.table.loc["JAK3", ("IL2", "pSTAT5")] < -5
    assert len(screen.flags) == 1 and screen.effects.attrs["flags"] == screen.flags
    assert screen.hits(1.0)["cytokine"].eq("IL2").all()


def test_a_curve_over_signal_at_rest_says_its_ic50_depends_on_the_timing(ctcl):
    """JAK3 A572V cells carry pSTAT5 without cytokine (25 nM of 37 nM at 20 min): what was
    made before the drug acts decays at its own pace, so tofacitinib's IL-2 IC50 was 29 nM
    with the default 30 min pre-incubation and 77 nM with 120, its maximal inhibition 0.80
    and 0.98, and nothing said so (a CTCL audit). The wild type, with no signal at rest,
    carries no such flag."""
    mutant = js.dose_response(ctcl, "tofacitinib", "IL2", mutations={"JAK3_A572V": 1})
    longer = js.dose_response(ctcl, "tofacitinib", "IL2", mutations={"JAK3_A572V": 1}, preincubation=120)
    assert mutant.unstimulated > 0.1 * mutant.baseline and longer.ic50 > 2 * mutant.ic50
    said = [f for f in mutant.flags if "without IL2" in f]
    assert len(said) == 1 and "depend on the pre-incubation and the read-out time" in said[0]
    assert not [f for f in js.dose_response(ctcl, "tofacitinib", "IL2").flags if "without IL2" in f]
