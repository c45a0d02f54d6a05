"""The `dealdocs` command: a thin layer over the library; heavy imports wait for the command that needs them."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from generator.errors import DealdocsError, ExitCode, Problem, printable  # light: the standard library only

if TYPE_CHECKING:  # for annotations only: --help must not import them
    from rich.console import Console
    from typer._click import Context  # what the framework passes commands' groups; typer.Context is a subclass of it

    from generator.deal.loading import LoadedDeal
    from generator.pool.tape import TapeReport

# What the command-line framework raises to end a command its own way (usage errors, --help, typer.Exit).
_FRAMEWORK: tuple[type[BaseException], ...] = (typer.Exit, typer.Abort, *(k for k in typer.BadParameter.__mro__ if k.__name__ == "ClickException"))


class _Boundary(TyperGroup):
    """The one place where whatever a command lets escape is turned into a message and an exit code.

    A DealdocsError (of any category) lists its problems (ExitCode.USER_ERROR, 2); a system library
    WeasyPrint cannot load is named with the package to install (USER_ERROR); Ctrl-C is one line
    (ExitCode.INTERRUPTED, 130); anything else is a bug: one line naming the command and the exception
    (ExitCode.INTERNAL_ERROR, 1), the traceback under --debug. Commands just raise; what the
    command-line framework raises to end a command its own way (usage errors, typer.Exit) passes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, command in self.commands.items():
            _plain_metavars(name, command)

    def invoke(self, ctx: Context) -> Any:
        _resume_collection()
        try:
            return super().invoke(ctx)
        except _FRAMEWORK:
            raise
        except (KeyboardInterrupt, Exception) as exc:
            raise typer.Exit(self.report(exc, ctx)) from None

    @staticmethod
    def report(exc: BaseException, ctx: Context) -> ExitCode:
        """Print what the user sees for `exc` (on standard error) and return the exit code it ends with."""
        if isinstance(exc, DealdocsError):
            count = f"{exc.total} problem{'s' if exc.total != 1 else ''}"
            _print_problems(f"dealdocs: {count}", exc.problems, exc.total, "red")
            return ExitCode.USER_ERROR
        if isinstance(exc, KeyboardInterrupt):
            typer.echo("dealdocs: interrupted", err=True)
            return ExitCode.INTERRUPTED
        missing = _missing_library(exc)
        if missing:
            typer.echo(f"dealdocs: error: {missing}", err=True)
            return ExitCode.USER_ERROR
        debug = bool(ctx.params.get("debug"))
        if debug:
            import traceback

            traceback.print_exception(exc, file=sys.stderr)
        message = " ".join(str(exc).split())
        hint = "" if debug else " (run again with --debug for the traceback)"
        typer.echo(f"dealdocs: internal error in {ctx.invoked_subcommand}: {type(exc).__name__}: {message}{hint}", err=True)
        return ExitCode.INTERNAL_ERROR


# Metavars of the commands' own options and arguments (those of the shared ones are set where they are defined).
_METAVARS = {"out": "DIR", "jobs": "N", "source": "DIR", "folder": "FOLDER", "paths": "PATH...", "format": "json|csv|xlsx"}
_COMMAND_METAVARS = {("strats", "out"): "FILE", ("compare-tapes", "out"): "FILE", ("compare", "format"): "table|json"}


def _plain_metavars(name: str, command: Any) -> None:
    """Every value shown by a metavar (`--out DIR`, `PATH...`), flags as flags.

    Recent typer versions print Python types instead (`<path>`, `<list[str]>`, `<bool>`) and
    put braces round arguments.
    """
    for param in command.params:
        if getattr(param, "is_flag", False):
            continue
        if param.metavar is None:
            param.metavar = _COMMAND_METAVARS.get((name, param.name)) or _METAVARS.get(param.name) or param.name.upper()
        if param.param_type_name == "argument":
            param.display_type_rich = lambda ctx: None
            param._usage_display_name = lambda metavar=param.metavar: metavar


def _missing_library(exc: BaseException) -> str | None:
    """What to install when WeasyPrint cannot load Pango (or GLib, which it loads first) from the system."""
    import traceback

    if not isinstance(exc, OSError) or "cannot load library" not in str(exc):
        return None
    if not any("weasyprint" in frame.filename for frame in traceback.extract_tb(exc.__traceback__)):
        return None
    return (
        f"PDF needs the Pango library, which WeasyPrint loads from the system ({' '.join(str(exc).split())}). "
        "Install libpango-1.0-0 and libpangoft2-1.0-0: on Debian or Ubuntu, run "
        "'bash scripts/setup-system.sh render' as root in a clone of dealdocs, or "
        "'apt-get install libpango-1.0-0 libpangoft2-1.0-0'; elsewhere, install Pango "
        "(https://doc.courtbouillon.org/weasyprint/stable/first_steps.html). "
        "Meanwhile '--format txt,docx' renders without it."
    )


app = typer.Typer(
    cls=_Boundary,
    help="Draft the SEC filings of a mortgage-backed securities series from a deal file and a loan tape.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags without a type, options by their metavar
)


_OWN_PROCESS = False
"""Whether this process is the command's alone (set by `main`): then what start-up made may be frozen, never a host program's garbage."""


def _resume_collection() -> None:
    """Resume the cyclic collector `main` paused while the command line was read, freezing what that made (imports, parameters)."""
    import gc

    if _OWN_PROCESS and not gc.isenabled():
        gc.freeze()
        gc.enable()


@contextmanager
def _start_up() -> Iterator[None]:
    """Import a command's modules with the cyclic collector paused; in its own process, set what they made aside for good.

    Imports make hundreds of thousands of objects (classes, models, functions) and no garbage:
    collecting them, and walking them again at every later collection, cost a fifth of the
    CPU time of `strats` on a small tape. `main` pauses it the same way while the command line
    is read (`_resume_collection`).
    """
    import gc

    from generator.processes import gc_paused

    enabled = gc.isenabled()  # paused by the caller: left to it
    with gc_paused():
        yield
        if enabled and _OWN_PROCESS:
            gc.freeze()  # the modules live as long as the process: never walked again


def _version(value: bool) -> None:
    if value:
        from generator import __version__

        typer.echo(f"dealdocs {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _global(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version, help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Print the traceback of an internal error.")] = False,
) -> None:
    # Options for every command; --debug is read by _Boundary.invoke.
    pass


DealArg = Annotated[Path, typer.Argument(metavar="DEAL", help="The deal file (YAML).", show_default=False)]
TapeOpt = Annotated[Path | None, typer.Option("--tape", metavar="FILE", help="Use this loan tape instead of the deal's.", show_default=False)]
FormatsOpt = Annotated[str, typer.Option("--format", "-f", metavar="FORMATS", help="Comma-separated formats: txt, docx, pdf, htm (EDGAR HTML) (any case).")]
TemplatesOpt = Annotated[
    Path | None, typer.Option("--templates", metavar="DIR", help="Folder of templates that override the built-in ones by name.", show_default=False)
]


def _formats(spec: str) -> list[str]:
    """'txt, PDF' -> ['txt', 'pdf']: case and spaces do not matter, a format named twice is made once."""
    from generator.formats import FORMATS

    chosen = list(dict.fromkeys(f.strip().lower() for f in spec.split(",") if f.strip()))
    if not chosen or any(f not in FORMATS for f in chosen):
        raise typer.BadParameter(f"{spec!r}: choose from {', '.join(FORMATS)}", param_hint="--format")
    return chosen


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _print_problems(title: str, problems: Sequence[Problem], total: int, style: str) -> None:
    from rich.markup import escape

    console = _stderr()
    console.print(f"[bold {style}]{title}[/]")
    for problem in problems:
        console.print(f"  {escape(str(problem))}")
    if total > len(problems):
        console.print(f"  ... and {total - len(problems)} more")


def _print_tape_warnings(report: TapeReport) -> None:
    """A tape's warnings grouped by rule: one line per rule with its count, then its first rows."""
    from generator.errors import Severity

    total = report.count(Severity.WARNING)
    if not total:
        return
    from rich.markup import escape  # only when there is something to print: rich costs a tenth of a second to import
    console = _stderr()
    console.print(f"[bold yellow]{total} warning{'s' * (total != 1)}[/]")
    for group in report.grouped(Severity.WARNING):
        rows = f"{group.count} row{'s' * (group.count != 1)}"
        console.print(f"  {escape(f'{report.path} [{group.column}]: warning: {group.rule} ({rows})')}")
        for problem in group.first:
            console.print(f"    {escape(str(problem))}")
        if group.count > len(group.first):
            console.print(f"    ... and {group.count - len(group.first)} more")


def _deal_warnings(loaded: LoadedDeal, drafts: bool = True) -> int:
    """Print the deal file's warnings (likely mistakes at their lines, `pool.lint`; facts left open, when it `drafts` documents); returns how many."""
    from generator.deal.placeholders import placeholders
    from generator.pool.lint import deal_warnings

    found = deal_warnings(loaded) + (placeholders(loaded) if drafts else [])
    if found:
        _print_problems(f"{len(found)} warning{'s' * (len(found) != 1)} in the deal file", found, len(found), "yellow")
    return len(found)


@contextmanager
def _tape_warnings() -> Iterator[None]:
    """Print the warnings of every tape read inside the block, as `validate` does, also when the block fails."""
    from generator.pool.analysis import tape_reports

    with tape_reports() as reports:
        try:
            yield
        finally:
            for report in reports:
                _print_tape_warnings(report)


_SIGN_HELP = "Ed25519 private key (PEM or OpenSSH) to sign {what} with; default: $DEALDOCS_SIGNING_KEY (the key or its file), else unsigned."
_VERIFY_HELP = "Ed25519 public key (PEM or ssh-ed25519) that must have signed {what}: proves who wrote it, catches a rehashed list."


@app.command()
def render(
    deal: DealArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the documents.")] = Path("out"),
    tape: TapeOpt = None,
    formats: FormatsOpt = "txt,docx,pdf",
    templates: TemplatesOpt = None,
    submission: Annotated[
        Path | None,
        typer.Option(
            "--submission",
            metavar="DIR",
            show_default=False,
            help="Write the Form 8-K submission folder (8-K, exhibits, submission.json) instead of --out.",
        ),
    ] = None,
    key: Annotated[
        Path | None, typer.Option("--key", metavar="FILE", show_default=False, help=_SIGN_HELP.format(what="submission.json (with --submission)"))
    ] = None,
) -> None:
    """Render every document the deal file describes, e.g. OUT/term-sheet-8k.txt, .docx and .pdf."""
    from generator.deal.loading import load_deal
    from generator.output.rendering import publish_deal

    chosen = _formats(formats)
    if key is not None and submission is None:
        raise typer.BadParameter("signs submission.json: use it with --submission (batch --key signs manifests)", param_hint="--key")
    loaded = load_deal(deal)
    _deal_warnings(loaded)
    if submission is not None:
        from generator.output.submission import cover_open, write_submission

        if cover := cover_open(loaded):
            _print_problems(f"{len(cover)} warning{'s' * (len(cover) != 1)}: the 8-K's cover", cover, len(cover), "yellow")
        from generator.signing import private_key

        with _tape_warnings():
            paths = write_submission(loaded, submission, tape, templates, private_key(key))
        for path in paths:
            typer.echo(f"wrote {path}")
        return
    with _tape_warnings():
        published = publish_deal(loaded, out, tape, chosen, templates, apart=True)  # the PDF beside the other formats, where a CPU is free
    for path, rendered in published.written:
        if rendered.warnings:
            _print_problems(f"{path.name}: warnings", rendered.warnings, len(rendered.warnings), "yellow")
        typer.echo(f"wrote {path}")
    if published.notes:
        _print_problems(f"{out}: files of other runs", published.notes, len(published.notes), "yellow")


templates_app = typer.Typer(help="Your own templates: copy the built-in ones to edit.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")


@templates_app.command("export")
def templates_export(
    out: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to copy into (created; existing files are not replaced).", show_default=False)],
    document: Annotated[
        list[str] | None, typer.Option("--document", "-d", metavar="NAME", help="Only this document (repeatable).", show_default=False)
    ] = None,
) -> None:
    """Copy the built-in templates of every format (text, HTML, .docx with notes on its tags, CSS, prose) to edit."""
    from generator.documents.registry import DOCUMENTS
    from generator.templating.overrides import export_templates

    names = document or list(DOCUMENTS)
    unknown = [name for name in names if name not in DOCUMENTS]
    if unknown:
        raise typer.BadParameter(f"{', '.join(unknown)}: choose from {', '.join(DOCUMENTS)}", param_hint="--document")
    for path in export_templates(out, names):
        typer.echo(f"wrote {path}")


@app.command()
def check(
    paths: Annotated[
        list[Path], typer.Argument(help="Deal files (.yaml, .yml), EDGAR documents (.txt, .htm) or submission folders.", show_default=False)
    ],
    tape: TapeOpt = None,
    templates: TemplatesOpt = None,
    key: Annotated[
        Path | None, typer.Option("--key", metavar="PUBLIC", show_default=False, help=_VERIFY_HELP.format(what="each folder's submission.json"))
    ] = None,
) -> None:
    """Check a deal file's own consistency, or lint EDGAR documents and submission folders against EDGAR's rules; exit 1 if any is wrong.

    A deal file's dates, prose figures, 8-K exhibit index, party names and certificate balances.
    """
    from generator.formats.edgar_check import problems
    from generator.output.batch import DEAL_SUFFIXES  # a deal file; any other path is an EDGAR document or a submission folder
    from generator.signing import public_key

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"not found: {', '.join(missing)}", param_hint="PATH...")
    deals = [p for p in paths if p.suffix.lower() in DEAL_SUFFIXES and not p.is_dir()]
    edgar = [p for p in paths if p not in deals]
    if key is not None and not any(p.is_dir() for p in edgar):
        raise typer.BadParameter("checks a submission folder's signature: name the folder", param_hint="--key")
    if not deals and (tape is not None or templates is not None):
        raise typer.BadParameter("checks a deal file: name the deal file (.yaml)", param_hint="--tape" if tape is not None else "--templates")
    wrong = False
    if edgar:
        found = problems(edgar, public_key(key) if key is not None else None)
        for problem in found:
            typer.echo(str(problem))
        if found:
            typer.echo(f"{len(found)} problem{'s' * (len(found) != 1)} EDGAR would refuse", err=True)
        else:
            typer.echo(f"{', '.join(map(str, edgar))}: nothing EDGAR would refuse")
        wrong = bool(found)
    for deal in deals:
        wrong = _check_deal(deal, tape, templates) or wrong
    if wrong:
        raise typer.Exit(ExitCode.FAILED_ITEMS)


def _check_deal(deal: Path, tape: Path | None, templates: Path | None) -> bool:
    """Print the deal's consistency problems (`check_consistency`) and a count; True when there is an error."""
    from generator.api import check_consistency
    from generator.deal.loading import load_deal
    from generator.errors import Severity

    loaded = load_deal(deal)
    with _tape_warnings():
        found = check_consistency(loaded, tape, templates)
    for problem in found:
        typer.echo(str(problem))
    errors = sum(p.severity is Severity.ERROR for p in found)
    warnings = len(found) - errors
    if found:
        typer.echo(f"{deal}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} in the deal", err=True)
    else:
        typer.echo(f"{deal}: the deal is consistent (dates, prose figures, exhibit index, party names, certificate balances, no facts left open)")
    return errors > 0


@app.command()
def validate(deal: DealArg, tape: TapeOpt = None) -> None:
    """Check the deal file, its tables and templates folder, and every row of its loan tape; exit 2 on errors."""
    with _start_up():
        import polars  # noqa: F401 (the tape reader's, imported with the rest)

        from generator.deal.loading import SHOWN_PROBLEMS, load_deal
        from generator.documents.checks import check_deal
        from generator.errors import Severity
        from generator.pool.analysis import check_tape

    loaded = load_deal(deal)
    report, unread = None, None
    if loaded.deal.term_sheet is not None:
        try:
            report = check_tape(loaded, tape)
        except DealdocsError as exc:  # the tape cannot be read: list the deal file's problems with it
            unread = exc
    found, cover = check_deal(loaded, report), []
    if loaded.deal.filing is not None:  # what `render --submission` refuses before rendering, and the cover's facts it leaves open
        from generator.output.submission import cover_open, filing_problems

        found, cover = found + filing_problems(loaded), cover_open(loaded)
    errors = 0 if report is None else report.count(Severity.ERROR)
    if report is not None:
        _print_tape_warnings(report)
    warnings = _deal_warnings(loaded) + len(cover) + (0 if report is None else report.count(Severity.WARNING))
    if cover:
        _print_problems(f"{len(cover)} warning{'s' * (len(cover) != 1)}: the 8-K's cover", cover, len(cover), "yellow")
    if report is not None and not errors:  # the pool's balance is known: the classes must add up to it
        from generator.documents.certificates import balance_warnings

        if mismatch := balance_warnings(loaded, report.loans):
            _print_problems("1 warning in the deal file", mismatch, 1, "yellow")
            warnings += 1
    if found:
        _print_problems(f"{len(found)} error{'s' * (len(found) != 1)} in the deal file", found[:SHOWN_PROBLEMS], len(found), "red")
    if unread is not None:
        _print_problems(f"the loan tape: {unread.total} problem{'s' * (unread.total != 1)}", unread.problems, unread.total, "red")
    if errors and report is not None:
        _print_problems(f"{errors} error{'s' * (errors != 1)}", report.listed(Severity.ERROR), errors, "red")
    if errors or found or unread is not None:
        raise typer.Exit(ExitCode.USER_ERROR)  # the problems are listed above, in validate's own layout
    if report is None:
        typer.echo(f"{deal}: deal file valid (it has no loan tape)")
    else:
        typer.echo(f"{report.path}: {report.loans.height} loans, no errors, {warnings} warning{'s' * (warnings != 1)}")


class StratsFormat(StrEnum):
    """What `dealdocs strats --format` writes."""

    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@app.command()
def strats(
    deal: DealArg,
    tape: TapeOpt = None,
    format: Annotated[StratsFormat, typer.Option("--format", "-f", help="Output format.")] = StratsFormat.json,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (json and csv default to standard output).", show_default=False)] = None,
) -> None:
    """The pool summary and every stratification table, for analysts."""
    with _start_up():
        import polars  # noqa: F401 (the tape reader's, imported with the rest)

        from generator.deal.loading import load_deal
        from generator.documents.labels import analysed
        from generator.output import export
        from generator.pool.analysis import term_sheet_of

    loaded = load_deal(deal)
    _deal_warnings(loaded, drafts=False)  # the tables only: no prose to leave open
    with _tape_warnings():
        analysis = analysed(loaded, tape)
    _export(
        format, out, lambda path: export.write_xlsx(analysis, path, term_sheet_of(loaded).report_date),
        lambda: export.to_json(analysis), lambda: export.to_csv(analysis),
    )  # fmt: skip


def _export(format: StratsFormat, out: Path | None, xlsx: Callable[[Path], object], json: Callable[[], str], csv: Callable[[], str]) -> None:
    """Write an export in `format`: xlsx to `out` (required), json or csv to `out` or standard output."""
    from generator.files import write_atomic

    if format is StratsFormat.xlsx:
        if out is None:
            raise typer.BadParameter("xlsx needs --out FILE", param_hint="--out")
        xlsx(out)
        typer.echo(f"wrote {out}")
        return
    text = json() if format is StratsFormat.json else csv()
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
        typer.echo(f"wrote {out}")


@app.command("compare-tapes")
def compare_tapes(
    deal: DealArg,
    old: Annotated[Path, typer.Argument(metavar="OLD_TAPE", help="The tape the last draft was rendered from.", show_default=False)],
    new: Annotated[Path, typer.Argument(metavar="NEW_TAPE", help="The tape that replaces it.", show_default=False)],
    format: Annotated[
        StratsFormat | None, typer.Option("--format", "-f", help="json, csv or xlsx instead of the terminal's tables.", show_default=False)
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (json and csv default to standard output).", show_default=False)] = None,
) -> None:
    """Loans a new tape adds, drops and changes (fields old -> new), then every printed figure it moves, with the loans that moved it."""
    from generator.api import compare_tapes as compare
    from generator.deal.loading import load_deal
    from generator.output import tape_export
    from generator.pool.analysis import term_sheet_of

    if out is not None and format is None:
        raise typer.BadParameter("writes json, csv or xlsx: add --format", param_hint="--out")
    loaded = load_deal(deal)
    _deal_warnings(loaded)
    with _tape_warnings():
        comparison = compare(loaded, old, new)
    if format is None:
        from generator.cli.reporting import tape_changes

        tape_changes(comparison, str(old), str(new))
        return
    _export(
        format, out, lambda path: tape_export.write_xlsx(comparison, path, term_sheet_of(loaded).report_date),
        lambda: tape_export.to_json(comparison), lambda: tape_export.to_csv(comparison),
    )  # fmt: skip


@app.command()
def schema(out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the JSON Schema files.")] = Path("schemas")) -> None:
    """Write the deal file's JSON Schema (what schemas/ holds)."""
    from generator.deal.schema import write_schemas

    for path in write_schemas(out):
        typer.echo(f"wrote {path}")


@app.command()
def batch(
    paths: Annotated[list[str], typer.Argument(help="Deal files, folders (every deal file under them) or globs.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: one sub-folder per deal.")] = Path("out"),
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).", show_default=False)] = None,
    formats: FormatsOpt = "txt,docx,pdf",
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first deal that fails.")] = False,
    templates: TemplatesOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Render deals again even when their folder is up to date.")] = False,
    key: Annotated[Path | None, typer.Option("--key", metavar="FILE", show_default=False, help=_SIGN_HELP.format(what="each manifest"))] = None,
) -> None:
    """Render many deals in parallel into OUT/<deal>/, each with a manifest; exit 1 if any deal failed.

    A deal whose folder's manifest matches its current inputs, options and outputs (and, signing, is signed by the key) is not rendered again ("up to date").
    """
    from generator.cli.reporting import BatchProgress, summary_table
    from generator.output.batch import BatchInterrupted, deal_names, discover, run_batch
    from generator.signing import private_key, raw

    chosen = _formats(formats)
    signing = private_key(key)
    deals = discover(paths)
    if not deals:
        raise typer.BadParameter("no deal files found", param_hint="PATHS")
    deal_names(deals)  # two deals that would share an output folder: stop before rendering anything
    try:
        with BatchProgress(len(deals)) as progress:
            results = run_batch(
                deals, out, chosen, jobs or os.cpu_count() or 1, fail_fast, templates, progress.advance, force, None if signing is None else raw(signing)
            )
    except BatchInterrupted as stop:
        summary_table(stop.results, len(deals), interrupted=True, stopped=stop.stopped)
        typer.echo("interrupted: every file written is complete; run the same command again to finish", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    summary_table(results, len(deals))
    if any(not r.ok for r in results) or len(results) < len(deals):
        raise typer.Exit(ExitCode.FAILED_ITEMS)


@app.command()
def verify(
    folder: Annotated[Path, typer.Argument(help="A deal's output folder (it holds manifest.json).", show_default=False)],
    key: Annotated[Path | None, typer.Option("--key", metavar="PUBLIC", show_default=False, help=_VERIFY_HELP.format(what="the manifest"))] = None,
) -> None:
    """Recompute the hashes in FOLDER/manifest.json; list every input or output that changed, is gone or is not listed; exit 1 if any."""
    from generator.files import unfinished
    from generator.output.manifest import NAME
    from generator.output.manifest import verify as check
    from generator.signing import public_key

    if not (folder / NAME).is_file() and (mixed := unfinished(folder)):  # a run killed while publishing, before its manifest
        for leftover in mixed:
            typer.echo(f"output {leftover.describe()}: {printable(str(folder / leftover.name))}")
        raise typer.Exit(ExitCode.FAILED_ITEMS)
    if not (folder / NAME).is_file():
        raise typer.BadParameter(f"{folder / NAME} not found", param_hint="FOLDER")
    changes = check(folder, public_key(key) if key is not None else None)  # a corrupt manifest (ManifestError) is the user's to fix, not a change
    for change in changes:
        typer.echo(f"{change.kind} {change.what}: {printable(str(change.path))}")
    if changes:
        raise typer.Exit(ExitCode.FAILED_ITEMS)
    signed = " (signed by your key)" if key is not None else ""
    typer.echo(f"{folder}: every input and output matches its manifest{signed}")


class CompareFormat(StrEnum):
    """What `dealdocs compare --format` prints."""

    table = "table"
    json = "json"


@app.command()
def compare(
    old: Annotated[Path, typer.Argument(metavar="OLD", help="The earlier draft: a folder render wrote, or a deal file.", show_default=False)],
    new: Annotated[Path, typer.Argument(metavar="NEW", help="The later draft, likewise.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the redlines and blacklines.")] = Path("compare"),
    tape: Annotated[Path | None, typer.Option("--tape", metavar="FILE", help="Loan tape for both deal files.", show_default=False)] = None,
    old_tape: Annotated[Path | None, typer.Option("--old-tape", metavar="FILE", help="Loan tape for the old deal file.", show_default=False)] = None,
    new_tape: Annotated[Path | None, typer.Option("--new-tape", metavar="FILE", help="Loan tape for the new deal file.", show_default=False)] = None,
    revision_tags: Annotated[
        bool, typer.Option("--edgar-revision-tags", help="Also write the new draft's DOCUMENT.htm and .txt with EDGAR's <R> tags on what changed.")
    ] = False,
    templates: TemplatesOpt = None,
    format: Annotated[CompareFormat, typer.Option("--format", "-f", help="What to print: tables, or JSON for scripts.")] = CompareFormat.table,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when the drafts differ (as git diff --exit-code).")] = False,
) -> None:
    """Compare two drafts document by document: OUT/DOCUMENT.redline.docx (Word tracked changes) and .blackline.pdf for each that changed."""
    from rich.console import Console

    from generator.api import compare as compare_drafts
    from generator.compare.report import print_tables, to_json

    with _tape_warnings():
        comparison = compare_drafts(old, new, out, tape, old_tape, new_tape, revision_tags, templates)
    if format is CompareFormat.json:
        sys.stdout.write(to_json(comparison))
    else:
        print_tables(comparison, Console(highlight=False, soft_wrap=True))
        for document in comparison.documents:
            for name in sorted(document.outputs):
                typer.echo(f"wrote {out / name}")
        for note in comparison.notes:
            typer.echo(f"note: {note}", err=True)
    if exit_code and comparison.changed:
        raise typer.Exit(ExitCode.FAILED_ITEMS)


@app.command()
def new(
    folder: Annotated[Path, typer.Argument(help="The new deal's folder (must not exist).", show_default=False)],
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="An example deal folder to start from (default: the Series 2003-1 term sheet example installed with dealdocs).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start a new deal folder from an example: its deal file, commented, ready to fill in."""
    from generator.output.scaffold import new_deal

    for path in new_deal(folder, source):
        typer.echo(f"wrote {path}")


def main() -> None:
    """The `dealdocs` entry point: a crash outside any command is still one line (the traceback under --debug)."""
    import gc

    global _OWN_PROCESS
    _OWN_PROCESS = True
    gc.disable()  # reading the command line makes objects and no garbage: `_Boundary.invoke` resumes the collector
    try:
        app(prog_name="dealdocs")
    except Exception as exc:
        if "--debug" in sys.argv[1:]:
            raise
        print(f"dealdocs: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} (run again with --debug for the traceback)", file=sys.stderr)
        sys.exit(ExitCode.INTERNAL_ERROR)
