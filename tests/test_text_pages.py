"""EDGAR text pages: at most 60 lines between <PAGE> markers, tables whole or continued under their title and header,
one table width per document, every table of the modern term sheet inside <TABLE>.

The pages are read back from the text itself, as a reader (or EDGAR) sees them, not from the paginator's own structures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from generator import edgar
from generator.api import Grid, documents_of, load_deal, render_document, text_table
from generator.documents.grids import table_width
from generator.documents.paging import CONTINUED, KEEP, MOST_BLANK, TEXT_PAGE, paginate_text

from .helpers import EXAMPLES

DEALS = sorted([*EXAMPLES.glob("*/*.yaml"), *EXAMPLES.glob("variants/*/*.yaml")])
FILED = ("cmsi-2003-1", "term-sheet-8k")
"""The 2003-1 Form 8-K keeps the filed pages byte for byte (one of them 66 lines): the only text exempt from the page rules."""
_RULE = re.compile(r" *-+( +-+)+ *")  # a header rule: two runs of dashes or more (a cross-tab's span rule is one)


@dataclass
class Piece:
    """One <TABLE> block on a page as printed."""

    page: int
    title: list[str]
    head: list[str]
    body: list[str]
    first: bool  # the first thing on its page
    last: bool  # the last thing on its page
    page_lines: int | None = None  # lines its page would have without it and its lead-in (the markers' blank lines counted), if any
    lead: int = 0  # lines of the lead-in above it (a paragraph of at most KEEP + 1 lines, which keeps with it) and the gap between


def _lead_in(page: list[str], start: int) -> int:
    """Lines above a table that move with it: a short paragraph right above and the blank lines between."""
    above = start
    while above and not page[above - 1].strip():
        above -= 1
    top = above
    while top and page[top - 1].strip():
        top -= 1
    short = 0 < above - top <= KEEP + 1 and page[above - 1] != "</TABLE>"
    return start - top if short else 0


def pages_of(text: str) -> list[list[str]]:
    """The lines between <PAGE> markers."""
    pages: list[list[str]] = [[]]
    for line in text.splitlines():
        if line == edgar.PAGE:
            pages.append([])
        else:
            pages[-1].append(line)
    return pages


def pieces_of(text: str) -> list[Piece]:
    pieces = []
    for number, page in enumerate(pages_of(text)):
        filled = [n for n, line in enumerate(page) if line.strip()]
        for start, line in enumerate(page):
            if line != "<TABLE>":
                continue
            end = page.index("</TABLE>", start)
            inner = page[start + 1 : end]
            blank = inner.index("")
            rule = next(n for n in range(blank, len(inner)) if _RULE.fullmatch(inner[n]))
            body = inner[rule + 1 :]
            lead = _lead_in(page, start)
            above = start - lead  # where the table and its lead-in start
            alone = len(page[:above]) + 1 if any(line.strip() for line in page[:above]) else None  # the marker's blank line after it
            first, last = start == filled[0], end == filled[-1]
            pieces.append(Piece(number, inner[:blank], inner[blank : rule + 1], body, first, last, alone, lead))
    return pieces


def assert_paged(text: str) -> list[list[Piece]]:
    """Every page rule; returns the tables, each as its pieces in order."""
    for number, page in enumerate(pages_of(text)):
        assert len(page) <= TEXT_PAGE, f"page {number + 1} has {len(page)} lines"
    tables: list[list[Piece]] = []
    for piece in pieces_of(text):
        if piece.title[0].endswith(CONTINUED.strip()):
            before = tables[-1][-1]
            assert piece.first and before.last and piece.page == before.page + 1, "a continued table starts the next page"
            first = tables[-1][0]
            assert [t.strip() for t in piece.title] == [(first.title[0].strip() + CONTINUED), *(t.strip() for t in first.title[1:])]
            assert piece.head == before.head, "the header is repeated"
            assert len(before.body) >= 2 and len(piece.body) >= 2, "at least two lines of a table on each page"
            tables[-1].append(piece)
        else:
            tables.append([piece])
    for table in tables:
        lines = table[0].lead + 2 + len(table[0].title) + len(table[0].head) + sum(len(p.body) for p in table)
        too_blank = table[0].page_lines is not None and TEXT_PAGE - table[0].page_lines > MOST_BLANK * TEXT_PAGE  # the page without them
        assert len(table) == 1 or lines > TEXT_PAGE - 2 or too_blank, f"{table[0].title[0].strip()}: split though it fits on a page"
    inside = False
    for line in text.splitlines():
        inside = (inside or line == "<TABLE>") and line != "</TABLE>"
        assert inside or not _RULE.fullmatch(line), f"a table outside <TABLE>: {line!r}"  # cross-tabs too
    return tables


def one_width(text: str) -> set[int]:
    """The right edges of the tables' header rules."""
    return {len(p.head[-1].rstrip()) for p in pieces_of(text)}


@pytest.mark.parametrize("deal", DEALS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_text_keeps_the_page_and_table_rules(deal: Path) -> None:
    loaded = load_deal(deal)
    for document in documents_of(loaded):
        text = render_document(loaded, document.name, "txt").text
        assert edgar.violations(text) == []  # what `dealdocs check` applies
        if (deal.parent.name, document.name) == FILED:
            assert [n for n, page in enumerate(pages_of(text)) if len(page) > TEXT_PAGE] == [4]  # the filed page, nothing else
            continue
        assert_paged(text)
        assert len(one_width(text)) <= 1


def test_the_modern_term_sheet_has_pages_and_one_table_width() -> None:
    text = render_document(load_deal(EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml"), "collateral-term-sheet", "txt").text
    assert len(pages_of(text)) >= 15  # was one page of 830 lines
    (width,) = one_width(text)
    assert edgar.WIDTH < width <= edgar.TABLE_WIDTH
    assert "Weighted Average Remaining Term (months)" in text  # the pool-data label no longer wraps
    body = [line for p in pieces_of(text) if p.title[0].strip() in ("POOL DATA", "POOL DATA" + CONTINUED) for line in p.body]  # continued or not
    assert _RULE.fullmatch(body[-1]), "the pool-data table has its closing rule"
    state = next(line for line in body if line.startswith("Largest State"))
    rate = next(line for line in body if line.startswith("Weighted Average DTI"))
    assert [m.end() for m in re.finditer(r"\d+\.\d\d", state)] == [m.end() for m in re.finditer(r"\d+\.\d\d", rate)]  # decimals aligned, (CA) beside
    assert any("BY ORIGINAL LTV" in p.title[0] for p in pieces_of(text))  # the cross-tabs are tables like the others


# --- any table, any length ------------------------------------------------------------------------

WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
LABELS = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)


@st.composite
def grids(draw: st.DrawFn, number: int) -> Grid:
    columns = draw(st.integers(1, 6))
    rows = draw(st.integers(1, 80))
    figure = st.integers(0, 10**9).map(lambda n: f"{n:,}")
    body = [[draw(LABELS), *(draw(figure) for _ in range(columns))] for _ in range(rows)]
    total = ["Total", *(draw(figure) for _ in range(columns))] if draw(st.booleans()) else None
    heads = [["Label"], *([f"Head {n}", "(%)"] for n in range(columns))]
    span = ["Across"] if columns > 1 and draw(st.booleans()) else None
    footnote = draw(st.none() | st.just("A note under the table."))
    group = draw(st.none() | st.just("Group 1"))
    return Grid(f"t{number}", [f"TABLE NUMBER {number}"], group, heads, body, total, span, footnote)


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking tables of 80 rows takes minutes
@given(st.integers(1, 4).flatmap(lambda count: st.tuples(*(grids(n) for n in range(count))).map(list)), st.data())
def test_paging_keeps_the_rules_for_tables_of_any_length(tables: list[Grid], data: st.DataObject) -> None:
    width = table_width(tables)
    parts = []
    for n, grid in enumerate(tables):
        lines = data.draw(st.integers(0, 70), label=f"paragraph {n}")
        parts += [edgar.para(" ".join(["word"] * 12 * lines)) if lines else "HEADING", text_table(grid, width)]
    paged = paginate_text("\n\n".join(parts) + "\n")
    assert edgar.violations(paged) == []
    laid_out = assert_paged(paged)
    assert len(laid_out) == len(tables) and len(one_width(paged)) == 1
    for pieces, grid in zip(laid_out, tables, strict=True):
        whole = pieces_of(text_table(grid, width))[0]
        assert [line for p in pieces for line in p.body] == whole.body  # every row once, in order, none cut in two
    kept = [line for line in paged.splitlines() if line.strip() and line != edgar.PAGE and CONTINUED not in line]
    assert set(kept) == {line for part in parts for line in part.splitlines() if line.strip()}  # nothing lost or invented


@pytest.mark.parametrize(("above", "moves"), [(38, False), (39, True)])  # the page without them: 21 and 20 lines blank
def test_a_lead_in_moves_with_its_table_unless_that_leaves_the_page_too_blank(above: int, moves: bool) -> None:
    """A table that fits on a page moves whole to the next one with its heading; where the page left
    behind would be more than 30% blank without them both, the table starts under its heading and continues."""
    grid = Grid("t", ["T"], None, [["Label"], ["Figure"]], [[f"Row {n}", f"{n:,}"] for n in range(34)], None)
    table = text_table(grid, edgar.WIDTH)
    assert 30 < len(table.splitlines()) <= TEXT_PAGE - 2  # fits on a page, not in the room under the heading
    paged = paginate_text("\n".join(["A line."] * above) + "\n\nHEADING\n\n" + table + "\n")
    tables = assert_paged(paged)
    assert ("HEADING" in pages_of(paged)[0]) is not moves and len(tables[0]) == (1 if moves else 2)
    assert [line for p in tables[0] for line in p.body] == pieces_of(table)[0].body


def test_a_templates_own_table_is_kept_whole_and_as_written() -> None:
    own = "<TABLE>\nA table a template set by hand\n  with no rules\n</TABLE>"
    text = "\n".join(["A line."] * 56) + "\n\n" + own + "\n"
    paged = paginate_text(text)
    assert pages_of(paged)[-1] == ["", *own.splitlines()]  # moved whole to the next page, not continued
    assert paginate_text(own + "\n") == own + "\n"


def test_a_table_is_set_at_the_documents_width_or_refused() -> None:
    grid = Grid("t", ["T"], None, [["Label"], ["Figure"]], [["A", "1"]], None)
    assert {len(line) for line in text_table(grid, 100).splitlines() if _RULE.fullmatch(line)} == {100}
    with pytest.raises(ValueError, match="outside"):
        text_table(grid, 133)


def test_notes_hang_right_of_aligned_figures_unless_that_leaves_no_room_in_132_columns() -> None:
    """'39.55 (CA)': the note hangs right of the figure column; where every column would then pass 132, it stays in its cell."""
    from generator import edgar
    from generator.documents.grids import Grid, text_table

    def grid(columns: int) -> Grid:
        heads = [["Characteristic"], *([f"Group {j}"] for j in range(1, columns + 1))]
        rows = [["Aggregate Balance", *["2,255,955,446"] * columns], ["Largest State (%)", *["39.55 (CA)"] * columns]]
        return Grid("pool", ["POOL DATA"], None, heads, rows, None)

    few = text_table(grid(2)).splitlines()
    balance, state = next(line for line in few if "Aggregate" in line), next(line for line in few if "Largest" in line)
    assert state.index("39.55") + len("39.55") == balance.index("446") + 3  # figures aligned, the note beyond them
    many = text_table(grid(7)).splitlines()  # 7 columns of 13 figures and 5-character notes: hung, they would pass 132
    assert max(map(len, many)) <= edgar.TABLE_WIDTH
    balance, state = next(line for line in many if "Aggregate" in line), next(line for line in many if "Largest" in line)
    assert balance.rstrip().endswith("2,255,955,446") and state.rstrip().endswith("39.55 (CA)") and len(balance.rstrip()) == len(state.rstrip())
