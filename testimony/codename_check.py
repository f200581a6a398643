"""The codename page's "check you wrote it down" step (issue 15).

The codename is never stored, so the page that shows it carries, in a hidden field, the codename
encrypted (AES-256-GCM) under a key derived from the instance secret, with the two word positions
asked for and the time it was issued. Posting the two words back lets the server say whether they
match, and, when they do not, show the codename once more on the same kind of page so it can be
corrected: nothing is kept on the server, and a token older than VALID_SECONDS opens no more.
Whoever can read the hidden field could read the codename on the same page anyway.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from testimony import codenames, crypto

VALID_SECONDS = 2 * 60 * 60  # long enough to find a pen and paper
_AAD = b"testimony codename check v1"


@dataclass(frozen=True)
class Check:
    codename: str
    positions: tuple[int, int]  # 1-based, in order

    def word(self, position: int) -> str:
        return self.codename.split(" ")[position - 1]


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_AAD).derive(secret)


def issue(
    codename: str, *, positions: tuple[int, int] | None = None, now: float | None = None
) -> tuple[str, Check]:
    """A token for the codename page, and the check it asks for: two positions at random, or
    the same ones again after a wrong answer."""
    first, second = positions or sorted(
        secrets.SystemRandom().sample(range(1, codenames.WORDS_IN_CODENAME + 1), 2)
    )
    payload = {"c": codename, "p": [first, second], "t": int(now if now is not None else time.time())}
    sealed = crypto.encrypt(_key(), json.dumps(payload).encode("utf-8"), _AAD)
    return base64.urlsafe_b64encode(sealed).decode("ascii"), Check(codename, (first, second))


def open_token(token: str | None, *, now: float | None = None) -> Check | None:
    """The check a token carries, or None if it is not ours, was changed, or is too old."""
    try:
        sealed = base64.urlsafe_b64decode((token or "").encode("ascii"))
        payload = json.loads(crypto.decrypt(_key(), sealed, _AAD))
        codename, (first, second), issued = str(payload["c"]), payload["p"], int(payload["t"])
    except (ValueError, KeyError, TypeError, UnicodeEncodeError, crypto.CryptoError):
        return None
    age = (now if now is not None else time.time()) - issued
    if not 0 <= age <= VALID_SECONDS:
        return None
    return Check(codename, (int(first), int(second)))


def wrong_positions(check: Check, typed: dict[int, str]) -> list[int]:
    """The positions whose typed word does not match (case, spaces and stray dots forgiven)."""
    return [p for p in check.positions if codenames.normalise(typed.get(p, "")) != check.word(p)]
