"""How heavy work runs: each part that does not need the others in a worker process of its own, as many as there are CPUs; the cycle collector paused.

A render sets a document's PDF beside its other formats; a comparison renders its drafts and
lays out each blackline beside one another. Work started when every CPU has a worker already
waits until its result is asked for, and then gets a worker if one has finished (so no CPU is
shared by two). Only when and where the work is done changes, never its result: the files are
the same bytes, the user's problems the same problems, and a bug's traceback the one it gives
without a worker (the work is done again here).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar, cast

from generator.errors import DealdocsError

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
        """Fork the worker that runs the work, if a CPU is free for it.

        Its temporary files (WeasyPrint's copies of the fonts) go to a folder of their own,
        removed here: a worker ends without a normal exit's clean-up.
        """
        work = self._work
        if work is None or not _spare_cpu():
            return
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._scratch = tempfile.mkdtemp(prefix="dealdocs-")

        def run() -> None:
            tempfile.tempdir = self._scratch
            try:
                outcome: tuple[bool, object] = (True, work())
            except DealdocsError as exc:  # the user's problems, raised in the parent as found
                outcome = (False, exc)
            except BaseException:  # a bug: the parent does the work again, for its traceback
                outcome = (False, None)
            sender.send(outcome)
            sender.close()

        self._process = context.Process(target=run, daemon=True)
        self._process.start()
        _BUSY.add(self._process)
        sender.close()

    def __call__(self) -> T:
        """The work's result (waiting for its worker), or the user's problems it found, raised here.

        Work that found every CPU taken when started gets a worker now if one is free (this
        process then holds none of its objects), else runs here; so does work whose worker
        failed otherwise, or died.
        """
        work = self._work
        assert work is not None, "cancelled work has no result"
        if self._process is None:
            self._start()
        if self._process is None:
            return work()
        try:
            ok, value = self._receiver.recv()
        except EOFError:
            ok, value = False, None
        self._finish()
        if ok:
            return cast("T", value)
        if isinstance(value, DealdocsError):
            raise value
        return work()

    def cancel(self) -> None:
        """Stop the work: its result is not needed after all."""
        self._work = None
        if self._process is not None:
            self._process.kill()
            self._finish()

    def _finish(self) -> None:
        assert self._process is not None
        self._process.join()
        self._receiver.close()
        shutil.rmtree(self._scratch, ignore_errors=True)
        _BUSY.discard(self._process)
        self._process = None


def started(work: Callable[[], T]) -> Started[T]:
    """Start `work` in a forked worker process when a CPU is there to run it; call the handle returned for its result.

    The worker gets a copy of this process (nothing is pickled on the way in), so `work` may be a
    closure; its result, or the user's problems it found (a `DealdocsError`), comes back pickled. With a worker on every
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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the block.

    Its full passes over the many objects of WeasyPrint's layout cost about a third of a long
    document's layout (the prime jumbo render: 5.3 s with it, 4.4 s without, same bytes), and
    over the classes and models of a command's imports a fifth of a small tape's `strats`; the
    cycles left are freed once it is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
