"""Loan tapes: every format reads to the same loans, every bad row is reported with its place."""

from __future__ import annotations

import csv
import struct
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from generator.api import DealdocsError, PoolAnalysis, Severity, TapeReport, analyse, load_deal, load_tape, to_json
from generator.cli import app

from .helpers import EXAMPLE, runner

DEAL = load_deal(EXAMPLE / "deal.yaml")
TERMS = DEAL.deal.term_sheet
HEADERS = next(csv.reader((EXAMPLE / "loans.csv").open()))
E, W = Severity.ERROR, Severity.WARNING


def read(path: Path, pool=TERMS.pool) -> TapeReport:
    return load_tape(path, pool, TERMS.cut_off_date)


def example_rows() -> list[list[str]]:
    return list(csv.reader((EXAMPLE / "loans.csv").open()))


def corrupt(folder: Path, changes: dict[tuple[int, str], str], name: str = "bad.csv") -> Path:
    """A copy of the example tape with cells replaced; keys are (CSV line number, header)."""
    rows = example_rows()
    for (line, header), value in changes.items():
        rows[line - 1][HEADERS.index(header)] = value
    path = folder / name
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def problems(report: TapeReport) -> list:
    return report.listed(E, 10_000) + report.listed(W, 10_000)


@pytest.fixture(scope="module")
def example_loans() -> pl.DataFrame:
    report = read(EXAMPLE / "loans.csv")
    assert report.problems.height == 0
    assert report.loans.height == 875
    return report.loans


# --- formats and layouts ---------------------------------------------------------------


def _typed() -> pl.DataFrame:
    """The tape as a producer with types would write it: floats, dates, integers."""
    return pl.read_csv(EXAMPLE / "loans.csv", schema_overrides={"LOAN_NO": pl.String, "ZIP": pl.String}, try_parse_dates=True)


def _text() -> pl.DataFrame:
    return pl.read_csv(EXAMPLE / "loans.csv", infer_schema=False)


WRITERS = {
    "text.xlsx": lambda p: _text().write_excel(p),
    "text.parquet": lambda p: _text().write_parquet(p),
    "typed.parquet": lambda p: _typed().write_parquet(p),
    "typed.xlsx": lambda p: _typed().write_excel(p),  # numbers and dates as spreadsheet cells
    "datetimes.parquet": lambda p: _typed()
    .with_columns(pl.col("ORIG_DATE", "FIRST_PAY_DATE", "MATURITY_DATE").cast(pl.Datetime("us")))
    .write_parquet(p),
    "midnight.csv": lambda p: _text()  # a spreadsheet's export: dates as midnight datetimes, in both spellings
    .with_columns(pl.col("ORIG_DATE") + " 00:00:00", pl.col("MATURITY_DATE") + "T00:00")
    .write_csv(p),
    "narrow.parquet": lambda p: _typed()
    .with_columns(pl.col("ORIG_TERM", "REM_TERM").cast(pl.Int16), pl.col("UNITS").cast(pl.UInt8), pl.col("NOTE_RATE").cast(pl.Decimal(6, 3)))
    .write_parquet(p),
}


def test_typed_frame_really_has_types() -> None:
    schema = _typed().schema
    assert schema["SCHED_BAL"] == pl.Float64 and schema["LTV"] == pl.Float64
    assert schema["ORIG_DATE"] == pl.Date and schema["MATURITY_DATE"] == pl.Date
    assert schema["ORIG_TERM"] == pl.Int64 and schema["APPRAISED_VALUE"] == pl.Int64


@pytest.fixture(scope="module")
def example_analysis() -> PoolAnalysis:
    return analyse(DEAL)


@pytest.mark.parametrize("name", list(WRITERS))
def test_every_format_reads_to_the_same_loans(tmp_path: Path, example_loans: pl.DataFrame, example_analysis: PoolAnalysis, name: str) -> None:
    path = tmp_path / name
    WRITERS[name](path)
    report = read(path)
    assert report.problems.height == 0, (name, report.problems)
    assert report.loans.drop("_row").equals(example_loans.drop("_row")), name
    analysis = analyse(DEAL, path)  # ... and to the same summary and tables, figure for figure
    assert analysis.summary == example_analysis.summary
    assert analysis.tables == example_analysis.tables
    assert to_json(analysis) == to_json(example_analysis)


def test_the_example_analysis_is_the_filing_s(example_analysis: PoolAnalysis) -> None:
    """The figures the format test compares are the real ones, not an empty analysis."""
    assert example_analysis.summary.pool.count == 875 and str(example_analysis.summary.pool.balance) == "405860262.91"
    assert len(example_analysis.tables) == 7 and all(t.balance == 405860263 for t in example_analysis.tables)


def test_nested_parquet_columns_the_deal_does_not_map_are_ignored(tmp_path: Path, example_loans: pl.DataFrame) -> None:
    extra = pl.Series("HISTORY", [[1, 2]] * 875), pl.Series("SERVICER", [{"id": 7, "name": "x"}] * 875)
    _typed().with_columns(*extra).write_parquet(tmp_path / "nested.parquet")
    report = read(tmp_path / "nested.parquet")
    assert report.problems.height == 0
    assert report.loans.drop("_row").equals(example_loans.drop("_row"))


def test_renamed_headers_through_the_mapping(tmp_path: Path, example_loans: pl.DataFrame) -> None:
    names = {h: f"Col {i} ({h.lower()})" for i, h in enumerate(HEADERS)}
    _text().rename(names).select(reversed(list(names.values()))).write_csv(tmp_path / "renamed.csv")  # other order too
    columns = {field: names[h] for field, h in TERMS.pool.columns.model_dump().items() if h}
    pool = TERMS.pool.model_copy(update={"columns": TERMS.pool.columns.model_copy(update=columns)})
    report = read(tmp_path / "renamed.csv", pool)
    assert report.problems.height == 0
    assert report.loans.drop("_row").equals(example_loans.drop("_row"))
    with pytest.raises(DealdocsError) as info:  # the deal's own mapping does not find the renamed headers
        read(tmp_path / "renamed.csv")
    assert len(info.value.problems) == 21


def test_renamed_headers_through_a_deal_file(deal_dir: Path) -> None:
    frame = pl.read_csv(deal_dir / "loans.csv", infer_schema=False).rename({"SCHED_BAL": "Current Balance", "STATE": "Prop State"})
    frame.write_csv(deal_dir / "loans.csv")
    text = (deal_dir / "deal.yaml").read_text()
    text = text.replace("balance: SCHED_BAL", "balance: Current Balance").replace("state: STATE", "state: Prop State")
    (deal_dir / "deal.yaml").write_text(text)
    analysis = analyse(load_deal(deal_dir / "deal.yaml"))
    assert analysis.summary.pool.count == 875 and str(analysis.summary.pool.balance) == "405860262.91"


def test_dollar_signs_commas_padding_and_case_are_read(tmp_path: Path, example_loans: pl.DataFrame) -> None:
    changes = {(2, "SCHED_BAL"): "$391,202.74", (2, "ORIG_TERM"): " 360.0 ", (2, "STATE"): "nc", (3, "NOTE_RATE"): "6.25000", (3, "ZIP"): "60137-1234"}
    report = read(corrupt(tmp_path, changes))
    assert report.problems.height == 0
    assert report.loans.row(0, named=True)["balance"] == 39120274
    assert report.loans.drop("_row").equals(example_loans.drop("_row"))


@pytest.mark.parametrize("value", ["391,20", "3,91202.74", "391.202,74", "$3.9e5", "٣٩١٢٠٢.٧٤", "0x10"])
def test_misplaced_commas_and_foreign_digits_are_not_numbers(tmp_path: Path, value: str) -> None:
    (problem,) = problems(read(corrupt(tmp_path, {(2, "SCHED_BAL"): value})))
    assert (problem.line, problem.column, problem.value) == (2, "SCHED_BAL", value)
    assert problem.message == "not a number with at most 2 decimals"


def test_blank_rows_are_skipped_and_keep_line_numbers(tmp_path: Path) -> None:
    lines = corrupt(tmp_path, {(6, "STATE"): "XX"}).read_text().splitlines(keepends=True)
    # a blank line and a row of empty cells before line 6, and blank lines at the end
    text = "".join(lines[:3]) + "\n" + "," * 20 + "\n" + "".join(lines[3:]) + "\n\n"
    (tmp_path / "blank.csv").write_text(text)
    report = read(tmp_path / "blank.csv")
    assert report.loans.height == 875
    assert [(p.line, p.column, p.value) for p in problems(report)] == [(8, "STATE", "XX")]


def test_blank_sheet_rows_keep_row_numbers(tmp_path: Path) -> None:
    frame = _text()
    blank = pl.DataFrame({c: [None] for c in frame.columns}, schema=frame.schema)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("XX")).otherwise("STATE").alias("STATE"))
    pl.concat([frame.head(2), blank, frame.slice(2)]).write_excel(tmp_path / "blank.xlsx")
    report = read(tmp_path / "blank.xlsx")  # data rows from sheet row 2; the blank is row 4; loan 5 is on row 7
    assert report.loans.height == 875
    assert [(p.line, p.column, p.value) for p in problems(report)] == [(7, "STATE", "XX")]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "none"])
@pytest.mark.parametrize("inside", [1, 3])
def test_a_value_spanning_lines_moves_later_line_numbers(tmp_path: Path, ending: str, inside: int) -> None:
    frame = pl.read_csv(corrupt(tmp_path, {(9, "UNITS"): "9", (876, "STATE"): "XX"}), infer_schema=False)
    values = ["two\nlines"] if inside == 1 else ["two\nlines", "three\r\nlines\nhere"]
    notes = pl.Series("NOTES", [None] * frame.height, dtype=pl.String).scatter([1, 3][:len(values)], values)
    text = frame.with_columns(notes).write_csv(line_terminator="\n" if ending == "none" else ending)
    (tmp_path / "notes.csv").write_bytes((text.removesuffix("\n") if ending == "none" else text).encode())
    assert (tmp_path / "notes.csv").read_bytes().count(b"\n") == 876 + inside - (ending == "none")
    report = read(tmp_path / "notes.csv")
    # line 9 and the last line (876) each pushed down by the lines inside quotes above them
    assert [(p.line, p.column) for p in report.listed(E)] == [(9 + inside, "UNITS"), (876 + inside, "STATE")]


def test_parquet_rows_are_record_numbers_and_sheet_rows_are_rows(tmp_path: Path) -> None:
    frame = _text().with_columns(pl.when(pl.int_range(pl.len()) == 9).then(pl.lit("-1")).otherwise("UNITS").alias("UNITS"))
    frame.write_parquet(tmp_path / "t.parquet")
    frame.write_excel(tmp_path / "t.xlsx")
    assert [(p.line, p.column) for p in read(tmp_path / "t.parquet").listed(E)] == [(10, "UNITS")]
    assert [(p.line, p.column) for p in read(tmp_path / "t.xlsx").listed(E)] == [(11, "UNITS")]


# --- every rule --------------------------------------------------------------------------

# Line 2 is the first loan: 391202.74 of 393087.00, 6.250% less a 0.250% fee, 360/355 months,
# originated 2002-07-22, first payment 2002-09-01, maturity 2032-08-01 (cut-off 2003-01-01),
# appraised 592725, LTV 66.319, a townhouse of 1 unit, no additional collateral.
# Each case: the cells set on line 2, and every problem expected on the whole tape.
CASES = {
    "negative balance": ({"SCHED_BAL": "-5.00"}, [(E, "SCHED_BAL", "negative scheduled balance")]),
    "zero balance": ({"SCHED_BAL": "0.00"}, [(W, "SCHED_BAL", "zero scheduled balance")]),
    "cents too fine": ({"SCHED_BAL": "12.345"}, [(E, "SCHED_BAL", "not a number with at most 2 decimals")]),
    "above original": ({"SCHED_BAL": "393087.01"}, [(E, "SCHED_BAL", "scheduled balance above original balance")]),
    "original zero": (
        {"ORIG_BAL": "0.00", "SCHED_BAL": "0.00"},
        [(W, "SCHED_BAL", "zero scheduled balance"), (E, "ORIG_BAL", "original balance must be positive"), (W, "LTV", "differs from the 0.000% computed")],
    ),
    "original negative": (  # the computed LTV keeps its sign: -16.871%, not -17 + 0.129
        {"ORIG_BAL": "-100000.00"},
        [
            (E, "SCHED_BAL", "scheduled balance above original balance"),
            (E, "ORIG_BAL", "original balance must be positive"),
            (W, "LTV", "LTV differs from the -16.871% computed as original balance / appraised value"),
            (E, "ADDL_COLLATERAL", "additional collateral negative or above the original balance"),
        ],
    ),
    "original garbage": ({"ORIG_BAL": "1.2.3"}, [(E, "ORIG_BAL", "not a number with at most 2 decimals")]),
    "rate text": ({"NOTE_RATE": "abc"}, [(E, "NOTE_RATE", "not a number with at most 3 decimals")]),
    "rate too fine": ({"NOTE_RATE": "6.2501"}, [(E, "NOTE_RATE", "not a number with at most 3 decimals")]),
    "rate high": ({"NOTE_RATE": "25.000"}, [(E, "NOTE_RATE", "note rate outside 0% to 20%"), (W, "NOTE_RATE", "unusual note rate")]),
    "rate zero": (
        {"NOTE_RATE": "0.000"},
        [
            (E, "NOTE_RATE", "note rate outside 0% to 20%"),
            (W, "NOTE_RATE", "unusual note rate"),
            (E, "SERV_FEE", "servicing fee negative or not below the note rate"),
        ],
    ),
    "rate unusual": ({"NOTE_RATE": "1.500"}, [(W, "NOTE_RATE", "unusual note rate (outside 2% to 12%)")]),
    "fee above rate": ({"SERV_FEE": "7.000"}, [(E, "SERV_FEE", "servicing fee negative or not below the note rate")]),
    "fee negative": ({"SERV_FEE": "-0.125"}, [(E, "SERV_FEE", "servicing fee negative or not below the note rate")]),
    "term long": (
        {"ORIG_TERM": "600"},
        [(E, "ORIG_TERM", "original term outside 1 to 480 months"), (W, "MATURITY_DATE", "maturity date is not the first payment date plus the original term")],
    ),
    "term fraction": ({"ORIG_TERM": "360.5"}, [(E, "ORIG_TERM", "not a whole number")]),
    "remaining long": (
        {"REM_TERM": "361"},
        [(E, "REM_TERM", "remaining term outside 1 month to the original term"), (W, "REM_TERM", "remaining term disagrees")],
    ),
    "remaining zero": (
        {"REM_TERM": "0"},
        [(E, "REM_TERM", "remaining term outside 1 month to the original term"), (W, "REM_TERM", "remaining term disagrees")],
    ),
    "remaining disagrees": ({"REM_TERM": "350"}, [(W, "REM_TERM", "remaining term disagrees with the months from the cut-off date to maturity")]),
    "originated after cut-off": (
        {"ORIG_DATE": "2003-02-01", "FIRST_PAY_DATE": "2003-04-01"},
        [(E, "ORIG_DATE", "originated after the cut-off date 2003-01-01"), (W, "MATURITY_DATE", "not the first payment date plus the original term")],
    ),
    "date form": ({"ORIG_DATE": "07/22/2002"}, [(E, "ORIG_DATE", "not a date in the form %Y-%m-%d")]),
    "no such day": ({"FIRST_PAY_DATE": "2002-02-30"}, [(E, "FIRST_PAY_DATE", "not a date in the form %Y-%m-%d")]),
    "matured": (
        {"MATURITY_DATE": "2002-12-01"},
        [
            (W, "REM_TERM", "remaining term disagrees"),
            (E, "MATURITY_DATE", "matures on or before the cut-off date 2003-01-01"),
            (W, "MATURITY_DATE", "not the first payment date plus the original term"),
        ],
    ),
    "maturity before origination": (
        {"ORIG_DATE": "2003-06-01", "MATURITY_DATE": "2003-03-01"},
        [
            (W, "REM_TERM", "remaining term disagrees"),
            (E, "ORIG_DATE", "originated after the cut-off date"),
            (E, "FIRST_PAY_DATE", "first payment not after origination"),
            (E, "MATURITY_DATE", "maturity date not after origination date"),
            (W, "MATURITY_DATE", "not the first payment date plus the original term"),
        ],
    ),
    "first payment early": (
        {"FIRST_PAY_DATE": "2002-07-01"},
        [(E, "FIRST_PAY_DATE", "first payment not after origination"), (W, "MATURITY_DATE", "not the first payment date plus the original term")],
    ),
    "maturity off schedule": ({"FIRST_PAY_DATE": "2002-10-01"}, [(W, "MATURITY_DATE", "maturity date is not the first payment date plus the original term")]),
    "appraised zero": ({"APPRAISED_VALUE": "0"}, [(E, "APPRAISED_VALUE", "appraised value must be positive")]),
    "appraised text": ({"APPRAISED_VALUE": "n/a"}, [(E, "APPRAISED_VALUE", "not a number with at most 2 decimals")]),
    "ltv above 100": ({"APPRAISED_VALUE": "300000", "LTV": "131.029"}, [(W, "LTV", "LTV above 100%")]),
    "ltv impossible": ({"LTV": "250.000"}, [(E, "LTV", "LTV outside 0% to 200%"), (W, "LTV", "LTV differs")]),
    "ltv differs": ({"LTV": "60.000"}, [(W, "LTV", "LTV differs from the 66.319% computed as original balance / appraised value")]),
    "property code": ({"PROP_TYPE": "CASTLE"}, [(E, "PROP_TYPE", "unknown property type code (known: SFD, MF, TH, CONDO_LO, CONDO_HI, COOP)")]),
    "multi-family of 1": ({"PROP_TYPE": "MF"}, [(E, "UNITS", "a 2-4 family dwelling with fewer than 2 units")]),
    "units 7": ({"UNITS": "7"}, [(E, "UNITS", "units outside 1 to 4"), (W, "UNITS", "several units but not a multi-family dwelling")]),
    "units 2 townhouse": ({"UNITS": "2"}, [(W, "UNITS", "several units but not a multi-family dwelling")]),
    "units text": ({"UNITS": "two"}, [(E, "UNITS", "not a whole number")]),
    "occupancy code": ({"OCCUPANCY": "VACATION"}, [(E, "OCCUPANCY", "unknown occupancy code")]),
    "purpose code": ({"PURPOSE": "REFINANCE"}, [(E, "PURPOSE", "unknown purpose code")]),
    "programme code": ({"DOC_TYPE": "NINJA"}, [(E, "DOC_TYPE", "unknown doc type code (known: FULL, STREAMLINE, STATED)")]),
    "pmi code": ({"PMI": "maybe"}, [(E, "PMI", "unknown pmi code (known: Y, N)")]),
    "state code": ({"STATE": "XX"}, [(E, "STATE", "unknown state code")]),
    "zip short": ({"ZIP": "2851"}, [(E, "ZIP", "ZIP code must be 5 digits")]),
    "zip foreign digits": ({"ZIP": "٢٨٥١٠"}, [(E, "ZIP", "ZIP code must be 5 digits")]),
    "collateral negative": ({"ADDL_COLLATERAL": "-1.00"}, [(E, "ADDL_COLLATERAL", "additional collateral negative or above the original balance")]),
    "collateral above original": ({"ADDL_COLLATERAL": "400000.00"}, [(E, "ADDL_COLLATERAL", "additional collateral negative or above the original balance")]),
    "collateral blank means none": ({"ADDL_COLLATERAL": ""}, []),
}  # fmt: skip
# a blank cell is a missing value in every column but the additional collateral
CASES |= {f"{h} blank": ({h: " "}, [(E, h, "missing value")]) for h in HEADERS if h != "ADDL_COLLATERAL"}
CASES["LOAN_NO blank"] = ({"LOAN_NO": " "}, [(E, "LOAN_NO", "missing value: every loan needs one: fill it in on the tape")])


@pytest.mark.parametrize(("cells", "expected"), list(CASES.values()), ids=list(CASES))
def test_each_rule_names_row_column_value_and_reason(tmp_path: Path, cells: dict, expected: list) -> None:
    path = corrupt(tmp_path, {(2, h): v for h, v in cells.items()})
    report = read(path)
    found = problems(report)
    shown = [str(p) for p in found]
    assert len(found) == len(expected), shown  # nothing else fires, on this row or any other
    for severity, header, reason in expected:
        assert any(p.severity is severity and p.column == header and reason in p.message for p in found), (severity, header, reason, shown)
    row = example_rows()[1]
    for p in found:
        assert (p.file, p.line) == (str(path), 2)
        cell = cells.get(p.column, row[HEADERS.index(p.column)]).strip()
        assert p.value == (cell or None)  # the tape's own text, as written
    if not any(s is E for s, _, _ in expected):
        report.raise_for_errors()  # warnings alone do not stop a rendering


def test_duplicate_loan_number_points_at_the_first(tmp_path: Path) -> None:
    number = example_rows()[4][0]
    report = read(corrupt(tmp_path, {(10, "LOAN_NO"): number, (12, "LOAN_NO"): f" {number} "}))
    assert [(p.line, p.column, p.value, p.message) for p in problems(report)] == [
        (10, "LOAN_NO", number, "duplicate loan number (first on row 5)"),
        (12, "LOAN_NO", number, "duplicate loan number (first on row 5)"),
    ]


def test_a_huge_balance_gives_the_exact_computed_ltv(tmp_path: Path) -> None:
    report = read(corrupt(tmp_path, {(2, "ORIG_BAL"): "999999999999999.00"}))
    ltv = Fraction(99999999999999900, 592725_00) * 100
    thousandths = (2 * ltv * 1000 + 1) // 2  # half-up
    shown = f"{thousandths // 1000}.{thousandths % 1000:03d}%"
    assert report.count(E) == 0
    assert [p.message for p in report.listed(W)] == ["LTV above 100%", f"LTV differs from the {shown} computed as original balance / appraised value"]
    assert report.loans["effective_ltv"][0] == thousandths


def test_balances_too_large_for_64_bits_sum_exactly(tmp_path: Path) -> None:
    """A hundred loans of the largest balance a tape can state: their sum is past 2**63 cents."""
    row = example_rows()[1]
    at = {h: HEADERS.index(h) for h in ("LOAN_NO", "SCHED_BAL", "ORIG_BAL", "APPRAISED_VALUE", "LTV", "ADDL_COLLATERAL")}
    rows = [HEADERS]
    for n in range(100):  # at 100% LTV; every other loan has half its balance in pledged collateral
        loan = list(row)
        loan[at["LOAN_NO"]], loan[at["LTV"]] = f"{n:010d}", "100.000"
        loan[at["SCHED_BAL"]] = loan[at["ORIG_BAL"]] = loan[at["APPRAISED_VALUE"]] = "999999999999999.99"
        loan[at["ADDL_COLLATERAL"]] = "499999999999999.99" if n % 2 else "0.00"
        rows.append(loan)
    path = tmp_path / "huge.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    cents = 100 * 99999999999999999
    assert cents > 2**63
    analysis = analyse(DEAL, path)
    assert analysis.tape.problems.height == 0
    summary = analysis.summary
    assert summary.pool.count == 100 and summary.pool.balance == Decimal(cents).scaleb(-2)
    assert summary.high_ltv_balance == Decimal(cents // 2).scaleb(-2)  # the loans without collateral
    assert summary.pool.ltv == 100 and summary.pool.effective_ltv == 75
    assert summary.additional_collateral.count == 50 and summary.additional_collateral.balance == Decimal(cents // 2).scaleb(-2)
    assert summary.primary_share == 100 and summary.max_zip_balance == summary.pool.balance
    assert summary.programme_share == {"streamlined": 100}
    assert summary.discount is None and summary.premium.balance == summary.pool.balance
    assert summary.premium_balance == (cents + 50) // 100
    for table in analysis.tables:
        assert table.balance_cents == cents and sum(r.balance for r in table.rows) == table.balance == (cents + 50) // 100


def test_problems_are_ordered_by_row_then_column(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(9, "ZIP"): "1", (3, "STATE"): "XX", (9, "SCHED_BAL"): "-1.00", (3, "NOTE_RATE"): "x"})
    assert [(p.line, p.column) for p in read(path).listed(E)] == [(3, "NOTE_RATE"), (3, "STATE"), (9, "SCHED_BAL"), (9, "ZIP")]


def test_all_problems_at_once_first_fifty_listed(tmp_path: Path) -> None:
    changes = {(line, "STATE"): "ZZ" for line in range(2, 122)} | {(line, "REM_TERM"): "1" for line in range(200, 260)}
    report = read(corrupt(tmp_path, changes))
    assert report.count(E) == 120 and report.count(W) == 60
    listed = report.listed(E)
    assert len(listed) == 50 and [p.line for p in listed] == list(range(2, 52))
    assert [p.line for p in report.listed(W)] == list(range(200, 250))  # warnings listed apart
    with pytest.raises(DealdocsError) as info:
        report.raise_for_errors()
    assert info.value.total == 120 and len(info.value.problems) == 50
    assert all(p.severity is E for p in info.value.problems)


# --- files that cannot be read -------------------------------------------------------------


def test_missing_columns_are_named(tmp_path: Path) -> None:
    _text().drop("ZIP", "UNITS").write_csv(tmp_path / "loans.csv")
    with pytest.raises(DealdocsError) as info:
        read(tmp_path / "loans.csv")
    assert sorted(p.column for p in info.value.problems) == ["UNITS", "ZIP"]
    assert all("column for" in p.message and "not in the tape" in p.message for p in info.value.problems)


def _parquet_pointing_past_its_end(path: Path) -> bytes:
    """A Parquet file whose footer is intact but whose column chunks are gone (polars panics on it)."""
    _text().write_parquet(path)
    data = path.read_bytes()
    footer = struct.unpack("<I", data[-8:-4])[0] + 8
    return data[:4] + data[-footer:]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("loans.dbf", b"whatever", "unsupported tape format"),
    ("loans.xlsx", b"not a zip file", "cannot read tape"),
    ("loans.parquet", b"PAR1 broken", "cannot read tape"),
    ("loans.parquet", _parquet_pointing_past_its_end, "cannot read tape"),
    ("loans.csv", b"", "cannot read tape"),
    ("loans.csv", b"LOAN_NO,SCHED_BAL\n1,2,3,4\n", "cannot read tape"),
])  # fmt: skip
def test_unreadable_files_are_messages(tmp_path: Path, name: str, content, reason: str) -> None:
    data = content(tmp_path / "source.parquet") if callable(content) else content
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DealdocsError, match=reason) as info:
        read(tmp_path / name)
    assert info.value.problems[0].file == str(tmp_path / name)


def test_missing_file_and_missing_sheet(tmp_path: Path) -> None:
    with pytest.raises(DealdocsError, match="loan tape not found"):
        read(tmp_path / "nowhere.csv")
    _text().write_excel(tmp_path / "loans.xlsx", worksheet="Loans")
    assert read(tmp_path / "loans.xlsx").loans.height == 875
    pool = TERMS.pool.model_copy(update={"tape_options": TERMS.pool.tape_options.model_copy(update={"sheet": "Tape"})})
    with pytest.raises(DealdocsError, match=r"cannot read tape.*Tape"):
        read(tmp_path / "loans.xlsx", pool)


# --- the command --------------------------------------------------------------------------


def test_validate_command_on_a_corrupted_copy(deal_dir: Path) -> None:
    corrupt(deal_dir, {(2, "SCHED_BAL"): "-5.00", (7, "STATE"): "XX", (9, "NOTE_RATE"): "six"}, name="loans.csv")
    result = runner.invoke(app, ["validate", str(deal_dir / "deal.yaml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    tape = deal_dir / "loans.csv"
    assert result.output.splitlines() == [
        "3 errors",
        f"  {tape}:2 [SCHED_BAL]: error: negative scheduled balance (value '-5.00')",
        f"  {tape}:7 [STATE]: error: unknown state code (value 'XX')",
        f"  {tape}:9 [NOTE_RATE]: error: not a number with at most 3 decimals (value 'six')",
    ]


def test_validate_lists_fifty_of_each_kind_and_counts_the_rest(tmp_path: Path) -> None:
    changes = {(line, "STATE"): "ZZ" for line in range(2, 57)} | {(line, "REM_TERM"): "1" for line in range(300, 360)}
    path = corrupt(tmp_path, changes)
    result = runner.invoke(app, ["validate", str(EXAMPLE / "deal.yaml"), "--tape", str(path)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    # warnings grouped by rule (one line with the count, the first 5 rows); errors row by row, the first 50
    assert lines[0] == "60 warnings" and lines[8] == "55 errors"
    assert lines[1].endswith("[REM_TERM]: warning: remaining term disagrees with the months from the cut-off date to maturity (60 rows)")
    assert all("[REM_TERM]: warning: remaining term disagrees" in line and "expected" in line for line in lines[2:7])
    assert lines[7] == "    ... and 55 more" and lines[-1] == "  ... and 5 more"
    assert all("[STATE]: error: unknown state code (value 'ZZ')" in line for line in lines[9:59])


def test_validate_clean_tape_and_warnings_only(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE / "deal.yaml")])
    assert result.exit_code == 0 and "875 loans, no errors, 0 warnings" in result.output
    path = corrupt(tmp_path, {(2, "REM_TERM"): "350"})
    result = runner.invoke(app, ["validate", str(EXAMPLE / "deal.yaml"), "--tape", str(path)])
    assert result.exit_code == 0
    assert "1 warning\n" in result.output and "bad.csv:2 [REM_TERM]: warning: remaining term disagrees" in result.output


def test_validate_unreadable_tape_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "loans.parquet").write_bytes(_parquet_pointing_past_its_end(tmp_path / "good.parquet"))
    result = subprocess.run(
        [Path(sys.executable).parent / "dealdocs", "validate", EXAMPLE / "deal.yaml", "--tape", tmp_path / "loans.parquet"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "cannot read tape" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_render_on_a_bad_tape_writes_nothing(tmp_path: Path) -> None:
    path = corrupt(tmp_path, {(2, "SCHED_BAL"): "-5.00"})
    out = tmp_path / "out"
    for folder_exists in (False, True):
        result = runner.invoke(app, ["render", str(EXAMPLE / "deal.yaml"), "--tape", str(path), "--out", str(out)])
        assert result.exit_code == 2 and "bad.csv:2 [SCHED_BAL]: error: negative scheduled balance" in result.output
        assert "Traceback" not in result.output
        assert list(out.iterdir()) == [] if folder_exists else not out.exists()
        out.mkdir(exist_ok=True)
