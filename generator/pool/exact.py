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


def allocate(parts: Sequence[int], unit: int) -> list[int]:
    """Round each part to a multiple of `unit` so that the rounded parts sum to the rounded total.

    Largest remainder method, as the filing foots its tables: floor every part, then give
    the units still owed to the parts with the largest remainders (ties: larger part first,
    then earlier part). The total is rounded half-up. Returns counts of `unit`.
    """
    total = sum(parts)
    target = int(round_half_up(Fraction(total, unit)))
    floors = [p // unit for p in parts]
    owed = target - sum(floors)
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
