"""Custom fields of every kind (money, percent, integer, category, flag, date), from tape to export.

A deal file may declare any further tape column under `pool.custom_fields`; tables, groups and
the pool-data block then use it like a canonical field. These tests build a small deal in
`tmp_path`: the prime jumbo example's deal file up to its custom fields, with our own custom
fields, tables and summary, over its first twelve loans with five more columns. Every expected
figure is computed here from the tape's text with integers and Fractions, never with the
product's code; every mistake is a message at its line with exit status 2, never a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import pytest

from generator.api import Severity, Table, analyse, check_tape, load_deal
from generator.pool.crosstab import CrossTab

from .helpers import EXAMPLES, Loan, cents, cli, half_up, line_of, loans_of

EXAMPLE = EXAMPLES / "prime-jumbo-2024-1"
_LINES = (EXAMPLE / "deal.yaml").read_text().splitlines(keepends=True)
BASE = "".join(_LINES[: next(i for i, line in enumerate(_LINES) if line.strip() == "custom_fields:")])
"""The example's deal file up to its custom fields: parties, dates, column mapping and codes."""

with (EXAMPLE / "loans.csv").open() as _handle:
    _HEADER, *_ROWS = list(csv.reader(_handle))[:13]  # twelve loans, valid in every canonical field

CUSTOM = {  # a value per loan, tape lines 2 to 13 (RESERVES, the integer field, is the example's own column)
    "ESCROW": ["1234.56", "0", "", "250.5", "99.99", "1000000", "", "12.34", "0.01", "500", "75", "3000"],
    "TSPRD": ["0.125", "1.5", "", "2", "0.333", "0.001", "1", "", "0.5", "0.25", "0.75", "1.125"],
    "PROG": ["A", "J", "X", "J", "", "A", "J", "X", "A", "J", "J", "A"],
    "PPP": ["Y", "N", "N", "Y", "", "N", "Y", "Y", "N", "", "N", "Y"],
    "LOCK_DT": ["01/15/2023", "06/30/2023", "", "07/04/2022", "02/29/2024", "12/31/2023", "03/01/2023", "", "11/11/2022", "05/05/2023",
                "08/08/2023", "09/09/2023"],
}  # fmt: skip

FIELDS = """\
    custom_fields:
      - {name: escrow, column: ESCROW, kind: money}
      - {name: teaser, column: TSPRD, kind: percent, decimals: 3}
      - {name: reserve_months, column: RESERVES, kind: integer, range: [0, 120]}
      - {name: program, column: PROG, kind: category, codes: {A: agency_plus, J: jumbo, X: expanded}}
      - {name: prepay, column: PPP, kind: flag, codes: {Y: true, N: false}}
      - {name: lock_date, column: LOCK_DT, kind: date}
"""
NAMES = {"ESCROW": "escrow", "TSPRD": "teaser", "RESERVES": "reserve months", "PROG": "program", "PPP": "prepay", "LOCK_DT": "lock date"}
"""Each custom column and its field's name as messages print it."""

# What the declarations say, restated for the oracle: decimals of the numbers, codes of the coded fields.
DECIMALS = {"ESCROW": 2, "TSPRD": 3, "RESERVES": 0}
PROGRAM = {"A": "agency_plus", "J": "jumbo", "X": "expanded"}
PREPAY = {"Y": True, "N": False}
E = Severity.ERROR


# --- building a deal ---------------------------------------------------------------------------


def make_deal(folder: Path, pool: str = "", fields: str = FIELDS, cells: dict[tuple[int, str], str] | None = None) -> Path:
    """The small deal in `folder`: `fields` and `pool` (YAML under `pool:`) after the base; `cells` replaces tape cells by (line, header)."""
    header = [*_HEADER, *CUSTOM]
    rows = [[*row, *(values[i] for values in CUSTOM.values())] for i, row in enumerate(_ROWS)]
    for (line, column), value in (cells or {}).items():
        rows[line - 2][header.index(column)] = value
    with (folder / "loans.csv").open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    (folder / "deal.yaml").write_text(BASE + fields + pool)
    return (folder / "deal.yaml").resolve()






def refused(deal: Path, *parts: str) -> None:
    """`validate` and `strats` both stop with exit status 2 and print a line holding the parts in order (a message, never a traceback)."""
    pattern = re.compile(".*".join(map(re.escape, parts)))
    for command in ("validate", "strats"):
        code, out = cli(command, deal)
        assert code == 2, out
        assert any(pattern.search(line) for line in out.splitlines()), f"{command}: {parts} not in:\n{out}"




COLUMNS = [
    "{id: count, kind: count, header: [Loans]}",
    "{id: balance, kind: balance, header: [Balance]}",
    "{id: wa_teaser, kind: weighted_average, field: teaser, header: [WA Teaser]}",
    "{id: wa_escrow, kind: weighted_average, field: escrow, header: [WA Escrow]}",
    "{id: wa_reserves, kind: weighted_average, field: reserve_months, decimals: 1, header: [WA Reserves]}",
    "{id: prepay, kind: share, field: prepay, value: true, header: [Prepay]}",
    "{id: jumbo, kind: share, field: program, value: jumbo, header: [Jumbo]}",
    "{id: min_teaser, kind: minimum, field: teaser, header: [Min Teaser]}",
    "{id: max_escrow, kind: maximum, field: escrow, header: [Max Escrow]}",
    "{id: min_reserves, kind: minimum, field: reserve_months, header: [Min Reserves]}",
]
"""Figure columns of every kind over the custom fields (weighted averages at 3, 2 and 1 decimals)."""

BANDS = "{{kind: bands, edges: {edges}, first_label: '{{{{ hi }}}} and under', label: '{{{{ lo }}}} - {{{{ hi }}}}', last_label: '{{{{ lo }}}} and over'}}"
PROGRAMS = "{kind: categories, categories: [{value: agency_plus, label: Agency Plus}, {value: jumbo, label: Jumbo}, {value: expanded, label: Expanded}]}"
PREPAYS = "{kind: categories, categories: [{value: true, label: With Penalty}, {value: false, label: Without}]}"


def table(id: str, field: str, rule: str, columns: list[str] = COLUMNS, **keys: str) -> str:
    """One `pool.tables.tables` entry as YAML."""
    lines = [f"- id: {id}", f"  title: [{id.upper()}]", "  header: [By]", f"  field: {field}", f"  rule: {rule}"]
    lines += [f"  {key}: {value}" for key, value in keys.items()]
    lines += ["  columns:", *(f"    - {c}" for c in columns)] if columns else []
    return "".join(f"        {line}\n" for line in lines)


def tables(*entries: str) -> str:
    return "    tables:\n      defaults: false\n      tables:\n" + "".join(entries)


# --- the oracle: figures from the tape's text -----------------------------------------------


def scaled(text: str, decimals: int) -> int:
    """'250.5' at 2 decimals is 25050: the exact value as an integer (the text has at most `decimals` decimals)."""
    whole, _, fraction = text.partition(".")
    assert len(fraction) <= decimals
    return int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0")






def weighted(loans: list[Loan], column: str, places: int) -> str | None:
    """Balance-weighted average over the loans that have the field, in exact cents; None (N/A) when none has it."""
    having = [(cents(loan), scaled(loan[column], DECIMALS[column])) for loan in loans if loan[column]]
    if not having:
        return None
    return half_up(Fraction(sum(c * v for c, v in having), sum(c for c, _ in having) * 10 ** DECIMALS[column]), places)


def share(loans: list[Loan], counted: Callable[[Loan], bool]) -> str:
    """Percent of the loans' balance in those counted, 2 decimals."""
    return half_up(Fraction(100 * sum(cents(loan) for loan in loans if counted(loan)), sum(cents(loan) for loan in loans)), 2)


def extreme(pick: Callable[[list[int]], int], loans: list[Loan], column: str) -> str | None:
    values = [scaled(loan[column], DECIMALS[column]) for loan in loans if loan[column]]
    return half_up(Fraction(pick(values), 10 ** DECIMALS[column]), DECIMALS[column]) if values else None


def figures(loans: list[Loan]) -> dict[str, str | None]:
    """What each custom column of `COLUMNS` prints for these loans."""
    return {
        "wa_teaser": weighted(loans, "TSPRD", 3),
        "wa_escrow": weighted(loans, "ESCROW", 2),
        "wa_reserves": weighted(loans, "RESERVES", 1),
        "prepay": share(loans, lambda loan: PREPAY.get(loan["PPP"]) is True),
        "jumbo": share(loans, lambda loan: PROGRAM.get(loan["PROG"]) == "jumbo"),
        "min_teaser": extreme(min, loans, "TSPRD"),
        "max_escrow": extreme(max, loans, "ESCROW"),
        "min_reserves": extreme(min, loans, "RESERVES"),
    }


def printed(spec_columns: list[str], values: tuple[object, ...]) -> dict[str, str | None]:
    """A computed row's figures by column id, as text, for the ids `figures` knows."""
    return {i: (None if v is None else str(v)) for i, v in zip(spec_columns, values, strict=True) if i not in ("count", "balance")}


def band(edges: list[str], column: str) -> Callable[[Loan], int | None]:
    """The band a loan's value falls in (edges are inclusive upper bounds); None when blank."""
    return lambda loan: sum(scaled(loan[column], DECIMALS[column]) > scaled(e, DECIMALS[column]) for e in edges) if loan[column] else None


class Rows(NamedTuple):
    """A table's rows as the oracle sees them: each loan's row key from its text (None: blank), each key's label in print order."""

    key: Callable[[Loan], object]
    labels: dict[object, str]


def expected_rows(loans: list[Loan], rows: Rows, missing: str) -> list[tuple[str, list[Loan]]]:
    """(label, loans) of each row in print order: the keys that have loans, then blanks in the missing row."""
    found = [(label, [loan for loan in loans if rows.key(loan) == k]) for k, label in rows.labels.items()]
    blank = [loan for loan in loans if rows.key(loan) is None]
    return [(label, members) for label, members in found if members] + ([(missing, blank)] if blank else [])


# --- 1. reading ----------------------------------------------------------------------------------


def test_valid_values_of_every_kind_are_read_exactly(tmp_path: Path) -> None:
    """Money in cents, percents in thousandths, whole numbers, category names, booleans and dates; blanks are null."""
    deal = make_deal(tmp_path)
    report = check_tape(load_deal(deal))
    assert report.count(E) == 0
    read = report.loans.select("escrow", "teaser", "reserve_months", "program", "prepay", "lock_date").rows()
    expected = [
        (
            scaled(loan["ESCROW"], 2) if loan["ESCROW"] else None,
            scaled(loan["TSPRD"], 3) if loan["TSPRD"] else None,
            int(loan["RESERVES"]) if loan["RESERVES"] else None,
            PROGRAM.get(loan["PROG"]),
            PREPAY.get(loan["PPP"]),
            dt.datetime.strptime(loan["LOCK_DT"], "%m/%d/%Y").date() if loan["LOCK_DT"] else None,
        )
        for loan in loans_of(deal)
    ]
    assert read == expected


def test_validate_counts_each_custom_fields_blanks_as_a_warning(tmp_path: Path) -> None:
    """A blank is a value not available (the default `blank`): a warning counted per field, not an error."""
    deal = make_deal(tmp_path)
    code, out = cli("validate", deal)
    assert code == 0, out
    loans = loans_of(deal)
    for column, name in NAMES.items():
        blanks = sum(1 for loan in loans if not loan[column])
        assert f"[{column}]: warning: {name} blank (not available) ({blanks} row{'s' * (blanks != 1)})" in out
    assert "12 loans, no errors" in out


BAD_CELLS = [
    ("ESCROW", "12a", "not a number with at most 2 decimals"),
    ("ESCROW", "1.234", "not a number with at most 2 decimals"),
    ("TSPRD", "1.2345", "not a number with at most 3 decimals"),
    ("TSPRD", "5%", "not a number with at most 3 decimals"),
    ("RESERVES", "1.5", "not a whole number"),
    ("RESERVES", "twelve", "not a whole number"),
    ("RESERVES", "121", "reserve months outside 0 to 120"),
    ("PROG", "Z", "unknown program code (known: A, J, X)"),
    ("PROG", "a", "unknown program code (known: A, J, X)"),
    ("PPP", "y", "unknown prepay code (known: Y, N)"),
    ("PPP", "1", "unknown prepay code (known: Y, N)"),
    ("LOCK_DT", "02/30/2023", "not a date in the form %m/%d/%Y from 1900-01-01 to 2100-12-31"),
    ("LOCK_DT", "2023-01-15", "not a date in the form %m/%d/%Y from 1900-01-01 to 2100-12-31"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CELLS, ids=[f"{c}={v}" for c, v, _ in BAD_CELLS])
def test_an_invalid_value_is_an_error_naming_tape_line_column_and_value(tmp_path: Path, column: str, value: str, message: str) -> None:
    """Each kind is parsed strictly: letters, extra decimals, unknown codes, impossible dates and out-of-range numbers stop validate and strats."""
    deal = make_deal(tmp_path, cells={(5, column): value})
    refused(deal, f"{deal.parent / 'loans.csv'}:5 [{column}]: error: {message} (value '{value}')")


def test_a_percents_decimals_default_to_3_and_bound_what_is_read(tmp_path: Path) -> None:
    """A percent keeps 3 decimals by default; at `decimals: 2` a third decimal is an error and values are stored in hundredths."""
    deal = make_deal(tmp_path, fields=FIELDS.replace(", decimals: 3", ""))
    report = check_tape(load_deal(deal))
    assert report.count(E) == 0
    assert report.loans["teaser"].to_list() == [scaled(loan["TSPRD"], 3) if loan["TSPRD"] else None for loan in loans_of(deal)]
    deal = make_deal(tmp_path, fields=FIELDS.replace("decimals: 3", "decimals: 2"))
    report = check_tape(load_deal(deal))
    texts = [loan["TSPRD"] for loan in loans_of(deal)]
    finer = [(line, text) for line, text in enumerate(texts, 2) if len(text.partition(".")[2]) > 2]
    assert finer and [(p.line, p.column, p.value) for p in report.listed(E)] == [(line, "TSPRD", text) for line, text in finer]
    assert {p.message for p in report.listed(E)} == {"not a number with at most 2 decimals"}
    assert report.loans["teaser"].to_list() == [scaled(t, 2) if t and (line, t) not in finer else None for line, t in enumerate(texts, 2)]


def test_a_blank_can_be_declared_an_error_or_zero(tmp_path: Path) -> None:
    """`blank: error` reports each blank row; `blank: zero` reads it as 0, so a weighted average counts those loans."""
    deal = make_deal(tmp_path, fields=FIELDS.replace("kind: money}", "kind: money, blank: error}"))
    fix = "missing value: fill it in on the tape, or declare blank: not_available or blank: zero on custom field escrow in the deal file"
    refused(deal, f"loans.csv:4 [ESCROW]: error: {fix}")
    refused(deal, f"loans.csv:8 [ESCROW]: error: {fix}")
    deal = make_deal(tmp_path, fields=FIELDS.replace("kind: date}", "kind: date, blank: error}"), cells={(3, "LOCK_DT"): ""})
    fix = "missing value: fill it in on the tape, or declare blank: not_available on custom field lock_date in the deal file"  # a date is never zero
    refused(deal, f"loans.csv:3 [LOCK_DT]: error: {fix}")
    summary = "    summary:\n      - {label: WA Escrow, kind: weighted_average, field: escrow}\n"
    deal = make_deal(tmp_path, summary, fields=FIELDS.replace("kind: money}", "kind: money, blank: zero}"))
    block = analyse(load_deal(deal)).pool_data
    assert block is not None
    loans = [{**loan, "ESCROW": loan["ESCROW"] or "0"} for loan in loans_of(deal)]
    assert str(block.lines[0].figures[0]) == weighted(loans, "ESCROW", 2)
    assert "ESCROW" not in cli("validate", deal)[1]  # no blanks counted


def test_a_custom_fields_name_cannot_clash_with_the_tapes_text_columns(tmp_path: Path) -> None:
    """Regression: a custom field named raw_<field> was an internal error (the reader kept each column's text beside the loans as raw_<field>)."""
    fields = "    custom_fields:\n      - {name: raw_balance, column: ESCROW, kind: money}\n      - {name: raw_fico, column: TSPRD, kind: percent}\n"
    deal = make_deal(tmp_path, fields=fields, cells={(2, "ESCROW"): "x"})
    refused(deal, "loans.csv:2 [ESCROW]: error: not a number with at most 2 decimals (value 'x')")
    deal = make_deal(tmp_path, fields=fields)
    report = check_tape(load_deal(deal))
    assert report.count(E) == 0
    assert report.loans["raw_balance"].to_list() == [scaled(loan["ESCROW"], 2) if loan["ESCROW"] else None for loan in loans_of(deal)]
    assert report.loans["balance"].to_list() == [cents(loan) for loan in loans_of(deal)]


# --- 2. tables, cross-tabs, groups and the pool-data block -----------------------------------

ONE_WAY = {  # table id: its field, its rule, and its rows as the oracle computes them
    "escrow": ("escrow", BANDS.format(edges="[99.99, 999.99]"),
               Rows(band(["99.99", "999.99"], "ESCROW"), {0: "99.99 and under", 1: "100.00 - 999.99", 2: "1000.00 and over"})),
    "teaser": ("teaser", BANDS.format(edges="[0.5, 1]"), Rows(band(["0.5", "1"], "TSPRD"), {0: "0.500 and under", 1: "0.501 - 1.000", 2: "1.001 and over"})),
    "reserves": ("reserve_months", BANDS.format(edges="[11, 23]"), Rows(band(["11", "23"], "RESERVES"), {0: "11 and under", 1: "12 - 23", 2: "24 and over"})),
    "program": ("program", PROGRAMS, Rows(lambda loan: PROGRAM.get(loan["PROG"]), {"agency_plus": "Agency Plus", "jumbo": "Jumbo", "expanded": "Expanded"})),
    "prepay": ("prepay", PREPAYS, Rows(lambda loan: PREPAY.get(loan["PPP"]), {True: "With Penalty", False: "Without"})),
    "lock": ("lock_date", "{kind: yearly}", Rows(lambda loan: loan["LOCK_DT"][-4:] or None, {str(year): str(year) for year in range(2020, 2026)})),
}  # fmt: skip
MISSING = {"lock": "Lock Date Unknown"}
"""A table's own `missing_label` (the others print the default 'Not Available')."""


def assert_table(computed: object, loans: list[Loan], expected: Rows, missing: str = "Not Available") -> None:
    """A one-way table's rows, counts, exact balances and every custom figure (rows and total) are the oracle's."""
    assert isinstance(computed, Table)
    ids = [c.id for c in computed.spec.columns or []]
    rows = expected_rows(loans, expected, missing)
    assert [r.label for r in computed.rows] == [label for label, _ in rows]
    for row, (label, members) in zip(computed.rows, rows, strict=True):
        assert (row.count, row.balance_cents) == (len(members), sum(cents(loan) for loan in members)), label
        assert printed(ids, row.figures) == figures(members), label
    assert (computed.count, computed.balance_cents) == (len(loans), sum(cents(loan) for loan in loans))
    assert printed(ids, computed.figures) == figures(loans)
    assert sum(r.balance for r in computed.rows) == computed.balance


def test_one_way_tables_by_each_kind_match_an_independent_computation(tmp_path: Path) -> None:
    """Money, percent and integer fields band; category and flag fields group (a flag's rows are true and false); a date groups by year.

    Blanks print last in the missing row; every column's figures are the oracle's.
    """
    specs = [table(id, field, rule, **({"missing_label": MISSING[id]} if id in MISSING else {})) for id, (field, rule, _) in ONE_WAY.items()]
    deal = make_deal(tmp_path, tables(*specs))
    computed = {t.spec.id: t for t in analyse(load_deal(deal)).tables}
    loans = loans_of(deal)
    for id, (_, _, rows) in ONE_WAY.items():
        missing = MISSING.get(id, "Not Available")
        assert_table(computed[id], loans, rows, missing)
        assert computed[id].rows[-1].label == missing  # every custom column has blanks


def test_crosstabs_with_custom_fields_on_their_axes(tmp_path: Path) -> None:
    """Program (category) down by teaser (percent bands) across, and FICO bands by prepay (flag): each cell counts its loans, blanks last."""
    teaser = BANDS.format(edges="[0.5, 1]")
    deal = make_deal(tmp_path, tables(
        table("program-teaser", "program", PROGRAMS, columns=[], across=f"{{field: teaser, header: [Teaser], rule: {teaser}}}", cell="count"),
        table("fico-prepay", "fico", BANDS.format(edges="[739, 779]"), columns=[], across=f"{{field: prepay, header: [Prepay], rule: {PREPAYS}}}",
              cell="count"),
    ))  # fmt: skip
    computed = {t.spec.id: t for t in analyse(load_deal(deal)).tables}
    loans = loans_of(deal)
    fico = Rows(lambda loan: sum(int(loan["FICO_SCORE"]) > e for e in (739, 779)) if loan["FICO_SCORE"] else None,
                {0: "739 and under", 1: "740 - 779", 2: "780 and over"})  # fmt: skip
    axes = {"program-teaser": (ONE_WAY["program"][2], ONE_WAY["teaser"][2]), "fico-prepay": (fico, ONE_WAY["prepay"][2])}
    for id, (down, across) in axes.items():
        matrix = computed[id]
        assert isinstance(matrix, CrossTab)
        rows = expected_rows(loans, down, "Not Available")
        columns = expected_rows(loans, across, "Not Available")
        assert matrix.row_labels == [label for label, _ in rows] and matrix.column_labels == [label for label, _ in columns]
        cells = [[sum(1 for loan in members if loan in others) for _, others in columns] for _, members in rows]
        assert matrix.cells == cells and matrix.total == matrix.count == len(loans)
        assert matrix.row_totals == [len(members) for _, members in rows] and matrix.column_totals == [len(others) for _, others in columns]


GROUPS = "    groups: {field: program, labels: {agency_plus: Agency Plus, jumbo: Jumbo, expanded: Expanded}, total_label: All Loans}\n"
SUMMARY = """\
    summary:
      - {label: Loans, kind: count}
      - {label: WA Teaser, kind: weighted_average, field: teaser}
      - {label: WA Escrow, kind: weighted_average, field: escrow}
      - {label: WA Reserves, kind: weighted_average, field: reserve_months, decimals: 2}
      - {label: Prepayment Penalty, kind: share, field: prepay, value: true}
      - {label: Jumbo, kind: share, field: program, value: jumbo}
      - {label: Min Teaser, kind: minimum, field: teaser}
      - {label: Max Escrow, kind: maximum, field: escrow}
      - {label: Max Reserves, kind: maximum, field: reserve_months}
"""


def summary_lines(loans: list[Loan]) -> dict[str, str | None]:
    """What each line of `SUMMARY` prints for these loans."""
    return {
        "Loans": str(len(loans)),
        "WA Teaser": weighted(loans, "TSPRD", 3),
        "WA Escrow": weighted(loans, "ESCROW", 2),
        "WA Reserves": weighted(loans, "RESERVES", 2),
        "Prepayment Penalty": share(loans, lambda loan: loan["PPP"] == "Y"),
        "Jumbo": share(loans, lambda loan: loan["PROG"] == "J"),
        "Min Teaser": extreme(min, loans, "TSPRD"),
        "Max Escrow": extreme(max, loans, "ESCROW"),
        "Max Reserves": extreme(max, loans, "RESERVES"),
    }


def test_groups_by_a_custom_category_and_the_pool_data_block(tmp_path: Path) -> None:
    """`pool.groups` splits by a custom category: each group's table and pool-data column is computed over its own loans.

    The expanded programme's loans have no teaser: its weighted average is over no loans (None, printed N/A).
    """
    field, rule, rows = ONE_WAY["reserves"]
    reserves = table("reserves", field, rule)
    deal = make_deal(tmp_path, GROUPS + SUMMARY + tables(reserves), cells={(6, "PROG"): "J"})
    analysis = analyse(load_deal(deal))
    loans = loans_of(deal)
    groups = {"agency_plus": "A", "jumbo": "J", "expanded": "X", None: None}
    members = {key: [loan for loan in loans if code is None or loan["PROG"] == code] for key, code in groups.items()}
    computed = {t.group_key: t for t in analysis.tables}
    assert list(computed) == list(groups) and [t.group for t in analysis.tables] == ["Agency Plus", "Jumbo", "Expanded", "All Loans"]
    for key, group in members.items():
        assert_table(computed[key], group, rows)
    block = analysis.pool_data
    assert block is not None and block.columns == ["Agency Plus", "Jumbo", "Expanded", "All Loans"]
    for line in block.lines:
        assert [None if f is None else str(f) for f in line.figures] == [summary_lines(group)[line.item.label] for group in members.values()], line.item.label
    assert next(line for line in block.lines if line.item.label == "WA Teaser").figures[2] is None


def test_a_weighted_average_over_no_loans_prints_na(tmp_path: Path) -> None:
    """In the rendered term sheet a weighted average over no loans (every expanded loan's teaser is blank) prints N/A."""
    deal = make_deal(tmp_path, tables(table("program", "program", PROGRAMS, columns=COLUMNS[:3])))
    code, out = cli("render", deal, "--format", "txt", "--out", tmp_path / "out")
    assert code == 0, out
    text = (tmp_path / "out" / "collateral-term-sheet.txt").read_text()
    lines = [line.strip() for line in text.splitlines()]  # a narrow table is centred
    printed_rows = {line.split("  ")[0]: line.split()[-1] for line in lines if line.startswith(("Agency Plus ", "Expanded "))}
    loans = loans_of(deal)
    assert printed_rows == {"Agency Plus": weighted([loan for loan in loans if loan["PROG"] == "A"], "TSPRD", 3), "Expanded": "N/A"}


def test_loans_with_a_blank_group_field_are_a_message_not_a_crash(tmp_path: Path) -> None:
    """Regression: a blank custom group field (a value not available) was an internal error in strats and passed validate."""
    deal = make_deal(tmp_path, GROUPS)
    refused(deal, f"{deal}:{line_of(deal, 'groups:')} [term_sheet.pool.groups.field]: error: 1 loan with a blank program would be in no group: "
                  "fill in the tape's PROG")  # fmt: skip


def test_validate_reports_a_group_without_a_label(tmp_path: Path) -> None:
    """Loans in a group the deal file does not label stop validate as they stop strats (validate used to pass them)."""
    deal = make_deal(tmp_path, GROUPS.replace(", expanded: Expanded", ""), cells={(6, "PROG"): "J"})
    at = f"{deal}:{line_of(deal, 'groups:')} [term_sheet.pool.groups.labels]"
    refused(deal, f"{at}: error: the tape has loans in these groups: label them (value 'expanded')")


# --- 3. deal-file mistakes ----------------------------------------------------------------------


def custom(*entries: str) -> str:
    """A `custom_fields:` section of these entries."""
    return "    custom_fields:\n" + "".join(f"      - {entry}\n" for entry in entries)


def summary(*entries: str) -> str:
    return "    summary:\n" + "".join(f"      - {entry}\n" for entry in entries)


TEASER = "{name: teaser, column: TSPRD, kind: percent}"
BANDED = BANDS.format(edges="[1]")
NOT_NUMERIC = "needs a numeric field, and {} is a {} field: use a share of one of its values"

def share_in(where: str, field: str, value: str) -> str:
    """A share of `field` equal to `value`, as the summary's one line or as a table's column after its count."""
    if where == "summary":
        return summary(f"{{label: S, kind: share, field: {field}, value: {value}}}")
    columns = ["{id: count, kind: count, header: [N]}", f"{{id: s, kind: share, field: {field}, value: {value}, header: [S]}}"]
    return tables(table("t", "fico", BANDED, columns=columns))


OUTSIDE = "no loan can have it; use a value within it"
SHARE_MISTAKES = [  # id, field, value as written, message, the value as the message quotes it (when not as written)
    ("misspelt-category", "occupancy", "investr",
     "investr is not an occupancy category: use one of primary, second_home, investor; did you mean investor?", ""),
    ("category-in-capitals", "doc_type", "Full", "Full is not a doc_type category: use one of full, streamlined, stated, other; did you mean full?", ""),
    ("tape-code-of-a-category", "occupancy", "I", "I is a tape code, not an occupancy category: write the category it maps to, investor", ""),
    ("flag-for-a-category", "purpose", "true", "true is not a purpose category: use one of purchase, rate_term_refinance, cash_out_refinance", ""),
    ("unknown-custom-category", "program", "agency",
     "agency is not a program category: use one of agency_plus, jumbo, expanded; did you mean agency_plus?", ""),
    ("tape-code-of-a-custom-category", "program", "J", "J is a tape code, not a program category: write the category it maps to, jumbo", ""),
    ("number-for-a-flag", "prepay", "5", "5 is not a value of the flag prepay: use true or false", ""),
    ("tape-code-of-a-flag", "prepay", "Y", "Y is a tape code, not a value of the flag prepay: write the value it maps to, true", ""),
    ("unknown-state", "state", "XX", "XX is not a US state or territory code: use a two-letter USPS code such as CA", ""),
    ("state-in-lower-case", "state", "ca", "ca is not a state code as loans hold it: write it in capitals, CA", ""),
    ("state-name", "state", "California", "California is a state's name, not its code: write its USPS code, CA", ""),
    ("number-above-its-range", "fico", "9999", f"9999 is outside fico's plausible range (300 to 850): {OUTSIDE}", ""),
    ("number-at-an-open-bound", "note_rate", "0", f"0 is outside note_rate's plausible range (above 0% and at most 20%): {OUTSIDE}", ""),
    ("number-below-a-custom-range", "reserve_months", "-1", f"-1 is outside reserve_months's plausible range (0 to 120): {OUTSIDE}", ""),
    ("number-finer-than-stored", "note_rate", "'6.2505'", "6.2505 is finer than note_rate is stored (3 decimals): no loan can have it; "
     "write a number with at most 3 decimals", "6.2505"),
    ("fraction-of-whole-months", "interest_only_term", "'120.5'", "120.5 is finer than interest_only_term is stored (0 decimals): no loan can have it; "
     "write a whole number", "120.5"),
    ("text-for-a-number", "interest_only_term", "IO", "IO is not a number (interest_only_term is numeric): write a whole number", ""),
    ("text-for-a-custom-number", "teaser", "half", "half is not a number (teaser is numeric): write a number with at most 3 decimals", ""),
    ("date-not-iso", "lock_date", "01/15/2023", "01/15/2023 is not a date as lock_date is compared: write it as YYYY-MM-DD", ""),
]  # fmt: skip
"""Share values no loan can have, for canonical and custom fields of each kind (each tried in the summary and in a table's column)."""

DEAL_MISTAKES = [  # id, custom fields, pool sections, text on the line, key path under term_sheet.pool, message
    ("undeclared-table-field", custom(TEASER), tables(table("t", "teazer", BANDED, columns=[])), "field: teazer", "tables.tables.0.field",
     "unknown field teazer: neither a canonical table field nor one of pool.custom_fields (teaser); did you mean teaser?"),
    ("undeclared-column-field", custom(TEASER), tables(table("t", "fico", BANDED, columns=["{id: wa, kind: weighted_average, field: escrow, header: [W]}"])),
     "field: escrow", "tables.tables.0.columns.0.field",
     "unknown field escrow: neither a canonical table field nor one of pool.custom_fields (teaser); declare it under pool.custom_fields or correct the name"),
    ("undeclared-summary-field", custom(TEASER), summary("{label: T, kind: weighted_average, field: teasers}"), "field: teasers", "summary.0.field",
     "unknown field teasers: neither a canonical table field nor one of pool.custom_fields (teaser); did you mean teaser?"),
    ("undeclared-group-field", FIELDS, "    groups: {field: programme, labels: {jumbo: Jumbo}}\n", "groups:", "groups.field",
     "unknown field programme: neither a canonical table field nor one of pool.custom_fields (escrow, teaser, reserve_months, program, prepay, lock_date); "
     "did you mean program?"),
    ("declared-twice", custom(TEASER, "{name: teaser, column: ESCROW, kind: money}"), "", "ESCROW", "custom_fields.1.name",
     "custom field teaser is declared twice: rename or remove one of them (value 'teaser')"),
    ("unknown-kind", custom("{name: teaser, column: TSPRD, kind: percentage}"), "", "TSPRD", "custom_fields.0.kind",
     "must be one of money, percent, integer, category, flag, date (value 'percentage')"),
    ("codes-for-money", custom("{name: escrow, column: ESCROW, kind: money, codes: {A: a}}"), "", "ESCROW", "custom_fields.0.codes",
     "a money field has no codes (only category and flag fields do): remove codes (value 'A')"),
    ("codes-for-a-date", custom("{name: lock_date, column: LOCK_DT, kind: date, codes: {Y: true, N: false}}"), "", "LOCK_DT", "custom_fields.0.codes",
     "a date field has no codes (only category and flag fields do): remove codes (value 'Y, N')"),
    ("category-without-codes", custom("{name: program, column: PROG, kind: category}"), "", "PROG", "custom_fields.0.codes",
     "a category field needs its codes: {tape code: a category name}"),
    ("flag-without-codes", custom("{name: prepay, column: PPP, kind: flag}"), "", "PPP", "custom_fields.0.codes",
     "a flag field needs its codes: {tape code: true or false}"),
    ("flag-code-to-a-name", custom("{name: prepay, column: PPP, kind: flag, codes: {Y: penalty, N: false}}"), "", "PPP", "custom_fields.0.codes.Y",
     "a flag code maps to true or false (value 'penalty')"),
    ("category-code-to-a-flag", custom("{name: program, column: PROG, kind: category, codes: {A: true, J: jumbo}}"), "", "PROG", "custom_fields.0.codes.A",
     "a category code maps to a category name (value 'True')"),
    ("column-not-in-the-tape", custom("{name: teaser, column: TSPREAD, kind: percent}"), "", "TSPREAD", "custom_fields.0.column",
     "column 'TSPREAD' for teaser is not in the tape loans.csv; did you mean 'TSPRD'?"),
    ("a-canonical-name", custom("{name: fico, column: TSPRD, kind: integer}"), "", "TSPRD", "custom_fields.0.name",
     "fico is a canonical field: map it under pool.columns instead (value 'fico')"),
    ("name-not-snake-case", custom("{name: Teaser Spread, column: TSPRD, kind: percent}"), "", "TSPRD", "custom_fields.0.name",
     "not of the form this key takes (the pattern ^[a-z][a-z0-9_]*$) (value 'Teaser Spread')"),
    ("decimals-of-an-integer", custom("{name: teaser, column: TSPRD, kind: integer, decimals: 2}"), "", "TSPRD", "custom_fields.0.decimals",
     "only a percent field has decimals: remove decimals (value '2')"),
    ("range-of-a-category", custom("{name: program, column: PROG, kind: category, codes: {A: a}, range: [0, 1]}"), "", "PROG", "custom_fields.0.range",
     "only a money, percent or integer field has a range: remove range (value '[0, 1]')"),
    ("range-reversed", custom("{name: teaser, column: TSPRD, kind: percent, range: [5, 1]}"), "", "TSPRD", "custom_fields.0.range",
     "the range's low is above its high: write it as [low, high] (value '[5, 1]')"),
    ("range-finer-than-decimals", custom("{name: teaser, column: TSPRD, kind: percent, decimals: 2, range: [0, 1.234]}"), "", "TSPRD",
     "custom_fields.0.range", "the range's bound 1.234 is finer than 2 decimals: round it to 2 decimals, or raise decimals (value '[0, 1.234]')"),
    ("blank-zero-of-a-flag", custom("{name: prepay, column: PPP, kind: flag, codes: {Y: true}, blank: zero}"), "", "PPP", "custom_fields.0.blank",
     "only a money, percent or integer field can read a blank as zero: use not_available or error (value 'zero')"),
    ("bands-of-a-category", FIELDS, tables(table("t", "program", BANDED, columns=[])), "field: program", "tables.tables.0.field",
     "use a categories table for program (value 'program')"),
    ("bands-of-a-date", FIELDS, tables(table("t", "lock_date", BANDED, columns=[])), "field: lock_date", "tables.tables.0.field",
     "use a yearly table for lock_date (value 'lock_date')"),
    ("flag-categories-not-true-false", FIELDS, tables(table("t", "prepay", "{kind: categories, categories: [{value: Y, label: P}, {value: N, label: Q}]}",
     columns=[])), "value: Y", "tables.tables.0.rule.categories.0.value",
     "Y is a tape code, not a value of the flag prepay: write the value it maps to, true (value 'Y')"),
    ("a-category-not-in-the-codes", FIELDS, tables(table("t", "program", "{kind: categories, categories: [{value: jumbo, label: J}, "
     "{value: agency, label: A}], other_label: Other}", columns=[])), "value: agency", "tables.tables.0.rule.categories.1.value",
     "agency is not a program category: use one of agency_plus, jumbo, expanded; did you mean agency_plus? (value 'agency')"),
    ("average-of-a-category-in-a-table", FIELDS, tables(table("t", "teaser", BANDED, columns=["{id: w, kind: weighted_average, field: program, header: [W]}"])),
     "field: program", "tables.tables.0.columns.0.field", f"a weighted_average {NOT_NUMERIC.format('program', 'category')} (value 'program')"),
    ("average-of-a-category-in-the-summary", FIELDS, summary("{label: W, kind: weighted_average, field: program}"), "field: program", "summary.0.field",
     f"a weighted_average {NOT_NUMERIC.format('program', 'category')} (value 'program')"),
    ("minimum-of-a-date-in-the-summary", FIELDS, summary("{label: W, kind: minimum, field: lock_date}"), "field: lock_date", "summary.0.field",
     f"a minimum {NOT_NUMERIC.format('lock_date', 'date')} (value 'lock_date')"),
    ("share-without-a-value-in-the-summary", FIELDS, summary("{label: W, kind: share, field: prepay}"), "field: prepay", "summary.0.value",
     "a share column needs the `value` it counts"),
    *(  # a share's value no loan can have: every row would print 0.00
        (f"share-{id}-in-the-{where}", FIELDS, share_in(where, field, value), f"value: {value}",
         "summary.0.value" if where == "summary" else "tables.tables.0.columns.1.value", f"{message} (value '{shown or value}')")
        for where in ("summary", "table")
        for id, field, value, message, shown in SHARE_MISTAKES
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "pool", "text", "key", "message"), [m[1:] for m in DEAL_MISTAKES], ids=[m[0] for m in DEAL_MISTAKES])
def test_a_deal_file_mistake_is_a_message_at_its_line(tmp_path: Path, fields: str, pool: str, text: str, key: str, message: str) -> None:
    """Each mistake stops validate and strats (exit 2) with one line: the deal file's line and key, what is wrong and what to do."""
    deal = make_deal(tmp_path, pool, fields=fields)
    refused(deal, f"{deal}:{line_of(deal, text)} [term_sheet.pool.{key}]: error: ", message)


def test_every_share_value_no_loan_can_have_is_reported_at_once(tmp_path: Path) -> None:
    """Bad share values in two tables and the summary: validate, strats and render list each at its line in one run (exit 2)."""
    columns = ["{id: count, kind: count, header: [N]}", "{id: a, kind: share, field: occupancy, value: investr, header: [A]}",
               "{id: b, kind: share, field: prepay, value: Y, header: [B]}"]  # fmt: skip
    other = ["{id: c, kind: share, field: state, value: XX, header: [C]}"]
    pool = summary("{label: S, kind: share, field: fico, value: 9999}")
    pool += tables(table("t", "fico", BANDED, columns=columns), table("u", "teaser", BANDED, columns=other))
    deal = make_deal(tmp_path, pool)
    expected = [f"{deal}:{line_of(deal, text)} [term_sheet.pool.{key}.value]: error: {text.removeprefix('value: ')} "
                for text, key in (("value: 9999", "summary.0"), ("value: investr", "tables.tables.0.columns.1"), ("value: Y", "tables.tables.0.columns.2"),
                                  ("value: XX", "tables.tables.1.columns.0"))]  # fmt: skip
    for args in (("validate", deal), ("strats", deal), ("render", deal, "--format", "txt", "--out", tmp_path / "out")):
        code, out = cli(*args)
        assert code == 2, out
        listed = [line.strip() for line in out.splitlines() if "[term_sheet.pool." in line and ": error: " in line]  # FICO edges [1]: a warning too
        assert len(listed) == len(expected) and all(any(line.startswith(e) for line in listed) for e in expected), f"{args[0]}:\n{out}"
    assert not (tmp_path / "out").exists()


def test_a_valid_share_value_no_loan_has_prints_zero(tmp_path: Path) -> None:
    """A share of a value the field can hold but no loan on this tape has is no mistake: every row and the pool-data line print 0.00."""
    absent = {"state": "WY", "doc_type": "streamlined", "fico": "300", "interest_only_term": "60", "reserve_months": "120", "teaser": "'0.126'",
              "lock_date": "'2000-01-01'", "channel": "telephone"}  # fmt: skip
    loans = loans_of(make_deal(tmp_path))
    assert not any(loan["PROP_ST"] == "WY" or loan["DOC_LVL"] not in ("FULL", "ALT") or loan["RESERVES"] == "120" for loan in loans)
    columns = ["{id: count, kind: count, header: [N]}", *(f"{{id: {f}, kind: share, field: {f}, value: {v}, header: [S]}}" for f, v in absent.items())]
    pool = summary(*(f"{{label: {f}, kind: share, field: {f}, value: {v}}}" for f, v in absent.items())) + tables(table("t", "fico", BANDED, columns=columns))
    deal = make_deal(tmp_path, pool)
    code, out = cli("validate", deal)
    assert code == 0, out
    analysis = analyse(load_deal(deal))
    (computed,) = analysis.tables
    assert isinstance(computed, Table) and computed.rows
    for row in [*computed.rows, computed]:
        assert [str(f) for f in row.figures[1:]] == ["0.00"] * len(absent)
    assert analysis.pool_data is not None and [[str(f) for f in line.figures] for line in analysis.pool_data.lines] == [["0.00"]] * len(absent)
    code, out = cli("render", deal, "--format", "txt", "--out", tmp_path / "out")
    assert code == 0, out


# --- 4. exports -----------------------------------------------------------------------------------

FORMATS = {"wa_teaser": "0.000", "wa_escrow": "0.00", "wa_reserves": "0.0", "prepay": "0.00%", "jumbo": "0.00%", "min_teaser": "0.000",
           "max_escrow": "0.00", "min_reserves": "0"}  # fmt: skip
"""The XLSX number format of each custom column: its printed decimals (shares as percents)."""


def same_number(cell: object, text: str | None, number_format: str) -> None:
    """An XLSX cell holds the printed figure as a number in its format (a percent as a fraction), or is blank for N/A."""
    value = getattr(cell, "value")  # noqa: B009  # openpyxl's cells are untyped
    if text is None:
        assert value is None
        return
    assert getattr(cell, "data_type") == "n" and isinstance(value, int | float) and getattr(cell, "number_format") == number_format  # noqa: B009
    assert Decimal(repr(value)).scaleb(2 if number_format.endswith("%") else 0) == Decimal(text)


def test_csv_json_and_xlsx_exports_carry_the_custom_columns_exactly(tmp_path: Path) -> None:
    """`strats -f csv|json|xlsx` print each custom column's figures as the oracle computes them; XLSX stores numbers, N/A blank."""
    openpyxl = pytest.importorskip("openpyxl")
    deal = make_deal(tmp_path, SUMMARY + tables(table("program", "program", PROGRAMS)))
    loans = loans_of(deal)
    rows = [*expected_rows(loans, ONE_WAY["program"][2], "Not Available"), ("Total", loans)]
    expected = {label: figures(members) for label, members in rows}
    ids = list(FORMATS)
    for fmt in ("csv", "json", "xlsx"):
        code, out = cli("strats", deal, "--format", fmt, "--out", tmp_path / f"strats.{fmt}")
        assert code == 0, out
    lines = [line for line in csv.DictReader(io.StringIO((tmp_path / "strats.csv").read_text())) if line["table"] == "program"]
    assert {line["label"]: {i: line[i] or None for i in ids} for line in lines} == expected
    (data,) = [t for t in json.loads((tmp_path / "strats.json").read_text())["tables"] if t["id"] == "program"]
    assert {r["label"]: {i: r["figures"][i] for i in ids} for r in [*data["rows"], {"label": "Total", **data["total"]}]} == expected
    sheet = openpyxl.load_workbook(tmp_path / "strats.xlsx")["program"]
    order = [column.split(",")[0].removeprefix("{id: ") for column in COLUMNS]
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == list(expected)
    for row in sheet.iter_rows(min_row=2):
        for i, number_format in FORMATS.items():
            same_number(row[1 + order.index(i)], expected[row[0].value][i], number_format)  # the label, then a column per figure
    pool_data = {r[0].value: r[1] for r in openpyxl.load_workbook(tmp_path / "strats.xlsx")["Summary"].iter_rows(min_row=2)}
    for label, text in summary_lines(loans).items():
        if label != "Loans":
            same_number(pool_data[label], text, pool_data[label].number_format)
    assert pool_data["WA Teaser"].number_format == "0.000" and pool_data["Prepayment Penalty"].number_format == "0.00%"
