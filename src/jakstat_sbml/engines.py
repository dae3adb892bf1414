"""The simulation engines behind one interface: what runs one condition, and what each can do.

Every simulation of the package goes through :func:`engine` ``(name).simulate(model,
condition, readouts)``; the executor (:mod:`jakstat_sbml.parallel`) decides where it
runs (this process, local processes, a Dask cluster), the engine how. Code elsewhere
asks an engine what it can do (``sensitivities``, ``dosing``) and never compares
engine names: a third engine is one class here.

- ``"roadrunner"`` (default): libroadrunner, the model's own
  :class:`~jakstat_sbml.model.Model`; runs every condition, dosing regimens included
  (:mod:`jakstat_sbml.regimens.simulation`, the regimen SBML with its dose events).
- ``"amici"``: AMICI's compiled sparse solver (:mod:`jakstat_sbml.amici_engine`),
  several times faster per simulation, with forward parameter sensitivities; it runs
  dosing regimens too (the same regimen SBML, its dose events as AMICI events).

An engine without ``dosing`` refuses a regimen condition before any work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import InputError, UnknownNameError
from .model import Condition, Model
from .optional import require

DEFAULT_ENGINE = "roadrunner"
DOSING_ENGINE = "roadrunner"  # what runs dosing regimens where the chosen engine cannot


@dataclass(frozen=True)
class Engine:
    """A simulator the package can run conditions on."""

    name: str
    package: str  # the distribution whose version a provenance record names
    sensitivities: bool  # forward parameter sensitivities (calibration's exact Jacobians)
    dosing: bool  # conditions with dosing regimens (SBML events)

    def available(self) -> Engine:
        """This engine, if it can run here; else MissingDependencyError saying what to install."""
        return self

    def simulate(self, model: Model, cond: Condition, readouts: list[str]) -> np.ndarray:
        """``time`` followed by ``readouts``, one row per output point of ``cond``."""
        raise NotImplementedError

    def check_condition(self, cond: Condition) -> None:
        """InputError if this engine cannot simulate ``cond`` (before any work is done)."""
        if cond.regimens and not self.dosing:
            raise InputError(f"engine={self.name!r} cannot simulate dosing regimens "
                             f"({'; '.join(r.label() for r in cond.regimens)}); use an engine that can: "
                             f"{', '.join(repr(e.name) for e in ENGINES.values() if e.dosing)}")


class RoadRunnerEngine(Engine):
    def simulate(self, model: Model, cond: Condition, readouts: list[str]) -> np.ndarray:
        return model.run(cond, readouts=readouts)[["time", *readouts]].to_numpy(dtype=float)


class AmiciEngine(Engine):
    def available(self) -> Engine:
        require("amici.sim.sundials", 'engine="amici"')
        return self

    def simulate(self, model: Model, cond: Condition, readouts: list[str]) -> np.ndarray:
        self.check_condition(cond)
        return self.simulator(model).run(cond, readouts)

    def simulator(self, model: Model):
        """The AMICI simulator of ``model`` (sensitivities, state ids), kept with the model."""
        from .amici_engine import simulator

        return simulator(model)


ENGINES: dict[str, Engine] = {
    "roadrunner": RoadRunnerEngine("roadrunner", "libroadrunner", sensitivities=False, dosing=True),
    "amici": AmiciEngine("amici", "amici", sensitivities=True, dosing=True),
}


def engine(name: str) -> Engine:
    """The engine called ``name``, checked to run here: UnknownNameError for a name that
    is not an engine, MissingDependencyError (saying what to install) for one whose
    package is missing."""
    if not isinstance(name, str) or name not in ENGINES:
        raise UnknownNameError("engine", name if isinstance(name, str) else repr(name), list(ENGINES))
    return ENGINES[name].available()


def simulate(model: Model, cond: Condition, readouts: list[str], engine_name: str = DEFAULT_ENGINE) -> np.ndarray:
    """``time`` + ``readouts`` of one condition on the engine called ``engine_name``."""
    return engine(engine_name).simulate(model, cond, readouts)


__all__ = ["DEFAULT_ENGINE", "DOSING_ENGINE", "ENGINES", "AmiciEngine", "Engine", "RoadRunnerEngine", "engine",
           "simulate"]
