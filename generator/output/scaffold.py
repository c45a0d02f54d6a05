"""`dealdocs new`: a deal folder started from an example, with a deal file to fill in."""

from __future__ import annotations

from pathlib import Path

from generator.errors import OutputError, Problem
from generator.files import write_atomic
from generator.installation import installed

DEFAULT_EXAMPLE = "cmsi-2003-1"

HEADER = """\
# New deal, started from {source}.
# Fill in every value below for this series (the example's values are left as a guide),
# put the lender's loan tape beside this file and name it in term_sheet.pool.tape, then:
#   dealdocs validate {deal}      (checks this file and every row of the tape)
#   dealdocs render {deal}        (writes out/ in txt, docx and pdf)
# `dealdocs schema` writes the JSON Schema that describes every key (for your editor).

"""


def examples_dir() -> Path:
    """The examples: inside the package in a wheel (pyproject's force-include), beside it in a checkout."""
    return installed("examples")


def new_deal(folder: Path, source: Path | None = None) -> list[Path]:
    """Start a deal folder from an example: its deal files (not its tape: a new deal has its own) under a header of next steps.

    Args:
        folder: The new deal's folder; it must not exist.
        source: Any folder holding deal files; by default the term sheet example installed with dealdocs.

    Returns:
        The deal files written.

    Raises:
        DealdocsError: `folder` exists, `source` holds no deal file, or a file cannot be written.
    """
    origin = f"the example {DEFAULT_EXAMPLE} installed with dealdocs" if source is None else str(source)
    source = examples_dir() / DEFAULT_EXAMPLE if source is None else source
    deals = sorted(p for p in source.glob("*.yaml")) if source.is_dir() else []
    problems = []
    if not deals:
        problems.append(Problem(str(source), None, None, None, "no deal file (*.yaml) in this folder: give --from an example deal's folder"))
    if folder.exists():
        problems.append(Problem(str(folder), None, None, None, "already exists: choose a new folder"))
    if problems:
        raise OutputError(problems)
    return [write_atomic(folder / d.name, HEADER.format(source=origin, deal=folder / d.name) + d.read_text()) for d in deals]
