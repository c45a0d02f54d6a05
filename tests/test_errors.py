"""One error hierarchy and one place for exit codes.

Every error that is the user's to fix is a `DealdocsError` of one category (deal file, tape,
template, output, manifest), raised where that input is read; the command line turns any of
them into its problems and `ExitCode.USER_ERROR`, and exits only through `ExitCode`.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.errors import (
    DealdocsError,
    DealFileError,
    ExitCode,
    ManifestError,
    OutputError,
    Problem,
    TapeError,
    TemplateProblemError,
)

ROOT = Path(__file__).resolve().parent.parent
TERM_SHEET = ROOT / "examples" / "cmsi-2003-1" / "deal.yaml"
SHELF = ROOT / "examples" / "cmsi-2003-shelf" / "shelf.yaml"
CATEGORIES = [DealFileError, TapeError, TemplateProblemError, OutputError, ManifestError]


def _invoke(args: list[str]):
    from generator.cli import app

    return CliRunner().invoke(app, args)


# ---------------------------------------------------------------------------------------
# The hierarchy.
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", CATEGORIES, ids=lambda c: c.__name__)
def test_each_category_is_a_dealdocs_error_carrying_its_problems(category: type[DealdocsError]) -> None:
    problems = [Problem("deal.yaml", 3, None, "x", "first"), Problem("deal.yaml", 9, None, None, "second")]
    exc = category(problems, 7)
    assert isinstance(exc, DealdocsError)
    assert exc.problems == problems and exc.total == 7
    assert str(exc) == str(DealdocsError(problems, 7))
    assert category(problems).total == 2
    with pytest.raises(DealdocsError):
        raise exc


def test_the_categories_are_distinct_and_none_is_jinjas_template_error() -> None:
    from jinja2 import TemplateError

    assert len({c.__name__ for c in CATEGORIES}) == len(CATEGORIES)
    for category in CATEGORIES:
        assert not issubclass(category, TemplateError)
        assert [other for other in CATEGORIES if issubclass(category, other)] == [category]


def test_the_library_api_exports_the_root_and_the_categories() -> None:
    import generator.api

    for exported in [DealdocsError, *CATEGORIES, ExitCode]:
        assert getattr(generator.api, exported.__name__) is exported and exported.__name__ in generator.api.__all__


# ---------------------------------------------------------------------------------------
# Each category raised where its input is read.
# ---------------------------------------------------------------------------------------


def _bad_deal(tmp_path: Path) -> Path:
    deal = tmp_path / "deal.yaml"
    deal.write_text("depositor: [unclosed\n")
    return deal


def _bad_tape(tmp_path: Path) -> Path:
    tape = tmp_path / "loans.csv"
    tape.write_text("not,the,columns\n1,2,3\n")
    return tape


def _failing_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "exhibit-5-1-shelf.txt.j2").write_text("{{ no_such_value }}\n")
    return folder


def _blocked_out(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    return blocker / "out"


def _corrupt_manifest(tmp_path: Path) -> Path:
    folder = tmp_path / "rendered"
    folder.mkdir()
    (folder / "manifest.json").write_text("{ not json\n")
    return folder


def test_a_bad_deal_file_is_a_deal_file_error(tmp_path: Path) -> None:
    from generator.api import load_deal

    with pytest.raises(DealFileError) as caught:
        load_deal(_bad_deal(tmp_path))
    assert caught.value.problems and caught.value.problems[0].file.endswith("deal.yaml")
    with pytest.raises(DealFileError):
        load_deal(tmp_path / "missing.yaml")


def test_a_deal_file_without_the_section_a_command_needs_is_a_deal_file_error() -> None:
    from generator.api import analyse, load_deal

    with pytest.raises(DealFileError, match="no term_sheet section"):
        analyse(load_deal(SHELF))


def test_a_bad_tape_is_a_tape_error(tmp_path: Path) -> None:
    from generator.api import analyse, load_deal

    loaded = load_deal(TERM_SHEET)
    with pytest.raises(TapeError):
        analyse(loaded, _bad_tape(tmp_path))
    with pytest.raises(TapeError, match="loan tape not found"):
        analyse(loaded, tmp_path / "missing.csv")


def test_a_failing_template_is_a_template_error(tmp_path: Path) -> None:
    from generator.api import load_deal, render_deal

    with pytest.raises(TemplateProblemError) as caught:
        render_deal(load_deal(SHELF), tmp_path / "out", None, ["txt"], _failing_templates(tmp_path))
    assert caught.value.problems[0].file.endswith("exhibit-5-1-shelf.txt.j2")
    with pytest.raises(TemplateProblemError, match="templates folder not found"):
        render_deal(load_deal(SHELF), tmp_path / "out", None, ["txt"], tmp_path / "no-such-folder")


def test_an_unwritable_output_is_an_output_error(tmp_path: Path) -> None:
    from generator.api import load_deal, render_deal

    with pytest.raises(OutputError, match="cannot write"):
        render_deal(load_deal(SHELF), _blocked_out(tmp_path), None, ["txt"], None)


def test_a_corrupt_manifest_is_a_manifest_error(tmp_path: Path) -> None:
    from generator.output.manifest import verify

    with pytest.raises(ManifestError, match="render the deal again"):
        verify(_corrupt_manifest(tmp_path))


# ---------------------------------------------------------------------------------------
# Exit codes through the command line.
# ---------------------------------------------------------------------------------------


def test_exit_codes_keep_their_numbers() -> None:
    assert [int(c) for c in (ExitCode.OK, ExitCode.FAILED_ITEMS, ExitCode.INTERNAL_ERROR, ExitCode.USER_ERROR, ExitCode.INTERRUPTED)] == [0, 1, 1, 2, 130]


def _user_error(result, category: type[DealdocsError]) -> None:
    assert result.exit_code == ExitCode.USER_ERROR == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "problem" in result.stderr and "internal error" not in result.stderr and "Traceback" not in result.stderr, category


def test_each_category_exits_as_a_user_error_through_the_cli(tmp_path: Path) -> None:
    _user_error(_invoke(["render", str(_bad_deal(tmp_path)), "--out", str(tmp_path / "o1"), "--format", "txt"]), DealFileError)
    _user_error(_invoke(["strats", str(TERM_SHEET), "--tape", str(_bad_tape(tmp_path))]), TapeError)
    templates = _failing_templates(tmp_path)
    _user_error(_invoke(["render", str(SHELF), "--out", str(tmp_path / "o2"), "--format", "txt", "--templates", str(templates)]), TemplateProblemError)
    _user_error(_invoke(["render", str(SHELF), "--out", str(_blocked_out(tmp_path)), "--format", "txt"]), OutputError)
    _user_error(_invoke(["verify", str(_corrupt_manifest(tmp_path))]), ManifestError)


@pytest.mark.parametrize("category", CATEGORIES, ids=lambda c: c.__name__)
def test_the_boundary_lists_any_category_and_exits_user_error(category: type[DealdocsError], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.output.scaffold

    def new_deal(folder: Path, source: Path | None = None) -> list[Path]:
        raise category([Problem("where.yaml", 4, None, None, "what is wrong")])

    monkeypatch.setattr(generator.output.scaffold, "new_deal", new_deal)
    result = _invoke(["new", str(tmp_path / "d")])
    assert result.exit_code == ExitCode.USER_ERROR
    assert result.stderr == "dealdocs: 1 problem\n  where.yaml:4: error: what is wrong\n"


@pytest.mark.parametrize(("raised", "code"), [(KeyboardInterrupt(), ExitCode.INTERRUPTED), (RuntimeError("a bug"), ExitCode.INTERNAL_ERROR)])
def test_interrupts_and_bugs_exit_with_their_codes(raised: BaseException, code: ExitCode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.output.scaffold

    def new_deal(folder: Path, source: Path | None = None) -> list[Path]:
        raise raised

    monkeypatch.setattr(generator.output.scaffold, "new_deal", new_deal)
    assert _invoke(["new", str(tmp_path / "d")]).exit_code == code


def test_verify_exits_failed_items_when_an_output_changed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = tmp_path / "shelf"
    folder.mkdir()
    shutil.copy(SHELF, folder / "shelf.yaml")
    rendered = _invoke(["batch", str(folder / "shelf.yaml"), "--out", str(out), "--format", "txt", "--jobs", "1"])
    assert rendered.exit_code == ExitCode.OK, rendered.output
    (deal_out,) = [p for p in out.iterdir() if p.is_dir()]
    assert _invoke(["verify", str(deal_out)]).exit_code == ExitCode.OK
    text = next(deal_out.glob("*.txt"))
    text.write_text(text.read_text() + "changed\n")
    assert _invoke(["verify", str(deal_out)]).exit_code == ExitCode.FAILED_ITEMS


# ---------------------------------------------------------------------------------------
# No bare exit status left in the CLI.
# ---------------------------------------------------------------------------------------

_EXITS = {"typer.Exit", "Exit", "SystemExit", "sys.exit", "exit", "ctx.exit", "click.exceptions.Exit"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _an_exit_code(node: ast.AST, returning: set[str]) -> bool:
    """`ExitCode.X`, or a call of a function of the module annotated to return an ExitCode (the boundary's report)."""
    if isinstance(node, ast.Call):
        return _dotted(node.func).rpartition(".")[2] in returning
    return _dotted(node).startswith("ExitCode.")


@pytest.mark.parametrize("source", sorted((ROOT / "generator" / "cli").glob("*.py")), ids=lambda p: p.name)
def test_the_cli_exits_only_through_exit_code(source: Path) -> None:
    tree = ast.parse(source.read_text(), str(source))
    returning = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.returns is not None and _dotted(f.returns) == "ExitCode"}
    bare = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None and _dotted(node.exc) in _EXITS:
            bare.append(f"{source.name}:{node.lineno}: raise {_dotted(node.exc)} (no ExitCode)")
        if isinstance(node, ast.Call) and _dotted(node.func) in _EXITS:
            args = [*node.args, *(k.value for k in node.keywords)]
            if len(args) != 1 or not _an_exit_code(args[0], returning):
                bare.append(f"{source.name}:{node.lineno}: {ast.unparse(node)}")
    assert not bare, bare


def test_the_exit_check_finds_a_bare_number() -> None:
    """The check above is not vacuous: it flags the forms the CLI used to have."""
    tree = ast.parse("def f():\n    raise typer.Exit(2)\n\ndef g():\n    sys.exit(1)\n\ndef h():\n    raise typer.Exit\n")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _dotted(n.func) in _EXITS]
    assert len(calls) == 2 and not any(_an_exit_code(c.args[0], set()) for c in calls)
    assert [_dotted(n.exc) for n in ast.walk(tree) if isinstance(n, ast.Raise) and not isinstance(n.exc, ast.Call)] == ["typer.Exit"]
