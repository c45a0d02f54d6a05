"""Audit manifests: which inputs (deal, tape, templates, dealdocs version, options) made which outputs.

The deal's own inputs (deal file, tape, the user's template folders) are recorded by their path
relative to the manifest's folder, so a folder moved together with its deal still verifies; the
built-in templates by name and hash under the dealdocs version (`"builtin": true`), never by
where this installation keeps them. Outputs are recorded by the hash of the bytes written.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import __version__
from generator.errors import DealdocsError, ManifestError, Problem

if TYPE_CHECKING:
    from generator.deal.loading import LoadedDeal

NAME = "manifest.json"


def _sha256(path: Path) -> str:
    """The hex SHA-256 of a file, read in blocks so a large tape is never held in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _base(folder: Path) -> Path:
    return Path(os.path.abspath(folder)).resolve()


def relative(folder: Path, path: Path) -> str:
    """`path` as the manifest in `folder` records it: relative to that folder, with forward slashes."""
    return Path(os.path.relpath(path.resolve(), _base(folder))).as_posix()


def input_entries(folder: Path, loaded: LoadedDeal, templates: Path | None, tape: Path | None = None) -> list[dict[str, Any]]:
    """Every input of a deal's rendering (`tape`: render's --tape), hashed now (before rendering: a file edited meanwhile shows as changed)."""
    from generator.pool.analysis import tape_path
    from generator.templating.folders import template_dirs, templates_dir

    own = [loaded.path, *(t for d in template_dirs(loaded, templates) for t in d.rglob("*") if t.is_file())]
    if loaded.deal.term_sheet:
        own.append(tape_path(loaded, tape))
    builtin = templates_dir()
    entries: list[dict[str, Any]] = [{"path": relative(folder, p), "sha256": _sha256(p)} for p in set(own) if p.is_file()]  # a missing one: rendering says so
    entries += [{"builtin": True, "path": t.relative_to(builtin).as_posix(), "sha256": _sha256(t)} for t in builtin.rglob("*") if t.is_file()]
    return sorted(entries, key=lambda e: (bool(e.get("builtin")), e["path"]))


def options_of(folder: Path, formats: list[str], templates: Path | None) -> dict[str, Any]:
    """The options a manifest records: a rendering with other options is not up to date."""
    return {"formats": list(formats), "templates": relative(folder, templates) if templates else None}


def manifest_text(inputs: list[dict[str, Any]], outputs: dict[str, str], options: dict[str, Any]) -> str:
    """The manifest of outputs (name -> SHA-256 of the bytes written) made from `inputs` with `options`."""
    manifest = {
        "dealdocs": __version__,
        "options": options,
        "inputs": inputs,
        "outputs": [{"path": name, "sha256": outputs[name]} for name in sorted(outputs)],
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest in `folder`; an unreadable or corrupt one is a problem to report, not a crash."""
    path = folder / NAME

    def corrupt(reason: str, line: int | None = None) -> ManifestError:
        advice = "render the deal again (dealdocs batch) to write a new manifest"
        return ManifestError([Problem(str(path), line, None, None, f"{reason}; {advice}")])

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise corrupt("not a dealdocs manifest: not UTF-8 text") from None
    except OSError as exc:
        raise ManifestError([Problem(str(path), None, None, None, f"cannot read the manifest: {exc.strerror or exc}")]) from None
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise corrupt(f"corrupt manifest: {exc.msg} at column {exc.colno}", exc.lineno) from None
    if not isinstance(manifest, dict):
        raise corrupt("not a dealdocs manifest: not a JSON object")
    for kind in ("inputs", "outputs"):
        entries = manifest.get(kind)
        if not isinstance(entries, list):
            raise corrupt(f"not a dealdocs manifest: no list of {kind}")
        for entry in entries:
            if not (isinstance(entry, dict) and isinstance(entry.get("path"), str) and isinstance(entry.get("sha256"), str)):
                raise corrupt(f"not a dealdocs manifest: an entry of {kind} without a path and a sha256 ({json.dumps(entry)[:80]})")
    return manifest


@dataclass(frozen=True)
class Change:
    """An input or output whose file no longer matches its manifest: changed or missing."""

    path: str
    what: str  # "changed" or "missing", or how a run killed while publishing left it (`files.Unfinished.describe`)
    kind: str  # "input" or "output"


def _located(folder: Path, entry: dict[str, Any], version: str) -> tuple[Path, str]:
    """Where an entry's file is now, and how to name it to the user."""
    if entry.get("builtin"):
        from generator.templating.folders import templates_dir

        return templates_dir() / entry["path"], f"built-in template {entry['path']} (dealdocs {version})"
    path = Path(os.path.normpath(_base(folder) / entry["path"]))  # an absolute path (older manifests) stays as it is
    return path, str(path)


def verify(folder: Path) -> list[Change]:
    """Every input and output of a rendered folder whose bytes differ from its manifest's record, or that is gone.

    What a reviewer runs before filing: the documents are what these inputs and this dealdocs produced.

    Args:
        folder: A folder written by `dealdocs batch` (it holds manifest.json).

    Returns:
        The changes (a dealdocs version change included); empty when everything matches.

    Raises:
        DealdocsError: The manifest is missing, unreadable or not a dealdocs manifest.
    """
    from generator.files import unfinished

    manifest = read_manifest(folder)
    version = str(manifest.get("dealdocs"))
    changes = [Change(str(folder / u.name), u.describe(), "output") for u in unfinished(folder)]  # a run killed while publishing
    if version != __version__:
        changes.append(Change(f"dealdocs {version} (installed: {__version__})", "changed", "input"))
    for kind in ("input", "output"):
        for entry in manifest[f"{kind}s"]:
            path, shown = _located(folder, entry, version) if kind == "input" else (folder / entry["path"], str(folder / entry["path"]))
            if not path.is_file():
                changes.append(Change(shown, "missing", kind))
            elif _sha256(path) != entry["sha256"]:
                changes.append(Change(shown, "changed", kind))
    return changes


def up_to_date(folder: Path, inputs: list[dict[str, Any]], options: dict[str, Any]) -> bool:
    """Whether `folder` holds what rendering `inputs` with `options` would write: same inputs, options and version, outputs intact."""
    if not (folder / NAME).is_file():
        return False
    try:
        manifest = read_manifest(folder)
    except DealdocsError:
        return False  # rendered again, which writes a sound manifest
    if manifest.get("dealdocs") != __version__ or manifest.get("options") != options or manifest["inputs"] != inputs:
        return False
    return all((folder / o["path"]).is_file() and _sha256(folder / o["path"]) == o["sha256"] for o in manifest["outputs"])
