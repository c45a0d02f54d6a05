"""Which printed figures a new tape moves, and the loans that moved each: the term sheet's figures of both tapes, compared as printed.

Every figure comes from the same computation as rendering (`documents.labels.analysed`) and
is taken as the term sheet prints it (`documents.grids`: the tables, cross-tabs and pool-data
block as printed cells; the prose's summary figures as `strats` exports them; the offered
certificates' credit enhancement), so a figure moved exactly when its printed text did. A
figure is named by its document, part, table, group, row and column.

The loans that moved a figure are the added, dropped and changed loans it is over: a table
row's are those whose value falls in its band or category under the old tape or the new (so
a loan that moved from one band to another is named in both rows), a cross-tab cell's those
in its row and column, a total's, a pool-data line's and a summary figure's every moved loan
of its group (or of the pool).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.documents.grids import figure, pool_grid, table_grid
from generator.documents.registry import documents_of, section_of
from generator.output.export import summary_figures
from generator.pool.analysis import term_sheet_of
from generator.pool.crosstab import CrossTab
from generator.pool.tape_diff import LOAN, LoanChanges

if TYPE_CHECKING:
    import polars as pl

    from generator.deal.loading import LoadedDeal
    from generator.deal.models import Groups, TableSpec
    from generator.pool.analysis import PoolAnalysis

ANY = object()
"""A `Where` that takes every row (or column) of its table."""
WORDS = {"count": "count", "balance": "balance", "total": "Total", "characteristic": "", "pool": "Pool", "pool_data": ""}
"""The grids' own words, as a figure's row and column are named: the column ids `strats` exports, 'Total' for a total."""
PARTS = ("pool data", "summary", "table", "offered certificates")
STATUSES = ("added", "dropped", "changed")


@dataclass(frozen=True)
class Where:
    """The loans a printed figure is over: a group's (None: the pool's), within a table's row and column (`Row.by`, `ANY`: all)."""

    group: str | None
    table: str | None = None  # the table's id; None: every loan of the group
    row: Any = ANY
    column: Any = ANY


@dataclass(frozen=True)
class Printed:
    """One printed figure: where it is printed, its text, the loans it is over, and its place in print order."""

    key: tuple[str, str, str, str, str, str]  # document, part, table, group, row, column
    value: str
    where: Where
    order: tuple[int, ...]


@dataclass(frozen=True)
class Moved:
    """The loan numbers of the added, dropped and changed loans behind a figure, each sorted; `whole` when they are every moved loan of its group."""

    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    whole: bool = False


@dataclass(frozen=True)
class FigureChange:
    """A printed figure whose text moved: old -> new (None: not printed under that tape, a row that appeared or vanished) and its loans."""

    document: str
    part: str
    table: str
    group: str
    row: str
    column: str
    old: str | None
    new: str | None
    loans: Moved = field(default_factory=Moved)


def printed_figures(loaded: LoadedDeal, analysis: PoolAnalysis) -> list[Printed]:
    """Every figure the deal's term sheet prints from its tape, in print order.

    Args:
        loaded: The deal, from `load_deal`.
        analysis: The labelled analysis of one tape (`documents.labels.analysed`).

    Returns:
        The figures: the pool-data block, the summary, every table row and cross-tab cell per
        group, the offered certificates' credit enhancement; none for a deal without a term sheet.
    """
    out: list[Printed] = []
    for document in documents_of(loaded):
        if section_of(document.name) != "term_sheet":
            continue
        name = document.name
        modern = name != "term-sheet-8k"
        if modern and analysis.pool_data is not None:
            out += _pool_data(name, analysis, term_sheet_of(loaded).pool.groups)
        figures = summary_figures(analysis.summary)
        out += [Printed((name, PARTS[1], "", "", key, "value"), _shown(value), Where(None), (1, 0, n, 0)) for n, (key, value) in enumerate(figures)]
        for t, table in enumerate(analysis.tables):
            out += _table(name, t, table)
        if modern:
            out += _certificates(name, loaded, analysis)
    return out


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else figure(value)


def _pool_data(name: str, analysis: PoolAnalysis, groups: Groups | None) -> list[Printed]:
    assert analysis.pool_data is not None
    grid = pool_grid(analysis.pool_data, WORDS)
    keys: list[str | None] = [*(groups.labels if groups else []), None]
    columns = [label or "Total" for label in analysis.pool_data.columns]
    return [
        Printed((name, PARTS[0], "", "", row[0], columns[j]), cell, Where(keys[j]), (0, 0, n, j))
        for n, row in enumerate(grid.rows)
        for j, cell in enumerate(row[1:])
    ]


def _table(name: str, t: int, table: Any) -> list[Printed]:
    grid = table_grid(table, WORDS)
    group, key = table.group or "", table.group_key
    out: list[Printed] = []

    def add(row: list[str], n: int, columns: list[str], wheres: list[Where]) -> None:
        for j, (cell, column, where) in enumerate(zip(row[1:], columns, wheres, strict=True)):
            out.append(Printed((name, PARTS[2], table.spec.id, group, row[0], column), cell, where, (2, t, n, j)))

    if isinstance(table, CrossTab):
        columns = [*table.column_labels, WORDS["total"]]
        across = [*table.column_by, ANY]
        for n, (row, by) in enumerate(zip(grid.rows, table.row_by, strict=True)):
            add(row, n, columns, [Where(key, table.spec.id, by, c) for c in across])
        assert grid.total is not None
        add(grid.total, len(grid.rows), columns, [*(Where(key, table.spec.id, ANY, c) for c in table.column_by), Where(key)])
        return out
    columns = [c.id for c in table.spec.columns] if table.spec.columns else [WORDS["count"], WORDS["balance"]]
    for n, (row, r) in enumerate(zip(grid.rows, table.rows, strict=True)):
        add(row, n, columns, [Where(key, table.spec.id, r.by)] * len(columns))
    assert grid.total is not None
    add(grid.total, len(grid.rows), columns, [Where(key)] * len(columns))
    return out


def _certificates(name: str, loaded: LoadedDeal, analysis: PoolAnalysis) -> list[Printed]:
    """The offered classes' credit enhancement, the one figure of their table the pool's balance moves."""
    from generator.documents.certificates import certificates_grid, offered_classes

    classes = term_sheet_of(loaded).classes
    if not classes:
        return []
    words = {**{k: [""] for k in ("title", "class", "balance", "rate", "ratings", "enhancement", "type")}, "not_rated": "", "footnote": ""}
    rows = offered_classes(classes, analysis.summary.pool.balance)
    grid = certificates_grid(rows, {**words, "types": {row.type: "" for row in rows}})
    return [Printed((name, PARTS[3], "", "", row[0], "enhancement"), row[-2], Where(None), (3, 0, n, 0)) for n, row in enumerate(grid.rows)]


class Attribution:
    """Which moved loans each `Where` holds: every added, dropped and changed loan's row in every table, under the tape it is on.

    Dropped loans and the old side of changed ones are placed by the old tape, added loans and
    the new side of changed ones by the new: one small frame of the moved loans' versions,
    grouped once per table.
    """

    def __init__(self, old: pl.DataFrame, new: pl.DataFrame, changes: LoanChanges, specs: Sequence[TableSpec], groups: Groups | None) -> None:
        import polars as pl

        from generator.pool.strats import loan_rows

        changed = changes.changed_loans
        sides = [
            old.filter(pl.col(LOAN).is_in(changes.dropped.implode())).with_columns(pl.lit("dropped").alias("_status")),
            old.filter(pl.col(LOAN).is_in(changed.implode())).with_columns(pl.lit("changed").alias("_status")),
            new.filter(pl.col(LOAN).is_in(changes.added.implode())).with_columns(pl.lit("added").alias("_status")),
            new.filter(pl.col(LOAN).is_in(changed.implode())).with_columns(pl.lit("changed").alias("_status")),
        ]
        versions = pl.concat(sides, how="diagonal_relaxed")
        group = pl.col(groups.field.value).cast(pl.String) if groups is not None else pl.lit(None, pl.String)
        self._keys: dict[str, list[tuple[tuple[Any, ...], dict[str, list[str]]]]] = {}
        self._whole = self._grouped(versions, [group.alias("_group")])
        for spec in specs:
            if spec.id in self._keys:
                continue
            axes = [group.alias("_group"), loan_rows(versions, spec).alias("_row")]
            if spec.across is not None:
                from generator.pool.crosstab import across_axis

                axes.append(loan_rows(versions, across_axis(spec, specs)).alias("_column"))
            self._keys[spec.id] = self._grouped(versions, axes)
        self._cache: dict[Where, Moved] = {}

    @staticmethod
    def _grouped(versions: pl.DataFrame, axes: list[pl.Expr]) -> list[tuple[tuple[Any, ...], dict[str, list[str]]]]:
        import polars as pl

        found = versions.group_by([*axes, pl.col("_status")]).agg(pl.col(LOAN))
        names = [c for c in found.columns if c not in ("_status", LOAN)]
        out: dict[tuple[Any, ...], dict[str, list[str]]] = {}
        for row in found.iter_rows(named=True):
            out.setdefault(tuple(row[n] for n in names), {})[row["_status"]] = row[LOAN]
        return list(out.items())

    def loans(self, where: Where) -> Moved:
        """The moved loans `where` holds, by status, each sorted."""
        if where not in self._cache:
            entries = self._whole if where.table is None else self._keys[where.table]
            found: dict[str, set[str]] = {s: set() for s in STATUSES}
            for axes, by_status in entries:
                if where.group is not None and axes[0] != where.group:
                    continue
                if where.table is not None and not (_matches(where.row, axes[1]) and (len(axes) < 3 or _matches(where.column, axes[2]))):
                    continue
                for status, loans in by_status.items():
                    found[status].update(loans)
            self._cache[where] = _moved(found, where.table is None)
        return self._cache[where]


def _matches(wanted: Any, value: Any) -> bool:
    return wanted is ANY or wanted == value


def figure_changes(old: list[Printed], new: list[Printed], attribution: Attribution) -> list[FigureChange]:
    """The printed figures whose text differs between two tapes (or that only one prints), in print order, each with its loans.

    Args:
        old: `printed_figures` of the old tape's analysis.
        new: Those of the new tape's, under the same deal file.
        attribution: The moved loans of the two tapes, placed in every table.

    Returns:
        One change per moved figure: old -> new, and the added, dropped and changed loans it is over under either tape.
    """
    before, after = {p.key: p for p in old}, {p.key: p for p in new}
    ordered = sorted({**before, **after}.items(), key=lambda kv: (kv[1].order, kv[0]))  # the new tape's place, else the old's
    changes = []
    for key, _ in ordered:
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and was.value == now.value:
            continue
        wheres = list(dict.fromkeys(p.where for p in (was, now) if p is not None))
        loans = attribution.loans(wheres[0]) if len(wheres) == 1 else _union(*map(attribution.loans, wheres))
        changes.append(FigureChange(*key, None if was is None else was.value, None if now is None else now.value, loans))
    return changes


@dataclass(frozen=True)
class TapeComparison:
    """What a new tape changed: its loans added, dropped and changed, then every printed figure it moved."""

    loans: LoanChanges
    figures: list[FigureChange]

    def empty(self) -> bool:
        """The two tapes hold the same loans with the same values (so no figure moved)."""
        return self.loans.empty() and not self.figures


def _union(a: Moved, b: Moved) -> Moved:
    return _moved({s: set(getattr(a, s)) | set(getattr(b, s)) for s in STATUSES}, a.whole and b.whole)


def _moved(found: dict[str, set[str]], whole: bool) -> Moved:
    added, dropped, changed = (tuple(sorted(found[s])) for s in STATUSES)
    return Moved(added, dropped, changed, whole)
