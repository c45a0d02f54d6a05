"""The comparison of two drafts of a document as blocks (paragraphs and table rows): which changed, and how, word by word.

Every format is read into the same model (`Block`s of text segments, see `docx_model` and
`html_model`) and compared here, so a Word redline, a blackline and EDGAR `<R>` tags mark the
same edits. Blocks are aligned first (a table row is one block: a changed figure is one changed
row, not a deleted and an inserted one), then the words of each changed block; a change of
white space alone (text rewrapped) is no change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

_TOKEN = re.compile(r"\S+\s*|\s+")
"""A word with the white space after it (white space alone only at the start): words are compared, never the gaps between them."""
_SIMILAR = 0.5
"""How alike two blocks in a replaced stretch must be (difflib's ratio) to count as one block changed."""


class Kind(StrEnum):
    """What happened to a block between the drafts."""

    CHANGED = "changed"
    INSERTED = "inserted"
    DELETED = "deleted"


class Mark(StrEnum):
    """What happened to a piece of a block's text."""

    SAME = "same"
    INSERTED = "inserted"
    DELETED = "deleted"


@dataclass(frozen=True)
class Block:
    """A paragraph or a table row, as the text segments a format holds it in (runs, text between tags), in order.

    `key` is what decides whether two blocks are the same: the words, a row's cells kept apart.
    `cells` gives a row's segments their cell (column) numbers, so that words never move from
    one cell to another; a paragraph leaves it empty.
    """

    kind: str
    segments: tuple[str, ...]
    key: str
    cells: tuple[int, ...] = ()


@dataclass(frozen=True)
class Change:
    """One block that changed: its number in each draft (1-based, None where it is missing), the words it gained and lost.

    `pieces` (for a changed or inserted block) says, for each of the new block's segments, its
    text cut into pieces kept, inserted or deleted (deleted text where it stood); a deleted
    block's pieces are the old block's segments, all deleted.
    """

    kind: Kind
    old: int | None
    new: int | None
    inserted: int
    deleted: int
    pieces: tuple[tuple[tuple[Mark, str], ...], ...]
    at: int
    """How many of the new draft's blocks come before this one (where a deleted block stood)."""


def words(text: str) -> int:
    """How many words a text holds (runs of characters between white space)."""
    return len(text.split())


def paragraph_key(text: str) -> str:
    """A paragraph's words, white space made single: rewrapped text is the same paragraph."""
    return " ".join(text.split())


def row_key(cells: Sequence[str]) -> str:
    """A table row's cells, each by its words, kept apart: a figure moved to the next column is a change."""
    return " | ".join(paragraph_key(cell) for cell in cells)


def compare(old: Sequence[Block], new: Sequence[Block]) -> list[Change]:
    """Every block of `new` that is not in `old` as it was, and every block of `old` that is gone, in the new draft's order.

    A deleted block comes where it stood: after the new block before it.
    """
    changes: list[Change] = []
    matcher = SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        at = j1
        for i, j in _pairs(old, new, range(i1, i2), range(j1, j2)):
            if i is not None and j is not None:
                changes.append(_changed(old[i], new[j], i + 1, j + 1))
            elif j is not None:
                pieces = tuple(((Mark.INSERTED, s),) if s.strip() else ((Mark.SAME, s),) for s in new[j].segments)
                changes.append(Change(Kind.INSERTED, None, j + 1, words("".join(new[j].segments)), 0, pieces, j))
            elif i is not None:
                pieces = tuple(((Mark.DELETED, s),) for s in old[i].segments)
                changes.append(Change(Kind.DELETED, i + 1, None, 0, words("".join(old[i].segments)), pieces, at))
            at = j + 1 if j is not None else at
    return changes


def _pairs(old: Sequence[Block], new: Sequence[Block], olds: range, news: range) -> list[tuple[int | None, int | None]]:
    """A replaced stretch as pairs (old, new): a new block paired with the next old one of its kind that it resembles, in order."""
    pairs: list[tuple[int | None, int | None]] = []
    start = olds.start
    for j in news:
        match = next((i for i in range(start, olds.stop) if _alike(old[i], new[j])), None)
        if match is None:
            pairs.append((None, j))
            continue
        pairs += [(i, None) for i in range(start, match)]
        pairs.append((match, j))
        start = match + 1
    pairs += [(i, None) for i in range(start, olds.stop)]
    return pairs


def _alike(a: Block, b: Block) -> bool:
    if a.kind != b.kind or a.key.count(" | ") != b.key.count(" | "):
        return False
    return SequenceMatcher(None, a.key.split(), b.key.split(), autojunk=False).ratio() >= _SIMILAR


def _changed(old: Block, new: Block, old_number: int, new_number: int) -> Change:
    """A block changed in place: its words compared (a row's cell by cell), the new block's segments cut where words went in or out."""
    pieces: list[list[tuple[Mark, str]]] = [[] for _ in new.segments]
    inserted = deleted = 0
    before_cells, after_cells = _tokens(old), _tokens(new)
    for cell in sorted(before_cells.keys() | after_cells.keys()):
        old_tokens, new_tokens = before_cells.get(cell, []), after_cells.get(cell, [])
        fallback = max((n for n, number in enumerate(new.cells) if number < cell), default=0)  # a cell emptied: the segment before it
        matcher = SequenceMatcher(None, [_key(t) for _, t in old_tokens], [_key(t) for _, t in new_tokens], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for (n, token), (_, before) in zip(new_tokens[j1:j2], old_tokens[i1:i2], strict=True):
                    pieces[n] += _same(token, before)
                continue
            gone, added = "".join(t for _, t in old_tokens[i1:i2]), new_tokens[j1:j2]
            gap = ""
            if added and gone != gone.rstrip() and (last := added[-1][1]) != last.rstrip():  # the space after both stays unmarked
                gone, gap, added = gone.rstrip(), last[len(last.rstrip()) :], [*added[:-1], (added[-1][0], last.rstrip())]
            if gone.strip():
                where = new_tokens[j1][0] if j1 < len(new_tokens) else new_tokens[-1][0] if new_tokens else fallback
                pieces[where].append((Mark.DELETED, gone))
                deleted += words(gone)
            for n, token in added:
                pieces[n].append((Mark.INSERTED if token.strip() else Mark.SAME, token))
                inserted += words(token)
            if gap:
                pieces[added[-1][0]].append((Mark.SAME, gap))
    return Change(Kind.CHANGED, old_number, new_number, inserted, deleted, tuple(_merged(p) for p in pieces), new_number - 1)


def _same(token: str, before: str) -> list[tuple[Mark, str]]:
    """A word both drafts have; the space after it inserted or deleted where only one draft has one (words joined or split)."""
    word = token.rstrip() or token
    if bool(token[len(word) :]) == bool(before[len(before.rstrip() or before) :]):
        return [(Mark.SAME, token)]
    return [(Mark.SAME, word), (Mark.INSERTED, token[len(word) :])] if token != word else [(Mark.SAME, word), (Mark.DELETED, before[len(before.rstrip()) :])]


def _tokens(block: Block) -> dict[int, list[tuple[int, str]]]:
    """A block's words with the space after each, as (segment, token), by cell (a paragraph is all cell 0)."""
    cells: dict[int, list[tuple[int, str]]] = {}
    for n, segment in enumerate(block.segments):
        cells.setdefault(block.cells[n] if block.cells else 0, []).extend((n, token) for token in _TOKEN.findall(segment))
    return cells


def _key(token: str) -> str:
    """What a token compares as: its word (white space alone as one space)."""
    return token.strip() or " "


def _merged(pieces: list[tuple[Mark, str]]) -> tuple[tuple[Mark, str], ...]:
    """Neighbouring pieces of one mark as one."""
    out: list[tuple[Mark, str]] = []
    for mark, text in pieces:
        if out and out[-1][0] is mark:
            out[-1] = (mark, out[-1][1] + text)
        else:
            out.append((mark, text))
    return tuple(out)
