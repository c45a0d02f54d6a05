"""The typeface the PDFs are set in, from the font package dealdocs installs (never the machine's own)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Face:
    """One font file as the PDF's @font-face rule names it: its URL, weight and style."""

    url: str
    weight: int
    style: str


FILES = {("Regular", 400, "normal"), ("It", 400, "italic"), ("Bold", 700, "normal"), ("BoldIt", 700, "italic")}


def font_folder() -> Path:
    """Where the font package keeps its files: the one folder outside the templates a PDF may read."""
    import font_source_serif_pro

    return Path(font_source_serif_pro.__file__).parent / "files"


@cache
def faces() -> tuple[Face, ...]:
    """Source Serif Pro's four faces, as file URLs for @font-face."""
    folder = font_folder()
    return tuple(
        Face((folder / f"SourceSerifPro-{name}.otf").as_uri(), weight, style)
        for name, weight, style in sorted(FILES, key=lambda f: (f[1], f[2]))
    )
