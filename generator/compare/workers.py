"""How a comparison's heavy work runs: each part that does not need the others in a worker process of its own, as many as there are CPUs.

The drafts' own renders (a deal file's DOCX, EDGAR HTML and text) and each blackline's layout
run beside one another on a machine with more than one CPU; work started when every CPU has a
worker already waits until its result is asked for, and then gets a worker if one has finished
(so no CPU is shared by two). Only when and where the work is done changes, never its result:
the files are the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")

_BUSY: set[multiprocessing.process.BaseProcess] = set()
"""The workers started and not yet finished with (their result read, or cancelled)."""


class Started(Generic[T]):
    """Work started in a worker process (or, without one, waiting to run here): call it for its result, or cancel it unread."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work: Callable[[], T] | None = work
        self._process: multiprocessing.process.BaseProcess | None = None
        self._start()

    def _start(self) -> None:
        """Fork the worker that runs the work, if a CPU is free for it."""
        work = self._work
        if work is None or not _spare_cpu():
            return
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)

        def run() -> None:
            try:
                outcome: tuple[bool, object] = (True, work())
            except BaseException as exc:  # handed to the parent, which raises it
                outcome = (False, exc)
            try:
                sender.send(outcome)
            except Exception as exc:  # an exception pickle cannot carry: its text, at least
                sender.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]} ({exc})")))
            sender.close()

        self._process = context.Process(target=run, daemon=True)
        self._process.start()
        _BUSY.add(self._process)
        sender.close()
        self._work = None

    def __call__(self) -> T:
        """The work's result (waiting for its worker), or the exception it raised, raised here.

        Work that found every CPU taken when started gets a worker now if one is free (this
        process then holds none of its objects), else runs here.
        """
        if self._process is None:
            self._start()
        if self._process is None:
            assert self._work is not None, "cancelled work has no result"
            return self._work()
        try:
            ok, value = self._receiver.recv()
        except EOFError:
            self._finish()
            raise RuntimeError(f"a comparison worker process ended without a result (exit code {self._process.exitcode})") from None
        self._finish()
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return cast("T", value)

    def cancel(self) -> None:
        """Stop the work: its result is not needed after all."""
        self._work = None
        if self._process is not None:
            self._process.kill()
            self._finish()
            self._receiver.close()

    def _finish(self) -> None:
        assert self._process is not None
        self._process.join()
        _BUSY.discard(self._process)


def started(work: Callable[[], T]) -> Started[T]:
    """Start `work` in a forked worker process when a CPU is there to run it; call the handle returned for its result.

    The worker gets a copy of this process (nothing is pickled on the way in), so `work` may be a
    closure; its result, or the exception it raised, comes back pickled. With a worker on every
    CPU already, it waits until its result is asked for; with one CPU, or where processes cannot
    be forked, `work` runs in this process then.
    """
    return Started(work)


def _spare_cpu() -> bool:
    """Whether a worker would have a CPU of its own: more than one CPU, fewer workers than CPUs, and processes can be forked."""
    cpus = _cpus()
    return cpus >= 2 and len(_BUSY) < cpus and "fork" in multiprocessing.get_all_start_methods()


def _cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
