"""The maths of the experiments on synthetic data with known answers: Hill fits and
the Bliss, Loewe and HSA reference models for drug combinations."""

import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml.fitting import bliss_excess, fit_hill, hill, hsa_excess, loewe_excess, midpoint_support

DOSES = np.logspace(-1, 5, 13)  # 0.1 nM - 100 uM, half-log steps


# --------------------------------------------------------------------------- Hill fits
@pytest.mark.parametrize("ic50,slope", [(0.8, 1.0), (37.0, 0.7), (450.0, 1.6), (6000.0, 3.0)])
@pytest.mark.parametrize("zero_known", [True, False])
def test_hill_fit_recovers_a_known_ic50_within_1_percent(ic50, slope, zero_known):
    zero, floor = 120.0, 4.0
    y = hill(DOSES, zero, floor, ic50, slope)
    fit = fit_hill(DOSES, y, zero=zero if zero_known else None)
    assert fit.ic50 == pytest.approx(ic50, rel=0.01)
    assert fit.slope == pytest.approx(slope, rel=0.01)
    assert fit.zero == pytest.approx(zero, rel=0.01) and fit.saturation == pytest.approx(floor, abs=0.01 * zero)
    assert fit.max_effect == pytest.approx((zero - floor) / zero, rel=0.01)
    assert not fit.rising


def test_hill_fit_recovers_a_rising_curve_ec50():
    y = hill(DOSES, 2.0, 80.0, 12.0, 1.3)
    fit = fit_hill(DOSES, y, zero=2.0)
    assert fit.rising and fit.ec50 == pytest.approx(12.0, rel=0.01)
    assert fit.top == pytest.approx(80.0, rel=0.01) and fit.bottom == pytest.approx(2.0)


def test_hill_fit_uses_zero_doses_for_the_unperturbed_response():
    doses = np.concatenate([[0.0, 0.0], DOSES])
    y = hill(doses, 50.0, 0.0, 300.0, 1.0)
    fit = fit_hill(doses, y)
    assert fit.zero == pytest.approx(50.0, rel=1e-6)
    assert fit.ic50 == pytest.approx(300.0, rel=0.01)


def test_ic50_confidence_interval_has_its_nominal_coverage():
    """Over 100 noisy replicates (3% noise, triplicates) the 95% interval holds the true
    IC50 in roughly 95% of them, and the estimates centre on the truth."""
    doses = np.repeat(DOSES, 3)
    truth = hill(doses, 100.0, 5.0, 250.0, 1.2)
    covered, estimates = 0, []
    for seed in range(100):
        y = truth + np.random.default_rng(seed).normal(0, 3.0, doses.size)
        fit = fit_hill(doses, y, zero=100.0)
        covered += fit.ic50_fit_precision[0] < 250.0 < fit.ic50_fit_precision[1]
        estimates.append(fit.ic50)
    assert 0.88 <= covered / 100 <= 0.99
    assert np.median(estimates) == pytest.approx(250.0, rel=0.02)


def test_hill_fit_ci_is_wider_with_more_noise():
    rng = np.random.default_rng(3)
    clean = hill(DOSES, 100.0, 0.0, 40.0, 1.0)
    widths = []
    for sd in (1.0, 8.0):
        fit = fit_hill(DOSES, clean + rng.normal(0, sd, DOSES.size), zero=100.0)
        widths.append(np.log(fit.ic50_fit_precision[1] / fit.ic50_fit_precision[0]))
    assert widths[1] > widths[0]


@pytest.mark.parametrize("doses,responses,message", [
    ([1, 10], [5, 4], "at least 3"),
    ([1, 10, 100, np.nan], [5, 4, 3, 2], "finite"),
    ([1, 10, -100, 1000], [5, 4, 3, 2], "negative"),
    ([1, 10, 100], [5, 4], "equal length"),
])
def test_hill_fit_rejects_bad_input(doses, responses, message):
    with pytest.raises(js.InputError, match=message):
        fit_hill(doses, responses, zero=6.0)


@pytest.mark.parametrize("doses,expected", [
    (np.logspace(0, 4, 9), "ok"),  # 1 nM-10 uM around an IC50 of 30 nM: bracketed, plateau reached
    (np.logspace(-2, 1, 7), "above"),  # up to 10 nM: the IC50 (30 nM) is extrapolated upwards
    (np.logspace(2, 4, 5), "below"),  # from 100 nM: extrapolated downwards
    (np.logspace(0, 2, 5), "open"),  # up to 100 nM = IC77 at slope 1: midpoint inside, plateau extrapolated
])
def test_midpoint_support_says_whether_the_doses_bracket_the_midpoint(doses, expected):
    """A fitted midpoint is a measurement only when the tested doses bracket it, and a
    fitted plateau only when the highest dose reaches 90% of the way to it (IC90)."""
    fit = fit_hill(doses, hill(doses, 100.0, 0.0, 30.0, 1.0), zero=100.0)
    assert fit.ic50 == pytest.approx(30.0, rel=0.01)  # the fit itself is fine on exact data
    assert midpoint_support(fit, np.concatenate([[0.0], doses])) == expected  # dose 0 does not count
    assert fit.occupancy(30.0) == pytest.approx(0.5, rel=0.01) and fit.occupancy(270.0) == pytest.approx(0.9, rel=0.01)


# --------------------------------------------------------------------------- combinations
A = np.concatenate([[0.0], np.logspace(0, 3, 7)])  # drug A doses, zero first
B = np.concatenate([[0.0], np.logspace(0, 3, 6)])


def single(doses, ic50, slope, emax=1.0):
    """Fractional effect of a single agent (0 without drug)."""
    return hill(doses, 0.0, emax, ic50, slope)


def grid(f):
    a, b = np.meshgrid(A, B, indexing="ij")
    return f(a, b)


def effect_fits(e):
    return fit_hill(A[1:], e[1:, 0], zero=0.0), fit_hill(B[1:], e[0, 1:], zero=0.0)


def test_bliss_is_zero_for_independent_drugs():
    """Independent action (Bliss 1939): two drugs acting on independent steps combine
    as 1 - (1 - E_A)(1 - E_B); the Bliss excess must vanish on the whole grid."""
    e = grid(lambda a, b: 1 - (1 - single(a, 30, 1.2)) * (1 - single(b, 100, 0.8)))
    bliss = bliss_excess(e)
    assert np.all(np.isnan(bliss[0, :])) and np.all(np.isnan(bliss[:, 0]))
    np.testing.assert_allclose(bliss[1:, 1:], 0, atol=1e-12)


def test_scores_are_positive_for_a_synergistic_pair_and_negative_for_an_antagonistic_one():
    """Drug B potentiates drug A (lowers its IC50 up to 10-fold): synergy by every model.
    An antagonist that caps the pair at the better single agent scores negative by
    Bliss and zero by HSA."""
    potentiated = grid(lambda a, b: 1 - (1 - single(a, 30 / (1 + 9 * single(b, 100, 1)), 1.2))
                       * (1 - single(b, 100, 1)))
    fit_a, fit_b = effect_fits(potentiated)
    for score in (bliss_excess(potentiated), hsa_excess(potentiated),
                  loewe_excess(A, B, potentiated, fit_a, fit_b)):
        assert np.nanmin(score) > -1e-6 and np.nanmean(score) > 0.02

    capped = grid(lambda a, b: np.maximum(single(a, 30, 1.2), single(b, 100, 1)))
    assert np.nanmax(bliss_excess(capped)) < 1e-12 and np.nanmean(bliss_excess(capped)) < -0.02
    np.testing.assert_allclose(hsa_excess(capped)[1:, 1:], 0, atol=1e-12)


@pytest.mark.parametrize("ic50_b,slope", [(30.0, 1.0), (300.0, 1.0), (90.0, 2.0)])
def test_loewe_is_zero_for_a_drug_combined_with_itself(ic50_b, slope):
    """Sham combination (Loewe 1926): drug B is drug A diluted ic50_b/30-fold, so dose b of
    B is dose b * 30/ic50_b of A and the pair acts as A at a + b * 30/ic50_b."""
    ic50_a = 30.0
    e = grid(lambda a, b: single(a + b * ic50_a / ic50_b, ic50_a, slope))
    fit_a, fit_b = effect_fits(e)
    np.testing.assert_allclose(loewe_excess(A, B, e, fit_a, fit_b)[1:, 1:], 0, atol=1e-4)
    if slope == 1.0:
        # the classic disagreement: a sham combination with Hill slope 1 looks
        # antagonistic to Bliss
        assert np.nanmax(bliss_excess(e)) < 0


def test_loewe_with_a_partial_agent_reduces_to_the_full_agent_above_its_ceiling():
    """Drug B alone never exceeds 30% effect; where the pair's effect exceeds that, only
    drug A can supply it and Loewe expects A's own curve at (a + nothing)."""
    e = grid(lambda a, b: 1 - (1 - single(a, 30, 1)) * (1 - single(b, 10, 1, emax=0.3)))
    fit_a, fit_b = effect_fits(e)
    assert fit_b.saturation == pytest.approx(0.3, rel=0.01)
    loewe = loewe_excess(A, B, e, fit_a, fit_b)
    assert np.all(np.isfinite(loewe[1:, 1:]))
    # HSA <= Loewe-additive expectation <= observed for this pair of cooperating drugs
    assert np.all(hsa_excess(e)[1:, 1:] >= loewe[1:, 1:] - 1e-6)


def test_hsa_is_never_below_bliss_for_fractional_effects():
    """For effects in [0, 1] the Bliss expectation is at least the larger single effect,
    so HSA excess >= Bliss excess everywhere (a sanity bound)."""
    rng = np.random.default_rng(11)
    e = rng.uniform(0, 1, (A.size, B.size))
    e[0, 0] = 0
    assert np.all(hsa_excess(e)[1:, 1:] >= bliss_excess(e)[1:, 1:] - 1e-12)


def test_combination_grids_must_be_two_dimensional():
    with pytest.raises(js.InputError, match="2-D"):
        bliss_excess([0.0, 0.1, 0.2])
