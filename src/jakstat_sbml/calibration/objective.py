"""The objective of a calibration: -log L of our model on a dataset, as a function of
the log10 values of the fitted parameters, with every blot's offset and scale
profiled and the dataset's behaviours enforced as penalties."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import InputError, SimulationError, UnknownNameError
from ..model import load_model
from .datasets import PENALTY_WEIGHT
from .datasets import dataset as dataset_by_name
from .likelihood import Fit, profile
from .problem import observations, petab_problem
from .simulator import Simulator


class Objective:
    """-log L of our model on a dataset as a function of log10 parameter values.

    Offsets and scales are profiled for every evaluation; noise levels are the
    published ones. A failed simulation gives an infinite objective (and large
    residuals), so optimisers step back from parameter regions the solver
    cannot handle.
    """

    def __init__(self, dataset: str, *, model=None, data_dir: str | os.PathLike | None = None,
                 parameters: Sequence[str] | None = None, engine: str = "roadrunner"):
        spec = dataset_by_name(dataset)
        self.dataset = spec  # what is fitted and how the data map onto the model
        self.model = model if model is not None else load_model(context=spec.context)
        if self.model.context != spec.context:
            raise InputError(f"{dataset} calibrates context {spec.context!r}, not {self.model.context!r}")
        self.parameters = list(parameters) if parameters is not None else spec.parameters
        unknown = [p for p in self.parameters if p not in spec.fitted]
        if unknown:
            raise UnknownNameError(f"parameter calibrated on {dataset}", unknown[0], spec.parameters)
        self.problem = petab_problem(self.model, dataset, data_dir=data_dir)
        self.observations = observations(self.problem)
        quantities = {o: self.dataset.observables[o].quantity for o in self.problem.observable_df.index}
        self.simulator = Simulator(self.model, self.problem.measurement_df, self.problem.condition_df,
                                      quantities, engine=engine)
        bounds = spec.bounds  # models/parameter_bounds.tsv
        self.lower = np.log10([bounds[p][0] for p in self.parameters])
        self.upper = np.log10([bounds[p][1] for p in self.parameters])
        self.evaluations = 0

    def start(self) -> np.ndarray:
        """log10 of the context's current values, clipped into the bounds."""
        values = self.model.parameter_values()
        return np.clip(np.log10([values[p] for p in self.parameters]), self.lower, self.upper)

    def values(self, x: np.ndarray) -> dict[str, float]:
        return {p: float(10.0**v) for p, v in zip(self.parameters, np.asarray(x, float))}

    def fit(self, x: np.ndarray | Mapping[str, float] | None = None) -> Fit:
        """Likelihood at log10 parameters ``x`` (or a mapping of values; None: current)."""
        overrides = (x if isinstance(x, Mapping) else self.values(x)) if x is not None else {}
        self.evaluations += 1
        try:
            q = self.simulator.values(overrides)
        except SimulationError:
            q = np.full(self.simulator.n, np.nan)
        return profile(self.observations, q)

    def penalties(self, x: np.ndarray | Mapping[str, float] | None = None) -> np.ndarray:
        """One penalty per behaviour of the calibration (0 where it holds)."""
        overrides = (x if isinstance(x, Mapping) else self.values(x)) if x is not None else {}
        out = []
        for b in self.dataset.behaviours:
            try:
                out.append(b.penalty(b.value(self.model, overrides)))
            except SimulationError:
                out.append(PENALTY_WEIGHT * 10)
        return np.array(out)

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """Profiled data residuals and the behaviours' penalties: half their sum of
        squares is the optimised cost."""
        return np.concatenate([self.fit(x).least_squares_residuals(), self.penalties(x)])

    def cost(self, x: np.ndarray) -> float:
        """-log L plus half the squared penalties (what the optimiser minimises, up to a constant)."""
        return self.fit(x).nllh + 0.5 * float(np.sum(self.penalties(x) ** 2))
