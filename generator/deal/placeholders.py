"""The facts a deal file left open: each prints as a bracketed placeholder, and each is a warning at its line.

A draft may leave out the prose facts of its documents (a party's name, an address, the closing
date...): the models give each such field a `Placeholder` default (`generator.deal.base`), which
the documents print as '[Trustee name]'. This module finds them all so that `validate`, `render`
and `check` can say which facts are still open, where the deal file would give them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from generator.deal.base import Placeholder
from generator.deal.loading import Key, LoadedDeal
from generator.errors import Problem, Severity


def open_fields(value: Any, at: tuple[Key, ...] = ()) -> Iterator[tuple[tuple[Key, ...], Placeholder]]:
    """Each placeholder in a model, with its key path, in the models' field order."""
    if isinstance(value, Placeholder):
        yield at, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from open_fields(getattr(value, name), (*at, name))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from open_fields(item, (*at, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from open_fields(item, (*at, key))


def placeholders(loaded: LoadedDeal) -> list[Problem]:
    """A warning for each fact the deal file left open, at the line of the mapping that would hold it.

    Args:
        loaded: The deal, from `load_deal`.

    Returns:
        The warnings, in the deal file's order of lines; none when the deal file supplies every fact.
    """
    found = [replace(loaded.problem(path, None, _left_open(path, placeholder)), severity=Severity.WARNING) for path, placeholder in open_fields(loaded.deal)]
    return sorted(found, key=lambda p: p.line or 0)  # stable: one mapping's keys in the models' order


def _left_open(path: tuple[Key, ...], placeholder: Placeholder) -> str:
    dotted = ".".join(map(str, path))
    return f"left open: a document that states it prints the placeholder {placeholder} until the deal file gives {dotted}"
