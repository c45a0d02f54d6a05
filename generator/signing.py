"""Ed25519 signatures on dealdocs' JSON records (a batch folder's `manifest.json`, a submission's `submission.json`).

A hash list proves only that the files match the list: whoever can change a file can change
the list too. A signature made with a private key proves the list is the one its holder wrote,
so a reviewer holding the public key learns who produced a folder and that nothing in it
changed since, a rehashed list included.

The signature sits in the record itself, under `"signature"`: the algorithm, the signer's public
key (to name it when it is not the one expected; never trusted for verifying) and the signature
of the record's canonical JSON (keys sorted, no spaces, ASCII) without that entry. Keys are PEM
(`openssl genpkey -algorithm ed25519`) or OpenSSH (`ssh-keygen -t ed25519`), unencrypted.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from generator.errors import ManifestError, Problem

ENVIRONMENT = "DEALDOCS_SIGNING_KEY"
"""The environment variable that holds the signing key (its PEM text, or its file's path) when no --key is given."""
FIELD = "signature"
ALGORITHM = "Ed25519"
MAX_KEY_BYTES = 64 * 1024
_BASE64 = re.compile(r"[A-Za-z0-9+/]{43}=")  # an Ed25519 public key's 32 bytes
_HOWTO = "make one with `openssl genpkey -algorithm ed25519 -out key.pem` (public half: `openssl pkey -in key.pem -pubout`)"


def _key_problem(source: str, why: str) -> ManifestError:
    return ManifestError([Problem(source, None, None, None, f"{why}; {_HOWTO}")])


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise _key_problem(str(path), f"cannot read the key: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_BYTES:
        raise _key_problem(str(path), f"not a key: larger than {MAX_KEY_BYTES // 1024} KB")
    return data


def _private(data: bytes, source: str) -> Ed25519PrivateKey:
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key: object = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise _key_problem(source, "the private key is encrypted: give dealdocs an unencrypted copy") from None
    except (ValueError, UnsupportedAlgorithm):
        raise _key_problem(source, "not a private key in PEM or OpenSSH form") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _key_problem(source, f"not an Ed25519 key (a {type(key).__name__.removeprefix('_')}): dealdocs signs with Ed25519")
    return key


def private_key(path: Path | None) -> Ed25519PrivateKey | None:
    """The signing key: `--key FILE`, else `DEALDOCS_SIGNING_KEY` (the PEM text or a file's path), else none (unsigned).

    Raises:
        ManifestError: The key cannot be read, is encrypted or is not an Ed25519 private key.
    """
    if path is not None:
        return _private(_read(path), str(path))
    value = os.environ.get(ENVIRONMENT, "").strip()
    if not value:
        return None
    if "-----BEGIN" in value:
        return _private(value.encode("ascii", "replace"), ENVIRONMENT)  # the text itself: never printed
    return _private(_read(Path(value)), f"{ENVIRONMENT} ({value})")


def public_key(path: Path) -> Ed25519PublicKey:
    """The key to verify with, from a file: a public key (PEM or an `ssh-ed25519` line), or a private key's public half.

    Raises:
        ManifestError: The file cannot be read or holds no Ed25519 key.
    """
    data = _read(path)
    if b"PRIVATE KEY" in data:
        return _private(data, str(path)).public_key()
    try:
        key: object = serialization.load_ssh_public_key(data.strip()) if data.lstrip().startswith(b"ssh-") else serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise _key_problem(str(path), "not a public key in PEM or OpenSSH form") from None
    if not isinstance(key, Ed25519PublicKey):
        raise _key_problem(str(path), f"not an Ed25519 key (a {type(key).__name__.removeprefix('_')}): dealdocs signs with Ed25519")
    return key


def raw(key: Ed25519PrivateKey) -> bytes:
    """The key's 32 bytes: what a batch hands its worker processes (a key object does not pickle)."""
    return key.private_bytes_raw()


def _canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes signed: the record without its signature, keys sorted, no spaces, ASCII."""
    unsigned = {k: v for k, v in record.items() if k != FIELD}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def fingerprint(key: Ed25519PublicKey) -> str:
    """How a key is named to the user: its 32 bytes in base64 (as the record carries them)."""
    return _b64(key.public_bytes_raw())


def signed(record: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """`record` with its signature by `key` (any signature it had replaced)."""
    signature = {"algorithm": ALGORITHM, "public_key": fingerprint(key.public_key()), "value": _b64(key.sign(_canonical(record)))}
    return {**{k: v for k, v in record.items() if k != FIELD}, FIELD: signature}


def signature_problem(record: Mapping[str, Any], key: Ed25519PublicKey) -> str | None:
    """Why `record` is not signed by `key` (not signed, signed by another key, changed since), or None when it is."""
    signature = record.get(FIELD)
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        return "not signed: anyone could have written it"
    try:
        value = base64.b64decode(signature["value"], validate=True)
    except ValueError:
        return "its signature is not base64: the record was changed after it was signed"
    try:
        key.verify(value, _canonical(record))
    except InvalidSignature:
        named = signature.get("public_key")
        if named != fingerprint(key):
            shown = named if isinstance(named, str) and _BASE64.fullmatch(named) else "a key it does not name"
            return f"signed with another key ({shown}), not {fingerprint(key)}"
        return "its signature does not match its content: it was changed after it was signed"
    return None
