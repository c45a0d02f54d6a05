"""Oracle tests of the figure columns, groups, cross-tabs and pool-data block on the prime jumbo example.

Every expected figure is computed here from the tape's text with integers and Fractions,
independently of the product's code.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from generator.deal.loading import load_deal
from generator.deal.models import TableSpec
from generator.documents.labels import analysed, labelled
from generator.errors import DealdocsError
from generator.pool.analysis import check_tape
from generator.pool.crosstab import CrossTab
from generator.pool.strats import Table, compute_table
from generator.pool.tape import load_tape
from generator.pool.usps import STATE_NAMES

from .helpers import footed, half_up

EXAMPLE = Path(__file__).parent.parent / "examples" / "prime-jumbo-2024-1"


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])




def test_columns_groups_crosstab_and_pool_data_match_an_independent_computation() -> None:
    rows = list(csv.DictReader((EXAMPLE / "loans.csv").open()))
    analysis = analysed(load_deal(EXAMPLE / "deal.yaml"))
    tables = {(t.spec.id, t.group_key): t for t in analysis.tables}
    for key in ("1", "2", None):
        loans = [r for r in rows if key is None or r["GRP"] == key]
        cents = [_cents(r["CUR_UPB"]) for r in loans]
        table = tables["balance", key]
        assert isinstance(table, Table)
        assert table.count == len(loans) and table.balance_cents == sum(cents)
        assert sum(r.balance for r in table.rows) == table.balance
        assert sum(r.percent for r in table.rows) == 100
        with_fico = [(c, int(r["FICO_SCORE"])) for c, r in zip(cents, loans, strict=True) if r["FICO_SCORE"]]
        wa_fico = half_up(Fraction(sum(c * f for c, f in with_fico), sum(c for c, _ in with_fico)), 0)
        ids = [c.id for c in table.spec.columns or []]
        assert str(table.figures[ids.index("wa_fico")]) == wa_fico
        fico = tables["fico", key]
        assert isinstance(fico, Table) and fico.rows[-1].label == "Not Available"
        assert fico.rows[-1].count == sum(1 for r in loans if not r["FICO_SCORE"])
        assert fico.rows[-1].figures[ids.index("wa_fico")] is None  # a weighted average over no loans
        matrix = tables["fico-ltv", key]
        assert isinstance(matrix, CrossTab)
        assert sum(sum(row) for row in matrix.cells) == 100 == matrix.total
        assert sum(matrix.row_totals) == sum(matrix.column_totals) == 100
    assert ("margin", "1") not in tables and ("margin", None) not in tables and ("margin", "2") in tables
    block = analysis.pool_data
    assert block is not None and block.columns == ["Group 1", "Group 2", "Total Pool"]
    io = next(line for line in block.lines if line.item.label.startswith("Interest-Only"))
    arm = [r for r in rows if r["GRP"] == "2"]
    expected = half_up(Fraction(100 * sum(_cents(r["CUR_UPB"]) for r in arm if r["IO_MONTHS"] == "120"), sum(_cents(r["CUR_UPB"]) for r in arm)), 2)
    assert str(io.figures[1]) == expected and str(io.figures[0]) == "0.00"
    margin = next(line for line in block.lines if "Margin" in line.item.label)
    assert margin.figures[0] is None  # no fixed-rate loan has a margin


def test_average_balance_minimum_maximum_share_and_the_custom_field_match_an_independent_computation() -> None:
    rows = list(csv.DictReader((EXAMPLE / "loans.csv").open()))
    analysis = analysed(load_deal(EXAMPLE / "deal.yaml"))
    block = analysis.pool_data
    assert block is not None
    lines = {line.item.label: line.figures for line in block.lines}
    tables = {(t.spec.id, t.group_key): t for t in analysis.tables}
    for column, key in enumerate(("1", "2", None)):
        loans = [r for r in rows if key is None or r["GRP"] == key]
        cents = [_cents(r["CUR_UPB"]) for r in loans]
        assert str(lines["Average Current Principal Balance"][column]) == half_up(Fraction(sum(cents), 100 * len(loans)), 0)
        rates = [int(r["CURR_RATE"].replace(".", "")) for r in loans]  # thousandths of a percent
        assert str(lines["Minimum Mortgage Rate (%)"][column]) == half_up(Fraction(min(rates), 1000), 3)
        assert str(lines["Maximum Mortgage Rate (%)"][column]) == half_up(Fraction(max(rates), 1000), 3)
        ficos = [int(r["FICO_SCORE"]) for r in loans if r["FICO_SCORE"]]
        assert (lines["Minimum FICO"][column], lines["Maximum FICO"][column]) == (min(ficos), max(ficos))
        occupancy = [sum(c for c, r in zip(cents, loans, strict=True) if r["OCC"] == code) for code in "OSI"]  # the occupancy table's rows
        assert str(lines["Investor Properties (%)"][column]) == footed(occupancy)[2]  # the Investor row's footed figure (match_table)
        reserves = [(c, int(r["RESERVES"])) for c, r in zip(cents, loans, strict=True) if r["RESERVES"]]  # the custom field; blanks left out
        wa = half_up(Fraction(sum(c * m for c, m in reserves), sum(c for c, _ in reserves)), 0)
        assert str(lines["Weighted Average Reserves (months)"][column]) == wa
        table = tables["reserves", key]
        assert isinstance(table, Table)
        edges = [11, 23, 47]
        expected = [0] * (len(edges) + 1)
        for r in loans:
            if r["RESERVES"]:
                expected[sum(int(r["RESERVES"]) > e for e in edges)] += 1
        blank = sum(1 for r in loans if not r["RESERVES"])
        assert [row.count for row in table.rows] == [n for n in expected if n] + ([blank] if blank else [])
        assert table.rows[-1].label == ("Not Available" if blank else table.rows[-1].label)


def test_canonical_flags_are_share_columns_and_categories_tables_like_custom_flags() -> None:
    rows = list(csv.DictReader((EXAMPLE / "loans.csv").open()))
    terms = load_deal(EXAMPLE / "deal.yaml").deal.term_sheet
    assert terms is not None
    loans = load_tape(EXAMPLE / "loans.csv", terms.pool, terms.cut_off_date).loans
    columns = [
        {"id": "count", "kind": "count", "header": ["Loans"]},
        {"id": "fthb", "kind": "share", "field": "first_time_buyer", "value": True, "header": ["% FTHB"]},
        {"id": "pmi", "kind": "share", "field": "pmi", "value": True, "header": ["% PMI"]},
    ]
    rule = {"kind": "categories", "categories": [{"value": True, "label": "Self-Employed"}, {"value": False, "label": "Salaried"}]}
    spec = TableSpec.model_validate({"id": "se", "title": ["T"], "header": ["H"], "field": "self_employed", "rule": rule, "columns": columns})
    table = labelled([compute_table(loans, spec)])[0]
    assert isinstance(table, Table) and [r.label for r in table.rows] == ["Self-Employed", "Salaried"]
    for row, code in zip(table.rows, ("Y", "N"), strict=True):
        loans_in = [r for r in rows if r["SELF_EMP"] == code]
        fthb = sum(_cents(r["CUR_UPB"]) for r in loans_in if r["FTHB"] == "Y")
        assert row.count == len(loans_in)
        assert str(row.figures[1]) == half_up(Fraction(100 * fthb, sum(_cents(r["CUR_UPB"]) for r in loans_in)), 2)
        assert str(row.figures[2]) == "0.00"  # no loan of the example has primary mortgage insurance
    wrong = TableSpec.model_validate({**spec.model_dump(), "rule": {**rule, "categories": [{"value": "Y", "label": "Self-Employed"}]}})
    with pytest.raises(DealdocsError) as raised:
        compute_table(loans, wrong)
    assert [p.message for p in raised.value.problems] == ["Y is not a value of the flag self_employed: use true or false"]


def _by_state(*columns: dict[str, object]) -> TableSpec:
    """A states table of the example's loans with these figure columns (after the count), built in code: no deal file places it."""
    count = {"id": "count", "kind": "count", "header": ["N"]}
    return TableSpec.model_validate(
        {"id": "by-state", "title": ["STATES"], "header": ["State"], "field": "state", "rule": {"kind": "states"}, "columns": [count, *columns]}
    )


def test_a_share_of_a_valid_value_matches_an_independent_computation_and_an_absent_one_prints_zero() -> None:
    """Per state: the investor share is the oracle's; Wyoming (no loan) and the streamlined programme (no code maps to it) print 0.00."""
    rows = list(csv.DictReader((EXAMPLE / "loans.csv").open()))
    assert not any(r["PROP_ST"] == "WY" for r in rows)
    loans = check_tape(load_deal(EXAMPLE / "deal.yaml")).loans
    shares = [("investor", "occupancy", "investor"), ("wy", "state", "WY"), ("streamlined", "doc_type", "streamlined")]
    table = labelled([compute_table(loans, _by_state(*({"id": i, "kind": "share", "field": f, "value": v, "header": [i]} for i, f, v in shares)))])[0]
    assert isinstance(table, Table)
    names = {name: code for code, name in STATE_NAMES.items()}
    for row in table.rows:
        loans_in = [r for r in rows if r["PROP_ST"] == names[row.label]]
        investor = sum(_cents(r["CUR_UPB"]) for r in loans_in if r["OCC"] == "I")
        assert str(row.figures[1]) == half_up(Fraction(100 * investor, sum(_cents(r["CUR_UPB"]) for r in loans_in)), 2), row.label
        assert row.figures[2:] == (Decimal("0.00"), Decimal("0.00")), row.label
    assert table.figures[2:] == (Decimal("0.00"), Decimal("0.00"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occupancy", "Investor", "Investor is not an occupancy category: use one of primary, second_home, investor; did you mean investor?"),
        ("state", "XX", "XX is not a US state or territory code: use a two-letter USPS code such as CA"),
        ("fico", 9999, "9999 is outside fico's plausible range (300 to 850): no loan can have it; use a value within it"),
        ("interest_only_term", True, "true is not a number (interest_only_term is numeric): write a whole number"),
    ],
    ids=["category-in-capitals", "unknown-state", "above-its-range", "flag-for-a-number"],
)
def test_a_share_of_a_value_no_loan_can_have_is_refused_in_a_table_built_in_code(field: str, value: object, message: str) -> None:
    """Without a deal file (and its codes) a table still refuses such a share, naming the table's column, instead of printing 0.00."""
    loans = check_tape(load_deal(EXAMPLE / "deal.yaml")).loans
    with pytest.raises(DealdocsError) as caught:
        compute_table(loans, _by_state({"id": "s", "kind": "share", "field": field, "value": value, "header": ["S"]}))
    (problem,) = caught.value.problems
    assert (problem.column, problem.message) == ("tables.by-state.columns.1.value", message)


@pytest.mark.parametrize("clamp_down", [True, False])
def test_a_crosstab_axis_clamped_to_the_data_labels_its_outer_bands_with_the_lowest_and_highest_values(clamp_down: bool) -> None:
    """Only a clamped axis reads its values' range; its first and last labels are the data's, the other axis keeps its open labels."""
    rows = list(csv.DictReader((EXAMPLE / "loans.csv").open()))
    terms = load_deal(EXAMPLE / "deal.yaml").deal.term_sheet
    assert terms is not None
    loans = load_tape(EXAMPLE / "loans.csv", terms.pool, terms.cut_off_date).loans
    open_rate = {"first_label": "to {{ hi }}", "last_label": "{{ lo }} up"}
    rate = {"kind": "bands", "edges": ["6.499", "6.999"], "label": "{{ lo }} - {{ hi }}", **({"clamp_to_data": True} if clamp_down else open_rate)}
    ltv = {"kind": "bands", "edges": ["70", "80"], "clamp_to_data": True, "label": "{{ lo }} - {{ hi }}"}
    across = {"field": "ltv", "header": ["LTV"], "rule": ltv}
    spec = TableSpec.model_validate({"id": "x", "title": ["T"], "header": ["Rate"], "field": "note_rate", "rule": rate, "across": across, "cell": "count"})
    table = labelled([compute_table(loans, spec)])[0]
    assert isinstance(table, CrossTab)
    rates = sorted(Decimal(r["CURR_RATE"]) for r in rows)
    ltvs = sorted(Decimal(r["ORIG_LTV"]) for r in rows)
    assert table.column_labels[0].startswith(f"{ltvs[0]:.3f} - ") and table.column_labels[-1].endswith(f" - {ltvs[-1]:.3f}")
    if clamp_down:
        assert table.row_labels[0].startswith(f"{rates[0]:.3f} - ") and table.row_labels[-1].endswith(f" - {rates[-1]:.3f}")
    else:
        assert (table.row_labels[0], table.row_labels[-1]) == ("to 6.499", "7.000 up")
    assert table.count == len(rows)
