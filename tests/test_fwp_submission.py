"""A modern term sheet is a Rule 433 free writing prospectus: `render --submission` files it as form type FWP,
its own submission, with the depositor and issuing entity as filers; `check` holds an FWP to its rules (one
primary document, no exhibits); the deal file's CIKs and file numbers are checked for form at their lines.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from .helpers import DEAL, PRIME, cli, line_of


def _prime(tmp_path: Path) -> Path:
    shutil.copytree(PRIME.parent, tmp_path / "deal")
    return tmp_path / "deal" / "deal.yaml"


def test_the_prime_jumbo_term_sheet_is_an_fwp_that_check_passes(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    code, output = cli("render", PRIME, "--submission", folder)
    assert code == 0, output
    assert sorted(p.name for p in folder.iterdir()) == ["fwp.htm", "submission.json"]
    listed = json.loads((folder / "submission.json").read_text())
    assert listed["form"] == "FWP" and listed["registration_file_number"] == "333-270001-01"
    assert listed["filers"] == [
        {"role": "depositor", "name": "Example Mortgage Securities, Inc.", "cik": "0001990001"},
        {"role": "issuing entity", "name": "Prime Jumbo Mortgage Trust 2024-1", "cik": "0001990002"},
    ]
    assert [d["type"] for d in listed["documents"]] == ["FWP"]
    body = (folder / "fwp.htm").read_text(encoding="ascii")
    assert "FREE WRITING PROSPECTUS" in body and "Filed Pursuant to Rule 433" in body
    assert hashlib.sha256(body.encode("ascii")).hexdigest() == listed["documents"][0]["sha256"]
    assert cli("check", folder) == (0, f"{folder}: nothing EDGAR would refuse\n")


def test_the_modern_layout_is_an_fwp_by_default_and_without_cik_the_filer_is_named_only(tmp_path: Path) -> None:
    deal = _prime(tmp_path)
    text = deal.read_text().replace('  cik: "0001990001"\n', "").replace("  term_sheet_as: fwp\n", "")
    deal.write_text(text)
    code, output = cli("render", deal, "--submission", tmp_path / "sub")
    assert code == 0, output
    listed = json.loads((tmp_path / "sub" / "submission.json").read_text())
    assert listed["form"] == "FWP" and listed["filers"][0] == {"role": "depositor", "name": "Example Mortgage Securities, Inc."}


def test_a_deal_that_files_an_fwp_and_an_8k_writes_each_in_its_own_folder(tmp_path: Path) -> None:
    deal = _prime(tmp_path)
    (deal.parent / "ex4-1.htm").write_text("<html><body><p>Pooling and Servicing Agreement</p></body></html>\n")
    exhibit = "  exhibits:\n    - {type: EX-4.1, description: Pooling and Servicing Agreement, file: ex4-1.htm}\n"
    deal.write_text(deal.read_text().replace("  registration_file_number: 333-270001-01\n", "  registration_file_number: 333-270001-01\n" + exhibit))
    folder = tmp_path / "sub"
    code, output = cli("render", deal, "--submission", folder)
    assert code == 0, output
    assert sorted(p.name for p in folder.iterdir()) == ["8-k", "fwp"]
    forms = {name: json.loads((folder / name / "submission.json").read_text()) for name in ("fwp", "8-k")}
    assert [d["type"] for d in forms["fwp"]["documents"]] == ["FWP"]
    assert [d["type"] for d in forms["8-k"]["documents"]] == ["8-K", "EX-4.1"]  # the term sheet is not also an 8-K exhibit
    for name in ("fwp", "8-k"):
        assert cli("check", folder / name)[0] == 0
    assert cli("check", folder)[0] == 0  # a folder of submissions is each of them
    (folder / "notes.txt").write_text("not filed\n")
    code, output = cli("check", folder)
    assert code == 1 and "[manifest]" in output and "[folder]" in output, output  # anything else there: one folder, checked as a submission


def test_an_fwp_of_the_8k_layout_or_listed_as_an_8k_exhibit_is_refused_at_its_line(tmp_path: Path) -> None:
    deal = _prime(tmp_path)
    deal.write_text(deal.read_text().replace("  term_sheet_as: fwp\n", "  term_sheet_as: fwp\n  documents: [collateral-term-sheet]\n"))
    code, output = cli("validate", deal)
    assert code == 2
    assert f"deal.yaml:{line_of(deal, 'documents: [collateral-term-sheet]')} [filing.documents]" in output
    assert "filed as a free writing prospectus" in output
    shutil.copytree(DEAL.parent, tmp_path / "cmsi")
    old = tmp_path / "cmsi" / "deal.yaml"
    old.write_text(old.read_text() + "filing:\n  term_sheet_as: fwp\n")
    code, output = cli("render", old, "--submission", tmp_path / "sub")
    assert code == 2 and f"deal.yaml:{line_of(old, 'term_sheet_as: fwp')} [filing.term_sheet_as]" in output, output
    assert "no Rule 433 legend" in output and not (tmp_path / "sub").exists()


def test_bad_cik_and_file_number_forms_are_messages_at_their_lines(tmp_path: Path) -> None:
    deal = _prime(tmp_path)
    text = deal.read_text().replace('cik: "0001990002"', 'cik: "1990002"').replace("333-270001-01", "333-27001-1")
    deal.write_text(text.replace('  cik: "0001990001"', "  cik: 0001990001x"))
    for command in ("validate", "render"):
        code, output = cli(command, deal, *(["--submission", tmp_path / "sub"] if command == "render" else []))
        assert code == 2, output
        for where, value in (
            ("depositor.cik", "cik: 0001990001x"),
            ("filing.issuing_entity.cik", 'cik: "1990002"'),
            ("filing.registration_file_number", "registration_file_number: 333-27001-1"),
        ):
            assert f"deal.yaml:{line_of(deal, value)} [{where}]: error" in output, output
        assert output.count("a Central Index Key is EDGAR's ten digits") == 2 and "a registration file number is 333-" in output, output
    assert not (tmp_path / "sub").exists()


def _rewrite(folder: Path, change: str) -> None:
    """Add a listed document to an FWP's submission.json (hash right), so only the form's rule is broken."""
    data = json.loads((folder / "submission.json").read_text())
    extra = folder / ("ex99-1.htm" if change == "exhibit" else "fwp2.htm")
    extra.write_text("<html><body><p>More</p></body></html>\n")
    kind = "EX-99.1" if change == "exhibit" else "FWP"
    sha = hashlib.sha256(extra.read_bytes()).hexdigest()
    data["documents"].append({"type": kind, "description": "More", "file": extra.name, "sha256": sha})
    (folder / "submission.json").write_text(json.dumps(data, indent=2) + "\n")


def test_check_refuses_an_fwp_with_an_exhibit_or_two_primaries(tmp_path: Path) -> None:
    for change, expected in (("exhibit", "(value 'EX-99.1')"), ("primary", "one primary document of type FWP, first (2 listed)")):
        folder = tmp_path / change
        assert cli("render", PRIME, "--submission", folder)[0] == 0
        _rewrite(folder, change)
        code, output = cli("check", folder)
        assert code == 1, output
        assert "submission.json [form]" in output and expected in output, output
        assert output.count("error:") == 1, output
