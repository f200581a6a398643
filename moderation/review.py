"""Reviewing one item: claim, adjust redactions, edit wording, themes, and decide.

Every form carries the item's version. A write based on an older version is refused with a
conflict page, so two moderators can never silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

import nlp
from moderation import item_state
from moderation.auth import current_user, role_required, unlocked_private_key
from moderation.tags import set_tags
from testimony import approved, audit, highlight, sealing, submissions
from testimony.db import db
from testimony.models import (
    Author,
    BlobKind,
    Contribution,
    Recipient,
    Role,
    Status,
    Submission,
    Theme,
    today,
    utcnow,
)
from testimony.text import clean

bp = Blueprint("desk_review", __name__, url_prefix="/desk/item")

CLAIM_FOR = dt.timedelta(minutes=15)
MAX_MESSAGE = 5_000
DECLINE_REASONS: dict[str, str] = {
    "identifying": "It would identify you or someone else even after redaction.",
    "out_of_scope": "It is not about working in the service.",
    "unverifiable": "It makes allegations about named people that we cannot publish.",
    "duplicate": "It repeats something you already sent.",
    "other": "Another reason, explained in the note.",
}
OPEN_STATUSES = {Status.RECEIVED, Status.IN_REVIEW, Status.WAITING}


class Conflict(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _get(public_id: str) -> Submission:
    submission = db.session.scalar(select(Submission).where(Submission.public_id == public_id))
    if submission is None:
        abort(404)
    return submission


def _held_by_other(submission: Submission) -> bool:
    me = current_user()
    return (
        submission.claimed_by_id is not None
        and submission.claimed_by_id != me.id
        and submission.claimed_until is not None
        and submission.claimed_until > utcnow()
    )


def _claim(submission: Submission) -> None:
    if _held_by_other(submission) or submission.status not in OPEN_STATUSES:
        return
    me = current_user()
    fresh = (
        submission.claimed_by_id != me.id
        or not submission.claimed_until
        or submission.claimed_until <= utcnow()
    )
    submission.claimed_by_id, submission.claimed_until = me.id, utcnow() + CLAIM_FOR
    if submission.status == Status.RECEIVED:
        audit.record(
            me.name,
            "claim",
            item=submission.public_id,
            from_status=submission.status,
            to_status=Status.IN_REVIEW,
        )
        submission.status = Status.IN_REVIEW
        submission.version += 1
    elif fresh:
        audit.record(me.name, "claim", item=submission.public_id)
    db.session.commit()


def _check_write(submission: Submission, *, check_claim: bool = True) -> None:
    """Refuse stale or contested writes."""
    try:
        version = int(request.form.get("version", ""))
    except ValueError as exc:
        raise Conflict("The form did not say which version of the item it was based on.") from exc
    if version != submission.version:
        raise Conflict("Someone changed this item after you opened it, so your change was not saved.")
    if check_claim and _held_by_other(submission):
        name = submission.claimed_by.name if submission.claimed_by else "another moderator"
        raise Conflict(f"{name} is working on this item, so your change was not saved.")


def _can_open(submission: Submission) -> bool:
    """Whether the bundle's data key is wrapped to the current user. A moderator added after an
    item arrived has no key until an admin grants access (moderation/grants.py); a withdrawn
    item has no bundle left, and nothing to open."""
    me = current_user()
    bundle = next((b for b in submission.blobs if b.kind == BlobKind.BUNDLE), None)
    return bundle is None or any(
        k.recipient == Recipient.MODERATOR and k.moderator_id == me.id for k in bundle.keys
    )


@bp.get("/<public_id>")
@role_required(Role.MODERATOR)
def item(public_id: str) -> str | tuple[str, int]:
    submission = _get(public_id)
    # Without a key, no claim: opening the page must not lock out moderators who can read it.
    if not _can_open(submission):
        return render_template("desk/no_access.html", item=submission), 403
    _claim(submission)
    return _render(submission)


def _render(
    submission: Submission, *, error: str | None = None, notice: str | None = None, code: int = 200
) -> Any:
    me = current_user()
    if submission.status == Status.WITHDRAWN:
        return render_template("desk/item_withdrawn.html", item=submission), code
    try:
        state = item_state.load(submission, me.id, unlocked_private_key())
    except sealing.NoKeyForReader:
        return render_template("desk/no_access.html", item=submission), 403
    spans = [(s.start, s.end, s.label, s.replacement) for s in state.spans]
    return render_template(
        "desk/item.html",
        item=submission,
        state=state,
        segments=highlight.split(state.original, spans),
        themes=list(db.session.scalars(select(Theme).order_by(Theme.name))),
        held_by_other=_held_by_other(submission),
        can_decide=submission.status in OPEN_STATUSES and not _held_by_other(submission),
        reasons=DECLINE_REASONS,
        kinds=nlp.KIND_NAMES,
        error=error,
        notice=notice,
    ), code


@bp.post("/<public_id>/<action>")
@role_required(Role.MODERATOR)
def act(public_id: str, action: str) -> Any:
    submission = _get(public_id)
    handler = ACTIONS.get(action)
    if handler is None:
        abort(404)
    # Deciding, asking, noting or editing an item needs being able to read it: before this
    # check a moderator without a grant could decline (and so, via retention, delete) items
    # they could not open. Releasing a claim (admins only) reads nothing, so it stays open.
    if action != "release" and not _can_open(submission):
        return render_template("desk/no_access.html", item=submission), 403
    try:
        _check_write(submission, check_claim=action != "release")
        if action != "release" and submission.status not in OPEN_STATUSES:
            raise Conflict("This item has already been decided, so it cannot be changed here.")
        notice = handler(submission)
    except Conflict as exc:
        db.session.rollback()
        return render_template("desk/conflict.html", item=submission, reason=exc.reason), 409
    except _FormProblem as exc:
        db.session.rollback()
        return _render(submission, error=str(exc), code=400)
    submission.version += 1
    db.session.commit()
    flash(notice)
    if submission.status in OPEN_STATUSES:
        return redirect(url_for("desk_review.item", public_id=public_id))
    return redirect(url_for("desk_queue.index", status=submission.status))


class _FormProblem(ValueError):
    """Something in the form needs fixing; the page is shown again with the message."""


def _state(submission: Submission) -> item_state.ItemState:
    return item_state.load(submission, current_user().id, unlocked_private_key())


def _save_draft(submission: Submission, state: item_state.ItemState) -> None:
    sealing.seal_blob(
        submission,
        kind=BlobKind.DRAFT,
        author=Author.MODERATOR,
        payload=state.draft_payload(),
        readers=sealing.staff_readers(),
        moderator_id=current_user().id,
    )


def _redactions(submission: Submission) -> str:
    state = _state(submission)
    active = set(request.form.getlist("span"))
    before = sum(s.active for s in state.spans)
    for index, span in enumerate(state.spans):
        span.active = str(index) in active
    added = 0
    passage = request.form.get("strike_text", "")
    if passage.strip():
        label = request.form.get("strike_label", "PERSON")
        if label not in nlp.KIND_NAMES:
            raise _FormProblem("Choose what kind of detail the passage is.")
        added = item_state.strike_passage(state, passage, label)
        if added == 0:
            raise _FormProblem(
                "That passage does not appear in the original exactly as typed (or is already struck)."
            )
    state.rebuild_draft()
    _save_draft(submission, state)
    after = sum(s.active for s in state.spans)
    audit.record(
        current_user().name,
        "redaction_changed",
        item=submission.public_id,
        detail=f"struck {after} (was {before}); added {added}",
    )
    return "Redactions saved."


def _wording(submission: Submission) -> str:
    state = _state(submission)
    draft = clean(request.form.get("draft", ""))
    if not draft:
        raise _FormProblem("The draft cannot be empty.")
    state.draft, state.edited = draft, True
    _save_draft(submission, state)
    audit.record(current_user().name, "draft_edited", item=submission.public_id)
    return "Wording saved."


def _chosen_themes() -> list[str]:
    known = set(db.session.scalars(select(Theme.slug)))
    return sorted({slug for slug in request.form.getlist("theme") if slug in known})


def _themes(submission: Submission) -> str:
    state = _state(submission)
    state.themes = _chosen_themes()
    _save_draft(submission, state)
    set_tags(submission, state.themes)
    audit.record(
        current_user().name, "themes_set", item=submission.public_id, detail=f"{len(state.themes)} themes"
    )
    return "Themes saved."


def _approve(submission: Submission) -> str:
    state = _state(submission)
    state.themes = (
        _chosen_themes() if "theme" in request.form or "themes_sent" in request.form else state.themes
    )
    if not state.draft.strip():
        raise _FormProblem("There is no text to approve.")
    set_tags(submission, state.themes)
    contribution = Contribution(submission_id=submission.id)
    # Still unpublished testimony: wording, themes and what it answers stay sealed until its
    # digest is published (testimony/approved.py).
    approved.seal(contribution, state.draft, themes=state.themes, in_reply_to=state.in_reply_to)
    submission.in_reply_to = None  # set only on items stored by older versions
    db.session.add(contribution)
    _decide(submission, Status.APPROVED, "approve")
    return "Approved. An editor can now put it in a digest."


def _decline(submission: Submission) -> str:
    reason = request.form.get("reason", "")
    if reason not in DECLINE_REASONS:
        raise _FormProblem("Choose a reason for declining.")
    note = clean(request.form.get("note", ""))[:MAX_MESSAGE]
    text = DECLINE_REASONS[reason] + (f"\n\n{note}" if note else "")
    _seal(submission, BlobKind.MESSAGE, {"text": text, "decline": reason}, to_submitter=True)
    _decide(submission, Status.DECLINED, "decline", detail=reason)
    return "Declined. The submitter will see the reason."


def _ask(submission: Submission) -> str:
    text = _message_text("question")
    _seal(submission, BlobKind.MESSAGE, {"text": text}, to_submitter=True)
    _decide(submission, Status.WAITING, "question")
    return "Question sent. The submitter sees it when they check their status."


def _note(submission: Submission) -> str:
    text = _message_text("note")
    _seal(submission, BlobKind.NOTE, {"text": text, "by": current_user().name}, to_submitter=False)
    audit.record(current_user().name, "note", item=submission.public_id)
    return "Note saved."


def _release(submission: Submission) -> str:
    if current_user().role != Role.ADMIN:
        abort(403)
    submission.claimed_by_id, submission.claimed_until = None, None
    audit.record(current_user().name, "release", item=submission.public_id)
    return "Released."


def _seal(submission: Submission, kind: str, payload: dict[str, Any], *, to_submitter: bool) -> None:
    submissions.add_moderator_blob(
        submission, kind=kind, payload=payload, moderator_id=current_user().id, to_submitter=to_submitter
    )


def _message_text(field: str) -> str:
    text = clean(request.form.get(field, ""))
    if not text:
        raise _FormProblem("The message is empty.")
    if len(text) > MAX_MESSAGE:
        raise _FormProblem(f"Messages can be up to {MAX_MESSAGE:,} characters.")
    return text


def _decide(submission: Submission, to_status: Status, action: str, detail: str = "") -> None:
    audit.record(
        current_user().name,
        action,
        item=submission.public_id,
        from_status=submission.status,
        to_status=to_status,
        detail=detail,
    )
    submission.status = to_status
    if to_status == Status.DECLINED:
        submission.decided_on = today()
    if to_status != Status.WAITING:
        submission.claimed_by_id, submission.claimed_until = None, None


ACTIONS = {
    "redactions": _redactions,
    "wording": _wording,
    "themes": _themes,
    "approve": _approve,
    "decline": _decline,
    "ask": _ask,
    "note": _note,
    "release": _release,
}
