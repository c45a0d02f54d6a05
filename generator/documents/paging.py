"""Letter pages in EDGAR text.

Paragraphs are kept whole, a footnote goes at the foot of page one, and continuation pages
are headed by the template's own `continuation(page)` block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from generator import edgar
from generator.edgar import PAGE

PAGE_LINES = 56
"""Lines of text on a page, header and footnote included."""

_GAP = re.compile(r"\n(?:[ ]*\n)+")


def _blocks(body: str) -> list[tuple[int, list[str]]]:
    """Paragraphs with the number of blank lines before each."""
    parts = _GAP.split(body.strip("\n"))
    gaps = [0] + [m.group(0).count("\n") - 1 for m in _GAP.finditer(body.strip("\n"))]
    return [(gap, part.split("\n")) for gap, part in zip(gaps, parts, strict=True)]


def paginate(body: str, continuation: Callable[[int], str], footnote: str = "", page_lines: int = PAGE_LINES) -> str:
    """Fill pages with whole paragraphs (a paragraph longer than a page is split by lines)."""
    pages: list[list[str]] = [[]]
    foot = ["", "-" * 16, *footnote.strip("\n").split("\n")] if footnote.strip() else []
    fresh = True  # nothing on the page yet but its header

    def room() -> int:
        return page_lines - len(pages[-1]) - (len(foot) if len(pages) == 1 else 0)

    def new_page() -> None:
        nonlocal fresh
        header = continuation(len(pages) + 1).strip("\n")
        pages.append([*header.split("\n"), "", ""] if header else [])
        fresh = True

    for gap, lines in _blocks(body):
        lead = [] if fresh else [""] * gap
        if len(lead) + len(lines) > room() and len(lines) <= page_lines // 2:
            new_page()
            lead = []
        pages[-1] += lead
        for line in lines:
            if room() <= 0:
                new_page()
            pages[-1].append(line)
        fresh = False
    if foot:  # the footnote sits at the foot of page one
        pages[0] += [""] * max(page_lines - len(pages[0]) - len(foot), 0) + foot
    return f"\n\n{PAGE}\n\n".join("\n".join(page) for page in pages) + "\n"


def layout_letter(module: Any) -> str:
    """A rendered letter template: its body, its `continuation` macro and its `footnote` text (both optional)."""
    return paginate(str(module), getattr(module, "continuation", lambda page: ""), getattr(module, "footnote", ""))


# --- documents with tables (the modern term sheet) --------------------------------------------

TEXT_PAGE = 60
"""Lines between two <PAGE> markers at most, the blank line on each side of a marker included."""
KEEP = 2
"""Lines a paragraph keeps on each side of a page break, and lines of what follows that a heading keeps with it."""
CONTINUED = " (continued)"
MOST_BLANK = Fraction(3, 10)
"""The most of a page (of `TEXT_PAGE` lines) that may stay blank when what follows does not start a new section."""
_RULE = re.compile(r"[ -]*-[ -]*")
_RUN = re.compile(r"-+")


class _Table:
    """A table block (<TABLE> ... </TABLE>) as `text_table` sets it: title, header, body, what follows the body."""

    def __init__(self, lines: list[str]) -> None:
        inner = lines[1:-1] if lines[-1].strip() == "</TABLE>" else lines[1:]
        blank = inner.index("") if "" in inner else 0
        rules = [n for n in range(blank + 1, len(inner)) if _RULE.fullmatch(inner[n])]
        self.laid_out = bool(rules)  # else a template's own table: kept whole, never continued
        head_end = next((n for n in rules if len(_RUN.findall(inner[n])) > 1), rules[0]) + 1 if rules else 0
        end = inner.index("", head_end) if rules and "" in inner[head_end:] else len(inner)
        self.title, self.head = inner[:blank] if rules else [], inner[blank:head_end]
        self.body, self.tail = inner[head_end:end], inner[end:]
        rule = inner[head_end - 1] if rules else ""
        self.last_column = rule.rstrip().rfind(" ")  # a figure row prints in the last column; a wrapped label does not
        self.width = max(len(rule.rstrip()), edgar.WIDTH)

    def lines(self) -> list[str]:
        return ["<TABLE>", *self.title, *self.head, *self.body, *self.tail, "</TABLE>"]

    def breaks(self) -> list[int]:
        """Body lines a page may end after: a whole row, at least `KEEP` lines of the body each side, never before a rule."""
        return [
            n for n in range(KEEP, len(self.body) - KEEP + 1) if self.laid_out
            and len(self.body[n - 1].rstrip()) > self.last_column and not _RULE.fullmatch(self.body[n])
        ]  # fmt: skip

    def piece(self, start: int, end: int) -> list[str]:
        """Body lines [start, end) as a table of their own: the title marked "(continued)" after the first piece, the header repeated."""
        title = self.title
        if start and title:
            title = [*edgar.center(title[0].strip() + CONTINUED, self.width).split("\n"), *title[1:]]
        tail = self.tail if end == len(self.body) else []
        return ["<TABLE>", *title, *self.head, *self.body[start:end], *tail, "</TABLE>"]


def _text_blocks(section: list[str]) -> list[tuple[int, list[str] | _Table]]:
    """A section's paragraphs (runs of lines) and tables, each with the blank lines before it."""
    blocks: list[tuple[int, list[str] | _Table]] = []
    gap, n = 0, 0
    while n < len(section):
        if not section[n].strip():
            gap, n = gap + 1, n + 1
            continue
        if section[n].strip() == "<TABLE>":
            end = next((m + 1 for m in range(n, len(section)) if section[m].strip() == "</TABLE>"), len(section))
            blocks.append((gap, _Table(section[n:end])))
        else:
            end = next((m for m in range(n, len(section)) if not section[m].strip() or section[m].strip() == "<TABLE>"), len(section))
            blocks.append((gap, section[n:end]))
        gap, n = 0, end
    return blocks


def _first(block: list[str] | _Table, room: int, whole_page: int | None = None) -> int:
    """Lines of a block the page must hold to start it: a paragraph's first `KEEP` lines, a table's header and first rows (or all of it).

    A table no taller than `whole_page` (the room of an empty page) is kept whole; without one, it may start here and continue.
    """
    if isinstance(block, _Table):
        whole = len(block.lines())
        breaks = block.breaks()
        kept = whole <= room or (whole_page is not None and whole <= whole_page)
        return whole if kept or not breaks else whole - len(block.body) + breaks[0] - len(block.tail)
    return len(block) if len(block) < 2 * KEEP else KEEP


def _too_blank(used: int, page_lines: int) -> bool:
    """Whether a page of `used` lines (the blank line on each side of its marker aside) would end more than `MOST_BLANK` blank."""
    return page_lines - used - 2 > MOST_BLANK * page_lines


def paginate_text(text: str, page_lines: int = TEXT_PAGE) -> str:
    """EDGAR text paged as a financial printer pages it.

    The template's own `<PAGE>` lines start new sections. Within a section, pages hold at most
    `page_lines` lines between markers; a paragraph breaks with at least two lines on each side;
    a heading or short lead-in (at most three lines) stays with the next two lines; a table that
    fits on a page is never split, a longer one continues on the next page under its title
    marked "(continued)" with its header repeated. No page ends more than `MOST_BLANK` blank
    unless the next section starts: a table that fits on a page but not in the room left, where
    moving it whole would leave the page too blank, starts here and continues.
    """
    room_lines = page_lines - 2  # the blank line on each side of a marker
    pages: list[list[str]] = []
    for section in _sections(text):
        pages.append([])
        blocks = _text_blocks(section)
        lead_in_stays = False  # a lead-in stayed on a too blank page: the table after it starts there too
        for index, (gap, block) in enumerate(blocks):
            lead = gap if pages[-1] else 0
            room = room_lines - len(pages[-1]) - lead
            size = len(block.lines()) if isinstance(block, _Table) else len(block)
            whole_page = None if lead_in_stays or _too_blank(len(pages[-1]) + lead, page_lines) else room_lines
            follow = 0
            if not isinstance(block, _Table) and size <= KEEP + 1 and index + 1 < len(blocks):
                after_gap, after = blocks[index + 1]
                follow = after_gap + _first(after, room - size - after_gap, whole_page)
            if isinstance(block, _Table):
                need = _first(block, room, whole_page)
            else:
                need = size + follow if follow else _first(block, room)
            turned = bool(pages[-1]) and need > room
            if turned:
                _turn(pages)
                lead = 0
            lead_in_stays = bool(follow) and whole_page is None and not turned
            pages[-1] += [""] * lead
            if isinstance(block, _Table):
                _place_table(block, pages, room_lines)
            else:
                _place_paragraph(block, pages, room_lines)
    return f"\n\n{PAGE}\n\n".join("\n".join(page) for page in pages if page) + "\n"


def _sections(text: str) -> list[list[str]]:
    """The text's lines between the template's own <PAGE> markers, blank lines at either end dropped."""
    sections: list[list[str]] = [[]]
    for line in text.strip("\n").split("\n"):
        if line.strip() == PAGE:
            sections.append([])
        else:
            sections[-1].append(line.rstrip())
    trimmed = ["\n".join(section).strip("\n").split("\n") for section in sections]
    return [section for section in trimmed if any(line.strip() for line in section)]


def _place_paragraph(lines: list[str], pages: list[list[str]], room_lines: int) -> None:
    """A paragraph onto the pages: broken with at least `KEEP` lines on each side."""
    while lines:
        room = room_lines - len(pages[-1])
        if len(lines) <= room:
            pages[-1] += lines
            return
        take = min(room, len(lines) - KEEP)
        if take < KEEP:  # too little room to break here: the paragraph starts the next page
            take = room if not pages[-1] else 0  # a page of one paragraph's lines alone
        pages[-1] += lines[:take]
        lines = lines[take:]
        _turn(pages)


def _place_table(table: _Table, pages: list[list[str]], room_lines: int) -> None:
    """A table onto the pages: whole when it fits, else in pieces, each under the title and header."""
    start = 0
    while True:
        room = room_lines - len(pages[-1])
        piece = table.piece(start, len(table.body))
        if len(piece) <= room:
            pages[-1] += piece
            return
        overhead = len(table.piece(start, start))  # <TABLE>, title, header and </TABLE>
        ends = [n for n in table.breaks() if n > start and n - start + overhead <= room and n - start >= KEEP]
        if not ends:
            if pages[-1]:
                _turn(pages)
                continue
            ends = [start + max(room - overhead, 1)]  # a header taller than a page: cut where the page ends
        pages[-1] += table.piece(start, ends[-1])
        start = ends[-1]
        _turn(pages)


def _turn(pages: list[list[str]]) -> None:
    """A new page; the blank lines that ended the last one are dropped."""
    while pages[-1] and not pages[-1][-1].strip():
        pages[-1].pop()
    pages.append([])


def layout_text(module: Any) -> str:
    """A rendered document with tables (the modern term sheet) as EDGAR text pages."""
    return paginate_text(str(module))
