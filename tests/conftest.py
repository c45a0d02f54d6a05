"""Shared fixtures: the example deal, a private copy of it to corrupt or edit, and the examples' DOCX as LibreOffice sets them
(in the fonts dealdocs ships, Times New Roman as Liberation Serif: Word's Times metrics on every machine)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.api import DOCUMENTS, load_deal, render_docx, render_pdf

from .helpers import EXAMPLE, LOOK_EXAMPLES, libreoffice_pdf


@pytest.fixture
def deal_dir(tmp_path: Path) -> Path:
    """A private copy of the example deal and its tape."""
    shutil.copy(EXAMPLE / "deal.yaml", tmp_path / "deal.yaml")
    shutil.copy(EXAMPLE / "loans.csv", tmp_path / "loans.csv")
    return tmp_path


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, list[str], list[str]]]:
    """Each example's DOCX, the text of each page LibreOffice sets it on, and the text of each page of the PDF WeasyPrint sets."""
    folder = tmp_path_factory.mktemp("look")
    sources = []
    for name, deal in LOOK_EXAMPLES.items():
        (folder / f"{name}.docx").write_bytes(render_docx(load_deal(deal), DOCUMENTS[name]).content)
        sources.append(folder / f"{name}.docx")
    libreoffice_pdf(sources, folder)
    result = {}
    for name, deal in LOOK_EXAMPLES.items():
        pages = [page.extract_text() for page in PdfReader(folder / f"{name}.pdf").pages]
        weasy = [page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(load_deal(deal), DOCUMENTS[name]).content)).pages]
        result[name] = ((folder / f"{name}.docx").read_bytes(), pages, weasy)
    return result
