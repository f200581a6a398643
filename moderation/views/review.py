"""Reviewing one item: claim, adjust redactions, edit wording, themes, and decide.

Every form carries the item's version. Each action is carried out by testimony/lifecycle.py as
one conditional write on that version (and on the item still being open and not held by someone
else), so a moderator can never silently overwrite another moderator or the submitter: a write
that loses gets the conflict page, saying what happened instead. Each handler checks its form
first, then makes the lifecycle write, then adds what goes with it (a draft, a message, a
contribution): so a refused write leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

import nlp
from moderation import item_state
from moderation.theme_tags import set_tags
from moderation.views.auth import current_user, role_required, unlocked_private_key
from testimony import approved, highlight, lifecycle, sealing, submissions
from testimony.db import db
from testimony.models import (
    BlobKind,
    Recipient,
    Role,
    Status,
    Submission,
    Theme,
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
OPEN_STATUSES = lifecycle.OPEN
STATUS_NAMES: dict[str, str] = {
    Status.RECEIVED: "new",
    Status.IN_REVIEW: "in review",
    Status.WAITING: "waiting for the submitter",
    Status.AWAITING_SOURCE: "approved, waiting for the source's OK",
    Status.APPROVED: "approved",
    Status.PUBLISHED: "published",
    Status.DECLINED: "declined",
    Status.WITHDRAWN: "withdrawn",
}


class Conflict(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def explain(conflict: lifecycle.StateConflict, seen_status: str) -> str:
    """What happened, for the moderator whose change lost."""
    if conflict.status is None:
        return "This item no longer exists (retention removed it), so your change was not saved."
    if conflict.status == Status.WITHDRAWN:
        return (
            "The submitter withdrew this testimony while you were working on it, so your change was "
            "not saved. Everything they sent has been deleted."
        )
    if conflict.holder:
        return f"{conflict.holder} is working on this item, so your change was not saved."
    if conflict.status != seen_status:
        now = STATUS_NAMES.get(conflict.status, conflict.status)
        return f"This item changed while you were working on it: it is now {now}. Your change was not saved."
    if conflict.status not in OPEN_STATUSES:
        return "This item has already been decided, so it cannot be changed here."
    return (
        "Someone changed this item after you opened it (a moderator saved something, or the "
        "submitter replied), so your change was not saved."
    )


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


def _holder(submission: Submission) -> str | None:
    """Who holds the item now (a claim that ran out holds nothing)."""
    if submission.claimed_by and submission.claimed_until and submission.claimed_until > utcnow():
        return submission.claimed_by.name
    return None


def _form_version() -> int:
    version = lifecycle.parse_version(request.form.get("version"))
    if version is None:
        raise Conflict("The form did not say which version of the item it was based on.")
    return version


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
    # Opening an item claims nothing: browsing must not lock items away from colleagues. The
    # first action on it does (`act`).
    if not _can_open(submission):
        return render_template("desk/no_access.html", item=submission), 403
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
    segments = highlight.split(state.original, spans)
    # Where each piece starts in the original: the select-to-strike script sends offsets.
    starts = list(itertools.accumulate((len(seg.text) for seg in segments), initial=0))
    checks = state.checked_warnings()
    return render_template(
        "desk/item.html",
        item=submission,
        state=state,
        pieces=list(zip(starts, segments, strict=False)),
        open_warnings=[c for c in checks if c.status == nlp.OPEN],
        resolved_warnings=[c for c in checks if c.status == nlp.RESOLVED],
        themes=list(db.session.scalars(select(Theme).order_by(Theme.name))),
        held_by_other=_held_by_other(submission),
        holder=_holder(submission),
        status_names=STATUS_NAMES,
        claim_minutes=int(CLAIM_FOR.total_seconds() // 60),
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
    seen_status = submission.status
    try:
        notice = handler(submission, _form_version())
    except lifecycle.StateConflict as exc:
        db.session.rollback()
        return render_template("desk/conflict.html", item=submission, reason=explain(exc, seen_status)), 409
    except Conflict as exc:
        db.session.rollback()
        return render_template("desk/conflict.html", item=submission, reason=exc.reason), 409
    except _FormProblem as exc:
        db.session.rollback()
        return _render(submission, error=str(exc), code=400)
    db.session.commit()
    flash(notice)
    if submission.status in OPEN_STATUSES:
        return redirect(url_for("desk_review.item", public_id=public_id))
    if request.form.get("then") == "next":
        following = next_item(submission, seen_status)
        if following is not None:
            return redirect(url_for("desk_review.item", public_id=following))
        flash("There are no more items in that part of the queue.")
        return redirect(url_for("desk_queue.index", status=seen_status))
    return redirect(url_for("desk_queue.index", status=submission.status))


NEXT_LOOKAHEAD = 20


def next_item(done: Submission, seen_status: str) -> str | None:
    """After "Approve and next": the oldest other item in the tab the decided one came from
    (else among new items) that this moderator can open and nobody else holds."""
    now = utcnow()
    me = current_user()
    for status in dict.fromkeys([seen_status, Status.RECEIVED]):
        if status not in OPEN_STATUSES:
            continue
        candidates = db.session.scalars(
            select(Submission)
            .where(
                Submission.status == status,
                Submission.id != done.id,
                or_(
                    Submission.claimed_by_id.is_(None),
                    Submission.claimed_by_id == me.id,
                    Submission.claimed_until.is_(None),
                    Submission.claimed_until <= now,
                ),
            )
            .order_by(Submission.received_on, Submission.id)
            .limit(NEXT_LOOKAHEAD)
        )
        for candidate in candidates:
            if _can_open(candidate):
                return candidate.public_id
    return None


CONFIRMABLE = ("approve", "decline")


@bp.get("/<public_id>/confirm/<decision>")
@role_required(Role.MODERATOR)
def confirm(public_id: str, decision: str) -> Any:
    """A plain page that asks before approving or declining: where the keyboard shortcuts a and
    d lead (no single key decides anything). Writes nothing; its form posts to `act`."""
    if decision not in CONFIRMABLE:
        abort(404)
    submission = _get(public_id)
    if not _can_open(submission):
        return render_template("desk/no_access.html", item=submission), 403
    if submission.status == Status.WITHDRAWN:
        return render_template("desk/item_withdrawn.html", item=submission)
    try:
        state = _state(submission)
    except sealing.NoKeyForReader:
        return render_template("desk/no_access.html", item=submission), 403
    version = lifecycle.parse_version(request.args.get("version")) or submission.version
    known = set(db.session.scalars(select(Theme.slug)))
    chosen = (
        sorted({slug for slug in request.args.getlist("theme") if slug in known})
        if "themes_sent" in request.args
        else state.themes
    )
    themes = {t.slug: t.name for t in db.session.scalars(select(Theme).order_by(Theme.name))}
    reason = request.args.get("reason", "")
    return render_template(
        "desk/confirm.html",
        item=submission,
        decision=decision,
        draft=state.draft,
        version=version,
        chosen=chosen,
        theme_names=themes,
        reasons=DECLINE_REASONS,
        reason=reason if reason in DECLINE_REASONS else "",
        can_decide=submission.status in OPEN_STATUSES and not _held_by_other(submission),
        then_next=request.args.get("then") == "next",
    )


class _FormProblem(ValueError):
    """Something in the form needs fixing; the page is shown again with the message."""


def _state(submission: Submission) -> item_state.ItemState:
    return item_state.load(submission, current_user().id, unlocked_private_key())


def _save_draft(submission: Submission, state: item_state.ItemState) -> None:
    item_state.save_draft(submission, state, current_user().id)


def _edit(
    submission: Submission,
    version: int,
    audit_action: str,
    detail: str = "",
    *,
    warning_count: int | None = None,
) -> None:
    me = current_user()
    lifecycle.edit(
        submission,
        audit_action,
        seen_version=version,
        moderator_id=me.id,
        actor=me.name,
        detail=detail,
        warning_count=warning_count,
        claim_until=utcnow() + CLAIM_FOR,
    )


def _decide(submission: Submission, version: int, action: lifecycle.Action, detail: str = "") -> None:
    me = current_user()
    lifecycle.decide(
        submission,
        action,
        seen_version=version,
        moderator_id=me.id,
        actor=me.name,
        detail=detail,
        claim_until=utcnow() + CLAIM_FOR,
    )


def _open_state(submission: Submission, version: int) -> item_state.ItemState:
    """The item's state, for a handler about to change it: refused at once if the form is stale."""
    me = current_user()
    lifecycle.check(submission, seen_version=version, allowed_from=OPEN_STATUSES, moderator_id=me.id)
    return _state(submission)


def _redactions(submission: Submission, version: int) -> str:
    state = _open_state(submission, version)
    before, struck_before = state.auto_draft(), state.struck()
    active = set(request.form.getlist("span"))
    for index, span in enumerate(state.spans):
        span.active = str(index) in active
    added = 0
    selection = _selection()
    if selection is not None:
        try:
            item_state.strike_selection(state, *selection)
        except ValueError as exc:
            raise _FormProblem(
                "The selected words could not be struck: select them again in the original text."
            ) from exc
        added += 1
    passage = request.form.get("strike_text", "")
    if passage.strip():
        label = request.form.get("strike_label", "DETAIL")
        if label not in nlp.KIND_NAMES:
            raise _FormProblem("Choose what kind of detail the passage is.")
        found = item_state.strike_passage(state, passage, label)
        if found == 0:
            raise _FormProblem(
                "That passage does not appear in the original exactly as typed (or is already struck)."
            )
        added += found
    clash = state.rebuild_draft(before=before, struck_before=struck_before)
    after = sum(s.active for s in state.spans)
    _edit(
        submission,
        version,
        "redaction_changed",
        f"struck {after} (was {len(struck_before)}); added {added}",
        warning_count=_open_count(state),
    )
    _save_draft(submission, state)
    if clash:
        return (
            "Redactions saved. Some of the change fell on words you had edited by hand, where your "
            "wording was kept: please check the draft."
        )
    if state.edited:
        return "Redactions saved. Your edits to the wording were kept."
    return "Redactions saved."


def _selection() -> tuple[int, int] | None:
    """The passage selected in the original by the select-to-strike script, as offsets."""
    start, end = request.form.get("strike_start", ""), request.form.get("strike_end", "")
    if not start.strip() and not end.strip():
        return None
    try:
        return int(start), int(end)
    except ValueError as exc:
        raise _FormProblem("The selected words could not be struck: select them again.") from exc


def _open_count(state: item_state.ItemState) -> int:
    return sum(1 for c in state.checked_warnings() if c.status == nlp.OPEN)


def _wording(submission: Submission, version: int) -> str:
    state = _open_state(submission, version)
    draft = clean(request.form.get("draft", ""))
    if not draft:
        raise _FormProblem("The draft cannot be empty.")
    state.draft, state.edited = draft, True
    _edit(submission, version, "draft_edited", warning_count=_open_count(state))
    _save_draft(submission, state)
    return "Wording saved."


def _chosen_themes() -> list[str]:
    known = set(db.session.scalars(select(Theme.slug)))
    return sorted({slug for slug in request.form.getlist("theme") if slug in known})


def _themes(submission: Submission, version: int) -> str:
    state = _open_state(submission, version)
    state.themes = _chosen_themes()
    _edit(submission, version, "themes_set", f"{len(state.themes)} themes")
    _save_draft(submission, state)
    set_tags(submission, state.themes)
    return "Themes saved."


def _approve(submission: Submission, version: int) -> str:
    state = _open_state(submission, version)
    state.themes = (
        _chosen_themes() if "theme" in request.form or "themes_sent" in request.form else state.themes
    )
    if not state.draft.strip():
        raise _FormProblem("There is no text to approve.")
    # Issue 15: wording that differs from what the source sent waits for their OK on the status
    # page, or for SOURCE_APPROVAL_DAYS (testimony/approved.py); unchanged wording is approved.
    changed = approved.needs_source_ok(state.sent_draft, state.draft)
    _decide(submission, version, lifecycle.Action.PROPOSE if changed else lifecycle.Action.APPROVE)
    set_tags(submission, state.themes)
    # Still unpublished testimony: wording, themes and what it answers stay sealed until its
    # digest is published (testimony/approved.py).
    approved.approve(submission, state.draft, themes=state.themes, in_reply_to=state.in_reply_to)
    if changed:
        return (
            "Approved with changes. The source is asked to accept the new wording; an editor can put "
            f"it in a digest once they do, or after {approved.source_approval_days()} days without an answer."
        )
    return "Approved. An editor can now put it in a digest."


def _decline(submission: Submission, version: int) -> str:
    reason = request.form.get("reason", "")
    if reason not in DECLINE_REASONS:
        raise _FormProblem("Choose a reason for declining.")
    note = clean(request.form.get("note", ""))[:MAX_MESSAGE]
    text = DECLINE_REASONS[reason] + (f"\n\n{note}" if note else "")
    _decide(submission, version, lifecycle.Action.DECLINE, detail=reason)
    _seal(submission, BlobKind.MESSAGE, {"text": text, "decline": reason}, to_submitter=True)
    return "Declined. The submitter will see the reason."


def _ask(submission: Submission, version: int) -> str:
    text = _message_text("question")
    _decide(submission, version, lifecycle.Action.ASK)
    _seal(submission, BlobKind.MESSAGE, {"text": text}, to_submitter=True)
    return "Question sent. The submitter sees it when they check their status."


def _note(submission: Submission, version: int) -> str:
    text = _message_text("note")
    _edit(submission, version, "note")
    _seal(submission, BlobKind.NOTE, {"text": text, "by": current_user().name}, to_submitter=False)
    return "Note saved."


def _release(submission: Submission, version: int) -> str:
    if current_user().role != Role.ADMIN:
        abort(403)
    lifecycle.release(submission, seen_version=version, actor=current_user().name)
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


ACTIONS: dict[str, Callable[[Submission, int], str]] = {
    "redactions": _redactions,
    "wording": _wording,
    "themes": _themes,
    "approve": _approve,
    "decline": _decline,
    "ask": _ask,
    "note": _note,
    "release": _release,
}
