"""The public library API: what the CLI calls, and what tests and users can call directly."""

from .analysis import PoolAnalysis, analyse, check_tape
from .deal import LoadedDeal, load_deal
from .export import as_dict, to_csv, to_json, write_xlsx
from .problems import DealdocsError, Problem, Severity
from .render import DOCUMENTS, Rendered, documents_of, render_deal, render_text
from .schema import write_schemas
from .strats import Table, compute_table, resolve_tables
from .summary import Summary, summarize
from .tape import TapeReport, load_tape

__all__ = [
    "DOCUMENTS", "DealdocsError", "LoadedDeal", "PoolAnalysis", "Problem", "Rendered", "Severity",
    "Summary", "Table", "TapeReport", "analyse", "as_dict", "check_tape", "compute_table",
    "documents_of", "load_deal", "load_tape", "render_deal", "render_text", "resolve_tables",
    "summarize", "to_csv", "to_json", "write_schemas", "write_xlsx",
]  # fmt: skip
