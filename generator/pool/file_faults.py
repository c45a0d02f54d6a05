"""What is wrong with a tape file that cannot be read as its format: its kind by its first bytes, and a CSV's broken records by line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import Problem

if TYPE_CHECKING:
    import polars as pl

SHOWN_PROBLEMS = 50
"""The most problems listed at once (a million would drown the reader); the total is given beside them."""

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


def format_problem(path: Path, suffix: str) -> Problem | None:
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


def csv_record_problems(path: Path, limit: int = SHOWN_PROBLEMS) -> list[Problem]:
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


def lines_in(path: Path) -> int:
    """Lines in the file: its newlines, plus one for a last line without a newline."""
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def has_quote(path: Path) -> bool:
    """Whether the file holds a double quote anywhere: without one no CSV value spans lines, so records are lines.

    A memory-mapped search: a quarter of the time of counting the file's newlines.
    """
    import mmap

    with path.open("rb") as handle:
        if not path.stat().st_size:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return mapped.find(b'"') >= 0


def cut_off_last_record(path: Path, frame: pl.DataFrame) -> Problem | None:
    """The last record of a CSV when it has fewer fields than the header (a file cut off mid-row).

    Only the file's tail is read: the last record is its last lines, as many as the newlines
    inside the last row's values plus one; the whole file's newlines are counted only to
    place a record found cut off.
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
    record = b"\n".join(record_lines).decode("utf-8", "replace").removesuffix("\r")
    if not record.strip(" \t\r\n,"):
        return None  # a line of spaces or commas is a blank row
    fields, open_quote = _fields_in(record)
    if not open_quote and fields >= len(frame.columns):
        return None
    line = lines_in(path) - max(trailing - 1, 0) - inside  # the count includes the newline ending the last record
    if open_quote:
        return Problem(str(path), line, None, None, "cannot read tape: the last record has a quote that is never closed: the file looks cut off")
    return Problem(
        str(path), line, None, None,
        f"cannot read tape: the last record has only {fields} of the header's {len(frame.columns)} fields: the file looks cut off (re-export it)",
    )  # fmt: skip


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
