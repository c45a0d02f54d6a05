"""Sums over loans in polars, each in an integer type proven wide enough: Int64, Int128, or Int128 in two limbs.

polars wraps an integer sum or product past its type without an error, so every sum of a
figure is computed in the type `exact.fits` proves holds it: the bound is the loans' count x
the largest magnitude of each factor, which covers every subset of those loans (a group,
a table row) and every order of adding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from generator.pool.exact import INT64_MAX, INT128_MAX, fits

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import polars as pl

Width = Literal["Int64", "Int128", "limbs"]
"""How a sum is computed exactly: in Int64, in Int128, or (a product sum past 128 bits) as two Int128 sums of limbs."""

LIMB = 2**32
"""The split of a factor for `limbs` sums: value = high x LIMB + low, with 0 <= low < LIMB."""

HIGH = "_h"
"""Suffix of the column holding a limbs sum's high part (`product_sums`)."""


def width(rows: int, *factors: int) -> Width:
    """The narrowest exact way to sum `rows` products of factors no larger in magnitude than `factors` (`exact.fits` proves each).

    Int64 where it holds every partial sum, else Int128; a product of two factors past 128 bits
    (a 19-digit value of a custom field times the largest balances) is summed in two limbs of
    the second factor, each of which `fits` Int128 while that factor is within +-LIMB**2.
    """
    if fits(INT64_MAX, rows, *factors):
        return "Int64"
    if fits(INT128_MAX, rows, *factors):
        return "Int128"
    if len(factors) == 2 and fits(LIMB * LIMB, 1, factors[1]) and fits(INT128_MAX, rows, factors[0], LIMB):
        return "limbs"
    raise OverflowError(f"no exact sum of {rows} products of factors up to {factors} is implemented")


def sum_type(width: Width) -> pl.DataType:
    """The polars type a sum of this width is computed in (a limbs sum's two parts are Int128)."""
    import polars as pl

    return pl.Int64() if width == "Int64" else pl.Int128()


@dataclass(frozen=True)
class Widths:
    """How every sum over a set of loans, or any subset of them, is computed exactly (`widths`)."""

    balance: Width  # sums of balances (totals, shares, a weighted average's denominator)
    weighted: Mapping[str, Width]  # sums of balance x field, by field


def widths(loans: pl.DataFrame, fields: Iterable[str]) -> Widths:
    """The widths of the balance's sums and of balance x each of `fields` (numeric ones) on these loans, from their largest magnitudes.

    Int128 arithmetic costs polars about a third more in a group-by; the bound (loans x largest
    |balance| x largest |value|, the balance itself when weighting the balance) makes Int64
    exact wherever it is used, so figures do not change.
    """
    import polars as pl

    schema = loans.schema
    names = sorted({n for n in fields if n in schema and schema[n].is_integer()})
    tops = loans.select(pl.col(["balance", *names]).cast(pl.Int128).abs().max()).row(0, named=True)
    rows, balance = loans.height, int(tops["balance"] or 0)
    return Widths(width(rows, balance), {n: width(rows, balance, int(tops[n] or 0)) for n in names})


def product_sums(balance: pl.Expr, value: pl.Expr, width: Width, name: str) -> list[pl.Expr]:
    """The sum of balance x value in the given width, named `name` (with `name` + HIGH, the high limb's, for a limbs sum).

    Read it back with `product_total`; nulls add nothing.
    """
    return [term.sum() for term in product_terms(balance, value, width, name)]


def product_terms(balance: pl.Expr, value: pl.Expr, width: Width, name: str) -> list[pl.Expr]:
    """Each loan's balance x value in the given width, unsummed, named as `product_sums` names their sums.

    Computed once as columns, they let many group-bys over the same loans sum them instead of multiplying again.
    """
    import polars as pl

    if width != "limbs":
        wide = sum_type(width)
        return [(balance.cast(wide) * value.cast(wide)).alias(name)]
    weight, whole = balance.cast(pl.Int128), value.cast(pl.Int128)
    high = whole // LIMB  # floor division: low = whole - high x LIMB is in [0, LIMB)
    return [(weight * (whole - high * LIMB)).alias(name), (weight * high).alias(name + HIGH)]


def product_total(sums: Mapping[str, Any], name: str) -> int | None:
    """The exact sum `product_sums` computed under `name` (None where there is none)."""
    low, high = sums.get(name), sums.get(name + HIGH)
    return low if high is None else int(low or 0) + int(high) * LIMB
