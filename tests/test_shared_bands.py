"""A band printed in a cross-tab and in a one-way table prints the same figure in both.

A cross-tab's row (or column) that holds exactly the loans of a printed one-way table's row over
the same loans (same field; same band bounds, category or blank row) totals that row's printed
figure; the other totals foot by largest remainder to what remains of the grand total; cells stay
the floor or ceiling of their exact shares and add up both ways. Where no rounding meets those
totals, each total is still a neighbour of its exact figure (the oracle's flow decides which).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.deal.loading import load_deal
from generator.deal.models import Tables, TableSpec
from generator.documents.labels import analysed, labelled
from generator.pool.crosstab import CrossTab
from generator.pool.exact import control
from generator.pool.groups import group_frames, grouped_tables
from generator.pool.strats import Band, Table, TablePlaces, check_tables, compute_many, compute_tables

from . import oracle
from .helpers import PRIME

LABELS = {"label": "{{ lo }} - {{ hi }}", "first_label": "{{ hi }} and below", "last_label": "{{ lo }} and above"}
FICO = st.one_of(st.none(), st.integers(300, 850))
LTV = st.one_of(st.none(), st.integers(1, 150_000))  # thousandths of a percent
BALANCE = st.one_of(st.integers(1, 10**4), st.integers(1, 10**10))  # cents, up to $99,999,999.99


def bands(field: str, edges: list[int], decimals: int) -> dict[str, Any]:
    return {"kind": "bands", "edges": [Decimal(e).scaleb(-decimals) for e in edges], **LABELS}


@st.composite
def edge_sets(draw: st.DrawFn, low: int, high: int) -> tuple[list[int], list[int]]:
    """A one-way table's band edges and a cross-tab's coarser ones, a subset of them (stored units)."""
    fine = sorted(draw(st.lists(st.integers(low, high), min_size=2, max_size=9, unique=True)))
    coarse = [e for e in fine if draw(st.booleans())] or [draw(st.sampled_from(fine))]
    return fine, coarse


def spec(data: dict[str, Any]) -> TableSpec:
    return TableSpec.model_validate({"title": ["T"], "header": ["R"], **data})


def interval(edges: list[int], key: int) -> tuple[int | None, int | None]:
    """The stored values band `key` of `edges` holds, as (lowest, highest), None where open."""
    return (edges[key - 1] + 1 if key else None), (edges[key] if key < len(edges) else None)


def stored(band: Band, decimals: int) -> tuple[int | None, int | None]:
    return tuple(None if b is None else int(b.scaleb(decimals)) for b in (band.lo, band.hi))  # type: ignore[return-value]


def neighbours(value: Fraction) -> tuple[int, int]:
    return value.numerator // value.denominator, -(-value.numerator // value.denominator)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.tuples(BALANCE, FICO, LTV), min_size=8, max_size=60),
    edge_sets(300, 850),
    edge_sets(1, 150_000),
    st.sampled_from(["percent", "balance"]),
    st.booleans(),
)
def test_every_band_shared_with_a_one_way_table_prints_its_figure(
    loans: list[tuple[int, int | None, int | None]], fico: tuple[list[int], list[int]], ltv: tuple[list[int], list[int]], cell: str, keep_empty: bool
) -> None:
    frame = pl.DataFrame(loans, schema={"balance": pl.Int64, "fico": pl.Int64, "ltv": pl.Int64}, orient="row")
    fico_table = spec({"id": "fico", "field": "fico", "rule": bands("fico", fico[0], 0), "keep_empty": keep_empty})
    ltv_table = spec({"id": "ltv", "field": "ltv", "rule": bands("ltv", ltv[0], 3)})
    crosstab = spec({"id": "x", "field": "fico", "rule": bands("fico", fico[1], 0), "cell": cell,
                     "across": {"field": "ltv", "header": ["LTV"], "rule": bands("ltv", ltv[1], 3)}})  # fmt: skip
    matrix, fine_fico, fine_ltv = compute_many([(frame, crosstab), (frame, fico_table), (frame, ltv_table)])
    assert isinstance(matrix, CrossTab) and isinstance(fine_fico, Table) and isinstance(fine_ltv, Table)

    cents = [b for b, _, _ in loans]
    total = sum(cents)
    unit = 100 if cell == "balance" else total  # what a printed unit is, in cents x 10,000 for a percent

    def scaled(c: int) -> int:
        return c if cell == "balance" else c * 10_000

    def printed(x: int | Decimal) -> int:
        return int(x) if cell == "balance" else int(Decimal(x).scaleb(2))

    def key(value: int | None, edges: list[int]) -> int | None:
        return None if value is None else next((i for i, e in enumerate(edges) if value <= e), len(edges))

    def axis(keys: list[Any], edges: tuple[list[int], list[int]], fine: Table, decimals: int, at: int) -> tuple[list[Fraction], list[int | None]]:
        """Each row's exact figure, and the one-way table's printed figure where the band's bounds are a band of its edges (the blank row: its blank row)."""
        fine_edges, coarse_edges = edges
        fine_bands = {interval(fine_edges, i) for i in range(len(fine_edges) + 1)}
        fine_rows = {None if r.key is None else stored(r.key, decimals): r for r in fine.rows if r.key is None or isinstance(r.key, Band)}
        exact, stated = [], []
        for row_key in keys:
            bounds = None if row_key is None else stored(row_key, decimals) if isinstance(row_key, Band) else "?"
            band = None if bounds is None else next(i for i in range(len(coarse_edges) + 1) if interval(coarse_edges, i) == bounds)
            exact.append(Fraction(scaled(sum(c for c, loan in zip(cents, loans, strict=True) if key(loan[at], coarse_edges) == band)), unit))
            row = fine_rows.get(bounds) if bounds is None or bounds in fine_bands else None
            stated.append(None if row is None else printed(row.balance if cell == "balance" else row.percent))
        return exact, stated

    row_exact, row_stated = axis(matrix.row_keys, fico, fine_fico, 0, 1)
    column_exact, column_stated = axis(matrix.column_keys, ltv, fine_ltv, 3, 2)

    cells = [[printed(x) for x in row] for row in matrix.cells]
    rows, columns = [printed(x) for x in matrix.row_totals], [printed(x) for x in matrix.column_totals]
    grand = oracle.half_up_int(Fraction(scaled(total), unit))
    assert printed(matrix.total) == grand == sum(rows) == sum(columns)  # 100.00, or the table's dollars
    assert [sum(row) for row in cells] == rows and [sum(column) for column in zip(*cells, strict=True)] == columns
    shares = [[Fraction(0)] * len(columns) for _ in rows]
    for c, f, v in loans:
        i = next(n for n, k in enumerate(matrix.row_keys) if (k is None) == (f is None) and (f is None or _holds(k, f, 0)))
        j = next(n for n, k in enumerate(matrix.column_keys) if (k is None) == (v is None) and (v is None or _holds(k, v, 3)))
        shares[i][j] += Fraction(scaled(c), unit)
    assert all(x in neighbours(s) for row, share_row in zip(cells, shares, strict=True) for x, s in zip(row, share_row, strict=True))
    assert all(t in neighbours(e) for t, e in zip(rows + columns, row_exact + column_exact, strict=True))

    targets = [_footed(exact, stated, grand) for exact, stated in ((row_exact, row_stated), (column_exact, column_stated))]
    if targets[0] is not None and targets[1] is not None and oracle.controlled_rounding_exists(shares, targets[0], targets[1]):
        assert (rows, columns) == (targets[0], targets[1])
        assert all(t == s for t, s in zip(rows + columns, row_stated + column_stated, strict=True) if s is not None)  # shared bands print alike


def _holds(band: Any, value: int, decimals: int) -> bool:
    lo, hi = stored(band, decimals)
    return (lo is None or lo <= value) and (hi is None or value <= hi)


def _footed(exact: list[Fraction], stated: list[int | None], grand: int) -> list[int] | None:
    """The stated figures, and the others footed by largest remainder to what remains of `grand`; None when no rounding reaches it."""
    free = [e for e, s in zip(exact, stated, strict=True) if s is None]
    remaining = grand - sum(s for s in stated if s is not None)
    floors = sum(e.numerator // e.denominator for e in free)
    if not 0 <= remaining - floors <= sum(1 for e in free if e.denominator != 1):
        return None
    common = math.lcm(*(e.denominator for e in free))
    footed = iter(oracle.footed([int(e * common) for e in free], common, remaining) if free else [])
    return [next(footed) if s is None else s for s in stated]


def test_a_fixed_total_no_rounding_reaches_moves_to_a_neighbour_and_fixed_totals_move_last() -> None:
    """[[100], [45], [45]] cents in dollars, with the last two rows fixed at 0 by a finer one-way table.

    The grand total is 1.90, so 2: the first row would take the remaining 2, but its exact figure is
    1.00, so it prints 1, and one fixed total moves to its other neighbour (the later). Where the
    others can move instead, the fixed ones stay: the matrix no rounding meets with the one-way totals
    (test_controlled_rounding) keeps its fixed columns and moves two rows.
    """
    assert control([[100], [45], [45]], 100, [None, 0, 0]) == [[1], [0], [1]]
    parts = [[c * 10_000 for c in row] for row in ([0, 3436, 49, 0], [229, 0, 0, 38])]
    assert control(parts, 3752) == [[0, 9158, 130, 0], [610, 0, 0, 102]]  # no fixed totals: two columns move
    assert control(parts, 3752, (), [610, 9158, 131, 101]) == [[0, 9158, 131, 0], [610, 0, 0, 101]]  # fixed: the rows move (92.89, 7.11)


def test_fixed_totals_that_a_rounding_meets_are_printed_and_the_rest_foot_to_what_remains() -> None:
    """Three thirds of a unit: footed alone, the first is raised; a one-way table printing the last as 1 gives it the unit, the rest foot to 0."""
    assert control([[1, 1, 1]], 3) == [[1, 0, 0]]
    assert control([[1, 1, 1]], 3, (), [None, None, 1]) == [[0, 0, 1]]
    assert control([[1, 1, 1]], 3, (), [None, 0, 0]) == [[1, 0, 0]]
    assert control([[1], [1], [1]], 3, [None, 1]) == [[0], [1], [0]]  # rows too; the column's total is the grand total, 1


def _shared(matrix: CrossTab, tables: list[Table], axis: str) -> list[tuple[str, Any, Any]]:
    """(label, cross-tab figure, one-way figure) of each of the axis's rows whose band bounds (or blank row) a one-way table's row has."""
    keys, labels, totals = (
        (matrix.row_keys, matrix.row_labels, matrix.row_totals) if axis == "row" else (matrix.column_keys, matrix.column_labels, matrix.column_totals)
    )
    found = []
    for key, label, total in zip(keys, labels, totals, strict=True):
        for table in tables:
            bounds = None if key is None else (key.lo, key.hi) if isinstance(key, Band) else "?"
            row = next((r for r in table.rows if (None if r.key is None else (r.key.lo, r.key.hi) if isinstance(r.key, Band) else "!") == bounds), None)
            if row is not None:
                found.append((label, total, row.balance if matrix.spec.cell == "balance" else row.percent))
                break
    return found


def test_the_prime_jumbo_crosstab_prints_the_fico_and_ltv_tables_figures_where_they_share_a_band() -> None:
    """prime-jumbo: FICO 800 and above and Not Available, LTV 60.00 and below and 60.001 - 70.000, in percent and in dollars, every scope."""
    loaded = load_deal(PRIME)
    assert loaded.deal.term_sheet is not None
    pool = loaded.deal.term_sheet.pool
    analysis = analysed(loaded)
    specs = [t.spec for t in analysis.tables if t.group_key is None or pool.groups is None]
    by_balance = [s.model_copy(update={"cell": "balance"}) if s.across is not None else s for s in specs]
    for tables in (analysis.tables, labelled(grouped_tables(analysis.tape.loans, by_balance, pool.groups))):
        keys = {t.group_key for t in tables}
        assert keys == {key for key, _, _ in group_frames(analysis.tape.loans, pool.groups)}
        for key in keys:
            scope = {t.spec.id: t for t in tables if t.group_key == key}
            matrix, fico, ltv = scope["fico-ltv"], scope["fico"], scope["ltv"]
            assert isinstance(matrix, CrossTab) and isinstance(fico, Table) and isinstance(ltv, Table)
            rows, columns = _shared(matrix, [fico], "row"), _shared(matrix, [ltv], "column")
            assert [label for label, _, _ in rows] == ["800 and above", "Not Available"]
            assert [label for label, _, _ in columns] == ["60.00 and below", "60.001 - 70.000"]
            assert all(printed == one_way for _, printed, one_way in rows + columns), (key, rows, columns)
            assert [sum(row) for row in matrix.cells] == matrix.row_totals and sum(matrix.row_totals) == sum(matrix.column_totals) == matrix.total
            assert matrix.total == (fico.balance if matrix.spec.cell == "balance" else 100)


def test_validate_computes_the_crosstab_render_prints_even_listed_before_its_one_way_tables() -> None:
    """`check_tables` (what validate measures) computes cross-tabs after the one-way tables: the same figures as `compute_tables`, specs' order kept."""
    loaded = load_deal(PRIME)
    analysis = analysed(loaded)
    by_id = {t.spec.id: t.spec for t in analysis.tables}
    specs = [by_id["fico-ltv"], by_id["fico"], by_id["ltv"]]
    problems, computed = check_tables(Tables(defaults=False, tables=specs), TablePlaces(), analysis.tape.loans)
    rendered = compute_tables(analysis.tape.loans, specs)
    assert problems == [] and [t.spec.id for t in computed] == ["fico-ltv", "fico", "ltv"]
    matrix, fico = computed[0], computed[1]
    assert isinstance(matrix, CrossTab) and isinstance(fico, Table) and matrix == rendered[0]
    assert matrix.row_totals[-2:] == [row.percent for row in fico.rows][-2:]  # 800 and above, Not Available
