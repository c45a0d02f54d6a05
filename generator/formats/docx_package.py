"""DOCX packages with the same bytes for the same inputs: fixed ZIP entry times, properties from the deal.

The properties Word shows (File > Info) come from the deal only: python-docx's own (its name as
the description, "Microsoft Macintosh Word" as the application) are replaced.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

CORE = "docProps/core.xml"
APP = "docProps/app.xml"
STYLES = "word/styles.xml"
APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>dealdocs</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
    b"<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    b"</Properties>"
)
NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def _core_properties(xml: bytes, stamp: dt.datetime, title: str, author: str, subject: str) -> bytes:
    """Document properties from the deal, never from the clock, the machine's user or the library that wrote it."""
    from lxml import etree

    root = etree.fromstring(xml)
    for name in ("dc:description", "cp:keywords", "cp:category", "cp:lastPrinted"):
        prefix, local = name.split(":")
        for element in root.findall(f"{prefix}:{local}", NS):
            root.remove(element)
    values = {
        "dcterms:created": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dcterms:modified": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cp:lastModifiedBy": author,
        "dc:creator": author,
        "dc:title": title,
        "dc:subject": subject,
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
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _typeface(xml: bytes, typeface: str) -> bytes:
    """The styles with every font the template names replaced by `typeface` (the deal's `style.typeface`)."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(xml)
    for fonts in root.iter(f"{w}rFonts"):
        for script in ("ascii", "hAnsi", "eastAsia", "cs"):
            if fonts.get(f"{w}{script}") is not None:
                fonts.set(f"{w}{script}", typeface)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def normalise_docx(
    data: bytes, stamp: dt.datetime, title: str, author: str, subject: str = "", typeface: str | None = None
) -> bytes:
    """Rewrite a DOCX with every entry dated `stamp`, in a fixed order, with properties from the deal.

    `typeface`, when given, replaces the fonts the template's styles name.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            content = source.read(name)
            if name == CORE:
                content = _core_properties(content, stamp, title, author, subject)
            elif name == APP:
                content = APP_XML
            elif name == STYLES and typeface is not None:
                content = _typeface(content, typeface)
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()
