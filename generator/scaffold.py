"""`dealdocs new`: a deal folder started from an example, with a deal file to fill in."""

from __future__ import annotations

from pathlib import Path

from .files import write_atomic
from .problems import DealdocsError, Problem

HEADER = """\
# New deal, started from {source}.
# Fill in every value below for this series (the example's values are left as a guide),
# put the lender's loan tape beside this file and name it in term_sheet.pool.tape, then:
#   dealdocs validate {deal}      (checks this file and every row of the tape)
#   dealdocs render {deal}        (writes out/ in txt, docx and pdf)
# The JSON Schema in schemas/deal.schema.json describes every key.

"""


def new_deal(folder: Path, source: Path) -> list[Path]:
    """Copy the example's deal files (not its tape: a new deal has its own) under a header of next steps."""
    deals = sorted(p for p in source.glob("*.yaml")) if source.is_dir() else []
    problems = []
    if not deals:
        problems.append(Problem(str(source), None, None, None, "no deal file (*.yaml) in this folder"))
    if folder.exists():
        problems.append(Problem(str(folder), None, None, None, "already exists: choose a new folder"))
    if problems:
        raise DealdocsError(problems)
    return [write_atomic(folder / d.name, HEADER.format(source=source, deal=folder / d.name) + d.read_text()) for d in deals]
