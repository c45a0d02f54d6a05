"""A loan tape read, parsed and checked with polars: any layout in, canonical exact columns and every problem out.

Every value is read as text (`reading`) and parsed by vectorised expressions (`parsing`,
`cells`) into integers of a fixed scale (cents, thousandths of a percent), so a
million-loan tape never meets a Python loop or a float. Each rule (`row_checks`) is one
condition over the whole tape; problems come back as a frame.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import fields as loan_fields
from generator.deal.models import Pool
from generator.errors import Problem, Severity, TapeError
from generator.fields import Kind, LoanField
from generator.pool import cells
from generator.pool.derived import derive
from generator.pool.file_faults import SHOWN_PROBLEMS
from generator.pool.parsing import CONTROL, bad_value_reason, fields_of, native_name, parse, raw_name, unparseable_reason
from generator.pool.ranges import outside
from generator.pool.reading import ColumnProblem, read_raw
from generator.pool.row_checks import Rule, checks

if TYPE_CHECKING:
    import polars as pl


SHOWN_PER_RULE = 5


@dataclass(frozen=True)
class RuleGroup:
    """The rows breaking one rule: how many, and the first few, each with its own expected value."""

    severity: Severity
    column: str
    rule: str
    count: int
    first: list[Problem]


@dataclass(frozen=True)
class TapeReport:
    """The canonical loans and every problem found, as frames (a bad tape can have millions)."""

    path: Path
    loans: pl.DataFrame
    problems: pl.DataFrame  # row, column, value, message, severity

    def count(self, severity: Severity) -> int:
        """How many problems of this severity the tape has (an exit code and a summary need the total)."""
        import polars as pl

        return self.problems.filter(pl.col("severity") == severity.value).height

    def listed(self, severity: Severity, limit: int = SHOWN_PROBLEMS) -> list[Problem]:
        """The first problems of this severity, in row order (a million would drown the reader)."""
        import polars as pl

        rows = self.problems.filter(pl.col("severity") == severity.value).head(limit)
        return [
            Problem(str(self.path), r["row"], r["column"], r["value"], r["message"], severity)
            for r in rows.iter_rows(named=True)
        ]

    def grouped(self, severity: Severity, per_rule: int = SHOWN_PER_RULE) -> list[RuleGroup]:
        """Problems grouped by rule (column and rule), in the order of their first row, each with its first rows."""
        import polars as pl

        rows = self.problems.filter(pl.col("severity") == severity.value)
        if rows.height == 0:
            return []
        key = ["column", "rule"]
        rows = rows.with_columns(_count=pl.len().over(key), _nth=pl.int_range(pl.len()).over(key), _first=pl.col("row").min().over(key))
        shown = rows.filter(pl.col("_nth") < per_rule).sort("_first", "column", "rule", "_nth", maintain_order=True)
        groups: dict[tuple[str, str], RuleGroup] = {}
        for r in shown.iter_rows(named=True):
            group = groups.setdefault((r["column"], r["rule"]), RuleGroup(severity, r["column"], r["rule"], r["_count"], []))
            group.first.append(Problem(str(self.path), r["row"], r["column"], r["value"], r["message"], severity))
        return list(groups.values())

    def raise_for_errors(self) -> None:
        """Stop before rendering anything from a tape that has errors."""
        if total := self.count(Severity.ERROR):
            raise TapeError(self.listed(Severity.ERROR), total)


def _problem_schema() -> pl.Schema:
    import polars as pl

    return pl.Schema({"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String, "severity": pl.String, "rule": pl.String})


def _missing(field: str, spec: LoanField) -> str:
    """A blank cell where a value is required, and what to do: fill it in, or (a custom field) declare what a blank means."""
    if field in loan_fields.FIELDS:
        return "missing value: every loan needs one: fill it in on the tape"
    instead = "blank: not_available or blank: zero" if spec.numeric else "blank: not_available"
    return f"missing value: fill it in on the tape, or declare {instead} on custom field {field} in the deal file"


def _rules(raw: pl.DataFrame, pool: Pool, cut_off: dt.date, unique: bool) -> list[Rule]:
    """Every rule as (severity, field reported, condition true on a bad row, reason) over the raw (`raw_name`) and loan columns.

    The duplicate-loan rule needs the `_first_row` column, unless the loan numbers are `unique`.
    """
    import polars as pl

    rules: list[Rule] = []
    fields, registry = fields_of(raw), pool.registry
    for field in fields:
        text, value = pl.col(raw_name(field)), pl.col(field)
        spec = registry[field]
        if spec.may_be_blank:  # a value not available: counted per field, never an error
            blank = f"{field.replace('_', ' ')} blank (not available)"
            rules.append(Rule(Severity.WARNING, field, text.is_null(), blank))
        elif spec.arm:  # blank exactly on fixed-rate loans: `checks` compares it with `amortization`
            pass
        elif not spec.blank_means_zero:
            rules.append(Rule(Severity.ERROR, field, text.is_null(), _missing(field, spec)))
        if spec.kind is Kind.TEXT:
            rules.append(Rule(Severity.ERROR, field, text.str.contains(CONTROL), "control character in the value (a corrupted cell?)"))
        else:
            base = unparseable_reason(field, spec, pool)
            slip = None if spec.decimals is None else cells.number_slip(text, spec.decimals, spec.kind is Kind.MONEY)
            rules.append(Rule(Severity.ERROR, field, text.is_not_null() & value.is_null(), bad_value_reason(text, base, slip), base))
        if field not in loan_fields.FIELDS and spec.numeric and spec.plausible is not None:  # a custom field's range (canonical ones: `checks`)
            rules.append(Rule(Severity.ERROR, field, outside(field, field=spec), f"{field.replace('_', ' ')} outside {spec.plausible.words(spec.kind)}"))
    for check in checks(pool, cut_off, set(fields)):
        severity, field, condition, reason = check
        field = field if field in fields else "original_balance"
        name, shown = (check.rule, check.value) if isinstance(check, Rule) else (None, None)
        rules.append(Rule(severity, field, condition, reason, name, shown))
    if not unique:
        first = pl.col("_first_row")  # computed over the whole tape before any filter
        duplicate = pl.col(raw_name("loan_number")).is_not_null() & (pl.col("_row") != first)
        rules.append(Rule(Severity.ERROR, "loan_number", duplicate, pl.format("duplicate loan number (first on row {})", first), "duplicate loan number"))
    if "_zip_given" in raw.columns:
        padded = pl.format("ZIP stored as a number without its leading zeros: read as {}", pl.col(raw_name("zip")))
        given = pl.col(raw_name("_zip_given"))
        rules.append(Rule(Severity.WARNING, "zip", given.is_not_null(), padded, "ZIP stored as a number: zero-padded to 5 digits", given))
    if (native := [f for f in fields if native_name(f) in raw.columns]) and "date_format" in pool.tape_options.model_fields_set:
        dated = pl.any_horizontal(pl.col(native_name(f)).is_not_null() for f in native)
        rows = raw.select(dated.sum()).item()
        unused = (
            f"the date cells of {rows} row{'s' * (rows != 1)} are already dates and are read as such: tape_options.date_format "
            f"({pool.tape_options.date_format}) is only for dates written as text; remove it from the deal file unless some dates are text"
        )  # one warning, on the first such row: a fact about the tape, not about each loan
        first = pl.any_horizontal(pl.col(raw_name(native_name(f))).is_not_null() for f in native)
        rules.append(Rule(Severity.WARNING, native[0], first & (first.cast(pl.Int64).cum_sum() == 1), unused))
    return rules


def _unique(numbers: pl.Series) -> bool:
    """Whether no loan number repeats: proven by their hashes when those all differ (equal numbers hash alike), else counted exactly.

    Hashing and counting 64-bit integers costs a fifth of counting the strings themselves.
    """
    if numbers.hash().n_unique() == numbers.len():
        return True
    return bool(numbers.n_unique() == numbers.len())


def _listing(rule: Rule, headers: dict[str, str | None]) -> list[pl.Expr]:
    """The problem frame's columns for the rows breaking `rule`: row, column (its header), value, message, severity, rule."""
    import polars as pl

    return [
        pl.col("_row").alias("row"),
        pl.lit(headers[rule[1]]).alias("column"),
        (rule.value if rule.value is not None else pl.col(raw_name(rule[1]))).alias("value"),
        (rule[3] if isinstance(rule[3], pl.Expr) else pl.lit(rule[3])).alias("message"),
        pl.lit(rule[0].value).alias("severity"),
        pl.lit(rule.rule).alias("rule"),
    ]


def _broken_rows(work: pl.DataFrame, condition: pl.Expr, listing: list[pl.Expr]) -> pl.DataFrame:
    """The listing of the rows where `condition` holds: only the columns it reads are filtered, each on its own.

    The frame's columns are chunked unlike one another (text as read, values as computed): a
    filter of the whole frame would first realign all of them (a second on the prime-jumbo tape).
    """
    import polars as pl

    used = {name for expr in listing for name in expr.meta.root_names()}
    return work.select(pl.col(name).filter(condition) for name in work.columns if name in used).select(listing)


def validate(raw: pl.DataFrame, pool: Pool, cut_off: dt.date, known_good: frozenset[str] = frozenset()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse and check every row; returns the canonical loans and a frame of problems, ordered by row.

    `known_good` are the fields `read_raw` proved (their parse skips the verdict). All rules
    are first counted in one parallel pass; only rules that some row breaks are filtered
    for, so a clean million-loan tape costs one scan. The duplicate search runs only when
    some loan number repeats. Each broken rule filters only the columns its listing reads.
    """
    import polars as pl

    loans = derive(parse(raw, pool, known_good), pool, cut_off)
    unique = _unique(raw["loan_number"])
    first_row = [] if unique else [raw.select(_first_row=pl.col("_row").min().over("loan_number"))]  # over the whole tape, before any filter
    work = pl.concat([raw.drop("_row").rename(raw_name), loans, *first_row], how="horizontal")
    rules = _rules(raw, pool, cut_off, unique)
    counts = work.select(cond.fill_null(False).sum().alias(str(i)) for i, (_, _, cond, _) in enumerate(rules)).row(0)
    headers = pool.headers()
    frames = [_broken_rows(work, rule[2].fill_null(False), _listing(rule, headers)) for rule, count in zip(rules, counts, strict=True) if count]
    schema = _problem_schema()
    problems = pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)
    order = {h: i for i, h in enumerate(v for v in headers.values() if v)}
    problems = problems.with_columns(_order=pl.col("column").replace_strict(order, default=len(order), return_dtype=pl.Int64))
    return loans, problems.sort("row", "_order", maintain_order=True).drop("_order")


def load_tape(path: Path, pool: Pool, cut_off: dt.date, column_problem: ColumnProblem | None = None) -> TapeReport:
    """Read, parse and check a loan tape: file-level problems raise, row problems are kept in the report.

    Rows are not stopped at, so one run reports every bad row of a tape of millions (as frames).

    Args:
        path: The tape: CSV, XLSX or Parquet, by its suffix.
        pool: The deal's pool section: column mapping, codes, rules.
        cut_off: The cut-off date that remaining terms and ages are measured from.
        column_problem: Builds the problem for a mapped column the tape lacks, so that it is placed
            at the deal file's line (see `read_raw`); by default it names the tape.

    Returns:
        The canonical loans and every row problem found (errors and warnings).

    Raises:
        DealdocsError: The file cannot be read as its format, lacks mapped columns or has no loans.
    """
    raw, known_good = read_raw(path, pool, column_problem)
    if raw.height == 0:  # validate, render and strats agree: a pool needs loans
        raise TapeError([Problem(str(path), None, None, None, "the tape has no loans (only a header)")])
    loans, problems = validate(raw, pool, cut_off, known_good)
    del raw  # the text, freed before the copy below
    # one chunk per column: the row numbers are one, the parsed values as many as the reader read, and every
    # whole-frame query after this (the tables' filters and group-bys) would realign them first (a second on the prime-jumbo tape)
    return TapeReport(path, loans.rechunk(), problems)
