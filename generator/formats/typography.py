"""Typeset words for the formats people read on a page (DOCX, PDF, HTML): curly quotes, dashes, ellipses.

EDGAR text stays ASCII (see `edgar`); the other formats print every value through `typographic`
(their Jinja environment's `finalize`), so the prose modules keep writing plain `"` and `'`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import smartypants
from markupsafe import Markup

# Quotes (" and '), -- as an em dash (as a typed filing writes one), ... as an ellipsis; Unicode characters, not entities.
_ATTRS = smartypants.Attr.q | smartypants.Attr.d | smartypants.Attr.e | smartypants.Attr.u | smartypants.Attr.w
# Quotes that autoescaping turned into entities; in words only (tags are left alone, as smartypants leaves them).
_ESCAPED = re.compile(r"&(?:#34|quot|#39|#x27|apos);")
_TAG = re.compile(r"(<[^>]*>)")
# What smartypants may change with `_ATTRS` outside tags: quotes, its backslash escapes, entities, "--", "..." and ". . .";
# tags as its tokenizer finds them (a comment is kept: its "--" sends it to smartypants, which decides).
_TYPESET = re.compile(r"[\"'\\&]|--|\.\.|\. \.")
_TAGS = re.compile(r"<(?!!--)[^>]*>")


def smart_quotes(text: str) -> str:
    """'the "Act"' -> 'the \u201cAct\u201d': typographic quotes and dashes in words, markup left as it is.

    Text smartypants would leave as it is (most table cells, whole tables of figures) skips it:
    a term sheet prints thousands of values, and smartypants costs as much as the rest of the template.
    """
    return _smartypants(text) if _TYPESET.search(_TAGS.sub("", text)) else text


@lru_cache(maxsize=4096)
def _smartypants(text: str) -> str:
    """What smartypants makes of a text, kept: a document repeats its words and its figures."""
    return str(smartypants.smartypants(text, _ATTRS))


def typographic(value: Any) -> Any:
    """A Jinja `finalize`: every printed string typeset, escaped markup included; other values as they are."""
    if isinstance(value, Markup):
        pieces = _TAG.split(str(value))  # words at even places, tags at odd ones
        words = [piece if i % 2 else _ESCAPED.sub(_unescaped, piece) for i, piece in enumerate(pieces)]
        return Markup(smart_quotes("".join(words)))
    if isinstance(value, str):
        return smart_quotes(value)
    return value


def _unescaped(entity: re.Match[str]) -> str:
    """The quote an entity stands for: words may hold it as it is, in HTML and in Word's XML."""
    return '"' if entity[0] in ("&#34;", "&quot;") else "'"
