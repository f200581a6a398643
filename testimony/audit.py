"""The audit trail: every desk action appends a row; rows are hash-chained.

Each row's hash is SHA-256 over the previous row's hash and this row's fields, so removing or
altering any row breaks every hash after it. `flask audit verify` walks the chain. Rows never
hold submitted text: only who, what, which item, from and to which status, and when.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from testimony.db import db
from testimony.models import AuditEvent, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Head:
    """The newest event of the chain: what a backup keeps, so that a restore can tell whether the
    chain it got back ends where the saved one did (removing the newest rows breaks no link)."""

    event_id: int
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    reason: str


def _digest(prev_hash: str, event: AuditEvent) -> str:
    fields = [
        prev_hash,
        event.at.isoformat(timespec="microseconds"),
        event.actor,
        event.action,
        event.item or "",
        event.from_status or "",
        event.to_status or "",
        event.detail or "",
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


def record(
    actor: str,
    action: str,
    *,
    item: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append an event to the session (the caller's commit makes it durable with the action)."""
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1).with_for_update())
    prev_hash = last.hash if last else GENESIS
    event = AuditEvent(
        at=utcnow(),
        actor=actor[:64],
        action=action[:48],
        item=item,
        from_status=from_status,
        to_status=to_status,
        detail=detail[:255],
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = _digest(prev_hash, event)
    db.session.add(event)
    db.session.flush()
    return event


def verify() -> list[ChainProblem]:
    """Walk the chain; return every place it is broken (empty list: intact)."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != prev_hash:
            problems.append(
                ChainProblem(event.id, "does not follow the row before it (a row was removed or reordered)")
            )
        if _digest(event.prev_hash, event) != event.hash:
            problems.append(ChainProblem(event.id, "its contents do not match its hash (it was altered)"))
        prev_hash = event.hash
    return problems


def head(session: Session | None = None) -> Head | None:
    """The chain's newest event, or None while the trail is empty. Reads only the id and hash,
    so it also works on a restored database whose schema is older than this code's models."""
    reader = session if session is not None else db.session
    row = reader.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return Head(event_id=row[0], hash=row[1]) if row else None
