"""The deal file: YAML in, a validated `Deal` out.

YAML read with line numbers (`loading`), the pydantic models of a deal
(`models`, `opinion_models`, on the shared `base`), checks of fields against each other
reported at their keys (`field_checks`) and the JSON Schema exported from the models
(`schema`). First stage of the pipeline: deal file -> validated `Deal`.
"""
