"""PEtab problem of the model against a published dataset, as a folder of files
(problem.yaml, model.xml, the tables and a README); the problem itself is built by
:mod:`jakstat_sbml.calibration.problem`."""

from __future__ import annotations

import os
from pathlib import Path

from ..calibration.datasets import DEFAULT_DATASET
from ..calibration.measurements import select_measurements
from ..calibration.problem import petab_problem
from ..errors import ExportError, InputError
from ..model import Condition, Model
from ..optional import require


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
    if lint_problem(problem):
        raise ExportError(f"petab's linter rejects the {dataset} problem (see the log)")
    folder.mkdir(parents=True, exist_ok=True)
    yaml = problem.to_files_generic(folder)
    rows = select_measurements(dataset, data_dir)
    counts = rows.groupby("reason").size()
    lines = [f"# PEtab problem: jakstat-sbml against {dataset}", "",
             f"Written by jakstat-sbml (`js.export(model, ..., format=\"petab\")`), context {model.context!r}.",
             "Run `petablint -y problem.yaml`. Doses are nM; time is min.", "",
             f"Measurements kept: {int(counts.get('', 0))} of {len(rows)} in the draft. Left out:", ""]
    lines += [f"- {n}: {reason}" for reason, n in counts.items() if reason]
    lines += ["", "See `jakstat_sbml.calibration` for the observable mapping and the reasons."]
    (folder / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(yaml)
