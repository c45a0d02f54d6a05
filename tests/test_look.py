"""The pages themselves, looked at as a financial printer would: every example document's PDF drawn
with pdftoppm (poppler-utils) and measured, and its EDGAR HTML printed to Letter through WeasyPrint.
No page is more than 30% blank unless it is the last or the next page starts a new section; every
page carries its page number; the printed HTML has the PDF's pages.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from generator.api import DOCUMENTS, documents_of, load_deal, render_document, render_html

from .helpers import DEAL, PRIME, SHELF, TAKEDOWN, VARIANTS

DEALS = [DEAL, TAKEDOWN, SHELF, PRIME, *sorted(VARIANTS.glob("*/*.yaml"))]
CASES = [(path, doc.name) for path in DEALS for doc in documents_of(load_deal(path))]
IDS = [f"{p.parent.name}-{n}" for p, n in CASES]
DPI = 30
TOP, BOTTOM = 1.0, 0.9  # print.css's page margins, inches: the body lies between them
MOST_BLANK = 0.30


@pytest.fixture(scope="module")
def pdfs() -> dict[tuple[Path, str], bytes]:
    """Each example document's PDF, rendered once for this module."""
    return {(path, name): render_document(load_deal(path), name, "pdf").content for path, name in CASES}


def blank_share(image: Image.Image) -> float:
    """How much of the page's body (between the top and bottom margins) lies below its last ink, as a share."""
    gray = image.convert("L")
    top, bottom = round(TOP * DPI), gray.height - round(BOTTOM * DPI)
    pixels = gray.tobytes()
    inked = [y for y in range(top, bottom) if min(pixels[y * gray.width : (y + 1) * gray.width]) < 128]
    return (bottom - (max(inked) if inked else top)) / (bottom - top)


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
    starts, seen = set(), set()
    for number, page in enumerate(laid_out.pages, 1):
        html_box = page._page_box.children[0]
        body = html_box.children[0] if html_box.children else None
        tops = [child for child in getattr(body, "children", ()) if child.element is not None]
        if tops and tops[0].style["break_before"] == "page" and id(tops[0].element) not in seen:
            starts.add(number)
        seen.update(id(child.element) for child in tops)
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


TERM_SHEETS = [(path, name) for path, name in CASES if not name.startswith("exhibit-5-1")]


@pytest.mark.parametrize(("path", "name"), TERM_SHEETS, ids=[f"{p.parent.name}-{n}" for p, n in TERM_SHEETS])
def test_printed_htm_has_the_pdfs_pages(pdfs: dict[tuple[Path, str], bytes], path: Path, name: str) -> None:
    """The EDGAR HTML printed to Letter (WeasyPrint, 0.4in margins as a browser prints) shows the PDF's pages, each at the same words."""
    import weasyprint

    from generator.formats.fonts import faces

    htm = render_document(load_deal(path), name, "htm").text
    times = "".join(  # the Times New Roman metrics a printing machine has (Liberation Serif, as the PDF embeds)
        f'@font-face {{ font-family: "Times New Roman"; font-weight: {f.weight}; font-style: {f.style}; src: url("{f.url}"); }}' for f in faces()
    )
    printed = weasyprint.HTML(string=htm).write_pdf(stylesheets=[weasyprint.CSS(string=times + "@page { size: letter; margin: 0.4in 0 }")])
    theirs = [page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages]
    ours = [page.extract_text() for page in PdfReader(io.BytesIO(pdfs[path, name])).pages]
    assert len(theirs) == len(ours)
    for mine, printed_page in zip(ours, theirs, strict=True):
        assert first_words(mine) == first_words(printed_page)


def first_words(text: str) -> list[str]:
    """A page's first three words, quotes and dashes aside (the HTML spells them as references)."""
    return re.sub(r"[^\w\s.,()$%-]", "", text).split()[:3]
