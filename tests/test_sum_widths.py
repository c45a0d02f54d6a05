"""Every sum is computed in a type proven wide enough: Int64 exactly up to its bound, the wide path one past it, the same figures either way.

The bound of a sum is rows x the largest |factor| of each factor (`exact.fits`); these tests put
loans exactly at each bound and one past it, and compare every printed figure with a plain
Python computation (integers and Fraction), so a wrapped sum would show as a wrong figure.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.deal.models import Column, TableSpec
from generator.pool import columns as figure_columns
from generator.pool import sums
from generator.pool.exact import INT64_MAX
from generator.pool.strats import Table, compute_table

from .helpers import half_up

COLUMNS = [
    Column.model_validate(c)
    for c in (
        {"id": "count", "kind": "count", "header": ["N"]},
        {"id": "balance", "kind": "balance", "header": ["B"]},
        {"id": "percent", "kind": "percent", "header": ["P"]},
        {"id": "average", "kind": "average_balance", "header": ["A"]},
        {"id": "wa_rate", "kind": "weighted_average", "field": "note_rate", "header": ["WA rate"]},
        {"id": "wa_balance", "kind": "weighted_average", "field": "balance", "header": ["WA balance"]},
        {"id": "one_unit", "kind": "share", "field": "units", "value": 1, "header": ["1 unit"]},
        {"id": "low", "kind": "minimum", "field": "note_rate", "header": ["Min"]},
        {"id": "high", "kind": "maximum", "field": "note_rate", "header": ["Max"]},
    )
]
SPEC = TableSpec.model_validate(
    {"id": "t", "title": ["T"], "header": ["T"], "field": "units", "columns": COLUMNS,
     "rule": {"kind": "categories", "categories": [{"value": "1", "label": "1"}]}}
)  # fmt: skip
"""One row holding every loan: each sum is one polars sum over all of them, where a too-narrow type would wrap."""

TYPES = {"balance": pl.Int64, "note_rate": pl.Int64, "units": pl.Int64}


def _loans(rows: int, balance: int, rate: int) -> pl.DataFrame:
    """`rows` loans of one balance and rate (cents, thousandths of a percent), one unit each."""
    return pl.DataFrame({"balance": [balance] * rows, "note_rate": [rate] * rows, "units": [1] * rows}, schema=TYPES)


def _check_figures(loans: pl.DataFrame) -> None:
    """Every figure of the table's row and total equals the plain computation from the loans."""
    table = compute_table(loans, SPEC)
    assert isinstance(table, Table)
    balances, rates = loans["balance"].to_list(), loans["note_rate"].to_list()
    total, n = sum(balances), len(balances)
    expected = [
        str(n),
        half_up(Fraction(total, 100), 0),
        "100.00",
        half_up(Fraction(total, 100 * n), 0),
        half_up(Fraction(sum(b * r for b, r in zip(balances, rates, strict=True)), total * 1000), 3),
        half_up(Fraction(sum(b * b for b in balances), total * 100), 2),
        "100.00",
        half_up(Fraction(min(rates), 1000), 3),
        half_up(Fraction(max(rates), 1000), 3),
    ]
    (row,) = table.rows
    assert (row.count, row.balance_cents, table.balance_cents) == (n, total, total)
    assert [str(f) for f in row.figures] == expected
    assert [str(f) for f in table.figures] == expected


# (rows, balance, rate): each sum's bound rows x |balance| (x |rate| or |balance|) exactly at a type's limit, or one past it
BALANCE_AT_INT64 = (7, INT64_MAX // 7, 1000)  # 7 x balance is INT64_MAX (7 divides 2**63 - 1)
BALANCE_PAST_INT64 = (8, 2**60, 1000)  # 8 x 2**60 is 2**63: an Int64 sum wraps to -2**63
RATE_AT_INT64 = (49, 3_124_327, 60_247_241_209)  # 49 x 3,124,327 x 60,247,241,209 is 2**63 - 1
RATE_PAST_INT64 = (2, 2**31, 2**31)  # 2**63
SQUARE_AT_INT64 = (1, math.isqrt(INT64_MAX), 1)  # the largest balance whose square fits Int64 (2**63 - 1 is no square)
SQUARE_PAST_INT64 = (2, 2**31, 1)  # 2 x (2**31)**2 is 2**63: the wrap (balance x balance summed in Int64)
RATE_AT_INT128 = (4, 2**62, INT64_MAX)  # 2**127 - 2**64: within Int128
RATE_PAST_INT128 = (4, 2**62, -(2**63))  # 2**127: one past Int128's bound, summed in limbs
RATE_WRAPS_INT128 = (5, 2**62, INT64_MAX)  # an Int128 sum would wrap


@pytest.mark.parametrize(
    ("case", "balance_width", "rate_width", "square_width"),
    [
        (BALANCE_AT_INT64, "Int64", "Int128", "Int128"),
        (BALANCE_PAST_INT64, "Int128", "Int128", "Int128"),
        (RATE_AT_INT64, "Int64", "Int64", "Int64"),
        (RATE_PAST_INT64, "Int64", "Int128", "Int128"),
        (SQUARE_AT_INT64, "Int64", "Int64", "Int64"),
        ((1, math.isqrt(INT64_MAX) + 1, 1), "Int64", "Int64", "Int128"),
        (SQUARE_PAST_INT64, "Int64", "Int64", "Int128"),
        (RATE_AT_INT128, "Int128", "Int128", "Int128"),
        (RATE_PAST_INT128, "Int128", "limbs", "Int128"),
        (RATE_WRAPS_INT128, "Int128", "limbs", "Int128"),
    ],
)
def test_each_sum_takes_int64_up_to_its_bound_and_the_wide_path_past_it(case: tuple[int, int, int], balance_width: str, rate_width: str,
                                                                         square_width: str) -> None:  # fmt: skip
    rows, balance, rate = case
    widths = figure_columns.table_widths(_loans(rows, balance, rate), COLUMNS)
    assert (widths.balance, widths.weighted["note_rate"], widths.weighted["balance"]) == (balance_width, rate_width, square_width)
    assert widths.weighted.keys() == {"note_rate", "balance"}


@pytest.mark.parametrize(
    "case",
    [BALANCE_AT_INT64, BALANCE_PAST_INT64, RATE_AT_INT64, RATE_PAST_INT64, SQUARE_AT_INT64, SQUARE_PAST_INT64, RATE_AT_INT128,
     RATE_PAST_INT128, RATE_WRAPS_INT128],
)  # fmt: skip
def test_every_figure_is_exact_at_each_bound_and_one_past_it(case: tuple[int, int, int]) -> None:
    rows, balance, rate = case
    _check_figures(_loans(rows, balance, rate))


def test_mixed_loans_are_exact_in_limbs() -> None:
    """Rates of both signs and every limb pattern: the limbs' floor split must put each value back exactly."""
    rates = [INT64_MAX, -(2**63), -1, 2**32, -(2**32) - 1, 0, 12_345, -(2**40) + 7]
    balances = [2**62, 2**62 - 1, 3, 2**61, 5, 2**62, 1, 2**60]
    loans = pl.DataFrame({"balance": balances, "note_rate": rates, "units": [1] * len(rates)}, schema=TYPES)
    assert figure_columns.table_widths(loans, COLUMNS).weighted["note_rate"] == "limbs"
    table = compute_table(loans, SPEC)
    assert isinstance(table, Table)
    exact = Fraction(sum(b * r for b, r in zip(balances, rates, strict=True)), sum(balances) * 1000)
    assert exact < 0 and abs(Fraction(table.figures[4]) - exact) <= Fraction(1, 2000)  # half_up prints non-negative values only


def test_a_table_of_groups_adds_int64_sums_proven_on_the_pool() -> None:
    """A grouped deal's pool table adds its groups' Int64 sums: the bound on the whole pool covers that total too."""
    from generator.deal.models import Groups
    from generator.pool.groups import grouped_tables

    rows, balance, rate = RATE_AT_INT64
    loans = _loans(rows, balance, rate).with_columns(loan_group=pl.Series([str(i % 2) for i in range(rows)]))
    groups = Groups.model_validate({"field": "loan_group", "labels": {"0": "Even", "1": "Odd"}})
    *by_group, pool = grouped_tables(loans, [SPEC], groups)
    assert isinstance(pool, Table) and pool.group == "Total Pool"
    assert pool.balance_cents == rows * balance == sum(t.balance_cents for t in by_group if isinstance(t, Table))
    assert str(pool.figures[4]) == half_up(Fraction(rows * balance * rate, rows * balance * 1000), 3) == "60247241.209"


def test_pool_summary_keeps_exact_sums_when_balances_would_wrap_int64_and_int128() -> None:
    """Every balance times 10^12 (sums past 2^63), every effective LTV too (its weighted sum past 2^127): the figures scale exactly."""
    from generator.api import load_deal, load_tape, summarize, tape_path, term_sheet_of

    loaded = load_deal(Path(__file__).parent.parent / "examples" / "cmsi-2003-1" / "deal.yaml")
    pool, cut_off = term_sheet_of(loaded).pool, term_sheet_of(loaded).cut_off_date
    loans = load_tape(tape_path(loaded), pool, cut_off).loans
    scale = 10**12
    huge = loans.with_columns(pl.col("balance").cast(pl.Int128) * scale, pl.col("effective_ltv") * scale)
    assert int(huge["balance"].sum()) > 2**63  # an Int64 sum would wrap
    widths = sums.widths(huge, ["note_rate", "effective_ltv"])
    assert (widths.balance, widths.weighted["note_rate"], widths.weighted["effective_ltv"]) == ("Int128", "Int128", "limbs")
    small, big = summarize(loans, pool), summarize(huge, pool)
    assert big.pool.balance == small.pool.balance * scale
    assert big.pool.effective_ltv == small.pool.effective_ltv * scale
    assert (big.pool.note_rate, big.pool.remaining_term, big.pool.ltv, big.original_term) == (
        small.pool.note_rate, small.pool.remaining_term, small.pool.ltv, small.original_term
    )
    balances, ltvs = loans["balance"].to_list(), loans["effective_ltv"].to_list()
    assert small.pool.effective_ltv == Fraction(sum(b * v for b, v in zip(balances, ltvs, strict=True)), sum(balances) * 1000)


@pytest.mark.parametrize(("balance", "width"), [(INT64_MAX // 49, "Int64"), (INT64_MAX // 49 + 1, "Int128")])
def test_pool_summary_at_the_balance_sums_bound_and_one_past_it(balance: int, width: str) -> None:
    """49 loans of one balance: 49 x balance is exactly 2^63 - 1 (Int64), or past it by 49 cents (Int128); the figures are exact either way."""
    from generator.api import load_deal, load_tape, summarize, tape_path, term_sheet_of

    loaded = load_deal(Path(__file__).parent.parent / "examples" / "cmsi-2003-1" / "deal.yaml")
    pool, cut_off = term_sheet_of(loaded).pool, term_sheet_of(loaded).cut_off_date
    loans = load_tape(tape_path(loaded), pool, cut_off).loans.head(49).with_columns(balance=pl.lit(balance, pl.Int64))
    assert sums.widths(loans, []).balance == width
    summary = summarize(loans, pool)
    rates, terms = loans["note_rate"].to_list(), loans["remaining_term"].to_list()
    assert summary.pool.count == 49
    assert summary.pool.balance * 100 == 49 * balance
    assert summary.pool.note_rate == Fraction(sum(balance * r for r in rates), 49 * balance * 1000)
    assert summary.pool.remaining_term == Fraction(sum(balance * t for t in terms), 49 * balance)
    assert summary.primary_share == Fraction(100 * balance * loans["occupancy"].to_list().count("primary"), 49 * balance)


MAGNITUDE = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-1000, 1000), st.sampled_from([2**31, 2**32, 2**62, -(2**63), 2**63 - 1]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**63 - 1) | st.integers(0, 10**4), MAGNITUDE | st.none()), min_size=1, max_size=40))
def test_every_product_sum_in_its_proven_width_equals_the_python_sum(pairs: list[tuple[int, int | None]]) -> None:
    """For any loans (balances, values of both signs, blanks), the sums in the widths `widths` picks read back as the exact Python sums."""
    loans = pl.DataFrame({"balance": [b for b, _ in pairs], "value": [v for _, v in pairs]}, schema={"balance": pl.Int64, "value": pl.Int64})
    widths = sums.widths(loans, ["value", "balance"])
    row = loans.select(
        pl.col("balance").cast(sums.sum_type(widths.balance)).sum().alias("total"),
        *sums.product_sums(pl.col("balance"), pl.col("value"), widths.weighted["value"], "bv"),
        *sums.product_sums(pl.col("balance"), pl.col("balance"), widths.weighted["balance"], "bb"),
    ).row(0, named=True)
    assert row["total"] == sum(b for b, _ in pairs)
    assert sums.product_total(row, "bv") == sum(b * v for b, v in pairs if v is not None)
    assert sums.product_total(row, "bb") == sum(b * b for b, _ in pairs)


def test_a_total_after_kept_empty_rows_still_has_its_figures() -> None:
    """The first rows kept empty (no loans, so no sums): the total's weighted average is still the loans' (it printed N/A)."""
    bands = {"kind": "bands", "edges": [1, 2], "first_label": "1 or less", "label": "{{ hi }}", "last_label": "Above"}
    spec = TableSpec.model_validate({**SPEC.model_dump(mode="json", exclude_none=True), "field": "note_rate", "keep_empty": True, "rule": bands})
    balances, rates = [100, 200, 2**40], [6_000, 7_000, 6_500]
    loans = pl.DataFrame({"balance": balances, "note_rate": rates, "units": [1, 1, 1]}, schema=TYPES)
    table = compute_table(loans, spec)
    assert isinstance(table, Table)
    assert [r.count for r in table.rows] == [0, 0, 3]
    expected = half_up(Fraction(sum(b * r for b, r in zip(balances, rates, strict=True)), sum(balances) * 1000), 3)
    assert str(table.figures[4]) == str(table.rows[2].figures[4]) == expected
