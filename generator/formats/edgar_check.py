"""The EDGAR linter: what EDGAR would refuse in a text or HTML document, or in a submission folder.

EDGAR ASCII (`text_problems`) uses `edgar.violations`, the very rules `render` applies to its
text. EDGAR HTML (`html_problems`) follows the Filer Manual, Vol. II, ch. 5: HTML 3.2 elements
only (no thead/tbody/tfoot/col/colgroup, no script, style, link, form, object, embed, iframe,
ins, del, s, q ...; EDGAR's `<R>` redline tag is accepted), no nested tables, styles only in `style` attributes, of the properties
dealdocs uses and never with `url()` or any function but `rgb()`, only the attributes HTML 3.2
needs, no event attributes, links only within the submission or to www.sec.gov/Archives, images
only .jpg/.gif files of the submission, ASCII bytes with character references for the rest. The
HTML is read as a browser reads it (the WHATWG parser), so a comment or CDATA trick hides
nothing. In both kinds, EDGAR's own submission markup (`<DOCUMENT>`, `</TEXT>`, `<TYPE>`...)
and characters that reverse the text's direction are refused. A folder (`folder_problems`) is
checked file by file, sub-folders and hidden files included, as a submission: against its
`submission.json` (which must be there), the form's rules, its filers and, for a Form 8-K,
its exhibit index against the exhibits. Each violation is a `Problem` whose `column` names the rule.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import lru_cache
from html.entities import name2codepoint
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from generator import edgar
from generator.deal.models import CIK_PATTERN, SEC_FILE_NUMBER_PATTERN
from generator.errors import Problem

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ALLOWED = frozenset(
    "a address b big blockquote body br caption center cite code dd dfn dir div dl dt em font "
    "h1 h2 h3 h4 h5 h6 head hr html i img kbd li menu ol p pre samp small strike strong sub sup "
    "table td th title tr tt u ul var r".split()
)
"""The HTML 3.2 elements EDGAR recognises (Filer Manual, Vol. II, 5.2.2), and `<R>`, EDGAR's redline tag marking revised material."""

TABLE_PARTS = frozenset({"thead", "tbody", "tfoot", "col", "colgroup"})
ATTRIBUTES = frozenset(
    "align alt bgcolor border cellpadding cellspacing class clear color colspan compact dir face height hspace id lang "
    "name noshade nowrap rowspan size start style title type valign value vspace width".split()
)
"""The attributes EDGAR HTML may carry, besides `href` and `src` (checked on their own): none of them holds a URL."""
STYLE_PROPERTIES = frozenset(
    "border border-bottom border-collapse border-left border-right border-top color font-family font-size font-style "
    "font-weight height line-height margin margin-bottom margin-left margin-right margin-top max-width padding "
    "padding-bottom padding-left padding-right padding-top page-break-after page-break-before text-align "
    "text-decoration text-indent vertical-align white-space width".split()
)
"""The CSS properties dealdocs' EDGAR HTML uses, and the only ones `check` accepts in a `style` attribute."""
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
    """EDGAR ASCII's rules (printable ASCII, no tabs, 80 columns, 132 in <TABLE>, `<PAGE>` usage), line by line.

    A line with characters outside printable ASCII names each of them and its ASCII equivalent
    (EDGAR text cannot hold a character reference).
    """
    return [
        Problem(source, number, rule, _shown(line), non_ascii_advice(line, html=False) if rule == "ascii" else message)
        for number, rule, line, message in edgar.violations(text)
    ]


def non_ascii_advice(line: str, html: bool) -> str:
    """What to write instead of each distinct character of `line` outside printable ASCII, named by its code point.

    In HTML, its numeric character reference (`&#8212;`); in EDGAR text, the ASCII `render`
    itself would print for it (anyascii's), or, without one, that it must go. A byte that is
    not UTF-8 (read as a lone surrogate, see `file_problems`) is named by its hex value.
    """
    advice = []
    for char in dict.fromkeys(line):
        code = ord(char)
        if " " <= char <= "~" or (html and code < 0x80):
            continue
        if 0xDC80 <= code <= 0xDCFF:
            target = "as a numeric character reference" if html else "in ASCII"
            advice.append(f"byte 0x{code - 0xDC00:02X} is not UTF-8: save the file as UTF-8 to see its character, then write it {target}")
            continue
        name = f"U+{code:04X} {unicodedata.name(char, '(a control character)')}"
        if html:
            advice.append(f"{name}: write &#{code};")
        elif (ascii_ := _anyascii(char)).isascii() and ascii_.isprintable() and ascii_.strip():
            advice.append(f"{name}: write {ascii_!r}")
        else:
            advice.append(f"{name}: no ASCII equivalent: remove or reword it")
    where = "ASCII" if html else "printable ASCII"
    return f"character{'s' * (len(advice) != 1)} outside {where}: " + "; ".join(advice)


def _anyascii(char: str) -> str:
    """The ASCII `render` prints for a character in EDGAR text."""
    from anyascii import anyascii

    return str(anyascii(char))


def _shown(line: str) -> str:
    """A line as a message shows it: a byte that is not UTF-8 as U+FFFD, so that the message can be printed."""
    return re.sub("[\udc80-\udcff]", "\ufffd", line)


def html_problems(text: str, source: str, folder: Path | None = None, names: Collection[str] | None = None) -> list[Problem]:
    """EDGAR HTML's rules, element by element, the HTML read as a browser reads it (WHATWG's HTML parser).

    A browser reads `<!--><script>` as an empty comment and a script, and `<![CDATA[>` as a
    comment that ends at the first `>`: so does this check. Links and images must name a
    file of `folder` (on disk) or of `names` (a submission not yet written); with neither,
    only their form is checked.
    """
    found = [
        Problem(source, number, "ascii", _shown(line.strip()[:80]), non_ascii_advice(line, html=True))
        for number, line in enumerate(text.splitlines(), 1)
        if not line.isascii()
    ]
    found += _raw_problems(text, source)
    present = (lambda name: _present(folder / name)) if folder is not None else None if names is None else names.__contains__
    checker = _HtmlChecker(source, present)
    checker.check(text)
    return found + sorted(checker.problems, key=lambda p: p.line or 0)


def _present(path: Path) -> bool:
    """Whether a link's target is a document of the folder: a regular file with a name EDGAR accepts."""
    return path.is_file() and not path.is_symlink() and bool(_NAME.match(path.name))


def _raw_problems(text: str, source: str) -> list[Problem]:
    """What the bytes hold whatever the HTML means: EDGAR's submission markup and named references EDGAR may not know."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if match := edgar.SUBMISSION_MARKUP.search(line):
            found.append(Problem(source, number, "submission-markup", match.group(), edgar.SUBMISSION_MESSAGE))
        for name in _ENTITY.findall(line):
            if name not in name2codepoint or (name2codepoint[name] > 0xFF and name not in _KNOWN_ENTITIES):
                found.append(Problem(source, number, "entity", f"&{name};", "a named character reference EDGAR may not know: use a numeric one (&#8212;)"))
    return found


_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_KNOWN_ENTITIES = frozenset({"ndash", "mdash", "lsquo", "rsquo", "ldquo", "rdquo", "bull", "hellip"})


class _HtmlChecker:
    """The rules, applied to each token as the WHATWG parser (tinyhtml5, WeasyPrint's own) hands it to its tree."""

    def __init__(self, source: str, present: Callable[[str], bool] | None) -> None:
        self.source, self.present = source, present
        self.problems: list[Problem] = []
        self.tables = 0
        self.line = 1
        self.links: list[str] = []
        """The documents of the submission the HTML links to, in order."""
        self.words: list[str] = []
        """The text the HTML shows, piece by piece."""

    def check(self, text: str) -> None:
        """Parse `text` as a browser would, every token checked on its way to the tree."""
        from tinyhtml5.constants import Token
        from tinyhtml5.parser import HTMLParser
        from tinyhtml5.tokenizer import HTMLTokenizer

        checker = self

        class Tokenizer(HTMLTokenizer):  # type: ignore[misc]  # tinyhtml5 is untyped
            def __iter__(self) -> Iterator[dict[str, Any]]:
                for token in super().__iter__():
                    checker.line = self.stream.position()[0]
                    checker.token(token, Token)
                    yield token

        class Parser(HTMLParser):  # type: ignore[misc]
            def _parse(self, stream: str, container: str | None = None, scripting: bool = False, **kwargs: Any) -> None:
                self.container, self.scripting = container, scripting
                self.tokenizer = Tokenizer(stream, parser=self, **kwargs)
                self.reset()
                self.main_loop()

        Parser(namespace_html_elements=False).parse(text)

    def _add(self, rule: str, value: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, self.line, rule, value, message))

    def token(self, token: dict[str, Any], kinds: Any) -> None:
        kind = token["type"]
        if kind == kinds.START_TAG or kind == kinds.EMPTY_TAG:
            self.start(token["name"], token["data"] if isinstance(token["data"], dict) else dict(token["data"]))
        elif kind == kinds.END_TAG and token["name"] == "table" and self.tables:
            self.tables -= 1
        elif kind == kinds.CHARACTERS or kind == kinds.SPACE_CHARACTERS:
            self._text(token["data"])
            self.words.append(token["data"])
        elif kind == kinds.COMMENT and token["data"].lstrip().startswith("?"):
            self._add("element", token["data"][:80], "a processing instruction is not HTML 3.2")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag in TABLE_PARTS:
            self._add("element", tag, f"<{tag}> is not HTML 3.2: EDGAR tables are table, tr, td and th only")
        elif tag not in ALLOWED:
            self._add("element", tag, f"<{tag}> is not an HTML 3.2 element EDGAR accepts")
        if tag == "table":
            if self.tables:
                self._add("nested-table", tag, "a table inside a table: EDGAR refuses nested tables")
            self.tables += 1
        for name, value in attrs.items():
            self._attribute(tag, name, value or "")

    def _text(self, text: str) -> None:
        if match := edgar.BIDI.search(text):
            self._add("bidi", f"U+{ord(match.group()):04X}", edgar.BIDI_MESSAGE)

    def _attribute(self, tag: str, name: str, value: str) -> None:
        self._text(value)
        if name.startswith("on"):
            self._add("event", f"{name}={value}", f"event attribute {name} on <{tag}>: EDGAR refuses active content")
        elif name == "style":
            for value_, message in style_problems(value):
                self._add("style", value_, message)
        elif name == "href":
            self._link(_url(value))
        elif name in ("src", "background", "lowsrc", "dynsrc"):
            self._image(tag, name, _url(value))
        elif name not in ATTRIBUTES:
            self._add("attribute", f"{name}={value[:80]}", f"attribute {name} on <{tag}> is not one EDGAR HTML needs")

    def _link(self, href: str) -> None:
        if href.startswith("#") or _SEC.match(href):
            return
        if _SCHEME.match(href) or href.startswith(("/", "\\")) or "/" in href or "\\" in href:
            self._add("link", href, "a link may lead only to a document of the submission or to www.sec.gov/Archives")
            return
        target = href.split("#")[0]
        self.links.append(target)
        if self.present is not None and not self.present(target):
            self._add("link", href, f"the link's target {target} is not in the submission")

    def _image(self, tag: str, name: str, src: str) -> None:
        if tag != "img" or name != "src":
            self._add("image", src, f"{name} on <{tag}>: only <img src> may show an image")
        elif _SCHEME.match(src) or "/" in src or "\\" in src or not src.lower().endswith((".jpg", ".gif")):
            self._add("image", src, "an image must be a .jpg or .gif file of the submission")
        elif self.present is not None and not self.present(src):
            self._add("image", src, f"the image {src} is not in the submission")


def _url(value: str) -> str:
    """An attribute's URL as a browser takes it: tabs and line breaks dropped, blanks and controls at its ends stripped."""
    return re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(0x21))))


@lru_cache(maxsize=4096)
def style_problems(style: str) -> tuple[tuple[str, str], ...]:
    r"""A `style` attribute's declarations EDGAR HTML does not need, or that could fetch or run anything, as (value, why).

    The CSS is read as a browser reads it (tinycss2, WeasyPrint's own reader), so an escape
    (`\75 rl(`) is the `url(` it spells; a property must be on `STYLE_PROPERTIES`, and its
    value holds no function but `rgb()`, no URL, no `@` rule and no block. Cached: a document
    repeats a few styles thousands of times.
    """
    import tinycss2

    found = []
    for item in tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            shown = f"{item.name}:{tinycss2.serialize(item.value).strip()}"[:120]
            if item.lower_name not in STYLE_PROPERTIES:
                found.append((shown, f"the property {item.lower_name} is not one EDGAR HTML needs (see STYLE_PROPERTIES)"))
            elif bad := _active_token(item.value):
                found.append((shown, f"a style may not fetch or run anything ({bad})"))
        else:
            shown = style.strip()[:120] if item.type == "error" else tinycss2.serialize([item]).strip()[:120]
            found.append((shown, "not a CSS declaration: a style attribute holds only 'property: value' pairs"))
    return tuple(found)


def _active_token(tokens: Iterable[Any]) -> str | None:
    """The first token of a CSS value that could fetch or run something: a URL, a function other than rgb(), a block."""
    for token in tokens:
        if token.type == "url":
            return "url()"
        if token.type == "function":
            if token.lower_name not in ("rgb",):
                return f"{token.lower_name}()"
            if bad := _active_token(token.arguments):
                return bad
        elif token.type in ("() block", "[] block", "{} block", "at-keyword", "error"):
            return str(token.type)
    return None


def file_problems(path: Path, folder: Path | None = None) -> list[Problem]:
    """One file, by its extension: .htm/.html as EDGAR HTML, .txt as EDGAR ASCII; its name checked too.

    Any other file (a PDF or DOCX beside the EDGAR documents) is no EDGAR document: its name's
    one problem says so, and its bytes are not read as ASCII (that listed thousands of lines).
    Links resolve in `folder`, by default the file's own.
    """
    source = str(path)
    found = name_problems(path.name, source)
    suffix = path.suffix.lower()
    if suffix not in (".htm", ".html", ".txt"):
        return found
    if not path.is_file():
        return [*found, Problem(source, None, "file", None, "not a regular file: EDGAR takes documents only")]
    # UTF-8, so a message shows the characters; a byte that is not UTF-8 is kept (a lone surrogate) and reported, never a decoding error
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    if suffix in (".htm", ".html"):
        return found + html_problems(text, source, folder if folder is not None else path.parent)
    return found + text_problems(text, source)


def folder_problems(folder: Path, key: Ed25519PublicKey | None = None) -> list[Problem]:
    """Every file under a submission folder, hidden ones and those in sub-folders too, and its `submission.json` against them.

    EDGAR takes one flat folder of documents: a sub-folder, a symbolic link or a special file
    is a problem of its own (a link or special file is not read), and the files inside a
    sub-folder are checked as well, so that nothing a document links to goes unread. The folder
    is a submission: its `submission.json` must list exactly its documents, hashes matching,
    by the form's rules (`submission_problems`); with `key`, signed by it.
    """
    found: list[Problem] = []
    top: set[str] = set()
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs.sort()
        for name in dirs:
            path = here / name
            flat = "a sub-folder: an EDGAR submission is one flat folder of documents"
            why = "a symbolic link: EDGAR takes documents, not links" if path.is_symlink() else flat
            found.append(Problem(str(path), None, "folder", None, why))
        dirs[:] = [name for name in dirs if not (here / name).is_symlink()]
        for name in sorted(files):
            path = here / name
            mode = path.lstat().st_mode
            if not stat.S_ISREG(mode):
                kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
                found.append(Problem(str(path), None, "file", None, f"{kind}: EDGAR takes documents only, and it is not read"))
                continue
            if here == folder and name == MANIFEST:
                continue
            found += file_problems(path, here)
            if here == folder:
                top.add(name)
    return found + submission_problems(folder, top, key)


FORM_EXHIBITS = {"8-K": frozenset({1, 2, 3, 4, 5, 7, 8, 10, 14, 16, 17, 20, 23, 24, 36, 99, 101, 104, 106}), "FWP": frozenset[int]()}
"""The exhibit numbers each form dealdocs files may carry: the Form 8-K column of Item 601(a)'s exhibit table (Regulation S-K);
a free writing prospectus (Rule 433) is one document, with no exhibits."""
_EXHIBIT = re.compile(r"^EX-(\d{1,3})(\.\d{1,3})?$")
GRAPHIC = "GRAPHIC"
"""EDGAR's type for an image a document of the submission shows (a .jpg or .gif): not an exhibit, and as many as are shown."""
_ENTRY_KEYS = ("type", "description", "file", "sha256")
_INCLUDED_KEYS = ("type", "description", "included_in")
ROLES = ("depositor", "issuing entity", "sponsor")
"""The filers' roles `submission.json` names: the depositor always, the issuing entity and sponsor where the filing names them."""
_FILER_FORMS = {"cik": (CIK_PATTERN, "a CIK is ten digits"), "commission_file_number": (SEC_FILE_NUMBER_PATTERN, "not a Commission file number")}


def submission_problems(folder: Path, present: Collection[str], key: Ed25519PublicKey | None = None) -> list[Problem]:
    """`submission.json` against the folder's documents (`present`) and the form's rules; with `key`, its signature.

    It must be there (a regular file), name a form dealdocs files, list one primary document
    (of the form's type, first) and exhibits of types the form takes, no file or type twice,
    and exactly the folder's documents, each with the SHA-256 of its bytes.
    """
    path = folder / MANIFEST
    source = str(path)
    if not path.is_file() or path.is_symlink():
        why = "no submission.json: a submission folder lists its documents there (render --submission writes it)"
        why += ", or nothing says which files are the filing's or that they are unchanged"
        if (folder / "manifest.json").is_file():  # `render`'s or `batch`'s output folder: its documents are checked by name
            why += f"; this folder is a render's output: check its documents by name (dealdocs check {folder}/*.txt {folder}/*.htm)"
        return [Problem(source, None, "manifest", None, why)]
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return [Problem(source, None, "manifest", None, "not a dealdocs submission manifest: not JSON text; render the submission again")]
    listed = data.get("documents") if isinstance(data, dict) else None
    if not _entries(listed, _ENTRY_KEYS, empty=False):
        why = f"not a dealdocs submission manifest: it needs a list of documents, each with {', '.join(_ENTRY_KEYS)}; render the submission again"
        return [Problem(source, None, "manifest", None, why)]
    included = data.get("included_exhibits", [])
    if not _entries(included, _INCLUDED_KEYS, empty=True):
        why = f"included_exhibits is a list of exhibits, each with {', '.join(_INCLUDED_KEYS)}; render the submission again"
        return [Problem(source, None, "manifest", None, why)]
    found = _form_problems(source, data.get("form"), listed, included) + _filer_problems(source, data)
    if key is not None:
        from generator.signing import signature_problem

        if unsigned := signature_problem(data, key):
            found.append(Problem(source, None, "signature", None, f"not signed by your key: {unsigned}"))
    files = [d["file"] for d in listed]
    for name in sorted({f for f in files if files.count(f) > 1}):
        found.append(Problem(source, None, "manifest", name, "listed twice: each document is listed once"))
    for entry in listed:
        name = entry["file"]
        if name not in present:
            found.append(Problem(source, None, "manifest", name, "listed but not in the folder"))
        elif hashlib.sha256((folder / name).read_bytes()).hexdigest() != entry["sha256"]:
            found.append(Problem(source, None, "manifest", name, "its SHA-256 differs from the file's: the file changed after it was listed"))
    found += [Problem(source, None, "manifest", name, "in the folder but not listed: EDGAR would not receive it") for name in sorted(set(present) - set(files))]
    if data.get("form") == "8-K" and listed[0]["file"] in present:
        found += _index_problems(folder, listed, included)
    return found


def _entries(value: object, keys: tuple[str, ...], empty: bool) -> TypeGuard[list[dict[str, str]]]:
    """Whether a manifest's list (documents, included exhibits) is a list of objects with each of `keys` a string; empty if allowed."""
    return isinstance(value, list) and (empty or bool(value)) and all(isinstance(d, dict) and all(isinstance(d.get(k), str) for k in keys) for d in value)


def _filer_problems(source: str, data: dict[str, Any]) -> list[Problem]:
    """The filers: each a role dealdocs names (a depositor among them, no role twice) with a name, CIK and file number of their forms."""
    filers = data.get("filers")
    if not (isinstance(filers, list) and all(isinstance(f, dict) and isinstance(f.get("role"), str) and isinstance(f.get("name"), str) for f in filers)):
        return [Problem(source, None, "filers", None, "submission.json needs its filers, each with role and name: render the submission again")]
    roles = [f["role"] for f in filers]
    found = [Problem(source, None, "filers", role, f"not a filer's role ({', '.join(ROLES)})") for role in roles if role not in ROLES]
    found += [Problem(source, None, "filers", role, "listed twice: each filer is listed once") for role in sorted({r for r in roles if roles.count(r) > 1})]
    if "depositor" not in roles:
        found.append(Problem(source, None, "filers", None, "no depositor: the depositor files every submission"))
    for filer in filers:
        for key, (pattern, why) in _FILER_FORMS.items():
            value = filer.get(key)
            if value is not None and not (isinstance(value, str) and re.fullmatch(pattern, value)):
                why = f"{why}: render the submission again from a corrected deal file"
                found.append(Problem(source, None, "filers", f"{filer['role']} {key} {value}", why))
    return found


def _index_problems(folder: Path, listed: list[dict[str, str]], included: list[dict[str, str]]) -> list[Problem]:
    """A Form 8-K's exhibit index against its exhibits: each exhibit's file linked, each exhibit included in another listed by number."""
    path = folder / listed[0]["file"]
    checker = _HtmlChecker(str(path), None)
    checker.check(path.read_bytes().decode("utf-8", errors="surrogateescape"))
    words = " ".join("".join(checker.words).split())
    found = [
        Problem(str(path), None, "index", d["type"], f"the exhibit index does not link {d['file']}: Item 601(a)(2) requires a link to each exhibit")
        for d in listed[1:]
        if d["file"] not in checker.links and d["type"] != GRAPHIC  # an image an exhibit shows is no exhibit
    ]
    for entry in included:
        number = entry["type"].removeprefix("EX-")
        if not re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", words):
            found.append(Problem(str(path), None, "index", entry["type"], f"the exhibit index does not list it (included in {entry['included_in']})"))
    return found


def _form_problems(source: str, form: object, listed: list[dict[str, str]], included: list[dict[str, str]]) -> list[Problem]:
    """The form's rules: a form dealdocs files, its one primary document first, exhibits of types it takes, no type twice.

    An exhibit included in another document must be included in an exhibit the submission files.
    """
    if not isinstance(form, str) or form not in FORM_EXHIBITS:
        return [Problem(source, None, "form", str(form), f"not a form dealdocs files ({', '.join(FORM_EXHIBITS)}): render the submission again")]
    found = []
    types = [d["type"] for d in listed]
    if types.count(form) != 1 or types[0] != form:
        found.append(Problem(source, None, "form", form, f"an {form} submission lists one primary document of type {form}, first ({types.count(form)} listed)"))
    found += [
        Problem(source, None, "form", e["type"], f"included in {e['included_in']}, which the submission does not file as an exhibit")
        for e in included
        if e["included_in"] not in types[1:]
    ]
    types += [e["type"] for e in included]
    for kind in types:
        match = _EXHIBIT.match(kind)
        if kind == GRAPHIC and FORM_EXHIBITS[form]:
            continue
        if kind != form and (match is None or int(match.group(1)) not in FORM_EXHIBITS[form]):
            why = f"not an exhibit type a Form {form} takes (Item 601 of Regulation S-K)"
            why = why if FORM_EXHIBITS[form] else f"an {form} is filed alone: it takes no exhibits"
            found.append(Problem(source, None, "form", kind, why))
    twice = sorted({t for t in types if t not in (form, GRAPHIC) and types.count(t) > 1})  # a second primary is the rule above
    found += [Problem(source, None, "form", kind, "listed twice: each exhibit type is filed once") for kind in twice]
    return found


def problems(paths: Iterable[Path], key: Ed25519PublicKey | None = None) -> list[Problem]:
    """`dealdocs check`: every file and folder given (a folder's files, its sub-folders' and hidden ones included, and its `submission.json`).

    A folder of submissions, as `render --submission` writes for a deal filing an FWP and an 8-K, is each of its submissions.
    """
    found: list[Problem] = []
    for path in paths:
        for each in (_submissions(path) or [path]) if path.is_dir() else [path]:
            found += folder_problems(each, key) if each.is_dir() else file_problems(each)
    return found


def _submissions(folder: Path) -> list[Path] | None:
    """A folder of submissions (`render --submission` of a deal filing two forms): its sub-folders, if it holds nothing else and each is one."""
    if (folder / MANIFEST).exists() or (folder / MANIFEST).is_symlink():
        return None
    entries = sorted(folder.iterdir())
    plain = all(entry.is_dir() and not entry.is_symlink() and (entry / MANIFEST).is_file() for entry in entries)
    return entries if entries and plain else None
