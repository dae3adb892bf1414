"""AMICI, a second simulation engine for heavy work: the same conditions, readouts
and pre-equilibrated start as RoadRunner, several times faster per simulation.

RoadRunner (the default, and what every quick call uses) solves the model's
161 ODEs with a dense Newton matrix and finite-difference Jacobians. AMICI
(Fröhlich et al., Bioinformatics 2021, doi:10.1093/bioinformatics/btab227)
generates C++ for the model's right-hand side and its analytic sparse Jacobian
and solves with CVODES and the sparse KLU solver. ``js.run(..., engine="amici")``,
the experiments and ``js.sensitivity`` take it with one keyword
(:mod:`jakstat_sbml.engines` is the interface; this module is AMICI's side of it).

A simulation runs the same three phases as :class:`~jakstat_sbml.model.Model`:
the genotype's unstimulated steady state (integrated from the initial
assignments in rounds of ``PREEQUILIBRATION_TIME`` until every rate is below
``STEADY_STATE_RATE``, kept per genotype in a bounded
:class:`~jakstat_sbml.model.SteadyStates`), the drug pre-incubation, then the
stimulation, with the values :meth:`Model.phase_values` gives and the model's
solver tolerances (RoadRunner's absolute tolerance is per species amount, zmol;
AMICI's per concentration, so it is divided by the largest volume that holds an
integrated species, which is at least as tight everywhere).

A condition with dosing regimens runs on the regimen SBML of
:mod:`jakstat_sbml.regimens` (pathway + PK + one dose event per drug, the document
RoadRunner runs), compiled by AMICI once per drug set (:meth:`AmiciSimulator.run_regimens`);
AMICI locates each dose as a root of the event's trigger and applies its assignments.

The model is compiled once per machine (about a minute) into the cache directory
of :mod:`jakstat_sbml.compiled` (``amici/<name>/``), keyed by the SBML text, the
AMICI version and the machine, and imported from there afterwards (a fraction
of a second). Compiling needs ``swig`` >= 4.5 (the PyPI package; Debian's 4.1
builds a module that does not load) and the OpenBLAS headers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pandas as pd

from . import catalog
from .compiled import cache_dir, machine_signature
from .errors import InputError, JakStatError, SimulationError
from .model import (
    PREEQUILIBRATION_ROUNDS, PREEQUILIBRATION_TIME, STEADY_STATE_RATE, Condition, Model, SteadyStates,
)
from .optional import require
from .regimens.sbml import central, depot, pk_values, start_values
from .regimens.simulation import PK_ABSOLUTE_TOLERANCE, free_column, plasma_column, template_sbml

_FORMAT = "jakstat-sbml compiled amici 1"  # change when the module's content changes
_OBSERVABLE = "y_"  # observable ids: the readout with this prefix (ids must not clash)
_PLASMA = "plasma_y_"  # observable ids of a regimen drug's total plasma concentration
_REGIMEN_MODELS_KEPT = 8  # per simulator: compiled regimen models (one per drug set) in use
SENSITIVITY_RELATIVE_TOLERANCE = 1e-5  # of forward sensitivities (the states keep the model's tolerance)
_MODULES_KEPT = 8  # compiled modules in the cache (~2.5 MB each); the least recently used go first


# ----------------------------------------------------------------------------- the compiled module


def module_key(sbml: str) -> str:
    """The cache key of a compiled AMICI module: SBML text, AMICI version, machine."""
    import amici

    h = hashlib.sha256()
    for part in (_FORMAT, amici.__version__, machine_signature(), sbml):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


_modules: dict[str, object] = {}  # imported in this process (an extension cannot be unloaded)


def compiled_module(sbml: str):
    """The AMICI model module of ``sbml``: imported from the cache, or compiled and cached.

    Where the cache directory cannot be written, the module is compiled into a
    temporary folder for this process only.
    """
    import amici

    key = module_key(sbml)
    name = f"jakstat_amici_{key[:16]}"
    if name in _modules:
        return _modules[name]
    folder = cache_dir() / "amici" / name
    module = _import(amici, name, folder)
    if module is None:
        shutil.rmtree(folder, ignore_errors=True)  # missing, half-written or broken: rebuilt
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder.parent))
        except OSError:  # no cache directory: compiled for this process only
            scratch = Path(tempfile.mkdtemp(prefix=f"{name}."))
            folder = scratch / "installed"
        try:
            _compile(amici, sbml, name, scratch / "build")
            _finish(scratch / "build" / name, folder / name)
        finally:
            shutil.rmtree(scratch / "build", ignore_errors=True)
            if folder.parent != scratch:
                shutil.rmtree(scratch, ignore_errors=True)
        module = _import(amici, name, folder)
        if module is None:
            raise JakStatError(f"AMICI compiled the model into {folder} but the module does not import")
        _prune(folder.parent)
    else:
        with contextlib.suppress(OSError):
            os.utime(folder)  # recently used: pruned last
    _modules[name] = module
    return module


def _prune(root: Path) -> None:
    def last_used(f: Path) -> float:
        try:
            return f.stat().st_mtime
        except OSError:
            return 0.0

    kept = sorted((f for f in root.glob("jakstat_amici_*") if f.is_dir()), key=last_used, reverse=True)
    for f in kept[_MODULES_KEPT:]:
        shutil.rmtree(f, ignore_errors=True)


def _import(amici, name: str, folder: Path):
    if not (folder / name / "__init__.py").is_file():
        return None
    try:
        return amici.import_model_module(name, folder)
    except (ImportError, OSError, AttributeError, RuntimeError):
        return None


def _finish(built: Path, target: Path) -> None:
    """Move the built package into place whole; another process may have been first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(built, target)
    except OSError:
        if not (target / "__init__.py").is_file():
            raise


def _compile(amici, sbml: str, name: str, out: Path) -> None:
    """Generate and compile the module: the dose parameters as AMICI constants (they
    switch between phases and are never fitted), one observable per readout, and in a
    regimen model one per regimen drug's plasma concentration (its dose is then a rule)."""
    import logging

    import libsbml

    importer = amici.SbmlImporter(sbml, from_file=False)
    document = libsbml.readSBMLFromString(sbml)  # kept alive while its model is read
    m = document.getModel()
    doses = [p for p in [c.dose_parameter for c in catalog.CYTOKINES.values()]
             + [d.dose_parameter for d in catalog.DRUGS.values()]
             if m.getParameter(p) is not None and m.getParameter(p).getConstant()]
    channels = [amici.MeasurementChannel(f"{_OBSERVABLE}{r}", formula=r) for r in catalog.READOUTS]
    channels += [amici.MeasurementChannel(f"{_PLASMA}{d}", formula=central(d)) for d in catalog.DRUGS
                 if m.getSpecies(central(d)) is not None]
    # The build calls `swig`, which pip installs next to this Python: put it on PATH.
    here = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = here + os.pathsep + path
    try:
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            importer.sbml2amici(name, out, fixed_parameters=doses, observation_model=channels,
                                verbose=logging.ERROR, compute_conservation_laws=False)
    finally:
        os.environ["PATH"] = path


# ----------------------------------------------------------------------------- simulations


class AmiciSimulator:
    """One model's conditions on AMICI (made by :func:`simulator`, one per Model)."""

    def __init__(self, model: Model):
        import amici.sim.sundials as sundials

        self._sundials, self._swig = sundials, sundials.amici_swig_py
        self.model = model
        module = compiled_module(model.roadrunner.getSBML())
        self._amici = am = module.get_model()
        tunable = {p: i for i, p in enumerate(model.tunable_parameters)}
        free, fixed = list(am.get_free_parameter_ids()), list(am.get_fixed_parameter_ids())
        self._free = np.array(am.get_free_parameters(), dtype=float)
        self._fixed = np.array(am.get_fixed_parameters(), dtype=float)
        # positions in phase_values of the AMICI parameters the conditions set
        self._free_from = np.array([(i, tunable[p]) for i, p in enumerate(free) if p in tunable], dtype=int)
        self._fixed_from = np.array([(i, tunable[p]) for i, p in enumerate(fixed) if p in tunable], dtype=int)
        self._states = list(am.get_state_ids())
        observables = list(am.get_observable_ids())
        self._column = {r: observables.index(f"{_OBSERVABLE}{r}") for r in catalog.READOUTS}
        rr = model.roadrunner.model
        volumes = dict(zip(rr.getCompartmentIds(), rr.getCompartmentVolumes()))
        compartments = rr.getCompartmentIds()
        self._largest_volume = max(volumes[compartments[rr.getCompartmentIndexForFloatingSpecies(i)]]
                                   for i in range(rr.getNumFloatingSpecies()))
        am.set_parameter_list([0])  # no sensitivities: their buffers otherwise cost 5x
        self._solver = None
        self._options: dict | None = None
        self.steady_states = SteadyStates(model.steady_states.limit)
        self.sensitivity_states = SteadyStates(model.steady_states.limit)  # (state, its sensitivities)
        self._fsa_solver = self._sensitivity_options = None
        self._regimen_models: dict[tuple, _RegimenModel] = {}

    def _sync(self) -> None:
        """Follow the model's solver options (a change drops the cached steady states)."""
        options = self.model.solver_options
        if options == self._options:
            return
        self._solver, self._options = self._new_solver(options, sensitivities=False), options
        self.steady_states.clear()

    def _new_solver(self, options: dict, sensitivities: bool):
        solver = self._amici.create_solver()
        solver.set_relative_tolerance(options["relative_tolerance"])
        solver.set_absolute_tolerance(options["absolute_tolerance"] / self._largest_volume)
        solver.set_max_steps(int(options["maximum_steps"]))
        solver.set_linear_solver(self._sundials.LinearSolver_KLU)
        if sensitivities:
            solver.set_sensitivity_order(self._sundials.SensitivityOrder_first)
            solver.set_sensitivity_method(self._sundials.SensitivityMethod_forward)
            # Sensitivities steer optimisers: 1e-5 relative is ample and costs 30% less
            # than the states' 1e-7 (Sobotta 2017 Jacobian: 2.1 s vs 3.1 s, columns within 1e-5).
            solver.set_relative_tolerance_fsa(max(options["relative_tolerance"], SENSITIVITY_RELATIVE_TOLERANCE))
            solver.set_absolute_tolerance_fsa(100 * options["absolute_tolerance"] / self._largest_volume)
        else:
            solver.set_sensitivity_order(self._sundials.SensitivityOrder_none)
        return solver

    def _parameters(self, values: np.ndarray) -> None:
        free, fixed = self._free.copy(), self._fixed.copy()
        if len(self._free_from):
            free[self._free_from[:, 0]] = values[self._free_from[:, 1]]
        if len(self._fixed_from):
            fixed[self._fixed_from[:, 0]] = values[self._fixed_from[:, 1]]
        self._amici.set_free_parameters(free)
        self._amici.set_fixed_parameters(fixed)

    def _integrate(self, start: np.ndarray | None, t0: float, times, cond: Condition, what: str,
                   solver=None, sensitivities: np.ndarray | None = None):
        am = self._amici
        am.set_initial_state([] if start is None else start)  # []: from the initial assignments
        if solver is not None:  # with sensitivities: [] computes them from the initial assignments
            am.set_initial_state_sensitivities([] if sensitivities is None else sensitivities.ravel())
        am.set_t0(t0)
        am.set_timepoints(list(times))
        # The SWIG call itself (as amici's run_simulation does without its ReturnDataView):
        # the view copies result vectors element by element, 4 ms for 121 x 47 values.
        rdata = self._swig.run_simulation((solver or self._solver).get(), None, am.get())
        if rdata.status != self._sundials.AMICI_SUCCESS:
            status = self._sundials.simulation_status_to_str(rdata.status)
            advice = (f"allow more steps with model.set_solver_options(maximum_steps="
                      f"{10 * self._options['maximum_steps']})" if "TOO_MUCH_WORK" in status else
                      "try tighter tolerances with model.set_solver_options(relative_tolerance=..., "
                      "absolute_tolerance=...), lower doses or a shorter t_end")
            raise SimulationError(f"AMICI failed ({status}) {what} for [{cond.label()}] in context "
                                  f"{self.model.context!r}: {advice}, or run it with engine='roadrunner'.")
        return rdata

    def _steady_state(self, cond: Condition, genotype: np.ndarray, k: int):
        """The genotype's unstimulated state and, with ``k`` sensitivities, theirs
        (integrated from the initial assignments), each kind in its own bounded cache."""
        cache = self.sensitivity_states if k else self.steady_states
        key = (cond.genotype(), tuple(self._amici.get_parameter_list())) if k else cond.genotype()
        cached = cache.get(key)
        if cached is not None:
            return cached
        self._parameters(genotype)
        solver = self._sensitivity_solver() if k else None
        state = sens = None
        t = 0.0
        what = "while pre-equilibrating its genotype"
        for _ in range(PREEQUILIBRATION_ROUNDS):
            rdata = self._integrate(state, t, [t + PREEQUILIBRATION_TIME], cond, what, solver, sens)
            state, t = self._last_state(rdata), t + PREEQUILIBRATION_TIME
            sens = self._last_sensitivities(rdata, k) if k else None
            rate = float(np.max(np.abs(self._swig.stdVec2ndarray(rdata.xdot, rdata.xdot.size()))))
            if rate < STEADY_STATE_RATE:
                break
        else:
            raise SimulationError(
                f"no steady state without cytokine for [{cond.label()}] in context {self.model.context!r} on "
                f"AMICI (largest rate {rate:.3g} nM/min after {t:,.0f} min); check the parameters= overrides")
        cache.put(key, (state, sens))
        return state, sens

    def run(self, cond: Condition, readouts: list[str]) -> np.ndarray:
        """``time`` and ``readouts`` of ``cond`` (rows: ``cond.points`` times from 0 to
        ``t_end``), as ``model.run(cond, readouts).to_numpy()`` gives them from RoadRunner."""
        if cond.regimens:
            times, _, values = self._regimen_arrays(cond, readouts)
            return np.column_stack([times, values])
        return self._protocol(cond, readouts, np.linspace(0.0, cond.t_end, cond.points), 0)[0]

    # ------------------------------------------------------------------ dosing regimens
    def run_regimens(self, cond: Condition, readouts: list[str]) -> pd.DataFrame:
        """A condition with dosing regimens, as ``model.run(cond, readouts)`` gives it from
        RoadRunner (:func:`~jakstat_sbml.regimens.simulation.simulate_regimens`): ``time``,
        ``plasma_<drug>`` and ``free_<drug>`` per regimen drug (nM), then ``readouts``.

        The regimen SBML (the pathway plus PK and one dosing event per drug, the same
        document RoadRunner runs) is compiled by AMICI once per drug set; AMICI finds each
        dose time as a root of the event's trigger and applies its assignments there.
        The run starts, as RoadRunner's does, from the genotype's unstimulated steady
        state (this engine's own, shared with the conditions without regimens), the
        first dose in the depot, cytokines on from time 0.
        """
        regs = cond.regimens
        times, plasma, values = self._regimen_arrays(cond, readouts)
        columns, data = ["time"], [times]
        for j, reg in enumerate(regs):
            columns += [plasma_column(reg.drug), free_column(reg.drug)]
            data += [plasma[:, j], plasma[:, j] * reg.pk.fraction_unbound]
        frame = pd.DataFrame(np.column_stack(data + [values]), columns=columns + list(readouts))
        frame.attrs["condition"] = cond.as_dict()
        frame.attrs["regimens"] = [r.as_dict() for r in regs]
        frame.attrs["context"] = self.model.context
        frame.attrs["units"] = {"time": "min", **{c: "nM" for c in columns[1:]},
                                **{r: catalog.READOUTS[r].unit for r in readouts}}
        return frame

    def _regimen_arrays(self, cond: Condition, readouts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Output times, total plasma concentration per regimen drug and ``readouts`` of a
        regimen condition (what :meth:`run_regimens` frames, without the frame)."""
        self._sync()
        regs = cond.regimens
        rm = self._regimen_model(regs)
        am = rm.amici
        genotype, _, stimulation = self.model.phase_values(cond)
        state, _ = self._steady_state(cond, genotype, 0)
        free, fixed = rm.free.copy(), rm.fixed.copy()
        free[rm.free_from[:, 0]] = stimulation[rm.free_from[:, 1]]
        fixed[rm.fixed_from[:, 0]] = stimulation[rm.fixed_from[:, 1]]
        x0 = np.zeros(len(rm.state_ids))
        x0[rm.pathway_states] = state
        atol = self._options["absolute_tolerance"] / self._largest_volume
        for reg in regs:
            pk = pk_values(reg)
            for pid, value in pk.items():
                free[rm.free_index[pid]] = value  # constants of the regimen SBML: AMICI parameters
            start = start_values(reg)  # what the dose events change: AMICI states
            scale = 1.0
            if depot_scale_parameter(reg.drug) in rm.free_index:  # AMICI's tolerance is RoadRunner's for the depot
                scale = PK_ABSOLUTE_TOLERANCE * pk[f"dose_amount_{reg.drug}"] / atol
                free[rm.free_index[depot_scale_parameter(reg.drug)]] = scale
            start[depot(reg.drug)] /= scale
            for sid, value in start.items():
                x0[rm.state_index[sid]] = value
        am.set_free_parameters(free)
        am.set_fixed_parameters(fixed)
        am.set_initial_state(x0)
        am.set_t0(0.0)
        times = np.linspace(0.0, cond.t_end, cond.points)
        am.set_timepoints(list(times))
        rdata = self._swig.run_simulation(rm.solver(self._options, self._largest_volume).get(), None, am.get())
        label = f"[{'; '.join(str(r) for r in regs)}; {cond.label()}]"
        if rdata.status != self._sundials.AMICI_SUCCESS:
            status = self._sundials.simulation_status_to_str(rdata.status)
            raise SimulationError(f"AMICI failed ({status}) while simulating {label} in context "
                                  f"{self.model.context!r}: try tighter tolerances with model.set_solver_options"
                                  "(...), or run it with engine='roadrunner'.")
        y = np.array(self._swig.stdVec2ndarray(rdata.y, rdata.nt, rdata.ny))
        plasma = y[:, [rm.plasma_column[r.drug] for r in regs]]
        values = y[:, [rm.readout_column[r] for r in readouts]]
        if not (np.all(np.isfinite(values)) and np.all(np.isfinite(plasma))):
            raise SimulationError(f"non-finite values in the AMICI simulation of {label} in context "
                                  f"{self.model.context!r}; try engine='roadrunner' or tighter tolerances")
        self.model.remove_solver_noise(values, readouts, cond, times, [catalog.READOUTS[r].unit for r in readouts])
        self.model.remove_solver_noise(plasma, [plasma_column(r.drug) for r in regs], cond, times)
        return times, plasma, values

    def _regimen_model(self, regs) -> _RegimenModel:
        path = str(self.model.path)
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size, tuple(sorted((r.drug, r.pk.zero_order) for r in regs)))
        found = self._regimen_models.get(key)
        if found is None:
            while len(self._regimen_models) >= _REGIMEN_MODELS_KEPT:
                self._regimen_models.pop(next(iter(self._regimen_models)))
            found = self._regimen_models[key] = _RegimenModel(template_sbml(path, regs), self.model, self._states,
                                                                        regs)
        return found

    def _protocol(self, cond: Condition, readouts: list[str], times: np.ndarray, k: int):
        """The three phases of ``cond``, with ``k`` forward sensitivities (0: none):
        ``time`` + ``readouts`` at ``times``, and their sensitivities (times x readouts x k)."""
        self._sync()
        for cache in (self.steady_states, self.sensitivity_states):
            if cache.limit != self.model.steady_states.limit:
                cache.limit = self.model.steady_states.limit
        solver = self._sensitivity_solver() if k else None
        genotype, preincubation, stimulation = self.model.phase_values(cond)
        state, sens = self._steady_state(cond, genotype, k)
        if cond.preincubation > 0 and cond.drugs:
            self._parameters(preincubation)
            rdata = self._integrate(state, -cond.preincubation, [0.0], cond, "during the drug pre-incubation",
                                    solver, sens)
            state, sens = self._last_state(rdata), self._last_sensitivities(rdata, k) if k else None
        self._parameters(stimulation)
        rdata = self._integrate(state, 0.0, times, cond, "while simulating", solver, sens)
        columns = [self._column[r] for r in readouts]
        y = self._swig.stdVec2ndarray(rdata.y, rdata.nt, rdata.ny)[:, columns]
        sy = np.array(self._swig.stdVec2ndarray(rdata.sy, rdata.nt, k, rdata.ny))[:, :, columns] if k else None
        if not (np.all(np.isfinite(y)) and (sy is None or np.all(np.isfinite(sy)))):
            raise SimulationError(f"non-finite values in the AMICI simulation of [{cond.label()}] in context "
                                  f"{self.model.context!r}; try engine='roadrunner' or tighter tolerances")
        data = np.column_stack([times, y])
        self.model.remove_solver_noise(data[:, 1:], readouts, cond, times,
                                       [catalog.READOUTS[r].unit for r in readouts])
        return data, None if sy is None else np.transpose(sy, (0, 2, 1))

    # ------------------------------------------------------------------ sensitivities
    def sensitivities(self, cond: Condition, readouts: list[str], parameters: list[str],
                      times: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``time`` + ``readouts`` of ``cond`` as :meth:`run` gives them, and their
        derivatives by ``parameters`` (linear scale): shape (times, readouts, parameters).
        ``times`` (within 0..t_end, ascending) replaces the condition's evenly spaced
        output grid: sensitivities at every grid point cost time.

        Forward sensitivities (CVODES) run through all three phases: the state's
        sensitivities are integrated from the initial assignments through the
        pre-equilibration (a parameter that sets a total moves the steady state) and
        carried into the pre-incubation and the stimulation, so the derivative is
        that of the whole protocol. Steady states with their sensitivities are kept
        per genotype and parameter list in their own bounded cache.
        """
        self._sync()
        am = self._amici
        free = list(am.get_free_parameter_ids())
        missing = [p for p in parameters if p not in free]
        if missing:
            raise InputError(f"no sensitivity by {missing[0]!r}: only model parameters other than doses have one")
        if times is None:
            times = np.linspace(0.0, cond.t_end, cond.points)
        times = np.asarray(times, float)
        if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0) or times[0] < 0 \
                or times[-1] > cond.t_end:
            raise InputError(f"sensitivity times must ascend within 0..{cond.t_end:g} min")
        am.set_parameter_list([free.index(p) for p in parameters])
        try:
            return self._protocol(cond, readouts, times, len(parameters))
        finally:
            am.set_parameter_list([0])  # plain simulations stay cheap
            am.set_initial_state_sensitivities([])

    def _sensitivity_solver(self):
        if self._sensitivity_options != self._options:
            solver = self._new_solver(self._options, sensitivities=True)
            self._fsa_solver, self._sensitivity_options = solver, self._options
            self.sensitivity_states.clear()
        return self._fsa_solver

    def _last_sensitivities(self, rdata, k: int) -> np.ndarray:
        """The state sensitivities (k x states) at the last output time, copied out."""
        return np.array(self._swig.stdVec2ndarray(rdata.sx, rdata.nt, k, rdata.nx_rdata)[-1])

    def _last_state(self, rdata) -> np.ndarray:
        """The state at the last output time, copied out of ``rdata``."""
        return np.array(self._swig.stdVec2ndarray(rdata.x, rdata.nt, rdata.nx_rdata)[-1])

    @property
    def state_ids(self) -> list[str]:
        return list(self._states)


def depot_scale_parameter(drug: str) -> str:
    return f"depot_scale_{drug}"


def scaled_depot_sbml(sbml: str) -> str:
    """The regimen SBML with each drug's depot counted in units of ``depot_scale_<drug>``
    zmol (set per run), for AMICI only.

    AMICI has one absolute tolerance for every state. In zmol a depot (~1e16) would be
    followed to a relative 1e-7 however little of the dose is left, which costs about as
    many steps as the whole pathway; RoadRunner follows it to 1e-9 of a dose
    (:data:`~jakstat_sbml.regimens.simulation.PK_ABSOLUTE_TOLERANCE`, a tolerance per
    species). With the depot in units where AMICI's tolerance is that amount, both
    engines integrate the same equations to the same accuracy. The absorption is split
    in two reactions with the same rate: one empties the depot (in its units), the other
    fills the plasma (zmol); the dose event adds the dose in depot units. A drug whose
    absorption is written otherwise is left as it is.
    """
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    for d in catalog.DRUGS:
        reaction = m.getReaction(f"absorption_{d}")
        event = m.getEvent(f"dosing_{d}")
        if (reaction is None or event is None or reaction.getNumReactants() != 1 or reaction.getNumProducts() != 1
                or reaction.getReactant(0).getSpecies() != depot(d)
                or reaction.getProduct(0).getSpecies() != central(d)
                or event.getEventAssignment(depot(d)) is None):
            continue
        scale = depot_scale_parameter(d)
        p = m.createParameter()
        p.setId(scale)
        p.setValue(1.0)
        p.setConstant(True)
        law = libsbml.formulaToL3String(reaction.getKineticLaw().getMath())
        reaction.removeProduct(central(d))
        into_plasma = m.createReaction()
        into_plasma.setId(f"absorption_into_plasma_{d}")
        into_plasma.setReversible(False)
        product = into_plasma.createProduct()
        product.setSpecies(central(d))
        product.setStoichiometry(1)
        product.setConstant(True)
        modifier = into_plasma.createModifier()
        modifier.setSpecies(depot(d))
        into_plasma.createKineticLaw().setMath(libsbml.parseL3Formula(f"({law}) * {scale}"))
        assignment = event.getEventAssignment(depot(d))
        dose = libsbml.formulaToL3String(assignment.getMath())
        if not dose.startswith(f"{depot(d)} + "):
            raise JakStatError(f"the dose event of {d} adds to the depot in a way this module does not know: {dose}")
        assignment.setMath(libsbml.parseL3Formula(f"{depot(d)} + ({dose[len(depot(d)) + 3:]}) / {scale}"))
    return libsbml.writeSBMLToString(doc)


class _RegimenModel:
    """The AMICI model of one regimen SBML (a drug set): parameter and state positions."""

    def __init__(self, sbml: str, model: Model, pathway_states: list[str], regimens):
        self.amici = am = compiled_module(scaled_depot_sbml(sbml)).get_model()
        am.set_parameter_list([0])  # no sensitivities
        tunable = {p: i for i, p in enumerate(model.tunable_parameters)}
        free, fixed = list(am.get_free_parameter_ids()), list(am.get_fixed_parameter_ids())
        self.free = np.array(am.get_free_parameters(), dtype=float)
        self.fixed = np.array(am.get_fixed_parameters(), dtype=float)
        self.free_index = {p: i for i, p in enumerate(free)}
        self.free_from = np.array([(i, tunable[p]) for i, p in enumerate(free) if p in tunable],
                                  dtype=int).reshape(-1, 2)
        self.fixed_from = np.array([(i, tunable[p]) for i, p in enumerate(fixed) if p in tunable],
                                   dtype=int).reshape(-1, 2)
        self.state_ids = list(am.get_state_ids())
        self.state_index = {s: i for i, s in enumerate(self.state_ids)}
        self.pathway_states = np.array([self.state_index[s] for s in pathway_states], dtype=int)
        observables = list(am.get_observable_ids())
        self.readout_column = {r: observables.index(f"{_OBSERVABLE}{r}") for r in catalog.READOUTS}
        self.plasma_column = {o[len(_PLASMA):]: i for i, o in enumerate(observables) if o.startswith(_PLASMA)}
        regimen_states = {sid for reg in regimens for sid in start_values(reg)}
        unknown = set(self.state_ids) - set(pathway_states) - regimen_states
        if unknown:  # every state is set per run: one left at its default would leak between runs
            raise JakStatError(f"the AMICI regimen model has states no run sets: {sorted(unknown)[:5]}")
        self._solver = self._options = None

    def solver(self, options: dict, largest_volume: float):
        """The solver at the model's settings; AMICI's absolute tolerance is one number,
        per concentration (as for the pathway), which the PK states (depot amounts
        ~1e16 zmol, plasma ~nM) meet at least as tightly as RoadRunner's per-dose ones."""
        if options != self._options:
            import amici.sim.sundials as sundials

            solver = self.amici.create_solver()
            solver.set_relative_tolerance(options["relative_tolerance"])
            solver.set_absolute_tolerance(options["absolute_tolerance"] / largest_volume)
            solver.set_max_steps(int(options["maximum_steps"]))
            solver.set_linear_solver(sundials.LinearSolver_KLU)
            solver.set_sensitivity_order(sundials.SensitivityOrder_none)
            self._solver, self._options = solver, options
        return self._solver


_simulators: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def simulator(model: Model) -> AmiciSimulator:
    """The AMICI simulator of ``model`` (made on first use, then kept with the model)."""
    if not isinstance(model, Model):
        raise InputError(f"engine='amici' needs a jakstat Model, got {type(model).__name__}")
    require("amici.sim.sundials", 'engine="amici"')
    sim = _simulators.get(model)
    if sim is None:
        sim = _simulators[model] = AmiciSimulator(model)
    return sim


__all__ = ["AmiciSimulator", "compiled_module", "module_key", "simulator"]
