"""Moderator accounts: passwords, key pairs and TOTP secrets.

An account is created with a one-time password only: no key pair and no TOTP secret. Whoever
creates it (an admin, or `flask moderators create`) sees that password and nothing lasting. The
holder then logs in with it and chooses their own password (`set_first_password`), which is when
their X25519 key pair is made; then they open the enrolment page, which is when their TOTP secret
is made (`start_enrolment`) and shown, to them alone. So a copy of the database taken before the
first login, together with the one-time password, opens nothing that lasts.

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
from sqlalchemy import delete, select

from testimony import crypto
from testimony.db import db
from testimony.models import Moderator, RecoveryCode, Role, WrappedKey

MIN_PASSWORD_CHARS = 14
ISSUER = "testimony"
# One-time passwords are read off a screen or paper and typed: no characters that look alike
# (0/O/o, 1/l/I/i), lower case only so case cannot be misread. 31 symbols, 25 of them: 123 bits.
ONE_TIME_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
ONE_TIME_GROUPS, ONE_TIME_GROUP_CHARS = 5, 5


class AccountError(ValueError):
    """An account could not be created or changed; the message says why, plainly."""


class WrongPassword(Exception):
    """The password does not match."""


class NoKeyYet(AccountError):
    """The account has no key pair yet: its holder has not chosen their own password."""


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
    """A one-time password: groups of characters no one can misread, joined by hyphens."""
    return "-".join(
        "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_GROUP_CHARS))
        for _ in range(ONE_TIME_GROUPS)
    )


def has_key(moderator: Moderator) -> bool:
    """Whether the account has its key pair (made at the holder's first own password)."""
    return bool(moderator.public_key) and bool(moderator.private_key_sealed)


def create_moderator(name: str, role: str, password: str | None = None) -> tuple[Moderator, str]:
    """Create an account with a one-time password and nothing else: no key pair, no TOTP secret
    (see the module's docstring). Returns it with that password."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AccountError("A name needs 1 to 64 characters.")
    if role not in set(Role):
        raise AccountError(f"Role must be one of: {', '.join(Role)}.")
    if db.session.scalar(select(Moderator).where(Moderator.name == name)) is not None:
        raise AccountError(f"There is already an account called {name!r}.")
    password = password or generate_password()
    check_password_rules(password)
    moderator = Moderator(
        name=name,
        role=role,
        active=True,
        must_change_password=True,
        password_hash=password_hasher().hash(password),
        public_key=b"",
        totp_secret_encrypted=b"",
        totp_enrolled=False,
        totp_last_step=0,
        key_salt=b"",
        private_key_sealed=b"",
        key_time_cost=0,
        key_memory_kib=0,
    )
    db.session.add(moderator)
    db.session.flush()
    return moderator, password


def verify_password(moderator: Moderator, password: str) -> None:
    try:
        password_hasher().verify(moderator.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise WrongPassword from exc


def lock_private_key(moderator: Moderator, private_key: bytes, password: str) -> None:
    cfg = current_app.config
    moderator.key_salt = os.urandom(16)
    moderator.key_time_cost = cfg["MODERATOR_ARGON2_TIME_COST"]
    moderator.key_memory_kib = cfg["MODERATOR_ARGON2_MEMORY_KIB"]
    kek = _password_kek(moderator, password)
    moderator.private_key_sealed = crypto.encrypt(kek, private_key, _key_aad(moderator))


def unlock_private_key(moderator: Moderator, password: str) -> bytes:
    """The moderator's private key, given the right password (raises crypto.DecryptionFailed,
    or NoKeyYet before the holder's first own password)."""
    if not has_key(moderator):
        raise NoKeyYet("This account has no key yet.")
    kek = _password_kek(moderator, password)
    return crypto.decrypt(kek, moderator.private_key_sealed, _key_aad(moderator))


def set_first_password(moderator: Moderator, one_time: str, new: str) -> bytes:
    """The holder replaces the one-time password with their own. Only now is their key pair made
    (sealed under the new password) and their second factor made ready to set up. Anything an
    older version made at creation is discarded: a key pair sealed under the one-time password
    (and every data key wrapped to it), a TOTP secret someone else was shown, recovery codes.
    Returns the new private key. Raises WrongPassword, or AccountError for a weak password."""
    check_password_rules(new)
    if new == one_time:
        raise AccountError("Choose a password of your own, not the one you were given.")
    verify_password(moderator, one_time)
    db.session.execute(delete(WrappedKey).where(WrappedKey.moderator_id == moderator.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.moderator_id == moderator.id))
    keypair = crypto.generate_keypair()
    moderator.public_key = keypair.public
    moderator.password_hash = password_hasher().hash(new)
    lock_private_key(moderator, keypair.private, new)
    moderator.totp_secret_encrypted = b""
    moderator.totp_enrolled = False
    moderator.must_change_password = False
    return keypair.private


def change_password(moderator: Moderator, old: str, new: str) -> None:
    """A later change of password: the same key pair, sealed again under the new password."""
    check_password_rules(new)
    verify_password(moderator, old)
    private_key = unlock_private_key(moderator, old)
    moderator.password_hash = password_hasher().hash(new)
    lock_private_key(moderator, private_key, new)


def start_enrolment(moderator: Moderator) -> str:
    """The TOTP secret for the enrolment page, made on the first visit and kept until the holder
    confirms a code (so reloading the page shows the same one). Only after the holder has chosen
    their own password; never once enrolled (an enrolled secret is never shown again)."""
    if moderator.must_change_password or not has_key(moderator):
        raise AccountError("Choose your own password before setting up your authenticator app.")
    if moderator.totp_enrolled:
        raise AccountError("Your authenticator app is already set up.")
    if not moderator.totp_secret_encrypted:
        set_totp_secret(moderator, pyotp.random_base32())
    return totp_secret(moderator)


def set_totp_secret(moderator: Moderator, secret: str) -> None:
    moderator.totp_secret_encrypted = crypto.encrypt(
        _totp_key(), secret.encode("ascii"), f"testimony/totp/{moderator.id}".encode()
    )


def totp_secret(moderator: Moderator) -> str:
    if not moderator.totp_secret_encrypted:
        raise AccountError("This account has no authenticator app set up yet.")
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
