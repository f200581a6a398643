"""The submission's state machine (testimony/lifecycle.py): its table, its conditional writes,
and the rule that no other module writes a submission's status or version."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from moderation import accounts
from testimony import lifecycle
from testimony.db import db
from testimony.models import AuditEvent, Status, Submission, utcnow

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("testimony", "moderation", "nlp")
OWNER = Path("testimony/lifecycle.py")
# Modules allowed to make whole submission rows with a status of their own choosing, and why.
BULK_ROWS = {
    # `flask generate` fills a bench database with synthetic rows in bulk (Core inserts); it
    # never moves an existing submission from one status to another.
    Path("devtools/generate.py"),
}
RAW_SQL_WRITE = re.compile(r"\bupdate\s+submissions\b", re.IGNORECASE)


def _modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        found += sorted((ROOT / package).rglob("*.py"))
    return [*found, ROOT / "wsgi.py"]


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Every place in `tree` that writes a submission's status or version, or could."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                # self.status in a class's own methods is that object's (the API's errors have
                # one); no model here has methods that write its columns.
                own = (
                    isinstance(part, ast.Attribute)
                    and isinstance(part.value, ast.Name)
                    and part.value.id == "self"
                )
                if isinstance(part, ast.Attribute) and part.attr in ("status", "version") and not own:
                    found.append((node.lineno, f"assigns .{part.attr}"))
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            first = node.args[0] if node.args else None
            if name in ("update", "insert") and isinstance(first, ast.Name) and first.id == "Submission":
                found.append((node.lineno, f"{name}(Submission)"))
            if name == "Submission" and any(k.arg in ("status", "version") for k in node.keywords):
                found.append((node.lineno, "Submission(status=/version=)"))
            if name == "setattr" and len(node.args) > 1:
                attr = node.args[1]
                if isinstance(attr, ast.Constant) and attr.value in ("status", "version"):
                    found.append((node.lineno, f"setattr(..., {attr.value!r})"))
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "__table__"
            and isinstance(node.value, ast.Name)
            and node.value.id == "Submission"
        ):
            found.append((node.lineno, "Submission.__table__ (Core writes)"))
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and RAW_SQL_WRITE.search(node.value)
        ):
            found.append((node.lineno, "UPDATE submissions in SQL text"))
    return found


def test_only_lifecycle_writes_a_submissions_status_or_version() -> None:
    offences = []
    for path in _modules():
        relative = path.relative_to(ROOT)
        if relative == OWNER or relative in BULK_ROWS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
        offences += [f"{relative}:{line}: {what}" for line, what in _writes(tree)]
    assert offences == [], "only testimony/lifecycle.py may write these:\n" + "\n".join(offences)


def test_the_check_itself_sees_each_kind_of_write() -> None:
    caught = _writes(
        ast.parse(
            "s.status = 'x'\n"
            "s.version += 1\n"
            "update(Submission).values(status='x')\n"
            "Submission(status='x')\n"
            "setattr(s, 'version', 2)\n"
            "conn.execute(text('UPDATE submissions SET status = 1'))\n"
            "insert(Submission.__table__)\n"
        )
    )
    assert {line for line, _ in caught} == {1, 2, 3, 4, 5, 6, 7}


def test_withdrawn_is_final_and_every_transition_is_in_the_table() -> None:
    sources = {status for move in lifecycle.TRANSITIONS.values() for status in move.allowed_from}
    assert Status.WITHDRAWN not in sources  # nothing follows a withdrawal
    assert all(status in lifecycle.TRANSITIONS[lifecycle.Action.WITHDRAW].allowed_from for status in sources)
    # Wording waiting for its source's OK is published only once the stated period has passed
    # (lifecycle.publish's condition; tests/unit/test_source_approval.py).
    assert lifecycle.TRANSITIONS[lifecycle.Action.PUBLISH].allowed_from == {
        Status.APPROVED,
        Status.AWAITING_SOURCE,
    }
    assert lifecycle.CLOSED <= lifecycle.FINAL
    assert lifecycle.EDITABLE == lifecycle.OPEN


@pytest.mark.parametrize(
    ("text_", "expected"),
    [("3", 3), (" 7 ", 7), ("0", None), ("-1", None), ("x", None), ("9" * 30, None), (None, None)],
)
def test_a_version_from_a_form_is_a_small_positive_integer_or_nothing(
    text_: str | None, expected: int | None
) -> None:
    assert lifecycle.parse_version(text_) == expected


def _stored_submission(app: Flask) -> int:
    with app.app_context():
        submission = lifecycle.new_submission(submitter_public_key=b"\x02" * 32)
        db.session.add(submission)
        db.session.commit()
        return submission.id


def test_a_decision_on_an_item_withdrawn_behind_its_back_is_refused_with_the_truth(app: Flask) -> None:
    submission_id = _stored_submission(app)
    with app.app_context():
        moderator, _ = accounts.create_moderator("mo", "moderator")
        db.session.commit()
        submission = db.session.get(Submission, submission_id)
        assert submission is not None and submission.status == Status.RECEIVED
        seen = submission.version
        # Another connection withdraws it, as the submitter's request would.
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.begin() as other:
            other.execute(
                text("UPDATE submissions SET status = 'withdrawn', version = version + 1 WHERE id = :id"),
                {"id": submission_id},
            )
        engine.dispose()
        with pytest.raises(lifecycle.StateConflict) as lost:
            lifecycle.decide(
                submission, lifecycle.Action.APPROVE, seen_version=seen, moderator_id=moderator.id, actor="mo"
            )
        db.session.rollback()
        assert lost.value.status == Status.WITHDRAWN and lost.value.version == seen + 1
        assert lost.value.withdrawn
        assert (
            db.session.scalar(select(Submission.status).where(Submission.id == submission_id)) == "withdrawn"
        )


def test_a_decision_moves_the_version_on_once_and_a_second_with_the_same_version_loses(app: Flask) -> None:
    submission_id = _stored_submission(app)
    with app.app_context():
        moderator, _ = accounts.create_moderator("mo", "moderator")
        db.session.commit()
        submission = db.session.get(Submission, submission_id)
        assert submission is not None
        seen = submission.version
        lifecycle.decide(
            submission, lifecycle.Action.ASK, seen_version=seen, moderator_id=moderator.id, actor="mo"
        )
        db.session.commit()
        assert (submission.status, submission.version) == (Status.WAITING, seen + 1)
        with pytest.raises(lifecycle.StateConflict) as lost:
            lifecycle.decide(
                submission, lifecycle.Action.DECLINE, seen_version=seen, moderator_id=moderator.id, actor="mo"
            )
        db.session.rollback()
        assert lost.value.status == Status.WAITING


def test_withdrawing_twice_is_refused_the_second_time(app: Flask) -> None:
    submission_id = _stored_submission(app)
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert submission is not None
        assert lifecycle.withdraw(submission) == Status.RECEIVED
        db.session.commit()
        assert submission.status == Status.WITHDRAWN and submission.decided_on is not None
        with pytest.raises(lifecycle.StateConflict):
            lifecycle.withdraw(submission)
        db.session.rollback()


def test_the_first_action_claims_in_its_own_write_and_a_colleague_is_then_refused(app: Flask) -> None:
    submission_id = _stored_submission(app)
    with app.app_context():
        first, _ = accounts.create_moderator("first", "moderator")
        second, _ = accounts.create_moderator("second", "moderator")
        db.session.commit()
        submission = db.session.get(Submission, submission_id)
        assert submission is not None and submission.claimed_by_id is None
        seen = submission.version
        until = utcnow() + dt.timedelta(minutes=15)
        lifecycle.edit(
            submission, "note", seen_version=seen, moderator_id=first.id, actor="first", claim_until=until
        )
        db.session.commit()
        # One write: into review, claimed, version moved on once.
        assert (submission.status, submission.version, submission.claimed_by_id) == (
            Status.IN_REVIEW,
            seen + 1,
            first.id,
        )
        events = list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.item == submission.public_id))
        )
        assert events == ["claim", "note"]
        with pytest.raises(lifecycle.StateConflict) as lost:
            lifecycle.edit(
                submission,
                "note",
                seen_version=seen + 1,
                moderator_id=second.id,
                actor="second",
                claim_until=until,
            )
        db.session.rollback()
        assert lost.value.holder == "first"
        # Asking keeps the asker's claim; renewing one's own live claim adds no audit row.
        lifecycle.decide(
            submission,
            lifecycle.Action.ASK,
            seen_version=seen + 1,
            moderator_id=first.id,
            actor="first",
            claim_until=until,
        )
        db.session.commit()
        assert (submission.status, submission.claimed_by_id) == (Status.WAITING, first.id)
        events = list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.item == submission.public_id))
        )
        assert events == ["claim", "note", "question"]
