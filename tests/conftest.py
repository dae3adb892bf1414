"""Shared fixtures: each context's model is compiled once per test session."""

from pathlib import Path

import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.experiments import response

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def ctcl():
    return js.load_model()


@pytest.fixture(scope="session")
def hepatocyte():
    return js.load_model(context="hepatocyte")


def standard(cytokine: str) -> dict:
    """The catalog's standard dose of one cytokine, as a ``cytokines=`` mapping."""
    return {cytokine: catalog.CYTOKINES[cytokine].standard_dose}


def auc(df, readout: str, window=(0, 120)) -> float:
    return response(df, readout, window=window)
