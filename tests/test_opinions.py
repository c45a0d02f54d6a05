"""Exhibit 5.1 letters: both CMSI letters word for word, and variants that prove the clause mechanism."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import TemplateRuntimeError

from generator.api import DOCUMENTS, DealdocsError, load_deal, render_text
from generator.cli import app
from generator.templating.clauses import enumerate_items, join_words, number_clauses  # unit tests of the clause helpers

from .helpers import REFERENCE, ROOT, SHELF, SNAPSHOTS, TAKEDOWN, VARIANTS, runner

# Where our letters deliberately differ from the filed copies, as (filed words, ours).
DEVIATIONS = {
    "takedown": [
        (") (iii)", "(iii)"),  # a stray ")" before item (iii): a scanning artefact
        ("Inc.] Credit Suisse", "Inc.] February 27, 2006 Credit Suisse"),  # the filed copy lost the letter's date line
    ],
    "shelf": [],
}


def letter(path: Path, name: str) -> str:
    return render_text(load_deal(path), DOCUMENTS[name]).text


def words(text: str) -> str:
    """The letter's words: page furniture (continuation headers, page-one footnote) and spacing removed."""
    pages = text.split("<PAGE>")
    if not pages[0].strip():
        pages = pages[1:]
    kept: list[str] = []
    for number, page in enumerate(pages):
        lines = page.strip("\n").split("\n")
        if number:
            header_end = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\s*Page {number + 1}\s*", line))
            lines = lines[header_end + 1 :]
        else:
            rule = next((i for i, line in enumerate(lines) if re.fullmatch(r"-{10,}", line.strip())), len(lines))
            lines = lines[:rule]
        kept += lines
    return " ".join(" ".join(kept).split())


def footnote(text: str) -> str:
    first_page = text.split("<PAGE>")[0 if not text.startswith("<PAGE>") else 1]
    rule = first_page.split("----------------")
    return " ".join(rule[1].split()) if len(rule) > 1 else ""


@pytest.mark.parametrize(("path", "name", "filed", "kind"), [
    (SHELF, "exhibit-5-1-shelf", "cmsi-2003-s3-exhibit-5.1-shelf-opinion.txt", "shelf"),
    (TAKEDOWN, "exhibit-5-1-takedown", "cmsi-2006-1-exhibit-5.1-takedown-opinion.txt", "takedown"),
])  # fmt: skip
def test_letters_word_for_word(path: Path, name: str, filed: str, kind: str) -> None:
    expected = words((REFERENCE / filed).read_text())
    for theirs, ours in DEVIATIONS[kind]:
        assert theirs in expected
        expected = expected.replace(theirs, ours)
    assert words(letter(path, name)) == expected


def test_shelf_footnote_and_its_marker() -> None:
    text = letter(SHELF, "exhibit-5-1-shelf")
    filed = (REFERENCE / "cmsi-2003-s3-exhibit-5.1-shelf-opinion.txt").read_text()
    assert footnote(text) == footnote(filed) == "1. $3,372,978,944 of which are being consolidated from a previous registration statement."
    assert "$23,372,978,944(1)" in text
    assert "created by CMSI.\n\nEach series" in text  # paragraphs are set apart


@pytest.mark.parametrize(("path", "name"), [
    (SHELF, "exhibit-5-1-shelf"),
    (TAKEDOWN, "exhibit-5-1-takedown"),
    (VARIANTS / "takedown-no-private" / "deal.yaml", "exhibit-5-1-takedown"),
    (VARIANTS / "takedown-other-counsel" / "deal.yaml", "exhibit-5-1-takedown"),
    (VARIANTS / "shelf-no-consolidation" / "shelf.yaml", "exhibit-5-1-shelf"),
])  # fmt: skip
def test_snapshot_and_edgar_rules(path: Path, name: str, file_regression) -> None:
    text = letter(path, name)
    lines = text.splitlines()
    assert all(len(line) <= 80 and line.isascii() and line.isprintable() for line in lines)
    pages = text.split("<PAGE>")
    assert len(pages) >= 2
    for number, page in enumerate(pages[1:], 2):
        assert f"\nPage {number}\n" in page  # every continuation page is headed
    if path in (SHELF, TAKEDOWN):  # the examples' letters are stored once, as the pytest plugin's snapshots (test_snapshots.py)
        file_regression.check(text, fullpath=SNAPSHOTS / f"{path.parent.name}-{name}-txt.txt")
    else:
        file_regression.check(text, basename=f"{path.parent.name}-{name}", extension=".txt")


def opinion_numbers(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"^(\d+)\s{2,}\S", text, flags=re.MULTILINE)]


def test_no_private_certificates_renumbers_and_the_reference_follows() -> None:
    full = letter(TAKEDOWN, "exhibit-5-1-takedown")
    text = letter(VARIANTS / "takedown-no-private" / "deal.yaml", "exhibit-5-1-takedown")
    assert opinion_numbers(full) == list(range(1, 12)) and "paragraph 11(C) above" in full
    assert opinion_numbers(text) == list(range(1, 10))
    assert "paragraph 9(C) above" in " ".join(text.split())
    flat = " ".join(text.split())
    for gone in ("private certificates", "Memorandum", "(vi)"):
        assert gone not in flat
    assert not re.search(r"(?<!Loan )Purchase Agreement", flat)
    assert "(v) the Mortgage Loan Purchase Agreement" in flat
    assert 'pursuant to Section 8(c) of the Underwriting Agreement' in flat  # a list of one has no (i)
    assert 'the "offered certificates" or the "certificates")' in flat
    assert "The Underwriting Agreement has been duly authorized" in flat


def test_nothing_consolidated_means_no_footnote() -> None:
    text = letter(VARIANTS / "shelf-no-consolidation" / "shelf.yaml", "exhibit-5-1-shelf")
    assert footnote(text) == "" and "(1)" not in text and "$20,000,000,000 aggregate" in " ".join(text.split())


def test_other_counsel_addressee_and_parties() -> None:
    rendered = render_text(load_deal(VARIANTS / "takedown-other-counsel" / "deal.yaml"), DOCUMENTS["exhibit-5-1-takedown"])
    flat = " ".join(rendered.text.split())
    assert flat.startswith("EXHIBIT 5.1 Cadwalader, Wickersham & Taft LLP 200 Liberty Street New York, New York 10281 Tel. (212) 504-6000 February")
    assert 'Societe Generale <Americas> "SG" 245 Park Avenue' in flat
    assert {w.value for w in rendered.warnings} == {"Société", "Générale"}
    assert "national banking association" not in flat  # no national bank signs: that opinion drops
    assert "Acme Mortgage Servicing, Inc., a California corporation, as Servicer (\"Acme\")" in flat
    assert "ERISA" not in flat and "relied" not in flat
    assert opinion_numbers(rendered.text) == list(range(1, 11)) and "paragraph 10(C) above" in flat
    assert flat.endswith("/s/ Cadwalader, Wickersham & Taft LLP " + "-" * 37 + " Jane Q. Partner")


def test_render_command_writes_each_letter(tmp_path: Path) -> None:
    for deal, name in ((TAKEDOWN, "exhibit-5-1-takedown"), (SHELF, "exhibit-5-1-shelf")):
        result = runner.invoke(app, ["render", str(deal), "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"{name}.txt").read_text() == letter(deal, name)


def test_validate_a_letter_only_deal_file() -> None:
    result = runner.invoke(app, ["validate", str(TAKEDOWN)])
    assert result.exit_code == 0 and "deal file valid" in result.output


# --- the clause mechanism -----------------------------------------------------------------


def test_numbering_skips_dropped_clauses_and_letters_parts() -> None:
    numbering = number_clauses([
        {"label": "a"}, {"label": "b", "when": False}, {"label": "c", "parts": [
            {"label": "x"}, {"label": "y", "when": False}, {"label": "z"}]},
    ])  # fmt: skip
    assert numbering.order == ("a", "c")
    assert numbering.ref("c") == "2" and numbering.ref("c", "z") == "2(B)"
    assert numbering.parts("c") == [("x", "A"), ("z", "B")]
    with pytest.raises(TemplateRuntimeError, match="cross-reference to a clause that is not in the letter: 'b'"):
        numbering.ref("b")
    with pytest.raises(TemplateRuntimeError):
        numbering.ref("c", "y")


def test_lists_and_conjunctions() -> None:
    assert join_words(["A"]) == "A"
    assert join_words(["A", "B"]) == "A and B"
    assert join_words(["A", "B", "C"]) == "A, B and C"
    assert join_words(["A, Inc.", "B", "C"], serial=True) == "A, Inc., B, and C"
    assert join_words(["X", "Y", "Z"], "or") == "X, Y or Z"
    assert enumerate_items(["a", "b", "c"], end=".") == [("(i)", "a,"), ("(ii)", "b, and"), ("(iii)", "c.")]
    assert enumerate_items(["a", "b"], end=",") == [("(i)", "a, and"), ("(ii)", "b,")]
    assert enumerate_items(["only"], end=".") == [("", "only.")]


def test_cross_reference_to_a_missing_clause_names_the_template_and_line(tmp_path: Path) -> None:
    prose = (ROOT / "templates" / "exhibit-5-1-takedown" / "_prose.j2").read_text()
    broken = tmp_path / "exhibit-5-1-takedown" / "_prose.j2"
    broken.parent.mkdir()
    broken.write_text(prose.replace('numbering.ref("effective", "descriptions")', 'numbering.ref("efective", "descriptions")'))
    with pytest.raises(DealdocsError) as info:
        render_text(load_deal(TAKEDOWN), DOCUMENTS["exhibit-5-1-takedown"], search_path=[tmp_path])
    (problem,) = info.value.problems
    assert Path(problem.file) == broken and "efective" in broken.read_text().splitlines()[problem.line - 1]
    assert "cross-reference to a clause that is not in the letter: 'efective'" in problem.message


# --- validation ---------------------------------------------------------------------------


def edited(tmp_path: Path, source: Path, change) -> Path:
    data = yaml.safe_load(source.read_text())
    change(data)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def problems(path: Path) -> list:
    with pytest.raises(DealdocsError) as info:
        load_deal(path)
    return info.value.problems


def take(d: dict) -> dict:
    return d["takedown_opinion"]


# (deal file, change, field path, the line reported, reason). A missing field is reported at
# its parent mapping's first line.
BAD_LETTERS = [
    (TAKEDOWN, lambda d: take(d)["agreements"].pop("purchase"), "takedown_opinion.agreements.purchase", "underwriting:",
     "private certificates but no purchase agreement"),
    (TAKEDOWN, lambda d: take(d).pop("memorandum_date"), "takedown_opinion.memorandum_date", "date: 2006-02-27", "no private placement memorandum"),
    (TAKEDOWN, lambda d: take(d).update(date="2006-01-31"), "takedown_opinion.date", "date: '2006-01-31'",
     "dated before the pooling agreement it opines on (agreements.pooling.date 2006-02-01)"),
    (TAKEDOWN, lambda d: take(d)["agreements"]["underwriting"].update(date="2006-03-01"), "takedown_opinion.date", "date: 2006-02-27",
     "dated before the underwriting agreement"),
    (TAKEDOWN, lambda d: take(d)["registration"].update(effective="2003-10-01"), "takedown_opinion.registration.effective", "effective:",
     "declared effective before it was filed (2003-10-15)"),
    (TAKEDOWN, lambda d: take(d)["registration"].pop("file_number"), "takedown_opinion.registration.file_number", "form: S-3", "a takedown letter needs it"),
    (SHELF, lambda d: d["shelf_opinion"]["registration"].update(consolidated=30000000000), "shelf_opinion.registration.consolidated", "consolidated:",
     "more than the aggregate amount registered (23372978944)"),
    (SHELF, lambda d: d["shelf_opinion"]["registration"].pop("amount"), "shelf_opinion.registration.amount", "form: S-3",
     "consolidated amount needs the aggregate amount"),
    (SHELF, lambda d: d["shelf_opinion"].update(date="2003-10-13"), "shelf_opinion.date", "date:",
     "dated before the registration statement is filed (2003-10-14)"),
    (TAKEDOWN, lambda d: take(d)["classes"].pop("private"), "takedown_opinion.agreements.purchase", "date: 2006-01-12",
     "a purchase agreement, but the series has no private certificates"),
    (TAKEDOWN, lambda d: take(d)["classes"].pop("private"), "takedown_opinion.memorandum_date", "memorandum_date:",
     "a private placement memorandum, but the series has no private certificates"),
    (TAKEDOWN, lambda d: take(d)["classes"].update(rated=["A", "C"]), "takedown_opinion.classes.rated.1", "- C", "class C is not an offered class"),
    (TAKEDOWN, lambda d: take(d)["classes"].update(private=["B-3", "B-4"]), "takedown_opinion.classes.private.0", "- B-3",
     "class B-3 is also an offered class"),
    (TAKEDOWN, lambda d: take(d)["agreements"]["underwriting"].update(parties=["underwriter", "nobody"]),
     "takedown_opinion.agreements.underwriting.parties.1", "- nobody",
     "'nobody' is not among the parties"),
    (TAKEDOWN, lambda d: take(d)["agreements"]["pooling"].update(trustee="citigroup"), "takedown_opinion.agreements.pooling.trustee", "trustee: citigroup",
     "not among the pooling agreement's parties"),
    (TAKEDOWN, lambda d: take(d)["agreements"].update(purchaser="cmi"), "takedown_opinion.agreements.purchaser", "purchaser: cmi",
     "not a party to the purchase agreement"),
    (TAKEDOWN, lambda d: take(d)["agreements"]["purchase"].pop("section"), "takedown_opinion.agreements.purchase.section", "date: 2006-01-12",
     "name the section of the purchase agreement"),
    (TAKEDOWN, lambda d: take(d)["parties"]["cmi"].pop("corporation_of"), "takedown_opinion.parties.cmi.corporation_of", "name: CitiMortgage, Inc.",
     "servicer's state of incorporation"),
    (TAKEDOWN, lambda d: take(d)["parties"].update(depositor={"name": "X"}), "takedown_opinion.parties.depositor", "name: X", "do not define it again"),
    (TAKEDOWN, lambda d: d.pop("series"), "series", "depositor:", "need the series"),
]


@pytest.mark.parametrize(("source", "change", "field", "line", "reason"), BAD_LETTERS)
def test_bad_letters_get_messages_naming_the_field_and_its_line(tmp_path: Path, source: Path, change, field: str, line: str, reason: str) -> None:
    path = edited(tmp_path, source, change)
    found = [p for p in problems(path) if p.column == field and reason in p.message]
    assert found, problems(path)
    assert line in path.read_text().splitlines()[found[0].line - 1]  # the line of the field (or of its parent, when missing)
    assert re.match(rf"\S*{source.name}:{found[0].line} \[{re.escape(field)}\]: error: ", str(found[0]))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def change(d: dict) -> None:
        take(d).update(date="2006-01-31")
        take(d)["classes"].update(rated=["C"])
        take(d)["agreements"]["underwriting"].update(parties=["underwriter", "nobody"])

    found = {(p.column, p.message.split(" (")[0]) for p in problems(edited(tmp_path, TAKEDOWN, change))}
    assert found == {
        ("takedown_opinion.date", "the letter is dated before the pooling agreement it opines on"),
        ("takedown_opinion.date", "the letter is dated before the mortgage loan purchase agreement it opines on"),
        ("takedown_opinion.classes.rated.0", "class C is not an offered class"),
        ("takedown_opinion.agreements.underwriting.parties.1", "'nobody' is not among the parties"),
    }


def key_paths(data: object, path: tuple = ()) -> list[tuple]:
    """Every mapping key below `data`, as a path of keys and list indexes."""
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in [(*path, key), *key_paths(value, (*path, key))]]
    if isinstance(data, list):
        return [p for i, value in enumerate(data) for p in key_paths(value, (*path, i))]
    return []


@pytest.mark.parametrize(("source", "section", "name"), [
    (TAKEDOWN, "takedown_opinion", "exhibit-5-1-takedown"),
    (SHELF, "shelf_opinion", "exhibit-5-1-shelf"),
])  # fmt: skip
def test_a_missing_key_is_a_message_or_drops_out_never_a_blank(tmp_path: Path, source: Path, section: str, name: str) -> None:
    """No silent blanks: leaving out any key either gets a message or the letter reads without it."""
    data = yaml.safe_load(source.read_text())
    for path in key_paths(data[section], (section,)):
        changed = yaml.safe_load(source.read_text())
        parent = changed
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
        deal = tmp_path / source.name
        deal.write_text(yaml.safe_dump(changed, sort_keys=False))
        try:
            text = letter(deal, name)
        except DealdocsError as exc:
            assert all(p.line for p in exc.problems), (path, exc)
            continue
        assert not re.search(r"\bNone\b|\(\)|\"\"| [,.;]|class certificates", " ".join(text.split())), path


@given(st.lists(st.booleans(), min_size=1, max_size=12), st.lists(st.booleans(), max_size=5))
def test_any_clauses_dropped_number_closes_up_and_references_follow(kept: list[bool], parts_kept: list[bool]) -> None:
    clauses = [{"label": f"c{i}", "when": when} for i, when in enumerate(kept)]
    clauses.append({"label": "last", "parts": [{"label": f"p{i}", "when": when} for i, when in enumerate(parts_kept)]})
    numbering = number_clauses(clauses)
    expected = [c["label"] for c in clauses if c.get("when", True)]
    assert list(numbering.order) == expected
    assert [numbering.number(label) for label in expected] == [str(n) for n in range(1, len(expected) + 1)]
    letters = [part_letter for _, part_letter in numbering.parts("last")]
    assert letters == [chr(ord("A") + n) for n in range(sum(parts_kept))]
    for i, when in enumerate(parts_kept):
        if when:
            assert numbering.ref("last", f"p{i}") == f"{len(expected)}({letters.pop(0)})"
    for label in (c["label"] for c in clauses if not c.get("when", True)):
        with pytest.raises(TemplateRuntimeError):
            numbering.ref(label)


@given(st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=4), min_size=1, max_size=9), st.booleans())
def test_any_list_is_joined_and_enumerated_with_one_conjunction(items: list[str], serial: bool) -> None:
    joined = join_words(items, serial=serial)
    assert joined.count(" and ") == (len(items) > 1)
    assert joined.replace(", and ", ", ").replace(" and ", ", ").split(", ") == items
    labelled = enumerate_items(items, end=".")
    assert "".join(text for _, text in labelled).count(", and") == (len(items) > 1)
    assert labelled[-1][1].endswith(".")
    if len(items) > 1:
        assert [label for label, _ in labelled] == [f"({roman})" for roman in ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][: len(items)]]
