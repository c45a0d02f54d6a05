"""The one Jinja set-up every template and label goes through: strict, sandboxed, same filters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .clauses import GLOBALS
from .formatting import FILTERS


def environment(search_path: Sequence[Path] = (), *, autoescape: bool = False) -> SandboxedEnvironment:
    """A strict environment: an undefined name is an error, never an empty string in a filing.

    Sandboxed because templates and table labels may come from a deal team, not from us.
    """
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(p) for p in search_path]) if search_path else None,
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env
