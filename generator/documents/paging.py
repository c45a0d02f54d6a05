"""Letter pages in EDGAR text.

Paragraphs are kept whole, a footnote goes at the foot of page one, and continuation pages
are headed by the template's own `continuation(page)` block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

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
