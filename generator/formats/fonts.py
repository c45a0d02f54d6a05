"""The typefaces a document may be set in, and the font files its PDF embeds (never the machine's own).

A deal file names the typeface (`style.typeface`); the DOCX asks Word for it by name, and the
PDF embeds files that ship with dealdocs: Times New Roman is set in Liberation Serif, its
metric-compatible twin (same widths, so lines and pages break as they do in Word), bundled
under generator/fonts/ (SIL Open Font License); Source Serif Pro comes from the PyPI package
`font-source-serif-pro`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

TIMES = "Times New Roman"
SOURCE_SERIF = "Source Serif Pro"
TYPEFACES = (TIMES, SOURCE_SERIF)  # what `style.typeface` may name: each has files the PDF can embed
DEFAULT_TYPEFACE = TIMES


@dataclass(frozen=True)
class Face:
    """One face of a typeface: the family its files name (what the PDF lists), its file (a URL for @font-face), weight and style."""

    family: str
    url: str
    weight: int
    style: str


# Each typeface's file names per (weight, style), as its font files spell them.
_FILES = {
    TIMES: {(400, "normal"): "LiberationSerif-Regular.ttf", (400, "italic"): "LiberationSerif-Italic.ttf",
            (700, "normal"): "LiberationSerif-Bold.ttf", (700, "italic"): "LiberationSerif-BoldItalic.ttf"},
    SOURCE_SERIF: {(400, "normal"): "SourceSerifPro-Regular.otf", (400, "italic"): "SourceSerifPro-It.otf",
                   (700, "normal"): "SourceSerifPro-Bold.otf", (700, "italic"): "SourceSerifPro-BoldIt.otf"},
}  # fmt: skip


_FAMILIES = {TIMES: "Liberation Serif", SOURCE_SERIF: "Source Serif Pro"}


def font_folder(typeface: str = DEFAULT_TYPEFACE) -> Path:
    """Where a typeface's files are: the one folder outside the templates a PDF may read."""
    if typeface == SOURCE_SERIF:
        import font_source_serif_pro

        return Path(font_source_serif_pro.__file__).parent / "files"
    return Path(__file__).resolve().parents[1] / "fonts" / "liberation-serif"


@cache
def faces(typeface: str = DEFAULT_TYPEFACE) -> tuple[Face, ...]:
    """A typeface's four faces, as file URLs for @font-face."""
    folder = font_folder(typeface)
    family = _FAMILIES[typeface]
    return tuple(Face(family, (folder / name).as_uri(), weight, style) for (weight, style), name in sorted(_FILES[typeface].items()))


def font_face_rules(typeface: str = DEFAULT_TYPEFACE) -> str:
    """CSS @font-face rules that set the typeface a page names by its own name in the files dealdocs ships, never the machine's."""
    rule = '@font-face {{ font-family: "{}"; font-weight: {}; font-style: {}; src: url("{}"); }}\n'
    return "".join(rule.format(typeface, f.weight, f.style, f.url) for f in faces(typeface))


def regular_face(typeface: str = DEFAULT_TYPEFACE) -> Path:
    """The file of a typeface's regular face (upright, normal weight), whose widths the DOCX's tables are measured with."""
    return font_folder(typeface) / _FILES[typeface][400, "normal"]
