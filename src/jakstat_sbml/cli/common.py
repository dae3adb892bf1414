"""What every `jakstat` command shares: the app, the console, option parsers, error handling."""

from __future__ import annotations

import inspect
import math
import re
import shlex
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum
from pathlib import Path

import typer
from typer.core import TyperCommand, TyperGroup
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import catalog
from ..engines import DEFAULT_ENGINE, ENGINES
from ..model import DEFAULT_PREINCUBATION
from ..calibration.datasets import DEFAULT_DATASET
from ..calibration.datasets import DATASETS as PETAB

# Help texts name what the catalog holds, generated from it, so they never go stale
# when a cytokine, drug, mutation, readout or context is added
# (tests/test_api_consistency.py checks every option's help against the catalog).
CYTOKINES = " ".join(catalog.cytokines())
DRUGS = " ".join(catalog.drugs())
MUTATIONS = ", ".join(catalog.mutations())
CONTEXTS = ", ".join(f"{c} (default)" if c == catalog.DEFAULT_CONTEXT else c for c in catalog.contexts())
READOUTS = " ".join(catalog.readouts())
MAIN_READOUTS = ", ".join(f"{c.name} {c.main_readout}" for c in catalog.CYTOKINES.values())
PETAB_DATASETS = " or ".join(f"{d.name} ({'default; ' if d.name == DEFAULT_DATASET else ''}needs --context {d.context})"
                            for d in PETAB.values())


def _extended_release_text() -> str:
    """The extended-release regimens tabulated (data/pharmacokinetics/approved_regimens.tsv)."""
    from ..regimens.pharmacokinetics import approved_table

    xr = approved_table()[lambda t: t.formulation == "XR"]
    return ", ".join(f"{r.drug} {r.dose_mg:g} mg every {r.every_h:g} h" for r in xr.itertuples())


EXTENDED_RELEASE = _extended_release_text()
FRACTIONS_UNBOUND = ", ".join(f"{d.name} {d.fraction_unbound:.2g}" for d in catalog.DRUGS.values())


def compact_nM(value: float) -> str:
    """A concentration in nM in at most four characters for a table of many columns
    (two significant figures; k = 10^3, M = 10^6); '-' for NaN or infinity."""
    if not value < float("inf") or value != value:
        return "-"
    if value < 0.01:
        return "<.01"
    if value < 0.0995:
        return f"{value:.3f}".lstrip("0")
    if value < 0.995:
        return f"{value:.2f}".lstrip("0")
    if value < 9.95:
        return f"{value:.1f}"
    if value < 999.5:
        return f"{value:.0f}" if value >= 99.5 else f"{value:.2g}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "G")):
        scaled = value / scale
        if scaled < 9.95:
            return f"{scaled:.1f}{suffix}"
        if scaled < 999.5:
            return f"{scaled:.0f}{suffix}"
    return ">1T"


def nM_range(doses) -> str:
    lo, hi = min(doses), max(doses)
    return " to ".join(f"{x / 1000:g} uM" if x >= 1000 else f"{x:g} nM" for x in (lo, hi))


def _default_doses_text() -> str:
    """Each drug's default dose range (models/tables/drugs.tsv), drugs with the same range together."""
    by_range: dict[str, list[str]] = {}
    for d in catalog.DRUGS.values():
        by_range.setdefault(nM_range(d.doses), []).append(d.name)
    return "; ".join(f"{r} (free) for {', '.join(names)}" for r, names in by_range.items())


DEFAULT_DOSES_TEXT = _default_doses_text()


class OneLineUsageErrors(TyperGroup):
    """The root group: a usage error (a bad option value, an option missing its partner,
    an unknown option) is one ``error:`` line on standard error and exit status 2, like
    every other bad input. Click's own rendering is a framed box of several lines after
    the usage text, which is what docs/cli.md promised not to print.

    Both the root's own options and every subcommand's are parsed within these two
    calls, so wrapping them covers the whole command line.
    """

    def make_context(self, *args, **kwargs):
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _one_line_usage_errors():
            return super().invoke(ctx)


def _is_a(exc: BaseException, name: str) -> bool:
    # by name: Typer 0.2x carries its own copy of Click (typer._click), older Typer uses click,
    # and the two define different UsageError classes
    return any(cls.__name__ == name for cls in type(exc).__mro__)


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if not _is_a(exc, "UsageError") or _is_a(exc, "NoArgsIsHelpError"):
            raise  # not a usage error; or `jakstat` alone, which shows the help, as it should
        where = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "jakstat"
        messages.print(f"[red]error:[/red] {escape(exc.format_message())} (see `{escape(where)} --help`)",
                       soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None


app = typer.Typer(
    cls=OneLineUsageErrors,
    help="jakstat-sbml: simulate cytokine-driven JAK/STAT signalling.\n\n"
         "Doses: plain numbers are nM; strings carry units ('40 ng/mL', '1 uM'). Drug doses are free "
         "(medium) concentrations unless --plasma says they are total plasma concentrations; drugs are "
         f"added {DEFAULT_PREINCUBATION:g} min before the cytokine unless --preincubation says otherwise. "
         f"Names: cytokines {CYTOKINES}; drugs {DRUGS}; mutations {MUTATIONS}; contexts {CONTEXTS}; "
         "genes are HGNC symbols; `jakstat contexts` describes the cell contexts.",
    no_args_is_help=True)
console = Console()
# errors and warnings go to standard error, so that what a command prints to standard output
# (a table, say, redirected to a file) is never replaced or mixed with them
messages = Console(stderr=True)


class FigureFormat(str, Enum):
    png = "png"
    svg = "svg"


# ----------------------------------------------------------------------------- helpers

NEGATIVE_NUMBER = re.compile(r"-\.?\d")
_command_line: ContextVar[str | None] = ContextVar("jakstat_command_line", default=None)  # for provenance records


HELP_WIDTH = 76  # an 80-column terminal less the help panel's margins and the examples' indent


def reflowed(help_text: str | None) -> str | None:
    """A command's help with each prose paragraph refilled to :data:`HELP_WIDTH`: Typer
    keeps a docstring's line breaks, so a line a little longer than an 80-column panel
    left one word on a line of its own. Paragraphs with an indented line (examples) keep
    their lines. (Not one line per paragraph for Rich to wrap: Typer then dedents the
    examples that follow a one-line paragraph.)"""
    if not help_text:
        return help_text
    paragraphs = inspect.cleandoc(help_text).split("\n\n")
    return "\n\n".join(p if any(line.startswith(" ") for line in p.splitlines())
                       else textwrap.fill(" ".join(p.split()), HELP_WIDTH, break_on_hyphens=False,
                                          break_long_words=False)
                       for p in paragraphs)


class NegativeValues(TyperCommand):
    """A command that reads a token such as ``-20mg`` or ``-5`` as a value, and keeps its
    command line for the provenance records of what it writes.

    Click takes every token that starts with ``-`` for options, so ``jakstat regimen
    ruxolitinib -20mg`` said "No such option: -2" instead of naming the negative dose
    (issue 26). Such tokens are passed on with a leading space (no option starts with
    one; every parser here strips it), so the package checks them and says what
    Python says.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.help = reflowed(self.help)

    def parse_args(self, ctx, args):
        # the command's names from the context chain: under `python -m jakstat_sbml.cli` the
        # root's name is "python -m ...", which command_path put into the record (an audit)
        names, parent = [], ctx
        while parent.parent is not None:
            names.insert(0, parent.info_name)
            parent = parent.parent
        _command_line.set(shlex.join(["jakstat", *names, *map(str, args)]))
        return super().parse_args(ctx, [f" {a}" if isinstance(a, str) and NEGATIVE_NUMBER.match(a) else a
                                        for a in args])  # (a caller in Python may pass a Path)


class _Bar(Progress):
    """Shown from its first task on: one stopped by bad input before any work left a blank
    line above the error."""

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        if self.live.is_started:
            self.stop()

    def add_task(self, *args, **kwargs):
        if not self.live.is_started:
            self.start()
        return super().add_task(*args, **kwargs)


def progress_bar() -> Progress:
    """A bar on standard error, as the package's own: standard output carries the results
    (`jakstat trial ... > out.txt` once put the bar in the file)."""
    return _Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=messages, transient=False)


def parse_pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise typer.BadParameter(f"{what} must look like NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip()
        if k in out:  # the last one once won without a word
            raise typer.BadParameter(f"{what} gives {k} twice ({out[k]!r} and {v.strip()!r}): give it once")
        out[k] = v.strip()
    return out


def check_plasma(plasma: bool, drug: list[str]) -> None:
    """--plasma without a drug dose would mark nothing: refused (it once ran without a word)."""
    if plasma and not drug:
        raise typer.BadParameter("marks drug doses as total plasma, but no drug is given (-d DRUG=DOSE)",
                                 param_hint="--plasma")


def parse_dose(v: str) -> str:
    """A dose as typed: the package reads a bare number ("40") as nM (mg for an oral dose),
    so the command line and Python give the same numbers and the same messages."""
    return v.strip()


def parse_doses(text: str | None, what: str) -> list | None:
    """Comma-separated doses ('1,10,100' in nM, or '1 uM, 10 uM'); None keeps the default."""
    if text is None:
        return None
    return [parse_dose(x.strip()) for x in text.split(",") if x.strip()]


def doses_nM(text: str | None, what: str, mass_kda: float | None = None, drug: str | None = None) -> list[float] | str:
    """Doses as a run's identity holds them: in nM, so that '1,10', '1, 10' and
    '1 nM, 0.01 uM' are one run ("default" when none are given). ``mass_kda`` marks
    cytokine doses, ``drug`` a drug's: either may be a mass concentration ('306.37 ng/mL'
    of ruxolitinib is 1000 nM, by its molar mass). Doses the package refuses keep
    their text: the experiment then refuses them, in the words Python users see too."""
    from ..regimens.pharmacokinetics import molar_mass

    if text is None:
        return "default"
    mass = molar_mass(drug) if drug is not None else None
    held = _held_nM([(what, d, mass_kda, mass) for d in parse_doses(text, what)])
    return text if held is None else held


def stimuli_nM(stimuli: Mapping[str, object]) -> dict:
    """Cytokine doses by name as a run's identity holds them: in nM ('IL6=0.48' and
    'IL6=10 ng/mL' are one run); refused doses keep their text, as in :func:`doses_nM`."""
    try:
        masses = [catalog.cytokine(name).mass_kda for name in stimuli]
    except KeyError:  # an unknown name: the experiment says so
        masses = None
    held = None if masses is None else _held_nM([(n, d, m, None) for (n, d), m in zip(stimuli.items(), masses)])
    return {name: str(dose) for name, dose in stimuli.items()} if held is None else dict(zip(stimuli, held))


def _held_nM(doses: list[tuple[str, object, float | None, float | None]]) -> list[float] | None:
    """(what, dose, mass_kda, molar_mass) each in nM to 12 significant digits ('0.1 uM' is
    100 nM, not 100.00000000000001), or None if the package refuses one of them."""
    from .. import units
    from ..errors import InputError

    try:
        with units.quiet_bare_doses():  # the experiment warns about its own doses
            return [float(f"{units.to_nM(d, what=what, mass_kda=m, molar_mass=g):.12g}") for what, d, m, g in doses]
    except InputError:
        return None


def parse_covariates(items: list[str]) -> dict:
    """``--covariate NAME=FREQ`` / ``NAME=LEVEL:FREQ,LEVEL:FREQ`` as js.virtual_trial's
    ``covariates`` (names, levels and ranges are checked there)."""
    from ..errors import InputError, refuse_repeats

    out: dict = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name or not value.strip():
                raise ValueError
            if ":" in value:
                parts = (part.partition(":") for part in value.split(","))
                pairs = [(level.strip(), float(freq)) for level, _, freq in parts]
                parsed = dict(pairs)
            else:
                pairs, parsed = [], float(value)
        except ValueError:
            raise InputError(f"--covariate must look like NAME=FREQ or NAME=LEVEL:FREQ,LEVEL:FREQ, got {item!r}") \
                from None
        refuse_repeats([level for level, _ in pairs], f"--covariate {name}: levels")
        if name in out:  # the last one won without a word, dropping the first one's patients
            raise InputError(f"--covariate gives {name} twice: give it once (a graded covariate's levels in one "
                             f"option, {name}=LEVEL:FREQ,LEVEL:FREQ)")
        out[name] = parsed
    return out


def parse_mutation_frequencies(text: str | None) -> str | dict | None:
    """``--mutations cited`` or ``NAME=FREQ,NAME=FREQ`` as js.virtual_trial's
    ``mutation_frequencies`` (names and ranges are checked there)."""
    from ..errors import InputError, refuse_repeats

    if text is None or "=" not in text:  # "cited", or a source name js.virtual_trial refuses with the valid one
        if text is not None and text.strip() in catalog.MUTATIONS:
            raise InputError(f"--mutations {text.strip()}: give how often patients carry it, e.g. "
                             f"{text.strip()}=0.3 (or 'cited' for the frequencies of CTCL sequencing)")
        return None if text is None else text.strip()
    try:
        pairs = [(name.strip(), float(freq)) for name, freq in (part.split("=") for part in text.split(","))]
    except ValueError:
        raise InputError(f"--mutations must be 'cited' or NAME=FREQ,NAME=FREQ (e.g. STAT5B_N642H=0.3), got {text!r}") \
            from None
    refuse_repeats([name for name, _ in pairs], "--mutations: mutations")
    return dict(pairs)


def parse_window(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        a, b = (float(x) for x in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"--window must look like START,END in min (e.g. 0,60), got {text!r}") from None
    return a, b


def measure_settings(time: float | None, window: str | None) -> dict:
    """A run identity's time and window: the time point the experiment reads when neither is
    given (its default, so that `--time 20` and no option are one run, and the record says
    what was read), the window as numbers."""
    from ..experiments.measures import DEFAULT_TIME, Measure

    parsed = parse_window(window)
    with reported():  # checked here, before the outputs are: a folder of another run hid a bad --time (an audit)
        Measure.make(time, parsed)
    return {"time": DEFAULT_TIME if time is None and parsed is None else time, "window": parsed}


def parse_mutations(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, frac = item.partition("=")
        if name.strip() in out:
            raise typer.BadParameter(f"--mutation gives {name.strip()} twice: give it once")
        try:
            out[name.strip()] = float(frac) if frac else 1.0
        except ValueError:
            raise typer.BadParameter(f"--mutation must look like NAME or NAME=FRACTION, got {item!r}") from None
    return out


def parse_overexpress(items: list[str]) -> dict[str, float]:
    out = {}
    for k, v in parse_pairs(items, "--overexpress").items():
        try:
            out[k] = float(v)
        except ValueError:
            raise typer.BadParameter(f"--overexpress fold must be a number, got {v!r} for {k}") from None
        if out[k] == 0:  # it was a knockout without a word (an audit)
            raise typer.BadParameter(f"--overexpress {k}=0 is a knockout: give -k {k}")
    return out


def background_keywords(knockout: list[str], overexpress: list[str], mutation: list[str]) -> dict:
    """The background keywords every simulation of an experiment shares."""
    bg = {}
    if knockout:
        bg["knockouts"] = knockout
    if overexpress:
        bg["overexpress"] = parse_overexpress(overexpress)
    if mutation:
        bg["mutations"] = parse_mutations(mutation)
    return bg


def fail(exc: Exception) -> None:
    messages.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def reported(out: Path | None = None) -> Iterator[None]:
    """Turn the errors a user can act on into one line and exit status 2.

    Our own errors (bad input, a missing optional package), an optional package
    imported outside :mod:`jakstat_sbml.optional`, and, with ``out``, a file in
    ``out`` that cannot be written.
    """
    from .. import optional
    from ..errors import JakStatError
    from ..files import write_error

    try:
        yield
    except JakStatError as exc:
        fail(exc)
    except ImportError as exc:
        missing = optional.missing(exc)
        if missing is None:
            raise
        fail(missing)
    except OSError as exc:
        if out is None:
            raise
        failed, folder = (Path(exc.filename).absolute() if exc.filename else None), out.absolute()
        if failed is not None and not (failed.is_relative_to(folder) or folder.is_relative_to(failed)):
            raise  # not one of the outputs (or a folder on their way): a bug or a missing input
        fail(write_error(failed or out, exc))


def refuse_to_replace(path: Path, *, force: bool) -> None:
    """An explicitly named output (an export) that already exists: an OutputError unless
    ``force``. A file the user wrote is never replaced silently; an empty folder is no loss."""
    from ..errors import OutputError

    if force or not path.exists():
        return
    if path.is_dir() and not any(path.iterdir()):
        return
    kind = "folder" if path.is_dir() else "file"
    raise OutputError(f"{path} exists ({kind}): refusing to replace it; use --force to replace it, or choose "
                      "another path")


def check_writable(path: Path | None, *, folder: bool = True) -> None:
    """Fail (exit 2) before any work when ``path`` cannot be written."""
    from ..files import writable

    if path is not None:
        with reported():
            writable(path, folder=folder)


def require_optional(module: str, purpose: str) -> None:
    """Fail (exit 2) before any work when an optional package is missing."""
    from ..optional import require

    with reported():
        require(module, purpose)


# Messages printed as "warning: ..." by the running command: each is printed once, whether
# it came as a JakStatWarning (during the work) or as a result's flag (after it).
_printed: ContextVar[set[str] | None] = ContextVar("jakstat_printed_warnings", default=None)


@contextmanager
def tidy_warnings() -> Iterator[None]:
    """While a command runs, print each JakStatWarning once, as one yellow ``warning: ...``
    line (not as Python shows warnings, with the source line that raised it); other
    warnings are shown as usual. Every command runs inside it (the app's callback)."""
    import warnings

    from ..errors import JakStatWarning

    token = _printed.set(set())
    with warnings.catch_warnings():  # restores warnings.showwarning afterwards
        warnings.simplefilter("always", JakStatWarning)  # repeats are dropped here, not by the filter
        shown_as_usual = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, JakStatWarning):
                warn_flags((str(message),))
            else:
                shown_as_usual(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        try:
            yield
        finally:
            _printed.reset(token)


def flags_of(result) -> tuple[str, ...]:
    """Why numbers of ``result`` cannot be trusted (empty for results without flags)."""
    return tuple(str(f) for f in (getattr(result, "flags", None) or ()))


def warn_flags(flags: tuple[str, ...]) -> None:
    """Print each flag as a yellow ``warning:`` line, unless this command printed it already."""
    printed = _printed.get()
    for flag in flags:
        if printed is not None:
            # a result's flag may quote a warning already printed, behind what it is about
            # ("50 mg: ruxolitinib 50 mg twice daily is ..."): printed once (a user audit saw it twice)
            if flag in printed or any(flag.endswith(f": {seen}") for seen in printed):
                continue
            printed.add(flag)
        messages.print(f"[yellow]warning: {escape(flag)}[/yellow]", soft_wrap=True)


def load_context_model(context: str):
    import jakstat_sbml as js

    with reported():
        return js.load_model(context=context)


def present_cytokines(model, n_jobs: int = 1) -> list[str]:
    """Every cytokine whose pathway the model's context can signal through; the others are
    named once, in one warning line, and left out (a command's default, not the user's choice)."""
    import jakstat_sbml as js

    absent = js.absent_pathways(model, n_jobs=n_jobs)
    if absent:
        warn_flags((f"not present in context {model.context!r}, left out: " + "; ".join(absent.values()),))
    return [c for c in catalog.cytokines() if c not in absent]


# ----------------------------------------------------------------------------- provenance


def condition_of(context: str, *, knockout: list[str] = (), overexpress: list[str] = (), mutation: list[str] = (),
                 cytokines: Mapping | None = None, drugs: Mapping | None = None,
                 preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False) -> dict:
    """The full condition of a run, normalised (provenance.condition_record); exit 2 on bad input."""
    from .. import provenance

    with reported():
        return provenance.condition_record(context, knockouts=list(knockout), overexpress=parse_overexpress(overexpress),
                                           mutations=parse_mutations(mutation), cytokines=cytokines, drugs=drugs,
                                           preincubation=preincubation, plasma=plasma)


def command_line() -> str | None:
    """The running command's line, as typed (for provenance records)."""
    return _command_line.get()


def check_outputs(paths, run: dict, force: bool, option: str = "--out") -> None:
    """Exit 2 before any work when a file among ``paths`` would replace another run's (or
    the user's own) file and ``--force`` was not given; ``option`` names where they go."""
    from .. import provenance

    with reported():
        provenance.check_overwrite(paths, run, force=force, option=option)


def known_names(*, cytokines=(), readouts=(), genes=()) -> None:
    """Exit 2 on a name the catalog does not know (naming the nearest), before the overwrite
    check: into another run's folder, `screen -g FOO` reported the clash, not the gene."""
    from ..errors import InputError

    with reported():
        for name in cytokines:
            if "=" in str(name):  # "unknown cytokine 'IL6=0'" read as a typo (an audit)
                raise InputError(f"--cytokine {name}: this command takes cytokine names, each at its standard dose, "
                                 f"not NAME=DOSE: give -c {str(name).split('=')[0].strip()}")
            catalog.cytokine(name)
        for name in readouts:
            catalog.readout(name)
        for name in genes:
            catalog.gene(name)


def record_outputs(name: str, folder: Path, run: dict, files: Mapping[Path, str], model, engine: str = "roadrunner",
                   extra: Mapping[str, dict] | None = None, result: tuple[Path, object] | None = None) -> Path:
    """Write the provenance record of a run's files (path -> what it holds) as
    ``folder/<name>.provenance.json``; ``extra``: more per-file fields; ``result``: (the
    table a result was written as, the result), whose summary and flags the record keeps
    beside that table, so that ``js.load`` gives them back."""
    from .. import provenance

    def key(p) -> str:  # a file inside a written folder (a PEtab problem's) keeps its folder in its name
        p = Path(p)
        return p.relative_to(folder).as_posix() if p.is_relative_to(folder) else p.name

    extra = {k: dict(v) for k, v in (extra or {}).items()}
    if result is not None:
        extra.setdefault(key(result[0]), {}).update(provenance.result_entry(result[1]))
        # the tables written beside it that are the result's companion frames ("<...>_band.csv"):
        # js.load gives them back as js.save's are (an audit found them lost)
        names = result[1].companion_frames() if hasattr(result[1], "companion_frames") else {}
        for p in files:
            side = Path(p)
            companion = next((c for c in names if side.suffix == ".csv" and side.stem.endswith(f"_{c}")), None)
            if companion is not None and side != Path(result[0]):
                extra.setdefault(key(side), {})["companion"] = companion
    entries = {key(p): {"content": c, **extra.get(key(p), {})} for p, c in files.items()}
    rec = provenance.record(run, entries, model=model, engine=engine, command=command_line())
    with reported(folder):
        _remove_replaced(provenance.sidecar(name, folder), folder, rec)
        return provenance.write(provenance.sidecar(name, folder), rec)


def _remove_replaced(record_path: Path, folder: Path, rec: Mapping) -> None:
    """Files the record of another run this one replaces names and this run did not write (a
    former --uncertainty run's `_band.csv`, rerun without it and with --force): left beside
    the new outputs with no record, they read as this run's (a user audit). Removed where
    their bytes are still the former run's; one the user has changed since is kept, and said
    so. The same run's other files (its figure in another format) stay its own."""
    from .. import provenance

    for name, entry in provenance.replaced_files(record_path, rec).items():
        path = folder / name
        if entry.get("sha256") is not None and entry.get("sha256") == provenance.file_sha256(path):
            path.unlink()
            messages.print(f"removed {escape(str(path))}: the replaced run wrote it, this one does not", soft_wrap=True)
        else:
            messages.print(f"[yellow]warning: kept {escape(str(path))}: the replaced run wrote it and it has "
                           "changed since; this run does not write it, and no record names it now[/yellow]",
                           soft_wrap=True)


def condition_columns(condition: Mapping) -> dict:
    """The condition as flat table columns (what a one-row result table carries with it)."""
    def listed(mapping):
        return ";".join(f"{k}={v:g}" for k, v in mapping.items())

    return {"context": condition["context"], "knockouts": ";".join(condition["knockouts"]),
            "mutations": listed(condition["mutations_fraction"]), "overexpress": listed(condition["overexpress_fold"]),
            "background_drugs_nM_free": listed(condition["drugs_nM_free"]),
            "cytokines_nM": listed(condition["cytokines_nM"]), "parameters": listed(condition["parameters"]),
            "preincubation_min": condition["preincubation_min"]}


def save_figure(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)


def use_agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _valid_n_jobs(value: int) -> int:
    """-j: checked before any work (a bad value once left an empty report folder behind)."""
    if value == 0 or value < -1:
        raise typer.BadParameter(f"must be a positive integer or -1 (one per CPU), got {value}")
    return value


def draws_apply(uncertainty: str | None) -> bool:
    """Whether --draws and --seed set the interval: with --uncertainty, except the
    calibration envelope, which runs each ensemble member once."""
    return bool(uncertainty) and str(uncertainty).strip().lower() != "calibration"


def interval_keywords(uncertainty: str | None, draws: int, seed: int) -> dict:
    """draws= and seed= for an experiment: the typed or default values where they set the
    interval (:func:`draws_apply`), None where they do not."""
    apply = draws_apply(uncertainty)
    return {"draws": draws if apply else None, "seed": seed if apply else None}


def check_interval_options(ctx: typer.Context, uncertainty: str | None) -> None:
    """Exit 2 when --draws or --seed is typed without --uncertainty, or with the calibration
    mode, whose envelope runs each ensemble member once: they set draws that would not be
    drawn (they were once ignored without a word)."""
    given = [f"--{name}" for name in ("draws", "seed")
             if name in ctx.params and ctx.get_parameter_source(name).name == "COMMANDLINE"]
    if uncertainty and not draws_apply(uncertainty) and given:
        raise typer.BadParameter(f"{' and '.join(given)} do{'es' if len(given) == 1 else ''} not apply to "
                                 "--uncertainty calibration: its interval is the envelope over the ensemble's "
                                 "members, one run each", param_hint=given[0])
    if uncertainty:
        from ..potency.draws import as_uncertainty

        # the mode, draws and seed are checked before the outputs are: into a folder of another run,
        # --draws 0 was answered "exists and was written by a different run" (an audit)
        with reported():
            as_uncertainty(uncertainty, draws=ctx.params.get("draws") if "--draws" in given else None,
                           seed=ctx.params.get("seed") if "--seed" in given else None)
        return
    if given:
        verb = "set" if len(given) > 1 else "sets"
        raise typer.BadParameter(f"{' and '.join(given)} {verb} the predictive interval: give --uncertainty too",
                                 param_hint=given[0])


def print_predictive_interval(curve) -> None:
    """The IC50's predictive interval, free and total plasma, what it covers, and each
    component alone."""
    unc = curve.uncertainty
    warn_flags(unc.flags)
    lo, hi = unc.interval()
    plo, phi = unc.interval("plasma")
    kind = "envelope" if unc.envelope else f"{unc.level:.0%} predictive interval"
    components = unc.components if len(unc.components) > 1 else {}
    ends = [lo, hi, plo, phi, *(end for pair in components.values() for end in pair)]
    # the explanation only where an end is NaN (issue 22 found it printed beside finite ends)
    why_nan = " (NaN: an end outside the tested doses)" if any(math.isnan(e) for e in ends) else ""
    console.print(f"  {kind}: {lo:.4g}-{hi:.4g} nM free, {plo:.4g}-{phi:.4g} nM total plasma{why_nan}",
                  soft_wrap=True)
    console.print(f"  covers: {escape(unc.covers)}", soft_wrap=True)
    if not unc.envelope:
        terms = []
        for kind, unit in (("free", "nM free"), ("plasma", "nM total plasma")):
            ends = unc.end_precision(kind)
            (la, lb), (ha, hb) = (ends.loc[e, ["range_low_nM", "range_high_nM"]] for e in ("low", "high"))
            terms.append(f"low {_end_range(la, lb)}, high {_end_range(ha, hb)} {unit}")
        console.print(f"  ends, as {unc.draws} draws pin them (90% confidence): {'; '.join(terms)}; more --draws "
                      "narrow this", soft_wrap=True)
    for name, (a, b) in components.items():  # the ensemble alone is its members' envelope, not a percentile range
        what = "envelope" if name.startswith("calibration ensemble") else f"{unc.level:.0%} interval"
        pa, pb = unc.components_plasma.get(name, (math.nan, math.nan))
        console.print(f"    {escape(name)} alone ({what}): {a:.4g}-{b:.4g} nM free, {pa:.4g}-{pb:.4g} nM total plasma",
                      soft_wrap=True)
    for note in unc.notes:
        console.print(f"  [dim]{escape(note)}[/dim]", soft_wrap=True)


def first_clause(text: str) -> str:
    """The text up to its first "; " outside parentheses (what an interval covers, without
    the records appended to it): a plain split cut "(fit ...; drug potency fixed)" in two."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith("; ", i):
            return text[:i]
    return text


def _end_range(low: float, high: float) -> str:
    """The range an interval's end lies in; a side the draws are too few to bound is open."""
    if math.isnan(low) and math.isnan(high):
        return "open (the draws do not bound it)"
    if math.isnan(low):
        return f"below {high:.3g} (open: too few draws, or draws beyond the doses)"
    if math.isnan(high):
        return f"above {low:.3g} (open: too few draws, or draws beyond the doses)"
    return f"{low:.3g}-{high:.3g}"


def print_wrote(*paths: Path) -> None:
    for p in paths:
        console.print(f"wrote {escape(str(p))}", soft_wrap=True)


# Options shared by the experiment commands.
KNOCKOUT = typer.Option([], "--knockout", "-k", help="HGNC symbol knocked out in every simulation (repeatable).")
SIMULATION_KNOCKOUT = typer.Option([], "--knockout", "-k", help="HGNC symbol to knock out (repeatable).")
MAIN_READOUT = typer.Option(None, "--readout", "-r",
                            help=f"Readout (default: the cytokine's main one: {MAIN_READOUTS}).")
OVEREXPRESS = typer.Option([], "--overexpress", "-o", help="GENE=FOLD over the context's level, e.g. PIAS3=5.")
MUTATION = typer.Option([], "--mutation", "-m",
                        help=f"Gain-of-function mutation, NAME (every copy mutant: fraction 1) or "
                             f"NAME=MUTANT_FRACTION: {MUTATIONS} (e.g. NAME=0.5 heterozygous).")
FORMULATION = typer.Option("IR", help=f"IR (immediate release) or XR (extended release: {EXTENDED_RELEASE}).")
CONTEXT = typer.Option(catalog.DEFAULT_CONTEXT, help=f"Cell context: {CONTEXTS} (see `jakstat contexts`).")
TIME = typer.Option(None, help="Read the readout at this time (min after the cytokine). Default 20.")
WINDOW = typer.Option(None, help="Use the AUC over START,END (min) instead of a time point, e.g. 0,60.")
PREINCUBATION = typer.Option(DEFAULT_PREINCUBATION, help="Minutes of drug before the cytokine (0: together).")
PLASMA = typer.Option(False, "--plasma", help="Drug doses are total plasma concentrations (converted with "
                                             f"the fraction unbound: {FRACTIONS_UNBOUND}).")
N_JOBS = typer.Option(1, "--n-jobs", "-j", callback=_valid_n_jobs,
                      help="Worker processes for the simulations (-1: one per CPU).")
FORCE = typer.Option(False, "--force", help="Replace output files that another run (or no run of jakstat) wrote; "
                                             "without it such files are kept and the command stops.")
def _valid_engine(value: str) -> str:
    """--engine: a name the package knows, checked before any work or file check (regimen
    reported a bogus engine as a clash with an earlier run's files)."""
    if value not in ENGINES:
        raise typer.BadParameter(f"unknown engine {value!r} (valid: {', '.join(ENGINES)})")
    return value


ENGINE = typer.Option(DEFAULT_ENGINE, callback=_valid_engine, help=f"Simulation engine: {', '.join(ENGINES)} (amici: "
                                                                   "faster for heavy work, needs the amici extra).")
FORMAT = typer.Option(FigureFormat.png, "--format", help="Figure format.")
def uncertainty_given(value: str | None) -> str | None:
    """An empty --uncertainty "" ran without an interval and without a word."""
    if value is not None and not value.strip():
        raise typer.BadParameter("is empty: give potency, calibration, parameters or all")
    return value


UNCERTAINTY = typer.Option(None, "--uncertainty", "-u", callback=uncertainty_given,
                           help="Predictive interval over draws of: potency (the "
                           "drug-potency posterior and between-assay variability), calibration (a calibrated "
                           "context's ensemble), parameters (an uncalibrated context's plausible ranges, drug layer "
                           "refitted), or all (potency plus whichever of the other two the context has).")
DRAWS = typer.Option(200, "--draws", help="Draws of the predictive interval (at least 20; with --uncertainty).")
SEED = typer.Option(0, "--seed", min=0, help="Seed of the draws (same seed, same interval; 0 or more; with "
                                            "--uncertainty).")
CYTOKINE_DOSES = typer.Option([], "--cytokine", "-c", help=f"NAME=DOSE, e.g. IL6='40 ng/mL' (floats are nM); "
                                                           f"NAME one of {CYTOKINES}.")
DRUG_DOSES = typer.Option([], "--drug", "-d", help=f"NAME=DOSE, e.g. ruxolitinib=500 (nM) or '1 uM'; "
                                                   f"NAME one of {DRUGS}.")


# ----------------------------------------------------------------------------- commands


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jakstat-sbml")
    except PackageNotFoundError:  # running from a source tree that is not installed
        from .. import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"jakstat-sbml {_version()}")
        raise typer.Exit()


@app.callback()
def _main(ctx: typer.Context,
          version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    _command_line.set(None)  # the command sets its own when it parses its arguments
    ctx.with_resource(tidy_warnings())
