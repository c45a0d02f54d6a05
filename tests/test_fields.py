"""The loan-field registry and every consumer of it agree; a new registry entry reaches them all."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import get_args

import polars as pl
import pytest

from generator import fields as loan_fields
from generator.api import Severity, load_deal, load_tape
from generator.deal.models import Codes, Columns, TableField, columns_model, table_field_enum
from generator.fields import CODED, FIELDS, REGISTRY, Kind, LoanField, Range, table_fields, tape_fields
from generator.pool import parsing, ranges, row_checks, strats

from .helpers import EXAMPLE, ROOT

TERMS = load_deal(EXAMPLE / "deal.yaml").deal.term_sheet
TAPE = [f for f in REGISTRY if not f.derived]
TABLES = [f for f in REGISTRY if f.band or f.group]


def test_registry_is_consistent() -> None:
    assert len(FIELDS) == len(REGISTRY)  # no name twice
    for f in REGISTRY:
        assert f.description and "\n" not in f.description, f.name
        assert (f.decimals is not None) == (f.kind in (Kind.MONEY, Kind.PERCENT, Kind.MONTHS, Kind.COUNT, Kind.SCORE)), f.name
        assert not (f.derived and f.required), f.name
        assert not f.band or f.decimals is not None, f.name
        for bounds in (f.plausible, f.usual):
            if bounds is not None and f.decimals is not None:
                bounds.scaled(f.decimals)  # whole in the field's scale
    assert {"net_rate", "effective_ltv", "months_to_maturity"} <= {f.name for f in REGISTRY if f.derived}


def test_columns_model_is_the_registry_tape_fields() -> None:
    assert list(Columns.model_fields) == [f.name for f in TAPE]
    for f in TAPE:
        info = Columns.model_fields[f.name]
        assert info.is_required() == f.required, f.name
        assert info.description == f.description, f.name
        if not f.required:
            assert info.default is None, f.name
    assert [f.name for f in tape_fields()] == [f.name for f in TAPE]


def test_table_field_enum_is_the_bandable_or_groupable_fields() -> None:
    assert [m.value for m in TableField] == [f.name for f in TABLES] == [f.name for f in table_fields()]
    assert all(FIELDS[m.value].in_tables for m in TableField)


def test_schema_lists_exactly_the_registry_fields() -> None:
    schema = json.loads((ROOT / "schemas" / "deal.schema.json").read_text())
    columns = schema["$defs"]["Columns"]
    assert set(columns["properties"]) == {f.name for f in TAPE}
    assert columns["required"] == [f.name for f in TAPE if f.required]
    assert {name: p.get("description") for name, p in columns["properties"].items()} == {f.name: f.description for f in TAPE}
    assert schema["$defs"]["TableField"]["enum"] == [f.name for f in TABLES]


def test_codes_are_the_registry_coded_fields() -> None:
    coded = [f for f in TAPE if f.kind in CODED]
    assert set(Codes.model_fields) == {f.name for f in coded}
    for f in coded:  # a coded column the deal must map needs its codes
        assert Codes.model_fields[f.name].is_required() == f.required, f.name
        values = get_args(Codes.model_fields[f.name].annotation)[1]
        assert (values is bool) == (f.kind is Kind.FLAG), f.name


def test_strats_take_scales_dates_and_categories_from_the_registry() -> None:
    assert strats.SCALES == {f.name: f.decimals for f in TABLES if f.band}
    assert list(strats.SCALES) == [f.name for f in sorted((f for f in TABLES if f.band), key=loan_fields.by_unit)]
    assert strats.DATES == tuple(f.name for f in TABLES if f.kind is Kind.DATE)
    assert strats.STATES == tuple(f.name for f in TABLES if f.kind is Kind.STATE)
    assert set(strats.CATEGORIES) == {f.name for f in TABLES if f.kind is Kind.CATEGORY}


def _sample(f: LoanField) -> tuple[str, object]:
    """A tape text of the field's kind and what the parser must make of it."""
    if f.decimals is not None:  # one unit of the last decimal kept: exactly 1 as stored
        return ("0." + "0" * (f.decimals - 1) + "1") if f.decimals else "1", 1
    if f.kind is Kind.DATE:
        return "2003-01-02", dt.date(2003, 1, 2)
    if f.kind in CODED:
        code, value = next(iter(getattr(TERMS.pool.codes, f.name).items()))
        return code, value if isinstance(value, bool) else value.value
    return {Kind.STATE: ("ny", "NY"), Kind.ZIP: ("10001-1234", "10001"), Kind.TEXT: ("A-1", "A-1")}[f.kind]


def _raw(columns: dict[str, list[str | None]]) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    return pl.DataFrame({"_row": list(range(2, 2 + height)), **columns}, schema={"_row": pl.Int64, **dict.fromkeys(columns, pl.String)})


def test_tape_parser_reads_each_field_by_its_kind_and_scale() -> None:
    samples = {f.name: _sample(f) for f in TAPE}
    finer = {f.name: ("0." + "0" * f.decimals + "1") for f in TAPE if f.decimals is not None}  # one decimal too many
    raw = _raw({name: [text, finer.get(name, text)] for name, (text, _) in samples.items()})
    parsed = parsing.parse(raw, TERMS.pool)
    assert parsed.columns == ["_row", *samples]
    for name, (_, expected) in samples.items():
        assert parsed[name][0] == expected, name
        if name in finer:
            assert parsed[name][1] is None, name
            assert parsed.schema[name] == pl.Int64, name


def test_row_checks_take_their_bounds_from_the_registry() -> None:
    ranged = [f for f in REGISTRY if f.decimals is not None and (f.plausible or f.usual)]
    assert {f.name for f in ranged} >= {"note_rate", "original_term", "ltv", "units", "balance", "effective_ltv"}
    for f in ranged:
        for usual, bounds in ((False, f.plausible), (True, f.usual)):
            if bounds is None:
                continue
            lo, hi = bounds.scaled(f.decimals)
            values = [v for b in (lo, hi) if b is not None for v in (b - 1, b, b + 1)]
            got = pl.DataFrame({f.name: values}).select(ranges.outside(f.name, usual=usual))[f.name].to_list()
            expected = [
                (lo is not None and (v <= lo if bounds.low_open else v < lo)) or (hi is not None and (v >= hi if bounds.high_open else v > hi))
                for v in values
            ]
            assert got == expected, (f.name, usual)


def test_row_check_messages_state_the_registry_bounds() -> None:
    messages = {reason for _, _, _, reason in row_checks.checks(TERMS.pool, TERMS.cut_off_date, set(FIELDS)) if isinstance(reason, str)}
    assert {"note rate outside 0% to 20%", "unusual note rate (outside 2% to 12%)", "original term outside 1 to 480 months",
            "LTV outside 0% to 200%", "LTV above 100%", "units outside 1 to 4"} <= messages  # fmt: skip


# --- a field added to a copy of the registry ----------------------------------------------

VANTAGE = LoanField("vantage", Kind.SCORE, "Borrower's VantageScore (a field the registry does not have).", band=True, group=True, plausible=Range(300, 850))


def test_a_new_field_reaches_the_models_and_the_tables_scales() -> None:
    extended = {**FIELDS, "vantage": VANTAGE}
    columns = columns_model(extended)
    assert list(columns.model_fields) == [*Columns.model_fields, "vantage"]
    assert not columns.model_fields["vantage"].is_required() and columns.model_fields["vantage"].description == VANTAGE.description
    assert [m.value for m in table_field_enum(extended)] == [*(m.value for m in TableField), "vantage"]
    assert strats.band_scales(extended) == {**strats.SCALES, "vantage": 0}
    assert "vantage" not in Columns.model_fields and "vantage" not in strats.SCALES  # the copy, not the registry, was extended


def test_a_new_field_is_read_from_the_tape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(loan_fields.FIELDS, "vantage", VANTAGE)  # the tape reader looks fields up when it reads
    rows = list(csv.reader((EXAMPLE / "loans.csv").open()))
    rows[0].append("VANTAGE")
    for n, row in enumerate(rows[1:], 1):
        row.append({1: "7x0", 2: "721.5"}.get(n, str(600 + n % 200)))
    path = tmp_path / "loans.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    columns = columns_model(loan_fields.FIELDS)(**TERMS.pool.columns.model_dump(exclude_none=True), vantage="VANTAGE")
    pool = TERMS.pool.model_copy(update={"columns": columns})
    report = load_tape(path, pool, TERMS.cut_off_date)
    assert report.loans["vantage"].dtype == pl.Int64 and report.loans["vantage"][2] == 603
    bad = [(p.line, p.column, p.value, p.message) for p in report.listed(Severity.ERROR)]
    assert bad == [(2, "VANTAGE", "7x0", "not a whole number"), (3, "VANTAGE", "721.5", "not a whole number")]
    assert pl.DataFrame({"vantage": [299, 300, 850, 851]}).select(ranges.outside("vantage"))["vantage"].to_list() == [True, False, False, True]
    assert VANTAGE.scaled(Decimal("720")) == 720
