"""The text of rendered DOCX and PDF files, for snapshots and for checking that formats agree."""

from __future__ import annotations

import io
import zipfile
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph(p: Any) -> str:  # an lxml element (lxml is untyped)
    """A paragraph's text with tabs and line breaks, and footnote references as the text marks them: '(1)'."""
    parts = []
    for node in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}footnoteReference"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}tab":
            parts.append("\t")
        elif node.tag == f"{W}br":
            parts.append("\n")
        else:
            parts.append(f"({node.get(f'{W}id')})")
    return "".join(parts)


def docx_text(data: bytes, footnote_label: str = "{}") -> str:
    """The text of a DOCX, to compare with the EDGAR text or a snapshot: formats must say the same words.

    Args:
        data: The DOCX's bytes.
        footnote_label: How each footnote's number is printed before it, e.g. "{}." for "1.".

    Returns:
        Body paragraphs (table cells included) in document order, then the footnotes, one per line.
    """
    from lxml import etree

    package = zipfile.ZipFile(io.BytesIO(data))
    lines = [_paragraph(p) for p in etree.fromstring(package.read("word/document.xml")).iter(f"{W}p")]
    if "word/footnotes.xml" in package.namelist():
        for note in etree.fromstring(package.read("word/footnotes.xml")).iter(f"{W}footnote"):
            if int(note.get(f"{W}id")) > 0:
                body = " ".join(_paragraph(p) for p in note.iter(f"{W}p"))
                lines.append(f"{footnote_label.format(note.get(f'{W}id'))} {body.strip()}")
    return "\n".join(lines) + "\n"


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF (through pypdf), to compare with the EDGAR text or a snapshot.

    Args:
        data: The PDF's bytes.

    Returns:
        Each page's extracted text.
    """
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
