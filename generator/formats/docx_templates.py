"""Build the Word templates in templates/*.docx: real styles, Jinja tags for docxtpl.

    python -m generator.formats.docx_templates        # rewrites templates/*.docx

A lawyer may edit the committed .docx files in Word instead; tests/test_docx.py checks
that this module and the committed files agree, so run it again after changing it. The
words come from the same prose modules as the text and PDF (templates/*/_prose.j2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Pt, Twips

from generator.formats.docx_grids import LANDSCAPE_MARK, LINE, SECTION_MARK, SIZE
from generator.formats.docx_package import normalise_docx
from generator.templating.folders import templates_dir

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.enum.text import WD_PARAGRAPH_ALIGNMENT
    from docx.table import Table, _Row
    from docx.text.paragraph import Paragraph

FONT = "Times New Roman"  # what Word asks for; a deal's `style.typeface` replaces it when rendering (docx_package)
KEEP_ROWS = 45  # a table of at most this many rows fits on a page: kept whole, as print.css keeps it (`.keep`)
LABEL_WIDTH, COUNT_WIDTH, BALANCE_WIDTH = 3.4, 1.2, 1.9  # inches; the label column takes the filing's longest labels
PAD = round(SIZE * 2)  # twips: 0.1em of a grid cell's text, grid.css's padding above and below each cell


def _styled_document() -> DocxDocument:
    """US Letter, one-inch margins, and the paragraph styles every template uses.

    Word's built-in styles where Word has one (Title, Heading 1 and 2, Body Text, Caption,
    Footnote Text, Header, Footer, Salutation, Signature), so that the navigation pane shows the
    document's headings and a lawyer restyles it as any Word document; every font is the
    document's (no theme fonts), and every paragraph keeps two lines on each side of a page break.
    """
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))
    _plain_fonts(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(11 * 0.8)  # as print.css sets a page's text: 11 points on lines 1.35 of it, 0.8em after
    normal.paragraph_format.line_spacing, normal.paragraph_format.line_spacing_rule = Pt(11 * 1.35), WD_LINE_SPACING.AT_LEAST
    normal.paragraph_format.widow_control = True

    def style(
        name: str,
        *,
        based: str = "Normal",
        align: WD_PARAGRAPH_ALIGNMENT | None = None,
        first: float | None = None,
        left: float | None = None,
        hanging: float | None = None,
        size: float | None = None,
        bold: bool = False,
        before_break: bool = False,
        keep: bool = False,
        right: float | None = None,
        tab: float | None = None,
        before: float | None = None,
        after: float | None = None,
    ) -> None:
        s = _paragraph_style(doc, name, based)
        fmt = s.paragraph_format
        if align is not None:
            fmt.alignment = align
        if first is not None:
            fmt.first_line_indent = Inches(first)
        if left is not None:
            fmt.left_indent = Inches(left)
        if hanging is not None:
            fmt.left_indent = Inches((left or 0) + hanging)
            fmt.first_line_indent = Inches(-hanging)
            fmt.tab_stops.add_tab_stop(Inches((left or 0) + hanging))
        if right is not None:
            fmt.right_indent = Inches(right)
        if tab is not None:
            fmt.tab_stops.add_tab_stop(Inches(tab))
        if before is not None:
            fmt.space_before = Pt(before)
        if after is not None:
            fmt.space_after = Pt(after)
        if size:
            s.font.size = Pt(size)
        s.font.bold = bold
        fmt.page_break_before = before_break
        fmt.keep_with_next = keep

    style("Centered", align=WD_ALIGN_PARAGRAPH.CENTER)
    style("Title", align=WD_ALIGN_PARAGRAPH.CENTER, size=14, bold=True, keep=True)
    style("Caption", align=WD_ALIGN_PARAGRAPH.CENTER, size=9)
    style("Body Text", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    style("Body Text First Indent", based="Body Text", first=0.5)
    # An opinion as a letter sets it: the number, a tab, the text back to the margin; its lettered parts a
    # block indented from both sides, the letter before a tab; their items with a hanging indent.
    # Each 0.6em above the next, as print.css spaces a list's items.
    style("Numbered", based="Body Text", tab=0.5, after=11 * 0.6)
    style("Item", based="Body Text", left=0.5, hanging=0.6, after=11 * 0.6)  # the label 0.6in wide, as print.css's
    style("Part", based="Body Text", left=1.0, right=0.5, tab=1.4, after=11 * 0.6)
    style("Part Item", based="Body Text", left=1.3, hanging=0.6, right=0.5, after=11 * 0.6)  # inside its part's margins
    for name in ("Item", "Part Item"):
        doc.styles[name].paragraph_format.keep_together = True  # a list's item is not broken over pages (print.css `ol li`)
    style("Footnote Text", size=9, after=9 * 0.2)
    _named(doc, "Footnote Text").paragraph_format.line_spacing = Pt(9 * 1.35)  # at least, as the body's
    style("Letterhead", align=WD_ALIGN_PARAGRAPH.CENTER, after=22)  # 2em under the letterhead's lines, none between them
    _named(doc, "Letterhead").element.get_or_add_pPr().append(OxmlElement("w:contextualSpacing"))
    style("Heading 1", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, before_break=True, keep=True)
    style("Heading 2", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, keep=True, before=18)
    style("Cover Party", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, keep=True, before=18)  # a party's name on the cover, its role under it
    style("Header", size=10, after=0)  # a letter's continuation header, 10 points on lines 1.2 of it as print.css sets it
    _named(doc, "Header").paragraph_format.line_spacing, _named(doc, "Header").paragraph_format.line_spacing_rule = Pt(12), WD_LINE_SPACING.EXACTLY
    style("Footer", align=WD_ALIGN_PARAGRAPH.CENTER, size=9, after=0)
    style("Cover Value", align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    style("Legend", align=WD_ALIGN_PARAGRAPH.RIGHT, bold=True, after=0)  # Rule 433's legend, its lines together as the PDF sets them
    style("Signature", left=3.25, keep=True)
    style("Signature Line", based="Signature", right=1.0, before=18, keep=True)  # the line signed on: a rule under an empty paragraph
    _rule_under(doc.styles["Signature Line"].element.get_or_add_pPr())
    style("Signature Tab", based="Signature", keep=True)  # "By:" and the line signed on, a tab's underscore leader to 6 inches
    doc.styles["Signature Tab"].paragraph_format.tab_stops.add_tab_stop(Inches(6.0), leader=WD_TAB_LEADER.LINES)
    style("Address", after=0)  # the addressee's lines together, as the PDF sets them
    style("Salutation", before=13)  # 1.2em under the address (or the "Re:" block), as print.css leaves it
    style("Subject", based="Body Text", left=0.5, hanging=0.6, after=0, keep=True)  # the "Re:" lines, the label before a tab
    style("Right", align=WD_ALIGN_PARAGRAPH.RIGHT)
    style("Cell")
    style("Figure", align=WD_ALIGN_PARAGRAPH.RIGHT)
    style("Cell Keep", keep=True)  # a row kept on the page of the row after it
    style("Figure Keep", align=WD_ALIGN_PARAGRAPH.RIGHT, keep=True)
    for name in ("Cell", "Figure", "Cell Keep", "Figure Keep"):
        doc.styles[name].paragraph_format.space_after = Pt(0)
        doc.styles[name].paragraph_format.line_spacing = 1.15  # table rows on single lines, not the body's
        doc.styles[name].font.size = Pt(10)
    for level in (1, 2):
        _outline_level(doc.styles[f"Heading {level}"], level)
    _table_style(doc)
    return doc


FOOTNOTE_TEXT = "footnote text"
"""Word's own name for its built-in Footnote Text style (python-docx does not translate it)."""
WORD_STYLES = {"Body Text First Indent", "Footnote Text", "Salutation", "Signature"}
"""Word's built-in styles that python-docx's template lacks: added, and marked as Word's own (not custom)."""


def _paragraph_style(doc: DocxDocument, name: str, based: str) -> Any:
    """A paragraph style `name` based on `based`: Word's built-in one emptied of the look python-docx's template gives it, or a new one."""
    from docx.enum.style import WD_STYLE_TYPE

    internal = FOOTNOTE_TEXT if name == "Footnote Text" else name
    existing = next((s for s in doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH and s.name in (name, internal)), None)
    if existing is None:
        existing = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if internal != name:
            existing.element.name_val = internal
        if name in WORD_STYLES:
            existing.element.customStyle = None
    element = existing.element
    for child in (element.pPr, element.rPr):
        if child is not None:
            element.remove(child)
    for link in element.findall(qn("w:link")):  # its character style ("Heading 1 Char") keeps theme fonts and colours
        element.remove(link)
    existing.base_style = doc.styles[based] if based != name else None
    existing.quick_style = True
    existing.hidden = False
    existing.unhide_when_used = False
    return existing


def _named(doc: DocxDocument, name: str) -> Any:
    """A style by the name the templates use (Footnote Text by Word's own lower-case name)."""
    return doc.styles[FOOTNOTE_TEXT if name == "Footnote Text" else name]


def _plain_fonts(doc: DocxDocument) -> None:
    """Every font of the styles named outright (`FONT`), none taken from the theme: a deal's typeface then replaces them all."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    for fonts in [*defaults.iter(qn("w:rFonts")), *styles.iter(qn("w:rFonts"))]:
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(script), FONT)


def _outline_level(style: Any, level: int) -> None:
    """The heading level the navigation pane shows a style at (`w:outlineLvl` counts from 0)."""
    element = OxmlElement("w:outlineLvl")
    element.set(qn("w:val"), str(level - 1))
    style.element.get_or_add_pPr().append(element)


TABLE_STYLE = "Deal Table"


def _table_style(doc: DocxDocument) -> None:
    """The tables' style, based on Word's Table Grid without its lines (a financial table draws only its own rules)."""
    from docx.enum.style import WD_STYLE_TYPE

    table = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    table.base_style = doc.styles["Table Grid"]
    table.quick_style = True
    props = OxmlElement("w:tblPr")
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    props.append(borders)
    table.element.append(props)


def _tag(doc: DocxDocument, text: str, style: str = "Normal") -> Paragraph:
    """A paragraph of template text (a Jinja tag, or a line of one) in a style."""
    return doc.add_paragraph(text, style=_named(doc, style))


def _words(paragraph: Paragraph, expression: str, after: str = "") -> None:
    """Words from a prose module (`expression`, then the template text `after`), as plain as words written in.

    docxtpl marks every <w:t> that holds a tag `xml:space="preserve"`, which a word written
    in has not; so the tag goes into a second run that opens with `{%-`, which docxtpl merges
    into the first (a comment, so without a tag): the words land in its plain <w:t>, and the
    document comes out as it would with the words written in.
    """
    paragraph.add_run("{# words #}")
    paragraph.add_run(f"{{%- with prose_words = {expression} %}}{{{{ prose_words }}}}{{% endwith %}}{after}")


def _new_page(paragraph: Paragraph) -> Paragraph:
    """The paragraph starts a page (set on the paragraph, so that its style stays Word's own)."""
    paragraph.paragraph_format.page_break_before = True
    return paragraph


def _lead_in(paragraph: Paragraph) -> Paragraph:
    """A paragraph that leads into what follows (a list, a table) stays on the page of its first lines."""
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _tag_words(doc: DocxDocument, expression: str, style: str = "Normal", after: str = "") -> Paragraph:
    """A paragraph of words from a prose module (see `_words`)."""
    paragraph = doc.add_paragraph(style=_named(doc, style))
    _words(paragraph, expression, after)
    return paragraph


def _page_field(paragraph: Paragraph, instruction: str = "PAGE") -> None:
    """A real PAGE (or NUMPAGES) field, so Word and LibreOffice number the pages themselves."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">\n'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>\n'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>\n'
    '{%% import "%s/_prose.j2" as prose with context %%}{%% for note in prose.footnotes %%}'
    '<w:footnote w:id="{{ loop.index }}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/><w:spacing w:after="60"/></w:pPr>'
    '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
    '<w:r><w:t xml:space="preserve"> {{ note }}</w:t></w:r></w:p></w:footnote>{%% endfor %%}\n'
    "</w:footnotes>\n"
)


def _footnotes(doc: DocxDocument, prose: str) -> None:
    """A footnotes part whose notes docxtpl renders from the prose module; the body refers to them by number."""
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, (FOOTNOTES % prose).encode(), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)


def _repeat_header(row: _Row) -> None:
    """Repeat the row at the top of each page the table runs onto."""
    props = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    props.append(header)


def _rule_above(row: _Row) -> None:
    """A single rule above the row and a double one below it: the totals line of a table."""
    for cell in row.cells:
        borders = OxmlElement("w:tcBorders")
        for edge, kind in (("top", "single"), ("bottom", "double")):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:val"), kind)
            element.set(qn("w:sz"), "4")
            borders.append(element)
        cell._tc.get_or_add_tcPr().append(borders)


def _widths(table: Table, inches: Sequence[float]) -> None:
    """Fixed column widths, in the grid (which LibreOffice reads) and in every cell (which Word reads)."""
    table.autofit = False  # python-docx writes a fixed layout
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), inches, strict=True):
        column.set(qn("w:w"), str(int(width * 1440)))
    for row in table.rows:
        for cell, width in zip(row.cells, inches, strict=True):
            cell.width = Inches(width)


_AFTER_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
"""What follows `w:pBdr` in a paragraph's properties (ECMA-376 CT_PPrBase): Word refuses them out of order."""


def _rule_under(props: Any, side: str = "bottom") -> None:
    """A rule under (`side` "top": over) a paragraph, or a style's paragraphs (`props`: its `w:pPr`): the line signed on, a running footer's."""
    borders = OxmlElement("w:pBdr")
    rule = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "000000")):
        rule.set(qn(key), value)
    borders.append(rule)
    props.insert_element_before(borders, *_AFTER_BORDERS)



def _cover_table(doc: DocxDocument) -> None:
    """State, file number and I.R.S. number, then address and ZIP, each in its own cell over its caption."""
    table = doc.add_table(rows=4, cols=3, style=TABLE_STYLE)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows: list[list[str | None]] = [
        ["{{ deal.depositor.state_of_incorporation }}", "{{ deal.depositor.commission_file_number }}", "{{ deal.depositor.irs_employer_number }}"],
        ['{{ cover.state_caption | join(" ") | replace("- ", "") }}', '{{ cover.file_caption | join(" ") }}', '{{ cover.irs_caption | join(" ") }}'],
        ["{{ cover.address }}", None, "{{ deal.depositor.address.zip }}"],
        ["{{ cover.address_caption }}", None, "{{ cover.zip_caption }}"],
    ]
    _widths(table, (2.3, 2.0, 2.2))
    for number, (row, texts) in enumerate(zip(table.rows, rows, strict=True)):
        value = number % 2 == 0
        for cell, text in zip(row.cells, texts, strict=True):
            if text is None:
                continue
            cell.text = text
            cell.paragraphs[0].style = doc.styles["Cover Value" if value else "Caption"]
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            if value:
                _rule_under(cell.paragraphs[0]._p.get_or_add_pPr())
    for row in (2, 3):  # the address spans the first two columns
        merged = table.rows[row].cells[0].merge(table.rows[row].cells[1])
        for extra in merged.paragraphs[1:]:
            extra._p.getparent().remove(extra._p)
    doc.add_paragraph(style="Caption").paragraph_format.space_after = Pt(0)  # space between the table and the telephone line


def _page_footer(doc: DocxDocument) -> None:
    """A page number at the foot of every page, cover included, as a PAGE field Word and LibreOffice fill."""
    footer = doc.sections[0].footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    _page_field(footer)


def _running_footer(doc: DocxDocument) -> None:
    """From page two, the PDF's running footer over a rule: the legend, the series and "Page N of M"; none on the cover.

    Its parts sit at the left, at a centred tab and at a right tab on the upright text's width
    (alignment tabs relative to the margins would follow a landscape page too, but LibreOffice
    sets them as plain tabs); `docx_grids.turn_margins` moves them on landscape pages.
    """
    section = doc.sections[0]
    section.different_first_page_header_footer = True  # the cover's footer is empty
    page, left, right = section.page_width, section.left_margin, section.right_margin
    assert page is not None and left is not None and right is not None  # the template's own section sets all three
    width = page - left - right
    style = _paragraph_style(doc, "Running Footer", "Footer")  # as grid.css's .runningfoot: 8 points, over a rule
    style.paragraph_format.alignment, style.font.size = WD_ALIGN_PARAGRAPH.LEFT, Pt(8)
    style.paragraph_format.tab_stops.add_tab_stop(width // 2, WD_TAB_ALIGNMENT.CENTER)
    style.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    _rule_under(style.element.get_or_add_pPr(), "top")
    footer = section.footer.paragraphs[0]
    footer.style = style
    footer.text = '{% import "collateral-term-sheet/_prose.j2" as prose with context %}{{ prose.cover.legend_title }}\t{{ prose.cover.series }}\tPage '
    _page_field(footer)
    footer.add_run(" of ")
    _page_field(footer, "NUMPAGES")


def _data_row(table: Table, keep: bool) -> None:
    """The template row of a table's figures; `keep` holds it on the page of the row after it."""
    row = table.add_row()  # type: ignore[no-untyped-call]
    texts = ["{{ row.label }}", "{{ row.count }}", '{{ "$" if loop.first }}{{ row.balance | number }}']
    for i, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
        cell.text = text
        cell.paragraphs[0].style = ("Cell" if i == 0 else "Figure") + (" Keep" if keep else "")


def _tag_row(table: Table, tag: str) -> None:
    """A row that holds only a docxtpl row tag (`{%tr ... %}`): it is replaced by what the tag makes."""
    table.add_row().cells[0].text = tag  # type: ignore[no-untyped-call]


def _strat_tables(doc: DocxDocument) -> None:
    """Every stratification table: title, repeated header row, right-aligned figures, totals rule.

    A table that fits on a page is kept whole (every row kept with the next); a longer one breaks
    with at least three rows of figures on each side (its first and last rows kept together).
    """
    _tag(doc, "{%p for table in tables %}")
    _tag(doc, "{%p if table.spec.new_page and not loop.first %}")
    _new_page(_tag(doc, '{{ table.spec.title | join(" ") }}', "Heading 2"))
    _tag(doc, "{%p else %}")
    _tag(doc, '{{ table.spec.title | join(" ") }}', "Heading 2")
    _tag(doc, "{%p endif %}")
    table = doc.add_table(rows=1, cols=3, style=TABLE_STYLE)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = ['{{ table.spec.header | join(" ") }}', "prose.table_words.count", "prose.table_words.balance"]
    for i, (cell, text) in enumerate(zip(table.rows[0].cells, header, strict=True)):
        if text.startswith("prose."):  # words from the prose module, into the cell's empty paragraph
            _words(cell.paragraphs[0], text)
        else:
            cell.text = text
        cell.paragraphs[0].style = doc.styles["Cell Keep" if i == 0 else "Figure Keep"]
    _tag_row(table, "{%tr for row in table.rows %}")
    _tag_row(table, f"{{%tr if table.rows | length <= {KEEP_ROWS} or loop.index <= 2 or loop.revindex <= 3 %}}")
    _data_row(table, keep=True)
    _tag_row(table, "{%tr else %}")
    _data_row(table, keep=False)
    _tag_row(table, "{%tr endif %}")
    _tag_row(table, "{%tr endfor %}")
    total = table.add_row()
    for i, (cell, text) in enumerate(zip(total.cells, ["prose.table_words.total", "{{ table.count }}", "${{ table.balance | number }}"], strict=True)):
        if text.startswith("prose."):
            _words(cell.paragraphs[0], text)
        else:
            cell.text = text
        cell.paragraphs[0].style = doc.styles["Cell" if i == 0 else "Figure"]
    _widths(table, (LABEL_WIDTH, COUNT_WIDTH, BALANCE_WIDTH))
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row is never split over two pages
    _repeat_header(table.rows[0])
    _rule_above(total)
    _tag(doc, "{%p if table.spec.footnote %}")
    _tag(doc, "{{ table.spec.footnote }}", "Footnote Text")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")


def _term_sheet() -> DocxDocument:
    """The Form 8-K term sheet's template: cover, prose, stratification tables, signature."""
    doc = _styled_document()
    _page_footer(doc)
    _tag(doc, '{%p import "term-sheet-8k/_prose.j2" as prose with context %}')
    _tag(doc, "{%p set cover = prose.cover %}")
    _tag(doc, "{{ cover.commission }}", "Title")
    _tag(doc, "{{ cover.city }}", "Centered")
    _tag(doc, "{{ cover.form }}", "Title")
    _tag(doc, "{{ cover.report }}", "Centered")
    _tag(doc, "{{ cover.pursuant }} {{ cover.act }}", "Centered")
    _tag(doc, "{{ cover.dated }}", "Centered")
    _tag(doc, "{{ cover.earliest }}", "Caption")
    _tag(doc, "{{ cover.registrant }}", "Title")
    _tag(doc, "{{ cover.capacity }}", "Centered")
    _tag(doc, "{{ cover.issuer }}", "Centered")
    _tag(doc, "{{ cover.exact_name }}", "Caption")
    _cover_table(doc)
    _tag(doc, "{{ cover.phone }}")
    _tag(doc, "{{ cover.former }}", "Footnote Text")
    _tag(doc, "{{ cover.item }} {{ cover.item_title }}", "Heading 1")
    for name in ("offering", "transfer", "pool", "maturity_ltv"):
        _tag(doc, f"{{{{ prose.{name} | oneline }}}}", "Body Text First Indent")
    _footnotes(doc, "term-sheet-8k")
    _new_page(_tag(doc, "{{ prose.underwriting | oneline }}", "Body Text First Indent"))
    _tag(doc, "{%p if prose.insurance_and_collateral | trim %}")
    _lead_in(_tag(doc, "{{ prose.insurance_and_collateral | oneline }}", "Body Text First Indent"))
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for item in prose.collateral %}")
    _tag(doc, "{{ loop.index }}.\t{{ item }}", "Item")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{{ prose.discount_premium | oneline }}", "Body Text First Indent")
    _lead_in(_new_page(_tag(doc, "{{ prose.tables_intro }}", "Body Text First Indent")))
    _strat_tables(doc)
    _tag(doc, "{{ cover.signatures_title }}", "Heading 1")
    _tag(doc, "{{ prose.signatures | oneline }}", "Body Text First Indent")
    _tag(doc, "{{ deal.depositor.name | upper }}", "Signature")
    _tag(doc, "{{ cover.registrant_label }}", "Signature")
    _tag(doc, "{{ cover.by }}\t", "Signature Tab")
    _tag(doc, "{{ term_sheet.signatory.name }}", "Signature")
    _tag(doc, "{{ term_sheet.signatory.title }}", "Signature")
    _tag(doc, "{{ cover.dated_at }}")
    return doc


def _grid_styles(doc: DocxDocument) -> None:
    """The modern term sheet's tables as grid.css sets them in the PDF: cells at `SIZE` points on lines 1.15 of it, a bold title.

    Headings and rows are kept with the row after them, so a table that fits on a page is not
    broken (`Grid.whole`); a longer one's rows but its first two and last three are not (`_grid_table`),
    so that Word breaks it where a page ends, its title with its head and first rows. Lines are
    exactly 1.15 of the size, as in the PDF: a typeface taller than Times would otherwise set taller rows.
    """
    for kind in ("Grid Head", "Grid Row", "Grid Total"):
        for name, align in ((kind, None), (f"{kind} Figure", WD_ALIGN_PARAGRAPH.RIGHT)):
            style = doc.styles.add_style(name, 1)
            style.base_style = doc.styles["Normal"]
            style.font.size = Pt(SIZE)
            fmt = style.paragraph_format
            fmt.space_after = Pt(0)
            fmt.line_spacing, fmt.line_spacing_rule = Twips(round(SIZE * LINE * 20)), WD_LINE_SPACING.EXACTLY  # grid.css's, whatever the face's own
            fmt.keep_with_next = kind != "Grid Total"
            if align is not None:
                fmt.alignment = align
    span = doc.styles.add_style("Grid Span", 1)  # a cross-tab's heading over its figure columns
    span.base_style = doc.styles["Grid Head"]
    span.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = doc.styles["Heading 2"]  # a table's title, 10 points; before it the 2em a table leaves under it, after it 0.6em
    title.font.size, title.font.bold = Pt(10), True
    fmt = title.paragraph_format
    fmt.alignment, fmt.keep_with_next = WD_ALIGN_PARAGRAPH.CENTER, True
    fmt.space_before, fmt.space_after = Pt(2 * SIZE), Pt(6)
    fmt.line_spacing, fmt.line_spacing_rule = Pt(11.5), WD_LINE_SPACING.AT_LEAST


def _cell_look(cell: Any, rules: Sequence[tuple[str, str, int]] = (), margins: Sequence[tuple[str, int]] = (), foot: bool = False) -> None:
    """A grid cell's (`w:tc`'s) rules (edge, kind, eighths of a point), own margins (side, twips) and alignment to its foot, in Word's order."""
    props = cell.get_or_add_tcPr()
    if rules:
        borders = OxmlElement("w:tcBorders")
        for edge, kind, eighths in rules:
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:val"), kind)
            element.set(qn("w:sz"), str(eighths))
            borders.append(element)
        props.append(borders)
    if margins:
        own = OxmlElement("w:tcMar")
        for side, twips in margins:
            element = OxmlElement(f"w:{side}")
            element.set(qn("w:w"), str(twips))
            element.set(qn("w:type"), "dxa")
            own.append(element)
        props.append(own)
    if foot:
        align = OxmlElement("w:vAlign")
        align.set(qn("w:val"), "bottom")
        props.append(align)


def _dynamic_row(table: Table, first: str, each: str, source: str, style: str) -> _Row:
    """A row whose first cell is `first` and whose other cells repeat `each` for every item of `source` (docxtpl `{%tc %}`)."""
    row = table.add_row()  # type: ignore[no-untyped-call]
    texts = [first, f"{{%tc for cell in {source} %}}", each, "{%tc endfor %}"]
    for i, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
        cell.text = text
        cell.paragraphs[0].style = f"{style} Figure" if i else style
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return cast("_Row", row)


def _grid_table(doc: DocxDocument, expression: str, after_text: str, new_page: str = "false", lead: Callable[[DocxDocument], None] | None = None) -> None:
    """A table of the modern term sheet (a grid of printed cells, generator/documents/grids.py) as a real Word table.

    Its title and group, then one column for the labels and one per figure column, however many
    the deal file lists (docxtpl repeats the cell; docx_grids sizes the columns once rendered); a
    cross-tab's heading over its figure columns in a row of its own; the heading rows repeat on
    every page, ruled below; the total row's figures are ruled. Cells are padded as grid.css pads
    them: 0.1em above and below, 0.6em before a figure, headings set on the rule. `after_text`
    (a Jinja expression) is true where the table follows a paragraph rather than a table; `new_page`
    where it starts a new page, as its section does in the PDF (print.css `.page`). A table
    on landscape pages (`g.landscape`) has a `SECTION_MARK` paragraph on either side, which
    `docx_grids.orient_sections` makes the breaks of its landscape section; `lead` adds what goes
    on the table's pages before it (after the mark, so in its section).
    """
    _tag(doc, f"{{%p with g = {expression} %}}")
    _section_mark(doc)
    if lead is not None:
        lead(doc)
    title = '{{ [g.title | join(" "), g.group] | select | join("\\n") }}'
    _tag(doc, f"{{%p if ({new_page}) and not g.landscape %}}")  # a landscape section starts its own page
    _new_page(_tag(doc, title, "Heading 2")).paragraph_format.space_before = Pt(0)
    _tag(doc, f"{{%p elif {after_text} %}}")
    _tag(doc, title, "Heading 2").paragraph_format.space_before = Pt(0)
    _tag(doc, "{%p else %}")
    _tag(doc, title, "Heading 2")
    _tag(doc, "{%p endif %}")
    table = doc.add_table(rows=0, cols=4, style=TABLE_STYLE)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # fixed layout: the columns docx_grids sets, across the full width
    section = doc.sections[0]
    width = table._tbl.tblPr.find(qn("w:tblW"))  # the full width between the margins (_styled_document sets them)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(Emu((section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)).twips))
    _tag_row(table, "{%tr if g.span %}")
    span = table.add_row()
    span.cells[1].merge(span.cells[3])
    span.cells[0].paragraphs[0].style = "Grid Head"
    span.cells[1].text = '{% colspan g.heads | length - 1 %}{{ g.span | join(" ") }}'
    span.cells[1].paragraphs[0].style = "Grid Span"
    span._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    _repeat_header(span)
    _tag_row(table, "{%tr endif %}")
    head = _dynamic_row(table, "{{ g.heads[0] | stacked }}", "{{ cell | stacked }}", "g.heads[1:]", "Grid Head")
    _repeat_header(head)
    _tag_row(table, "{%tr for row in g.rows %}")
    _tag_row(table, "{%tr if g.whole or loop.index <= 2 or loop.revindex <= 3 %}")  # a long table: its first and last rows kept together
    body = _dynamic_row(table, "{{ row[0] }}", "{{ cell }}", "row[1:]", "Grid Row")
    _tag_row(table, "{%tr else %}")
    free = _dynamic_row(table, "{{ row[0] }}", "{{ cell }}", "row[1:]", "Grid Row")
    for cell in free.cells:
        cell.paragraphs[0].paragraph_format.keep_with_next = False  # Word may break the table after it
    _tag_row(table, "{%tr endif %}")
    _tag_row(table, "{%tr endfor %}")
    _tag_row(table, "{%tr if g.total %}")
    total = _dynamic_row(table, "{{ g.total[0] }}", "{{ cell }}", "g.total[1:]", "Grid Total")
    _tag_row(table, "{%tr endif %}")
    for row in (span, head, body, free, total):
        for i, cell in enumerate(row._tr.tc_lst):
            label = [("left", 0)] if i == 0 else []  # the labels flush with the margin, as the PDF sets them
            if row is span or row is head:  # headings on the rule under them, 0.2em above it
                _cell_look(cell, [("bottom", "single", 4)], [("top", 0), *label, ("bottom", 2 * PAD)], foot=True)
            elif row is total and i:  # a rule over the total's figures, a double one (as heavy as grid.css's 2pt) under them, not under its label
                _cell_look(cell, [("top", "single", 4), ("bottom", "double", 6)], label)
            else:
                _cell_look(cell, margins=label)
    margins = OxmlElement("w:tblCellMar")  # every cell 0.1em above and below, 0.6em before a figure
    for side, twips in (("top", PAD), ("left", 6 * PAD), ("bottom", PAD), ("right", 0)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.find(qn("w:tblLook")).addprevious(margins)
    _tag(doc, "{%p if g.footnote %}")
    _tag(doc, "{{ g.footnote }}", "Footnote Text")
    _tag(doc, "{%p endif %}")
    _section_mark(doc)
    _tag(doc, "{%p endwith %}")


def _section_mark(doc: DocxDocument) -> None:
    """A `SECTION_MARK` paragraph where the grid `g` is set on landscape pages; none otherwise."""
    _tag(doc, "{%p if g.landscape %}")
    _tag(doc, SECTION_MARK)
    _tag(doc, "{%p endif %}")


def _collateral() -> DocxDocument:
    """The modern collateral term sheet's template: cover and legends, the pool, the pool-data block, every table."""
    doc = _styled_document()
    doc.sections[0].bottom_margin = Inches(0.9)  # as print.css sets the PDF's pages
    _grid_styles(doc)
    _running_footer(doc)
    _tag(doc, '{%p import "collateral-term-sheet/_prose.j2" as prose with context %}')
    _tag(doc, "{%p set cover = prose.cover %}")
    _tag(doc, '{%p if term_sheet.page.orientation == "landscape" %}')
    _tag(doc, LANDSCAPE_MARK)  # docx_grids.orient_sections turns every page
    _tag(doc, "{%p endif %}")
    for key in ("legend_title", "rule", "registration"):
        legend = _tag(doc, f"{{{{ cover.{key} }}}}", "Legend")
    legend.paragraph_format.space_after = Pt(18)  # the series' title below it, spaced as the PDF's cover
    _tag(doc, "{{ cover.series }}", "Title")
    _tag(doc, "{{ cover.title }}", "Title")
    _tag(doc, "{{ cover.dated }}", "Centered")
    for who in ("depositor", "originator", "trustee"):
        _tag(doc, f"{{{{ cover.{who} }}}}", "Cover Party")
        _tag(doc, f"{{{{ cover.{who}_role }}}}", "Centered")
    _tag(doc, "{{ prose.preliminary | oneline }}", "Body Text")
    _tag(doc, "{{ prose.legend | oneline }}", "Body Text")
    _tag(doc, "{%p if certificates %}")
    _grid_table(doc, "certificates | certificates_grid(prose.certificate_words)", "true", "true")  # a page of its own
    _tag(doc, "{%p endif %}")
    _tag(doc, "{{ prose.pool_heading }}", "Heading 1")
    _tag(doc, "{{ prose.pool | oneline }}", "Body Text First Indent")
    _footnotes(doc, "collateral-term-sheet")
    _tag(doc, "{{ prose.groups_paragraph | oneline }}", "Body Text First Indent")
    _tag(doc, "{{ prose.blanks | oneline }}", "Body Text First Indent")
    _tag(doc, "{%p if pool_data %}")
    _lead_in(_tag(doc, "{{ prose.pool_data_intro }}", "Body Text First Indent"))
    _grid_table(doc, "pool_data | pool_grid(prose.table_words)", "true")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for table in tables %}")
    _grid_table(doc, "table | grid(prose.table_words)", "loop.first", "g.new_page and not loop.first", _tables_intro)
    _tag(doc, "{%p endfor %}")
    return doc


def _tables_intro(doc: DocxDocument) -> None:
    """The tables' lead-in before the first table, on a new page: its own, or the landscape section's the first table starts."""
    _tag(doc, "{%p if loop.first and g.landscape %}")
    _lead_in(_tag(doc, "{{ prose.tables_intro }}", "Body Text First Indent"))
    _tag(doc, "{%p elif loop.first %}")
    _lead_in(_new_page(_tag(doc, "{{ prose.tables_intro }}", "Body Text First Indent")))
    _tag(doc, "{%p endif %}")


def _letter_head(doc: DocxDocument, with_date: bool) -> None:
    """Letterhead, date and addressee; from page two a header with addressee, date and page number.

    The words every letter shares come from _letter/_prose.j2 (imported by the header too, which
    docxtpl renders on its own); the letterhead and signature from _letter/_counsel.j2, as in
    every format, the logo as a picture (`logo_picture`, given by `render_docx`).
    """
    _tag(doc, '{%p import "_letter/_prose.j2" as letter_prose %}')
    _tag(doc, '{%p import "_letter/_counsel.j2" as counsel with context %}')
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    header = section.header
    header.paragraphs[0].text = '{% import "_letter/_prose.j2" as letter_prose %}{{ letter.addressee.name }}'
    if with_date:
        header.add_paragraph("{{ letter.date | long_date }}", style="Header")
    page = header.add_paragraph("{{ letter_prose.page }} ", style="Header")
    page.paragraph_format.space_after = Pt(14)  # the text starts under the header, 1 inch down, as the PDF's continuation header leaves it
    section.header_distance = Inches(0.3)  # the header in the top margin, as the PDF's margin box holds it
    _page_field(page)
    _tag_words(doc, "prose.exhibit", "Right")
    _tag(doc, "{%p if counsel.logo %}")
    _tag(doc, "{{ logo_picture(counsel.logo.path) }}", "Centered")
    _tag(doc, "{%p endif %}")
    _lines(doc, "counsel.letterhead", "Letterhead")
    _tag(doc, "{{ letter.date | long_date }}")
    _tag(doc, "{{ letter.addressee.name }}", "Address")
    _lines(doc, "letter.addressee.address", "Address")


def _lines(doc: DocxDocument, source: str, style: str) -> None:
    """A paragraph in `style` for each line of a list in the context (a letterhead's, an address's)."""
    _tag(doc, f"{{%p for line in {source} %}}")
    _tag(doc, "{{ line }}", style)
    _tag(doc, "{%p endfor %}")


def _items(doc: DocxDocument, source: str, end: str, style: str = "Item") -> None:
    """A lettered or numbered list from a prose module, each item ending in `end` (the last in a full stop)."""
    _tag(doc, f'{{%p for label, text in enumerate_items({source}, end="{end}") %}}')
    _tag(doc, "{{ label }}\t{{ text }}", style)
    _tag(doc, "{%p endfor %}")


def _signature(doc: DocxDocument, rule: bool) -> None:
    """Counsel's closing and conformed signature, then the lines printed under it; `rule` adds a line to sign on."""
    _tag_words(doc, "letter_prose.closing", "Signature")
    _tag(doc, "{{ letter_prose.conformed }} {{ counsel.signed }}", "Signature")
    if rule:
        _tag(doc, "{%p if counsel.printed %}")
        _tag(doc, "", "Signature Line")
        _tag(doc, "{%p endif %}")
    _lines(doc, "counsel.printed", "Signature")


def _shelf() -> DocxDocument:
    """The shelf Exhibit 5.1 opinion letter's template."""
    doc = _styled_document()
    _tag(doc, '{%p import "exhibit-5-1-shelf/_prose.j2" as prose with context %}')
    _letter_head(doc, with_date=False)
    _tag(doc, "{{ letter.addressee.salutation }}", "Salutation")
    for name in ("intro", "pooling_paragraph", "examined"):
        _tag(doc, f"{{{{ prose.{name} | oneline }}}}", "Body Text")
    _lead_in(_tag(doc, "{{ prose.based_on }}", "Body Text"))
    _tag(doc, "{%p for label in prose.numbering.order %}")
    _tag(doc, "{{ prose.numbering.number(label) }}.\t{{ prose.bodies[label] }}", "Numbered")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{{ prose.laws }}", "Body Text")
    _tag(doc, "{{ prose.consent | oneline }}", "Body Text")
    _signature(doc, rule=False)
    _footnotes(doc, "exhibit-5-1-shelf")
    return doc


def _takedown() -> DocxDocument:
    """The takedown Exhibit 5.1 opinion letter's template, with its numbered opinions and their parts."""
    doc = _styled_document()
    _tag(doc, '{%p import "exhibit-5-1-takedown/_prose.j2" as prose with context %}')
    _letter_head(doc, with_date=True)
    _tag_words(doc, "prose.subject_label", "Subject", after="\t{{ prose.subject_lines[0] }}").paragraph_format.space_before = Pt(13)
    _tag(doc, "\t{{ prose.subject_lines[1] }}", "Subject")
    _tag(doc, "\t{{ prose.subject_lines[2] }}", "Subject")
    _tag(doc, "{{ letter.addressee.salutation }}", "Salutation")
    _lead_in(_tag(doc, "{{ prose.intro }}", "Body Text First Indent"))
    _items(doc, "prose.grounds", ".")
    _tag(doc, "{{ prose.pooling_paragraph }}", "Body Text First Indent")
    _lead_in(_tag(doc, "{{ prose.examined }}", "Body Text First Indent"))
    _items(doc, "prose.documents", ".")
    _tag(doc, "{{ prose.also_examined }}", "Body Text First Indent")
    _lead_in(_tag(doc, "{{ prose.based_on }}", "Body Text First Indent"))
    _tag(doc, "{%p for label in prose.numbering.order %}")
    opinion = "{{ prose.numbering.number(label) }}\t{{ prose.bodies[label] }}"
    _tag(doc, "{%p if prose.numbering.parts(label) %}")  # an opinion leading into its parts is kept with the first
    _lead_in(_tag(doc, opinion, "Numbered"))
    _tag(doc, "{%p else %}")
    _tag(doc, opinion, "Numbered")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for part, part_letter in prose.numbering.parts(label) %}")
    part = "({{ part_letter }})\t{{ prose.parts[part] }}"
    _tag(doc, '{%p if part == "descriptions" %}')  # a part leading into its list is kept with the first item
    _lead_in(_tag(doc, part, "Part"))
    _items(doc, "prose.descriptions", ",", "Part Item")
    _tag(doc, "{{ prose.descriptions_close }}", "Part")
    _tag(doc, "{%p else %}")
    _tag(doc, part, "Part")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{{ prose.not_verified }}", "Body Text First Indent")
    _tag(doc, "{%p for reliance in prose.reliances %}")
    _tag(doc, "{{ reliance }}", "Body Text First Indent")
    _tag(doc, "{%p endfor %}")
    for name in ("laws", "consent", "sole_benefit"):
        _tag(doc, f"{{{{ prose.{name} }}}}", "Body Text First Indent")
    _signature(doc, rule=True)
    return doc


STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def _drop_empty_parts(doc: DocxDocument) -> None:
    """Leave out what python-docx's own template carries and no document of ours uses (a part no relationship reaches is not written).

    Its blank thumbnail, its empty bibliography, and Word 2010's copy of its styles (still in theme fonts; Word reads styles.xml).
    """
    kinds = ((doc.part.package, RT.THUMBNAIL), (doc.part, RT.CUSTOM_XML), (doc.part, STYLES_WITH_EFFECTS))
    for owner, kind in kinds:
        for key, rel in list(owner.rels.items()):
            if rel.reltype == kind:
                owner.rels.pop(key)


BUILDERS: dict[str, Callable[[], DocxDocument]] = {
    "term-sheet-8k": _term_sheet,
    "exhibit-5-1-shelf": _shelf,
    "exhibit-5-1-takedown": _takedown,
    "collateral-term-sheet": _collateral,
}
STAMP = dt.datetime(2026, 1, 1)  # fixed, so that rebuilding gives the same bytes


def build(name: str) -> bytes:
    """One template's bytes, reproducible (fixed stamp): what tests compare with the committed file."""
    import io

    doc = BUILDERS[name]()
    doc.core_properties.author = "dealdocs"
    _drop_empty_parts(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_docx(buffer.getvalue(), STAMP, title=name, author="dealdocs")


def main() -> None:
    """Rewrite every template in the templates folder (after changing this module)."""
    for name in BUILDERS:
        path = templates_dir() / f"{name}.docx"
        path.write_bytes(build(name))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
