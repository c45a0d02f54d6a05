"""Tampering noticed: a batch folder's manifest and a submission's submission.json, unsigned and signed.

Each tampering of issue 17 (an output edited and rehashed, an entry dropped, the lists emptied,
a file added; in a submission an exhibit edited and rehashed, the form changed, a document
listed twice, submission.json deleted) is a case here; the rehashed ones are caught with a key.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import app
from generator.output.batch import render_one
from generator.signing import private_key, raw, signature_problem, signed

from .helpers import SHELF, TAKEDOWN, runner

DOCUMENT = "exhibit-5-1-shelf"


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A private key, its public half and another party's public key, as PEM files."""
    mine, theirs = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    (tmp_path / "signing.pem").write_bytes(_pem(mine))
    public = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    (tmp_path / "signing.pub").write_bytes(mine.public_key().public_bytes(*public))
    (tmp_path / "other.pub").write_bytes(theirs.public_key().public_bytes(*public))
    return tmp_path / "signing.pem", tmp_path / "signing.pub", tmp_path / "other.pub"


@pytest.fixture
def rendered(tmp_path: Path) -> tuple[Path, Path]:
    """The shelf opinion's deal folder (copied) and its batch output folder, rendered as txt and htm."""
    deal = tmp_path / "deal" / SHELF.name
    shutil.copytree(SHELF.parent, deal.parent)
    folder = tmp_path / "out"
    assert render_one(deal, folder, ("txt", "htm"), None).ok
    return deal, folder


def _manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    return data


def _write(folder: Path, data: dict[str, Any]) -> None:
    (folder / "manifest.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _edit(folder: Path, name: str = f"{DOCUMENT}.txt") -> str:
    """Edit an output as a forger would; returns its new SHA-256."""
    path = folder / name
    path.write_bytes(path.read_bytes() + b"Forged by hand.\n")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rehash(folder: Path) -> None:
    """Edit the text output and update its hash in the manifest: a self-consistent forgery."""
    digest = _edit(folder)
    data = _manifest(folder)
    next(o for o in data["outputs"] if o["path"] == f"{DOCUMENT}.txt")["sha256"] = digest
    _write(folder, data)


def _drop_entry(folder: Path) -> None:
    _edit(folder)
    data = _manifest(folder)
    data["outputs"] = [o for o in data["outputs"] if o["path"] != f"{DOCUMENT}.txt"]
    _write(folder, data)


def _drop_document(folder: Path) -> None:
    """Both outputs' entries dropped, the files kept (one edited)."""
    _edit(folder)
    data = _manifest(folder)
    data["outputs"] = []
    _write(folder, data)


def _empty_inputs(folder: Path) -> None:
    data = _manifest(folder)
    data["inputs"] = []
    _write(folder, data)


def _empty_all(folder: Path) -> None:
    """Every list emptied and every output removed: a folder holding a manifest that says nothing."""
    data = _manifest(folder)
    data["inputs"], data["outputs"] = [], []
    for output in folder.glob(f"{DOCUMENT}.*"):
        output.unlink()
    _write(folder, data)


def _add_file(folder: Path) -> None:
    (folder / "ex99-9.htm").write_text("<html><body><p>planted</p></body></html>\n")


def _add_hidden_in_sub_folder(folder: Path) -> None:
    (folder / ".x").mkdir()
    (folder / ".x" / "notes.txt").write_text("planted\n")


def _add_linked_folder(folder: Path) -> None:
    (folder / "more").symlink_to(folder.parent, target_is_directory=True)


UNSIGNED: dict[str, tuple[Callable[[Path], None], str]] = {
    "entry dropped": (_drop_entry, f"output not in the manifest: {{folder}}/{DOCUMENT}.txt"),
    "outputs emptied": (_drop_document, "manifest lists no outputs: {folder}/manifest.json"),
    "inputs emptied": (_empty_inputs, "manifest lists no input of the deal's own"),
    "everything emptied": (_empty_all, "manifest lists no outputs"),
    "file added": (_add_file, "file not in the manifest: {folder}/ex99-9.htm"),
    "hidden file in a sub-folder": (_add_hidden_in_sub_folder, "file not in the manifest: {folder}/.x/notes.txt"),
    "linked folder": (_add_linked_folder, "file not in the manifest: {folder}/more"),
}


@pytest.mark.parametrize("tamper", list(UNSIGNED), ids=list(UNSIGNED))
def test_verify_notices_a_manifest_less_than_whole(rendered: tuple[Path, Path], tamper: str) -> None:
    _, folder = rendered
    assert runner.invoke(app, ["verify", str(folder)]).exit_code == 0
    change, expected = UNSIGNED[tamper]
    change(folder)
    result = runner.invoke(app, ["verify", str(folder)])
    assert result.exit_code == 1, result.output
    assert expected.format(folder=folder) in result.output, result.output


def test_inputs_emptied_name_each_built_in_template(rendered: tuple[Path, Path]) -> None:
    _, folder = rendered
    _empty_inputs(folder)
    result = runner.invoke(app, ["verify", str(folder)])
    assert result.exit_code == 1 and "input not in the manifest: built-in template exhibit-5-1-shelf.txt.j2" in result.output, result.output


@pytest.mark.parametrize("tamper", ["entry dropped", "outputs emptied", "everything emptied"])
def test_batch_renders_again_instead_of_keeping_an_edit(rendered: tuple[Path, Path], tamper: str) -> None:
    deal, folder = rendered
    original = (folder / f"{DOCUMENT}.txt").read_bytes()
    assert render_one(deal, folder, ("txt", "htm"), None).up_to_date  # untouched: skipped
    UNSIGNED[tamper][0](folder)
    result = render_one(deal, folder, ("txt", "htm"), None)
    assert result.ok and not result.up_to_date
    assert (folder / f"{DOCUMENT}.txt").read_bytes() == original
    assert runner.invoke(app, ["verify", str(folder)]).exit_code == 0


def test_an_added_file_is_reported_not_rendered_over(rendered: tuple[Path, Path]) -> None:
    """Rendering again would leave a planted file where it is: batch skips, verify names it."""
    deal, folder = rendered
    _add_file(folder)
    assert render_one(deal, folder, ("txt", "htm"), None).up_to_date
    assert "file not in the manifest" in runner.invoke(app, ["verify", str(folder)]).output


def test_verify_prints_a_planted_file_name_on_one_line_so_it_cannot_forge_a_report_line(rendered: tuple[Path, Path]) -> None:
    """A name holding a newline, or a byte that is not UTF-8, is escaped, never printed as it is."""
    _, folder = rendered
    (folder / f"x\nchanged output: {DOCUMENT}.txt").write_text("")
    with open(bytes(folder) + b"/bad\xff.txt", "w"):  # a name Path cannot spell: a byte that is not UTF-8
        pass
    result = runner.invoke(app, ["verify", str(folder)])
    lines = result.output.splitlines()
    assert result.exit_code == 1 and len(lines) == 2 and all(line.startswith("file not in the manifest: ") for line in lines), result.output
    assert {line.rsplit("/", 1)[1] for line in lines} == {f"x\\x0achanged output: {DOCUMENT}.txt", "bad\\xff.txt"}


def test_a_batch_of_fewer_formats_keeps_the_same_renderings_other_formats_in_its_manifest(rendered: tuple[Path, Path]) -> None:
    """Fewer formats from the same inputs: the other formats stay, listed in the new manifest; a planted file is left and reported."""
    deal, folder = rendered
    _add_file(folder)  # not an output of the earlier run: left, and reported
    assert render_one(deal, folder, ("txt",), None, force=True).ok
    assert (folder / f"{DOCUMENT}.htm").exists() and (folder / "ex99-9.htm").exists()
    assert sorted(o["path"] for o in _manifest(folder)["outputs"]) == [f"{DOCUMENT}.htm", f"{DOCUMENT}.txt"]
    result = runner.invoke(app, ["verify", str(folder)])
    assert result.exit_code == 1 and result.output.count("not in the manifest") == 1 and "ex99-9.htm" in result.output, result.output


def test_an_unsigned_manifest_rehashed_passes_and_says_what_it_proves(rendered: tuple[Path, Path]) -> None:
    """What an unsigned manifest cannot prove (README): whoever can edit the folder can rehash it."""
    _, folder = rendered
    _rehash(folder)
    assert runner.invoke(app, ["verify", str(folder)]).exit_code == 0


def test_a_signed_manifest_catches_a_rehashed_edit(rendered: tuple[Path, Path], keys: tuple[Path, Path, Path], tmp_path: Path) -> None:
    deal, _ = rendered
    private, public, other = keys
    out = tmp_path / "signed"
    result = runner.invoke(app, ["batch", str(deal), "--out", str(out), "-f", "txt,htm", "--jobs", "1", "--key", str(private)])
    assert result.exit_code == 0, result.output
    folder = out / "deal"
    good = runner.invoke(app, ["verify", str(folder), "--key", str(public)])
    assert good.exit_code == 0 and "signed by your key" in good.output, good.output
    assert runner.invoke(app, ["verify", str(folder), "--key", str(private)]).exit_code == 0  # the private key's public half
    wrong = runner.invoke(app, ["verify", str(folder), "--key", str(other)])
    assert wrong.exit_code == 1 and "not signed by your key" in wrong.output and "another key" in wrong.output, wrong.output
    _rehash(folder)
    forged = runner.invoke(app, ["verify", str(folder), "--key", str(public)])
    assert forged.exit_code == 1 and "not signed by your key" in forged.output and "changed after it was signed" in forged.output, forged.output
    assert runner.invoke(app, ["verify", str(folder)]).exit_code == 0  # without a key the forgery is self-consistent
    signing = private_key(private)
    assert signing is not None
    assert not render_one(deal, folder, ("txt", "htm"), None, key=raw(signing)).up_to_date  # rendered again, not kept
    assert "Forged" not in (folder / f"{DOCUMENT}.txt").read_text()
    assert render_one(deal, folder, ("txt", "htm"), None, key=raw(signing)).up_to_date


def test_an_unsigned_manifest_is_not_signed(rendered: tuple[Path, Path], keys: tuple[Path, Path, Path]) -> None:
    deal, folder = rendered
    result = runner.invoke(app, ["verify", str(folder), "--key", str(keys[1])])
    assert result.exit_code == 1 and "not signed by your key" in result.output, result.output
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    assert not render_one(deal, folder, ("txt", "htm"), None, key=raw).up_to_date  # signing: an unsigned folder is rendered again


def test_the_key_from_the_environment_as_text_or_path(
    rendered: tuple[Path, Path], keys: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal, _ = rendered
    private, public, _ = keys
    for value in (private.read_text(), str(private)):
        monkeypatch.setenv("DEALDOCS_SIGNING_KEY", value)
        out = tmp_path / f"env-{len(value)}"
        assert runner.invoke(app, ["batch", str(deal), "--out", str(out), "-f", "txt", "--jobs", "1"]).exit_code == 0
        assert runner.invoke(app, ["verify", str(out / "deal"), "--key", str(public)]).exit_code == 0


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"not a key\n", "not a private key"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a private key"),
        (None, "encrypted"),
    ],
    ids=["garbage", "bad-pem", "encrypted"],
)
def test_a_bad_signing_key_is_a_message(rendered: tuple[Path, Path], tmp_path: Path, content: bytes | None, why: str) -> None:
    deal, _ = rendered
    key = tmp_path / "bad.pem"
    if content is None:
        encryption = serialization.BestAvailableEncryption(b"secret")
        content = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    key.write_bytes(content)
    result = runner.invoke(app, ["batch", str(deal), "--out", str(tmp_path / "o"), "-f", "txt", "--key", str(key)])
    assert result.exit_code == 2 and str(key) in result.output and why in result.output, result.output
    assert not (tmp_path / "o").exists()


# --- submissions ------------------------------------------------------------------------------


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "submission"
    result = runner.invoke(app, ["render", str(TAKEDOWN), "--submission", str(folder)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["check", str(folder)]).exit_code == 0
    return folder


def _listing(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "submission.json").read_text())
    return data


def _relist(folder: Path, data: dict[str, Any]) -> None:
    (folder / "submission.json").write_text(json.dumps(data, indent=2) + "\n")


def _form_changed(folder: Path) -> None:
    data = _listing(folder)
    data["form"] = "10-K"
    _relist(folder, data)


def _primary_retyped(folder: Path) -> None:
    data = _listing(folder)
    data["documents"][0]["type"] = "EX-99.2"
    _relist(folder, data)


def _listed_twice(folder: Path) -> None:
    data = _listing(folder)
    data["documents"].append(dict(data["documents"][1]))
    _relist(folder, data)


def _exhibit_type_not_for_the_form(folder: Path) -> None:
    data = _listing(folder)
    data["documents"][1]["type"] = "EX-96.1"
    _relist(folder, data)


def _deleted(folder: Path) -> None:
    (folder / "submission.json").unlink()


def _emptied(folder: Path) -> None:
    data = _listing(folder)
    data["documents"] = []
    _relist(folder, data)


def _linked(folder: Path) -> None:
    """submission.json replaced by a link to a listing elsewhere."""
    elsewhere = folder.parent / "elsewhere.json"
    (folder / "submission.json").rename(elsewhere)
    (folder / "submission.json").symlink_to(elsewhere)


SUBMISSION: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "form changed": (_form_changed, ("submission.json [form]", "(value '10-K')")),
    "primary retyped": (_primary_retyped, ("submission.json [form]", "one primary document of type 8-K")),
    "document listed twice": (_listed_twice, ("submission.json [manifest]", "listed twice", "(value 'ex5-1.htm')")),
    "exhibit type the form does not take": (_exhibit_type_not_for_the_form, ("submission.json [form]", "(value 'EX-96.1')")),
    "submission.json deleted": (_deleted, ("submission.json [manifest]", "no submission.json")),
    "documents emptied": (_emptied, ("submission.json [manifest]", "not a dealdocs submission manifest")),
    "submission.json a link": (_linked, ("submission.json [file]", "no submission.json")),
}


@pytest.mark.parametrize("tamper", list(SUBMISSION), ids=list(SUBMISSION))
def test_check_verifies_submission_json_by_the_form_rules(submission: Path, tamper: str) -> None:
    change, expected = SUBMISSION[tamper]
    change(submission)
    result = runner.invoke(app, ["check", str(submission)])
    assert result.exit_code == 1, result.output
    assert all(part in result.output for part in expected), result.output


def _rehash_exhibit(folder: Path) -> None:
    exhibit = folder / "ex5-1.htm"
    exhibit.write_text(exhibit.read_text().replace("</body>", "<p>Forged</p></body>", 1))
    data = _listing(folder)
    next(d for d in data["documents"] if d["file"] == "ex5-1.htm")["sha256"] = hashlib.sha256(exhibit.read_bytes()).hexdigest()
    _relist(folder, data)


def test_a_signed_submission_catches_a_rehashed_exhibit(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    private, public, other = keys
    folder = tmp_path / "signed"
    result = runner.invoke(app, ["render", str(TAKEDOWN), "--submission", str(folder), "--key", str(private)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["check", str(folder), "--key", str(public)]).exit_code == 0
    wrong = runner.invoke(app, ["check", str(folder), "--key", str(other)])
    assert wrong.exit_code == 1 and "[signature]" in wrong.output, wrong.output
    _rehash_exhibit(folder)
    assert runner.invoke(app, ["check", str(folder)]).exit_code == 0  # self-consistent: only the key can tell
    forged = runner.invoke(app, ["check", str(folder), "--key", str(public)])
    assert forged.exit_code == 1 and "[signature]" in forged.output and "changed after it was signed" in forged.output, forged.output


def test_an_unsigned_submission_fails_a_check_with_a_key(submission: Path, keys: tuple[Path, Path, Path]) -> None:
    result = runner.invoke(app, ["check", str(submission), "--key", str(keys[1])])
    assert result.exit_code == 1 and "[signature]" in result.output and "not signed" in result.output, result.output


def test_a_supplied_exhibit_of_a_type_the_8k_does_not_take_is_refused_at_its_line(tmp_path: Path) -> None:
    shutil.copy(TAKEDOWN, tmp_path / "deal.yaml")
    (tmp_path / "ex96.htm").write_text("<html><body><p>Technical report summary</p></body></html>\n")
    with (tmp_path / "deal.yaml").open("a") as handle:
        handle.write("  exhibits:\n    - {type: EX-96.1, description: Technical report, file: ex96.htm}\n")
    line = (tmp_path / "deal.yaml").read_text().splitlines().index("    - {type: EX-96.1, description: Technical report, file: ex96.htm}") + 1
    for command in (["validate", str(tmp_path / "deal.yaml")], ["render", str(tmp_path / "deal.yaml"), "--submission", str(tmp_path / "s")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "EX-96.1" in result.output and "Form 8-K takes" in result.output, result.output
        assert f"deal.yaml:{line}" in result.output, result.output
    assert not (tmp_path / "s").exists()


# --- signatures -------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None)
@given(record=st.dictionaries(st.text(max_size=6).filter(lambda k: k != "signature"), JSON, min_size=1, max_size=4), data=st.data())
def test_any_change_to_a_signed_record_breaks_its_signature(record: dict[str, Any], data: st.DataObject) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    signed_record = signed(record, key)
    assert signature_problem(json.loads(json.dumps(signed_record)), key.public_key()) is None
    name = data.draw(st.sampled_from(sorted(record)))
    value = data.draw(JSON.filter(lambda v: v != record[name]))
    assert signature_problem({**signed_record, name: value}, key.public_key()) is not None
    assert signature_problem({**signed_record, "added": value}, key.public_key()) is not None
    assert signature_problem(record, key.public_key()) is not None  # unsigned


@pytest.mark.parametrize("form", ["pem", "openssh"])
def test_keys_in_pem_or_openssh_form(rendered: tuple[Path, Path], tmp_path: Path, form: str) -> None:
    deal, _ = rendered
    key = Ed25519PrivateKey.generate()
    encoding = serialization.Encoding.PEM
    private_form = serialization.PrivateFormat.PKCS8 if form == "pem" else serialization.PrivateFormat.OpenSSH
    public = (
        (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        if form == "pem"
        else (serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    )
    (tmp_path / "k").write_bytes(key.private_bytes(encoding, private_form, serialization.NoEncryption()))
    (tmp_path / "k.pub").write_bytes(key.public_key().public_bytes(*public))
    out = tmp_path / "o"
    assert runner.invoke(app, ["batch", str(deal), "--out", str(out), "-f", "txt", "--key", str(tmp_path / "k")]).exit_code == 0
    assert runner.invoke(app, ["verify", str(out / "deal"), "--key", str(tmp_path / "k.pub")]).exit_code == 0


def test_a_signature_that_is_not_base64_is_a_change(rendered: tuple[Path, Path], keys: tuple[Path, Path, Path], tmp_path: Path) -> None:
    deal, _ = rendered
    out = tmp_path / "o"
    assert runner.invoke(app, ["batch", str(deal), "--out", str(out), "-f", "txt", "--key", str(keys[0])]).exit_code == 0
    data = _manifest(out / "deal")
    data["signature"]["value"] = "\x1b[2J not base64"
    _write(out / "deal", data)
    result = runner.invoke(app, ["verify", str(out / "deal"), "--key", str(keys[1])])
    assert result.exit_code == 1 and "not base64" in result.output and "\x1b" not in result.output, result.output


@pytest.mark.parametrize(
    "command",
    [["render", str(TAKEDOWN), "--key", "{key}"], ["check", str(TAKEDOWN), "--key", "{key}"]],
    ids=["render-without-submission", "check-without-folder"],
)
def test_a_key_where_nothing_is_signed_is_a_usage_error(keys: tuple[Path, Path, Path], tmp_path: Path, command: list[str]) -> None:
    result = runner.invoke(app, [part.format(key=keys[0]) for part in command])
    assert result.exit_code == 2 and "--key" in result.output, result.output
