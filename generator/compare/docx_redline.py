"""The Word redline: the new draft's DOCX with every edit as a tracked change (`w:ins`, `w:del`), its formatting kept.

The blocks of a DOCX are its body's paragraphs and its tables' rows (a row's cells kept apart);
their segments are the text of its runs (`w:t`, a tab, a line break). A changed block's runs are
cut where words went in or out: each piece keeps its run's formatting, inserted pieces inside
`w:ins`, deleted words in a `w:del` run (`w:delText`) where they stood. A deleted paragraph or row
is the old draft's, its text deleted and its paragraph mark (or row) marked deleted. Every change
carries the author and date given (from the deal file), so the same drafts give the same bytes.
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from generator.compare.diff import Block, Change, Kind, Mark, paragraph_key, row_key

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = "word/document.xml"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


_TEXT = {_w("t"): None, _w("tab"): "\t", _w("br"): "\n", _w("cr"): "\n"}
"""The children of a run that hold its text, and the character each stands for (None: its own text)."""


@dataclass(frozen=True)
class WordDocument:
    """A DOCX's body read as blocks: each block's element (`w:p` or `w:tr`) and the elements that hold its segments."""

    root: Any
    blocks: list[Block]
    elements: list[Any]
    slots: list[list[Any]]


def read(docx: bytes) -> WordDocument:
    """The blocks of a DOCX's body in order: paragraphs with text, and every table row (nested tables within their row)."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        root = etree.fromstring(package.read(DOCUMENT))
    body = root.find(_w("body"))
    document = WordDocument(root, [], [], [])
    for child in body:
        if child.tag == _w("p"):
            slots = _slots(child)
            text = "".join(_slot_text(s) for s in slots)
            if text.strip():
                document.blocks.append(Block("p", tuple(_slot_text(s) for s in slots), paragraph_key(text)))
                document.elements.append(child)
                document.slots.append(slots)
        elif child.tag == _w("tbl"):
            for row in child.iterchildren(_w("tr")):
                cells = [[s for p in cell.iter(_w("p")) for s in _slots(p)] for cell in row.iterchildren(_w("tc"))]
                slots = [s for cell in cells for s in cell]
                key = row_key(["".join(_slot_text(s) for s in cell) for cell in cells])
                numbers = tuple(number for number, cell in enumerate(cells) for _ in cell)
                document.blocks.append(Block("tr", tuple(_slot_text(s) for s in slots), key, numbers))
                document.elements.append(row)
                document.slots.append(slots)
    return document


def blocks(docx: bytes) -> list[Block]:
    """A DOCX's paragraphs and table rows, as `diff.compare` takes them."""
    return read(docx).blocks


def _slots(paragraph: Any) -> list[Any]:
    return [child for run in paragraph.iterchildren(_w("r")) for child in run if child.tag in _TEXT]


def _slot_text(slot: Any) -> str:
    char = _TEXT[slot.tag]
    return char if char is not None else slot.text or ""


def redline(old: bytes, new: bytes, changes: Sequence[Change], author: str, dated: date) -> bytes:
    """The new draft's DOCX with `changes` (from `diff.compare` of the two drafts' `blocks`) as tracked changes.

    Every other part of the package is the new draft's, byte for byte, in its order and with its dates.
    """
    from lxml import etree

    before, after = read(old), read(new)
    marks = _Marks(after.root, author, dated)
    placed: Any = None
    for change in changes:
        if change.kind is Kind.CHANGED:
            assert change.new is not None
            _mark_changed(after.slots[change.new - 1], change.pieces, marks)
            placed = None
        elif change.kind is Kind.INSERTED:
            assert change.new is not None
            _mark_inserted(after.elements[change.new - 1], marks)
            placed = None
        else:
            assert change.old is not None
            copied = _deleted_copy(before.elements[change.old - 1], marks)
            placed = _place(copied, before.elements[change.old - 1], after, change.at, placed)
    xml = etree.tostring(after.root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return _repackaged(new, xml)


class _Marks:
    """Makes `w:ins` and `w:del` elements: numbered after every id the document holds, all by one author on one date."""

    def __init__(self, root: Any, author: str, dated: date) -> None:
        ids = [int(v) for v in root.xpath("//@w:id", namespaces={"w": W}) if v.lstrip("-").isdigit()]
        self.next = max(ids, default=0) + 1
        self.author, self.date = author, f"{dated.isoformat()}T00:00:00Z"

    def make(self, kind: str) -> Any:
        from lxml import etree

        element = etree.Element(_w(kind))
        element.set(_w("id"), str(self.next))
        element.set(_w("author"), self.author)
        element.set(_w("date"), self.date)
        self.next += 1
        return element

    def wrap(self, kind: str, runs: Sequence[Any]) -> Any:
        wrapper = self.make(kind)
        for run in runs:
            wrapper.append(run)
        return wrapper


def _mark_changed(slots: Sequence[Any], pieces: Sequence[Sequence[tuple[Mark, str]]], marks: _Marks) -> None:
    """Each run holding a slot that changed, replaced by runs of its pieces, each with the run's formatting."""
    changed = {id(slot): slot_pieces for slot, slot_pieces in zip(slots, pieces, strict=True) if not _unchanged(slot, slot_pieces)}
    for run in dict.fromkeys(slot.getparent() for slot in slots if id(slot) in changed):
        props = run.find(_w("rPr"))
        out: list[Any] = []
        current = None
        for child in [c for c in run if c.tag != _w("rPr")]:
            if id(child) not in changed:
                if current is None:
                    current = _run(props)
                    out.append(current)
                current.append(child)
                continue
            current = None
            for mark, text in changed[id(child)]:
                piece = _text_run(props, text, deleted=mark is Mark.DELETED)
                out.append(piece if mark is Mark.SAME else marks.wrap("ins" if mark is Mark.INSERTED else "del", [piece]))
        for element in out:
            run.addprevious(element)
        run.getparent().remove(run)


def _unchanged(slot: Any, pieces: Sequence[tuple[Mark, str]]) -> bool:
    return len(pieces) == 1 and pieces[0][0] is Mark.SAME and pieces[0][1] == _slot_text(slot)


def _run(props: Any) -> Any:
    from lxml import etree

    run = etree.Element(_w("r"))
    if props is not None:
        run.append(copy.deepcopy(props))
    return run


def _text_run(props: Any, text: str, deleted: bool) -> Any:
    """A run of `text` with the formatting `props`: tabs and line breaks as Word's own elements, deleted text as `w:delText`."""
    from lxml import etree

    run = _run(props)
    part = ""
    for char in [*text, None]:
        if char is not None and char not in "\t\n":
            part += char
            continue
        if part:
            element = etree.SubElement(run, _w("delText" if deleted else "t"))
            element.text = part
            element.set(_XML_SPACE, "preserve")
            part = ""
        if char is not None:
            etree.SubElement(run, _w("tab" if char == "\t" else "br"))
    return run


def _mark_inserted(element: Any, marks: _Marks) -> None:
    """A paragraph or row of the new draft only: every run inside `w:ins`, each paragraph mark (and the row) inserted."""
    for paragraph in [element] if element.tag == _w("p") else list(element.iter(_w("p"))):
        for run in list(paragraph.iterchildren(_w("r"))):
            run.addprevious(marks.make("ins"))
            run.getprevious().append(run)
        _mark_paragraph(paragraph, marks.make("ins"))
    if element.tag == _w("tr"):
        _row_properties(element).append(marks.make("ins"))


def _deleted_copy(element: Any, marks: _Marks) -> Any:
    """A paragraph or row of the old draft only, as deleted text: its runs' text and formatting, nothing that refers elsewhere."""
    copied = copy.deepcopy(element)
    for field in list(copied.iter(_w("fldSimple"), _w("hyperlink"), _w("bookmarkStart"), _w("bookmarkEnd"))):
        field.getparent().remove(field)
    for paragraph in [copied] if copied.tag == _w("p") else list(copied.iter(_w("p"))):
        for run in list(paragraph.iterchildren(_w("r"))):
            for child in list(run):
                if child.tag == _w("t"):
                    child.tag = _w("delText")
                elif child.tag not in (_w("rPr"), _w("tab"), _w("br"), _w("cr")):
                    run.remove(child)  # footnote references, fields, drawings: the old draft's, not the new one's
            run.addprevious(marks.make("del"))
            run.getprevious().append(run)
        _mark_paragraph(paragraph, marks.make("del"))
    if copied.tag == _w("tr"):
        _row_properties(copied).append(marks.make("del"))
    return copied


def _mark_paragraph(paragraph: Any, mark: Any) -> None:
    """The paragraph mark inserted or deleted (`w:pPr/w:rPr`, its first child)."""
    from lxml import etree

    props = paragraph.find(_w("pPr"))
    if props is None:
        props = etree.Element(_w("pPr"))
        paragraph.insert(0, props)
    run_props = props.find(_w("rPr"))
    if run_props is None:
        run_props = etree.SubElement(props, _w("rPr"))
        for later in (_w("sectPr"), _w("pPrChange")):
            if (found := props.find(later)) is not None:
                found.addprevious(run_props)
    run_props.insert(0, mark)


def _row_properties(row: Any) -> Any:
    from lxml import etree

    props = row.find(_w("trPr"))
    if props is None:
        props = etree.Element(_w("trPr"))
        exceptions = row.find(_w("tblPrEx"))
        (exceptions.addnext if exceptions is not None else lambda e: row.insert(0, e))(props)
    return props


def _place(copied: Any, original: Any, after: WordDocument, at: int, placed: Any) -> Any:
    """Put a deleted block where it stood: after the block before it (or the deleted block placed just before), else before the next.

    A row goes into a table beside it; with none, into a copy of its old table holding it alone.
    """
    previous = placed if placed is not None else (after.elements[at - 1] if at else None)
    following = after.elements[at] if at < len(after.elements) else None
    if copied.tag == _w("tr"):
        if previous is not None and previous.tag == _w("tr"):
            previous.addnext(copied)
            return copied
        if following is not None and following.tag == _w("tr"):
            following.addprevious(copied)
            return copied
        table = copy.deepcopy(original.getparent())
        for row in table.findall(_w("tr")):
            table.remove(row)
        table.append(copied)
        _place_top(table, previous, following, after)
        return copied
    _place_top(copied, previous, following, after)
    return copied


def _place_top(element: Any, previous: Any, following: Any, after: WordDocument) -> None:
    """A paragraph or table into the body: after the top-level element holding `previous`, else before the one holding `following`."""
    body = after.root.find(_w("body"))
    if previous is not None:
        _top(previous, body).addnext(element)
    elif following is not None:
        _top(following, body).addprevious(element)
    else:
        last = body[-1]
        (last.addprevious if last.tag == _w("sectPr") else last.addnext)(element)


def _top(element: Any, body: Any) -> Any:
    while element.getparent() is not body:
        element = element.getparent()
    return element


def _repackaged(docx: bytes, document_xml: bytes) -> bytes:
    """The package with its document part replaced; every entry in its order, with its date and compression."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            target.writestr(entry, document_xml if info.filename == DOCUMENT else source.read(info.filename))
    return out.getvalue()
