"""COMBINE/OMEX archive, ready for BioModels: SBML per genotype, SED-ML of the canonical
experiments with their figures, the SBGN-ML map, and OMEX metadata (docs/biomodels.md).

A genotype has its own unstimulated steady state, so each genotype is its own
SBML file (species start at that drug-free state, cytokines enter at time 0, see
:func:`jakstat_sbml.interop.sbml.protocol_document`); doses are set by SED-ML. The
archive holds

- ``condition.xml``: the exported condition itself (task ``run_condition``);
- ``genotype.xml``: the condition's genotype without doses: a time course per
  cytokine the context signals through, at its standard dose (tasks ``IL2`` ...
  ``IFNG``; pathways the context lacks, such as GM-CSF and EPO in ``ctcl``, are left
  out and named in the description) and a ruxolitinib dose series under IL-6
  (``ruxolitinib_series_IL6``);
- ``SOCS3_knockout.xml``: that genotype with SOCS3 knocked out, under IL-6
  (``SOCS3_knockout_IL6``);
- ``experiments.sedml`` (SED-ML L1V3, the master file) with a report (time + readouts)
  and a plot of the main readout per experiment;
- ``figures/<experiment>.png``: each SED-ML plot as the package computes it
  (RoadRunner through the Python API), the figure a tool running the SED-ML reproduces;
- ``jakstat.sbgn`` (SBGN-ML, Activity Flow) and ``map.png``: the pathway map;
- ``metadata.rdf``: OMEX metadata (:mod:`.metadata`): creators, dates, licence, the
  network's source publication, the data sources, taxon, disease and GO terms.

Every SBML file carries the map as its layout, and an SBO term on every species,
reaction, participant and parameter. Every time course starts at minus the drug
pre-incubation and reports from 0: drugs act from its start, the cytokine from time 0,
as in the Python API (the condition's own pre-incubation for ``condition.xml``, the
package's 30 min for the dose series); the figures are simulated the same way.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .. import catalog
from ..errors import ExportError
from ..model import DEFAULT_PREINCUBATION, Condition, Model
from ..optional import require
from .metadata import OMEX_METADATA_FORMAT, check_metadata, metadata_rdf
from .sbml import protocol_preincubation, protocol_sbml

SBML_FORMAT = "http://identifiers.org/combine.specifications/sbml.level-3.version-2"
SEDML_FORMAT = "http://identifiers.org/combine.specifications/sed-ml.level-1.version-3"
SBGN_FORMAT = "http://identifiers.org/combine.specifications/sbgn.af.level-1.version-1.2"
PNG_FORMAT = "http://purl.org/NET/mediatypes/image/png"
SBML_NS = "http://www.sbml.org/sbml/level3/version2/core"
SEDML_FILE = "experiments.sedml"
SBGN_FILE = "jakstat.sbgn"
MAP_FIGURE = "map.png"
METADATA_FILE = "metadata.rdf"

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

    def doses(self, value: float | None = None) -> dict[str, float]:
        """Dose parameter -> nM of one run (``value`` of the varied parameter)."""
        out = dict(self.fixed)
        if self.varied is not None:
            out[self.varied] = self.values[0] if value is None else value
        return out


def experiments(condition: Condition, absent: tuple[str, ...] = ()) -> list[Experiment]:
    """The archive's experiments for the genotype of ``condition``, without the cytokines
    in ``absent`` (pathways the context cannot signal through)."""
    out = [Experiment("condition", "condition", _main_readout(condition),
                      f"the exported condition: {condition.label()}")]
    for name, c in catalog.CYTOKINES.items():
        if name in absent:
            continue
        nM = dict(Condition.make(cytokines={name: c.standard_dose}).cytokines)[name]
        out.append(Experiment(name, "genotype", c.main_readout, f"{name} {c.standard_dose} ({nM:.4g} nM) from time 0",
                              varied=c.dose_parameter, values=(nM,)))
    il6 = next((e for e in out if e.id == "IL6"), None)
    if il6 is None:
        return out
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
    """Write the archive (SBML files, SED-ML, figures, SBGN map, metadata) to ``path``."""
    from ..experiments import absent_pathways

    libcombine = require("libcombine", "COMBINE/OMEX export")
    require("rdflib", "OMEX metadata")
    require("libsbgnpy", "SBGN export")

    absent = absent_pathways(model)
    plan = experiments(condition, tuple(absent))
    conditions = genotype_conditions(condition)
    files = {f"{name}.xml": protocol_sbml(model, cond) for name, cond in conditions.items()}
    sedml = sedml_document(condition, files["genotype.xml"], plan)
    described = {SEDML_FILE: "SED-ML L1V3 of the archive's experiments: a report (time and readouts, nM) and a "
                             "plot of the main readout per experiment.",
                 SBGN_FILE: "The pathway map as SBGN-ML (Activity Flow), the map of `jakstat explore`.",
                 MAP_FIGURE: "The pathway map as a picture (the positions of the SBGN-ML and of the SBML layouts)."}
    for name, cond in conditions.items():
        described[f"{name}.xml"] = (f"SBML L3V2 of [{cond.label()}] in context {model.context!r}; species start at the "
                                    "unstimulated, drug-free steady state of the genotype, drugs act from the start of "
                                    "a time course and each cytokine from time 0 (start at "
                                    f"{-protocol_preincubation(cond):g} min). The pathway map is its SBML layout.")
    left_out = (f" Pathways the context cannot signal through are left out: {', '.join(sorted(absent))}."
                if absent else "")
    archive = libcombine.CombineArchive()
    try:
        with tempfile.TemporaryDirectory(prefix="jakstat-omex-") as tmp:
            staged = Path(tmp)
            for name, text in files.items():
                _add(archive, archive.addFileFromString(text, name, SBML_FORMAT, False), name)
            _add(archive, archive.addFileFromString(sedml, SEDML_FILE, SEDML_FORMAT, True), SEDML_FILE)
            for e, figure in _figures(model, condition, plan, staged).items():
                name = f"figures/{e.id}.png"
                described[name] = (f"plot_{e.id} of {SEDML_FILE} ({e.main_readout}: {e.description}), simulated "
                                   "by jakstat-sbml through RoadRunner: what a tool running the SED-ML reproduces.")
                _add(archive, archive.addFile(str(figure), name, PNG_FORMAT, False), name)
            _add(archive, archive.addFile(str(_sbgn(model, staged)), SBGN_FILE, SBGN_FORMAT, False), SBGN_FILE)
            _add(archive, archive.addFile(str(_map_picture(model, staged)), MAP_FIGURE, PNG_FORMAT, False),
                 MAP_FIGURE)
            models = list(files)
            rdf = metadata_rdf(
                path.name, models=models, files=described,
                title=f"jakstat-sbml: cytokine-driven JAK/STAT signalling in human cells (context {model.context})",
                abstract=("A mechanistic model of cytokine-driven JAK/STAT signalling: 11 cytokines and their "
                          "receptors, JAK1/2/3 and TYK2, STAT1-6 and IRF9 with dimerisation and nuclear cycling, "
                          f"SOCS/CISH feedback, phosphatases, PIAS, and {_drugs_text()}. "
                          "The network is Figure 1 of Kashyap et al., Cancers 2025; parameters are "
                          "taken from the literature or calibrated on published data."),
                description=(f"jakstat-sbml: JAK/STAT signalling in context {model.context!r}. {SEDML_FILE} runs the "
                             f"exported condition ({condition.label()}), a time course per cytokine at its standard "
                             f"dose, a SOCS3 knockout under IL-6 and a {SERIES_DRUG} dose series under IL-6, each drug "
                             "pre-incubated before the cytokine as in the Python API; figures/ holds each plot as "
                             "the package computes it. Time in min, concentrations in nM."
                             + left_out))
            problems = check_metadata(rdf, path.name, models)
            if problems:
                raise ExportError(f"the OMEX metadata it built is incomplete: {problems[0]}")
            _add(archive, archive.addFileFromString(rdf, METADATA_FILE, OMEX_METADATA_FORMAT, False), METADATA_FILE)
            ok = archive.writeToFile(str(path))
    finally:
        archive.cleanUp()
    if not ok:
        raise ExportError(f"libCombine could not write {path.name}")


def _drugs_text() -> str:
    """The drugs as the catalog has them (the abstract once named three of fourteen and
    called pimozide a JAK inhibitor)."""
    drugs = [catalog.DRUGS[d] for d in catalog.drugs()]
    jak = [d.name for d in drugs if all(t.startswith(("JAK", "TYK")) for t in d.targets)]
    other = [f"{d.name} (acting on {', '.join(d.targets)})" for d in drugs if d.name not in jak]
    return (f"{len(drugs)} drugs: the JAK inhibitors {', '.join(jak)}"
            + (f", and {', '.join(other)}" if other else ""))


def _add(archive, ok: bool, name: str) -> None:
    if not ok:
        raise ExportError(f"libCombine could not add {name}")


def _sbgn(model: Model, folder: Path) -> Path:
    from .sbgn import write_sbgn

    path = folder / SBGN_FILE
    write_sbgn(model, path)
    return path


def _map_picture(model: Model, folder: Path) -> Path:
    from matplotlib.figure import Figure

    from ..explore import draw_map, pathway_graph

    graph = pathway_graph(model.path)
    width, height = graph.extent()
    fig = Figure(figsize=(width / 100, height / 100))
    draw_map(graph, title="JAK/STAT pathway map (SBGN Activity Flow), drawn from the model", ax=fig.subplots())
    path = folder / MAP_FIGURE
    fig.savefig(path, dpi=90, bbox_inches="tight")
    return path


def _figures(model: Model, condition: Condition, plan: list[Experiment], folder: Path) -> dict[Experiment, Path]:
    """Each experiment's SED-ML plot (its main readout against time; one curve per value
    of a series), simulated through the Python API."""
    from matplotlib.figure import Figure

    genotypes = genotype_conditions(condition)
    doses = {c.dose_parameter: ("cytokines", name) for name, c in catalog.CYTOKINES.items()}
    doses |= {d.dose_parameter: ("drugs", name) for name, d in catalog.DRUGS.items()}
    (folder / "figures").mkdir(exist_ok=True)
    out = {}
    for e in plan:
        fig = Figure(figsize=(5.0, 3.2))
        ax = fig.subplots()
        for value in e.values or (None,):
            if e.varied is None:
                df = model.run(condition)
                label = e.main_readout
            else:
                base = genotypes[e.model]
                keywords = {"cytokines": {}, "drugs": {}}
                for parameter, nM in e.doses(value).items():
                    kind, name = doses[parameter]
                    keywords[kind][name] = nM
                df = model.simulate(**keywords, knockouts=list(base.knockouts), overexpress=dict(base.overexpress),
                                    mutations=dict(base.mutations), parameters=dict(base.parameters),
                                    preincubation=DEFAULT_PREINCUBATION, t_end=condition.t_end,
                                    points=condition.points,
                                    readouts=[e.main_readout])
                label = f"{e.varied} = {value:g} nM" if len(e.values) > 1 else e.main_readout
            ax.plot(df["time"], df[e.main_readout], label=label)
        ax.set_xlabel("time (min)")
        ax.set_ylabel(f"{e.main_readout} (nM)")
        ax.set_title(f"plot_{e.id}: {e.description}", fontsize=7)
        if len(e.values) > 1:
            ax.legend(fontsize=6)
        fig.tight_layout()
        path = folder / "figures" / f"{e.id}.png"
        fig.savefig(path, dpi=100)
        out[e] = path
    return out


# ----------------------------------------------------------------------------- SED-ML


def sedml_document(condition: Condition, genotype_sbml: str, plan: list[Experiment] | None = None) -> str:
    """SED-ML L1V3 text of the experiments (default: all of :func:`experiments`; targets
    checked against ``genotype_sbml``)."""
    import libsbml

    libsedml = require("libsedml", "SED-ML export")

    sbml = libsbml.readSBMLFromString(genotype_sbml).getModel()
    species = {s.getId() for s in sbml.getListOfSpecies()}
    plan = experiments(condition) if plan is None else plan
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

