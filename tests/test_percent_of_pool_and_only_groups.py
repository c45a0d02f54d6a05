"""A percent column of the whole pool (`of: pool`) and pool-data lines for some groups only (`only_groups`).

Expected figures are computed here from the example tape's text with integers and Fractions:
a group's `of: pool` column is each row's share of the pool's balance, footed by largest
remainder to the group's share of the pool rounded half-up to 0.01; in the pool's table it is
the ordinary percent. A summary line `only_groups` prints blank cells for the other groups and
the whole pool's figure in the total column.
"""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest

from generator.deal.loading import load_deal
from generator.documents.grids import pool_grid, table_grid
from generator.documents.labels import analysed as analyse
from generator.pool.strats import Table

from .helpers import Loan, cents, cli, half_up, line_of, loans_of, prime_deal

WORDS = {"count": "Count", "balance": "Balance", "total": "Total", "characteristic": "Characteristic", "pool": "Pool", "pool_data": "POOL DATA"}

LAYOUT = """
groups: {field: loan_group, labels: {"1": Group 1, "2": Group 2}, total_label: Total Pool}
summary:
  - {label: Number of Mortgage Loans, kind: count}
  - {label: Weighted Average Gross Margin (%), kind: weighted_average, field: margin, only_groups: ["2"]}
  - {label: Weighted Average Months to Roll, kind: weighted_average, field: months_to_roll, only_groups: ["2"]}
  - {label: California (%), kind: share, field: state, value: CA, only_groups: ["1"]}
tables:
  defaults: false
  tables:
    - id: occupancy
      title: [OCCUPANCY]
      header: [Occupancy]
      field: occupancy
      rule: {kind: categories, categories: [{value: primary, label: Primary}, {value: second_home, label: Second Home}, {value: investor, label: Investor}]}
      columns:
        - {id: balance, kind: balance, header: [Balance ($)]}
        - {id: pct, kind: percent, header: ["% of", Group]}
        - {id: pct_deal, kind: percent, of: pool, header: ["% of", Deal]}
"""
OCCUPANCY = {"O": "Primary", "S": "Second Home", "I": "Investor"}














def largest_remainder(parts: list[int], unit: int) -> list[int]:
    """Each part in whole `unit`s, footed to the total rounded half-up: floors, then the largest remainders (ties: larger part, then earlier)."""
    target = int(half_up(Fraction(sum(parts), unit), 0))
    floors = [p // unit for p in parts]
    for i in sorted(range(len(parts)), key=lambda i: (-(parts[i] % unit), -parts[i], i))[: target - sum(floors)]:
        floors[i] += 1
    return floors


def hundredths(n: int) -> str:
    return f"{n // 100}.{n % 100:02d}"


def weighted(loans: list[Loan], column: str, places: int, decimals: int) -> str:
    pairs = [(cents(r), int(Fraction(r[column]) * 10**places)) for r in loans if r[column]]
    if not pairs:
        return "N/A"
    return half_up(Fraction(sum(c * v for c, v in pairs), sum(c for c, _ in pairs) * 10**places), decimals)


def test_a_groups_percent_of_the_pool_foots_to_the_groups_share_and_the_pools_is_the_ordinary_percent(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, LAYOUT)
    loans = loans_of(deal)
    pool_cents = sum(map(cents, loans))
    analysis = analyse(load_deal(deal))
    tables = {t.group_key: t for t in analysis.tables}
    assert set(tables) == {"1", "2", None}
    for key in ("1", "2", None):
        table = tables[key]
        assert isinstance(table, Table)
        members = [r for r in loans if key is None or r["GRP"] == key]
        rows = [(label, [r for r in members if OCCUPANCY[r["OCC"]] == label]) for label in OCCUPANCY.values()]
        rows = [(label, rs) for label, rs in rows if rs]
        parts = [sum(map(cents, rs)) for _, rs in rows]
        group_cents = sum(parts)
        of_group = largest_remainder([p * 10_000 for p in parts], group_cents)
        of_pool = largest_remainder([p * 10_000 for p in parts], pool_cents)
        share = int(half_up(Fraction(group_cents * 100, pool_cents), 2).replace(".", ""))
        assert sum(of_pool) == share  # footed to the group's rounded share of the pool
        grid = table_grid(table, WORDS)
        assert [row[0] for row in grid.rows] == [label for label, _ in rows]
        assert [row[2:] for row in grid.rows] == [[hundredths(g), hundredths(p)] for g, p in zip(of_group, of_pool, strict=True)]
        assert grid.total is not None and grid.total[2:] == ["100.00", hundredths(share)]
        if key is None:
            assert share == 100_00 and of_pool == of_group
        else:
            assert 0 < share < 100_00 and of_pool != of_group
    shares = [tables[k].figures[2] for k in ("1", "2")]  # type: ignore[union-attr]
    assert sum(shares) in (Fraction(9999, 100), 100, Fraction(10001, 100))  # each group's share rounded on its own
    # the CSV exports the same figures
    code, out = cli("strats", deal, "-f", "csv", "-o", tmp_path / "s.csv")
    assert code == 0, out
    exported = {(r["group"], r["label"]): r["pct_deal"] for r in csv.DictReader((tmp_path / "s.csv").read_text().splitlines()) if r["table"] == "occupancy"}
    for key, label in (("1", "Group 1"), ("2", "Group 2"), (None, "Total Pool")):
        table = tables[key]
        assert isinstance(table, Table)
        assert exported[label, "Total"] == str(table.figures[2])
        assert [exported[label, r.label] for r in table.rows] == [str(r.figures[2]) for r in table.rows]


def test_a_pool_data_line_for_some_groups_prints_blank_cells_for_the_others_and_the_pools_figure(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, LAYOUT)
    loans = loans_of(deal)
    groups = {"1": [r for r in loans if r["GRP"] == "1"], "2": [r for r in loans if r["GRP"] == "2"]}
    assert all(r["AMORT_TYPE"] == "FIXED" for r in groups["1"]) and all(r["AMORT_TYPE"] == "ARM" for r in groups["2"])

    def ca(rows: list[Loan]) -> str:
        return half_up(Fraction(100 * sum(cents(r) for r in rows if r["PROP_ST"] == "CA"), sum(map(cents, rows))))

    expected = {
        "Number of Mortgage Loans": [f"{len(groups['1']):,}", f"{len(groups['2']):,}", f"{len(loans):,}"],
        "Weighted Average Gross Margin (%)": ["", weighted(groups["2"], "GROSS_MARGIN", 3, 3), weighted(loans, "GROSS_MARGIN", 3, 3)],
        "Weighted Average Months to Roll": ["", weighted(groups["2"], "MTR", 0, 0), weighted(loans, "MTR", 0, 0)],
        "California (%)": [ca(groups["1"]), "", ca(loans)],  # the total is the whole pool's, not group 1's
    }
    analysis = analyse(load_deal(deal))
    assert analysis.pool_data is not None
    grid = pool_grid(analysis.pool_data, WORDS)
    assert {row[0]: row[1:] for row in grid.rows} == expected
    # the EDGAR text prints the empty cells as spaces (not N/A)
    out = deal.parent / "out"
    code, output = cli("render", deal, "-f", "txt", "-o", out)
    assert code == 0, output
    text = (out / "collateral-term-sheet.txt").read_text()
    margin = next(line for line in text.splitlines() if line.strip().startswith("Weighted Average Gross Margin"))
    assert "N/A" not in margin and margin.split()[-2:] == expected["Weighted Average Gross Margin (%)"][1:]
    # JSON: null for a group the line is not printed for, with the line's only_groups
    code, output = cli("strats", deal, "-f", "json", "-o", tmp_path / "s.json")
    assert code == 0, output
    lines = {ln["label"]: ln for ln in json.loads((tmp_path / "s.json").read_text())["pool_data"]["lines"]}
    assert lines["Weighted Average Months to Roll"]["figures"] == [None, *expected["Weighted Average Months to Roll"][1:]]
    assert lines["Weighted Average Months to Roll"]["only_groups"] == ["2"] and "only_groups" not in lines["Number of Mortgage Loans"]
    # XLSX: an empty cell, the figures stored as numbers
    openpyxl = pytest.importorskip("openpyxl")
    code, output = cli("strats", deal, "-f", "xlsx", "-o", tmp_path / "s.xlsx")
    assert code == 0, output
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx")["Summary"]
    cells = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True)}
    roll = expected["Weighted Average Months to Roll"]
    assert cells["Weighted Average Months to Roll"] == (None, int(roll[1]), int(roll[2]))
    assert cells["California (%)"][1] is None and cells["California (%)"][0] == float(Fraction(expected["California (%)"][0]) / 100)


GROUPS = '{field: loan_group, labels: {"1": Group 1, "2": Group 2}}'
TABLE = """tables:
  defaults: false
  tables:
    - id: t
      title: [T]
      header: [State]
      field: state
      rule: {kind: states}
"""
MISTAKES: list[tuple[str, str, str, str, str]] = [  # id, pool YAML, text on the line, key under term_sheet.pool, message
    ("unknown-group-of-a-summary-line", f"groups: {GROUPS}\nsummary:\n  - {{label: M, kind: weighted_average, field: margin, only_groups: ['2', '3']}}\n",
     "only_groups", "summary.0.only_groups.1", "3 is not a group: use one of pool.groups.labels' keys (1, 2) (value '3')"),
    ("summary-line-without-groups", "summary:\n  - {label: M, kind: weighted_average, field: margin, only_groups: ['2']}\n",
     "only_groups", "summary.0.only_groups", "only_groups needs pool.groups: define the groups or remove only_groups (value '2')"),
    ("unknown-group-of-a-table", f"groups: {GROUPS}\n" + TABLE + "      only_groups: [Group 2]\n",
     "only_groups", "tables.tables.0.only_groups.0", "Group 2 is not a group: use one of pool.groups.labels' keys (1, 2) (value 'Group 2')"),
    ("of-on-a-share", f"groups: {GROUPS}\n" + TABLE + "      columns:\n        - {id: s, kind: share, field: state, value: CA, of: pool, header: [S]}\n",
     "of: pool", "tables.tables.0.columns.0.of",
     "only a percent column can be of the pool, and this is a share column: remove of (value 'pool')"),
    ("of-neither-group-nor-pool", f"groups: {GROUPS}\n" + TABLE + "      columns:\n        - {id: p, kind: percent, of: deal, header: [P]}\n",
     "of: deal", "tables.tables.0.columns.0.of", "must be one of group, pool (value 'deal')"),
]  # fmt: skip


@pytest.mark.parametrize(("pool", "text", "key", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_mistake_is_a_message_at_its_line(tmp_path: Path, pool: str, text: str, key: str, message: str) -> None:
    deal = prime_deal(tmp_path, pool)
    expected = f"{deal}:{line_of(deal, text)} [term_sheet.pool.{key}]: error: {message}"
    for command in ("validate", "strats"):
        code, out = cli(command, deal)
        assert code == 2, out
        assert expected in " ".join(out.split()), f"{command}: {expected}\nnot in:\n{out}"
