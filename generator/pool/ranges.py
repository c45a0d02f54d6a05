"""A field's plausible and usual ranges as conditions on its column (bounds in the column's own scale)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from generator import fields as loan_fields
from generator.fields import LoanField, Range

if TYPE_CHECKING:
    import polars as pl


_Bound = int | Decimal | dt.date | None
"""A range's bound as a column holds it: an integer of the field's scale, or a date (None: unbounded)."""

_CLOSED: dict[tuple[bool, bool], Literal["both", "right", "left", "none"]] = {
    (False, False): "both", (True, False): "right", (False, True): "left", (True, True): "none",
}  # fmt: skip
"""polars' `closed` for (low bound open, high bound open)."""


def stored(field: LoanField, bounds: Range) -> tuple[_Bound, _Bound]:
    """A range's bounds as the field's column holds them (integers of its scale, or dates)."""
    if field.decimals is not None:  # a numeric field
        return bounds.scaled(field.decimals)
    return bounds.low, bounds.high


def inside(col: pl.Expr, field: LoanField, bounds: Range) -> pl.Expr:
    """True where the column's value is within the range (null where it is null)."""
    lo, hi = stored(field, bounds)
    closed = _CLOSED[bounds.low_open, bounds.high_open]
    if lo is not None and hi is not None:
        return col.is_between(lo, hi, closed=closed)
    return (col > lo if bounds.low_open else col >= lo) if lo is not None else (col < hi if bounds.high_open else col <= hi)


def outside(name: str, *, usual: bool = False, field: LoanField | None = None) -> pl.Expr:
    """True on a row whose field `name` (a canonical one, else `field`) is outside its plausible range (or its usual range)."""
    import polars as pl

    field = field or loan_fields.FIELDS[name]
    bounds = field.usual if usual else field.plausible
    assert bounds is not None, f"{name} has no {'usual' if usual else 'plausible'} range"
    col, (lo, hi) = pl.col(name), stored(field, bounds)
    below = None if lo is None else col <= lo if bounds.low_open else col < lo
    above = None if hi is None else col >= hi if bounds.high_open else col > hi
    if below is None or above is None:
        one = above if below is None else below
        assert one is not None, f"{name}'s range has no bound"
        return one
    return below | above


def range_of(name: str, usual: bool = False) -> Range:
    """A field's plausible (or usual) range, which the rule naming it needs."""
    bounds = loan_fields.FIELDS[name].usual if usual else loan_fields.FIELDS[name].plausible
    assert bounds is not None, f"{name} has no {'usual' if usual else 'plausible'} range"
    return bounds


def span(name: str, usual: bool = False) -> str:
    """A field's plausible (or usual) range as the messages state it: '0% to 20%'."""
    return range_of(name, usual).words(loan_fields.FIELDS[name].kind)
