"""Where desk sessions are kept: the database (embedded default) or Redis (production).

Both hold the same record: whose session, the private key sealed under the cookie's session key,
whether the second factor passed, and when it was last used. Redis keeps records in memory only
and lets them expire after the idle limit by itself; the database rows are purged by the jobs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from base64 import b64decode, b64encode
from typing import Protocol

import redis
from sqlalchemy import delete

from testimony.db import db
from testimony.models import ModeratorSession, utcnow


@dataclasses.dataclass
class SessionRecord:
    id: str
    moderator_id: int
    sealed_private_key: bytes
    second_factor_ok: bool
    last_seen_at: dt.datetime


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
            )
        )

    def get(self, row_id: str) -> SessionRecord | None:
        row = db.session.get(ModeratorSession, row_id)
        if row is None:
            return None
        return SessionRecord(
            row.id, row.moderator_id, row.sealed_private_key, row.second_factor_ok, row.last_seen_at
        )

    def touch(self, record: SessionRecord) -> None:
        row = db.session.get(ModeratorSession, record.id)
        if row is not None:
            row.last_seen_at = record.last_seen_at = utcnow()
            db.session.commit()

    def delete(self, row_id: str) -> None:
        db.session.execute(delete(ModeratorSession).where(ModeratorSession.id == row_id))
        db.session.commit()

    def delete_for(self, moderator_id: int) -> None:
        db.session.execute(delete(ModeratorSession).where(ModeratorSession.moderator_id == moderator_id))


class RedisStore:
    """Hashes under testimony:desk-session:<id>, expiring after the idle limit."""

    PREFIX = "testimony:desk-session:"
    INDEX = "testimony:desk-sessions-of:"

    def __init__(self, client: redis.Redis, idle: dt.timedelta) -> None:
        self.client, self.idle = client, idle

    def put(self, record: SessionRecord) -> None:
        payload = json.dumps(
            {
                "moderator_id": record.moderator_id,
                "sealed": b64encode(record.sealed_private_key).decode("ascii"),
                "second_factor_ok": record.second_factor_ok,
                "last_seen_at": record.last_seen_at.isoformat(),
            }
        )
        pipe = self.client.pipeline()
        pipe.set(self.PREFIX + record.id, payload, ex=self.idle)
        pipe.sadd(self.INDEX + str(record.moderator_id), record.id)
        pipe.expire(self.INDEX + str(record.moderator_id), self.idle * 2)
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
        )

    def touch(self, record: SessionRecord) -> None:
        record.last_seen_at = utcnow()
        self.put(record)

    def delete(self, row_id: str) -> None:
        self.client.delete(self.PREFIX + row_id)

    def delete_for(self, moderator_id: int) -> None:
        index = self.INDEX + str(moderator_id)
        ids = [i.decode() if isinstance(i, bytes) else str(i) for i in self.client.smembers(index)]
        if ids:
            self.client.delete(*[self.PREFIX + i for i in ids])
        self.client.delete(index)
