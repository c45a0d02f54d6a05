"""Budgets that hold: hostile templates and table labels end in a message, within the time and memory budget.

Each case runs the real command in a child process and reads that child's own peak resident
memory (`os.wait4`): with `DEALDOCS_RENDER_MEGABYTES=1024` it must stay under the budget plus
512 MB, the exit status must be 2 and the message must name the template (a label: its line
in the deal file). The child also gets a hard cap on its memory and CPU time so that, run
against code without these bounds, a case fails instead of taking the machine with it.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.edgar import TABLE_WIDTH
from generator.errors import TemplateProblemError

from .helpers import PRIME, ROOT, SHELF

TEXT = "exhibit-5-1-shelf.txt.j2"
BUDGET_MB = 1024
PEAK_MB = BUDGET_MB + 512
SECONDS = 2

GROWING = "{% set ns = namespace(l=[]) %}{% for i in range(10000) %}{% set ns.l = ns.l + [('x' * 999999).replace('x', 'y')] %}{% endfor %}"
"""A million fresh characters a step, each step within every size bound: only the memory budget (or the time) stops it."""
TRIPLE_LOOP = "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}{% endfor %}{% endfor %}{% endfor %}"
FOR_25 = "{% for i in [1] %}" * 25 + "x" + "{% endfor %}" * 25
IF_120 = "{% if true %}" * 120 + "x" + "{% endif %}" * 120
PLUS_300 = "{{ " + " + ".join(["1"] * 300) + " }}"
PLUS_3000 = "{{ " + " + ".join(["1"] * 3000) + " }}"
BRACKETS_1000 = "{{ " + "(" * 1000 + "1" + ")" * 1000 + " }}"
FILTERS_3000 = "{{ 1" + " | abs" * 3000 + " }}"

HOSTILE_TEMPLATES = {
    # one allocation far past the budget, from parts that are each small
    "replace-by-a-long-string": "{{ ('x' * 8000).replace('x', 'y' * 999999) | length }}",
    "join-method-long-separator": "{{ ('x' * 999999).join(['a'] * 5000) | length }}",
    "join-filter-long-separator": "{{ (range(10000) | list) | join('x' * 999999) | length }}",
    "indent-every-line": "{{ ('x\\n' * 500000) | indent(10000) | length }}",
    "indent-keyword": "{{ ('x\\n' * 500000) | indent(width=10000) | length }}",
    "indent-by-a-long-text": "{{ ('x\\n' * 500000) | indent('    ' * 1000) | length }}",
    # a list holding one list twice, sixty times over: 2**60 numbers to check unless each list is read once
    "argument-list-sharing-itself": "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ 1 | truncate(ns.l) }}",
    # the EDGAR layout filters' numbers
    "row-width-of-3-billion": "{{ ['a', 'b'] | row([3000000000]) }}",
    "row-width-past-the-line": "{{ ['a', 'b'] | row([62, 9000]) }}",
    "at-column-past-the-line": "{{ ('word ' * 100000) | at(10000) }}",
    "para-indent-past-the-line": "{{ ('word ' * 100000) | para(10000) }}",
    "hang-indent-past-the-line": "{{ ('word ' * 100000) | hang('1.', 0, 9999) }}",
    "center-width-past-the-line": "{{ ('word ' * 100000) | center(5000) }}",
    "wrap-width-negative": "{{ 'word' | wrap(-5) }}",
    # memory that grows step by step
    "growing-list-of-strings": GROWING + "{{ ns.l | length }}",
    # nesting Python cannot compile
    "25-nested-for": FOR_25,
    "120-nested-if": IF_120,
    "300-term-sum": PLUS_300,
    "3000-term-sum": PLUS_3000,
    "1000-nested-brackets": BRACKETS_1000,
    "3000-chained-filters": FILTERS_3000,
}

HOSTILE_LABELS = {
    "replace-by-a-long-string": "{{ ('x' * 8000).replace('x', 'y' * 999999) | length }}",
    "growing-list-of-strings": GROWING + "{{ lo }}",
    "25-nested-for": FOR_25,
    "120-nested-if": IF_120,
    "300-term-sum": PLUS_300,
    "1000-nested-brackets": BRACKETS_1000,
}

NOTE_RATE_LABEL = "                 label: '{{ lo | fixed(3) }} - {{ hi | fixed(3) }}'}\n"
"""The mortgage-rate table's band label in the prime-jumbo deal file: printed on every row of that table."""


def _caps() -> None:
    """In the child: at most 4 GB of private memory and 60 s of CPU, whatever the code under test does."""
    resource.setrlimit(resource.RLIMIT_DATA, (4 * 2**30, 4 * 2**30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def dealdocs(*args: str | Path, megabytes: int = BUDGET_MB, seconds: int = SECONDS) -> tuple[int, str, int]:
    """Run `dealdocs` in a child process: its exit status, what it printed, and its own peak resident memory in MB."""
    env = {**os.environ, "DEALDOCS_RENDER_MEGABYTES": str(megabytes), "DEALDOCS_RENDER_SECONDS": str(seconds)}
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "generator.cli", *map(str, args)], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, preexec_fn=_caps
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return child.returncode, out.read().decode(errors="replace"), usage.ru_maxrss // 1024


def _template_folder(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / TEXT).write_text(source)
    return folder


def _with_label(tmp_path: Path, label: str) -> tuple[Path, int]:
    """A copy of the prime-jumbo example whose mortgage-rate table has `label` as its band label, and the label's line."""
    folder = tmp_path / "deal"
    shutil.copytree(PRIME.parent, folder)
    deal = folder / "deal.yaml"
    text = deal.read_text()
    assert text.count(NOTE_RATE_LABEL) == 1
    deal.write_text(text.replace(NOTE_RATE_LABEL, f"                 label: {json.dumps(label)}}}\n"))
    return deal, text[: text.index(NOTE_RATE_LABEL)].count("\n") + 1


def _refused(code: int, output: str, peak: int) -> None:
    assert code == 2, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert "MemoryError" not in output, output  # named as the budget it is, not as Python's exception
    assert peak < PEAK_MB, f"peak {peak} MB: {output}"


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_hostile_template_ends_in_a_message_within_the_budget(name: str, tmp_path: Path) -> None:
    folder = _template_folder(tmp_path, "line one\nline two\n" + HOSTILE_TEMPLATES[name])
    seconds = SECONDS if name == "growing-list-of-strings" else 60  # the others must be refused by a bound, however busy the machine
    code, output, peak = dealdocs("render", SHELF, "--out", tmp_path / "out", "--format", "txt", "--templates", folder, seconds=seconds)
    _refused(code, output, peak)
    assert f"{TEXT}:3" in output, output  # the template and the line of the hostile expression
    if name != "growing-list-of-strings":
        assert "DEALDOCS_RENDER_SECONDS" not in output, output  # refused at once, not after the clock ran out
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", sorted(HOSTILE_LABELS))
def test_hostile_label_ends_in_a_message_at_its_line_within_the_budget(name: str, tmp_path: Path) -> None:
    deal, line = _with_label(tmp_path, HOSTILE_LABELS[name])
    code, output, peak = dealdocs("validate", deal, seconds=SECONDS if name == "growing-list-of-strings" else 60)  # as above
    _refused(code, output, peak)
    assert f"deal.yaml:{line} [term_sheet.pool.tables.tables.1.rule.label]" in output, output


@pytest.mark.parametrize("command", ["validate", "strats", "render"])
def test_a_label_that_loops_stops_at_the_time_budget(command: str, tmp_path: Path) -> None:
    deal, line = _with_label(tmp_path, TRIPLE_LOOP + "{{ lo }}")
    out = ["--out", tmp_path / "out"] if command != "validate" else []
    code, output, peak = dealdocs(command, deal, *out)
    _refused(code, output, peak)
    assert "DEALDOCS_RENDER_SECONDS" in output and f"deal.yaml:{line} [term_sheet.pool.tables.tables.1.rule.label]" in output, output


def test_memory_past_the_budget_names_the_budget(tmp_path: Path) -> None:
    """Growth that no size bound refuses is stopped by the operating system's limit (not the clock), reported as the budget."""
    folder = _template_folder(tmp_path, GROWING)
    code, output, peak = dealdocs("render", SHELF, "--out", tmp_path / "out", "--templates", folder, megabytes=256, seconds=60)
    _refused(code, output, peak)
    assert "DEALDOCS_RENDER_MEGABYTES" in output and f"{TEXT}:1" in output, output
    assert peak < 256 + 512, output


def test_the_memory_limit_is_lifted_after_the_template() -> None:
    """Outside a template the process may use memory as before: the tape and the outputs are not limited."""
    from generator.templating.sandbox import budget

    before = resource.getrlimit(resource.RLIMIT_DATA)
    with budget("a test"):
        inside = resource.getrlimit(resource.RLIMIT_DATA)
        with budget("a nested one"):  # the outer budget holds
            assert resource.getrlimit(resource.RLIMIT_DATA) == inside
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
    assert inside[0] != resource.RLIM_INFINITY and inside[0] < 2**63


def test_a_lower_limit_of_the_users_own_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ulimit -d` below the budget stays the limit inside a template: the budget never raises it."""
    from generator.templating.sandbox import budget

    monkeypatch.setenv("DEALDOCS_RENDER_MEGABYTES", str(64 * 1024))
    before = resource.getrlimit(resource.RLIMIT_DATA)
    own = 32 * 2**30
    resource.setrlimit(resource.RLIMIT_DATA, (own, before[1]))
    try:
        with budget("a test"):
            assert resource.getrlimit(resource.RLIMIT_DATA)[0] == own
        assert resource.getrlimit(resource.RLIMIT_DATA)[0] == own
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, before)


def test_a_label_past_the_memory_budget_in_process_leaves_no_limit_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused label leaves the process as it was: the next work may allocate freely."""
    from generator.documents.labels import heading

    before = resource.getrlimit(resource.RLIMIT_DATA)
    monkeypatch.setenv("DEALDOCS_RENDER_MEGABYTES", "64")
    with pytest.raises(Exception, match="DEALDOCS_RENDER_MEGABYTES"):
        heading([GROWING + "{{ scope }}"], "Pool")
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
    assert len(bytearray(300 * 2**20)) == 300 * 2**20


@pytest.mark.parametrize(("fmt", "template"), [("htm", "exhibit-5-1-shelf.htm.j2"), ("pdf", "exhibit-5-1-shelf.html.j2")])
@pytest.mark.parametrize("name", ["replace-by-a-long-string", "growing-list-of-strings", "25-nested-for"])
def test_html_templates_hold_the_same_budget(fmt: str, template: str, name: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / template).write_text("<p>one</p>\n<p>two</p>\n" + HOSTILE_TEMPLATES[name])
    code, output, peak = dealdocs("render", SHELF, "--out", tmp_path / "out", "--format", fmt, "--templates", folder)
    _refused(code, output, peak)
    assert f"{template}:3" in output, output


@settings(max_examples=40, deadline=None)
@given(
    number=st.one_of(st.integers(max_value=-1), st.integers(min_value=TABLE_WIDTH + 1)),
    call=st.sampled_from(["'x' | center({n})", "'x' | right({n})", "'x' | at({n})", "'x' | wrap({n})", "['a', 'b'] | row([10, {n}])", "'x' | para({n})"]),
)
def test_layout_filters_refuse_every_number_outside_the_line(number: int, call: str) -> None:
    """Whatever the number, a width, column or indent outside 0-132 is refused before any layout is built."""
    from generator import edgar
    from generator.templating.environment import environment
    from generator.templating.running import guarded

    env = environment(filters=edgar.TEXT_FILTERS)
    template = env.from_string("{{ " + call.format(n=number) + " }}")
    with pytest.raises(TemplateProblemError) as refused:
        guarded(env, "t.txt.j2", template.render)
    assert str(number) in refused.value.problems[0].message


@pytest.mark.parametrize("name", ["replace-by-a-long-string", "25-nested-for", "300-term-sum"])
def test_word_templates_hold_the_same_budget(name: str, tmp_path: Path) -> None:
    from docx import Document as WordDocument

    folder = tmp_path / "templates"
    folder.mkdir()
    template = WordDocument(str(ROOT / "templates" / "exhibit-5-1-shelf.docx"))
    template.add_paragraph(HOSTILE_TEMPLATES[name])
    template.save(str(folder / "exhibit-5-1-shelf.docx"))
    # a generous time budget: what must stop these is the size and nesting bounds, however busy the machine
    code, output, peak = dealdocs("render", SHELF, "--out", tmp_path / "out", "--format", "docx", "--templates", folder, seconds=60)
    _refused(code, output, peak)
    assert "exhibit-5-1-shelf.docx" in output and "DEALDOCS_RENDER_SECONDS" not in output, output


def test_the_code_reporting_a_refusal_is_not_refused_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a busy machine, placing a label's problem at its key can take longer than one timer tick: the budget, already
    spent, does not interrupt it (it did, and the problem landed at the table's key instead of the label's)."""
    import time

    from generator.templating.sandbox import GRACE, BudgetExceeded, budget

    monkeypatch.setenv("DEALDOCS_RENDER_SECONDS", "0.1")
    reported = False
    with budget("work"):
        try:
            while True:
                pass
        except BudgetExceeded:
            until = time.monotonic() + GRACE / 2  # the report: several ticks long
            while time.monotonic() < until:
                pass
            reported = True
    assert reported
