"""How a comparison's heavy work runs: the cycle collector paused, and a blackline laid out in a worker process beside the rest.

Both change only when and where the work is done, never its result: the files are the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")


def started(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work` in a forked worker process when a second CPU is there to run it; the function returned waits for its result.

    The worker gets a copy of this process (nothing is pickled on the way in), so `work` may be a
    closure; its result, or the exception it raised, comes back pickled. With one CPU, or where
    processes cannot be forked, `work` runs when its result is asked for.
    """
    if _cpus() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return work
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

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

    process = context.Process(target=run, daemon=True)
    process.start()
    sender.close()

    def result() -> T:
        try:
            ok, value = receiver.recv()
        except EOFError:
            process.join()
            raise RuntimeError(f"a comparison worker process ended without a result (exit code {process.exitcode})") from None
        process.join()
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return cast("T", value)

    return result


def _cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
