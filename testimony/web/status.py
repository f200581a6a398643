"""Coming back with a codename: status, messages, replies, withdrawal.

Nothing identifies a returning submitter between requests: there is no login session. Each
form on the status page carries the codename back in a hidden field, on a page that browsers
are told never to store (Cache-Control: no-store).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import TooManyRequests

import nlp
from testimony import codenames, compare, crowd, erasure, highlight, lifecycle, submissions
from testimony.db import db
from testimony.models import Status, Submission
from testimony.text import clean
from testimony.web import ratelimit, submit

bp = Blueprint("status", __name__)

MAX_REPLY_CHARS = 5_000
NOT_FOUND = (
    "We could not find testimony for that codename. Check each word and try again. "
    "Codenames are seven words separated by spaces."
)
REPLY_TOO_LATE = "This testimony was withdrawn, so it cannot take replies."
# What withdrawal did, by what the testimony was a moment before: the truth, even when a
# moderator's approval or an editor's publication had just won the race.
WITHDRAWN_FROM: dict[str, str] = {
    Status.APPROVED: (
        "Your testimony has been withdrawn. A moderator had approved it, but it had not been "
        "published, and now it will never be published."
    ),
    Status.PUBLISHED: (
        "Your testimony has been withdrawn. It had been published, and it has now been taken down: "
        "its words are deleted from this site, and a short note says a contribution was withdrawn "
        "by its author. Copies anyone made while it was public are beyond our reach."
    ),
}
WITHDRAWN = "Your testimony has been withdrawn. It had not been published."
# Accepting or asking for changes when the wording no longer waits for the submitter.
NO_LONGER_WAITING: dict[str, str] = {
    Status.PUBLISHED: (
        "The period for your answer had passed and the wording has now been published as shown. "
        "You can still withdraw it below, which takes it down."
    ),
    Status.WITHDRAWN: "This testimony was withdrawn, so there is nothing left to accept or change.",
    Status.APPROVED: "You have already accepted this wording.",
}
MORE_TOO_LATE: dict[str, str] = {
    Status.PUBLISHED: (
        "Your testimony has been published, so a new part cannot join it. You can respond to it "
        "instead (a response is new testimony, with a codename of its own)."
    ),
    Status.DECLINED: "Your testimony was not published, so it cannot take more. You can send new testimony.",
    Status.WITHDRAWN: "This testimony was withdrawn, so it cannot take more.",
}
NO_LONGER_WAITING_OTHER = (
    "Nothing is waiting for your answer now: the moderators have the text again. Check the messages below."
)


def _status_limit() -> str:
    return str(current_app.config["RATELIMIT_STATUS_PER_ADDRESS"])


def _status_global_limit() -> str:
    return str(current_app.config["RATELIMIT_STATUS_GLOBAL"])


@bp.get("/status")
def form() -> str:
    return render_template("status/form.html")


@bp.post("/status")
@ratelimit.per_address(_status_limit, methods=["POST"])
@ratelimit.everyone(_status_global_limit, methods=["POST"])
def post() -> tuple[str, int] | str:
    codename = codenames.normalise(request.form.get("codename", ""))[:200]
    if not codename:
        return render_template("status/form.html", error="Please enter your codename."), 400
    submission, derived = submissions.find(codename)
    if submission is None:
        # What was typed stays in the box (this page is never stored: Cache-Control no-store).
        return render_template("status/form.html", error=NOT_FOUND, typed=codename), 404

    action = request.form.get("action", "view")
    notice, error = None, None
    try:
        if action == "reply":
            notice, error = _reply(submission)
        elif action == "accept":
            notice, error = _accept(submission)
        elif action == "changes":
            notice, error = _ask_for_changes(submission)
        elif action == "more":
            notice, error = _send_more(submission)
            if notice is None and error is None:  # a preview: nothing written
                return _page(submission, derived, codename, notice=None, error=None, more_preview=True)
        elif action == "withdraw":
            notice, error = _withdraw(submission)
        db.session.commit()
        if action == "withdraw" and notice:
            erasure.scrub_after_commit()  # the deleted rows' bytes, out of the database files
    except lifecycle.StateConflict as conflict:
        db.session.rollback()
        if conflict.status is None:  # removed by retention a moment ago
            return render_template("status/form.html", error=NOT_FOUND), 404
        db.session.refresh(submission)
        if action == "more":
            error = MORE_TOO_LATE.get(submission.status, REPLY_TOO_LATE)
        elif action in ("accept", "changes"):
            error = NO_LONGER_WAITING.get(submission.status, NO_LONGER_WAITING_OTHER)
        else:
            error = REPLY_TOO_LATE if action == "reply" else "This testimony was already withdrawn."
    return _page(submission, derived, codename, notice=notice, error=error), 400 if error else 200


def _reply(submission: Submission) -> tuple[str | None, str | None]:
    text = clean(request.form.get("reply", ""))
    if submission.status == Status.WITHDRAWN:
        return None, REPLY_TOO_LATE
    if not text:
        return None, "Your reply was empty, so nothing was sent."
    if len(text) > MAX_REPLY_CHARS:
        return None, f"Replies can be up to {MAX_REPLY_CHARS:,} characters; yours has {len(text):,}."
    submissions.add_submitter_reply(submission, text)
    return "Your reply was sent. A moderator will read it.", None


def _accept(submission: Submission) -> tuple[str | None, str | None]:
    if submission.status != Status.AWAITING_SOURCE:
        return None, NO_LONGER_WAITING.get(submission.status, NO_LONGER_WAITING_OTHER)
    submissions.accept_wording(submission)
    return (
        "Thank you. You accepted the wording: an editor can now put it in a digest, exactly as shown.",
        None,
    )


def _ask_for_changes(submission: Submission) -> tuple[str | None, str | None]:
    if submission.status != Status.AWAITING_SOURCE:
        return None, NO_LONGER_WAITING.get(submission.status, NO_LONGER_WAITING_OTHER)
    text = clean(request.form.get("changes", ""))
    if not text:
        return None, "Say what you would like changed, then press Ask for these changes."
    if len(text) > MAX_REPLY_CHARS:
        return None, f"Your message can be up to {MAX_REPLY_CHARS:,} characters; yours has {len(text):,}."
    submissions.ask_for_changes(submission, text)
    return (
        "Your request was sent. The wording will not be published: it goes back to the moderators, "
        "who will change it or ask you about it. Check back here.",
        None,
    )


def _more_text() -> str:
    return clean(request.form.get("more", ""))


def _send_more(submission: Submission) -> tuple[str | None, str | None]:
    """ "Send more": preview (nothing written; returns (None, None)) or send a further part."""
    text = _more_text()
    if submission.status not in lifecycle.SUBMITTER_MAY_ADD:
        return None, MORE_TOO_LATE.get(submission.status, REPLY_TOO_LATE)
    if not text:
        return None, "There is no text yet. Write what you want to add, then preview or send it."
    limit = current_app.config["MAX_TESTIMONY_CHARS"]
    if len(text) > limit:
        return (
            None,
            f"This part has {len(text):,} characters; the limit is {limit:,}. Please send it in parts.",
        )
    if "send" not in request.form:
        return None, None
    previous = submissions.add_more(submission, nlp.redact(text, keep_extra=submit.keep_terms()))
    if previous in (Status.AWAITING_SOURCE, Status.APPROVED):
        return (
            "Thank you: the new part was added to your testimony. It had been approved, so it goes back to "
            "the moderators to take the new part in; nothing is published until they have.",
            None,
        )
    return (
        "Thank you: the new part was added to your testimony. The moderators will read it with the rest.",
        None,
    )


def _withdraw(submission: Submission) -> tuple[str | None, str | None]:
    if submission.status == Status.WITHDRAWN:
        return None, "This testimony was already withdrawn."
    if request.form.get("confirm") != "yes":
        return None, "To withdraw, tick the box to confirm, then press Withdraw."
    previous = submissions.withdraw(submission)
    return f"{WITHDRAWN_FROM.get(previous, WITHDRAWN)} {erasure.withdrawal_promise()}", None


def _page(
    submission: Submission,
    derived: codenames.Derived,
    codename: str,
    *,
    notice: str | None,
    error: str | None,
    more_preview: bool = False,
) -> str:
    proposal = submissions.proposal(submission, derived)
    more = _more_text() if (error or more_preview) else ""
    preview = nlp.redact(more, keep_extra=submit.keep_terms()) if more_preview and more else None
    marked = compare.changes(proposal.sent, proposal.text) if proposal and proposal.sent is not None else None
    return render_template(
        "status/page.html",
        submission=submission,
        status_text=submissions.status_text(submission.status),
        messages=submissions.messages_for_submitter(submission, derived),
        codename=codename,
        proposal=proposal,
        marked=marked,
        changed_places=compare.count(marked) if marked else 0,
        published=submissions.published_contribution(submission),
        to_publish=submissions.wording_to_publish(submission),
        reply=clean(request.form.get("reply", "")) if error else "",
        changes=clean(request.form.get("changes", "")) if error else "",
        notice=notice,
        error=error,
        can_reply=submission.status not in (Status.WITHDRAWN,),
        can_add=submission.status in lifecycle.SUBMITTER_MAY_ADD,
        more=more,
        more_preview=preview,
        more_segments=highlight.marked(preview) if preview else [],
        numbered_more=highlight.numbered_warnings(preview) if preview else [],
        more_crowd=crowd.estimate(preview.redacted) if preview else None,
        max_reply=MAX_REPLY_CHARS,
    )


@bp.errorhandler(TooManyRequests)
def _too_many(_error: TooManyRequests) -> tuple[str, int]:
    return render_template(
        "status/form.html",
        error="There have been many attempts from your connection. Please wait a while and try again.",
    ), 429
