"""Shared fixtures: each context's model is compiled once per test session."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.experiments import response

REPO = Path(__file__).resolve().parents[1]
PETAB = REPO / "data" / "petab"  # the published measurements, carried by the repository

# Hypothesis profiles (tests/test_properties.py). "ci" is the default and what
# `make test` runs: derandomized, so every run draws the same examples and a red CI means
# a change broke something, not that a new random condition turned up. Exploring new
# conditions is `make explore-properties` ("explore": random, 5x more examples;
# "thorough", 50x, by hand), and a failure it finds becomes an @example or a test of its
# own (as the covalent-drug condition of test_amici_engine did). Every example
# simulates, so no per-example deadline.
settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=1_000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=10_000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")  # the --hypothesis-profile option, when given, overrides this


@pytest.fixture(scope="session")
def ctcl():
    return js.load_model()


@pytest.fixture(scope="session")
def hepatocyte():
    return js.load_model(context="hepatocyte")


@pytest.fixture(scope="session")
def monocyte():
    return js.load_model(context="monocyte")


@pytest.fixture(scope="session")
def erythroid():
    return js.load_model(context="erythroid")


def standard(cytokine: str) -> dict:
    """The catalog's standard dose of one cytokine, as a ``cytokines=`` mapping."""
    return {cytokine: catalog.CYTOKINES[cytokine].standard_dose}


def auc(df, readout: str, window=(0, 120)) -> float:
    return response(df, readout, window=window)
