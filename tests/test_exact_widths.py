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

from .helpers import Loan, cents, cli, half_up, prime_deal

WA_BALANCE = """
groups:
  field: loan_group
  labels: {"1": Group 1, "2": Group 2}
  total_label: Total Pool
summary:
  - {label: Weighted Average Current Principal Balance ($), kind: weighted_average, field: balance}
  - {label: Weighted Average Current Principal Balance (whole $), kind: weighted_average, field: balance, decimals: 0}
  - {label: Aggregate Current Principal Balance, kind: balance}
tables: {defaults: false, tables: []}
"""


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
