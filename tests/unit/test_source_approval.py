"""The source's OK to wording a moderator changed (issue 15): the diff, the state machine's new
moves, and publication waiting for the source or for the period the site states."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from moderation import accounts
from testimony import approved, compare, lifecycle, publishing
from testimony.db import db
from testimony.models import Contribution, Digest, Status, Submission
from tests.support.factories import add_digest

DAY = dt.date(2026, 11, 2)
NOON = dt.datetime(2026, 11, 2, 12, 0)


# ---- marking changes ---------------------------------------------------------------------------


def test_changes_give_back_both_texts_and_mark_only_what_changed() -> None:
    sent = "I am the only PO at [prison] on nights. Staff are tired."
    final = "I am one of few officers on nights. Staff are tired."
    pieces = compare.changes(sent, final)
    assert "".join(p.text for p in pieces if p.kind != "ins") == sent
    assert "".join(p.text for p in pieces if p.kind != "del") == final
    deleted = "".join(p.text for p in pieces if p.kind == "del")
    inserted = "".join(p.text for p in pieces if p.kind == "ins")
    assert "only" in deleted and "[prison]" in deleted and "Staff" not in deleted
    assert "few officers" in inserted
    assert compare.count(pieces) >= 1
    assert compare.changes("same words", "same words") == [compare.Piece("same", "same words")]
    assert compare.count(compare.changes("same words", "same words")) == 0


def test_a_changed_comma_is_a_change_and_spacing_is_not() -> None:
    assert compare.count(compare.changes("Yes, we did.", "Yes we did.")) == 1
    assert approved.needs_source_ok("Yes, we did.", "Yes we did.")
    assert not approved.needs_source_ok("Yes, we  did.\n", "Yes, we did.")
    assert approved.needs_source_ok("[name] said so.", "Sarah said so.")  # a restored name counts


# ---- the state machine ------------------------------------------------------------------------


def _waiting(app: Flask, approved_on: dt.date = DAY, text: str = "Changed words.") -> tuple[int, int]:
    """A submission a moderator approved with changes on `approved_on`: (submission id, contribution id)."""
    with app.app_context():
        moderator, _ = accounts.create_moderator("mo", "moderator")
        submission = lifecycle.new_submission(submitter_public_key=b"\x02" * 32)
        db.session.add(submission)
        db.session.flush()
        lifecycle.decide(
            submission,
            lifecycle.Action.PROPOSE,
            seen_version=submission.version,
            moderator_id=moderator.id,
            actor="mo",
        )
        contribution = approved.new_contribution(text, ["workload"])
        contribution.submission_id = submission.id
        contribution.approved_on = approved_on
        db.session.commit()
        assert submission.status == Status.AWAITING_SOURCE
        return submission.id, contribution.id


def _status(submission_id: int) -> str:
    return db.session.scalar(select(Submission.status).where(Submission.id == submission_id))


def test_the_source_accepts_and_it_is_approved(app: Flask) -> None:
    submission_id, _ = _waiting(app)
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        version = submission.version
        lifecycle.source_decides(submission, lifecycle.Action.ACCEPT)
        db.session.commit()
        assert (_status(submission_id), submission.version) == (Status.APPROVED, version + 1)
        # Once accepted, nothing waits for the source: a second answer is refused with the truth.
        with pytest.raises(lifecycle.StateConflict) as refused:
            lifecycle.source_decides(submission, lifecycle.Action.REVISE)
        db.session.rollback()
        assert refused.value.status == Status.APPROVED


def test_the_source_asks_for_changes_and_it_goes_back_into_review(app: Flask) -> None:
    submission_id, contribution_id = _waiting(app)
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        lifecycle.source_decides(submission, lifecycle.Action.REVISE)
        approved.drop_proposal(submission)
        db.session.commit()
        assert _status(submission_id) == Status.IN_REVIEW
        assert db.session.get(Contribution, contribution_id) is None  # and its sealed wording
        # Back in review, the moderators may act on it again.
        assert submission.status in lifecycle.OPEN


def test_only_the_submitters_moves_are_theirs(app: Flask) -> None:
    submission_id, _ = _waiting(app)
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        with pytest.raises(ValueError, match="not the submitter's"):
            lifecycle.source_decides(submission, lifecycle.Action.APPROVE)
        # Moderators cannot decide over the source's head: it is not open.
        assert submission.status not in lifecycle.OPEN
        assert Status.AWAITING_SOURCE in lifecycle.TRANSITIONS[lifecycle.Action.WITHDRAW].allowed_from


# ---- publication waits -------------------------------------------------------------------------


def _pool(when: dt.datetime) -> set[int]:
    return {c.id for c in db.session.scalars(publishing.available_contributions(when))}


def test_the_pool_holds_waiting_wording_back_until_the_period_has_passed(app: Flask) -> None:
    _, contribution_id = _waiting(app)
    app.config["SOURCE_APPROVAL_DAYS"] = 7
    with app.app_context():
        assert contribution_id not in _pool(NOON)
        assert contribution_id not in _pool(NOON + dt.timedelta(days=6, hours=11))  # 8 November
        assert contribution_id in _pool(NOON + dt.timedelta(days=7))  # 9 November: 2 + 7
        assert approved.wait_ends(DAY) == dt.date(2026, 11, 9)


def test_accepted_wording_is_in_the_pool_at_once(app: Flask) -> None:
    submission_id, contribution_id = _waiting(app)
    with app.app_context():
        lifecycle.source_decides(db.session.get(Submission, submission_id), lifecycle.Action.ACCEPT)
        db.session.commit()
        assert contribution_id in _pool(NOON)


def test_awaiting_source_names_the_waiting_ones_and_the_day_the_wait_ends(app: Flask) -> None:
    submission_id, _ = _waiting(app)
    with app.app_context():
        other = lifecycle.new_submission(submitter_public_key=b"\x03" * 32)
        db.session.add(other)
        db.session.commit()
        assert approved.awaiting_source([submission_id, other.id]) == {submission_id: dt.date(2026, 11, 9)}
        assert approved.awaiting_source([]) == {}


def test_publishing_refuses_waiting_wording_before_the_period_and_takes_it_after(app: Flask) -> None:
    submission_id, contribution_id = _waiting(app)
    with app.app_context():
        digest = add_digest("Nights", [db.session.get(Contribution, contribution_id)])
        db.session.commit()
        with pytest.raises(publishing.DigestChanged, match="waiting for its source's OK"):
            publishing.publish(digest, NOON + dt.timedelta(days=3))
        db.session.rollback()
        assert db.session.get(Digest, digest.id).published_at is None
        assert _status(submission_id) == Status.AWAITING_SOURCE
        digest = db.session.get(Digest, digest.id)
        publishing.publish(digest, NOON + dt.timedelta(days=7))
        db.session.commit()
        assert _status(submission_id) == Status.PUBLISHED
        assert db.session.get(Contribution, contribution_id).text == "Changed words."


def test_the_publishing_statement_checks_again_whatever_was_read_before(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if the statuses read before it said "approved" (a bug, or a change no lock covered),
    the statement that publishes refuses wording still waiting for its source."""
    submission_id, contribution_id = _waiting(app)
    with app.app_context():
        digest = add_digest("Nights", [db.session.get(Contribution, contribution_id)])
        db.session.commit()
        monkeypatch.setattr(lifecycle, "lock_all", lambda ids: dict.fromkeys(ids, Status.APPROVED))
        with pytest.raises(publishing.DigestChanged, match="changed while it was being published"):
            publishing.publish(digest, NOON + dt.timedelta(days=1))
        db.session.rollback()
        assert db.session.get(Digest, digest.id).published_at is None
        assert _status(submission_id) == Status.AWAITING_SOURCE


def test_a_scheduled_digest_with_waiting_wording_goes_back_to_the_drafts(app: Flask) -> None:
    _, contribution_id = _waiting(app)
    with app.app_context():
        digest = add_digest("Nights", [db.session.get(Contribution, contribution_id)])
        publishing.schedule(digest, NOON + dt.timedelta(days=1))
        db.session.commit()
        published, skipped = publishing.publish_due(NOON + dt.timedelta(days=1))
        db.session.commit()
        assert published == [] and [d.id for d, _ in skipped] == [digest.id]
        assert db.session.get(Digest, digest.id).scheduled_for is None


# ---- "Send more" -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.RECEIVED, Status.RECEIVED),
        (Status.IN_REVIEW, Status.IN_REVIEW),
        (Status.WAITING, Status.IN_REVIEW),
        (Status.AWAITING_SOURCE, Status.IN_REVIEW),
        (Status.APPROVED, Status.IN_REVIEW),
    ],
)
def test_more_testimony_reopens_what_is_decided_but_unpublished(
    app: Flask, before: Status, after: Status
) -> None:
    with app.app_context():
        submission = Submission(submitter_public_key=b"\x04" * 32, status=before)  # a row as it stands
        db.session.add(submission)
        db.session.commit()
        version = submission.version
        assert lifecycle.submitter_added(submission) == before
        db.session.commit()
        assert (submission.status, submission.version) == (after, version + 1)


@pytest.mark.parametrize("final", [Status.PUBLISHED, Status.DECLINED, Status.WITHDRAWN])
def test_more_testimony_is_refused_once_published_declined_or_withdrawn(app: Flask, final: Status) -> None:
    with app.app_context():
        submission = Submission(submitter_public_key=b"\x05" * 32, status=final)
        db.session.add(submission)
        db.session.commit()
        with pytest.raises(lifecycle.StateConflict) as refused:
            lifecycle.submitter_added(submission)
        db.session.rollback()
        assert refused.value.status == final
