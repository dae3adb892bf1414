"""One consistent API (issue 14, item 3).

The rules, checked across every experiment found in the package rather than one by
one, so that a new experiment that breaks one fails here:

1. Drugs are added ``preincubation`` min before the cytokine, default
   :data:`~jakstat_sbml.model.DEFAULT_PREINCUBATION` (30), wherever a drug can be given.
2. A drug dose can be a total plasma concentration wherever a drug dose is accepted:
   ``js.plasma(dose)`` for one dose, ``plasma=True`` (default False) for all of a call.
3. Every result has ``to_frame()`` (a DataFrame, flags in attrs), ``summary()`` (a
   flat dict whose keys name their units), ``plot(ax=None)``, which returns the
   matplotlib Figure, and ``flags``: tests/test_results_protocol.py walks every public
   function and checks every result class it finds; here only what is particular to
   one experiment.
4. One name, one meaning: a public function name defined in two modules has one
   signature (``as_condition`` had two).
5. Dose-responses share ``midpoint``, ``midpoint_fit_precision``, ``slope``, ``max_effect`` and
   ``max_effect_unit`` (in summaries ``midpoint_nM`` beside ``ic50_nM`` / ``ec50_nM``);
   ``ic50``/``ec50`` are the domain names of the midpoint; the old
   name ``emax`` is gone from every result, docs and notebooks.
6. Background keywords are the same set, with the same meaning, in every experiment.
7. Keywords shared by several experiments have the same default.
8. CLI help that lists cytokines, drugs, mutations, contexts or readouts is generated
   from the catalog, so it lists all of them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import typing
import warnings

import numpy as np
import pandas as pd
import pytest
import typer

import jakstat_sbml as js
from jakstat_sbml import catalog, cli, experiments
from jakstat_sbml.model import CONDITION_KEYWORDS, DEFAULT_PREINCUBATION, Condition, Model
from jakstat_sbml.pharmacology import PharmacologyValidation

from .conftest import REPO

# The small runs below raise flags (too few doses for a CI, ...): results, not the subject here.
pytestmark = pytest.mark.filterwarnings("ignore::jakstat_sbml.errors.JakStatWarning")


def _experiments() -> dict[str, typing.Callable]:
    """Every public function of the package that runs an experiment on a model and
    returns one of the experiments package's result objects (found by signature, so new ones
    are included)."""
    found = {}
    for name in js.__all__:
        fn = getattr(js, name)
        if not inspect.isfunction(fn):
            continue
        params = list(inspect.signature(fn).parameters)
        ret = typing.get_type_hints(fn).get("return")
        if params[:1] == ["model"] and inspect.isclass(ret) and ret.__module__.startswith(experiments.__name__ + "."):
            found[name] = fn
    return found


EXPERIMENTS = _experiments()
# Everything that takes a drug dose: the experiments, a simulation, a condition.
DRUG_TAKERS = {**EXPERIMENTS, "Model.simulate": Model.simulate, "Condition.make": Condition.make}
# Experiments whose own arguments are what a background keyword would set, each taken
# one at a time: knockout_screen screens cytokines, compare_drugs compares drugs on
# cytokines (its doses are each drug's default series, reported free and as total plasma,
# so it takes no drug dose and no plasma=).
SHADOWS = {"knockout_screen": {"cytokines"}, "compare_drugs": {"cytokines", "drugs"}}
DOSE_TAKERS = {name: fn for name, fn in DRUG_TAKERS.items() if "drugs" not in SHADOWS.get(name, set())}


def test_the_experiments_are_found():
    assert set(EXPERIMENTS) >= {"dose_response", "cytokine_response", "knockout_screen", "combination"}


# --------------------------------------------------------------------------- 1, 2, 7: keywords


@pytest.mark.parametrize("name", sorted(DRUG_TAKERS))
def test_drugs_are_preincubated_30_min_by_default_wherever_a_drug_can_be_given(name):
    params = inspect.signature(DRUG_TAKERS[name]).parameters
    assert DEFAULT_PREINCUBATION == 30.0
    assert params["preincubation"].default == DEFAULT_PREINCUBATION


@pytest.mark.parametrize("name", sorted(DOSE_TAKERS))
def test_plasma_keyword_wherever_a_drug_dose_is_accepted(name):
    assert inspect.signature(DOSE_TAKERS[name]).parameters["plasma"].default is False


def test_shared_keywords_have_one_default():
    # window: knockout_screen measures only an AUC, so it has a window by default
    # where the others read a time point (documented in its docstring)
    allowed = {("window", "knockout_screen")}
    defaults: dict[str, dict] = {}
    for name, fn in DRUG_TAKERS.items():
        for p in inspect.signature(fn).parameters.values():
            if p.kind is p.KEYWORD_ONLY or p.kind is p.POSITIONAL_OR_KEYWORD:
                if p.default is not p.empty and (p.name, name) not in allowed:
                    defaults.setdefault(p.name, {})[name] = p.default
    differing = {k: v for k, v in defaults.items() if len({repr(x) for x in v.values()}) > 1}
    assert not differing


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_parallel_keywords_are_the_same_everywhere(name):
    params = inspect.signature(EXPERIMENTS[name]).parameters
    assert {k: params[k].default for k in ("n_jobs", "client", "progress", "engine")} == {
        "n_jobs": 1, "client": None, "progress": False, "engine": "roadrunner"}
    assert all(params[k].kind is inspect.Parameter.KEYWORD_ONLY
               for k in ("preincubation", "n_jobs", "client", "progress", "engine"))
    assert name not in DOSE_TAKERS or params["plasma"].kind is inspect.Parameter.KEYWORD_ONLY


def test_cli_drug_commands_share_the_preincubation_default():
    group = typer.main.get_command(cli.app)
    for command in ("simulate", "export", "dose-response", "combine"):
        options = {p.name: p for p in group.commands[command].params}
        assert options["preincubation"].default == DEFAULT_PREINCUBATION, command
        assert options["plasma"].default is False, command


def test_simulate_default_preincubation_gives_the_drug_30_min_ahead(ctcl):
    kw = dict(cytokines={"IL2": "1 ng/mL"}, drugs={"tofacitinib": 100}, t_end=5, points=2, readouts=["pSTAT5"])
    np.testing.assert_array_equal(ctcl.simulate(**kw)["pSTAT5"], ctcl.simulate(preincubation=30, **kw)["pSTAT5"])
    assert ctcl.simulate(**kw)["pSTAT5"].iloc[-1] != ctcl.simulate(preincubation=0, **kw)["pSTAT5"].iloc[-1]


def test_a_condition_without_drugs_has_no_preincubation():
    assert Condition.make(cytokines={"IL6": 1}).preincubation == 0
    assert Condition.make(cytokines={"IL6": 1}, preincubation=60) == Condition.make(cytokines={"IL6": 1})
    assert Condition.make(drugs={"ruxolitinib": 1}).preincubation == DEFAULT_PREINCUBATION
    assert Condition(drugs=(("ruxolitinib", 1.0),)).preincubation == DEFAULT_PREINCUBATION
    with pytest.raises(js.InputError, match="preincubation"):
        Condition.make(cytokines={"IL6": 1}, preincubation=-1)  # still validated without drugs


# --------------------------------------------------------------------------- 2: plasma doses, behaviour


def test_simulate_accepts_plasma_true_and_plasma_doses_alike(ctcl):
    fu = catalog.drug("ruxolitinib").fraction_unbound
    kw = dict(cytokines={"IL6": "40 ng/mL"}, t_end=10, points=3, readouts=["pSTAT3"])
    marked = ctcl.simulate(drugs={"ruxolitinib": js.plasma("1 uM")}, **kw)
    flagged = ctcl.simulate(drugs={"ruxolitinib": "1 uM"}, plasma=True, **kw)
    both = ctcl.simulate(drugs={"ruxolitinib": js.plasma("1 uM")}, plasma=True, **kw)  # not converted twice
    free = ctcl.simulate(drugs={"ruxolitinib": 1000 * fu}, **kw)
    for df in (marked, flagged, both):
        assert df.attrs["condition"]["drugs"]["ruxolitinib"] == pytest.approx(1000 * fu)
        np.testing.assert_allclose(df["pSTAT3"], free["pSTAT3"], rtol=1e-12)
    # a mapping for run/js.run/export takes the same keyword
    mapping = {"cytokines": kw["cytokines"], "drugs": {"ruxolitinib": "1 uM"}, "plasma": True, "t_end": 10, "points": 3}
    np.testing.assert_allclose(ctcl.run(mapping, readouts=["pSTAT3"])["pSTAT3"], free["pSTAT3"], rtol=1e-12)


def test_plasma_without_a_drug_to_mark_is_refused(ctcl):
    # plasma=True with no drug dose once marked nothing without a word (the CLI's --plasma
    # without -d is refused the same way); experiments that vary a drug of their own keep it
    with pytest.raises(js.InputError, match="no drug is given"):
        ctcl.simulate(cytokines={"IL6": 1}, plasma=True, t_end=1)
    with pytest.raises(js.InputError, match="no drug is given"):
        js.cytokine_response(ctcl, "IL2", doses=[0.01, 0.1, 1], plasma=True)
    with pytest.raises(js.InputError, match="no drug is given"):
        js.knockout_screen(ctcl, "IL6", "pSTAT3", genes=["SOCS3"], plasma=True)
    with pytest.raises(js.InputError, match="no drug is given"):
        js.exposure_response(ctcl, js.regimen("ruxolitinib", "20 mg", every="12 h", days=1), ["IL6"],
                             stimulation="ex vivo", plasma=True)
    curve = js.dose_response(ctcl, "ruxolitinib", "IL6", "pSTAT3", doses=[10, 100, 1000], plasma=True)
    fu = catalog.drug("ruxolitinib").fraction_unbound  # its own doses are what plasma=True marks
    np.testing.assert_allclose(curve.doses, np.array([10, 100, 1000]) * fu)


def test_plasma_must_be_a_boolean(ctcl):
    with pytest.raises(js.InputError, match="plasma must be True or False"):
        ctcl.simulate(drugs={"ruxolitinib": 1}, plasma="yes", t_end=1)
    with pytest.raises(js.InputError, match="plasma must be True or False"):
        js.cytokine_response(ctcl, "IL2", doses=[0.01, 0.1, 1], plasma=1)


def test_a_cytokine_dose_cannot_be_a_plasma_dose(ctcl):
    with pytest.raises(js.InputError, match="only a drug dose can be"):
        ctcl.simulate(cytokines={"IL6": js.plasma(1)}, t_end=1)


def test_dose_lists_accept_plasma_doses(ctcl):
    fu = catalog.drug("tofacitinib").fraction_unbound
    total = [30, 300, 3000]
    kw = dict(time=5)
    marked = js.dose_response(ctcl, "tofacitinib", "IL2", doses=[js.plasma(x) for x in total], **kw)
    flagged = js.dose_response(ctcl, "tofacitinib", "IL2", doses=total, plasma=True, **kw)
    free = js.dose_response(ctcl, "tofacitinib", "IL2", doses=[x * fu for x in total], **kw)
    for curve in (marked, flagged):
        np.testing.assert_allclose(curve.doses, free.doses)
        np.testing.assert_allclose(curve.responses, free.responses, rtol=1e-12)
    grid = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL2", doses_a=[10], doses_b=[js.plasma(300)], time=5)
    assert grid.doses_b.tolist() == pytest.approx([0, 300 * fu])


@pytest.mark.parametrize("name", sorted(set(EXPERIMENTS) & set(DOSE_TAKERS)))
def test_background_drugs_may_be_plasma_doses_in_every_experiment(ctcl, name, small_runs):
    fu = catalog.drug("pimozide").fraction_unbound

    def numbers(result):
        return result.to_frame().select_dtypes("number").to_numpy()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", js.JakStatWarning)
        marked = small_runs[name](ctcl, drugs={"pimozide": js.plasma(1000)})
        free = small_runs[name](ctcl, drugs={"pimozide": 1000 * fu})
        # plasma=True marks every drug dose of the call, the background's included
        # (and, in dose_response/combination, the titrated doses too: same on both sides)
        flagged = small_runs[name](ctcl, drugs={"pimozide": 1000}, plasma=True)
        flagged_marked = small_runs[name](ctcl, drugs={"pimozide": js.plasma(1000)}, plasma=True)
    np.testing.assert_allclose(numbers(marked), numbers(free), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(numbers(flagged), numbers(flagged_marked), rtol=1e-12, equal_nan=True)
    assert not np.allclose(numbers(marked), numbers(small_runs[name](ctcl, drugs={"pimozide": 1000})),
                           equal_nan=True)  # the premise: the conversion changes the result


# --------------------------------------------------------------------------- 3: result verbs


@pytest.fixture(scope="module")
def small_runs():
    """A quick run of each experiment, keyed by function name (background keywords pass through)."""
    runs = {
        "dose_response": lambda m, **kw: js.dose_response(m, "ruxolitinib", "IL6", doses=[3, 30, 300], time=5, **kw),
        "cytokine_response": lambda m, **kw: js.cytokine_response(m, "IL6", doses=[0.01, 0.1, 1, 10], time=5, **kw),
        "knockout_screen": lambda m, **kw: js.knockout_screen(m, ["IL6"], genes=["SOCS3", "JAK1"], window=(0, 10),
                                                              **kw),
        "combination": lambda m, **kw: js.combination(m, "ruxolitinib", "tofacitinib", "IL6", doses_a=[10, 100],
                                                      doses_b=[30, 300], time=5, **kw),
        "compare_drugs": lambda m, **kw: js.compare_drugs(m, ["ruxolitinib"], ["IL2"], regimens=False, **kw),
    }
    missing = set(EXPERIMENTS) - set(runs)
    assert not missing, f"add a quick run of {missing} here, so the API rules are checked on it"
    return runs


@pytest.fixture(scope="module")
def results(ctcl, small_runs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", js.JakStatWarning)
        out = {name: run(ctcl, knockouts=["SOCS1"]) for name, run in small_runs.items()}
    table = pd.DataFrame({"id": ["a", "b"], "drug": ["ruxolitinib", "tofacitinib"], "role": ["fit", "test"],
                          "source_id": ["s1", "s2"], "measured_nM": [10.0, 20.0], "predicted_nM": [12.0, 15.0],
                          "low_90_nM": [3.0, 5.0], "high_90_nM": [40.0, 50.0], "covered": [True, True],
                          "fold_error": [1.2, 4 / 3]})
    out["validate_pharmacology"] = PharmacologyValidation(table)
    return out


def test_combination_plot_axes_keyword_is_deprecated(results):
    import matplotlib.pyplot as plt

    mine, axes = plt.subplots(1, 4)
    with pytest.warns(DeprecationWarning, match="use ax="):
        assert results["combination"].plot(axes=axes) is mine
    with pytest.raises(js.InputError, match="four Axes"):
        results["combination"].plot(ax=axes[:2])
    plt.close("all")


def test_knockout_screen_frame_is_its_effects(results):
    screen = results["knockout_screen"]
    pd.testing.assert_frame_equal(screen.to_frame(), screen.effects)
    s = screen.summary()
    assert (s["genes"], s["cytokines"]) == (2, 1) and s["strongest_gene"] in ("SOCS3", "JAK1")
    assert s["strongest_log2_fold_change"] == pytest.approx(screen.effects["log2_fold_change"].abs().max()
                                                            * np.sign(s["strongest_log2_fold_change"]))


def test_combination_summary_holds_the_scores(results):
    comb = results["combination"]
    s = comb.summary()
    assert {k: s[k] for k in ("bliss", "loewe", "hsa")} == pytest.approx(comb.scores(), nan_ok=True)
    assert s["max_effect"] == pytest.approx(np.nanmax(comb.effect))


# --------------------------------------------------------------------------- 4: one name, one meaning


def test_a_function_name_has_one_signature_across_the_package():
    seen: dict[str, set] = {}
    for info in pkgutil.iter_modules(js.__path__):
        if info.name == "cli":  # typer commands are named after what they do, not after the API
            continue
        module = importlib.import_module(f"jakstat_sbml.{info.name}")
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__.startswith("jakstat_sbml"):
                # parameters decide the meaning (a missing return annotation does not)
                sig = inspect.signature(obj).replace(return_annotation=inspect.Signature.empty)
                seen.setdefault(name, set()).add(str(sig))
    assert not {k: v for k, v in seen.items() if len(v) > 1}


def test_as_condition_is_one_function():
    """Every module that has an ``as_condition`` has the same one (there were two, with
    different signatures)."""
    import pkgutil

    model = importlib.import_module("jakstat_sbml.model")
    found = {info.name: getattr(importlib.import_module(info.name), "as_condition")
             for info in pkgutil.walk_packages(js.__path__, "jakstat_sbml.")
             if hasattr(importlib.import_module(info.name), "as_condition")}
    assert "jakstat_sbml.interop" in found  # export builds its condition with it
    assert all(f is model.as_condition for f in found.values()), found
    cond = model.as_condition(None, {"cytokines": {"IL6": 1}})
    assert model.as_condition(cond) is cond and model.as_condition({"cytokines": {"IL6": 1}}) == cond
    assert model.as_condition() == Condition()
    with pytest.raises(js.InputError, match="not both"):
        model.as_condition(cond, {"knockouts": ["SOCS3"]})


# --------------------------------------------------------------------------- 5: vocabulary


def test_dose_responses_share_their_vocabulary(results):
    curve, titration = results["dose_response"], results["cytokine_response"]
    for r in (curve, titration):
        for name in ("midpoint", "midpoint_fit_precision", "slope", "max_effect", "max_effect_unit"):
            assert hasattr(r, name), (type(r).__name__, name)
        assert r.summary()["max_effect"] == pytest.approx(r.max_effect, nan_ok=True)
        assert r.summary()["max_effect_unit"] == r.max_effect_unit
        np.testing.assert_equal(r.summary()["midpoint_nM"], r.midpoint)
    assert curve.midpoint == pytest.approx(curve.ic50, nan_ok=True)
    np.testing.assert_equal(curve.midpoint_fit_precision, curve.ic50_fit_precision)  # NaN ends compare equal here
    assert titration.midpoint == pytest.approx(titration.ec50, nan_ok=True)
    np.testing.assert_equal(titration.midpoint_fit_precision, titration.ec50_fit_precision)
    assert curve.max_effect_unit == "fraction" and titration.max_effect_unit == "nM"


def test_the_old_name_emax_is_gone(results):
    for name, result in results.items():
        assert not hasattr(result, "emax"), f"{name} still answers to emax"


def test_docs_and_notebooks_use_the_current_names():
    texts = {p.name: p.read_text(encoding="utf-8") for p in [REPO / "README.md", *(REPO / "docs").glob("*.md")]}
    for path in (REPO / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[path.name] = "\n".join("".join(c["source"]) for c in cells)
    for name, text in texts.items():
        assert not re.search(r"\.emax\b", text), f"{name} uses the deprecated .emax"
        assert ".plot().figure" not in text, f"{name}: plot() returns the Figure already"


# --------------------------------------------------------------------------- 6: background keywords


def test_background_keywords_are_the_condition_keywords_without_timing():
    # a regimen sets the timeline (doses from time 0, a run as long as the regimen), so,
    # like the timing, it belongs to a condition and is not an experiment's background
    timing = {"preincubation", "t_end", "points", "plasma", "regimen"}
    assert set(experiments.BACKGROUND_KEYS) == set(CONDITION_KEYWORDS) - timing


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_background_keywords_mean_the_same_in_every_experiment(name, results, ctcl, small_runs):
    params = inspect.signature(EXPERIMENTS[name]).parameters
    assert inspect.Parameter.VAR_KEYWORD in {p.kind for p in params.values()}
    # only the experiments of SHADOWS take a background keyword as their own argument
    shadowed = set(params) & set(experiments.BACKGROUND_KEYS)
    assert shadowed == SHADOWS.get(name, set())
    assert results[name].background["knockouts"] == ["SOCS1"]
    # and the summary says it: a dose-response's summary in SOCS1-null (or STAT5B N642H) cells read
    # exactly as the wild type's (exposure_response and compare_drugs already had the key)
    assert json.loads(results[name].summary()["background"])["knockouts"] == ["SOCS1"]
    with pytest.raises(js.UnknownNameError, match="did you mean 'knockouts'"):
        small_runs[name](ctcl, knockout=["SOCS1"])


def test_a_background_that_collides_with_what_an_experiment_varies_is_refused(ctcl):
    """A background dose of the stimulating cytokine was replaced by the stimulus' own dose
    without a word (the summary kept the user's 100 ng/mL), and a background knockout of a
    screened gene gave a log2 fold change of 0; a background dose of the titrated drug was
    already refused. All three are the same mistake and get the same answer now."""
    with pytest.raises(js.InputError, match="IL6 is the stimulating cytokine: give its dose with cytokine_dose="):
        js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], cytokines={"IL6": "100 ng/mL"})
    with pytest.raises(js.InputError, match="IL6 is the stimulating cytokine"):
        js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", doses_a=[1, 10], doses_b=[1, 10],
                       cytokines={"IL6": 5})
    with pytest.raises(js.InputError, match="ruxolitinib is the drug being varied"):
        js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], drugs={"ruxolitinib": 100})
    with pytest.raises(js.InputError, match="SOCS3 is knocked out in the background and screened"):
        js.knockout_screen(ctcl, ["IL6"], genes=["SOCS3", "SOCS1"], knockouts=["SOCS3"])
    # another cytokine in the background stays allowed, and a whole-genome screen leaves out what is gone
    js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100], cytokines={"IL2": 1})
    screen = js.knockout_screen(ctcl, ["IL6"], knockouts=["SOCS1"])
    assert set(screen.to_frame().gene) == set(catalog.GENES) - {"SOCS1"}


# --------------------------------------------------------------------------- 8: CLI help from the catalog


def _helps() -> dict[str, str]:
    group = typer.main.get_command(cli.app)
    helps = {"jakstat": group.help or ""}
    for cname, command in group.commands.items():
        commands = command.commands.items() if hasattr(command, "commands") else [(cname, command)]
        for name, cmd in commands:
            for p in cmd.params:
                helps[f"{name} {p.name}"] = getattr(p, "help", None) or ""
    return helps


LISTS = {"cytokine": catalog.cytokines(), "drug": catalog.drugs(), "mutation": catalog.mutations(),
         "context": catalog.contexts()}


def _named(text: str, names) -> set[str]:
    return {n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", text)}


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_cli_help_that_lists_names_lists_all_of_them(kind):
    names = LISTS[kind]
    helps = _helps()
    # export --dataset pairs each PEtab data set with its context (generated from
    # calibration.DATASETS): a mapping, not a list of the contexts
    from jakstat_sbml.calibration import DATASETS

    for d in DATASETS.values():
        assert f"{d.name} (" in helps["export dataset"]
        assert f"--context {d.context}" in helps["export dataset"]
    helps.pop("export dataset")
    # --formulation names the extended-release regimens tabulated (generated from
    # data/pharmacokinetics/approved_regimens.tsv): the drugs that have one, not a list of drugs
    from jakstat_sbml.regimens.pharmacokinetics import approved_table

    xr = approved_table()[lambda t: t.formulation == "XR"]
    for where in ("regimen formulation", "lowest-dose formulation", "trial formulation"):
        assert all(f"{r.drug} {r.dose_mg:g} mg" in helps[where] for r in xr.itertuples())
        helps.pop(where)
    partial = {where: sorted(_named(text, names)) for where, text in helps.items()
               if 1 < len(_named(text, names)) < len(names)}
    assert not partial, f"help naming some but not all {kind}s: {partial}"


def test_cli_help_names_every_catalog_name():
    helps = _helps()
    for kind, names in LISTS.items():
        assert _named(helps["jakstat"], names) == set(names), kind
    assert _named(helps["simulate readout"], catalog.readouts()) == set(catalog.readouts())
    main = {c.main_readout for c in catalog.CYTOKINES.values()}
    for where in ("dose-response readout", "combine readout", "screen readout"):
        assert _named(helps[where], catalog.readouts()) == main, where
    fractions = helps["simulate plasma"]
    for d in catalog.DRUGS.values():
        assert f"{d.name} {d.fraction_unbound:.2g}" in fractions  # as converted, to two significant digits


def _cli_string_literals():
    """Every string literal in the modules of the cli package."""
    import ast

    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"{cli.__name__}.{info.name}")
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node


def test_cli_source_types_no_catalog_list():
    """A list typed into the cli package would go stale when the catalog grows: no string
    literal there names two or more cytokines, drugs, mutations or contexts."""
    for node in _cli_string_literals():
        if "jakstat " not in node.value:
            for kind, names in LISTS.items():
                assert len(_named(node.value, names)) < 2, (kind, node.value)


def test_cli_names_the_published_datasets_from_the_calibration_package():
    """`jakstat calibrate --help` lists every published dataset, from calibration.ALL_DATASETS,
    and no string literal in the cli package names two of them (a typed list would go stale)."""
    from jakstat_sbml.calibration import ALL_DATASETS

    assert _named(_helps()["calibrate dataset"], ALL_DATASETS) == set(ALL_DATASETS)
    for node in _cli_string_literals():
        if "jakstat " not in node.value:
            assert len(_named(node.value, ALL_DATASETS)) < 2, node.value


def test_every_drug_experiment_takes_one_uncertainty_keyword():
    """Issue 22: one uncertainty keyword across the experiments that involve a drug, with
    the same defaults (no interval unless asked; draws and seed from the Uncertainty
    defaults), and sensitivity analyses take it too."""
    takers = {"dose_response": js.dose_response, "combination": js.combination,
              "exposure_response": js.exposure_response, "lowest_dose": js.lowest_dose}
    for name, fn in takers.items():
        params = inspect.signature(fn).parameters
        for key in ("uncertainty", "draws", "seed"):
            assert key in params and params[key].default is None, (name, key)
    assert inspect.signature(js.sensitivity).parameters["uncertainty"].default is None
    # sensitivity takes draws= only to refuse it with a reason (it raised Python's own
    # TypeError): its potency ranges use every posterior draw, and n sets the design
    assert inspect.signature(js.sensitivity).parameters["draws"].default is None
    ctcl = js.load_model()
    with pytest.raises(js.InputError, match="draws= is given but uncertainty= is not"):
        js.sensitivity(ctcl, "ic50:ruxolitinib:IL6", draws=10)
    with pytest.raises(js.InputError, match="sensitivity takes no draws="):
        js.sensitivity(ctcl, "ic50:ruxolitinib:IL6", uncertainty="potency", draws=10)
    # a trial's seed is its patients' (default 0), and seeds its potency draws too
    trial = inspect.signature(js.virtual_trial).parameters
    assert trial["uncertainty"].default is None and trial["draws"].default is None
    with pytest.raises(js.InputError, match="unknown uncertainty mode"):
        js.exposure_response(js.load_model(), js.regimen("tofacitinib", "5 mg"), ["IL2"], uncertainty="bogus")


def test_every_drug_experiment_states_its_interval_under_the_same_keys(ctcl):
    """One experiment API: a dose-response's summary named the interval's kind and level,
    a combination's, an exposure's and a lowest dose's did not, and a comparison's gave
    only what it covers (an audit). Each now carries the same interval_* keys."""
    unc = {"uncertainty": "potency", "draws": 20}
    rux = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
    results = {
        "dose_response": js.dose_response(ctcl, "ruxolitinib", "IL2", doses=[1, 10, 100, 1000], **unc),
        "combination": js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL2", doses_a=[3, 30],
                                      doses_b=[30, 300], **unc),
        "exposure_response": js.exposure_response(ctcl, rux, ["IL2"], **unc),
        "lowest_dose": js.lowest_dose(ctcl, "ruxolitinib", [10, 20], "IL2", days=1, **unc),
        "compare_drugs": js.compare_drugs(ctcl, ["ruxolitinib"], ["IL2"], regimens=False, **unc),
        "virtual_trial": js.virtual_trial(ctcl, rux, 2, ["IL2"], stimulation="continuous", **unc),
    }
    keys = {"interval_kind", "interval_level", "interval_draws", "interval_seed", "interval_covers"}
    for name, result in results.items():
        summary = result.summary()
        assert keys <= set(summary), (name, keys - set(summary))
        assert (summary["interval_kind"], summary["interval_level"], summary["interval_draws"],
                summary["interval_seed"]) == ("predictive", 0.9, 20, 0), name  # default level and seed, draws=20
