"""Exact arithmetic for printed figures: integers in, half-up rounding, tables that foot.

Every amount reaching this module is an integer in a fixed scale (cents, thousandths of a
percent, months), so no float ever enters a sum or a rounding decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction


def round_half_up(value: Fraction | int, places: int = 0) -> Decimal:
    """Round a non-negative or negative exact value half away from zero to `places` decimals."""
    scaled = Fraction(value) * 10**places
    sign = -1 if scaled < 0 else 1
    whole = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(sign * whole).scaleb(-places)


def floor_to(value: Fraction | int, places: int = 0) -> Decimal:
    """Round down: for statements of the form "at least N%"."""
    scaled = Fraction(value) * 10**places
    return Decimal(scaled.numerator // scaled.denominator).scaleb(-places)


def ceil_to(value: Fraction | int, places: int = 0) -> Decimal:
    """Round up: for statements of the form "no more than N%"."""
    scaled = Fraction(value) * 10**places
    return Decimal(-(-scaled.numerator // scaled.denominator)).scaleb(-places)


ROUNDING = {"half_up": round_half_up, "down": floor_to, "up": ceil_to}


def quantize(value: Fraction | Decimal | int, places: int, mode: str = "half_up") -> Decimal:
    """Round an exact value with one of the printed rounding rules: half_up, down or up."""
    if mode not in ROUNDING:
        raise ValueError(f"unknown rounding {mode!r} (use {', '.join(ROUNDING)})")
    return ROUNDING[mode](Fraction(value), places)


def allocate(parts: Sequence[int], unit: int, target: int | None = None) -> list[int]:
    """Round each part to a multiple of `unit` so that the rounded parts sum to the rounded total.

    Largest remainder method, as the filing foots its tables: floor every part, then give
    the units still owed to the parts with the largest remainders (ties: larger part first,
    then earlier part). The total is rounded half-up, or is `target` units when given (what
    remains of a total once some parts are fixed elsewhere); a target no rounding of each part
    down or up reaches is met as nearly as one does. Returns counts of `unit`.
    """
    if target is None:
        target = int(round_half_up(Fraction(sum(parts), unit)))
    floors = [p // unit for p in parts]
    owed = min(max(target - sum(floors), 0), sum(1 for p in parts if p % unit))
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] % unit), -parts[i], i))
    for i in order[:owed]:
        floors[i] += 1
    return floors


INT64_MAX = 2**63 - 1
"""The largest Int64; polars wraps an Int64 sum or product past it without an error."""

INT128_MAX = 2**127 - 1
"""The largest Int128, polars' widest integer."""


def fits(limit: int, rows: int, *factors: int) -> bool:
    """Whether any sum of at most `rows` products, each factor no larger in magnitude than its bound here, stays within +-`limit`.

    The one proof behind every narrower integer type: the bound rows x |factor| x ... holds
    for every partial sum in any order and for every subset of the rows, so a sum proven
    here for a pool is proven for each of its groups and table rows.
    """
    bound = rows
    for factor in factors:
        bound *= abs(factor)
    return bound <= limit


def share_percent(part: int, total: int) -> Fraction:
    """A part's exact share of a total, in percent."""
    return Fraction(part * 100, total)


def _totals(sums: Sequence[int], unit: int, fixed: Sequence[int | None], grand: int) -> list[int]:
    """Each total in units: its `fixed` figure where one is given, else footed by `allocate` to what remains of `grand`; each held to its floor or ceiling."""
    fixed = [*fixed, *[None] * (len(sums) - len(fixed))]
    free = [i for i, f in enumerate(fixed) if f is None]
    footed = dict(zip(free, allocate([sums[i] for i in free], unit, grand - sum(f for f in fixed if f is not None)), strict=True))
    return [min(max(footed[i] if f is None else f, s // unit), -(-s // unit)) for i, (s, f) in enumerate(zip(sums, fixed, strict=True))]


def control(
    parts: Sequence[Sequence[int]], unit: int, fixed_rows: Sequence[int | None] = (), fixed_columns: Sequence[int | None] = ()
) -> list[list[int]]:
    """Round a matrix's parts to multiples of `unit` so that it adds up both ways and its totals are the one-way tables'.

    A controlled rounding: every cell is floored or raised one unit (a part already a multiple
    stays exact, so an empty cell prints zero), and each row's and column's sum is its target:
    its figure in `fixed_rows` or `fixed_columns`, in units (what a printed one-way table prints
    for the same loans; None or absent: no figure), else `allocate` of the other rows' (or
    columns') sums to what remains of the grand total rounded half-up. Without fixed figures
    that is `allocate` of all the sums: the totals a one-way table with the same bands prints.
    Of all such roundings it raises the best-ranked cells, in `allocate`'s order (remainder, then
    larger part, then position, row by row): the first is raised if any rounding raises it, the
    next if any rounding raising the ones chosen does, and so on. A min-cost flow finds it; its
    weights are powers of two, so the answer is unique whatever the solver's path.
    Returns counts of `unit`, [row][column].

    Such a rounding does not always exist: in [[0, 3436, 49, 0], [229, 0, 0, 38]] cents, as percents
    of the whole, the second row's one-way total is 7.12 but its cells are the only cells of the
    first and last columns, whose one-way totals 6.10 and 1.01 add to 7.11, so no cells at all meet
    both. Then the fewest totals move to their other neighbour (floored for raised or back), fixed
    ones only when moving others cannot do, later ones first, so columns before rows; the cells
    stay neighbours. A fixed figure, or what remains of the grand total for the others, that is
    no neighbour of its exact total counts as moved to the nearer one. That always succeeds: with every
    total free between its floor and ceiling, the exact parts are a fractional flow, the flow values
    a network with integer bounds admits are an interval with integer ends, the rounded grand total
    is within a unit of the exact one and so in it, and a flow of an integer value can be integral.
    """
    import networkx as nx

    rows = [list(row) for row in parts]
    cells = [[p // unit for p in row] for row in rows]
    fractional = sorted(
        ((i, j) for i, row in enumerate(rows) for j, p in enumerate(row) if p % unit),
        key=lambda ij: (-(rows[ij[0]][ij[1]] % unit), -rows[ij[0]][ij[1]], ij),
    )
    if not fractional:
        return cells
    columns = [list(column) for column in zip(*rows, strict=True)]
    margins = [(("row", i), sum(row), sum(cells[i])) for i, row in enumerate(rows)]
    margins += [(("column", j), sum(column), sum(row[j] for row in cells)) for j, column in enumerate(columns)]
    grand = int(round_half_up(Fraction(sum(map(sum, rows)), unit)))
    targets = _totals([sum(row) for row in rows], unit, fixed_rows, grand) + _totals([sum(column) for column in columns], unit, fixed_columns, grand)
    fixed = [f is not None for f in [*fixed_rows, *[None] * (len(rows) - len(fixed_rows)), *fixed_columns]]
    fixed += [False] * (len(margins) - len(fixed))
    m = len(margins)
    cost = len(fractional) << len(fractional)  # of moving a total: more than any choice of cells costs
    graph: nx.DiGraph[tuple[str, int] | str] = nx.DiGraph()
    for q, ((node, total, floored), target) in enumerate(zip(margins, targets, strict=True)):
        owed = total // unit - floored  # what the row's or column's cells are raised by in any case
        graph.add_node(node, demand=-owed if node[0] == "row" else owed)
        if total % unit:  # one more unit may pass: rewarded when the target is the ceiling, else a move
            tier = (2 * m + 2) << m if fixed[q] else 1 << m  # one fixed total moved costs more than every other moved
            weight = cost * (tier + (1 << (m - 1 - q)))
            graph.add_edge(*(("rows", node) if node[0] == "row" else (node, "columns")), capacity=1, weight=-weight if target > total // unit else weight)
    graph.add_node("rows", demand=sum(total // unit for (node, total, _) in margins if node[0] == "row") - grand)
    graph.add_node("columns", demand=grand - sum(total // unit for (node, total, _) in margins if node[0] == "column"))
    for rank, (i, j) in enumerate(fractional):  # raising a cell costs less the higher it ranks
        graph.add_edge(("row", i), ("column", j), capacity=1, weight=(1 << len(fractional)) - (1 << (len(fractional) - 1 - rank)))
    _, flow = nx.network_simplex(graph)
    for i, j in fractional:
        cells[i][j] += flow[("row", i)][("column", j)]
    return cells
