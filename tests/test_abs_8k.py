"""The takedown Form 8-K as an asset-backed issuer files it today: its cover names the issuing entity, depositor and
sponsor with file numbers and CIKs from the deal file (a bracketed placeholder where the deal file is silent), the
Section 12(b) table and the emerging growth company boxes; the exhibit index indexes counsel's consent as EX-23.1,
included in Exhibit 5.1; submission.json names the filers by role; `check` holds the index to the exhibits.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pydantic
from hypothesis import example, given, settings
from hypothesis import strategies as st

from .helpers import DEAL, PRIME, TAKEDOWN, cli, line_of

COVER_FIELDS = """\
  sponsor:
    name: Example Home Lending, LLC
    cik: "0001990003"
    commission_file_number: 001-54321
  registered_securities:
    - {title: Class A-1 Certificates, trading_symbol: PJA1, exchange: New York Stock Exchange}
  emerging_growth_company: true
  exhibits:
    - {type: EX-4.1, description: Pooling and Servicing Agreement, file: ex4-1.htm}
"""


class _Lines(HTMLParser):
    """A document's text as a reader sees it: one line per paragraph or table row (cells joined by ' | '), and each link's target."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.links: dict[str, list[str]] = {}  # a row's first cell -> the files its links lead to
        self._line: list[str] = []
        self._row_links: list[str] = []
        self._cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._line, self._cells = [], 0
        if tag == "td":
            self._line.append(" | " * bool(self._cells))
            self._cells += 1
        if tag == "a":
            self._row_links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "tr"):
            line = " ".join("".join(self._line).split())
            self.lines.append(line)
            if tag == "tr" and self._row_links:
                self.links[line.split(" | ")[0]] = self._row_links
            self._line, self._row_links = [], []

    def handle_data(self, data: str) -> None:
        self._line.append(data)


def _read(path: Path) -> _Lines:
    lines = _Lines()
    lines.feed(path.read_text(encoding="ascii"))
    return lines


def _prime_8k(tmp_path: Path, fields: str = COVER_FIELDS) -> Path:
    """The prime jumbo deal with a supplied exhibit (so that it files an 8-K beside its FWP) and the cover fields given."""
    shutil.copytree(PRIME.parent, tmp_path / "deal")
    deal = tmp_path / "deal" / "deal.yaml"
    (deal.parent / "ex4-1.htm").write_text("<html><body><p>Pooling and Servicing Agreement</p></body></html>\n")
    text = deal.read_text()
    start, end = text.index("  sponsor:\n"), text.index("\nterm_sheet:")
    deal.write_text(text[:start] + fields + text[end:])
    return deal


def _submit(deal: Path, folder: Path) -> Path:
    code, output = cli("render", deal, "--submission", folder)
    assert code == 0, output
    return folder / "8-k" if (folder / "8-k").is_dir() else folder


def test_the_8k_cover_of_an_asset_backed_issuer_prints_the_deal_files_parties(tmp_path: Path) -> None:
    folder = _submit(_prime_8k(tmp_path), tmp_path / "sub")
    lines = _read(folder / "form8-k.htm").lines
    expected = [
        "Date of Report (Date of earliest event reported): March 20, 2024",
        "Prime Jumbo Mortgage Trust 2024-1",
        "(Exact name of issuing entity as specified in its charter)",
        "Commission File Number of issuing entity: 333-270001-01",
        "Central Index Key Number of issuing entity: 0001990002",
        "Example Mortgage Securities, Inc.",
        "(Exact name of depositor as specified in its charter)",
        "Commission File Number of depositor: 333-270001",
        "Central Index Key Number of depositor: 0001990001",
        "Example Home Lending, LLC",
        "(Exact name of sponsor as specified in its charter)",
        "Commission File Number of sponsor: 001-54321",
        "Central Index Key Number of sponsor (if applicable): 0001990003",
        "New York | 13-1234567",
        "(State or other jurisdiction of incorporation or organization of the issuing entity) | (I.R.S. Employer Identification No.)",
        "100 Example Plaza, New York, New York | 10001",
        "Registrant\u2019s telephone number, including area code: (212) 555-0100",
        "Securities registered pursuant to Section 12(b) of the Act:",
        "Title of each class | Trading Symbol(s) | Name of each exchange on which registered",
        "Class A-1 Certificates | PJA1 | New York Stock Exchange",
        "Emerging growth company \u2612",
    ]
    found = [line for line in lines[: lines.index("Item 8.01 Other Events.")] if line in expected]
    assert found == expected, sorted(set(expected) - set(found))  # each once, in the cover's order
    assert sum(line.startswith("\u2610") for line in lines) == 4  # Rules 425, 14a-12, 14d-2(b), 13e-4(c), none ticked
    assert lines[lines.index("Emerging growth company \u2612") + 1].endswith("Section 13(a) of the Exchange Act. \u2610")
    assert "(Depositor)" in lines and "[" not in " ".join(lines)  # no placeholder: the deal file gives every fact
    assert re.search(r"<title>Form 8-K - Current report, Series 2024-1</title>", (folder / "form8-k.htm").read_text()), "titled as its documents are"


def test_with_nothing_listed_under_12b_the_table_says_none_and_the_boxes_are_empty(tmp_path: Path) -> None:
    fields = '  sponsor: {name: "Example Home Lending, LLC", cik: "0001990003"}\n  exhibits:\n'
    fields += "    - {type: EX-4.1, description: Pooling and Servicing Agreement, file: ex4-1.htm}\n"
    lines = _read(_submit(_prime_8k(tmp_path, fields), tmp_path / "sub") / "form8-k.htm").lines
    table = lines.index("Title of each class | Trading Symbol(s) | Name of each exchange on which registered")
    assert lines[table + 1] == "None"
    assert "Emerging growth company \u2610" in lines
    assert not any(line.startswith("Commission File Number of sponsor") for line in lines)  # printed only where it has one


def test_a_cover_fact_the_deal_file_lacks_is_a_visible_placeholder(tmp_path: Path) -> None:
    lines = _read(_submit(TAKEDOWN, tmp_path / "sub") / "form8-k.htm").lines
    for expected in (
        "[Issuing entity name]",
        "Commission File Number of issuing entity: [Issuing entity file number]",
        "Central Index Key Number of issuing entity: [Issuing entity CIK]",
        "Central Index Key Number of depositor: [Depositor CIK]",
        "[Sponsor name]",
        "Central Index Key Number of sponsor (if applicable): [Sponsor CIK]",
        "[State of organization of issuing entity] | 13-3408713",
        "Commission File Number of depositor: 333-109722",
    ):
        assert expected in lines, expected


def test_each_cover_fact_left_open_is_a_warning_of_render_validate_and_check(tmp_path: Path) -> None:
    """The cover's placeholders are listed, at their mapping's line, wherever the 8-K is made or checked; a cover given every fact has none."""
    from generator.deal.loading import load_deal
    from generator.output.submission import cover_open

    labels = ["Depositor CIK", "Issuing entity name", "Issuing entity file number", "Issuing entity CIK",
              "State of organization of issuing entity", "Sponsor name", "Sponsor CIK"]  # fmt: skip
    loaded = load_deal(TAKEDOWN)
    assert sorted(p.message.split("placeholder [")[1].split("]")[0] for p in cover_open(loaded)) == sorted(labels)
    assert {p.line for p in cover_open(loaded) if "[Sponsor" in p.message} == {loaded.line("filing")}
    for command in (["render", str(TAKEDOWN), "--submission", str(tmp_path / "sub")], ["validate", str(TAKEDOWN)], ["check", str(TAKEDOWN)]):
        code, output = cli(*command)
        assert code == 0 and all(f"[{label}]" in output for label in labels), (command, output)
    assert cover_open(load_deal(_prime_8k(tmp_path))) == []


def test_the_2003_style_8k_keeps_the_depositors_cover(tmp_path: Path) -> None:
    folder = _submit(DEAL, tmp_path / "sub")
    text = " ".join(_read(folder / "form8-k.htm").lines)
    assert "(Exact name of registrant as specified in its charter)" in text
    assert "issuing entity" not in text and "Section 12(b)" not in text and "emerging growth" not in text
    listed = json.loads((folder / "submission.json").read_text())
    assert listed["filers"] == [{"role": "depositor", "name": "Citicorp Mortgage Securities, Inc.", "commission_file_number": "333-72082"}]
    assert "included_exhibits" not in listed  # a term sheet carries no consent


def test_bad_ciks_and_file_numbers_of_the_cover_are_messages_at_their_lines(tmp_path: Path) -> None:
    deal = _prime_8k(tmp_path)
    text = deal.read_text().replace('cik: "0001990003"', 'cik: "199000"').replace("001-54321", "1-54321")
    deal.write_text(text.replace("commission_file_number: 333-270001-01", "commission_file_number: 333-270001-1"))
    code, output = cli("validate", deal)
    assert code == 2, output
    for where, value in (
        ("filing.sponsor.cik", 'cik: "199000"'),
        ("filing.sponsor.commission_file_number", "1-54321"),
        ("filing.issuing_entity.commission_file_number", "333-270001-1"),
    ):
        assert f"deal.yaml:{line_of(deal, value)} [{where}]: error" in output, output
    assert "ten digits" in output and "two-digit suffix" in output and "a Commission file number is" in output, output


def test_the_takedown_8k_indexes_counsels_consent_as_ex_23_1_included_in_the_opinion(tmp_path: Path) -> None:
    folder = _submit(TAKEDOWN, tmp_path / "sub")
    index = _read(folder / "form8-k.htm")
    assert "5.1 | Opinion of Michael S. Zuckert as to legality" in index.lines
    assert "23.1 | Consent of Michael S. Zuckert (included in Exhibit 5.1)" in index.lines
    assert index.links["5.1"] == index.links["23.1"] == ["ex5-1.htm", "ex5-1.htm"]  # the number and the words link the file it is in
    assert "consent to the use and filing of this opinion" in (folder / "ex5-1.htm").read_text()  # the opinion does contain it
    listed = json.loads((folder / "submission.json").read_text())
    assert [d["type"] for d in listed["documents"]] == ["8-K", "EX-5.1"]  # no file of its own
    assert listed["included_exhibits"] == [
        {"type": "EX-23.1", "description": "Consent of Michael S. Zuckert (included in Exhibit 5.1)", "included_in": "EX-5.1"}
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["ex5-1.htm", "form8-k.htm", "submission.json"]
    assert cli("check", folder) == (0, f"{folder}: nothing EDGAR would refuse\n")


def test_a_supplied_ex_23_1_beside_the_included_consent_is_refused_at_its_line(tmp_path: Path) -> None:
    shutil.copy(TAKEDOWN, tmp_path / "deal.yaml")
    (tmp_path / "consent.htm").write_text("<html><body><p>Consent</p></body></html>\n")
    with (tmp_path / "deal.yaml").open("a") as handle:
        handle.write("  exhibits:\n    - {type: EX-23.1, description: Consent of counsel, file: consent.htm}\n")
    code, output = cli("render", tmp_path / "deal.yaml", "--submission", tmp_path / "sub")
    assert code == 2 and "two exhibits share the exhibit type EX-23.1" in output, output
    assert f"deal.yaml:{line_of(tmp_path / 'deal.yaml', '{type: EX-23.1')} [filing.exhibits]" in output, output
    assert not (tmp_path / "sub").exists()


def test_submission_json_names_the_8ks_filers_by_role_with_their_ciks(tmp_path: Path) -> None:
    listed = json.loads((_submit(_prime_8k(tmp_path), tmp_path / "sub") / "submission.json").read_text())
    assert listed["form"] == "8-K"
    assert listed["filers"] == [
        {"role": "depositor", "name": "Example Mortgage Securities, Inc.", "cik": "0001990001", "commission_file_number": "333-270001"},
        {"role": "issuing entity", "name": "Prime Jumbo Mortgage Trust 2024-1", "cik": "0001990002", "commission_file_number": "333-270001-01"},
        {"role": "sponsor", "name": "Example Home Lending, LLC", "cik": "0001990003", "commission_file_number": "001-54321"},
    ]
    assert [d["type"] for d in listed["documents"]] == ["8-K", "EX-4.1"]


def _tamper(folder: Path, page: str | None = None, manifest: dict[str, object] | None = None) -> tuple[int, str]:
    """Rewrite the 8-K and/or submission.json, rehashing the 8-K so that only the change itself is wrong; then check the folder."""
    data = json.loads((folder / "submission.json").read_text())
    if page is not None:
        (folder / "form8-k.htm").write_text(page, encoding="ascii")
        data["documents"][0]["sha256"] = hashlib.sha256(page.encode("ascii")).hexdigest()
    data.update(manifest or {})
    (folder / "submission.json").write_text(json.dumps(data, indent=2) + "\n")
    return cli("check", folder)


def test_check_holds_the_8ks_index_and_filers_to_the_submission(tmp_path: Path) -> None:
    fresh = _submit(TAKEDOWN, tmp_path / "fresh")
    page = (fresh / "form8-k.htm").read_text(encoding="ascii")
    row = next(line for line in page.splitlines() if ">23.1</a>" in line)
    unlinked = re.sub(r'<a href="ex5-1.htm">([^<]*)</a>', r"\1", page)
    filers = json.loads((fresh / "submission.json").read_text())["filers"]
    cases: list[tuple[str | None, dict[str, object], str, str]] = [
        (page.replace(row + "\n", ""), {}, "form8-k.htm [index]", "(value 'EX-23.1')"),
        (unlinked, {}, "form8-k.htm [index]", "does not link ex5-1.htm"),
        (None, {"included_exhibits": [{"type": "EX-23.1", "description": "Consent", "included_in": "EX-8.1"}]}, "submission.json [form]",
         "included in EX-8.1, which the submission does not file"),
        (None, {"filers": [{**filers[0], "cik": "12345"}]}, "submission.json [filers]", "a CIK is ten digits"),
        (None, {"filers": [{"role": "trustee", "name": "U.S. Bank National Association"}]}, "submission.json [filers]", "no depositor"),
        (None, {"filers": None}, "submission.json [filers]", "needs its filers"),
    ]  # fmt: skip
    for number, (changed, manifest, where, expected) in enumerate(cases):
        folder = tmp_path / str(number)
        shutil.copytree(fresh, folder)
        code, output = _tamper(folder, changed, manifest)
        assert code == 1 and where in output and expected in output, (number, output)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=12) | st.from_regex(r"[0-9]{10}", fullmatch=True) | st.from_regex(r"\d{10}\n?", fullmatch=True))
@example("0001234567\n")
@example("\u0660" * 10)
def test_a_cik_is_ten_ascii_digits_to_the_deal_file_and_to_check(cik: str) -> None:
    """Whatever the text, the deal file and `check` agree on a CIK: ten ASCII digits, nothing before or after (no other script's digits)."""
    from generator.deal.models import Sponsor
    from generator.formats.edgar_check import _filer_problems

    valid = len(cik) == 10 and all(c in "0123456789" for c in cik)
    try:
        Sponsor(name="Example Home Lending, LLC", cik=cik)
        accepted = True
    except pydantic.ValidationError:
        accepted = False
    assert accepted == valid
    problems = _filer_problems("submission.json", {"filers": [{"role": "depositor", "name": "D", "cik": cik}]})
    assert (not problems) == valid, problems


def test_an_8k_prose_module_of_yours_that_describes_no_consent_is_a_message_naming_it(tmp_path: Path) -> None:
    """Your `form-8k/_prose.j2` without an exhibit's description: exit 2, your file and the key named, nothing written."""
    from generator.api import templates_dir

    (tmp_path / "templates" / "form-8k").mkdir(parents=True)
    built_in = (templates_dir() / "form-8k" / "_prose.j2").read_text()
    line = next(line for line in built_in.splitlines(keepends=True) if '"exhibit-5-1-takedown/consent"' in line)
    (tmp_path / "templates" / "form-8k" / "_prose.j2").write_text(built_in.replace(line, ""))
    code, output = cli("render", TAKEDOWN, "--submission", tmp_path / "sub", "--templates", tmp_path / "templates")
    assert code == 2 and "Traceback" not in output and "internal error" not in output, output
    assert f"{tmp_path / 'templates' / 'form-8k' / '_prose.j2'} [descriptions]: error: " in output and "'exhibit-5-1-takedown/consent'" in output
    assert not (tmp_path / "sub").exists()
