"""What a batch shows while it runs and when it ends (a rich progress bar on a terminal, plain lines elsewhere), and what a new tape changed."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING

from generator.output.batch import DealResult

if TYPE_CHECKING:
    from generator.output.figure_diff import Moved, TapeComparison


class BatchProgress:
    """A progress bar on a terminal; one line per finished deal when output goes to a file or pipe."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self._bar = None
        if sys.stdout.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self._task = self._bar.add_task("rendering", total=total)

    def __enter__(self) -> BatchProgress:
        if self._bar:
            self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None) -> None:
        if self._bar:
            self._bar.stop()

    def advance(self, result: DealResult) -> None:
        """Count a finished deal: the bar on a terminal, one line per deal otherwise (logs, CI)."""
        self.done += 1
        if self._bar:
            self._bar.update(self._task, advance=1, description=result.deal)
        else:
            status = "FAILED" if not result.ok else result.status
            print(f"[{self.done}/{self.total}] {result.deal}: {status} ({result.seconds:.1f} s)", flush=True)


def _deals(n: int) -> str:
    return f"{n} deal{'s' if n != 1 else ''}"


def summary_table(results: list[DealResult], total: int, interrupted: bool = False, stopped: int = 0) -> None:
    """Every deal that finished (rendered, up to date or failed); then the ones that did not, and why."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    fresh, current = sum(r.ok and not r.up_to_date for r in results), sum(r.up_to_date for r in results)
    counts = [f"{current} up to date"] if current else []
    counts += [f"{sum(not r.ok for r in results)} failed"] if any(not r.ok for r in results) else []
    table = Table(title=", ".join([f"{fresh} of {total} deals rendered", *counts]))
    for column in ("deal", "documents", "status", "first error", "time"):
        table.add_column(column, overflow="fold")
    for r in results:
        cells = (r.deal, ", ".join(r.documents), r.status, r.error or "", f"{r.seconds:.1f} s")
        table.add_row(*(escape(c) for c in cells))  # '[depositor.name]' is data, not rich markup
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)
    for r in results:  # what each deal's run found in its folder from other runs, and did about it
        for warning in r.warnings:
            print(f"{r.deal}: {warning}")
    if stopped:
        print(f"{_deals(stopped)} stopped while rendering (second Ctrl-C): nothing of theirs was published")
    left = total - len(results) - stopped
    if left > 0:
        print(f"{_deals(left)} not started (interrupted)" if interrupted else f"{_deals(left)} not rendered (--fail-fast)")


LOANS_SHOWN = 50
"""Changed loans' lines the terminal shows before a count of the rest (`--format json` lists every one)."""
NUMBERS_SHOWN = 5
"""Loan numbers a moved figure's line shows before a count of the rest."""


def tape_changes(comparison: TapeComparison, old: str, new: str) -> None:
    """What a new tape changed, as two rich tables: the loans (first LOANS_SHOWN lines), then every moved figure with its loans."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    loans = comparison.loans
    if comparison.empty():
        console.print(escape(f"{old} and {new}: the same loans with the same values; no printed figure moved"))
        return
    counts = f"{loans.added.len()} loans added, {loans.dropped.len()} dropped, {loans.changed_loans.len()} changed"
    console.print(escape(f"{new} against {old}: {counts}; {len(comparison.figures)} printed figures moved"))
    lines = [("added", n, "", "", "") for n in loans.added] + [("dropped", n, "", "", "") for n in loans.dropped]
    lines += [("changed", *row) for row in loans.changed.iter_rows()]
    if lines:
        table = Table(title="Loans")
        for column in ("status", "loan", "field", "old", "new"):
            table.add_column(column, overflow="fold")
        for line in lines[:LOANS_SHOWN]:
            table.add_row(*(escape(cell) for cell in line))
        console.print(table)
        if len(lines) > LOANS_SHOWN:
            console.print(f"... and {len(lines) - LOANS_SHOWN} more lines (--format json lists every one)")
    if comparison.figures:
        table = Table(title="Printed figures that moved")
        for column in ("document", "part", "table", "group", "row", "column", "old", "new", "loans that moved it"):
            table.add_column(column, overflow="fold")
        for f in comparison.figures:
            cells = (f.document, f.part, f.table, f.group, f.row, f.column, f.old or "(not printed)", f.new or "(not printed)", _named(f.loans))
            table.add_row(*(escape(cell) for cell in cells))
        console.print(table)


def _named(loans: Moved) -> str:
    """A figure's loans in a cell: up to NUMBERS_SHOWN numbers of each status and a count of the rest; a total's by count."""
    from generator.output.figure_diff import STATUSES  # loaded already: the comparison is made

    parts = []
    for status in STATUSES:
        numbers = getattr(loans, status)
        if not numbers:
            continue
        if loans.whole:
            parts.append(f"{len(numbers)} {status}")
            continue
        more = f" and {len(numbers) - NUMBERS_SHOWN} more" if len(numbers) > NUMBERS_SHOWN else ""
        parts.append(f"{status} {', '.join(numbers[:NUMBERS_SHOWN])}{more}")
    if loans.whole and parts:
        return f"every moved loan of its group: {', '.join(parts)}"
    return "; ".join(parts) or "none"
