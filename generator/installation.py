"""Where the folders shipped with dealdocs are (templates, examples), for every layer that reads them."""

from __future__ import annotations

from pathlib import Path


def installed(name: str) -> Path:
    """A folder shipped with dealdocs: inside the package in a wheel (pyproject's force-include), beside it in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"dealdocs' {name} are missing from this installation")
