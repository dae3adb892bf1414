"""Results a user can keep (issue 26, point 2): every CSV and figure the command line
writes records how it was made, in a provenance record ``js.read_provenance`` reads
back; runs that differ in their condition write different files; nothing another run
(or the user) wrote is overwritten unless told (``--force``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import jakstat_sbml as js
from jakstat_sbml import catalog, provenance
from jakstat_sbml.cli import app

runner = CliRunner()
OUTPUTS = (".csv", ".png", ".svg", ".html")


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in OUTPUTS)


def test_two_runs_that_differ_only_in_a_mutation_keep_both_and_say_which_is_which(tmp_path):
    """Issue 26: with and without -m STAT5B_N642H the dose-response wrote the same file
    names, and _fit.csv recorded the context but not the mutation."""
    args = ["dose-response", "IL2", "--drug", "tofacitinib", "--doses", "1,10,100,1000", "--out", tmp_path]
    assert invoke(*args).exit_code == 0
    assert invoke(*args, "-m", "STAT5B_N642H").exit_code == 0
    plain, mutant = "dose_response_tofacitinib_IL2_pSTAT5", "dose_response_tofacitinib_IL2_pSTAT5__STAT5B_N642H"
    for name in (plain, mutant):
        for ending in (".csv", "_fit.csv", ".png"):
            assert (tmp_path / f"{name}{ending}").stat().st_size > 0
    fits = {name: pd.read_csv(tmp_path / f"{name}_fit.csv", keep_default_na=False) for name in (plain, mutant)}
    assert fits[plain]["mutations"].iloc[0] == "" and fits[mutant]["mutations"].iloc[0] == "STAT5B_N642H=1"
    assert fits[plain]["ic50_nM"].iloc[0] != fits[mutant]["ic50_nM"].iloc[0]
    for name, mutations in ((plain, {}), (mutant, {"STAT5B_N642H": 1.0})):
        for ending in (".csv", "_fit.csv", ".png"):
            record = js.read_provenance(tmp_path / f"{name}{ending}")
            assert record["condition"]["mutations_fraction"] == mutations
            assert record["settings"]["drug"] == "tofacitinib"


def test_every_output_records_the_full_condition_and_how_it_ran(tmp_path):
    result = invoke("combine", "ruxolitinib", "pimozide", "IL2", "--doses-a", "10,100", "--doses-b", "1000,10000",
                    "-k", "PTPN2", "-m", "JAK3_A572V=0.5", "-o", "PIAS3=2", "--context", "lymphoma",
                    "--cytokine-dose", "2 ng/mL", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    files = outputs(tmp_path)
    assert len(files) == 3 and all("__lymphoma_PTPN2-KO_JAK3_A572V-0.5_PIAS3-x2" in f.name for f in files)
    model = js.load_model(context="lymphoma")
    for f in files:
        record = js.read_provenance(f)
        condition = record["condition"]
        assert condition["context"] == "lymphoma" and condition["knockouts"] == ["PTPN2"]
        assert condition["mutations_fraction"] == {"JAK3_A572V": 0.5} and condition["overexpress_fold"] == {"PIAS3": 2}
        assert condition["cytokines_nM"] == {"IL2": pytest.approx(2 / catalog.CYTOKINES["IL2"].mass_kda)}
        assert condition["preincubation_min"] == 30 and condition["drugs_nM_free"] == {}
        assert record["settings"]["doses_a"] == [10, 100] and record["experiment"] == "combination"
        assert record["engine"]["name"] == "roadrunner" and record["engine"]["relative_tolerance"] == 1e-7
        assert record["package"]["version"] == js.__version__
        assert record["package"]["source"] == provenance.source_commit()
        assert record["model"]["file"] == "jakstat.xml" and len(record["model"]["sha256"]) == 64
        assert record["model"]["context_values_sha256"] == provenance.model_version(model)["context_values_sha256"]
        # the stored draws an interval may read, which the SBML does not carry (lymphoma is calibrated)
        posterior = catalog.models_dir() / "potency" / "posterior.tsv"
        ensemble = catalog.models_dir() / "ensembles" / "lymphoma.tsv"
        assert record["model"]["potency_posterior_sha256"] == hashlib.sha256(posterior.read_bytes()).hexdigest()
        assert record["model"]["ensemble_sha256"] == hashlib.sha256(ensemble.read_bytes()).hexdigest()
        assert record["command"].startswith("jakstat combine ruxolitinib pimozide IL2")
        assert record["content"]
    assert model.context == "lymphoma"
    # the records are as readable as the files they describe (they were private, 0600: a
    # temporary file renamed into place, beside outputs everybody on a shared disk reads)
    records = list(tmp_path.glob("*.provenance.json"))
    assert records and {r.stat().st_mode & 0o777 for r in records} == {files[0].stat().st_mode & 0o777}


@pytest.mark.parametrize("args", [
    ["simulate", "-c", "IL6=1", "-k", "SOCS3", "--t-end", "10", "--out", "{out}/il6.csv"],
    ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100,1000", "-k", "SOCS3", "--out", "{out}"],
    ["dose-response", "IL6", "--doses", "0.1,1,10", "-k", "SOCS3", "--window", "0,30", "--out", "{out}"],
    ["screen", "-c", "IL6", "-g", "PTPN2", "-g", "JAK1", "-k", "SOCS3", "--window", "0,30", "--out", "{out}"],
    ["regimen", "ruxolitinib", "20mg", "-c", "IL6", "--days", "1", "-k", "SOCS3", "--out", "{out}"],
], ids=lambda a: a[0])
def test_each_command_records_its_condition_for_every_file_it_writes(tmp_path, args):
    out = tmp_path / "out"
    result = invoke(*[a.format(out=out) for a in args])
    assert result.exit_code == 0, result.output
    files = outputs(out)
    assert len(files) >= 2
    for f in files:
        record = js.read_provenance(f)
        assert record["condition"]["knockouts"] == ["SOCS3"] and record["condition"]["context"] == "ctcl", f.name
        assert record["experiment"] and record["content"]
    assert len(list(out.glob("*.provenance.json"))) == 1


def test_a_run_refuses_to_overwrite_another_runs_results_unless_forced(tmp_path, monkeypatch):
    first = ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100,1000", "--out", tmp_path]
    assert invoke(*first).exit_code == 0
    fit = tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_fit.csv"
    before = fit.read_bytes()
    assert invoke(*first).exit_code == 0  # the same run again replaces its own files
    other = first + ["--time", "30"]  # the same file names, another experiment

    def no_work(*a, **k):
        raise AssertionError("the outputs must be checked before any simulation")

    monkeypatch.setattr(js, "load_model", no_work)
    result = runner.invoke(app, [str(a) for a in other])
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]
    assert line.startswith(f"error: {fit.parent}") and "was written by a different run" in line
    assert "time: 20 -> 30" in line and "--force" in line  # what differs, theirs -> ours
    assert fit.read_bytes() == before
    monkeypatch.undo()
    assert invoke(*other, "--force").exit_code == 0
    assert js.read_provenance(fit)["settings"]["time"] == 30



def test_the_default_time_point_is_recorded_and_typing_it_is_the_same_run(tmp_path):
    """Without --time or --window a dose-response reads 20 min; its record said time null, and
    `--time 20` into the same folder was refused as a different run."""
    base = ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100,1000", "--out", tmp_path]
    assert invoke(*base).exit_code == 0
    fit = tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3_fit.csv"
    assert js.read_provenance(fit)["settings"]["time"] == 20 and pd.read_csv(fit)["measure"].iloc[0] == "at 20 min"
    again = invoke(*base, "--time", "20")
    assert again.exit_code == 0, again.output
    assert invoke(*base, "--window", "0,30").exit_code == 2  # another read-out is another run

def test_the_same_doses_written_another_way_are_the_same_run(tmp_path, monkeypatch):
    """Identities held doses and windows as typed: '10,100,1000' and '10 nM, 0.1 uM, 1000'
    were two runs, and the second was refused for replacing the first's files. They are
    now held in nM (cytokine doses too, which may be mass concentrations)."""
    base = ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100,1000", "--window", "0,30",
            "--out", tmp_path]
    assert invoke(*base).exit_code == 0
    same = ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10 nM, 0.1 uM, 1000", "--window", "0, 30",
            "--out", tmp_path]
    assert invoke(*same).exit_code == 0
    record = js.read_provenance(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3.csv")
    assert record["settings"]["doses"] == [10, 100, 1000] and record["settings"]["window"] == [0, 30]
    # another dose is another run, however it is written
    result = runner.invoke(app, [str(a) for a in same[:5] + ["10 nM, 0.2 uM, 1000"] + same[6:]])
    assert result.exit_code == 2 and "different run" in result.output, result.output
    # a cytokine's doses in ng/mL are its doses in nM, by the catalog's molar mass
    il6 = catalog.CYTOKINES["IL6"].mass_kda
    first = ["dose-response", "IL6", "--doses", f"{0.1 * il6:.12g} ng/mL, {il6:.12g} ng/mL", "--out", tmp_path]
    assert invoke(*first).exit_code == 0
    assert invoke("dose-response", "IL6", "--doses", "0.1,1", "--out", tmp_path).exit_code == 0


def test_a_drugs_doses_in_ng_per_ml_are_its_doses_in_nM(tmp_path):
    """A drug's doses typed in ng/mL were held as text in the run's identity (only cytokine
    doses were converted), so the same doses in nM were refused as another run. They are
    held in nM by the drug's molar mass (data/pharmacokinetics, free base)."""
    from jakstat_sbml.regimens.pharmacokinetics import molar_mass

    g = molar_mass("ruxolitinib")
    assert g == pytest.approx(306.4, abs=0.1)  # C17H18N6, free base (PubChem CID 25126798)
    base = ["dose-response", "IL6", "--drug", "ruxolitinib", "--window", "0,30", "--out", tmp_path]
    assert invoke(*base, "--doses", f"{g / 100:.12g} ng/mL, {g:.12g} ng/mL, {10 * g:.12g} ng/mL").exit_code == 0
    record = js.read_provenance(tmp_path / "dose_response_ruxolitinib_IL6_pSTAT3.csv")
    assert record["settings"]["doses"] == pytest.approx([10, 1000, 10000])
    assert invoke(*base, "--doses", "10,1000,10000").exit_code == 0  # the same run, replaced without asking
    comb = ["combine", "ruxolitinib", "tofacitinib", "IL6", "--doses-b", "30,300", "--out", tmp_path]
    assert invoke(*comb, "--doses-a", f"{g:.12g} ng/mL, {10 * g:.12g} ng/mL").exit_code == 0
    assert invoke(*comb, "--doses-a", "1000,10000").exit_code == 0


def test_a_regimen_s_cytokine_doses_are_held_in_nM(tmp_path):
    """The regimen's identity held its -c options as typed: IL6=10 ng/mL and the same dose
    in nM were two runs."""
    il6 = catalog.CYTOKINES["IL6"].mass_kda
    base = ["regimen", "ruxolitinib", "20mg", "--every", "12h", "--days", "1", "--out", tmp_path]
    assert invoke(*base, "-c", "IL6=10 ng/mL").exit_code == 0
    summary = next(tmp_path.glob("regimen_*_summary.csv"))
    assert js.read_provenance(summary)["settings"]["cytokines"] == {"IL6": pytest.approx(10 / il6)}
    assert invoke(*base, "-c", f"IL6={10 / il6!r}").exit_code == 0
    result = runner.invoke(app, [str(a) for a in base] + ["-c", "IL6=20 ng/mL"])
    assert result.exit_code == 2 and "different run" in result.output, result.output


def test_a_file_the_user_wrote_is_never_overwritten_silently(tmp_path):
    mine = tmp_path / "il6.csv"
    mine.write_text("my own numbers\n", encoding="utf-8")
    result = runner.invoke(app, ["simulate", "-c", "IL6=1", "--t-end", "5", "--out", str(mine)])
    assert result.exit_code == 2
    assert "il6.csv exists and has no provenance record" in result.output and "--force" in result.output
    assert mine.read_text(encoding="utf-8") == "my own numbers\n"
    result = runner.invoke(app, ["simulate", "-c", "IL6=1", "--t-end", "5", "--out", str(mine), "--force"])
    assert result.exit_code == 0, result.output
    assert js.read_provenance(mine)["settings"]["t_end"] == 5


def test_read_provenance_says_when_a_file_has_no_record(tmp_path):
    (tmp_path / "x.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(js.InputError, match="no provenance recorded for"):
        js.read_provenance(tmp_path / "x.csv")


def test_a_file_belongs_to_the_run_that_wrote_it_last(tmp_path):
    """A forced rerun takes its files out of the record of the run it replaced."""
    base = ["screen", "-c", "IL6", "-g", "PTPN2", "--window", "0,30", "--out", tmp_path]
    assert invoke(*base).exit_code == 0
    assert invoke(*base[:-2], "--window", "0,60", "--out", tmp_path, "--force").exit_code == 0
    records = list(tmp_path.glob("*.provenance.json"))
    assert len(records) == 1
    data = json.loads(records[0].read_text(encoding="utf-8"))
    assert data["settings"]["window"] == [0, 60] and set(data["files"]) == {p.name for p in outputs(tmp_path)}


def test_the_same_run_in_another_figure_format_keeps_the_first_figure_its_own(tmp_path):
    """The figure format is not part of a run's identity: the same run as svg replaces its own
    csv and leaves the png beside it. Its record once dropped the png, so the png had no
    record and the next run as png refused to replace it as a file jakstat had not written."""
    base = ["simulate", "-c", "IL6=40 ng/mL", "--t-end", "10", "--out", tmp_path / "il6.csv"]
    assert invoke(*base).exit_code == 0
    assert invoke(*base, "--format", "svg").exit_code == 0
    assert js.read_provenance(tmp_path / "il6.png")["experiment"] == "time course"
    again = invoke(*base)
    assert again.exit_code == 0, again.output
    record = json.loads((tmp_path / "il6.provenance.json").read_text(encoding="utf-8"))
    assert set(record["files"]) == {"il6.csv", "il6.png", "il6.svg"}
    # another run takes only the files it writes: the other format's figure is not carried into its record
    assert invoke(*base[:-2], "-k", "SOCS3", "--out", tmp_path / "il6.csv", "--force").exit_code == 0
    record = json.loads((tmp_path / "il6.provenance.json").read_text(encoding="utf-8"))
    assert set(record["files"]) == {"il6.csv", "il6.png"}


def test_an_output_the_user_edited_is_not_replaced_by_the_same_run(tmp_path):
    """Records named their files but not what they held: a user's note appended to a result
    CSV was replaced without a word when the same command ran again. Each file's SHA-256 is
    now recorded, and a file that no longer matches it is refused unless --force."""
    args = ["simulate", "-c", "IL6=1", "--t-end", "5", "--out", tmp_path / "sim.csv"]
    assert invoke(*args).exit_code == 0
    record = js.read_provenance(tmp_path / "sim.csv")
    assert record["sha256"] == provenance.file_sha256(tmp_path / "sim.csv")
    assert invoke(*args).exit_code == 0  # unchanged: the same run replaces its own file
    with open(tmp_path / "sim.csv", "a", encoding="utf-8") as f:
        f.write("# my note\n")
    edited = (tmp_path / "sim.csv").read_text(encoding="utf-8")
    result = invoke(*args)
    assert result.exit_code == 2 and "was changed since this run wrote it" in " ".join(result.output.split())
    assert (tmp_path / "sim.csv").read_text(encoding="utf-8") == edited
    assert invoke(*args, "--force").exit_code == 0 and "# my note" not in (tmp_path / "sim.csv").read_text()



def test_a_python_result_is_kept_with_its_record_and_never_replaces_anothers(ctcl, tmp_path):
    """An audit found no way to keep a result from Python with a record of how it was made
    (only SensitivityResult had save()), while every CLI output has one: js.save writes the
    table, the figure and the record, and refuses, as the CLI does, what another run wrote."""
    mutant = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000], mutations={"STAT3_Y640F": 1})
    written = js.save(mutant, tmp_path / "keep" / "curve.csv")
    assert [p.name for p in written] == ["curve.csv", "curve.png", "curve.provenance.json"]
    pd.testing.assert_frame_equal(pd.read_csv(written[0]), mutant.to_frame(), check_dtype=False)
    record = js.read_provenance(written[0])
    assert record["experiment"] == "DoseResponse" and record["summary"]["ic50_nM"] == pytest.approx(mutant.ic50)
    assert json.loads(record["summary"]["background"]) == {"mutations": {"STAT3_Y640F": 1}}  # what it was run in
    assert record["package"]["name"] == "jakstat-sbml" and record["sha256"] == provenance.file_sha256(written[0])
    assert js.save(mutant, tmp_path / "keep" / "curve.csv") == written  # the same result again: its own files
    other = js.dose_response(ctcl, "tofacitinib", "IL6", doses=[10, 100, 1000, 10000])
    # the message names what differs, theirs -> ours (the whole of both runs hid it in 700 characters: an audit)
    with pytest.raises(js.InputError, match="written by a different run .*drug: ruxolitinib -> tofacitinib"):
        js.save(other, tmp_path / "keep" / "curve.csv")
    # another kind of result is named as such, not by its 2,371 characters of differing summary, what
    # each interval covers included (an audit)
    drawn = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000], uncertainty="potency", draws=20)
    js.save(drawn, tmp_path / "drawn" / "curve.csv", figure=False)
    pair = js.combination(ctcl, "ruxolitinib", "tofacitinib", "IL6", doses_a=[3, 30], doses_b=[30, 300],
                          uncertainty="potency", draws=20)
    with pytest.raises(js.InputError, match=r"differs in experiment: DoseResponse -> Combination\)") as refused:
        js.save(pair, tmp_path / "drawn" / "curve.csv", figure=False)
    assert len(str(refused.value)) < 400  # 2,784 characters on the old code, 197 with the kinds alone named
    (tmp_path / "mine.csv").write_text("my notes\n", encoding="utf-8")
    with pytest.raises(js.InputError, match="has no provenance record"):
        js.save(other, tmp_path / "mine.csv", figure=False)
    assert (tmp_path / "mine.csv").read_text(encoding="utf-8") == "my notes\n"
    js.save(other, tmp_path / "mine.csv", figure=False, force=True)
    assert js.read_provenance(tmp_path / "mine.csv")["summary"]["drug"] == "tofacitinib"
    assert not (tmp_path / "mine.png").exists()
    with pytest.raises(js.InputError, match="give a .csv path"):
        js.save(other, tmp_path / "curve.txt")
    with pytest.raises(js.InputError, match="keeps a result of the package"):
        js.save(other.to_frame(), tmp_path / "frame.csv")
    # every kind of result is kept alike (a virtual trial here)
    trial = js.virtual_trial(ctcl, js.regimen("ruxolitinib", "20 mg", days=1), 2, ["IL2"], stimulation="ex vivo")
    js.save(trial, tmp_path / "trial.csv")
    assert js.read_provenance(tmp_path / "trial.csv")["experiment"] == "VirtualTrial"


def test_save_refuses_folders_tells_results_apart_by_their_tables_and_leaves_no_stale_figure(ctcl, tmp_path,
                                                                                            monkeypatch):
    """What an audit of js.save found: force=True replaced a folder of the user's named like
    the figure (deleting its files); two knockout screens of other genes share a summary and
    replaced each other as 'the same result'; a forced save without a figure left the old
    figure unrecorded; the record named RoadRunner for an AMICI result; ~ was not read back."""
    (tmp_path / "y.png").mkdir()
    (tmp_path / "y.png" / "mine.txt").write_text("notes\n", encoding="utf-8")
    a = js.knockout_screen(ctcl, cytokines=["IL6"], genes=["SOCS3", "CISH"])
    b = js.knockout_screen(ctcl, cytokines=["IL6"], genes=["SOCS3", "SOCS1"])
    assert a.summary() == b.summary() and not a.to_frame().equals(b.to_frame())  # the premise
    with pytest.raises(js.InputError, match="y.png: it is a folder"):
        js.save(a, tmp_path / "y.csv", force=True)
    assert (tmp_path / "y.png" / "mine.txt").exists() and not (tmp_path / "y.csv").exists()
    js.save(a, tmp_path / "s.csv")
    with pytest.raises(js.InputError, match="written by a different run"):
        js.save(b, tmp_path / "s.csv")
    js.save(b, tmp_path / "s.csv", figure=False, force=True)
    assert sorted(p.name for p in tmp_path.glob("s.*")) == ["s.csv", "s.provenance.json"]  # a's figure went too
    record = js.read_provenance(tmp_path / "s.csv")
    assert record["engine"].startswith("not known") and record["model"].startswith("not known")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    js.save(a, "~/kept/screen.csv")
    assert js.read_provenance("~/kept/screen.csv")["experiment"] == "KnockoutScreen"


def test_the_model_record_changes_with_the_context_values_and_tables_read_beside_the_sbml(monkeypatch):
    """A context's values are read from models/contexts.tsv at load, not from the SBML: an
    edited lymphoma IL13RA1_total changed pSTAT6 at 30 min from 21.3 to 8.3 nM and left
    the record's model block as it was (an audit). The block now hashes the context's
    values, and the tables read beside the SBML (parameters, contexts, pharmacokinetics)."""
    model = js.load_model(context="lymphoma")
    before = provenance.model_version(model)
    values = {**model.parameter_values(), "IL13RA1_total": 0.5}
    monkeypatch.setattr(type(model), "parameter_values", lambda self: values)
    after = provenance.model_version(model)
    assert after["context_values_sha256"] != before["context_values_sha256"]
    assert after["sha256"] == before["sha256"]  # the SBML alone did not tell the two apart
    assert before["context_values_sha256"] != provenance.model_version(js.load_model())["context_values_sha256"]
    assert len(before["tables_sha256"]) == 64
    # the git commit of the source that ran, beside the version every commit shares
    source = provenance.source_commit()
    assert source.startswith(("not", *"0123456789abcdef")) and (source.startswith("not") or len(source.split()[0]) == 40)


def test_a_saved_dose_response_records_how_it_was_run(ctcl, tmp_path):
    """Two curves of other cytokine doses and pre-incubations (IC50 4.8 against 3.2 nM)
    were saved with the same condition and settings, {"context": "ctcl", "background": ""}:
    the summary, which the record keeps, names both now, and the doses' span."""
    plain = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000])
    other = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[1, 10, 100, 1000], cytokine_dose="10 ng/mL",
                             preincubation=60)
    js.save(plain, tmp_path / "plain.csv", figure=False)
    js.save(other, tmp_path / "other.csv", figure=False)
    a, b = (js.read_provenance(tmp_path / f"{n}.csv")["summary"] for n in ("plain", "other"))
    assert a["preincubation_min"] == 30 and b["preincubation_min"] == 60
    assert a["cytokine_dose_nM"] == pytest.approx(40 / catalog.cytokine("IL6").mass_kda)  # the standard 40 ng/mL
    assert b["cytokine_dose_nM"] == pytest.approx(10 / catalog.cytokine("IL6").mass_kda)
    assert (a["min_dose_nM"], a["max_dose_nM"], a["doses"]) == (1, 1000, 4)


def test_the_recorded_command_is_the_jakstat_line_however_the_cli_was_started(tmp_path):
    """Started as `python -m jakstat_sbml.cli`, the record said "jakstat -m jakstat_sbml.cli
    dose-response ...", which runs nothing (an audit); it is the jakstat line now, and a
    subcommand keeps its group's name."""
    out = tmp_path / "pm"
    done = CliRunner().invoke(app, ["dose-response", "IL6", "--doses", "0.1,1", "--out", str(out)],
                              prog_name="python -m jakstat_sbml.cli")
    assert done.exit_code == 0, done.output
    record = js.read_provenance(next(out.glob("*.csv")))
    assert record["command"] == f"jakstat dose-response IL6 --doses 0.1,1 --out {out}"
    done = CliRunner().invoke(app, ["validate", "pharmacokinetics", "--drug", "ruxolitinib", "--out", str(tmp_path / "pk")],
                              prog_name="python -m jakstat_sbml.cli")
    assert done.exit_code in (0, 1), done.output  # 1: a published number missed, said, not an error
    record = js.read_provenance(next((tmp_path / "pk").glob("*.csv")))
    assert record["command"].startswith("jakstat validate pharmacokinetics --drug ruxolitinib")


def test_save_keeps_the_tables_the_command_line_writes_beside_the_main_one(ctcl, tmp_path):
    """js.save kept to_frame() alone: a curve's draws and band, which `jakstat dose-response
    --uncertainty` writes, were lost from Python (an audit). They are saved beside it now,
    recorded, refused where another file is in the way, and removed when the same path is
    saved again, forced, with a result that has none."""
    curve = js.dose_response(ctcl, "tofacitinib", "IL2", doses=[1, 10, 100, 1000], uncertainty="potency", draws=20)
    written = js.save(curve, tmp_path / "curve.csv", figure=False)
    assert [p.name for p in written] == ["curve.csv", "curve_band.csv", "curve_draws.csv", "curve.provenance.json"]
    draws = pd.read_csv(tmp_path / "curve_draws.csv")
    assert draws["ic50_nM"].to_numpy() == pytest.approx(curve.uncertainty.ic50s, nan_ok=True)
    assert len(pd.read_csv(tmp_path / "curve_band.csv")) == len(curve.doses)
    assert "companion_frames()['draws']" in js.read_provenance(tmp_path / "curve_draws.csv")["content"]
    (tmp_path / "other_band.csv").write_text("mine\n")  # a user's file where a companion would go
    with pytest.raises(js.InputError, match="other_band.csv"):
        js.save(curve, tmp_path / "other.csv", figure=False)
    assert not (tmp_path / "other.csv").exists() and (tmp_path / "other_band.csv").read_text() == "mine\n"
    plain = js.dose_response(ctcl, "tofacitinib", "IL2", doses=[1, 10, 100, 1000])
    js.save(plain, tmp_path / "curve.csv", figure=False, force=True)
    assert not (tmp_path / "curve_band.csv").exists() and not (tmp_path / "curve_draws.csv").exists()


class _Flagged:
    """A result whose table has no flag at all and a companion with one empty note."""

    flags = ()

    def to_frame(self):
        return pd.DataFrame({"dose_nM": [1.0, 10.0], "flags": ["", ""]})

    def companion_frames(self):
        return {"verdicts": pd.DataFrame({"dose_nM": [1.0, 10.0], "note": ["", "weak"]})}

    def summary(self):
        return {"context": "ctcl", "doses": 2}

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        return plt.figure()


def test_load_gives_back_a_saved_result_with_its_verbs(ctcl, tmp_path):
    """js.load is js.save's inverse (docs/python.md said there was none): the table, the
    summary recorded at saving, the companion tables and the figure come back with a
    result's verbs; an empty flags cell is "" (pandas read it as NaN, which is no text);
    a file edited since is named in a warning and in ``changed``; a file without a
    record is refused in one line."""
    curve = js.dose_response(ctcl, "tofacitinib", "IL2", doses=[1, 10, 100, 1000], uncertainty="potency", draws=20)
    js.save(curve, tmp_path / "curve.csv")
    back = js.load(tmp_path / "curve.csv")
    assert isinstance(back, js.SavedResult) and back.experiment == "DoseResponse" and back.changed == ()
    pd.testing.assert_frame_equal(back.to_frame(), curve.to_frame(), check_dtype=False)
    assert back.summary() == json.loads(json.dumps(provenance._plain(curve.summary())))
    assert back.summary()["ic50_nM"] == pytest.approx(curve.summary()["ic50_nM"])
    assert set(back.companion_frames()) == {"band", "draws"}
    pd.testing.assert_frame_equal(back.companion_frames()["draws"], curve.companion_frames()["draws"],
                                  check_dtype=False)
    assert back.plot().axes[0].images  # the saved figure, as an image
    js.save(_Flagged(), tmp_path / "plain.csv", figure=False)  # a table whose flags cells are all empty
    kept = js.load(tmp_path / "plain.csv")
    assert kept.to_frame()["flags"].tolist() == ["", ""] and kept.to_frame()["dose_nM"].tolist() == [1.0, 10.0]
    assert kept.companion_frames()["verdicts"]["note"].tolist() == ["", "weak"]
    with pytest.raises(js.InputError, match="without a figure"):
        kept.plot()
    table = tmp_path / "plain.csv"
    table.write_text(table.read_text().replace("\n", "\n", 1) + "\n")  # an edit after saving
    with pytest.warns(js.JakStatWarning, match="plain.csv changed since"):
        edited = js.load(table)
    assert edited.changed == ("plain.csv",)
    (tmp_path / "mine.csv").write_text("a,b\n1,2\n")
    with pytest.raises(js.InputError, match="no provenance recorded"):
        js.load(tmp_path / "mine.csv")
    with pytest.raises(js.InputError, match="no saved result"):
        js.load(tmp_path / "absent.csv")
    # what a user audit tried: the figure, the record, a table saved beside another, an emptied table,
    # a removed figure -- each a one-line InputError, not pandas' or json's
    for wrong, says in (("curve.png", "reads the .csv"), ("curve.provenance.json", "reads the .csv"),
                        ("curve_band.csv", "a table saved beside curve.csv: load curve.csv")):
        with pytest.raises(js.InputError, match=says):
            js.load(tmp_path / wrong)
    (tmp_path / "curve.png").unlink()
    with pytest.raises(js.InputError, match="recorded but no longer there"):
        js.load(tmp_path / "curve.csv").plot()
    (tmp_path / "curve.csv").write_text("")
    with pytest.warns(js.JakStatWarning), pytest.raises(js.InputError, match="cannot be read as a table"):
        js.load(tmp_path / "curve.csv")


def test_flags_come_back_whole_though_they_hold_semicolons(ctcl, tmp_path):
    """A flag may hold "; " itself (a label's range, a steady-state note): the record keeps
    the flags as a list, where splitting the summary's text cut four flags into eight."""
    found = js.lowest_dose(ctcl, "pimozide", [2, 10], "IL2", days=2)
    assert any("; " in f for f in found.flags)
    js.save(found, tmp_path / "pimo.csv", figure=False)
    assert js.load(tmp_path / "pimo.csv").flags == found.flags


def test_save_never_orphans_or_removes_files_another_run_recorded(ctcl, tmp_path):
    """js.save(..., force=True) onto a CLI run's name replaced the run's record, which also
    recorded the run's other files: they were left without a record (an audit). It is
    refused now, and the other files are neither removed nor changed."""
    out = tmp_path / "cli"
    done = CliRunner().invoke(app, ["dose-response", "IL6", "--drug", "ruxolitinib", "--doses", "10,100,1000",
                                    "--out", str(out)])
    assert done.exit_code == 0, done.output
    main = next(p for p in out.glob("*.csv") if not p.stem.endswith("_fit"))
    fit = main.with_name(f"{main.stem}_fit.csv")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    curve = js.dose_response(ctcl, "ruxolitinib", "IL6", doses=[10, 100, 1000])
    with pytest.raises(js.InputError, match=f"also records {fit.name}"):
        js.save(curve, main, figure=False, force=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_the_source_commit_counts_the_package_files_not_a_runs_outputs(tmp_path, monkeypatch):
    """Every stored result of `make pharmacology` recorded "+ uncommitted changes": its own
    outputs (docs/, models/potency/) are uncommitted while it writes them, and the whole
    repository was compared (an audit). Only the package's files count now."""
    import subprocess

    repo = tmp_path / "repo"
    package = repo / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "provenance.py").write_text("# the package\n", encoding="utf-8")
    (repo / "docs").mkdir()
    (repo / "docs" / "stored.csv").write_text("a\n1\n", encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "first"]):
        subprocess.run(git + args, check=True, capture_output=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    monkeypatch.setattr(provenance, "__file__", str(package / "provenance.py"))
    provenance.source_commit.cache_clear()
    try:
        (repo / "docs" / "stored.csv").write_text("a\n2\n", encoding="utf-8")  # a run's output, being written
        assert provenance.source_commit() == head
        provenance.source_commit.cache_clear()
        (package / "provenance.py").write_text("# the package, changed\n", encoding="utf-8")
        assert provenance.source_commit() == f"{head} + uncommitted changes"
    finally:
        provenance.source_commit.cache_clear()
