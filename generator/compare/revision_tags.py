"""EDGAR's redline tags: the new draft's EDGAR documents with each changed or inserted paragraph or table row inside `<R>`...`</R>`.

In EDGAR HTML the tags go inside the block (a paragraph's content, each cell of a row), so the
HTML nests as a browser reads it; in EDGAR text every line of the block is wrapped on its own,
as a pair may not span lines (its indentation left outside). Deleted material is not shown:
EDGAR marks what is revised in the new text. Everything else is the new draft's, byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.compare import html_model
from generator.compare.diff import Block, Change, Kind, compare, paragraph_key
from generator.edgar import PAGE

OPEN, CLOSE = "<R>", "</R>"


@dataclass(frozen=True)
class Tagged:
    """A new draft's EDGAR document with its revision tags, and the changes they mark."""

    text: str
    changes: list[Change]


def tagged_htm(old: str, new: str) -> Tagged:
    """The new EDGAR HTML with every changed or inserted block's text inside `<R>`...`</R>` (a row: each cell's)."""
    _, after, changes = html_model.compared(old, new)
    edits = []
    for change in changes:
        if change.kind is Kind.DELETED or change.new is None:
            continue
        for start, end in after[change.new - 1].cells:
            inner = new[start:end]
            if not inner.strip():
                continue
            lead, trail = len(inner) - len(inner.lstrip()), len(inner) - len(inner.rstrip())
            edits += [(start + lead, start + lead, OPEN), (end - trail, end - trail, CLOSE)]
    return Tagged(html_model.splice(new, edits), changes)


_TABLE = re.compile(r"^\s*<(/?)TABLE>\s*$", re.IGNORECASE)
_COLUMNS = re.compile(r"\S {3,}\S")
"""Three spaces inside a line: columns (prose has at most two between sentences)."""


def text_blocks(text: str) -> list[tuple[Block, list[int]]]:
    """EDGAR text's blocks with the numbers (0-based) of their lines.

    Paragraphs are lines between blank lines; each line is a row inside `<TABLE>` or in a group of
    lines laid out in columns (two or more, so that a hanging label's line is no table); `<PAGE>`
    and table tags are no block.
    """
    found: list[tuple[Block, list[int]]] = []
    lines = text.split("\n")
    group: list[int] = []
    in_table = False

    def finish() -> None:
        rows = in_table or sum(bool(_COLUMNS.search(lines[n].strip())) for n in group) >= 2
        for part in [[n] for n in group] if rows else [list(group)] if group else []:
            segments = tuple(lines[n].strip() for n in part)
            key = " | ".join(re.split(r"\s{2,}", segments[0])) if rows else paragraph_key(" ".join(segments))
            found.append((Block("tr" if rows else "p", segments, key), part))
        group.clear()

    for number, line in enumerate(lines):
        if (table := _TABLE.match(line)) or not line.strip() or line == PAGE:
            finish()
            if table:
                in_table = not table.group(1)
            continue
        group.append(number)
    finish()
    return found


def tagged_txt(old: str, new: str) -> Tagged:
    """The new EDGAR text with every line of each changed or inserted block as `<R>line</R>`, its indentation outside."""
    after = text_blocks(new)
    changes = compare([b for b, _ in text_blocks(old)], [b for b, _ in after])
    lines = new.split("\n")
    for change in changes:
        if change.kind is Kind.DELETED or change.new is None:
            continue
        for number in after[change.new - 1][1]:
            line = lines[number]
            body = line.lstrip()
            lines[number] = f"{line[: len(line) - len(body)]}{OPEN}{body.rstrip()}{CLOSE}{body[len(body.rstrip()):]}"
    return Tagged("\n".join(lines), changes)
