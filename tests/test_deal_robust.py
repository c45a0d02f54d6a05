"""Deal files that are broken in odd ways: each is a message with file, line, field and value, exit 2.

Every case is written by the test from the example deal (tests/conftest.py's `deal_dir`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.api import Deal, DealdocsError, load_deal
from generator.cli import app
from generator.deal import loading as deal_module  # the loader's parse counter: a private mechanism

from .helpers import EXAMPLE, ROOT, runner


def cli(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def rewrite(folder: Path, old: str, new: str) -> Path:
    path = folder / "deal.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `needle`."""
    lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return lines[nth - 1]


def problems(path: Path) -> list[str]:
    with pytest.raises(DealdocsError) as info:
        load_deal(path)
    return [str(p) for p in info.value.problems]


# --- values the YAML loader used to crash on -------------------------------------------


@pytest.mark.parametrize(("written", "reason"), [("2003-02-30", "day is out of range"), ("2003-13-01", "month must be in 1..12")])
def test_impossible_calendar_date_is_a_message(deal_dir: Path, written: str, reason: str) -> None:
    path = rewrite(deal_dir, "report_date: 2003-01-09", f"report_date: {written}")
    code, output = cli("validate", path)
    assert code == 2
    assert f"deal.yaml:{line_of(path, 'report_date:')} [term_sheet.report_date]" in output
    assert reason in output and f"'{written}'" in output and "YYYY-MM-DD" in output


def test_a_bad_value_and_a_typo_are_reported_together(deal_dir: Path) -> None:
    """All problems at once: an impossible date found while reading does not hide a key typo found by the model."""
    rewrite(deal_dir, "report_date: 2003-01-09", "report_date: 2003-02-30")
    path = rewrite(deal_dir, "cut_off_date:", "cutoff_date:")
    found = problems(path)
    assert len(found) == 2, found
    assert f"deal.yaml:{line_of(path, 'report_date:')} [term_sheet.report_date]" in found[0]
    assert f"deal.yaml:{line_of(path, 'cutoff_date:')} [term_sheet.cutoff_date]" in found[1] and "did you mean `cut_off_date`" in found[1]


def test_integer_of_5000_digits_is_a_message(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "ltv_cap_step: 5", "ltv_cap_step: " + "9" * 5000)
    code, output = cli("validate", path)
    assert code == 2
    assert f"deal.yaml:{line_of(path, 'ltv_cap_step:')} [term_sheet.pool.ltv_cap_step]" in output
    assert "5000 digits" in output and "Traceback" not in output


def test_1000_deep_flow_sequence_is_a_message(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "ltv_cap_step: 5", "ltv_cap_step: " + "[" * 1000 + "]" * 1000)
    code, output = cli("validate", path)
    assert code == 2
    (problem,) = [line for line in output.splitlines() if ": error: " in line]  # one message, whichever reader refuses first
    assert f"deal.yaml:{line_of(path, 'ltv_cap_step:')}" in problem and "Traceback" not in output


def test_alias_bomb_is_a_message(deal_dir: Path) -> None:
    bomb = "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]\n" for i in range(1, 9))
    path = deal_dir / "deal.yaml"
    path.write_text("x0: &x0 [a, b, c, d, e, f, g, h, i, j]\n" + bomb + path.read_text())
    (problem,) = problems(path)
    assert "aliases repeat more than" in problem and "deal.yaml:" in problem


def test_alias_loop_is_a_message(deal_dir: Path) -> None:
    path = deal_dir / "deal.yaml"
    path.write_text("loop: &a [1, *a]\n" + path.read_text())
    (problem,) = problems(path)
    assert "deal.yaml:1 [loop.1]" in problem and "loop" in problem


# --- paths that are no deal file ---------------------------------------------------------


def test_symlink_loop_as_deal_file_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    code, output = cli("validate", tmp_path / "a.yaml")
    assert code == 2 and "loop of symbolic links" in output


def test_symlink_loop_as_tape_is_a_message(deal_dir: Path) -> None:
    (deal_dir / "a.csv").symlink_to(deal_dir / "b.csv")
    (deal_dir / "b.csv").symlink_to(deal_dir / "a.csv")
    path = rewrite(deal_dir, "tape: loans.csv", "tape: a.csv")
    code, output = cli("validate", path)
    assert code == 2 and "loop of symbolic links" in output
    assert f"deal.yaml:{line_of(path, 'tape: a.csv')} [term_sheet.pool.tape]" in output
    code, output = cli("validate", EXAMPLE / "deal.yaml", "--tape", deal_dir / "a.csv")
    assert code == 2 and "loop of symbolic links" in output and "[--tape]" in output


def test_nul_byte_in_the_path_is_a_message(deal_dir: Path) -> None:
    with pytest.raises(DealdocsError, match="NUL byte"):
        load_deal(f"{deal_dir}/de\0al.yaml")


def _no_hang(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "generator.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def test_named_pipe_as_deal_file_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "deal.yaml"
    os.mkfifo(fifo)
    result = _no_hang("validate", fifo)  # reading it would wait for a writer for ever
    assert result.returncode == 2 and "not a regular file" in result.stderr and "named pipe" in result.stderr


def test_named_pipe_as_tape_is_refused(deal_dir: Path) -> None:
    os.mkfifo(deal_dir / "pipe.csv")
    path = rewrite(deal_dir, "tape: loans.csv", "tape: pipe.csv")
    code, output = cli("validate", path)
    assert code == 2 and "not a regular file: it is a named pipe" in output
    assert f"deal.yaml:{line_of(path, 'tape: pipe.csv')} [term_sheet.pool.tape]" in output
    code, output = cli("validate", EXAMPLE / "deal.yaml", "--tape", deal_dir / "pipe.csv")
    assert code == 2 and "not a regular file: it is a named pipe" in output


@pytest.mark.parametrize(("given", "reason"), [(".", "it is a folder"), ("/dev/null", "it is a character device")])
def test_folder_or_device_as_deal_file_is_refused(tmp_path: Path, given: str, reason: str) -> None:
    code, output = cli("validate", tmp_path if given == "." else given)
    assert code == 2 and f"not a regular file: {reason}" in output


def test_folder_as_tape_is_refused(deal_dir: Path) -> None:
    (deal_dir / "tapes").mkdir()
    code, output = cli("validate", rewrite(deal_dir, "tape: loans.csv", "tape: tapes"))
    assert code == 2 and "not a regular file: it is a folder" in output


def test_unreadable_deal_file_is_a_message(deal_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> int:  # root reads any file: stand in for a file without read permission
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(deal_module.os, "open", refuse)
    with pytest.raises(DealdocsError, match="permission denied"):
        load_deal(deal_dir / "deal.yaml")


# --- big files: parsed once, lines found in O(depth), problems capped ----------------------


def test_deal_file_is_parsed_once(deal_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def second_parse(*_: object, **__: object) -> None:
        raise AssertionError("the deal file is parsed a second time")

    monkeypatch.setattr(yaml, "safe_load", second_parse)
    monkeypatch.setattr(yaml, "compose", second_parse)
    assert load_deal(deal_dir / "deal.yaml").deal.series.name == "2003-1"
    if yaml.__with_libyaml__:
        assert issubclass(deal_module._Loader, yaml.CSafeLoader)


def test_many_unknown_keys_are_capped_and_looked_up_once_each_shown(deal_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = "".join(f"    unknown_{i}: {i}\n" for i in range(500))
    path = rewrite(deal_dir, "    discount_threshold: 5.500\n", "    discount_threshold: 5.500\n" + unknown)
    lookups = []
    real = deal_module._line_of
    monkeypatch.setattr(deal_module, "_line_of", lambda *a: lookups.append(a) or real(*a))
    with pytest.raises(DealdocsError) as info:
        load_deal(path)
    assert info.value.total == 500 and len(info.value.problems) == 50
    assert len(lookups) <= 50  # only the problems listed are placed, each by a look-up in the key index
    assert str(info.value.problems[-1]).startswith(f"{path}:{line_of(path, 'unknown_49:')} [term_sheet.pool.unknown_49]")
    code, output = cli("validate", path)
    assert code == 2 and "500 problems" in output and "... and 450 more" in output


def test_line_lookup_uses_the_key_index(deal_dir: Path) -> None:
    unknown = "".join(f"    unknown_{i}: {i}\n" for i in range(2000))
    path = rewrite(deal_dir, "    discount_threshold: 5.500\n", "    discount_threshold: 5.500\n" + unknown)
    _data, root, keys = deal_module.parse_yaml_with_keys(path)
    pool = keys[id(root)]["term_sheet"][1]
    pool_node = keys[id(pool)]["pool"][1]
    pool_node.value = _Unscannable(pool_node.value)  # a look-up must not walk the mapping's 2,000 keys
    assert deal_module._line_of(root, ("term_sheet", "pool", "unknown_1999"), keys) == line_of(path, "unknown_1999:")


class _Unscannable(list):
    def __iter__(self):
        raise AssertionError("the mapping was scanned key by key")


# --- keys -----------------------------------------------------------------------------------


def test_duplicate_key_is_an_error_at_the_duplicate_naming_the_first(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "    city: St. Louis\n", "    city: St. Louis\n    city: Saint Louis\n")
    (problem,) = problems(path)
    first, second = line_of(path, "city: St. Louis"), line_of(path, "city: Saint Louis")
    assert problem.startswith(f"{path}:{second} [depositor.address.city]")
    assert f"duplicate key `city`: it is already set at line {first}" in problem


def test_key_typo_is_one_message_at_its_line(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "cut_off_date:", "cutoff_date:")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'cutoff_date:')} [term_sheet.cutoff_date]")
    assert "unknown key `cutoff_date`: did you mean `cut_off_date`?" in problem


def test_unknown_key_near_a_present_field_suggests_it(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "    discount_threshold: 5.500\n", "    discount_threshold: 5.500\n    discount_treshold: 5.5\n")
    (problem,) = problems(path)
    assert f":{line_of(path, 'discount_treshold')} [term_sheet.pool.discount_treshold]" in problem
    assert "did you mean `discount_threshold`?" in problem


def test_unknown_key_in_a_table_suggests_its_field(deal_dir: Path) -> None:
    table = (
        "      tables:\n        - id: x\n          title: [X]\n          header: [X]\n"
        "          field: state\n          rule: {kind: states}\n          new_pgae: true\n"
    )
    path = rewrite(deal_dir, "      defaults: true\n", "      defaults: true\n" + table)
    (problem,) = problems(path)
    assert f":{line_of(path, 'new_pgae')} [term_sheet.pool.tables.tables.0.new_pgae]" in problem
    assert "did you mean `new_page`?" in problem


# --- dates and text --------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["01/09/2003", "9 Jan 2003", "0", "20030109", "'2003-1-9'"])
def test_date_in_another_format_says_how_to_write_it(deal_dir: Path, written: str) -> None:
    path = rewrite(deal_dir, "report_date: 2003-01-09", f"report_date: {written}")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'report_date:')} [term_sheet.report_date]")
    assert "not a date: write it as YYYY-MM-DD" in problem


def test_quoted_iso_date_is_still_a_date(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "report_date: 2003-01-09", "report_date: '2003-01-09'")
    assert str(load_deal(path).deal.term_sheet.report_date) == "2003-01-09"


CONTROLS = [c for c in range(0x20) if c != 0x0A] + list(range(0x7F, 0xA0))


@pytest.mark.parametrize("code", [0x0B, 0x00, 0x09, 0x1B, 0x85])
def test_control_character_in_a_name_is_an_error_at_its_line(deal_dir: Path, code: int) -> None:
    path = rewrite(deal_dir, "  name: Howard Darmstadter", f'  name: "Howard\\x{code:02x}Darmstadter"')
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'Darmstadter')} [term_sheet.signatory.name]")
    assert f"control character (U+{code:04X})" in problem


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    code=st.sampled_from(CONTROLS),
    where=st.sampled_from(["depositor.name", "term_sheet.pool.columns.loan_number", "term_sheet.pool.codes.property_type", "term_sheet.pool.tables.drop"]),
)
def test_every_control_character_in_any_string_is_refused(code: int, where: str) -> None:
    data = yaml.safe_load((EXAMPLE / "deal.yaml").read_text())
    *parents, last = where.split(".")
    target = data
    for key in parents:
        target = target[key]
    if last == "property_type":
        target[last] = {f"S{chr(code)}FD": "detached"}  # a mapping's key
    elif last == "drop":
        target[last] = [f"size{chr(code)}"]  # a list's item
    else:
        target[last] = f"A{chr(code)}B"
    with pytest.raises(Exception) as info:
        Deal.model_validate(data)
    assert f"U+{code:04X}" in str(info.value)


# --- tables: validate finds what only render found ---------------------------------------------

BANDS = """      tables:
        - id: extra
          title: [EXTRA]
          header: [Extra]
          field: {field}
          rule:
            kind: bands
            edges: {edges}
            first_label: '{first}'
            label: '{{{{ lo | fixed(3) }}}} - {{{{ hi | fixed(3) }}}}'
            last_label: '{{{{ lo | fixed(3) }}}} and above'
"""


def _bands(deal_dir: Path, field: str = "effective_ltv", edges: str = "[65, 80]", first: str = "{{ hi | fixed(2) }} and below") -> Path:
    return rewrite(deal_dir, "      defaults: true\n", "      defaults: true\n" + BANDS.format(field=field, edges=edges, first=first))


TABLE_CASES = {
    "bands on a category field": (dict(field="property_type"), "field: property_type", "field", "bands need a numeric field"),
    "edges finer than the field": (dict(edges="[65.0001, 80]"), "edges:", "rule.edges", "at most 3 decimals"),
    "edges of 10^33": (dict(edges="[65, 1000000000000000000000000000000000]"), "edges:", "rule.edges", "band edge too large"),
    "label syntax error": (dict(first="{{ hi | fixed(2) } and below"), "first_label:", "rule.first_label", "label template failed"),
    "undefined name": (dict(first="{{ high | fixed(2) }} and below"), "first_label:", "rule.first_label", "`high` is undefined"),
    "division by zero": (dict(first="{{ hi / 0 }}"), "first_label:", "rule.first_label", "division by zero"),
    "lo in the first label": (dict(first="{{ lo | fixed(2) }}"), "first_label:", "rule.first_label", "`lo` has no value here"),
}


@pytest.mark.parametrize("case", TABLE_CASES)
def test_validate_finds_a_table_that_cannot_render(deal_dir: Path, case: str) -> None:
    change, needle, key, reason = TABLE_CASES[case]
    path = _bands(deal_dir, **change)
    code, output = cli("validate", path)
    assert code == 2, output
    assert f"deal.yaml:{line_of(path, needle, 1)} [term_sheet.pool.tables.tables.0.{key}]" in output, output
    assert reason in output


def test_render_places_a_table_problem_at_its_line(deal_dir: Path, tmp_path: Path) -> None:
    path = _bands(deal_dir, edges="[65, 1000000000000000000000000000000000]")
    code, output = cli("render", path, "--out", tmp_path / "out", "--format", "txt")
    assert code == 2 and "Traceback" not in output
    assert f"deal.yaml:{line_of(path, 'edges:')} [term_sheet.pool.tables.tables.0.rule.edges]" in output
    code, output = cli("strats", path, "--format", "csv")
    assert code == 2 and f"deal.yaml:{line_of(path, 'edges:')} [term_sheet.pool.tables.tables.0.rule.edges]" in output


def test_validate_finds_yearly_on_a_balance(deal_dir: Path) -> None:
    table = "      tables:\n        - id: years\n          title: [Y]\n          header: [Y]\n          field: balance\n          rule: {kind: yearly}\n"
    path = rewrite(deal_dir, "      defaults: true\n", "      defaults: true\n" + table)
    code, output = cli("validate", path)
    assert code == 2 and f"deal.yaml:{line_of(path, 'field: balance')} [term_sheet.pool.tables.tables.0.field]" in output
    assert "yearly table needs a date field" in output


def test_validate_finds_a_category_missing_from_the_table(deal_dir: Path) -> None:
    table = (
        "      tables:\n        - id: units\n          title: [U]\n          header: [U]\n          field: units\n"
        "          rule:\n            kind: categories\n            categories: [{value: 1, label: One}]\n"
    )
    path = rewrite(deal_dir, "      defaults: true\n", "      defaults: true\n" + table)
    code, output = cli("validate", path)
    assert code == 2 and f"deal.yaml:{line_of(path, 'categories: [')} [term_sheet.pool.tables.tables.0.rule.categories]" in output
    assert "fall in no category" in output and "'2, 3, 4'" in output


def test_validate_finds_an_unknown_table_dropped(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "      defaults: true\n", "      defaults: true\n      drop: [units, sizes]\n")
    code, output = cli("validate", path)
    assert code == 2 and f"deal.yaml:{line_of(path, 'drop:')} [term_sheet.pool.tables.drop.1]" in output and "'sizes'" in output


def test_validate_finds_a_missing_templates_folder(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "series:\n", "templates: my-templates\n\nseries:\n")
    code, output = cli("validate", path)
    assert code == 2 and f"deal.yaml:{line_of(path, 'templates:')} [templates]" in output and "templates folder not found" in output
    (deal_dir / "my-templates").mkdir()
    assert cli("validate", path)[0] == 0


@pytest.mark.parametrize(
    "path",
    sorted([*ROOT.glob("examples/*/deal.yaml"), *ROOT.glob("examples/*/shelf.yaml"), *ROOT.glob("examples/variants/*/*.yaml")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_shipped_examples_still_validate(path: Path) -> None:
    code, output = cli("validate", path)
    assert code == 0, output


# --- whatever the text, a message or a deal ---------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.integers(0, 3000), insert=st.text(alphabet=st.sampled_from(list("[]{}:-&*!|>'\"#\n 9x\t,?%@`\\")), max_size=8), drop=st.integers(0, 4))
def test_any_edit_of_the_deal_file_is_a_deal_or_a_message(tmp_path_factory: pytest.TempPathFactory, at: int, insert: str, drop: int) -> None:
    text = (EXAMPLE / "deal.yaml").read_text()
    at = at % len(text)
    path = tmp_path_factory.mktemp("fuzz") / "deal.yaml"
    path.write_text(text[:at] + insert + text[at + drop :])
    try:
        load_deal(path)
    except DealdocsError as exc:
        assert exc.problems and all(p.file == str(path) for p in exc.problems)


def test_symlink_loop_as_templates_folder_is_a_message(deal_dir: Path, tmp_path: Path) -> None:
    (deal_dir / "t1").symlink_to(deal_dir / "t2")
    (deal_dir / "t2").symlink_to(deal_dir / "t1")
    path = rewrite(deal_dir, "series:\n", "templates: t1\n\nseries:\n")
    code, output = cli("validate", path)
    assert code == 2 and f"deal.yaml:{line_of(path, 'templates:')} [templates]" in output
    code, output = cli("render", path, "--out", tmp_path / "out", "--format", "txt")
    assert code == 2 and "templates folder not found" in output


def test_control_character_in_an_unknown_key_is_printed_escaped(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "  short_name: CMSI\n", '  short_name: CMSI\n  "na\\x0bme": x\n')
    (problem,) = problems(path)
    assert "[depositor.na\\x0bme]" in problem and "unknown key `na\\x0bme`" in problem and "\x0b" not in problem.split(" (value")[0]


# --- line breaks, encodings, and the data built from the node tree ---------------------------


def test_line_break_in_a_one_line_text_is_an_error_at_its_line(deal_dir: Path) -> None:
    path = rewrite(deal_dir, "  originator: CitiMortgage, Inc.", '  originator: "CitiMortgage,\\nInc."')
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'originator:')} [term_sheet.originator]")
    assert "a line break in a one-line text" in problem


def test_a_table_footnote_may_run_over_several_lines(deal_dir: Path) -> None:
    table = (
        "      tables:\n        - id: years\n          title: [YEARS]\n          header: [Year]\n"
        "          field: origination_date\n          rule: {kind: yearly}\n"
        '          footnote: "first line\\nsecond line"\n'
    )
    path = rewrite(deal_dir, "      defaults: true\n", "      defaults: true\n" + table)
    code, output = cli("validate", path)
    assert code == 0, output


def test_deal_file_not_utf8_names_the_line(deal_dir: Path) -> None:
    path = deal_dir / "deal.yaml"
    path.write_bytes(path.read_bytes().replace(b"  originator: CitiMortgage", b"  originator: Citi\xffMortgage"))
    line = next(n for n, text in enumerate(path.read_bytes().splitlines(), 1) if b"\xff" in text)
    code, output = cli("validate", path)
    assert code == 2 and f"deal.yaml:{line}: error: not UTF-8 text (byte 0xff)" in output


@pytest.mark.parametrize("path", sorted([*ROOT.glob("examples/**/*.yaml"), ROOT / "templates" / "strat-tables.yaml"]), ids=lambda p: str(p.relative_to(ROOT)))
def test_data_built_from_the_node_tree_is_what_safe_load_reads(path: Path) -> None:
    """The same data, but a number with a decimal point is the Decimal written (safe_load's float is that text, in these files)."""
    data, _, _ = deal_module.parse_yaml_with_keys(path)
    assert data == _decimals(yaml.safe_load(path.read_text(encoding="utf-8")))


def _decimals(data: object) -> object:
    """YAML data with each float as the Decimal of its shortest text: 5.5 as Decimal('5.5')."""
    if isinstance(data, dict):
        return {key: _decimals(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_decimals(value) for value in data]
    return Decimal(repr(data)) if isinstance(data, float) else data


def test_a_decimal_is_read_as_written_however_many_digits(tmp_path: Path) -> None:
    """17 significant digits and more, which a binary float would round (2.25 and 99999999999999.98), are kept as written."""
    path = tmp_path / "values.yaml"
    path.write_text("a: 2.2500000000000001\nb: 99999999999999.99\nc: 1_000.5\nd: -0.125\ne: .inf\nf: 6.250\n")
    data, _, _ = deal_module.parse_yaml_with_keys(path)
    assert data == {"a": Decimal("2.2500000000000001"), "b": Decimal("99999999999999.99"), "c": Decimal("1000.5"), "d": Decimal("-0.125"),
                    "e": float("inf"), "f": Decimal("6.250")}  # fmt: skip
    assert str(data["f"]) == "6.250"


def test_a_problem_inside_a_categories_rule_names_the_categories_key(tmp_path: Path) -> None:
    """pydantic calls the tagged union's branch `categories` too: only that tag is dropped, the YAML's own key stays."""
    folder = tmp_path / "deal"
    shutil.copytree(ROOT / "examples" / "prime-jumbo-2024-1", folder)
    deal = folder / "deal.yaml"
    text = deal.read_text()
    assert "label: Second Home" in text
    deal.write_text(text.replace("label: Second Home", "label: ''", 1))
    with pytest.raises(DealdocsError) as raised:
        load_deal(deal)
    (problem,) = raised.value.problems
    assert problem.column is not None and problem.column.endswith("rule.categories.1.label"), problem.column
    assert problem.line == text[: text.index("label: Second Home")].count("\n") + 1
