"""Usability at the edges: the CLI boundary, installing and starting a deal, long data in documents."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEAL_FILES = sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*.yaml"))

# ---------------------------------------------------------------------------------------
# Long data: every string field of every example set to a long, realistic value.
# ---------------------------------------------------------------------------------------

LONG_VALUES = [  # 33 to 90 characters: what real deals carry
    "Cadwalader, Wickersham & Taft LLP",
    "Senior Vice President and Assistant Secretary",
    "Executive Vice President, Chief Financial Officer and Treasurer",
    "Wells Fargo Bank, National Association, as Trustee for the Certificateholders",
    "Deutsche Bank National Trust Company, not in its individual capacity but solely as Trustee",
    "Associate General Counsel -- Structured Finance, Securitization and Capital Markets",
]
# Left as they are: codes and names that must match the tape or other keys, and patterned values.
KEEP = {"pool", "classes", "servicer", "guarantor", "purchaser", "trustee", "parties", "party", "section", "form", "file_number", "short_name"}


def _lengthen(node: Any, offset: int, path: tuple[Any, ...] = ()) -> Any:
    """Every string long (which value depends on the key and `offset`), but for keys, codes and references (KEEP)."""
    if isinstance(node, dict):
        return {k: v if k == "pool" or k in KEEP and not isinstance(v, dict) else _lengthen(v, offset, (*path, k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_lengthen(v, offset, (*path, i)) for i, v in enumerate(node)]
    if isinstance(node, str) and path != ("series", "name"):
        digest = int(hashlib.sha256(".".join(map(str, path)).encode()).hexdigest(), 16)
        return LONG_VALUES[(digest + offset) % len(LONG_VALUES)]
    return node


def long_deal(example: Path, folder: Path, offset: int = 0) -> Path:
    """A copy of an example deal with every free-text string long; fields that must keep a pattern are put back."""
    from generator.deal import load_deal
    from generator.problems import DealdocsError

    shutil.copytree((EXAMPLES / example).parent, folder, dirs_exist_ok=True)
    original = yaml.safe_load((EXAMPLES / example).read_text())
    data = _lengthen(original, offset)
    if offset == 0:  # the two values of the issue, where they were refused
        data.get("term_sheet", {}).get("signatory", {}).update(title="Senior Vice President and Assistant Secretary")
        for letter in ("shelf_opinion", "takedown_opinion"):
            data.get(letter, {}).get("counsel", {}).update(name="Cadwalader, Wickersham & Taft LLP")
    if "term_sheet" in data:  # a stratification table of the deal's own, with a long title, heading, labels and footnote
        table = next(t for t in yaml.safe_load((ROOT / "templates" / "strat-tables.yaml").read_text()) if t["id"] == "dwellings")
        table["title"] = [LONG_VALUES[(offset + i) % len(LONG_VALUES)].upper() for i in (3, 4)]
        table["header"] = [LONG_VALUES[(offset + i) % len(LONG_VALUES)] for i in (1, 5)]
        table["footnote"] = "*   " + " ".join(LONG_VALUES)
        for i, category in enumerate(table["rule"]["categories"]):
            category["label"] = LONG_VALUES[(offset + i) % len(LONG_VALUES)]
        data["term_sheet"]["pool"]["tables"]["tables"] = [table]
    target = folder / example.name
    for _ in range(20):
        target.write_text(yaml.safe_dump(data, sort_keys=False))
        try:
            load_deal(target)
            return target
        except DealdocsError as exc:  # a patterned field (zip, phone, dates): put the example's value back
            for problem in exc.problems:
                keys = [int(k) if k.isdigit() else k for k in problem.column.split(".")]
                src, dst = original, data
                for key in keys[:-1]:
                    src, dst = src[key], dst[key]
                dst[keys[-1]] = src[keys[-1]]
    raise AssertionError(f"{example}: long values never validated")


def _words(text: str) -> str:
    return " ".join(text.split()).lower()


@pytest.mark.parametrize("offset", [0, 1, 2])
@pytest.mark.parametrize("example", DEAL_FILES, ids=str)
def test_long_values_wrap_in_edgar_text(example: Path, offset: int, tmp_path: Path) -> None:
    """Long names, titles and addresses wrap as a typist wraps them: nothing refused, no line over 80, no word lost."""
    from generator.deal import load_deal
    from generator.render import documents_of, render_text

    loaded = load_deal(long_deal(example, tmp_path, offset))
    for document in documents_of(loaded):
        text = render_text(loaded, document).content
        assert [line for line in text.splitlines() if len(line) > 80] == []
        data = yaml.safe_load(loaded.path.read_text())
        signatory = data.get("term_sheet", {}).get("signatory")
        counsel = data.get("takedown_opinion", data.get("shelf_opinion", {})).get("counsel")
        for value in [signatory and signatory["title"], signatory and signatory["name"], counsel and counsel["name"]]:
            assert value is None or _words(value) in _words(text)


def test_long_values_render_in_every_format(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from generator.cli import app

    for example in (Path("cmsi-2003-1/deal.yaml"), Path("cmsi-2006-1/deal.yaml")):
        deal = long_deal(example, tmp_path / example.parent)
        result = CliRunner().invoke(app, ["render", str(deal), "--out", str(tmp_path / "out" / example.parent), "--format", "txt,docx,pdf"])
        assert result.exit_code == 0, result.output
        assert len(list((tmp_path / "out" / example.parent).iterdir())) == 3


def test_wrapping_filters_keep_what_fits_and_wrap_what_does_not() -> None:
    from generator.edgar import at, center, right, row, widest

    assert right("Exhibit 5.1") == " " * 69 + "Exhibit 5.1"
    assert center("FORM 8-K") == " " * 36 + "FORM 8-K"
    assert at("Assistant Secretary", 52) == " " * 52 + "Assistant Secretary"
    assert row(["   Delaware", "333-72082", "13-3408713"], [32, 30]) == "   Delaware".ljust(32) + "333-72082".ljust(30) + "13-3408713"
    title = "Deutsche Bank National Trust Company, not in its individual capacity but solely as Trustee"
    assert right(title, 40).split("\n") == [line.rjust(40) for line in ["Deutsche Bank National Trust Company,", "not in its individual capacity but", "solely as Trustee"]]
    assert at("Senior Vice President and Assistant Secretary", 52).split("\n") == [" " * 52 + "Senior Vice President and", " " * 52 + "Assistant Secretary"]
    centred = center(title).split("\n")
    assert len(centred) == 2 and all(len(line) <= 80 for line in centred) and widest(title) == max(len(line.strip()) for line in centred)
    assert row(["   " + title, "333-72082"], [32]).split("\n")[:2] == ["   Deutsche Bank National Trust 333-72082", "   Company, not in its"]
