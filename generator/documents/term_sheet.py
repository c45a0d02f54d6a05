"""What the term sheet's templates are told: the deal, its term sheet, the pool's summary and tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.deal.loading import LoadedDeal
from generator.pool.analysis import analyse, term_sheet_of


def term_sheet_context(loaded: LoadedDeal, tape: Path | None) -> dict[str, Any]:
    """The tape is analysed here, once for every format of the term sheet."""
    analysis = analyse(loaded, tape)
    return {"deal": loaded.deal, "term_sheet": term_sheet_of(loaded), "summary": analysis.summary, "tables": analysis.tables}
