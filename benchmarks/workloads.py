"""The work the benchmarks time, done with jakstat_sbml and done the other ways.

Every other way gets the same model (the bundled SBML), the same condition, the
same solver tolerances (``model.solver_options``) and the same start state where it applies, so the
ratios compare engines and overheads, not different problems; ``agreement``
checks that they really compute the same trajectories.
"""

from __future__ import annotations

import numpy as np

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.fitting import fit_hill

CYTOKINE = "IL6"
DOSE = "40 ng/mL"  # the DESIGN 3.1 example
T_END = 120.0
POINTS = 121
PREEQUILIBRATION = 1e5  # min, as jakstat_sbml.model


def time_course_condition() -> js.Condition:
    return js.Condition.make(cytokines={CYTOKINE: DOSE}, t_end=T_END, points=POINTS)


def api_time_course(model: js.Model, dose=DOSE) -> np.ndarray:
    """One 120-min time course through the public API, all readouts."""
    return model.simulate(cytokines={CYTOKINE: dose}, t_end=T_END, points=POINTS).to_numpy()


def _selections(rr, readouts) -> list[str]:
    species = set(rr.model.getFloatingSpeciesIds())
    return ["time"] + [f"[{r}]" if r in species else r for r in readouts]


def _set_tolerances(rr, model: js.Model) -> None:
    """The solver settings ``model`` uses, on another RoadRunner."""
    options = model.solver_options
    rr.integrator.relative_tolerance = options["relative_tolerance"]
    for sid in rr.model.getFloatingSpeciesIds():
        rr.integrator.setIndividualTolerance(sid, options["absolute_tolerance"])
    rr.integrator.setValue("maximum_num_steps", options["maximum_steps"])


class RawRoadRunner:
    """The same time course on a plain RoadRunner: parameters and start state set
    once, then only reset-and-simulate per run (the least work possible)."""

    def __init__(self, model: js.Model, cond: js.Condition):
        import roadrunner

        self.rr = rr = roadrunner.RoadRunner(catalog.bundled_sbml_path().read_text(encoding="utf-8"))
        _set_tolerances(rr, model)
        for p, v in model.parameters_for(cond).items():
            rr[p] = v
        start = model.initial_concentrations(cond)
        self.ids = list(rr.model.getFloatingSpeciesIds())
        self.start = np.array([start[s] for s in self.ids])
        self.selections = _selections(rr, js.readouts())
        self.t_end, self.points = cond.t_end, cond.points

    def time_course(self) -> np.ndarray:
        rr = self.rr
        rr.model.setFloatingSpeciesConcentrations(self.start)
        rr.model.setTime(0.0)
        return np.array(rr.simulate(0.0, self.t_end, self.points, self.selections))


def start_state_sbml(model: js.Model, cond: js.Condition) -> str:
    """The bundled SBML with the condition's parameter values and its time-0 state
    as initial concentrations (species initial assignments removed)."""
    import libsbml

    doc = libsbml.readSBMLFromFile(str(catalog.bundled_sbml_path()))
    m = doc.getModel()
    species = {m.getSpecies(i).getId() for i in range(m.getNumSpecies())}
    for i in reversed(range(m.getNumInitialAssignments())):
        if m.getInitialAssignment(i).getSymbol() in species:
            m.removeInitialAssignment(i)
    for sid, conc in model.initial_concentrations(cond).items():
        m.getSpecies(sid).setInitialConcentration(conc)
    for p, v in model.parameters_for(cond).items():
        m.getParameter(p).setValue(v)
    return libsbml.writeSBMLToString(doc)


class Copasi:
    """The same time course in COPASI: through basico as a user would, and the bare
    engine (COPASI's time-course task without basico's DataFrame)."""

    def __init__(self, model: js.Model, cond: js.Condition):
        import basico
        import COPASI

        self.basico, self.COPASI = basico, COPASI
        self.dm = basico.load_model(start_state_sbml(model, cond))
        options = model.solver_options
        basico.set_task_settings(basico.T.TIME_COURSE, {"method": {
            "Relative Tolerance": options["relative_tolerance"],
            "Absolute Tolerance": options["absolute_tolerance"]}}, model=self.dm)
        self.duration, self.intervals = cond.t_end, cond.points - 1
        names = basico.get_parameters(model=self.dm)
        self.readout_name = dict(zip(names["sbml_id"], names.index))

    def basico_time_course(self):
        return self.basico.run_time_course(duration=self.duration, intervals=self.intervals, model=self.dm)

    def engine_time_course(self) -> None:
        task = self.dm.getTask("Time-Course")
        problem = task.getProblem()
        problem.setDuration(self.duration)
        problem.setStepNumber(self.intervals)
        task.setUpdateModel(False)
        task.initialize(self.COPASI.CCopasiTask.OUTPUT_UI)
        task.process(True)
        task.restore()

    def readout(self, name: str) -> np.ndarray:
        out = self.basico.run_time_course_with_output([f"Values[{self.readout_name[name]}]"], duration=self.duration,
                                                     intervals=self.intervals, model=self.dm)
        return out.to_numpy()[:, -1]


class NaiveTellurium:
    """What a user without this package would write: load the model with
    ``te.loada`` for every simulation, equilibrate without cytokine, stimulate."""

    def __init__(self, model: js.Model):
        import tellurium as te

        self.te = te
        self.model = model
        self.antimony = te.sbmlToAntimony(catalog.bundled_sbml_path().read_text(encoding="utf-8"))
        self.context = {p: v for p, v in model.parameter_values().items()
                        if not p.startswith("dose_")}  # the cell context's values

    def _loaded_at_steady_state(self):
        r = self.te.loada(self.antimony)
        _set_tolerances(r, self.model)
        for p, v in self.context.items():
            if r[p] != v:
                r[p] = v
        r.reset()  # initial assignments from the context's totals
        r.simulate(0.0, PREEQUILIBRATION, 2, ["time"])
        return r

    def time_course(self, cond: js.Condition) -> np.ndarray:
        r = self._loaded_at_steady_state()
        for name, nM in cond.cytokines:
            r[catalog.CYTOKINES[name].dose_parameter] = nM
        return np.array(r.simulate(0.0, cond.t_end, cond.points, _selections(r, js.readouts())))

    def dose_response(self, drug: str, cytokine: str, readout: str, doses_nM, time: float,
                      preincubation: float) -> tuple[np.ndarray, float]:
        """Responses at ``time`` min for each dose (drug added ``preincubation`` min
        before the cytokine at its standard dose), and the fitted IC50 (nM)."""
        cyt_nM = dict(js.Condition.make(cytokines={cytokine: catalog.CYTOKINES[cytokine].standard_dose}).cytokines)
        runs = [(0.0, cyt_nM[cytokine])] + [(float(d), cyt_nM[cytokine]) for d in doses_nM]
        values = []
        for drug_nM, cyt in runs:
            r = self._loaded_at_steady_state()
            r[catalog.DRUGS[drug].dose_parameter] = drug_nM
            r.simulate(0.0, preincubation, 2, ["time"])
            r[catalog.CYTOKINES[cytokine].dose_parameter] = cyt
            out = r.simulate(0.0, time, 2, _selections(r, [readout]))
            values.append(float(out[-1, 1]))
        baseline, resp = values[0], np.array(values[1:])
        return resp, fit_hill(np.asarray(doses_nM, dtype=float), resp, zero=baseline).ic50


# ----------------------------------------------------------------------------- condition sets


def knockout_screen_conditions() -> tuple[list[js.Condition], list[str]]:
    """Wild type and every gene knocked out, under each cytokine at its standard
    dose (AUC 0-120 min needs the default 1-min grid), and the main readouts."""
    conds = []
    for c in js.cytokines():
        stimulus = {c: catalog.CYTOKINES[c].standard_dose}
        conds += [js.Condition.make(cytokines=stimulus, knockouts=[g] if g else None, t_end=120)
                  for g in [None, *js.genes()]]
    readouts = sorted({catalog.CYTOKINES[c].main_readout for c in js.cytokines()})
    return conds, readouts


def many_conditions(n: int) -> tuple[list[js.Condition], list[str]]:
    """``n`` distinct conditions: cytokine x genotype x ruxolitinib dose, 120 min."""
    cytokines = js.cytokines()
    genotypes = [None, "JAK1", "JAK2", "JAK3", "TYK2", "SOCS1", "SOCS3", "CISH"]
    doses = np.logspace(-1, 4, max(1, -(-n // (len(cytokines) * len(genotypes)))))
    conds = []
    for d in doses:
        for g in genotypes:
            for c in cytokines:
                conds.append(js.Condition.make(cytokines={c: catalog.CYTOKINES[c].standard_dose},
                                               drugs={"ruxolitinib": float(d)}, knockouts=[g] if g else None,
                                               preincubation=30, t_end=120))
    readouts = sorted({catalog.CYTOKINES[c].main_readout for c in cytokines})
    return conds[:n], readouts


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference between two trajectories, relative to the larger's peak."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.abs(a).max(), np.abs(b).max(), 1e-300)
    return float(np.abs(a - b).max() / scale)
