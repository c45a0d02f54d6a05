"""Fuzzing through the CLI: mutated tapes and deal files never give a traceback or a hang.

Every example runs `validate` (and for deal files `render`) in-process and asserts exit 0
or 2, no traceback and no internal error; a cell made invalid must be reported at its line
and column. The default is a short, reproducible run; set DEALDOCS_FUZZ_EXAMPLES (e.g. 2000)
for a long one with fresh random examples.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import app

from .helpers import EXAMPLE, runner

DEAL_TEXT = (EXAMPLE / "deal.yaml").read_text()
TAPE_BYTES = (EXAMPLE / "loans.csv").read_bytes()
TAPE_ROWS = list(csv.reader(io.StringIO(TAPE_BYTES.decode())))
HEADER, ROWS = TAPE_ROWS[0], TAPE_ROWS[1:]
LONG = int(os.environ.get("DEALDOCS_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=LONG or 25,
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values no column but the loan number may hold: each must be reported at its row and column.
INVALID = [
    "abc", "NaN", "nan", "inf", "-inf", "1e400", "1" + "0" * 400, "\uff11\uff12\uff13", "\u0661\u0662\u0663",
    "12\x003", "\x07", "12\x0b3", "\U0001f642", "--5", "5..0", "0x1F", "1_000", "\u00a0", "12 34",
]  # fmt: skip
VALUE_COLUMNS = [h for h in HEADER if h != "LOAN_NO"]


@contextmanager
def _no_hang(seconds: int = 120) -> Iterator[None]:
    """A hang is a failure, not a stuck CI run: nothing here should take more than a few seconds."""

    def stuck(_signum: int, _frame: Any) -> None:
        raise AssertionError(f"no answer within {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(*args: str) -> tuple[int, str]:
    with _no_hang():
        result = runner.invoke(app, list(args))
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.exit_code in (0, 2), (result.exit_code, output)
    return result.exit_code, output


def _write_tape(folder: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *rows])
    path = folder / "loans.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz")
    (path / "deal.yaml").write_text(DEAL_TEXT)
    return path


@FUZZ
@given(
    row=st.integers(0, len(ROWS) - 1),
    column=st.sampled_from(VALUE_COLUMNS),
    value=st.sampled_from(INVALID)
    | st.text(st.characters(blacklist_categories=["Nd", "Zs", "Cs"]), min_size=1, max_size=6).filter(lambda s: s.strip() and not s.strip().isascii()),
)
def test_an_invalid_cell_is_reported_at_its_row_and_column(folder: Path, row: int, column: str, value: str) -> None:
    rows = [list(r) for r in ROWS]
    rows[row][HEADER.index(column)] = value
    _write_tape(folder, rows)
    code, output = _run("validate", str(folder / "deal.yaml"))
    assert code == 2, f"{column}={value!r} on line {row + 2} was accepted:\n{output}"
    assert re.search(rf"loans\.csv:{row + 2}\b", output) and column in output, output


PAIRS = [(c, v) for c in VALUE_COLUMNS for v in INVALID]


@pytest.mark.parametrize("start", range(0, len(PAIRS), 40))
def test_every_invalid_value_in_every_column_is_reported(folder: Path, start: int) -> None:
    """Forty (column, invalid value) pairs a tape, each on its own row: every one is reported where it is.

    (Forty, because the CLI lists the first 50 errors.)
    """
    rows = [list(r) for r in ROWS]
    planted = {}
    for n, (column, value) in enumerate(PAIRS[start:start + 40]):
        rows[n][HEADER.index(column)] = value
        planted[n + 2] = (column, value)
    _write_tape(folder, rows)
    code, output = _run("validate", str(folder / "deal.yaml"))
    assert code == 2
    missed = {line: cell for line, cell in planted.items() if not re.search(rf"loans\.csv:{line} \[{cell[0]}\]", output)}
    assert not missed, f"accepted or reported elsewhere: {missed}"


@FUZZ
@given(row=st.integers(0, len(ROWS) - 1), column=st.sampled_from(HEADER), value=st.text(max_size=12))
def test_any_cell_gives_a_message_or_passes(folder: Path, row: int, column: str, value: str) -> None:
    rows = [list(r) for r in ROWS]
    rows[row][HEADER.index(column)] = value
    _write_tape(folder, rows)
    _run("validate", str(folder / "deal.yaml"))


def _mutate_bytes(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, at, byte in edits:
        at %= max(len(out), 1)
        if kind == 0:
            out[at:at + 1] = bytes([byte])
        elif kind == 1:
            out[at:at] = bytes([byte])
        else:
            del out[at:at + 1]
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, len(TAPE_BYTES)), st.integers(0, 255)), min_size=1, max_size=8)


@FUZZ
@given(edits=EDITS, cut=st.none() | st.integers(0, len(TAPE_BYTES)), encoding=st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-8-sig"]))
def test_corrupted_tape_bytes_give_a_message(folder: Path, edits: list[tuple[int, int, int]], cut: int | None, encoding: str) -> None:
    data = TAPE_BYTES.decode().encode(encoding) if encoding != "utf-8" else TAPE_BYTES
    data = _mutate_bytes(data, edits)[:cut]
    (folder / "loans.csv").write_bytes(data)
    _run("validate", str(folder / "deal.yaml"))


@FUZZ
@given(
    suffix=st.sampled_from([".parquet", ".xlsx", ".csv"]),
    content=st.sampled_from(["csv", "random", "empty", "pdf", "zip"]),
    seed=st.binary(min_size=0, max_size=64),
)
def test_a_file_that_is_not_its_format_is_refused(folder: Path, suffix: str, content: str, seed: bytes) -> None:
    data = {
        "csv": TAPE_BYTES, "random": seed * 50, "empty": b"", "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + seed,
        "zip": b"PK\x03\x04" + seed,
    }[content]  # fmt: skip
    if content == "csv" and suffix == ".csv":
        return
    tape = folder / f"tape{suffix}"
    tape.write_bytes(data)
    code, output = _run("validate", str(folder / "deal.yaml"), "--tape", str(tape))
    assert code == 2, output


# --- deal files -------------------------------------------------------------------------

DEAL = yaml.safe_load(DEAL_TEXT)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*at, i))


PATHS = [p for p in _paths(DEAL) if p]
BIG = "<a 5,000-digit integer>"
NASTY = st.sampled_from([
    None, "", " ", BIG, -1, 0, 2**64, 1.5, float("nan"), float("inf"), True, [], {}, "2003-02-30", "2003-13-01",
    "01/09/2003", "x\x0by", "\x00", "a" * 10_000, [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]], {"unknown": 1}, "../../../../etc/passwd",
    "/", "{{ 1/0 }}", "{% include '/etc/passwd' %}", "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale & <Co> \"quoted\"",
])  # fmt: skip


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    import copy

    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


_DELETE = object()


@FUZZ
@given(path=st.sampled_from(PATHS), value=NASTY | st.just(_DELETE))
def test_a_mutated_deal_file_gives_a_message_or_renders(folder: Path, path: tuple[Any, ...], value: Any) -> None:
    (folder / "loans.csv").write_bytes(TAPE_BYTES)
    data = _set(DEAL, path, value)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).replace(repr(BIG)[1:-1], "9" * 5000)
    (folder / "deal.yaml").write_text(text)
    code, output = _run("validate", str(folder / "deal.yaml"))
    if code == 2:
        assert re.search(r"deal\.yaml(:\d+)?|loans\.csv", output), output
    code, output = _run("render", str(folder / "deal.yaml"), "--out", str(folder / "out"), "--format", "txt")
    if code == 2:
        assert re.search(r"deal\.yaml(:\d+)?|loans\.csv|\.j2", output), output


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 2), st.integers(0, len(DEAL_TEXT)), st.integers(0, 255)), min_size=1, max_size=6))
def test_corrupted_deal_file_bytes_give_a_message(folder: Path, edits: list[tuple[int, int, int]]) -> None:
    (folder / "loans.csv").write_bytes(TAPE_BYTES)
    (folder / "deal.yaml").write_bytes(_mutate_bytes(DEAL_TEXT.encode(), edits))
    _run("validate", str(folder / "deal.yaml"))
    _run("render", str(folder / "deal.yaml"), "--out", str(folder / "out"), "--format", "txt")


@pytest.mark.parametrize("depth", [50, 1000, 100_000])
def test_deeply_nested_deal_file(tmp_path: Path, depth: int) -> None:
    deal = tmp_path / "deal.yaml"
    deal.write_text(DEAL_TEXT + "extra: " + "[" * depth + "]" * depth + "\n")
    code, output = _run("validate", str(deal))
    assert code == 2, output
