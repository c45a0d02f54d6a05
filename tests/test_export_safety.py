"""Exports safe to open whatever the deal file's labels hold: valid sheet names, text never a formula, CSV cells inert."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import PoolAnalysis, analyse, load_deal, to_csv, write_xlsx
from generator.pool.crosstab import CrossTab
from generator.pool.strats import Table

from .helpers import PRIME, cli

openpyxl = pytest.importorskip("openpyxl")

ANALYSIS = analyse(load_deal(PRIME))  # two groups, one-way tables, a cross-tab and the pool-data block
FORBIDDEN = set("[]:*?/\\")
FORMULA_START = tuple("=+-@\t\r")
NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def relabelled(analysis: PoolAnalysis, groups: list[str], label: str) -> PoolAnalysis:
    """The analysis with its groups renamed and each table's first row (a cross-tab's first row and column) labelled `label`.

    A first table of the whole pool is given the id `label` too, so that its sheet's name is `label` alone.
    """
    names = dict(zip(["Group 1", "Group 2"], groups, strict=True))
    tables: list[Table | CrossTab] = []
    for t in analysis.tables[:3] + [t for t in analysis.tables if isinstance(t, CrossTab)] + analysis.tables[-3:]:  # both groups, a few sheets
        group = names.get(t.group, t.group) if t.group is not None else None
        if isinstance(t, CrossTab):
            tables.append(dataclasses.replace(t, group=group, row_labels=[label, *t.row_labels[1:]], column_labels=[label, *t.column_labels[1:]]))
        else:
            tables.append(dataclasses.replace(t, group=group, rows=[dataclasses.replace(t.rows[0], label=label), *t.rows[1:]]))
    first = tables[0]
    tables.insert(0, dataclasses.replace(first, spec=first.spec.model_copy(update={"id": label}), group=None))
    assert analysis.pool_data is not None
    block = dataclasses.replace(analysis.pool_data, columns=[names.get(c, c) for c in analysis.pool_data.columns])
    return dataclasses.replace(analysis, tables=tables, pool_data=block)


def excel_allows(names: list[str]) -> bool:
    """Excel's rules for a workbook's sheet names, stated independently of the writer."""
    folded = [n.casefold() for n in names]
    return len(set(folded)) == len(names) and "history" not in folded and all(
        0 < len(n.encode("utf-16-le")) // 2 <= 31 and not FORBIDDEN & set(n) and not n.startswith("'") and not n.endswith("'") for n in names
    )


labels = st.one_of(
    st.text(max_size=40),
    st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_START), st.text(max_size=20)),
    st.builds(lambda n, rest: "x" * n + "'" + rest, st.integers(0, 40), st.text(alphabet="'[]:*?/\\ ", max_size=8)),
    st.sampled_from(["History", "history", "'", "''", "[]", "Group 1", "GROUP 1", "=1+2", "-5", "@SUM(A1)", "😀" * 20, "ǅ", "ß", "SS"]),
).filter(lambda s: s.strip() != "")  # a deal file's label is never blank


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=labels, second=labels, label=labels)
def test_any_labels_make_a_workbook_excel_opens_with_text_never_formulas(tmp_path: Path, first: str, second: str, label: str) -> None:
    analysis = relabelled(ANALYSIS, [first, second], label)
    book = openpyxl.load_workbook(write_xlsx(analysis, tmp_path / "s.xlsx", dt.date(2024, 1, 1)))
    assert excel_allows(book.sheetnames), book.sheetnames
    assert len(book.sheetnames) == len(analysis.tables) + 1
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(cell.data_type != "f" for cell in row), (ws.title, [c.value for c in row])
        texts = [c.value for c in ws[1]] + [r[0].value for r in ws.iter_rows(min_row=2)]
        assert all(isinstance(v, str) for v in texts)  # headers and labels are text cells
    tables = book.worksheets[1:]
    assert all(read_back(ws["A2"].value) == label for ws in tables)  # the first row's label, as written
    summary = [read_back(c.value) for c in book["Summary"][1]]
    assert summary[1:3] == [first, second]


def read_back(text: str) -> str:
    """A cell's text as Excel shows it: the workbook escapes control characters as '_x001B_', which openpyxl leaves."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def is_inert(cell: str) -> bool:
    return not cell.startswith(FORMULA_START) or NUMBER.fullmatch(cell) is not None


csv_labels = labels.filter(lambda s: "\r" not in s)  # a deal file and a tape refuse a CR (the CSV quotes only its line end, '\n')


@settings(max_examples=40, deadline=None)
@given(first=csv_labels, second=csv_labels, label=csv_labels)
def test_every_csv_cell_is_inert_and_labels_keep_their_text(first: str, second: str, label: str) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(relabelled(ANALYSIS, [first, second], label)), newline="")))
    assert all(is_inert(cell) for row in rows for cell in row)
    written = label if is_inert(label) else "'" + label
    assert written in {row[2] for row in rows}
    groups = {row[0] for row in rows}
    assert {first if is_inert(first) else "'" + first, second if is_inert(second) else "'" + second} <= groups


def test_numbers_stay_numbers_and_a_formula_label_is_quoted(tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(relabelled(ANALYSIS, ["=HYPERLINK(\"x\")", "\tGroup 2"], "-5 to +5")))))
    assert {row[0] for row in rows} >= {"'=HYPERLINK(\"x\")", "'\tGroup 2"}
    assert "'-5 to +5" in {row[2] for row in rows}
    negative = [cell for row in rows for cell in row[3:] if cell.startswith("-")]
    assert all(NUMBER.fullmatch(cell) for cell in negative)


def test_an_apostrophe_at_a_sheet_names_31st_character_is_refused_by_nothing(tmp_path: Path) -> None:
    """Issue 16: a group label whose apostrophe fell at the 31st character broke `strats -f xlsx` after `validate` passed."""
    deal = tmp_path / "deal.yaml"
    labels = "labels: {\"1\": \"Group 1 " + "'" * 30 + "\", \"2\": History}"
    deal.write_text(PRIME.read_text().replace('labels: {"1": Group 1, "2": Group 2}', labels))
    assert labels in deal.read_text()
    (tmp_path / "loans.csv").write_bytes((PRIME.parent / "loans.csv").read_bytes())
    assert cli("validate", deal)[0] == 0
    code, output = cli("strats", deal, "-f", "xlsx", "-o", tmp_path / "s.xlsx")
    assert code == 0, output
    names = openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames
    assert excel_allows(names) and len(names) == len(ANALYSIS.tables) + 1
