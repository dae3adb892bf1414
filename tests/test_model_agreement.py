"""The model simulates as it did before its regular parts became tables.

tests/data/model_agreement/ holds values stored from the hand-written model (main
at b927603, before models/tables/ generated the STAT layer, the drugs, the ligands,
the feedback and the readouts): every named readout at fixed times under a fixed
set of conditions in every context, and the ids of its species, parameters and
reactions. The conditions are written out here, not read from the catalog, so a
change to the catalog cannot move them.

Regenerate the stored values only when the biology is meant to change:

    .venv/bin/python -m tests.test_model_agreement   # writes tests/data/model_agreement/
"""

from __future__ import annotations

import sys
from pathlib import Path

import libsbml
import numpy as np
import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog

DATA = Path(__file__).resolve().parent / "data" / "model_agreement"
READOUTS_FILE = DATA / "readouts.csv.gz"
IDS_FILE = DATA / "ids.tsv"
TIMES = (0.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
CONTEXTS = ("ctcl", "hepatocyte", "lymphoma", "monocyte", "erythroid", "baf3_epor")
# The solver's relative tolerance is 1e-7 (Model.solver_options); CVODE's global error
# runs above its local tolerance, and the same equations in another order of species
# and reactions differ by that noise. A difference counts when it exceeds this share of
# the readout's largest value in the condition, or FLOOR nM for a readout that stays empty.
RELATIVE = 1e-5
FLOOR = 1e-9

_STANDARD = {"IL2": "1 ng/mL", "IL4": "10 ng/mL", "IL6": "40 ng/mL", "IL12": "10 ng/mL", "IL13": "50 ng/mL",
             "IFNA": "10 ng/mL", "IFNG": "10 ng/mL", "IL15": "10 ng/mL", "IL21": "50 ng/mL", "GMCSF": "10 ng/mL",
             "EPO": "40 ng/mL"}

# The drugs' cellular factors are refitted whenever the potency dataset grows (`make
# pharmacology`, issues 22-23): that moves the drug conditions on purpose, not the structure
# this test checks. They are held at the posterior medians the reference was stored with.
REFERENCE_POTENCY = {"cellular_factor_ruxolitinib": 0.05474, "cellular_factor_tofacitinib": 1.564}

CONDITIONS: list[tuple[str, dict]] = [
    ("unstimulated", {}),
    *[(f"{c} {dose}", {"cytokines": {c: dose}}) for c, dose in _STANDARD.items()],
    ("IL2 + ruxolitinib 100 nM", {"cytokines": {"IL2": "1 ng/mL"}, "drugs": {"ruxolitinib": 100}}),
    ("IL6 + ruxolitinib 300 nM", {"cytokines": {"IL6": "40 ng/mL"}, "drugs": {"ruxolitinib": 300}}),
    ("IFNG + ruxolitinib 30 nM", {"cytokines": {"IFNG": "10 ng/mL"}, "drugs": {"ruxolitinib": 30}}),
    ("IL4 + tofacitinib 50 nM", {"cytokines": {"IL4": "10 ng/mL"}, "drugs": {"tofacitinib": 50}}),
    ("GMCSF + tofacitinib 1 uM", {"cytokines": {"GMCSF": "10 ng/mL"}, "drugs": {"tofacitinib": "1 uM"}}),
    ("IL2 + ruxolitinib 30 nM + tofacitinib 30 nM", {"cytokines": {"IL2": "1 ng/mL"},
                                                     "drugs": {"ruxolitinib": 30, "tofacitinib": 30}}),
    ("IL2 + pimozide 5 uM", {"cytokines": {"IL2": "1 ng/mL"}, "drugs": {"pimozide": "5 uM"}}),
    ("IL6 + pimozide 20 uM, 60 min before", {"cytokines": {"IL6": "40 ng/mL"}, "drugs": {"pimozide": "20 uM"},
                                              "preincubation": 60}),
    ("IL6, SOCS3 knockout", {"cytokines": {"IL6": "40 ng/mL"}, "knockouts": ["SOCS3"]}),
    ("IFNG, SOCS1 knockout", {"cytokines": {"IFNG": "10 ng/mL"}, "knockouts": ["SOCS1"]}),
    ("IFNA, JAK1 knockout", {"cytokines": {"IFNA": "10 ng/mL"}, "knockouts": ["JAK1"]}),
    ("IFNA, STAT2 knockout", {"cytokines": {"IFNA": "10 ng/mL"}, "knockouts": ["STAT2"]}),
    ("IL6, STAT1 knockout", {"cytokines": {"IL6": "40 ng/mL"}, "knockouts": ["STAT1"]}),
    ("IL13, TYK2 knockout", {"cytokines": {"IL13": "50 ng/mL"}, "knockouts": ["TYK2"]}),
    ("IL2, CISH and PTPN2 knockout", {"cytokines": {"IL2": "1 ng/mL"}, "knockouts": ["CISH", "PTPN2"]}),
    ("IL2, STAT5A knockout", {"cytokines": {"IL2": "1 ng/mL"}, "knockouts": ["STAT5A"]}),
    ("IL6, PIAS3 5-fold", {"cytokines": {"IL6": "40 ng/mL"}, "overexpress": {"PIAS3": 5.0}}),
    ("IFNG, PTPN1 knockout", {"cytokines": {"IFNG": "10 ng/mL"}, "knockouts": ["PTPN1"]}),
    ("JAK3 A572V, no cytokine", {"mutations": {"JAK3_A572V": 1.0}}),
    ("IL2, STAT5B N642H", {"cytokines": {"IL2": "1 ng/mL"}, "mutations": {"STAT5B_N642H": 1.0}}),
    ("IL6, STAT3 Y640F 0.5", {"cytokines": {"IL6": "40 ng/mL"}, "mutations": {"STAT3_Y640F": 0.5}}),
    ("IL6 autocrine, IL6 knockout", {"parameters": {"IL6_autocrine": 0.5}, "knockouts": ["IL6"]}),
    ("IL6 autocrine 0.5 nM", {"parameters": {"IL6_autocrine": 0.5}}),
]


def simulate(sbml: Path | None = None) -> pd.DataFrame:
    """Every named readout at :data:`TIMES`: one row per context, condition and time."""
    rows = []
    for context in CONTEXTS:
        model = js.load_model(sbml, context=context) if sbml else js.load_model(context=context)
        for label, kwargs in CONDITIONS:
            if "drugs" in kwargs:
                kwargs = {**kwargs, "parameters": {**kwargs.get("parameters", {}), **REFERENCE_POTENCY}}
            df = model.simulate(**kwargs, t_end=TIMES[-1], points=int(TIMES[-1]) + 1, readouts=catalog.readouts())
            df = df[np.isin(df["time"].to_numpy(), TIMES)]
            assert len(df) == len(TIMES), (context, label)
            df.insert(0, "condition", label)
            df.insert(0, "context", context)
            rows.append(df)
    return pd.concat(rows, ignore_index=True)


def ids(sbml: Path) -> pd.DataFrame:
    """Ids of the species, parameters (tabulated or set by a rule) and reactions."""
    model = libsbml.readSBMLFromFile(str(sbml)).getModel()
    out = [("species", s.getId()) for s in model.getListOfSpecies()]
    out += [("parameter", p.getId()) for p in model.getListOfParameters()]
    out += [("reaction", r.getId()) for r in model.getListOfReactions()]
    return pd.DataFrame(sorted(out), columns=["kind", "id"])


def write_reference() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    simulate().to_csv(READOUTS_FILE, index=False, float_format="%.10g")
    ids(catalog.bundled_sbml_path()).to_csv(IDS_FILE, sep="\t", index=False)


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(READOUTS_FILE)


@pytest.fixture(scope="module")
def current() -> pd.DataFrame:
    return simulate()


def largest_differences(reference: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per context, condition and readout: the largest |current - reference| over the
    times, relative to the readout's largest value there (absolute for empty readouts)."""
    keys = ["context", "condition", "time"]
    a = reference.set_index(keys).sort_index()
    b = current.set_index(keys).sort_index()
    assert list(a.index) == list(b.index), "the conditions or times differ from the stored ones"
    assert set(a.columns) <= set(b.columns), f"readouts gone: {sorted(set(a.columns) - set(b.columns))}"
    b = b[a.columns]
    diff = (a - b).abs().groupby(level=[0, 1]).max()
    scale = np.maximum(a.abs().groupby(level=[0, 1]).max(), b.abs().groupby(level=[0, 1]).max())
    out = diff.stack().rename("absolute").to_frame()
    out["scale"] = scale.stack()
    out["relative"] = np.where(out["scale"] >= FLOOR, out["absolute"] / out["scale"].where(out["scale"] > 0, 1), 0.0)
    out["empty"] = out["scale"] < FLOOR
    return out


def test_every_readout_agrees_with_the_stored_model_within_solver_tolerance(reference, current):
    d = largest_differences(reference, current)
    assert len(d) == len(CONTEXTS) * len(CONDITIONS) * len(reference.columns.drop(["context", "condition", "time"]))
    worst = d["relative"].idxmax()
    print(f"largest relative difference {d['relative'].max():.2e} at {worst}; "
          f"largest absolute difference of empty readouts {d.loc[d['empty'], 'absolute'].max():.2e} nM")
    assert d["relative"].max() < RELATIVE, f"{worst}: {d.loc[worst].to_dict()}"
    assert d.loc[d["empty"], "absolute"].max() < FLOOR


def test_the_stored_conditions_do_something(reference):
    """The comparison is not vacuous: drugs, knockouts and mutations moved the readouts
    they act on when the values were stored."""
    ctcl = reference[reference["context"] == "ctcl"].set_index(["condition", "time"])
    at = lambda condition, readout, t=20.0: ctcl.loc[(condition, t), readout]  # noqa: E731
    assert at("IL2 1 ng/mL", "pSTAT5") > 2 * at("IL2 + ruxolitinib 100 nM", "pSTAT5")
    assert at("IL2 1 ng/mL", "pSTAT5") > 1.2 * at("IL2 + pimozide 5 uM", "pSTAT5")
    assert at("IL6, SOCS3 knockout", "pSTAT3", 120.0) > 1.5 * at("IL6 40 ng/mL", "pSTAT3", 120.0)
    assert at("IFNA, STAT2 knockout", "nuc_ISGF3") == 0 < at("IFNA 10 ng/mL", "nuc_ISGF3")
    assert at("JAK3 A572V, no cytokine", "pSTAT5", 120.0) > 10 * at("unstimulated", "pSTAT5", 120.0)
    assert at("IL6, PIAS3 5-fold", "tx_STAT3") < at("IL6 40 ng/mL", "tx_STAT3")
    assert at("IL6 autocrine 0.5 nM", "pSTAT3") > at("IL6 autocrine, IL6 knockout", "pSTAT3")


def test_every_species_parameter_and_reaction_id_is_kept():
    stored = pd.read_csv(IDS_FILE, sep="\t")
    now = ids(catalog.bundled_sbml_path())
    for kind in ("species", "parameter", "reaction"):
        before = set(stored.loc[stored["kind"] == kind, "id"])
        after = set(now.loc[now["kind"] == kind, "id"])
        assert before <= after, f"{kind} ids gone: {sorted(before - after)}"
        assert after <= before, f"{kind} ids new: {sorted(after - before)}"


if __name__ == "__main__":
    write_reference()
    print(f"wrote {READOUTS_FILE} and {IDS_FILE}", file=sys.stderr)
