"""Writing that survives full disks, read-only folders, concurrent runs, moved folders, kills and Ctrl-C."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cli import app

from .helpers import EXAMPLE as DEAL  # the example's folder
from .helpers import ROOT, SHELF, runner


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (hidden ones too), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _tape_b(folder: Path) -> Path:
    """The example tape with one loan's balance changed: every document's figures differ."""
    tape = folder / "loans-b.csv"
    text = (DEAL / "loans.csv").read_text()
    assert "391202.74" in text
    tape.write_text(text.replace("391202.74", "391302.74"))
    return tape


def _deal_copy(folder: Path, tape_text: str | None = None) -> Path:
    """A copy of the example deal in `folder`, with its own tape (the example's, or `tape_text`)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEAL / "deal.yaml", folder / "deal.yaml")
    (folder / "loans.csv").write_text(tape_text if tape_text is not None else (DEAL / "loans.csv").read_text())
    return folder / "deal.yaml"


def _shelf_copy(folder: Path, series: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = SHELF.read_text()
    if series:
        text = text.replace("1000 Technology Drive", f"{series} Technology Drive")
    (folder / "shelf.yaml").write_text(text)
    return folder / "shelf.yaml"


def _fail_file_fsync(monkeypatch: pytest.MonkeyPatch, nth: int, code: int = errno.ENOSPC) -> None:
    """The disk fills up: from the nth regular file flushed to disk on, the flush fails as a full disk does."""
    real, count = os.fsync, [0]

    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            count[0] += 1
            if count[0] >= nth:
                raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """`folder` behaves as on a read-only mount (chmod does not stop root, so the system calls are simulated):
    creating a file or folder under it fails with EROFS; reading and existing folders work."""
    real_open, real_mkdir = os.open, os.mkdir
    root = str(folder)

    def inside(path: object) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(root)  # type: ignore[arg-type]

    def fake_open(path, flags, mode=0o777, *, dir_fd=None):
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    def fake_mkdir(path, mode=0o777, *, dir_fd=None):
        if inside(path):
            if os.path.exists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(path))
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
        return real_mkdir(path, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


# --- write errors name the path and the reason --------------------------------------------------


def test_disk_full_during_render_changes_nothing_and_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    deal = DEAL / "deal.yaml"
    assert runner.invoke(app, ["render", str(deal), "--out", str(out)]).exit_code == 0
    before = _files(out)
    assert len(before) == 4  # the three documents and their manifest
    _fail_file_fsync(monkeypatch, 3)  # the third document written hits a full disk
    result = runner.invoke(app, ["render", str(deal), "--out", str(out), "--tape", str(_tape_b(tmp_path))])
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and str(out / "term-sheet-8k.pdf") in result.output
    assert _files(out) == before  # the old txt, docx and pdf, all three, and nothing else (no staging left)


@pytest.mark.parametrize("command", ["render", "strats", "schema"])
def test_a_read_only_folder_is_a_message_naming_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    args = {
        "render": ["render", str(DEAL / "deal.yaml"), "--out", str(ro / "out"), "-f", "txt"],
        "strats": ["strats", str(DEAL / "deal.yaml"), "--format", "json", "--out", str(ro / "strats.json")],
        "schema": ["schema", "--out", str(ro / "schemas")],
    }[command]
    _read_only(monkeypatch, ro)
    result = runner.invoke(app, args)
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "Read-only file system" in result.output and str(ro) in result.output
    assert not list(ro.iterdir())


@pytest.mark.parametrize("command", ["strats", "schema"])
def test_a_full_disk_is_a_message_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    target = tmp_path / ("strats.json" if command == "strats" else "schemas")
    args = ["strats", str(DEAL / "deal.yaml"), "--format", "json", "--out", str(target)] if command == "strats" else ["schema", "--out", str(target)]
    _fail_file_fsync(monkeypatch, 1)
    result = runner.invoke(app, args)
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and str(target) in result.output


def test_a_batch_worker_reports_a_full_disk_with_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.api import render_one

    folder = tmp_path / "out" / "shelf"
    _fail_file_fsync(monkeypatch, 1)
    result = render_one(SHELF, folder, ("txt",), None)  # what a worker process runs for one deal
    assert not result.ok
    assert "No space left on device" in result.error and str(folder / "exhibit-5-1-shelf.txt") in result.error
    assert not (folder / "manifest.json").exists()


# --- manifests: corrupt, moved, hashed from the bytes written -----------------------------------


@pytest.mark.parametrize("content", ['{"dealdocs": "0.1.0", "inputs": [', "[1, 2]", '{"inputs": [{"path": 3}], "outputs": []}', "\udcff"])
def test_verify_of_a_corrupt_manifest_is_a_user_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "manifest.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    result = runner.invoke(app, ["verify", str(tmp_path)])
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert str(tmp_path / "manifest.json") in result.output and "manifest" in result.output


def test_an_output_folder_moved_with_its_deal_still_verifies(tmp_path: Path) -> None:
    project = tmp_path / "project"
    deal = _deal_copy(project / "deals" / "2003-1")
    templates = project / "deals" / "2003-1" / "mine"
    templates.mkdir()
    (templates / "exhibit-5-1-shelf.txt.j2").write_text("unused here, but recorded\n")
    with deal.open("a") as handle:
        handle.write("\ntemplates: mine\n")
    result = runner.invoke(app, ["batch", str(deal), "--out", str(project / "out"), "-f", "txt"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((project / "out" / "2003-1" / "manifest.json").read_text())
    text = json.dumps(manifest)
    assert str(tmp_path) not in text and "site-packages" not in text  # nothing tied to this machine's layout
    inputs = {e["path"]: e for e in manifest["inputs"]}
    assert {"../../deals/2003-1/deal.yaml", "../../deals/2003-1/loans.csv", "../../deals/2003-1/mine/exhibit-5-1-shelf.txt.j2"} <= set(inputs)
    assert inputs["term-sheet-8k.txt.j2"]["builtin"] is True and manifest["dealdocs"]
    shutil.move(project, tmp_path / "elsewhere")
    moved = runner.invoke(app, ["verify", str(tmp_path / "elsewhere" / "out" / "2003-1")])
    assert moved.exit_code == 0, moved.output
    (tmp_path / "elsewhere" / "deals" / "2003-1" / "mine" / "exhibit-5-1-shelf.txt.j2").write_text("edited\n")
    edited = runner.invoke(app, ["verify", str(tmp_path / "elsewhere" / "out" / "2003-1")])
    assert edited.exit_code == 1 and "input changed" in edited.output and "exhibit-5-1-shelf.txt.j2" in edited.output


def test_the_manifest_hashes_the_bytes_written_not_the_file_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.api import render_one, verify

    folder = tmp_path / "out" / "shelf"
    real_replace = os.replace

    def replace_then_tamper(src, dst, **kwargs):
        real_replace(src, dst, **kwargs)
        if Path(dst).name == "exhibit-5-1-shelf.txt":
            with open(dst, "ab") as handle:
                handle.write(b"changed by someone else\n")

    monkeypatch.setattr(os, "replace", replace_then_tamper)
    assert render_one(SHELF, folder, ("txt",), None).ok
    manifest = json.loads((folder / "manifest.json").read_text())
    written = (folder / "exhibit-5-1-shelf.txt").read_bytes().removesuffix(b"changed by someone else\n")
    assert manifest["outputs"] == [{"path": "exhibit-5-1-shelf.txt", "sha256": hashlib.sha256(written).hexdigest()}]
    assert [(c.what, Path(c.path).name) for c in verify(folder)] == [("changed", "exhibit-5-1-shelf.txt")]


# --- nothing lost, nothing mixed ----------------------------------------------------------------


def _interleave(monkeypatch: pytest.MonkeyPatch, folder: Path, pause_before: int, run_b: Callable[[], object]) -> threading.Thread:
    """Thread A (the caller) stops before its `pause_before`-th file moved into `folder` until thread B, started
    when A moves its first file there, has finished or is queued behind A's lock on the folder."""
    real_replace, real_flock = os.replace, fcntl.flock
    a_writing, b_done, moves = threading.Event(), threading.Event(), [0]

    def replace(src, dst, **kwargs):
        if threading.current_thread().name == "A" and Path(dst).parent == folder:
            moves[0] += 1
            if moves[0] == 1:
                a_writing.set()
            if moves[0] == pause_before:
                b_done.wait(120)
        return real_replace(src, dst, **kwargs)

    def flock(fd, operation):
        try:
            return real_flock(fd, operation)
        except BlockingIOError:
            if threading.current_thread().name == "B":
                b_done.set()  # B waits for A's lock: let A go on
            raise

    def b() -> None:
        a_writing.wait(120)
        try:
            run_b()
        finally:
            b_done.set()

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(fcntl, "flock", flock)
    threading.current_thread().name = "A"
    thread = threading.Thread(target=b, name="B")
    thread.start()
    return thread


def test_two_renders_into_one_folder_publish_one_tape_or_the_other_never_a_mix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.api import load_deal, render_deal

    tape_b, formats = _tape_b(tmp_path), ["txt", "docx"]
    loaded = load_deal(DEAL / "deal.yaml")
    render_deal(loaded, tmp_path / "ref-a", None, formats)
    render_deal(loaded, tmp_path / "ref-b", tape_b, formats)
    ref_a, ref_b = _files(tmp_path / "ref-a"), _files(tmp_path / "ref-b")
    assert ref_a.keys() == ref_b.keys() and all(ref_a[k] != ref_b[k] for k in ref_a)
    out = tmp_path / "out"
    name = threading.current_thread().name
    try:
        thread = _interleave(monkeypatch, out, 2, lambda: render_deal(loaded, out, tape_b, formats))
        render_deal(loaded, out, None, formats)
        thread.join(120)
    finally:
        threading.current_thread().name = name
    assert _files(out) in (ref_a, ref_b)


def test_two_batches_into_one_folder_leave_a_manifest_true_to_its_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.api import render_one, verify

    deal_a = _deal_copy(tmp_path / "a")
    deal_b = _deal_copy(tmp_path / "b", _tape_b(tmp_path).read_text())
    assert render_one(deal_a, tmp_path / "ref-a", ("txt",), None).ok and render_one(deal_b, tmp_path / "ref-b", ("txt",), None).ok
    expected = {
        tape: _sha(tmp_path / ref / "term-sheet-8k.txt") for tape, ref in (("../a/loans.csv", "ref-a"), ("../b/loans.csv", "ref-b"))
    }
    assert len(set(expected.values())) == 2
    folder = tmp_path / "x"
    name = threading.current_thread().name
    try:
        thread = _interleave(monkeypatch, folder, 2, lambda: render_one(deal_b, folder, ("txt",), None))
        render_one(deal_a, folder, ("txt",), None)
        thread.join(120)
    finally:
        threading.current_thread().name = name
    manifest = json.loads((folder / "manifest.json").read_text())
    tapes = [e["path"] for e in manifest["inputs"] if e["path"].endswith("loans.csv")]
    assert len(tapes) == 1 and tapes[0] in expected, tapes
    assert manifest["outputs"] == [{"path": "term-sheet-8k.txt", "sha256": expected[tapes[0]]}]
    assert verify(folder) == []


def test_a_run_waits_for_the_folder_lock_and_then_gives_up_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import files

    out = tmp_path / "out"
    out.mkdir()
    holder = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # another run is writing there
        monkeypatch.setattr(files, "LOCK_TIMEOUT", 0.3)
        result = runner.invoke(app, ["render", str(SHELF), "--out", str(out), "-f", "txt"])
    finally:
        os.close(holder)
    _no_traceback(result)
    assert result.exit_code == 2 and "another dealdocs run" in result.output and str(out) in result.output
    assert not list(out.iterdir())


# --- batches: killed parents, name clashes, bad deals, Ctrl-C, reruns -----------------------------


def _state(pid: int) -> str | None:
    """A process's state letter (Z: a zombie, dead but not reaped), or None when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_stop_when_the_batch_parent_is_killed(tmp_path: Path) -> None:
    (tmp_path / "busy_worker.py").write_text(textwrap.dedent("""
        import os, time
        from pathlib import Path

        def render_one(path, folder, *args, **kwargs):  # a deal that takes forever
            Path(folder).parent.mkdir(parents=True, exist_ok=True)
            (Path(folder).parent / f"worker-{os.getpid()}").write_text("")
            while True:
                time.sleep(0.5)
    """))
    parent_code = (
        "import sys; from pathlib import Path; import busy_worker; from generator.output import batch; "
        "batch.render_one = busy_worker.render_one; "
        "batch.run_batch([Path(sys.argv[1])], Path(sys.argv[2]), ['txt'], 1)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    parent = subprocess.Popen([sys.executable, "-c", parent_code, str(SHELF), str(tmp_path / "out")], env=env, cwd=tmp_path)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not (workers := [int(p.name.split("-")[1]) for p in tmp_path.glob("out/worker-*")]) and parent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers, "the worker never started its deal"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(60)
        deadline = time.monotonic() + 30
        while _state(workers[0]) not in (None, "Z") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _state(workers[0]) in (None, "Z"), "the worker outlived its parent"
    finally:
        parent.kill()
        parent.wait(60)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_deals_in_folders_of_the_same_name_get_their_own_output_folders(tmp_path: Path) -> None:
    first, second = _shelf_copy(tmp_path / "a" / "x", "1001"), _shelf_copy(tmp_path / "b" / "x", "2002")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out), "-f", "txt"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a-x", "b-x"]
    assert "1001 Technology" in (out / "a-x" / "exhibit-5-1-shelf.txt").read_text()
    assert "2002 Technology" in (out / "b-x" / "exhibit-5-1-shelf.txt").read_text()
    assert "a-x" in result.output and "b-x" in result.output and "2 of 2 deals rendered" in result.output
    assert first != second


def test_deal_names_are_unique_and_deterministic(tmp_path: Path) -> None:
    from generator.api import DealdocsError, deal_names

    paths = [Path("/d/a/x/deal.yaml"), Path("/d/b/x/deal.yaml"), Path("/d/c/y/deal.yaml"), Path("/d/c/z/one.yaml"), Path("/d/c/z/two.yaml")]
    names = deal_names(paths)
    assert names == {paths[0]: "a-x", paths[1]: "b-x", paths[2]: "y", paths[3]: "z-one", paths[4]: "z-two"}
    assert deal_names(list(reversed(paths))) == names
    with pytest.raises(DealdocsError, match="same output folder"):
        deal_names([Path("/a-b/x/deal.yaml"), Path("/a/b/x/deal.yaml"), Path("/b-x/deal.yaml")])


def test_one_deal_with_an_impossible_date_does_not_stop_the_batch(tmp_path: Path) -> None:
    _shelf_copy(tmp_path / "deals" / "good")
    bad = _shelf_copy(tmp_path / "deals" / "bad")
    bad.write_text(bad.read_text().replace("date: 2003-10-14", "date: 2003-02-30"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "deals"), "--out", str(out), "-f", "txt"])
    _no_traceback(result)
    assert result.exit_code == 1, result.output
    assert (out / "good" / "manifest.json").is_file() and not (out / "bad" / "manifest.json").exists()
    assert "1 of 2 deals rendered" in result.output and "failed" in result.output


def test_after_ctrl_c_the_summary_counts_finished_and_not_started_deals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.cli import reporting

    for n in (1, 2, 3):
        _shelf_copy(tmp_path / "deals" / f"s{n}")

    def ctrl_c(self, result) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(reporting.BatchProgress, "advance", ctrl_c)
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "deals"), "--out", str(out), "-f", "txt", "--jobs", "2"])
    _no_traceback(result)
    assert result.exit_code == 130, result.output
    assert "--fail-fast" not in result.output
    assert len(list(out.glob("*/manifest.json"))) == 2  # both deals in progress finished; the third never started
    assert "2 of 3 deals rendered" in result.output and "1 deal not started (interrupted)" in result.output


def test_a_rerun_skips_deals_that_are_up_to_date(tmp_path: Path) -> None:
    deal = _shelf_copy(tmp_path / "deals" / "shelf")
    out = tmp_path / "out"
    command = ["batch", str(tmp_path / "deals"), "--out", str(out), "-f", "txt"]
    output = out / "shelf" / "exhibit-5-1-shelf.txt"
    assert runner.invoke(app, command).exit_code == 0
    first = output.stat().st_ino
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert "up to date" in again.output and output.stat().st_ino == first  # not written again
    forced = runner.invoke(app, [*command, "--force"])
    assert forced.exit_code == 0 and "up to date" not in forced.output and output.stat().st_ino != first
    second = output.stat().st_ino
    with deal.open("a") as handle:
        handle.write("# reviewed\n")
    edited = runner.invoke(app, command)
    assert edited.exit_code == 0 and "up to date" not in edited.output and output.stat().st_ino != second
    other = runner.invoke(app, [*command[:-1], "txt,docx"])
    assert other.exit_code == 0 and "up to date" not in other.output and (out / "shelf" / "exhibit-5-1-shelf.docx").is_file()
