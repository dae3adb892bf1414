"""The objective of a calibration: -log L of our model on a dataset, as a function of
the log10 values of the fitted parameters, with every blot's offset and scale
profiled and the dataset's behaviours enforced as penalties."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import InputError, SimulationError, UnknownNameError
from ..model import Condition, load_model
from .datasets import PENALTY_WEIGHT
from .datasets import dataset as dataset_by_name
from .likelihood import Fit, profile, residual_jacobian
from .problem import observations, petab_problem
from .simulator import Simulator

GRADIENTS = ("sensitivities", "finite differences")
FD_STEP = 1e-3  # log10 units: forward-difference step of the finite-difference Jacobian


class Objective:
    """-log L of our model on a dataset as a function of log10 parameter values.

    Offsets and scales are profiled for every evaluation; noise levels are the
    published ones. A failed simulation gives an infinite objective (and large
    residuals), so optimisers step back from parameter regions the solver
    cannot handle.
    """

    def __init__(self, dataset: str, *, model=None, data_dir: str | os.PathLike | None = None,
                 parameters: Sequence[str] | None = None, engine: str = "roadrunner",
                 gradients: str | None = None):
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
        # How the Jacobian is computed: forward sensitivities where the engine has them
        # (AMICI: exact, one integration per condition), else finite differences.
        can = self.simulator.engine.sensitivities
        self.gradients = gradients or ("sensitivities" if can else "finite differences")
        if self.gradients not in GRADIENTS:
            raise UnknownNameError("gradients", self.gradients, list(GRADIENTS))
        if self.gradients == "sensitivities" and not can:
            raise InputError(f"gradients='sensitivities' needs an engine that computes them (engine='amici'); "
                             f"{engine!r} computes none")
        self.jacobians = 0

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

    def jacobian(self, x: np.ndarray, residuals=None) -> np.ndarray:
        """Jacobian of :meth:`residuals` by the log10 parameters: from forward
        sensitivities (``gradients="sensitivities"``) or forward differences of
        :data:`FD_STEP` (stepping back at an upper bound) of ``residuals`` (default
        :meth:`residuals`; a caching caller passes its own)."""
        x = np.asarray(x, float)
        self.jacobians += 1
        if self.gradients == "finite differences":
            residuals = residuals or self.residuals
            r0 = residuals(x)
            jac = np.empty((r0.size, x.size))
            for j in range(x.size):
                xp = x.copy()
                h = FD_STEP if xp[j] + FD_STEP <= self.upper[j] else -FD_STEP
                xp[j] = min(max(xp[j] + h, self.lower[j]), self.upper[j])
                jac[:, j] = (residuals(xp) - r0) / h
            return jac
        values = self.values(x)
        self.evaluations += 1
        try:
            q, slopes = self.simulator.values_and_jacobian(values, self.parameters)
        except SimulationError:
            rows = self.residuals(x).size
            return np.zeros((rows, x.size))
        fit = profile(self.observations, q)
        data = residual_jacobian(self.observations, fit, q, slopes)
        return np.vstack([data, self._penalty_jacobian(values)])

    def _penalty_jacobian(self, values: dict[str, float]) -> np.ndarray:
        """Rows of the behaviours' penalties: penalty'(value) x d value / d log10 p."""
        engine = self.simulator.engine.simulator(self.model)
        rows = []
        courses: dict[Condition, tuple] = {}  # behaviours share their wild-type course

        def course(b, knockouts):
            t_end = max(b.time, 120.0)
            cond = Condition.make(cytokines=b.cytokines, knockouts=list(knockouts) or None, parameters=values,
                                  t_end=t_end, points=int(round(t_end * 2)) + 1)
            if cond not in courses:
                data, sens = engine.sensitivities(cond, [b.readout], self.parameters)
                courses[cond] = (data, sens)
            data, sens = courses[cond]
            at = float(np.interp(b.time, data[:, 0], data[:, 1]))
            slope = np.array([np.interp(b.time, data[:, 0], sens[:, 0, j]) for j in range(len(self.parameters))])
            return data[:, 1], sens[:, 0, :], at, slope

        for b in self.dataset.behaviours:

            try:
                y, s, at, d_at = course(b, b.knockouts)
                if b.relative_to == "peak":
                    i = int(np.argmax(y))
                    ref, d_ref = float(y[i]), s[i]
                else:
                    _, _, ref, d_ref = course(b, ())
            except SimulationError:
                rows.append(np.zeros(len(self.parameters)))
                continue
            value = at / ref
            d_value = d_at / ref - at * d_ref / ref**2
            if b.minimum is not None and value < b.minimum:
                slope = -PENALTY_WEIGHT / value
            elif b.maximum is not None and value > b.maximum:
                slope = PENALTY_WEIGHT / value
            else:
                slope = 0.0
            rows.append(slope * d_value * np.array([values[p] for p in self.parameters]) * np.log(10.0))
        return np.array(rows).reshape(len(self.dataset.behaviours), len(self.parameters))


class Evaluations:
    """Residuals, cost and their Jacobian at log10 parameters for pyPESTO's
    least-squares optimiser (``fun``, ``res``, ``sres``), the last point cached
    (scipy asks for residuals and Jacobian at the same point). The Jacobian is the
    objective's: forward sensitivities, or finite differences of the cached residuals."""

    def __init__(self, objective: Objective):
        self.objective = objective
        self.count = 0
        self._x: np.ndarray | None = None
        self._res: np.ndarray | None = None
        self._cost = math.inf
        self._fit = None

    def _at(self, x: np.ndarray) -> None:
        x = np.asarray(x, float)
        if self._x is not None and np.array_equal(x, self._x):
            return
        self.count += 1
        fit = self.objective.fit(x)
        try:
            pen = self.objective.penalties(x)
        except SimulationError:  # pragma: no cover - penalties already catch these
            pen = np.array([math.inf])
        res = np.concatenate([fit.least_squares_residuals(), pen])
        finite = math.isfinite(fit.nllh) and np.all(np.isfinite(res))
        self._x, self._fit = x.copy(), fit
        self._res = res if finite else np.full(res.shape, 1e6)
        self._cost = fit.nllh + 0.5 * float(np.sum(pen**2)) if finite else math.inf

    def __deepcopy__(self, memo):
        return self  # pyPESTO copies its objective; the count and the cache stay shared

    def res(self, x):
        self._at(x)
        return self._res.copy()

    def fun(self, x):
        """Half the residuals' sum of squares: the cost up to a constant that cancels in
        every profile ratio (pyPESTO's convention for least-squares objectives)."""
        self._at(x)
        return 0.5 * float(np.sum(self._res**2)) if math.isfinite(self._cost) else math.inf

    def sres(self, x):
        jac = self.objective.jacobian(np.asarray(x, float), residuals=self.res)
        self._at(x)  # the cache back at x
        return jac

    def point(self, x) -> tuple[float, float, float]:
        """(cost, -log L, chi2) at log10 parameters ``x``."""
        self._at(x)
        return self._cost, float(self._fit.nllh), float(self._fit.chi2)
