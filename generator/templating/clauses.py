"""Clause numbering, cross-references and enumerated lists for the opinion letters.

A letter's template lists its clauses with a condition on the deal; what is left is
numbered 1, 2, ... and lettered (A), (B), ..., so that dropping a clause renumbers the
letter and every cross-reference, made by label, follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateRuntimeError

from generator.templating.filters import article, join_words

ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]


def _letter(index: int) -> str:
    """0 -> 'A': the letter of a clause's part, or of a lettered list's item."""
    return chr(ord("A") + index)


@dataclass(frozen=True)
class Numbering:
    """Labels of the clauses kept, in order, and the number (with letter) each resolves to."""

    order: tuple[str, ...]
    numbers: Mapping[str, str]

    def number(self, label: str) -> str:
        """A clause's final number, e.g. '11'; an unknown label is a template error."""
        return self._lookup(label)

    def ref(self, label: str, part: str | None = None) -> str:
        """'11' or '11(C)': the clause's final number, and the part's letter."""
        number = self._lookup(label)
        return number if part is None else f"{number}({self._lookup(f'{label}.{part}')})"

    def parts(self, label: str) -> list[tuple[str, str]]:
        """(part label, letter) of a clause's kept parts, in order."""
        prefix = f"{label}."
        return [(key[len(prefix):], value) for key, value in self.numbers.items() if key.startswith(prefix)]

    def _lookup(self, label: str) -> str:
        if label not in self.numbers:  # a template error, so the message gives the template's file and line
            raise TemplateRuntimeError(f"cross-reference to a clause that is not in the letter: {label!r}")
        return self.numbers[label]


def number_clauses(clauses: Sequence[Mapping[str, Any]]) -> Numbering:
    """Number the clauses whose `when` holds; their `parts` whose `when` holds get letters.

    Each clause is {"label": str, "when": bool, "parts": [{"label": str, "when": bool}]}.
    """
    numbers: dict[str, str] = {}
    order = []
    for clause in clauses:
        if not clause.get("when", True):
            continue
        order.append(clause["label"])
        numbers[clause["label"]] = str(len(order))
        kept = [p for p in clause.get("parts", []) if p.get("when", True)]
        for i, part in enumerate(kept):
            numbers[f"{clause['label']}.{part['label']}"] = _letter(i)
    return Numbering(tuple(order), numbers)


class Mentions:
    """Names parties as a letter does: in full, with state and defined term, the first time; short after."""

    def __init__(self, parties: Mapping[str, Any]) -> None:
        self._parties = parties
        self._seen: set[str] = set()

    def party(self, key: str, roles: Sequence[str] = (), individual: bool = False) -> str:
        """'CitiMortgage, Inc., a New York corporation, as Servicer and Master Servicer ("CMI")', then 'CMI'."""
        p = self._parties[key]
        first = key not in self._seen
        self._seen.add(key)
        text: str = p.name if first else (p.short_name or p.name)
        if first and p.corporation_of:
            text += ", " + article(f"{p.corporation_of} corporation")
        if roles:
            text += ", " + ("in its individual capacity and " if individual else "") + "as " + join_words(roles)
        if first and p.short_name:
            text += f' ("{p.short_name}")'
        return text

    def name(self, key: str) -> str:
        """A later mention: the defined term, or the name."""
        p = self._parties[key]
        name: str = p.short_name or p.name
        return name

    def parties(self, keys: Iterable[str]) -> list[str]:
        """Each party named as `party` names it: in full the first time."""
        return [self.party(key) for key in keys]

    def names(self, keys: Iterable[str]) -> list[str]:
        """Each party's later mention, as `name` gives it."""
        return [self.name(key) for key in keys]


def enumerate_items(items: Sequence[str], conjunction: str = "and", end: str = "", style: str = "roman") -> list[tuple[str, str]]:
    """Label each item '(i)', '(ii)' ... and punctuate it as a run-in list: 'a,' 'b, and' 'c.'.

    One item gets no label: a list of one is just its item.
    """
    items = [i.strip() for i in items]
    if len(items) == 1:
        return [("", items[0] + end)]
    labels = [f"({ROMAN[n]})" if style == "roman" else f"({_letter(n)})" for n in range(len(items))]
    punctuated = [item + "," for item in items[:-2]]
    punctuated += [items[-2] + f", {conjunction}", items[-1] + end]
    return list(zip(labels, punctuated, strict=True))


GLOBALS = {"number_clauses": number_clauses, "join_words": join_words, "enumerate_items": enumerate_items, "mentions": Mentions}
