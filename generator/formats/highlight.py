"""Placeholders marked where a format can show it: a reviewer sees at a glance what the deal file left open.

The bracketed text is what every format prints (`generator.deal.placeholders`); this adds a
highlight where it costs nothing to the words: a yellow background in the PDF and in Word, red
type in EDGAR HTML (whose allowed markup has a font colour but no background).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from generator.deal.loading import LoadedDeal
from generator.deal.placeholders import open_fields
from generator.formats.docx_grids import W as _W

PDF_MARK = ('<span style="background-color: #ffff00">', "</span>")
EDGAR_MARK = ('<font color="#c00000">', "</font>")

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_AFTER_HIGHLIGHT = frozenset(f"{_W}{name}" for name in "u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath".split())
"""The run properties Word's schema orders after `highlight` (a property out of order makes Word call the file damaged)."""


def placeholder_pattern(loaded: LoadedDeal) -> re.Pattern[str] | None:
    """The placeholders the deal leaves open, in any case ('[DEPOSITOR NAME]' on a cover), longest first; None when none is."""
    texts = sorted({str(placeholder) for _, placeholder in open_fields(loaded.deal)}, key=lambda t: (-len(t), t))
    return re.compile("|".join(map(re.escape, texts)), re.IGNORECASE) if texts else None


def highlight_html(html: str, pattern: re.Pattern[str] | None, mark: tuple[str, str]) -> str:
    """The HTML with each placeholder of its body's text wrapped in `mark`; tags, attributes and the head as they were."""
    if pattern is None:
        return html
    body = re.search(r"<body[^>]*>", html, re.IGNORECASE)
    start = body.end() if body else 0
    pieces = re.split(r"(<[^>]*>)", html[start:])  # text at even places, tags at odd ones
    marked = [piece if i % 2 else pattern.sub(lambda m: f"{mark[0]}{m.group()}{mark[1]}", piece) for i, piece in enumerate(pieces)]
    return html[:start] + "".join(marked)


def highlight_docx(body: Any, pattern: re.Pattern[str] | None) -> None:
    """Each placeholder of a Word body set in a run of its own, highlighted yellow, with the properties of the run it was in."""
    if pattern is None:
        return
    for text in list(body.iter(f"{_W}t")):
        run = text.getparent()
        own = [child for child in run if child.tag != f"{_W}rPr"]
        if run.tag != f"{_W}r" or own != [text] or not pattern.search(text.text or ""):
            continue  # a run with a tab or a break beside its text keeps its placeholder unmarked, still bracketed
        for piece, matched in _pieces(text.text or "", pattern):
            part = copy.deepcopy(run)
            part_text = part.find(f"{_W}t")
            part_text.text = piece
            part_text.set(_XML_SPACE, "preserve")
            if matched:
                _highlight(part)
            run.addprevious(part)
        run.getparent().remove(run)


def _pieces(text: str, pattern: re.Pattern[str]) -> list[tuple[str, bool]]:
    """The text cut at its placeholders: (piece, is a placeholder), empty pieces left out."""
    pieces, at = [], 0
    for found in pattern.finditer(text):
        pieces += [(text[at : found.start()], False), (found.group(), True)]
        at = found.end()
    return [(piece, matched) for piece, matched in [*pieces, (text[at:], False)] if piece]


def _highlight(run: Any) -> None:
    from lxml import etree

    properties = run.find(f"{_W}rPr")
    if properties is None:
        properties = etree.Element(f"{_W}rPr")
        run.insert(0, properties)
    mark = etree.Element(f"{_W}highlight")
    mark.set(f"{_W}val", "yellow")
    later = next((child for child in properties if child.tag in _AFTER_HIGHLIGHT), None)
    if later is None:
        properties.append(mark)
    else:
        later.addprevious(mark)
