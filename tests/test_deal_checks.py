"""Deal-file mistakes that are messages at their line, and likely mistakes that are warnings, once each.

Mistakes (exit 2 from `validate`, `strats` and `render` alike): two columns of a table with one id,
two tables with one id, two summary lines with one label, a cross-tab axis of categories that
some loans fit no row of. Warnings (exit 0): a band edge far out of scale or past the field's
plausible range, ARM terms on a tape that does not say which loans are ARMs, an XLSX tape's
date cells with a date format set for text.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.deal.loading import load_deal
from generator.documents.labels import analysed as analyse
from generator.fields import FIELDS, LoanField, table_fields
from generator.pool.crosstab import CrossTab
from generator.pool.lint import deal_warnings, edge_warnings
from generator.pool.strats import default_tables

from .helpers import DEAL, EXAMPLES, PRIME, Loan, cli, line_of, prime_deal

RATE_BANDS = "{kind: bands, edges: [6.5, 7.0], first_label: 'to {{ hi }}', label: '{{ lo }} - {{ hi }}', last_label: 'over {{ lo }}'}"


def one_table(columns: str = "", across: str = "", rule: str = RATE_BANDS, field: str = "note_rate") -> str:
    """A pool with one table of `field` (and an `across` axis, `columns` lines), no summary."""
    return f"""
tables:
  defaults: false
  tables:
    - id: t
      title: [T]
      header: [By]
      field: {field}
      rule: {rule}
{across}{columns}"""


def refused_at(deal: Path, text: str, key: str, *parts: str, render: bool = True) -> None:
    """validate, strats (and render) exit 2 with the message once, at the deal file's line holding `text`."""
    pattern = re.compile(re.escape(f"{deal}:{line_of(deal, text)} [term_sheet.pool.{key}]: error: ") + ".*" + ".*".join(map(re.escape, parts)))
    commands = [("validate", deal), ("strats", deal, "-f", "csv")] + ([("render", deal, "--format", "txt", "--out", deal.parent / "out")] if render else [])
    for args in commands:
        code, out = cli(*args)
        assert code == 2, out
        assert sum(bool(pattern.search(line)) for line in out.splitlines()) == 1, f"{args[0]}:\n{out}"


# --- mistakes ------------------------------------------------------------------------------


def test_two_columns_with_one_id_are_a_message_at_the_second(tmp_path: Path) -> None:
    """A percent column with id count after the count column: the CSV would print its 5.65 under "count" instead of 145."""
    columns = "      columns:\n        - {id: count, kind: count, header: [N]}\n        - {id: count, kind: percent, header: [P]}\n"
    deal = prime_deal(tmp_path, one_table(columns))
    refused_at(deal, "{id: count, kind: percent", "tables.tables.0.columns.1.id", "column id count is already used by column 1", "own id")


def test_a_weighted_average_listed_twice_is_a_message_not_an_internal_error(tmp_path: Path) -> None:
    """The same column twice (its sums would be named alike in the group-by) is the duplicate id message, from every command."""
    column = "        - {id: wa_fico, kind: weighted_average, field: fico, header: [F]}\n"
    deal = prime_deal(tmp_path, one_table("      columns:\n" + column + column.replace("[F]", "[G]")))
    refused_at(deal, "header: [G]", "tables.tables.0.columns.1.id", "column id wa_fico is already used by column 1")


def test_a_column_id_the_csv_export_uses_itself_is_a_message(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, one_table("      columns:\n        - {id: label, kind: count, header: [N]}\n"))
    refused_at(deal, "{id: label", "tables.tables.0.columns.0.id", "CSV export's own label column")


def test_two_tables_with_one_id_are_a_message_at_the_second(tmp_path: Path) -> None:
    """The second would silently replace the first (as a table replaces a default table of its id)."""
    second = "{id: t, title: [U], header: [By], field: fico, rule: {kind: bands, edges: [700], first_label: a, last_label: b, label: c}}"
    pool = one_table() + f"    - {second}\n"
    deal = prime_deal(tmp_path, pool)
    refused_at(deal, "title: [U]", "tables.tables.1.id", "table id t is already used by table 1")


def test_two_summary_lines_with_one_label_are_a_message_at_the_second(tmp_path: Path) -> None:
    pool = "summary:\n  - {label: Loans, kind: count}\n  - {label: Loans, kind: balance}\ntables: {defaults: false}\n"
    deal = prime_deal(tmp_path, pool)
    refused_at(deal, "kind: balance", "summary.1.label", "summary line 1 has this label too")


OCCUPANCY = "{kind: categories, categories: [{value: primary, label: Primary}]}"


@pytest.mark.parametrize("axis", ["across", "down"])
def test_a_categories_axis_without_other_label_lists_the_loans_it_would_drop(tmp_path: Path, axis: str) -> None:
    """Loans whose value has no row would vanish from the matrix: a message naming their values (before: TypeError)."""
    if axis == "across":
        deal = prime_deal(tmp_path, one_table(across=f"      across: {{field: occupancy, header: [Occ], rule: {OCCUPANCY}}}\n"))
        refused_at(deal, "across:", "tables.tables.0.across.rule.categories", "fall in no category", "investor, second_home")
    else:
        across = f"      across: {{field: note_rate, header: [Rate], rule: {RATE_BANDS}}}\n"
        deal = prime_deal(tmp_path, one_table(across=across, rule=OCCUPANCY, field="occupancy"))
        refused_at(deal, "rule: {kind: categories", "tables.tables.0.rule.categories", "fall in no category", "investor, second_home")


def test_with_other_label_a_categories_axis_keeps_every_loan(tmp_path: Path) -> None:
    rule = OCCUPANCY.replace("}]}", "}], other_label: Other}")
    deal = prime_deal(tmp_path, one_table(across=f"      across: {{field: occupancy, header: [Occ], rule: {rule}}}\n"))
    matrix = analyse(load_deal(deal)).tables[-1]
    assert isinstance(matrix, CrossTab) and matrix.column_labels == ["Primary", "Other"] and matrix.total == Decimal("100.00")
    assert matrix.count == len(list(csv.DictReader((deal.parent / "loans.csv").open())))


def test_a_tape_without_a_balance_is_refused_by_validate_as_by_render(tmp_path: Path) -> None:
    def no_balance(loans: list[Loan]) -> None:
        for loan in loans:
            loan["CUR_UPB"] = "0.00"

    deal = prime_deal(tmp_path, "tables: {defaults: false}\n", no_balance)
    for args in (("validate", deal), ("strats", deal)):
        code, out = cli(*args)
        assert code == 2 and "the tape has no loans with a balance" in out, out


# --- warnings: band edges ------------------------------------------------------------------


def warnings_of(out: str, key: str) -> list[str]:
    return [line for line in out.splitlines() if f"[{key}]: warning: " in line]


def test_a_mistyped_fico_edge_is_one_warning_at_its_line_from_every_command(tmp_path: Path) -> None:
    """[..., 779, 7999]: the row "780 - 7999" would print and "800 and above" vanish; exit 0, the warning once per command."""
    deal = prime_deal(tmp_path, one_table(rule="{kind: bands, edges: [699, 719, 739, 759, 779, 7999], first_label: a, label: b, last_label: c}", field="fico"))
    key = "term_sheet.pool.tables.tables.0.rule.edges.5"
    for args in (("validate", deal), ("strats", deal, "-o", tmp_path / "s.json"), ("render", deal, "--format", "txt", "--out", tmp_path / "out")):
        code, out = cli(*args)
        assert code == 0, out
        found = warnings_of(out, key)
        assert len(found) == 1 and found[0].strip().startswith(f"{deal}:{line_of(deal, '7999')} [{key}]"), out
        assert "band edge 7999: far out of scale" in found[0] and "the band above the last edge can hold no loan" in found[0] and "300 to 850" in found[0]


@pytest.mark.parametrize(
    ("field", "edges", "flagged"),
    [
        ("fico", [699, 719, 739, 759, 779, 7999], [5]),  # a digit too many: out of scale, and no FICO above it
        ("fico", [6, 620, 640, 660], [0]),  # a digit too few, at the bottom
        ("note_rate", [0, 5, 6], [0]),  # no note rate is 0% or less
        ("ltv", [60, 70, 80, 250], [3]),  # no LTV above 200%
        ("balance", [100000, 200000, 300000, 400000, 4000000], [4]),  # no plausible bound: out of scale only
        ("balance", [100000, 200000, 300000, 1000000, 3000000], []),  # a wide top band is no typo
        ("fico", [719, 759], []),
        ("dti", [0, 20, 43], []),  # a DTI can be 0: the first band holds it
    ],
)
def test_edge_warnings(field: str, edges: list[int], flagged: list[int]) -> None:
    assert [index for index, _ in edge_warnings(FIELDS[field], [Decimal(e) for e in edges])] == flagged


def test_no_warning_on_the_shipped_tables_and_examples() -> None:
    """The default tables, and every example deal: real tables raise no false alarm."""
    for spec in default_tables():
        for field, rule in [(spec.field, spec.rule)] + ([(spec.across.field, spec.across.rule)] if spec.across else []):
            if field.loan_field.band and hasattr(rule, "edges"):
                assert not list(edge_warnings(field.loan_field, rule.edges)), spec.id
    for deal in (DEAL, PRIME, *EXAMPLES.glob("*/*.yaml")):
        assert deal_warnings(load_deal(deal)) == [], deal


BANDED = [f for f in table_fields() if f.band and f.plausible is not None and f.plausible.low is not None and f.plausible.high is not None]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(BANDED), st.data())
def test_evenly_spaced_edges_inside_the_plausible_range_never_warn_and_a_digit_too_many_always_does(field: LoanField, data: st.DataObject) -> None:
    assert field.plausible is not None
    unit = Decimal(1).scaleb(-(field.decimals or 0))
    low, high = Decimal(str(field.plausible.low)) + unit, Decimal(str(field.plausible.high)) - unit  # one unit inside either bound
    steps = int((high - low) / unit)
    count = data.draw(st.integers(2, min(12, steps + 1)))
    step = data.draw(st.integers(1, steps // (count - 1)))
    start = data.draw(st.integers(0, steps - step * (count - 1)))
    edges = [low + (start + i * step) * unit for i in range(count)]
    assert list(edge_warnings(field, edges)) == []
    if count >= 3 and edges[0] >= 0:  # a digit too many in the last edge (779 -> 7790): always a warning at that edge
        assert [index for index, _ in edge_warnings(field, [*edges[:-1], edges[-1] * 10])] == [count - 1]


# --- warnings: ARM terms ---------------------------------------------------------------------


def without_amortization(deal: Path) -> Path:
    deal.write_text(deal.read_text().replace("      amortization: AMORT_TYPE\n", ""))
    return deal


def stray_margin(loans: list[Loan]) -> None:
    """A fixed-rate loan with a margin, an ARM without one."""
    next(r for r in loans if r["AMORT_TYPE"] == "FIXED")["GROSS_MARGIN"] = "2.250"
    next(r for r in loans if r["AMORT_TYPE"] == "ARM")["GROSS_MARGIN"] = ""


def test_with_amortization_arm_terms_on_the_wrong_loans_are_errors(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, "tables: {defaults: false}\n", stray_margin)
    code, out = cli("validate", deal)
    assert code == 2 and "margin on a fixed-rate loan" in out and "ARM without margin" in out, out


def test_without_amortization_arm_terms_are_a_warning_in_the_deal_file_and_on_the_tape(tmp_path: Path) -> None:
    """Nothing says which loans are ARMs: the mapping is one warning at its line; a loan with some ARM terms and not others one per loan."""
    deal = without_amortization(prime_deal(tmp_path, "tables: {defaults: false}\n", stray_margin))
    for args in (("validate", deal), ("strats", deal, "-o", tmp_path / "s.json")):
        code, out = cli(*args)
        assert code == 0, out
        mapped = warnings_of(out, "term_sheet.pool.columns.arm_index")
        assert len(mapped) == 1 and f"{deal}:{line_of(deal, 'arm_index: ARM_IDX')} " in mapped[0] and "map amortization" in mapped[0], out
        rows = [line for line in out.splitlines() if "warning: ARM terms given in part" in line]
        assert len(rows) == 3, out  # the rule's line (2 rows), then each row: the fixed loan's blanks, the ARM's margin
        assert "(2 rows)" in rows[0] and "margin blank" in rows[2], out


def test_with_amortization_mapped_no_arm_warning(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, "tables: {defaults: false}\n")
    code, out = cli("validate", deal)
    assert code == 0 and "ARM terms given in part" not in out and "amortization is not" not in out, out


# --- warnings: native dates in an XLSX tape --------------------------------------------------


DATES = ("NOTE_DATE", "FPD", "MAT_DATE")


def xlsx_deal(tmp_path: Path, date_format: str | None, text_cell: bool = False) -> Path:
    """The prime-jumbo deal on an XLSX tape whose date columns are date cells (`text_cell`: the first NOTE_DATE is ISO text)."""
    import openpyxl

    folder = tmp_path / "deal"
    shutil.copytree(EXAMPLES / "prime-jumbo-2024-1", folder)
    rows = list(csv.reader((folder / "loans.csv").open()))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(rows[0])
    at = [rows[0].index(h) for h in DATES]
    for row in rows[1:]:
        cells: list[object] = list(row)
        for i in at:
            month, day, year = map(int, row[i].split("/"))
            cells[i] = dt.datetime(year, month, day)
        sheet.append(cells)
    if text_cell:
        sheet.cell(2, at[0] + 1).value = "2023-08-15 00:00:00"
    book.save(folder / "loans.xlsx")
    deal = folder / "deal.yaml"
    options = "" if date_format is None else f"{{date_format: \"{date_format}\"}}"
    text = deal.read_text().replace("tape: loans.csv", "tape: loans.xlsx")
    text = text.replace('tape_options: {date_format: "%m/%d/%Y"}', f"tape_options: {options or '{}'}")
    deal.write_text(text)
    return deal


def test_xlsx_date_cells_are_dates_and_a_date_format_for_text_is_one_hint(tmp_path: Path) -> None:
    """Before: a row error per date cell ('not a date in the form %m/%d/%Y'); now the dates are read and one warning says why."""
    deal = xlsx_deal(tmp_path, "%m/%d/%Y")
    code, out = cli("validate", deal)
    assert code == 0, out
    hints = [line for line in out.splitlines() if "are already dates" in line]
    assert len(hints) == 2 and "(1 row)" in hints[0] and "of 2000 rows" in hints[1] and "%m/%d/%Y" in hints[1], out
    loans = analyse(load_deal(deal)).tape.loans
    expected = analyse(load_deal(PRIME)).tape.loans
    for field in ("origination_date", "first_payment_date", "maturity_date"):
        assert loans[field].to_list() == expected[field].to_list()


def test_xlsx_date_cells_without_a_date_format_need_no_hint(tmp_path: Path) -> None:
    code, out = cli("validate", xlsx_deal(tmp_path, None))
    assert code == 0 and "already dates" not in out, out


def test_xlsx_text_that_looks_like_a_date_cell_still_follows_the_date_format(tmp_path: Path) -> None:
    """Only date cells are read as dates: ISO text in a sheet whose format is %m/%d/%Y is an error at its row."""
    code, out = cli("validate", xlsx_deal(tmp_path, "%m/%d/%Y", text_cell=True))
    assert code == 2, out
    assert re.search(r"loans\.xlsx:2 \[NOTE_DATE\]: error: not a date in the form %m/%d/%Y.*2023-08-15 00:00:00", out), out


# --- validate checks what render --submission refuses ----------------------------------------


def test_validate_lists_the_filing_problems_render_submission_refuses(tmp_path: Path) -> None:
    """An exhibit file not found and two exhibits of one type: before, validate said ok and only `render --submission` refused."""
    folder = tmp_path / "deal"
    shutil.copytree(EXAMPLES / "cmsi-2006-1", folder)
    deal = folder / "deal.yaml"
    exhibits = (
        "  exhibits:\n"
        "    - {type: EX-4.1, description: Pooling and Servicing Agreement, file: missing.htm}\n"
        "    - {type: EX-5.1, description: Another opinion, file: deal.yaml}\n"
    )
    deal.write_text(deal.read_text().replace("filing:\n", "filing:\n" + exhibits))
    for args in (("validate", deal), ("render", deal, "--submission", tmp_path / "sub")):
        code, out = cli(*args)
        assert code == 2, out
        assert f"{deal}:{line_of(deal, 'missing.htm')} [filing.exhibits.0.file]: error: not found" in out, out
        assert "two exhibits share the exhibit type EX-5.1" in out, out
    assert not (tmp_path / "sub").exists()


def test_parquet_dates_are_read_as_dates_whatever_the_date_format(tmp_path: Path) -> None:
    """A date column read through a two-digit-year format would be 2065 for 1965; a date cell is a date, and date_format gets one hint."""
    import polars as pl

    folder = tmp_path / "deal"
    shutil.copytree(EXAMPLES / "prime-jumbo-2024-1", folder)
    tape = pl.read_csv(folder / "loans.csv", infer_schema=False)
    tape = tape.with_columns(pl.col(h).str.strptime(pl.Date, "%m/%d/%Y") for h in DATES)
    tape.with_columns(pl.col("NOTE_DATE").cast(pl.Datetime("us"))).write_parquet(folder / "loans.parquet")
    deal = folder / "deal.yaml"
    deal.write_text(deal.read_text().replace("tape: loans.csv", "tape: loans.parquet").replace('"%m/%d/%Y"', '"%d.%m.%y"'))
    code, out = cli("validate", deal)
    assert code == 0, out
    assert sum("are already dates" in line for line in out.splitlines()) == 2 and "(%d.%m.%y)" in out, out
    loans = analyse(load_deal(deal)).tape.loans
    expected = analyse(load_deal(PRIME)).tape.loans
    for field in ("origination_date", "first_payment_date", "maturity_date"):
        assert loans[field].to_list() == expected[field].to_list()


@pytest.mark.parametrize(
    ("labels", "total", "text", "key", "message"),
    [
        ('{"1": Fixed, "2": Fixed}', "Total Pool", '"2": Fixed', "groups.labels.2", "group 1 has this label too"),
        ('{"1": Fixed, "2": ARM}', "ARM", "total_label: ARM", "groups.total_label", "a group has this label too"),
    ],
)
def test_two_groups_or_a_group_and_the_pool_with_one_label_are_a_message(tmp_path: Path, labels: str, total: str, text: str, key: str, message: str) -> None:
    """The CSV's group column and the JSON's group would not tell the two apart."""
    pool = f"groups: {{field: loan_group, labels: {labels}, total_label: {total}}}\ntables: {{defaults: false}}\n"
    deal = prime_deal(tmp_path, pool)
    deal.write_text(deal.read_text().replace(f"labels: {labels}, total_label: {total}}}", f"labels: {labels},\n         total_label: {total}}}"))
    refused_at(deal, text, key, message)


# --- validate refuses exactly what render and strats refuse -----------------------------------


EDGES = {
    "fico": ["[719, 759]", "[699, 719, 739, 759, 779, 7999]", "[1]", "[719.5]"],
    "note_rate": ["[6.5, 7.0]", "[6.2501]", "[0, 5, 6]"],
    "margin": ["[2.499, 2.749]"],
    "reserve_months": ["[11, 23]"],
}
CATEGORIES = {
    "occupancy": ["[{value: primary, label: P}]", "[{value: primary, label: P}, {value: investor, label: I}, {value: second_home, label: S}]",
                  "[{value: primry, label: P}]"],
    "amortization": ["[{value: fixed, label: F}, {value: arm, label: A}]", "[{value: arm, label: A}]"],
    "state": ["[{value: CA, label: C}]"],
}  # fmt: skip
COLUMNS = [
    "{id: count, kind: count, header: [N]}",
    "{id: wa, kind: weighted_average, field: fico, header: [F]}",
    "{id: wa_margin, kind: weighted_average, field: margin, header: [M]}",
    "{id: ca, kind: share, field: state, value: CA, header: [CA]}",
]
MISTAKES = [
    "{id: count, kind: percent, header: [P]}",  # the count column's id
    "{id: wa, kind: weighted_average, field: margin, header: [M]}",  # the FICO column's id
    "{id: bad, kind: share, field: occupancy, value: investr, header: [I]}",
    "{id: label, kind: count, header: [L]}",
    "{id: avg, kind: weighted_average, field: occupancy, header: [O]}",
]


SUMMARY = ["{label: Loans, kind: count}", "{label: WA FICO, kind: weighted_average, field: fico}", "{label: CA, kind: share, field: state, value: CA}"]


@st.composite
def rules(draw: st.DrawFn) -> tuple[str, str]:
    """A field and a rule for it, right or wrong: bands (some mistyped), categories (some with strays, with or without other_label), years."""
    kind = draw(st.sampled_from(["bands", "categories", "yearly", "states"]))
    if kind == "bands":
        field = draw(st.sampled_from(sorted(EDGES)))
        return field, f"{{kind: bands, edges: {draw(st.sampled_from(EDGES[field]))}, first_label: a, label: '{{{{ lo }}}}', last_label: c}}"
    if kind == "categories":
        field = draw(st.sampled_from(sorted(CATEGORIES)))
        other = ", other_label: Other" if draw(st.booleans()) else ""
        return field, f"{{kind: categories, categories: {draw(st.sampled_from(CATEGORIES[field]))}{other}}}"
    return ("origination_date", "{kind: yearly}") if kind == "yearly" else ("state", "{kind: states}")


@st.composite
def pools(draw: st.DrawFn) -> str:
    """One or two tables of the prime-jumbo pool, each maybe a cross-tab, maybe with figure columns; maybe groups and summary lines."""
    entries = []
    for n in range(draw(st.integers(1, 2))):
        field, rule = draw(rules())
        lines = [f"- id: t{n}", "  title: [T]", "  header: [By]", f"  field: {field}", f"  rule: {rule}"]
        if draw(st.booleans()):
            across, across_rule = draw(rules())
            lines.append(f"  across: {{field: {across}, header: [X], rule: {across_rule}}}")
        elif columns := draw(st.lists(st.sampled_from(COLUMNS), max_size=3, unique=True)):
            wrong = draw(st.sampled_from(MISTAKES)) if draw(st.integers(0, 2)) == 0 else None  # a third with a mistake
            lines += ["  columns:", *(f"    - {c}" for c in [*columns, *([wrong] if wrong else [])])]
        entries += [f"    {line}" for line in lines]
    custom = "custom_fields:\n  - {name: reserve_months, column: RESERVES, kind: integer, range: [0, 120]}\n"
    groups = 'groups: {field: loan_group, labels: {"1": Group 1, "2": Group 2}}\n' if draw(st.booleans()) else ""
    lines = draw(st.lists(st.sampled_from(SUMMARY), max_size=3))  # two alike share a label
    summary = "summary:\n" + "".join(f"  - {line}\n" for line in lines) if lines else ""
    return custom + groups + summary + "tables:\n  defaults: false\n  tables:\n" + "\n".join(entries) + "\n"


@settings(max_examples=int(os.environ.get("DEALDOCS_FUZZ_EXAMPLES", "8")), deadline=None, derandomize=True)
@given(pools())
def test_validate_refuses_exactly_what_render_and_strats_refuse(pool: str) -> None:
    """Random tables, right and wrong: validate exits 2 exactly when render or strats would, never with an internal error."""
    with TemporaryDirectory() as folder:
        deal = prime_deal(Path(folder), pool)
        validated, out = cli("validate", deal)
        refused = [cli(*args)[0] for args in (("strats", deal, "-o", Path(folder) / "s.json"), ("render", deal, "-f", "txt", "-o", Path(folder) / "out"))]
        assert validated == max(refused) and validated in (0, 2), f"validate {validated}, strats and render {refused}:\n{pool}\n{out}"
