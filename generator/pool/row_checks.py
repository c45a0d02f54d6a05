"""The row checks of a parsed tape: each a condition over whole columns that is true on a bad row, with its severity and reason."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from generator import fields as loan_fields
from generator.deal.models import Pool
from generator.errors import Severity
from generator.pool.derived import LTV_CAP, month_index
from generator.pool.exact import INT64_MAX
from generator.pool.parsing import raw_name, scaled_text
from generator.pool.ranges import outside, range_of, span

if TYPE_CHECKING:
    import polars as pl


TERM_RULE = "remaining term disagrees with the months from the cut-off date to maturity"
MATURITY_RULE = "maturity date is not the first payment date plus the original term"


Check = tuple[Severity, str, "pl.Expr", "pl.Expr | str"]
"""(severity, field reported, condition true on a bad row, reason): a rule whose name is its reason."""


class Rule(Check):
    """(severity, field reported, condition true on a bad row, reason), with the rule's name for grouping.

    The reason may be an expression giving each row its own figures (the expected value);
    `rule` is what all rows breaking it share. `value` replaces the cell shown, when set.
    """

    rule: str
    value: pl.Expr | None

    def __new__(
        cls, severity: Severity, field: str, condition: pl.Expr, reason: pl.Expr | str, rule: str | None = None, value: pl.Expr | None = None
    ) -> Rule:
        """A rule; without `rule`, a text reason names it (an expression reason is 'invalid value')."""
        self = super().__new__(cls, (severity, field, condition, reason))
        self.rule = rule if rule is not None else reason if isinstance(reason, str) else "invalid value"
        self.value = value
        return self


def _month_text(index: pl.Expr) -> pl.Expr:
    """A month index (year x 12 + month) as 'YYYY-MM'."""
    import polars as pl

    return pl.format("{}-{}", (index - 1) // 12, ((index - 1) % 12 + 1).cast(pl.String).str.zfill(2))


def checks(pool: Pool, cut_off: dt.date, cols: set[str]) -> list[Check]:
    """(severity, column reported, condition that is true on a bad row, reason) for every rule."""
    import polars as pl

    c = pl.col
    E, W = Severity.ERROR, Severity.WARNING
    term_reason = pl.format("{}: expected {}", pl.lit(TERM_RULE), c("months_to_maturity"))
    checks: list[Check] = [
        (E, "balance", outside("balance"), "negative scheduled balance"),
        (W, "balance", c("balance") == 0, "zero scheduled balance"),
        (E, "original_balance", outside("original_balance"), "original balance must be positive"),
        (E, "balance", c("balance") > c("original_balance"), "scheduled balance above original balance"),
        (E, "appraised_value", outside("appraised_value"), "appraised value must be positive"),
        (E, "appraised_value", c("computed_ltv").abs() == INT64_MAX, f"appraised value too small: the original balance is over {LTV_CAP}% of it"),
        (E, "note_rate", outside("note_rate"), f"note rate outside {span('note_rate')}"),
        (W, "note_rate", outside("note_rate", usual=True), f"unusual note rate (outside {span('note_rate', usual=True)})"),
        (E, "original_term", outside("original_term"), f"original term outside {span('original_term')}"),
        (E, "remaining_term", outside("remaining_term") | (c("remaining_term") > c("original_term")), "remaining term outside 1 month to the original term"),
        Rule(W, "remaining_term", c("remaining_term") != c("months_to_maturity"), term_reason, TERM_RULE),
        (E, "origination_date", c("origination_date") > cut_off, f"originated after the cut-off date {cut_off}"),
        (E, "maturity_date", c("maturity_date") <= cut_off, f"matures on or before the cut-off date {cut_off}"),
        (E, "maturity_date", c("maturity_date") <= c("origination_date"), "maturity date not after origination date"),
        (E, "ltv", outside("ltv"), f"LTV outside {span('ltv')}"),
        (W, "ltv", outside("effective_ltv", usual=True), f"LTV above {range_of('effective_ltv', usual=True).high}%"),
        (E, "units", outside("units"), f"units outside {span('units')}"),
        (E, "units", (c("property_type") == "multi_family") & (c("units") < 2), "a 2-4 family dwelling with fewer than 2 units"),
        (W, "units", (c("property_type") != "multi_family") & (c("units") > 1), "several units but not a multi-family dwelling"),
    ]
    if "servicing_fee" in cols:
        fee_wrong = outside("servicing_fee") | (c("servicing_fee") >= c("note_rate"))
        checks.append((E, "servicing_fee", fee_wrong, "servicing fee negative or not below the note rate"))
    if "ltv" in cols:
        computed = scaled_text(c("computed_ltv"), loan_fields.FIELDS["computed_ltv"])
        reason = pl.format("LTV differs from the {}% computed as original balance / appraised value", computed)
        differs = (c("ltv").cast(pl.Int128) - c("computed_ltv")).abs() > 1  # 64 bits could wrap
        checks.append(Rule(W, "ltv", differs, reason, "LTV differs from original balance / appraised value"))
    if "additional_collateral" in cols:
        collateral_wrong = outside("additional_collateral") | (c("additional_collateral") > c("original_balance"))
        checks.append((E, "additional_collateral", collateral_wrong, "additional collateral negative or above the original balance"))
    if "first_payment_date" in cols:
        first, term = month_index(c("first_payment_date")), c("original_term")
        maturity = c("months_to_maturity") + (cut_off.year * 12 + cut_off.month)  # the maturity's month index, already derived
        maturity_reason = pl.format("{}: expected {}", pl.lit(MATURITY_RULE), _month_text(first + term.cast(pl.Int128) - 1))  # a term near 2**63 would wrap
        checks += [
            (E, "first_payment_date", c("first_payment_date") <= c("origination_date"), "first payment not after origination"),
            Rule(W, "maturity_date", maturity - first + 1 != term, maturity_reason, MATURITY_RULE),
        ]
    return checks + _modern_checks(cols)


ARM_PART = "ARM terms given in part"
"""The rule of a loan with some ARM terms and not others, on a tape that does not say which loans are ARMs."""

ARM_FIELDS = tuple(f.name for f in loan_fields.REGISTRY if f.arm)
"""The fields an adjustable-rate loan carries and a fixed-rate loan leaves blank."""


def _modern_checks(cols: set[str]) -> list[Check]:
    """Checks of the optional credit, ARM and programme fields, each only when the tape maps it."""
    import polars as pl

    c = pl.col
    E, W = Severity.ERROR, Severity.WARNING
    checks: list[Check] = []
    for name in ("fico", "dti", "cltv", "interest_only_term", "margin", "initial_rate_cap", "periodic_rate_cap", "lifetime_rate_cap",
                 "maximum_rate", "months_to_roll", "loan_age"):  # fmt: skip
        if name in cols:
            label = {"fico": "credit score", "dti": "DTI", "cltv": "CLTV"}.get(name, name.replace("_", " "))
            checks.append((E, name, outside(name), f"{label} outside {span(name)}"))
    if "dti" in cols:
        checks.append((W, "dti", outside("dti", usual=True), f"unusual DTI (outside {span('dti', usual=True)})"))
    if "cltv" in cols:
        checks.append((E, "cltv", c("cltv") < c("ltv"), "CLTV below the LTV"))
    if "interest_only_term" in cols:
        checks.append((E, "interest_only_term", c("interest_only_term") > c("original_term"), "interest-only term longer than the original term"))
    if "maximum_rate" in cols:
        checks.append((E, "maximum_rate", c("maximum_rate") < c("note_rate"), "maximum rate below the note rate"))
    if "months_to_roll" in cols:
        checks.append((E, "months_to_roll", c("months_to_roll") > c("remaining_term"), "months to roll beyond the remaining term"))
    if "loan_age" in cols:
        checks.append((E, "loan_age", c("loan_age") > c("original_term"), "loan age longer than the original term"))
    arms = [name for name in ARM_FIELDS if name in cols]
    for name in arms if "amortization" in cols else ():  # without it, the tape does not say which loans are ARMs
        arm = c("amortization") == "arm"
        checks.append((E, name, arm & c(raw_name(name)).is_null(), f"ARM without {name.replace('_', ' ')}"))
        checks.append((E, name, (c("amortization") == "fixed") & c(raw_name(name)).is_not_null(), f"{name.replace('_', ' ')} on a fixed-rate loan"))
    if "amortization" not in cols and len(arms) > 1:  # the ARM terms can still be checked against one another
        given = [c(raw_name(name)).is_not_null() for name in arms]
        blank = pl.concat_str([pl.when(~g).then(pl.lit(name)) for g, name in zip(given, arms, strict=True)], separator=", ", ignore_nulls=True)
        rule = f"{ARM_PART}: an ARM missing some, or a fixed-rate loan with stray ones? (map amortization to check them by loan type)"
        reason = pl.format("{}: {} blank; an ARM missing them, or a fixed-rate loan with stray ARM terms? (map amortization to check them by loan type)",
                           pl.lit(ARM_PART), blank)  # fmt: skip
        checks.append(Rule(W, arms[0], pl.any_horizontal(given) & ~pl.all_horizontal(given), reason, rule))
    return checks
