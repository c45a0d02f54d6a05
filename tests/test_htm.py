"""EDGAR HTML, checked independently of the code that writes it: every rendered .htm parsed with the
standard library's HTML parser and held, element by element, to the Filer Manual's rules (Vol. II,
ch. 5); reruns give the same bytes; data is escaped; a submission's exhibit index resolves.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.api import documents_of, load_deal

from .helpers import DEAL, SHELF, TAKEDOWN, VARIANTS, runner

DEALS = [DEAL, TAKEDOWN, SHELF, *sorted(VARIANTS.glob("*/*.yaml"))]
CASES = [(path, doc.name) for path in DEALS for doc in documents_of(load_deal(path))]

# The Filer Manual's lists, written out here rather than imported from the generator.
HTML32 = set(
    "a address b big blockquote body br caption center cite code dd dfn dir div dl dt em font h1 h2 h3 h4 h5 h6 "
    "head hr html i img kbd li menu ol p pre samp small strike strong sub sup table td th title tr tt u ul var".split()
)
REFUSED = {
    "script", "style", "link", "form", "object", "embed", "iframe", "ins", "del", "s", "q",
    "thead", "tbody", "tfoot", "col", "colgroup", "meta", "applet",
}  # fmt: skip


class Rules(HTMLParser):
    """Every element and attribute of a document, with what breaks EDGAR's rules."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.broken: list[str] = []
        self.depth = 0
        self.links: list[str] = []
        self.page_breaks = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML32 or tag in REFUSED:
            self.broken.append(f"element <{tag}>")
        if tag == "table":
            self.depth += 1
            if self.depth > 1:
                self.broken.append("nested table")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.broken.append(f"event attribute {name}")
            if name in ("class", "id") and tag != "a":
                self.broken.append(f"{name}: presentation only through style attributes")
            if name == "style" and re.search(r"url\(|@import|expression", value, re.I):
                self.broken.append(f"style {value}")
            if name == "style" and "page-break-after:always" in value.replace(" ", ""):
                self.page_breaks += 1
            if name == "href":
                self.links.append(value)
                if re.match(r"^[a-z]+:", value, re.I) and not value.startswith("https://www.sec.gov/Archives/"):
                    self.broken.append(f"external link {value}")
            if name == "src" and not (value.endswith((".jpg", ".gif")) and "/" not in value):
                self.broken.append(f"image {value}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)



@pytest.fixture(scope="module")
def htm_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example rendered with --format htm through the command line."""
    from generator.cli import app

    files = {}
    for path in DEALS:
        out = tmp_path_factory.mktemp(path.parent.name)
        result = runner.invoke(app, ["render", str(path), "--format", "htm", "--out", str(out)])
        assert result.exit_code == 0, result.output
        files.update({f"{path.parent.name}-{f.stem}": f for f in out.glob("*.htm")})
    return files


def test_every_example_renders_to_edgar_html(htm_files: dict[str, Path]) -> None:
    assert len(htm_files) == len(CASES)
    for key, path in htm_files.items():
        data = path.read_bytes()
        assert data.isascii(), key
        assert len(path.name) <= 32 and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.htm", path.name)
        rules = Rules()
        rules.feed(data.decode("ascii"))
        assert rules.broken == [], (key, rules.broken)
        assert rules.depth == 0


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{p.parent.name}-{n}" for p, n in CASES])
def test_pages_break_where_the_pdf_breaks(path: Path, name: str) -> None:
    from pypdf import PdfReader

    from generator.api import render_document

    loaded = load_deal(path)
    rules = Rules()
    rules.feed(render_document(loaded, name, "htm").text)
    assert rules.page_breaks == len(PdfReader(io.BytesIO(render_document(loaded, name, "pdf").content)).pages) - 1


def test_dealdocs_check_passes_every_rendered_file(htm_files: dict[str, Path]) -> None:
    from generator.cli import app

    result = runner.invoke(app, ["check", *map(str, htm_files.values())])
    assert result.exit_code == 0, result.output


def test_htm_bytes_are_the_same_on_every_run() -> None:
    from generator.api import render_document

    for path in DEALS[:3]:
        for document in documents_of(load_deal(path)):
            assert render_document(load_deal(path), document.name, "htm").content == render_document(load_deal(path), document.name, "htm").content


def test_data_is_escaped_as_ascii_character_references() -> None:
    from generator.api import render_document

    variant = VARIANTS / "takedown-other-counsel" / "deal.yaml"
    assert '"Soci\\xE9t\\xE9 G\\xE9n\\xE9rale <Americas> \\"SG\\""' in variant.read_text(encoding="utf-8")
    html = render_document(load_deal(variant), "exhibit-5-1-takedown", "htm").text
    assert html.isascii()
    assert "Soci&#233;t&#233; G&#233;n&#233;rale &lt;Americas&gt; &#8220;SG&#8221;" in html  # quotes typeset, as in DOCX and PDF
    assert "<Americas>" not in html
    assert "Cadwalader, Wickersham &amp; Taft LLP" in html


def test_submission_folder_has_the_8k_its_exhibits_and_a_resolving_index(tmp_path: Path) -> None:
    from generator.cli import app

    for path, exhibit in ((TAKEDOWN, "EX-5.1"), (DEAL, "EX-99.1")):
        folder = tmp_path / path.parent.name
        result = runner.invoke(app, ["render", str(path), "--submission", str(folder)])
        assert result.exit_code == 0, result.output
        listed = json.loads((folder / "submission.json").read_text())
        assert [d["type"] for d in listed["documents"]] == ["8-K", exhibit]
        assert {d["file"] for d in listed["documents"]} | {"submission.json"} == {p.name for p in folder.iterdir()}
        for document in listed["documents"]:
            assert hashlib.sha256((folder / document["file"]).read_bytes()).hexdigest() == document["sha256"]
        rules = Rules()
        rules.feed((folder / "form8-k.htm").read_text(encoding="ascii"))
        assert rules.broken == []
        assert rules.links and all((folder / link).is_file() for link in rules.links)
        assert set(rules.links) == {d["file"] for d in listed["documents"][1:]}
        text = " ".join("".join(rules.text).split())
        assert "Item 8.01" in text and "Item 9.01" in text and "EXHIBIT INDEX" in text
        assert runner.invoke(app, ["check", str(folder)]).exit_code == 0


def test_submission_carries_supplied_exhibits_and_check_finds_tampering(tmp_path: Path) -> None:
    from generator.cli import app

    shutil.copy(TAKEDOWN, tmp_path / "deal.yaml")
    (tmp_path / "ex99-2.htm").write_text("<html><body><p>Pooling and Servicing Agreement</p></body></html>\n")
    with (tmp_path / "deal.yaml").open("a") as handle:
        handle.write("  exhibits:\n    - {type: EX-4.1, description: Pooling and Servicing Agreement, file: ex99-2.htm}\n")
    folder = tmp_path / "out"
    result = runner.invoke(app, ["render", str(tmp_path / "deal.yaml"), "--submission", str(folder)])
    assert result.exit_code == 0, result.output
    listed = json.loads((folder / "submission.json").read_text())
    assert [d["type"] for d in listed["documents"]] == ["8-K", "EX-4.1", "EX-5.1"]
    (folder / "ex5-1.htm").write_text((folder / "ex5-1.htm").read_text().replace("<p", "<script>x</script><p", 1))
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 1
    assert "[element]" in result.output and "[manifest]" in result.output


def test_a_shelf_only_deal_has_no_8k_to_file(tmp_path: Path) -> None:
    from generator.cli import app

    result = runner.invoke(app, ["render", str(SHELF), "--submission", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "Form S-3" in result.output
    assert not (tmp_path / "s").exists()


def test_a_user_template_that_breaks_a_rule_is_named(tmp_path: Path) -> None:
    from generator.cli import app

    body = '<p onclick="x">{{ letter.counsel.name }}</p>'
    (tmp_path / "exhibit-5-1-shelf.htm.j2").write_text('{% extends "_base.htm.j2" %}{% block body %}' + body + "{% endblock %}\n")
    result = runner.invoke(app, ["render", str(SHELF), "--format", "htm", "--templates", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "exhibit-5-1-shelf.htm.j2" in result.output and "event" in result.output


def test_check_reports_file_line_and_rule(tmp_path: Path) -> None:
    from generator.cli import app

    (tmp_path / "a.txt").write_text("fine\n" + "x" * 81 + "\n\tno\n<PAGE>\n")
    (tmp_path / "b.htm").write_text("<html><body>\n<table><tr><td><table></table></td></tr></table>\n<q>x</q></body></html>\n")
    result = runner.invoke(app, ["check", str(tmp_path / "a.txt"), str(tmp_path / "b.htm")])
    assert result.exit_code == 1
    for expected in ("a.txt:2 [width]", "a.txt:3 [tab]", "a.txt:4 [page]", "b.htm:2 [nested-table]", "b.htm:3 [element]"):
        assert expected in result.output, result.output


def test_check_names_each_character_outside_ascii_and_what_to_write_instead(tmp_path: Path) -> None:
    """A .txt gets the ASCII render would print, a .htm the numeric reference; the value shows as UTF-8, a stray byte in hex."""
    from generator.cli import app

    (tmp_path / "a.txt").write_bytes("fine\nSoci\u00e9t\u00e9 \u2014 Soci\u00e9t\u00e9\n".encode() + b"caf\xe9\n")
    (tmp_path / "b.htm").write_bytes("<html><body>\n<p>Soci\u00e9t\u00e9 \u2014</p>\n".encode() + b"<p>caf\xe9</p></body></html>\n")
    result = runner.invoke(app, ["check", str(tmp_path / "a.txt"), str(tmp_path / "b.htm")])
    assert result.exit_code == 1
    lines = {line.split(" ", 1)[0].rsplit("/", 1)[-1]: line for line in result.output.splitlines() if "[ascii]" in line}
    assert sorted(lines) == ["a.txt:2", "a.txt:3", "b.htm:2", "b.htm:3"], result.output  # one problem per line
    text, html = lines["a.txt:2"], lines["b.htm:2"]
    assert "U+00E9 LATIN SMALL LETTER E WITH ACUTE: write 'e'" in text and "U+2014 EM DASH: write '-'" in text, text
    assert text.count("U+00E9") == 1 and "'Soci\u00e9t\u00e9 \u2014 Soci\u00e9t\u00e9'" in text and "&#" not in text, text
    assert "U+00E9 LATIN SMALL LETTER E WITH ACUTE: write &#233;" in html and "U+2014 EM DASH: write &#8212;" in html, html
    assert "Soci\u00e9t\u00e9" in html and "&#8220;" not in html, html
    for stray in (lines["a.txt:3"], lines["b.htm:3"]):
        assert "byte 0xE9 is not UTF-8" in stray and "caf\ufffd" in stray, stray
    assert "in ASCII" in lines["a.txt:3"] and "numeric character reference" in lines["b.htm:3"]


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=30))
def test_check_names_every_character_outside_ascii_once(line: str) -> None:
    """Whatever the line, the advice names each distinct offending character once, with a reference (.htm) or printable ASCII (.txt)."""
    from generator.formats.edgar_check import non_ascii_advice

    html, text = non_ascii_advice(line, html=True), non_ascii_advice(line, html=False)
    assert html.isascii() and text.isascii()
    for char in set(line):
        code = f"U+{ord(char):04X} "
        assert html.count(code) == (ord(char) > 0x7F) and text.count(code) == (not " " <= char <= "~"), (html, text)
        if ord(char) > 0x7F:
            assert f"&#{ord(char)};" in html


def test_check_names_a_control_character_in_text(tmp_path: Path) -> None:
    from generator.formats.edgar_check import text_problems

    (problem,) = text_problems("bell\x07\n", "a.txt")
    assert (problem.line, problem.column) == (1, "ascii") and "U+0007 (a control character): no ASCII equivalent" in problem.message


def test_check_names_a_pdf_beside_the_documents_once_instead_of_reading_it_as_ascii(tmp_path: Path) -> None:
    """A render folder holds PDFs and DOCX too: each is one problem (not an EDGAR document), not a line per byte run."""
    from generator.cli import app

    (tmp_path / "a.txt").write_text("fine\n")
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\n\xe2\x80\x99\t" + b"x" * 200 + b"\n" * 50)
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "a.pdf" in line]
    assert len(lines) == 1 and "[file-name]" in lines[0] and "end in .htm" in lines[0], result.output
