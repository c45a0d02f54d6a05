"""The tape's text columns to typed canonical columns by the cell grammar, and why a refused cell was refused.

A column whose every cell the grammar accepts as it stands is proven once, by one
anchored pattern (or a code list) per column in one select (`proven`); such a column
needs no trimming and no cell-by-cell verdict, only its conversion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.deal.models import Pool
from generator.fields import CODED, Kind, LoanField, Range
from generator.pool import cells
from generator.pool.ranges import inside
from generator.pool.usps import STATE_NAMES

if TYPE_CHECKING:
    import polars as pl


STATE_SPELLINGS = sorted({spelling for code in STATE_NAMES for spelling in (code, code.lower(), code[0] + code[1].lower(), code[0].lower() + code[1])})
"""Each state code in every ASCII case: matched exactly, so no other script's letters pass."""

CONTROL = r"[\p{Cc}\p{Cf}]"
"""Control and invisible format characters (NUL, escapes, zero-width spaces): never part of a tape's value."""


ZIP = r"^([0-9]{5})(?:-[0-9]{4})?$"
"""A ZIP cell: 5 ASCII digits, perhaps with the ZIP+4 (\\d would take any script's digits)."""


def fields_of(raw: pl.DataFrame) -> list[str]:
    """The canonical fields of a raw frame (its other columns start with '_')."""
    return [name for name in raw.columns if not name.startswith("_")]


def raw_name(field: str) -> str:
    """The name of a field's tape text beside the parsed loans: '_raw_fico'.

    It starts with '_', which no field's name does (a custom field may be called 'raw_balance').
    """
    return f"_raw_{field}"


def native_name(field: str) -> str:
    """The name of a date field's dates read from date cells (XLSX, Parquet) beside its text: '_native_origination_date'."""
    return f"_native_{field}"


def _accepts(text: pl.Expr, field: str, pool: Pool) -> pl.Expr | None:
    """True on a cell the field's grammar accepts exactly as it stands (no edge space, not blank); None where no such test exists (free text)."""
    spec = pool.registry[field]
    if spec.decimals is not None:
        return text.str.contains(cells.number_pattern(spec.decimals, spec.kind is Kind.MONEY))
    if spec.kind is Kind.DATE:
        form = pool.tape_options.date_format
        pattern = None if ":" in form else cells.date_pattern(form)  # no ':' in the form: no midnight to strip from a proven cell
        return None if pattern is None else text.str.contains(f"^{pattern}$")
    if spec.kind in CODED:
        codes = [code for code in pool.code_maps()[field] if code and code == code.strip(" \t")]
        return text.is_in(codes)
    if spec.kind is Kind.STATE:
        return text.is_in(STATE_SPELLINGS)
    if spec.kind is Kind.ZIP:
        return text.str.contains(ZIP)
    return None


def proven(frame: pl.DataFrame, columns: dict[str, str], pool: Pool) -> frozenset[str]:
    """The fields (by `columns`: field -> the frame's column) whose every non-blank cell the grammar accepts as it stands, in one select.

    Such a column has no edge spaces to strip and no empty text, and each of its cells
    is known good before it is converted: the cost of one pattern per value.
    """
    import polars as pl

    tests = {field: test for field, column in columns.items() if (test := _accepts(pl.col(column), field, pool)) is not None}
    if not tests or frame.height == 0:
        return frozenset()
    verdicts = frame.select(test.all().alias(field) for field, test in tests.items()).row(0, named=True)  # nulls (blank cells) are ignored
    return frozenset(field for field, ok in verdicts.items() if ok)


def parse(raw: pl.DataFrame, pool: Pool, known_good: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Typed canonical columns; a value that does not parse becomes null (and is reported).

    A blank additional collateral is zero; any other value that does not parse is null, as
    in every column, so that it is reported instead of read as zero. The `known_good`
    fields (`proven`) skip the cell-by-cell verdict: only their conversion runs.
    """
    import polars as pl

    codes, registry = pool.code_maps(), pool.registry

    def blank_is_zero(field: str, expr: pl.Expr) -> pl.Expr:
        return pl.when(pl.col(field).is_null()).then(pl.lit(0, pl.Int64)).otherwise(expr) if registry[field].blank_means_zero else expr

    numeric = {f: (decimals, registry[f].kind is Kind.MONEY) for f in fields_of(raw) if (decimals := registry[f].decimals) is not None}
    numbers = cells.numbers(raw, numeric, known_good)
    exprs = [pl.col("_row")]
    for field in fields_of(raw):
        spec, col = registry[field], pl.col(field)
        kind = spec.kind
        if field in numeric:
            expr = pl.lit(numbers.get_column(field))
        elif kind is Kind.DATE:
            expr = cells.dates(raw, field, pool.tape_options.date_format, field in known_good)
            if native_name(field) in raw.columns:  # a date cell is a date, whatever form its text would take
                expr = pl.coalesce(pl.col(native_name(field)), expr)
        elif kind in CODED:
            expr = col.replace_strict(codes[field], default=None, return_dtype=pl.Boolean if kind is Kind.FLAG else pl.String)
        elif kind is Kind.STATE:  # two ASCII letters in any case; 'ıl' upper-cases to 'IL' but is not a code
            expr = col.str.to_uppercase() if field in known_good else pl.when(col.is_in(STATE_SPELLINGS)).then(col.str.to_uppercase())
        elif kind is Kind.ZIP:
            expr = col.str.slice(0, 5) if field in known_good else col.str.extract(ZIP)
        else:
            expr = col
        exprs.append(blank_is_zero(field, expr).alias(field))
    parsed = raw.select(exprs)
    dates = [registry[f] for f in fields_of(raw) if registry[f].kind is Kind.DATE]  # year 0 or 12345 is a corrupted cell
    parsed = parsed.with_columns(pl.when(inside(pl.col(d.name), d, d.plausible or Range())).then(pl.col(d.name)) for d in dates)
    return parsed


def scaled_text(value: pl.Expr, field: LoanField) -> pl.Expr:
    """A scaled integer in its field's units, exactly, as a tape writes it ('391202.74', '-0.250'): the inverse of the parse.

    The sign is set apart (-1.500 is not -2 + 0.500), on 128 bits so the most negative 64-bit value keeps its magnitude.
    """
    import polars as pl

    assert field.decimals, f"{field.name} is not a scaled number"
    magnitude = value.cast(pl.Int128).abs()
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    fraction = (magnitude % field.unit).cast(pl.String).str.zfill(field.decimals)
    return pl.concat_str(sign, (magnitude // field.unit).cast(pl.String), pl.lit("."), fraction)


def bad_value_reason(text: pl.Expr, base: str, slip: pl.Expr | None = None) -> pl.Expr:
    """Why a value did not parse: the column's rule, and what is wrong with this value when it is telling (`slip`: a number's)."""
    import polars as pl

    reason = (
        pl.when(text.str.contains(CONTROL)).then(pl.lit(f"{base} (it contains a control character)"))
        .when(text.str.contains(r"(?i)^[+-]?(nan|inf|infinity)$")).then(pl.lit(f"{base} (not a finite number)"))
        .when(text.str.contains(" (a float", literal=True))
        .then(pl.format(
            "{} ({} cannot hold this value exactly: write the column as text, a decimal or float64)", pl.lit(base), text.str.extract(r"\(a (float[0-9]+)")
        ))
    )  # fmt: skip
    if slip is not None:
        reason = reason.when(slip.is_not_null()).then(pl.format("{} ({})", pl.lit(base), slip))
    return reason.otherwise(pl.lit(base))


def unparseable_reason(field: str, spec: LoanField, pool: Pool) -> str:
    """The rule a refused cell of this field breaks, in words (what the field's cells may hold)."""
    kind = spec.kind
    if kind in CODED:
        known = ", ".join(pool.code_maps()[field])
        return f"unknown {field.replace('_', ' ')} code (known: {known})"
    if kind is Kind.DATE:
        dates = spec.plausible or Range()
        return f"not a date in the form {pool.tape_options.date_format} from {dates.low} to {dates.high}"
    if kind is Kind.STATE:
        return "unknown state code"
    if kind is Kind.ZIP:
        return "ZIP code must be 5 digits"
    if spec.decimals == 0:
        return "not a whole number"
    return f"not a number with at most {spec.decimals} decimals"
