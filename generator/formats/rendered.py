"""What rendering one document in one format produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from generator.errors import Problem

if TYPE_CHECKING:
    from generator.deal.loading import LoadedDeal
    from generator.documents.registry import Document


@dataclass
class Rendered:
    """One document in one format: text for EDGAR, bytes for PDF; and the files it shows, which go beside it (a letterhead's logo in EDGAR HTML)."""

    name: str
    extension: str
    content: str | bytes
    warnings: list[Problem] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The content of a text format; asking a DOCX or PDF for text is a caller's mistake."""
        assert isinstance(self.content, str), f"{self.name}.{self.extension} is not text"
        return self.content


class Renderer(Protocol):
    """How every format renders one document: the same arguments in, one `Rendered` out.

    Args:
        loaded: The deal, from `load_deal`.
        document: Which document, e.g. `DOCUMENTS["term-sheet-8k"]`.
        tape: A loan tape to use instead of the deal file's.
        search_path: Template folders looked in before the built-in ones (see `template_dirs`).
        context: The template's context when already built (e.g. once for every format);
            by default built from the deal, analysing its tape.
    """

    def __call__(
        self, loaded: LoadedDeal, document: Document, tape: Path | None = None, search_path: Sequence[Path] = (), context: dict[str, Any] | None = None
    ) -> Rendered:
        """Render the document."""
