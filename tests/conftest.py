"""Shared fixtures: the example deal, and a private copy of it to corrupt or edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import EXAMPLE


@pytest.fixture
def deal_dir(tmp_path: Path) -> Path:
    """A private copy of the example deal and its tape."""
    shutil.copy(EXAMPLE / "deal.yaml", tmp_path / "deal.yaml")
    shutil.copy(EXAMPLE / "loans.csv", tmp_path / "loans.csv")
    return tmp_path
