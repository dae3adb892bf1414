"""Plausible ranges in models/parameters.tsv (issue 13, slice 1): every parameter has
one, with a reason, or is excluded with a reason; the calibrated ones agree with
models/parameter_bounds.tsv."""

import math

import pytest

from jakstat_sbml import build, calibration
from jakstat_sbml.errors import InputError, UnknownNameError
from jakstat_sbml.uncertainty import parameter_ranges, uncertain_parameters

from .conftest import REPO

RATE_OR_AMOUNT_UNITS = {"nM", "per_minute", "per_nM_per_minute", "nM_per_minute"}
# The one declared difference between the two tables, with its reason in range_source
# (the ctcl default lies below the calibration bound the stored fits used).
WIDER_THAN_CALIBRATION = {"kint_active"}


@pytest.fixture(scope="module")
def ranges():
    return parameter_ranges(include_excluded=True)


def test_every_row_has_a_range_containing_its_value_or_is_excluded_with_a_reason(ranges):
    assert len(ranges) == len(build.read_parameter_rows(REPO / "models" / "parameters.tsv"))
    for pid, row in ranges.iterrows():
        assert len(row["range_source"].removeprefix("excluded:").strip()) > 10, pid
        if row["excluded"]:
            continue
        assert row["lower"] <= row["value"] <= row["upper"], f"{pid} = {row['value']} outside its range"
        assert row["lower"] > 0, pid  # log-uniform sampling needs it; rates and amounts are positive
        assert row["upper"] > row["lower"], pid


def test_inputs_and_switches_are_excluded_and_kinetics_are_not(ranges):
    excluded = set(ranges.index[ranges["excluded"]])
    for pid in ranges.index:
        if pid.startswith("dose_") or pid.endswith(("_expression", "_autocrine")):
            assert pid in excluded, pid
    assert {"cytoplasm", "nucleus", "extracellular", "JAK3_A572V", "kcat_IL4R_typeII_STAT5"} <= excluded
    kinetic = ranges.loc[~ranges["excluded"]]
    assert set(kinetic["unit"]) <= RATE_OR_AMOUNT_UNITS | {"dimensionless"}
    assert len(kinetic) >= 100  # the network's kinetics, not a handful


def test_calibrated_parameters_share_their_range_with_parameter_bounds(ranges):
    bounds = calibration.parameter_bounds()
    for pid, row in bounds.iterrows():
        mine = ranges.loc[pid]
        if mine["excluded"]:  # a switch that is off in ctcl: its range when on is the bounds row
            assert "parameter_bounds.tsv" in mine["range_source"], pid
            continue
        assert "parameter_bounds.tsv" in mine["range_source"], pid
        if pid in WIDER_THAN_CALIBRATION:
            assert mine["lower"] <= row["lower"] and mine["upper"] >= row["upper"], pid
            assert f"{row['lower']:g}" in mine["range_source"], pid  # says what it widens and why
            continue
        assert (mine["lower"], mine["upper"]) == (row["lower"], row["upper"]), pid


def test_a_row_without_a_reason_or_with_a_bad_range_fails_clearly(tmp_path):
    text = (REPO / "models" / "parameters.tsv").read_text(encoding="utf-8").splitlines()
    header = text[0].split("\t")
    i_lower, i_source = header.index("lower"), header.index("range_source")
    rows = [line.split("\t") for line in text[1:]]
    k = next(i for i, r in enumerate(rows) if r[0] == "kon_box1")
    bad = [r[:] for r in rows]
    bad[k][i_source] = ""
    (tmp_path / "a.tsv").write_text("\n".join(["\t".join(header)] + ["\t".join(r) for r in bad]) + "\n")
    with pytest.raises(InputError, match="kon_box1: no reason"):
        parameter_ranges(tmp_path / "a.tsv")
    bad = [r[:] for r in rows]
    bad[k][i_lower] = "-1"
    (tmp_path / "b.tsv").write_text("\n".join(["\t".join(header)] + ["\t".join(r) for r in bad]) + "\n")
    with pytest.raises(InputError, match="kon_box1: range must satisfy"):
        parameter_ranges(tmp_path / "b.tsv")


def test_asking_for_an_excluded_or_unknown_parameter_says_why():
    with pytest.raises(InputError, match="not an uncertain parameter: excluded: an experimental input"):
        uncertain_parameters(["dose_IL6"])
    with pytest.raises(UnknownNameError, match="kon_box1"):
        uncertain_parameters(["kon_boxl"])
    assert math.isclose(uncertain_parameters(["kact_receptor"]).loc["kact_receptor", "upper"], 60)
