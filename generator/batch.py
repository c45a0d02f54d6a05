"""Rendering many deals at once: worker processes, one failure never stops the others, a manifest per deal."""

from __future__ import annotations

import glob
import multiprocessing
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .resources import templates_dir

DEAL_SUFFIXES = {".yaml", ".yml"}


@dataclass(frozen=True)
class DealResult:
    deal: str
    path: str
    documents: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def _is_deal_file(path: Path) -> bool:
    """A YAML file whose top level names a depositor: folders hold other YAML too (table sets, configs)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True  # let rendering report it: a broken deal file must not vanish from the batch
    return isinstance(data, dict) and "depositor" in data


def discover(paths: Sequence[str]) -> list[Path]:
    """Deal files named directly, found under folders, or matched by globs; each once, in a stable order."""
    found: list[Path] = []
    for spec in paths:
        matches = [Path(m) for m in sorted(glob.glob(spec, recursive=True))] if glob.has_magic(spec) else [Path(spec)]
        for match in matches:
            if match.is_dir():
                found += [p for p in sorted(match.rglob("*")) if p.suffix in DEAL_SUFFIXES and _is_deal_file(p)]
            else:
                found.append(match)
    return list(dict.fromkeys(p.resolve() for p in found))


def deal_names(paths: Sequence[Path]) -> dict[Path, str]:
    """Each deal's output folder name: its folder's name, or folder-stem where two deals share a folder."""
    folders = [p.parent.name for p in paths]
    return {p: p.parent.name if folders.count(p.parent.name) == 1 else f"{p.parent.name}-{p.stem}" for p in paths}


def render_one(path: Path, folder: Path, formats: Sequence[str], templates: Path | None) -> DealResult:
    """One deal into `folder`, its manifest written last; a user error becomes the result's error, never a crash."""
    from .analysis import tape_path
    from .deal import load_deal
    from .manifest import write_manifest
    from .problems import DealdocsError
    from .render import render_deal, template_dirs

    start = time.perf_counter()
    for stale in folder.glob(".*.tmp"):  # left by a run that was killed mid-write
        stale.unlink(missing_ok=True)
    try:
        loaded = load_deal(path)
        written = render_deal(loaded, folder, None, formats, templates)
        inputs = [loaded.path, *(t for d in template_dirs(loaded, templates) + [templates_dir()] for t in d.rglob("*") if t.is_file())]
        if loaded.deal.term_sheet:
            inputs.append(tape_path(loaded))
        options = {"formats": list(formats), "templates": str(templates) if templates else None}
        write_manifest(folder, inputs, [p for p, _ in written], options)
        documents = sorted({r.name for _, r in written})
        return DealResult(folder.name, str(path), documents, None, time.perf_counter() - start)
    except DealdocsError as exc:
        first = str(exc.problems[0]) if exc.problems else "failed"
        return DealResult(folder.name, str(path), [], first, time.perf_counter() - start)


class BatchInterrupted(Exception):
    """Ctrl-C: deals in progress finish (their files are whole), the rest are not started."""

    def __init__(self, results: list[DealResult]) -> None:
        super().__init__("interrupted")
        self.results = results


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops handing out deals."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_batch(
    paths: Sequence[Path],
    out: Path,
    formats: Sequence[str],
    jobs: int,
    fail_fast: bool = False,
    templates: Path | None = None,
    on_result: Callable[[DealResult], None] = lambda _: None,
) -> list[DealResult]:
    """Render deals in `jobs` worker processes (spawned: polars and forking do not mix)."""
    names = deal_names(paths)
    results: list[DealResult] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context, initializer=_ignore_interrupts) as pool:
        pending = {pool.submit(render_one, p, out / names[p], tuple(formats), templates): p for p in paths}
        try:
            _collect(pending, names, results, fail_fast, on_result)
        except KeyboardInterrupt:
            for future in pending:
                future.cancel()
            raise BatchInterrupted(results) from None
    order = {p: i for i, p in enumerate(paths)}
    return sorted(results, key=lambda r: order[Path(r.path)])


def _collect(pending: dict, names: dict[Path, str], results: list[DealResult], fail_fast: bool, on_result: Callable[[DealResult], None]) -> None:
    """Results as workers finish them; with fail_fast, nothing more after the first failure."""
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            path = pending.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # a bug or a dead worker: report it against the deal, keep going
                result = DealResult(names[path], str(path), [], f"internal error: {exc!r}")
            results.append(result)
            on_result(result)
            if fail_fast and not result.ok:
                for rest in pending:
                    rest.cancel()
                pending.clear()
                return
