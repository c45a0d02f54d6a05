"""The modern term sheet's layouts: tables laid out from their columns, widths from the data, the 132-column limit."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from generator import edgar
from generator.api import DOCUMENTS, Grid, documents_of, load_deal, render_document, section_of, text_table
from generator.cli import app
from generator.documents.grids import text_width

from .helpers import EXAMPLES, runner

PRIME = EXAMPLES / "prime-jumbo-2024-1"


@pytest.fixture(scope="module")
def text() -> str:
    return render_document(load_deal(PRIME / "deal.yaml"), "collateral-term-sheet", "txt").text


def test_the_deal_file_chooses_the_layout() -> None:
    assert [d.name for d in documents_of(load_deal(PRIME / "deal.yaml"))] == ["collateral-term-sheet"]
    assert [d.name for d in documents_of(load_deal(EXAMPLES / "cmsi-2003-1" / "deal.yaml"))] == ["term-sheet-8k"]  # the default: 8k
    assert section_of("collateral-term-sheet") == section_of("term-sheet-8k") == "term_sheet"


def test_text_obeys_edgar_and_sets_wide_tables_between_table_markers(text: str) -> None:
    assert edgar.violations(text) == []
    inside = False
    for line in text.splitlines():
        inside = (inside or line == "<TABLE>") and line != "</TABLE>"
        assert len(line) <= (edgar.TABLE_WIDTH if inside else edgar.WIDTH), line
    assert any(len(line) > edgar.WIDTH for line in text.splitlines())  # seven columns do not fit in 80


def test_figures_are_right_aligned_under_their_headings(text: str) -> None:
    block = text.split("CURRENT PRINCIPAL BALANCES", 1)[1].split("</TABLE>", 1)[0]
    rows = [line for line in block.splitlines() if re.match(r"^(\$|Total)", line)]
    assert len(rows) == 6  # five bands and the total
    ends = {tuple(m.end() for m in re.finditer(r"[\d.,]+(?= |$)", line))[-7:] for line in rows}
    assert len(ends) == 1  # every row's seven figures end in the same columns


def test_blank_values_print_not_available_rows_and_na_averages(text: str) -> None:
    fico = text.split("CREDIT SCORES", 1)[1].split("</TABLE>", 1)[0]
    assert re.search(r"^Not Available +\d+ ", fico, re.MULTILINE)
    margin = next(line for line in text.splitlines() if line.startswith("Weighted Average Gross Margin"))
    assert margin.split()[-3:] == ["N/A", "2.750", "2.750"]  # group 1 has no ARMs


def test_a_cross_tab_prints_row_and_column_totals(text: str) -> None:
    matrix = text.split("CREDIT SCORE BY ORIGINAL LTV", 1)[1].split("CREDIT SCORE BY", 1)[0]
    total = next(line for line in matrix.splitlines() if line.strip().startswith("Total") and "%" not in line and re.search(r"\d", line))
    assert total.split()[-1] == "100.00"
    assert "Original LTV (%)" in matrix


def test_labels_wrap_before_a_table_takes_132_columns() -> None:
    long = "A label much too long for its column, so that it must wrap onto a second line of the table"
    grid = Grid("t", ["T"], None, [["Label"], ["Number of", "Loans"], ["Balance"]], [[long, "1", "2"]], ["Total", "1", "2"])
    laid = text_table(grid)
    assert "<TABLE>" not in laid and max(map(len, laid.splitlines())) <= 80
    assert "A label much too long" in laid and "table" in laid.splitlines()[-3]  # wrapped, its figures on its last line
    wide = Grid("t", ["T"], None, [["Label"], *([["12345678901"]] * 9)], [["A label", *["1"] * 9]], None)
    assert text_table(wide).startswith("<TABLE>")
    assert text_width([11] * 8, 40) == (28, 132)  # the label room 132 leaves: 132 - 8 x 13


COLUMNS = "".join(f"\n            - {{id: c{n}, kind: weighted_average, field: note_rate, header: [Weighted Average Rate {n}]}}" for n in range(6))
WIDE = f"""
        - id: too-wide
          title: [TOO WIDE]
          header: [Rate]
          field: note_rate
          rule: {{kind: bands, edges: [6.5], first_label: low, label: mid, last_label: high}}
          columns:{COLUMNS}
"""


@pytest.mark.parametrize("with_tape", [True, False])
def test_a_table_too_wide_for_132_columns_is_a_validate_error_at_its_line(tmp_path: Path, with_tape: bool) -> None:
    shutil.copytree(PRIME, tmp_path / "deal")
    deal = tmp_path / "deal" / "deal.yaml"
    deal.write_text(deal.read_text() + WIDE)
    lines = deal.read_text().splitlines()
    block = range(lines.index("        - id: too-wide") + 1, len(lines) + 1)  # the table's lines in the deal file
    if with_tape:  # measured on the pool's figures
        result = runner.invoke(app, ["validate", str(deal)])
        assert result.exit_code == 2 and "Traceback" not in result.output
        found = re.findall(r"deal\.yaml:(\d+) .*table `too-wide` is too wide", result.output)
        assert len(found) == 1 and int(found[0]) in block, result.output
    else:  # no tape read: measured on the headings
        from generator.documents.checks import check_deal

        problems = check_deal(load_deal(deal))
        assert [p.line in block and "table `too-wide` is too wide" in p.message for p in problems] == [True]


def test_render_refuses_a_table_too_wide_rather_than_break_edgar(tmp_path: Path) -> None:
    shutil.copytree(PRIME, tmp_path / "deal")
    deal = tmp_path / "deal" / "deal.yaml"
    deal.write_text(deal.read_text() + WIDE)
    result = runner.invoke(app, ["render", str(deal), "-f", "txt", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "table `too-wide` is too wide" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / f"{DOCUMENTS['collateral-term-sheet'].name}.txt").exists()


TIGHT = """
        - id: tight
          title: [TIGHT]
          header: [Mortgage Rate (%)]
          field: note_rate
          rule: {kind: bands, edges: [6.5], first_label: low, label: mid, last_label: high}
          columns:"""
TIGHT += "".join(f"\n            - {{id: c{n}, kind: weighted_average, field: note_rate, header: [Weighted Average Rate {n}]}}" for n in range(5))


def test_validate_measures_labels_as_render_lays_them_out(tmp_path: Path) -> None:
    """Five columns of 23 take 125 characters, leaving 7 for labels that wrap to no fewer than 16 (their heading is 17 wide)."""
    shutil.copytree(PRIME, tmp_path / "deal")
    deal = tmp_path / "deal" / "deal.yaml"
    deal.write_text(deal.read_text() + TIGHT + "\n")
    why = "table `tight` is too wide for EDGAR text: its 5 figure columns take 125 characters: with labels at least 16 wide, more than 132"
    for command in (["validate", str(deal)], ["render", str(deal), "-f", "txt", "-o", str(tmp_path / "out")]):
        result = runner.invoke(app, command)  # not a template error at render: the check measures what the layout sets
        assert result.exit_code == 2 and why in result.output and "template error" not in result.output, result.output


def test_the_modern_term_sheet_is_filed_as_exhibit_99_1_when_the_deal_file_chooses_it(tmp_path: Path) -> None:
    shutil.copytree(PRIME, tmp_path / "deal")
    deal = tmp_path / "deal" / "deal.yaml"
    deal.write_text(deal.read_text().replace("term_sheet_as: fwp", "term_sheet_as: exhibit_99"))
    result = runner.invoke(app, ["render", str(deal), "--submission", str(tmp_path / "sub")])
    assert result.exit_code == 0, result.output
    assert "Collateral Term Sheet" in (tmp_path / "sub" / "form8-k.htm").read_text()
    assert "Collateral Term Sheet" in (tmp_path / "sub" / "ex99-1.htm").read_text()
    assert runner.invoke(app, ["check", str(tmp_path / "sub")]).exit_code == 0


def test_the_8k_layout_refuses_what_only_the_modern_one_prints(tmp_path: Path) -> None:
    shutil.copytree(PRIME, tmp_path / "deal")
    deal = tmp_path / "deal" / "deal.yaml"
    deal.write_text(deal.read_text().replace("  layout: modern\n", ""))  # the default: the 2003 Form 8-K
    for command in (["validate", str(deal)], ["render", str(deal), "-f", "txt", "-o", str(tmp_path / "out")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "Traceback" not in result.output and "template error" not in result.output, result.output
        tables = yaml.safe_load(deal.read_text())["term_sheet"]["pool"]["tables"]["tables"]
        crosstab = next(i for i, table in enumerate(tables) if "across" in table)
        assert f"[term_sheet.pool.tables.tables.{crosstab}.across]: error: the Form 8-K layout prints no cross-tab" in result.output
        assert "[term_sheet.pool.groups]: error: the Form 8-K layout prints no loan groups" in result.output
        assert "set term_sheet.layout: modern" in result.output


MANY_GROUPS = "labels: {" + ", ".join(f'"{n}": Group {n}' for n in range(1, 13)) + "}"
LONG_LABELS = 'labels: {"1": Group 1 of Fixed-Rate Thirty-Year Prime Jumbo Mortgage Loans, "2": Group 2 of Hybrid Adjustable-Rate Prime Jumbo Mortgage Loans}'
POOL_WIDE = "the pool-data block (pool.summary) is too wide for EDGAR text"


def _grouped(tmp_path: Path, labels: str) -> Path:
    shutil.copytree(PRIME, tmp_path / "deal")
    deal = tmp_path / "deal" / "deal.yaml"
    deal.write_text(deal.read_text().replace('labels: {"1": Group 1, "2": Group 2}', labels))
    return deal


@pytest.mark.parametrize("labels", [MANY_GROUPS, LONG_LABELS], ids=["12-groups", "long-labels"])
@pytest.mark.parametrize("with_tape", [True, False])
def test_a_pool_data_block_too_wide_is_a_validate_error_at_the_groups_line(tmp_path: Path, labels: str, with_tape: bool) -> None:
    deal = _grouped(tmp_path, labels)
    lines = deal.read_text().splitlines()
    groups = range(lines.index("    groups:") + 1, lines.index("    summary:"))  # the pool.groups block's lines
    if with_tape:  # measured on the pool's figures
        result = runner.invoke(app, ["validate", str(deal)])
        assert result.exit_code == 2 and "Traceback" not in result.output
        found = re.findall(r"deal\.yaml:(\d+) \[term_sheet\.pool\.groups\]: error: (.*)", result.output)
        assert len(found) == 1 and int(found[0][0]) in groups, result.output
        message = found[0][1]
    else:  # no tape read: measured on the group labels and the narrowest figures
        from generator.documents.checks import check_deal

        problems = check_deal(load_deal(deal))
        assert len(problems) == 1 and problems[0].line in groups, problems
        message = problems[0].message
    assert message.startswith(POOL_WIDE) and "more than 132" in message
    assert re.search(r"its \d+ figure columns take \d+ characters", message)
    assert message.endswith("shorten the group labels and total_label, or group the loans into fewer groups")


def test_render_refuses_a_pool_data_block_too_wide_and_writes_nothing(tmp_path: Path) -> None:
    deal = _grouped(tmp_path, MANY_GROUPS)
    result = runner.invoke(app, ["render", str(deal), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and POOL_WIDE in result.output and "Traceback" not in result.output, result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_example_pool_data_block_fits() -> None:
    from generator.documents.grids import pool_width_problems
    from generator.pool.analysis import analyse, term_sheet_of

    loaded = load_deal(PRIME / "deal.yaml")
    pool = term_sheet_of(loaded).pool
    assert pool.groups is not None and pool.summary
    assert pool_width_problems(loaded, pool, analyse(loaded, None).pool_data) == []
    assert pool_width_problems(loaded, pool) == []
