"""Formats: each document laid out as EDGAR text, EDGAR HTML, PDF and DOCX from the same prose.

`text` (EDGAR rules in `edgar`), `pdf` (WeasyPrint, `fonts`), `docx` (docxtpl, `docx_package`
for reproducible bytes, `docx_templates` builds the `.docx` templates); `extract` reads the
words back out of PDF and DOCX for tests; `htm` (EDGAR HTML) is checked by `edgar_check`, the
linter of `dealdocs check`.
"""

FORMATS = ("txt", "docx", "pdf", "htm")
DEFAULT_FORMATS = ("txt", "docx", "pdf")
"""What `render` and `batch` write unless told otherwise; htm is asked for (or written by --submission)."""
