"""The drug layer: where JAK inhibitors act, how several combine, and how potent they
are against measured cellular data (data/pharmacology, docs/pharmacology.md)."""

import math

import numpy as np
import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml import pharmacology as ph

from .conftest import REPO


def _kcell(model, drug, jak):
    """The model's cellular inhibition constant (nM) of ``drug`` on ``jak``."""
    rr = model.roadrunner
    return float(rr[f"Kcell_{drug}_{jak}"])


def _at(model, t, readout, **kw):
    df = model.simulate(t_end=t, points=2, readouts=[readout], **kw)
    return float(df[readout].iloc[-1])


# ----------------------------------------------------------------------------- mechanism


@pytest.mark.parametrize("drug,cytokine,readout", [("ruxolitinib", "IL6", "pSTAT3"), ("tofacitinib", "IL2", "pSTAT5"),
                                                   ("ritlecitinib", "IL6", "pSTAT3")])
def test_model_ic50_finds_the_grid_crossing_a_full_scan_finds(ctcl, drug, cytokine, readout):
    """model_ic50 bisects its dose grid for the first dose reaching half inhibition (it
    scanned every dose up to it, 51 s for `jakstat validate pharmacology`'s 154 context
    IC50s, 11 s now): the same IC50 as scanning the whole grid, to the last bit, for two
    crossings and for a drug that never reaches half on the grid (ritlecitinib, a JAK3
    inhibitor, on IL-6, which signals through JAK1: inf up to 10^5 nM free)."""
    row = {"id": "scan", "drug": drug, "cytokine": cytokine, "readout": readout,
           "cytokine_dose": catalog.CYTOKINES[cytokine].standard_dose, "preincubation_min": 30,
           "stimulation_min": 20}
    doses = np.logspace(-2, 5, 7 * ph.GRID_PER_DECADE + 1)  # model_ic50's default grid
    run = lambda drugs, cyt=True: _at(ctcl, 20, readout, cytokines={cytokine: row["cytokine_dose"]} if cyt else None,
                                      drugs=drugs, preincubation=30)
    stimulated, unstimulated = run(None), run(None, cyt=False)
    scanned = np.array([(stimulated - run({drug: float(d)})) / (stimulated - unstimulated) for d in doses])
    found = ph.model_ic50(ctcl, row)
    assert found == ph._crossing(doses, scanned)
    assert math.isinf(found) == (drug == "ritlecitinib")
    assert np.all(np.diff(scanned) > -1e-6), "inhibition does not rise with the dose: bisection would not apply"


def test_receptor_reserve_no_longer_shields_signalling_from_the_drug():
    """An ATP-site inhibitor blocks every catalytic act of its JAK, including STAT
    phosphorylation by complexes that are already active. So making receptor
    activation 100x faster (a large receptor reserve) must leave the IL-6/pSTAT3
    IC50 within 3x: before the fix, the drug acted on activation only and a fast
    activation made the cell nearly drug-blind (issue 11: < 10% inhibition at 30 uM)."""
    model = js.load_model(context="hepatocyte")
    row = {"id": "reserve", "drug": "ruxolitinib", "cytokine": "IL6", "readout": "pSTAT3",
           "cytokine_dose": "40 ng/mL", "preincubation_min": 30, "stimulation_min": 20}
    kact = model.parameter_values()["kact_receptor"]
    normal = ph.model_ic50(model, row)
    reserve = ph.model_ic50(model, row, parameters={"kact_receptor": 100 * kact})
    assert math.isfinite(normal) and math.isfinite(reserve)
    assert 1 / 3 < reserve / normal < 3
    # and at 30 uM the drug removes nearly all of the signal (occupancy of JAK1 > 99%)
    base = _at(model, 20, "pSTAT3", cytokines={"IL6": "40 ng/mL"}, preincubation=30)
    drugged = _at(model, 20, "pSTAT3", cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": "30 uM"},
                  preincubation=30)
    unstim = _at(model, 20, "pSTAT3", preincubation=30)
    assert (base - drugged) / (base - unstim) > 0.95


def test_drugs_compete_for_one_site_as_n_competitors(ctcl):
    """Ruxolitinib and tofacitinib compete for the same ATP site: occupancy adds as
    sum of [drug]/K. On IFN-alpha, whose receptor works through JAK1's kinase alone
    (Velazquez et al., JBC 1995), one K of each drug must act exactly like two K of
    either (Loewe additivity is then exact), whatever the K values are."""
    k_rux = _kcell(ctcl, "ruxolitinib", "JAK1")
    k_tofa = _kcell(ctcl, "tofacitinib", "JAK1")
    stim = {"IFNA": "10 ng/mL"}
    both = _at(ctcl, 20, "pSTAT1", cytokines=stim, drugs={"ruxolitinib": k_rux, "tofacitinib": k_tofa},
               preincubation=30)
    rux2 = _at(ctcl, 20, "pSTAT1", cytokines=stim, drugs={"ruxolitinib": 2 * k_rux}, preincubation=30)
    tofa2 = _at(ctcl, 20, "pSTAT1", cytokines=stim, drugs={"tofacitinib": 2 * k_tofa}, preincubation=30)
    alone = _at(ctcl, 20, "pSTAT1", cytokines=stim, drugs={"ruxolitinib": k_rux}, preincubation=30)
    assert both == pytest.approx(rux2, rel=1e-4) and both == pytest.approx(tofa2, rel=1e-4)
    assert both < 0.9 * alone  # the second drug does add


def test_drug_free_fraction_in_the_sbml_is_the_general_competitive_form(ctcl):
    """act_JAKx = 1 / (1 + sum_d [d]/K_d,x) read from the compiled model at a dose of
    both drugs (the same formula COPASI and any SBML tool evaluate)."""
    rr = ctcl.roadrunner
    saved = {p: rr[p] for p in ("dose_ruxolitinib", "dose_tofacitinib")}
    try:
        rr["dose_ruxolitinib"], rr["dose_tofacitinib"] = 37.0, 211.0
        for jak in ("JAK1", "JAK2", "JAK3", "TYK2"):
            expected = 1 / (1 + 37.0 / _kcell(ctcl, "ruxolitinib", jak) + 211.0 / _kcell(ctcl, "tofacitinib", jak))
            assert rr[f"act_{jak}"] == pytest.approx(expected, rel=1e-12)
    finally:
        for p, v in saved.items():
            rr[p] = v


def test_the_jak3_a572v_pair_needs_jak1_and_jak3_kinase_activity(ctcl):
    """JAK3 A572V signals without cytokine and needs JAK1 and JAK3 kinase activity
    (Degryse et al., Blood 2014): each JAK's inhibitor at 10x its cellular K removes
    most of the constitutive pSTAT5, also when the pair is already formed (the drug
    acts on the pair's STAT phosphorylation, not only on its formation)."""
    mut = {"JAK3_A572V": 1.0}
    wild = _at(ctcl, 120, "pSTAT5")
    mutant = _at(ctcl, 120, "pSTAT5", mutations=mut)
    assert mutant > 5 * max(wild, 1e-6)
    for drug, jak in [("ruxolitinib", "JAK1"), ("tofacitinib", "JAK3")]:
        dose = 10 * _kcell(ctcl, drug, jak)
        treated = _at(ctcl, 120, "pSTAT5", mutations=mut, drugs={drug: dose}, preincubation=30)
        assert treated - wild < 0.3 * (mutant - wild), drug


# ----------------------------------------------------------------------------- free drug


def test_catalog_fraction_unbound_is_the_posteriors_where_data_inform_it():
    """Point conversions of the whole package (js.plasma, plasma=True, regimens) use the
    fraction unbound that was estimated together with the drug's potency (the posterior
    median): the label's value with the posterior's potency would be an inconsistent pair.
    Drugs no measured row informs keep the label's value, which is also every drug's
    prior centre."""
    from jakstat_sbml.potency.posterior import load_posterior

    draws = load_posterior().draws
    for drug in catalog.drugs():
        d = catalog.drug(drug)
        assert d.label_fraction_unbound == pytest.approx(ph.binding_value(drug, "fu_plasma"))
        if f"fu_{drug}" in draws:
            assert d.fraction_unbound == pytest.approx(float(draws[f"fu_{drug}"].median()))
            assert "posterior" in d.fraction_unbound_source
        else:
            assert d.fraction_unbound == d.label_fraction_unbound


# ----------------------------------------------------------------------------- against measured data


@pytest.fixture(scope="module")
def validation():
    return ph.validate_pharmacology()


def test_every_modelled_row_is_predicted_with_an_interval(validation):
    """Each measured row gets a posterior-median prediction for a new assay and a 90%
    predictive interval; fit and test rows are reported apart."""
    t = validation.table
    assert len(t) == len(ph.measurements())
    assert (t["low_90_nM"] < t["predicted_nM"]).all() and (t["predicted_nM"] < t["high_90_nM"]).all()
    s = validation.summary()
    assert s["test_rows"] > 0 and np.isfinite(s["gmfe_test"])
    # the intervals are predictive, not decorative: most measured rows fall inside
    assert validation.coverage >= 0.75


def test_ruxolitinib_loses_more_to_whole_blood_than_tofacitinib():
    """The matrix effect the free-drug model carries, as the posterior has it: ruxolitinib
    is ~97% bound in plasma (Jakafi/Jakavi labels) and tofacitinib ~40% (Xeljanz label),
    so for the same free concentration far more ruxolitinib must be added to whole blood
    than to medium with 10% fetal bovine serum (>= 5x), and little more tofacitinib
    (< 2x)."""
    from jakstat_sbml.potency import free_drug
    from jakstat_sbml.potency.posterior import load_posterior

    d = load_posterior().draws
    ratio = {}
    for drug in ("ruxolitinib", "tofacitinib"):
        fu, bp = d[f"fu_{drug}"], d[f"bp_{drug}"]
        medium = free_drug.medium_fraction(10.0, fu, d["fbs_albumin"] / d["human_plasma_albumin"])
        ratio[drug] = float(np.median(medium / free_drug.whole_blood_fraction(fu, bp)))
    assert ratio["ruxolitinib"] >= 5 and ratio["tofacitinib"] < 2


def test_ruxolitinib_il6_potency_in_ctcl_is_bracketed_by_whole_blood_data(ctcl):
    """Quintas-Cardama et al., Blood 2010 (doi:10.1182/blood-2009-04-214957): ruxolitinib
    inhibited IL-6-induced STAT3 phosphorylation in whole blood with IC50 281 nM (added).
    The model's IL-6/pSTAT3 IC50 in the T-cell context, converted to what would be added
    to blood with the posterior's fraction unbound and blood-to-plasma ratio, lies within
    5x of it."""
    from jakstat_sbml.potency.posterior import load_posterior

    post = load_posterior()
    fu = float(np.median(post.draws["fu_ruxolitinib"]))
    bp = float(np.median(post.draws["bp_ruxolitinib"]))
    row = ph.measurements().set_index("id").loc["rux_wb_IL6_pSTAT3_quintas2010"].to_dict()
    row["id"] = "rux_wb_IL6_pSTAT3_quintas2010"
    added = ph.model_ic50(ctcl, row) * bp / fu
    assert 281 / 5 < added < 281 * 5


def test_tofacitinib_gamma_c_potency_in_ctcl_is_bracketed_by_whole_blood_data(ctcl):
    """Vafadari et al., Transplantation 2012 (repub.eur.nl/pub/37673): tofacitinib inhibited
    IL-2 -> pSTAT5 in whole-blood CD4+ and CD8+ T cells with IC50 26 and 35 ng/mL (83 and 112
    nM; 312.4 g/mol); free with fu 0.6 that is 50-67 nM. The model's IL-2/pSTAT5 IC50 in
    the T-cell context must lie within 5x of that range."""
    curve = js.dose_response(ctcl, "tofacitinib", "IL2", "pSTAT5", doses=np.logspace(0, 4, 17), time=15)
    assert 50 / 5 < curve.ic50 < 67 * 5


def test_the_documented_validation_is_current(validation):
    """docs/pharmacology.md quotes docs/pharmacology/*.csv; a model or data change
    without `make pharmacology` fails here."""

    stored = pd.read_csv(REPO / "docs" / "pharmacology" / "pharmacology_validation.csv").set_index("id")
    now = validation.table.set_index("id")
    assert set(stored.index) == set(now.index)
    np.testing.assert_allclose(stored.loc[now.index, "model_free_nM"], now["model_free_nM"], rtol=0.02)
    np.testing.assert_allclose(stored.loc[now.index, "measured_nM"], now["measured_nM"], rtol=1e-9)
    np.testing.assert_allclose(stored.loc[now.index, "predicted_nM"], now["predicted_nM"], rtol=0.02)


@pytest.mark.parametrize("kwargs, message", [
    (dict(rows=pd.DataFrame({"a": [1]})), "lack the columns id, drug"),  # was a bare KeyError: 'id'
    (dict(rows=[1, 2]), "must be a DataFrame"),
    (dict(seed=-1), "non-negative"),
])
def test_validate_pharmacology_refuses_bad_input_in_one_line(kwargs, message):
    with pytest.raises(js.InputError, match=message):
        js.validate_pharmacology(**kwargs)
