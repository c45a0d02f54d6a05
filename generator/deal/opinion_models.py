"""Exhibit 5.1 legality opinions, as pydantic models: who opines, to whom, on which documents."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, StringConstraints, Tag, model_validator

from generator.deal.base import Date, NonEmpty, OpenDate, Strict, open_field
from generator.deal.field_checks import FieldProblem, raise_problems

ClassName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[0-9A-Z]+)?$")]
PartyKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
LOGO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,27}\.(jpg|gif)$")
"""A letterhead logo's file name as EDGAR takes it (the Filer Manual's rules for a submission's files)."""


class Letterhead(Strict):  # noqa: D101 (see Counsel)
    name: NonEmpty | None = Field(None, description="The name at the head of the letter; by default the firm's (a law firm's letter) or the organisation's.")
    address: list[NonEmpty] = Field(default_factory=list, description="Address lines under the name: ['200 Liberty Street', 'New York, New York 10281'].")
    telephone: NonEmpty | None = Field(None, description="'(212) 504-6000', printed under the address with 'Tel.'.")
    logo: NonEmpty | None = Field(
        None, description="A .jpg or .gif file beside the deal file (the only images EDGAR takes), shown above the name in every format but the EDGAR text."
    )

    @model_validator(mode="after")
    def _logo_edgar_takes(self) -> Letterhead:
        if self.logo is not None and not LOGO_NAME.match(self.logo):
            raise_problems("Letterhead", [FieldProblem(("logo",), self.logo, (
                "EDGAR takes only .jpg and .gif images, named with at most 32 letters, digits, '-', '_' and '.', "
                "a letter or digit first, the suffix in lower case: put the file beside the deal file and give its name ('logo.jpg')"
            ))])  # fmt: skip
        return self


def _letterhead_form(value: Any) -> str:
    """Which form a letterhead is written in (one line, or name, address...), so that a mistake is one message of that form."""
    return "line" if isinstance(value, str) else "block"


LetterheadForm = Annotated[Annotated[NonEmpty, Tag("line")] | Annotated[Letterhead, Tag("block")], Discriminator(_letterhead_form)]
"""`counsel.letterhead`: one line printed as it is, or the letterhead's parts."""


class Counsel(Strict):  # noqa: D101 (a docstring would become its description in schemas/deal.schema.json)
    voice: Literal["in_house", "firm"] = Field(
        "in_house", description="in_house: one lawyer's letter, 'I', signed by `name`; firm: a law firm's letter, 'we', signed in its name (`name`)."
    )
    name: NonEmpty = Field(description="Who signs: the lawyer (in_house) or the firm (firm: 'Cadwalader, Wickersham & Taft LLP').")
    capacity: NonEmpty | None = Field(
        None,
        description="As the letter says it after 'as': 'an Associate General Counsel -- Corporate Law' (in_house, needed); "
        "'special counsel to CMSI' (firm, optional).",
    )
    organisation: NonEmpty | None = Field(None, description="'Citigroup Inc.': whose counsel an in-house lawyer is (in_house, needed).")
    partner: NonEmpty | None = Field(None, description="A law firm's signing partner, printed under the firm's signature: 'Jane Q. Partner, a Partner'.")
    letterhead: LetterheadForm = Field(
        default_factory=Letterhead,
        description="The letterhead: one line as it is printed ('[Letterhead of Citigroup Inc.]'), or name, address, telephone and logo; "
        "by default the name alone.",
    )
    bar_admission: NonEmpty | None = Field(None, description="'State of New York': where counsel is admitted to practice.")

    @model_validator(mode="after")
    def _voiced(self) -> Counsel:
        problems = []
        if self.voice == "in_house":
            needed = "an in-house letter names the lawyer's capacity and organisation"
            problems += [FieldProblem((key,), None, needed) for key in ("capacity", "organisation") if getattr(self, key) is None]
            if self.partner is not None:
                why = "an in-house letter is signed by counsel (name); a signing partner is for a law firm's letter (voice: firm)"
                problems.append(FieldProblem(("partner",), self.partner, why))
        elif self.organisation is not None:
            why = "a law firm's letter speaks for the firm (name): say whose counsel it is in capacity ('special counsel to CMSI')"
            problems.append(FieldProblem(("organisation",), self.organisation, why))
        raise_problems("Counsel", problems)
        return self


class Addressee(Strict):  # noqa: D101 (see Address)
    name: NonEmpty
    address: list[NonEmpty] = Field(min_length=1)
    salutation: NonEmpty = "Ladies and Gentlemen:"


class Registration(Strict):
    """The registration statement the letter speaks of."""

    form: NonEmpty = "S-3"
    file_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}-[0-9]{4,6}$")] | None = None
    filed: Date
    effective: Date | None = None
    amount: Annotated[Decimal, Field(gt=0)] | None = Field(None, description="Aggregate principal amount registered, dollars.")
    consolidated: Annotated[Decimal, Field(gt=0)] | None = Field(
        None, description="The part of `amount` consolidated from an earlier registration statement (a footnote)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Registration:
        problems = []
        if self.effective is not None and self.effective < self.filed:
            problems.append(FieldProblem(("effective",), self.effective, f"declared effective before it was filed ({self.filed})"))
        if self.consolidated is not None and self.amount is None:
            problems.append(FieldProblem(("amount",), None, "a consolidated amount needs the aggregate amount it is part of"))
        elif self.consolidated is not None and self.amount is not None and self.consolidated > self.amount:
            problems.append(FieldProblem(("consolidated",), self.consolidated, f"more than the aggregate amount registered ({self.amount})"))
        raise_problems("Registration", problems)
        return self


class Party(Strict):  # noqa: D101 (see Address)
    name: NonEmpty
    short_name: NonEmpty | None = Field(None, description="Defined term on first mention: 'CMI'.")
    corporation_of: NonEmpty | None = Field(None, description="State of incorporation, for '..., a New York corporation'.")
    national_bank: bool = Field(False, description="A national banking association (the paying-agent opinion).")


class Signatory(Strict):  # noqa: D101 (see Address)
    party: PartyKey
    roles: list[NonEmpty] = Field(min_length=1)
    individual_capacity: bool = False


class Agreement(Strict):  # noqa: D101 (see Address)
    date: Date
    dated_as_of: bool = Field(False, description="'dated as of' rather than 'dated'.")
    parties: list[PartyKey] = Field(min_length=2)
    section: NonEmpty | None = Field(None, description="Section under which the opinion is given: '8(c)'.")


class PoolingAgreement(Strict):  # noqa: D101 (see Address)
    date: Date
    parties: list[Signatory] = Field(min_length=2)
    trustee: PartyKey = Field(description="The party whose authentication the opinion assumes.")


class Agreements(Strict):  # noqa: D101 (see Address)
    underwriting: Agreement
    purchase: Agreement | None = Field(None, description="Needed when the series has private certificates.")
    purchaser: PartyKey | None = Field(None, description="The purchaser under the purchase agreement.")
    pooling: PoolingAgreement
    mortgage_loan_purchase: Agreement


class Classes(Strict):  # noqa: D101 (see Address)
    offered: list[ClassName] = Field(min_length=1)
    grouped: list[ClassName] = Field(default_factory=list, description="Offered classes that are a group of classes ('class A certificates').")
    private: list[ClassName] = Field(default_factory=list)
    rated: list[ClassName] = Field(default_factory=list, description="Classes expected to be rated in one of the two highest categories.")


class Reliance(Strict):  # noqa: D101 (see Address)
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

    date: Date
    counsel: Counsel
    addressee: Addressee
    parties: dict[PartyKey, Party] = Field(description="Everyone the letter names, by key; 'depositor' is the deal's depositor.")
    servicer: PartyKey = Field(description="The servicer whose existence is opined on with the depositor's.")
    guarantor: PartyKey = Field(description="The party executing the underwriting agreement with the depositor: 'citigroup'.")
    registration: Registration
    classes: Classes
    agreements: Agreements
    prospectus_date: OpenDate = open_field("Prospectus date", "The date of the prospectus the letter speaks of.")
    memorandum_date: Date | None = Field(None, description="Private placement memorandum, when there are private certificates.")
    erisa_headings: list[NonEmpty] = Field(default_factory=list, description="Prospectus headings whose ERISA statements are opined on.")
    relied_on: list[Reliance] = Field(default_factory=list)
    governing_laws: list[NonEmpty] = Field(default_factory=lambda: list(DEFAULT_LAWS))
    consent_heading: NonEmpty = "Legal opinions"

    @model_validator(mode="after")
    def _consistent(self) -> TakedownOpinion:
        raise_problems("TakedownOpinion", [*self._documents(), *self._dates(), *self._classes(), *self._parties()])
        return self

    def _documents(self) -> list[FieldProblem]:
        """What the letter cannot be written without: each opinion's agreement, section and memorandum."""
        a, private = self.agreements, bool(self.classes.private)
        problems = []
        if private and a.purchase is None:
            problems.append(FieldProblem(("agreements", "purchase"), None, "the series has private certificates but no purchase agreement"))
        if private and self.memorandum_date is None:
            problems.append(FieldProblem(("memorandum_date",), None, "the series has private certificates but no private placement memorandum"))
        if not private and a.purchase is not None:
            problems.append(FieldProblem(
                ("agreements", "purchase"), a.purchase.model_dump(mode="json"),
                "a purchase agreement, but the series has no private certificates for it (classes.private)",
            ))  # fmt: skip
        if not private and self.memorandum_date is not None:
            problems.append(FieldProblem(
                ("memorandum_date",), self.memorandum_date, "a private placement memorandum, but the series has no private certificates (classes.private)"
            ))  # fmt: skip
        if a.purchase is not None and a.purchaser is None:
            problems.append(FieldProblem(("agreements", "purchaser"), None, "name the purchaser under the purchase agreement"))
        if a.purchase is not None and a.purchaser is not None and a.purchaser not in a.purchase.parties:
            problems.append(FieldProblem(("agreements", "purchaser"), a.purchaser, "the purchaser is not a party to the purchase agreement"))
        for name in ("underwriting", "purchase"):
            agreement = getattr(a, name)
            if agreement is not None and agreement.section is None:
                problems.append(FieldProblem(("agreements", name, "section"), None, f"name the section of the {name} agreement the opinion is given under"))
        if a.pooling.trustee not in [s.party for s in a.pooling.parties]:
            problems.append(FieldProblem(("agreements", "pooling", "trustee"), a.pooling.trustee, "the trustee is not among the pooling agreement's parties"))
        reg = self.registration
        missing = [key for key in ("file_number", "effective") if getattr(reg, key) is None]
        problems += [FieldProblem(("registration", key), None, "a takedown letter needs it") for key in missing]
        return problems

    def _dates(self) -> list[FieldProblem]:
        """The letter opines on agreements already made."""
        agreements = ((name, getattr(self.agreements, name)) for name in ("underwriting", "purchase", "pooling", "mortgage_loan_purchase"))
        return [
            FieldProblem(
                ("date",), self.date,
                f"the letter is dated before the {name.replace('_', ' ')} agreement it opines on (agreements.{name}.date {agreement.date})",
            )
            for name, agreement in agreements
            if agreement is not None and self.date < agreement.date
        ]

    def _classes(self) -> list[FieldProblem]:
        c = self.classes
        problems = [
            FieldProblem(("classes", kind, i), name, f"class {name} is not an offered class")
            for kind in ("rated", "grouped")
            for i, name in enumerate(getattr(c, kind))
            if name not in c.offered
        ]
        problems += [
            FieldProblem(("classes", "private", i), name, f"class {name} is also an offered class") for i, name in enumerate(c.private) if name in c.offered
        ]
        return problems

    def _parties(self) -> list[FieldProblem]:
        """Every party named by key is defined; 'depositor' is the deal's own, and the servicer's state is stated."""
        a = self.agreements
        named: list[tuple[tuple[str | int, ...], str | None]] = [
            (("servicer",), self.servicer), (("guarantor",), self.guarantor), (("agreements", "purchaser"), a.purchaser),
        ]  # fmt: skip
        for name in ("underwriting", "purchase", "mortgage_loan_purchase"):
            agreement = getattr(a, name)
            named += [(("agreements", name, "parties", i), key) for i, key in enumerate(agreement.parties if agreement else [])]
        named += [(("agreements", "pooling", "parties", i, "party"), s.party) for i, s in enumerate(a.pooling.parties)]
        problems = [FieldProblem(loc, key, f"{key!r} is not among the parties") for loc, key in named if key and key != "depositor" and key not in self.parties]
        if "depositor" in self.parties:
            problems.append(FieldProblem(("parties", "depositor"), "depositor", "the depositor is the deal file's own `depositor`; do not define it again"))
        servicer = self.parties.get(self.servicer)
        if servicer is not None and servicer.corporation_of is None:
            problems.append(FieldProblem(("parties", self.servicer, "corporation_of"), None, "the letter states the servicer's state of incorporation"))
        return problems

    @property
    def contains_consent(self) -> bool:
        """Whether the letter carries counsel's consent to its filing, so that the 8-K indexes Exhibit 23.1 as included in Exhibit 5.1.

        A takedown letter always prints its consent paragraph (`consent` of exhibit-5-1-takedown/_prose.j2).
        """
        return True


class ShelfOpinion(Strict):
    """Exhibit 5.1 to a Form S-3 shelf registration statement, addressed to the depositor."""

    date: Date
    counsel: Counsel
    addressee: Addressee
    registration: Registration
    governing_laws: list[NonEmpty] = Field(default_factory=lambda: [*DEFAULT_LAWS[:2], "the federal laws of the United States of America"])
    trustee_kinds: NonEmpty = "a commercial bank, savings and loan association or trust company"
    consent_heading: NonEmpty = "Legal opinions"

    @model_validator(mode="after")
    def _consistent(self) -> ShelfOpinion:
        problems = []
        if self.registration.amount is None:
            problems.append(FieldProblem(("registration", "amount"), None, "the shelf letter states the aggregate amount registered"))
        if self.date < self.registration.filed:
            problems.append(FieldProblem(("date",), self.date, f"the letter is dated before the registration statement is filed ({self.registration.filed})"))
        raise_problems("ShelfOpinion", problems)
        return self
