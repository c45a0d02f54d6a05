"""dealdocs: SEC filings of a mortgage-backed securities series, drafted from a deal file and a loan tape.

The library API lives in `generator.api`; this module stays empty so that `dealdocs --help`
starts without importing polars, pydantic or the renderers.
"""

__version__ = "0.1.0"
