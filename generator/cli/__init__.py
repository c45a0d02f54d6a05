"""The `dealdocs` command: a thin layer over the library; heavy imports wait for the command that needs them."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from generator.errors import DealdocsError, ExitCode, Problem  # light: the standard library only

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
_COMMAND_METAVARS = {("strats", "out"): "FILE"}


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


def _deal_warnings(loaded: LoadedDeal) -> int:
    """Print the deal file's warnings (likely mistakes at their lines, `pool.lint`); returns how many."""
    from generator.pool.lint import deal_warnings

    found = deal_warnings(loaded)
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
        from generator.output.submission import write_submission
        from generator.signing import private_key

        with _tape_warnings():
            paths = write_submission(loaded, submission, tape, templates, private_key(key))
        for path in paths:
            typer.echo(f"wrote {path}")
        return
    with _tape_warnings():
        published = publish_deal(loaded, out, tape, chosen, templates)
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
    paths: Annotated[list[Path], typer.Argument(help="EDGAR documents (.txt, .htm) or submission folders.", show_default=False)],
    key: Annotated[
        Path | None, typer.Option("--key", metavar="PUBLIC", show_default=False, help=_VERIFY_HELP.format(what="each folder's submission.json"))
    ] = None,
) -> None:
    """Lint EDGAR ASCII and HTML documents, or a submission folder (and its submission.json), against EDGAR's rules; exit 1 if any is broken."""
    from generator.formats.edgar_check import problems
    from generator.signing import public_key

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"not found: {', '.join(missing)}", param_hint="PATH...")
    if key is not None and not any(p.is_dir() for p in paths):
        raise typer.BadParameter("checks a submission folder's signature: name the folder", param_hint="--key")
    found = problems(paths, public_key(key) if key is not None else None)
    for problem in found:
        typer.echo(str(problem))
    if found:
        typer.echo(f"{len(found)} problem{'s' * (len(found) != 1)} EDGAR would refuse", err=True)
        raise typer.Exit(ExitCode.FAILED_ITEMS)
    typer.echo(f"{', '.join(map(str, paths))}: nothing EDGAR would refuse")


@app.command()
def validate(deal: DealArg, tape: TapeOpt = None) -> None:
    """Check the deal file, its tables and templates folder, and every row of its loan tape; exit 2 on errors."""
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
    found = check_deal(loaded, report)
    if loaded.deal.filing is not None:  # what `render --submission` refuses before rendering
        from generator.output.submission import filing_problems

        found += filing_problems(loaded)
    errors = 0 if report is None else report.count(Severity.ERROR)
    if report is not None:
        _print_tape_warnings(report)
    warnings = _deal_warnings(loaded) + (0 if report is None else report.count(Severity.WARNING))
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
    from generator.deal.loading import load_deal
    from generator.documents.labels import analysed
    from generator.files import write_atomic
    from generator.output import export
    from generator.pool.analysis import term_sheet_of

    loaded = load_deal(deal)
    _deal_warnings(loaded)
    with _tape_warnings():
        analysis = analysed(loaded, tape)
    if format is StratsFormat.xlsx:
        if out is None:
            raise typer.BadParameter("xlsx needs --out FILE", param_hint="--out")
        export.write_xlsx(analysis, out, term_sheet_of(loaded).report_date)
        typer.echo(f"wrote {out}")
        return
    text = export.to_json(analysis) if format is StratsFormat.json else export.to_csv(analysis)
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
        typer.echo(f"wrote {out}")


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
    import os

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
            typer.echo(f"output {leftover.describe()}: {folder / leftover.name}")
        raise typer.Exit(ExitCode.FAILED_ITEMS)
    if not (folder / NAME).is_file():
        raise typer.BadParameter(f"{folder / NAME} not found", param_hint="FOLDER")
    changes = check(folder, public_key(key) if key is not None else None)  # a corrupt manifest (ManifestError) is the user's to fix, not a change
    for change in changes:
        typer.echo(f"{change.kind} {change.what}: {change.path}")
    if changes:
        raise typer.Exit(ExitCode.FAILED_ITEMS)
    signed = " (signed by your key)" if key is not None else ""
    typer.echo(f"{folder}: every input and output matches its manifest{signed}")


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
    try:
        app(prog_name="dealdocs")
    except Exception as exc:
        if "--debug" in sys.argv[1:]:
            raise
        print(f"dealdocs: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} (run again with --debug for the traceback)", file=sys.stderr)
        sys.exit(ExitCode.INTERNAL_ERROR)
