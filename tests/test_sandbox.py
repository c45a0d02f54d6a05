"""Hostile templates: each is refused with a message naming the template, within the render budget.

A deal team's template folder overrides the shelf letter's text (or HTML) template with
something an attacker would write; rendering must end in exit status 2 with a message
that names the template, never a traceback, a file read, a command run or a hang.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.cli import app

from .helpers import ROOT, SHELF, runner

TEXT = "exhibit-5-1-shelf.txt.j2"
HTML = "exhibit-5-1-shelf.html.j2"
PICKLE = "cos\nsystem\n(S'touch {marker}'\ntR."

HOSTILE_TEXT = {
    # reaching Python through the data: pydantic class methods, dunders, globals
    "pickle-through-parse-raw": "{{{{ deal.parse_raw({payload!r}, proto='pickle', allow_pickle=True) }}}}",
    "parse-file-reads-a-file": "{{ letter.counsel.parse_file('/etc/hostname') }}",
    "model-validate-json": "{{ deal.model_validate_json('{}') }}",
    "model-dump": "{{ deal.model_dump() }}",
    "model-fields": "{{ deal.model_fields }}",
    "class-of-data": "{{ deal.__class__ }}",
    "subclasses-from-tuple": "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "mro-of-string": "{{ ''.__class__.__mro__ }}",
    "string-subclasses": "{{ deal.depositor.name.__class__.__base__.__subclasses__() }}",
    "bound-method-self": "{% set m = deal.depositor.name.upper %}{{ m.__self__ }}",
    "globals-of-helper": "{{ join_words.__globals__ }}",
    "globals-of-range": "{{ range.__globals__ }}",
    "namespace-init-globals": "{{ namespace.__init__.__globals__ }}",
    "self-reference-globals": "{{ self.__init__.__globals__ }}",
    "cycler-is-gone": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "joiner-is-gone": "{{ joiner() }}",
    "format-reaches-attributes": "{{ '{0.__class__}'.format(deal) }}",
    "format-filter-attributes": "{{ '%s' | format(deal.__class__) }}",
    "attr-filter-dunder": "{{ deal | attr('__class__') }}",
    "map-attribute-dunder": "{{ [deal] | map(attribute='__class__') | list }}",
    "helper-private-state": "{{ mentions({})._parties }}",
    "numbering-class": "{{ number_clauses([]).__class__ }}",
    "date-method-not-listed": "{{ letter.date.replace(year=1) }}",
    "decimal-scaleb": "{{ letter.registration.amount.scaleb(999999999) }}",
    # mutating state
    "dict-update": "{% set d = {} %}{{ d.update({'a': 1}) }}",
    "dict-setdefault": "{% set d = {} %}{{ d.setdefault('a', 1) }}",
    "list-append": "{% set l = [] %}{{ l.append(1) }}",
    "data-is-read-only": "{{ letter.__setattr__('date', 1) }}",
    # reading files
    "include-absolute-path": '{% include "/etc/passwd" %}',
    "include-parent-folders": '{% include "../../../../../../etc/passwd" %}',
    "import-absolute-path": '{% import "/etc/passwd" as x %}',
    "extends-absolute-path": '{% extends "/etc/passwd" %}',
    "include-binary-template": '{% include "exhibit-5-1-shelf.docx" %}',
    # exhausting the machine
    "huge-string": "{{ 'a' * 10**10 }}",
    "huge-power": "{{ 10**(10**9) }}",
    "huge-range": "{{ range(10**9) | list | length }}",
    "lipsum-is-gone": "{{ lipsum(1000000) }}",
    "huge-ljust": "{{ 'x'.ljust(10**9) }}",
    "huge-center-filter": "{{ 'x' | center(10**9) }}",
    "huge-indent-filter": "{{ 'x\ny' | indent(10**9) }}",
    "huge-percent-format": "{{ '%0999999999d' % 1 }}",
    "huge-replace": "{{ ('a' * 1000) | replace('a', 'b' * 10000) }}",
    "doubling-concat": "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "doubling-list": "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}",
    "nested-loops-run-past-the-budget": "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}{% endfor %}{% endfor %}{% endfor %}",
    "macro-recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "self-include": '{% include "exhibit-5-1-shelf.txt.j2" %}',
    # plain mistakes
    "division-by-zero": "{{ 1 / 0 }}",
    "adding-text-to-a-number": "{{ 1 + 'a' }}",
    "undefined-name": "{{ no_such_value }}",
    "syntax-error": "{% if %}",
    "bad-index": "{{ [][3] }}",
}


@pytest.fixture(autouse=True)
def _short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALDOCS_RENDER_SECONDS", "3")


def _render(folder: Path, out: Path, fmt: str = "txt") -> tuple[int, str]:
    result = runner.invoke(app, ["render", str(SHELF), "--out", str(out), "--format", fmt, "--templates", str(folder)])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXT))
def test_hostile_text_template_is_refused(name: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    source = HOSTILE_TEXT[name].format(payload=PICKLE.format(marker=marker)) if "{payload" in HOSTILE_TEXT[name] else HOSTILE_TEXT[name]
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / TEXT).write_text(source)
    shutil.copy(ROOT / "templates" / "exhibit-5-1-shelf.docx", folder)
    code, output = _render(folder, tmp_path / "out")
    assert code == 2, output
    assert TEXT in output or "exhibit-5-1-shelf" in output, output
    assert not marker.exists(), "the template ran a shell command"
    assert not (tmp_path / "out").exists(), "nothing is written when a template fails"
    assert "root:" not in output  # /etc/passwd never reaches the message


def test_refusals_name_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / TEXT).write_text("fine\nfine\n{{ deal.parse_raw('x') }}\n")
    code, output = _render(folder, tmp_path / "out")
    assert code == 2 and f"{TEXT}:3" in output and "parse_raw" in output, output


def test_budget_message_names_the_budget(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / TEXT).write_text(HOSTILE_TEXT["nested-loops-run-past-the-budget"])
    code, output = _render(folder, tmp_path / "out")
    assert code == 2 and "DEALDOCS_RENDER_SECONDS" in output, output


@pytest.mark.parametrize("target", ["/etc/hostname", "/"])
def test_symbolic_link_out_of_the_folder_is_refused(target: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "outside").symlink_to(target)
    include = "outside" if target != "/" else "outside/etc/hostname"
    (folder / TEXT).write_text(f'{{% include "{include}" %}}')
    code, output = _render(folder, tmp_path / "out")
    assert code == 2 and "outside the template folder" in output, output


def test_fifo_in_the_folder_is_refused_not_waited_for(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    os.mkfifo(folder / "pipe.j2")
    (folder / TEXT).write_text('{% include "pipe.j2" %}')
    code, output = _render(folder, tmp_path / "out")
    assert code == 2 and "not a regular file" in output, output


def test_templates_folder_cannot_be_the_root(tmp_path: Path) -> None:
    deal = tmp_path / "shelf.yaml"
    deal.write_text(SHELF.read_text() + "templates: /\n")
    result = runner.invoke(app, ["render", str(deal), "--out", str(tmp_path / "out"), "--format", "txt"])
    assert result.exit_code == 2 and "root of the file system" in result.output, result.output
    assert f"{deal.name}:" in result.output  # at the deal file's line


HOSTILE_HTML = {
    "attachment-of-a-system-file": '<html><head><link rel="attachment" href="file:///etc/passwd"></head><body>x</body></html>',
    "image-from-outside": '<html><body><img src="file:///etc/hostname"></body></html>',
    "object-from-outside": '<html><body><object data="file:///etc/passwd"></object></body></html>',
    "css-import-from-outside": '<html><head><style>@import url("file:///etc/passwd");</style></head><body>x</body></html>',
    "network-stylesheet": '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body>x</body></html>',
}


# The EDGAR HTML alone lays the print HTML out too, for its page breaks: every fetch of a layout is
# refused there as well (an attachment is fetched only when a PDF is written).
@pytest.mark.parametrize(
    ("name", "fmt"), [(name, "pdf") for name in sorted(HOSTILE_HTML)] + [(name, "htm") for name in sorted(HOSTILE_HTML) if "attachment" not in name]
)
def test_pdf_fetches_nothing_outside_the_template_folders(name: str, fmt: str, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / HTML).write_text(HOSTILE_HTML[name])
    code, output = _render(folder, tmp_path / "out", fmt)
    assert code == 2 and "refused to fetch" in output and HTML in output, output
    assert not (tmp_path / "out").exists()


def test_pdf_may_use_files_in_the_template_folder(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "extra.css").write_text("body { color: black; }")
    links = '<link rel="stylesheet" href="extra.css"><link rel="stylesheet" href="print.css">'
    (folder / HTML).write_text("<html><head>" + links + "</head><body>{{ letter.addressee.name }}</body></html>")
    shutil.copy(ROOT / "templates" / "print.css", folder)
    code, output = _render(folder, tmp_path / "out", "pdf")
    assert code == 0, output


def test_templates_see_plain_data_only() -> None:
    from generator.api import load_deal
    from generator.documents.letters import shelf_context
    from generator.templating.sandbox import Record, plain

    data = plain(shelf_context(load_deal(SHELF), None))
    assert isinstance(data["deal"], Record) and isinstance(data["letter"].counsel, Record)
    assert not hasattr(data["deal"], "parse_raw") and not hasattr(data["deal"], "model_dump")
    with pytest.raises(AttributeError):
        data["deal"].series = None
