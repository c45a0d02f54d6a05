"""The tape's cell grammar: exactly which text each kind of number and date cell accepts, read by whole columns.

A cell's verdict is one regular expression over that cell alone (and, for a date, the
calendar), so a cell reads the same whatever the rest of its column holds; only how an
accepted value is converted is chosen per column (a plain cast when every accepted cell
allows it, as on most tapes). README.md's "What a tape cell may
hold" states the same grammar as a table; tests/test_cells.py holds it to a plain-Python
reference.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

WHOLE_DIGITS = 15
"""Digits a number may have before its point: a balance of up to $999 trillion."""
STORED_DIGITS = 18
"""Digits a stored value (whole and kept decimals) may have, so that it fits 64 bits: a 6-decimal percent has 12 whole digits."""


def whole_digits(decimals: int) -> int:
    """Digits allowed before the point in a field kept to `decimals` decimals."""
    return min(WHOLE_DIGITS, STORED_DIGITS - decimals)


def number_pattern(decimals: int, money: bool) -> str:
    """The grammar of a number cell kept to `decimals` decimals (0: a whole number).

    An optional minus; money may then have `$` and commas between groups of three digits;
    no leading zeros ('0.5', not '00.5' or '.5'); a point has digits after it, and digits
    past `decimals` only when they are zeros ('6.2500' is 6.25, '360.0' is 360).
    """
    whole = whole_digits(decimals)
    plain = rf"0|[1-9][0-9]{{0,{whole - 1}}}"
    if money:  # the groups hold at most `whole` digits: 1-3, then threes
        assert whole % 3 == 0, "thousands groups fill the whole digits exactly"
        plain += rf"|[1-9][0-9]{{0,2}}(?:,[0-9]{{3}}){{1,{whole // 3 - 1}}}"
    fraction = rf"\.[0-9]{{1,{decimals}}}0*" if decimals else r"\.0+"
    dollar = r"\$?" if money else ""
    return rf"^-?{dollar}(?:{plain})(?:{fraction})?$"


def numbers(frame: pl.DataFrame, columns: Mapping[str, tuple[int, bool]], known_good: Collection[str] = ()) -> pl.DataFrame:
    """Each named text column as integers of its scale (cents, thousandths), null where a cell breaks the grammar.

    `columns` gives each column's (decimals, money). Accepted cells are converted by a plain
    cast; a column where that leaves some accepted cell unread ('$1,234', '360.0') is
    converted again by stripping `$` and commas and casting through a decimal. The
    `known_good` columns, whose every cell the grammar was shown to accept, skip the verdict.
    """
    import polars as pl

    def cast(name: str) -> pl.Expr:
        text, decimals = pl.col(name), columns[name][0]
        return text.cast(pl.Int64, strict=False) if decimals == 0 else _scaled(text, decimals)

    def verdict(name: str) -> pl.Expr:
        return pl.col(name).is_not_null() if name in known_good else pl.col(name).str.contains(number_pattern(*columns[name]))

    names = list(columns)
    if not names:
        return frame.select()
    work = frame.select(
        *(verdict(n).alias(f"ok{i}") for i, n in enumerate(names)),
        *(cast(n).alias(f"value{i}") for i, n in enumerate(names)),
    )  # each cell's verdict once, by one regular expression (unless the column was proven)
    fast = work.select((pl.col(f"value{i}") if n in known_good else pl.when(pl.col(f"ok{i}")).then(pl.col(f"value{i}"))).alias(n) for i, n in enumerate(names))
    unread = work.select((pl.col(f"ok{i}") & pl.col(f"value{i}").is_null()).any() for i in range(len(names))).row(0)
    slow = [i for i, missed in enumerate(unread) if missed]
    if not slow:
        return fast
    stripped = frame.select(pl.col(names[i]).str.replace_all(r"[$,]", "") for i in slow)
    return fast.with_columns(
        work.select(pl.when(pl.col(f"ok{i}")).then(_scaled(pl.lit(stripped[names[i]]), columns[names[i]][0])).alias(names[i]) for i in slow)
    )


def _scaled(text: pl.Expr, decimals: int) -> pl.Expr:
    """Decimal text to its integer of 10**-decimals; exact on the grammar's text (extra decimals are zeros)."""
    import polars as pl

    return text.cast(pl.Decimal(38, decimals), strict=False).to_physical().cast(pl.Int64, strict=False)  # null past 64 bits (refused anyway)


def number_slip(text: pl.Expr, decimals: int, money: bool) -> pl.Expr:
    """What is wrong with a number cell the grammar refuses, when it is a common slip; null otherwise."""
    import polars as pl

    whole = whole_digits(decimals)
    slips = [
        (text.str.starts_with("+"), "no + sign: write the number alone"),
        (text.str.contains(r"^-?\$?0[0-9]"), "no leading zeros"),
        (text.str.contains(r"\.$"), "a point needs digits after it"),
        (text.str.contains(rf"^-?\$?[0-9]{{{whole + 1},}}"), f"more than {whole} digits before the point"),
    ]
    if money:
        slips.append((text.str.starts_with("$-"), "write a negative amount as -$5, not $-5"))
    else:
        slips.append((text.str.contains(r"[$,]"), "$ and thousands separators only in money columns"))
    found = pl.lit(None, pl.String)
    for condition, words in reversed(slips):  # the first that holds
        found = pl.when(condition).then(pl.lit(words)).otherwise(found)
    return found


MIDNIGHT = r"[ T]00:00(?::00(?:\.0+)?)?"
"""A midnight time after a date: spreadsheets store dates as midnight datetimes."""

_FIXED = {"Y": "[0-9]{4}", "m": "[0-9]{2}", "d": "[0-9]{2}", "y": "[0-9]{2}", "j": "[0-9]{3}", "-m": "[1-9][0-9]?", "-d": "[1-9][0-9]?", "%": "%"}
"""The text each fixed-form strftime directive writes (for dates 1900-2100), as a pattern."""
_SHORTHAND = {"F": "%Y-%m-%d", "D": "%m/%d/%y"}


def date_pattern(date_format: str) -> str | None:
    """The text `date_format` writes for a date, as a pattern; None when a directive has no fixed form (a month's name)."""
    fmt = re.sub(r"%([FD])", lambda m: _SHORTHAND[m.group(1)], date_format)
    parts, position = [], 0
    for match in re.finditer(r"%(-?.)", fmt):
        parts.append(re.escape(fmt[position : match.start()]))
        if match.group(1) not in _FIXED:
            return None
        parts.append(_FIXED[match.group(1)])
        position = match.end()
    parts.append(re.escape(fmt[position:]))
    return "".join(parts)


def has_time(date_format: str) -> bool:
    """Whether the format writes a time of day (then no midnight may follow it)."""
    return re.search(r"%-?[HIMSTRrpc]", date_format) is not None


def dates(frame: pl.DataFrame, name: str, date_format: str, known_good: bool = False) -> pl.Expr:
    """The dates of a text column, null where a cell is not exactly as `date_format` writes a date.

    'As the format writes it' is strict: `%m` is two digits ('2002-07-22', not '2002-7-22'),
    no sign, no spaces the format lacks; a midnight time may follow (' 00:00:00'), stripped
    only in a column with a ':' at all (a third less time). A format with a directive of no
    fixed form (a month's name) is checked by writing each date back and comparing.
    A `known_good` column (every cell exactly as the format writes it) is only converted.
    """
    import polars as pl

    text = pl.col(name)
    if known_good:
        return text.str.strptime(pl.Date, date_format, strict=False)
    if not has_time(date_format) and frame[name].str.contains(":", literal=True).any():
        text = pl.when(text.str.ends_with("0")).then(text.str.replace(f"{MIDNIGHT}$", "")).otherwise(text)
    parsed = text.str.strptime(pl.Date, date_format, strict=False)
    pattern = date_pattern(date_format)
    if pattern is None:
        return pl.when(parsed.dt.strftime(date_format) == text).then(parsed)
    return pl.when(text.str.contains(f"^{pattern}$")).then(parsed)
