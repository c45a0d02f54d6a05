"""What the opinion letter templates are told: the letter's data and its parties, by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.deal.loading import LoadedDeal
from generator.deal.opinion_models import Party, ShelfOpinion, TakedownOpinion
from generator.errors import DealFileError, Problem


def _depositor_party(loaded: LoadedDeal) -> Party:
    """The depositor as a letter names a party: its name, defined term and state of incorporation."""
    depositor = loaded.deal.depositor
    return Party(name=depositor.name, short_name=depositor.short_name, corporation_of=depositor.state_of_incorporation)


def takedown_opinion_of(loaded: LoadedDeal) -> TakedownOpinion:
    """The deal's takedown_opinion section: a deal file without one is the caller's problem to report, not a crash."""
    letter = loaded.deal.takedown_opinion
    if letter is None:
        raise DealFileError([Problem(str(loaded.path), None, "takedown_opinion", None, "the deal file has no takedown_opinion section")])
    return letter


def shelf_opinion_of(loaded: LoadedDeal) -> ShelfOpinion:
    """The deal's shelf_opinion section: a deal file without one is the caller's problem to report, not a crash."""
    letter = loaded.deal.shelf_opinion
    if letter is None:
        raise DealFileError([Problem(str(loaded.path), None, "shelf_opinion", None, "the deal file has no shelf_opinion section")])
    return letter


def takedown_context(loaded: LoadedDeal, _tape: Path | None) -> dict[str, Any]:
    """The takedown letter's context: the deal, the letter, and every party by key (the depositor's included)."""
    letter = takedown_opinion_of(loaded)
    parties = {"depositor": _depositor_party(loaded), **letter.parties}
    return {"deal": loaded.deal, "letter": letter, "parties": parties}


def shelf_context(loaded: LoadedDeal, _tape: Path | None) -> dict[str, Any]:
    """The shelf letter's context: the deal, the letter and the depositor."""
    return {"deal": loaded.deal, "letter": shelf_opinion_of(loaded), "depositor": _depositor_party(loaded)}
