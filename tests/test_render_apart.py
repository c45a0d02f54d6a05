"""`render` sets the PDF and EDGAR HTML in a forked process beside the other formats: the same bytes, the same errors."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import pytest

from generator.deal.loading import load_deal
from generator.errors import TemplateProblemError
from generator.formats.rendered import Rendered
from generator.output.rendering import RENDERERS, publish_deal

from .helpers import ROOT, SHELF

FORMATS = ("txt", "pdf", "docx", "htm")


def test_apart_writes_the_bytes_of_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    loaded = load_deal(SHELF)
    apart = publish_deal(loaded, tmp_path / "apart", formats=FORMATS, apart=True).written
    assert not list(scratch.iterdir())  # the forked process's temporary files (WeasyPrint's font copies) removed
    together = publish_deal(loaded, tmp_path / "together", formats=FORMATS).written
    assert [p.name for p, _ in apart] == [p.name for p, _ in together]  # the order of `formats`, the logo last
    assert [r.extension for _, r in apart][:4] == list(FORMATS)
    for (path, _), (twin, _) in zip(apart, together, strict=True):
        assert path.read_bytes() == twin.read_bytes(), path.name


def test_an_error_in_the_forked_process_is_raised_as_in_one(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "exhibit-5-1-shelf.html.j2").write_text("<html><body>\n{{ 1 // 0 }}\n</body></html>\n", encoding="utf-8")
    loaded = load_deal(SHELF)
    raised = []
    for apart in (False, True):
        with pytest.raises(TemplateProblemError) as caught:
            publish_deal(loaded, tmp_path / f"out-{apart}", formats=("txt", "pdf"), templates=templates, apart=apart)
        raised.append(caught.value.problems)
    assert raised[0] == raised[1]
    assert raised[1][0].line == 2 and raised[1][0].file.endswith("exhibit-5-1-shelf.html.j2")
    assert not (tmp_path / "out-True" / "exhibit-5-1-shelf.txt").exists()  # nothing published


def test_a_bug_in_the_forked_process_is_raised_here_with_its_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def broken(*args: object, **kwargs: object) -> Rendered:
        calls.append(os.getpid())
        raise RuntimeError("a bug")

    monkeypatch.setitem(RENDERERS, "pdf", broken)
    with pytest.raises(RuntimeError, match="a bug") as caught:
        publish_deal(load_deal(SHELF), tmp_path / "out", formats=("txt", "pdf"), apart=True)
    assert calls == [os.getpid()]  # the forked process's call is not counted here: this one is the parent's, rendered again
    assert any(frame.name == "broken" for frame in traceback.extract_tb(caught.value.__traceback__))
    assert not (tmp_path / "out").exists()


LIBRARIES = """
import ctypes.util, sys
original = ctypes.util.find_library
if sys.argv[1] == "cache":
    from generator.formats.engine import import_weasyprint
    import_weasyprint()
else:
    import weasyprint
from weasyprint.text import ffi
print(ctypes.util.find_library is original, ffi.harfbuzz_subset is not None, ffi.harfbuzz_vector is not None)
"""


def test_weasyprint_found_in_the_linkers_cache_loads_what_the_usual_search_loads() -> None:
    seen = [subprocess.run([sys.executable, "-c", LIBRARIES, how], cwd=ROOT, capture_output=True, text=True, check=True).stdout for how in ("cache", "usual")]
    assert seen[0] == seen[1]
    assert seen[0].split()[:2] == ["True", "True"]  # find_library put back; the subsetter WeasyPrint chooses by is there
