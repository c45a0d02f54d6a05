"""`dealdocs compare-tapes`: the loans a new tape adds, drops and changes, and the printed figures they move, against an independent computation.

The expected loans come from the two tapes read with the csv module; the expected figures from
the oracle (tests/oracle.py: int and Fraction), which computes every one-way table row and
pool-data line of both tapes; a figure moved when its printed text differs, and its loans are
the moved loans in its row (by the oracle's own row keys) under either tape.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from generator.api import FigureChange, compare_tapes, load_deal

from . import oracle
from .helpers import EXAMPLES, cli
from .test_oracle import DECIMALS, FIELDS, GROUPS, pool_section, summaries, table_specs, tape, write_deal

STATUSES = ("added", "dropped", "changed")
READ = {**FIELDS, "loan_number": oracle.FieldDef("LN_ID")}
"""The fields the oracle reads: the tables' and the loan number."""
EDITED = {"CUR_UPB": "balance", "CURR_RATE": "note_rate", "FICO_SCORE": "fico", "PROP_ST": "state", "OCC": "occupancy"}
"""The tape columns the edits change, and their fields."""


# --- the edits and what they should give ---------------------------------------------------------


def edited(rows: list[dict[str, str]], seed: int, drop: float, add: int, change: float) -> list[dict[str, str]]:
    """A new tape: some loans dropped, `add` loans added (new numbers), some changed in balance, rate, FICO, state or occupancy."""
    rng = random.Random(seed)
    kept = [dict(row) for row in rows if rng.random() >= drop]
    extra = tape(seed + 1, (add, 0), "realistic", 0.2)[:add] if add else []
    for n, row in enumerate(extra):
        row["LN_ID"] = f"N{n:07d}"
    for row in kept:
        if rng.random() >= change:
            continue
        column = rng.choice(sorted(EDITED))
        if column == "CUR_UPB":  # amortised: never above the original balance
            row[column] = oracle.decimal_text(max(0, oracle.scaled(row[column], 2) - rng.randint(1, 500_000)), 2)
        elif column == "CURR_RATE":  # an ARM's rate stays within its maximum
            ceiling = min(oracle.scaled(row["MAX_RATE"], 3), 20_000) if row["AMORT_TYPE"] == "ARM" else 20_000  # and a plausible rate
            row[column] = oracle.decimal_text(rng.randint(500, max(500, ceiling)), 3)
        elif column == "FICO_SCORE":
            row[column] = rng.choice(["", str(rng.randint(300, 850))])
        elif column == "PROP_ST":
            row[column] = rng.choice(sorted(oracle.STATE_NAMES))
        else:
            row[column] = rng.choice("OSI")
    out = kept + extra
    rng.shuffle(out)
    return out or [dict(rows[0])]


def shown(value: oracle.Value, decimals: int | None) -> str:
    """A stored value as the comparison prints it: numbers in their units, categories by name, flags true/false, blank empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and decimals is not None:
        return oracle.decimal_text(value, decimals)
    return str(value)


def expected_loans(old: list[oracle.Loan], new: list[oracle.Loan]) -> tuple[list[str], list[str], list[tuple[str, str, str, str]]]:
    """Added and dropped loan numbers, and (loan, field, old, new) of each changed field, from the tapes read independently."""
    before, after = {str(x["loan_number"]): x for x in old}, {str(x["loan_number"]): x for x in new}
    changed = []
    for number in sorted(before.keys() & after.keys()):
        for name, spec in FIELDS.items():  # every field an edit may change
            a, b = before[number][name], after[number][name]
            if a != b:
                changed.append((number, name, shown(a, spec.decimals), shown(b, spec.decimals)))
    return sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys()), changed


def printed(value: Any) -> str:
    """An oracle figure as the term sheet prints it: thousands separated, its decimals kept, N/A for none."""
    return "N/A" if value is None else f"{Decimal(value):,}" if isinstance(value, str) else f"{value:,}"


Key = tuple[str, str, str, str, str]  # part, table, group, row, column


def oracle_figures(pool: Mapping[str, Any], loans: list[oracle.Loan]) -> dict[Key, tuple[str, Any, tuple[Any, ...]]]:
    """Every one-way table cell and pool-data cell the oracle computes: printed text, and (group key, table spec, row key) it is over."""
    groups = pool.get("groups")
    labels = {None: GROUPS["total_label"], **GROUPS["labels"]} if groups else {None: ""}
    pool_cents = oracle.balance_cents(loans)
    out: dict[Key, tuple[str, Any, tuple[Any, ...]]] = {}
    stating = []
    for spec, key, frame in oracle.printed_tables(pool["tables"]["tables"], loans, groups):
        table = oracle.one_way(spec, frame, DECIMALS, pool_cents if key is not None else None)
        stating.append((spec, key, table))
        axis = oracle.Axis(spec["field"], spec["rule"], DECIMALS.get(spec["field"]), spec.get("keep_empty", False))
        row_keys, _ = axis.rows(frame)
        for row, row_key in [*zip(table["rows"], row_keys, strict=True), ({"label": "Total", **table["total"]}, "*")]:
            for column in spec["columns"]:
                out["table", spec["id"], labels[key], row["label"], column["id"]] = (printed(row["figures"][column["id"]]), key, (spec, row_key))
    frames = oracle.group_frames(loans, groups)
    for item in pool["summary"]:
        line = oracle.pool_data_line(item, frames, DECIMALS, stating)
        for (key, _), figure, note in zip(frames, line["figures"], line["notes"], strict=True):
            blank = key is not None and item.get("only_groups") is not None and key not in item["only_groups"]
            text = "" if blank else printed(figure) + (f" ({note})" if note else "")
            out["pool data", "", "", item["label"], labels[key] or "Total"] = (text, key, ())
    return out


def expected_moved(
    pool: Mapping[str, Any], old: list[oracle.Loan], new: list[oracle.Loan], moved: Mapping[str, set[str]]
) -> dict[Key, tuple[str | None, str | None, dict[str, list[str]]]]:
    """Each oracle figure whose printed text differs between the tapes: old, new, and the moved loans in its row (or group) under either."""
    before, after = oracle_figures(pool, old), oracle_figures(pool, new)
    group_field = GROUPS["field"] if pool.get("groups") else None
    out = {}
    for key in before.keys() | after.keys():
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and was[0] == now[0]:
            continue
        loans: dict[str, set[str]] = {s: set() for s in STATUSES}
        for side in (was, now):  # a row printed on one side only (a clamped band relabelled) still holds loans of both tapes
            if side is None:
                continue
            _, group, where = side
            for tape_loans, statuses in ((old, ("dropped", "changed")), (new, ("added", "changed"))):
                for loan in tape_loans:
                    number = str(loan["loan_number"])
                    status = next((s for s in statuses if number in moved[s]), None)
                    if status is None or (group is not None and group_field is not None and str(loan[group_field]) != group):
                        continue
                    if where and where[1] != "*":
                        spec, row_key = where
                        if oracle.Axis(spec["field"], spec["rule"], DECIMALS.get(spec["field"])).key(loan) != row_key:
                            continue
                    loans[status].add(number)
        out[key] = (None if was is None else was[0], None if now is None else now[0], {s: sorted(v) for s, v in loans.items()})
    return out


def found_moved(changes: Sequence[FigureChange]) -> dict[Key, tuple[str | None, str | None, dict[str, list[str]]]]:
    return {
        (f.part, f.table, f.group, f.row, f.column): (f.old, f.new, {s: list(getattr(f.loans, s)) for s in STATUSES})
        for f in changes
        if f.part in ("table", "pool data")
    }


# --- tests -------------------------------------------------------------------------------------


def _write(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a failure takes minutes: the message shows the draws
)
@given(
    st.integers(0, 2**32), st.tuples(st.integers(1, 60), st.integers(0, 60)), st.booleans(),
    st.sampled_from([0.0, 0.1, 0.5]), st.integers(0, 5), st.sampled_from([0.0, 0.1, 0.5]), st.data(),
)  # fmt: skip
def test_loans_and_moved_figures_equal_an_independent_computation(
    seed: int, sizes: tuple[int, int], grouped: bool, drop: float, add: int, change: float, data: st.DataObject
) -> None:
    """Random drops, additions and edits of a small tape: exactly the expected loans, and exactly the table and pool-data figures that moved."""
    rows = tape(seed, sizes, "realistic", 0.2)
    pool = pool_section(grouped, data.draw(table_specs(rows, grouped, money=False)), data.draw(summaries(rows, grouped, money=False)))
    new_rows = edited(rows, seed, drop, add, change)
    with TemporaryDirectory() as tmp:
        deal = write_deal(Path(tmp), pool, rows)
        new_tape = _write(Path(tmp) / "new.csv", new_rows)
        comparison = compare_tapes(load_deal(deal), deal.parent / "loans.csv", new_tape)
        old_loans, new_loans = oracle.read_loans(deal.parent / "loans.csv", READ), oracle.read_loans(new_tape, READ)
    added, dropped, changed = expected_loans(old_loans, new_loans)
    assert comparison.loans.added.to_list() == added
    assert comparison.loans.dropped.to_list() == dropped
    assert [tuple(r) for r in comparison.loans.changed.iter_rows()] == changed
    moved = {"added": set(added), "dropped": set(dropped), "changed": {c[0] for c in changed}}
    assert found_moved(comparison.figures) == expected_moved(pool, old_loans, new_loans, moved)
    assert comparison.empty() == (not (added or dropped or changed))


def test_a_tape_against_itself_is_empty_and_exits_0(tmp_path: Path) -> None:
    deal = EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml"
    tape_file = deal.parent / "loans.csv"
    code, output = cli("compare-tapes", deal, tape_file, tape_file)
    assert code == 0
    assert "no printed figure moved" in output
    code, output = cli("compare-tapes", deal, tape_file, tape_file, "--format", "json")
    assert code == 0
    assert json.loads(output[output.index("{") :]) == {"loans": {"added": [], "dropped": [], "changed": []}, "loan_sets": [], "figures": []}


def _prime_edit(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The prime-jumbo tape with its first loan dropped, a copy of its fourth added, and the second's rate lowered from 7.500 to 7.375."""
    deal = EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml"
    with (deal.parent / "loans.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    new = [dict(row) for row in rows[1:]]
    assert new[0]["LN_ID"] == "PJ0000002" and new[0]["CURR_RATE"] == "7.500" and new[0]["GRP"] == "1"
    assert new[0]["FICO_SCORE"] == "739"
    new[0]["CURR_RATE"] = "7.375"
    new[0]["FICO_SCORE"] = "805"
    new.append({**rows[3], "LN_ID": "ADDED0001"})
    return deal, deal.parent / "loans.csv", _write(tmp_path / "new.csv", new)


def test_the_example_edit_names_its_loans_in_every_format(tmp_path: Path) -> None:
    """A known edit of the prime-jumbo tape: the loan list, a rate band's rows naming the changed loan in both, and the same in CSV and XLSX."""
    deal, old, new = _prime_edit(tmp_path)
    code, output = cli("compare-tapes", deal, old, new, "--format", "json", "--out", tmp_path / "c.json")
    assert code == 0, output
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["loans"] == {
        "added": ["ADDED0001"], "dropped": ["PJ0000001"],
        "changed": [{"loan_number": "PJ0000002", "fields": [
            {"field": "note_rate", "old": "7.500", "new": "7.375"}, {"field": "fico", "old": "739", "new": "805"},
        ]}],
    }  # fmt: skip
    rate_rows = [f for f in data["figures"] if f["table"] == "rate" and f["group"] == "Group 1" and f["column"] == "count" and f["row"] != "Total"]
    named = [f for f in rate_rows if "PJ0000002" in data["loan_sets"][f["loans"]]["changed"]]
    assert len(named) == 2, rate_rows  # 7.500 and 7.375 fall in different bands (edge 7.499): both rows name it
    assert [f["old"] for f in named] != [f["new"] for f in named]
    cells = [f for f in data["figures"] if f["table"] == "fico-ltv" and f["group"] == "Group 1"]
    named_cells = {(f["row"], f["column"]) for f in cells if "PJ0000002" in data["loan_sets"][f["loans"]].get("changed", ())}
    assert len({r for r, _ in named_cells} - {"Total"}) == 2, named_cells  # 739 and 805: two FICO rows of the cross-tab
    assert len({c for _, c in named_cells} - {"Total"}) == 1, named_cells  # its LTV column, unchanged
    whole = next(f for f in data["figures"] if f["part"] == "pool data" and f["column"] == "Total Pool")
    assert data["loan_sets"][whole["loans"]] == {"every_moved_loan_of_its_group": True, "added": 1, "dropped": 1, "changed": 1}
    code, output = cli("compare-tapes", deal, old, new, "--format", "csv", "--out", tmp_path / "c.csv")
    assert code == 0, output
    with (tmp_path / "c.csv").open(newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [(r["status"], r["loan_number"], r["field"], r["old"], r["new"]) for r in lines if r["section"] == "loan"] == [
        ("added", "ADDED0001", "", "", ""), ("dropped", "PJ0000001", "", "", ""),
        ("changed", "PJ0000002", "note_rate", "7.500", "7.375"), ("changed", "PJ0000002", "fico", "739", "805"),
    ]  # fmt: skip
    assert sum(r["section"] == "figure" for r in lines) == len(data["figures"])
    code, output = cli("compare-tapes", deal, old, new, "--format", "xlsx", "--out", tmp_path / "c.xlsx")
    assert code == 0, output
    book = load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["Loans", "Figures"]
    assert book["Figures"].max_row == len(data["figures"]) + 1
    first = (tmp_path / "c.xlsx").read_bytes()
    cli("compare-tapes", deal, old, new, "--format", "xlsx", "--out", tmp_path / "c.xlsx")
    assert (tmp_path / "c.xlsx").read_bytes() == first
    code, output = cli("compare-tapes", deal, old, new)
    assert code == 0
    assert "PJ0000002" in output and "7.375" in output


def test_errors_of_both_tapes_are_listed_and_exit_2(tmp_path: Path) -> None:
    deal = EXAMPLES / "prime-jumbo-2024-1" / "deal.yaml"
    with (deal.parent / "loans.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    old_rows, new_rows = [dict(r) for r in rows], [dict(r) for r in rows]
    old_rows[4]["CURR_RATE"] = "abc"
    new_rows[9]["CUR_UPB"] = "-5"
    old, new = _write(tmp_path / "old.csv", old_rows), _write(tmp_path / "new.csv", new_rows)
    code, output = cli("compare-tapes", deal, old, new)
    assert code == 2
    flat = " ".join(output.split())
    assert f"{old}:6 [CURR_RATE]" in flat and f"{new}:11 [CUR_UPB]" in flat


def test_an_injected_label_is_inert_in_csv(tmp_path: Path) -> None:
    """A category label a spreadsheet would run ('=HYPERLINK(...)') is written as text, as `strats` writes it."""
    with TemporaryDirectory() as tmp:
        rows = tape(3, (30, 0), "realistic", 0.0)
        rows[0]["OCC"] = "O"  # the dropped loan is in the row so labelled: the row moves
        spec = {"id": "occ", "title": ["T"], "header": ["Row"], "field": "occupancy", "columns": [{"id": "n", "kind": "count", "header": ["N"]}],
                "rule": {"kind": "categories", "categories": [{"value": "primary", "label": "=HYPERLINK(1)"}], "other_label": "Other"}}  # fmt: skip
        deal = write_deal(Path(tmp), pool_section(False, [spec], []), rows)
        new = _write(Path(tmp) / "new.csv", rows[1:])
        code, output = cli("compare-tapes", deal, deal.parent / "loans.csv", new, "--format", "csv")
    assert code == 0, output
    assert ",'=HYPERLINK(1),n," in output


def test_the_form_8k_layout_names_its_summary_and_table_figures(tmp_path: Path) -> None:
    """The 2003 example without its first loan: the prose's loan count falls by one, by that loan; its rows name it."""
    deal = EXAMPLES / "cmsi-2003-1" / "deal.yaml"
    with (deal.parent / "loans.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    comparison = compare_tapes(load_deal(deal), deal.parent / "loans.csv", _write(tmp_path / "new.csv", rows[1:]))
    first = rows[0]["LOAN_NO"]
    assert comparison.loans.dropped.to_list() == [first] and not comparison.loans.added.len() and not comparison.loans.changed.height
    count = next(f for f in comparison.figures if (f.part, f.row) == ("summary", "pool_count"))
    assert (count.document, count.old, count.new) == ("term-sheet-8k", f"{len(rows):,}", f"{len(rows) - 1:,}")
    assert count.loans.whole and count.loans.dropped == (first,)
    table_rows = [f for f in comparison.figures if f.part == "table" and f.column == "count" and f.row != "Total"]
    assert len({f.table for f in table_rows}) == len(table_rows) == 7  # in each of the 7 tables, the one row holding it
    assert all(f.loans.dropped == (first,) and int((f.old or "0").replace(",", "")) - int((f.new or "0").replace(",", "")) == 1 for f in table_rows)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=40), st.data())
def test_a_changed_value_is_written_in_its_units_exactly(values: list[int], data: st.DataObject) -> None:
    """Old -> new values print as the tape writes them, at any magnitude, the most negative 64-bit value included."""
    import polars as pl

    from generator.fields import FIELDS as REGISTRY
    from generator.pool.parsing import scaled_text

    field = data.draw(st.sampled_from(sorted((f for f in REGISTRY.values() if f.decimals), key=lambda f: f.name)))
    assert field.decimals is not None
    written = pl.DataFrame({"v": [*values, -(2**63)]}, schema={"v": pl.Int64}).select(scaled_text(pl.col("v"), field).alias("t"))["t"]
    assert written.to_list() == [format(Decimal(v).scaleb(-field.decimals), "f") for v in [*values, -(2**63)]]
