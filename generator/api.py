"""The public library API: the one module tests, benchmarks, the pytest plugin and users import from.

The pipeline, in order: load a deal file, check its loan tape, analyse the pool (summary and
stratification tables), render its documents, export the figures::

    from pathlib import Path

    from generator.api import DealdocsError, Severity, analyse, check_tape, load_deal, render_deal, render_document

    try:
        loaded = load_deal("examples/cmsi-2003-1/deal.yaml")   # the YAML, validated; DealdocsError lists every problem
        report = check_tape(loaded)                              # every row checked; row problems are in the report
        print(report.count(Severity.ERROR), "errors,", report.count(Severity.WARNING), "warnings")
        analysis = analyse(loaded)                               # summary and labelled tables of a clean tape
        print(analysis.summary.pool.count, [table.spec.id for table in analysis.tables])
        text = render_document(loaded, "term-sheet-8k", "txt").text                  # one document, one format
        written = render_deal(loaded, Path("out/2003-1"), formats=("txt", "docx", "pdf"))  # every document, published together
    except DealdocsError as exc:
        for problem in exc.problems:
            print(problem)                                       # file:line [key]: error: message (value ...)

`compute_table` gives a table's rows with their keys (a band's bounds, a category, a year, a
state); `labelled` renders their labels, as `analyse` does for every table.

Rendering one document in one format: `render_document(loaded, name, fmt)` with a name of
`DOCUMENTS` and a format of `FORMATS`; or the per-format renderers (`render_text`,
`render_docx`, `render_pdf`, `render_htm` (EDGAR HTML), and `render_html`, the HTML a PDF is set from), each taking the
`Document` (`DOCUMENTS[name]`) and an optional pre-built `context`, e.g. to render several
formats from one analysis. The modern term sheet's tables are laid out from printed cells:
`table_grid` and `pool_grid` make a `Grid` of a table or of the pool-data block, `text_table`
sets one as EDGAR text.

A new tape: `compare_tapes(loaded, old, new)` lists the loans it adds, drops and changes, and
every printed figure it moves with the loans that moved it (`dealdocs compare-tapes`).

Filing: `write_submission` writes a Form 8-K submission folder (`assemble` gives its documents in
memory); `edgar_problems` lints EDGAR text, HTML and submission folders, as `dealdocs check` does;
`check_consistency` checks a deal's own consistency (dates, prose figures, exhibit index, party
names, certificate balances), as `dealdocs check DEAL.yaml` does.

Drafts: `compare` compares two drafts of a deal (rendered folders or deal files) document by
document and writes a Word redline, a PDF blackline and, asked, EDGAR files with `<R>` tags.

Many deals: `discover` finds deal files, `run_batch` renders them in worker processes (each
with a manifest, through `render_one`), `verify` compares a folder with its manifest.
`new_deal` starts a deal folder from an example; `write_schemas` writes the deal file's JSON
Schema. Importing this module imports polars and pydantic: the CLI imports what it needs
lazily, so that `dealdocs --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

from generator.compare.comparison import Comparison, DocumentComparison
from generator.deal.loading import Key, LoadedDeal, load_deal
from generator.deal.models import BandsRule, CategoriesRule, Deal, DistinctRule, StatesRule, TableField, TableSpec, YearlyRule
from generator.deal.placeholders import placeholders
from generator.deal.schema import schema_texts, write_schemas
from generator.documents.checks import check_deal
from generator.documents.grids import Grid, pool_grid, table_grid, text_table
from generator.documents.labels import analysed as analyse
from generator.documents.labels import labelled
from generator.documents.registry import DOCUMENTS, Document, documents_of, section_of
from generator.errors import DealdocsError, DealFileError, ExitCode, ManifestError, OutputError, Problem, Severity, TapeError, TemplateProblemError
from generator.formats import FORMATS
from generator.formats.docx import render_docx
from generator.formats.edgar_check import problems as edgar_problems
from generator.formats.extract import docx_text, pdf_pages
from generator.formats.fonts import TYPEFACES
from generator.formats.htm import render_htm
from generator.formats.pdf import render_html, render_pdf
from generator.formats.rendered import Rendered
from generator.formats.text import render_text
from generator.formats.typography import smart_quotes
from generator.output.batch import BatchInterrupted, DealResult, deal_names, discover, render_one, run_batch
from generator.output.export import as_dict, to_csv, to_json, write_xlsx
from generator.output.figure_diff import Attribution, FigureChange, Moved, Printed, TapeComparison, figure_changes, printed_figures
from generator.output.manifest import Change, verify
from generator.output.rendering import RENDERERS, render_deal
from generator.output.scaffold import new_deal
from generator.output.submission import SubmissionDocument, assemble, write_submission
from generator.pool.analysis import PoolAnalysis, check_tape, tape_path, term_sheet_of
from generator.pool.lint import deal_warnings
from generator.pool.strats import Table, compute_table, compute_tables, default_tables, resolve_tables
from generator.pool.summary import Summary, summarize
from generator.pool.tape import TapeReport, load_tape
from generator.pool.tape_diff import LoanChanges, diff_loans
from generator.templating.folders import template_dirs, templates_dir
from generator.templating.overrides import export_templates, partial_overrides

__all__ = [  # noqa: RUF022  # grouped by pipeline stage, in the order the module's docstring tells it
    # errors and exit codes
    "DealdocsError", "Problem", "Severity", "ExitCode",
    "DealFileError", "TapeError", "TemplateProblemError", "OutputError", "ManifestError",
    # the deal file
    "Deal", "LoadedDeal", "load_deal", "schema_texts", "write_schemas",
    "TableSpec", "TableField", "BandsRule", "CategoriesRule", "DistinctRule", "YearlyRule", "StatesRule",
    # the tape and the pool's figures
    "TapeReport", "load_tape", "check_tape", "tape_path", "term_sheet_of", "check_deal", "deal_warnings", "placeholders",
    "PoolAnalysis", "analyse", "Summary", "summarize",
    "Table", "compute_table", "compute_tables", "labelled", "default_tables", "resolve_tables",
    "as_dict", "to_csv", "to_json", "write_xlsx",
    "compare_tapes", "TapeComparison", "LoanChanges", "FigureChange", "Moved",
    # documents and formats
    "DOCUMENTS", "Document", "documents_of", "FORMATS", "Rendered",
    "render_document", "render_text", "render_docx", "render_pdf", "render_html", "render_htm", "edgar_problems", "docx_text", "pdf_pages", "templates_dir",
    "TYPEFACES", "smart_quotes", "export_templates", "partial_overrides",
    "section_of", "Grid", "table_grid", "pool_grid", "text_table",
    # output folders
    "render_deal", "new_deal", "assemble", "write_submission", "SubmissionDocument", "check_consistency",
    "discover", "deal_names", "render_one", "run_batch", "DealResult", "BatchInterrupted", "verify", "Change",
    # drafts
    "compare", "Comparison", "DocumentComparison",
]  # fmt: skip


def render_document(
    loaded: LoadedDeal, document: str | Document, fmt: str = "txt", tape: Path | None = None, templates: Path | None = None
) -> Rendered:
    """Render one document of a deal in one format, in memory, as `render_deal` would write it.

    Templates are looked for where `render_deal` looks (`templates`, then the deal file's
    `templates:` folder, then the built-in ones), so the result is byte for byte the file it writes.

    Args:
        loaded: The deal, from `load_deal`.
        document: A name of `DOCUMENTS` (e.g. "term-sheet-8k") or a `Document`.
        fmt: One of `FORMATS`: "txt" (EDGAR text), "docx", "pdf" or "htm" (EDGAR HTML).
        tape: A loan tape to use instead of the deal file's (the term sheet only).
        templates: A folder of templates that override the built-in ones by name.

    Returns:
        The rendered document: `content` is text for "txt" and "htm", bytes for "docx" and "pdf"; `warnings`
        lists what EDGAR text had to change (non-ASCII characters).

    Raises:
        ValueError: `document` or `fmt` is not one dealdocs knows (a caller's mistake, not the deal's).
        DealdocsError: The deal file does not describe this document, or its tape, tables or
            templates have problems; every problem is listed.
    """
    name = document if isinstance(document, str) else document.name
    if name not in DOCUMENTS:
        raise ValueError(f"unknown document {name!r}: choose from {', '.join(DOCUMENTS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose from {', '.join(FORMATS)}")
    chosen = DOCUMENTS[name]
    if chosen not in documents_of(loaded):
        section = section_of(name)
        raise DealdocsError([Problem(str(loaded.path), None, section, None, f"the deal file has no {section} section, so it has no {name}")])
    return RENDERERS[fmt](loaded, chosen, tape, template_dirs(loaded, templates))


def check_consistency(loaded: LoadedDeal, tape: Path | None = None, templates: Path | None = None) -> list[Problem]:
    """The deal's own consistency, as `dealdocs check DEAL.yaml` reports it: what a filing agent or a lawyer would send back.

    Renders every document's EDGAR text in memory (and the 8-K's submission) and applies the checks of
    `generator.documents.consistency`: dates in order, each prose figure stated by the document's data,
    the 8-K's exhibit index against its exhibits, parties spelled one way; and the certificates'
    balances against the pool's (`balance_warnings`).

    Args:
        loaded: The deal, from `load_deal`.
        tape: A loan tape to use instead of the deal file's.
        templates: A folder of templates that override the built-in ones by name.

    Returns:
        Errors and warnings, each at its line of the deal file; empty when the deal is consistent.

    Raises:
        DealdocsError: A document cannot be rendered (its tape, tables or templates have problems): those
            problems, after the ones found without rendering.
    """
    from generator.documents import consistency as checks
    from generator.documents.certificates import balance_warnings
    from generator.documents.labels import analysed
    from generator.output.submission import EXHIBITS, chosen_documents, cover_open, filing_problems, forms, report_date
    from generator.pool.analysis import tape_reports

    deal, search_path = loaded.deal, template_dirs(loaded, templates)
    refused = filing_problems(loaded) if "8-K" in forms(loaded) else []  # a supplied exhibit not found...: no 8-K to assemble
    eight_k, exhibits = None, []
    if "8-K" in forms(loaded) and (deal.filing is not None or not refused):  # without a filing section, as `validate`: an 8-K only if it can be
        given = deal.filing is not None and deal.filing.report_date is not None
        words = "the 8-K's date of report" if given else "the 8-K's date of report (by default the term sheet's date, else the opinion's)"
        eight_k = checks.DatedField(words, ("filing", "report_date"), report_date(loaded))
        term_sheet: tuple[Key, ...] = ("term_sheet", "report_date")
        dated = {"exhibit-5-1-takedown": ("takedown_opinion", "date"), "term-sheet-8k": term_sheet, "collateral-term-sheet": term_sheet}
        exhibits = [
            checks.DatedField(f"the date of Exhibit {EXHIBITS[name][0]}, the {section_of(name).replace('_', ' ')}", dated[name], DOCUMENTS[name].dated(loaded))
            for name in chosen_documents(loaded)[0] if name in dated and DOCUMENTS[name] in documents_of(loaded)
        ]  # fmt: skip
    found = checks.date_problems(loaded, checks.date_rules(loaded, eight_k, exhibits))
    found += refused if eight_k is not None else []
    texts: dict[str, str] = {}
    try:
        allowed = checks.template_numbers([p.read_text("utf-8") for p in sorted(templates_dir().rglob("*.j2")) if ".htm" not in p.name])
        yours = [(p, p.relative_to(folder).parts[0]) for folder in search_path for p in sorted(folder.rglob("*.j2")) if ".htm" not in p.name]
        for document in documents_of(loaded):
            context = document.context(loaded, tape)
            text = render_text(loaded, document, tape, search_path, context).text
            texts[f"{document.name}.txt"] = text
            own = {  # its folder, its layouts, the partials
                str(p): p.read_text("utf-8", "replace") for p, top in yours if top == document.name or top.startswith((f"{document.name}.", "_"))
            }
            found += checks.figure_problems(loaded, document.name, text, context, allowed, own, bool(own))
        with tape_reports():  # the tape read again: its warnings were the first reading's, told once
            if deal.term_sheet is not None:
                found += balance_warnings(loaded, analysed(loaded, tape).tape.loans)
            if eight_k is not None and not refused:
                submission = assemble(loaded, tape, templates)
                main = submission[0].content.decode("ascii")
                found += checks.exhibit_problems(loaded, [(d.type, d.file) for d in submission[1:]], main)
                texts[submission[0].file] = main
    except DealdocsError as exc:
        raise DealdocsError([*found, *exc.problems], len(found) + exc.total) from None
    found += checks.party_problems(loaded, texts)
    return found + placeholders(loaded) + (cover_open(loaded) if eight_k is not None else [])  # facts left open: warnings
def compare_tapes(loaded: LoadedDeal, old: Path, new: Path) -> TapeComparison:
    """What a new loan tape changes: loans added, dropped and changed, and every figure the term sheet prints that moved.

    Both tapes are analysed as rendering analyses them, so a figure moved exactly when its printed text did.

    Args:
        loaded: The deal, from `load_deal`.
        old: The tape the last draft was rendered from.
        new: The tape that replaces it.

    Returns:
        The loans (by loan number, each changed one with its fields old -> new) and the moved
        figures (old -> new, with the added, dropped and changed loans they are over).

    Raises:
        DealdocsError: No term sheet, a deal-file problem, or either tape unreadable or with row
            errors (the problems of both tapes together).
    """
    import tempfile

    import polars as pl

    figures: list[list[Printed]] = []
    specs: list[TableSpec] = []
    frames: list[pl.DataFrame] = []
    problems: list[Problem] = []
    total = 0
    with tempfile.TemporaryDirectory(prefix="dealdocs-") as spill:
        for n, tape in enumerate((old, new)):
            try:
                analysis = analyse(loaded, tape)
            except TapeError as exc:  # both tapes' problems at once; a deal-file problem is the same for both
                problems += exc.problems
                total += exc.total
                continue
            figures.append(printed_figures(loaded, analysis))
            specs += [t.spec for t in analysis.tables]
            if n == 0:  # the old tape's loans wait on disk while the new tape is analysed: one tape's analysis at a time in memory
                analysis.tape.loans.write_ipc(Path(spill, "old.arrow"), compression="uncompressed")
            else:
                frames.append(analysis.tape.loans)
            del analysis
        if problems:
            raise TapeError(problems, total)
        frames.insert(0, pl.read_ipc(Path(spill, "old.arrow")))
        pool = term_sheet_of(loaded).pool
        loans = diff_loans(frames[0], frames[1], pool)
        attribution = Attribution(frames[0], frames[1], loans, specs, pool.groups)
        return TapeComparison(loans, figure_changes(figures[0], figures[1], attribution))
def compare(
    old: Path,
    new: Path,
    out: Path | None = None,
    tape: Path | None = None,
    old_tape: Path | None = None,
    new_tape: Path | None = None,
    revision_tags: bool = False,
    templates: Path | None = None,
) -> Comparison:
    """Compare two drafts, each a rendered output folder or a deal file (rendered in memory), document by document.

    For each document in both that changed: `DOCUMENT.redline.docx` (Word tracked changes, by the
    deal's depositor, dated as the document), `DOCUMENT.blackline.pdf` and, with `revision_tags`,
    the new draft's `DOCUMENT.htm` and `.txt` with EDGAR's `<R>` tags; written into `out` if given.

    Args:
        old: The earlier draft: a folder `render` wrote, or a deal file.
        new: The later draft, likewise.
        out: The folder to write the files into (created); None keeps them in memory (`DocumentComparison.outputs`).
        tape: A loan tape for both deal files instead of theirs; `old_tape` and `new_tape` for one each.
        old_tape: The old deal file's tape instead of its own.
        new_tape: The new deal file's tape instead of its own.
        revision_tags: Also make the new draft's EDGAR files with `<R>` tags.
        templates: A folder of templates that override the built-in ones, for deal files.

    Returns:
        The comparison: identical drafts give one without changes (`Comparison.changed` false).

    Raises:
        DealdocsError: A draft is missing or cannot be read, or a deal file, its tape or templates have problems.
    """
    from generator.compare.comparison import compare_drafts
    from generator.compare.drafts import read_draft
    from generator.files import write_atomic
    from generator.processes import gc_paused

    if out is not None and any(draft.is_dir() and draft.resolve() == out.resolve() for draft in (old, new)):
        message = "the output folder is a draft's folder: its EDGAR files would be overwritten; name another --out folder"
        raise DealdocsError([Problem(str(out), None, "--out", None, message)])
    with gc_paused():
        before = read_draft(old, old_tape or tape, templates, revision_tags).started()  # its renders go on while the new draft is read
        try:
            comparison = compare_drafts(before, read_draft(new, new_tape or tape, templates, revision_tags), revision_tags)
        finally:
            before.cancel()  # nothing left to stop unless a problem ended the comparison early
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for document in comparison.documents:
            for name, content in sorted(document.outputs.items()):
                write_atomic(out / name, content)
    return comparison
