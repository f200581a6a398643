"""The submission's state machine: which status may follow which, and the only code that writes
`Submission.status` or `Submission.version` (tests/test_lifecycle.py keeps it so).

Every change is one conditional UPDATE that moves the version on:

    UPDATE submissions SET status = :to, version = version + 1, ...
    WHERE id = :id AND version = :seen AND status IN (:allowed_from) [AND the claim is free]

so the check and the write cannot be separated by anyone else's write: if the item changed after
the writer read it, the statement matches nothing and the writer gets `StateConflict`, carrying
what is true now. Before this, versions were compared in Python and a withdrawal could be
overwritten by an approval that had read the item a moment earlier (issue 12).

Where a form carries no version (the submitter's status page), the row is locked first and the
state read under the lock (`lock`): SELECT ... FOR NO KEY UPDATE on PostgreSQL; on SQLite, which
has no row locks, a write that takes the database's single write lock until commit.

Lock order, so that no two requests wait for each other in a circle: a submission row before its
blobs, tags and contributions; a digest before its contributions' submissions
(testimony/publishing.py). A review action records its audit row *before* its conditional write:
while it waits for the audit lock it holds nothing of the item, so a submitter withdrawing
meanwhile is not kept waiting, and the action then finds the item withdrawn. An editor's
publication records its audit row last, holding approved submissions; review actions only ever
lock open ones, so the two never wait for each other.

Submitter-side changes (a reply, more testimony, accepting or asking to change wording a
moderator changed, a withdrawal) are not written to the audit trail: its rows carry
a time to the microsecond, and dates a submitter leaves are days (docs/THREAT_MODEL.md).

Nothing here commits: the caller (a view, a job, a command) owns the transaction, and rolls back
when a StateConflict is raised (the audit row recorded for the lost write goes with it).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update

from testimony import audit, transparency
from testimony.db import db
from testimony.models import Moderator, Status, Submission, today, utcnow


class Action(enum.StrEnum):
    """What moves a submission from one status to another. Values are audit action names."""

    CLAIM = "claim"  # a moderator's first action on a new item
    ASK = "question"  # a moderator asks the submitter something
    APPROVE = "approve"
    # A moderator approves wording that differs from what the source sent: it waits for them.
    PROPOSE = "approve_with_changes"
    DECLINE = "decline"
    REPLY = "reply"  # the submitter answers a question
    WITHDRAW = "withdraw"  # the submitter takes it all back
    PUBLISH = "publish"  # the digest holding its contribution is published
    ACCEPT = "source_accepted"  # the submitter accepts the wording a moderator changed
    REVISE = "source_asked_changes"  # the submitter asks the moderators for more changes
    ADD = "source_added"  # the submitter sends more of their testimony ("Send more")


ALL = frozenset(Status)
OPEN = frozenset({Status.RECEIVED, Status.IN_REVIEW, Status.WAITING})
# Entering one of these sets `decided_on` (the day; retention counts from it).
FINAL = frozenset({Status.DECLINED, Status.WITHDRAWN, Status.PUBLISHED})
# Retention removes these rows whole (testimony/retention.py).
CLOSED = frozenset({Status.DECLINED, Status.WITHDRAWN})
INITIAL = Status.RECEIVED


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[Status]
    to: Status


TRANSITIONS: dict[Action, Transition] = {
    Action.CLAIM: Transition(frozenset({Status.RECEIVED}), Status.IN_REVIEW),
    Action.ASK: Transition(OPEN, Status.WAITING),
    Action.APPROVE: Transition(OPEN, Status.APPROVED),
    Action.PROPOSE: Transition(OPEN, Status.AWAITING_SOURCE),
    Action.DECLINE: Transition(OPEN, Status.DECLINED),
    Action.REPLY: Transition(frozenset({Status.WAITING}), Status.IN_REVIEW),
    Action.WITHDRAW: Transition(ALL - {Status.WITHDRAWN}, Status.WITHDRAWN),
    # From AWAITING_SOURCE only once the period the site states has passed (`publish`).
    Action.PUBLISH: Transition(frozenset({Status.APPROVED, Status.AWAITING_SOURCE}), Status.PUBLISHED),
    Action.ACCEPT: Transition(frozenset({Status.AWAITING_SOURCE}), Status.APPROVED),
    Action.REVISE: Transition(frozenset({Status.AWAITING_SOURCE}), Status.IN_REVIEW),
    # More testimony re-opens what was decided but not published; new or in-review items keep
    # their status (the version still moves on: `submitter_added`).
    Action.ADD: Transition(
        frozenset({Status.WAITING, Status.AWAITING_SOURCE, Status.APPROVED}), Status.IN_REVIEW
    ),
}
# What a submitter may add more testimony to: anything not yet published, declined or withdrawn.
SUBMITTER_MAY_ADD = OPEN | {Status.AWAITING_SOURCE, Status.APPROVED}

# Changes that keep the status but still move the version on, so forms based on the version
# before them are refused: a moderator's edits (redactions, wording, themes, notes) on open items;
# a submitter's message on anything not withdrawn; an admin releasing a claim, on anything.
EDITABLE = OPEN
SUBMITTER_MAY_WRITE = ALL - {Status.WITHDRAWN}

# Versions live in a 32-bit column; a larger number in a form is simply not a version.
MAX_VERSION = 2**31 - 1


class StateConflict(Exception):
    """A conditional write matched nothing: the submission is not as the writer saw it.

    `status` and `version` are what is true now (status None: the row is gone, removed by
    retention); `holder` names the moderator whose claim stood in the way, if that was it."""

    def __init__(self, *, status: str | None, version: int | None, holder: str | None = None) -> None:
        self.status = status
        self.version = version
        self.holder = holder
        held = f", held by {holder}" if holder else ""
        super().__init__(f"the submission is {status or 'gone'} (version {version}){held}")

    @property
    def withdrawn(self) -> bool:
        return self.status in (Status.WITHDRAWN, None)


def parse_version(text: str | None) -> int | None:
    """A version from a form: a positive integer that fits the column, else None."""
    try:
        value = int((text or "").strip())
    except ValueError:
        return None
    return value if 1 <= value <= MAX_VERSION else None


def new_submission(**fields: Any) -> Submission:
    """A submission in its first state (not yet added to the session)."""
    return Submission(status=INITIAL, version=1, **fields)


# ---- the moderators' side: each write carries the version the moderator's form was based on ----


def _claim_values(
    submission: Submission, *, moderator_id: int, actor: str, until: dt.datetime
) -> dict[str, Any]:
    """What a moderator's action writes to claim the item it acts on (opening or browsing an
    item claims nothing: paging through the queue with j and k used to lock items away from
    colleagues). A new item moves into review. Records the claim in the audit trail, unless it
    renews the moderator's own live claim. Part of the action's one conditional write."""
    values: dict[str, Any] = {"claimed_by_id": moderator_id, "claimed_until": until}
    if submission.status == Status.RECEIVED:
        move = TRANSITIONS[Action.CLAIM]
        audit.record(
            actor, Action.CLAIM, item=submission.public_id, from_status=submission.status, to_status=move.to
        )
        return {**values, "status": move.to}
    still_ours = (
        submission.claimed_by_id == moderator_id
        and submission.claimed_until is not None
        and submission.claimed_until > utcnow()
    )
    if not still_ours:  # renewing one's own live claim is not worth an audit row
        audit.record(actor, Action.CLAIM, item=submission.public_id)
    return values


def decide(
    submission: Submission,
    action: Action,
    *,
    seen_version: int,
    moderator_id: int,
    actor: str,
    detail: str = "",
    claim_until: dt.datetime | None = None,
) -> None:
    """A moderator's decision (ask, approve, decline), written only if the item is still at the
    version they saw, still open and not held by someone else. Asking keeps the item claimed by
    the one who asked (until `claim_until`, when given); approving and declining free it."""
    move = TRANSITIONS[action]
    check(submission, seen_version=seen_version, allowed_from=move.allowed_from, moderator_id=moderator_id)
    audit.record(
        actor,
        action,
        item=submission.public_id,
        from_status=submission.status,
        to_status=move.to,
        detail=detail,
    )
    values: dict[str, Any] = {"status": move.to}
    if move.to in FINAL:
        values["decided_on"] = today()
    if move.to == Status.DECLINED:
        transparency.tally(transparency.declined(detail))
    if move.to != Status.WAITING:
        # Decided: nobody holds it any more. Asking keeps the claim for when the answer comes.
        values["claimed_by_id"], values["claimed_until"] = None, None
    elif claim_until is not None:
        values["claimed_by_id"], values["claimed_until"] = moderator_id, claim_until
    _write(
        submission,
        values,
        allowed_from=move.allowed_from,
        seen_version=seen_version,
        claimant=moderator_id,
    )


def edit(
    submission: Submission,
    audit_action: str,
    *,
    seen_version: int,
    moderator_id: int,
    actor: str,
    detail: str = "",
    warning_count: int | None = None,
    claim_until: dt.datetime | None = None,
) -> None:
    """A moderator's change to an open item (redactions, wording, themes, a note): the version
    moves on, on the same conditions as a decision. With `claim_until`, the change also claims
    the item for the moderator (a new item moves into review): a moderator's first action on an
    item is what claims it. `warning_count`, when given, is how many re-identification warnings
    the new draft still raises (the queue's count and filter)."""
    check(submission, seen_version=seen_version, allowed_from=EDITABLE, moderator_id=moderator_id)
    values: dict[str, Any] = {} if warning_count is None else {"warning_count": warning_count}
    if claim_until is not None:
        values |= _claim_values(submission, moderator_id=moderator_id, actor=actor, until=claim_until)
    audit.record(actor, audit_action, item=submission.public_id, detail=detail)
    _write(submission, values, allowed_from=EDITABLE, seen_version=seen_version, claimant=moderator_id)


def release(submission: Submission, *, seen_version: int, actor: str) -> None:
    """An admin frees an item someone holds (whatever its status)."""
    check(submission, seen_version=seen_version, allowed_from=ALL, moderator_id=None)
    audit.record(actor, "release", item=submission.public_id)
    _write(
        submission,
        {"claimed_by_id": None, "claimed_until": None},
        allowed_from=ALL,
        seen_version=seen_version,
    )


def check(
    submission: Submission, *, seen_version: int, allowed_from: Collection[str], moderator_id: int | None
) -> None:
    """Refuse early, from what was read, a write the conditional UPDATE would refuse anyway."""
    now = utcnow()
    if submission.version != seen_version or submission.status not in allowed_from:
        raise StateConflict(status=submission.status, version=submission.version)
    if moderator_id is not None and _held_by_other(submission, moderator_id, now):
        holder = submission.claimed_by.name if submission.claimed_by else "another moderator"
        raise StateConflict(status=submission.status, version=submission.version, holder=holder)


def _held_by_other(submission: Submission, moderator_id: int, now: dt.datetime) -> bool:
    return (
        submission.claimed_by_id is not None
        and submission.claimed_by_id != moderator_id
        and submission.claimed_until is not None
        and submission.claimed_until > now
    )


def _claim_free_for(moderator_id: int, now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        Submission.claimed_by_id.is_(None),
        Submission.claimed_by_id == moderator_id,
        Submission.claimed_until.is_(None),
        Submission.claimed_until <= now,
    )


# ---- the submitter's side: no version in the form, so lock the row before reading it ----------


def lock(submission: Submission) -> None:
    """Lock the submission's row, then read its state afresh. Held until the caller commits.
    Raises StateConflict (status None) if the row is gone."""
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: what an UPDATE of the row takes; inserts of its blobs (which only need
        # the key to stay) are not held up by it.
        row = db.session.execute(
            select(Submission.id).where(Submission.id == submission.id).with_for_update(key_share=True)
        ).first()
        found = row is not None
    else:
        # SQLite has no row locks: a write takes the database's one write lock, held to commit,
        # and the read below then sees the latest committed state.
        result = db.session.execute(
            update(Submission)
            .where(Submission.id == submission.id)
            .values(version=Submission.version)
            .execution_options(synchronize_session=False)
        )
        found = result.rowcount == 1  # type: ignore[attr-defined]
    if not found:
        raise StateConflict(status=None, version=None)
    db.session.refresh(submission)


def submitter_wrote(submission: Submission) -> None:
    """The submitter sent a message: the version moves on (a moderator's open form is now stale,
    so they see the message before deciding), and a question waiting for an answer goes back into
    review. Not audited (see the module's docstring)."""
    lock(submission)
    if submission.status not in SUBMITTER_MAY_WRITE:
        raise StateConflict(status=submission.status, version=submission.version)
    values: dict[str, Any] = {}
    if submission.status in TRANSITIONS[Action.REPLY].allowed_from:
        values["status"] = TRANSITIONS[Action.REPLY].to
    _write(submission, values, allowed_from={submission.status}, seen_version=submission.version)


def source_decides(submission: Submission, action: Action) -> None:
    """The submitter answers wording a moderator changed: ACCEPT (it may be published as it
    stands) or REVISE (back into review; the caller seals their message and drops the proposal
    under the same lock). Raises StateConflict if it is no longer waiting for them: withdrawn,
    or published once the stated period had passed. Not audited (see the module's docstring)."""
    if action not in (Action.ACCEPT, Action.REVISE):
        raise ValueError(f"{action} is not the submitter's to take")
    lock(submission)
    move = TRANSITIONS[action]
    if submission.status not in move.allowed_from:
        raise StateConflict(status=submission.status, version=submission.version)
    _write(
        submission,
        {"status": move.to},
        allowed_from=move.allowed_from,
        seen_version=submission.version,
    )


def submitter_added(submission: Submission) -> Status:
    """The submitter sends more of their testimony: the version moves on (a moderator's open
    form is stale), and an item waiting for an answer, or approved but not yet published, goes
    back into review so the moderators can take the new part in. Returns the status it had (the
    caller drops an approved wording under the same lock). Not audited (see the module's
    docstring)."""
    lock(submission)
    previous = Status(submission.status)
    if previous not in SUBMITTER_MAY_ADD:
        raise StateConflict(status=previous, version=submission.version)
    values: dict[str, Any] = {}
    if previous in TRANSITIONS[Action.ADD].allowed_from:
        # The claim stays as it is: a question's asker gets the answer back (as with a reply),
        # and a decision had already released it.
        values = {"status": TRANSITIONS[Action.ADD].to}
    _write(submission, values, allowed_from={previous}, seen_version=submission.version)
    return previous


def withdraw(submission: Submission) -> Status:
    """The submitter withdraws: whatever it was (even published a moment ago) it is withdrawn.
    Returns the status it had, so the submitter can be told what was undone. The caller deletes
    the content under the same lock. Not audited (see the module's docstring)."""
    lock(submission)
    previous = Status(submission.status)
    move = TRANSITIONS[Action.WITHDRAW]
    if previous not in move.allowed_from:
        raise StateConflict(status=previous, version=submission.version)
    _write(
        submission,
        {"status": move.to, "decided_on": today(), "warning_count": 0},
        allowed_from={previous},
        seen_version=submission.version,
    )
    transparency.tally(transparency.WITHDRAWN)
    return previous


# ---- publication ----------------------------------------------------------------------------


def lock_all(submission_ids: Iterable[int]) -> dict[int, str]:
    """Lock several submissions' rows (in id order, so two publishers cannot deadlock) and return
    their statuses as they are now. A withdrawal then either committed before (and shows here) or
    waits until the caller commits."""
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    query = select(Submission.id, Submission.status).where(Submission.id.in_(ids)).order_by(Submission.id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    else:
        db.session.execute(
            update(Submission)
            .where(Submission.id.in_(ids))
            .values(version=Submission.version)
            .execution_options(synchronize_session=False)
        )
    return {row.id: row.status for row in db.session.execute(query)}


def publish(submission_ids: Iterable[int], on: dt.date, *, source_wait_ended: ColumnElement[bool]) -> int:
    """APPROVED -> PUBLISHED for the submissions behind a digest being published (the caller has
    locked them with `lock_all`), and AWAITING_SOURCE -> PUBLISHED for those whose source's
    period has passed (`source_wait_ended`, a condition on Submission from
    approved.source_wait_ended). Returns how many moved. Not audited per item: the digest's
    publication is (a per-item row would date each one to the microsecond for nothing)."""
    ids = sorted(set(submission_ids))
    if not ids:
        return 0
    move = TRANSITIONS[Action.PUBLISH]
    ready = or_(
        Submission.status == Status.APPROVED,
        and_(Submission.status == Status.AWAITING_SOURCE, source_wait_ended),
    )
    result = db.session.execute(
        update(Submission)
        .where(Submission.id.in_(ids), Submission.status.in_(list(move.allowed_from)), ready)
        .values(status=move.to, version=Submission.version + 1, decided_on=on)
        .execution_options(synchronize_session="fetch")
    )
    moved = int(result.rowcount or 0)  # type: ignore[attr-defined]
    transparency.tally(transparency.PUBLISHED, moved, on=on)
    return moved


# ---- the one UPDATE -------------------------------------------------------------------------


def _write(
    submission: Submission,
    values: dict[str, Any],
    *,
    allowed_from: Collection[str],
    seen_version: int | None = None,
    claimant: int | None = None,
    bump: bool = True,
) -> None:
    now = utcnow()
    conditions: list[ColumnElement[bool]] = [
        Submission.id == submission.id,
        Submission.status.in_(sorted(allowed_from)),
    ]
    if seen_version is not None:
        conditions.append(Submission.version == seen_version)
    if claimant is not None:
        conditions.append(_claim_free_for(claimant, now))
    if bump:
        values = {**values, "version": Submission.version + 1}
    result = db.session.execute(
        update(Submission).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _as_it_is_now(submission.id, claimant, now)
    db.session.refresh(submission)


def _as_it_is_now(submission_id: int, claimant: int | None, now: dt.datetime) -> StateConflict:
    row = db.session.execute(
        select(
            Submission.status, Submission.version, Submission.claimed_by_id, Submission.claimed_until
        ).where(Submission.id == submission_id)
    ).first()
    if row is None:
        return StateConflict(status=None, version=None)
    holder = None
    if (
        claimant is not None
        and row.claimed_by_id not in (None, claimant)
        and row.claimed_until is not None
        and row.claimed_until > now
    ):
        holder = db.session.scalar(select(Moderator.name).where(Moderator.id == row.claimed_by_id)) or (
            "another moderator"
        )
    return StateConflict(status=row.status, version=row.version, holder=holder)
