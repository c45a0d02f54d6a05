"""Rendering a deal: every document in every format, then published together into the output folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.deal.loading import LoadedDeal
from generator.documents.registry import documents_of
from generator.formats import DEFAULT_FORMATS
from generator.formats.docx import render_docx
from generator.formats.htm import render_htm
from generator.formats.pdf import render_pdf
from generator.formats.rendered import Rendered, Renderer
from generator.formats.text import render_text
from generator.templating.folders import template_dirs
from generator.templating.overrides import partial_overrides

RENDERERS: dict[str, Renderer] = {"txt": render_text, "docx": render_docx, "pdf": render_pdf, "htm": render_htm}


def render_deal(
    loaded: LoadedDeal, out: Path, tape: Path | None = None, formats: Sequence[str] = DEFAULT_FORMATS, templates: Path | None = None
) -> list[tuple[Path, Rendered]]:
    """Render every document of a deal in every format into `out`, all published together or none.

    Nothing is written unless every output rendered, so a folder never mixes old and new
    documents (see `files.publish`); the tape is analysed once for all formats.

    Args:
        loaded: The deal, from `load_deal`.
        out: The output folder; created if missing.
        tape: A loan tape to use instead of the deal file's.
        formats: Which of `FORMATS` to write (by default txt, docx and pdf).
        templates: A folder of templates that override the built-in ones by name.

    Returns:
        Each file written with what was rendered into it, in document then format order; a format
        whose layout is built-in while your folder overrides another format's carries a warning.

    Raises:
        DealdocsError: The deal, its tape or a template has problems, or a file cannot be written.
    """
    from generator.files import publish

    search_path = template_dirs(loaded, templates)
    rendered = []
    for document in documents_of(loaded):
        context = document.context(loaded, tape)  # the tape is analysed once for all formats
        outputs = [RENDERERS[fmt](loaded, document, tape, search_path, context=context) for fmt in formats]
        for warning in partial_overrides(search_path, document.name, formats):  # a format your folder leaves built-in
            next(r for r in outputs if f"{r.name}.{r.extension}" == warning.file).warnings.append(warning)
        rendered += outputs
    return list(zip(publish(out, [(f"{r.name}.{r.extension}", r.content) for r in rendered]), rendered, strict=True))
