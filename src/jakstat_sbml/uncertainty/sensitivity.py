"""Global sensitivity of predictions over the parameters' plausible ranges.

Parameters are sampled log-uniformly over their ranges (models/parameters.tsv,
:mod:`.ranges`). Morris elementary effects screen all ~110 uncertain parameters at
a cost of ``n x (k + 1)`` parameter sets; Sobol indices (first and total order,
Saltelli's scheme, ``n x (k + 2)`` sets) are affordable for the top few. Every
parameter set's simulations go through :func:`jakstat_sbml.run` (serial, local
processes or a Dask cluster, identical numbers), a chunk of parameter sets at a time,
each chunk checkpointed to disk when ``checkpoint=`` names a folder.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError
from ..model import Condition, Model, check_model
from ..optional import require
from ..engines import DEFAULT_ENGINE
from ..parallel import RunOptions, progress_steps, run
from .checkpoint import Checkpoint, design_key
from .predictions import IC50, STATUSES, Exposure, Prediction, headline_predictions, prediction
from ..parameter_ranges import uncertain_parameters
from ..results import count, flags_text, with_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure

METHODS = ("morris", "sobol")
DEFAULT_N = {"morris": 10, "sobol": 64}  # Morris trajectories; Sobol base sample (a power of 2)
MORRIS_LEVELS = 4
DEFAULT_CHUNK = 16  # parameter sets per chunk: one checkpoint file, one js.run call


@dataclass
class SensitivityResult:
    """What :func:`sensitivity` found.

    ``indices``: one row per prediction and parameter, ranked (``rank`` 1 = carries
    the most variance): Morris ``mu_star`` (mean absolute elementary effect: the
    change of the prediction, in its unit, per the parameter's whole log10 range),
    ``mu_star_conf``, ``sigma``,
    ``mu``; Sobol ``S1``, ``S1_conf``, ``ST``, ``ST_conf``. ``samples``: the
    parameter sets (values, not logs); ``outputs``/``statuses``: each prediction's
    value per set and whether it was determined or censored (``censoring()`` counts
    them; ``flags`` says so in words).
    """

    method: str
    predictions: tuple[str, ...]
    units: dict[str, str]
    parameters: tuple[str, ...]
    n: int
    seed: int
    samples: pd.DataFrame = field(repr=False)
    outputs: pd.DataFrame = field(repr=False)
    statuses: pd.DataFrame = field(repr=False)
    indices: pd.DataFrame = field(repr=False)
    context: str = "ctcl"
    flags: tuple[str, ...] = ()
    simulations: int = 0
    chunks_reused: int = 0
    chunks_computed: int = 0
    seconds: float = 0.0
    checkpoint: str | None = None
    potency_ranges: str = "models/parameters.tsv"  # or the potency posterior (uncertainty="potency")

    @property
    def score(self) -> str:
        """The column the ranking is by: ``mu_star`` (Morris) or ``ST`` (Sobol)."""
        return "mu_star" if self.method == "morris" else "ST"

    def ranking(self, prediction: str | Prediction | None = None) -> pd.DataFrame:
        """Parameters of one prediction (default: the first), most important first."""
        name = self._name(prediction)
        return self.indices[self.indices["prediction"] == name].sort_values("rank").reset_index(drop=True)

    def top(self, k: int = 8, prediction: str | Prediction | None = None) -> list[str]:
        """The ``k`` most important parameters of one prediction, or (default) of any:
        the union taken rank by rank over every prediction, so each prediction's most
        important parameters come first."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(f"k must be a positive integer, got {k!r}")
        if prediction is not None:
            return self.ranking(prediction)["parameter"].head(k).tolist()
        ordered = self.indices.sort_values(["rank", self.score], ascending=[True, False])["parameter"]
        return list(dict.fromkeys(ordered))[:k]

    def censoring(self) -> pd.DataFrame:
        """Per prediction: how many parameter sets gave each status."""
        counts = {p: self.statuses[p].value_counts() for p in self.predictions}
        return pd.DataFrame(counts).T.reindex(columns=list(STATUSES)).fillna(0).astype(int)

    def to_frame(self) -> pd.DataFrame:
        return with_flags(self.indices.copy(), self.flags)

    def summary(self) -> dict:
        """How it ran, flat; per prediction its three most important parameters
        (``top[<prediction>]``) and how many parameter sets gave each censored status
        (``<status>_sets[<prediction>]``)."""
        out = {
            "method": self.method, "context": self.context, "n": self.n, "seed": self.seed,
            "parameter_sets": len(self.samples), "parameters": len(self.parameters),
            "simulations": self.simulations, "wall_time_s": round(self.seconds, 2),
            "chunks_reused": self.chunks_reused, "chunks_computed": self.chunks_computed,
            # the CLI's and the CSVs' readers could not tell that --uncertainty potency had widened them
            "potency_factor_ranges": self.potency_ranges,
        }
        censoring = self.censoring()
        for p in self.predictions:
            out[f"top[{p}]"] = ", ".join(self.top(3, p))
            out.update({f"{status}_sets[{p}]": count(censoring.loc[p, status]) for status in STATUSES
                        if status != "determined"})
        out["flags"] = flags_text(self.flags)
        return out

    def plot(self, ax=None, k: int = 10) -> Figure:
        """Horizontal bars of the ``k`` most important parameters of each prediction
        (Morris mu_star with its 95% interval; Sobol ST and S1); returns the Figure."""
        import matplotlib.pyplot as plt

        names = list(self.predictions)
        if ax is not None and len(names) > 1:
            raise InputError("ax= draws one prediction; this result has several (plot without ax)")
        if ax is None:
            cols = min(3, len(names))
            rows = math.ceil(len(names) / cols)
            fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 0.32 * k * rows + 1.4 * rows),
                                     constrained_layout=True, squeeze=False)
            axes = list(axes.ravel())
            for extra in axes[len(names):]:
                extra.set_visible(False)
        else:
            fig, axes = ax.figure, [ax]
        for panel, name in zip(axes, names):
            table = self.ranking(name).head(k)[::-1]
            y = np.arange(len(table))
            if self.method == "morris":
                panel.barh(y, table["mu_star"], xerr=table["mu_star_conf"], color="tab:blue", alpha=0.8)
                panel.set_xlabel(f"Morris mu* ({self.units[name]}, per whole range)")
            else:
                panel.barh(y + 0.2, table["ST"], height=0.4, xerr=table["ST_conf"], color="tab:red", label="total (ST)")
                panel.barh(y - 0.2, table["S1"], height=0.4, xerr=table["S1_conf"], color="tab:blue",
                           label="first order (S1)")
                panel.set_xlabel("Sobol index (share of variance)")
                panel.legend(loc="lower right", fontsize=7)
            panel.set_yticks(y, table["parameter"], fontsize=8)
            censored = int((self.statuses[name] != "determined").sum())
            note = f"; {censored}/{len(self.statuses)} censored" if censored else ""
            panel.set_title(f"{name}\n({self.context}, n={self.n}{note})", fontsize=9)
        return fig

    def save(self, folder: str | Path, figure_format: str = "png", *, force: bool = False) -> list[Path]:
        """Write ``sensitivity_indices.csv``, ``sensitivity_samples.csv`` (parameter sets,
        outputs and statuses), ``sensitivity_censoring.csv`` and the figure, and beside them
        their provenance record, ``sensitivity.provenance.json`` (what was analysed, how).

        As the commands do: the same result saved again replaces its own files; a file
        another run wrote, or none (the user's own), is not replaced unless ``force``."""
        import matplotlib.pyplot as plt

        from .. import provenance

        folder = Path(folder)
        paths = [folder / "sensitivity_indices.csv", folder / "sensitivity_samples.csv",
                 folder / "sensitivity_censoring.csv", folder / f"sensitivity.{figure_format}"]
        record = provenance.sidecar("sensitivity", folder)
        run = self._identity()
        provenance.check_overwrite([*paths, record], run, force=force,
                                   way_out="save elsewhere, or save(..., force=True) to replace it")
        folder.mkdir(parents=True, exist_ok=True)
        self.indices.to_csv(paths[0], index=False, float_format="%.6g")
        samples = pd.concat([self.samples, self.outputs.add_prefix("value:"), self.statuses.add_prefix("status:")],
                            axis=1)
        samples.to_csv(paths[1], index_label="set", float_format="%.10g")
        self.censoring().to_csv(paths[2], index_label="prediction")
        fig = self.plot()
        fig.savefig(paths[3], dpi=110)
        plt.close(fig)
        contents = ("sensitivity indices per prediction and parameter", "the parameter sets, each prediction's "
                    "value and status per set", "per prediction: how many sets gave no value, and why",
                    "figure of the indices")
        # once written: a record names what it holds (another record naming these files lets go of them)
        provenance.write(record, provenance.record(run, {p.name: {"content": c} for p, c in zip(paths, contents)},
                                                   command="SensitivityResult.save (Python)"))
        return paths

    def _identity(self) -> dict:
        """What makes this result's files (:func:`provenance.identity`): saved again, it replaces them."""
        from .. import provenance

        return provenance.identity("sensitivity", provenance.condition_record(self.context), {
            "predictions": list(self.predictions), "method": self.method, "n": self.n,
            "parameters": list(self.parameters), "seed": self.seed, "written by": "SensitivityResult.save"})

    def _name(self, p) -> str:
        if p is None:
            return self.predictions[0]
        name = prediction(p).name
        if name not in self.predictions:
            raise InputError(f"{name} is not one of this result's predictions: {', '.join(self.predictions)}")
        return name


def sensitivity(model: Model, prediction: str | Prediction | Sequence[str | Prediction], method: str = "morris",
                n: int | None = None, parameters: Sequence[str] | None = None, *, seed: int = 0,
                checkpoint: str | Path | None = None, chunk_size: int = DEFAULT_CHUNK, uncertainty=None,
                draws: int | None = None, n_jobs: int = 1, client=None, progress: bool = False,
                engine: str = "roadrunner") -> SensitivityResult:
    """Global sensitivity of one or more predictions to the uncertain parameters.

    ``prediction``: an :class:`~.predictions.IC50`, :class:`~.predictions.KnockoutEffect`
    or :class:`~.predictions.Exposure`, a string (``"ic50:ruxolitinib:IL6"``,
    ``"knockout:SOCS3:IL6"``, ``"exposure:ruxolitinib:20mg/12h:IL6"``), a list of them, or
    ``"headline"`` (every drug's IC50 on every cytokine's main readout it acts on, the
    screen's feedback knockouts, and the two JAK inhibitors' approved twice-daily doses on
    IL-6/pSTAT3 and IL-2/pSTAT5). All predictions share the parameter sets, and all
    run on ``engine`` (exposure predictions as regimen conditions: RoadRunner and AMICI
    both run them).
    ``method``: ``"morris"`` (``n`` trajectories, default 10) or ``"sobol"`` (``n`` a
    power of 2, default 64; first and total order). ``parameters``: which to vary (default every
    uncertain parameter; give a Morris ``result.top(k)`` for Sobol); the rest stay at
    ``model``'s context values. Sampling is log-uniform over each range.

    ``n_jobs``/``client``/``progress``/``engine`` as in :func:`jakstat_sbml.run`;
    ``checkpoint``: a folder where each finished chunk of ``chunk_size`` parameter
    sets is stored, so a rerun of the same design (same model, predictions,
    parameters, n, seed, chunk_size) reuses them. Same ``seed``, same result, bit for
    bit, whichever way it runs and however often it was interrupted.

    ``uncertainty="potency"``: each drug's cellular potency factor varies over the 90%
    predictive range of the drug-potency posterior with a new assay's variability
    (models/potency/), instead of its range in models/parameters.tsv, so the indices
    weigh the measured potency's uncertainty against the network's. (The parameter
    ranges are what a sensitivity analysis varies anyway; calibration ensembles are not
    a sampling design, so no other mode applies here.) ``draws`` is refused: the range is
    taken over every posterior draw, and ``n`` sets how many parameter sets run; it is
    accepted only so that the keyword every drug experiment takes gets a reason, not a
    TypeError.
    """
    check_model(model)
    RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)  # checked before any work
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    predictions = _predictions(prediction)
    n = DEFAULT_N[method] if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise InputError(f"n must be an integer >= 2, got {n!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    ranges = uncertain_parameters(parameters)
    ranges = _with_potency(ranges, uncertainty, seed, draws)
    # A context may set a parameter to 0 on purpose (hepatocytes have no IL-2
    # receptor): sampling it would add what the context says is absent.
    context_values = model.parameter_values()
    absent = [p for p in ranges.index if context_values.get(p) == 0]
    if absent and parameters is not None:
        raise InputError(f"context {model.context!r} sets {', '.join(absent)} to 0 (absent in these cells); "
                         "it cannot vary there")
    ranges = ranges.drop(index=absent)
    if len(ranges) < 2:
        raise InputError("a sensitivity analysis needs at least 2 parameters to vary")
    names = list(ranges.index)
    problem = log_problem(ranges)
    design = sample_design(method, problem, n, seed)

    started = time.perf_counter()
    values, statuses, counts = evaluate_design(model, predictions, names, design, n_jobs=n_jobs, client=client,
                                               engine=engine,
                                               checkpoint=checkpoint, chunk_size=chunk_size, progress=progress,
                                               label=f"{method}", description={"method": method, "n": n, "seed": seed})
    seconds = time.perf_counter() - started
    outputs = pd.DataFrame(values, columns=[p.name for p in predictions])
    status_frame = pd.DataFrame(statuses, columns=[p.name for p in predictions])
    index_table, flags = _analyse(method, problem, design, outputs, status_frame, predictions, seed)
    if absent:
        flags.insert(0, f"not varied: {', '.join(absent)}, 0 in context {model.context!r} (absent in these cells)")
    samples = pd.DataFrame(10.0 ** design, columns=names)
    return SensitivityResult(method, tuple(outputs.columns), {p.name: p.unit for p in predictions}, tuple(names), n,
                             seed, samples, outputs, status_frame, index_table, model.context, tuple(flags),
                             counts["simulations"], counts["reused"], counts["computed"], seconds,
                             counts["checkpoint"],
                             next((str(x) for x in ranges.get("range_source", pd.Series(dtype=str))
                                   if str(x).startswith("potency posterior")), "models/parameters.tsv"))


def _with_potency(ranges: pd.DataFrame, uncertainty, seed: int, draws=None) -> pd.DataFrame:
    """``ranges`` with the cellular potency factors over the posterior predictive range."""
    from ..potency.draws import as_uncertainty
    from ..potency.posterior import load_posterior

    if uncertainty is None or uncertainty is False:
        as_uncertainty(uncertainty, draws=draws)  # draws= without uncertainty= is refused as everywhere
        return ranges
    if draws is not None:
        raise InputError(f"sensitivity takes no draws= (got {draws!r}): each potency factor's range is the "
                         "predictive range over every posterior draw, and n sets how many parameter sets run")
    unc = as_uncertainty(uncertainty)
    if unc.mode != "potency":
        why = {"calibration": "a sensitivity analysis varies the plausible parameter ranges, not a calibration "
                              "ensemble's members"}.get(unc.mode, "the parameter ranges are what it varies anyway")
        raise InputError(f"sensitivity takes uncertainty='potency' only (the drug-potency posterior as the potency "
                         f"factors' ranges), got {uncertainty!r}: {why}")
    posterior = load_posterior()
    ranges = ranges.copy()
    for drug in posterior.drugs:
        p = catalog.drug(drug).cellular_factor
        if p in ranges.index:
            shifts = 10.0 ** posterior.new_source_draws(drug, seed=seed)
            low, high = np.quantile(shifts, [(1 - unc.level) / 2, 1 - (1 - unc.level) / 2])
            ranges.loc[p, ["lower", "upper"]] = [float(low), float(high)]
            ranges.loc[p, "range_source"] = (f"potency posterior, {unc.level:.0%} predictive range with a new "
                                             "assay's variability (models/potency/)")
    return ranges


def top_parameters(indices_csv: str | Path | None, k: int, predictions=None) -> list[str]:
    """The ``k`` most important parameters of a saved Morris run
    (``sensitivity_indices.csv``), taken rank by rank over its predictions: over
    ``predictions`` only (names or specs) when the file has any of them, otherwise over
    all of its predictions."""
    if indices_csv is None:
        raise InputError("the top parameters come from a Morris run: give its sensitivity_indices.csv (--morris)")
    path = Path(indices_csv)
    if not path.is_file():
        raise InputError(f"{path}: no such file (the sensitivity_indices.csv of a Morris run)")
    table = pd.read_csv(path)
    if not {"parameter", "rank", "mu_star"} <= set(table.columns):
        raise InputError(f"{path} is not the sensitivity_indices.csv of a Morris run (no mu_star column)")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InputError(f"k must be a positive integer, got {k!r}")
    if predictions is not None and "prediction" in table.columns:
        wanted = {p.name for p in _predictions(predictions)}
        if wanted & set(table["prediction"]):
            table = table[table["prediction"].isin(wanted)]
    ranked = table.sort_values(["rank", "mu_star"], ascending=[True, False])["parameter"]
    return list(dict.fromkeys(ranked))[:k]


def _predictions(spec) -> list[Prediction]:
    if isinstance(spec, str) and spec.strip().lower() == "headline" or spec == ["headline"]:
        return headline_predictions()
    items = [spec] if isinstance(spec, str) or not isinstance(spec, Sequence) else list(spec)
    if not items:
        raise InputError("give at least one prediction")
    out = [prediction(p) for p in items]
    if len({p.name for p in out}) != len(out):
        raise InputError("a prediction is listed twice")
    return out


def log_problem(ranges: pd.DataFrame) -> dict:
    """The SALib problem of ``ranges`` (``lower``/``upper`` per parameter, as
    :func:`~.ranges.uncertain_parameters` gives them): log10 bounds. The one place the
    bounds are computed, so that whoever rebuilds a design (the benchmark's plain loop)
    gets the very parameter sets :func:`sensitivity` evaluates: ``np.log10`` and
    ``math.log10`` differ in the last bit for some values, and a parameter set one bit
    away is another genotype (its own steady state, its own solver noise)."""
    names = list(ranges.index)
    return {"num_vars": len(names), "names": names,
            "bounds": [[math.log10(lo), math.log10(hi)] for lo, hi in zip(ranges["lower"], ranges["upper"])]}


def sample_design(method: str, problem: dict, n: int, seed: int) -> np.ndarray:
    """Parameter sets for ``method`` in the units of ``problem["bounds"]`` (a SALib
    problem: ``num_vars``, ``names``, ``bounds``; here log10 values), one per row."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    require("SALib", "sensitivity analysis")
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
    if n & (n - 1):
        raise InputError(f"Sobol sampling needs n to be a power of 2 (its balance properties), got {n}")
    from SALib.sample import sobol

    return sobol.sample(problem, n, calc_second_order=False, seed=seed)


def indices(method: str, problem: dict, design: np.ndarray, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Morris (``mu_star``, ``mu_star_conf``, ``sigma``, ``mu``) or Sobol (``S1``,
    ``S1_conf``, ``ST``, ``ST_conf``) indices of output ``y`` over ``design``, one row per
    parameter, ranked (``rank`` 1 first: by ``mu_star`` or ``ST``). An output with the
    same value everywhere has no index (NaN) and keeps the parameters' order."""
    y = np.asarray(y, dtype=float)
    if y.shape != (len(design),) or not np.isfinite(y).all():
        raise InputError(f"the output must be one finite number per parameter set ({len(design)}), "
                         "censored values included")
    keys = ("mu_star", "mu_star_conf", "sigma", "mu") if method == "morris" else ("S1", "S1_conf", "ST", "ST_conf")
    if np.ptp(y) == 0:
        stats = {k: np.full(problem["num_vars"], np.nan) for k in keys}
    elif method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, design, y, num_levels=MORRIS_LEVELS, seed=seed)
        stats = {k: np.asarray(res[k], dtype=float) for k in keys}
    else:
        from SALib.analyze import sobol

        # SALib seeds Sobol's bootstrap only `if seed:`, so seed 0 (the default here)
        # would draw from the unseeded global generator; a Generator is always used
        # (and gives the same stream as the integer for any other seed).
        res = sobol.analyze(problem, y, calc_second_order=False, seed=np.random.default_rng(seed))
        stats = {k: np.asarray(res[k], dtype=float) for k in keys}
    table = pd.DataFrame({"parameter": problem["names"], **stats})
    table = table.sort_values(keys[0] if method == "morris" else "ST", ascending=False, kind="stable")
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def evaluate_design(model: Model, predictions: Sequence[Prediction], names: Sequence[str], design: np.ndarray, *,
                    n_jobs: int = 1, client=None, checkpoint=None, chunk_size: int = DEFAULT_CHUNK, progress=False,
                    engine: str = "roadrunner", label: str = "design", description: dict | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Each prediction for each parameter set (rows of ``design``: log10 values of
    ``names``): (values, statuses, counts of simulations and chunks)."""
    chunks = [range(a, min(a + chunk_size, len(design))) for a in range(0, len(design), chunk_size)]
    store = None
    if checkpoint is not None:
        key = design_key("jakstat-uncertainty-1", model.roadrunner.getSBML(), model.context,
                         sorted(model.parameter_values().items()), sorted(model.solver_options.items()),
                         [repr(p) for p in predictions], list(names), design, chunk_size,
                         *([engine] if engine != DEFAULT_ENGINE else []))  # RoadRunner's keys predate engines
        store = Checkpoint(checkpoint, key, label, {
            **(description or {}), "context": model.context, "predictions": [p.name for p in predictions],
            "parameters": list(names), "parameter_sets": len(design), "chunk_size": chunk_size,
            "chunks": len(chunks)})
    values = np.full((len(design), len(predictions)), np.nan)
    statuses = np.full((len(design), len(predictions)), "", dtype=object)
    counts = {"simulations": 0, "reused": 0, "computed": 0, "checkpoint": str(store.path) if store else None}
    with progress_steps(progress, len(design), f"sensitivity ({label})") as advance:
        for k, rows in enumerate(chunks):
            stored = store.load(k) if store else None
            if stored is not None and stored[0].shape == (len(rows), len(predictions)):
                values[rows.start:rows.stop], statuses[rows.start:rows.stop] = stored
                counts["reused"] += 1
                advance(len(rows), f"sensitivity ({label}): chunk {k + 1}/{len(chunks)} reused")
                continue
            part_values, part_statuses, simulated = _evaluate_chunk(model, predictions, names, design[rows.start:rows.stop],
                                                                    n_jobs, client, engine)
            values[rows.start:rows.stop], statuses[rows.start:rows.stop] = part_values, part_statuses
            counts["simulations"] += simulated
            counts["computed"] += 1
            if store:
                store.save(k, part_values, part_statuses)
            advance(len(rows), f"sensitivity ({label}): chunk {k + 1}/{len(chunks)}")
    return values, statuses.astype(str), counts


def _evaluate_chunk(model, predictions, names, block: np.ndarray, n_jobs, client, engine=DEFAULT_ENGINE):
    """One chunk: the conditions of every prediction for every parameter set through one
    js.run (each distinct condition once), then each prediction's value from them."""
    sets = [dict(zip(names, (10.0 ** row).tolist())) for row in block]
    per_set = []  # for each parameter set, each prediction's conditions
    unique: dict[Condition, int] = {}
    for parameters in sets:
        needed = [p.conditions(parameters) for p in predictions]
        for conditions in needed:
            for c in conditions:
                unique.setdefault(c, len(unique))
        per_set.append(needed)
    conditions = list(unique)
    values = np.empty((len(block), len(predictions)))
    statuses = np.empty((len(block), len(predictions)), dtype=object)
    readouts = sorted({r for p in predictions for r in p.readouts})
    df = run(model, conditions, readouts=readouts, n_jobs=n_jobs, client=client, engine=engine)
    readings = _readings(df, conditions, readouts)
    for i, needed in enumerate(per_set):
        for j, conds in enumerate(needed):
            values[i, j], statuses[i, j] = predictions[j].evaluate(conds, readings)
    return values, statuses.astype(str), len(conditions)


def _readings(df: pd.DataFrame, conditions: list[Condition], readouts: list[str]) -> dict:
    """condition -> (time, readout -> values) from one js.run frame."""
    index = df["condition"].to_numpy()
    order = np.argsort(index, kind="stable")
    index = index[order]
    t = df["time"].to_numpy(dtype=float)[order]
    ys = {r: df[r].to_numpy(dtype=float)[order] for r in readouts}
    ids, starts = np.unique(index, return_index=True)
    ends = np.append(starts[1:], len(index))
    return {conditions[i]: (t[a:b], {r: ys[r][a:b] for r in readouts}) for i, a, b in zip(ids, starts, ends)}


def _analyse(method, problem, design, outputs: pd.DataFrame, statuses: pd.DataFrame, predictions, seed):
    rows, flags = [], []
    for p in predictions:
        y = outputs[p.name].to_numpy(dtype=float)
        censored = statuses[p.name].value_counts()
        for status in ("above", "below", "unmeasurable"):
            if censored.get(status, 0):
                unmeasurable = ("no signal to inhibit: censored at the highest dose tested" if isinstance(p, IC50)
                                else "no-drug signal below the measurable floor: censored at 0 (nothing to "
                                "inhibit)" if isinstance(p, Exposure)
                                else "wild-type signal below the detection floor: censored at 0")
                where = {"above": "censored at the highest dose tested", "below": "censored at the lowest dose tested",
                         "unmeasurable": unmeasurable}[status]
                flags.append(f"{p.name}: {censored[status]} of {len(y)} parameter sets {status} ({where})")
        if np.ptp(y) == 0:
            flags.append(f"{p.name}: the same value for every parameter set; no index can be computed")
        table = indices(method, problem, design, y, seed)
        table.insert(0, "prediction", p.name)
        rows.append(table)
        if method == "sobol" and np.ptp(y) > 0:
            widest = float(np.nanmax(table[["S1_conf", "ST_conf"]].to_numpy()))
            if not widest <= SOBOL_RESOLVED:  # NaN too
                flags.append(f"{p.name}: Sobol indices not resolved with these parameter sets: bootstrap 95% "
                             f"intervals up to ±{widest:.2g}, wider than ±{SOBOL_RESOLVED:g} of a share that runs "
                             "from 0 to 1; raise n")
    return pd.concat(rows, ignore_index=True), flags


# A Sobol index is a share of the variance (0-1): beyond this bootstrap half-width it says
# little (the stored n = 1,024 run's widest is 0.21, docs/uncertainty.md; n = 4 gave 2.4).
SOBOL_RESOLVED = 0.25


__all__ = ["METHODS", "SensitivityResult", "evaluate_design", "indices", "log_problem",
           "sample_design", "sensitivity", "top_parameters"]
