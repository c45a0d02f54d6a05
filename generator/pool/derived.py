"""Fields the documents use that the tape need not carry, derived exactly from the parsed ones: net rate, both LTVs, months to maturity, loan age."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from generator import fields as loan_fields
from generator.deal.models import Pool
from generator.pool.exact import INT64_MAX

if TYPE_CHECKING:
    import polars as pl


LTV_CAP = f"{loan_fields.FIELDS['computed_ltv'].value(INT64_MAX - 1):,}"
"""The largest LTV a loan can have, in percent: a larger ratio is capped at Int64's largest (`_ratio_thousandths`) and refused."""


SMALL_CENTS = INT64_MAX // (4 * 100_000 + 1)
"""Balances and values (about $230 billion) under which a ratio's every step fits 64 bits: |2 x (a - b) x 10**5 + c| < 2**63."""


def _ratio_thousandths(numerator_cents: pl.Expr, denominator_cents: pl.Expr, small: bool) -> pl.Expr:
    """Numerator / denominator x 100, half-up to 3 decimals, in thousandths of a percent.

    In 64 bits when every amount is `small` (a fifth of the time of 128 bits), else in 128
    bits, capped: a ratio past 64 bits (a 15-digit balance over a 1-cent value) is a row error (`checks`).
    """
    import polars as pl

    if small:
        num, den = numerator_cents * 100_000, denominator_cents
        return (2 * num + den) // (2 * den)
    num, den = numerator_cents.cast(pl.Int128) * 100_000, denominator_cents.cast(pl.Int128)  # cents x 10**5 overflow 64 bits
    return ((2 * num + den) // (2 * den)).clip(-INT64_MAX, INT64_MAX).cast(pl.Int64)


def month_index(date: pl.Expr) -> pl.Expr:
    """A date's month as one integer (year x 12 + month), so that months between two dates are a subtraction."""
    import polars as pl

    return date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64)


def derive(loans: pl.DataFrame, pool: Pool, cut_off: dt.date) -> pl.DataFrame:
    """Fields the documents use that the tape need not carry: net rate, both LTVs, months to maturity, loan age."""
    import polars as pl

    cols = set(loans.columns)
    if "servicing_fee" in cols:
        fee = pl.col("servicing_fee")
    else:
        assert pool.servicing_fee is not None, "Pool's validation requires servicing_fee when the tape has no column for it"
        fee = pl.lit(loan_fields.FIELDS["servicing_fee"].scaled(pool.servicing_fee), pl.Int64)
    addl = pl.col("additional_collateral") if "additional_collateral" in cols else pl.lit(0, pl.Int64)  # blank is 0 already
    amounts = [pl.col(c).abs().max() for c in ("original_balance", "appraised_value", "additional_collateral") if c in cols]
    small = all(m is None or m <= SMALL_CENTS for m in loans.select(amounts).row(0))  # a bound on every factor: no 64-bit step can wrap
    computed_ltv = _ratio_thousandths(pl.col("original_balance"), pl.col("appraised_value"), small)
    return loans.with_columns(
        servicing_fee=fee,
        net_rate=pl.col("note_rate") - fee,
        additional_collateral=addl,
        computed_ltv=computed_ltv,
        ltv=pl.col("ltv") if "ltv" in cols else computed_ltv,
        effective_ltv=_ratio_thousandths(pl.col("original_balance") - addl, pl.col("appraised_value"), small),
        months_to_maturity=month_index(pl.col("maturity_date")) - (cut_off.year * 12 + cut_off.month),
        loan_age=pl.col("loan_age") if "loan_age" in cols else (cut_off.year * 12 + cut_off.month) - month_index(pl.col("origination_date")),
    )
