"""From a loaded deal (and optionally another tape) to the figures its documents print."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path

from .deal import LoadedDeal
from .models import TermSheet
from .problems import DealdocsError, Problem
from .strats import Table, compute_tables, resolve_tables
from .summary import Summary, summarize
from .tape import TapeReport, load_tape


@dataclass(frozen=True)
class PoolAnalysis:
    tape: TapeReport
    summary: Summary
    tables: list[Table]


def term_sheet_of(loaded: LoadedDeal) -> TermSheet:
    term_sheet = loaded.deal.term_sheet
    if term_sheet is None:
        raise DealdocsError([Problem(str(loaded.path), None, "term_sheet", None, "the deal file has no term_sheet section")])
    return term_sheet


def tape_path(loaded: LoadedDeal, override: Path | None = None) -> Path:
    """The tape to read: `--tape` when given, else the deal's, relative to the deal file."""
    return override.resolve() if override else loaded.resolve(term_sheet_of(loaded).pool.tape)


def check_tape(loaded: LoadedDeal, override: Path | None = None) -> TapeReport:
    """Read and check the deal's tape without stopping at row problems (for `dealdocs validate`).

    A column the deal file maps to a header the tape lacks is reported at the deal file's
    line of `term_sheet.pool.columns.<field>`: that is what to fix (or the tape's header).
    """
    term_sheet = term_sheet_of(loaded)

    def column_problem(field: str, header: str, message: str) -> Problem:
        return loaded.problem(("term_sheet", "pool", "columns", field), header, message)

    report = load_tape(tape_path(loaded, override), term_sheet.pool, term_sheet.cut_off_date, column_problem)
    if (seen := _reports.get()) is not None:
        seen.append(report)
    return report


_reports: ContextVar[list[TapeReport] | None] = ContextVar("tape_reports", default=None)


@contextmanager
def tape_reports() -> Iterator[list[TapeReport]]:
    """Collect every tape report read inside the block (the CLI prints their warnings after a render)."""
    seen: list[TapeReport] = []
    token = _reports.set(seen)
    try:
        yield seen
    finally:
        _reports.reset(token)


def analyse(loaded: LoadedDeal, override: Path | None = None) -> PoolAnalysis:
    """Summary and tables of a clean tape; a tape with errors raises with its problems."""
    report = check_tape(loaded, override)
    report.raise_for_errors()
    pool = term_sheet_of(loaded).pool
    try:
        tables = compute_tables(report.loans, resolve_tables(pool.tables))
    except DealdocsError as exc:  # table specs come from the deal file: say so
        raise DealdocsError([replace(p, file=str(loaded.path)) for p in exc.problems]) from None
    return PoolAnalysis(report, summarize(report.loans, pool), tables)
