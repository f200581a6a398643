"""The audit trail is hash-chained: removal or alteration is detected."""

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, update

from testimony import audit
from testimony.db import db
from testimony.models import AuditEvent


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
