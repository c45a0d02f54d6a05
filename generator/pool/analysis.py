"""From a loaded deal (and optionally another tape) to the figures its documents print."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from generator.deal.loading import LoadedDeal, check_path
from generator.deal.models import TermSheet
from generator.errors import DealFileError, Problem, TapeError
from generator.pool.crosstab import CrossTab
from generator.pool.groups import blank_groups, grouped_tables, unknown_groups
from generator.pool.pool_data import PoolData, pool_data, summary_problems
from generator.pool.strats import Table, TablePlaces, column_problems, resolve_tables
from generator.pool.summary import Summary, summarize
from generator.pool.tape import TapeReport, load_tape

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class PoolAnalysis:
    """A deal's pool worked out once: the checked tape, the prose's figures and the tables, for every output."""

    tape: TapeReport
    summary: Summary
    tables: list[Table | CrossTab]
    pool_data: PoolData | None = None  # the pool-data summary block (pool.summary), when the deal file asks for one


def term_sheet_of(loaded: LoadedDeal) -> TermSheet:
    """The deal's term sheet section, for the steps that need a pool.

    Args:
        loaded: The deal, from `load_deal`.

    Returns:
        The term sheet section.

    Raises:
        DealdocsError: The deal file has no term_sheet section (a letter-only deal).
    """
    term_sheet = loaded.deal.term_sheet
    if term_sheet is None:
        raise DealFileError([Problem(str(loaded.path), None, "term_sheet", None, "the deal file has no term_sheet section")])
    return term_sheet


def tape_path(loaded: LoadedDeal, override: Path | None = None) -> Path:
    """The tape to read: `override` (the CLI's `--tape`) when given, else the deal's, relative to the deal file.

    A path that cannot be a tape (a named pipe that would block the reader, a folder, a device,
    a symlink loop, a NUL byte) is refused here, before anything opens it.

    Args:
        loaded: The deal, from `load_deal`.
        override: A tape to use instead of the deal file's.

    Returns:
        The tape's resolved path.

    Raises:
        DealdocsError: No term sheet, or the path cannot be a tape (placed at the deal file's
            `tape:` line, or at `--tape`).
    """
    pool = term_sheet_of(loaded).pool
    path = override if override else loaded.path.parent / pool.tape
    where = "the path given to --tape" if override else "the path, relative to the deal file's folder"
    why = check_path(path) or (None if os.path.lexists(path) else f"loan tape not found: check {where}")
    if why:
        shown = str(path).replace("\0", "\\0")
        if override:
            raise TapeError([Problem(shown, None, "--tape", None, why)])
        raise TapeError([loaded.problem(("term_sheet", "pool", "tape"), pool.tape, f"{why} ({shown})")])
    return path.resolve()


def check_tape(loaded: LoadedDeal, override: Path | None = None) -> TapeReport:
    """Read and check the deal's tape without stopping at row problems (what `dealdocs validate` reports).

    A column the deal file maps to a header the tape lacks is reported at the deal file's
    line of `term_sheet.pool.columns.<field>`: that is what to fix (or the tape's header).

    Args:
        loaded: The deal, from `load_deal`.
        override: A tape to use instead of the deal file's.

    Returns:
        The loans and every row problem; check `report.count(Severity.ERROR)` before using the loans.

    Raises:
        DealdocsError: No term sheet, or the tape cannot be read (see `load_tape`).
    """
    term_sheet = term_sheet_of(loaded)

    custom = {c.name: i for i, c in enumerate(term_sheet.pool.custom_fields)}

    def column_problem(field: str, header: str, message: str) -> Problem:
        if field in custom:
            return loaded.problem(("term_sheet", "pool", "custom_fields", custom[field], "column"), header, message)
        return loaded.problem(("term_sheet", "pool", "columns", field), header, message)

    report = load_tape(tape_path(loaded, override), term_sheet.pool, term_sheet.cut_off_date, column_problem)
    if (seen := _reports.get()) is not None:
        seen.append(replace(report, loans=report.loans.clear()))  # kept for its warnings only: a long block (compare-tapes) does not hold every tape's loans
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
    """The pool summary and every stratification table of a clean tape: the figures the term sheet prints.

    Args:
        loaded: The deal, from `load_deal`.
        override: A tape to use instead of the deal file's.

    Returns:
        The tape report, the summary and the tables, each table footing to its total.

    Raises:
        DealdocsError: No term sheet, an unreadable tape, a tape with row errors, or a table the
            deal file defines that cannot be computed (placed at its line).
    """
    report = check_tape(loaded, override)
    report.raise_for_errors()
    pool = term_sheet_of(loaded).pool
    places = TablePlaces(loaded)  # table specs come from the deal file: problems name its lines
    if problems := column_problems(pool.tables, places) + pool_problems(loaded, report.loans):
        raise DealFileError(problems)
    tables = grouped_tables(report.loans, resolve_tables(pool.tables, places), pool.groups, places)
    return PoolAnalysis(report, summarize(report.loans, pool), tables, pool_data(report.loans, pool, tables))


def pool_problems(loaded: LoadedDeal, loans: pl.DataFrame | None = None) -> list[Problem]:
    """What would stop the groups and the pool-data block, each problem at its deal-file line.

    Summary lines that do not fit their field; with the tape's loans, also a summary field the
    tape lacks, and loans in a group without a label or with a blank group field.
    """
    pool = term_sheet_of(loaded).pool
    base = ("term_sheet", "pool")
    found = [
        loaded.problem((*base, "summary", n, *problem.path), problem.value, problem.message)
        for n, problem in summary_problems(pool, None if loans is None else loans.schema)
    ]
    found += _group_key_problems(loaded)
    if pool.groups is None or loans is None:
        return found
    if strays := unknown_groups(loans, pool.groups):
        found.append(loaded.problem((*base, "groups", "labels"), ", ".join(strays), "the tape has loans in these groups: label them"))
    if blank := blank_groups(loans, pool.groups):
        name = pool.groups.field.value
        found.append(loaded.problem(
            (*base, "groups", "field"), name,
            f"{blank} loan{'s' * (blank != 1)} with a blank {name} would be in no group: fill in the tape's {pool.headers()[name]} "
            "(blank: error on the custom field lists their rows)",
        ))  # fmt: skip
    return found


def _group_key_problems(loaded: LoadedDeal) -> list[Problem]:
    """`only_groups` of the deal file's tables and summary lines naming no group of `pool.groups`, each at its place in the list."""
    pool = term_sheet_of(loaded).pool
    base = ("term_sheet", "pool")
    Lists = list[tuple[tuple[str | int, ...], list[str] | None]]
    lists: Lists = [((*base, "tables", "tables", i), spec.only_groups) for i, spec in enumerate(pool.tables.tables)]
    lists += [((*base, "summary", n), item.only_groups) for n, item in enumerate(pool.summary)]
    found = []
    for loc, keys in lists:
        if keys is None:
            continue
        if pool.groups is None:
            found.append(loaded.problem((*loc, "only_groups"), ", ".join(keys), "only_groups needs pool.groups: define the groups or remove only_groups"))
            continue
        known = ", ".join(pool.groups.labels)
        found += [
            loaded.problem((*loc, "only_groups", j), key, f"{key} is not a group: use one of pool.groups.labels' keys ({known})")
            for j, key in enumerate(keys)
            if key not in pool.groups.labels
        ]
    return found


