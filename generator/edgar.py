"""EDGAR plain text: printable ASCII, no tabs, at most 80 columns, `<PAGE>` between pages."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from functools import wraps
from typing import Any

from generator.errors import Problem, Severity, TemplateProblemError

WIDTH = 80
PAGE = "<PAGE>"
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
SUBMISSION_MARKUP = re.compile(
    r"<\s*/?\s*(?:SUBMISSION|SEC-DOCUMENT|SEC-HEADER|DOCUMENT|TYPE|SEQUENCE|FILENAME|DESCRIPTION|TEXT|PDF|XML|XBRL|PAPER|CONFIRMING-COPY)\s*>",
    re.IGNORECASE,
)
"""EDGAR's submission markup: inside a document it would end the document early, or start another one."""
SUBMISSION_MESSAGE = "EDGAR's submission markup inside a document: EDGAR would read it as the end of this document or the start of another"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Characters that reverse the direction of the text after them: what a reader sees is not what the file says."""
BIDI_MESSAGE = "a character that reverses the direction of the text (a bidirectional override or isolate): remove it"


def para(text: str, first: int = 6, rest: int = 0, width: int = WIDTH) -> str:
    """A filled paragraph as the filings set them: first-line indent, ragged right."""
    words = " ".join(text.split())
    return textwrap.fill(
        words, width=width, initial_indent=" " * first, subsequent_indent=" " * rest,
        break_on_hyphens=False,
    )  # fmt: skip


def hang(text: str, label: str, first: int = 0, indent: int = 6, width: int = WIDTH) -> str:
    """A paragraph hanging from a label ('1', '2.'), as footnotes and numbered items are set."""
    lead = (" " * first + label).ljust(indent - 1) + " "
    return textwrap.fill(
        " ".join(text.split()), width=width, initial_indent=lead, subsequent_indent=" " * indent,
        break_on_hyphens=False,
    )  # fmt: skip


def _wrap(text: str, width: int) -> list[str]:
    """Words filled greedily into lines of at most `width`; a word longer than a line is split.

    Spacing inside a line is kept, as in '*   A note'; a long word is never left to overflow.
    """
    return textwrap.wrap(text.strip(), width=max(width, 1), break_on_hyphens=False) or [""]


def _balanced(text: str, width: int) -> list[str]:
    """As few lines as `_wrap` gives, but as even as they can be: how a typist sets a centred title that will not fit."""
    lines_ = _wrap(text, width)
    while width > 1 and len(narrower := _wrap(text, width - 1)) == len(lines_):
        lines_, width = narrower, width - 1
    return lines_


def center(text: str, width: int = WIDTH) -> str:
    """Centred as the printer centres: an odd leftover space goes on the left.

    Too long a text is wrapped into even lines, each centred.
    """
    if len(text) <= width:
        return " " * ((width - len(text) + 1) // 2) + text
    return "\n".join(center(line, width) for line in _balanced(text, width))


def right(text: str, width: int = WIDTH) -> str:
    """Right-aligned at `width`; too long a text wraps, each line right-aligned."""
    if len(text) <= width:
        return text.rjust(width)
    return "\n".join(line.rjust(width) for line in _wrap(text, width))


def at(text: str, column: int, width: int = WIDTH) -> str:
    """A text set at a column (a signature block, a caption): too long, it wraps onto lines at the same column."""
    if column + len(text) <= width:
        return " " * column + text
    return "\n".join(" " * column + line for line in _wrap(text, width - column))


def widest(text: str, width: int = WIDTH) -> int:
    """The width `center`/`right` (or `at` with width - column) give the text, for a rule drawn under it.

    Its length when it fits, else its longest wrapped line's.
    """
    return len(text) if len(text) <= width else max(map(len, _balanced(text, width)))


def row(cells: list[str], widths: list[int], width: int = WIDTH) -> str:
    """Cells side by side, each but the last padded to its column's width as `ljust` pads it.

    The last runs to the margin; a cell too long for its column wraps within it, keeping its
    leading indent, instead of pushing the next ones right.
    """
    rooms = [w - 1 for w in widths] + [width - sum(widths)] * (len(cells) - len(widths))
    columns = []
    for cell, room in zip(cells, rooms, strict=True):
        indent = len(cell) - len(cell.lstrip(" "))
        columns.append([cell] if len(cell) <= room else [" " * indent + line for line in _wrap(cell, room - indent)])
    pads = [*widths, 0]
    out = []
    for n in range(max(map(len, columns))):
        parts = [col[n] if n < len(col) else "" for col in columns]
        line = "".join(part.ljust(pads[min(i, len(widths))]) for i, part in enumerate(parts))
        out.append(line.rstrip() if n else line)
    return "\n".join(out)


def wrap(text: str, width: int = WIDTH) -> list[str]:
    """The text as one line if it fits in `width`, else its words wrapped into lines that do (a heading's lines)."""
    return [text] if len(text) <= width else _wrap(text, width)


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
    problems = [Problem(source, number, None, line, message) for number, _, line, message in violations(out)]
    if problems:
        raise TemplateProblemError(problems)
    return out


TABLE_WIDTH = 132
"""Lines between <TABLE> and </TABLE> may be this wide (the Filer Manual's limit for tables)."""


REVISION_TAG = re.compile(r"</?R>")
"""EDGAR's redline tags, marking revised material in an amendment (Securities Act Rule 472(a), Regulation S-T Rule 310)."""


def _paired(line: str) -> bool:
    """Whether a line's <R> and </R> alternate, starting with <R> and ending with </R>."""
    tags = REVISION_TAG.findall(line)
    return tags == ["<R>", "</R>"] * (len(tags) // 2)


def violations(text: str) -> list[tuple[int, str, str, str]]:
    """Every line of EDGAR text that breaks a rule, as (line number, rule, line, message).

    The rules: printable ASCII, no tabs, 80 columns (132 inside <TABLE>), `<PAGE>` alone on its
    line between two pages, none of EDGAR's submission markup (`</TEXT>`, `<TYPE>`...), and
    EDGAR's redline tags `<R>`...`</R>` in pairs that open and close on one line (not counted
    in its width). `finalize` and the `dealdocs check` linter both apply them.
    """
    found: list[tuple[int, str, str, str]] = []
    lines_ = text.splitlines()
    in_table, seen_text = False, False
    for number, line in enumerate(lines_, 1):
        tag = line.strip().upper()
        in_table = (in_table or tag == "<TABLE>") and tag != "</TABLE>"
        width = TABLE_WIDTH if in_table or tag == "</TABLE>" else WIDTH
        if "\t" in line:
            found.append((number, "tab", line, "tab in EDGAR text"))
        elif not _PRINTABLE.fullmatch(line):
            found.append((number, "ascii", line, "character outside printable ASCII"))
        shown = REVISION_TAG.sub("", line)
        if len(shown) > width:
            found.append((number, "width", line, f"line longer than {width} characters ({len(shown)})"))
        if not _paired(line):
            found.append((number, "revision-tag", line, "<R> and </R> (EDGAR's redline tags) must pair up, unnested, within one line"))
        if SUBMISSION_MARKUP.search(line):
            found.append((number, "submission-markup", line, SUBMISSION_MESSAGE))
        if PAGE in line.upper() and line != PAGE:
            found.append((number, "page", line, f"{PAGE} must stand alone on its line, in capitals"))
        elif line == PAGE and not seen_text:
            found.append((number, "page", line, f"{PAGE} before any text: an empty page"))
        seen_text = (seen_text or bool(line.strip())) and line != PAGE
    if lines_ and any(line.strip() for line in lines_) and next(line for line in reversed(lines_) if line.strip()) == PAGE:
        found.append((len(lines_), "page", PAGE, f"{PAGE} after the last text: an empty page"))
    return found


def _in_columns(function: Callable[..., Any]) -> Callable[..., Any]:
    """A layout filter for templates: its widths, columns and indents (`row`'s list too) within EDGAR's widest line.

    A larger one cannot print in EDGAR text, and would have a short text laid out as a huge one.
    """

    @wraps(function)
    def bounded(value: Any, *args: Any, **kwargs: Any) -> Any:
        for arg in (*args, *kwargs.values()):
            for number in arg if isinstance(arg, list | tuple) else [arg]:
                if isinstance(number, int) and not isinstance(number, bool) and not 0 <= number <= TABLE_WIDTH:
                    raise ValueError(f"{function.__name__}: a width, column or indent of {number} is outside 0-{TABLE_WIDTH} (EDGAR's widest line)")
        return function(value, *args, **kwargs)

    return bounded


_LAYOUT: dict[str, Callable[..., Any]] = {
    "para": para, "hang": hang, "center": center, "right": right, "at": at, "widest": widest, "row": row, "wrap": wrap, "lines": lines
}
TEXT_FILTERS: dict[str, Callable[..., Any]] = {name: _in_columns(function) for name, function in _LAYOUT.items()}
