"""Jinja filters that print exact figures and words the way the filings do; one set for every template.

Besides the figures, the typographic rules of the prose live here, once: a name ending a
sentence, lists, articles, counts and quotations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from markupsafe import Markup

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


_PARENTHESES = re.compile(r"\([^()]*\)")
"""A parenthesis (innermost): a comma inside it does not split a list's item."""


def join_words(items: Sequence[str], conjunction: str = "and", serial: bool | None = None) -> str:
    """'A', 'A and B', 'A, B and C': a list in a sentence, the one rule of every document.

    No serial comma, as the filings write their lists ('CMSI, CMI and Citibank, N.A.'), except
    where an item before the last holds a comma of its own outside parentheses ('A, Inc., B,
    and C'): without one the reader cannot tell where the last item begins. `serial` True or
    False forces it either way.
    """
    items = list(items)
    kind = Markup if any(isinstance(i, Markup) for i in items) else str  # joining neither loses nor repeats escaping
    if len(items) <= 2:
        return kind(f" {conjunction} ").join(items)
    comma = any("," in _PARENTHESES.sub("", item) for item in items[:-1]) if serial is None else serial
    return kind(", ").join(items[:-1]) + kind(f"{',' if comma else ''} {conjunction} ") + items[-1]


_AN_WORDS = re.compile(r"[aeiou]|hour|honest|honou?r|heir", re.IGNORECASE)
"""Words said with a vowel first: a vowel letter, or a silent h."""
_A_WORDS = re.compile(r"one\b|once\b|eu|ewe|u(?:ni|s[eu]|t[aei]|r[aeiou]|biq)", re.IGNORECASE)
"""Words whose vowel letter is said as a consonant: a 'w' (one, once) or a 'y' (European, unit, usual, Utah, utility, Uruguay)."""
_NUMBER = re.compile(r"[0-9][0-9,]*")


def article(word: str) -> str:
    """'an adjustable-rate', 'a one- to four-family', 'an 80.00%', 'a 5.500%': the article a word is said with.

    By the sound of the word's beginning, for what the prose meets: a word whose first letter is
    a vowel takes "an" unless said with a 'y' or 'w' (a unit, a Utah corporation, a one- to
    four-family), and so does a silent h (an hour); a numeral goes by its first spoken word, so
    8, 11, 18, 80 to 89 and 800 to 899, alone or in thousands or millions, take "an" ("an
    80.00%", "an 11.50%", "a 5.500%"). An initialism said letter by letter ("an FHA loan")
    cannot be told from a word ("a SOFR index") by its spelling: the template writes that article.
    """
    text = word.lstrip("$")
    number = _NUMBER.match(text)
    if number:
        whole = int(number.group().replace(",", ""))
        while whole >= 1000:  # said by its leading group of three digits: 18,500 is "eighteen thousand..."
            whole //= 1000
        vowel = whole in (8, 11, 18) or str(whole).startswith("8")
    else:
        vowel = bool(_AN_WORDS.match(word)) and not _A_WORDS.match(word)
    return ("an " if vowel else "a ") + word


def quoted(text: str) -> str:
    """'"Not Available"': a label or defined term as the prose quotes it (the formats people read curl the quotes)."""
    quote = text.__class__('"')  # Markup stays Markup, escaped once
    return quote + text + quote


def spelled(count: int) -> str:
    """'seven': a count under ten in words, as the prose writes how many groups or classes; 10 and over in figures."""
    return ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"][count] if 0 <= count < 10 else f"{count:,}"


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
    "article": article,
    "spelled": spelled,
    "quoted": quoted,
    "join_words": join_words,
    "oneline": oneline,
}
