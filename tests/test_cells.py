"""The tape's cell grammar: each cell's verdict is its own (not its column's), and equals a plain-Python reference.

The reference below is written from README.md's table ("What a tape cell may hold"), not from
`generator.pool.cells`: step by step in Python, with `int` and `datetime.date`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import Severity, TapeReport, load_deal, load_tape
from generator.pool import cells

from .helpers import EXAMPLE

# --- the reference ---------------------------------------------------------------------------

DIGITS = re.compile("[0-9]+")  # ASCII digits only (Python's \d and str.isdigit take any script's)


def reference_number(text: str, decimals: int, money: bool) -> int | None:
    """The README's number grammar, step by step: the value in units of 10**-decimals, or None when refused."""
    body = text.removeprefix("-")
    sign = -1 if body != text else 1
    if money:
        body = body.removeprefix("$")
    whole, point, fraction = body.partition(".")
    if point and not DIGITS.fullmatch(fraction):
        return None  # '5.' and '5.x' alike
    groups = whole.split(",") if money else [whole]
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return None
    digits = "".join(groups)
    if not DIGITS.fullmatch(digits) or (len(digits) > 1 and digits[0] == "0"):
        return None
    if len(digits) > min(15, 18 - decimals):
        return None
    kept, dropped = fraction[:decimals], fraction[decimals:]
    if dropped.strip("0"):
        return None  # only zeros past the field's decimals
    return sign * int(digits + kept.ljust(decimals, "0"))


REFERENCE_DATES = {  # each format's fields in order, as it writes them: (pattern, order of year, month, day)
    "%Y-%m-%d": (r"([0-9]{4})-([0-9]{2})-([0-9]{2})", "ymd"),
    "%m/%d/%Y": (r"([0-9]{2})/([0-9]{2})/([0-9]{4})", "mdy"),
    "%-m/%-d/%Y": (r"([1-9][0-9]?)/([1-9][0-9]?)/([0-9]{4})", "mdy"),
    "%Y%m%d": (r"([0-9]{4})([0-9]{2})([0-9]{2})", "ymd"),
    "%d %b %Y": None,  # a month's name: written back with Python's own strftime
}


def reference_date(text: str, date_format: str) -> dt.date | None:
    """The README's date grammar: exactly as the format writes a real date, a midnight time allowed after it."""
    text = re.sub(r"[ T]00:00(:00(\.0+)?)?$", "", text)
    known = REFERENCE_DATES[date_format]
    if known is None:
        try:
            day = dt.datetime.strptime(text, date_format).date()
        except ValueError:
            return None
        return day if day.strftime(date_format) == text else None
    pattern, order = known
    match = re.fullmatch(pattern, text)
    if match is None:
        return None
    parts = dict(zip(order, map(int, match.groups()), strict=True))
    try:
        return dt.date(parts["y"], parts["m"], parts["d"])
    except ValueError:
        return None


# --- cells: near misses of the grammar as well as its forms -----------------------------------

SIGNS = ["", "", "-", "+", "$", "-$", "$-", " ", "\r"]
WHOLES = ["0", "5", "360", "05", "0005", "1,234", "12,34", "1,234,567", "123456789012345", "1234567890123456", "1234567890123456789", "", "١٢", "1_0"]
FRACTIONS = ["", "", ".", ".5", ".25", ".250", ".2500", ".251", ".875", ".0", ".000000", ".1234567", ".x"]
ENDS = ["", "", "", " ", "\r", "\n", "%", "e5", "$"]

numbers_text = st.one_of(
    st.builds(lambda *p: "".join(p), st.sampled_from(SIGNS), st.sampled_from(WHOLES), st.sampled_from(FRACTIONS), st.sampled_from(ENDS)),
    st.text(alphabet="0123456789.,$+- \r", max_size=12),
    st.text(max_size=8),  # any character: other scripts' digits, spaces, controls
)
NEIGHBOURS = ["$1,234.50", "360.0", "1234567890123456789", "6.875", "12", "abc", None]  # each sends its column down another path


def column(values: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"x": values}, schema={"x": pl.String})


KINDS = [(2, True), (2, False), (3, False), (0, False), (6, False)]  # money, a 2-decimal percent, a percent, a whole number, a 6-decimal percent


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), cell=numbers_text, others=st.lists(st.sampled_from(NEIGHBOURS) | numbers_text, max_size=4), at=st.integers(0, 4))
def test_a_number_cell_reads_the_same_alone_and_among_others_as_the_reference(
    kind: tuple[int, bool], cell: str, others: list[str | None], at: int
) -> None:
    at = min(at, len(others))
    spec = {"x": kind}
    alone = cells.numbers(column([cell]), spec)["x"][0]
    among = cells.numbers(column([*others[:at], cell, *others[at:]]), spec)["x"][at]
    assert alone == among == reference_number(cell, *kind), (cell, others)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ((2, True), "$1,234,567.50", 123456750), ((2, True), "-$5", -500), ((2, True), "1234.5000", 123450), ((2, True), "0.05", 5),
        ((2, True), "999,999,999,999,999.99", 99999999999999999), ((3, False), "6.875", 6875), ((3, False), "-0.125", -125),
        ((0, False), "360.0", 360), ((0, False), "-0", 0), ((6, False), "123456789012.123456", 123456789012123456),
    ],
)  # fmt: skip
def test_forms_the_grammar_accepts(kind: tuple[int, bool], text: str, value: int) -> None:
    assert cells.numbers(column([text]), {"x": kind})["x"][0] == value == reference_number(text, *kind)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ((3, False), "$1"), ((0, False), "$1"), ((0, False), "1,234"), ((3, False), "+5"), ((3, False), "5."), ((3, False), "0005.25"),
        ((2, True), "$-5"), ((2, True), "1$23"), ((2, True), ".5"), ((2, True), "12,34"), ((3, False), "6.875\r"), ((3, False), "6.875%"),
        ((0, False), "1234567890123456"), ((6, False), "1234567890123.5"), ((2, True), "1.005"),
    ],
)  # fmt: skip
def test_forms_the_grammar_refuses(kind: tuple[int, bool], text: str) -> None:
    assert cells.numbers(column([text]), {"x": kind})["x"][0] is None is reference_number(text, *kind)


dates_text = st.one_of(
    st.builds(
        lambda y, m, d, sep, tail: f"{y}{sep}{m}{sep}{d}{tail}",
        st.sampled_from(["2002", "+2002", "02", "1899", " 2002"]),
        st.sampled_from(["07", "7", "13", "02", " 7"]),
        st.sampled_from(["22", "30", "1", "01", "31"]),
        st.sampled_from(["-", "/", ""]),
        st.sampled_from(["", "", " 00:00:00", "T00:00", " 00:00:00.000", " 12:00:00", " 00:00:00 00:00:00", "\r"]),
    ),
    st.builds(
        lambda m, d, y, tail: f"{m}/{d}/{y}{tail}",
        st.sampled_from(["07", "7", "13", "12"]),
        st.sampled_from(["22", "2", "02", "31"]),
        st.sampled_from(["2002", "02"]),
        st.sampled_from(["", " 00:00", ":"]),
    ),
    st.builds(lambda d, m, y: f"{d} {m} {y}", st.sampled_from(["07", "7", "31"]), st.sampled_from(["Jul", "JUL", "Feb", "July"]), st.just("2002")),
    st.text(alphabet="0123456789-/: T", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(
    date_format=st.sampled_from(list(REFERENCE_DATES)),
    cell=dates_text,
    others=st.lists(st.sampled_from(["2002-07-22 00:00:00", "07/22/2002", "x", None]) | dates_text, max_size=4),
    at=st.integers(0, 4),
)
def test_a_date_cell_reads_the_same_alone_and_among_others_as_the_reference(date_format: str, cell: str, others: list[str | None], at: int) -> None:
    at = min(at, len(others))

    def read(values: list[str | None]) -> pl.Series:
        frame = column(values)
        return frame.select(cells.dates(frame, "x", date_format))["x"]

    assert read([cell])[0] == read([*others[:at], cell, *others[at:]])[at] == reference_date(cell, date_format), (cell, others)


# --- through the tape, in each format -------------------------------------------------------

DEAL = load_deal(EXAMPLE / "deal.yaml")
TERMS = DEAL.deal.term_sheet
ROWS = list(csv.reader((EXAMPLE / "loans.csv").open()))[:4]  # the header and three loans
HEADERS = ROWS[0]
E = Severity.ERROR
BASES = ("not a number", "not a whole number", "not a date")


def tape(folder: Path, suffix: str, cells_at: dict[tuple[int, str], str]) -> Path:
    """The three-loan tape with cells set, keyed by (row of the sheet or line of the CSV, header), every cell a string."""
    rows = [list(r) for r in ROWS]
    for (line, header), value in cells_at.items():
        rows[line - 1][HEADERS.index(header)] = value
    path = folder / f"t{suffix}"
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    elif suffix == ".xlsx":
        book = xlsxwriter.Workbook(path)
        sheet = book.add_worksheet()
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                sheet.write_string(i, j, value)  # a text cell, whatever it looks like
        book.close()
    else:
        pl.DataFrame(rows[1:], schema=HEADERS, orient="row").write_parquet(path)
    return path


def unreadable(report: TapeReport) -> set[tuple[int, str]]:
    """Where the tape has a cell its grammar refuses (range checks and other rules apart), as lines of the CSV (sheet rows)."""
    record = report.path.suffix == ".parquet"  # a Parquet tape's rows are record numbers, one less
    return {(p.line + record, p.column) for p in report.listed(E, 1000) if p.message.startswith(BASES)}


ISSUE_CELLS = [  # (column, text, read?): the forms issue 16 found read, and their right neighbours
    ("NOTE_RATE", "$1", False), ("UNITS", "$1", False), ("NOTE_RATE", "6.875\r", False), ("UNITS", "+5", False), ("NOTE_RATE", "5.", False),
    ("NOTE_RATE", "0005.25", False), ("ORIG_DATE", "2002-7-22", False), ("ORIG_DATE", "+2002-07-22", False), ("UNITS", "1234567890123456", False),
    ("SCHED_BAL", "$391,202.74", True), ("SCHED_BAL", " 391202.74 ", True), ("NOTE_RATE", "6.2500", True), ("ORIG_TERM", "360.0", True),
    ("ORIG_DATE", "2002-07-22 00:00:00", True),
]  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
@pytest.mark.parametrize(("header", "text", "read"), ISSUE_CELLS)
def test_each_format_reads_a_text_cell_by_the_grammar(tmp_path: Path, suffix: str, header: str, text: str, read: bool) -> None:
    report = load_tape(tape(tmp_path, suffix, {(3, header): text}), TERMS.pool, TERMS.cut_off_date)
    assert unreadable(report) == (set() if read else {(3, header)})
    if not read:
        assert [p.value for p in report.listed(E) if p.column == header] == [text]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_long_integer_is_refused_whatever_its_column_holds(tmp_path: Path, suffix: str) -> None:
    """A 16-digit whole number was read beside plain terms and refused beside a '360.0'."""
    long = {(2, "ORIG_TERM"): "1234567890123456"}
    for cells_at in (long, {**long, (3, "ORIG_TERM"): "360.0"}):
        assert (2, "ORIG_TERM") in unreadable(load_tape(tape(tmp_path, suffix, cells_at), TERMS.pool, TERMS.cut_off_date))


@pytest.mark.parametrize(
    ("header", "text", "words"),
    [
        ("NOTE_RATE", "$6.875", "$ and thousands separators only in money columns"), ("UNITS", "+1", "no + sign"),
        ("NOTE_RATE", "06.875", "no leading zeros"), ("SCHED_BAL", "391202.", "a point needs digits after it"),
        ("SCHED_BAL", "1234567890123456", "more than 15 digits before the point"), ("SCHED_BAL", "$-5", "write a negative amount as -$5"),
    ],
)  # fmt: skip
def test_the_message_says_what_is_wrong_with_a_number(tmp_path: Path, header: str, text: str, words: str) -> None:
    (problem,) = [p for p in load_tape(tape(tmp_path, ".csv", {(2, header): text}), TERMS.pool, TERMS.cut_off_date).listed(E) if p.column == header]
    assert (problem.line, problem.value) == (2, text) and problem.message.startswith(BASES) and words in problem.message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=numbers_text, pad=st.sampled_from(["", " ", "\t", "  "]), neighbour=st.sampled_from(["$1,234.50", "1234567890123456789", "abc"]))
def test_a_csv_cell_reads_as_the_reference_alone_and_beside_another(tmp_path: Path, cell: str, pad: str, neighbour: str) -> None:
    """Through the whole reader: spaces and tabs around a cell are dropped, then the grammar decides, whatever row 2 holds."""
    text = pad + cell + pad
    if not text.strip(" \t"):
        return  # a blank cell is a missing value, another rule
    verdicts = [
        (3, "APPRAISED_VALUE") in unreadable(load_tape(tape(tmp_path, ".csv", cells_at), TERMS.pool, TERMS.cut_off_date))
        for cells_at in ({(3, "APPRAISED_VALUE"): text}, {(3, "APPRAISED_VALUE"): text, (2, "APPRAISED_VALUE"): neighbour})
    ]
    assert verdicts[0] == verdicts[1] == (reference_number(text.strip(" \t"), 2, True) is None), text
