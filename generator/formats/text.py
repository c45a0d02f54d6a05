"""EDGAR text: the `.txt.j2` templates through the EDGAR filters, checked against EDGAR's rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator import edgar
from generator.deal.loading import LoadedDeal
from generator.documents.grids import FILTERS as GRID_FILTERS
from generator.documents.grids import table_width, text_table
from generator.documents.registry import Document
from generator.errors import Problem
from generator.formats.rendered import Rendered
from generator.templating.environment import environment
from generator.templating.folders import templates_dir
from generator.templating.running import run_template


def render_text(
    loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
) -> Rendered:
    """One document as EDGAR text, checked against EDGAR's rules (80 columns, ASCII).

    Takes the arguments every format takes (see `Renderer`).

    Returns:
        The text; its `warnings` name characters EDGAR cannot carry and what they became.

    Raises:
        DealdocsError: The deal, its tape or a template has problems (the template's line named).
    """
    warnings: list[Problem] = []
    env = environment([*search_path, templates_dir()], filters={**GRID_FILTERS, **edgar.TEXT_FILTERS, "text_table": text_table, "table_width": table_width})
    env.finalize = edgar.ascii_finalize(str(loaded.path), warnings)
    context = {**(context or document.context(loaded, tape)), "footnote": inline_footnote}
    text = run_template(env, f"{document.name}.txt.j2", context, document.layout)
    return Rendered(document.name, "txt", edgar.finalize(text, f"{document.name}.txt"), warnings)


def inline_footnote(number: int) -> str:
    """Text and PDF mark a footnote as the filings do: '(1)' after the word."""
    return f"({number})"
