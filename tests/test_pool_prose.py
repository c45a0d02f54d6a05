"""The collateral term sheet's pool paragraphs state only what the tape says, in every format.

Each test varies the prime-jumbo example's tape (or the deal file's mapping of it) and reads the
sentence that changes back out of the EDGAR text, the EDGAR HTML and the DOCX.
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
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.api import docx_text, load_deal, render_document
from generator.documents.pool_facts import pool_facts

from .helpers import EXAMPLES, Loan, loans_of


def varied(tmp_path: Path, loans: Callable[[list[Loan]], list[Loan]] | None = None, edits: Sequence[tuple[str, str]] = ()) -> Path:
    """A copy of the prime-jumbo example whose tape rows are `loans(rows)` and whose deal file has each (old, new) text replaced."""
    folder = tmp_path / "deal"
    shutil.copytree(EXAMPLES / "prime-jumbo-2024-1", folder)
    deal = folder / "deal.yaml"
    text = deal.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    deal.write_text(text)
    if loans is not None:
        rows = loans(loans_of(deal))
        with (folder / "loans.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return deal


def words(deal: Path) -> dict[str, str]:
    """The term sheet's words in EDGAR text, EDGAR HTML and DOCX, each on one line, spaced alike."""
    loaded = load_deal(deal)
    texts = {
        "txt": render_document(loaded, "collateral-term-sheet", "txt").content,
        "htm": html.unescape(re.sub(r"<[^>]+>", " ", render_document(loaded, "collateral-term-sheet", "htm").content)),
        "docx": docx_text(render_document(loaded, "collateral-term-sheet", "docx").content),
    }
    return {fmt: " ".join(str(text).replace("\u201c", '"').replace("\u201d", '"').split()) for fmt, text in texts.items()}


def regrouped(keep: Callable[[Loan], bool], groups: int = 2) -> Callable[[list[Loan]], list[Loan]]:
    """The loans `keep` accepts, dealt round `groups` loan groups (so every group has some)."""

    def edit(rows: list[Loan]) -> list[Loan]:
        kept = [row for row in rows if keep(row)]
        for n, row in enumerate(kept):
            row["GRP"] = str(n % groups + 1)
        return kept

    return edit


def with_io(months: Callable[[int], str]) -> Callable[[list[Loan]], list[Loan]]:
    """Every loan's interest-only term set by its row number."""

    def edit(rows: list[Loan]) -> list[Loan]:
        for n, row in enumerate(rows):
            row["IO_MONTHS"] = months(n)
        return rows

    return edit


POOL_SENTENCE = re.compile(r"consist of [\d,]+ (.*?)residential mortgage loans secured by (.*?), with an aggregate")


def pool_sentence(deal: Path) -> tuple[str, str]:
    """What the pool sentence says of the loans and of their properties, the same in every format."""
    found = {fmt: POOL_SENTENCE.search(text) for fmt, text in words(deal).items()}
    said = {fmt: (match.group(1).strip(), match.group(2)) if match else None for fmt, match in found.items()}
    assert len(set(said.values())) == 1, said
    result = said["txt"]
    assert result is not None
    return result


def test_the_example_says_what_its_tape_has() -> None:
    assert pool_sentence(EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml") == (
        "fixed-rate and adjustable-rate, fully amortizing and interest-only", "one- to four-family properties",
    )  # fmt: skip


@pytest.mark.parametrize(("edit", "expected"), [
    (regrouped(lambda row: row["AMORT_TYPE"] == "FIXED"), "fixed-rate, fully amortizing"),
    (regrouped(lambda row: row["AMORT_TYPE"] == "ARM"), "adjustable-rate, fully amortizing and interest-only"),
    (with_io(lambda n: "0"), "fixed-rate and adjustable-rate, fully amortizing"),
    (with_io(lambda n: "120"), "fixed-rate and adjustable-rate, interest-only"),
], ids=["fixed only", "ARMs only", "no interest-only", "all interest-only"])  # fmt: skip
def test_rate_type_and_interest_only_follow_the_tape(tmp_path: Path, edit: Callable[[list[Loan]], list[Loan]], expected: str) -> None:
    assert pool_sentence(varied(tmp_path, edit))[0] == expected


def test_unmapped_fields_are_not_stated(tmp_path: Path) -> None:
    deal = varied(tmp_path, edits=[
        ("      interest_only_term: IO_MONTHS\n", ""),
        ("      - {label: Interest-Only (%), kind: share, field: interest_only_term, value: {greater_than: 0}}\n", ""),
    ])  # fmt: skip
    assert pool_sentence(deal) == ("fixed-rate and adjustable-rate", "one- to four-family properties")


def test_property_kinds_beyond_one_to_four_family_are_named(tmp_path: Path) -> None:
    def coop(rows: list[Loan]) -> list[Loan]:
        rows[0]["PROPERTY"] = "COOP"
        return rows

    deal = varied(tmp_path, coop, edits=[
        ("CONDO: condo_low,", "CONDO: condo_low, COOP: cooperative,"),
        ("{value: multi_family, label: 2-4 Family}]}", "{value: multi_family, label: 2-4 Family}, {value: cooperative, label: Co-op}]}"),
    ])  # fmt: skip
    assert pool_sentence(deal)[1] == "one- to four-family properties and shares in cooperative housing corporations"


@pytest.mark.parametrize(("groups", "labels", "expected"), [
    (1, '{"1": Group 1}', None),
    (3, '{"1": Group 1, "2": Group 2, "3": Group 3}', "divided into three loan groups (Group 1, Group 2 and Group 3)"),
], ids=["one group", "three groups"])  # fmt: skip
def test_loan_groups_paragraph_names_the_groups(tmp_path: Path, groups: int, labels: str, expected: str | None) -> None:
    changes = [('labels: {"1": Group 1, "2": Group 2}', f"labels: {labels}")] + [('only_groups: ["2"]', 'only_groups: ["1"]')] * (groups == 1)
    deal = varied(tmp_path, regrouped(lambda row: True, groups), edits=changes)
    for fmt, text in words(deal).items():
        if expected is None:
            assert "loan groups" not in text, fmt
            assert "each percentage in a table below is of the aggregate principal balance of the mortgage loans" in text, fmt
        else:
            assert expected in text, fmt


def test_example_names_two_groups() -> None:
    for fmt, text in words(EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml").items():
        assert "divided into two loan groups (Group 1 and Group 2)" in text, fmt


@pytest.mark.parametrize(("name", "expected"), [
    ("CitiMortgage, Inc.", "originated or acquired by CitiMortgage, Inc. On the closing date"),
    ("Example Bank", "originated or acquired by Example Bank. On the closing date"),
])  # fmt: skip
def test_a_name_ending_in_a_period_ends_the_sentence_once(tmp_path: Path, name: str, expected: str) -> None:
    deal = varied(tmp_path, edits=[("originator: Example Home Lending, LLC", f"originator: {name}")])
    for fmt, text in words(deal).items():
        assert expected in text, fmt
        assert name + ".." not in text and name + ". ." not in text, fmt


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from([0, 0, 60, 120])), min_size=1, max_size=8),
       st.lists(st.sampled_from(["fixed", "arm", None]), min_size=1, max_size=8))  # fmt: skip
def test_a_fact_is_stated_only_when_every_loan_reports_it(terms: list[int | None], kinds: list[str | None]) -> None:
    n = min(len(terms), len(kinds))
    loans = pl.DataFrame({"property_type": ["detached"] * n, "interest_only_term": terms[:n], "amortization": kinds[:n]},
                         schema={"property_type": pl.String, "interest_only_term": pl.Int64, "amortization": pl.String})  # fmt: skip
    facts = pool_facts(loans, None)
    io = [t is not None and t > 0 for t in terms[:n]]
    arm = [k == "arm" for k in kinds[:n]]
    expected_io = None if None in terms[:n] else "all" if all(io) else "some" if any(io) else "none"
    expected_arm = None if None in kinds[:n] else "all" if all(arm) else "some" if any(arm) else "none"
    assert (facts.interest_only, facts.adjustable, facts.properties, facts.groups) == (expected_io, expected_arm, ("one_to_four",), ())
    assert pool_facts(loans.drop("interest_only_term", "amortization"), None).interest_only is None
