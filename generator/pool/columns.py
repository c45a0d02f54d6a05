"""A table's figure columns: what each needs summed per row in polars, and the printed figure from those sums.

Every figure is exact: sums are integers (cents, cents x the field's stored units), and each
printed figure is rounded once, half-up (`exact.round_half_up`). Count, balance and percent
columns are the table's own footed figures (`strats.Row`); this module computes the rest.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from generator.deal.models import Column
from generator.pool.exact import round_half_up
from generator.pool.fields import Kind, LoanField

if TYPE_CHECKING:
    from collections.abc import Iterable

    import polars as pl

Figure = int | Decimal | None
"""A printed figure: a count or whole dollars (int), a rounded value (Decimal), or not available (None)."""

OWN = ("count", "balance", "percent")
"""Column kinds the table itself computes and foots."""


class ColumnProblem(Exception):
    """A column that does not fit its field, at a key path inside the column (placed by `strats`)."""

    def __init__(self, key: str, value: str | None, message: str) -> None:
        super().__init__(message)
        self.key, self.value, self.message = key, value, message


def _field(column: Column) -> LoanField:
    if column.field is None:
        raise ColumnProblem("field", None, f"a {column.kind} column needs a `field`")
    return column.field.loan_field


def check(column: Column) -> None:
    """Raise `ColumnProblem` when the column cannot be computed (a missing field, a share without a value)."""
    if column.kind in (*OWN, "average_balance"):
        return
    field = _field(column)
    if column.kind == "share":
        if column.value is None:
            raise ColumnProblem("value", None, "a share column needs the `value` it counts")
    elif not field.numeric:
        raise ColumnProblem(
            "field", field.name, f"a {column.kind} needs a numeric field, and {field.name} is a {field.kind.value} field: use a share of one of its values"
        )


def places(column: Column) -> int:
    """Decimals the column prints: its own, else 2 for percents and shares, else the field's (0 for dollars)."""
    if column.decimals is not None:
        return column.decimals
    if column.kind in ("percent", "share"):
        return 2
    if column.kind in ("count", "balance", "average_balance"):
        return 0
    return _field(column).decimals or 0


def _match(field: LoanField, value: str | int | bool, dtype: pl.DataType) -> pl.Expr:
    import polars as pl

    col = pl.col(field.name)
    if field.kind is Kind.FLAG:
        return col == (value if isinstance(value, bool) else str(value).lower() in ("true", "y", "yes", "1"))
    if field.numeric:
        return col == field.scaled(Decimal(str(value)))
    return col.cast(pl.String) == str(value)


INT64_MAX = 2**63 - 1


def narrow(loans: pl.DataFrame, columns: list[Column]) -> frozenset[str]:
    """The weighted fields whose balance x value sums cannot leave Int64 on these loans (or any subset), "balance" when its sum cannot.

    Int128 arithmetic costs polars about a third more in a group-by; the bound (loans x largest
    |balance| x largest |value|) makes Int64 exact wherever it is used, so figures do not change.
    """
    weighted = {c.field.value for c in columns if c.kind == "weighted_average" and c.field is not None}
    return int64_sums(loans, weighted)


def int64_sums(loans: pl.DataFrame, fields: Iterable[str]) -> frozenset[str]:
    """Of `fields`, those whose balance x value sums fit Int64 on these loans (or any subset), and "balance" when its sum does."""
    import polars as pl

    schema = loans.schema
    names = sorted(n for n in set(fields) if n in schema and schema[n].is_integer())
    if not loans.height or "balance" not in loans.columns:
        return frozenset()
    tops = loans.select(pl.col(["balance", *names]).cast(pl.Int128).abs().max()).row(0, named=True)
    largest = (tops.pop("balance") or 0) * loans.height
    if largest > INT64_MAX:
        return frozenset()
    return frozenset(["balance", *(n for n, top in tops.items() if largest * (top or 0) <= INT64_MAX)])


def aggregations(columns: list[Column], schema: pl.Schema, narrow: frozenset[str] = frozenset()) -> list[pl.Expr]:
    """The per-row sums the columns need, named `_<id>_n` (numerator) and `_<id>_d` (weight), for a group_by's agg.

    Sums are Int128 unless `narrow` (from `narrow()`) shows Int64 cannot overflow for the field.
    """
    import polars as pl

    balance = pl.col("balance").cast(pl.Int64 if "balance" in narrow else pl.Int128)
    exprs: list[pl.Expr] = []
    for column in columns:
        if column.kind in (*OWN, "average_balance"):
            continue
        check(column)
        field = _field(column)
        if field.name not in schema:
            raise ColumnProblem("field", field.name, f"the tape has no {field.name} column: map it under pool.columns")
        value = pl.col(field.name)
        if column.kind == "weighted_average":  # over the loans that have the field
            wide = pl.Int64 if field.name in narrow else pl.Int128
            exprs.append((balance.cast(wide) * value.cast(wide)).sum().alias(f"_{column.id}_n"))
            exprs.append(pl.when(value.is_not_null()).then(balance).sum().alias(f"_{column.id}_d"))  # a third faster than filter()
        elif column.kind == "share":
            assert column.value is not None  # check() above
            exprs.append(pl.when(_match(field, column.value, schema[field.name]).fill_null(False)).then(balance).sum().alias(f"_{column.id}_n"))
        elif column.kind == "minimum":
            exprs.append(value.min().cast(pl.Int128).alias(f"_{column.id}_n"))
        else:
            exprs.append(value.max().cast(pl.Int128).alias(f"_{column.id}_n"))
    return exprs


def merge(columns: list[Column], rows: list[dict[str, int | None]]) -> dict[str, int | None]:
    """Several rows' sums as one (a table's total from its rows): sums add, minimums and maximums compare."""
    out: dict[str, int | None] = {}
    for column in columns:
        for part in ("n", "d"):
            key = f"_{column.id}_{part}"
            values = [r[key] for r in rows if r.get(key) is not None]
            if key not in (rows[0] if rows else {}):
                continue
            if column.kind == "minimum":
                out[key] = min(values, default=None)  # type: ignore[type-var]
            elif column.kind == "maximum":
                out[key] = max(values, default=None)  # type: ignore[type-var]
            else:
                out[key] = sum(v for v in values if v is not None)
    return out


def merge_expressions(columns: list[Column], names: list[str]) -> list[pl.Expr]:
    """`merge` over a frame of sums (`names` its columns), for a polars group-by: minimums and maximums compare, the rest add."""
    import polars as pl

    kinds = {f"_{c.id}_{part}": c.kind for c in columns for part in ("n", "d")}
    out = []
    for name in names:
        kind = kinds.get(name)
        if kind is None:
            continue
        col = pl.col(name)
        out.append(col.min() if kind == "minimum" else col.max() if kind == "maximum" else col.sum())
    return out


def figures(columns: list[Column], sums: dict[str, int | None], count: int, cents: int, dollars: int, percent: Decimal) -> tuple[Figure, ...]:
    """One row's printed figures, one per column, from its count, balance, footed figures and the sums of `aggregations`."""
    out: list[Figure] = []
    for column in columns:
        n, d = sums.get(f"_{column.id}_n"), sums.get(f"_{column.id}_d")
        kind = column.kind
        if kind == "count":
            out.append(count)
        elif kind == "balance":
            out.append(dollars)
        elif kind == "percent":
            out.append(percent)
        elif kind == "average_balance":
            out.append(int(round_half_up(Fraction(cents, 100 * count))) if count else None)
        elif kind == "weighted_average":
            unit = _field(column).unit
            out.append(round_half_up(Fraction(n or 0, d * unit), places(column)) if d else None)
        elif kind == "share":
            out.append(round_half_up(Fraction((n or 0) * 100, cents), places(column)) if cents else None)
        else:  # minimum, maximum
            out.append(None if n is None else round_half_up(Fraction(n, _field(column).unit), places(column)))
    return tuple(out)
