"""Templates: where they are found, the sandbox they run in, and how their mistakes are reported.

Where templates are found (`folders`), the one sandboxed Jinja environment (`environment`,
`sandbox`) with the filters that print exact figures (`filters`), and running a template so
that its mistakes are problems at its line (`running`). Fifth stage: document context -> text.
"""
