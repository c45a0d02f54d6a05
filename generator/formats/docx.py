"""Word documents through docxtpl: the `.docx` templates, autoescaped, reproducible bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator.deal.loading import LoadedDeal
from generator.documents.grids import FILTERS as GRID_FILTERS
from generator.documents.registry import Document
from generator.errors import Problem, TemplateProblemError
from generator.formats.rendered import Rendered
from generator.formats.typography import typographic
from generator.templating.environment import environment
from generator.templating.files import find_template
from generator.templating.folders import templates_dir
from generator.templating.running import guarded
from generator.templating.sandbox import plain


def _word_footnote(number: int) -> Markup:
    """Word marks it with a real footnote reference: the run is closed, the reference set, the run reopened."""
    return Markup(
        '</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteReference w:id="{number}"/></w:r><w:r><w:t xml:space="preserve">'
    )


def _stacked(parts: Sequence[str]) -> Markup:
    """A heading's parts (the PDF's stacked lines) as one line of text, each part its own `w:t` of the run.

    `docx_grids` sizes the column as the PDF does (no wider than the longest part) and Word wraps it by that width, not by breaks.
    """
    return Markup('</w:t><w:t xml:space="preserve"> ').join(Markup.escape(part) for part in parts)


def _logo_picture(template: Any) -> Any:
    """What a letter's template calls with its letterhead logo's path: the picture, 0.65 inch high as in the PDF, in Word's own image part."""
    from docx.shared import Inches
    from docxtpl import InlineImage

    def picture(path: str) -> InlineImage:
        return InlineImage(template, path, height=Inches(0.65))

    return picture


def render_docx(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """One document as a Word file from its `.docx` template through docxtpl, autoescaped, with reproducible bytes.

    The modern term sheet's tables get their landscape sections (`orient_sections`, headers and footers set to their width by `turn_margins`) and column
    widths (`fit_grid_tables`) once rendered.

    Takes the arguments every format takes (see `Renderer`).

    Returns:
        The DOCX's bytes.

    Raises:
        DealdocsError: The deal, its tape or a template has problems.
    """
    from docxtpl import DocxTemplate
    from lxml.etree import XMLSyntaxError

    from generator.formats.docx_grids import fit_grid_tables, orient_sections, turn_margins
    from generator.formats.docx_package import normalise_docx, package_problems
    from generator.formats.highlight import highlight_docx, placeholder_pattern

    name = f"{document.name}.docx"
    found = find_template(name, [*search_path, templates_dir()])
    if found is None:
        raise TemplateProblemError([Problem(name, None, None, None, "no such Word template in the template folders")])
    path, packaged = found
    if problems := package_problems(packaged, str(path)):
        raise TemplateProblemError(problems)
    template = DocxTemplate(io.BytesIO(packaged))
    env = environment([*search_path, templates_dir()], autoescape=True, filters={**GRID_FILTERS, "stacked": _stacked})
    env.finalize = typographic  # curly quotes and dashes in Word; EDGAR text keeps ASCII
    data = plain({**(context or document.context(loaded, tape)), "footnote": _word_footnote, "logo_picture": _logo_picture(template)})
    try:
        guarded(env, name, lambda: template.render(data, env, autoescape=True))
    except XMLSyntaxError as exc:
        message = f"the template's tags leave its XML malformed ({exc.msg}): keep each tag whole, in one run of one style"
        raise TemplateProblemError([Problem(str(path), None, None, None, message)]) from None
    orient_sections(template.docx.element)  # before the widths: a landscape table is as wide as its page
    turn_margins(template.docx.part)
    fit_grid_tables(template.docx.element, loaded.deal.style.typeface)
    highlight_docx(template.docx.element.body, placeholder_pattern(loaded))  # after: a cell's runs, as rendered, are its lines to measure
    buffer = io.BytesIO()
    template.save(buffer)
    stamp = datetime.combine(document.dated(loaded), datetime.min.time())
    properties = document.properties(loaded)
    content = normalise_docx(buffer.getvalue(), stamp, properties.title, properties.author, properties.subject, loaded.deal.style.typeface)
    if problems := package_problems(content, str(path)):  # what the tags wrote may not reach outside the document either
        raise TemplateProblemError([replace(p, message=f"the rendered document: {p.message}") for p in problems])
    return Rendered(document.name, "docx", content)
