"""EDGAR HTML: the `.htm.j2` templates, autoescaped, as ASCII bytes, paged as the EDGAR text and checked.

Since 2017 EDGAR wants a Form 8-K and its exhibits in HTML (Filer Manual, Vol. II, ch. 5). The
words come from the same prose modules as every other format. Every character outside ASCII is
written as a character reference, and the output is checked against EDGAR's HTML rules
(`edgar_check`) before it is returned: a built-in template that breaks one is a bug in dealdocs
(an `AssertionError`), a user's template that does is the user's problem, its file named.

Pages: printed, the HTML shows the PDF's pages. The PDF's layout (WeasyPrint's) says where each
page starts, counted in body words (`pdf_page_starts`); the HTML breaks before the block that holds
that word, with the template's `continuation(page)` header after the break and its
`page_number(page, pages)` at the foot of each page. A table the PDF breaks is broken at the same row
and continued as a table of its own (EDGAR has no <thead>): its title row (`<tr align="center">`)
with the template's `continued` words and its heading rows (`<tr valign="bottom">`) repeated.
The same splitter (`Pages`, told a table's form by `TableForm`) cuts the PDF's tables where
its first layout broke them (`split_tables`, called by generator/formats/pdf.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup

from generator.deal.loading import LoadedDeal
from generator.documents.grids import FILTERS as GRID_FILTERS
from generator.documents.registry import Document
from generator.errors import TemplateProblemError
from generator.formats import edgar_check
from generator.formats.highlight import EDGAR_MARK, highlight_html, placeholder_pattern
from generator.formats.rendered import Rendered
from generator.formats.typography import typographic
from generator.templating.environment import environment
from generator.templating.folders import templates_dir
from generator.templating.running import run_template

PAGE_BREAK = '<hr style="page-break-after:always;border:0;border-top:1px solid #999;margin:0 0 24pt 0">'
"""What `_base.htm.j2`'s `page_break()` draws: the one mark of a page break in dealdocs' EDGAR HTML."""

_BLOCK = re.compile(r"^<(?:p|table|div|hr|center|h[1-6])\b", re.MULTILINE)
_BODY = re.compile(r"(<body[^>]*>\n?)(.*)(</body>)", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
FOOTNOTE_RULE = '<hr style="width:1.5in;margin:18pt auto 6pt 0;border:0;border-top:1px solid #000">'
"""The short rule over a page's or a section's footnotes (`footnote_rule` in a template: the notes after it on its line)."""
_RULE = re.compile(r"^[-=_]{3,}$")
_DATA_RULES = frozenset({"bidi", "submission-markup"})


def render_htm(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """One document as EDGAR HTML (`NAME.htm`), checked against the Filer Manual's HTML rules.

    Args:
        loaded: The deal, from `load_deal`.
        document: Which document, e.g. `DOCUMENTS["term-sheet-8k"]`.
        tape: A loan tape to use instead of the deal file's.
        search_path: Template folders looked in before the built-in ones (see `template_dirs`).
        context: The template's context when already built; by default built from the deal.

    Returns:
        The HTML as text of ASCII characters only.

    Raises:
        DealdocsError: The deal, its tape or a template has problems, or a user's template wrote
            HTML that EDGAR refuses (the template and the rule named).
    """
    context = context or document.context(loaded, tape)
    starts = pdf_page_starts(loaded, document, tape, search_path, context)
    page = {"title": document.properties(loaded).title, "footnote": _raised_footnote, "footnote_rule": Markup(FOOTNOTE_RULE)}
    text = render_template(f"{document.name}.htm.j2", {**context, **page}, search_path, lambda module: paginate(module, starts))
    logo = context.get("logo")  # a letterhead's image: EDGAR shows only an image file of the submission
    attachments = {logo.file: Path(logo.path).read_bytes()} if logo is not None else {}
    return Rendered(document.name, "htm", highlight_html(text, placeholder_pattern(loaded), EDGAR_MARK), attachments=attachments)


def render_template(template: str, context: dict[str, Any], search_path: Sequence[Path], layout: Any = str) -> str:
    """Render an EDGAR HTML template to ASCII (character references for the rest) and check it.

    Also used for the submission's Form 8-K, which has no other format.
    """
    env = environment([*search_path, templates_dir()], autoescape=True, filters=GRID_FILTERS)
    env.finalize = typographic  # curly quotes and dashes, written as character references by ascii_html
    text = ascii_html(run_template(env, template, context, layout))
    problems = edgar_check.html_problems(text, template.removesuffix(".j2"))
    if problems:
        source = env.get_template(template).filename or template
        if Path(source).parent == templates_dir() and not any((folder / template).exists() for folder in search_path):
            if data := [p for p in problems if p.column in _DATA_RULES]:  # a built-in template printed what the deal's data said
                raise TemplateProblemError([replace(p, message=f"the deal's data (deal file or tape) put this into the HTML: {p.message}") for p in data])
            raise AssertionError(f"built-in template {template} wrote HTML that EDGAR refuses: {problems[0]}")
        raise TemplateProblemError(
            [type(p)(source, p.line, p.column, p.value, f"the template (or one it imports) wrote HTML that EDGAR refuses: {p.message}") for p in problems]
        )
    return text


def _raised_footnote(number: int) -> Markup:
    """A footnote call as a raised number, as on the printed page (EDGAR text writes '(1)')."""
    return Markup(f"<sup>{number}</sup>")


def ascii_html(text: str) -> str:
    """Every character outside ASCII as a numeric character reference ('&#233;'), as EDGAR requires."""
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def words(text: str) -> list[str]:
    """The words of EDGAR text or of HTML's text, rules ('-----', '____') left out, as the two are counted alike."""
    return [w for w in text.split() if not _RULE.match(w)]


def pdf_page_starts(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> list[int]:
    """Where each page after the first starts in the document's PDF, as counts of body words before it.

    Body words are those `words` counts, outside the page margins (running headers, footers, page
    numbers), the footnote area and a table's heading rows (repeated on each page a table runs onto).
    """
    from generator.formats.pdf import layout

    pages = layout(loaded, document, tape, search_path, context)[1].pages
    counted, starts = 0, []
    for number, page in enumerate(pages):
        if number:
            starts.append(counted)
        counted += len(words(_page_text(page._page_box)))
    return starts


def _page_text(box: Any, continued: bool = False) -> str:
    """The text a laid-out box shows in the page's body, line by line; a word broken at a dash is one word.

    A continued table's title (`split_tables`) is left out, as the table's heading rows are.
    """
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox) or (isinstance(box, boxes.TableRowGroupBox) and box.is_header):
        return ""
    if continued and isinstance(box, boxes.TableCaptionBox):
        return ""
    if isinstance(box, boxes.TextBox):
        return str(box.text)
    continued = continued or (box.element is not None and "continued" in str(box.element.get("class", "")).split())
    parts = [_page_text(child, continued) for child in getattr(box, "children", ())]
    if isinstance(box, boxes.LineBox):
        line = " ".join(parts)
        return line if line.rstrip().endswith(("-", "\u2014", "/")) else line + "\n"
    return (" " if isinstance(box, boxes.InlineBox) else "").join(parts)


def paginate(module: Any, starts: list[int] | None) -> str:
    """A rendered HTML document, its pages broken before the blocks where the PDF's pages start.

    A table the break falls in is cut at that row and continued with its title and heading rows.
    Its `footnote`, if any, goes at the foot of page one; its `page_number(page, pages)`, if any,
    at the foot of every page. Footnotes are not counted (the line a `FOOTNOTE_RULE` opens here,
    the footnote area in the PDF): the PDF sets them at the foot of a page, the HTML where its
    section ends.
    """
    out = str(module)
    if starts is None:
        return out
    found = _BODY.search(out)
    assert found, "an EDGAR HTML template has a <body>"
    head, body, tail = out[: found.start(2)], found.group(2).replace(PAGE_BREAK + "\n", "").replace(PAGE_BREAK, ""), out[found.end(2) :]
    cuts = [m.start() for m in _BLOCK.finditer(body)] + [len(body)]
    blocks = [body[:cuts[0]]] + [body[a:b] for a, b in pairwise(cuts)]
    footnote = str(getattr(module, "footnote", "")).strip()
    pages = Pages(module, len(starts) + 1, footnote)
    counted = 0
    pending = list(starts)
    for block in blocks:
        for piece in _table_rows(block) if block.startswith("<table") else [block]:
            size = 0 if piece.startswith((_HEADING_ROW, FOOTNOTE_RULE)) else len(words(html.unescape(_TAG.sub(" ", piece))))
            if pending and pending[0] < counted + size:
                while pending and pending[0] < counted + size:
                    pending.pop(0)
                pages.turn(piece)
            pages.add(piece)
            counted += size
    return head + pages.close() + tail


_HEADING_ROW = '<tr valign="bottom"'
_ROW = re.compile(r"<tr\b.*?</tr>\s*(?:</?t(?:head|body)>\s*)*", re.DOTALL)


def _table_rows(table: str) -> list[str]:
    """A table as the pieces a page may break between.

    Its opening, its rows (each with the row-group tags after it) and its closing (and what follows it).
    """
    rows = list(_ROW.finditer(table))
    if not rows:
        return [table]
    return [table[: rows[0].start()], *(m.group(0) for m in rows), table[rows[-1].end() :]]


@dataclass(frozen=True)
class TableForm:
    """How a kind of HTML table is cut at a row and continued on the next page."""

    opening: str  # how a table (or the block around it) begins
    heading_rows: tuple[str, ...]  # how its title and heading rows begin, the rows a continued piece repeats
    title: tuple[str, str]  # where its title starts and the end tag that closes it
    close: str  # what ends a piece cut at a row
    turn: str  # what a page turn writes before the page's foot is closed
    fresh: str  # what follows `opening` in a continued piece
    table_class: str = ""  # the class of its <table> element, by which a laid-out page's table is known as one of this form

    def continued(self, table: list[str], words: str) -> str:
        """`table`'s opening and heading rows again, its title followed by `words`."""
        text = "".join(table).replace(self.opening, self.opening + self.fresh, 1)
        at, end = self.title
        start = text.find(at)
        close = text.find(end, start)
        if start < 0 or close < 0 or not words or text[:close].endswith(words):  # a continued piece cut again keeps one mark
            return text
        return f"{text[:close]} {words}{text[close:]}"


EDGAR_TABLE = TableForm("<table", (_HEADING_ROW, '<tr align="center"'), ('<tr align="center"', "</td>"), "</table>\n", f"{PAGE_BREAK}\n", "")
"""An EDGAR HTML table (_grid.htm.j2): title and heading rows are rows of their own (EDGAR has no <thead>); a page break a rule."""


PDF_TABLES = (
    TableForm('<div class="gridbox', ("<tr><th",), ("<caption", "</caption>"), "</tbody>\n</table>\n</div>\n", "", " page continued", "grid"),
    TableForm('<table class="strat', ("<tr><th",), ("<caption", "</caption>"), "</tbody>\n</table>\n", "", " page continued", "strat"),
)
"""The tables of the PDF's HTML, titled by a <caption> and headed by a <thead>: the modern term sheet's (_grid.html.j2, in a box
with its note) and the Form 8-K's strat tables (term-sheet-8k.html.j2). A continued piece starts a page (print.css `.page`)."""


def split_tables(text: str, rows: set[int], words: str, forms: Sequence[TableForm] = PDF_TABLES) -> str:
    """`text` with each table of `forms` cut before the rows numbered in `rows` (counting every <tr> of `text` from 0).

    Each piece after a cut is continued on a new page under the table's title followed by `words`, and its heading rows.
    """
    pages = Pages(SimpleNamespace(continued=words), 0, "", forms[0])
    end = 0
    for block in re.finditer("(?:" + "|".join(re.escape(f.opening) for f in forms) + r").*?</table>", text, re.DOTALL):
        pages.form = next(f for f in forms if block.group(0).startswith(f.opening))
        pages.add(text[end : block.start()])
        row = text.count("<tr", 0, block.start())
        for piece in _table_rows(block.group(0)):
            if piece.startswith("<tr"):
                if row in rows:
                    pages.turn(piece)
                row += 1
            pages.add(piece)
        end = block.end()
    pages.add(text[end:])
    return pages.close()


class Pages:
    """The pieces of a document gathered page by page: a page turned at a block, or inside a table at a row."""

    def __init__(self, module: Any, count: int, footnote: str, form: TableForm = EDGAR_TABLE) -> None:
        self.module, self.count, self.footnote, self.form = module, count, footnote, form
        self.pieces: list[str] = []
        self.page, self.on_page = 1, False
        self.table: list[str] | None = None  # the open table's opening tag and heading rows, to repeat
        self.heading = False

    def add(self, piece: str) -> None:
        """`piece` on the current page; a table's opening tag and the heading rows after it are kept to repeat."""
        if piece.startswith(self.form.opening):
            self.table, self.heading = [piece], True
        elif self.table is not None and piece.startswith("<tr"):
            self.heading = self.heading and piece.startswith(self.form.heading_rows)
            if self.heading:
                self.table.append(piece)
        elif self.table is not None:
            self.table = None
        self.pieces.append(piece)
        self.on_page = self.on_page or bool(words(html.unescape(_TAG.sub(" ", piece))))

    def turn(self, piece: str) -> None:
        """A new page before `piece`, unless nothing is on this page yet (a block longer than a page runs on)."""
        if not self.on_page:
            return
        inside = self.table is not None and piece.startswith("<tr") and not self.heading
        carried = []
        if self.table is not None and self.heading:  # the page starts at the table's title: the whole table moves on
            carried = self.pieces[-len(self.table) :]
            del self.pieces[-len(self.table) :]
        if inside:
            self.pieces.append(self.form.close)
        self.pieces.append(self._foot())
        self.page, self.on_page = self.page + 1, False
        continuation = getattr(self.module, "continuation", None)
        self.pieces.append(self.form.turn)
        if continuation is not None:
            self.pieces.append(str(continuation(self.page)).strip() + "\n")
        if inside and self.table is not None:
            self.pieces.append(self.form.continued(self.table, str(getattr(self.module, "continued", ""))))
        self.pieces.extend(carried)

    def close(self) -> str:
        """The document's body: every page, the last one's foot included."""
        return "".join(self.pieces) + self._foot()

    def _foot(self) -> str:
        lead = _footnote(self.footnote) if self.page == 1 and self.footnote else ""
        number = getattr(self.module, "page_number", None)
        return lead + (str(number(self.page, self.count)).strip() + "\n" if number is not None else "")


def _footnote(footnote: str) -> str:
    return f"{FOOTNOTE_RULE}\n{footnote}\n"
