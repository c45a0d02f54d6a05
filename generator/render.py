"""Rendering documents from templates, with template errors reported as file and line."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

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

    name: str
    template: str
    context: Callable[[LoadedDeal, Path | None], dict[str, Any]]
    layout: Callable[[Any], str] = str  # the rendered template module to text; the term sheet pages itself


def _term_sheet_context(loaded: LoadedDeal, tape: Path | None) -> dict[str, Any]:
    analysis = analyse(loaded, tape)
    return {"deal": loaded.deal, "ts": term_sheet_of(loaded), "s": analysis.summary, "tables": analysis.tables}


DOCUMENTS: dict[str, Document] = {
    "term-sheet-8k": Document("term-sheet-8k", "term-sheet-8k.txt.j2", _term_sheet_context),
    "exhibit-5-1-shelf": Document("exhibit-5-1-shelf", "exhibit-5-1-shelf.txt.j2", shelf_context, layout_letter),
    "exhibit-5-1-takedown": Document("exhibit-5-1-takedown", "exhibit-5-1-takedown.txt.j2", takedown_context, layout_letter),
}
SECTIONS = {"term_sheet": "term-sheet-8k", "shelf_opinion": "exhibit-5-1-shelf", "takedown_opinion": "exhibit-5-1-takedown"}


def documents_of(loaded: LoadedDeal) -> list[Document]:
    """The documents a deal file describes, in a fixed order."""
    return [DOCUMENTS[name] for section, name in SECTIONS.items() if getattr(loaded.deal, section) is not None]


@dataclass
class Rendered:
    name: str
    text: str
    warnings: list[Problem] = field(default_factory=list)


def _template_problem(exc: TemplateError, template: str) -> Problem:
    """Where in which template a Jinja error happened, from the error or the template frames of its traceback."""
    if isinstance(exc, TemplateSyntaxError):
        return Problem(exc.filename or template, exc.lineno, None, None, f"template syntax error: {exc.message}")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    where = frames[-1] if frames else None
    return Problem(where.filename if where else template, where.lineno if where else None, None, None, f"template error: {exc}")


def render_text(loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = ()) -> Rendered:
    """The EDGAR text of one document."""
    context = document.context(loaded, tape)
    warnings: list[Problem] = []
    env = environment([*search_path, templates_dir()])
    env.filters.update(edgar.TEXT_FILTERS)
    env.finalize = edgar.ascii_finalize(str(loaded.path), warnings)
    try:
        try:
            text = document.layout(env.get_template(document.template).make_module(context))
        except Exception:
            env.handle_exception()  # re-raises with the template's own file and line in the traceback
    except TemplateError as exc:
        raise DealdocsError([_template_problem(exc, document.template)]) from None
    return Rendered(document.name, edgar.finalize(text, f"{document.name}.txt"), warnings)


def render_deal(loaded: LoadedDeal, out: Path, tape: Path | None = None) -> list[tuple[Path, Rendered]]:
    """Render every document of a deal into `out`, each file written atomically."""
    rendered = [render_text(loaded, doc, tape) for doc in documents_of(loaded)]
    return [(write_atomic(out / f"{r.name}.txt", r.text), r) for r in rendered]
