"""Batch rendering: parallel, resilient, audited, killable; users' templates sandboxed; new deals scaffolded."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.cli import app

from .helpers import EXAMPLES, ROOT, runner


@pytest.fixture
def deals(tmp_path: Path) -> Path:
    """Example deals, a second series on an edited tape, one broken deal and a YAML that is no deal."""
    folder = tmp_path / "deals"
    shutil.copytree(EXAMPLES, folder)
    second = folder / "cmsi-2003-2"
    second.mkdir()
    first = (folder / "cmsi-2003-1" / "deal.yaml").read_text()
    (second / "deal.yaml").write_text(first.replace("name: 2003-1", "name: 2003-2").replace("tape: loans.csv", "tape: ../cmsi-2003-1/loans.csv"))
    (folder / "broken").mkdir()
    (folder / "broken" / "deal.yaml").write_text("depositor:\n  name: Nobody\nterm_sheet: {}\n")
    (folder / "notes.yaml").write_text("reviewers: [a, b]\n")  # not a deal file: skipped
    return folder


def test_batch_renders_the_good_reports_the_broken_and_exits_1(deals: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(deals), "--out", str(out), "--jobs", "2", "--format", "txt,docx"])
    assert result.exit_code == 1
    assert "8 of 9 deals rendered" in result.output
    assert "broken" in result.output and "[depositor.short_name]" in result.output and "required: add this key" in result.output
    good = sorted(p.name for p in out.iterdir() if (p / "manifest.json").is_file())
    assert good == [
        "cmsi-2003-1", "cmsi-2003-2", "cmsi-2003-shelf", "cmsi-2006-1", "prime-jumbo-2024-1",
        "shelf-no-consolidation", "takedown-no-private", "takedown-other-counsel",
    ]  # fmt: skip
    assert [o["path"] for o in json.loads((out / "prime-jumbo-2024-1" / "manifest.json").read_text())["outputs"]] == [
        "collateral-term-sheet.docx", "collateral-term-sheet.txt"
    ]  # fmt: skip
    assert not (out / "broken" / "manifest.json").exists()
    assert "Series 2003-2" in (out / "cmsi-2003-2" / "term-sheet-8k.txt").read_text()
    manifest = json.loads((out / "cmsi-2003-1" / "manifest.json").read_text())
    assert {Path(i["path"]).name for i in manifest["inputs"]} >= {"deal.yaml", "loans.csv", "term-sheet-8k.txt.j2", "term-sheet-8k.docx"}
    assert [o["path"] for o in manifest["outputs"]] == ["term-sheet-8k.docx", "term-sheet-8k.txt"]
    assert manifest["options"] == {"formats": ["txt", "docx"], "templates": None} and manifest["dealdocs"]


def test_fail_fast_stops_at_the_first_failure(deals: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["batch", str(deals / "broken"), str(deals / "cmsi-2006-1"), "--out", str(tmp_path / "o"), "--jobs", "1", "--fail-fast", "-f", "txt"]
    )
    assert result.exit_code == 1 and "not rendered (--fail-fast)" in result.output


def test_globs_and_plain_progress_lines(deals: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(deals / "cmsi-200*-1" / "*.yaml"), "--out", str(tmp_path / "o"), "-f", "txt"])
    assert result.exit_code == 0, result.output
    assert "[1/2]" in result.output and "[2/2]" in result.output  # not a terminal: a line per deal


def test_verify_reports_changed_inputs_and_outputs(deals: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["batch", str(deals / "cmsi-2003-1"), "--out", str(out), "-f", "txt"]).exit_code == 0
    folder = out / "cmsi-2003-1"
    ok = runner.invoke(app, ["verify", str(folder)])
    assert ok.exit_code == 0 and "matches" in ok.output
    with (folder / "term-sheet-8k.txt").open("a") as handle:
        handle.write("edited by hand\n")
    tape = deals / "cmsi-2003-1" / "loans.csv"
    tape.write_text(tape.read_text().replace("391202.74", "391202.75"))
    changed = runner.invoke(app, ["verify", str(folder)])
    assert changed.exit_code == 1
    assert f"output changed: {folder / 'term-sheet-8k.txt'}" in changed.output
    assert f"input changed: {tape}" in changed.output


def _complete(path: Path) -> bool:
    """A file that a reader accepts whole: text ends its last line, DOCX unzips, PDF parses."""
    data = path.read_bytes()
    if path.suffix == ".txt":
        return data.endswith(b"\n")
    if path.suffix == ".docx":
        return zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    if path.suffix == ".pdf":
        return len(PdfReader(io.BytesIO(data)).pages) > 0
    return json.loads(data) is not None  # manifest.json


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_killed_batch_leaves_only_complete_files_and_a_rerun_finishes(deals: Path, tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator.cli", "batch", str(deals), "--out", str(out), "--jobs", "1", "-f", "txt,docx,pdf"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT)
    deadline = time.monotonic() + 120
    while not list(out.glob("*/manifest.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, sig)  # the batch and its workers, mid-run (Ctrl-C reaches the whole group too)
    stdout, stderr = process.communicate(timeout=120)
    if sig == signal.SIGINT:
        assert process.returncode == 130 and "Traceback" not in stdout + stderr
        assert "interrupted" in stderr
    finished = list(out.glob("*/manifest.json"))
    assert 1 <= len(finished) < 8, "the kill should land mid-batch"
    for path in out.rglob("*"):
        if path.is_file() and not path.name.endswith(".tmp"):
            assert _complete(path), path  # never a truncated output
    rerun = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert rerun.returncode == 1  # the broken deal still fails; every good one is done
    assert len(list(out.glob("*/manifest.json"))) == 8
    assert not list(out.rglob("*.tmp"))
    for manifest in out.glob("*/manifest.json"):
        assert runner.invoke(app, ["verify", str(manifest.parent)]).exit_code == 0


HOSTILE = {
    "python internals": "{{ ().__class__.__base__.__subclasses__() }}",
    "a function's globals": "{{ join_words.__globals__ }}",
    "a file on disk": '{% include "/etc/passwd" %}',
    "a file beside the templates": '{% include "../pyproject.toml" %}',
}


@pytest.mark.parametrize("attack", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_user_template_gets_a_message_not_the_goods(tmp_path: Path, attack: str) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "exhibit-5-1-shelf.txt.j2").write_text(f"Exhibit\n{HOSTILE[attack]}\n")
    shelf = EXAMPLES / "cmsi-2003-shelf" / "shelf.yaml"
    result = runner.invoke(app, ["render", str(shelf), "--out", str(tmp_path / "o"), "-f", "txt", "--templates", str(templates)])
    assert result.exit_code == 2, result.output
    assert "exhibit-5-1-shelf.txt.j2" in result.output
    assert "root:" not in result.output and "subclasses" not in result.output.split("template error")[0]
    assert not (tmp_path / "o").exists()


def test_user_templates_override_by_name(tmp_path: Path) -> None:
    templates = tmp_path / "mine"
    templates.mkdir()
    (templates / "exhibit-5-1-shelf.txt.j2").write_text("Our house style for {{ letter.addressee.name }}\n")
    deal = tmp_path / "shelf.yaml"
    deal.write_text((EXAMPLES / "cmsi-2003-shelf" / "shelf.yaml").read_text() + "\ntemplates: mine\n")
    result = runner.invoke(app, ["render", str(deal), "--out", str(tmp_path / "o"), "-f", "txt"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "exhibit-5-1-shelf.txt").read_text() == "Our house style for Citicorp Mortgage Securities, Inc.\n"


def test_new_deal_folder_from_an_example(tmp_path: Path) -> None:
    folder = tmp_path / "cmsi-2003-9"
    result = runner.invoke(app, ["new", str(folder), "--from", str(EXAMPLES / "cmsi-2003-1")])
    assert result.exit_code == 0, result.output
    text = (folder / "deal.yaml").read_text()
    assert text.startswith("# New deal, started from") and "dealdocs validate" in text and "depositor:" in text
    (folder / "loans.csv").write_bytes((EXAMPLES / "cmsi-2003-1" / "loans.csv").read_bytes())
    assert runner.invoke(app, ["validate", str(folder / "deal.yaml")]).exit_code == 0  # ready to fill in, valid as it stands
    again = runner.invoke(app, ["new", str(folder), "--from", str(EXAMPLES / "cmsi-2003-1")])
    assert again.exit_code == 2 and "already exists" in again.output
