"""The `dealdocs` command as a user runs it: outputs, exit statuses, lazy start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from generator.cli import app

from .helpers import DEAL, runner


def test_render_writes_the_term_sheet(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", str(DEAL), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "term-sheet-8k.txt"
    assert out.read_text().startswith("SECURITIES AND EXCHANGE COMMISSION")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "term-sheet-8k.docx", "term-sheet-8k.pdf", "term-sheet-8k.txt"]  # no temp files left


def test_render_chosen_formats_only(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", str(DEAL), "--out", str(tmp_path), "--format", "txt"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "term-sheet-8k.txt"]
    bad = runner.invoke(app, ["render", str(DEAL), "--out", str(tmp_path), "--format", "txt,rtf"])
    assert bad.exit_code == 2 and "choose from" in bad.output


def test_strats_json_has_summary_and_every_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["strats", str(DEAL), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["pool_balance"] == "405860262.91"
    assert data["summary"]["pool_wa_note_rate"] == "6.349"
    assert [t["id"] for t in data["tables"]] == ["years", "dwellings", "units", "size", "note-rates", "ltv", "states"]
    for table in data["tables"]:
        assert sum(r["balance"] for r in table["rows"]) == table["total"]["balance"] == 405860263


def test_strats_csv(tmp_path: Path) -> None:
    out = tmp_path / "strats.csv"
    assert runner.invoke(app, ["strats", str(DEAL), "-f", "csv", "-o", str(out)]).exit_code == 0
    frame = pl.read_csv(out, infer_schema=False)
    totals = frame.filter(pl.col("label") == "Total")
    assert totals.height == 7 and set(totals["balance"]) == {"405860263"}


def test_strats_xlsx_has_a_sheet_per_table(tmp_path: Path) -> None:
    out = tmp_path / "strats.xlsx"
    assert runner.invoke(app, ["strats", str(DEAL), "-f", "xlsx", "-o", str(out)]).exit_code == 0
    sheets = pl.read_excel(out, sheet_id=0)
    assert list(sheets) == ["Summary", "years", "dwellings", "units", "size", "note-rates", "ltv", "states"]
    states = sheets["states"]
    assert states.height == 42 and states[-1, 2] == 405860263
    again = tmp_path / "again.xlsx"
    runner.invoke(app, ["strats", str(DEAL), "-f", "xlsx", "-o", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_strats_xlsx_needs_out() -> None:
    result = runner.invoke(app, ["strats", str(DEAL), "-f", "xlsx"])
    assert result.exit_code == 2 and "--out" in result.output


def test_bad_deal_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "deal.yaml"
    bad.write_text("depositor: {}\nseries: {name: 2003-1}\n")
    for command in (["render", str(bad), "--out", str(tmp_path / "out")], ["validate", str(bad)], ["strats", str(bad)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert "deal.yaml:1 [depositor.short_name]" in result.output
    assert not (tmp_path / "out").exists()


def test_missing_deal_file() -> None:
    result = runner.invoke(app, ["validate", "no-such-deal.yaml"])
    assert result.exit_code == 2 and "cannot read file" in result.output


def test_help_does_not_import_heavy_libraries() -> None:
    probe = "import sys, generator.cli; print(sorted(m for m in ('polars', 'pydantic', 'jinja2', 'yaml') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
