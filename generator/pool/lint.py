"""Warnings about a deal file that renders but probably does not say what its team meant.

Each is a `Problem` of severity WARNING at the deal file's line, found once per deal (not per
group or per table computed), and says what to check: a band edge far out of scale with its
neighbours (a typed 7999 among FICO edges in the 700s), a band no loan can fall in given the
field's plausible range, and ARM fields mapped on a tape that does not say which loans are ARMs.
Errors (what stops a render) are elsewhere; `validate`, `render` and `strats` print these.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.deal.models import BandsRule, Rule, TableSpec
from generator.errors import DealdocsError, Problem, Severity
from generator.fields import LoanField, Range
from generator.pool.columns import _span
from generator.pool.row_checks import ARM_FIELDS
from generator.pool.strats import TablePlaces, resolve_tables

if TYPE_CHECKING:
    from generator.deal.loading import LoadedDeal

OUT_OF_SCALE = 10
"""A gap between two edges more than this many times every other gap of the rule looks like a typo (a digit too many or too few)."""

MAGNITUDE = 5
"""...when the edges at its ends also differ this many times in size (7999 against 779): a wider top band (1,000,000 to 3,000,000) does not."""


def deal_warnings(loaded: LoadedDeal) -> list[Problem]:
    """Every likely mistake in the deal file, each once at its line; none for a deal without a term sheet or with table errors.

    Args:
        loaded: The deal, from `load_deal`.

    Returns:
        The warnings, in the deal file's order of tables, then the pool's columns.
    """
    term_sheet = loaded.deal.term_sheet
    if term_sheet is None:
        return []
    places = TablePlaces(loaded)
    try:
        specs = resolve_tables(term_sheet.pool.tables, places)
    except DealdocsError:  # an unknown table dropped: an error `validate` and `render` report
        specs = []
    found = [warning(p) for spec in specs for p in band_warnings(spec, places)]
    headers = term_sheet.pool.headers()
    mapped = [name for name in ARM_FIELDS if headers.get(name)]
    if mapped and not headers.get("amortization"):
        found.append(warning(loaded.problem(
            ("term_sheet", "pool", "columns", mapped[0]), headers[mapped[0]],
            f"the ARM fields ({', '.join(mapped)}) are mapped but amortization is not, so nothing checks that they are given exactly on "
            "ARMs (a stray margin on a fixed-rate loan would count in every weighted average): map amortization to the tape's "
            "fixed/ARM column (codes.amortization)",
        )))  # fmt: skip
    return found


def warning(problem: Problem) -> Problem:
    """The problem as a warning: reported, and the rendering goes on."""
    return dataclasses.replace(problem, severity=Severity.WARNING)


def band_warnings(spec: TableSpec, places: TablePlaces) -> list[Problem]:
    """The table's band edges that look mistyped or make a row no loan can reach, down and across (a cross-tab), each at its edge."""
    axes: list[tuple[tuple[str, ...], LoanField, Rule]] = [((), spec.field.loan_field, spec.rule)]
    if spec.across is not None and spec.across.field is not None and spec.across.rule is not None:  # a named table's: warned at that table
        axes.append((("across",), spec.across.field.loan_field, spec.across.rule))
    return [
        places.spec(spec, (*at, "rule", "edges", index), str(rule.edges[index]), message)
        for at, field, rule in axes
        if isinstance(rule, BandsRule) and field.band and field.decimals is not None
        for index, message in edge_warnings(field, rule.edges)
    ]


def edge_warnings(field: LoanField, edges: list[Decimal]) -> Iterator[tuple[int, str]]:
    """(index, message) of each edge far out of scale with the others or beyond the field's plausible range (one message per edge)."""
    reasons: dict[int, list[str]] = {}
    for index, reason in [*_out_of_scale(edges), *_unreachable(field, edges)]:
        reasons.setdefault(index, []).append(reason)
    for index in sorted(reasons):
        yield index, f"band edge {edges[index]}: {'; '.join(reasons[index])}: check this edge"


def _out_of_scale(edges: list[Decimal]) -> Iterator[tuple[int, str]]:
    """The edge at the end of a gap more than OUT_OF_SCALE times every other gap, when the edges differ in size by MAGNITUDE or more.

    A first gap blames the first edge, any other the edge above it (the last edge of [..., 779, 7999]).
    """
    gaps = [b - a for a, b in itertools.pairwise(edges)]
    if len(gaps) < 2:  # one gap has nothing to be out of scale with
        return
    for k, gap in enumerate(gaps):
        others = max(g for j, g in enumerate(gaps) if j != k)
        low, high = sorted((abs(edges[k]), abs(edges[k + 1])))
        if gap > OUT_OF_SCALE * others and (low == 0 or high >= MAGNITUDE * low):
            index = 0 if k == 0 else k + 1
            times = f"{gap / others:.0f} times the largest other, {others}"
            yield index, f"far out of scale with its neighbours (the gap from {edges[k]} to {edges[k + 1]} is {times})"


def _unreachable(field: LoanField, edges: list[Decimal]) -> Iterator[tuple[int, str]]:
    """Edges past which a band can hold no loan: the band below the first edge, between two edges or above the last, outside the plausible range."""
    bounds = field.plausible
    if bounds is None:
        return
    low, high = _lowest_and_highest(bounds, field.decimals or 0)
    unit = Decimal(1).scaleb(-(field.decimals or 0))
    shown = _span(field)
    rows = len(edges) + 1
    for band in range(rows):  # band i holds edges[i-1] < value <= edges[i]
        lo = edges[band - 1] + unit if band > 0 else None
        hi = edges[band] if band < len(edges) else None
        if (high is not None and lo is not None and lo > high) or (low is not None and hi is not None and hi < low):
            at = band - 1 if lo is not None and high is not None and lo > high else band
            which = "below the first edge" if band == 0 else "above the last edge" if band == rows - 1 else f"from {lo} to {hi}"
            yield at, f"the band {which} can hold no loan ({field.name} is {shown})"


def _lowest_and_highest(bounds: Range, decimals: int) -> tuple[Decimal | None, Decimal | None]:
    """The lowest and highest values a field's plausible range admits, at its decimals (an open bound moves in one unit)."""
    unit = Decimal(1).scaleb(-decimals)
    low = None if bounds.low is None else Decimal(str(bounds.low)) + (unit if bounds.low_open else 0)
    high = None if bounds.high is None else Decimal(str(bounds.high)) - (unit if bounds.high_open else 0)
    return low, high
