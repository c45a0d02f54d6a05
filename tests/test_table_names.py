"""Tables under the right names: headings for their scope, a single-value band's value once, cross-tab columns as their one-way table's rows."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from generator.deal.loading import load_deal
from generator.deal.models import TableSpec
from generator.documents.grids import table_grid
from generator.documents.labels import analysed, labelled
from generator.pool.analysis import check_tape
from generator.pool.crosstab import CrossTab
from generator.pool.strats import Band, Table, compute_table

from .helpers import PRIME, cli, line_of

WORDS = {"count": "Count", "balance": "Balance", "total": "Total"}
OWN_AXIS = """          across:
            field: ltv
            header: [Original LTV (%)]
            rule: {kind: bands, edges: [60, 70, 80], first_label: '{{ hi | fixed(2) }} and below', label: '{{ lo | fixed(3) }} - {{ hi | fixed(3) }}',
                   last_label: '{{ lo | fixed(3) }} and above'}"""
"""The example cross-tab's across axis: its own four LTV bands, labelled as the LTV table labels its rows."""


@pytest.fixture(scope="module")
def prime() -> list[Table | CrossTab]:
    """The prime-jumbo example's tables, labelled."""
    return analysed(load_deal(PRIME)).tables


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the prime-jumbo example whose deal file has `new` in place of `old` (which it must hold once)."""
    folder = tmp_path / "deal"
    shutil.copytree(PRIME.parent, folder)
    deal = folder / "deal.yaml"
    text = deal.read_text()
    assert text.count(old) == 1, old
    deal.write_text(text.replace(old, new))
    return deal


def test_the_pools_tables_are_headed_for_the_pool_and_the_groups_for_a_group(prime: list[Table | CrossTab]) -> None:
    balance = [table_grid(t, WORDS) for t in prime if t.spec.id == "balance"]
    assert [(g.group, g.heads[3]) for g in balance] == [("Group 1", ["% of", "Group"]), ("Group 2", ["% of", "Group"]), ("Total Pool", ["% of", "Pool"])]
    titles = [(g.group, g.title) for g in (table_grid(t, WORDS) for t in prime if t.spec.id == "fico-ltv")]
    assert titles[-1] == ("Total Pool", ["CREDIT SCORE BY ORIGINAL LTV (% OF POOL BALANCE)"])
    assert {title for group, (title,) in titles[:-1]} == {"CREDIT SCORE BY ORIGINAL LTV (% OF GROUP BALANCE)"}


def test_the_exports_print_the_documents_headings(tmp_path: Path) -> None:
    code, output = cli("strats", PRIME, "--format", "json", "--out", tmp_path / "strats.json")
    assert code == 0, output
    titles = {(t["id"], t.get("group")): t["title"] for t in json.loads((tmp_path / "strats.json").read_text())["tables"]}
    assert titles["fico-ltv", "Total Pool"] == "CREDIT SCORE BY ORIGINAL LTV (% OF POOL BALANCE)"
    assert titles["fico-ltv", "Group 1"] == "CREDIT SCORE BY ORIGINAL LTV (% OF GROUP BALANCE)"


def test_a_heading_that_fails_is_a_validate_error_at_its_line(tmp_path: Path) -> None:
    deal = _copy(tmp_path, 'header: ["% of", "{{ scope }}"]', 'header: ["% of", "{{ scop }}"]')
    code, output = cli("validate", deal)
    assert code == 2, output
    assert f"deal.yaml:{line_of(deal, '{{ scop }}')} [term_sheet.pool.tables.tables.0.columns.2.header.1]" in output, output
    assert "`scop` is undefined" in output and "`scope`" in output


def test_the_margin_band_of_one_value_prints_it_once(prime: list[Table | CrossTab]) -> None:
    margin = [t for t in prime if t.spec.id == "margin"]
    assert margin and all(isinstance(t, Table) and [r.label for r in t.rows] == ["2.750"] for t in margin)
    assert all(isinstance(t, Table) and t.rows[0].key == Band(Decimal("2.750"), Decimal("2.750"), "single_label") for t in margin)


def _fico(**rule: object) -> TableSpec:
    return TableSpec.model_validate({"id": "f", "title": ["F"], "header": ["F"], "field": "fico", "rule": {"kind": "bands", **rule}})


@pytest.mark.parametrize(("single", "expected"), [(None, "700"), ("{{ lo }} exactly", "700 exactly")])
def test_a_band_between_edges_one_unit_apart_prints_its_value_once(single: str | None, expected: str) -> None:
    loans = check_tape(load_deal(PRIME)).loans
    rule = {"edges": [699, 700], "first_label": "{{ hi }} and below", "label": "{{ lo }} - {{ hi }}", "last_label": "{{ lo }} and above"}
    spec = _fico(**rule, **({"single_label": single} if single else {}))
    table = labelled([compute_table(loans, spec)])[0]
    assert isinstance(table, Table) and [r.label for r in table.rows][:3] == ["699 and below", expected, "701 and above"]


def test_a_single_label_that_fails_is_a_validate_error_at_its_line(tmp_path: Path) -> None:
    old = "edges: [2.499, 2.749, 2.999], clamp_to_data: true,"
    deal = _copy(tmp_path, old, old + " single_label: '{{ lo / 0 }}',")
    code, output = cli("validate", deal)
    assert code == 2, output
    assert f"deal.yaml:{line_of(deal, 'single_label:')} [term_sheet.pool.tables.tables.15.rule.single_label]" in output, output
    assert "division by zero" in output


def test_the_examples_crosstab_columns_read_as_the_ltv_tables_rows(prime: list[Table | CrossTab]) -> None:
    ltv = next(t for t in prime if isinstance(t, Table) and t.spec.id == "ltv" and t.group_key is None)
    crosstab = next(t for t in prime if isinstance(t, CrossTab) and t.group_key is None)
    assert crosstab.column_labels == ["60.00 and below", "60.001 - 70.000", "70.001 - 80.000", "80.001 and above"]
    assert set(crosstab.column_labels[:2]) <= {r.label for r in ltv.rows}  # the buckets both have read the same


def test_a_crosstab_across_a_table_takes_its_field_bands_labels_and_heading(tmp_path: Path) -> None:
    tables = analysed(load_deal(_copy(tmp_path, OWN_AXIS, "          across: {table: ltv}"))).tables
    ltv = {t.group: [r.label for r in t.rows if r.key is not None] for t in tables if isinstance(t, Table) and t.spec.id == "ltv"}
    crosstabs = [t for t in tables if isinstance(t, CrossTab)]
    assert len(crosstabs) == 3
    for table in crosstabs:
        assert table.column_labels == [*ltv[table.group], *(["Not Available"] if None in table.column_keys else [])]
        assert table.across is not None and table.across.header == ["Original LTV (%)"]  # the named table's header
    assert crosstabs[-1].column_labels[:2] == ["60.00 and below", "60.001 - 70.000"]


def test_an_unknown_across_table_is_a_validate_error_at_its_line(tmp_path: Path) -> None:
    deal = _copy(tmp_path, OWN_AXIS, "          across: {table: ltvv}")
    code, output = cli("validate", deal)
    assert code == 2, output
    assert f"deal.yaml:{line_of(deal, 'table: ltvv')} [term_sheet.pool.tables.tables.13.across.table]" in output, output
    assert "'ltvv'" in output and "no one-way table has this id" in output and "ltv, cltv" in output


def test_an_across_table_with_a_field_is_a_message_at_its_line(tmp_path: Path) -> None:
    deal = _copy(tmp_path, OWN_AXIS, "          across: {table: ltv, field: ltv}")
    code, output = cli("validate", deal)
    assert code == 2, output
    assert f"deal.yaml:{line_of(deal, 'table: ltv,')} [term_sheet.pool.tables.tables.13.across.table]" in output, output


def test_an_across_label_that_fails_is_a_validate_error_at_its_line(tmp_path: Path) -> None:
    rule = "{kind: bands, edges: [80], first_label: '{{ hi }} or less', label: x, last_label: '{{ hi | fixed(0) }} up'}"
    across = f"across: {{field: ltv, header: [LTV], rule: {rule}}}"
    deal = _copy(tmp_path, OWN_AXIS, "          " + across)
    code, output = cli("validate", deal)
    assert code == 2, output
    assert f"deal.yaml:{line_of(deal, 'across:')} [term_sheet.pool.tables.tables.13.across.rule.last_label]" in output, output
    assert "`hi` has no value here" in output


def test_a_clamped_rule_on_a_field_no_loan_has_labels_its_kept_bands_with_their_own_edges() -> None:
    """No loan has a FICO: the bands kept empty print their edges ('700 - 759'), not bounds clamped to no data ('0 - 759')."""
    import polars as pl

    frame = pl.DataFrame({"balance": [100_00, 250_00], "fico": [None, None]}, schema={"balance": pl.Int64, "fico": pl.Int64})
    rule = {"kind": "bands", "edges": [699, 759, 799], "label": "{{ lo }} - {{ hi }}", "clamp_to_data": True}
    spec = TableSpec.model_validate({"id": "t", "title": ["T"], "header": ["H"], "field": "fico", "rule": rule, "keep_empty": True})
    (table,) = labelled([compute_table(frame, spec)])
    assert isinstance(table, Table)
    assert [row.label for row in table.rows] == ["700 - 759", "760 - 799", "Not Available"]
