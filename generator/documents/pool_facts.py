"""What the tape says of the pool as a whole, for the prose to state: each fact only where every loan reports it.

The words live in the templates; this module decides which case is true (none, some or all
interest-only, fixed or adjustable rate, the kinds of property, the loan groups), so a sentence
is printed only when the tape supports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from generator.deal.models import Amortization, Groups, PropertyType

if TYPE_CHECKING:
    import polars as pl

Share = Literal["none", "some", "all"]

ONE_TO_FOUR = frozenset({
    PropertyType.detached, PropertyType.multi_family, PropertyType.townhouse,
    PropertyType.condo_low, PropertyType.condo_high, PropertyType.pud,
})  # fmt: skip
"""Dwellings of one to four units on real property; a cooperative share or a manufactured home is not one."""


@dataclass(frozen=True)
class PoolFacts:
    """The pool's facts the prose states; None where the tape does not map the field or some loan leaves it blank."""

    interest_only: Share | None  # loans with an interest-only term greater than 0
    adjustable: Share | None  # adjustable-rate loans (amortization: arm)
    properties: tuple[str, ...]  # 'one_to_four', 'cooperative', 'manufactured', in that order: the kinds of property present
    groups: tuple[str, ...]  # the labels of the loan groups that have loans, in the deal file's order


def pool_facts(loans: pl.DataFrame, groups: Groups | None) -> PoolFacts:
    """The facts of `loans` (the checked tape's canonical frame) the collateral term sheet's prose states."""
    import polars as pl

    from generator.pool.groups import group_frames

    kinds = set(loans["property_type"].drop_nulls().unique().to_list())
    properties = [name for name, present in (
        ("one_to_four", bool(kinds & {k.value for k in ONE_TO_FOUR})),
        ("cooperative", PropertyType.cooperative.value in kinds),
        ("manufactured", PropertyType.manufactured.value in kinds),
    ) if present]  # fmt: skip
    labelled = [label for key, label, frame in group_frames(loans, groups) if key is not None and label is not None and frame.height]
    return PoolFacts(
        interest_only=_share(loans, "interest_only_term", pl.col("interest_only_term") > 0),
        adjustable=_share(loans, "amortization", pl.col("amortization") == Amortization.arm.value),
        properties=tuple(properties),
        groups=tuple(labelled),
    )


def _share(loans: pl.DataFrame, field: str, test: pl.Expr) -> Share | None:
    """None of the loans pass `test`, some, or all; None when `field` is not on the tape or a loan leaves it blank."""
    if field not in loans.columns or loans.height == 0 or loans[field].null_count():
        return None
    passing = loans.select(test.sum()).item()
    return "none" if passing == 0 else "all" if passing == loans.height else "some"
