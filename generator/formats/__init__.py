"""Formats: each document laid out as EDGAR text, PDF and DOCX from the same prose.

`text` (EDGAR rules in `edgar`), `pdf` (WeasyPrint, `fonts`), `docx` (docxtpl, `docx_package`
for reproducible bytes, `docx_templates` builds the `.docx` templates); `extract` reads the
words back out of PDF and DOCX for tests.
"""

FORMATS = ("txt", "docx", "pdf")
