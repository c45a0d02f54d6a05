"""The deal file, as pydantic models: what a deal team writes, checked before anything renders."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictInt,
    StringConstraints,
    Tag,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from generator.deal.base import Date, NonEmpty, OpenDate, OpenText, Placeholder, Strict, open_field, or_placeholder
from generator.deal.field_checks import FieldProblem, raise_problems
from generator.deal.opinion_models import ShelfOpinion, TakedownOpinion
from generator.fields import FIELDS, Kind, LoanField, Range, table_fields, tape_fields

Percent = Annotated[Decimal, Field(ge=0, le=100)]


# --- parties -------------------------------------------------------------------------


Zip = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}(-[0-9]{4})?$")]
Telephone = Annotated[str, StringConstraints(pattern=r"^\([0-9]{3}\) [0-9]{3}-[0-9]{4}$")]
RegistrationNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{3}-[0-9]{4,6}$")]


class Address(Strict):  # noqa: D101 (a docstring would become its description in schemas/deal.schema.json)
    street: OpenText = open_field("Street address")
    city: OpenText = open_field("City")
    state: OpenText = open_field("State", "Full state name, as printed: 'Missouri'.")
    zip: Annotated[Zip | Placeholder, or_placeholder(Zip)] = open_field("ZIP code")


CIK_PATTERN = r"^[0-9]{10}$"
FILE_NUMBER_PATTERN = r"^333-[0-9]{6}(-[0-9]{2})?$"
ISSUER_FILE_NUMBER_PATTERN = r"^333-[0-9]{6}-[0-9]{2}$"
SEC_FILE_NUMBER_PATTERN = r"^[0-9]{3}-[0-9]{4,6}(-[0-9]{2})?$"
"""EDGAR's numbers are ASCII digits: [0-9], since a regular expression's \\d takes any script's digits."""
PATTERN_WORDS = {
    CIK_PATTERN: "a Central Index Key is EDGAR's ten digits, leading zeros included: '0001234567'",
    FILE_NUMBER_PATTERN: "a registration file number is 333- and six digits, with an issuing entity's two-digit suffix or not: '333-270001-01'",
    ISSUER_FILE_NUMBER_PATTERN: "an issuing entity's Commission file number is the registration statement's with its two-digit suffix: '333-270001-01'",
    SEC_FILE_NUMBER_PATTERN: "a Commission file number is three digits, a hyphen and four to six digits, perhaps a two-digit suffix: '001-12345'",
}
"""What a pattern-checked key takes, in words, for the deal file's messages (`loading`)."""
Cik = Annotated[str, StringConstraints(pattern=CIK_PATTERN)]
"""A Central Index Key: EDGAR's filer number, ten digits with its leading zeros."""
RegistrationFileNumber = Annotated[str, StringConstraints(pattern=FILE_NUMBER_PATTERN)]
"""A Securities Act registration file number: '333-270001', or with an issuing entity's suffix '333-270001-01'."""


class Depositor(Strict):  # noqa: D101 (see Address)
    name: OpenText = open_field("Depositor name", "Exact name of registrant: 'Citicorp Mortgage Securities, Inc.'")
    short_name: NonEmpty = Field(description="Defined term used in the text: 'CMSI'.")
    capacity: NonEmpty | None = Field(None, description="Line under the name on the cover, e.g. 'Packager and Servicer'.")
    state_of_incorporation: NonEmpty
    commission_file_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}-[0-9]{4,6}$")]
    irs_employer_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}-[0-9]{7}$")]
    cik: Cik | None = Field(None, description="Central Index Key, EDGAR's 10 digits: '0001234567'; submission.json names the filer by it.")
    address: Address = Field(default_factory=Address, description="Left out, each line is a placeholder.")
    phone: Annotated[Telephone | Placeholder, or_placeholder(Telephone)] = open_field("Depositor telephone")


class Person(Strict):  # noqa: D101 (see Address)
    name: OpenText = open_field("Signatory name")
    title: OpenText = open_field("Signatory title")


class Trustee(Strict):  # noqa: D101 (see Address)
    name: OpenText = open_field("Trustee name")


class Series(Strict):  # noqa: D101 (see Address)
    name: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9A-Z]+$")] = Field(description="'2003-1'")
    certificates: NonEmpty = Field(description="'REMIC Pass-Through Certificates'")


# --- loan tape -------------------------------------------------------------------------


def columns_model(registry: dict[str, LoanField] | None = None) -> type[Strict]:
    """The `columns:` model: a tape header for each tape field of the registry, optional ones defaulting to None."""
    fields: dict[str, Any] = {  # (type, FieldInfo) per field: create_model's **field_definitions
        f.name: (NonEmpty, Field(description=f.description)) if f.required else (NonEmpty | None, Field(None, description=f.description))
        for f in tape_fields(registry)
    }
    return create_model("Columns", __base__=Strict, __module__=__name__, __doc__=_COLUMNS_DOC, **fields)


_COLUMNS_DOC = "Tape header for each canonical loan field; optional fields may be left out."

if TYPE_CHECKING:

    class Columns(Strict):
        """What mypy sees of the model built from the registry: the fields code reads by name."""

        servicing_fee: str | None

else:
    Columns = columns_model()


class PropertyType(str, Enum):  # noqa: D101, UP042 (no docstring: see Address; a StrEnum's str() differs: templates and messages print members)
    detached = "detached"
    multi_family = "multi_family"
    townhouse = "townhouse"
    condo_low = "condo_low"
    condo_high = "condo_high"
    cooperative = "cooperative"
    pud = "pud"
    manufactured = "manufactured"


class Occupancy(str, Enum):  # noqa: D101, UP042 (see PropertyType)
    primary = "primary"
    second_home = "second_home"
    investor = "investor"


class Purpose(str, Enum):  # noqa: D101, UP042 (see PropertyType)
    purchase = "purchase"
    rate_term_refinance = "rate_term_refinance"
    cash_out_refinance = "cash_out_refinance"


class Programme(str, Enum):  # noqa: UP042 (see PropertyType)
    """Underwriting programmes the term sheet's underwriting paragraph speaks of."""

    full = "full"
    streamlined = "streamlined"
    stated = "stated"
    other = "other"


class Amortization(str, Enum):  # noqa: D101, UP042 (see PropertyType)
    fixed = "fixed"
    arm = "arm"


class Lien(str, Enum):  # noqa: D101, UP042 (see PropertyType)
    first = "first"
    second = "second"


class Codes(Strict):
    """Lender codes on the tape, mapped to the categories the documents speak of."""

    property_type: dict[str, PropertyType]
    occupancy: dict[str, Occupancy]
    doc_type: dict[str, Programme]
    purpose: dict[str, Purpose] = Field(default_factory=dict)
    pmi: dict[str, bool] = Field(default_factory=lambda: {"Y": True, "N": False})
    amortization: dict[str, Amortization] = Field(default_factory=lambda: {"FIXED": Amortization.fixed, "ARM": Amortization.arm})
    self_employed: dict[str, bool] = Field(default_factory=lambda: {"Y": True, "N": False})
    first_time_buyer: dict[str, bool] = Field(default_factory=lambda: {"Y": True, "N": False})
    lien_position: dict[str, Lien] = Field(default_factory=lambda: {"1": Lien.first, "2": Lien.second})


class TapeOptions(Strict):  # noqa: D101 (see Address)
    sheet: NonEmpty | None = Field(None, description="XLSX sheet name; the first sheet when left out.")
    date_format: NonEmpty = Field("%Y-%m-%d", description="strftime format of the tape's dates.")


CustomKind = Literal["money", "percent", "integer", "category", "flag", "date"]

_CUSTOM_KINDS = {"money": Kind.MONEY, "percent": Kind.PERCENT, "integer": Kind.COUNT, "category": Kind.CATEGORY, "flag": Kind.FLAG, "date": Kind.DATE}
_NUMERIC = ("money", "percent", "integer")


class CustomField(Strict):
    """A tape column beyond the canonical fields, read strictly by its kind; tables, groups and the summary use it by `name`."""

    name: Annotated[str, StringConstraints(pattern=CUSTOM_NAME)] = Field(description="The field's name in tables and exports: 'reserve_months'.")
    column: NonEmpty = Field(description="The tape's header of the column: 'RESERVES'.")
    kind: CustomKind = Field(description="money (dollars, kept in cents), percent, integer, category or flag (with codes), date (tape_options.date_format).")
    decimals: int | None = Field(None, ge=0, le=6, description="A percent's decimals as the tape writes them (default 3).")
    codes: dict[str, str | bool] | None = Field(None, description="A category's or flag's tape codes: {A: full, B: limited} or {Y: true, N: false}.")
    range: tuple[Decimal, Decimal] | None = Field(None, description="[low, high], inclusive, in the field's units: a value outside is a row error.")
    blank: Literal["not_available", "error", "zero"] = Field(
        "not_available", description="A blank cell: a value not available (counted, its loans in a table's missing row), an error, or zero (numbers)."
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> CustomField:
        problems = []
        if self.name in FIELDS:
            problems.append(FieldProblem(("name",), self.name, f"{self.name} is a canonical field: map it under pool.columns instead"))
        coded, maps_to = self.kind in ("category", "flag"), "true or false" if self.kind == "flag" else "a category name"
        if coded and not self.codes:
            problems.append(FieldProblem(("codes",), None, f"a {self.kind} field needs its codes: {{tape code: {maps_to}}}"))
        elif not coded and self.codes is not None:
            given = ", ".join(map(str, self.codes))  # the tape codes written, not the key's name
            problems.append(FieldProblem(("codes",), given, f"a {self.kind} field has no codes (only category and flag fields do): remove codes"))
        elif self.codes and (wrong := [k for k, v in self.codes.items() if isinstance(v, bool) != (self.kind == "flag")]):
            problems.append(FieldProblem(("codes", wrong[0]), str(self.codes[wrong[0]]), f"a {self.kind} code maps to {maps_to}"))
        if self.decimals is not None and self.kind != "percent":
            problems.append(FieldProblem(("decimals",), str(self.decimals), "only a percent field has decimals: remove decimals"))
        if self.blank == "zero" and self.kind not in _NUMERIC:
            problems.append(FieldProblem(("blank",), self.blank, "only a money, percent or integer field can read a blank as zero: use not_available or error"))
        if self.range is not None:
            written = f"[{self.range[0]}, {self.range[1]}]"
            if self.kind not in _NUMERIC:
                problems.append(FieldProblem(("range",), written, "only a money, percent or integer field has a range: remove range"))
            elif self.range[0] > self.range[1]:
                problems.append(FieldProblem(("range",), written, "the range's low is above its high: write it as [low, high]"))
            else:
                places = self.loan_field().decimals or 0
                try:
                    Range(*self.range).scaled(places)
                except ValueError as exc:
                    more = ", or raise decimals" if self.kind == "percent" else ""
                    problems.append(FieldProblem(("range",), written, f"the range's {exc}: round it to {places} decimals{more}"))
        raise_problems("CustomField", problems)
        return self

    def loan_field(self) -> LoanField:
        """The field as the registry's consumers read it: tables band numbers, group the rest."""
        kind = _CUSTOM_KINDS[self.kind]
        return LoanField(
            self.name, kind, f"Custom field, tape column {self.column}.", band=self.kind in _NUMERIC, group=True,
            plausible=Range(*self.range) if self.range else None, may_be_blank=self.blank == "not_available",
            blank_means_zero=self.blank == "zero", places=self.decimals,
            categories=tuple(dict.fromkeys(str(v) for v in self.codes.values())) if self.kind == "category" and self.codes else None,
        )  # fmt: skip


# --- stratification tables ------------------------------------------------------------


def table_field_enum(registry: dict[str, LoanField] | None = None) -> type[Enum]:
    """The loan fields a stratification table can band or group, as an enum of their names."""
    members = {f.name: f.name for f in table_fields(registry)}
    enum = Enum("TableField", members, type=str, module=__name__)  # type: ignore[misc]  # members come from the registry, unknown to mypy
    enum.__doc__ = "Loan fields a stratification table can band or group."
    enum.loan_field = property(lambda self: (registry or FIELDS)[self.value])  # type: ignore[attr-defined]  # as CustomFieldName's
    return enum


if TYPE_CHECKING:

    class TableField(str, Enum):  # noqa: UP042 (as built by table_field_enum)
        """What mypy sees of the enum built from the registry: str members named as their loan field."""

        _value_: str

        @property
        def loan_field(self) -> LoanField:
            """The registry's field of this name."""

else:
    TableField = table_field_enum()


CUSTOM_NAME = r"^[a-z][a-z0-9_]*$"


class CustomFieldName(str):
    """A table, column, group or summary field naming one of the deal's `custom_fields`.

    Validating `Pool` checks the name is declared and attaches its `LoanField`, so that the
    tables read a custom field exactly as a canonical one (`loan_field`).
    """

    _field: LoanField | None = None

    @property
    def value(self) -> str:
        """The name, as a `TableField` member's value."""
        return str(self)

    @property
    def loan_field(self) -> LoanField:
        """The declared custom field (set when the deal file's pool is validated)."""
        if self._field is None:
            raise LookupError(f"{self} is not a declared custom field")
        return self._field

    @classmethod
    def _validate(cls, value: Any) -> CustomFieldName:
        if isinstance(value, cls):  # keeps the attached field (a spec copied into a new model)
            return value
        if not isinstance(value, str) or not re.match(CUSTOM_NAME, value):
            raise ValueError("a loan field: a canonical table field or the name of one of pool.custom_fields")
        return cls(value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(cls._validate, serialization=core_schema.to_string_ser_schema())

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "pattern": CUSTOM_NAME, "description": "The name of one of pool.custom_fields."}


FieldRef = Annotated[TableField | CustomFieldName, Field(union_mode="left_to_right")]
"""A loan field a table, column, group or summary line reads: canonical, or the deal's custom field."""


class BandsRule(Strict):
    """Numeric bands with inclusive upper edges; below the first edge and above the last are open bands.

    Labels are Jinja expressions over `lo`, `hi` and `edge` (Decimal, in the field's units:
    dollars, percent, months, at the field's decimals): `hi` is the band's own upper edge, `lo`
    the previous edge plus one unit of the field's precision, and `edge` the open band's edge
    itself (the first edge in `first_label`, the last in `last_label`). A band that holds one
    value (`lo` equals `hi`) prints `single_label`, by default that value alone.
    """

    kind: Literal["bands"]
    edges: list[Decimal] = Field(min_length=1)
    label: NonEmpty = Field(description="Label of a closed band, e.g. '{{ lo | dollars }} through {{ hi | dollars(round=\"down\") }}'.")
    first_label: NonEmpty | None = Field(None, description="Label of the open band at or below the first edge (uses `hi`, or `edge`: the same first edge).")
    last_label: NonEmpty | None = Field(
        None, description="Label of the open band above the last edge: `edge` is the last edge ('Greater than {{ edge }}%'), `lo` the edge plus one unit."
    )
    single_label: NonEmpty | None = Field(
        None, description="Label of a band that holds one value, `lo` equal to `hi` (by default the value alone, '{{ lo }}')."
    )
    clamp_to_data: bool = Field(
        False,
        description="Print the pool's lowest and highest values as the outer bounds of the first and last rows.",
    )

    @model_validator(mode="after")
    def _edges_increase(self) -> BandsRule:
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError("band edges must be strictly increasing")
        if not self.clamp_to_data and (self.first_label is None or self.last_label is None):
            raise ValueError("open first and last bands need first_label and last_label (or clamp_to_data: true)")
        return self


def _one_value(value: Any) -> Any:
    """One value as written: the deal file's loader reads 6.25 as Decimal('6.25'); a float (a model built in code) as its shortest text.

    Anything that is no single value (a mapping, a list in a list, a date with a time) is one
    message here, not one per type the value could have been.
    """
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("one_value", "a date has no time of day here: write it as YYYY-MM-DD", {})
    if not isinstance(value, str | int | Decimal | dt.date):  # bool is an int
        raise PydanticCustomError("one_value", "not a single value: write a category, code or text, a number, true or false, or a date (YYYY-MM-DD)", {})
    return value


ShareScalar = Annotated[
    str | int | bool | dt.date | Annotated[Decimal, Field(allow_inf_nan=True), WithJsonSchema({"type": "number"})],  # .nan is a share check's message
    BeforeValidator(_one_value),
]
"""One value a field can hold, as the tape writes it: a category, state, code or text (str), a whole number (int), a flag (bool),
a date (YYYY-MM-DD), or a decimal written unquoted (2.250, read exactly)."""


class Category(Strict):  # noqa: D101 (see Address)
    value: ShareScalar = Field(
        description="The row's value, as the tape writes it: a category name, a flag (true, false), a number in the field's units (2.250 for a 2.250% margin)."
    )
    label: NonEmpty


class CategoriesRule(Strict):
    """One row per listed category, in the order given; loans in no category are an error unless other_label is set."""

    kind: Literal["categories"]
    categories: list[Category] = Field(min_length=1)
    other_label: NonEmpty | None = None


class DistinctRule(Strict):
    """One row per distinct value of a number field on the tape (a margin, an initial cap), lowest first; blanks last.

    The label is a Jinja expression over `value`: the row's value in the field's units at its
    decimals (Decimal('2.250') for a margin), so that the default prints it as the tape writes it.
    """

    kind: Literal["distinct"]
    label: NonEmpty = Field("{{ value }}", description="The row's label over `value`, e.g. '{{ value }}%'; by default the value at its decimals: 2.250.")


class YearlyRule(Strict):
    """One row per calendar year of a date field, oldest first."""

    kind: Literal["yearly"]
    label: NonEmpty = "{{ year }}"


class StatesRule(Strict):
    """One row per state, labelled with its full name, sorted alphabetically by that name."""

    kind: Literal["states"]


Rule = Annotated[BandsRule | CategoriesRule | DistinctRule | YearlyRule | StatesRule, Field(discriminator="kind")]


class Comparison(Strict):
    """A share's value as bounds on a number or date field: {greater_than: 0} counts the loans whose field is above 0.

    At most one lower bound (greater_than, at_least) and one upper (less_than, at_most); both
    make a range, {at_least: 60, at_most: 120}.
    """

    greater_than: ShareScalar | None = Field(None, description="Counts the loans whose field is above this value.")
    at_least: ShareScalar | None = Field(None, description="Counts the loans whose field is this value or above.")
    less_than: ShareScalar | None = Field(None, description="Counts the loans whose field is below this value.")
    at_most: ShareScalar | None = Field(None, description="Counts the loans whose field is this value or below.")

    @model_validator(mode="after")
    def _bounded_once(self) -> Comparison:
        problems = [
            FieldProblem((second,), str(getattr(self, second)), f"a comparison has one {which} bound: keep {first} or {second}, not both")
            for first, second, which in (("greater_than", "at_least", "lower"), ("less_than", "at_most", "upper"))
            if getattr(self, first) is not None and getattr(self, second) is not None
        ]
        if not self.bounds():
            problems.append(FieldProblem((), "{}", "a comparison needs a bound: greater_than, at_least, less_than or at_most"))
        raise_problems("Comparison", problems)
        return self

    def bounds(self) -> list[tuple[str, ShareScalar]]:
        """The bounds written, lower first, as (key, value)."""
        return [(key, value) for key in COMPARISONS if (value := getattr(self, key)) is not None]


COMPARISONS = ("greater_than", "at_least", "less_than", "at_most")
"""A comparison's keys, lower bounds first."""


def _share_form(value: Any) -> str:
    """Which form a share's value is written in, so that a mistake is one message of that form rather than one per form."""
    return "comparison" if isinstance(value, dict | Comparison) else "list" if isinstance(value, list | tuple) else "one"


ShareValue = Annotated[
    Annotated[ShareScalar, Tag("one")] | Annotated[tuple[ShareScalar, ...], Tag("list")] | Annotated[Comparison, Tag("comparison")],
    Discriminator(_share_form),
]
"""A share's `value`: one value, a list of values any of which a loan's field may equal, or a comparison."""

SHARE_VALUE = (
    "For a share: the value counted ('CA', investor, true, 120, 6.25), a list of values any of which counts "
    "([60, 120], [condo_low, condo_high]), or a comparison on a number or date field ({greater_than: 0}, {at_least: 60, at_most: 120})."
)


RESERVED_COLUMN_IDS = ("group", "table", "label")
"""The CSV export's own leading columns (`group,table,label,<column ids>`): a figure column's id may not repeat one."""


def _repeats(names: list[str]) -> Iterator[tuple[int, str, int]]:
    """(index, name, index of its first use) of each name an earlier item of the list already has."""
    first: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in first:
            yield j, name, first[name]
        first.setdefault(name, j)


ColumnKind = Literal["count", "balance", "percent", "average_balance", "weighted_average", "share", "minimum", "maximum"]


class Column(Strict):  # noqa: D101 (see Address)
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")] = Field(description="The column's id in exports: 'wa_fico'.")
    kind: ColumnKind = Field(
        description="count; balance (footed); percent of the group's balance (footed to 100.00); average_balance; "
        "weighted_average, minimum, maximum of `field`; share of the row's balance where `field` is `value`."
    )
    header: list[NonEmpty] = Field(min_length=1, description="Lines of the column's heading: ['Weighted', 'Average', 'FICO'].")
    field: FieldRef | None = Field(None, description="The loan field a weighted average, minimum, maximum or share is of.")
    value: ShareValue | None = Field(None, description=SHARE_VALUE)
    decimals: int | None = Field(None, ge=0, le=6, description="Decimals printed; by default 2 for percents and shares, the field's own otherwise.")
    of: Literal["group", "pool"] = Field(
        "group",
        description="For a percent: of the table's own loans (group, the default: footed to 100.00), or of the whole pool's balance "
        "(pool: a group's table foots to the group's rounded share of the pool, the pool's table to 100.00).",
    )

    @model_validator(mode="after")
    def _of_a_percent(self) -> Column:
        if self.of == "pool" and self.kind != "percent":  # `of: group`, the default, is what a dumped spec carries on every column
            reason = f"only a percent column can be of the pool, and this is a {self.kind} column: remove of"
            raise_problems("Column", [FieldProblem(("of",), self.of, reason)])
        return self


class Axis(Strict):  # noqa: D101 (see Address)
    field: FieldRef | None = Field(None, description="The field banded across, by `rule` (or name a one-way table with `table`).")
    rule: Rule | None = None
    table: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")] | None = Field(
        None, description="The id of a one-way table whose field, rule and labels the columns take, instead of field and rule: 'ltv'."
    )
    header: list[NonEmpty] | None = Field(None, min_length=1, description="Heading over the columns: ['Original LTV']; by default the named table's.")
    keep_empty: bool = False

    @model_validator(mode="after")
    def _field_or_table(self) -> Axis:
        if self.table is not None:
            if self.field is not None or self.rule is not None:
                reason = "across takes the named table's field and rule: remove table, or field and rule"
                raise_problems("Axis", [FieldProblem(("table",), self.table, reason)])
        else:
            missing = [key for key in ("field", "rule", "header") if getattr(self, key) is None]
            raise_problems("Axis", [FieldProblem((key,), None, f"across needs {key} (or a one-way table's id as table)") for key in missing])
        return self


class TableSpec(Strict):  # noqa: D101 (see Address)
    multi_line = frozenset({"footnote"})

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
    title: list[NonEmpty] = Field(min_length=1, description="Title lines, centred.")
    header: list[NonEmpty] = Field(min_length=1, description="Lines of the label column's heading.")
    field: FieldRef
    rule: Rule
    spacing: Literal["single", "double"] = "double"
    new_page: bool = Field(False, description="Start the table on a new page.")
    footnote: NonEmpty | None = None
    keep_empty: bool = Field(False, description="Print bands and categories with no loans.")
    columns: list[Column] | None = Field(None, description="The table's figure columns; by default number of loans and principal balance.")
    missing_label: NonEmpty = Field("Not Available", description="Label of the last row, loans whose field is blank.")
    print_for: Literal["both", "groups", "pool"] = Field("both", description="With pool.groups: a table per group, for the whole pool, or both.")
    only_groups: list[str] | None = Field(None, description="With pool.groups: the groups (their tape values) this table is printed for.")
    across: Axis | None = Field(None, description="A cross-tab: the field banded across, each cell a figure of `cell`.")
    cell: Literal["percent", "count", "balance"] = Field("percent", description="A cross-tab's cells: percent of the group's balance, count or balance.")

    @model_validator(mode="after")
    def _column_ids_unique(self) -> TableSpec:
        """Exports key a row's figures by column id, and the sums behind them are named after it: two columns may not share one."""
        ids = [c.id for c in self.columns or ()]
        problems = [
            FieldProblem(("columns", j, "id"), c, f"column id {c} is already used by column {k + 1} of this table: exports key each "
                         "row's figures by column id, so one would overwrite the other; give each column its own id")
            for j, c, k in _repeats(ids)
        ]  # fmt: skip
        problems += [
            FieldProblem(("columns", j, "id"), c, f"{c} is the name of the CSV export's own {c} column: give this column another id")
            for j, c in enumerate(ids)
            if c in RESERVED_COLUMN_IDS
        ]
        raise_problems("TableSpec", problems)
        return self


class Tables(Strict):
    """The shelf's default tables, with this deal's changes."""

    defaults: bool = Field(True, description="Start from the shelf's default set of seven tables.")
    drop: list[str] = Field(default_factory=list, description="Ids of default tables to leave out.")
    tables: list[TableSpec] = Field(
        default_factory=list,
        description="Tables to add; one with a default table's id replaces it in place.",
    )

    @model_validator(mode="after")
    def _table_ids_unique(self) -> Tables:
        """A second table with an id would silently replace the first (as one replaces a default table), and exports name tables by id."""
        ids = [t.id for t in self.tables]
        problems = [
            FieldProblem(("tables", j, "id"), i, f"table id {i} is already used by table {k + 1} of tables.tables: the later table would "
                         "replace the earlier one, and exports name tables by id; give each table its own id")
            for j, i, k in _repeats(ids)
        ]  # fmt: skip
        raise_problems("Tables", problems)
        return self


class Groups(Strict):  # noqa: D101 (see Address)
    field: FieldRef = Field(TableField("loan_group"), description="The field whose values are the groups.")
    labels: dict[str, NonEmpty] = Field(min_length=1, description="Each group's tape value and its label, in print order: {'1': 'Group 1'}.")
    total_label: NonEmpty = Field("Total Pool", description="Label of the whole pool's column and tables.")

    @model_validator(mode="after")
    def _labels_unique(self) -> Groups:
        """Exports name each group's tables and pool-data column by its label: two groups, or a group and the pool, may not share one."""
        keys = list(self.labels)
        problems = [
            FieldProblem(("labels", keys[j]), label, f"group {keys[k]} has this label too: exports name each group's tables by its label, "
                         "so the two could not be told apart; give each group its own label")
            for j, label, k in _repeats(list(self.labels.values()))
        ]  # fmt: skip
        if self.total_label in self.labels.values():
            problems.append(FieldProblem(("total_label",), self.total_label, "a group has this label too: give the whole pool another total_label"))
        raise_problems("Groups", problems)
        return self


class SummaryItem(Strict):  # noqa: D101 (see Address)
    label: NonEmpty = Field(description="The line's label: 'Weighted Average FICO'.")
    kind: Literal["count", "balance", "average_balance", "weighted_average", "minimum", "maximum", "share", "largest_state"]
    field: FieldRef | None = None
    value: ShareValue | None = Field(None, description=SHARE_VALUE)
    decimals: int | None = Field(None, ge=0, le=6)
    rank: StrictInt = Field(
        1,
        description="For largest_state: which state by balance, 1 the largest, 2 the second largest...; N/A in a group with fewer states.",
        json_schema_extra={"minimum": 1},  # for editors; the model's own check words the message
    )
    only_groups: list[str] | None = Field(
        None,
        description="With pool.groups: the groups (their tape values) whose columns print this line; the others' cells are blank, "
        "and the total column prints the whole pool's figure.",
    )
    match_table: bool = Field(
        True,
        description="For share and largest_state (2 decimals): where a printed table's row states the same share (a category or state of "
        "the same field and value, for the same group or the pool), print that row's footed percent, so both read alike; "
        "false rounds this line's own figure half-up.",
    )

    @model_validator(mode="after")
    def _match_table_of_a_share(self) -> SummaryItem:
        if "match_table" in self.model_fields_set and self.kind not in ("share", "largest_state"):
            reason = f"only a share or largest_state line can match a table's row, and this is a {self.kind} line: remove match_table"
            raise_problems("SummaryItem", [FieldProblem(("match_table",), str(self.match_table).lower(), reason)])
        return self

    @model_validator(mode="after")
    def _rank_of_a_state(self) -> SummaryItem:
        if "rank" in self.model_fields_set and self.kind != "largest_state":
            reason = f"only a largest_state line has a rank, and this is a {self.kind} line: remove rank"
            raise_problems("SummaryItem", [FieldProblem(("rank",), str(self.rank), reason)])
        if self.rank < 1:
            reason = "rank counts from 1 (1 = the largest state, 2 = the second largest...): write rank: 1 for the largest state, or leave rank out"
            raise_problems("SummaryItem", [FieldProblem(("rank",), str(self.rank), reason)])
        return self


class Pool(Strict):  # noqa: D101 (see Address)
    tape: NonEmpty = Field(description="Loan tape (CSV, XLSX or Parquet), relative to the deal file.")
    tape_options: TapeOptions = Field(default_factory=TapeOptions)
    columns: Columns
    codes: Codes
    servicing_fee: Percent | None = Field(None, description="Servicing fee rate, percent, when the tape has no column for it.")
    discount_threshold: Percent = Field(description="Net loan rate below which a loan is a discount loan, percent.")
    high_ltv_threshold: Percent = Field(Decimal(80), description="The prose's 'in excess of N%' LTV figure.")
    ltv_cap_step: Percent = Field(Decimal(5), gt=0, description="The prose's 'no loans in excess of N%' rounds the highest LTV up to this step.")
    tables: Tables = Field(default_factory=Tables)
    groups: Groups | None = Field(None, description="Loan groups: tables and the summary per group and for the pool.")
    summary: list[SummaryItem] = Field(default_factory=list, description="The pool-data summary block's lines, one column per group and the total.")
    custom_fields: list[CustomField] = Field(
        default_factory=list, description="Further tape columns, each read by its kind; tables, groups and the summary name them like canonical fields."
    )

    @model_validator(mode="after")
    def _servicing_fee_known(self) -> Pool:
        if self.columns.servicing_fee is None and self.servicing_fee is None:
            raise ValueError("the tape has no servicing fee column: set servicing_fee")
        return self

    @model_validator(mode="after")
    def _summary_labels_unique(self) -> Pool:
        """Exports name each pool-data line by its label (a CSV row, an XLSX row): two lines may not share one."""
        problems = [
            FieldProblem(("summary", j, "label"), label, f"summary line {k + 1} has this label too: exports name each line by its label, "
                         "so the two could not be told apart; give each line its own label")
            for j, label, k in _repeats([item.label for item in self.summary])
        ]  # fmt: skip
        raise_problems("Pool", problems)
        return self

    @model_validator(mode="after")
    def _custom_fields_declared(self) -> Pool:
        """Attach each custom field to the references naming it; an undeclared name is a problem at its line."""
        declared: dict[str, LoanField] = {}
        problems = []
        for i, custom in enumerate(self.custom_fields):
            if custom.name in declared:
                twice = f"custom field {custom.name} is declared twice: rename or remove one of them"
                problems.append(FieldProblem(("custom_fields", i, "name"), custom.name, twice))
            declared[custom.name] = custom.loan_field()
        for loc, ref in self._field_refs():
            if not isinstance(ref, CustomFieldName):
                continue
            if ref in declared:
                ref._field = declared[ref]
            else:
                known = ", ".join(declared) or "none declared"
                close = difflib.get_close_matches(ref, [*declared, *(f.name for f in table_fields())], n=1)
                fix = f"did you mean {close[0]}?" if close else "declare it under pool.custom_fields or correct the name"
                reason = f"unknown field {ref}: neither a canonical table field nor one of pool.custom_fields ({known}); {fix}"
                problems.append(FieldProblem(loc, str(ref), reason))
        raise_problems("Pool", problems)
        return self

    def _field_refs(self) -> Iterator[tuple[tuple[str | int, ...], TableField | CustomFieldName]]:
        for i, spec in enumerate(self.tables.tables):
            yield ("tables", "tables", i, "field"), spec.field
            if spec.across is not None and spec.across.field is not None:
                yield ("tables", "tables", i, "across", "field"), spec.across.field
            for j, column in enumerate(spec.columns or ()):
                if column.field is not None:
                    yield ("tables", "tables", i, "columns", j, "field"), column.field
        if self.groups is not None:
            yield ("groups", "field"), self.groups.field
        for k, item in enumerate(self.summary):
            if item.field is not None:
                yield ("summary", k, "field"), item.field

    @property
    def registry(self) -> dict[str, LoanField]:
        """This deal's loan fields: the canonical ones and its custom fields, which the tape parser reads alike."""
        return {**FIELDS, **{c.name: c.loan_field() for c in self.custom_fields}}

    def headers(self) -> dict[str, str | None]:
        """The tape header of each field (None: not on the tape), canonical fields first."""
        return {**self.columns.model_dump(), **{c.name: c.column for c in self.custom_fields}}

    def code_maps(self) -> dict[str, dict[str, Any]]:
        """Each coded field's tape codes and what they map to (categories as text, flags as booleans)."""
        return {**self.codes.model_dump(mode="json"), **{c.name: c.codes for c in self.custom_fields if c.codes}}


# --- documents --------------------------------------------------------------------------


ClassType = Literal["senior", "subordinate", "interest_only", "residual"]
PRINCIPAL_CLASSES = ("senior", "subordinate")
"""Class types with a principal balance; interest-only and residual classes carry none (a notional amount, or nothing) and no credit enhancement."""


class CertificateClass(Strict):  # noqa: D101 (see Address)
    name: NonEmpty = Field(description="The class's name as printed: 'A-1', 'B-1'.")
    balance: Annotated[Decimal, Field(ge=0, decimal_places=2)] = Field(
        description="Approximate initial principal balance (notional amount of an interest-only class), exact dollars and cents."
    )
    rate: Decimal | NonEmpty = Field(description="Pass-through rate: a percent (5.500) or formula text ('Variable').")
    ratings: dict[NonEmpty, NonEmpty] = Field(default_factory=dict, description="Expected ratings by agency, in print order: {Moody's: Aaa}.")
    type: ClassType = Field(description="senior, subordinate, interest_only (notional) or residual.")
    offered: bool = Field(True, description="Printed in the term sheet's table of offered certificates.")


class Page(Strict):
    """How the modern term sheet's pages are set: orientation (PDF, DOCX, printed EDGAR HTML) and dollar signs (every format)."""

    orientation: Literal["portrait", "landscape"] = Field(
        "portrait",
        description="US Letter upright (portrait) or on its side (landscape) for every page of the PDF and the DOCX. "
        "EDGAR text has no orientation (a wide table takes up to 132 columns); EDGAR HTML, which may carry no page rules, "
        "prints the PDF's pages in the browser's orientation.",
    )
    landscape_tables: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]] = Field(
        default_factory=list,
        description="Ids of wide tables set on landscape pages of their own in a portrait document (in the PDF, named pages; "
        "in the DOCX, a landscape section around the table, the running footer carried): a table's id (pool.tables), "
        "pool-data or offered-certificates.",
    )
    dollar_signs: bool = Field(
        False,
        description="A '$' set flush before the figure in the first row and the total row of every money column (balances, "
        "average balances, and a weighted average, minimum or maximum of a money field), as a financial printer sets them, "
        "in every format; the figures stay right-aligned, so aligned on the decimal point. Exports are unaffected.",
    )


class TermSheet(Strict):
    """Form 8-K, Item 5, with collateral term sheets."""

    report_date: Date
    cut_off_date: Date
    transfer_date: OpenDate = open_field("Closing date", "The day the depositor transfers the loans to the trustee (the closing date).")
    registration_number: Annotated[RegistrationNumber | Placeholder, or_placeholder(RegistrationNumber)] = open_field(
        "Registration statement number", "Registration statement cited in the prospectus footnote."
    )
    originator: OpenText = open_field("Originator name", "Who determined primary residence: 'CitiMortgage, Inc.'")
    trustee: Trustee = Field(default_factory=Trustee, description="Left out, its name is a placeholder.")
    signatory: Person = Field(default_factory=Person, description="Left out, its name and title are placeholders.")
    pool: Pool
    layout: Literal["8k", "modern"] = Field(
        "8k",
        description="8k: the Form 8-K, Item 5 term sheet of the 2003 filings (term-sheet-8k); modern: a collateral term sheet "
        "(free writing prospectus) with the pool-data block and tables laid out from their columns (collateral-term-sheet).",
    )
    classes: list[CertificateClass] | None = Field(
        None,
        description="The certificates in order of priority (senior classes, then subordinate classes from the most senior): the modern "
        "layout opens with the offered classes and each principal class's initial credit enhancement (the subordinate classes after it).",
    )
    balance_variance: Annotated[Decimal, Field(ge=0, le=100)] = Field(
        Decimal(5), description="The offered balances' variance, percent: 'Approximately, subject to a variance of plus or minus 5%'."
    )
    page: Page = Field(
        default_factory=Page, description="The modern layout's pages: portrait or landscape (per document, or per wide table), and dollar signs."
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> TermSheet:
        if isinstance(self.transfer_date, dt.date) and self.transfer_date < self.cut_off_date:
            raise ValueError("transfer_date is before cut_off_date")
        return self

    @model_validator(mode="after")
    def _classes_in_priority(self) -> TermSheet:
        """A class name printed twice, or a senior class after a subordinate one, would make the credit enhancement figures wrong."""
        classes = self.classes or []
        problems = [
            FieldProblem(("classes", j, "name"), name, f"class {name} is already listed as class {k + 1}: give each class its own name")
            for j, name, k in _repeats([c.name for c in classes])
        ]
        subordinate = next((j for j, c in enumerate(classes) if c.type == "subordinate"), None)
        problems += [
            FieldProblem(("classes", j, "type"), c.type, f"senior class {c.name} is listed after subordinate class {classes[subordinate].name}: "
                         "list the classes in order of priority, senior classes first (a class's credit enhancement is the subordinate classes after it)")
            for j, c in enumerate(classes) if c.type == "senior" and subordinate is not None and j > subordinate
        ]  # fmt: skip
        raise_problems("TermSheet", problems)
        return self


class FilingExhibit(Strict):
    """An exhibit the deal team supplies as a file (dealdocs does not draft it), e.g. a pooling agreement."""

    type: Annotated[str, StringConstraints(pattern=r"^EX-[0-9]{1,3}(\.[0-9]{1,3})?$")] = Field(description="EDGAR document type: 'EX-4.1', 'EX-99.2'.")
    description: NonEmpty = Field(description="The exhibit index's description: 'Pooling and Servicing Agreement'.")
    file: NonEmpty = Field(description="The exhibit's EDGAR HTML (.htm) or ASCII (.txt) file, relative to the deal file; its name is kept.")


class IssuingEntity(Strict):  # noqa: D101 (see Address)
    name: NonEmpty = Field(description="Exact name of the issuing entity: 'Prime Jumbo Mortgage Trust 2024-1'.")
    cik: Cik | None = Field(None, description="Its Central Index Key, ten digits: '0001234568'.")
    commission_file_number: Annotated[str, StringConstraints(pattern=ISSUER_FILE_NUMBER_PATTERN)] | None = Field(
        None, description="Its Commission file number, the registration statement's with its suffix: '333-270001-01' (the 8-K's cover)."
    )
    state_of_organization: NonEmpty | None = Field(None, description="State or other jurisdiction of its incorporation or organization: 'New York'.")


class Sponsor(Strict):  # noqa: D101 (see Address)
    name: NonEmpty = Field(description="Exact name of the sponsor as specified in its charter: 'Example Home Lending, LLC'.")
    cik: Cik | None = Field(None, description="Its Central Index Key, ten digits: '0001990003'.")
    commission_file_number: Annotated[str, StringConstraints(pattern=SEC_FILE_NUMBER_PATTERN)] | None = Field(
        None, description="Its Commission file number, where it has one (a sponsor that reports itself): '001-12345'."
    )


class RegisteredSecurity(Strict):  # noqa: D101 (see Address)
    title: NonEmpty = Field(description="Title of the class: 'Class A-1 Certificates'.")
    trading_symbol: NonEmpty | None = Field(None, description="Its trading symbol, if any.")
    exchange: NonEmpty = Field(description="Name of the exchange on which it is registered: 'New York Stock Exchange'.")


class Filing(Strict):
    """The filings `render --submission` makes: the Form 8-K's cover data beyond the depositor's and what it carries, and the free writing prospectus."""

    term_sheet_as: Literal["fwp", "exhibit_99"] | None = Field(
        None,
        description="How the term sheet is filed. fwp: a Rule 433 free writing prospectus, form type FWP, its own submission; "
        "exhibit_99: Exhibit 99.1 to the Form 8-K, as the 2003 filings. By default fwp for the modern layout (its legend is Rule 433's), "
        "exhibit_99 for the 8k layout.",
    )
    issuing_entity: IssuingEntity | None = Field(None, description="The issuing entity, a filer of the free writing prospectus with the depositor.")
    registration_file_number: RegistrationFileNumber | None = Field(
        None, description="The registration statement's file number the FWP is filed under: '333-270001' or '333-270001-01'; "
        "by default the term sheet's registration_number."
    )

    report_date: Date | None = Field(
        None, description="Date of report (earliest event); by default the term sheet's report date, else the takedown opinion's date."
    )
    signatory: Person | None = Field(None, description="Who signs the 8-K for the registrant; by default the term sheet's signatory.")
    documents: list[Literal["term-sheet-8k", "collateral-term-sheet", "exhibit-5-1-takedown"]] | None = Field(
        None, description="The drafted documents the 8-K carries as exhibits (EX-99.1, EX-5.1); by default every one the deal file describes."
    )
    exhibits: list[FilingExhibit] = Field(default_factory=list, description="Further exhibits, supplied as files.")
    sponsor: Sponsor | None = Field(None, description="The sponsor the takedown 8-K's cover names, with its CIK (and file number where it has one).")
    registered_securities: list[RegisteredSecurity] = Field(
        default_factory=list, description="Securities registered under Section 12(b) of the Exchange Act, for the 8-K's cover; none: 'None'."
    )
    emerging_growth_company: bool = Field(False, description="Ticks the 8-K cover's emerging growth company box (Rule 405, Rule 12b-2).")


class Style(Strict):  # noqa: D101 (see Address)
    typeface: Literal["Times New Roman", "Source Serif Pro"] = Field(
        "Times New Roman",
        description="Typeface of the DOCX and PDF. The DOCX names it; the PDF embeds Liberation Serif for "
        "Times New Roman (same metrics) and Source Serif Pro's own files.",
    )


class Deal(Strict):
    """A deal file: the depositor, the series and the documents to draft for it.

    A shelf file is a deal file with only `depositor` and `shelf_opinion`.
    """

    depositor: Depositor
    templates: NonEmpty | None = Field(
        None, description="Folder of templates that override the built-in ones by name, relative to the deal file."
    )
    style: Style = Field(default_factory=Style, description="How the DOCX and PDF are set: the typeface.")
    series: Series | None = None
    term_sheet: TermSheet | None = None
    takedown_opinion: TakedownOpinion | None = None
    shelf_opinion: ShelfOpinion | None = None
    filing: Filing | None = Field(None, description="The Form 8-K that `render --submission` assembles.")

    @model_validator(mode="after")
    def _has_a_document(self) -> Deal:
        if not (self.term_sheet or self.takedown_opinion or self.shelf_opinion):
            raise ValueError("the deal file describes no document (add term_sheet, takedown_opinion or shelf_opinion)")
        if (self.term_sheet or self.takedown_opinion) and self.series is None:
            raise_problems("Deal", [FieldProblem(("series",), None, "the term sheet and the takedown opinion need the series")])
        return self
