"""The queue: one status field seen as tabs, oldest first, with keyset pagination.

Each item shows what a moderator needs to choose (moderation/queue_cards.py): the first lines of
its redacted draft, opened for the logged-in moderator one page at a time (never the original),
its age and themes, whether the source replied, who holds it, how many re-identification
warnings its draft raises, and whether it is past a service target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from moderation import queue_cards
from moderation.theme_tags import tag_for
from moderation.views.auth import current_user, role_required, unlocked_private_key
from testimony.db import count_up_to, db
from testimony.models import Role, Status, Submission, SubmissionTag, Theme, today, utcnow

bp = Blueprint("desk_queue", __name__, url_prefix="/desk")

PAGE_SIZE = 50
COUNT_CAP = 1000
TABS: list[tuple[str, str]] = [
    (Status.RECEIVED, "New"),
    (Status.IN_REVIEW, "In review"),
    (Status.WAITING, "Waiting for submitter"),
    (Status.AWAITING_SOURCE, "Waiting for the source's OK"),
    (Status.APPROVED, "Approved"),
    (Status.PUBLISHED, "Published"),
    (Status.DECLINED, "Declined"),
    (Status.WITHDRAWN, "Withdrawn"),
]


@dataclass(frozen=True)
class Cursor:
    received_on: dt.date
    id: int

    def encode(self) -> str:
        return f"{self.received_on.isoformat()}_{self.id}"

    @staticmethod
    def decode(text: str) -> Cursor | None:
        try:
            day, ident = text.split("_", 1)
            return Cursor(dt.date.fromisoformat(day), int(ident))
        except ValueError:
            return None


def counts() -> dict[str, str]:
    """How many items each tab holds, counted up to COUNT_CAP ("1000+" beyond). Exact counts
    read every published and declined item on every queue view, so the desk slowed down with
    the site's whole history (make bench, capacity_scale); capped, each tab reads at most
    COUNT_CAP + 1 entries of the status index."""
    capped = [
        count_up_to(select(Submission.id).where(Submission.status == status), COUNT_CAP).scalar_subquery()
        for status, _ in TABS
    ]
    row = db.session.execute(select(*capped)).one()
    return {
        status: f"{COUNT_CAP}+" if int(n) > COUNT_CAP else str(int(n))
        for (status, _), n in zip(TABS, row, strict=True)
    }


def page(status: str, *, after: Cursor | None, theme: str | None, warnings: bool) -> list[Submission]:
    query = select(Submission).where(Submission.status == status)
    if theme:
        query = query.where(
            Submission.id.in_(select(SubmissionTag.submission_id).where(SubmissionTag.tag == tag_for(theme)))
        )
    if warnings:
        query = query.where(Submission.warning_count > 0)
    if after is not None:
        query = query.where(
            or_(
                Submission.received_on > after.received_on,
                and_(Submission.received_on == after.received_on, Submission.id > after.id),
            )
        )
    query = (
        query.order_by(Submission.received_on, Submission.id)
        .limit(PAGE_SIZE + 1)
        .options(selectinload(Submission.claimed_by))
    )
    return list(db.session.scalars(query))


@bp.get("/")
@role_required(Role.MODERATOR)
def index() -> str:
    status = request.args.get("status", Status.RECEIVED)
    if status not in {s for s, _ in TABS}:
        status = Status.RECEIVED
    theme = request.args.get("theme") or None
    warnings = request.args.get("warnings") == "1"
    after = Cursor.decode(request.args.get("after", ""))
    items = page(status, after=after, theme=theme, warnings=warnings)
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    next_cursor = Cursor(items[-1].received_on, items[-1].id).encode() if more and items else None
    themes = list(db.session.scalars(select(Theme).order_by(Theme.name)))
    return render_template(
        "desk/queue.html",
        tabs=TABS,
        counts=counts(),
        status=status,
        cards=queue_cards.cards(
            items,
            moderator_id=current_user().id,
            private_key=unlocked_private_key(),
            today=today(),
            now=utcnow(),
            targets=targets(),
        ),
        theme_names={t.slug: t.name for t in themes},
        next_cursor=next_cursor,
        theme=theme,
        warnings=warnings,
        themes=themes,
        targets=targets(),
    )


def targets() -> queue_cards.Targets:
    return queue_cards.Targets(
        acknowledge_days=int(current_app.config.get("DESK_ACKNOWLEDGE_DAYS") or 0),
        decide_days=int(current_app.config.get("DESK_DECIDE_DAYS") or 0),
    )
