"""The PDF blackline: the new draft in its own layout, insertions double-underlined, deletions struck through, a summary page first.

The marks are spliced into the HTML the draft's PDF is set from (`html_model`): inserted words in
`<ins>`, deleted words in `<del>` where they stood, a deleted paragraph or row the old draft's,
struck through; WeasyPrint sets it, and the pages that hold a mark are listed on a first page
with the counts of insertions and deletions. The page numbers are the document's own (its pages
are numbered as without the summary).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import count
from typing import Any

from generator.compare import html_model
from generator.compare.diff import Change, Kind, Mark

STYLE = (
    "<style>\n"
    "ins.dealdocs-ins { text-decoration-line: underline; text-decoration-style: double; color: #0b3d91; }\n"
    "del.dealdocs-del { text-decoration-line: line-through; color: #a50e0e; }\n"
    "</style>\n"
)
_ANCHOR = "dealdocs-change-"
_COVER_STYLE = "<style>@page { @bottom-center { content: none; } } body { text-align: left; }</style>\n"


@dataclass(frozen=True)
class Marked:
    """The new draft's HTML with the marks, and the changes they show (numbered as the marks' anchors)."""

    html: str
    changes: list[Change]


def marked(old: str, new: str) -> Marked:
    """The new HTML with every edit marked: `<ins class="dealdocs-ins">`, `<del class="dealdocs-del">`, each with an anchor."""
    before, after, changes = html_model.compared(old, new)
    edits: list[tuple[int, int, str]] = []
    for number, change in enumerate(changes):
        anchors = (f"{_ANCHOR}{number}-{k}" for k in count())  # every mark named, so that a change over two pages lists both
        if change.kind is Kind.DELETED:
            assert change.old is not None
            block = before[change.old - 1]
            spans = [(s - block.start, e - block.start, _wrap(Mark.DELETED, html.unescape(old[s:e]), anchors)) for s, e in block.spans if old[s:e].strip()]
            edits.append((*_position(after, change.at, block.tag), html_model.splice(html_model.closed(old, block), spans)))
            continue
        assert change.new is not None
        block = after[change.new - 1]
        for (start, end), pieces in zip(block.spans, change.pieces, strict=True):
            if any(mark is not Mark.SAME for mark, _ in pieces):
                edits.append((start, end, "".join(_wrap(mark, text, anchors) for mark, text in pieces)))
    head = new.lower().find("</head>")
    if head >= 0:
        edits.append((head, head, _style()))
    return Marked(html_model.splice(new, edits), changes)


def _style() -> str:
    """The marks' style, and Times New Roman (which the EDGAR HTML names) set in the files dealdocs ships, never the machine's own."""
    from generator.formats.fonts import TIMES, font_face_rules

    return "<style>\n" + font_face_rules(TIMES) + "</style>\n" + STYLE


def _wrap(mark: Mark, text: str, anchors: Iterator[str]) -> str:
    """A piece of text as HTML: kept as it is, or inside `<ins>` or `<del>` named by the next anchor."""
    escaped = html.escape(text, quote=False)
    if mark is Mark.SAME:
        return escaped
    tag = "ins" if mark is Mark.INSERTED else "del"
    named = f' id="{next(anchors)}"'
    return f'<{tag} class="dealdocs-{tag}"{named}>{escaped}</{tag}>'


def _position(after: Sequence[html_model.HtmlBlock], at: int, tag: str) -> tuple[int, int]:
    """Where a deleted block goes: after the new block before it (a row: only beside another row), else before the next one."""
    previous = after[at - 1] if at else None
    following = after[at] if at < len(after) else None
    if previous is not None and (tag != "tr" or previous.tag == "tr" or following is None or following.tag != "tr"):
        return previous.end, previous.end
    if following is not None:
        return following.start, following.start
    return (previous.end, previous.end) if previous is not None else (0, 0)


@dataclass(frozen=True)
class Summary:
    """What the first page names: the document and the two drafts (it adds the changed pages and the counts)."""

    title: str
    old: str
    new: str


def blackline_pdf(marked_html: Marked, summary: Summary, dated: date, fetcher: Any, base_url: str) -> bytes:
    """The marked HTML set by WeasyPrint, after a first page listing the changed pages and the counts; the same input gives the same bytes.

    `fetcher` and `base_url` are what the draft's own PDF is set with (its fonts and stylesheets).
    """
    import weasyprint

    from generator.formats.pdf import pdf_identifier, source_date

    with source_date(dated):
        document = weasyprint.HTML(string=marked_html.html, base_url=base_url, url_fetcher=fetcher).render()
        pages: dict[int, set[int]] = {}
        for number, page in enumerate(document.pages, 1):
            for anchor in page.anchors:
                if anchor.startswith(_ANCHOR):
                    pages.setdefault(int(anchor.removeprefix(_ANCHOR).split("-")[0]), set()).add(number)
        cover_html = _cover(marked_html, summary, pages)
        cover = weasyprint.HTML(string=cover_html, base_url=base_url, url_fetcher=fetcher).render()
        return cover.copy([*cover.pages, *document.pages]).write_pdf(pdf_identifier=pdf_identifier(marked_html.html, cover_html))  # type: ignore[no-any-return]


def _cover(marked_html: Marked, summary: Summary, pages: dict[int, set[int]]) -> str:
    """The first page: the drafts, the changed pages, the counts (each change is listed by `dealdocs compare`)."""
    changes = marked_html.changes
    source = marked_html.html
    end = source.lower().find("</head>")
    head = source[: end if end >= 0 else 0]
    changed_pages = sorted({p for found in pages.values() for p in found})
    inserted, deleted = sum(c.inserted for c in changes), sum(c.deleted for c in changes)
    return (
        f"{head}{_COVER_STYLE}</head>\n<body>\n<h1>Blackline: {html.escape(summary.title)}</h1>\n"
        f"<p>Old draft: {html.escape(summary.old)}<br>New draft: {html.escape(summary.new)}</p>\n"
        f"<p>Changed pages: {', '.join(map(str, changed_pages)) or 'none'}</p>\n"
        f"<p>{len(changes)} changed paragraphs and rows: {inserted} words inserted "
        f"(<ins class=\"dealdocs-ins\">double-underlined</ins>), {deleted} words deleted (<del class=\"dealdocs-del\">struck through</del>).</p>\n"
        "</body>\n</html>\n"
    )
