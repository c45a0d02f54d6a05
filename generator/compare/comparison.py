"""Two drafts compared document by document: the changes of each, and the redline, blackline and tagged files that show them.

A document's changes are counted on its Word document (else its EDGAR HTML, else its text): the
paragraphs and rows the terminal lists by number. A document that did not change gets no files;
one in a single draft only is named, not compared.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from generator import processes
from generator.compare import blackline, docx_redline, revision_tags
from generator.compare.diff import Block, Change, compare
from generator.compare.drafts import NO_DATE, Draft, completed
from generator.errors import DealdocsError, Problem


@dataclass(frozen=True)
class DocumentComparison:
    """One document in both drafts: its changes (numbered as in `model`'s blocks) and the files that show them, by name."""

    name: str
    model: str
    changes: list[Change]
    outputs: dict[str, str | bytes] = field(default_factory=dict)

    @property
    def inserted(self) -> int:
        """Words inserted in the document."""
        return sum(c.inserted for c in self.changes)

    @property
    def deleted(self) -> int:
        """Words deleted from the document."""
        return sum(c.deleted for c in self.changes)


@dataclass(frozen=True)
class Comparison:
    """Two drafts compared: every document of both, those of one only, and what could not be made (notes)."""

    old: str
    new: str
    documents: list[DocumentComparison]
    only_old: list[str]
    only_new: list[str]
    notes: list[str]

    @property
    def changed(self) -> bool:
        """Whether the drafts differ: a document changed, or is in one draft only."""
        return any(d.changes for d in self.documents) or bool(self.only_old or self.only_new)


def compare_drafts(old: Draft, new: Draft, revision_tags_too: bool = False) -> Comparison:
    """Compare every document the two drafts share; for each that changed, its Word redline, its blackline and (asked) its EDGAR files with `<R>` tags.

    A blackline, the longest part, is started as soon as both drafts' HTML differ, in a worker beside
    the drafts' other renders (`completed`) and the rest; it is cancelled if the document shows no change.

    Raises:
        DealdocsError: A draft's DOCX cannot be read, or a deal file's template has problems.
    """
    shared = [n for n in new.documents if n in old.documents]
    blacklines = {name: laid_out for name in shared if (laid_out := _blackline(name, old, new)) is not None}
    try:
        old, new = completed(old, new)
        documents, notes = [], []
        for name in shared:
            before, after = old.documents[name], new.documents[name]
            model = next((f for f in ("docx", "htm", "txt") if f in before and f in after), None)
            if model is None:
                notes.append(f"{name}: the drafts share no format to compare (.docx, .htm or .txt)")
                continue
            changes = _changes(model, before[model], after[model], f"{new.label}/{name}.{model}")
            compared = DocumentComparison(name, model, changes)
            documents.append(compared)
            if changes:
                notes += _outputs(compared, old, new, revision_tags_too, blacklines.pop(name, None))
    finally:
        for unused in blacklines.values():
            unused.cancel()
    only_old = [n for n in old.documents if n not in new.documents]
    only_new = [n for n in new.documents if n not in old.documents]
    return Comparison(old.label, new.label, documents, only_old, only_new, notes)


def _blackline(name: str, old: Draft, new: Draft, same_too: bool = False) -> processes.Started[bytes] | None:
    """The document's blackline, started, if both drafts hold HTML of one kind to set it from (and it differs, unless `same_too`); else None."""
    before, after = old.documents[name].get("html"), new.documents[name].get("html")
    if not (isinstance(before, str) and isinstance(after, str)) or old.print_html != new.print_html or (before == after and not same_too):
        return None
    _, dated = new.stamps.get(name) or old.stamps.get(name) or ("dealdocs", NO_DATE)
    fetcher, base_url = new.fetchers[name]
    summary = blackline.Summary(name, old.label, new.label)
    return processes.started(lambda: blackline.blackline_pdf(blackline.marked(before, after), summary, dated, fetcher, base_url))


def _changes(model: str, before: str | bytes, after: str | bytes, source: str) -> list[Change]:
    if model == "docx":
        assert isinstance(before, bytes) and isinstance(after, bytes)
        return compare(_word_blocks(before, source), _word_blocks(after, source))
    assert isinstance(before, str) and isinstance(after, str)
    tag = revision_tags.tagged_htm if model == "htm" else revision_tags.tagged_txt
    return tag(before, after).changes


def _word_blocks(docx: bytes, source: str) -> list[Block]:
    from lxml.etree import XMLSyntaxError

    try:
        return docx_redline.blocks(docx)
    except (zipfile.BadZipFile, KeyError, XMLSyntaxError):
        raise DealdocsError([Problem(source, None, None, None, "not a Word document dealdocs can read: render the deal again")]) from None


def _outputs(compared: DocumentComparison, old: Draft, new: Draft, tags: bool, laid_out: processes.Started[bytes] | None) -> list[str]:
    """Make the document's files into `compared.outputs` (its blackline, if started already, is `laid_out`); returns notes on those that could not be made."""
    name, before, after = compared.name, old.documents[compared.name], new.documents[compared.name]
    author, dated = new.stamps.get(name) or old.stamps.get(name) or ("dealdocs", NO_DATE)
    notes = []
    laid_out = laid_out or _blackline(name, old, new, same_too=True)  # not started early: the HTML is the same, the change elsewhere
    if compared.model == "docx":
        assert isinstance(before["docx"], bytes) and isinstance(after["docx"], bytes)
        compared.outputs[f"{name}.redline.docx"] = docx_redline.redline(before["docx"], after["docx"], compared.changes, author, dated)
    if laid_out is not None:
        compared.outputs[f"{name}.blackline.pdf"] = b""  # its place in the files' order; made below, once the rest is done
    else:
        notes.append(f"{name}: no blackline: it is set from both drafts' deal files, or from both folders' EDGAR HTML ({name}.htm)")
    if tags:
        for fmt, tagger in (("htm", revision_tags.tagged_htm), ("txt", revision_tags.tagged_txt)):
            if fmt in before and fmt in after:
                assert isinstance(before[fmt], str) and isinstance(after[fmt], str)
                compared.outputs[f"{name}.{fmt}"] = tagger(str(before[fmt]), str(after[fmt])).text
            else:
                notes.append(f"{name}: no {name}.{fmt} with revision tags: a draft has no {fmt}")
    if laid_out is not None:
        compared.outputs[f"{name}.blackline.pdf"] = laid_out()
    return notes
