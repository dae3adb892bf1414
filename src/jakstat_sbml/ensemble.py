"""Calibration ensembles: the parameter sets of a calibrated context that its data allow,
stored in models/ensembles/<context>.tsv by ``make profiles`` (profile-likelihood
points within the 95% threshold, :mod:`jakstat_sbml.calibration.profiles`), and the
ensemble bands of predictions made from them.

>>> import jakstat_sbml as js
>>> hep = js.load_model(context="hepatocyte")
>>> curve = js.dose_response(hep, "ruxolitinib", "IL6", uncertainty="calibration")
>>> curve.ic50, curve.ic50_interval                      # point estimate, ensemble envelope
>>> band = js.ensemble_band(hep, "pSTAT3", cytokines={"IL6": "10 ng/mL"})

Members are not a random sample from a posterior, so a band is the envelope
(minimum to maximum) over the members, not a percentile range. Each member sets
every parameter the calibration fitted; a parameter the caller overrides explicitly
(``parameters=``) keeps the caller's value in every member.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import catalog
from .errors import InputError, JakStatWarning, NoEnsembleError
from .model import Condition, Model, as_condition
from .parallel import RunOptions, run
from .results import flags_text, with_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure

META_COLUMNS = ("member", "dataset", "origin", "delta")
MATCH_RTOL = 1e-4  # member 0 is the optimum: it must match the context's stored values


def ensemble_folder() -> Path:
    return catalog.models_dir() / "ensembles"


def ensemble_contexts() -> list[str]:
    """Contexts with a stored calibration ensemble."""
    folder = ensemble_folder()
    return sorted(p.stem for p in folder.glob("*.tsv")) if folder.exists() else []


@dataclass(frozen=True)
class Ensemble:
    """The stored ensemble of a context: ``members`` (one row per parameter set: member,
    dataset, origin, delta = cost above the optimum, then one column per fitted
    parameter), member 0 being the optimum."""

    context: str
    dataset: str
    members: pd.DataFrame

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.members.columns if c not in META_COLUMNS]

    def __len__(self) -> int:
        return len(self.members)

    def parameter_sets(self) -> list[dict[str, float]]:
        return [{p: float(r[p]) for p in self.parameters} for _, r in self.members.iterrows()]

    @property
    def flags(self) -> tuple[str, ...]:
        if len(self) < 2:
            return (f"the {self.context} ensemble has {len(self)} member: no spread of the parameters",)
        return ()

    def to_frame(self) -> pd.DataFrame:
        """``members``: one row per parameter set."""
        return with_flags(self.members.copy(), self.flags)

    def summary(self) -> dict:
        values = self.members[self.parameters]
        optimum = values.iloc[0]
        spread = np.log10(values / optimum).abs().max() if len(self) else pd.Series(dtype=float)
        widest = spread.idxmax() if spread.notna().any() else None
        return {"context": self.context, "dataset": self.dataset, "members": len(self),
                "parameters": len(self.parameters), "widest_parameter": widest,
                "widest_parameter_fold": float(10 ** spread.max()) if widest is not None else float("nan"),
                "flags": flags_text(self.flags)}

    def plot(self, ax=None) -> Figure:
        """Each fitted parameter's members relative to the optimum (log10 fold), one row
        per parameter; returns the Figure."""
        import matplotlib.pyplot as plt

        values = self.members[self.parameters]
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.3 * len(self.parameters) + 1.2))
        for i, p in enumerate(self.parameters):
            ax.plot(np.log10(values[p] / values[p].iloc[0]), np.full(len(self), i), "|", color="tab:blue", ms=10)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(range(len(self.parameters)), self.parameters, fontsize=8)
        ax.set_xlabel("log10 (member / optimum)")
        ax.set_title(f"{self.context}: {len(self)} parameter sets ({self.dataset})", fontsize=9)
        return ax.figure

    def conditions(self, conditions: Sequence[Condition]) -> list[Condition]:
        """Every condition once per member (member-major): the member's fitted values as
        parameter overrides, under any override the condition already has."""
        out = []
        for values in self.parameter_sets():
            for cond in conditions:
                own = dict(cond.parameters)
                merged = {**values, **own}
                out.append(replace(cond, parameters=tuple(sorted(merged.items()))))
        return out


def load_ensemble(context: str | Model) -> Ensemble:
    """The stored ensemble of ``context`` (a name or a model); raises NoEnsembleError
    when there is none, InputError when it no longer matches the context's stored
    values (recalibrated since: rerun ``make profiles``)."""
    model = context if isinstance(context, Model) else None
    name = model.context if model is not None else catalog.context(context).name
    path = ensemble_folder() / f"{name}.tsv"
    if not path.exists():
        have = ensemble_contexts()
        raise NoEnsembleError(
            f"context {name!r} has no calibration ensemble (contexts with one: {', '.join(have) or 'none'}); "
            "an ensemble is computed for a context calibrated to data by `jakstat profiles <dataset> --store` "
            "(`make profiles` does it for every calibrated dataset; docs/uncertainty.md); for uncalibrated contexts, "
            "js.sensitivity shows what the parameter ranges do")
    table = pd.read_csv(path, sep="\t")
    missing = [c for c in ("member", "dataset", "delta") if c not in table.columns]
    if missing or table.empty or int(table["member"].iloc[0]) != 0:
        raise InputError(f"{path} is not an ensemble table (member 0 = optimum first, columns member, dataset, "
                         f"delta, then parameters)")
    ens = Ensemble(name, str(table["dataset"].iloc[0]), table)
    values = (model or _context_model(name)).parameter_values()
    unknown = [p for p in ens.parameters if p not in values]
    if unknown:
        raise InputError(f"{path}: {unknown[0]!r} is not a parameter of the model")
    stale = [p for p in ens.parameters
             if not np.isclose(float(table[p].iloc[0]), values[p], rtol=MATCH_RTOL, atol=0.0)]
    if stale:
        p = stale[0]
        raise InputError(f"the {name} ensemble's optimum has {p} = {table[p].iloc[0]:.6g} but the context's stored "
                         f"value is {values[p]:.6g}: the context was recalibrated after the ensemble was made; "
                         "rerun `make profiles`")
    return ens


def _context_model(name: str) -> Model:
    from .model import load_model

    return load_model(context=name)


@dataclass(frozen=True)
class EnsembleBand:
    """Time courses of a condition over a calibration ensemble: ``frame`` has time,
    readout, ``value`` (the optimum), ``low`` and ``high`` (envelope over the
    members); ``members`` the number of parameter sets. ``flags``: why the band needs
    care (an ensemble of one member has no envelope)."""

    context: str
    dataset: str
    condition: Condition
    frame: pd.DataFrame
    members: int
    flags: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return with_flags(self.frame.copy(), self.flags)

    def summary(self) -> dict:
        """Per readout: the optimum's peak and the envelope at that time
        (``peak_<readout>``, ``_low``, ``_high``, in ``peak_<readout>_unit``)."""
        peak = self.frame.loc[self.frame.groupby("readout", sort=False)["value"].idxmax()]
        out = {"context": self.context, "dataset": self.dataset, "members": self.members,
               "condition": self.condition.label()}
        for r in peak.itertuples():
            out.update({f"peak_{r.readout}": float(r.value), f"peak_{r.readout}_low": float(r.low),
                        f"peak_{r.readout}_high": float(r.high), f"peak_{r.readout}_time_min": float(r.time),
                        f"peak_{r.readout}_unit": catalog.readout(r.readout).unit})
        out["flags"] = flags_text(self.flags)
        return out

    def plot(self, ax=None) -> Figure:
        """Optimum as a line, envelope shaded, one colour per readout; returns the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        for readout, part in self.frame.groupby("readout", sort=False):
            line, = ax.plot(part["time"], part["value"], label=readout)
            ax.fill_between(part["time"], part["low"], part["high"], color=line.get_color(), alpha=0.25, lw=0)
        ax.set_xlabel("time (min)")
        units = {catalog.readout(r).unit for r in self.frame["readout"].unique()}
        ax.set_ylabel(" / ".join(sorted(units)))
        ax.set_title(f"{self.context}: optimum (line) and calibration envelope (band) of {self.members} parameter "
                     f"sets ({self.dataset})", fontsize=9)
        ax.legend(fontsize=8)
        return ax.figure


def ensemble_band(model: Model, readouts: Iterable[str] | str | None = None, *,
                  condition: Condition | Mapping | None = None, n_jobs: int = 1, client=None,
                  progress: bool = False, engine: str = "roadrunner", **keywords) -> EnsembleBand:
    """Time course of one condition (``Model.simulate``'s keywords, or ``condition=``)
    for every member of the context's stored ensemble: the optimum and the envelope.
    ``readouts`` default to the main readouts of the condition's cytokines; run options
    (``n_jobs``, ``client``, ``progress``, ``engine``) as in :func:`jakstat_sbml.run`."""
    RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)  # checked before any work
    ens = load_ensemble(model)
    cond = as_condition(condition, keywords)
    if readouts is None:
        names = list(dict.fromkeys(catalog.cytokine(c).main_readout for c, _ in cond.cytokines)) or ["pSTAT3"]
    else:
        names = [readouts] if isinstance(readouts, str) else list(readouts)
    names = [catalog.readout(r).name for r in names]
    df = run(model, ens.conditions([cond]), readouts=names, n_jobs=n_jobs, client=client, progress=progress,
             engine=engine)
    df = df.sort_values(["condition", "time"])
    rows = []
    for r in names:
        table = df.pivot(index="time", columns="condition", values=r)
        rows.append(pd.DataFrame({"time": table.index.to_numpy(), "readout": r, "value": table[0].to_numpy(),
                                  "low": table.min(axis=1).to_numpy(), "high": table.max(axis=1).to_numpy()}))
    for flag in ens.flags:
        warnings.warn(flag, JakStatWarning, stacklevel=2)
    return EnsembleBand(ens.context, ens.dataset, cond, pd.concat(rows, ignore_index=True), len(ens), ens.flags)
