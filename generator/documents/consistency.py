"""A deal's own consistency, what `dealdocs check DEAL.yaml` reports: each check a pure function returning `Problem`s at the deal file's lines.

- `date_problems`: the deal's dates in the order the filings need them (`date_rules`);
- `figure_problems`: every figure a document's prose quotes is a figure its data states;
- `exhibit_problems`: the Form 8-K's exhibit index names every exhibit filed, and files every one it names;
- `party_problems`: each party spelled one way in the deal file and in the rendered documents.

Dates out of order, prose figures and exhibits are errors; spelling variants are warnings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from generator.deal.loading import Key, LoadedDeal
from generator.documents.registry import section_of
from generator.errors import Problem, Severity

# --- dates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedField:
    """A date of the deal: what it is in words, its key path in the deal file (the key that defaults it, if it is a default) and its value."""

    words: str
    loc: tuple[Key, ...]
    value: dt.date


@dataclass(frozen=True)
class DateRule:
    """`earlier` must not be after `later`: why, and the severity of a breach."""

    earlier: DatedField
    later: DatedField
    why: str
    severity: Severity = Severity.ERROR


def date_rules(loaded: LoadedDeal, eight_k: DatedField | None, exhibits: Sequence[DatedField]) -> list[DateRule]:
    """The order the deal's dates must keep.

    Args:
        loaded: The deal.
        eight_k: The Form 8-K's date of report (also its signature's date), if the deal files an 8-K.
        exhibits: The dates of the drafted documents the 8-K files as exhibits.
    """
    deal = loaded.deal
    rules: list[DateRule] = []
    closing = None
    if (ts := deal.term_sheet) is not None:
        cut_off = DatedField("the cut-off date", ("term_sheet", "cut_off_date"), ts.cut_off_date)
        report = DatedField("the term sheet's date", ("term_sheet", "report_date"), ts.report_date)
        rules.append(DateRule(cut_off, report, "the term sheet describes the pool as of the cut-off date, so it cannot be dated before it"))
        if isinstance(ts.transfer_date, dt.date):  # a closing date left open is a placeholder, warned of as one
            closing = DatedField("the closing date", ("term_sheet", "transfer_date"), ts.transfer_date)
            rules.append(DateRule(report, closing, "the term sheet states the closing date as expected, so it is dated on or before it"))
    if eight_k is not None:
        why = "an 8-K cannot file an exhibit dated after its date of report (the date its signature carries)"
        rules += [DateRule(exhibit, eight_k, why) for exhibit in exhibits]
    if (opinion := deal.takedown_opinion) is not None and closing is not None:
        dated = DatedField("the takedown opinion's date", ("takedown_opinion", "date"), opinion.date)
        rules.append(DateRule(dated, closing, "the opinion is delivered at the closing", Severity.WARNING))
    return rules


def date_problems(loaded: LoadedDeal, rules: Sequence[DateRule]) -> list[Problem]:
    """Each rule broken, at the line of its later date: which two dates, their values and lines, which comes first, what to do."""
    problems = []
    for rule in rules:
        first, then = rule.earlier, rule.later
        if first.value <= then.value:
            continue
        later, earlier = ".".join(map(str, then.loc)), ".".join(map(str, first.loc))
        message = (
            f"{then.words} ({later}, {then.value.isoformat()}) is before {first.words} ({earlier}, {first.value.isoformat()}, "
            f"line {loaded.line(*first.loc)}): {rule.why}; set {later} to {first.value.isoformat()} or later, or correct {earlier}"
        )
        found = loaded.problem(then.loc, then.value.isoformat(), message)
        problems.append(dataclasses.replace(found, severity=rule.severity))
    return problems


# --- figures quoted in prose ------------------------------------------------------------

_MONTH_DATE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)(?:\s+\d{1,2},)?\s+\d{4}\b", re.IGNORECASE
)
_NUMBER_TEXT = r"(\$?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%?)"  # $1,234.50, 6.349%, 875
_NUMBER_ANY = re.compile(_NUMBER_TEXT)
_FIGURE = re.compile(rf"(?<![\w.,/-]){_NUMBER_TEXT}(?![\w/(-]|[.,]\d)")  # not part of a name, a file number, a reference: A-1, 333-72082, 15(d)
_RULE = re.compile(r"^\s*-+(?: {2,}-+)+\s*$")
_MARKER = re.compile(r"^\s*\d+(?:\.(?=\s)| {2,})")  # a footnote's or a list item's number at the start of its line
_END = re.compile(r"^\s*(?:-+|<PAGE>)\s*$", re.IGNORECASE)  # where a table's rows end: a footnote rule, a page break
_COLUMNS = re.compile(r"\S {2,}\S")
_FOOTNOTE = re.compile(r"(?<=[\w%.,)])\(\d+\)")  # '(1)' after a word: a footnote mark


@dataclass(frozen=True)
class Figure:
    """A figure the prose quotes: its text, its value, its decimals and its 1-based line in the rendered document."""

    text: str
    value: Decimal
    places: int
    line: int


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """The rendered EDGAR text's lines outside tables (each with its 1-based number).

    A table is a `<TABLE>` block, or the lines round a rule of two or more dash runs (the column
    rules under a table's headings): the headings above it up to a blank line, the rows below it
    across blank lines while the next line still has columns (two spaces between words), up to a
    page break or a footnote rule.
    """
    lines = text.split("\n")
    table = [False] * len(lines)
    inside = False
    for i, line in enumerate(lines):
        tag = line.strip().upper()
        if tag.startswith("<TABLE"):
            inside = True
        table[i] = inside
        if tag.startswith("</TABLE"):
            inside = False
    for i, line in enumerate(lines):
        if not _RULE.match(line):
            continue
        j = i
        while j >= 0 and lines[j].strip():
            table[j], j = True, j - 1
        j = i + 1
        while j < len(lines) and not _END.match(lines[j]):
            if not lines[j].strip():
                k = next((k for k in range(j, len(lines)) if lines[k].strip()), len(lines))
                if k == len(lines) or not _COLUMNS.search(lines[k]) or _END.match(lines[k]):
                    break
            table[j], j = True, j + 1
    yield from ((i + 1, line) for i, line in enumerate(lines) if not table[i])


def prose_figures(text: str) -> list[Figure]:
    """The figures the prose of a rendered EDGAR text quotes: dates written out, footnote marks and list numbers left aside."""
    found = []
    undated = _MONTH_DATE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)  # a date may wrap: blanked, its line breaks kept
    for number, line in prose_lines(undated):
        line = _FOOTNOTE.sub(" ", _MARKER.sub(" ", line))
        found += [_figure(match, number) for match in _FIGURE.finditer(line)]
    return found


def _figure(match: re.Match[str], line: int) -> Figure:
    """A matched number as a figure: its digits without separators, its decimals."""
    return Figure(match.group(0), Decimal(match.group(2).replace(",", "") + (match.group(3) or "")), len(match.group(3) or ".") - 1, line)


def stated_values(data: Any) -> list[Fraction]:
    """Every number a document's data holds (template context: summary, tables' cells, pool data, the deal file), exact.

    Numbers printed in strings (a table's cells) are read from their text. The shares of a
    mapping of a few categories (a summary's programme shares) count also as their sums, which the prose may quote combined.
    """
    values: list[Fraction] = []
    seen: set[int] = set()

    def visit(item: Any, depth: int) -> None:
        if depth > 12 or id(item) in seen or isinstance(item, bool | dt.date | Path):
            return
        if isinstance(item, int | Decimal | Fraction):
            values.append(Fraction(item))
        elif isinstance(item, str):
            values.extend(Fraction(f.value) for f in _figures_in(item))
        else:
            seen.add(id(item))
            for child in _children(item):
                visit(child, depth + 1)
            if isinstance(item, Mapping) and 1 < len(item) <= 6 and all(isinstance(v, Fraction | Decimal) for v in item.values()):
                values.extend(_subset_sums([Fraction(v) for v in item.values()]))

    visit(data, 0)
    return values


def _children(item: Any) -> list[Any]:
    """The parts of a context object whose numbers count: a mapping's values, a sequence's items, a model's or a dataclass's fields."""
    if isinstance(item, Mapping):
        return list(item.values())
    if isinstance(item, list | tuple | set | frozenset):
        return list(item)
    if isinstance(item, BaseModel):
        return [getattr(item, name) for name in type(item).model_fields]
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return [getattr(item, f.name) for f in dataclasses.fields(item)]
    return []  # a data frame, a function: not figures the prose may quote


def _figures_in(text: str) -> list[Figure]:
    """The figures in one string (a table cell, a deal-file value): each number, however written."""
    return [_figure(match, 0) for match in _NUMBER_ANY.finditer(text)]


def _subset_sums(shares: list[Fraction]) -> list[Fraction]:
    """The sums of every two or more of a few shares, exact."""
    return [
        sum((s for j, s in enumerate(shares) if mask >> j & 1), Fraction(0)) for mask in range(1, 1 << len(shares)) if mask & (mask - 1)
    ]


def states(figure: Figure, values: Sequence[Fraction]) -> bool:
    """True when the figure, as printed, is one of the values: within one unit of its last printed place (rounded up, down or half-up), exactly."""
    unit, printed = Fraction(1, 10**figure.places), Fraction(figure.value)
    return any(abs(value - printed) < unit for value in values)


def figure_problems(
    loaded: LoadedDeal, document: str, text: str, data: Any, allowed: Sequence[Fraction], templates: Mapping[str, str], overridden: bool
) -> list[Problem]:
    """Each figure the prose of a rendered document quotes that no number of its data states (nor the built-in wording's own numbers).

    Args:
        loaded: The deal.
        document: The document's name, e.g. "collateral-term-sheet".
        text: Its rendered EDGAR text.
        data: Its template context (`Document.context`).
        allowed: Numbers the built-in templates write as words of their own ('Rule 433', 'Act of 1934').
        templates: The user's template files that render it (path to text), searched for a figure written literally.
        overridden: Whether the deal file's or the command's templates folder overrides a template of the document.

    Returns:
        One error per figure, at the deal file's `templates` line (a user's template) or its section's line,
        naming the rendered line and, when a template writes the figure literally, the template's file and line.
    """
    values = [*stated_values(data), *allowed]
    problems = []
    for figure in prose_figures(text):
        if states(figure, values):
            continue
        where = _written_at(figure.text, templates)
        message = (
            f"{document}.txt line {figure.line} quotes {figure.text}, which no figure of the document's data states "
            f"(its tables, pool data, summary or the deal file){where}: compute it in the template from the data, or correct it"
        )
        loc: tuple[Key, ...] = ("templates",) if overridden and loaded.deal.templates is not None else (section_of(document),)
        problems.append(loaded.problem(loc, figure.text, message))
    return problems


def _written_at(figure: str, templates: Mapping[str, str]) -> str:
    """', written by FILE line N' for the first user's template that writes the figure literally, else ''."""
    for path, source in templates.items():
        for number, line in enumerate(source.split("\n"), 1):
            if re.search(rf"(?<![\w.,]){re.escape(figure)}(?![\w]|[.,]\d)", line):
                return f", written by {path} line {number}"
    return ""


def template_numbers(sources: Sequence[str]) -> list[Fraction]:
    """The numbers the built-in templates write as words of their own (a rule, a section, a year of an Act), allowed in any prose."""
    return [Fraction(f.value) for source in sources for f in _figures_in(source)]


# --- the exhibit index ------------------------------------------------------------------

_ROW = re.compile(r"<tr\b.*?</tr>", re.IGNORECASE | re.DOTALL)
_CELL = re.compile(r"<t[dh]\b.*?</t[dh]>", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_NUMBER = re.compile(r"(?:Exhibit\s+|EX-)?(\d{1,3}(?:\.\d{1,3})?)\W*", re.IGNORECASE)  # '5.1', 'Exhibit 5.1', 'EX-5.1', '5.1*'
_INCLUDED = re.compile(r"(?:included|contained)\s+in\s+exhibit\s+(\d{1,3}(?:\.\d{1,3})?)", re.IGNORECASE)


@dataclass(frozen=True)
class IndexEntry:
    """A row of an 8-K's exhibit index: the exhibit number, its description, the files it links."""

    number: str
    description: str
    links: tuple[str, ...]


def exhibit_index(main: str) -> list[IndexEntry]:
    """The exhibit index of a Form 8-K in EDGAR HTML: each table row whose first cell is an exhibit number (5.1, 'Exhibit 23.1', 'EX-99.1')."""
    entries = []
    for row in _ROW.findall(main):
        cells = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in _CELL.findall(row)]
        if len(cells) >= 2 and (number := _NUMBER.fullmatch(cells[0])):
            entries.append(IndexEntry(number.group(1), " ".join(cells[1:]), tuple(dict.fromkeys(_HREF.findall(row)))))
    return entries


def exhibit_problems(loaded: LoadedDeal, documents: Sequence[tuple[str, str]], main: str) -> list[Problem]:
    """The 8-K's exhibit index against its exhibits: every exhibit it names is filed (or included in one filed), every one filed is named.

    Args:
        loaded: The deal.
        documents: The submission's exhibits, each (EDGAR type 'EX-5.1', file name).
        main: The 8-K's EDGAR HTML.
    """
    files = {kind.removeprefix("EX-"): file for kind, file in documents}
    index = exhibit_index(main)
    problems = []
    for entry in index:
        included = _INCLUDED.search(entry.description)
        if entry.number in files:
            linked = [link for link in entry.links if link != files[entry.number]]
            if linked:
                why = f"the 8-K's exhibit index links Exhibit {entry.number} to {linked[0]}, but its file is {files[entry.number]}: correct the link"
                problems.append(loaded.problem(("filing",), entry.number, why))
        elif included is not None and included.group(1) in files:
            continue
        elif included is not None:
            why = (
                f"the 8-K's exhibit index says Exhibit {entry.number} ({entry.description}) is included in Exhibit {included.group(1)}, "
                f"which the submission does not file: file Exhibit {included.group(1)} or correct the index"
            )
            problems.append(loaded.problem(("filing",), entry.number, why))
        else:
            why = (
                f"the 8-K's exhibit index names Exhibit {entry.number} ({entry.description}), but the submission has no EX-{entry.number} "
                "document: supply it under filing.exhibits (or filing.documents) or remove it from the index"
            )
            problems.append(loaded.problem(("filing",), entry.number, why))
    named = {entry.number for entry in index}
    for number, file in files.items():
        if number not in named:
            why = f"Exhibit {number} ({file}) is filed with the 8-K but its exhibit index does not name it: add it to the index"
            problems.append(loaded.problem(("filing",), f"EX-{number}", why))
    return problems


# --- parties' names ---------------------------------------------------------------------


def party_names(loaded: LoadedDeal) -> list[tuple[tuple[Key, ...], str]]:
    """Every party and signer the deal file names (depositor, originator, trustee, issuing entity, counsel, addressees...), with its key path."""
    deal = loaded.deal
    found: list[tuple[tuple[Key, ...], str | None]] = [(("depositor", "name"), deal.depositor.name)]
    if (ts := deal.term_sheet) is not None:
        found += [(("term_sheet", "originator"), ts.originator), (("term_sheet", "trustee", "name"), ts.trustee.name)]
        found.append((("term_sheet", "signatory", "name"), ts.signatory.name))
    if deal.filing is not None and deal.filing.issuing_entity is not None:
        found.append((("filing", "issuing_entity", "name"), deal.filing.issuing_entity.name))
    if deal.filing is not None and deal.filing.signatory is not None:
        found.append((("filing", "signatory", "name"), deal.filing.signatory.name))
    for section in ("takedown_opinion", "shelf_opinion"):
        if (opinion := getattr(deal, section)) is None:
            continue
        found += [((section, "counsel", "organisation"), opinion.counsel.organisation), ((section, "counsel", "name"), opinion.counsel.name)]
        found.append(((section, "addressee", "name"), opinion.addressee.name))
        found += [((section, "relied_on", i, "counsel"), r.counsel) for i, r in enumerate(getattr(opinion, "relied_on", []))]
        found += [((section, "parties", key, "name"), p.name) for key, p in getattr(opinion, "parties", {}).items()]
    return [(loc, name) for loc, name in found if name is not None]  # a law firm's letter names no organisation


def spelling_key(name: str) -> str:
    """A name as compared: case, punctuation and spacing aside ('Citibank, N.A.' and 'CITIBANK NA' compare equal; 'Inc' and 'Inc.' too)."""
    return " ".join(re.sub(r"[^\w\s]|_", "", name).casefold().split())


def party_problems(loaded: LoadedDeal, texts: Mapping[str, str]) -> list[Problem]:
    """A warning for each spelling of a party that differs from its first spelling in the deal file, or in a rendered document.

    Args:
        loaded: The deal.
        texts: Rendered EDGAR texts by file name ('collateral-term-sheet.txt': text).
    """
    first: dict[str, tuple[tuple[Key, ...], str]] = {}
    spellings: dict[str, set[str]] = {}
    problems = []
    for loc, name in party_names(loaded):
        spelled = " ".join(name.split())
        key = spelling_key(spelled)
        spellings.setdefault(key, set()).add(spelled)
        if key not in first:
            first[key] = (loc, spelled)
            continue
        at, earlier = first[key]
        if spelled != earlier:
            message = (
                f"{spelled!r} is spelled {earlier!r} at {'.'.join(map(str, at))} (line {loaded.line(*at)}): "
                "a party's name is spelled one way in every document; use one spelling"
            )
            problems.append(dataclasses.replace(loaded.problem(loc, spelled, message), severity=Severity.WARNING))
    for key, (loc, name) in first.items():
        problems += _rendered_variants(loaded, loc, name, spellings[key], texts)
    return problems


def _rendered_variants(loaded: LoadedDeal, loc: tuple[Key, ...], name: str, spelled: set[str], texts: Mapping[str, str]) -> list[Problem]:
    """Where a rendered document writes the party otherwise than the deal file does anywhere (a heading in capitals aside)."""
    words = re.findall(r"[^\W_]+", name)
    if not words:
        return []
    tail = r"\.?" if name.endswith(".") else ""
    pattern = re.compile(r"(?<![^\W_])" + r"[^\w]+".join(map(re.escape, words)) + r"(?![^\W_])" + tail, re.IGNORECASE)
    capitals = {s.upper() for s in spelled}
    problems = []
    for file, text in texts.items():
        lines: dict[str, list[int]] = {}  # each other spelling and the lines that write it
        for match in pattern.finditer(text):
            written = " ".join(match.group(0).split())
            if written not in spelled and not (written.isupper() and written in capitals):  # the deal file's (told above), a heading in capitals
                lines.setdefault(written, []).append(text.count("\n", 0, match.start()) + 1)
        for written, at in lines.items():
            more = f" (and {len(at) - 1} more)" if len(at) > 1 else ""
            message = (
                f"{file} line {at[0]}{more} writes {written!r}, the deal file {name!r}: a party's name is spelled one way in every document; "
                "correct the template that writes it, or the deal file"
            )
            problems.append(dataclasses.replace(loaded.problem(loc, written, message), severity=Severity.WARNING))
    return problems
