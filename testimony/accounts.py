"""Moderator accounts: passwords, key pairs and TOTP secrets.

A moderator's X25519 private key is stored encrypted under Argon2id(password, key_salt), so the
database alone never yields it. The TOTP secret is encrypted under a key derived from the app's
secret key (kept in the instance folder, not the database), so a stolen database alone cannot
mint second-factor codes either.
"""

from __future__ import annotations

import os
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from testimony import crypto
from testimony.db import db
from testimony.models import Moderator, Role

MIN_PASSWORD_CHARS = 14
ISSUER = "testimony"


class AccountError(ValueError):
    """An account could not be created or changed; the message says why, plainly."""


class WrongPassword(Exception):
    """The password does not match."""


def password_hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["MODERATOR_ARGON2_TIME_COST"], memory_cost=cfg["MODERATOR_ARGON2_MEMORY_KIB"]
    )


def check_password_rules(password: str) -> None:
    # Length only, as NIST SP 800-63B advises: composition rules make passwords worse.
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_CHARS} characters.")


def generate_password() -> str:
    return "-".join(secrets.token_urlsafe(6) for _ in range(4))


def create_moderator(name: str, role: str, password: str | None = None) -> tuple[Moderator, str]:
    """Create an account with a fresh key pair. Returns it with its (one-time) password."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AccountError("A name needs 1 to 64 characters.")
    if role not in set(Role):
        raise AccountError(f"Role must be one of: {', '.join(Role)}.")
    if db.session.scalar(select(Moderator).where(Moderator.name == name)) is not None:
        raise AccountError(f"There is already an account called {name!r}.")
    password = password or generate_password()
    check_password_rules(password)
    keypair = crypto.generate_keypair()
    moderator = Moderator(
        name=name,
        role=role,
        active=True,
        must_change_password=True,
        password_hash=password_hasher().hash(password),
        public_key=keypair.public,
        totp_secret_encrypted=b"",
        totp_enrolled=False,
        totp_last_step=0,
        key_salt=b"",
        private_key_sealed=b"",
        key_time_cost=0,
        key_memory_kib=0,
    )
    seal_private_key(moderator, keypair.private, password)
    db.session.add(moderator)
    db.session.flush()
    set_totp_secret(moderator, pyotp.random_base32())
    return moderator, password


def verify_password(moderator: Moderator, password: str) -> None:
    try:
        password_hasher().verify(moderator.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise WrongPassword from exc


def seal_private_key(moderator: Moderator, private_key: bytes, password: str) -> None:
    cfg = current_app.config
    moderator.key_salt = os.urandom(16)
    moderator.key_time_cost = cfg["MODERATOR_ARGON2_TIME_COST"]
    moderator.key_memory_kib = cfg["MODERATOR_ARGON2_MEMORY_KIB"]
    kek = _password_kek(moderator, password)
    moderator.private_key_sealed = crypto.encrypt(kek, private_key, _key_aad(moderator))


def unlock_private_key(moderator: Moderator, password: str) -> bytes:
    """The moderator's private key, given the right password (raises crypto.DecryptionFailed)."""
    kek = _password_kek(moderator, password)
    return crypto.decrypt(kek, moderator.private_key_sealed, _key_aad(moderator))


def change_password(moderator: Moderator, old: str, new: str) -> None:
    check_password_rules(new)
    verify_password(moderator, old)
    private_key = unlock_private_key(moderator, old)
    moderator.password_hash = password_hasher().hash(new)
    seal_private_key(moderator, private_key, new)
    moderator.must_change_password = False


def set_totp_secret(moderator: Moderator, secret: str) -> None:
    moderator.totp_secret_encrypted = crypto.encrypt(
        _totp_key(), secret.encode("ascii"), f"testimony/totp/{moderator.id}".encode()
    )


def totp_secret(moderator: Moderator) -> str:
    raw = crypto.decrypt(
        _totp_key(), moderator.totp_secret_encrypted, f"testimony/totp/{moderator.id}".encode()
    )
    return raw.decode("ascii")


def totp_uri(moderator: Moderator) -> str:
    return pyotp.TOTP(totp_secret(moderator)).provisioning_uri(name=moderator.name, issuer_name=ISSUER)


def _password_kek(moderator: Moderator, password: str) -> bytes:
    return crypto.password_key(
        password.encode("utf-8"),
        moderator.key_salt,
        time_cost=moderator.key_time_cost,
        memory_kib=moderator.key_memory_kib,
    )


def _key_aad(moderator: Moderator) -> bytes:
    # Bound to the public key, so a sealed private key cannot be moved to another account.
    return b"testimony/moderator-key/" + moderator.public_key


def _totp_key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"testimony totp v1").derive(secret)
