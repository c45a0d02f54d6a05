"""HTML (EDGAR's `.htm`, the HTML a PDF is set from) read as blocks, each with where its text stands in the source.

The source is never re-serialised: marks are spliced into it (`splice`), so what is not marked
stays byte for byte. A block is the text between two block-level tags (a paragraph, a list
item's text, a heading...); a table row is one block, its cells kept apart. Text segments are
the runs of text between tags, read with their character references resolved.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.compare.diff import Block, Change, compare, paragraph_key, row_key

_TOKEN = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*>|[^<]+|<", re.DOTALL)
_BLOCKS = frozenset("address blockquote body caption center dd div dl dt h1 h2 h3 h4 h5 h6 hr li ol p pre table tbody tfoot thead tr ul".split())
_CELLS = frozenset({"td", "th"})
_SKIPPED = frozenset({"head", "style", "script", "title"})


@dataclass
class HtmlBlock:
    """A block and where it stands in the source.

    `start`-`end` is its outer source (its tags included where it has them), `spans` its text's
    source spans (one per segment), `cells` the spans inside which its text may be wrapped whole
    (a row: each cell's).
    """

    tag: str
    start: int
    end: int
    spans: list[tuple[int, int]] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    cells: list[tuple[int, int]] = field(default_factory=list)
    cell_texts: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    """A row's segments' cell numbers (text between cells counts with the cell before it)."""

    def block(self) -> Block:
        """The block as `diff.compare` takes it."""
        if self.tag == "tr":
            return Block("tr", tuple(self.segments), row_key([" ".join(cell) for cell in self.cell_texts]), tuple(self.numbers))
        return Block("p", tuple(self.segments), paragraph_key(" ".join(self.segments)))


def compared(old: str, new: str) -> tuple[list[HtmlBlock], list[HtmlBlock], list[Change]]:
    """Both drafts' HTML read as blocks, and the changes from the old to the new (what the marks and the revision tags show)."""
    before, after = read(old), read(new)
    return before, after, compare([b.block() for b in before], [b.block() for b in after])


def read(source: str) -> list[HtmlBlock]:
    """The blocks of an HTML document's body with text, in order."""
    found: list[HtmlBlock] = []
    current: HtmlBlock | None = None
    skipping: str | None = None
    cell_start: int | None = None

    def finish(at: int, closing_end: int | None = None) -> None:
        nonlocal current
        if current is not None and any(s.strip() for s in current.segments):
            if current.tag != "tr":
                current.cells = [(current.cells[0][0], at)]
            current.end = closing_end if closing_end is not None else at
            found.append(current)
        current = None

    for match in _TOKEN.finditer(source):
        closing, name = match.group(1), (match.group(2) or "").lower()
        if skipping is not None:
            skipping = None if closing and name == skipping else skipping
            continue
        if name in _SKIPPED and not closing:
            skipping = name
            continue
        if not name:  # text (or a comment, or a lone '<')
            text = match.group()
            if current is not None and not text.startswith("<!--"):
                current.spans.append(match.span())
                current.segments.append(html.unescape(text))
                current.numbers.append(max(len(current.cell_texts) - 1, 0))
                if current.tag == "tr" and cell_start is not None:
                    current.cell_texts[-1].append(html.unescape(text))
            continue
        if current is not None and current.tag == "tr":
            if name in _CELLS and not closing:
                cell_start = match.end()
                current.cell_texts.append([])
                continue
            if name in _CELLS and closing and cell_start is not None:
                current.cells.append((cell_start, match.start()))
                cell_start = None
                continue
            if name not in ("tr", "table", "tbody", "thead", "tfoot"):
                continue
        if name not in _BLOCKS:
            continue
        own_close = bool(closing) and current is not None and current.tag == name
        finish(match.start(), match.end() if own_close else None)
        if not closing and name not in ("table", "ol", "ul", "dl", "tbody", "thead", "tfoot", "hr"):
            current = HtmlBlock(name, match.start(), match.end(), cells=[] if name == "tr" else [(match.end(), match.end())])
        elif not (closing and name == "body"):
            current = HtmlBlock("", match.end(), match.end(), cells=[(match.end(), match.end())])
    return found


def closed(source: str, block: HtmlBlock) -> str:
    """A block's outer source, closed with its end tag when the block ended at another element's tag (text before a nested list)."""
    outer = source[block.start : block.end]
    if block.tag and not outer.rstrip().lower().endswith(f"</{block.tag}>"):
        outer += f"</{block.tag}>"
    return outer


def splice(source: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """`source` with each (start, end, text) replacing its span; edits at one place are applied in the order given."""
    out, position = [], 0
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1])):
        out.append(source[position:start])
        out.append(text)
        position = max(position, end)
    out.append(source[position:])
    return "".join(out)
