"""EDGAR HTML: the `.htm.j2` templates, autoescaped, as ASCII bytes, paged as the EDGAR text and checked.

Since 2017 EDGAR wants a Form 8-K and its exhibits in HTML (Filer Manual, Vol. II, ch. 5). The
words come from the same prose modules as every other format. Every character outside ASCII is
written as a character reference, and the output is checked against EDGAR's HTML rules
(`edgar_check`) before it is returned: a built-in template that breaks one is a bug in dealdocs
(an `AssertionError`), a user's template that does is the user's problem, its file named.

Pages: the term sheet's template draws its page breaks itself (where its EDGAR text has
`<PAGE>`); a letter's pages fall where its EDGAR text's pages fall (`paging`), so the HTML layout
asks the text where each page starts, counted in words, and breaks before the block that holds
that word, with the template's `continuation(page)` header after the break.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator.deal.loading import LoadedDeal
from generator.documents.grids import FILTERS as GRID_FILTERS
from generator.documents.paging import layout_letter
from generator.documents.registry import Document
from generator.edgar import PAGE
from generator.errors import TemplateProblemError
from generator.formats import edgar_check
from generator.formats.highlight import EDGAR_MARK, highlight_html, placeholder_pattern
from generator.formats.rendered import Rendered
from generator.formats.text import render_text
from generator.formats.typography import typographic
from generator.templating.environment import environment
from generator.templating.folders import templates_dir
from generator.templating.running import run_template

PAGE_BREAK = '<hr style="page-break-after:always;border:0;border-top:1px solid #999;margin:24pt 0">'
"""What `_base.htm.j2`'s `page_break()` draws: the one mark of a page break in dealdocs' EDGAR HTML."""

_BLOCK = re.compile(r"^<(?:p|table|div|hr|center|h[1-6])\b", re.MULTILINE)
_BODY = re.compile(r"(<body[^>]*>\n?)(.*)(</body>)", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
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
    starts = None
    if document.layout is layout_letter:
        starts = text_page_starts(render_text(loaded, document, tape, search_path, context).text)
    page = {"title": document.properties(loaded).title, "footnote": _raised_footnote}
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


def text_page_starts(text: str) -> list[int]:
    """Where each page after the first starts in an EDGAR letter, as counts of body words before it.

    A continuation page's header (the lines before its first two blank lines) and page one's
    footnote (below its 16-dash rule) are not body words.
    """
    counted, starts = 0, []
    for number, page in enumerate(text.split(f"\n{PAGE}\n")):
        page = page.strip("\n")
        if number:
            starts.append(counted)
            head, gap, rest = page.partition("\n\n\n")
            page = rest if gap and "\n\n" not in head else page
        else:
            page = page.split("\n" + "-" * 16 + "\n")[0]
        counted += len(words(page))
    return starts


def paginate(module: Any, starts: list[int] | None) -> str:
    """A rendered HTML letter, its pages broken before the blocks where the text's pages start.

    Its `footnote`, if any, goes at the foot of page one; other documents come as rendered.
    """
    out = str(module)
    if starts is None:
        return out
    found = _BODY.search(out)
    assert found, "an EDGAR HTML template has a <body>"
    head, body, tail = out[: found.start(2)], found.group(2), out[found.end(2) :]
    cuts = [m.start() for m in _BLOCK.finditer(body)] + [len(body)]
    blocks = [body[:cuts[0]]] + [body[a:b] for a, b in pairwise(cuts)]
    footnote = str(getattr(module, "footnote", "")).strip()
    continuation = getattr(module, "continuation", None)
    pieces: list[str] = []
    counted, on_page, page, pending = 0, 0, 1, list(starts)
    for block in blocks:
        size = len(words(html.unescape(_TAG.sub(" ", block))))
        if pending and pending[0] < counted + size:
            while pending and pending[0] < counted + size:
                pending.pop(0)
            if on_page:  # a block longer than a page is never split: its page runs on
                pieces.append(_break(page, footnote, continuation))
                page, on_page = page + 1, 0
        pieces.append(block)
        counted, on_page = counted + size, on_page + size
    if page == 1 and footnote:
        pieces.append(_footnote(footnote))
    return head + "".join(pieces) + tail


def _break(page: int, footnote: str, continuation: Any) -> str:
    lead = _footnote(footnote) if page == 1 and footnote else ""
    header = str(continuation(page + 1)).strip() + "\n" if continuation is not None else ""
    return f"{lead}{PAGE_BREAK}\n{header}"


def _footnote(footnote: str) -> str:
    return f'<hr style="width:1.5in;margin:18pt auto 6pt 0;border:0;border-top:1px solid #000">\n{footnote}\n'
