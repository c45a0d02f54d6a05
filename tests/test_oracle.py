"""Every figure dealdocs prints equals the independent oracle's (tests/oracle.py), on drawn deal files and tapes.

Deal files draw their tables (fields, rules, columns, groups) and pool-data lines; tapes are
the prime-jumbo example's loans with their numbers redrawn, from a few cents to the largest
balance a tape holds ($99,999,999.99), blanks in the optional fields. dealdocs runs on them
as a user runs it (`analyse` and the JSON export, or `dealdocs strats`); the oracle reads the
same tape with the csv module. DEALDOCS_ORACLE_EXAMPLES raises the number of examples for a
long run.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from generator.api import analyse, load_deal, to_json

from . import oracle
from .helpers import EXAMPLES, cli

EXAMPLE = EXAMPLES / "prime-jumbo-2024-1"
HEAD = (EXAMPLE / "deal.yaml").read_text().split("    custom_fields:\n", 1)[0]  # the deal file up to its pool's tables, summary and groups
with (EXAMPLE / "loans.csv").open(newline="") as _handle:
    EXAMPLE_ROWS = list(csv.DictReader(_handle))
GROUP_ROWS = {g: [r for r in EXAMPLE_ROWS if r["GRP"] == g] for g in ("1", "2")}  # group 1 fixed-rate, group 2 ARMs

MAX_CENTS = 99_999_999_99
"""The largest balance the tests draw: $99,999,999.99."""

NUMBERS = {  # field: (tape header, decimals, lowest and highest stored value a band edge takes)
    "balance": ("CUR_UPB", 2, 1, 10**10), "original_balance": ("ORIG_UPB", 2, 1, 10**10), "note_rate": ("CURR_RATE", 3, 1, 20_000),
    "fico": ("FICO_SCORE", 0, 300, 850), "ltv": ("ORIG_LTV", 3, 1, 200_000), "cltv": ("CLTV", 3, 1, 200_000), "dti": ("DTI_RATIO", 2, 0, 10_000),
    "margin": ("GROSS_MARGIN", 3, 0, 10_000), "months_to_roll": ("MTR", 0, 0, 360), "interest_only_term": ("IO_MONTHS", 0, 0, 360),
    "remaining_term": ("RTM", 0, 1, 360), "reserve_months": ("RESERVES", 0, 0, 120), "units": ("UNIT_CNT", 0, 1, 4),
    "escrow_balance": ("ESCROW", 2, 1, 10**10),
}  # fmt: skip
MONEY = ("balance", "original_balance", "escrow_balance")
CODES: dict[str, tuple[str, dict[str, str | bool]]] = {
    "occupancy": ("OCC", {"O": "primary", "S": "second_home", "I": "investor"}),
    "purpose": ("LOAN_PURP", {"P": "purchase", "R": "rate_term_refinance", "C": "cash_out_refinance"}),
    "property_type": ("PROPERTY", {"SF": "detached", "PUD": "pud", "CONDO": "condo_low", "2UNIT": "multi_family"}),
    "doc_type": ("DOC_LVL", {"FULL": "full", "ALT": "other"}),
    "prepay_penalty": ("PPP_FLAG", {"Y": True, "N": False}),
}
TEXTS = {"channel": "ORIG_CHANNEL", "state": "PROP_ST", "loan_group": "GRP"}
FIELDS: dict[str, oracle.FieldDef] = {
    **{name: oracle.FieldDef(header, decimals=decimals) for name, (header, decimals, _, _) in NUMBERS.items()},
    **{name: oracle.FieldDef(header, codes=codes) for name, (header, codes) in CODES.items()},
    **{name: oracle.FieldDef(header) for name, header in TEXTS.items()},
    "origination_date": oracle.FieldDef("NOTE_DATE", date_format="%m/%d/%Y"),
}
DECIMALS = {name: decimals for name, (_, decimals, _, _) in NUMBERS.items()}
CATEGORY_VALUES: dict[str, list[Any]] = {
    **{name: list(codes.values()) for name, (_, codes) in CODES.items()},
    "channel": ["RETAIL", "CORRESPONDENT", "BROKER"], "units": [1, 2],
}  # fmt: skip
GROUPS = {"field": "loan_group", "labels": {"1": "Group 1", "2": "Group 2"}, "total_label": "Total Pool"}
LABELS = {"label": "{{ lo }} - {{ hi }}", "first_label": "to {{ hi }}", "last_label": "over {{ lo }}"}  # what oracle.Axis prints

PROFILE = settings(
    max_examples=int(os.environ.get("DEALDOCS_ORACLE_EXAMPLES", "25")), deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, *([Phase.shrink] if os.environ.get("DEALDOCS_ORACLE_SHRINK") else [])],
)  # fmt: skip
"""Shrinking a failure takes minutes at a few hundred loans an example: the message lists the deal and every disagreement instead."""


# --- tapes -------------------------------------------------------------------------------------

MODES = ("realistic", "extreme", "maximum", "cents", "mixed")


def balance_of(rng: random.Random, mode: str) -> int:
    """A balance in cents: around a jumbo loan, anywhere up to the maximum, the maximum itself, a few cents (many ties), or any of those."""
    if mode == "mixed":
        mode = rng.choice(MODES[:-1])
    if mode == "realistic":
        return rng.randint(5_000_000, 300_000_000)
    if mode == "extreme":
        return rng.choice([0, 1, MAX_CENTS, MAX_CENTS - 1, rng.randint(0, MAX_CENTS)])
    if mode == "maximum":
        return MAX_CENTS
    return rng.choice([0, 50, 150, 250, rng.randint(0, 999)])


def tape(seed: int, sizes: tuple[int, int], mode: str, blanks: float) -> list[dict[str, str]]:
    """Loans of groups 1 and 2 (`sizes`, group 2 maybe none), numbers redrawn; FICO, CLTV, DTI, reserves and escrow blank at the rate `blanks`."""
    rng = random.Random(seed)
    rows = [dict(rng.choice(GROUP_ROWS[g])) for g, n in zip(("1", "2"), sizes, strict=True) for _ in range(n)]
    rng.shuffle(rows)
    text = oracle.decimal_text
    for n, row in enumerate(rows):
        row["LN_ID"] = f"T{n:07d}"
        cents = balance_of(rng, mode)
        row["CUR_UPB"] = text(cents, 2)
        row["ORIG_UPB"] = text(max(cents, oracle.scaled(row["ORIG_UPB"], 2)), 2)
        rate = rng.randint(500, 20_000)
        row["CURR_RATE"] = text(rate, 3)
        ltv = rng.randint(1_000, 150_000)
        row["ORIG_LTV"] = text(ltv, 3)
        row["CLTV"] = "" if rng.random() < blanks else text(rng.randint(ltv, 200_000), 3)
        row["FICO_SCORE"] = "" if rng.random() < blanks else str(rng.randint(300, 850))
        row["DTI_RATIO"] = "" if rng.random() < blanks else text(rng.randint(0, 10_000), 2)
        row["RESERVES"] = "" if rng.random() < blanks else str(rng.randint(0, 120))
        row["IO_MONTHS"] = str(rng.choice([0, 0, 60, 120]))
        month_day, year = row["NOTE_DATE"].rsplit("/", 1)
        if month_day != "02/29":  # an earlier origination year: more rows in a yearly table (first payment and maturity stay after it)
            row["NOTE_DATE"] = f"{month_day}/{int(year) - rng.choice([0, 0, 1, 3])}"
        row["ESCROW"] = "" if rng.random() < blanks else text(balance_of(rng, mode), 2)
        row["PPP_FLAG"] = rng.choice("YN")
        if row["AMORT_TYPE"] == "ARM":
            row["GROSS_MARGIN"] = text(rng.choice([2_250, 2_750, rng.randint(0, 10_000)]), 3)
            row["MAX_RATE"] = text(rng.randint(rate, 30_000), 3)
            row["MTR"] = str(rng.randint(0, int(row["RTM"])))
    if all(oracle.scaled(row["CUR_UPB"], 2) == 0 for row in rows):  # a tape with no balance at all is refused with a message
        rows[0]["CUR_UPB"] = "0.01"
    return rows


def write_deal(folder: Path, pool: Mapping[str, Any], rows: Sequence[Mapping[str, str]]) -> Path:
    """The example's deal file with `pool`'s sections (flow YAML, one line each) and the tape `rows` beside it."""
    lines = [f"    {key}: {flow(value)}\n" for key, value in pool.items()]
    deal = folder / "deal.yaml"
    deal.write_text(HEAD + "".join(lines))
    with (folder / "loans.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return deal


def flow(value: Any) -> str:
    """A value as flow YAML: numbers written as their text (a Decimal exactly), strings double-quoted."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(flow, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


# --- deal files --------------------------------------------------------------------------------

CUSTOM = [
    {"name": "reserve_months", "column": "RESERVES", "kind": "integer", "range": [0, 120]},
    {"name": "escrow_balance", "column": "ESCROW", "kind": "money"},
    {"name": "prepay_penalty", "column": "PPP_FLAG", "kind": "flag", "codes": {"Y": True, "N": False}},
]


@st.composite
def edges(draw: st.DrawFn, field: str) -> list[Decimal]:
    """Increasing band edges within the field's range, some coarser than its decimals."""
    _, decimals, low, high = NUMBERS[field]
    coarse = 10 ** draw(st.integers(0, decimals))
    values = draw(st.lists(st.integers(low // coarse, high // coarse), min_size=1, max_size=5, unique=True))
    return [Decimal(v * coarse).scaleb(-decimals).normalize() for v in sorted(values)]


@st.composite
def rules(draw: st.DrawFn, crossed: bool = False) -> tuple[str, dict[str, Any]]:
    """A field and a rule that groups it: bands, categories (with an other row when some are left out), states, years."""
    kinds = ["bands", "categories"] if crossed else ["bands", "bands", "categories", "states", "yearly"]
    kind = draw(st.sampled_from(kinds))
    if kind == "bands":
        field = draw(st.sampled_from(sorted(NUMBERS)))
        rule: dict[str, Any] = {"kind": "bands", "edges": draw(edges(field)), **LABELS}
        if draw(st.booleans()):
            rule["clamp_to_data"] = True
        return field, rule
    if kind == "categories":
        field = draw(st.sampled_from(sorted(CATEGORY_VALUES)))
        values: list[Any] = draw(st.permutations(CATEGORY_VALUES[field]))
        listed = values[: draw(st.integers(1, len(values)))]
        rule = {"kind": "categories", "categories": [{"value": v, "label": f"cat {v}"} for v in listed]}
        if crossed or len(listed) < len(values) or draw(st.booleans()):  # a cross-tab's axis always has its other row
            rule["other_label"] = "Other"
        return field, rule
    if kind == "states":
        return "state", {"kind": "states"}
    return "origination_date", {"kind": "yearly"}


ABSENT: dict[str, Decimal | int] = {"note_rate": Decimal("6.25"), "fico": 700, "margin": Decimal("2.25")}
"""A value a share may count when no loan of the tape has the field (no ARM, no margin)."""


@st.composite
def share_values(draw: st.DrawFn, rows: Sequence[Mapping[str, str]]) -> tuple[str, Any]:
    """A share's field and value (or list of values), most of them held by some loan of the tape."""
    field = draw(st.sampled_from(["occupancy", "purpose", "prepay_penalty", "state", "interest_only_term", "note_rate", "fico", "margin", "units"]))
    values: list[Any]
    if field in CODES:
        values = list(CODES[field][1].values())
    elif field == "state":
        values = sorted(oracle.STATE_NAMES)
    elif field == "interest_only_term":
        values = [0, 60, 120]
    elif field == "units":
        values = [1, 2]
    else:
        header = NUMBERS[field][0]
        values = sorted({Decimal(r[header]).normalize() if "." in r[header] else int(r[header]) for r in rows if r[header]} or {ABSENT[field]})
    picked = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))
    return field, picked[0] if len(picked) == 1 and draw(st.booleans()) else picked


@st.composite
def columns(draw: st.DrawFn, rows: Sequence[Mapping[str, str]], money: bool, given: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """A table's figure columns, `given` first, then drawn of every kind (no figure twice); weighted averages of money fields only when `money`."""
    kinds = ["count", "balance", "percent", "percent_pool", "average_balance", "weighted_average", "share", "minimum", "maximum"]
    chosen = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=7))
    out = [dict(c) for c in given]
    averaged = [f for f in NUMBERS if money or f not in MONEY]
    for n, kind in enumerate(chosen):
        column: dict[str, Any] = {"id": f"c{n}", "kind": kind, "header": [f"H{n}"]}
        if kind == "percent_pool":
            column.update(kind="percent", of="pool")
        elif kind in ("weighted_average", "minimum", "maximum"):
            column["field"] = draw(st.sampled_from(sorted(averaged if kind == "weighted_average" else NUMBERS)))
        elif kind == "share":
            column["field"], column["value"] = draw(share_values(rows))
        if kind in ("weighted_average", "share", "minimum", "maximum") and draw(st.booleans()):
            column["decimals"] = draw(st.integers(0, 4))
        if all(_figure(column) != _figure(c) for c in out):
            out.append(column)
    return out


def _figure(column: Mapping[str, Any]) -> tuple[str, ...]:
    """What a column prints, whatever its id and heading: two columns printing the same figure would be a deal-file mistake."""
    return tuple(flow(column.get(key)) for key in ("kind", "of", "field", "value", "decimals"))


@st.composite
def table_specs(
    draw: st.DrawFn, rows: Sequence[Mapping[str, str]], grouped: bool, money: bool, given: Sequence[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """One to three one-way tables, each printed for the groups, the pool or both, their columns `given` and drawn ones."""
    specs = []
    for n in range(draw(st.integers(1, 3))):
        field, rule = draw(rules())
        spec: dict[str, Any] = {"id": f"t{n}", "title": [f"T{n}"], "header": ["Row"], "field": field, "rule": rule,
                                "columns": draw(columns(rows, money, given))}  # fmt: skip
        # not clamped bands kept empty: with no loan holding a value their labels print "472 - 0" (a label defect, not a figure)
        if rule["kind"] == "categories" or (rule["kind"] == "bands" and not rule.get("clamp_to_data")):
            spec["keep_empty"] = draw(st.booleans())
        specs.append(spec | draw(scopes(grouped)))
    return specs


@st.composite
def scopes(draw: st.DrawFn, grouped: bool) -> dict[str, Any]:
    """Which of a grouped deal's groups a table prints for: print_for, or only_groups."""
    if not grouped:
        return {}
    choice = draw(st.sampled_from(["both", "groups", "pool", "only"]))
    if choice == "only":
        return {"only_groups": draw(st.lists(st.sampled_from(["1", "2"]), min_size=1, max_size=2, unique=True))}
    return {} if choice == "both" else {"print_for": choice}


@st.composite
def summaries(draw: st.DrawFn, rows: Sequence[Mapping[str, str]], grouped: bool, money: bool) -> list[dict[str, Any]]:
    """Pool-data lines of every kind, some for some groups only."""
    out = []
    for n in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["count", "balance", "average_balance", "weighted_average", "minimum", "maximum", "share", "largest_state"]))
        item: dict[str, Any] = {"label": f"Line {n}", "kind": kind}
        if kind == "weighted_average":
            item["field"] = draw(st.sampled_from(sorted(f for f in NUMBERS if money or f not in MONEY)))
        elif kind in ("minimum", "maximum"):
            item["field"] = draw(st.sampled_from(sorted(NUMBERS)))
        elif kind == "share":
            item["field"], item["value"] = draw(share_values(rows))
        elif kind == "largest_state" and draw(st.booleans()):
            item["rank"] = draw(st.integers(1, 12))
        if kind in ("weighted_average", "minimum", "maximum", "share", "largest_state") and draw(st.booleans()):
            item["decimals"] = draw(st.integers(0, 4))
        if grouped and draw(st.booleans()):
            item["only_groups"] = draw(st.lists(st.sampled_from(["1", "2"]), min_size=1, max_size=2, unique=True))
        out.append(item)
    return out


@st.composite
def finer(draw: st.DrawFn, field: str, rule: dict[str, Any]) -> dict[str, Any]:
    """A one-way rule of the field holding some of the axis's rows exactly: its band edges and more (clamped or not), or its categories reordered."""
    if rule["kind"] == "categories":
        return rule | {"categories": draw(st.permutations(rule["categories"]))}
    more = sorted(set(rule["edges"]) | set(draw(edges(field))))
    return {"kind": "bands", "edges": more, **LABELS, **({"clamp_to_data": True} if draw(st.booleans()) else {})}


@st.composite
def crosstabs(draw: st.DrawFn, grouped: bool) -> list[dict[str, Any]]:
    """One or two cross-tabs: a banded, categorised or states field down, a banded or categorised one across.

    Some with a one-way table of an axis's field printed too, whose band edges include the axis's
    (or whose categories are the axis's): the rows the two share print the one-way table's figures.
    """
    specs = []
    for n in range(draw(st.integers(1, 2))):
        down, rule = draw(rules())
        across, across_rule = draw(rules(crossed=True))
        if across == down:
            across, across_rule = ("fico", {"kind": "bands", "edges": [Decimal(719), Decimal(759)], **LABELS}) if down != "fico" else (
                "ltv", {"kind": "bands", "edges": [Decimal(70), Decimal(80)], **LABELS})
        spec: dict[str, Any] = {
            "id": f"x{n}", "title": [f"X{n}"], "header": ["Row"], "field": down, "rule": rule,
            "across": {"field": across, "header": ["Across"], "rule": across_rule}, "cell": draw(st.sampled_from(["percent", "count", "balance"])),
        }  # fmt: skip
        specs.append(spec | draw(scopes(grouped)))
        for axis, (field, axis_rule) in enumerate(((down, rule), (across, across_rule))):
            if axis_rule["kind"] in ("bands", "categories") and draw(st.booleans()):
                one_way = draw(finer(field, axis_rule))
                table: dict[str, Any] = {"id": f"x{n}t{axis}", "title": ["T"], "header": ["Row"], "field": field, "rule": one_way}
                if not one_way.get("clamp_to_data"):  # as table_specs: keep_empty only where the rule is not clamped to the data
                    table["keep_empty"] = draw(st.booleans())
                specs.insert(draw(st.integers(0, len(specs))), table | draw(scopes(grouped)))
    return specs


# --- running both ------------------------------------------------------------------------------


def pool_section(grouped: bool, tables: list[dict[str, Any]], summary: list[dict[str, Any]]) -> dict[str, Any]:
    """The deal file's pool sections after its columns and codes."""
    return {"custom_fields": CUSTOM, **({"groups": GROUPS} if grouped else {}), "summary": summary, "tables": {"defaults": False, "tables": tables}}


def dealdocs_json(deal: Path) -> dict[str, Any]:
    """What `dealdocs strats --format json` prints, from the library."""
    data: dict[str, Any] = json.loads(to_json(analyse(load_deal(deal))))
    return data


def disagreements(pool: Mapping[str, Any], tape_file: Path, printed: Mapping[str, Any]) -> list[str]:
    """Every figure where dealdocs' JSON differs from the oracle's, in words; cross-tabs by their rounding rules."""
    loans = oracle.read_loans(tape_file, FIELDS)
    groups = pool.get("groups")
    expected = oracle.printed_tables(pool["tables"]["tables"], loans, groups)
    tables = printed["tables"]
    found = [] if len(tables) == len(expected) else [f"{len(tables)} tables printed, expected {len(expected)}"]
    pool_cents = oracle.balance_cents(loans)
    for (spec, key, frame), table in zip(expected, tables, strict=False):
        where = f"table {spec['id']} group {key}"
        if (table["id"], table.get("group_key")) != (spec["id"], key):
            found.append(f"{where}: printed {table['id']} group {table.get('group_key')} in its place")
            continue
        if "across" in spec:
            one_ways = [s for s, k, _ in expected if k == key and "across" not in s]  # the one-way tables printed for the same loans
            found += [f"{where}: {p}" for p in oracle.crosstab_problems(spec, table, frame, DECIMALS, one_ways)]
            continue
        want = oracle.one_way(spec, frame, DECIMALS, pool_cents if key is not None else None)
        for n, (got, row) in enumerate(zip(table["rows"], want["rows"], strict=False)):
            if {k: got.get(k) for k in row} != row:  # the oracle's keys: the export may add others
                found.append(f"{where} row {n}: printed {got}, oracle {row}")
        if len(table["rows"]) != len(want["rows"]):
            found.append(f"{where}: {len(table['rows'])} rows printed, oracle {len(want['rows'])}: {[r['label'] for r in want['rows']]}")
        if {k: table["total"].get(k) for k in want["total"]} != want["total"]:
            found.append(f"{where} total: printed {table['total']}, oracle {want['total']}")
    frames = oracle.group_frames(loans, groups)
    stating = [
        (spec, key, oracle.one_way(spec, frame, DECIMALS, pool_cents if key is not None else None)) for spec, key, frame in expected if "across" not in spec
    ]  # the one-way tables printed, whose rows may state a pool-data line's figure
    lines = printed.get("pool_data", {}).get("lines", [])
    if len(lines) != len(pool["summary"]):
        found.append(f"{len(lines)} pool-data lines printed, expected {len(pool['summary'])}")
    for item, line in zip(pool["summary"], lines, strict=False):
        want_line = oracle.pool_data_line(item, frames, DECIMALS, stating)
        if (line["figures"], line["notes"]) != (want_line["figures"], want_line["notes"]):
            found.append(f"pool-data {item}: printed {line['figures']} {line['notes']}, oracle {want_line['figures']} {want_line['notes']}")
    return found


def check(pool: dict[str, Any], rows: list[dict[str, str]]) -> None:
    """Run dealdocs on the deal and tape and assert that it prints what the oracle computes."""
    with TemporaryDirectory() as tmp:
        deal = write_deal(Path(tmp), pool, rows)
        found = disagreements(pool, deal.parent / "loans.csv", dealdocs_json(deal))
    assert not found, "\n".join([*found[:12], f"deal pool: {flow(pool)}"])


tape_params = st.tuples(st.integers(0, 2**32), st.tuples(st.integers(1, 150), st.integers(0, 150)), st.sampled_from(MODES), st.sampled_from([0.0, 0.2, 1.0]))


@PROFILE
@given(tape_params, st.booleans(), st.data())
def test_one_way_tables_and_pool_data_equal_the_oracle(params: tuple[int, tuple[int, int], str, float], grouped: bool, data: st.DataObject) -> None:
    """Random tables and pool-data lines on tapes of any magnitude; weighted averages of non-money fields (money: the next test)."""
    rows = tape(*params)
    pool = pool_section(grouped, data.draw(table_specs(rows, grouped, money=False)), data.draw(summaries(rows, grouped, money=False)))
    check(pool, rows)


@PROFILE
@given(tape_params, st.booleans(), st.data())
def test_weighted_averages_of_money_fields_equal_the_oracle(params: tuple[int, tuple[int, int], str, float], grouped: bool, data: st.DataObject) -> None:
    """Weighted averages of balances by balance, which pass 2^63 once a few loans are large."""
    rows = tape(*params)
    money = [{"id": f"m{n}", "kind": "weighted_average", "field": field, "header": ["WA"]} for n, field in enumerate(MONEY)]
    tables = data.draw(table_specs(rows, grouped, money=True, given=money))
    summary = [{"label": f"WA {f}", "kind": "weighted_average", "field": f} for f in MONEY] + data.draw(summaries(rows, grouped, money=True))
    check(pool_section(grouped, tables, summary), rows)


@PROFILE
@given(st.integers(0, 2**32), st.integers(1, 300), st.booleans(), st.data())
def test_every_loan_at_the_maximum_balance(seed: int, size: int, grouped: bool, data: st.DataObject) -> None:
    """Every loan at $99,999,999.99: the figures of the largest pool a few hundred loans make, weighted averages of balance included."""
    rows = tape(seed, (size - size // 2, max(1, size // 2)), "maximum", 0.2)
    summary = [
        {"label": "Count", "kind": "count"}, {"label": "Balance", "kind": "balance"}, {"label": "Average", "kind": "average_balance"},
        {"label": "WA balance", "kind": "weighted_average", "field": "balance"}, {"label": "Largest", "kind": "largest_state"},
    ]  # fmt: skip
    tables = data.draw(table_specs(rows, grouped, money=True, given=[{"id": "wa_balance", "kind": "weighted_average", "field": "balance", "header": ["WA"]}]))
    check(pool_section(grouped, tables, summary), rows)


def test_the_weighted_average_balance_of_1500_jumbo_loans() -> None:
    """The issue's pool-data line on 1,500 loans of $50,000 to $3,000,000: balance x balance passes 2^63 summed, not per loan."""
    rows = tape(1500, (750, 750), "realistic", 0.2)
    line = {"label": "Weighted Average Current Principal Balance ($)", "kind": "weighted_average", "field": "balance", "decimals": 0}
    check(pool_section(True, [], [line]), rows)


@PROFILE
@given(tape_params, st.booleans(), st.data())
def test_crosstabs_are_controlled_roundings_of_the_oracles_figures(
    params: tuple[int, tuple[int, int], str, float], grouped: bool, data: st.DataObject
) -> None:
    """Each cell the floor or ceiling of its exact figure, the margins the one-way tables' printed figures, cells adding up to them."""
    rows = tape(*params)
    check(pool_section(grouped, data.draw(crosstabs(grouped)), []), rows)


@pytest.mark.parametrize("cell", ["percent", "balance"])
def test_a_crosstab_prints_the_figures_of_the_one_way_rows_it_shares(cell: str) -> None:
    """The prime-jumbo layout on a drawn grouped tape: FICO 719/759/799 x LTV 60/70/80 beside finer FICO and LTV tables.

    Footed alone, a band both have (800 and above, the blank row, to 60.000, 60.001 - 70.000) would differ by 0.01 (or $1) on this tape.
    """
    fine_fico = {"kind": "bands", "edges": [Decimal(e) for e in (699, 719, 739, 759, 779, 799)], **LABELS}
    fine_ltv = {"kind": "bands", "edges": [Decimal(e) for e in (60, 70, 75, 80, 85)], **LABELS}
    crosstab = {"id": "x", "title": ["X"], "header": ["R"], "field": "fico", "cell": cell,
                "rule": {"kind": "bands", "edges": [Decimal(719), Decimal(759), Decimal(799)], **LABELS},
                "across": {"field": "ltv", "header": ["A"], "rule": {"kind": "bands", "edges": [Decimal(60), Decimal(70), Decimal(80)], **LABELS}}}  # fmt: skip
    tables = [crosstab, {"id": "f", "title": ["F"], "header": ["R"], "field": "fico", "rule": fine_fico},
              {"id": "l", "title": ["L"], "header": ["R"], "field": "ltv", "rule": fine_ltv}]  # fmt: skip
    check(pool_section(True, tables, []), tape(1, (60, 40), "realistic", 0.2))


def test_the_cli_prints_the_oracles_figures(tmp_path: Path) -> None:
    """`dealdocs strats --format json` on a grouped deal with blanks: the same figures as the oracle."""
    rows = tape(16, (120, 80), "mixed", 0.2)
    columns = [
        {"id": "count", "kind": "count", "header": ["N"]}, {"id": "balance", "kind": "balance", "header": ["B"]},
        {"id": "pct", "kind": "percent", "header": ["P"]}, {"id": "pct_pool", "kind": "percent", "of": "pool", "header": ["D"]},
        {"id": "avg", "kind": "average_balance", "header": ["A"]}, {"id": "wa_fico", "kind": "weighted_average", "field": "fico", "header": ["F"]},
        {"id": "wa_dti", "kind": "weighted_average", "field": "dti", "decimals": 1, "header": ["D"]},
        {"id": "ca", "kind": "share", "field": "state", "value": ["CA", "NY"], "header": ["S"]},
        {"id": "lo", "kind": "minimum", "field": "ltv", "header": ["L"]}, {"id": "hi", "kind": "maximum", "field": "margin", "header": ["M"]},
    ]  # fmt: skip
    tables = [
        {"id": "fico", "title": ["F"], "header": ["R"], "field": "fico", "rule": {"kind": "bands", "edges": [Decimal(699), Decimal(759)], **LABELS},
         "columns": columns},
        {"id": "state", "title": ["S"], "header": ["R"], "field": "state", "rule": {"kind": "states"}, "columns": columns, "print_for": "pool"},
    ]  # fmt: skip
    summary: list[dict[str, Any]] = [{"label": "WA FICO", "kind": "weighted_average", "field": "fico"}, {"label": "Second", "kind": "largest_state", "rank": 2}]
    pool = pool_section(True, tables, summary)
    deal = write_deal(tmp_path, pool, rows)
    status, output = cli("strats", deal, "--format", "json", "--out", tmp_path / "strats.json")
    assert status == 0, output
    assert disagreements(pool, tmp_path / "loans.csv", json.loads((tmp_path / "strats.json").read_text())) == []


def test_a_tables_total_keeps_its_figures_when_its_first_row_is_kept_empty() -> None:
    """keep_empty prints a band no loan is in first: the total row's weighted average and share are still the whole table's."""
    rows = tape(3, (30, 30), "realistic", 0.0)
    columns = [{"id": "wa", "kind": "weighted_average", "field": "note_rate", "header": ["WA"]},
               {"id": "io", "kind": "share", "field": "interest_only_term", "value": 120, "header": ["IO"]}]  # fmt: skip
    table = {"id": "fico", "title": ["F"], "header": ["R"], "field": "fico", "keep_empty": True, "columns": columns,
             "rule": {"kind": "bands", "edges": [Decimal(299), Decimal(850)], **LABELS}}  # fmt: skip
    check(pool_section(False, [table], []), rows)


# --- the oracle's own rules, on figures worked by hand -----------------------------------------------


def test_footing_gives_the_owed_units_to_the_largest_remainders_then_the_larger_then_the_earlier() -> None:
    assert oracle.footed([150, 150, 250], 100) == [2, 1, 3]  # 5.50 rounds to 6, 2 owed: remainders tie at .50, the larger balance, then the earlier
    assert oracle.footed([150, 150, 150], 100) == [2, 2, 1]  # 4.50 rounds to 5: ties of equal balances go to the earlier rows
    assert oracle.percents([1, 1, 1]) == ["33.34", "33.33", "33.33"]
    assert oracle.percents([1, 1], of=3) == ["33.34", "33.33"]  # of the pool: footed to the group's 66.67
    assert oracle.rounded(Fraction(6_2505, 10_000), 3) == "6.251" and oracle.rounded(Fraction(-5, 10), 0) == "-1"


def test_the_oracles_crosstab_rules_refuse_a_cell_off_by_one() -> None:
    loans: list[oracle.Loan] = [{"balance": b, "fico": f, "ltv": v} for b, f, v in [(100, 700, 70_000), (200, 800, 70_000), (700, 800, 90_000)]]
    spec = {"field": "fico", "rule": {"kind": "bands", "edges": [Decimal(750)], **LABELS},
            "across": {"field": "ltv", "rule": {"kind": "bands", "edges": [Decimal(80)], **LABELS}}}  # fmt: skip
    good = {"row_labels": ["to 750", "over 751"], "column_labels": ["to 80.000", "over 80.001"], "cells": [["10.00", "0.00"], ["20.00", "70.00"]],
            "row_totals": ["10.00", "90.00"], "column_totals": ["30.00", "70.00"], "total": "100.00"}  # fmt: skip
    decimals = {"fico": 0, "ltv": 3}
    assert oracle.crosstab_problems(spec, good, loans, decimals) == []
    bad = good | {"cells": [["11.00", "0.00"], ["19.00", "70.00"]], "row_totals": ["11.00", "89.00"]}
    assert len(oracle.crosstab_problems(spec, bad, loans, decimals)) == 3  # two cells off, and row totals off the one-way table's


def test_the_oracle_finds_whether_a_controlled_rounding_exists() -> None:
    """Shares (hundredths) 0.22 | 9997.78 | 0.46 down, 0.46 | 9999.54 across: rows foot to 2, 9997, 1 and columns to 0, 10000,
    so the third row's 1 has no cell to go in (its loans' column rounds to 0); with a plain table every cell has its floor or ceiling."""
    total = 197_140
    stuck = [[Fraction(0), Fraction(43 * 10_000, total)], [Fraction(0), Fraction(197_088 * 10_000, total)], [Fraction(9 * 10_000, total), Fraction(0)]]
    assert not oracle.controlled_rounding_exists(stuck, [2, 9_997, 1], [0, 10_000])
    halves = [[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 2), Fraction(1, 2)]]
    assert oracle.controlled_rounding_exists(halves, [1, 1], [1, 1])
    assert oracle.controlled_rounding_exists(halves, [2, 0], [1, 1])  # the first row's cells rounded up, the second's down
    assert not oracle.controlled_rounding_exists(halves, [2, 0], [2, 0])  # the first row up puts 1 in the second column


def test_a_crosstab_without_a_controlled_rounding_moves_a_margin_and_keeps_every_cell_next_to_its_share(tmp_path: Path) -> None:
    """The table above as loans: every cell and margin is still a floor or ceiling of its share, and the cells add up both ways."""
    rows = tape(5, (3, 0), "realistic", 0.0)
    for row, (cents, fico, ltv) in zip(rows, [(43, 700, "85.000"), (197_088, 720, "85.000"), (9, 760, "70.000")], strict=True):
        row.update(CUR_UPB=oracle.decimal_text(cents, 2), FICO_SCORE=str(fico), ORIG_LTV=ltv, CLTV=ltv)
    spec = {"id": "x", "title": ["X"], "header": ["R"], "field": "fico", "rule": {"kind": "bands", "edges": [Decimal(709), Decimal(739)], **LABELS},
            "across": {"field": "ltv", "header": ["A"], "rule": {"kind": "bands", "edges": [Decimal(80)], **LABELS}}, "cell": "percent"}  # fmt: skip
    check(pool_section(False, [spec], []), rows)


@pytest.mark.parametrize("mode", MODES)
def test_drawn_tapes_load_without_row_errors(mode: str, tmp_path: Path) -> None:
    """The drawn tapes are valid loans (so that every example above reaches the figures): warnings only."""
    rows = tape(7, (40, 40), mode, 0.3)
    pool = pool_section(True, [], [{"label": "Count", "kind": "count"}])
    printed = dealdocs_json(write_deal(tmp_path, pool, rows))
    assert printed["pool_data"]["lines"][0]["figures"] == [40, 40, 80]
