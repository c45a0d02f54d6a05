"""JSON Schema of the deal file, exported from the models for editors and other tools."""

from __future__ import annotations

import json
from pathlib import Path

from generator.deal.models import Deal
from generator.files import write_atomic

SCHEMAS = {"deal.schema.json": Deal}


def schema_texts() -> dict[str, str]:
    """The deal file's JSON Schema as text, generated from the models so editors and the models never disagree.

    Returns:
        File name to JSON text (sorted keys, two-space indent, final newline): what `schemas/` holds.
    """
    return {name: json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n" for name, model in SCHEMAS.items()}


def write_schemas(folder: Path) -> list[Path]:
    """Write the deal file's JSON Schema into a folder, for editors' completion and CI checks.

    Args:
        folder: Where to write; created if missing.

    Returns:
        The files written.

    Raises:
        DealdocsError: A file cannot be written (the problem names the path).
    """
    return [write_atomic(folder / name, text) for name, text in schema_texts().items()]
