"""Every format says the same words: the PDF's text, extracted, against the EDGAR text."""

from __future__ import annotations

import io
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from anyascii import anyascii
from pypdf import PdfReader

from generator.api import DOCUMENTS, documents_of, load_deal, pdf_pages, render_docx, render_pdf, render_text

from .helpers import DEAL, EXAMPLES, SHELF, TAKEDOWN, VARIANTS, docx_words, normalised, raised_footnotes, whole_tables

DEALS = [DEAL, TAKEDOWN, SHELF, EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml", *sorted(VARIANTS.glob("*/*.yaml"))]
CASES = [(path, doc.name) for path in DEALS for doc in documents_of(load_deal(path))]


def header_of(text: str) -> list[str]:
    """The continuation-page header the EDGAR text prints above 'Page 2' (empty for the term sheet)."""
    pages = text_pages(text)
    if len(pages) < 2 or "Page 2" not in pages[1]:
        return []
    lines = [line.strip() for line in pages[1].split("Page 2")[0].split("\n") if line.strip()]
    return [*lines, "Page {}"]


def text_words(text: str, header: list[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for number, page in enumerate(text_pages(whole_tables(text)), 1):
        if number > 1 and header:
            page = page.split(f"Page {number}", 1)[1]
        found.update(normalised(page))
    return found


def pdf_words(pages: list[str], header: list[str]) -> Counter[str]:
    """Words of each PDF page less its margin boxes (pypdf gives them last): header, page number or running footer."""
    found: Counter[str] = Counter()
    for number, page in enumerate(pages, 1):
        lines = [anyascii(line.replace("\u2014", "--")).strip() for line in page.strip().split("\n")]  # as `normalised` spells dashes
        if lines[-1] == str(number) or lines[-1].endswith(f" Page {number} of {len(pages)}"):  # number or running footer
            lines.pop()
        block = [line.format(number) for line in header]
        if number > 1 and block and lines[-len(block):] == block:
            del lines[-len(block):]
        found.update(normalised("\n".join(lines)))
    return found


def text_pages(text: str) -> list[str]:
    """The text's pages, less the <TABLE> markers EDGAR sets around a table wider than 80 characters (markup, not words)."""
    text = "\n".join(line for line in text.split("\n") if line not in ("<TABLE>", "</TABLE>"))
    return [p for p in text.split("<PAGE>") if p.strip()]


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{p.parent.name}-{n}" for p, n in CASES])
def test_pdf_says_the_same_words_as_the_text(path: Path, name: str) -> None:
    loaded = load_deal(path)
    text = render_text(loaded, DOCUMENTS[name]).text
    header = header_of(text)
    ours = raised_footnotes(text_words(text, header))  # the PDF raises footnote calls, the text writes '(1)'
    theirs = pdf_words(pdf_pages(render_pdf(loaded, DOCUMENTS[name]).content), header)
    assert ours - theirs == Counter() and theirs - ours == Counter(), (ours - theirs, theirs - ours)


@pytest.mark.parametrize("path", DEALS[:3], ids=[p.parent.name for p in DEALS[:3]])
def test_pdf_bytes_are_the_same_on_every_run(path: Path) -> None:
    loaded = load_deal(path)
    for document in documents_of(loaded):
        assert render_pdf(loaded, document).content == render_pdf(load_deal(path), document).content


def test_pdf_is_well_formed_letter_size_with_embedded_fonts(tmp_path: Path) -> None:
    loaded = load_deal(DEALS[1])
    pdf = render_pdf(loaded, DOCUMENTS["exhibit-5-1-takedown"]).content
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.author == "Michael S. Zuckert, Citigroup Inc."  # counsel wrote the opinion, not the depositor
    assert reader.metadata["/CreationDate"].startswith("D:20060227")  # the letter's date, not the clock
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)  # US Letter
        fonts = page["/Resources"]["/Font"]
        for font in fonts.values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(key.startswith("/FontFile") for key in descriptor)  # embedded, not referenced
        assert all(str(f.get_object()["/BaseFont"]).endswith("+Liberation-Serif") for f in fonts.values())  # Times New Roman's twin
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)  # scripts/setup-system.sh installs it
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{p.parent.name}-{n}" for p, n in CASES])
def test_docx_says_the_same_words_as_the_text(path: Path, name: str) -> None:
    loaded = load_deal(path)
    text = render_text(loaded, DOCUMENTS[name]).text
    label = "{}." if name == "exhibit-5-1-shelf" else "{}"  # the shelf letter's footnote reads '1. $3,372,...'
    ours, theirs = text_words(text, header_of(text)), docx_words(render_docx(loaded, DOCUMENTS[name]).content, label)
    assert ours - theirs == Counter() and theirs - ours == Counter(), (ours - theirs, theirs - ours)


@pytest.mark.parametrize("path", DEALS[:3], ids=[p.parent.name for p in DEALS[:3]])
def test_docx_bytes_are_the_same_on_every_run(path: Path) -> None:
    loaded = load_deal(path)
    for document in documents_of(loaded):
        assert render_docx(loaded, document).content == render_docx(load_deal(path), document).content


def long_table_deal(tmp_path: Path) -> Path:
    """The 2003-1 deal with one stratification table longer than a page."""
    example = DEALS[0].parent
    for name in ("deal.yaml", "loans.csv"):
        (tmp_path / name).write_bytes((example / name).read_bytes())
    deal = (tmp_path / "deal.yaml").read_text().replace(
        "      defaults: true",
        "      defaults: false\n      tables:\n        - id: fine-size\n          title: [SIZE IN FINE BANDS]\n"
        "          header: [Balance]\n          field: balance\n          rule:\n            kind: bands\n"
        f"            edges: [{', '.join(str(e) for e in range(60000, 1000001, 5000))}]\n"
        "            first_label: 'to {{ hi | dollars }}'\n            label: '{{ lo | dollars }} to {{ hi | dollars }}'\n"
        "            last_label: 'over {{ lo | dollars }}'",
    )
    (tmp_path / "deal.yaml").write_text(deal)
    return tmp_path / "deal.yaml"


def test_a_table_longer_than_a_page_repeats_its_header_row(tmp_path: Path) -> None:
    """Every page a table runs over opens with its title "(continued)" and its header row; rows are never split."""
    loaded = load_deal(long_table_deal(tmp_path))
    reader = PdfReader(io.BytesIO(render_pdf(loaded, DOCUMENTS["term-sheet-8k"]).content))
    table_pages = [p.extract_text() for p in reader.pages if "$" in p.extract_text() and " to $" in p.extract_text()]
    assert len(table_pages) >= 2  # the table runs over a page
    assert all(" ".join(page.split()).startswith("SIZE IN FINE BANDS (continued) Balance Number of Loans Aggregate Principal") for page in table_pages[1:])
    assert "SIZE IN FINE BANDS Balance Number of Loans" in " ".join(table_pages[0].split())  # caption kept with its table


def htm_words(html: str, header: list[str]) -> Counter[str]:
    """Words of EDGAR HTML, page by page (split at its page-break rules), less each continuation header and page number."""
    from html.parser import HTMLParser

    class Pages(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.pages: list[list[str]] = [[]]

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "hr" and "page-break-after" in (dict(attrs).get("style") or ""):
                self.pages.append([])
            if tag != "sup":  # a footnote call stays on its word ('loans1'), as a page prints it
                self.pages[-1].append("\n")

        def handle_data(self, data: str) -> None:
            self.pages[-1].append(data)

    parser = Pages()
    parser.feed(html.split("</head>", 1)[1])
    found: Counter[str] = Counter()
    for number, page in enumerate(parser.pages, 1):
        lines = [line for line in "".join(page).split("\n") if line.strip()]
        if lines and lines[-1].strip() == str(number):  # the page number printed at the foot, as the PDF prints it
            lines.pop()
        if lines and lines[-1].strip() == f"Page {number} of {len(parser.pages)}":  # a running footer: legend, deal, page
            del lines[-3:]
        words = "\n".join(lines)
        if number > 1 and header:
            words = words.split(f"Page {number}", 1)[1]
        found.update(normalised(words))
    return found


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{p.parent.name}-{n}" for p, n in CASES])
def test_htm_says_the_same_words_as_the_text(path: Path, name: str) -> None:
    from generator.api import render_document

    loaded = load_deal(path)
    text = render_text(loaded, DOCUMENTS[name]).text
    header = header_of(text)
    ours = raised_footnotes(text_words(text, header))  # EDGAR HTML raises footnote calls, the text writes '(1)'
    theirs = htm_words(render_document(loaded, name, "htm").text, header)
    assert ours - theirs == Counter() and theirs - ours == Counter(), (ours - theirs, theirs - ours)


def test_printed_htm_continues_a_long_table_where_the_pdf_breaks_it(tmp_path: Path) -> None:
    """EDGAR HTML has no <thead>: a table the PDF breaks is closed and opened again with its title "(continued)" and heading row."""
    from generator.api import render_htm

    loaded = load_deal(long_table_deal(tmp_path))
    pages = render_htm(loaded, DOCUMENTS["term-sheet-8k"]).text.split("page-break-after:always")
    runs = [page for page in pages if " to $" in page]
    assert len(runs) >= 2
    assert "SIZE IN FINE BANDS (continued)" not in runs[0]
    for page in runs[1:]:
        table = page[page.index("<table") :]
        assert table.index("SIZE IN FINE BANDS (continued)") < table.index("Number of Loans") < table.index(" to $")
        assert table.count("<table") == table.count("</table>")


def test_the_pdf_continues_a_long_table_under_its_title(tmp_path: Path) -> None:
    """Each PDF page a strat table continues on opens with its title marked "(continued)" above its header row."""
    pages = pdf_pages(render_pdf(load_deal(long_table_deal(tmp_path)), DOCUMENTS["term-sheet-8k"]).content)
    runs = [page for page in pages if " to $" in page]
    assert len(runs) >= 2 and "SIZE IN FINE BANDS (continued)" not in runs[0]
    for page in runs[1:]:
        assert page.index("SIZE IN FINE BANDS (continued)") < page.index("Number of") < page.index(" to $")
