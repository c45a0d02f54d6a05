"""JSON Schema of the deal file, exported from the models for editors and other tools."""

from __future__ import annotations

import json
from pathlib import Path

from generator.output.files import write_atomic
from generator.deal.models import Deal

SCHEMAS = {"deal.schema.json": Deal}


def schema_texts() -> dict[str, str]:
    return {name: json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n" for name, model in SCHEMAS.items()}


def write_schemas(folder: Path) -> list[Path]:
    return [write_atomic(folder / name, text) for name, text in schema_texts().items()]
