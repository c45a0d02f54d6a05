"""Counsel's voice and letterhead: an in-house letter says "I", a law firm's "we"; the letterhead is deal-file data set by one partial in every format."""

from __future__ import annotations

import html
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from anyascii import anyascii

from generator.api import DOCUMENTS, DealdocsError, Rendered, docx_text, export_templates, load_deal, pdf_pages, render_deal, render_document
from generator.cli import app

from .helpers import SHELF, TAKEDOWN, VARIANTS, runner

FIRM = VARIANTS / "takedown-other-counsel" / "deal.yaml"
FORMATS = ("txt", "htm", "docx", "pdf")
SINGULAR = re.compile(r"\b(I|me|my|Me|My)\b")
WE_FORMS = [  # one sentence of each kind the voice changes, in the firm's words
    "This opinion is being provided to you by us, as special counsel to",
    "We have examined originals or copies of",
    "We have also examined originals or copies, certified or otherwise identified to our satisfaction,",
    "such other investigations as we have deemed necessary",
    "Based on the foregoing, we are of the opinion that:",
    "free and clear of any liens or encumbrances known to us.",
    "to the best of our knowledge,",
    "as to which we have not been requested to comment",
    "We have not verified, and we are not passing upon, and we do not assume",
    "We are members of the bar of the State of New York,",
    "We hereby consent to the use and filing of this opinion",
    "In giving such consent, we do not thereby admit that we come within",
    "without our express written consent.",
]


def flat(rendered: Rendered) -> str:
    """The words of any format on one line, as ASCII (Word and the PDF print curly quotes; EDGAR HTML escapes)."""
    if rendered.extension == "docx":
        text = docx_text(rendered.content if isinstance(rendered.content, bytes) else b"")
    elif rendered.extension == "pdf":
        text = " ".join(pdf_pages(rendered.content if isinstance(rendered.content, bytes) else b""))
    elif rendered.extension == "htm":
        text = html.unescape(re.sub(r"<[^>]+>", " ", rendered.text))
    else:
        text = rendered.text
    return " ".join(anyascii(text).split())


def body(text: str) -> str:
    """A letter's words without its page furniture: each continuation header ('<PAGE>' to 'Page N') goes."""
    return re.sub(r" ?<PAGE> .*? Page \d+", "", text)


def edited(tmp_path: Path, source: Path, change: Callable[[dict], None]) -> Path:
    """A copy of a deal file (and the files beside it) with `change` made to its data."""
    folder = tmp_path / "deal"
    shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns("*.yaml"))
    data = yaml.safe_load(source.read_text())
    change(data)
    path = folder / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def section(data: dict) -> dict:
    return data["takedown_opinion"] if "takedown_opinion" in data else data["shelf_opinion"]


# --- the law firm's letter in every format ------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_firm_letter_speaks_as_we_and_signs_in_the_firms_name(fmt: str) -> None:
    words = flat(render_document(load_deal(FIRM), DOCUMENTS["exhibit-5-1-takedown"], fmt))
    assert not SINGULAR.search(words), SINGULAR.findall(words)
    missing = [sentence for sentence in WE_FORMS if sentence not in words]
    assert not missing
    assert "Cadwalader, Wickersham & Taft LLP 200 Liberty Street New York, New York 10281 Tel. (212) 504-6000 February 27, 2006" in words
    assert re.search(r"Very truly yours, /s/ Cadwalader, Wickersham & Taft LLP (_+ |-+ )?Jane Q\. Partner\b", words), words[-120:]


def test_the_firm_variant_in_every_format(dealdocs_snapshot) -> None:
    dealdocs_snapshot(FIRM, formats=FORMATS)


def test_the_logo_is_in_every_format_but_the_edgar_text(tmp_path: Path) -> None:
    from pypdf import PdfReader

    loaded = load_deal(FIRM)
    logo = (FIRM.parent / "cwt-logo.jpg").read_bytes()
    written = {path.name: rendered for path, rendered in render_deal(loaded, tmp_path / "out", formats=FORMATS)}
    assert (tmp_path / "out" / "cwt-logo.jpg").read_bytes() == logo  # beside the EDGAR HTML that shows it
    assert '<img src="cwt-logo.jpg" alt="Cadwalader, Wickersham &amp; Taft LLP"' in written["exhibit-5-1-takedown.htm"].text
    assert "cwt-logo" not in written["exhibit-5-1-takedown.txt"].text
    docx = written["exhibit-5-1-takedown.docx"].content
    assert isinstance(docx, bytes)
    import zipfile

    assert [zipfile.ZipFile(io.BytesIO(docx)).read(n) for n in zipfile.ZipFile(io.BytesIO(docx)).namelist() if n.startswith("word/media/")] == [logo]
    pdf = written["exhibit-5-1-takedown.pdf"].content
    assert isinstance(pdf, bytes)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    result = runner.invoke(app, ["check", str(tmp_path / "out" / "exhibit-5-1-takedown.htm")])
    assert result.exit_code == 0, result.output


def test_the_submission_carries_the_logo_as_a_graphic(tmp_path: Path) -> None:
    deal = edited(tmp_path, FIRM, lambda d: d.update(filing={"signatory": {"name": "Howard Darmstadter", "title": "Assistant Secretary"}}))
    result = runner.invoke(app, ["render", str(deal), "--submission", str(tmp_path / "sub")])
    assert result.exit_code == 0, result.output
    listed = yaml.safe_load((tmp_path / "sub" / "submission.json").read_text())["documents"]
    assert [(d["type"], d["file"]) for d in listed] == [("8-K", "form8-k.htm"), ("EX-5.1", "ex5-1.htm"), ("GRAPHIC", "cwt-logo.jpg")]
    assert '<img src="cwt-logo.jpg"' in (tmp_path / "sub" / "ex5-1.htm").read_text()
    checked = runner.invoke(app, ["check", str(tmp_path / "sub")])
    assert checked.exit_code == 0, checked.output


def test_changing_the_firms_name_is_one_line(tmp_path: Path) -> None:
    deal = edited(tmp_path, FIRM, lambda d: section(d)["counsel"].update(name="Example & Partners LLP"))
    loaded = load_deal(deal)
    for fmt in FORMATS:
        words = flat(render_document(loaded, DOCUMENTS["exhibit-5-1-takedown"], fmt))
        assert "Cadwalader" not in words, fmt
        assert "Example & Partners LLP 200 Liberty Street" in words and "/s/ Example & Partners LLP" in words, fmt


# --- every clause in both voices ------------------------------------------------------------

IN_HOUSE_TO_FIRM = [  # the in-house words and the firm's, where the voice changes them (the oracle the templates must match)
    (r"I \(or attorneys under my supervision\)", "We"),
    (r"I, or attorneys under my supervision,", "We"),
    (r"I am an attorney admitted to practice in the", "We are members of the bar of the"),
    (r"by the undersigned, as ([^,]*), of Citigroup Inc\.,", r"by us, as \1,"),  # the takedown letter
    (r"by the undersigned, as (.*?) of Citigroup Inc\.", r"by us, as \1."),  # the shelf letter
    (r"(?<=[.:] )I\b|^I\b", "We"),
    (r"\bI am\b", "we are"),
    (r"\bI\b", "we"),
    (r"\bme\b", "us"),
    (r"\bmy\b", "our"),
]


def in_firm_voice(data: dict) -> None:
    counsel = section(data)["counsel"]
    counsel.pop("organisation")
    counsel.update(voice="firm", name="Example LLP")


@pytest.mark.parametrize(("source", "name"), [
    (TAKEDOWN, "exhibit-5-1-takedown"),  # every clause, private certificates and the paying agent's bank included
    (VARIANTS / "takedown-no-private" / "deal.yaml", "exhibit-5-1-takedown"),
    (FIRM, "exhibit-5-1-takedown"),
    (SHELF, "exhibit-5-1-shelf"),
    (VARIANTS / "shelf-no-consolidation" / "shelf.yaml", "exhibit-5-1-shelf"),
])  # fmt: skip
def test_every_clause_has_its_we_form(tmp_path: Path, source: Path, name: str) -> None:
    """The same letter in the other voice: word for word the in-house letter with each first-person word in the firm's form."""

    def in_house(data: dict) -> None:
        section(data)["counsel"] = {
            "name": "A. Lawyer", "capacity": "General Counsel", "organisation": "Citigroup Inc.",
            "bar_admission": "State of New York", "letterhead": "[Letterhead]",
        }  # fmt: skip

    def firm(data: dict) -> None:
        in_house(data)
        in_firm_voice(data)

    mine = flat(render_document(load_deal(edited(tmp_path / "i", source, in_house)), DOCUMENTS[name], "txt"))
    ours = flat(render_document(load_deal(edited(tmp_path / "f", source, firm)), DOCUMENTS[name], "txt"))
    mine, ours = body(mine).split(" Very truly yours,")[0], body(ours).split(" Very truly yours,")[0]
    assert SINGULAR.search(mine) and not SINGULAR.search(ours)
    expected = mine
    for pattern, replacement in IN_HOUSE_TO_FIRM:
        expected = re.sub(pattern, replacement, expected)
    assert ours == expected


def test_a_firms_shelf_letter_in_every_format(tmp_path: Path) -> None:
    def firm(data: dict) -> None:
        in_firm_voice(data)
        section(data)["counsel"].update(letterhead={"name": "Example LLP", "address": ["1 Main Street"]}, partner="A. Partner")

    loaded = load_deal(edited(tmp_path, SHELF, firm))
    for fmt in FORMATS:
        words = flat(render_document(loaded, DOCUMENTS["exhibit-5-1-shelf"], fmt))
        assert not SINGULAR.search(words), (fmt, SINGULAR.findall(words))
        assert "Exhibit 5.1 Example LLP 1 Main Street October 14, 2003" in words, fmt
        assert re.search(r"This opinion is being provided by us, as an Associate General Counsel \S+ Corporate Law\. We have acted as your counsel", words), fmt
        assert "We, or attorneys" not in words and "We have examined originals or copies, certified or otherwise identified to our satisfaction" in words
        assert "we are of the opinion that:" in words and "We hereby consent" in words, fmt
        assert re.search(r"Very truly yours, /s/ Example LLP A\. Partner\b", words), fmt


def test_an_in_house_letterhead_is_the_organisations_and_a_firm_without_partner_signs_alone(tmp_path: Path) -> None:
    def in_house(data: dict) -> None:
        section(data)["counsel"]["letterhead"] = {"address": ["388 Greenwich Street", "New York, New York 10013"]}

    text = render_document(load_deal(edited(tmp_path / "i", TAKEDOWN, in_house)), DOCUMENTS["exhibit-5-1-takedown"], "txt").text
    assert [line.strip() for line in text.splitlines()[2:5]] == ["Citigroup Inc.", "388 Greenwich Street", "New York, New York 10013"]
    assert text.rstrip().endswith("/s/ Michael S. Zuckert\n" + " " * 49 + "-" * 22 + "\n" + " " * 53 + "Michael S. Zuckert")

    def firm(data: dict) -> None:
        in_firm_voice(data)
        section(data)["counsel"].pop("letterhead")

    text = render_document(load_deal(edited(tmp_path / "f", TAKEDOWN, firm)), DOCUMENTS["exhibit-5-1-takedown"], "txt").text
    assert text.splitlines()[2].strip() == "Example LLP"
    assert "This opinion is being provided to you by us, as General Counsel, Finance and Capital Markets, pursuant to" in " ".join(text.split())

    def no_capacity(data: dict) -> None:
        firm(data)
        section(data)["counsel"].pop("capacity")

    text = render_document(load_deal(edited(tmp_path / "n", TAKEDOWN, no_capacity)), DOCUMENTS["exhibit-5-1-takedown"], "txt").text
    assert "This opinion is being provided to you by us pursuant to (i) Section 8(c)" in " ".join(text.split())
    assert text.rstrip().endswith("Very truly yours,\n\n" + " " * 49 + "/s/ Example LLP")  # no line to sign on, nothing under it


def test_the_seeds_keep_their_one_line_letterhead() -> None:
    for source, name in ((TAKEDOWN, "exhibit-5-1-takedown"), (SHELF, "exhibit-5-1-shelf")):
        loaded = load_deal(source)
        for fmt in FORMATS:
            words = flat(render_document(loaded, DOCUMENTS[name], fmt))
            assert "[Letterhead of Citigroup Inc.]" in words or "[LETTERHEAD OF CITIGROUP INC.]" in words, (name, fmt)


# --- the deal file's mistakes, at their lines -------------------------------------------------


def counsel_of(data: dict) -> dict:
    return section(data)["counsel"]


LOGO = "takedown_opinion.counsel.letterhead.logo"
BAD_COUNSEL = [
    (TAKEDOWN, lambda d: counsel_of(d).pop("capacity"), "takedown_opinion.counsel.capacity", "an in-house letter names the lawyer's capacity"),
    (TAKEDOWN, lambda d: counsel_of(d).update(partner="Jane Q. Partner"), "takedown_opinion.counsel.partner", "a signing partner is for a law firm's letter"),
    (FIRM, lambda d: counsel_of(d).update(organisation="Citigroup Inc."), "takedown_opinion.counsel.organisation", "a law firm's letter speaks for the firm"),
    (FIRM, lambda d: counsel_of(d)["letterhead"].update(logo="cwt-logo.png"), LOGO, "EDGAR takes only .jpg and .gif images"),
    (FIRM, lambda d: counsel_of(d)["letterhead"].update(logo="../cwt-logo.jpg"), LOGO, "put the file beside the deal file"),
    (FIRM, lambda d: counsel_of(d).update(voice="partnership"), "takedown_opinion.counsel.voice", ""),
]


@pytest.mark.parametrize(("source", "change", "field", "reason"), BAD_COUNSEL)
def test_a_bad_counsel_section_is_told_at_its_line(tmp_path: Path, source: Path, change, field: str, reason: str) -> None:
    path = edited(tmp_path, source, change)
    with pytest.raises(DealdocsError) as info:
        load_deal(path)
    found = [p for p in info.value.problems if p.column == field and reason in p.message]
    assert found and found[0].line, info.value.problems
    assert field.split(".")[-1] in path.read_text().splitlines()[found[0].line - 1] or field.endswith("capacity")


@pytest.mark.parametrize(("content", "reason"), [(None, "no such file"), (b"\x89PNG\r\n\x1a\n", "not a JPEG image, though named .jpg")])
def test_a_logo_that_is_missing_or_no_jpeg_is_told_at_its_line(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = edited(tmp_path, FIRM, lambda d: None)
    logo = path.parent / "cwt-logo.jpg"
    logo.unlink()
    if content is not None:
        logo.write_bytes(content)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "logo:" in text)
    for command in (["render", str(path), "-o", str(tmp_path / "out"), "-f", "txt"], ["validate", str(path)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, command
        assert f"deal.yaml:{line} [takedown_opinion.counsel.letterhead.logo]" in " ".join(result.output.split()) and reason in result.output, command


# --- the override warning is true whenever it is printed -------------------------------------


def rendered_with(deal: Path, out: Path, templates: Path | None, formats: tuple[str, ...] = FORMATS) -> dict[str, Rendered]:
    return {rendered.extension: rendered for _, rendered in render_deal(load_deal(deal), out, formats=formats, templates=templates)}


def warned(outputs: dict[str, Rendered]) -> set[str]:
    return {fmt for fmt, rendered in outputs.items() if any("does not follow your changes" in w.message for w in rendered.warnings)}


def test_a_change_every_format_follows_is_no_warning(tmp_path: Path) -> None:
    """The letterhead partial, changed once: every format shows the change, and none is warned about."""
    mine = tmp_path / "mine"
    export_templates(mine, ["exhibit-5-1-takedown"])
    partial = mine / "_letter" / "_counsel.j2"
    added = '{% set logo = logo %}\n{% set letterhead = letterhead + ["Draft for discussion"] %}'
    partial.write_text(partial.read_text().replace("{% set logo = logo %}", added))
    outputs = rendered_with(FIRM, tmp_path / "out", mine)
    assert warned(outputs) == set()
    assert all("Tel. (212) 504-6000 Draft for discussion" in flat(r) for fmt, r in outputs.items() if fmt in FORMATS)


def test_the_issues_case_layouts_of_every_format_changed_is_no_warning(tmp_path: Path) -> None:
    """The text layout and the HTML letter pieces changed each: every format follows a change of the user's."""
    mine = tmp_path / "mine"
    export_templates(mine, ["exhibit-5-1-takedown"])
    for name, old, new in (
        ("exhibit-5-1-takedown.txt.j2", "{{ prose.exhibit }}", "{{ prose.exhibit }} (draft)"),
        ("_letter.htm.j2", '<p style="margin:0 0 18pt 0">', '<p style="margin:0 0 18pt 0">Draft: '),
        ("_letter.html.j2", "<p>{{ letter.date | long_date }}</p>", "<p>Draft: {{ letter.date | long_date }}</p>"),
    ):
        text = (mine / name).read_text()
        assert old in text
        (mine / name).write_text(text.replace(old, new, 1))
    outputs = rendered_with(FIRM, tmp_path / "out", mine, ("txt", "htm", "pdf"))
    assert warned(outputs) == set()
    assert "EXHIBIT 5.1 (draft)" in flat(outputs["txt"])
    assert "Draft: February 27, 2006" in flat(outputs["htm"]) and "Draft: February 27, 2006" in flat(outputs["pdf"])


def test_a_change_only_the_text_follows_is_warned_and_the_warning_is_true(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    export_templates(mine, ["exhibit-5-1-takedown"])
    layout = mine / "exhibit-5-1-takedown.txt.j2"
    layout.write_text(layout.read_text().replace("{{ prose.exhibit }}", "{{ prose.exhibit }} (draft)", 1))
    outputs = rendered_with(FIRM, tmp_path / "out", mine)
    builtin = rendered_with(FIRM, tmp_path / "builtin", None)
    assert warned(outputs) == {"htm", "docx", "pdf"}
    (warning,) = outputs["htm"].warnings
    assert "change exhibit-5-1-takedown.txt.j2, but the htm output uses none of them" in warning.message
    for fmt in warned(outputs):  # true: what it renders is the built-in templates' output
        assert outputs[fmt].content == builtin[fmt].content, fmt
    assert outputs["txt"].content != builtin["txt"].content


def test_a_broken_word_template_is_a_change_the_text_does_not_follow_not_a_crash(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "exhibit-5-1-takedown.docx").write_bytes(b"not a zip")
    outputs = rendered_with(FIRM, tmp_path / "out", mine, ("txt",))
    (warning,) = [w for w in outputs["txt"].warnings if "does not follow your changes" in w.message]
    assert "change exhibit-5-1-takedown.docx, but the txt output uses none of them" in warning.message

