"""The summary and every table for analysts: JSON, CSV (one long table) or XLSX (a sheet per table)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.output.files import write_atomic
from generator.pool.analysis import PoolAnalysis
from generator.pool.crosstab import CrossTab
from generator.pool.exact import quantize
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
            "id": t.spec.id, "title": " ".join(t.spec.title), **extra, "spec": t.spec.model_dump(mode="json", exclude_none=True),
            "row_labels": t.row_labels, "column_labels": t.column_labels, "cells": _plain(t.cells),
            "row_totals": _plain(t.row_totals), "column_totals": _plain(t.column_totals), "total": _plain(t.total),
        }  # fmt: skip
    data: dict[str, Any] = {
        "id": t.spec.id,
        "title": " ".join(t.spec.title),
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
            "lines": [{"label": ln.item.label, "kind": ln.item.kind, "figures": _plain(ln.figures), "notes": ln.notes} for ln in block.lines],
        }
    return data


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
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["group", "table", "label", *ids])

    def line(t: Table | CrossTab, label: str, figures: dict[str, Any]) -> None:
        out.writerow([t.group or "", t.spec.id, label, *(_plain(figures.get(i, "")) for i in ids)])

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
                out.writerow([column, "pool_data", ln.item.label, *([_plain(figure)] + [""] * (len(ids) - 1))])
    for key, value in summary_figures(analysis.summary):
        out.writerow(["", "summary", key, *([_plain(value)] + [""] * (len(ids) - 1))])
    return buffer.getvalue()


def write_xlsx(analysis: PoolAnalysis, path: Path, created: dt.date) -> Path:
    """A workbook with a Summary sheet and one sheet per table, for analysts who work in Excel.

    Args:
        analysis: From `analyse`.
        path: The workbook to write.
        created: The date stamped in its properties, so that the same inputs give the same bytes.

    Returns:
        `path`.

    Raises:
        DealdocsError: The file cannot be written (the problem names the path).
    """
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": dt.datetime.combine(created, dt.time())})
    bold, money, pct = book.add_format({"bold": True}), book.add_format({"num_format": "#,##0"}), book.add_format({"num_format": "0.00"})
    sheet = book.add_worksheet("Summary")
    sheet.write_row(0, 0, ["figure", "value"], bold)
    for i, (key, value) in enumerate(summary_figures(analysis.summary), 1):
        sheet.write(i, 0, key)
        sheet.write(i, 1, float(value) if isinstance(value, Decimal) else _plain(value))
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 18)
    for table in analysis.tables:
        if isinstance(table, CrossTab) or table.spec.columns:  # not yet laid out in the workbook
            continue
        ws = book.add_worksheet(table.spec.id[:31])
        ws.write_row(0, 0, [" ".join(table.spec.header), "Number of Loans", "Aggregate Principal Balance", "Percent"], bold)
        for i, row in enumerate(table.rows, 1):
            ws.write(i, 0, row.label)
            ws.write_number(i, 1, row.count)
            ws.write_number(i, 2, row.balance, money)
            ws.write_number(i, 3, float(row.percent), pct)
        last = len(table.rows) + 1
        ws.write(last, 0, "Total", bold)
        ws.write_number(last, 1, table.count, bold)
        ws.write_number(last, 2, table.balance, money)
        ws.write_number(last, 3, 100, pct)
        ws.set_column(0, 0, 46)
        ws.set_column(1, 3, 24)
    book.close()
    return write_atomic(path, buffer.getvalue())
