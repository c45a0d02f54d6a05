"""The summary and every table for analysts: JSON, CSV (one long table) or XLSX (a sheet per table)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.documents.labels import heading, scope_of
from generator.files import write_atomic
from generator.pool.analysis import PoolAnalysis
from generator.pool.crosstab import CrossTab
from generator.pool.exact import quantize
from generator.pool.pool_data import PoolDataLine
from generator.pool.strats import Table
from generator.pool.summary import Group, Summary


def _group_figures(prefix: str, group: Group | None) -> list[tuple[str, Any]]:
    if group is None:
        return [(f"{prefix}_count", 0)]
    return [
        (f"{prefix}_count", group.count),
        (f"{prefix}_balance", group.balance),
        (f"{prefix}_wa_note_rate", quantize(group.note_rate, 3)),
        (f"{prefix}_wa_remaining_term", quantize(group.remaining_term, 2)),
        (f"{prefix}_wa_ltv", quantize(group.effective_ltv, 1)),
        (f"{prefix}_wa_ltv_without_additional_collateral", quantize(group.ltv, 1)),
    ]


def summary_figures(s: Summary) -> list[tuple[str, Any]]:
    """The prose's figures at the precision they are printed, rounded as they are printed."""
    return [
        *_group_figures("pool", s.pool),
        ("wa_original_term", quantize(s.original_term, 2)),
        ("min_original_term_years", s.min_original_years),
        ("max_original_term_years", s.max_original_years),
        ("originated_from", s.originated_from),
        ("originated_before", s.originated_before),
        ("latest_maturity", s.latest_maturity),
        ("min_original_balance", s.min_original_balance),
        ("max_original_balance", s.max_original_balance),
        ("high_ltv_balance", quantize(s.high_ltv_balance, 0)),
        ("high_ltv_loans_without_pmi", s.high_ltv_without_pmi),
        ("ltv_cap", s.ltv_cap),
        ("max_zip_balance", quantize(s.max_zip_balance, 0)),
        ("primary_residence_share_at_least", quantize(s.primary_share, 0, "down")),
        *((f"{name}_share", quantize(share, 2)) for name, share in sorted(s.programme_share.items())),
        *_group_figures("additional_collateral", s.additional_collateral),
        *_group_figures("discount", s.discount),
        *_group_figures("premium", s.premium),
        ("discount_balance_footed", s.discount_balance),
        ("premium_balance_footed", s.premium_balance),
    ]


def _plain(value: Any) -> Any:
    """JSON keeps exact decimals as strings; dates as ISO."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


DEFAULT_COLUMNS = ("count", "balance", "percent")
"""The figure columns of a table whose spec lists none (the CMSI layout)."""


def _table_dict(t: Table | CrossTab) -> dict[str, Any]:
    """One table as plain data; a table in the CMSI layout keeps its original keys, the others add their specs."""
    extra: dict[str, Any] = {} if t.group is None else {"group": t.group, "group_key": t.group_key}
    if isinstance(t, CrossTab):
        return {
            "id": t.spec.id, "title": " ".join(heading(t.spec.title, scope_of(t))), **extra, "spec": t.spec.model_dump(mode="json", exclude_none=True),
            "row_labels": t.row_labels, "column_labels": t.column_labels, "cells": _plain(t.cells),
            "row_totals": _plain(t.row_totals), "column_totals": _plain(t.column_totals), "total": _plain(t.total),
        }  # fmt: skip
    data: dict[str, Any] = {
        "id": t.spec.id,
        "title": " ".join(heading(t.spec.title, scope_of(t))),
        **extra,
        "rows": [
            {
                "label": r.label, "count": r.count, "balance": r.balance,
                "balance_exact": _plain(Decimal(r.balance_cents).scaleb(-2)), "percent": _plain(r.percent),
                **({"figures": dict(zip(_ids(t), _plain(list(r.figures)), strict=True))} if t.spec.columns else {}),
            }
            for r in t.rows
        ],
        "total": {
            "count": t.count, "balance": t.balance, "balance_exact": _plain(Decimal(t.balance_cents).scaleb(-2)),
            **({"figures": dict(zip(_ids(t), _plain(list(t.figures)), strict=True))} if t.spec.columns else {}),
        },
    }  # fmt: skip
    if t.spec.columns:
        data["spec"] = t.spec.model_dump(mode="json", exclude_none=True)
    return data


def _ids(t: Table) -> list[str]:
    return [c.id for c in t.spec.columns] if t.spec.columns else list(DEFAULT_COLUMNS)


def as_dict(analysis: PoolAnalysis) -> dict[str, Any]:
    """The summary and tables as plain data (numbers as strings where exact), for JSON and CSV.

    Args:
        analysis: From `analyse`.

    Returns:
        `{"summary": {...}, "tables": [...]}`, each table with its rows and total (and `pool_data`, when the deal asks for it).
    """
    data: dict[str, Any] = {"summary": {k: _plain(v) for k, v in summary_figures(analysis.summary)}, "tables": [_table_dict(t) for t in analysis.tables]}
    if analysis.pool_data is not None:
        block = analysis.pool_data
        data["pool_data"] = {
            "columns": block.columns,
            "lines": [_line_dict(ln) for ln in block.lines],
        }
    return data


def _line_dict(line: PoolDataLine) -> dict[str, Any]:
    """A pool-data line as plain data; a largest_state line below the largest names its rank."""
    rank = {"rank": line.item.rank} if line.item.rank != 1 else {}
    only = {"only_groups": line.item.only_groups} if line.item.only_groups is not None else {}  # the other groups' figures are null
    return {"label": line.item.label, "kind": line.item.kind, **rank, **only, "figures": _plain(line.figures), "notes": line.notes}


def to_json(analysis: PoolAnalysis) -> str:
    """The analysis as JSON, for analysts' tools (what `dealdocs strats -f json` prints).

    Args:
        analysis: From `analyse`.

    Returns:
        The JSON text (two-space indent, final newline).
    """
    return json.dumps(as_dict(analysis), indent=2) + "\n"


def to_csv(analysis: PoolAnalysis) -> str:
    """The tables as one long CSV: `group,table,label,<column ids>`, a row per table row and total; then pool data and summary.

    The column ids are every table's, in order of first use; a table leaves the others empty.
    A cross-tab writes a row per cell, labelled 'row / column', its figure under its cell kind.
    A text cell a spreadsheet would run as a formula is written inert (`_inert`).

    Args:
        analysis: From `analyse`.

    Returns:
        The CSV text.
    """
    ids: list[str] = []
    for t in analysis.tables:
        for i in ([t.spec.cell] if isinstance(t, CrossTab) else _ids(t)):
            if i not in ids:
                ids.append(i)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def write(values: list[Any]) -> None:
        writer.writerow([_inert(v) for v in values])

    write(["group", "table", "label", *ids])

    def line(t: Table | CrossTab, label: str, figures: dict[str, Any]) -> None:
        write([t.group or "", t.spec.id, label, *(_plain(figures.get(i, "")) for i in ids)])

    for t in analysis.tables:
        if isinstance(t, CrossTab):
            for label, cells, row_total in zip(t.row_labels, t.cells, t.row_totals, strict=True):
                for column, cell in zip(t.column_labels, cells, strict=True):
                    line(t, f"{label} / {column}", {t.spec.cell: cell})
                line(t, f"{label} / Total", {t.spec.cell: row_total})
            for column, column_total in zip(t.column_labels, t.column_totals, strict=True):
                line(t, f"Total / {column}", {t.spec.cell: column_total})
            line(t, "Total", {t.spec.cell: t.total})
            continue
        for r in t.rows:
            line(t, r.label, dict(zip(_ids(t), r.figures or (r.count, r.balance, r.percent), strict=True)))
        line(t, "Total", dict(zip(_ids(t), t.figures or (t.count, t.balance, Decimal("100.00")), strict=True)))
    if analysis.pool_data is not None:
        block = analysis.pool_data
        for ln in analysis.pool_data.lines:
            for column, figure in zip(block.columns, ln.figures, strict=True):
                write([column, "pool_data", ln.item.label, *([_plain(figure)] + [""] * (len(ids) - 1))])
    for key, value in summary_figures(analysis.summary):
        write(["", "summary", key, *([_plain(value)] + [""] * (len(ids) - 1))])
    return buffer.getvalue()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet opening a CSV takes a cell to be a formula by (OWASP's list for CSV injection)."""
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _inert(value: Any) -> Any:
    """A CSV cell no spreadsheet runs: text starting as a formula does gets a leading "'", as OWASP advises; numbers ('-5') stay numbers.

    Labels come from the deal file, and a CSV opened in a spreadsheet would run
    '=HYPERLINK(...)' or '@SUM(...)' in one.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


_SUMMARY_LABELS = {
    "count": "Number of Mortgage Loans", "balance": "Aggregate Principal Balance ($)",
    "wa_note_rate": "Weighted Average Mortgage Rate (%)", "wa_remaining_term": "Weighted Average Remaining Term (months)",
    "wa_ltv": "Weighted Average LTV (%)", "wa_ltv_without_additional_collateral": "Weighted Average LTV without Additional Collateral (%)",
    "wa_original_term": "Weighted Average Original Term (months)", "min_original_term_years": "Minimum Original Term (years)",
    "max_original_term_years": "Maximum Original Term (years)", "originated_from": "Originated On or After",
    "originated_before": "Originated Before", "latest_maturity": "Latest Maturity", "min_original_balance": "Minimum Original Balance ($)",
    "max_original_balance": "Maximum Original Balance ($)", "high_ltv_balance": "Balance above the High-LTV Threshold ($)",
    "high_ltv_loans_without_pmi": "High-LTV Loans without Primary Mortgage Insurance", "ltv_cap": "No LTV Above (%)",
    "max_zip_balance": "Largest Balance in One ZIP Code ($)", "primary_residence_share_at_least": "Primary Residences at Least (%)",
    "discount_balance_footed": "Discount Loans: Aggregate Principal Balance, Footed ($)",
    "premium_balance_footed": "Premium Loans: Aggregate Principal Balance, Footed ($)",
}  # fmt: skip
_SUMMARY_GROUPS = {"pool": "", "additional_collateral": "Additional Collateral Loans: ", "discount": "Discount Loans: ", "premium": "Premium Loans: "}


def summary_label(key: str) -> str:
    """The human label of a `summary_figures` key, for the workbook's Summary sheet (analysts do not read snake case)."""
    if key in _SUMMARY_LABELS:
        return _SUMMARY_LABELS[key]
    for prefix, words in sorted(_SUMMARY_GROUPS.items(), key=lambda kv: -len(kv[0])):
        if key.startswith(prefix + "_") and key[len(prefix) + 1 :] in _SUMMARY_LABELS:
            return words + _SUMMARY_LABELS[key[len(prefix) + 1 :]]
    if key.endswith("_share"):
        return f"{key[: -len('_share')].replace('_', ' ').title()} Programme (%)"
    return key.replace("_", " ").capitalize()


def _number_format(kind: str, places: int) -> str:
    """Excel's number format of a figure column: whole dollars and counts with separators, percents as percents."""
    decimals = "." + "0" * places if places else ""
    if kind in ("percent", "share", "largest_state"):
        return f"0{decimals}%"
    if kind in ("count", "balance", "average_balance"):
        return f"#,##0{decimals}"
    return f"0{decimals}"


EXCEL_DIGITS = 15
"""Significant digits Excel keeps of a number (a double shows them exactly); a figure with more is written as text."""


def _cell(value: Any, kind: str) -> float | int | str | None:
    """A figure as the number Excel stores (percents scaled to fractions): exact, as it has at most EXCEL_DIGITS digits, else its text."""
    if value is None or isinstance(value, str):
        return value
    if len(Decimal(value).normalize().as_tuple().digits) > EXCEL_DIGITS:  # past a double's exact decimals: a balance of 10**15 dollars
        return str(value)
    if isinstance(value, Decimal):
        return float(value.scaleb(-2) if kind in ("percent", "share", "largest_state") else value)
    return int(value)


def _write(ws: Any, row: int, column: int, cell: float | int | str | None, number_format: Any) -> None:
    """A `_cell` that is not blank: a number in its format, or the text of a figure too long for one."""
    if isinstance(cell, str):
        ws.write_string(row, column, cell, number_format)
    else:
        ws.write_number(row, column, cell, number_format)


class _Book:
    """An xlsxwriter workbook with its formats cached and its sheet names unique within Excel's 31 characters."""

    def __init__(self, buffer: io.BytesIO, created: dt.date) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        self.book.set_properties({"created": dt.datetime.combine(created, dt.time())})
        self._formats: dict[tuple[str, bool], Any] = {}
        self._names: set[str] = {"history"}  # Excel keeps 'History' for itself

    def format(self, number: str = "", bold: bool = False) -> Any:
        if (number, bold) not in self._formats:
            self._formats[number, bold] = self.book.add_format({**({"num_format": number} if number else {}), **({"bold": True} if bold else {})})
        return self._formats[number, bold]

    def header(self, ws: Any, texts: Sequence[str]) -> None:
        """A sheet's bold header row, each cell text: a label beginning '=' is never a formula (`write_row` would make it one)."""
        for j, text in enumerate(texts):
            ws.write_string(0, j, text, self.format(bold=True))

    def sheet(self, name: str) -> Any:
        r"""A new sheet named `name` as Excel allows, whatever it holds: a deal file's labels may hold any character.

        Excel's rules: at most 31 characters (counted in UTF-16, as Excel counts), none of
        []:*?/\, not beginning or ending with an apostrophe, not 'History', unique ignoring
        case. Forbidden characters and those XML cannot carry become '_'; a name taken
        already gets '~2', '~3'... within the 31.
        """

        def fitted(room: int) -> str:
            kept, used = [], 0
            for ch in clean.lstrip("'"):
                used += len(ch.encode("utf-16-le")) // 2
                if used > room:
                    break
                kept.append(ch)
            return "".join(kept).rstrip("'") or "Sheet"[:room]

        def taken(candidate: str) -> bool:
            return bool({candidate.lower(), candidate.casefold()} & self._names)

        clean = "".join("_" if ch in "[]:*?/\\" or unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff" else ch for ch in name)
        unique, n = fitted(31), 1
        while taken(unique):
            n += 1
            unique = fitted(31 - len(f"~{n}")) + f"~{n}"
        self._names |= {unique.lower(), unique.casefold()}
        return self.book.add_worksheet(unique)


def _grid(book: _Book, name: str, header: list[str], rows: Sequence[tuple[str, Sequence[Any]]], kinds: Sequence[tuple[str, int]]) -> None:
    """One sheet: a frozen header row and label column, a row per label with a figure per column, widths fitted."""
    ws = book.sheet(name)
    book.header(ws, header)
    for i, (label, figures) in enumerate(rows, 1):
        last = i == len(rows)
        ws.write_string(i, 0, label, book.format(bold=last))
        for j, (value, (kind, places)) in enumerate(zip(figures, kinds, strict=True), 1):
            cell = _cell(value, kind)
            if cell is None:
                ws.write_blank(i, j, None, book.format(_number_format(kind, places), last))
            elif isinstance(cell, str):
                ws.write_string(i, j, cell, book.format(bold=last))
            else:
                ws.write_number(i, j, cell, book.format(_number_format(kind, places), last))
    ws.freeze_panes(1, 1)
    ws.autofit()


def _sheet_name(t: Table | CrossTab) -> str:
    return t.spec.id if t.group is None else f"{t.spec.id} ({t.group})"


def _table_sheet(book: _Book, t: Table) -> None:
    from generator.pool.columns import places

    rows: list[tuple[str, list[Any]]]
    if t.spec.columns:
        header = [" ".join(heading(c.header, scope_of(t))) for c in t.spec.columns]
        kinds = [(c.kind, places(c)) for c in t.spec.columns]
        rows = [(r.label, list(r.figures)) for r in t.rows] + [("Total", list(t.figures))]
    else:
        header = ["Number of Loans", "Aggregate Principal Balance", "Percent"]
        kinds = [("count", 0), ("balance", 0), ("percent", 2)]
        rows = [(r.label, [r.count, r.balance, r.percent]) for r in t.rows] + [("Total", [t.count, t.balance, Decimal("100.00")])]
    _grid(book, _sheet_name(t), [" ".join(heading(t.spec.header, scope_of(t))), *header], rows, kinds)


def _crosstab_sheet(book: _Book, t: CrossTab) -> None:
    assert t.across is not None
    scope = scope_of(t)
    corner = f"{' '.join(heading(t.spec.header, scope))} / {' '.join(heading(t.across.header, scope))}"
    rows = [(label, [*cells, total]) for label, cells, total in zip(t.row_labels, t.cells, t.row_totals, strict=True)]
    rows.append(("Total", [*t.column_totals, t.total]))
    kinds = [(t.spec.cell, 2 if t.spec.cell == "percent" else 0)] * (len(t.column_labels) + 1)
    _grid(book, _sheet_name(t), [corner, *t.column_labels, "Total"], rows, kinds)


def _summary_sheet(book: _Book, analysis: PoolAnalysis) -> None:
    """The pool-data block (a column per group and the total) when the deal has one, else the CMSI prose's figures."""
    block = analysis.pool_data
    if block is None:
        figures = summary_figures(analysis.summary)
        rows = [(summary_label(key), [value]) for key, value in figures]
        kinds = [(_summary_kind(key, value), _places(value)) for key, value in figures]
        ws = book.sheet("Summary")
        book.header(ws, ["Summary", "Value"])
        for i, ((label, (value,)), (kind, places)) in enumerate(zip(rows, kinds, strict=True), 1):
            ws.write_string(i, 0, label)
            if isinstance(value, dt.date):
                ws.write_datetime(i, 1, dt.datetime.combine(value, dt.time()), book.format("yyyy-mm-dd"))
            else:
                _write(ws, i, 1, _cell(value, kind), book.format(_number_format(kind, places)))
        ws.freeze_panes(1, 1)
        ws.autofit()
        return
    from generator.pool.columns import places as column_places
    from generator.pool.pool_data import _column, state_heading

    columns = [c or "Total" for c in block.columns]
    ws = book.sheet("Summary")
    book.header(ws, ["Pool Data", *columns])
    i = 0
    for n, line in enumerate(block.lines):
        i += 1
        kind = line.item.kind
        number = _number_format(kind, 2 if kind == "largest_state" and line.item.decimals is None else column_places(_column(line.item, n)))
        ws.write_string(i, 0, line.item.label)
        for j, figure in enumerate(line.figures, 1):
            value = _cell(figure, kind)
            if value is None:
                ws.write_blank(i, j, None, book.format(number))
            else:
                _write(ws, i, j, value, book.format(number))
        if kind == "largest_state":
            i += 1
            ws.write_string(i, 0, state_heading(line.item.rank))
            for j, note in enumerate(line.notes, 1):
                ws.write_string(i, j, note or "")
    ws.freeze_panes(1, 1)
    ws.autofit()


def _summary_kind(key: str, value: Any) -> str:
    """How a CMSI summary figure is formatted: shares as percents, dollars and counts with separators."""
    if "share" in key:
        return "share"
    return "balance" if "balance" in key or isinstance(value, int) else "value"


def _places(value: Any) -> int:
    return max(0, -int(value.as_tuple().exponent)) if isinstance(value, Decimal) else 0


def write_xlsx(analysis: PoolAnalysis, path: Path, created: dt.date) -> Path:
    """A workbook for analysts who work in Excel: a Summary sheet, then a sheet per table (per group), figures as numbers.

    Every figure is the number the CSV prints (percents as fractions in percent formats), with
    its number format; header rows and label columns are frozen, widths fitted.

    Args:
        analysis: From `analyse`.
        path: The workbook to write.
        created: The date stamped in its properties, so that the same inputs give the same bytes.

    Returns:
        `path`.

    Raises:
        DealdocsError: The file cannot be written (the problem names the path).
    """
    buffer = io.BytesIO()
    book = _Book(buffer, created)
    _summary_sheet(book, analysis)
    for table in analysis.tables:
        if isinstance(table, CrossTab):
            _crosstab_sheet(book, table)
        else:
            _table_sheet(book, table)
    book.book.close()
    return write_atomic(path, buffer.getvalue())
