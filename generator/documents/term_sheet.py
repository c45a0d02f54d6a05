"""What the term sheet's templates are told: the deal, its term sheet, the pool's summary and tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.deal.loading import LoadedDeal
from generator.errors import Problem
from generator.pool.analysis import term_sheet_of

if TYPE_CHECKING:
    from generator.documents.pool_facts import PoolFacts
    from generator.pool.analysis import PoolAnalysis


def term_sheet_context(loaded: LoadedDeal, tape: Path | None) -> dict[str, Any]:
    """The tape is analysed here, once for every format of the term sheet."""
    from generator.documents.labels import analysed
    from generator.errors import DealFileError

    if problems := eight_k_problems(loaded):
        raise DealFileError(problems)
    analysis = analysed(loaded, tape)
    return {
        "deal": loaded.deal, "term_sheet": term_sheet_of(loaded), "summary": analysis.summary, "tables": analysis.tables,
        "facts": facts_of(loaded, analysis),
    }  # fmt: skip


def collateral_context(loaded: LoadedDeal, tape: Path | None) -> dict[str, Any]:
    """The modern term sheet's context: the 8-K's, the pool-data block, the facts its prose states, every table checked to fit EDGAR text."""
    from generator.documents.certificates import offered_classes
    from generator.documents.certificates import width_problems as certificates_width_problems
    from generator.documents.grids import pool_width_problems, width_problems
    from generator.documents.labels import analysed
    from generator.errors import DealFileError
    from generator.pool.strats import TablePlaces

    if problems := page_problems(loaded):
        raise DealFileError(problems)
    analysis = analysed(loaded, tape)
    certificates = offered_classes(term_sheet_of(loaded).classes or [], analysis.summary.pool.balance)
    widths = width_problems(TablePlaces(loaded), [], analysis.tables) + certificates_width_problems(loaded, certificates)
    if problems := widths + pool_width_problems(loaded, term_sheet_of(loaded).pool, analysis.pool_data):
        raise DealFileError(problems)
    return {
        "deal": loaded.deal, "term_sheet": term_sheet_of(loaded), "summary": analysis.summary,
        "tables": analysis.tables, "pool_data": analysis.pool_data,
        "facts": facts_of(loaded, analysis),
        "certificates": certificates,
    }  # fmt: skip


def facts_of(loaded: LoadedDeal, analysis: PoolAnalysis) -> PoolFacts:
    """What the tape and tables say of the pool, for either term sheet's prose: only the fields the deal file maps count as reported."""
    from generator.documents.pool_facts import pool_facts

    pool = term_sheet_of(loaded).pool
    return pool_facts(analysis.tape.loans, pool.groups, {field for field, header in pool.headers().items() if header}, analysis.tables)


def eight_k_problems(loaded: LoadedDeal) -> list[Problem]:
    """What the 2003 Form 8-K layout cannot print (it sets count and balance only): each at its deal-file line.

    Figure columns, cross-tabs, loan groups and the pool-data block are laid out by the modern
    layout alone; under `layout: 8k` they would be dropped or garbled, so they are errors.
    """
    from generator.pool.strats import TablePlaces, resolve_tables

    term_sheet = loaded.deal.term_sheet
    if term_sheet is None or term_sheet.layout != "8k":
        return []
    fix = "set term_sheet.layout: modern (a collateral term sheet) to print it"
    pool, places = term_sheet.pool, TablePlaces(loaded)
    problems = []
    for spec in resolve_tables(pool.tables, places):
        if spec.across is not None:
            problems.append(places.spec(spec, ("across",), spec.id, f"the Form 8-K layout prints no cross-tab: {fix}"))
        elif spec.columns:
            problems.append(places.spec(spec, ("columns",), spec.id, f"the Form 8-K layout prints count and balance only, not columns: {fix}"))
    for key, what in (("groups", "loan groups"), ("summary", "pool-data block")):
        if getattr(pool, key):
            problems.append(loaded.problem(("term_sheet", "pool", key), None, f"the Form 8-K layout prints no {what}: {fix}"))
    if term_sheet.page != type(term_sheet.page)():
        problems.append(loaded.problem(("term_sheet", "page"), None, f"the Form 8-K layout is set as the 2003 filings were (portrait, no page options): {fix}"))
    if term_sheet.classes:
        problems.append(loaded.problem(("term_sheet", "classes"), None, f"the Form 8-K layout prints no offered certificates table: {fix}"))
    return problems


def page_problems(loaded: LoadedDeal) -> list[Problem]:
    """Each id of `page.landscape_tables` that names no table the modern term sheet prints, at its deal-file line.

    A table's id (the resolved `pool.tables`: defaults, replacements and additions), `pool-data`
    with a pool-data block, `offered-certificates` with classes: a misspelt id would otherwise
    leave its table upright without a word.
    """
    from generator.pool.strats import TablePlaces, resolve_tables

    term_sheet = loaded.deal.term_sheet
    if term_sheet is None or term_sheet.layout == "8k" or not term_sheet.page.landscape_tables:
        return []
    pool = term_sheet.pool
    known = [spec.id for spec in resolve_tables(pool.tables, TablePlaces(loaded))]
    known += ["pool-data"] * bool(pool.summary) + ["offered-certificates"] * bool(term_sheet.classes)
    return [
        loaded.problem(("term_sheet", "page", "landscape_tables", n), table,
                       f"no table `{table}` is printed to set on a landscape page: use one of {', '.join(known)}")
        for n, table in enumerate(term_sheet.page.landscape_tables) if table not in known
    ]  # fmt: skip
