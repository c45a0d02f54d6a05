"""The documents a deal produces (`registry`) and what each template is told.

The term sheet's context (`term_sheet`), the letters' (`letters`) with their clause numbering
and party mentions (`clauses`) and their text pagination (`paging`). Fourth stage: figures ->
document context.
"""
