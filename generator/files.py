"""Writing outputs so that a crash, a kill, a full disk or a concurrent run never leaves a half-written or mixed folder.

- `write_atomic` writes one file: a temporary file beside it, flushed to disk, renamed into place.
- `publication(folder)` writes a set of files together: each is staged in a hidden folder inside
  `folder` (the same file system), and only when all are on disk are they moved into place, the
  manifest last; if anything fails, the staging folder is removed and `folder` is as it was.
  While it runs it holds a lock on `folder` (`flock` on the folder itself, so no lock file is
  left behind), so concurrent runs into one folder take turns instead of mixing their files.
- The moves themselves are journalled: before the first one, `dealdocs-incomplete.json` lists
  every file with the hash it had and the hash it will have, and the old files are kept (hard
  links) in the staging folder. A move that fails (a file that cannot be replaced) puts the old
  ones back; a kill leaves the journal, which `unfinished` reads: `verify` and the next run
  report which files are new and which old, and the next run replaces the journal with its own.

Every failure to write is an `OutputError` (a `DealdocsError`) naming the file and the reason, never a traceback.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from generator.errors import OutputError, Problem

STAGING_PREFIX = ".dealdocs-staging-"
JOURNAL = "dealdocs-incomplete.json"  # there only while files are moved into place, or after a run was killed doing so
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


def file_sha256(path: Path) -> str | None:
    """The hex SHA-256 of a file now (of a link, its target's name), None when there is none (a folder in its place is an error)."""
    if not os.path.lexists(path):
        return None
    if path.is_symlink():  # replaced as a link is, never followed
        return hashlib.sha256(b"symlink:" + os.fsencode(os.readlink(path))).hexdigest()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


@dataclass(frozen=True)
class Unfinished:
    """A file of a publication that was stopped part-way (a kill): what it holds now."""

    name: str
    state: str  # "new" (the stopped run's), "old" (from before it), "removed" (by it), "other" (neither: changed since)

    def describe(self) -> str:
        """How `verify` and the next run say it."""
        return {
            "new": "written by an interrupted run",
            "old": "not yet replaced by an interrupted run",
            "removed": "removed by an interrupted run",
            "other": "changed after an interrupted run",
        }[self.state]


def unfinished(folder: Path) -> list[Unfinished]:
    """The files of a publication into `folder` stopped between its first move and its last: empty unless mixed.

    A journal left by a run stopped before its first move (every file old) or after its last
    (every file new) does not make the folder mixed; nor do files whose old and new bytes are
    the same. A journal that cannot be read counts as mixed throughout.
    """
    path = folder / JOURNAL
    if not os.path.lexists(path):
        return []
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        names = [e["path"] for e in journal["files"]]
        if not all(isinstance(n, str) and n == Path(n).name and n not in ("", ".", "..") for n in names):
            raise ValueError("a path out of the folder")  # never read, nor removed by the next run
        states = [(n, _state(folder / n, e.get("before"), e.get("after"))) for n, e in zip(names, journal["files"], strict=True)]
        mixed_before = bool(journal.get("mixed_before"))  # the run started in a folder an earlier run had left mixed
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return [Unfinished(JOURNAL, "other")]  # unreadable: the folder is reported until a run replaces the journal
    if all(s in ("same", "new", "removed") for _, s in states) or (all(s in ("same", "old") for _, s in states) and not mixed_before):
        return []
    return [Unfinished(name, state) for name, state in states if state != "same"]


def _state(path: Path, before: str | None, after: str | None) -> str:
    try:
        now = file_sha256(path)
    except OSError:
        return "other"
    if now == before == after:
        return "same"
    if now == after:
        return "removed" if after is None else "new"
    return "old" if now == before else "other"


class Publication:
    """Files staged for one folder; `commit` moves them all into place, the manifest last."""

    MANIFEST = "manifest.json"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hashes: dict[str, str] = {}  # file name -> SHA-256 of the bytes written, in the order added
        self.removals: list[str] = []  # files of other runs this one supersedes, removed when it commits
        self.found: list[Unfinished] = []  # an interrupted publication into the folder, found when this one began
        self._stage: Path | None = None

    def _staging(self) -> Path:
        if self._stage is None:
            self._stage = Path(tempfile.mkdtemp(dir=self.folder, prefix=STAGING_PREFIX))
        return self._stage

    def add(self, name: str, data: bytes | str) -> Path:
        """Stage one file (flushed to disk); returns where it will be once published."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        target = self.folder / name
        try:
            staged = self._staging() / f"{name}.tmp"
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise write_problem(target, exc, self.folder) from None
        self.hashes[name] = _sha256(payload)
        return target

    def remove(self, name: str) -> None:
        """Remove `name` from the folder with the commit (a file of another run that this one's files supersede)."""
        if name not in self.removals and name not in self.hashes:
            self.removals.append(name)

    def commit(self) -> None:
        """Move every staged file into the folder, the manifest last, and remove what this run supersedes.

        The old files are kept aside first and the moves journalled, so that a move that fails
        puts every file back as it was, and a kill leaves a journal that says which files are new.
        """
        for leftover in self.found:  # an interrupted run's files that this one does not write: not of this set
            if leftover.name != JOURNAL and os.path.lexists(self.folder / leftover.name):
                self.remove(leftover.name)
        if self._stage is None and not self.removals:
            return
        stage = self._staging()
        documents = [n for n in self.hashes if n != self.MANIFEST]
        steps = [*documents, *self.removals, *([self.MANIFEST] if self.MANIFEST in self.hashes else [])]
        before: dict[str, str | None] = {}
        target = self.folder
        try:  # nothing in the folder changes until the old files are kept aside and the journal is on disk
            for name in [*steps, JOURNAL]:  # an interrupted run's journal too: a failed commit puts it back
                target = self.folder / name
                before[name] = _keep_aside(target, stage / f"{name}.old")
            journal = {
                "dealdocs": "files being moved into this folder, or a run stopped while moving them: see `dealdocs verify`",
                "mixed_before": bool(self.found),
                "files": [{"path": n, "before": before[n], "after": self.hashes.get(n)} for n in steps],
            }
            _write_journal(stage, target, journal)
        except OSError as exc:
            self.discard()
            raise write_problem(target, exc, self.folder) from None
        done: list[str] = []
        try:
            for name in steps:
                target = self.folder / name
                if name in self.hashes:
                    os.replace(stage / f"{name}.tmp", target)
                else:
                    os.unlink(target)
                done.append(name)
            _fsync_folder(self.folder)
            target = self.folder / JOURNAL
            os.unlink(target)
            _fsync_folder(self.folder)
        except BaseException as exc:  # Ctrl-C too: the old files go back (only a kill leaves the journal)
            restored = self._roll_back(stage, [JOURNAL, *done], before)  # the journal goes last: put back only when all else is
            if not isinstance(exc, OSError):
                raise
            if restored:
                raise write_problem(target, exc, self.folder) from None
            mixed = Problem(str(self.folder / JOURNAL), None, None, None, _LEFT_MIXED)
            raise OutputError([*write_problem(target, exc).problems, mixed]) from None
        finally:
            self.discard()

    def _roll_back(self, stage: Path, done: list[str], before: dict[str, str | None]) -> bool:
        """Put back the files (and journal) a failed commit had replaced or removed; whether the folder is as it was."""
        try:
            for name in reversed(done):
                if before[name] is None:
                    (self.folder / name).unlink(missing_ok=True)
                else:
                    os.replace(stage / f"{name}.old", self.folder / name)
            _fsync_folder(self.folder)
        except OSError:
            return False
        return True

    def discard(self) -> None:
        """Remove what was staged and not committed: a failed run leaves the folder as it was."""
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None


_LEFT_MIXED = (
    "the folder holds some new files and some old ones and could not be put back as it was; "
    "this journal lists which: fix the cause above and run again (dealdocs verify reports the folder until then)"
)


def _keep_aside(target: Path, aside: Path) -> str | None:
    """Keep the file a commit will replace or remove (a hard link, else a copy); its hash, None if there is none."""
    sha = file_sha256(target)  # a folder in the file's place fails here, before anything is moved
    if sha is not None:
        try:
            os.link(target, aside, follow_symlinks=False)
        except OSError:
            shutil.copy2(target, aside, follow_symlinks=False)
    return sha


def _write_journal(stage: Path, target: Path, journal: dict[str, object]) -> None:
    """The journal, on disk (file and folder entry) before the first move."""
    text = json.dumps(journal, indent=2) + "\n"
    staged = stage / JOURNAL
    with staged.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staged, target)
    _fsync_folder(target.parent)


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
        current.found = _interrupted(folder)
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


def _interrupted(folder: Path) -> list[Unfinished]:
    """An interrupted publication's mixed files (we hold the folder's lock); a journal of a whole folder is removed."""
    found = unfinished(folder)
    if not found:
        with suppress(OSError):
            (folder / JOURNAL).unlink(missing_ok=True)
    return found


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
