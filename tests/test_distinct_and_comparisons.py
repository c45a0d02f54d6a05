"""What a 2024 table says, said plainly in the deal file, on the prime jumbo example.

A `distinct` rule (a row per value present), number categories written as the tape writes
them (2.250), shares with comparisons ({greater_than: 0}) and the open bands' `edge`. Each
test copies the example to `tmp_path` with its own pool sections, sometimes after editing
tape cells. Every expected figure is computed here from the tape's text with integers,
Decimals of the cells' text and Fractions, never with the product's code; every mistake is a
message at its deal-file line with exit status 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.api import Table, analyse, load_deal
from generator.deal.models import Comparison, TableSpec
from generator.documents.labels import labelled
from generator.fields import FIELDS
from generator.pool.columns import comparison_problems
from generator.pool.crosstab import CrossTab
from generator.pool.strats import compute_table
from generator.pool.usps import STATE_NAMES

from .helpers import Loan, cents, cli, half_up, line_of, loans_of, prime_deal

GROUPS = '{field: loan_group, labels: {"1": Group 1, "2": Group 2}, total_label: Total Pool}'
COLUMNS = """
        - {id: count, kind: count, header: [N]}
        - {id: balance, kind: balance, header: [B]}
        - {id: percent, kind: percent, header: [P]}
        - {id: wac, kind: weighted_average, field: note_rate, header: [WAC]}"""


def several_margins(loans: list[Loan]) -> None:
    """The ARM loans' margins cycle through four values, one written short ('2.5'); the fixed loans keep a blank margin."""
    arms = [r for r in loans if r["GROSS_MARGIN"]]
    for i, loan in enumerate(arms):
        loan["GROSS_MARGIN"] = ("2.250", "2.5", "2.750", "3.125")[i % 4]


def table_yaml(id: str, field: str, rule: str, columns: str = COLUMNS, **keys: str) -> str:
    extra = "".join(f"\n      {k}: {v}" for k, v in keys.items())
    return f"""
    - id: {id}
      title: [T]
      header: [H]
      field: {field}
      rule: {rule}{extra}
      columns:{columns}"""


def pool_yaml(*tables: str, summary: str = "", custom: str = "") -> str:
    return f"""
custom_fields:{custom or " []"}
groups: {GROUPS}
summary:{summary or " []"}
tables:
  defaults: false
  tables:{"".join(tables) or " []"}
"""


def groups_of(loans: list[Loan]) -> dict[str | None, list[Loan]]:
    """Each table's loans by its group key: "1", "2" and the whole pool (None)."""
    return {"1": [r for r in loans if r["GRP"] == "1"], "2": [r for r in loans if r["GRP"] == "2"], None: loans}


def thousandths(text: str) -> int:
    """A percent cell as thousandths of a percent, from its text: '2.5' is 2500."""
    return int(Decimal(text) * 1000)


def weighted_rate(loans: list[Loan]) -> str:
    """The balance-weighted note rate, 3 decimals half-up."""
    return half_up(Fraction(sum(cents(r) * thousandths(r["CURR_RATE"]) for r in loans), 1000 * sum(map(cents, loans))), 3)


def expected_rows(loans: list[Loan], key: Callable[[Loan], Decimal | None], label: Callable[[Decimal], str]) -> list[tuple[str, list[Loan]]]:
    """A distinct table's rows by the oracle: each value present, ascending, labelled; blanks last as Not Available."""
    values = sorted({v for r in loans if (v := key(r)) is not None})
    rows = [(label(v), [r for r in loans if key(r) == v]) for v in values]
    blank = [r for r in loans if key(r) is None]
    return rows + ([("Not Available", blank)] if blank else [])


def assert_rows(table: Table, expected: list[tuple[str, list[Loan]]]) -> None:
    """Labels, counts, exact balances and weighted rates as the oracle's; percents foot to 100.00, each the floor or ceiling of its share."""
    assert [r.label for r in table.rows] == [label for label, _ in expected]
    total = sum(cents(r) for _, loans in expected for r in loans)
    for row, (label, loans) in zip(table.rows, expected, strict=True):
        assert (row.count, row.balance_cents) == (len(loans), sum(map(cents, loans))), label
        assert str(row.figures[3]) == weighted_rate(loans), label
        exact = Fraction(100 * row.balance_cents, total)
        assert Fraction(str(row.percent)) in (Fraction(int(exact * 100), 100), Fraction(int(exact * 100) + 1, 100)), label
    assert sum(r.percent for r in table.rows) == Decimal("100.00")


def margin(loan: Loan) -> Decimal | None:
    return Decimal(loan["GROSS_MARGIN"]) if loan["GROSS_MARGIN"] else None


# --- 1. distinct ---------------------------------------------------------------------------------


def test_distinct_rows_are_the_values_present_ascending_at_the_fields_decimals(tmp_path: Path) -> None:
    """Margins 2.250, 2.5, 2.750, 3.125 on the tape: a row each, labelled 2.250 2.500 2.750 3.125; the fixed loans' blanks last."""
    pool = pool_yaml(
        table_yaml("margin", "margin", "{kind: distinct}"),
        table_yaml("margin-pct", "margin", "{kind: distinct, label: '{{ value | fixed(2) }}%'}", print_for="pool"),
    )
    deal = prime_deal(tmp_path, pool, several_margins)
    code, out = cli("validate", deal)
    assert code == 0, out
    loans = loans_of(deal)
    tables = analyse(load_deal(deal)).tables
    by_group = {t.group_key: t for t in tables if t.spec.id == "margin" and isinstance(t, Table)}
    assert set(by_group) == {"1", "2", None}
    for key, mine in groups_of(loans).items():
        assert_rows(by_group[key], expected_rows(mine, margin, lambda v: f"{v:.3f}"))
    assert [r.label for r in by_group[None].rows] == ["2.250", "2.500", "2.750", "3.125", "Not Available"]
    assert [r.label for r in by_group["1"].rows] == ["Not Available"]  # group 1 is fixed-rate: every margin blank
    (pct,) = [t for t in tables if t.spec.id == "margin-pct"]
    assert isinstance(pct, Table)
    assert [r.label for r in pct.rows] == ["2.25%", "2.50%", "2.75%", "3.13%", "Not Available"]  # fixed(2) rounds half-up
    # the CSV export's labels are the table's
    code, out = cli("strats", deal, "-f", "csv", "-o", tmp_path / "s.csv")
    assert code == 0, out
    rows = [r for r in csv.DictReader(io.StringIO((tmp_path / "s.csv").read_text())) if r["table"] == "margin" and r["group"] == "Group 2"]
    assert [r["label"] for r in rows] == ["2.250", "2.500", "2.750", "3.125", "Total"]


def test_distinct_keeps_a_negative_value_apart_from_the_blanks(tmp_path: Path) -> None:
    """A custom integer with no range holds -1 and -3 on some loans and blanks on others: -3, -1 and Not Available are three rows."""

    def negatives_and_blanks(loans: list[Loan]) -> None:
        for i, loan in enumerate(loans[:30]):
            loan["RESERVES"] = ("-1", "-3", "")[i % 3]

    custom = "\n  - {name: reserve_months, column: RESERVES, kind: integer}"
    deal = prime_deal(tmp_path, pool_yaml(table_yaml("reserves", "reserve_months", "{kind: distinct}", print_for="pool"), custom=custom),
                      negatives_and_blanks)  # fmt: skip
    code, out = cli("validate", deal)
    assert code == 0, out
    (table,) = analyse(load_deal(deal)).tables
    assert isinstance(table, Table)
    expected = expected_rows(loans_of(deal), lambda r: Decimal(r["RESERVES"]) if r["RESERVES"] else None, str)
    assert_rows(table, expected)
    assert [r.label for r in table.rows][:2] == ["-3", "-1"] and table.rows[-1].label == "Not Available"


def test_distinct_is_a_cross_tab_axis(tmp_path: Path) -> None:
    """FICO bands down, distinct margins across, counts in the cells: each cell counts the loans of its band and value."""
    crosstab = """
    - id: fico-margin
      title: [T]
      header: [Credit Score]
      field: fico
      print_for: groups
      only_groups: ["2"]
      rule: {kind: bands, edges: [739, 779], first_label: '{{ hi }} and below', label: '{{ lo }} - {{ hi }}', last_label: 'Above {{ edge }}'}
      across: {field: margin, header: [Margin], rule: {kind: distinct, label: '{{ value }}%'}}
      cell: count"""
    deal = prime_deal(tmp_path, pool_yaml(crosstab), several_margins)
    code, out = cli("validate", deal)
    assert code == 0, out
    (table,) = analyse(load_deal(deal)).tables
    assert isinstance(table, CrossTab)
    mine = groups_of(loans_of(deal))["2"]
    values = sorted({v for r in mine if (v := margin(r)) is not None})
    assert table.column_labels == [f"{v:.3f}%" for v in values]

    def band(loan: Loan) -> str:
        if not loan["FICO_SCORE"]:
            return "Not Available"
        fico = int(loan["FICO_SCORE"])
        return "739 and below" if fico <= 739 else "740 - 779" if fico <= 779 else "Above 779"

    bands = [b for b in ("739 and below", "740 - 779", "Above 779", "Not Available") if any(band(r) == b for r in mine)]
    assert table.row_labels == bands
    assert table.cells == [[sum(1 for r in mine if band(r) == b and margin(r) == v) for v in values] for b in bands]


# --- 2. number categories as the tape writes them ------------------------------------------------


def test_number_categories_are_written_in_the_tapes_units(tmp_path: Path) -> None:
    """Margins 2.250 (unquoted), '2.5' (quoted) and 2.75 name their rows; 3.125 falls in Other; an initial cap of 5 is 5.000%."""
    categories = "{kind: categories, categories: [{value: 2.250, label: Low}, {value: '2.5', label: Mid}, {value: 2.75, label: High}], other_label: Other}"
    pool = pool_yaml(
        table_yaml("margin", "margin", categories, print_for="pool"),
        table_yaml("cap", "initial_rate_cap", "{kind: categories, categories: [{value: 5, label: Five}]}", print_for="groups", only_groups='["2"]'),
    )
    deal = prime_deal(tmp_path, pool, several_margins)
    code, out = cli("validate", deal)
    assert code == 0, out
    loans = loans_of(deal)
    margins, cap = analyse(load_deal(deal)).tables
    assert isinstance(margins, Table) and isinstance(cap, Table)
    named = {Decimal("2.25"): "Low", Decimal("2.5"): "Mid", Decimal("2.75"): "High"}
    expected = [(label, [r for r in loans if margin(r) == value]) for value, label in named.items()]
    expected += [("Other", [r for r in loans if margin(r) == Decimal("3.125")]), ("Not Available", [r for r in loans if margin(r) is None])]
    assert_rows(margins, expected)
    arms = groups_of(loans)["2"]
    assert {r["INIT_CAP"] for r in arms} == {"5.000"}
    assert_rows(cap, [("Five", arms)])


# --- 3. shares with comparisons ------------------------------------------------------------------


def some_io_terms_of_60(loans: list[Loan]) -> None:
    """Every third 120-month interest-only loan becomes a 60-month one: the tape then has 0, 60 and 120."""
    for loan in [r for r in loans if r["IO_MONTHS"] == "120"][::3]:
        loan["IO_MONTHS"] = "60"


def us_date(text: str) -> dt.date:
    month, day, year = map(int, text.split("/"))
    return dt.date(year, month, day)


COMPARED = [  # id, field, value as written, who counts, in the oracle's words
    ("io", "interest_only_term", "{greater_than: 0}", lambda r: int(r["IO_MONTHS"]) > 0),
    ("io_60_to_119", "interest_only_term", "{at_least: 60, at_most: 119}", lambda r: 60 <= int(r["IO_MONTHS"]) <= 119),
    ("low_fico", "fico", "{less_than: 740}", lambda r: r["FICO_SCORE"] != "" and int(r["FICO_SCORE"]) < 740),
    ("high_rate", "note_rate", "{greater_than: 6.5}", lambda r: Decimal(r["CURR_RATE"]) > Decimal("6.5")),
    ("big", "balance", "{at_least: 1500000.01}", lambda r: cents(r) >= 150_000_001),
    ("since_2024", "origination_date", "{at_least: 2024-01-01}", lambda r: us_date(r["NOTE_DATE"]) >= dt.date(2024, 1, 1)),
    ("before_2024", "origination_date", "{less_than: '2024-01-01'}", lambda r: us_date(r["NOTE_DATE"]) < dt.date(2024, 1, 1)),
]
"""Share columns and summary lines with comparisons, with the loans each counts."""


def share(loans: list[Loan], counted: Callable[[Loan], bool]) -> str:
    return half_up(Fraction(100 * sum(cents(r) for r in loans if counted(r)), sum(map(cents, loans))))


def test_shares_with_comparisons_match_an_independent_computation(tmp_path: Path) -> None:
    summary = "".join(f"\n  - {{label: {i}, kind: share, field: {f}, value: {v}}}" for i, f, v, _ in COMPARED)
    columns = "\n        - {id: count, kind: count, header: [N]}"
    columns += "".join(f"\n        - {{id: {i}, kind: share, field: {f}, value: {v}, header: [{i}]}}" for i, f, v, _ in COMPARED)
    deal = prime_deal(tmp_path, pool_yaml(table_yaml("by-state", "state", "{kind: states}", columns, print_for="pool"), summary=summary),
                      some_io_terms_of_60)  # fmt: skip
    code, out = cli("validate", deal)
    assert code == 0, out
    loans = loans_of(deal)
    analysis = analyse(load_deal(deal))
    assert analysis.pool_data is not None
    columns_of = groups_of(loans)
    for line, (_, _, _, counted) in zip(analysis.pool_data.lines, COMPARED, strict=True):
        assert [str(f) for f in line.figures] == [share(columns_of[k], counted) for k in ("1", "2", None)], line.item.label
    (table,) = analysis.tables
    assert isinstance(table, Table)
    totals = [share(loans, counted) for *_, counted in COMPARED]
    assert [str(f) for f in table.figures[1:]] == totals
    assert len(set(totals)) == len(totals) and "0.00" not in totals  # every comparison counts some loans, and not the same ones
    states = {name: code for code, name in STATE_NAMES.items()}
    for row in table.rows:
        mine = [r for r in loans if r["PROP_ST"] == states[row.label]]
        assert [str(f) for f in row.figures[1:]] == [share(mine, counted) for *_, counted in COMPARED], row.label
    # the JSON export's spec writes each comparison as its bounds
    code, out = cli("strats", deal, "-f", "json", "-o", tmp_path / "s.json")
    assert code == 0, out
    spec = json.loads((tmp_path / "s.json").read_text())["tables"][0]["spec"]
    assert spec["columns"][1]["value"] == {"greater_than": 0} and spec["columns"][2]["value"] == {"at_least": 60, "at_most": 119}


# --- 4. the open bands' edge ---------------------------------------------------------------------


def test_open_band_labels_print_their_edge(tmp_path: Path) -> None:
    """'At most {{ edge }}%' and 'Greater than {{ edge }}%' print the first and last edges at the field's decimals; lo is the edge plus 0.001."""
    rule = ("{kind: bands, edges: [6.5, 7.5], first_label: 'At most {{ edge }}%', label: '{{ lo }}% - {{ hi }}%', "
            "last_label: 'Greater than {{ edge }}% (from {{ lo }}%)'}")  # fmt: skip
    deal = prime_deal(tmp_path, pool_yaml(table_yaml("rate", "note_rate", rule, print_for="pool")))
    code, out = cli("validate", deal)
    assert code == 0, out
    (table,) = analyse(load_deal(deal)).tables
    assert isinstance(table, Table)
    loans = loans_of(deal)
    rate = lambda r: Decimal(r["CURR_RATE"])  # noqa: E731
    expected = [
        ("At most 6.500%", [r for r in loans if rate(r) <= Decimal("6.5")]),
        ("6.501% - 7.500%", [r for r in loans if Decimal("6.5") < rate(r) <= Decimal("7.5")]),
        ("Greater than 7.500% (from 7.501%)", [r for r in loans if rate(r) > Decimal("7.5")]),
    ]
    assert_rows(table, [e for e in expected if e[1]])
    assert all(loans for _, loans in expected)


# --- 5. mistakes, each a message at its line -----------------------------------------------------

SHARE_LINE = "  - {{label: S, kind: share, field: {}, value: {}}}\n"
MISTAKES = [  # id, pool YAML, text on the line, key under term_sheet.pool, message
    ("category-in-stored-units", pool_yaml(table_yaml("t", "initial_rate_cap", "{kind: categories, categories: [{value: 5000, label: F}]}")),
     "value: 5000", "tables.tables.0.rule.categories.0.value",
     "5000 is outside initial_rate_cap's plausible range (0% to 15%): no loan can have it; use a value within it. "
     "A number category is written as the tape writes it, in the field's units: 5.000, not the stored 5000 (value '5000')"),
    ("category-finer-than-stored", pool_yaml(table_yaml("t", "margin", "{kind: categories, categories: [{value: 2.2505, label: F}], other_label: O}")),
     "2.2505", "tables.tables.0.rule.categories.0.value",
     "2.2505 is finer than margin is stored (3 decimals): no loan can have it; write a number with at most 3 decimals (value '2.2505')"),
    ("category-not-a-number", pool_yaml(table_yaml("t", "margin", "{kind: categories, categories: [{value: low, label: F}], other_label: O}")),
     "value: low", "tables.tables.0.rule.categories.0.value",
     "low is not a number (margin is numeric): write a number with at most 3 decimals (value 'low')"),
    ("category-outside-the-range", pool_yaml(table_yaml("t", "margin", "{kind: categories, categories: [{value: 12.5, label: F}], other_label: O}")),
     "12.5", "tables.tables.0.rule.categories.0.value",
     "12.5 is outside margin's plausible range (0% to 10%): no loan can have it; use a value within it (value '12.5')"),
    ("across-category-in-stored-units", pool_yaml("""
    - id: t
      title: [T]
      header: [H]
      field: fico
      rule: {kind: bands, edges: [739], first_label: a, label: b, last_label: c}
      across:
        field: margin
        header: [M]
        rule: {kind: categories, categories: [{value: 2750, label: F}], other_label: O}"""),
     "value: 2750", "tables.tables.0.across.rule.categories.0.value",
     "A number category is written as the tape writes it, in the field's units: 2.750, not the stored 2750 (value '2750')"),
    ("distinct-of-a-category", pool_yaml(table_yaml("t", "occupancy", "{kind: distinct}")), "field: occupancy", "tables.tables.0.field",
     "distinct lists the values of a numeric field"),
    ("distinct-across-a-date", pool_yaml("""
    - id: t
      title: [T]
      header: [H]
      field: fico
      rule: {kind: bands, edges: [739], first_label: a, label: b, last_label: c}
      across: {field: origination_date, header: [M], rule: {kind: distinct}}"""),
     "field: origination_date", "tables.tables.0.across.field", "use a yearly table for origination_date (value 'origination_date')"),
    ("distinct-label-without-value", pool_yaml(table_yaml("t", "margin", "{kind: distinct, label: '{{ lo }}'}")), "kind: distinct",
     "tables.tables.0.rule.label", "label template failed: `lo` is undefined: this label can use `value`"),
    ("edge-in-a-closed-band", pool_yaml(table_yaml("t", "fico", "{kind: bands, edges: [700, 750], first_label: a, label: '{{ edge }}', last_label: c}")),
     "edges: [700, 750]", "tables.tables.0.rule.label", "label template failed: `edge` is undefined: this label can use `lo`, `hi`"),
    ("comparison-of-a-category", pool_yaml(summary="\n" + SHARE_LINE.format("occupancy", "{greater_than: 0}").rstrip()), "greater_than",
     "summary.0.value",
     "a comparison needs a number or date field, and occupancy is a category field: list the values the share counts (value '{greater_than: 0}')"),
    ("comparison-finer-than-stored", pool_yaml(summary="\n" + SHARE_LINE.format("interest_only_term", "{greater_than: 0.5}").rstrip()),
     "greater_than", "summary.0.value.greater_than",
     "0.5 is finer than interest_only_term is stored (0 decimals): no loan can have it; write a whole number (value '0.5')"),
    ("comparison-contradicts-itself", pool_yaml(summary="\n" + SHARE_LINE.format("interest_only_term", "{at_least: 120, at_most: 60}").rstrip()),
     "at_least", "summary.0.value", "no value is at least 120 and at most 60: no loan can have it; check the bounds"),
    ("comparison-beyond-the-range", pool_yaml(summary="\n" + SHARE_LINE.format("fico", "{greater_than: 850}").rstrip()),
     "greater_than", "summary.0.value", "no plausible fico is above 850 (300 to 850): no loan can have it; check the bound (value '{greater_than: 850}')"),
    ("comparison-with-two-lower-bounds", pool_yaml(summary="\n" + SHARE_LINE.format("fico", "{greater_than: 700, at_least: 701}").rstrip()),
     "greater_than", "summary.0.value.at_least", "a comparison has one lower bound: keep greater_than or at_least, not both (value '701')"),
    ("comparison-misspelt", pool_yaml(summary="\n" + SHARE_LINE.format("fico", "{greater: 700}").rstrip()),
     "greater: 700", "summary.0.value.greater", "unknown key `greater`: did you mean `greater_than`?"),
    ("comparison-date-not-a-date", pool_yaml(table_yaml("t", "state", "{kind: states}",
     "\n        - {id: d, kind: share, field: origination_date, value: {at_least: 01/01/2024}, header: [D]}")),
     "01/01/2024", "tables.tables.0.columns.0.value.at_least", "01/01/2024 is not a date as origination_date is compared: write it as YYYY-MM-DD"),
]  # fmt: skip


@pytest.mark.parametrize(("pool", "text", "key", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_mistake_is_a_message_at_its_line(tmp_path: Path, pool: str, text: str, key: str, message: str) -> None:
    deal = prime_deal(tmp_path, pool)
    expected = f"{deal}:{line_of(deal, text)} [term_sheet.pool.{key}]: error: "
    for command in ("validate", "strats"):
        code, out = cli(command, deal)
        assert code == 2, out
        flat = " ".join(out.split())
        assert expected in flat and message in flat[flat.index(expected) :], f"{command}: {expected} {message}\nnot in:\n{out}"


def test_every_bad_category_is_reported_at_once(tmp_path: Path) -> None:
    """Bad number categories in two tables (2.750 repeats 2.75) and a bad comparison: validate lists each at its own line, exit 2."""
    rule = "\n        kind: categories\n        categories:\n          - {value: 2250, label: A}\n          - {value: 2.75, label: B}"
    rule += "\n          - {value: 2.7505, label: C}\n          - {value: 2.750, label: D}"
    pool = pool_yaml(
        table_yaml("t", "margin", rule),
        table_yaml("u", "initial_rate_cap", "{kind: categories, categories: [{value: 5000, label: F}]}"),
        summary="\n" + SHARE_LINE.format("fico", "{less_than: 300}").rstrip(),
    )
    deal = prime_deal(tmp_path, pool)
    code, out = cli("validate", deal)
    assert code == 2, out
    listed = [" ".join(line.split()) for line in out.splitlines() if "[term_sheet.pool." in line]
    expected = [
        (line_of(deal, "value: 2250"), "tables.tables.0.rule.categories.0.value"),
        (line_of(deal, "2.7505"), "tables.tables.0.rule.categories.2.value"),
        (line_of(deal, "value: 2.750,"), "tables.tables.0.rule.categories.3.value"),
        (line_of(deal, "value: 5000"), "tables.tables.1.rule.categories.0.value"),
        (line_of(deal, "less_than: 300"), "summary.0.value"),
    ]
    assert len(listed) == len(expected), out
    for line, key in expected:
        assert any(entry.startswith(f"{deal}:{line} [term_sheet.pool.{key}]: error: ") for entry in listed), (key, out)


# --- 6. every input: distinct rows and comparison shares against brute force ---------------------

PROFILE = settings(max_examples=int(os.environ.get("DEALDOCS_FUZZ_EXAMPLES", "40")), deadline=None, derandomize=True)
IO_TERM = FIELDS["interest_only_term"]  # months, plausible 0 to 480
BOUND = st.one_of(st.none(), st.sampled_from([-1, 0, 60, 120, 480]), st.integers(-20, 520))  # often a value loans have: bounds meet them


def comparison_of(lower: tuple[str, int | None], upper: tuple[str, int | None]) -> dict[str, int]:
    return {key: value for key, value in (lower, upper) if value is not None}


def meets(value: int, bounds: dict[str, int]) -> bool:
    tests = {"greater_than": value > bounds.get("greater_than", value - 1), "at_least": value >= bounds.get("at_least", value),
             "less_than": value < bounds.get("less_than", value + 1), "at_most": value <= bounds.get("at_most", value)}  # fmt: skip
    return all(tests.values())


@PROFILE
@given(
    lower=st.tuples(st.sampled_from(["greater_than", "at_least"]), BOUND),
    upper=st.tuples(st.sampled_from(["less_than", "at_most"]), BOUND),
)
def test_a_comparison_is_a_message_exactly_when_no_plausible_value_meets_it(lower: tuple[str, int | None], upper: tuple[str, int | None]) -> None:
    """Of an interest-only term (0 to 480 months): problems name a comparison if and only if no whole month in range meets it."""
    bounds = comparison_of(lower, upper)
    assume(bounds)
    problems = comparison_problems(IO_TERM, Comparison.model_validate(bounds))
    assert bool(problems) == (not any(meets(v, bounds) for v in range(481)))


TERMS = st.one_of(st.sampled_from([None, -1, 0, 60, 120]), st.integers(-(2**63), 2**63 - 1), st.integers(-3, 500))
"""An interest-only term as a frame may hold it: blank, -1 (the blank row's own key before the shift), anything an Int64 holds,
or a realistic value (repeats make rows of several loans)."""


@PROFILE
@given(
    loans=st.lists(st.tuples(st.integers(0, 10**13), TERMS), min_size=1, max_size=40),
    lower=st.tuples(st.sampled_from(["greater_than", "at_least"]), BOUND),
    upper=st.tuples(st.sampled_from(["less_than", "at_most"]), BOUND),
)
def test_distinct_rows_and_comparison_shares_match_brute_force(loans: list[tuple[int, int | None]], lower: tuple[str, int | None],
                                                                upper: tuple[str, int | None]) -> None:  # fmt: skip
    """Any terms (negative, the Int64 extremes, blanks) and balances: a row per value present, ascending, and each row's share exact."""
    bounds = comparison_of(lower, upper)
    assume(bounds and not comparison_problems(IO_TERM, Comparison.model_validate(bounds)))
    frame = pl.DataFrame({"balance": [b for b, _ in loans], "interest_only_term": [t for _, t in loans]},
                         schema={"balance": pl.Int64, "interest_only_term": pl.Int64})  # fmt: skip
    spec = TableSpec.model_validate({
        "id": "t", "title": ["T"], "header": ["H"], "field": "interest_only_term", "rule": {"kind": "distinct"},
        "columns": [{"id": "n", "kind": "count", "header": ["N"]}, {"id": "s", "kind": "share", "field": "interest_only_term", "value": bounds,
                    "header": ["S"]}],
    })  # fmt: skip
    (table,) = labelled([compute_table(frame, spec)])
    assert isinstance(table, Table)
    values = sorted({t for _, t in loans if t is not None})
    groups = [[(b, t) for b, t in loans if t == v] for v in values] + ([[(b, t) for b, t in loans if t is None]] if None in {t for _, t in loans} else [])
    assert [r.label for r in table.rows] == [str(v) for v in values] + (["Not Available"] if len(groups) > len(values) else [])
    for row, mine in zip(table.rows, groups, strict=True):
        total = sum(b for b, _ in mine)
        counted = sum(b for b, t in mine if t is not None and meets(t, bounds))
        assert row.count == len(mine) and row.balance_cents == total
        assert (None if row.figures[1] is None else str(row.figures[1])) == (half_up(Fraction(100 * counted, total)) if total else None)
