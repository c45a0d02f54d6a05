"""What several test modules share: where the examples are, one CLI runner, and reading words out of documents.

Fixtures live in conftest.py; test modules import from here, never from one another.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from anyascii import anyascii
from typer.testing import CliRunner

from generator.cli import app

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
    # 'Pass-' / 'Through' or '333-' / '270001' at a line end are joined; a suspended hyphen ('one-' / 'to four-family') is not
    text = re.sub(r"(?<=[A-Za-z0-9])-\n(?=[A-Za-z0-9])(?!to four-)", "-", text)
    text = re.sub(r"\$\s+", "$", text)
    text = re.sub(r"_{3,}", " ", text)  # a line to sign on, typed or a tab's leader read back from a page ('By:_____')
    words = [w for w in text.split() if not RULE.match(w)]
    return ["jurisdiction" if w == "juris-" else w for w in words if w != "diction"]  # the cover's split caption


def raised_footnotes(words: Counter[str]) -> Counter[str]:
    """Text's footnote calls ('loans(1)') as a page prints them, raised and read back as 'loans1'."""
    return Counter({re.sub(r"\((\d)\)$", r"\1", word): count for word, count in words.items()})


def docx_words(data: bytes, footnote_label: str = "{}") -> Counter[str]:
    """The words of a DOCX, counted, as `normalised` spells them."""
    from generator.api import docx_text

    return Counter(normalised(docx_text(data, footnote_label)))


# --- the oracle: figures computed from a tape's text, never by the product's code ----------------

Loan = dict[str, str]
"""A tape row as text, header to cell."""


def half_up(value: Fraction, places: int = 2) -> str:
    """An exact value rounded half-up and printed with `places` decimals: '0.679'."""
    scaled = value * 10**places
    whole = str((scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)).rjust(places + 1, "0")
    return f"{whole[:-places]}.{whole[-places:]}" if places else whole


def footed(parts: list[int], places: int = 2) -> list[str]:
    """Each part's percent of their sum as a table prints it: floored to `places`, the units still owed to 100 to the largest remainders.

    Ties go to the larger part, then the earlier one; the parts are whole numbers (cents).
    """
    scale = 100 * 10**places
    exact = [Fraction(p * scale, sum(parts)) for p in parts]
    units = [e.numerator // e.denominator for e in exact]
    for i in sorted(range(len(parts)), key=lambda i: (units[i] - exact[i], -parts[i], i))[: scale - sum(units)]:
        units[i] += 1
    return [f"{u // 10**places}.{u % 10**places:0{places}d}" if places else str(u) for u in units]


def cents(loan: Loan) -> int:
    """A prime-jumbo loan's scheduled balance (CUR_UPB) in cents."""
    whole, _, fraction = loan["CUR_UPB"].partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def loans_of(deal: Path) -> list[Loan]:
    """The loans of the tape beside a deal file, as text."""
    with (deal.parent / "loans.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def prime_deal(tmp_path: Path, pool: str, edit: Callable[[list[Loan]], None] | None = None) -> Path:
    """A copy of the prime-jumbo example with `pool` (YAML at the pool's level) in place of its pool sections; `edit` changes tape rows first."""
    folder = tmp_path / "deal"
    shutil.copytree(EXAMPLES / "prime-jumbo-2024-1", folder)
    deal = folder / "deal.yaml"
    head = deal.read_text().split("    custom_fields:\n", 1)[0]  # the example's pool sections run from its custom fields to the end
    deal.write_text(head + textwrap.indent(textwrap.dedent(pool).lstrip("\n"), "    "))
    if edit is not None:
        loans = loans_of(deal)
        edit(loans)
        with (folder / "loans.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, list(loans[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(loans)
    return deal.resolve()


CONTINUED_PIECE = re.compile(r"\n</TABLE>\n\n<PAGE>\n\n<TABLE>\n[^\n]*\(continued\)\n(?:.*\n)*? *-+(?: +-+)+ *\n")
"""Where an EDGAR text table breaks: its piece's end, the page break, and the next piece's title "(continued)" and header."""


def whole_tables(text: str) -> str:
    """EDGAR text with each table continued over pages read as one: the repeated titles and headers dropped."""
    return CONTINUED_PIECE.sub("\n", text)


def cli(*args: str | Path) -> tuple[int, str]:
    """Run `dealdocs` in-process: its exit status and everything it printed, which never holds a traceback."""
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, result.output


def line_of(deal: Path, text: str) -> int:
    """The deal file's first line holding `text`."""
    return next(n for n, line in enumerate(deal.read_text().splitlines(), 1) if text in line)


SHIPPED_FONTS = '''<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{dirs}
  <alias binding="same"><family>Times New Roman</family><prefer><family>Liberation Serif</family></prefer></alias>
</fontconfig>
'''
"""A private fontconfig: the machine's own, plus the folders of the fonts dealdocs ships, Times New Roman set as Liberation Serif."""


def shipped_fonts(folder: Path) -> dict[str, str]:
    """An environment whose fontconfig sees the fonts dealdocs ships, Times New Roman read as its metric twin (what Word shows),
    so a page is measured alike on every machine; written into `folder`, never installed system-wide."""
    from generator.formats.fonts import TYPEFACES, font_folder

    dirs = "\n".join(f"  <dir>{font_folder(typeface)}</dir>" for typeface in TYPEFACES)
    (folder / "fonts.conf").write_text(SHIPPED_FONTS.format(dirs=dirs))
    (folder / "fontcache").mkdir(exist_ok=True)
    return {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf"), "XDG_CACHE_HOME": str(folder / "fontcache")}


def libreoffice_pdf(sources: list[Path], folder: Path) -> None:
    """Convert DOCX files to PDF in `folder` with LibreOffice headless, in a profile of its own and the fonts dealdocs ships."""
    profile = (folder / "profile").as_uri()
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(folder), *map(str, sources)],
        capture_output=True, text=True, timeout=300, env=shipped_fonts(folder),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def first_words(text: str) -> list[str]:
    """A page's first three words, quotes and dashes aside (the HTML spells them as references)."""
    return re.sub(r"[^\w\s.,()$%-]", "", text).split()[:3]
