"""Desk sessions: where an unlocked private key lives while a moderator works.

At login the moderator's private key is decrypted with their password, then sealed again under
a fresh random session key. The sealed key is kept in a session record (database row, or Redis
in production: see session_store.py) whose id is SHA-256 of a random token; the token and the
session key travel only in the cookie. A stolen database has sealed keys but no session keys; a
stolen cookie has a session key but nothing to open without this server.

Sessions end after 30 idle minutes, 12 hours after the login began however busy (a stolen cookie
is not good for ever), on logout (everywhere), and when the password changes (every other
session of the account; the browser that changed it gets a fresh one).

Before its holder has chosen their own password an account has no key pair: its session then
holds no key (`private_key_of` refuses), and only the first-password page accepts it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from flask import session

from moderation.session_store import DatabaseStore, RedisStore, SessionRecord, SessionStore
from testimony import crypto, redis_client
from testimony.models import Moderator, utcnow

IDLE_LIMIT = dt.timedelta(minutes=30)
ABSOLUTE_LIMIT = dt.timedelta(hours=12)
# Writing last_seen on every request would make every page view a write.
TOUCH_EVERY = dt.timedelta(seconds=60)
COOKIE_TOKEN = "desk_token"  # noqa: S105 - a cookie field name, not a secret
COOKIE_KEY = "desk_key"


class SessionExpired(Exception):
    """The desk session is missing, unknown, idle for too long or past its absolute limit."""


class NoPrivateKey(SessionExpired):
    """The session began before the account had a key pair (first login)."""


def store() -> SessionStore:
    client = redis_client.get()
    return RedisStore(client, IDLE_LIMIT, ABSOLUTE_LIMIT) if client is not None else DatabaseStore()


def _row_id(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _aad(row_id: str) -> bytes:
    return f"testimony/desk-session/{row_id}".encode()


def start(
    moderator: Moderator,
    private_key: bytes | None,
    *,
    second_factor_ok: bool,
    began: dt.datetime | None = None,
) -> SessionRecord:
    """A new session record, and a fresh cookie (the old cookie's contents are discarded, which
    rotates the session on every step of login). `began` carries a login's start through those
    rotations, so the absolute limit counts from the password step. The caller commits."""
    token = secrets.token_urlsafe(32)
    session_key = crypto.random_key()
    row_id = _row_id(token)
    now = utcnow()
    record = SessionRecord(
        id=row_id,
        moderator_id=moderator.id,
        sealed_private_key=b""
        if private_key is None
        else crypto.encrypt(session_key, private_key, _aad(row_id)),
        second_factor_ok=second_factor_ok,
        last_seen_at=now,
        created_at=began or now,
    )
    store().put(record)
    session.clear()
    session[COOKIE_TOKEN] = token
    session[COOKIE_KEY] = base64.b64encode(session_key).decode("ascii")
    session.permanent = False
    return record


def current() -> SessionRecord | None:
    token = session.get(COOKIE_TOKEN)
    if not isinstance(token, str):
        return None
    backend = store()
    record = backend.get(_row_id(token))
    if record is None:
        return None
    now = utcnow()
    if now - record.last_seen_at > IDLE_LIMIT or now - record.created_at > ABSOLUTE_LIMIT:
        backend.delete(record.id)
        session.clear()
        raise SessionExpired
    if now - record.last_seen_at > TOUCH_EVERY:
        backend.touch(record)
    return record


def promote(record: SessionRecord, moderator: Moderator) -> SessionRecord:
    """After the second factor: replace the half-logged-in session with a full one."""
    private_key = private_key_of(record)
    store().delete(record.id)
    return start(moderator, private_key, second_factor_ok=True, began=record.created_at)


def after_password_change(record: SessionRecord, moderator: Moderator, private_key: bytes) -> SessionRecord:
    """End every session of the account, then give this browser a fresh one holding the key
    (sealed under the new session key). Someone still logged in with the old password, on
    another device, is logged out."""
    store().delete_for(moderator.id)
    return start(moderator, private_key, second_factor_ok=record.second_factor_ok, began=record.created_at)


def private_key_of(record: SessionRecord) -> bytes:
    if not record.sealed_private_key:
        raise NoPrivateKey
    encoded = session.get(COOKIE_KEY)
    if not isinstance(encoded, str):
        raise SessionExpired
    session_key = base64.b64decode(encoded)
    try:
        return crypto.decrypt(session_key, record.sealed_private_key, _aad(record.id))
    except crypto.CryptoError as exc:
        raise SessionExpired from exc


def end_everywhere(moderator_id: int) -> None:
    store().delete_for(moderator_id)
    session.clear()


def end_all_of(moderator_id: int) -> None:
    """End another account's sessions (for example when an admin deactivates it)."""
    store().delete_for(moderator_id)
