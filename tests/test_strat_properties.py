"""Rules that must hold for any valid tape with groups and blanks, on the prime jumbo example's tables.

Tapes are drawn from the example's loans (each row a valid loan of group 1 or 2), with the
fields that may be blank (FICO, DTI, CLTV and the custom reserve months) blanked at random;
corrupt tapes put one bad value in one of the new fields. Expected figures come from the
tape's text, with integers, not from the product's code.
"""

from __future__ import annotations

import csv
import os
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import Severity, Table, analyse, check_tape, load_deal
from generator.pool.crosstab import CrossTab

EXAMPLE = Path(__file__).parent.parent / "examples" / "prime-jumbo-2024-1"
with (EXAMPLE / "loans.csv").open() as _handle:
    HEADER, *ROWS = list(csv.reader(_handle))
COL = {name: i for i, name in enumerate(HEADER)}
GROUP_ROWS = {g: [r for r in ROWS if r[COL["GRP"]] == g] for g in ("1", "2")}
BLANKABLE = ("FICO_SCORE", "DTI_RATIO", "CLTV", "RESERVES")
HEADER_OF = {"fico": "FICO_SCORE", "dti": "DTI_RATIO", "cltv": "CLTV", "reserve_months": "RESERVES", "margin": "GROSS_MARGIN",
             "months_to_roll": "MTR", "interest_only_term": "IO_MONTHS", "ltv": "ORIG_LTV", "note_rate": "CURR_RATE"}  # fmt: skip
PROFILE = settings(max_examples=int(os.environ.get("DEALDOCS_FUZZ_EXAMPLES", "12")), deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip


@st.composite
def tapes(draw: st.DrawFn) -> list[list[str]]:
    """A small valid tape: loans of both groups, some of their optional fields blank."""
    rows = []
    for group in ("1", "2"):
        picks = draw(st.lists(st.integers(0, len(GROUP_ROWS[group]) - 1), min_size=1, max_size=12, unique=True))
        rows += [list(GROUP_ROWS[group][i]) for i in picks]
    rows = draw(st.permutations(rows))
    for row in rows:
        for header in BLANKABLE:
            if draw(st.integers(0, 3)) == 0:
                row[COL[header]] = ""
    return rows


def _deal(folder: Path, rows: list[list[str]]) -> Path:
    shutil.copy(EXAMPLE / "deal.yaml", folder / "deal.yaml")
    with (folder / "loans.csv").open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([HEADER, *rows])
    return folder / "deal.yaml"


def _scaled(text: str, decimals: int) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 10**decimals + int((frac + "0" * decimals)[:decimals] or 0)


@PROFILE
@given(tapes())
def test_every_table_foots_and_every_loan_lands_once(rows: list[list[str]]) -> None:
    with TemporaryDirectory() as tmp:
        analysis = analyse(load_deal(_deal(Path(tmp), rows)))
    by_group = {g: [r for r in rows if r[COL["GRP"]] == g] for g in ("1", "2")}
    by_group[None] = rows  # type: ignore[index]
    group_counts: dict[str, dict[str, int]] = {}
    for table in analysis.tables:
        loans = by_group[table.group_key]  # type: ignore[index]
        cents = sum(_scaled(r[COL["CUR_UPB"]], 2) for r in loans)
        if isinstance(table, CrossTab):
            assert sum(sum(row) for row in table.cells) == 100 == table.total
            assert sum(table.row_totals) == 100 == sum(table.column_totals)
            continue
        assert isinstance(table, Table)
        assert table.count == len(loans) == sum(r.count for r in table.rows)  # each loan in exactly one row
        assert table.balance_cents == cents == sum(r.balance_cents for r in table.rows)
        assert table.balance == sum(r.balance for r in table.rows) == (cents + 50) // 100
        assert sum(r.percent for r in table.rows) == 100
        columns = table.spec.columns or []
        for i, column in enumerate(columns):
            if column.kind == "percent":
                assert sum(r.figures[i] for r in table.rows) == 100  # type: ignore[misc]
            if column.kind == "weighted_average" and column.field is not None and column.field.value in HEADER_OF:
                header, decimals = HEADER_OF[column.field.value], column.field.loan_field.decimals or 0
                values = [Decimal(r[COL[header]]) for r in loans if r[COL[header]]]
                quantum = Decimal(1).scaleb(-(column.decimals if column.decimals is not None else decimals))
                for figure in (table.figures[i], *(r.figures[i] for r in table.rows)):
                    if figure is not None:  # rounding half-up keeps order: between the rounded minimum and maximum
                        assert isinstance(figure, Decimal)
                        assert min(values).quantize(quantum, ROUND_HALF_UP) <= figure <= max(values).quantize(quantum, ROUND_HALF_UP)
                assert (table.figures[i] is None) == (not values)
        if table.group_key is not None:
            group_counts.setdefault(table.spec.id, {})[table.group_key] = table.count
    both = [counts for counts in group_counts.values() if len(counts) == 2]  # tables printed for every group
    assert both and all(sum(counts.values()) == len(rows) for counts in both)  # each loan in exactly one group


CORRUPT = ("abc", "1.2.3", "NaN", "99999999", "-7", "\x01")
NEW_FIELDS = ("FICO_SCORE", "DTI_RATIO", "CLTV", "GROSS_MARGIN", "INIT_CAP", "PER_CAP", "LIFE_CAP", "IO_MONTHS", "MTR", "GRP",
              "AMORT_TYPE", "SELF_EMP", "FTHB", "MI_FLAG", "RESERVES")  # fmt: skip


@PROFILE
@given(tapes(), st.data())
def test_a_corrupt_value_in_a_new_field_is_a_message_at_its_row_and_column(rows: list[list[str]], data: st.DataObject) -> None:
    header = data.draw(st.sampled_from(NEW_FIELDS))
    value = data.draw(st.sampled_from(CORRUPT if header != "GRP" else ("\x01", "a\x00b")))
    index = data.draw(st.integers(0, len(rows) - 1))
    if header in ("GROSS_MARGIN", "INIT_CAP", "PER_CAP", "LIFE_CAP", "MTR") and value == "-7":
        value = "99999999"  # -7 months or percent is out of range too, but keep one message per case simple
    rows[index][COL[header]] = value
    with TemporaryDirectory() as tmp:
        report = check_tape(load_deal(_deal(Path(tmp), rows)))
    errors = report.problems.filter((pl.col("severity") == Severity.ERROR.value) & (pl.col("row") == index + 2) & (pl.col("column") == header))
    assert errors.height >= 1, (header, value, report.problems)
