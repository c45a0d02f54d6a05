"""`dealdocs compare`: a Word redline, a PDF blackline and EDGAR `<R>` tags that hold exactly the edits between two drafts."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader

from generator.api import DOCUMENTS, compare, edgar_problems, load_deal, render_deal, render_document
from generator.cli import app
from generator.compare import blackline
from generator.compare.diff import Block, Kind, Mark, paragraph_key, row_key
from generator.compare.diff import compare as compare_blocks
from generator.compare.docx_redline import blocks as word_blocks
from generator.compare.docx_redline import redline
from generator.formats.edgar_check import html_problems, text_problems
from generator.formats.pdf import pdf_identifier

from .helpers import EXAMPLE, TAKEDOWN, VARIANTS, libreoffice_pdf, runner

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NAME = "exhibit-5-1-takedown"
EDITS = {"Michael S. Zuckert": "Michael T. Zuckert", "Eleven Madison Avenue": "Twelve Madison Avenue"}
"""The known edits: the word 'S.' becomes 'T.' wherever counsel signs, 'Eleven' becomes 'Twelve' in the address."""


@pytest.fixture(scope="module")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The takedown letter's deal file, a copy with the known edits, and the comparison's output folder."""
    folder = tmp_path_factory.mktemp("drafts")
    text = TAKEDOWN.read_text(encoding="utf-8")
    for before, after in EDITS.items():
        assert before in text
        text = text.replace(before, after)
    (folder / "new.yaml").write_text(text, encoding="utf-8")
    shutil.copy(TAKEDOWN, folder / "old.yaml")
    compare(folder / "old.yaml", folder / "new.yaml", folder / "out", revision_tags=True)
    return folder / "old.yaml", folder / "new.yaml", folder / "out"


def _document_xml(docx: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return etree.fromstring(package.read("word/document.xml"))


def _marked_words(root: etree._Element, kind: str) -> list[str]:
    """The text inside each `w:ins` (or `w:del`) of a document, in order."""
    text = "t" if kind == "ins" else "delText"
    return ["".join(t.text or "" for t in mark.iter(f"{W}{text}")) for mark in root.iter(f"{W}{kind}") if mark.getparent().tag != f"{W}rPr"]


def _paragraphs(root: etree._Element, accept: bool) -> list[str]:
    """The document's paragraph texts with every tracked change accepted (or rejected), as Word would leave them."""
    gone, kept = ("del", "ins") if accept else ("ins", "del")
    out = []
    for paragraph in root.iter(f"{W}p"):
        if paragraph.find(f"{W}pPr/{W}rPr/{W}{gone}") is not None:
            continue  # the paragraph itself goes (its text joins nothing: dealdocs marks whole paragraphs)
        parts = []
        for element in paragraph.iter(f"{W}t", f"{W}delText", f"{W}tab"):
            marks = {a.tag for a in element.iterancestors(f"{W}ins", f"{W}del")}
            if f"{W}{gone}" in marks:
                continue
            parts.append("\t" if element.tag == f"{W}tab" else element.text or "")
        assert kept  # both kinds read
        out.append(paragraph_key("".join(parts)))
    return [p for p in out if p]


def _plain_paragraphs(docx: bytes) -> list[str]:
    texts = ("".join("\t" if e.tag == f"{W}tab" else e.text or "" for e in p.iter(f"{W}t", f"{W}tab")) for p in _document_xml(docx).iter(f"{W}p"))
    return [key for key in map(paragraph_key, texts) if key]


def test_redline_holds_exactly_the_known_edits(drafts: tuple[Path, Path, Path]) -> None:
    _, _, out = drafts
    root = _document_xml((out / f"{NAME}.redline.docx").read_bytes())
    assert _marked_words(root, "ins") == ["Twelve", "T.", "T."]
    assert _marked_words(root, "del") == ["Eleven", "S.", "S."]
    marks = [m for kind in ("ins", "del") for m in root.iter(f"{W}{kind}")]
    assert {m.get(f"{W}author") for m in marks} == {"Citicorp Mortgage Securities, Inc."}  # the deal's depositor
    assert {m.get(f"{W}date") for m in marks} == {"2006-02-27T00:00:00Z"}  # the letter's date
    assert len({m.get(f"{W}id") for m in marks}) == len(marks)


def test_accepting_the_redline_gives_the_new_draft_and_rejecting_it_the_old(tmp_path: Path) -> None:
    """Paragraphs changed, inserted and deleted alike: the other counsel's letter against the example's."""
    other = VARIANTS / "takedown-other-counsel" / "deal.yaml"
    result = compare(TAKEDOWN, other, tmp_path)
    kinds = {c.kind for c in result.documents[0].changes}
    assert kinds == {Kind.CHANGED, Kind.INSERTED, Kind.DELETED}
    root = _document_xml((tmp_path / f"{NAME}.redline.docx").read_bytes())
    old = render_document(load_deal(TAKEDOWN), NAME, "docx").content
    new = render_document(load_deal(other), NAME, "docx").content
    assert isinstance(old, bytes) and isinstance(new, bytes)
    assert _paragraphs(root, accept=True) == _plain_paragraphs(new)
    assert _paragraphs(root, accept=False) == _plain_paragraphs(old)


def test_comparing_again_gives_the_same_bytes(drafts: tuple[Path, Path, Path], tmp_path: Path) -> None:
    old, new, out = drafts
    compare(old, new, tmp_path, revision_tags=True)
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"{NAME}.blackline.pdf", f"{NAME}.htm", f"{NAME}.redline.docx", f"{NAME}.txt"]
    assert all((tmp_path / name).read_bytes() == (out / name).read_bytes() for name in names)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_redline(drafts: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, _, out = drafts
    libreoffice_pdf([out / f"{NAME}.redline.docx"], tmp_path)
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / f"{NAME}.redline.pdf").pages)
    assert "Twelve" in text and "Eleven" in text  # the insertion and the deletion, as LibreOffice shows tracked changes


def test_blackline_marks_exactly_the_edits(drafts: tuple[Path, Path, Path]) -> None:
    old, new, out = drafts
    document = DOCUMENTS[NAME]
    from generator.formats.pdf import render_html

    marked = blackline.marked(render_html(load_deal(old), document), render_html(load_deal(new), document))
    tree = etree.HTML(marked.html)
    assert [e.text for e in tree.iter("ins") if e.get("class") == "dealdocs-ins"] == ["Twelve", "T.", "T."]
    assert [e.text for e in tree.iter("del") if e.get("class") == "dealdocs-del"] == ["Eleven", "S.", "S."]
    reader = PdfReader(out / f"{NAME}.blackline.pdf")
    own = PdfReader(io.BytesIO(render_document(load_deal(new), NAME, "pdf").content))  # type: ignore[arg-type]
    assert len(reader.pages) == len(own.pages) + 1  # the document's own pages, after the summary page
    first = " ".join(reader.pages[0].extract_text().split())
    signed = next(n for n, page in enumerate(own.pages, 1) if "T. Zuckert" in page.extract_text())
    assert f"Changed pages: 1, {signed}" in first
    assert "3 changed paragraphs and rows: 3 words inserted" in first and "3 words deleted" in first


def test_revision_tags_pass_check_and_mark_exactly_the_changed_paragraphs(drafts: tuple[Path, Path, Path]) -> None:
    old, new, out = drafts
    tagged_txt = (out / f"{NAME}.txt").read_text()
    tagged_htm = (out / f"{NAME}.htm").read_text()
    assert text_problems(tagged_txt, "txt") == [] and html_problems(tagged_htm, "htm") == []
    assert edgar_problems([out / f"{NAME}.txt", out / f"{NAME}.htm"]) == []
    new_txt = render_document(load_deal(new), NAME, "txt").text
    old_txt = render_document(load_deal(old), NAME, "txt").text
    assert tagged_txt.replace("<R>", "").replace("</R>", "") == new_txt  # tags added, nothing else
    old_paragraphs = set(_text_paragraphs(old_txt))
    changed = [p for p in _text_paragraphs(new_txt) if p not in old_paragraphs]  # an independent count: groups of lines not in the old draft
    expected_lines = {line for p in changed for line in p.split("\n")}
    tagged_lines = {re.sub(r"</?R>", "", line) for line in tagged_txt.split("\n") if "<R>" in line}
    assert tagged_lines == expected_lines and len(changed) == 2  # the address, and the signature block (one group of lines)
    assert all(line.count("<R>") == line.count("</R>") == 1 for line in tagged_txt.split("\n") if "<R>" in line)
    new_htm = render_document(load_deal(new), NAME, "htm").text
    assert tagged_htm.replace("<R>", "").replace("</R>", "") == new_htm
    inside = re.findall(r"<R>(.*?)</R>", tagged_htm, re.DOTALL)
    assert len(inside) == 3 and all(("Twelve" in text) != ("T. Zuckert" in text) for text in inside)


def _text_paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n(?: *\n)+", text) if p.strip() and p.strip() != "<PAGE>"]


def test_check_accepts_revision_tags_only_as_edgar_does() -> None:
    assert text_problems("<R>A revised line.</R>\n", "a.txt") == []
    assert [p.column for p in text_problems("<R>A line open at its end.\n", "a.txt")] == ["revision-tag"]
    assert [p.column for p in text_problems("</R>closed first<R>\n", "a.txt")] == ["revision-tag"]
    assert text_problems(f"<R>{'x' * 80}</R>\n", "a.txt") == []  # the tags are not counted in the 80 columns
    page = "<html><body><p>{}</p></body></html>"
    assert html_problems(page.format("<R>revised</R>"), "a.htm") == []
    for refused in ("del", "ins", "s"):
        assert [p.column for p in html_problems(page.format(f"<{refused}>x</{refused}>"), "a.htm")] == ["element"]


def test_a_deal_compared_with_itself_is_empty(tmp_path: Path) -> None:
    result = compare(TAKEDOWN, TAKEDOWN, tmp_path / "out")
    assert not result.changed and [d.changes for d in result.documents] == [[]]
    assert not any((tmp_path / "out").iterdir())
    done = runner.invoke(app, ["compare", str(TAKEDOWN), str(TAKEDOWN), "--out", str(tmp_path / "cli"), "--exit-code", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["changed"] is False


def test_differences_exit_1_only_with_exit_code(drafts: tuple[Path, Path, Path], tmp_path: Path) -> None:
    old, new, _ = drafts
    plain = runner.invoke(app, ["compare", str(old), str(new), "--out", str(tmp_path / "a")])
    assert plain.exit_code == 0, plain.output
    assert "3 words inserted, 3 deleted, 3 paragraphs and rows changed" in " ".join(plain.stdout.split())
    strict = runner.invoke(app, ["compare", str(old), str(new), "--out", str(tmp_path / "b"), "--exit-code", "--format", "json"])
    assert strict.exit_code == 1, strict.output
    report = json.loads(strict.stdout)
    [document] = report["documents"]
    assert (document["inserted_words"], document["deleted_words"]) == (3, 3)
    assert [(c["kind"], c["inserted_words"], c["deleted_words"]) for c in document["changes"]] == [("changed", 1, 1)] * 3


def test_rendered_folders_compare_as_their_deal_files(drafts: tuple[Path, Path, Path], tmp_path: Path) -> None:
    old, new, _ = drafts
    render_deal(load_deal(old), tmp_path / "old", formats=("txt", "docx", "htm"))
    render_deal(load_deal(new), tmp_path / "new", formats=("txt", "docx", "htm"))
    from_folders = compare(tmp_path / "old", tmp_path / "new", tmp_path / "out", revision_tags=True)
    from_deals = compare(old, new)
    assert from_folders.documents[0].changes == from_deals.documents[0].changes
    assert (tmp_path / "out" / f"{NAME}.blackline.pdf").is_file()  # set from the folders' EDGAR HTML


def test_a_blackline_from_folders_is_set_in_the_fonts_dealdocs_ships_on_a_machine_with_none(drafts: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """The EDGAR HTML names Times New Roman; the blackline sets it from dealdocs' own files, never whatever the machine has (or lacks)."""
    old, new, _ = drafts
    render_deal(load_deal(old), tmp_path / "old", formats=("docx", "htm"))
    render_deal(load_deal(new), tmp_path / "new", formats=("docx", "htm"))
    (tmp_path / "fonts.conf").write_text('<?xml version="1.0"?>\n<fontconfig><dir>/nonexistent</dir></fontconfig>\n')  # a machine without fonts
    environment = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf")}
    command = [sys.executable, "-m", "generator.cli", "compare", str(tmp_path / "old"), str(tmp_path / "new"), "--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    assert done.returncode == 0, done.stderr
    reader = PdfReader(tmp_path / "out" / f"{NAME}.blackline.pdf")
    fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts and all(name.startswith("Times-New-Roman") for name in fonts), fonts  # named as the HTML names it: our files, embedded


def test_a_pdfs_identifier_does_not_depend_on_where_the_fonts_are_installed() -> None:
    here, there = (f'<style>@font-face {{ src: url("file:///{root}/fonts/LiberationSerif-Regular.ttf"); }}</style>' for root in ("usr/lib", "home/me"))
    assert pdf_identifier(here, "<p>x</p>") == pdf_identifier(there, "<p>x</p>") != pdf_identifier(here, "<p>y</p>")


def test_a_missing_draft_is_a_message(tmp_path: Path) -> None:
    done = runner.invoke(app, ["compare", str(tmp_path / "nowhere"), str(TAKEDOWN), "--out", str(tmp_path / "out")])
    assert done.exit_code == 2
    assert str(tmp_path / "nowhere") in done.output and "not found" in done.output


def test_the_output_folder_may_not_be_a_drafts_folder(tmp_path: Path) -> None:
    render_deal(load_deal(TAKEDOWN), tmp_path / "draft", formats=("txt",))
    done = runner.invoke(app, ["compare", str(TAKEDOWN), str(tmp_path / "draft"), "--out", str(tmp_path / "draft")])
    assert done.exit_code == 2 and "--out" in done.output


def test_a_changed_figure_is_one_changed_row() -> None:
    old = [Block("tr", ("Fixed", "\t", "1,000", "\t", "25.00"), row_key(["Fixed", "1,000", "25.00"]))]
    new = [Block("tr", ("Fixed", "\t", "1,001", "\t", "25.00"), row_key(["Fixed", "1,001", "25.00"]))]
    [change] = compare_blocks(old, new)
    assert (change.kind, change.old, change.new, change.inserted, change.deleted) == (Kind.CHANGED, 1, 1, 1, 1)


def test_a_new_tape_changes_table_rows_in_place(tmp_path: Path) -> None:
    """Loans dropped from the tape move figures: every changed row of the term sheet's tables is a changed row, none deleted and inserted."""
    lines = (EXAMPLE / "loans.csv").read_text().splitlines(keepends=True)
    (tmp_path / "fewer.csv").write_text("".join(lines[:-40]))
    loaded = load_deal(EXAMPLE / "deal.yaml")
    old = render_document(loaded, "term-sheet-8k", "docx").content
    new = render_document(loaded, "term-sheet-8k", "docx", tape=tmp_path / "fewer.csv").content
    assert isinstance(old, bytes) and isinstance(new, bytes)
    after = word_blocks(new)
    changes = compare_blocks(word_blocks(old), after)
    rows = {kind: [c for c in changes if c.kind is kind and c.new is not None and after[c.new - 1].kind == "tr"] for kind in Kind}
    assert len(rows[Kind.CHANGED]) > 10 and not rows[Kind.INSERTED]  # fewer loans: no row appears; a changed figure changes its row
    root = _document_xml(redline(old, new, changes, "Depositor", date(2003, 1, 9)))
    assert _paragraphs(root, accept=True) == _plain_paragraphs(new)  # tables and their cells included
    assert _paragraphs(root, accept=False) == _plain_paragraphs(old)


_SEGMENT = st.tuples(st.lists(st.sampled_from(["the", "loans", "1,000", "25.00", "Trustee", "N.A.", "and", "of"]), min_size=1, max_size=8), st.booleans())
_DRAFT = st.lists(st.lists(_SEGMENT, min_size=1, max_size=3), max_size=6)


@settings(max_examples=80, deadline=None)
@given(old=_DRAFT, new=_DRAFT)
def test_every_change_reads_back_as_both_drafts(old: list[list[tuple[list[str], bool]]], new: list[list[tuple[list[str], bool]]]) -> None:
    """For any two drafts: the pieces kept and inserted give the new blocks, those kept and deleted the old; unchanged blocks are not listed.

    Segments end with a space or not (a run may end inside a word), as a Word document's runs do.
    """

    def blocks(draft: list[list[tuple[list[str], bool]]]) -> list[Block]:
        out = []
        for segments in draft:
            texts = tuple(" ".join(words) + (" " if spaced else "") for words, spaced in segments)
            out.append(Block("p", texts, paragraph_key("".join(texts))))
        return out

    before, after = blocks(old), blocks(new)
    changes = compare_blocks(before, after)
    for change in changes:
        kept = "".join(t for pieces in change.pieces for mark, t in pieces if mark is not Mark.DELETED)
        gone = "".join(t for pieces in change.pieces for mark, t in pieces if mark is not Mark.INSERTED)
        if change.new is not None:
            assert kept == "".join(after[change.new - 1].segments)
        if change.old is not None:
            assert paragraph_key(gone) == before[change.old - 1].key
    listed_new = {c.new for c in changes if c.new is not None}
    listed_old = {c.old for c in changes if c.old is not None}
    # what is not listed is carried over unchanged: the unlisted blocks of both drafts, in order, are the same
    assert [b.key for n, b in enumerate(after, 1) if n not in listed_new] == [b.key for n, b in enumerate(before, 1) if n not in listed_old]


def test_old_and_new_tapes_of_one_deal_file(tmp_path: Path) -> None:
    """`--old-tape` and `--new-tape`: one deal file rendered with each; the term sheet's figures move, row by row."""
    lines = (EXAMPLE / "loans.csv").read_text().splitlines(keepends=True)
    (tmp_path / "fewer.csv").write_text("".join(lines[:-40]))
    deal = EXAMPLE / "deal.yaml"
    args = ["compare", str(deal), str(deal), "--out", str(tmp_path / "out"), "--format", "json"]
    done = runner.invoke(app, [*args, "--old-tape", str(EXAMPLE / "loans.csv"), "--new-tape", str(tmp_path / "fewer.csv")])
    assert done.exit_code == 0, done.output
    [document] = json.loads(done.stdout)["documents"]
    assert document["name"] == "term-sheet-8k" and document["changes"]
    assert sorted(document["files"]) == ["term-sheet-8k.blackline.pdf", "term-sheet-8k.redline.docx"]
    assert not any(c["kind"] == "inserted" for c in document["changes"])  # fewer loans: nothing appears


_ROW = st.lists(st.lists(_SEGMENT, min_size=1, max_size=2), min_size=3, max_size=3)


@settings(max_examples=80, deadline=None)
@given(old=_ROW, new=_ROW)
def test_a_changed_row_reads_back_cell_by_cell(old: list[list[tuple[list[str], bool]]], new: list[list[tuple[list[str], bool]]]) -> None:
    """For any two versions of a row: each cell's pieces kept and inserted give its new text, those kept and deleted its old one."""

    def row(cells: list[list[tuple[list[str], bool]]]) -> tuple[Block, list[str]]:
        texts = [[" ".join(words) + (" " if spaced else "") for words, spaced in cell] for cell in cells]
        numbers = tuple(n for n, cell in enumerate(texts) for _ in cell)
        joined = ["".join(cell) for cell in texts]
        return Block("tr", tuple(t for cell in texts for t in cell), row_key(joined), numbers), joined

    (before, old_cells), (after, new_cells) = row(old), row(new)
    for change in compare_blocks([before], [after]):
        if change.kind is not Kind.CHANGED:
            continue
        for cell in range(3):
            pieces = [p for n, segment in enumerate(change.pieces) if after.cells[n] == cell for p in segment]
            assert paragraph_key("".join(t for mark, t in pieces if mark is not Mark.DELETED)) == paragraph_key(new_cells[cell])
            assert paragraph_key("".join(t for mark, t in pieces if mark is not Mark.INSERTED)) == paragraph_key(old_cells[cell])
