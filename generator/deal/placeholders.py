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


COVER_FACTS: dict[str, tuple[tuple[Key, ...], str]] = {
    "issuer": (("filing", "issuing_entity", "name"), "Issuing entity name"),
    "issuer_file": (("filing", "issuing_entity", "commission_file_number"), "Issuing entity file number"),
    "issuer_cik": (("filing", "issuing_entity", "cik"), "Issuing entity CIK"),
    "state": (("filing", "issuing_entity", "state_of_organization"), "State of organization of issuing entity"),
    "depositor_cik": (("depositor", "cik"), "Depositor CIK"),
    "sponsor": (("filing", "sponsor", "name"), "Sponsor name"),
    "sponsor_cik": (("filing", "sponsor", "cik"), "Sponsor CIK"),
}
"""The asset-backed Form 8-K cover's facts, by name: the deal-file key that gives each, and its placeholder's label.

Optional in the deal file (an FWP needs none of them), they are required of the cover: it
prints a placeholder for each one left out.
"""


def cover_facts(loaded: LoadedDeal) -> dict[str, str]:
    """Each of the asset-backed 8-K cover's facts (`COVER_FACTS`): the deal file's value, or its placeholder."""
    facts: dict[str, str] = {}
    for name, (path, label) in COVER_FACTS.items():
        value: Any = loaded.deal
        for key in path:
            value = getattr(value, str(key), None)
        facts[name] = value if isinstance(value, str) else Placeholder(label)
    return facts


def cover_placeholders(loaded: LoadedDeal) -> list[Problem]:
    """A warning for each cover fact left open (`cover_facts`) at its mapping's line; for a deal whose 8-K has that cover."""
    facts = cover_facts(loaded)
    found = [
        replace(loaded.problem(path, None, _left_open(path, facts[name])), severity=Severity.WARNING)
        for name, (path, _) in COVER_FACTS.items() if isinstance(facts[name], Placeholder)
    ]  # fmt: skip
    return sorted(found, key=lambda p: p.line or 0)


def _left_open(path: tuple[Key, ...], placeholder: str) -> str:
    dotted = ".".join(map(str, path))
    return f"left open: a document that states it prints the placeholder {placeholder} until the deal file gives {dotted}"
