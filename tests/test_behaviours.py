"""DESIGN 2.5: the behaviours the model must show, each with its source.

Signalling strength is the AUC over 0-120 min of the cytokine's main readout
(catalog: IL-2/IL-15 pSTAT5, IL-4/IL-13 pSTAT6, IL-6/IL-21 pSTAT3, IL-12 pSTAT4,
IFN-alpha/gamma pSTAT1, GM-CSF and EPO pSTAT5) at the catalog's standard dose, in the CTCL
context unless stated (GM-CSF: the monocyte context; EPO: the erythroid context).
"""

import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.experiments import dose_response

from .conftest import auc, standard

MAIN = {c: catalog.CYTOKINES[c].main_readout for c in catalog.CYTOKINES}
STATS = ["STAT1", "STAT2", "STAT3", "STAT4", "STAT5A", "STAT5B", "STAT6"]


def signalling(model, cytokine, **kw):
    return auc(model.simulate(cytokines=standard(cytokine), **kw), MAIN[cytokine])


def relative(model, gene, cytokine, background=()):
    """Signalling with ``gene`` knocked out, relative to the same cell without it."""
    ko = signalling(model, cytokine, knockouts=[gene, *background])
    wt = signalling(model, cytokine, knockouts=list(background) or None)
    return ko / wt


# --------------------------------------------------------------------------- 1
@pytest.mark.parametrize("context", ["ctcl", "hepatocyte", "monocyte", "erythroid", "baf3_epor"])
def test_1_no_cytokine_stays_basal_at_steady_state(context):
    """Without cytokine, phospho-STATs stay below 2% of total and nothing moves
    (DESIGN 2.5.1; basal pSTAT3 ~1% of total by mass spectrometry in hepatocytes,
    Sobotta 2017 data, pSTAT3_ms at t = 18 min without IL-6: 1.1-1.5%)."""
    model = js.load_model(context=context)
    totals = model.parameter_values()
    df = model.simulate(t_end=240)
    for s in STATS:
        readout = f"p{s}"
        assert df[readout].abs().max() < 0.02 * totals[f"{s}_total"] or totals[f"{s}_total"] == 0, s
    values = df.drop(columns="time").to_numpy()
    np.testing.assert_allclose(values, np.broadcast_to(values[0], values.shape), rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- 2
def test_2_il6_pstat3_transient_and_socs3_mrna_follows(hepatocyte):
    """IL-6 40 ng/mL in hepatocytes: pSTAT3 peaks within 5-30 min and falls below half
    its peak by 90 min; SOCS3 mRNA peaks at 25-60 min, after pSTAT3 (Sobotta et al.,
    Front Physiol 2017, data/petab/Sobotta_Frontiers2017; Braun et al., JBC 2013)."""
    df = hepatocyte.simulate(cytokines={"IL6": "40 ng/mL"}, t_end=120, points=241)
    t = df["time"].to_numpy()
    p = df["pSTAT3"].to_numpy()
    m = df["SOCS3_mRNA"].to_numpy()
    t_p, t_m = t[np.argmax(p)], t[np.argmax(m)]
    assert 5 <= t_p <= 30
    assert np.interp(90, t, p) < 0.5 * p.max()
    assert 25 <= t_m <= 60
    assert t_m > t_p


# --------------------------------------------------------------------------- 3
def test_3_socs3_knockout_keeps_il6_pstat3_high(hepatocyte):
    """SOCS3-deficient cells: IL-6 pSTAT3 prolonged, >= 2x wild type at 120 min
    (Croker et al., Nat Immunol 2003; Yasukawa et al., Nat Immunol 2003)."""
    wt = hepatocyte.simulate(cytokines={"IL6": "40 ng/mL"})
    ko = hepatocyte.simulate(cytokines={"IL6": "40 ng/mL"}, knockouts=["SOCS3"])
    assert ko["pSTAT3"].iloc[-1] >= 2 * wt["pSTAT3"].iloc[-1]


# --------------------------------------------------------------------------- 4
@pytest.mark.parametrize("cytokine", ["IL6", "IL2", "IL4", "IFNA", "IFNG"])
def test_4_jak1_knockout_cripples_jak1_cytokines(ctcl, cytokine):
    """JAK1-deficient cells: IL-6, IL-2, IL-4, IFN-alpha, IFN-gamma signalling <= 20%
    of wild type (Rodig et al., Cell 1998)."""
    assert relative(ctcl, "JAK1", cytokine) <= 0.20


def test_4_jak3_knockout_abolishes_gamma_c_cytokines_only(ctcl):
    """JAK3 deficiency: IL-2 and IL-4 type I signalling abolished; IL-6 and IFN-gamma
    unchanged (JAK3-SCID; Rodig et al., Cell 1998 for the JAK1 counterpart).
    Type I IL-4 is isolated by removing the type II chain IL13RA1."""
    assert relative(ctcl, "JAK3", "IL2") < 0.01
    assert relative(ctcl, "JAK3", "IL4", background=["IL13RA1"]) < 0.01
    assert relative(ctcl, "JAK3", "IL6") == pytest.approx(1, abs=0.02)
    assert relative(ctcl, "JAK3", "IFNG") == pytest.approx(1, abs=0.02)


def test_4_jak2_knockout_abolishes_ifng_and_il12(ctcl):
    """JAK2-deficient cells do not respond to IFN-gamma (Neubauer et al., Cell 1998;
    Parganas et al., Cell 1998); IL-12 signals through JAK2/TYK2."""
    assert relative(ctcl, "JAK2", "IFNG") < 0.01
    assert relative(ctcl, "JAK2", "IL12") < 0.01


def test_4_tyk2_knockout(ctcl):
    """TYK2 deficiency: IL-12 abolished, IFN-alpha strongly reduced, IFN-gamma unchanged
    (Minegishi et al., Immunity 2006; Shimoda et al., Immunity 2000)."""
    assert relative(ctcl, "TYK2", "IL12") < 0.01
    assert relative(ctcl, "TYK2", "IFNA") <= 0.20
    assert relative(ctcl, "TYK2", "IFNG") == pytest.approx(1, abs=0.02)


# --------------------------------------------------------------------------- 5
def test_5_stat1_knockout_shifts_il6_to_stat3_homodimers(ctcl):
    """STAT1 and STAT3 compete for partners at gp130: without STAT1, IL-6 makes more
    STAT3 homodimers (STAT1:STAT3 heterodimers disappear) (Costa-Pereira et al.,
    PNAS 2002: IL-6 STAT3 responses rise in STAT1-null cells)."""
    wt = ctcl.simulate(cytokines=standard("IL6"))
    ko = ctcl.simulate(cytokines=standard("IL6"), knockouts=["STAT1"])
    assert auc(ko, "pSTAT3_pSTAT3_nuc") > 1.2 * auc(wt, "pSTAT3_pSTAT3_nuc")
    assert auc(ko, "pSTAT1_pSTAT3_nuc") == pytest.approx(0, abs=1e-6)
    assert auc(wt, "pSTAT1_pSTAT3_nuc") > 0


def test_5_stat2_knockout_removes_isgf3(ctcl):
    """ISGF3 is STAT1:STAT2:IRF9: no STAT2, no ISGF3 (Park et al., Immunity 2000)."""
    wt = ctcl.simulate(cytokines=standard("IFNA"))
    ko = ctcl.simulate(cytokines=standard("IFNA"), knockouts=["STAT2"])
    assert auc(wt, "nuc_ISGF3") > 1
    assert auc(ko, "nuc_ISGF3") < 1e-6 * auc(wt, "nuc_ISGF3")


@pytest.mark.parametrize("stat,cytokine,readout", [
    ("STAT1", "IFNG", "pSTAT1"), ("STAT3", "IL6", "pSTAT3"), ("STAT4", "IL12", "pSTAT4"),
    ("STAT5A", "IL2", "pSTAT5A"), ("STAT5B", "IL2", "pSTAT5B"), ("STAT6", "IL4", "pSTAT6"),
    ("STAT2", "IFNA", "pSTAT2"),
])
def test_5_stat_knockouts_remove_their_own_readout(ctcl, stat, cytokine, readout):
    ko = ctcl.simulate(cytokines=standard(cytokine), knockouts=[stat])
    assert ko[readout].abs().max() < 1e-9


# --------------------------------------------------------------------------- 6
def test_6_cish_knockout_raises_il2_pstat5(ctcl):
    """CISH-deficient T cells: stronger IL-2 pSTAT5 (Yang et al., Nat Immunol 2013;
    Palmer et al., J Exp Med 2015)."""
    assert relative(ctcl, "CISH", "IL2") > 1.2


def test_6_socs1_knockout_prolongs_ifng_pstat1(ctcl):
    """SOCS1-deficient cells: prolonged IFN-gamma pSTAT1 (Brysha et al., JBC 2001;
    Alexander et al., Cell 1999)."""
    wt = ctcl.simulate(cytokines=standard("IFNG"))
    ko = ctcl.simulate(cytokines=standard("IFNG"), knockouts=["SOCS1"])
    late_wt = wt["pSTAT1"].iloc[-1] / wt["pSTAT1"].max()
    late_ko = ko["pSTAT1"].iloc[-1] / ko["pSTAT1"].max()
    assert late_ko > 1.5 * late_wt
    assert ko["pSTAT1"].iloc[-1] > 1.5 * wt["pSTAT1"].iloc[-1]


# --------------------------------------------------------------------------- 7
@pytest.mark.parametrize("cytokine,readout", [("IFNG", "nuc_pSTAT1"), ("IL6", "nuc_pSTAT3")])
def test_7_tcptp_knockout_prolongs_nuclear_pstat(ctcl, cytokine, readout):
    """TC-PTP (PTPN2) knockout cells keep nuclear pSTAT1 (IFN-gamma) and pSTAT3 (IL-6)
    phosphorylated for longer (ten Hoeve et al., MCB 2002)."""
    wt = ctcl.simulate(cytokines=standard(cytokine))
    ko = ctcl.simulate(cytokines=standard(cytokine), knockouts=["PTPN2"])
    assert ko[readout].iloc[-1] > 1.5 * wt[readout].iloc[-1]
    assert ko[readout].iloc[-1] / ko[readout].max() > wt[readout].iloc[-1] / wt[readout].max()


@pytest.mark.xfail(strict=True, reason="known miss, found by a CTCL audit: the model's SHP-1 is also the only "
                                       "route that frees CISH- and SOCS1-bound receptor complexes to signal again "
                                       "(release_CISH_IL2R, models/generated/complexes.ant), so its knockout lowers "
                                       "the IL-2/pSTAT5 AUC to 0.81x and IL-21/pSTAT3 to about 0.94x, while pJAK3 "
                                       "rises 9%")
@pytest.mark.parametrize("cytokine,readout", [("IL2", "pSTAT5"), ("IL21", "pSTAT3")])
def test_7b_shp1_knockout_does_not_weaken_gamma_c_signalling(ctcl, cytokine, readout):
    """SHP-1 (PTPN6) is a negative regulator of JAK/STAT signalling in lymphoma cells: its
    siRNA knockdown raised pJAK3 and pSTAT3 in an ALK+ ALCL line (Han et al., Blood 2006,
    108:2796, abstract seen) and left pSTAT3 unchanged in Sezary cells (Leukemia 2011,
    doi:10.1038/leu.2011.198, abstract seen). Expectation: the knockout does not lower the
    readout's 0-120 min AUC below 0.95x the wild type's (5% for solver and model slack)."""
    wt = ctcl.simulate(cytokines=standard(cytokine), readouts=[readout])
    ko = ctcl.simulate(cytokines=standard(cytokine), knockouts=["PTPN6"], readouts=[readout])
    assert auc(ko, readout) >= 0.95 * auc(wt, readout)


# --------------------------------------------------------------------------- 8
@pytest.mark.parametrize("pias,cytokine,stat", [("PIAS3", "IL6", "STAT3"), ("PIAS1", "IFNG", "STAT1")])
def test_8_pias_overexpression_blocks_transcription_not_phosphorylation(ctcl, pias, cytokine, stat):
    """PIAS3 (PIAS1) binds activated STAT3 (STAT1) and blocks DNA binding and
    transcription without changing its tyrosine phosphorylation (Chung et al., Science
    1997; Liu et al., PNAS 1998). Compared over the first 30 min, before feedback
    (SOCS) responds to the lower output."""
    wt = ctcl.simulate(cytokines=standard(cytokine), t_end=30)
    ox = ctcl.simulate(cytokines=standard(cytokine), overexpress={pias: 5}, t_end=30)
    window = (0, 30)
    assert auc(ox, f"tx_{stat}", window) < 0.7 * auc(wt, f"tx_{stat}", window)
    assert auc(ox, f"p{stat}", window) == pytest.approx(auc(wt, f"p{stat}", window), rel=0.10)


# --------------------------------------------------------------------------- 9
DOSES = [0.3, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000]


def test_9_ruxolitinib_cellular_potency_below_biochemical(ctcl):
    """ATP competition: in cells ruxolitinib is less potent than on the isolated
    kinase, so its free IL-6/pSTAT3 IC50 lies above the biochemical JAK1 IC50 of 3.3 nM
    (Quintas-Cardama et al., Blood 2010); and it agrees with the measured whole-blood
    IC50 of 281 nM (same paper) within 5x once both are total concentrations (plasma
    fu 0.03: docs/pharmacology.md)."""
    curve = dose_response(ctcl, "ruxolitinib", "IL6", "pSTAT3", doses=DOSES, time=20)
    assert curve.ic50 > 3.3
    assert 281 / 5 < curve.ic50_plasma < 281 * 5
    assert curve.max_effect > 0.9


def test_9_tofacitinib_prefers_gamma_c_cytokines(ctcl):
    """Tofacitinib inhibits the JAK1/JAK3 cytokines (IL-2, IL-4 type I) more potently
    than the JAK1/JAK2/TYK2 ones (IL-6, IFN-gamma, IL-12) (Meyer et al., J Inflamm
    2010; Clark et al., J Med Chem 2014)."""
    ic50 = {}
    for cytokine in ["IL2", "IL4", "IL6", "IFNG", "IL12"]:
        background = {"knockouts": ["IL13RA1"]} if cytokine == "IL4" else {}
        ic50[cytokine] = dose_response(ctcl, "tofacitinib", cytokine, MAIN[cytokine], doses=DOSES,
                                       time=20, **background).ic50
    assert max(ic50["IL2"], ic50["IL4"]) < min(ic50["IL6"], ic50["IFNG"], ic50["IL12"])


# --------------------------------------------------------------------------- 10
def test_10_pimozide_lowers_pstat5_not_jak_phosphorylation(ctcl):
    """Pimozide lowers STAT5 tyrosine phosphorylation at 5-20 uM without inhibiting JAKs
    (Nelson et al., Blood 2011)."""
    wt = ctcl.simulate(cytokines=standard("IL2"))
    for uM in (5, 10, 20):
        pim = ctcl.simulate(cytokines=standard("IL2"), drugs={"pimozide": f"{uM} uM"}, preincubation=30)
        assert auc(pim, "pSTAT5") < 0.8 * auc(wt, "pSTAT5"), uM
        for jak in ("pJAK1", "pJAK3"):
            assert auc(pim, jak) == pytest.approx(auc(wt, jak), rel=0.05), (uM, jak)
    strong = ctcl.simulate(cytokines=standard("IL2"), drugs={"pimozide": "20 uM"}, preincubation=30)
    weak = ctcl.simulate(cytokines=standard("IL2"), drugs={"pimozide": "5 uM"}, preincubation=30)
    assert auc(strong, "pSTAT5") < auc(weak, "pSTAT5")


# --------------------------------------------------------------------------- 11
def _largest_knockout_change(model, gene, readouts, wild: dict) -> float:
    """The largest relative change of any readout's AUC when ``gene`` is knocked out,
    over the cytokines (or, for a ligand gene, in cells secreting their own ligand)."""
    ligands = {g: c for c in catalog.CYTOKINES.values() for g in c.genes}
    if gene in ligands:
        c = ligands[gene]
        own = {f"{c.name}_autocrine": dict(js.Condition.make(cytokines=standard(c.name)).cytokines)[c.name]}
        wt_df, ko_df = model.simulate(parameters=own), model.simulate(parameters=own, knockouts=[gene])
        wt = np.array([auc(wt_df, r) for r in readouts])
        ko = np.array([auc(ko_df, r) for r in readouts])
        return float((np.abs(ko - wt) / np.maximum(np.abs(wt), 1.0)).max())
    best = 0.0
    for c in js.cytokines():
        if (model.context, c) not in wild:
            df = model.simulate(cytokines=standard(c))
            wild[model.context, c] = np.array([auc(df, r) for r in readouts])
        wt = wild[model.context, c]
        knocked = model.simulate(cytokines=standard(c), knockouts=[gene])
        ko = np.array([auc(knocked, r) for r in readouts])
        best = max(best, float((np.abs(ko - wt) / np.maximum(np.abs(wt), 1.0)).max()))
        if best >= 0.10:
            break
    return best


def test_11_no_dead_genes(ctcl, monocyte, erythroid):
    """Every gene of DESIGN 2.1 changes at least one readout by >= 10% (AUC 0-120 min)
    under at least one cytokine when knocked out. Changes are relative to the wild-type
    AUC, floored at 1 nM*min (tx_* at 1 unit*min) so numerical noise cannot count.
    A ligand gene makes only the cells' own ligand, never the cytokine added to the
    medium, and the modelled cells secrete none (models/generated/cytokines.ant): it is
    tested in cells that secrete their ligand at its standard dose (*_autocrine).
    Genes are tested in the CTCL context; those a T cell does not express (GM-CSF and
    its receptor CSF2RA/CSF2RB, myeloid: Hercus et al., Blood 2009) in the monocyte
    context, the cell that carries them; EPO and EPOR (erythroid) in the erythroid context."""
    readouts = js.readouts()
    wild: dict = {}  # (context, cytokine) -> wild-type AUCs
    dead = []
    for gene in js.genes():
        best = _largest_knockout_change(ctcl, gene, readouts, wild)
        if best < 0.10:
            best = max(best, _largest_knockout_change(monocyte, gene, readouts, wild))
        if best < 0.10:
            best = max(best, _largest_knockout_change(erythroid, gene, readouts, wild))
        if best < 0.10:
            dead.append((gene, round(best, 3)))
    assert not dead, f"knockouts without effect: {dead}"


# --------------------------------------------------------------------------- 12
# The gamma-c cytokines IL-15 and IL-21 (CTCL) and GM-CSF (monocyte), issue 15.


def test_12_il15_signals_like_il2_at_saturating_dose(ctcl):
    """IL-15 and IL-2 dimerise IL2RB/gamma-c identically and signal alike; their
    differences come from their alpha chains, which a saturating dose overrides (Ring
    et al., Nat Immunol 2012, doi:10.1038/ni.2449): pSTAT5 AUC at 100 ng/mL within 1.5x."""
    il2 = auc(ctcl.simulate(cytokines={"IL2": "100 ng/mL"}), "pSTAT5")
    il15 = auc(ctcl.simulate(cytokines={"IL15": "100 ng/mL"}), "pSTAT5")
    assert 1 / 1.5 < il15 / il2 < 1.5


def test_12_il15ra_sensitises_cells_to_low_il15(ctcl):
    """IL15RA binds IL-15 with 10-100 pM affinity and raises its affinity for IL2RB
    (Giri et al., EMBO J 1995; Ring et al., Nat Immunol 2012): without IL15RA, 0.1 ng/mL
    IL-15 gives less than half the pSTAT5; IL-2 is unaffected."""
    assert relative(ctcl, "IL15RA", "IL15") < 1  # at the standard dose too
    low = {"IL15": "0.1 ng/mL"}
    ko = auc(ctcl.simulate(cytokines=low, knockouts=["IL15RA"]), "pSTAT5")
    assert ko < 0.5 * auc(ctcl.simulate(cytokines=low), "pSTAT5")
    assert relative(ctcl, "IL15RA", "IL2") == pytest.approx(1, abs=0.01)


def test_12_il21_main_readout_is_pstat3(ctcl):
    """IL-21 activates STAT3 most, STAT1 and (weakly) STAT5 less, in T cells (Asao et al.
    2001 and Bennet et al. 2003 in Reactome R-HSA-9006870; Zeng et al., Blood 2007)."""
    df = ctcl.simulate(cytokines=standard("IL21"))
    assert catalog.CYTOKINES["IL21"].main_readout == "pSTAT3"
    assert auc(df, "pSTAT3") > auc(df, "pSTAT1") > 0
    assert auc(df, "pSTAT3") > auc(df, "pSTAT5") > 0


def test_12_gamma_c_knockout_abolishes_il15_and_il21(ctcl):
    """X-SCID: without gamma-c (IL2RG) or its JAK3 no IL-15 or IL-21 signal (Noguchi et
    al., Cell 1993; Asao et al. 2001: IL-21 needs gamma-c); each private chain is needed
    only by its own cytokine (IL2RB for IL-15, IL21R for IL-21)."""
    for gene in ("IL2RG", "JAK3"):
        assert relative(ctcl, gene, "IL15") < 0.01
        assert relative(ctcl, gene, "IL21") < 0.01
    assert relative(ctcl, "IL2RB", "IL15") < 0.01
    assert relative(ctcl, "IL2RB", "IL21") == pytest.approx(1, abs=0.02)
    assert relative(ctcl, "IL21R", "IL21") < 0.01
    assert relative(ctcl, "IL21R", "IL15") == pytest.approx(1, abs=0.02)


def test_12_gmcsf_drives_pstat5_in_monocytes_only(ctcl, hepatocyte, monocyte):
    """GM-CSF acts on myeloid cells through CSF2RA/betac and JAK2 and activates STAT5
    (Hercus et al., Blood 2009): in monocytes pSTAT5 peaks above 10% of STAT5; T cells
    and hepatocytes, without the receptor, do not respond."""
    df = monocyte.simulate(cytokines=standard("GMCSF"))
    totals = monocyte.parameter_values()
    assert df["pSTAT5"].max() > 0.10 * (totals["STAT5A_total"] + totals["STAT5B_total"])
    for model in (ctcl, hepatocyte):
        stimulated = auc(model.simulate(cytokines=standard("GMCSF")), "pSTAT5")
        assert stimulated == pytest.approx(auc(model.simulate(), "pSTAT5"), abs=1e-6)


def test_12_betac_and_jak2_knockouts_abolish_gmcsf(monocyte):
    """Betac-deficient mice do not respond to GM-CSF (Nishinakamura et al., Immunity
    1995); JAK2-deficient cells do not respond to GM-CSF (Parganas et al., Cell 1998);
    CSF2RA binds the cytokine (Hercus et al., Blood 2009)."""
    for gene in ("CSF2RB", "CSF2RA", "JAK2"):
        assert relative(monocyte, gene, "GMCSF") < 0.01, gene


def test_12_tofacitinib_spares_the_jak2_homodimer(ctcl, monocyte):
    """Tofacitinib inhibits JAK1/JAK3 pairs far more potently than JAK2/JAK2 (Xeljanz
    prescribing information: IC50 56 vs 1377 nM): its GM-CSF/pSTAT5 IC50 in monocytes lies
    above 3x its IL-15/pSTAT5 IC50 in T cells; ruxolitinib, a JAK1/JAK2 inhibitor
    (Quintas-Cardama et al., Blood 2010), inhibits GM-CSF more potently than tofacitinib."""
    tofa_il15 = dose_response(ctcl, "tofacitinib", "IL15", "pSTAT5", doses=DOSES, time=20).ic50
    tofa_gm = dose_response(monocyte, "tofacitinib", "GMCSF", "pSTAT5", doses=DOSES, time=20).ic50
    rux_gm = dose_response(monocyte, "ruxolitinib", "GMCSF", "pSTAT5", doses=DOSES, time=20).ic50
    assert tofa_gm > 3 * tofa_il15
    assert rux_gm < tofa_gm


# --------------------------------------------------------------------------- 13
# Erythropoietin (erythroid context: CFU-E, Bachmann 2011), issue 15.


def test_13_epo_drives_pstat5_and_its_feedback_genes_in_erythroid_cells_only(ctcl, hepatocyte, monocyte, erythroid):
    """EPO activates STAT5 through EPOR/JAK2 in erythroid progenitors, and STAT5 induces
    CISH and SOCS3 mRNA (Bachmann et al., Mol Syst Biol 2011, doi:10.1038/msb.2011.50:
    CIS and SOCS3 mRNA 5-10-fold at 60 min, data/petab/Bachmann_MSB2011); pSTAT5 peaks within
    5-30 min (Bachmann 2011; Boehm 2014 BaF3-EPOR: most of STAT5 phosphorylated at 10-15 min).
    Cells without EPOR (T cells, hepatocytes, monocytes) do not respond."""
    df = erythroid.simulate(cytokines=standard("EPO"), t_end=120, points=241)
    totals = erythroid.parameter_values()
    t = df["time"].to_numpy()
    assert df["pSTAT5"].max() > 0.10 * (totals["STAT5A_total"] + totals["STAT5B_total"])
    assert 5 <= t[np.argmax(df["pSTAT5"].to_numpy())] <= 30
    for gene in ("CISH", "SOCS3"):
        mrna = df[f"{gene}_mRNA"].to_numpy()
        assert np.interp(60, t, mrna) > 3 * mrna[0], gene
    for model in (ctcl, hepatocyte, monocyte):
        stimulated = auc(model.simulate(cytokines=standard("EPO")), "pSTAT5")
        assert stimulated == pytest.approx(auc(model.simulate(), "pSTAT5"), abs=1e-6), model.context


def test_13_epor_and_jak2_knockouts_abolish_epo(erythroid):
    """EPOR-deficient and JAK2-deficient fetal liver cells do not respond to EPO (Wu et
    al., Cell 1995;83:59; Parganas et al., Cell 1998;93:385; Neubauer et al., Cell 1998;93:397)."""
    for gene in ("EPOR", "JAK2"):
        assert relative(erythroid, gene, "EPO") < 0.01, gene


def test_13_cish_knockout_raises_epo_pstat5(erythroid):
    """CIS binds the phosphorylated EPOR and competes with STAT5 for it: without CIS,
    EPO/pSTAT5 rises (Bachmann 2011, doi:10.1038/msb.2011.50: CIS overexpression lowers
    pSTAT5, CIS is the feedback of low and standard Epo doses; Yoshimura et al., EMBO J 1995).
    SOCS3 and SHP-1 are not asserted: in the calibrated erythroid context their knockouts
    change the pSTAT5 AUC by less than 2% (SHP-1's rate went to its lower bound, PTP1B
    dephosphorylates JAK2 instead), a finding reported in docs/calibration.md."""
    assert relative(erythroid, "CISH", "EPO") > 1.2


def test_13_ruxolitinib_inhibits_epo_through_jak2_more_than_tofacitinib(ctcl, erythroid):
    """EPO signals through JAK2 alone: ruxolitinib (JAK1/JAK2, Quintas-Cardama et al., Blood
    2010) inhibits EPO/pSTAT5 more potently than tofacitinib, which spares JAK2/JAK2 pairs
    (Xeljanz prescribing information: IC50 56 nM on JAK1/JAK3 vs 1377 nM on JAK2/JAK2):
    tofacitinib's EPO IC50 lies above 3x its IL-15/pSTAT5 IC50 in T cells."""
    rux = dose_response(erythroid, "ruxolitinib", "EPO", "pSTAT5", doses=DOSES, time=20).ic50
    tofa = dose_response(erythroid, "tofacitinib", "EPO", "pSTAT5", doses=DOSES, time=20).ic50
    tofa_il15 = dose_response(ctcl, "tofacitinib", "IL15", "pSTAT5", doses=DOSES, time=20).ic50
    assert rux < tofa
    assert tofa > 3 * tofa_il15

