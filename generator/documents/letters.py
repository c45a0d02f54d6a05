"""What the opinion letter templates are told: the letter's data and its parties, by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.deal.loading import LoadedDeal
from generator.deal.opinion_models import Party


def depositor_party(loaded: LoadedDeal) -> Party:
    depositor = loaded.deal.depositor
    return Party(name=depositor.name, short_name=depositor.short_name, corporation_of=depositor.state_of_incorporation)


def takedown_context(loaded: LoadedDeal, _tape: Path | None) -> dict[str, Any]:
    letter = loaded.deal.takedown_opinion
    parties = {"depositor": depositor_party(loaded), **letter.parties}
    return {"deal": loaded.deal, "letter": letter, "parties": parties}


def shelf_context(loaded: LoadedDeal, _tape: Path | None) -> dict[str, Any]:
    return {"deal": loaded.deal, "letter": loaded.deal.shelf_opinion, "depositor": depositor_party(loaded)}
