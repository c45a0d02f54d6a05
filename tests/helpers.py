"""What several test modules share: where the examples are, one CLI runner, and reading words out of documents.

Fixtures live in conftest.py; test modules import from here, never from one another.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

from anyascii import anyascii
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "cmsi-2003-1"  # the term sheet example's folder: deal.yaml and loans.csv
DEAL = EXAMPLE / "deal.yaml"
TAKEDOWN = EXAMPLES / "cmsi-2006-1" / "deal.yaml"
SHELF = EXAMPLES / "cmsi-2003-shelf" / "shelf.yaml"
VARIANTS = EXAMPLES / "variants"
REFERENCE = ROOT / "tests" / "reference"  # the filed copies the documents are compared with
PRIME = EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml"  # the modern layout: loan groups, figure columns, a cross-tab, the pool-data block
LOOK_EXAMPLES = {  # converted by LibreOffice once a session
    "term-sheet-8k": DEAL, "exhibit-5-1-takedown": TAKEDOWN, "exhibit-5-1-shelf": SHELF, "collateral-term-sheet": PRIME,
}
SNAPSHOTS = ROOT / "tests" / "test_snapshots"  # the pytest plugin's snapshots (tests/test_snapshots.py)

runner = CliRunner()

RULE = re.compile(r"^[-=_]{3,}$")


def normalised(text: str) -> list[str]:
    """The words of a document's text in any format, spelled alike: ASCII, rules dropped, hyphenated line ends joined."""
    text = anyascii(unicodedata.normalize("NFKC", text).replace("\u2014", "--"))  # an em dash is typed '--' in EDGAR text
    text = re.sub(r"(?<=[A-Za-z0-9])-\n(?=[A-Za-z0-9])", "-", text)  # 'Pass-' / 'Through' or '333-' / '270001' at a line end
    text = re.sub(r"\$\s+", "$", text)
    words = [w for w in text.split() if not RULE.match(w)]
    return ["jurisdiction" if w == "juris-" else w for w in words if w != "diction"]  # the cover's split caption


def raised_footnotes(words: Counter[str]) -> Counter[str]:
    """Text's footnote calls ('loans(1)') as a page prints them, raised and read back as 'loans1'."""
    return Counter({re.sub(r"\((\d)\)$", r"\1", word): count for word, count in words.items()})


def docx_words(data: bytes, footnote_label: str = "{}") -> Counter[str]:
    """The words of a DOCX, counted, as `normalised` spells them."""
    from generator.api import docx_text

    return Counter(normalised(docx_text(data, footnote_label)))
