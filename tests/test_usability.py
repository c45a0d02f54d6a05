"""Usability at the edges: the CLI boundary, installing and starting a deal, long data in documents."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import EXAMPLES, ROOT, runner

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
        return {k: v if k == "pool" or (k in KEEP and not isinstance(v, dict)) else _lengthen(v, offset, (*path, k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_lengthen(v, offset, (*path, i)) for i, v in enumerate(node)]
    if isinstance(node, str) and path != ("series", "name"):
        digest = int(hashlib.sha256(".".join(map(str, path)).encode()).hexdigest(), 16)
        return LONG_VALUES[(digest + offset) % len(LONG_VALUES)]
    return node


def long_deal(example: Path, folder: Path, offset: int = 0) -> Path:
    """A copy of an example deal with every free-text string long; fields that must keep a pattern are put back."""
    from generator.api import DealdocsError, load_deal

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
    from generator.api import documents_of, load_deal, render_text

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
    from generator.cli import app

    for example in (Path("cmsi-2003-1/deal.yaml"), Path("cmsi-2006-1/deal.yaml")):
        deal = long_deal(example, tmp_path / example.parent)
        result = runner.invoke(app, ["render", str(deal), "--out", str(tmp_path / "out" / example.parent), "--format", "txt,docx,pdf"])
        assert result.exit_code == 0, result.output
        assert len(list((tmp_path / "out" / example.parent).iterdir())) == 4  # and the manifest


def test_wrapping_filters_keep_what_fits_and_wrap_what_does_not() -> None:
    from generator.edgar import at, center, right, row, widest

    assert right("Exhibit 5.1") == " " * 69 + "Exhibit 5.1"
    assert center("FORM 8-K") == " " * 36 + "FORM 8-K"
    assert at("Assistant Secretary", 52) == " " * 52 + "Assistant Secretary"
    assert row(["   Delaware", "333-72082", "13-3408713"], [32, 30]) == "   Delaware".ljust(32) + "333-72082".ljust(30) + "13-3408713"
    title = "Deutsche Bank National Trust Company, not in its individual capacity but solely as Trustee"
    lines = ["Deutsche Bank National Trust Company,", "not in its individual capacity but", "solely as Trustee"]
    assert right(title, 40).split("\n") == [line.rjust(40) for line in lines]
    assert at("Senior Vice President and Assistant Secretary", 52).split("\n") == [" " * 52 + "Senior Vice President and", " " * 52 + "Assistant Secretary"]
    centred = center(title).split("\n")
    assert len(centred) == 2 and all(len(line) <= 80 for line in centred) and widest(title) == max(len(line.strip()) for line in centred)
    assert row(["   " + title, "333-72082"], [32]).split("\n")[:2] == ["   Deutsche Bank National Trust 333-72082", "   Company, not in its"]


# ---------------------------------------------------------------------------------------
# The CLI boundary: one line for anything unexpected, the traceback only under --debug.
# ---------------------------------------------------------------------------------------


def _invoke(args: list[str]):
    from generator.cli import app

    return runner.invoke(app, args)


def _broken_new(exc: BaseException):
    def new_deal(folder: Path, source: Path | None = None) -> list[Path]:
        raise exc

    return new_deal


def test_an_unexpected_exception_is_one_line_and_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.output.scaffold

    monkeypatch.setattr(generator.output.scaffold, "new_deal", _broken_new(RuntimeError("the index is\nout of range")))
    result = _invoke(["new", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert result.stderr == "dealdocs: internal error in new: RuntimeError: the index is out of range (run again with --debug for the traceback)\n"
    assert result.stdout == ""
    debug = _invoke(["--debug", "new", str(tmp_path / "d")])
    assert debug.exit_code == 1
    assert "Traceback (most recent call last)" in debug.stderr and "in new_deal" in debug.stderr
    assert debug.stderr.endswith("dealdocs: internal error in new: RuntimeError: the index is out of range\n")


def test_an_unexpected_exception_through_the_installed_command(tmp_path: Path) -> None:
    """As a user runs it, through main(): a bug (here a planted one) is one line, no traceback, exit 1."""
    plant = (
        "import sys, generator.output.scaffold as s\n"
        "def broken(folder, source=None): raise KeyError('planted')\n"
        "s.new_deal = broken\n"
        "from generator.cli import main\n"
        f"sys.argv = ['dealdocs', 'new', {str(tmp_path / 'd')!r}]\n"
        "main()\n"
    )
    run = subprocess.run([sys.executable, "-c", plant], capture_output=True, text=True, env=_env())
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("dealdocs: internal error in new: KeyError: ") and run.stderr.count("\n") == 1, run.stderr
    assert "Traceback" not in run.stderr


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.output.scaffold

    monkeypatch.setattr(generator.output.scaffold, "new_deal", _broken_new(KeyboardInterrupt()))
    result = _invoke(["new", str(tmp_path / "d")])
    assert result.exit_code == 130
    assert result.stderr == "dealdocs: interrupted\n"


def test_user_errors_and_usage_errors_pass_the_boundary_unchanged(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    exists = _invoke(["new", str(tmp_path / "d")])
    assert exists.exit_code == 2 and "already exists" in exists.stderr and "internal error" not in exists.stderr
    usage = _invoke(["render", str(EXAMPLES / "cmsi-2003-1" / "deal.yaml"), "--format", "rtf"])
    assert usage.exit_code == 2 and "choose from txt, docx, pdf" in usage.stderr and "internal error" not in usage.stderr


def test_pango_missing_names_the_packages(tmp_path: Path) -> None:
    """WeasyPrint cannot load Pango from the system (as on a bare Debian): say what to install, no traceback."""
    fake = tmp_path / "site" / "weasyprint"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise OSError(\"cannot load library 'libgobject-2.0-0': libgobject-2.0-0: cannot open shared object file: No such file or directory\")\n"
    )
    deal = EXAMPLES / "cmsi-2003-shelf" / "shelf.yaml"
    run = subprocess.run(
        [sys.executable, "-m", "generator.cli", "render", str(deal), "--out", str(tmp_path / "out"), "--format", "txt,pdf"],
        capture_output=True, text=True, env=_env(tmp_path / "site"),
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1
    assert "libpango-1.0-0" in run.stderr and "libpangoft2-1.0-0" in run.stderr and "scripts/setup-system.sh render" in run.stderr
    assert not (tmp_path / "out").exists()


def _env(*first: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, first), str(ROOT)])}


# ---------------------------------------------------------------------------------------
# Options: --version, --format, help.
# ---------------------------------------------------------------------------------------


def test_version() -> None:
    from generator import __version__

    result = _invoke(["--version"])
    assert result.exit_code == 0 and result.stdout == f"dealdocs {__version__}\n"


@pytest.mark.parametrize(("spec", "written"), [("PDF", ["pdf"]), ("txt, PDF", ["txt", "pdf"]), (" Txt ,txt,TXT ", ["txt"])])
def test_formats_ignore_case_spaces_and_repeats(spec: str, written: list[str], tmp_path: Path) -> None:
    from generator.cli import _formats

    assert _formats(spec) == written
    result = _invoke(["render", str(EXAMPLES / "cmsi-2003-shelf" / "shelf.yaml"), "--out", str(tmp_path), "--format", spec])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("wrote ") == len(written)
    assert sorted(p.suffix for p in tmp_path.iterdir() if p.name != "manifest.json") == sorted(f".{w}" for w in written)


COMMANDS = ["render", "validate", "strats", "schema", "batch", "verify", "new"]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_metavars_not_python_types(command: str) -> None:
    result = _invoke([command, "--help"] if command else ["--help"])
    assert result.exit_code == 0
    assert not re.search(r"<(?:bool|str|path|int|int range|float|list\[[^>]*\]|json\|csv\|xlsx)>|\{\w+(?:\.\.\.)?\}", result.stdout), result.stdout
    if command == "batch":
        assert "batch [OPTIONS] PATH...\n" in result.stdout
        assert re.search(r"^  --fail-fast +Stop", result.stdout, re.M)  # a flag: no value after it
        assert re.search(r"^  -j, --jobs N ", result.stdout, re.M)
    if command == "render":
        assert re.search(r"^  DEAL +The deal file", result.stdout, re.M)
        assert re.search(r"^  -o, --out DIR ", result.stdout, re.M)


# ---------------------------------------------------------------------------------------
# `dealdocs new` outside a clone: the example travels in the wheel.
# ---------------------------------------------------------------------------------------


def test_new_without_from_starts_from_the_installed_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no examples/ here
    result = _invoke(["new", "series-2024-1"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "series-2024-1" / "deal.yaml").read_text()
    assert text.startswith("# New deal, started from the example cmsi-2003-1 installed with dealdocs.")
    assert text.endswith((EXAMPLES / "cmsi-2003-1" / "deal.yaml").read_text())


def test_new_from_any_folder_and_a_folder_without_deal_files(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "house.yaml").write_text((EXAMPLES / "cmsi-2006-1" / "deal.yaml").read_text())
    assert _invoke(["new", str(tmp_path / "a"), "--from", str(mine)]).exit_code == 0
    assert (tmp_path / "a" / "house.yaml").read_text().startswith(f"# New deal, started from {mine}.")
    empty = _invoke(["new", str(tmp_path / "b"), "--from", str(tmp_path / "a" / "nothing")])
    assert empty.exit_code == 2 and "no deal file (*.yaml)" in empty.stderr


def test_the_wheel_ships_the_example_and_new_works_from_it(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("dealdocs-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "generator/examples/cmsi-2003-1/deal.yaml" in names
        assert "generator/templates/term-sheet-8k.txt.j2" in names
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        archive.extractall(tmp_path / "site")
    from generator import __version__

    assert f"\nVersion: {__version__}\n" in metadata
    assert "Requires-Dist: pypdf>=4; extra == 'pytest'" in metadata and "Requires-Dist: pytest-regressions>=2.5; extra == 'pytest'" in metadata
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = "import sys; from generator.cli import main; sys.argv = ['dealdocs', 'new', 'deal-2024']; main()"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=work, env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert run.returncode == 0, run.stderr
    assert str(tmp_path / "site" / "generator" / "__init__.py") in subprocess.run(
        [sys.executable, "-c", "import generator; print(generator.__file__)"],
        capture_output=True,
        text=True,
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
    ).stdout  # the wheel's copy ran, not the checkout's
    assert "depositor:" in (work / "deal-2024" / "deal.yaml").read_text()


# ---------------------------------------------------------------------------------------
# The snapshot fixture: what to install, and every difference at once.
# ---------------------------------------------------------------------------------------

SNAPSHOT_TEST = f"""
def test_shelf(dealdocs_snapshot):
    dealdocs_snapshot({str(EXAMPLES / "cmsi-2003-shelf" / "shelf.yaml")!r}, formats=("txt", "pdf"), name="shelf")
"""


def _inner_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(folder)],
        capture_output=True, text=True, cwd=folder, env=_env(),
    )  # fmt: skip


def test_snapshot_fixture_reports_text_and_hash_differences_at_once(tmp_path: Path) -> None:
    (tmp_path / "test_deal.py").write_text(SNAPSHOT_TEST)
    first = _inner_pytest(tmp_path)
    assert first.returncode == 1 and "created" in first.stdout  # snapshots written
    snapshots = tmp_path / "test_deal"
    pdf_text, pdf_hash = snapshots / "shelf-exhibit-5-1-shelf-pdf.txt", snapshots / "shelf-exhibit-5-1-shelf-pdf.sha256"
    txt = snapshots / "shelf-exhibit-5-1-shelf-txt.txt"
    good_text, good_hash = pdf_text.read_text(), pdf_hash.read_text()
    txt.write_text(txt.read_text().replace("Exhibit 5.1", "Exhibit 5.2"))
    pdf_text.write_text(good_text.replace("Exhibit 5.1", "Exhibit 5.2"))
    pdf_hash.write_text("0" * 64 + "\n")
    every = _inner_pytest(tmp_path)
    assert every.returncode == 1
    assert every.stdout.count("Exhibit 5.2") >= 2  # the text of the .txt and of the PDF
    assert "0" * 64 in every.stdout and good_hash.strip() in every.stdout  # and the PDF's hash
    pdf_text.write_text(good_text)
    txt.write_text(txt.read_text().replace("Exhibit 5.2", "Exhibit 5.1"))
    hash_only = _inner_pytest(tmp_path)
    assert hash_only.returncode == 1
    assert "exhibit-5-1-shelf.pdf: same text as its snapshot, but not the same file: its SHA-256 differs" in hash_only.stdout


def test_snapshot_fixture_says_what_to_install_without_pypdf(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("import sys\nsys.modules['pypdf'] = None  # as if not installed\n")
    (tmp_path / "test_deal.py").write_text(SNAPSHOT_TEST)
    run = _inner_pytest(tmp_path)
    assert run.returncode == 1
    assert "the dealdocs_snapshot fixture needs pypdf to read PDF snapshots: pip install 'dealdocs[pytest]'" in run.stdout
    assert "ModuleNotFoundError" not in run.stdout and "ImportError" not in run.stdout
