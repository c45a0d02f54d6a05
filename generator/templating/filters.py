"""Jinja filters that print exact figures the way the filings do; one set for every template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from generator.pool.exact import quantize

Exact = Fraction | Decimal | int


def number(value: Exact, places: int = 0, round: str = "half_up") -> str:
    """'405,860,263' or '357.41': thousands separators, rounded as the prose demands."""
    return f"{quantize(value, places, round):,.{places}f}"


def fixed(value: Exact, places: int, round: str = "half_up") -> str:
    """'6.349': a rate or ratio without thousands separators."""
    return f"{quantize(value, places, round):.{places}f}"


def dollars(value: Exact, round: str = "half_up") -> str:
    """'$5,505,457': an amount in dollars to whole dollars."""
    return "$" + number(value, 0, round)


def cents(value: Exact) -> str:
    """'$405,860,262.91': an amount in dollars to the cent."""
    return "$" + number(value, 2)


def long_date(value: dt.date) -> str:
    """'January 9, 2003'."""
    return f"{value:%B} {value.day}, {value.year}"


def end_sentence(text: str) -> str:
    """'Citigroup Inc.' ends a sentence as it is; 'Citibank' gets its period."""
    return text if text.endswith(".") else text + "."


def oneline(text: str) -> str:
    """A paragraph's words on one line (Word takes a newline inside a run literally); keeps Markup."""
    return text.__class__(" ").join(text.split())


FILTERS: dict[str, Callable[..., Any]] = {
    "number": number,
    "fixed": fixed,
    "dollars": dollars,
    "cents": cents,
    "long_date": long_date,
    "end_sentence": end_sentence,
    "oneline": oneline,
}
