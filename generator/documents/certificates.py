"""The offered certificates table of the modern term sheet: each class's initial credit enhancement, exact, and its printed cells.

Priority is the deal file's list order: senior classes first, then the subordinate classes from
the most senior (the deal file's check refuses a senior class after a subordinate one). A
principal class (senior or subordinate) is enhanced by the subordinate classes listed after it:
their balances as a percent of the pool's cut-off balance. Interest-only and residual classes
carry no principal to protect, and print N/A.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from generator.deal.models import PRINCIPAL_CLASSES
from generator.documents.grids import NOT_AVAILABLE, Grid
from generator.pool.exact import round_half_up

if TYPE_CHECKING:
    import polars as pl

    from generator.deal.loading import LoadedDeal
    from generator.deal.models import CertificateClass
    from generator.errors import Problem


@dataclass(frozen=True)
class OfferedClass:
    """A row of the table: the deal file's class and its initial credit enhancement (percent, 2 decimals; None: not a principal class)."""

    name: str
    balance: Decimal
    rate: Decimal | str
    ratings: dict[str, str]
    type: str
    enhancement: Decimal | None


def enhancements(classes: Sequence[CertificateClass], pool_balance: Decimal) -> list[Decimal | None]:
    """Each class's initial credit enhancement: the subordinate balances after it over the pool's balance, percent, half-up to 2 places."""
    out: list[Decimal | None] = []
    for j, cls in enumerate(classes):
        if cls.type not in PRINCIPAL_CLASSES or pool_balance <= 0:
            out.append(None)
            continue
        below = sum((Fraction(c.balance) for c in classes[j + 1 :] if c.type == "subordinate"), Fraction(0))
        out.append(round_half_up(below * 100 / Fraction(pool_balance), 2))
    return out


def offered_classes(classes: Sequence[CertificateClass], pool_balance: Decimal) -> list[OfferedClass]:
    """The offered classes in priority order, each with its credit enhancement (computed over every class, offered or not)."""
    return [
        OfferedClass(c.name, c.balance, c.rate, dict(c.ratings), c.type, e)
        for c, e in zip(classes, enhancements(classes, pool_balance), strict=True)
        if c.offered
    ]


def certificates_grid(rows: Sequence[Any], words: Mapping[str, Any]) -> Grid:
    """The offered classes as printed cells: class, balance, rate, expected ratings ('Aaa/AAA', agencies in order of mention), enhancement, type.

    Args:
        rows: `offered_classes` (as template data).
        words: The prose module's `certificate_words`: `title`, the headings (`class`, `balance`,
            `rate`, `ratings`, `enhancement`, `type`: lists of lines), `types` (each class type's
            words), `not_rated` and `footnote`.
    """
    agencies = list(dict.fromkeys(agency for row in rows for agency in row.ratings))
    heads = [list(words["class"]), list(words["balance"]), list(words["rate"])]
    heads += [[*words["ratings"], "/".join(agencies)]] if agencies else []
    heads += [list(words["enhancement"]), list(words["type"])]
    cells = [
        [
            row.name, f"{row.balance:,.2f}", row.rate if isinstance(row.rate, str) else f"{row.rate}",
            *(["/".join(row.ratings.get(agency, words["not_rated"]) for agency in agencies)] if agencies else []),
            NOT_AVAILABLE if row.enhancement is None else f"{row.enhancement:.2f}", words["types"][row.type],
        ]
        for row in rows
    ]  # fmt: skip
    money = (True,) + (False,) * (len(heads) - 2)  # the balance column alone is dollars
    return Grid(id="offered-certificates", title=list(words["title"]), group=None, heads=heads, rows=cells, total=None, footnote=words["footnote"], money=money)


def width_problems(loaded: LoadedDeal, rows: Sequence[OfferedClass]) -> list[Problem]:
    """The table, if its cells alone leave its class names no room within 132 characters, as a problem at the `classes` line."""
    from generator.documents.grids import TooWide, measure, text_width

    blank = {key: [""] for key in ("title", "class", "balance", "rate", "ratings", "enhancement", "type")}
    words = {**blank, "types": {t: t for t in ("senior", "subordinate", "interest_only", "residual")}, "not_rated": "NR", "footnote": ""}
    try:
        text_width(*measure(certificates_grid(rows, words)))
    except TooWide as exc:
        message = f"the offered certificates table is too wide for EDGAR text: {exc}; shorten the rate formulas or list fewer rating agencies"
        return [loaded.problem(("term_sheet", "classes"), None, message)]
    return []


def balance_warnings(loaded: LoadedDeal, loans: pl.DataFrame) -> list[Problem]:
    """A warning at the deal file's `classes` line when the principal classes' balances do not add up to the pool's cut-off balance.

    `loans` are a clean tape's (`TapeReport.loans`); their balances are summed as Python integers (exact cents, no overflow).
    """
    from generator.fields import FIELDS
    from generator.pool.lint import warning

    term_sheet = loaded.deal.term_sheet
    if term_sheet is None or not term_sheet.classes:
        return []
    pool_balance = FIELDS["balance"].value(sum(loans["balance"].to_list()))
    total = sum((c.balance for c in term_sheet.classes if c.type in PRINCIPAL_CLASSES), Decimal(0))
    if total == pool_balance:
        return []
    message = (
        f"the senior and subordinate classes' balances add up to ${total:,.2f}, the pool's cut-off balance is ${pool_balance:,.2f} "
        f"(the classes are ${abs(total - pool_balance):,.2f} {'over' if total > pool_balance else 'short'}): correct the class balances or the tape"
    )
    return [warning(loaded.problem(("term_sheet", "classes"), None, message))]
