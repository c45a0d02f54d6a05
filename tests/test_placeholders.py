"""Facts a deal file leaves open print as bracketed placeholders in every format, and validate lists each at its line."""

from __future__ import annotations

import copy
import html
import io
import re
import shutil
import typing
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pydantic import BaseModel
from pypdf import PdfReader

from generator.api import DOCUMENTS, Deal, docx_text, load_deal, render_document, render_html, write_submission
from generator.cli import app
from generator.deal.base import Placeholder
from generator.deal.placeholders import placeholders
from generator.errors import Severity
from generator.formats.edgar_check import html_problems
from generator.formats.highlight import EDGAR_MARK, PDF_MARK, highlight_docx, placeholder_pattern
from generator.templating.environment import environment

from .helpers import DEAL, PRIME, SHELF, TAKEDOWN, runner

FORMATS = ("txt", "htm", "docx", "pdf")


def _words(data: str | bytes, fmt: str) -> str:
    """A rendered document's words on one line, whatever its format, so a placeholder split over two lines is found."""
    if fmt == "docx":
        assert isinstance(data, bytes)
        text = docx_text(data)
    elif fmt == "pdf":
        assert isinstance(data, bytes)
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    else:
        assert isinstance(data, str)
        text = html.unescape(re.sub(r"<[^>]+>", " ", data)) if fmt == "htm" else data
    return " ".join(text.split())


def _copy(source: Path, folder: Path) -> Path:
    """The example deal file in `folder`, with its tape beside it."""
    for tape in source.parent.glob("loans.csv"):
        shutil.copy(tape, folder / tape.name)
    return Path(shutil.copy(source, folder / source.name))


def _without_lines(path: Path, *keys: str) -> Path:
    """The deal file with each named key's lines removed (`term_sheet.trustee`: the key and the lines indented under it)."""
    lines = path.read_text().splitlines(keepends=True)
    for dotted in keys:
        start, indent = -1, -2
        for part in dotted.split("."):  # each part: the first line after the parent's that names it one level deeper
            indent += 2
            start = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(" " * indent + part + ":"))
        end = start + 1
        while end < len(lines) and lines[end].startswith(" " * (indent + 1)):
            end += 1
        del lines[start:end]
    path.write_text("".join(lines))
    return path


def _first_key_line(path: Path, section: str) -> int:
    """The 1-based line of the first key under `section:` (where the section's mapping starts)."""
    lines = path.read_text().splitlines()
    return lines.index(f"{section}:") + 2


# --- each document, every format --------------------------------------------------------

CASES = {
    "term-sheet-8k": (DEAL, ["term_sheet.transfer_date", "term_sheet.signatory", "depositor.phone"],
                      ["[Closing date]", "[Signatory name]", "[Signatory title]", "[Depositor telephone]"]),
    "collateral-term-sheet": (PRIME, ["term_sheet.transfer_date", "term_sheet.trustee", "term_sheet.originator"],
                              ["[Closing date]", "[Trustee name]", "[Originator name]"]),
    "exhibit-5-1-takedown": (TAKEDOWN, ["takedown_opinion.prospectus_date"], ["[Prospectus date]"]),
    "exhibit-5-1-shelf": (SHELF, ["depositor.name"], ["[Depositor name]"]),
}  # fmt: skip


@pytest.mark.parametrize("document", list(CASES))
def test_a_fact_left_out_prints_as_its_placeholder_in_every_format(tmp_path: Path, document: str) -> None:
    source, keys, shown = CASES[document]
    loaded = load_deal(_without_lines(_copy(source, tmp_path), *keys))
    for fmt in FORMATS:
        words = _words(render_document(loaded, document, fmt).content, fmt)
        for placeholder in shown:
            assert placeholder in words, (fmt, placeholder)


@pytest.mark.parametrize("document", list(CASES))
def test_validate_warns_of_each_placeholder_at_its_line_and_exits_0(tmp_path: Path, document: str) -> None:
    source, keys, shown = CASES[document]
    path = _without_lines(_copy(source, tmp_path), *keys)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    for placeholder in shown:
        found = [row for row in result.output.splitlines() if placeholder in row and ": warning: " in row]
        assert len(found) == 1, placeholder
        where = re.search(r"deal\.yaml:(\d+) \[(\w+)\.|shelf\.yaml:(\d+) \[(\w+)\.", found[0])
        assert where is not None, found[0]
        line, section = (where[1], where[2]) if where[1] else (where[3], where[4])
        assert int(line) == _first_key_line(path, section), found[0]  # the key left out belongs to the section's mapping


def test_a_supplied_nested_key_is_warned_of_at_its_own_mapping(tmp_path: Path) -> None:
    path = _without_lines(_copy(DEAL, tmp_path), "depositor.address.zip")
    warnings = placeholders(load_deal(path))
    assert [(w.column, w.severity) for w in warnings] == [("depositor.address.zip", Severity.WARNING)]
    lines = path.read_text().splitlines()
    assert warnings[0].line == lines.index("  address:") + 2  # the address mapping's first line, where zip belongs
    assert "[ZIP code]" in warnings[0].message


def test_the_examples_leave_nothing_open() -> None:
    for deal in (DEAL, PRIME, TAKEDOWN, SHELF):
        assert placeholders(load_deal(deal)) == []


def test_the_form_8k_prints_the_registrants_placeholders(tmp_path: Path) -> None:
    path = _without_lines(_copy(TAKEDOWN, tmp_path), "depositor.phone", "depositor.address")
    written = write_submission(load_deal(path), tmp_path / "submission")
    form = next(p for p in written if p.name == "form8-k.htm")
    words = _words(form.read_text(), "htm")
    for placeholder in ("[Depositor telephone]", "[Street address]", "[City]", "[State]", "[ZIP code]"):
        assert placeholder in words


def test_a_placeholder_is_no_value_a_deal_file_can_write(tmp_path: Path) -> None:
    """Written in the deal file, '[Trustee name]' is the trustee's name as given: no warning, and a date key still wants a date."""
    path = _copy(DEAL, tmp_path)
    path.write_text(path.read_text().replace("transfer_date: 2003-01-30", 'transfer_date: "[Closing date]"'))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "[term_sheet.transfer_date]: error: not a date" in result.output


# --- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "printed"),
    [
        ("value | long_date", "[Closing date]"),
        ("value | cents", "[Closing date]"),
        ("value | dollars", "[Closing date]"),
        ("value | number(2)", "[Closing date]"),
        ("value | fixed(3)", "[Closing date]"),
        ("value | end_sentence", "[Closing date]."),
        ("value | oneline", "[Closing date]"),
        ("value | upper", "[CLOSING DATE]"),
        ("value | round", "[Closing date]"),
        ("value | int", "[Closing date]"),
        ("value | length", "[Closing date]"),
        ("'On ' ~ (value | long_date) ~ ','", "On [Closing date],"),
    ],
)
def test_a_filter_keeps_a_placeholder_a_bracketed_placeholder(expression: str, printed: str) -> None:
    for autoescape in (False, True):
        template = environment(autoescape=autoescape).from_string("{{ " + expression + " }}")
        assert template.render(value=Placeholder("Closing date")) == printed


def test_a_filter_given_a_fact_formats_it_as_before() -> None:
    import datetime as dt

    template = environment().from_string("{{ value | long_date }}, {{ 1234 | cents }}, {{ 'Citibank' | end_sentence }}")
    assert template.render(value=dt.date(2003, 1, 30)) == "January 30, 2003, $1,234.00, Citibank."


def test_a_date_filter_still_refuses_text_that_is_no_placeholder() -> None:
    template = environment().from_string("{{ value | long_date }}")
    with pytest.raises(ValueError):
        template.render(value="[Closing date]")


# --- any subset left out ----------------------------------------------------------------

LEAVES = {
    DEAL: ["depositor.name", "depositor.address.street", "depositor.address.city", "depositor.address.state", "depositor.address.zip",
           "depositor.phone", "term_sheet.transfer_date", "term_sheet.registration_number", "term_sheet.originator",
           "term_sheet.trustee.name", "term_sheet.signatory.name", "term_sheet.signatory.title"],
    TAKEDOWN: ["depositor.name", "depositor.phone", "depositor.address.city", "takedown_opinion.prospectus_date"],
}  # fmt: skip
PRINTED = {DEAL: set(LEAVES[DEAL]) - {"term_sheet.trustee.name"}, TAKEDOWN: {"depositor.name", "takedown_opinion.prospectus_date"}}
"""The facts each example's document states (the 8-K term sheet names no trustee; the takedown letter prints no depositor's address)."""
_DATA = {source: yaml.safe_load(source.read_text()) for source in LEAVES}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(list(LEAVES)).flatmap(lambda source: st.tuples(st.just(source), st.sets(st.sampled_from(LEAVES[source])))))
def test_any_facts_left_out_render_as_their_placeholders_and_are_warned_of(tmp_path: Path, case: tuple[Path, set[str]]) -> None:
    source, left_out = case
    data = copy.deepcopy(_DATA[source])
    if "term_sheet" in data:
        data["term_sheet"]["pool"]["tape"] = str(source.parent / "loans.csv")
    for dotted in left_out:
        *parents, key = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[key]
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    loaded = load_deal(path)
    warned = {w.column: w.message for w in placeholders(loaded)}
    assert set(warned) == left_out
    document = "term-sheet-8k" if source == DEAL else "exhibit-5-1-takedown"
    words = _words(render_document(loaded, document, "txt").text, "txt").lower()
    for dotted in left_out & PRINTED[source]:
        shown = re.search(r"\[[^]]+\]", warned[dotted])
        assert shown is not None and shown.group().lower() in words, dotted


# --- highlighted where a format can show it ---------------------------------------------


def test_placeholders_are_highlighted_in_pdf_html_edgar_html_and_word(tmp_path: Path) -> None:
    loaded = load_deal(_without_lines(_copy(PRIME, tmp_path), "term_sheet.trustee", "depositor.phone"))
    document = DOCUMENTS["collateral-term-sheet"]
    assert f"{PDF_MARK[0]}[Trustee name]{PDF_MARK[1]}" in render_html(loaded, document)
    htm = render_document(loaded, document, "htm").text
    assert f"{EDGAR_MARK[0]}[Depositor telephone]{EDGAR_MARK[1]}" in htm
    assert html_problems(htm, "collateral-term-sheet.htm") == []  # the mark is markup EDGAR HTML allows
    docx = render_document(loaded, document, "docx").content
    assert isinstance(docx, bytes)
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert re.search(r'<w:highlight w:val="yellow"/></w:rPr><w:t xml:space="preserve">\[Trustee name\]</w:t>', xml)


def test_a_deal_that_leaves_nothing_open_has_no_highlight() -> None:
    loaded = load_deal(PRIME)
    assert placeholder_pattern(loaded) is None
    assert PDF_MARK[0] not in render_html(loaded, DOCUMENTS["collateral-term-sheet"])


def test_a_word_highlight_keeps_the_runs_properties_in_schema_order() -> None:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = etree.fromstring(f'<w:body xmlns:w="{w}"><w:p><w:r><w:rPr><w:b/><w:u w:val="single"/></w:rPr><w:t>On [Closing date], the</w:t></w:r></w:p></w:body>')
    highlight_docx(body, re.compile(re.escape("[Closing date]")))
    runs = [(r.findtext(f"{{{w}}}t"), [etree.QName(p).localname for p in r.find(f"{{{w}}}rPr")]) for r in body.iter(f"{{{w}}}r")]
    assert runs == [("On ", ["b", "u"]), ("[Closing date]", ["b", "highlight", "u"]), (", the", ["b", "u"])]


def test_the_json_schema_shows_every_field_a_draft_may_leave_out_as_optional() -> None:
    schema = Deal.model_json_schema()
    models: list[type[BaseModel]] = [Deal]
    seen: set[type[BaseModel]] = set()
    open_keys = []
    while models:
        model = models.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            if isinstance(field.default, Placeholder):
                open_keys.append((model.__name__, name))
            models += [t for t in typing.get_args(field.annotation) or [field.annotation] if isinstance(t, type) and issubclass(t, BaseModel)]
    assert ("TermSheet", "transfer_date") in open_keys and ("Address", "zip") in open_keys
    for owner, name in open_keys:
        assert name not in schema["$defs"][owner].get("required", []), (owner, name)
        assert "Left out, the documents print [" in schema["$defs"][owner]["properties"][name]["description"]


def test_a_layout_filter_may_break_a_placeholder_over_lines() -> None:
    template = environment().from_string("{{ value | wordwrap(14) }}")
    assert template.render(value=Placeholder("Registration statement number")) == "[Registration\nstatement\nnumber]"
