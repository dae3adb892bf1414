"""A calibration's results as files (tables, figures, README), stored values, and the
one-command run of a dataset (``jakstat calibrate``)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import UnknownNameError
from .comparison import Comparison, compare, fit_curves, observable_labels
from .datasets import ALL_DATASETS, DATASETS
from .datasets import dataset as dataset_by_name
from .measurements import select_measurements
from .objective import Objective
from .optimise import IDENTIFIABLE_SE, SPREAD_DELTA, CalibrationResult, calibrate, identifiability, read_result
from .published import PublishedModel


# what write_results writes into a dataset's folder, besides a figure per observable (fit_<observable>.png);
# the command line checks these before fitting and records them after (its overwrite rule)
RESULT_FILES = {
    "objective.tsv": "-log L, chi2 and n of ours and of the published model on the same measurements",
    "multistart.tsv": "every start's optimum: -log L, chi2, start and fitted parameters",
    "run.tsv": "how the multi-start ran: starts, iterations per start, seed, engine, wall time",
    "parameters.tsv": "fitted parameters with their start values and identifiability",
    "multistart.png": "waterfall of the starts' -log L",
    "offsets_and_scales.tsv": "the blots' offsets and scales, profiled",
    "README.md": "what the folder holds, how the two fits compare, and the command that wrote it",
}


def result_files(folder: str | os.PathLike) -> dict[Path, str]:
    """The files :func:`write_results` may write into ``folder`` (path -> what it holds):
    :data:`RESULT_FILES` and the fit figures there now (their names follow the observables)."""
    folder = Path(folder)
    files = {folder / name: content for name, content in RESULT_FILES.items()}
    for figure in sorted(folder.glob("fit_*.png")):
        files[figure] = f"data with both fits: {figure.stem.removeprefix('fit_')}"
    return files


def write_results(dataset: str, folder: str | os.PathLike, *, result: CalibrationResult | None = None,
                  objective: Objective | None = None, values: Mapping[str, float] | None = None,
                  data_dir: str | os.PathLike | None = None, command: str = "") -> Path:
    """Write a dataset's results to ``folder``: objective table (ours at ``values``,
    default the context's current ones, vs published), parameters with
    identifiability, multi-start table, offsets/scales, plots of the data with
    both fits, and a README. Returns the folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import plots

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    expressible = dataset in DATASETS
    if expressible and objective is None:
        objective = Objective(dataset, data_dir=data_dir)
    comparison = compare(dataset, objective=objective, values=values, data_dir=data_dir)
    comparison.table.to_csv(folder / "objective.tsv", sep="\t", index=False, float_format="%.6g")
    ident = None
    if result is not None:
        result.table().to_csv(folder / "multistart.tsv", sep="\t", index=False, float_format="%.6g")
        pd.DataFrame({"key": ["dataset", "starts", "n_jobs", "max_nfev", "seed", "wall_seconds", "engine", "gradients"],
                      "value": [dataset, len(result.starts), result.n_jobs, result.max_nfev, result.seed,
                                round(result.seconds, 1), result.engine, result.gradients]}).to_csv(folder / "run.tsv", sep="\t",
                                                                                   index=False)
        ident = identifiability(objective, result)
        before = next(s for s in result.starts if s.start == 0).x0  # the context's values, clipped to the bounds
        ident.insert(1, "start_value", 10.0 ** before)
        ident.to_csv(folder / "parameters.tsv", sep="\t", index=False, float_format="%.6g")
        fig = plots.multistart_waterfall([s.nllh for s in result.starts if math.isfinite(s.nllh)])
        fig.savefig(folder / "multistart.png", dpi=110)
        plt.close(fig)
    if comparison.ours is not None:
        pd.Series(comparison.ours.nuisance, name="value").rename_axis("parameter").to_csv(
            folder / "offsets_and_scales.tsv", sep="\t", float_format="%.6g")
    data, curves = fit_curves(comparison, objective=objective if expressible else None, values=values,
                              data_dir=data_dir)
    transformations = PublishedModel(dataset, data_dir).problem.observable_df["observableTransformation"]
    figures = []
    for observable, pts in data.groupby("observableId", sort=False):
        log = transformations.get(observable, "lin") == "log10"
        title, ylabel = observable_labels(dataset, observable)
        fig = plots.calibration_fits(pts, curves[curves["observableId"] == observable], title=title,
                                     ylabel=ylabel, log=log)
        name = f"fit_{observable}.png"
        fig.savefig(folder / name, dpi=90)
        plt.close(fig)
        figures.append(name)
    (folder / "README.md").write_text(_readme(dataset, comparison, result, ident, figures, data_dir, command), encoding="utf-8")
    return folder


def _markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(lines)


def _readme(dataset, comparison: Comparison, result, ident, figures, data_dir, command) -> str:
    out = [f"# Calibration: {dataset}", "",
           f"Reproduce: `jakstat calibrate {dataset} --store --out docs/calibration --force` (every dataset: "
           "`make calibrate`)." + (f" This folder was written by `{command}`." if command else ""), ""]
    out += ["## Objective (same measurements, same published noise levels)", "",
            _markdown(comparison.table), "",
            "-log L is PEtab's (normal noise on the observable's scale, with the log-Jacobian term of log10 "
            "observables); chi2 is the sum of squared weighted residuals. Offsets and scales of the blots are "
            "profiled for both models; 'as published' uses the published model's own fitted values.", ""]
    ds = dataset_by_name(dataset)
    rows = select_measurements(dataset, data_dir)
    counts = rows.groupby("reason").size()
    ratio = comparison.chi2_ratio
    out += [f"Our chi2 is {ratio:.3f} x the published model's (criterion: within 1.5 x).", "",
            f"## Measurements: {int(counts.get('', 0))} of {len(rows)} kept", ""]
    out += [f"- {n} left out: {reason}" for reason, n in counts.items() if reason]
    out += ["", "What of the published model our model does not express:", ""]
    out += [f"- {x}" for x in ds.not_expressed]
    out += [""]
    if result is not None:
        good = sum(s.cost <= result.best.cost + SPREAD_DELTA for s in result.starts)
        out += [f"## Multi-start: {len(result.starts)} starts, {good} within {SPREAD_DELTA} of the best "
                f"(-log L {result.best.nllh:.3f}); {result.seconds / 60:.0f} min wall time on {result.n_jobs} "
                f"processes, up to {result.max_nfev} iterations per start", "",
                "Start 0 begins at the context's values before the fit (clipped into the bounds); the others at a "
                "Latin hypercube over the log10 of the bounds. The bounds are physiological ranges, each with its "
                "source or stated assumption, from models/parameter_bounds.tsv. See multistart.tsv and "
                "multistart.png.", "",
                "## Fitted parameters and identifiability", "",
                "se_log10: Gauss-Newton standard error of log10(value) at the optimum (inverse Fisher "
                f"information of the profiled residuals); above {IDENTIFIABLE_SE} (a factor of "
                f"{10**IDENTIFIABLE_SE:.1f}) the data do not pin the value down. log10_min/max_near: range over "
                "the starts that reached the optimum's neighbourhood.", "",
                _markdown(ident[["parameter", "lower", "upper", "start_value", "value", "se_log10",
                                 "log10_min_near", "log10_max_near", "identifiability"]]), ""]
        at_bound = ident.loc[ident["at_bound"], ["parameter", "value", "lower", "upper"]]
        if len(at_bound):
            out += ["Parameters that end at a physiological bound (a finding, discussed in docs/calibration.md, "
                    "\"Parameters at their physiological bounds\"): " + ", ".join(
                        f"{r.parameter} {r.value:.4g} ({'lower' if r.value <= math.sqrt(r.lower * r.upper) else 'upper'}"
                        f" bound {r.lower if r.value <= math.sqrt(r.lower * r.upper) else r.upper:g})"
                        for r in at_bound.itertuples()) + ".", ""]
        else:
            out += ["No parameter ends at its physiological bound.", ""]
    out += ["## Plots", ""] + [f"![{f}]({f})" for f in figures] + [""]
    return "\n".join(out)


def store_in_contexts(result: CalibrationResult, path: str | os.PathLike | None = None,
                      significant: int = 6) -> dict[str, float]:
    """Write the best values into models/contexts.tsv as the context's defaults,
    source ``calibrated:<dataset> (...)``; returns the stored (rounded) values."""
    path = Path(path) if path is not None else catalog.writable_models_dir() / "contexts.tsv"
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    stored = {p: float(f"{v:.{significant}g}") for p, v in result.best_values().items()}
    source = (f"calibrated:{result.dataset} (multi-start least squares, {len(result.starts)} starts, "
              f"-log L {result.best.nllh:.2f}; identifiability in docs/calibration/{result.dataset})")
    keep = ~((table["context"] == result.context) & table["parameter"].isin(list(stored)))
    table = table[keep]
    new = pd.DataFrame({"context": result.context, "parameter": list(stored),
                        "value": [repr(v) for v in stored.values()], "source": source})
    # New rows go after the context's last row, so each context stays together.
    last = np.flatnonzero(table["context"].to_numpy() == result.context)
    at = int(last[-1]) + 1 if last.size else len(table)
    table = pd.concat([table.iloc[:at], new, table.iloc[at:]], ignore_index=True)
    table.to_csv(path, sep="\t", index=False)
    catalog.reload_tables()
    return stored


# ----------------------------------------------------------------------------- one command

def run_dataset(dataset: str, out: str | os.PathLike, *, starts: int | None = None, n_jobs: int = 1,
                max_nfev: int | None = None, store: bool = False, rewrite: bool = False,
                data_dir: str | os.PathLike | None = None, progress=None, command: str = "",
                engine: str = "roadrunner") -> Path:
    """Calibrate ``dataset`` (or, for a dataset our network cannot express, evaluate
    the published model) and write the results to ``out/<dataset>``. ``store=True``
    makes the fitted values the context's defaults (models/contexts.tsv); the
    results are then computed at the stored (rounded) values. ``rewrite=True``
    fits nothing: it rewrites the folder from its multi-start table, at the
    context's current (stored) values."""
    if dataset not in ALL_DATASETS:
        raise UnknownNameError("dataset", dataset, [*ALL_DATASETS, "all"])
    folder = Path(out) / dataset
    if dataset not in DATASETS:
        return write_results(dataset, folder, data_dir=data_dir, command=command)
    if rewrite:
        return write_results(dataset, folder, result=read_result(dataset, folder), data_dir=data_dir,
                             command=command)
    result = calibrate(dataset, starts=starts, n_jobs=n_jobs, max_nfev=max_nfev, data_dir=data_dir,
                       progress=progress, engine=engine)
    values = result.best_values()
    objective = None
    if store:
        values = store_in_contexts(result)
        objective = Objective(dataset, data_dir=data_dir)  # reloads the context with the stored values
        values = None
    return write_results(dataset, folder, result=result, objective=objective, values=values, data_dir=data_dir,
                         command=command)


def summary(out: str | os.PathLike, datasets: Sequence[str] = ALL_DATASETS) -> pd.DataFrame:
    """One row per dataset from the results in ``out``: ours and the published model."""
    rows = []
    for d in datasets:
        path = Path(out) / d / "objective.tsv"
        if not path.exists():
            continue
        t = pd.read_csv(path, sep="\t").set_index("model")
        row = {"dataset": d}
        if "ours (calibrated)" in t.index:
            row.update({"ours_nllh": t.loc["ours (calibrated)", "nllh"], "ours_chi2": t.loc["ours (calibrated)", "chi2"]})
        else:
            row.update({"ours_nllh": math.nan, "ours_chi2": math.nan})
        pub = t.loc["published, offsets/scales profiled"]
        nominal = t.loc["published, as published"]
        row.update({"published_nllh": pub["nllh"], "published_chi2": pub["chi2"],
                    "published_as_published_nllh": nominal["nllh"], "n": int(pub["n"])})
        row["chi2_ratio"] = row["ours_chi2"] / row["published_chi2"]
        row["status"] = ("within 1.5x" if row["chi2_ratio"] <= 1.5 else "above 1.5x") if d in DATASETS \
            else "not expressible (see note)"
        rows.append(row)
    table = pd.DataFrame(rows)
    table.to_csv(Path(out) / "summary.tsv", sep="\t", index=False, float_format="%.6g")
    return table
