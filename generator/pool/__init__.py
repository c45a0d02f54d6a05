"""The loan pool: loan tape in, canonical loans and the figures the documents state out.

Its canonical fields (`fields`), the tape read and checked row by row (`tape`), exact arithmetic
(`exact`), stratification tables (`strats`), the figures the prose states (`summary`),
the deal's pool put together (`analysis`) and exported for analysts (`export`). Second
and third stages: loan tape -> canonical loans -> figures.
"""
