"""The README's lines run as written, from a fresh clone (issue 26, point 1).

After `make demo` the README's command lines once failed with `jakstat: command not
found`: the command lives in .venv/bin and the README never said so. Here the
repository is cloned into a temporary folder (with the working tree's uncommitted
changes, so the test checks what will be committed), and one bash session runs the
README's set-up block, every line of its "Command line" block and then every line of
the command-line page of the documentation (docs/cli.md, where the README's other
examples moved in issue 25), exactly as written, in a shell whose PATH holds no
virtual environment. The README's Python example runs as written too.

The report `make demo` writes there is the one the report's tests read: what a new user
gets, built once per run of the suite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import jakstat_sbml as js
from jakstat_sbml import catalog
from jakstat_sbml.cli import app

from .conftest import REPO

runner = CliRunner()
README = (REPO / "README.md").read_text(encoding="utf-8")
CLI_PAGE = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def setup_block() -> str:
    """The README's first block: what a new user runs first."""
    return bash_blocks(README)[0]


def command_block() -> str:
    """The block right under '## Command line'."""
    return bash_blocks(README.split("\n## Command line\n", 1)[1])[0]


def demo_command() -> str:
    """The command `make demo` runs (the Makefile's demo recipe, less its environment)."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\t", 1)[1].splitlines()[0]
    return "jakstat " + recipe.split("/jakstat ", 1)[1].strip()


def cli_page_block() -> str:
    """The command-line page's first block, less the lines the README's block already ran
    and the line that is `make demo`'s own command (the set-up block ran it: a second
    report build would only repeat it)."""
    ran = set(command_block().splitlines())
    return "".join(line + "\n" for line in bash_blocks(CLI_PAGE)[0].splitlines()
                   if line not in ran and line.split("#", 1)[0].strip() != demo_command())


def clean_environment() -> dict:
    """The environment of a new shell: no virtual environment active, none on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not (Path(p).parent / "pyvenv.cfg").exists())
    return env


def fresh_clone(dest: Path) -> Path:
    """``git clone`` of this repository, plus the working tree's changes and new files."""
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(dest)], check=True)
    diff = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=REPO, capture_output=True, check=True).stdout
    if diff:
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=dest, input=diff, check=True)
    new = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                         check=True).stdout.decode().split("\0")
    for name in filter(None, new):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest / name)
    return dest


def test_the_command_line_page_runs_make_demos_command_once():
    assert demo_command() == "jakstat report --out report"
    page = [line.split("#", 1)[0].strip() for line in bash_blocks(CLI_PAGE)[0].splitlines()]
    assert demo_command() in page and demo_command() not in cli_page_block()


def test_the_readme_names_the_activation_before_its_command_lines():
    setup = setup_block()
    assert "make demo" in setup and "source .venv/bin/activate" in setup
    assert setup.index("make demo") < setup.index("source .venv/bin/activate") < setup.index("jakstat ")
    assert command_block().lstrip().startswith("jakstat ")
    assert bash_blocks(CLI_PAGE)[0].lstrip().startswith("jakstat ")


def test_the_readme_stays_a_front_page():
    """Issue 25: the README had grown to 317 lines; it says what the project is, how to set
    it up, one example of each kind and where the documentation is, in about 120 lines."""
    assert len(README.splitlines()) <= 120
    assert README.index("## Set up") < README.index("## Python") < README.index("## Command line")
    assert len(re.findall(r"```python\n", README)) == 1


def test_the_readmes_counts_are_the_packages():
    """The README's front page said "eight notebooks" after the tenth was committed: a count
    it states must be the repository's."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
    stated = re.search(r"`js\.drugs\(\)`: (\w+) drugs", README)
    assert stated and words.index(stated.group(1)) == len(js.drugs())
    notebooks = len(list((REPO / "notebooks").glob("*.ipynb")))
    for count in re.findall(r"\b(\w+) notebooks\b", README):
        if count in words or count.isdigit():
            assert (int(count) if count.isdigit() else words.index(count)) == notebooks, count


def test_the_readme_python_example_runs_as_written(tmp_path):
    code = re.findall(r"```python\n(.*?)```", README, flags=re.S)[0]
    result = subprocess.run([sys.executable, "-c", code + "\nprint(type(fig).__name__, df.shape[0] > 1)"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "Figure True"


def test_a_shell_without_the_activation_does_not_find_jakstat():
    """What makes the next test able to fail: the outer venv does not leak into its shell."""
    result = subprocess.run(["bash", "-c", "command -v jakstat"], env=clean_environment(), capture_output=True)
    assert result.returncode != 0, result.stdout


# What the README's set-up block prints ends here and its command lines begin: the report
# tests below read `make demo`'s own output from the log of the one bash session.
COMMAND_LINES_BEGIN = "### the README's command lines begin"


@pytest.fixture(scope="module")
def readme_session(tmp_path_factory):
    """One fresh clone and one bash session: the README's set-up block (`make demo`, which
    writes report/), then its command lines and the command-line page's. The report tests
    share the report `make demo` wrote instead of building their own: a report build is
    about 2.5 minutes, and `make test` has a 20-minute budget."""
    root = tmp_path_factory.mktemp("readme")
    clone = fresh_clone(root / "jakstat-sbml")
    script = (setup_block() + f"echo \"{COMMAND_LINES_BEGIN}\"\n" + command_block() + cli_page_block()
              + "command -v jakstat\n")
    log = root / "readme.log"
    with log.open("w", encoding="utf-8") as output:
        result = subprocess.run(["bash", "-e", "-c", script], cwd=clone, env=clean_environment(), stdout=output,
                                stderr=subprocess.STDOUT, timeout=1500)
    return clone, result.returncode, log.read_text(encoding="utf-8", errors="replace")


def test_the_readme_set_up_and_command_lines_run_as_written_in_a_fresh_clone(readme_session):
    clone, returncode, text = readme_session
    assert returncode == 0, text[-4000:]
    assert "command not found" not in text
    assert text.strip().splitlines()[-1] == str(clone / ".venv" / "bin" / "jakstat")
    for made in ("report/index.md", "out/il6.csv", "out/il6.xml", "out/map.html",
                 "out/dose_response_ruxolitinib_IL6_pSTAT3_fit.csv"):
        assert (clone / made).stat().st_size > 0, made
    assert "error:" not in text, [line for line in text.splitlines() if "error:" in line]


# The report `make demo` writes (the ctcl context), and what `jakstat report` printed while writing it.

@pytest.fixture(scope="module")
def ctcl_report(readme_session):
    clone, _, text = readme_session
    assert COMMAND_LINES_BEGIN in text, "the README's set-up block (make demo) failed:\n" + text[-4000:]
    return clone / "report", text.split(COMMAND_LINES_BEGIN, 1)[0]


def test_report_writes_one_folder_tied_together_by_its_index(ctcl_report):
    out, output = ctcl_report
    index = (out / "index.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)\)", index)
    assert links and all((out / link).exists() for link in links), [x for x in links if not (out / x).exists()]
    present = [c for c in catalog.CYTOKINES if c not in ("GMCSF", "EPO")]  # ctcl lacks their receptors
    for c in present:
        assert f"timecourse_{c}.png" in links and f"timecourse_{c}.csv" in links
        # a maximum at the last time point is not a peak (IL-12's pSTAT4 was 'peaking' at 120 min, the end)
        course = pd.read_csv(out / f"timecourse_{c}.csv")
        main = course[catalog.CYTOKINES[c].main_readout]
        row = next(line for line in index.splitlines() if line.startswith(f"| {c} |"))
        assert ("not peaked" in row) == (main.idxmax() == len(course) - 1), row
    from jakstat_sbml.report import ic50_drugs

    # the drugs with fitted potency are drawn one by one with intervals; every drug is in the panel
    assert set(ic50_drugs()) == {"ruxolitinib", "tofacitinib", "pimozide", "baricitinib", "filgotinib",
                                 "upadacitinib", "ritlecitinib", "abrocitinib"}
    for figure in ["knockout_screen.png", "combination.png", "cytokine_ec50.png", "mutations.png",
                   "drug_panel.png", *(f"ic50_{d}.png" for d in ic50_drugs())]:
        assert figure in links
    table = pd.read_csv(out / "drug_ic50.csv")
    expected = {(d, c, r) for d in ic50_drugs() for c, r in catalog.drug_pairs(d) if c in present}
    assert set(zip(table.drug, table.cytokine, table.readout)) == expected
    assert ("pimozide", "IL2", "pSTAT5") in expected  # the pair the combination map uses too
    panel = pd.read_csv(out / "drug_panel.csv")
    assert set(panel.drug) == set(catalog.DRUGS)
    # issue 24: the cohort of the approved ruxolitinib and tofacitinib regimens, as distributions
    assert "cohort.png" in links
    cohort = pd.read_csv(out / "cohort_summary.csv")
    assert set(cohort.arm) == {"ruxolitinib 20 mg BID", "tofacitinib 5 mg BID"}
    assert set(cohort.pathway) == {"IL2/pSTAT5", "IL6/pSTAT3"}
    assert (cohort.p5 < cohort["median"]).all() and (cohort["median"] < cohort.p95).all()  # patients differ
    # and the drug's potency is not known: each statistic carries its potency interval, which holds the
    # cohort's own value (every inhibition rises with potency, docs/dosing.md section 4)
    assert (cohort.median_low <= cohort["median"]).all() and (cohort["median"] <= cohort.median_high).all()
    assert (cohort.above_threshold_low <= cohort.above_threshold_high).all()
    assert cohort.interval_covers.str.contains("drug potency posterior").all()
    patients = pd.read_csv(out / "cohort_patients.csv")
    assert patients.patient.nunique() == cohort.patients.iloc[0]
    assert "not a clinical one" in index
    # an IC50 the doses cannot fit is shown as the bound they give (ritlecitinib spares JAK1/JAK2/TYK2-only
    # IL-6: at most ~1% inhibition up to 3000 nM), not as 'n/a'
    assert re.search(r"^\| ritlecitinib \| IL6 \| pSTAT3 \| > [\d,]+ \(ritlecitinib does not lower pSTAT3 by 5% or more",
                     index, flags=re.M)
    assert re.search(r"^\| ritlecitinib \| > [\d.,]+ \| ritlecitinib 50 mg once daily \|", index, flags=re.M)  # panel


def test_report_leaves_out_pathways_the_context_lacks_and_shows_no_nan(ctcl_report):
    """Issue 26: the ctcl report drew empty GM-CSF and EPO panels, 'nan%' cells and a
    'nan% (73%)' dosing cell (the 73% being JAK3 A572V's constitutive pSTAT5)."""
    out, output = ctcl_report
    index = (out / "index.md").read_text(encoding="utf-8")
    assert not re.search(r"\bnan\b", index, flags=re.I), re.findall(r".{40}\bnan\b.{10}", index, flags=re.I)
    absent = [line for line in index.splitlines() if line.startswith("Not present in context")]
    assert len(absent) == 1 and "GMCSF" in absent[0] and "EPO" in absent[0]
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", index, flags=re.M | re.S))
    for title in ("Time courses at standard doses", "Cytokine dose-response (EC50)", "Drug dose-response (IC50)",
                  "Knockout screen", "Dosing regimens (PK/PD)"):
        assert not re.search(r"\b(GMCSF|EPO)\b", sections[title]), title
    assert not list(out.glob("timecourse_GMCSF.*")) and not list(out.glob("timecourse_EPO.*"))
    for name in ("cytokine_ec50.csv", "drug_ic50.csv", "knockout_screen.csv", "dosing.csv", "dosing_mutant.csv"):
        frame = pd.read_csv(out / name)
        column = "pathway" if "pathway" in frame else "cytokine"
        assert not frame[column].astype(str).str.contains("GMCSF|EPO").any(), name


def test_report_quotes_the_stored_cross_validation_against_its_targets(ctcl_report):
    """Issue 22: the report's drug-potency section showed only the in-sample fit and pointed
    elsewhere for the honest check; it now quotes the held-out fold error and coverage
    stored by `make pharmacology`, each against its target, and the replicates' floor."""
    out, _ = ctcl_report
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", (out / "index.md").read_text(encoding="utf-8"),
                               flags=re.M | re.S))
    potency = sections["Drug potency against measured data"]
    stored = pd.read_csv(REPO / "docs" / "pharmacology" / "cross_validation_summary.csv").iloc[0]
    verdict = "met" if stored["gmfe"] <= 2.5 else "**missed**"
    assert f"held-out predictions **{stored['gmfe']:.2f}** (target <= 2.5: {verdict})" in potency
    assert f"90% predictive intervals cover **{stored['coverage_90']:.0%}**" in potency
    assert "a model without error of its own would reach" in potency and "other measured data" not in potency
    # and what qualifies the headline, as `jakstat validate pharmacology` prints it
    from jakstat_sbml.potency.crossval import qualifiers_text, stored_cross_validation

    qualifiers = qualifiers_text(stored_cross_validation().summary())
    assert qualifiers in potency and "Two drugs measured in one assay of a held-out source" in qualifiers
    # each drug's and each assay system's held-out record, the ones their intervals quote, as table rows
    from jakstat_sbml.potency.crossval import stored_track_records

    for record in stored_track_records() + stored_track_records("system"):
        tested = (f"| {record.name} | {record.rows} | {record.sources} | {record.covered} ({record.coverage:.0%}) |"
                  if record.rows else f"| {record.name} | 0 | - | - | - |")  # no held-out test of a fitted interval
        verdict = f"**{record.verdict}**" if record.too_narrow else record.verdict  # bold where too narrow
        assert f"{tested}" in potency and f"| {record.prior_only} | {verdict} |" in potency, record.name
    # a drug whose only source, left out, left no fit row: its rows tested the prior, not quoted as coverage
    assert "| ritlecitinib | 0 | - | - | - | 2 | no independent test |" in potency
    # one whose only test is an ex vivo EC50 in dosed people (never fitted), counted apart
    assert "| upadacitinib | 0 | - | - | - | 6 | ex vivo test only |" in potency
    # a row that measured proliferation says so beside the readout it is read at (it read as a pSTAT5 row)
    assert "| tofa_tblast_IL2_prolif_eubopen | tofacitinib | IL2 / pSTAT5 (measured: proliferation) |" in potency
    # and the IC50 section says, below its interval table, what those intervals delivered per drug
    rux = next(t for t in stored_track_records() if t.name == "ruxolitinib")
    assert rux.text() in sections["Drug dose-response (IC50)"]
    # the drug panel says beside each drug how far its potency is checked: baricitinib's held-out
    # rows (10-20x misses in medium) sat in this section only, deucravacitinib's potency is assumed
    panel = sections["JAK inhibitors compared"]
    bari = next(t for t in stored_track_records() if t.name == "baricitinib")
    assert f"GMFE {bari.gmfe:.1f} over {bari.rows} rows, {bari.covered} covered" in panel
    assert re.search(r"^\| deucravacitinib \|.*\| assumed: no measured row \|$", panel, flags=re.M)
    # the model's wiring, said: TYK2 is structural only at its IFN-alpha receptor
    assert "deucravacitinib binds TYK2, which the model's IFNA receptor holds only structurally" in panel


def test_report_says_how_the_pharmacokinetics_fare_against_published_numbers(ctcl_report):
    """The regimens' section rests on the PK: it states how many published numbers the PK
    meets, how many of those are independent checks, and names every miss with the model's
    value, from the same checks as `jakstat validate pharmacokinetics` (written beside it)."""
    out, _ = ctcl_report
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", (out / "index.md").read_text(encoding="utf-8"),
                               flags=re.M | re.S))
    dosing = sections["Dosing regimens (PK/PD)"]
    checks = js.validate_pharmacokinetics()
    s = checks.summary()
    # the headline counts the independent checks: the circular ones pass by construction (23 of 28 read as 7 of 12)
    assert f"{s['independent_within']} of {s['independent']} independent checks within their bounds" in dosing
    for r in checks.table[checks.table.status != "within"].itertuples():
        assert f"{r.drug} {r.formulation} {r.quantity.replace('_', ' ')}: model " in dosing, r.quantity
    written = pd.read_csv(out / "pharmacokinetic_checks.csv")
    assert written.model.tolist() == pytest.approx(checks.table.model.tolist())
    # its table has no interval and says so; brackets, which hold a 90% interval in `jakstat regimen`,
    # held the mutant value here (an audit)
    assert "without intervals" in dosing and "--uncertainty potency" in dosing
    wild = pd.read_csv(out / "dosing.csv").set_index(["arm", "pathway"])["mean_inhibition"]
    row = next(line for line in dosing.splitlines() if line.startswith("| ruxolitinib 20 mg BID |"))
    assert "; mut " in row and "(" not in row
    assert f"| {100 * wild.loc[('ruxolitinib 20 mg BID', 'IL2/pSTAT5')]:.0f}%; mut " in row


def test_every_file_of_the_report_records_how_it_was_made(ctcl_report):
    """Issue 26: every CSV and figure records its full condition, read back by js.read_provenance."""
    from jakstat_sbml import provenance, report

    out, _ = ctcl_report
    files = [f for f in out.iterdir() if not f.name.endswith(provenance.SUFFIX)]
    assert len(files) > 40
    for f in files:
        record = js.read_provenance(f)
        assert record["experiment"] and record["content"] and record["condition"]["context"], f.name
        assert record["package"]["version"] == js.__version__ and len(record["model"]["sha256"]) == 64
        assert record["engine"]["name"] == "roadrunner" and record["command"] == demo_command()
    assert js.read_provenance(out / "timecourse_IL6.csv")["condition"]["cytokines_nM"] == {
        "IL6": pytest.approx(40 / catalog.CYTOKINES["IL6"].mass_kda)}
    mutant = js.read_provenance(out / "dosing_mutant.csv")["condition"]["mutations_fraction"]
    assert mutant == {m: 0.5 for m in catalog.MUTATIONS}
    assert js.read_provenance(out / "ensemble_band_hepatocyte_IL6_pSTAT3.csv")["condition"]["context"] == "hepatocyte"
    # the IC50 intervals' draws, seed and level: the record lacked them, so a reader could not redo them
    drawn = js.read_provenance(out / "drug_ic50.csv")["settings"]["interval"]
    assert drawn == {"mode": "potency", "draws": 200, "seed": 0, "level": 0.9}
    assert js.read_provenance(out / "ensemble_ic50.csv")["settings"]["interval"]["mode"] == "all"
    # the calibration envelope in both terms, as the predictive interval beside it: potency is fixed there,
    # so its total plasma ends are the free ends over ruxolitinib's fraction unbound
    index = (out / "index.md").read_text(encoding="utf-8")
    row = next(line for line in index.splitlines() if line.startswith("| hepatocyte | ruxolitinib IC50"))
    free, plasma = row.split(" | ")[3].split("; ")
    fu = catalog.drug("ruxolitinib").fraction_unbound
    ends = [[float(x) for x in re.split(r"(?<=\d)-(?=\d)", cell)] for cell in (free, plasma)]
    assert [x / fu for x in ends[0]] == pytest.approx(ends[1], rel=0.01)  # printed to 3 significant figures
    # the same report again may replace these files; a report of another context may not
    provenance.check_overwrite(files, report.report_run("ctcl", "png"))
    result = runner.invoke(app, ["report", "--out", str(out), "--context", "lymphoma"])
    assert result.exit_code == 2 and "was written by a different run" in result.output
    assert "--force" in result.output


def test_report_prints_each_warning_once_and_tidily(ctcl_report):
    """Issue 26: `make demo` printed 12 raw Python warnings with their source lines."""
    out, output = ctcl_report
    assert "JakStatWarning" not in output and "report.py:" not in output
    warnings = [line for line in output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(set(warnings))
    assert not [w for w in warnings if "does not drive" in w]  # absent pathways are not run at all
    # A warning about the drug, not the pathway (ruxolitinib's held-out record, too narrow in the
    # stored cross-validation), is printed once naming every pathway, not once per pathway.
    # The same holds over the calibrated contexts' ensembles: one line naming all four.
    too_narrow = [w for w in warnings if "likely too narrow for ruxolitinib" in w]
    assert len(too_narrow) == 2
    assert too_narrow[0].startswith("warning: IC50 of ruxolitinib on IL2/pSTAT5, IL4/pSTAT6, ")
    assert too_narrow[1].startswith("warning: ensemble IC50 of ruxolitinib on IL6/pSTAT3 in hepatocyte, ")
    assert "EPO/pSTAT5 in erythroid" in too_narrow[1]
    # A curve's flag is printed once even where two sections draw the curve: the drug panel does not
    # repeat what the IC50 section said of ritlecitinib on IL-6 (no effect up to 3000 nM), but still
    # flags the drugs only it draws (deucravacitinib), and its index lists every flag.
    ic50_flags = [re.match(r"warning: IC50 of (\w+) on (\S+): (.*)", w) for w in warnings]
    repeated = [f"warning: drug panel: {m[1]}, {m[2]}: {m[3]}" for m in ic50_flags if m]
    assert [w for w in warnings if w in repeated] == []
    assert any(w.startswith("warning: IC50 of ritlecitinib on IL6/pSTAT3") for w in warnings)
    assert not any(w.startswith("warning: drug panel: ritlecitinib, IL6/pSTAT3") for w in warnings)
    assert any(w.startswith("warning: drug panel: deucravacitinib, IL6/pSTAT3") for w in warnings)
    index = (out / "index.md").read_text(encoding="utf-8")
    assert "ritlecitinib, IL6/pSTAT3: ritlecitinib does not lower pSTAT3" in index



@pytest.fixture(autouse=True)
def _git_available():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.fail("these tests clone the repository: they run in a git checkout with git installed")
