"""What rendering one document in one format produces."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.errors import Problem


@dataclass
class Rendered:
    """One document in one format: text for EDGAR, bytes for PDF."""

    name: str
    extension: str
    content: str | bytes
    warnings: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The content of a text format; asking a DOCX or PDF for text is a caller's mistake."""
        assert isinstance(self.content, str), f"{self.name}.{self.extension} is not text"
        return self.content
