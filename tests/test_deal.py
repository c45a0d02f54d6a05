"""The deal file: validation messages with lines, JSON Schema kept current, tables changed from the deal."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from generator.api import DOCUMENTS, DealdocsError, analyse, load_deal, render_text, schema_texts

from .helpers import EXAMPLE, ROOT


def edit(folder: Path, change) -> Path:
    path = folder / "deal.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DealdocsError) as info:
        analyse(load_deal(path))
    return [str(p) for p in info.value.problems]


def test_schema_in_repo_is_current() -> None:
    for name, text in schema_texts().items():
        committed = ROOT / "schemas" / name
        assert committed.read_text() == text, f"schemas/{name} is stale: run `dealdocs schema`"


def test_schema_describes_the_deal_file() -> None:
    schema = json.loads((ROOT / "schemas" / "deal.schema.json").read_text())
    assert {"depositor", "series", "term_sheet"} <= set(schema["properties"])


def test_every_problem_at_once_with_its_line(deal_dir: Path) -> None:
    path = deal_dir / "deal.yaml"
    text = path.read_text()
    text = text.replace("irs_employer_number: 13-3408713", "irs_employer_number: 133408713")
    text = text.replace("report_date: 2003-01-09", "report_date: someday")
    text = text.replace("    discount_threshold: 5.500\n", "    discount_threshold: 5.500\n    discount_treshold: 5.5\n")
    path.write_text(text)
    lines = text.splitlines()
    found = problems_of(path)
    assert len(found) == 3
    expected = {
        "depositor.irs_employer_number": lines.index("  irs_employer_number: 133408713") + 1,
        "term_sheet.report_date": lines.index("  report_date: someday") + 1,
        "term_sheet.pool.discount_treshold": lines.index("    discount_treshold: 5.5") + 1,
    }
    for field, line in expected.items():
        assert any(f"deal.yaml:{line} [{field}]" in p for p in found), (field, found)


def test_a_models_own_check_reads_in_its_own_words(deal_dir: Path) -> None:
    """A check a model makes itself is the whole message: pydantic's wording ("Value error, ...") never reaches the user."""
    rule = {"kind": "bands", "edges": [700, 650], "label": "{{ lo }} - {{ hi }}", "first_label": "to {{ hi }}", "last_label": "over {{ lo }}"}
    table = {"id": "fico", "title": ["FICO"], "header": ["FICO"], "field": "fico", "rule": rule}
    path = edit(deal_dir, lambda d: d["term_sheet"]["pool"]["tables"].setdefault("tables", []).append(table))
    (problem,) = problems_of(path)
    assert problem.endswith("[term_sheet.pool.tables.tables.0.rule]: error: band edges must be strictly increasing"), problem


def test_missing_field_is_named(deal_dir: Path) -> None:
    path = edit(deal_dir, lambda d: d["term_sheet"]["pool"]["columns"].pop("balance"))
    (problem,) = problems_of(path)
    assert "[term_sheet.pool.columns.balance]" in problem and "required: add this key" in problem


def test_invalid_yaml_names_its_line(deal_dir: Path) -> None:
    path = deal_dir / "deal.yaml"
    path.write_text(path.read_text().replace("  name: 2003-1", "  name: [2003-1"))
    (problem,) = problems_of(path)
    assert "invalid YAML" in problem and "deal.yaml:" in problem


def test_servicing_fee_needed_without_a_column(deal_dir: Path) -> None:
    path = edit(deal_dir, lambda d: d["term_sheet"]["pool"]["columns"].pop("servicing_fee"))
    (problem,) = problems_of(path)
    assert "servicing_fee" in problem


def test_tape_override_and_missing_tape(deal_dir: Path) -> None:
    (deal_dir / "loans.csv").rename(deal_dir / "other.csv")
    loaded = load_deal(deal_dir / "deal.yaml")
    with pytest.raises(DealdocsError, match="loan tape not found") as info:
        analyse(loaded)
    line = next(n for n, text in enumerate((deal_dir / "deal.yaml").read_text().splitlines(), 1) if text.strip().startswith("tape:"))
    assert str(info.value.problems[0]).startswith(f"{deal_dir / 'deal.yaml'}:{line} [term_sheet.pool.tape]: error:")  # the line to fix
    assert analyse(loaded, deal_dir / "other.csv").summary.pool.count == 875


def test_tables_dropped_replaced_and_added(deal_dir: Path) -> None:
    rebanded = {
        "id": "ltv",
        "title": ["LOAN-TO-VALUE RATIOS"],
        "header": ["Loan-To-Value Ratio"],
        "field": "effective_ltv",
        "rule": {"kind": "bands", "edges": [60, 80], "first_label": "{{ hi | fixed(2) }}% and below",
                 "label": "{{ lo | fixed(3) }}% - {{ hi | fixed(3) }}%", "last_label": "{{ lo | fixed(3) }}% and above"},
    }  # fmt: skip
    purpose = {
        "id": "purpose",
        "title": ["LOAN PURPOSE"],
        "header": ["Purpose"],
        "field": "purpose",
        "rule": {"kind": "categories", "categories": [
            {"value": "purchase", "label": "Purchase"},
            {"value": "rate_term_refinance", "label": "Rate/term refinance"},
            {"value": "cash_out_refinance", "label": "Cash-out refinance"}]},
    }  # fmt: skip
    path = edit(deal_dir, lambda d: d["term_sheet"]["pool"]["tables"].update(drop=["units", "states"], tables=[rebanded, purpose]))
    analysis = analyse(load_deal(path))
    assert [t.spec.id for t in analysis.tables] == ["years", "dwellings", "size", "note-rates", "ltv", "purpose"]
    ltv = analysis.tables[4]
    assert [r.label for r in ltv.rows] == ["60.00% and below", "60.001% - 80.000%", "80.001% and above"]
    assert sum(r.count for r in ltv.rows) == 875
    text = render_text(load_deal(path), DOCUMENTS["term-sheet-8k"]).text
    assert "LOAN PURPOSE" in text and "GEOGRAPHIC" not in text


def test_unknown_table_dropped_is_an_error(deal_dir: Path) -> None:
    path = edit(deal_dir, lambda d: d["term_sheet"]["pool"]["tables"].update(drop=["sizes"]))
    (problem,) = problems_of(path)
    assert "pool.tables.drop" in problem and "sizes" in problem


def test_category_table_missing_a_value_is_an_error(deal_dir: Path) -> None:
    table = {"id": "units", "title": ["UNITS"], "header": ["Units"], "field": "units",
             "rule": {"kind": "categories", "categories": [{"value": 1, "label": "One"}]}}  # fmt: skip
    path = edit(deal_dir, lambda d: d["term_sheet"]["pool"]["tables"].update(tables=[table]))
    (problem,) = problems_of(path)
    assert "deal.yaml:" in problem and "[term_sheet.pool.tables.tables.0.rule.categories]" in problem and "2, 3, 4" in problem


def test_undefined_template_variable_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.txt.j2").write_text("line one\n{{ deal.depositor.nmae }}\n")
    doc = replace(DOCUMENTS["term-sheet-8k"], name="broken")
    from generator.api import render_text as render

    with pytest.raises(DealdocsError) as info:
        render(load_deal(EXAMPLE / "deal.yaml"), doc, search_path=[tmp_path])
    (problem,) = info.value.problems
    assert problem.file.endswith("broken.txt.j2") and problem.line == 2 and "nmae" in problem.message


def test_non_ascii_data_is_transliterated_with_a_warning(deal_dir: Path) -> None:
    path = edit(deal_dir, lambda d: d["term_sheet"]["signatory"].update(name="Zoë Müller"))
    rendered = render_text(load_deal(path), DOCUMENTS["term-sheet-8k"])
    assert "Zoe Muller" in rendered.text
    assert rendered.text.isascii()
    assert {w.value for w in rendered.warnings} == {"Zoë", "Müller"}


def test_ampersand_and_angle_brackets_print_as_they_are(deal_dir: Path) -> None:
    path = edit(deal_dir, lambda d: d["term_sheet"].update(originator="Smith & Jones <Mortgage> \"Co.\""))
    text = render_text(load_deal(path), DOCUMENTS["term-sheet-8k"]).text
    assert 'Smith & Jones <Mortgage> "Co."' in " ".join(text.split())
