"""DOCX packages with the same bytes for the same inputs: fixed ZIP entry times, fixed properties."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

CORE = "docProps/core.xml"
NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def _core_properties(xml: bytes, stamp: dt.datetime, title: str, author: str) -> bytes:
    """Document properties from the deal, never from the clock or the machine's user."""
    from lxml import etree

    root = etree.fromstring(xml)
    values = {
        "dcterms:created": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dcterms:modified": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cp:lastModifiedBy": author,
        "dc:creator": author,
        "dc:title": title,
        "cp:revision": "1",
    }
    for name, value in values.items():
        prefix, local = name.split(":")
        element = root.find(f"{prefix}:{local}", NS)
        if element is None:
            element = etree.SubElement(root, f"{{{NS[prefix]}}}{local}")
            if prefix == "dcterms":
                element.set("{http://www.w3.org/2001/XMLSchema-instance}type", "dcterms:W3CDTF")
        element.text = value
    text: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # lxml is untyped here
    return text


def normalise_docx(data: bytes, stamp: dt.datetime, title: str, author: str) -> bytes:
    """Rewrite a DOCX with every entry dated `stamp`, in a fixed order, and fixed core properties."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            content = source.read(name)
            if name == CORE:
                content = _core_properties(content, stamp, title, author)
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()
