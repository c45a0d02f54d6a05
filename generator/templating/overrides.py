"""One template folder for every format: export the built-in templates to edit, and say which formats a folder leaves built-in.

Each format lays a document out from its own file (`LAYOUTS`), and every one of them imports the
document's prose module, so a folder that overrides `NAME/_prose.j2` changes every format at once;
a format that uses none of the files a folder changes is named in a warning.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path

from generator.errors import Problem, Severity, TemplateProblemError
from generator.templating.folders import templates_dir

LAYOUTS = {"txt": "{}.txt.j2", "pdf": "{}.html.j2", "docx": "{}.docx", "htm": "{}.htm.j2"}  # the file each format lays a document out from
_REFERENCE = re.compile(r"""\{%-?p?\s*(?:import|include|extends|from)\s+["']([^"']+)["']""")  # a Jinja reference, in text or Word's XML
_TAG = re.compile(r"\{[{%#]-?[pr]?\s.*?-?[}%#]\}")  # a Jinja tag as docxtpl reads it ({%p ...%}, {%tr ...%}, {{ ... }})
_RENDERED = re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml$")
_STYLE = re.compile(r'<w:pStyle w:val="([^"]+)"/>')
_STAGING = ".dealdocs-export-"


def layout_files(document: str) -> dict[str, str]:
    """Each format's layout file for a document: {"txt": "term-sheet-8k.txt.j2", ...}."""
    return {fmt: pattern.format(document) for fmt, pattern in LAYOUTS.items()}


def partial_overrides(search_path: Sequence[Path], document: str, formats: Iterable[str]) -> list[Problem]:
    """A warning for each format that uses none of the templates a user's folder changes, while another format uses one.

    A template is changed when a user's folder holds it with other bytes than the built-in one of
    that name (or there is no built-in one); a format uses it when its layout, or any file the
    layout imports or includes, is that file. So the warning is true whenever it is given: the
    format's output is what the built-in templates make of the deal.

    Args:
        search_path: The user's template folders (`template_dirs`), the built-in folder excluded.
        document: The document's name.
        formats: The formats being rendered.

    Returns:
        One warning per format that follows none of the changes; none when nothing is changed.
    """
    folders = [*search_path, templates_dir()]
    files = layout_files(document)
    changes = {fmt: sorted(name for name, path in used_templates(document, fmt, folders).items() if _changed(name, path)) for fmt in files}
    changed = ", ".join(sorted({name for names in changes.values() for name in names}))
    if not changed:
        return []
    warnings = []
    for fmt in formats:
        if fmt in files and not changes[fmt]:
            message = (
                f"your templates change {changed}, but the {fmt} output uses none of them: it does not follow your changes "
                f"(its layout is {files[fmt]}: copy it with 'dealdocs templates export DIR --document {document}' and edit it, "
                f"or change the words once in {document}/_prose.j2, which every format imports)"
            )
            warnings.append(Problem(f"{document}.{fmt}", None, None, None, message, Severity.WARNING))
    return warnings


def used_templates(document: str, fmt: str, folders: Sequence[Path]) -> dict[str, Path]:
    """The templates a format's layout of `document` uses (the layout, and every file it imports or includes, on down), each as found first in `folders`."""
    todo = [layout_files(document)[fmt]]
    found: dict[str, Path] = {}
    while todo:
        name = todo.pop(0)
        path = None if name in found else next((folder / name for folder in folders if (folder / name).is_file()), None)
        if path is not None:
            found[name] = path
            with suppress(OSError, UnicodeDecodeError, zipfile.BadZipFile):  # unreadable, it imports nothing seen here: rendering it says why
                todo += _REFERENCE.findall(_text_of(path))
    return found


def _changed(name: str, path: Path) -> bool:
    """Whether a template found at `path` is a user's change: not the built-in file, nor a copy of it byte for byte."""
    builtin = templates_dir() / name
    if path == builtin:
        return False
    try:
        return not builtin.is_file() or path.read_bytes() != builtin.read_bytes()
    except OSError:  # a file of the user's that cannot be read is no copy of the built-in one
        return True


def _text_of(path: Path) -> str:
    """A template's text, or the XML of a .docx's parts that docxtpl renders (body, headers, footers, footnotes)."""
    if path.suffix != ".docx":
        return path.read_text(encoding="utf-8")
    with zipfile.ZipFile(path) as package:
        parts = [n for n in package.namelist() if _RENDERED.match(n)]
        return "\n".join(package.read(n).decode("utf-8") for n in sorted(parts, key=lambda n: (n != "word/document.xml", n)))


def needed_templates(documents: Iterable[str]) -> list[str]:
    """The built-in templates the documents' layouts use, each format's and every file they import or include."""
    return sorted({name for document in documents for fmt in LAYOUTS for name in used_templates(document, fmt, [templates_dir()])})


_NAMES = re.compile(r'<w:style [^>]*w:styleId="([^"]+)"[^>]*>\s*<w:name w:val="([^"]+)"/>')
_HOW = """Open it in Word, change the layout, styles and words around the tags, save it under the same name
in your templates folder. Keep each tag whole, in one run of one style (type it in one go, or paste
it as plain text). `{{ ... }}` prints a value; `{%p ... %}` (a paragraph of its own) repeats or
leaves out the paragraphs between it and its `{%p end... %}`; `{%tr ... %}` (a table row of its own)
does the same for rows. The words themselves come from the prose modules (`NAME/_prose.j2`), which
every format imports: change words there, once.
"""


def docx_notes(name: str) -> str:
    """What a .docx template holds for someone editing it in Word: its paragraph styles and its Jinja tags."""
    with zipfile.ZipFile(templates_dir() / name) as package:
        styles = dict(_NAMES.findall(package.read("word/styles.xml").decode("utf-8")))
    xml = _text_of(templates_dir() / name)
    text = re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n"))
    tags = list(dict.fromkeys(_TAG.findall(text)))
    used = sorted({styles.get(style_id, style_id) for style_id in _STYLE.findall(xml)})
    lines = [f"# {name}: tags and styles", "", _HOW]
    lines += ["## Paragraph styles used (Home > Styles)", "", *(f"- {style}" for style in used), "", "## Tags, in document order", ""]
    lines += [f"- `{tag}`" for tag in tags]
    return "\n".join(lines) + "\n"


def export_templates(target: Path, documents: Sequence[str]) -> list[Path]:
    """Copy the built-in templates of every format for `documents` into `target`, with notes on each .docx.

    All files or none: they are written into a hidden folder inside `target`, then moved into
    place; if anything fails (a read-only file system, a full disk), what was moved is removed
    again, so a second try finds the folder as it was. Never through a symbolic link.

    Args:
        target: The folder to copy into; created if missing. Files already there are not replaced
            (one identical to what would be written is left as it is, so a run cut short can be run again).
        documents: Names of documents (e.g. "term-sheet-8k").

    Returns:
        The files written.

    Raises:
        TemplateProblemError: `target` is not a folder, or a file to write is already there or
            would be written through a symbolic link; nothing is written.
        OutputError: Writing failed; nothing is left written.
    """
    names = needed_templates(documents)
    files = [(name, (templates_dir() / name).read_bytes()) for name in names]
    files += [(f"{name}.md", docx_notes(name).encode("utf-8")) for name in names if name.endswith(".docx")]
    problems = _export_problems(target, files)
    if problems:
        raise TemplateProblemError(problems)
    return _write_new(target, [(name, data) for name, data in files if not _same_file(target / name, data)])


def _same_file(path: Path, data: bytes) -> bool:
    """Whether `path` is a regular file (not a link) holding `data`: exported already, by an earlier run cut short."""
    try:
        return not path.is_symlink() and path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _export_problems(target: Path, files: Sequence[tuple[str, bytes]]) -> list[Problem]:
    """Why a file cannot be exported to `target`: the target or a folder on the way is no folder or a link, or another file is there."""
    if os.path.lexists(target) and not target.is_dir():
        return [Problem(str(target), None, None, None, "not a folder: export into a new or empty folder")]
    found: dict[Path, str] = {}
    for name, data in files:
        parts = Path(name).parts
        for depth in range(1, len(parts) + 1):
            path = target.joinpath(*parts[:depth])
            if path.is_symlink():
                found[path] = "a symbolic link: export never writes through a link; move it away"
            elif depth < len(parts) and os.path.lexists(path) and not path.is_dir():
                found[path] = "not a folder, where a folder of templates goes: move it away"
            elif depth == len(parts) and os.path.lexists(path) and not _same_file(path, data):
                found[path] = "already exists: export into an empty folder, or move it away"
            else:
                continue
            break
    return [Problem(str(path), None, None, None, why) for path, why in found.items()]


def _write_new(target: Path, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write `files` as new files under `target`, all together or none (see `export_templates`)."""
    from generator.files import write_problem

    created: list[Path] = []  # folders made and files moved in, to remove again if a later step fails
    stage: Path | None = None
    path = target
    try:
        for folder in reversed([target, *target.parents]):
            if not os.path.lexists(folder):
                folder.mkdir()
                created.append(folder)
        for leftover in target.glob(f"{_STAGING}*"):  # of an export that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(dir=target, prefix=_STAGING))
        for name, data in files:
            path = target / name
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)
        for name, _ in files:
            path = target / name
            for folder in reversed(path.relative_to(target).parents[:-1]):
                if not os.path.lexists(target / folder):
                    (target / folder).mkdir()
                    created.append(target / folder)
            os.rename(stage / name, path)
            created.append(path)
    except OSError as exc:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        for made in reversed(created):
            with suppress(OSError):
                made.rmdir() if made.is_dir() and not made.is_symlink() else made.unlink()
        raise write_problem(path, exc, target if target.exists() else None) from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    return [target / name for name, _ in files]
