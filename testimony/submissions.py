"""What happens to a testimony: storing it sealed, finding it by codename, messages, withdrawal."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError

from nlp import Redaction
from testimony import (
    approved,
    codenames,
    erasure,
    instance_keys,
    lifecycle,
    publication_log,
    publishing,
    sealing,
    transparency,
)
from testimony.db import db
from testimony.models import (
    Author,
    BlobKind,
    Contribution,
    Recipient,
    SealedBlob,
    Status,
    Submission,
    SubmissionTag,
)
from testimony.text import day_text

# What the submitter sees for each status: calm, plain, no jargon.
STATUS_TEXT: dict[str, str] = {
    Status.RECEIVED: "Received. A moderator has not read it yet.",
    Status.IN_REVIEW: "A moderator is reading it.",
    Status.WAITING: "A moderator has a question for you. Please read it below.",
    Status.AWAITING_SOURCE: (
        "Approved with changes. Please read the wording below: it is what we would publish. "
        "Accept it, ask for more changes, or withdraw."
    ),
    Status.APPROVED: "Approved. It will appear in a future digest.",
    Status.PUBLISHED: "Published.",
    Status.DECLINED: "Not published. The reason is below.",
    Status.WITHDRAWN: "Withdrawn.",  # followed by erasure.withdrawal_promise(): see status_text
}


def status_text(status: str) -> str:
    text = STATUS_TEXT.get(status, status)
    if status == Status.WITHDRAWN:
        return f"{text} {erasure.withdrawal_promise()}"
    return text


@dataclass(frozen=True)
class Message:
    author: str
    text: str
    sent_on: str


def codename_settings() -> codenames.CodenameSecrets:
    keys = instance_keys.current(current_app)
    cfg = current_app.config
    return codenames.CodenameSecrets(
        lookup_salt=keys.lookup_salt,
        keypair_salt=keys.keypair_salt,
        time_cost=cfg["CODENAME_ARGON2_TIME_COST"],
        memory_kib=cfg["CODENAME_ARGON2_MEMORY_KIB"],
    )


def store(redaction: Redaction, *, in_reply_to: str | None = None) -> tuple[Submission, str]:
    """Seal and commit a new submission. Returns it and its codename.

    The codename is returned only after the commit succeeded: a codename shown to a person
    always points at a stored submission. Raises SQLAlchemyError when nothing was stored, and
    StoreInDoubt when the commit's outcome could not be learnt.
    """
    settings = codename_settings()
    while True:
        codename = codenames.generate()
        derived = codenames.derive(codename, settings)
        # A collision has odds of about 2^-90; checking costs one indexed read.
        if db.session.scalar(select(Submission.id).where(Submission.lookup_id == derived.lookup_id)) is None:
            break
    submission = lifecycle.new_submission(
        lookup_id=derived.lookup_id,
        submitter_public_key=derived.keypair.public,
        warning_count=len(redaction.warnings),
    )
    db.session.add(submission)
    transparency.tally(transparency.RECEIVED)  # this month's count, nothing more (testimony/transparency.py)
    sealing.seal_blob(
        submission,
        kind=BlobKind.BUNDLE,
        author=Author.SUBMITTER,
        # What it answers is sealed with it: it says what unpublished testimony is about.
        payload={"redaction": redaction.to_dict(), "in_reply_to": in_reply_to},
        readers=sealing.staff_readers(),
    )
    # The struck-out text alone, to the submitter too (with the key pair only their codename
    # derives): when a moderator changes the wording, the status page marks the changes against
    # it. Never the original: a codename and a copy of the database together must not open the
    # names the redactor struck (docs/THREAT_MODEL.md).
    sealing.seal_blob(
        submission,
        kind=BlobKind.SENT,
        author=Author.SUBMITTER,
        payload={"text": redaction.redacted},
        readers=[*sealing.staff_readers(), sealing.Reader(Recipient.SUBMITTER, derived.keypair.public)],
    )
    db.session.flush()  # an error up to here means nothing was stored
    try:
        db.session.commit()
    except DBAPIError:
        # The connection died during COMMIT (database restarted or crashed): the server may have
        # committed before it went, and then "nothing was stored" would be a lie and the codename
        # lost (tests/test_faults.py saw it with `pg_ctl restart -m immediate`). Ask again.
        db.session.rollback()
        stored = _find_after_lost_commit(derived.lookup_id)
        if stored is None:
            raise
        current_app.logger.warning("a commit's answer was lost; the submission was stored after all")
        return stored, codename
    return submission, codename


class StoreInDoubt(Exception):
    """A commit's answer was lost and the database did not come back in time to say whether it
    was stored. The submitter must be told we do not know, never that nothing was stored."""


# Well under gunicorn's 30 s timeout; a restart (even crash recovery) is back within seconds.
LOST_COMMIT_WAIT_SECONDS = 10.0


def _find_after_lost_commit(lookup_id: str) -> Submission | None:
    """The submission, if its commit went through after all; None if it surely did not."""
    deadline = time.monotonic() + LOST_COMMIT_WAIT_SECONDS
    while True:
        try:
            return db.session.scalar(select(Submission).where(Submission.lookup_id == lookup_id))
        except DBAPIError as error:
            db.session.rollback()
            if time.monotonic() > deadline:
                raise StoreInDoubt from error
            time.sleep(0.5)


def find(codename: str) -> tuple[Submission | None, codenames.Derived]:
    """The submission for a codename, or None. Derivation runs in full either way."""
    derived = codenames.derive(codename, codename_settings())
    submission = db.session.scalar(select(Submission).where(Submission.lookup_id == derived.lookup_id))
    return submission, derived


def messages_for_submitter(submission: Submission, derived: codenames.Derived) -> list[Message]:
    """The conversation, opened with the key pair only the codename can derive."""
    messages: list[Message] = []
    for blob in sorted(submission.blobs, key=lambda b: b.seq):
        if blob.kind != BlobKind.MESSAGE:
            continue
        payload: dict[str, Any] = sealing.open_blob(blob, Recipient.SUBMITTER, derived.keypair.private)
        messages.append(Message(author=blob.author, text=payload["text"], sent_on=day_text(blob.created_on)))
    return messages


def sent_wording(submission: Submission, derived: codenames.Derived) -> str | None:
    """The struck-out text the submitter previewed and sent, opened with their codename's key;
    None when it was not sealed to them (sent before 2026-12) or is gone."""
    sent = next((b for b in submission.blobs if b.kind == BlobKind.SENT), None)
    if sent is None:
        return None
    try:
        payload = sealing.open_blob(sent, Recipient.SUBMITTER, derived.keypair.private)
    except sealing.NoKeyForReader:
        return None
    text: str = payload["text"]
    return text


@dataclass(frozen=True)
class Proposal:
    """Wording a moderator approved with changes, as the submitter sees it."""

    text: str  # what would be published
    sent: str | None  # what they sent, when it can be opened for them
    wait_ends: dt.date  # from this day it may be published without their OK


def proposal(submission: Submission, derived: codenames.Derived) -> Proposal | None:
    """The wording waiting for the submitter's OK, or None if nothing waits for them."""
    if submission.status != Status.AWAITING_SOURCE:
        return None
    contribution = approved.proposal_for(submission)
    if contribution is None or not approved.is_sealed(contribution):
        return None
    return Proposal(
        text=approved.details(contribution).text,
        sent=sent_wording(submission, derived),
        wait_ends=approved.wait_ends(contribution.approved_on),
    )


def wording_to_publish(submission: Submission) -> str | None:
    """The approved wording an editor may publish, for a submitter whose testimony is approved
    (as they sent it, or as they accepted it); None otherwise."""
    if submission.status != Status.APPROVED:
        return None
    contribution = approved.proposal_for(submission)
    if contribution is None or not approved.is_sealed(contribution):
        return None
    return approved.details(contribution).text


def accept_wording(submission: Submission) -> None:
    """The submitter accepts the changed wording: it may go into a digest as it stands. Raises
    lifecycle.StateConflict if it no longer waits for them. The caller commits."""
    lifecycle.source_decides(submission, lifecycle.Action.ACCEPT)


def ask_for_changes(submission: Submission, text: str) -> None:
    """The submitter asks for more changes: their message goes to the moderators, the item goes
    back into review and the proposed wording is dropped, all under the row lock, so an editor's
    publication either committed first (the caller gets StateConflict) or finds it in review.
    The caller commits."""
    lifecycle.source_decides(submission, lifecycle.Action.REVISE)
    approved.drop_proposal(submission)
    sealing.seal_blob(
        submission,
        kind=BlobKind.MESSAGE,
        author=Author.SUBMITTER,
        payload={"text": text, "asks_changes": True},
        readers=submitter_and_staff_readers(submission),
    )


def add_more(submission: Submission, redaction: Redaction) -> Status:
    """ "Send more": a further part of the same testimony, under the same codename. It joins the
    conversation as a message holding the struck-out text (what the submitter previewed), sealed
    to the staff and the submitter, and, for the moderators alone, the whole redaction (original,
    spans, warnings), sealed like the bundle to the staff only. Wording approved but not yet published is dropped, as when
    they ask for changes: the item goes back into review to take the new part in. Returns the
    status it had. Raises lifecycle.StateConflict if it can no longer take more (published,
    declined, withdrawn). The caller commits."""
    previous = lifecycle.submitter_added(submission)
    if previous in (Status.AWAITING_SOURCE, Status.APPROVED):
        approved.drop_proposal(submission)
    sealing.seal_blob(
        submission,
        kind=BlobKind.MESSAGE,
        author=Author.SUBMITTER,
        payload={"text": redaction.redacted, "addition": True},
        readers=submitter_and_staff_readers(submission),
    )
    sealing.seal_blob(
        submission,
        kind=BlobKind.ADDITION,
        author=Author.SUBMITTER,
        payload={"redaction": redaction.to_dict()},
        readers=sealing.staff_readers(),
    )
    return previous


def published_contribution(submission: Submission) -> Contribution | None:
    """The public contribution a published submission became (None before, or once withdrawn)."""
    if submission.status != Status.PUBLISHED:
        return None
    contribution = approved.proposal_for(submission)
    if contribution is None or contribution.withdrawn:
        return None
    return publishing.find_contribution(contribution.public_id)


def submitter_and_staff_readers(submission: Submission) -> list[sealing.Reader]:
    readers = sealing.staff_readers()
    readers.append(sealing.Reader(Recipient.SUBMITTER, submission.submitter_public_key))
    return readers


def add_moderator_blob(
    submission: Submission, *, kind: str, payload: dict[str, Any], moderator_id: int, to_submitter: bool
) -> None:
    """Seal a moderator's message (to_submitter) or internal note (staff only). Not committed."""
    readers = submitter_and_staff_readers(submission) if to_submitter else sealing.staff_readers()
    sealing.seal_blob(
        submission,
        kind=kind,
        author=Author.MODERATOR,
        payload=payload,
        readers=readers,
        moderator_id=moderator_id,
    )


def add_submitter_reply(submission: Submission, text: str) -> None:
    """Seal the submitter's message to the conversation. Raises lifecycle.StateConflict if the
    submission was withdrawn (or removed) meanwhile. The caller commits."""
    lifecycle.submitter_wrote(submission)
    sealing.seal_blob(
        submission,
        kind=BlobKind.MESSAGE,
        author=Author.SUBMITTER,
        payload={"text": text},
        readers=submitter_and_staff_readers(submission),
    )


def withdraw(submission: Submission) -> Status:
    """Delete everything the submitter sent. The row stays as a tombstone (status withdrawn,
    no content) so the desk's counts stay honest and the codename shows what happened.

    Returns the status it had: it may have been approved, or published, a moment before (the
    submitter is told). Raises lifecycle.StateConflict if it was already withdrawn or is gone.
    The caller commits. Everything below runs under the row lock lifecycle.withdraw takes, so a
    moderator's message or a publication either committed before (and is deleted or taken down
    here) or finds the item withdrawn."""
    previous = lifecycle.withdraw(submission)
    # Wrapped keys go with their blobs (ON DELETE CASCADE). Read past any blobs already loaded:
    # what counts is what is in the database now, under the lock.
    db.session.execute(
        delete(SealedBlob)
        .where(SealedBlob.submission_id == submission.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(submission, ["blobs"])
    # Published or not, the approved text goes too; pages show a short note in its place.
    for contribution in db.session.scalars(
        select(Contribution)
        .where(Contribution.submission_id == submission.id)
        .execution_options(populate_existing=True)
    ):
        digest = contribution.digest
        if digest is not None and digest.published_at is not None and not contribution.withdrawn:
            # The public log records that it went (the day only), so its absence is not a silent edit.
            number = [c.id for c in publication_log.numbered(digest.contributions)].index(contribution.id) + 1
            publication_log.record_withdrawal(contribution, number)
        contribution.withdrawn = True
        approved.forget(contribution)
        contribution.themes = []
    db.session.execute(delete(SubmissionTag).where(SubmissionTag.submission_id == submission.id))
    submission.in_reply_to = None  # only set on items stored by older versions
    db.session.flush()  # the search index drops withdrawn words on flush (testimony/search.py)
    return previous
