"""Cross-tabs: loans banded by two fields (FICO down, LTV across), each cell a footed figure.

The rows and columns are a table spec's own rule and its `across` axis, keyed and labelled
exactly as a one-way table's rows (`strats`), blanks last in the missing-label row or column.
Percent cells are footed across the whole matrix to 100.00, balance cells to the rounded
total; row and column totals are the sums of the printed cells, so the matrix adds up both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from generator.deal.models import TableSpec
from generator.pool.exact import allocate

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class CrossTab:
    """A computed cross-tab: labels down and across, the cells, and totals that are the cells' sums."""

    spec: TableSpec
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int | Decimal]]  # [row][column]: counts, whole dollars or percents (2 decimals)
    row_totals: list[int | Decimal]
    column_totals: list[int | Decimal]
    total: int | Decimal
    count: int
    balance_cents: int
    group: str | None = None
    group_key: str | None = None


def _axis(found: pl.DataFrame, spec: TableSpec, key: str) -> tuple[list[Any], list[str]]:
    """The axis's keys in print order (blank last) and labels, from the cells' group-by (`key`, and `<key>_low`, `<key>_high` when clamped)."""
    import polars as pl

    from generator.pool.strats import MISSING, _keys_and_labels

    keys = set(found[key].to_list())
    lowest = highest = None
    if f"{key}_low" in found.columns:  # the axis's labels are clamped to the data
        valued = found.filter(pl.col(key) != MISSING)
        lowest, highest = cast("int | None", valued[f"{key}_low"].min()), cast("int | None", valued[f"{key}_high"].max())
    ordered, labels = _keys_and_labels(spec, spec.rule, keys - {MISSING}, spec.keep_empty, lowest, highest)
    if MISSING in keys:
        return [*ordered, MISSING], [*labels, spec.missing_label]
    return ordered, labels


def compute_crosstab(loans: pl.DataFrame, spec: TableSpec) -> CrossTab:
    """The spec's matrix (its `across` set): raises the table module's spec problem when a field or rule does not fit."""
    import polars as pl

    from generator.pool.strats import _range_aggregations, _row_key, _SpecProblem, no_category

    assert spec.across is not None
    across = spec.model_copy(update={"field": spec.across.field, "rule": spec.across.rule, "keep_empty": spec.across.keep_empty})
    for which, one in ((("field",), spec), (("across", "field"), across)):
        if one.field.value not in loans.columns:
            raise _SpecProblem(which, one.field.value, f"the tape has no {one.field.value} column: map it under pool.columns")
    down_key = _row_key(loans, spec)
    try:
        across_key = _row_key(loans, across)
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
        cols, column_labels = _axis(grouped, across, "c")
    except _SpecProblem as problem:
        raise _SpecProblem(("across", *problem.loc), problem.value, problem.message) from None
    rows, row_labels = _axis(grouped, spec, "r")
    grouped = grouped.select("r", "c", "n", "b")
    found = {(r, c): (n, b) for r, c, n, b in grouped.iter_rows()}
    counts = [[found.get((r, c), (0, 0))[0] for c in cols] for r in rows]
    cents = [[found.get((r, c), (0, 0))[1] for c in cols] for r in rows]
    flat = [x for row in cents for x in row]
    total_cents = sum(flat)
    width = len(cols)
    figures: list[int | Decimal]
    if spec.cell == "count":
        figures = [x for row in counts for x in row]
    elif spec.cell == "balance":
        figures = list(allocate(flat, 100))
    else:
        shares = allocate([x * 10_000 for x in flat], total_cents) if total_cents else [0] * len(flat)
        figures = [Decimal(s).scaleb(-2) for s in shares]
    cells = [figures[i * width : (i + 1) * width] for i in range(len(rows))]
    zero: int | Decimal = Decimal("0.00") if spec.cell == "percent" else 0
    row_totals = [sum(row, zero) for row in cells]
    column_totals = [sum((row[j] for row in cells), zero) for j in range(width)]
    return CrossTab(spec, row_labels, column_labels, cells, row_totals, column_totals, sum(row_totals, zero), sum(map(sum, counts)), total_cents)
