"""Inhibition at clinical exposure as a prediction of the global sensitivity analysis
(issue 13): the spec, the value against the dosing package's own, censoring, and the
same chunked, checkpointed, parallel run as the IC50s."""

import pandas as pd
import pytest

import jakstat_sbml as js
from jakstat_sbml.regimens.sbml import central_compartment, pk_values
from jakstat_sbml.errors import InputError, OutputError, UnknownNameError
from jakstat_sbml.uncertainty import Exposure, headline_predictions, prediction, uncertain_parameters
from jakstat_sbml.uncertainty.predictions import HEADLINE_EXPOSURES

RUX_IL6 = "exposure:ruxolitinib:20mg/12h:IL6"
# kcat_IL6R acts on IL-6 signalling; IL2RA_total is a chain IL-6 never touches.
SMALL = ["kcat_IL6R", "IL2RA_total"]


def test_the_spec_names_drug_regimen_cytokine_and_readout():
    rux = prediction(RUX_IL6)
    assert isinstance(rux, Exposure)
    assert (rux.drug, rux.dose_mg, rux.interval_h, rux.formulation) == ("ruxolitinib", 20.0, 12.0, "IR")
    assert (rux.cytokine, rux.readout) == ("IL6", "pSTAT3")  # IL-6's main readout by default
    assert rux.name == "exposure:ruxolitinib:20mg/12h:IL6:pSTAT3"
    assert prediction(rux.name) == rux  # the name is a spec of the same prediction
    # units are read as the regimen function reads them; XR is the formulation
    xr = prediction("exposure:tofacitinib:11 mg/1 day/xr:IL2:pSTAT5")
    assert (xr.drug, xr.dose_mg, xr.interval_h, xr.formulation) == ("tofacitinib", 11.0, 24.0, "XR")
    assert xr.name == "exposure:tofacitinib:11mg/24h/XR:IL2:pSTAT5"
    assert prediction("exposure:ruxolitinib:0.02g/720min:IL2").name == "exposure:ruxolitinib:20mg/12h:IL2:pSTAT5"
    assert xr.unit.startswith("fraction inhibited")


@pytest.mark.parametrize("spec, error, message", [
    ("exposure:ruxolitinib:IL6", InputError, "exposure:DRUG:DOSE/EVERY"),
    ("exposure:ruxolitinib:20mg:IL6", InputError, "DOSE/EVERY or DOSE/EVERY/XR"),
    ("exposure:ruxolitinib:20mg/12h/SR:IL6", InputError, "DOSE/EVERY or DOSE/EVERY/XR"),
    ("exposure:ruxolitinib:20mg/12h:IL6:pSTAT3:extra", InputError, "exposure:DRUG:DOSE/EVERY"),
    ("exposure:ruxolitinib::IL6", InputError, "exposure:DRUG:DOSE/EVERY"),
    ("exposure:ruxolitinib:20mg/12 m:IL6", InputError, "not a time"),
    ("exposure:ruxolitinib:20 kg/12h:IL6", InputError, "more than any oral dose"),
    ("exposure:ruxolitinib:20mg/12h/XR:IL6", InputError, "ruxolitinib"),  # no XR formulation tabulated
    ("exposure:ruxolitinb:20mg/12h:IL6", UnknownNameError, "ruxolitinib"),
    ("exposure:ruxolitinib:20mg/12h:IL7", UnknownNameError, "IL7"),
    ("exposure:ruxolitinib:20mg/12h:IL6:pSTAT9", UnknownNameError, "pSTAT9"),
])
def test_a_bad_exposure_spec_fails_clearly(spec, error, message):
    with pytest.raises(error, match=message):
        prediction(spec)


def test_the_value_is_the_dosing_packages_own_number(ctcl):
    # Same regimen, same model, default parameters: js.exposure_response's time-averaged
    # inhibition (docs/dosing.md section 3: 20 % and 23 % in ctcl) and the prediction's
    # value must be the same number; it is computed by the same code.
    for drug, mg, cytokine in (("ruxolitinib", 20, "IL6"), ("tofacitinib", 5, "IL2")):
        p = Exposure(drug, mg, 12, cytokine)
        value, status = p.compute(ctcl, {})
        table = js.exposure_response(ctcl, js.regimen(drug, f"{mg} mg", every="12 h", days=3), [cytokine]).table
        assert status == "determined"
        assert value == table["mean_inhibition"].iloc[0], (drug, cytokine)
        assert 0.05 < value < 0.5  # partial inhibition at approved doses (docs/dosing.md), a fraction not %
    # a parameter of the pathway moves it (the receptor kinase's turnover sets how much
    # spare activity the drug must remove)
    assert Exposure("ruxolitinib", 20, 12, "IL6").compute(ctcl, {"kcat_IL6R": 30.0})[0] != \
        Exposure("ruxolitinib", 20, 12, "IL6").compute(ctcl, {})[0]


def test_no_uncertain_parameter_is_a_pharmacokinetic_one():
    # The exposure predictions vary the pathway and drug-potency parameters only: the
    # PK numbers (F, V, CL, ka, fu in data/pharmacokinetics) have no plausible ranges in
    # models/parameters.tsv (docs/uncertainty.md). If one is given a range, the regimen
    # runner must apply it: this test says where to look.
    for d, mg, h, _ in HEADLINE_EXPOSURES:
        reg = js.regimen(d, mg, every=h)
        pk = set(pk_values(reg)) | {central_compartment(d)}
        assert not pk & set(uncertain_parameters().index), d


def test_headline_has_the_two_approved_twice_daily_regimens_on_il6_and_il2():
    names = {p.name for p in headline_predictions() if isinstance(p, Exposure)}
    assert names == {"exposure:ruxolitinib:20mg/12h:IL6:pSTAT3", "exposure:ruxolitinib:20mg/12h:IL2:pSTAT5",
                     "exposure:tofacitinib:5mg/12h:IL6:pSTAT3", "exposure:tofacitinib:5mg/12h:IL2:pSTAT5"}


@pytest.fixture(scope="module")
def small_exposure(ctcl):
    return js.sensitivity(ctcl, [RUX_IL6, "ic50:ruxolitinib:IL6"], n=2, parameters=SMALL, seed=4)


def test_a_small_sensitivity_run_with_an_exposure_prediction(ctcl, small_exposure):
    result = small_exposure
    assert result.predictions == ("exposure:ruxolitinib:20mg/12h:IL6:pSTAT3", "ic50:ruxolitinib:IL6:pSTAT3")
    ranking = result.ranking(RUX_IL6).set_index("parameter")
    assert ranking.loc["IL2RA_total", "mu_star"] == 0  # IL-6 signalling never touches IL2RA
    assert ranking.loc["kcat_IL6R", "mu_star"] > 0.01
    assert (result.statuses[result.predictions[0]] == "determined").all()
    # each parameter set's value is the prediction computed on that set directly
    row = result.samples.iloc[1].to_dict()
    assert result.outputs.iloc[1, 0] == Exposure("ruxolitinib", 20, 12, "IL6").compute(ctcl, row)[0]
    # 6 sets x (2 exposure simulations + the IC50's 9 conditions)
    assert result.simulations == len(result.samples) * (2 + 9)


def test_exposure_runs_the_same_in_processes_and_resumes_from_its_checkpoint(ctcl, small_exposure, tmp_path):
    parallel = js.sensitivity(ctcl, [RUX_IL6, "ic50:ruxolitinib:IL6"], n=2, parameters=SMALL, seed=4, n_jobs=2,
                              checkpoint=tmp_path, chunk_size=4)
    pd.testing.assert_frame_equal(parallel.outputs, small_exposure.outputs, check_exact=True)
    assert parallel.chunks_computed == 2
    resumed = js.sensitivity(ctcl, [RUX_IL6, "ic50:ruxolitinib:IL6"], n=2, parameters=SMALL, seed=4,
                             checkpoint=tmp_path, chunk_size=4)
    assert (resumed.chunks_reused, resumed.chunks_computed, resumed.simulations) == (2, 0, 0)
    pd.testing.assert_frame_equal(resumed.indices, small_exposure.indices, check_exact=True)


def test_no_signal_is_unmeasurable_censored_at_no_inhibition(hepatocyte):
    # hepatocytes have no IL-2 receptor: IL-2 drives nothing, for any parameter set
    result = js.sensitivity(hepatocyte, ["exposure:ruxolitinib:20mg/12h:IL2"], n=2,
                            parameters=["kcat_IL6R", "JAK1_total"], seed=1)
    name = result.predictions[0]
    assert (result.statuses[name] == "unmeasurable").all()
    assert (result.outputs[name] == 0).all()
    assert any("no-drug signal below the measurable floor: censored at 0" in f for f in result.flags)


def test_the_command_line_takes_the_exposure_spec_and_says_what_is_wrong_with_a_bad_one(tmp_path):
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    runner = CliRunner()
    shown = runner.invoke(app, ["sensitivity", "--help"])
    flat = "".join(c for c in shown.output if not c.isspace() and c != "│")  # the help box, unwrapped
    assert shown.exit_code == 0 and "exposure:DRUG:DOSE/EVERY[/XR]:CYTOKINE" in flat
    bad = runner.invoke(app, ["sensitivity", "exposure:ruxolitinib:20mg:IL6", "--parameters", ",".join(SMALL),
                              "--n", "2", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "DOSE/EVERY or DOSE/EVERY/XR" in bad.output
    good = runner.invoke(app, ["sensitivity", RUX_IL6, "--parameters", ",".join(SMALL), "--n", "2", "--seed", "4",
                               "--out", str(tmp_path / "good")], env={"MPLBACKEND": "Agg"})
    assert good.exit_code == 0, good.output
    table = pd.read_csv(tmp_path / "good" / "sensitivity_samples.csv")
    assert table["status:exposure:ruxolitinib:20mg/12h:IL6:pSTAT3"].eq("determined").all()


def test_saving_a_result_over_a_commands_files_is_refused_unless_forced(tmp_path, small_exposure):
    """result.save() replaced `jakstat sensitivity`'s files without a word and left their
    record describing the command's run (docs/cli.md: a command's files are never replaced
    by another run unless told)."""
    from typer.testing import CliRunner

    from jakstat_sbml.cli import app

    folder = tmp_path / "exposure"
    ran = CliRunner().invoke(app, ["sensitivity", RUX_IL6, "--parameters", ",".join(SMALL), "--n", "2", "--seed", "5",
                                   "--out", str(folder)], env={"MPLBACKEND": "Agg"})
    assert ran.exit_code == 0, ran.output
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with pytest.raises(OutputError, match="sensitivity_indices.csv exists and was written by a different run"):
        small_exposure.save(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    small_exposure.save(folder, force=True)
    assert pd.read_csv(folder / "sensitivity_indices.csv")["prediction"].nunique() == 2  # the saved result's two
    # the record beside them is now the saved result's own, not the command's
    record = js.read_provenance(folder / "sensitivity_indices.csv")
    assert record["command"] == "SensitivityResult.save (Python)" and record["run"]["settings"]["n"] == small_exposure.n
    small_exposure.save(tmp_path / "fresh")  # a folder of its own needs nothing
    small_exposure.save(tmp_path / "fresh")  # and the same result saved again replaces its own files


def test_saving_a_result_never_replaces_a_users_own_file(tmp_path, small_exposure):
    """save() refused only files a command had recorded: a user's own sensitivity_indices.csv
    (no record) was replaced without a word, and the files it wrote had no record at all."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "sensitivity_indices.csv").write_text("my curated table\n", encoding="utf-8")
    with pytest.raises(OutputError, match="has no provenance record.*save elsewhere, or save"):
        small_exposure.save(folder)
    assert (folder / "sensitivity_indices.csv").read_text(encoding="utf-8") == "my curated table\n"
    assert sorted(p.name for p in folder.iterdir()) == ["sensitivity_indices.csv"]
