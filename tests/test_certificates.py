"""The offered certificates table: credit enhancement computed exactly, the table in every format, the deal file's class list checked."""

from __future__ import annotations

import html
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.api import docx_text, load_deal, render_document

from .helpers import cli, line_of
from .test_pool_prose import varied

POOL = Fraction("3764692481.51")  # the prime-jumbo example tape's cut-off balance
CLASSES = "  classes:\n"


def _percent(value: Fraction) -> str:
    """Half-up to two places, computed apart from the code under test (Fraction, then Decimal's own rounding of the exact quotient)."""
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_credit_enhancement_is_the_subordinate_balances_after_each_class(tmp_path: Path) -> None:
    """Each principal class's figure is the subordinate classes listed after it over the pool; interest-only and residual print N/A."""
    deal = varied(tmp_path)
    text = render_document(load_deal(deal), "collateral-term-sheet", "txt").content
    subordinate = [Fraction(x) for x in ("131765000.00", "56470000.00", "37647000.00", "30117000.00", "18823000.00", "35765481.51")]
    expected = {"A-1": _percent(sum(subordinate, Fraction(0)) * 100 / POOL), "A-IO": "N/A"}
    for n, name in enumerate(("B-1", "B-2", "B-3", "B-4", "B-5")):
        expected[name] = _percent(sum(subordinate[n + 1 :], Fraction(0)) * 100 / POOL)
    table = text[text.index("OFFERED CERTIFICATES") : text.index("THE MORTGAGE POOL")]
    printed = {line.split()[0]: line.split()[-2] for line in table.splitlines() if re.match(r" *(A|B)-", line)}
    assert printed == expected
    assert "B-6" not in table and "\n R " not in table  # not offered
    assert "Approximately, subject to a variance of plus or minus 5%." in table
    widths = {len(line) for line in text.splitlines() if re.fullmatch(r"[ -]*-{3,} +-[ -]*", line)}  # every table's rules end at one width
    assert "</TABLE>" in table and len(widths) == 1 and max(map(len, table.splitlines())) == widths.pop() <= 132  # the document's one table width


def test_the_table_in_every_format_and_the_variance_from_the_deal_file(tmp_path: Path) -> None:
    deal = varied(tmp_path, edits=[(CLASSES, "  balance_variance: 10\n" + CLASSES)])
    loaded = load_deal(deal)
    texts = {
        "txt": render_document(loaded, "collateral-term-sheet", "txt").content,
        "htm": html.unescape(re.sub(r"<[^>]+>", " ", render_document(loaded, "collateral-term-sheet", "htm").content)),
        "docx": docx_text(render_document(loaded, "collateral-term-sheet", "docx").content),
    }
    for fmt, text in texts.items():
        words = " ".join(str(text).split())
        assert "OFFERED CERTIFICATES" in words, fmt
        assert "plus or minus 10%." in words, fmt
        assert "3,454,105,000.00" in words and "Interest-Only" in words, fmt
        assert words.index("OFFERED CERTIFICATES") < words.index("THE MORTGAGE POOL"), fmt


def test_without_classes_the_term_sheet_has_no_table(tmp_path: Path) -> None:
    deal = varied(tmp_path)
    lines = deal.read_text().splitlines(keepends=True)
    start = next(n for n, line in enumerate(lines) if line == CLASSES)
    end = next(n for n in range(start + 1, len(lines)) if not lines[n].startswith("    - "))
    deal.write_text("".join(lines[: start - 1] + lines[end:]))  # the comment line above `classes` too
    text = render_document(load_deal(deal), "collateral-term-sheet", "txt").content
    assert "OFFERED CERTIFICATES" not in text


def test_validate_warns_at_classes_when_balances_do_not_add_up(tmp_path: Path) -> None:
    deal = varied(tmp_path, edits=[("balance: 35765481.51", "balance: 35765481.50")])
    code, out = cli("validate", deal)
    assert code == 0
    line = line_of(deal, "name: A-1")  # the `classes` list's first line: where the deal file's problems with a list are placed
    assert f"deal.yaml:{line} [term_sheet.classes]: warning:" in out
    flat = " ".join(out.split())
    assert "$3,764,692,481.50" in flat and "$3,764,692,481.51" in flat and "are $0.01 short" in flat


def test_validate_does_not_warn_when_balances_add_up(tmp_path: Path) -> None:
    code, out = cli("validate", varied(tmp_path))
    assert code == 0 and "term_sheet.classes" not in out


@pytest.mark.parametrize(
    ("old", "new", "where", "part"),
    [
        ("type: residual", "type: mezzanine", "name: R,", "classes.8.type"),
        ("balance: 56470000.00", "balance: -56470000.00", "name: B-2,", "classes.3.balance"),
        ("name: B-3,", "name: B-2,", "balance: 37647000.00", "classes.4.name"),
        ("type: senior}", "type: senior}\n    - {name: A-2, balance: 1.00, rate: 5.5, type: senior}", "name: A-2", "classes.1.type"),
    ],
)
def test_class_list_mistakes_are_messages_at_their_line(tmp_path: Path, old: str, new: str, where: str, part: str) -> None:
    deal = varied(tmp_path, edits=[(old, new)])
    if part == "classes.1.type":  # a senior class after the subordinate ones: move A-2 to the end
        text = deal.read_text()
        a2 = "    - {name: A-2, balance: 1.00, rate: 5.5, type: senior}\n"
        text = text.replace(a2, "")
        text = text.replace("type: residual, offered: false}\n", "type: residual, offered: false}\n" + a2)
        deal.write_text(text)
        part = "classes.9.type"
    code, out = cli("validate", deal)
    assert code == 2
    assert f"deal.yaml:{line_of(deal, where)} [term_sheet.{part}]: error:" in " ".join(out.split())


def test_the_form_8k_layout_refuses_classes(tmp_path: Path) -> None:
    """The 2003 layout has no offered certificates table: classes there are an error at their line, not silently dropped."""
    deal = varied(tmp_path, edits=[("  layout: modern\n", "  layout: 8k\n")])
    code, out = cli("validate", deal)
    assert code == 2
    assert f"deal.yaml:{line_of(deal, 'name: A-1')} [term_sheet.classes]: error:" in " ".join(out.split())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["senior", "interest_only", "residual"]), st.integers(0, 10**12)), min_size=1, max_size=4),
    st.lists(st.integers(0, 10**12), max_size=5),
    st.integers(1, 10**13),
)
def test_enhancement_of_every_class_list(top: list[tuple[str, int]], subordinate: list[int], pool_cents: int) -> None:
    """For any classes in priority order, a principal class's figure is the subordinate cents after it over the pool's, half-up."""
    from generator.deal.models import CertificateClass
    from generator.documents.certificates import enhancements

    rows = [*top, *(("subordinate", cents) for cents in subordinate)]
    classes = [CertificateClass(name=f"C{j}", balance=Decimal(cents).scaleb(-2), rate=Decimal(5), type=kind) for j, (kind, cents) in enumerate(rows)]
    pool = Decimal(pool_cents).scaleb(-2)
    expected = [
        None if kind not in ("senior", "subordinate") else _percent(Fraction(sum(c for k, c in rows[j + 1 :] if k == "subordinate") * 100, pool_cents))
        for j, (kind, _) in enumerate(rows)
    ]
    assert [None if e is None else str(e) for e in enhancements(classes, pool)] == expected
