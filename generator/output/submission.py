"""The submission folders of a deal's filings: what a filing agent uploads to EDGAR, as it is.

A modern term sheet is a Rule 433 free writing prospectus: its own submission, form type FWP,
the term sheet its one document, filed by the depositor and the issuing entity under the
registration file number (`filing.term_sheet_as`, by default from the layout). Everything else
is filed with the Form 8-K.

The main document is the Form 8-K itself (Items 8.01 and 9.01, its exhibit index linking each
exhibit's file, as Item 601(a)(2) of Regulation S-K has required since 2017), with the cover of an
asset-backed issuer (issuing entity, depositor and sponsor with their file numbers and CIKs, the
Section 12(b) table, the emerging growth company boxes), or the depositor's cover of the 2003
filings for a deal that files its term sheets as EX-99.1. The exhibits are the drafted documents
the deal file's 8-K carries (EX-99.1 the collateral term sheets, EX-5.1 the legality opinion) in
EDGAR HTML, then any further exhibits the deal file supplies as files; counsel's consent is
indexed as EX-23.1, included in Exhibit 5.1, with no file of its own. `submission.json` lists the
form, the filers by role with their CIKs, and each document's EDGAR type, description, file name
and SHA-256 (an included exhibit under `included_exhibits`). Every document is checked against
EDGAR's rules before anything is written, and the folder is published all together
(`files.publish`).

A shelf opinion is an exhibit to a Form S-3, which dealdocs does not draft: a deal file with
only a shelf opinion has no 8-K to file and is refused with a message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.deal.loading import LoadedDeal
from generator.deal.models import Person
from generator.deal.placeholders import cover_facts, cover_placeholders
from generator.documents.registry import DOCUMENTS, documents_of, section_of, titled
from generator.errors import DealFileError, OutputError, Problem, TemplateProblemError
from generator.formats import edgar_check
from generator.formats.htm import render_htm, render_template
from generator.templating.folders import template_dirs, templates_dir

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MAIN = "form8-k.htm"
FWP_MAIN = "fwp.htm"
FORM_FOLDERS = {"FWP": "fwp", "8-K": "8-k"}
"""A deal that makes both filings writes each in its own sub-folder of the submission folder: EDGAR takes one flat folder per submission."""
TERM_SHEETS = ("term-sheet-8k", "collateral-term-sheet")
MANIFEST = edgar_check.MANIFEST
EXHIBITS = {"term-sheet-8k": ("99.1", "ex99-1.htm"), "collateral-term-sheet": ("99.1", "ex99-1.htm"), "exhibit-5-1-takedown": ("5.1", "ex5-1.htm")}
"""The drafted documents an 8-K carries: their exhibit number (Item 601 of Regulation S-K) and file name."""
CONSENTS = {"exhibit-5-1-takedown": "23.1"}
"""The drafted documents that may carry counsel's consent, and the exhibit number it is indexed under (Item 601(b)(23)): included in
the document, no file of its own."""


@dataclass(frozen=True)
class SubmissionDocument:
    """One document of a submission: its EDGAR type ('8-K', 'EX-5.1'), description, file name and content.

    An exhibit included in another document (counsel's consent in the opinion) names that document's
    type in `included_in` and its file, and has no content: it is indexed, not written.
    """

    type: str
    description: str
    file: str
    content: bytes
    included_in: str = ""

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the content, as submission.json lists it."""
        return hashlib.sha256(self.content).hexdigest()


def assemble(loaded: LoadedDeal, tape: Path | None = None, templates: Path | None = None) -> list[SubmissionDocument]:
    """The documents of a deal's Form 8-K submission, main document first, each checked against EDGAR's rules.

    Args:
        loaded: The deal, from `load_deal`.
        tape: A loan tape to use instead of the deal file's.
        templates: A folder of templates that override the built-in ones by name.

    Returns:
        The 8-K, then its exhibits in exhibit-number order (an included one too, with `included_in`).

    Raises:
        DealdocsError: The deal file has no 8-K to file (a shelf opinion only), names a document it
            does not describe, lacks a signatory, or supplies an exhibit EDGAR would refuse; or a
            template has problems.
    """
    deal, filing = loaded.deal, loaded.deal.filing
    chosen, _ = chosen_documents(loaded)
    if "8-K" not in forms(loaded):
        raise DealFileError([Problem(str(loaded.path), None, None, None, (
            "this deal file has no Form 8-K to file: a shelf opinion is an exhibit to a Form S-3 registration statement, "
            "which dealdocs does not draft; render it with --format htm and attach it to the S-3"
        ))])  # fmt: skip
    if problems := filing_problems(loaded):
        raise DealFileError(problems)
    signatory = _signatory(loaded)
    assert signatory is not None
    search_path = template_dirs(loaded, templates)
    exhibits: list[tuple[SubmissionDocument, str]] = []  # each with the drafted document it is ('' if supplied)
    consents = _consents(loaded)
    graphics: dict[str, bytes] = {}  # the images the exhibits show (a letterhead's logo): EDGAR takes them as GRAPHIC documents
    for name in chosen:
        number, file = EXHIBITS[name]
        rendered = render_htm(loaded, DOCUMENTS[name], tape, search_path)
        exhibits.append((SubmissionDocument(f"EX-{number}", "", file, rendered.text.encode("ascii")), name))
        graphics.update(rendered.attachments)
        if name in consents:
            exhibits.append((SubmissionDocument(f"EX-{CONSENTS[name]}", "", file, b"", f"EX-{number}"), f"{name}/consent"))
    for exhibit in filing.exhibits if filing else []:
        path = loaded.resolve(exhibit.file)
        exhibits.append((SubmissionDocument(exhibit.type, exhibit.description, path.name, path.read_bytes()), ""))
    exhibits.sort(key=lambda pair: tuple(int(part) for part in pair[0].type.removeprefix("EX-").split(".")))
    context: dict[str, Any] = {"deal": deal, "filing": _cover(loaded, signatory), "exhibits": []}
    drafted_words = _descriptions(search_path, context)
    if undescribed := sorted({name for d, name in exhibits if name and not d.description and name not in drafted_words}):
        why = "describes no exhibit {}: add it to `descriptions` (the exhibit index names each exhibit with its description)"
        prose = next(p for p in (folder / PROSE for folder in [*search_path, templates_dir()]) if p.is_file())  # the one read
        raise TemplateProblemError([Problem(str(prose), None, "descriptions", name, why.format(repr(name))) for name in undescribed])
    documents = [
        SubmissionDocument(d.type, d.description or drafted_words[name], d.file, d.content, d.included_in) for d, name in exhibits
    ]
    context["exhibits"] = [
        {"number": d.type.removeprefix("EX-"), "type": d.type, "description": d.description, "file": d.file, "included_in": d.included_in}
        for d in documents
    ]
    main = render_template("form-8k.htm.j2", {**context, "title": titled("Form 8-K - Current report", loaded)}, search_path)
    problems = edgar_check.html_problems(main, MAIN, names={d.file for d in documents if not d.included_in})
    if problems:  # the exhibit index links only the exhibits just assembled: a miss is a bug
        raise AssertionError(f"the 8-K's exhibit index does not resolve: {problems[0]}")
    description = "Current report, Items 8.01 and 9.01"
    shown = [SubmissionDocument(edgar_check.GRAPHIC, "Letterhead logo", file, content) for file, content in graphics.items()]
    return [SubmissionDocument("8-K", description, MAIN, main.encode("ascii")), *documents, *shown]


def assemble_fwp(loaded: LoadedDeal, tape: Path | None = None, templates: Path | None = None) -> list[SubmissionDocument]:
    """The free writing prospectus submission: the term sheet, with its Rule 433 legend, as the one document of form type FWP.

    Raises:
        DealdocsError: The deal file does not file its term sheet as an FWP, or has problems.
    """
    if "FWP" not in forms(loaded):
        raise DealFileError([loaded.problem(("filing", "term_sheet_as"), term_sheet_as(loaded), "the term sheet is not filed as a free writing prospectus")])
    if problems := filing_problems(loaded):
        raise DealFileError(problems)
    content = render_htm(loaded, DOCUMENTS["collateral-term-sheet"], tape, template_dirs(loaded, templates)).text.encode("ascii")
    return [SubmissionDocument("FWP", "Free writing prospectus (Rule 433): collateral term sheet", FWP_MAIN, content)]


def cover_open(loaded: LoadedDeal) -> list[Problem]:
    """A warning for each fact the 8-K's asset-backed cover prints as a placeholder (`cover_placeholders`); none for a deal without that cover."""
    return cover_placeholders(loaded) if "8-K" in forms(loaded) and asset_backed(loaded) else []


def asset_backed(loaded: LoadedDeal) -> bool:
    """Whether the 8-K has the cover of an asset-backed issuer as filed today, or the depositor's cover of the 2003 filings.

    The 2003 cover is kept for a deal that files its term sheets as EX-99.1, as those filings were
    made; every other 8-K names the issuing entity, depositor and sponsor.
    """
    return term_sheet_as(loaded) != "exhibit_99"


def _cover(loaded: LoadedDeal, signatory: Person) -> dict[str, Any]:
    """What the 8-K's cover and signature print beyond the depositor: the asset-backed issuer's parties and boxes (`asset_backed`)."""
    filing = loaded.deal.filing
    return {
        "report_date": report_date(loaded), "signatory": signatory, "asset_backed": asset_backed(loaded),
        "issuing_entity": filing.issuing_entity if filing else None, "sponsor": filing.sponsor if filing else None,
        "registered_securities": filing.registered_securities if filing else [],
        "emerging_growth_company": filing.emerging_growth_company if filing else False,
        "facts": cover_facts(loaded),
    }  # fmt: skip


def _consents(loaded: LoadedDeal) -> set[str]:
    """The drafted documents the 8-K carries that contain counsel's consent (the deal's opinion says whether it does)."""
    opinion = loaded.deal.takedown_opinion
    chosen, _ = chosen_documents(loaded)
    return {name for name in chosen if name in CONSENTS and opinion is not None and opinion.contains_consent}


def term_sheet_as(loaded: LoadedDeal) -> str | None:
    """How the term sheet is filed: 'fwp' or 'exhibit_99' (the deal file's choice, else the layout's: modern is a free writing prospectus); None without one."""
    deal = loaded.deal
    if deal.term_sheet is None:
        return None
    if deal.filing is not None and deal.filing.term_sheet_as is not None:
        return deal.filing.term_sheet_as
    return "fwp" if deal.term_sheet.layout == "modern" else "exhibit_99"


def forms(loaded: LoadedDeal) -> list[str]:
    """The forms the deal files, in filing order: 'FWP' for a term sheet filed so, '8-K' when anything is left for one."""
    fwp = term_sheet_as(loaded) == "fwp"
    chosen, _ = chosen_documents(loaded)
    filing = loaded.deal.filing
    eight_k = bool(chosen) or (filing is not None and (bool(filing.exhibits) or not fwp))  # without a filing section, chosen is all drafted
    return ["FWP"] * fwp + ["8-K"] * eight_k


def write_submission(
    loaded: LoadedDeal, folder: Path, tape: Path | None = None, templates: Path | None = None, key: Ed25519PrivateKey | None = None
) -> list[Path]:
    """Assemble a deal's submissions and publish each into its folder, each folder all together or nothing.

    Args:
        loaded: The deal, from `load_deal`.
        folder: The submission folder; created if missing. A deal that files both an FWP and an 8-K
            writes them into its sub-folders `fwp` and `8-k` (`FORM_FOLDERS`). A folder holding other
            files is refused (a filing agent would upload them too).
        tape: A loan tape to use instead of the deal file's.
        templates: A folder of templates that override the built-in ones by name.
        key: An Ed25519 key to sign `submission.json` with (`generator.signing`).

    Returns:
        The paths written: each submission's documents, then its `submission.json`.

    Raises:
        DealdocsError: As `assemble` and `assemble_fwp`; or a folder holds other files or cannot be written.
    """
    from generator.files import publish

    filed = forms(loaded)
    if not filed:
        assemble(loaded, tape, templates)  # refuses with the reason
    built = {form: (assemble_fwp if form == "FWP" else assemble)(loaded, tape, templates) for form in filed}
    places = {form: folder / FORM_FOLDERS[form] if len(built) > 1 else folder for form in built}
    _refuse_strays(folder, set(FORM_FOLDERS.values()) if len(built) > 1 else {d.file for d in built[filed[0]]})
    for form, documents in built.items():
        _refuse_strays(places[form], {d.file for d in documents})
    written: list[Path] = []
    for form, documents in built.items():
        files = [(d.file, d.content) for d in documents if not d.included_in]
        written += publish(places[form], [*files, (MANIFEST, manifest(loaded, documents, key))])
    return written


def _refuse_strays(folder: Path, names: set[str]) -> None:
    """Refuse a folder holding files other than `names` (a submission's own, or its sub-folders): a filing agent would upload them too."""
    from generator.files import JOURNAL

    names = names | {MANIFEST, JOURNAL}  # the journal of a run killed while publishing: this one replaces it
    if folder.is_dir():
        strays = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".") and p.name not in names)
        if strays:
            message = f"holds files that are not part of this submission ({', '.join(strays[:5])}): a filing agent would upload them too; use an empty folder"
            raise OutputError([Problem(str(folder), None, None, None, message)])


def manifest(loaded: LoadedDeal, documents: Sequence[SubmissionDocument], key: Ed25519PrivateKey | None = None) -> str:
    """`submission.json`: the filing's form, filers by role and date, and each document's type, description, file and SHA-256.

    The exhibits included in another document are listed apart (type, description, the document's
    type): they have no file. Signed with `key` if given.
    """
    header: dict[str, Any] = _fwp_header(loaded) if documents[0].type == "FWP" else {
        "form": "8-K", "filers": _eight_k_filers(loaded), "report_date": report_date(loaded).isoformat(),
    }  # fmt: skip
    filed = [{"type": d.type, "description": d.description, "file": d.file, "sha256": d.sha256} for d in documents if not d.included_in]
    included = [{"type": d.type, "description": d.description, "included_in": d.included_in} for d in documents if d.included_in]
    data = {**header, "documents": filed, **({"included_exhibits": included} if included else {})}
    if key is not None:
        from generator.signing import signed

        data = signed(data, key)
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


def _filer(role: str, name: str, cik: str | None, file_number: str | None = None) -> dict[str, str]:
    """A filer as submission.json lists it: role and name, with its CIK and Commission file number where the deal file gives them."""
    return {"role": role, "name": name, **({"cik": cik} if cik else {}), **({"commission_file_number": file_number} if file_number else {})}


def _eight_k_filers(loaded: LoadedDeal) -> list[dict[str, str]]:
    """The 8-K's filers as its cover names them: the depositor; with an asset-backed issuer's cover, the issuing entity and sponsor the deal file names."""
    deal = loaded.deal
    filers = [_filer("depositor", deal.depositor.name, deal.depositor.cik, deal.depositor.commission_file_number)]
    if not asset_backed(loaded) or deal.filing is None:
        return filers
    issuer, sponsor = deal.filing.issuing_entity, deal.filing.sponsor
    filers += [_filer("issuing entity", issuer.name, issuer.cik, issuer.commission_file_number)] if issuer else []
    return filers + ([_filer("sponsor", sponsor.name, sponsor.cik, sponsor.commission_file_number)] if sponsor else [])


def _fwp_header(loaded: LoadedDeal) -> dict[str, Any]:
    """The FWP's form, its filers by role (depositor, issuing entity; each CIK where the deal file gives it), file number and date."""
    deal = loaded.deal
    assert deal.term_sheet is not None, "an FWP is a term sheet"
    issuer = deal.filing.issuing_entity if deal.filing is not None else None
    parties = [("depositor", deal.depositor.name, deal.depositor.cik)] + ([("issuing entity", issuer.name, issuer.cik)] if issuer else [])
    filers = [_filer(role, name, cik) for role, name, cik in parties]
    number = deal.filing.registration_file_number if deal.filing is not None else None
    return {
        "form": "FWP", "rule": "433", "filers": filers, "registration_file_number": number or deal.term_sheet.registration_number,
        "date": deal.term_sheet.report_date.isoformat(),
    }  # fmt: skip


def report_date(loaded: LoadedDeal) -> date:
    """The 8-K's date of report, also its signature's: the filing's, else the term sheet's, else the opinion's."""
    deal = loaded.deal
    if deal.filing is not None and deal.filing.report_date is not None:
        return deal.filing.report_date
    if deal.term_sheet is not None:
        return deal.term_sheet.report_date
    assert deal.takedown_opinion is not None, "assemble refuses a deal file with no 8-K document"
    return deal.takedown_opinion.date


def _signatory(loaded: LoadedDeal) -> Person | None:
    deal = loaded.deal
    if deal.filing is not None and deal.filing.signatory is not None:
        return deal.filing.signatory
    return deal.term_sheet.signatory if deal.term_sheet is not None else None


def chosen_documents(loaded: LoadedDeal) -> tuple[list[str], list[str]]:
    """The drafted documents the 8-K is to carry (the filing's list, else every one drafted), and those the deal file describes."""
    filing = loaded.deal.filing
    fwp = term_sheet_as(loaded) == "fwp"
    drafted = [d.name for d in documents_of(loaded) if d.name in EXHIBITS and not (fwp and d.name in TERM_SHEETS)]
    return (list(filing.documents) if filing is not None and filing.documents is not None else drafted), drafted


def filing_problems(loaded: LoadedDeal) -> list[Problem]:
    """What stops the 8-K submission before anything is rendered, each at its deal-file line (`validate` lists them too).

    A document to file that the deal file does not describe, no signatory, a supplied exhibit not
    found, that EDGAR would refuse or of a type the 8-K does not take, two exhibits with one type or file name.
    """
    filing = loaded.deal.filing
    chosen, drafted = chosen_documents(loaded)
    fwp = term_sheet_as(loaded) == "fwp"
    problems = [
        loaded.problem(("filing", "documents"), name, f"the deal file has no {section_of(name)} section, so it has no {name} to file")
        for name in chosen
        if name not in drafted and not (fwp and name in TERM_SHEETS)
    ]
    problems += [
        loaded.problem(("filing", "documents"), name, "the term sheet is filed as a free writing prospectus (filing.term_sheet_as: fwp), not as an 8-K exhibit")
        for name in chosen
        if fwp and name in TERM_SHEETS
    ]
    if fwp and loaded.deal.term_sheet is not None and loaded.deal.term_sheet.layout != "modern":
        why = "the 8k layout carries no Rule 433 legend: use term_sheet.layout: modern, or file it as exhibit_99"
        problems.append(loaded.problem(("filing", "term_sheet_as"), "fwp", why))
    if "8-K" in forms(loaded) and _signatory(loaded) is None:
        problems.append(loaded.problem(("filing",), None, "the 8-K needs a signatory: add filing.signatory (name and title)"))
    supplied = [] if filing is None else filing.exhibits
    allowed = edgar_check.FORM_EXHIBITS["8-K"]
    for index, exhibit in enumerate(supplied):
        problems += _supplied_problems(loaded, index, exhibit.file)
        if int(exhibit.type.removeprefix("EX-").split(".")[0]) not in allowed:
            why = "not an exhibit type a Form 8-K takes (Item 601 of Regulation S-K)"
            problems.append(loaded.problem(("filing", "exhibits", index, "type"), exhibit.type, why))
    named = [(f"EX-{EXHIBITS[name][0]}", EXHIBITS[name][1]) for name in chosen if name in drafted]
    named += [(f"EX-{CONSENTS[name]}", "") for name in _consents(loaded) if name in drafted]  # included: no file of its own
    return problems + _unique(loaded, named + [(e.type, loaded.resolve(e.file).name) for e in supplied])


def _supplied_problems(loaded: LoadedDeal, index: int, file: str) -> list[Problem]:
    """A supplied exhibit not found, or each thing EDGAR would refuse in it, at the deal file's line."""
    path = loaded.resolve(file)
    where = ("filing", "exhibits", index, "file")
    if not path.is_file():
        return [loaded.problem(where, file, "not found (relative to the deal file)")]
    return [loaded.problem(where, file, f"EDGAR would refuse it: {p}") for p in edgar_check.file_problems(path)]


def _unique(loaded: LoadedDeal, exhibits: list[tuple[str, str]]) -> list[Problem]:
    """Two exhibits (type, file name; '' for one included in another) with one type or file name, or a file named as the 8-K or the manifest."""
    problems = []
    for at, label in ((0, "exhibit type"), (1, "file name")):
        seen: set[str] = set()
        for exhibit in exhibits:
            value = exhibit[at]
            if not value:
                continue
            if value in seen or (at == 1 and value in (MAIN, MANIFEST)):
                problems.append(loaded.problem(("filing", "exhibits"), value, f"two exhibits share the {label} {value}"))
            seen.add(value)
    return problems


PROSE = "form-8k/_prose.j2"
"""The 8-K's prose module: its words, and the exhibits' descriptions."""


def _descriptions(search_path: Sequence[Path], context: dict[str, Any]) -> dict[str, str]:
    """The drafted exhibits' descriptions, from the 8-K's prose module (the words live there once)."""
    from generator.templating.environment import environment
    from generator.templating.running import run_template

    env = environment([*search_path, templates_dir()], autoescape=False)
    found: dict[str, str] = {}

    def read(module: Any) -> str:
        found.update({str(k): str(v) for k, v in getattr(module, "descriptions", {}).items()})  # none: each exhibit is told
        return ""

    run_template(env, PROSE, context, read)
    return found
