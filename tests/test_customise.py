"""One template folder customises every format: export the built-in templates, change words once, edit the .docx in Word."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as WordDocument

from generator.api import DOCUMENTS, docx_text, export_templates, load_deal, pdf_pages, render_document
from generator.cli import app

from .helpers import ROOT, runner

TEMPLATES = ROOT / "templates"


def test_export_copies_every_format_of_a_document(tmp_path: Path) -> None:
    result = runner.invoke(app, ["templates", "export", str(tmp_path / "mine"), "--document", "exhibit-5-1-takedown"])
    assert result.exit_code == 0, result.output
    copied = sorted(str(p.relative_to(tmp_path / "mine")) for p in (tmp_path / "mine").rglob("*") if p.is_file())
    assert copied == [
        "_base.htm.j2", "_base.html.j2", "_letter.htm.j2", "_letter.html.j2", "_letter.txt.j2", "_letter/_counsel.j2", "_letter/_prose.j2",
        "exhibit-5-1-takedown.docx", "exhibit-5-1-takedown.docx.md", "exhibit-5-1-takedown.htm.j2", "exhibit-5-1-takedown.html.j2",
        "exhibit-5-1-takedown.txt.j2", "exhibit-5-1-takedown/_prose.j2", "print.css",
    ]  # fmt: skip
    assert (tmp_path / "mine" / "exhibit-5-1-takedown.docx").read_bytes() == (TEMPLATES / "exhibit-5-1-takedown.docx").read_bytes()
    notes = (tmp_path / "mine" / "exhibit-5-1-takedown.docx.md").read_text()
    assert "- Numbered" in notes and "- Part" in notes and "`{{ prose.parts[part] }}`" in notes


def test_export_replaces_nothing(tmp_path: Path) -> None:
    (tmp_path / "print.css").write_text("mine")
    result = runner.invoke(app, ["templates", "export", str(tmp_path)])
    assert result.exit_code == 2 and "already exists" in result.output
    assert (tmp_path / "print.css").read_text() == "mine" and not (tmp_path / "term-sheet-8k.docx").exists()


def test_the_prose_module_changed_once_changes_every_format(deal_dir: Path) -> None:
    mine = deal_dir / "mine"
    export_templates(mine, ["term-sheet-8k"])
    prose = mine / "term-sheet-8k" / "_prose.j2"
    prose.write_text(prose.read_text().replace("thereunto duly\nauthorized.", "thereunto duly\nauthorized by its board."))
    loaded = load_deal(deal_dir / "deal.yaml")
    term_sheet = DOCUMENTS["term-sheet-8k"]
    text = render_document(loaded, term_sheet, "txt", templates=mine)
    docx = render_document(loaded, term_sheet, "docx", templates=mine)
    pdf = render_document(loaded, term_sheet, "pdf", templates=mine)
    assert "by its board" in " ".join(text.text.split())
    assert "by its board" in docx_text(docx.content if isinstance(docx.content, bytes) else b"")
    assert "by its board" in " ".join(" ".join(pdf_pages(pdf.content if isinstance(pdf.content, bytes) else b"")).split())


def test_render_names_the_formats_a_folder_leaves_built_in(deal_dir: Path) -> None:
    mine = deal_dir / "mine"
    mine.mkdir()
    for name in ("term-sheet-8k.txt.j2", "term-sheet-8k.html.j2"):
        (mine / name).write_text((TEMPLATES / name).read_text() + "{# ours #}\n")
    result = runner.invoke(app, ["render", str(deal_dir / "deal.yaml"), "-o", str(deal_dir / "out"), "--templates", str(mine), "-f", "txt,docx"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "term-sheet-8k.docx: warnings" in output and "the docx output uses none of them" in output
    assert "change term-sheet-8k.html.j2, term-sheet-8k.txt.j2" in output and "its layout is term-sheet-8k.docx" in output
    assert "term-sheet-8k.txt: warnings" not in output


def test_no_warning_when_a_folder_overrides_every_format_or_only_the_prose(deal_dir: Path) -> None:
    mine = deal_dir / "mine"
    export_templates(mine, ["term-sheet-8k"])
    everything = runner.invoke(app, ["render", str(deal_dir / "deal.yaml"), "-o", str(deal_dir / "a"), "--templates", str(mine), "-f", "txt,docx"])
    for name in ("term-sheet-8k.txt.j2", "term-sheet-8k.html.j2", "term-sheet-8k.docx", "term-sheet-8k.htm.j2"):
        (mine / name).unlink()
    prose_only = runner.invoke(app, ["render", str(deal_dir / "deal.yaml"), "-o", str(deal_dir / "b"), "--templates", str(mine), "-f", "txt,docx"])
    for result in (everything, prose_only):
        assert result.exit_code == 0 and ": warnings" not in result.output, result.output


def test_a_docx_template_edited_with_python_docx_renders(deal_dir: Path) -> None:
    """What a lawyer does in Word: add a legend in a style of the template, restyle the signature block."""
    mine = deal_dir / "mine"
    export_templates(mine, ["term-sheet-8k"])
    template = WordDocument(str(mine / "term-sheet-8k.docx"))
    template.paragraphs[0].insert_paragraph_before("PRIVILEGED AND CONFIDENTIAL DRAFT FOR {{ deal.depositor.short_name }}", style="Centered")
    template.styles["Signature"].font.bold = True
    template.save(str(mine / "term-sheet-8k.docx"))
    loaded = load_deal(deal_dir / "deal.yaml")
    content = render_document(loaded, DOCUMENTS["term-sheet-8k"], "docx", templates=mine).content
    assert isinstance(content, bytes)
    assert docx_text(content).startswith("PRIVILEGED AND CONFIDENTIAL DRAFT FOR CMSI\n")
    assert WordDocument(io.BytesIO(content)).styles["Signature"].font.bold


def test_the_typeface_is_a_deal_file_setting(deal_dir: Path) -> None:
    import zipfile

    from pypdf import PdfReader

    default = load_deal(deal_dir / "deal.yaml")
    term_sheet = DOCUMENTS["term-sheet-8k"]
    docx = render_document(default, term_sheet, "docx").content
    assert isinstance(docx, bytes)
    package = zipfile.ZipFile(io.BytesIO(docx))
    assert 'w:ascii="Times New Roman"' in package.read("word/styles.xml").decode()
    props = package.read("docProps/core.xml").decode() + package.read("docProps/app.xml").decode()
    assert "python-docx" not in props and "Macintosh" not in props
    assert "<dc:creator>Citicorp Mortgage Securities, Inc.</dc:creator>" in props and "Series 2003-1</dc:subject>" in props
    deal = deal_dir / "deal.yaml"
    deal.write_text(deal.read_text() + "style:\n  typeface: Source Serif Pro\n")
    serif = load_deal(deal)
    docx = render_document(serif, term_sheet, "docx").content
    assert isinstance(docx, bytes)
    styles = zipfile.ZipFile(io.BytesIO(docx)).read("word/styles.xml").decode()
    assert 'w:ascii="Source Serif Pro"' in styles and "Times New Roman" not in styles
    pdf = render_document(serif, term_sheet, "pdf").content
    assert isinstance(pdf, bytes)
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()
    assert all("+Source-Serif-Pro" in str(f.get_object()["/BaseFont"]) for f in fonts)
