"""`dealdocs check DEAL.yaml` checks the deal's own consistency: its dates in order, each prose figure stated by the
document's data, the 8-K's exhibit index against its exhibits, each party spelled one way, the classes' balances
against the pool's; every problem at its deal-file line, exit 1 on an error, 0 on warnings only, 2 on a user error.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.api import check_consistency, load_deal, templates_dir
from generator.documents.consistency import (
    DatedField,
    DateRule,
    Figure,
    date_problems,
    date_rules,
    exhibit_problems,
    party_problems,
    prose_figures,
    spelling_key,
    states,
)
from generator.errors import Severity
from generator.pool.exact import round_half_up

from .helpers import DEAL, EXAMPLES, PRIME, TAKEDOWN, cli, line_of

EXAMPLE_DEALS = sorted([*EXAMPLES.glob("*/*.yaml"), *EXAMPLES.glob("variants/*/*.yaml")])


def _copy(deal: Path, tmp_path: Path) -> Path:
    shutil.copytree(deal.parent, tmp_path / "deal")
    return tmp_path / "deal" / deal.name


def _edit(deal: Path, old: str, new: str) -> None:
    text = deal.read_text()
    assert old in text
    deal.write_text(text.replace(old, new, 1))


def _the_error(*args: str | Path) -> str:
    """`dealdocs check ARGS`: it fails (exit 1) with one error, returned."""
    code, output = cli("check", *args)
    assert code == 1, output
    (error,) = [line for line in output.splitlines() if ": error: " in line]
    return error


@pytest.mark.parametrize("deal", EXAMPLE_DEALS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_deal_checks_clean(deal: Path) -> None:
    code, output = cli("check", deal)
    assert code == 0, output
    warned = [line for line in output.splitlines() if line.startswith(f"{deal}:") and ": warning: " in line]  # the tape's own warnings aside
    if deal.parent.name == "cmsi-2006-1":  # the filing gives no issuing entity or sponsor: today's 8-K cover prints placeholders
        assert warned and all("left open" in line and ("[filing." in line or "[depositor.cik]" in line) for line in warned), output
    else:
        assert f"{deal}: the deal is consistent" in output and not warned, output


def test_an_8k_dated_before_the_opinion_it_files_is_an_error_at_its_line(tmp_path: Path) -> None:
    deal = _copy(TAKEDOWN, tmp_path)
    _edit(deal, "filing:\n", "filing:\n  report_date: 2006-02-16\n")
    error = _the_error(deal)
    assert error.startswith(f"{deal}:{line_of(deal, 'report_date: 2006-02-16')} [filing.report_date]: error: ")
    assert "2006-02-16" in error and "2006-02-27" in error and f"line {line_of(deal, 'date: 2006-02-27')}" in error
    assert "an 8-K cannot file an exhibit dated after" in error and "set filing.report_date to 2006-02-27 or later" in error


def test_each_exhibit_the_8k_files_is_held_to_its_date_of_report() -> None:
    deal = load_deal(DEAL)
    term_sheet = deal.deal.term_sheet
    assert term_sheet is not None
    eight_k = DatedField("the 8-K's date of report", ("filing", "report_date"), term_sheet.report_date)
    exhibit = DatedField("the date of Exhibit 5.1", ("takedown_opinion", "date"), term_sheet.transfer_date)  # after the 8-K
    (problem,) = date_problems(deal, date_rules(deal, eight_k, [exhibit]))
    assert problem.severity is Severity.ERROR and problem.value == "2003-01-09" and "2003-01-30" in problem.message
    assert date_problems(deal, date_rules(deal, None, [exhibit])) == []  # no 8-K: nothing to hold it to


def test_a_term_sheet_dated_before_its_cut_off_date_is_an_error(tmp_path: Path) -> None:
    deal = _copy(DEAL, tmp_path)
    _edit(deal, "  cut_off_date: 2003-01-01\n", "  cut_off_date: 2003-01-10\n")
    found = check_consistency(load_deal(deal))
    dated = [p for p in found if p.column == "term_sheet.report_date"]
    assert len(dated) == 1 and dated[0].line == line_of(deal, "report_date: 2003-01-09"), found
    assert "2003-01-10" in dated[0].message and "cut-off date" in dated[0].message


def test_dates_in_order_and_a_rule_of_warning_severity() -> None:
    deal = load_deal(DEAL)
    term_sheet = deal.deal.term_sheet
    assert term_sheet is not None
    first = DatedField("the takedown opinion's date", ("takedown_opinion", "date"), term_sheet.transfer_date)
    later = DatedField("the closing date", ("term_sheet", "transfer_date"), term_sheet.report_date)
    (problem,) = date_problems(deal, [DateRule(first, later, "the opinion is delivered at the closing", Severity.WARNING)])
    assert problem.severity is Severity.WARNING
    assert date_problems(deal, [DateRule(later, first, "in order")]) == []


def _override(tmp_path: Path, name: str, edit: tuple[str, str]) -> Path:
    """A templates folder holding the built-in `name` with the pattern `edit[0]` replaced by `edit[1]`."""
    folder = tmp_path / "mine"
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    source = (templates_dir() / name).read_text()
    changed, count = re.subn(edit[0], edit[1], source, count=1)
    assert count == 1, f"{name} no longer has {edit[0]}"
    target.write_text(changed)
    return folder


def test_a_prose_figure_that_differs_from_its_table_is_an_error_naming_the_template_line(tmp_path: Path) -> None:
    folder = _override(tmp_path, "term-sheet-8k/_prose.j2", (r"\{\{\s*summary\.pool\.count\s*\|\s*number\s*\}\}", "876"))  # the table says 875
    error = _the_error(DEAL, "--templates", folder)
    template = folder / "term-sheet-8k" / "_prose.j2"
    at = next(n for n, line in enumerate(template.read_text().splitlines(), 1) if "876" in line)
    assert error.startswith(f"{DEAL}:{load_deal(DEAL).line('term_sheet')} [term_sheet]: error: term-sheet-8k.txt line ")
    assert "quotes 876" in error and f"written by {template} line {at}" in error


def test_a_prose_figure_of_the_modern_term_sheet_is_checked_too(tmp_path: Path) -> None:
    folder = _override(tmp_path, "collateral-term-sheet/_prose.j2", (r"\{\{\s*summary\.pool\.count\s*\|\s*number\s*\}\}", "2,001"))
    found = [p for p in check_consistency(load_deal(PRIME), templates=folder) if p.severity is Severity.ERROR]
    assert [p.value for p in found] == ["2,001"] and "collateral-term-sheet.txt line " in found[0].message


def test_prose_figures_leave_tables_dates_and_marks_aside() -> None:
    text = "\n".join([
        "      On January 30,", "2003, the pool held 875 loans(1) of $1,000.50 at 6.349%.",
        "", "Class      Balance", "-----  ---------", "A-1        12,345", "", "B-1           999", "", "-----------",
        "1     A footnote of Rule 433 and Section 15(d), Series 2003-1.",
    ])  # fmt: skip
    assert [(f.text, f.line) for f in prose_figures(text)] == [("875", 2), ("$1,000.50", 2), ("6.349%", 2), ("433", 11)]


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=6), st.integers(0, 3), st.sampled_from(["half_up", "down", "up"]))
def test_a_value_printed_at_any_precision_is_stated_by_it_and_a_unit_off_is_not(value: Decimal, places: int, mode: str) -> None:
    unit = Decimal(1).scaleb(-places)
    printed = round_half_up(value, places) if mode == "half_up" else value.quantize(unit, rounding="ROUND_DOWN" if mode == "down" else "ROUND_UP")
    assert states(Figure(str(printed), printed, places, 1), [Fraction(value)])
    assert not states(Figure(str(printed + unit * 2), printed + unit * 2, places, 1), [Fraction(value)])


def _index(*rows: tuple[str, str, str]) -> str:
    cells = "".join(f'<tr><td><a href="{file}">{number}</a></td><td>{words}</td></tr>' for number, words, file in rows)
    return f"<html><body><table><tr><td>Exhibit No.</td><td>Description</td></tr>{cells}</table></body></html>"


def test_a_missing_exhibit_and_an_unindexed_one_are_errors() -> None:
    deal = load_deal(TAKEDOWN)
    filed = [("EX-5.1", "ex5-1.htm"), ("EX-99.1", "ex99-1.htm")]
    main = _index(("5.1", "Opinion of counsel", "ex5-1.htm"), ("99.2", "Servicing agreement", "ex99-2.htm"))
    found = exhibit_problems(deal, filed, main)
    assert [p.value for p in found] == ["99.2", "EX-99.1"]
    assert "no EX-99.2 document" in found[0].message and "does not name it" in found[1].message
    assert all(p.line == deal.line("filing") and p.severity is Severity.ERROR for p in found)


def test_an_exhibit_included_in_another_counts_as_present_when_that_one_is() -> None:
    deal = load_deal(TAKEDOWN)
    consent = ("23.1", "Consent of counsel (included in Exhibit 5.1)", "ex5-1.htm")
    main = _index(("5.1", "Opinion of counsel", "ex5-1.htm"), consent)
    assert exhibit_problems(deal, [("EX-5.1", "ex5-1.htm")], main) == []
    (problem,) = exhibit_problems(deal, [], _index(consent))
    assert problem.value == "23.1" and "included in Exhibit 5.1, which the submission does not file" in problem.message


def test_a_supplied_exhibit_not_found_is_an_error_at_its_line(tmp_path: Path) -> None:
    deal = _copy(TAKEDOWN, tmp_path)
    _edit(deal, "filing:\n", "filing:\n  exhibits:\n    - {type: EX-99.2, description: Servicing Agreement, file: ex99-2.htm}\n")
    error = _the_error(deal)
    assert error.startswith(f"{deal}:{line_of(deal, 'ex99-2.htm')} [filing.exhibits.0.file]: error: not found")


def test_an_exhibit_the_index_names_but_the_submission_lacks_is_found_through_a_users_8k(tmp_path: Path) -> None:
    row = '<tr><td>99.2</td><td>Servicing Agreement</td></tr>\n</table>'
    folder = _override(tmp_path, "form-8k.htm.j2", (r"(?<=\{% endfor %\}\n)</table>", row.replace("\\", "\\\\")))
    (problem,) = [p for p in check_consistency(load_deal(TAKEDOWN), templates=folder) if p.severity is Severity.ERROR]
    assert problem.value == "99.2" and "no EX-99.2 document" in problem.message


def test_a_party_spelled_two_ways_is_a_warning_with_both_spellings_and_lines(tmp_path: Path) -> None:
    deal = _copy(TAKEDOWN, tmp_path)
    _edit(deal, "    name: Credit Suisse Securities (USA) LLC\n    address:", "    name: Credit Suisse Securities (USA), LLC.\n    address:")
    code, output = cli("check", deal)
    assert code == 0, output  # a warning only
    (warning,) = [line for line in output.splitlines() if ": warning: " in line and "left open" not in line]  # the 8-K cover's placeholders aside
    second = line_of(deal, "      name: Credit Suisse Securities (USA) LLC")
    assert warning.startswith(f"{deal}:{second} [takedown_opinion.parties.underwriter.name]: warning: ")
    assert "'Credit Suisse Securities (USA), LLC.'" in warning and "'Credit Suisse Securities (USA) LLC'" in warning
    assert f"at takedown_opinion.addressee.name (line {line_of(deal, 'name: Credit Suisse Securities (USA), LLC.')})" in warning
    assert ": 0 errors, " in output


def test_a_rendered_document_that_spells_a_party_otherwise_is_a_warning_and_capitals_are_not() -> None:
    deal = load_deal(DEAL)
    text = (
        "CITICORP MORTGAGE SECURITIES, INC.\nprepared by Citicorp Mortgage\n  Securities, Inc. and by Citicorp Mortgage Securities Inc for\n"
        "citicorp mortgage securities, inc. and Citicorp Mortgage Securities Inc again\n"
    )
    inc, lower = party_problems(deal, {"term-sheet-8k.txt": text})
    assert inc.severity is Severity.WARNING and inc.column == "depositor.name" and inc.value == "Citicorp Mortgage Securities Inc"
    assert inc.message.startswith("term-sheet-8k.txt line 3 (and 1 more) writes 'Citicorp Mortgage Securities Inc'")
    assert lower.value == "citicorp mortgage securities, inc." and lower.message.startswith("term-sheet-8k.txt line 4 writes")


def test_classes_that_do_not_add_up_to_the_pool_are_a_warning(tmp_path: Path) -> None:
    deal = _copy(PRIME, tmp_path)
    _edit(deal, "balance: 131765000.00", "balance: 131765001.00")
    loaded = load_deal(deal)
    (problem,) = check_consistency(loaded)
    assert problem.severity is Severity.WARNING and problem.line == loaded.line("term_sheet", "classes") and "$1.00 over" in problem.message


def test_a_fact_left_open_is_a_warning_and_its_date_rules_wait_for_it(tmp_path: Path) -> None:
    deal = _copy(PRIME, tmp_path)
    _edit(deal, "  transfer_date: 2024-03-28\n", "")
    loaded = load_deal(deal)
    (problem,) = check_consistency(loaded)
    assert problem.severity is Severity.WARNING and "[Closing date]" in problem.message and problem.line == loaded.line("term_sheet")
    code, output = cli("check", deal)
    assert code == 0 and "[Closing date]" in output and "the deal is consistent" not in output


def test_a_deal_file_that_cannot_be_read_is_a_user_error(tmp_path: Path) -> None:
    broken = tmp_path / "deal.yaml"
    broken.write_text("depositor: [\n")
    assert cli("check", broken)[0] == 2
    code, output = cli("check", tmp_path / "missing.yaml")
    assert code == 2 and "not found" in output
    assert cli("check", PRIME.parent / "loans.csv", "--tape", PRIME.parent / "loans.csv")[0] == 2  # --tape checks a deal file


def test_a_tape_that_cannot_be_read_is_a_user_error_listed_after_the_dates_found(tmp_path: Path) -> None:
    deal = _copy(DEAL, tmp_path)
    _edit(deal, "  cut_off_date: 2003-01-01\n", "  cut_off_date: 2003-01-10\n")
    (deal.parent / "loans.csv").write_text("not,a,tape\n")
    code, output = cli("check", deal)
    assert code == 2, output
    assert f"{deal}:{line_of(deal, 'report_date: 2003-01-09')} [term_sheet.report_date]: error: " in output
    assert "loans.csv" in output


def test_deal_files_and_edgar_documents_are_checked_in_one_command(tmp_path: Path) -> None:
    from generator.api import render_document

    page = tmp_path / "ex5-1.htm"
    page.write_text(render_document(load_deal(TAKEDOWN), "exhibit-5-1-takedown", "htm").text)
    code, output = cli("check", PRIME, page)
    assert code == 0, output
    assert f"{page}: nothing EDGAR would refuse" in output and f"{PRIME}: the deal is consistent" in output
    page.write_text(page.read_text().replace("Ladies", "Ladies\u2014"))
    assert cli("check", PRIME, page)[0] == 1  # the page's problem, though the deal is consistent


def test_a_prose_figure_of_the_deal_files_own_templates_is_placed_at_its_templates_line(tmp_path: Path) -> None:
    deal = _copy(DEAL, tmp_path)
    folder = _override(tmp_path, "term-sheet-8k/_prose.j2", (r"\{\{\s*summary\.pool\.count\s*\|\s*number\s*\}\}", "876"))
    _edit(deal, "series:\n", f"templates: {folder}\nseries:\n")
    loaded = load_deal(deal)
    (problem,) = check_consistency(loaded)
    assert (problem.column, problem.line, problem.value) == ("templates", loaded.line("templates"), "876")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8), min_size=1, max_size=5))
def test_a_name_compares_equal_whatever_its_case_punctuation_and_spacing(words: list[str]) -> None:
    name = " ".join(words)
    assert spelling_key(name) == spelling_key(",  ".join(w.upper() for w in words) + ".")
    assert spelling_key(name) != spelling_key(name + " X9")


_CELL_FIGURES = st.decimals(min_value=0, max_value=10**10, places=2).map(lambda d: f"{d:,.2f}")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.text("abcdefghij -", min_size=1, max_size=30), st.lists(_CELL_FIGURES, min_size=3, max_size=3)), min_size=1, max_size=6),
    st.booleans(),
)
def test_no_figure_of_a_table_set_as_edgar_text_is_read_as_prose(rows: list[tuple[str, list[str]]], total: bool) -> None:
    from generator.documents.grids import Grid, text_table

    grid = Grid(
        id="t", title=["A TABLE"], group=None, heads=[["Label"], ["Count"], ["Balance ($)"], ["Share (%)"]],
        rows=[[label.strip() or "x", *cells] for label, cells in rows], total=["Total", "1", "2", "3"] if total else None,
    )  # fmt: skip
    text = f"      The prose before it quotes 875 loans.\n\n{text_table(grid)}\n\n      And 2,000 after it.\n"
    assert [f.text for f in prose_figures(text)] == ["875", "2,000"]
