"""Reading a tape file (CSV, XLSX or Parquet) into text columns under canonical names, each cell's line or row beside it.

Every value is read as text, so that the cell grammar (`cells`, `parsing`) decides what it
holds; readers' own errors on a malformed file become problems at the file's line.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.deal.models import Pool
from generator.errors import DealdocsError, Problem, TapeError
from generator.fields import DATE_MAX, DATE_MIN, Kind
from generator.pool.file_faults import csv_record_problems, cut_off_last_record, format_problem, has_quote, lines_in
from generator.pool.parsing import native_name, proven

if TYPE_CHECKING:
    import polars as pl

EPOCH = dt.date(1970, 1, 1)


def _counted(first: int) -> pl.Expr:
    import polars as pl

    return pl.int_range(first, first + pl.len(), dtype=pl.Int64)


def _csv_lines(path: Path, frame: pl.DataFrame) -> pl.Expr:
    """Each record's line number; a quoted value spanning lines pushes later records down.

    A file without a quote has no such value (`has_quote`, a fast search); only when it has
    one, and more lines than records (`lines_in`), are the newlines inside each record's values counted.
    """
    import polars as pl

    header_lines = 1 + sum(name.count("\n") for name in frame.columns)
    if not has_quote(path) or lines_in(path) <= frame.height + header_lines:
        return _counted(1 + header_lines)
    inside = pl.sum_horizontal(pl.all().str.count_matches("\n", literal=True).fill_null(0)).cast(pl.Int64)
    return _counted(1 + header_lines) + inside.cum_sum() - inside


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence what native readers print to file descriptor 2 (a Rust panic's message and backtrace)."""
    import os

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2 (embedded use): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _first_line(exc: BaseException) -> str:
    """A reader's own message without its advice on reader options (which the user cannot set)."""
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__


def _parquet_as_text(frame: pl.DataFrame, wanted: set[str], date_format: str) -> tuple[pl.DataFrame, list[Problem], set[str], list[pl.Expr]]:
    """Parquet columns as text: dates through their day numbers, floats by their shortest decimal.

    Dates are checked as integers before polars formats them (a date past year 262143 would
    make it panic); a float16 cannot hold cents and is refused; a float whose shortest
    decimal has more significant digits than its type holds (6 for float32, 15 for float64)
    is not the number that was written, and is marked so that it is reported.
    Returns the text frame, column problems, the integer columns (for ZIP padding) and the dates
    of the date columns (a date, or a midnight datetime, within range), named as their columns.
    """
    import polars as pl

    problems, exprs, integers, dates = [], [], set(), []
    lo, hi = (DATE_MIN - EPOCH).days, (DATE_MAX - EPOCH).days
    for name, dtype in frame.schema.items():
        if dtype.is_nested():  # lists and structs have no text form
            continue
        col = pl.col(name)
        if dtype == pl.Date:
            days = col.to_physical().cast(pl.Int64)
            safe = pl.when(days.is_between(lo, hi)).then(col)  # out-of-range values never reach the formatter
            expr = pl.when(days.is_between(lo, hi)).then(safe.dt.strftime(date_format)).otherwise(pl.format("day {} from 1970-01-01", days))
            dates.append(safe.alias(name))
        elif isinstance(dtype, pl.Datetime):
            per_day = {"ns": 86_400_000_000_000, "us": 86_400_000_000, "ms": 86_400_000}[dtype.time_unit or "us"]
            days = col.to_physical() // per_day
            safe = pl.when(days.is_between(lo, hi)).then(col)  # out-of-range values never reach the formatter
            midnight = safe.dt.truncate("1d") == safe
            text = pl.when(midnight).then(safe.dt.strftime(date_format)).otherwise(safe.dt.strftime("%Y-%m-%d %H:%M:%S"))
            expr = pl.when(days.is_between(lo, hi)).then(text).otherwise(pl.format("day {} from 1970-01-01", days))
            dates.append(pl.when(midnight).then(safe.dt.date()).alias(name))
        elif dtype == getattr(pl, "Float16", None):
            if name in wanted:
                problems.append(Problem(
                    "", None, name, None,
                    f"column {name} is stored as float16, which cannot hold cents (3 significant digits, at most 65504): "
                    "write it as text, a decimal or float64",
                ))  # fmt: skip
            expr = col.cast(pl.String)
        elif dtype in (pl.Float32, pl.Float64):
            digits = 6 if dtype == pl.Float32 else 15  # decimal digits each type always keeps
            text = col.cast(pl.String)
            significant = text.str.replace_all(r"[^0-9]|e.*$", "").str.strip_chars("0").str.len_chars()
            kind = "float32" if dtype == pl.Float32 else "float64"
            marker = pl.format("{} (a {} with more than {} significant digits)", text, pl.lit(kind), pl.lit(digits))
            expr = pl.when(significant <= digits).then(text).otherwise(marker)
        else:
            if dtype.is_integer():
                integers.add(name)
            expr = col.cast(pl.String)
        exprs.append(expr.alias(name))
    return frame.select(exprs), problems, integers, dates


@dataclass(frozen=True)
class _Read:
    csv: bool = False  # a CSV (its last record is checked for a cut-off file)
    integers: frozenset[str] = frozenset()  # columns stored as numbers (ZIPs lose their leading zeros)
    problems: tuple[Problem, ...] = ()
    native: tuple[tuple[str, pl.Series], ...] = ()  # XLSX, Parquet: per date column, the dates of its date cells (null: text)


NATIVE_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00$"
"""How the XLSX reader writes a date cell (a spreadsheet date is a midnight datetime) when it reads the sheet as text."""


def _xlsx_dates(path: Path, frame: pl.DataFrame, sheet: str | None, dates: set[str]) -> tuple[tuple[str, pl.Series], ...]:
    """Per date column, the dates of its cells that are spreadsheet dates rather than text that looks like one (null elsewhere).

    Read as text, a date cell and the text '2024-09-06 00:00:00' are the same; read by the XLSX
    reader as datetimes, text is null (polars' own datetime reading would parse the text). Only
    columns holding such text are read again (one more pass over the sheet).
    """
    import fastexcel
    import polars as pl

    looks = [h for h in sorted(dates & set(frame.columns)) if frame[h].str.contains(NATIVE_DATE).any()]
    if not looks:
        return ()
    try:
        typed = fastexcel.read_excel(path).load_sheet(sheet if sheet else 0, use_columns=looks, dtypes=dict.fromkeys(looks, "datetime")).to_polars()
    except Exception:  # a header the reader names otherwise (a repeated one): its cells are read as text, as before
        return ()
    if typed.height != frame.height:  # not the same rows: no cell is taken for a date cell
        return ()
    return tuple((h, typed.select(pl.when(frame[h].str.contains(NATIVE_DATE)).then(pl.col(h).dt.date()))[h]) for h in looks)


def _read_frame(path: Path, sheet: str | None, date_format: str, wanted: set[str], dates: set[str]) -> tuple[pl.DataFrame, pl.Expr, _Read]:
    import polars as pl

    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        try:  # strictly first: a fifth faster than lossily, and a tape is almost always valid UTF-8
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
        except pl.exceptions.ComputeError:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        return frame, _csv_lines(path, frame), _Read(csv=True)  # line 1 is the header
    if suffix in {".xlsx", ".xlsm"}:
        options = {"sheet_name": sheet} if sheet else {"sheet_id": 1}
        # blank rows are kept here (and skipped in read_raw) so that later rows keep their sheet row numbers
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0, drop_empty_rows=False, **options)
        native = _xlsx_dates(path, frame, sheet, dates)
        return frame, _counted(2), _Read(integers=frozenset(frame.columns), native=native)  # sheet row 1 is the header; numbers lose zeros
    if suffix in {".parquet", ".pq"}:
        typed = pl.read_parquet(path)
        text, problems, integers, days = _parquet_as_text(typed, wanted, date_format)
        native = tuple((s.name, s) for s in typed.select(days).get_columns()) if days else ()
        return text, _counted(1), _Read(integers=frozenset(integers), problems=tuple(problems), native=native)  # record number
    raise TapeError([Problem(str(path), None, None, suffix, "unsupported tape format: use .csv, .xlsx or .parquet")])


def _header_names(path: Path, frame: pl.DataFrame, sheet: str | None) -> list[str]:
    """The tape's headers as written (the readers rename a repeated header)."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        import csv
        import io

        with path.open("rb") as handle:
            head = handle.read(1 << 20).decode("utf-8", "replace")
        try:
            return next(csv.reader(io.StringIO(head)))
        except (csv.Error, StopIteration):
            return list(frame.columns)
    if suffix in {".xlsx", ".xlsm"}:
        import polars as pl

        options = {"sheet_name": sheet} if sheet else {"sheet_id": 1}
        top = pl.read_excel(path, engine="calamine", has_header=False, read_options={"n_rows": 1}, **options)
        return ["" if v is None else str(v) for v in top.row(0)] if top.height else list(frame.columns)
    return list(frame.columns)


def _duplicate_headers(path: Path, headers: list[str], mapped: set[str]) -> list[Problem]:
    first: dict[str, int] = {}
    found = []
    for position, name in enumerate(headers, 1):
        key = name.strip()
        if key in first and key in mapped:
            found.append(
                Problem(str(path), 1, key, None, f"header {key!r} appears twice, in columns {first[key]} and {position}: rename one of them")
            )
        first.setdefault(key, position)
    return found


ColumnProblem = Callable[[str, str, str], Problem]
"""Builds the problem for a deal-file column mapping: (field, header, message) -> Problem."""


def read_raw(path: Path, pool: Pool, column_problem: ColumnProblem | None = None) -> tuple[pl.DataFrame, frozenset[str]]:
    """The tape's mapped columns under canonical names, as text, with a `_row` column; blank rows are skipped.

    Also returns the fields whose every cell the grammar accepts as it stands (`parsing.proven`):
    those need no stripping, and their parse no verdict. Only the other columns are
    scanned for edge spaces and tabs (stripped where found), and blank text made null.
    `column_problem` places a problem with the mapping at the deal file's line (see
    `analysis.check_tape`); without it the problem is reported at the tape's header.
    """
    import polars as pl
    from polars.exceptions import PanicException

    if not path.is_file():
        raise TapeError([Problem(str(path), None, None, None, "loan tape not found")])
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq"}:
        raise TapeError([Problem(str(path), None, None, suffix, "unsupported tape format: use .csv, .xlsx or .parquet")])
    if wrong := format_problem(path, suffix):
        raise TapeError([wrong])
    mapping = {field: header for field, header in pool.headers().items() if header is not None}
    try:
        with _quiet_stderr():
            dates = {header for field, header in mapping.items() if pool.registry[field].kind is Kind.DATE}
            frame, rows, read = _read_frame(path, pool.tape_options.sheet, pool.tape_options.date_format, set(mapping.values()), dates)
    except DealdocsError:
        raise
    except (Exception, PanicException) as exc:  # a reader's own error (or panic) on a malformed file: report it
        if suffix in {".csv", ".txt"} and (found := csv_record_problems(path)):
            raise TapeError(found) from None
        reason = "the file is damaged" if isinstance(exc, PanicException) else _first_line(exc)
        raise TapeError([Problem(str(path), None, None, None, f"cannot read tape: {reason}")]) from None
    if read.problems:
        raise TapeError([Problem(str(path), 1, p.column, p.value, p.message) for p in read.problems])
    if duplicates := _duplicate_headers(path, _header_names(path, frame, pool.tape_options.sheet), set(mapping.values())):
        raise TapeError(duplicates)
    missing = [_missing_column(path, field, header, frame.columns, column_problem) for field, header in mapping.items() if header not in frame.columns]
    if missing:
        raise TapeError(missing)
    if read.csv and frame.height and (cut := cut_off_last_record(path, frame)):
        raise TapeError([cut])
    good = proven(frame, mapping, pool)
    rest = {field: header for field, header in mapping.items() if field not in good}
    edges = dict(zip(rest, _edged(frame, rest.values()), strict=True))
    text = {field: pl.col(header) if field in good else _trimmed(pl.col(header), edges[field]) for field, header in mapping.items()}
    extra = []
    if "zip" in mapping and mapping["zip"] in read.integers:  # a number lost its leading zeros: 4068 is 04068
        short = text["zip"].str.contains(r"^[0-9]{1,4}$")
        extra.append(pl.when(short).then(text["zip"]).alias("_zip_given"))
        text["zip"] = pl.when(short).then(text["zip"].str.zfill(5)).otherwise(text["zip"])
    native = dict(read.native)
    extra += [pl.lit(native[header]).alias(native_name(field)) for field, header in mapping.items() if header in native]
    raw = frame.select(rows.alias("_row"), *(expr.alias(field) for field, expr in text.items()), *extra)
    if any(raw[field].null_count() == 0 for field in mapping):  # a column without blanks: no blank row
        return raw, good
    blank = pl.all_horizontal(pl.col(list(mapping)).is_null())
    return (raw.filter(~blank) if raw.select(blank.any()).item() else raw), good  # filtering copies every column: only when needed


def _edged(frame: pl.DataFrame, headers: Iterable[str]) -> tuple[bool, ...]:
    """Per column, whether any value starts or ends with a space or tab: a scan costs a third of a strip."""
    import polars as pl

    def edged(header: str) -> pl.Expr:
        return pl.any_horizontal(pl.col(header).str.starts_with(c) | pl.col(header).str.ends_with(c) for c in (" ", "\t")).any()

    return tuple(bool(found) for found in frame.select(edged(h).alias(str(i)) for i, h in enumerate(headers)).row(0))


def _trimmed(text: pl.Expr, edged: bool) -> pl.Expr:
    """A text column stripped of edge spaces and tabs (only when it has them), blank values null."""
    import polars as pl

    text = text.str.strip_chars(" \t") if edged else text
    return pl.when(text.str.len_bytes() > 0).then(text)


def _missing_column(path: Path, field: str, header: str, headers: list[str], column_problem: ColumnProblem | None) -> Problem:
    import difflib

    lower = {h.lower(): h for h in reversed(headers)}
    near = difflib.get_close_matches(header.lower(), list(lower), n=1, cutoff=0.6)
    if not near:  # 'ZIP_CODE' for 'ZIP': one name inside the other
        near = sorted((h for h in lower if h and (h in header.lower() or header.lower() in h)), key=len, reverse=True)[:1]
    near = [lower[n] for n in near]
    hint = f"; did you mean {near[0]!r}?" if near else ""
    listing = ", ".join(headers)
    if column_problem is None:
        return Problem(str(path), 1, header, None, f"column for {field} not in the tape{hint} (its columns: {listing})")
    return column_problem(field, header, f"column {header!r} for {field} is not in the tape {path.name}{hint} (its columns: {listing})")
