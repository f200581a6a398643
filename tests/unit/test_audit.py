"""The audit trail is chained under a key: removal, alteration and forks are detected."""

import dataclasses
import hashlib
import json
import os
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import delete, select, text, update

from testimony import audit, create_app, instance_keys
from testimony.db import db
from testimony.models import AuditEvent, utcnow
from tests.conftest import base_config
from tests.support.desk import login_as
from tests.support.helpers import token_in


def write_events(app: Flask, n: int = 5) -> None:
    with app.app_context():
        for i in range(n):
            audit.record("maria", "claim", item=f"item{i}", from_status="received", to_status="in_review")
        db.session.commit()


def test_intact_chain_verifies(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(app)
    with app.app_context():
        assert audit.verify() == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_deleted_row_is_detected(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(app)
    with app.app_context():
        middle = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == middle))
        db.session.commit()
        problems = audit.verify()
    assert problems and "removed" in problems[0].reason
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1


def test_altered_row_is_detected(app: Flask) -> None:
    write_events(app)
    with app.app_context():
        first = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).first()
        db.session.execute(update(AuditEvent).where(AuditEvent.id == first).values(actor="someone else"))
        db.session.commit()
        problems = audit.verify()
    assert [p.event_id for p in problems] == [first]
    assert "altered" in problems[0].reason


# ---- Medium 6: concurrency, a keyed chain, the newest rows, older instances --------------------

APPENDS = 8


def _old_sha256(prev_hash: str, event: AuditEvent) -> str:
    """The chain's old formula, as anyone who can read the code can recompute it."""
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


def test_parallel_appends_never_share_a_previous_hash(app: Flask, runner: FlaskCliRunner) -> None:
    """On PostgreSQL, eight concurrent appends used to fork the chain (two rows with one prev_hash)."""
    write_events(app, 1)
    start = threading.Barrier(APPENDS)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                audit.record(f"worker{n}", "login_failed")
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(APPENDS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        prev_hashes = list(db.session.scalars(select(AuditEvent.prev_hash)))
        assert len(prev_hashes) == APPENDS + 1
        assert len(set(prev_hashes)) == len(prev_hashes), "two rows follow the same row: the chain forked"
        assert audit.verify() == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_a_row_edited_and_rechained_with_plain_sha256_is_caught(app: Flask) -> None:
    """Anyone who can write to the database could edit a row and recompute a plain SHA-256 chain;
    the keyed chain (HMAC under keys.json's audit key) cannot be recomputed without the key."""
    write_events(app)
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        events[1].actor = "someone else"
        prev = events[0].hash
        for event in events[1:]:
            event.prev_hash = prev
            event.hash = prev = _old_sha256(prev, event)
        db.session.commit()
        db.session.execute(
            text("UPDATE audit_chain_head SET hash = :h, last_id = :i"), {"h": prev, "i": events[-1].id}
        )
        db.session.commit()
        problems = audit.verify()
    assert problems and {p.event_id for p in problems} >= {e.id for e in events[1:]}
    assert all("altered" in p.reason for p in problems if p.event_id != events[-1].id)


def test_removing_the_newest_rows_is_caught(app: Flask) -> None:
    write_events(app)
    with app.app_context():
        newest = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == newest))
        db.session.commit()
        problems = audit.verify()
    assert problems and "newest events were removed" in problems[0].reason


def test_the_audit_page_does_not_walk_the_chain_on_every_view(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    login_as(app, client, "admin", "boss")
    walked: list[int] = []
    real = audit.check
    monkeypatch.setattr(audit, "check", lambda: walked.append(1) or real())
    monkeypatch.setattr(audit, "verify", lambda: walked.append(1) or real().problems)
    page = client.get("/desk/admin/audit")
    assert page.status_code == 200 and walked == []
    assert "Check the whole chain now" in page.get_data(as_text=True)
    token = token_in(page.get_data(as_text=True))
    checked = client.post("/desk/admin/audit/verify", data={"csrf_token": token})
    assert checked.status_code == 200 and walked == [1]
    assert "the chain is intact" in checked.get_data(as_text=True)


def test_init_keys_the_chain_of_an_older_instance_and_anchors_its_old_rows(tmp_path: Path) -> None:
    """An instance made before the audit key: `flask init` adds the key and a first keyed row
    whose HMAC covers the last old row, so the old rows cannot be rewritten either."""
    app = create_app(base_config(f"sqlite:///{tmp_path}/old.db"), instance_path=str(tmp_path / "inst"))
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        keys, _recovery = instance_keys.create(app)
        older = dataclasses.replace(keys, audit_key=None, audit_keyed_from=0)
        os.remove(instance_keys.path_for(app))
        instance_keys._write(instance_keys.path_for(app), instance_keys._payload(older), os.O_EXCL)
        instance_keys.apply(app, older)
        prev = audit.GENESIS
        for n in range(3):  # rows as the older version wrote them
            event = AuditEvent(
                at=utcnow(), actor="maria", action="claim", item=f"i{n}", detail="", prev_hash=prev, hash=""
            )
            event.hash = prev = _old_sha256(prev, event)
            db.session.add(event)
        db.session.execute(text("UPDATE audit_chain_head SET hash = :h, last_id = 3"), {"h": prev})
        db.session.commit()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0 and "Added an audit key" in result.output, result.output
    with app.app_context():
        loaded = instance_keys.load(app)
        assert loaded is not None and loaded.audit_key is not None and loaded.audit_keyed_from == 4
        assert audit.verify() == []
        audit.record("maria", "claim", item="i4")
        db.session.commit()
        assert audit.verify() == []
        # Rewrite an old row and re-chain the old part with plain SHA-256: the first keyed row
        # still names the old last hash.
        old = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id < 4).order_by(AuditEvent.id)))
        old[0].detail, prev = "edited", audit.GENESIS
        for event in old:
            event.prev_hash = prev
            event.hash = prev = _old_sha256(prev, event)
        db.session.commit()
        problems = audit.verify()
        assert [p.event_id for p in problems] == [4] and "does not follow" in problems[0].reason
        db.engine.dispose()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
