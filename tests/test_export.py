"""Exports checked by running the other tools on them: RoadRunner on the exported
SBML, COPASI on the SBML and the .cps, tellurium on the COMBINE archive, petablint
and a second, independent likelihood on the PEtab problem."""

import errno
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml import build, catalog
from jakstat_sbml.experiments import default_doses
from jakstat_sbml.model import DEFAULT_PREINCUBATION
from jakstat_sbml.calibration import PREEQUILIBRATION, petab_simulations, select_measurements
from jakstat_sbml.interop.copasi import (
    COPASI_ABSOLUTE_TOLERANCE, COPASI_MAX_STEPS, COPASI_RELATIVE_TOLERANCE, SCAN_DOSES, output_steps,
)
from jakstat_sbml.interop.omex import SERIES_DOSES, experiments

from .conftest import PETAB

T_END, POINTS = 120.0, 5  # few output points keep the suite fast; the solvers step freely in between
# Agreement between simulators, per value: |a - b| <= RTOL * |b| + ATOL_NM. 1e-6 nM is
# ~2.4e-4 molecules in the 0.4 pL cytoplasm, far below anything measurable.
RTOL, ATOL_NM = 1e-4, 1e-6


def _agree(a, b, rtol=RTOL, atol=ATOL_NM):
    """Largest |a - b| / (atol + rtol |b|): <= 1 means within tolerance."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / (atol + rtol * np.abs(b))))


def _roadrunner(sbml, rtol=1e-6, atol=1e-10):
    """A plain RoadRunner of an exported file, with the package's solver settings."""
    import roadrunner

    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = rtol
    for s in rr.model.getFloatingSpeciesIds():
        rr.integrator.setIndividualTolerance(s, atol)
    return rr


# ----------------------------------------------------------------------------- SBML


def test_sbml_export_reproduces_the_python_api(ctcl, tmp_path):
    cond = js.Condition.make(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 100}, knockouts=["PTPN2"],
                             overexpress={"PIAS3": 2}, preincubation=30, t_end=T_END, points=POINTS)
    path = js.export(ctcl, tmp_path / "il6.xml", condition=cond)
    text = path.read_text(encoding="utf-8")
    assert build.validate(text).errors == []

    import libsbml

    m = libsbml.readSBMLFromString(text).getModel()
    assert m.getNumInitialAssignments() == 0  # the start is the steady state, not the totals
    assert m.getParameter("PTPN2_total").getValue() == 0
    assert m.getParameter("dose_ruxolitinib").getValue() == 100
    assert m.getParameter("dose_IL6").getValue() == pytest.approx(40 / 20.8)

    rr = _roadrunner(str(path))
    species = set(rr.model.getFloatingSpeciesIds())
    ref = ctcl.run(cond)
    out = rr.simulate(0, T_END, POINTS, ["time"] + [f"[{r}]" if r in species else r for r in ref.columns[1:]])
    # Same engine and tolerances (rtol 1e-6): only the solver's own error separates them.
    assert _agree(np.asarray(out), ref.to_numpy(), rtol=1e-5, atol=1e-9) <= 1


def test_sbml_export_carries_the_context(hepatocyte, tmp_path):
    import libsbml

    path = js.export(hepatocyte, tmp_path / "hep.xml", cytokines={"IL6": 10})
    m = libsbml.readSBML(str(path)).getModel()
    assert m.getParameter("IL2RA_total").getValue() == 0  # contexts.tsv: hepatocytes lack IL-2R
    assert m.getParameter("JAK3_total").getValue() == 0
    assert "hepatocyte" in m.getName()
    # which version of the package wrote it (the notes named the condition alone; COPASI keeps them)
    assert f"Exported by jakstat-sbml {js.__version__} for " in m.getNotesString()


# ----------------------------------------------------------------------------- COPASI

COPASI_CASES = {
    "baseline": {},
    "SOCS3 knockout": {"knockouts": ["SOCS3"]},
    "ruxolitinib 500 nM": {"drugs": {"ruxolitinib": 500}},
}


def _copasi_time_course(dm):
    """Time, every species (concentration, nM) and every global quantity from COPASI's
    Time-Course task as it is set up in ``dm``, keyed by name (= SBML id here)."""
    import basico

    cm = dm.getModel()
    cns = [cm.getValueReference().getCN().getString()]
    names = ["time"]
    for s in cm.getMetabolites():
        cns.append(s.getConcentrationReference().getCN().getString())
        names.append(s.getObjectName())
    for v in cm.getModelValues():
        cns.append(v.getValueReference().getCN().getString())
        names.append(v.getObjectName())
    df = basico.run_time_course_with_output(cns, model=dm)
    df.columns = names
    return df


@pytest.mark.parametrize("cytokine", ["IL6", "IL2"])
@pytest.mark.parametrize("case", list(COPASI_CASES))
def test_copasi_reproduces_roadrunner_for_every_species(ctcl, tmp_path, cytokine, case):
    import basico

    cond = js.Condition.make(cytokines={cytokine: catalog.CYTOKINES[cytokine].standard_dose},
                             t_end=T_END, points=POINTS, **COPASI_CASES[case])
    species = ctcl.species(cond)  # RoadRunner through the Python API
    readouts = ctcl.run(cond)
    sbml = js.export(ctcl, tmp_path / "model.xml", condition=cond)
    cps = js.export(ctcl, tmp_path / "model.cps", format="copasi", condition=cond)

    from_sbml = basico.load_model(str(sbml))
    from_cps = basico.load_model(str(cps))
    try:
        # The SBML with the tolerances the .cps carries (export.COPASI_*), the .cps as saved.
        basico.set_task_settings("Time-Course", {
            "problem": {"Duration": T_END, "StepNumber": POINTS - 1, "StepSize": T_END / (POINTS - 1)},
            "method": {"name": "Deterministic (LSODA)",
                       "Relative Tolerance": COPASI_RELATIVE_TOLERANCE,
                       "Absolute Tolerance": COPASI_ABSOLUTE_TOLERANCE,
                       "Max Internal Steps": COPASI_MAX_STEPS}}, model=from_sbml)
        for dm in (from_sbml, from_cps):
            copasi = _copasi_time_course(dm)
            if dm is from_sbml:  # COPASI names species by their SBML names ("STAT1:nuc")
                ids = {s.getObjectName(): s.getSBMLId() for s in dm.getModel().getMetabolites()}
                ids |= {v.getObjectName(): v.getSBMLId() for v in dm.getModel().getModelValues()}
                copasi.columns = ["time"] + [ids[c] for c in copasi.columns[1:]]
            assert np.allclose(copasi["time"], species["time"])
            integrated = [s for s in species.columns[1:]]
            assert set(integrated) <= set(copasi.columns)
            worst = _agree(copasi[integrated].to_numpy(), species[integrated].to_numpy())
            assert worst <= 1, f"{case}, {cytokine}: species deviate by {worst:.3g} x tolerance"
            worst = _agree(copasi[list(readouts.columns[1:])].to_numpy(), readouts.iloc[:, 1:].to_numpy())
            assert worst <= 1, f"{case}, {cytokine}: readouts deviate by {worst:.3g} x tolerance"
    finally:
        basico.remove_datamodel(from_sbml)
        basico.remove_datamodel(from_cps)


def _run_scan(cps, readout):
    """Run a .cps's scan as saved: (dose, readout at the end of the time course) per dose."""
    import basico
    import COPASI

    dm = basico.load_model(str(cps))
    try:
        names = ["Values[dose_ruxolitinib]", f"Values[{readout}]"]
        dh, _ = basico.create_data_handler(names, during=[], after=names, model=dm)
        dm.addInterface(dh)
        task = dm.getTask("Scan")
        assert task.initializeRaw(COPASI.CCopasiTask.OUTPUT_UI) and task.processRaw(True)
        task.restore(True)
        pairs = np.array(dh.getAfterData()).reshape(-1, 2)[:len(SCAN_DOSES)]
        dm.removeInterface(dh)
    finally:
        basico.remove_datamodel(dm)
    assert list(pairs[:, 0]) == list(SCAN_DOSES)
    return pairs


def test_copasi_file_has_ready_tasks_and_a_ruxolitinib_scan(ctcl, tmp_path):
    import basico

    # no format=: the ending names it
    cps = js.export(ctcl, tmp_path / "il6.cps", cytokines={"IL6": "40 ng/mL"}, t_end=T_END, points=POINTS)
    dm = basico.load_model(str(cps))
    try:
        # the model's time unit (SBML: minute, 60 s) reads "min", not COPASI's "60*s"
        assert basico.get_model_units(model=dm)["time_unit"] == "min"
        # The model starts at -30 min (the drug pre-incubation; IL-6 enters at 0) and reports from 0.
        assert dm.getModel().getInitialTime() == -DEFAULT_PREINCUBATION
        tc = basico.get_task_settings("Time-Course", model=dm)
        assert tc["scheduled"] and tc["problem"]["Duration"] == DEFAULT_PREINCUBATION + T_END
        assert tc["problem"]["OutputStartTime"] == 0.0
        assert (tc["problem"]["StepSize"], tc["problem"]["StepNumber"]) == output_steps(
            T_END, POINTS, DEFAULT_PREINCUBATION)
        scan = basico.get_scan_settings(model=dm)
        assert scan["subtask"] == "Time-Course" and scan["output_specification"] == ["After"]
        (item,) = scan["scan_items"]
        assert item["item"] == "Values[dose_ruxolitinib].InitialValue"
        assert item["values"] == list(SCAN_DOSES) == [float(x) for x in default_doses("ruxolitinib")]
        plots = basico.get_plots(model=dm)
        assert len(plots) == 2 and set(plots["tasks"]) == {"Time-Course", "Scan"}
    finally:
        basico.remove_datamodel(dm)
    pairs = _run_scan(cps, "pSTAT3")
    for dose, pstat3 in pairs[[2, 6]]:  # 10 and 1000 nM
        # each dose pre-incubated 30 min, as the Python API's default
        ref = ctcl.simulate(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": dose}, t_end=T_END,
                            points=POINTS, readouts=["pSTAT3"])
        assert _agree(pstat3, ref["pSTAT3"].iloc[-1]) <= 1


def test_copasi_scan_pre_incubates_each_dose_as_the_python_api(ctcl, tmp_path):
    """JAK3 A572V signals without cytokine, so a drug pre-incubation lowers pSTAT5 before
    IL-2 comes: 5 min after it, the scan's values are the pre-incubated ones, far from
    those of a drug given with the cytokine."""
    kw = dict(cytokines={"IL2": "1 ng/mL"}, mutations={"JAK3_A572V": 1.0}, t_end=5.0, points=6)
    pairs = _run_scan(js.export(ctcl, tmp_path / "a572v.cps", format="copasi", **kw), "pSTAT5")
    for dose, pstat5 in pairs[[4, 6]]:  # 100 and 1000 nM
        pre = ctcl.simulate(drugs={"ruxolitinib": dose}, readouts=["pSTAT5"], **kw)["pSTAT5"].iloc[-1]
        together = ctcl.simulate(drugs={"ruxolitinib": dose}, preincubation=0, readouts=["pSTAT5"],
                                 **kw)["pSTAT5"].iloc[-1]
        assert _agree(pstat5, pre) <= 1
        assert abs(pre - together) > 0.1 * pre, "the case must tell a pre-incubation from none"


# ----------------------------------------------------------------------------- OMEX


def test_omex_archive_executed_by_tellurium_matches_the_python_api(ctcl, tmp_path):
    import libcombine
    from tellurium.sedml.tesedml import executeCombineArchive

    background = {"knockouts": ["CISH"]}
    cond = js.Condition.make(cytokines={"IL2": "1 ng/mL"}, drugs={"tofacitinib": 100}, preincubation=30,
                             t_end=T_END, points=POINTS, **background)
    omex = js.export(ctcl, tmp_path / "jakstat.omex", format="omex", condition=cond)

    archive = libcombine.CombineArchive()
    assert archive.initializeFromArchive(str(omex))
    formats = {archive.getEntry(i).getLocation(): archive.getEntry(i).getFormat()
               for i in range(archive.getNumEntries())}
    assert formats["experiments.sedml"].endswith("sed-ml.level-1.version-3")
    assert {formats[f] for f in ("condition.xml", "genotype.xml", "SOCS3_knockout.xml")} == {
        "http://identifiers.org/combine.specifications/sbml.level-3.version-2"}
    assert archive.getMasterFile().getLocation() == "experiments.sedml"
    assert "ruxolitinib" in archive.getMetadataForLocation("http://omex-library.org/jakstat.omex").getDescription()
    archive.cleanUp()

    (result,) = executeCombineArchive(str(omex), createOutputs=False).values()
    data = {k: np.asarray(v) for k, v in result["dataGenerators"].items()}

    def check(task, reference, column=0):
        for readout in ("pSTAT1", "pSTAT3", "pSTAT5", "SOCS3_mRNA", "CISH_mRNA"):
            got = data[f"{task}__{readout}"][:, column]
            assert _agree(got, reference[readout].to_numpy()) <= 1, f"{task} {readout}"
        assert np.allclose(data[f"{task}__time"][:, column], reference["time"])

    check("condition", ctcl.run(cond))
    absent = tuple(js.absent_pathways(ctcl))  # GM-CSF and EPO: no receptor in ctcl, no experiment
    assert {"GMCSF", "EPO"} <= set(absent) and not any(k.startswith(absent) for k in data)
    for e in experiments(cond, absent)[1:]:
        kw = dict(t_end=T_END, points=POINTS, **background)  # series doses 30 min before the cytokine, as the API
        if e.id == "SOCS3_knockout_IL6":
            kw["knockouts"] = background["knockouts"] + ["SOCS3"]
        doses = dict(e.fixed)
        for column, value in enumerate(e.values):
            doses[e.varied] = value
            kw["cytokines"] = {c: doses[p.dose_parameter] for c, p in catalog.CYTOKINES.items()
                               if p.dose_parameter in doses}
            kw["drugs"] = {d: doses[p.dose_parameter] for d, p in catalog.DRUGS.items() if p.dose_parameter in doses}
            check(e.id, ctcl.simulate(**kw), column)
    assert data["ruxolitinib_series_IL6__pSTAT3"].shape == (POINTS, len(SERIES_DOSES))


# ----------------------------------------------------------------------------- PEtab


def test_sobotta_selection_keeps_only_what_the_problem_can_express():
    rows = select_measurements("Sobotta_Frontiers2017")
    kept = rows[rows["reason"] == ""]
    assert len(rows) == 2101 and 1000 < len(kept) < len(rows)
    assert (kept["time"] >= 0).all()
    assert not kept["datasetId"].str.contains("Pulse|ThreeDoses|ActD").any()
    assert set(kept["observableId"]).isdisjoint({"JAK1_gp130_abs", "SOCS3_abs", "ctSTAT3_abs"})
    conditions = pd.read_csv(PETAB / "Sobotta_Frontiers2017/experimentalCondition_Sobotta_Frontiers2017.tsv",
                             sep="\t").set_index("conditionId")
    used = conditions.loc[kept["simulationConditionId"].unique()]
    assert (used[["input_stattic", "input_actd", "input_ruxolitinib"]] == 0).all().all()


@pytest.fixture(scope="module")
def sobotta_folder(hepatocyte, tmp_path_factory):
    return js.export(hepatocyte, tmp_path_factory.mktemp("petab") / "sobotta", format="petab")


def test_petab_export_passes_petablint(sobotta_folder):
    # What the petablint command runs: the YAML schema, then every table against the model.
    import petab.v1 as petab
    from petab.v1.lint import lint_problem

    petab.yaml.validate(sobotta_folder / "problem.yaml")
    problem = petab.Problem.from_yaml(sobotta_folder / "problem.yaml")
    assert lint_problem(problem) is False  # False: no errors
    conditions = problem.condition_df.set_index("conditionName")
    assert conditions.filter(like="IL6 40 ng/mL", axis=0)["dose_IL6"].iloc[0] == pytest.approx(40 / 20.8)  # nM
    assert set(problem.measurement_df["preequilibrationConditionId"]) == {PREEQUILIBRATION}
    assert f"Written by jakstat-sbml {js.__version__} " in (sobotta_folder / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("dataset, context", [("Bachmann_MSB2011", "erythroid"), ("Raia_CancerResearch2011", "lymphoma"),
                                              ("Boehm_JProteomeRes2014", "baf3_epor")])
def test_every_dataset_the_docs_offer_exports_and_passes_petablint(dataset, context, tmp_path):
    """docs/copasi.md offers a PEtab problem against each of four calibration datasets; the
    Bachmann 2011 export was refused by petab's linter (its pSTAT5_au rows gave a relative
    noise term of 0 to a constant-noise formula) and no test exported it."""
    import petab.v1 as petab
    from petab.v1.lint import lint_problem

    folder = js.export(js.load_model(context=context), tmp_path / dataset, format="petab", dataset=dataset)
    problem = petab.Problem.from_yaml(folder / "problem.yaml")
    assert lint_problem(problem) is False
    placeholders = problem.observable_df["noiseFormula"].str.count("noiseParameter")
    given = problem.measurement_df["noiseParameters"].astype(str).str.split(";").str.len()
    assert (given.to_numpy() == placeholders.loc[problem.measurement_df["observableId"]].to_numpy()).all()


def test_petab_export_prints_no_notice_about_a_table_it_never_has(hepatocyte, tmp_path, caplog):
    """petab's linter logged 'Visualization table not available. Skipping.' on every export;
    the problem has no visualization table by design. Its other messages still reach the log."""
    import logging

    with caplog.at_level(logging.INFO, logger="petab.v1.lint"):
        js.export(hepatocyte, tmp_path / "sobotta", format="petab")
    said = [r.getMessage() for r in caplog.records if r.name == "petab.v1.lint"]
    assert said and not any("Visualization table" in m for m in said)  # said: its INFO lines, kept


def _nllh(problem, simulation):
    """PEtab negative log-likelihood (normal noise, lin or log10 observables), vectorised."""
    m = problem.measurement_df
    nominal = problem.parameter_df["nominalValue"]
    sigma = np.array([nominal[t] if t in nominal else float(t) for t in m["noiseParameters"].astype(str)])
    log10 = (problem.observable_df.loc[m["observableId"], "observableTransformation"] == "log10").to_numpy()
    y, s = m["measurement"].to_numpy(float), np.asarray(simulation, float)
    r = np.where(log10, np.log10(y) - np.log10(np.where(log10, s, 1.0)), y - s) / sigma
    norm = np.where(log10, np.log(2 * np.pi * sigma**2 * y**2 * np.log(10) ** 2), np.log(2 * np.pi * sigma**2))
    return float(np.sum(0.5 * norm + 0.5 * r**2))


def _roadrunner_simulation(folder):
    """The problem's simulations from its files alone: RoadRunner on model.xml,
    pre-equilibrated from the totals, exact output times, sympy observables."""
    import petab.v1 as petab
    import sympy as sp
    from petab.v1.math import sympify_petab

    problem = petab.Problem.from_yaml(folder / "problem.yaml")
    rr = _roadrunner(str(folder / "model.xml"), rtol=1e-8, atol=1e-12)
    species = set(rr.model.getFloatingSpeciesIds())
    parameters = set(rr.model.getGlobalParameterIds())
    nominal = problem.parameter_df["nominalValue"]
    for p in set(nominal.index) & parameters:
        rr[p] = float(nominal[p])
    conditions = problem.condition_df.drop(columns="conditionName")
    for p, v in conditions.loc[PREEQUILIBRATION].items():
        rr[p] = float(v)
    rr.reset()  # species from the totals' initial assignments
    rr.simulate(0, 2e5, 2)
    assert np.max(np.abs(rr.model.getFloatingSpeciesConcentrationRates())) < 1e-9
    steady = rr.model.getFloatingSpeciesAmounts().copy()

    m = problem.measurement_df
    exprs = {o: sympify_petab(f) for o, f in problem.observable_df["observableFormula"].items()}
    out = np.full(len(m), np.nan)
    for cid, rows in m.groupby("simulationConditionId"):
        rr.model.setTime(0.0)
        rr.model.setFloatingSpeciesAmounts(steady)
        for p, v in conditions.loc[cid].items():
            rr[p] = float(v)
        times = sorted(set(rows["time"]) | {0.0})
        names = sorted({s.name for e in exprs.values() for s in e.free_symbols} & (species | parameters))
        res = rr.simulate(times=times, selections=["time"] + [f"[{n}]" if n in species else n for n in names])
        table = pd.DataFrame(np.asarray(res)[:, 1:], index=times, columns=names)
        for (obs, pars), sub in rows.groupby(["observableId", "observableParameters"], dropna=False):
            tokens = [] if pd.isna(pars) else [t for t in str(pars).split(";") if t]
            given = {f"observableParameter{k}_{obs}": nominal[t] if t in nominal else float(t)
                     for k, t in enumerate(tokens, 1)}
            symbols = sorted(exprs[obs].free_symbols, key=lambda x: x.name)
            f = sp.lambdify(symbols, exprs[obs], "numpy")
            args = [given[x.name] if x.name in given else table.loc[sub["time"], x.name].to_numpy() for x in symbols]
            out[m.index.get_indexer(sub.index)] = f(*args)
    for p in conditions.columns:  # leave no dose behind in the shared RoadRunner cache
        rr[p] = 0.0
    return problem, out


def test_petab_objective_is_finite_and_the_same_two_ways(hepatocyte, sobotta_folder):
    import petab.v1 as petab

    problem, direct = _roadrunner_simulation(sobotta_folder)
    api = petab_simulations(hepatocyte, problem)
    assert _agree(direct, api["simulation"], rtol=1e-4, atol=1e-8) <= 1
    # petab evaluates each noise formula against the whole parameter table (slow):
    # hand it one experiment at a time with just that experiment's noise parameters.
    m, chunks = problem.measurement_df, []
    for _, rows in m.groupby("datasetId"):
        noise = [t for t in rows["noiseParameters"].astype(str).unique() if t in problem.parameter_df.index]
        chunks.append((rows, api.loc[rows.index], problem.observable_df, problem.parameter_df.loc[noise]))
    llh = petab.calculate_llh(*(list(c) for c in zip(*chunks)))
    nllh_direct = _nllh(problem, direct)
    print(f"Sobotta 2017 PEtab objective (-log L) at current parameters: {-llh:.6f} "
          f"(RoadRunner on the files: {nllh_direct:.6f}); {len(problem.measurement_df)} measurements")
    assert math.isfinite(llh) and math.isfinite(nllh_direct)
    assert -llh == pytest.approx(nllh_direct, abs=1e-3)


def test_petab_needs_the_datasets_context_and_no_condition(ctcl, hepatocyte, tmp_path):
    with pytest.raises(js.InputError, match="context 'hepatocyte'"):
        js.export(ctcl, tmp_path / "p", format="petab")
    with pytest.raises(js.InputError, match="conditions from the data"):
        js.export(hepatocyte, tmp_path / "p", format="petab", knockouts=["SOCS3"])
    with pytest.raises(js.UnknownNameError, match="Sobotta_Frontiers2017"):
        js.export(hepatocyte, tmp_path / "p", format="petab", dataset="Sobotta2017")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("path,kwargs,error,message", [
    ("m.xml", {"format": "sbm"}, js.UnknownNameError, "did you mean 'sbml'"),
    ("m.cps", {"format": "sbml"}, js.InputError, "ending in .xml"),
    ("m.xml", {"format": "copasi"}, js.InputError, "ending in .cps"),
    ("m.xml", {"knockouts": ["JAK4"]}, js.UnknownNameError, "unknown gene 'JAK4'"),
    ("m.xml", {"cytokine": {"IL6": 1}}, js.UnknownNameError, "did you mean 'cytokines'"),
    ("m.xml", {"condition": js.Condition(), "knockouts": ["JAK1"]}, js.InputError, "not both"),
    ("m.xml", {"drugs": {"ruxolitinib": -1}}, js.InputError, "negative"),
    ("m.xml", {"dataset": "Sobotta_Frontiers2017"}, js.InputError, "only applies to format 'petab'"),
    ("a_file/m.xml", {}, js.InputError, "a_file is a file, not a folder"),
    ("m.txt", {}, js.InputError, r"cannot tell the export format from .*m\.txt.*\.cps \(copasi\)"),
    ("sobotta", {}, js.InputError, r"a folder export \('petab'\) needs format="),
])
def test_bad_input_raises_and_writes_nothing(ctcl, tmp_path, path, kwargs, error, message):
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(error, match=message):
        js.export(ctcl, tmp_path / path, **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_export_replaces_an_existing_file_whole(ctcl, tmp_path):
    target = tmp_path / "m.xml"
    target.write_text("old", encoding="utf-8")
    js.export(ctcl, target, cytokines={"IFNG": 1})
    import libsbml

    assert libsbml.readSBML(str(target)).getModel().getParameter("dose_IFNG").getValue() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.xml"]  # no temporary left behind


def test_cli_export(tmp_path):
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["export", "sbml", str(tmp_path / "il6.xml"), "-c", "IL6=40 ng/mL", "-k", "SOCS3"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "il6.xml").exists()
    done = runner.invoke(app, ["export", "svg", str(tmp_path / "x.svg")])
    assert done.exit_code == 2 and "unknown export format 'svg'" in done.output


def test_cli_export_never_replaces_a_file_silently(tmp_path):
    """An exported path that exists (the user's own model, or an earlier export) is kept
    and the command stops, in one line, before any work; --force replaces it."""
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    runner = CliRunner()
    mine = tmp_path / "mine.xml"
    mine.write_text("<sbml>the user's own edits</sbml>", encoding="utf-8")
    refused = runner.invoke(app, ["export", "sbml", str(mine), "-c", "IL6=1"])
    assert refused.exit_code == 2 and f"{mine} exists (file): refusing to replace it" in " ".join(refused.output.split())
    assert mine.read_text(encoding="utf-8") == "<sbml>the user's own edits</sbml>"
    folder = tmp_path / "problem"
    (folder / "notes").mkdir(parents=True)
    refused = runner.invoke(app, ["export", "petab", str(folder), "--context", "hepatocyte"])
    assert refused.exit_code == 2 and "exists (folder)" in refused.output
    assert [p.name for p in folder.iterdir()] == ["notes"]
    replaced = runner.invoke(app, ["export", "sbml", str(mine), "-c", "IL6=1", "--force"])
    assert replaced.exit_code == 0, replaced.output
    assert js.load_model(mine).simulate(cytokines={"IL6": 1}, t_end=10, points=2)["pSTAT3"].iloc[-1] > 0
    # --force replaces a PEtab folder whole: one holding a user's own files is refused, not emptied
    (folder / "notes" / "note.txt").write_text("mine", encoding="utf-8")
    forced = runner.invoke(app, ["export", "petab", str(folder), "--context", "hepatocyte", "--force"])
    assert forced.exit_code == 2 and "holds files this export does not write (notes/note.txt)" in \
        " ".join(forced.output.split())
    assert (folder / "notes" / "note.txt").read_text(encoding="utf-8") == "mine"
    # an earlier export of its own is replaced
    (folder / "notes" / "note.txt").unlink()
    (folder / "notes").rmdir()
    assert runner.invoke(app, ["export", "petab", str(folder), "--context", "hepatocyte", "--force"]).exit_code == 0
    again = runner.invoke(app, ["export", "petab", str(folder), "--context", "hepatocyte", "--force"])
    assert again.exit_code == 0, again.output


def test_a_cli_export_records_how_it_was_made(tmp_path):
    """Every CSV and figure records its condition and how it was made; exports did not (an
    audit found them with the version and condition in the SBML notes only)."""
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    runner = CliRunner()
    target = tmp_path / "il6.xml"
    result = runner.invoke(app, ["export", "sbml", str(target), "-c", "IL6=40 ng/mL", "-d", "ruxolitinib=500",
                                 "-k", "SOCS3"])
    assert result.exit_code == 0, result.output
    record = js.read_provenance(target)
    assert record["experiment"] == "export" and record["settings"]["format"] == "sbml"
    assert record["condition"]["drugs_nM_free"] == {"ruxolitinib": 500.0} and record["condition"]["knockouts"] == ["SOCS3"]
    assert len(record["sha256"]) == 64 and len(record["model"]["sha256"]) == 64
    assert "il6.xml.provenance.json" in result.output
    folder = tmp_path / "boehm"
    result = runner.invoke(app, ["export", "petab", str(folder), "--context", "baf3_epor", "--dataset",
                                 "Boehm_JProteomeRes2014"])
    assert result.exit_code == 0, result.output
    assert js.read_provenance(folder)["settings"]["dataset"] == "Boehm_JProteomeRes2014"
    # the command line is recorded, as every other command's (an audit found "command": null),
    # a PEtab problem's default dataset by name (it said null), and each file of the folder
    # with its SHA-256 (the folder alone had none)
    assert record["command"].startswith(f"jakstat export sbml {target}")
    default = tmp_path / "sobotta"
    assert runner.invoke(app, ["export", "petab", str(default), "--context", "hepatocyte"]).exit_code == 0
    kept = js.read_provenance(default)
    assert kept["settings"] == {"format": "petab", "dataset": "Sobotta_Frontiers2017"}
    import json

    files = json.loads((tmp_path / kept["provenance_file"]).read_text(encoding="utf-8"))["files"]
    written = [p.relative_to(tmp_path).as_posix() for p in default.rglob("*") if p.is_file()]
    assert written and all(len(files[name]["sha256"]) == 64 for name in written)


@pytest.mark.parametrize("args, message", [
    # a PEtab problem or an SBGN map has no time course: these were recorded and ignored
    (["petab", "p", "--context", "hepatocyte", "--t-end", "30"], "takes its times from the data"),
    (["petab", "p", "--context", "hepatocyte", "--preincubation", "10"], "no condition to pre-incubate"),
    (["sbgn", "m.sbgn", "--points", "5"], "no time course to set"),
    # an SBML file has a condition but no time course: --t-end was recorded and ignored (an audit)
    (["sbml", "e.xml", "-c", "IL6=1", "--t-end", "30"], "an SBML file holds the model and its starting state"),
    # a folder where a file goes was answered "exists (folder) ... use --force", which then failed
    (["sbml", "d.xml"], "is a folder; give a file name ending in .xml"),
    # the condition is checked first: the misspelt cytokine is the error, not the path
    (["sbml", "d.xml", "-c", "IL7=1"], "unknown cytokine 'IL7'"),
])
def test_cli_export_refuses_options_it_would_ignore_and_paths_it_cannot_write(tmp_path, args, message):
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    (tmp_path / "d.xml").mkdir()
    (tmp_path / "d.xml" / "notes.txt").write_text("a user's folder", encoding="utf-8")  # not empty: "exists"
    args = [args[0], str(tmp_path / args[1]), *args[2:]]
    done = CliRunner().invoke(app, ["export", *args], terminal_width=250)
    assert done.exit_code == 2 and message in " ".join(done.output.split()), done.output
    assert "--force" not in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.xml"]
    assert [p.name for p in (tmp_path / "d.xml").iterdir()] == ["notes.txt"]


def test_an_sbml_export_refuses_a_time_course_it_does_not_keep(ctcl, tmp_path):
    """SBML holds the model and its starting state; t_end and points belong to a simulation
    (COPASI, SED-ML). They were accepted and recorded, and the file did not change. A
    regimen's condition lasts the regimen by default, and that default is not refused."""
    with pytest.raises(js.InputError, match="an SBML file holds the model"):
        js.export(ctcl, tmp_path / "a.xml", cytokines={"IL6": 1}, t_end=30)
    rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
    with pytest.raises(js.InputError, match="got t_end 600 min"):
        js.export(ctcl, tmp_path / "b.xml", cytokines={"IL6": 1}, regimen=rux, t_end=600)
    assert not list(tmp_path.iterdir())
    assert js.export(ctcl, tmp_path / "c.xml", cytokines={"IL6": 1}, regimen=rux).is_file()


def test_a_copasi_time_course_finer_than_asked_says_so(ctcl, tmp_path):
    """7 points over 120 min after a 7 min pre-incubation: COPASI's even steps from -7 min
    must hit 0, so the file outputs every minute (121 rows); the export said nothing."""
    with pytest.warns(js.JakStatWarning, match="outputs 121 time points, every 1 min, not the 7 asked for"):
        js.export(ctcl, tmp_path / "a.cps", cytokines={"IL6": 1}, drugs={"ruxolitinib": 10}, points=7,
                  preincubation=7)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", js.JakStatWarning)  # 40 min is two of the 20 min steps: exactly 7
        js.export(ctcl, tmp_path / "b.cps", cytokines={"IL6": 1}, drugs={"ruxolitinib": 10}, points=7,
                  preincubation=40)


def test_petab_problem_takes_model_parameters_to_estimate(hepatocyte):
    from jakstat_sbml.calibration import petab_problem

    problem = petab_problem(hepatocyte, estimate=["kcat_IL6R"])
    row = problem.parameter_df.loc["kcat_IL6R"]
    assert row["estimate"] == 1 and row["nominalValue"] == hepatocyte.parameter_values()["kcat_IL6R"]
    # The Python API simulates the problem at the table's values, re-equilibrating first.
    problem.parameter_df.loc["kcat_IL6R", "nominalValue"] = row["nominalValue"] / 4
    sim = petab_simulations(hepatocyte, problem)
    pick = problem.measurement_df.query("observableId == 'pSTAT3_ms' and time == 18").index[-1]
    cond = problem.condition_df.loc[problem.measurement_df.loc[pick, "simulationConditionId"]]
    ref = hepatocyte.simulate(cytokines={"IL6": cond["dose_IL6"]}, parameters={"kcat_IL6R": row["nominalValue"] / 4},
                              t_end=18, points=2, readouts=["pSTAT3"])
    expected = 100 * ref["pSTAT3"].iloc[-1] / hepatocyte.parameter_values()["STAT3_total"]
    assert sim.loc[pick, "simulation"] == pytest.approx(expected, rel=1e-4)
    with pytest.raises(js.UnknownNameError, match="dose_IL6|kcat"):
        petab_problem(hepatocyte, estimate=["kcat_IL6"])
    with pytest.raises(js.InputError, match="positive"):
        petab_problem(hepatocyte, estimate=["IL2RA_total"])  # 0 in hepatocytes


@pytest.mark.parametrize("fmt,path,package,purpose", [
    ("copasi", "m.cps", "basico", "COPASI export"),
    ("omex", "m.omex", "libcombine", "COMBINE/OMEX export"),
    ("omex", "m.omex", "libsedml", "COMBINE/OMEX export"),
    ("petab", "sobotta", "petab", "PEtab export"),
])
def test_a_missing_optional_package_raises_one_sentence_before_any_work(ctcl, hepatocyte, monkeypatch, tmp_path,
                                                                         fmt, path, package, purpose):
    import sys

    from jakstat_sbml.optional import MissingDependencyError

    for name in [m for m in sys.modules if m.split(".")[0] == package] + [package]:
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    model = hepatocyte if fmt == "petab" else ctcl
    with pytest.raises(MissingDependencyError) as caught:
        js.export(model, tmp_path / path, format=fmt)
    error = caught.value
    assert isinstance(error, js.JakStatError) and isinstance(error, ImportError) and error.name == package
    assert str(error).startswith(f"{purpose} needs the optional package ")
    assert 'pip install "jakstat-sbml[interop]"' in str(error) and "\n" not in str(error)
    assert list(tmp_path.iterdir()) == []


def test_optional_require_names_a_broken_dependency_of_an_installed_package(monkeypatch):
    import sys

    from jakstat_sbml.optional import MissingDependencyError, require

    monkeypatch.setitem(sys.modules, "jakstat_test_tool", None)
    with pytest.raises(MissingDependencyError, match="needs the optional package jakstat_test_tool, which is not "
                                                      "installed"):
        require("jakstat_test_tool", "a test")
    assert require("libsbml", "a test") is sys.modules["libsbml"]


@pytest.mark.parametrize("code,reason", [
    (errno.EROFS, "read-only file system"), (errno.EACCES, "permission denied"), (errno.EPERM, "permission denied"),
    (errno.ENOSPC, "no space left on the device"),
])
def test_a_failed_write_names_the_path_and_the_reason(tmp_path, code, reason):
    from jakstat_sbml.errors import OutputError
    from jakstat_sbml.files import write_error

    error = write_error(tmp_path / "m.xml", OSError(code, os.strerror(code)))
    assert isinstance(error, OutputError) and isinstance(error, js.InputError)
    assert str(error) == f"cannot write to {tmp_path / 'm.xml'}: {reason}"


def test_export_into_a_virtual_file_system_says_so(ctcl):
    from jakstat_sbml.errors import OutputError

    proc = Path("/proc")
    assert proc.is_dir()  # Linux, where the project runs
    with pytest.raises(OutputError, match="cannot write to /proc/m.xml: /proc does not accept new files"):
        js.export(ctcl, proc / "m.xml")
