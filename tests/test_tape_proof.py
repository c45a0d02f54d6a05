"""The shortcuts of the strict parse change nothing: a proven column parses as the cell-by-cell path parses it, and the
duplicate search is skipped only when no loan number repeats."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import load_deal
from generator.fields import FIELDS, Kind
from generator.pool import derived, parsing, reading, tape

from .helpers import EXAMPLE

TERMS = load_deal(EXAMPLE / "deal.yaml").deal.term_sheet
POOL = TERMS.pool
MAPPED = [f for f, h in POOL.headers().items() if h is not None]

GOOD = {  # cells each field's grammar accepts as they stand
    Kind.DATE: ["2003-01-02", "1999-12-31", "2003-02-30"],  # a calendar's refusal is not the pattern's
    Kind.STATE: ["NY", "ny", "Ca", "tX"],
    Kind.ZIP: ["10001", "02134-1234"],
}
JUNK = [" 5", "5 ", "\t7", "", "1e5", ".5", "+5", "005", "$1,234.50", "1,234", "5.251", "nan", "abc", "2003-1-05",
        "2003-01-05 00:00:00", "ıl", "0213", "x\x00y", "-0", "-$5", "$-5", "360.0", "6.2500", "1.", " NY", "SFD "]  # fmt: skip


def _good(field: str) -> list[str]:
    spec = FIELDS[field] if field in FIELDS else POOL.registry[field]
    if spec.decimals is not None:
        fractions = ["12.5", "6.2500"] if spec.decimals >= 2 else []
        return ["0", "1", "-1", "360", "360.0", *fractions] + (["$1,234.56", "1,234", "$5"] if spec.kind is Kind.MONEY else [])
    if spec.kind in GOOD:
        return GOOD[spec.kind]
    if field in POOL.code_maps():
        return list(POOL.code_maps()[field])
    return ["A-1", "B 2"]


@st.composite
def _tapes(draw: st.DrawFn) -> pl.DataFrame:
    """A raw frame of the example's mapped fields: each column either only accepted cells (and blanks) or anything."""
    rows = draw(st.integers(1, 6))
    columns = {}
    for field in MAPPED:
        cells = st.sampled_from(_good(field)) if draw(st.booleans()) else st.sampled_from(_good(field) + JUNK)
        columns[field] = draw(st.lists(st.one_of(st.none(), cells), min_size=rows, max_size=rows))
    return pl.DataFrame(columns, schema=dict.fromkeys(MAPPED, pl.String))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tapes())
def test_a_proven_column_reads_as_the_cell_by_cell_path_reads_it(text: pl.DataFrame) -> None:
    good = parsing.proven(text, {f: f for f in MAPPED}, POOL)
    assert all(text[f].drop_nulls().str.strip_chars(" \t").eq(text[f].drop_nulls()).all() for f in good)  # nothing to strip
    edges = dict(zip(MAPPED, reading._edged(text, MAPPED), strict=True))
    trimmed = text.select(reading._trimmed(pl.col(f), edges[f]).alias(f) for f in MAPPED)
    shortcut = text.select(pl.col(f) if f in good else reading._trimmed(pl.col(f), edges[f]) for f in MAPPED)
    assert shortcut.equals(trimmed)  # a proven column needs no trimming, and has no blank text
    raw = trimmed.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    assert parsing.parse(raw, POOL, good).equals(parsing.parse(raw, POOL))


def test_the_proof_needs_every_cell_and_refuses_what_the_grammar_refuses() -> None:
    text = pl.DataFrame({"note_rate": ["6.5", "7.25"], "state": ["NY", " NY"], "zip": ["10001", None], "loan_number": ["1", "2"]})
    assert parsing.proven(text, {f: f for f in text.columns}, POOL) == {"note_rate", "zip"}  # free text is never proven


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "1", "10", "2", "a", "A", "0010653314"])), max_size=8), st.booleans())
def test_loan_numbers_are_unique_exactly_when_none_repeats(numbers: list[str | None], ordered: bool) -> None:
    if ordered:
        numbers = sorted(numbers, key=lambda n: (n is not None, n or ""))
    assert tape._unique(pl.Series(numbers, dtype=pl.String)) == (len(set(numbers)) == len(numbers))  # two blanks repeat too


def test_every_column_but_free_text_has_a_proof() -> None:
    assert all((parsing._accepts(pl.col(f), f, POOL) is None) == (POOL.registry[f].kind is Kind.TEXT) for f in MAPPED)


AMOUNT = st.integers(-derived.SMALL_CENTS, derived.SMALL_CENTS)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(AMOUNT, AMOUNT, AMOUNT), max_size=6))
def test_a_ratio_in_64_bits_is_the_ratio_in_128_bits_within_the_bound(rows: list[tuple[int, int, int]]) -> None:
    most = derived.SMALL_CENTS  # the largest steps: (a - b) x 10**5 x 2 + c at both ends
    frame = pl.DataFrame([*rows, (most, -most, most), (-most, most, -most), (0, 0, 0)], schema=["a", "b", "c"], orient="row")
    ratios = [derived._ratio_thousandths(pl.col("a") - pl.col("b"), pl.col("c"), small).alias(str(small)) for small in (True, False)]
    both = frame.select(ratios)
    assert both["True"].to_list() == both["False"].to_list()  # a zero denominator is null in both
