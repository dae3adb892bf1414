"""Figures that never mislead: titles say what was simulated, no curve hides under another
without a note, flat series are not magnified into responses, NaN map cells are marked,
and flagged results show their flags instead of a fitted IC50 marker."""

from dataclasses import dataclass, field, replace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import jakstat_sbml as js  # noqa: E402
from jakstat_sbml import catalog, plots  # noqa: E402
from jakstat_sbml.experiments.support import number_text  # noqa: E402
from jakstat_sbml.model import Condition  # noqa: E402

from .conftest import standard  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _line(ax, name):
    """The Line2D drawn for readout ``name`` (plots tag each line with its gid)."""
    found = [ln for ln in ax.get_lines() if ln.get_gid() == name]
    assert len(found) == 1, f"{name} drawn {len(found)} times"
    return found[0]


def _legend(ax) -> list[str]:
    legend = ax.get_legend()
    return [" ".join(t.get_text().split()) for t in legend.get_texts()] if legend else []


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# --------------------------------------------------------------------------- 1. titles


def test_condition_title_says_dose_drug_knockout_and_context():
    """The CLI's title was raw JSON ({"IL6": 1.9230769230769236}) without the drug or knockout."""
    cond = Condition.make(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": "1 uM"}, knockouts=["SOCS3"],
                          overexpress={"PIAS3": 5}, mutations={"JAK3_A572V": 0.5}, preincubation=30)
    for c in (cond, cond.as_dict()):  # a Condition and what df.attrs["condition"] holds
        title = plots.condition_title(c, "ctcl")
        assert "{" not in title and "1.9230769" not in title
        assert "IL6 40 ng/mL (1.92 nM)" in title  # a round ng/mL dose is shown as given
        assert "ruxolitinib 1000 nM free" in title
        assert "30 min before the cytokine" in title
        assert "knockout SOCS3" in title and "PIAS3 5x" in title
        assert "JAK3_A572V (50% of the protein)" in title and "context ctcl" in title


def _outside_the_figure(fig) -> list[str]:
    """Every figure-level title or label whose drawn extent leaves the canvas (by more than a pixel)."""
    fig.canvas.draw()
    renderer, canvas = fig.canvas.get_renderer(), fig.bbox
    texts = [t for t in fig.texts if t.get_text()] + [a.title for a in fig.axes if a.get_title()]
    return [t.get_text() for t in texts
            if (box := t.get_window_extent(renderer)).x0 < canvas.x0 - 1 or box.x1 > canvas.x1 + 1
            or box.y1 > canvas.y1 + 1]


def test_a_regimen_figure_and_a_trial_figure_keep_their_titles_on_the_canvas(ctcl):
    """An audit found both suptitles cut at both ends ("...ars: each pathway's mean" and
    "...patients in context 'ctcl' (whiskers ... not a c"): one arm or one pathway makes a
    narrow figure."""
    reg = js.regimen("ruxolitinib", "20 mg", every="12 h", days=1)
    exposure = js.exposure_response(ctcl, reg, ["IL2"], uncertainty="potency", draws=20, seed=0)
    trial = js.virtual_trial(ctcl, {"rux 20 BID": reg}, 2, ["IL2"], stimulation="ex vivo")
    for fig in (exposure.plot(), trial.plot()):
        assert fig.texts and _outside_the_figure(fig) == []


def test_condition_title_uses_the_units_the_user_gave():
    as_dict = Condition.make(cytokines={"IL2": 0.1}, drugs={"tofacitinib": 1000}).as_dict()
    # drugs come 30 min before the cytokine unless preincubation= says otherwise, and the title says so
    assert plots.condition_title(as_dict) == "IL2 0.1 nM; tofacitinib 1000 nM free; drug 30 min before the cytokine"
    given = plots.condition_title(as_dict, given={"tofacitinib": "1 uM"})
    assert "tofacitinib 1 uM free" in given
    # a mapping of simulate() keywords keeps its strings; a plasma dose says so and gives the free dose
    title = plots.condition_title({"cytokines": {"IFNA": "10 ng/mL"}, "drugs": {"ruxolitinib": js.plasma("1 uM")}})
    free = number_text(1000 * catalog.drug("ruxolitinib").fraction_unbound)  # nM free of 1 uM total plasma
    assert "IFNA 10 ng/mL (0.521 nM)" in title and f"ruxolitinib 1 uM total plasma ({free} nM free)" in title
    assert plots.condition_title({}) == "no cytokine"


def test_time_course_title_is_the_condition(ctcl):
    df = ctcl.simulate(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 500}, knockouts=["SOCS3"], t_end=30)
    fig = plots.time_course(df)
    title = fig._suptitle.get_text()
    assert "IL6 40 ng/mL" in title and "ruxolitinib 500 nM" in title and "knockout SOCS3" in title
    assert "context ctcl" in title
    assert plots.time_course(df, title="mine")._suptitle.get_text() == "mine"  # an explicit title wins


# --------------------------------------------------------------------------- 2. identical curves


@pytest.mark.parametrize("cytokine, hidden, shown", [("IL2", "pJAK3", "pJAK1"), ("IFNA", "pTYK2", "pJAK1")])
def test_identical_jak_curves_are_dashed_and_named_together(ctcl, cytokine, hidden, shown):
    df = ctcl.simulate(cytokines=standard(cytokine))
    np.testing.assert_allclose(df[hidden], df[shown], rtol=1e-6, atol=1e-9)  # the premise: one curve on screen
    ax = plots.time_course(df).axes[1]
    assert _line(ax, shown).get_linestyle() == "-"
    assert _line(ax, hidden).get_linestyle() == "--"  # dashed over the first, both visible
    pair = " = ".join(sorted([shown, hidden], key=plots.JAK_READOUTS.index))
    assert any(label.startswith(pair) and "same receptor complexes" in label for label in _legend(ax))


def test_socs3_under_cish_is_named(ctcl):
    df = ctcl.simulate(cytokines=standard("IFNA"))
    ax = plots.time_course(df).axes[2]
    assert _line(ax, "CISH_mRNA").get_linestyle() == "--"
    assert any("SOCS3_mRNA = CISH_mRNA" in label and "no change" in label for label in _legend(ax))


def test_series_at_zero_are_listed_not_silently_dropped(ctcl):
    ax = plots.time_course(ctcl.simulate(cytokines=standard("IL2"))).axes[0]
    notes = [label for label in _legend(ax) if "not drawn" in label]
    assert len(notes) == 1 and all(s in notes[0].replace("\n", " ") for s in ("pSTAT1", "pSTAT2", "pSTAT6"))
    assert {ln.get_gid() for ln in ax.get_lines()} == {"pSTAT3", "pSTAT5"}


# --------------------------------------------------------------------------- 3. flat panels


def test_flat_panel_includes_zero_and_says_no_change():
    """A series moving 0.0250 -> 0.0262 nM was autoscaled to fill the panel."""
    t = np.linspace(0, 120, 121)
    _, ax = plt.subplots()
    info = plots.line_panel(ax, t, {"SOCS3_mRNA": 0.025 + 1e-4 * np.sin(t / 10) ** 2})
    lo, hi = ax.get_ylim()
    assert lo <= 0 and hi >= 0.04  # the 0.4% wiggle spans < 1% of the axis
    assert 1e-4 / (hi - lo) < 0.01
    assert "no change" in _texts(ax) and info["flat"] == ["SOCS3_mRNA"]
    assert _legend(ax) == ["SOCS3_mRNA (no change)"]


def test_small_real_change_is_drawn_on_an_axis_from_zero():
    t = np.linspace(0, 120, 121)
    _, ax = plt.subplots()
    info = plots.line_panel(ax, t, {"SOCS3_mRNA": 0.025 + 0.0012 * t / 120})  # 0.0250 -> 0.0262: 4.8%
    assert ax.get_ylim()[0] <= 0 and info["flat"] == [] and "no change" not in _texts(ax)


def test_time_course_mrna_panel_without_induction_is_not_magnified(ctcl):
    ax = plots.time_course(ctcl.simulate(cytokines=standard("IL12"))).axes[2]  # IL-12 induces no SOCS/CISH
    lo, hi = ax.get_ylim()
    assert lo <= 0 < 0.025 < hi and "no change" in _texts(ax)


# --------------------------------------------------------------------------- 4. combination map


@pytest.fixture(scope="module")
def comb(ctcl):
    return js.combination(ctcl, "ruxolitinib", "pimozide", "IL2", doses_a=[10, 100, 1000],
                          doses_b=[1000, 10000, 100000], time=20)


def _cell_texts(ax) -> dict[tuple[int, int], str]:
    return {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}


def test_combination_map_annotates_values_and_marks_nan_cells(comb):
    fig = comb.plot()
    panels = [ax for ax in fig.axes if ax.get_xlabel().startswith("pimozide")]
    assert len(panels) == 4
    for ax, matrix in zip(panels, (comb.effect, comb.bliss, comb.loewe, comb.hsa)):
        texts = _cell_texts(ax)
        hatched = {(round(p.get_y() + 0.5), round(p.get_x() + 0.5)) for p in ax.patches
                   if isinstance(p, Rectangle) and p.get_hatch()}
        for (i, j), v in np.ndenumerate(matrix):
            if np.isfinite(v):
                assert float(texts[(i, j)]) == pytest.approx(v, abs=0.0051)
                assert (i, j) not in hatched
            else:
                assert texts[(i, j)] == "n/a" and (i, j) in hatched
    bliss = panels[1]
    assert np.isnan(comb.bliss[0, 0]) and comb.effect[0, 0] == 0  # NaN and zero: no longer both blank white
    nan_patch = next(p for p in bliss.patches if isinstance(p, Rectangle) and p.get_hatch())
    assert nan_patch.get_facecolor() != to_rgba("white")
    assert _cell_texts(panels[0])[(0, 0)] == "0.00"


def test_all_nan_loewe_map_says_why(ctcl):
    small = js.combination(ctcl, "ruxolitinib", "pimozide", "IL2", doses_a=[100], doses_b=[3000], time=20)
    loewe = [ax for ax in small.plot().axes if ax.get_title().startswith("Loewe")][0]
    assert "all n/a" in loewe.get_title() and ">= 3 doses" in loewe.get_title()
    assert set(_cell_texts(loewe).values()) == {"n/a"}


# --------------------------------------------------------------------------- flags


@pytest.fixture(scope="module")
def curve(ctcl):
    return js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 3, 10, 30, 100, 300, 1000], time=20)


def _marker_lines(ax):
    """Vertical IC50 markers (axvline: x constant, y spanning the axes)."""
    return [ln for ln in ax.get_lines() if len(set(np.atleast_1d(ln.get_xdata()))) == 1
            and ln.get_linestyle() == ":"]


def test_dose_curve_marks_a_trusted_ic50(curve):
    assert not tuple(getattr(curve, "flags", ()))
    ax = curve.plot().axes[0]
    assert len(_marker_lines(ax)) == 1
    assert any(label.startswith("Hill fit, IC50") for label in _legend(ax))
    assert ax.get_ylim()[0] <= 0


@dataclass(frozen=True)
class _Flagged:
    """A result with flags, whichever experiments package is installed."""

    inner: object
    flags: tuple = field(default=("pSTAT3 is still falling at the highest dose",))

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_dose_curve_with_flags_shows_them_and_no_ic50_marker(curve):
    flagged = replace(curve, flags=("pSTAT3 is still falling at the highest dose",)) \
        if "flags" in getattr(type(curve), "__dataclass_fields__", {}) else _Flagged(curve)
    ax = plots.dose_curve(flagged)
    assert _marker_lines(ax) == []
    assert not any("IC50 " in label and "nM" in label for label in _legend(ax))
    assert any("not trusted" in t and "still falling" in t.replace("\n", " ") for t in _texts(ax))
    # the flag sits below the axes, on neither the legend nor the points (inside, a report panel overlaid them)
    renderer = ax.figure.canvas.get_renderer()
    flag = next(t for t in ax.texts if t.get_text().startswith("not trusted")).get_window_extent(renderer)
    assert not flag.overlaps(ax.get_legend().get_window_extent(renderer))
    assert flag.y1 < ax.get_window_extent(renderer).y0


def test_dose_curve_does_not_mark_an_extrapolated_ic50(ctcl, curve):
    # a fit whose IC50 lies beyond the doses (by construction, without flags): no marker, said in the legend
    beyond = replace(curve, fit=replace(curve.fit, ic50=1e5))
    if "flags" in getattr(type(curve), "__dataclass_fields__", {}):
        beyond = replace(beyond, flags=())
    ax = plots.dose_curve(beyond)
    assert _marker_lines(ax) == []
    assert any("IC50 > 1000 nM (beyond the doses)" in label for label in _legend(ax))
    # and the real thing: doses far below the IC50 (~11 nM) give no IC50 marker whichever way it is reported
    few = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[0.3, 1, 2, 3], time=20)
    ax = few.plot().axes[0]
    assert _marker_lines(ax) == []
    assert not any(label.startswith("Hill fit, IC50") and "beyond" not in label for label in _legend(ax))


def test_dose_curve_title_names_the_background(ctcl):
    """An experiment run on knockout cells must not look like the wild type's."""
    ko = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000], time=20, knockouts=["SOCS3"])
    title = ko.plot().axes[0].get_title()
    assert "ruxolitinib: IL6 / pSTAT3" in title and "knockout SOCS3" in title


def test_calibration_panels_are_titled_by_experiment_and_keep_every_model_curve():
    """PEtab's generic ids (model1_data2_pSTAT5) become 'experiment 2: <doses>', and on
    a log axis a model curve below the data stays inside the panel (issue 16)."""
    import pandas as pd

    from jakstat_sbml import plots

    pts = pd.DataFrame({"panel": "model1_data2_pSTAT5", "series": "IL13 20 ng/mL", "time": [0.0, 10.0, 20.0],
                        "measurement": [0.5, 1.0, 1.2]})
    curves = pd.DataFrame({"panel": "model1_data2_pSTAT5", "series": "IL13 20 ng/mL", "model": "ours",
                           "time": [0.0, 10.0, 20.0], "value": [0.05, 0.9, 1.1]})
    fig = plots.calibration_fits(pts, curves, title="t", ylabel="y", log=True)
    ax = fig.axes[0]
    assert ax.get_title() == "experiment 2: IL13 20 ng/mL"
    assert ax.get_ylim()[0] < 0.05
