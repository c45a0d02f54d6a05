"""Hostile templates of every kind other than text (DOCX, EDGAR HTML, CSS) and hostile targets of `templates export`.

Each case is what an attacker holding a deal team's template folder (or an export target)
would try: it must end in exit status 2 with a message naming the file, nothing written,
nothing read from outside the folder and no URL in any output. The first tests are the
findings as they were reproduced, each failing on the code before its fix; `check` is the
last line of defence for EDGAR HTML, so its hostile pages are here too.
"""

from __future__ import annotations

import errno
import io
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.cli import app

from .helpers import ROOT, SHELF, TAKEDOWN, runner

SHELF_DOCX = "exhibit-5-1-shelf.docx"
SHELF_HTM = "exhibit-5-1-shelf.htm.j2"
SECRET = "dealdocs-secret-7f3a"  # the text of a file outside the template folder: must never reach an output or a message
STAGING_LEFTOVER = ".dealdocs-export-killed"


@pytest.fixture(autouse=True)
def _short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALDOCS_RENDER_SECONDS", "10")


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every template folder, which no template may read."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET + "\n")
    return path


def _render(folder: Path, out: Path, fmt: str, deal: Path = SHELF) -> tuple[int, str]:
    result = runner.invoke(app, ["render", str(deal), "--out", str(out), "--format", fmt, "--templates", str(folder)])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, result.output


def _refused(folder: Path, out: Path, fmt: str, *names: str) -> str:
    """Render with a hostile folder: exit 2, a message naming one of `names`, nothing written, nothing leaked."""
    code, output = _render(folder, out, fmt)
    assert code == 2, output
    assert any(name in output for name in names), output
    assert not out.exists(), "nothing is written when a template is refused"
    assert SECRET not in output and "root:" not in output
    return output


def _docx(change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """The built-in shelf Word template with each part passed through `change` (None drops the part)."""
    source = zipfile.ZipFile(ROOT / "templates" / SHELF_DOCX)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name in source.namelist():
            data = change(name, source.read(name))
            if data is not None:
                package.writestr(name, data)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def _in_part(part: str, old: bytes, new: bytes) -> Callable[[str, bytes], bytes | None]:
    return lambda name, data: data.replace(old, new, 1) if name == part else data


def _relationship(part: str, kind: str, target: str) -> Callable[[str, bytes], bytes | None]:
    kinds = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rel = f'<Relationship Id="rId99" Type="{kinds}/{kind}" Target="{target}" TargetMode="External"/>'
    return _in_part(part, b"</Relationships>", rel.encode() + b"</Relationships>")


def _paragraph(xml: str) -> Callable[[str, bytes], bytes | None]:
    return _in_part("word/document.xml", b"<w:body>", b"<w:body><w:p>" + xml.encode() + b"</w:p>")


SETTINGS_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
    b'Target="http://127.0.0.1:9/evil.dotm" TargetMode="External"/></Relationships>'
)


# --- the findings, as reproduced ----------------------------------------------------------


def test_docx_template_linked_to_a_file_outside_its_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "other.docx").write_bytes(_docx(_paragraph(f"<w:r><w:t>{SECRET}</w:t></w:r>")))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / SHELF_DOCX).symlink_to(outside / "other.docx")
    output = _refused(folder, tmp_path / "out", "docx", SHELF_DOCX)
    assert "outside the template folder" in output


def test_docx_template_with_an_external_attached_template_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / SHELF_DOCX).write_bytes(_docx(lambda n, d: d, {"word/_rels/settings.xml.rels": SETTINGS_RELS}))
    output = _refused(folder, tmp_path / "out", "docx", SHELF_DOCX)
    assert "TargetMode External" in output and "word/_rels/settings.xml.rels" in output


def test_print_css_import_after_other_rules_stops_the_render(tmp_path: Path, secret: Path) -> None:
    """WeasyPrint skips an @import that does not open its stylesheet with a log line: it was silently ignored."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "print.css").write_text(f'@import url("{secret.as_uri()}");\n' + (ROOT / "templates" / "print.css").read_text())
    output = _refused(folder, tmp_path / "out", "pdf", "exhibit-5-1-shelf.html.j2")
    assert "refused to fetch" in output


@pytest.mark.parametrize("style", ["margin:\\75 rl(http://127.0.0.1:9/x)", "margin:image-set('http://127.0.0.1:9/x' 1x)"])
def test_a_url_spelled_otherwise_in_a_style_never_reaches_the_edgar_html(style: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / SHELF_HTM).write_text('{% extends "_base.htm.j2" %}{% block body %}<p style="' + style + '">x</p>{% endblock %}\n')
    output = _refused(folder, tmp_path / "out", "htm", SHELF_HTM)
    assert "[style]" in output or "style" in output
    page = tmp_path / "page.htm"
    page.write_text(f'<html><body><p style="{style}">x</p></body></html>\n')
    result = runner.invoke(app, ["check", str(page)])
    assert result.exit_code == 1 and "[style]" in result.output, result.output


@pytest.mark.parametrize("trick", ["<!--><script>alert(1)</script>-->", "<![CDATA[><script>alert(1)</script>]]>"])
def test_check_sees_a_script_a_browser_runs(trick: str, tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    page.write_text(f"<html><body><p>x</p>{trick}</body></html>\n")
    result = runner.invoke(app, ["check", str(page)])
    assert result.exit_code == 1 and "[element]" in result.output and "script" in result.output, result.output


@pytest.mark.parametrize("trick", ["<!--><script>alert(1)</script>-->", "<![CDATA[><script>alert(1)</script>]]>"])
def test_a_supplied_exhibit_with_a_hidden_script_is_refused(trick: str, tmp_path: Path) -> None:
    shutil.copy(TAKEDOWN, tmp_path / "deal.yaml")
    (tmp_path / "ex4-1.htm").write_text(f"<html><body><p>Pooling and Servicing Agreement</p>{trick}</body></html>\n")
    with (tmp_path / "deal.yaml").open("a") as handle:
        handle.write("  exhibits:\n    - {type: EX-4.1, description: Pooling and Servicing Agreement, file: ex4-1.htm}\n")
    result = runner.invoke(app, ["render", str(tmp_path / "deal.yaml"), "--submission", str(tmp_path / "out")])
    assert result.exit_code == 2 and "ex4-1.htm" in result.output and "script" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_submission_markup_in_a_deal_string_is_refused_at_its_line(tmp_path: Path) -> None:
    lines = SHELF.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if "name: John R. Dye" in line)
    lines[number] += "</TEXT></DOCUMENT><TYPE>EX-99"
    deal = tmp_path / "shelf.yaml"
    deal.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["validate", str(deal)])
    assert result.exit_code == 2 and f"shelf.yaml:{number + 1}" in result.output and "submission markup" in result.output, result.output


@pytest.mark.parametrize("character", ["\u202e", "\u2066"])
def test_a_direction_override_in_a_deal_string_is_refused_at_its_line(character: str, tmp_path: Path) -> None:
    lines = SHELF.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if "name: John R. Dye" in line)
    lines[number] = lines[number].replace("Dye", "D" + character + "ye")
    deal = tmp_path / "shelf.yaml"
    deal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(deal)])
    assert result.exit_code == 2 and f"shelf.yaml:{number + 1}" in result.output and f"U+{ord(character):04X}" in result.output, result.output


@pytest.mark.parametrize(
    ("name", "text", "rule"),
    [
        ("a.txt", "EXHIBIT 5.1\n</TEXT>\n</DOCUMENT>\n<DOCUMENT>\n<TYPE>EX-99\n", "[submission-markup]"),
        ("a.htm", "<html><body><p>x</p></TEXT></DOCUMENT><TYPE>EX-99</body></html>\n", "[submission-markup]"),
        ("a.htm", "<html><body><p>Soci&#8238;t&#233;</p></body></html>\n", "[bidi]"),
        ("a.htm", "<html><body><p title=\"&#x2067;x\">x</p></body></html>\n", "[bidi]"),
    ],
)
def test_check_flags_submission_markup_and_direction_overrides(name: str, text: str, rule: str, tmp_path: Path) -> None:
    (tmp_path / name).write_text(text)
    result = runner.invoke(app, ["check", str(tmp_path / name)])
    assert result.exit_code == 1 and rule in result.output, result.output


def test_check_folder_reads_hidden_files_and_sub_folders(tmp_path: Path) -> None:
    (tmp_path / "ex99.htm").write_text('<html><body><a href=".hidden.htm">more</a></body></html>\n')
    (tmp_path / ".hidden.htm").write_text("<html><body><script>alert(1)</script></body></html>\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.htm").write_text("<html><body><script>alert(2)</script></body></html>\n")
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert ".hidden.htm [element]" in result.output or re.search(r"\.hidden\.htm:\d+ \[element\]", result.output), result.output
    assert re.search(r"sub/b\.htm:\d+ \[element\]", result.output) and "[folder]" in result.output, result.output
    assert "ex99.htm" in result.output  # its link leads to a file EDGAR would not take


def test_check_folder_does_not_read_through_links_or_pipes(tmp_path: Path, secret: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "a.txt").symlink_to(secret)
    os.mkfifo(folder / "b.txt")
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 1 and SECRET not in result.output, result.output
    assert result.output.count("[file]") == 2, result.output


def test_export_never_writes_through_a_dangling_link_or_a_linked_folder(tmp_path: Path) -> None:
    target, elsewhere = tmp_path / "mine", tmp_path / "elsewhere"
    target.mkdir()
    elsewhere.mkdir()
    (target / "print.css").symlink_to(tmp_path / "dangling.css")
    (target / "_letter").symlink_to(elsewhere)
    result = runner.invoke(app, ["templates", "export", str(target)])
    assert result.exit_code == 2 and "symbolic link" in result.output, result.output
    assert not (tmp_path / "dangling.css").exists() and not any(elsewhere.iterdir())
    assert sorted(p.name for p in target.iterdir()) == ["_letter", "print.css"]


# --- DOCX: hostile Word templates ----------------------------------------------------------

ZIP_BOMB = b"<w:p/>" + b" " * (65 * 2**20)
HOSTILE_DOCX: dict[str, Callable[[], bytes]] = {
    "not-a-zip": lambda: b"PK\x03\x04 this is not a zip\n",
    "plain-text": lambda: b"{{ deal.parse_raw('x') }}\n",
    "empty-file": lambda: b"",
    "truncated-zip": lambda: _docx(lambda n, d: d)[:2000],
    "no-document-part": lambda: _docx(lambda n, d: None if n == "word/document.xml" else d),
    "malformed-document-xml": lambda: _docx(lambda n, d: d[:-40] if n == "word/document.xml" else d),
    "malformed-relationships": lambda: _docx(lambda n, d: b"<Relationships" if n == "word/_rels/document.xml.rels" else d),
    "doctype-with-file-entity": lambda: _docx(
        _in_part("word/document.xml", b"<w:document", b'<!DOCTYPE w:document [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document')
    ),
    "billion-laughs": lambda: _docx(
        _in_part("word/document.xml", b"<w:document", b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document')
    ),
    "parts-unpack-past-the-cap": lambda: _docx(_in_part("word/document.xml", b"<w:body>", b"<w:body>" + ZIP_BOMB)),
    "external-attached-template": lambda: _docx(lambda n, d: d, {"word/_rels/settings.xml.rels": SETTINGS_RELS}),
    "external-image": lambda: _docx(_relationship("word/_rels/document.xml.rels", "image", "http://127.0.0.1:9/pixel.png")),
    "external-hyperlink": lambda: _docx(_relationship("word/_rels/document.xml.rels", "hyperlink", "http://127.0.0.1:9/")),
    "external-file-link": lambda: _docx(_relationship("word/_rels/document.xml.rels", "oleObject", "file:///etc/passwd")),
    "external-from-package-rels": lambda: _docx(_relationship("_rels/.rels", "officeDocument", "http://127.0.0.1:9/x.xml")),
    "includetext-field": lambda: _docx(_paragraph('<w:r><w:instrText xml:space="preserve"> INCLUDETEXT "/etc/passwd" </w:instrText></w:r>')),
    "includepicture-simple-field": lambda: _docx(
        _paragraph('<w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://127.0.0.1:9/x.png&quot; \\d"><w:r><w:t>x</w:t></w:r></w:fldSimple>')
    ),
    "link-field": lambda: _docx(_paragraph('<w:r><w:instrText>LINK Excel.Sheet.8 "C:\\\\x.xls" "" \\a</w:instrText></w:r>')),
    "dde-field": lambda: _docx(_paragraph("<w:r><w:instrText>DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\"</w:instrText></w:r>")),
    "field-written-by-a-tag": lambda: _docx(
        _paragraph("<w:r><w:instrText xml:space=\"preserve\">{{ 'INCLUDE' ~ 'TEXT' }} \"/etc/passwd\"</w:instrText></w:r>")
    ),
    "tag-reads-a-class": lambda: _docx(_paragraph("<w:r><w:t>{{ deal.__class__ }}</w:t></w:r>")),
    "tag-include-outside": lambda: _docx(_paragraph('<w:r><w:t>{% include "/etc/passwd" %}</w:t></w:r>')),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_DOCX))
def test_hostile_docx_template_is_refused(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / SHELF_DOCX).write_bytes(HOSTILE_DOCX[name]())
    _refused(folder, tmp_path / "out", "docx", SHELF_DOCX)


@pytest.mark.parametrize("kind", ["directory", "fifo", "link-to-a-folder", "link-out-and-back"])
def test_docx_template_that_is_no_regular_file_inside_its_folder_is_refused(kind: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    path = folder / SHELF_DOCX
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "link-to-a-folder":
        path.symlink_to(tmp_path)
    else:
        shutil.copy(ROOT / "templates" / SHELF_DOCX, tmp_path / "real.docx")
        path.symlink_to(Path("..") / "real.docx")
    output = _refused(folder, tmp_path / "out", "docx", SHELF_DOCX)
    assert "refused" in output


def test_a_link_inside_the_folder_is_followed(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "word").mkdir(parents=True)
    shutil.copy(ROOT / "templates" / SHELF_DOCX, folder / "word" / "real.docx")
    (folder / SHELF_DOCX).symlink_to(Path("word") / "real.docx")
    code, output = _render(folder, tmp_path / "out", "docx")
    assert code == 0, output


# --- EDGAR HTML: hostile .htm.j2 templates (render refuses them) and pages (check flags them) --

HOSTILE_HTML = {
    "comment-hides-a-script": "<!--><script>alert(1)</script>-->",
    "cdata-hides-a-script": "<![CDATA[><script>alert(1)</script>]]>",
    "script-in-a-bogus-comment": "<!x><script>alert(1)</script>",
    "escaped-url-in-a-style": '<p style="margin:\\75 rl(http://127.0.0.1:9/x)">x</p>',
    "entity-url-in-a-style": '<p style="margin:&#117;rl(http://127.0.0.1:9/x)">x</p>',
    "image-set-in-a-style": "<p style=\"margin:image-set('http://127.0.0.1:9/x' 1x)\">x</p>",
    "plain-url-in-a-style": '<p style="margin:url(http://127.0.0.1:9/x)">x</p>',
    "background-property": '<p style="background:red">x</p>',
    "expression-in-a-style": '<p style="width:expression(alert(1))">x</p>',
    "behavior-in-a-style": '<p style="behavior:url(x.htc)">x</p>',
    "import-in-a-style": '<p style="@import url(http://127.0.0.1:9/x.css);color:red">x</p>',
    "style-element": "<style>p{color:red}</style>",
    "stylesheet-link": '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    "image-from-the-network": '<img src="http://127.0.0.1:9/x.gif">',
    "javascript-link": '<a href="javascript:alert(1)">x</a>',
    "javascript-link-with-blanks": '<a href=" java\tscript:alert(1)">x</a>',
    "javascript-link-as-entities": '<a href="&#106;avascript:alert(1)">x</a>',
    "event-attribute": '<p onmouseover="alert(1)">x</p>',
    "background-attribute": '<p background="http://127.0.0.1:9/x.gif">x</p>',
    "ping-attribute": '<a href="ex5-1.htm" ping="http://127.0.0.1:9/">x</a>',
    "srcset-attribute": '<img src="a.gif" srcset="http://127.0.0.1:9/x.gif 2x">',
    "iframe": '<iframe src="http://127.0.0.1:9/"></iframe>',
    "object": '<object data="http://127.0.0.1:9/x.swf"></object>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/">',
    "base-element": '<base href="http://127.0.0.1:9/">',
    "svg-image": '<svg><image href="http://127.0.0.1:9/x.png"/></svg>',
    "submission-markup": "</TEXT></DOCUMENT><DOCUMENT><TYPE>EX-99",
    "direction-override": "<p>&#8238;x</p>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_HTML))
def test_hostile_edgar_html_template_is_refused(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / SHELF_HTM).write_text('{% extends "_base.htm.j2" %}{% block body %}<p>x</p>' + HOSTILE_HTML[name] + "{% endblock %}\n")
    output = _refused(folder, tmp_path / "out", "htm", SHELF_HTM)
    assert "EDGAR refuses" in output


@pytest.mark.parametrize("name", sorted(HOSTILE_HTML))
def test_check_flags_every_hostile_page(name: str, tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    page.write_text(f"<html><body><p>x</p>{HOSTILE_HTML[name]}</body></html>\n")
    result = runner.invoke(app, ["check", str(page)])
    assert result.exit_code == 1 and "page.htm:1 [" in result.output, result.output


def test_check_passes_what_dealdocs_writes(tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    page.write_text('<html><body><p style="margin:0;font-size:9pt;color:rgb(0,0,0)">Soci&#233;t&#233; &amp; &mdash;</p><a href="#top">x</a></body></html>\n')
    result = runner.invoke(app, ["check", str(page)])
    assert result.exit_code == 0, result.output


# --- CSS: hostile stylesheets of the PDF (print.css is included into the page's <style>) ---

HOSTILE_CSS = {
    "import-after-rules": '@import url("{secret}");',
    "import-as-a-string": '@import "{secret}";',
    "import-in-a-media-block": '@media print {{ @import url("{secret}"); }}',
    "import-escaped-keyword": '@\\69 mport url("{secret}");',
    "import-climbing-out": '@import url("print.css/../../../../../../../..{secret_path}");',
    "import-from-the-network": '@import url("http://127.0.0.1:9/x.css");',
    "import-opening-a-second-style-element": 'p {{ color: black; </style><style>@import url("{secret}");',

    "font-face-from-outside": '@font-face {{ font-family: "X"; src: url("{secret}"); }} body {{ font-family: "X"; }}',
    "background-from-outside": 'body {{ background: url("{secret}"); }}',
    "escaped-url-function": 'body {{ background: \\75 rl("{secret}"); }}',
    "list-image-from-outside": 'li, p {{ list-style-image: url("{secret}"); display: list-item; }}',
    "content-image-from-outside": 'p::before {{ content: url("{secret}"); }}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CSS))
def test_hostile_print_css_stops_the_pdf(name: str, tmp_path: Path, secret: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    rule = HOSTILE_CSS[name].format(secret=secret.as_uri(), secret_path=secret)
    (folder / "print.css").write_text(rule + "\n" + (ROOT / "templates" / "print.css").read_text())
    output = _refused(folder, tmp_path / "out", "pdf", "exhibit-5-1-shelf.html.j2")
    assert "refused to fetch" in output


@pytest.mark.parametrize("kind", ["imports-outside", "linked-outside", "fifo", "data-url-imports-outside"])
def test_a_linked_stylesheet_is_read_as_every_template_file(kind: str, tmp_path: Path, secret: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    href = "extra.css"
    if kind == "data-url-imports-outside":
        href = f"data:text/css,p%7Bcolor:black%7D%40import%20url({secret.as_uri()})%3B"
    elif kind == "imports-outside":
        (folder / "extra.css").write_text(f'@import url("{secret.as_uri()}");\np {{ color: black; }}\n')
    elif kind == "linked-outside":
        (folder / "extra.css").symlink_to(secret)
    elif kind == "fifo":
        os.mkfifo(folder / "extra.css")
    page = '{% extends "_base.html.j2" %}{% block body %}<link rel="stylesheet" href="' + href + '"><p>x</p>{% endblock %}'
    (folder / "exhibit-5-1-shelf.html.j2").write_text(page)
    output = _refused(folder, tmp_path / "out", "pdf", "exhibit-5-1-shelf.html.j2")
    assert "refused to fetch" in output


# --- templates export: hostile targets ----------------------------------------------------


def _export(target: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["templates", "export", str(target), "--document", "exhibit-5-1-shelf"])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, result.output


def _exported(target: Path) -> list[str]:
    return sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())


@pytest.mark.parametrize("kind", ["dangling-link", "link-to-a-file", "linked-sub-folder", "link-to-a-folder-as-a-file", "existing-file"])
def test_export_into_a_hostile_target_is_refused_and_writes_nothing(kind: str, tmp_path: Path, secret: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    if kind == "dangling-link":
        (target / "print.css").symlink_to(tmp_path / "nowhere.css")
    elif kind == "link-to-a-file":
        (target / "exhibit-5-1-shelf.txt.j2").symlink_to(secret)
    elif kind == "linked-sub-folder":
        (target / "exhibit-5-1-shelf").symlink_to(secret.parent)
    elif kind == "link-to-a-folder-as-a-file":
        (target / "_base.html.j2").symlink_to(secret.parent)
    else:
        (target / "print.css").write_text("mine\n")
    before = sorted(os.listdir(target))
    code, output = _export(target)
    assert code == 2 and str(target) in output, output
    assert sorted(os.listdir(target)) == before and not (tmp_path / "nowhere.css").exists()
    assert os.listdir(secret.parent) == ["secret.txt"] and secret.read_text() == SECRET + "\n"


@pytest.mark.parametrize("kind", ["a-file", "under-a-file"])
def test_export_into_a_file_path_is_a_message(kind: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x\n")
    target = tmp_path / "file" if kind == "a-file" else tmp_path / "file" / "mine"
    code, output = _export(target)
    assert code == 2 and "file" in output, output
    assert (tmp_path / "file").read_text() == "x\n"


@pytest.mark.parametrize(("step", "error"), [("write_bytes", errno.ENOSPC), ("rename", errno.EROFS), ("mkdir", errno.EROFS)])
def test_export_that_cannot_finish_leaves_nothing_and_a_rerun_works(step: str, error: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk or a read-only file system part-way: a message, no partial files, and the next try succeeds."""
    target = tmp_path / "mine"
    calls = {"n": 0}

    def failing(original: Callable[..., object]) -> Callable[..., object]:
        def fail(*args: object, **kwargs: object) -> object:
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(error, os.strerror(error))
            return original(*args, **kwargs)

        return fail

    if step == "rename":
        monkeypatch.setattr(os, "rename", failing(os.rename))
    else:
        monkeypatch.setattr(Path, step, failing(getattr(Path, step)))
    code, output = _export(target)
    assert code == 2 and "cannot write" in output, output
    assert not target.exists() or _exported(target) == [], _exported(target)
    monkeypatch.undo()
    code, output = _export(target)
    assert code == 0, output
    assert "exhibit-5-1-shelf.txt.j2" in _exported(target) and not any(p.name.startswith(".") for p in target.iterdir())


# --- every style `check` passes fetches nothing in a real CSS engine -------------------------

_CSS_PIECES = [
    "background:", "list-style-image:", "content:", "width:", ";", " ", "'", '"', "(", ")", "\\", "/*", "*/", "\n", "{", "}",
    "url(file:///x.gif)", "url('file:///x.gif')", "URL( file:///x.gif )", "\\75 rl(file:///x.gif)", "\\55 RL(file:///x.gif)", "u\\rl(file:///x.gif)", "\\000075rl(file:///x.gif)",
    "image-set('file:///x.gif' 1x)", "-webkit-image-set(url(file:///x.gif) 1x)", "linear-gradient(red, blue)", "rgb(0,0,0)", "red", "1in",
    "&#117;rl(file:///x.gif)", "@import 'x.css';", "!important",
]


@given(st.lists(st.sampled_from(_CSS_PIECES), max_size=8).map("".join))
@example("background:\\75 rl(file:///x.gif)")
@example("list-style-image:image-set('file:///x.gif' 1x)")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_a_style_check_passes_makes_weasyprint_fetch_nothing(style: str) -> None:
    """WeasyPrint, a real CSS engine, is the judge: a page whose styles `check` accepts asks its fetcher for nothing.

    The properties that fetch (`background`, `list-style-image`, `content`) are let through the
    allow-list here, so that the rule on values alone (no URL however spelled) is what is judged.
    """
    import html as html_module
    from unittest.mock import patch

    import weasyprint

    from generator.formats import edgar_check

    page = f'<html><body><ol><li style="{html_module.escape(style)}">x</li></ol></body></html>'
    from weasyprint.urls import URLFetcher

    fetched: list[str] = []

    class Recorder(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> object:
            fetched.append(url)
            raise ValueError("no fetching in this test")

    fetching = edgar_check.STYLE_PROPERTIES | {"background", "list-style-image", "content"}
    with patch.object(edgar_check, "STYLE_PROPERTIES", fetching):
        accepted = not edgar_check.html_problems(page, "page.htm")
    if accepted:
        weasyprint.HTML(string=page, url_fetcher=Recorder()).render()
        assert fetched == [], (style, fetched)


_HTML_PIECES = [
    "<", ">", "/", "!", "--", "<![CDATA[", "]]>", "<script>", "<p ", "style=", '"', "'", "&#", "&#x", "202e;", ";", "\x00", "\xff",
    "<table>", "</table>", "<svg>", "<math>", "<?x", "a", " ", "\n", "=", "url(", "\\", "<TEXT>", "&amp", "&bogus;", "<!DOCTYPE html>",
    "<template>", "<select>", "<textarea>", "<frameset>", "<plaintext>", "<title>", "<style>", "@import", "{",
]


@given(st.lists(st.sampled_from(_HTML_PIECES), max_size=30).map("".join))
@settings(max_examples=150, deadline=None)
def test_check_reads_any_page_without_failing(text: str) -> None:
    """Whatever a file holds, `check` reports problems, never an exception (its bytes come in as Latin-1 text)."""
    from generator.formats.edgar_check import html_problems

    assert all(problem.file == "page.htm" for problem in html_problems(text, "page.htm"))


def test_export_cut_short_can_be_run_again_and_never_replaces_an_edited_file(tmp_path: Path) -> None:
    """A run killed between its moves left some files: the next run adds the others; a file edited since is never replaced."""
    target = tmp_path / "mine"
    assert _export(target)[0] == 0
    files = _exported(target)
    for name in files[::2]:
        (target / name).unlink()
    (target / STAGING_LEFTOVER).mkdir()  # the hidden staging folder of the killed run
    code, output = _export(target)
    assert code == 0 and _exported(target) == files and not (target / STAGING_LEFTOVER).exists(), output
    assert output.count("wrote ") == len(files[::2])
    (target / "print.css").write_text("/* mine */\n")
    code, output = _export(target)
    assert code == 2 and "print.css" in output and "already exists" in output, output
    assert (target / "print.css").read_text() == "/* mine */\n"
