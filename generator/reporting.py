"""What a batch shows while it runs and when it ends: a rich progress bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from types import TracebackType

from .batch import DealResult


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
        self.done += 1
        if self._bar:
            self._bar.update(self._task, advance=1, description=result.deal)
        else:
            status = "ok" if result.ok else "FAILED"
            print(f"[{self.done}/{self.total}] {result.deal}: {status} ({result.seconds:.1f} s)", flush=True)


def summary_table(results: list[DealResult], total: int) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{sum(r.ok for r in results)} of {total} deals rendered")
    for column in ("deal", "documents", "status", "first error", "time"):
        table.add_column(column, overflow="fold")
    for r in results:
        cells = (r.deal, ", ".join(r.documents), "ok" if r.ok else "failed", r.error or "", f"{r.seconds:.1f} s")
        table.add_row(*(escape(c) for c in cells))  # '[depositor.name]' is data, not rich markup
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)
    if len(results) < total:
        print(f"{total - len(results)} deals not rendered (--fail-fast)")
