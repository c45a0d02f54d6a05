"""Where templates are found: `--templates`, then the deal file's `templates:` folder, then the built-in ones."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import Problem, TemplateProblemError
from generator.installation import installed

if TYPE_CHECKING:
    from generator.deal.loading import LoadedDeal


@cache
def templates_dir() -> Path:
    """The built-in templates, inside the package in a wheel or beside it in a checkout: override them by name with `--templates`.

    Returns:
        The folder.

    Raises:
        FileNotFoundError: The installation lacks its templates.
    """
    return installed("templates")


def template_dirs(loaded: LoadedDeal, templates: Path | None = None) -> list[Path]:
    """Where templates are looked for before the built-in ones: `--templates`, then the deal file's `templates`."""
    folders: list[tuple[Path, Problem]] = []
    if templates:
        folders.append((templates.resolve(), Problem("--templates", None, None, str(templates), "")))
    if loaded.deal.templates:
        folders.append((loaded.resolve(loaded.deal.templates), loaded.problem(("templates",), loaded.deal.templates, "")))
    problems = []
    for folder, at in folders:
        if not folder.is_dir():
            problems.append(replace(at, message=f"templates folder not found: {folder}"))
        elif folder == Path(folder.anchor):
            problems.append(replace(at, message="a templates folder cannot be the root of the file system: name the folder that holds your templates"))
    if problems:
        raise TemplateProblemError(problems)
    return [folder for folder, _ in folders]

