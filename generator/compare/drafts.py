"""A draft to compare: a rendered output folder read as it is, or a deal file rendered in memory.

Each document of a draft is held in the formats a comparison reads: the DOCX (the Word redline),
EDGAR HTML and text (revision tags), and the HTML its blackline is set from: a deal file's own
print HTML (the PDF's layout), or, for a folder, which keeps no print HTML, its EDGAR HTML.
A deal file's draft is read with its print HTML only (the blacklines can start from it); its
other formats are rendered by `completed`, both drafts' at once.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from generator import processes
from generator.errors import DealdocsError, Problem

_READ = ("docx", "htm", "txt")
NO_DATE = date(1980, 1, 1)
"""The date of a document whose DOCX carries none: the earliest a ZIP entry can carry."""


@dataclass(frozen=True)
class Draft:
    """One side of a comparison: its documents by name, each as {format: content}; "html" is the blackline's source."""

    label: str
    documents: dict[str, dict[str, str | bytes]]
    print_html: bool
    """Whether "html" is the print HTML of a deal file (else a folder's EDGAR HTML)."""
    stamps: dict[str, tuple[str, date]] = field(default_factory=dict)
    """Each document's author and date, from the deal file: what its tracked changes and blackline carry."""
    fetchers: dict[str, tuple[Any, str]] = field(default_factory=dict)
    """Each document's WeasyPrint URL fetcher and base URL, as its PDF is set."""
    pending: Callable[[], dict[str, dict[str, str | bytes]]] | None = None
    """A deal file's formats besides the print HTML, by document, rendered when called, or by a worker once `started` (see `completed`)."""

    def started(self) -> Draft:
        """The draft with its renders started in a worker process (if a CPU is free for them), while the caller goes on."""
        if self.pending is None or isinstance(self.pending, processes.Started):
            return self
        return replace(self, pending=processes.started(self.pending))

    def cancel(self) -> None:
        """Stop the draft's renders, if started: the comparison ended without them (a problem elsewhere)."""
        if isinstance(self.pending, processes.Started):
            self.pending.cancel()


def read_draft(path: Path, tape: Path | None = None, templates: Path | None = None, edgar: bool = True) -> Draft:
    """A draft from a rendered output folder (its DOCX, EDGAR HTML and text files) or from a deal file, rendered in memory.

    A deal file is loaded, its tape analysed and its print HTML rendered; its DOCX, and its EDGAR
    HTML and text if `edgar` (they are what revision tags mark), are left to `completed`.

    Raises:
        DealdocsError: The path is missing, the folder holds no documents, or the deal file, its tape or templates have problems.
    """
    if not path.exists():
        raise DealdocsError([Problem(str(path), None, None, None, "not found: name a rendered output folder or a deal file")])
    if path.is_dir():
        if tape is not None:
            raise DealdocsError([Problem(str(path), None, None, None, "a tape is for a deal file: a rendered folder is compared as it is")])
        return _folder(path)
    return _deal(path, tape, templates, edgar)


def _folder(folder: Path) -> Draft:
    documents: dict[str, dict[str, str | bytes]] = {}
    for path in sorted(folder.iterdir()):
        fmt = path.suffix.lstrip(".")
        if fmt in _READ and path.is_file() and "." not in path.stem:  # a redline or blackline of an earlier comparison is no draft
            documents.setdefault(path.stem, {})[fmt] = path.read_bytes() if fmt == "docx" else path.read_text(encoding="utf-8", errors="replace")
    if not documents:
        raise DealdocsError([Problem(str(folder), None, None, None, "no documents (.docx, .htm, .txt) in this folder: render the deal into it first")])
    for parts in documents.values():
        if "htm" in parts:
            parts["html"] = parts["htm"]
    stamps = {name: _docx_stamp(docx) for name, parts in documents.items() if isinstance(docx := parts.get("docx"), bytes)}
    from generator.formats.fonts import font_folder
    from generator.templating.files import pdf_fetcher
    from generator.templating.folders import templates_dir

    fetcher = (pdf_fetcher([folder, templates_dir()], also=[font_folder()]), str(templates_dir()))  # a letterhead is beside it; the fonts shipped
    return Draft(str(folder), documents, False, stamps, dict.fromkeys(documents, fetcher))


def _deal(path: Path, tape: Path | None, templates: Path | None, edgar: bool) -> Draft:
    from generator.deal.loading import load_deal
    from generator.documents.registry import documents_of
    from generator.formats.docx import render_docx
    from generator.formats.fonts import font_folder
    from generator.formats.htm import render_htm
    from generator.formats.pdf import render_html
    from generator.formats.text import render_text
    from generator.templating.files import pdf_fetcher
    from generator.templating.folders import template_dirs, templates_dir

    loaded = load_deal(path)
    search_path = template_dirs(loaded, templates)
    documents: dict[str, dict[str, str | bytes]] = {}
    stamps, fetchers, contexts = {}, {}, []
    fetcher = pdf_fetcher([*search_path, templates_dir()], also=[font_folder(loaded.deal.style.typeface)])
    for document in documents_of(loaded):
        context = document.context(loaded, tape)  # the tape is analysed once for all formats, in this process (its warnings are printed from here)
        contexts.append((document, context))
        documents[document.name] = {"html": render_html(loaded, document, tape, search_path, context)}
        stamps[document.name] = (loaded.deal.depositor.name, document.dated(loaded))
        fetchers[document.name] = (fetcher, str(templates_dir()))

    def rest() -> dict[str, dict[str, str | bytes]]:
        formats: dict[str, dict[str, str | bytes]] = {}
        for document, context in contexts:
            parts: dict[str, str | bytes] = {"docx": render_docx(loaded, document, tape, search_path, context).content}
            if edgar:
                parts["htm"] = render_htm(loaded, document, tape, search_path, context).text
                parts["txt"] = render_text(loaded, document, tape, search_path, context).text
            formats[document.name] = parts
        return formats

    return Draft(str(path), documents, True, stamps, fetchers, rest)


def completed(*drafts: Draft) -> list[Draft]:
    """The drafts with every format rendered: the renders each still owes, started in worker processes beside one another (and beside a blackline).

    Raises:
        DealdocsError: A template has problems.
    """
    running = [draft.started() for draft in drafts]
    done = []
    try:
        for draft in running:
            if draft.pending is not None:
                more = draft.pending()
                draft = replace(draft, documents={name: {**more.get(name, {}), **parts} for name, parts in draft.documents.items()}, pending=None)
            done.append(draft)
    finally:
        for draft in running:
            draft.cancel()  # after a problem, the renders still going; else nothing
    return done


def _docx_stamp(docx: bytes) -> tuple[str, date]:
    """The author and date a rendered DOCX carries (`render` writes the deal's depositor and the document's date)."""
    from lxml import etree

    ns = {"dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            core = etree.fromstring(package.read("docProps/core.xml"))
        author = core.findtext("dc:creator", "", ns) or "dealdocs"
        created = core.findtext("dcterms:created", "", ns)
        return author, date.fromisoformat(created[:10])
    except (KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return "dealdocs", NO_DATE
