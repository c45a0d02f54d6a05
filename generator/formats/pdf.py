"""PDF through WeasyPrint: the `.html.j2` templates, the project's own fonts, reproducible bytes."""

from __future__ import annotations

import calendar
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from markupsafe import Markup

from generator.deal.loading import LoadedDeal
from generator.documents.grids import FILTERS as GRID_FILTERS
from generator.documents.registry import Document
from generator.errors import Problem, TemplateProblemError
from generator.formats.rendered import Rendered
from generator.formats.typography import typographic
from generator.processes import gc_paused
from generator.templating.environment import environment
from generator.templating.files import pdf_fetcher
from generator.templating.folders import templates_dir
from generator.templating.running import guarded, run_template

T = TypeVar("T")


def render_html(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> str:
    """The HTML a document's PDF is set from: autoescaped, with metadata fixed by the deal rather than the clock.

    Takes the arguments every format takes (see `Renderer`).

    Returns:
        The HTML text.

    Raises:
        DealdocsError: The deal, its tape or a template has problems.
    """
    from generator.formats.fonts import faces
    from generator.formats.highlight import PDF_MARK, highlight_html, placeholder_pattern

    env = environment([*search_path, templates_dir()], autoescape=True, filters=GRID_FILTERS)
    env.finalize = typographic  # curly quotes and dashes on the page; EDGAR text keeps ASCII
    properties = document.properties(loaded)
    page = {
        "title": properties.title, "author": properties.author, "subject": properties.subject,
        "created": document.dated(loaded), "fonts": faces(loaded.deal.style.typeface), "footnote": superscript_footnote,
    }  # fmt: skip
    html = run_template(env, f"{document.name}.html.j2", {**(context or document.context(loaded, tape)), **page}, str)
    return highlight_html(html, placeholder_pattern(loaded), PDF_MARK)


def render_pdf(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """One document as a print-quality PDF through WeasyPrint; the same inputs give the same bytes.

    Takes the arguments every format takes (see `Renderer`).

    Returns:
        The PDF's bytes.

    Raises:
        DealdocsError: The deal, its tape or a template has problems, or the HTML refers to a
            file outside the template folders.
        OSError: WeasyPrint cannot load Pango from the system.
    """
    html, made = layout(loaded, document, tape, search_path, context)
    pdf = _in_budget(loaded, document, search_path, lambda: made.write_pdf(pdf_identifier=pdf_identifier(html)))
    return Rendered(document.name, "pdf", pdf)


def layout(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> tuple[str, Any]:
    """The document's print HTML and WeasyPrint's layout of it: what its PDF writes, and where its printed EDGAR HTML breaks.

    Laid out the same way for both (the fonts dealdocs ships, files of the template folders only,
    no `@import`, the template's time budget; see `laid_out`), and once for both.

    Raises:
        DealdocsError: The deal, its tape or a template has problems, or the HTML refers to a
            file outside the template folders.
    """
    from generator.formats.fonts import font_folder

    html = render_html(loaded, document, tape, search_path, context)
    fetcher = pdf_fetcher([*search_path, templates_dir()], also=[font_folder(loaded.deal.style.typeface)])  # imports WeasyPrint
    import weasyprint

    def parsed(text: str) -> Any:
        source = weasyprint.HTML(string=text, base_url=str(templates_dir()), url_fetcher=fetcher)
        for css in _styles(source.etree_element):
            fetcher.check_imports(css, templates_dir().as_uri() + "/")
        return source

    return html, _in_budget(loaded, document, search_path, lambda: laid_out(html, search_path, parsed))


def _in_budget(loaded: LoadedDeal, document: Document, search_path: Sequence[Path], work: Callable[[], T]) -> T:
    """WeasyPrint's `work` under the template's time budget, dated as the document, the collector paused; a refused fetch a message."""
    from weasyprint.urls import FatalURLFetchingError

    template = f"{document.name}.html.j2"

    def dated() -> T:
        with source_date(document.dated(loaded)), gc_paused():  # fontTools stamps font subsets with this, not with now
            return work()

    try:
        return guarded(environment(search_path), template, dated)
    except FatalURLFetchingError as exc:
        raise TemplateProblemError([Problem(template, None, None, None, str(exc))]) from None


def pdf_identifier(*html: str) -> bytes:
    """The PDF's identifier, a hash of the HTML it is set from: where the fonts are installed is no part of the document."""
    portable = (re.sub(r'url\("file://[^"]*/', 'url("', part) for part in html)
    return hashlib.sha256("".join(portable).encode()).hexdigest()[:32].encode()


_LAID_OUT: dict[tuple[str, tuple[Path, ...]], Any] = {}


def laid_out(html: str, search_path: Sequence[Path], document: Callable[[str], Any]) -> Any:
    """WeasyPrint's pages of `html` (`document` makes WeasyPrint's document of an HTML text), the last layout kept.

    A table that broke across pages is cut at the same rows and laid out again (`split_tables`, as the printed
    EDGAR HTML cuts its tables), so that each page it continues on opens with its title marked "(continued)"
    and its header; a table kept whole that left the page before it too blank (`stranded_table`) is let
    break and laid out again. Only a document with such a table is laid out again, once more for each
    (each cut moves what follows it). The PDF and the printed EDGAR HTML's page breaks
    (generator/formats/htm.py) ask for the same layout, the costly step.
    """
    from generator.documents.paging import CONTINUED
    from generator.formats.htm import split_tables

    key = (html, tuple(search_path))
    if key not in _LAID_OUT:
        _LAID_OUT.clear()
        with gc_paused():
            text, source = html, document(html)
            made = source.render()
            while True:
                row = broken_row(made, source.etree_element)
                cut = text if row is None else split_tables(text, {row}, CONTINUED.strip())
                if cut == text and (kept := stranded_table(made, source.etree_element)) is not None:
                    cut = _released(text, kept)
                if cut == text:
                    break
                text, source = cut, document(cut)
                made = source.render()
        _LAID_OUT[key] = made
    return _LAID_OUT[key]


_GRIDBOX = re.compile(r'<div class="gridbox[^"]*"')


def _released(text: str, number: int) -> str:
    """`text` with its `number`th table box (`div.gridbox`, counted from 0) no longer kept whole: it may break over pages."""
    match = next(m for n, m in enumerate(_GRIDBOX.finditer(text)) if n == number)
    return text[: match.start()] + match.group(0).replace(" keep", "") + text[match.end() :]


def stranded_table(made: Any, root: Any) -> int | None:
    """The number (in document order, from 0) of a table kept whole (`div.gridbox.keep`) that a page left more than `MOST_BLANK` blank.

    Such a table fits on a page but not in what is left of the one before, so it opened the next
    page, perhaps under its lead-in (`p.lead`); the rule that keeps it whole gives way to the rule
    that no page ends that blank unless something must start a new page: a forced break (`.page`,
    a table set on pages of another size) before it leaves the page as it is.
    """
    from generator.documents.paging import MOST_BLANK

    tables = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.rpartition("}")[2] == "div" and "gridbox" in _classes(e)]
    pages = [list(_leaves(page._page_box)) for page in made.pages]
    seen: set[Any] = set()  # the elements of the pages so far
    for number, leaves in enumerate(pages[1:], 1):
        before = made.pages[number - 1]
        seen.update(box.element for _, chain in pages[number - 1] for box in chain)
        lead = [chain for _, chain in leaves[:1] if any("lead" in _classes(box.element) for box in chain)]
        opening = next((chain for _, chain in leaves if not lead or chain != lead[0]), ())  # what follows a lead-in, else the first
        table = next((box.element for box in opening if "keep" in _classes(box.element) and box.element in tables), None)
        if table is None or _forced(before, made.pages[number], leaves[0][1], seen):
            continue
        if _blank(before._page_box, pages[number - 1]) > MOST_BLANK:
            return tables.index(table)
    return None


def _classes(element: Any) -> list[str]:
    """An element's classes."""
    return str(element.get("class", "")).split()


def _leaves(page: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """The lines and table rows of a page's flow (not its footnotes or margins), each with the boxes it sits in, outermost first.

    One box an element: the outermost this page made for it.
    """
    from weasyprint.formatting_structure import boxes

    def walk(box: Any, chain: tuple[Any, ...]) -> Iterator[tuple[Any, tuple[Any, ...]]]:
        if box.element is not None and (not chain or chain[-1].element is not box.element):
            chain = (*chain, box)
        if isinstance(box, boxes.LineBox | boxes.TableRowBox):
            yield box, chain
            return
        for child in getattr(box, "children", ()):
            yield from walk(child, chain)

    yield from walk(page.children[0], ())  # the root's box; footnotes and margin boxes follow it


def _forced(before: Any, page: Any, opening: tuple[Any, ...], seen: set[Any]) -> bool:
    """Whether the page break before `page` is one the document asks for (the boxes `opening` it starts a new section's), or a new page size."""
    if (before.width, before.height) != (page.width, page.height):
        return True
    return any(box.element not in seen and box.style["break_before"] in ("page", "left", "right", "recto", "verso") for box in opening)


def _blank(page: Any, leaves: list[tuple[Any, tuple[Any, ...]]]) -> float:
    """How much of a page's content area its flow (its `leaves`) leaves blank above its footnotes (or its foot)."""
    from weasyprint.formatting_structure import boxes

    top, height = page.content_box_y(), page.height
    bottom = top + height
    for area in page.children[1:]:
        if isinstance(area, boxes.FootnoteAreaBox):
            bottom = min(bottom, area.position_y)
    used = max((box.position_y + box.height for box, _ in leaves), default=top)
    return float((bottom - used) / height)


def broken_row(made: Any, root: Any) -> int | None:
    """The row (numbered over every <tr> of the document `root`) that opens the first page a table of `PDF_TABLES` continues on.

    Only the first in the document: what follows it flows again under the continued title (a line taller
    than the repeated header alone), so a later break is known only from the next layout.
    """
    from weasyprint.formatting_structure import boxes

    from generator.formats.htm import PDF_TABLES

    classes = {form.table_class for form in PDF_TABLES}
    seen: set[int] = set()
    for page in made.pages:
        for table in _boxes(page._page_box, boxes.TableBox):
            body = [row for group in table.children if not group.is_header for row in group.children]
            if id(table.element) in seen and body and classes & set(_classes(table.element)):
                rows = (e for e in root.iter() if isinstance(e.tag, str) and e.tag.rpartition("}")[2] == "tr")
                return next(n for n, e in enumerate(rows) if e is body[0].element)
            seen.add(id(table.element))
    return None


def _boxes(box: Any, kind: type) -> Iterator[Any]:
    """The boxes of `kind` in `box`, in order (not looking inside one)."""
    if isinstance(box, kind):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _boxes(child, kind)


def _styles(root: Any) -> list[str]:
    """The text of each `<style>` element of the page as WeasyPrint parsed it."""
    return ["".join(e.itertext()) for e in root.iter() if isinstance(e.tag, str) and e.tag.rpartition("}")[2] == "style"]


def superscript_footnote(number: int) -> Markup:
    """The page marks a footnote with a raised number, as a printed filing does (EDGAR text writes '(1)')."""
    return Markup(f'<sup class="footnote-ref">{number}</sup>')


@contextmanager
def source_date(day: date) -> Iterator[None]:
    """SOURCE_DATE_EPOCH set to `day` for the duration: the reproducible-builds convention tools honour."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(day.timetuple()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
