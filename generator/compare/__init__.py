"""Comparing two drafts of a deal's documents: one module a job.

`drafts` reads a draft (a rendered folder or a deal file), `diff` compares documents as
paragraphs and table rows, `docx_redline` writes Word tracked changes, `html_model` reads HTML
as blocks, `blackline` sets the PDF blackline, `revision_tags` writes EDGAR's `<R>` tags,
`comparison` runs them document by document and `report` tells the user.
"""
