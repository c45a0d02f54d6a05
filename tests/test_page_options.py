"""The modern term sheet's page options: landscape pages (a document's, a wide table's) and '$' on money columns' first and total rows."""

from __future__ import annotations

import io
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.api import load_deal, render_document
from generator.deal.models import Page
from generator.documents.grids import Grid, page_set
from generator.formats.extract import pdf_pages

from .helpers import EXAMPLES, ROOT, cli, line_of

DEAL = ROOT / "tests" / "test_page_options" / "deal.yaml"  # the prime jumbo tape, four tables, `landscape_tables: [balance]`, `dollar_signs: true`
FORMATS = ("txt", "htm", "docx", "pdf")
MONEY = re.compile(r"^\$\d")


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """The test deal with `old` replaced by `new`, its tape named by absolute path."""
    text = DEAL.read_text()
    assert old in text
    tape = "../../examples/prime-jumbo-2024-1/loans.csv"
    deal = tmp_path / f"{name}.yaml"
    deal.write_text(text.replace(old, new).replace(tape, str(EXAMPLES / "prime-jumbo-2024-1" / "loans.csv")))
    return deal


def render_all(deal: Path) -> dict[str, str | bytes]:
    loaded = load_deal(deal)
    return {fmt: render_document(loaded, "collateral-term-sheet", fmt).content for fmt in FORMATS}


@pytest.fixture(scope="module")
def signed() -> dict[str, str | bytes]:
    return render_all(DEAL)


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | bytes]:
    return render_all(variant(tmp_path_factory.mktemp("deal"), "unsigned", "dollar_signs: true", "dollar_signs: false"))


# --- '$' on the first and total rows -----------------------------------------------------------


cells = st.text(alphabet="0123456789,.NA/ ", min_size=0, max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    columns=st.integers(min_value=1, max_value=5),
    count=st.integers(min_value=0, max_value=6),
    with_total=st.booleans(),
)
def test_dollar_signs_change_only_the_first_and_total_rows_of_money_columns(data: st.DataObject, columns: int, count: int, with_total: bool) -> None:
    money = tuple(data.draw(st.lists(st.booleans(), min_size=columns, max_size=columns)))
    row = st.lists(cells, min_size=columns, max_size=columns).map(lambda figures: ["label", *figures])
    rows = data.draw(st.lists(row, min_size=count, max_size=count))
    total = data.draw(row) if with_total else None
    grid = Grid("t", ["T"], None, [["h"]] * (columns + 1), rows, total, money=money)
    out = page_set(grid, Page(dollar_signs=True))
    assert out.rows[1:] == grid.rows[1:]
    for before, after in [*zip(grid.rows[:1], out.rows[:1], strict=True), *([(grid.total, out.total)] if total else [])]:
        assert before is not None and after is not None and after[0] == before[0]
        for cell, printed, is_money in zip(before[1:], after[1:], money, strict=True):
            assert printed == ("$" + cell if is_money and cell[:1].isdigit() else cell)
    assert page_set(grid, Page()) == grid  # off by default


def _words(text: str | bytes) -> list[str]:
    """The words of EDGAR text, rules left out (a column the '$' widens has a longer rule)."""
    return [word for word in str(text).split() if not re.fullmatch(r"-+", word)]


def _changed_words(on: list[str], off: list[str]) -> Counter[str]:
    """Words the '$' changed: each added word is a removed one with '$' before it."""
    added, removed = Counter(on) - Counter(off), Counter(off) - Counter(on)
    assert Counter(word.removeprefix("$") for word in added.elements()) == removed
    assert all(MONEY.match(word) for word in added)
    return added


def test_text_signs_exactly_the_first_and_total_rows(signed: dict[str, str | bytes], unsigned: dict[str, str | bytes]) -> None:
    def lines(text: str | bytes) -> list[str]:  # rules as one word: a column the '$' widens has a longer rule
        return ["-" if re.fullmatch(r"[ -]+", line) else line for line in str(text).splitlines() if line.strip()]

    on, off = lines(signed["txt"]), lines(unsigned["txt"])
    assert [line.replace("$", "").split() for line in on] == [line.replace("$", "").split() for line in off]
    changed = [n for n, (a, b) in enumerate(zip(on, off, strict=True)) if a.split() != b.split()]
    assert any(on[n].startswith("Total") for n in changed) and any(on[n - 1] == "-" for n in changed)
    for n in changed:  # a table's first row (just under the headings' rule) or its total row
        assert on[n].startswith("Total") or on[n - 1] == "-", on[n]
    assert _changed_words(_words(signed["txt"]), _words(unsigned["txt"])).total() > 0


class _Rows(HTMLParser):
    """EDGAR HTML's table rows as cell texts, heading rows (valign=bottom, title rows) marked."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[bool, list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append((("valign", "bottom") in attrs or ("align", "center") in attrs, []))
        elif tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _htm_rows(text: str | bytes) -> list[tuple[bool, list[str]]]:
    parser = _Rows()
    parser.feed(str(text))
    return parser.rows


def _docx_rows(data: str | bytes) -> list[tuple[bool, list[str]]]:
    from docx import Document
    from docx.oxml.ns import qn

    rows = []
    for table in Document(io.BytesIO(bytes(data))).tables:
        for row in table.rows:
            heading = row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None
            rows.append((heading, [cell.text for cell in row.cells]))
    return rows


@pytest.mark.parametrize("fmt", ["htm", "docx"])
def test_table_cells_signed_in_the_first_and_total_rows_only(fmt: str, signed: dict[str, str | bytes], unsigned: dict[str, str | bytes]) -> None:
    read = _htm_rows if fmt == "htm" else _docx_rows
    on, off = read(signed[fmt]), read(unsigned[fmt])
    assert [heading for heading, _ in on] == [heading for heading, _ in off]
    signs = 0
    for n, ((heading, a), (_, b)) in enumerate(zip(on, off, strict=True)):
        if a == b:
            continue
        assert not heading and (on[n - 1][0] or a[0] == "Total"), a  # under the heading rows, or the total row
        for x, y in zip(a, b, strict=True):
            assert x == y or x == "$" + y
            signs += x != y
    assert signs == _changed_words(_words(signed["txt"]), _words(unsigned["txt"])).total()


def test_pdf_signs_the_same_figures_as_the_text(signed: dict[str, str | bytes], unsigned: dict[str, str | bytes]) -> None:
    on, off = (" ".join(pdf_pages(bytes(rendered["pdf"]))).split() for rendered in (signed, unsigned))
    assert _changed_words(on, off) == _changed_words(_words(signed["txt"]), _words(unsigned["txt"]))


def test_exports_are_unaffected(tmp_path: Path) -> None:
    plain = variant(tmp_path, "plain", "  page:\n    landscape_tables: [balance]\n    dollar_signs: true\n", "")
    for fmt in ("json", "csv", "xlsx"):
        outputs = []
        for deal in (DEAL, plain):
            out = tmp_path / f"{deal.stem}.{fmt}"
            code, printed = cli("strats", deal, "--format", fmt, "--out", out)
            assert code == 0, printed
            outputs.append(out.read_bytes())
        assert outputs[0] == outputs[1]


# --- landscape -------------------------------------------------------------------------------


def _pdf_sizes(data: str | bytes) -> list[tuple[float, float, str]]:
    from pypdf import PdfReader

    return [(float(p.mediabox.width), float(p.mediabox.height), p.extract_text()) for p in PdfReader(io.BytesIO(bytes(data))).pages]


def test_a_wide_table_is_set_on_landscape_pages_with_the_running_footer(signed: dict[str, str | bytes]) -> None:
    pages = _pdf_sizes(signed["pdf"])
    wide = [n for n, (w, h, _) in enumerate(pages) if w > h]
    assert wide and all("CURRENT PRINCIPAL BALANCES" in pages[n][2] for n in wide)
    assert all("CURRENT PRINCIPAL BALANCES" not in text for w, h, text in pages if w < h)
    assert all(f"Page {n + 1} of {len(pages)}" in pages[n][2] for n in wide)
    assert "The following tables" in pages[wide[0]][2]  # the lead-in goes with the first table, not alone on an upright page


def test_word_sets_the_table_in_a_landscape_section_with_the_footer(signed: dict[str, str | bytes]) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT

    document = Document(io.BytesIO(bytes(signed["docx"])))
    sections = document.sections
    assert [s.orientation for s in sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert sections[1].page_width > sections[1].page_height and sections[0].page_width < sections[0].page_height
    assert all(s.left_margin == sections[0].left_margin and s.bottom_margin == sections[0].bottom_margin for s in sections)
    assert all("PAGE" in s.footer._element.xml for s in sections)
    body = document.element.body
    widths = []
    for element in body.iterchildren():
        if element.tag.endswith("}tbl"):
            widths.append(int(element.tblPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblW").get(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w")))
    assert sorted(set(widths)) == [9360, 12960]  # 6.5 inches between the margins upright, 9 on a landscape page
    after = [e for e in body.iterchildren() if e.tag.endswith("}p")]
    breaks = [n for n, p in enumerate(after) if p.pPr is not None and p.pPr.sectPr is not None]
    assert after[breaks[0] + 1].xpath("string(.)").startswith("The following tables")  # the lead-in opens the landscape section
    assert "dealdocs-landscape" not in document.element.xml


def test_printed_edgar_html_breaks_where_the_pdf_does(signed: dict[str, str | bytes]) -> None:
    pages = len(_pdf_sizes(signed["pdf"]))
    assert str(signed["htm"]).count("page-break-after:always") == pages - 1
    assert f"Page {pages} of {pages}" in str(signed["htm"])


def test_landscape_tables_apart_and_at_the_end(tmp_path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT

    loaded = load_deal(variant(tmp_path, "apart", "landscape_tables: [balance]", "landscape_tables: [offered-certificates, fico-ltv]"))
    pages = _pdf_sizes(render_document(loaded, "collateral-term-sheet", "pdf").content)
    wide = [n for n, (w, h, _) in enumerate(pages) if w > h]
    assert wide == [1, len(pages) - 1]
    assert "OFFERED CERTIFICATES" in pages[1][2] and "CREDIT SCORE BY ORIGINAL LTV" in pages[-1][2]
    sections = Document(io.BytesIO(bytes(render_document(loaded, "collateral-term-sheet", "docx").content))).sections
    landscape, portrait = WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT
    assert [s.orientation for s in sections] == [portrait, landscape, portrait, landscape]  # no blank upright page after the last table


def test_every_page_landscape(tmp_path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT

    loaded = load_deal(variant(tmp_path, "landscape", "landscape_tables: [balance]", "orientation: landscape"))
    pages = _pdf_sizes(render_document(loaded, "collateral-term-sheet", "pdf").content)
    assert len(pages) > 2 and all(w > h for w, h, _ in pages)
    sections = Document(io.BytesIO(bytes(render_document(loaded, "collateral-term-sheet", "docx").content))).sections
    assert [s.orientation for s in sections] == [WD_ORIENT.LANDSCAPE]


_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def _footers(pdf: Path) -> list[tuple[float, float, float]]:
    """Each page's width, the centre of its footer's series and the right end of its "Page N of M", in points, as the PDF sets them."""
    import subprocess

    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for width, page in re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', boxes, re.S):
        words = [(float(x0), float(y), float(x1), text) for x0, y, x1, text in _BOX.findall(page)]
        at = next((n for n, w in enumerate(words) if w[3] == "Page" and words[n + 2][3] == "of"), None)
        if at is None:
            continue  # the cover
        line = [w for w in words if abs(w[1] - words[at][1]) < 1]
        series = [w for w in line if w[0] > next(x1 for x0, y, x1, text in line if text == "PROSPECTUS") and w[2] < words[at][0]]
        found.append((float(width), (series[0][0] + series[-1][2]) / 2, words[at + 3][2]))
    return found


def test_word_footers_run_across_landscape_pages_as_across_upright_ones(signed: dict[str, str | bytes], tmp_path: Path) -> None:
    """The series centred and "Page N of M" at the right margin on every page after the cover, landscape pages too
    (the upright footer's tabs would stop short of both), in the mixed document and in one landscape throughout."""
    from .helpers import libreoffice_pdf

    (tmp_path / "mixed.docx").write_bytes(bytes(signed["docx"]))
    every = load_deal(variant(tmp_path, "turned", "landscape_tables: [balance]", "orientation: landscape"))
    (tmp_path / "turned.docx").write_bytes(bytes(render_document(every, "collateral-term-sheet", "docx").content))
    libreoffice_pdf([tmp_path / "mixed.docx", tmp_path / "turned.docx"], tmp_path)
    mixed, turned = _footers(tmp_path / "mixed.pdf"), _footers(tmp_path / "turned.pdf")
    assert {round(w) for w, _, _ in mixed} == {612, 792} and {round(w) for w, _, _ in turned} == {792}
    for width, centre, right in mixed + turned:  # one-inch margins
        assert abs(centre - width / 2) < 2 and abs(right - (width - 72)) < 2, (width, centre, right)


def test_a_templates_own_header_tabs_follow_landscape_pages_and_stay_on_upright_ones(tmp_path: Path) -> None:
    """A user's Word template with a header of its own (a right tab at the text's width): landscape pages get a copy whose tab
    sits at the landscape text's width; upright pages keep the template's."""
    from docx import Document
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Inches

    from generator.templating.folders import templates_dir

    template = Document(str(templates_dir() / "collateral-term-sheet.docx"))
    header = template.sections[0].header.paragraphs[0]
    header.text = "Prime Jumbo\tDraft"
    header.paragraph_format.tab_stops.add_tab_stop(Inches(6.5), WD_TAB_ALIGNMENT.RIGHT)
    (tmp_path / "templates").mkdir()
    template.save(str(tmp_path / "templates" / "collateral-term-sheet.docx"))
    content = render_document(load_deal(DEAL), "collateral-term-sheet", "docx", templates=tmp_path / "templates").content
    sections = Document(io.BytesIO(bytes(content))).sections
    for section in sections:
        stops = {t.position: t.alignment for t in section.header.paragraphs[0].paragraph_format.tab_stops}
        text_width = section.page_width - section.left_margin - section.right_margin
        assert section.header.paragraphs[0].text == "Prime Jumbo\tDraft"
        assert stops.get(text_width) == WD_TAB_ALIGNMENT.RIGHT and stops.get(Inches(6.5), WD_TAB_ALIGNMENT.CLEAR) in (
            (WD_TAB_ALIGNMENT.RIGHT,) if text_width == Inches(6.5) else (WD_TAB_ALIGNMENT.CLEAR,)
        )
    assert len({s.header.part.partname for s in sections}) == 2  # the upright one, and the landscape copy


def test_the_same_bytes_on_every_run(signed: dict[str, str | bytes]) -> None:
    assert render_all(DEAL) == signed


# --- the deal file's mistakes ----------------------------------------------------------------


def test_a_landscape_table_that_is_not_printed_is_an_error_at_its_line(tmp_path: Path) -> None:
    deal = variant(tmp_path, "bad", "landscape_tables: [balance]", "landscape_tables:\n      - balance\n      - balances")
    for command in ("validate", "render"):
        code, out = cli(command, deal, *(["--out", tmp_path / "out", "--format", "txt"] if command == "render" else []))
        assert code == 2
        assert f"{deal}:{line_of(deal, '- balances')}" in out and "landscape_tables.1" in out and "`balances`" in out
        assert "pool-data" in out and "fico-ltv" in out  # the ids there are


def test_page_options_under_the_8k_layout_are_an_error(tmp_path: Path) -> None:
    deal = tmp_path / "deal.yaml"
    text = (EXAMPLES / "cmsi-2003-1" / "deal.yaml").read_text()
    text = text.replace("term_sheet:\n", "term_sheet:\n  page: {dollar_signs: true}\n", 1)
    deal.write_text(text.replace("tape: loans.csv", f"tape: {EXAMPLES / 'cmsi-2003-1' / 'loans.csv'}"))
    code, out = cli("validate", deal)
    assert code == 2 and f"{deal}:{line_of(deal, 'page:')}" in out and "[term_sheet.page]" in out and "layout: modern" in out
