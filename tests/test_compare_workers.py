"""The comparison's worker processes: a result, or an exception, comes back as if the work ran here, and the files are the same bytes."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from generator.errors import DealdocsError, Problem
from generator.processes import gc_paused, started

from .helpers import TAKEDOWN


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


def test_a_workers_error_reads_as_it_did_there() -> None:
    """Pickled back as made: the message lists the problems once each, not the joined text as one problem."""
    error = DealdocsError([Problem("new/letter.htm", 3, None, "logo.jpg", "refused")], 4)

    def fails() -> bytes:
        raise error

    with pytest.raises(DealdocsError) as raised:
        started(fails)()
    assert (str(raised.value), raised.value.total) == (str(error), 4)


def test_a_workers_temporary_files_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = started(lambda: Path(tempfile.mkdtemp()).is_dir())  # as WeasyPrint copies its fonts
    assert made()
    assert not list(tmp_path.iterdir())


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


def test_cancelled_work_leaves_no_process() -> None:
    import multiprocessing
    import time

    work = started(lambda: time.sleep(60))
    work.cancel()
    assert not multiprocessing.active_children()


def test_a_comparison_in_worker_processes_gives_the_bytes_of_one_in_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drafts' renders and the blackline run in workers beside one another, or (one CPU) here one after the other: the same files."""
    from generator import processes
    from generator.api import compare

    text = TAKEDOWN.read_text(encoding="utf-8")
    assert "Eleven Madison Avenue" in text
    (tmp_path / "new.yaml").write_text(text.replace("Eleven Madison Avenue", "Twelve Madison Avenue"), encoding="utf-8")
    beside = compare(TAKEDOWN, tmp_path / "new.yaml", revision_tags=True)
    monkeypatch.setattr(processes, "_cpus", lambda: 1)
    here = compare(TAKEDOWN, tmp_path / "new.yaml", revision_tags=True)
    [document] = beside.documents
    assert sorted(document.outputs) == [f"{document.name}.{suffix}" for suffix in ("blackline.pdf", "htm", "redline.docx", "txt")]
    assert [d.outputs for d in here.documents] == [document.outputs]
    assert (here.notes, here.only_old, here.only_new) == (beside.notes, beside.only_old, beside.only_new)


def test_work_waits_for_a_free_cpu_and_then_gets_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from generator import processes

    monkeypatch.setattr(processes, "_cpus", lambda: 2)

    def busy() -> float:
        time.sleep(0.5)
        return time.time()

    first, second = started(busy), started(busy)
    third = started(lambda: (os.getpid(), time.time()))  # both CPUs have a worker: it waits
    ended = first()
    pid, began = third()
    second()
    assert began >= ended and pid != os.getpid()
