"""A pytest plugin for deal teams: lock a deal's rendered documents down with snapshot tests.

Installed with dealdocs (entry point `pytest11`); needs pytest-regressions. In a test:

    def test_series_2024_1(dealdocs_snapshot):
        dealdocs_snapshot("deals/2024-1/deal.yaml")

Each output is compared with a stored snapshot beside the test module: text as text, DOCX
and PDF by their extracted text and their SHA-256. `pytest --force-regen` accepts changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest


@pytest.fixture
def dealdocs_snapshot(file_regression, tmp_path: Path) -> Callable[..., None]:  # noqa: ANN001 - pytest-regressions' fixture
    """Render a deal and check every output against its snapshot; returns nothing, fails on a difference."""
    from .deal import load_deal
    from .extract import docx_text, pdf_pages
    from .render import FORMATS, render_deal

    def check(deal: str | Path, formats: Sequence[str] = FORMATS, templates: Path | None = None, name: str | None = None) -> None:
        loaded = load_deal(deal)
        stem = name or loaded.path.parent.name
        failures = []
        for path, rendered in render_deal(loaded, tmp_path / stem, None, formats, templates):
            base = f"{stem}-{rendered.name}-{rendered.extension}"
            snapshots = {".txt": rendered.content} if rendered.extension == "txt" else _binary_snapshots(path.read_bytes(), rendered.extension)
            for extension, content in snapshots.items():
                try:  # check every output, then report all differences at once
                    file_regression.check(content, basename=base, extension=extension)
                except pytest.fail.Exception as exc:
                    failures.append(str(exc))
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)

    def _binary_snapshots(data: bytes, extension: str) -> dict[str, str]:
        text = docx_text(data) if extension == "docx" else "\n<PAGE>\n".join(pdf_pages(data))
        return {".txt": text, ".sha256": hashlib.sha256(data).hexdigest() + "\n"}

    return check
