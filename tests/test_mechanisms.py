"""The two drug mechanisms beside ATP competition (issue 23, item 3): covalent JAK3
inhibition (ritlecitinib, ``covalent_jak3``) and allosteric TYK2 inhibition
(deucravacitinib, ``allosteric_tyk2``). Each expectation names its source; the
numbers of the model these tests rely on are in models/parameters.tsv with theirs.
"""

from __future__ import annotations

import numpy as np
import pytest
import roadrunner

import jakstat_sbml as js
from jakstat_sbml import catalog

from .conftest import REPO
from .test_amici_engine import assert_agree

pytestmark = pytest.mark.filterwarnings("ignore::jakstat_sbml.errors.JakStatWarning")

RITLECITINIB_NM = 50.0  # free; near its IL-15 pSTAT5 IC50 in PBMC, 51 nM (ChEMBL assay CHEMBL4005721)

# Deucravacitinib at clinical exposure, 6 mg once daily (Sotyktu label dose). Average total plasma
# concentration F * dose / (CL * interval) with F 0.99 and CL 254 mL/min (Chimalakonda et al., Clin
# Pharmacol Drug Dev, doi:10.1002/cpdd.1308, abstract; data/jak_inhibitors/extract_pk_labels.tsv)
# and molar mass 425.47 g/mol: 38 nM; free with fu 0.14 (82-90% bound, tertiary source; drugs.tsv):
# 5.3 nM. The test uses 20 nM free, covering the peak over the average (a 10-h half-life at 24-h
# dosing gives less than 2x) and the upper binding bound (fu 0.18).
DEUCRA_CSS_TOTAL_NM = 0.99 * 6e6 / 425.47 / (0.254 * 60 * 24)  # ng/h / (g/mol) / (L/h) = nM
DEUCRA_CLINICAL_FREE_NM = 20.0

# Pathways without TYK2 in their catalytic JAKs (models/tables/complexes.tsv), in the ctcl
# context: gamma-c cytokines JAK1/JAK3, IFN-gamma JAK2, IFN-alpha JAK1 (TYK2 structural, Velazquez
# et al., JBC 1995), IL-6 JAK1 (with a minor gp130-TYK2 route, f_IL6ST_minor_JAK). Not IL-4/IL-13:
# their type II receptor uses IL13RA1-TYK2. GM-CSF (JAK2) in the monocyte context, where it signals.
JAK123_PATHWAYS = [("IL2", "pSTAT5"), ("IL15", "pSTAT5"), ("IL21", "pSTAT3"), ("IFNG", "pSTAT1"),
                   ("IFNA", "pSTAT1"), ("IL6", "pSTAT3")]


def inhibition(model, cytokine, readout, drugs, preincubation=30.0, time=15.0) -> float:
    """Percent inhibition of the readout at ``time`` min by ``drugs`` (free nM)."""
    dose = catalog.cytokine(cytokine).standard_dose
    kw = dict(cytokines={cytokine: dose}, t_end=time, points=2, readouts=[readout])
    base = model.simulate(**kw)[readout].iloc[-1]
    treated = model.simulate(**kw, drugs=drugs, preincubation=preincubation)[readout].iloc[-1]
    return 100.0 * (1.0 - treated / base)


def test_both_drugs_are_listed_with_their_mechanisms():
    listed = js.drugs()
    names = list(listed.index) if hasattr(listed, "index") and not isinstance(listed, list) else list(listed)
    assert {"ritlecitinib", "deucravacitinib"} <= {str(n) for n in names} | set(
        getattr(listed, "drug", []) if hasattr(listed, "drug") else [])
    assert catalog.drug("ritlecitinib").mechanism == "covalent_jak3"
    assert catalog.drug("deucravacitinib").mechanism == "allosteric_tyk2"


def test_the_drug_free_steady_state_has_no_bonded_jak3(ctcl):
    """The bonded JAK3 starts at 0 without drug and stays there: the new species leaves the
    drug-free model as it was (act_JAK3 = 1)."""
    start = ctcl.initial_concentrations(ctcl.condition(cytokines={"IL2": "1 ng/mL"}))
    assert start["ritlecitinib_JAK3_adduct"] == 0.0
    with_other_drug = ctcl.initial_concentrations(ctcl.condition(cytokines={"IL2": "1 ng/mL"},
                                                                 drugs={"tofacitinib": 100}))
    assert with_other_drug["ritlecitinib_JAK3_adduct"] == 0.0  # only ritlecitinib bonds


def test_ritlecitinib_inhibition_grows_with_preincubation_at_a_fixed_dose(ctcl):
    """Covalent: the bonded fraction grows with time in drug, so a JAK3 pathway (IL-15 pSTAT5,
    gamma-c: JAK1/JAK3) is inhibited more the longer the cells are pre-incubated. Ritlecitinib is
    an irreversible JAK3 inhibitor (EU SmPC 5.1); its cellular IC50s were measured after 45 and
    75 min pre-incubation (ChEMBL assays CHEMBL4005714, CHEMBL4005721)."""
    times = (0.0, 30.0, 75.0, 240.0)
    values = [inhibition(ctcl, "IL15", "pSTAT5", {"ritlecitinib": RITLECITINIB_NM}, preincubation=t) for t in times]
    assert all(b > a + 2.0 for a, b in zip(values, values[1:])), values
    assert values[0] < 40 and values[-1] > 70, values


@pytest.fixture(scope="module")
def ritlecitinib_ic50s(ctcl):
    """The model's free IL-15 pSTAT5 IC50 of ritlecitinib after the two pre-incubations of its
    rows (75 min, PBMC; 45 min, whole blood), at the fitted cellular factor."""
    doses = np.geomspace(5, 1000, 25)
    pbmc = js.dose_response(ctcl, "ritlecitinib", "IL15", doses=doses, time=15, preincubation=75).ic50
    blood = js.dose_response(ctcl, "ritlecitinib", "IL15", doses=doses, time=15, preincubation=45).ic50
    return pbmc, blood


def test_ritlecitinib_reproduces_its_pbmc_row_and_the_covalent_order(ritlecitinib_ic50s):
    """IL-15 pSTAT5 in one document (ChEMBL CHEMBL4004825): PBMC 51 nM added after 75 min
    (CHEMBL4005721), whole blood 106 nM free after 45 min (CHEMBL4005785; 197 nM total,
    CHEMBL4005714). cellular_factor_ritlecitinib is the potency posterior's median, fitted to
    both rows as an anchor (one source, no independent test; docs/pharmacology.md). The model
    at that factor must place the PBMC row within issue 22's target fold error (2.5x) of the
    measured value (its serum is not stated: 51 nM added is an upper bound of free, read with
    the posterior's binding), and the longer pre-incubation must give the lower IC50 (covalent)."""
    pbmc, blood = ritlecitinib_ic50s
    assert pbmc < blood
    assert 51 / 2.5 < pbmc <= 51 * 2.5


@pytest.mark.xfail(strict=True, reason="missed since the posterior was refitted with tau, sigma ~ HalfNormal(0.5) "
                                       "(docs/pharmacology.md 7): the wider between-source spread lets the anchor's "
                                       "one source carry part of its offset, so the factor's median moved towards "
                                       "the Cheng-Prusoff prior (12.05 to 9.91) and the model's whole-blood IC50 is "
                                       "36 nM free against the measured 106 (2.9x; within 2.5x before the refit)")
def test_ritlecitinib_reproduces_its_whole_blood_row(ritlecitinib_ic50s):
    """The whole-blood row of the same document (106 nM free after 45 min) within 2.5x of the
    model at the fitted factor, as the PBMC row above."""
    _, blood = ritlecitinib_ic50s
    assert 106 / 2.5 < blood < 106 * 2.5


def test_ritlecitinib_spares_jak2_and_tyk2_pathways(ctcl):
    """JAK2 and TYK2 IC50s above 10 uM at 1 mM ATP (ChEMBL CHEMBL4265556/7): not targets.
    At a dose that half-inhibits IL-15, GM-CSF (JAK2) and IL-12 (TYK2/JAK2) are untouched."""
    for cytokine, readout in (("IL12", "pSTAT4"), ("IFNG", "pSTAT1"), ("IFNA", "pSTAT1"), ("IL6", "pSTAT3")):
        assert abs(inhibition(ctcl, cytokine, readout, {"ritlecitinib": RITLECITINIB_NM}, 75.0)) < 0.5, cytokine


def test_bonded_jak3_accumulates_over_doses_and_recovers_only_with_turnover():
    """Dosing history: short exposures (1 h of drug, 23 h without: ritlecitinib's plasma
    half-life is 1.3-2.3 h) leave bonded JAK3 that decays at the JAK3 turnover rate
    (kturnover_JAK3) between them, so it accumulates from dose to dose; with no turnover
    it would not decay at all."""
    rr = roadrunner.RoadRunner(str(REPO / "models" / "jakstat.xml"))
    k = rr["kturnover_JAK3"]

    def course(turnover):
        rr.resetAll()
        rr["kturnover_JAK3"] = turnover
        rr.simulate(0, 3000, 2)  # drug-free steady state (no cytokine)
        troughs, t = [], rr.model.getTime()
        for _ in range(3):
            rr["dose_ritlecitinib"] = 200.0
            rr.simulate(t, t + 60, 2)
            rr["dose_ritlecitinib"] = 0.0
            rr.simulate(t + 60, t + 1440, 2)
            t += 1440
            troughs.append(rr["inactivated_JAK3"])
        return troughs

    troughs = course(k)
    assert troughs[0] > 0.05 and troughs[0] < troughs[1] < troughs[2] < 1, troughs
    no_turnover = course(0.0)
    assert no_turnover[0] > troughs[0] * 1.5  # recovery comes from turnover alone
    rr["kturnover_JAK3"] = k


def test_deucravacitinib_leaves_jak1_jak2_jak3_pathways_untouched_at_clinical_exposure(ctcl):
    """Allosteric TYK2 (JH2) inhibitor; JH1 of JAK1/JAK2/JAK3 and TYK2 above 10 uM (ChEMBL
    document CHEMBL4376812). At clinical free exposure no pathway without catalytic TYK2 moves
    (< 0.5%), while IL-12 pSTAT4 (TYK2/JAK2; its IL-23 IC50 9 nM in PBMC, same document) is
    inhibited substantially."""
    assert 25 < DEUCRA_CSS_TOTAL_NM < 55
    assert DEUCRA_CLINICAL_FREE_NM > 3 * DEUCRA_CSS_TOTAL_NM * catalog.drug("deucravacitinib").fraction_unbound
    drugs = {"deucravacitinib": DEUCRA_CLINICAL_FREE_NM}
    for cytokine, readout in JAK123_PATHWAYS:
        assert abs(inhibition(ctcl, cytokine, readout, drugs, 60.0)) < 0.5, cytokine
    assert abs(inhibition(js.load_model(context="monocyte"), "GMCSF", "pSTAT5", drugs, 60.0)) < 0.5
    assert inhibition(ctcl, "IL12", "pSTAT4", drugs, 60.0) > 40
    assert js.dose_response(ctcl, "deucravacitinib", "IL12", doses=np.geomspace(0.3, 300, 13), time=15,
                            preincubation=60).ic50 == pytest.approx(9, rel=0.1)


def test_deucravacitinib_does_not_compete_with_an_atp_site_drug(ctcl):
    """Non-competitive: on TYK2 the JH2 factor multiplies the ATP-site term, so with
    ruxolitinib the remaining IL-12 signal is close to the product of the two remaining
    fractions (Bliss independence of the two inhibitions of TYK2); ruxolitinib also
    inhibits JAK2 of the IL-12 receptor, which keeps the product approximate."""
    a = inhibition(ctcl, "IL12", "pSTAT4", {"deucravacitinib": 5.0}, 60.0)
    b = inhibition(ctcl, "IL12", "pSTAT4", {"ruxolitinib": 3.0}, 60.0)
    ab = inhibition(ctcl, "IL12", "pSTAT4", {"deucravacitinib": 5.0, "ruxolitinib": 3.0}, 60.0)
    assert ab > max(a, b) + 5
    bliss = 100 * (1 - (1 - a / 100) * (1 - b / 100))
    assert abs(ab - bliss) < 10, (a, b, ab, bliss)


def test_combinations_with_ruxolitinib_are_expressible(ctcl):
    """A covalent or allosteric drug with an ATP-competitive one (issue 23, item 3)."""
    covalent = js.combination(ctcl, "ritlecitinib", "ruxolitinib", "IL15", doses_a=(10, 100), doses_b=(10, 100),
                              time=15)
    allosteric = js.combination(ctcl, "deucravacitinib", "ruxolitinib", "IL12", doses_a=(1, 10), doses_b=(10, 100),
                                time=15)
    for c in (covalent, allosteric):
        r = np.asarray(c.responses if hasattr(c, "responses") else c.matrix, dtype=float)
        assert np.all(np.isfinite(r)) and r.ndim == 2 and r[-1, -1] < r[0, 0]  # both drugs on: less signal


def test_an_atp_site_drug_protects_jak3_from_the_covalent_bond(ctcl):
    """The covalent step acts on reversibly bound JAK3, which an ATP-site competitor displaces:
    tofacitinib (JAK3 IC50 1.6 nM at Km ATP, Meyer et al. 2010) lowers the bonded fraction."""
    cond = dict(cytokines={"IL15": "10 ng/mL"}, preincubation=75.0)
    alone = ctcl.initial_concentrations(ctcl.condition(drugs={"ritlecitinib": 100}, **cond))
    both = ctcl.initial_concentrations(ctcl.condition(drugs={"ritlecitinib": 100, "tofacitinib": 300}, **cond))
    assert 0 < both["ritlecitinib_JAK3_adduct"] < 0.8 * alone["ritlecitinib_JAK3_adduct"]


def test_amici_computes_what_roadrunner_computes_for_both_mechanisms(ctcl):
    pytest.importorskip("amici")
    conds = [ctcl.condition(cytokines={"IL15": "10 ng/mL"}, drugs={"ritlecitinib": 60}, preincubation=75),
             ctcl.condition(cytokines={"IL12": "10 ng/mL"}, drugs={"deucravacitinib": 5, "ruxolitinib": 30},
                            preincubation=60),
             ctcl.condition(cytokines={"IL2": "1 ng/mL"}, drugs={"ritlecitinib": 30, "tofacitinib": 10})]
    for cond in conds:
        assert_agree(js.run(ctcl, [cond], engine="amici").to_numpy(), js.run(ctcl, [cond]).to_numpy(), cond.label())
