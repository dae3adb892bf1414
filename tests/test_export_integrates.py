"""Exported models integrate wherever they are opened (issue 26, point 7).

The SBML ``js.export`` writes for IL-6 (10 ng/mL) with a SOCS3 knockout once failed
in a plain RoadRunner at relative tolerance 1e-8 (CVODE error test failures at
t = 15.5 min) while COPASI integrated it. The cause was the exported start: species
that are zero in the unstimulated steady state carried solver dust (1e-51 to 1e-25
nM) from the pre-equilibration, and RoadRunner scales each species' absolute
tolerance by its initial amount, so those species were held to 1e-63 zmol. Here
random conditions (contexts, cytokines, knockouts, drugs, mutations) are exported
and integrated by RoadRunner as a user opens the file (only the relative tolerance
set: 1e-6, 1e-8, 1e-10) and by COPASI; all must succeed and agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import jakstat_sbml as js
from jakstat_sbml import catalog

T_END, POINTS = 120.0, 5
RELATIVE_TOLERANCES = (1e-6, 1e-8, 1e-10)
# Agreement with RoadRunner at 1e-10, per value: |a - b| <= RTOL |b| + ATOL_NM (as tests/test_export.py).
RTOL, ATOL_NM = 1e-4, 1e-6

_models: dict[str, js.Model] = {}


def _model(context: str) -> js.Model:
    if context not in _models:
        _models[context] = js.load_model(context=context)
    return _models[context]


def _roadrunner_as_opened(path, relative_tolerance: float) -> np.ndarray:
    """Species concentrations of the file in RoadRunner with its defaults but the relative tolerance."""
    import roadrunner

    rr = roadrunner.RoadRunner(str(path))
    rr.integrator.relative_tolerance = relative_tolerance
    species = [f"[{s}]" for s in rr.model.getFloatingSpeciesIds()]
    try:
        return np.asarray(rr.simulate(0, T_END, POINTS, ["time", *species]))
    except RuntimeError as exc:
        pytest.fail(f"RoadRunner at relative tolerance {relative_tolerance:g} failed: {str(exc).splitlines()[0]}")


def _copasi(path, ids: list[str]) -> np.ndarray:
    import basico

    dm = basico.load_model(str(path))
    try:
        basico.set_task_settings("Time-Course", {
            "problem": {"Duration": T_END, "StepNumber": POINTS - 1, "StepSize": T_END / (POINTS - 1)},
            "method": {"name": "Deterministic (LSODA)", "Relative Tolerance": 1e-10, "Absolute Tolerance": 1e-12,
                       "Max Internal Steps": 1_000_000}}, model=dm)
        model = dm.getModel()
        by_id = {s.getSBMLId(): s for s in model.getMetabolites()}
        cns = [model.getValueReference().getCN().getString()]
        cns += [by_id[i].getConcentrationReference().getCN().getString() for i in ids]
        return basico.run_time_course_with_output(cns, model=dm).to_numpy()
    finally:
        basico.remove_datamodel(dm)


def _agree(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / (ATOL_NM + RTOL * np.abs(b))))


_signalled: dict[str, list[str]] = {}


def _cytokines_signalled(context: str) -> list[str]:
    """The cytokines the context signals through: an export of one it lacks (IL-2 on a
    hepatocyte) is refused (tests/test_biomodels.py), so it is not drawn here."""
    if context not in _signalled:
        absent = js.absent_pathways(_model(context))
        _signalled[context] = [c for c in js.cytokines() if c not in absent]
    return _signalled[context]


conditions = st.sampled_from(js.contexts()).flatmap(lambda context: st.fixed_dictionaries({
    "context": st.just(context),
    "cytokine": st.sampled_from(_cytokines_signalled(context)),
    "knockouts": st.lists(st.sampled_from(js.genes()), max_size=3, unique=True),
    "drugs": st.dictionaries(st.sampled_from(js.drugs()), st.sampled_from([3.0, 100.0, 3000.0]), max_size=2),
    "mutations": st.dictionaries(st.sampled_from(js.mutations()), st.sampled_from([0.5, 1.0]), max_size=2),
}))


@settings(max_examples=6)
@given(case=conditions)
@example(case={"context": "ctcl", "cytokine": "IL6", "knockouts": ["SOCS3"], "drugs": {}, "mutations": {},
               "dose": "10 ng/mL"})  # the file of issue 26
def test_an_exported_condition_integrates_alike_in_roadrunner_and_copasi(tmp_path_factory, case):
    import roadrunner

    model = _model(case["context"])
    dose = case.get("dose", catalog.CYTOKINES[case["cytokine"]].standard_dose)
    path = tmp_path_factory.mktemp("export") / "model.xml"
    js.export(model, path, cytokines={case["cytokine"]: dose}, knockouts=case["knockouts"], drugs=case["drugs"],
              mutations=case["mutations"])
    rr = roadrunner.RoadRunner(str(path))  # kept: its model lives only as long as it does
    ids = list(rr.model.getFloatingSpeciesIds())
    runs = {rtol: _roadrunner_as_opened(path, rtol) for rtol in RELATIVE_TOLERANCES}
    reference = runs[1e-10]
    assert np.allclose(reference[:, 0], np.linspace(0, T_END, POINTS))
    for rtol in RELATIVE_TOLERANCES[:-1]:
        worst = _agree(runs[rtol][:, 1:], reference[:, 1:])
        assert worst <= 1, f"RoadRunner at {rtol:g} deviates from 1e-10 by {worst:.3g} x tolerance"
    copasi = _copasi(path, ids)
    worst = _agree(copasi[:, 1:], reference[:, 1:])
    assert worst <= 1, f"COPASI deviates from RoadRunner by {worst:.3g} x tolerance"
