"""Reading and validating a loan tape with polars: any layout in, canonical exact columns out.

Every value is read as text and parsed by vectorised expressions into integers of a fixed
scale (cents, thousandths of a percent), so a million-loan tape never meets a Python loop
or a float. Each check is one filter over the whole tape; problems come back as a frame.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from generator import fields as loan_fields
from generator.deal.models import Pool
from generator.errors import DealdocsError, Problem, Severity, TapeError
from generator.fields import CODED, DATE_MAX, DATE_MIN, Kind, LoanField, Range
from generator.pool import cells
from generator.pool.exact import INT64_MAX
from generator.pool.usps import STATE_NAMES

if TYPE_CHECKING:
    import polars as pl


SHOWN_PROBLEMS = 50
SHOWN_PER_RULE = 5

EPOCH = dt.date(1970, 1, 1)
STATE_SPELLINGS = sorted({spelling for code in STATE_NAMES for spelling in (code, code.lower(), code[0] + code[1].lower(), code[0].lower() + code[1])})
"""Each state code in every ASCII case: matched exactly, so no other script's letters pass."""


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


def _csv_lines(frame: pl.DataFrame, lines: int) -> pl.Expr:
    """Each record's line number; a quoted value spanning lines pushes later records down.

    `lines` is the file's count (`_lines_in`, a fast scan); only when the file has more
    lines than records are the newlines inside each record's values counted.
    """
    import polars as pl

    header_lines = 1 + sum(name.count("\n") for name in frame.columns)
    if lines <= frame.height + header_lines:
        return _counted(1 + header_lines)
    inside = pl.sum_horizontal(pl.all().str.count_matches("\n", literal=True).fill_null(0)).cast(pl.Int64)
    return _counted(1 + header_lines) + inside.cum_sum() - inside


_MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an XLSX workbook?)"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old binary Office file (.xls?)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"{\\rtf", "an RTF document"),
]


def _looks_like(head: bytes) -> str | None:
    """What a file's first bytes say it is, when that is not text."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.count(b"\x00") > len(head) // 100 or (b"\x00" in head and not _is_text(head)):
        return "binary data"  # a stray NUL in a text tape is reported at its cell instead
    return None


def _format_problem(path: Path, suffix: str) -> Problem | None:
    """A problem when the file is not the format its name claims (checked on its first and last bytes)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
        handle.seek(max(0, size - 4))
        tail = handle.read(4)
    seen = _looks_like(head)
    if suffix in {".csv", ".txt"}:
        if seen is not None:
            return Problem(str(path), None, None, None, f"cannot read tape: not a CSV file: it looks like {seen}; export the tape as CSV (UTF-8 text)")
        return None
    if suffix in {".parquet", ".pq"}:
        if head[:4] != b"PAR1" or tail != b"PAR1" or size < 12:
            seen = (
                seen if seen and seen != "a Parquet file"
                else "a damaged or cut-off Parquet file" if head[:4] == b"PAR1"
                else "text" if _is_text(head)
                else "something else"
            )  # fmt: skip
            return Problem(str(path), None, None, None, f"cannot read tape: not a Parquet file: it looks like {seen}")
        return None
    if suffix in {".xlsx", ".xlsm"}:
        import zipfile

        what = None
        if not head.startswith(b"PK"):
            what = seen or ("text (a CSV file?)" if _is_text(head) else "something else")
        else:
            try:
                with zipfile.ZipFile(path) as archive:
                    if "xl/workbook.xml" not in archive.namelist():
                        what = "a ZIP archive without a workbook in it"
            except (zipfile.BadZipFile, OSError, EOFError):
                what = "a damaged or cut-off ZIP archive"
        return None if what is None else Problem(str(path), None, None, None, f"cannot read tape: not an XLSX workbook: it looks like {what}")
    return None


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut at the end of the sample
    return True


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
    lines: int | None = None  # CSV: lines in the file
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
        lines = _lines_in(path)
        return frame, _csv_lines(frame, lines), _Read(lines=lines)  # line 1 is the header
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


def _csv_record_problems(path: Path, limit: int = SHOWN_PROBLEMS) -> list[Problem]:
    """Where a CSV breaks the format, line by line (only run when the fast reader refused the file).

    Finds stray quotes (a quote inside an unquoted value, or text after a closing quote),
    records with more or fewer fields than the header, and a quote still open at the end
    of the file (a file cut off in a quoted value).
    """
    text = path.read_bytes().decode("utf-8", "replace")
    found: list[Problem] = []
    expected: int | None = None
    quoted, fields, start, stray_at = False, 1, 1, None

    def add(line: int, message: str) -> None:
        if len(found) < limit:
            found.append(Problem(str(path), line, None, None, f"cannot read tape: {message}"))

    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        line = line.removesuffix("\r")
        if not quoted:
            start, fields, stray_at = number, 1, None
            if '"' not in line:
                fields = line.count(",") + 1
                if line == "" and expected is not None:
                    continue  # a blank line is skipped
                expected = _end_record(add, start, fields, expected)
                continue
        at_start = not quoted
        closed = False
        for char in line:
            if quoted:
                if char == '"':
                    quoted, closed = False, True
                continue
            if char == ",":
                fields, at_start, closed = fields + 1, True, False
            elif char == '"':
                if closed:  # a doubled quote inside a quoted value
                    quoted, closed = True, False
                elif at_start:
                    quoted, at_start = True, False
                elif stray_at is None:
                    stray_at = number
            else:
                if closed and stray_at is None:
                    stray_at = number  # text after a closing quote
                at_start, closed = False, False
        if quoted:
            continue  # the record goes on to the next line
        if stray_at is not None:
            add(stray_at, "stray quote: a value with a quote in it must be quoted, with the quote doubled (\"\")")
        expected = _end_record(add, start, fields, expected)
    if quoted:
        add(start, "quote opened here is never closed: the file looks cut off (re-export it, or close the quote)")
    return found


def _end_record(add: Callable[[int, str], None], start: int, fields: int, expected: int | None) -> int:
    if expected is None:
        return fields  # the header
    if fields > expected:
        add(start, f"{fields} fields, but the header has {expected}: a value with a comma in it must be quoted")
    elif fields < expected:
        add(start, f"only {fields} of the header's {expected} fields: the record is cut short")
    return expected


def _cut_off_last_record(path: Path, frame: pl.DataFrame, lines: int) -> Problem | None:
    """The last record of a CSV when it has fewer fields than the header (a file cut off mid-row).

    Only the file's tail is read: the last record is its last lines, as many as the newlines
    inside the last row's values plus one.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - (1 << 20)))
        tail = handle.read()
    body = tail.rstrip(b"\r\n")
    trailing = tail[len(body):].count(b"\n")
    last = next((row for row in reversed(frame.tail(trailing + 2).rows()) if any(row)), None)
    if last is None or not body:
        return None
    inside = sum(value.count("\n") for value in last if value)
    record_lines = body.split(b"\n")[-(inside + 1):]
    if len(record_lines) < inside + 1 or (len(tail) < size and len(body.split(b"\n")) <= inside + 1):
        return None  # longer than the tail read: not checked
    line = lines - max(trailing - 1, 0) - inside  # `lines` counts the newline ending the last record as its end
    record = b"\n".join(record_lines).decode("utf-8", "replace").removesuffix("\r")
    if not record.strip(" \t\r\n,"):
        return None  # a line of spaces or commas is a blank row
    fields, open_quote = _fields_in(record)
    if open_quote:
        return Problem(str(path), line, None, None, "cannot read tape: the last record has a quote that is never closed: the file looks cut off")
    if fields < len(frame.columns):
        return Problem(
            str(path), line, None, None,
            f"cannot read tape: the last record has only {fields} of the header's {len(frame.columns)} fields: the file looks cut off (re-export it)",
        )  # fmt: skip
    return None


def _fields_in(record: str) -> tuple[int, bool]:
    """The fields of one CSV record (its line breaks included), and whether a quote is left open."""
    fields, quoted, at_start, closed = 1, False, True, False
    for char in record:
        if quoted:
            if char == '"':
                quoted, closed = False, True
        elif char == '"' and (at_start or closed):  # an opening quote, or the second of a doubled one
            quoted, at_start, closed = True, False, False
        elif char == ",":
            fields, at_start, closed = fields + 1, True, False
        else:
            at_start, closed = False, False
    return fields, quoted


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


def read_raw(path: Path, pool: Pool, column_problem: ColumnProblem | None = None) -> pl.DataFrame:
    """The tape's mapped columns under canonical names, as text, with a `_row` column; blank rows are skipped.

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
    if wrong := _format_problem(path, suffix):
        raise TapeError([wrong])
    mapping = {field: header for field, header in pool.headers().items() if header is not None}
    try:
        with _quiet_stderr():
            dates = {header for field, header in mapping.items() if pool.registry[field].kind is Kind.DATE}
            frame, rows, read = _read_frame(path, pool.tape_options.sheet, pool.tape_options.date_format, set(mapping.values()), dates)
    except DealdocsError:
        raise
    except (Exception, PanicException) as exc:  # a reader's own error (or panic) on a malformed file: report it
        if suffix in {".csv", ".txt"} and (found := _csv_record_problems(path)):
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
    if read.lines is not None and frame.height and (cut := _cut_off_last_record(path, frame, read.lines)):
        raise TapeError([cut])
    text = {field: _trimmed(pl.col(header), edged) for (field, header), edged in zip(mapping.items(), _edged(frame, mapping.values()), strict=True)}
    extra = []
    if "zip" in mapping and mapping["zip"] in read.integers:  # a number lost its leading zeros: 4068 is 04068
        short = text["zip"].str.contains(r"^[0-9]{1,4}$")
        extra.append(pl.when(short).then(text["zip"]).alias("_zip_given"))
        text["zip"] = pl.when(short).then(text["zip"].str.zfill(5)).otherwise(text["zip"])
    native = dict(read.native)
    extra += [pl.lit(native[header]).alias(_native(field)) for field, header in mapping.items() if header in native]
    raw = frame.select(rows.alias("_row"), *(expr.alias(field) for field, expr in text.items()), *extra)
    blank = pl.all_horizontal(pl.col(list(mapping)).is_null())
    return raw.filter(~blank) if raw.select(blank.any()).item() else raw  # filtering copies every column: only when needed


def _native(field: str) -> str:
    """The name of a date field's dates read from date cells (XLSX, Parquet) beside its text: '_native_origination_date'."""
    return f"_native_{field}"


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


# --- parsing ---------------------------------------------------------------------------


_Bound = int | Decimal | dt.date | None
"""A range's bound as a column holds it: an integer of the field's scale, or a date (None: unbounded)."""

_CLOSED: dict[tuple[bool, bool], Literal["both", "right", "left", "none"]] = {
    (False, False): "both", (True, False): "right", (False, True): "left", (True, True): "none",
}  # fmt: skip
"""polars' `closed` for (low bound open, high bound open)."""


def _stored(field: LoanField, bounds: Range) -> tuple[_Bound, _Bound]:
    """A range's bounds as the field's column holds them (integers of its scale, or dates)."""
    if field.decimals is not None:  # a numeric field
        return bounds.scaled(field.decimals)
    return bounds.low, bounds.high


def _inside(col: pl.Expr, field: LoanField, bounds: Range) -> pl.Expr:
    """True where the column's value is within the range (null where it is null)."""
    lo, hi = _stored(field, bounds)
    closed = _CLOSED[bounds.low_open, bounds.high_open]
    if lo is not None and hi is not None:
        return col.is_between(lo, hi, closed=closed)
    return (col > lo if bounds.low_open else col >= lo) if lo is not None else (col < hi if bounds.high_open else col <= hi)


def _outside(name: str, *, usual: bool = False, field: LoanField | None = None) -> pl.Expr:
    """True on a row whose field `name` (a canonical one, else `field`) is outside its plausible range (or its usual range)."""
    import polars as pl

    field = field or loan_fields.FIELDS[name]
    bounds = field.usual if usual else field.plausible
    assert bounds is not None, f"{name} has no {'usual' if usual else 'plausible'} range"
    col, (lo, hi) = pl.col(name), _stored(field, bounds)
    below = None if lo is None else col <= lo if bounds.low_open else col < lo
    above = None if hi is None else col >= hi if bounds.high_open else col > hi
    if below is None or above is None:
        one = above if below is None else below
        assert one is not None, f"{name}'s range has no bound"
        return one
    return below | above


def _range(name: str, usual: bool = False) -> Range:
    """A field's plausible (or usual) range, which the rule naming it needs."""
    bounds = loan_fields.FIELDS[name].usual if usual else loan_fields.FIELDS[name].plausible
    assert bounds is not None, f"{name} has no {'usual' if usual else 'plausible'} range"
    return bounds


def _span(name: str, usual: bool = False) -> str:
    """A field's plausible (or usual) range as the messages state it: '0% to 20%'."""
    return _range(name, usual).words(loan_fields.FIELDS[name].kind)


def _parse(raw: pl.DataFrame, pool: Pool) -> pl.DataFrame:
    """Typed canonical columns; a value that does not parse becomes null (and is reported).

    A blank additional collateral is zero; any other value that does not parse is null, as
    in every column, so that it is reported instead of read as zero.
    """
    import polars as pl

    codes, registry = pool.code_maps(), pool.registry

    def blank_is_zero(field: str, expr: pl.Expr) -> pl.Expr:
        return pl.when(pl.col(field).is_null()).then(pl.lit(0, pl.Int64)).otherwise(expr) if registry[field].blank_means_zero else expr

    numeric = {f: (decimals, registry[f].kind is Kind.MONEY) for f in _fields(raw) if (decimals := registry[f].decimals) is not None}
    numbers = cells.numbers(raw, numeric)
    exprs = [pl.col("_row")]
    for field in _fields(raw):
        spec, col = registry[field], pl.col(field)
        kind = spec.kind
        if field in numeric:
            expr = pl.lit(numbers.get_column(field))
        elif kind is Kind.DATE:
            expr = cells.dates(raw, field, pool.tape_options.date_format)
            if _native(field) in raw.columns:  # a date cell is a date, whatever form its text would take
                expr = pl.coalesce(pl.col(_native(field)), expr)
        elif kind in CODED:
            expr = col.replace_strict(codes[field], default=None, return_dtype=pl.Boolean if kind is Kind.FLAG else pl.String)
        elif kind is Kind.STATE:  # two ASCII letters in any case; 'ıl' upper-cases to 'IL' but is not a code
            expr = pl.when(col.is_in(STATE_SPELLINGS)).then(col.str.to_uppercase())
        elif kind is Kind.ZIP:
            expr = col.str.extract(r"^([0-9]{5})(?:-[0-9]{4})?$")  # ASCII digits: \d would take any script's
        else:
            expr = col
        exprs.append(blank_is_zero(field, expr).alias(field))
    parsed = raw.select(exprs)
    dates = [registry[f] for f in _fields(raw) if registry[f].kind is Kind.DATE]  # year 0 or 12345 is a corrupted cell
    parsed = parsed.with_columns(pl.when(_inside(pl.col(d.name), d, d.plausible or Range())).then(pl.col(d.name)) for d in dates)
    return parsed


# --- derived fields ----------------------------------------------------------------------


LTV_CAP = f"{loan_fields.FIELDS['computed_ltv'].value(INT64_MAX - 1):,}"
"""The largest LTV a loan can have, in percent: a larger ratio is capped at Int64's largest (`_ratio_thousandths`) and refused."""


def _ratio_thousandths(numerator_cents: pl.Expr, denominator_cents: pl.Expr) -> pl.Expr:
    """Numerator / denominator x 100, half-up to 3 decimals, in thousandths of a percent."""
    import polars as pl

    num, den = numerator_cents.cast(pl.Int128) * 100_000, denominator_cents.cast(pl.Int128)  # cents x 10**5 overflow 64 bits
    # a ratio past 64 bits (a 15-digit balance over a 1-cent value) is capped, not wrapped, and the cap is a row error (`_checks`)
    return ((2 * num + den) // (2 * den)).clip(-INT64_MAX, INT64_MAX).cast(pl.Int64)


def _month_index(date: pl.Expr) -> pl.Expr:
    import polars as pl

    return date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64)


def _derive(loans: pl.DataFrame, pool: Pool, cut_off: dt.date) -> pl.DataFrame:
    """Fields the documents use that the tape need not carry: net rate, both LTVs, months to maturity, loan age."""
    import polars as pl

    cols = set(loans.columns)
    if "servicing_fee" in cols:
        fee = pl.col("servicing_fee")
    else:
        assert pool.servicing_fee is not None, "Pool's validation requires servicing_fee when the tape has no column for it"
        fee = pl.lit(loan_fields.FIELDS["servicing_fee"].scaled(pool.servicing_fee), pl.Int64)
    addl = pl.col("additional_collateral") if "additional_collateral" in cols else pl.lit(0, pl.Int64)  # blank is 0 already
    computed_ltv = _ratio_thousandths(pl.col("original_balance"), pl.col("appraised_value"))
    return loans.with_columns(
        servicing_fee=fee,
        net_rate=pl.col("note_rate") - fee,
        additional_collateral=addl,
        computed_ltv=computed_ltv,
        ltv=pl.col("ltv") if "ltv" in cols else computed_ltv,
        effective_ltv=_ratio_thousandths(pl.col("original_balance") - addl, pl.col("appraised_value")),
        months_to_maturity=_month_index(pl.col("maturity_date")) - (cut_off.year * 12 + cut_off.month),
        loan_age=pl.col("loan_age") if "loan_age" in cols else (cut_off.year * 12 + cut_off.month) - _month_index(pl.col("origination_date")),
    )


# --- checks ------------------------------------------------------------------------------


TERM_RULE = "remaining term disagrees with the months from the cut-off date to maturity"
MATURITY_RULE = "maturity date is not the first payment date plus the original term"


_Check = tuple[Severity, str, "pl.Expr", "pl.Expr | str"]
"""(severity, field reported, condition true on a bad row, reason): a rule whose name is its reason."""


class Rule(_Check):
    """(severity, field reported, condition true on a bad row, reason), with the rule's name for grouping.

    The reason may be an expression giving each row its own figures (the expected value);
    `rule` is what all rows breaking it share. `value` replaces the cell shown, when set.
    """

    rule: str
    value: pl.Expr | None

    def __new__(
        cls, severity: Severity, field: str, condition: pl.Expr, reason: pl.Expr | str, rule: str | None = None, value: pl.Expr | None = None
    ) -> Rule:
        """A rule; without `rule`, a text reason names it (an expression reason is 'invalid value')."""
        self = super().__new__(cls, (severity, field, condition, reason))
        self.rule = rule if rule is not None else reason if isinstance(reason, str) else "invalid value"
        self.value = value
        return self


def _month_text(index: pl.Expr) -> pl.Expr:
    """A month index (year x 12 + month) as 'YYYY-MM'."""
    import polars as pl

    return pl.format("{}-{}", (index - 1) // 12, ((index - 1) % 12 + 1).cast(pl.String).str.zfill(2))


def _checks(pool: Pool, cut_off: dt.date, cols: set[str]) -> list[_Check]:
    """(severity, column reported, condition that is true on a bad row, reason) for every rule."""
    import polars as pl

    c = pl.col
    E, W = Severity.ERROR, Severity.WARNING
    term_reason = pl.format("{}: expected {}", pl.lit(TERM_RULE), c("months_to_maturity"))
    checks: list[_Check] = [
        (E, "balance", _outside("balance"), "negative scheduled balance"),
        (W, "balance", c("balance") == 0, "zero scheduled balance"),
        (E, "original_balance", _outside("original_balance"), "original balance must be positive"),
        (E, "balance", c("balance") > c("original_balance"), "scheduled balance above original balance"),
        (E, "appraised_value", _outside("appraised_value"), "appraised value must be positive"),
        (E, "appraised_value", c("computed_ltv").abs() == INT64_MAX, f"appraised value too small: the original balance is over {LTV_CAP}% of it"),
        (E, "note_rate", _outside("note_rate"), f"note rate outside {_span('note_rate')}"),
        (W, "note_rate", _outside("note_rate", usual=True), f"unusual note rate (outside {_span('note_rate', usual=True)})"),
        (E, "original_term", _outside("original_term"), f"original term outside {_span('original_term')}"),
        (E, "remaining_term", _outside("remaining_term") | (c("remaining_term") > c("original_term")), "remaining term outside 1 month to the original term"),
        Rule(W, "remaining_term", c("remaining_term") != c("months_to_maturity"), term_reason, TERM_RULE),
        (E, "origination_date", c("origination_date") > cut_off, f"originated after the cut-off date {cut_off}"),
        (E, "maturity_date", c("maturity_date") <= cut_off, f"matures on or before the cut-off date {cut_off}"),
        (E, "maturity_date", c("maturity_date") <= c("origination_date"), "maturity date not after origination date"),
        (E, "ltv", _outside("ltv"), f"LTV outside {_span('ltv')}"),
        (W, "ltv", _outside("effective_ltv", usual=True), f"LTV above {_range('effective_ltv', usual=True).high}%"),
        (E, "units", _outside("units"), f"units outside {_span('units')}"),
        (E, "units", (c("property_type") == "multi_family") & (c("units") < 2), "a 2-4 family dwelling with fewer than 2 units"),
        (W, "units", (c("property_type") != "multi_family") & (c("units") > 1), "several units but not a multi-family dwelling"),
    ]
    if "servicing_fee" in cols:
        fee_wrong = _outside("servicing_fee") | (c("servicing_fee") >= c("note_rate"))
        checks.append((E, "servicing_fee", fee_wrong, "servicing fee negative or not below the note rate"))
    if "ltv" in cols:
        size = c("computed_ltv").cast(pl.Int128).abs()  # the sign apart: -1.500 is not -2 + 0.500
        sign = pl.when(c("computed_ltv") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        ltv = loan_fields.FIELDS["computed_ltv"]
        assert ltv.decimals is not None  # a percent
        computed = pl.format("{}{}.{}", sign, size // ltv.unit, (size % ltv.unit).cast(pl.String).str.zfill(ltv.decimals))
        reason = pl.format("LTV differs from the {}% computed as original balance / appraised value", computed)
        differs = (c("ltv").cast(pl.Int128) - c("computed_ltv")).abs() > 1  # 64 bits could wrap
        checks.append(Rule(W, "ltv", differs, reason, "LTV differs from original balance / appraised value"))
    if "additional_collateral" in cols:
        collateral_wrong = _outside("additional_collateral") | (c("additional_collateral") > c("original_balance"))
        checks.append((E, "additional_collateral", collateral_wrong, "additional collateral negative or above the original balance"))
    if "first_payment_date" in cols:
        first, term = _month_index(c("first_payment_date")), c("original_term")
        maturity_reason = pl.format("{}: expected {}", pl.lit(MATURITY_RULE), _month_text(first + term.cast(pl.Int128) - 1))  # a term near 2**63 would wrap
        checks += [
            (E, "first_payment_date", c("first_payment_date") <= c("origination_date"), "first payment not after origination"),
            Rule(W, "maturity_date", _month_index(c("maturity_date")) - first + 1 != term, maturity_reason, MATURITY_RULE),
        ]
    return checks + _modern_checks(cols)


ARM_PART = "ARM terms given in part"
"""The rule of a loan with some ARM terms and not others, on a tape that does not say which loans are ARMs."""

ARM_FIELDS = tuple(f.name for f in loan_fields.REGISTRY if f.arm)
"""The fields an adjustable-rate loan carries and a fixed-rate loan leaves blank."""


def _modern_checks(cols: set[str]) -> list[_Check]:
    """Checks of the optional credit, ARM and programme fields, each only when the tape maps it."""
    import polars as pl

    c = pl.col
    E, W = Severity.ERROR, Severity.WARNING
    checks: list[_Check] = []
    for name in ("fico", "dti", "cltv", "interest_only_term", "margin", "initial_rate_cap", "periodic_rate_cap", "lifetime_rate_cap",
                 "maximum_rate", "months_to_roll", "loan_age"):  # fmt: skip
        if name in cols:
            label = {"fico": "credit score", "dti": "DTI", "cltv": "CLTV"}.get(name, name.replace("_", " "))
            checks.append((E, name, _outside(name), f"{label} outside {_span(name)}"))
    if "dti" in cols:
        checks.append((W, "dti", _outside("dti", usual=True), f"unusual DTI (outside {_span('dti', usual=True)})"))
    if "cltv" in cols:
        checks.append((E, "cltv", c("cltv") < c("ltv"), "CLTV below the LTV"))
    if "interest_only_term" in cols:
        checks.append((E, "interest_only_term", c("interest_only_term") > c("original_term"), "interest-only term longer than the original term"))
    if "maximum_rate" in cols:
        checks.append((E, "maximum_rate", c("maximum_rate") < c("note_rate"), "maximum rate below the note rate"))
    if "months_to_roll" in cols:
        checks.append((E, "months_to_roll", c("months_to_roll") > c("remaining_term"), "months to roll beyond the remaining term"))
    if "loan_age" in cols:
        checks.append((E, "loan_age", c("loan_age") > c("original_term"), "loan age longer than the original term"))
    arms = [name for name in ARM_FIELDS if name in cols]
    for name in arms if "amortization" in cols else ():  # without it, the tape does not say which loans are ARMs
        arm = c("amortization") == "arm"
        checks.append((E, name, arm & c(_raw(name)).is_null(), f"ARM without {name.replace('_', ' ')}"))
        checks.append((E, name, (c("amortization") == "fixed") & c(_raw(name)).is_not_null(), f"{name.replace('_', ' ')} on a fixed-rate loan"))
    if "amortization" not in cols and len(arms) > 1:  # the ARM terms can still be checked against one another
        given = [c(_raw(name)).is_not_null() for name in arms]
        blank = pl.concat_str([pl.when(~g).then(pl.lit(name)) for g, name in zip(given, arms, strict=True)], separator=", ", ignore_nulls=True)
        rule = f"{ARM_PART}: an ARM missing some, or a fixed-rate loan with stray ones? (map amortization to check them by loan type)"
        reason = pl.format("{}: {} blank; an ARM missing them, or a fixed-rate loan with stray ARM terms? (map amortization to check them by loan type)",
                           pl.lit(ARM_PART), blank)  # fmt: skip
        checks.append(Rule(W, arms[0], pl.any_horizontal(given) & ~pl.all_horizontal(given), reason, rule))
    return checks


def _problem_schema() -> pl.Schema:
    import polars as pl

    return pl.Schema({"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String, "severity": pl.String, "rule": pl.String})


def _fields(raw: pl.DataFrame) -> list[str]:
    """The canonical fields of a raw frame (its other columns start with '_')."""
    return [name for name in raw.columns if not name.startswith("_")]


def _raw(field: str) -> str:
    """The name of a field's tape text beside the parsed loans: '_raw_fico'.

    It starts with '_', which no field's name does (a custom field may be called 'raw_balance').
    """
    return f"_raw_{field}"


def _bad_value_reason(text: pl.Expr, base: str, slip: pl.Expr | None = None) -> pl.Expr:
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


CONTROL = r"[\p{Cc}\p{Cf}]"
"""Control and invisible format characters (NUL, escapes, zero-width spaces): never part of a tape's value."""


def _missing(field: str, spec: LoanField) -> str:
    """A blank cell where a value is required, and what to do: fill it in, or (a custom field) declare what a blank means."""
    if field in loan_fields.FIELDS:
        return "missing value: every loan needs one: fill it in on the tape"
    instead = "blank: not_available or blank: zero" if spec.numeric else "blank: not_available"
    return f"missing value: fill it in on the tape, or declare {instead} on custom field {field} in the deal file"


def _rules(raw: pl.DataFrame, pool: Pool, cut_off: dt.date) -> list[Rule]:
    """Every rule as (severity, field reported, condition true on a bad row, reason) over the raw (`_raw`) and loan columns."""
    import polars as pl

    rules: list[Rule] = []
    fields, registry = _fields(raw), pool.registry
    for field in fields:
        text, value = pl.col(_raw(field)), pl.col(field)
        spec = registry[field]
        if spec.may_be_blank:  # a value not available: counted per field, never an error
            blank = f"{field.replace('_', ' ')} blank (not available)"
            rules.append(Rule(Severity.WARNING, field, text.is_null(), blank))
        elif spec.arm:  # blank exactly on fixed-rate loans: `_checks` compares it with `amortization`
            pass
        elif not spec.blank_means_zero:
            rules.append(Rule(Severity.ERROR, field, text.is_null(), _missing(field, spec)))
        if spec.kind is Kind.TEXT:
            rules.append(Rule(Severity.ERROR, field, text.str.contains(CONTROL), "control character in the value (a corrupted cell?)"))
        else:
            base = _unparseable_reason(field, spec, pool)
            slip = None if spec.decimals is None else cells.number_slip(text, spec.decimals, spec.kind is Kind.MONEY)
            rules.append(Rule(Severity.ERROR, field, text.is_not_null() & value.is_null(), _bad_value_reason(text, base, slip), base))
        if field not in loan_fields.FIELDS and spec.numeric and spec.plausible is not None:  # a custom field's range (canonical ones: `_checks`)
            rules.append(Rule(Severity.ERROR, field, _outside(field, field=spec), f"{field.replace('_', ' ')} outside {spec.plausible.words(spec.kind)}"))
    for check in _checks(pool, cut_off, set(fields)):
        severity, field, condition, reason = check
        field = field if field in fields else "original_balance"
        name, shown = (check.rule, check.value) if isinstance(check, Rule) else (None, None)
        rules.append(Rule(severity, field, condition, reason, name, shown))
    first = pl.col("_first_row")  # computed over the whole tape before any filter
    duplicate = pl.col(_raw("loan_number")).is_not_null() & (pl.col("_row") != first)
    rules.append(Rule(Severity.ERROR, "loan_number", duplicate, pl.format("duplicate loan number (first on row {})", first), "duplicate loan number"))
    if "_zip_given" in raw.columns:
        padded = pl.format("ZIP stored as a number without its leading zeros: read as {}", pl.col(_raw("zip")))
        given = pl.col(_raw("_zip_given"))
        rules.append(Rule(Severity.WARNING, "zip", given.is_not_null(), padded, "ZIP stored as a number: zero-padded to 5 digits", given))
    if (native := [f for f in fields if _native(f) in raw.columns]) and "date_format" in pool.tape_options.model_fields_set:
        dated = pl.any_horizontal(pl.col(_native(f)).is_not_null() for f in native)
        rows = raw.select(dated.sum()).item()
        unused = (
            f"the date cells of {rows} row{'s' * (rows != 1)} are already dates and are read as such: tape_options.date_format "
            f"({pool.tape_options.date_format}) is only for dates written as text; remove it from the deal file unless some dates are text"
        )  # one warning, on the first such row: a fact about the tape, not about each loan
        first = pl.any_horizontal(pl.col(_raw(_native(f))).is_not_null() for f in native)
        rules.append(Rule(Severity.WARNING, native[0], first & (first.cast(pl.Int64).cum_sum() == 1), unused))
    return rules


def validate(raw: pl.DataFrame, pool: Pool, cut_off: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse and check every row; returns the canonical loans and a frame of problems, ordered by row.

    All rules are first counted in one parallel pass; only rules that some row breaks are
    filtered for, so a clean million-loan tape costs one scan. The side-by-side frame of text
    and values is rechunked once: its columns' chunks do not line up, and polars would
    otherwise realign them on every query (a fifth of a second each on a million loans).
    """
    import polars as pl

    loans = _derive(_parse(raw, pool), pool, cut_off)
    first_row = raw.select(_first_row=pl.col("_row").min().over("loan_number"))  # over the whole tape, before any filter
    work = pl.concat([raw.drop("_row").rename(_raw), loans, first_row], how="horizontal").rechunk()
    rules = _rules(raw, pool, cut_off)
    counts = work.select(cond.fill_null(False).sum().alias(str(i)) for i, (_, _, cond, _) in enumerate(rules)).row(0)
    headers = pool.headers()
    frames = [
        work.filter(rule[2].fill_null(False)).select(
            pl.col("_row").alias("row"),
            pl.lit(headers[rule[1]]).alias("column"),
            (rule.value if rule.value is not None else pl.col(_raw(rule[1]))).alias("value"),
            (rule[3] if isinstance(rule[3], pl.Expr) else pl.lit(rule[3])).alias("message"),
            pl.lit(rule[0].value).alias("severity"),
            pl.lit(rule.rule or (rule[3] if isinstance(rule[3], str) else "invalid value")).alias("rule"),
        )
        for rule, count in zip(rules, counts, strict=True)
        if count
    ]
    schema = _problem_schema()
    problems = pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)
    order = {h: i for i, h in enumerate(v for v in headers.values() if v)}
    problems = problems.with_columns(_order=pl.col("column").replace_strict(order, default=len(order), return_dtype=pl.Int64))
    return loans, problems.sort("row", "_order", maintain_order=True).drop("_order")


def _unparseable_reason(field: str, spec: LoanField, pool: Pool) -> str:
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
    raw = read_raw(path, pool, column_problem)
    if raw.height == 0:  # validate, render and strats agree: a pool needs loans
        raise TapeError([Problem(str(path), None, None, None, "the tape has no loans (only a header)")])
    loans, problems = validate(raw, pool, cut_off)
    return TapeReport(path, loans, problems)
