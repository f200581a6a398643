"""The audit trail: every desk action appends a row; rows are chained under a secret key.

Each row's hash is HMAC-SHA256, under a key derived from the instance's audit key (kept in
`instance/keys.json`, never in the database), over the previous row's hash and this row's fields.
So removing, reordering or altering a row breaks the chain, and someone who can write to the
database cannot recompute it afterwards: they do not hold the key. Rows never hold submitted
text: only who, what, which item, from and to which status, and when.

Appends are serialised by the single `audit_chain_head` row, which each append updates before it
reads anything (`UPDATE ... RETURNING`): on PostgreSQL the row lock makes a second append wait
and then read the newest hash; on SQLite the update takes the database's write lock. Without it
two concurrent appends on PostgreSQL chained to the same row and the chain forked. The head also
carries an HMAC of (newest id, newest hash), so removing the newest rows is detected.

Instances older than the key chained rows with plain SHA-256. `flask init` adds the key, then
appends a first keyed row (`key_the_chain`) whose HMAC covers the hash of the last old row; the
id of that row is kept in keys.json (`audit_keyed_from`). Rows before it are checked as plain
SHA-256, and cannot be rewritten without breaking that first keyed row. Rows from it on must be
keyed: a row rewritten as plain SHA-256 there is reported as altered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from testimony import crypto, instance_keys
from testimony.db import db
from testimony.models import AuditChainHead, AuditEvent, utcnow

GENESIS = "0" * 64
HEAD_ID = 1
# Who appends the events the system itself writes.
SYSTEM = "system"
UNKNOWN_PREFIX = "unknown:"


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


@dataclass(frozen=True)
class ChainReport:
    events: int
    problems: list[ChainProblem]


# ---- keys ------------------------------------------------------------------------------------


def _subkey(purpose: bytes) -> bytes:
    key, _keyed_from = instance_keys.audit_key(current_app)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


def _chain_key() -> bytes:
    return _subkey(b"testimony audit chain v2")


def keyed_name(name: str) -> str:
    """A typed name that matches no account, as the audit trail keeps it: HMAC under an instance
    key, never as typed (people type passwords into name fields). The same name gives the same
    value, so repeated attempts are visible; without keys.json it cannot be reversed or tested."""
    digest = hmac.new(_subkey(b"testimony audit names v1"), name.encode("utf-8"), hashlib.sha256)
    return UNKNOWN_PREFIX + digest.hexdigest()[:24]


# ---- hashing ---------------------------------------------------------------------------------


def _fields(prev_hash: str, event: AuditEvent) -> bytes:
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
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def _keyed_digest(key: bytes, prev_hash: str, event: AuditEvent) -> str:
    return hmac.new(key, b"testimony/audit/v2" + _fields(prev_hash, event), hashlib.sha256).hexdigest()


def legacy_digest(prev_hash: str, event: AuditEvent) -> str:
    """How rows were chained before the audit key: plain SHA-256, which anyone can recompute."""
    return hashlib.sha256(_fields(prev_hash, event)).hexdigest()


def _head_mac(key: bytes, last_id: int, head_hash: str) -> str:
    return hmac.new(key, f"testimony/audit-head/{last_id}/{head_hash}".encode(), hashlib.sha256).hexdigest()


# ---- appending -------------------------------------------------------------------------------


def record(
    actor: str,
    action: str,
    *,
    item: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append an event to the session (the caller's commit makes it durable with the action).

    From here until that commit, other appends wait: call it once the action's own writes are
    done, and commit soon after."""
    key = _chain_key()
    prev_hash, rebuilt_at = _lock_head()
    if rebuilt_at is not None:
        # Rows exist but the head did not. Say so in the chain itself: a head rebuilt from the
        # newest remaining row can no longer show whether newer rows were removed.
        note = AuditEvent(
            actor=SYSTEM,
            action="audit_head_rebuilt",
            detail=f"the chain head was missing; rebuilt at event {rebuilt_at}",
        )
        prev_hash = _append(key, prev_hash, note).hash
    event = AuditEvent(
        actor=actor[:64],
        action=action[:48],
        item=item,
        from_status=from_status,
        to_status=to_status,
        detail=detail[:255],
    )
    return _append(key, prev_hash, event)


def _append(key: bytes, prev_hash: str, event: AuditEvent) -> AuditEvent:
    event.at, event.prev_hash, event.detail = utcnow(), prev_hash, event.detail or ""
    event.hash = _keyed_digest(key, prev_hash, event)
    db.session.add(event)
    db.session.flush()
    db.session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_id=event.id, hash=event.hash, mac=_head_mac(key, event.id, event.hash))
        .execution_options(synchronize_session=False)
    )
    return event


def _lock_head() -> tuple[str, int | None]:
    """Take the chain head and return the newest hash. This UPDATE is what serialises appends:
    it must come before any read of the chain. A database without the head row (emptied, or the
    row deleted) gets a new one; the second value is then the newest event's id, if there is one."""
    claim = (
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_id=AuditChainHead.last_id)
        .returning(AuditChainHead.hash)
        .execution_options(synchronize_session=False)
    )
    head_hash = db.session.execute(claim).scalar()
    if head_hash is not None:
        return str(head_hash), None
    newest = _create_head()
    head_hash = db.session.execute(claim).scalar()
    if head_hash is None:  # pragma: no cover - the row was just made in this transaction
        raise RuntimeError("the audit chain head could not be created")
    return str(head_hash), newest


def _create_head() -> int | None:
    """Insert the head row at the newest event (none on a new database). Concurrent first
    appends may both try: the database keeps one row and the other insert does nothing."""
    newest = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    values = {
        "id": HEAD_ID,
        "last_id": newest[0] if newest else 0,
        "hash": newest[1] if newest else GENESIS,
        "mac": "",
    }
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(AuditChainHead).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    return int(newest[0]) if newest else None


def key_the_chain() -> int | None:
    """For an instance whose keys.json has no audit key yet (made by an older version): make
    one, append the first keyed event (its HMAC covers the last plain-SHA-256 row's hash) and
    record that event's id in keys.json. Returns the id, or None when the key existed already.
    `flask init` calls this; the caller need not commit."""
    keys = instance_keys.current(current_app)
    if keys.audit_key is not None:
        return None
    key = crypto.random_key()
    older = int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    # The event is written under the new key before keys.json names it, inside one transaction:
    # if writing keys.json fails, the transaction is rolled back and nothing has changed.
    instance_keys.apply(current_app, dataclasses.replace(keys, audit_key=key, audit_keyed_from=0))
    try:
        event = record(
            SYSTEM,
            "audit_chain_keyed",
            detail=f"{older} earlier events were chained with plain SHA-256; from here on with HMAC",
        )
        completed = instance_keys.add_audit_key(current_app, key, event.id)
    except BaseException:
        db.session.rollback()
        instance_keys.apply(current_app, keys)
        raise
    instance_keys.apply(current_app, completed)
    db.session.commit()
    return event.id


# ---- verifying -------------------------------------------------------------------------------


def verify() -> list[ChainProblem]:
    """Walk the chain; return every place it is broken (empty list: intact)."""
    return check().problems


def check() -> ChainReport:
    """Walk the whole chain, a batch of rows at a time. This reads every row: run it on demand
    (`flask audit verify`, the audit page's button), not on every page view."""
    _key, keyed_from = instance_keys.audit_key(current_app)
    chain_key = _chain_key()
    problems: list[ChainProblem] = []
    prev_hash, newest_id, count = GENESIS, 0, 0
    # keyed_from names the first keyed event, which `flask init` wrote: it must still be there.
    first_keyed_seen = keyed_from == 0
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000))
    for event in rows:
        count += 1
        if event.prev_hash != prev_hash:
            problems.append(
                ChainProblem(event.id, "does not follow the row before it (a row was removed or reordered)")
            )
        if event.id >= keyed_from:
            expected = _keyed_digest(chain_key, event.prev_hash, event)
        else:
            expected = legacy_digest(event.prev_hash, event)
        if not hmac.compare_digest(expected, event.hash):
            problems.append(ChainProblem(event.id, "its contents do not match its hash (it was altered)"))
        first_keyed_seen = first_keyed_seen or event.id == keyed_from
        prev_hash, newest_id = event.hash, event.id
    if not first_keyed_seen:
        problems.append(ChainProblem(keyed_from, "the first keyed event is missing (rows were removed)"))
    problems += _check_head(chain_key, prev_hash, newest_id, keyed_from)
    return ChainReport(count, problems)


def _check_head(key: bytes, newest_hash: str, newest_id: int, keyed_from: int) -> list[ChainProblem]:
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is None:
        return [] if newest_id == 0 else [ChainProblem(newest_id, "the chain head is missing")]
    if head.hash != newest_hash or head.last_id != newest_id:
        return [
            ChainProblem(
                newest_id, "is not the newest event the chain head names (the newest events were removed)"
            )
        ]
    # The head the migration wrote (before the key existed) has no MAC until the first keyed row.
    keyed = newest_id >= keyed_from and newest_id > 0
    if keyed and not hmac.compare_digest(head.mac, _head_mac(key, head.last_id, head.hash)):
        return [ChainProblem(newest_id, "the chain head was altered")]
    return []


def head(session: Session | None = None) -> Head | None:
    """The chain's newest event, or None while the trail is empty. Reads only the id and hash,
    so it also works on a restored database whose schema is older than this code's models."""
    reader = session if session is not None else db.session
    row = reader.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return Head(event_id=row[0], hash=row[1]) if row else None
