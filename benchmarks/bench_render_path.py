"""`dealdocs render`'s critical path in CPU seconds: what an idle machine's wall time would be, measured on a busy one.

    PYTHONPATH=<checkout> python benchmarks/bench_render_path.py DEAL.yaml --out DIR -f txt,docx,pdf

Runs `render` in this process with the given checkout's code and prints its CPU time: with the
PDF set in a forked process, the parent's CPU up to the fork, the forked process's, the parent's
meanwhile and after it ended; the critical path is the first two and the last (on two idle cores
the parent's work meanwhile runs beside it). CPU time counts every thread (polars' too), so the
part before the fork is an upper bound. Interpreter shutdown is not counted (`/usr/bin/time`
shows it: 0.2-0.5 s).
"""

from __future__ import annotations

import resource
import sys
import time
from multiprocessing.process import BaseProcess
from typing import Any

marks: dict[str, float] = {}


def main() -> None:
    start, join = BaseProcess.start, BaseProcess.join

    def timed_start(self: BaseProcess) -> None:
        marks.setdefault("fork", time.process_time())
        start(self)

    def timed_join(self: BaseProcess, *args: Any) -> None:
        join(self, *args)
        marks["join"] = time.process_time()

    BaseProcess.start, BaseProcess.join = timed_start, timed_join  # type: ignore[method-assign,assignment]
    from generator.cli import main as dealdocs

    sys.argv = ["dealdocs", "render", *sys.argv[1:]]
    try:
        dealdocs()
    except SystemExit as exc:
        if exc.code:
            raise
    end = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    forked = children.ru_utime + children.ru_stime
    if "fork" not in marks:
        print(f"one process: {end:.2f} s CPU (its subprocesses {forked:.2f} s)", file=sys.stderr)
        return
    path = marks["fork"] + forked + (end - marks["join"])
    print(
        f"parent to the fork {marks['fork']:.2f} s, forked {forked:.2f} s, parent meanwhile {marks['join'] - marks['fork']:.2f} s, "
        f"after {end - marks['join']:.2f} s: critical path {path:.2f} s CPU, total {end + forked:.2f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
