"""Word a lawyer can work in (Word's own styles, headers that wrap, no leftovers of the library) and the same properties in every format."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from pypdf import PdfReader

from generator.api import DOCUMENTS, load_deal, render_docx, render_htm, render_html, render_pdf

from .helpers import DEAL, PRIME, SHELF, TAKEDOWN

EXAMPLES = {"term-sheet-8k": DEAL, "exhibit-5-1-takedown": TAKEDOWN, "exhibit-5-1-shelf": SHELF, "collateral-term-sheet": PRIME}
PROPERTIES = {  # title, author, subject
    "term-sheet-8k": ("Form 8-K - Term sheet, Series 2003-1", "Citicorp Mortgage Securities, Inc.", "REMIC Pass-Through Certificates, Series 2003-1"),
    "exhibit-5-1-takedown": (
        "Exhibit 5.1 - Opinion of counsel, Series 2006-1",
        "Michael S. Zuckert, Citigroup Inc.",
        "REMIC Pass-Through Certificates, Series 2006-1",
    ),
    "exhibit-5-1-shelf": (
        "Exhibit 5.1 - Opinion of counsel, Citicorp Mortgage Securities, Inc.",
        "John R. Dye, Citigroup Inc.",
        "Citicorp Mortgage Securities, Inc.",
    ),
    "collateral-term-sheet": (
        "Collateral Term Sheet, Series 2024-1",
        "Example Mortgage Securities, Inc.",
        "Mortgage Pass-Through Certificates, Series 2024-1",
    ),
}
FIRM = Path(__file__).resolve().parent.parent / "examples" / "variants" / "takedown-other-counsel" / "deal.yaml"


@pytest.fixture(scope="module")
def docx() -> dict[str, bytes]:
    return {name: render_docx(load_deal(deal), DOCUMENTS[name]).content for name, deal in EXAMPLES.items()}


def _styles(data: bytes) -> dict[str, str]:
    """Each paragraph's text (its first 40 characters) and its style's name."""
    return {p.text[:40]: p.style.name for p in WordDocument(io.BytesIO(data)).paragraphs if p.text.strip()}


def test_the_term_sheet_is_set_in_words_own_styles(docx: dict[str, bytes]) -> None:
    styles = _styles(docx["term-sheet-8k"])
    assert styles["FORM 8-K"] == "Title"
    assert styles["Item 5. Other Events."] == "Heading 1" and styles["SIGNATURES"] == "Heading 1"
    assert styles["YEARS OF ORIGINATION OF MORTGAGE LOANS"] == "Heading 2"
    assert {styles[text] for text in styles if text.startswith(("The following are", "On January 30", "The total number"))} == {"Body Text First Indent"}
    used = set(styles.values())
    assert not used & {"Heading Centered", "Cover Title", "Body Indent", "Body Flush", "Table Title", "Footnote Block", "New Page"}


def test_the_collateral_term_sheets_tables_are_headings_and_its_legend_bold_and_together(docx: dict[str, bytes]) -> None:
    doc = WordDocument(io.BytesIO(docx["collateral-term-sheet"]))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert "CURRENT PRINCIPAL BALANCES\nGroup 1" in headings and "POOL DATA" in headings
    assert [p.style.name for p in doc.paragraphs if p.text == "THE MORTGAGE POOL"] == ["Heading 1"]
    legend = [p for p in doc.paragraphs if p.style.name == "Legend"]
    assert [p.text for p in legend][1] == "Filed Pursuant to Rule 433"
    assert legend[0].style.font.bold and legend[0].style.paragraph_format.space_after == 0


def test_letters_set_address_and_re_lines_together_and_the_signature_line_as_a_rule(docx: dict[str, bytes]) -> None:
    doc = WordDocument(io.BytesIO(docx["exhibit-5-1-takedown"]))
    styles = {p.text: p.style for p in doc.paragraphs}
    assert styles["Eleven Madison Avenue"].name == "Address" and styles["Eleven Madison Avenue"].paragraph_format.space_after == 0
    subject = [p for p in doc.paragraphs if p.style.name == "Subject"]
    assert len(subject) == 3 and subject[0].style.paragraph_format.space_after == 0
    assert styles["Ladies and Gentlemen:"].name == "Salutation"
    line = next(p for p in doc.paragraphs if p.style.name == "Signature Line")
    assert line.text == "" and line.style.element.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}") is not None
    assert [p.style.name for p in doc.sections[0].header.paragraphs] == ["Header"] * 3  # no 8 points after each line


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_no_typed_rules_no_manual_breaks_in_table_headers(docx: dict[str, bytes], name: str) -> None:
    doc = WordDocument(io.BytesIO(docx[name]))
    assert not [p.text for p in doc.paragraphs if "___" in p.text]  # a line to sign on is a border or a tab's leader
    for table in doc.tables:
        for row in table.rows:
            if row._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None:
                assert row._tr.find(f".//{qn('w:br')}") is None, [c.text for c in row.cells]  # Word wraps a heading by its column's width


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_word_shows_headings_keeps_them_with_what_follows_and_uses_the_deals_fonts(docx: dict[str, bytes], name: str) -> None:
    doc = WordDocument(io.BytesIO(docx[name]))
    styles = {s.name: s for s in doc.styles}
    for level in (1, 2):
        heading = styles[f"Heading {level}"]
        assert heading.paragraph_format.keep_with_next
        assert heading.element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}").get(qn("w:val")) == str(level - 1)  # the navigation pane's level
    assert styles["Normal"].paragraph_format.widow_control
    assert not [n for n in ("Title", "Body Text", "Body Text First Indent", "footnote text", "Caption", "Header") if styles[n].element.customStyle]
    assert styles["Body Text First Indent"].base_style.name == "Body Text" and "footnote text" in styles
    assert styles["Deal Table"].base_style.name == "Table Grid" and all(t.style.name == "Deal Table" for t in doc.tables)
    typeface = load_deal(EXAMPLES[name]).deal.style.typeface
    xml = zipfile.ZipFile(io.BytesIO(docx[name])).read("word/styles.xml").decode()
    assert "Theme=" not in xml and "theme=" not in xml  # no font from the theme: restyling works from the document's own
    assert set(re.findall(r'w:ascii="([^"]+)"', xml)) == {typeface}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_no_thumbnail_or_empty_custom_parts(docx: dict[str, bytes], name: str) -> None:
    names = zipfile.ZipFile(io.BytesIO(docx[name])).namelist()
    assert not [n for n in names if n.startswith(("docProps/thumbnail", "customXml/", "word/stylesWithEffects"))], names
    assert not [n for n in names if n.startswith("word/media/")]  # no logo in these examples: nothing pictured


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_word_properties_name_the_document_its_author_and_series(docx: dict[str, bytes], name: str) -> None:
    core = WordDocument(io.BytesIO(docx[name])).core_properties
    assert (core.title, core.author, core.subject) == PROPERTIES[name]
    assert core.last_modified_by == core.author


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_pdf_and_edgar_html_carry_the_same_properties(name: str) -> None:
    loaded = load_deal(EXAMPLES[name])
    title, author, subject = PROPERTIES[name]
    html = render_html(loaded, DOCUMENTS[name])
    assert f"<title>{title}</title>" in html and f'<meta name="author" content="{author}">' in html
    assert f'<meta name="description" content="{subject}">' in html
    assert f"<title>{title}</title>" in render_htm(loaded, DOCUMENTS[name]).text


def test_pdf_metadata_is_the_documents() -> None:
    """WeasyPrint writes the page's title, author and description into the PDF's Title, Author and Subject."""
    meta = PdfReader(io.BytesIO(render_pdf(load_deal(SHELF), DOCUMENTS["exhibit-5-1-shelf"]).content)).metadata
    assert (meta.title, meta.author, meta.subject) == PROPERTIES["exhibit-5-1-shelf"]


def test_a_law_firms_opinion_is_authored_by_the_firm() -> None:
    loaded = load_deal(FIRM)
    counsel = loaded.deal.takedown_opinion.counsel if loaded.deal.takedown_opinion else None
    assert counsel is not None and counsel.voice == "firm"
    assert DOCUMENTS["exhibit-5-1-takedown"].properties(loaded).author == counsel.name
