"""Hostile and mistaken deal files: every one is a message with file, line, field and value, exit 2.

Each test writes a small deal file from the example (`deal_dir`) and checks what `dealdocs
validate` (and, where the tables matter, `render`) says about it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from generator import deal as deal_module
from generator.cli import app
from generator.deal import load_deal
from generator.problems import DealdocsError

runner = CliRunner()


def _validate(path: Path | str, *extra: str):  # noqa: ANN202 - a click Result
    return runner.invoke(app, ["validate", str(path), *extra])


def _replace(deal: Path, old: str, new: str, count: int = 1) -> None:
    text = deal.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    deal.write_text(text.replace(old, new, count), encoding="utf-8")


def _line(deal: Path, text: str) -> int:
    """The 1-based line of the first line of the deal file that contains `text`."""
    return next(n for n, line in enumerate(deal.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _problem_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if ": error: " in line]


def _fails_with(result, *fragments: str) -> str:  # noqa: ANN001
    """The output of a run that must end with exit 2, no traceback, and say every fragment."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)
    return result.output


# --- values YAML turns into Python objects, or cannot -----------------------------------


@pytest.mark.parametrize(("written", "reason"), [("2003-02-30", "day is out of range"), ("2003-13-01", "month must be in 1..12")])
def test_impossible_calendar_date(deal_dir: Path, written: str, reason: str) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "cut_off_date: 2003-01-01", f"cut_off_date: {written}")
    line = _line(deal, "cut_off_date")
    _fails_with(_validate(deal), f"deal.yaml:{line} [term_sheet.cut_off_date]", "not a calendar date", reason, f"(value '{written}')")


def test_number_of_thousands_of_digits(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "ltv_cap_step: 5", "ltv_cap_step: " + "9" * 5000)
    line = _line(deal, "ltv_cap_step")
    _fails_with(_validate(deal), f"deal.yaml:{line} [term_sheet.pool.ltv_cap_step]", "a number of 5000 digits")


def test_deep_flow_sequence(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "ltv_cap_step: 5", "ltv_cap_step: " + "[" * 1000 + "]" * 1000)
    line = _line(deal, "ltv_cap_step")
    _fails_with(_validate(deal), f"deal.yaml:{line} [term_sheet.pool.ltv_cap_step", "nested more than 64 levels deep")


def test_alias_bomb(tmp_path: Path) -> None:
    deal = tmp_path / "deal.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    deal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _fails_with(_validate(deal), "aliases repeat more than")


def test_duplicate_key_names_both_lines(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    first = _line(deal, "originator:")
    _replace(deal, "  originator: CitiMortgage, Inc.\n", "  originator: CitiMortgage, Inc.\n  trustee_x: 1\n  originator: Someone Else\n")
    second = first + 2
    _fails_with(_validate(deal), f"deal.yaml:{second} [term_sheet.originator]", f"duplicate key `originator`: it is already set at line {first}")


def test_duplicate_key_in_nested_mapping(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "      balance: SCHED_BAL\n", "      balance: SCHED_BAL\n      balance: ORIG_BAL\n")
    first = _line(deal, "balance: SCHED_BAL")
    _fails_with(_validate(deal), f"deal.yaml:{first + 1} [term_sheet.pool.columns.balance]", f"already set at line {first}")


def test_typo_is_one_message_at_its_line(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "cut_off_date:", "cutoff_date:")
    line = _line(deal, "cutoff_date")
    output = _fails_with(_validate(deal), "1 problem", f"deal.yaml:{line} [term_sheet.cutoff_date]", "unknown key `cutoff_date`: did you mean `cut_off_date`?")
    assert len(_problem_lines(output)) == 1, output


def test_unknown_key_far_from_any_field(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "  originator:", "  zzzzzz: 1\n  originator:")
    line = _line(deal, "zzzzzz")
    output = _fails_with(_validate(deal), f"deal.yaml:{line} [term_sheet.zzzzzz]", "unknown key `zzzzzz`")
    assert "did you mean" not in output


@pytest.mark.parametrize("written", ["01/09/2003", "9 Jan 2003", "20030109"])
def test_date_in_another_format(deal_dir: Path, written: str) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "report_date: 2003-01-09", f"report_date: {written}")
    line = _line(deal, "report_date")
    output = _fails_with(_validate(deal), f"deal.yaml:{line} [term_sheet.report_date]", "not a date: write it as YYYY-MM-DD")
    assert "invalid character" not in output


@pytest.mark.parametrize("char", ["\\v", "\\0", "\\x1b", "\\x9b", "\\x7f"])
def test_control_character_in_a_name(deal_dir: Path, char: str) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "  name: Citicorp Mortgage Securities, Inc.", f'  name: "Citicorp{char}Mortgage Securities, Inc."')
    line = _line(deal, 'name: "Citicorp')
    _fails_with(_validate(deal), f"deal.yaml:{line} [depositor.name]", "a control character")


def test_line_break_only_where_text_may_have_several_lines(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "  originator: CitiMortgage, Inc.", '  originator: "CitiMortgage,\\nInc."')
    _fails_with(_validate(deal), f"deal.yaml:{_line(deal, 'originator')} [term_sheet.originator]", "a line break")
    table = (
        "    tables:\n      defaults: true\n      tables:\n        - id: years\n          title: [YEARS]\n"
        '          header: [Year]\n          field: origination_date\n          rule: {kind: yearly}\n'
        '          footnote: "first line\\nsecond line"\n'
    )
    deal.write_text((deal_dir / "deal.yaml").read_text().replace('"CitiMortgage,\\nInc."', "CitiMortgage, Inc.").replace("    tables:\n      defaults: true\n", table))
    result = _validate(deal)
    assert result.exit_code == 0, result.output


def test_control_character_in_a_code(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "        SFD: detached", '        "S\\tFD": detached')
    _fails_with(_validate(deal), f"deal.yaml:{_line(deal, 'FD')} [term_sheet.pool.codes.property_type]", "a control character (U+0009)")


# --- paths that are not regular files ----------------------------------------------------


def test_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    os.symlink(loop, loop)
    _fails_with(_validate(loop), "loop.yaml", "a loop of symbolic links")


def test_nul_byte_in_path() -> None:
    with pytest.raises(DealdocsError) as raised:
        load_deal("deal\0.yaml")
    assert "NUL" in str(raised.value)


def test_fifo_deal_is_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "deal.yaml"
    os.mkfifo(fifo)  # no writer: opening it for a blocking read would hang
    _fails_with(_validate(fifo), "not a regular file", "named pipe")


def test_folder_and_device(tmp_path: Path) -> None:
    _fails_with(_validate(tmp_path), "not a regular file: it is a folder")
    _fails_with(_validate("/dev/null"), "not a regular file: it is a character device")


def test_unreadable_file(deal_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deal = deal_dir / "deal.yaml"
    if os.geteuid() == 0:  # root reads any file: make the open fail as it would for anyone else
        real_open = os.open

        def refuse(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            if Path(path) == deal:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(deal_module.os, "open", refuse)
    deal.chmod(0)
    try:
        _fails_with(_validate(deal), "deal.yaml: error: cannot read file: permission denied")
    finally:
        deal.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_not_utf8(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    deal.write_bytes(deal.read_bytes().replace(b"Citicorp Mortgage", b"Citicorp \xff Mortgage"))
    line = next(n for n, text in enumerate(deal.read_bytes().splitlines(), 1) if b"\xff" in text)
    _fails_with(_validate(deal), f"deal.yaml:{line}", "not UTF-8 text (byte 0xff)")


def test_fifo_tape_is_refused(deal_dir: Path) -> None:
    fifo = deal_dir / "fifo.csv"
    os.mkfifo(fifo)
    _fails_with(_validate(deal_dir / "deal.yaml", "--tape", str(fifo)), "--tape", "not a regular file", "named pipe")
    deal = deal_dir / "deal.yaml"
    _replace(deal, "tape: loans.csv", "tape: fifo.csv")
    _fails_with(_validate(deal), f"deal.yaml:{_line(deal, 'tape: fifo.csv')} [term_sheet.pool.tape]", "not a regular file")
    _replace(deal, "tape: fifo.csv", "tape: .")
    _fails_with(_validate(deal), "[term_sheet.pool.tape]", "it is a folder")


# --- many problems ------------------------------------------------------------------------


def test_problems_are_capped(deal_dir: Path) -> None:
    deal = deal_dir / "deal.yaml"
    _replace(deal, "  originator:", "".join(f"  unknown_{i}: {i}\n" for i in range(120)) + "  originator:")
    output = _fails_with(_validate(deal), "120 problems", "... and 70 more")
    assert len(_problem_lines(output)) == 50


def test_line_lookups_do_not_scan_mappings(deal_dir: Path) -> None:
    """Each unknown key's line is an index look-up, not a scan of its mapping: linear in the keys."""
    deal = deal_dir / "deal.yaml"
    keys = [f"unknown_{i}" for i in range(2000)]
    _replace(deal, "  originator:", "".join(f"  {k}: 1\n" for k in keys) + "  originator:")
    _, root, index = deal_module.parse_yaml_with_keys(deal)
    scans = 0

    class Counted(list):
        def __iter__(self):  # noqa: ANN204
            nonlocal scans
            scans += 1
            return super().__iter__()

    def wrap(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            node.value = Counted(node.value)
            for key, value in list.__iter__(node.value):
                wrap(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                wrap(item)

    wrap(root)
    lines = [deal_module._line_of(root, ("term_sheet", k), index) for k in keys]
    assert lines == list(range(_line(deal, "unknown_0"), _line(deal, "unknown_0") + 2000))
    assert scans == 0


def test_parsed_once_with_the_c_loader(deal_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    for name in ("safe_load", "compose", "load"):
        monkeypatch.setattr(yaml, name, lambda *a, _n=name, **k: calls.append(_n))
    loaded = load_deal(deal_dir / "deal.yaml")
    assert calls == []
    assert loaded.line("term_sheet", "pool", "columns", "fico") == loaded.line("term_sheet", "pool", "columns")
    if hasattr(yaml, "CSafeLoader"):
        assert deal_module._Loader is yaml.CSafeLoader


def test_data_built_from_the_node_tree_matches_safe_load() -> None:
    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("examples/*/deal.yaml"), *root.glob("examples/*/shelf.yaml"), *root.glob("examples/variants/*/*.yaml")]:
        data, _, _ = deal_module.parse_yaml_with_keys(path)
        assert data == yaml.safe_load(path.read_text(encoding="utf-8")), path
