"""The strats workbook: numbers stored as numbers in their formats, frozen headers, and every figure the CSV's."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from generator.cli import app

from .helpers import runner

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parent.parent
DEALS = [ROOT / "examples" / "cmsi-2003-1" / "deal.yaml", ROOT / "examples" / "prime-jumbo-2024-1" / "deal.yaml"]
PERCENT_FORMATS = {"0.00%"}


def _strats(deal: Path, fmt: str, out: Path) -> Path:
    result = runner.invoke(app, ["strats", str(deal), "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _same(cell: Any, text: str) -> None:
    """The cell holds the CSV's figure: a number in a number format (a percent scaled to a fraction), or blank."""
    if text == "":
        assert cell.value is None
        return
    assert cell.data_type == "n" and isinstance(cell.value, int | float), (cell.coordinate, cell.value)
    value = Decimal(repr(cell.value))
    if cell.number_format.endswith("%"):
        assert cell.number_format in PERCENT_FORMATS
        value = value.scaleb(2)
    assert cell.number_format != "General"
    assert value == Decimal(text), (cell.parent.title, cell.coordinate, cell.value, text)


@pytest.mark.parametrize("deal", DEALS, ids=lambda d: d.parent.name)
def test_every_figure_is_the_csvs(deal: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_strats(deal, "xlsx", tmp_path / "s.xlsx"))
    lines = list(csv.DictReader(io.StringIO(_strats(deal, "csv", tmp_path / "s.csv").read_text())))
    tables = json.loads(_strats(deal, "json", tmp_path / "s.json").read_text())["tables"]
    names = book.sheetnames
    assert names[0] == "Summary" and len(names) == len(tables) + 1
    assert len({n.lower() for n in names}) == len(names) and all(len(n) <= 31 for n in names)
    for name, table in zip(names[1:], tables, strict=True):
        ws = book[name]
        assert ws.freeze_panes == "B2"
        assert all(c.font.b for c in ws[1])
        group = table.get("group") or ""
        mine = [ln for ln in lines if ln["table"] == table["id"] and ln["group"] == group]
        if "cells" in table:  # a cross-tab: a row per row label, a column per column label, totals last
            by_label = {ln["label"]: ln[table["spec"]["cell"]] for ln in mine}
            across = [c.value for c in ws[1][1:]]
            assert across == [*table["column_labels"], "Total"]
            for row in ws.iter_rows(min_row=2):
                for column, cell in zip(across, row[1:], strict=True):
                    key = row[0].value if column == "Total" and row[0].value == "Total" else f"{row[0].value} / {column}"
                    _same(cell, by_label[key])
            assert ws.max_row == len(table["row_labels"]) + 2
            continue
        ids = [c["id"] for c in table["spec"]["columns"]] if "spec" in table else ["count", "balance", "percent"]
        assert ws.max_row - 1 == len(mine) == len(table["rows"]) + 1
        for row, line in zip(ws.iter_rows(min_row=2), mine, strict=True):
            assert row[0].value == line["label"]
            for cell, column in zip(row[1:], ids, strict=True):
                _same(cell, line[column])
        assert ws.column_dimensions["A"].width > 10  # fitted to the labels


def test_summary_sheet_has_the_pool_data_block(tmp_path: Path) -> None:
    deal = DEALS[1]
    book = openpyxl.load_workbook(_strats(deal, "xlsx", tmp_path / "s.xlsx"))
    lines = [ln for ln in csv.DictReader(io.StringIO(_strats(deal, "csv", tmp_path / "s.csv").read_text())) if ln["table"] == "pool_data"]
    ws = book["Summary"]
    columns = [c.value for c in ws[1][1:]]
    assert columns == ["Group 1", "Group 2", "Total Pool"] and ws.freeze_panes == "B2"
    figures = {(ln["group"], ln["label"]): ln["count"] for ln in lines}
    seen = 0
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Largest State":
            assert all(isinstance(c.value, str) and len(c.value) == 2 for c in row[1:])
            continue
        for column, cell in zip(columns, row[1:], strict=True):
            _same(cell, figures[column, row[0].value])
            seen += 1
    assert seen == len(lines)
    assert ws["B3"].number_format == "#,##0" and ws["A3"].value == "Aggregate Current Principal Balance"


def test_cmsi_summary_sheet_has_human_labels_and_the_same_bytes_twice(tmp_path: Path) -> None:
    deal = DEALS[0]
    out = _strats(deal, "xlsx", tmp_path / "a.xlsx")
    assert _strats(deal, "xlsx", tmp_path / "b.xlsx").read_bytes() == out.read_bytes()
    ws = openpyxl.load_workbook(out)["Summary"]
    labels = [r[0].value for r in ws.iter_rows(min_row=2)]
    assert "Number of Mortgage Loans" in labels and "Weighted Average Mortgage Rate (%)" in labels
    assert all("_" not in label for label in labels)
    balance = ws[f"B{labels.index('Aggregate Principal Balance ($)') + 2}"]
    assert balance.value == 405860262.91 and balance.number_format == "#,##0.00"  # the prose's exact balance
