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

from generator.deal.models import Codes, Column, Comparison, ShareScalar
from generator.fields import Kind, LoanField, Range, table_fields
from generator.pool.exact import INT64_MAX, fits, round_half_up
from generator.pool.sums import HIGH, Widths, product_terms, product_total, sum_type, widths
from generator.pool.usps import STATE_NAMES

if TYPE_CHECKING:
    from collections.abc import Mapping

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
        if isinstance(column.value, Comparison):
            return comparison_problems(field, column.value)
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


def written(value: ShareScalar | tuple[ShareScalar, ...] | Comparison) -> str:
    """A deal file's value as YAML writes it: true and false for flags, a decimal as written (6.25), a list as [60, 120], {greater_than: 0}."""
    if isinstance(value, Comparison):
        return "{" + ", ".join(f"{key}: {written(bound)}" for key, bound in value.bounds()) + "}"
    if isinstance(value, tuple):
        return f"[{', '.join(map(written, value))}]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def held(field: LoanField, value: ShareScalar) -> int | bool | dt.date | str:
    """A deal file's value (checked by `share_value_problem`) as the loans hold it: a number stored at the field's decimals, a flag, a date, text."""
    if field.kind is Kind.FLAG:
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if field.numeric:  # exact: the decimal as written, scaled to the integer the field is stored as
        return field.scaled(Decimal(written(value).strip()))
    if field.kind is Kind.DATE:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value.strip() if isinstance(value, str) else str(value))
    return str(value)


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


def _date_problem(field: LoanField, shown: str, plausible: bool = True) -> str | None:
    bounds = field.plausible
    try:
        date = dt.date.fromisoformat(shown) if _ISO_DATE.fullmatch(shown) else None
    except ValueError:
        date = None
    if date is None:
        return f"{shown} is not a date as {field.name} is compared: write it as YYYY-MM-DD"
    if plausible and bounds is not None and not bounds.holds(date):
        return f"{shown} is outside {field.name}'s plausible range ({_span(field)}): no loan can have it; use a date within it"
    return None


def _number_problem(field: LoanField, value: ShareScalar, plausible: bool = True) -> str | None:
    """Why `value` is no number the field can hold: not a number, finer than its decimals, outside its plausible range (when `plausible`)."""
    shown, decimals = written(value), field.decimals or 0
    try:
        number = None if isinstance(value, bool | dt.date) else Decimal(value) if isinstance(value, int | Decimal) else Decimal(value.strip())
    except InvalidOperation:
        number = None
    fix = "a whole number" if not decimals else f"a number with at most {decimals} decimals"
    if number is None or not number.is_finite():
        return f"{shown} is not a number ({field.name} is numeric): write {fix}"
    stored = number.scaleb(decimals)
    if stored != stored.to_integral_value():
        return f"{shown} is finer than {field.name} is stored ({decimals} decimals): no loan can have it; write {fix}"
    bounds = field.plausible
    if plausible and bounds is not None and not bounds.holds(int(stored), decimals):
        return f"{shown} is outside {field.name}'s plausible range ({_span(field)}): no loan can have it; use a value within it"
    if not fits(INT64_MAX, 1, int(stored)):
        return f"{shown} is larger than any {field.name} a tape can hold: no loan can have it"
    return None


_PHRASES = {"greater_than": "above", "at_least": "at least", "less_than": "below", "at_most": "at most"}


def comparison_problems(field: LoanField, comparison: Comparison) -> list[ColumnProblem]:
    """Why a share's comparison cannot count loans: a field neither number nor date, a bound it cannot hold, or bounds no loan can meet.

    Each bound is checked as a value is (its decimals, its form), but it may lie outside the
    plausible range: {at_least: 0} of a FICO counts every loan. Bounds that together with the
    field's plausible range leave no value (above 850 for a FICO; at least 10 and at most 5)
    would print 0.00 on every row, so they are a message too.
    """
    shown = written(comparison)
    if not (field.numeric or field.kind is Kind.DATE):
        why = f"a comparison needs a number or date field, and {field.name} is a {field.kind.value} field: list the values the share counts"
        return [ColumnProblem("value", shown, why)]
    found = []
    for key, bound in comparison.bounds():
        problem = _number_problem(field, bound, plausible=False) if field.numeric else _date_problem(field, written(bound), plausible=False)
        if problem is not None:
            found.append(ColumnProblem(("value", key), written(bound), problem))
    if found:
        return found
    low, high = _interval(field, comparison)
    words = " and ".join(f"{_PHRASES[key]} {written(bound)}" for key, bound in comparison.bounds())
    if low is not None and high is not None and low > high:
        return [ColumnProblem("value", shown, f"no value is {words}: no loan can have it; check the bounds")]
    if field.plausible is not None:
        least, most = _interval(field, field.plausible)
        if (low is not None and most is not None and low > most) or (high is not None and least is not None and high < least):
            why = f"no plausible {field.name} is {words} ({_span(field)}): no loan can have it; check the bound"
            return [ColumnProblem("value", shown, why)]
    return []


def _interval(field: LoanField, bounds: Comparison | Range) -> tuple[int | None, int | None]:
    """A comparison's or a plausible range's values as an inclusive interval of stored integers (day numbers for dates); None is open."""
    pairs: list[tuple[str, Decimal | int | bool | dt.date | str | None]]
    if isinstance(bounds, Range):
        low, high = bounds.scaled(field.decimals or 0) if field.numeric else (bounds.low, bounds.high)
        pairs = [("greater_than" if bounds.low_open else "at_least", low), ("less_than" if bounds.high_open else "at_most", high)]
    else:
        pairs = [(key, held(field, bound)) for key, bound in bounds.bounds()]
    out: dict[str, int] = {}
    for key, bound in pairs:
        if bound is None:
            continue
        number = bound.toordinal() if isinstance(bound, dt.date) else int(bound)
        if key in ("greater_than", "at_least"):
            out["low"] = number + (key == "greater_than")
        else:
            out["high"] = number - (key == "less_than")
    return out.get("low"), out.get("high")


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


_COMPARE = {"greater_than": "gt", "at_least": "ge", "less_than": "lt", "at_most": "le"}
"""A comparison's keys as polars' comparison methods."""


def _match(field: LoanField, value: ShareScalar | tuple[ShareScalar, ...] | Comparison) -> pl.Expr:
    """The loans whose field is the value, any of a list's values, or within a comparison's bounds (`check` has admitted each)."""
    import polars as pl

    col = pl.col(field.name)
    if isinstance(value, Comparison):
        tests = [getattr(col, _COMPARE[key])(pl.lit(held(field, bound))) for key, bound in value.bounds()]
        return pl.all_horizontal(tests)
    values = list(dict.fromkeys(held(field, v) for v in (value if isinstance(value, tuple) else (value,))))
    if field.kind is Kind.FLAG and len(values) == 2:  # true and false: every loan with the flag
        return col.is_not_null()
    if not (field.numeric or field.kind in (Kind.FLAG, Kind.DATE)):
        col = col.cast(pl.String)  # a category, state or text, compared as text
    return col == values[0] if len(values) == 1 else col.is_in(values)


def table_widths(loans: pl.DataFrame, columns: list[Column]) -> Widths:
    """`widths` for the weighted averages among `columns`."""
    return widths(loans, [c.field.value for c in columns if c.kind == "weighted_average" and c.field is not None])


def unsummable(column: Column, schema: pl.Schema) -> ColumnProblem | None:
    """Why `aggregations` cannot sum the column over loans of this schema: a misfit (`check`) or a field the tape lacks."""
    if column.kind in (*OWN, "average_balance"):
        return None
    try:
        check(column)
        field = _field(column)
    except ColumnProblem as problem:
        return problem
    if field.name not in schema:
        return ColumnProblem("field", field.name, f"the tape has no {field.name} column: map it under pool.columns")
    return None


def loan_terms(columns: list[Column], schema: pl.Schema, widths: Widths) -> dict[str, pl.Expr]:
    """The per-loan columns the weighted averages among `columns` sum (`aggregations`), by name.

    Balance x field (in the width `widths` proves exact) and the balance of loans that have the
    field; the name says which field and width, so the tables of a deal that average the same
    field share one column, computed once (`with_terms`) instead of in every group-by.
    """
    terms: dict[str, pl.Expr] = {}
    for column in columns:
        if column.kind == "weighted_average" and unsummable(column, schema) is None:
            terms.update((term.meta.output_name(), term) for term in _weighted_terms(_field(column).name, widths))
    return terms


def with_terms(loans: pl.DataFrame, columns: list[Column], widths: Widths) -> pl.DataFrame:
    """The loans with the `loan_terms` of `columns` they do not hold yet, which `aggregations` sums."""
    terms = loan_terms(columns, loans.schema, widths)
    return loans.with_columns(term for name, term in terms.items() if name not in loans.columns)


def _weighted_terms(name: str, widths: Widths) -> list[pl.Expr]:
    """A weighted average's per-loan terms: balance x field (two limbs for a `limbs` width), then the balance where the field has a value."""
    import polars as pl

    value, width = pl.col(name), widths.weighted[name]
    products = product_terms(pl.col("balance"), value, width, f"_bal*{name}:{width}")
    weight = pl.when(value.is_not_null()).then(pl.col("balance").cast(sum_type(widths.balance)))  # a third faster than filter()
    return [*products, weight.alias(f"_bal_if_{name}:{widths.balance}")]


def aggregations(columns: list[Column], schema: pl.Schema, widths: Widths) -> list[pl.Expr]:
    """The per-row sums the columns need, named `_<id>_n` (numerator) and `_<id>_d` (weight), for a group_by's agg.

    Each sum is computed in the width `widths` (from `table_widths` on these loans or a superset) proves exact.
    A weighted average sums its `loan_terms`, which the frame must hold (`with_terms`).
    """
    import polars as pl

    balance = pl.col("balance").cast(sum_type(widths.balance))
    exprs: list[pl.Expr] = []
    for column in columns:
        if column.kind in (*OWN, "average_balance"):
            continue
        if (problem := unsummable(column, schema)) is not None:
            raise problem
        field = _field(column)
        value = pl.col(field.name)
        if column.kind == "weighted_average":  # over the loans that have the field
            *products, weight = (term.meta.output_name() for term in _weighted_terms(field.name, widths))
            exprs += [pl.col(term).sum().alias(f"_{column.id}_n" + HIGH * part) for part, term in enumerate(products)]
            exprs.append(pl.col(weight).sum().alias(f"_{column.id}_d"))
        elif column.kind == "share":
            assert column.value is not None  # check() above
            exprs.append(pl.when(_match(field, column.value).fill_null(False)).then(balance).sum().alias(f"_{column.id}_n"))
        elif column.kind == "minimum":
            exprs.append(value.min().cast(pl.Int128).alias(f"_{column.id}_n"))
        else:
            exprs.append(value.max().cast(pl.Int128).alias(f"_{column.id}_n"))
    return exprs


_PARTS = ("n", f"n{HIGH}", "d")
"""The sums a column may have (`aggregations`): numerator, its high limb, weight."""


def merge(columns: list[Column], rows: list[dict[str, int | None]]) -> dict[str, int | None]:
    """Several rows' sums as one (a table's total from its rows): sums add, minimums and maximums compare."""
    out: dict[str, int | None] = {}
    for column in columns:
        for part in _PARTS:
            key = f"_{column.id}_{part}"
            if all(key not in r for r in rows):  # a kept empty row has no sums
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

    kinds = {f"_{c.id}_{part}": c.kind for c in columns for part in _PARTS}
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
        n, d = product_total(sums, f"_{column.id}_n"), sums.get(f"_{column.id}_d")
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
