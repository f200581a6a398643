"""Where desk sessions are kept: the database (embedded default) or Redis (production).

Both hold the same record: whose session, the private key sealed under the cookie's session key,
whether the second factor passed, when the login began and when it was last used. Redis keeps
records in memory only and lets them expire by themselves (after the idle limit, and never later
than the absolute limit); the database rows are purged by the jobs.

Refreshing `last_seen_at` (touch) never creates a record: a request still in flight while the
same account logs out must not bring the deleted session back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from base64 import b64decode, b64encode
from typing import Protocol

import redis
from sqlalchemy import delete, update

from testimony.db import db
from testimony.models import ModeratorSession, utcnow


@dataclasses.dataclass
class SessionRecord:
    id: str
    moderator_id: int
    sealed_private_key: bytes
    second_factor_ok: bool
    last_seen_at: dt.datetime
    # When the login began: sessions end a fixed time after it, however active
    # (sessions.ABSOLUTE_LIMIT). Rotations during login keep it.
    created_at: dt.datetime


class SessionStore(Protocol):
    def put(self, record: SessionRecord) -> None: ...
    def get(self, row_id: str) -> SessionRecord | None: ...
    def touch(self, record: SessionRecord) -> None: ...
    def delete(self, row_id: str) -> None: ...
    def delete_for(self, moderator_id: int) -> None: ...


class DatabaseStore:
    """Rows in `moderator_sessions`, committed with the request's transaction."""

    def put(self, record: SessionRecord) -> None:
        db.session.add(
            ModeratorSession(
                id=record.id,
                moderator_id=record.moderator_id,
                sealed_private_key=record.sealed_private_key,
                second_factor_ok=record.second_factor_ok,
                last_seen_at=record.last_seen_at,
                created_at=record.created_at,
            )
        )

    def get(self, row_id: str) -> SessionRecord | None:
        row = db.session.get(ModeratorSession, row_id)
        if row is None:
            return None
        return SessionRecord(
            row.id,
            row.moderator_id,
            row.sealed_private_key,
            row.second_factor_ok,
            row.last_seen_at,
            row.created_at,
        )

    def touch(self, record: SessionRecord) -> None:
        # An UPDATE, never an upsert: a row deleted meanwhile (logout) stays deleted.
        record.last_seen_at = utcnow()
        db.session.execute(
            update(ModeratorSession)
            .where(ModeratorSession.id == record.id)
            .values(last_seen_at=record.last_seen_at)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    def delete(self, row_id: str) -> None:
        db.session.execute(delete(ModeratorSession).where(ModeratorSession.id == row_id))
        db.session.commit()

    def delete_for(self, moderator_id: int) -> None:
        db.session.execute(delete(ModeratorSession).where(ModeratorSession.moderator_id == moderator_id))


class RedisStore:
    """Values under testimony:desk-session:<id>, expiring after the idle limit (or sooner, at
    the absolute limit)."""

    PREFIX = "testimony:desk-session:"
    INDEX = "testimony:desk-sessions-of:"

    def __init__(self, client: redis.Redis, idle: dt.timedelta, absolute: dt.timedelta) -> None:
        self.client, self.idle, self.absolute = client, idle, absolute

    def _payload(self, record: SessionRecord) -> str:
        return json.dumps(
            {
                "moderator_id": record.moderator_id,
                "sealed": b64encode(record.sealed_private_key).decode("ascii"),
                "second_factor_ok": record.second_factor_ok,
                "last_seen_at": record.last_seen_at.isoformat(),
                "created_at": record.created_at.isoformat(),
            }
        )

    def _expiry(self, record: SessionRecord) -> int:
        """Seconds until the record may go: the idle limit, but never past the absolute limit."""
        left = record.created_at + self.absolute - utcnow()
        return max(1, int(min(self.idle, left).total_seconds()))

    def put(self, record: SessionRecord) -> None:
        pipe = self.client.pipeline()
        pipe.set(self.PREFIX + record.id, self._payload(record), ex=self._expiry(record))
        pipe.sadd(self.INDEX + str(record.moderator_id), record.id)
        pipe.expire(self.INDEX + str(record.moderator_id), self.absolute)
        pipe.execute()

    def get(self, row_id: str) -> SessionRecord | None:
        raw = self.client.get(self.PREFIX + row_id)
        if raw is None:
            return None
        data = json.loads(raw)
        return SessionRecord(
            row_id,
            int(data["moderator_id"]),
            b64decode(data["sealed"]),
            bool(data["second_factor_ok"]),
            dt.datetime.fromisoformat(data["last_seen_at"]),
            # A record written before sessions had an absolute limit counts from its last use.
            dt.datetime.fromisoformat(data.get("created_at") or data["last_seen_at"]),
        )

    def touch(self, record: SessionRecord) -> None:
        # SET ... XX: only if the key still exists. A plain SET (or put) here re-created sessions
        # that a logout on another request had just deleted.
        record.last_seen_at = utcnow()
        self.client.set(self.PREFIX + record.id, self._payload(record), ex=self._expiry(record), xx=True)

    def delete(self, row_id: str) -> None:
        self.client.delete(self.PREFIX + row_id)

    def delete_for(self, moderator_id: int) -> None:
        index = self.INDEX + str(moderator_id)
        ids = [i.decode() if isinstance(i, bytes) else str(i) for i in self.client.smembers(index)]
        if ids:
            self.client.delete(*[self.PREFIX + i for i in ids])
        self.client.delete(index)
