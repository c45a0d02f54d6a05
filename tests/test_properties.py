"""Rules that must hold for every tape: tables foot, each loan lands in one row, bad input is a message."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from generator.api import DealdocsError, Severity, analyse, load_deal, load_tape
from generator.cli import app
from generator.exact import allocate
from generator.models import BandsRule, TableSpec
from generator.strats import compute_table

from .conftest import EXAMPLE

DEAL = load_deal(EXAMPLE / "deal.yaml")
TERMS = DEAL.deal.term_sheet
HEADERS = next(csv.reader((EXAMPLE / "loans.csv").open()))
PROFILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _months_after(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


@st.composite
def loan(draw: st.DrawFn, number: int) -> dict[str, str]:
    """One loan that satisfies every rule of the tape checks (cut-off 2003-01-01)."""
    orig_month = draw(st.integers(1, 11))
    orig_day = draw(st.integers(1, 28))
    term = draw(st.sampled_from([180, 228, 240, 300, 360]))
    first = _months_after(2002, orig_month, 2)
    maturity = _months_after(*first, term - 1)
    remaining = maturity[0] * 12 + maturity[1] - (2003 * 12 + 1)
    original = draw(st.integers(20_000, 2_000_000)) * 100
    balance = draw(st.integers(0, original))
    appraised = draw(st.integers(original // 100 + 1, original // 40))
    addl = draw(st.sampled_from([0, 0, 0, original // 10]))
    ltv = (2 * original * 1000 + appraised) // (2 * appraised)  # cents / dollars x 100, half-up to 3 places
    prop = draw(st.sampled_from(["SFD", "MF", "TH", "CONDO_LO", "CONDO_HI", "COOP"]))
    units = draw(st.integers(2, 4)) if prop == "MF" else 1
    return {
        "LOAN_NO": f"{number:010d}", "SCHED_BAL": f"{balance // 100}.{balance % 100:02d}",
        "ORIG_BAL": f"{original // 100}.00", "NOTE_RATE": f"{draw(st.integers(24, 96)) * 125 / 1000:.3f}",
        "SERV_FEE": "0.250", "ORIG_TERM": str(term), "REM_TERM": str(remaining),
        "ORIG_DATE": f"2002-{orig_month:02d}-{orig_day:02d}", "FIRST_PAY_DATE": f"{first[0]}-{first[1]:02d}-01",
        "MATURITY_DATE": f"{maturity[0]}-{maturity[1]:02d}-01", "APPRAISED_VALUE": str(appraised),
        "LTV": f"{ltv // 1000}.{ltv % 1000:03d}", "PROP_TYPE": prop, "UNITS": str(units),
        "OCCUPANCY": draw(st.sampled_from(["PRIMARY", "SECOND_HOME", "INVESTOR"])),
        "STATE": draw(st.sampled_from(["CA", "NY", "DC", "WY", "PR", "TX"])), "ZIP": f"{draw(st.integers(601, 99950)):05d}",
        "PURPOSE": draw(st.sampled_from(["PURCHASE", "REFI_RATE_TERM", "REFI_CASHOUT"])),
        "DOC_TYPE": draw(st.sampled_from(["FULL", "STREAMLINE", "STATED"])), "PMI": draw(st.sampled_from("YN")),
        "ADDL_COLLATERAL": f"{addl // 100}.{addl % 100:02d}",
    }  # fmt: skip


@st.composite
def tapes(draw: st.DrawFn) -> list[dict[str, str]]:
    count = draw(st.integers(1, 40))
    rows = [draw(loan(n)) for n in range(1, count + 1)]
    if all(r["SCHED_BAL"] == "0.00" for r in rows):
        rows[0]["SCHED_BAL"] = "1.00"
    return rows


def to_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, HEADERS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def tape_file(folder: str, text: str | bytes) -> Path:
    path = Path(folder) / "loans.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def assert_foots(table, loans: int, cents: int) -> None:
    assert sum(r.count for r in table.rows) == table.count == loans  # each loan in exactly one row
    assert sum(r.balance_cents for r in table.rows) == table.balance_cents == cents
    assert sum(r.balance for r in table.rows) == table.balance == (2 * cents + 100) // 200  # half-up total
    assert all(abs(r.balance * 100 - r.balance_cents) < 100 for r in table.rows)
    if cents:
        assert sum(r.percent for r in table.rows) == 100


edges = st.lists(st.integers(1, 2_000_000), min_size=1, max_size=8, unique=True).map(sorted)


@PROFILE
@given(rows=tapes(), size_edges=edges, rate_edges=st.lists(st.integers(3000, 12000), min_size=1, max_size=6, unique=True).map(sorted))
def test_every_table_foots_for_any_valid_tape(rows: list[dict[str, str]], size_edges: list[int], rate_edges: list[int]) -> None:
    with TemporaryDirectory() as folder:
        analysis = analyse(DEAL, tape_file(folder, to_csv(rows)))
    assert analysis.tape.count(Severity.ERROR) == 0  # else analyse raised; warnings (zero balances) may remain
    cents = sum(int(r["SCHED_BAL"].replace(".", "")) for r in rows)
    assert analysis.summary.pool.balance == Decimal(cents).scaleb(-2)
    for table in analysis.tables:
        assert_foots(table, len(rows), cents)
    extra = [
        ("balance", BandsRule(kind="bands", edges=[Decimal(e) for e in size_edges], first_label="low", label="{{ lo }}-{{ hi }}", last_label="high")),
        ("note_rate", BandsRule(kind="bands", edges=[Decimal(e).scaleb(-3) for e in rate_edges], clamp_to_data=True, label="{{ lo }}-{{ hi }}")),
    ]
    for field, rule in extra:
        spec = TableSpec(id="extra", title=["X"], header=["X"], field=field, rule=rule)
        assert_foots(compute_table(analysis.tape.loans, spec), len(rows), cents)


@given(st.lists(st.integers(0, 10**12), max_size=60), st.sampled_from([1, 100, 10_000]))
def test_allocate_foots_and_moves_no_part_by_a_unit(parts: list[int], unit: int) -> None:
    rounded = allocate(parts, unit)
    assert sum(rounded) == (2 * sum(parts) + unit) // (2 * unit)
    assert all(abs(r * unit - p) < unit for r, p in zip(rounded, parts, strict=True))


garbage = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "-1", "1e9", "99999999999999999999", "NaN", "2002-02-30", "0", "$", ",", "1.2.3", "é", "\x00"]),
)


@PROFILE
@given(rows=tapes(), cells=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(HEADERS), garbage), min_size=1, max_size=5))
def test_corrupted_tapes_give_messages_never_tracebacks(rows: list[dict[str, str]], cells: list) -> None:
    for index, header, value in cells:
        rows[index % len(rows)][header] = value
    with TemporaryDirectory() as folder:
        path = tape_file(folder, to_csv(rows))
        try:
            load_tape(path, TERMS.pool, TERMS.cut_off_date)
            analyse(DEAL, path)
        except DealdocsError as exc:
            assert exc.problems and all(p.message for p in exc.problems)


runner = CliRunner()


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_as_a_tape_exit_with_a_message(content: bytes) -> None:
    with TemporaryDirectory() as folder:
        path = tape_file(folder, content)
        result = runner.invoke(app, ["validate", str(EXAMPLE / "deal.yaml"), "--tape", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
