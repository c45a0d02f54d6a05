"""DOCX packages: a Word template checked before it is used, and output with the same bytes for the same inputs.

`package_problems` refuses a template (and checks a rendered document) that is no Word package,
holds malformed XML, unpacks to more than `MAX_UNPACKED` bytes, or makes Word reach outside the
file when it is opened: a relationship with `TargetMode="External"` (an attached template, an
image or a hyperlink on a server) or a field that includes a file or a link (`INCLUDETEXT`,
`INCLUDEPICTURE`, `LINK`, `DDE`...). `normalise_docx` fixes ZIP entry times and sets the
properties Word shows (File > Info) from the deal only: python-docx's own (its name as the
description, "Microsoft Macintosh Word" as the application) are replaced.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from generator.errors import Problem

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


MAX_UNPACKED = 64 * 2**20
"""Most bytes a Word template's parts may unpack to (the built-in ones unpack to under 200 kB)."""
_FETCHING_FIELD = re.compile(r"(?:^|[\s{])(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|DDE|DDEAUTO|IMPORT)\b", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_FIX = "remove it from the template (in Word: File > Options > Add-ins > Templates, Insert > Links, or the field's code)"


def package_problems(data: bytes, source: str) -> list[Problem]:
    """Why a DOCX may not be used or written: not a Word package, malformed XML, too large, or reaching outside itself.

    Each problem names `source` (the template's file) and, as its column, the part at fault.
    """
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return [Problem(source, None, None, None, "not a Word document (.docx): the file is not a ZIP package; save it from Word as .docx")]
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        return [Problem(source, None, None, None, "not a Word document (.docx): it has no word/document.xml; save it from Word as .docx")]
    found: list[Problem] = []
    budget = MAX_UNPACKED
    for name in names:
        if not name.endswith((".xml", ".rels")):
            continue
        try:
            with package.open(name) as member:
                xml = member.read(budget + 1)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
            return [Problem(source, None, name, None, "a damaged part of the ZIP package: save the document from Word again")]
        budget -= len(xml)
        if budget < 0:
            return [Problem(source, None, name, None, f"its parts unpack to more than {MAX_UNPACKED // 2**20} MB: not a Word template")]
        found += _part_problems(_parse_xml(xml), xml, name, source)
    return found


def _parse_xml(xml: bytes) -> Any:
    """A part's XML tree, or the syntax error: entities are not expanded, nothing is fetched, no huge text node is built."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return exc


def _part_problems(tree: Any, xml: bytes, name: str, source: str) -> list[Problem]:
    from lxml import etree

    if isinstance(tree, etree.XMLSyntaxError):
        line = tree.lineno if isinstance(tree.lineno, int) else None
        where = f" at its line {line}" if line else ""
        return [Problem(source, None, name, None, f"malformed XML in {name}{where}: save the document from Word again")]
    found = []
    if tree.getroottree().docinfo.doctype:
        found.append(Problem(source, None, name, None, "a DOCTYPE in a Word part (entities that could read files): save the document from Word again"))
    if name.endswith(".rels"):
        for rel in tree.iter(_REL):
            if (rel.get("TargetMode") or "").lower() == "external":
                kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
                message = f"a relationship ({kind}) to a target outside the document (TargetMode External): Word may fetch it when the file is opened; {_FIX}"
                found.append(Problem(source, None, name, (rel.get("Target") or "")[:200], message))
        return found
    if b"instr" not in xml:
        return found
    codes = [e.text or "" for e in tree.iter(f"{_W}instrText")] + [e.get(f"{_W}instr") or "" for e in tree.iter(f"{_W}fldSimple")]
    for code in codes:
        if match := _FETCHING_FIELD.search(code):
            message = f"the field {match.group(1).upper()} reaches outside the document when Word updates it; {_FIX}"
            found.append(Problem(source, None, name, code.strip()[:200], message))
    return found


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
