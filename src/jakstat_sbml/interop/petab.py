"""PEtab problem of the model against a published dataset, as a folder of files
(problem.yaml, model.xml, the tables and a README); the problem itself is built by
:mod:`jakstat_sbml.calibration.problem`."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

from ..calibration.datasets import DEFAULT_DATASET
from ..calibration.measurements import select_measurements
from ..calibration.problem import petab_problem
from ..errors import ExportError, InputError
from ..model import Condition, Model
from ..optional import require
from ..version import __version__


def write_petab(model: Model, folder: Path, *, dataset: str = DEFAULT_DATASET, condition: Condition | None = None,
                data_dir: str | os.PathLike | None = None) -> Path:
    """Write the problem to ``folder`` (problem.yaml, model.xml, the tables and a README)."""
    lint_problem = require("petab.v1.lint", "PEtab export").lint_problem

    if condition is not None and (condition.cytokines or condition.drugs or condition.knockouts
                                  or condition.overexpress or condition.mutations or condition.parameters
                                  or condition.preincubation):
        raise InputError("a PEtab problem takes its conditions from the data (wild type, the data's doses): "
                         f"export it without a condition, not [{condition.label()}]")
    problem = petab_problem(model, dataset, data_dir=data_dir)
    with _without_visualization_notice():
        rejected = lint_problem(problem)
    if rejected:
        raise ExportError(f"petab's linter rejects the {dataset} problem (see the log)")
    folder.mkdir(parents=True, exist_ok=True)
    yaml = problem.to_files_generic(folder)
    rows = select_measurements(dataset, data_dir)
    counts = rows.groupby("reason").size()
    lines = [f"# PEtab problem: jakstat-sbml against {dataset}", "",
             f"Written by jakstat-sbml {__version__} (`js.export(model, ..., format=\"petab\")`), context "
             f"{model.context!r}.",
             "Run `petablint problem.yaml`. Doses are nM; time is min.", "",
             f"Measurements kept: {int(counts.get('', 0))} of {len(rows)} in the draft. Left out:", ""]
    lines += [f"- {n}: {reason}" for reason, n in counts.items() if reason]
    lines += ["", "See `jakstat_sbml.calibration` for the observable mapping and the reasons."]
    (folder / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(yaml)


@contextmanager
def _without_visualization_notice():
    """petab's linter logs 'Visualization table not available. Skipping.' as a warning on
    every export: the problem has no visualization table by design, so the notice is
    dropped; every other message of the linter (its errors) still shows."""
    class Drop(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "Visualization table not available" not in record.getMessage()

    logger, drop = logging.getLogger("petab.v1.lint"), Drop()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)
