"""The instance's own secrets, kept in `instance/keys.json` (mode 0600), made by `flask init`.

* `secret_key`: Flask's signing key (cookies, CSRF) and the root of the TOTP encryption key.
* `lookup_salt`, `keypair_salt`: the secret salts of codename derivation (testimony/codenames.py).
* `recovery_public_key`: every data key is also sealed to this key; its private half is shown
  once at `init` for an admin to keep offline, so losing every moderator loses nothing.
* `publication_key`: approved text waits for its digest encrypted under this key
  (testimony/approved.py), so a copy of the database alone holds no unpublished words.
* `audit_key` and `audit_keyed_from`: the audit trail's rows are chained with HMAC-SHA256 under
  keys derived from `audit_key` (testimony/audit.py), so someone who can write to the database
  cannot rewrite a row and recompute the chain; unknown names typed at the desk's login are kept
  only as an HMAC under it. `audit_keyed_from` is the first audit row under the key: rows before
  it were written by a version that chained them with plain SHA-256 (0: every row is keyed).
* `signing_key`: an Ed25519 private key (raw, 32 bytes) that signs the public publication log
  and each digest's manifest (testimony/publication_log.py). Its public half is published (the
  about page, /.well-known/testimony-publication-key.pem), so anyone can check what was
  published, and that nothing was changed silently since.

These are kept out of the database on purpose: a stolen database without this file cannot even
test guesses of a codename against the lookup ids.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask

from testimony import crypto

FILENAME = "keys.json"


class InstanceNotInitialised(RuntimeError):
    """The instance has no keys yet: run `flask --app wsgi init`."""


@dataclass(frozen=True)
class InstanceKeys:
    secret_key: str
    lookup_salt: bytes
    keypair_salt: bytes
    recovery_public_key: bytes
    publication_key: bytes | None = None
    audit_key: bytes | None = None
    audit_keyed_from: int = 0
    signing_key: bytes | None = None


def path_for(app: Flask) -> str:
    return os.path.join(app.instance_path, FILENAME)


def load(app: Flask) -> InstanceKeys | None:
    try:
        with open(path_for(app), encoding="utf-8") as handle:
            raw = json.load(handle)
    except FileNotFoundError:
        return None
    return InstanceKeys(
        secret_key=raw["secret_key"],
        lookup_salt=_unb64(raw["lookup_salt"]),
        keypair_salt=_unb64(raw["keypair_salt"]),
        recovery_public_key=_unb64(raw["recovery_public_key"]),
        publication_key=_unb64(raw["publication_key"]) if "publication_key" in raw else None,
        audit_key=_unb64(raw["audit_key"]) if "audit_key" in raw else None,
        audit_keyed_from=int(raw.get("audit_keyed_from", 0)),
        signing_key=_unb64(raw["signing_key"]) if "signing_key" in raw else None,
    )


def create(app: Flask) -> tuple[InstanceKeys, bytes]:
    """Make new instance keys and write them. Returns the keys and the recovery private key,
    which is written nowhere: the caller shows it once."""
    recovery = crypto.generate_keypair()
    keys = InstanceKeys(
        secret_key=secrets.token_urlsafe(48),
        lookup_salt=os.urandom(16),
        keypair_salt=os.urandom(16),
        recovery_public_key=recovery.public,
        publication_key=crypto.random_key(),
        audit_key=crypto.random_key(),
        audit_keyed_from=0,
        signing_key=new_signing_key(),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    # O_EXCL: never overwrite existing keys, which would orphan every stored submission.
    _write(path_for(app), _payload(keys), os.O_EXCL)
    return keys, recovery.private


def add_missing(app: Flask) -> InstanceKeys | None:
    """Give keys made before the publication key or the signing key existed them (`flask init`
    calls this). Returns the completed keys, or None when nothing was missing."""
    keys = load(app)
    if keys is None or (keys.publication_key is not None and keys.signing_key is not None):
        return None
    completed = dataclasses.replace(
        keys,
        publication_key=keys.publication_key or crypto.random_key(),
        signing_key=keys.signing_key or new_signing_key(),
    )
    _replace(app, completed)
    return completed


def new_signing_key() -> bytes:
    private = ed25519.Ed25519PrivateKey.generate()
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def signing_key(app: Flask) -> ed25519.Ed25519PrivateKey:
    raw = current(app).signing_key
    if raw is None:
        raise InstanceNotInitialised("the instance keys have no signing key: run `flask --app wsgi init`")
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw)


def add_audit_key(app: Flask, key: bytes, keyed_from: int) -> InstanceKeys:
    """Give keys made before the audit key existed one (testimony/audit.py: key_the_chain, from
    `flask init`). Refuses to replace an existing audit key, which would orphan the chain."""
    keys = load(app)
    if keys is None:
        raise InstanceNotInitialised("run `flask --app wsgi init` first")
    if keys.audit_key is not None:
        raise ValueError("the instance already has an audit key")
    completed = dataclasses.replace(keys, audit_key=key, audit_keyed_from=keyed_from)
    _replace(app, completed)
    return completed


def _replace(app: Flask, keys: InstanceKeys) -> None:
    # Write a new file and rename it over the old one, so a crash leaves one whole file.
    temporary = path_for(app) + ".new"
    _write(temporary, _payload(keys), os.O_TRUNC)
    os.replace(temporary, path_for(app))


def publication_key(app: Flask) -> bytes:
    key = current(app).publication_key
    if key is None:
        raise InstanceNotInitialised("the instance keys have no publication key: run `flask --app wsgi init`")
    return key


def audit_key(app: Flask) -> tuple[bytes, int]:
    """The audit key and the id of the first row chained under it."""
    keys = current(app)
    if keys.audit_key is None:
        raise InstanceNotInitialised("the instance keys have no audit key: run `flask --app wsgi init`")
    return keys.audit_key, keys.audit_keyed_from


def _payload(keys: InstanceKeys) -> dict[str, str | int]:
    payload: dict[str, str | int] = {
        "secret_key": keys.secret_key,
        "lookup_salt": _b64(keys.lookup_salt),
        "keypair_salt": _b64(keys.keypair_salt),
        "recovery_public_key": _b64(keys.recovery_public_key),
    }
    if keys.publication_key is not None:
        payload["publication_key"] = _b64(keys.publication_key)
    if keys.audit_key is not None:
        payload["audit_key"] = _b64(keys.audit_key)
        payload["audit_keyed_from"] = keys.audit_keyed_from
    if keys.signing_key is not None:
        payload["signing_key"] = _b64(keys.signing_key)
    return payload


def _write(path: str, payload: dict[str, str | int], mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())


def apply(app: Flask, keys: InstanceKeys | None) -> None:
    """Put the keys into the app's config (an explicit SECRET_KEY from config wins)."""
    app.extensions["instance_keys"] = keys
    if keys is not None and not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = keys.secret_key


def current(app: Flask) -> InstanceKeys:
    keys = app.extensions.get("instance_keys")
    if keys is None:
        raise InstanceNotInitialised("run `flask --app wsgi init` first")
    return keys


def encode_recovery_key(private: bytes) -> str:
    return "testimony-recovery-" + base64.b32encode(private).decode("ascii").rstrip("=").lower()


def decode_recovery_key(text: str) -> bytes:
    body = text.strip().removeprefix("testimony-recovery-").upper()
    return base64.b32decode(body + "=" * (-len(body) % 8))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)
