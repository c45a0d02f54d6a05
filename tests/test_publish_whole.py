"""A rendered folder holds one whole rendering: a kill, a target that cannot be replaced, or fewer formats never mix two silently."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.cli import app

from .helpers import ROOT, SHELF, runner

JOURNAL = "dealdocs-incomplete.json"
SHELF_TXT, SHELF_HTM = "exhibit-5-1-shelf.txt", "exhibit-5-1-shelf.htm"

# Runs dealdocs in a child that kills itself (SIGKILL: no handler, no cleanup) at the KILL_AT-th rename,
# replace or unlink of a path inside OUT: every step of a publication, one child per step.
KILLER = textwrap.dedent("""
    import os, signal, sys
    out, kill_at, count = os.path.abspath(os.environ["OUT"]), int(os.environ["KILL_AT"]), [0]

    def armed(real):
        def call(*args, **kwargs):
            if os.path.abspath(os.fspath(args[-1] if real is not os.unlink else args[0])).startswith(out + os.sep):
                count[0] += 1
                if count[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return call

    os.replace, os.rename, os.unlink = armed(os.replace), armed(os.rename), armed(os.unlink)
    if sys.argv[1] == "render_one":  # what a batch worker runs
        from pathlib import Path
        from generator.output.batch import render_one
        result = render_one(Path(sys.argv[2]), Path(sys.argv[3]), tuple(sys.argv[4].split(",")), None)
        sys.exit(0 if result.ok else 2)
    from generator.cli import main
    sys.argv = ["dealdocs", *sys.argv[1:]]
    main()
""")


def _shelf(folder: Path, series: str) -> Path:
    """A copy of the shelf example whose documents differ by `series` (its street number)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shelf.yaml").write_text(SHELF.read_text().replace("1000 Technology Drive", f"{series} Technology Drive"))
    return folder / "shelf.yaml"


def _published(folder: Path) -> dict[str, bytes]:
    """The folder's files as a reader sees them: staging folders of killed runs are hidden and never published."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != JOURNAL}


def _render(deal: Path, out: Path, formats: str) -> None:
    result = runner.invoke(app, ["render", str(deal), "--out", str(out), "-f", formats])
    assert result.exit_code == 0, result.output


def _killed(tmp_path: Path, command: list[str], out: Path, kill_at: int) -> int:
    env = {**os.environ, "OUT": str(out), "KILL_AT": str(kill_at), "PYTHONPATH": str(ROOT)}
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    return subprocess.run([sys.executable, str(script), *command], env=env, cwd=tmp_path, capture_output=True, timeout=120).returncode


@pytest.mark.parametrize(
    ("mode", "old_formats", "new_formats"),
    [("render", "txt,htm", "txt,htm"), ("render", "txt,htm", "txt"), ("render_one", "txt,htm", "txt,htm")],
    ids=["render", "render-fewer-formats", "batch"],
)
def test_a_kill_at_any_step_leaves_the_old_set_the_new_set_or_a_reported_mix(tmp_path: Path, mode: str, old_formats: str, new_formats: str) -> None:
    deal_a, deal_b = _shelf(tmp_path / "a", "1001"), _shelf(tmp_path / "b", "2002")
    _render(deal_a, tmp_path / "old", old_formats)  # the references, at the same depth as `out`: their manifests match
    _render(deal_b, tmp_path / "new", new_formats)
    old, new = _published(tmp_path / "old"), _published(tmp_path / "new")
    assert old[SHELF_TXT] != new[SHELF_TXT]
    out = tmp_path / "out"
    command = ["render", str(deal_b), "--out", str(out), "-f", new_formats] if mode == "render" else ["render_one", str(deal_b), str(out), new_formats]
    seen = set()
    for kill_at in range(1, 30):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(tmp_path / "old", out)
        code = _killed(tmp_path, command, out, kill_at)
        now = _published(out)
        verified = runner.invoke(app, ["verify", str(out)])
        if now in (old, new):
            seen.add("old" if now == old else "new")
            assert verified.exit_code == 0, (kill_at, verified.output)  # a journal of a whole folder is not a mix
        else:
            seen.add("mixed")
            assert (out / JOURNAL).is_file(), kill_at
            assert verified.exit_code == 1, (kill_at, verified.output)
            for name in set(now) | set(old):
                if name != "manifest.json" and now.get(name) != old.get(name):
                    how = "written by" if name in now else "removed by"
                    assert f"output {how} an interrupted run: {out / name}" in verified.output, (kill_at, verified.output)
            again = runner.invoke(app, ["render", str(deal_b), "--out", str(out), "-f", new_formats])
            assert again.exit_code == 0, again.output
            assert "interrupted and left it mixed" in again.stderr and str(out) in again.stderr
            assert _published(out) == new and not (out / JOURNAL).exists()
            assert runner.invoke(app, ["verify", str(out)]).exit_code == 0
        if code == 0:
            break
        assert code == -9, (kill_at, code)
    else:
        pytest.fail("the run never finished")
    assert seen == {"old", "mixed", "new"}, seen  # the kills reached before, between and after the moves


def test_a_folder_in_a_targets_place_stops_the_render_before_anything_moves(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _render(_shelf(tmp_path / "a", "1001"), out, "txt")
    (out / SHELF_HTM).mkdir()  # what cannot be replaced: a folder where the new file goes
    before = _published(out)
    result = runner.invoke(app, ["render", str(_shelf(tmp_path / "b", "2002")), "--out", str(out), "-f", "txt,htm"])
    assert result.exit_code == 2, result.output
    assert str(out / SHELF_HTM) in result.output and f"nothing in {out} was changed" in result.output
    assert _published(out) == before and (out / SHELF_HTM).is_dir() and not (out / JOURNAL).exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def _refuse_replace(monkeypatch: pytest.MonkeyPatch, out: Path, nth: int, then_all: bool = False) -> None:
    """The nth file moved into `out` cannot replace its target (an immutable file: EPERM); with `then_all`, nor can any after it."""
    real, count = os.replace, [0]

    def replace(src, dst, **kwargs):
        if Path(dst).parent == out:
            count[0] += 1
            if count[0] == nth or (then_all and count[0] > nth):
                raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), os.fspath(dst))
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("nth", [1, 2, 3, 4])  # the journal, the txt, the htm, the manifest
def test_a_target_that_cannot_be_replaced_puts_every_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    out = tmp_path / "out"
    _render(_shelf(tmp_path / "a", "1001"), out, "txt,htm")
    before = _published(out)
    _refuse_replace(monkeypatch, out, nth)
    result = runner.invoke(app, ["render", str(_shelf(tmp_path / "b", "2002")), "--out", str(out), "-f", "txt,htm"])
    assert result.exit_code == 2, result.output
    assert "Operation not permitted" in result.output and f"nothing in {out} was changed" in result.output
    assert _published(out) == before and not (out / JOURNAL).exists()
    monkeypatch.undo()
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 0


def test_when_the_old_files_cannot_be_put_back_the_journal_stays_and_verify_reports_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _render(_shelf(tmp_path / "a", "1001"), out, "txt,htm")
    _refuse_replace(monkeypatch, out, 3, then_all=True)  # the htm fails, and so does putting the txt back
    result = runner.invoke(app, ["render", str(_shelf(tmp_path / "b", "2002")), "--out", str(out), "-f", "txt,htm"])
    assert result.exit_code == 2, result.output
    assert str(out / JOURNAL) in result.output and "could not be put back" in result.output
    monkeypatch.undo()
    verified = runner.invoke(app, ["verify", str(out)])
    assert verified.exit_code == 1
    assert f"output written by an interrupted run: {out / SHELF_TXT}" in verified.output
    assert f"output not yet replaced by an interrupted run: {out / SHELF_HTM}" in verified.output


def test_fewer_formats_from_other_inputs_remove_the_stale_files_and_say_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _render(_shelf(tmp_path / "a", "1001"), out, "txt,htm")
    result = runner.invoke(app, ["render", str(_shelf(tmp_path / "b", "2002")), "--out", str(out), "-f", "txt"])
    assert result.exit_code == 0, result.output
    assert f"{out / SHELF_HTM}: warning: removed" in result.stderr
    assert sorted(_published(out)) == ["exhibit-5-1-shelf.txt", "manifest.json"] and "2002" in (out / SHELF_TXT).read_text()
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 0


def test_a_stale_file_edited_since_is_kept_and_reported(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _render(_shelf(tmp_path / "a", "1001"), out, "txt,htm")
    (out / SHELF_HTM).write_text("someone's notes\n")
    result = runner.invoke(app, ["render", str(_shelf(tmp_path / "b", "2002")), "--out", str(out), "-f", "txt"])
    assert result.exit_code == 0, result.output
    assert f"{out / SHELF_HTM}: warning: stale" in result.stderr
    assert (out / SHELF_HTM).read_text() == "someone's notes\n"
    assert [o["path"] for o in json.loads((out / "manifest.json").read_text())["outputs"]] == [SHELF_TXT]


def test_fewer_formats_from_the_same_inputs_keep_the_others_in_the_manifest(tmp_path: Path) -> None:
    out, deal = tmp_path / "out", _shelf(tmp_path / "a", "1001")
    _render(deal, out, "txt,htm")
    before = _published(out)
    result = runner.invoke(app, ["render", str(deal), "--out", str(out), "-f", "txt"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert [o["path"] for o in manifest["outputs"]] == [SHELF_HTM, SHELF_TXT] and manifest["options"]["formats"] == ["txt", "htm"]
    assert _published(out) == before
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 0


def test_render_records_a_tape_given_with_tape_as_an_input(tmp_path: Path) -> None:
    from .helpers import EXAMPLE

    tape = tmp_path / "other.csv"
    tape.write_text((EXAMPLE / "loans.csv").read_text())
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", str(EXAMPLE / "deal.yaml"), "--out", str(out), "-f", "txt", "--tape", str(tape)])
    assert result.exit_code == 0, result.output
    inputs = [e["path"] for e in json.loads((out / "manifest.json").read_text())["inputs"] if not e.get("builtin")]
    assert "../other.csv" in inputs and not any(p.endswith("/loans.csv") for p in inputs)
    tape.write_text(tape.read_text() + "\n")
    verified = runner.invoke(app, ["verify", str(out)])
    assert verified.exit_code == 1 and f"input changed: {tape}" in verified.output


def test_a_submission_killed_while_publishing_is_flagged_by_check_and_replaced_by_the_next_run(tmp_path: Path) -> None:
    from .helpers import EXAMPLE

    sub = tmp_path / "sub"
    assert runner.invoke(app, ["render", str(EXAMPLE / "deal.yaml"), "--submission", str(sub)]).exit_code == 0
    other = tmp_path / "deal"
    shutil.copytree(EXAMPLE, other)
    (other / "deal.yaml").write_text((EXAMPLE / "deal.yaml").read_text().replace("2003-1", "2003-9"))
    assert _killed(tmp_path, ["render", str(other / "deal.yaml"), "--submission", str(sub)], sub, 3) == -9  # the journal, one document, then killed
    assert (sub / JOURNAL).is_file()
    checked = runner.invoke(app, ["check", str(sub)])
    assert checked.exit_code == 1 and str(sub / JOURNAL) in checked.output
    again = runner.invoke(app, ["render", str(other / "deal.yaml"), "--submission", str(sub)])
    assert again.exit_code == 0, again.output
    assert not (sub / JOURNAL).exists() and runner.invoke(app, ["check", str(sub)]).exit_code == 0


def test_a_journal_naming_a_path_out_of_the_folder_is_reported_and_never_followed(tmp_path: Path) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    victim.write_text("not dealdocs'\n")
    _render(_shelf(tmp_path / "a", "1001"), out, "txt")
    (out / JOURNAL).write_text(json.dumps({"files": [{"path": "../victim.txt", "before": None, "after": "0" * 64}]}))
    verified = runner.invoke(app, ["verify", str(out)])
    assert verified.exit_code == 1 and f"output changed after an interrupted run: {out / JOURNAL}" in verified.output
    again = runner.invoke(app, ["render", str(_shelf(tmp_path / "a", "1001")), "--out", str(out), "-f", "txt"])
    assert again.exit_code == 0, again.output
    assert victim.read_text() == "not dealdocs'\n" and not (out / JOURNAL).exists()
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 0


def test_a_dangling_link_in_a_targets_place_is_replaced_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / SHELF_TXT).symlink_to(tmp_path / "nowhere.txt")
    _render(_shelf(tmp_path / "a", "1001"), out, "txt")
    assert not (out / SHELF_TXT).is_symlink() and "1001" in (out / SHELF_TXT).read_text()
    assert not (tmp_path / "nowhere.txt").exists()


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr")
def test_an_immutable_old_file_stops_the_render_and_every_other_file_is_put_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _render(_shelf(tmp_path / "a", "1001"), out, "txt,htm")
    before = _published(out)
    if subprocess.run(["chattr", "+i", str(out / SHELF_HTM)], capture_output=True).returncode != 0:
        pytest.skip("this file system or user cannot make a file immutable")
    try:
        result = runner.invoke(app, ["render", str(_shelf(tmp_path / "b", "2002")), "--out", str(out), "-f", "txt,htm"])
    finally:
        subprocess.run(["chattr", "-i", str(out / SHELF_HTM)], check=True)
    assert result.exit_code == 2, result.output
    assert str(out / SHELF_HTM) in result.output and f"nothing in {out} was changed" in result.output
    assert _published(out) == before and not (out / JOURNAL).exists()


def test_a_batch_folder_with_a_journal_left_behind_is_not_up_to_date(tmp_path: Path) -> None:
    from generator.api import render_one

    folder, deal = tmp_path / "out" / "a", _shelf(tmp_path / "a", "1001")
    assert render_one(deal, folder, ("txt",), None).ok
    (folder / JOURNAL).write_text("{not json")  # every output still matches the manifest
    assert runner.invoke(app, ["verify", str(folder)]).exit_code == 1
    result = render_one(deal, folder, ("txt",), None)
    assert result.ok and not result.up_to_date
    assert not (folder / JOURNAL).exists() and runner.invoke(app, ["verify", str(folder)]).exit_code == 0


def test_a_batch_of_fewer_formats_from_other_inputs_says_which_files_it_removed(tmp_path: Path) -> None:
    deal, out = _shelf(tmp_path / "a", "1001"), tmp_path / "out"
    assert runner.invoke(app, ["batch", str(deal), "--out", str(out), "-f", "txt,htm", "-j", "1"]).exit_code == 0
    deal.write_text(deal.read_text().replace("1001 Technology", "3003 Technology"))
    result = runner.invoke(app, ["batch", str(deal), "--out", str(out), "-f", "txt", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert f"a: {out / 'a' / SHELF_HTM}: warning: removed" in result.output
    assert sorted(_published(out / "a")) == [SHELF_TXT, "manifest.json"]
