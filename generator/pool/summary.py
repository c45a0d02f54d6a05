"""The pool summary: every figure the term sheet's prose states, computed exactly from the tape.

Amounts are Decimal dollars (exact cents); averages and shares are Fractions, rounded only
when printed, so the template decides "half-up", "at least" (down) or "no more than" (up).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from generator.deal.models import Pool
from generator.errors import Problem, TapeError
from generator.fields import FIELDS
from generator.pool.exact import allocate, share_percent
from generator.pool.sums import Widths, product_sums, product_total, sum_type
from generator.pool.sums import widths as sum_widths

if TYPE_CHECKING:
    import polars as pl


def _dollars(cents: int) -> Decimal:
    return FIELDS["balance"].value(cents)


@dataclass(frozen=True)
class Group:
    """Count, balance and balance-weighted averages of a set of loans."""

    count: int
    balance: Decimal  # dollars, exact to the cent
    note_rate: Fraction  # percent
    remaining_term: Fraction  # months
    effective_ltv: Fraction  # percent
    ltv: Fraction  # percent, without pledged additional collateral


@dataclass(frozen=True)
class Summary:
    """The figures the term sheet's prose states about the pool, exact (rounded only when printed)."""

    pool: Group
    original_term: Fraction  # weighted average, months
    min_original_years: int  # whole years, rounded down
    max_original_years: int  # whole years, rounded up
    originated_from: dt.date  # first day of the earliest origination month
    originated_before: dt.date  # first day of the month after the latest origination
    latest_maturity: dt.date
    min_original_balance: Decimal
    max_original_balance: Decimal
    high_ltv_balance: Decimal  # effective LTV above the pool's high_ltv_threshold
    high_ltv_without_pmi: int  # loans above the threshold without primary mortgage insurance
    high_ltv_count: int  # loans above the threshold
    ltv_cap: Decimal  # no loan's effective LTV exceeds this (highest LTV rounded up to ltv_cap_step)
    max_zip_balance: Decimal
    primary_share: Fraction  # percent of balance
    programme_share: dict[str, Fraction]  # percent of balance by underwriting programme
    additional_collateral: Group | None
    discount: Group | None
    premium: Group | None
    discount_balance: int  # whole dollars; with premium_balance foots to the rounded pool balance
    premium_balance: int

    TEMPLATE_METHODS: ClassVar[tuple[str, ...]] = ("programmes",)  # what templates may call besides the fields

    def programmes(self, *names: str) -> Fraction:
        """Combined share of several programmes, e.g. full documentation or streamlined."""
        return sum((self.programme_share.get(n, Fraction(0)) for n in names), Fraction(0))


WEIGHTED = ("note_rate", "remaining_term", "effective_ltv", "ltv")
"""The fields whose balance-weighted averages the summary states per group."""


def _group_aggs(name: str, mask: pl.Expr, widths: Widths) -> list[pl.Expr]:
    """Count, balance and weighted sums of the loans under `mask`, as columns prefixed `name`, each in its proven width."""
    import polars as pl

    bal = pl.col("balance").filter(mask)
    weighted = [agg for f in WEIGHTED for agg in product_sums(bal, pl.col(f).filter(mask), widths.weighted[f], f"{name}.w_{f}")]
    return [bal.len().alias(f"{name}.count"), bal.cast(sum_type(widths.balance)).sum().alias(f"{name}.balance"), *weighted]


def _total(stats: dict[str, Any], name: str) -> int:
    return int(product_total(stats, name) or 0)


def _group(stats: dict[str, Any], name: str) -> Group | None:
    bal = int(stats[f"{name}.balance"] or 0)
    if bal == 0:
        return None
    return Group(
        count=stats[f"{name}.count"],
        balance=_dollars(bal),
        note_rate=Fraction(_total(stats, f"{name}.w_note_rate"), bal * FIELDS["note_rate"].unit),
        remaining_term=Fraction(_total(stats, f"{name}.w_remaining_term"), bal * FIELDS["remaining_term"].unit),
        effective_ltv=Fraction(_total(stats, f"{name}.w_effective_ltv"), bal * FIELDS["effective_ltv"].unit),
        ltv=Fraction(_total(stats, f"{name}.w_ltv"), bal * FIELDS["ltv"].unit),
    )


def _month_start(day: dt.date, months_later: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months_later
    return dt.date(index // 12, index % 12 + 1, 1)


def no_balance(loans: pl.DataFrame, pool: Pool) -> Problem | None:
    """The problem of a tape whose loans add up to no balance (every figure would be a share of nothing), else None."""
    import polars as pl

    if loans.height == 0 or loans["balance"].cast(pl.Int128).sum() == 0:
        return Problem(pool.tape, None, None, None, "the tape has no loans with a balance")
    return None


def summarize(loans: pl.DataFrame, pool: Pool) -> Summary:
    """Every figure the term sheet's prose quotes, in one aggregate pass over the loans plus two small group-bys (ZIP, programme).

    Args:
        loans: The canonical loans (`TapeReport.loans`) of a tape without errors.
        pool: The deal's pool section (thresholds and codes the figures depend on).

    Returns:
        The pool's summary: counts, balances and exact weighted averages.
    """
    import polars as pl

    if problem := no_balance(loans, pool):
        raise TapeError([problem])
    c = pl.col
    widths = sum_widths(loans, [*WEIGHTED, "original_term"])  # Int64 only where it cannot wrap
    bal = c("balance").cast(sum_type(widths.balance))
    discount = c("net_rate") < FIELDS["net_rate"].scaled(pool.discount_threshold)
    high_ltv = c("effective_ltv") > FIELDS["effective_ltv"].scaled(pool.high_ltv_threshold)
    no_pmi = ~c("pmi").fill_null(False) if "pmi" in loans.columns else pl.lit(True)
    groups = {
        "pool": pl.lit(True),
        "additional_collateral": c("additional_collateral") > 0,
        "discount": discount,
        "premium": ~discount,
    }
    stats = loans.select(
        *(agg for name, mask in groups.items() for agg in _group_aggs(name, mask, widths)),
        *product_sums(c("balance"), c("original_term"), widths.weighted["original_term"], "w_original_term"),
        c("original_term").min().alias("min_term"),
        c("original_term").max().alias("max_term"),
        c("origination_date").min().alias("first_orig"),
        c("origination_date").max().alias("last_orig"),
        c("maturity_date").max().alias("latest_maturity"),
        c("original_balance").min().alias("min_orig"),
        c("original_balance").max().alias("max_orig"),
        bal.filter(high_ltv).sum().alias("high_ltv_balance"),
        (high_ltv & no_pmi).sum().alias("high_ltv_without_pmi"),
        high_ltv.sum().alias("high_ltv_count"),
        c("effective_ltv").max().alias("max_ltv"),
        bal.filter(c("occupancy") == "primary").sum().alias("primary_balance"),
    ).row(0, named=True)
    zips = loans.group_by("zip").agg(bal.sum().alias("b")).select(c("b").max()).item()  # a ZIP code is in one state
    programmes = loans.group_by("doc_type").agg(bal.sum().alias("b")).iter_rows()
    pool_group = _group(stats, "pool")
    assert pool_group is not None
    total = FIELDS["balance"].scaled(pool_group.balance)
    discount_dollars, premium_dollars = allocate([int(stats["discount.balance"] or 0), int(stats["premium.balance"] or 0)], 100)
    step = FIELDS["effective_ltv"].scaled(pool.ltv_cap_step)
    return Summary(
        pool=pool_group,
        original_term=Fraction(_total(stats, "w_original_term"), total),
        min_original_years=stats["min_term"] // 12,
        max_original_years=-(-stats["max_term"] // 12),
        originated_from=_month_start(stats["first_orig"]),
        originated_before=_month_start(stats["last_orig"], 1),
        latest_maturity=stats["latest_maturity"],
        min_original_balance=_dollars(stats["min_orig"]),
        max_original_balance=_dollars(stats["max_orig"]),
        high_ltv_balance=_dollars(stats["high_ltv_balance"] or 0),
        high_ltv_without_pmi=stats["high_ltv_without_pmi"],
        high_ltv_count=stats["high_ltv_count"],
        ltv_cap=FIELDS["effective_ltv"].value(-(-stats["max_ltv"] // step) * step),
        max_zip_balance=_dollars(int(zips)),
        primary_share=share_percent(stats["primary_balance"] or 0, total),
        programme_share={name: share_percent(int(b), total) for name, b in programmes if name is not None},
        additional_collateral=_group(stats, "additional_collateral"),
        discount=_group(stats, "discount"),
        premium=_group(stats, "premium"),
        discount_balance=discount_dollars,
        premium_balance=premium_dollars,
    )
