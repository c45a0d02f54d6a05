"""What the tape says of the pool as a whole, for the prose to state: each fact only where every loan reports it.

The words live in the templates; this module decides which case is true (none, some or all
interest-only, fixed or adjustable rate, first or second lien, the kinds of property, the
loan groups, the originators and their shares, whether the tape reports primary mortgage
insurance and additional collateral at all), so a sentence is printed only when the tape
supports it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from generator.deal.models import Amortization, Groups, Lien, PropertyType
from generator.pool.exact import allocate

if TYPE_CHECKING:
    import polars as pl

    from generator.pool.crosstab import CrossTab
    from generator.pool.strats import Table

Share = Literal["none", "some", "all"]

ONE_TO_FOUR = frozenset({
    PropertyType.detached, PropertyType.multi_family, PropertyType.townhouse,
    PropertyType.condo_low, PropertyType.condo_high, PropertyType.pud,
})  # fmt: skip
"""Dwellings of one to four units on real property; a cooperative share or a manufactured home is not one."""


@dataclass(frozen=True)
class Originator:
    """One of several originators the tape names, with its share of the pool."""

    name: str  # as the tape writes it
    share: Decimal  # percent of the pool's cut-off balance, 2 decimals; the originators' shares foot to 100.00


@dataclass(frozen=True)
class PoolFacts:
    """The pool's facts the prose states; None (or empty) where the tape does not map the field or some loan leaves it blank."""

    interest_only: Share | None  # loans with an interest-only term greater than 0
    adjustable: Share | None  # adjustable-rate loans (amortization: arm)
    properties: tuple[str, ...]  # 'one_to_four', 'cooperative', 'manufactured', in that order: the kinds of property present
    groups: tuple[str, ...]  # the labels of the loan groups that have loans, in the deal file's order
    lien: str | None = None  # 'first' or 'second' when every loan reports that lien position, else None
    originators: tuple[Originator, ...] = ()  # two or more, largest share first; () when the tape names one originator or none
    pmi: bool = False  # the tape reports, for every loan, whether it has primary mortgage insurance
    additional_collateral: bool = False  # the tape reports each loan's pledged additional collateral (a blank is none)
    not_available: tuple[str, ...] = ()  # the labels of the rows the tables print for loans leaving their field blank, each once


def pool_facts(
    loans: pl.DataFrame, groups: Groups | None, mapped: Collection[str] | None = None, tables: Sequence[Table | CrossTab] = ()
) -> PoolFacts:
    """The facts of `loans` (the checked tape's canonical frame) and of its `tables` the term sheets' prose states.

    `mapped` names the fields the deal file maps to a tape column (None: every column of
    `loans`); a field the reader fills in itself (additional collateral, as none) is not reported.
    """
    import polars as pl

    from generator.pool.groups import group_frames

    def reported(field: str) -> bool:
        return field in loans.columns and (mapped is None or field in mapped)

    kinds = set(loans["property_type"].drop_nulls().unique().to_list())
    properties = [name for name, present in (
        ("one_to_four", bool(kinds & {k.value for k in ONE_TO_FOUR})),
        ("cooperative", PropertyType.cooperative.value in kinds),
        ("manufactured", PropertyType.manufactured.value in kinds),
    ) if present]  # fmt: skip
    labelled = [label for key, label, frame in group_frames(loans, groups) if key is not None and label is not None and frame.height]
    liens = _share(loans, "lien_position", pl.col("lien_position") == Lien.first.value)
    return PoolFacts(
        interest_only=_share(loans, "interest_only_term", pl.col("interest_only_term") > 0),
        adjustable=_share(loans, "amortization", pl.col("amortization") == Amortization.arm.value),
        properties=tuple(properties),
        groups=tuple(labelled),
        lien={"all": Lien.first.value, "none": Lien.second.value}.get(liens or ""),  # a lien is first or second: none first is all second
        originators=originators(loans) if reported("originator") else (),
        pmi=reported("pmi"),
        additional_collateral=reported("additional_collateral"),
        not_available=not_available(tables),
    )


def not_available(tables: Sequence[Table | CrossTab]) -> tuple[str, ...]:
    """The labels of the rows (a cross-tab's columns too) printed for loans that leave the table's field blank, in order, each once."""
    from generator.pool.strats import Table

    labels: list[str] = []
    for table in tables:
        if isinstance(table, Table):
            labels += [row.label for row in table.rows if row.key is None]  # a blank field's row (strats.RowKey)
        else:
            keyed = zip([*table.row_keys, *table.column_keys], [*table.row_labels, *table.column_labels], strict=True)
            labels += [label for key, label in keyed if key is None]
    return tuple(dict.fromkeys(labels))


def originators(loans: pl.DataFrame) -> tuple[Originator, ...]:
    """The originators the tape names, with their shares of the pool's balance footed to 100.00%, largest first; () for fewer than two.

    A loan without an originator leaves the pool's originators unknown: then () as well.
    """
    import polars as pl

    if loans["originator"].null_count():
        return ()
    sums = loans.group_by("originator").agg(pl.col("balance").cast(pl.Int128).sum()).sort(["balance", "originator"], descending=[True, False])
    if sums.height < 2:
        return ()
    cents = [int(c) for c in sums["balance"]]
    total = sum(cents)
    hundredths = allocate([c * 10_000 for c in cents], total) if total else [0] * len(cents)
    return tuple(Originator(name, Decimal(h).scaleb(-2)) for name, h in zip(sums["originator"], hundredths, strict=True))


def _share(loans: pl.DataFrame, field: str, test: pl.Expr) -> Share | None:
    """None of the loans pass `test`, some, or all; None when `field` is not on the tape or a loan leaves it blank."""
    if field not in loans.columns or loans.height == 0 or loans[field].null_count():
        return None
    passing = loans.select(test.sum()).item()
    return "none" if passing == 0 else "all" if passing == loans.height else "some"
