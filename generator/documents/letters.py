"""What the opinion letter templates are told: the letter's data, its parties by key, and the letterhead's logo."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.deal.loading import LoadedDeal, check_path
from generator.deal.opinion_models import Counsel, Party, ShelfOpinion, TakedownOpinion
from generator.errors import DealFileError, Problem

_IMAGE_KINDS = {".jpg": (b"\xff\xd8\xff", "image/jpeg"), ".gif": (b"GIF8", "image/gif")}
"""What a logo's first bytes are, by its suffix, and its media type: EDGAR takes JPEG and GIF images only."""


@dataclass(frozen=True)
class Logo:
    """A letterhead's image as each format shows it: EDGAR HTML by file name (the file goes beside it), the PDF as a data: URL, Word from its path."""

    file: str
    path: str
    data_url: str


def logo_of(loaded: LoadedDeal, counsel: Counsel, section: str) -> Logo | None:
    """The letterhead's logo read from beside the deal file, or None; a file that is missing or no JPEG/GIF is the deal file's problem, at its line."""
    if isinstance(counsel.letterhead, str) or counsel.letterhead.logo is None:
        return None
    name = counsel.letterhead.logo
    path = loaded.resolve(name)
    where = (section, "counsel", "letterhead", "logo")
    if (why := check_path(path)) is not None or not path.is_file():
        raise DealFileError([loaded.problem(where, name, f"{why or 'no such file'}: put the logo beside the deal file ({path.parent})")])
    content = path.read_bytes()
    magic, media = _IMAGE_KINDS[path.suffix]
    if not content.startswith(magic):
        why = f"not a {media.split('/')[1].upper()} image, though named {path.suffix}: save the logo as {path.suffix}"
        raise DealFileError([loaded.problem(where, name, why)])
    return Logo(name, str(path), f"data:{media};base64,{base64.b64encode(content).decode('ascii')}")


def _depositor_party(loaded: LoadedDeal) -> Party:
    """The depositor as a letter names a party: its name, defined term and state of incorporation."""
    depositor = loaded.deal.depositor
    return Party(name=depositor.name, short_name=depositor.short_name, corporation_of=depositor.state_of_incorporation)


def logo_problems(loaded: LoadedDeal) -> list[Problem]:
    """Each letter's logo that cannot be shown (missing, or no JPEG/GIF), at its line: what `validate` finds without rendering."""
    found: list[Problem] = []
    for section in ("takedown_opinion", "shelf_opinion"):
        letter = getattr(loaded.deal, section)
        try:
            if letter is not None:
                logo_of(loaded, letter.counsel, section)
        except DealFileError as exc:
            found += exc.problems
    return found


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
    return {"deal": loaded.deal, "letter": letter, "parties": parties, "logo": logo_of(loaded, letter.counsel, "takedown_opinion")}


def shelf_context(loaded: LoadedDeal, _tape: Path | None) -> dict[str, Any]:
    """The shelf letter's context: the deal, the letter, the depositor and the letterhead's logo."""
    letter = shelf_opinion_of(loaded)
    return {"deal": loaded.deal, "letter": letter, "depositor": _depositor_party(loaded), "logo": logo_of(loaded, letter.counsel, "shelf_opinion")}
