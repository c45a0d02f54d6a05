"""Figures through the CLI at magnitudes where a 64-bit sum would wrap: each equals a plain Python computation from the tape's text."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from .helpers import Loan, cents, cli, half_up, line_of, loans_of, prime_deal

GROUPS = """
groups:
  field: loan_group
  labels: {"1": Group 1, "2": Group 2}
  total_label: Total Pool
"""
WA_LINES = """
summary:
  - {label: Weighted Average Current Principal Balance ($), kind: weighted_average, field: balance}
  - {label: Weighted Average Current Principal Balance (whole $), kind: weighted_average, field: balance, decimals: 0}
  - {label: Aggregate Current Principal Balance, kind: balance}
tables: {defaults: false, tables: []}
"""
WA_BALANCE = GROUPS + WA_LINES


def _strats(deal: Path) -> dict[str, Any]:
    """`dealdocs strats --format json` of the deal, read back (warnings apart)."""
    out = deal.parent / "strats.json"
    code, output = cli("strats", deal, "--format", "json", "--out", out)
    assert code == 0, output
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def test_pool_data_weighted_average_balance_of_1500_jumbo_loans_is_right(tmp_path: Path) -> None:
    """The issue's tape: 1,500 loans of about $1.3 million. Balance x balance passes 2^63 and printed -681,911 (wrapped in Int64)."""

    def jumbo(loans: list[Loan]) -> None:
        del loans[1500:]
        for i, loan in enumerate(loans):
            loan["CUR_UPB"] = loan["ORIG_UPB"] = f"{1_250_000 + 53 * i}.{i % 100:02d}"

    deal = prime_deal(tmp_path, WA_BALANCE, jumbo)
    data = _strats(deal)
    groups: dict[str, list[int]] = defaultdict(list)
    with (deal.parent / "loans.csv").open(newline="") as handle:
        for loan in csv.DictReader(handle):
            groups[loan["GRP"]].append(cents(loan))
    columns = [groups["1"], groups["2"], groups["1"] + groups["2"]]
    assert sum(c * c for c in columns[2]) > 2**63  # the weighted sum an Int64 would wrap
    lines = data["pool_data"]["lines"]
    assert lines[0]["figures"] == [half_up(Fraction(sum(c * c for c in b), sum(b) * 100), 2) for b in columns]
    assert lines[1]["figures"] == [half_up(Fraction(sum(c * c for c in b), sum(b) * 100), 0) for b in columns]
    assert lines[2]["figures"] == [int(half_up(Fraction(sum(b), 100), 0)) for b in columns]
    assert all(Fraction(f) > 1_250_000 for f in lines[0]["figures"])


CUSTOM = """
custom_fields:
  - {{name: wide, column: RESERVES, kind: percent, decimals: {decimals}}}
summary:
  - {{label: Weighted Average Wide (%), kind: weighted_average, field: wide}}
  - {{label: Maximum Wide (%), kind: maximum, field: wide}}
tables: {{defaults: false, tables: []}}
"""


def _reserves(value: str) -> Callable[[list[Loan]], None]:
    """A tape edit: three loans, each with `value` in the custom column."""

    def edit(loans: list[Loan]) -> None:
        del loans[3:]
        for loan in loans:
            loan["RESERVES"] = value

    return edit


@pytest.mark.parametrize(("decimals", "largest"), [(3, "999999999999999.999"), (4, "99999999999999.9999"), (6, "999999999999.999999")])
def test_the_largest_number_a_tape_holds_at_each_scale_is_exact_and_one_digit_more_is_a_row_error(tmp_path: Path, decimals: int,
                                                                                                  largest: str) -> None:  # fmt: skip
    """A number's stored integer (x 10**decimals) is Int64: the digits before the point are as many as keep it there, and no more."""

    deal = prime_deal(tmp_path / "fits", CUSTOM.format(decimals=decimals), _reserves(largest))
    assert [line["figures"] for line in _strats(deal)["pool_data"]["lines"]] == [[largest], [largest]]
    deal = prime_deal(tmp_path / "past", CUSTOM.format(decimals=decimals), _reserves("9" + largest))
    code, output = cli("strats", deal, "--format", "json")
    assert code == 2
    assert [line for line in output.splitlines() if "[RESERVES]: error:" in line and f"(value '9{largest}')" in line and "loans.csv:" in line]


# --- a million loans, each at the largest single balance --------------------------------------

MAXIMUM = "99999999.99"
"""The largest single balance the issue names: every loan of the million has it."""

MILLION = 1_000_000

TEMPLATES = {
    "A": {"CUR_UPB": MAXIMUM, "ORIG_UPB": MAXIMUM, "CURR_RATE": "7.125", "SVC_FEE": "0.250", "AMORT_TERM": "360", "RTM": "354",
          "NOTE_DATE": "08/15/2023", "MAT_DATE": "09/01/2053", "APPR_VAL": "124999999.99", "ORIG_LTV": "80.000", "FICO_SCORE": "819",
          "PROPERTY": "SF", "UNIT_CNT": "1", "OCC": "O", "PROP_ST": "MD", "PROP_ZIP": "20815", "DOC_LVL": "FULL", "GRP": "1"},
    "B": {"CUR_UPB": MAXIMUM, "ORIG_UPB": MAXIMUM, "CURR_RATE": "6.250", "SVC_FEE": "0.250", "AMORT_TERM": "360", "RTM": "353",
          "NOTE_DATE": "07/15/2023", "MAT_DATE": "08/01/2053", "APPR_VAL": "142857142.84", "ORIG_LTV": "70.000", "FICO_SCORE": "739",
          "PROPERTY": "PUD", "UNIT_CNT": "1", "OCC": "I", "PROP_ST": "CA", "PROP_ZIP": "90210", "DOC_LVL": "ALT", "GRP": "2"},
}  # fmt: skip
"""The two loans the tape alternates (A, B, A, ...): a fixed-rate primary residence in group 1, an investor property in group 2."""

COLUMNS_MAP = {
    "loan_number": "LN_ID", "balance": "CUR_UPB", "original_balance": "ORIG_UPB", "note_rate": "CURR_RATE", "servicing_fee": "SVC_FEE",
    "original_term": "AMORT_TERM", "remaining_term": "RTM", "origination_date": "NOTE_DATE", "maturity_date": "MAT_DATE",
    "appraised_value": "APPR_VAL", "ltv": "ORIG_LTV", "fico": "FICO_SCORE", "property_type": "PROPERTY", "units": "UNIT_CNT",
    "occupancy": "OCC", "state": "PROP_ST", "zip": "PROP_ZIP", "doc_type": "DOC_LVL", "loan_group": "GRP",
}  # fmt: skip

FIGURES = """
        - {id: count, kind: count, header: [Number]}
        - {id: balance, kind: balance, header: [Balance]}
        - {id: percent, kind: percent, header: [Percent]}
        - {id: of_pool, kind: percent, of: pool, header: [Of Pool]}
        - {id: average, kind: average_balance, header: [Average]}
        - {id: wa_balance, kind: weighted_average, field: balance, header: [WA Balance]}
        - {id: wa_rate, kind: weighted_average, field: note_rate, header: [WA Rate]}
        - {id: wa_fico, kind: weighted_average, field: fico, header: [WA FICO]}
        - {id: investor, kind: share, field: occupancy, value: investor, header: [Investor]}
        - {id: max_ltv, kind: maximum, field: ltv, header: [Max LTV]}"""

MILLION_POOL = f"""
groups:
  field: loan_group
  labels: {{"1": Group 1, "2": Group 2}}
  total_label: Total Pool
summary:
  - {{label: Number of Mortgage Loans, kind: count}}
  - {{label: Aggregate Current Principal Balance, kind: balance}}
  - {{label: Average Current Principal Balance, kind: average_balance}}
  - {{label: Weighted Average Current Principal Balance ($), kind: weighted_average, field: balance}}
  - {{label: Weighted Average Mortgage Rate (%), kind: weighted_average, field: note_rate}}
  - {{label: Minimum Mortgage Rate (%), kind: minimum, field: note_rate}}
  - {{label: Maximum Mortgage Rate (%), kind: maximum, field: note_rate}}
  - {{label: Weighted Average Remaining Term (months), kind: weighted_average, field: remaining_term, decimals: 2}}
  - {{label: Weighted Average Original LTV (%), kind: weighted_average, field: ltv, decimals: 2}}
  - {{label: Weighted Average FICO, kind: weighted_average, field: fico, decimals: 1}}
  - {{label: Largest State Concentration (%), kind: largest_state}}
  - {{label: Investor Properties (%), kind: share, field: occupancy, value: investor}}
tables:
  defaults: false
  tables:
    - id: rate
      title: [MORTGAGE RATES]
      header: [Mortgage Rate (%)]
      field: note_rate
      rule: {{kind: bands, edges: [6.499, 6.999], first_label: '{{{{ hi }}}} and below', label: '{{{{ lo }}}} - {{{{ hi }}}}',
             last_label: '{{{{ lo }}}} and above'}}
      columns: {FIGURES}
    - id: occupancy
      title: [OCCUPANCY]
      header: [Occupancy]
      field: occupancy
      rule: {{kind: categories, categories: [{{value: primary, label: Primary}}, {{value: investor, label: Investor}}]}}
      columns: {FIGURES}
    - id: fico-ltv
      title: [CREDIT SCORE BY ORIGINAL LTV]
      header: [Credit Score]
      field: fico
      rule: {{kind: bands, edges: [759], first_label: '{{{{ hi }}}} and below', last_label: '{{{{ lo }}}} and above', label: '{{{{ lo }}}}'}}
      across:
        field: ltv
        header: [Original LTV (%)]
        rule: {{kind: bands, edges: [75], first_label: '{{{{ hi }}}} and below', last_label: '{{{{ lo }}}} and above', label: '{{{{ lo }}}}'}}
      cell: percent
"""

ROWS = {"rate": ("B", "A"), "occupancy": ("A", "B")}
"""Each one-way table's rows, by the template whose loans fill them: 6.250% is at most 6.499, 7.125% above 6.999; primary, then investor."""


def _million(tmp_path: Path) -> Path:
    """The deal: the prime-jumbo example's cover, its columns cut to those the templates fill, and a million loans alternating A and B."""
    deal = prime_deal(tmp_path, MILLION_POOL)
    head, rest = deal.read_text().split("    columns:\n", 1)
    mapping = "".join(f"      {field}: {header}\n" for field, header in COLUMNS_MAP.items())
    deal.write_text(head + "    columns:\n" + mapping + "    codes:\n" + rest.split("    codes:\n", 1)[1])
    headers = list(TEMPLATES["A"])
    rows = [",".join(TEMPLATES[name][h] for h in headers) for name in "AB"]
    with (deal.parent / "loans.csv").open("w", newline="") as handle:
        handle.write(",".join(["LN_ID", *headers]) + "\n")
        handle.writelines(f"L{i:07d},{rows[i % 2]}\n" for i in range(MILLION))
    return deal


def _expected(loans: dict[str, int], table: dict[str, int], pool: dict[str, int]) -> dict[str, Any]:
    """The figures of a row holding `loans` (template: count) in a table of `table`'s loans, of a pool of `pool`'s, computed exactly."""
    n = sum(loans.values())
    balance = Fraction(MAXIMUM)

    def weighted(header: str, places: int) -> str:  # every balance is the same: the weighted average is the plain mean
        return half_up(sum((Fraction(TEMPLATES[t][header]) * k for t, k in loans.items()), Fraction(0)) / n, places)

    def share_of(whole: dict[str, int]) -> str:
        return half_up(Fraction(100 * n, sum(whole.values())), 2)

    return {
        "count": n,
        "balance": int(half_up(balance * n, 0)),
        "percent": share_of(table),
        "of_pool": share_of(pool),
        "average": int(half_up(balance, 0)),
        "wa_balance": half_up(balance, 2),
        "wa_rate": weighted("CURR_RATE", 3),
        "wa_fico": weighted("FICO_SCORE", 0),
        "investor": half_up(Fraction(100 * loans.get("B", 0), n), 2),
        "max_ltv": half_up(max(Fraction(TEMPLATES[t]["ORIG_LTV"]) for t in loans), 3),
    }


def test_a_million_loans_at_the_largest_balance_print_exact_figures_through_the_cli(tmp_path: Path) -> None:
    """1,000,000 loans of $99,999,999.99: every figure of `strats --format json` equals its exact value (balance x balance is ~10^26)."""
    data = _strats(_million(tmp_path))
    half = MILLION // 2
    pool = {"A": half, "B": half}
    groups = [("Group 1", {"A": half}), ("Group 2", {"B": half}), ("Total Pool", pool)]

    tables = {(t["id"], t.get("group")): t for t in data["tables"]}
    assert set(tables) == {(i, g) for i in ("rate", "occupancy", "fico-ltv") for g, _ in groups}
    for table_id, order in ROWS.items():
        for group, members in groups:
            table = tables[table_id, group]
            rows = [{t: members[t]} for t in order if t in members]
            assert [r["figures"] for r in table["rows"]] == [_expected(r, members, pool) for r in rows], (table_id, group)
            assert [r["count"] for r in table["rows"]] == [sum(r.values()) for r in rows]
            assert [r["balance_exact"] for r in table["rows"]] == [half_up(Fraction(MAXIMUM) * sum(r.values()), 2) for r in rows]
            whole = _expected(members, members, pool)
            assert table["total"]["figures"] == whole | ({"of_pool": "100.00"} if group == "Total Pool" else {}), (table_id, group)
            assert (table["total"]["count"], table["total"]["balance"]) == (whole["count"], whole["balance"])
    for group, members in groups:  # FICO 739 and LTV 70 (B) in the first row and column, 819 and 80 (A) in the second
        cross = tables["fico-ltv", group]
        share = {t: half_up(Fraction(100 * k, sum(members.values())), 2) for t, k in members.items()}
        cells = [[share["B"], *(["0.00"] if "A" in members else [])]] if "B" in members else []
        cells += [[*(["0.00"] if "B" in members else []), share["A"]]] if "A" in members else []
        assert (cross["cells"], cross["total"]) == (cells, "100.00"), group
        assert cross["row_totals"] == cross["column_totals"] == [share[t] for t in "BA" if t in members]

    lines = {line["label"]: (line["figures"], line["notes"]) for line in data["pool_data"]["lines"]}
    columns = [members for _, members in groups]
    by_column = [_expected(m, m, m) for m in columns]

    def mean(header: str, places: int) -> list[str]:
        return [half_up(sum((Fraction(TEMPLATES[t][header]) * k for t, k in m.items()), Fraction(0)) / sum(m.values()), places) for m in columns]

    def extreme(pick: Any, header: str, places: int) -> list[str]:
        return [half_up(pick(Fraction(TEMPLATES[t][header]) for t in m), places) for m in columns]

    assert lines == {
        "Number of Mortgage Loans": ([e["count"] for e in by_column], [None] * 3),
        "Aggregate Current Principal Balance": ([e["balance"] for e in by_column], [None] * 3),
        "Average Current Principal Balance": ([e["average"] for e in by_column], [None] * 3),
        "Weighted Average Current Principal Balance ($)": ([e["wa_balance"] for e in by_column], [None] * 3),
        "Weighted Average Mortgage Rate (%)": (mean("CURR_RATE", 3), [None] * 3),
        "Minimum Mortgage Rate (%)": (extreme(min, "CURR_RATE", 3), [None] * 3),
        "Maximum Mortgage Rate (%)": (extreme(max, "CURR_RATE", 3), [None] * 3),
        "Weighted Average Remaining Term (months)": (mean("RTM", 2), [None] * 3),
        "Weighted Average Original LTV (%)": (mean("ORIG_LTV", 2), [None] * 3),
        "Weighted Average FICO": (mean("FICO_SCORE", 1), [None] * 3),
        "Largest State Concentration (%)": (["100.00", "100.00", "50.00"], ["MD", "CA", "CA"]),  # a tie goes to the first code
        "Investor Properties (%)": ([e["investor"] for e in by_column], [None] * 3),
    }

    summary = data["summary"]
    total = Fraction(MAXIMUM) * MILLION
    keys = ("pool_count", "pool_balance", "pool_wa_note_rate", "pool_wa_remaining_term", "pool_wa_ltv", "wa_original_term", "max_zip_balance",
            "max_original_balance", "premium_count", "premium_balance", "primary_residence_share_at_least")  # fmt: skip
    assert {k: summary[k] for k in keys} == {
        "pool_count": MILLION,
        "pool_balance": half_up(total, 2),
        "pool_wa_note_rate": mean("CURR_RATE", 3)[2],
        "pool_wa_remaining_term": mean("RTM", 2)[2],
        "pool_wa_ltv": mean("ORIG_LTV", 1)[2],
        "wa_original_term": "360.00",
        "max_zip_balance": half_up(total / 2, 0),
        "max_original_balance": MAXIMUM,
        "premium_count": MILLION,
        "premium_balance": half_up(total, 2),
        "primary_residence_share_at_least": "50",
    }


def test_the_longest_term_and_an_ltv_past_int64_are_messages_not_wrapped_figures(tmp_path: Path) -> None:
    """The maturity warning's expected month for the longest term a tape may hold (15 digits) is exact; an LTV the 64-bit column must cap is a
    row error, not a capped figure."""

    def extremes(loans: list[Loan]) -> None:
        del loans[2:]
        loans[0]["AMORT_TERM"] = "9" * 15
        loans[1]["ORIG_UPB"], loans[1]["APPR_VAL"] = "999999999999999.99", "0.01"

    deal = prime_deal(tmp_path, "tables: {defaults: false, tables: []}\n", extremes)
    code, output = cli("validate", deal)
    assert code == 2
    first_payment = loans_of(deal)[0]["FPD"]
    month, _, year = first_payment.split("/")
    expected = int(year) * 12 + int(month) - 1 + int("9" * 15) - 1  # month index of the last payment: first payment + term - 1
    assert f"loans.csv:2 [MAT_DATE]: warning: maturity date is not the first payment date plus the original term: expected " \
           f"{expected // 12}-{expected % 12 + 1:02d}" in output  # fmt: skip
    assert "loans.csv:3 [APPR_VAL]: error: appraised value too small: the original balance is over 9,223,372,036,854,775.806% of it" in output


@pytest.mark.parametrize("huge", [2**63 - 1, 2**63])
def test_a_number_category_past_int64_is_a_message_at_its_line_not_an_internal_error(tmp_path: Path, huge: int) -> None:
    """A category of an integer field no loan can have (past its plausible range, past Int64) is a message at its line, from validate and strats."""
    pool = f"""
tables:
  defaults: false
  tables:
    - id: units
      title: [UNITS]
      header: [Units]
      field: units
      keep_empty: true
      rule: {{kind: categories, categories: [{{value: 1, label: One}}, {{value: {huge}, label: Huge}}], other_label: Other}}
"""
    deal = prime_deal(tmp_path, pool)
    for command in ("validate", "strats"):
        code, output = cli(command, deal)
        assert code == 2, output
        assert f"deal.yaml:{line_of(deal, 'Huge')} [term_sheet.pool.tables.tables.0.rule.categories.1.value]: error: {huge} " in output, output


def test_an_xlsx_figure_past_excels_15_digits_is_its_exact_text(tmp_path: Path) -> None:
    """Excel keeps 15 significant digits of a number: a 17-digit weighted-average balance is written as text, a 15-digit total as a number."""
    openpyxl = pytest.importorskip("openpyxl")
    big = "123456789012345.67"

    def one_loan(loans: list[Loan]) -> None:
        del loans[1:]
        loans[0]["CUR_UPB"] = loans[0]["ORIG_UPB"] = big

    deal = prime_deal(tmp_path, WA_LINES, one_loan)  # no groups: one column
    out = tmp_path / "strats.xlsx"
    code, output = cli("strats", deal, "--format", "xlsx", "--out", out)
    assert code == 0, output
    sheet = openpyxl.load_workbook(out)["Summary"]
    rows = {row[0].value: row[1:] for row in sheet.iter_rows()}
    wa, aggregate = rows["Weighted Average Current Principal Balance ($)"], rows["Aggregate Current Principal Balance"]
    assert [(c.data_type, c.value) for c in wa] == [("s", big)]
    assert [(c.data_type, c.value) for c in aggregate] == [("n", 123456789012346)]
