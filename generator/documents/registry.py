"""The documents a deal can produce: their names, the context each template is given, their dates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from generator.deal.loading import LoadedDeal
from generator.deal.opinion_models import Counsel
from generator.documents.letters import shelf_context, shelf_opinion_of, takedown_context, takedown_opinion_of
from generator.documents.paging import layout_letter, layout_text
from generator.documents.term_sheet import collateral_context, term_sheet_context
from generator.pool.analysis import term_sheet_of


@dataclass(frozen=True)
class Properties:
    """What every format records about a document (PDF metadata, DOCX core properties, the HTML <title>)."""

    title: str  # "Exhibit 5.1 - Opinion of counsel, Series 2006-1"
    author: str  # counsel for an opinion, the depositor for a term sheet
    subject: str  # the series: "REMIC Pass-Through Certificates, Series 2006-1"


@dataclass(frozen=True)
class Document:
    """One document a deal can produce: its output name, its template, what it is told and how it is paged."""

    name: str  # also the templates' stem: NAME.txt.j2, NAME.html.j2
    context: Callable[[LoadedDeal, Path | None], dict[str, Any]]
    dated: Callable[[LoadedDeal], date]  # the date the outputs' metadata carries
    label: str  # what the document is, as its title says it: "Exhibit 5.1 - Opinion of counsel"
    author: Callable[[LoadedDeal], str]  # who the document speaks for
    layout: Callable[[Any], str] = str  # the rendered text module to text; the term sheet pages itself

    def properties(self, loaded: LoadedDeal) -> Properties:
        """Title, author and subject, from the deal only (never from where the files are), the same for every format."""
        deal = loaded.deal
        subject = f"{deal.series.certificates}, Series {deal.series.name}" if deal.series else deal.depositor.name
        return Properties(titled(self.label, loaded), self.author(loaded), subject)


def titled(label: str, loaded: LoadedDeal) -> str:
    """A document's title: what it is, and the series ("Exhibit 5.1 - Opinion of counsel, Series 2006-1"), or the depositor's name."""
    deal = loaded.deal
    return f"{label}, Series {deal.series.name}" if deal.series else f"{label}, {deal.depositor.name}"


def _counsel(counsel: Counsel) -> str:
    """An opinion's author: the firm that signs it, or the in-house lawyer with the organisation whose counsel they are."""
    return counsel.name if counsel.voice == "firm" else f"{counsel.name}, {counsel.organisation}"


def _depositor(loaded: LoadedDeal) -> str:
    return loaded.deal.depositor.name


def _report_date(loaded: LoadedDeal) -> date:
    return term_sheet_of(loaded).report_date


DOCUMENTS: dict[str, Document] = {
    "term-sheet-8k": Document("term-sheet-8k", term_sheet_context, _report_date, "Form 8-K - Term sheet", _depositor),
    "exhibit-5-1-shelf": Document(
        "exhibit-5-1-shelf", shelf_context, lambda d: shelf_opinion_of(d).date, "Exhibit 5.1 - Opinion of counsel",
        lambda d: _counsel(shelf_opinion_of(d).counsel), layout_letter,
    ),
    "exhibit-5-1-takedown": Document(
        "exhibit-5-1-takedown", takedown_context, lambda d: takedown_opinion_of(d).date, "Exhibit 5.1 - Opinion of counsel",
        lambda d: _counsel(takedown_opinion_of(d).counsel), layout_letter,
    ),
    "collateral-term-sheet": Document("collateral-term-sheet", collateral_context, _report_date, "Collateral Term Sheet", _depositor, layout_text),
}  # fmt: skip
SECTIONS = {"term_sheet": "term-sheet-8k", "shelf_opinion": "exhibit-5-1-shelf", "takedown_opinion": "exhibit-5-1-takedown"}
LAYOUTS = {"modern": "collateral-term-sheet"}
"""Documents a term_sheet section's `layout` chooses instead of the 8-K's."""


def section_of(name: str) -> str:
    """The deal-file section a document is drafted from: a term sheet's `layout` chooses one of its documents.

    Args:
        name: A name of `DOCUMENTS`.

    Returns:
        The section's key: "term_sheet", "shelf_opinion" or "takedown_opinion".
    """
    return "term_sheet" if name in LAYOUTS.values() else next(section for section, named in SECTIONS.items() if named == name)


def documents_of(loaded: LoadedDeal) -> list[Document]:
    """The documents a deal file describes (one per section it has), in a fixed order.

    Args:
        loaded: The deal, from `load_deal`.

    Returns:
        The documents, each with its name, context and date.
    """
    chosen = []
    for section, name in SECTIONS.items():
        if (part := getattr(loaded.deal, section)) is not None:
            chosen.append(DOCUMENTS[LAYOUTS.get(getattr(part, "layout", ""), name)])
    return chosen
