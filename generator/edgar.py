"""EDGAR plain text: printable ASCII, no tabs, at most 80 columns, `<PAGE>` between pages."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any

from .problems import DealdocsError, Problem, Severity

WIDTH = 80
PAGE = "<PAGE>"
_PRINTABLE = re.compile(r"[\x20-\x7e]*")


def para(text: str, first: int = 6, rest: int = 0, width: int = WIDTH) -> str:
    """A filled paragraph as the filings set them: first-line indent, ragged right."""
    words = " ".join(text.split())
    return textwrap.fill(
        words, width=width, initial_indent=" " * first, subsequent_indent=" " * rest,
        break_on_hyphens=False, break_long_words=False,
    )  # fmt: skip


def hang(text: str, label: str, first: int = 0, indent: int = 6, width: int = WIDTH) -> str:
    """A paragraph hanging from a label ('1', '2.'), as footnotes and numbered items are set."""
    lead = (" " * first + label).ljust(indent - 1) + " "
    return textwrap.fill(
        " ".join(text.split()), width=width, initial_indent=lead, subsequent_indent=" " * indent,
        break_on_hyphens=False, break_long_words=False,
    )  # fmt: skip


def center(text: str, width: int = WIDTH) -> str:
    """Centred as the printer centres: an odd leftover space goes on the left."""
    return " " * ((width - len(text) + 1) // 2) + text


def lines(text: str, width: int) -> list[str]:
    """Words filled into lines of at most `width` (for table labels that wrap)."""
    return textwrap.wrap(" ".join(text.split()), width=width, break_on_hyphens=False) or [""]


def ascii_finalize(source: str, warnings: list[Problem]) -> Callable[[Any], Any]:
    """A Jinja `finalize` that transliterates output to ASCII, warning once per word it changed.

    Applied as values are printed, mostly before wrapping; a rare transliteration that
    lengthens an already wrapped line is caught by `finalize`'s width check.
    """
    from anyascii import anyascii

    seen: set[str] = set()

    def transliterate(value: Any) -> Any:
        if not isinstance(value, str) or value.isascii():
            return value
        for word in _NON_ASCII_WORD.findall(value):
            if word not in seen:
                seen.add(word)
                warnings.append(Problem(source, None, None, word, f"not ASCII: printed in EDGAR text as {anyascii(word)!r}", Severity.WARNING))
        return anyascii(value)

    return transliterate


_NON_ASCII_WORD = re.compile(r"\S*[^\x00-\x7f]\S*")


def finalize(text: str, source: str) -> str:
    """Trailing blanks off, then every EDGAR rule checked; a violation names its output line."""
    out = "\n".join(line.rstrip() for line in text.splitlines()).strip("\n") + "\n"
    problems = []
    for number, line in enumerate(out.splitlines(), 1):
        if "\t" in line:
            problems.append(Problem(source, number, None, line, "tab in EDGAR text"))
        elif not _PRINTABLE.fullmatch(line):
            problems.append(Problem(source, number, None, line, "character outside printable ASCII"))
        if len(line) > WIDTH:
            problems.append(Problem(source, number, None, line, f"line longer than {WIDTH} characters ({len(line)})"))
    if problems:
        raise DealdocsError(problems)
    return out


TEXT_FILTERS = {"para": para, "hang": hang, "center": center, "lines": lines}
