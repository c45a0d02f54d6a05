"""The pages themselves, looked at as a financial printer would: every example document's PDF drawn
with pdftoppm (poppler-utils) and measured, and its EDGAR HTML printed to Letter through WeasyPrint.
No page is more than 30% blank unless it is the last or the next page starts a new section; every
page carries its page number; the printed HTML has the PDF's pages.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from generator import edgar
from generator.api import DOCUMENTS, documents_of, load_deal, render_document, render_html
from generator.documents.paging import MOST_BLANK, TEXT_PAGE, paginate_text

from .helpers import DEAL, PRIME, ROOT, SHELF, TAKEDOWN, VARIANTS, first_words

LANDSCAPE = ROOT / "tests" / "test_page_options" / "landscape.yaml"  # a pool-data table that starts under the prose and continues
DEALS = [DEAL, TAKEDOWN, SHELF, PRIME, LANDSCAPE, *sorted(VARIANTS.glob("*/*.yaml"))]
CASES = [(path, doc.name) for path in DEALS for doc in documents_of(load_deal(path))]
IDS = [f"{p.parent.name}-{n}" for p, n in CASES]
DPI = 30
TOP, BOTTOM = 1.0, 0.9  # print.css's page margins, inches: the body lies between them


@pytest.fixture(scope="module")
def pdfs() -> dict[tuple[Path, str], bytes]:
    """Each example document's PDF, rendered once for this module."""
    return {(path, name): render_document(load_deal(path), name, "pdf").content for path, name in CASES}


def blank_share(image: Image.Image) -> float:
    """How much of the page's body (between the top and bottom margins) is its widest blank band, as a share: below its last
    ink, or inside it (the text ending far above the footnotes at the foot of the page is a page as blank)."""
    gray = image.convert("L")
    top, bottom = round(TOP * DPI), gray.height - round(BOTTOM * DPI)
    pixels = gray.tobytes()
    inked = [y for y in range(top, bottom) if min(pixels[y * gray.width : (y + 1) * gray.width]) < 128]
    bands = [b - a for a, b in zip([top, *inked], [*inked, bottom], strict=True)]
    return max(bands) / (bottom - top)


def page_images(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    """The PDF's pages drawn by pdftoppm, in order."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), str(source), str(tmp_path / "page")], check=True)
    return [Image.open(f) for f in sorted(tmp_path.glob("page-*.pgm"), key=lambda f: int(f.stem.rpartition("-")[2]))]


def section_starts(path: Path, name: str) -> set[int]:
    """The pages (numbered from 1) that begin with a block the layout forces onto a new page."""
    import weasyprint

    from generator.templating.folders import templates_dir

    loaded = load_deal(path)
    laid_out = weasyprint.HTML(string=render_html(loaded, DOCUMENTS[name]), base_url=str(templates_dir())).render()
    starts, seen, size = set(), set(), None
    for number, page in enumerate(laid_out.pages, 1):
        html_box = page._page_box.children[0]
        body = html_box.children[0] if html_box.children else None
        tops = [child for child in getattr(body, "children", ()) if child.element is not None]
        if tops and tops[0].style["break_before"] == "page" and id(tops[0].element) not in seen:
            starts.add(number)
        if size is not None and (page.width, page.height) != size:  # pages of another size (landscape) start one
            starts.add(number)
        seen.update(id(child.element) for child in tops)
        size = (page.width, page.height)
    return starts


@pytest.mark.parametrize(("path", "name"), CASES, ids=IDS)
def test_no_page_is_left_mostly_blank(pdfs: dict[tuple[Path, str], bytes], path: Path, name: str, tmp_path: Path) -> None:
    images = page_images(pdfs[path, name], tmp_path)
    starts = section_starts(path, name)
    blank = {n: round(blank_share(image), 2) for n, image in enumerate(images, 1) if n < len(images) and n + 1 not in starts}
    assert {n: share for n, share in blank.items() if share > MOST_BLANK} == {}


@pytest.mark.parametrize(("path", "name"), CASES, ids=IDS)
def test_every_page_carries_its_number(pdfs: dict[tuple[Path, str], bytes], path: Path, name: str) -> None:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdfs[path, name])).pages]
    for number, text in enumerate(pages, 1):
        if DOCUMENTS[name].name.startswith("exhibit-5-1"):
            assert number == 1 or f"Page {number}" in text  # a letter's continuation header numbers pages two on
        elif name == "collateral-term-sheet":
            assert (f"Page {number} of {len(pages)}" in text) == (number > 1)  # none on the cover
        else:
            assert text.rstrip().endswith(str(number))


def printed(htm: str) -> bytes:
    """EDGAR HTML printed to Letter as a browser prints it (0.4in margins), in the Times New Roman metrics a printing
    machine has (Liberation Serif, as the PDF embeds; without them the fallback face's wider lines add pages)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from generator.formats.fonts import font_face_rules

    fonts = FontConfiguration()  # without it WeasyPrint ignores a user stylesheet's @font-face
    sheet = weasyprint.CSS(string=font_face_rules() + "@page { size: letter; margin: 0.4in 0 }", font_config=fonts)
    return weasyprint.HTML(string=htm).write_pdf(stylesheets=[sheet], font_config=fonts)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("path", "name"), CASES, ids=IDS)
def test_printed_htm_has_the_pdfs_pages(pdfs: dict[tuple[Path, str], bytes], path: Path, name: str) -> None:
    """The EDGAR HTML printed (letters included) shows as many pages as the PDF, within one; a term sheet's pages start at the same words."""
    theirs = [page.extract_text() for page in PdfReader(io.BytesIO(printed(render_document(load_deal(path), name, "htm").text))).pages]
    ours = [page.extract_text() for page in PdfReader(io.BytesIO(pdfs[path, name])).pages]
    assert abs(len(theirs) - len(ours)) <= 1
    if not name.startswith("exhibit-5-1"):
        assert len(theirs) == len(ours)
        for mine, printed_page in zip(ours, theirs, strict=True):
            assert first_words(mine) == first_words(printed_page)


@pytest.fixture(scope="module")
def long_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """The PDF and EDGAR HTML of the prime jumbo example with its balance table in $30,000 bands: each group's table runs
    over two pages or more, and the PDF is laid out once more for each page a table continues on (a busy machine's time allowed)."""
    folder = tmp_path_factory.mktemp("long") / "deal"
    shutil.copytree(PRIME.parent, folder)
    deal = folder / "deal.yaml"
    bands = ", ".join(f"{edge - 1}.99" for edge in range(600_000, 3_000_000, 30_000))
    deal.write_text(deal.read_text().replace("edges: [999999.99, 1499999.99, 1999999.99, 2499999.99]", f"edges: [{bands}]"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEALDOCS_RENDER_SECONDS", "600")
        loaded = load_deal(deal)
        return render_document(loaded, "collateral-term-sheet", "pdf").content, render_document(loaded, "collateral-term-sheet", "htm").text


BAND_ROW = re.compile(r"^\$[\d,]+ (?:- \$[\d,]+|and) ")


def test_a_table_continued_in_the_pdf_opens_each_page_with_its_title_continued(long_table: tuple[bytes, str]) -> None:
    pages = [page.extract_text().splitlines() for page in PdfReader(io.BytesIO(long_table[0])).pages]
    continued = 0
    for number, lines in enumerate(pages, 1):
        first_row = next((n for n, line in enumerate(lines) if BAND_ROW.match(line)), None)
        if first_row is None:
            continue
        titles = [n for n, line in enumerate(lines[:first_row]) if line.strip() == "CURRENT PRINCIPAL BALANCES"]
        assert titles, f"page {number}: the balance table's rows without its title"
        if lines[titles[-1] + 1].endswith("(continued)"):
            continued += 1
            assert "Current Principal Balance ($)" in "\n".join(lines[titles[-1] : first_row]), f"page {number}: no header"
    assert continued >= 3  # the case tests what it means to: each group's table continues


def test_the_long_tables_printed_htm_has_the_pdfs_pages(long_table: tuple[bytes, str]) -> None:
    pdf, htm = long_table
    assert len(PdfReader(io.BytesIO(printed(htm))).pages) == len(PdfReader(io.BytesIO(pdf)).pages)


TEXTS = [(path, name) for path, name in CASES if (path.parent.name, name) != ("cmsi-2003-1", "term-sheet-8k")]  # the filed pages


@pytest.mark.parametrize(("path", "name"), TEXTS, ids=[f"{p.parent.name}-{n}" for p, n in TEXTS])
def test_no_text_page_is_left_mostly_blank(path: Path, name: str) -> None:
    """No EDGAR text page but the last ends more than 30% blank (of 60 lines) unless the next starts a section of the template's own."""
    from generator.formats.text import render_text

    loaded = load_deal(path)
    sections = [s.strip("\n").split("\n", 1)[0] for s in render_text(loaded, replace(DOCUMENTS[name], layout=str)).text.split(edgar.PAGE)]
    pages = render_document(loaded, name, "txt").text.split(f"\n\n{edgar.PAGE}\n\n")
    starts = [n for n, page in enumerate(pages) if page.strip("\n").split("\n", 1)[0] in sections[1:]]
    short = {n + 1: len(page.split("\n")) + 2 for n, page in enumerate(pages[:-1]) if n + 1 not in starts}
    assert {n: lines for n, lines in short.items() if TEXT_PAGE - lines > MOST_BLANK * TEXT_PAGE} == {}


def test_a_long_table_is_continued_in_the_text_rather_than_moved() -> None:
    """A table that fits on a page but not in what is left of one that would stay over 30% blank starts there and continues."""
    rows = [f"Row {n:<8} {n:>6}" for n in range(45)]  # a table that fits on a page, not after the words
    table = ["<TABLE>", "  TITLE", "", "Label        Figure", "-----        ------", *rows, "</TABLE>"]
    paged = paginate_text("\n".join(["Words."] * 20 + ["", *table]))
    first = paged.split(f"\n\n{edgar.PAGE}\n\n")[0].split("\n")
    assert len(first) + 2 >= TEXT_PAGE * (1 - MOST_BLANK) and "TITLE (continued)" in paged


def test_a_rerun_gives_the_same_bytes() -> None:
    """The same deal rendered again (another document between, so nothing is reused) gives the same bytes in every paged format."""
    loaded = load_deal(PRIME)
    first = {f: render_document(loaded, "collateral-term-sheet", f).content for f in ("pdf", "htm", "txt")}
    render_document(load_deal(TAKEDOWN), "exhibit-5-1-takedown", "pdf")
    assert {f: render_document(load_deal(PRIME), "collateral-term-sheet", f).content for f in ("pdf", "htm", "txt")} == first
