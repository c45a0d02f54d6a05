"""Audit manifests: which inputs (deal, tape, templates, dealdocs version, options) made which outputs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .files import write_atomic

NAME = "manifest.json"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entries(paths: list[Path]) -> list[dict[str, str]]:
    return [{"path": str(p), "sha256": sha256(p)} for p in sorted(set(paths))]


def write_manifest(folder: Path, inputs: list[Path], outputs: list[Path], options: dict[str, Any]) -> Path:
    """Written last, atomically: a folder with a manifest holds a complete rendering."""
    manifest = {
        "dealdocs": __version__,
        "options": options,
        "inputs": _entries(inputs),
        "outputs": [{"path": p.name, "sha256": sha256(p)} for p in sorted(outputs)],
    }
    return write_atomic(folder / NAME, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class Change:
    path: str
    what: str  # "changed" or "missing"
    kind: str  # "input" or "output"


def verify(folder: Path) -> list[Change]:
    """Every input and output whose bytes differ from the manifest's record, or that is gone."""
    manifest = json.loads((folder / NAME).read_text())
    changes = []
    for kind, base in (("input", None), ("output", folder)):
        for entry in manifest[f"{kind}s"]:
            path = Path(entry["path"]) if base is None else base / entry["path"]
            if not path.is_file():
                changes.append(Change(str(path), "missing", kind))
            elif sha256(path) != entry["sha256"]:
                changes.append(Change(str(path), "changed", kind))
    return changes
