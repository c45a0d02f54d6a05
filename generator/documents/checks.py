"""What would stop a deal from rendering, found without rendering (what `dealdocs validate` reports besides the tape).

The pool's checks (tables, groups, the pool-data block) with the documents' own: labels and
headings trial-rendered, tables too wide for EDGAR text, what the Form 8-K layout cannot
print, the templates folder, and the opinion letters' logos.
"""

from __future__ import annotations

from generator.deal.loading import LoadedDeal
from generator.documents.grids import pool_width_problems, width_problems
from generator.documents.labels import labelled, trial
from generator.documents.letters import logo_problems
from generator.documents.term_sheet import eight_k_problems, page_problems
from generator.errors import DealdocsError, Problem, Severity
from generator.pool.analysis import pool_problems
from generator.pool.groups import grouped_tables
from generator.pool.pool_data import pool_data
from generator.pool.strats import TablePlaces, check_tables, resolve_tables
from generator.pool.summary import no_balance
from generator.pool.tape import TapeReport
from generator.templating.folders import template_dirs


def check_deal(loaded: LoadedDeal, report: TapeReport | None = None) -> list[Problem]:
    """What would stop the deal from rendering, found without rendering: its tables and its templates folder.

    With a tape report free of errors, each table is also computed from its loans.

    Args:
        loaded: The deal, from `load_deal`.
        report: Its tape's report, from `check_tape`, if it was read.

    Returns:
        The problems found, each at its line of the deal file; empty when it would render.
    """
    problems = []
    try:
        template_dirs(loaded)
    except DealdocsError as exc:  # placed at the deal file's `templates:` line
        problems += [loaded.problem(("templates",), p.value, p.message) if p.column == "templates" else p for p in exc.problems]
    term_sheet = loaded.deal.term_sheet
    if term_sheet is not None:
        loans = report.loans if report is not None and not report.count(Severity.ERROR) else None
        if loans is not None and (empty := no_balance(loans, term_sheet.pool)):  # what `summarize` refuses
            problems.append(empty)
        places = TablePlaces(loaded)
        specs = resolve_tables(term_sheet.pool.tables, places)
        found, computed = check_tables(term_sheet.pool.tables, places, loans, trial(places, term_sheet.cut_off_date.year))
        if not found:
            try:
                if loans is not None and term_sheet.pool.groups is not None:  # the tables render prints: each group's too
                    computed = grouped_tables(loans, specs, term_sheet.pool.groups, places)
                computed = labelled(computed, places)
            except DealdocsError as exc:  # a label that only the tape's values break (clamped to the data)
                found = exc.problems
        problems += found or width_problems(places, specs, computed)
        tables_found, found = found, pool_problems(loaded, loans)
        problems += found
        if not found and term_sheet.layout != "8k":  # the 8-K layout prints no pool-data block: `eight_k_problems` says so
            block = None
            if loans is not None:  # the lines matched with the tables render prints (none when a table cannot be computed)
                block = pool_data(loans, term_sheet.pool, [] if tables_found else computed)
            problems += pool_width_problems(loaded, term_sheet.pool, block)
        problems += eight_k_problems(loaded) + page_problems(loaded)
    return problems + logo_problems(loaded)
