"""The term sheets' built-in prose states only what the deal file and the tape say, in every format.

Each test varies a small tape cut from an example (60 loans, one table) or the deal file's
mapping of it, and reads the sentence that changes back out of the EDGAR text, the EDGAR
HTML, the DOCX and the PDF: the four must say the same words.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
import pytest
from anyascii import anyascii
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.api import docx_text, load_deal, pdf_pages, render_document
from generator.documents.pool_facts import originators, pool_facts

from .helpers import EXAMPLES, Loan, cents, footed, loans_of

SAMPLE = 60
"""Loans kept of an example's tape: the prime jumbo's first 60 have both groups, fixed-rate loans and ARMs, some interest-only."""

ONE_TABLE = """    tables:
      defaults: false
      tables:
        - {id: state, title: [STATES], header: [State], field: state, print_for: pool, rule: {kind: states}}
"""
"""The prime jumbo's tables cut to one, so that a PDF renders in a second."""

FORMATS = ("txt", "htm", "docx", "pdf")


def varied(
    tmp_path: Path, loans: Callable[[list[Loan]], list[Loan]] | None = None, edits: Sequence[tuple[str, str]] = (),
    example: str = "prime-jumbo-2024-1", small: bool = False,
) -> Path:
    """A copy of an example whose tape rows are `loans(rows)` and whose deal file has each (old, new) text replaced.

    `small`: the tape is the first SAMPLE of those rows and the tables are ONE_TABLE, for a fast PDF.
    """
    folder = tmp_path / "deal"
    shutil.copytree(EXAMPLES / example, folder)
    deal = folder / "deal.yaml"
    text = deal.read_text()
    if small and "    tables:\n" in text:
        text = text.split("    tables:\n", 1)[0] + ONE_TABLE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    deal.write_text(text)
    if loans is not None or small:
        rows = loans_of(deal)
        rows = (loans(rows) if loans is not None else rows)[: SAMPLE if small else None]
        with (folder / "loans.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return deal


def small(
    tmp_path: Path, loans: Callable[[list[Loan]], list[Loan]] | None = None, edits: Sequence[tuple[str, str]] = (), example: str = "prime-jumbo-2024-1"
) -> Path:
    """`varied`, small: SAMPLE loans and one table."""
    return varied(tmp_path, loans, edits, example, small=True)


def _pdf_text(data: bytes) -> str:
    """The PDF's pages run together, each less its page number (the last line), so a sentence crossing a page reads whole."""
    pages = [page.strip().split("\n") for page in pdf_pages(data)]
    return "\n".join("\n".join(lines[:-1] if lines[-1].strip().isdigit() else lines) for lines in pages)


def words(deal: Path, document: str = "collateral-term-sheet") -> dict[str, str]:
    """The document's words in every format, each on one line, spelled and spaced alike; footnote calls dropped."""
    loaded = load_deal(deal)

    def content(fmt: str) -> str | bytes:
        return render_document(loaded, document, fmt).content

    texts = {
        "txt": str(content("txt")),
        "htm": html.unescape(re.sub(r"<[^>]+>", " ", str(content("htm")))),
        "docx": docx_text(bytes(content("docx"))),
        "pdf": _pdf_text(bytes(content("pdf"))),
    }
    return {fmt: " ".join(anyascii(text).split()) for fmt, text in texts.items()}


def said(deal: Path, pattern: str, document: str = "collateral-term-sheet") -> str | None:
    """What `pattern`'s first group reads in the document, the same in every format (None: no format says it)."""
    found = {fmt: re.search(pattern, text) for fmt, text in words(deal, document).items()}
    readings = {fmt: match.group(1) if match else None for fmt, match in found.items()}
    assert set(readings) == set(FORMATS) and len(set(readings.values())) == 1, readings
    return readings["txt"]


def regrouped(keep: Callable[[Loan], bool], groups: int = 2) -> Callable[[list[Loan]], list[Loan]]:
    """The loans `keep` accepts, dealt round `groups` loan groups (so every group has some)."""

    def edit(rows: list[Loan]) -> list[Loan]:
        kept = [row for row in rows if keep(row)]
        for n, row in enumerate(kept):
            row["GRP"] = str(n % groups + 1)
        return kept

    return edit


def with_column(name: str, value: Callable[[int], str]) -> Callable[[list[Loan]], list[Loan]]:
    """Every loan given a column `name`, its value set by its row number."""

    def edit(rows: list[Loan]) -> list[Loan]:
        for n, row in enumerate(rows):
            row[name] = value(n)
        return rows

    return edit


MAPPED = "      interest_only_term: IO_MONTHS\n"
"""The prime jumbo's columns: line the new fields are mapped after."""

POOL = r"consist of [\d,]+ (.*?)residential mortgage loans secured by (?:.*?), with an aggregate"
PROPERTIES = r"residential mortgage loans secured by (.*?), with an aggregate"
ORIGINATED = r"were originated or acquired by (.*?) On the closing date"


def test_the_example_says_what_its_tape_has() -> None:
    deal = EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml"
    text = {fmt: " ".join(anyascii(t).split()) for fmt, t in words(deal).items() if fmt != "pdf"}  # the whole example's PDF is slow
    for fmt, sentence in text.items():
        assert "consist of 2,000 fixed-rate and adjustable-rate, fully amortizing and interest-only residential mortgage loans" in sentence, fmt
        assert "secured by one- to four-family properties, with" in sentence, fmt
        assert "divided into two loan groups (Group 1 and Group 2)" in sentence, fmt


@pytest.mark.parametrize(("edit", "expected"), [
    (regrouped(lambda row: row["AMORT_TYPE"] == "FIXED"), "fixed-rate, fully amortizing "),
    (regrouped(lambda row: row["AMORT_TYPE"] == "ARM"), "adjustable-rate, fully amortizing and interest-only "),
    (with_column("IO_MONTHS", lambda n: "0"), "fixed-rate and adjustable-rate, fully amortizing "),
    (with_column("IO_MONTHS", lambda n: "120"), "fixed-rate and adjustable-rate, interest-only "),
], ids=["fixed only", "ARMs only", "no interest-only", "all interest-only"])  # fmt: skip
def test_rate_type_and_interest_only_follow_the_tape(tmp_path: Path, edit: Callable[[list[Loan]], list[Loan]], expected: str) -> None:
    assert said(small(tmp_path, edit), POOL) == expected


@pytest.mark.parametrize(("liens", "codes", "expected"), [
    (lambda n: "1", "", "first lien, "),
    (lambda n: "F", "      lien_position: {F: first, S: second}\n", "first lien, "),
    (lambda n: "2", "", "second lien, "),
    (lambda n: "2" if n == 7 else "1", "", ""),
], ids=["every loan first lien", "first lien in the lender's codes", "every loan second lien", "one second lien"])  # fmt: skip
def test_lien_position_is_stated_only_when_every_loan_reports_the_same(tmp_path: Path, liens: Callable[[int], str], codes: str, expected: str) -> None:
    edits = [(MAPPED, MAPPED + "      lien_position: LIEN\n")] + [("    discount_threshold:", codes + "    discount_threshold:")] * bool(codes)
    deal = small(tmp_path, with_column("LIEN", liens), edits)
    assert said(deal, POOL) == expected + "fixed-rate and adjustable-rate, fully amortizing and interest-only "


def test_a_tape_without_lien_position_is_not_called_first_lien(tmp_path: Path) -> None:
    deal = small(tmp_path, with_column("LIEN", lambda n: "1"))  # on the tape, but not mapped
    assert said(deal, POOL) == "fixed-rate and adjustable-rate, fully amortizing and interest-only "
    assert "lien" not in words(deal)["txt"]


def test_unmapped_fields_are_not_stated(tmp_path: Path) -> None:
    deal = small(tmp_path, edits=[
        (MAPPED, ""),
        ("      - {label: Interest-Only (%), kind: share, field: interest_only_term, value: {greater_than: 0}}\n", ""),
    ])  # fmt: skip
    assert said(deal, POOL) == "fixed-rate and adjustable-rate "


def test_property_kinds_beyond_one_to_four_family_are_named(tmp_path: Path) -> None:
    def coop(rows: list[Loan]) -> list[Loan]:
        rows[0]["PROPERTY"] = "COOP"
        return rows

    deal = small(tmp_path, coop, edits=[("CONDO: condo_low,", "CONDO: condo_low, COOP: cooperative,")])
    assert said(deal, PROPERTIES) == "one- to four-family properties and shares in cooperative housing corporations"


@pytest.mark.parametrize(("groups", "expected"), [
    (1, None),
    (3, "divided into three loan groups (Group 1, Group 2 and Group 3)"),
    (7, "divided into seven loan groups (Group 1, Group 2, Group 3, Group 4, Group 5, Group 6 and Group 7)"),
], ids=["one group", "three groups", "seven groups"])  # fmt: skip
def test_loan_groups_paragraph_names_the_groups(tmp_path: Path, groups: int, expected: str | None) -> None:
    labels = ", ".join(f'"{n}": Group {n}' for n in range(1, groups + 1))
    deal = small(tmp_path, regrouped(lambda row: True, groups), edits=[('labels: {"1": Group 1, "2": Group 2}', f"labels: {{{labels}}}")])
    for fmt, text in words(deal).items():
        if expected is None:
            assert "loan groups" not in text, fmt
            assert "each percentage in a table below is of the aggregate principal balance of the mortgage loans as of the cut-off date" in text, fmt
        else:
            assert expected in text, fmt


NAMES = ["Alpha Mortgage, Inc.", "Beta Bank", "Gamma Lending Co."]


def several(names: Sequence[str], pick: Callable[[int], int]) -> Callable[[list[Loan]], list[Loan]]:
    """Each loan's originator `names[pick(row number)]`, in a new ORIG column."""
    return with_column("ORIG", lambda n: names[pick(n)])


@pytest.mark.parametrize(("names", "pick", "comma"), [
    (NAMES, lambda n: 0 if n < 30 else 1 if n < 48 else 2, ","),
    (["Delta Home Loans", "Epsilon Bank"], lambda n: n % 2, ""),
    (["Alpha", "Beta", "Gamma"], lambda n: n % 3, ""),
], ids=["three, one with a comma: serial comma", "two", "three without commas"])  # fmt: skip
def test_several_originators_are_named_with_their_shares(tmp_path: Path, names: list[str], pick: Callable[[int], int], comma: str) -> None:
    deal = small(tmp_path, several(names, pick), [(MAPPED, MAPPED + "      originator: ORIG\n")])
    rows = loans_of(deal)
    parts = [sum(cents(row) for n, row in enumerate(rows) if pick(n) == i) for i in range(len(names))]
    shares = dict(zip(names, footed(parts), strict=True))
    assert sum(map(float, shares.values())) == pytest.approx(100)
    order = sorted(names, key=lambda name: (-parts[names.index(name)], name))
    items = [f"{order[0]} (approximately {shares[order[0]]}% of the aggregate principal balance of the mortgage loans as of the cut-off date)"]
    items += [f"{name} (approximately {shares[name]}%)" for name in order[1:]]
    serial = "," if len(items) > 2 and any("," in name for name in order[:-1]) else ""  # a name before the last holds a comma
    assert serial == comma  # the case tests what its id says
    expected = ", ".join(items[:-1]) + f"{serial} and {items[-1]}."
    assert said(deal, ORIGINATED) == expected
    for fmt, text in words(deal).items():
        assert "Example Home Lending, LLC Sponsor" in text and "Originator and Sponsor" not in text, fmt


def test_one_originator_on_the_tape_is_the_deal_files(tmp_path: Path) -> None:
    deal = small(tmp_path, several(["EXAMPLE HOME LENDING"], lambda n: 0), [(MAPPED, MAPPED + "      originator: ORIG\n")])
    assert said(deal, ORIGINATED) == "Example Home Lending, LLC."
    assert said(deal, r"Example Home Lending, LLC (Originator and Sponsor)") == "Originator and Sponsor"


@pytest.mark.parametrize(("name", "expected"), [
    ("CitiMortgage, Inc.", "CitiMortgage, Inc."),
    ("Example Bank", "Example Bank."),
])  # fmt: skip
def test_a_name_ending_in_a_period_ends_the_sentence_once(tmp_path: Path, name: str, expected: str) -> None:
    deal = small(tmp_path, edits=[("originator: Example Home Lending, LLC", f"originator: {name}")])
    assert said(deal, ORIGINATED) == expected


STATES_TABLE = "rule: {kind: states}}\n"
FICO_TABLE = STATES_TABLE + (
    "        - {id: fico, title: [FICO], header: [FICO], field: fico, print_for: pool, missing_label: Unknown, rule: {kind: bands,"
    " edges: [699, 749], first_label: '{{ hi }} and under', label: '{{ lo }} - {{ hi }}', last_label: '{{ lo }} and over'}}\n"
)
NOT_REPORTED = r"(Mortgage loans for which the originator did not report a characteristic are shown in a row labelled .*?\.)"


def test_the_not_available_row_is_described_only_when_a_table_prints_one(tmp_path: Path) -> None:
    def fico(blank: bool) -> Callable[[list[Loan]], list[Loan]]:
        def edit(rows: list[Loan]) -> list[Loan]:
            for n, row in enumerate(rows):
                row["FICO_SCORE"] = "" if blank and n == 3 else row["FICO_SCORE"] or "720"
            return rows

        return edit

    assert said(small(tmp_path / "every FICO", fico(blank=False), [(STATES_TABLE, FICO_TABLE)]), NOT_REPORTED) is None
    deal = small(tmp_path / "one blank", fico(blank=True), [(STATES_TABLE, FICO_TABLE)])
    assert said(deal, NOT_REPORTED) == 'Mortgage loans for which the originator did not report a characteristic are shown in a row labelled "Unknown".'


# --- the Form 8-K term sheet (the 2003 layout): what its tape does not report is not stated -------------------


CMSI_COLUMNS = "      additional_collateral: ADDL_COLLATERAL\n"

PMI = r"(All (?:but \d+ )?of the mortgage loans which had loan-to-value ratios greater than 80% at origination had primary mortgage insurance)"
PLEDGED = r"(No additional collateral was pledged|In the case of the mortgage loans for which additional collateral was pledged)"
RESIDENCE = r"properties determined by (.*?) to be the primary residence of the borrower"


def cmsi(edit: Callable[[Loan], bool | None] = lambda row: None) -> Callable[[list[Loan]], list[Loan]]:
    """The CMSI tape's loans with LTVs above 80% first (the first 60 have none), each passed to `edit`; those it returns False for dropped."""

    def pick(rows: list[Loan]) -> list[Loan]:
        rows = sorted(rows, key=lambda row: float(row["LTV"]) <= 80)  # stable: the tape's order otherwise
        return [row for row in rows if edit(row) is not False]

    return pick


def test_the_8k_term_sheet_states_insurance_collateral_and_originator_from_the_tape(tmp_path: Path) -> None:
    deal = small(tmp_path / "as filed", cmsi(), example="cmsi-2003-1")
    assert said(deal, PMI, "term-sheet-8k") is not None
    assert said(deal, PLEDGED, "term-sheet-8k") is not None
    assert said(deal, RESIDENCE, "term-sheet-8k") == "CitiMortgage, Inc."


def test_the_8k_term_sheet_omits_what_the_deal_file_does_not_map(tmp_path: Path) -> None:
    deal = small(tmp_path, cmsi(), edits=[("      pmi: PMI\n", ""), (CMSI_COLUMNS, "")], example="cmsi-2003-1")
    assert said(deal, PMI, "term-sheet-8k") is None
    assert said(deal, PLEDGED, "term-sheet-8k") is None
    assert said(deal, r"(primary mortgage insurance|additional collateral)", "term-sheet-8k") is None


MATURITIES = r"All mortgage loans have original maturities of (.*?)\."
STATED = r"underwriting policies\. (No more than \S+|None|All) of the mortgage loans will be mortgage loans originated using a loan underwriting"
DOCUMENTED = r"(At least \S+|All|None) of the mortgage loans will be mortgage loans originated using loan underwriting policies which require"


def uninsured(row: Loan) -> None:
    row["PMI"] = "N"


@pytest.mark.parametrize(("edit", "pattern", "expected"), [
    (cmsi(lambda row: row["ORIG_TERM"] == "360"), MATURITIES, "30 years"),
    (cmsi(), MATURITIES, "at least 22 but no more than 30 years"),
    (cmsi(lambda row: float(row["LTV"]) <= 80), r"((?:No mortgage loans had|Mortgage loans having) .*? in excess of 80%[.,])",
     "No mortgage loans had loan-to-value ratios at origination in excess of 80%."),
    (cmsi(lambda row: float(row["LTV"]) <= 80), PMI, None),
    (cmsi(uninsured), r"(\S+ of the mortgage loans which had loan-to-value ratios greater than 80% at origination had primary mortgage insurance)",
     "None of the mortgage loans which had loan-to-value ratios greater than 80% at origination had primary mortgage insurance"),
    (cmsi(lambda row: row["DOC_TYPE"] != "STATED"), STATED,
     "None"),
    (cmsi(), STATED, "No more than 5%"),
    (cmsi(lambda row: row["DOC_TYPE"] != "STATED"), DOCUMENTED, "All"),
    (cmsi(), DOCUMENTED, "At least 95%"),
], ids=["one original term", "several original terms", "no LTV above 80%", "no LTV above 80%: no insurance sentence",
        "none insured", "no stated-income loans", "some stated-income loans", "all documented", "some documented"])  # fmt: skip
def test_the_8k_term_sheet_words_each_case_of_the_tape(tmp_path: Path, edit: Callable[[list[Loan]], list[Loan]], pattern: str, expected: str | None) -> None:
    assert said(small(tmp_path, edit, example="cmsi-2003-1"), pattern, "term-sheet-8k") == expected


def test_the_8k_term_sheet_with_several_originators_names_the_related_one(tmp_path: Path) -> None:
    deal = small(tmp_path, several(NAMES, lambda n: n % 3), [(CMSI_COLUMNS, CMSI_COLUMNS + "      originator: ORIG\n")], example="cmsi-2003-1")
    assert said(deal, RESIDENCE, "term-sheet-8k") == "the related originator"


# --- the facts themselves, for every tape ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from([0, 0, 60, 120])), min_size=1, max_size=8),
       st.lists(st.sampled_from(["fixed", "arm", None]), min_size=1, max_size=8),
       st.lists(st.sampled_from(["first", "second", None]), min_size=1, max_size=8))  # fmt: skip
def test_a_fact_is_stated_only_when_every_loan_reports_it(terms: list[int | None], kinds: list[str | None], liens: list[str | None]) -> None:
    n = min(len(terms), len(kinds), len(liens))
    columns = {"property_type": ["detached"] * n, "interest_only_term": terms[:n], "amortization": kinds[:n], "lien_position": liens[:n]}
    loans = pl.DataFrame(columns, schema={"property_type": pl.String, "interest_only_term": pl.Int64, "amortization": pl.String, "lien_position": pl.String})
    facts = pool_facts(loans, None)
    io = [t is not None and t > 0 for t in terms[:n]]
    arm = [k == "arm" for k in kinds[:n]]
    expected_io = None if None in terms[:n] else "all" if all(io) else "some" if any(io) else "none"
    expected_arm = None if None in kinds[:n] else "all" if all(arm) else "some" if any(arm) else "none"
    expected_lien = liens[0] if None not in liens[:n] and len(set(liens[:n])) == 1 else None
    stated = (facts.interest_only, facts.adjustable, facts.lien, facts.properties, facts.groups)
    assert stated == (expected_io, expected_arm, expected_lien, ("one_to_four",), ())
    assert pool_facts(loans.drop("interest_only_term", "amortization"), None).interest_only is None
    assert pool_facts(loans, None, mapped=("property_type",)).pmi is False


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.integers(0, 10**13)), min_size=1, max_size=12).filter(lambda rows: any(b for _, b in rows)))
def test_originators_shares_foot_to_100_and_each_is_within_a_hundredth(rows: list[tuple[str, int]]) -> None:
    loans = pl.DataFrame({"originator": [name for name, _ in rows], "balance": [b for _, b in rows]}, schema={"originator": pl.String, "balance": pl.Int64})
    named = originators(loans)
    totals = {name: sum(b for n, b in rows if n == name) for name, _ in rows}
    if len(totals) < 2:
        assert named == ()
        return
    assert [o.name for o in named] == sorted(totals, key=lambda name: (-totals[name], name))
    assert [str(o.share) for o in named] == footed([totals[o.name] for o in named])
    assert sum(o.share for o in named) == 100
    assert originators(loans.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("originator")).alias("originator"))) == ()
