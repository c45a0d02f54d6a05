"""The `dealdocs` command: a thin layer over the library; heavy imports wait for the command that needs them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

app = typer.Typer(
    help="Draft the SEC filings of a mortgage-backed securities series from a deal file and a loan tape.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DealArg = Annotated[Path, typer.Argument(help="The deal file (YAML).", show_default=False)]
TapeOpt = Annotated[Path | None, typer.Option("--tape", help="Use this loan tape instead of the deal's.", show_default=False)]
T = TypeVar("T")


def _stderr():  # noqa: ANN202 - rich is imported only when something is printed
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _print_problems(title: str, problems: list, total: int, style: str) -> None:
    from rich.markup import escape

    console = _stderr()
    console.print(f"[bold {style}]{title}[/]")
    for problem in problems:
        console.print(f"  {escape(str(problem))}")
    if total > len(problems):
        console.print(f"  ... and {total - len(problems)} more")


@contextmanager
def _user_errors() -> Iterator[None]:
    """A DealdocsError is the user's to fix: list its problems and exit 2, no traceback."""
    from .problems import DealdocsError

    try:
        yield
    except DealdocsError as exc:
        count = f"{exc.total} problem{'s' if exc.total != 1 else ''}"
        _print_problems(f"dealdocs: {count}", exc.problems, exc.total, "red")
        raise typer.Exit(2) from None


def _guarded(fn: Callable[[], T]) -> T:
    with _user_errors():
        return fn()


@app.command()
def render(
    deal: DealArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the documents.")] = Path("out"),
    tape: TapeOpt = None,
    formats: Annotated[str, typer.Option("--format", "-f", help="Comma-separated formats: txt, docx, pdf.")] = "txt,docx,pdf",
) -> None:
    """Render every document the deal file describes, e.g. OUT/term-sheet-8k.txt, .docx and .pdf."""
    from .deal import load_deal
    from .render import FORMATS, render_deal

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    if not chosen or any(f not in FORMATS for f in chosen):
        raise typer.BadParameter(f"{formats!r}: choose from {', '.join(FORMATS)}", param_hint="--format")

    def run() -> None:
        written = render_deal(load_deal(deal), out, tape, chosen)
        for path, rendered in written:
            if rendered.warnings:
                _print_problems(f"{path.name}: warnings", rendered.warnings, len(rendered.warnings), "yellow")
            typer.echo(f"wrote {path}")

    _guarded(run)


@app.command()
def validate(deal: DealArg, tape: TapeOpt = None) -> None:
    """Check the deal file and every row of its loan tape; exit 2 on errors."""
    from .analysis import check_tape
    from .deal import load_deal
    from .problems import Severity

    loaded = _guarded(lambda: load_deal(deal))
    if loaded.deal.term_sheet is None:
        typer.echo(f"{deal}: deal file valid (it has no loan tape)")
        return
    report = _guarded(lambda: check_tape(loaded, tape))
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if warnings:
        _print_problems(f"{warnings} warning{'s' * (warnings != 1)}", report.listed(Severity.WARNING), warnings, "yellow")
    if errors:
        _print_problems(f"{errors} error{'s' * (errors != 1)}", report.listed(Severity.ERROR), errors, "red")
        raise typer.Exit(2)
    typer.echo(f"{report.path}: {report.loans.height} loans, no errors, {warnings} warning{'s' * (warnings != 1)}")


class StratsFormat(str, Enum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@app.command()
def strats(
    deal: DealArg,
    tape: TapeOpt = None,
    format: Annotated[StratsFormat, typer.Option("--format", "-f", help="Output format.")] = StratsFormat.json,  # noqa: A002
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (json and csv default to standard output).", show_default=False)] = None,
) -> None:
    """The pool summary and every stratification table, for analysts."""
    from . import export
    from .analysis import analyse, term_sheet_of
    from .deal import load_deal
    from .files import write_atomic

    def run() -> None:
        loaded = load_deal(deal)
        analysis = analyse(loaded, tape)
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

    _guarded(run)


@app.command()
def schema(out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the JSON Schema files.")] = Path("schemas")) -> None:
    """Write the deal file's JSON Schema (what schemas/ holds)."""
    from .schema import write_schemas

    for path in write_schemas(out):
        typer.echo(f"wrote {path}")


def main() -> None:
    app()
