"""Desk sessions: where an unlocked private key lives while a moderator works.

At login the moderator's private key is decrypted with their password, then sealed again under
a fresh random session key. The sealed key is stored in a `ModeratorSession` row whose id is
SHA-256 of a random token; the token and the session key travel only in the cookie. A stolen
database has sealed keys but no session keys; a stolen cookie has a session key but nothing to
open without this server. Sessions end after 30 idle minutes and on logout everywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from flask import session
from sqlalchemy import delete

from testimony import crypto
from testimony.db import db
from testimony.models import Moderator, ModeratorSession, utcnow

IDLE_LIMIT = dt.timedelta(minutes=30)
# Writing last_seen on every request would make every page view a database write.
TOUCH_EVERY = dt.timedelta(seconds=60)
COOKIE_TOKEN = "desk_token"  # noqa: S105 - a cookie field name, not a secret
COOKIE_KEY = "desk_key"


class SessionExpired(Exception):
    """The desk session is missing, unknown or idle for too long."""


def _row_id(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _aad(row_id: str) -> bytes:
    return f"testimony/desk-session/{row_id}".encode()


def start(moderator: Moderator, private_key: bytes, *, second_factor_ok: bool) -> ModeratorSession:
    """A new session row, and a fresh cookie (the old cookie's contents are discarded, which
    rotates the session on every step of login)."""
    token = secrets.token_urlsafe(32)
    session_key = crypto.random_key()
    row_id = _row_id(token)
    row = ModeratorSession(
        id=row_id,
        moderator_id=moderator.id,
        sealed_private_key=crypto.encrypt(session_key, private_key, _aad(row_id)),
        second_factor_ok=second_factor_ok,
    )
    db.session.add(row)
    session.clear()
    session[COOKIE_TOKEN] = token
    session[COOKIE_KEY] = base64.b64encode(session_key).decode("ascii")
    session.permanent = False
    return row


def current() -> ModeratorSession | None:
    token = session.get(COOKIE_TOKEN)
    if not isinstance(token, str):
        return None
    row = db.session.get(ModeratorSession, _row_id(token))
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > IDLE_LIMIT:
        db.session.delete(row)
        db.session.commit()
        session.clear()
        raise SessionExpired
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


def promote(row: ModeratorSession, moderator: Moderator) -> ModeratorSession:
    """After the second factor: replace the half-logged-in session with a full one."""
    private_key = private_key_of(row)
    db.session.delete(row)
    return start(moderator, private_key, second_factor_ok=True)


def private_key_of(row: ModeratorSession) -> bytes:
    encoded = session.get(COOKIE_KEY)
    if not isinstance(encoded, str):
        raise SessionExpired
    session_key = base64.b64decode(encoded)
    try:
        return crypto.decrypt(session_key, row.sealed_private_key, _aad(row.id))
    except crypto.CryptoError as exc:
        raise SessionExpired from exc


def end_everywhere(moderator_id: int) -> None:
    db.session.execute(delete(ModeratorSession).where(ModeratorSession.moderator_id == moderator_id))
    session.clear()


def purge_idle() -> int:
    cutoff = utcnow() - IDLE_LIMIT
    result = db.session.execute(delete(ModeratorSession).where(ModeratorSession.last_seen_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
