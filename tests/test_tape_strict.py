"""Strict tape reading: every corrupted cell, cut-off or mislabelled file is reported with its place, never accepted."""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import (
    DealdocsError,
    Severity,
    TapeReport,
    analyse,
    load_deal,
    load_tape,
)
from generator.cli import app

from .helpers import EXAMPLE, runner

DEAL = load_deal(EXAMPLE / "deal.yaml")
TERMS = DEAL.deal.term_sheet
ROWS = list(csv.reader((EXAMPLE / "loans.csv").open()))
HEADERS = ROWS[0]
E, W = Severity.ERROR, Severity.WARNING


def read(path: Path) -> TapeReport:
    return load_tape(path, TERMS.pool, TERMS.cut_off_date)


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def corrupt(folder: Path, changes: dict[tuple[int, str], str], rows: list[list[str]] = ROWS, name: str = "bad.csv") -> Path:
    """A copy of the tape with cells replaced; keys are (CSV line number, header)."""
    copy = [list(r) for r in rows]
    for (line, header), value in changes.items():
        copy[line - 1][HEADERS.index(header)] = value
    return write_rows(folder / name, copy)


def errors_at(report: TapeReport) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in report.listed(E, 10_000)]


def typed() -> pl.DataFrame:
    return pl.read_csv(EXAMPLE / "loans.csv", schema_overrides={"LOAN_NO": pl.String, "ZIP": pl.String}, try_parse_dates=True)


# --- every cell is parsed strictly ----------------------------------------------------------

CORRUPTED = [
    "abc", "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "1" + "0" * 400, "😀", "１２.００", "١٢.٠٠",
    "1\x002", "\x01", "12\x0b", "12\x1b[0m", "1\u200b2", "1_000", "0x10", "12.3.4",
]  # fmt: skip


@pytest.mark.parametrize("value", CORRUPTED)
def test_corrupted_additional_collateral_is_an_error_not_zero(tmp_path: Path, value: str) -> None:
    report = read(corrupt(tmp_path, {(2, "ADDL_COLLATERAL"): value}))
    assert errors_at(report) == [(2, "ADDL_COLLATERAL")]
    (problem,) = report.listed(E)
    assert problem.value == value and problem.message.startswith("not a number with at most 2 decimals")


def test_blank_additional_collateral_is_still_zero(tmp_path: Path) -> None:
    report = read(corrupt(tmp_path, {(2, "ADDL_COLLATERAL"): "", (3, "ADDL_COLLATERAL"): "  "}))
    assert report.problems.height == 0 and report.loans["additional_collateral"].head(2).to_list() == [0, 0]


@pytest.mark.parametrize(("value", "why"), [("NaN", "not a finite number"), ("-inf", "not a finite number"), ("6.2\x00", "control character")])
def test_the_reason_says_what_is_wrong_with_the_value(tmp_path: Path, value: str, why: str) -> None:
    (problem,) = read(corrupt(tmp_path, {(2, "NOTE_RATE"): value})).listed(E)
    assert problem.message.startswith("not a number with at most 3 decimals") and why in problem.message


STRICT_COLUMNS = [h for h in HEADERS if h != "LOAN_NO"]  # every numeric, date, code, state and ZIP column
SMALL = ROWS[:4]  # the header and three loans: a tape small enough to write for every example
BAD_CHARACTERS = ["\x00", "\x01", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\u200b", "\ufeff", "\n", "\r", "٣", "３", "߃", "😀", "ı"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.sampled_from(STRICT_COLUMNS),
    character=st.sampled_from(BAD_CHARACTERS),
    where=st.floats(0, 1),
    replace=st.booleans(),
)
def test_any_corrupted_cell_is_reported_at_its_row_and_column(tmp_path: Path, header: str, character: str, where: float, replace: bool) -> None:
    """A control character, an invisible one or a digit of another script in any cell: an error there, nothing else."""
    cell = SMALL[2][HEADERS.index(header)]
    at = round(where * len(cell))
    value = character if replace else cell[:at] + character + cell[at:]
    report = read(corrupt(tmp_path, {(3, header): value}, SMALL, name=f"h{HEADERS.index(header)}.csv"))
    assert (3, header) in errors_at(report), (header, value, report.problems.rows())
    assert all(line == 3 for line, _ in errors_at(report))


@pytest.mark.parametrize("value", ["0014341972\x00", "\x1b[2J0014341972", "00143\u200b41972"])
def test_control_characters_in_a_loan_number_are_errors(tmp_path: Path, value: str) -> None:
    report = read(corrupt(tmp_path, {(3, "LOAN_NO"): value}))
    assert errors_at(report) == [(3, "LOAN_NO")]


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["\n2002-07-22", "2002-\x0b07-22", "2002-07-\x8522", "2002-07-\xa022"])
def test_the_date_parser_does_not_skip_control_characters(tmp_path: Path, value: str) -> None:
    """The date parser skips any whitespace before a number; a newline or vertical tab in a date is corruption."""
    assert errors_at(read(corrupt(tmp_path, {(2, "ORIG_DATE"): value}))) == [(2, "ORIG_DATE")]


@pytest.mark.parametrize("value", ["0000-01-01", "-001-01-01", "1899-12-31", "2101-01-01", "+12345-01-01"])
def test_dates_outside_1900_to_2100_are_errors(tmp_path: Path, value: str) -> None:
    report = read(corrupt(tmp_path, {(2, "ORIG_DATE"): value}))
    assert errors_at(report) == [(2, "ORIG_DATE")]
    assert "from 1900-01-01 to 2100-12-31" in report.listed(E)[0].message


def test_a_year_zero_date_stops_render_with_a_message(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(2, "ORIG_DATE"): "0000-01-01"})
    result = runner.invoke(app, ["render", str(EXAMPLE / "deal.yaml"), "--tape", str(path), "--out", str(tmp_path / "out"), "--format", "txt"])
    assert (result.exit_code == 2 and result.exception is None) or isinstance(result.exception, SystemExit)
    assert "bad.csv:2 [ORIG_DATE]: error: not a date" in result.output and "Traceback" not in result.output


# --- state codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["l", "ıl", "İL", "ＩＬ", "I L", "ILL"])
def test_state_codes_are_two_ascii_letters(tmp_path: Path, value: str) -> None:
    assert errors_at(read(corrupt(tmp_path, {(3, "STATE"): value}))) == [(3, "STATE")]


@pytest.mark.parametrize("value", ["il", "Il", "iL"])
def test_ascii_state_codes_in_any_case(tmp_path: Path, value: str) -> None:
    report = read(corrupt(tmp_path, {(3, "STATE"): value}))
    assert report.problems.height == 0 and report.loans["state"][1] == "IL"


# --- CSV structure -------------------------------------------------------------------------


def example_text() -> str:
    return (EXAMPLE / "loans.csv").read_text()


def cannot_read(path: Path) -> list:
    with pytest.raises(DealdocsError) as info:
        read(path)
    return info.value.problems


@pytest.mark.parametrize("cut", [6, 30, 80])  # 6: ",0.00\n" gone, the last field missing
def test_a_csv_cut_off_in_its_last_row_is_reported_at_that_line(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(example_text()[:-cut])
    (problem,) = cannot_read(path)
    assert problem.line == 876 and "cut off" in problem.message


def test_a_csv_cut_off_inside_a_quote_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(example_text() + '0099999999,"391202')
    (problem,) = cannot_read(path)
    assert problem.line == 877 and "never closed" in problem.message


@pytest.mark.parametrize("ending", ["", "\n\n", "\n   \n", "\n,,,\r\n", "\n" + "," * 20])
def test_a_complete_last_row_is_fine(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "whole.csv"
    path.write_text(example_text().rstrip("\n") + ending)
    report = read(path)
    assert report.problems.height == 0 and report.loans.height == 875


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ("0014341972,", '"0014341972,', 3, "never closed"),
    ("0014341972,", '00143"41972,', 3, "stray quote"),
    ("0014341972,", "0014341972,extra,", 3, "22 fields, but the header has 21"),
])  # fmt: skip
def test_quote_and_field_errors_name_their_line(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(example_text().replace(old, new, 1))
    problems = cannot_read(path)
    assert (problems[0].line, problems[0].file) == (line, str(path)) and words in problems[0].message


def test_duplicate_headers_are_an_error_naming_both_columns(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(example_text().replace("PMI,", "SCHED_BAL,", 1))
    (problem,) = cannot_read(path)
    assert problem.column == "SCHED_BAL" and "columns 2 and 20" in problem.message


def test_duplicate_headers_in_a_workbook(tmp_path: Path) -> None:
    frame = pl.read_csv(EXAMPLE / "loans.csv", infer_schema=False)
    frame.with_columns(pl.lit("1").alias("X")).rename({"X": "ZIP "}).write_excel(tmp_path / "dup.xlsx")
    (problem,) = cannot_read(tmp_path / "dup.xlsx")
    assert problem.column == "ZIP" and "columns 17 and 22" in problem.message


# --- Parquet and XLSX numbers ----------------------------------------------------------------


def test_a_float16_balance_is_refused_naming_the_column_and_the_fix(tmp_path: Path) -> None:
    typed().with_columns(pl.col("SCHED_BAL").cast(pl.Float16)).write_parquet(tmp_path / "f16.parquet")
    (problem,) = cannot_read(tmp_path / "f16.parquet")
    assert problem.column == "SCHED_BAL" and "float16" in problem.message and "float64" in problem.message


def test_a_float32_balance_that_cannot_hold_cents_is_refused(tmp_path: Path) -> None:
    """391202.74 as a float32 is 391202.75: refused, never read as a cent more."""
    typed().with_columns(pl.col("SCHED_BAL").cast(pl.Float32)).write_parquet(tmp_path / "f32.parquet")
    report = read(tmp_path / "f32.parquet")
    assert (1, "SCHED_BAL") in errors_at(report)
    assert "float32 cannot hold this value exactly" in report.listed(E)[0].message


def test_float64_values_that_are_not_their_decimal_are_refused(tmp_path: Path) -> None:
    typed().with_columns(pl.col("SCHED_BAL") + 0.1 + 0.2 - 0.3).write_parquet(tmp_path / "noise.parquet")
    report = read(tmp_path / "noise.parquet")
    assert report.count(E) > 0 and all(column == "SCHED_BAL" for _, column in errors_at(report))


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_integer_zips_are_zero_padded_with_one_grouped_warning(tmp_path: Path, suffix: str) -> None:
    frame = typed().with_columns(pl.col("ZIP").cast(pl.Int64))
    path = tmp_path / f"zip.{suffix}"
    frame.write_parquet(path) if suffix == "parquet" else frame.write_excel(path)
    report = read(path)
    assert report.count(E) == 0
    assert report.loans["zip"].to_list() == [row[HEADERS.index("ZIP")] for row in ROWS[1:]]
    (group,) = report.grouped(W)
    short = sum(1 for row in ROWS[1:] if row[HEADERS.index("ZIP")].startswith("0"))
    assert group.column == "ZIP" and group.count == short > 5 and len(group.first) == 5
    assert group.first[0].value == "4068" and "read as 04068" in group.first[0].message


def test_a_csv_zip_without_its_zero_is_still_an_error(tmp_path: Path) -> None:
    assert errors_at(read(corrupt(tmp_path, {(2, "ZIP"): "4068"}))) == [(2, "ZIP")]


# --- files that are not what they claim --------------------------------------------------------


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


RANDOM = random.Random(8).randbytes(5000)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4


@pytest.mark.parametrize(("name", "content", "words"), [
    ("loans.csv", PDF, "not a CSV file: it looks like a PDF document"),
    ("loans.parquet", (EXAMPLE / "loans.csv").read_bytes(), "not a Parquet file: it looks like text"),
    ("loans.xlsx", _zip_without_workbook(), "not an XLSX workbook: it looks like a ZIP archive without a workbook"),
    ("loans.csv", RANDOM, "not a CSV file"),
    ("loans.parquet", RANDOM, "not a Parquet file"),
    ("loans.xlsx", RANDOM, "not an XLSX workbook"),
])  # fmt: skip
def test_files_that_are_not_their_format_are_clear_errors(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    (tmp_path / name).write_bytes(content)
    (problem,) = cannot_read(tmp_path / name)
    assert problem.message == f"cannot read tape: {words}" or problem.message.startswith(f"cannot read tape: {words}")


def _dealdocs(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([Path(sys.executable).parent / "dealdocs", *map(str, args)], capture_output=True, text=True, timeout=120, check=False)


def test_a_parquet_date_out_of_range_is_a_message_without_panic_text(tmp_path: Path) -> None:
    days = pl.Series([2**31 - 1] + [-100_000_000] * 874, dtype=pl.Int32).cast(pl.Date)
    typed().with_columns(days.alias("ORIG_DATE")).write_parquet(tmp_path / "dates.parquet")
    result = _dealdocs("validate", EXAMPLE / "deal.yaml", "--tape", tmp_path / "dates.parquet")
    assert result.returncode == 2
    assert "panic" not in result.stderr.lower() and "Traceback" not in result.stderr
    assert "dates.parquet:1 [ORIG_DATE]: error: not a date in the form %Y-%m-%d from 1900-01-01 to 2100-12-31" in result.stderr


def test_a_damaged_parquet_file_is_a_message_without_panic_text(tmp_path: Path) -> None:
    import struct

    pl.read_csv(EXAMPLE / "loans.csv", infer_schema=False).write_parquet(tmp_path / "good.parquet")
    data = (tmp_path / "good.parquet").read_bytes()
    footer = struct.unpack("<I", data[-8:-4])[0] + 8
    (tmp_path / "bad.parquet").write_bytes(data[:4] + data[-footer:])  # the footer points past the data
    result = _dealdocs("validate", EXAMPLE / "deal.yaml", "--tape", tmp_path / "bad.parquet")
    assert result.returncode == 2 and "cannot read tape" in result.stderr
    assert "panic" not in result.stderr.lower() and "Traceback" not in result.stderr


# --- the column mapping ------------------------------------------------------------------------


def test_a_mapped_header_the_tape_lacks_is_reported_at_the_deal_file_line(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    text = deal.read_text().replace("zip: ZIP", "zip: ZIP_CODE")
    deal.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "zip: ZIP_CODE" in row)
    with pytest.raises(DealdocsError) as info:
        analyse(load_deal(deal))
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == (str(deal), line, "term_sheet.pool.columns.zip", "ZIP_CODE")
    assert "did you mean 'ZIP'?" in problem.message and "LOAN_NO, SCHED_BAL" in problem.message
    result = runner.invoke(app, ["validate", str(deal)])
    assert result.exit_code == 2 and f"deal.yaml:{line} [term_sheet.pool.columns.zip]: error:" in result.output


# --- warnings, grouped, in every command ----------------------------------------------------------


def _warning_block(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("warnings"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def test_warnings_are_grouped_by_rule_with_expected_values_in_every_command(tmp_path: Path) -> None:
    at = HEADERS.index("REM_TERM")
    rows = [list(r) for r in ROWS]
    for row in rows[1:]:
        row[at] = str(int(row[at]) - 1)  # every loan: one month short
    path = write_rows(tmp_path / "short.csv", rows)
    deal = str(EXAMPLE / "deal.yaml")
    validate = runner.invoke(app, ["validate", deal, "--tape", str(path)])
    assert validate.exit_code == 0
    block = _warning_block(validate.output)
    assert block[0] == "875 warnings"
    assert block[1] == f"  {path} [REM_TERM]: warning: remaining term disagrees with the months from the cut-off date to maturity (875 rows)"
    first = ROWS[1][at]
    assert block[2] == (
        f"    {path}:2 [REM_TERM]: warning: remaining term disagrees with the months from the cut-off date to maturity: expected {first} "
        f"(value '{int(first) - 1}')"
    )
    assert len(block) == 8 and block[-1] == "    ... and 870 more"
    render = runner.invoke(app, ["render", deal, "--tape", str(path), "--out", str(tmp_path / "out"), "--format", "txt"])
    strats = runner.invoke(app, ["strats", deal, "--tape", str(path), "--out", str(tmp_path / "strats.json")])
    assert render.exit_code == 0 and strats.exit_code == 0
    assert _warning_block(render.output) == block and _warning_block(strats.output) == block


def test_render_prints_the_warnings_also_when_the_tape_has_errors(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(2, "REM_TERM"): "350", (3, "STATE"): "XX"})
    result = runner.invoke(app, ["render", str(EXAMPLE / "deal.yaml"), "--tape", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "1 warning\n" in result.output and "bad.csv:3 [STATE]: error: unknown state code" in result.output
    assert not (tmp_path / "out").exists()


def test_maturity_warning_gives_the_expected_month(tmp_path: Path) -> None:
    (problem,) = read(corrupt(tmp_path, {(2, "FIRST_PAY_DATE"): "2002-10-01"})).listed(W)
    assert problem.message.endswith(": expected 2032-09") and problem.value == "2032-08-01"
