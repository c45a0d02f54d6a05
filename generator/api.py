"""The public library API: what the CLI calls, and what tests and users can call directly."""

from generator.pool.analysis import PoolAnalysis, analyse, check_tape
from generator.deal.loading import LoadedDeal, load_deal
from generator.pool.export import as_dict, to_csv, to_json, write_xlsx
from generator.errors import DealdocsError, Problem, Severity
from generator.errors import DealFileError, ExitCode, ManifestError, OutputError, TapeError, TemplateProblemError
from generator.documents.registry import DOCUMENTS, documents_of
from generator.formats.rendered import Rendered
from generator.output.rendering import render_deal
from generator.formats.text import render_text
from generator.deal.schema import write_schemas
from generator.pool.strats import Table, compute_table, resolve_tables
from generator.pool.summary import Summary, summarize
from generator.pool.tape import TapeReport, load_tape

__all__ = [
    "DOCUMENTS", "DealdocsError", "LoadedDeal", "PoolAnalysis", "Problem", "Rendered", "Severity",
    "Summary", "Table", "TapeReport", "analyse", "as_dict", "check_tape", "compute_table",
    "documents_of", "load_deal", "load_tape", "render_deal", "render_text", "resolve_tables",
    "summarize", "to_csv", "to_json", "write_schemas", "write_xlsx",
    "DealFileError", "ExitCode", "ManifestError", "OutputError", "TapeError", "TemplateProblemError",
]  # fmt: skip
