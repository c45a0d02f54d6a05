"""What a new tape changed, for scripts and spreadsheets: JSON, CSV (one long table) or XLSX (a sheet of loans, a sheet of figures).

The writers and their safety rules are the `strats` export's (`output.export`): CSV text cells
a spreadsheet would run are made inert, workbook cells are written as text, stamped with the
deal's date so that the same tapes give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from generator.files import write_atomic
from generator.output.export import _Book, _inert
from generator.output.figure_diff import FigureChange, Moved, TapeComparison

FIGURE_KEYS = ("document", "part", "table", "group", "row", "column")
CSV_HEADER = ("section", "status", "loan_number", "field", *FIGURE_KEYS, "old", "new", "added", "dropped", "changed")


def _moved(loans: Moved) -> dict[str, Any]:
    """A figure's loans: every number for a row or cell; for a total or summary figure (every moved loan of its group), their counts."""
    if loans.whole:
        return {"every_moved_loan_of_its_group": True, "added": len(loans.added), "dropped": len(loans.dropped), "changed": len(loans.changed)}
    return {"added": list(loans.added), "dropped": list(loans.dropped), "changed": list(loans.changed)}


def as_dict(comparison: TapeComparison) -> dict[str, Any]:
    """The comparison as plain data: `loans` (added, dropped, changed with their fields), `loan_sets` and `figures`.

    Each figure's `loans` is an index into `loan_sets`: the cells of a row (and every total of
    a group) share one set, so that a million-loan comparison does not repeat it per column.
    """
    changed: list[dict[str, Any]] = []
    for loan, field, old, new in comparison.loans.changed.iter_rows():
        if not changed or changed[-1]["loan_number"] != loan:
            changed.append({"loan_number": loan, "fields": []})
        changed[-1]["fields"].append({"field": field, "old": old, "new": new})
    sets: dict[int, int] = {}  # a `Moved` is shared by the figures over the same loans: listed once
    listed: list[dict[str, Any]] = []
    figures = []
    for f in comparison.figures:
        if id(f.loans) not in sets:
            sets[id(f.loans)] = len(listed)
            listed.append(_moved(f.loans))
        figures.append({**{k: getattr(f, k) for k in FIGURE_KEYS}, "old": f.old, "new": f.new, "loans": sets[id(f.loans)]})
    return {
        "loans": {"added": comparison.loans.added.to_list(), "dropped": comparison.loans.dropped.to_list(), "changed": changed},
        "loan_sets": listed,
        "figures": figures,
    }


def to_json(comparison: TapeComparison) -> str:
    """The comparison as JSON (two-space indent, final newline): what `dealdocs compare-tapes -f json` prints."""
    return json.dumps(as_dict(comparison), indent=2) + "\n"


def _rows(comparison: TapeComparison) -> list[list[Any]]:
    """Every line of the long table: a loan added or dropped, a changed field of a loan, a moved figure with its loans' counts."""
    blank = [""] * len(FIGURE_KEYS)
    rows: list[list[Any]] = [
        ["loan", status, loan, "", *blank, "", "", "", "", ""] for status in ("added", "dropped") for loan in getattr(comparison.loans, status)
    ]
    rows += [["loan", "changed", loan, field, *blank, old, new, "", "", ""] for loan, field, old, new in comparison.loans.changed.iter_rows()]
    rows += [
        ["figure", "", "", "", *_figure_keys(f), f.old or "", f.new or "", len(f.loans.added), len(f.loans.dropped), len(f.loans.changed)]
        for f in comparison.figures
    ]
    return rows


def _figure_keys(change: FigureChange) -> list[str]:
    return [getattr(change, k) for k in FIGURE_KEYS]


def to_csv(comparison: TapeComparison) -> str:
    """The comparison as one long CSV (`CSV_HEADER`): loans, then moved figures with how many added, dropped and changed loans moved each.

    A text cell a spreadsheet would run as a formula is written inert, as the `strats` CSV does.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in [list(CSV_HEADER), *_rows(comparison)]:
        writer.writerow([_inert(v) for v in row])
    return buffer.getvalue()


def write_xlsx(comparison: TapeComparison, path: Path, created: dt.date) -> Path:
    """A workbook: a Loans sheet (added, dropped, each changed field) and a Figures sheet (each moved figure, old -> new, its loans' counts).

    Every cell is text, as the tape and the documents print it; `created` is the date stamped in
    its properties, so that the same tapes give the same bytes.
    """
    buffer = io.BytesIO()
    book = _Book(buffer, created)
    rows = _rows(comparison)
    sheets = (
        ("Loans", ["status", "loan_number", "field", "old", "new"], [[r[1], r[2], r[3], r[10], r[11]] for r in rows if r[0] == "loan"]),
        ("Figures", [*FIGURE_KEYS, "old", "new", "added", "dropped", "changed"], [r[4:] for r in rows if r[0] == "figure"]),
    )
    for name, header, lines in sheets:
        ws = book.sheet(name)
        book.header(ws, header)
        for i, line in enumerate(lines, 1):
            for j, value in enumerate(line):
                if isinstance(value, int):
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, value)
        ws.freeze_panes(1, 0)
        ws.autofit()
    book.book.close()
    return write_atomic(path, buffer.getvalue())
