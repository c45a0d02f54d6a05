"""Word outputs: templates in step with their script, real page fields, and LibreOffice opens them."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn

from generator.api import DOCUMENTS, load_deal, render_document, render_docx

from .helpers import DEAL, LOOK_EXAMPLES, PRIME, ROOT, SHELF, TAKEDOWN, docx_words, normalised

EXAMPLES = {"term-sheet-8k": DEAL, "exhibit-5-1-takedown": TAKEDOWN, "exhibit-5-1-shelf": SHELF}


@pytest.mark.parametrize("name", [*EXAMPLES, "collateral-term-sheet"])
def test_committed_template_is_what_the_script_builds(name: str) -> None:
    from generator.formats.docx_templates import build

    assert (ROOT / "templates" / f"{name}.docx").read_bytes() == build(name), "run python -m generator.formats.docx_templates"


def test_letters_have_a_continuation_header_with_a_page_field() -> None:
    data = render_docx(load_deal(EXAMPLES["exhibit-5-1-takedown"]), DOCUMENTS["exhibit-5-1-takedown"]).content
    section = WordDocument(io.BytesIO(data)).sections[0]
    assert section.different_first_page_header_footer  # no header on page one
    header = section.header._element.xml
    assert 'w:instr="PAGE"' in header
    assert "Credit Suisse Securities (USA) LLC" in header and "February 27, 2006" in header


def test_strat_tables_repeat_their_header_row() -> None:
    data = render_docx(load_deal(EXAMPLES["term-sheet-8k"]), DOCUMENTS["term-sheet-8k"]).content
    cover, *tables = WordDocument(io.BytesIO(data)).tables
    assert "<w:tblHeader/>" not in cover._tbl.xml  # the cover's table of state, file and I.R.S. numbers
    assert len(tables) == 7
    for table in tables:
        assert "<w:tblHeader/>" in table.rows[0]._tr.xml
        assert table.rows[-1].cells[0].text == "Total"


def test_modern_tables_are_word_tables_with_a_column_per_figure_and_a_repeated_header() -> None:
    loaded = load_deal(PRIME)
    certificates, pool_data, *tables = WordDocument(io.BytesIO(render_docx(loaded, DOCUMENTS["collateral-term-sheet"]).content)).tables
    assert [c.text for c in certificates.rows[0].cells][:2] == ["Class", "Approximate Initial Balance or Notional Amount ($)"]
    assert [c.text for c in pool_data.rows[0].cells] == ["Characteristic", "Group 1", "Group 2", "Total Pool"]
    specs = loaded.deal.term_sheet.pool.tables.tables if loaded.deal.term_sheet else []
    arm_only = [spec for spec in specs if spec.only_groups]
    assert len(arm_only) == 4 and len(tables) == (len(specs) - 4) * 3 + 4  # each table for both groups and the pool; ARM tables for group 2 only
    balance = tables[0]
    averages = (["WA", heading] for heading in ("Rate (%)", "FICO", "LTV (%)", "DTI (%)"))
    headings = [["Number of", "Loans"], ["Aggregate", "Principal", "Balance ($)"], ["% of", "Group"], *averages]
    assert [c.text for c in balance.rows[0].cells][1:] == [" ".join(h) for h in headings]  # Word wraps each heading to its column's width
    assert len(balance._tbl.tblGrid.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}gridCol")) == 8
    for table in tables:
        assert "<w:tblHeader/>" in table.rows[0]._tr.xml
        assert table.rows[-1].cells[0].text == "Total"
        assert len({len(row.cells) for row in table.rows}) == 1  # every row as wide as the header
        assert sum(int(column.get(qn("w:w"))) for column in table._tbl.tblGrid.findall(qn("w:gridCol"))) == 9360  # 6.5in, margin to margin
        label, *figures = table.rows[-1]._tr.tc_lst
        assert "w:tcBorders" not in label.xml and all('w:val="double"' in cell.xml for cell in figures)  # the total's figures ruled, not its label
    crosstab = next(table for table in tables if table.rows[0].cells[1].text == "Original LTV (%)")
    across, heads = crosstab.rows[:2]
    assert "<w:tblHeader/>" in across._tr.xml and "<w:tblHeader/>" in heads._tr.xml  # the across heading repeats with the column headings
    ltv = ["60.00 and below", "60.001 - 70.000", "70.001 - 80.000", "80.001 and above"]  # labelled as the LTV table's rows
    assert len(across._tr.tc_lst) == 2 and [c.text for c in heads.cells] == ["Credit Score", *ltv, "Total"]


def test_columns_share_the_width_as_automatic_table_layout_does() -> None:
    from generator.formats.docx_grids import column_widths

    assert column_widths([10, 5], [40, 20], 120) == pytest.approx([80, 40])  # every line fits: the room left shared as the widest lines are
    assert column_widths([10, 5], [40, 20], 45) == pytest.approx([30, 15])  # not: each its shortest, and the same share of the rest
    assert column_widths([10, 5], [40, 20], 12) == pytest.approx([8, 4])  # not even the shortest: scaled down to the width


def test_a_template_whose_tables_have_no_width_still_gets_them_margin_to_margin(tmp_path: Path) -> None:
    """A collateral template exported before its tables had a width in twips (Word's `auto`) gets the width between the margins."""
    fixed, auto = b'<w:tblW w:type="dxa" w:w="9360"/>', b'<w:tblW w:type="auto" w:w="0"/>'
    with zipfile.ZipFile(ROOT / "templates" / "collateral-term-sheet.docx") as source, zipfile.ZipFile(tmp_path / "collateral-term-sheet.docx", "w") as copy:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                assert data.count(fixed) == 3  # the offered certificates table, the pool-data block's and the one repeated for every table
                data = data.replace(fixed, auto)
            copy.writestr(name, data)
    docx = render_document(load_deal(PRIME), "collateral-term-sheet", "docx", templates=tmp_path).content
    for table in WordDocument(io.BytesIO(docx)).tables:
        assert sum(int(column.get(qn("w:w"))) for column in table._tbl.tblGrid.findall(qn("w:gridCol"))) == 9360


def test_escaping_in_word(tmp_path: Path) -> None:
    loaded = load_deal(ROOT / "examples" / "variants" / "takedown-other-counsel" / "deal.yaml")
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(render_docx(loaded, DOCUMENTS["exhibit-5-1-takedown"]).content)).paragraphs)
    assert "Société Générale <Americas> \u201cSG\u201d" in text  # escaped, and its quotes typeset and "Cadwalader, Wickersham & Taft LLP" in text


@pytest.mark.parametrize("name", list(LOOK_EXAMPLES))
def test_libreoffice_opens_the_docx_and_keeps_its_words(converted: dict[str, tuple[bytes, list[str], list[str]]], name: str) -> None:
    data, pages, _ = converted[name]  # converted once a session (conftest.py)
    ours = docx_words(data)
    mark = re.compile(r"^(.+)\((\d)\)$")  # a footnote reference: 'loans(1)' in ours, 'loans' and a raised '1' in the PDF
    raised = {f"{m[1]}{m[2]}": m[1] for w in ours if (m := mark.match(w))}
    expected = Counter(mark.sub(r"\1", w) for w in ours.elements())
    words = Counter(raised.get(w, w) for w in normalised("\n".join(pages)))
    assert not expected - words  # every word survives the conversion
    extra = set(words - expected)  # what LibreOffice adds is page furniture only:
    repeated = set(normalised(_furniture(data))) | {str(n) for n in range(1, len(pages) + 1)}
    assert extra <= repeated, extra - repeated


def _furniture(data: bytes) -> str:
    """Text Word repeats on pages: the continuation header, the running footer and each table's header rows."""
    doc = WordDocument(io.BytesIO(data))
    rows = [" ".join(cell.text for cell in row.cells) for table in doc.tables for row in table.rows if "<w:tblHeader/>" in row._tr.xml]
    return "\n".join([*(p.text for part in (doc.sections[0].header, doc.sections[0].footer) for p in part.paragraphs), *rows])
