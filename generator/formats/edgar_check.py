"""The EDGAR linter: what EDGAR would refuse in a text or HTML document, or in a submission folder.

EDGAR ASCII (`text_problems`) uses `edgar.violations`, the very rules `render` applies to its
text. EDGAR HTML (`html_problems`) follows the Filer Manual, Vol. II, ch. 5: HTML 3.2 elements
only (no thead/tbody/tfoot/col/colgroup, no script, style, link, form, object, embed, iframe,
ins, del, s, q ...), no nested tables, styles only in `style` attributes and never with `url()`,
no event attributes, links only within the submission or to www.sec.gov/Archives, images only
.jpg/.gif files of the submission, ASCII bytes with character references for the rest. A folder
(`folder_problems`) is checked file by file, against its `submission.json` when it has one.
Each violation is a `Problem` whose `column` names the rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterable
from html.entities import name2codepoint
from html.parser import HTMLParser
from pathlib import Path

from generator import edgar
from generator.errors import Problem

ALLOWED = frozenset(
    "a address b big blockquote body br caption center cite code dd dfn dir div dl dt em font "
    "h1 h2 h3 h4 h5 h6 head hr html i img kbd li menu ol p pre samp small strike strong sub sup "
    "table td th title tr tt u ul var".split()
)
"""The HTML 3.2 elements EDGAR recognises (Filer Manual, Vol. II, 5.2.2)."""

TABLE_PARTS = frozenset({"thead", "tbody", "tfoot", "col", "colgroup"})
_UNSAFE_STYLE = re.compile(r"url\s*\(|expression\s*\(|@import|behavior\s*:|javascript:", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SEC = re.compile(r"^https?://www\.sec\.gov/Archives/", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_VOID = frozenset({"br", "hr", "img"})
MAX_NAME = 32
MANIFEST = "submission.json"


def name_problems(name: str, source: str) -> list[Problem]:
    """An EDGAR document's file name: at most 32 characters, a letter or digit first, no spaces, .htm or .txt."""
    found = []
    if len(name) > MAX_NAME:
        found.append(Problem(source, None, "file-name", name, f"file name longer than {MAX_NAME} characters ({len(name)})"))
    if not _NAME.match(name):
        found.append(Problem(source, None, "file-name", name, "file name must start with a letter or digit and hold only letters, digits, '-', '_' and '.'"))
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in ("htm", "txt", "jpg", "gif"):
        found.append(Problem(source, None, "file-name", name, "EDGAR documents end in .htm (HTML) or .txt (ASCII), lower case; images in .jpg or .gif"))
    return found


def text_problems(text: str, source: str) -> list[Problem]:
    """EDGAR ASCII's rules (printable ASCII, no tabs, 80 columns, 132 in <TABLE>, `<PAGE>` usage), line by line."""
    return [Problem(source, number, rule, line, message) for number, rule, line, message in edgar.violations(text)]


def html_problems(text: str, source: str, folder: Path | None = None, names: Collection[str] | None = None) -> list[Problem]:
    """EDGAR HTML's rules, element by element.

    Links and images must name a file of `folder` (on disk) or of `names` (a submission not yet
    written); with neither, only their form is checked.
    """
    found = [
        Problem(source, number, "ascii", line.strip()[:80], "character outside ASCII: write it as a character reference (&#8220;)")
        for number, line in enumerate(text.splitlines(), 1)
        if not line.isascii()
    ]
    present = (lambda name: (folder / name).is_file()) if folder is not None else None if names is None else names.__contains__
    checker = _HtmlChecker(source, present)
    checker.feed(text)
    checker.close()
    return found + sorted(checker.problems, key=lambda p: p.line or 0)


class _HtmlChecker(HTMLParser):
    def __init__(self, source: str, present: Callable[[str], bool] | None) -> None:
        super().__init__(convert_charrefs=False)
        self.source, self.present = source, present
        self.problems: list[Problem] = []
        self.tables = 0

    def _add(self, rule: str, value: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, self.getpos()[0], rule, value, message))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in TABLE_PARTS:
            self._add("element", tag, f"<{tag}> is not HTML 3.2: EDGAR tables are table, tr, td and th only")
        elif tag not in ALLOWED:
            self._add("element", tag, f"<{tag}> is not an HTML 3.2 element EDGAR accepts")
        if tag == "table":
            if self.tables:
                self._add("nested-table", tag, "a table inside a table: EDGAR refuses nested tables")
            self.tables += 1
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "table":
            self.tables -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.tables:
            self.tables -= 1

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self._add("event", f"{name}={value}", f"event attribute {name} on <{tag}>: EDGAR refuses active content")
        elif name == "style" and _UNSAFE_STYLE.search(value):
            self._add("style", value, "a style may not fetch or run anything (url(), expression(), @import)")
        elif name == "href":
            self._link(value)
        elif name in ("src", "background", "lowsrc", "dynsrc"):
            self._image(tag, name, value)

    def _link(self, href: str) -> None:
        if href.startswith("#") or _SEC.match(href):
            return
        if _SCHEME.match(href) or href.startswith(("/", "\\")) or "/" in href or "\\" in href:
            self._add("link", href, "a link may lead only to a document of the submission or to www.sec.gov/Archives")
            return
        target = href.split("#")[0]
        if self.present is not None and not self.present(target):
            self._add("link", href, f"the link's target {target} is not in the submission")

    def _image(self, tag: str, name: str, src: str) -> None:
        if tag != "img" or name != "src":
            self._add("image", src, f"{name} on <{tag}>: only <img src> may show an image")
        elif _SCHEME.match(src) or "/" in src or "\\" in src or not src.lower().endswith((".jpg", ".gif")):
            self._add("image", src, "an image must be a .jpg or .gif file of the submission")
        elif self.present is not None and not self.present(src):
            self._add("image", src, f"the image {src} is not in the submission")

    def handle_entityref(self, name: str) -> None:
        if name not in name2codepoint or (name2codepoint[name] > 0xFF and name not in ("ndash", "mdash", "lsquo", "rsquo", "ldquo", "rdquo", "bull", "hellip")):
            self._add("entity", f"&{name};", "a named character reference EDGAR may not know: use a numeric one (&#8212;)")

    def handle_pi(self, data: str) -> None:
        self._add("element", data, "a processing instruction is not HTML 3.2")


def file_problems(path: Path, folder: Path | None = None) -> list[Problem]:
    """One file, by its extension: .htm/.html as EDGAR HTML, .txt as EDGAR ASCII; its name checked too.

    Any other file (a PDF or DOCX beside the EDGAR documents) is no EDGAR document: its name's
    one problem says so, and its bytes are not read as ASCII (that listed thousands of lines).
    """
    source = str(path)
    found = name_problems(path.name, source)
    suffix = path.suffix.lower()
    if suffix not in (".htm", ".html", ".txt"):
        return found
    text = path.read_bytes().decode("latin-1")  # every byte a character: non-ASCII bytes are reported, never a decoding error
    if suffix in (".htm", ".html"):
        return found + html_problems(text, source, folder if folder is not None else path.parent)
    return found + text_problems(text, source)


def folder_problems(folder: Path) -> list[Problem]:
    """Every document of a folder; with a `submission.json`, also that it lists every file with its SHA-256."""
    manifest = folder / MANIFEST
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.name != MANIFEST)
    found = [problem for path in files for problem in file_problems(path, folder)]
    if manifest.is_file():
        found += _manifest_problems(manifest, {p.name for p in files})
    return found


def _manifest_problems(manifest: Path, present: set[str]) -> list[Problem]:
    source = str(manifest)
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8"))["documents"]
        entries = {entry["file"]: entry for entry in listed}
    except (ValueError, KeyError, TypeError) as exc:
        return [Problem(source, None, "manifest", None, f"not a dealdocs submission manifest: {exc}")]
    found = []
    for name, entry in entries.items():
        path = manifest.parent / name
        if name not in present:
            found.append(Problem(source, None, "manifest", name, "listed but not in the folder"))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry.get("sha256"):
            found.append(Problem(source, None, "manifest", name, "its SHA-256 differs from the file's: the file changed after it was listed"))
    found += [Problem(source, None, "manifest", name, "in the folder but not listed: EDGAR would not receive it") for name in sorted(present - set(entries))]
    return found


def problems(paths: Iterable[Path]) -> list[Problem]:
    """`dealdocs check`: every file and folder given (a folder's files, not its sub-folders)."""
    found: list[Problem] = []
    for path in paths:
        found += folder_problems(path) if path.is_dir() else file_problems(path)
    return found
