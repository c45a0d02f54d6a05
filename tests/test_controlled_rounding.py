"""Cross-tabs rounded under control: each cell a neighbour of its exact figure, totals the one-way tables' own, sums both ways.

The oracles here are independent of the min-cost flow: whether any rounding meets the one-way
totals is a cut condition (a max-flow min-cut count over the rows), and on small matrices every
rounding is enumerated.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.deal.loading import load_deal
from generator.documents.labels import analysed as analyse
from generator.documents.labels import labelled
from generator.pool.crosstab import CrossTab, compute_crosstab
from generator.pool.exact import allocate, control
from generator.pool.groups import group_frames
from generator.pool.strats import Table, compute_table

from .helpers import PRIME

MAX_CELL = 9_999_999_999 * 1_000_000  # a million loans at $99,999,999.99 in one cell
CENTS = st.one_of(st.just(0), st.integers(1, 99), st.integers(1, 10**6), st.integers(0, MAX_CELL))


def matrices(rows: int, columns: int) -> st.SearchStrategy[list[list[int]]]:
    """Matrices of cents, at most `rows` x `columns`, with zeros, pennies and the largest balances a cell can hold."""
    def of(m: int, n: int) -> st.SearchStrategy[list[list[int]]]:
        return st.lists(st.lists(CENTS, min_size=n, max_size=n), min_size=m, max_size=m)

    return st.integers(1, rows).flatmap(lambda m: st.integers(1, columns).flatmap(lambda n: of(m, n)))


def scaled(cents: list[list[int]], percent: bool) -> tuple[list[list[int]], int]:
    """The parts and unit `control` rounds: percents of the whole in hundredths, or whole dollars."""
    if percent:
        return [[c * 10_000 for c in row] for row in cents], sum(map(sum, cents))
    return cents, 100


def margins(matrix: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
    return [sum(row) for row in matrix], [sum(column) for column in zip(*matrix, strict=True)]


def neighbours(part: int, unit: int) -> tuple[int, int]:
    """A part's exact value in units, floored and raised (the same when it is exact)."""
    return part // unit, -(-part // unit)


def reachable(parts: list[list[int]], unit: int) -> bool:
    """Whether some rounding of every cell to a neighbour meets the rows' and columns' `allocate` totals.

    Each row owes its cells `a_i` units over their floors, each column `b_j`; a cell can carry one
    unit when it is not exact. By max-flow min-cut a rounding exists exactly when every set of rows
    owes no more than the columns can take from it: sum over I of a_i <= sum over j of min(b_j, cells of I in column j).
    """
    rows, columns = margins(parts)
    owed_rows = [t - sum(p // unit for p in row) for t, row in zip(allocate(rows, unit), parts, strict=True)]
    owed_columns = [t - sum(p // unit for p in column) for t, column in zip(allocate(columns, unit), zip(*parts, strict=True), strict=True)]
    for chosen in itertools.product((False, True), repeat=len(parts)):
        open_cells = [sum(1 for i, row in enumerate(parts) if chosen[i] and row[j] % unit) for j in range(len(owed_columns))]
        if sum(a for a, c in zip(owed_rows, chosen, strict=True) if c) > sum(map(min, owed_columns, open_cells)):
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(matrices(5, 5), st.booleans())
def test_every_cell_is_a_neighbour_and_the_totals_are_the_one_way_tables_whenever_a_rounding_can_meet_them(cents: list[list[int]], percent: bool) -> None:
    parts, unit = scaled(cents, percent)
    if not unit:
        return
    cells = control(parts, unit)
    for part_row, cell_row in zip(parts, cells, strict=True):
        assert all(cell in neighbours(part, unit) for part, cell in zip(part_row, cell_row, strict=True))
    rows, columns = margins(cells)
    exact_rows, exact_columns = margins(parts)
    assert all(total in neighbours(part, unit) for total, part in zip(rows + columns, exact_rows + exact_columns, strict=True))
    assert sum(rows) == sum(columns) == sum(allocate([sum(exact_rows)], unit))  # the grand total half-up: 100.00, or the table's dollars
    targets = (allocate(exact_rows, unit), allocate(exact_columns, unit))
    assert ((rows, columns) == targets) == reachable(parts, unit)


def best_by_enumeration(parts: list[list[int]], unit: int) -> tuple[int, list[list[int]]]:
    """The fewest totals any rounding moves off `allocate`'s, and, among roundings moving that few, the one raising the best-ranked cells.

    Cells rank as `allocate` ranks parts: larger remainder, then larger part, then position.
    """
    targets = [*allocate(margins(parts)[0], unit), *allocate(margins(parts)[1], unit)]
    grand = sum(allocate([sum(map(sum, parts))], unit))
    ranked = sorted(
        ((i, j) for i, row in enumerate(parts) for j, p in enumerate(row) if p % unit), key=lambda ij: (-(parts[ij[0]][ij[1]] % unit), -parts[ij[0]][ij[1]], ij)
    )
    best: tuple[tuple[int, tuple[int, ...]], list[list[int]]] | None = None
    for raise_ in itertools.product((1, 0), repeat=len(ranked)):  # the best-ranked cells raised first
        cells = [[p // unit for p in row] for row in parts]
        for up, (i, j) in zip(raise_, ranked, strict=True):
            cells[i][j] += up
        totals = [*margins(cells)[0], *margins(cells)[1]]
        if sum(margins(cells)[0]) != grand:
            continue
        key = (sum(t != g for t, g in zip(totals, targets, strict=True)), tuple(-u for u in raise_))
        if best is None or key < best[0]:
            best = (key, cells)
    assert best is not None
    return best[0][0], best[1]


@settings(max_examples=150, deadline=None)
@given(matrices(3, 4), st.booleans())
def test_the_rounding_is_the_one_enumeration_finds_and_moves_the_fewest_totals(cents: list[list[int]], percent: bool) -> None:
    parts, unit = scaled(cents, percent)
    if not unit:
        return
    cells = control(parts, unit)
    moved, best = best_by_enumeration(parts, unit)
    targets = [*allocate(margins(parts)[0], unit), *allocate(margins(parts)[1], unit)]
    assert sum(t != g for t, g in zip([*margins(cells)[0], *margins(cells)[1]], targets, strict=True)) == moved
    if not moved:  # the totals met: the cells are the best-ranked ones any such rounding can raise
        assert cells == best


def test_a_table_no_rounding_can_give_its_one_way_totals_moves_two_column_totals() -> None:
    """The cents [[0, 3436, 49, 0], [229, 0, 0, 38]] as percents: the one-way totals cannot all be met.

    The second row's one-way total is 7.12 (711.62 hundredths, raised), but its only loans are in the
    first and last columns, each that column's only cell, whose one-way totals 6.10 and 1.01 add to
    7.11: whatever the other cells print. The fewest totals move (two, the columns', the later up
    first): the last column prints 1.02 and the third 1.30 instead of 1.31; the rows keep their totals.
    """
    cents = [[0, 3436, 49, 0], [229, 0, 0, 38]]
    parts, unit = scaled(cents, True)
    assert allocate(margins(parts)[0], unit) == [9288, 712] and allocate(margins(parts)[1], unit) == [610, 9158, 131, 101]
    assert not reachable(parts, unit)
    assert control(parts, unit) == [[0, 9158, 130, 0], [610, 0, 0, 102]]


def test_exact_parts_stay_exact_and_a_matrix_of_zeros_is_zeros() -> None:
    assert control([[300, 0], [0, 500]], 100) == [[3, 0], [0, 5]]
    assert control([[0, 0]], 100) == [[0, 0]]
    assert control([[1, 1, 1]], 3) == [[1, 0, 0]]  # thirds: the tie goes to the first, as allocate gives it


def test_the_example_crosstab_totals_are_the_one_way_tables_rows_or_foot_to_what_remains_and_with_the_same_bands_the_printed_ones() -> None:
    """On the prime-jumbo example, for each group and the pool.

    The example's FICO x LTV cross-tab has coarser bands than its FICO and LTV tables: a band both
    have (800 and above, Not Available; 60.00 and below, 60.001 - 70.000) totals the table's printed
    figure (tests/test_shared_bands.py), and the others are footed to what remains of 100.00. A
    cross-tab with the printed tables' bands has exactly their printed percents as its totals.
    """
    loaded = load_deal(PRIME)
    assert loaded.deal.term_sheet is not None
    analysis = analyse(loaded)
    tables = {(t.spec.id, t.group_key): t for t in analysis.tables}
    frames = {key: frame for key, _, frame in group_frames(analysis.tape.loans, loaded.deal.term_sheet.pool.groups)}
    for key, frame in frames.items():
        matrix, fico, ltv = tables["fico-ltv", key], tables["fico", key], tables["ltv", key]
        assert isinstance(matrix, CrossTab) and isinstance(fico, Table) and isinstance(ltv, Table) and matrix.spec.across is not None
        own = matrix.spec.model_copy(update={"across": None, "columns": None})
        across = own.model_copy(update={"field": matrix.spec.across.field, "rule": matrix.spec.across.rule})
        for totals, spec, one_way in ((matrix.row_totals, own, fico), (matrix.column_totals, across, ltv)):
            coarse = compute_table(frame, spec)
            assert isinstance(coarse, Table)
            printed = {row.key: row.percent for row in one_way.rows}
            stated = [printed.get(row.key) for row in coarse.rows]  # the bands both have (their keys are their bounds), and the blank row
            assert sum(s is not None for s in stated) == 2
            assert [t for t, s in zip(totals, stated, strict=True) if s is not None] == [s for s in stated if s is not None]
            free = [row.balance_cents * 10_000 for row, s in zip(coarse.rows, stated, strict=True) if s is None]
            rest = 10_000 - sum(int(s.scaleb(2)) for s in stated if s is not None)
            footed = [Decimal(h).scaleb(-2) for h in allocate(free, coarse.balance_cents, rest)]
            assert [t for t, s in zip(totals, stated, strict=True) if s is None] == footed
        same_bands = matrix.spec.model_copy(update={"rule": fico.spec.rule, "across": matrix.spec.across.model_copy(update={"rule": ltv.spec.rule})})
        (printed_matrix,) = labelled([compute_crosstab(frame, same_bands)])
        assert isinstance(printed_matrix, CrossTab)
        assert printed_matrix.row_totals == [row.percent for row in fico.rows] and printed_matrix.column_totals == [row.percent for row in ltv.rows]
        assert printed_matrix.row_labels == [row.label for row in fico.rows] and printed_matrix.total == 100
        assert [sum(row) for row in printed_matrix.cells] == printed_matrix.row_totals
        dollars = compute_crosstab(frame, same_bands.model_copy(update={"cell": "balance"}))  # whole dollars: the tables' dollars
        assert dollars.row_totals == [row.balance for row in fico.rows] and dollars.column_totals == [row.balance for row in ltv.rows]
        assert dollars.total == fico.balance == sum(map(sum, dollars.cells))
