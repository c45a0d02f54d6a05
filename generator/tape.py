"""Reading and validating a loan tape with polars: any layout in, canonical exact columns out.

Every value is read as text and parsed by vectorised expressions into integers of a fixed
scale (cents, thousandths of a percent), so a million-loan tape never meets a Python loop
or a float. Each check is one filter over the whole tape; problems come back as a frame.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from .models import Pool
from .problems import DealdocsError, Problem, Severity
from .usps import STATE_NAMES

if TYPE_CHECKING:
    import polars as pl


class Kind(Enum):
    TEXT = "text"
    MONEY = "money"  # cents
    PERCENT = "percent"  # thousandths of a percent
    INTEGER = "integer"
    DATE = "date"
    CODE = "code"
    STATE = "state"
    ZIP = "zip"


FIELDS: dict[str, Kind] = {
    "loan_number": Kind.TEXT,
    "balance": Kind.MONEY,
    "original_balance": Kind.MONEY,
    "note_rate": Kind.PERCENT,
    "servicing_fee": Kind.PERCENT,
    "original_term": Kind.INTEGER,
    "remaining_term": Kind.INTEGER,
    "origination_date": Kind.DATE,
    "first_payment_date": Kind.DATE,
    "maturity_date": Kind.DATE,
    "appraised_value": Kind.MONEY,
    "ltv": Kind.PERCENT,
    "property_type": Kind.CODE,
    "units": Kind.INTEGER,
    "occupancy": Kind.CODE,
    "state": Kind.STATE,
    "zip": Kind.ZIP,
    "purpose": Kind.CODE,
    "doc_type": Kind.CODE,
    "pmi": Kind.CODE,
    "additional_collateral": Kind.MONEY,
}

SCALE = {Kind.MONEY: 2, Kind.PERCENT: 3, Kind.INTEGER: 0}
"""Decimal places kept exactly for each numeric kind; values are stored times 10**scale."""

SHOWN_PROBLEMS = 50


@dataclass(frozen=True)
class TapeReport:
    """The canonical loans and every problem found, as frames (a bad tape can have millions)."""

    path: Path
    loans: pl.DataFrame
    problems: pl.DataFrame  # row, column, value, message, severity

    def count(self, severity: Severity) -> int:
        import polars as pl

        return self.problems.filter(pl.col("severity") == severity.value).height

    def listed(self, severity: Severity, limit: int = SHOWN_PROBLEMS) -> list[Problem]:
        import polars as pl

        rows = self.problems.filter(pl.col("severity") == severity.value).head(limit)
        return [
            Problem(str(self.path), r["row"], r["column"], r["value"], r["message"], severity)
            for r in rows.iter_rows(named=True)
        ]

    def raise_for_errors(self) -> None:
        """Stop before rendering anything from a tape that has errors."""
        if total := self.count(Severity.ERROR):
            raise DealdocsError(self.listed(Severity.ERROR), total)


# --- reading ---------------------------------------------------------------------------


def _counted(first: int) -> pl.Expr:
    import polars as pl

    return pl.int_range(first, first + pl.len(), dtype=pl.Int64)


def _lines_in(path: Path) -> int:
    """Lines in the file: its newlines, plus one for a last line without a newline."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _csv_lines(path: Path, frame: pl.DataFrame) -> pl.Expr:
    """Each record's line number; a quoted value spanning lines pushes later records down.

    The lines in the file are counted first (a fast scan); only when the file has more
    lines than records are the newlines inside each record's values counted.
    """
    import polars as pl

    header_lines = 1 + sum(name.count("\n") for name in frame.columns)
    if _lines_in(path) <= frame.height + header_lines:
        return _counted(1 + header_lines)
    inside = pl.sum_horizontal(pl.all().str.count_matches("\n", literal=True).fill_null(0)).cast(pl.Int64)
    return _counted(1 + header_lines) + inside.cum_sum() - inside


def _read_text_frame(path: Path, sheet: str | None) -> tuple[pl.DataFrame, pl.Expr]:
    """All columns as text, plus an expression for the row number each record has for users."""
    import polars as pl

    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        return frame, _csv_lines(path, frame)  # line 1 is the header
    if suffix in {".xlsx", ".xlsm"}:
        options = {"sheet_name": sheet} if sheet else {"sheet_id": 1}
        # blank rows are kept here (and skipped in read_raw) so that later rows keep their sheet row numbers
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0, drop_empty_rows=False, **options)
        return frame, _counted(2)  # sheet row 1 is the header
    if suffix in {".parquet", ".pq"}:
        frame = pl.read_parquet(path)
        flat = [name for name, dtype in frame.schema.items() if not dtype.is_nested()]  # lists and structs have no text form
        return frame.select(pl.col(flat).cast(pl.String)), _counted(1)  # record number
    raise DealdocsError([Problem(str(path), None, None, suffix, "unsupported tape format: use .csv, .xlsx or .parquet")])


def read_raw(path: Path, pool: Pool) -> pl.DataFrame:
    """The tape's mapped columns under canonical names, as text, with a `_row` column; blank rows are skipped."""
    import polars as pl
    from polars.exceptions import PanicException

    if not path.is_file():
        raise DealdocsError([Problem(str(path), None, None, None, "loan tape not found")])
    try:
        frame, rows = _read_text_frame(path, pool.tape_options.sheet)
    except DealdocsError:
        raise
    except (Exception, PanicException) as exc:  # a reader's own error (or panic) on a malformed file: report it
        raise DealdocsError([Problem(str(path), None, None, None, f"cannot read tape: {exc}")]) from None
    mapping = {field: header for field, header in pool.columns.model_dump().items() if header is not None}
    missing = [
        Problem(str(path), 1, header, None, f"column for {field} not in the tape (its columns: {', '.join(frame.columns)})")
        for field, header in mapping.items()
        if header not in frame.columns
    ]
    if missing:
        raise DealdocsError(missing)
    raw = frame.select(
        rows.alias("_row"),
        *(pl.col(header).str.strip_chars().replace("", None).alias(field) for field, header in mapping.items()),
    )
    return raw.filter(~pl.all_horizontal(pl.exclude("_row").is_null()))


# --- parsing ---------------------------------------------------------------------------


def _fixed(raw: pl.Expr, scale: int, lenient: bool = False) -> pl.Expr:
    """Exact decimal text ('6.250', '360') to an integer times 10**scale; null when not such text.

    The pattern admits extra decimals only when they are zeros, so polars' decimal cast
    (which truncates) never drops a significant digit. `lenient` also reads '$1,234.50'
    and '360.0'; it costs twice as much, so `_parse` uses it only on columns that need it.
    """
    import polars as pl

    if scale == 0 and not lenient:
        return raw.cast(pl.Int64, strict=False)
    fraction = rf"(\.[0-9]{{0,{scale}}}0*)?$"
    exact = raw.str.contains(rf"^[+-]?[0-9]{{1,15}}{fraction}")
    text = raw
    if lenient:  # a '$' and commas between groups of three digits: '1,234' is 1234, '12,34' is not a number
        text = raw.str.replace("$", "", literal=True)
        exact = text.str.contains(rf"^[+-]?([0-9]{{1,15}}|[0-9]{{1,3}}(,[0-9]{{3}}){{1,4}}){fraction}")
        text = text.str.replace_all(",", "", literal=True)
    return pl.when(exact).then((text.cast(pl.Decimal(38, scale), strict=False) * 10**scale).cast(pl.Int64))


def _date(raw: pl.Expr, fmt: str) -> pl.Expr:
    import polars as pl

    plain = raw.str.replace(r"[ T]00:00(:00(\.0+)?)?$", "")  # spreadsheets store dates as midnight datetimes
    return plain.str.strptime(pl.Date, fmt, strict=False)


def _parse(raw: pl.DataFrame, pool: Pool) -> pl.DataFrame:
    """Typed canonical columns; a value that does not parse becomes null (and is reported)."""
    import polars as pl

    codes = pool.codes.model_dump(mode="json")
    exprs = [pl.col("_row")]
    for field in raw.columns[1:]:
        kind, col = FIELDS[field], pl.col(field)
        if kind in SCALE:
            expr = _fixed(col, SCALE[kind])
        elif kind is Kind.DATE:
            expr = _date(col, pool.tape_options.date_format)
        elif kind is Kind.CODE:
            expr = col.replace_strict(codes[field], default=None, return_dtype=pl.Boolean if field == "pmi" else pl.String)
        elif kind is Kind.STATE:
            expr = pl.when(col.str.to_uppercase().is_in(list(STATE_NAMES))).then(col.str.to_uppercase())
        elif kind is Kind.ZIP:
            expr = col.str.extract(r"^([0-9]{5})(?:-[0-9]{4})?$")  # ASCII digits: \d would take any script's
        else:
            expr = col
        exprs.append(expr.alias(field))
    parsed = raw.select(exprs)
    numeric = [f for f in raw.columns[1:] if FIELDS[f] in SCALE]
    failed = raw.select((pl.col(f).is_not_null() & parsed[f].is_null()).any() for f in numeric).row(0)
    retry = [f for f, bad in zip(numeric, failed, strict=True) if bad]
    if retry:  # only columns with '$', ',' or '360.0' pay for the lenient reading
        parsed = parsed.with_columns(raw.select(_fixed(pl.col(f), SCALE[FIELDS[f]], lenient=True).alias(f) for f in retry))
    return parsed


# --- derived fields ----------------------------------------------------------------------


def _ratio_thousandths(numerator_cents: pl.Expr, denominator_cents: pl.Expr) -> pl.Expr:
    """numerator / denominator x 100, half-up to 3 decimals, in thousandths of a percent."""
    import polars as pl

    num, den = numerator_cents.cast(pl.Int128) * 100_000, denominator_cents.cast(pl.Int128)  # cents x 10**5 overflow 64 bits
    limit = 2**63 - 1  # a ratio past 64 bits (a 15-digit balance over a 1-cent value) is capped, not wrapped
    return ((2 * num + den) // (2 * den)).clip(-limit, limit).cast(pl.Int64)


def _month_index(date: pl.Expr) -> pl.Expr:
    import polars as pl

    return date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64)


def _derive(loans: pl.DataFrame, pool: Pool, cut_off: dt.date) -> pl.DataFrame:
    """Fields the documents use that the tape need not carry: net rate, both LTVs, months to maturity."""
    import polars as pl

    cols = set(loans.columns)
    fee = pl.col("servicing_fee") if "servicing_fee" in cols else pl.lit(int(pool.servicing_fee * 1000), pl.Int64)
    addl = pl.col("additional_collateral").fill_null(0) if "additional_collateral" in cols else pl.lit(0, pl.Int64)
    computed_ltv = _ratio_thousandths(pl.col("original_balance"), pl.col("appraised_value"))
    return loans.with_columns(
        servicing_fee=fee,
        net_rate=pl.col("note_rate") - fee,
        additional_collateral=addl,
        computed_ltv=computed_ltv,
        ltv=pl.col("ltv") if "ltv" in cols else computed_ltv,
        effective_ltv=_ratio_thousandths(pl.col("original_balance") - addl, pl.col("appraised_value")),
        months_to_maturity=_month_index(pl.col("maturity_date")) - (cut_off.year * 12 + cut_off.month),
    )


# --- checks ------------------------------------------------------------------------------


def _checks(pool: Pool, cut_off: dt.date, cols: set[str]) -> list[tuple[Severity, str, pl.Expr, pl.Expr | str]]:
    """(severity, column reported, condition that is true on a bad row, reason) for every rule."""
    import polars as pl

    c = pl.col
    E, W = Severity.ERROR, Severity.WARNING
    checks = [
        (E, "balance", c("balance") < 0, "negative scheduled balance"),
        (W, "balance", c("balance") == 0, "zero scheduled balance"),
        (E, "original_balance", c("original_balance") <= 0, "original balance must be positive"),
        (E, "balance", c("balance") > c("original_balance"), "scheduled balance above original balance"),
        (E, "appraised_value", c("appraised_value") <= 0, "appraised value must be positive"),
        (E, "note_rate", (c("note_rate") <= 0) | (c("note_rate") > 20_000), "note rate outside 0% to 20%"),
        (W, "note_rate", (c("note_rate") < 2_000) | (c("note_rate") > 12_000), "unusual note rate (outside 2% to 12%)"),
        (E, "original_term", (c("original_term") < 1) | (c("original_term") > 480), "original term outside 1 to 480 months"),
        (E, "remaining_term", (c("remaining_term") < 1) | (c("remaining_term") > c("original_term")), "remaining term outside 1 month to the original term"),
        (W, "remaining_term", c("remaining_term") != c("months_to_maturity"), "remaining term disagrees with the months from the cut-off date to maturity"),
        (E, "origination_date", c("origination_date") > cut_off, f"originated after the cut-off date {cut_off}"),
        (E, "maturity_date", c("maturity_date") <= cut_off, f"matures on or before the cut-off date {cut_off}"),
        (E, "maturity_date", c("maturity_date") <= c("origination_date"), "maturity date not after origination date"),
        (E, "ltv", (c("ltv") <= 0) | (c("ltv") > 200_000), "LTV outside 0% to 200%"),
        (W, "ltv", c("effective_ltv") > 100_000, "LTV above 100%"),
        (E, "units", (c("units") < 1) | (c("units") > 4), "units outside 1 to 4"),
        (E, "units", (c("property_type") == "multi_family") & (c("units") < 2), "a 2-4 family dwelling with fewer than 2 units"),
        (W, "units", (c("property_type") != "multi_family") & (c("units") > 1), "several units but not a multi-family dwelling"),
    ]
    if "servicing_fee" in cols:
        checks.append((E, "servicing_fee", (c("servicing_fee") < 0) | (c("servicing_fee") >= c("note_rate")), "servicing fee negative or not below the note rate"))
    if "ltv" in cols:
        size = c("computed_ltv").cast(pl.Int128).abs()  # the sign apart: -1.500 is not -2 + 0.500
        sign = pl.when(c("computed_ltv") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        computed = pl.format("{}{}.{}", sign, size // 1000, (size % 1000).cast(pl.String).str.zfill(3))
        reason = pl.format("LTV differs from the {}% computed as original balance / appraised value", computed)
        checks.append((W, "ltv", (c("ltv").cast(pl.Int128) - c("computed_ltv")).abs() > 1, reason))  # 64 bits could wrap
    if "additional_collateral" in cols:
        checks.append((E, "additional_collateral", (c("additional_collateral") < 0) | (c("additional_collateral") > c("original_balance")), "additional collateral negative or above the original balance"))
    if "first_payment_date" in cols:
        checks += [
            (E, "first_payment_date", c("first_payment_date") <= c("origination_date"), "first payment not after origination"),
            (W, "maturity_date", _month_index(c("maturity_date")) - _month_index(c("first_payment_date")) + 1 != c("original_term"), "maturity date is not the first payment date plus the original term"),
        ]
    return checks


def _problem_schema() -> dict[str, pl.DataType]:
    import polars as pl

    return {"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String, "severity": pl.String}


BLANK_MEANS_ZERO = {"additional_collateral"}


def _rules(raw: pl.DataFrame, pool: Pool, cut_off: dt.date) -> list[tuple[Severity, str, pl.Expr, pl.Expr | str]]:
    """Every rule as (severity, field reported, condition true on a bad row, reason) over raw_* and loan columns."""
    import polars as pl

    rules: list[tuple[Severity, str, pl.Expr, pl.Expr | str]] = []
    for field in raw.columns[1:]:
        text, value = pl.col(f"raw_{field}"), pl.col(field)
        if field not in BLANK_MEANS_ZERO:
            rules.append((Severity.ERROR, field, text.is_null(), "missing value"))
        if FIELDS[field] is not Kind.TEXT:
            rules.append((Severity.ERROR, field, text.is_not_null() & value.is_null(), _unparseable_reason(field, FIELDS[field], pool)))
    for severity, field, condition, reason in _checks(pool, cut_off, set(raw.columns)):
        rules.append((severity, field if field in raw.columns else "original_balance", condition, reason))
    first = pl.col("_first_row")  # computed over the whole tape before any filter
    duplicate = pl.col("raw_loan_number").is_not_null() & (pl.col("_row") != first)
    rules.append((Severity.ERROR, "loan_number", duplicate, pl.format("duplicate loan number (first on row {})", first)))
    return rules


def validate(raw: pl.DataFrame, pool: Pool, cut_off: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse and check every row; returns the canonical loans and a frame of problems, ordered by row.

    All rules are first counted in one parallel pass; only rules that some row breaks are
    filtered for, so a clean million-loan tape costs one scan.
    """
    import polars as pl

    loans = _derive(_parse(raw, pool), pool, cut_off)
    work = pl.concat([raw.drop("_row").rename(lambda n: f"raw_{n}"), loans], how="horizontal").with_columns(
        _first_row=pl.col("_row").min().over("raw_loan_number")
    )
    rules = _rules(raw, pool, cut_off)
    counts = work.select(cond.fill_null(False).sum().alias(str(i)) for i, (_, _, cond, _) in enumerate(rules)).row(0)
    headers = pool.columns.model_dump()
    frames = [
        work.filter(cond.fill_null(False)).select(
            pl.col("_row").alias("row"),
            pl.lit(headers[field]).alias("column"),
            pl.col(f"raw_{field}").alias("value"),
            (reason if isinstance(reason, pl.Expr) else pl.lit(reason)).alias("message"),
            pl.lit(severity.value).alias("severity"),
        )
        for (severity, field, cond, reason), count in zip(rules, counts, strict=True)
        if count
    ]
    schema = _problem_schema()
    problems = pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)
    order = {h: i for i, h in enumerate(v for v in headers.values() if v)}
    problems = problems.with_columns(_order=pl.col("column").replace_strict(order, default=len(order), return_dtype=pl.Int64))
    return loans, problems.sort("row", "_order", maintain_order=True).drop("_order")


def _unparseable_reason(field: str, kind: Kind, pool: Pool) -> str:
    if kind is Kind.CODE:
        known = ", ".join(getattr(pool.codes, field))
        return f"unknown {field.replace('_', ' ')} code (known: {known})"
    if kind is Kind.DATE:
        return f"not a date in the form {pool.tape_options.date_format}"
    if kind is Kind.STATE:
        return "unknown state code"
    if kind is Kind.ZIP:
        return "ZIP code must be 5 digits"
    if kind is Kind.INTEGER:
        return "not a whole number"
    return f"not a number with at most {SCALE[kind]} decimals"


def load_tape(path: Path, pool: Pool, cut_off: dt.date) -> TapeReport:
    """Read, parse and check a tape. File-level problems raise; row problems are in the report."""
    raw = read_raw(path, pool)
    if raw.height == 0:  # validate, render and strats agree: a pool needs loans
        raise DealdocsError([Problem(str(path), None, None, None, "the tape has no loans (only a header)")])
    loans, problems = validate(raw, pool, cut_off)
    return TapeReport(path, loans, problems)
