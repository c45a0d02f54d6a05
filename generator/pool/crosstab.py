"""Cross-tabs: loans banded by two fields (FICO down, LTV across), each cell a footed figure.

The rows and columns are a table spec's own rule and its `across` axis (its own field and
rule, or those of the one-way table `across.table` names), keyed exactly as a one-way table's
rows (`strats`), blanks last in the missing-label row or column; `documents.labels` labels them.
Percent and balance cells are a controlled rounding (`exact.control`): each cell its exact
figure floored or raised a unit, and every total the sum of its printed cells. A row or
column holding the same loans as a row of a one-way table printed over the same loans (same
field, same band bounds, category, or the blank row: `strats.row_extent`) totals that row's
printed figure; the others foot by largest remainder to what remains of the grand total.
With the one-way table's own bands, every total is that table's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from generator.deal.models import TableSpec
from generator.pool.exact import control

if TYPE_CHECKING:
    import polars as pl

    from generator.pool.strats import Row, RowKey, Table


@dataclass(frozen=True)
class CrossTab:
    """A computed cross-tab: row keys down and across, the cells, and totals that are the cells' sums; labels once rendered."""

    spec: TableSpec
    row_keys: list[RowKey]
    column_keys: list[RowKey]
    cells: list[list[int | Decimal]]  # [row][column]: counts, whole dollars or percents (2 decimals)
    row_totals: list[int | Decimal]
    column_totals: list[int | Decimal]
    total: int | Decimal
    count: int
    balance_cents: int
    group: str | None = None
    group_key: str | None = None
    across: TableSpec | None = None  # the across axis as a one-way spec (`across_axis`): its field, rule and heading
    row_labels: list[str] = field(default_factory=list)  # rendered from the keys by the documents layer (`documents.labels`)
    column_labels: list[str] = field(default_factory=list)
    row_by: list[Any] = field(default_factory=list)  # each row's and column's group-by key (`strats.loan_rows`), in print order
    column_by: list[Any] = field(default_factory=list)


def across_axis(spec: TableSpec, specs: Sequence[TableSpec]) -> TableSpec:
    """The cross-tab's across axis as a one-way spec: its own field and rule, or those of the one-way table of `specs` it names.

    Its `header` is the heading over the columns (`across.header`, else the named table's).
    Raises the table module's spec problem, at `across.table`, when no one-way table has that id.
    """
    from generator.pool.strats import _SpecProblem

    axis = spec.across
    assert axis is not None
    if axis.table is None:
        assert axis.field is not None and axis.rule is not None and axis.header is not None  # the model requires them without a table
        return spec.model_copy(update={"field": axis.field, "rule": axis.rule, "keep_empty": axis.keep_empty, "header": axis.header})
    named = next((s for s in specs if s.id == axis.table and s.across is None), None)
    if named is None:
        known = ", ".join(s.id for s in specs if s.across is None) or "none"
        raise _SpecProblem(("across", "table"), axis.table, f"no one-way table has this id (the deal's: {known})")
    update = {"field": named.field, "rule": named.rule, "keep_empty": axis.keep_empty, "header": axis.header or named.header}
    return spec.model_copy(update=update)


def _axis(found: pl.DataFrame, spec: TableSpec, key: str) -> tuple[list[Any], list[RowKey]]:
    """The axis's keys in print order (blank last) and row keys, from the cells' group-by (`key`, and `<key>_low`, `<key>_high` when clamped)."""
    import polars as pl

    from generator.pool.strats import MISSING, _row_keys

    keys = set(found[key].to_list())
    lowest = highest = None
    if f"{key}_low" in found.columns:  # the axis's labels are clamped to the data
        valued = found.filter(pl.col(key) != MISSING)
        lowest, highest = cast("int | None", valued[f"{key}_low"].min()), cast("int | None", valued[f"{key}_high"].max())
    ordered, rows = _row_keys(spec, spec.rule, keys - {MISSING}, spec.keep_empty, lowest, highest)
    if MISSING in keys:
        return [*ordered, MISSING], [*rows, None]
    return ordered, rows


def _stated(keys: list[RowKey], axis: TableSpec, printed: Sequence[Table], cell: str) -> list[int | None]:
    """Each axis row's figure in the first `printed` one-way table with a row of the same loans: hundredths of a percent or dollars; else None."""
    from generator.pool.strats import row_extent

    rows: dict[tuple[object, ...], Row] = {}
    for table in printed:
        for row in table.rows:
            rows.setdefault(row_extent(table.spec, row.key), row)
    found = [rows.get(row_extent(axis, key)) for key in keys]
    return [None if row is None else row.balance if cell == "balance" else int(row.percent.scaleb(2)) for row in found]


def compute_crosstab(loans: pl.DataFrame, spec: TableSpec, specs: Sequence[TableSpec] = (), printed: Sequence[Table] = ()) -> CrossTab:
    """The spec's matrix (its `across` set; `specs` the tables `across.table` may name).

    `printed` are the one-way tables printed over the same `loans` (the same group or the pool):
    a row or column holding the same loans as a row of one totals that row's printed figure.

    Raises the table module's spec problem when a field or rule does not fit.
    """
    import polars as pl

    from generator.pool.strats import _range_aggregations, _SpecProblem, loan_rows, no_category

    across = across_axis(spec, specs)
    for which, one in ((("field",), spec), (("across", "field"), across)):
        if one.field.value not in loans.columns:
            raise _SpecProblem(which, one.field.value, f"the tape has no {one.field.value} column: map it under pool.columns")
    down_key = loan_rows(loans, spec)
    try:
        across_key = loan_rows(loans, across)
    except _SpecProblem as problem:  # a problem of the across axis is placed under `across`
        raise _SpecProblem(("across", *problem.loc), problem.value, problem.message) from None
    ranges = [e.name.prefix(f"{axis}_") for axis, one in (("r", spec), ("c", across)) for e in _range_aggregations(one)]
    grouped = loans.group_by(down_key.alias("r"), across_key.alias("c")).agg(
        pl.len().alias("n"), pl.col("balance").cast(pl.Int128).sum().alias("b"), *ranges
    )  # one group-by: the axes' keys (and value ranges, for labels clamped to the data) come from its cells
    for axis, one, at in (("r", spec, ()), ("c", across, ("across",))):
        if grouped[axis].null_count():  # a categories axis without other_label: its strays would vanish from the matrix
            stray = no_category(loans, one)
            raise _SpecProblem((*at, *stray.loc), stray.value, stray.message)
    try:
        cols, column_keys = _axis(grouped, across, "c")
    except _SpecProblem as problem:
        raise _SpecProblem(("across", *problem.loc), problem.value, problem.message) from None
    rows, row_keys = _axis(grouped, spec, "r")
    grouped = grouped.select("r", "c", "n", "b")
    found = {(r, c): (n, b) for r, c, n, b in grouped.iter_rows()}
    counts = [[found.get((r, c), (0, 0))[0] for c in cols] for r in rows]
    cents = [[found.get((r, c), (0, 0))[1] for c in cols] for r in rows]
    total_cents = sum(map(sum, cents))
    width = len(cols)
    cells: list[list[int | Decimal]]
    if spec.cell == "count":
        cells = [list(row) for row in counts]
    elif spec.cell == "balance":
        cells = [list(row) for row in control(cents, 100, _stated(row_keys, spec, printed, "balance"), _stated(column_keys, across, printed, "balance"))]
    else:
        fixed = _stated(row_keys, spec, printed, "percent"), _stated(column_keys, across, printed, "percent")
        hundredths = control([[x * 10_000 for x in row] for row in cents], total_cents, *fixed) if total_cents else [[0] * width for _ in rows]
        cells = [[Decimal(h).scaleb(-2) for h in row] for row in hundredths]
    zero: int | Decimal = Decimal("0.00") if spec.cell == "percent" else 0
    row_totals = [sum(row, zero) for row in cells]
    column_totals = [sum((row[j] for row in cells), zero) for j in range(width)]
    total = sum(row_totals, zero)
    return CrossTab(
        spec, row_keys, column_keys, cells, row_totals, column_totals, total, sum(map(sum, counts)), total_cents, across=across, row_by=rows, column_by=cols
    )
