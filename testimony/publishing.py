"""Publication: what is public, and making it so.

A contribution is public only while all of these hold: it is not withdrawn, it sits in a digest,
and that digest's `published_at` is set and not in the future. Every public page, feed, search
result and API response asks this module, so the rule lives in one place.

Publication is decoupled from approval: approving creates an unpublished contribution; only an
editor putting it in a digest and publishing the digest (now, or at a scheduled time through
`flask digests publish-due`) makes it public. The functions that depend on the time take `now`.

Every change to a draft digest starts with `lock_draft`: one conditional UPDATE that moves the
digest's version on (and, on PostgreSQL, holds its row until commit). The editor's publish and
schedule forms carry the version they showed, so a digest that changed since the editor looked is
never published unseen; and a change arriving after publication finds it published. Publishing
then locks the contributions' submissions (testimony/lifecycle.py: lock_all), so a withdrawal
either committed first (and publication is refused) or waits, and then takes the contribution
down. Lock order: digest, then submissions, then contributions. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from testimony import approved, audit, lifecycle, publication_log, search
from testimony.db import db
from testimony.models import Contribution, Digest, DigestKind, Status, Submission, Theme, utcnow

WITHDRAWN_NOTE = "A contribution was withdrawn by its author."


class PublishError(Exception):
    """The digest cannot be published as it stands (the message says why, for editors)."""


class DigestChanged(PublishError):
    """The digest is not as the editor saw it: changed since they looked, or a contribution in
    it was withdrawn. Nothing was written."""


class NotDue(PublishError):
    """A scheduled digest stopped being due (unscheduled, changed or published meanwhile)."""


def now() -> dt.datetime:
    return utcnow()


# ---- identifiers from the outside -----------------------------------------------------------

_KEY = re.compile(r"[A-Za-z0-9_-]{1,120}")


def valid_key(value: str | None) -> bool:
    """Slugs and public ids are short runs of letters, digits, - and _. Anything else (a NUL byte,
    which PostgreSQL refuses, or megabytes of text) is simply not found."""
    return bool(value) and _KEY.fullmatch(value or "") is not None


def find_theme(slug: str | None) -> Theme | None:
    if not valid_key(slug):
        return None
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


# ---- what is public --------------------------------------------------------------------------


def digest_is_public(when: dt.datetime) -> ColumnElement[bool]:
    return and_(Digest.published_at.is_not(None), Digest.published_at <= when)


def contribution_is_public(when: dt.datetime) -> ColumnElement[bool]:
    """For queries that join Contribution to Digest."""
    return and_(digest_is_public(when), Contribution.withdrawn.is_(False))


def is_public(contribution: Contribution, when: dt.datetime | None = None) -> bool:
    when = when or now()
    digest = contribution.digest
    return (
        not contribution.withdrawn
        and digest is not None
        and digest.published_at is not None
        and digest.published_at <= when
    )


def published_digests(when: dt.datetime | None = None) -> Select[Digest]:
    """Published digests, newest first (ties broken by id, so the order is total)."""
    return (
        select(Digest)
        .where(digest_is_public(when or now()))
        .order_by(Digest.published_at.desc(), Digest.id.desc())
        .options(selectinload(Digest.themes))
    )


def published_contributions(when: dt.datetime | None = None) -> Select[Contribution]:
    """Public contributions (never withdrawn ones), newest digest first, then in digest order."""
    return (
        select(Contribution)
        .join(Digest, Contribution.digest_id == Digest.id)
        .where(contribution_is_public(when or now()))
        .order_by(*contribution_order())
        .options(selectinload(Contribution.themes), selectinload(Contribution.digest))
    )


def contribution_order() -> list[Any]:
    return [Digest.published_at.desc(), Digest.id.desc(), Contribution.position, Contribution.public_id]


def with_theme(query: Select[Contribution], slug: str) -> Select[Contribution]:
    return query.where(Contribution.themes.any(Theme.slug == slug))


def digest_with_theme(query: Select[Digest], slug: str) -> Select[Digest]:
    return query.where(Digest.themes.any(Theme.slug == slug))


def find_digest(slug: str, when: dt.datetime | None = None) -> Digest | None:
    if not valid_key(slug):
        return None
    return db.session.scalar(
        select(Digest)
        .where(Digest.slug == slug, digest_is_public(when or now()))
        # The page shows every contribution's themes: one query for all of them, not one each
        # (the 20 lazy loads were half the page's time; make bench, capacity_ceiling).
        .options(
            selectinload(Digest.themes),
            selectinload(Digest.contributions).selectinload(Contribution.themes),
        )
    )


def find_contribution(public_id: str, when: dt.datetime | None = None) -> Contribution | None:
    """A contribution in a published digest, withdrawn or not (the caller shows the note for a
    withdrawn one). Unpublished contributions are not found."""
    if not valid_key(public_id):
        return None
    return db.session.scalar(
        select(Contribution)
        .join(Digest, Contribution.digest_id == Digest.id)
        .where(Contribution.public_id == public_id, digest_is_public(when or now()))
    )


def responses_to(parent_ids: Iterable[int], when: dt.datetime | None = None) -> dict[int, list[Contribution]]:
    """Public responses to the given contributions, oldest digest first, grouped by parent id."""
    ids = list(parent_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Contribution)
        .join(Digest, Contribution.digest_id == Digest.id)
        .where(Contribution.in_reply_to_id.in_(ids), contribution_is_public(when or now()))
        .order_by(Digest.published_at, Digest.id, Contribution.position, Contribution.public_id)
    )
    grouped: dict[int, list[Contribution]] = {}
    for row in rows:
        assert row.in_reply_to_id is not None  # noqa: S101 - guaranteed by the query
        grouped.setdefault(row.in_reply_to_id, []).append(row)
    return grouped


def thread(
    parents: Sequence[Contribution], when: dt.datetime | None = None, depth: int = 4
) -> dict[int, list]:
    """Responses to `parents` and to those responses, `depth` levels down: {id: [responses]}."""
    replies: dict[int, list[Contribution]] = {}
    level = [c.id for c in parents]
    for _ in range(depth):
        found = responses_to(level, when)
        if not found:
            break
        replies.update(found)
        level = [r.id for rs in found.values() for r in rs if r.id not in replies]
    return replies


# ---- the editors' side -----------------------------------------------------------------------


def available_contributions(when: dt.datetime | None = None) -> Select[Contribution]:
    """Approved contributions not yet in any digest, oldest approval first. Their themes are
    sealed (testimony/approved.py): filter by theme with `approved.with_theme`. Wording still
    waiting for its source's OK is not among them until the period the site states has passed
    (approved.may_be_published)."""
    on = (when or now()).date()
    query = (
        select(Contribution)
        .outerjoin(Submission, Contribution.submission_id == Submission.id)
        .where(
            Contribution.digest_id.is_(None),
            Contribution.withdrawn.is_(False),
            approved.may_be_published(on),
        )
        .order_by(Contribution.approved_on, Contribution.id)
        .options(selectinload(Contribution.sealed))
    )
    return query


def lock_draft(digest: Digest, *, seen_version: int | None = None, due_by: dt.datetime | None = None) -> None:
    """Take the right to change (or publish) a draft digest: one conditional statement moves its
    version on, only if it is still unpublished, still at `seen_version` (when given: the version
    the editor's form was based on) and, with `due_by`, still scheduled by then. Raises
    PublishError if it was published, DigestChanged if it changed, NotDue if no longer due.
    Afterwards `digest` and its contributions are as they are now, under the lock."""
    conditions = [Digest.id == digest.id, Digest.published_at.is_(None)]
    if seen_version is not None:
        conditions.append(Digest.version == seen_version)
    if due_by is not None:
        conditions += [Digest.scheduled_for.is_not(None), Digest.scheduled_for <= due_by]
    result = db.session.execute(
        update(Digest)
        .where(*conditions)
        .values(version=Digest.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if due_by is not None:
            raise NotDue(f"{digest.slug} is no longer due")
        db.session.expire(digest)
        if db.session.scalar(select(Digest.id).where(Digest.id == digest.id)) is None:
            raise DigestChanged("This digest was deleted meanwhile.")
        if digest.published_at is not None:
            raise PublishError("This digest has been published, so it can no longer be changed here.")
        raise DigestChanged(
            "This digest changed since you opened it: someone added, removed or moved a contribution, "
            "edited its details, or scheduled it. Nothing was published or scheduled. Look it over, "
            "then try again."
        )
    db.session.refresh(digest)
    db.session.expire(digest, ["contributions"])
    list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.digest_id == digest.id)
            .execution_options(populate_existing=True)
        )
    )


def change_draft(digest: Digest, *, seen_version: int | None = None) -> bool:
    """Start a change to a draft digest's contents or details (add, remove, move, edit), if it
    is still the version the editor's form showed (`seen_version`, when the form says). A
    scheduled digest goes back to the drafts: what publishes itself later must be what the editor
    who scheduled it saw. Returns whether a schedule was cancelled."""
    lock_draft(digest, seen_version=seen_version)
    if digest.scheduled_for is None:
        return False
    digest.scheduled_for = None
    return True


def check_publishable(digest: Digest) -> None:
    withdrawn = [c for c in digest.contributions if c.withdrawn]
    if withdrawn:
        raise DigestChanged(_withdrawn_message(withdrawn))
    if not digest.title.strip():
        raise PublishError("Give the digest a title first.")
    if not digest.contributions:
        raise PublishError("Add at least one contribution first.")
    if digest.kind == DigestKind.SINGLE and len(digest.contributions) != 1:
        raise PublishError("A single post carries exactly one contribution.")


def _withdrawn_message(withdrawn: Sequence[Contribution]) -> str:
    ids = ", ".join(f"#{c.public_id}" for c in withdrawn)
    return (
        f"{ids} was withdrawn by its author. Nothing was published or scheduled: remove it from the "
        "digest, then try again."
    )


def _waiting_message(waiting: Sequence[Contribution]) -> str:
    ids = ", ".join(f"#{c.public_id}" for c in waiting)
    return (
        f"{ids} is waiting for its source's OK to the changed wording, and the period we told them "
        "about has not passed. Nothing was published or scheduled: remove it from the digest, or "
        "wait for their answer."
    )


def _no_contribution_waiting_for_source(digest_id: int, on: dt.date) -> ColumnElement[bool]:
    """True while every contribution in the digest is free to be published as far as its source
    is concerned: approved as they sent it, accepted by them, or past the stated period."""
    return ~exists().where(
        Contribution.digest_id == digest_id,
        Contribution.submission_id.in_(
            select(Submission.id).where(
                Submission.status.not_in([Status.APPROVED, Status.PUBLISHED, Status.WITHDRAWN]),
                ~and_(
                    Submission.status == Status.AWAITING_SOURCE,
                    approved.source_wait_ended(on),
                ),
            )
        ),
    )


def _no_withdrawn_contribution(digest_id: int) -> ColumnElement[bool]:
    """True while no contribution in the digest is withdrawn, or belongs to a withdrawn submission."""
    return ~exists().where(
        Contribution.digest_id == digest_id,
        or_(
            Contribution.withdrawn.is_(True),
            Contribution.submission_id.in_(
                select(Submission.id).where(Submission.status == Status.WITHDRAWN)
            ),
        ),
    )


def publish(
    digest: Digest,
    when: dt.datetime | None = None,
    *,
    seen_version: int | None = None,
    due_by: dt.datetime | None = None,
) -> None:
    """Publish `digest` at `when` (now by default): only if it is still the version the editor
    saw (`seen_version`, from their form; None for code that has just built it) and no
    contribution's submission is withdrawn. The caller commits, or rolls back on PublishError."""
    when = when or now()
    lock_draft(digest, seen_version=seen_version, due_by=due_by)
    contributions = list(digest.contributions)
    statuses = lifecycle.lock_all(c.submission_id for c in contributions if c.submission_id is not None)
    withdrawn = [
        c for c in contributions if c.withdrawn or statuses.get(c.submission_id or 0) == Status.WITHDRAWN
    ]
    if withdrawn:
        raise DigestChanged(_withdrawn_message(withdrawn))
    waiting = [
        c
        for c in contributions
        if c.submission_id is not None
        and statuses.get(c.submission_id) not in (Status.APPROVED, Status.WITHDRAWN)
        and not (
            statuses.get(c.submission_id) == Status.AWAITING_SOURCE
            and approved.wait_ends(c.approved_on) <= when.date()
        )
    ]
    if waiting:
        raise DigestChanged(_waiting_message(waiting))
    check_publishable(digest)
    # The statement that publishes checks again that nothing in it is withdrawn or still waiting
    # for its source's OK, and that the digest is still the version this transaction made:
    # whatever happened since, it is refused rather than published half-right.
    published = db.session.execute(
        update(Digest)
        .where(
            Digest.id == digest.id,
            Digest.version == digest.version,
            Digest.published_at.is_(None),
            _no_withdrawn_contribution(digest.id),
            _no_contribution_waiting_for_source(digest.id, when.date()),
        )
        .values(published_at=when)
        .execution_options(synchronize_session=False)
    )
    if published.rowcount != 1:  # type: ignore[attr-defined]
        raise DigestChanged("This digest changed while it was being published. Nothing was published.")
    db.session.refresh(digest, ["published_at"])
    # The one place approved wording becomes plain text (testimony/approved.py).
    for contribution in contributions:
        approved.reveal(contribution)
    lifecycle.publish(statuses.keys(), when.date(), source_wait_ended=approved.source_wait_ended(when.date()))
    db.session.flush()
    search.index(contributions)
    # Its signed manifest goes in the public log in the same transaction (testimony/publication_log.py).
    publication_log.record_publication(digest)


def schedule(digest: Digest, when: dt.datetime | None, *, seen_version: int | None = None) -> None:
    """Set (or with None, clear) the time a draft digest publishes itself, if it is still the
    version the editor saw (`seen_version`). The caller commits."""
    lock_draft(digest, seen_version=seen_version)
    if when is not None:
        check_publishable(digest)
    digest.scheduled_for = when


def due(when: dt.datetime) -> list[Digest]:
    query = (
        select(Digest)
        .where(Digest.published_at.is_(None), Digest.scheduled_for.is_not(None), Digest.scheduled_for <= when)
        .order_by(Digest.scheduled_for, Digest.id)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Two runners at once: each digest goes to one of them.
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


# Who the audit trail names for publications nobody clicked: `flask digests publish-due` and
# the background job runner (testimony/jobs.py).
SCHEDULER = "scheduler"


def publish_due(when: dt.datetime | None = None) -> tuple[list[Digest], list[tuple[Digest, str]]]:
    """Publish every scheduled digest whose time has come; nothing before its time. Each is
    checked as an editor's publication is (testimony/publishing.py: publish): a digest changed
    after it was scheduled is no longer scheduled (change_draft), and one holding a withdrawn
    contribution goes back to the drafts. Each is audited in the same transaction, which the
    caller commits. Returns (published, [(skipped, reason)])."""
    when = when or now()
    published: list[Digest] = []
    skipped: list[tuple[Digest, str]] = []
    for digest in due(when):
        try:
            publish(digest, when, due_by=when)
        except NotDue:
            continue
        except PublishError as exc:
            # Back to the drafts, where an editor sees it, rather than failing every run.
            digest.scheduled_for = None
            skipped.append((digest, str(exc)))
            audit.record(SCHEDULER, "digest_publish_failed", item=digest.slug[:32], detail=str(exc)[:255])
            continue
        published.append(digest)
        audit.record(
            SCHEDULER, "digest_published", item=digest.slug[:32], detail=f"scheduled: {digest.slug}"[:255]
        )
    return published, skipped


def remove_from_digest(contribution: Contribution) -> None:
    """Return a contribution to the pool (drafts only; the caller has called lock_draft or
    change_draft on its digest). The caller commits."""
    if contribution.digest is not None and contribution.digest.published_at is not None:
        raise PublishError("Contributions cannot be taken out of a published digest.")
    contribution.digest_id = None
    contribution.position = 0
