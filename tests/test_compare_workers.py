"""The comparison's worker process: its result, or its exception, comes back as if the work ran here."""

from __future__ import annotations

import gc
import os

import pytest

from generator.compare.workers import started
from generator.errors import DealdocsError, Problem
from generator.formats.pdf import gc_paused


def test_a_worker_hands_back_its_result_from_another_process() -> None:
    here = os.getpid()
    result = started(lambda: (os.getpid(), b"%PDF" * 1000))
    pid, data = result()
    assert data == b"%PDF" * 1000
    assert pid != here or len(os.sched_getaffinity(0)) < 2  # in a worker when a second CPU is there


def test_a_workers_error_is_raised_with_its_problems() -> None:
    def fails() -> bytes:
        raise DealdocsError([Problem("new/letter.htm", 3, None, "logo.jpg", "refused")])

    with pytest.raises(DealdocsError) as raised:
        started(fails)()
    assert [(p.file, p.line, p.message) for p in raised.value.problems] == [("new/letter.htm", 3, "refused")]


def test_an_error_pickle_cannot_carry_comes_back_as_its_text() -> None:
    class Local(Exception):  # a class defined in a function cannot be pickled
        pass

    def fails() -> bytes:
        raise Local("refused to fetch x")

    with pytest.raises((RuntimeError, Local), match="refused to fetch x"):
        started(fails)()


def test_the_collector_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
