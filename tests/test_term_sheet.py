"""The Series 2003-1 term sheet rendered from the example deal states every figure of the real filing."""

from __future__ import annotations

import re

import pytest

from generator.api import DOCUMENTS, analyse, load_deal, render_text

from .helpers import DEAL, REFERENCE

FILING = REFERENCE / "cmsi-2003-1-form-8k-collateral-term-sheets.txt"

FIGURE = re.compile(r"\$?\s*\d[\d,]*(?:\.\d+)?%?")
ROW = re.compile(r"^(?P<label>\S.*?)\s{2,}(?P<count>\d+)\s+\$?\s*(?P<balance>[\d,]+)$")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = re.compile(rf"(?:{MONTHS}) \d{{1,2}}, \d{{4}}")


@pytest.fixture(scope="module")
def rendered() -> str:
    return render_text(load_deal(DEAL), DOCUMENTS["term-sheet-8k"]).text


@pytest.fixture(scope="module")
def filing() -> str:
    return FILING.read_text()


def figures(text: str) -> list[str]:
    """Every number in reading order, spacing inside '$  1,669,187' ignored."""
    return [re.sub(r"\s+", "", m) for m in FIGURE.findall(text)]


def tables(text: str) -> dict[str, list[tuple[str, int, int]]]:
    """Each table's rows (label, count, balance), keyed by its title, parsed from the text."""
    found: dict[str, list[tuple[str, int, int]]] = {}
    title, rows = "", []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.isupper() and len(stripped) > 12 and line.startswith("   "):
            prev = lines[i - 1].strip()
            title = f"{prev} {stripped}" if prev.isupper() and prev != "<PAGE>" else stripped
            rows = found.setdefault(title, [])
        elif title and (m := ROW.match(line)):
            label = m["label"].strip()
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if nxt and not ROW.match(lines[i + 1]) and not nxt.startswith(("=", "Total")):
                label = f"{label} {nxt}"  # a label wrapped onto a second line
            rows.append((label, int(m["count"]), int(m["balance"].replace(",", ""))))
    return {t: rows for t, rows in found.items() if rows}


def test_every_figure_of_the_filing_in_order(rendered: str, filing: str) -> None:
    assert figures(rendered) == figures(filing)


def test_every_date_of_the_filing_in_order(rendered: str, filing: str) -> None:
    assert DATE.findall(" ".join(rendered.split())) == DATE.findall(" ".join(filing.split()))


def test_all_seven_tables_row_by_row(rendered: str, filing: str) -> None:
    ours, theirs = tables(rendered), tables(filing)
    assert len(theirs) == 7
    assert ours == theirs


@pytest.mark.parametrize(
    "phrase",
    [
        "$405,860,262.91",
        "was 875.",
        "was 6.349%",
        "was 357.41\nmonths",
        "at least 19 but no more\nthan 30 years",
        "prior to January 1,\n2002 or after January 1, 2003",
        "358.47 months",
        "later than January 1,\n2033",
        "$52,549 nor more than $1,000,000",
        "$5,505,457",
        "in excess of 95%",
        "was 62.9%",
        "No more than $5,367,764",
        "At least 97%(2)",
        "At least 97% of the mortgage loans will be",
        "No more than 3% of",
        "No more than\n79% of",
        "loans is 7;",
        "$3,193,905;",
        "collateral, is 78.5%; and",
        "collateral, is 93.6%.",
        "$356,618 and $405,503,645",
        "5.625% and 6.350%",
        "359.00 months and 357.41",
    ],
)
def test_prose_figure_in_the_filing(phrase: str, rendered: str, filing: str) -> None:
    """Each prose figure appears in both texts (compared with line breaks folded)."""
    folded = " ".join(phrase.split())
    assert folded in " ".join(filing.split())
    assert folded in " ".join(rendered.split())


def test_edgar_rules(rendered: str, filing: str) -> None:
    lines = rendered.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert all(line.isascii() and line.isprintable() for line in lines)
    assert "\t" not in rendered
    assert rendered.count("<PAGE>") == filing.count("<PAGE>") == 7
    assert all(line == "<PAGE>" for line in lines if "<PAGE>" in line)


def test_words_match_the_filing(rendered: str, filing: str) -> None:
    """Same words, line breaks aside, but for the filing's typos and hyphenation."""
    normalise = lambda t: " ".join(t.replace("Pass-\nThrough", "Pass-Through").split())  # noqa: E731
    theirs = normalise(filing)
    for typo, fixed in [
        ("mortgag loan", "mortgage loan"),
        ("Statement(333", "Statement (333"),
        ("terms  to", "terms to"),
        ("357.41, respectively", "357.41 months, respectively"),
    ]:
        theirs = theirs.replace(typo, fixed)
    strip_rules = lambda t: re.sub(r"-{3,}|={3,}", "", t)  # noqa: E731
    assert " ".join(strip_rules(normalise(rendered)).split()) == " ".join(strip_rules(theirs).split())


def test_snapshot(rendered: str, file_regression) -> None:
    file_regression.check(rendered, basename="term-sheet-8k", extension=".txt")


def test_tables_foot_and_rows_add_up() -> None:
    analysis = analyse(load_deal(DEAL))
    for table in analysis.tables:
        assert sum(r.balance for r in table.rows) == table.balance
        assert sum(r.count for r in table.rows) == table.count == 875
        assert sum(r.percent for r in table.rows) == 100


def test_rendering_is_deterministic(rendered: str) -> None:
    assert render_text(load_deal(DEAL), DOCUMENTS["term-sheet-8k"]).text == rendered
