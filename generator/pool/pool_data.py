"""The pool-data summary block of a modern term sheet: chosen figures, one column per loan group and the total.

Each line is a figure column over a whole group (`columns.figures`), so a weighted average,
share or minimum here is computed exactly as the same column in a table; the largest state's
share (or the second's, third's...: `rank`) names its state. A line `only_groups` leaves the
other groups' cells blank; its total column is still the whole pool's figure.

A share or state line states the same quantity as a table row when the row is a category
(or state) of the line's field holding exactly its value, in a one-way table printed for the
same group or the pool: it then prints that row's footed percent (`match_table`, by default),
so that the block and the table read alike; its own half-up figure differs by 0.01 at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from generator.deal.models import CategoriesRule, Column, Pool, StatesRule, SummaryItem, TableSpec
from generator.fields import Kind
from generator.pool import columns as figure_columns
from generator.pool.columns import ColumnProblem, Figure
from generator.pool.exact import round_half_up
from generator.pool.groups import group_frames
from generator.pool.strats import Table, category_of
from generator.pool.sums import sum_type

if TYPE_CHECKING:
    import polars as pl

    from generator.pool.crosstab import CrossTab


@dataclass(frozen=True)
class PoolDataLine:
    """One line of the block: its label and a figure per column (groups, then the total); a note names the largest state.

    `blank` is True for a group's column the line is not printed for (`only_groups`): its
    figure and note are None, and it prints as an empty cell, not N/A.
    """

    item: SummaryItem
    figures: list[Figure]
    notes: list[str | None]
    blank: list[bool] = field(default_factory=list)


@dataclass(frozen=True)
class PoolData:
    """The block: its column labels (the groups' and the total's; one unlabelled column for an ungrouped pool) and its lines."""

    columns: list[str]
    lines: list[PoolDataLine]


def _column(item: SummaryItem, n: int) -> Column:
    kind = "share" if item.kind == "largest_state" else item.kind
    return Column(id=f"s{n}", kind=kind, header=[item.label], field=item.field, value=item.value, decimals=item.decimals)


def summary_problems(pool: Pool, schema: pl.Schema | None = None) -> list[tuple[int, ColumnProblem]]:
    """The summary lines whose figure cannot be computed, by index, each with its problem.

    A weighted average, minimum or maximum of a field that is no number, a share without its
    value or with one no loan can have, and, given the loans' `schema`, a field the tape lacks.
    """
    found = []
    code_maps = pool.code_maps()
    for n, item in enumerate(pool.summary):
        if item.kind == "largest_state":
            continue
        column = _column(item, n)
        if misfits := figure_columns.misfits(column, code_maps):
            found += [(n, problem) for problem in misfits]
            continue
        if schema is not None and (problem := figure_columns.unsummable(column, schema)) is not None:
            found.append((n, problem))
    return found


def _states_by_balance(frame: pl.DataFrame) -> list[tuple[str, int]]:
    """The frame's states and their balances, largest first (ties: by state code): one group-by for every rank a block asks for."""
    import polars as pl

    by_state = frame.group_by("state").agg(pl.col("balance").cast(pl.Int128).sum().alias("b")).sort(["b", "state"], descending=[True, False])
    return [(str(state), int(balance)) for state, balance in by_state.iter_rows()]


def _largest_state(states: list[tuple[str, int]], cents: int, decimals: int, rank: int = 1) -> tuple[Figure, str | None]:
    """The share of the `rank`-th state by balance and its code; (None, None) in a group with fewer states."""
    if not cents or len(states) < rank:
        return None, None
    state, balance = states[rank - 1]
    return round_half_up(Fraction(balance * 100, cents), decimals), state


_ORDINALS = ("", "", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")


def state_heading(rank: int) -> str:
    """What a largest_state line's note names: 'Largest State', 'Second Largest State', ..., '11th Largest State'."""
    if rank == 1:
        return "Largest State"
    if rank < len(_ORDINALS):
        return f"{_ORDINALS[rank]} Largest State"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix} Largest State"


def _one_value(item: SummaryItem) -> str | int | bool | Decimal | None:
    """The one value a share line counts (written alone or as a list of one), else None."""
    value = item.value[0] if isinstance(item.value, tuple) and len(item.value) == 1 else item.value
    return value if isinstance(value, str | int | bool | Decimal) else None


def _matched(item: SummaryItem) -> bool:
    """Whether the line prints a table row's figure where one states it: a share of one value or a state's share, at 2 decimals."""
    return item.match_table and item.decimals in (None, 2) and (item.kind == "largest_state" or (item.kind == "share" and _one_value(item) is not None))


def stating(spec: TableSpec, item: SummaryItem) -> bool:
    """Whether rows of `spec`'s one-way table may state `item`'s figure: a states table for a state's share, a categories or states table of a share's field."""
    if spec.across is not None or not _matched(item):
        return False
    if item.kind == "largest_state":
        return isinstance(spec.rule, StatesRule) and spec.field.value == "state"
    return item.field is not None and spec.field.value == item.field.value and isinstance(spec.rule, CategoriesRule | StatesRule)


def _stated_key(spec: TableSpec, item: SummaryItem, state: str | None) -> Any:
    """The key of the row of `spec`'s table stating the line's figure (`state`'s, for a largest_state line), or None."""
    if not stating(spec, item):
        return None
    if item.kind == "largest_state":
        return state
    value = _one_value(item)
    assert value is not None  # `stating`
    if spec.field.loan_field.kind is Kind.STATE:
        return str(value)
    return category_of(spec, figure_columns.held(spec.field.loan_field, value))


def _table_figure(tables: Sequence[Table | CrossTab], key: str | None, item: SummaryItem, state: str | None) -> Figure:
    """The footed percent of the first printed row stating the line's figure in the group `key` (None: the pool), or None."""
    for table in tables:
        if isinstance(table, Table) and table.group_key == key and (wanted := _stated_key(table.spec, item, state)) is not None:
            return next((row.percent for row in table.rows if row.key == wanted), None)
    return None


def pool_data(loans: pl.DataFrame, pool: Pool, tables: Sequence[Table | CrossTab] = ()) -> PoolData | None:
    """The block the deal file's `pool.summary` asks for, or None when it asks for none.

    `tables` are the deal's computed tables, as printed (`groups.grouped_tables`): a share or
    state line that a row of one states prints that row's footed percent (`match_table`).
    """
    import polars as pl

    if not pool.summary:
        return None
    items = pool.summary
    columns = [_column(item, n) for n, item in enumerate(items) if item.kind != "largest_state"]
    ranked = any(item.kind == "largest_state" for item in items)
    needed = {"balance", *(["state"] if ranked else []), *(c.field.value for c in columns if c.field is not None)}
    if pool.groups is not None:
        needed.add(pool.groups.field.value)
    widths = figure_columns.table_widths(loans, columns)  # proven on the pool, hence on any group
    read = loans.select(sorted(needed & set(loans.columns)))  # each group's copy holds only what the block reads
    frames = group_frames(figure_columns.with_terms(read, columns, widths), pool.groups)  # each loan's products once, for its group and the pool
    per_frame: list[dict[str, Figure | str | None]] = []
    for key, _, frame in frames:
        balance = pl.col("balance").cast(sum_type(widths.balance)).sum().alias("balance")
        sums = frame.select(pl.len().alias("count"), balance, *figure_columns.aggregations(columns, frame.schema, widths))
        row = sums.row(0, named=True)
        count, cents = row["count"], row["balance"] or 0
        dollars = int(round_half_up(Fraction(cents, 100)))
        values = dict(zip((c.id for c in columns), figure_columns.figures(columns, row, count, cents, dollars, Decimal("100.00")), strict=True))
        out: dict[str, Figure | str | None] = dict(values)
        states = _states_by_balance(frame) if ranked else []
        for n, item in enumerate(items):
            if item.kind == "largest_state":
                out[f"s{n}"], out[f"s{n}_note"] = _largest_state(states, cents, 2 if item.decimals is None else item.decimals, item.rank)
            state = out.get(f"s{n}_note")
            if out[f"s{n}"] is not None and (footed := _table_figure(tables, key, item, state if isinstance(state, str) else None)) is not None:
                out[f"s{n}"] = footed
        per_frame.append(out)
    lines = []
    for n, item in enumerate(items):
        blank = [key is not None and item.only_groups is not None and key not in item.only_groups for key, _, _ in frames]
        shown = [None if b else f[f"s{n}"] for b, f in zip(blank, per_frame, strict=True)]
        notes = [None if b else f.get(f"s{n}_note") for b, f in zip(blank, per_frame, strict=True)]
        lines.append(PoolDataLine(item, shown, notes, blank))  # type: ignore[arg-type]
    return PoolData([label or "" for _, label, _ in frames], lines)
