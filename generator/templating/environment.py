"""The one Jinja set-up every template and label goes through: strict, sandboxed, same filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.loaders import split_template_path

from generator.templating.clauses import GLOBALS, Mentions, Numbering
from generator.templating.filters import FILTERS
from generator.templating.sandbox import SafeEnvironment, allow_methods, guard_filter, safe_range, within

allow_methods(Numbering, "order numbers number ref parts")
allow_methods(Mentions, "party name parties names")

_UNSAFE_GLOBALS = ("lipsum", "cycler", "joiner")  # lipsum(10**6) alone is a denial of service; the others are unused


class FolderLoader(FileSystemLoader):
    """Templates by name from the search folders, never from outside them.

    A symbolic link that leaves its folder, a special file (a FIFO would hang the read) or
    a file that is not UTF-8 text (a .docx included as text) is refused with a message.
    """

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, file name and up-to-date check, from the first folder that has it, if it may be read."""
        pieces = split_template_path(template)
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if not path.exists() and not path.is_symlink():
                continue
            if not within(Path(folder), path):
                raise TemplateNotFound(template, f"{template}: refused, it leads outside the template folder {folder}")
            if not path.is_file():
                raise TemplateNotFound(template, f"{template}: refused, not a regular file")
            data = path.read_bytes()
            if b"\0" in data:
                raise TemplateNotFound(template, f"{template}: refused, not a text template (binary file)")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise TemplateNotFound(template, f"{template}: refused, not UTF-8 text") from None
            return text, str(path), lambda: True
        raise TemplateNotFound(template)


def environment(
    search_path: Sequence[Path] = (), *, autoescape: bool = False, filters: Mapping[str, Callable[..., Any]] | None = None
) -> SafeEnvironment:
    """A strict environment: an undefined name is an error, never an empty string in a filing.

    Sandboxed because templates and table labels may come from a deal team, not from us.
    """
    env = SafeEnvironment(
        loader=FolderLoader([str(p) for p in search_path]) if search_path else None,
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.filters.update(filters or {})
    for name in _UNSAFE_GLOBALS:
        env.globals.pop(name, None)
    env.globals.update(GLOBALS)
    env.globals["range"] = safe_range
    env.filters = {name: guard_filter(f) for name, f in env.filters.items()}
    return env
