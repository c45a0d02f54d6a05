"""Rules that must hold for every tape: tables foot, each loan lands in one row, bad input is a message."""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import (
    BandsRule,
    CategoriesRule,
    DealdocsError,
    Severity,
    StatesRule,
    TableField,
    TableSpec,
    YearlyRule,
    analyse,
    compute_table,
    default_tables,
    load_deal,
    load_tape,
)
from generator.cli import app
from generator.pool.exact import allocate  # unit tests of the exact arithmetic
from generator.pool.usps import STATE_NAMES  # the table of state names, to draw tapes from

from .helpers import EXAMPLE, runner

DEAL = load_deal(EXAMPLE / "deal.yaml")
TERMS = DEAL.deal.term_sheet
CODES = TERMS.pool.codes
HEADERS = next(csv.reader((EXAMPLE / "loans.csv").open()))
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _months_after(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


@st.composite
def loan(draw: st.DrawFn, number: int) -> dict[str, str]:
    """One loan that satisfies every rule of the tape checks (cut-off 2003-01-01)."""
    orig_year = draw(st.integers(1995, 2002))
    orig_month = draw(st.integers(1, 12 if orig_year < 2002 else 11))
    orig_day = draw(st.integers(1, 28))
    term = draw(st.sampled_from([120, 180, 228, 240, 300, 360]))
    first = _months_after(orig_year, orig_month, 2)
    maturity = _months_after(*first, term - 1)
    remaining = maturity[0] * 12 + maturity[1] - (2003 * 12 + 1)
    if remaining < 1:  # an old short loan that has already matured: make it a long one
        term, maturity = 360, _months_after(*first, 359)
        remaining = maturity[0] * 12 + maturity[1] - (2003 * 12 + 1)
    original = draw(st.integers(20_000, 2_000_000)) * 100
    balance = draw(st.one_of(st.integers(0, original), st.just(original)))
    appraised = draw(st.integers(original // 100 + 1, original // 40))
    addl = draw(st.sampled_from([0, 0, 0, original // 10, original]))
    ltv = (2 * original * 1000 + appraised) // (2 * appraised)  # cents / dollars x 100, half-up to 3 places
    prop = draw(st.sampled_from(list(CODES.property_type)))
    units = draw(st.integers(2, 4)) if CODES.property_type[prop].value == "multi_family" else 1
    return {
        "LOAN_NO": f"{number:010d}", "SCHED_BAL": f"{balance // 100}.{balance % 100:02d}",
        "ORIG_BAL": f"{original // 100}.00", "NOTE_RATE": f"{draw(st.integers(2_500, 11_875)) / 1000:.3f}",
        "SERV_FEE": draw(st.sampled_from(["0.250", "0.375", "0.125"])), "ORIG_TERM": str(term), "REM_TERM": str(remaining),
        "ORIG_DATE": f"{orig_year}-{orig_month:02d}-{orig_day:02d}", "FIRST_PAY_DATE": f"{first[0]}-{first[1]:02d}-01",
        "MATURITY_DATE": f"{maturity[0]}-{maturity[1]:02d}-01", "APPRAISED_VALUE": str(appraised),
        "LTV": f"{ltv // 1000}.{ltv % 1000:03d}", "PROP_TYPE": prop, "UNITS": str(units),
        "OCCUPANCY": draw(st.sampled_from(list(CODES.occupancy))),
        "STATE": draw(st.sampled_from(sorted(STATE_NAMES))), "ZIP": f"{draw(st.integers(601, 99950)):05d}",
        "PURPOSE": draw(st.sampled_from(list(CODES.purpose))),
        "DOC_TYPE": draw(st.sampled_from(list(CODES.doc_type))), "PMI": draw(st.sampled_from(list(CODES.pmi))),
        "ADDL_COLLATERAL": f"{addl // 100}.{addl % 100:02d}",
    }  # fmt: skip


@st.composite
def tapes(draw: st.DrawFn, max_loans: int = 40) -> list[dict[str, str]]:
    count = draw(st.integers(1, max_loans))
    rows = [draw(loan(n)) for n in range(1, count + 1)]
    if all(r["SCHED_BAL"] == "0.00" for r in rows):  # a pool needs a balance (tested apart below)
        rows[0]["SCHED_BAL"] = "0.01"
    return rows


def to_csv(rows: list[dict[str, str]], ending: str = "\n", final: bool = True, headers: list[str] = HEADERS) -> str:
    """The rows as a CSV file: lines ended by `ending`, the last one too when `final`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, headers, lineterminator=ending)
    writer.writeheader()
    writer.writerows(rows)
    text = buffer.getvalue()
    return text if final else text.removesuffix(ending)


layouts = st.tuples(st.sampled_from(["\n", "\r\n"]), st.booleans())  # line ending, newline after the last line


def tape_file(folder: str, content: str | bytes, name: str = "loans.csv") -> Path:
    path = Path(folder) / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# --- an independent reading of the generated text, to place each loan by hand -------------------


def _scaled(text: str, places: int) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 10**places + int((fraction + "0" * places)[:places] or 0)


def field_values(row: dict[str, str]) -> dict[str, object]:
    """The canonical values of one generated loan, computed with Fractions from its text."""
    original, addl = _scaled(row["ORIG_BAL"], 2), _scaled(row["ADDL_COLLATERAL"], 2)
    appraised = _scaled(row["APPRAISED_VALUE"], 2)
    effective = Fraction((original - addl) * 100 * 1000, appraised)
    return {
        "balance": _scaled(row["SCHED_BAL"], 2), "original_balance": original,
        "note_rate": _scaled(row["NOTE_RATE"], 3), "net_rate": _scaled(row["NOTE_RATE"], 3) - _scaled(row["SERV_FEE"], 3),
        "original_term": int(row["ORIG_TERM"]), "remaining_term": int(row["REM_TERM"]),
        "origination_date": int(row["ORIG_DATE"][:4]), "maturity_date": int(row["MATURITY_DATE"][:4]),
        "ltv": _scaled(row["LTV"], 3), "effective_ltv": int(effective + Fraction(1, 2)),
        "property_type": CODES.property_type[row["PROP_TYPE"]].value, "units": int(row["UNITS"]),
        "occupancy": CODES.occupancy[row["OCCUPANCY"]].value, "purpose": CODES.purpose[row["PURPOSE"]].value,
        "doc_type": CODES.doc_type[row["DOC_TYPE"]].value, "state": row["STATE"],
    }  # fmt: skip


SCALE = {"balance": 2, "original_balance": 2, "note_rate": 3, "net_rate": 3, "ltv": 3, "effective_ltv": 3}


def expected_rows(rows: list[dict[str, str]], spec: TableSpec) -> list[tuple[int, int]]:
    """(count, cents) of each printed row, placing every loan by the rule's words."""
    groups: dict[object, list[int]] = {}
    for row in rows:
        values = field_values(row)
        value, rule = values[spec.field.value], spec.rule
        if isinstance(rule, BandsRule):  # band i: edges[i-1] < value <= edges[i]
            edges = [int(e.scaleb(SCALE.get(spec.field.value, 0))) for e in rule.edges]
            key: object = bisect_left(edges, value)
        elif isinstance(rule, CategoriesRule):
            names = [str(c.value) for c in rule.categories]
            key = names.index(str(value)) if str(value) in names else len(names)
        elif isinstance(rule, StatesRule):
            key = STATE_NAMES[value]
        else:
            key = value
        groups.setdefault(key, []).append(values["balance"])
    return [(len(groups[k]), sum(groups[k])) for k in sorted(groups)]


def assert_foots(table, rows: list[dict[str, str]]) -> None:
    cents = sum(_scaled(r["SCHED_BAL"], 2) for r in rows)
    assert [(r.count, r.balance_cents) for r in table.rows if r.count] == expected_rows(rows, table.spec)  # each loan in its row
    assert sum(r.count for r in table.rows) == table.count == len(rows)  # ... and in one row only
    assert sum(r.balance_cents for r in table.rows) == table.balance_cents == cents
    assert sum(r.balance for r in table.rows) == table.balance == (2 * cents + 100) // 200  # the half-up total
    assert all(r.balance * 100 - 100 < r.balance_cents < r.balance * 100 + 100 for r in table.rows)
    assert sum(r.percent for r in table.rows) == Decimal("100.00")
    for r in table.rows:  # each printed percent within a hundredth of the exact share
        assert abs(Fraction(r.percent) - Fraction(r.balance_cents * 100, cents)) < Fraction(1, 100)
    if isinstance(table.spec.rule, StatesRule):
        assert [r.label for r in table.rows] == sorted(r.label for r in table.rows)


@st.composite
def extra_tables(draw: st.DrawFn) -> TableSpec:
    """A deal's own table: random bands on any numeric field, categories, or years."""
    field = draw(st.sampled_from([
        "balance", "original_balance", "note_rate", "net_rate", "ltv", "effective_ltv", "original_term", "remaining_term",
        "units", "property_type", "occupancy", "origination_date", "maturity_date",
    ]))
    keep_empty = draw(st.booleans())
    if field in ("origination_date", "maturity_date"):
        rule: object = YearlyRule(kind="yearly")
    elif field in ("property_type", "occupancy"):
        values = [v.value for v in getattr(CODES, field).values()]
        chosen = draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
        rule = CategoriesRule(kind="categories", categories=[{"value": v, "label": v} for v in chosen], other_label="Other")
    elif field == "units":
        rule = CategoriesRule(kind="categories", categories=[{"value": u, "label": f"{u}-family"} for u in draw(st.permutations([1, 2, 3, 4]))])
    else:
        places = SCALE.get(field, 0)
        top = {"balance": 2_000_000_00, "original_balance": 2_000_000_00, "original_term": 400, "remaining_term": 400}.get(field, 20_000)
        ints = draw(st.lists(st.integers(-10, top), min_size=1, max_size=10, unique=True).map(sorted))
        clamp = draw(st.booleans())
        labels = {"label": "{{ lo }} - {{ hi }}"} if clamp else {"label": "{{ lo }}-{{ hi }}", "first_label": "to {{ hi }}", "last_label": "{{ lo }} up"}
        rule = BandsRule(kind="bands", edges=[Decimal(e).scaleb(-places) for e in ints], clamp_to_data=clamp, **labels)
    return TableSpec(id="extra", title=["X"], header=["X"], field=field, rule=rule, keep_empty=keep_empty)


@PROFILE
@given(rows=tapes(), specs=st.lists(extra_tables(), min_size=1, max_size=4))
def test_every_table_foots_for_any_valid_tape(rows: list[dict[str, str]], specs: list[TableSpec]) -> None:
    with TemporaryDirectory() as folder:
        analysis = analyse(DEAL, tape_file(folder, to_csv(rows)))
    assert analysis.tape.count(Severity.ERROR) == 0  # the generator writes valid loans (else analyse raised)
    assert analysis.tape.loans.height == len(rows)
    assert analysis.summary.pool.balance == Decimal(sum(_scaled(r["SCHED_BAL"], 2) for r in rows)).scaleb(-2)
    assert [t.spec.id for t in analysis.tables] == [t.id for t in default_tables()]
    for table in analysis.tables:
        assert_foots(table, rows)
    for spec in specs:
        assert_foots(compute_table(analysis.tape.loans, spec), rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tapes(max_loans=15), order=st.randoms(use_true_random=False))
def test_tables_do_not_depend_on_the_order_of_the_tape(rows: list[dict[str, str]], order) -> None:
    shuffled = list(rows)
    order.shuffle(shuffled)
    with TemporaryDirectory() as folder:
        first = analyse(DEAL, tape_file(folder, to_csv(rows)))
        second = analyse(DEAL, tape_file(folder, to_csv(shuffled)))
    assert [t.rows for t in first.tables] == [t.rows for t in second.tables]
    assert first.summary == second.summary


@given(st.lists(st.integers(0, 10**15), max_size=60), st.one_of(st.sampled_from([1, 100, 10_000]), st.integers(1, 10**6)))
def test_allocate_foots_and_gives_units_to_the_largest_remainders(parts: list[int], unit: int) -> None:
    rounded = allocate(parts, unit)
    assert len(rounded) == len(parts)
    assert sum(rounded) == (2 * sum(parts) + unit) // (2 * unit)  # the half-up total
    up = [r * unit > p for r, p in zip(rounded, parts, strict=True)]
    assert all(p // unit == r - u for r, p, u in zip(rounded, parts, up, strict=True))  # each part floored or raised by one
    raised = [p % unit for p, u in zip(parts, up, strict=True) if u]
    kept = [p % unit for p, u in zip(parts, up, strict=True) if not u]
    assert not raised or not kept or min(raised) >= max(kept)  # no part left down had a larger remainder


def test_allocate_breaks_ties_by_larger_part_then_earlier_row() -> None:
    """Percent footing's ties, worked by hand: three equal thirds give the odd hundredth to the first row;
    equal remainders on unequal parts give it to the larger part."""
    assert allocate([1, 1, 1], 3) == [1, 0, 0]  # a unit of 3: 1/3 each floors to 0, one unit owed
    assert allocate([10_000, 10_000, 10_000], 30_000) == [1, 0, 0]
    thirds = allocate([c * 10_000 for c in (100, 100, 100)], 300)  # shares of 100.00 in hundredths
    assert thirds == [3334, 3333, 3333] and sum(thirds) == 10_000
    assert allocate([150, 250], 100) == [1, 3]  # remainders 50 and 50: the larger part (250) rounds up; total 4 (half-up of 4.00)
    assert allocate([250, 150, 150], 100) == [3, 2, 1]  # two units owed: the larger part, then the earlier of the equal ones


# --- corrupted tapes -------------------------------------------------------------------------

garbage = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**20), 10**20).map(str),
    st.integers(0, 6).flatmap(lambda n: st.decimals(allow_nan=True, allow_infinity=True, places=n)).map(str),
    st.dates().map(str),
    st.sampled_from(["", " ", "-1", "-0.01", "1e9", "99999999999999999999", "999999999999999.99", "NaN", "inf",
                     "2002-02-30", "2003-13-01", "0", "$", ",", "1.2.3", "1,2,3", "é", "\x00", "٣٦٠", "\ufeff", '"', "\n"]),
)  # fmt: skip


@PROFILE
@given(
    rows=tapes(max_loans=20),
    cells=st.lists(st.tuples(st.integers(0, 19), st.sampled_from(HEADERS), garbage), min_size=1, max_size=6),
    layout=layouts,
    command=st.sampled_from(["validate", "strats"]),
)
def test_corrupted_cells_give_messages_at_their_rows(rows: list[dict[str, str]], cells: list, layout: tuple[str, bool], command: str) -> None:
    touched = set()
    for index, header, value in cells:
        rows[index % len(rows)][header] = value
        touched.add(index % len(rows))
    lines, line = [], 2  # each record's first line: a quoted value with newlines spans several
    for row in rows:
        lines.append(line)
        line += 1 + sum(v.count("\n") for v in row.values())
    changed = {lines[i] for i in touched}
    with TemporaryDirectory() as folder:
        path = tape_file(folder, to_csv(rows, *layout))
        try:
            report = load_tape(path, TERMS.pool, TERMS.cut_off_date)
        except DealdocsError as exc:  # e.g. a newline or quote broke the CSV itself
            assert exc.problems and all(p.message and p.file == str(path) for p in exc.problems)
            return
        shown = [str(p) for p in report.listed(Severity.ERROR, 1000)]
        for p in report.listed(Severity.ERROR, 1000):
            # every error is on a changed row (a duplicate loan number may be found on the other copy)
            assert p.line in changed or p.message.startswith("duplicate loan number"), shown
            assert p.message and p.column in HEADERS
        try:
            analyse(DEAL, path)
            assert report.count(Severity.ERROR) == 0
            analysed = True
        except DealdocsError as exc:
            assert exc.problems and all(p.message for p in exc.problems)
            analysed = False
        result = runner.invoke(app, [command, str(EXAMPLE / "deal.yaml"), "--tape", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and result.output.strip()  # a message either way
    if command == "validate":
        assert result.exit_code == (2 if report.count(Severity.ERROR) else 0), result.output
    else:  # strats also stops on a tape with no balance left (warnings only)
        assert result.exit_code == (0 if analysed else 2), result.output


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tapes(max_loans=8), layout=layouts, data=st.data())
def test_line_numbers_count_lines_inside_quotes_and_blank_lines(rows: list[dict[str, str]], layout: tuple[str, bool], data: st.DataObject) -> None:
    """Each record's reported line is where it starts in the file, whatever its values hold."""
    ending, final = layout
    some = st.sets(st.integers(0, len(rows) - 1), max_size=3)
    bad = data.draw(st.sets(st.integers(0, len(rows) - 1), min_size=1, max_size=3), label="bad rows")
    blank = data.draw(some, label="blank lines before")
    # free text in a few records (few, so that files with just one line inside quotes are common)
    note = st.one_of(st.sampled_from(["a\nb", "\r\n", ' "x",\n']), st.text(st.sampled_from("ab ,\"\n\r"), min_size=1, max_size=6))
    texts = {i: data.draw(note, label=f"note on record {i}") for i in sorted(data.draw(some, label="records with notes"))}
    pieces, starts, line = [to_csv([], ending, True, [*HEADERS, "NOTES"])], [], 2
    for i, row in enumerate(rows):
        if i in blank:  # an empty line before the record
            pieces.append(ending)
            line += 1
        record = {**row, "NOTES": texts.get(i), "STATE": "XX" if i in bad else row["STATE"]}
        text = to_csv([record], ending, True, [*HEADERS, "NOTES"]).split(ending, 1)[1]  # without its header
        pieces.append(text)
        starts.append(line)
        line += text.count("\n")
    content = "".join(pieces)
    with TemporaryDirectory() as folder:
        path = tape_file(folder, content if final else content.removesuffix(ending))
        report = load_tape(path, TERMS.pool, TERMS.cut_off_date)
    assert report.loans.height == len(rows)
    assert [(p.line, p.column, p.value) for p in report.listed(Severity.ERROR)] == [(starts[i], "STATE", "XX") for i in sorted(bad)]


def typed_frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    """The generated tape as a producer with types writes it: money and rates as floats, whole numbers, dates."""
    text = pl.DataFrame(rows, schema=dict.fromkeys(HEADERS, pl.String))
    floats = ["SCHED_BAL", "ORIG_BAL", "NOTE_RATE", "SERV_FEE", "LTV", "ADDL_COLLATERAL"]
    return text.with_columns(
        pl.col(floats).cast(pl.Float64),
        pl.col("ORIG_TERM", "REM_TERM", "APPRAISED_VALUE", "UNITS").cast(pl.Int64),
        pl.col("ORIG_DATE", "FIRST_PAY_DATE", "MATURITY_DATE").str.to_date(),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tapes(max_loans=12))
def test_typed_parquet_and_xlsx_read_to_the_csv_loans(rows: list[dict[str, str]]) -> None:
    with TemporaryDirectory() as folder:
        expected = load_tape(tape_file(folder, to_csv(rows)), TERMS.pool, TERMS.cut_off_date)
        assert expected.problems.filter(pl.col("severity") == "error").height == 0
        frame = typed_frame(rows)
        assert frame.schema["SCHED_BAL"] == pl.Float64 and frame.schema["ORIG_DATE"] == pl.Date
        for name, write in (("loans.parquet", frame.write_parquet), ("loans.xlsx", frame.write_excel)):
            path = Path(folder) / name
            write(path)
            report = load_tape(path, TERMS.pool, TERMS.cut_off_date)
            assert report.loans.drop("_row").equals(expected.loans.drop("_row")), name
            same = ["column", "message", "severity"]  # warnings alike (a value's text is the float's: 0.0, not 0.00)
            assert report.problems.select(same).equals(expected.problems.select(same)), name


@given(rows=tapes(max_loans=3), zeros=st.booleans())
@settings(max_examples=10, deadline=None)
def test_a_tape_without_balance_is_a_message(rows: list[dict[str, str]], zeros: bool) -> None:
    for row in rows:
        row["SCHED_BAL"] = "0.00"
    with TemporaryDirectory() as folder:
        path = tape_file(folder, to_csv(rows if zeros else []))
        try:
            analyse(DEAL, path)
        except DealdocsError as exc:
            assert ("no loans with a balance" if zeros else "the tape has no loans") in str(exc)
        else:
            raise AssertionError("a tape without balance rendered")


@settings(max_examples=40, deadline=None)
@given(content=st.binary(max_size=400), name=st.sampled_from(["loans.csv", "loans.xlsx", "loans.parquet"]))
def test_random_bytes_as_a_tape_exit_with_a_message(content: bytes, name: str) -> None:
    with TemporaryDirectory() as folder:
        path = tape_file(folder, content, name)
        result = runner.invoke(app, ["validate", str(EXAMPLE / "deal.yaml"), "--tape", str(path)])
    assert result.exit_code == 2, result.output  # no random file is a valid tape: it lacks the columns
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "error" in result.output


def _example_bytes(suffix: str) -> bytes:
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"loans{suffix}"
        frame = pl.read_csv(EXAMPLE / "loans.csv", infer_schema=False).head(30)
        frame.write_parquet(path) if suffix == ".parquet" else frame.write_excel(path) if suffix == ".xlsx" else frame.write_csv(path)
        return path.read_bytes()


GOOD = {suffix: _example_bytes(suffix) for suffix in (".csv", ".xlsx", ".parquet")}


@settings(max_examples=60, deadline=None)
@given(suffix=st.sampled_from(sorted(GOOD)), at=st.floats(0, 1), cut=st.integers(0, 64), insert=st.binary(max_size=64))
def test_damaged_files_raise_only_dealdocs_errors(suffix: str, at: float, cut: int, insert: bytes) -> None:
    data = GOOD[suffix]
    start = int(at * len(data))
    with TemporaryDirectory() as folder:
        path = tape_file(folder, data[:start] + insert + data[start + cut :], f"loans{suffix}")
        try:
            load_tape(path, TERMS.pool, TERMS.cut_off_date)  # it reads the file or refuses it with a DealdocsError
        except DealdocsError as exc:
            assert exc.problems and all(p.message for p in exc.problems)
            return
        try:
            analyse(DEAL, path)
        except DealdocsError as exc:
            assert exc.problems


def test_table_specs_that_cannot_group_their_field_are_messages() -> None:
    loans = load_tape(EXAMPLE / "loans.csv", TERMS.pool, TERMS.cut_off_date).loans
    bands = {"kind": "bands", "edges": [1], "label": "x", "first_label": "x", "last_label": "x"}
    rules = [bands, {"kind": "yearly"}, {"kind": "states"}, {"kind": "categories", "categories": [{"value": "one", "label": "x"}], "other_label": "y"}]
    for field in TableField:
        for rule in rules:
            spec = TableSpec(id="t", title=["T"], header=["T"], field=field, rule=rule)
            try:
                table = compute_table(loans, spec)
            except DealdocsError as exc:
                assert exc.problems[0].column.startswith("tables.t."), (field, rule)
            else:
                assert table.count == 875 and table.balance == 405860263, (field, rule)
