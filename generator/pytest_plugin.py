"""A pytest plugin for deal teams: lock a deal's rendered documents down with snapshot tests.

Installed with dealdocs (entry point `pytest11`); needs the `pytest` extra
(`pip install 'dealdocs[pytest]'`: pytest-regressions, and pypdf to read PDFs). In a test:

    def test_series_2024_1(dealdocs_snapshot):
        dealdocs_snapshot("deals/2024-1/deal.yaml")

Each output is compared with a stored snapshot beside the test module: text as text, DOCX
and PDF by their extracted text and their SHA-256. Every difference of every output is
reported at once; `pytest --force-regen` accepts them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

INSTALL = "pip install 'dealdocs[pytest]'"


@pytest.fixture
def dealdocs_snapshot(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., None]:
    """Render a deal and check every output against its snapshot; returns nothing, fails on a difference."""
    try:
        file_regression = request.getfixturevalue("file_regression")
    except pytest.FixtureLookupError:
        pytest.fail(f"the dealdocs_snapshot fixture needs pytest-regressions: {INSTALL}", pytrace=False)
    from generator.api import load_deal, render_deal
    from generator.formats import DEFAULT_FORMATS

    def check(deal: str | Path, formats: Sequence[str] = DEFAULT_FORMATS, templates: Path | None = None, name: str | None = None) -> None:
        if "pdf" in formats:
            _needs_pypdf()
        loaded = load_deal(deal)
        stem = name or loaded.path.parent.name
        failures = []
        for path, rendered in render_deal(loaded, tmp_path / stem, None, formats, templates):
            base = f"{stem}-{rendered.name}-{rendered.extension}"
            if rendered.extension in ("txt", "htm"):  # text formats: the snapshot is the file itself
                snapshots: dict[str, str] = {f".{rendered.extension}": rendered.text}
            else:
                snapshots = _binary_snapshots(path.read_bytes(), rendered.extension)
            text_differs = False
            for extension, content in snapshots.items():
                try:  # check every output, then report all differences at once
                    file_regression.check(content, basename=base, extension=extension)
                except (AssertionError, pytest.fail.Exception) as exc:  # a difference, or a snapshot just created
                    message = str(exc)
                    if extension in (".txt", ".htm"):
                        text_differs = True
                    elif not text_differs and "created:" not in message and "regenerating" not in message:
                        message = (
                            f"{path.name}: same text as its snapshot, but not the same file: its SHA-256 differs "
                            "(layout, fonts, styles or metadata changed); open it to check, then accept with --force-regen\n" + message
                        )
                    failures.append(message)
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)

    def _binary_snapshots(data: bytes, extension: str) -> dict[str, str]:
        from generator.api import docx_text, pdf_pages

        digest = {".sha256": hashlib.sha256(data).hexdigest() + "\n"}
        if extension not in ("docx", "pdf"):  # an image the EDGAR HTML shows (a letterhead's logo): its bytes only
            return digest
        text = docx_text(data) if extension == "docx" else "\n<PAGE>\n".join(pdf_pages(data))
        return {".txt": text, **digest}

    return check


def _needs_pypdf() -> None:
    try:
        import pypdf  # noqa: F401
    except ImportError:
        pytest.fail(f"the dealdocs_snapshot fixture needs pypdf to read PDF snapshots: {INSTALL} (or pass formats=('txt', 'docx'))", pytrace=False)
