"""The desk login's throttle: atomic counters, checked before any password is hashed.

Each login attempt costs an Argon2id run (64 MiB), so the form is limited before that work:

* `everyone`: all attempts, from anywhere (caps the memory and CPU spent on hashing);
* `address`: attempts from one address, keyed like the public rate limits (an HMAC under the
  day's secret, testimony/web/ratelimit.py), never the address itself;
* `pair`: failed attempts for one name from one address;
* `account`: failed attempts for one name from anywhere, a slower brake.

A name is counted under an HMAC of its normalised spelling (case, width and invisible characters
folded) under an instance key, so look-alike spellings share a counter and no typed name is stored.

When `pair` or `account` is spent, the account is not locked: a password alone is no longer
enough, and the form asks for the password and the authenticator code together. A stranger
guessing passwords learns nothing from then on, and cannot keep the holder out, since the holder
has both (moderation/views/auth.py). Wrong codes are counted per account only once the password was
right (`code`): only someone who has the password can spend that allowance.

Every counter is one row in `login_throttle`, changed by a single upsert that returns the new
count, so parallel attempts each get their own number: of sixteen at once, exactly the limit are
let through. A counter's window starts at its first attempt and ends `window` later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from testimony import instance_keys
from testimony.db import db
from testimony.models import LoginThrottle, utcnow
from testimony.web import ratelimit


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: dt.timedelta


@dataclass(frozen=True)
class Count:
    """One attempt, counted: how many the bucket holds now (this one included)."""

    bucket: str
    limit: Limit
    count: int
    started_at: dt.datetime

    @property
    def over(self) -> bool:
        return self.count > self.limit.attempts

    def minutes_left(self) -> int:
        left = self.started_at + self.limit.window - utcnow()
        return max(1, math.ceil(left.total_seconds() / 60))


# Defaults; a deployment can change the first two in its configuration.
DEFAULT_PER_ADDRESS = 30  # DESK_LOGIN_PER_ADDRESS, per 15 minutes
DEFAULT_EVERYONE = 60  # DESK_LOGIN_PER_MINUTE, all addresses together
PAIR = Limit(5, dt.timedelta(minutes=15))
ACCOUNT = Limit(20, dt.timedelta(hours=1))
CODE = Limit(5, dt.timedelta(minutes=15))


def address_limit() -> Limit:
    return Limit(
        int(current_app.config.get("DESK_LOGIN_PER_ADDRESS", DEFAULT_PER_ADDRESS)), dt.timedelta(minutes=15)
    )


def everyone_limit() -> Limit:
    return Limit(
        int(current_app.config.get("DESK_LOGIN_PER_MINUTE", DEFAULT_EVERYONE)), dt.timedelta(minutes=1)
    )


# ---- bucket names ----------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """The spelling a name is counted under: compatibility forms folded (full-width letters),
    case folded, and spaces and invisible characters (zero-width and other format characters)
    removed."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")


def _name_key(name: str) -> str:
    key, _keyed_from = instance_keys.audit_key(current_app)
    subkey = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"testimony login names v1").derive(
        key
    )
    return hmac.new(subkey, normalise_name(name).encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def everyone_bucket() -> str:
    return "all"


def address_bucket() -> str:
    return "addr:" + ratelimit.address_key()


def pair_bucket(name: str) -> str:
    return f"pair:{_name_key(name)}:{ratelimit.address_key()}"


def account_bucket(name: str) -> str:
    return "acct:" + _name_key(name)


def code_bucket(moderator_id: int) -> str:
    return f"code:{moderator_id}"


# ---- counting --------------------------------------------------------------------------------


def hit(bucket: str, limit: Limit) -> Count:
    """Count one attempt in `bucket`, atomically, and return the new count. The caller commits
    (soon: until then, other attempts on the same bucket wait for this row)."""
    now = utcnow()
    expired = LoginThrottle.started_at < now - limit.window
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(LoginThrottle)
        .values(bucket=bucket, started_at=now, count=1)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.bucket],
            set_={
                "count": case((expired, 1), else_=LoginThrottle.count + 1),
                "started_at": case((expired, now), else_=LoginThrottle.started_at),
            },
        )
        .returning(LoginThrottle.count, LoginThrottle.started_at)
    )
    count, started_at = db.session.execute(statement).one()
    return Count(bucket, limit, int(count), started_at)


def clear(bucket: str) -> None:
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.bucket == bucket))


def give_back(bucket: str) -> None:
    """Take back one counted attempt (it turned out to be the account's holder)."""
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.bucket == bucket, LoginThrottle.count > 0)
        .values(count=LoginThrottle.count - 1)
        .execution_options(synchronize_session=False)
    )
