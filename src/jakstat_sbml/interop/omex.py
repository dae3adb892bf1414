"""COMBINE/OMEX archive: SBML per genotype + SED-ML of the canonical experiments.

A genotype has its own unstimulated steady state, so each genotype is its own
SBML file (species start at that drug-free state, cytokines enter at time 0, see
:func:`jakstat_sbml.interop.sbml.protocol_document`); doses are set by SED-ML. The
archive holds

- ``condition.xml``: the exported condition itself (task ``run_condition``);
- ``genotype.xml``: the condition's genotype without doses: a time course per
  cytokine at its standard dose (tasks ``IL2`` ... ``IFNG``) and a ruxolitinib
  dose series under IL-6 (``ruxolitinib_series_IL6``);
- ``SOCS3_knockout.xml``: that genotype with SOCS3 knocked out, under IL-6
  (``SOCS3_knockout_IL6``);
- ``experiments.sedml`` (SED-ML L1V3) with a report (time + readouts) and a plot
  of the main readout per experiment; the manifest; ``metadata.rdf``.

Every time course starts at minus the drug pre-incubation and reports from 0: drugs act
from its start, the cytokine from time 0, as in the Python API (the condition's own
pre-incubation for ``condition.xml``, the package's 30 min for the dose series).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .. import catalog
from ..errors import ExportError
from ..model import DEFAULT_PREINCUBATION, Condition, Model
from ..optional import require
from .sbml import protocol_preincubation, protocol_sbml

SBML_FORMAT = "http://identifiers.org/combine.specifications/sbml.level-3.version-2"
SEDML_FORMAT = "http://identifiers.org/combine.specifications/sed-ml.level-1.version-3"
SBML_NS = "http://www.sbml.org/sbml/level3/version2/core"
SEDML_FILE = "experiments.sedml"

# Reported in every experiment: total phospho-STATs and feedback mRNAs (nM).
REPORTED_READOUTS = ("pSTAT1", "pSTAT3", "pSTAT4", "pSTAT5", "pSTAT6", "SOCS1_mRNA", "SOCS3_mRNA", "CISH_mRNA")
# The dose series under IL-6: no drug, then a decade apart over the central decades of the
# drug's default doses and one above (models/tables/drugs.tsv), nM free drug.
SERIES_DRUG = "ruxolitinib"
SERIES_DOSES = (0.0, *catalog.drug(SERIES_DRUG).map_doses, 10 * catalog.drug(SERIES_DRUG).map_doses[-1])

# CVODE (KISAO:0000019); the Python API's relative tolerance and a 10x tighter
# absolute one, so that the archive's numbers differ from the API's by the API's own
# error only. A SED-ML tool applies one absolute tolerance to every species (the API
# sets it per species): with the IL-15/IL-21/GM-CSF species, the IL-6 run in ctcl
# failed CVODE's error test near t = 10 min at 1e-8/1e-12 and at 1e-6/1e-12 in
# tellurium; 1e-7/1e-14 runs every task of the archive (notebooks/05_export.ipynb).
ALGORITHM = "KISAO:0000019"
ALGORITHM_PARAMETERS = {"KISAO:0000209": 1e-7, "KISAO:0000211": 1e-14}  # relative, absolute tolerance


@dataclass(frozen=True)
class Experiment:
    """One experiment of the archive: a time course of one SBML file with doses set.

    Except for ``condition`` (a plain task), each is a SED-ML repeated task over
    ``values`` of the parameter ``varied`` (a one-value range for a single dose),
    with ``fixed`` doses set as well; doses in nM. A repeated task changes
    parameter values of the already loaded model, which is what keeps the number
    of distinct models, and model compilations, at one per genotype.
    """

    id: str
    model: str  # SBML file, without ".xml"
    main_readout: str
    description: str
    varied: str | None = None
    values: tuple[float, ...] = ()
    fixed: tuple[tuple[str, float], ...] = ()


def experiments(condition: Condition) -> list[Experiment]:
    """The archive's experiments for the genotype of ``condition``."""
    out = [Experiment("condition", "condition", _main_readout(condition),
                      f"the exported condition: {condition.label()}")]
    for name, c in catalog.CYTOKINES.items():
        nM = dict(Condition.make(cytokines={name: c.standard_dose}).cytokines)[name]
        out.append(Experiment(name, "genotype", c.main_readout, f"{name} {c.standard_dose} ({nM:.4g} nM) from time 0",
                              varied=c.dose_parameter, values=(nM,)))
    il6 = next(e for e in out if e.id == "IL6")
    out.append(replace(il6, id="SOCS3_knockout_IL6", model="SOCS3_knockout",
                       description=f"SOCS3 knockout, {il6.description}"))
    out.append(replace(il6, id=f"{SERIES_DRUG}_series_IL6", varied=catalog.drug(SERIES_DRUG).dose_parameter,
                       values=SERIES_DOSES, fixed=((il6.varied, il6.values[0]),),
                       description=f"{il6.description}, {SERIES_DRUG} "
                                   f"{', '.join(f'{d:g}' for d in SERIES_DOSES)} nM from "
                                   f"{-DEFAULT_PREINCUBATION:g} min"))
    return out


def genotype_conditions(condition: Condition) -> dict[str, Condition]:
    """Condition per SBML file of the archive (file name without ".xml")."""
    base = Condition(knockouts=condition.knockouts, overexpress=condition.overexpress,
                     mutations=condition.mutations, parameters=condition.parameters,
                     t_end=condition.t_end, points=condition.points)
    knockouts = tuple(sorted(set(base.knockouts) | {"SOCS3"}))
    overexpress = tuple((g, f) for g, f in base.overexpress if g != "SOCS3")
    return {
        "condition": condition,
        "genotype": base,
        "SOCS3_knockout": replace(base, knockouts=knockouts, overexpress=overexpress),
    }


def _main_readout(condition: Condition) -> str:
    if condition.cytokines:
        return catalog.CYTOKINES[condition.cytokines[0][0]].main_readout
    return "pSTAT3"


def write_omex(model: Model, condition: Condition, path: Path) -> None:
    """Write the archive (SBML files, SED-ML, manifest, metadata) to ``path``."""
    libcombine = require("libcombine", "COMBINE/OMEX export")

    conditions = genotype_conditions(condition)
    files = {f"{name}.xml": protocol_sbml(model, cond) for name, cond in conditions.items()}
    sedml = sedml_document(condition, files["genotype.xml"])
    archive = libcombine.CombineArchive()
    for name, text in files.items():
        if not archive.addFileFromString(text, name, SBML_FORMAT, False):
            raise ExportError(f"libCombine could not add {name}")
    if not archive.addFileFromString(sedml, SEDML_FILE, SEDML_FORMAT, True):
        raise ExportError(f"libCombine could not add {SEDML_FILE}")
    archive.addMetadata(".", _description(
        f"jakstat-sbml: JAK/STAT signalling in context {model.context!r}. {SEDML_FILE} runs the exported "
        f"condition ({condition.label()}), a time course per cytokine at its standard dose, a SOCS3 "
        f"knockout under IL-6 and a {SERIES_DRUG} dose series under IL-6, each drug pre-incubated before the "
        "cytokine as in the Python API. Time in min, concentrations in nM."))
    for name, cond in conditions.items():
        archive.addMetadata(f"{name}.xml", _description(
            f"SBML L3V2 of [{cond.label()}] in context {model.context!r}; species start at the unstimulated, "
            "drug-free steady state of the genotype, drugs act from the start of a time course and each "
            f"cytokine from time 0 (start at {-protocol_preincubation(cond):g} min)."))
    archive.addMetadata(SEDML_FILE, _description("SED-ML L1V3 of the archive's experiments."))
    ok = archive.writeToFile(str(path))
    archive.cleanUp()
    if not ok:
        raise ExportError(f"libCombine could not write {path.name}")


def _description(text: str):
    libcombine = require("libcombine", "COMBINE/OMEX export")

    d = libcombine.OmexDescription()
    d.setAbout(".")
    d.setDescription(text)
    d.setCreated(libcombine.OmexDescription.getCurrentDateAndTime())
    creator = libcombine.VCard()
    creator.setFamilyName("jakstat-sbml developers")
    creator.setOrganization("jakstat-sbml")
    d.addCreator(creator)
    return d


# ----------------------------------------------------------------------------- SED-ML


def sedml_document(condition: Condition, genotype_sbml: str) -> str:
    """SED-ML L1V3 text of the experiments (targets checked against ``genotype_sbml``)."""
    import libsbml

    libsedml = require("libsedml", "SED-ML export")

    sbml = libsbml.readSBMLFromString(genotype_sbml).getModel()
    species = {s.getId() for s in sbml.getListOfSpecies()}
    plan = experiments(condition)
    for pid in {e.varied for e in plan if e.varied} | {p for e in plan for p, _ in e.fixed}:
        if sbml.getParameter(pid) is None:
            raise ExportError(f"the SBML lacks the dose parameter {pid!r}")

    def target(sid: str) -> str:
        if sid in species:
            return f"/sbml:sbml/sbml:model/sbml:listOfSpecies/sbml:species[@id='{sid}']"
        return f"/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='{sid}']"

    doc = libsedml.SedDocument(1, 3)
    doc.getNamespaces().add(SBML_NS, "sbml")
    # One time course per pre-incubation: it starts at minus the pre-incubation (drugs act
    # from there, the cytokine from 0, sbml.protocol_document) and reports from 0.
    files = genotype_conditions(condition)
    simulations: dict[float, str] = {}
    for pre in dict.fromkeys(protocol_preincubation(files[e.model]) for e in plan):
        sim = doc.createUniformTimeCourse()
        sim.setId("time_course" if not simulations else f"time_course_{len(simulations)}")
        sim.setName(f"drugs from {-pre:g} min, cytokines at 0, output 0 to {condition.t_end:g} min")
        sim.setInitialTime(-pre)
        sim.setOutputStartTime(0.0)
        sim.setOutputEndTime(condition.t_end)
        sim.setNumberOfPoints(condition.points - 1)  # SED-ML counts intervals
        alg = sim.createAlgorithm()
        alg.setKisaoID(ALGORITHM)
        for kisao, value in ALGORITHM_PARAMETERS.items():
            p = alg.createAlgorithmParameter()
            p.setKisaoID(kisao)
            p.setValue(repr(value))
        simulations[pre] = sim.getId()

    for name in dict.fromkeys(e.model for e in plan):
        m = doc.createModel()
        m.setId(name)
        m.setSource(f"{name}.xml")
        m.setLanguage("urn:sedml:language:sbml.level-3.version-2")
        task = doc.createTask()  # the plain time course of each file
        task.setId(f"run_{name}")
        task.setModelReference(name)
        task.setSimulationReference(simulations[protocol_preincubation(files[name])])

    for e in plan:
        if e.varied is None:
            task_id = f"run_{e.model}"
        else:
            task_id = e.id
            task = doc.createRepeatedTask()
            task.setId(e.id)
            task.setName(e.description)
            task.setResetModel(True)
            task.setRangeId("values")
            vr = task.createVectorRange()
            vr.setId("values")
            for v in e.values:
                vr.addValue(v)
            for pid, formula in [(e.varied, "values"), *((p, repr(v)) for p, v in e.fixed)]:
                sv = task.createTaskChange()
                sv.setModelReference(e.model)
                sv.setTarget(target(pid))
                sv.setRange("values")
                sv.setMath(libsedml.parseL3Formula(formula))
            sub = task.createSubTask()
            sub.setTask(f"run_{e.model}")
            sub.setOrder(1)
        _outputs(doc, e, task_id, list(REPORTED_READOUTS), target)

    text = libsedml.writeSedMLToString(doc)
    check = libsedml.readSedMLFromString(text)
    errors = [check.getError(i).getMessage().strip() for i in range(check.getNumErrors())
              if check.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]
    if errors:
        raise ExportError(f"libSEDML rejects the SED-ML it built: {errors[0]}")
    return text


def _outputs(doc, e: Experiment, task_id: str, readouts: list[str], target) -> None:
    """Data generators, a report (time + readouts) and a plot of the main readout."""
    libsedml = require("libsedml", "SED-ML export")

    def generator(name: str) -> str:
        dg = doc.createDataGenerator()
        dg.setId(f"{e.id}__{name}")
        dg.setName(name)
        var = dg.createVariable()
        var.setId("v")
        var.setTaskReference(task_id)
        if name == "time":
            var.setSymbol("urn:sedml:symbol:time")
        else:
            var.setTarget(target(name))
        dg.setMath(libsedml.parseL3Formula("v"))
        return dg.getId()

    report = doc.createReport()
    report.setId(f"report_{e.id}")
    report.setName(e.description)
    ids = {name: generator(name) for name in ["time", *readouts]}
    for name, dg in ids.items():
        ds = report.createDataSet()
        ds.setId(f"ds_{dg}")
        ds.setLabel(name)
        ds.setDataReference(dg)
    plot = doc.createPlot2D()
    plot.setId(f"plot_{e.id}")
    plot.setName(f"{e.main_readout}: {e.description}")
    curve = plot.createCurve()
    curve.setId(f"curve_{e.id}")
    curve.setName(e.main_readout)
    curve.setLogX(False)
    curve.setLogY(False)
    curve.setXDataReference(ids["time"])
    curve.setYDataReference(ids[e.main_readout] if e.main_readout in ids else ids["pSTAT3"])

