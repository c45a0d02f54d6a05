"""What a comparison tells the user: per document the words inserted and deleted and the changed paragraphs by number, as tables or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from generator.compare.comparison import Comparison, DocumentComparison
from generator.compare.diff import Change, Kind, Mark

if TYPE_CHECKING:
    from rich.console import Console


def as_dict(comparison: Comparison) -> dict[str, Any]:
    """The comparison as plain data: for scripts (`--format json`)."""
    return {
        "old": comparison.old,
        "new": comparison.new,
        "changed": comparison.changed,
        "documents": [_document(d) for d in comparison.documents],
        "only_in_old": comparison.only_old,
        "only_in_new": comparison.only_new,
        "notes": comparison.notes,
    }


def _document(document: DocumentComparison) -> dict[str, Any]:
    return {
        "name": document.name,
        "compared": document.model,
        "inserted_words": document.inserted,
        "deleted_words": document.deleted,
        "changes": [
            {"kind": c.kind.value, "old": c.old, "new": c.new, "inserted_words": c.inserted, "deleted_words": c.deleted, "text": _excerpt(c)}
            for c in document.changes
        ],
        "files": sorted(document.outputs),
    }


def to_json(comparison: Comparison) -> str:
    """The comparison as JSON text, keys in a fixed order."""
    return json.dumps(as_dict(comparison), indent=2, ensure_ascii=False) + "\n"


def _excerpt(change: Change, width: int = 60) -> str:
    """The block's text as it now reads (a deleted block: as it read), shortened."""
    text = " ".join("".join(t for mark, t in pieces if (mark is Mark.DELETED) == (change.kind is Kind.DELETED)) for pieces in change.pieces)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def print_tables(comparison: Comparison, console: Console) -> None:
    """Per document a table of its changed paragraphs and rows (numbered in each draft), headed by its word counts."""
    from rich.markup import escape
    from rich.table import Table

    if not comparison.changed:
        console.print(f"{escape(comparison.old)} and {escape(comparison.new)}: no differences")
    for document in comparison.documents:
        if not document.changes:
            console.print(f"{escape(document.name)}: no changes")
            continue
        counts = f"{document.inserted} words inserted, {document.deleted} deleted, {len(document.changes)} paragraphs and rows changed"
        title = f"{document.name} ({document.model}): {counts}"
        table = Table(title=escape(title), title_justify="left")
        for heading, justify in (("old", "right"), ("new", "right"), ("change", "left"), ("+words", "right"), ("-words", "right"), ("text", "left")):
            table.add_column(heading, justify=justify)  # type: ignore[arg-type]
        for change in document.changes:
            table.add_row(_number(change.old), _number(change.new), change.kind.value, str(change.inserted), str(change.deleted), escape(_excerpt(change)))
        console.print(table)
    for name in comparison.only_old:
        console.print(f"{escape(name)}: in the old draft only")
    for name in comparison.only_new:
        console.print(f"{escape(name)}: in the new draft only")


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
