"""The pool data's top states (`rank`), shares of several values (`value: [...]`) and decimals written unquoted, on the prime jumbo example.

Each test copies the example (deal file and tape) to `tmp_path` and replaces its pool sections
(custom fields to the end) with its own YAML, sometimes after editing tape cells. Every expected
figure is computed here from the tape's text with integers and Fractions, never with the
product's code; every mistake is a message at its deal-file line with exit status 2.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

from generator.api import Table, analyse, load_deal
from generator.pool.usps import STATE_NAMES

from .helpers import Loan, cents, cli, half_up, line_of, loans_of, prime_deal

GROUPS = '{field: loan_group, labels: {"1": Group 1, "2": Group 2}, total_label: Total Pool}'


# --- the deal folder and the oracle -------------------------------------------------------------














def share(loans: list[Loan], counted: Callable[[Loan], bool]) -> str:
    return half_up(Fraction(100 * sum(cents(r) for r in loans if counted(r)), sum(map(cents, loans))))


def ranked_state(loans: list[Loan], rank: int) -> tuple[str | None, str | None]:
    """The `rank`-th state by balance (ties: state code first), its share to 0.01 and code; (None, None) with fewer states."""
    by_state: dict[str, int] = {}
    for loan in loans:
        by_state[loan["PROP_ST"]] = by_state.get(loan["PROP_ST"], 0) + cents(loan)
    ordered = sorted(by_state, key=lambda state: (-by_state[state], state))
    if len(ordered) < rank:
        return None, None
    state = ordered[rank - 1]
    return half_up(Fraction(100 * by_state[state], sum(by_state.values()))), state


def columns_of(loans: list[Loan]) -> list[list[Loan]]:
    """The pool-data block's columns: Group 1, Group 2, the pool."""
    return [[r for r in loans if r["GRP"] == "1"], [r for r in loans if r["GRP"] == "2"], loans]


# --- 1. top states ------------------------------------------------------------------------------

TOP_STATES = f"""
groups: {GROUPS}
summary:
  - {{label: Largest State (%), kind: largest_state}}
  - {{label: Second Largest State (%), kind: largest_state, rank: 2}}
  - {{label: Third Largest State (%), kind: largest_state, rank: 3}}
  - {{label: Twelfth Largest State (%), kind: largest_state, rank: 12}}
tables: {{defaults: false}}
"""


def test_top_three_states_per_group_and_pool_match_an_independent_computation(tmp_path: Path) -> None:
    """Ranks 1-3 name each column's first three states by balance; rank 12 is N/A (each group and the pool are in 11 states)."""
    deal = prime_deal(tmp_path, TOP_STATES)
    columns = columns_of(loans_of(deal))
    assert [len({r["PROP_ST"] for r in c}) for c in columns] == [11, 11, 11]
    block = analyse(load_deal(deal)).pool_data
    assert block is not None
    for line, rank in zip(block.lines, (1, 2, 3, 12), strict=True):
        expected = [ranked_state(c, rank) for c in columns]
        assert [(None if f is None else str(f), note) for f, note in zip(line.figures, line.notes, strict=True)] == expected, line.item.label
    assert all(ranked_state(c, 3)[0] is not None for c in columns)
    # the printed block: '39.55 (CA)', N/A for rank 12
    code, out = cli("render", deal, "--format", "txt", "--out", tmp_path / "out")
    assert code == 0, out
    text = (tmp_path / "out" / "collateral-term-sheet.txt").read_text()
    for label, rank in (("Second Largest State (%)", 2), ("Third Largest State (%)", 3), ("Twelfth Largest State (%)", 12)):
        printed = next(line for line in text.splitlines() if line.strip().startswith(label))
        cells = re.findall(r"N/A|\d+\.\d\d \([A-Z]{2}\)", printed)
        assert cells == [f"{f} ({s})" if f else "N/A" for f, s in (ranked_state(c, rank) for c in columns)], printed
    # exports: JSON names a rank below the largest; XLSX heads each line's states by rank
    code, out = cli("strats", deal, "-f", "json", "-o", tmp_path / "s.json")
    assert code == 0, out
    lines = json.loads((tmp_path / "s.json").read_text())["pool_data"]["lines"]
    assert [line.get("rank") for line in lines] == [None, 2, 3, 12]
    assert lines[2]["notes"] == [ranked_state(c, 3)[1] for c in columns] and lines[3]["figures"] == [None, None, None]
    code, out = cli("strats", deal, "-f", "xlsx", "-o", tmp_path / "s.xlsx")
    assert code == 0, out
    labels = [row[0].value for row in openpyxl.load_workbook(tmp_path / "s.xlsx")["Summary"].iter_rows(min_row=2)]
    assert labels[1::2] == ["Largest State", "Second Largest State", "Third Largest State", "12th Largest State"]


def one_state_in_group_2(loans: list[Loan]) -> None:
    """Every group 2 loan in the state (and ZIP code) of the first: group 2 has one state."""
    first = next(r for r in loans if r["GRP"] == "2")
    for loan in loans:
        if loan["GRP"] == "2":
            loan["PROP_ST"], loan["PROP_ZIP"] = first["PROP_ST"], first["PROP_ZIP"]


def test_a_rank_beyond_a_groups_states_prints_na_in_that_group_only(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, TOP_STATES, one_state_in_group_2)
    columns = columns_of(loans_of(deal))
    assert len({r["PROP_ST"] for r in columns[1]}) == 1
    block = analyse(load_deal(deal)).pool_data
    assert block is not None
    second = block.lines[1]
    assert second.figures[1] is None and second.notes[1] is None  # N/A, no state
    assert [(str(second.figures[i]), second.notes[i]) for i in (0, 2)] == [ranked_state(columns[i], 2) for i in (0, 2)]
    assert (str(block.lines[0].figures[1]), block.lines[0].notes[1]) == ("100.00", columns[1][0]["PROP_ST"])
    code, out = cli("render", deal, "--format", "txt", "--out", tmp_path / "out")
    assert code == 0, out
    printed = next(line for line in (tmp_path / "out" / "collateral-term-sheet.txt").read_text().splitlines() if line.strip().startswith("Second Largest"))
    assert re.findall(r"N/A|\d+\.\d\d \([A-Z]{2}\)", printed)[1] == "N/A", printed


# --- 2. shares of several values, and decimals written unquoted ----------------------------------


def some_io_terms_of_60(loans: list[Loan]) -> None:
    """Every third 120-month interest-only loan becomes a 60-month one: the tape then has both terms."""
    io = [r for r in loans if r["IO_MONTHS"] == "120"]
    for loan in io[::3]:
        loan["IO_MONTHS"] = "60"


SHARES = [  # id, value as written, who counts, in the oracle's words
    ("io", "[60, 120]", lambda r: r["IO_MONTHS"] in ("60", "120")),
    ("condo", "[condo_low, condo_high]", lambda r: r["PROPERTY"] == "CONDO"),  # the deal maps CONDO to condo_low; no code maps to condo_high
    ("non_owner", "[second_home, investor]", lambda r: r["OCC"] in ("S", "I")),
    ("two_rates", "[6.25, '7.375', 7.5]", lambda r: Decimal(r["CURR_RATE"]) in (Decimal("6.25"), Decimal("7.375"), Decimal("7.5"))),
    ("rate", "6.25", lambda r: Decimal(r["CURR_RATE"]) == Decimal("6.25")),
    ("io_120", "120.0", lambda r: r["IO_MONTHS"] == "120"),
    ("flags", "[true, false]", lambda r: r["MI_FLAG"] in ("Y", "N")),
]
"""Share columns and summary lines of several values and of decimals written unquoted, with the loans each counts."""


def shares_layout() -> str:
    summary = "".join(f"\n  - {{label: {i}, kind: share, field: {f}, value: {v}}}" for i, f, v in _fields())
    columns = "".join(f"\n        - {{id: {i}, kind: share, field: {f}, value: {v}, header: [{i}]}}" for i, f, v in _fields())
    return f"""
groups: {GROUPS}
summary:{summary}
tables:
  defaults: false
  tables:
    - id: by-state
      title: [STATES]
      header: [State]
      field: state
      rule: {{kind: states}}
      print_for: pool
      columns:
        - {{id: count, kind: count, header: [N]}}{columns}
"""


FIELDS = {"io": "interest_only_term", "condo": "property_type", "non_owner": "occupancy", "two_rates": "note_rate", "rate": "note_rate",
          "io_120": "interest_only_term", "flags": "pmi"}  # fmt: skip


def _fields() -> list[tuple[str, str, str]]:
    return [(i, FIELDS[i], v) for i, v, _ in SHARES]


def test_shares_of_several_values_and_unquoted_decimals_match_an_independent_computation(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, shares_layout(), some_io_terms_of_60)
    loans = loans_of(deal)
    assert {"60", "120"} <= {r["IO_MONTHS"] for r in loans} and any(Decimal(r["CURR_RATE"]) == Decimal("6.25") for r in loans)
    code, out = cli("validate", deal)
    assert code == 0, out
    analysis = analyse(load_deal(deal))
    # the summary: a column per group and the pool
    assert analysis.pool_data is not None
    for line, (_, _, counted) in zip(analysis.pool_data.lines, SHARES, strict=True):
        assert [str(f) for f in line.figures] == [share(c, counted) for c in columns_of(loans)], line.item.label
    # the table: a row per state and the total
    (table,) = analysis.tables
    assert isinstance(table, Table)
    states = {name: code for code, name in STATE_NAMES.items()}
    for row in table.rows:
        mine = [r for r in loans if r["PROP_ST"] == states[row.label]]
        assert [str(f) for f in row.figures[1:]] == [share(mine, counted) for _, _, counted in SHARES], row.label
    totals = [share(loans, counted) for _, _, counted in SHARES]
    assert [str(f) for f in table.figures[1:]] == totals
    assert totals[0] != share(loans, lambda r: r["IO_MONTHS"] == "120") != "0.00"  # both IO terms count
    assert totals[-1] == "100.00"
    # exports: the JSON spec keeps each list (a decimal as its exact text), the CSV the same figures
    code, out = cli("strats", deal, "-f", "json", "-o", tmp_path / "s.json")
    assert code == 0, out
    spec = json.loads((tmp_path / "s.json").read_text())["tables"][0]["spec"]
    assert {c["id"]: c["value"] for c in spec["columns"][1:]} == {
        "io": [60, 120], "condo": ["condo_low", "condo_high"], "non_owner": ["second_home", "investor"],
        "two_rates": ["6.25", "7.375", "7.5"], "rate": "6.25", "io_120": "120.0", "flags": [True, False],
    }  # fmt: skip
    code, out = cli("strats", deal, "-f", "csv", "-o", tmp_path / "s.csv")
    assert code == 0, out
    total = next(r for r in csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text())) if r["table"] == "by-state" and r["label"] == "Total")
    assert [total[i] for i, _, _ in SHARES] == totals
    code, out = cli("strats", deal, "-f", "xlsx", "-o", tmp_path / "s.xlsx")
    assert code == 0, out
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx")["by-state (Total Pool)"]
    last = [c.value for c in list(sheet.iter_rows())[-1]]
    assert last[0] == "Total" and [Decimal(str(v)) for v in last[2:]] == [Decimal(t) / 100 for t in totals]


def test_an_unquoted_decimal_is_read_as_written_never_as_a_binary_fraction(tmp_path: Path) -> None:
    """6.1 (no loan has it) is a valid note rate, not 6.0999999999999996447...: it prints 0.00; 6.25 and '6.25' count the same loans."""
    pool = f"""
groups: {GROUPS}
summary:
  - {{label: A, kind: share, field: note_rate, value: 6.1}}
  - {{label: B, kind: share, field: note_rate, value: 6.25}}
  - {{label: C, kind: share, field: note_rate, value: '6.25'}}
  - {{label: D, kind: share, field: dti, value: 0.3}}
tables: {{defaults: false}}
"""
    deal = prime_deal(tmp_path, pool)
    code, out = cli("validate", deal)
    assert code == 0, out
    loaded = load_deal(deal)
    assert loaded.deal.term_sheet is not None
    assert [item.value for item in loaded.deal.term_sheet.pool.summary] == [Decimal("6.1"), Decimal("6.25"), "6.25", Decimal("0.3")]
    block = analyse(loaded).pool_data
    assert block is not None
    loans = loans_of(deal)
    assert [str(f) for f in block.lines[0].figures] == ["0.00"] * 3
    assert [str(f) for f in block.lines[1].figures] == [str(f) for f in block.lines[2].figures]
    assert [str(f) for f in block.lines[1].figures] == [share(c, lambda r: r["CURR_RATE"] == "6.250") for c in columns_of(loans)]
    assert [str(f) for f in block.lines[3].figures] == [share(c, lambda r: r["DTI_RATIO"] in ("0.30", "0.3")) for c in columns_of(loans)]


# --- 3. mistakes, each a message at its line ------------------------------------------------------

SUMMARY = f"groups: {GROUPS}\nsummary:\n"
TABLE = """tables:
  defaults: false
  tables:
    - id: t
      title: [T]
      header: [State]
      field: state
      rule: {kind: states}
      columns:
        - {id: n, kind: count, header: [N]}
"""
MISTAKES = [  # id, pool YAML, text on the line, key under term_sheet.pool, message
    ("rank-0", SUMMARY + "  - {label: L, kind: largest_state, rank: 0}\n", "rank: 0", "summary.0.rank",
     "rank counts from 1 (1 = the largest state, 2 = the second largest...): write rank: 1 for the largest state, or leave rank out (value '0')"),
    ("rank-negative", SUMMARY + "  - {label: L, kind: largest_state, rank: -2}\n", "rank: -2", "summary.0.rank",
     "rank counts from 1 (1 = the largest state, 2 = the second largest...): write rank: 1 for the largest state, or leave rank out (value '-2')"),
    ("rank-of-a-share", SUMMARY + "  - {label: L, kind: largest_state}\n  - {label: S, kind: share, field: state, value: CA, rank: 2}\n", "rank: 2",
     "summary.1.rank", "only a largest_state line has a rank, and this is a share line: remove rank (value '2')"),
    ("rank-1-of-a-count", SUMMARY + "  - {label: N, kind: count, rank: 1}\n", "rank: 1", "summary.0.rank",
     "only a largest_state line has a rank, and this is a count line: remove rank (value '1')"),
    ("empty-list-in-the-summary", SUMMARY + "  - {label: S, kind: share, field: occupancy, value: []}\n", "value: []", "summary.0.value",
     "an empty list counts no loan: list the values the share counts, or write one value (value '[]')"),
    ("empty-list-in-a-table", TABLE + "        - {id: s, kind: share, field: state, value: [], header: [S]}\n", "value: []",
     "tables.tables.0.columns.1.value", "an empty list counts no loan: list the values the share counts, or write one value (value '[]')"),
    ("bad-value-in-a-summary-list", SUMMARY + "  - label: S\n    kind: share\n    field: occupancy\n    value:\n      - investor\n      - Second_home\n",
     "- Second_home", "summary.0.value.1",
     "Second_home is not an occupancy category: use one of primary, second_home, investor; did you mean second_home? (value 'Second_home')"),
    ("bad-value-in-a-table-list", TABLE + "        - {id: s, kind: share, field: interest_only_term, value: [60, 120.5], header: [S]}\n", "120.5",
     "tables.tables.0.columns.1.value.1",
     "120.5 is finer than interest_only_term is stored (0 decimals): no loan can have it; write a whole number (value '120.5')"),
    ("unquoted-decimal-finer-than-stored", SUMMARY + "  - {label: S, kind: share, field: note_rate, value: 6.2505}\n", "6.2505", "summary.0.value",
     "6.2505 is finer than note_rate is stored (3 decimals): no loan can have it; write a number with at most 3 decimals (value '6.2505')"),
]  # fmt: skip


@pytest.mark.parametrize(("pool", "text", "key", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_mistake_is_a_message_at_its_line(tmp_path: Path, pool: str, text: str, key: str, message: str) -> None:
    deal = prime_deal(tmp_path, pool)
    expected = f"{deal}:{line_of(deal, text)} [term_sheet.pool.{key}]: error: {message}"
    for command in ("validate", "strats"):
        code, out = cli(command, deal)
        assert code == 2, out
        assert expected in " ".join(out.split()), f"{command}: {expected}\nnot in:\n{out}"


def test_every_bad_value_of_every_list_is_reported_at_once(tmp_path: Path) -> None:
    pool = SUMMARY + "  - label: S\n    kind: share\n    field: state\n    value:\n      - ca\n      - TX\n      - California\n"
    pool += TABLE + "        - {id: s, kind: share, field: occupancy, value: [I, primary, investr], header: [S]}\n"
    pool += "        - {id: e, kind: share, field: state, value: [], header: [E]}\n"
    deal = prime_deal(tmp_path, pool)
    expected = [
        (line_of(deal, "- ca"), "summary.0.value.0", "ca is not a state code as loans hold it: write it in capitals, CA"),
        (line_of(deal, "- California"), "summary.0.value.2", "California is a state's name, not its code: write its USPS code, CA"),
        (line_of(deal, "investr"), "tables.tables.0.columns.1.value.0", "I is a tape code, not an occupancy category"),
        (line_of(deal, "investr"), "tables.tables.0.columns.1.value.2", "investr is not an occupancy category"),
        (line_of(deal, "value: []"), "tables.tables.0.columns.2.value", "an empty list counts no loan"),
    ]
    for args in (("validate", deal), ("strats", deal), ("render", deal, "--format", "txt", "--out", tmp_path / "out")):
        code, out = cli(*args)
        assert code == 2, out
        listed = [" ".join(line.split()) for line in out.splitlines() if "[term_sheet.pool." in line]
        assert len(listed) == len(expected), out
        for line, key, message in expected:
            assert any(entry.startswith(f"{deal}:{line} [term_sheet.pool.{key}]: error: {message}") for entry in listed), (key, out)
    assert not (tmp_path / "out").exists()
