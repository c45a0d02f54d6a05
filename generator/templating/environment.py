"""The one Jinja set-up every template and label goes through: strict, sandboxed, same filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound

from generator.deal.base import Placeholder
from generator.errors import TemplateProblemError
from generator.templating.clauses import GLOBALS, Mentions, Numbering
from generator.templating.files import find_template
from generator.templating.filters import FILTERS
from generator.templating.sandbox import SafeEnvironment, allow_methods, guard_filter, safe_range

allow_methods(Numbering, "order numbers number ref parts")
allow_methods(Mentions, "party name parties names")

_UNSAFE_GLOBALS = ("lipsum", "cycler", "joiner")  # lipsum(10**6) alone is a denial of service; the others are unused


class FolderLoader(FileSystemLoader):
    """Templates by name from the search folders, read as every template file is (`files.read_in`).

    A file that is not UTF-8 text (a .docx included as text) is refused too, with a message.
    """

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, file name and up-to-date check, from the first folder that has it, if it may be read."""
        try:
            found = find_template(template, [Path(folder) for folder in self.searchpath])
        except TemplateProblemError as exc:
            raise TemplateNotFound(template, f"{template}: {exc.problems[0].message}") from None
        if found is None:
            raise TemplateNotFound(template)
        path, data = found
        if b"\0" in data:
            raise TemplateNotFound(template, f"{template}: refused, not a text template (binary file)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise TemplateNotFound(template, f"{template}: refused, not UTF-8 text") from None
        return text, str(path), lambda: True


def keeps_placeholders(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that, given a placeholder, still shows it: '[Closing date]' | long_date is '[Closing date]', never a crash or a date.

    A filter of text ('upper', 'end_sentence', a layout's 'hang', which may break it over lines)
    applies to the placeholder's text; one that formats a figure or a date (or counts) cannot,
    and gives the placeholder back.
    """
    passes = getattr(function, "jinja_pass_arg", None) is not None

    @wraps(function)
    def kept(*args: Any, **kwargs: Any) -> Any:
        given = args[1:] if passes else args  # (context,) value, then the filter's arguments
        placeholder = given[0] if given and isinstance(given[0], Placeholder) else None
        if placeholder is None:
            return function(*args, **kwargs)
        try:
            result = function(*args, **kwargs)
        except (TypeError, ValueError, ArithmeticError):  # a figure's or a date's format refuses text
            return placeholder
        return result if isinstance(result, str) and _words(placeholder) in _words(result) else placeholder

    return kept


def _words(text: str) -> str:
    """Text as a check of what it says reads it: a layout's line breaks and indents, and case, left aside."""
    return " ".join(text.split()).lower()


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
    env.filters = {name: guard_filter(keeps_placeholders(f)) for name, f in env.filters.items()}
    return env
