"""Table sums switch to Int64 only where they provably cannot overflow: huge balances keep Int128 and exact figures."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl

from generator.deal.models import Column, TableSpec
from generator.pool import columns as figure_columns
from generator.pool.exact import round_half_up
from generator.pool.strats import Table, compute_table

WA = Column.model_validate({"id": "wa", "kind": "weighted_average", "field": "note_rate", "header": ["WA"]})
SPEC = TableSpec.model_validate(
    {"id": "t", "title": ["T"], "header": ["T"], "field": "units", "columns": [WA],
     "rule": {"kind": "categories", "categories": [{"value": "1", "label": "1"}]}}
)


def _loans(balance: int, rate: int, n: int = 3) -> pl.DataFrame:
    return pl.DataFrame({"balance": [balance] * n, "note_rate": [rate + i for i in range(n)], "units": [1] * n})


def test_small_figures_sum_in_int64() -> None:
    assert figure_columns.narrow(_loans(100_00, 6_250), [WA]) == {"balance", "note_rate"}


def test_sums_that_could_overflow_int64_stay_int128_and_exact() -> None:
    balance = 4 * 10**18  # three loans of 4 x 10^18 cents: their balance alone passes 2^63
    loans = _loans(balance, 6_250)
    assert figure_columns.narrow(loans, [WA]) == frozenset()
    assert figure_columns.narrow(_loans(10**12, 9_999_999), [WA]) == {"balance"}  # balance fits, balance x rate does not
    table = compute_table(loans, SPEC)
    assert isinstance(table, Table)
    assert table.balance_cents == 3 * balance
    expected = round_half_up(Fraction(sum(balance * r for r in (6_250, 6_251, 6_252)), 3 * balance * 1000), 3)
    assert table.figures == (expected,) == (Decimal("6.251"),)


def test_pool_summary_keeps_exact_sums_when_balances_would_wrap_int64() -> None:
    """Every balance times 10^12: the sums pass 2^63, the weighted averages must not move and the balance must scale exactly."""
    from generator.api import load_deal, load_tape, summarize, tape_path, term_sheet_of

    loaded = load_deal(Path(__file__).parent.parent / "examples" / "cmsi-2003-1" / "deal.yaml")
    pool, cut_off = term_sheet_of(loaded).pool, term_sheet_of(loaded).cut_off_date
    loans = load_tape(tape_path(loaded), pool, cut_off).loans
    scale = 10**12
    huge = loans.with_columns(pl.col("balance").cast(pl.Int128) * scale)
    assert int(huge["balance"].sum()) > 2**63  # an Int64 sum would wrap
    small, big = summarize(loans, pool), summarize(huge, pool)
    assert big.pool.balance == small.pool.balance * scale
    assert (big.pool.note_rate, big.pool.remaining_term, big.pool.ltv, big.original_term) == (
        small.pool.note_rate, small.pool.remaining_term, small.pool.ltv, small.original_term
    )
