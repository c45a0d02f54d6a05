"""Audit manifests: which inputs (deal, tape, templates, dealdocs version, options) made which outputs.

The deal's own inputs (deal file, tape, the user's template folders) are recorded by their path
relative to the manifest's folder, so a folder moved together with its deal still verifies; the
built-in templates by name and hash under the dealdocs version (`"builtin": true`), never by
where this installation keeps them. Outputs are recorded by the hash of the bytes written.

A manifest is whole only if its outputs are exactly its documents in each of its formats
(`options.formats`), it lists every built-in template of its dealdocs version and some input
of the deal's own, and the folder holds nothing it does not list: a dropped entry, an emptied
list or an added file is a change `verify` reports, and the first two make `batch` render again.
Unsigned, it proves only that the files are the ones it lists (anyone who can write the folder
can rehash it); signed (`generator.signing`), that its key's holder listed them.
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
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

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


def manifest_text(inputs: list[dict[str, Any]], outputs: dict[str, str], options: dict[str, Any], key: Ed25519PrivateKey | None = None) -> str:
    """The manifest of outputs (name -> SHA-256 of the bytes written) made from `inputs` with `options`, signed with `key` if given."""
    manifest: dict[str, Any] = {
        "dealdocs": __version__,
        "options": options,
        "inputs": inputs,
        "outputs": [{"path": name, "sha256": outputs[name]} for name in sorted(outputs)],
    }
    if key is not None:
        from generator.signing import signed

        manifest = signed(manifest, key)
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
    """What no longer matches a manifest: an input or output changed or missing, a file or output it does not list, the manifest itself."""

    path: str
    what: str  # "changed", "missing", "not in the manifest", "listed twice", what is wrong with the manifest,
    # or how a run killed while publishing left it (`files.Unfinished.describe`)
    kind: str  # "input", "output", "file" (in the folder, no output) or "manifest"


def _located(folder: Path, entry: dict[str, Any], version: str) -> tuple[Path, str]:
    """Where an entry's file is now, and how to name it to the user."""
    if entry.get("builtin"):
        from generator.templating.folders import templates_dir

        return templates_dir() / entry["path"], f"built-in template {entry['path']} (dealdocs {version})"
    path = Path(os.path.normpath(_base(folder) / entry["path"]))  # an absolute path (older manifests) stays as it is
    return path, str(path)


def verify(folder: Path, key: Ed25519PublicKey | None = None) -> list[Change]:
    """Every input and output of a rendered folder whose bytes differ from its manifest's record, or that is gone or unlisted.

    What a reviewer runs before filing: the documents are what these inputs and this dealdocs
    produced. With `key`, also that the manifest is signed by it: then a manifest rehashed
    after an edit is noticed too.

    Args:
        folder: A folder written by `dealdocs batch` (it holds manifest.json).
        key: The public key the manifest must be signed with.

    Returns:
        The changes (a dealdocs version change, a missing signature included); empty when everything matches.

    Raises:
        DealdocsError: The manifest is missing, unreadable or not a dealdocs manifest.
    """
    from generator.files import unfinished

    manifest = read_manifest(folder)
    version = str(manifest.get("dealdocs"))
    changes = [Change(str(folder / u.name), u.describe(), "output") for u in unfinished(folder)]  # a run killed while publishing
    if version != __version__:
        changes.append(Change(f"dealdocs {version} (installed: {__version__})", "changed", "input"))
    for entry in manifest["inputs"]:
        path, shown = _located(folder, entry, version)
        if not path.is_file():
            changes.append(Change(shown, "missing", "input"))
        elif _sha256(path) != entry["sha256"]:
            changes.append(Change(shown, "changed", "input"))
    return changes + _folder_changes(folder, manifest, version, key)


def _folder_changes(folder: Path, manifest: dict[str, Any], version: str, key: Ed25519PublicKey | None) -> list[Change]:
    """What `verify` reports besides the inputs: the signature (with `key`), lists less than whole, outputs changed or gone."""
    changes = []
    if key is not None:
        from generator.signing import signature_problem

        if why := signature_problem(manifest, key):
            changes.append(Change(f"{folder / NAME} ({why})", "not signed by your key", "manifest"))
    changes += _listing_changes(folder, manifest, version)
    for entry in manifest["outputs"]:
        path = folder / entry["path"]
        if not path.is_file():
            changes.append(Change(str(path), "missing", "output"))
        elif _sha256(path) != entry["sha256"]:
            changes.append(Change(str(path), "changed", "output"))
    return changes


def _listing_changes(folder: Path, manifest: dict[str, Any], version: str) -> list[Change]:
    """What makes a manifest's lists less than whole (see the module's docstring), each as a change."""
    from generator.files import STAGING_PREFIX
    from generator.formats import FORMATS

    changes = []
    shown = str(folder / NAME)
    options = manifest.get("options")
    formats = options.get("formats") if isinstance(options, dict) else None
    listed = [o["path"] for o in manifest["outputs"]]
    if not (isinstance(formats, list) and formats and all(f in FORMATS for f in formats)):
        changes.append(Change(f"{shown} (options.formats)", "names no formats", "manifest"))
        formats = []
    documents = sorted({name.rsplit(".", 1)[0] for name in listed})
    if not documents:
        changes.append(Change(shown, "lists no outputs", "manifest"))
    expected = {f"{d}.{f}" for d in documents for f in formats}
    changes += [Change(str(folder / name), "not in the manifest", "output") for name in sorted(expected - set(listed))]
    changes += [Change(str(folder / name), "listed twice", "output") for name in sorted({n for n in listed if listed.count(n) > 1})]
    inputs = manifest["inputs"]
    if not any(not entry.get("builtin") for entry in inputs):
        changes.append(Change(f"{shown} (the deal file)", "lists no input of the deal's own", "manifest"))
    if version == __version__:  # every built-in template of this version is an input of every rendering
        from generator.templating.folders import templates_dir

        builtin = templates_dir()
        have = {entry["path"] for entry in inputs if entry.get("builtin")}
        for template in sorted(t.relative_to(builtin).as_posix() for t in builtin.rglob("*") if t.is_file()):
            if template not in have:
                changes.append(Change(f"built-in template {template} (dealdocs {version})", "not in the manifest", "input"))
    from generator.files import JOURNAL

    known = set(listed) | expected | {NAME, JOURNAL}  # an expected output not listed is reported once, above; the journal by `verify` itself
    base = _base(folder)
    for root, dirs, files in os.walk(base):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not (here == base and d.startswith(STAGING_PREFIX)))  # a run in progress, or killed
        for name in sorted([*files, *(d for d in dirs if (here / d).is_symlink())]):  # a linked folder is not walked, but named
            relative_name = (here / name).relative_to(base).as_posix()
            if relative_name not in known:
                changes.append(Change(str(folder / relative_name), "not in the manifest", "file"))
    return changes


def up_to_date(folder: Path, inputs: list[dict[str, Any]], options: dict[str, Any], key: Ed25519PublicKey | None = None) -> bool:
    """Whether `folder` holds what rendering `inputs` with `options` would write, and nothing else.

    Same inputs, options and version, its outputs re-hashed and whole (none dropped; see
    `verify`); with `key`, the manifest signed by it, so a manifest rehashed after an edit does
    not keep the edit. A file the manifest does not list is `verify`'s to report: rendering
    again would leave it where it is.
    """
    if not (folder / NAME).is_file():
        return False
    try:
        manifest = read_manifest(folder)
    except DealdocsError:
        return False  # rendered again, which writes a sound manifest
    if manifest.get("dealdocs") != __version__ or manifest.get("options") != options or manifest["inputs"] != inputs:
        return False
    return not [c for c in _folder_changes(folder, manifest, __version__, key) if c.kind != "file"]  # rendering again would not remove a stray file
