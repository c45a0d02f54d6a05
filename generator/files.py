"""Writing outputs so that a crash, a kill, a full disk or a concurrent run never leaves a half-written or mixed folder.

- `write_atomic` writes one file: a temporary file beside it, flushed to disk, renamed into place.
- `publication(folder)` writes a set of files together: each is staged in a hidden folder inside
  `folder` (the same file system), and only when all are on disk are they moved into place, the
  manifest last; if anything fails, the staging folder is removed and `folder` is as it was.
  While it runs it holds a lock on `folder` (`flock` on the folder itself, so no lock file is
  left behind), so concurrent runs into one folder take turns instead of mixing their files.

Every failure to write is an `OutputError` (a `DealdocsError`) naming the file and the reason, never a traceback.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from generator.errors import OutputError, Problem

STAGING_PREFIX = ".dealdocs-staging-"
LOCK_TIMEOUT = 600.0  # seconds a run waits for another run writing into the same folder
_HINTS = {
    errno.ENOSPC: "free some space on that disk or write somewhere else (--out)",
    errno.EDQUOT: "free some space within your quota or write somewhere else (--out)",
    errno.EROFS: "that file system is read-only: write somewhere else (--out)",
    errno.EACCES: "you may not write there: fix the folder's permissions or write somewhere else (--out)",
    errno.EPERM: "you may not write there: fix the folder's permissions or write somewhere else (--out)",
}


def write_problem(path: Path, exc: OSError, unchanged: Path | None = None) -> OutputError:
    """A failed write as the user's problem: which file, why, what to do (and what was left untouched)."""
    reason = exc.strerror or str(exc)
    hint = _HINTS.get(exc.errno or 0, "check the folder and try again")
    kept = f"; nothing in {unchanged} was changed" if unchanged is not None else ""
    return OutputError([Problem(str(path), None, None, None, f"cannot write: {reason}; {hint}{kept}")])


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise write_problem(path, exc) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # as open() would have made it, not mkstemp's 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_problem(path, exc) from None
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _sha256(data: bytes) -> str:
    """The hex SHA-256 of the bytes written, for the manifest."""
    return hashlib.sha256(data).hexdigest()


# --- one folder's files, published together -----------------------------------------------------


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold `folder`'s lock: other runs (processes or threads) wait for it, up to LOCK_TIMEOUT seconds."""
    deadline, told = time.monotonic() + LOCK_TIMEOUT, False
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise write_problem(folder, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                message = (
                    f"another dealdocs run is writing to this folder and has not finished in {LOCK_TIMEOUT:g} s; "
                    "wait for it to finish, or write somewhere else (--out)"
                )
                raise OutputError([Problem(str(folder), None, None, None, message)]) from None
            if not told:
                print(f"dealdocs: waiting for another run writing to {folder}", file=sys.stderr, flush=True)
                told = True
            time.sleep(0.05)
            continue
        except OSError as exc:  # a file system without locks
            os.close(fd)
            raise write_problem(folder, exc) from None
        if _same_folder(fd, folder):
            break
        os.close(fd)  # the run before removed the folder (its deal failed in a folder it had made): lock the new one
    try:
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _same_folder(fd: int, folder: Path) -> bool:
    try:
        now, held = os.stat(folder), os.fstat(fd)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


class Publication:
    """Files staged for one folder; `commit` moves them all into place, the manifest last."""

    MANIFEST = "manifest.json"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hashes: dict[str, str] = {}  # file name -> SHA-256 of the bytes written, in the order added
        self._stage: Path | None = None

    def add(self, name: str, data: bytes | str) -> Path:
        """Stage one file (flushed to disk); returns where it will be once published."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        target = self.folder / name
        try:
            if self._stage is None:
                self._stage = Path(tempfile.mkdtemp(dir=self.folder, prefix=STAGING_PREFIX))
            staged = self._stage / f"{name}.tmp"
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise write_problem(target, exc, self.folder) from None
        self.hashes[name] = _sha256(payload)
        return target

    def commit(self) -> None:
        """Move every staged file into the folder, the manifest last: a folder with a manifest is complete."""
        if self._stage is None:
            return
        names = sorted(self.hashes, key=lambda n: n == self.MANIFEST)  # the manifest, written last, marks a complete folder
        target = self.folder
        try:
            if self.MANIFEST in self.hashes:
                target = self.folder / self.MANIFEST
                target.unlink(missing_ok=True)  # until the new one is in, the folder is not complete
            for name in names:
                target = self.folder / name
                os.replace(self._stage / f"{name}.tmp", target)
            _fsync_folder(self.folder)
        except OSError as exc:
            raise write_problem(target, exc) from None
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove what was staged and not committed: a failed run leaves the folder as it was."""
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None


_open = threading.local()  # the publications this thread has open, by folder


@contextmanager
def publication(folder: Path) -> Iterator[Publication]:
    """Lock `folder`, stage what is added, publish it all when the block ends (nothing if it raises).

    A publication opened inside another for the same folder (in the same thread) joins it: its
    files are published with the outer one's, e.g. a batch's documents with their manifest.
    """
    key = Path(os.path.abspath(folder))
    opened: dict[Path, Publication] = _open.__dict__.setdefault("by_folder", {})
    if key in opened:
        yield opened[key]
        return
    created = not folder.exists()
    with folder_lock(folder):
        _clear_leftovers(folder)
        current = opened[key] = Publication(folder)
        try:
            yield current
            current.commit()
        except BaseException:
            current.discard()
            if created:  # a deal that failed leaves no empty folder behind
                with suppress(OSError):
                    folder.rmdir()
            raise
        finally:
            current.discard()
            del opened[key]


def publish(folder: Path, files: Sequence[tuple[str, bytes | str]]) -> list[Path]:
    """Write `files` (name, content) into `folder` all together or not at all; returns their paths."""
    with publication(folder) as current:
        return [current.add(name, data) for name, data in files]


def _clear_leftovers(folder: Path) -> None:
    """Staging folders of runs that were killed (we hold the folder's lock: nobody else is using them)."""
    try:
        for leftover in folder.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    except OSError:
        pass  # leftovers are harmless: they are hidden and never published


def _fsync_folder(folder: Path) -> None:
    """The renames themselves on disk (where the file system allows a folder to be flushed)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
