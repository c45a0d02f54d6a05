"""A pool-data share and the table row stating the same share print the same figure: the row's, footed.

Expected figures come from the prime-jumbo tape's text: each table row's percent footed by
largest remainder (`helpers.footed`), a line no row states rounded half-up on its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from generator.deal.loading import load_deal
from generator.deal.models import TableSpec
from generator.documents.labels import analysed as analyse
from generator.pool.columns import held
from generator.pool.strats import category_of

from .helpers import EXAMPLES, Loan, cents, cli, footed, half_up, line_of, loans_of

STATES_BY_NAME = ["CA", "CO", "FL", "IL", "MD", "MA", "NJ", "NY", "TX", "VA", "WA"]  # the state table's rows: by state name
LAST_LINE = "      - {label: Weighted Average Reserves (months), kind: weighted_average, field: reserve_months}\n"
LINES = """\
      - {label: Illinois (%), kind: share, field: state, value: IL}
      - {label: Illinois Own (%), kind: share, field: state, value: IL, match_table: false}
      - {label: Second Homes (%), kind: share, field: occupancy, value: [second_home]}
      - {label: Second Homes or Investor (%), kind: share, field: occupancy, value: [second_home, investor]}
      - {label: Second Homes 3 (%), kind: share, field: occupancy, value: second_home, decimals: 3}
      - {label: 2-4 Family (%), kind: share, field: property_type, value: multi_family}
""" + "".join(f"      - {{label: State {rank} (%), kind: largest_state, rank: {rank}}}\n" for rank in range(2, 12))


def deal_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the prime-jumbo example with each (old, new) text replaced once in its deal file."""
    folder = tmp_path / "deal"
    shutil.copytree(EXAMPLES / "prime-jumbo-2024-1", folder)
    deal = folder / "deal.yaml"
    text = deal.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    deal.write_text(text)
    return deal


def columns_of(loans: list[Loan]) -> list[list[Loan]]:
    """The block's columns' loans: group 1, group 2, the pool."""
    return [[r for r in loans if r["GRP"] == "1"], [r for r in loans if r["GRP"] == "2"], loans]


def row_figure(loans: list[Loan], column: str, codes: list[str], code: str) -> str:
    """The footed percent of the row of `code` in a table whose rows are `codes` of the tape column, in order."""
    parts = [sum(cents(r) for r in loans if r[column] == c) for c in codes]
    return footed([p for p in parts if p])[[c for c, p in zip(codes, parts, strict=True) if p].index(code)]


def own(loans: list[Loan], holds: Callable[[Loan], bool], places: int = 2) -> str:
    return half_up(Fraction(100 * sum(cents(r) for r in loans if holds(r)), sum(map(cents, loans))), places)


def test_a_line_a_table_row_states_prints_the_rows_footed_figure_and_any_other_its_own(tmp_path: Path) -> None:
    deal = deal_with(tmp_path, (LAST_LINE, LAST_LINE + LINES))
    analysis = analyse(load_deal(deal))
    assert analysis.pool_data is not None
    lines = {line.item.label: line for line in analysis.pool_data.lines}
    tables = {(t.spec.id, t.group_key): t for t in analysis.tables}
    differ = 0
    for n, (key, loans) in enumerate(zip(("1", "2", None), columns_of(loans_of(deal)), strict=True)):

        def shown(label: str, at: int = n) -> str:
            return str(lines[label].figures[at])

        illinois = row_figure(loans, "PROP_ST", STATES_BY_NAME, "IL")
        assert shown("Illinois (%)") == illinois == str(next(r.percent for r in tables["state", key].rows if r.label == "Illinois"))  # type: ignore[union-attr]
        assert shown("Illinois Own (%)") == own(loans, lambda r: r["PROP_ST"] == "IL")  # match_table: false
        assert shown("Investor Properties (%)") == row_figure(loans, "OCC", ["O", "S", "I"], "I")
        assert shown("Second Homes (%)") == row_figure(loans, "OCC", ["O", "S", "I"], "S")  # a list of one value: that row
        assert shown("Second Homes or Investor (%)") == own(loans, lambda r: r["OCC"] in "SI")  # no row holds two categories
        assert shown("Second Homes 3 (%)") == own(loans, lambda r: r["OCC"] == "S", 3)  # 3 decimals: no row prints it
        assert shown("Cash-Out Refinance (%)") == row_figure(loans, "LOAN_PURP", ["P", "R", "C"], "C")
        assert shown("Full Documentation (%)") == row_figure(loans, "DOC_LVL", ["FULL", "ALT"], "FULL")
        assert shown("2-4 Family (%)") == row_figure(loans, "PROPERTY", ["SF", "PUD", "CONDO", "2UNIT"], "2UNIT")
        assert shown("Interest-Only (%)") == own(loans, lambda r: r["IO_MONTHS"] == "120")  # no table of IO terms
        balances = {s: sum(cents(r) for r in loans if r["PROP_ST"] == s) for s in STATES_BY_NAME}
        ranked = sorted((s for s in balances if balances[s]), key=lambda s: (-balances[s], s))
        for rank, state in enumerate(ranked, 1):
            label = "Largest State Concentration (%)" if rank == 1 else f"State {rank} (%)"
            assert (shown(label), lines[label].notes[n]) == (row_figure(loans, "PROP_ST", STATES_BY_NAME, state), state)
        differ += illinois != own(loans, lambda r: r["PROP_ST"] == "IL")
        differ += shown("2-4 Family (%)") != own(loans, lambda r: r["PROPERTY"] == "2UNIT")
    assert differ == 3  # Illinois in group 2 and the pool, 2-4 family in the pool: the footed figure is not the half-up one
    code, out = cli("validate", deal)
    assert code == 0, out


def test_a_table_printed_for_the_pool_only_states_the_pools_figure_and_the_groups_print_their_own(tmp_path: Path) -> None:
    occupancy = "        - id: occupancy\n          title: [OCCUPANCY]\n"
    deal = deal_with(tmp_path, (occupancy, occupancy + "          print_for: pool\n"), (LAST_LINE, LAST_LINE + LINES))
    block = analyse(load_deal(deal)).pool_data
    assert block is not None
    figures = [str(f) for f in next(line for line in block.lines if line.item.label == "Second Homes (%)").figures]
    group_1, group_2, pool = columns_of(loans_of(deal))
    expected = [own(group_1, lambda r: r["OCC"] == "S"), own(group_2, lambda r: r["OCC"] == "S"), row_figure(pool, "OCC", ["O", "S", "I"], "S")]
    assert figures == expected and expected[1] == "10.95" != row_figure(group_2, "OCC", ["O", "S", "I"], "S")


def test_match_table_on_a_line_that_is_no_share_is_a_message_at_its_line(tmp_path: Path) -> None:
    line = "      - {label: Weighted Average FICO, kind: weighted_average, field: fico}\n"
    deal = deal_with(tmp_path, (line, line.replace("}", ", match_table: false}")))
    for command in ("validate", "strats"):
        code, out = cli(command, deal)
        assert code == 2, out
        expected = f"{deal}:{line_of(deal, 'match_table')} [term_sheet.pool.summary.10.match_table]: error: only a share or largest_state line"
        assert expected in " ".join(out.split()), out


@pytest.mark.parametrize(
    ("field", "categories", "value", "row"),
    [
        ("margin", [Decimal("2.250"), Decimal("2.750")], Decimal("2.75"), 1),  # a category and a share's value, both in the tape's units
        ("margin", [Decimal("2.250"), Decimal("2.750")], Decimal("2.7"), None),
        ("interest_only_term", [0, 120], 120, 1),
        ("self_employed", [True, False], "false", 1),  # a flag's share value may be written as text
        ("self_employed", [True, False], True, 0),
        ("occupancy", ["primary", "investor"], "investor", 1),
        ("occupancy", ["primary", "investor"], "second_home", None),
    ],
)
def test_the_category_holding_a_shares_value_is_found_in_the_fields_own_terms(field: str, categories: list[object], value: object, row: int | None) -> None:
    rule = {"kind": "categories", "categories": [{"value": c, "label": str(c)} for c in categories]}
    spec = TableSpec.model_validate({"id": "t", "title": ["T"], "header": ["H"], "field": field, "rule": rule})
    assert category_of(spec, held(spec.field.loan_field, value)) == row  # type: ignore[arg-type]
