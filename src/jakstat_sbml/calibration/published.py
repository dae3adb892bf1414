"""The published models of the calibration datasets, simulated from their PEtab files.

Each problem in data/petab carries the model its authors fitted. To
judge our model against theirs with one objective, :class:`PublishedModel`
simulates theirs with RoadRunner as its PEtab tables say: the parameter
table's nominal values, the condition table's values, concentrations of species
(``[id]``; plain ids would be amounts), and the problem's start time (the
Sobotta 2017 draft switches its inputs at t = -60, -10 and 0 min, so it starts
at -60; the others at 0). PEtab's pre-equilibration is not used by these four
problems and is refused.

:meth:`PublishedModel.observations` splits each measurement's observable into
what the model computes (``quantity``) and the blot's offset and scale, so that
:mod:`jakstat_sbml.calibration.likelihood` can evaluate it with the published nuisance values
or profile them exactly as it does for our model.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import InputError, UnknownNameError
from ..optional import require
from .datasets import ALL_DATASETS, START_TIMES, data_folder
from .likelihood import Fit, Observations, profile

RELATIVE_TOLERANCE = 1e-10
ABSOLUTE_TOLERANCE = 1e-12
AGREEMENT = 1e-3  # log10 units (or relative, lin): a simulation reproduces the repository's



@dataclass(frozen=True)
class _Form:
    """An observable formula as offset + scale * quantity (placeholders named), or opaque."""

    offset: str | None  # placeholder symbol name, or None (offset 0)
    scale: str | None  # placeholder symbol name, or None (scale 1)
    quantity: object  # sympy expression without placeholders (or the whole formula if opaque)
    affine: bool


class PublishedModel:
    """A published PEtab problem and its model, simulated with RoadRunner."""

    def __init__(self, dataset: str, data_dir: str | os.PathLike | None = None):
        petab = require("petab.v1", "the published models' evaluation")

        if dataset not in ALL_DATASETS:
            raise UnknownNameError("published dataset", dataset, list(ALL_DATASETS))
        folder = data_folder(data_dir) / dataset
        yaml = folder / f"{dataset}.yaml"
        if not yaml.exists():
            raise InputError(f"{yaml} is missing")
        self.name = dataset
        self.folder = folder
        self.problem = petab.Problem.from_yaml(str(yaml))
        self.start_time = START_TIMES.get(dataset, 0.0)
        m = self.problem.measurement_df
        if "preequilibrationConditionId" in m and m["preequilibrationConditionId"].notna().any() \
                and (m["preequilibrationConditionId"].astype(str).str.len() > 0).any():
            raise InputError(f"{dataset}: pre-equilibration is not supported for published models")

    # ------------------------------------------------------------------ model
    @cached_property
    def _rr(self):
        import roadrunner

        path = self.folder / f"model_{self.name}.xml"
        if not path.exists():
            raise InputError(f"{path} is missing")
        rr = roadrunner.RoadRunner(str(path))
        rr.integrator.relative_tolerance = RELATIVE_TOLERANCE
        rr.integrator.absolute_tolerance = ABSOLUTE_TOLERANCE
        rr.integrator.setValue("maximum_num_steps", 100000)
        return rr

    @cached_property
    def _ids(self) -> dict[str, set[str]]:
        m = self._rr.model
        return {"species": set(m.getFloatingSpeciesIds()) | set(m.getBoundarySpeciesIds()),
                "parameters": set(m.getGlobalParameterIds()), "compartments": set(m.getCompartmentIds())}

    @property
    def nominal(self) -> dict[str, float]:
        return self.problem.parameter_df["nominalValue"].astype(float).to_dict()

    def kinetic_parameters(self) -> set[str]:
        """Parameter-table ids that are parameters of the SBML (used by the dynamics)."""
        return set(self.problem.parameter_df.index) & self._ids["parameters"]

    # ------------------------------------------------------------------ observables
    @cached_property
    def _forms(self) -> dict[str, _Form]:
        from petab.v1.math import sympify_petab

        out = {}
        for obs, formula in self.problem.observable_df["observableFormula"].items():
            out[obs] = _affine(sympify_petab(formula), obs)
        return out

    @cached_property
    def _noise(self) -> dict[str, tuple]:
        """noise formula -> ('abs', expr) or ('abs+rel*h', p1, p2) per observable."""
        sp = require("sympy", "the published models' evaluation")
        from petab.v1.math import sympify_petab

        out = {}
        for obs, row in self.problem.observable_df.iterrows():
            ne = sympify_petab(str(row["noiseFormula"]))
            e = sympify_petab(row["observableFormula"])
            p1, p2 = (sp.Symbol(f"noiseParameter{k}_{obs}", real=True) for k in (1, 2))
            names = {s.name for s in ne.free_symbols}
            if p2.name in names and sp.simplify(ne - _named(ne, p1.name) - _named(ne, p2.name) * e) == 0:
                out[obs] = ("abs+rel*h", p1.name, p2.name)
            elif not (names & (self._ids["species"] | self._ids["parameters"] | self._ids["compartments"])):
                out[obs] = ("abs", ne)
            else:
                raise InputError(f"{self.name}: noise formula of {obs} depends on the model in an unsupported way")
        return out

    def observations(self, measurements: pd.DataFrame | None = None, *,
                     fixed: set[str] | None = None) -> tuple[Observations, np.ndarray]:
        """The :class:`Observations` of ``measurements`` (default: the problem's) and
        the published model's quantity for each row.

        Offsets and scales that the parameter table estimates are named (profiled
        by :func:`likelihood.profile`) unless they are in ``fixed`` or used by the
        model's kinetics; the others keep their nominal values.
        """
        m = self.problem.measurement_df if measurements is None else measurements
        fixed = set(fixed or ()) | self.kinetic_parameters()
        par = self.problem.parameter_df
        estimated = set(par.index[par["estimate"] == 1])
        nominal = self.nominal
        q = self.quantities(m)
        cols = {k: [] for k in ("offset_id", "scale_id", "offset", "scale", "noise_abs", "noise_rel")}
        for _, row in m.iterrows():
            obs = row["observableId"]
            form = self._forms[obs]
            tokens = _tokens(row.get("observableParameters"))
            given = {f"observableParameter{k}_{obs}": t for k, t in enumerate(tokens, 1)}
            for what, placeholder, default in (("offset", form.offset, 0.0), ("scale", form.scale, 1.0)):
                if placeholder is None or not form.affine:
                    cols[f"{what}_id"].append("")
                    cols[what].append(default)
                    continue
                token = given.get(placeholder)
                if token is None:  # the draft leaves it out (Sobotta model1_data375): no value
                    cols[f"{what}_id"].append("")
                    cols[what].append(math.nan)
                    continue
                free = token in estimated and token not in fixed
                cols[f"{what}_id"].append(token if free else "")
                cols[what].append(nominal[token] if token in nominal else float(token))
            noise = _tokens(row.get("noiseParameters"))
            values = [nominal[t] if t in nominal else float(t) for t in noise]
            kind = self._noise[obs]
            if kind[0] == "abs+rel*h":
                cols["noise_abs"].append(values[0])
                cols["noise_rel"].append(values[1])
            else:
                expr = kind[1]
                subs = {s: values[int(s.name.split("_")[0].removeprefix("noiseParameter")) - 1]
                        if s.name.startswith("noiseParameter") else nominal[s.name] for s in expr.free_symbols}
                cols["noise_abs"].append(float(expr.subs(subs)))
                cols["noise_rel"].append(0.0)
        transformation = m["observableId"].map(self.problem.observable_df["observableTransformation"]).fillna("lin")
        if "observableTransformation" in m:  # Raia repeats it in the measurement table
            transformation = m["observableTransformation"].fillna(transformation)
        frame = pd.DataFrame({"measurement": m["measurement"].to_numpy(float),
                              "log10": (transformation == "log10").to_numpy(), **cols})
        return Observations.from_frame(frame), q

    def quantities(self, measurements: pd.DataFrame) -> np.ndarray:
        """The model quantity of each row: its observable's formula without offset
        and scale (the whole formula, with nominal tokens, where it is not affine)."""
        sp = require("sympy", "the published models' evaluation")

        m = measurements
        nominal = self.nominal
        ids = self._ids
        known = ids["species"] | ids["parameters"] | ids["compartments"]
        out = np.full(len(m), np.nan)
        for cid, rows in m.groupby("simulationConditionId"):
            forms = {o: self._forms[o] for o in rows["observableId"].unique()}
            names = sorted({s.name for f in forms.values() for s in f.quantity.free_symbols} & known)
            table = self._simulate(cid, rows["time"].to_numpy(float), names)
            pars_column = (rows["observableParameters"].astype(object).fillna("").astype(str) if "observableParameters" in rows
                           else pd.Series("", index=rows.index))
            for (obs, pars), sub in rows.groupby([rows["observableId"], pars_column]):
                e = forms[obs].quantity
                if not forms[obs].affine:
                    tokens = _tokens(pars)
                    e = e.subs({s: (nominal[t] if t in nominal else float(t))
                                for k, t in enumerate(tokens, 1)
                                for s in e.free_symbols if s.name == f"observableParameter{k}_{obs}"})
                syms = sorted(e.free_symbols, key=lambda s: s.name)
                args = []
                for s in syms:
                    if s.name in table:
                        args.append(table.loc[sub["time"].to_numpy(float), s.name].to_numpy())
                    elif s.name in nominal:
                        args.append(np.full(len(sub), nominal[s.name]))
                    else:
                        raise InputError(f"{self.name}: cannot evaluate {s.name} in observable {obs}")
                f = sp.lambdify(syms, e, "numpy")
                value = f(*args) if syms else float(e)
                out[m.index.get_indexer(sub.index)] = np.broadcast_to(np.asarray(value, float), len(sub))
        return out

    def _simulate(self, condition: str, times: np.ndarray, names: list[str]) -> pd.DataFrame:
        rr = self._rr
        ids = self._ids
        rr.resetAll()
        for pid, v in self.nominal.items():
            if pid in ids["parameters"]:
                rr[pid] = float(v)
        for column, v in self.problem.condition_df.loc[condition].items():
            if column == "conditionName" or pd.isna(v):
                continue
            if column in ids["parameters"] or column in ids["compartments"]:
                rr[column] = float(v)
            elif column in ids["species"]:
                rr[f"init([{column}])"] = float(v)
            else:
                raise InputError(f"{self.name}: condition column {column!r} is not in the model")
        rr.reset()
        grid = np.unique(np.concatenate([[self.start_time], times]))
        if grid[0] < self.start_time:
            raise InputError(f"{self.name}: measurement before the start time {self.start_time:g}")
        rr.model.setTime(self.start_time)
        selections = ["time"] + [f"[{n}]" if n in ids["species"] else n for n in names]
        if len(grid) == 1:
            grid = np.array([grid[0], grid[0] + 1.0])
        result = np.asarray(rr.simulate(times=list(grid), selections=selections))
        return pd.DataFrame(result[:, 1:], index=result[:, 0], columns=names)

    # ------------------------------------------------------------------ objectives
    def prior_nllh(self) -> float:
        """Negative log prior density at the nominal values (PEtab objective priors)."""
        par = self.problem.parameter_df
        if "objectivePriorType" not in par:
            return 0.0
        total = 0.0
        for pid, row in par[par["objectivePriorType"].notna()].iterrows():
            kind = row["objectivePriorType"]
            mu, sd = (float(x) for x in str(row["objectivePriorParameters"]).split(";"))
            x = float(row["nominalValue"])
            if kind == "parameterScaleNormal":
                x = _to_scale(x, row["parameterScale"])
            elif kind != "normal":
                raise InputError(f"{self.name}: prior {kind} of {pid} is not supported")
            total += 0.5 * math.log(2 * math.pi * sd**2) + 0.5 * ((x - mu) / sd) ** 2
        return total

    def nominal_fit(self, measurements: pd.DataFrame | None = None) -> Fit:
        """The likelihood at the published parameters (no profiling)."""
        obs, q = self.observations(measurements)
        return profile(obs, q, profile_nuisance=False, values=_nominal_tokens(obs, self.nominal))

    def reproduces_repository(self) -> pd.Series:
        """Per measurement row: does our simulation reproduce the repository's
        simulatedData table (within 1e-3, log10 units for log10 observables)?"""
        sim_file = next(self.folder.glob("simulat*Data_*.tsv"))
        repo = pd.read_csv(sim_file, sep="\t")["simulation"].to_numpy(float)
        m = self.problem.measurement_df
        if len(repo) != len(m):
            raise InputError(f"{sim_file.name} has {len(repo)} rows for {len(m)} measurements")
        obs, q = self.observations(fixed=set(self.problem.parameter_df.index))
        h = np.asarray(obs.offset, float) + np.asarray(obs.scale, float) * q
        with np.errstate(divide="ignore", invalid="ignore"):
            log = np.asarray(obs.log10, bool)
            lin_ok = np.abs(h - repo) <= AGREEMENT * np.maximum(1.0, np.abs(repo))
            log_ok = (np.abs(np.log10(h) - repo) < AGREEMENT) | (np.abs(np.log10(h) - np.log10(repo)) < AGREEMENT)
        return pd.Series(np.where(log, log_ok, lin_ok), index=m.index)


def _nominal_tokens(obs: Observations, nominal: dict[str, float]) -> dict[str, float]:
    return {t: nominal[t] for t in set(obs.offset_id) | set(obs.scale_id) if t}


def _to_scale(x: float, scale: str) -> float:
    return {"lin": x, "log10": math.log10(x), "log": math.log(x)}[scale]


def _named(expr, name: str):
    for s in expr.free_symbols:
        if s.name == name:
            return s
    return 0


def _tokens(field) -> list[str]:
    if field is None or (isinstance(field, float) and math.isnan(field)):
        return []
    if isinstance(field, (int, float)):
        return [repr(float(field))]
    return [t.strip() for t in str(field).split(";") if t.strip()]


def _affine(expr, obs: str) -> _Form:
    """Split an observable formula into offset + scale * quantity when it has that form."""
    sp = require("sympy", "the published models' evaluation")

    p1 = _named(expr, f"observableParameter1_{obs}")
    p2 = _named(expr, f"observableParameter2_{obs}")
    placeholders = [p for p in (p1, p2) if p != 0]
    if not placeholders:
        return _Form(None, None, expr, True)
    if len(placeholders) == 2:
        quantity = sp.diff(expr, p2)
        if sp.simplify(expr - p1 - p2 * quantity) == 0 and not (quantity.free_symbols & {p1, p2}):
            return _Form(p1.name, p2.name, quantity, True)
    if len(placeholders) == 1 and p1 != 0:
        quantity = sp.diff(expr, p1)
        if sp.simplify(expr - p1 * quantity) == 0 and p1 not in quantity.free_symbols:
            return _Form(None, p1.name, quantity, True)
    return _Form(None, None, expr, False)
