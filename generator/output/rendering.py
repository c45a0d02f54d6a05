"""Rendering a deal: every document in every format, then published together into the output folder.

A folder holds one rendering: its documents and the manifest that lists them (`manifest.json`,
written last). A run that writes fewer formats than the folder holds keeps the others when the
manifest shows them made from the same inputs, options and dealdocs version, and removes them
otherwise (a file edited since it was written is kept, and reported); the files of a run that
was killed while publishing are reported and replaced or removed (see `files.unfinished`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.deal.loading import LoadedDeal
from generator.documents.registry import Document, documents_of
from generator.errors import DealdocsError, Problem, Severity
from generator.formats import DEFAULT_FORMATS, FORMATS
from generator.formats.docx import render_docx
from generator.formats.engine import import_in_background
from generator.formats.htm import render_htm
from generator.formats.pdf import render_pdf
from generator.formats.rendered import Rendered, Renderer
from generator.formats.text import render_text
from generator.templating.folders import template_dirs
from generator.templating.overrides import partial_overrides

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from generator.files import Publication

RENDERERS: dict[str, Renderer] = {"txt": render_text, "docx": render_docx, "pdf": render_pdf, "htm": render_htm}
LAID_OUT = ("pdf", "htm")
"""The formats set from WeasyPrint's layout (the printed EDGAR HTML takes its page breaks from the PDF's): one layout serves both."""


@dataclass(frozen=True)
class Published:
    """What `publish_deal` wrote, and what it found in the folder and did about it (warnings)."""

    written: list[tuple[Path, Rendered]]
    notes: list[Problem]


def render_deal(
    loaded: LoadedDeal,
    out: Path,
    tape: Path | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    templates: Path | None = None,
) -> list[tuple[Path, Rendered]]:
    """Render every document of a deal in every format into `out`, all published together with a manifest, or none.

    Nothing is written unless every output rendered, so a folder never mixes old and new
    documents (see `files.publication`); the tape is analysed once for all formats.

    Args:
        loaded: The deal, from `load_deal`.
        out: The output folder; created if missing.
        tape: A loan tape to use instead of the deal file's.
        formats: Which of `FORMATS` to write (by default txt, docx and pdf).
        templates: A folder of templates that override the built-in ones by name.

    Returns:
        Each file written with what was rendered into it, in document then format order (the
        manifest is not listed); a format whose layout is built-in while your folder overrides
        another format's carries a warning.

    Raises:
        DealdocsError: The deal, its tape or a template has problems, or a file cannot be written.
    """
    return publish_deal(loaded, out, tape, formats, templates).written


def publish_deal(
    loaded: LoadedDeal,
    out: Path,
    tape: Path | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    templates: Path | None = None,
    inputs: list[dict[str, Any]] | None = None,
    key: Ed25519PrivateKey | None = None,
    apart: bool = False,
) -> Published:
    """`render_deal`, with what it found in `out` from other runs: files of other inputs it removed or kept, an interrupted run.

    Args:
        loaded: The deal, from `load_deal`.
        out: The output folder; created if missing.
        tape: A loan tape to use instead of the deal file's.
        formats: Which of `FORMATS` to write.
        templates: A folder of templates that override the built-in ones by name.
        inputs: The manifest's inputs when the caller has hashed them already (a batch's up-to-date check).
        key: The private key that signs the manifest (`batch --key`), if any.
        apart: Set each document's PDF and EDGAR HTML in a worker process while this one renders
            its other formats, where a CPU is free for it (one `render`; a batch's workers keep to
            one process each).

    Returns:
        The files written, and warnings about the folder's other files.

    Raises:
        DealdocsError: The deal, its tape or a template has problems, or a file cannot be written.
    """
    from generator.files import publication
    from generator.output.manifest import NAME, input_entries, manifest_text, options_of

    if inputs is None:
        inputs = input_entries(out, loaded, templates, tape)  # before rendering: a file edited meanwhile shows as changed
    search_path = template_dirs(loaded, templates)
    engine = import_in_background() if any(f in LAID_OUT for f in formats) else None  # while the tape is analysed
    rendered = []
    for document in documents_of(loaded):
        context = document.context(loaded, tape)  # the tape is analysed once for all formats
        if engine is not None:
            engine.join()
        outputs = _render_formats(loaded, document, tape, search_path, context, formats, apart)
        for warning in partial_overrides(search_path, document.name, formats):  # a format your folder leaves built-in
            next(r for r in outputs if f"{r.name}.{r.extension}" == warning.file).warnings.append(warning)
        rendered += outputs
    shown = {name: data for r in rendered for name, data in r.attachments.items()}  # a logo the EDGAR HTML shows, written beside it
    rendered += [Rendered(Path(name).stem, Path(name).suffix.lstrip("."), data) for name, data in shown.items()]
    with publication(out) as published:
        paths = [published.add(f"{r.name}.{r.extension}", r.content) for r in rendered]
        options = options_of(out, list(formats), templates)
        kept, notes = _supersede(published, inputs, options)
        if kept:  # the same rendering's other formats stay, and the manifest lists them
            also = {Path(name).suffix.lstrip(".") for name in kept}
            options["formats"] = [f for f in FORMATS if f in formats or f in also]
        written = {**kept, **published.hashes}
        published.add(NAME, manifest_text(inputs, written, options, key))
    return Published(list(zip(paths, rendered, strict=True)), notes)


def _render_formats(
    loaded: LoadedDeal, document: Document, tape: Path | None, search_path: Sequence[Path], context: dict[str, Any], formats: Sequence[str], apart: bool
) -> list[Rendered]:
    """One document in each format, in the order of `formats`; with `apart`, its PDF and EDGAR HTML set in a worker process meanwhile.

    The worker starts from this process's memory (the context built, WeasyPrint imported), so
    nothing is sent to it (`processes.started`); alone, they are set here.
    """
    from generator.processes import started

    there = [f for f in formats if apart and f in LAID_OUT and not set(formats) <= set(LAID_OUT)]  # alone, no worker
    if not there:
        return [RENDERERS[fmt](loaded, document, tape, search_path, context=context) for fmt in formats]
    laid_out = started(lambda: [RENDERERS[fmt](loaded, document, tape, search_path, context=context) for fmt in there])
    try:
        here = {fmt: RENDERERS[fmt](loaded, document, tape, search_path, context=context) for fmt in formats if fmt not in there}
    except BaseException:
        laid_out.cancel()
        raise
    here.update(zip(there, laid_out(), strict=True))
    return [here[fmt] for fmt in formats]


def _supersede(published: Publication, inputs: list[dict[str, Any]], options: dict[str, Any]) -> tuple[dict[str, str], list[Problem]]:
    """Decide what becomes of the folder's files from earlier runs that this one does not write.

    An earlier rendering's outputs (its manifest's) stay when it was made from the same inputs,
    options (formats aside) and dealdocs version and the file is as written; otherwise they
    are removed with this run's commit, unless edited since (kept, and reported as stale).
    An interrupted run's files are replaced or removed (`Publication.commit`), and reported.

    Returns:
        The outputs kept (file name -> SHA-256), and warnings for the user.
    """
    from generator import __version__
    from generator.output.manifest import NAME, read_manifest

    folder = published.folder
    notes = []
    if published.found:
        states = "; ".join(f"{u.name} {u.describe()}" for u in published.found)
        message = f"a run publishing into this folder was interrupted and left it mixed ({states}); this run replaces them"
        notes.append(Problem(str(folder), None, None, None, message, Severity.WARNING))
    try:
        earlier = read_manifest(folder) if (folder / NAME).is_file() else None
    except DealdocsError:
        earlier = None  # a corrupt manifest is replaced; the files it may have listed are left alone
    if earlier is None or published.found:
        return {}, notes
    same_rendering = earlier.get("dealdocs") == __version__ and earlier["inputs"] == inputs and _but_formats(earlier.get("options")) == _but_formats(options)
    kept: dict[str, str] = {}
    for entry in earlier["outputs"]:
        name = entry["path"]
        path = folder / name
        if name in published.hashes or name == NAME or Path(name).name != name or not path.is_file():
            continue  # rewritten now, or gone; a path out of the folder is never touched
        intact = _sha256_or_none(path) == entry["sha256"]
        if same_rendering and intact:
            kept[name] = entry["sha256"]
        elif intact:
            published.remove(name)
            notes.append(Problem(str(path), None, None, None, "removed: rendered from other inputs or options than this run's", Severity.WARNING))
        else:
            message = "stale: not written by this run, and edited since an earlier run wrote it; kept (remove it, or render its format again)"
            notes.append(Problem(str(path), None, None, None, message, Severity.WARNING))
    return kept, notes


def _but_formats(options: object) -> object:
    return {k: v for k, v in options.items() if k != "formats"} if isinstance(options, dict) else options


def _sha256_or_none(path: Path) -> str | None:
    from generator.files import file_sha256

    try:
        return file_sha256(path)
    except OSError:
        return None
