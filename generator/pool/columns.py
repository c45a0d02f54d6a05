"""A table's figure columns: what each needs summed per row in polars, and the printed figure from those sums.

Every figure is exact: sums are integers (cents, cents x the field's stored units), and each
printed figure is rounded once, half-up (`exact.round_half_up`). Count, balance and percent
columns are the table's own footed figures (`strats.Row`); this module computes the rest.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any, get_args

from generator.deal.models import Codes, Column, ShareScalar
from generator.pool.exact import round_half_up
from generator.pool.fields import Kind, LoanField, table_fields
from generator.pool.usps import STATE_NAMES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import polars as pl

Figure = int | Decimal | None
"""A printed figure: a count or whole dollars (int), a rounded value (Decimal), or not available (None)."""

OWN = ("count", "balance", "percent")
"""Column kinds the table itself computes and foots."""


class ColumnProblem(Exception):
    """A column that does not fit its field, at a key (or key path: a list's item) inside the column (placed by `strats`)."""

    def __init__(self, key: str | tuple[str | int, ...], value: str | None, message: str) -> None:
        super().__init__(message)
        self.key, self.value, self.message = key, value, message

    @property
    def path(self) -> tuple[str | int, ...]:
        """The key path inside the column: ('value',), or ('value', 1) for a list's second value."""
        return self.key if isinstance(self.key, tuple) else (self.key,)


def _field(column: Column) -> LoanField:
    if column.field is None:
        raise ColumnProblem("field", None, f"a {column.kind} column needs a `field`")
    return column.field.loan_field


def check(column: Column, code_maps: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Raise the first of `misfits` (a missing field, a share without a value or with one no loan can have), if any."""
    for problem in misfits(column, code_maps):
        raise problem


def misfits(column: Column, code_maps: Mapping[str, Mapping[str, Any]] | None = None) -> list[ColumnProblem]:
    """Why the column cannot be computed: a missing or non-numeric field, a share without a value, or each value no loan can have.

    A share of a list of values reports an empty list, and each value no loan can have at its
    index. `code_maps` (`Pool.code_maps()`) lets a share's message name the category a tape code maps to.
    """
    if column.kind in (*OWN, "average_balance"):
        return []
    try:
        field = _field(column)
    except ColumnProblem as problem:
        return [problem]
    if column.kind == "share":
        if column.value is None:
            return [ColumnProblem("value", None, "a share column needs the `value` it counts")]
        codes = (code_maps or {}).get(field.name)
        if not isinstance(column.value, tuple):
            why = share_value_problem(field, column.value, codes)
            return [] if why is None else [ColumnProblem("value", written(column.value), why)]
        if not column.value:
            return [ColumnProblem("value", "[]", "an empty list counts no loan: list the values the share counts, or write one value")]
        return [
            ColumnProblem(("value", i), written(value), why)
            for i, value in enumerate(column.value)
            if (why := share_value_problem(field, value, codes)) is not None
        ]
    if not field.numeric:
        why = f"a {column.kind} needs a numeric field, and {field.name} is a {field.kind.value} field: use a share of one of its values"
        return [ColumnProblem("field", field.name, why)]
    return []


CATEGORIES = {f.name: get_args(Codes.model_fields[f.name].annotation)[1] for f in table_fields() if f.kind is Kind.CATEGORY}
"""The categories a canonical coded field's values are mapped to (the deal file's `codes`)."""


def categories(field: LoanField) -> list[str]:
    """The category names a category field's loans can have: a canonical field's (`Codes`), a custom field's (its codes' values); [] for other kinds."""
    return [m.value for m in CATEGORIES[field.name]] if field.name in CATEGORIES else list(field.categories or ())


def written(value: ShareScalar | tuple[ShareScalar, ...]) -> str:
    """A deal file's value as YAML writes it: true and false for flags, a decimal as written (6.25), a list as [60, 120]."""
    if isinstance(value, tuple):
        return f"[{', '.join(map(written, value))}]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def share_value_problem(field: LoanField, value: ShareScalar, codes: Mapping[str, Any] | None = None) -> str | None:
    """Why no loan can have `value` in `field`, so that a share of it would print 0.00 on every row; None when a loan could.

    What a loan can have, by the field's kind: a category field's category names (`categories`),
    a flag's true or false, a USPS state code (`usps.STATE_NAMES`), a number within the field's
    plausible range and at its decimals, a date (YYYY-MM-DD) within its range. A text field (a
    loan group, an ARM index) may hold anything. `codes`, the field's tape codes, name the
    category or flag value a tape code written by mistake maps to.
    """
    shown, name, kind = written(value), field.name, field.kind
    code = codes.get(shown) if codes is not None and not isinstance(value, bool) else None
    if kind is Kind.CATEGORY:
        allowed = categories(field)
        if shown in allowed:
            return None
        what = f"{'an' if name[0] in 'aeiou' else 'a'} {name} category"
        if isinstance(code, str):
            return f"{shown} is a tape code, not {what}: write the category it maps to, {code}"
        close = [c for c in allowed if c.lower() == shown.lower()] or difflib.get_close_matches(shown, allowed, n=1)
        return f"{shown} is not {what}: use one of {', '.join(allowed)}" + (f"; did you mean {close[0]}?" if close else "")
    if kind is Kind.FLAG:
        if isinstance(value, bool) or shown.lower() in ("true", "false"):
            return None
        if isinstance(code, bool):
            return f"{shown} is a tape code, not a value of the flag {name}: write the value it maps to, {written(code)}"
        return f"{shown} is not a value of the flag {name}: use true or false"
    if kind is Kind.STATE:
        return _state_problem(shown)
    if kind is Kind.DATE:
        return _date_problem(field, shown)
    if field.numeric:
        return _number_problem(field, value)
    return None


_NAMED_STATES = {state.lower(): code for code, state in STATE_NAMES.items()}


def _state_problem(shown: str) -> str | None:
    if shown in STATE_NAMES:
        return None
    if shown.upper() in STATE_NAMES:
        return f"{shown} is not a state code as loans hold it: write it in capitals, {shown.upper()}"
    if shown.lower() in _NAMED_STATES:
        return f"{shown} is a state's name, not its code: write its USPS code, {_NAMED_STATES[shown.lower()]}"
    return f"{shown} is not a US state or territory code: use a two-letter USPS code such as CA"


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_problem(field: LoanField, shown: str) -> str | None:
    bounds = field.plausible
    try:
        date = dt.date.fromisoformat(shown) if _ISO_DATE.fullmatch(shown) else None
    except ValueError:
        date = None
    if date is None:
        return f"{shown} is not a date as {field.name} is compared: write it as YYYY-MM-DD"
    if bounds is not None and not bounds.holds(date):
        return f"{shown} is outside {field.name}'s plausible range ({_span(field)}): no loan can have it; use a date within it"
    return None


def _number_problem(field: LoanField, value: ShareScalar) -> str | None:
    shown, decimals = written(value), field.decimals or 0
    try:
        number = None if isinstance(value, bool) else Decimal(value) if isinstance(value, int | Decimal) else Decimal(value.strip())
    except InvalidOperation:
        number = None
    fix = "a whole number" if not decimals else f"a number with at most {decimals} decimals"
    if number is None or not number.is_finite():
        return f"{shown} is not a number ({field.name} is numeric): write {fix}"
    stored = number.scaleb(decimals)
    if stored != stored.to_integral_value():
        return f"{shown} is finer than {field.name} is stored ({decimals} decimals): no loan can have it; write {fix}"
    bounds = field.plausible
    if bounds is not None:
        if not bounds.holds(int(stored), decimals):
            return f"{shown} is outside {field.name}'s plausible range ({_span(field)}): no loan can have it; use a value within it"
    if abs(stored) > INT64_MAX:
        return f"{shown} is larger than any {field.name} a tape can hold: no loan can have it"
    return None


def _span(field: LoanField) -> str:
    """A field's plausible range in words: '300 to 850', 'above 0% and at most 20%', 'at least $0'."""
    bounds = field.plausible
    assert bounds is not None
    if bounds.low is not None and bounds.high is not None and not (bounds.low_open or bounds.high_open):
        return f"{bounds.low} to {bounds.high}" if field.kind is Kind.DATE else bounds.words(field.kind)

    def unit(bound: object) -> str:
        if field.kind is Kind.MONTHS:
            return f"{bound} month{'s' * (bound != 1)}"
        return f"{bound}%" if field.kind is Kind.PERCENT else f"${bound}" if field.kind is Kind.MONEY else str(bound)

    low = None if bounds.low is None else f"{'above' if bounds.low_open else 'at least'} {unit(bounds.low)}"
    high = None if bounds.high is None else f"{'below' if bounds.high_open else 'at most'} {unit(bounds.high)}"
    return " and ".join(part for part in (low, high) if part is not None)


def places(column: Column) -> int:
    """Decimals the column prints: its own, else 2 for percents and shares, else the field's (0 for dollars)."""
    if column.decimals is not None:
        return column.decimals
    if column.kind in ("percent", "share"):
        return 2
    if column.kind in ("count", "balance", "average_balance"):
        return 0
    return _field(column).decimals or 0


def _match(field: LoanField, value: ShareScalar | tuple[ShareScalar, ...]) -> pl.Expr:
    """The loans whose field is the value, or any of a list's values (`check` has admitted each)."""
    import polars as pl

    col = pl.col(field.name)
    values = value if isinstance(value, tuple) else (value,)
    if field.kind is Kind.FLAG:  # `check` admits true and false only
        flags = list(dict.fromkeys(v if isinstance(v, bool) else str(v).lower() == "true" for v in values))
        return col == flags[0] if len(flags) == 1 else col.is_not_null()
    if field.numeric:  # exact: a decimal's text scaled to the integer the field is stored as
        stored = list(dict.fromkeys(field.scaled(Decimal(str(v))) for v in values))
        return col == stored[0] if len(stored) == 1 else col.is_in(stored)
    texts = list(dict.fromkeys(str(v) for v in values))
    return col.cast(pl.String) == texts[0] if len(texts) == 1 else col.cast(pl.String).is_in(texts)


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
            exprs.append(pl.when(_match(field, column.value).fill_null(False)).then(balance).sum().alias(f"_{column.id}_n"))
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
            if not any(key in r for r in rows):  # a row kept empty (keep_empty) has no sums
                continue
            values = [v for r in rows if (v := r.get(key)) is not None]
            if column.kind == "minimum":
                out[key] = min(values, default=None)
            elif column.kind == "maximum":
                out[key] = max(values, default=None)
            else:
                out[key] = sum(values)
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


def figures(
    columns: list[Column], sums: dict[str, int | None], count: int, cents: int, dollars: int, percent: Decimal, of_pool: Decimal | None = None
) -> tuple[Figure, ...]:
    """One row's printed figures, one per column, from its count, balance, footed figures and the sums of `aggregations`.

    `of_pool` is the row's footed percent of the whole pool (`of: pool`); without it (a table of
    the whole pool) such a column prints `percent`, which is then the same figure.
    """
    out: list[Figure] = []
    for column in columns:
        n, d = sums.get(f"_{column.id}_n"), sums.get(f"_{column.id}_d")
        kind = column.kind
        if kind == "count":
            out.append(count)
        elif kind == "balance":
            out.append(dollars)
        elif kind == "percent":
            out.append(of_pool if column.of == "pool" and of_pool is not None else percent)
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
