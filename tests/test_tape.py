"""Loan tapes: every format reads to the same loans, every bad row is reported with its place."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from generator.api import DealdocsError, Severity, analyse, load_deal, load_tape
from generator.cli import app

from .conftest import EXAMPLE

DEAL = load_deal(EXAMPLE / "deal.yaml")
TERMS = DEAL.deal.term_sheet
runner = CliRunner()


def read(path: Path):
    return load_tape(path, TERMS.pool, TERMS.cut_off_date)


def corrupt(folder: Path, changes: dict[tuple[int, str], str]) -> Path:
    """A copy of the example tape with cells replaced; keys are (CSV line number, header)."""
    rows = list(csv.reader((EXAMPLE / "loans.csv").open()))
    for (line, header), value in changes.items():
        rows[line - 1][rows[0].index(header)] = value
    path = folder / "bad.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(scope="module")
def example_loans() -> pl.DataFrame:
    report = read(EXAMPLE / "loans.csv")
    assert report.problems.height == 0
    return report.loans


def test_xlsx_and_parquet_read_to_the_same_loans(tmp_path: Path, example_loans: pl.DataFrame) -> None:
    text = pl.read_csv(EXAMPLE / "loans.csv", infer_schema=False)
    text.write_excel(tmp_path / "loans.xlsx")
    text.write_parquet(tmp_path / "loans.parquet")
    typed = pl.read_csv(EXAMPLE / "loans.csv", schema_overrides={"LOAN_NO": pl.String, "ZIP": pl.String}, try_parse_dates=True)
    assert typed["SCHED_BAL"].dtype == pl.Float64 and typed["ORIG_DATE"].dtype == pl.Date
    typed.write_parquet(tmp_path / "typed.parquet")
    typed.write_excel(tmp_path / "typed.xlsx")  # numbers and dates as spreadsheet cells
    for name in ("loans.xlsx", "loans.parquet", "typed.parquet", "typed.xlsx"):
        report = read(tmp_path / name)
        assert report.problems.height == 0, (name, report.problems)
        assert report.loans.drop("_row").equals(example_loans.drop("_row")), name


def test_renamed_headers_through_the_mapping(deal_dir: Path) -> None:
    frame = pl.read_csv(deal_dir / "loans.csv", infer_schema=False).rename({"SCHED_BAL": "Current Balance", "STATE": "Prop State"})
    frame.write_csv(deal_dir / "loans.csv")
    text = (deal_dir / "deal.yaml").read_text()
    text = text.replace("balance: SCHED_BAL", "balance: Current Balance").replace("state: STATE", "state: Prop State")
    (deal_dir / "deal.yaml").write_text(text)
    assert analyse(load_deal(deal_dir / "deal.yaml")).summary.pool.count == 875


def test_dollar_signs_commas_and_padding_are_read(tmp_path: Path, example_loans: pl.DataFrame) -> None:
    path = corrupt(tmp_path, {(2, "SCHED_BAL"): "$391,202.74", (2, "ORIG_TERM"): " 360.0 ", (2, "STATE"): "nc"})
    report = read(path)
    assert report.problems.height == 0
    assert report.loans.row(0, named=True)["balance"] == 39120274
    assert report.loans.drop("_row").equals(example_loans.drop("_row"))


# (header, bad value, reason fragment, other cells to set so that only this rule fires)
RULES = [
    ("SCHED_BAL", "-5.00", "negative scheduled balance", {}),
    ("SCHED_BAL", "12.345", "at most 2 decimals", {}),
    ("SCHED_BAL", "", "missing value", {}),
    ("SCHED_BAL", "9999999.00", "scheduled balance above original balance", {}),
    ("ORIG_BAL", "0.00", "original balance must be positive", {"SCHED_BAL": "0.00"}),
    ("NOTE_RATE", "abc", "not a number with at most 3 decimals", {}),
    ("NOTE_RATE", "25.000", "note rate outside 0% to 20%", {}),
    ("SERV_FEE", "7.000", "servicing fee negative or not below the note rate", {}),
    ("ORIG_TERM", "600", "original term outside 1 to 480 months", {}),
    ("REM_TERM", "361", "remaining term outside 1 month to the original term", {}),
    ("ORIG_DATE", "2003-02-01", "originated after the cut-off date", {"FIRST_PAY_DATE": "2003-04-01"}),
    ("ORIG_DATE", "07/22/2002", "not a date in the form %Y-%m-%d", {}),
    ("MATURITY_DATE", "2002-12-01", "matures on or before the cut-off date", {}),
    ("FIRST_PAY_DATE", "2002-07-01", "first payment not after origination", {}),
    ("APPRAISED_VALUE", "0", "appraised value must be positive", {}),
    ("LTV", "250.000", "LTV outside 0% to 200%", {}),
    ("PROP_TYPE", "CASTLE", "unknown property type code", {}),
    ("OCCUPANCY", "VACATION", "unknown occupancy code", {}),
    ("DOC_TYPE", "NINJA", "unknown doc type code", {}),
    ("UNITS", "7", "units outside 1 to 4", {}),
    ("UNITS", "1", "a 2-4 family dwelling with fewer than 2 units", {"PROP_TYPE": "MF"}),
    ("STATE", "XX", "unknown state code", {}),
    ("ZIP", "2851", "ZIP code must be 5 digits", {}),
    ("ADDL_COLLATERAL", "-1.00", "additional collateral negative", {}),
]


@pytest.mark.parametrize(("header", "value", "reason", "others"), RULES, ids=[f"{h}={v!r}" for h, v, _, _ in RULES])
def test_each_rule_names_row_column_value_and_reason(tmp_path: Path, header: str, value: str, reason: str, others: dict) -> None:
    line = 2  # the first loan, line 2 of the CSV: 391202.74 of 393087.00, 6.250%, 360/355 months, originated 2002-07-22
    path = corrupt(tmp_path, {(line, header): value, **{(line, h): v for h, v in others.items()}})
    errors = read(path).listed(Severity.ERROR)
    matching = [p for p in errors if p.line == line and p.column == header and reason in p.message]
    assert matching, [str(p) for p in errors]
    assert matching[0].value == (value or None)
    assert matching[0].file == str(path)


def test_duplicate_loan_number_points_at_the_first(tmp_path: Path) -> None:
    rows = list(csv.reader((EXAMPLE / "loans.csv").open()))
    path = corrupt(tmp_path, {(10, "LOAN_NO"): rows[4][0]})
    (problem,) = read(path).listed(Severity.ERROR)
    assert (problem.line, problem.column, problem.value) == (10, "LOAN_NO", rows[4][0])
    assert problem.message == "duplicate loan number (first on row 5)"


def test_warnings_are_apart_from_errors(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(2, "REM_TERM"): "350", (3, "LTV"): "49.000"})
    report = read(path)
    assert report.count(Severity.ERROR) == 0
    warnings = [str(p) for p in report.listed(Severity.WARNING)]
    assert len(warnings) == 2
    assert "remaining term disagrees" in warnings[0] and ":2 [REM_TERM]" in warnings[0]
    assert "LTV differs" in warnings[1] and "49.860" in warnings[1]  # the computed LTV is stated
    report.raise_for_errors()  # warnings alone do not stop a rendering


def test_all_problems_at_once_first_fifty_listed(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(line, "STATE"): "ZZ" for line in range(2, 122)})
    report = read(path)
    assert report.count(Severity.ERROR) == 120
    listed = report.listed(Severity.ERROR)
    assert len(listed) == 50 and [p.line for p in listed] == list(range(2, 52))
    with pytest.raises(DealdocsError) as info:
        report.raise_for_errors()
    assert info.value.total == 120 and len(info.value.problems) == 50


def test_missing_column_is_named(tmp_path: Path) -> None:
    pl.read_csv(EXAMPLE / "loans.csv", infer_schema=False).drop("ZIP", "UNITS").write_csv(tmp_path / "loans.csv")
    with pytest.raises(DealdocsError) as info:
        read(tmp_path / "loans.csv")
    assert sorted(p.column for p in info.value.problems) == ["UNITS", "ZIP"]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("loans.dbf", b"whatever", "unsupported tape format"),
    ("loans.xlsx", b"not a zip file", "cannot read tape"),
    ("loans.parquet", b"PAR1 broken", "cannot read tape"),
    ("loans.csv", b"", "cannot read tape"),
])  # fmt: skip
def test_unreadable_files_are_messages(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DealdocsError, match=reason):
        read(tmp_path / name)


def test_validate_command_on_a_corrupted_tape(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(2, "SCHED_BAL"): "-5.00", (7, "STATE"): "XX", (9, "NOTE_RATE"): "six"})
    result = runner.invoke(app, ["validate", str(EXAMPLE / "deal.yaml"), "--tape", str(path)])
    assert result.exit_code == 2
    assert "3 errors" in result.output and "Traceback" not in result.output
    for fragment in ("bad.csv:2 [SCHED_BAL]", "bad.csv:7 [STATE]", "bad.csv:9 [NOTE_RATE]", "'six'"):
        assert fragment in result.output


def test_render_on_a_bad_tape_writes_nothing(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(2, "SCHED_BAL"): "-5.00"})
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", str(EXAMPLE / "deal.yaml"), "--tape", str(path), "--out", str(out)])
    assert result.exit_code == 2 and "negative scheduled balance" in result.output
    assert not out.exists()
