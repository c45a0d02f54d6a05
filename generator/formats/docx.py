"""Word documents through docxtpl: the `.docx` templates, autoescaped, reproducible bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator.deal.loading import LoadedDeal
from generator.documents.grids import FILTERS as GRID_FILTERS
from generator.documents.registry import Document
from generator.formats.rendered import Rendered
from generator.formats.typography import typographic
from generator.templating.environment import environment
from generator.templating.folders import template_file, templates_dir
from generator.templating.running import guarded
from generator.templating.sandbox import plain


def _word_footnote(number: int) -> Markup:
    """Word marks it with a real footnote reference: the run is closed, the reference set, the run reopened."""
    return Markup(
        '</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteReference w:id="{number}"/></w:r><w:r><w:t xml:space="preserve">'
    )


def render_docx(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """One document as a Word file from its `.docx` template through docxtpl, autoescaped, with reproducible bytes.

    The modern term sheet's tables get their column widths once rendered (`fit_grid_tables`).

    Takes the arguments every format takes (see `Renderer`).

    Returns:
        The DOCX's bytes.

    Raises:
        DealdocsError: The deal, its tape or a template has problems.
    """
    from docxtpl import DocxTemplate

    from generator.formats.docx_grids import fit_grid_tables
    from generator.formats.docx_package import normalise_docx

    template = DocxTemplate(str(template_file(f"{document.name}.docx", search_path)))
    env = environment([*search_path, templates_dir()], autoescape=True, filters=GRID_FILTERS)
    env.finalize = typographic  # curly quotes and dashes in Word; EDGAR text keeps ASCII
    data = plain({**(context or document.context(loaded, tape)), "footnote": _word_footnote})
    guarded(env, f"{document.name}.docx", lambda: template.render(data, env, autoescape=True))
    fit_grid_tables(template.docx.element, loaded.deal.style.typeface)
    buffer = io.BytesIO()
    template.save(buffer)
    stamp = datetime.combine(document.dated(loaded), datetime.min.time())
    deal = loaded.deal
    subject = f"{deal.series.certificates}, Series {deal.series.name}" if deal.series else deal.depositor.name
    content = normalise_docx(buffer.getvalue(), stamp, document.title(loaded), deal.depositor.name, subject, deal.style.typeface)
    return Rendered(document.name, "docx", content)
