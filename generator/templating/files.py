"""Reading template files: one set of rules for every kind, text, HTML, CSS, DOCX and what a PDF fetches.

A template folder may come from anyone, so a file of it is read only when, with every symbolic
link followed, it lies inside its folder; it is a regular file (a FIFO would hang the read, a
device would never end); and it is at most `MAX_TEMPLATE_BYTES`. It is opened once and read
once, so the bytes checked are the bytes used. Jinja's loader (`environment.FolderLoader`), the
Word templates (`formats.docx`) and WeasyPrint's URL fetcher (`pdf_fetcher`) all read here.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import TemplateNotFound
from jinja2.loaders import split_template_path

from generator.errors import Problem, TemplateProblemError

MAX_TEMPLATE_BYTES = 16 * 2**20
"""Largest template file read (the largest built-in one, a Word template, is under 100 kB)."""


def refused(name: str, reason: str) -> TemplateProblemError:
    """A template file that may not be read, as the user's problem."""
    return TemplateProblemError([Problem(name, None, None, None, f"refused: {reason}")])


def within(folder: Path, path: Path) -> bool:
    """Whether `path`, with every symbolic link followed, lies inside `folder` (resolved too)."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve(strict=True))
    except (OSError, ValueError, RuntimeError):
        return False
    return True


def read_in(folder: Path, name: str) -> bytes | None:
    """The bytes of template `name` ('a/b.j2') in `folder`, None when the folder has no such file.

    Raises:
        TemplateProblemError: The file leads outside the folder, is no regular file, is too
            large or cannot be read; or `name` climbs out with '..'.
    """
    try:
        path = folder.joinpath(*split_template_path(name))
    except TemplateNotFound:
        raise refused(name, "a template name may not climb out of its folder with '..'") from None
    if not os.path.lexists(path):
        return None
    if not within(folder, path):
        raise refused(name, f"it leads outside the template folder {folder}")
    try:
        fd = os.open(path.resolve(), os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refused(name, f"cannot be read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise refused(name, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as exc:
        raise refused(name, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise refused(name, f"larger than {MAX_TEMPLATE_BYTES // 2**20} MB: not a template")
    return data


def find_template(name: str, folders: Sequence[Path]) -> tuple[Path, bytes] | None:
    """The first folder's copy of template `name`, as (its path, its bytes); None when no folder has it."""
    for folder in folders:
        data = read_in(folder, name)
        if data is not None:
            return folder / name, data
    return None


def pdf_fetcher(search_path: Sequence[Path], also: Sequence[Path] = ()) -> Any:
    """A WeasyPrint URL fetcher that reads only files of the template folders (and `also`), and `data:` URLs.

    The HTML's base is the built-in template folder (the last of `search_path`); a relative
    URL such as `print.css` is found by name like a template, first in the user's folders.
    Anything else (`file:///etc/passwd` as an attachment, an image or a stylesheet from
    elsewhere, any network URL) stops the render: the PDF must not carry what the template
    folders do not hold. Every stylesheet it serves has its `@import`s checked (`check_imports`).
    """
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class Refused(FatalURLFetchingError):  # type: ignore[misc]  # weasyprint is untyped: its classes are Any
        pass

    folders = [*search_path, *also]

    def locate(url: str) -> list[tuple[Path, str]] | str:
        """Where a URL may be read from, as (folder, name) in order; or why it may not."""
        parts = urlsplit(url)
        if parts.scheme != "file":
            return f"refused to fetch {url[:200]}: a PDF may use only files inside the template folders"
        path = Path(unquote(parts.path))
        base = search_path[-1].resolve()
        if path.is_relative_to(base):
            return [(folder, path.relative_to(base).as_posix()) for folder in search_path]
        places = [(f, path.relative_to(f.resolve()).as_posix()) for f in folders if path.is_relative_to(f.resolve())]
        return places or f"refused to fetch {url[:200]}: a PDF may use only files inside the template folders"

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        def check_imports(self, css: str, base_url: str) -> None:
            """Stop at the first `@import` of `css` that would be refused, wherever it stands.

            WeasyPrint skips an `@import` that does not open its stylesheet (a CSS rule) with
            a log line only: refused here, it stops the render as any other refused fetch.
            """
            for url in css_imports(css, base_url):
                if urlsplit(url).scheme != "data" and isinstance(reason := locate(url), str):
                    raise Refused(reason)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if urlsplit(url).scheme == "data":
                response = super().fetch(url, headers)
                if response.content_type != "text/css":
                    return response
                body = response.read()
                response.close()
                self.check_imports(body.decode("utf-8", "replace"), url)
                return URLFetcherResponse(url, body, {"Content-Type": "text/css"})
            places = locate(url)
            if isinstance(places, str):
                raise Refused(places)
            for folder, name in places:
                try:
                    data = read_in(folder, name)
                except TemplateProblemError as exc:
                    raise Refused(f"refused to fetch {url[:200]}: {exc.problems[0].message}") from None
                if data is not None:
                    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                    if kind == "text/css":
                        self.check_imports(data.decode("utf-8", "replace"), url)
                    return URLFetcherResponse(url, data, {"Content-Type": kind})
            raise Refused(f"refused to fetch {url[:200]}: no such file in the template folders")

    return LocalFetcher(allowed_protocols=("data",), allow_redirects=False)


def css_imports(css: str, base_url: str) -> list[str]:
    """The URLs every `@import` of a stylesheet names, in `@media`, `@supports` or `@layer` blocks too, as WeasyPrint reads them."""
    from urllib.parse import urljoin

    import tinycss2

    def walk(rules: list[Any]) -> list[str]:
        found = []
        for rule in rules:
            if rule.type != "at-rule":
                continue
            if rule.lower_at_keyword == "import":
                found += [urljoin(base_url, url) for url in _first_url(rule.prelude)]
            elif rule.content is not None:
                found += walk(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
        return found

    return walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def _first_url(prelude: list[Any]) -> list[str]:
    """The URL an `@import`'s prelude opens with: a string, `url(...)` or `url("...")`."""
    tokens = [t for t in prelude if t.type not in ("whitespace", "comment")]
    if not tokens:
        return []
    token = tokens[0]
    if token.type in ("string", "url"):
        return [token.value]
    if token.type == "function" and token.lower_name in ("url", "src"):
        return [t.value for t in token.arguments if t.type == "string"][:1]
    return []
