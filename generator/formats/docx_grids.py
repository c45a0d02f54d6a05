"""Column widths and page orientation for the modern term sheet's tables in Word, as the PDF's layout gives them.

docxtpl makes a template column repeated for every figure into as many columns, each an even share
of the template's width, so the label column comes out narrow: labels the PDF sets on one line
wrap in the DOCX, and its tables run longer than the PDF's. Once a document is rendered, each
table whose first row is in the `Grid Head` style gets the widths that automatic table layout
(CSS 2.1, as WeasyPrint sets `table.grid` of grid.css) gives the same cells: every column at least
as wide as its longest word (a figure does not wrap) and at most as its longest line, with its
cell margins, shared out over the table's width. Text is measured in the deal's typeface.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from generator.formats.fonts import regular_face

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SIZE = 8.5
"""Points: the grid styles' text, as grid.css sets table.grid (docx_templates builds the styles at this size)."""
LINE = 1.15
"""The grid styles' line height, in ems, as grid.css sets table.grid's."""

SECTION_MARK = "dealdocs-landscape-section"
"""The text of the paragraphs the Word template sets on either side of a table on landscape pages: `orient_sections` makes them section breaks."""
LANDSCAPE_MARK = "dealdocs-landscape-document"
"""The text of the paragraph the Word template sets when every page is landscape: `orient_sections` turns the document's pages."""


@cache
def _advances(typeface: str) -> tuple[dict[int, float], float]:
    """Each character's advance in the typeface's regular face, in ems; and that of a character the face lacks."""
    from fontTools.ttLib import TTFont

    font = TTFont(regular_face(typeface), lazy=True)
    em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    return {code: metrics[glyph][0] / em for code, glyph in font.getBestCmap().items()}, metrics[".notdef"][0] / em


def _measure(typeface: str) -> Callable[[str], float]:
    """A function giving the width in points of a line of text in the grid styles."""
    advances, missing = _advances(typeface)
    return lambda text: sum(advances.get(ord(c), missing) for c in text) * SIZE


def _lines(cell: Any) -> list[str]:  # an lxml element (lxml is untyped)
    """A cell's lines: its paragraphs, each broken at its line breaks."""
    paragraphs = ["".join((node.text or "") if node.tag == f"{W}t" else "\n" for node in p.iter(f"{W}t", f"{W}br")) for p in cell.iter(f"{W}p")]
    return "\n".join(paragraphs).split("\n")


def _find(element: Any, *path: str) -> Any:
    """The element down `path` (tags in Word's namespace) or None (lxml's iterchildren runs in C, its find in Python)."""
    for tag in path:
        if element is None:
            return None
        element = next(element.iterchildren(f"{W}{tag}"), None)
    return element


def _points(margin: Any) -> float:
    """A margin (`w:left`, `w:right`) in points; none is 0."""
    return 0.0 if margin is None else int(margin.get(f"{W}w")) / 20


def _box(cell: Any, defaults: Any) -> tuple[int, float]:
    """How many grid columns a cell spans, and its left and right margins together in points: its own, else the table's."""
    props = _find(cell, "tcPr")
    span, own = _find(props, "gridSpan"), _find(props, "tcMar")
    margins = 0.0
    for side in ("left", "right"):
        edge = _find(own, side)
        margins += _points(edge if edge is not None else _find(defaults, side))
    return (1 if span is None else int(span.get(f"{W}val"))), margins


def _text_width(document: Any) -> int:
    """The width between the page margins of a document (`w:document`), in twips: a table's width if its template gives none."""
    section = _find(document, "body", "sectPr")
    page, margins = _find(section, "pgSz"), _find(section, "pgMar")
    return int(page.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))


def column_widths(shortest: Sequence[float], widest: Sequence[float], width: float) -> list[float]:
    """Widths of columns whose content is `shortest` wide at least and `widest` at most, to fill `width`, as CSS's automatic layout shares it.

    Columns that fit at their widest share the room left in proportion to those widths; else each
    column gets its shortest and the same fraction of the rest up to its widest; a table whose
    shortest widths do not fit (the PDF would run it into the margin) is scaled down to `width`.
    """
    low, high = sum(shortest), sum(widest)
    if high <= width:
        return [w * width / high for w in widest]
    if low <= width:
        share = (width - low) / (high - low)
        return [s + (w - s) * share for s, w in zip(shortest, widest, strict=True)]
    return [s * width / low for s in shortest]


def fit_grid_tables(document: Any, typeface: str) -> None:
    """Set the column widths of every modern term sheet table of a rendered document (its `w:document`) as the PDF sets them.

    A heading cell wraps between words to the width its column's figures and labels take (Word
    breaks it, not a line break), no wider than its longest part (each its own `w:t`, the line the
    PDF stacks it on), as do the labels; a figure does not. A cell spanning
    columns (a cross-tab's heading over its figures) is left out of the measure. The widths go in
    the grid (which LibreOffice reads) and in every cell (which Word reads); the table keeps the
    width its template gives it in twips, and takes the width between the margins if it gives none
    (a template exported before tables had one).
    """
    from lxml import etree

    measure = _measure(typeface)
    for table in document.iter(f"{W}tbl"):
        rows = list(table.iterchildren(f"{W}tr"))
        style = _find(rows[0], "tc", "p", "pPr", "pStyle") if rows else None
        if style is None or style.get(f"{W}val") != "GridHead":
            continue
        defaults = _find(table, "tblPr", "tblCellMar")
        cells = [[(cell, *_box(cell, defaults)) for cell in row.iterchildren(f"{W}tc")] for row in rows]
        count = max(sum(span for _, span, _ in row) for row in cells)
        shortest, widest = [0.0] * count, [0.0] * count
        for row, row_cells in zip(rows, cells, strict=True):
            heading = _find(row, "trPr", "tblHeader") is not None
            column = 0
            for cell, span, margins in row_cells:
                if span == 1:
                    lines = _lines(cell)
                    longest = max(map(measure, lines))
                    wraps = heading or column == 0
                    least = max([measure(word) for line in lines for word in line.split()], default=0.0) if wraps else longest
                    stacked = max([measure((t.text or "").strip()) for t in cell.iter(f"{W}t")], default=0.0)  # the PDF's lines of it
                    shortest[column] = max(shortest[column], least + margins)
                    widest[column] = max(widest[column], (max(least, stacked) if heading else longest) + margins)
                column += span
        width = _find(table, "tblPr", "tblW")
        if width.get(f"{W}type") != "dxa":
            width.set(f"{W}type", "dxa")
            width.set(f"{W}w", str(_text_width(document)))
        total = int(width.get(f"{W}w"))
        twips = [round(w * 20) for w in column_widths(shortest, widest, total / 20)]
        twips[0] += total - sum(twips)  # rounding's remainder, to the labels
        grid = _find(table, "tblGrid")
        for column_element in list(grid):
            grid.remove(column_element)
        for w in twips:
            etree.SubElement(grid, f"{W}gridCol", {f"{W}w": str(w)})
        for row, row_cells in zip(rows, cells, strict=True):
            column = 0
            for cell, span, _ in row_cells:
                _set_width(cell, sum(twips[column : column + span]))
                column += span
            if _find(row, "trPr", "tblHeader") is not None and all(span == 1 for _, span, _ in row_cells):
                _stacked_height(row, [cell for cell, _, _ in row_cells])


def _stacked_height(row: Any, cells: Sequence[Any]) -> None:
    """A heading row at least as tall as the PDF sets it, its headings stacked a part (`w:t`) a line.

    Word wraps them by the column's width, often on fewer lines; the row holds the rest of the PDF's height above them (they sit on the rule).
    """
    from lxml import etree

    parts = max(sum(1 for _ in cell.iter(f"{W}t")) for cell in cells)
    under = max(int(_find(cell, "tcPr", "tcMar", "bottom").get(f"{W}w")) for cell in cells)
    height = etree.SubElement(_find(row, "trPr"), f"{W}trHeight")
    height.set(f"{W}val", str(parts * round(SIZE * LINE * 20) + under))
    height.set(f"{W}hRule", "atLeast")


def _set_width(cell: Any, twips: int) -> None:
    """A cell's width (`w:tcW`, the first of its properties), in twentieths of a point."""
    from lxml import etree

    props = _find(cell, "tcPr")
    if props is None:
        props = etree.Element(f"{W}tcPr")
        cell.insert(0, props)
    width = _find(props, "tcW")
    if width is None:
        width = etree.Element(f"{W}tcW")
    props.insert(0, width)  # first: docxtpl puts a `{% colspan %}` cell's gridSpan before it
    width.set(f"{W}type", "dxa")
    width.set(f"{W}w", str(twips))


def orient_sections(document: Any) -> None:
    """Turn the pages of a rendered document (its `w:document`) that its template marks landscape, as the PDF's named pages turn.

    A `LANDSCAPE_MARK` paragraph turns every page. Else each `SECTION_MARK` paragraph ends a section:
    the first of a pair the upright one before a table, the second the landscape one around it
    (pairs with nothing between them, a landscape table right after another, are one section; a
    landscape table that ends the document is in its last section). A
    section is the document's own (`w:sectPr`: margins, footer) with `w:pgSz` turned (`w:orient`,
    width and height swapped); a page number runs on through the sections; only the first section
    keeps a title page of its own (`w:titlePg`). A table as wide as the upright text is made as
    wide as the landscape text, which `fit_grid_tables` then shares among its columns.
    """
    from copy import deepcopy

    body = _find(document, "body")
    final = _find(body, "sectPr")
    marks = [p for p in body.iterchildren(f"{W}p") if _text(p) in (SECTION_MARK, LANDSCAPE_MARK)]
    if not marks:
        return
    upright = _text_width(document)
    if any(_text(p) == LANDSCAPE_MARK for p in marks):
        for paragraph in marks:
            body.remove(paragraph)
        _turn(final)
        _widen(body.iterchildren(f"{W}tbl"), upright, _text_width(document))
        return
    kept: list[Any] = []
    for paragraph in marks:
        if kept and len(kept) % 2 == 0 and kept[-1].getnext() is paragraph:  # one landscape section for two tables in a row
            body.remove(kept.pop())
            body.remove(paragraph)
        else:
            kept.append(paragraph)
    landscape = _landscape_width(final)
    if kept[-1].getnext() is final:  # the document ends with a landscape table: its section is the last, no blank upright page after it
        body.remove(kept.pop())
        _widen([e for e in _between(kept[-1], final) if e.tag == f"{W}tbl"], upright, landscape)
    first = deepcopy(final)
    for title_page in final.iterchildren(f"{W}titlePg"):
        final.remove(title_page)  # the cover is in the first section
    for n, paragraph in enumerate(kept):
        section = first if n == 0 else deepcopy(final)
        if n % 2:
            _turn(section)
            _widen([e for e in _between(kept[n - 1], paragraph) if e.tag == f"{W}tbl"], upright, landscape)
        _section_paragraph(paragraph, section)
    if len(kept) % 2:
        _turn(final)


def turn_margins(document_part: Any) -> None:
    """Give the landscape sections of a rendered document (its python-docx `DocumentPart`) headers and footers whose tabs follow the page.

    Their centred and right tab stops are set for the upright text's width: on a landscape page
    the running footer's series would sit left of the middle and "Page N of M" short of the right
    margin. Each landscape section's headers and footers are moved by the width the page gained:
    a centred tab by half of it, a right tab by all of it (as Word's tabs relative to the margins
    move, which LibreOffice does not honour). One an upright section also shows is copied first,
    as a part of its own.
    """
    from copy import deepcopy

    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.parts.hdrftr import FooterPart, HeaderPart

    sections = list(_find(document_part.element, "body").iter(f"{W}sectPr"))
    landscape = [s for s in sections if _find(s, "pgSz").get(f"{W}orient") == "landscape"]
    for tag, kind, relation in (("headerReference", HeaderPart, RT.HEADER), ("footerReference", FooterPart, RT.FOOTER)):
        upright = {ref.get(_RID) for s in sections if s not in landscape for ref in s.iterchildren(f"{W}{tag}")}
        turned: dict[str, str] = {}  # a part's relationship id -> that of its landscape version (itself, if no upright page shows it)
        for section in landscape:
            page = _find(section, "pgSz")
            gained = int(page.get(f"{W}w")) - int(page.get(f"{W}h"))
            for reference in section.iterchildren(f"{W}{tag}"):
                shown = reference.get(_RID)
                if shown not in turned:
                    original = document_part.rels[shown].target_part  # as rendered: docxtpl replaces the part
                    if shown in upright:
                        copy = kind.new(document_part.package)
                        copy.element[:] = [deepcopy(child) for child in original.element]
                        for rel in original.rels.values():  # what its pictures and links point to
                            copy.load_rel(rel.reltype, rel._target, rel.rId, rel.is_external)
                        turned[shown], original = document_part.relate_to(copy, relation), copy
                    else:
                        turned[shown] = shown
                    _move_tabs(original.element, document_part, gained)
                reference.set(_RID, turned[shown])


_RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _move_tabs(story: Any, document_part: Any, gained: int) -> None:
    """The centred and right tab stops of a header's or footer's paragraphs (`w:hdr`, `w:ftr`), their styles' included, moved by half and all of `gained`."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Twips
    from docx.text.paragraph import Paragraph

    moves = {WD_TAB_ALIGNMENT.CENTER: gained // 2, WD_TAB_ALIGNMENT.RIGHT: gained}
    for element in story.iter(f"{W}p"):
        paragraph = Paragraph(element, document_part)  # its style is looked up in the document's styles
        chain: list[Any] = []
        style = paragraph.style
        while style is not None:
            chain.insert(0, style)
            style = style.base_style
        stops: dict[int, Any] = {}  # position in twips -> alignment, as Word resolves a paragraph's tabs
        own = paragraph.paragraph_format.tab_stops
        for tabs in [*(s.paragraph_format.tab_stops for s in chain), own]:
            for stop in tabs:
                if stop.alignment == WD_TAB_ALIGNMENT.CLEAR:
                    stops.pop(stop.position.twips, None)
                else:
                    stops[stop.position.twips] = stop.alignment
        for position, alignment in stops.items():
            if alignment in moves:
                for index in reversed([n for n, stop in enumerate(own) if stop.position.twips == position]):
                    del own[index]
                own.add_tab_stop(Twips(position), WD_TAB_ALIGNMENT.CLEAR)
                own.add_tab_stop(Twips(position + moves[alignment]), alignment)


def _text(paragraph: Any) -> str:
    """A paragraph's text (its `w:t`s)."""
    return "".join(t.text or "" for t in paragraph.iter(f"{W}t")).strip()


def _between(start: Any, end: Any) -> list[Any]:
    """The siblings after `start` and before `end`."""
    found = []
    for element in start.itersiblings():
        if element is end:
            break
        found.append(element)
    return found


def _landscape_width(section: Any) -> int:
    """The width between the margins of a section's page turned on its side, in twips."""
    page, margins = _find(section, "pgSz"), _find(section, "pgMar")
    return int(page.get(f"{W}h")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))


def _turn(section: Any) -> None:
    """A section's (`w:sectPr`'s) page on its side: landscape, its width and height swapped; the margins stay the page's."""
    page = _find(section, "pgSz")
    width, height = page.get(f"{W}w"), page.get(f"{W}h")
    page.set(f"{W}w", height)
    page.set(f"{W}h", width)
    page.set(f"{W}orient", "landscape")


def _widen(tables: Any, upright: int, landscape: int) -> None:
    """Each table as wide as the upright text (twips) made as wide as the landscape text."""
    for table in tables:
        width = _find(table, "tblPr", "tblW")
        if width is not None and width.get(f"{W}type") == "dxa" and int(width.get(f"{W}w")) == upright:
            width.set(f"{W}w", str(landscape))


def _section_paragraph(paragraph: Any, section: Any) -> None:
    """A marked paragraph made the end of `section`: no text, a point high, carrying the section's properties."""
    from lxml import etree

    for child in list(paragraph):
        paragraph.remove(child)
    props = etree.SubElement(paragraph, f"{W}pPr")
    etree.SubElement(props, f"{W}spacing", {f"{W}before": "0", f"{W}after": "0", f"{W}line": "20", f"{W}lineRule": "exact"})
    props.append(section)
