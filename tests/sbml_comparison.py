"""Do two SBML files of the model simulate alike? Compared by name, not by order.

Used to show that generating the network from models/tables/ changed no biology:

    git show <before>:models/jakstat.xml > /tmp/reference.xml
    .venv/bin/python -m tests.sbml_comparison /tmp/reference.xml models/jakstat.xml [--rtol=1e-10] [-v]

For every context of contexts.tsv it simulates the unstimulated cell, every
cytokine of the catalog at its standard dose, drug doses, knockouts and the
mutations, and compares every species and every named readout by id. The
difference of a column is taken relative to that column's scale (its largest
magnitude in either model); columns that stay below ``FLOOR`` nM are compared
absolutely, so solver noise on an empty species does not count as a change.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import libsbml
import numpy as np
import pandas as pd

import jakstat_sbml as js
from jakstat_sbml import catalog

FLOOR = 1e-9  # nM; below it a column counts as empty

# (label, simulate keywords) beyond "each cytokine alone": drugs, knockouts, mutations.
EXTRA_CONDITIONS: list[tuple[str, dict]] = [
    ("unstimulated", {}),
    ("IL2 + ruxolitinib 100 nM", {"cytokines": {"IL2": "1 ng/mL"}, "drugs": {"ruxolitinib": 100}, "preincubation": 30}),
    ("IL6 + ruxolitinib 300 nM", {"cytokines": {"IL6": "40 ng/mL"}, "drugs": {"ruxolitinib": 300}, "preincubation": 30}),
    ("IL4 + tofacitinib 50 nM", {"cytokines": {"IL4": "10 ng/mL"}, "drugs": {"tofacitinib": 50}, "preincubation": 30}),
    ("IL2 + pimozide 5 uM", {"cytokines": {"IL2": "1 ng/mL"}, "drugs": {"pimozide": "5 uM"}, "preincubation": 30}),
    ("IL6, SOCS3 knockout", {"cytokines": {"IL6": "40 ng/mL"}, "knockouts": ["SOCS3"]}),
    ("IFNG, SOCS1 knockout", {"cytokines": {"IFNG": "10 ng/mL"}, "knockouts": ["SOCS1"]}),
    ("IFNA, JAK1 knockout", {"cytokines": {"IFNA": "10 ng/mL"}, "knockouts": ["JAK1"]}),
    ("IL13, TYK2 knockout", {"cytokines": {"IL13": "50 ng/mL"}, "knockouts": ["TYK2"]}),
    ("IL2, CISH and PTPN2 knockout", {"cytokines": {"IL2": "1 ng/mL"}, "knockouts": ["CISH", "PTPN2"]}),
    ("JAK3 A572V, no cytokine", {"mutations": {"JAK3_A572V": 1.0}, "t_end": 240}),
    ("IL2, STAT5B N642H", {"cytokines": {"IL2": "1 ng/mL"}, "mutations": {"STAT5B_N642H": 1.0}}),
    ("IL6, STAT3 Y640F", {"cytokines": {"IL6": "40 ng/mL"}, "mutations": {"STAT3_Y640F": 0.5}}),
]


def conditions() -> list[tuple[str, dict]]:
    out = [(f"{c} {catalog.CYTOKINES[c].standard_dose}", {"cytokines": {c: catalog.CYTOKINES[c].standard_dose}})
           for c in catalog.cytokines()]
    return out + EXTRA_CONDITIONS


@dataclass
class Difference:
    largest_relative: float  # max |a - b| / scale over columns above FLOOR
    largest_absolute_empty: float  # max |a - b| over columns below FLOOR (nM)
    where: str  # context, condition and column of largest_relative


def structure(path: Path) -> dict[str, object]:
    """Ids and stoichiometry, which must match exactly whatever the order."""
    model = libsbml.readSBMLFromFile(str(path)).getModel()
    reactions = {}
    for r in model.getListOfReactions():
        reactions[r.getId()] = (
            sorted((s.getSpecies(), s.getStoichiometry()) for s in r.getListOfReactants()),
            sorted((s.getSpecies(), s.getStoichiometry()) for s in r.getListOfProducts()),
            r.getReversible(),
        )
    return {
        "species": sorted((s.getId(), s.getCompartment(), s.getBoundaryCondition()) for s in model.getListOfSpecies()),
        "parameters": sorted(p.getId() for p in model.getListOfParameters()),
        "rules": sorted(r.getVariable() for r in model.getListOfRules()),
        "initial assignments": sorted(a.getSymbol() for a in model.getListOfInitialAssignments()),
        "reactions": reactions,
    }


def structural_differences(reference: Path, candidate: Path) -> list[str]:
    a, b = structure(reference), structure(candidate)
    out = []
    for key in a:
        if a[key] != b[key]:
            if isinstance(a[key], dict):
                changed = sorted(k for k in set(a[key]) | set(b[key]) if a[key].get(k) != b[key].get(k))
                out.append(f"{key} differ: {changed[:10]}")
            else:
                out.append(f"{key} differ: only in reference {sorted(set(a[key]) - set(b[key]))[:10]}, "
                           f"only in candidate {sorted(set(b[key]) - set(a[key]))[:10]}")
    return out


def _evaluate(node: libsbml.ASTNode, values: dict[str, float]) -> float:
    """Value of a MathML expression (the operators this model's rate laws and rules use)."""
    kind = node.getType()
    args = [_evaluate(node.getChild(i), values) for i in range(node.getNumChildren())]
    if kind == libsbml.AST_NAME:
        return values[node.getName()]
    if kind in (libsbml.AST_INTEGER, libsbml.AST_REAL, libsbml.AST_REAL_E, libsbml.AST_RATIONAL):
        return node.getValue()
    if kind == libsbml.AST_PLUS:
        return sum(args)
    if kind == libsbml.AST_TIMES:
        return float(np.prod(args))
    if kind == libsbml.AST_MINUS:
        return -args[0] if len(args) == 1 else args[0] - args[1]
    if kind == libsbml.AST_DIVIDE:
        return args[0] / args[1]
    if kind in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
        return args[0] ** args[1]
    raise NotImplementedError(f"MathML node {node.getName() or kind}")


def math_differences(reference: Path, candidate: Path, samples: int = 5) -> list[str]:
    """Rate laws and rules that differ in value at random positive values of every
    symbol (the same values for both models): a check of the equations themselves,
    free of solver noise."""
    models = [libsbml.readSBMLFromFile(str(p)).getModel() for p in (reference, candidate)]
    symbols = sorted({x.getId() for m in models for x in [*m.getListOfSpecies(), *m.getListOfParameters(),
                                                         *m.getListOfCompartments()]})
    rng = np.random.default_rng(0)
    out = []
    for _ in range(samples):
        values = dict(zip(symbols, rng.uniform(0.1, 2.0, len(symbols))))
        laws = [{r.getId(): r.getKineticLaw().getMath() for r in m.getListOfReactions()} |
                {f"rule {r.getVariable()}": r.getMath() for r in m.getListOfRules()} for m in models]
        for key in laws[0]:
            a, b = _evaluate(laws[0][key], values), _evaluate(laws[1][key], values)
            if abs(a - b) > 1e-12 * max(abs(a), abs(b), 1e-300) and key not in out:
                out.append(key)
    return out


def compare(reference: Path, candidate: Path, verbose: bool = False,
            relative_tolerance: float | None = None) -> Difference:
    worst = Difference(0.0, 0.0, "")
    readouts = catalog.readouts()
    for context in catalog.contexts():
        ref, new = js.load_model(reference, context=context), js.load_model(candidate, context=context)
        if relative_tolerance:  # tighter than the default shows what is solver noise
            for m in (ref, new):
                m.set_solver_options(relative_tolerance=relative_tolerance, absolute_tolerance=1e-16)
        for label, kwargs in conditions():
            tables = []
            for m in (ref, new):
                species = m.species(m.condition(**kwargs))
                named = m.simulate(**kwargs, readouts=readouts)
                readout_columns = named.drop(columns="time").add_prefix("readout ")
                tables.append(pd.concat([species, readout_columns], axis=1))
            a, b = tables
            assert list(a["time"]) == list(b["time"])
            for column in sorted(set(a.columns) | set(b.columns)):
                if column not in a or column not in b:
                    raise AssertionError(f"{column} is in only one model")
                x, y = a[column].to_numpy(float), b[column].to_numpy(float)
                scale = max(np.abs(x).max(), np.abs(y).max())
                diff = float(np.abs(x - y).max())
                if scale < FLOOR:
                    worst.largest_absolute_empty = max(worst.largest_absolute_empty, diff)
                elif diff / scale > worst.largest_relative:
                    worst.largest_relative = diff / scale
                    worst.where = f"{context} / {label} / {column} (scale {scale:.3g} nM)"
            if verbose:
                print(f"  {context:10s} {label:32s} largest so far {worst.largest_relative:.2e}")
    return worst


def main(argv: list[str]) -> int:
    reference, candidate = map(Path, argv[:2])
    problems = structural_differences(reference, candidate)
    if not problems:  # same ids: compare the equations one by one
        problems = [f"equation of {key} differs" for key in math_differences(reference, candidate)]
    for p in problems:
        print("structure:", p)
    print("structure and equations:", "differ" if problems else "identical by id (order aside)")
    rtol = next((float(a.split("=", 1)[1]) for a in argv if a.startswith("--rtol=")), None)
    worst = compare(reference, candidate, verbose="-v" in argv, relative_tolerance=rtol)
    print(f"largest relative difference {worst.largest_relative:.3e} at {worst.where}")
    print(f"largest absolute difference of empty columns {worst.largest_absolute_empty:.3e} nM")
    # CVODE's global error runs above its local relative tolerance; the same equations
    # in another order differ by solver noise, which shrinks with the tolerance.
    limit = 100 * (rtol or js.load_model().solver_options["relative_tolerance"])
    print(f"pass: identical equations and largest relative difference < {limit:.0e}")
    return 0 if not problems and worst.largest_relative < limit and worst.largest_absolute_empty < FLOOR else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
