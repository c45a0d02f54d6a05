"""Rendering documents from templates, with template errors reported as file and line."""

from __future__ import annotations

import calendar
import hashlib
import io
import os
import re
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateError, TemplateSyntaxError
from markupsafe import Markup

from . import edgar
from .analysis import analyse, term_sheet_of
from .deal import LoadedDeal
from .files import write_atomic
from .jinja import environment
from .letter import layout_letter
from .opinions import shelf_context, takedown_context
from .problems import DealdocsError, Problem
from .resources import templates_dir


@dataclass(frozen=True)
class Document:
    """One document a deal can produce: its output name, its template, what it is told and how it is paged."""

    name: str  # also the templates' stem: NAME.txt.j2, NAME.html.j2
    context: Callable[[LoadedDeal, Path | None], dict[str, Any]]
    dated: Callable[[LoadedDeal], date]  # the date the outputs' metadata carries
    layout: Callable[[Any], str] = str  # the rendered text module to text; the term sheet pages itself


def _term_sheet_context(loaded: LoadedDeal, tape: Path | None) -> dict[str, Any]:
    analysis = analyse(loaded, tape)
    return {"deal": loaded.deal, "ts": term_sheet_of(loaded), "s": analysis.summary, "tables": analysis.tables}


DOCUMENTS: dict[str, Document] = {
    "term-sheet-8k": Document("term-sheet-8k", _term_sheet_context, lambda d: term_sheet_of(d).report_date),
    "exhibit-5-1-shelf": Document("exhibit-5-1-shelf", shelf_context, lambda d: d.deal.shelf_opinion.date, layout_letter),
    "exhibit-5-1-takedown": Document("exhibit-5-1-takedown", takedown_context, lambda d: d.deal.takedown_opinion.date, layout_letter),
}
SECTIONS = {"term_sheet": "term-sheet-8k", "shelf_opinion": "exhibit-5-1-shelf", "takedown_opinion": "exhibit-5-1-takedown"}


def documents_of(loaded: LoadedDeal) -> list[Document]:
    """The documents a deal file describes, in a fixed order."""
    return [DOCUMENTS[name] for section, name in SECTIONS.items() if getattr(loaded.deal, section) is not None]


FORMATS = ("txt", "docx", "pdf")


@dataclass
class Rendered:
    """One document in one format: text for EDGAR, bytes for PDF."""

    name: str
    extension: str
    content: str | bytes
    warnings: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        assert isinstance(self.content, str), f"{self.name}.{self.extension} is not text"
        return self.content


def _template_problem(exc: TemplateError, template: str) -> Problem:
    """Where in which template a Jinja error happened, from the error or the template frames of its traceback."""
    if isinstance(exc, TemplateSyntaxError):
        return Problem(exc.filename or template, exc.lineno, None, None, f"template syntax error: {exc.message}")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    where = frames[-1] if frames else None
    return Problem(where.filename if where else template, where.lineno if where else None, None, None, f"template error: {exc}")


def _run_template(env: Environment, template: str, context: dict[str, Any], layout: Callable[[Any], str]) -> str:
    """Render a template module and lay it out; any template error becomes a problem with its file and line."""
    try:
        try:
            return layout(env.get_template(template).make_module(context))
        except Exception:
            env.handle_exception()  # re-raises with the template's own file and line in the traceback
    except TemplateError as exc:
        raise DealdocsError([_template_problem(exc, template)]) from None
    raise AssertionError("unreachable")  # handle_exception always raises


def render_text(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """The EDGAR text of one document."""
    warnings: list[Problem] = []
    env = environment([*search_path, templates_dir()])
    env.filters.update(edgar.TEXT_FILTERS)
    env.finalize = edgar.ascii_finalize(str(loaded.path), warnings)
    context = {**(context or document.context(loaded, tape)), "footnote": _inline_footnote}
    text = _run_template(env, f"{document.name}.txt.j2", context, document.layout)
    return Rendered(document.name, "txt", edgar.finalize(text, f"{document.name}.txt"), warnings)


def render_html(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> str:
    """The HTML the PDF is set from: autoescaped, with metadata fixed by the deal rather than the clock."""
    from .fonts import faces

    env = environment([*search_path, templates_dir()], autoescape=True)
    page = {
        "title": f"{document.name} {loaded.path.parent.name}", "author": loaded.deal.depositor.name,
        "created": document.dated(loaded), "fonts": faces(), "footnote": _inline_footnote,
    }  # fmt: skip
    return _run_template(env, f"{document.name}.html.j2", {**(context or document.context(loaded, tape)), **page}, str)


def render_pdf(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """Print-quality PDF through WeasyPrint; the same inputs give the same bytes."""
    import weasyprint

    html = render_html(loaded, document, tape, search_path, context)
    portable = re.sub(r'url\("file://[^"]*/', 'url("', html)  # where the fonts are installed is no part of the document
    identifier = hashlib.sha256(portable.encode()).hexdigest()[:32].encode()
    with _source_date(document.dated(loaded)):  # fontTools stamps font subsets with this, not with now
        pdf = weasyprint.HTML(string=html, base_url=str(templates_dir())).write_pdf(pdf_identifier=identifier)
    return Rendered(document.name, "pdf", pdf)


@contextmanager
def _source_date(day: date) -> Iterator[None]:
    """SOURCE_DATE_EPOCH set to `day` for the duration: the reproducible-builds convention tools honour."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(day.timetuple()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _inline_footnote(number: int) -> str:
    """Text and PDF mark a footnote as the filings do: '(1)' after the word."""
    return f"({number})"


def _word_footnote(number: int) -> Markup:
    """Word marks it with a real footnote reference: the run is closed, the reference set, the run reopened."""
    return Markup(
        '</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteReference w:id="{number}"/></w:r><w:r><w:t xml:space="preserve">'
    )


def _template_file(name: str, search_path: Sequence[Path]) -> Path:
    """A binary template by name: the first search-path folder that has it, else the built-in one."""
    return next((folder / name for folder in [*search_path, templates_dir()] if (folder / name).is_file()))


def render_docx(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """A Word document from the .docx template through docxtpl, autoescaped, with reproducible bytes."""
    from docxtpl import DocxTemplate

    from .docx_files import normalise_docx

    template = DocxTemplate(str(_template_file(f"{document.name}.docx", search_path)))
    env = environment([*search_path, templates_dir()], autoescape=True)
    try:
        try:
            template.render({**(context or document.context(loaded, tape)), "footnote": _word_footnote}, env, autoescape=True)
        except Exception:
            env.handle_exception()
    except TemplateError as exc:
        raise DealdocsError([_template_problem(exc, f"{document.name}.docx")]) from None
    buffer = io.BytesIO()
    template.save(buffer)
    stamp = datetime.combine(document.dated(loaded), datetime.min.time())
    return Rendered(document.name, "docx", normalise_docx(buffer.getvalue(), stamp, document.name, loaded.deal.depositor.name))


RENDERERS: dict[str, Callable[..., Rendered]] = {"txt": render_text, "docx": render_docx, "pdf": render_pdf}


def template_dirs(loaded: LoadedDeal, templates: Path | None = None) -> list[Path]:
    """Where templates are looked for before the built-in ones: `--templates`, then the deal file's `templates`."""
    folders = [templates] if templates else []
    if loaded.deal.templates:
        folders.append(loaded.resolve(loaded.deal.templates))
    missing = [f for f in folders if not f.is_dir()]
    if missing:
        raise DealdocsError([Problem(str(loaded.path), None, "templates", str(f), "templates folder not found") for f in missing])
    return folders


def render_deal(
    loaded: LoadedDeal, out: Path, tape: Path | None = None, formats: Sequence[str] = FORMATS, templates: Path | None = None
) -> list[tuple[Path, Rendered]]:
    """Render every document of a deal in every format into `out`; nothing is written unless all rendered,
    and then all are published together or none (see `files.publish`)."""
    from .files import publish

    search_path = template_dirs(loaded, templates)
    rendered = []
    for document in documents_of(loaded):
        context = document.context(loaded, tape)  # the tape is analysed once for all formats
        rendered += [RENDERERS[fmt](loaded, document, tape, search_path, context=context) for fmt in formats]
    return list(zip(publish(out, [(f"{r.name}.{r.extension}", r.content) for r in rendered]), rendered, strict=True))
