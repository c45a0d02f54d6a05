"""Rendering many deals at once: worker processes, one failure never stops the others, a manifest per deal."""

from __future__ import annotations

import glob
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from generator.errors import DealdocsError, OutputError, Problem

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DEAL_SUFFIXES = {".yaml", ".yml"}


@dataclass(frozen=True)
class DealResult:
    """What became of one deal of a batch: its documents, or the error that stopped it, and how long it took."""

    deal: str
    path: str
    documents: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    up_to_date: bool = False  # its folder already held what this run would write: nothing was written
    warnings: list[str] = field(default_factory=list)  # files of other runs in its folder: removed, kept as stale, left mixed by a kill

    @property
    def ok(self) -> bool:
        """Whether the deal rendered (or was already up to date)."""
        return self.error is None

    @property
    def status(self) -> str:
        """'ok', 'up to date' or 'failed', as the summary table prints it."""
        return "failed" if self.error is not None else "up to date" if self.up_to_date else "ok"


def _is_deal_file(path: Path) -> bool:
    """A YAML file whose top level names a depositor: folders hold other YAML too (table sets, configs)."""
    try:  # plain strings only: a bad value (an impossible date) is the deal's to report, not discovery's
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except Exception:  # unreadable, not UTF-8, not YAML: let rendering report it, a broken deal must not vanish
        return True
    return isinstance(data, dict) and "depositor" in data


def discover(paths: Sequence[str]) -> list[Path]:
    """The deal files to render: named directly, found under folders, or matched by globs; each once, in a stable order.

    Under a folder, only YAML files whose top level names a depositor are deals (folders hold
    other YAML too); a file that cannot be read is kept, so that rendering reports it.

    Args:
        paths: Deal files, folders or globs.

    Returns:
        The deal files, resolved.
    """
    found: list[Path] = []
    for spec in paths:
        matches = [Path(m) for m in sorted(glob.glob(spec, recursive=True))] if glob.has_magic(spec) else [Path(spec)]
        for match in matches:
            if match.is_dir():
                found += [p for p in sorted(match.rglob("*")) if p.suffix in DEAL_SUFFIXES and p.is_file() and _is_deal_file(p)]
            else:
                found.append(match)
    return list(dict.fromkeys(p.resolve() for p in found))


def deal_names(paths: Sequence[Path]) -> dict[Path, str]:
    """Each deal's output folder name, unique within the batch and the same for the same set of deals.

    A deal's folder's name (then the file's stem where a folder holds several deals); where deals
    would share a name, their parent folders' names are put in front until they differ:
    `a/x/deal.yaml` and `b/x/deal.yaml` go to `a-x/` and `b-x/`.

    Args:
        paths: The batch's deal files.

    Returns:
        Each deal file's folder name.

    Raises:
        DealdocsError: Deals that no folder names can tell apart, before anything is rendered.
    """
    folders = {p: [part for part in p.parent.parts if part != p.anchor] for p in paths}
    stems = {p: [p.stem] if sum(q.parent == p.parent for q in paths) > 1 or not folders[p] else [] for p in paths}
    depth = dict.fromkeys(paths, 1)
    while True:
        names = {p: "-".join(folders[p][-depth[p]:] + stems[p]) if folders[p] else stems[p][0] for p in paths}
        groups: dict[str, list[Path]] = {}
        for p in paths:
            groups.setdefault(names[p], []).append(p)
        clashes = {name: group for name, group in groups.items() if len(group) > 1}
        if not clashes:
            return names
        for name, group in sorted(clashes.items()):
            deeper = [p for p in group if depth[p] < len(folders[p])]
            if not deeper:
                message = f"these deals would go to the same output folder {name!r}: {', '.join(map(str, group))}; rename a deal's folder"
                raise OutputError([Problem(str(p), None, None, None, message) for p in group])
            for p in deeper:
                depth[p] += 1


def render_one(path: Path, folder: Path, formats: Sequence[str], templates: Path | None, force: bool = False, key: bytes | None = None) -> DealResult:
    """One deal into `folder`, its documents and manifest published together: what a batch worker runs.

    Outputs of an earlier run that this one does not write (a format left out now) follow `publish_deal`'s rule, so
    the folder holds what its manifest lists and nothing of the earlier inputs.

    A user error becomes the result's error, never a crash, so one bad deal does not stop a
    batch. Skipped ("up to date") when the folder's manifest matches the current inputs and options
    and its outputs (re-hashed) and, with `key`, is signed by it.

    Args:
        path: The deal file.
        folder: Its output folder.
        formats: Which of `FORMATS` to write.
        templates: A folder of templates that override the built-in ones by name.
        force: Render even when the folder is up to date.
        key: The raw Ed25519 key (`signing.raw`) to sign the manifest with; a manifest it did not sign is not up to date.

    Returns:
        The deal's result: its documents, or its first problem as `error`.
    """
    from generator.deal.loading import load_deal
    from generator.files import publication
    from generator.output.manifest import input_entries, options_of, up_to_date
    from generator.output.rendering import publish_deal

    start = time.perf_counter()
    try:
        signing = None if key is None else _from_raw(key)
        loaded = load_deal(path)
        options = options_of(folder, list(formats), templates)
        with publication(folder) as held:  # the folder is ours until the manifest is in
            inputs = input_entries(folder, loaded, templates)
            public = None if signing is None else signing.public_key()
            if not force and not held.found and up_to_date(folder, inputs, options, public):  # a journal left behind: render again
                return DealResult(folder.name, str(path), _documents(folder), None, time.perf_counter() - start, up_to_date=True)
            published = publish_deal(loaded, folder, None, formats, templates, inputs, signing)  # joins this publication: the manifest last
        documents = sorted({r.name for _, r in published.written})
        return DealResult(folder.name, str(path), documents, None, time.perf_counter() - start, warnings=[str(n) for n in published.notes])
    except DealdocsError as exc:
        first = str(exc.problems[0]) if exc.problems else "failed"
        return DealResult(folder.name, str(path), [], first, time.perf_counter() - start)
    except OSError as exc:  # the file system, not dealdocs: say which file and why
        where = exc.filename or path
        return DealResult(folder.name, str(path), [], f"{where}: error: {exc.strerror or exc}", time.perf_counter() - start)


def _from_raw(key: bytes) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(key)


def _documents(folder: Path) -> list[str]:
    from generator.output.manifest import read_manifest

    return sorted({Path(o["path"]).stem for o in read_manifest(folder)["outputs"]})


class BatchInterrupted(Exception):
    """Ctrl-C: deals in progress finish (their files are whole), the rest are not started."""

    def __init__(self, results: list[DealResult], not_started: int = 0, stopped: int = 0) -> None:
        super().__init__("interrupted")
        self.results = results
        self.not_started = not_started  # never handed to a worker
        self.stopped = stopped  # in progress when a second Ctrl-C stopped them


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_init(parent: int) -> None:
    """In each worker: leave Ctrl-C to the parent (which stops handing out deals), and die with the parent.

    The kernel kills a worker whose parent dies (Linux); a watch on the parent's pid does elsewhere.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)


def _die_with_parent() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        status: int = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # ctypes calls are untyped
        return status == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def run_batch(
    paths: Sequence[Path],
    out: Path,
    formats: Sequence[str],
    jobs: int,
    fail_fast: bool = False,
    templates: Path | None = None,
    on_result: Callable[[DealResult], None] = lambda _: None,
    force: bool = False,
    key: bytes | None = None,
) -> list[DealResult]:
    """Render many deals in `jobs` worker processes (spawned: polars and forking do not mix), each into `out/<name>/`.

    Deals are handed out one at a time as workers free up, so after Ctrl-C (or a failure with
    `fail_fast`) the deals in progress finish and are reported, and the rest are not started.

    Args:
        paths: The deal files, e.g. from `discover`.
        out: The output folder; each deal gets the sub-folder `deal_names` gives it.
        formats: Which of `FORMATS` to write.
        jobs: Worker processes.
        fail_fast: Start no more deals after one fails.
        templates: A folder of templates that override the built-in ones by name.
        on_result: Called with each deal's result as it finishes (progress).
        force: Render deals whose folder is up to date too.
        key: The raw Ed25519 key (`signing.raw`) each deal's manifest is signed with.

    Returns:
        Every deal's result, in the order of `paths`.

    Raises:
        DealdocsError: Two deals would share an output folder.
        BatchInterrupted: Ctrl-C; it carries the results of the deals that finished.
    """
    names = deal_names(paths)
    order = {p: i for i, p in enumerate(paths)}
    queue: list[Path] = list(paths)
    results: list[DealResult] = []
    running: dict[Future[DealResult], Path] = {}
    jobs = max(1, jobs)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        try:
            while queue or running:
                while queue and len(running) < jobs:
                    path = queue.pop(0)
                    running[pool.submit(render_one, path, out / names[path], tuple(formats), templates, force, key)] = path
                stop = _collect(running, names, results, on_result)
                if fail_fast and stop:
                    queue.clear()
        except KeyboardInterrupt:
            not_started, stopped = len(queue), 0
            queue.clear()
            try:
                while running:  # the deals in progress finish: their files are whole and they are reported
                    _collect(running, names, results, lambda _: None)
            except KeyboardInterrupt:  # a second Ctrl-C: stop them too (what they staged is never published)
                stopped = len(running)
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    process.kill()
            raise BatchInterrupted(sorted(results, key=lambda r: order[Path(r.path)]), not_started, stopped) from None
    return sorted(results, key=lambda r: order[Path(r.path)])


def _collect(running: dict[Future[DealResult], Path], names: dict[Path, str], results: list[DealResult], on_result: Callable[[DealResult], None]) -> bool:
    """The results of the deals that finish next; whether one of them failed."""
    done, _ = wait(running, return_when=FIRST_COMPLETED)
    failed = False
    for future in sorted(done, key=lambda f: str(running[f])):
        path = running.pop(future)
        try:
            result = future.result()
        except Exception as exc:  # a bug or a dead worker: report it against the deal, keep going
            result = DealResult(names[path], str(path), [], f"internal error: {exc!r}")
        results.append(result)
        failed = failed or not result.ok
        on_result(result)
    return failed
