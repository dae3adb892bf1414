"""The README's lines run as written, from a fresh clone (issue 26, point 1).

After `make demo` the README's command lines once failed with `jakstat: command not
found`: the command lives in .venv/bin and the README never said so. Here the
repository is cloned into a temporary folder (with the working tree's uncommitted
changes, so the test checks what will be committed), and one bash session runs the
README's set-up block, every line of its "Command line" block and then every line of
the command-line page of the documentation (docs/cli.md, where the README's other
examples moved in issue 25), exactly as written, in a shell whose PATH holds no
virtual environment. The README's Python example runs as written too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

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
    import jakstat_sbml as js

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


def test_the_readme_set_up_and_command_lines_run_as_written_in_a_fresh_clone(tmp_path):
    clone = fresh_clone(tmp_path / "jakstat-sbml")
    script = setup_block() + command_block() + cli_page_block() + "command -v jakstat\n"
    log = tmp_path / "readme.log"
    with log.open("w", encoding="utf-8") as output:
        result = subprocess.run(["bash", "-e", "-c", script], cwd=clone, env=clean_environment(), stdout=output,
                                stderr=subprocess.STDOUT, timeout=1500)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, text[-4000:]
    assert "command not found" not in text
    assert text.strip().splitlines()[-1] == str(clone / ".venv" / "bin" / "jakstat")
    for made in ("report/index.md", "out/il6.csv", "out/il6.xml", "out/map.html",
                 "out/dose_response_ruxolitinib_IL6_pSTAT3_fit.csv"):
        assert (clone / made).stat().st_size > 0, made
    assert "error:" not in text, [line for line in text.splitlines() if "error:" in line]


@pytest.fixture(autouse=True)
def _git_available():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.fail("these tests clone the repository: they run in a git checkout with git installed")
