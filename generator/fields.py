"""The canonical loan fields: every fact about a field of a loan, written once.

This module owns, for each field a loan tape carries (or the tape reader derives), its
name, its kind, the decimals it is stored with (values are integers times 10**decimals:
cents, thousandths of a percent, months), the range a plausible value lies in (the row
checks' bounds), whether the deal file must map a tape column to it, whether a
stratification table can band or group it, and a one-line description.

Everything else reads it: the deal file's `Columns` model and its `TableField` enum
(`generator.deal.models`, and so the JSON Schema), the tape parser and its row checks
(`generator.pool.parsing`, `generator.pool.row_checks`), the tables' scales and field rules (`generator.pool.strats`).

To add a field, add one `LoanField` to `REGISTRY`, where it should sit in the deal file's
`columns:` (problems on a row are listed in this order). A tape field then has a
`columns:` key (required or optional), is parsed by its kind and decimals, and, when
`band` or `group` is set, can be a table's field; run `dealdocs schema` to update
`schemas/deal.schema.json`. What the registry cannot say is left to code naming the field:
a check comparing two fields (and its message), a derived field's formula
(`derived.derive`), a coded field's categories (`models.Codes`).

Importing this module is cheap (no polars): the deal-file models import it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class Kind(Enum):
    """What a field's values are, which decides how a tape's text is parsed and stored."""

    TEXT = "text"  # as written (a loan number)
    MONEY = "money"  # dollars, stored in cents
    PERCENT = "percent"  # percent, stored in thousandths of a percent
    MONTHS = "months"  # whole months (a term)
    COUNT = "count"  # a whole number of things (units)
    SCORE = "score"  # a whole-number score (a credit score)
    DATE = "date"
    CATEGORY = "category"  # a lender code mapped to a category by the deal file's `codes`
    FLAG = "flag"  # a lender code mapped to true or false by the deal file's `codes`
    STATE = "state"  # a USPS state code
    ZIP = "zip"  # a 5-digit ZIP code (ZIP+4 is read as its first 5)


DECIMALS = {Kind.MONEY: 2, Kind.PERCENT: 3, Kind.MONTHS: 0, Kind.COUNT: 0, Kind.SCORE: 0}
"""Decimal places a numeric kind keeps exactly; kinds not listed are not numbers."""

CODED = (Kind.CATEGORY, Kind.FLAG)
"""Kinds whose tape values are lender codes, mapped by the deal file's `codes`."""

DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
"""Dates a loan tape can hold; anything outside is a corrupted cell (year 0, a negative year)."""


@dataclass(frozen=True)
class Range:
    """Bounds of a value in the field's own units (dollars, percent, months, dates); None is unbounded.

    A bound is inclusive unless marked open: Range(0, 20, low_open=True) is 0 < x <= 20.
    """

    low: Decimal | int | dt.date | None = None
    high: Decimal | int | dt.date | None = None
    low_open: bool = False
    high_open: bool = False

    def scaled(self, decimals: int) -> tuple[int | None, int | None]:
        """The bounds as stored (times 10**decimals); a numeric field's bounds are whole in its scale."""

        def one(bound: Decimal | int | None) -> int | None:
            if bound is None:
                return None
            value = Decimal(bound).scaleb(decimals)
            if value != value.to_integral_value():
                raise ValueError(f"bound {bound} is finer than {decimals} decimals")
            return int(value)

        return one(self.low), one(self.high)  # type: ignore[arg-type]

    def holds(self, value: int | dt.date, decimals: int | None = None) -> bool:
        """Whether `value` is within the range: a date, or an integer stored at `decimals` (the field's scale)."""
        low, high = (self.low, self.high) if decimals is None else self.scaled(decimals)
        above = low is None or (value > low if self.low_open else value >= low)  # type: ignore[operator]
        below = high is None or (value < high if self.high_open else value <= high)  # type: ignore[operator]
        return above and below

    def words(self, kind: Kind) -> str:
        """The range as messages state it: '0% to 20%', '1 to 480 months', '1 to 4'."""
        if kind is Kind.PERCENT:
            return f"{self.low}% to {self.high}%"
        if kind is Kind.MONTHS:
            return f"{self.low} to {self.high} months"
        return f"{self.low} to {self.high}"


@dataclass(frozen=True)
class LoanField:
    """One canonical loan field (see the module's docstring)."""

    name: str
    kind: Kind
    description: str
    required: bool = False  # the deal file must map a tape column to it (tape fields only)
    derived: bool = False  # computed by the tape reader (`derived.derive`), never read from the tape
    band: bool = False  # a table can band it (numeric fields)
    group: bool = False  # a table can group it: categories, years (dates), states
    plausible: Range | None = None  # outside it a value is an error (a date: DATE_MIN to DATE_MAX unless set)
    usual: Range | None = None  # outside it a value is a warning
    blank_means_zero: bool = False  # a blank cell is 0, not a missing value
    may_be_blank: bool = False  # a blank cell is a value not available (a warning, counted), not an error
    arm: bool = False  # present exactly on adjustable-rate loans (checked against `amortization`)
    places: int | None = None  # decimals other than the kind's (a DTI in hundredths of a percent)
    categories: tuple[str, ...] | None = None  # a custom category field's categories, its codes' values (canonical ones: models.Codes)
    decimals: int | None = None  # set from the kind; values are stored times 10**decimals

    def __post_init__(self) -> None:
        object.__setattr__(self, "decimals", self.places if self.places is not None else DECIMALS.get(self.kind))
        if self.kind is Kind.DATE and self.plausible is None:
            object.__setattr__(self, "plausible", Range(DATE_MIN, DATE_MAX))
        if self.band and self.decimals is None:
            raise ValueError(f"{self.name}: only a numeric field can be banded")
        if self.derived and self.required:
            raise ValueError(f"{self.name}: a derived field has no tape column to require")

    @property
    def in_tables(self) -> bool:
        """A table's `field` may name it."""
        return self.band or self.group

    @property
    def numeric(self) -> bool:
        """Stored as an integer of its scale (so it can be summed, banded and range-checked)."""
        return self.decimals is not None

    @property
    def unit(self) -> int:
        """What one of the field's units is stored as: 100 (cents in a dollar), 1000 (a percent)."""
        return int(10 ** (self.decimals or 0))  # int ** int is typed Any (a negative power is a float)

    def scaled(self, value: Decimal | int) -> int:
        """A value in the field's units as stored, truncated to its decimals: 6.25 (percent) is 6250."""
        return int(Decimal(value).scaleb(self.decimals or 0))

    def value(self, stored: int) -> Decimal:
        """A stored value in the field's units, exactly: 6250 (percent) is 6.250."""
        return Decimal(stored).scaleb(-(self.decimals or 0))


REGISTRY: tuple[LoanField, ...] = (
    LoanField("loan_number", Kind.TEXT, "The lender's loan number; unique on the tape.", required=True),
    LoanField("balance", Kind.MONEY, "Scheduled principal balance at the cut-off date.", required=True, band=True, group=True, plausible=Range(low=0)),
    LoanField("original_balance", Kind.MONEY, "Principal balance when the loan was made.", required=True, band=True, group=True,
              plausible=Range(low=0, low_open=True)),
    LoanField("note_rate", Kind.PERCENT, "Mortgage interest rate, percent a year.", required=True, band=True, group=True,
              plausible=Range(0, 20, low_open=True), usual=Range(2, 12)),
    LoanField("servicing_fee", Kind.PERCENT, "Servicing fee rate, percent a year; without it, pool.servicing_fee applies to every loan.",
              plausible=Range(low=0)),
    LoanField("net_rate", Kind.PERCENT, "Note rate less the servicing fee, percent a year.", derived=True, band=True, group=True),
    LoanField("original_term", Kind.MONTHS, "Original term to maturity, months.", required=True, band=True, group=True, plausible=Range(1, 480)),
    LoanField("remaining_term", Kind.MONTHS, "Remaining term to maturity at the cut-off date, months.", required=True, band=True, group=True,
              plausible=Range(low=1)),
    LoanField("origination_date", Kind.DATE, "Date the loan was made.", required=True, group=True),
    LoanField("first_payment_date", Kind.DATE, "Date of the first scheduled payment."),
    LoanField("maturity_date", Kind.DATE, "Date of the last scheduled payment.", required=True, group=True),
    LoanField("months_to_maturity", Kind.MONTHS, "Months from the cut-off date's month to the maturity date's month.", derived=True),
    LoanField("appraised_value", Kind.MONEY, "Appraised value of the mortgaged property.", required=True, plausible=Range(low=0, low_open=True)),
    LoanField("ltv", Kind.PERCENT, "Lender's LTV; checked against original balance / appraised value.", band=True, group=True,
              plausible=Range(0, 200, low_open=True)),
    LoanField("computed_ltv", Kind.PERCENT, "Original balance / appraised value, percent (the LTV when the tape has none).", derived=True),
    LoanField("effective_ltv", Kind.PERCENT, "LTV with pledged additional collateral taken off the original balance, percent.", derived=True,
              band=True, group=True, usual=Range(high=100)),
    LoanField("property_type", Kind.CATEGORY, "Lender's property type code (mapped by codes.property_type).", required=True, group=True),
    LoanField("units", Kind.COUNT, "Dwelling units in the property, 1 to 4.", required=True, band=True, group=True, plausible=Range(1, 4)),
    LoanField("occupancy", Kind.CATEGORY, "Lender's occupancy code (mapped by codes.occupancy).", required=True, group=True),
    LoanField("state", Kind.STATE, "State of the property, USPS code.", required=True, group=True),
    LoanField("zip", Kind.ZIP, "ZIP code of the property.", required=True),
    LoanField("purpose", Kind.CATEGORY, "Lender's loan purpose code (mapped by codes.purpose).", group=True),
    LoanField("doc_type", Kind.CATEGORY, "Lender's documentation (underwriting programme) code (mapped by codes.doc_type).", required=True, group=True),
    LoanField("pmi", Kind.FLAG, "Lender's primary mortgage insurance code (mapped by codes.pmi).", group=True),
    LoanField("additional_collateral", Kind.MONEY, "Additional collateral pledged for the loan, dollars; a blank cell is none.", blank_means_zero=True,
              plausible=Range(low=0)),
    LoanField("fico", Kind.SCORE, "Borrower's credit score (FICO) at origination, 300 to 850.", band=True, group=True, may_be_blank=True,
              plausible=Range(300, 850)),
    LoanField("dti", Kind.PERCENT, "Borrower's debt-to-income ratio, percent, 2 decimals.", band=True, group=True, may_be_blank=True, places=2,
              plausible=Range(0, 100), usual=Range(0, 60)),
    LoanField("cltv", Kind.PERCENT, "Combined LTV (all liens on the property), percent; never below the LTV.", band=True, group=True,
              may_be_blank=True, plausible=Range(0, 200, low_open=True)),
    LoanField("lien_position", Kind.CATEGORY, "Lender's lien position code, first or second lien (mapped by codes.lien_position).", group=True),
    LoanField("loan_group", Kind.TEXT, "The loan group the loan is assigned to (pool.groups labels it).", group=True),
    LoanField("amortization", Kind.CATEGORY, "Lender's amortization code, fixed rate or ARM (mapped by codes.amortization).", group=True),
    LoanField("interest_only_term", Kind.MONTHS, "Interest-only period, months; 0 is none.", band=True, group=True, plausible=Range(0, 480)),
    LoanField("arm_index", Kind.TEXT, "ARM index, as the tape writes it (SOFR30A, 1YR CMT).", group=True, arm=True),
    LoanField("margin", Kind.PERCENT, "ARM gross margin over the index, percent.", band=True, group=True, arm=True, plausible=Range(0, 10)),
    LoanField("initial_rate_cap", Kind.PERCENT, "ARM cap on the first rate change, percent.", band=True, group=True, arm=True, plausible=Range(0, 15)),
    LoanField("periodic_rate_cap", Kind.PERCENT, "ARM cap on later rate changes, percent.", band=True, group=True, arm=True, plausible=Range(0, 15)),
    LoanField("lifetime_rate_cap", Kind.PERCENT, "ARM lifetime cap over the initial rate, percent.", band=True, group=True, arm=True,
              plausible=Range(0, 15)),
    LoanField("maximum_rate", Kind.PERCENT, "ARM maximum (lifetime) note rate, percent; not below the note rate.", band=True, group=True, arm=True,
              plausible=Range(0, 30, low_open=True)),
    LoanField("months_to_roll", Kind.MONTHS, "ARM months from the cut-off date to the first rate change.", band=True, group=True, arm=True,
              plausible=Range(0, 480)),
    LoanField("channel", Kind.TEXT, "Origination channel, as the tape writes it (retail, broker, correspondent).", group=True),
    LoanField("originator", Kind.TEXT, "The loan's originator, as the tape writes it; the pool description names several with their shares.", group=True),
    LoanField("self_employed", Kind.FLAG, "Self-employed borrower code (mapped by codes.self_employed).", group=True),
    LoanField("first_time_buyer", Kind.FLAG, "First-time homebuyer code (mapped by codes.first_time_buyer).", group=True),
    LoanField("loan_age", Kind.MONTHS, "Months since origination at the cut-off date; derived from the dates when the tape lacks it.", band=True,
              group=True, plausible=Range(0, 480)),
)  # fmt: skip
"""Every canonical field, tape fields in the order of the deal file's `columns:`."""

FIELDS: dict[str, LoanField] = {f.name: f for f in REGISTRY}
"""The registry by name (what consumers look fields up in)."""


def tape_fields(registry: dict[str, LoanField] | None = None) -> list[LoanField]:
    """Fields read from the tape (the deal file's `columns:`), in order."""
    return [f for f in (FIELDS if registry is None else registry).values() if not f.derived]


def table_fields(registry: dict[str, LoanField] | None = None) -> list[LoanField]:
    """Fields a stratification table can band or group, in registry order."""
    return [f for f in (FIELDS if registry is None else registry).values() if f.in_tables]


_UNITS = (Kind.MONEY, Kind.PERCENT, Kind.MONTHS, Kind.COUNT, Kind.SCORE)


def by_unit(field: LoanField) -> int:
    """Sort key listing numeric fields by unit (dollars, percent, months, counts, scores), as messages name them."""
    return _UNITS.index(field.kind)
