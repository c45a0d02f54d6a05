"""Exhibit 5.1 legality opinions, as pydantic models: who opines, to whom, on which documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from .base import NonEmpty, Strict

ClassName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[0-9A-Z]+)?$")]
PartyKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Counsel(Strict):
    name: NonEmpty
    capacity: NonEmpty = Field(description="As the letter says it after 'as': 'an Associate General Counsel -- Corporate Law'.")
    organisation: NonEmpty = Field(description="'Citigroup Inc.'")
    letterhead: NonEmpty = Field(description="The letterhead line: '[Letterhead of Citigroup Inc.]'.")
    bar_admission: NonEmpty | None = Field(None, description="'State of New York': where counsel is admitted to practice.")


class Addressee(Strict):
    name: NonEmpty
    address: list[NonEmpty] = Field(min_length=1)
    salutation: NonEmpty = "Ladies and Gentlemen:"


class Registration(Strict):
    """The registration statement the letter speaks of."""

    form: NonEmpty = "S-3"
    file_number: Annotated[str, StringConstraints(pattern=r"^\d{3}-\d{4,6}$")] | None = None
    filed: dt.date
    effective: dt.date | None = None
    amount: Annotated[Decimal, Field(gt=0)] | None = Field(None, description="Aggregate principal amount registered, dollars.")
    consolidated: Annotated[Decimal, Field(gt=0)] | None = Field(
        None, description="The part of `amount` consolidated from an earlier registration statement (a footnote)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Registration:
        if self.effective is not None and self.effective < self.filed:
            raise ValueError(f"effective date {self.effective} is before the filing date {self.filed}")
        if self.consolidated is not None and (self.amount is None or self.consolidated > self.amount):
            raise ValueError(f"consolidated amount {self.consolidated} is more than the aggregate amount {self.amount}")
        return self


class Party(Strict):
    name: NonEmpty
    short_name: NonEmpty | None = Field(None, description="Defined term on first mention: 'CMI'.")
    corporation_of: NonEmpty | None = Field(None, description="State of incorporation, for '..., a New York corporation'.")
    national_bank: bool = Field(False, description="A national banking association (the paying-agent opinion).")


class Signatory(Strict):
    party: PartyKey
    roles: list[NonEmpty] = Field(min_length=1)
    individual_capacity: bool = False


class Agreement(Strict):
    date: dt.date
    dated_as_of: bool = Field(False, description="'dated as of' rather than 'dated'.")
    parties: list[PartyKey] = Field(min_length=2)
    section: NonEmpty | None = Field(None, description="Section under which the opinion is given: '8(c)'.")


class PoolingAgreement(Strict):
    date: dt.date
    parties: list[Signatory] = Field(min_length=2)
    trustee: PartyKey = Field(description="The party whose authentication the opinion assumes.")


class Agreements(Strict):
    underwriting: Agreement
    purchase: Agreement | None = Field(None, description="Needed when the series has private certificates.")
    purchaser: PartyKey | None = Field(None, description="The purchaser under the purchase agreement.")
    pooling: PoolingAgreement
    mortgage_loan_purchase: Agreement


class Classes(Strict):
    offered: list[ClassName] = Field(min_length=1)
    grouped: list[ClassName] = Field(default_factory=list, description="Offered classes that are a group of classes ('class A certificates').")
    private: list[ClassName] = Field(default_factory=list)
    rated: list[ClassName] = Field(default_factory=list, description="Classes expected to be rated in one of the two highest categories.")


class Reliance(Strict):
    counsel: NonEmpty
    capacity: NonEmpty = Field(description="'special counsel to CMSI'")
    matters: NonEmpty = Field(description="'legal matters relating to the Employee Retirement Income Security Act of 1974, as amended'")


DEFAULT_LAWS = [
    "the laws of the State of New York",
    "the General Corporation Law of the State of Delaware",
    "the federal laws of the United States",
]


class TakedownOpinion(Strict):
    """Exhibit 5.1 for a series takedown, addressed to the underwriter."""

    date: dt.date
    counsel: Counsel
    addressee: Addressee
    parties: dict[PartyKey, Party] = Field(description="Everyone the letter names, by key; 'depositor' is the deal's depositor.")
    servicer: PartyKey = Field(description="The servicer whose existence is opined on with the depositor's.")
    guarantor: PartyKey = Field(description="The party executing the underwriting agreement with the depositor: 'citigroup'.")
    registration: Registration
    classes: Classes
    agreements: Agreements
    prospectus_date: dt.date
    memorandum_date: dt.date | None = Field(None, description="Private placement memorandum, when there are private certificates.")
    erisa_headings: list[NonEmpty] = Field(default_factory=list, description="Prospectus headings whose ERISA statements are opined on.")
    relied_on: list[Reliance] = Field(default_factory=list)
    governing_laws: list[NonEmpty] = Field(default_factory=lambda: list(DEFAULT_LAWS))
    consent_heading: NonEmpty = "Legal opinions"

    @model_validator(mode="after")
    def _consistent(self) -> TakedownOpinion:
        problems = []
        if self.classes.private and self.agreements.purchase is None:
            problems.append("agreements.purchase: the series has private certificates but no purchase agreement")
        if self.classes.private and self.memorandum_date is None:
            problems.append("memorandum_date: the series has private certificates but no private placement memorandum")
        if self.agreements.purchase is not None and self.agreements.purchaser is None:
            problems.append("agreements.purchaser: name the purchaser under the purchase agreement")
        for name in ("underwriting", "purchase", "pooling", "mortgage_loan_purchase"):
            agreement = getattr(self.agreements, name)
            if agreement is not None and self.date < agreement.date:
                problems.append(f"date: the letter ({self.date}) is dated before the {name.replace('_', ' ')} agreement ({agreement.date}) it opines on")
        for cls in (*self.classes.rated, *self.classes.grouped):
            if cls not in self.classes.offered:
                problems.append(f"classes: class {cls} is not an offered class")
        named = {*self.parties, "depositor"}
        keys = [self.servicer, self.guarantor, self.agreements.pooling.trustee, self.agreements.purchaser]
        keys += [p for a in (self.agreements.underwriting, self.agreements.purchase, self.agreements.mortgage_loan_purchase) if a for p in a.parties]
        keys += [s.party for s in self.agreements.pooling.parties]
        problems += [f"parties: {k!r} is not among the parties" for k in dict.fromkeys(keys) if k and k not in named]
        if self.registration.file_number is None or self.registration.effective is None:
            problems.append("registration: a takedown letter needs the file number and effective date")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ShelfOpinion(Strict):
    """Exhibit 5.1 to a Form S-3 shelf registration statement, addressed to the depositor."""

    date: dt.date
    counsel: Counsel
    addressee: Addressee
    registration: Registration
    governing_laws: list[NonEmpty] = Field(default_factory=lambda: [*DEFAULT_LAWS[:2], "the federal laws of the United States of America"])
    trustee_kinds: NonEmpty = "a commercial bank, savings and loan association or trust company"
    consent_heading: NonEmpty = "Legal opinions"

    @model_validator(mode="after")
    def _consistent(self) -> ShelfOpinion:
        if self.registration.amount is None:
            raise ValueError("registration.amount: the shelf letter states the aggregate amount registered")
        if self.date < self.registration.filed:
            raise ValueError(f"date: the letter ({self.date}) is dated before the registration statement is filed ({self.registration.filed})")
        return self
