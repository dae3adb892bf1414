"""One result protocol (issue 25, item 3): every public function returns data or a result,
and every result has the verbs of :class:`jakstat_sbml.results.Result`.

The walk starts at the ``__all__`` of the package and of its public subpackages, follows
every exported function and class, every public method of those classes and every class
a return annotation names, and classifies each return annotation: plain data (listed
below, each with why) or a class of the package, which must then keep the protocol. A
fixed-length tuple (``lowest_dose`` once returned ``(dose, table)``) fails unless listed
with why. Then each result class is run small and its verbs checked.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import types
import typing
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import jakstat_sbml as js
from jakstat_sbml.regimens.pharmacokinetics import PKParameters
from jakstat_sbml.regimens.regimen import Regimen
from jakstat_sbml.experiments.measures import Measure
from jakstat_sbml.experiments.predictive import PredictiveIC50
from jakstat_sbml.model import Condition, Model
from jakstat_sbml.pharmacology import PharmacologyValidation
from jakstat_sbml.potency.draws import Uncertainty
from jakstat_sbml.potency.posterior import Posterior
from jakstat_sbml.results import Result, flags_text, unit_problems
from jakstat_sbml.uncertainty.predictions import IC50, Exposure, KnockoutEffect
from jakstat_sbml.units import PlasmaDose

matplotlib.use("Agg")
pytestmark = pytest.mark.filterwarnings("ignore::jakstat_sbml.errors.JakStatWarning")

# The Python API: the package and the subpackages whose __all__ users import from.
API_MODULES = ("jakstat_sbml", "jakstat_sbml.experiments", "jakstat_sbml.dosing", "jakstat_sbml.regimens",
               "jakstat_sbml.uncertainty", "jakstat_sbml.pharmacology")
# Every other first-level module with an __all__, and why its returns are not results.
OUTSIDE_THE_API = {
    "jakstat_sbml.amici_engine": "the second engine's internals, used through engine='amici'",
    "jakstat_sbml.engines": "the engine interface behind engine=; returns arrays and engines, not results",
    "jakstat_sbml.build": "builds the SBML from the tables (make build); returns text and paths",
    "jakstat_sbml.calibration": "the calibration workflow behind `jakstat calibrate` and the docs' tables",
    "jakstat_sbml.cli": "the jakstat command's Typer app",
    "jakstat_sbml.explore": "the pathway map page and picture (files)",
    "jakstat_sbml.interop": "export formats: each writes a file (js.export is walked through jakstat_sbml)",
    "jakstat_sbml.parallel": "js.run's machinery (js.run is walked through jakstat_sbml)",
    "jakstat_sbml.parameter_ranges": "the parameter-range tables (reached through jakstat_sbml.uncertainty)",
}

# Return types that are data or inputs, not results.
PLAIN: dict[object, str] = {
    pd.DataFrame: "a table", pd.Series: "a row of a table", np.ndarray: "numbers", dict: "a mapping",
    list: "a list", str: "text", float: "a number", int: "a count", bool: "a yes/no", type(None): "nothing",
    Path: "a written file", Figure: "what plot() returns",
    Model: "the model itself (what experiments run on)", Condition: "what one simulation is (an input)",
    Regimen: "a dosing regimen (an input of exposure_response)", PKParameters: "a drug's PK parameters (an input)",
    PlasmaDose: "a dose marked as total plasma (an input)", Uncertainty: "the uncertainty= settings (an option)",
    IC50: "a prediction js.sensitivity analyses (an input)", KnockoutEffect: "a prediction (an input)",
    Exposure: "a prediction (an input)",
    Posterior: "the fitted potency posterior (stored in models/potency; an input of predictions)", Measure: "what is read from a simulation: a time or an AUC (an option)",
}
# Fixed-length tuples that stay, and why.
TUPLES = {
    "PredictiveIC50.interval": "(low, high) of an interval, as DoseResponse.ic50_interval",
    "Model.phase_values": "the three phases' parameter values another engine runs (the engine interface)",
    "Condition.genotype": "a hashable key of what shapes the steady state (the steady-state cache)",
    "IC50.evaluate": "(value, status) per parameter set: the hook js.sensitivity calls",
    "KnockoutEffect.evaluate": "(value, status) per parameter set: the hook js.sensitivity calls",
    "Exposure.evaluate": "(value, status) per parameter set: the hook js.sensitivity calls",
    "Exposure.compute": "(value, status) for one parameter set, simulated directly (what js.sensitivity does per set)",
}
VERBS = {"to_frame": pd.DataFrame, "summary": dict, "plot": Figure}


def _hints(fn) -> dict:
    return typing.get_type_hints(fn, localns={"Figure": Figure})  # plot()'s Figure is imported for type checking only


def protocol_problems(cls) -> list[str]:
    """Why a class of the package is not a result (empty when it keeps the protocol)."""
    problems = []
    for verb, returns in VERBS.items():
        fn = getattr(cls, verb, None)
        if not callable(fn):
            problems.append(f"{cls.__name__} has no {verb}()")
        elif _hints(fn).get("return") is not returns:
            problems.append(f"{cls.__name__}.{verb}() is not annotated -> {returns.__name__}")
    plot = getattr(cls, "plot", None)
    if callable(plot):
        params = list(inspect.signature(plot).parameters.values())
        if len(params) < 2 or params[1].name != "ax" or params[1].default is not None:
            problems.append(f"{cls.__name__}.plot's first argument is not ax=None")
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    if "flags" not in fields and not isinstance(getattr(cls, "flags", None), property):
        problems.append(f"{cls.__name__} has no flags")
    return problems


def classify(annotation, where: str, results: set, to_walk: list) -> list[str]:
    """Problems of one return annotation; result classes go into ``results``, the package's
    classes into ``to_walk`` (their methods are walked too)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return [p for a in args for p in classify(a, where, results, to_walk)]
    if origin is tuple or annotation is tuple:
        if len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]: a sequence
            return classify(args[0], where, results, to_walk)
        if where.split(".", 1)[-1] in TUPLES or where in TUPLES:
            return [p for a in args for p in classify(a, where, results, to_walk)]
        return [f"{where} returns a tuple ({annotation}): return a result with named parts"]
    if origin is not None:  # list[...], dict[...]: containers of data
        return [p for a in args for p in classify(a, where, results, to_walk)]
    if annotation in PLAIN:
        return []
    if inspect.isclass(annotation) and annotation.__module__.startswith("jakstat_sbml"):
        to_walk.append(annotation)
        results.add(annotation)
        return [f"{where}: {p}" for p in protocol_problems(annotation)]
    return [f"{where} returns {annotation!r}: neither listed as plain data nor a class of the package"]


def walk(modules) -> tuple[set, list[str]]:
    """Every result class reachable from ``modules``' __all__, and the problems found."""
    results, problems, to_walk, seen = set(), [], [], set()

    def visit(fn, where):
        hints = _hints(fn)
        if "return" not in hints:
            problems.append(f"{where} has no return annotation")
        else:
            problems.extend(classify(hints["return"], where, results, to_walk))

    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                visit(obj, f"{module.__name__}.{name}")
            elif inspect.isclass(obj) and not issubclass(obj, BaseException):
                to_walk.append(obj)
                if obj not in PLAIN and obj.__module__.startswith("jakstat_sbml"):
                    results.add(obj)
                    problems.extend(f"{obj.__name__}: {p}" for p in protocol_problems(obj))
    while to_walk:
        cls = to_walk.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_") and member.__module__.startswith("jakstat_sbml"):
                visit(member, f"{cls.__name__}.{name}")
    return results, problems


API = [importlib.import_module(m) for m in API_MODULES]
RESULT_CLASSES, PROBLEMS = walk(API)


def test_every_first_level_module_with_an_all_is_classified():
    found = {f"jakstat_sbml.{i.name}" for i in pkgutil.iter_modules(js.__path__)
             if hasattr(importlib.import_module(f"jakstat_sbml.{i.name}"), "__all__")}
    assert found - set(API_MODULES) - set(OUTSIDE_THE_API) == set()
    assert set(OUTSIDE_THE_API) <= found  # no stale entry


def test_every_public_function_returns_data_or_a_result():
    assert PROBLEMS == []


def test_the_walk_finds_every_result_class():
    assert RESULT_CLASSES == {js.DoseResponse, js.CytokineResponse, js.KnockoutScreen, js.Combination,
                              js.ExposureResponse, js.LowestDose, js.EnsembleBand, js.Ensemble, PredictiveIC50,
                              PharmacologyValidation, js.uncertainty.SensitivityResult, js.DrugComparison,
                              js.VirtualTrial, js.PharmacokineticChecks, js.SavedResult}


def test_the_walk_fails_on_a_tuple_and_on_a_result_without_verbs():
    """The checks above could not fail if the walk never found anything."""
    class Bare:  # a new result class without the verbs
        flags: tuple = ()

    Bare.__module__ = "jakstat_sbml.somewhere"
    fake = types.ModuleType("fake")

    def pair(model): ...

    def bare(model): ...

    def unannotated(model): ...

    def sequence(): ...

    pair.__annotations__ = {"return": tuple[float | None, pd.DataFrame]}  # lowest_dose's old return
    bare.__annotations__ = {"return": Bare}
    sequence.__annotations__ = {"return": tuple[float, ...]}

    fake.__dict__.update(pair=pair, bare=bare, unannotated=unannotated, sequence=sequence, Bare=Bare,
                         __all__=["pair", "bare", "unannotated", "sequence"])
    results, problems = walk([fake])
    assert results == {Bare}
    assert any(p.startswith("fake.pair returns a tuple") for p in problems)
    assert "fake.bare: Bare has no to_frame()" in problems and "fake.bare: Bare has no plot()" in problems
    assert "fake.unannotated has no return annotation" in problems
    assert not any("sequence" in p for p in problems)


def test_the_unit_rule_finds_nested_values_and_unitless_numbers():
    assert unit_problems({"ic50_nM": 1.0, "slope": 1.2, "genes": 3, "gmfe_test": 2.0, "drug": "rux", "dose_mg": None,
                          "max_effect": 0.5, "max_effect_unit": "fraction", "peak_pSTAT3_high": 2.0,
                          "peak_pSTAT3_unit": "nM", "mean_inhibition_fraction[a | IL6/pSTAT3]": 0.4}) == []
    found = unit_problems({"ic50": 1.0, "top": {"a": 1}, "values": [1, 2], "baseline": 3.0,
                           "peak_pSTAT3_high": 1.0, "mean_inhibition[a]": 0.2, "count": np.int64(3)})
    assert [p.split(":")[0].split(" =")[0] for p in found] == [
        "ic50", "top", "values", "baseline", "peak_pSTAT3_high", "mean_inhibition[a]", "count"]


# --------------------------------------------------------------------------- each result, run small


@pytest.fixture(scope="module")
def results(ctcl, hepatocyte, tmp_path_factory) -> dict[type, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", js.JakStatWarning)
        curve = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[3, 30, 300, 3000], time=5,
                                 uncertainty="potency", draws=20)
        rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
        out = [
            curve, curve.uncertainty,
            js.cytokine_response(ctcl, "IL6", doses=[0.01, 0.1, 1, 10], time=5),
            js.knockout_screen(ctcl, ["IL6"], genes=["SOCS3", "JAK1"], window=(0, 10)),
            js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", doses_a=[10, 100], doses_b=[30, 300], time=5),
            js.exposure_response(ctcl, {"rux 20": rux}, ["IL6"]),
            js.lowest_dose(ctcl, "ruxolitinib", [5, 20], "IL6", days=1),
            js.ensemble_band(hepatocyte, "pSTAT3", cytokines={"IL6": "10 ng/mL"}, t_end=30, points=7),
            js.load_ensemble(hepatocyte),
            js.sensitivity(ctcl, ["ic50:ruxolitinib:IL6"], n=2, parameters=["kcat_IL6R", "IL6R_total"], seed=1),
            js.compare_drugs(ctcl, ["ruxolitinib", "pimozide"], ["IL2"]),
            js.virtual_trial(ctcl, {"rux 20": rux}, 2, ["IL6"], stimulation="continuous", sources=["pk"]),
            js.validate_pharmacokinetics("tofacitinib"),  # two known misses among its eight checks
        ]
    table = pd.DataFrame({"id": ["a", "b"], "drug": ["ruxolitinib", "tofacitinib"], "role": ["fit", "test"],
                          "source_id": ["s1", "s2"], "measured_nM": [10.0, 20.0], "predicted_nM": [12.0, 15.0],
                          "low_90_nM": [3.0, 5.0], "high_90_nM": [40.0, 50.0], "covered": [True, True],
                          "fold_error": [1.2, 4 / 3]})
    out.append(PharmacologyValidation(table, {"ruxolitinib": 2.0}, {"posterior_rows": 10, "dropped_rows": ""}))
    kept = tmp_path_factory.mktemp("saved") / "curve.csv"  # a result read back keeps the verbs too
    js.save(curve, kept)
    out.append(js.load(kept))
    return {type(r): r for r in out}


def test_every_result_class_is_run(results):
    assert set(results) == RESULT_CLASSES


@pytest.mark.parametrize("cls", sorted(RESULT_CLASSES, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_summary_is_flat_and_its_keys_name_their_units(results, cls):
    result = results[cls]
    summary = result.summary()
    assert summary and unit_problems(summary) == []
    assert summary["flags"] == flags_text(result.flags)
    if isinstance(getattr(result, "context", None), str):
        assert summary["context"] == result.context


@pytest.mark.parametrize("cls", sorted(RESULT_CLASSES, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_to_frame_has_the_data_and_the_flags(results, cls):
    result = results[cls]
    assert isinstance(result, Result)
    assert isinstance(result.flags, tuple) and all(isinstance(f, str) and f for f in result.flags)
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame)
    assert tuple(frame.attrs["flags"]) == result.flags


# How many Axes plot(ax=...) takes, where it is not one.
AXES: dict[type, Callable] = {js.Combination: lambda r: (1, 4), js.ExposureResponse: lambda r: (2, len(r.arms)),
                              js.DrugComparison: lambda r: (2, 1)}


@pytest.mark.parametrize("cls", sorted(RESULT_CLASSES, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_plot_returns_the_figure(results, cls):
    import matplotlib.pyplot as plt

    result = results[cls]
    fig = result.plot()
    assert isinstance(fig, Figure)
    plt.close(fig)
    mine, axes = plt.subplots(*AXES.get(cls, lambda r: (1, 1))(result))
    assert result.plot(ax=axes) is mine
    assert any(ax.has_data() for ax in mine.axes)
    plt.close(mine)


def test_flags_say_what_needs_care(results):
    lowest = results[js.LowestDose]
    assert lowest.flags[: len(lowest.exposure.flags)] == lowest.exposure.flags
    assert (lowest.dose_mg is None) == any(f.startswith("no tested dose") for f in lowest.flags)
    validation = PharmacologyValidation(results[PharmacologyValidation].table.assign(role="fit"))
    assert validation.flags == ("no test rows: gmfe_test and coverage_90_test are NaN, and every row informed the "
                                "posterior",)
    assert math.isnan(validation.summary()["gmfe_test"])


def test_dose_responses_share_the_midpoint_key(results):
    """ic50_nM and ec50_nM are the domain names; midpoint_nM is the shared one."""
    curve, titration = results[js.DoseResponse].summary(), results[js.CytokineResponse].summary()
    np.testing.assert_equal(curve["midpoint_nM"], curve["ic50_nM"])
    np.testing.assert_equal(titration["midpoint_nM"], titration["ec50_nM"])
    shared = {"midpoint_nM", "slope", "max_effect", "max_effect_unit", "unstimulated", "unstimulated_unit"}
    assert shared <= set(curve) & set(titration)
    assert curve["interval_covers"] == results[PredictiveIC50].covers  # the interval, flattened in
