"""One-time send tokens: sending the same form twice (the browser's Resend on the codename page,
a double click) stores one submission, not two.

Every form the submitter sees carries a hidden token: a random nonce, the UTC day it was issued
and an HMAC over both under a key derived from the instance secret, so tokens cannot be made up
and are refused after a day or so (no state is kept for tokens that were only issued). A send
spends its token by adding a row to `used_send_tokens` in the same transaction as the submission:
the row's primary key is HMAC(nonce) under a second derived key, and it holds the day and
nothing else. Two sends racing with one token cannot both commit (the primary key), and a
repeated send finds the row and stores nothing. The rows are deleted two days after use, when
the token itself has long stopped being accepted.

The token is in the page, never in a log (forms post it in the body), and the row cannot be tied
to the submission it sent: no id, no time, no order (SQLite: WITHOUT ROWID).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete

from testimony.db import db
from testimony.models import UsedSendToken, today

# A form may be open a long time (someone writing for an evening): a token issued yesterday
# (UTC) is still good today, one from the day before is not.
VALID_DAYS = 2
# Spent tokens are kept while they could still be accepted, and a day more for safety.
KEEP_DAYS = VALID_DAYS
_NONCE_BYTES = 16
_MAC_BYTES = 16


def _key(purpose: bytes) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"testimony send token v1: " + purpose
    ).derive(secret)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(day: int, nonce: bytes) -> bytes:
    return hmac.new(_key(b"sign"), f"{day}.".encode() + nonce, hashlib.sha256).digest()[:_MAC_BYTES]


def issue(on: dt.date | None = None) -> str:
    """A new token for a form: `day.nonce.mac`."""
    day = (on or today()).toordinal()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return f"{day}.{_b64(nonce)}.{_b64(_mac(day, nonce))}"


def nonce_of(token: str | None, on: dt.date | None = None) -> bytes | None:
    """The token's nonce if we issued it and it is recent enough to be sent; else None."""
    try:
        day_text, nonce_text, mac_text = (token or "").split(".")
        day, nonce, mac = int(day_text), _unb64(nonce_text), _unb64(mac_text)
    except ValueError:  # wrong shape, not a number, not base64 (binascii.Error is a ValueError)
        return None
    if len(nonce) != _NONCE_BYTES or not hmac.compare_digest(mac, _mac(day, nonce)):
        return None
    age = (on or today()).toordinal() - day
    return nonce if 0 <= age < VALID_DAYS else None


def _digest(nonce: bytes) -> str:
    return hmac.new(_key(b"spent"), nonce, hashlib.sha256).hexdigest()


def is_spent(nonce: bytes) -> bool:
    return db.session.get(UsedSendToken, _digest(nonce)) is not None


def spend(nonce: bytes) -> None:
    """Mark the token used, in the session's transaction: commit it with the submission. If
    another send committed the same token first, the flush raises IntegrityError."""
    db.session.add(UsedSendToken(digest=_digest(nonce), used_on=today()))


def purge(on: dt.date) -> int:
    """Forget spent tokens that can no longer be sent. Not committed (the jobs commit)."""
    result = db.session.execute(
        delete(UsedSendToken).where(UsedSendToken.used_on < on - dt.timedelta(days=KEEP_DAYS))
    )
    return int(getattr(result, "rowcount", 0) or 0)
