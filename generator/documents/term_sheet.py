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


def collateral_context(loaded: LoadedDeal, tape: Path | None) -> dict[str, Any]:
    """The modern term sheet's context: the 8-K's, the pool-data block, and every table checked to fit EDGAR text."""
    from generator.documents.grids import width_problems
    from generator.errors import DealFileError
    from generator.pool.strats import TablePlaces

    analysis = analyse(loaded, tape)
    if problems := width_problems(TablePlaces(loaded), [], analysis.tables):
        raise DealFileError(problems)
    return {
        "deal": loaded.deal, "term_sheet": term_sheet_of(loaded), "summary": analysis.summary,
        "tables": analysis.tables, "pool_data": analysis.pool_data,
    }  # fmt: skip
