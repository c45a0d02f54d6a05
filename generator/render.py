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
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, TemplateError, TemplateSyntaxError
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from . import edgar
from .analysis import analyse, term_sheet_of
from .deal import LoadedDeal
from .jinja import environment
from .letter import layout_letter
from .opinions import shelf_context, takedown_context
from .problems import DealdocsError, Problem
from .resources import templates_dir
from .sandbox import MAX_OUTPUT, budget, is_refusal, pdf_fetcher, plain

T = TypeVar("T")


@dataclass(frozen=True)
class Document:
    """One document a deal can produce: its output name, its template, what it is told and how it is paged."""

    name: str  # also the templates' stem: NAME.txt.j2, NAME.html.j2
    context: Callable[[LoadedDeal, Path | None], dict[str, Any]]
    dated: Callable[[LoadedDeal], date]  # the date the outputs' metadata carries
    layout: Callable[[Any], str] = str  # the rendered text module to text; the term sheet pages itself

    def title(self, loaded: LoadedDeal) -> str:
        """The title in a PDF's metadata: the document and its series (or depositor), never where the files are."""
        series = loaded.deal.series
        return f"{self.name} {series.name if series else loaded.deal.depositor.short_name}"


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


def _template_problem(exc: BaseException, template: str) -> Problem:
    """Where in which template an error happened, from the error or the template frames of its traceback."""
    if isinstance(exc, TemplateSyntaxError):
        return Problem(exc.filename or template, exc.lineno, None, None, f"template syntax error: {exc.message}")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    where = frames[-1] if frames else None
    if isinstance(exc, SecurityError):
        reason = f"refused by the template sandbox: {exc}"
    elif isinstance(exc, RecursionError):
        reason = "template error: recursion too deep (a macro or include that calls itself)"
    elif isinstance(exc, TemplateError):
        reason = f"template error: {exc}"
    else:
        reason = f"template error: {type(exc).__name__}: {exc}"
    return Problem(where.filename if where else template, where.lineno if where else None, None, None, reason)


def _module(env: Environment, template: str, context: dict[str, Any]) -> TemplateModule:
    """The template evaluated as a module (its body and its macros), its output bounded in size."""
    compiled = env.get_template(template)
    ctx = compiled.new_context(context)
    chunks, size = [], 0
    for chunk in compiled.root_render_func(ctx):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise SecurityError(f"a template may write at most {MAX_OUTPUT:,} characters")
        chunks.append(chunk)
    return TemplateModule(compiled, ctx, chunks)


def guarded(env: Environment, template: str, work: Callable[[], T]) -> T:
    """Run template work within the sandbox's budget; whatever the template did wrong is a problem at its line."""
    try:
        with budget(f"rendering {template}"):
            try:
                return work()
            except Exception:
                env.handle_exception()  # re-raises with the template's own file and line in the traceback
    except Exception as exc:
        if not is_refusal(exc):
            raise
        raise DealdocsError([_template_problem(exc, template)]) from None
    raise AssertionError("unreachable")  # handle_exception always raises


def _run_template(env: Environment, template: str, context: dict[str, Any], layout: Callable[[Any], str]) -> str:
    """Render a template module with plain data and lay it out."""
    data = plain(context)
    return guarded(env, template, lambda: layout(_module(env, template, data)))


def render_text(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """The EDGAR text of one document."""
    warnings: list[Problem] = []
    env = environment([*search_path, templates_dir()], filters=edgar.TEXT_FILTERS)
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
        "title": document.title(loaded), "author": loaded.deal.depositor.name,
        "created": document.dated(loaded), "fonts": faces(), "footnote": _inline_footnote,
    }  # fmt: skip
    return _run_template(env, f"{document.name}.html.j2", {**(context or document.context(loaded, tape)), **page}, str)


def render_pdf(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """Print-quality PDF through WeasyPrint; the same inputs give the same bytes."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    from .fonts import font_folder

    html = render_html(loaded, document, tape, search_path, context)
    portable = re.sub(r'url\("file://[^"]*/', 'url("', html)  # where the fonts are installed is no part of the document
    identifier = hashlib.sha256(portable.encode()).hexdigest()[:32].encode()
    fetcher = pdf_fetcher([*search_path, templates_dir()], also=[font_folder()])
    template = f"{document.name}.html.j2"
    env = environment(search_path)

    def write() -> bytes:
        with _source_date(document.dated(loaded)):  # fontTools stamps font subsets with this, not with now
            html_document = weasyprint.HTML(string=html, base_url=str(templates_dir()), url_fetcher=fetcher)
            return html_document.write_pdf(pdf_identifier=identifier)  # type: ignore[no-any-return]

    try:
        pdf = guarded(env, template, write)
    except FatalURLFetchingError as exc:
        raise DealdocsError([Problem(template, None, None, None, str(exc))]) from None
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
    data = plain({**(context or document.context(loaded, tape)), "footnote": _word_footnote})
    guarded(env, f"{document.name}.docx", lambda: template.render(data, env, autoescape=True))
    buffer = io.BytesIO()
    template.save(buffer)
    stamp = datetime.combine(document.dated(loaded), datetime.min.time())
    return Rendered(document.name, "docx", normalise_docx(buffer.getvalue(), stamp, document.name, loaded.deal.depositor.name))


RENDERERS: dict[str, Callable[..., Rendered]] = {"txt": render_text, "docx": render_docx, "pdf": render_pdf}


def template_dirs(loaded: LoadedDeal, templates: Path | None = None) -> list[Path]:
    """Where templates are looked for before the built-in ones: `--templates`, then the deal file's `templates`."""
    folders: list[tuple[Path, Problem]] = []
    if templates:
        folders.append((templates.resolve(), Problem("--templates", None, None, str(templates), "")))
    if loaded.deal.templates:
        folders.append((loaded.resolve(loaded.deal.templates), loaded.problem(("templates",), loaded.deal.templates, "")))
    problems = []
    for folder, at in folders:
        if not folder.is_dir():
            problems.append(replace(at, message=f"templates folder not found: {folder}"))
        elif folder == Path(folder.anchor):
            problems.append(replace(at, message="a templates folder cannot be the root of the file system: name the folder that holds your templates"))
    if problems:
        raise DealdocsError(problems)
    return [folder for folder, _ in folders]


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
