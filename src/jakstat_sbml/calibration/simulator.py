"""Simulating a PEtab problem of our model with the Python API: the value of every
measurement's observable, for any parameter vector (:class:`Simulator`)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from functools import reduce

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError
from ..engines import DEFAULT_ENGINE, engine as engine_named
from ..model import Condition, Model
from ..optional import require
from ..units import quiet_bare_doses
from .measurements import is_number, split_tokens

MAX_GRID_POINTS = 200_000

def _grid(times: Iterable[float]) -> tuple[float, int, float]:
    """An evenly spaced grid from 0 through every time: (t_end, points, step)."""
    fr = [Fraction(float(t)).limit_denominator(10**6) for t in times]
    if any(f < 0 for f in fr):
        raise InputError("PEtab times must be >= 0")
    nonzero = [f for f in fr if f > 0]
    if not nonzero:
        return 1.0, 2, 1.0
    step = reduce(lambda a, b: Fraction(math.gcd(a.numerator * b.denominator, b.numerator * a.denominator),
                                        a.denominator * b.denominator), nonzero)
    t_end = max(nonzero)
    points = int(t_end / step) + 1
    if points > MAX_GRID_POINTS:
        raise InputError(f"measurement times need a grid of {points} points (step {float(step):g} min)")
    return float(t_end), points, float(step)


class Simulator:
    """Values of observable formulas for every row of a measurement table, from
    simulations with the Python API.

    ``formulas`` maps observable ids to expressions of our readouts, parameters
    and PEtab placeholders (``observableParameter1_<id>`` ...). Everything that
    does not depend on the parameters (which conditions to simulate, on which
    time grid, which rows read which grid points, the compiled formulas) is
    prepared once, so that :meth:`values` only simulates; a calibration calls it
    for every parameter vector. Conditions that differ only by name (the same
    dose in several experiments) are simulated once.
    """

    def __init__(self, model: Model, measurements: pd.DataFrame, conditions: pd.DataFrame,
                 formulas: Mapping[str, str], engine: str = DEFAULT_ENGINE):
        sp = require("sympy", "PEtab observables")
        sympify_petab = require("petab.v1.math", "PEtab observables").sympify_petab

        self.model = model
        self.engine = engine_named(engine)  # what runs the simulations (jakstat_sbml.engines)
        self.n = len(measurements)
        doses = self._doses(conditions)
        parameters = set(model.parameters_for(Condition()))
        placeholder = re.compile(r"^(observableParameter|noiseParameter)\d+_")
        exprs = {o: sympify_petab(f) for o, f in formulas.items()}
        m = measurements.reset_index(drop=True)
        unknown_obs = sorted(set(m["observableId"]) - set(exprs))
        if unknown_obs:
            raise InputError(f"no formula for observable(s) {', '.join(unknown_obs)}")
        key = m["simulationConditionId"].map(lambda cid: tuple(sorted(doses[cid].items())))
        self._groups = []
        for dose_key, rows in m.groupby(key, sort=False):
            t_end, points, step = _grid(rows["time"])
            index = np.rint(rows["time"].to_numpy(float) / step).astype(int)
            readouts: set[str] = set()
            parts = []
            pars_column = rows["observableParameters"].fillna("").astype(str) if "observableParameters" in rows \
                else pd.Series("", index=rows.index)
            for (obs, pars), sub in rows.groupby([rows["observableId"], pars_column], sort=False):
                e = exprs[obs]
                args = []
                symbols = sorted(e.free_symbols, key=lambda s: s.name)
                tokens = split_tokens(pars)
                for s in symbols:
                    name = s.name
                    if placeholder.match(name):
                        k = int(re.match(r"^\D+(\d+)_", name).group(1))
                        if k > len(tokens):
                            raise InputError(f"observable {obs}: no value for {name}")
                        token = tokens[k - 1]
                        args.append(("number", float(token)) if is_number(token) else ("token", token))
                    elif name in catalog.READOUTS:
                        readouts.add(name)
                        args.append(("readout", name))
                    elif name in parameters:
                        args.append(("parameter", name))
                    else:
                        raise InputError(f"observable {obs}: {name!r} is no readout or parameter of the model")
                f = sp.lambdify(symbols, e, "numpy")
                # partial derivatives by each argument, for the chain rule of values_and_jacobian
                derivatives = [sp.lambdify(symbols, sp.diff(e, s), "numpy") for s in symbols]
                at = index[[rows.index.get_loc(i) for i in sub.index]]
                parts.append((f, args, at, sub.index.to_numpy(), derivatives))
            self._groups.append((dict(dose_key), t_end, points, sorted(readouts), parts))

    def _doses(self, conditions: pd.DataFrame) -> dict[str, dict[str, float]]:
        dose_of = {c.dose_parameter: n for n, c in catalog.CYTOKINES.items()}
        out = {}
        for cid, row in conditions.iterrows():
            d = {}
            for column, v in row.items():
                if column == "conditionName" or pd.isna(v):
                    continue
                if column not in dose_of:
                    raise InputError(f"condition {cid}: column {column!r} is not a cytokine dose")
                d[dose_of[column]] = float(v)
            out[cid] = d
        return out

    def values(self, parameters: Mapping[str, float] | None = None,
               tokens: Mapping[str, float] | None = None) -> np.ndarray:
        """Each row's formula value with model ``parameters`` (overrides of the
        context's values) and placeholder ``tokens`` (offsets, scales)."""
        out = np.full(self.n, np.nan)
        overrides = dict(parameters or {})
        tokens = tokens or {}
        for doses, t_end, points, readouts, parts in self._groups:
            with quiet_bare_doses():  # the condition table's doses are nM already (Bachmann 2011: up to 276 nM)
                cond = Condition.make(cytokines={k: v for k, v in doses.items() if v}, parameters=overrides,
                                      t_end=t_end, points=points)
            values = {}
            if readouts:
                data = self.engine.simulate(self.model, cond, readouts)
                values = {r: data[:, 1 + k] for k, r in enumerate(readouts)}
            params = self.model.parameters_for(cond) if any(a[0] == "parameter" for p in parts for a in p[1]) else {}
            for f, args, at, rows, _ in parts:
                vals = self._arguments(args, values, at, params, tokens)
                out[rows] = np.broadcast_to(np.asarray(f(*vals), float), len(rows))
        return out

    @staticmethod
    def _arguments(args, values, at, params, tokens) -> list:
        vals = []
        for kind, name in args:
            if kind == "readout":
                vals.append(values[name][at])
            elif kind == "parameter":
                vals.append(params[name])
            elif kind == "token":
                vals.append(tokens[name])
            else:
                vals.append(name)
        return vals

    def values_and_jacobian(self, parameters: Mapping[str, float], names: list[str],
                            tokens: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`values` and their derivatives by log10 of the model parameters
        ``names`` (rows x names), from AMICI's forward sensitivities through every
        phase of each condition and the chain rule through the observable formulas."""
        if not self.engine.sensitivities:
            raise InputError(f"sensitivities need an engine that computes them, not {self.engine.name!r}: "
                             "use engine='amici', or finite differences of values()")
        engine = self.engine.simulator(self.model)
        overrides = dict(parameters or {})
        tokens = tokens or {}
        k = len(names)
        out, jac = np.full(self.n, np.nan), np.full((self.n, k), np.nan)
        for doses, t_end, points, readouts, parts in self._groups:
            with quiet_bare_doses():
                cond = Condition.make(cytokines={key: v for key, v in doses.items() if v}, parameters=overrides,
                                      t_end=t_end, points=points)
            values, slopes = {}, {}
            # only the grid points some row reads: sensitivities cost time at every output
            needed = np.unique(np.concatenate([p[2] for p in parts]))
            if readouts:
                data, sens = engine.sensitivities(cond, readouts, names, times=needed * (t_end / max(points - 1, 1)))
                for i, r in enumerate(readouts):
                    values[r], slopes[r] = data[:, 1 + i], sens[:, i, :]
            params = self.model.parameters_for(cond)
            for f, args, grid_at, rows, derivatives in parts:
                at = np.searchsorted(needed, grid_at)
                vals = self._arguments(args, values, at, params, tokens)
                out[rows] = np.broadcast_to(np.asarray(f(*vals), float), len(rows))
                d = np.zeros((len(rows), k))
                for (kind, name), df in zip(args, derivatives):
                    if kind == "readout":
                        d += np.broadcast_to(np.asarray(df(*vals), float), len(rows))[:, None] * slopes[name][at]
                    elif kind == "parameter" and name in names:
                        d[:, names.index(name)] += np.broadcast_to(np.asarray(df(*vals), float), len(rows))
                jac[rows] = d
        scale = self.model.parameters_for(Condition.make(parameters=overrides))
        jac *= np.array([scale[p] for p in names]) * math.log(10.0)  # d/d log10 p = p ln10 d/dp
        return out, jac


def petab_simulations(model: Model, problem, *, engine: str = DEFAULT_ENGINE) -> pd.DataFrame:
    """PEtab simulation table of ``problem`` computed with the Python API.

    Each simulation condition becomes a :class:`Condition` (doses from the
    condition table, model parameters of the parameter table at their nominal
    values), run from the unstimulated steady state of the genotype (what PEtab's
    pre-equilibration asks for), on ``engine``. Use with ``petab.v1.calculate_llh``.
    """
    formulas = problem.observable_df["observableFormula"].to_dict()
    nominal = problem.parameter_df["nominalValue"].astype(float).to_dict()
    simulator = Simulator(model, problem.measurement_df, problem.condition_df, formulas, engine=engine)
    sim = problem.measurement_df.drop(columns="measurement").copy()
    sim["simulation"] = simulator.values(model_parameter_values(problem, model), nominal)
    return sim


def model_parameter_values(problem, model: Model) -> dict[str, float]:
    """The problem's values of model parameters (those in its parameter table)."""
    known = model.parameters_for(Condition())
    return {p: float(v) for p, v in problem.parameter_df["nominalValue"].items() if p in known}

