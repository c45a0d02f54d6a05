"""How the DOCX looks once set: every example converted by LibreOffice headless, once a session, and read back.

The pages are checked against the PDF WeasyPrint sets from the same words: about as many pages,
a page number on every page of both term sheets, the cover's captions in cells of their own, and no
table broken so that a page holds fewer than three of its rows.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document as WordDocument

from generator.api import DOCUMENTS, load_deal, render_docx

from .helpers import DEAL, PRIME, first_words, libreoffice_pdf, shipped_fonts
from .helpers import LOOK_EXAMPLES as EXAMPLES
from .test_look import blank_share, page_images


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_as_many_pages_as_the_pdf_give_or_take_one(converted: dict[str, tuple[bytes, list[str], list[str]]], name: str) -> None:
    _, pages, weasy = converted[name]
    assert abs(len(pages) - len(weasy)) <= 1, (len(pages), len(weasy))


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_pages_start_where_the_pdfs_do(converted: dict[str, tuple[bytes, list[str], list[str]]], name: str) -> None:
    """Word breaks the pages where the PDF does: the offered certificates on a page of their own, each table whole on its page,
    a letter's lines as tall and its lists as spaced as the PDF's."""
    _, pages, weasy = converted[name]
    assert len(pages) == len(weasy)
    for number, (word, pdf) in enumerate(zip(pages, weasy, strict=True), 1):
        lines = [line.strip() for line in word.split("\n")]
        # a letter's continuation header: Word's text gives it first, the PDF's last
        head = lines[: lines.index(f"Page {number}") + 1] if f"Page {number}" in lines else []
        body = [line for line in (line.strip() for line in pdf.split("\n")) if line not in head]
        assert first_words("\n".join(lines[len(head) :])) == first_words("\n".join(body)), number


def test_libreoffice_measures_times_new_roman_in_the_shipped_metrics(tmp_path: Path) -> None:
    """The DOCX asks for Times New Roman by name; the look tests set it in Liberation Serif from dealdocs' own folder, as Word's Times measures."""
    from generator.formats.fonts import font_folder

    found = subprocess.run(["fc-match", "--format=%{file}", "Times New Roman:bold"], env=shipped_fonts(tmp_path), capture_output=True, text=True, check=True)
    assert Path(found.stdout) == font_folder() / "LiberationSerif-Bold.ttf"


@pytest.mark.parametrize("name", ["term-sheet-8k", "collateral-term-sheet"])
def test_every_page_of_the_term_sheets_has_its_number(converted: dict[str, tuple[bytes, list[str], list[str]]], name: str) -> None:
    """The 8-K numbers every page; the modern term sheet runs the PDF's footer from page two: legend, series, "Page N of M"."""
    _, pages, _ = converted[name]
    for number, text in enumerate(pages, 1):
        lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
        if name == "term-sheet-8k":
            assert str(number) in lines, (number, lines[-3:])
        else:
            footer = " ".join(lines[-2:])
            assert (f"Page {number} of {len(pages)}" in footer and "FREE WRITING PROSPECTUS" in footer) == (number > 1), (number, lines[-3:])


def test_letters_print_each_page_number_once(converted: dict[str, tuple[bytes, list[str], list[str]]]) -> None:
    _, pages, _ = converted["exhibit-5-1-takedown"]
    for number, text in enumerate(pages[1:], 2):
        assert text.count(f"Page {number}") == 1
        assert [line.strip() for line in text.strip().split("\n")][-1] != str(number)  # no footer number besides


def test_cover_captions_are_in_cells_of_their_own(converted: dict[str, tuple[bytes, list[str], list[str]]]) -> None:
    data, pages, _ = converted["term-sheet-8k"]
    cover = WordDocument(io.BytesIO(data)).tables[0]
    cells = [[cell.text for cell in row.cells] for row in cover.rows]
    assert cells[0] == ["Delaware", "333-72082", "13-3408713"]
    assert cells[1] == ["(State or other jurisdiction of organization)", "(Commission File Nos.)", "(I.R.S. Employer Identification No.)"]
    assert cells[3][0] == "(Address of principal executive offices)" and cells[3][2] == "(Zip Code)"
    assert "Delaware 333-72082" not in " ".join(pages[0].split()) or "(Commission" in pages[0]


def test_no_page_holds_fewer_than_three_rows_of_a_broken_table(converted: dict[str, tuple[bytes, list[str], list[str]]]) -> None:
    data, pages, _ = converted["term-sheet-8k"]
    lines = [{" ".join(line.split()) for line in page.split("\n")} for page in pages]
    for table in WordDocument(io.BytesIO(data)).tables[1:]:
        rows = [" ".join(" ".join(cell.text for cell in row.cells).split()) for row in table.rows[1:]]  # figures and total
        found: list[int] = []
        for row in rows:  # in order, from the page of the row before (every table's total reads alike)
            start = found[-1] if found else 0
            found.append(next(i for i in range(start, len(lines)) if row in lines[i]))
        per_page = {page: found.count(page) for page in set(found)}
        assert len(per_page) == 1 or min(per_page.values()) >= 3, (rows[0], per_page)


def test_a_long_table_breaks_with_three_rows_a_side(tmp_path: Path) -> None:
    """The keep rule of the template rows: first two and last three rows held with the next, the rest free."""
    from generator.formats.docx_templates import KEEP_ROWS

    data = render_docx(load_deal(DEAL), DOCUMENTS["term-sheet-8k"]).content
    for table in WordDocument(io.BytesIO(data)).tables[1:]:
        kept = [row.cells[0].paragraphs[0].style.name == "Cell Keep" for row in table.rows[1:-1]]
        if len(kept) <= KEEP_ROWS:
            assert all(kept)
        else:
            assert kept[:2] == [True, True] and kept[-3:] == [True] * 3 and not any(kept[2:-3])


def test_word_breaks_a_table_longer_than_a_page_and_sets_rows_as_tall_in_any_typeface(tmp_path: Path) -> None:
    """Word keeps a table whole only where the PDF does (`Grid.whole`): a longer one starts under what precedes it and breaks where
    a page ends, its title with its head and first rows (kept whole, its title stood alone on a page 97% blank). And a typeface
    taller than Times sets table rows as tall as the PDF does (1.15 of the size, exactly), so the pages come out as many."""
    from pypdf import PdfReader

    from generator.api import render_pdf

    folder = tmp_path / "deal"
    shutil.copytree(PRIME.parent, folder)
    text = (folder / "deal.yaml").read_text()
    bands = ", ".join(f"{edge - 1}.99" for edge in range(600_000, 3_000_000, 25_000))
    (folder / "long.yaml").write_text(text.replace("edges: [999999.99, 1499999.99, 1999999.99, 2499999.99]", f"edges: [{bands}]"))
    (folder / "serif.yaml").write_text(text + "\nstyle:\n  typeface: Source Serif Pro\n")
    pdfs = {}
    for name in ("long", "serif"):
        loaded = load_deal(folder / f"{name}.yaml")
        (tmp_path / f"{name}.docx").write_bytes(render_docx(loaded, DOCUMENTS["collateral-term-sheet"]).content)
        pdfs[name] = len(PdfReader(io.BytesIO(render_pdf(loaded, DOCUMENTS["collateral-term-sheet"]).content)).pages)
    libreoffice_pdf([tmp_path / "long.docx", tmp_path / "serif.docx"], tmp_path)
    for name in ("long", "serif"):
        words = len(PdfReader(tmp_path / f"{name}.pdf").pages)
        assert abs(words - pdfs[name]) <= 1, (name, words, pdfs[name])
    (tmp_path / "pages").mkdir()
    images = page_images((tmp_path / "long.pdf").read_bytes(), tmp_path / "pages")
    tables = next(n for n, page in enumerate(PdfReader(tmp_path / "long.pdf").pages, 1) if "The following tables" in page.extract_text())
    flowing = {n: round(blank_share(image), 2) for n, image in enumerate(images[:-1], 1) if n >= tables}  # the tables' section, one flow
    assert {n: share for n, share in flowing.items() if share > 0.3} == {}
